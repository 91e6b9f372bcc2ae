//! weiwenjia credentials: the user token sent as `ACCESS-TOKEN` with the platform
//! (`X-LXY-PLATFORM`) and app (`X-LXY-APP: crm`) headers on every call. How a token is minted is
//! outside the document, so the user pastes it (docs/weiwenjia-protocol.md, choice 2).

use crate::error::VendorError;
use crate::model::Account;
use crate::secrets::Secrets;
use std::fmt;

/// The platforms of the `X-LXY-PLATFORM` header (document: 公共请求头参数).
pub const PLATFORMS: [&str; 4] = ["lixiaoyun", "ikcrm", "wxwork", "dingtalk"];

/// The fixed `X-LXY-APP` value (the document's example sends it lowercase).
pub const APP: &str = "crm";

#[derive(Clone)]
pub struct Credentials {
    token: String,
    pub platform: &'static str,
    /// The user's uid, to tell "submitted by me" and "decided by me" apart in a detail.
    pub uid: i64,
}

impl Credentials {
    pub fn from_account(account: &Account, secrets: &Secrets) -> Result<Self, VendorError> {
        let token = secrets
            .get("access_token")
            .ok_or_else(|| VendorError::Config("the access token (access_token) is missing".into()))?;
        let platform = account.setting("platform").unwrap_or_else(|| "lixiaoyun".into());
        let platform = PLATFORMS.into_iter().find(|p| *p == platform.trim()).ok_or_else(|| {
            VendorError::Config(format!("the platform must be one of {}, not \"{platform}\"", PLATFORMS.join(", ")))
        })?;
        let uid = account.setting("uid").ok_or_else(|| VendorError::Config("the user uid is missing".into()))?;
        let uid =
            uid.trim().parse().map_err(|_| VendorError::Config(format!("the uid must be a number, not \"{uid}\"")))?;
        Ok(Credentials { token: token.to_string(), platform, uid })
    }

    /// The common headers of every call.
    pub fn headers(&self) -> [(&'static str, &str); 4] {
        [
            ("X-LXY-PLATFORM", self.platform),
            ("X-LXY-APP", APP),
            ("ACCESS-TOKEN", &self.token),
            ("Accept", "application/json"),
        ]
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("token", &"<redacted>")
            .field("platform", &self.platform)
            .field("uid", &self.uid)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let c = Credentials { token: "s3cret".into(), platform: "ikcrm", uid: 7 };
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret") && shown.contains("ikcrm"), "{shown}");
        assert_eq!(c.headers()[2], ("ACCESS-TOKEN", "s3cret"));
    }
}
