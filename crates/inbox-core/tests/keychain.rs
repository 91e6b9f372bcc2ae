//! The keychain through the real Secret Service (gnome-keyring, started headless by the test
//! command under `dbus-run-session`): secrets round-trip, never reach the SQLite file, and
//! leave with their account.

use inbox_core::secrets::{SecretStore, Secrets, SecretsError};
use inbox_core::{AccountInput, Service, Vendor};

fn require_session_bus() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "this test needs a Secret Service: run it through the README's test command (scripts/test.sh), \
         which starts gnome-keyring under dbus-run-session"
    );
}

fn secrets(token: &str) -> Secrets {
    let mut m = serde_json::Map::new();
    m.insert("token".into(), token.into());
    Secrets(m)
}

#[test]
fn secrets_round_trip_and_delete() {
    require_session_bus();
    let store = SecretStore::new();
    let id = 900_000 + std::process::id() as i64;
    store.put(id, &secrets("tok-Round-Trip-1")).unwrap();
    assert_eq!(store.get(id).unwrap().get("token"), Some("tok-Round-Trip-1"));
    store.put(id, &secrets("tok-Replaced-2")).unwrap();
    assert_eq!(store.get(id).unwrap().get("token"), Some("tok-Replaced-2"));
    store.delete(id).unwrap();
    assert!(matches!(store.get(id), Err(SecretsError::Missing(_))));
    store.delete(id).unwrap();
}

#[test]
fn account_secrets_live_in_the_keychain_only() {
    require_session_bus();
    let dir = tempfile::tempdir().unwrap();
    let service = Service::open(dir.path()).unwrap();
    let token = format!("SECRET-{}-never-in-sqlite", std::process::id());
    let mut settings = serde_json::Map::new();
    settings.insert("uid".into(), "3".into());
    let input = AccountInput { vendor: Vendor::Yomicloud, name: "钥匙串".into(), base_url: "http://127.0.0.1:9".into(), settings, secrets: secrets(&token) };
    let account = service.add_account(input).unwrap();
    assert!(!serde_json::to_string(&account).unwrap().contains(&token));
    drop(service);

    // Every file of the cache (database, WAL, shared memory) is free of the token.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(token.len()).any(|w| w == token.as_bytes()), "the token reached the cache files");
    }
    assert_eq!(SecretStore::new().get(account.id).unwrap().get("token"), Some(token.as_str()));

    let service = Service::open(dir.path()).unwrap();
    service.remove_account(account.id).unwrap();
    assert!(matches!(SecretStore::new().get(account.id), Err(SecretsError::Missing(_))), "removing the account deletes its entry");
}
