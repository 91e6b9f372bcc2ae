//! The two long-running commands as real processes, used the way the README says:
//! `vendor-sim serve` prints one line per vendor that `inbox account add` takes as it is, and
//! `inbox callbacks serve` receives 则一's signed callback into the cache, refuses its replay
//! and stops cleanly on SIGTERM. Secrets go to the real keychain (the test command runs under
//! a headless gnome-keyring). Every child is killed when its guard drops, a failed assertion
//! included.
#![cfg(unix)]

#[path = "support/spawned.rs"]
mod spawned;
mod support;

use inbox_core::callback::{CALLBACK_PATH, DEFAULT_ADDR};
use serde_json::{Map, Value};
use spawned::{workspace_binary, Spawned};
use std::path::PathBuf;
use std::time::Duration;
use support::Inbox;
use vendor_sim::zeyi::Verdict;
use vendor_sim::Simulator;

/// How long a server may take to print its first lines (seeding five simulators in a debug
/// build on a busy machine included).
const STARTUP: Duration = Duration::from_secs(60);

/// The `vendor-sim` binary, current (`VENDOR_SIM_BIN` names a prebuilt one).
fn vendor_sim_binary() -> PathBuf {
    workspace_binary("vendor-sim", "vendor-sim", "VENDOR_SIM_BIN")
}

/// `inbox` on its own cache directory.
impl Inbox {
    /// `inbox account add` from one `vendor-sim serve` line, every setting after one `--set`.
    fn add(&self, name: &str, line: &Map<String, Value>) {
        let vendor = line["vendor"].as_str().unwrap();
        let sets: Vec<String> =
            settings_as_text(line).iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())).collect();
        let mut args =
            vec!["account", "add", vendor, "--name", name, "--base-url", line["base_url"].as_str().unwrap(), "--set"];
        args.extend(sets.iter().map(String::as_str));
        args.push("--secrets-stdin");
        let out = self.run(&args, Some(line["secrets"].to_string()));
        assert!(out.status.success(), "adding {vendor}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// `inbox callbacks serve` on this cache.
    fn callbacks_serve(&self, addr: &str) -> Spawned {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_inbox"));
        cmd.arg("--data-dir").arg(self.dir.path()).args(["callbacks", "serve", "--addr", addr]);
        Spawned::start("inbox callbacks serve", cmd)
    }
}

/// A line's settings as the text `--set` gives them (a JSON string without its quotes).
fn settings_as_text(line: &Map<String, Value>) -> Map<String, Value> {
    let settings = line["settings"].as_object().expect("settings is an object");
    settings
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))))
        .collect()
}

/// One `vendor-sim serve` line, checked to hold exactly the four documented keys.
fn serve_line(text: &str) -> Map<String, Value> {
    let line: Map<String, Value> =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not a JSON object: {text}: {e}"));
    let mut keys: Vec<&str> = line.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["base_url", "secrets", "settings", "vendor"], "{text}");
    assert!(line["vendor"].is_string() && line["settings"].is_object(), "{text}");
    assert!(line["base_url"].as_str().unwrap().starts_with("http://127.0.0.1:"), "{text}");
    assert!(
        !line["secrets"].as_object().expect("secrets is an object").is_empty(),
        "every vendor has a secret: {text}"
    );
    line
}

#[test]
fn vendor_sim_serve_prints_what_account_add_needs_and_every_vendor_syncs() {
    let mut cmd = std::process::Command::new(vendor_sim_binary());
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--seed", "4", "--approvals", "12"]);
    let mut sims = Spawned::start("vendor-sim serve", cmd);
    let lines: Vec<Map<String, Value>> =
        (0..vendor_sim::VENDORS.len()).map(|_| serve_line(&sims.next_line(STARTUP))).collect();
    let mut vendors: Vec<&str> = lines.iter().map(|l| l["vendor"].as_str().unwrap()).collect();
    vendors.sort_unstable();
    let mut expected = vendor_sim::VENDORS.to_vec();
    expected.sort_unstable();
    assert_eq!(vendors, expected, "each vendor exactly once");

    let inbox = Inbox::new();
    for line in &lines {
        inbox.add(&format!("sim-{}", line["vendor"].as_str().unwrap()), line);
    }
    let synced = inbox.ok(&["sync"]);
    for vendor in vendor_sim::VENDORS {
        assert!(synced.contains(&format!("sim-{vendor}: 同步完成")), "{vendor} synced: {synced}");
    }
    let accounts = inbox.json(&["account", "list", "--json"]);
    for line in &lines {
        let name = format!("sim-{}", line["vendor"].as_str().unwrap());
        let account = accounts.as_array().unwrap().iter().find(|a| a["name"] == name.as_str()).unwrap();
        assert_eq!(account["settings"], Value::Object(settings_as_text(line)), "{name} keeps every setting");
        assert!(account["sync"]["last_error"].is_null(), "{name}: {account}");
    }
    let todo = inbox.json(&["list", "--box", "todo", "--json", "--limit", "500"]);
    for vendor in ["yomicloud", "fxiaoke", "qiyuesuo", "weiwenjia"] {
        assert!(todo["items"].as_array().unwrap().iter().any(|a| a["vendor"] == vendor), "{vendor} todos arrived");
    }
    let stopped = sims.terminate(Duration::from_secs(10));
    assert!(stopped.success(), "vendor-sim serve stops cleanly on SIGTERM: {stopped}; stderr:\n{}", sims.stderr());
}

/// Issue 13: with every simulator serving a real tenant's data (`vendor-sim serve --wild`),
/// `inbox sync` exits 0, every account's sync is a success with a count, the records it could
/// not read are listed with why, and `inbox list --unreadable` shows them too.
#[test]
fn a_wild_tenant_of_every_vendor_syncs_and_says_what_it_could_not_read() {
    let mut cmd = std::process::Command::new(vendor_sim_binary());
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--seed", "5", "--approvals", "12", "--wild"]);
    let mut sims = Spawned::start("vendor-sim serve --wild", cmd);
    let lines: Vec<Map<String, Value>> =
        (0..vendor_sim::VENDORS.len()).map(|_| serve_line(&sims.next_line(STARTUP))).collect();
    let inbox = Inbox::new();
    for line in &lines {
        inbox.add(&format!("wild-{}", line["vendor"].as_str().unwrap()), line);
    }
    let synced = inbox.ok(&["sync"]);
    for vendor in vendor_sim::VENDORS {
        assert!(synced.contains(&format!("wild-{vendor}: 同步完成 · ")), "{vendor}: {synced}");
    }
    assert!(synced.contains("条无法读取") && synced.contains("无法读取 #"), "the unreadable ones are named: {synced}");
    let accounts = inbox.json(&["account", "list", "--json"]);
    let unreadable: u64 = accounts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            // zeyi has no list: it holds only what this inbox submitted (nothing here).
            assert!(
                a["sync"]["last_error"].is_null()
                    && (a["vendor"] == "zeyi" || a["sync"]["last_count"].as_u64().unwrap() > 0),
                "{a}"
            );
            a["sync"]["last_unreadable"].as_u64().unwrap()
        })
        .sum();
    let listed = inbox.json(&["list", "--unreadable", "--json", "--limit", "500"]);
    assert_eq!(listed["total"].as_u64(), Some(unreadable), "list --unreadable shows exactly those");
    assert!(listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["unreadable"]["reason"].as_str().is_some_and(|r| !r.is_empty())
            && a["actions"] == serde_json::json!([])));
    let stopped = sims.terminate(Duration::from_secs(10));
    assert!(stopped.success(), "stderr:\n{}", sims.stderr());
}

#[test]
fn callbacks_serve_listens_where_the_app_does_by_default() {
    let help = Inbox::new().run(&["callbacks", "serve", "--help"], None);
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains(&format!("[default: {DEFAULT_ADDR}]")), "{help}");
    assert!(help.contains("127.0.0.1:17890"), "the port of the README and the app: {help}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A real `inbox callbacks serve` process receives 则一's callback, signed by the simulator's
/// own code, and the approval is decided in the cache; the same request again is a replay and
/// is refused; SIGTERM stops the listener cleanly.
#[tokio::test(flavor = "multi_thread")]
async fn callbacks_serve_applies_a_signed_callback_once_and_stops_on_sigterm() {
    let zeyi = vendor_sim::zeyi::Sim::new(7, 10);
    let server = zeyi.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let inbox = Inbox::new();
    let demo = serde_json::to_value(zeyi.demo_account(&server.base_url)).unwrap();
    inbox.add("则一", demo.as_object().unwrap());

    let form = tempfile::NamedTempFile::new().unwrap();
    let submission =
        inbox_core::connectors::zeyi::submission_from_form(&vendor_sim::zeyi::seed::demo_forms()[0]).unwrap();
    std::fs::write(form.path(), serde_json::to_string(&submission).unwrap()).unwrap();
    let sent = inbox.json(&["submit", "则一", "--form", form.path().to_str().unwrap(), "--json"]);
    let (id, audit_id) = (sent["id"].as_i64().unwrap().to_string(), sent["remote_id"].as_str().unwrap().to_string());
    assert_eq!(inbox.json(&["show", &id, "--json"])["status"], "pending");

    let port = free_port();
    let mut listener = inbox.callbacks_serve(&format!("127.0.0.1:{port}"));
    let started = listener.next_line(STARTUP);
    let url = format!("http://127.0.0.1:{port}{CALLBACK_PATH}");
    assert!(started.starts_with(&format!("listening for callbacks on {url} ")), "{started}");
    zeyi.set_callback_url(Some(url.clone()));

    let delivery = zeyi.decide(&audit_id, Verdict::Pass, Some("E006"), Some("同意，按新运价执行")).await.unwrap();
    assert!(delivery.accepted, "{delivery:?}");
    let decided = inbox.json(&["show", &id, "--json"]);
    assert_eq!(decided["status"], "approved");

    // 则一's exact request again (same nonce, same sign): a replay.
    let mut replay = reqwest::Client::new().post(&url).body(delivery.body.clone());
    for (name, value) in &delivery.headers {
        replay = replay.header(name.as_str(), value.as_str());
    }
    let replay = replay.send().await.unwrap();
    assert_eq!(replay.status().as_u16(), 409);
    let reply: Value = replay.json().await.unwrap();
    assert_eq!(reply["errorCode"], "NONCE_REPLAYED", "{reply}");
    assert_eq!(inbox.json(&["show", &id, "--json"]), decided, "the replay changed nothing");

    let stopped = listener.terminate(Duration::from_secs(10));
    assert!(stopped.success(), "SIGTERM is a clean stop, not a kill: {stopped}; stderr:\n{}", listener.stderr());
    assert_eq!(listener.next_line(Duration::from_secs(5)), "stopped");
    server.shutdown().await;
}
