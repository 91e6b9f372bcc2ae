//! The simulated 契约锁 tenant: contracts with signatories and their actions (seal, signature,
//! audit), the audit state machine behind `employeeaudit`, the list filters and paging of
//! `contract/list`, and the JSON each endpoint answers (shapes: docs/qiyuesuo-protocol.md).

use std::collections::{BTreeMap, HashMap};

use chrono::{FixedOffset, NaiveDateTime, TimeZone};
use serde_json::{json, Value};

use super::error::ApiError;

/// Contract statuses (`contract/list` `status`).
pub const STATUSES: &[&str] =
    &["DRAFT", "RECALLED", "SIGNING", "REJECTED", "COMPLETE", "EXPIRED", "FILLING", "INVALIDING", "INVALIDED", "FORCE_END"];
/// Action types.
pub const AUDIT: &str = "AUDIT";
/// Action statuses.
pub const INIT: &str = "INIT";
pub const START: &str = "START";
pub const FINISH: &str = "FINISH";
pub const STOP: &str = "STOP";
/// The largest `selectLimit` (the vendor's default page, 1000).
pub const MAX_LIMIT: usize = 1000;
/// How long a nonce stays used, and how far a timestamp may be from the server's clock.
pub const NONCE_WINDOW_MS: i64 = 10 * 60 * 1000;
/// `yyyy-MM-dd HH:mm:ss`, China time.
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// A person as the vendor names them (`UserResponse`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    /// The mobile number.
    pub contact: String,
}

impl Person {
    pub fn to_json(&self) -> Value {
        json!({ "name": self.name, "contact": self.contact, "contactType": "MOBILE" })
    }
}

/// A decision taken on an audit action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub pass: bool,
    pub comment: String,
    pub auditor: Person,
    /// Unix seconds.
    pub time: i64,
}

#[derive(Debug, Clone)]
pub struct ContractAction {
    pub id: String,
    /// COMPANY, OPERATOR, LP, AUDIT, PERSONAL.
    pub kind: &'static str,
    pub name: String,
    /// INIT, START, FINISH, STOP.
    pub status: &'static str,
    pub serial_no: i64,
    pub operators: Vec<Person>,
    pub audit: Option<AuditRecord>,
}

#[derive(Debug, Clone)]
pub struct Signatory {
    pub id: String,
    /// COMPANY or PERSONAL.
    pub tenant_type: &'static str,
    pub tenant_name: String,
    /// DRAFT, RECALLED, SIGNING, REJECTED, SIGNED, EXPIRED, FILLING, WAITING, INVALIDING, INVALIDED.
    pub status: &'static str,
    pub serial_no: i64,
    pub receiver: Person,
    pub actions: Vec<ContractAction>,
}

#[derive(Debug, Clone)]
pub struct Contract {
    pub id: String,
    pub biz_id: String,
    /// The sponsor (发起方).
    pub tenant_name: String,
    pub subject: String,
    pub description: String,
    pub sn: String,
    pub status: &'static str,
    pub category: (String, String),
    pub creator: Person,
    /// Unix seconds.
    pub create_time: i64,
    pub publish_time: Option<i64>,
    pub expire_time: i64,
    pub signatories: Vec<Signatory>,
    /// (id, title, pages).
    pub documents: Vec<(String, String, i64)>,
    /// Why it was recalled or rejected.
    pub comments: Option<String>,
}

impl Contract {
    /// The action that must happen next: the first not finished, in signatory then action order.
    pub fn current_action(&self) -> Option<(usize, usize)> {
        self.signatories.iter().enumerate().find_map(|(si, s)| {
            s.actions.iter().position(|a| a.status != FINISH).map(|ai| (si, ai))
        })
    }

    /// Whether `company` takes part (sponsor or signatory).
    pub fn involves(&self, company: &str) -> bool {
        self.tenant_name == company || self.signatories.iter().any(|s| s.tenant_name == company)
    }

    fn time_sort_key(&self) -> i64 {
        self.publish_time.unwrap_or(self.create_time)
    }
}

/// The whole simulated platform as one app (one company) sees it.
#[derive(Debug, Clone)]
pub struct State {
    /// The company the app tokens belong to.
    pub company: String,
    /// AppToken → AppSecret.
    pub apps: HashMap<String, String>,
    /// The header prefix this deployment expects (`x-qys-open-` SaaS, `x-qys-` private cloud).
    pub header_prefix: String,
    /// nonce → first use (ms).
    pub nonces: HashMap<String, i64>,
    /// By id.
    pub contracts: BTreeMap<String, Contract>,
    pub employees: Vec<Person>,
    /// The demo account's employee.
    pub demo: Person,
    pub demo_app_token: String,
}

/// Formats Unix seconds as `yyyy-MM-dd HH:mm:ss` in China time.
pub fn format_time(secs: i64) -> String {
    let tz = FixedOffset::east_opt(8 * 3600).expect("a valid offset");
    tz.timestamp_opt(secs, 0).single().map(|t| t.format(TIME_FORMAT).to_string()).unwrap_or_default()
}

/// Parses `yyyy-MM-dd HH:mm:ss` (China time) into Unix seconds.
pub fn parse_time(text: &str) -> Option<i64> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), TIME_FORMAT).ok()?;
    let tz = FixedOffset::east_opt(8 * 3600)?;
    tz.from_local_datetime(&naive).single().map(|t| t.timestamp())
}

/// The filters of `GET /v2/contract/list`, already validated.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub status: Option<String>,
    pub start: i64,
    pub end: i64,
    pub offset: usize,
    pub limit: usize,
    /// SPONSOR, RECEIVER or ALL.
    pub signatory_type: String,
    pub ascending: bool,
}

impl State {
    /// Checks a request's signature headers (already read by name). Order: token, timestamp,
    /// signature, nonce; a nonce is only spent by a request that passes every other check.
    pub fn authenticate(&mut self, token: Option<&str>, ts: Option<&str>, nonce: Option<&str>, sig: Option<&str>, now_ms: i64) -> Result<(), ApiError> {
        let token = token.filter(|t| !t.is_empty()).ok_or(ApiError::BadToken)?;
        let secret = self.apps.get(token).ok_or(ApiError::BadToken)?.clone();
        let ts = ts.ok_or(ApiError::BadSignature("缺少时间戳"))?;
        let nonce = nonce.filter(|n| !n.is_empty()).ok_or(ApiError::BadSignature("缺少随机数nonce"))?;
        let sig = sig.ok_or(ApiError::BadSignature("缺少签名"))?;
        let ts_ms: i64 = ts.trim().parse().map_err(|_| ApiError::BadSignature("时间戳格式错误"))?;
        if (now_ms - ts_ms).abs() > NONCE_WINDOW_MS {
            return Err(ApiError::BadSignature("请求已过期,时间戳与服务器时间相差超过10分钟"));
        }
        if !sig.eq_ignore_ascii_case(&signature(token, &secret, ts, nonce)) {
            return Err(ApiError::BadSignature("签名错误"));
        }
        self.nonces.retain(|_, at| now_ms - *at <= NONCE_WINDOW_MS);
        if self.nonces.contains_key(nonce) {
            return Err(ApiError::BadSignature("nonce重复,请求已被使用"));
        }
        self.nonces.insert(nonce.to_string(), now_ms);
        Ok(())
    }

    /// The app's token is revoked (replaced in the console): every call is refused as an
    /// unknown AppToken from now on ([`Fault::ExpiredToken`]).
    ///
    /// [`Fault::ExpiredToken`]: crate::common::Fault::ExpiredToken
    pub fn expire_tokens(&mut self) {
        self.apps = self.apps.drain().map(|(token, secret)| (format!("{token}r"), secret)).collect();
    }

    /// A new contract for the demo employee to audit arrives: a copy of one waiting for them,
    /// published with the newest contract and sorting before it, so it heads `contract/list`
    /// ([`Fault::PageShift`]).
    ///
    /// [`Fault::PageShift`]: crate::common::Fault::PageShift
    pub fn arrive(&mut self) {
        let demo = self.demo.contact.clone();
        let waiting = |c: &&Contract| {
            c.status == "SIGNING"
                && c.current_action().is_some_and(|(si, ai)| {
                    let a = &c.signatories[si].actions[ai];
                    a.kind == AUDIT && a.status == START && a.operators.iter().any(|p| p.contact == demo)
                })
        };
        let (Some(copy), Some(newest)) = (self.contracts.values().find(waiting).cloned(), self.contracts.values().map(Contract::time_sort_key).max()) else { return };
        // Ids are decimal strings of one length: one more sorts after every other.
        let id = (self.contracts.keys().filter_map(|k| k.parse::<u64>().ok()).max().unwrap_or(0) + 1).to_string();
        let biz_id = format!("{}-{id}", copy.biz_id);
        self.contracts.insert(id.clone(), Contract { id, biz_id, publish_time: Some(newest), ..copy });
    }

    /// Finds a contract by `contractId` or, failing that, `bizId`.
    pub fn find(&self, contract_id: Option<&str>, biz_id: Option<&str>) -> Result<&Contract, ApiError> {
        let id = self.resolve(contract_id, biz_id)?;
        self.contracts.get(&id).ok_or(ApiError::NoContract)
    }

    fn resolve(&self, contract_id: Option<&str>, biz_id: Option<&str>) -> Result<String, ApiError> {
        let contract_id = contract_id.map(str::trim).filter(|s| !s.is_empty());
        let biz_id = biz_id.map(str::trim).filter(|s| !s.is_empty());
        match (contract_id, biz_id) {
            (Some(id), _) => Ok(id.to_string()),
            (None, Some(biz)) => self.contracts.values().find(|c| c.biz_id == biz).map(|c| c.id.clone()).ok_or(ApiError::NoContract),
            (None, None) => Err(ApiError::param("contractId/bizId")),
        }
    }

    /// The contracts of a list query, in publish-time order, before paging, and their total.
    pub fn list(&self, q: &ListQuery) -> (usize, Vec<&Contract>) {
        let mut hits: Vec<&Contract> = self
            .contracts
            .values()
            .filter(|c| c.involves(&self.company))
            .filter(|c| match q.signatory_type.as_str() {
                "SPONSOR" => c.tenant_name == self.company,
                "RECEIVER" => c.tenant_name != self.company,
                _ => true,
            })
            .filter(|c| q.status.as_deref().is_none_or(|s| c.status == s))
            .filter(|c| (q.start..=q.end).contains(&c.time_sort_key()))
            .collect();
        hits.sort_by_key(|c| (c.time_sort_key(), c.id.clone()));
        if !q.ascending {
            hits.reverse();
        }
        let total = hits.len();
        (total, hits.into_iter().skip(q.offset).take(q.limit).collect())
    }

    /// `employeeaudit`: decides the contract's current audit action.
    pub fn employee_audit(&mut self, contract_id: Option<&str>, biz_id: Option<&str>, tenant_name: Option<&str>, pass: bool, comment: &str, now: i64) -> Result<(), ApiError> {
        let id = self.resolve(contract_id, biz_id)?;
        let company = self.company.clone();
        let contract = self.contracts.get_mut(&id).ok_or(ApiError::NoContract)?;
        if !contract.involves(&company) {
            return Err(ApiError::Forbidden);
        }
        if contract.status != "SIGNING" {
            return Err(ApiError::WrongStatus);
        }
        let (si, ai) = contract.current_action().ok_or(ApiError::WrongStatus)?;
        let signatory = &contract.signatories[si];
        if signatory.actions[ai].kind != AUDIT || signatory.actions[ai].status != START {
            return Err(ApiError::NotYourTurn);
        }
        // Only our company's audits can be decided by our app; a subsidiary must be named.
        let acting_as = tenant_name.map(str::trim).filter(|t| !t.is_empty()).unwrap_or(&company);
        if signatory.tenant_name != acting_as {
            return Err(ApiError::Forbidden);
        }
        decide(contract, si, ai, pass, comment, now);
        Ok(())
    }

    /// The JSON of `contract/list` items.
    pub fn summary_json(c: &Contract) -> Value {
        json!({
            "id": c.id,
            "bizId": c.biz_id,
            "tenantName": c.tenant_name,
            "subject": c.subject,
            "sn": c.sn,
            "status": c.status,
            "createTime": format_time(c.create_time),
            "publishTime": c.publish_time.map(format_time),
            "category": { "id": c.category.0, "name": c.category.1 },
            "creator": c.creator.to_json(),
        })
    }

    /// The JSON of `contract/detail`'s `result`.
    pub fn detail_json(c: &Contract) -> Value {
        let mut v = Self::summary_json(c);
        let extra = json!({
            "description": c.description,
            "expireTime": format_time(c.expire_time),
            "comments": c.comments,
            "signatories": c.signatories.iter().map(signatory_json).collect::<Vec<_>>(),
            "documents": c.documents.iter().map(|(id, title, pages)| json!({ "id": id, "title": title, "pages": pages })).collect::<Vec<_>>(),
        });
        if let (Some(obj), Value::Object(more)) = (v.as_object_mut(), extra) {
            obj.extend(more);
        }
        v
    }
}

/// Records a decision and moves the contract on (choice 9 of the protocol page).
pub fn decide(contract: &mut Contract, si: usize, ai: usize, pass: bool, comment: &str, now: i64) {
    let action = &mut contract.signatories[si].actions[ai];
    let auditor = action.operators.first().cloned().unwrap_or_else(|| Person { name: "接口审批".into(), contact: String::new() });
    action.audit = Some(AuditRecord { pass, comment: comment.to_string(), auditor, time: now });
    if !pass {
        action.status = STOP;
        contract.signatories[si].status = "REJECTED";
        contract.status = "REJECTED";
        contract.comments = Some(comment.to_string());
        return;
    }
    action.status = FINISH;
    advance(contract);
}

/// Starts the next action; finishes signatories whose actions are all done, and the contract
/// when nothing is left.
pub fn advance(contract: &mut Contract) {
    for s in &mut contract.signatories {
        if !s.actions.is_empty() && s.actions.iter().all(|a| a.status == FINISH) {
            s.status = "SIGNED";
        }
    }
    match contract.current_action() {
        None => contract.status = "COMPLETE",
        Some((si, ai)) => {
            let s = &mut contract.signatories[si];
            s.status = "SIGNING";
            if s.actions[ai].status == INIT {
                s.actions[ai].status = START;
            }
        }
    }
}

fn signatory_json(s: &Signatory) -> Value {
    json!({
        "id": s.id,
        "tenantType": s.tenant_type,
        "tenantName": s.tenant_name,
        "status": s.status,
        "serialNo": s.serial_no,
        "receiver": s.receiver.to_json(),
        "actions": s.actions.iter().map(action_json).collect::<Vec<_>>(),
    })
}

fn action_json(a: &ContractAction) -> Value {
    let audit = a.audit.as_ref();
    json!({
        "id": a.id,
        "type": a.kind,
        "name": a.name,
        "status": a.status,
        "serialNo": a.serial_no,
        "operators": a.operators.iter().map(Person::to_json).collect::<Vec<_>>(),
        "auditResult": audit.map(|r| if r.pass { "PASS" } else { "REJECT" }),
        "auditComment": audit.map(|r| r.comment.clone()),
        "auditor": audit.map(|r| r.auditor.to_json()),
        "auditTime": audit.map(|r| format_time(r.time)),
    })
}

/// The document's signature: lowercase hex md5 of `AppToken + AppSecret + timestamp + nonce`.
pub fn signature(token: &str, secret: &str, timestamp: &str, nonce: &str) -> String {
    use md5::{Digest, Md5};
    hex::encode(Md5::digest(format!("{token}{secret}{timestamp}{nonce}").as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_in_china_time() {
        assert_eq!(format_time(0), "1970-01-01 08:00:00");
        assert_eq!(parse_time("1970-01-01 08:00:00"), Some(0));
        assert_eq!(parse_time("2024/01/01"), None);
    }
}
