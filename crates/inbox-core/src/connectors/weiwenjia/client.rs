//! HTTP calls to the weiwenjia approval center, each with the common headers, and the envelope
//! check: success is `{code: 0, message, data}`, failure is the document's `{errcode, errmsg}`
//! (a `{code: N≠0, message}` reply is read as a failure too).

use super::auth::Credentials;
use super::wire;
use crate::connectors::{http_client, send, transport_error};
use crate::error::VendorError;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The list (document).
pub const LIST_PATH: &str = "/api/v1/approval_center/list";
/// The detail (vendor page 获取审批流信息; also the document README's).
pub const DETAIL_PATH: &str = "/api/v1/execute_records/detail";
/// ASSUMPTION A1 (docs/weiwenjia-protocol.md): the execute endpoint of a record. The vendor's
/// public pages we could read cut off before naming it; third-party code driving the platform
/// posts `{execute_action, execute_opinion}` here. `{id}` is the `execute_record_id`.
pub const EXECUTE_PATH: &str = "/api/v1/execute_records/{id}/perform";

/// `errcode` of a refused token (our choice 1).
pub const CODE_BAD_TOKEN: i64 = 401;

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    creds: Credentials,
}

impl Client {
    pub fn new(base_url: &str, creds: Credentials) -> Result<Self, VendorError> {
        let base = crate::connectors::validate_base_url(base_url, "the base URL")?;
        Ok(Client { http: http_client(), base, creds })
    }

    pub fn uid(&self) -> i64 {
        self.creds.uid
    }

    pub fn platform(&self) -> &'static str {
        self.creds.platform
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut req =
            self.http.request(method, format!("{}{path}", self.base)).header("Content-Type", "application/json");
        for (k, v) in self.creds.headers() {
            req = req.header(k, v);
        }
        req
    }

    async fn send(&self, call: &str, req: reqwest::RequestBuilder) -> Result<Value, VendorError> {
        let resp = send(call, req).await?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| transport_error(call, e))?;
        envelope(call, status, &body)
    }

    /// The envelope's `data`, decoded, with the raw reply.
    async fn data<T: DeserializeOwned>(
        &self,
        call: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<(T, Value), VendorError> {
        let raw = self.send(call, req).await?;
        let data = raw.get("data").cloned().unwrap_or(Value::Null);
        let typed = T::deserialize(&data).map_err(|e| VendorError::record(call, e))?;
        Ok((typed, data))
    }

    /// One page of a scope (`todo`, `submission`, `processed`), narrowed by `filter`.
    pub async fn list(
        &self,
        scope: &str,
        page: u32,
        per_page: u32,
        filter: &wire::ListFilter,
    ) -> Result<(wire::ListData, Value), VendorError> {
        let mut query =
            vec![("scope", scope.to_string()), ("page", page.to_string()), ("per_page", per_page.to_string())];
        query.extend(filter.query());
        let call = format!("approval_center/list scope={scope}");
        self.data(&call, self.request(reqwest::Method::GET, LIST_PATH).query(&query)).await
    }

    /// The flow of one entity.
    pub async fn detail(&self, entity_type: &str, entity_id: i64) -> Result<(wire::Detail, Value), VendorError> {
        let query = [("entity_type", entity_type.to_string()), ("entity_id", entity_id.to_string())];
        self.data("execute_records/detail", self.request(reqwest::Method::GET, DETAIL_PATH).query(&query)).await
    }

    /// Executes `action` (`pass`, `reject`, `cancel`) on a record.
    pub async fn execute(&self, record_id: i64, action: &str, opinion: &str) -> Result<(), VendorError> {
        let path = EXECUTE_PATH.replace("{id}", &record_id.to_string());
        let body = wire::ExecuteBody { execute_action: action, execute_opinion: opinion };
        let call = format!("execute_records/{record_id} {action}");
        self.send(&call, self.request(reqwest::Method::POST, &path).json(&body))
            .await
            .map(drop)
            .map_err(VendorError::as_outcome)
    }
}

/// Checks HTTP status and both envelope styles; returns the reply on `code: 0`.
pub fn envelope(call: &str, status: u16, body: &[u8]) -> Result<Value, VendorError> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) if status != 200 => return Err(VendorError::Http { call: call.into(), status }),
        Err(e) => return Err(VendorError::malformed(call, format!("not JSON ({e})"))),
    };
    let text = |k: &str| value.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let code_of =
        |k: &str| value.get(k).and_then(|c| c.as_i64().or_else(|| c.as_str().and_then(|s| s.trim().parse().ok())));
    // The document's error style.
    if let Some(errcode) = code_of("errcode").filter(|c| *c != 0) {
        return Err(vendor_error(call, errcode, text("errmsg")));
    }
    match code_of("code") {
        Some(0) => Ok(value),
        Some(code) => Err(vendor_error(call, code, text("message"))),
        None if status != 200 => Err(VendorError::Http { call: call.into(), status }),
        None => Err(VendorError::malformed(call, "the reply has neither `code` nor `errcode`")),
    }
}

fn vendor_error(call: &str, code: i64, message: String) -> VendorError {
    let (call, code_text) = (call.to_string(), code.to_string());
    if code == CODE_BAD_TOKEN {
        VendorError::Auth { call, code: code_text, message }
    } else {
        VendorError::Vendor { call, code: code_text, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_envelope_styles() {
        assert!(envelope("c", 200, r#"{"code":0,"message":"请求成功","data":{}}"#.as_bytes()).is_ok());
        let e = envelope("approval_center/list", 200, br#"{"errcode": 500, "errmsg": "invalid appid"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("approval_center/list") && e.contains("500") && e.contains("invalid appid"), "{e}");
        let e = envelope("c", 200, r#"{"code": 422, "message": "参数错误"}"#.as_bytes()).unwrap_err();
        assert!(
            matches!(&e, VendorError::Vendor { code, message, .. } if code == "422" && message == "参数错误"),
            "{e}"
        );
        assert!(matches!(
            envelope("c", 200, r#"{"errcode":401,"errmsg":"用户token无效"}"#.as_bytes()),
            Err(VendorError::Auth { .. })
        ));
        assert!(
            matches!(envelope("c", 401, r#"{"errcode":"401","errmsg":"x"}"#.as_bytes()), Err(VendorError::Auth { .. })),
            "errcode as text, HTTP 401"
        );
        assert!(matches!(envelope("c", 200, br#"{"code":0,"da"#), Err(VendorError::Malformed { .. })));
        assert!(matches!(envelope("c", 502, b"<html>bad gateway</html>"), Err(VendorError::Http { status: 502, .. })));
        assert!(matches!(envelope("c", 200, br#"{"data":1}"#), Err(VendorError::Malformed { .. })));
        assert!(matches!(envelope("c", 500, br#"{"data":1}"#), Err(VendorError::Http { status: 500, .. })));
    }
}
