//! The callback listener: an embedded HTTP server that receives what push vendors send us —
//! today 则一's approval result (`POST /tms-service-api/audit/callback`). A callback is
//! accepted only when, in this order: the request rate and body size are within limits; the
//! `appKey` header names a zeyi account's `callback_app_key`; `sign` matches (constant-time)
//! the md5 rule with the key pair we issued; `timestamp` is within 5 minutes; the `nonce` was
//! never accepted before; the body (decrypted when the account encrypts) is the document's
//! callback (its ids and `type` at least; words the document does not list are kept as sent,
//! `connectors::zeyi::map`). Only then are the nonce recorded and the approval updated in the cache (one
//! SQLite transaction: both or neither) and success answered. Anything else is refused with a
//! clear status and the envelope, and nothing stored. It binds loopback unless told otherwise
//! (docs/zeyi-protocol.md says how to expose it).

use crate::connectors::zeyi::{self, auth, map, wire::CallbackBody};
use crate::model::Vendor;
use crate::service::Service;
use crate::store::{now, Account};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

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

/// Request limits of the listener.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest accepted body in bytes (larger → 413).
    pub max_body: usize,
    /// Sustained requests per second (more → 429).
    pub per_second: f64,
    /// Requests allowed in a burst.
    pub burst: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_body: 64 * 1024, per_second: 20.0, burst: 50.0 }
    }
}

/// A running listener; it stops when dropped or by [`CallbackServer::shutdown`].
pub struct CallbackServer {
    /// e.g. `http://127.0.0.1:40123` (no trailing slash).
    pub base_url: String,
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl CallbackServer {
    /// The full callback URL to give 则一 (behind whatever proxy exposes it).
    pub fn callback_url(&self) -> String {
        format!("{}{CALLBACK_PATH}", self.base_url)
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
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let app = router(service, limits);
    let task = tokio::spawn(async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(err) = server.await {
            tracing::error!(%err, "callback listener failed");
        }
    });
    let mut shown = bound;
    if bound.ip().is_unspecified() {
        shown.set_ip(if bound.is_ipv4() { std::net::Ipv4Addr::LOCALHOST.into() } else { std::net::Ipv6Addr::LOCALHOST.into() });
    }
    tracing::info!(addr = %bound, "callback listener on {CALLBACK_PATH}");
    Ok(CallbackServer { base_url: format!("http://{shown}"), addr: bound, stop: Some(stop), task: Some(task) })
}

/// The listener's routes, to mount elsewhere or drive in tests.
pub fn router(service: Arc<Service>, limits: Limits) -> Router {
    let state = Listener { service, bucket: Arc::new(Mutex::new(Bucket::full(limits))) };
    Router::new().route(CALLBACK_PATH, post(callback)).layer(DefaultBodyLimit::max(limits.max_body)).with_state(state)
}

#[derive(Clone)]
struct Listener {
    service: Arc<Service>,
    bucket: Arc<Mutex<Bucket>>,
}

/// A token bucket: `burst` requests at once, refilled at `per_second`.
struct Bucket {
    tokens: f64,
    at: Instant,
    limits: Limits,
}

impl Bucket {
    fn full(limits: Limits) -> Self {
        Bucket { tokens: limits.burst, at: Instant::now(), limits }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.at).as_secs_f64() * self.limits.per_second;
        self.tokens = (self.tokens + refill).min(self.limits.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
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
        (self.status, Json(body)).into_response()
    }
}

async fn callback(State(listener): State<Listener>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let allowed = listener.bucket.lock().unwrap_or_else(|p| p.into_inner()).take();
    let outcome = if !allowed {
        Err(refuse(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", "too many callbacks; retry later"))
    } else {
        match body {
            Ok(body) => accept(&listener.service, &headers, &body),
            Err(e) => Err(refuse(e.status(), "BODY_REJECTED", e.body_text())),
        }
    };
    match outcome {
        Ok(result) => Json(json!({ "success": true, "businessException": false, "errorCode": null, "message": null, "result": result })).into_response(),
        Err(r) => {
            tracing::warn!(status = %r.status, code = r.code, "callback refused: {}", r.message);
            r.into_response()
        }
    }
}

/// The headers every callback carries.
struct Signed<'a> {
    app_key: &'a str,
    timestamp: &'a str,
    nonce: &'a str,
    sign: &'a str,
}

fn headers_of(headers: &HeaderMap) -> Result<Signed<'_>, Refusal> {
    let get = |name: &'static str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| refuse(StatusCode::BAD_REQUEST, "HEADER_MISSING", format!("the {name} header is missing")))
    };
    let signed = Signed { app_key: get("appKey")?, timestamp: get("timestamp")?, nonce: get("nonce")?, sign: get("sign")? };
    if signed.nonce.len() != 6 || !signed.nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(refuse(StatusCode::BAD_REQUEST, "HEADER_INVALID", "the nonce must be 6 letters or digits"));
    }
    Ok(signed)
}

/// Verifies, parses and applies one callback; returns the `result` of the answer.
fn accept(service: &Service, headers: &HeaderMap, body: &[u8]) -> Result<Value, Refusal> {
    let h = headers_of(headers)?;
    let account = account_for(service, h.app_key)?;
    let secrets = service.secrets_of(account.id).map_err(|e| internal(&account, e))?;
    let (keys, cipher) = zeyi::callback_keys(&account, &secrets).map_err(|e| internal(&account, e))?;
    let expected = keys.sign(h.timestamp, h.nonce, body);
    if !bool::from(expected.as_bytes().ct_eq(h.sign.to_ascii_lowercase().as_bytes())) {
        return Err(refuse(StatusCode::UNAUTHORIZED, "SIGN_ERROR", NOT_SIGNED));
    }
    let ts: i64 = h.timestamp.parse().map_err(|_| refuse(StatusCode::BAD_REQUEST, "HEADER_INVALID", "the timestamp must be milliseconds"))?;
    let now_ms = auth::timestamp_ms().parse::<i64>().unwrap_or(0);
    if (now_ms - ts).abs() > MAX_SKEW_MS {
        return Err(refuse(StatusCode::UNAUTHORIZED, "TIMESTAMP_EXPIRED", "the timestamp is more than 5 minutes from now"));
    }
    let store = service.store();
    if store.nonce_seen(h.nonce).map_err(|e| internal(&account, e))? {
        return Err(refuse(StatusCode::CONFLICT, "NONCE_REPLAYED", "this nonce was already used"));
    }
    let json = match &cipher {
        Some(c) => c.open(body, h.app_key, h.timestamp, h.nonce).map_err(|e| refuse(StatusCode::BAD_REQUEST, "DECRYPT_ERROR", e.to_string()))?,
        None => body.to_vec(),
    };
    let parsed: CallbackBody = serde_json::from_slice(&json).map_err(|e| refuse(StatusCode::BAD_REQUEST, "BODY_INVALID", format!("not the documented callback: {e}")))?;
    let cached = match store.approval_by_remote(account.id, &parsed.audit_id).map_err(|e| internal(&account, e))? {
        Some(a) => Some(a),
        // Sent, but 则一 never named its auditId (docs/zeyi-protocol.md choice 3): kept by business id.
        None => store.approval_by_remote(account.id, &map::awaiting_audit_id(&parsed.id)).map_err(|e| internal(&account, e))?,
    };
    if let Some((id, _)) = cached.as_ref().and_then(|a| map::business_ref(&a.remote.raw)) {
        if id != parsed.id {
            return Err(refuse(StatusCode::BAD_REQUEST, "BODY_INVALID", format!("auditId {} belongs to business id {id}, not {}", parsed.audit_id, parsed.id)));
        }
    }
    let updated = map::apply_callback(cached.map(|a| a.remote), &parsed, now());
    // The nonce and the result in one transaction: a write that fails keeps neither, so
    // 则一's retry of this same callback is accepted rather than refused as a replay.
    let applied = store.apply_callback(account.id, h.nonce, now(), now() - NONCE_MEMORY_SECS, &updated).map_err(|e| internal(&account, e))?;
    if applied.is_none() {
        return Err(refuse(StatusCode::CONFLICT, "NONCE_REPLAYED", "this nonce was already used"));
    }
    service.announce_changed(account.id);
    tracing::info!(account = %account.name, audit_id = %parsed.audit_id, status = updated.status.as_str(), "callback applied");
    Ok(json!({ "id": parsed.id, "auditId": parsed.audit_id }))
}

/// The zeyi account whose `callback_app_key` is `app_key`.
fn account_for(service: &Service, app_key: &str) -> Result<Account, Refusal> {
    let accounts = service.accounts().map_err(|e| {
        tracing::error!("callback: cannot read accounts: {e}");
        refuse(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "the callback could not be handled; retry later")
    })?;
    accounts
        .into_iter()
        .find(|a| a.vendor == Vendor::Zeyi && a.setting("callback_app_key").is_some_and(|k| bool::from(k.as_bytes().ct_eq(app_key.as_bytes()))))
        // The same answer as a wrong sign: a caller cannot probe which appKeys exist.
        .ok_or_else(|| refuse(StatusCode::UNAUTHORIZED, "SIGN_ERROR", NOT_SIGNED))
}

/// A failure on our side (keychain, cache, configuration): logged with its reason for the
/// user, answered as a bare 500 so the caller learns nothing about our accounts or setup.
fn internal(account: &Account, e: impl std::fmt::Display) -> Refusal {
    tracing::error!(account = %account.name, "callback could not be handled: {e}");
    refuse(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "the callback could not be handled; retry later")
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
    fn the_bucket_refuses_past_its_burst_and_refills() {
        let mut b = Bucket::full(Limits { max_body: 1, per_second: 1000.0, burst: 2.0 });
        assert!(b.take() && b.take());
        b.at = Instant::now();
        b.tokens = 0.0;
        assert!(!b.take());
        std::thread::sleep(Duration::from_millis(5));
        assert!(b.take());
    }
}
