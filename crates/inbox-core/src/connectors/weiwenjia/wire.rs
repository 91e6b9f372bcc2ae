//! serde types mirroring the weiwenjia approval-center document (`004_…txt`: the list reply)
//! and the vendor's detail page (获取审批流信息), field for field. Fields the document marks as
//! sometimes absent are optional; ids go through the lenient deserializers.

use crate::connectors::de;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A person as the document writes them (`submitter`, `user`, the value of a user field).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct UserRef {
    #[serde(default, deserialize_with = "de::opt_int")]
    pub id: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub uid: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub third_userid: Option<Value>,
    #[serde(default)]
    pub avatar: Option<Value>,
}

/// `data` of `approval_center/list`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ListData {
    /// Each item read on its own (`connectors::parse_item`).
    #[serde(default)]
    pub list: Vec<serde_json::Value>,
    #[serde(deserialize_with = "de::int")]
    pub total_count: i64,
    #[serde(deserialize_with = "de::int")]
    pub total_pages: i64,
    pub has_next_page: bool,
    #[serde(deserialize_with = "de::int")]
    pub per_page: i64,
    #[serde(deserialize_with = "de::int")]
    pub page: i64,
}

/// One approval of the list.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ListItem {
    /// The execute record's id.
    #[serde(deserialize_with = "de::int")]
    pub id: i64,
    pub submitter: UserRef,
    /// `yyyy-MM-dd HH:mm`.
    pub submission_time: String,
    #[serde(default)]
    pub distance_submission_time: Option<String>,
    /// applying, pass, veto, revocation.
    pub status: String,
    #[serde(default)]
    pub status_i18n: Option<String>,
    pub entity_type: String,
    #[serde(default)]
    pub app: Option<String>,
    pub workflow: Workflow,
    pub entity_data: EntityData,
    /// Only in the `processed` scope: what this user did.
    #[serde(default)]
    pub multistep_details: Vec<MultistepDetail>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Workflow {
    #[serde(deserialize_with = "de::int")]
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct EntityData {
    #[serde(default)]
    pub main_field_value: Option<String>,
    #[serde(default)]
    pub module_label: Option<String>,
    #[serde(deserialize_with = "de::int")]
    pub id: i64,
    /// Only for entities with a related contract.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub contract_id: Option<i64>,
    #[serde(default)]
    pub body_data: Vec<BodyField>,
}

/// One field of `body_data`; `value` is an object for users and departments, else plain data.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct BodyField {
    pub label: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub value: Value,
    pub field_type: String,
    #[serde(default)]
    pub is_invisible: bool,
}

/// `multistep_details[]` (document: operate_action, operate_action_i18n, operate_comment,
/// operate_time).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct MultistepDetail {
    #[serde(default)]
    pub operate_action: Option<String>,
    #[serde(default)]
    pub operate_action_i18n: Option<String>,
    #[serde(default)]
    pub operate_comment: Option<String>,
    #[serde(default)]
    pub operate_time: Option<String>,
}

/// `data` of `execute_records/detail`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Detail {
    #[serde(default)]
    pub has_approval_permission: bool,
    #[serde(default)]
    pub has_cancel_permission: bool,
    #[serde(default)]
    pub has_agent_permission: bool,
    #[serde(default)]
    pub has_reject_permission: bool,
    #[serde(default)]
    pub is_super_user: bool,
    #[serde(default)]
    pub can_resubmission: bool,
    #[serde(default)]
    pub approval_opinions: Option<String>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub execute_record_id: Option<i64>,
    /// The record itself (the vendor's example code reads `execute_record.id`).
    #[serde(default)]
    pub execute_record: Option<ExecuteRecord>,
    #[serde(default)]
    pub entity_applying_users: Vec<Value>,
    #[serde(default)]
    pub execution_details: Vec<ExecutionNode>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ExecuteRecord {
    #[serde(default, deserialize_with = "de::opt_int")]
    pub id: Option<i64>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub status_i18n: Option<String>,
    #[serde(default)]
    pub execution_id: Option<String>,
}

/// One node of `execution_details`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ExecutionNode {
    pub name: String,
    #[serde(default)]
    pub node_name: Option<String>,
    /// begin_node, approval_node.
    pub approval_node: String,
    #[serde(default)]
    pub setting_all_origin_approvers: Vec<UserRef>,
    #[serde(default)]
    pub setting_approvers: Vec<UserRef>,
    /// ORAPPROVE (或签), ANDAPPROVE (会签).
    #[serde(default)]
    pub setting_approval_type: Option<String>,
    #[serde(default)]
    pub setting_approval_type_i18n: Option<String>,
    #[serde(default)]
    pub approval_details: Vec<ApprovalDetail>,
}

/// One action taken in a node.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ApprovalDetail {
    #[serde(default)]
    pub operate_time: Option<String>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub uid: Option<i64>,
    pub user: UserRef,
    #[serde(default)]
    pub origin_user: Option<UserRef>,
    #[serde(default)]
    pub time_line: Vec<Value>,
    /// The action in words (提交审批 …).
    #[serde(default)]
    pub approve_action: Option<String>,
    /// submit_to, pass, reject, cancel.
    #[serde(default)]
    pub action_name: Option<String>,
    /// The comment given with the action (docs/weiwenjia-protocol.md, choice 6).
    #[serde(default)]
    pub opinion: Option<String>,
}

/// The document's `status` filter values of `approval_center/list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStatus {
    /// 审批中.
    Applying,
    /// 审批通过.
    Pass,
    /// 审批否决.
    Veto,
    /// 审批撤回.
    Revocation,
}

impl ListStatus {
    pub const ALL: [ListStatus; 4] = [ListStatus::Applying, ListStatus::Pass, ListStatus::Veto, ListStatus::Revocation];

    pub fn as_str(self) -> &'static str {
        match self {
            ListStatus::Applying => "applying",
            ListStatus::Pass => "pass",
            ListStatus::Veto => "veto",
            ListStatus::Revocation => "revocation",
        }
    }

    pub fn parse(s: &str) -> Option<ListStatus> {
        ListStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The filters of `approval_center/list` (document: `entity_types` string[], `submitter_uids`
/// int[], `status` string[]). An empty one is not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Module keys (`Contract`) or, for aPaaS apps, the app's name (`报价单`).
    pub entity_types: Vec<String>,
    pub submitter_uids: Vec<i64>,
    pub status: Vec<ListStatus>,
}

impl ListFilter {
    /// The query pairs: one `key[]=value` per value (Rails arrays, protocol choice 4).
    pub fn query(&self) -> Vec<(&'static str, String)> {
        let types = self.entity_types.iter().map(|t| ("entity_types[]", t.clone()));
        let uids = self.submitter_uids.iter().map(|u| ("submitter_uids[]", u.to_string()));
        let status = self.status.iter().map(|s| ("status[]", s.as_str().to_string()));
        types.chain(uids).chain(status).collect()
    }
}

/// The body of the execute call.
#[derive(Debug, Clone, Serialize)]
pub struct ExecuteBody<'a> {
    pub execute_action: &'a str,
    pub execute_opinion: &'a str,
}
