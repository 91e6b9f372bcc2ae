//! serde types mirroring the fxiaoke (纷享销客) open-platform replies field for field: the
//! document's 协同审批 calls (`001_…txt`), the token and user calls, and the CRM approval-flow
//! calls confirmed on the current platform (docs/fxiaoke-protocol.md). Numbers that may come
//! as strings go through the lenient deserializers.

use crate::connectors::de;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    #[serde(default)]
    pub emp_list: Vec<Employee>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Employee {
    pub open_user_id: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// `approvalTypeForms/get`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalTypeForms {
    #[serde(default)]
    pub approval_type_forms: Vec<ApprovalTypeForm>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalTypeForm {
    #[serde(deserialize_with = "de::int")]
    pub approve_type: i64,
    pub name: String,
    pub id: String,
}

/// `approval/query`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalQuery {
    /// Each item read on its own ([`ApprovalRef`], `connectors::parse_item`).
    #[serde(default)]
    pub approvals: Vec<serde_json::Value>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub total_count: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub page_size: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub page_number: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ApprovalRef {
    #[serde(deserialize_with = "de::int")]
    pub id: i64,
    /// 1 待审批, 2 同意, 3 不同意, 4 已取消, 5 错误.
    #[serde(deserialize_with = "de::int")]
    pub status: i64,
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
    pub feed: Feed,
    #[serde(default, deserialize_with = "de::int_list")]
    pub visible_department_ids: Vec<i64>,
    #[serde(default)]
    pub visible_employee_ids: Vec<String>,
    #[serde(default)]
    pub approval_tasks: Vec<ApprovalTask>,
    /// Shape depends on `approveType` (see [`PresetRecord`] and [`CustomField`]).
    #[serde(default)]
    pub form_record: Option<serde_json::Value>,
    pub sender_id: String,
    #[serde(deserialize_with = "de::int")]
    pub status: i64,
    #[serde(deserialize_with = "de::int")]
    pub approve_type: i64,
    /// The field table calls it `approveFormName`, the example `approvalFormName`.
    #[serde(default, alias = "approveFormName")]
    pub approval_form_name: Option<String>,
    #[serde(default)]
    pub approval_form_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub flow_type: Option<i64>,
    #[serde(default)]
    pub current_task_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Feed {
    #[serde(default)]
    pub feed_content: String,
    /// `yyyy-MM-dd HH:mm:ss`.
    pub create_time: String,
    #[serde(default)]
    pub last_update_time: Option<String>,
    #[serde(default)]
    pub crm_objects: Vec<CrmObject>,
    /// Each table as HTML text (untrusted).
    #[serde(default)]
    pub tables: Vec<String>,
    #[serde(default)]
    pub attachments: Vec<MediaRef>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct CrmObject {
    pub id: String,
    #[serde(rename = "type", deserialize_with = "de::int")]
    pub kind: i64,
}

/// An attachment: `id` is the platform's mediaId; `type` 1 录音, 2 图片, 3 文件.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct MediaRef {
    pub id: String,
    #[serde(rename = "type", deserialize_with = "de::int")]
    pub kind: i64,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalTask {
    pub task_id: String,
    #[serde(default)]
    pub comments: Vec<Comment>,
    /// all_pass 会签, one_pass 多人审批, single 个人审批.
    #[serde(rename = "type")]
    pub kind: String,
    pub state: String,
    #[serde(default)]
    pub task_members: Vec<TaskMember>,
    #[serde(default, deserialize_with = "opt_text")]
    pub sequence_number: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub sender_id: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub attachments: Vec<MediaRef>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskMember {
    pub state: String,
    pub employee_id: String,
}

/// The form of a preset type (`approveType` ≠ 100): every field any preset type documents,
/// flat as in the field tables, or repeated in `details[]` as in the examples.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PresetRecord {
    pub title: Option<String>,
    pub amount: Option<f64>,
    pub customer_id: Option<String>,
    pub remark: Option<String>,
    #[serde(default)]
    pub attachments: Vec<MediaRef>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub travel_type: Option<i64>,
    pub travel_amount: Option<f64>,
    pub start_address: Option<String>,
    pub end_address: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    #[serde(default)]
    pub items: Vec<TripItem>,
    #[serde(default)]
    pub member_ids: Vec<String>,
    pub approve_reason: Option<String>,
    pub approve_budget: Option<f64>,
    pub approve_prepayments: Option<f64>,
    pub discount_percent: Option<f64>,
    pub company_name: Option<String>,
    pub borrower_id: Option<String>,
    pub reason: Option<String>,
    pub payment_amount: Option<f64>,
    pub payment_time: Option<String>,
    pub payment_type: Option<String>,
    pub invoiced: Option<bool>,
    pub receiver_name: Option<String>,
    pub receiver_account: Option<String>,
    pub open_bank: Option<String>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub leave_type: Option<i64>,
    pub hours: Option<f64>,
    /// The examples' variant: one entry per line (报销明细, 请假段, 行程 …).
    #[serde(default)]
    pub details: Vec<PresetRecord>,
    // 出差's `details[]` entries use the trip-item names.
    pub start_point: Option<String>,
    pub end_point: Option<String>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub vehicle: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub days_number: Option<i64>,
}

/// One leg of 出差申请's `items`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TripItem {
    pub start_point: Option<String>,
    pub start_time: Option<String>,
    pub end_point: Option<String>,
    pub end_time: Option<String>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub vehicle: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub days_number: Option<i64>,
}

/// One field of a custom form (`approveType` 100): key → `{label, value, type}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct CustomField {
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub value: serde_json::Value,
    #[serde(rename = "type")]
    pub kind: String,
}

pub type CustomRecord = BTreeMap<String, CustomField>;

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
    #[serde(default)]
    pub instance_list: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmInstance {
    pub instance_id: String,
    #[serde(default)]
    pub instance_name: String,
    #[serde(default)]
    pub data_id: String,
    #[serde(default)]
    pub trigger_type: Option<String>,
    /// in_progress, pass, error, cancel, reject.
    pub state: String,
    #[serde(deserialize_with = "de::int")]
    pub create_time: i64,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub last_modify_time: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub end_time: Option<i64>,
    #[serde(default)]
    pub flow_api_name: String,
    pub applicant_open_user_id: String,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub cancel_time: Option<i64>,
    #[serde(default)]
    pub object_api_name: String,
}

/// `/cgi/crm/approvalInstance/get`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmInstanceGet {
    pub instance_detail: CrmInstanceDetail,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct CrmInstanceDetail {
    pub instance: CrmInstance,
    #[serde(default)]
    pub tasks: Vec<CrmTask>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmTask {
    pub id: String,
    /// single, one_pass, all_pass.
    #[serde(rename = "type")]
    pub kind: String,
    /// in_progress, pass, auto_pass, reject, cancel, go_back, auto_go_back, schedule, error.
    pub state: String,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub create_time: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub modify_time: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub end_time: Option<i64>,
    #[serde(default)]
    pub opinions: Vec<CrmOpinion>,
    #[serde(default)]
    pub un_complete_persons: Vec<String>,
    #[serde(default)]
    pub complete_open_persons: Vec<String>,
}

/// One approver's reply on a CRM task (our choice of names: docs/fxiaoke-protocol.md).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmOpinion {
    pub open_user_id: String,
    /// agree / reject.
    pub action_type: String,
    #[serde(default)]
    pub opinion: String,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub reply_time: Option<i64>,
}

fn opt_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "de::text")] String);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}
