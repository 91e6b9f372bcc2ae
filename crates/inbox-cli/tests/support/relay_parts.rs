//! The processes of the 则一 relay path, shared by the CLI's relay test (`relay.rs`) and the
//! window's (`tests/app.rs`, through `#[path]`): 则一 as `vendor-sim serve` with its whitelist,
//! and `inbox-relay` on a SQLite file or a throwaway PostgreSQL with 则一's keys in its config.
//! The including crate declares the `pg` and `spawned` modules beside this one.
#![allow(dead_code)] // each including test uses its own part

use super::pg;
use super::spawned::{workspace_binary, Spawned};
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::time::Duration;

/// How long a server may take to print its first line on a busy machine.
pub const STARTUP: Duration = Duration::from_secs(60);
/// The address the relay calls 则一 from, and the only one 则一's whitelist admits.
pub const RELAY_OUTBOUND: &str = "127.0.0.2";

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// 则一 (the simulator) and what the relay needs of it: its URL, keys and encryption.
pub struct Zeyi {
    _process: Spawned,
    pub base_url: String,
    line: Map<String, Value>,
}

impl Zeyi {
    /// `vendor-sim serve` with the whitelist; its zeyi line.
    pub fn start() -> Zeyi {
        let mut cmd = std::process::Command::new(workspace_binary("vendor-sim", "vendor-sim", "VENDOR_SIM_BIN"));
        cmd.args(["serve", "--addr", "127.0.0.1:0", "--approvals", "0", "--zeyi-whitelist", RELAY_OUTBOUND]);
        let process = Spawned::start("vendor-sim serve", cmd);
        let line = loop {
            let line: Map<String, Value> = serde_json::from_str(&process.next_line(STARTUP)).unwrap();
            if line["vendor"] == "zeyi" {
                break line;
            }
        };
        Zeyi { base_url: line["base_url"].as_str().unwrap().to_string(), _process: process, line }
    }

    pub fn setting(&self, key: &str) -> String {
        self.line["settings"][key]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| self.line["settings"][key].to_string())
    }

    pub fn secret(&self, key: &str) -> String {
        self.line["secrets"][key].as_str().unwrap().to_string()
    }

    /// An admin call to the simulator (not 则一's API: no whitelist there).
    pub fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base_url);
        runtime().block_on(async {
            let http = reqwest::Client::new();
            let req = if method == "GET" { http.get(url) } else { http.post(url).json(&body.unwrap_or_default()) };
            req.send().await.unwrap().json().await.unwrap()
        })
    }

    /// The approvals 则一 holds, as the simulator shows them.
    pub fn audits(&self) -> Vec<Value> {
        self.admin("GET", "/__sim/zeyi/audits", None)["audits"].as_array().unwrap().clone()
    }
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// The relay's storage arguments and its configuration file.
pub struct RelaySetup {
    pub dir: tempfile::TempDir,
    storage: Vec<String>,
    config: PathBuf,
    port: u16,
}

impl RelaySetup {
    pub fn new(backend: Backend, zeyi: &Zeyi) -> RelaySetup {
        let dir = tempfile::tempdir().unwrap();
        let storage = match backend {
            Backend::Sqlite => vec!["--data-dir".to_string(), dir.path().join("relay").display().to_string()],
            Backend::Postgres => vec!["--database-url".to_string(), runtime().block_on(pg::fresh_database())],
        };
        let config = dir.path().join("relay.toml");
        let text = format!(
            "[zeyi]\nbase_url = \"{}\"\napp_key = \"{}\"\napp_secret = \"{}\"\nencrypt = {}\niv = \"{}\"\ncallback_app_key = \"{}\"\ncallback_app_secret = \"{}\"\noutbound_addr = \"{RELAY_OUTBOUND}\"\n",
            zeyi.base_url,
            zeyi.setting("app_key"),
            zeyi.secret("app_secret"),
            zeyi.setting("encrypt"),
            zeyi.setting("iv"),
            zeyi.setting("callback_app_key"),
            zeyi.secret("callback_app_secret"),
        );
        std::fs::write(&config, text).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
        // One port for the relay's whole life here: stopped and started again, it keeps its URL.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        RelaySetup { dir, storage, config, port }
    }

    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(relay_binary());
        cmd.args(args).args(&self.storage).arg("--config").arg(&self.config).env_remove("INBOX_RELAY_CONFIG");
        cmd.current_dir(self.dir.path());
        cmd
    }

    /// `inbox-relay user add`: the token it prints once.
    pub fn user(&self, username: &str, name: &str) -> String {
        let out = self.command(&["user", "add", username, "--name", name]).output().unwrap();
        assert!(out.status.success(), "user add: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// `inbox-relay serve` until the guard drops; waits for its "listening" line.
    pub fn serve(&self) -> Spawned {
        let listen = format!("127.0.0.1:{}", self.port);
        let relay = Spawned::start("inbox-relay serve", self.command(&["serve", "--listen", &listen]));
        let deadline = std::time::Instant::now() + STARTUP;
        while !relay.stderr().contains("inbox-relay: listening on") {
            assert!(std::time::Instant::now() < deadline, "the relay did not start: {}", relay.stderr());
            std::thread::sleep(Duration::from_millis(50));
        }
        relay
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

pub fn relay_binary() -> PathBuf {
    workspace_binary("inbox-relay", "inbox-relay", "INBOX_RELAY_BIN")
}
