//! What the relay tests share: a real PostgreSQL server for the whole test binary (Debian's
//! `initdb` and `postgres` in a temporary directory, on loopback, killed with the binary), a
//! fresh database per test; a 则一 simulator as the upstream; relays served over real HTTP;
//! and small HTTP helpers. `INBOX_RELAY_TEST_DATABASE_URL` (a server where `CREATE DATABASE`
//! works) replaces the throwaway server. Nothing is skipped: when PostgreSQL cannot start,
//! every PostgreSQL test fails saying why.

#![allow(dead_code)]

use inbox_relay::config::{Config, Storage, ZeyiConfig};
use inbox_relay::RelayServer;
use serde_json::{json, Value};
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use vendor_sim::zeyi::Sim;
use vendor_sim::RunningServer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

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

/// Storage for one test: a temporary SQLite directory, or a fresh PostgreSQL database.
pub struct Place {
    pub storage: Storage,
    _dir: Option<tempfile::TempDir>,
}

impl Place {
    pub async fn new(backend: Backend) -> Place {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                Place { storage: Storage::Sqlite { data_dir: dir.path().join("relay") }, _dir: Some(dir) }
            }
            Backend::Postgres => Place { storage: Storage::Postgres { url: fresh_database().await }, _dir: None },
        }
    }
}

/// The relay's 则一 settings for a simulator at `base_url`.
pub fn zeyi_config(sim: &Sim, base_url: &str) -> ZeyiConfig {
    let app = sim.app();
    ZeyiConfig {
        base_url: base_url.to_string(),
        app_key: app.app_key,
        app_secret: app.app_secret,
        encrypt: app.encrypt,
        iv: app.iv,
        callback_app_key: app.callback_app_key,
        callback_app_secret: app.callback_app_secret,
        timeout: Duration::from_secs(10),
        outbound_addr: None,
    }
}

/// A 则一 simulator, a relay in front of it (its callbacks go to the relay), and the storage.
pub struct Env {
    pub backend: Backend,
    pub sim: Sim,
    pub sim_server: RunningServer,
    pub relay: RelayServer,
    pub place: Place,
    pub http: reqwest::Client,
}

impl Env {
    pub async fn new(backend: Backend) -> Env {
        Self::with(backend, false).await
    }

    pub async fn with(backend: Backend, encrypt: bool) -> Env {
        let sim = Sim::new(7, 5);
        sim.set_encryption(encrypt);
        let sim_server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let place = Place::new(backend).await;
        let relay = start_relay(&sim, &sim_server.base_url, &place.storage).await;
        sim.set_callback_url(Some(relay.callback_url()));
        Env { backend, sim, sim_server, relay, place, http: reqwest::Client::new() }
    }

    /// Another relay instance on the same storage.
    pub async fn another_relay(&self) -> RelayServer {
        start_relay(&self.sim, &self.sim_server.base_url, &self.place.storage).await
    }

    /// A user's token.
    pub async fn user(&self, username: &str, name: &str) -> String {
        inbox_relay::add_user(self.relay.db(), username, name).await.unwrap().1
    }

    /// POSTs `body` to the relay's `path` with `token`: the status and the JSON answer.
    pub async fn post(&self, base: &str, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut req = self.http.post(format!("{base}{path}")).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn send(&self, token: &str, body: &Value) -> (u16, Value) {
        self.post(&self.relay.base_url, inbox_relay::api::SEND_PATH, Some(token), body).await
    }

    pub async fn cancel(&self, token: &str, body: &Value) -> (u16, Value) {
        self.post(&self.relay.base_url, inbox_relay::api::CANCEL_PATH, Some(token), body).await
    }

    /// `GET /v1/events` on `base`.
    pub async fn pull_from(&self, base: &str, token: &str, after: i64, timeout: u64) -> (u16, Value) {
        let resp = self
            .http
            .get(format!("{base}/v1/events?after={after}&timeout={timeout}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn pull(&self, token: &str, after: i64) -> Value {
        let (status, page) = self.pull_from(&self.relay.base_url, token, after, 0).await;
        assert_eq!(status, 200, "{page}");
        page
    }

    /// The relay's metrics text.
    pub async fn metrics(&self, base: &str) -> String {
        self.http.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap()
    }
}

pub async fn start_relay(sim: &Sim, sim_base: &str, storage: &Storage) -> RelayServer {
    start_relay_with(sim, sim_base, storage, |_| {}).await
}

/// [`start_relay`] with the configuration changed by `tweak` first.
pub async fn start_relay_with(
    sim: &Sim,
    sim_base: &str,
    storage: &Storage,
    tweak: impl FnOnce(&mut Config),
) -> RelayServer {
    let mut config = Config::new(storage.clone(), Some(zeyi_config(sim, sim_base)));
    config.listen = "127.0.0.1:0".parse().unwrap();
    tweak(&mut config);
    inbox_relay::start(config).await.unwrap_or_else(|e| panic!("the relay did not start: {e}"))
}

/// The document's send body for `username`.
pub fn form(id: &str, username: &str) -> Value {
    json!({
        "id": id,
        "auditType": "purchase",
        "username": username,
        "auditFormList": [
            {"type": "text", "name": "事由", "value": "采购托盘 200 个"},
            {"type": "text", "name": "金额", "value": "100.00"},
            {"type": "file", "name": "报价单", "value": "https://files.example.com/q.pdf", "extendValue": "q.pdf"}
        ],
        "conditionParamList": [{"name": "amount", "value": "100"}]
    })
}

/// The envelope's `result.auditId`.
pub fn audit_id(reply: &Value) -> String {
    reply["result"]["auditId"].as_str().unwrap_or_else(|| panic!("no auditId in {reply}")).to_string()
}

/// The business ids of a page's events, in order.
pub fn ids(page: &Value) -> Vec<String> {
    page["events"]
        .as_array()
        .unwrap_or_else(|| panic!("no events in {page}"))
        .iter()
        .map(|e| e["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A callback signed (and sealed when `encrypt`) with the simulator's callback key pair, with
/// the given timestamp and nonce: headers and body.
pub fn signed_callback(sim: &Sim, body: &Value, timestamp: &str, nonce: &str) -> (Vec<(String, String)>, String) {
    let app = sim.app();
    let json = body.to_string();
    let body = if app.encrypt {
        vendor_sim::zeyi::crypto::seal(
            &app.callback_app_key,
            &app.callback_app_secret,
            &app.iv,
            timestamp,
            nonce,
            json.as_bytes(),
        )
        .unwrap()
    } else {
        json
    };
    let sign = vendor_sim::zeyi::crypto::sign(
        &app.callback_app_key,
        &app.callback_app_secret,
        timestamp,
        nonce,
        body.as_bytes(),
    );
    let headers = vec![
        ("appKey".into(), app.callback_app_key.clone()),
        ("timestamp".into(), timestamp.into()),
        ("nonce".into(), nonce.into()),
        ("sign".into(), sign),
    ];
    (headers, body)
}

/// POSTs a callback to `url`: the status and the answer.
pub async fn post_callback(
    http: &reqwest::Client,
    url: &str,
    headers: &[(String, String)],
    body: &str,
) -> (u16, Value) {
    let mut req = http.post(url).body(body.to_string());
    for (k, v) in headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Milliseconds now, as the timestamp header wants it.
pub fn now_ms() -> String {
    inbox_relay::now_ms().to_string()
}
