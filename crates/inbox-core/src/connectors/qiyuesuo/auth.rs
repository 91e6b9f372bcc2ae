//! 契约锁 request signing: every call carries `<prefix>accesstoken` (the AppToken),
//! `<prefix>timestamp` (ms), `<prefix>nonce` (a fresh UUID; the platform refuses a reused one
//! for 10 minutes) and `<prefix>signature` = lowercase hex md5 of `AppToken + AppSecret +
//! timestamp + nonce`. Body and URL are not signed. The prefix is `x-qys-open-` (SaaS) or
//! `x-qys-` (private cloud).

use crate::error::VendorError;
use crate::model::Account;
use crate::secrets::Secrets;
use md5::{Digest, Md5};
use std::fmt;

/// The SaaS header prefix.
pub const DEFAULT_PREFIX: &str = "x-qys-open-";

/// The document's signature.
pub fn signature(app_token: &str, app_secret: &str, timestamp: &str, nonce: &str) -> String {
    hex::encode(Md5::digest(format!("{app_token}{app_secret}{timestamp}{nonce}").as_bytes()))
}

/// An app's credentials and the header prefix of its deployment.
#[derive(Clone)]
pub struct Credentials {
    app_token: String,
    app_secret: String,
    prefix: String,
}

impl Credentials {
    pub fn new(app_token: &str, app_secret: &str, prefix: &str) -> Result<Self, VendorError> {
        let prefix = prefix.trim();
        let prefix = if prefix.is_empty() { DEFAULT_PREFIX } else { prefix };
        if !prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(VendorError::Config(format!(
                "the header prefix may hold letters, digits and '-' only, not \"{prefix}\""
            )));
        }
        if app_token.trim().is_empty() {
            return Err(VendorError::Config("the AppToken (app_token) is missing".into()));
        }
        if app_secret.is_empty() {
            return Err(VendorError::Config("the AppSecret (app_secret) is missing".into()));
        }
        Ok(Credentials {
            app_token: app_token.trim().into(),
            app_secret: app_secret.into(),
            prefix: prefix.to_ascii_lowercase(),
        })
    }

    pub fn from_account(account: &Account, secrets: &Secrets) -> Result<Self, VendorError> {
        let token = account.setting("app_token").unwrap_or_default();
        let prefix = account.setting("header_prefix").unwrap_or_default();
        Self::new(&token, secrets.get("app_secret").unwrap_or(""), &prefix)
    }

    /// The four headers of one request, signed for `timestamp_ms` and `nonce`.
    pub fn headers_at(&self, timestamp_ms: i64, nonce: &str) -> [(String, String); 4] {
        let ts = timestamp_ms.to_string();
        let sig = signature(&self.app_token, &self.app_secret, &ts, nonce);
        let p = &self.prefix;
        [
            (format!("{p}accesstoken"), self.app_token.clone()),
            (format!("{p}timestamp"), ts),
            (format!("{p}nonce"), nonce.to_string()),
            (format!("{p}signature"), sig),
        ]
    }

    /// The headers of a request sent now, with a fresh UUID nonce.
    pub fn headers(&self) -> [(String, String); 4] {
        self.headers_at(chrono::Utc::now().timestamp_millis(), &uuid::Uuid::new_v4().to_string())
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("app_token", &self.app_token)
            .field("app_secret", &"<redacted>")
            .field("prefix", &self.prefix)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTORS: &str = include_str!("../../../tests/fixtures/vectors.json");

    #[test]
    fn signature_passes_every_qiyuesuo_vector() {
        let v: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
        let cases = v["qiyuesuo"].as_array().unwrap();
        assert!(!cases.is_empty());
        for c in cases {
            let s = |k: &str| c[k].as_str().unwrap();
            assert_eq!(signature(s("app_token"), s("app_secret"), s("timestamp"), s("nonce")), s("signature"));
            let creds = Credentials::new(s("app_token"), s("app_secret"), "").unwrap();
            let h = creds.headers_at(s("timestamp").parse().unwrap(), s("nonce"));
            assert_eq!(h[3], ("x-qys-open-signature".to_string(), s("signature").to_string()));
        }
    }

    #[test]
    fn vectors_are_a_verbatim_copy_of_the_shared_file() {
        let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vendor-docs/vectors.json");
        if let Ok(original) = std::fs::read_to_string(shared) {
            assert_eq!(original, VECTORS, "tests/fixtures/vectors.json must equal shared/vendor-docs/vectors.json");
        }
    }

    #[test]
    fn prefix_is_a_setting_and_each_request_gets_a_fresh_uuid_nonce() {
        let c = Credentials::new("tok", "sec", "x-qys-").unwrap();
        let (a, b) = (c.headers(), c.headers());
        assert_eq!(a[0], ("x-qys-accesstoken".into(), "tok".into()));
        assert_ne!(a[2].1, b[2].1);
        assert!(uuid::Uuid::parse_str(&a[2].1).is_ok());
        assert!(Credentials::new("tok", "sec", "x-qys open").is_err());
        assert!(!format!("{c:?}").contains("sec\""), "{c:?}");
    }
}
