//! The relay's HTTP API as desktops (and 则一) see it: paths, the error body and its codes, and
//! the events page. These types depend on serde alone, so a desktop client can use or copy them
//! as they are; docs/relay.md describes every route, status and code.
//!
//! The rule a desktop follows with an answer to `POST /v1/zeyi/send` or `/v1/zeyi/cancel`:
//! - HTTP 200: the body is 则一's own reply, byte for byte: run the zeyi connector's
//!   `client::envelope(call, 200, body)` on it, exactly as for a direct call (success, business
//!   refusal such as `AUDIT_EXISTS`, refused credentials: all the same words).
//! - Any other status: the body is an [`ErrorBody`]. `UPSTREAM_HTTP` means 则一 answered with
//!   another HTTP status: `envelope(call, upstreamStatus, upstreamBody)` again gives what a
//!   direct call would have. `UPSTREAM_UNREACHABLE` means 则一 was not reached (nothing
//!   happened there); `UPSTREAM_NO_REPLY` means the request went out and no answer came (the
//!   outcome is unknown; resending the same body is safe, docs/zeyi-protocol.md choice 3).
//!   Every other code is the relay's own refusal: nothing was sent to 则一.
//! - A body that is not JSON (a proxy's error page when the relay is down) means the relay was
//!   not reached: nothing was sent.

use serde::{Deserialize, Serialize};

/// Relays `audit/send` (发起审批): the body is the document's send body, as the zeyi connector
/// builds it; its `username` must be the token's 工号.
pub const SEND_PATH: &str = "/v1/zeyi/send";
/// Relays `audit/cancel` (撤销审批): its `username` (撤销人工号) must be the token's 工号.
pub const CANCEL_PATH: &str = "/v1/zeyi/cancel";
/// The token's user pulls the results of the approvals it sent: `?after=CURSOR&timeout=SECS&limit=N`.
pub const EVENTS_PATH: &str = "/v1/events";
/// Who the token is (the desktop's connection test in relay mode).
pub const ME_PATH: &str = "/v1/me";
/// Where 则一 posts results (the document's path, as the desktop listener serves it).
pub const CALLBACK_PATH: &str = inbox_core::callback::CALLBACK_PATH;
/// Liveness and database reachability: 200 `ok` or 503.
pub const HEALTH_PATH: &str = "/healthz";
/// Prometheus text format.
pub const METRICS_PATH: &str = "/metrics";

/// The relay's own error codes (the `error.code` of an [`ErrorBody`]).
pub mod codes {
    /// 401: no `Authorization: Bearer <token>` header.
    pub const TOKEN_MISSING: &str = "TOKEN_MISSING";
    /// 401: the token is not one the relay issued, or its secret part is wrong.
    pub const TOKEN_INVALID: &str = "TOKEN_INVALID";
    /// 401: the token was revoked (`inbox-relay user revoke`).
    pub const TOKEN_REVOKED: &str = "TOKEN_REVOKED";
    /// 400: the body is not the document's send or cancel body, or a query parameter is wrong.
    pub const BODY_INVALID: &str = "BODY_INVALID";
    /// 413: the body is larger than the relay accepts.
    pub const BODY_TOO_LARGE: &str = "BODY_TOO_LARGE";
    /// 403: the body's 工号 (`username`) is not the token's; a cancel must name one.
    pub const SENDER_MISMATCH: &str = "SENDER_MISMATCH";
    /// 403: the business id was sent through this relay by another 工号.
    pub const NOT_YOURS: &str = "NOT_YOURS";
    /// 502: 则一 answered with an HTTP status other than 200 (`upstreamStatus`, `upstreamBody`).
    pub const UPSTREAM_HTTP: &str = "UPSTREAM_HTTP";
    /// 502: 则一 could not be reached (connection refused, no route, DNS): nothing was sent.
    pub const UPSTREAM_UNREACHABLE: &str = "UPSTREAM_UNREACHABLE";
    /// 504: the request went to 则一 and no answer came (timeout, broken connection).
    pub const UPSTREAM_NO_REPLY: &str = "UPSTREAM_NO_REPLY";
    /// 500: the relay could not do its part (database); retry later.
    pub const INTERNAL: &str = "INTERNAL";
}

/// Every non-200 answer of the relay's `/v1` routes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: RelayError,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelayError {
    /// One of [`codes`].
    pub code: String,
    /// A sentence for the user.
    pub message: String,
    /// With `UPSTREAM_HTTP`: the HTTP status 则一 answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_status: Option<u16>,
    /// With `UPSTREAM_HTTP`: the body 则一 answered (text, at most 8 KiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_body: Option<String>,
}

/// `GET /v1/events` query. `after` is the cursor of the last event the desktop applied (0 at
/// first); `timeout` how many seconds to wait for one when none is there (0 = answer at once;
/// bounded by the relay's `max_poll_secs`); `limit` at most how many to return (1–500, 100).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EventsQuery {
    pub after: Option<i64>,
    pub timeout: Option<u64>,
    pub limit: Option<i64>,
}

/// The answer to `GET /v1/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventsPage {
    /// In cursor order; empty when nothing came within the timeout.
    pub events: Vec<Event>,
    /// The cursor to ask `after` once these are applied (the last event's, or `after` itself).
    pub next: i64,
    /// The highest cursor removed by retention: an `after` below it may have missed events.
    pub pruned_through: i64,
}

/// One result 则一 reported for an approval the user sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Increasing per user; cursors may skip numbers.
    pub cursor: i64,
    /// The business id (则一's `id`).
    pub id: String,
    pub audit_id: String,
    /// The callback's `type` (`finish`, `terminate`, or another word as sent).
    #[serde(rename = "type")]
    pub kind: String,
    /// The callback's `result` (`agree`, `refuse`, another word, or none).
    #[serde(default)]
    pub result: Option<String>,
    /// When the relay accepted the callback (ms since the Unix epoch).
    pub received_at: i64,
    /// The callback body as 则一 sent it (decrypted): apply it as the desktop's listener does
    /// (`connectors::zeyi::wire::CallbackBody`, `map::apply_callback`).
    pub callback: serde_json::Value,
}

/// The answer to `GET /v1/me`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    /// 工号.
    pub username: String,
    pub name: String,
    /// The longest long-poll this relay grants, in seconds.
    pub max_poll_secs: u64,
}
