//! The reliability suite (issue 14): real `inbox` processes on one cache against the
//! simulators, doing what users and the app do at the same time — two syncs at once, a
//! decision in flight while another process flushes the outbox, two decisions on one
//! approval while the vendor is down, `kill -9` of decisions mid-send — and checking what
//! must hold: no approval lost from the cache (under the same cache id), no decision applied
//! twice, no entry `failed` for a decision the vendor took, the cache files private.
//! Each scenario prints its figures (rounds, kills, calls) for SECURITY.md's table.

mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::Inbox;
use vendor_sim::common::Fault;
use vendor_sim::Simulator;

fn add(inbox: &Inbox, demo: &vendor_sim::DemoAccount) {
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
    let out = inbox.run(&args, Some(Value::Object(demo.secrets.clone()).to_string()));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `inbox <args>` started in the background on the inbox's cache.
fn spawn(inbox: &Inbox, args: &[&str]) -> Child {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("inbox"));
    c.arg("--data-dir").arg(inbox.dir.path()).args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    c.spawn().unwrap()
}

fn finished(child: Child, what: &str) -> String {
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{what}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Every cached approval as (cache id, vendor, remote id, boxes).
fn cached(inbox: &Inbox) -> BTreeSet<(i64, String, String, String)> {
    let page = inbox.json(&["list", "--json", "--limit", "500"]);
    assert!(page["total"].as_u64().unwrap() <= 500, "one page holds them all");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_i64().unwrap(),
                a["vendor"].as_str().unwrap().to_string(),
                a["remote_id"].as_str().unwrap().to_string(),
                a["boxes"].to_string(),
            )
        })
        .collect()
}

/// Outbox entries as (id, kind, state) straight from the cache file.
fn outbox(inbox: &Inbox) -> Vec<(i64, String, String)> {
    let conn = rusqlite::Connection::open(inbox.dir.path().join("cache.sqlite3")).unwrap();
    let mut stmt = conn.prepare("SELECT id, kind, state FROM outbox ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().collect::<Result<_, _>>().unwrap()
}

/// A todo of `vendor` from the cache: (cache id, remote id).
fn todos(inbox: &Inbox, vendor: &str) -> Vec<(String, String)> {
    let page = inbox.json(&["list", "--json", "--box", "todo", "--vendor", vendor, "--limit", "500"]);
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["id"].to_string(), a["remote_id"].as_str().unwrap().to_string()))
        .collect()
}

const ROUNDS: usize = 6;

/// Two `inbox sync` at once, round after round: each either syncs or waits for the other, and
/// the cache keeps every approval under the same cache id (before claims, two syncs removed
/// what the other had just stored: 641 → 310 approvals over 20 rounds).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_syncs_at_once_never_lose_an_approval() {
    let running = vendor_sim::start_all("127.0.0.1".parse().unwrap(), 12, 40).await.unwrap();
    let inbox = Inbox::new();
    for vendor in ["yomicloud", "qiyuesuo", "weiwenjia"] {
        add(&inbox, running.account(vendor).unwrap());
    }
    inbox.ok(&["sync"]);
    let before = cached(&inbox);
    assert!(before.len() > 50, "{} approvals cached", before.len());
    for round in 0..ROUNDS {
        let (a, b) = (spawn(&inbox, &["sync"]), spawn(&inbox, &["sync"]));
        let (a, b) = (finished(a, "first sync"), finished(b, "second sync"));
        assert_eq!(cached(&inbox), before, "round {round}: every approval stays, under the same id\n{a}\n{b}");
    }
    eprintln!("two syncs at once: {ROUNDS} rounds of 2 processes, {} approvals kept", before.len());
}

/// A decision slowed by the vendor while another process flushes the outbox (what `inbox sync`
/// does first): it is sent once, and it ends `done` (before leases, the other process sent it
/// again and the first ended `failed` although the vendor had applied it).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_decision_in_flight_is_sent_by_its_process_only() {
    let running = vendor_sim::start_all("127.0.0.1".parse().unwrap(), 13, 40).await.unwrap();
    let inbox = Inbox::new();
    add(&inbox, running.account("weiwenjia").unwrap());
    inbox.ok(&["sync"]);
    let targets: Vec<(String, String)> = todos(&inbox, "weiwenjia").into_iter().take(3).collect();
    assert_eq!(targets.len(), 3);
    let me = running.weiwenjia().demo_user().uid;
    for (id, remote) in &targets {
        running.weiwenjia().set_fault(Some(Fault::Slow));
        let approve = spawn(&inbox, &["approve", id, "--comment", "同意，可靠性"]);
        std::thread::sleep(Duration::from_millis(800));
        let sync = spawn(&inbox, &["sync", "weiwenjia"]);
        let approved = approve.wait_with_output().unwrap();
        running.weiwenjia().set_fault(None);
        let synced = finished(sync, "sync");
        assert!(
            approved.status.success(),
            "approve #{id} ({remote}): {}\nthe concurrent sync said: {synced}\ncache: {:?}",
            String::from_utf8_lossy(&approved.stderr),
            todos(&inbox, "weiwenjia")
        );
        let decided = running.weiwenjia().decisions_of(remote, me);
        assert_eq!(decided.len(), 1, "{remote} decided once: {decided:?}");
    }
    let states: Vec<String> = outbox(&inbox).into_iter().map(|e| e.2).collect();
    assert!(states.iter().all(|s| s == "done"), "every decision the vendor took is done: {states:?}");
    eprintln!(
        "a decision in flight: {} decisions, each with a concurrent inbox sync, each applied once",
        targets.len()
    );
}

/// `approve` then `reject` of one approval while the vendor is down: one live decision, the
/// later one; after recovery the vendor shows exactly that (before, both were queued and both
/// printed "sent", the reject `done` while the vendor showed approved).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_later_decision_replaces_one_still_waiting() {
    let running = vendor_sim::start_all("127.0.0.1".parse().unwrap(), 14, 40).await.unwrap();
    let inbox = Inbox::new();
    add(&inbox, running.account("weiwenjia").unwrap());
    inbox.ok(&["sync"]);
    let (id, remote) = todos(&inbox, "weiwenjia").remove(0);
    running.weiwenjia().set_fault(Some(Fault::ServerError));
    assert!(!inbox.run(&["approve", &id], None).status.success(), "the vendor is down");
    assert!(!inbox.run(&["reject", &id, "--comment", "金额不对"], None).status.success());
    let entries = outbox(&inbox);
    let states: Vec<(&str, &str)> = entries.iter().map(|e| (e.1.as_str(), e.2.as_str())).collect();
    assert_eq!(states, [("approve", "discarded"), ("reject", "queued")], "one live decision");
    running.weiwenjia().set_fault(None);
    inbox.ok(&["outbox", "retry", &entries[1].0.to_string()]);
    let me = running.weiwenjia().demo_user().uid;
    let decided: Vec<&str> = running.weiwenjia().decisions_of(&remote, me).into_iter().map(|d| d.0).collect();
    assert_eq!(decided, ["reject"], "the vendor took the later decision only");
}

/// `inbox approve` killed with SIGKILL at random points while the vendor is slow, several
/// times: after the leases lapse, one `inbox sync` settles every entry; each decision is
/// applied at most once, and none the vendor took ends `failed`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn decisions_killed_mid_send_are_settled_once() {
    const KILLS: usize = 5;
    let running = vendor_sim::start_all("127.0.0.1".parse().unwrap(), 15, 40).await.unwrap();
    let inbox = Inbox::new();
    add(&inbox, running.account("weiwenjia").unwrap());
    inbox.ok(&["sync"]);
    let targets: Vec<(String, String)> = todos(&inbox, "weiwenjia").into_iter().take(KILLS).collect();
    running.weiwenjia().set_fault(Some(Fault::Slow));
    for (k, (id, _)) in targets.iter().enumerate() {
        let mut child = spawn(&inbox, &["approve", id]);
        std::thread::sleep(Duration::from_millis(200 + 350 * k as u64));
        let _ = child.kill();
        let _ = child.wait();
    }
    running.weiwenjia().set_fault(None);
    // A killed sender's lease lapses (store::LEASE_SECS); until then nobody resends it.
    std::thread::sleep(Duration::from_secs(inbox_core::store::LEASE_SECS as u64 + 2));
    inbox.ok(&["sync", "weiwenjia"]);
    let me = running.weiwenjia().demo_user().uid;
    let entries = outbox(&inbox);
    for (entry, (_, remote)) in entries.iter().zip(&targets) {
        let decided = running.weiwenjia().decisions_of(remote, me).len();
        assert!(decided <= 1, "{remote} decided {decided} times");
        if decided == 1 {
            assert_eq!(entry.2, "done", "{remote}: the vendor took it, so its entry is done: {entries:?}");
        }
    }
    eprintln!("killed mid-send: {KILLS} kills, {} entries settled: {entries:?}", entries.len());
}

/// After all of that, the cache and its folder are private whatever the umask.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let running = vendor_sim::start_all("127.0.0.1".parse().unwrap(), 16, 10).await.unwrap();
    let inbox = Inbox::new();
    std::fs::remove_dir(inbox.dir.path()).unwrap();
    add(&inbox, running.account("yomicloud").unwrap());
    inbox.ok(&["sync"]);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = inbox.dir.path();
    assert_eq!(mode(dir), 0o700);
    assert_eq!(mode(&dir.join("logs")), 0o700);
    assert_eq!(mode(&dir.join("cache.sqlite3")), 0o600);
    // The WAL and shared-memory files exist while a connection is open (the last to close
    // removes them); SQLite gives them the cache's mode.
    let conn = rusqlite::Connection::open(dir.join("cache.sqlite3")).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS probe(x); COMMIT;").unwrap();
    for file in ["cache.sqlite3-wal", "cache.sqlite3-shm"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
}
