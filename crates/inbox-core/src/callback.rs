//! The callback listener: an embedded HTTP server that receives what push vendors send us —
//! today 则一's approval result (`POST /tms-service-api/audit/callback`). A callback is
//! accepted only when, in this order: its declared body size (`Content-Length`) is within the
//! limit, and the body arrives within the limit and the body timeout; the four headers are
//! there; the `appKey` header names a zeyi account's `callback_app_key`; `sign` matches
//! (constant-time) the md5 rule with the key pair we issued; `timestamp` is within 5 minutes;
//! its source address still has budget — a request that passed the sign and timestamp checks is
//! charged to the source's budget for signed requests, anything else to the source's budget
//! for other requests, so forged traffic never uses up what 则一's callbacks need (the checks
//! before are cheap: an md5 and a compare, with the accounts and keys read at most once a
//! second); the `nonce` was never accepted before; the body (decrypted when the account
//! encrypts) is the document's callback (its ids and `type` at least; words the document does
//! not list are kept as sent, `connectors::zeyi::map`). Only then are the nonce recorded and the
//! approval updated in the cache (one SQLite transaction: both or neither) and success
//! answered. Anything else is refused with a clear status and the envelope, and nothing stored.
//!
//! Before any of that, the connection itself (issue 14): at most `max_connections` are open; at
//! the cap the oldest one not answering a request is shed for the newcomer; a request header
//! must arrive within `header_timeout` (also between requests on a kept-alive connection) and
//! its body within `body_timeout`. Refusals are counted, not logged one by one: one summary line
//! per `summary_every` says what was refused and why (`limits.rs`). After a flood the freed
//! memory is given back to the system. It binds loopback unless told otherwise
//! (docs/zeyi-protocol.md says how to expose it).

mod limits;
pub mod pull;

pub use limits::Tally;

use crate::connectors::zeyi::auth::{Cipher, KeyPair};
use crate::connectors::zeyi::{self, auth, map, wire::CallbackBody};
use crate::model::now;
use crate::model::Account;
use crate::model::Vendor;
use crate::service::Service;
use axum::body::Body;
use axum::extract::{Extension, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper_util::rt::{TokioIo, TokioTimer};
use limits::{lock, Buckets, Connections, Counters, Rate};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};

/// Where 则一 posts results (the document's path under our host).
pub const CALLBACK_PATH: &str = "/tms-service-api/audit/callback";
/// Where the listener binds unless told otherwise, for the app and `inbox callbacks serve`
/// alike: loopback, so nothing outside this machine reaches it unless the user exposes it
/// (docs/zeyi-protocol.md, "Exposing it"); one fixed port, so the URL given to 则一 and the
/// proxy or tunnel in front of it keep working across restarts.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 17890);
/// How far a callback's `timestamp` may be from our clock.
pub const MAX_SKEW_MS: i64 = 5 * 60 * 1000;
/// The one answer to an unknown appKey and to a wrong sign.
const NOT_SIGNED: &str = "the request is not signed by a known key";
/// How long accepted nonces are remembered: longer than the timestamp window, so a replay is
/// refused either for its nonce or for its age.
const NONCE_MEMORY_SECS: i64 = 15 * 60;
/// How old the accounts and callback keys the listener checks against may be. Reading them for
/// every request would put the cache's lock and the keychain in reach of anyone who can send a
/// request; once a second bounds both, and an account added or changed counts within a second.
const KEYS_FRESH: Duration = Duration::from_secs(1);
/// An appKey not among the accounts read is looked up again after this long, so a callback for
/// an account added a moment ago is not refused for a whole [`KEYS_FRESH`].
const UNKNOWN_KEY_RECHECK: Duration = Duration::from_millis(100);
/// A connection's read buffer may grow to this (hyper's minimum is 8 KiB; its default, about
/// 400 KiB, would let each half-sent connection hold that much). Larger request heads are
/// refused by hyper (431); the body is read through it in pieces.
const MAX_READ_BUFFER: usize = 16 * 1024;

/// Request and connection limits of the listener (defaults in [`Limits::default`]).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest accepted body in bytes; a larger `Content-Length` is refused (413) before reading.
    pub max_body: usize,
    /// Sustained requests per second per source address that do not pass the sign and
    /// timestamp checks (more → 429).
    pub per_second: f64,
    /// Such requests allowed in a burst, per source address.
    pub burst: f64,
    /// Sustained requests per second per source address that pass the sign and timestamp
    /// checks (more → 429, which 则一 retries).
    pub signed_per_second: f64,
    /// Such requests allowed in a burst, per source address.
    pub signed_burst: f64,
    /// Connections open at once; at the cap the oldest not answering a request is shed.
    pub max_connections: usize,
    /// How long a request header may take to arrive, also on an idle kept-alive connection.
    pub header_timeout: Duration,
    /// How long a request body may take to arrive (408 after).
    pub body_timeout: Duration,
    /// Source addresses with a budget of their own; beyond, new sources share one budget.
    pub max_sources: usize,
    /// How often refusals are summarised in one log line (and housekeeping done).
    pub summary_every: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: 64 * 1024,
            per_second: 20.0,
            burst: 50.0,
            signed_per_second: 50.0,
            signed_burst: 200.0,
            max_connections: 256,
            header_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(10),
            max_sources: 4096,
            summary_every: Duration::from_secs(60),
        }
    }
}

/// A running listener; it stops when dropped or by [`CallbackServer::shutdown`].
pub struct CallbackServer {
    /// e.g. `http://127.0.0.1:40123` (no trailing slash).
    pub base_url: String,
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl CallbackServer {
    /// The full callback URL to give 则一 (behind whatever proxy exposes it).
    pub fn callback_url(&self) -> String {
        format!("{}{CALLBACK_PATH}", self.base_url)
    }

    /// What the listener accepted, refused and closed since it started.
    pub fn tally(&self) -> Tally {
        self.shared.counters.total()
    }

    /// Connections open now.
    pub fn open_connections(&self) -> usize {
        self.shared.connections.open()
    }

    /// Stops accepting, lets open requests finish (at most a second), then ends.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(1), task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for CallbackServer {
    fn drop(&mut self) {
        // The accept task owns every connection's task (a JoinSet): aborting it ends them all.
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Serves the listener on `addr` (port 0 = a free port) with the default [`Limits`].
pub async fn serve(service: Arc<Service>, addr: SocketAddr) -> io::Result<CallbackServer> {
    serve_with(service, addr, Limits::default()).await
}

/// Serves the listener on `addr` with `limits`.
pub async fn serve_with(service: Arc<Service>, addr: SocketAddr, limits: Limits) -> io::Result<CallbackServer> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let shared = Arc::new(Shared::new(service, limits, bound));
    let (stop, stopped) = oneshot::channel::<()>();
    let app = router(shared.clone());
    let task = tokio::spawn(run(listener, app, shared.clone(), stopped));
    let mut shown = bound;
    if bound.ip().is_unspecified() {
        shown.set_ip(if bound.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    tracing::info!(addr = %bound, "callback listener on {CALLBACK_PATH}");
    Ok(CallbackServer { base_url: format!("http://{shown}"), addr: bound, shared, stop: Some(stop), task: Some(task) })
}

/// The listener's routes. Private: the limits on connections and timeouts live in [`run`], so
/// the routes are never served without them.
fn router(shared: Arc<Shared>) -> Router {
    Router::new().route(CALLBACK_PATH, post(callback)).fallback(not_here).with_state(shared)
}

/// What every request and connection of one listener shares.
struct Shared {
    service: Arc<Service>,
    limits: Limits,
    addr: SocketAddr,
    connections: Arc<Connections>,
    budgets: Mutex<Budgets>,
    counters: Counters,
    keys: Mutex<KeyCache>,
    /// Held from reading an approval to writing it back, so two callbacks for one approval at
    /// once cannot both build on the same earlier state (one's history would be lost).
    applying: Mutex<()>,
    /// A flood happened and its memory has not been given back yet.
    trim_pending: AtomicBool,
}

/// The two per-source budgets (see the module documentation).
struct Budgets {
    signed: Buckets,
    other: Buckets,
}

/// The zeyi accounts and their callback keys as last read (see [`KEYS_FRESH`]).
#[derive(Default)]
struct KeyCache {
    accounts: Option<(Instant, Vec<Account>)>,
    /// By account id; a failure is kept as well, so a locked keychain is asked once a second,
    /// not once per request.
    keys: HashMap<i64, (Instant, Result<CallbackKeys, String>)>,
}

/// An account's callback key pair and, when it encrypts, its cipher.
type CallbackKeys = (KeyPair, Option<Cipher>);

impl Shared {
    fn new(service: Arc<Service>, limits: Limits, addr: SocketAddr) -> Self {
        let budgets = Budgets {
            signed: Buckets::new(
                Rate { per_second: limits.signed_per_second, burst: limits.signed_burst },
                limits.max_sources,
            ),
            other: Buckets::new(Rate { per_second: limits.per_second, burst: limits.burst }, limits.max_sources),
        };
        Shared {
            service,
            limits,
            addr,
            connections: Connections::new(limits.max_connections),
            budgets: Mutex::new(budgets),
            counters: Counters::default(),
            keys: Mutex::default(),
            applying: Mutex::default(),
            trim_pending: AtomicBool::new(false),
        }
    }

    /// Once per `summary_every`: the summary line, forgetting refilled budgets, and after a
    /// flood (connections shed, many refusals, or the cap half used) giving the freed memory
    /// back once the connections are few again.
    fn housekeeping(&self) {
        let tally = self.counters.take_interval();
        if let Some(line) = tally.summary(self.limits.summary_every, self.limits.header_timeout) {
            tracing::warn!(listener = %self.addr, refused = tally.refused_total(), closed = tally.closed_total(), "callback listener {line}");
        }
        {
            let mut budgets = lock(&self.budgets);
            let now = Instant::now();
            budgets.signed.forget_refilled(now);
            budgets.other.forget_refilled(now);
        }
        let cap = self.connections.cap();
        if tally.shed > 0 || tally.refused_total() >= 100 || tally.most_open * 2 >= cap {
            self.trim_pending.store(true, Ordering::Relaxed);
        }
        if self.connections.open() * 4 <= cap && self.trim_pending.swap(false, Ordering::Relaxed) {
            crate::memory::release_freed();
        }
    }

    /// The zeyi account whose `callback_app_key` is `app_key`.
    fn account_for(&self, app_key: &str) -> Result<Account, Refusal> {
        let find = |accounts: &[Account]| {
            accounts
                .iter()
                .find(|a| {
                    a.vendor == Vendor::Zeyi
                        && a.setting("callback_app_key")
                            .is_some_and(|k| bool::from(k.as_bytes().ct_eq(app_key.as_bytes())))
                })
                .cloned()
        };
        let mut cache = lock(&self.keys);
        let now = Instant::now();
        if let Some((read_at, accounts)) = &cache.accounts {
            let age = now.saturating_duration_since(*read_at);
            if age < KEYS_FRESH {
                if let Some(a) = find(accounts) {
                    return Ok(a);
                }
                if age < UNKNOWN_KEY_RECHECK {
                    return Err(refuse(StatusCode::UNAUTHORIZED, "SIGN_ERROR", NOT_SIGNED));
                }
            }
        }
        let accounts = self.service.accounts().map_err(|e| self.internal(None, e))?;
        let found = find(&accounts);
        cache.accounts = Some((now, accounts));
        // The same answer as a wrong sign: a caller cannot probe which appKeys exist.
        found.ok_or_else(|| refuse(StatusCode::UNAUTHORIZED, "SIGN_ERROR", NOT_SIGNED))
    }

    /// The key pair (and cipher, for an encrypting account) 则一 signs callbacks with.
    fn keys_of(&self, account: &Account) -> Result<CallbackKeys, Refusal> {
        let mut cache = lock(&self.keys);
        let now = Instant::now();
        let fresh = cache
            .keys
            .get(&account.id)
            .filter(|(at, _)| now.saturating_duration_since(*at) < KEYS_FRESH)
            .map(|(_, k)| k.clone());
        let keys = match fresh {
            Some(keys) => keys,
            None => {
                let keys = self
                    .service
                    .secrets_of(account.id)
                    .map_err(|e| e.to_string())
                    .and_then(|s| zeyi::callback_keys(account, &s).map_err(|e| e.to_string()));
                cache.keys.insert(account.id, (now, keys.clone()));
                keys
            }
        };
        keys.map_err(|e| self.internal(Some(account), e))
    }

    /// A failure on our side (keychain, cache, configuration): logged with its reason for the
    /// user (the first of each interval in full; the rest counted in the summary), answered as
    /// a bare 500 so the caller learns nothing about our accounts or setup.
    fn internal(&self, account: Option<&Account>, e: impl std::fmt::Display) -> Refusal {
        if self.counters.log_internal(self.limits.summary_every) {
            match account {
                Some(a) => tracing::error!(account = %a.name, "callback could not be handled: {e}"),
                None => tracing::error!("callback could not be handled: {e}"),
            }
        }
        refuse(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "the callback could not be handled; retry later")
    }
}

/// Accepts connections until told to stop; each is served on its own task, all owned here.
async fn run(listener: TcpListener, app: Router, shared: Arc<Shared>, mut stop: oneshot::Receiver<()>) {
    let every = shared.limits.summary_every.max(Duration::from_millis(10));
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (closing, closing_rx) = watch::channel(false);
    let mut conns = JoinSet::new();
    'accept: loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = tick.tick() => shared.housekeeping(),
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(_) => {
                        // Out of descriptors or memory: counted; a pause instead of a busy loop.
                        shared.counters.count(|t| t.accept_errors += 1);
                        tokio::select! { _ = &mut stop => break, _ = tokio::time::sleep(Duration::from_millis(100)) => continue }
                    }
                };
                let slot = match shared.connections.try_slot() {
                    Some(slot) => slot,
                    None => {
                        if shared.connections.shed_oldest_idle() {
                            shared.counters.count(|t| t.shed += 1);
                        }
                        // The shed connection frees its slot as soon as its task sees the signal;
                        // when all are answering requests, one of those frees it.
                        loop {
                            tokio::select! {
                                _ = &mut stop => break 'accept,
                                slot = shared.connections.slot() => match slot { Some(slot) => break slot, None => break 'accept },
                                Some(_) = conns.join_next(), if !conns.is_empty() => {}
                            }
                        }
                    }
                };
                let (admitted, shed, open) = shared.connections.admit(slot);
                shared.counters.count(|t| t.most_open = t.most_open.max(open));
                conns.spawn(serve_connection(stream, peer, admitted, shed, app.clone(), shared.clone(), closing_rx.clone()));
            }
        }
    }
    drop(listener);
    // Stopping: idle connections close now, requests being answered finish.
    let _ = closing.send(true);
    while conns.join_next().await.is_some() {}
}

/// The peer of a request and its connection's busy flag (set while a read request is answered).
#[derive(Clone)]
struct Peer {
    addr: SocketAddr,
    busy: Arc<AtomicBool>,
}

/// Serves one connection over HTTP/1.1 (则一 posts plain requests; HTTP/2 is not offered) until
/// it ends, times out, is shed, or the listener stops.
async fn serve_connection(
    stream: TcpStream,
    addr: SocketAddr,
    admitted: limits::Admitted,
    mut shed: oneshot::Receiver<()>,
    app: Router,
    shared: Arc<Shared>,
    mut closing: watch::Receiver<bool>,
) {
    let peer = Peer { addr, busy: admitted.busy.clone() };
    let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(peer.clone());
        let mut app = app.clone();
        tower_service::Service::call(&mut app, req)
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(shared.limits.header_timeout).max_buf_size(MAX_READ_BUFFER);
    let conn = http.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let ended = tokio::select! {
        ended = conn.as_mut() => ended,
        // Dropping the connection closes the socket and frees its buffers.
        _ = &mut shed => return,
        // (The guard `wait_for` returns is dropped at once: it must not live across an await.)
        _ = async { closing.wait_for(|c| *c).await.map(|_| ()) } => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = ended {
        if e.is_timeout() {
            shared.counters.count(|t| t.header_timeouts += 1);
        } else {
            shared.counters.count(|t| t.broken += 1);
        }
    }
    drop(admitted);
}

/// Why a callback was refused: the HTTP status, our error code and a sentence.
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

fn refuse(status: StatusCode, code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal { status, code, message: message.into() }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = json!({ "success": false, "businessException": false, "errorCode": self.code, "message": self.message, "result": null });
        let mut response = (self.status, Json(body)).into_response();
        if matches!(self.code, "BODY_REJECTED" | "BODY_TIMEOUT" | "BODY_UNREADABLE") {
            // The rest of the body is not read: the connection ends after the answer.
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// Anything but the callback route: counted with the other refusals.
async fn not_here(State(shared): State<Arc<Shared>>) -> Response {
    shared.counters.refused(404, "NOT_FOUND");
    refuse(StatusCode::NOT_FOUND, "NOT_FOUND", "there is nothing here").into_response()
}

/// Clears a connection's busy flag when its request has been answered.
struct Busy(Arc<AtomicBool>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

async fn callback(State(shared): State<Arc<Shared>>, Extension(peer): Extension<Peer>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    match handle(&shared, &peer, &parts.headers, body).await {
        Ok(result) => {
            shared.counters.count(|t| t.accepted += 1);
            Json(json!({ "success": true, "businessException": false, "errorCode": null, "message": null, "result": result })).into_response()
        }
        Err(r) => {
            shared.counters.refused(r.status.as_u16(), r.code);
            r.into_response()
        }
    }
}

/// One request, through the checks in the module documentation's order.
async fn handle(shared: &Shared, peer: &Peer, headers: &HeaderMap, body: Body) -> Result<Value, Refusal> {
    let limits = &shared.limits;
    let too_large = || {
        refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "BODY_REJECTED",
            format!("the body is larger than {} bytes", limits.max_body),
        )
    };
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_body as u64) {
        return Err(too_large());
    }
    let body = match tokio::time::timeout(limits.body_timeout, Limited::new(body, limits.max_body).collect()).await {
        Err(_) => {
            return Err(refuse(
                StatusCode::REQUEST_TIMEOUT,
                "BODY_TIMEOUT",
                format!("the body did not arrive within {} s", limits.body_timeout.as_secs_f64()),
            ))
        }
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => return Err(too_large()),
        Ok(Err(_)) => return Err(refuse(StatusCode::BAD_REQUEST, "BODY_UNREADABLE", "the body could not be read")),
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    // From here the request is being answered: its connection is not shed for a newer one.
    peer.busy.store(true, Ordering::Release);
    let _busy = Busy(peer.busy.clone());
    let verified = verify(shared, headers, &body);
    let allowed = {
        let mut budgets = lock(&shared.budgets);
        let source = limits::source_of(peer.addr);
        let budget = if verified.is_ok() { &mut budgets.signed } else { &mut budgets.other };
        budget.take(source, Instant::now())
    };
    if !allowed {
        return Err(refuse(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", "too many callbacks; retry later"));
    }
    apply(shared, verified?, &body)
}

/// The headers every callback carries.
struct Signed<'a> {
    app_key: &'a str,
    timestamp: &'a str,
    nonce: &'a str,
    sign: &'a str,
}

fn headers_of(headers: &HeaderMap) -> Result<Signed<'_>, Refusal> {
    let get =
        |name: &'static str| {
            headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty()).ok_or_else(|| {
                refuse(StatusCode::BAD_REQUEST, "HEADER_MISSING", format!("the {name} header is missing"))
            })
        };
    let signed =
        Signed { app_key: get("appKey")?, timestamp: get("timestamp")?, nonce: get("nonce")?, sign: get("sign")? };
    if signed.nonce.len() != 6 || !signed.nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(refuse(StatusCode::BAD_REQUEST, "HEADER_INVALID", "the nonce must be 6 letters or digits"));
    }
    Ok(signed)
}

/// A request whose sign and timestamp passed.
struct Verified<'a> {
    h: Signed<'a>,
    account: Account,
    cipher: Option<Cipher>,
}

/// The cheap checks, with nothing written: headers, appKey, sign, timestamp.
fn verify<'a>(shared: &Shared, headers: &'a HeaderMap, body: &[u8]) -> Result<Verified<'a>, Refusal> {
    let h = headers_of(headers)?;
    let account = shared.account_for(h.app_key)?;
    let (keys, cipher) = shared.keys_of(&account)?;
    let expected = keys.sign(h.timestamp, h.nonce, body);
    if !bool::from(expected.as_bytes().ct_eq(h.sign.to_ascii_lowercase().as_bytes())) {
        return Err(refuse(StatusCode::UNAUTHORIZED, "SIGN_ERROR", NOT_SIGNED));
    }
    let ts: i64 = h
        .timestamp
        .parse()
        .map_err(|_| refuse(StatusCode::BAD_REQUEST, "HEADER_INVALID", "the timestamp must be milliseconds"))?;
    let now_ms = auth::timestamp_ms().parse::<i64>().unwrap_or(0);
    if (now_ms - ts).abs() > MAX_SKEW_MS {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "TIMESTAMP_EXPIRED",
            "the timestamp is more than 5 minutes from now",
        ));
    }
    Ok(Verified { h, account, cipher })
}

/// Nonce, decryption, parsing and the cache update of a verified callback; returns the
/// `result` of the answer.
fn apply(shared: &Shared, v: Verified<'_>, body: &[u8]) -> Result<Value, Refusal> {
    let Verified { h, account, cipher } = v;
    let internal = |e: crate::store::StoreError| shared.internal(Some(&account), e);
    let store = shared.service.store();
    if store.nonce_seen(h.nonce).map_err(&internal)? {
        return Err(refuse(StatusCode::CONFLICT, "NONCE_REPLAYED", "this nonce was already used"));
    }
    let json = match &cipher {
        Some(c) => c
            .open(body, h.app_key, h.timestamp, h.nonce)
            .map_err(|e| refuse(StatusCode::BAD_REQUEST, "DECRYPT_ERROR", e.to_string()))?,
        None => body.to_vec(),
    };
    let parsed: CallbackBody = serde_json::from_slice(&json)
        .map_err(|e| refuse(StatusCode::BAD_REQUEST, "BODY_INVALID", format!("not the documented callback: {e}")))?;
    let _one_at_a_time = lock(&shared.applying);
    let (before, updated) = match result_applied(store, account.id, &parsed).map_err(&internal)? {
        Ok(applied) => applied,
        Err(mismatch) => return Err(refuse(StatusCode::BAD_REQUEST, "BODY_INVALID", mismatch)),
    };
    // The nonce and the result in one transaction: a write that fails keeps neither, so
    // 则一's retry of this same callback is accepted rather than refused as a replay.
    let applied =
        store.apply_callback(account.id, h.nonce, now(), now() - NONCE_MEMORY_SECS, &updated).map_err(&internal)?;
    if applied.is_none() {
        return Err(refuse(StatusCode::CONFLICT, "NONCE_REPLAYED", "this nonce was already used"));
    }
    shared.service.announce_changed(account.id);
    log_applied(&account, &parsed, before, &updated);
    Ok(json!({ "id": parsed.id, "auditId": parsed.audit_id }))
}

/// What a result 则一 reported does to the cache, for the listener and the relay's pull alike:
/// the approval it concerns (by auditId; else by business id, when 则一 never named the auditId,
/// choice 3; else a stranger's, choice 8) as it stood, and as it stands after the result
/// (`map::apply_callback`). Nothing is written. The inner `Err` says, in words, why the result
/// cannot be this approval's (its auditId belongs to another business id).
pub(crate) fn result_applied(
    store: &crate::store::Store,
    account_id: i64,
    parsed: &CallbackBody,
) -> Result<Result<(Option<crate::model::Status>, crate::model::RemoteApproval), String>, crate::store::StoreError> {
    let cached = match store.approval_by_remote(account_id, &parsed.audit_id)? {
        Some(a) => Some(a),
        None => store.approval_by_remote(account_id, &map::awaiting_audit_id(&parsed.id))?,
    };
    if let Some((id, _)) = cached.as_ref().and_then(|a| map::business_ref(&a.remote.raw)) {
        if id != parsed.id {
            return Ok(Err(format!("auditId {} belongs to business id {id}, not {}", parsed.audit_id, parsed.id)));
        }
    }
    let before = cached.as_ref().map(|a| a.remote.status);
    Ok(Ok((before, map::apply_callback(cached.map(|a| a.remote), parsed, now()))))
}

/// One line per applied result; a louder one when it changed an approval that had ended.
pub(crate) fn log_applied(
    account: &Account,
    parsed: &CallbackBody,
    before: Option<crate::model::Status>,
    updated: &crate::model::RemoteApproval,
) {
    match before.filter(|s| s.is_final() && *s != updated.status) {
        Some(was) => {
            tracing::warn!(account = %account.name, audit_id = %parsed.audit_id, was = was.as_str(), status = updated.status.as_str(), "a result changed an ended approval (its history says so)")
        }
        None => {
            tracing::info!(account = %account.name, audit_id = %parsed.audit_id, status = updated.status.as_str(), "result applied")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_address_is_loopback_port_17890() {
        // The README, docs/zeyi-protocol.md and what users gave 则一 name this address.
        assert_eq!(DEFAULT_ADDR.to_string(), "127.0.0.1:17890");
    }

    #[test]
    fn the_default_limits_hold_the_documented_values() {
        // docs/zeyi-protocol.md and SECURITY.md quote these.
        let l = Limits::default();
        assert_eq!(
            (l.max_body, l.max_connections, l.header_timeout, l.body_timeout),
            (64 * 1024, 256, Duration::from_secs(5), Duration::from_secs(10))
        );
        assert_eq!((l.per_second, l.burst, l.signed_per_second, l.signed_burst), (20.0, 50.0, 50.0, 200.0));
    }
}
