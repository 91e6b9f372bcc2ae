//! HTTP calls to 则一: `POST {base}/tms-service-api/audit/{send,cancel}` with the signed (and,
//! when the account encrypts, sealed) body, then the envelope check: success means
//! `success == true && businessException == false`; anything else becomes a `VendorError`
//! naming the call and 则一's own `errorCode` and `message`, except a send refused because the
//! business id is already held (`AUDIT_EXISTS`, choice 3), which is an answer: [`Sent::Exists`].

use super::auth::{self, Cipher, KeyPair};
use super::relay::Relay;
use super::wire::{self, AuditRef, Envelope};
use crate::connectors::send;
use crate::connectors::transport_error;
use crate::error::VendorError;
use reqwest::header::CONTENT_TYPE;
use serde::Serialize;
use std::time::Duration;

/// The path prefix of every 则一 call (the document's URLs).
pub const API_PREFIX: &str = "/tms-service-api/audit";

/// Error codes meaning our keys, signature or encryption settings were refused (choice 2 of
/// docs/zeyi-protocol.md).
pub const AUTH_CODES: &[&str] = &["SIGN_ERROR", "APP_KEY_INVALID", "DECRYPT_ERROR"];

/// `audit/send`'s refusal of a business id that already has a pending or approved approval.
pub const EXISTS_CODE: &str = "AUDIT_EXISTS";
/// `audit/cancel`'s refusal of an approval that has already ended.
pub const FINISHED_CODE: &str = "AUDIT_FINISHED";
/// `audit/cancel`'s answer for an approval 则一 does not have (the connection test's proof).
pub const NOT_FOUND_CODE: &str = "AUDIT_NOT_FOUND";

/// What `audit/send` answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    /// A new approval: its `{id, auditId}` and the whole reply.
    Created(AuditRef, serde_json::Value),
    /// The business id already has an approval (`AUDIT_EXISTS`): the one the answer names,
    /// when it names one with an auditId, and the whole reply.
    Exists(Option<AuditRef>, serde_json::Value),
}

#[derive(Clone)]
pub struct Client {
    route: Route,
}

/// How calls reach 则一: signed here and posted from this machine, or through the relay.
#[derive(Clone)]
enum Route {
    Direct(Direct),
    Relay(Relay),
}

#[derive(Clone)]
struct Direct {
    http: reqwest::Client,
    base: String,
    keys: KeyPair,
    cipher: Option<Cipher>,
}

impl Client {
    /// Calls through the company's relay, which signs them with its keys (relay mode).
    pub fn via_relay(relay: Relay) -> Self {
        Client { route: Route::Relay(relay) }
    }

    pub fn new(base_url: &str, keys: KeyPair, cipher: Option<Cipher>, timeout: Duration) -> Result<Self, VendorError> {
        let base = crate::connectors::validate_base_url(base_url, "the base URL")?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("approval-inbox/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .build()
            .map_err(|e| VendorError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client { route: Route::Direct(Direct { http, base, keys, cipher }) })
    }

    /// `audit/send` (发起审批).
    pub async fn send(&self, body: &wire::SendBody) -> Result<Sent, VendorError> {
        let call = "audit/send";
        let (status, bytes) = self.post(call, body).await?;
        match envelope(call, status, &bytes) {
            Ok(raw) => {
                let result = raw.get("result").cloned().unwrap_or(serde_json::Value::Null);
                let typed =
                    serde_json::from_value(result).map_err(|e| VendorError::malformed(call, format!("result: {e}")))?;
                Ok(Sent::Created(typed, raw))
            }
            Err(VendorError::Vendor { code, .. }) if code == EXISTS_CODE => {
                let raw: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
                Ok(Sent::Exists(existing(&raw), raw))
            }
            Err(e) => Err(e),
        }
    }

    /// `audit/cancel` (撤销审批); the whole reply (its `result` only repeats what we sent).
    pub async fn cancel(&self, body: &wire::CancelBody) -> Result<serde_json::Value, VendorError> {
        let (status, bytes) = self.post("audit/cancel", body).await?;
        envelope("audit/cancel", status, &bytes)
    }

    /// POSTs `body` to 则一, directly or through the relay; returns the HTTP status and the
    /// reply's bytes as 则一 answered them.
    async fn post<B: Serialize>(&self, call: &str, body: &B) -> Result<(u16, Vec<u8>), VendorError> {
        let json = serde_json::to_vec(body)
            .map_err(|e| VendorError::Config(format!("{call}: cannot encode the body: {e}")))?;
        match &self.route {
            Route::Direct(direct) => direct.post(call, json).await,
            Route::Relay(relay) => relay.post(call, json).await,
        }
    }
}

impl Direct {
    /// Signs (and seals) and POSTs the body from this machine.
    async fn post(&self, call: &str, json: Vec<u8>) -> Result<(u16, Vec<u8>), VendorError> {
        let signed = auth::sign_request(&self.keys, self.cipher.as_ref(), &json);
        let content_type = if signed.sealed { "text/plain; charset=utf-8" } else { "application/json; charset=utf-8" };
        let name = call.trim_start_matches("audit/");
        let resp = send(
            call,
            self.http
                .post(format!("{}{API_PREFIX}/{name}", self.base))
                .header(CONTENT_TYPE, content_type)
                .header("appKey", &self.keys.app_key)
                .header("timestamp", &signed.timestamp)
                .header("nonce", &signed.nonce)
                .header("sign", &signed.sign)
                .body(signed.body),
        )
        .await?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| transport_error(call, e))?;
        Ok((status, bytes.to_vec()))
    }
}

/// The approval an `AUDIT_EXISTS` answer names: its `result` when that carries a non-empty
/// auditId (a 则一 that names nothing, or names it oddly, leaves us without one).
pub fn existing(reply: &serde_json::Value) -> Option<AuditRef> {
    let named: AuditRef = serde_json::from_value(reply.get("result")?.clone()).ok()?;
    (!named.audit_id.trim().is_empty()).then_some(named)
}

/// Checks the HTTP status and the envelope; returns the parsed reply on success.
pub fn envelope(call: &str, status: u16, body: &[u8]) -> Result<serde_json::Value, VendorError> {
    let value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) if status != 200 => return Err(VendorError::Http { call: call.into(), status }),
        Err(e) => return Err(VendorError::malformed(call, format!("not JSON ({e})"))),
    };
    let env: Envelope = match serde_json::from_value(value.clone()) {
        Ok(env) => env,
        Err(_) if status != 200 => return Err(VendorError::Http { call: call.into(), status }),
        Err(e) => return Err(VendorError::malformed(call, format!("not the documented envelope ({e})"))),
    };
    if env.success && !env.business_exception {
        return Ok(value);
    }
    let code = env.error_code.unwrap_or_else(|| "(none)".into());
    let message = env.message.unwrap_or_default();
    let call = call.to_string();
    Err(if AUTH_CODES.contains(&code.as_str()) {
        VendorError::Auth { call, code, message }
    } else {
        VendorError::Vendor { call, code, message }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_rules() {
        let ok = br#"{"success":true,"businessException":false,"errorCode":null,"message":null,"result":{"id":"a","auditId":"b"}}"#;
        assert!(envelope("audit/send", 200, ok).is_ok());
        let biz =
            r#"{"success":true,"businessException":true,"errorCode":"AUDIT_EXISTS","message":"已存在","result":null}"#;
        let e = envelope("audit/send", 200, biz.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("audit/send") && e.contains("AUDIT_EXISTS") && e.contains("已存在"), "{e}");
        let sign = r#"{"success":false,"businessException":false,"errorCode":"SIGN_ERROR","message":"签名错误","result":null}"#;
        assert!(matches!(envelope("audit/send", 200, sign.as_bytes()), Err(VendorError::Auth { .. })));
        let decrypt = r#"{"success":false,"businessException":false,"errorCode":"DECRYPT_ERROR","message":"数据解密失败","result":null}"#;
        assert!(
            matches!(envelope("audit/send", 200, decrypt.as_bytes()), Err(VendorError::Auth { .. })),
            "wrong encryption settings are credentials to fix"
        );
        let bare = r#"{"success":false,"errorCode":"X","message":"m"}"#;
        assert!(
            matches!(envelope("c", 200, bare.as_bytes()), Err(VendorError::Vendor { .. })),
            "businessException may be absent"
        );
        let numeric = r#"{"success":false,"businessException":false,"errorCode":500,"message":"系统异常"}"#;
        assert!(envelope("c", 200, numeric.as_bytes()).unwrap_err().to_string().contains("500"));
        assert!(matches!(envelope("c", 200, br#"{"success":tr"#), Err(VendorError::Malformed { .. })));
        assert!(matches!(envelope("c", 200, br#"{"code":0}"#), Err(VendorError::Malformed { .. })));
        assert!(matches!(envelope("c", 502, b"<html>"), Err(VendorError::Http { status: 502, .. })));
    }

    #[test]
    fn an_exists_answer_names_the_holder_only_with_an_audit_id() {
        let named = serde_json::json!({"success": false, "businessException": true, "errorCode": "AUDIT_EXISTS", "result": {"id": "PO-1", "auditId": "a1", "ext": 1}});
        assert_eq!(existing(&named), Some(AuditRef { id: "PO-1".into(), audit_id: "a1".into() }));
        for bare in [
            serde_json::json!({"result": null}),
            serde_json::json!({}),
            serde_json::json!({"result": {"id": "PO-1"}}),
            serde_json::json!({"result": {"id": "PO-1", "auditId": " "}}),
        ] {
            assert_eq!(existing(&bare), None, "{bare}");
        }
        assert_eq!(
            existing(&serde_json::json!({"result": {"id": 7, "auditId": 8}})),
            Some(AuditRef { id: "7".into(), audit_id: "8".into() })
        );
    }
}
