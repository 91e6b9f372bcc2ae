//! The failure answers of the yomicloud simulator: HTTP 200 with `{"code": N, "msg": "..."}`,
//! codes as fixed in docs/yomicloud-protocol.md choice 1 (the vendor document names none).

use serde_json::{json, Value};

/// A failed call, typed by the code the client sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Code 1: token missing or unknown.
    #[error("token无效或已过期")]
    BadToken,
    /// Code 2: a required parameter is missing or malformed (names the parameter).
    #[error("参数错误: {0}")]
    BadParam(String),
    /// Code 3: the caller may not see or do this.
    #[error("没有权限")]
    Forbidden,
    /// Code 4: approval, template or file not found (the text says which).
    #[error("{0}")]
    NotFound(&'static str),
    /// Code 5: not allowed in the current state (already handled, not this step, finished,
    /// not the designated approver).
    #[error("当前状态不允许此操作")]
    WrongState,
    /// Code 6: the uploaded size does not match the declared size.
    #[error("文件大小不一致")]
    SizeMismatch,
}

impl ApiError {
    /// Shorthand for [`ApiError::BadParam`].
    pub fn param(name: &str) -> Self {
        Self::BadParam(name.to_string())
    }

    /// The numeric `code` of the envelope.
    pub fn code(&self) -> i64 {
        match self {
            Self::BadToken => 1,
            Self::BadParam(_) => 2,
            Self::Forbidden => 3,
            Self::NotFound(_) => 4,
            Self::WrongState => 5,
            Self::SizeMismatch => 6,
        }
    }

    /// The envelope as sent.
    pub fn to_json(&self) -> Value {
        json!({ "code": self.code(), "msg": self.to_string() })
    }
}

/// "审批不存在"
pub const NO_APPROVAL: ApiError = ApiError::NotFound("审批不存在");
/// "审批模板不存在"
pub const NO_TEMPLET: ApiError = ApiError::NotFound("审批模板不存在");
/// "文件不存在"
pub const NO_FILE: ApiError = ApiError::NotFound("文件不存在");
