//! HTTP calls to 契约锁: signed GETs with query parameters and signed JSON POSTs, and the
//! envelope check. Success is `responseCode == "00000000"` or `code == 0` (both spellings
//! exist); auth failures come as HTTP 441/442 with a JSON body, so the body is read before the
//! status. Every response code is put into words by [`describe`].

use super::auth::Credentials;
use super::wire;
use crate::connectors::{send, http_client, transport_error};
use crate::error::VendorError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

pub const CALL_LIST: &str = "contract/list";
pub const CALL_DETAIL: &str = "contract/detail";
pub const CALL_AUDIT: &str = "contract/employeeaudit";
pub const CALL_PAGEURL: &str = "contract/pageurl";

/// Every response code we know, in words (Chinese first, then English). The document's codes,
/// plus the two HTTP statuses of refused credentials (our choice 2).
const CODES: &[(&str, &str)] = &[
    ("11990005", "无效的参数：参数格式错误、必传参数未传、超出取值范围或类型不正确 (invalid parameter)"),
    ("11011107", "未轮到签署：合同当前不在审批环节 (not this step's turn)"),
    ("11101003", "合同不存在 (contract not found)"),
    ("11011101", "无效的合同状态：合同当前状态不允许此操作 (the contract's status does not allow this)"),
    ("14990002", "权限不匹配：该合同或签署方不属于本应用的公司 (permission mismatch)"),
    ("441", "签名校验失败：签名错误、时间戳过期或 nonce 重复 (signature, timestamp or nonce refused)"),
    ("442", "AppToken 无效或已停用 (unknown or disabled AppToken)"),
];

/// The sentence for a response code, if it is one we know.
pub fn describe(code: &str) -> Option<&'static str> {
    CODES.iter().find(|(c, _)| *c == code).map(|(_, words)| *words)
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    creds: Credentials,
}

impl Client {
    pub fn new(base_url: &str, creds: Credentials) -> Result<Self, VendorError> {
        let base = base_url.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(VendorError::Config(format!("the base URL must start with http:// or https://, not \"{base}\"")));
        }
        Ok(Client { http: http_client(), base, creds })
    }

    fn signed(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        self.creds.headers().into_iter().fold(req, |r, (k, v)| r.header(k, v))
    }

    async fn send(&self, call: &str, req: reqwest::RequestBuilder) -> Result<Value, VendorError> {
        let resp = send(call, self.signed(req)).await?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| transport_error(call, e))?;
        envelope(call, status, &body)
    }

    /// A signed GET of `/v2/<call>`; returns `result`.
    pub async fn get<T: DeserializeOwned>(&self, call: &str, query: &[(&str, String)]) -> Result<(T, Value), VendorError> {
        let req = self.http.get(format!("{}/v2/{call}", self.base)).query(query);
        typed(call, self.send(call, req).await?)
    }

    /// A signed JSON POST to `/v2/<call>`; returns the whole reply.
    pub async fn post(&self, call: &str, body: &impl Serialize) -> Result<Value, VendorError> {
        let req = self.http.post(format!("{}/v2/{call}", self.base)).header("Content-Type", "application/json;charset=UTF-8").json(body);
        self.send(call, req).await
    }

    /// `contract/list`: one page of the company's contracts in the window.
    pub async fn list(&self, offset: usize, limit: usize, start: &str, end: &str) -> Result<wire::ContractList, VendorError> {
        let query = [
            ("signatoryType", "ALL".to_string()),
            ("publishTimeStart", start.to_string()),
            ("publishTimeEnd", end.to_string()),
            ("selectOffset", offset.to_string()),
            ("selectLimit", limit.to_string()),
        ];
        // The page's envelope and count must be readable; its items are read one by one.
        let (list, _): (wire::ContractList, Value) = self.get(CALL_LIST, &query).await?;
        Ok(list)
    }

    pub async fn detail(&self, contract_id: &str) -> Result<(wire::Contract, Value), VendorError> {
        self.get(CALL_DETAIL, &[("contractId", contract_id.to_string())]).await
    }

    pub async fn employee_audit(&self, req: &wire::AuditRequest) -> Result<(), VendorError> {
        self.post(CALL_AUDIT, req).await.map(drop).map_err(VendorError::as_outcome)
    }

    pub async fn page_url(&self, req: &wire::PageUrlRequest) -> Result<String, VendorError> {
        let reply = self.post(CALL_PAGEURL, req).await?;
        let (page, _): (wire::PageUrl, _) = typed(CALL_PAGEURL, reply)?;
        Ok(page.page_url)
    }
}

/// Decodes `result` of a `code`-spelling reply.
fn typed<T: DeserializeOwned>(call: &str, reply: Value) -> Result<(T, Value), VendorError> {
    let result = reply.get("result").cloned().ok_or_else(|| VendorError::malformed(call, "the reply has no `result`"))?;
    let t = T::deserialize(&result).map_err(|e| VendorError::record(call, e))?;
    Ok((t, result))
}

/// The reply's code in either spelling, as text; `None` if it has neither.
fn code_of(v: &Value) -> Option<String> {
    let code = v.get("responseCode").filter(|c| !c.is_null()).or_else(|| v.get("code").filter(|c| !c.is_null()))?;
    match code {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn is_success(code: &str) -> bool {
    code == "00000000" || code == "0"
}

/// Checks the reply: JSON body first (auth failures are HTTP 441/442 with a body), then the
/// code in either spelling, then the HTTP status.
pub fn envelope(call: &str, status: u16, body: &[u8]) -> Result<Value, VendorError> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) if status != 200 => return Err(VendorError::Http { call: call.into(), status }),
        Err(e) => return Err(VendorError::malformed(call, format!("not JSON ({e})"))),
    };
    let Some(code) = code_of(&value) else {
        return Err(if status != 200 {
            VendorError::Http { call: call.into(), status }
        } else {
            VendorError::malformed(call, "the reply has neither `responseCode` nor `code`")
        });
    };
    if is_success(&code) && status == 200 {
        return Ok(value);
    }
    let vendor_message = value.get("message").or_else(|| value.get("msg")).and_then(Value::as_str).unwrap_or("").to_string();
    let message = match describe(&code) {
        Some(words) if vendor_message.is_empty() => words.to_string(),
        Some(words) => format!("{words}（{vendor_message}）"),
        None if is_success(&code) => return Err(VendorError::Http { call: call.into(), status }),
        None => vendor_message,
    };
    let (call, code) = (call.to_string(), code);
    Err(if status == 441 || status == 442 {
        VendorError::Auth { call, code, message }
    } else {
        VendorError::Vendor { call, code, message }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_success_spellings_are_accepted() {
        assert!(envelope("c", 200, br#"{"responseCode":"00000000","message":"SUCCESS"}"#).is_ok());
        assert!(envelope("c", 200, br#"{"code":0,"message":"SUCCESS","result":{}}"#).is_ok());
        assert!(envelope("c", 200, br#"{"code":"0","message":"SUCCESS"}"#).is_ok());
        assert!(envelope("c", 200, br#"{"responseCode":null,"code":0}"#).is_ok());
    }

    #[test]
    fn every_documented_code_is_shown_in_words() {
        for (code, words) in CODES {
            for body in [format!(r#"{{"responseCode":"{code}","message":"m"}}"#), format!(r#"{{"code":{code},"message":"m"}}"#)] {
                let status = code.parse::<u16>().ok().filter(|s| *s < 1000).unwrap_or(200);
                let e = envelope("contract/employeeaudit", status, body.as_bytes()).unwrap_err().to_string();
                assert!(e.contains(words) && e.contains(code) && e.contains("contract/employeeaudit"), "{e}");
            }
        }
    }

    #[test]
    fn auth_failures_read_the_body_before_the_status() {
        let e = envelope("contract/list", 441, r#"{"code":441,"message":"签名错误"}"#.as_bytes()).unwrap_err();
        assert!(matches!(&e, VendorError::Auth { code, message, .. } if code == "441" && message.contains("签名错误")), "{e}");
        let e = envelope("contract/list", 442, r#"{"code":442,"message":"AppToken无效"}"#.as_bytes()).unwrap_err();
        assert!(matches!(e, VendorError::Auth { .. }));
        assert!(matches!(envelope("c", 441, b"<html>"), Err(VendorError::Http { status: 441, .. })));
    }

    #[test]
    fn unknown_codes_show_the_code_and_the_vendor_message() {
        let e = envelope("contract/detail", 200, r#"{"code":1000001,"message":"系统繁忙"}"#.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("1000001") && e.contains("系统繁忙"), "{e}");
        assert!(matches!(envelope("c", 200, br#"{"result":{}}"#), Err(VendorError::Malformed { .. })));
        assert!(matches!(envelope("c", 200, br#"{"code":0"#), Err(VendorError::Malformed { .. })));
        assert!(matches!(envelope("c", 500, b"oops"), Err(VendorError::Http { status: 500, .. })));
    }
}
