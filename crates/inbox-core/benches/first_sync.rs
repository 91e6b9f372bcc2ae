//! A first sync in two phases (issue 17), per vendor: the time until every todo is in the
//! cache (phase 1: every list walked, what may wait for the user read) against the time to a
//! complete cache (phase 2: the history), with the requests each took, from the same run.
//! Against fxiaoke's rate limit (the simulator's 60 calls per endpoint per 20 s) the floor of
//! phase 1 is its requests at that limit, printed beside it. The share of list items that may
//! wait is the seed's own for the three vendors without a limit (their seeds are not 1 %
//! pending; the figure says how many). fxiaoke's tenant is settled to about 1 % waiting first
//! (`State::settle`, as a real tenant's history has mostly ended), and its sync is stopped once
//! every todo is in: its history alone takes N / 2 seconds at the pace that leaves room under
//! its limit, so its complete cache is computed, not waited for.
//! `cargo bench -p inbox-core --bench first_sync [-- N]` (default 10,000 per vendor);
//! `BENCH_QUICK=1` syncs 300 (CI); `BENCH_FXIAOKE=1` adds fxiaoke at N. Nothing asserts on time.

use inbox_core::secrets::Secrets;
use inbox_core::sync::SyncEvent;
use inbox_core::{AccountInput, Service, Vendor};
use std::time::{Duration, Instant};
use vendor_sim::DemoAccount;
use vendor_sim::Simulator;

/// fxiaoke's simulated limit per endpoint: 60 calls per 20 s.
const FXIAOKE_PER_SECOND: f64 = 3.0;

struct Run {
    todo_ready: Duration,
    complete: Duration,
    requests_to_todo: u64,
    /// Requests to the busiest endpoint until every todo was in (what its limit bounds).
    busiest_to_todo: u64,
    requests: u64,
    listed: u64,
    history: u64,
}

/// The simulator's request count, all together and at its busiest endpoint.
type Calls<'a> = &'a (dyn Fn() -> (u64, u64) + Sync);

/// A first sync of `demo`'s account; with `stop_at_todo`, stopped once every todo is in.
async fn first_sync(demo: &DemoAccount, vendor: Vendor, calls: Calls<'_>, stop_at_todo: bool) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::open(dir.path()).unwrap();
    let input = AccountInput {
        vendor,
        name: format!("bench-{vendor}"),
        base_url: demo.base_url.clone(),
        settings: demo.settings.clone(),
        secrets: Secrets(demo.secrets.clone()),
    };
    let id = service.upsert_demo_account(input).unwrap().id;
    let mut events = service.subscribe();
    let (start, before) = (Instant::now(), calls());
    let watch = async {
        loop {
            match events.recv().await {
                Ok(SyncEvent::Progress { progress, .. }) if progress.todo_ready => {
                    let now = calls();
                    if stop_at_todo {
                        service.stop_sync(id);
                    }
                    return (
                        start.elapsed(),
                        (now.0 - before.0, now.1 - before.1),
                        progress.listed,
                        progress.history_total,
                    );
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => return (start.elapsed(), (0, 0), 0, 0),
            }
        }
    };
    let (ready, report) = tokio::join!(watch, service.sync_account(id));
    report.unwrap();
    let (todo_ready, (requests_to_todo, busiest_to_todo), listed, history) = ready;
    let requests = calls().0 - before.0;
    Run { todo_ready, complete: start.elapsed(), requests_to_todo, busiest_to_todo, requests, listed, history }
}

/// One row of the table; `complete` replaces the measured complete cache (a sync stopped at
/// its todos).
fn print(vendor: &str, r: &Run, floor: Option<f64>, complete: Option<String>) {
    let waiting = r.listed.saturating_sub(r.history);
    let share = if r.listed > 0 { 100.0 * waiting as f64 / r.listed as f64 } else { 0.0 };
    let floor = floor.map_or_else(|| "no rate limit".to_string(), |f| format!("{f:.1} s"));
    let complete = complete.unwrap_or_else(|| format!("{:.2} s ({} requests)", r.complete.as_secs_f64(), r.requests));
    println!(
        "| {vendor} | {} listed, {waiting} may wait ({share:.1} %) | {:.2} s ({} requests) | {floor} | {complete} |",
        r.listed,
        r.todo_ready.as_secs_f64(),
        r.requests_to_todo,
    );
}

#[tokio::main]
async fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(if quick { 300 } else { 10_000 });
    println!("| vendor ({n} seeded) | listed | every todo in the cache | its floor | complete cache |");
    println!("| --- | --- | --- | --- | --- |");

    let sim = vendor_sim::yomicloud::Sim::new(5, n);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let r = first_sync(&sim.demo_account(&server.base_url), Vendor::Yomicloud, &|| (sim.total_calls(), 0), false).await;
    print("yomicloud", &r, None, None);

    let sim = vendor_sim::weiwenjia::Sim::new(5, n);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let r = first_sync(&sim.demo_account(&server.base_url), Vendor::Weiwenjia, &|| (sim.total_calls(), 0), false).await;
    print("weiwenjia", &r, None, None);

    let sim = vendor_sim::qiyuesuo::Sim::new(5, n);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let r = first_sync(&sim.demo_account(&server.base_url), Vendor::Qiyuesuo, &|| (sim.total_calls(), 0), false).await;
    print("qiyuesuo", &r, None, None);

    if std::env::var_os("BENCH_FXIAOKE").is_some() {
        let sim = vendor_sim::fxiaoke::Sim::new(5, n);
        let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
        sim.with_state(|s| s.settle(50, now_ms));
        let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let endpoints = [
            "/cgi/approval/query",
            "/cgi/approval/get",
            "/cgi/crm/approvalInstances/query",
            "/cgi/crm/approvalInstance/get",
        ];
        let calls = || (sim.total_calls(), endpoints.iter().map(|p| sim.calls(p) as u64).max().unwrap_or(0));
        let r = first_sync(&sim.demo_account(&server.base_url), Vendor::Fxiaoke, &calls, true).await;
        // Each endpoint has its own limit and they are called side by side: the busiest one's
        // requests at 3 a second are the least phase 1 can take.
        let floor = r.busiest_to_todo as f64 / FXIAOKE_PER_SECOND;
        // Stopped once every todo was in: its history follows one read per gap.
        let gap = inbox_core::connectors::fxiaoke::HISTORY_GAP;
        let history = gap.mul_f64(r.history as f64).as_secs_f64();
        let complete = format!("stopped; its history ({} approvals, one per {gap:?}) ≈ {history:.0} s more", r.history);
        print("fxiaoke", &r, Some(floor), Some(complete));
    }
}
