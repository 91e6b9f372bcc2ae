//! The routes desktops call with their token: `POST /v1/zeyi/send` and `/v1/zeyi/cancel`
//! (relayed to 则一 after the token and sender checks; nothing leaves when a check fails),
//! `GET /v1/me`; and the operator's `GET /healthz` and `GET /metrics`. The answer rules are in
//! `api` (module doc) and docs/relay.md.

use crate::api::{codes, ErrorBody, Me, RelayError};
use crate::db::{Claim, UserRow};
use crate::tokens::TokenError;
use crate::upstream::{self, Answer};
use crate::{now_ms, Shared};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use inbox_core::connectors::zeyi::client;
use inbox_core::connectors::zeyi::wire::{CancelBody, SendBody};
use std::sync::Arc;

/// How much of a non-200 answer of 则一 is handed back.
const MAX_UPSTREAM_BODY: usize = 8 * 1024;

/// A refusal of the relay's own (or a failed 则一 call): status and the error body.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub error: RelayError,
}

pub(crate) fn api_error(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
    ApiError {
        status,
        error: RelayError {
            code: code.to_string(),
            message: message.into(),
            upstream_status: None,
            upstream_body: None,
        },
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unauthorized = self.status == StatusCode::UNAUTHORIZED;
        let mut response = (self.status, Json(ErrorBody { error: self.error })).into_response();
        if unauthorized {
            response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The metric label of a refusal code (the label set is fixed).
fn reason(code: &str) -> &'static str {
    [
        codes::TOKEN_MISSING,
        codes::TOKEN_INVALID,
        codes::TOKEN_REVOKED,
        codes::BODY_INVALID,
        codes::BODY_TOO_LARGE,
        codes::SENDER_MISMATCH,
        codes::NOT_YOURS,
        codes::INTERNAL,
    ]
    .into_iter()
    .find(|c| *c == code)
    .unwrap_or("OTHER")
}

/// Counts and logs a refusal, then answers it.
pub(crate) fn refused(shared: &Shared, e: ApiError) -> Response {
    shared.metrics.request_refused(reason(&e.error.code));
    tracing::info!(status = %e.status, code = %e.error.code, "request refused: {}", e.error.message);
    e.into_response()
}

/// The live user of the request's bearer token.
pub(crate) async fn user_of(shared: &Shared, headers: &HeaderMap) -> Result<UserRow, ApiError> {
    let token = headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| {
        let (scheme, token) = v.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    shared.tokens.check(&shared.db, token).await.map_err(|e| {
        let (status, code) = match &e {
            TokenError::Missing => (StatusCode::UNAUTHORIZED, codes::TOKEN_MISSING),
            TokenError::Invalid => (StatusCode::UNAUTHORIZED, codes::TOKEN_INVALID),
            TokenError::Revoked => (StatusCode::UNAUTHORIZED, codes::TOKEN_REVOKED),
            TokenError::Db(_) | TokenError::Hashing(_) => {
                tracing::error!("a token could not be checked: {e}");
                return api_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    codes::INTERNAL,
                    "the relay could not check the token; retry later",
                );
            }
        };
        api_error(status, code, e.to_string())
    })
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!("request could not be handled: {e}");
    api_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        codes::INTERNAL,
        "the relay could not do its part (storage); nothing was sent; retry later",
    )
}

fn body_of(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::BODY_TOO_LARGE,
            "the body is larger than the relay accepts (1 MiB)",
        ),
        status => api_error(status, codes::BODY_INVALID, e.body_text()),
    })
}

/// `POST /v1/zeyi/send`.
pub(crate) async fn send(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match send_checked(&shared, &headers, body).await {
        Ok(response) => response,
        Err(e) => refused(&shared, e),
    }
}

async fn send_checked(
    shared: &Shared,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let user = user_of(shared, headers).await?;
    let body = body_of(body)?;
    let send: SendBody = serde_json::from_slice(&body).map_err(|e| {
        api_error(
            StatusCode::BAD_REQUEST,
            codes::BODY_INVALID,
            format!("not the document's send body (docs/zeyi-protocol.md): {e}"),
        )
    })?;
    // Exactly the token's 工号: what is checked is what 则一 receives.
    if send.username != user.username {
        return Err(api_error(
            StatusCode::FORBIDDEN,
            codes::SENDER_MISMATCH,
            format!("this token sends as {}; the body's 发起人工号 (username) is \"{}\"", user.username, send.username),
        ));
    }
    if send.id.trim().is_empty() {
        return Err(api_error(StatusCode::BAD_REQUEST, codes::BODY_INVALID, "the business id (id) must not be empty"));
    }
    if let Claim::Others(_) =
        shared.db.claim(&send.id, &user.username, &send.audit_type, now_ms()).await.map_err(internal)?
    {
        return Err(api_error(
            StatusCode::FORBIDDEN,
            codes::NOT_YOURS,
            format!("business id {} was sent through this relay by another 工号", send.id),
        ));
    }
    let json = serde_json::to_vec(&send).map_err(internal)?;
    let answer = shared.upstream.call("send", &json).await;
    let outcome = upstream::outcome("audit/send", &answer);
    shared.metrics.relayed("send", outcome);
    tracing::info!(user = %user.username, id = %send.id, outcome, "audit/send relayed");
    if let Answer::Replied { status: 200, body, .. } = &answer {
        // The auditId 则一 gave (or, for AUDIT_EXISTS, named) routes later callbacks.
        let reply: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        if let Some(named) = client::existing(&reply).filter(|n| n.id == send.id) {
            shared.db.set_audit_id(&send.id, &named.audit_id, now_ms()).await.map_err(internal)?;
        }
    }
    Ok(answered(answer))
}

/// `POST /v1/zeyi/cancel`.
pub(crate) async fn cancel(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match cancel_checked(&shared, &headers, body).await {
        Ok(response) => response,
        Err(e) => refused(&shared, e),
    }
}

async fn cancel_checked(
    shared: &Shared,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let user = user_of(shared, headers).await?;
    let body = body_of(body)?;
    let cancel: CancelBody = serde_json::from_slice(&body).map_err(|e| {
        api_error(
            StatusCode::BAD_REQUEST,
            codes::BODY_INVALID,
            format!("not the document's cancel body (docs/zeyi-protocol.md): {e}"),
        )
    })?;
    // Without `username` 则一 takes it as 系统撤销, which may cancel anyone's approval: a
    // desktop always cancels as its own 工号.
    match cancel.username.as_deref() {
        Some(u) if u == user.username => {}
        other => {
            let named = other.map_or("none (系统撤销)".to_string(), |u| format!("\"{u}\""));
            return Err(api_error(
                StatusCode::FORBIDDEN,
                codes::SENDER_MISMATCH,
                format!("this token cancels as {}; the body's 撤销人工号 (username) is {named}", user.username),
            ));
        }
    }
    if let Some(owner) = shared.db.owner(&cancel.id).await.map_err(internal)? {
        if owner != user.username {
            return Err(api_error(
                StatusCode::FORBIDDEN,
                codes::NOT_YOURS,
                format!("business id {} was sent through this relay by another 工号", cancel.id),
            ));
        }
    }
    let json = serde_json::to_vec(&cancel).map_err(internal)?;
    let answer = shared.upstream.call("cancel", &json).await;
    let outcome = upstream::outcome("audit/cancel", &answer);
    shared.metrics.relayed("cancel", outcome);
    tracing::info!(user = %user.username, id = %cancel.id, audit_id = %cancel.audit_id, outcome, "audit/cancel relayed");
    Ok(answered(answer))
}

/// 则一's answer as the desktop receives it (rules: `api` module doc).
fn answered(answer: Answer) -> Response {
    match answer {
        Answer::Replied { status: 200, content_type, body } => {
            let content_type = content_type
                .and_then(|c| HeaderValue::from_str(&c).ok())
                .unwrap_or(HeaderValue::from_static("application/json"));
            (StatusCode::OK, [(CONTENT_TYPE, content_type)], body).into_response()
        }
        Answer::Replied { status, body, .. } => {
            let text = String::from_utf8_lossy(&body[..body.len().min(MAX_UPSTREAM_BODY)]).into_owned();
            let mut e = api_error(
                StatusCode::BAD_GATEWAY,
                codes::UPSTREAM_HTTP,
                format!("则一 answered HTTP {status} instead of its envelope"),
            );
            e.error.upstream_status = Some(status);
            e.error.upstream_body = Some(text);
            e.into_response()
        }
        Answer::Unreachable(reason) => api_error(
            StatusCode::BAD_GATEWAY,
            codes::UPSTREAM_UNREACHABLE,
            format!("the relay cannot reach 则一: {reason}; nothing was sent"),
        )
        .into_response(),
        Answer::NoReply(reason) => api_error(
            StatusCode::GATEWAY_TIMEOUT,
            codes::UPSTREAM_NO_REPLY,
            format!(
                "the request went to 则一 and no answer came back ({reason}); whether it was carried out is not known"
            ),
        )
        .into_response(),
    }
}

/// `GET /v1/me`.
pub(crate) async fn me(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    match user_of(&shared, &headers).await {
        Ok(user) => Json(Me { username: user.username, name: user.name, max_poll_secs: shared.max_poll.as_secs() })
            .into_response(),
        Err(e) => refused(&shared, e),
    }
}

/// `GET /healthz`: 200 when the database answers.
pub(crate) async fn health(State(shared): State<Arc<Shared>>) -> Response {
    match shared.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!("health check: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "the database does not answer\n").into_response()
        }
    }
}

/// `GET /metrics` (Prometheus text format).
pub(crate) async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    match (shared.db.waiting_per_user().await, shared.db.counts().await) {
        (Ok(waiting), Ok(counts)) => shared.metrics.waiting(&waiting, counts.unrouted),
        (Err(e), _) | (_, Err(e)) => tracing::warn!("metrics: the database did not answer: {e}"),
    }
    ([(CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"))], shared.metrics.render())
        .into_response()
}
