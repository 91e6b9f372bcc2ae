//! A zeyi account "via relay" (经中继): the company's `inbox-relay` (docs/relay.md) holds 则一's
//! keys and whitelisted address; this desktop holds only the relay's URL and a token (keychain).
//! Sends and cancels post the same bodies to `/v1/zeyi/{send,cancel}`; the relay's answer is
//! turned back into what a direct call would have given (`(status, body)` for
//! `client::envelope`), or into an error in words when the relay refused or could not reach
//! 则一. Results are pulled from `/v1/events` (long-poll, a cursor the caller stores after
//! applying). HTTP only: the cache is the caller's (`crate::callback::pull`).

use crate::connectors::{send, transport_error};
use crate::error::VendorError;
use serde::Deserialize;
use std::time::Duration;

/// Where the relay's desktop routes live (`inbox_relay::api`, copied: the relay depends on
/// this crate, not the other way round).
const SEND_PATH: &str = "/v1/zeyi/send";
const CANCEL_PATH: &str = "/v1/zeyi/cancel";
const EVENTS_PATH: &str = "/v1/events";
const ME_PATH: &str = "/v1/me";

/// How much longer than the long-poll itself a pull may take before it counts as lost.
const POLL_GRACE: Duration = Duration::from_secs(15);

/// The relay's error body (`{"error": {code, message, upstreamStatus?, upstreamBody?}}`).
#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: RelayError,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RelayError {
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    upstream_status: Option<u16>,
    #[serde(default)]
    upstream_body: Option<String>,
}

/// One page of `GET /v1/events`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventsPage {
    pub events: Vec<Event>,
    /// The cursor to store once these events are applied.
    pub next: i64,
    /// The highest cursor the relay removed by retention: asking from below it missed results.
    #[serde(default)]
    pub pruned_through: i64,
}

/// One result of an approval this user sent: `callback` is 则一's callback body as sent.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    pub cursor: i64,
    pub callback: serde_json::Value,
}

/// `GET /v1/me`: whom the token belongs to.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub username: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub max_poll_secs: u64,
}

/// The relay as one account reaches it. The token never appears in errors or logs.
#[derive(Clone)]
pub struct Relay {
    http: reqwest::Client,
    base: String,
    token: String,
    timeout: Duration,
}

impl Relay {
    pub fn new(relay_url: &str, token: &str, timeout: Duration) -> Result<Self, VendorError> {
        let base = crate::connectors::validate_base_url(relay_url, "the relay URL (relay_url)")?;
        let token = token.trim().to_string();
        if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(VendorError::Config(
                "the relay token (relay_token) must be the one line `inbox-relay user add` printed".into(),
            ));
        }
        crate::logging::redact([token.as_str()]);
        Ok(Relay { http: crate::connectors::http_client(), base, token, timeout })
    }

    /// The relay's address (for messages).
    pub fn url(&self) -> &str {
        &self.base
    }

    /// Posts a send or cancel body for 则一 through the relay; returns what a direct call to
    /// 则一 would have returned (HTTP status and body), or an error for what the relay itself
    /// said.
    pub async fn post(&self, call: &str, json: Vec<u8>) -> Result<(u16, Vec<u8>), VendorError> {
        let path = if call.ends_with("cancel") { CANCEL_PATH } else { SEND_PATH };
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .timeout(self.timeout)
            .body(json);
        let resp = send(call, request).await.map_err(|e| self.not_reached(e))?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| self.not_reached(transport_error(call, e)))?;
        if status == 200 {
            return Ok((200, bytes.to_vec()));
        }
        let refusal = self.refusal(call, status, &bytes)?;
        match refusal.code.as_str() {
            "UPSTREAM_HTTP" => {
                Ok((refusal.upstream_status.unwrap_or(502), refusal.upstream_body.unwrap_or_default().into_bytes()))
            }
            _ => Err(self.error_of(call, refusal)),
        }
    }

    /// Up to `limit` results after `after`, waiting up to `wait` for one when there are none.
    pub async fn events(&self, after: i64, wait: Duration, limit: u32) -> Result<EventsPage, VendorError> {
        let call = "relay events";
        let request = self
            .http
            .get(format!("{}{EVENTS_PATH}", self.base))
            .query(&[
                ("after", after.to_string()),
                ("timeout", wait.as_secs().to_string()),
                ("limit", limit.to_string()),
            ])
            .bearer_auth(&self.token)
            .timeout(wait + POLL_GRACE);
        let page = self.get_json(call, request).await?;
        serde_json::from_value(page).map_err(|e| VendorError::malformed(call, format!("not an events page: {e}")))
    }

    /// Whom the token belongs to (the connection test).
    pub async fn me(&self) -> Result<Me, VendorError> {
        let call = "relay me";
        let request = self.http.get(format!("{}{ME_PATH}", self.base)).bearer_auth(&self.token).timeout(self.timeout);
        let me = self.get_json(call, request).await?;
        serde_json::from_value(me).map_err(|e| VendorError::malformed(call, format!("not the relay's answer: {e}")))
    }

    async fn get_json(&self, call: &str, request: reqwest::RequestBuilder) -> Result<serde_json::Value, VendorError> {
        let resp = send(call, request).await.map_err(|e| self.not_reached(e))?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| self.not_reached(transport_error(call, e)))?;
        if status != 200 {
            let refusal = self.refusal(call, status, &bytes)?;
            return Err(self.error_of(call, refusal));
        }
        serde_json::from_slice(&bytes).map_err(|e| VendorError::malformed(call, format!("not JSON ({e})")))
    }

    /// A non-200 answer as the relay's error body; anything else (a proxy's error page, a
    /// server that is not the relay) means the relay was not reached, so nothing was sent.
    fn refusal(&self, call: &str, status: u16, body: &[u8]) -> Result<RelayError, VendorError> {
        serde_json::from_slice::<ErrorBody>(body).map(|b| b.error).map_err(|_| VendorError::Unreachable {
            call: call.to_string(),
            reason: format!("the relay at {} did not answer as the relay (HTTP {status}); nothing was sent", self.base),
        })
    }

    /// The relay's own refusal (or its report that 则一 could not be reached) in words.
    fn error_of(&self, call: &str, e: RelayError) -> VendorError {
        let call = call.to_string();
        match e.code.as_str() {
            "TOKEN_MISSING" | "TOKEN_INVALID" | "TOKEN_REVOKED" => VendorError::Auth {
                call,
                code: e.code,
                message: format!(
                    "中继 {} 拒绝了令牌: {} (ask the relay's administrator for a token: inbox-relay user add)",
                    self.base, e.message
                ),
            },
            "UPSTREAM_UNREACHABLE" | "UPSTREAM_NO_REPLY" | "INTERNAL" => {
                VendorError::Unreachable { call, reason: format!("the relay says: {} ({})", e.message, e.code) }
            }
            _ => VendorError::Relay { call, code: e.code, message: e.message },
        }
    }

    fn not_reached(&self, e: VendorError) -> VendorError {
        match e {
            VendorError::Unreachable { call, reason } => {
                VendorError::Unreachable { call, reason: format!("the relay at {}: {reason}", self.base) }
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relay() -> Relay {
        Relay::new("http://relay.example:8780/", "irt1.0123456789abcdef.secret", Duration::from_secs(5)).unwrap()
    }

    fn refusal(code: &str) -> RelayError {
        RelayError { code: code.into(), message: "说明".into(), upstream_status: None, upstream_body: None }
    }

    #[test]
    fn settings_are_checked_in_words() {
        let e = Relay::new("relay.example", "t", Duration::from_secs(1)).err().unwrap().to_string();
        assert!(e.contains("relay_url"), "{e}");
        let e = Relay::new("https://relay.example", " ", Duration::from_secs(1)).err().unwrap().to_string();
        assert!(e.contains("relay_token") && e.contains("inbox-relay user add"), "{e}");
        assert_eq!(relay().url(), "http://relay.example:8780");
    }

    #[test]
    fn the_relays_answers_become_what_a_desktop_can_act_on() {
        let r = relay();
        for code in ["TOKEN_MISSING", "TOKEN_INVALID", "TOKEN_REVOKED"] {
            let e = r.error_of("audit/send", refusal(code));
            assert!(matches!(e, VendorError::Auth { .. }), "{code}: {e}");
            assert!(e.to_string().contains(code) && e.to_string().contains("令牌"), "{e}");
        }
        for code in ["UPSTREAM_UNREACHABLE", "UPSTREAM_NO_REPLY", "INTERNAL"] {
            assert!(matches!(r.error_of("audit/send", refusal(code)), VendorError::Unreachable { .. }), "{code}");
        }
        for code in ["SENDER_MISMATCH", "NOT_YOURS", "BODY_INVALID", "BODY_TOO_LARGE"] {
            let e = r.error_of("audit/send", refusal(code));
            assert!(matches!(e, VendorError::Relay { .. }), "{code}: {e}");
            assert!(e.to_string().contains("nothing was sent"), "{e}");
        }
        let proxy = r.refusal("audit/send", 502, b"<html>Bad Gateway</html>").unwrap_err();
        assert!(matches!(proxy, VendorError::Unreachable { .. }), "{proxy}");
        let text = proxy.to_string();
        assert!(text.contains("relay.example") && !text.contains("secret"), "{text}");
    }
}
