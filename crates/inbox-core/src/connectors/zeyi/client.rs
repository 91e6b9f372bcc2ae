//! HTTP calls to 则一: `POST {base}/tms-service-api/audit/{send,cancel}` with the signed (and,
//! when the account encrypts, sealed) body, then the envelope check: success means
//! `success == true && businessException == false`; anything else becomes a `VendorError`
//! naming the call and 则一's own `errorCode` and `message`.

use super::auth::{self, Cipher, KeyPair};
use super::wire::{self, AuditRef, Envelope};
use crate::connectors::transport_error;
use crate::connectors::send;
use crate::error::VendorError;
use reqwest::header::CONTENT_TYPE;
use serde::Serialize;
use std::time::Duration;

/// The path prefix of every 则一 call (the document's URLs).
pub const API_PREFIX: &str = "/tms-service-api/audit";

/// Error codes meaning our keys or signature were refused (choice 2 of docs/zeyi-protocol.md).
pub const AUTH_CODES: &[&str] = &["SIGN_ERROR", "APP_KEY_INVALID"];

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    keys: KeyPair,
    cipher: Option<Cipher>,
}

impl Client {
    pub fn new(base_url: &str, keys: KeyPair, cipher: Option<Cipher>, timeout: Duration) -> Result<Self, VendorError> {
        let base = base_url.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(VendorError::Config(format!("the base URL must start with http:// or https://, not \"{base}\"")));
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("approval-inbox/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .build()
            .map_err(|e| VendorError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client { http, base, keys, cipher })
    }

    /// `audit/send` (发起审批).
    pub async fn send(&self, body: &wire::SendBody) -> Result<(AuditRef, serde_json::Value), VendorError> {
        self.call("audit/send", body).await
    }

    /// `audit/cancel` (撤销审批).
    pub async fn cancel(&self, body: &wire::CancelBody) -> Result<(AuditRef, serde_json::Value), VendorError> {
        self.call("audit/cancel", body).await
    }

    /// Signs and POSTs `body`; returns the typed `result` and the whole reply.
    async fn call<B: Serialize>(&self, call: &str, body: &B) -> Result<(AuditRef, serde_json::Value), VendorError> {
        let json = serde_json::to_vec(body).map_err(|e| VendorError::Config(format!("{call}: cannot encode the body: {e}")))?;
        let signed = auth::sign_request(&self.keys, self.cipher.as_ref(), &json);
        let content_type = if signed.sealed { "text/plain; charset=utf-8" } else { "application/json; charset=utf-8" };
        let name = call.trim_start_matches("audit/");
        let resp = send(call, self
            .http
            .post(format!("{}{API_PREFIX}/{name}", self.base))
            .header(CONTENT_TYPE, content_type)
            .header("appKey", &self.keys.app_key)
            .header("timestamp", &signed.timestamp)
            .header("nonce", &signed.nonce)
            .header("sign", &signed.sign)
            .body(signed.body)).await?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| transport_error(call, e))?;
        let raw = envelope(call, status, &bytes)?;
        let result = raw.get("result").cloned().unwrap_or(serde_json::Value::Null);
        let typed = serde_json::from_value(result).map_err(|e| VendorError::malformed(call, format!("result: {e}")))?;
        Ok((typed, raw))
    }
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
        let biz = r#"{"success":true,"businessException":true,"errorCode":"AUDIT_EXISTS","message":"已存在","result":null}"#;
        let e = envelope("audit/send", 200, biz.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("audit/send") && e.contains("AUDIT_EXISTS") && e.contains("已存在"), "{e}");
        let sign = r#"{"success":false,"businessException":false,"errorCode":"SIGN_ERROR","message":"签名错误","result":null}"#;
        assert!(matches!(envelope("audit/send", 200, sign.as_bytes()), Err(VendorError::Auth { .. })));
        let numeric = r#"{"success":false,"businessException":false,"errorCode":500,"message":"系统异常"}"#;
        assert!(envelope("c", 200, numeric.as_bytes()).unwrap_err().to_string().contains("500"));
        assert!(matches!(envelope("c", 200, br#"{"success":tr"#), Err(VendorError::Malformed { .. })));
        assert!(matches!(envelope("c", 200, br#"{"code":0}"#), Err(VendorError::Malformed { .. })));
        assert!(matches!(envelope("c", 502, b"<html>"), Err(VendorError::Http { status: 502, .. })));
    }
}
