//! A real, throwaway PostgreSQL server for a test binary (Debian's `initdb` and `postgres` in a
//! temporary directory, on loopback, as the `postgres` user when the tests run as root, killed
//! with the test binary by a parent-death signal) and a fresh database per test.
//! `INBOX_RELAY_TEST_DATABASE_URL` (a server where `CREATE DATABASE` works) replaces it. When
//! PostgreSQL cannot start, every test asking for a database fails saying why. Shared by the
//! relay's tests and, through `#[path]`, the CLI's relay test.

use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The PostgreSQL server of this test binary: a URL without the database name.
struct Cluster {
    /// e.g. `postgres://postgres@127.0.0.1:5544`
    base: String,
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

fn cluster() -> &'static Cluster {
    match CLUSTER.get_or_init(|| match std::env::var("INBOX_RELAY_TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => {
            // The server's URL without its database name, if it names one.
            let url = url.trim().trim_end_matches('/');
            let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
            Ok(Cluster { base: format!("{scheme}://{}", rest.split('/').next().unwrap_or(rest)) })
        }
        _ => start_cluster(),
    }) {
        Ok(c) => c,
        Err(why) => panic!("PostgreSQL could not start, so this PostgreSQL test cannot run (install Debian's postgresql package: scripts/setup.sh): {why}"),
    }
}

/// A new, empty database on the test server; its URL.
pub async fn fresh_database() -> String {
    let base = &cluster().base;
    let name = format!("relay_{}_{}", std::process::id(), DATABASES.fetch_add(1, Ordering::SeqCst));
    let mut admin = sqlx::PgConnection::connect(&format!("{base}/postgres"))
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test PostgreSQL at {base}: {e}"));
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    let _ = admin.close().await;
    format!("{base}/{name}")
}

/// Where Debian keeps a PostgreSQL program: on PATH, else the newest `/usr/lib/postgresql/*/bin`.
fn pg_program(name: &str) -> Option<PathBuf> {
    let on_path =
        std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|f| f.is_file()));
    // `postgres` must sit beside the initdb that made the cluster: prefer the versioned folder.
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin").join(name))
        .filter(|f| f.is_file())
        .collect();
    versions.sort_by_key(|p| {
        p.parent()
            .and_then(Path::parent)
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    versions.pop().or(on_path)
}

/// The uid and gid to run PostgreSQL as: ourselves, or the `postgres` user when we are root
/// (initdb and postgres refuse to run as root).
fn pg_user() -> Result<Option<(u32, u32)>, String> {
    // SAFETY: getuid has no preconditions.
    if unsafe { libc::getuid() } != 0 {
        return Ok(None);
    }
    let name = std::ffi::CString::new("postgres").map_err(|e| e.to_string())?;
    // SAFETY: a valid C string; the returned record is read at once, before any other call.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    if pw.is_null() {
        return Err("the tests run as root and there is no `postgres` user to run PostgreSQL as (initdb refuses root); install Debian's postgresql package, which creates it, or run the tests as another user".into());
    }
    // SAFETY: checked non-null above.
    Ok(Some(unsafe { ((*pw).pw_uid, (*pw).pw_gid) }))
}

fn as_pg_user(cmd: &mut Command, user: Option<(u32, u32)>) {
    use std::os::unix::process::CommandExt;
    if let Some((uid, gid)) = user {
        cmd.uid(uid).gid(gid);
    }
}

/// Removes the directories of earlier test binaries that are gone (their servers died with them).
fn remove_stale_dirs() {
    for entry in std::fs::read_dir(std::env::temp_dir()).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix("inbox-relay-pg-").and_then(|p| p.parse::<u32>().ok()) {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

fn start_cluster() -> Result<Cluster, String> {
    let initdb = pg_program("initdb").ok_or("initdb is neither on PATH nor in /usr/lib/postgresql/*/bin")?;
    let postgres = initdb
        .parent()
        .map(|d| d.join("postgres"))
        .filter(|p| p.is_file())
        .or_else(|| pg_program("postgres"))
        .ok_or("the postgres program was not found beside initdb")?;
    let user = pg_user()?;
    remove_stale_dirs();
    let dir = std::env::temp_dir().join(format!("inbox-relay-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
            .map_err(|e| format!("cannot give {} to the postgres user: {e}", dir.display()))?;
    }
    let data = dir.join("data");
    let mut init = Command::new(&initdb);
    init.args(["-D"])
        .arg(&data)
        .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"])
        .stdin(Stdio::null());
    as_pg_user(&mut init, user);
    let out = init.output().map_err(|e| format!("cannot run {}: {e}", initdb.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed: {}{}",
            initdb.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let log = dir.join("postgres.log");
    let log_file = std::fs::File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    if let Some((uid, gid)) = user {
        let _ = std::os::unix::fs::chown(&log, Some(uid), Some(gid));
    }
    let mut cmd = Command::new(&postgres);
    cmd.arg("-D").arg(&data).arg("-k").arg(&dir).args(["-c", "listen_addresses=127.0.0.1", "-p", &port.to_string()]);
    // A throwaway server: nothing needs to survive a crash, so no syncing.
    cmd.args([
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=300",
    ]);
    cmd.stdin(Stdio::null()).stdout(log_file.try_clone().map_err(|e| e.to_string())?).stderr(log_file);
    as_pg_user(&mut cmd, user);
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe; it runs in the child after the uid change (std
        // applies uid/gid first), so the setting survives: the server dies with this binary.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    // The parent-death signal follows the thread that spawned the child: spawn from a thread
    // that lives as long as the test binary.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let spawned = cmd.spawn();
        let failed = spawned.is_err();
        let _ = tx.send(spawned.map_err(|e| e.to_string()));
        if !failed {
            loop {
                std::thread::park();
            }
        }
    });
    let mut child =
        rx.recv().map_err(|e| e.to_string())?.map_err(|e| format!("cannot start {}: {e}", postgres.display()))?;
    let started = Instant::now();
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            // Accepting connections is not yet accepting queries: the first CREATE DATABASE
            // retries below through `ready`.
            if ready(port) {
                break;
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("postgres exited ({status}): {}", std::fs::read_to_string(&log).unwrap_or_default()));
        }
        if started.elapsed() > Duration::from_secs(60) {
            return Err(format!(
                "postgres did not accept connections within a minute: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // The child handle is dropped here (not waited on): the server lives until the binary ends.
    std::mem::forget(child);
    Ok(Cluster { base: format!("postgres://postgres@127.0.0.1:{port}") })
}

/// Whether the server answers a query (on a thread of its own: the caller may be inside a
/// runtime, which cannot block on another).
fn ready(port: u16) -> bool {
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return false };
        rt.block_on(async {
            match sqlx::PgConnection::connect(&format!("postgres://postgres@127.0.0.1:{port}/postgres")).await {
                Ok(mut c) => sqlx::query("SELECT 1").execute(&mut c).await.is_ok(),
                Err(_) => false,
            }
        })
    })
    .join()
    .unwrap_or(false)
}
