//! Crash safety: `inbox sync` of a large account is killed with SIGKILL at random points, many
//! times over. After every kill the cache file passes `PRAGMA integrity_check` and every
//! outbox entry is still there; once left alone, the next sync converges to exactly the
//! simulator's state and the queued decisions go out.

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::process::{Command, Stdio};
use std::time::Duration;
use vendor_sim::common::Fault;
use vendor_sim::Simulator;

const KILLS: usize = 20;

fn inbox(dir: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("inbox").unwrap();
    c.arg("--data-dir").arg(dir);
    c
}

fn ok(dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> String {
    let mut c = inbox(dir);
    c.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(input) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "inbox {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn add(dir: &std::path::Path, demo: &vendor_sim::DemoAccount) {
    let mut args =
        vec!["account", "add", &demo.vendor, "--name", &demo.vendor, "--base-url", &demo.base_url, "--secrets-stdin"];
    let sets: Vec<String> = demo
        .settings
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().map(str::to_string).unwrap_or(v.to_string())))
        .collect();
    for s in &sets {
        args.extend(["--set", s]);
    }
    ok(dir, &args, Some(&Value::Object(demo.secrets.clone()).to_string()));
}

fn integrity(dir: &std::path::Path) -> String {
    let conn = rusqlite::Connection::open(dir.join("cache.sqlite3")).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
}

/// Outbox entries as (id, kind, state).
fn outbox(dir: &std::path::Path) -> Vec<(i64, String, String)> {
    let conn = rusqlite::Connection::open(dir.join("cache.sqlite3")).unwrap();
    let mut stmt = conn.prepare("SELECT id, kind, state FROM outbox ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().collect::<Result<_, _>>().unwrap()
}

fn random_below(n: u64) -> u64 {
    RandomState::new().build_hasher().finish() % n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_sync_at_random_points_loses_nothing_and_the_next_sync_converges() {
    let running = vendor_sim::start_all("127.0.0.1".parse().unwrap(), 9, 1500).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    for vendor in ["yomicloud", "weiwenjia"] {
        add(dir, running.account(vendor).unwrap());
    }
    // Three decisions wait in the outbox while weiwenjia is down.
    ok(dir, &["sync", "weiwenjia"], None);
    let list: Value =
        serde_json::from_str(&ok(dir, &["list", "--json", "--box", "todo", "--vendor", "weiwenjia"], None)).unwrap();
    let todo: Vec<String> = list["items"].as_array().unwrap().iter().take(3).map(|a| a["id"].to_string()).collect();
    assert_eq!(todo.len(), 3);
    running.weiwenjia().set_fault(Some(Fault::ServerError));
    for id in &todo {
        assert!(!inbox(dir).args(["approve", id]).output().unwrap().status.success());
    }
    let queued = outbox(dir);
    assert_eq!(queued.len(), 3);

    for round in 0..KILLS {
        let mut child = inbox(dir).arg("sync").stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(20 + random_below(600)));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        assert_eq!(integrity(dir), "ok", "after kill {round}");
        let now: Vec<i64> = outbox(dir).iter().map(|e| e.0).collect();
        assert_eq!(now, queued.iter().map(|e| e.0).collect::<Vec<_>>(), "no outbox entry lost after kill {round}");
    }

    running.weiwenjia().set_fault(None);
    ok(dir, &["sync"], None);
    for (id, _, _) in outbox(dir).iter().filter(|e| e.2 != "done") {
        ok(dir, &["outbox", "retry", &id.to_string()], None);
    }
    assert!(outbox(dir).iter().all(|e| e.2 == "done"), "{:?}", outbox(dir));
    // The cache now holds exactly what the simulator has.
    let me = running.yomicloud().demo_user().uid;
    let page: Value = serde_json::from_str(&ok(
        dir,
        &["list", "--json", "--box", "todo", "--vendor", "yomicloud", "--limit", "5000"],
        None,
    ))
    .unwrap();
    let mut cached: Vec<i64> =
        page["items"].as_array().unwrap().iter().map(|a| a["remote_id"].as_str().unwrap().parse().unwrap()).collect();
    cached.sort();
    let mut expected = running.yomicloud().todo_ids_for(me);
    expected.sort();
    assert_eq!(cached, expected);
    assert_eq!(integrity(dir), "ok");
}
