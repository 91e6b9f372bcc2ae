//! The 则一 relay: a small server a company runs once, on a host 则一 whitelists and can call.
//! It holds the company's 则一 credentials (never the desktops), relays each employee's sends
//! and cancels after checking their token and that they send as their own 工号, receives
//! 则一's callbacks with the desktop listener's checks and stores each accepted result before
//! answering, and lets each desktop pull the results of the approvals it sent (long-poll, a
//! cursor, at least once). State lives in one SQLite file or in PostgreSQL for several
//! instances behind a load balancer. docs/relay.md describes the HTTP API and the deployment.

pub mod api;
mod callbacks;
pub mod config;
pub mod db;
mod desktop;
mod events;
pub mod metrics;
pub mod tokens;
pub mod upstream;

use crate::config::{Config, ZeyiConfig};
use crate::db::{Added, Db, DbError};
use crate::events::Notifier;
use crate::metrics::Metrics;
use crate::tokens::Verifier;
use crate::upstream::Upstream;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use inbox_core::callback::Limits;
use inbox_core::connectors::zeyi::auth::{Cipher, KeyPair};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long accepted callback nonces are remembered: longer than the 5-minute timestamp window
/// on either side, so a replay is refused for its nonce or for its age.
pub const NONCE_MEMORY: Duration = Duration::from_secs(15 * 60);
/// How long a business id's sender is remembered after its last news: approvals can wait for
/// months; a year and a month covers a yearly cycle.
pub const SUBMISSION_MEMORY: Duration = Duration::from_secs(400 * 86_400);
/// How often retention runs.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// Largest desktop request body (a send form with its items; files travel as URLs).
const MAX_API_BODY: usize = 1024 * 1024;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Why the relay could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the 则一 settings are missing (zeyi.base_url and the keys: docs/relay.md)")]
    NoZeyi,
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("{0}")]
    Upstream(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: SocketAddr, reason: String },
}

/// What every handler shares.
pub(crate) struct Shared {
    pub db: Db,
    pub upstream: Upstream,
    pub callback_keys: KeyPair,
    pub callback_cipher: Option<Cipher>,
    pub tokens: Verifier,
    pub notifier: Notifier,
    pub metrics: Metrics,
    pub bucket: Mutex<callbacks::Bucket>,
    pub max_poll: Duration,
    /// The highest cursor each user acknowledged, as this instance last wrote it (saves a write
    /// per poll when nothing advanced).
    pub acked: Mutex<HashMap<String, i64>>,
    /// Turns true when the server stops: waiting long-polls answer at once.
    pub stopping: watch::Receiver<bool>,
}

/// A running relay; it stops when dropped or by [`RelayServer::shutdown`].
pub struct RelayServer {
    /// e.g. `http://127.0.0.1:40123` (no trailing slash).
    pub base_url: String,
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl RelayServer {
    /// The URL to give 则一 for its callbacks (behind whatever proxy exposes it).
    pub fn callback_url(&self) -> String {
        format!("{}{}", self.base_url, api::CALLBACK_PATH)
    }

    /// The storage this relay uses.
    pub fn db(&self) -> &Db {
        &self.shared.db
    }

    /// Stops accepting, answers waiting long-polls, lets open requests finish (at most two
    /// seconds), closes the database.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        let mut tasks = std::mem::take(&mut self.tasks);
        if !tasks.is_empty() {
            let server = tasks.remove(0);
            let abort = server.abort_handle();
            if tokio::time::timeout(Duration::from_secs(2), server).await.is_err() {
                abort.abort();
            }
        }
        for task in tasks {
            task.abort();
        }
        self.shared.db.close().await;
    }
}

impl Drop for RelayServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Opens the storage and serves the relay on `config.listen` (port 0 = a free port).
pub async fn start(config: Config) -> Result<RelayServer, StartError> {
    let zeyi = config.zeyi.clone().ok_or(StartError::NoZeyi)?;
    zeyi.validate()?;
    let db = Db::connect_server(&config.storage).await?;
    start_with(config.listen, &zeyi, db, config.retention, config.max_poll, config.callback_limits).await
}

/// Serves the relay with an open storage.
pub async fn start_with(
    listen: SocketAddr,
    zeyi: &ZeyiConfig,
    db: Db,
    retention: Duration,
    max_poll: Duration,
    limits: Limits,
) -> Result<RelayServer, StartError> {
    let upstream = Upstream::new(zeyi).map_err(StartError::Upstream)?;
    let callback_keys = zeyi.callback_keys();
    let callback_cipher = if zeyi.encrypt {
        Some(
            callback_keys
                .cipher(&zeyi.iv)
                .map_err(|e| StartError::Upstream(format!("zeyi callback encryption: {e}")))?,
        )
    } else {
        None
    };
    let (stop, stopping) = watch::channel(false);
    let shared = Arc::new(Shared {
        db,
        upstream,
        callback_keys,
        callback_cipher,
        tokens: Verifier::default(),
        notifier: Notifier::default(),
        metrics: Metrics::default(),
        bucket: Mutex::new(callbacks::Bucket::full(limits)),
        max_poll,
        acked: Mutex::default(),
        stopping,
    });
    let mut tasks = Vec::new();
    // Other instances' events arrive through PostgreSQL: listen before serving, so no
    // long-poll started here can miss one.
    if let Some(pool) = shared.db.pg_pool() {
        let listener = events::pg_listener(pool).await.map_err(StartError::Db)?;
        tasks.push(tokio::spawn(events::relay_notifications(listener, pool.clone(), Arc::clone(&shared))));
    }
    tasks.push(tokio::spawn(prune_forever(Arc::clone(&shared), retention)));

    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| StartError::Listen { addr: listen, reason: e.to_string() })?;
    let bound = listener.local_addr().map_err(|e| StartError::Listen { addr: listen, reason: e.to_string() })?;
    let app = router(Arc::clone(&shared), limits);
    let mut stopped = stop.subscribe();
    let server = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|s| *s).await;
        });
        if let Err(err) = serve.await {
            tracing::error!(%err, "the relay's HTTP server failed");
        }
    });
    tasks.insert(0, server);
    let mut shown = bound;
    if bound.ip().is_unspecified() {
        shown.set_ip(if bound.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let storage = if shared.db.is_postgres() { "PostgreSQL" } else { "SQLite" };
    tracing::info!(addr = %bound, storage, zeyi = %zeyi.base_url, encrypt = zeyi.encrypt, "inbox-relay listening");
    Ok(RelayServer { base_url: format!("http://{shown}"), addr: bound, shared, stop, tasks })
}

fn router(shared: Arc<Shared>, limits: Limits) -> Router {
    let callback = Router::new()
        .route(api::CALLBACK_PATH, post(callbacks::callback))
        .layer(DefaultBodyLimit::max(limits.max_body));
    let desktop = Router::new()
        .route(api::SEND_PATH, post(desktop::send))
        .route(api::CANCEL_PATH, post(desktop::cancel))
        .route(api::EVENTS_PATH, get(events::events))
        .route(api::ME_PATH, get(desktop::me))
        .layer(DefaultBodyLimit::max(MAX_API_BODY));
    Router::new()
        .merge(callback)
        .merge(desktop)
        .route(api::HEALTH_PATH, get(desktop::health))
        .route(api::METRICS_PATH, get(desktop::metrics))
        .with_state(shared)
}

/// Retention, now and every hour: events older than `retention`, nonces older than
/// [`NONCE_MEMORY`], business ids untouched for [`SUBMISSION_MEMORY`].
async fn prune_forever(shared: Arc<Shared>, retention: Duration) {
    loop {
        let now = now_ms();
        let ms = |d: Duration| d.as_millis() as i64;
        match shared.db.prune(now - ms(retention), now - ms(NONCE_MEMORY), now - ms(SUBMISSION_MEMORY)).await {
            Ok(p) if p != db::Pruned::default() => tracing::info!(
                events = p.events,
                nonces = p.nonces,
                submissions = p.submissions,
                "retention removed old rows"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!("retention could not run: {e}"),
        }
        shared.notifier.forget_idle();
        tokio::time::sleep(PRUNE_EVERY).await;
    }
}

/// Why a user could not be added.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("\"{0}\" is not a 工号 the relay accepts: 1–64 letters, digits, '.', '_' or '-'")]
    Username(String),
    #[error("the name must be 1–100 characters without control characters")]
    Name,
    #[error("{0} already has a live token; revoke it first (inbox-relay user revoke {0}), then add again")]
    Exists(String),
    #[error(transparent)]
    Token(#[from] tokens::TokenError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Adds a user (or gives a revoked one a new token) and returns the token, to show once.
pub async fn add_user(db: &Db, username: &str, name: &str) -> Result<(Added, String), UserError> {
    let username = username.trim();
    let name = name.trim();
    if !tokens::valid_username(username) {
        return Err(UserError::Username(username.to_string()));
    }
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(UserError::Name);
    }
    let issued =
        tokio::task::spawn_blocking(tokens::issue).await.map_err(|e| tokens::TokenError::Hashing(e.to_string()))??;
    match db.add_user(username, name, &issued.token_id, &issued.hash, now_ms()).await? {
        Added::Exists => Err(UserError::Exists(username.to_string())),
        added => Ok((added, issued.token)),
    }
}
