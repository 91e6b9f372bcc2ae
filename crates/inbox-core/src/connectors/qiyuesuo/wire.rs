//! serde types of 契约锁's open API as the inbox uses it: the `employeeaudit` request and reply
//! of the document (`003_…txt`), and the `contract/list`, `contract/detail` and `pageurl`
//! shapes fixed in docs/qiyuesuo-protocol.md (field names from the vendor's SDK models).

use crate::connectors::de;
use serde::{Deserialize, Serialize};

/// `POST /v2/contract/employeeaudit` body (document: contractId | bizId, tenantName?, pass, comment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRequest {
    #[serde(default)]
    pub contract_id: Option<String>,
    #[serde(default)]
    pub biz_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_name: Option<String>,
    pub pass: bool,
    #[serde(default)]
    pub comment: String,
}

/// `POST /v2/contract/pageurl` body (the fields we send).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageUrlRequest {
    pub contract_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_name: Option<String>,
    pub page_type: &'static str,
}

/// `pageurl`'s `result`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageUrl {
    pub page_url: String,
}

/// `contract/list`'s `result`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractList {
    #[serde(deserialize_with = "de::int")]
    pub total_count: i64,
    /// Each item read on its own (`connectors::parse_item`).
    #[serde(default)]
    pub list: Vec<serde_json::Value>,
}

/// An item of `contract/list`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractSummary {
    #[serde(deserialize_with = "de::text")]
    pub id: String,
    #[serde(default)]
    pub subject: String,
    pub status: String,
}

/// A person (`UserResponse`): name, contact, contactType (MOBILE, EMAIL, EMPLOYEEID, NUMBER, BIZID).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub contact: Option<String>,
    #[serde(default)]
    pub contact_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Category {
    #[serde(default, deserialize_with = "opt_text")]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// `contract/detail`'s `result` (`ContractResponse`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contract {
    #[serde(deserialize_with = "de::text")]
    pub id: String,
    #[serde(default)]
    pub biz_id: Option<String>,
    #[serde(default)]
    pub tenant_name: Option<String>,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub sn: Option<String>,
    /// DRAFT, RECALLED, SIGNING, REJECTED, COMPLETE, EXPIRED, FILLING, INVALIDING, INVALIDED, FORCE_END.
    pub status: String,
    #[serde(default)]
    pub create_time: Option<String>,
    #[serde(default)]
    pub publish_time: Option<String>,
    #[serde(default)]
    pub expire_time: Option<String>,
    #[serde(default)]
    pub category: Option<Category>,
    #[serde(default)]
    pub creator: Option<Person>,
    #[serde(default)]
    pub signatories: Vec<Signatory>,
    #[serde(default)]
    pub documents: Vec<Document>,
    /// Why the contract was recalled or rejected.
    #[serde(default)]
    pub comments: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Signatory {
    #[serde(default, deserialize_with = "opt_text")]
    pub id: Option<String>,
    /// COMPANY or PERSONAL.
    #[serde(default)]
    pub tenant_type: Option<String>,
    #[serde(default)]
    pub tenant_name: Option<String>,
    /// DRAFT, RECALLED, SIGNING, REJECTED, SIGNED, EXPIRED, FILLING, WAITING, INVALIDING, INVALIDED.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub serial_no: Option<i64>,
    #[serde(default)]
    pub receiver: Option<Person>,
    #[serde(default)]
    pub actions: Vec<ContractAction>,
}

/// A step of a signatory: seal, signature or audit (`ActionResponse`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractAction {
    #[serde(default, deserialize_with = "opt_text")]
    pub id: Option<String>,
    /// COMPANY, OPERATOR, LP, AUDIT, PERSONAL.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
    /// INIT, START, FINISH, STOP.
    pub status: String,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub serial_no: Option<i64>,
    #[serde(default)]
    pub operators: Vec<Person>,
    /// PASS or REJECT once an audit is decided (our choice 8).
    #[serde(default)]
    pub audit_result: Option<String>,
    #[serde(default)]
    pub audit_comment: Option<String>,
    #[serde(default)]
    pub auditor: Option<Person>,
    #[serde(default)]
    pub audit_time: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Document {
    #[serde(default, deserialize_with = "opt_text")]
    pub id: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub pages: Option<i64>,
}

/// Text written as a string or a number; `null` or absent is `None`.
fn opt_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "de::text")] String);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}
