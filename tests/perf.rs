//! Issue 7's window figures, measured on the real app: cold start to the first rendered todo
//! page with 100k cached approvals, beside the same start with an empty cache (the floor), and
//! the app's resident memory. The figures are printed (BENCHMARKS.md), never asserted on; the
//! test asserts only that the page did render.
//!
//! `cargo test -p e2e --test perf -- --nocapture`. `PERF_APPROVALS=N` changes the 100k;
//! `PERF_CACHE=FILE` starts from a copy of a cache file made earlier (e.g. by the store bench
//! with `BENCH_KEEP`) instead of filling one, which takes a while in a debug build.
//! `PERF_SYNC_APPROVALS=N` seeds each simulator of the full-sync figure (default 10,000).

mod support;

use anyhow::{bail, Context, Result};
use inbox_core::secrets::Secrets;
use inbox_core::{sample, AccountInput, Service, Store, Vendor};
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};
use support::{run_seeded_app_test, wait_for, Ui, SYNC_TIMEOUT};
use vendor_sim::Simulator;

/// The mark the list sets when its first page is on screen (ui/src/components/ApprovalList.tsx).
const FIRST_PAGE_MARK: &str = "inbox-first-page";

/// Five accounts that point at a closed port: the app shows the cache and its syncs fail fast.
const NOWHERE: &str = "http://127.0.0.1:9";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cold_start_to_the_first_todo_page_with_100k_cached_approvals() {
    let n: usize = std::env::var("PERF_APPROVALS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    run_seeded_app_test("perf-empty", |dir| seed(dir, 0), async |ui| report(&ui, "empty cache (floor)", 0).await).await;
    run_seeded_app_test(
        "perf-full",
        |dir| seed(dir, n),
        async |ui| report(&ui, &format!("{n} cached approvals"), n).await,
    )
    .await;
}

/// Resident memory after a real full sync: the cache holds 100k approvals, and three accounts
/// (yomicloud, weiwenjia, qiyuesuo, each simulator seeded with 10k approvals, over loopback
/// HTTP, secrets in the keychain) sync from nothing when the app starts. Printed once every
/// one of them has synced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resident_memory_after_a_full_sync_with_100k_cached() {
    let n: usize = std::env::var("PERF_APPROVALS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let per_vendor: usize = std::env::var("PERF_SYNC_APPROVALS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let sims = Sims::start(per_vendor).await;
    let accounts = sims.accounts();
    run_seeded_app_test(
        "perf-full-sync",
        |dir| {
            seed(dir, n)?;
            let service = Service::open(dir)?;
            for input in accounts {
                service.add_account(input)?;
            }
            Ok(())
        },
        async |ui| {
            let synced = wait_for("every simulator account to sync", FULL_SYNC_TIMEOUT, async || {
                let accounts = Store::open_in(&ui.launch.data_dir)?.accounts()?;
                let real: Vec<_> = accounts.iter().filter(|a| a.base_url != NOWHERE).collect();
                if let Some(failed) = real.iter().find(|a| a.sync.last_error.is_some()) {
                    bail!("{} failed to sync: {:?}", failed.name, failed.sync.last_error);
                }
                Ok(real.iter().all(|a| a.sync.last_success.is_some()).then_some(real.len()))
            })
            .await?;
            let cached = Store::open_in(&ui.launch.data_dir)?.box_counts()?;
            let took = ui.launched_at.elapsed()?;
            println!("full sync of {synced} accounts ({per_vendor} seeded per simulator) done {took:.1?} after launch; box counts now {cached:?}");
            // A sync ends by indexing what it wrote for search, then gives memory back.
            wait_for("the search index to catch up", FULL_SYNC_TIMEOUT, async || Ok((Store::open_in(&ui.launch.data_dir)?.pending_index()? == 0).then_some(())))
                .await?;
            match settled_resident_kib(ui.app_pid()).await {
                Some(kib) => println!(
                    "resident memory after the full sync, {n} cached before it: {:.1} MiB ({})",
                    kib as f64 / 1024.0,
                    resident_parts(ui.app_pid().unwrap_or_default())
                ),
                None => bail!("the app's process was not found"),
            }
            Ok(())
        },
    )
    .await;
    drop(sims);
}

/// The simulators of the full-sync figure, serving while this lives.
struct Sims {
    /// Held only: a server stops when its handle is dropped.
    _servers: Vec<vendor_sim::common::RunningServer>,
    accounts: Vec<(Vendor, vendor_sim::DemoAccount)>,
}

impl Sims {
    async fn start(n: usize) -> Sims {
        let at = "127.0.0.1:0".parse().unwrap();
        let (yomi, wei, qys) = (
            vendor_sim::yomicloud::Sim::new(7, n),
            vendor_sim::weiwenjia::Sim::new(7, n),
            vendor_sim::qiyuesuo::Sim::new(7, n),
        );
        let servers = vec![yomi.serve(at).await.unwrap(), wei.serve(at).await.unwrap(), qys.serve(at).await.unwrap()];
        let accounts = vec![
            (Vendor::Yomicloud, yomi.demo_account(&servers[0].base_url)),
            (Vendor::Weiwenjia, wei.demo_account(&servers[1].base_url)),
            (Vendor::Qiyuesuo, qys.demo_account(&servers[2].base_url)),
        ];
        Sims { _servers: servers, accounts }
    }

    fn accounts(&self) -> Vec<AccountInput> {
        let input = |(vendor, demo): &(Vendor, vendor_sim::DemoAccount)| AccountInput {
            vendor: *vendor,
            name: format!("perf-{vendor}"),
            base_url: demo.base_url.clone(),
            settings: demo.settings.clone(),
            secrets: Secrets(demo.secrets.clone()),
        };
        self.accounts.iter().map(input).collect()
    }
}

/// A debug build syncs 30k seeded approvals over HTTP in a few minutes on two cores.
const FULL_SYNC_TIMEOUT: Duration = Duration::from_secs(600);

/// A cache with the accounts and `n` approvals (or a copy of `PERF_CACHE`).
fn seed(dir: &Path, n: usize) -> Result<()> {
    if let (true, Some(file)) = (n > 0, std::env::var_os("PERF_CACHE")) {
        std::fs::copy(&file, dir.join("cache.sqlite3"))
            .with_context(|| format!("copying {}", Path::new(&file).display()))?;
        return Ok(());
    }
    let store = Store::open_in(dir)?;
    let accounts = sample::accounts(&store, NOWHERE)?;
    sample::fill(&store, &accounts, n, 5_000)?;
    Ok(())
}

/// Waits for the first page, then prints the time from launch to it and the app's memory.
async fn report(ui: &Ui, label: &str, n: usize) -> Result<()> {
    let rendered_ms = wait_for("the list's first page", SYNC_TIMEOUT, async || first_page_at(ui).await).await?;
    let launched_ms = ui.launched_at.duration_since(UNIX_EPOCH)?.as_secs_f64() * 1000.0;
    let rows = ui.rows().await?.len();
    if n > 0 && rows == 0 {
        bail!("the todo page of {n} cached approvals rendered no row");
    }
    println!(
        "cold start, {label}: first todo page rendered {:.0} ms after launch ({rows} rows in the page)",
        rendered_ms - launched_ms
    );
    // Searching touches the full-text index and many rows: memory after it is the high mark.
    ui.type_into("search-input", "报").await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    match ui.app_pid().and_then(|pid| Some((pid, resident_kib(pid)?))) {
        Some((pid, kib)) => println!(
            "resident memory, {label}, after a one-character search: {:.1} MiB ({})",
            kib as f64 / 1024.0,
            resident_parts(pid)
        ),
        None => println!("resident memory, {label}: the app's process was not found"),
    }
    Ok(())
}

/// The page's time (Unix milliseconds) at the first-page mark, once it is set.
async fn first_page_at(ui: &Ui) -> Result<Option<f64>> {
    let at = ui
        .js(&format!("const m = performance.getEntriesByName('{FIRST_PAGE_MARK}')[0]; return m ? performance.timeOrigin + m.startTime : null;"), vec![])
        .await?;
    Ok(at.as_f64())
}

/// The app's resident memory once it stops falling (two readings 500 ms apart within 1 MiB,
/// at most 10 s): the last sync's end gives memory back just after its index caught up.
async fn settled_resident_kib(pid: Option<u32>) -> Option<u64> {
    let mut last = resident_kib(pid?)?;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = resident_kib(pid?)?;
        if last.abs_diff(now) < 1024 {
            return Some(now);
        }
        last = now;
    }
    Some(last)
}

/// The kinds of resident memory (anonymous: the heaps; file: mapped libraries), and with
/// `PERF_SMAPS=FILE` every mapping written to FILE, to see where a figure goes.
fn resident_parts(pid: u32) -> String {
    if let Some(to) = std::env::var_os("PERF_SMAPS") {
        if let Err(e) = std::fs::copy(format!("/proc/{pid}/smaps"), &to) {
            eprintln!("PERF_SMAPS: {e}");
        }
    }
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let parts: Vec<&str> =
        status.lines().filter(|l| ["RssAnon:", "RssFile:", "RssShmem:"].iter().any(|k| l.starts_with(k))).collect();
    parts.iter().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join(", ")
}

/// `VmRSS` of a process, in KiB.
fn resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
