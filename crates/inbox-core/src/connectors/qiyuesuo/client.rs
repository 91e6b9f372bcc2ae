//! HTTP calls to 契约锁: signed GETs with query parameters, signed JSON POSTs and the document
//! download, and the envelope check. Success is `responseCode == "00000000"` or `code == 0`
//! (both spellings exist); auth failures come as HTTP 441/442 with a JSON body, so the body is
//! read before the status. The payload is read wherever either published edition puts it
//! (open v2 `result`; private cloud 4.0 `contract`, `signUrl`, `viewUrl`). Every response code
//! is put into words by [`describe`].

use super::auth::Credentials;
use super::wire;
use crate::connector::Download;
use crate::connectors::{http_client, send, transport_error};
use crate::error::VendorError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

pub const CALL_LIST: &str = "contract/list";
pub const CALL_DETAIL: &str = "contract/detail";
pub const CALL_AUDIT: &str = "contract/employeeaudit";
pub const CALL_PAGEURL: &str = "contract/pageurl";
pub const CALL_DOWNLOAD: &str = "document/download";
/// The vendor's published download of one contract document: `GET …?documentId=<id>` answers
/// the PDF (`application/pdf`), or the JSON error envelope instead of the file (open v2
/// «1.5.2 下载合同文档»; the vendor's PHP SDK `DocumentDownloadRequest`; private cloud
/// `API_DOC.md` §1.4.2.2 without `/v2`).
pub const DOCUMENT_DOWNLOAD_PATH: &str = "/v2/document/download";

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
    ("1000000", "未知错误 (unknown error; private cloud)"),
    ("1000001", "参数错误 (invalid parameter; private cloud)"),
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
        let base = crate::connectors::validate_base_url(base_url, "the base URL")?;
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

    /// A signed GET of `/v2/<call>`; returns the whole reply.
    pub async fn get_reply(&self, call: &str, query: &[(&str, String)]) -> Result<Value, VendorError> {
        let req = self.http.get(format!("{}/v2/{call}", self.base)).query(query);
        self.send(call, req).await
    }

    /// A signed GET of `/v2/<call>`; returns `result`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        call: &str,
        query: &[(&str, String)],
    ) -> Result<(T, Value), VendorError> {
        typed(call, payload(call, self.get_reply(call, query).await?, &["result"])?)
    }

    /// A signed JSON POST to `/v2/<call>`; returns the whole reply.
    pub async fn post(&self, call: &str, body: &impl Serialize) -> Result<Value, VendorError> {
        let req = self
            .http
            .post(format!("{}/v2/{call}", self.base))
            .header("Content-Type", "application/json;charset=UTF-8")
            .json(body);
        self.send(call, req).await
    }

    /// `contract/list`: one page of the company's contracts in the window (open v2
    /// `result.list` or private cloud `result.contractList`).
    pub async fn list(
        &self,
        offset: usize,
        limit: usize,
        start: &str,
        end: &str,
    ) -> Result<wire::ContractList, VendorError> {
        let query = [
            ("signatoryType", "ALL".to_string()),
            ("publishTimeStart", start.to_string()),
            ("publishTimeEnd", end.to_string()),
            ("selectOffset", offset.to_string()),
            ("selectLimit", limit.to_string()),
        ];
        // The page's envelope must be readable; its items are read one by one.
        let (list, _): (wire::ContractList, Value) =
            self.get(CALL_LIST, &query).await.map_err(|e| page_error(CALL_LIST, e))?;
        Ok(list)
    }

    /// `contract/detail` with the operators (`queryActionOperator=true`: without it the open
    /// platform returns no `operators`, and the todo rule has nobody to match). The contract is
    /// `result` (open v2) or `contract` (private cloud).
    pub async fn detail(&self, contract_id: &str) -> Result<(wire::Contract, Value), VendorError> {
        let query = [("contractId", contract_id.to_string()), ("queryActionOperator", "true".to_string())];
        typed(CALL_DETAIL, payload(CALL_DETAIL, self.get_reply(CALL_DETAIL, &query).await?, &["result", "contract"])?)
    }

    pub async fn employee_audit(&self, req: &wire::AuditRequest) -> Result<(), VendorError> {
        self.post(CALL_AUDIT, req).await.map(drop).map_err(VendorError::as_outcome)
    }

    /// The page's URL: `result.pageUrl` (open v2), or a private cloud's `signUrl` / `viewUrl`.
    pub async fn page_url(&self, req: &wire::PageUrlRequest) -> Result<String, VendorError> {
        let reply = self.post(CALL_PAGEURL, req).await?;
        page_url_of(&reply).ok_or_else(|| VendorError::record(CALL_PAGEURL, "the reply has no `pageUrl`"))
    }

    /// One contract document's bytes (a PDF) through [`DOCUMENT_DOWNLOAD_PATH`].
    pub async fn document(&self, document_id: &str) -> Result<Download, VendorError> {
        let req = self.http.get(format!("{}{DOCUMENT_DOWNLOAD_PATH}", self.base)).query(&[("documentId", document_id)]);
        let resp = send(CALL_DOWNLOAD, self.signed(req)).await?;
        let status = resp.status().as_u16();
        let header = |name: reqwest::header::HeaderName| {
            resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
        };
        let (content_type, disposition) =
            (header(reqwest::header::CONTENT_TYPE), header(reqwest::header::CONTENT_DISPOSITION));
        let bytes = resp.bytes().await.map_err(|e| transport_error(CALL_DOWNLOAD, e))?;
        document_reply(document_id, status, content_type.as_deref(), disposition.as_deref(), &bytes)
    }
}

/// What the document download answered: the file, or the error its JSON body (the vendor's
/// error envelope comes instead of the file: the vendor's PHP sample checks exactly that) or
/// its status says.
pub fn document_reply(
    document_id: &str,
    status: u16,
    content_type: Option<&str>,
    disposition: Option<&str>,
    body: &[u8],
) -> Result<Download, VendorError> {
    let looks_json = content_type.is_some_and(|t| t.contains("json")) || body.trim_ascii_start().starts_with(b"{");
    if looks_json {
        envelope(CALL_DOWNLOAD, status, body)?;
        return Err(VendorError::malformed(CALL_DOWNLOAD, "a JSON reply where the document's PDF was expected"));
    }
    if status != 200 {
        return Err(VendorError::Http { call: CALL_DOWNLOAD.into(), status });
    }
    let name = disposition.and_then(file_name).unwrap_or_else(|| format!("{document_id}.pdf"));
    Ok(Download { name, bytes: body.to_vec() })
}

/// The file name of a `Content-Disposition` (`attachment;fileName=<id>.pdf`, as the private
/// cloud's document publishes it, or `filename*=UTF-8''…`).
fn file_name(disposition: &str) -> Option<String> {
    let mut plain = None;
    for part in disposition.split(';').map(str::trim) {
        let Some((key, value)) = part.split_once('=') else { continue };
        let value = value.trim().trim_matches('"');
        match key.trim().to_ascii_lowercase().as_str() {
            "filename*" => {
                let encoded = value.split_once("''").map_or(value, |(_, v)| v);
                return Some(percent_encoding::percent_decode_str(encoded).decode_utf8_lossy().into_owned())
                    .filter(|n| !n.is_empty());
            }
            "filename" if !value.is_empty() => plain = Some(value.to_string()),
            _ => {}
        }
    }
    plain
}

/// A list page whose `result` cannot be read at all fails the page, not an item.
fn page_error(call: &str, e: VendorError) -> VendorError {
    match e {
        VendorError::Record { reason, .. } => VendorError::malformed(call, reason),
        other => other,
    }
}

/// The reply's payload: under the first of `keys` that holds an object.
fn payload(call: &str, reply: Value, keys: &[&str]) -> Result<Value, VendorError> {
    let Value::Object(mut reply) = reply else {
        return Err(VendorError::malformed(call, "the reply is not a JSON object"));
    };
    keys.iter()
        .find_map(|k| reply.remove(*k).filter(Value::is_object))
        .ok_or_else(|| VendorError::malformed(call, format!("the reply has no `{}`", keys.join("` or `"))))
}

/// Decodes a payload; a record we cannot read concerns that record only.
fn typed<T: DeserializeOwned>(call: &str, payload: Value) -> Result<(T, Value), VendorError> {
    let t = T::deserialize(&payload).map_err(|e| VendorError::record(call, e))?;
    Ok((t, payload))
}

fn page_url_of(reply: &Value) -> Option<String> {
    let text =
        |v: Option<&Value>| v.and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    text(reply.pointer("/result/pageUrl"))
        .or_else(|| ["pageUrl", "signUrl", "viewUrl"].iter().find_map(|k| text(reply.get(*k))))
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
    let vendor_message =
        value.get("message").or_else(|| value.get("msg")).and_then(Value::as_str).unwrap_or("").to_string();
    let message = match describe(&code) {
        Some(words) if vendor_message.is_empty() => words.to_string(),
        Some(words) => format!("{words}（{vendor_message}）"),
        None if is_success(&code) => return Err(VendorError::Http { call: call.into(), status }),
        None => vendor_message,
    };
    let (call, code) = (call.to_string(), code);
    // Refused credentials come as HTTP 441/442, and their code in the body of some gateways'
    // HTTP 200: either way they concern the account, not one contract.
    Err(if status == 441 || status == 442 || code == "441" || code == "442" {
        VendorError::Auth { call, code, message }
    } else {
        VendorError::Vendor { call, code, message }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
            for body in
                [format!(r#"{{"responseCode":"{code}","message":"m"}}"#), format!(r#"{{"code":{code},"message":"m"}}"#)]
            {
                let status = code.parse::<u16>().ok().filter(|s| *s < 1000).unwrap_or(200);
                let e = envelope("contract/employeeaudit", status, body.as_bytes()).unwrap_err().to_string();
                assert!(e.contains(words) && e.contains(code) && e.contains("contract/employeeaudit"), "{e}");
            }
        }
    }

    #[test]
    fn auth_failures_read_the_body_before_the_status() {
        let e = envelope("contract/list", 441, r#"{"code":441,"message":"签名错误"}"#.as_bytes()).unwrap_err();
        assert!(
            matches!(&e, VendorError::Auth { code, message, .. } if code == "441" && message.contains("签名错误")),
            "{e}"
        );
        let e = envelope("contract/list", 442, r#"{"code":442,"message":"AppToken无效"}"#.as_bytes()).unwrap_err();
        assert!(matches!(e, VendorError::Auth { .. }));
        assert!(matches!(envelope("c", 441, b"<html>"), Err(VendorError::Http { status: 441, .. })));
    }

    #[test]
    fn payloads_are_read_where_either_edition_puts_them() {
        let v2 = json!({ "code": 0, "message": "SUCCESS", "result": { "id": "1" } });
        let private = json!({ "code": 0, "message": "SUCCESS", "contract": { "id": "2" }, "ext1": null });
        assert_eq!(payload("c", v2, &["result", "contract"]).unwrap()["id"], "1");
        assert_eq!(payload("c", private, &["result", "contract"]).unwrap()["id"], "2");
        assert!(matches!(
            payload("c", json!({ "code": 0, "result": null }), &["result"]),
            Err(VendorError::Malformed { .. })
        ));
        assert_eq!(
            page_url_of(&json!({ "code": 0, "result": { "pageUrl": "https://a/p" } })).as_deref(),
            Some("https://a/p")
        );
        assert_eq!(
            page_url_of(&json!({ "code": 0, "signUrl": "http://privapp/sign?viewToken=x" })).as_deref(),
            Some("http://privapp/sign?viewToken=x")
        );
        assert_eq!(page_url_of(&json!({ "code": 0, "result": {} })), None);
    }

    #[test]
    fn a_document_is_its_bytes_and_a_json_body_is_the_vendors_error() {
        let pdf = document_reply("7", 200, Some("application/pdf"), Some("attachment;fileName=7.pdf"), b"%PDF-1.4 ...")
            .unwrap();
        assert_eq!((pdf.name.as_str(), &pdf.bytes[..4]), ("7.pdf", &b"%PDF"[..]));
        let named =
            document_reply("7", 200, None, Some("attachment; filename*=UTF-8''%E5%90%88%E5%90%8C.pdf"), b"%PDF")
                .unwrap();
        assert_eq!(named.name, "合同.pdf");
        assert_eq!(document_reply("7", 200, None, None, b"%PDF").unwrap().name, "7.pdf");
        let e = document_reply(
            "7",
            200,
            Some("application/json"),
            None,
            r#"{"code":11990005,"message":"文档不存在"}"#.as_bytes(),
        )
        .unwrap_err();
        assert!(matches!(&e, VendorError::Vendor { code, .. } if code == "11990005"), "{e}");
        let e = document_reply("7", 200, Some("text/plain"), None, br#" {"code":0,"message":"SUCCESS"}"#).unwrap_err();
        assert!(matches!(e, VendorError::Malformed { .. }), "{e}");
        assert!(matches!(
            document_reply("7", 404, Some("text/html"), None, b"<html>"),
            Err(VendorError::Http { status: 404, .. })
        ));
        assert!(matches!(
            document_reply("7", 441, Some("application/json"), None, br#"{"code":441,"message":"x"}"#),
            Err(VendorError::Auth { .. })
        ));
    }

    #[test]
    fn unknown_codes_show_the_code_and_the_vendor_message() {
        let e = envelope("contract/detail", 200, r#"{"code":1234567,"message":"系统繁忙"}"#.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("1234567") && e.contains("系统繁忙"), "{e}");
        assert!(matches!(envelope("c", 200, br#"{"result":{}}"#), Err(VendorError::Malformed { .. })));
        assert!(matches!(envelope("c", 200, br#"{"code":0"#), Err(VendorError::Malformed { .. })));
        assert!(matches!(envelope("c", 500, b"oops"), Err(VendorError::Http { status: 500, .. })));
    }
}
