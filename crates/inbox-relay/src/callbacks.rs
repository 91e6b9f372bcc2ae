//! 则一's callbacks into the relay (`POST /tms-service-api/audit/callback`), checked in the
//! desktop listener's order with its refusals (`inbox_core::callback`, docs/zeyi-protocol.md
//! "The callback listener"): rate (429), body size (413), the four headers (400), `appKey`
//! (401 `SIGN_ERROR`, the same answer as a wrong sign), `sign` in constant time over the bytes
//! as received, before anything is parsed (401), `timestamp` within 5 minutes (401), nonce
//! never accepted (409), decryption (400), the callback body (400). Then the nonce and the
//! result are stored in one transaction — before 则一 hears success — as an event for the 工号
//! that sent the approval. A redelivery of the same result (a new nonce) is answered success
//! and adds nothing; the same request again is a replay (409).
//!
//! One difference from the desktop listener: a nonce is single-use together with its
//! timestamp. 则一's nonces are 6 characters; at the relay's load (a whole company, 100
//! callbacks a second) two genuine callbacks within the 15 minutes nonces are remembered would
//! share a nonce every few minutes and the second would be refused. A replay repeats the
//! timestamp too (the sign covers it), so it is refused all the same.

use crate::db::{Incoming, Stored};
use crate::{now_ms, Shared};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use inbox_core::callback::{Limits, MAX_SKEW_MS};
use inbox_core::connectors::zeyi::wire::CallbackBody;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;
use subtle::ConstantTimeEq;

/// The one answer to an unknown appKey and to a wrong sign.
const NOT_SIGNED: &str = "the request is not signed by a known key";

/// A token bucket: `burst` requests at once, refilled at `per_second`.
pub(crate) struct Bucket {
    tokens: f64,
    at: Instant,
    limits: Limits,
}

impl Bucket {
    pub(crate) fn full(limits: Limits) -> Self {
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

/// Why a callback was refused: the HTTP status, the error code and a sentence.
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

pub(crate) async fn callback(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let allowed = shared.bucket.lock().unwrap_or_else(|p| p.into_inner()).take();
    let outcome = if !allowed {
        Err(refuse(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", "too many callbacks; retry later"))
    } else {
        match body {
            Ok(body) => accept(&shared, &headers, &body).await,
            Err(e) => Err(refuse(e.status(), "BODY_REJECTED", e.body_text())),
        }
    };
    match outcome {
        Ok(result) => Json(json!({ "success": true, "businessException": false, "errorCode": null, "message": null, "result": result })).into_response(),
        Err(r) => {
            shared.metrics.callback_refused(r.code);
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

/// Verifies, parses and stores one callback; returns the `result` of the answer.
async fn accept(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Value, Refusal> {
    let h = headers_of(headers)?;
    let keys = &shared.callback_keys;
    if !bool::from(keys.app_key.as_bytes().ct_eq(h.app_key.as_bytes())) {
        // The same answer as a wrong sign: a caller cannot probe which appKey is ours.
        return Err(refuse(StatusCode::UNAUTHORIZED, "SIGN_ERROR", NOT_SIGNED));
    }
    let expected = keys.sign(h.timestamp, h.nonce, body);
    if !bool::from(expected.as_bytes().ct_eq(h.sign.to_ascii_lowercase().as_bytes())) {
        return Err(refuse(StatusCode::UNAUTHORIZED, "SIGN_ERROR", NOT_SIGNED));
    }
    let ts: i64 = h
        .timestamp
        .parse()
        .map_err(|_| refuse(StatusCode::BAD_REQUEST, "HEADER_INVALID", "the timestamp must be milliseconds"))?;
    let now = now_ms();
    if (now - ts).abs() > MAX_SKEW_MS {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "TIMESTAMP_EXPIRED",
            "the timestamp is more than 5 minutes from now",
        ));
    }
    if shared.db.nonce_seen(h.nonce, ts).await.map_err(internal)? {
        return Err(refuse(StatusCode::CONFLICT, "NONCE_REPLAYED", "this nonce was already used"));
    }
    let json = match &shared.callback_cipher {
        Some(c) => c
            .open(body, h.app_key, h.timestamp, h.nonce)
            .map_err(|e| refuse(StatusCode::BAD_REQUEST, "DECRYPT_ERROR", e.to_string()))?,
        None => body.to_vec(),
    };
    let parsed: CallbackBody = serde_json::from_slice(&json)
        .map_err(|e| refuse(StatusCode::BAD_REQUEST, "BODY_INVALID", format!("not the documented callback: {e}")))?;
    let text = String::from_utf8(json)
        .map_err(|_| refuse(StatusCode::BAD_REQUEST, "BODY_INVALID", "the callback is not UTF-8"))?;
    if parsed.id.trim().is_empty() || parsed.audit_id.trim().is_empty() {
        return Err(refuse(StatusCode::BAD_REQUEST, "BODY_INVALID", "the callback's id and auditId must not be empty"));
    }
    let result = parsed.result.clone().unwrap_or_default();
    let incoming = Incoming {
        nonce: h.nonce,
        timestamp: ts,
        business_id: &parsed.id,
        audit_id: &parsed.audit_id,
        kind: &parsed.kind,
        result: &result,
        body: &text,
        now,
    };
    match shared.db.store_callback(&incoming).await.map_err(internal)? {
        Stored::Replayed => return Err(refuse(StatusCode::CONFLICT, "NONCE_REPLAYED", "this nonce was already used")),
        Stored::Conflict { business_id } => {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "BODY_INVALID",
                format!("auditId {} belongs to business id {business_id}, not {}", parsed.audit_id, parsed.id),
            ));
        }
        Stored::New { username, cursor } if username.is_empty() => {
            shared.metrics.callback_accepted("unrouted");
            tracing::warn!(id = %parsed.id, audit_id = %parsed.audit_id, cursor, "callback stored for nobody: no user sent this business id through the relay");
        }
        Stored::New { username, cursor } => {
            shared.notifier.notify(&username);
            shared.metrics.callback_accepted("new");
            tracing::info!(user = %username, id = %parsed.id, audit_id = %parsed.audit_id, kind = %parsed.kind, cursor, "callback stored");
        }
        Stored::Duplicate { username } => {
            shared.metrics.callback_accepted("duplicate");
            tracing::info!(user = %username, id = %parsed.id, audit_id = %parsed.audit_id, "callback redelivered: this result is stored already");
        }
    }
    Ok(json!({ "id": parsed.id, "auditId": parsed.audit_id }))
}

/// A failure on our side (the database): logged with its reason, answered as a bare 500 so
/// 则一 retries and learns nothing about our setup.
fn internal(e: impl std::fmt::Display) -> Refusal {
    tracing::error!("callback could not be stored: {e}");
    refuse(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "the callback could not be handled; retry later")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_refuses_past_its_burst_and_refills() {
        let mut b = Bucket::full(Limits { max_body: 1, per_second: 1000.0, burst: 2.0, ..Limits::default() });
        assert!(b.take() && b.take());
        b.at = Instant::now();
        b.tokens = 0.0;
        assert!(!b.take());
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(b.take());
    }
}
