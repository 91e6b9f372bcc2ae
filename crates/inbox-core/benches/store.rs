//! The cache at realistic scale (issue 7): 1k, 10k and 100k approvals (`inbox_core::sample`:
//! Chinese text, eight fields, five accounts), the bulk upsert, an upsert that finds nothing
//! new, and the queries the window makes (box pages, counts, Chinese search), each beside its
//! floor: the very statements the store ran (recorded with their parameters) run again by the
//! `sqlite3` shell on the same file in the same run.
//!
//! `cargo bench -p inbox-core --bench store [-- N...]` prints the figures of BENCHMARKS.md;
//! `BENCH_QUICK=1` runs 1k and 10k with few repetitions (CI, so it cannot rot);
//! `BENCH_KEEP=DIR` keeps each cache file as `DIR/N/cache.sqlite3`; `BENCH_UPSERT_ONLY=1` stops
//! after the upserts (for profiling them). Nothing asserts on time.

use inbox_core::model::*;
use inbox_core::sample;
use inbox_core::store::{ListQuery, Sort, Store};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One measured query: what it is and how to run it.
struct Case {
    label: &'static str,
    run: Box<dyn Fn(&Store)>,
}

fn case(label: &'static str, run: impl Fn(&Store) + 'static) -> Case {
    Case { label, run: Box::new(run) }
}

fn page(inbox: Option<Inbox>, search: Option<&str>) -> ListQuery {
    ListQuery { inbox, search: search.map(Into::into), limit: 50, ..Default::default() }
}

fn list(q: ListQuery) -> impl Fn(&Store) {
    move |s: &Store| {
        s.list(&q).unwrap();
    }
}

fn cases() -> Vec<Case> {
    vec![
        case("todo page of 50, newest first", list(page(Some(Inbox::Todo), None))),
        case("todo page 11 (offset 500)", list(ListQuery { offset: 500, ..page(Some(Inbox::Todo), None) })),
        case(
            "processed page, one vendor, oldest first",
            list(ListQuery { vendor: Some(Vendor::Fxiaoke), sort: Sort::Oldest, ..page(Some(Inbox::Processed), None) }),
        ),
        case(
            "submitted page, one form, approved",
            list(ListQuery {
                form_name: Some("合同审批".into()),
                status: Some(Status::Approved),
                ..page(Some(Inbox::Submitted), None)
            }),
        ),
        case("counts per box", |s| {
            s.box_counts().unwrap();
        }),
        case("search, one character (报), all boxes", list(page(None, Some("报")))),
        case("search, two characters (差旅), all boxes", list(page(None, Some("差旅")))),
        case("todo page, searching 报", list(page(Some(Inbox::Todo), Some("报")))),
        case("todo page, searching 差旅", list(page(Some(Inbox::Todo), Some("差旅")))),
        case("search, rare term (申请-999)", list(page(None, Some("申请-999")))),
        case("detail of one approval", |s| {
            s.approval(7).unwrap();
        }),
    ]
}

struct Settings {
    sizes: Vec<usize>,
    runs: usize,
    floor_runs: usize,
}

fn settings() -> Settings {
    let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| v == "1");
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let default = if quick { vec![1_000, 10_000] } else { vec![1_000, 10_000, 100_000] };
    Settings {
        sizes: if sizes.is_empty() { default } else { sizes },
        runs: if quick { 20 } else { 200 },
        floor_runs: if quick { 10 } else { 100 },
    }
}

fn main() {
    let cfg = settings();
    println!(
        "store bench: sizes {:?}, {} runs per query, floor {} runs (sqlite3 shell)",
        cfg.sizes, cfg.runs, cfg.floor_runs
    );
    let mut growth: Vec<(usize, Vec<Duration>)> = Vec::new();
    for &n in &cfg.sizes {
        growth.push((n, at_size(n, &cfg)));
    }
    print_growth(&growth);
}

/// Fills a fresh cache with `n` approvals and measures everything; returns each figure's p99
/// (the upserts' totals first), for the growth table.
fn at_size(n: usize, cfg: &Settings) -> Vec<Duration> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("BENCH_KEEP")
        .map(|d| Path::new(&d).join(n.to_string()))
        .unwrap_or_else(|| tmp.path().to_path_buf());
    let _ = std::fs::remove_file(dir.join("cache.sqlite3"));
    let store = Store::open_in(&dir).unwrap();
    let accounts = sample::accounts(&store, "http://127.0.0.1:9").unwrap();
    let items: Vec<RemoteApproval> = (0..n).map(sample::approval).collect();
    println!("\n== {n} approvals ==");
    let (first, cpu) = upsert_all(&store, &accounts, &items);
    println!(
        "{:<44} {:>9.2?}  ({:.0} approvals/s; on the CPU {cpu:.2?})",
        format!("bulk upsert of {n} (pages of 500)"),
        first,
        n as f64 / first.as_secs_f64()
    );
    let t = Instant::now();
    list(page(None, Some("差旅")))(&store);
    println!(
        "{:<44} {:>9.2?}  (once: search scans what is not yet indexed)",
        format!("search 差旅 before the index caught up"),
        t.elapsed()
    );
    let (index, cpu) = index_all(&store);
    println!(
        "{:<44} {:>9.2?}  (on the CPU {cpu:.2?}; after the sync, as Service::sync_account does)",
        format!("search index catches up with {n}"),
        index
    );
    let (again, cpu) = upsert_all(&store, &accounts, &items);
    println!("{:<44} {:>9.2?}  (on the CPU {cpu:.2?})", format!("upsert of the same {n} (nothing new)"), again);
    let mut figures = vec![first, index, again];
    if std::env::var_os("BENCH_UPSERT_ONLY").is_some() {
        return figures;
    }
    println!("{:<44} {:>9} {:>9} | {:>9} {:>9} | p99/floor", "query", "p50", "p99", "floor p50", "floor p99");
    for c in cases() {
        figures.push(measure(&store, &c, cfg));
    }
    figures
}

/// Stores `items` as a first sync would; returns the wall time and this thread's time on the
/// CPU (which other work on the machine does not inflate).
fn upsert_all(store: &Store, accounts: &[i64], items: &[RemoteApproval]) -> (Duration, Duration) {
    let (t, cpu) = (Instant::now(), thread_cpu());
    for (k, chunk) in items.chunks(items.len().div_ceil(accounts.len())).enumerate() {
        let g = store.begin_sync(accounts[k]).unwrap();
        for p in chunk.chunks(500) {
            store.upsert_page(accounts[k], &Inbox::ALL, g, p).unwrap();
        }
    }
    (t.elapsed(), thread_cpu().saturating_sub(cpu))
}

/// Indexes for search everything the upserts wrote, in the batches a sync uses; returns the
/// wall time and the time on the CPU.
fn index_all(store: &Store) -> (Duration, Duration) {
    let (t, cpu) = (Instant::now(), thread_cpu());
    while store.index_pending(inbox_core::store::INDEX_BATCH).unwrap() > 0 {}
    (t.elapsed(), thread_cpu().saturating_sub(cpu))
}

/// This thread's time on the CPU so far (Linux `schedstat`, nanoseconds); zero elsewhere.
fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    Duration::from_nanos(text.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(0))
}

/// Times `runs` runs of a case after a warm-up, and its statements in the sqlite3 shell.
fn measure(store: &Store, c: &Case, cfg: &Settings) -> Duration {
    for _ in 0..3 {
        (c.run)(store);
    }
    let times: Vec<Duration> = (0..cfg.runs)
        .map(|_| {
            let t = Instant::now();
            (c.run)(store);
            t.elapsed()
        })
        .collect();
    let (p50, p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
    store.record_sql(true);
    (c.run)(store);
    store.record_sql(false);
    let statements = Store::recorded_sql();
    match floor(store.path(), &statements, cfg.floor_runs) {
        Ok(f) => {
            let (f50, f99) = (percentile(&f, 0.5), percentile(&f, 0.99));
            println!(
                "{:<44} {p50:>9.2?} {p99:>9.2?} | {f50:>9.2?} {f99:>9.2?} | {:.2}×",
                c.label,
                p99.as_secs_f64() / f99.as_secs_f64().max(1e-6)
            );
        }
        Err(why) => println!("{:<44} {p50:>9.2?} {p99:>9.2?} | floor not measured: {why}", c.label),
    }
    p99
}

/// Runs `statements` `runs` times (after 3 warm-up runs) in the `sqlite3` shell on `db` with
/// `.timer on`, and returns the time of each run. The shell prints wall time in milliseconds
/// and CPU time in microseconds; a statement counts the larger of the two.
fn floor(db: &Path, statements: &[String], runs: usize) -> Result<Vec<Duration>, String> {
    const WARM: usize = 3;
    let mut script = String::from(".timer on\n.output /dev/null\n");
    for _ in 0..WARM + runs {
        for s in statements {
            script += s.trim();
            script += ";\n";
        }
    }
    let out = shell(db, &script)?;
    let each: Vec<f64> = out.lines().filter_map(run_time).collect();
    if each.len() != statements.len() * (WARM + runs) {
        return Err(format!(
            "the shell timed {} statements, expected {}",
            each.len(),
            statements.len() * (WARM + runs)
        ));
    }
    Ok(each.chunks(statements.len()).skip(WARM).map(|run| Duration::from_secs_f64(run.iter().sum())).collect())
}

fn shell(db: &Path, script: &str) -> Result<String, String> {
    use std::io::Write;
    let mut child = Command::new("sqlite3")
        .arg("-batch")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run sqlite3: {e}"))?;
    child.stdin.take().unwrap().write_all(script.as_bytes()).map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() || !out.stderr.is_empty() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `Run Time: real 0.002 user 0.001424 sys 0.000000` → the larger of wall and CPU seconds.
fn run_time(line: &str) -> Option<f64> {
    let rest = line.strip_prefix("Run Time: ")?;
    let mut v = rest
        .split_whitespace()
        .collect::<Vec<_>>()
        .chunks(2)
        .filter_map(|kv| Some((kv[0], kv.get(1)?.parse::<f64>().ok()?)))
        .collect::<Vec<_>>();
    v.sort_by(|a, b| a.0.cmp(b.0));
    let get = |k: &str| v.iter().find(|(key, _)| *key == k).map(|(_, x)| *x);
    Some(get("real")?.max(get("user")? + get("sys")?))
}

fn percentile(v: &[Duration], p: f64) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn print_growth(growth: &[(usize, Vec<Duration>)]) {
    if growth.len() < 2 {
        return;
    }
    println!("\n== growth (p99; upserts: total) ==");
    let mut labels = vec!["bulk upsert", "search index catching up", "upsert, nothing new"];
    labels.extend(cases().iter().map(|c| c.label));
    print!("{:<44}", "figure");
    for (n, _) in growth {
        print!(" {n:>10}");
    }
    println!();
    for (i, label) in labels.iter().enumerate() {
        print!("{label:<44}");
        for (_, figures) in growth {
            if let Some(f) = figures.get(i) {
                print!(" {f:>10.2?}");
            }
        }
        println!();
    }
}
