//! yomicloud credentials: a user token sent as the `token` form field on every call (and in the
//! path of uploads), plus the uid it belongs to. How a token is obtained is not public, so the
//! user pastes it (docs/yomicloud-protocol.md, choice 2).

use crate::error::VendorError;
use crate::model::Account;
use crate::secrets::Secrets;
use std::fmt;

/// A yomicloud token and the numeric user id it belongs to.
#[derive(Clone)]
pub struct Credentials {
    token: String,
    pub uid: i64,
}

impl Credentials {
    pub fn from_account(account: &Account, secrets: &Secrets) -> Result<Self, VendorError> {
        let token = secrets.get("token").ok_or_else(|| VendorError::Config("the token is missing".into()))?;
        let uid = account.setting("uid").ok_or_else(|| VendorError::Config("the user id (uid) is missing".into()))?;
        let uid = uid
            .trim()
            .parse()
            .map_err(|_| VendorError::Config(format!("the user id must be a number, not \"{uid}\"")))?;
        Ok(Credentials { token: token.to_string(), uid })
    }

    /// The token, for the upload path (`upload-attachment/{token}/…`); never logged.
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    /// The form fields of a call: `token` first, then the call's own.
    pub fn form<'a>(&'a self, fields: &[(&'a str, String)]) -> Vec<(&'a str, String)> {
        let mut form = Vec::with_capacity(fields.len() + 1);
        form.push(("token", self.token.clone()));
        form.extend(fields.iter().cloned());
        form
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("token", &"<redacted>").field("uid", &self.uid).finish()
    }
}
