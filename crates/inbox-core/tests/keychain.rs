//! The keychain through the real OS store: on Linux the Secret Service (gnome-keyring, started
//! headless by the test command under `dbus-run-session`), on Windows the Credential Manager
//! (`scripts/test.sh` runs these under Wine, whose advapi32 keeps credentials in its registry):
//! secrets round-trip, never reach the SQLite file, and leave with their account.

use inbox_core::secrets::{SecretStore, Secrets, SecretsError};
use inbox_core::store::Store;
use inbox_core::{AccountInput, Service, Vendor};

/// Linux only: Windows' Credential Manager and macOS' Keychain need no session to be started.
fn require_session_bus() {
    #[cfg(all(unix, not(target_os = "macos")))]
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
    let store = SecretStore::new("round-trip");
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
    let keychain = SecretStore::new(&Store::open_in(dir.path()).unwrap().cache_id().unwrap());
    assert_eq!(keychain.get(account.id).unwrap().get("token"), Some(token.as_str()));

    let service = Service::open(dir.path()).unwrap();
    service.remove_account(account.id).unwrap();
    assert!(matches!(keychain.get(account.id), Err(SecretsError::Missing(_))), "removing the account deletes its entry");
}

fn add(service: &Service, token: &str) -> i64 {
    let mut settings = serde_json::Map::new();
    settings.insert("uid".into(), "3".into());
    let input = AccountInput { vendor: Vendor::Yomicloud, name: "云盘".into(), base_url: "http://127.0.0.1:9".into(), settings, secrets: secrets(token) };
    service.add_account(input).unwrap().id
}

/// Account ids restart at 1 in every data directory (the app's, `inbox --data-dir`'s): each
/// cache keeps its own secrets, and removing an account in one leaves the other's.
#[test]
fn two_caches_never_share_secrets() {
    require_session_bus();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (first, second) = (Service::open(a.path()).unwrap(), Service::open(b.path()).unwrap());
    let (id_a, id_b) = (add(&first, "tok-of-cache-a"), add(&second, "tok-of-cache-b"));
    assert_eq!(id_a, id_b, "the same account id in both caches");
    let keychain = |dir: &tempfile::TempDir| SecretStore::new(&Store::open_in(dir.path()).unwrap().cache_id().unwrap());
    assert_eq!(keychain(&a).get(id_a).unwrap().get("token"), Some("tok-of-cache-a"));
    assert_eq!(keychain(&b).get(id_b).unwrap().get("token"), Some("tok-of-cache-b"));
    first.remove_account(id_a).unwrap();
    assert_eq!(keychain(&b).get(id_b).unwrap().get("token"), Some("tok-of-cache-b"), "the other cache's entry stays");
    second.remove_account(id_b).unwrap();
}

/// Entries written before the cache id (`account-<id>`) are found once and moved.
#[test]
fn an_entry_from_before_the_cache_id_is_adopted() {
    require_session_bus();
    let id = 800_000 + std::process::id() as i64;
    let legacy = keyring::Entry::new(inbox_core::secrets::SERVICE, &format!("account-{id}")).unwrap();
    legacy.set_password(r#"{"token":"tok-from-an-older-version"}"#).unwrap();
    assert!(matches!(SecretStore::new("a-newer-account").get(id), Err(SecretsError::Missing(_))), "only the accounts of before may adopt");
    let store = SecretStore::new("adopting").adopting(vec![id]);
    assert_eq!(store.get(id).unwrap().get("token"), Some("tok-from-an-older-version"));
    assert!(matches!(legacy.get_password(), Err(keyring::Error::NoEntry)), "the old entry is moved, not copied");
    assert_eq!(store.get(id).unwrap().get("token"), Some("tok-from-an-older-version"));
    store.delete(id).unwrap();
}
