//! The approval center's state and rules: users (each on one platform, with a token),
//! execute records (one per CRM entity) with their node flow, the three list scopes, the
//! detail's permission flags, and the `perform` state machine (docs/weiwenjia-protocol.md).
//! The detail is written in the shape of the vendor's page 获取审批流信息; a wild tenant's
//! records are dressed with what real data has on top (`wild.rs`).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::error::ApiError;
use super::wild::{self, Oddity};

/// The platforms of the `X-LXY-PLATFORM` header (document: 公共请求头参数).
pub const PLATFORMS: &[&str] = &["lixiaoyun", "ikcrm", "wxwork", "dingtalk"];

/// Beijing time, the vendor's clock (our choice: times are written in UTC+8).
const UTC8: i64 = 8 * 3600;

/// A CRM user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user's id within the organisation (`id` of the document's user objects).
    pub id: i64,
    /// The platform-wide uid (`uid`): what `submitter_uids` and permissions speak.
    pub uid: i64,
    pub name: String,
    /// The platform the user signs in on; their token is valid there only.
    pub platform: String,
    pub token: String,
}

/// Where an execute record stands (document: applying, pass, veto, revocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordStatus {
    Applying,
    Pass,
    Veto,
    Revocation,
}

impl RecordStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applying => "applying",
            Self::Pass => "pass",
            Self::Veto => "veto",
            Self::Revocation => "revocation",
        }
    }

    /// `status_i18n` as the document writes it (待审批, 已通过) and our words for the others.
    pub fn i18n(self) -> &'static str {
        match self {
            Self::Applying => "待审批",
            Self::Pass => "已通过",
            Self::Veto => "已否决",
            Self::Revocation => "已撤回",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Applying, Self::Pass, Self::Veto, Self::Revocation].into_iter().find(|v| v.as_str() == s)
    }
}

/// How a node passes: 或签 (any one approver) or 会签 (every approver).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    Or,
    And,
}

impl NodeType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Or => "ORAPPROVE",
            Self::And => "ANDAPPROVE",
        }
    }

    pub fn i18n(self) -> &'static str {
        match self {
            Self::Or => "或签",
            Self::And => "会签",
        }
    }
}

/// What a user did (`execute_action`): the values of docs/weiwenjia-protocol.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Pass,
    Reject,
    Cancel,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Reject => "reject",
            Self::Cancel => "cancel",
        }
    }

    /// The Chinese words of `approve_action` / `operate_action_i18n`.
    pub fn i18n(self) -> &'static str {
        match self {
            Self::Pass => "通过",
            Self::Reject => "否决",
            Self::Cancel => "撤回",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pass, Self::Reject, Self::Cancel].into_iter().find(|v| v.as_str() == s)
    }
}

/// One decision taken on a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub uid: i64,
    pub verb: Verb,
    pub opinion: String,
    pub at: i64,
}

/// An approval node of a record's flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    /// The node's key in the flow definition (`node_name`).
    pub key: String,
    pub kind: NodeType,
    pub approvers: Vec<i64>,
    pub decisions: Vec<Decision>,
}

impl Node {
    fn decided(&self, uid: i64) -> bool {
        self.decisions.iter().any(|d| d.uid == uid)
    }

    /// Whether the node's rule is met by the passes so far.
    fn passed(&self) -> bool {
        let passes = |uid: &i64| self.decisions.iter().any(|d| d.uid == *uid && d.verb == Verb::Pass);
        match self.kind {
            NodeType::Or => self.approvers.iter().any(passes),
            NodeType::And => self.approvers.iter().all(passes),
        }
    }
}

/// One labelled value of `entity_data.body_data`.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyField {
    pub label: String,
    pub name: String,
    pub value: Value,
    pub field_type: String,
    pub invisible: bool,
}

/// An execute record: one approval of one CRM entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The execute record id (`id` in the list, `execute_record_id` in the detail).
    pub id: i64,
    pub entity_type: String,
    pub entity_id: i64,
    pub module_label: String,
    pub main_field_value: String,
    pub contract_id: Option<i64>,
    pub workflow_id: i64,
    pub workflow_name: String,
    pub submitter: i64,
    pub submitted_at: i64,
    pub status: RecordStatus,
    pub body: Vec<BodyField>,
    pub nodes: Vec<Node>,
    /// The node waiting for decisions while applying.
    pub current: usize,
    /// The submitter's withdrawal, if any.
    pub cancelled: Option<Decision>,
    /// What a wild tenant's record shows on top of the documents' shapes (empty for a tidy
    /// one): written into its list item and detail, never part of its flow.
    pub wild: Vec<Oddity>,
}

impl Record {
    /// Whether `uid` may pass or reject now: an undecided approver of the current node.
    pub fn can_approve(&self, uid: i64) -> bool {
        self.status == RecordStatus::Applying
            && self.nodes.get(self.current).is_some_and(|n| n.approvers.contains(&uid) && !n.decided(uid))
    }

    /// Whether `uid` may withdraw now: the submitter, while applying and before any approver
    /// decided (docs/weiwenjia-protocol.md).
    pub fn can_cancel(&self, uid: i64) -> bool {
        self.status == RecordStatus::Applying
            && self.submitter == uid
            && self.nodes.iter().all(|n| n.decisions.is_empty())
    }

    /// Whether `uid` decided on this record (the `processed` scope).
    pub fn processed_by(&self, uid: i64) -> bool {
        self.nodes.iter().any(|n| n.decided(uid))
    }

    fn my_decisions(&self, uid: i64) -> impl Iterator<Item = &Decision> {
        self.nodes.iter().flat_map(|n| n.decisions.iter()).filter(move |d| d.uid == uid)
    }

    /// Applies a decision: the state machine of docs/weiwenjia-protocol.md.
    pub fn perform(&mut self, uid: i64, verb: Verb, opinion: &str, now: i64) -> Result<(), ApiError> {
        if self.status != RecordStatus::Applying {
            return Err(ApiError::Finished);
        }
        let decision = Decision { uid, verb, opinion: opinion.to_string(), at: now };
        match verb {
            Verb::Cancel => {
                if !self.can_cancel(uid) {
                    return Err(ApiError::Forbidden);
                }
                self.cancelled = Some(decision);
                self.status = RecordStatus::Revocation;
            }
            Verb::Pass | Verb::Reject => {
                if !self.can_approve(uid) {
                    return Err(ApiError::Forbidden);
                }
                let node = &mut self.nodes[self.current];
                node.decisions.push(decision);
                if verb == Verb::Reject {
                    self.status = RecordStatus::Veto;
                } else if node.passed() {
                    self.current += 1;
                    if self.current >= self.nodes.len() {
                        self.status = RecordStatus::Pass;
                    }
                }
            }
        }
        Ok(())
    }
}

/// A list scope (document: todo, submission, processed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Todo,
    Submission,
    Processed,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "todo" => Some(Self::Todo),
            "submission" => Some(Self::Submission),
            "processed" => Some(Self::Processed),
            _ => None,
        }
    }
}

/// The list filters of the document.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub status: Vec<RecordStatus>,
    pub entity_types: Vec<String>,
    pub submitter_uids: Vec<i64>,
}

/// Default and largest `per_page` (our choice: 15 as in the document's reply; at most 100).
pub const DEFAULT_PER_PAGE: usize = 15;
pub const MAX_PER_PAGE: usize = 100;

/// The whole approval center.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub users: BTreeMap<i64, User>,
    pub records: BTreeMap<i64, Record>,
    pub demo_uid: i64,
}

impl State {
    /// The user a request's headers name: the token must belong to a user of that platform.
    pub fn user_by_token(&self, platform: &str, token: &str) -> Result<&User, ApiError> {
        self.users
            .values()
            .find(|u| !token.is_empty() && u.token == token && u.platform == platform)
            .ok_or(ApiError::BadToken)
    }

    pub fn user(&self, uid: i64) -> Option<&User> {
        self.users.get(&uid)
    }

    /// Records of `scope` for `uid`, filtered, newest first.
    pub fn scope(&self, uid: i64, scope: Scope, f: &Filters) -> Vec<&Record> {
        let mut out: Vec<&Record> = self
            .records
            .values()
            .filter(|r| match scope {
                Scope::Todo => r.can_approve(uid),
                Scope::Submission => r.submitter == uid,
                Scope::Processed => r.processed_by(uid),
            })
            .filter(|r| f.status.is_empty() || f.status.contains(&r.status))
            .filter(|r| {
                f.entity_types.is_empty() || f.entity_types.iter().any(|t| *t == r.entity_type || *t == r.module_label)
            })
            .filter(|r| f.submitter_uids.is_empty() || f.submitter_uids.contains(&r.submitter))
            .collect();
        out.sort_by_key(|r| std::cmp::Reverse((r.submitted_at, r.id)));
        out
    }

    /// Every user's token stops working (as after 重新登录 everywhere): [`Fault::ExpiredToken`].
    ///
    /// [`Fault::ExpiredToken`]: crate::common::Fault::ExpiredToken
    pub fn expire_tokens(&mut self) {
        for user in self.users.values_mut() {
            user.token.push('r');
        }
    }

    /// A new record arrives for the demo user: a copy of their newest todo, submitted at the
    /// same moment, so it heads their todo list ([`Fault::PageShift`]).
    ///
    /// [`Fault::PageShift`]: crate::common::Fault::PageShift
    pub fn arrive(&mut self) {
        let Some(newest) = self.scope(self.demo_uid, Scope::Todo, &Filters::default()).first().map(|r| (*r).clone())
        else {
            return;
        };
        let id = self.records.keys().max().copied().unwrap_or(0) + 1;
        let entity_id = self.records.values().map(|r| r.entity_id).max().unwrap_or(0) + 1;
        self.records.insert(id, Record { id, entity_id, ..newest });
    }

    /// The record of an entity (one per entity in this simulator).
    pub fn by_entity(&self, entity_type: &str, entity_id: i64) -> Option<&Record> {
        self.records.values().find(|r| r.entity_type == entity_type && r.entity_id == entity_id)
    }

    /// The document's user object (`{id, uid, name, third_userid}`), plus `avatar` where the
    /// detail writes one.
    pub fn user_json(&self, uid: i64, avatar: bool) -> Value {
        let u = self.users.get(&uid);
        let mut v = json!({
            "id": u.map(|u| u.id).unwrap_or(0),
            "uid": uid,
            "name": u.map(|u| u.name.clone()).unwrap_or_else(|| format!("用户{uid}")),
            "third_userid": null,
        });
        if avatar {
            v["avatar"] = Value::Null;
        }
        v
    }

    /// One item of `approval_center/list` for `uid` (`multistep_details` only in `processed`).
    pub fn list_item(&self, r: &Record, uid: i64, scope: Scope, now: i64) -> Value {
        let body: Vec<Value> = r
            .body
            .iter()
            .map(|f| json!({"label": f.label, "name": f.name, "value": f.value, "field_type": f.field_type, "is_invisible": f.invisible}))
            .collect();
        let mut entity = json!({"main_field_value": r.main_field_value, "module_label": r.module_label, "id": r.entity_id, "body_data": body});
        if let Some(c) = r.contract_id {
            entity["contract_id"] = json!(c);
        }
        let mut item = json!({
            "id": r.id,
            "submitter": self.user_json(r.submitter, false),
            "submission_time": format_time(r.submitted_at),
            "distance_submission_time": distance(now - r.submitted_at),
            "status": r.status.as_str(),
            "status_i18n": r.status.i18n(),
            "entity_type": r.entity_type,
            "app": "crm",
            "workflow": {"id": r.workflow_id, "name": r.workflow_name},
            "entity_data": entity,
        });
        if scope == Scope::Processed {
            let steps: Vec<Value> = r
                .my_decisions(uid)
                .map(|d| json!({"operate_action": d.verb.as_str(), "operate_action_i18n": d.verb.i18n(), "operate_comment": d.opinion, "operate_time": format_time(d.at)}))
                .collect();
            item["multistep_details"] = json!(steps);
        }
        wild::dress_item(r, &mut item);
        item
    }

    /// The `data` of `execute_records/detail` as `uid` sees it.
    pub fn detail(&self, r: &Record, uid: i64) -> Value {
        let mut data = self.detail_data(r, uid);
        wild::dress_detail(self, r, &mut data);
        data
    }

    fn detail_data(&self, r: &Record, uid: i64) -> Value {
        let approve = r.can_approve(uid);
        let finished = matches!(r.status, RecordStatus::Veto | RecordStatus::Revocation);
        json!({
            "has_approval_permission": approve,
            "has_cancel_permission": r.can_cancel(uid),
            "has_agent_permission": false,
            "has_reject_permission": approve,
            "is_super_user": false,
            "can_resubmission": finished && r.submitter == uid,
            "approval_opinions": "optional",
            "execute_record_id": r.id,
            "execute_record": {
                "id": r.id,
                "status": r.status.as_str(),
                "status_i18n": r.status.i18n(),
                "execution_id": format!("exe-{:08x}", r.id),
            },
            "entity_applying_users": [],
            "execution_details": self.execution_details(r),
        })
    }

    fn execution_details(&self, r: &Record) -> Vec<Value> {
        let mut begin = vec![json!({
            "operate_time": format_time(r.submitted_at),
            "user": self.user_json(r.submitter, true),
            "approve_action": "提交审批",
            "action_name": "submit_to",
        })];
        if let Some(c) = &r.cancelled {
            begin.push(self.detail_entry(c));
        }
        let mut out =
            vec![json!({"name": "开始", "node_name": null, "approval_node": "begin_node", "approval_details": begin})];
        for n in &r.nodes {
            let approvers: Vec<Value> = n.approvers.iter().map(|u| self.user_json(*u, true)).collect();
            out.push(json!({
                "name": n.name,
                "node_name": n.key,
                "approval_node": "approval_node",
                "setting_all_origin_approvers": approvers,
                "setting_approvers": [],
                "setting_approval_type": n.kind.as_str(),
                "setting_approver_role": null,
                "setting_approval_type_i18n": n.kind.i18n(),
                "setting_approver_role_i18n": "",
                "approval_details": n.decisions.iter().map(|d| self.detail_entry(d)).collect::<Vec<_>>(),
            }));
        }
        out
    }

    /// One approver's entry as the vendor's page shows it up to its cut (`operate_time`, `uid`,
    /// `user`, `origin_uid`, `origin_user`, `time_line` whose entries start with `uid`); the
    /// action words and the opinion after it are our choice 6.
    pub fn detail_entry(&self, d: &Decision) -> Value {
        json!({
            "operate_time": format_time(d.at),
            "uid": d.uid,
            "user": self.user_json(d.uid, true),
            "origin_uid": d.uid,
            "origin_user": self.user_json(d.uid, true),
            "time_line": [{"uid": d.uid}],
            "approve_action": d.verb.i18n(),
            "action_name": d.verb.as_str(),
            "opinion": d.opinion,
        })
    }
}

/// `yyyy-MM-dd HH:mm` in Beijing time, as the document writes times.
pub fn format_time(unix: i64) -> String {
    let local = unix + UTC8;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

/// `yyyy-MM-dd` in Beijing time.
pub fn format_date(unix: i64) -> String {
    format_time(unix)[..10].to_string()
}

/// `distance_submission_time` words like the document's ("28 分钟", "大约一小时", "大约 17 小时").
pub fn distance(secs: i64) -> String {
    let mins = secs.max(0) / 60;
    match mins {
        0 => "不到 1 分钟".into(),
        1..=44 => format!("{mins} 分钟"),
        45..=89 => "大约一小时".into(),
        90..=1439 => format!("大约 {} 小时", (mins + 30) / 60),
        1440..=2519 => "1 天".into(),
        _ => format!("{} 天", (mins + 720) / 1440),
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(nodes: Vec<Node>) -> Record {
        Record {
            id: 1,
            entity_type: "Contract".into(),
            entity_id: 10,
            module_label: "合同".into(),
            main_field_value: "测试".into(),
            contract_id: None,
            workflow_id: 1,
            workflow_name: "合同审批".into(),
            submitter: 100,
            submitted_at: 0,
            status: RecordStatus::Applying,
            body: vec![],
            nodes,
            current: 0,
            cancelled: None,
            wild: vec![],
        }
    }

    fn node(kind: NodeType, approvers: &[i64]) -> Node {
        Node { name: "n".into(), key: "k".into(), kind, approvers: approvers.to_vec(), decisions: vec![] }
    }

    #[test]
    fn or_node_passes_on_one_and_the_last_pass_ends_the_flow() {
        let mut r = record(vec![node(NodeType::Or, &[1, 2]), node(NodeType::And, &[3, 4])]);
        assert!(r.can_approve(1) && r.can_approve(2) && !r.can_approve(3));
        r.perform(2, Verb::Pass, "同意", 5).unwrap();
        assert_eq!(r.current, 1);
        assert!(!r.can_approve(1), "the or-node is done");
        r.perform(3, Verb::Pass, "", 6).unwrap();
        assert_eq!((r.current, r.status), (1, RecordStatus::Applying), "and-node waits for 4");
        assert_eq!(r.perform(3, Verb::Pass, "", 7), Err(ApiError::Forbidden), "no second decision");
        r.perform(4, Verb::Pass, "", 8).unwrap();
        assert_eq!(r.status, RecordStatus::Pass);
        assert_eq!(r.perform(4, Verb::Reject, "", 9), Err(ApiError::Finished));
    }

    #[test]
    fn reject_vetoes_and_cancel_is_for_the_submitter_before_any_decision() {
        let mut r = record(vec![node(NodeType::Or, &[1]), node(NodeType::Or, &[2])]);
        assert!(r.can_cancel(100) && !r.can_cancel(1));
        assert_eq!(r.clone().perform(1, Verb::Cancel, "", 1), Err(ApiError::Forbidden));
        let mut c = r.clone();
        c.perform(100, Verb::Cancel, "不需要了", 1).unwrap();
        assert_eq!(c.status, RecordStatus::Revocation);
        r.perform(1, Verb::Pass, "", 1).unwrap();
        assert!(!r.can_cancel(100), "an approver already decided");
        r.perform(2, Verb::Reject, "价格过低", 2).unwrap();
        assert_eq!(r.status, RecordStatus::Veto);
        assert!(r.processed_by(2) && r.processed_by(1) && !r.processed_by(100));
    }

    #[test]
    fn times_are_written_in_beijing_time() {
        // 2024-04-09 01:56 UTC = 09:56 in Beijing (the document's example).
        assert_eq!(format_time(1_712_627_760), "2024-04-09 09:56");
        assert_eq!(format_date(1_712_627_760), "2024-04-09");
        assert_eq!(distance(28 * 60), "28 分钟");
        assert_eq!(distance(17 * 3600), "大约 17 小时");
    }
}
