//! The axum side of the 则一 simulator: `POST /tms-service-api/audit/{send,cancel}` behind the
//! header and sign check (and decryption when the app encrypts), replies in the envelope
//! (always HTTP 200, choice 2), and the `/__sim/zeyi/*` admin routes.

use crate::common::Simulator;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::state::{self, ApiError, Verdict};
use super::{crypto, now_ms, Sim, API_PREFIX};
use crate::common::{admin_routes, with_faults};

/// Requests are small JSON documents.
const MAX_BODY: usize = 1024 * 1024;

pub fn router(sim: Sim) -> Router {
    let api = Router::new()
        .route(&format!("{API_PREFIX}/send"), post(send))
        .route(&format!("{API_PREFIX}/cancel"), post(cancel))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(sim.clone());
    let admin = Router::new()
        .route("/__sim/zeyi/decide", post(decide))
        .route("/__sim/zeyi/callback-url", post(callback_url))
        .route("/__sim/zeyi/auto-decide", post(auto_decide))
        .route("/__sim/zeyi/stall", post(stall))
        .route("/__sim/zeyi/audits", get(audits))
        .with_state(sim.clone());
    // The whitelist is outermost: a caller it refuses reaches nothing else, faults included.
    let api = with_faults(api, sim.faults().clone()).layer(middleware::from_fn_with_state(sim.clone(), whitelisted));
    api.merge(admin).merge(admin_routes(sim.faults().clone()))
}

/// Refuses a caller whose address is not on the whitelist ([`Sim::set_whitelist`]), before
/// anything is read or checked. The peer address comes from the server (`serve_router` adds
/// it); a router served without it knows no caller, which a whitelist refuses.
async fn whitelisted(State(sim): State<Sim>, req: Request, next: Next) -> Response {
    let caller = req.extensions().get::<ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    match sim.admits(caller) {
        Ok(()) => next.run(req).await,
        Err(e) => {
            tracing::info!(caller = ?caller, "refused: not on the whitelist");
            respond(Err(e))
        }
    }
}

/// Checks the four headers, the appKey and the sign over the body as received; decrypts when
/// the app encrypts; returns the JSON body.
pub fn verified(state: &state::State, headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let header = |name: &str| {
        headers.get(name).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty()).ok_or_else(|| ApiError::header(name))
    };
    let (app_key, timestamp, nonce, sign) =
        (header("appKey")?, header("timestamp")?, header("nonce")?, header("sign")?);
    let app = &state.app;
    if app_key != app.app_key {
        return Err(ApiError::app_key());
    }
    if crypto::sign(&app.app_key, &app.app_secret, timestamp, nonce, body) != sign {
        return Err(ApiError::sign());
    }
    let json = if app.encrypt {
        let plain = crypto::open(&app.app_secret, &app.iv, body).ok_or_else(ApiError::decrypt)?;
        let prefix = format!("{app_key}{timestamp}{nonce}");
        plain.strip_prefix(prefix.as_bytes()).map(<[u8]>::to_vec).ok_or_else(ApiError::decrypt)?
    } else {
        body.to_vec()
    };
    serde_json::from_slice(&json).map_err(|_| ApiError::param("body"))
}

fn respond(result: Result<Value, ApiError>) -> Response {
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => {
            tracing::debug!(code = e.code, message = %e.message, "refused");
            Json(e.to_json()).into_response()
        }
    }
}

async fn send(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let result = {
        let mut state = sim.lock();
        verified(&state, &headers, &body).and_then(|v| state.send(&v, now_ms()))
    };
    if let Some(delay) = sim.take_stall() {
        tokio::time::sleep(delay).await;
    }
    respond(result)
}

async fn cancel(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let result = {
        let mut state = sim.lock();
        verified(&state, &headers, &body).and_then(|v| state.cancel(&v, now_ms()))
    };
    let result = result.map(|(reply, audit)| {
        // 则一 reports the cancellation through the callback too (审批撤销), after answering.
        let sim = sim.clone();
        tokio::spawn(async move {
            sim.deliver(&audit).await;
        });
        reply
    });
    respond(result)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DecideRequest {
    id: Option<String>,
    audit_id: Option<String>,
    /// `pass`, `reject` or `terminate`.
    result: String,
    approver: Option<String>,
    remark: Option<String>,
}

async fn decide(State(sim): State<Sim>, Json(req): Json<DecideRequest>) -> Response {
    let verdict = match req.result.as_str() {
        "pass" => Verdict::Pass,
        "reject" => Verdict::Reject,
        "terminate" => Verdict::Terminate,
        other => {
            return admin_error(
                StatusCode::BAD_REQUEST,
                format!("result must be pass, reject or terminate, not {other}"),
            )
        }
    };
    let Some(key) = req.id.or(req.audit_id) else {
        return admin_error(StatusCode::BAD_REQUEST, "give id or auditId".into());
    };
    match sim.decide(&key, verdict, req.approver.as_deref(), req.remark.as_deref()).await {
        Ok(delivery) => Json(json!({ "ok": true, "delivery": delivery })).into_response(),
        Err(e) => admin_error(StatusCode::NOT_FOUND, e),
    }
}

fn admin_error(status: StatusCode, error: String) -> Response {
    (status, Json(json!({ "ok": false, "error": error }))).into_response()
}

#[derive(Deserialize)]
struct UrlRequest {
    url: Option<String>,
}

async fn callback_url(State(sim): State<Sim>, Json(req): Json<UrlRequest>) -> Json<Value> {
    sim.set_callback_url(req.url.clone());
    Json(json!({ "ok": true, "url": req.url }))
}

#[derive(Deserialize)]
struct AutoRequest {
    after_secs: Option<f64>,
}

async fn auto_decide(State(sim): State<Sim>, Json(req): Json<AutoRequest>) -> Json<Value> {
    sim.set_auto_decide(req.after_secs.filter(|s| *s >= 0.0).map(Duration::from_secs_f64));
    Json(json!({ "ok": true, "after_secs": req.after_secs }))
}

#[derive(Deserialize)]
struct StallRequest {
    sends: u32,
    delay_ms: u64,
}

async fn stall(State(sim): State<Sim>, Json(req): Json<StallRequest>) -> Json<Value> {
    sim.stall_sends(req.sends, Duration::from_millis(req.delay_ms));
    Json(json!({ "ok": true }))
}

async fn audits(State(sim): State<Sim>) -> Json<Value> {
    Json(json!({ "audits": sim.audits(), "deliveries": sim.deliveries() }))
}
