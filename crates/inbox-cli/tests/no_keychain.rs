//! Without a keychain the `inbox` command refuses to keep secrets, says why, and leaves
//! nothing behind: no account row, no secret in the cache file. The session bus is pointed at
//! a socket that does not exist, which is what a desktop without a Secret Service looks like.
//! Linux only: Windows (Credential Manager) and macOS (Keychain) always have their store.
#![cfg(all(unix, not(target_os = "macos")))]

use assert_cmd::Command;

fn inbox(dir: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("inbox").unwrap();
    c.arg("--data-dir").arg(dir).env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/approval-inbox-test-bus");
    c
}

#[test]
fn adding_an_account_without_a_keychain_fails_in_words_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "tok-never-in-plain-text-7f3a";
    let out = inbox(dir.path())
        .args([
            "account",
            "add",
            "yomicloud",
            "--name",
            "云盘",
            "--base-url",
            "http://127.0.0.1:9",
            "--set",
            "uid=1",
            "--secrets-stdin",
        ])
        .write_stdin(serde_json::json!({ "token": secret }).to_string())
        .output()
        .unwrap();
    assert!(!out.status.success(), "adding must fail without a keychain");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no OS keychain is available"), "the reason is said: {stderr}");
    assert!(stderr.contains("never stores secrets in plain text"), "{stderr}");
    assert!(!stderr.contains(secret), "the secret is not echoed: {stderr}");

    let listed = inbox(dir.path()).args(["account", "list", "--json"]).output().unwrap();
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let accounts: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(accounts.as_array().map(Vec::len), Some(0), "the half-added account was rolled back: {accounts}");

    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{} holds the secret",
                path.display()
            );
        }
    }
}
