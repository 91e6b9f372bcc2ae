//! serde types of 契约锁's replies as the inbox reads them, in BOTH published shapes, whichever a
//! server sends: the open platform v2 (`{code, message, result}`; list `result.list`; the
//! vendor's SDK models `Contract`, `Signatory`, `Action`, `User`, `Document`) and the private
//! cloud 4.0 (`qiyuesuo/qiyuesuo-java-demo` `docs/API_DOC.md`: detail under `contract`, list
//! under `result.contractList`, `categoryName`/`creatorId`/`creatorName` flat on the contract,
//! `actionOperators [{operatorType, operatorId, operatorName}]`, `completeTime`). A contract
//! carries the fields of both; the map reads whichever are there.
//!
//! Vendor data is untrusted: only the contract's id is required. Every other field may be
//! missing or `null`, an enum word is kept as text whatever it says, a text written as a number
//! (or an object, or a list) is read by its value (`unknown::words`), and an id or count that is
//! not one is `None`. A list (`signatories`, `actions`) that is not a list at all makes the
//! record unreadable: the todo rule cannot be told without it.

use crate::connectors::{de, unknown};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

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

/// `POST /v2/contract/pageurl` body (the fields we send). `user` («操作人») is in every published
/// version of the call (required in the early v2 document; the vendor's PHP, Java and Go samples
/// pass it); `pageType` is one of the published SIGN, PRINT, DIRECT_SIGN.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageUrlRequest {
    pub contract_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_name: Option<String>,
    pub page_type: &'static str,
    pub user: UserRef,
}

/// A `User` as a request names one: `{contact, contactType}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRef {
    pub contact: String,
    pub contact_type: &'static str,
}

impl UserRef {
    /// The employee setting as a `User`: an e-mail address is `EMAIL`, anything else `MOBILE`.
    pub fn employee(contact: &str) -> UserRef {
        let contact_type = if contact.contains('@') { "EMAIL" } else { "MOBILE" };
        UserRef { contact: contact.to_string(), contact_type }
    }
}

/// `contract/list`'s `result`: open v2 `{totalCount, list}` (`totalCount` a string in the
/// portal's schema, a number in the SDK), private cloud `{totalCount, contractList}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractList {
    #[serde(default, deserialize_with = "count")]
    pub total_count: Option<i64>,
    /// Each item read on its own (`connectors::parse_item`).
    #[serde(default, deserialize_with = "raw_items")]
    pub list: Vec<Value>,
    #[serde(default, deserialize_with = "raw_items")]
    pub contract_list: Vec<Value>,
}

impl ContractList {
    /// The page's items, whichever key the server put them under.
    pub fn items(self) -> Vec<Value> {
        if self.list.is_empty() {
            self.contract_list
        } else {
            self.list
        }
    }
}

/// An item of `contract/list`: what the list alone tells (the id, the subject, who created it).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractSummary {
    #[serde(deserialize_with = "de::text")]
    pub id: String,
    #[serde(default, deserialize_with = "words")]
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "words")]
    pub status: Option<String>,
    /// Open v2 (our choice 6: the published list excerpt does not show it).
    #[serde(default)]
    pub creator: Option<Person>,
    /// Private cloud.
    #[serde(default, deserialize_with = "id")]
    pub creator_id: Option<String>,
}

/// A person (open v2 `User`: name, contact, contactType MOBILE | EMAIL | EMPLOYEEID | NUMBER |
/// BIZID). Read from whatever is there: an object by its fields, a bare text as the name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Person {
    pub name: Option<String>,
    pub contact: Option<String>,
    pub contact_type: Option<String>,
}

impl<'de> Deserialize<'de> for Person {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Object(o) => Person {
                name: text_of(o.get("name")),
                contact: id_of(o.get("contact")),
                contact_type: text_of(o.get("contactType")),
            },
            other => Person { name: text_of(Some(&other)), ..Person::default() },
        })
    }
}

/// A private-cloud action operator: `operatorType` EMPLOYEE, ROLE, USER, CATEGORY, COMPANY,
/// LP_USER; `operatorId`; `operatorName`. No contact.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Operator {
    pub operator_type: Option<String>,
    pub operator_id: Option<String>,
    pub operator_name: Option<String>,
}

impl<'de> Deserialize<'de> for Operator {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Object(o) => Operator {
                operator_type: text_of(o.get("operatorType")),
                operator_id: id_of(o.get("operatorId")),
                operator_name: text_of(o.get("operatorName")),
            },
            other => Operator { operator_name: text_of(Some(&other)), ..Operator::default() },
        })
    }
}

/// Open v2 `category {id, name}`; a bare text is its name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Category {
    pub id: Option<String>,
    pub name: Option<String>,
}

impl<'de> Deserialize<'de> for Category {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Object(o) => Category { id: id_of(o.get("id")), name: text_of(o.get("name")) },
            other => Category { id: None, name: text_of(Some(&other)) },
        })
    }
}

/// `contract/detail`'s contract: open v2 `result` or private cloud `contract`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contract {
    #[serde(deserialize_with = "de::text")]
    pub id: String,
    #[serde(default, deserialize_with = "words")]
    pub biz_id: Option<String>,
    /// The sponsor (发起方).
    #[serde(default, deserialize_with = "words")]
    pub tenant_name: Option<String>,
    #[serde(default, deserialize_with = "words")]
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "words")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "words")]
    pub sn: Option<String>,
    /// Open v2: DRAFT, RECALLED, SIGNING, REJECTED, COMPLETE, EXPIRED, FILLING, INVALIDING,
    /// INVALIDED, FORCE_END. Private cloud: DRAFT, SIGNING, COMPLETE, REJECTED, RECALLED,
    /// EXPIRED, FILLING, TERMINATING, TERMINATED, DELETE, FINISHED.
    #[serde(default, deserialize_with = "words")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "words")]
    pub create_time: Option<String>,
    #[serde(default, deserialize_with = "words")]
    pub publish_time: Option<String>,
    #[serde(default, deserialize_with = "words")]
    pub expire_time: Option<String>,
    /// Private cloud.
    #[serde(default, deserialize_with = "words")]
    pub update_time: Option<String>,
    /// Open v2 `category {id, name}`.
    #[serde(default)]
    pub category: Option<Category>,
    /// Private cloud.
    #[serde(default, deserialize_with = "words")]
    pub category_name: Option<String>,
    /// Open v2 `creator` (`User`).
    #[serde(default)]
    pub creator: Option<Person>,
    /// Private cloud: the creator's user id and name (no contact).
    #[serde(default, deserialize_with = "id")]
    pub creator_id: Option<String>,
    #[serde(default, deserialize_with = "words")]
    pub creator_name: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub signatories: Vec<Signatory>,
    #[serde(default, deserialize_with = "list")]
    pub documents: Vec<Document>,
    /// Why the contract was recalled or rejected (both editions).
    #[serde(default, deserialize_with = "words")]
    pub comments: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Signatory {
    #[serde(default, deserialize_with = "id")]
    pub id: Option<String>,
    /// Open v2 COMPANY | PERSONAL; private cloud CORPORATE, INNER_COMPANY, COMPANY, PERSONAL,
    /// INTERNAL_/EXTERNAL_ CORPORATE/PERSONAL. Shown only through `tenant_name`.
    #[serde(default, deserialize_with = "words")]
    pub tenant_type: Option<String>,
    #[serde(default, deserialize_with = "words")]
    pub tenant_name: Option<String>,
    /// Open v2: DRAFT, RECALLED, SIGNING, REJECTED, SIGNED, EXPIRED, FILLING, WAITING,
    /// INVALIDING, INVALIDED. Private cloud: DRAFT, SIGNING, COMPLETE.
    #[serde(default, deserialize_with = "words")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "int")]
    pub serial_no: Option<i64>,
    #[serde(default, deserialize_with = "list")]
    pub actions: Vec<ContractAction>,
}

/// A step of a signatory: seal, signature, audit, filling, termination.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractAction {
    #[serde(default, deserialize_with = "id")]
    pub id: Option<String>,
    /// Open v2: COMPANY, OPERATOR, LP, AUDIT, PERSONAL. Private cloud: OPERATOR, LP, CORPORATE,
    /// PERSONAL, AUDIT, FILL, TERMINATE_CORPORATE, TERMINATE_PERSONAL.
    #[serde(default, rename = "type", deserialize_with = "words")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "words")]
    pub name: Option<String>,
    /// Open v2: INIT, START, FINISH, STOP. Private cloud: FILLING, FILLED, WAITING, SIGNING,
    /// SIGNED, DISCARDED, REJECTED, FINISHED, DISABLED.
    #[serde(default, deserialize_with = "words")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "int")]
    pub serial_no: Option<i64>,
    /// Open v2, with `queryActionOperator=true`: who is to act while it runs, who acted once done.
    #[serde(default, deserialize_with = "list")]
    pub operators: Vec<Person>,
    /// Private cloud.
    #[serde(default, deserialize_with = "list")]
    pub action_operators: Vec<Operator>,
    /// Private cloud (`Date`: a `yyyy-MM-dd HH:mm:ss` text in the example, or epoch milliseconds).
    #[serde(default, deserialize_with = "words")]
    pub complete_time: Option<String>,
}

/// A contract document (open v2 `{id, title, pageCount, createTime}`; private cloud
/// `{id, title, pages, size, createTime, antifakeCode, params}`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    #[serde(default, deserialize_with = "id")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "words")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "int")]
    pub pages: Option<i64>,
    #[serde(default, deserialize_with = "int")]
    pub page_count: Option<i64>,
    #[serde(default, deserialize_with = "int")]
    pub size: Option<i64>,
}

/// A value as text: a string as it is, `null` as nothing, anything else by its value.
fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(unknown::words(other)).filter(|w| !w.is_empty()),
    }
}

/// An id or a contact: a non-empty string or a number; anything else is not one.
fn id_of(v: Option<&Value>) -> Option<String> {
    crate::connectors::id_text(v)
}

/// An integer written as a number or a numeric string; anything else is not one.
fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => {
            n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9e15).map(|f| f as i64))
        }
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn words<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(text_of(Some(&Value::deserialize(d)?)))
}

fn id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(id_of(Some(&Value::deserialize(d)?)))
}

fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(int_of(&Value::deserialize(d)?))
}

/// `totalCount`: a number or a numeric string; a page without a readable count is still a page.
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    int(d)
}

/// A list whose items must each be a `T`; `null` is empty; anything but a list is an error.
fn list<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items.into_iter().map(|item| T::deserialize(item).map_err(D::Error::custom)).collect(),
        other => Err(D::Error::custom(format!("expected a list, got {}", kind_of(&other)))),
    }
}

/// A list page's raw items; `null` or anything but a list is no items (each item is read on its own).
fn raw_items<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Value>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items,
        _ => Vec::new(),
    })
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_id_is_required_and_odd_values_are_read_by_what_they_hold() {
        let c: Contract = serde_json::from_value(json!({ "id": 7 })).unwrap();
        assert_eq!((c.id.as_str(), c.status, c.signatories.len()), ("7", None, 0));
        let c: Contract = serde_json::from_value(json!({
            "id": "1", "subject": 12, "status": null, "description": { "name": "说明" }, "category": "采购类",
            "creator": "张三", "signatories": null, "documents": [{ "id": 5, "title": null, "pageCount": "3页", "pages": "4" }]
        }))
        .unwrap();
        assert_eq!((c.subject.as_deref(), c.description.as_deref(), c.status), (Some("12"), Some("说明"), None));
        assert_eq!(
            (c.category.unwrap().name.as_deref(), c.creator.unwrap().name.as_deref()),
            (Some("采购类"), Some("张三"))
        );
        assert_eq!(
            (c.documents[0].id.as_deref(), c.documents[0].page_count, c.documents[0].pages),
            (Some("5"), None, Some(4))
        );
        assert!(serde_json::from_value::<Contract>(json!({ "subject": "no id" })).is_err());
        let e = serde_json::from_value::<Contract>(json!({ "id": "1", "signatories": "见纸质合同" })).unwrap_err();
        assert!(e.to_string().contains("expected a list"), "{e}");
    }

    #[test]
    fn both_list_shapes_give_their_items() {
        let v2: ContractList =
            serde_json::from_value(json!({ "totalCount": "2", "list": [{ "id": 1 }, { "id": 2 }] })).unwrap();
        assert_eq!((v2.total_count, v2.items().len()), (Some(2), 2));
        let private: ContractList =
            serde_json::from_value(json!({ "totalCount": 3, "contractList": [{ "id": 1 }] })).unwrap();
        assert_eq!((private.total_count, private.items().len()), (Some(3), 1));
        let odd: ContractList = serde_json::from_value(json!({ "totalCount": "很多", "list": null })).unwrap();
        assert_eq!((odd.total_count, odd.items().len()), (None, 0));
    }

    #[test]
    fn operators_of_either_edition_are_read() {
        let a: ContractAction = serde_json::from_value(json!({
            "type": "AUDIT", "status": "SIGNING",
            "operators": [{ "name": "陈思远", "contact": 13857100001u64, "contactType": "MOBILE" }, "王丽华", null],
            "actionOperators": [{ "operatorType": "EMPLOYEE", "operatorId": 2422042842433986573u64, "operatorName": "张三" }]
        }))
        .unwrap();
        assert_eq!(a.operators[0].contact.as_deref(), Some("13857100001"));
        assert_eq!((a.operators[1].name.as_deref(), a.operators[2].name.as_deref()), (Some("王丽华"), None));
        assert_eq!(a.action_operators[0].operator_id.as_deref(), Some("2422042842433986573"));
        assert_eq!(UserRef::employee("a@b.cn").contact_type, "EMAIL");
        assert_eq!(UserRef::employee("13857100001").contact_type, "MOBILE");
    }
}
