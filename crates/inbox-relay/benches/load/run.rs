//! The load bench itself (see benches/load.rs for what it measures and how to run it).

use futures::StreamExt;
use inbox_relay::config::Storage;
use inbox_relay::db::Db;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The pair the company gives 则一 for its callbacks (the relay's config holds the same).
const CALLBACK_KEY: &str = "bench-callback-key";
const CALLBACK_SECRET: &str = "bench-callback-secret-0123456789";
/// Callbacks a second (issue 16: "100 callbacks/s").
const RATE: f64 = 100.0;
/// A desktop's long-poll, as the app's scheduler asks it (docs/relay.md, "The desktop side").
const POLL_SECS: u64 = 25;
/// How long after the last callback the desktops may take to receive everything before the
/// missing ones count as lost. Generous: a loss is a failure, a slow machine must not be one.
const DRAIN: Duration = Duration::from_secs(90);
/// How many times a callback is sent (the first try and 则一's retries) before it is given up.
const ATTEMPTS: usize = 20;

struct Settings {
    desktops: usize,
    callbacks: usize,
    floor_runs: usize,
    only: Option<String>,
}

fn settings() -> Settings {
    let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| v == "1");
    let number = |name: &str, default: usize| {
        std::env::var(name).ok().and_then(|v| v.parse().ok()).filter(|&n: &usize| n > 0).unwrap_or(default)
    };
    Settings {
        desktops: number("BENCH_DESKTOPS", if quick { 20 } else { 1_000 }),
        callbacks: number("BENCH_CALLBACKS", if quick { 20 } else { 3_000 }),
        floor_runs: if quick { 20 } else { 500 },
        only: std::env::var("BENCH_ONLY").ok().filter(|v| !v.is_empty()),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Engine {
    Sqlite,
    Postgres,
}

/// One run: the storage, how many relay instances, and whether one is killed.
struct Scenario {
    key: &'static str,
    title: &'static str,
    engine: Engine,
    instances: usize,
    kill: bool,
}

const SCENARIOS: [Scenario; 3] = [
    Scenario { key: "sqlite", title: "SQLite, one relay", engine: Engine::Sqlite, instances: 1, kill: false },
    Scenario {
        key: "postgres",
        title: "PostgreSQL, two relays on one database",
        engine: Engine::Postgres,
        instances: 2,
        kill: false,
    },
    Scenario {
        key: "kill",
        title: "PostgreSQL, two relays, one killed with SIGKILL halfway",
        engine: Engine::Postgres,
        instances: 2,
        kill: true,
    },
];

pub fn main() -> ExitCode {
    let cfg = settings();
    raise_fd_limit(cfg.desktops);
    println!(
        "relay load bench: {} desktops, {} callbacks at {RATE}/s, long-polls of {POLL_SECS} s; {} cores, load average {}",
        cfg.desktops,
        cfg.callbacks,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let mut failed = false;
    for scenario in SCENARIOS.iter().filter(|s| cfg.only.as_deref().is_none_or(|o| o == s.key)) {
        if !runtime.block_on(run(scenario, &cfg)) {
            failed = true;
        }
    }
    // Desktops still waiting on a relay that is gone: not worth waiting for.
    runtime.shutdown_timeout(Duration::from_secs(1));
    if failed {
        println!("\nFAILED: a check above did not hold");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// 1,000 long-polls hold ~1,000 sockets here and as many in the relays (which inherit this
/// limit): raise the soft limit on open files to the hard one, and say when even that is short.
fn raise_fd_limit(desktops: usize) {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: a valid pointer to an rlimit for the duration of the call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        println!("cannot read the open-files limit: {}", std::io::Error::last_os_error());
        return;
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit = raised;
        } else {
            println!("cannot raise the open-files limit: {}", std::io::Error::last_os_error());
        }
    }
    let needed = 2 * desktops as u64 + 200;
    if limit.rlim_cur < needed {
        println!(
            "WARNING: open files limited to {} (hard limit {}); {desktops} desktops need about {needed}: connections will fail (raise the hard limit: ulimit -Hn)",
            limit.rlim_cur, limit.rlim_max
        );
    }
}

/// A relay instance: the `inbox-relay serve` process, killed when dropped.
struct Relay {
    child: Child,
    pid: u32,
    base: String,
    log: PathBuf,
}

impl Relay {
    fn spawn(dir: &Path, config: &Path, storage: &[String], n: usize) -> Relay {
        let log = dir.join(format!("relay-{n}.log"));
        let log_file = std::fs::File::create(&log).expect("the relay's log file");
        let child = Command::new(env!("CARGO_BIN_EXE_inbox-relay"))
            .arg("--config")
            .arg(config)
            .args(storage)
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("the inbox-relay binary starts");
        let pid = child.id();
        let mut relay = Relay { child, pid, base: String::new(), log };
        let started = Instant::now();
        // `serve` says where it listens (port 0 was asked for) on its stderr.
        loop {
            let text = std::fs::read_to_string(&relay.log).unwrap_or_default();
            if let Some(rest) = text.lines().find_map(|l| l.strip_prefix("inbox-relay: listening on ")) {
                relay.base = rest.split_whitespace().next().unwrap_or_default().to_string();
                return relay;
            }
            if let Ok(Some(status)) = relay.child.try_wait() {
                panic!("inbox-relay exited ({status}) before listening: {text}");
            }
            assert!(started.elapsed() < Duration::from_secs(60), "inbox-relay did not listen within a minute: {text}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// kill -9.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The relay's settings: no 则一 calls happen here (the bench sends nothing through it), so the
/// upstream is a closed port. The callback limit is raised from the desktop listener's default
/// (20/s, burst 50), which would refuse most of 100 callbacks a second with 429.
fn write_config(dir: &Path) -> PathBuf {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join("relay.toml");
    let text = format!(
        "listen = \"127.0.0.1:0\"\n\
         [zeyi]\nbase_url = \"http://127.0.0.1:9\"\napp_key = \"bench-app\"\napp_secret = \"bench-app-secret\"\n\
         callback_app_key = \"{CALLBACK_KEY}\"\ncallback_app_secret = \"{CALLBACK_SECRET}\"\n\
         [callback]\nper_second = 1000.0\nburst = 1000.0\n"
    );
    // The relay refuses a config file holding secrets that others can read.
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path).expect("the config file");
    file.write_all(text.as_bytes()).expect("the config file written");
    path
}

/// Resident memory (VmRSS) and its peak (VmHWM) of a process, in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// A process's fields after its name in /proc/<pid>/stat (index 0 is field 3, the state).
fn stat_fields(pid: u32) -> Vec<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    after_name.split_whitespace().map(|f| f.parse().unwrap_or(0)).collect()
}

/// CPU time a process used (user + system), in seconds; with `children`, also that of its
/// children it has reaped (PostgreSQL's backends that ended).
fn cpu_secs(pid: u32, children: bool) -> f64 {
    let f = stat_fields(pid);
    let get = |i: usize| f.get(i).copied().unwrap_or(0);
    let ticks = get(11) + get(12) + if children { get(13) + get(14) } else { 0 };
    // SAFETY: sysconf has no preconditions.
    ticks as f64 / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
}

/// The throwaway PostgreSQL's postmaster (tests/support/pg.rs names its directory after this
/// process); `None` with `INBOX_RELAY_TEST_DATABASE_URL` (a server elsewhere).
fn postmaster() -> Option<u32> {
    let file = std::env::temp_dir().join(format!("inbox-relay-pg-{}", std::process::id())).join("data/postmaster.pid");
    std::fs::read_to_string(file).ok()?.lines().next()?.trim().parse().ok()
}

/// CPU seconds of the whole PostgreSQL server: the postmaster, its ended children, and its
/// living ones (backends, writer, WAL writer …).
fn postgres_cpu(postmaster: u32) -> f64 {
    let mut total = cpu_secs(postmaster, true);
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        if stat_fields(pid).get(1).copied() == Some(postmaster as u64) {
            total += cpu_secs(pid, false);
        }
    }
    total
}

/// One time a desktop's poll returned a result.
struct Got {
    cursor: i64,
    result: String,
    at: Instant,
}

/// What one callback became.
#[derive(Default)]
struct Sent {
    /// When the first try left.
    first_sent: Option<Instant>,
    /// When the 200 arrived, and how long that try took.
    accepted: Option<(Instant, Duration)>,
    /// Tries that got no answer at all (the instance was killed under them, or was gone).
    unanswered: usize,
    /// Tries answered with another status than 200.
    refused: Vec<u16>,
    /// The replay of the accepted request to the other instance: its status.
    replay: Option<u16>,
}

/// What the desktops saw.
#[derive(Default)]
struct Seen {
    /// Business id → every time a poll returned it.
    got: Mutex<HashMap<String, Vec<Got>>>,
    /// (工号, cursor) → business ids delivered under it.
    cursors: Mutex<HashMap<(usize, i64), BTreeSet<String>>>,
    /// Events returned to a desktop whose user did not send that approval.
    wrong_desktop: AtomicUsize,
    /// Polls that failed (no answer, refused): the desktop went to the next instance.
    failovers: AtomicUsize,
}

fn username(k: usize) -> String {
    format!("E{k:05}")
}

fn business_id(i: usize) -> String {
    format!("BENCH-{i:06}")
}

/// Which relay instance callback `i` goes to first: a user's callbacks alternate between the
/// instances (with an even number of desktops, `i % 2` would send all of one user's to one).
fn target(i: usize, desktops: usize, instances: usize) -> usize {
    (i + i / desktops) % instances
}

/// One run; false when a check failed.
async fn run(s: &Scenario, cfg: &Settings) -> bool {
    println!("\n== {}: {} desktops, {} callbacks at {RATE}/s ==", s.title, cfg.desktops, cfg.callbacks);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = write_config(dir.path());
    let storage = match s.engine {
        Engine::Sqlite => Storage::Sqlite { data_dir: dir.path().join("data") },
        Engine::Postgres => Storage::Postgres { url: crate::pg::fresh_database().await },
    };
    let storage_args = match &storage {
        Storage::Sqlite { data_dir } => vec!["--data-dir".to_string(), data_dir.display().to_string()],
        Storage::Postgres { url } => vec!["--database-url".to_string(), url.clone()],
    };

    // Users and the approvals they sent, through the relay's own code (what `user add` and a
    // send through the relay store), before any relay serves.
    let t = Instant::now();
    let db = Db::connect(&storage).await.expect("the relay's storage opens");
    let tokens: Vec<String> =
        futures::stream::iter(0..cfg.desktops)
            .map(|k| {
                let db = db.clone();
                async move {
                    inbox_relay::add_user(&db, &username(k), &format!("桌面 {k}")).await.expect("a user is added").1
                }
            })
            // Token hashing is argon2 (tens of ms, on the blocking pool): one per core.
            .buffered(2)
            .collect()
            .await;
    for i in 0..cfg.callbacks {
        db.claim(&business_id(i), &username(i % cfg.desktops), "purchase", inbox_relay::now_ms())
            .await
            .expect("a business id is claimed");
    }
    db.close().await;
    println!("setup: {} users and {} approvals stored in {:.1?}", cfg.desktops, cfg.callbacks, t.elapsed());

    let mut relays: Vec<Relay> =
        (0..s.instances).map(|n| Relay::spawn(dir.path(), &config, &storage_args, n)).collect();
    let bases: Arc<Vec<String>> = Arc::new(relays.iter().map(|r| r.base.clone()).collect());
    let seen = Arc::new(Seen::default());
    // One client for all desktops, as many connections as polls in flight; another for 则一.
    let desktops_http = reqwest::Client::builder().pool_max_idle_per_host(usize::MAX).build().expect("a client");
    let zeyi_http = reqwest::Client::new();

    let t = Instant::now();
    let mut desks = tokio::task::JoinSet::new();
    for (k, token) in tokens.iter().enumerate() {
        desks.spawn(desktop(
            desktops_http.clone(),
            Arc::clone(&bases),
            Arc::clone(&seen),
            k,
            token.clone(),
            cfg.desktops,
        ));
    }
    // Measure from the moment every desktop waits in a long-poll: the first poll of each token
    // runs argon2 (two at a time per instance), which is setup, not delivery.
    loop {
        let mut waiting = 0;
        for base in bases.iter() {
            waiting += pull_clients(&zeyi_http, base).await;
        }
        if waiting >= cfg.desktops {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(600),
            "only {waiting} of {} desktops wait after 10 minutes",
            cfg.desktops
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!("every desktop waiting in a long-poll after {:.1?} (each token's first argon2 check)", t.elapsed());
    let idle: Vec<u64> = relays.iter().map(|r| memory_kib(r.pid).0).collect();

    // The measured phase: 则一 calls at RATE; CPU is counted from here to the last delivery.
    let postmaster = (s.engine == Engine::Postgres).then(postmaster).flatten();
    let pg_cpu0 = postmaster.map(postgres_cpu);
    let relay_cpu0: Vec<f64> = relays.iter().map(|r| cpu_secs(r.pid, false)).collect();
    let self_cpu0 = cpu_secs(std::process::id(), false);
    let start = Instant::now();
    let mut alive = vec![true; s.instances];
    let mut killed: Option<(usize, f64, (u64, u64), Instant)> = None;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / RATE));
    let mut calls = Vec::with_capacity(cfg.callbacks);
    for i in 0..cfg.callbacks {
        tick.tick().await;
        let victim = s.instances - 1;
        // Halfway, right after a callback to the victim left: killed half a millisecond later
        // (its answer takes about 2 ms), it may die with that callback in its hands (stored or
        // not, unanswered), the case where 则一's retry to the other instance must neither lose
        // nor double the result. A race: the relays' counts below tell which way it went.
        let kill_now =
            s.kill && killed.is_none() && i >= cfg.callbacks / 2 && target(i, cfg.desktops, s.instances) == victim;
        let before = kill_now.then(|| (cpu_secs(relays[victim].pid, false), memory_kib(relays[victim].pid)));
        calls.push(tokio::spawn(callback(zeyi_http.clone(), Arc::clone(&bases), i, cfg.desktops, s.instances)));
        if let Some((cpu, mem)) = before {
            // Blocking on purpose: a timer would wait at least a millisecond.
            std::thread::sleep(Duration::from_micros(500));
            alive[victim] = false;
            relays[victim].kill();
            println!("kill -9 of relay {victim} (pid {}) 0.5 ms after callback {i} was sent to it", relays[victim].pid);
            killed = Some((victim, cpu - relay_cpu0[victim], mem, Instant::now()));
        }
    }
    let sending = start.elapsed();
    let mut sent = Vec::with_capacity(calls.len());
    for c in calls {
        sent.push(c.await.expect("a callback task"));
    }

    // Wait until every accepted callback reached its desktop (or DRAIN passed: those are lost).
    let wanted: Vec<usize> = (0..sent.len()).filter(|&i| sent[i].accepted.is_some()).collect();
    let drain = Instant::now();
    let delivered_all = loop {
        let missing = {
            let got = seen.got.lock().unwrap();
            wanted.iter().filter(|&&i| !got.contains_key(&business_id(i))).count()
        };
        if missing == 0 {
            break true;
        }
        if drain.elapsed() > DRAIN {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let wall = start.elapsed().as_secs_f64();
    let relay_cpu: Vec<f64> = relays.iter().enumerate().map(|(n, r)| cpu_secs(r.pid, false) - relay_cpu0[n]).collect();
    let memory: Vec<(u64, u64)> = relays.iter().map(|r| memory_kib(r.pid)).collect();
    let pg_cpu = postmaster.zip(pg_cpu0).map(|(p, c0)| postgres_cpu(p) - c0);
    let self_cpu = cpu_secs(std::process::id(), false) - self_cpu0;

    // Floors, from a relay that is still up, with every desktop still waiting on it.
    let survivor = (0..s.instances).find(|&n| alive[n]).unwrap_or(0);
    let floor_http = reqwest::Client::new();
    let poll_url = format!("{}/v1/events?after=0&timeout={POLL_SECS}", bases[survivor]);
    let poll_floor =
        timed(cfg.floor_runs, || floor_http.get(&poll_url).bearer_auth(&tokens[0]).send(), 200, "a long-poll").await;
    let none_url = format!("{}/bench-no-such-route", bases[survivor]);
    let empty_floor = timed(cfg.floor_runs, || floor_http.get(&none_url).send(), 404, "an unknown route").await;
    // What each living relay counted: a callback stored by the killed one whose 200 never left
    // comes back to the survivor as a duplicate.
    let mut kinds = Vec::new();
    for (n, base) in bases.iter().enumerate().filter(|&(n, _)| alive[n]) {
        kinds.push(format!("relay {n} {}", accepted_kinds(&zeyi_http, base).await));
    }
    desks.abort_all();

    // Figures.
    let accepted = wanted.len();
    let got = seen.got.lock().unwrap();
    let mut latency = Vec::new();
    let mut from_sent = Vec::new();
    let mut early = 0;
    for &i in &wanted {
        let Some(first) = got.get(&business_id(i)).and_then(|g| g.iter().map(|g| g.at).min()) else { continue };
        let (accepted_at, _) = sent[i].accepted.expect("accepted");
        // The poll may return before the 200 reaches 则一 (the relay wakes polls at commit,
        // then answers): that counts as no delay at all.
        if first < accepted_at {
            early += 1;
        }
        latency.push(first.saturating_duration_since(accepted_at));
        from_sent.push(first.saturating_duration_since(sent[i].first_sent.expect("sent")));
    }
    let answers: Vec<Duration> = sent.iter().filter_map(|s| s.accepted.map(|a| a.1)).collect();
    println!(
        "callbacks: {} sent in {:.1} s ({:.1}/s), {accepted} answered 200; answer time p50 {} p99 {}",
        sent.len(),
        sending.as_secs_f64(),
        sent.len() as f64 / sending.as_secs_f64(),
        ms(pct(&answers, 50.0)),
        ms(pct(&answers, 99.0))
    );
    println!(
        "delivery, 200 to the callback → the desktop's poll returns it: p50 {}  p99 {}  max {}  ({early} returned before the 200 reached 则一: counted as 0)",
        ms(pct(&latency, 50.0)),
        ms(pct(&latency, 99.0)),
        ms(pct(&latency, 100.0))
    );
    println!(
        "delivery, callback sent → poll returns it:              p50 {}  p99 {}",
        ms(pct(&from_sent, 50.0)),
        ms(pct(&from_sent, 99.0))
    );
    println!(
        "floor (relay {survivor}, {} runs each, every desktop waiting): a long-poll with an event waiting p50 {}  p99 {}; an unknown route (no handler) p50 {}  p99 {}",
        cfg.floor_runs,
        ms(pct(&poll_floor, 50.0)),
        ms(pct(&poll_floor, 99.0)),
        ms(pct(&empty_floor, 50.0)),
        ms(pct(&empty_floor, 99.0))
    );
    for (n, relay) in relays.iter().enumerate() {
        let (cpu, (rss, hwm), window) = match killed {
            Some((v, cpu, mem, at)) if v == n => (cpu, mem, at.duration_since(start).as_secs_f64()),
            _ => (relay_cpu[n], memory[n], wall),
        };
        println!(
            "relay {n} (pid {}): RSS {} idle with its desktops waiting, {} at the end{}, peak {}; CPU {cpu:.1} s in {window:.1} s = {:.0}% of a core",
            relay.pid,
            mib(idle[n]),
            mib(rss),
            if killed.is_some_and(|k| k.0 == n) { " (just before the kill)" } else { "" },
            mib(hwm),
            100.0 * cpu / window
        );
    }
    println!("callbacks accepted, as the relays count them: {}", kinds.join("; "));
    if let Some(cpu) = pg_cpu {
        println!(
            "PostgreSQL (every process of the server): CPU {cpu:.1} s in {wall:.1} s = {:.0}% of a core",
            100.0 * cpu / wall
        );
    }
    println!(
        "this process (desktops and 则一): CPU {self_cpu:.1} s in {wall:.1} s = {:.0}% of a core",
        100.0 * self_cpu / wall
    );

    // Checks.
    let lost: Vec<String> = wanted.iter().map(|&i| business_id(i)).filter(|id| !got.contains_key(id)).collect();
    let doubled = got
        .values()
        .filter(|g| g.iter().map(|g| (g.cursor, g.result.as_str())).collect::<BTreeSet<_>>().len() > 1)
        .count();
    let again: usize = got.values().map(|g| g.len() - 1).sum();
    let collisions = seen.cursors.lock().unwrap().values().filter(|ids| ids.len() > 1).count();
    let wrong = seen.wrong_desktop.load(Ordering::SeqCst);
    let not_accepted = sent.len() - accepted;
    let unanswered: usize = sent.iter().map(|s| s.unanswered).sum();
    let refused: Vec<u16> = sent.iter().flat_map(|s| s.refused.iter().copied()).collect();
    let replays: Vec<u16> = sent.iter().filter_map(|s| s.replay).collect();
    let replays_refused = replays.iter().filter(|&&st| st == 409).count();
    println!(
        "checks: {} of {accepted} accepted delivered, lost {}, delivered as two different results {doubled}, to another desktop {wrong}, a cursor for two results {collisions}; {again} deliveries again (at least once), {} desktop failovers",
        accepted - lost.len(),
        lost.len(),
        seen.failovers.load(Ordering::SeqCst)
    );
    println!(
        "callbacks: never answered 200 {not_accepted}, tries without an answer {unanswered}, tries refused {} {refused:?}{}",
        refused.len(),
        if s.instances > 1 {
            format!(
                "; replays of an accepted callback to the other instance: {} sent, {replays_refused} refused 409 NONCE_REPLAYED",
                replays.len()
            )
        } else {
            String::new()
        }
    );
    let ok = delivered_all
        && lost.is_empty()
        && doubled == 0
        && wrong == 0
        && collisions == 0
        && not_accepted == 0
        && replays_refused == replays.len();
    if !ok {
        println!("FAILED: {}", lost.iter().take(10).cloned().collect::<Vec<_>>().join(", "));
        for r in &relays {
            let text = std::fs::read_to_string(&r.log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(20).collect();
            println!("last lines of {}:\n{}", r.log.display(), tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
        }
    }
    drop(got);
    drop(relays);
    ok
}

/// One desktop: long-polls its relay from cursor 0 and records every result it is given,
/// advancing the cursor as the app does after applying; when its relay does not answer it goes
/// to the next one.
async fn desktop(
    http: reqwest::Client,
    bases: Arc<Vec<String>>,
    seen: Arc<Seen>,
    k: usize,
    token: String,
    desktops: usize,
) {
    let mut after = 0i64;
    let mut at = k % bases.len();
    loop {
        let url = format!("{}/v1/events?after={after}&timeout={POLL_SECS}", bases[at]);
        let answer = http.get(&url).bearer_auth(&token).timeout(Duration::from_secs(POLL_SECS + 30)).send().await;
        let page: Option<Value> = match answer {
            Ok(r) if r.status().is_success() => r.json().await.ok(),
            _ => None,
        };
        let now = Instant::now();
        let Some(page) = page else {
            seen.failovers.fetch_add(1, Ordering::SeqCst);
            at = (at + 1) % bases.len();
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        for e in page["events"].as_array().into_iter().flatten() {
            let id = e["id"].as_str().unwrap_or_default().to_string();
            let cursor = e["cursor"].as_i64().unwrap_or(-1);
            let sender = id.strip_prefix("BENCH-").and_then(|n| n.parse::<usize>().ok()).map(|i| i % desktops);
            if sender != Some(k) {
                seen.wrong_desktop.fetch_add(1, Ordering::SeqCst);
            }
            seen.cursors.lock().unwrap().entry((k, cursor)).or_default().insert(id.clone());
            let result =
                format!("{}/{}", e["type"].as_str().unwrap_or_default(), e["result"].as_str().unwrap_or_default());
            seen.got.lock().unwrap().entry(id).or_default().push(Got { cursor, result, at: now });
        }
        after = page["next"].as_i64().unwrap_or(after);
    }
}

/// 则一 delivering callback `i`: the result of business id `i`, signed with the callback pair
/// as the simulator signs it, to its instance; a try without a 200 is made again after a
/// moment to the next instance with a new nonce and timestamp, as 则一 retries. Every tenth
/// accepted one is then replayed as it was (same nonce and timestamp) to another instance,
/// which must refuse it: the nonce is the database's, not one process's.
async fn callback(http: reqwest::Client, bases: Arc<Vec<String>>, i: usize, desktops: usize, instances: usize) -> Sent {
    let audit_id = format!("{:032x}", 0xbe4c_0000_0000_u64 + i as u64);
    let body = json!({
        "id": business_id(i), "auditId": audit_id, "auditCode": format!("SP{i:08}"), "auditType": "purchase",
        "type": "finish", "result": if i.is_multiple_of(3) { "refuse" } else { "agree" }, "auditUser": "陈静", "remark": "同意"
    })
    .to_string();
    let mut sent = Sent::default();
    let mut at = target(i, desktops, instances);
    for attempt in 0..ATTEMPTS {
        // 6 characters, distinct for every try of every callback of a run.
        let nonce = format!("{:06}", (attempt * 50_000 + i) % 1_000_000);
        let timestamp = inbox_relay::now_ms().to_string();
        let sign = vendor_sim::zeyi::crypto::sign(CALLBACK_KEY, CALLBACK_SECRET, &timestamp, &nonce, body.as_bytes());
        let request = |base: &str| {
            http.post(format!("{base}{}", inbox_relay::api::CALLBACK_PATH))
                .header("appKey", CALLBACK_KEY)
                .header("timestamp", &timestamp)
                .header("nonce", &nonce)
                .header("sign", &sign)
                .header("Content-Type", "application/json; charset=utf-8")
                .body(body.clone())
                .timeout(Duration::from_secs(20))
        };
        let t = Instant::now();
        sent.first_sent.get_or_insert(t);
        match request(&bases[at]).send().await {
            Ok(r) if r.status().is_success() => {
                sent.accepted = Some((Instant::now(), t.elapsed()));
                let _ = r.bytes().await;
                if instances > 1 && i.is_multiple_of(10) {
                    let other = (at + 1) % instances;
                    sent.replay = request(&bases[other]).send().await.ok().map(|r| r.status().as_u16());
                }
                return sent;
            }
            Ok(r) => sent.refused.push(r.status().as_u16()),
            Err(_) => sent.unanswered += 1,
        }
        at = (at + 1) % instances;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    sent
}

/// The relay's `inbox_relay_pull_clients` gauge (long-polls waiting in it); 0 when it does not
/// answer.
async fn pull_clients(http: &reqwest::Client, base: &str) -> usize {
    let Ok(r) = http.get(format!("{base}/metrics")).send().await else { return 0 };
    let text = r.text().await.unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("inbox_relay_pull_clients "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map_or(0, |v| v as usize)
}

/// The relay's `inbox_relay_callbacks_accepted_total` by kind, e.g. `new 1500, duplicate 2`.
async fn accepted_kinds(http: &reqwest::Client, base: &str) -> String {
    let Ok(r) = http.get(format!("{base}/metrics")).send().await else { return "no answer".into() };
    let text = r.text().await.unwrap_or_default();
    let kinds: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("inbox_relay_callbacks_accepted_total{kind=\""))
        .filter_map(|l| l.split_once("\"}"))
        .map(|(kind, n)| format!("{kind} {}", n.trim()))
        .collect();
    if kinds.is_empty() {
        "none".into()
    } else {
        kinds.join(", ")
    }
}

/// `runs` round trips made one after another, each expected to answer `status`.
async fn timed<F, Fut>(runs: usize, request: F, status: u16, what: &str) -> Vec<Duration>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = reqwest::Result<reqwest::Response>>,
{
    let mut times = Vec::with_capacity(runs);
    // One unmeasured round trip opens the connection (and checks the token once).
    for n in 0..=runs {
        let t = Instant::now();
        let r = request().await.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(r.status().as_u16(), status, "{what}");
        let _ = r.bytes().await;
        if n > 0 {
            times.push(t.elapsed());
        }
    }
    times
}

/// The `p`th percentile (nearest rank); zero for no samples.
fn pct(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}
