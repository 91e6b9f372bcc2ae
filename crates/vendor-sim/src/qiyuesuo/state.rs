//! The simulated 契约锁 tenant: contracts with signatories and their actions (seal, signature,
//! audit), the audit state machine behind `employeeaudit`, the list filters and paging of
//! `contract/list`, and the JSON each endpoint answers in the edition the deployment speaks:
//! the open platform v2 or the private cloud 4.0 (`qiyuesuo/qiyuesuo-java-demo`
//! `docs/API_DOC.md`). Decisions are kept only in fields the vendor publishes: the action's
//! status, its operators («实际签署人» once done), its `completeTime` (private cloud), the
//! contract's status and `comments` (shapes: docs/qiyuesuo-protocol.md).

use std::collections::{BTreeMap, HashMap};

use chrono::{FixedOffset, NaiveDateTime, TimeZone};
use serde_json::{json, Value};

use super::error::ApiError;

/// Contract statuses (`contract/list` `status`, open v2).
pub const STATUSES: &[&str] = &[
    "DRAFT",
    "RECALLED",
    "SIGNING",
    "REJECTED",
    "COMPLETE",
    "EXPIRED",
    "FILLING",
    "INVALIDING",
    "INVALIDED",
    "FORCE_END",
];
/// Action types.
pub const AUDIT: &str = "AUDIT";
/// Action statuses (open v2; the private cloud's words are rendered from them, [`private_action_status`]).
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

/// Which published edition a deployment answers in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Edition {
    /// The open platform v2: `{code, message, result}`, `result.list`, `operators` (`User`)
    /// with `queryActionOperator=true`, statuses INIT/START/FINISH/STOP.
    #[default]
    OpenV2,
    /// The private cloud 4.0: detail under `contract`, list under `result.contractList`,
    /// `actionOperators` by id, statuses WAITING/SIGNING/SIGNED/REJECTED, `completeTime`.
    PrivateCloud,
}

/// A person as the vendor names them (`User`): name, mobile, and the platform's user id
/// (the private cloud's `operatorId` / `creatorId`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    /// The mobile number.
    pub contact: String,
    pub id: String,
}

impl Person {
    pub fn to_json(&self) -> Value {
        json!({ "name": self.name, "contact": self.contact, "contactType": "MOBILE" })
    }
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
    /// Who is to act; once the action is done, who acted («实际签署人»).
    pub operators: Vec<Person>,
    /// When it was done (Unix seconds; the private cloud's `completeTime`).
    pub complete_time: Option<i64>,
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

/// A contract document; `document/download` answers it as a PDF ([`super::pdf`]).
#[derive(Debug, Clone)]
pub struct Document {
    pub id: String,
    pub title: String,
    pub pages: i64,
}

/// A wild tenant's change to a record's JSON as sent: the value at `pointer` (RFC 6901)
/// replaced by `value`, or removed (`None`). Only where the JSON has that pointer: a detail's
/// signatories are changed in the detail, not in the list item that has none.
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    pub pointer: String,
    pub value: Option<Value>,
}

impl Patch {
    pub fn set(pointer: &str, value: Value) -> Patch {
        Patch { pointer: pointer.to_string(), value: Some(value) }
    }

    pub fn remove(pointer: &str) -> Patch {
        Patch { pointer: pointer.to_string(), value: None }
    }

    fn apply(&self, json: &mut Value) {
        let Some((parent, key)) = self.pointer.rsplit_once('/') else { return };
        match (json.pointer_mut(parent), &self.value) {
            (Some(Value::Object(o)), Some(v)) if o.contains_key(key) => {
                o.insert(key.to_string(), v.clone());
            }
            (Some(Value::Object(o)), None) => {
                o.remove(key);
            }
            (Some(Value::Array(items)), Some(v)) => {
                if let Some(slot) = key.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                    *slot = v.clone();
                }
            }
            _ => {}
        }
    }
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
    pub documents: Vec<Document>,
    /// Why it was recalled or rejected.
    pub comments: Option<String>,
    /// A wild tenant's changes to this record's JSON ([`Patch`]); empty for a tidy one.
    pub patches: Vec<Patch>,
}

impl Contract {
    /// The action that must happen next: the first not finished, in signatory then action order.
    pub fn current_action(&self) -> Option<(usize, usize)> {
        self.signatories
            .iter()
            .enumerate()
            .find_map(|(si, s)| s.actions.iter().position(|a| a.status != FINISH).map(|ai| (si, ai)))
    }

    /// Whether `company` takes part (sponsor or signatory).
    pub fn involves(&self, company: &str) -> bool {
        self.tenant_name == company || self.signatories.iter().any(|s| s.tenant_name == company)
    }

    fn time_sort_key(&self) -> i64 {
        self.publish_time.unwrap_or(self.create_time)
    }

    /// When anything last happened to it.
    fn update_time(&self) -> i64 {
        self.signatories
            .iter()
            .flat_map(|s| &s.actions)
            .filter_map(|a| a.complete_time)
            .chain([self.time_sort_key()])
            .max()
            .unwrap_or(self.create_time)
    }

    /// Whether `contact` decided an audit of this contract: `Some(true)` passed (`FINISH`),
    /// `Some(false)` rejected (`STOP` of a `REJECTED` contract), as the published fields say.
    pub fn audited_by(&self, contact: &str) -> Option<bool> {
        self.signatories
            .iter()
            .flat_map(|s| &s.actions)
            .filter(|a| a.kind == AUDIT && a.operators.iter().any(|p| p.contact == contact))
            .find_map(|a| match a.status {
                FINISH => Some(true),
                STOP if self.status == "REJECTED" => Some(false),
                _ => None,
            })
    }

    /// Whether the current action is an audit, started, with `contact` among its operators.
    pub fn awaits(&self, contact: &str) -> bool {
        self.status == "SIGNING"
            && self.current_action().is_some_and(|(si, ai)| {
                let a = &self.signatories[si].actions[ai];
                a.kind == AUDIT && a.status == START && a.operators.iter().any(|p| p.contact == contact)
            })
    }
}

/// An `employeeaudit` call the tenant accepted: what was sent (the vendor publishes no field
/// that shows a pass's comment again, so tests read it here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCall {
    pub contract_id: String,
    pub pass: bool,
    pub comment: String,
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
    /// The edition the replies are shaped in.
    pub edition: Edition,
    /// nonce → first use (ms).
    pub nonces: HashMap<String, i64>,
    /// By id.
    pub contracts: BTreeMap<String, Contract>,
    pub employees: Vec<Person>,
    /// The demo account's employee.
    pub demo: Person,
    pub demo_app_token: String,
    /// The `employeeaudit` calls accepted, in order.
    pub received: Vec<AuditCall>,
    /// A wild tenant's odd records by what they show (`wild.rs`); empty for a tidy one.
    pub wild: BTreeMap<&'static str, String>,
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
    pub fn authenticate(
        &mut self,
        token: Option<&str>,
        ts: Option<&str>,
        nonce: Option<&str>,
        sig: Option<&str>,
        now_ms: i64,
    ) -> Result<(), ApiError> {
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
        let waiting = |c: &&Contract| c.awaits(&demo);
        let (Some(copy), Some(newest)) = (
            self.contracts.values().find(waiting).cloned(),
            self.contracts.values().map(Contract::time_sort_key).max(),
        ) else {
            return;
        };
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
            (None, Some(biz)) => {
                self.contracts.values().find(|c| c.biz_id == biz).map(|c| c.id.clone()).ok_or(ApiError::NoContract)
            }
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
    pub fn employee_audit(
        &mut self,
        contract_id: Option<&str>,
        biz_id: Option<&str>,
        tenant_name: Option<&str>,
        pass: bool,
        comment: &str,
        now: i64,
    ) -> Result<(), ApiError> {
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
        self.received.push(AuditCall { contract_id: id, pass, comment: comment.to_string() });
        Ok(())
    }

    /// A contract document of a contract our company takes part in.
    pub fn document(&self, document_id: &str) -> Result<(&Contract, &Document), ApiError> {
        let (c, d) = self
            .contracts
            .values()
            .find_map(|c| c.documents.iter().find(|d| d.id == document_id).map(|d| (c, d)))
            .ok_or_else(|| ApiError::param("documentId"))?;
        if c.involves(&self.company) {
            Ok((c, d))
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// The JSON of a `contract/list` item, in the deployment's edition, with a wild tenant's patches.
    pub fn summary_json(&self, c: &Contract) -> Value {
        let mut v = match self.edition {
            Edition::OpenV2 => json!({
                "id": c.id,
                "bizId": c.biz_id,
                "tenantName": c.tenant_name,
                "subject": c.subject,
                "description": c.description,
                "sn": c.sn,
                "ordinal": true,
                "status": c.status,
                "createTime": format_time(c.create_time),
                "publishTime": c.publish_time.map(format_time),
                "expireTime": format_time(c.expire_time),
                "category": { "id": c.category.0, "name": c.category.1 },
                "creator": c.creator.to_json(),
            }),
            Edition::PrivateCloud => json!({
                "id": c.id,
                "bizId": c.biz_id,
                "subject": c.subject,
                "description": c.description,
                "sn": c.sn,
                "ordinal": true,
                "status": private_contract_status(c.status),
                "categoryId": c.category.0,
                "creatorType": "PERSONAL",
                "creatorId": c.creator.id,
                "creatorName": c.creator.name,
                "tenantType": if c.tenant_name == self.company { "CORPORATE" } else { "COMPANY" },
                "tenantName": c.tenant_name,
                "expireTime": format_time(c.expire_time),
                "createTime": format_time(c.create_time),
            }),
        };
        c.patches.iter().for_each(|p| p.apply(&mut v));
        v
    }

    /// The JSON of `contract/detail`'s contract (`result` in open v2, `contract` in the private
    /// cloud). Open v2 returns `operators` only when asked (`queryActionOperator=true`) and
    /// only for the platform company's signatories («如果签署方是平台方或平台方的子公司，才会返回签署人信息»).
    pub fn detail_json(&self, c: &Contract, with_operators: bool) -> Value {
        let mut v = self.summary_json(&Contract { patches: Vec::new(), ..c.clone() });
        let extra = match self.edition {
            Edition::OpenV2 => json!({
                "comments": c.comments,
                "signatories": c.signatories.iter().map(|s| signatory_json(s, with_operators && s.tenant_name == self.company)).collect::<Vec<_>>(),
                "documents": c.documents.iter().map(|d| json!({ "id": d.id, "title": d.title, "pageCount": d.pages, "createTime": format_time(c.create_time) })).collect::<Vec<_>>(),
            }),
            Edition::PrivateCloud => json!({
                "categoryName": c.category.1,
                "updateTime": format_time(c.update_time()),
                "comments": c.comments,
                "sponsor": c.tenant_name == self.company,
                "signatories": c.signatories.iter().map(|s| self.private_signatory_json(c, s)).collect::<Vec<_>>(),
                "documents": c.documents.iter().map(|d| json!({
                    "id": d.id, "title": d.title, "pages": d.pages, "size": super::pdf::document(&d.id, d.pages).len().to_string(),
                    "createTime": format_time(c.create_time),
                })).collect::<Vec<_>>(),
            }),
        };
        if let (Some(obj), Value::Object(more)) = (v.as_object_mut(), extra) {
            obj.extend(more);
        }
        c.patches.iter().for_each(|p| p.apply(&mut v));
        v
    }

    fn private_signatory_json(&self, c: &Contract, s: &Signatory) -> Value {
        let ours = s.tenant_name == self.company;
        json!({
            "id": s.id,
            "tenantType": match (ours, s.tenant_type) { (true, _) => "CORPORATE", (false, "PERSONAL") => "PERSONAL", _ => "COMPANY" },
            "tenantName": s.tenant_name,
            "receiverType": "PERSONAL",
            "receiverId": s.receiver.id,
            "receiverName": s.receiver.name,
            "contact": s.receiver.contact,
            "serialNo": s.serial_no,
            "status": private_signatory_status(s.status),
            "sponsor": s.tenant_name == c.tenant_name,
            "actions": s.actions.iter().map(|a| json!({
                "id": a.id,
                "type": if a.kind == "COMPANY" { "CORPORATE" } else { a.kind },
                "name": a.name,
                "status": private_action_status(a.status),
                "createTime": format_time(c.create_time),
                "completeTime": a.complete_time.map(format_time),
                "actionOperators": a.operators.iter().map(|p| json!({
                    "operatorType": if ours { "EMPLOYEE" } else { "USER" },
                    "operatorId": p.id,
                    "operatorName": p.name,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

/// A contract status in the private cloud's words (`API_DOC.md` §1.4.1.1): the open v2
/// 作废 words become TERMINATING / TERMINATED, a forced end FINISHED.
pub fn private_contract_status(status: &str) -> &str {
    match status {
        "INVALIDING" => "TERMINATING",
        "INVALIDED" => "TERMINATED",
        "FORCE_END" => "FINISHED",
        other => other,
    }
}

/// An action status in the private cloud's words: not reached WAITING, running SIGNING, done
/// SIGNED, rejected REJECTED.
pub fn private_action_status(status: &str) -> &str {
    match status {
        INIT => "WAITING",
        START => "SIGNING",
        FINISH => "SIGNED",
        STOP => "REJECTED",
        other => other,
    }
}

/// A signatory status in the private cloud's three words (DRAFT, SIGNING, COMPLETE); the
/// ends no edition names otherwise keep the open v2 word.
pub fn private_signatory_status(status: &str) -> &str {
    match status {
        "SIGNED" => "COMPLETE",
        "DRAFT" | "FILLING" | "WAITING" => "DRAFT",
        other => other,
    }
}

/// Records a decision in the published fields and moves the contract on (choice 9 of the
/// protocol page): the action's status, its operators narrowed to the one who acted
/// («实际签署人»: the request names no employee, so the first operator), its completion time;
/// a rejection also in the contract's status and `comments`.
pub fn decide(contract: &mut Contract, si: usize, ai: usize, pass: bool, comment: &str, now: i64) {
    let action = &mut contract.signatories[si].actions[ai];
    action.operators.truncate(1);
    action.complete_time = Some(now);
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

fn signatory_json(s: &Signatory, with_operators: bool) -> Value {
    json!({
        "id": s.id,
        "tenantType": s.tenant_type,
        "tenantName": s.tenant_name,
        "status": s.status,
        "serialNo": s.serial_no,
        "receiver": s.receiver.to_json(),
        "actions": s.actions.iter().map(|a| action_json(a, with_operators)).collect::<Vec<_>>(),
    })
}

fn action_json(a: &ContractAction, with_operators: bool) -> Value {
    let mut v = json!({ "id": a.id, "type": a.kind, "name": a.name, "status": a.status, "serialNo": a.serial_no });
    if with_operators {
        v["operators"] = a.operators.iter().map(Person::to_json).collect();
    }
    v
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

    #[test]
    fn patches_replace_or_remove_only_what_is_there() {
        let mut v = json!({ "status": "SIGNING", "signatories": [{ "actions": [{ "status": "INIT" }] }] });
        Patch::set("/signatories/0/actions/0/status", json!("WAITING")).apply(&mut v);
        Patch::set("/creator", Value::Null).apply(&mut v);
        Patch::set("/documents/0/title", json!("x")).apply(&mut v);
        Patch::remove("/status").apply(&mut v);
        assert_eq!(v, json!({ "signatories": [{ "actions": [{ "status": "WAITING" }] }] }));
        Patch::set("/signatories", json!("见纸质合同")).apply(&mut v);
        assert_eq!(v["signatories"], "见纸质合同");
    }
}
