//! Sync throughput against the simulators over loopback HTTP: a first full sync of N approvals
//! (list + detail of each) and the next sync with nothing new, per vendor, beside the floor:
//! the simulator's own capacity for the same detail calls made raw, with no mapping or cache.
//! `cargo bench -p inbox-core --bench sync [-- N]` prints the figures; nothing asserts on time.
//! `BENCH_QUICK=1` syncs 300 approvals per vendor (CI runs it so the bench cannot rot).

use futures::StreamExt;
use inbox_core::secrets::Secrets;
use inbox_core::{AccountInput, Service, Vendor};
use std::time::{Duration, Instant};
use vendor_sim::DemoAccount;

/// The concurrency the connectors use for detail reads.
const CONCURRENCY: usize = 4;

fn account(demo: &DemoAccount, vendor: Vendor) -> AccountInput {
    AccountInput {
        vendor,
        name: format!("bench-{vendor}"),
        base_url: demo.base_url.clone(),
        settings: demo.settings.clone(),
        secrets: Secrets(demo.secrets.clone()),
    }
}

/// A first sync and a second one with nothing new; returns (approvals cached, first, second).
async fn syncs(demo: &DemoAccount, vendor: Vendor) -> (u64, Duration, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::open(dir.path()).unwrap();
    let id = service.upsert_demo_account(account(demo, vendor)).unwrap().id;
    let t = Instant::now();
    service.sync_account(id).await.unwrap();
    let first = t.elapsed();
    let t = Instant::now();
    service.sync_account(id).await.unwrap();
    let second = t.elapsed();
    let cached = service.list(&Default::default()).unwrap().total;
    (cached, first, second)
}

/// Requests per second the simulator answers alone for `calls` raw requests.
async fn floor(calls: usize, request: impl Fn(&reqwest::Client, usize) -> reqwest::RequestBuilder) -> f64 {
    let http = reqwest::Client::new();
    let t = Instant::now();
    futures::stream::iter((0..calls).map(|i| request(&http, i).send()))
        .buffer_unordered(CONCURRENCY)
        .for_each(|r| async move {
            r.unwrap().bytes().await.unwrap();
        })
        .await;
    calls as f64 / t.elapsed().as_secs_f64()
}

fn report(vendor: &str, cached: u64, first: Duration, second: Duration, floor_rps: f64) {
    println!(
        "{vendor:<10} {cached:>6} approvals  first sync {:>8.2?} ({:>7.0}/s)  next sync {:>8.2?}  simulator alone {:>7.0} detail calls/s",
        first,
        cached as f64 / first.as_secs_f64(),
        second,
        floor_rps
    );
}

#[tokio::main]
async fn main() {
    // BENCH_QUICK=1 (CI): a few hundred approvals, so the bench keeps working, not a figure.
    let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| v == "1");
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(if quick { 300 } else { 10_000 });

    let sim = vendor_sim::yomicloud::Sim::new(5, n);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let demo = sim.demo_account(&server.base_url);
    let (cached, first, second) = syncs(&demo, Vendor::Yomicloud).await;
    let ids = sim.todo_ids_for(sim.demo_user().uid);
    let token = sim.demo_user().token;
    let url = format!("{}/app/approval/view-approval", server.base_url);
    let rps = floor(cached as usize, |http, i| http.post(&url).form(&[("token", token.clone()), ("id", ids[i % ids.len()].to_string())])).await;
    report("yomicloud", cached, first, second, rps);

    let sim = vendor_sim::weiwenjia::Sim::new(5, n);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let demo = sim.demo_account(&server.base_url);
    let (cached, first, second) = syncs(&demo, Vendor::Weiwenjia).await;
    let me = sim.demo_user();
    let todo = sim.todo_for(me.uid);
    let url = format!("{}/api/v1/execute_records/detail", server.base_url);
    let rps = floor(cached as usize, |http, i| {
        let (entity_type, entity_id) = todo[i % todo.len()].split_once(':').unwrap();
        http.get(&url)
            .query(&[("entity_type", entity_type), ("entity_id", entity_id)])
            .header("X-LXY-PLATFORM", me.platform.as_str())
            .header("X-LXY-APP", "crm")
            .header("ACCESS-TOKEN", me.token.as_str())
    })
    .await;
    report("weiwenjia", cached, first, second, rps);
}
