//! The 则一 relay end to end, every part a real process: `vendor-sim serve` as 则一 with its IP
//! whitelist set to 127.0.0.2, `inbox-relay serve` calling it from 127.0.0.2 (`outbound_addr`)
//! on a SQLite file or on a throwaway PostgreSQL, and `inbox` with a zeyi account via the relay
//! (token in the real keychain). A submit goes desktop → relay → 则一; 则一's decision comes back
//! as a callback to the relay, and `inbox sync` pulls it into the cache. The same desktop's
//! direct call (from 127.0.0.1) is refused by the whitelist. Bad input: a wrong token, a token
//! sending as another 工号, and a relay that is down (the cancel waits in the outbox and a
//! later retry delivers it).
#![cfg(unix)]

#[path = "../../inbox-relay/tests/support/pg.rs"]
mod pg;
#[path = "support/relay_parts.rs"]
mod relay_parts;
#[path = "support/spawned.rs"]
mod spawned;
mod support;

use relay_parts::{Backend, RelaySetup, Zeyi};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;
use support::Inbox;

#[test]
fn the_relay_path_on_sqlite() {
    relay_path(Backend::Sqlite);
}

#[test]
fn the_relay_path_on_postgres() {
    relay_path(Backend::Postgres);
}

impl Inbox {
    /// `inbox account add zeyi` via the relay at `relay_url` with `token`, sending as `username`.
    fn add_relayed(&self, name: &str, zeyi: &Zeyi, relay_url: &str, username: &str, token: &str) {
        let relay_url = format!("relay_url={relay_url}");
        let username = format!("username={username}");
        let args = ["account", "add", "zeyi", "--name", name, "--base-url", &zeyi.base_url, "--set", "mode=relay"];
        let mut args = args.to_vec();
        args.extend([relay_url.as_str(), username.as_str(), "--secrets-stdin"]);
        let out = self.run(&args, Some(json!({ "relay_token": token }).to_string()));
        assert!(out.status.success(), "adding {name}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// `inbox account add zeyi` calling 则一 directly with the company's keys.
    fn add_direct(&self, name: &str, zeyi: &Zeyi) {
        let sets: Vec<String> = ["app_key", "encrypt", "iv", "callback_app_key"]
            .iter()
            .map(|k| format!("{k}={}", zeyi.setting(k)))
            .chain(["username=E001".to_string()])
            .collect();
        let mut args = vec!["account", "add", "zeyi", "--name", name, "--base-url", &zeyi.base_url, "--set"];
        args.extend(sets.iter().map(String::as_str));
        args.push("--secrets-stdin");
        let secrets =
            json!({"app_secret": zeyi.secret("app_secret"), "callback_app_secret": zeyi.secret("callback_app_secret")});
        let out = self.run(&args, Some(secrets.to_string()));
        assert!(out.status.success(), "adding {name}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// `inbox submit ACCOUNT --form` of a purchase with business id `id`: the command's output.
    fn submit(&self, account: &str, id: &str) -> std::process::Output {
        let form = self.dir.path().join(format!("{id}.json"));
        let submission = json!({
            "template_id": "purchase",
            "request_id": id,
            "fields": [{"key": "事由", "value": "采购托盘 200 个", "kind": "text"}, {"key": "金额", "value": "100.00", "kind": "text"}],
            "conditions": [{"key": "amount", "value": "100", "kind": "text"}]
        });
        std::fs::write(&form, submission.to_string()).unwrap();
        self.run(&["submit", account, "--form", form.to_str().unwrap(), "--json"], None)
    }

    fn approval(&self, id: i64) -> Value {
        self.json(&["show", &id.to_string(), "--json"])
    }
}

fn text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn relay_path(backend: Backend) {
    let zeyi = Zeyi::start();
    let setup = RelaySetup::new(backend, &zeyi);
    let token = setup.user("E001", "张伟");
    let other_token = setup.user("E002", "王建国");
    let mut relay = setup.serve();
    let callback_url = format!("{}/tms-service-api/audit/callback", setup.url());
    zeyi.admin("POST", "/__sim/zeyi/callback-url", Some(json!({ "url": callback_url })));
    let inbox = Inbox::new();

    // The whitelist: this desktop (127.0.0.1) calling 则一 itself is refused, and nothing is made.
    inbox.add_direct("则一直连", &zeyi);
    let refused = inbox.submit("则一直连", "PO-DIRECT-1");
    assert!(!refused.status.success(), "a direct call from 127.0.0.1 must be refused");
    assert!(
        text(&refused).contains("IP_NOT_WHITELISTED") && text(&refused).contains("127.0.0.1"),
        "{}",
        text(&refused)
    );
    assert!(zeyi.audits().iter().all(|a| a["id"] != "PO-DIRECT-1"), "则一 made nothing for a refused caller");

    // Through the relay (127.0.0.2): submitted, decided in 则一, pulled by `inbox sync`.
    inbox.add_relayed("则一", &zeyi, &setup.url(), "E001", &token);
    let tested = inbox.ok(&["account", "test", "则一"]);
    assert!(tested.contains("连接成功") && tested.contains("E001"), "{tested}");
    let sent = inbox.submit("则一", "PO-REL-1");
    assert!(sent.status.success(), "{}", text(&sent));
    let sent: Value = serde_json::from_slice(&sent.stdout).unwrap();
    let id = sent["id"].as_i64().unwrap();
    assert_eq!(sent["status"], "pending", "{sent}");
    let audit = zeyi.audits().into_iter().find(|a| a["id"] == "PO-REL-1").expect("则一 has the approval");
    assert_eq!(audit["username"], "E001");
    let decided = zeyi.admin(
        "POST",
        "/__sim/zeyi/decide",
        Some(json!({"id": "PO-REL-1", "result": "pass", "approver": "陈静", "remark": "同意采购"})),
    );
    assert_eq!(decided["delivery"]["accepted"], true, "the relay took the callback: {decided}");
    assert_eq!(inbox.approval(id)["status"], "pending", "nothing arrives before a pull");
    inbox.ok(&["sync", "则一"]);
    let approved = inbox.approval(id);
    assert_eq!(approved["status"], "approved", "{approved}");
    let shown = inbox.ok(&["show", &id.to_string()]);
    assert!(shown.contains("approved") && shown.contains("陈静") && shown.contains("同意采购"), "{shown}");

    // At least once: the same result pulled again (the cursor taken back) changes nothing.
    set_cursor(inbox.dir.path(), 0);
    inbox.ok(&["sync", "则一"]);
    assert_eq!(inbox.approval(id), approved, "applying a result twice changes nothing");
    assert!(cursor(inbox.dir.path()) > 0, "the cursor is stored after applying");

    wrong_tokens(&inbox, &zeyi, &setup, &other_token);

    // The relay down: the cancel waits in the outbox with why, and a later retry delivers it.
    let second = inbox.submit("则一", "PO-REL-2");
    assert!(second.status.success(), "{}", text(&second));
    let second: Value = serde_json::from_slice(&second.stdout).unwrap();
    let second_id = second["id"].as_i64().unwrap().to_string();
    assert!(relay.terminate(Duration::from_secs(20)).success(), "{}", relay.stderr());
    let cancel = inbox.run(&["cancel", &second_id], None);
    assert!(!cancel.status.success(), "the relay is down");
    assert!(text(&cancel).contains("relay") && text(&cancel).contains("127.0.0.1"), "{}", text(&cancel));
    let waiting = inbox.json(&["outbox", "list", "--json"]);
    let entry = waiting.as_array().unwrap().iter().find(|e| e["kind"] == "cancel").expect("the cancel is kept");
    assert_eq!(entry["state"], "queued", "kept to retry by itself: {entry}");
    let down = inbox.submit("则一", "PO-REL-3");
    assert!(!down.status.success() && text(&down).contains("relay"), "{}", text(&down));
    assert!(zeyi.audits().iter().all(|a| a["id"] != "PO-REL-3"));

    let _relay = setup.serve();
    inbox.ok(&["outbox", "retry", &entry["id"].to_string()]);
    let cancelled = zeyi.audits().into_iter().find(|a| a["id"] == "PO-REL-2").unwrap();
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    inbox.ok(&["sync", "则一"]);
    assert_eq!(inbox.approval(second_id.parse().unwrap())["status"], "cancelled");
}

/// A wrong token and a token sending as another 工号: refused in words, nothing reaches 则一.
fn wrong_tokens(inbox: &Inbox, zeyi: &Zeyi, setup: &RelaySetup, other_token: &str) {
    let before = zeyi.audits().len();
    inbox.add_relayed("假令牌", zeyi, &setup.url(), "E001", "irt1.0000000000000000.not-the-secret");
    let test = inbox.run(&["account", "test", "假令牌"], None);
    assert!(!test.status.success() && text(&test).contains("TOKEN_INVALID"), "{}", text(&test));
    let sent = inbox.submit("假令牌", "PO-BAD-1");
    assert!(!sent.status.success(), "a wrong token sends nothing");
    assert!(text(&sent).contains("令牌") && !text(&sent).contains("not-the-secret"), "{}", text(&sent));

    inbox.add_relayed("冒名", zeyi, &setup.url(), "E001", other_token);
    let test = inbox.run(&["account", "test", "冒名"], None);
    assert!(!test.status.success() && text(&test).contains("E002"), "{}", text(&test));
    let sent = inbox.submit("冒名", "PO-BAD-2");
    assert!(!sent.status.success(), "E002's token cannot send as E001");
    assert!(text(&sent).contains("SENDER_MISMATCH") && text(&sent).contains("nothing was sent"), "{}", text(&sent));
    assert!(!text(&sent).contains(other_token), "no token in the error");
    assert_eq!(zeyi.audits().len(), before, "则一 received nothing from the refused sends");
}

/// The relay cursor the cache holds for the (one) relay account.
fn cursor(dir: &Path) -> i64 {
    let db = rusqlite::Connection::open(dir.join("cache.sqlite3")).unwrap();
    db.query_row("SELECT max(cursor) FROM relay_cursors", [], |r| r.get(0)).unwrap()
}

fn set_cursor(dir: &Path, to: i64) {
    let db = rusqlite::Connection::open(dir.join("cache.sqlite3")).unwrap();
    db.execute("UPDATE relay_cursors SET cursor = ?1", [to]).unwrap();
}
