//! fxiaoke credentials and the corp access token: `appId` (a setting), `appSecret` and
//! `permanentCode` (secrets) are exchanged at `/cgi/corpAccessToken/get/V2` for a
//! `corpAccessToken` + `corpId` pair valid `expiresIn` seconds (7200). The token is cached per
//! connector, refreshed a few minutes early, and fetched by one caller at a time.

use crate::error::VendorError;
use crate::model::Account;
use crate::secrets::Secrets;
use std::fmt;
use std::time::{Duration, Instant};

/// Refresh this long before the vendor's expiry (at most a quarter of the lifetime, so a short
/// lifetime still gives a usable token).
pub const REFRESH_EARLY: Duration = Duration::from_secs(300);

/// What the token call needs. `Debug` never shows the secrets.
#[derive(Clone)]
pub struct Credentials {
    pub app_id: String,
    app_secret: String,
    permanent_code: String,
}

impl Credentials {
    pub fn from_account(account: &Account, secrets: &Secrets) -> Result<Self, VendorError> {
        let app_id =
            account.setting("app_id").ok_or_else(|| VendorError::Config("the appId (app_id) is missing".into()))?;
        let app_secret = secrets
            .get("app_secret")
            .ok_or_else(|| VendorError::Config("the appSecret (app_secret) is missing".into()))?;
        let permanent_code = secrets
            .get("permanent_code")
            .ok_or_else(|| VendorError::Config("the permanentCode (permanent_code) is missing".into()))?;
        Ok(Credentials {
            app_id: app_id.trim().to_string(),
            app_secret: app_secret.to_string(),
            permanent_code: permanent_code.to_string(),
        })
    }

    pub fn new(app_id: &str, app_secret: &str, permanent_code: &str) -> Self {
        Credentials { app_id: app_id.into(), app_secret: app_secret.into(), permanent_code: permanent_code.into() }
    }

    /// The body of `/cgi/corpAccessToken/get/V2`.
    pub fn token_request(&self) -> serde_json::Value {
        serde_json::json!({ "appId": self.app_id, "appSecret": self.app_secret, "permanentCode": self.permanent_code })
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("app_id", &self.app_id)
            .field("app_secret", &"<redacted>")
            .field("permanent_code", &"<redacted>")
            .finish()
    }
}

/// A corp access token and the corp it belongs to.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    pub corp_access_token: String,
    pub corp_id: String,
    /// When to fetch a new one (already moved earlier by the refresh margin).
    pub refresh_at: Instant,
}

impl Token {
    pub fn new(corp_access_token: String, corp_id: String, expires_in: i64, now: Instant) -> Self {
        let life = Duration::from_secs(expires_in.max(0) as u64);
        let early = REFRESH_EARLY.min(life / 4);
        Token { corp_access_token, corp_id, refresh_at: now + life - early }
    }

    pub fn fresh(&self, now: Instant) -> bool {
        now < self.refresh_at
    }

    /// Adds `corpAccessToken` and `corpId` to a call's JSON body.
    pub fn sign_body(&self, body: &mut serde_json::Value) {
        if let Some(obj) = body.as_object_mut() {
            obj.insert("corpAccessToken".into(), self.corp_access_token.clone().into());
            obj.insert("corpId".into(), self.corp_id.clone().into());
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token").field("corp_access_token", &"<redacted>").field("corp_id", &self.corp_id).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refreshes_early_and_redacts() {
        let now = Instant::now();
        let t = Token::new("T0KEN-VALUE".into(), "corp".into(), 7200, now);
        assert!(t.fresh(now + Duration::from_secs(6800)));
        assert!(!t.fresh(now + Duration::from_secs(6901)), "five minutes early");
        let short = Token::new("tok".into(), "corp".into(), 8, now);
        assert!(short.fresh(now + Duration::from_secs(5)) && !short.fresh(now + Duration::from_secs(7)));
        let mut body = serde_json::json!({"approvalId": 1});
        t.sign_body(&mut body);
        assert_eq!(body["corpAccessToken"], "T0KEN-VALUE");
        assert_eq!(body["corpId"], "corp");
        assert!(!format!("{t:?}").contains("T0KEN-VALUE"));
        let c = Credentials::new("FSAID_1", "s3cret", "p3rm");
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret") && !shown.contains("p3rm") && shown.contains("FSAID_1"));
    }
}
