//! HTTP calls to fxiaoke: every call is `POST` + `application/json` with `corpAccessToken` and
//! `corpId` in the body; every reply carries `errorCode` (0 = success). The token is fetched
//! single-flight and cached; `errorCode` 20016 (token invalid/expired) refreshes it and retries
//! the call once. Each endpoint has its own rate limiter that keeps well under the platform's
//! ~60 calls per 20 s. `errorMessage` is shown to people, never branched on.

use super::auth::{Credentials, Token};
use super::wire;
use crate::connectors::{http_client, send, transport_error};
use crate::error::VendorError;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Paths of the document (`001_…txt`).
pub mod path {
    pub const APPROVAL_TYPE_FORMS: &str = "/cgi/approvalTypeForms/get";
    pub const APPROVAL_QUERY: &str = "/cgi/approval/query";
    pub const APPROVAL_GET: &str = "/cgi/approval/get";
}

/// Paths BEYOND the document (vendor README: confirmed on the current platform, or for
/// `media/download` likely; the two people calls from the vendor's published pages and demo).
/// docs/fxiaoke-protocol.md names this block and the sources.
pub mod beyond_document {
    pub const CORP_ACCESS_TOKEN: &str = "/cgi/corpAccessToken/get/V2";
    pub const USER_BY_MOBILE: &str = "/cgi/user/getByMobile";
    /// One person by openUserId → `name`, `nickName`, `isStop` (vendor demo `OpenAPIUtils.getUserInfo`).
    pub const USER_GET: &str = "/cgi/user/get";
    /// A department's people `{openUserId, name, nickName}`; department 999999 = the whole company.
    pub const USER_SIMPLE_LIST: &str = "/cgi/user/simpleList";
    pub const MEDIA_DOWNLOAD: &str = "/media/download";
    pub const CRM_INSTANCES_QUERY: &str = "/cgi/crm/approvalInstances/query";
    pub const CRM_INSTANCE_GET: &str = "/cgi/crm/approvalInstance/get";
    pub const CRM_TASK_ACTION: &str = "/cgi/crm/approvalTask/action";
    pub const CRM_INSTANCE_CANCEL: &str = "/cgi/crm/v2/special/approval/instance/cancel";
}

/// Error codes. 0, 15002 and 20016 are the document's; 30027 is the platform's 全局返回码 as
/// third parties copy it; the rest are our choices (docs/fxiaoke-protocol.md, "Our choices"
/// 1), shared with the simulator.
pub mod code {
    pub const OK: i64 = 0;
    /// The document: `illegal parameter` (also: unknown id, window > 180 days, pageSize > 1000).
    pub const ILLEGAL_PARAMETER: i64 = 15002;
    /// The document: `corpAccessToken error` (invalid or expired).
    pub const TOKEN_INVALID: i64 = 20016;
    /// appId, appSecret or permanentCode wrong.
    pub const APP_CREDENTIALS: i64 = 20002;
    /// Too many calls to one endpoint.
    pub const RATE_LIMITED: i64 = 20050;
    /// The task/instance is not in a state where this user may act.
    pub const NOT_ALLOWED: i64 = 30001;
    /// 员工不存在 (`user/get` of an openUserId the company does not have).
    pub const NO_SUCH_EMPLOYEE: i64 = 30027;
}

/// What a code means, in words, for the error the user reads.
pub fn describe(c: i64) -> &'static str {
    match c {
        code::ILLEGAL_PARAMETER => "参数不合法 (illegal parameter)",
        code::TOKEN_INVALID => "corpAccessToken 无效或已过期 (token invalid or expired)",
        code::APP_CREDENTIALS => "appId、appSecret 或永久授权码错误 (app credentials wrong)",
        code::RATE_LIMITED => "调用过于频繁 (rate limit exceeded)",
        code::NOT_ALLOWED => "当前状态不允许此操作 (not allowed in the current state)",
        code::NO_SUCH_EMPLOYEE => "员工不存在 (no such employee)",
        _ => "未知错误码 (undocumented error code)",
    }
}

/// Calls per endpoint the connector allows itself: 10 at once, then one every 500 ms, so at
/// most 10 + 40 = 50 in any 20 s, under the platform's ~60, and 2 per second for as long as a
/// first sync reads (a larger burst with a slower refill read 10k approvals at 1.33 per second).
const BURST: u32 = 10;
const REFILL: Duration = Duration::from_millis(500);
/// The platform's rate-limit window: a 20050 answer holds the endpoint off this long (for
/// every process on the cache), then the call is made again.
const WINDOW: Duration = Duration::from_secs(20);
/// How often one call waits out a 20050 before the error reaches the user.
const THROTTLED_RETRIES: usize = 2;

pub struct Client {
    http: reqwest::Client,
    base: String,
    creds: Credentials,
    /// Held across a refresh, so the token is never fetched twice at once.
    token: tokio::sync::Mutex<Option<Token>>,
    limiters: Mutex<HashMap<&'static str, Arc<DefaultDirectRateLimiter>>>,
    /// The pace shared with the other processes on the cache; without one, this process's own.
    pacer: Option<Arc<dyn crate::connector::Pacer>>,
}

impl Client {
    pub fn new(base_url: &str, creds: Credentials) -> Result<Self, VendorError> {
        let base = crate::connectors::validate_base_url(base_url, "the base URL")?;
        Ok(Client {
            http: http_client(),
            base,
            creds,
            token: tokio::sync::Mutex::new(None),
            limiters: Mutex::default(),
            pacer: None,
        })
    }

    /// Paces the calls through `pacer`, shared with every process on the cache.
    pub fn paced_by(mut self, pacer: Arc<dyn crate::connector::Pacer>) -> Self {
        self.pacer = Some(pacer);
        self
    }

    /// Waits until `path` may be called again under our limit (shared across processes when
    /// a pacer was given, else this process's).
    async fn pace(&self, path: &'static str) {
        if let Some(pacer) = &self.pacer {
            let wait = pacer.reserve(&format!("fxiaoke{path}"), REFILL, BURST);
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            return;
        }
        let limiter = {
            let mut map = self.limiters.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(path)
                .or_insert_with(|| {
                    let burst = NonZeroU32::new(BURST).unwrap_or(NonZeroU32::MIN);
                    let quota =
                        Quota::with_period(REFILL).unwrap_or(Quota::per_second(NonZeroU32::MIN)).allow_burst(burst);
                    Arc::new(RateLimiter::direct(quota))
                })
                .clone()
        };
        limiter.until_ready().await;
    }

    /// The cached token, or a new one (one fetch at a time; others wait for it).
    pub async fn token(&self) -> Result<Token, VendorError> {
        let mut slot = self.token.lock().await;
        if let Some(t) = slot.as_ref().filter(|t| t.fresh(Instant::now())) {
            return Ok(t.clone());
        }
        let fresh = self.fetch_token().await?;
        *slot = Some(fresh.clone());
        Ok(fresh)
    }

    /// Forgets `used` after the vendor refused it, unless another caller already replaced it.
    async fn invalidate(&self, used: &Token) {
        let mut slot = self.token.lock().await;
        if slot.as_ref() == Some(used) {
            *slot = None;
        }
    }

    async fn fetch_token(&self) -> Result<Token, VendorError> {
        const CALL: &str = beyond_document::CORP_ACCESS_TOKEN;
        let raw = self.post(CALL, &self.creds.token_request()).await?;
        envelope(CALL, &raw)?;
        let t: wire::CorpAccessToken = serde_json::from_value(raw).map_err(|e| VendorError::malformed(CALL, e))?;
        if t.corp_access_token.is_empty() || t.corp_id.is_empty() {
            return Err(VendorError::malformed(CALL, "empty corpAccessToken or corpId"));
        }
        Ok(Token::new(t.corp_access_token, t.corp_id, t.expires_in, Instant::now()))
    }

    /// POSTs JSON and returns the parsed reply, checking only HTTP and JSON.
    async fn post(&self, call: &'static str, body: &Value) -> Result<Value, VendorError> {
        self.pace(call).await;
        let resp = send(call, self.http.post(format!("{}{call}", self.base)).json(body)).await?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| transport_error(call, e))?;
        parse(call, status, &bytes)
    }

    /// A call with the token in its body; on 20016 the token is refreshed and the call retried
    /// once.
    /// A 20050 ("too fast": the call did not run) holds the endpoint off for the platform's
    /// window, for every process on the cache, and the call is made again (at most
    /// [`THROTTLED_RETRIES`] times).
    pub async fn call_raw(&self, call: &'static str, body: Value) -> Result<Value, VendorError> {
        let (mut retried, mut throttled) = (false, 0);
        loop {
            let token = self.token().await?;
            let mut signed = body.clone();
            token.sign_body(&mut signed);
            let raw = self.post(call, &signed).await?;
            match envelope(call, &raw) {
                Err(VendorError::Auth { code, .. }) if code == code::TOKEN_INVALID.to_string() && !retried => {
                    tracing::debug!(call, "token refused (20016): refreshing once");
                    self.invalidate(&token).await;
                    retried = true;
                }
                Err(VendorError::Throttled { .. }) if throttled < THROTTLED_RETRIES => {
                    throttled += 1;
                    tracing::info!(call, "the vendor asks to slow down (20050): waiting out its window");
                    match &self.pacer {
                        // Past the burst our own pace allows after a pause, so the next call
                        // comes when the vendor's window has passed.
                        Some(pacer) => pacer.hold(&format!("fxiaoke{call}"), WINDOW + REFILL * BURST),
                        None => tokio::time::sleep(WINDOW).await,
                    }
                }
                other => return other.map(|_| raw),
            }
        }
    }

    pub async fn call<T: DeserializeOwned>(&self, call: &'static str, body: Value) -> Result<(T, Value), VendorError> {
        let raw = self.call_raw(call, body).await?;
        let typed = T::deserialize(&raw).map_err(|e| VendorError::record(call, e))?;
        Ok((typed, raw))
    }

    pub async fn user_by_mobile(&self, mobile: &str) -> Result<wire::UserByMobile, VendorError> {
        Ok(self.call(beyond_document::USER_BY_MOBILE, json!({ "mobile": mobile })).await?.0)
    }

    /// `user/get`: one person by openUserId.
    pub async fn user_get(&self, open_user_id: &str) -> Result<wire::UserGet, VendorError> {
        Ok(self.call(beyond_document::USER_GET, json!({ "openUserId": open_user_id })).await?.0)
    }

    /// `user/simpleList` of department 999999 with its sub-departments: the whole company.
    pub async fn user_simple_list(&self) -> Result<wire::UserSimpleList, VendorError> {
        const WHOLE_COMPANY: i64 = 999_999;
        Ok(self
            .call(beyond_document::USER_SIMPLE_LIST, json!({ "departmentId": WHOLE_COMPANY, "fetchChild": true }))
            .await?
            .0)
    }

    pub async fn approval_type_forms(&self) -> Result<wire::ApprovalTypeForms, VendorError> {
        Ok(self.call(path::APPROVAL_TYPE_FORMS, json!({})).await?.0)
    }

    /// `approval/query` over `[start_ms, end_ms]`, both ends included (a window of
    /// `fxiaoke::windows`), page `page` of `size`.
    pub async fn approval_query(
        &self,
        start_ms: i64,
        end_ms: i64,
        page: i64,
        size: i64,
    ) -> Result<wire::ApprovalQuery, VendorError> {
        let body = json!({ "startTime": start_ms, "endTime": end_ms, "pageNumber": page, "pageSize": size });
        Ok(self.call(path::APPROVAL_QUERY, body).await?.0)
    }

    pub async fn approval_get(&self, id: i64) -> Result<(wire::ApprovalGet, Value), VendorError> {
        self.call(path::APPROVAL_GET, json!({ "approvalId": id })).await
    }

    pub async fn crm_instances_query(
        &self,
        me: &str,
        flow: &str,
        start_ms: i64,
        end_ms: i64,
        page: i64,
        size: i64,
    ) -> Result<wire::CrmInstancesQuery, VendorError> {
        let body = json!({
            "currentOpenUserId": me, "flowApiName": flow, "startTime": start_ms, "endTime": end_ms,
            "pageNumber": page, "pageSize": size,
        });
        Ok(self.call(beyond_document::CRM_INSTANCES_QUERY, body).await?.0)
    }

    pub async fn crm_instance_get(
        &self,
        me: &str,
        instance_id: &str,
    ) -> Result<(wire::CrmInstanceGet, Value), VendorError> {
        self.call(beyond_document::CRM_INSTANCE_GET, json!({ "currentOpenUserId": me, "instanceId": instance_id }))
            .await
    }

    /// `approvalTask/action` with `actionType` `agree` or `reject`.
    pub async fn crm_task_action(
        &self,
        me: &str,
        task_id: &str,
        action_type: &str,
        opinion: &str,
    ) -> Result<(), VendorError> {
        let body = json!({ "currentOpenUserId": me, "taskId": task_id, "actionType": action_type, "opinion": opinion });
        self.call_raw(beyond_document::CRM_TASK_ACTION, body).await.map(drop).map_err(VendorError::as_outcome)
    }

    /// Cancels the approval flow running on a CRM record (the applicant withdraws it).
    pub async fn crm_instance_cancel(
        &self,
        me: &str,
        entity_id: &str,
        object_id: &str,
        reason: &str,
    ) -> Result<(), VendorError> {
        let body = json!({
            "currentOpenUserId": me,
            "data": { "entityId": entity_id, "objectId": object_id, "cancelReason": reason },
        });
        self.call_raw(beyond_document::CRM_INSTANCE_CANCEL, body).await.map(drop).map_err(VendorError::as_outcome)
    }

    /// `media/download`: the bytes; a JSON reply is the vendor's error.
    pub async fn media_download(&self, media_id: &str) -> Result<Vec<u8>, VendorError> {
        const CALL: &str = beyond_document::MEDIA_DOWNLOAD;
        let mut retried = false;
        loop {
            let token = self.token().await?;
            let mut body = json!({ "mediaId": media_id });
            token.sign_body(&mut body);
            self.pace(CALL).await;
            let resp = send(CALL, self.http.post(format!("{}{CALL}", self.base)).json(&body)).await?;
            let status = resp.status().as_u16();
            let is_json = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("json"));
            let bytes = resp.bytes().await.map_err(|e| transport_error(CALL, e))?;
            if !is_json && status == 200 {
                return Ok(bytes.to_vec());
            }
            let raw = parse(CALL, status, &bytes)?;
            match envelope(CALL, &raw) {
                Err(VendorError::Auth { code, .. }) if code == code::TOKEN_INVALID.to_string() && !retried => {
                    self.invalidate(&token).await;
                    retried = true;
                }
                Err(e) => return Err(e),
                Ok(()) => return Err(VendorError::malformed(CALL, "a JSON reply where file bytes were expected")),
            }
        }
    }
}

/// HTTP status and JSON: a non-JSON body is an HTTP error when the status is not 200.
/// Checks HTTP and JSON of a raw reply (public for the fuzz tests).
pub fn parse(call: &str, status: u16, body: &[u8]) -> Result<Value, VendorError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(v) if v.get("errorCode").is_some() => Ok(v),
        _ if status != 200 => Err(VendorError::Http { call: call.into(), status }),
        Ok(_) => Err(VendorError::malformed(call, "the reply has no `errorCode`")),
        Err(e) => Err(VendorError::malformed(call, format!("not JSON ({e})"))),
    }
}

/// The `errorCode` check: 0 passes; credential codes are `Auth`; every other code is `Vendor`
/// with its meaning in words and the vendor's own message.
pub fn envelope(call: &str, raw: &Value) -> Result<(), VendorError> {
    let env: wire::Envelope = serde_json::from_value(raw.clone()).map_err(|e| VendorError::malformed(call, e))?;
    if env.error_code == code::OK {
        return Ok(());
    }
    let said = env.error_message.unwrap_or_default();
    let message = format!("{} — {said}", describe(env.error_code));
    let (call, code_text) = (call.to_string(), env.error_code.to_string());
    Err(match env.error_code {
        code::TOKEN_INVALID | code::APP_CREDENTIALS => VendorError::Auth { call, code: code_text, message },
        code::RATE_LIMITED => VendorError::Throttled { call, message: format!("code {code_text}: {message}") },
        _ => VendorError::Vendor { call, code: code_text, message },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_rules() {
        assert!(envelope("c", &json!({"errorCode": 0, "errorMessage": "success"})).is_ok());
        let e = envelope("c", &json!({"errorCode": 20016, "errorMessage": "corpAccessToken error"})).unwrap_err();
        assert!(matches!(e, VendorError::Auth { ref code, .. } if code == "20016"), "{e}");
        let e = envelope("approval/get", &json!({"errorCode": 15002, "errorMessage": "illegal parameter"}))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("approval/get")
                && e.contains("15002")
                && e.contains("参数不合法")
                && e.contains("illegal parameter"),
            "{e}"
        );
        // The message is never what decides: a success code with an alarming message passes.
        assert!(envelope("c", &json!({"errorCode": 0, "errorMessage": "corpAccessToken error"})).is_ok());
        assert!(matches!(envelope("c", &json!({"errorCode": "x"})), Err(VendorError::Malformed { .. })));
        assert!(matches!(parse("c", 502, b"<html>"), Err(VendorError::Http { status: 502, .. })));
        assert!(matches!(parse("c", 200, b"{\"a\":1}"), Err(VendorError::Malformed { .. })));
        for c in [
            code::ILLEGAL_PARAMETER,
            code::TOKEN_INVALID,
            code::APP_CREDENTIALS,
            code::RATE_LIMITED,
            code::NOT_ALLOWED,
            code::NO_SUCH_EMPLOYEE,
        ] {
            assert!(!describe(c).starts_with("未知"), "{c} has words");
        }
    }
}
