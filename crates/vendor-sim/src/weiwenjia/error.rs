//! The failure answers of the weiwenjia simulator: the document's error envelope
//! `{"errcode": N, "errmsg": "..."}` (its example: `500 invalid appid`), with the codes fixed in
//! docs/weiwenjia-protocol.md (the document's error-code page is not public).

use serde_json::{json, Value};

/// A refused call, typed by the code the client sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 500: `X-LXY-APP` missing or not `crm` (the document's own example).
    #[error("invalid appid")]
    BadApp,
    /// 500: `X-LXY-PLATFORM` missing or not one of the four platforms.
    #[error("invalid platform")]
    BadPlatform,
    /// 401: `ACCESS-TOKEN` missing, unknown, revoked, or of another platform.
    #[error("用户token无效或已过期")]
    BadToken,
    /// 422: a parameter is missing or malformed (names it).
    #[error("参数错误: {0}")]
    BadParam(String),
    /// 403: the caller may not take this action on this record now.
    #[error("没有操作权限")]
    Forbidden,
    /// 404: no such execute record / entity.
    #[error("审批记录不存在")]
    NotFound,
    /// 422: the record is no longer applying.
    #[error("审批已结束，不能再操作")]
    Finished,
}

impl ApiError {
    pub fn param(name: &str) -> Self {
        Self::BadParam(name.to_string())
    }

    /// The envelope's `errcode`.
    pub fn code(&self) -> i64 {
        match self {
            Self::BadApp | Self::BadPlatform => 500,
            Self::BadToken => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::BadParam(_) | Self::Finished => 422,
        }
    }

    /// The envelope as sent.
    pub fn to_json(&self) -> Value {
        json!({ "errcode": self.code(), "errmsg": self.to_string() })
    }
}
