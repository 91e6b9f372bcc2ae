//! serde types mirroring the weiwenjia approval-center document (`004_…txt`: the list reply)
//! and the vendor's detail page (获取审批流信息), field for field. Only what acting needs is
//! required (the entity's type and id); every other field is optional and read leniently
//! ([`lenient`]): a real tenant's record with a missing, `null` or oddly typed field is still read.

use crate::connectors::de;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Readers for vendor data whose shape a real tenant does not keep to: a field of an odd JSON type
/// reads as absent (`None`, `false`, empty) instead of failing its record, since only what acting
/// needs (the entity's type and id, the execute record) is required (issue 13).
pub mod lenient {
    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    /// Text written as a string or a number; anything else is absent.
    pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    }

    /// An integer written as a number or a numeric string; anything else is absent.
    pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        Ok(int_of(&Value::deserialize(d)?))
    }

    pub fn int_of(v: &Value) -> Option<i64> {
        match v {
            Value::Number(n) => {
                n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64))
            }
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A yes/no flag: `true`, `1` or `"true"` is yes; anything else, absence included, is no
    /// (a permission the vendor does not clearly grant is not offered).
    pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Bool(b) => b,
            Value::Number(n) => n.as_i64() == Some(1),
            Value::String(s) => matches!(s.trim(), "true" | "1"),
            _ => false,
        })
    }

    /// An object of type `T`, absent when it cannot be read as one.
    pub fn item<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
        Ok(T::deserialize(&Value::deserialize(d)?).ok())
    }

    /// A list of `T`, each item read on its own; what cannot be read as a `T` (a bare string
    /// where an object belongs) is left out, and a list that is not a list is empty.
    pub fn list<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Array(items) => items.iter().filter_map(|i| T::deserialize(i).ok()).collect(),
            _ => Vec::new(),
        })
    }

    /// Required text that names something (an entity type): a non-empty string.
    pub fn name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) if !s.trim().is_empty() => Ok(s),
            other => Err(serde::de::Error::custom(format!("expected a name, got {other}"))),
        }
    }
}

/// A person as the vendor writes them (`submitter`, `user`, `origin_user`, an approver, the value
/// of a user field): `{id, uid, name, third_userid, avatar}`, every part optional.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct UserRef {
    #[serde(default, deserialize_with = "lenient::int")]
    pub id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub uid: Option<i64>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub name: Option<String>,
    #[serde(default)]
    pub third_userid: Option<Value>,
    #[serde(default)]
    pub avatar: Option<Value>,
}

/// `data` of `approval_center/list`. Only `list` matters for reading; the paging numbers decide
/// whether to read on (a missing one reads as 0 / no next page).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ListData {
    /// Each item read on its own (`connectors::parse_item`).
    #[serde(default, deserialize_with = "lenient::list")]
    pub list: Vec<Value>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub total_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub total_pages: Option<i64>,
    #[serde(default, deserialize_with = "lenient::flag")]
    pub has_next_page: bool,
    #[serde(default, deserialize_with = "lenient::int")]
    pub per_page: Option<i64>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub page: Option<i64>,
}

impl ListData {
    /// Whether a page follows page `page`: `has_next_page`, or a `total_pages` beyond it.
    pub fn has_next(&self, page: i64) -> bool {
        self.has_next_page || self.total_pages.is_some_and(|t| t > page)
    }
}

/// One approval of the list. Required: `entity_type` and `entity_data.id`, the key of the
/// detail call and of acting; everything else reads as absent when missing or odd.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ListItem {
    /// The execute record's id.
    #[serde(default, deserialize_with = "lenient::int")]
    pub id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::item")]
    pub submitter: Option<UserRef>,
    /// `yyyy-MM-dd HH:mm`.
    #[serde(default, deserialize_with = "lenient::text")]
    pub submission_time: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub distance_submission_time: Option<String>,
    /// applying, pass, veto, revocation (or a word we do not know).
    #[serde(default, deserialize_with = "lenient::text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub status_i18n: Option<String>,
    #[serde(deserialize_with = "lenient::name")]
    pub entity_type: String,
    #[serde(default, deserialize_with = "lenient::text")]
    pub app: Option<String>,
    #[serde(default, deserialize_with = "lenient::item")]
    pub workflow: Option<Workflow>,
    pub entity_data: EntityData,
    /// Only in the `processed` scope: what this user did, with the opinion (`operate_comment`).
    #[serde(default, deserialize_with = "lenient::list")]
    pub multistep_details: Vec<MultistepDetail>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Workflow {
    #[serde(default, deserialize_with = "lenient::int")]
    pub id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct EntityData {
    #[serde(default, deserialize_with = "lenient::text")]
    pub main_field_value: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub module_label: Option<String>,
    #[serde(deserialize_with = "de::int")]
    pub id: i64,
    /// Only for entities with a related contract.
    #[serde(default, deserialize_with = "lenient::int")]
    pub contract_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub body_data: Vec<BodyField>,
}

/// One field of `body_data` (document: label, name, value, field_type, is_invisible); `value` is
/// an object for users and departments, plain data otherwise.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct BodyField {
    #[serde(default, deserialize_with = "lenient::text")]
    pub label: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub name: Option<String>,
    #[serde(default)]
    pub value: Value,
    #[serde(default, deserialize_with = "lenient::text")]
    pub field_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::flag")]
    pub is_invisible: bool,
}

/// `multistep_details[]` (document: operate_action, operate_action_i18n, operate_comment
/// 审批操作时的备注, operate_time).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct MultistepDetail {
    #[serde(default, deserialize_with = "lenient::text")]
    pub operate_action: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub operate_action_i18n: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub operate_comment: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub operate_time: Option<String>,
}

/// `data` of `execute_records/detail` (vendor page 获取审批流信息). Acting needs the execute
/// record's id (`execute_record_id`, or `execute_record.id` as the vendor's example code reads
/// it) and the permission flags; a flag that is missing or odd reads as "no".
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Detail {
    #[serde(default, deserialize_with = "lenient::flag")]
    pub has_approval_permission: bool,
    #[serde(default, deserialize_with = "lenient::flag")]
    pub has_cancel_permission: bool,
    #[serde(default, deserialize_with = "lenient::flag")]
    pub has_agent_permission: bool,
    #[serde(default, deserialize_with = "lenient::flag")]
    pub has_reject_permission: bool,
    #[serde(default, deserialize_with = "lenient::flag")]
    pub is_super_user: bool,
    #[serde(default, deserialize_with = "lenient::flag")]
    pub can_resubmission: bool,
    /// `optional` in the vendor's example.
    #[serde(default, deserialize_with = "lenient::text")]
    pub approval_opinions: Option<String>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub execute_record_id: Option<i64>,
    /// The record itself (the vendor's example code reads `execute_record.id`).
    #[serde(default, deserialize_with = "lenient::item")]
    pub execute_record: Option<ExecuteRecord>,
    #[serde(default)]
    pub entity_applying_users: Value,
    #[serde(default, deserialize_with = "lenient::list")]
    pub execution_details: Vec<ExecutionNode>,
}

impl Detail {
    /// The execute record to act on.
    pub fn record_id(&self) -> Option<i64> {
        self.execute_record_id.or_else(|| self.execute_record.as_ref().and_then(|r| r.id))
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ExecuteRecord {
    #[serde(default, deserialize_with = "lenient::int")]
    pub id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub status_i18n: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub execution_id: Option<String>,
}

/// One node of `execution_details`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ExecutionNode {
    #[serde(default, deserialize_with = "lenient::text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub node_name: Option<String>,
    /// begin_node, approval_node (the vendor's example).
    #[serde(default, deserialize_with = "lenient::text")]
    pub approval_node: Option<String>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub setting_all_origin_approvers: Vec<UserRef>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub setting_approvers: Vec<UserRef>,
    /// ORAPPROVE 或签 (the vendor's example); ANDAPPROVE 会签 is our word (no source names it).
    #[serde(default, deserialize_with = "lenient::text")]
    pub setting_approval_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub setting_approval_type_i18n: Option<String>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub approval_details: Vec<ApprovalDetail>,
}

/// One action taken in a node. Our copy of the vendor's page ends inside the first approver's
/// entry (at `time_line`), so what follows there (`approve_action`, `action_name` of an
/// approver, the opinion) is read as the begin node's entry shows it and as our protocol page
/// assumes.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ApprovalDetail {
    #[serde(default, deserialize_with = "lenient::text")]
    pub operate_time: Option<String>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub uid: Option<i64>,
    #[serde(default, deserialize_with = "lenient::item")]
    pub user: Option<UserRef>,
    /// The approver the node assigned, where someone else acted for them.
    #[serde(default, deserialize_with = "lenient::int")]
    pub origin_uid: Option<i64>,
    #[serde(default, deserialize_with = "lenient::item")]
    pub origin_user: Option<UserRef>,
    #[serde(default)]
    pub time_line: Value,
    /// The action in words (提交审批 …).
    #[serde(default, deserialize_with = "lenient::text")]
    pub approve_action: Option<String>,
    /// submit_to (published); pass, reject, cancel (ours).
    #[serde(default, deserialize_with = "lenient::text")]
    pub action_name: Option<String>,
    /// The comment given with the action (our choice 6).
    #[serde(default, deserialize_with = "lenient::text")]
    pub opinion: Option<String>,
    /// The execute call's own word for the comment, read where a reply echoes it.
    #[serde(default, deserialize_with = "lenient::text")]
    pub execute_opinion: Option<String>,
}

impl ApprovalDetail {
    /// The person who acted: `user`, else `uid` alone.
    pub fn actor(&self) -> UserRef {
        self.user
            .clone()
            .filter(|u| u.uid.is_some() || u.name.is_some())
            .unwrap_or(UserRef { uid: self.uid, ..UserRef::default() })
    }

    /// The opinion, where the entry carries one.
    pub fn comment(&self) -> Option<&str> {
        [&self.opinion, &self.execute_opinion].into_iter().flatten().map(String::as_str).find(|o| !o.trim().is_empty())
    }
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
