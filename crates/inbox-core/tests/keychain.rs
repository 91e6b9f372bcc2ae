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
    let input = AccountInput {
        vendor: Vendor::Yomicloud,
        name: "钥匙串".into(),
        base_url: "http://127.0.0.1:9".into(),
        settings,
        secrets: secrets(&token),
    };
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
    assert!(
        matches!(keychain.get(account.id), Err(SecretsError::Missing(_))),
        "removing the account deletes its entry"
    );
}

fn add(service: &Service, token: &str) -> i64 {
    let mut settings = serde_json::Map::new();
    settings.insert("uid".into(), "3".into());
    let input = AccountInput {
        vendor: Vendor::Yomicloud,
        name: "云盘".into(),
        base_url: "http://127.0.0.1:9".into(),
        settings,
        secrets: secrets(token),
    };
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
    assert!(
        matches!(SecretStore::new("a-newer-account").get(id), Err(SecretsError::Missing(_))),
        "only the accounts of before may adopt"
    );
    let store = SecretStore::new("adopting").adopting(vec![id]);
    assert_eq!(store.get(id).unwrap().get("token"), Some("tok-from-an-older-version"));
    assert!(matches!(legacy.get_password(), Err(keyring::Error::NoEntry)), "the old entry is moved, not copied");
    assert_eq!(store.get(id).unwrap().get("token"), Some("tok-from-an-older-version"));
    store.delete(id).unwrap();
}

/// Issue 15: Windows' Credential Manager holds at most 2560 bytes (1280 UTF-16 units) in one
/// entry, and an account's secrets are one JSON entry. An entry exactly at the limit
/// round-trips through the real store; one character more is refused in words before anything
/// is written, and adding such an account leaves no account behind. Linux's Secret Service has
/// no such limit: there the larger entry is simply stored.
#[test]
fn an_entry_at_the_credential_limit_round_trips_and_one_over_is_refused() {
    require_session_bus();
    let store = SecretStore::new("entry-limit");
    let id = 700_000 + std::process::id() as i64;
    let at_limit = "t".repeat(1268); // {"token":"…"}: 12 + 1268 = 1280 UTF-16 units = 2560 bytes
    store.put(id, &secrets(&at_limit)).unwrap();
    assert_eq!(store.get(id).unwrap().get("token"), Some(at_limit.as_str()));
    let over = format!("{at_limit}令");
    let result = store.put(id + 1, &secrets(&over));
    if cfg!(windows) {
        let e = result.unwrap_err();
        assert!(matches!(e, SecretsError::TooLarge { bytes: 2562, limit: 2560, .. }), "{e:?}");
        let shown = e.to_string();
        assert!(
            shown.contains("Windows Credential Manager")
                && shown.contains("token 2538 bytes")
                && !shown.contains("tttt"),
            "{shown}"
        );
        assert!(matches!(store.get(id + 1), Err(SecretsError::Missing(_))), "nothing was written");

        let dir = tempfile::tempdir().unwrap();
        let service = Service::open(dir.path()).unwrap();
        let mut settings = serde_json::Map::new();
        settings.insert("uid".into(), "3".into());
        let input = AccountInput {
            vendor: Vendor::Yomicloud,
            name: "长令牌".into(),
            base_url: "http://127.0.0.1:9".into(),
            settings,
            secrets: secrets(&over),
        };
        let e = service.add_account(input).unwrap_err().to_string();
        assert!(e.contains("at most 2560 bytes"), "{e}");
        assert!(service.accounts().unwrap().is_empty(), "the account was not kept without its secrets");
    } else {
        result.unwrap();
        assert_eq!(store.get(id + 1).unwrap().get("token"), Some(over.as_str()));
        store.delete(id + 1).unwrap();
    }
    store.delete(id).unwrap();
}
