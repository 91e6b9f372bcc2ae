//! serde types mirroring the fxiaoke (纷享销客) open-platform replies field for field: the
//! document's 协同审批 calls (`001_…txt`), the token and user calls, and the CRM approval-flow
//! calls confirmed on the current platform (docs/fxiaoke-protocol.md).
//!
//! Vendor data is untrusted and unknown, so a record's fields are read leniently: a word may
//! come as a string or a number, `null` stands for an empty optional field, and a list item
//! that is not an object is left out. Only the ids that name a record (`approvalId`, a CRM
//! `instanceId`) are required. The CRM detail's `instance` is not published at all (the
//! platform's table types it String; the vendor's APL names its fields differently), so the
//! CRM shapes are read field by field from the JSON, under every published spelling.

use crate::connectors::de;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// The part every reply shares. `errorMessage` is for people only: never branch on it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    #[serde(deserialize_with = "de::int")]
    pub error_code: i64,
    #[serde(default)]
    pub error_message: Option<String>,
}

/// `/cgi/corpAccessToken/get/V2`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CorpAccessToken {
    pub corp_access_token: String,
    pub corp_id: String,
    #[serde(deserialize_with = "de::int")]
    pub expires_in: i64,
}

/// `/cgi/user/getByMobile`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserByMobile {
    #[serde(default, deserialize_with = "de::readable_items")]
    pub emp_list: Vec<Employee>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Employee {
    pub open_user_id: String,
    #[serde(default, deserialize_with = "opt_word")]
    pub name: Option<String>,
}

/// `/cgi/user/get`: one person by openUserId (the vendor's demo `UserResult`; the platform's
/// table: `name` 员工姓名, `nickName` 员工昵称, `isStop` true = 停用). Only what naming needs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserGet {
    #[serde(default, deserialize_with = "opt_word")]
    pub open_user_id: Option<String>,
    #[serde(default, deserialize_with = "opt_word")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "opt_word")]
    pub nick_name: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub is_stop: bool,
}

/// `/cgi/user/simpleList`: `userList[] {openUserId, name, nickName}` (the platform's example;
/// third-party typings spell the list `userlist`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSimpleList {
    #[serde(default, alias = "userlist", deserialize_with = "de::readable_items")]
    pub user_list: Vec<SimpleUser>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimpleUser {
    #[serde(deserialize_with = "de::text")]
    pub open_user_id: String,
    #[serde(default, deserialize_with = "opt_word")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "opt_word")]
    pub nick_name: Option<String>,
}

/// `approvalTypeForms/get`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalTypeForms {
    #[serde(default, deserialize_with = "de::readable_items")]
    pub approval_type_forms: Vec<ApprovalTypeForm>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalTypeForm {
    #[serde(default, deserialize_with = "word")]
    pub approve_type: String,
    #[serde(default, deserialize_with = "word")]
    pub name: String,
    #[serde(default, deserialize_with = "word")]
    pub id: String,
}

/// `approval/query`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalQuery {
    /// Each item read on its own ([`ApprovalRef`], `connectors::parse_item`).
    #[serde(default, deserialize_with = "or_default")]
    pub approvals: Vec<Value>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub total_count: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub page_size: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub page_number: Option<i64>,
}

/// An `approval/query` item: the id, and the status as the vendor wrote it (it stands for the
/// item between syncs; a code we do not know is still a status).
#[derive(Debug, Clone, Deserialize)]
pub struct ApprovalRef {
    #[serde(deserialize_with = "de::int")]
    pub id: i64,
    /// 1 待审批, 2 同意, 3 不同意, 4 已取消, 5 错误.
    #[serde(default)]
    pub status: Value,
}

/// `approval/get`.
#[derive(Debug, Clone, Deserialize)]
pub struct ApprovalGet {
    pub approval: Approval,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Approval {
    #[serde(deserialize_with = "de::int")]
    pub approval_id: i64,
    #[serde(default, deserialize_with = "or_default")]
    pub feed: Feed,
    #[serde(default, deserialize_with = "words")]
    pub visible_department_ids: Vec<String>,
    #[serde(default, deserialize_with = "words")]
    pub visible_employee_ids: Vec<String>,
    #[serde(default, deserialize_with = "de::readable_items")]
    pub approval_tasks: Vec<ApprovalTask>,
    /// Shape depends on `approveType` (see [`PresetRecord`] and [`CustomField`]).
    #[serde(default)]
    pub form_record: Option<Value>,
    #[serde(default, deserialize_with = "word")]
    pub sender_id: String,
    /// 1 待审批, 2 同意, 3 不同意, 4 已取消, 5 错误 (a code, kept as written).
    #[serde(default, deserialize_with = "opt_word")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "opt_word")]
    pub approve_type: Option<String>,
    /// The field table calls it `approveFormName`, the example `approvalFormName`.
    #[serde(default, alias = "approveFormName", deserialize_with = "opt_word")]
    pub approval_form_name: Option<String>,
    #[serde(default, deserialize_with = "opt_word")]
    pub approval_form_id: Option<String>,
    #[serde(default, deserialize_with = "opt_word")]
    pub flow_type: Option<String>,
    #[serde(default, deserialize_with = "opt_word")]
    pub current_task_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Feed {
    #[serde(default, deserialize_with = "word")]
    pub feed_content: String,
    /// `yyyy-MM-dd HH:mm:ss`.
    #[serde(default, deserialize_with = "opt_word")]
    pub create_time: Option<String>,
    #[serde(default, deserialize_with = "opt_word")]
    pub last_update_time: Option<String>,
    #[serde(default, deserialize_with = "de::readable_items")]
    pub crm_objects: Vec<CrmObject>,
    /// Each table as HTML text (untrusted).
    #[serde(default, deserialize_with = "words")]
    pub tables: Vec<String>,
    #[serde(default, deserialize_with = "de::readable_items")]
    pub attachments: Vec<MediaRef>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CrmObject {
    #[serde(default, deserialize_with = "word")]
    pub id: String,
    #[serde(rename = "type", default, deserialize_with = "word")]
    pub kind: String,
}

/// An attachment: `id` is the platform's mediaId; `type` 1 录音, 2 图片, 3 文件.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct MediaRef {
    #[serde(default, deserialize_with = "word")]
    pub id: String,
    #[serde(rename = "type", default, deserialize_with = "word")]
    pub kind: String,
    #[serde(default, deserialize_with = "word")]
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalTask {
    #[serde(default, deserialize_with = "word")]
    pub task_id: String,
    #[serde(default, deserialize_with = "de::readable_items")]
    pub comments: Vec<Comment>,
    /// all_pass 会签, one_pass 多人审批, single 个人审批.
    #[serde(rename = "type", default, deserialize_with = "word")]
    pub kind: String,
    #[serde(default, deserialize_with = "word")]
    pub state: String,
    #[serde(default, deserialize_with = "de::readable_items")]
    pub task_members: Vec<TaskMember>,
    #[serde(default, deserialize_with = "opt_word")]
    pub sequence_number: Option<String>,
    #[serde(default, deserialize_with = "opt_word")]
    pub error_message: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    #[serde(default, deserialize_with = "word")]
    pub sender_id: String,
    #[serde(default, deserialize_with = "word")]
    pub content: String,
    #[serde(default, deserialize_with = "de::readable_items")]
    pub attachments: Vec<MediaRef>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskMember {
    #[serde(default, deserialize_with = "word")]
    pub state: String,
    #[serde(default, deserialize_with = "word")]
    pub employee_id: String,
}

/// The form of a preset type (`approveType` ≠ 100): every field any preset type documents,
/// flat as in the field tables, or repeated in `details[]` as in the examples. Amounts stay
/// JSON values (a number, or a number in a string), rendered by the map.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PresetRecord {
    #[serde(deserialize_with = "opt_word")]
    pub title: Option<String>,
    pub amount: Option<Value>,
    #[serde(deserialize_with = "opt_word")]
    pub customer_id: Option<String>,
    #[serde(deserialize_with = "opt_word")]
    pub remark: Option<String>,
    #[serde(deserialize_with = "de::readable_items")]
    pub attachments: Vec<MediaRef>,
    #[serde(deserialize_with = "opt_word")]
    pub travel_type: Option<String>,
    pub travel_amount: Option<Value>,
    #[serde(deserialize_with = "opt_word")]
    pub start_address: Option<String>,
    #[serde(deserialize_with = "opt_word")]
    pub end_address: Option<String>,
    #[serde(deserialize_with = "opt_word")]
    pub start_time: Option<String>,
    #[serde(deserialize_with = "opt_word")]
    pub end_time: Option<String>,
    #[serde(deserialize_with = "de::readable_items")]
    pub items: Vec<TripItem>,
    #[serde(deserialize_with = "words")]
    pub member_ids: Vec<String>,
    #[serde(deserialize_with = "opt_word")]
    pub approve_reason: Option<String>,
    pub approve_budget: Option<Value>,
    pub approve_prepayments: Option<Value>,
    pub discount_percent: Option<Value>,
    #[serde(deserialize_with = "opt_word")]
    pub company_name: Option<String>,
    #[serde(deserialize_with = "opt_word")]
    pub borrower_id: Option<String>,
    #[serde(deserialize_with = "opt_word")]
    pub reason: Option<String>,
    pub payment_amount: Option<Value>,
    #[serde(deserialize_with = "opt_word")]
    pub payment_time: Option<String>,
    #[serde(deserialize_with = "opt_word")]
    pub payment_type: Option<String>,
    pub invoiced: Option<Value>,
    #[serde(deserialize_with = "opt_word")]
    pub receiver_name: Option<String>,
    #[serde(deserialize_with = "opt_word")]
    pub receiver_account: Option<String>,
    #[serde(deserialize_with = "opt_word")]
    pub open_bank: Option<String>,
    #[serde(deserialize_with = "opt_word")]
    pub leave_type: Option<String>,
    pub hours: Option<Value>,
    /// The examples' variant: one entry per line (报销明细, 请假段, 行程 …).
    #[serde(deserialize_with = "de::readable_items")]
    pub details: Vec<PresetRecord>,
    // 出差's `details[]` entries use the trip-item names.
    #[serde(deserialize_with = "opt_word")]
    pub start_point: Option<String>,
    #[serde(deserialize_with = "opt_word")]
    pub end_point: Option<String>,
    #[serde(deserialize_with = "opt_word")]
    pub vehicle: Option<String>,
    #[serde(deserialize_with = "opt_word")]
    pub days_number: Option<String>,
}

/// One leg of 出差申请's `items`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TripItem {
    #[serde(deserialize_with = "opt_word")]
    pub start_point: Option<String>,
    #[serde(deserialize_with = "opt_word")]
    pub start_time: Option<String>,
    #[serde(deserialize_with = "opt_word")]
    pub end_point: Option<String>,
    #[serde(deserialize_with = "opt_word")]
    pub end_time: Option<String>,
    #[serde(deserialize_with = "opt_word")]
    pub vehicle: Option<String>,
    #[serde(deserialize_with = "opt_word")]
    pub days_number: Option<String>,
}

/// One field of a custom form (`approveType` 100): key → `{label, value, type}`. A record is
/// read key by key ([`CustomField::of`]): an entry of another shape is still a field.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CustomField {
    #[serde(default, deserialize_with = "word")]
    pub label: String,
    #[serde(default)]
    pub value: Value,
    #[serde(rename = "type", default, deserialize_with = "word")]
    pub kind: String,
}

impl CustomField {
    /// The entry as a typed field: an object with a `type`, else `None`.
    pub fn of(entry: &Value) -> Option<CustomField> {
        entry.as_object().filter(|o| o.contains_key("type")).and_then(|_| CustomField::deserialize(entry).ok())
    }
}

/// A custom form's record: key → entry, in the vendor's order.
pub type CustomRecord = Map<String, Value>;

// ---- CRM approval flows (beyond the document) -----------------------------------------

/// `/cgi/crm/approvalInstances/query`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmInstancesQuery {
    #[serde(default)]
    pub query_result: Option<CrmQueryResult>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmQueryResult {
    #[serde(default, deserialize_with = "de::opt_int")]
    pub total: Option<i64>,
    /// Each item read on its own ([`CrmInstance`], `connectors::parse_item`).
    #[serde(default, deserialize_with = "or_default")]
    pub instance_list: Vec<Value>,
}

/// A CRM approval-flow instance: a row of `approvalInstances/query` (published, with an
/// example) or the `instance` of `approvalInstance/get` (unpublished; the vendor's APL names
/// the same things `objectId`, `entityId`, `apiName`, `applicantId`). Every field is optional;
/// [`CrmInstance::or`] fills the detail's gaps from the list row.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmInstance {
    pub instance_id: String,
    pub instance_name: String,
    pub data_id: String,
    pub trigger_type: Option<String>,
    /// in_progress, pass, error, cancel, reject.
    pub state: String,
    pub create_time: Option<i64>,
    pub last_modify_time: Option<i64>,
    pub end_time: Option<i64>,
    pub flow_api_name: String,
    pub applicant_open_user_id: String,
    pub cancel_time: Option<i64>,
    pub object_api_name: String,
}

impl CrmInstance {
    pub fn of(o: &Map<String, Value>) -> CrmInstance {
        CrmInstance {
            instance_id: text(o, &["instanceId", "id"]),
            instance_name: text(o, &["instanceName"]),
            data_id: text(o, &["dataId", "objectId"]),
            trigger_type: Some(text(o, &["triggerType"])).filter(|t| !t.is_empty()),
            state: text(o, &["state"]),
            create_time: long(o, &["createTime"]),
            last_modify_time: long(o, &["lastModifyTime"]),
            end_time: long(o, &["endTime"]),
            flow_api_name: text(o, &["flowApiName", "apiName"]),
            applicant_open_user_id: text(o, &["applicantOpenUserId", "applicantId"]),
            cancel_time: long(o, &["cancelTime"]),
            object_api_name: text(o, &["objectApiName", "entityId"]),
        }
    }

    /// This instance, each empty field taken from `row` (the list's copy of it).
    pub fn or(self, row: &CrmInstance) -> CrmInstance {
        let s = |mine: String, theirs: &String| if mine.is_empty() { theirs.clone() } else { mine };
        CrmInstance {
            instance_id: s(self.instance_id, &row.instance_id),
            instance_name: s(self.instance_name, &row.instance_name),
            data_id: s(self.data_id, &row.data_id),
            trigger_type: self.trigger_type.or_else(|| row.trigger_type.clone()),
            state: s(self.state, &row.state),
            create_time: self.create_time.filter(|t| *t > 0).or(row.create_time),
            last_modify_time: self.last_modify_time.or(row.last_modify_time),
            end_time: self.end_time.or(row.end_time),
            flow_api_name: s(self.flow_api_name, &row.flow_api_name),
            applicant_open_user_id: s(self.applicant_open_user_id, &row.applicant_open_user_id),
            cancel_time: self.cancel_time.or(row.cancel_time),
            object_api_name: s(self.object_api_name, &row.object_api_name),
        }
    }
}

impl<'de> Deserialize<'de> for CrmInstance {
    /// Any object; a list row without an `instanceId` is refused (it names nothing).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let o = v.as_object().ok_or_else(|| serde::de::Error::custom("a CRM instance that is not an object"))?;
        let i = CrmInstance::of(o);
        if i.instance_id.is_empty() {
            return Err(serde::de::Error::custom("a CRM instance without an instanceId"));
        }
        Ok(i)
    }
}

/// `/cgi/crm/approvalInstance/get`: `instanceDetail` must be there; what it holds is read
/// leniently ([`CrmInstanceDetail::of`]).
#[derive(Debug, Clone)]
pub struct CrmInstanceGet {
    pub instance_detail: CrmInstanceDetail,
}

impl<'de> Deserialize<'de> for CrmInstanceGet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        match v.get("instanceDetail").and_then(Value::as_object) {
            Some(o) => Ok(CrmInstanceGet { instance_detail: CrmInstanceDetail::of(o) }),
            None => Err(serde::de::Error::custom("the reply has no `instanceDetail` object")),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CrmInstanceDetail {
    /// `None` when the reply's `instance` is missing or not an object (nor JSON text of one).
    pub instance: Option<CrmInstance>,
    pub tasks: Vec<CrmTask>,
}

impl CrmInstanceDetail {
    pub fn of(o: &Map<String, Value>) -> CrmInstanceDetail {
        let instance = match o.get("instance") {
            Some(Value::Object(i)) => Some(CrmInstance::of(i)),
            // The platform's table types `instance` as String: JSON text of the object.
            Some(Value::String(text)) => {
                serde_json::from_str::<Value>(text).ok().and_then(|v| v.as_object().map(CrmInstance::of))
            }
            _ => None,
        };
        let tasks = o
            .get("tasks")
            .and_then(Value::as_array)
            .map(|ts| ts.iter().filter_map(Value::as_object).map(CrmTask::of).collect())
            .unwrap_or_default();
        CrmInstanceDetail { instance, tasks }
    }

    /// The instance as the detail has it, its gaps filled from the list's `row` and its id
    /// from the one asked for.
    pub fn completed(mut self, instance_id: &str, row: Option<&CrmInstance>) -> CrmInstanceDetail {
        let mut i = self.instance.take().unwrap_or_default();
        if let Some(row) = row {
            i = i.or(row);
        }
        if i.instance_id.is_empty() {
            i.instance_id = instance_id.to_string();
        }
        self.instance = Some(i);
        self
    }

    /// The instance (empty where the reply had none).
    pub fn instance(&self) -> std::borrow::Cow<'_, CrmInstance> {
        match &self.instance {
            Some(i) => std::borrow::Cow::Borrowed(i),
            None => std::borrow::Cow::Owned(CrmInstance::default()),
        }
    }
}

impl<'de> Deserialize<'de> for CrmInstanceDetail {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        v.as_object()
            .map(CrmInstanceDetail::of)
            .ok_or_else(|| serde::de::Error::custom("an instanceDetail that is not an object"))
    }
}

/// A task of a CRM instance (the platform's table; APL adds `taskName` and spells
/// `completePersons`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmTask {
    pub id: String,
    /// single, one_pass, all_pass.
    pub kind: String,
    /// in_progress, pass, auto_pass, reject, cancel, go_back, auto_go_back, schedule, error.
    pub state: String,
    pub task_name: Option<String>,
    pub create_time: Option<i64>,
    pub modify_time: Option<i64>,
    pub end_time: Option<i64>,
    pub opinions: Vec<CrmOpinion>,
    pub un_complete_persons: Vec<String>,
    pub complete_open_persons: Vec<String>,
}

impl CrmTask {
    pub fn of(o: &Map<String, Value>) -> CrmTask {
        CrmTask {
            id: text(o, &["id", "taskId"]),
            kind: text(o, &["type"]),
            state: text(o, &["state"]),
            task_name: Some(text(o, &["taskName", "task_name"])).filter(|n| !n.is_empty()),
            create_time: long(o, &["createTime"]),
            modify_time: long(o, &["modifyTime"]),
            end_time: long(o, &["endTime"]),
            opinions: o
                .get("opinions")
                .and_then(Value::as_array)
                .map(|os| os.iter().filter_map(Value::as_object).map(CrmOpinion::of).collect())
                .unwrap_or_default(),
            un_complete_persons: list(o, &["unCompletePersons"]),
            complete_open_persons: list(o, &["completeOpenPersons", "completePersons"]),
        }
    }
}

/// One approver's reply on a CRM task: `{openUserId, actionType, opinion, replyTime}` (the
/// typings that copy an older vendor page; APL writes `userId`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmOpinion {
    pub open_user_id: String,
    /// agree, reject; APL also shows cancel, addTag, retrieve, auto_pass, auto_agree, tagAfter …
    pub action_type: String,
    pub opinion: String,
    pub reply_time: Option<i64>,
}

impl CrmOpinion {
    pub fn of(o: &Map<String, Value>) -> CrmOpinion {
        CrmOpinion {
            open_user_id: text(o, &["openUserId", "userId"]),
            action_type: text(o, &["actionType"]),
            opinion: text(o, &["opinion"]),
            reply_time: long(o, &["replyTime"]),
        }
    }
}

// ---- lenient reading ------------------------------------------------------------------

/// Any JSON value as a word: text as itself, a number or boolean as written, `null` empty,
/// anything else as compact JSON.
pub fn word_of(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// A number written as a number or as numeric text; anything else is no number.
pub fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|n| n.is_finite())
}

/// The first of `keys` that `o` holds (and is not `null`), as a word.
fn text(o: &Map<String, Value>, keys: &[&str]) -> String {
    keys.iter().find_map(|k| o.get(*k).filter(|v| !v.is_null())).map(word_of).unwrap_or_default()
}

/// The first of `keys` as a whole number (ms), if it is one.
fn long(o: &Map<String, Value>, keys: &[&str]) -> Option<i64> {
    keys.iter()
        .find_map(|k| o.get(*k).and_then(number_of))
        .filter(|n| n.fract() == 0.0 && n.abs() < 9e15)
        .map(|n| n as i64)
}

/// The first of `keys` as a list of words (people as openUserIds or integer ids).
fn list(o: &Map<String, Value>, keys: &[&str]) -> Vec<String> {
    match keys.iter().find_map(|k| o.get(*k).filter(|v| !v.is_null())) {
        Some(Value::Array(items)) => items.iter().map(word_of).filter(|w| !w.is_empty()).collect(),
        Some(one) => vec![word_of(one)].into_iter().filter(|w| !w.is_empty()).collect(),
        None => vec![],
    }
}

/// `null` or absent → the type's default.
fn or_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Any value as a word ([`word_of`]); never fails.
fn word<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(word_of(&Value::deserialize(d)?))
}

/// Like [`word`], but `null` (or absent) is `None`.
fn opt_word<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Some(Value::deserialize(d)?).filter(|v| !v.is_null()).map(|v| word_of(&v)))
}

/// A list of words (ids as strings or numbers); `null` is empty, a single value one item.
fn words<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => vec![],
        Value::Array(items) => items.iter().filter(|v| !v.is_null()).map(word_of).collect(),
        one => vec![word_of(&one)],
    })
}

/// `true`, `"true"` or `1` is true; anything else (`null` included) is false.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => b,
        Value::String(s) => s.trim() == "true",
        Value::Number(n) => n.as_i64() == Some(1),
        _ => false,
    })
}
