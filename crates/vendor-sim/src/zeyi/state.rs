//! 则一's side of the audit API: the app (our keys and the callback keys), 则一's employees and
//! approval types, and every approval sent to it with its state machine
//! (pending → agreed | refused | cancelled | deleted). `send` and `cancel` are what the HTTP
//! endpoints run; `decide` is what an approver in 则一 (the admin endpoint or the demo timer)
//! does. Error codes and envelopes are fixed in docs/zeyi-protocol.md (choice 2).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A refused call: the envelope's `errorCode` and `message`, and whether it is a business
/// exception (`businessException: true`) or a request failure (`success: false` only).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub code: &'static str,
    pub message: String,
    pub business: bool,
    /// The `{id, auditId}` an `AUDIT_EXISTS` answer names (choice 3): the approval already
    /// holding the business id.
    pub existing: Option<(String, String)>,
}

impl ApiError {
    fn request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), business: false, existing: None }
    }
    fn business(code: &'static str, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), business: true, existing: None }
    }
    pub fn header(name: &str) -> Self {
        Self::request("HEADER_MISSING", format!("缺少请求头: {name}"))
    }
    pub fn app_key() -> Self {
        Self::request("APP_KEY_INVALID", "appKey无效")
    }
    pub fn sign() -> Self {
        Self::request("SIGN_ERROR", "签名验证失败")
    }
    pub fn decrypt() -> Self {
        Self::request("DECRYPT_ERROR", "数据解密失败")
    }
    /// The caller's address is not on the integration's IP whitelist (白名单). The document says
    /// only that calls are limited to whitelisted server IPs, not how a refusal looks: like
    /// every other request failure, the envelope with HTTP 200 (docs/zeyi-protocol.md choice 14).
    pub fn not_whitelisted(caller: &str) -> Self {
        Self::request("IP_NOT_WHITELISTED", format!("IP不在白名单: {caller}"))
    }
    pub fn param(name: &str) -> Self {
        Self::request("PARAM_ERROR", format!("参数错误: {name}"))
    }

    /// The envelope as sent; `result` is `null` except for an `AUDIT_EXISTS` that names the
    /// approval holding the id.
    pub fn to_json(&self) -> Value {
        let result =
            self.existing.as_ref().map_or(Value::Null, |(id, audit_id)| json!({ "id": id, "auditId": audit_id }));
        json!({ "success": false, "businessException": self.business, "errorCode": self.code, "message": self.message, "result": result })
    }
}

/// The success envelope around `result`.
pub fn ok(result: Value) -> Value {
    json!({ "success": true, "businessException": false, "errorCode": null, "message": null, "result": result })
}

/// Our integration as 则一 configured it: the pair 则一 issued to us, the pair we issued to 则一
/// for its callbacks, encryption, and where callbacks go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct App {
    pub app_key: String,
    pub app_secret: String,
    pub encrypt: bool,
    pub iv: String,
    pub callback_app_key: String,
    pub callback_app_secret: String,
    pub callback_url: Option<String>,
}

/// A 则一 employee (工号, name, department).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Employee {
    pub username: String,
    pub name: String,
    pub dept: String,
}

/// Where an approval stands in 则一.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditStatus {
    Pending,
    Agreed,
    Refused,
    Cancelled,
    Deleted,
}

impl AuditStatus {
    /// Pending or agreed: at most one per business id (the document's uniqueness rule).
    pub fn holds_id(self) -> bool {
        matches!(self, AuditStatus::Pending | AuditStatus::Agreed)
    }
}

/// One approval sent to 则一.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Audit {
    pub id: String,
    pub audit_id: String,
    pub audit_code: String,
    pub audit_type: String,
    pub username: String,
    /// The send body as received (decrypted).
    pub body: Value,
    pub status: AuditStatus,
    /// 最终审核人 (name) once decided.
    pub audit_user: Option<String>,
    pub remark: Option<String>,
    pub sent_at_ms: i64,
    pub finished_at_ms: Option<i64>,
}

impl Audit {
    /// The callback body for this approval's current (final) state.
    pub fn callback_body(&self) -> Value {
        let (kind, result) = match self.status {
            AuditStatus::Agreed => ("finish", Some("agree")),
            AuditStatus::Refused => ("finish", Some("refuse")),
            _ => ("terminate", None),
        };
        let mut body = json!({
            "id": self.id, "auditId": self.audit_id, "auditCode": self.audit_code,
            "auditType": self.audit_type, "type": kind,
        });
        if let Some(r) = result {
            body["result"] = r.into();
        }
        if let Some(u) = &self.audit_user {
            body["auditUser"] = u.clone().into();
        }
        if let Some(r) = &self.remark {
            body["remark"] = r.clone().into();
        }
        body
    }
}

/// What an approver in 则一 decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Reject,
    /// The approval is deleted in 则一 (审批终止).
    Terminate,
}

/// The whole of 则一 as the simulator holds it.
#[derive(Debug)]
pub struct State {
    pub app: App,
    pub employees: BTreeMap<String, Employee>,
    /// 审批类型 code → name, with the 工号 of the usual approver.
    pub audit_types: BTreeMap<String, (String, String)>,
    pub audits: Vec<Audit>,
    pub rng: StdRng,
    /// `AUDIT_EXISTS` answers name no approval (`result: null`), as a 则一 that does not tell
    /// the auditId might answer (`Sim::set_bare_exists`); default: they name it (choice 3).
    pub bare_exists: bool,
    next_code: u64,
}

impl State {
    pub fn new(seed: u64, app: App) -> Self {
        State {
            app,
            employees: BTreeMap::new(),
            audit_types: BTreeMap::new(),
            audits: Vec::new(),
            rng: StdRng::seed_from_u64(seed ^ 0x7a65_7969),
            bare_exists: false,
            next_code: 1,
        }
    }

    /// 32 lowercase hex characters (则一's id style).
    pub fn hex_id(&mut self) -> String {
        format!("{:032x}", self.rng.random::<u128>())
    }

    /// A 6-character `[a-z0-9]` nonce.
    pub fn nonce(&mut self) -> String {
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..6).map(|_| CHARS[self.rng.random_range(0..CHARS.len())] as char).collect()
    }

    pub fn audit(&self, audit_id: &str) -> Option<&Audit> {
        self.audits.iter().find(|a| a.audit_id == audit_id)
    }

    /// `audit/send`: validates the body, applies the uniqueness rule, creates the approval.
    pub fn send(&mut self, body: &Value, now_ms: i64) -> Result<Value, ApiError> {
        let id = text(body, "id")?;
        let audit_type = text(body, "auditType")?;
        let username = text(body, "username")?;
        check_form(body)?;
        if !self.audit_types.contains_key(&audit_type) {
            return Err(ApiError::business("AUDIT_TYPE_INVALID", format!("审批类型不存在: {audit_type}")));
        }
        if !self.employees.contains_key(&username) {
            return Err(ApiError::business("USER_NOT_FOUND", format!("员工工号不存在: {username}")));
        }
        if let Some(existing) = self.audits.iter().find(|a| a.id == id && a.status.holds_id()) {
            // The document: at most one pending-or-approved approval per id. Every second send
            // is refused, the same request resent after a lost reply too; the refusal names
            // the approval holding the id (choice 3), unless this 则一 is set not to.
            let mut refusal = ApiError::business("AUDIT_EXISTS", "该业务主键已有审核中或审核通过的审批");
            if !self.bare_exists {
                refusal.existing = Some((existing.id.clone(), existing.audit_id.clone()));
            }
            return Err(refusal);
        }
        let audit = Audit {
            id,
            audit_id: self.hex_id(),
            audit_code: format!("SP{:08}", self.next_code),
            audit_type,
            username,
            body: body.clone(),
            status: AuditStatus::Pending,
            audit_user: None,
            remark: None,
            sent_at_ms: now_ms,
            finished_at_ms: None,
        };
        self.next_code += 1;
        let reply = ok(json!({ "id": audit.id, "auditId": audit.audit_id }));
        self.audits.push(audit);
        Ok(reply)
    }

    /// `audit/cancel`: only a pending approval, named by both keys, of the right type, by its
    /// sender or the system. Returns the reply and the cancelled approval (for the callback).
    pub fn cancel(&mut self, body: &Value, now_ms: i64) -> Result<(Value, Audit), ApiError> {
        let id = text(body, "id")?;
        let audit_id = text(body, "auditId")?;
        let kind = text(body, "type")?;
        let remark = text(body, "remark")?;
        let username = match body.get("username") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(_) => return Err(ApiError::param("username")),
        };
        let audit = self
            .audits
            .iter_mut()
            .find(|a| a.audit_id == audit_id && a.id == id)
            .ok_or_else(|| ApiError::business("AUDIT_NOT_FOUND", "审批不存在"))?;
        if audit.audit_type != kind {
            return Err(ApiError::param("type"));
        }
        if username.as_ref().is_some_and(|u| *u != audit.username) {
            return Err(ApiError::business("NOT_INITIATOR", "只有发起人可以撤销审批"));
        }
        if audit.status != AuditStatus::Pending {
            return Err(ApiError::business("AUDIT_FINISHED", "审批已结束，不能撤销"));
        }
        audit.status = AuditStatus::Cancelled;
        audit.remark = Some(remark);
        audit.finished_at_ms = Some(now_ms);
        let reply = ok(json!({ "id": audit.id, "auditId": audit.audit_id }));
        Ok((reply, audit.clone()))
    }

    /// An approver's decision on the pending approval of business id `id` (or of `audit_id`).
    /// `approver` is a 工号 or a name; absent, the type's usual approver decides.
    pub fn decide(
        &mut self,
        key: &str,
        verdict: Verdict,
        approver: Option<&str>,
        remark: Option<&str>,
        now_ms: i64,
    ) -> Result<Audit, String> {
        let index = self
            .audits
            .iter()
            .position(|a| a.status == AuditStatus::Pending && (a.id == key || a.audit_id == key))
            .ok_or_else(|| format!("no pending approval with id or auditId {key}"))?;
        let usual = self.audit_types.get(&self.audits[index].audit_type).map(|(_, u)| u.clone()).unwrap_or_default();
        let who = approver.unwrap_or(&usual);
        let name = self.employees.get(who).map(|e| e.name.clone()).unwrap_or_else(|| who.to_string());
        let audit = &mut self.audits[index];
        audit.status = match verdict {
            Verdict::Pass => AuditStatus::Agreed,
            Verdict::Reject => AuditStatus::Refused,
            Verdict::Terminate => AuditStatus::Deleted,
        };
        audit.audit_user = Some(name);
        let default_remark = match verdict {
            Verdict::Pass => "同意",
            Verdict::Reject => "不同意",
            Verdict::Terminate => "审批已删除",
        };
        audit.remark = Some(remark.unwrap_or(default_remark).to_string());
        audit.finished_at_ms = Some(now_ms);
        Ok(audit.clone())
    }

    /// Pending approvals sent at or before `before_ms` (for the demo timer).
    pub fn pending_before(&self, before_ms: i64) -> Vec<String> {
        self.audits
            .iter()
            .filter(|a| a.status == AuditStatus::Pending && a.sent_at_ms <= before_ms)
            .map(|a| a.audit_id.clone())
            .collect()
    }
}

/// A required string field, non-empty.
fn text(body: &Value, name: &str) -> Result<String, ApiError> {
    match body.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        _ => Err(ApiError::param(name)),
    }
}

/// `auditFormList` (required, non-empty; `type` text|file, `name`, `value`; a file's value is
/// a URL) and `conditionParamList` (optional; `name`, `value`).
fn check_form(body: &Value) -> Result<(), ApiError> {
    let list = body
        .get("auditFormList")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| ApiError::param("auditFormList"))?;
    for (i, f) in list.iter().enumerate() {
        let kind = f.get("type").and_then(Value::as_str).unwrap_or("");
        let value = f.get("value").and_then(Value::as_str);
        let name_ok = f.get("name").and_then(Value::as_str).is_some_and(|n| !n.trim().is_empty());
        if !matches!(kind, "text" | "file") {
            return Err(ApiError::param(&format!("auditFormList[{i}].type")));
        }
        if !name_ok {
            return Err(ApiError::param(&format!("auditFormList[{i}].name")));
        }
        let url_ok = |v: &str| v.starts_with("http://") || v.starts_with("https://");
        if value.is_none() || (kind == "file" && !value.is_some_and(url_ok)) {
            return Err(ApiError::param(&format!("auditFormList[{i}].value")));
        }
    }
    match body.get("conditionParamList") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(items))
            if items.iter().all(|c| c.get("name").and_then(Value::as_str).is_some() && c.get("value").is_some()) =>
        {
            Ok(())
        }
        Some(_) => Err(ApiError::param("conditionParamList")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> State {
        super::super::seed::generate(1, 5)
    }

    fn body(id: &str, amount: &str) -> Value {
        json!({"id": id, "auditType": "purchase", "username": "E001", "auditFormList": [{"type": "text", "name": "金额", "value": amount}]})
    }

    #[test]
    fn one_pending_or_approved_approval_per_id() {
        let mut s = state();
        let first = s.send(&body("PO-1", "100"), 1).unwrap();
        let audit_id = first["result"]["auditId"].as_str().unwrap().to_string();
        // A resend (same request or not) is refused, naming the approval that holds the id.
        for resend in [body("PO-1", "100"), body("PO-1", "999")] {
            let refused = s.send(&resend, 2).unwrap_err();
            assert_eq!((refused.code, refused.business), ("AUDIT_EXISTS", true));
            assert_eq!(refused.to_json()["result"], json!({"id": "PO-1", "auditId": audit_id}));
            assert_eq!(refused.to_json()["success"], false);
        }
        assert_eq!(s.audits.iter().filter(|a| a.id == "PO-1").count(), 1);
        s.bare_exists = true;
        assert_eq!(
            s.send(&body("PO-1", "100"), 3).unwrap_err().to_json()["result"],
            Value::Null,
            "a bare 则一 names nothing"
        );
        s.bare_exists = false;
        s.decide("PO-1", Verdict::Pass, Some("E002"), None, 4).unwrap();
        let approved = s.send(&body("PO-1", "100"), 5).unwrap_err();
        assert_eq!(
            (approved.code, approved.existing.clone()),
            ("AUDIT_EXISTS", Some(("PO-1".into(), audit_id.clone()))),
            "approved still holds the id"
        );
        assert_eq!(s.audit(&audit_id).unwrap().audit_user.as_deref(), Some(s.employees["E002"].name.as_str()));
        s.send(&body("PO-2", "1"), 6).unwrap();
        s.decide("PO-2", Verdict::Reject, None, Some("预算不足"), 7).unwrap();
        assert!(s.send(&body("PO-2", "1"), 8).is_ok(), "a refused id may be sent again");
    }

    #[test]
    fn cancel_rules() {
        let mut s = state();
        let r = s.send(&body("PO-3", "1"), 1).unwrap();
        let audit_id = r["result"]["auditId"].as_str().unwrap();
        let cancel = |t: &str, u: Option<&str>| json!({"id": "PO-3", "auditId": audit_id, "type": t, "remark": "不需要了", "username": u});
        assert_eq!(s.cancel(&cancel("contract", None), 2).unwrap_err().message, "参数错误: type");
        assert_eq!(s.cancel(&cancel("purchase", Some("E005")), 2).unwrap_err().code, "NOT_INITIATOR");
        let (_, a) = s.cancel(&cancel("purchase", Some("E001")), 2).unwrap();
        assert_eq!(a.status, AuditStatus::Cancelled);
        assert_eq!(a.callback_body()["type"], "terminate");
        assert_eq!(s.cancel(&cancel("purchase", None), 3).unwrap_err().code, "AUDIT_FINISHED");
        let missing = json!({"id": "nope", "auditId": "nope", "type": "purchase", "remark": "x"});
        assert_eq!(s.cancel(&missing, 3).unwrap_err().code, "AUDIT_NOT_FOUND");
    }

    #[test]
    fn forms_are_checked_field_by_field() {
        let mut s = state();
        let mut b = body("PO-4", "1");
        b["auditFormList"][0]["type"] = "image".into();
        assert_eq!(s.send(&b, 1).unwrap_err().message, "参数错误: auditFormList[0].type");
        let mut b = body("PO-4", "1");
        b["auditFormList"] = json!([{"type": "file", "name": "报价单", "value": "/etc/passwd"}]);
        assert_eq!(s.send(&b, 1).unwrap_err().message, "参数错误: auditFormList[0].value");
        let mut b = body("PO-4", "1");
        b["auditType"] = "nope".into();
        assert_eq!(s.send(&b, 1).unwrap_err().code, "AUDIT_TYPE_INVALID");
        let mut b = body("PO-4", "1");
        b["username"] = "E999".into();
        assert_eq!(s.send(&b, 1).unwrap_err().code, "USER_NOT_FOUND");
        assert_eq!(s.send(&json!({"auditType": "purchase"}), 1).unwrap_err().message, "参数错误: id");
    }
}
