//! serde types mirroring 则一's audit API document (`000_…txt`), field for field: the send and
//! cancel bodies we POST (strict: nothing undocumented leaves), the `{success,
//! businessException, errorCode, message, result}` envelope, and the callback body 则一 POSTs
//! to us (tolerant: only the ids and `type` are required; other fields may be missing, `null`,
//! numbers or objects, and fields no table lists are ignored).

use crate::connectors::de;
use serde::{Deserialize, Serialize};

/// `audit/send` body (发起审批). Unknown keys are refused so nothing undocumented is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendBody {
    /// 业务主键: ours, stable across retries (at most one pending-or-approved approval per id).
    pub id: String,
    /// 审批类型 (则一提供).
    pub audit_type: String,
    /// 发起人工号 (则一员工工号).
    pub username: String,
    pub audit_form_list: Vec<FormField>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_param_list: Option<Vec<ConditionParam>>,
}

/// One item of `auditFormList`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FormField {
    /// `text` (文本格式) or `file` (文件格式, `value` is the file's URL).
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    #[serde(deserialize_with = "de::text")]
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extend_value: Option<String>,
}

/// One item of `conditionParamList`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionParam {
    pub name: String,
    #[serde(deserialize_with = "de::text")]
    pub value: String,
}

/// `audit/cancel` body (撤销审批).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelBody {
    pub id: String,
    pub audit_id: String,
    /// 业务类型: the approval's `auditType` (choice 4).
    #[serde(rename = "type")]
    pub kind: String,
    /// 撤销原因.
    pub remark: String,
    /// 撤销人员工号; absent = 系统撤销.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// The reply envelope of every call.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    pub success: bool,
    /// Absent means none (the document's examples always carry it).
    #[serde(default)]
    pub business_exception: bool,
    #[serde(default, deserialize_with = "opt_text")]
    pub error_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub result: Option<serde_json::Value>,
}

/// `result` of `audit/send` and `audit/cancel`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRef {
    #[serde(deserialize_with = "de::text")]
    pub id: String,
    #[serde(deserialize_with = "de::text")]
    pub audit_id: String,
}

/// The callback body (审批回调), 则一 → us. The ids say which approval and `type` what
/// happened: those are required. The rest is shown as sent: missing, `null` or empty is
/// "not given", a number or an object is shown by its value (`unknown::words`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallbackBody {
    #[serde(deserialize_with = "de::text")]
    pub id: String,
    #[serde(deserialize_with = "de::text")]
    pub audit_id: String,
    /// 审批编号 (the document: required; only shown, so a missing one is empty).
    #[serde(default, deserialize_with = "words")]
    pub audit_code: String,
    /// 审批类型 (the document: required; empty when missing, then cancel is not offered).
    #[serde(default, deserialize_with = "words")]
    pub audit_type: String,
    /// `finish` (同意或拒绝) or `terminate` (撤销、删除); another word is kept as sent.
    #[serde(rename = "type", deserialize_with = "de::text")]
    pub kind: String,
    /// With `finish`: `agree` or `refuse`; another word is kept as sent.
    #[serde(default, deserialize_with = "opt_words")]
    pub result: Option<String>,
    /// 最终审核人.
    #[serde(default, deserialize_with = "opt_words")]
    pub audit_user: Option<String>,
    /// 审批意见.
    #[serde(default, deserialize_with = "opt_words")]
    pub remark: Option<String>,
}

/// Any JSON value as the words it shows (`null` is empty).
fn words<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(crate::connectors::unknown::words(&serde_json::Value::deserialize(d)?))
}

/// Like [`words`]; `null`, absent or empty means `None`.
fn opt_words<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Some(words(d)?).filter(|w| !w.trim().is_empty()))
}

/// Text written as a string or a number; `null` or absent means `None`.
fn opt_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "de::text")] String);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}
