//! The failure answers of the fxiaoke simulator: HTTP 200 with `{"errorCode", "errorMessage"}`.
//! 15002 and 20016 are the document's; the other codes are our choices, recorded in
//! docs/fxiaoke-protocol.md ("Our choices" 1) and shared with the client.

use serde_json::{json, Value};

/// The document: `illegal parameter`.
pub const ILLEGAL_PARAMETER: i64 = 15002;
/// The document: `corpAccessToken error`.
pub const TOKEN_INVALID: i64 = 20016;
/// Our choice: appId, appSecret or permanentCode wrong.
pub const APP_CREDENTIALS: i64 = 20002;
/// Our choice: more than the endpoint's calls per 20 s.
pub const RATE_LIMITED: i64 = 20050;
/// Our choice: the task or instance is not in a state where this user may act.
pub const NOT_ALLOWED: i64 = 30001;
/// 员工不存在: the platform's 全局返回码 as third parties copy it (our choice 17).
pub const NO_SUCH_EMPLOYEE: i64 = 30027;

/// A failed call, typed by the code the client sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 15002; the text names the parameter (for logs; clients must not parse it).
    #[error("illegal parameter: {0}")]
    Illegal(String),
    #[error("corpAccessToken error")]
    Token,
    #[error("appId or appSecret or permanentCode error")]
    AppCredentials,
    #[error("api call frequency exceeded")]
    RateLimited,
    #[error("task state does not allow this operation")]
    NotAllowed,
    #[error("employee does not exist")]
    NoSuchEmployee,
}

impl ApiError {
    pub fn illegal(what: &str) -> Self {
        ApiError::Illegal(what.to_string())
    }

    pub fn code(&self) -> i64 {
        match self {
            ApiError::Illegal(_) => ILLEGAL_PARAMETER,
            ApiError::Token => TOKEN_INVALID,
            ApiError::AppCredentials => APP_CREDENTIALS,
            ApiError::RateLimited => RATE_LIMITED,
            ApiError::NotAllowed => NOT_ALLOWED,
            ApiError::NoSuchEmployee => NO_SUCH_EMPLOYEE,
        }
    }

    pub fn to_json(&self) -> Value {
        json!({ "errorCode": self.code(), "errorMessage": self.to_string() })
    }
}
