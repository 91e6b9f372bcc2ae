//! A wild tenant of the weiwenjia approval center (`Tenant::Wild`): what a real tenant's records
//! show that the documents' examples do not. Every record carries fields of types no source
//! names and odd values for known ones (objects where text belongs, other currencies, dates as
//! milliseconds, a missing type or label), with emoji and rare CJK; by turns a record also
//! shows a status, node kind, approval type, action or other word no source lists, has
//! optional list or detail fields missing or `null`, a 10 kB text, or an aPaaS app's own name
//! as its entity type. A few cannot be read at all: the vendor refuses the detail with its
//! published code 100100, or answers it without a detail. The flow itself (who may act, what
//! `perform` does) stays the tidy one, so the user's odd-but-readable todos can be acted on.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use super::state::{Decision, Record, State, Verb};
use crate::wild::{long_text, odd_text, unknown_word};

/// What a wild record shows on top of the documents' shapes.
#[derive(Debug, Clone, PartialEq)]
pub enum Oddity {
    /// A `body_data` entry exactly as written (any shape).
    Field(Value),
    /// The approval's status (list and `execute_record`) is this word.
    StatusWord(String),
    /// The current approval node's kind (`approval_node`) and approval type are these words.
    NodeWords { kind: String, approval_type: String },
    /// The current node shows an entry whose `action_name` is this word (a 转交 before the rest).
    ActionWord(String),
    /// Optional list-item fields missing or `null` (times, words, workflow, submitter).
    ListGaps,
    /// Optional detail fields missing or `null` (the record object, approvers, the approval
    /// type code, every opinion: then only the processed list's `operate_comment` has it).
    DetailGaps,
    /// `app`, `approval_opinions` and `setting_approver_role` are words no source lists.
    OtherWords,
    /// The detail is refused: `{code: 100100, message: 您没有权限查看该对象或该对象不存在。}`.
    Refused,
    /// The detail answers `code: 0` with no detail in `data`.
    Garbled,
}

/// The published refusal of a record (the vendor's CRM pages: 100100).
const REFUSED_CODE: i64 = 100_100;

/// Dresses every record of `state` as a wild tenant's, deterministically by `seed`.
pub fn seed(state: &mut State, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed_0d0d);
    for (i, r) in state.records.values_mut().enumerate() {
        r.wild = fields(&mut rng, i).into_iter().map(Oddity::Field).collect();
        match i % 16 {
            7 => r.wild.push(Oddity::Refused),
            15 => r.wild.push(Oddity::Garbled),
            _ => {}
        }
        match i % 8 {
            0 => r.wild.push(Oddity::StatusWord(unknown_word("status", i / 8))),
            1 => r.wild.push(Oddity::NodeWords {
                kind: unknown_word("node", i),
                approval_type: unknown_word("APPROVE", i + 1),
            }),
            2 => r.wild.push(Oddity::ActionWord(unknown_word("action", i))),
            3 => r.wild.push(Oddity::ListGaps),
            4 => r.wild.push(Oddity::DetailGaps),
            5 => {
                r.main_field_value = odd_text(&r.main_field_value);
                r.wild.push(Oddity::Field(entry("情况说明", "text_area", json!(long_text("情况说明")))));
            }
            6 => {
                // An aPaaS app is named by its own name (the list document's 报价单).
                (r.entity_type, r.module_label) = ("售后工单😀".into(), "售后工单😀".into());
                r.wild.push(Oddity::OtherWords);
            }
            _ => {}
        }
    }
}

fn entry(label: &str, field_type: &str, value: Value) -> Value {
    json!({"label": label, "name": format!("{field_type}_wild"), "value": value, "field_type": field_type, "is_invisible": false})
}

/// Six fields of the wild catalogue, a different window for each record, plus one odd text.
fn fields(rng: &mut StdRng, i: usize) -> Vec<Value> {
    let catalogue = catalogue(i);
    let start = rng.random_range(0..catalogue.len());
    let mut out: Vec<Value> = catalogue.iter().cycle().skip(start).take(6).cloned().collect();
    out.push(entry(&odd_text("客户备注"), "text_field", json!(odd_text("客户要求周五前回复"))));
    out
}

/// Fields a real tenant has: types no source names (aPaaS users, departments, cascades,
/// relations, formulas, rich text, images, signatures, tables, a brand-new word), and known
/// types with values of other shapes than the pages show.
fn catalogue(i: usize) -> Vec<Value> {
    vec![
        entry("计算金额", "formula_field", json!(1234.5)),
        entry("富文本说明", "rich_text_field", json!(format!("<p>{}</p>", odd_text("补充条款")))),
        entry(
            "项目成员",
            "user_select",
            json!([{"uid": 35_903_640, "name": "陈静", "third_userid": null}, {"uid": 35_903_641, "name": odd_text("赵敏"), "third_userid": "wx-zm"}]),
        ),
        entry("所属部门", "department_select", json!([{"did": 1, "name": "华东销售一部", "third_dept_id": null}])),
        entry(
            "区域",
            "cascade_field",
            json!({"level_0": "60943MKVMq0Erpe9dUdV7w==", "level_1": "WkFg1hVKiht2xdOjfhlpqQ=="}),
        ),
        json!({"label": "关联线索", "name": "cu_rela_2324018421118", "value": {"value": 1, "label": "上海微问家", "relation_source": {"id": 23, "name": "data_1_3_9ddabc", "label": "推广线索", "external_type": ""}}, "field_type": "relation_field"}),
        entry("现场照片", "image_field", json!([{"url": "https://files.example.com/p/1.jpg"}])),
        json!({"label": "客户签名", "value": null, "field_type": "signature_field"}),
        entry("产品明细", "table_field", json!([{"产品": "销售云专业版", "数量": 3, "单价": "¥ 1,200.00"}])),
        entry(&odd_text("新字段"), &unknown_word("field", i), json!(odd_text("新版本字段的值"))),
        entry("外币金额", "currency_field", json!({"amount": 1200, "currency": "USD"})),
        entry("美元报价", "currency_field", json!("US$ 1,200.00")),
        entry("回访日期", "date_field", json!(1_712_592_000_000_i64)),
        entry("到期日", "date_field", json!("2024/04/09")),
        entry("参会人数", "integer_field", json!("约 30")),
        entry("关联合同", "select2_field", json!([{"id": 1_805_501, "name": "审批测试5"}])),
        entry("沟通方式", "multi_select", json!("电话,邮件")),
        entry("附件", "file_field", json!([{"id": 1, "file_url": "https://files.example.com/x.gif"}])),
        entry("定位", "geo_address_field", json!("杭州市西湖区")),
        json!({"label": "无类型", "value": "没有 field_type 的字段", "field_type": null}),
        json!({"label": null, "name": "no_label", "value": 3, "field_type": "integer_field", "is_invisible": "false"}),
        json!({"label": "数字类型", "value": 5, "field_type": 12}),
    ]
}

/// The reply that replaces a refused record's detail.
pub fn refused(r: &Record) -> Option<Value> {
    r.wild.contains(&Oddity::Refused).then(|| json!({"code": REFUSED_CODE, "message": "您没有权限查看该对象或该对象不存在。", "error": "active_record/record_not_found"}))
}

/// Writes a record's oddities into its list item.
pub fn dress_item(r: &Record, item: &mut Value) {
    for o in &r.wild {
        match o {
            Oddity::Field(f) => push(&mut item["entity_data"]["body_data"], f.clone()),
            Oddity::StatusWord(word) => {
                item["status"] = json!(word);
                item["status_i18n"] = json!("归档中");
            }
            Oddity::ListGaps => {
                for gone in ["distance_submission_time", "workflow", "app"] {
                    remove(item, gone);
                }
                for null in ["submission_time", "status_i18n", "submitter"] {
                    item[null] = Value::Null;
                }
                item["entity_data"]["main_field_value"] = Value::Null;
                remove(&mut item["entity_data"], "module_label");
            }
            Oddity::OtherWords => item["app"] = json!(unknown_word("app", 3)),
            _ => {}
        }
    }
}

/// Writes a record's oddities into its detail (`data`).
pub fn dress_detail(state: &State, r: &Record, data: &mut Value) {
    // The node in question: the current one while applying, else the first approval node
    // (index 0 of `execution_details` is the begin node).
    let at = 1 + r.current.min(r.nodes.len().saturating_sub(1));
    for o in &r.wild {
        match o {
            Oddity::StatusWord(word) => {
                data["execute_record"]["status"] = json!(word);
                data["execute_record"]["status_i18n"] = json!("归档中");
            }
            Oddity::NodeWords { kind, approval_type } => {
                let node = &mut data["execution_details"][at];
                node["approval_node"] = json!(kind);
                node["setting_approval_type"] = json!(approval_type);
                node["setting_approval_type_i18n"] = json!("依次审批");
            }
            Oddity::ActionWord(word) => {
                let Some(by) = r.nodes.get(at - 1).and_then(|n| n.approvers.first()).copied() else { continue };
                let mut transfer = state.detail_entry(&Decision {
                    uid: by,
                    verb: Verb::Pass,
                    opinion: odd_text("转交给同事处理"),
                    at: r.submitted_at + 300,
                });
                (transfer["approve_action"], transfer["action_name"]) = (json!("转交"), json!(word));
                if let Some(entries) = data["execution_details"][at]["approval_details"].as_array_mut() {
                    entries.insert(0, transfer);
                }
            }
            Oddity::DetailGaps => detail_gaps(data),
            Oddity::OtherWords => {
                data["approval_opinions"] = json!(unknown_word("opinion", 1));
                if let Some(nodes) = data["execution_details"].as_array_mut() {
                    nodes.iter_mut().skip(1).for_each(|n| n["setting_approver_role"] = json!(unknown_word("role", 2)));
                }
            }
            Oddity::Garbled => *data = json!("审批记录同步中，请稍后再试"),
            Oddity::Field(_) | Oddity::ListGaps | Oddity::Refused => {}
        }
    }
}

fn detail_gaps(data: &mut Value) {
    remove(data, "execute_record");
    data["entity_applying_users"] = Value::Null;
    data["approval_opinions"] = Value::Null;
    for node in data["execution_details"].as_array_mut().into_iter().flatten() {
        node["node_name"] = Value::Null;
        // The code goes, the words stay (或签 / 会签 / …).
        remove(node, "setting_approval_type");
        if node.get("setting_all_origin_approvers").is_some() {
            node["setting_approvers"] = Value::Null;
        }
        for e in node["approval_details"].as_array_mut().into_iter().flatten() {
            remove(e, "opinion");
            remove(&mut e["user"], "avatar");
            e["origin_user"] = Value::Null;
        }
    }
}

fn push(list: &mut Value, v: Value) {
    if let Some(items) = list.as_array_mut() {
        items.push(v);
    }
}

fn remove(v: &mut Value, key: &str) {
    if let Some(o) = v.as_object_mut() {
        o.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::super::seed::{generate, DEMO_UID};
    use super::super::state::{Filters, Scope};
    use super::*;

    fn wild_state() -> State {
        let mut s = generate(9, 48);
        seed(&mut s, 9);
        s
    }

    #[test]
    fn every_oddity_occurs_and_the_flow_stays_tidy() {
        let s = wild_state();
        let tidy = generate(9, 48);
        let kinds: std::collections::BTreeSet<String> = s
            .records
            .values()
            .flat_map(|r| &r.wild)
            .map(|o| format!("{o:?}").split(['(', ' ']).next().unwrap_or_default().to_string())
            .collect();
        assert_eq!(kinds.len(), 9, "{kinds:?}");
        let flow =
            |s: &State| s.records.values().map(|r| (r.id, r.status, r.current, r.nodes.clone())).collect::<Vec<_>>();
        assert_eq!(flow(&s), flow(&tidy), "only what is shown changes");
        let todo = s.scope(DEMO_UID, Scope::Todo, &Filters::default());
        let plain = |r: &&Record| {
            !r.wild.iter().any(|o| matches!(o, Oddity::StatusWord(_) | Oddity::Refused | Oddity::Garbled))
        };
        assert!(todo.iter().copied().filter(plain).count() >= 2, "some todos stay readable and actionable");
    }

    #[test]
    fn records_are_written_with_their_oddities() {
        let s = wild_state();
        let by = |f: fn(&Oddity) -> bool| s.records.values().find(|r| r.wild.iter().any(f)).unwrap();
        let odd_status = by(|o| matches!(o, Oddity::StatusWord(_)));
        let item = s.list_item(odd_status, DEMO_UID, Scope::Todo, 0);
        assert!(item["status"].as_str().unwrap().starts_with("ARCHIVING"), "{}", item["status"]);
        assert!(item["entity_data"]["body_data"].as_array().unwrap().iter().any(|f| f["field_type"]
            == "formula_field"
            || f["field_type"] == "user_select"
            || f["field_type"].is_null()
            || f["value"].is_object()));
        let gaps = by(|o| *o == Oddity::ListGaps);
        let item = s.list_item(gaps, DEMO_UID, Scope::Todo, 0);
        assert!(
            item["submission_time"].is_null()
                && item.get("workflow").is_none()
                && item["entity_data"]["main_field_value"].is_null()
        );
        let gaps = by(|o| *o == Oddity::DetailGaps);
        let d = s.detail(gaps, DEMO_UID);
        assert!(d.get("execute_record").is_none() && d["execute_record_id"].is_i64());
        assert!(d["execution_details"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|n| n["approval_details"].as_array().unwrap())
            .all(|e| e.get("opinion").is_none()));
        let action = by(|o| matches!(o, Oddity::ActionWord(_)));
        let d = s.detail(action, DEMO_UID);
        let words: Vec<&str> = d["execution_details"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|n| n["approval_details"].as_array().unwrap())
            .filter_map(|e| e["action_name"].as_str())
            .collect();
        assert!(words.iter().any(|w| w.contains("_action")), "{words:?}");
        let refused_one = by(|o| *o == Oddity::Refused);
        assert_eq!(refused(refused_one).unwrap()["code"], 100_100);
        assert!(s.detail(by(|o| *o == Oddity::Garbled), DEMO_UID).is_string());
        let long = s
            .records
            .values()
            .flat_map(|r| &r.wild)
            .filter_map(|o| if let Oddity::Field(f) = o { f["value"].as_str() } else { None })
            .map(str::len)
            .max()
            .unwrap();
        assert!(long >= 10_000, "a 10 kB text");
    }
}
