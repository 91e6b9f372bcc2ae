//! Account secrets (tokens, app secrets) in the OS keychain: one entry per account under the
//! service `approval-inbox`, holding a JSON object of that account's secret fields. SQLite never
//! sees them. An entry is named by the cache's own random id and the account's id
//! (`account-<cache id>-<account id>`): account ids restart at 1 in every data directory, so
//! the app and `inbox --data-dir …` would otherwise read, overwrite and delete each other's. Demo accounts, whose credentials are minted by the in-process simulator on every
//! start, keep theirs in memory only.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use thiserror::Error;

/// The keychain service name every entry is stored under.
pub const SERVICE: &str = "approval-inbox";

#[derive(Debug, Error)]
pub enum SecretsError {
    #[error("no OS keychain is available ({0}); Approval Inbox never stores secrets in plain text: {hint}", hint = crate::platform::KEYCHAIN.1)]
    Unavailable(String),
    /// The account's entry would not fit the keychain's limit for one entry (Windows: 2560
    /// bytes). Refused before anything is written, naming each field's size, never a value.
    #[error(
        "the secrets of this account take {bytes} bytes in the {store}, which holds at most {limit} bytes in one entry \
         (fields: {fields}); nothing was stored: check that each secret field holds only the secret itself \
         (a token pasted twice, or with a whole response around it, is too long)",
        store = crate::platform::KEYCHAIN.0
    )]
    TooLarge { bytes: usize, limit: usize, fields: String },
    #[error("the keychain has no secrets for account {0}: remove the account and add it again")]
    Missing(i64),
    #[error("the keychain refused access: {0}")]
    Keychain(String),
    #[error("the keychain entry for account {0} is not valid JSON")]
    Corrupt(i64),
}

/// An account's secret fields. Its `Debug` never prints values.
#[derive(Clone, Default, PartialEq)]
pub struct Secrets(pub serde_json::Map<String, serde_json::Value>);

impl Secrets {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.as_str()).filter(|s| !s.is_empty())
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.keys().map(|k| (k, "<redacted>"))).finish()
    }
}

/// The keychain, with an in-memory side for ephemeral (demo) accounts.
pub struct SecretStore {
    /// The cache's id (see the module documentation).
    cache_id: String,
    /// Accounts whose entry may still have the name of before the cache id.
    legacy: Vec<i64>,
    ephemeral: Mutex<HashMap<i64, Secrets>>,
}

impl SecretStore {
    /// The secrets of the cache whose id is `cache_id` (`Store::cache_id`).
    pub fn new(cache_id: &str) -> Self {
        SecretStore { cache_id: cache_id.to_string(), legacy: Vec::new(), ephemeral: Mutex::default() }
    }

    /// Lets the accounts `legacy` (`Store::legacy_accounts`: real accounts older than the cache
    /// id) take over an entry under the older name, once. No other account does: an older
    /// entry of the same number may belong to another data directory.
    pub fn adopting(self, legacy: Vec<i64>) -> Self {
        SecretStore { legacy, ..self }
    }

    fn entry(&self, account_id: i64) -> Result<keyring::Entry, SecretsError> {
        keyring::Entry::new(SERVICE, &format!("account-{}-{account_id}", self.cache_id)).map_err(classify)
    }

    /// Where versions before the cache id kept an account's secrets.
    fn legacy_entry(account_id: i64) -> Result<keyring::Entry, SecretsError> {
        keyring::Entry::new(SERVICE, &format!("account-{account_id}")).map_err(classify)
    }

    /// Stores the secrets of a real account in the keychain. One JSON entry per account: an
    /// entry larger than the keychain holds ([`crate::platform::keychain_entry_limit`]) is
    /// refused in words before anything is written (no half-stored account).
    pub fn put(&self, account_id: i64, secrets: &Secrets) -> Result<(), SecretsError> {
        crate::logging::redact(secrets.0.values().filter_map(|v| v.as_str()));
        let json = serde_json::Value::Object(secrets.0.clone()).to_string();
        if let Some(limit) = crate::platform::keychain_entry_limit() {
            fits(&json, secrets, limit)?;
        }
        self.entry(account_id)?.set_password(&json).map_err(classify)
    }

    /// Keeps the secrets of an ephemeral account for this process only.
    pub fn put_ephemeral(&self, account_id: i64, secrets: Secrets) {
        crate::logging::redact(secrets.0.values().filter_map(|v| v.as_str()));
        self.ephemeral.lock().unwrap_or_else(|p| p.into_inner()).insert(account_id, secrets);
    }

    pub fn get(&self, account_id: i64) -> Result<Secrets, SecretsError> {
        if let Some(s) = self.ephemeral.lock().unwrap_or_else(|p| p.into_inner()).get(&account_id) {
            return Ok(s.clone());
        }
        let json = match self.entry(account_id)?.get_password() {
            Ok(json) => json,
            Err(keyring::Error::NoEntry) if self.legacy.contains(&account_id) => self.adopt_legacy(account_id)?,
            Err(keyring::Error::NoEntry) => return Err(SecretsError::Missing(account_id)),
            Err(e) => return Err(classify(e)),
        };
        let secrets: Secrets =
            serde_json::from_str(&json).map(Secrets).map_err(|_| SecretsError::Corrupt(account_id))?;
        crate::logging::redact(secrets.0.values().filter_map(|v| v.as_str()));
        Ok(secrets)
    }

    /// Deletes the account's entry; an entry already gone is not an error.
    pub fn delete(&self, account_id: i64) -> Result<(), SecretsError> {
        if self.ephemeral.lock().unwrap_or_else(|p| p.into_inner()).remove(&account_id).is_some() {
            return Ok(());
        }
        match self.entry(account_id)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(classify(e)),
        }
    }
}

impl SecretStore {
    /// Moves an entry written before the cache id to this cache's name, once.
    fn adopt_legacy(&self, account_id: i64) -> Result<String, SecretsError> {
        let legacy = Self::legacy_entry(account_id)?;
        let json = legacy.get_password().map_err(|e| match e {
            keyring::Error::NoEntry => SecretsError::Missing(account_id),
            other => classify(other),
        })?;
        self.entry(account_id)?.set_password(&json).map_err(classify)?;
        let _ = legacy.delete_credential(); // the copy is safe; a leftover is only untidy
        Ok(json)
    }
}

/// Whether `json` (the entry of `secrets`) fits one keychain entry under `limit`.
fn fits(json: &str, secrets: &Secrets, limit: crate::platform::EntryLimit) -> Result<(), SecretsError> {
    let bytes = limit.size_of(json);
    if bytes <= limit.bytes {
        return Ok(());
    }
    let fields = secrets
        .0
        .iter()
        .map(|(k, v)| format!("{k} {} bytes", limit.size_of(v.as_str().unwrap_or_default())))
        .collect::<Vec<_>>()
        .join(", ");
    Err(SecretsError::TooLarge { bytes, limit: limit.bytes, fields })
}

fn classify(e: keyring::Error) -> SecretsError {
    match e {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) | keyring::Error::NoDefaultStore => {
            SecretsError::Unavailable(e.to_string())
        }
        other => SecretsError::Keychain(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_values() {
        let mut m = serde_json::Map::new();
        m.insert("token".into(), "s3cr3t-value".into());
        let shown = format!("{:?}", Secrets(m));
        assert!(shown.contains("token") && !shown.contains("s3cr3t-value"), "{shown}");
    }

    /// Windows' rule, checked on every platform (the real Credential Manager under Wine:
    /// `tests/keychain.rs`): the whole JSON entry counts, in UTF-16.
    #[test]
    fn an_entry_over_the_windows_limit_is_refused_in_words_without_its_values() {
        let windows = crate::platform::EntryLimit::WINDOWS;
        let mut m = serde_json::Map::new();
        m.insert("token".into(), "t".repeat(1268).into()); // {"token":"…"} is 12 + 1268 = 1280 units
        let at_limit = Secrets(m.clone());
        let json = serde_json::Value::Object(at_limit.0.clone()).to_string();
        assert!(fits(&json, &at_limit, windows).is_ok());
        m.insert("token".into(), format!("{}令", "t".repeat(1268)).into());
        let over = Secrets(m);
        let json = serde_json::Value::Object(over.0.clone()).to_string();
        let e = fits(&json, &over, windows).unwrap_err().to_string();
        assert!(
            e.contains("2562 bytes")
                && e.contains("at most 2560")
                && e.contains("token 2538 bytes")
                && e.contains("nothing was stored"),
            "{e}"
        );
        assert!(!e.contains("tttt"), "no value in the message: {e}");
    }

    #[test]
    fn ephemeral_secrets_round_trip_without_keychain() {
        let store = SecretStore::new("test");
        let mut m = serde_json::Map::new();
        m.insert("token".into(), "abc".into());
        store.put_ephemeral(-1, Secrets(m));
        assert_eq!(store.get(-1).unwrap().get("token"), Some("abc"));
        store.delete(-1).unwrap();
    }
}
