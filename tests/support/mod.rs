//! The harness of the end-to-end tests: a display (the caller's, or an own Xvfb), tauri-driver
//! in front of WebKitWebDriver, the real app binary with a fresh data directory (so it runs in
//! demo mode), and small WebDriver helpers that speak in the UI's `data-testid`s.
//!
//! Everything started here is stopped by `Harness`'s `Drop` (tauri-driver with SIGTERM only),
//! also when a test fails or panics.

// Shared by every E2E test binary (app.rs, perf.rs); each uses only part of it.
#![allow(dead_code)]

use anyhow::{bail, Context, Result};
use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::fs::File;
use std::future::Future;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant, SystemTime};

/// How long the first sync of the demo account may take to fill the inbox.
pub const SYNC_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a reaction of the UI (a click, an action, a list refresh) may take.
pub const UI_TIMEOUT: Duration = Duration::from_secs(20);
/// The whole body of one test, start-up included.
const TEST_TIMEOUT: Duration = Duration::from_secs(240);
/// How long the app may take to open its window and answer the new-session request.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The tests of one binary run one after the other: two WebKit windows on 2 cores help nobody.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub fn artifacts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts")
}

/// `[data-testid="…"]`
pub fn tid(testid: &str) -> String {
    format!(r#"[data-testid="{testid}"]"#)
}

/// One row of the approval list as the user sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: String,
    pub title: String,
    /// The vendor id of the row (`data-vendor`, e.g. `yomicloud`), from its badge.
    pub vendor: String,
}

/// Polls `probe` every 250 ms until it yields `Some`, or fails after `timeout` saying what it
/// waited for. An `Err` from the probe ends the wait at once.
pub async fn wait_for<T>(
    what: &str,
    timeout: Duration,
    mut probe: impl AsyncFnMut() -> Result<Option<T>>,
) -> Result<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe().await.with_context(|| format!("while waiting for {what}"))? {
            return Ok(value);
        }
        if Instant::now() >= deadline {
            bail!("timed out after {} s waiting for {what}", timeout.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The app's window, driven through WebDriver.
#[derive(Clone)]
pub struct Ui {
    pub client: Client,
    /// How the app under test was started, to start it again beside the running one.
    pub launch: Launch,
    /// When the WebDriver session that starts the app was requested.
    pub launched_at: SystemTime,
}

/// The app binary, its data folder and the environment it was started with.
#[derive(Clone, Debug)]
pub struct Launch {
    pub app: PathBuf,
    pub data_dir: PathBuf,
    pub env: Vec<(String, String)>,
}

impl Launch {
    /// A second start of the app exactly as the first was started.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.app);
        cmd.arg("--data-dir").arg(&self.data_dir).envs(self.env.iter().map(|(k, v)| (k, v))).stdin(Stdio::null());
        cmd
    }
}

impl Ui {
    /// The process id of the app behind this window.
    pub fn app_pid(&self) -> Option<u32> {
        pids_with_arg(&self.launch.data_dir).into_iter().next()
    }

    /// Runs `script` in the page (`arguments[0]`, … are `args`) and returns its `return` value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        Ok(self.client.execute(script, args).await?)
    }

    /// The trimmed `textContent` of the first element matching `css`, `None` if there is none.
    pub async fn text(&self, css: &str) -> Result<Option<String>> {
        let v = self
            .js(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : null;",
                vec![json!(css)],
            )
            .await?;
        Ok(v.as_str().map(str::to_owned))
    }

    /// An attribute of the first element matching `css`, `None` if there is no such element or attribute.
    pub async fn attr(&self, css: &str, name: &str) -> Result<Option<String>> {
        let v = self
            .js(
                "const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;",
                vec![json!(css), json!(name)],
            )
            .await?;
        Ok(v.as_str().map(str::to_owned))
    }

    pub async fn exists(&self, css: &str) -> Result<bool> {
        Ok(self.js("return document.querySelector(arguments[0]) !== null;", vec![json!(css)]).await? == json!(true))
    }

    /// The number shown next to a box in the sidebar (`count-<box>`); `None` before it is shown.
    pub async fn count(&self, inbox: &str) -> Result<Option<u32>> {
        match self.text(&tid(&format!("count-{inbox}"))).await? {
            None => Ok(None),
            Some(text) => {
                Ok(Some(text.parse().with_context(|| format!("count-{inbox} shows {text:?}, not a number"))?))
            }
        }
    }

    /// The rows of the approval list, top to bottom.
    pub async fn rows(&self) -> Result<Vec<Row>> {
        let v = self
            .js(
                r#"return Array.from(document.querySelectorAll('[data-testid="approval-list"] [data-testid="approval-row"]'))
                     .map(r => [r.getAttribute('data-id'), (r.querySelector('.row-title') || r).textContent.trim(),
                                (r.getAttribute('data-vendor') || (r.querySelector('[data-vendor]') || r).getAttribute('data-vendor') || '')]);"#,
                vec![],
            )
            .await?;
        let rows: Vec<(String, String, String)> = serde_json::from_value(v).context("reading the rows of the list")?;
        Ok(rows.into_iter().map(|(id, title, vendor)| Row { id, title, vendor }).collect())
    }

    /// The label of the box the list shows (its `aria-label`, e.g. 待我审批).
    pub async fn list_label(&self) -> Result<Option<String>> {
        self.attr(&tid("approval-list"), "aria-label").await
    }

    /// Clicks the element matching `css` like a user would, waiting for it to exist and retrying
    /// while it is covered or not yet clickable (a toast, an animation).
    pub async fn click(&self, css: &str) -> Result<()> {
        let mut last = None;
        let clicked = wait_for(&format!("`{css}` to be clickable"), UI_TIMEOUT, async || {
            let result = async { self.client.find(Locator::Css(css)).await?.click().await }.await;
            match result {
                Ok(()) => Ok(Some(())),
                Err(e) => {
                    last = Some(e);
                    Ok(None)
                }
            }
        })
        .await;
        match (clicked, last) {
            (Err(e), Some(CmdError::Standard(w))) => bail!("{e} (last WebDriver error: {:?} {})", w.error, w.message),
            (Err(e), Some(other)) => bail!("{e} (last WebDriver error: {other})"),
            (result, _) => result,
        }
    }

    /// Clicks `css` once if it is there and clickable now; `false` when it was not.
    pub async fn try_click(&self, css: &str) -> Result<bool> {
        match self.client.find(Locator::Css(css)).await {
            Ok(el) => Ok(el.click().await.is_ok()),
            Err(_) => Ok(false),
        }
    }

    /// Picks the first option matching `option` in the antd Select with `testid` and waits until
    /// the Select shows it; returns the option's text. Antd's menu slides open, and a click that
    /// lands mid-animation picks nothing and may close it, so this reopens and picks again.
    pub async fn choose(&self, testid: &str, option: &str) -> Result<String> {
        let open = format!(".ant-select-dropdown:not(.ant-select-dropdown-hidden) {option}");
        self.click_testid(testid).await?;
        let label =
            wait_for(&format!("{testid} to offer {option}"), UI_TIMEOUT, async || self.text(&open).await).await?;
        wait_for(&format!("{testid} to show {label:?}"), UI_TIMEOUT, async || {
            let shown = self.text(&tid(testid)).await?.unwrap_or_default();
            if shown.contains(&label) {
                return Ok(Some(()));
            }
            if !self.try_click(&open).await? {
                self.try_click(&tid(testid)).await?;
            }
            Ok(None)
        })
        .await?;
        Ok(label)
    }

    pub async fn click_testid(&self, testid: &str) -> Result<()> {
        self.click(&tid(testid)).await
    }

    /// Types `text` into the field with `testid` with real key events, and checks it arrived.
    pub async fn type_into(&self, testid: &str, text: &str) -> Result<()> {
        self.click_testid(testid).await?;
        self.client.find(Locator::Css(&tid(testid))).await?.send_keys(text).await?;
        let value = wait_for(&format!("{testid} to hold {text:?}"), UI_TIMEOUT, async || {
            let el = self.client.find(Locator::Css(&tid(testid))).await?;
            Ok(el.prop("value").await?.filter(|v| v == text))
        })
        .await;
        value.map(drop)
    }

    pub async fn is_enabled(&self, testid: &str) -> Result<bool> {
        Ok(self.client.find(Locator::Css(&tid(testid))).await?.is_enabled().await?)
    }

    /// Saves a screenshot of the window as `tests/artifacts/<name>.png` (after letting the last
    /// DOM change reach the screen).
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let png = self.client.screenshot().await?;
        let path = artifacts_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    /// What the user can read in the window right now.
    pub async fn visible_text(&self) -> Result<String> {
        let v = self.js("return document.body ? document.body.innerText : '';", vec![]).await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }
}

/// Starts the app, runs `body` against its window and always cleans up. On failure (an error, a
/// panic or the overall timeout) it saves `tests/artifacts/failure-<name>.png` and panics with
/// the error, the window's visible text and the end of the driver/app log.
pub async fn run_app_test(name: &str, body: impl AsyncFnOnce(Ui) -> Result<()>) {
    run_seeded_app_test(name, |_| Ok(()), body).await
}

/// [`run_app_test`] with the data directory prepared by `seed` before the app starts.
pub async fn run_seeded_app_test(
    name: &str,
    seed: impl FnOnce(&Path) -> Result<()>,
    body: impl AsyncFnOnce(Ui) -> Result<()>,
) {
    run_app_test_with(name, &[], seed, body).await
}

/// [`run_seeded_app_test`] with the app started with `args` beyond its data directory (e.g.
/// `--wild`).
pub async fn run_app_test_with(
    name: &str,
    args: &[&str],
    seed: impl FnOnce(&Path) -> Result<()>,
    body: impl AsyncFnOnce(Ui) -> Result<()>,
) {
    let _serial = SERIAL.lock().await;
    let mut harness = match Harness::start(name, args) {
        Ok(h) => h,
        Err(e) => panic!("E2E test `{name}` could not start: {e:#}"),
    };
    if let Err(e) = seed(&harness.data_dir) {
        panic!("E2E test `{name}` could not prepare its data directory: {e:#}");
    }
    let ui = match harness.connect().await {
        Ok(ui) => ui,
        Err(e) => {
            let log = harness.log_tail();
            drop(harness);
            panic!("E2E test `{name}` could not open the app window: {e:#}\n\n{log}");
        }
    };

    let started = Instant::now();
    let outcome = tokio::time::timeout(TEST_TIMEOUT, CatchUnwind(Box::pin(body(ui.clone())))).await;
    let error = match outcome {
        Ok(Ok(Ok(()))) => None,
        Ok(Ok(Err(e))) => Some(format!("{e:#}")),
        Ok(Err(panic)) => Some(format!("panicked: {}", panic_text(&panic))),
        Err(_) => Some(format!("did not finish within {} s", TEST_TIMEOUT.as_secs())),
    };
    let report = match &error {
        None => None,
        Some(e) => Some(failure_report(name, e, &ui, &harness).await),
    };
    match tokio::time::timeout(Duration::from_secs(10), ui.client.close()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("E2E `{name}`: closing the WebDriver session failed: {e}"),
        Err(_) => eprintln!("E2E `{name}`: closing the WebDriver session timed out"),
    }
    drop(harness);
    match report {
        Some(report) => panic!("{report}"),
        None => eprintln!("E2E test `{name}` passed in {:.1} s", started.elapsed().as_secs_f64()),
    }
}

async fn failure_report(name: &str, error: &str, ui: &Ui, harness: &Harness) -> String {
    let shot = match ui.screenshot(&format!("failure-{name}")).await {
        Ok(path) => format!("screenshot: {}", path.display()),
        Err(e) => format!("no screenshot: {e:#}"),
    };
    let mut text = match ui.visible_text().await {
        Ok(t) => t.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n"),
        Err(e) => format!("(cannot read the page: {e:#})"),
    };
    if text.chars().count() > 4000 {
        text = text.chars().take(4000).collect::<String>() + "\n…(cut)";
    }
    format!(
        "E2E test `{name}` failed: {error}\n{shot}\n\n--- visible text of the window ---\n{text}\n--- end of visible text ---\n\n{}",
        harness.log_tail()
    )
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".into())
}

/// Turns a panic inside the test body into a value, so the failure screenshot is still taken.
struct CatchUnwind<'a, T>(Pin<Box<dyn Future<Output = T> + 'a>>);

impl<T> Future for CatchUnwind<'_, T> {
    type Output = std::thread::Result<T>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        match std::panic::catch_unwind(AssertUnwindSafe(|| self.0.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// The processes behind one test; `Drop` stops them.
pub struct Harness {
    name: String,
    app: PathBuf,
    data_dir: PathBuf,
    port: u16,
    /// WebKitWebDriver's, which tauri-driver starts beside itself and forwards sessions to.
    native_port: u16,
    log_path: PathBuf,
    driver: Option<Child>,
    xvfb: Option<(Child, ChildStdout)>,
    /// What the driver (and so the app) was started with beyond the inherited environment.
    env: Vec<(String, String)>,
    /// The app's arguments beyond `--data-dir`.
    app_args: Vec<String>,
    _tmp: tempfile::TempDir,
}

impl Harness {
    fn start(name: &str, app_args: &[&str]) -> Result<Harness> {
        let app = app_binary()?;
        warn_if_stale(&app);
        let driver_bin = find_program("TAURI_DRIVER", "tauri-driver", &[home_path(".cargo/bin/tauri-driver")])
            .context("tauri-driver is not installed: run `cargo install tauri-driver --locked`")?;
        let webkit_driver =
            find_program("WEBKIT_WEBDRIVER", "WebKitWebDriver", &[PathBuf::from("/usr/bin/WebKitWebDriver")])
                .context("WebKitWebDriver is not installed: `apt-get install webkit2gtk-driver`")?;

        std::fs::create_dir_all(artifacts_dir())?;
        // A failure screenshot of an earlier run would only mislead.
        let _ = std::fs::remove_file(artifacts_dir().join(format!("failure-{name}.png")));
        let tmp = tempfile::Builder::new().prefix("approval-inbox-e2e-").tempdir()?;
        let data_dir = tmp.path().join("data");
        for dir in ["data", "xdg-data", "xdg-config", "xdg-cache"] {
            std::fs::create_dir_all(tmp.path().join(dir))?;
        }
        let log_path = artifacts_dir().join(format!("{name}-driver.log"));
        let mut harness = Harness {
            name: name.to_owned(),
            app,
            data_dir,
            port: 0,
            native_port: 0,
            log_path,
            driver: None,
            xvfb: None,
            env: vec![],
            app_args: app_args.iter().map(|a| a.to_string()).collect(),
            _tmp: tmp,
        };

        // A display: the caller's (e.g. under `xvfb-run -a`), or an own Xvfb on a free number.
        let display = match std::env::var("DISPLAY").ok().filter(|d| !d.is_empty()) {
            Some(d) => d,
            None => {
                let (child, stdout, display) = start_xvfb()?;
                harness.xvfb = Some((child, stdout));
                display
            }
        };

        (harness.port, harness.native_port) = two_free_ports()?;
        let native_port = harness.native_port;
        let log = File::create(&harness.log_path)?;
        let tmp = harness._tmp.path();
        harness.env = [
            ("DISPLAY", display.clone()),
            ("APPROVAL_INBOX_DATA_DIR", harness.data_dir.display().to_string()),
            ("XDG_DATA_HOME", tmp.join("xdg-data").display().to_string()),
            ("XDG_CONFIG_HOME", tmp.join("xdg-config").display().to_string()),
            ("XDG_CACHE_HOME", tmp.join("xdg-cache").display().to_string()),
            ("INBOX_LOG", std::env::var("INBOX_LOG").unwrap_or_else(|_| "info".into())),
            ("NO_COLOR", "1".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        if harness.xvfb.is_some() {
            // Our own bare Xvfb: keep GTK off Wayland.
            harness.env.push(("GDK_BACKEND".into(), "x11".into()));
        }
        let mut cmd = Command::new(&driver_bin);
        cmd.arg("--port")
            .arg(harness.port.to_string())
            .arg("--native-port")
            .arg(native_port.to_string())
            .arg("--native-driver")
            .arg(&webkit_driver)
            // Inherited by WebKitWebDriver and the app.
            .envs(harness.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        harness.driver = Some(cmd.spawn().with_context(|| format!("starting {}", driver_bin.display()))?);
        eprintln!(
            "E2E `{name}`: DISPLAY={display}, tauri-driver on :{} (WebKitWebDriver :{native_port}), data dir {}, log {}",
            harness.port,
            harness.data_dir.display(),
            harness.log_path.display()
        );
        Ok(harness)
    }

    /// Waits for tauri-driver and the WebKitWebDriver behind it (a session asked for before the
    /// latter listens is refused), then opens a session, which starts the app.
    async fn connect(&mut self) -> Result<Ui> {
        let deadline = Instant::now() + Duration::from_secs(20);
        for port in [self.port, self.native_port] {
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                if let Some(status) = self.driver.as_mut().and_then(|d| d.try_wait().ok().flatten()) {
                    bail!("tauri-driver exited at start ({status})");
                }
                if Instant::now() >= deadline {
                    bail!("the WebDriver port {port} was not open within 20 s");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        let mut caps = serde_json::Map::new();
        let mut args = vec!["--data-dir".to_string(), self.data_dir.display().to_string()];
        args.extend(self.app_args.iter().cloned());
        caps.insert("tauri:options".into(), json!({ "application": self.app, "args": args }));
        let mut builder = ClientBuilder::native();
        builder.capabilities(caps);
        let url = format!("http://127.0.0.1:{}", self.port);
        let launched_at = SystemTime::now();
        let client = tokio::time::timeout(START_TIMEOUT, builder.connect(&url))
            .await
            .with_context(|| format!("no WebDriver session within {} s", START_TIMEOUT.as_secs()))?
            .context("tauri-driver refused the new session")?;
        let launch = Launch { app: self.app.clone(), data_dir: self.data_dir.clone(), env: self.env.clone() };
        let ui = Ui { client, launch, launched_at };
        wait_for("the app's window to show the inbox (box-todo)", START_TIMEOUT, async || {
            Ok(ui.exists(&tid("box-todo")).await?.then_some(()))
        })
        .await?;
        Ok(ui)
    }

    /// The last lines of tauri-driver's output, which also carries WebKitWebDriver's and the app's.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(40)..].join("\n");
        format!("--- last lines of {} ---\n{tail}\n--- end of log ---", self.log_path.display())
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(mut driver) = self.driver.take() {
            // SIGTERM lets tauri-driver stop WebKitWebDriver; SIGKILL would orphan it.
            if !terminate(&mut driver, Duration::from_secs(10)) {
                eprintln!("E2E `{}`: tauri-driver (pid {}) did not stop after SIGTERM", self.name, driver.id());
            }
        }
        // Now and then (seen about 1 in 6 runs on a busy machine) the app does not quit when its
        // WebDriver session ends and stays idle, orphaned. Stop it too: it is the process started
        // with our own (unique) data directory.
        let deadline = Instant::now() + Duration::from_secs(2);
        while !pids_with_arg(&self.data_dir).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        for pid in pids_with_arg(&self.data_dir) {
            eprintln!(
                "E2E `{}`: the app (pid {pid}) did not quit with its WebDriver session; sending SIGTERM",
                self.name
            );
            sigterm(pid);
        }
        if let Some((mut xvfb, _stdout)) = self.xvfb.take() {
            if !terminate(&mut xvfb, Duration::from_secs(5)) {
                let _ = xvfb.kill();
                let _ = xvfb.wait();
            }
        }
    }
}

/// The app binary: `$APPROVAL_INBOX_BIN`, else `approval-inbox` in the same target dir as this
/// test binary (target/debug/deps/app-… → target/debug/approval-inbox).
fn app_binary() -> Result<PathBuf> {
    let path = match std::env::var_os("APPROVAL_INBOX_BIN") {
        Some(p) => PathBuf::from(p),
        None => {
            let exe = std::env::current_exe()?;
            let profile_dir = exe.parent().and_then(Path::parent).context("where is the target directory?")?;
            profile_dir.join("approval-inbox")
        }
    };
    if !path.is_file() {
        bail!(
            "the app binary {} does not exist. The e2e tests do not build it: run `cargo build -p approval-inbox` first \
             (from /work/main; it needs ui/dist, built with `npm run build` in ui/)",
            path.display()
        );
    }
    Ok(path.canonicalize()?)
}

/// A hint (not a failure) when the sources look newer than the app binary.
fn warn_if_stale(app: &Path) {
    let Ok(built) = std::fs::metadata(app).and_then(|m| m.modified()) else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let newer: Vec<String> = ["src-tauri/src", "crates/inbox-core/src", "crates/vendor-sim/src", "ui/dist"]
        .iter()
        .filter(|dir| newest_mtime(&root.join(dir)).is_some_and(|t| t > built))
        .map(|dir| dir.to_string())
        .collect();
    if !newer.is_empty() {
        eprintln!(
            "E2E warning: {} changed after {} was built; run `cargo build -p approval-inbox` to test the current code",
            newer.join(", "),
            app.display()
        );
    }
}

fn newest_mtime(dir: &Path) -> Option<SystemTime> {
    let mut newest = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let t = if path.is_dir() { newest_mtime(&path) } else { entry.metadata().and_then(|m| m.modified()).ok() };
        newest = newest.max(t);
    }
    newest
}

fn home_path(rel: &str) -> PathBuf {
    Path::new(&std::env::var_os("HOME").unwrap_or_default()).join(rel)
}

/// `$ENV_VAR`, else `name` on the PATH, else the first existing `fallbacks`.
fn find_program(env_var: &str, name: &str, fallbacks: &[PathBuf]) -> Result<PathBuf> {
    if let Some(p) = std::env::var_os(env_var) {
        return Ok(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .chain(fallbacks.iter().cloned())
        .find(|p| p.is_file())
        .with_context(|| format!("{name} not found on PATH (or set ${env_var})"))
}

/// Two distinct free ports (tauri-driver's and WebKitWebDriver's): both listeners are held
/// until both are known, since a port released at once may be handed out again (two tests saw
/// tauri-driver and WebKitWebDriver given the same port and the session refused).
fn two_free_ports() -> Result<(u16, u16)> {
    let first = TcpListener::bind("127.0.0.1:0")?;
    let second = TcpListener::bind("127.0.0.1:0")?;
    Ok((first.local_addr()?.port(), second.local_addr()?.port()))
}

/// Starts Xvfb on the first free display number (it writes the number to its stdout).
fn start_xvfb() -> Result<(Child, ChildStdout, String)> {
    let mut child = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("DISPLAY is not set and Xvfb cannot start (apt-get install xvfb, or run under `xvfb-run -a`)")?;
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line)?;
    let number = line.trim();
    if number.is_empty() {
        let status = child.wait()?;
        bail!("Xvfb exited without opening a display ({status})");
    }
    Ok((child, stdout.into_inner(), format!(":{number}")))
}

fn sigterm(pid: u32) {
    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).stderr(Stdio::null()).status();
}

/// SIGTERM, then waits up to `grace` for the exit; true when the process is gone.
fn terminate(child: &mut Child, grace: Duration) -> bool {
    if let Ok(Some(_)) = child.try_wait() {
        return true;
    }
    sigterm(child.id());
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Live processes that have `arg` among their command-line arguments.
fn pids_with_arg(arg: &Path) -> Vec<u32> {
    let arg = arg.as_os_str().as_encoded_bytes();
    let Ok(entries) = std::fs::read_dir("/proc") else { return vec![] };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let zombie = stat.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('Z'));
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            !zombie && cmdline.split(|b| *b == 0).any(|a| a == arg)
        })
        .collect()
}
