//! The failure answers of the qiyuesuo simulator. Business errors use the response codes the
//! document lists (HTTP 200); signature/token failures answer HTTP 441/442 with a JSON body
//! (docs/qiyuesuo-protocol.md, choices 1–2).

use serde_json::{json, Value};

/// A refused call, typed by what the client sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 11990005: a parameter is missing, malformed or out of range (names it).
    #[error("无效的参数:{0}")]
    BadParam(String),
    /// 11011107: the contract is not at an audit step.
    #[error("未轮到签署")]
    NotYourTurn,
    /// 11101003: no such contract.
    #[error("合同不存在")]
    NoContract,
    /// 11011101: the contract's status does not allow this.
    #[error("无效的合同状态")]
    WrongStatus,
    /// 14990002: the contract or signatory does not belong to this app's company.
    #[error("权限不匹配")]
    Forbidden,
    /// HTTP 441: a signature header is missing or wrong, the timestamp is stale, or the nonce
    /// was used before.
    #[error("{0}")]
    BadSignature(&'static str),
    /// HTTP 442: the AppToken is unknown.
    #[error("AppToken无效")]
    BadToken,
}

impl ApiError {
    /// Shorthand for [`ApiError::BadParam`].
    pub fn param(name: &str) -> Self {
        Self::BadParam(name.to_string())
    }

    /// The document's response code.
    pub fn code(&self) -> i64 {
        match self {
            Self::BadParam(_) => 11990005,
            Self::NotYourTurn => 11011107,
            Self::NoContract => 11101003,
            Self::WrongStatus => 11011101,
            Self::Forbidden => 14990002,
            Self::BadSignature(_) => 441,
            Self::BadToken => 442,
        }
    }

    /// The HTTP status: 441/442 for auth failures, 200 otherwise.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::BadSignature(_) => 441,
            Self::BadToken => 442,
            _ => 200,
        }
    }

    /// The body in the `code` spelling (contract/list, detail, pageurl, auth failures).
    pub fn code_body(&self) -> Value {
        json!({ "code": self.code(), "message": self.to_string() })
    }

    /// The body in the `responseCode` spelling the document shows (employeeaudit).
    pub fn response_code_body(&self) -> Value {
        json!({ "responseCode": self.code().to_string(), "message": self.to_string() })
    }
}
