//! What background sync costs per hour when nothing is new (issue 17): five demo accounts (one
//! per vendor, the demo's sizes) synced in full once, then idle passes (each account synced
//! with nothing new) and idle wake-ups of the outbox loop measured, and the hour extrapolated
//! from the scheduler's schedule before and after this issue: a fixed 5-minute interval and an
//! outbox tick every 5 s, against `scheduler::next_sync_after` (quiet syncs and a hidden window
//! stretch the interval) and an outbox loop that sleeps until something is due.
//! `cargo bench -p inbox-core --bench idle` prints the figures; `BENCH_QUICK=1` runs 2 passes
//! (CI). CPU is this process's (/proc/self/stat), the in-process simulators included: they
//! answer the same requests, so the app's own share is lower. Nothing asserts on time.

use inbox_core::scheduler::{next_sync_after, OUTBOX_IDLE};
use inbox_core::secrets::Secrets;
use inbox_core::{AccountInput, Service};
use std::time::{Duration, Instant};

/// The app's interval for real accounts (src-tauri `main.rs`).
const INTERVAL: Duration = Duration::from_secs(300);
/// The outbox loop's tick before this issue.
const OLD_OUTBOX_TICK: Duration = Duration::from_secs(5);

/// CPU seconds this process used so far (user + system; /proc counts in 1/100 s).
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at state (field 3).
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

struct PerHour {
    requests: f64,
    cpu: f64,
    wakeups: f64,
}

fn hour(passes: f64, pass: (f64, f64), outbox_wakes: f64, tick_cpu: f64, accounts: f64) -> PerHour {
    PerHour {
        requests: passes * pass.0,
        cpu: passes * pass.1 + outbox_wakes * tick_cpu,
        wakeups: passes * accounts + outbox_wakes,
    }
}

#[tokio::main]
async fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let passes = if quick { 2 } else { 20 };
    let sizes = vendor_sim::Sizes::quick(40);
    let sims = vendor_sim::start_all("127.0.0.1".parse().unwrap(), 7, sizes).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let service = Service::open(dir.path()).unwrap();
    let mut ids = Vec::new();
    for demo in sims.accounts() {
        let input = AccountInput {
            vendor: demo.vendor.parse().unwrap(),
            name: format!("idle-{}", demo.vendor),
            base_url: demo.base_url.clone(),
            settings: demo.settings.clone(),
            secrets: Secrets(demo.secrets.clone()),
        };
        ids.push(service.upsert_demo_account(input).unwrap().id);
    }
    for id in &ids {
        service.sync_account(*id).await.unwrap();
    }

    // Idle passes: every account synced with nothing new.
    let (calls, cpu, t) = (sims.total_calls(), cpu_secs(), Instant::now());
    for _ in 0..passes {
        for id in &ids {
            let report = service.sync_account(*id).await.unwrap();
            assert_eq!(report.changed, 0, "nothing new at the vendors");
        }
    }
    let pass_requests = (sims.total_calls() - calls) as f64 / passes as f64;
    let pass_cpu = (cpu_secs() - cpu) / passes as f64;
    let pass_wall = t.elapsed().as_secs_f64() / passes as f64;

    // An outbox wake-up with nothing to send: the due entries, and when the next one is.
    let ticks = if quick { 100 } else { 5_000 };
    let cpu = cpu_secs();
    for _ in 0..ticks {
        service.flush_outbox().await.unwrap();
        service.store().outbox_next_at().unwrap();
    }
    let tick_cpu = (cpu_secs() - cpu) / ticks as f64;

    println!(
        "idle pass (5 accounts, nothing new): {pass_requests:.0} requests, {:.1} ms CPU, {:.1} ms wall",
        pass_cpu * 1e3,
        pass_wall * 1e3
    );
    println!("outbox wake-up with nothing to send: {:.3} ms CPU", tick_cpu * 1e3);
    let n = ids.len() as f64;
    let per_hour = |every: Duration| 3600.0 / every.as_secs_f64();
    let rows = [
        (
            "before (5 min, outbox every 5 s)",
            hour(per_hour(INTERVAL), (pass_requests, pass_cpu), per_hour(OLD_OUTBOX_TICK), tick_cpu, n),
        ),
        (
            "after, window visible",
            hour(
                per_hour(next_sync_after(INTERVAL, u32::MAX, true)),
                (pass_requests, pass_cpu),
                per_hour(OUTBOX_IDLE),
                tick_cpu,
                n,
            ),
        ),
        (
            "after, window hidden",
            hour(
                per_hour(next_sync_after(INTERVAL, u32::MAX, false)),
                (pass_requests, pass_cpu),
                per_hour(OUTBOX_IDLE),
                tick_cpu,
                n,
            ),
        ),
    ];
    println!("| per hour, nothing new | requests | CPU s | wake-ups |");
    println!("| --- | --- | --- | --- |");
    for (what, h) in rows {
        println!("| {what} | {:.0} | {:.2} | {:.0} |", h.requests, h.cpu, h.wakeups);
    }
    sims.shutdown().await;
}
