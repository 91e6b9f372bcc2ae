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
    #[error(
        "no OS keychain is available ({0}); Approval Inbox never stores secrets in plain text: \
         start a Secret Service provider such as gnome-keyring and unlock it"
    )]
    Unavailable(String),
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

    /// Stores the secrets of a real account in the keychain.
    pub fn put(&self, account_id: i64, secrets: &Secrets) -> Result<(), SecretsError> {
        crate::logging::redact(secrets.0.values().filter_map(|v| v.as_str()));
        let json = serde_json::Value::Object(secrets.0.clone()).to_string();
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
        let secrets: Secrets = serde_json::from_str(&json).map(Secrets).map_err(|_| SecretsError::Corrupt(account_id))?;
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
