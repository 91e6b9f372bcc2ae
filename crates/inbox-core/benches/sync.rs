//! Sync throughput against the simulators over loopback HTTP: a first full sync of N approvals
//! (list + detail of each) and the next sync with nothing new, per vendor, beside the floor:
//! the simulator's own capacity for the same detail calls made raw, with no mapping or cache.
//! `cargo bench -p inbox-core --bench sync [-- N]` prints the figures; nothing asserts on time.
//! `BENCH_QUICK=1` syncs 300 approvals per vendor (CI runs it so the bench cannot rot).
//! `BENCH_FXIAOKE=1` adds fxiaoke (N approvals: two thirds 协同, one third CRM), whose rate
//! limit (60 calls per endpoint per 20 s, which the connector keeps under) makes a first sync
//! of 10k approvals take about 56 minutes.

use futures::StreamExt;
use inbox_core::secrets::Secrets;
use inbox_core::{AccountInput, Service, Vendor};
use std::time::{Duration, Instant};
use vendor_sim::DemoAccount;
use vendor_sim::Simulator;

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

/// The simulator's (list, detail) call counts so far.
type Calls<'a> = &'a dyn Fn() -> (usize, usize);

/// A first sync and a second one with nothing new; returns (approvals cached, first, second)
/// and prints the calls the second one made.
async fn syncs(demo: &DemoAccount, vendor: Vendor, calls: Calls<'_>) -> (u64, Duration, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::open(dir.path()).unwrap();
    let id = service.upsert_demo_account(account(demo, vendor)).unwrap().id;
    println!("{vendor:<10} resident memory before the syncs (simulator seeded): {:.1} MiB", resident_mib());
    let t = Instant::now();
    service.sync_account(id).await.unwrap();
    let first = t.elapsed();
    let (lists, details) = calls();
    let t = Instant::now();
    service.sync_account(id).await.unwrap();
    let second = t.elapsed();
    let (lists_after, details_after) = calls();
    println!("{vendor:<10} next sync: {} list calls, {} detail calls", lists_after - lists, details_after - details);
    let cached = service.list(&Default::default()).unwrap().total;
    println!("{vendor:<10} resident memory after both syncs (service still open): {:.1} MiB", resident_mib());
    (cached, first, second)
}

/// This process's resident memory (`VmRSS`), in MiB; 0 where /proc is missing.
fn resident_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
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

/// How long the given list calls take made raw one after another: the part of a sync with
/// nothing new that no cache can skip.
async fn lists_alone(requests: Vec<reqwest::RequestBuilder>) -> Duration {
    let t = Instant::now();
    for r in requests {
        r.send().await.unwrap().bytes().await.unwrap();
    }
    t.elapsed()
}

/// Every page of weiwenjia's three scopes, raw, one after another.
async fn weiwenjia_lists_alone(base: &str, me: &vendor_sim::weiwenjia::SimUser) -> Duration {
    let http = reqwest::Client::new();
    let t = Instant::now();
    for scope in ["todo", "submission", "processed"] {
        for page in 1.. {
            let reply: serde_json::Value = http
                .get(format!("{base}/api/v1/approval_center/list"))
                .query(&[("scope", scope), ("page", &page.to_string()), ("per_page", "50")])
                .header("X-LXY-PLATFORM", me.platform.as_str())
                .header("X-LXY-APP", "crm")
                .header("ACCESS-TOKEN", me.token.as_str())
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if reply["data"]["has_next_page"] != true {
                break;
            }
        }
    }
    t.elapsed()
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
    let counts = || {
        let lists =
            ["get-handler-list", "get-creator-list"].iter().map(|c| sim.calls(&format!("/app/approval/{c}"))).sum();
        (lists, sim.calls("/app/approval/view-approval"))
    };
    let (cached, first, second) = syncs(&demo, Vendor::Yomicloud, &counts).await;
    let ids = sim.todo_ids_for(sim.demo_user().uid);
    let token = sim.demo_user().token;
    let url = format!("{}/app/approval/view-approval", server.base_url);
    let rps = floor(cached as usize, |http, i| {
        http.post(&url).form(&[("token", token.clone()), ("id", ids[i % ids.len()].to_string())])
    })
    .await;
    report("yomicloud", cached, first, second, rps);
    let list = format!("{}/app/approval/", server.base_url);
    let http = reqwest::Client::new();
    let form = |utype: Option<&str>| {
        let mut f = vec![("token", token.clone())];
        f.extend(utype.map(|u| ("utype", u.to_string())));
        f
    };
    let raw = vec![
        http.post(format!("{list}get-handler-list")).form(&form(Some("1"))),
        http.post(format!("{list}get-handler-list")).form(&form(Some("0"))),
        http.post(format!("{list}get-creator-list")).form(&form(None)),
    ];
    println!("yomicloud  its 3 lists alone, raw: {:.2?}", lists_alone(raw).await);

    let sim = vendor_sim::weiwenjia::Sim::new(5, n);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let demo = sim.demo_account(&server.base_url);
    let counts = || (sim.calls("/api/v1/approval_center/list"), sim.calls("/api/v1/execute_records/detail"));
    let (cached, first, second) = syncs(&demo, Vendor::Weiwenjia, &counts).await;
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
    println!("weiwenjia  its list pages alone, raw: {:.2?}", weiwenjia_lists_alone(&server.base_url, &me).await);

    // qiyuesuo: one list of every contract of the company; no raw floor (signed requests).
    let sim = vendor_sim::qiyuesuo::Sim::new(5, n);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let demo = sim.demo_account(&server.base_url);
    let counts = || (sim.calls("/v2/contract/list"), sim.calls("/v2/contract/detail"));
    let (cached, first, second) = syncs(&demo, Vendor::Qiyuesuo, &counts).await;
    println!(
        "qiyuesuo   {cached:>6} approvals  first sync {first:>8.2?} ({:>7.0}/s)  next sync {second:>8.2?}",
        cached as f64 / first.as_secs_f64()
    );

    if std::env::var_os("BENCH_FXIAOKE").is_some() {
        fxiaoke(n).await;
    }
}

/// fxiaoke under its rate limit: the floor is the limit itself (the simulator answers far
/// faster than it lets anyone call), so the figure is approvals per second against the detail
/// calls per second the limit allows. Then a next sync with nothing new, which reads the top
/// of each window only (trusted for an hour after the first sync began).
async fn fxiaoke(n: usize) {
    // The simulator seeds half as many CRM instances as 协同 approvals: N in all.
    let sim = vendor_sim::fxiaoke::Sim::new(5, n * 2 / 3);
    println!("fxiaoke    seeded {} 协同 approvals and {} CRM instances", n * 2 / 3, (n * 2 / 3 / 2).max(8));
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let demo = sim.demo_account(&server.base_url);
    let dir = tempfile::tempdir().unwrap();
    let service = Service::open(dir.path()).unwrap();
    let id = service.upsert_demo_account(account(&demo, Vendor::Fxiaoke)).unwrap().id;
    let calls = || {
        let lists = sim.calls("/cgi/approval/query") + sim.calls("/cgi/crm/approvalInstances/query");
        (lists, sim.calls("/cgi/approval/get") + sim.calls("/cgi/crm/approvalInstance/get"))
    };
    let t = Instant::now();
    service.sync_account(id).await.unwrap();
    let first = t.elapsed();
    let cached = service.list(&Default::default()).unwrap().total;
    let (lists, details) = calls();
    println!(
        "fxiaoke    {cached:>6} approvals  first sync {first:>8.2?} ({:>5.1}/s)  calls: {lists} list, {details} detail \
         ({:.2} detail calls/s; the limit allows 3 per endpoint, 6 for the two detail endpoints)",
        cached as f64 / first.as_secs_f64(),
        details as f64 / first.as_secs_f64(),
    );
    let t = Instant::now();
    service.sync_account(id).await.unwrap();
    let second = t.elapsed();
    let (l, d) = calls();
    println!("fxiaoke    next sync with nothing new {second:>8.2?}  calls: {} list, {} detail", l - lists, d - details);
}
