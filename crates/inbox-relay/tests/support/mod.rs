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
use std::time::Duration;
use vendor_sim::zeyi::Sim;
use vendor_sim::RunningServer;
use vendor_sim::Simulator;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

mod pg;
pub use pg::fresh_database;

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
