//! weiwenjia wire → unified model. Statuses, `field_type`s, node kinds, approval types and
//! action names are mapped exhaustively: a value the document (or our recorded choice) does not
//! list is an error naming it. Times are Beijing time (UTC+8) as the vendor writes them.

use super::wire::{ApprovalDetail, BodyField, Detail, ExecutionNode, ListItem, UserRef};
use crate::model::{Action, Decision, Field, FieldKind, Inbox, RemoteApproval, Status, Step, StepMember, StepRule, User};
use serde_json::Value;

/// A mapping failure: the vendor sent a value the document does not define.
pub type MapError = String;

/// The vendor's clock (our choice 5: list and detail times are Beijing time).
const UTC8: i64 = 8 * 3600;

/// The status of an approval still in progress.
pub const IN_PROGRESS: &str = "applying";

/// Approval status (document: applying 审批中, pass 审批通过, veto 审批否决, revocation 审批撤回).
pub fn status(s: &str) -> Result<Status, MapError> {
    match s {
        IN_PROGRESS => Ok(Status::Pending),
        "pass" => Ok(Status::Approved),
        "veto" => Ok(Status::Rejected),
        "revocation" => Ok(Status::Cancelled),
        other => Err(format!("unknown approval status \"{other}\"")),
    }
}

/// Our remote id: `entity_type:entity_id` (the detail is keyed on the entity, choice 3).
pub fn remote_id(entity_type: &str, entity_id: i64) -> String {
    format!("{entity_type}:{entity_id}")
}

/// Splits a remote id; the entity type may itself hold a colon-free Chinese name (报价单).
pub fn parse_remote_id(remote: &str) -> Option<(&str, i64)> {
    let (t, id) = remote.rsplit_once(':')?;
    Some((t, id.parse().ok()?)).filter(|(t, _)| !t.is_empty())
}

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `yyyy-MM-dd[ HH:mm[:ss]]` in Beijing time → Unix seconds.
pub fn parse_time(s: &str) -> Result<i64, MapError> {
    let bad = || format!("unreadable time \"{s}\"");
    let (date, clock) = s.trim().split_once(' ').unwrap_or((s.trim(), "00:00"));
    let d: Vec<i64> = date.split('-').map(|p| p.parse().map_err(|_| bad())).collect::<Result<_, _>>()?;
    let c: Vec<i64> = clock.split(':').map(|p| p.parse().map_err(|_| bad())).collect::<Result<_, _>>()?;
    let ok = d.len() == 3 && (1..=12).contains(&d[1]) && (1..=31).contains(&d[2]) && (2..=3).contains(&c.len()) && c[0] < 24 && c[1] < 60;
    if !ok {
        return Err(bad());
    }
    let secs = c.get(2).copied().unwrap_or(0);
    Ok(days_from_civil(d[0], d[1], d[2]) * 86_400 + c[0] * 3600 + c[1] * 60 + secs - UTC8)
}

/// A money value (`"¥ 2,555.00"`, or a number) as a plain decimal (`2555.00`).
pub fn money(v: &Value) -> Result<String, MapError> {
    match v {
        Value::Null => Ok(String::new()),
        Value::Number(n) => Ok(n.to_string()),
        Value::String(s) if s.trim().is_empty() => Ok(String::new()),
        Value::String(s) => {
            let plain: String = s.chars().filter(|c| !matches!(c, '¥' | '￥' | ',' | ' ' | '元') && !c.is_whitespace()).collect();
            plain.parse::<f64>().map(|_| plain.clone()).map_err(|_| format!("unreadable amount \"{s}\""))
        }
        other => Err(format!("unreadable amount {other}")),
    }
}

/// Plain words of a value: text, a number, a user/department object's name, or a list of them.
fn words(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Value::Array(items) => items.iter().map(words).filter(|w| !w.is_empty()).collect::<Vec<_>>().join("、"),
        Value::Object(o) => o.get("name").map(words).unwrap_or_default(),
    }
}

/// One `body_data` field; hidden ones (`is_invisible`) are not shown. The `field_type`s are the
/// document's: select2_field (a related record's name, or a user object), currency_field,
/// date_field, field_map_field (a system option's word).
pub fn field(f: &BodyField) -> Result<Option<Field>, MapError> {
    let (value, kind) = match f.field_type.as_str() {
        "select2_field" if f.value.is_object() => (words(&f.value), FieldKind::User),
        "select2_field" | "field_map_field" => (words(&f.value), FieldKind::Select),
        "currency_field" => (money(&f.value).map_err(|e| format!("field \"{}\": {e}", f.label))?, FieldKind::Money),
        "date_field" => {
            let text = words(&f.value);
            let value = if text.is_empty() { text } else { parse_time(&text).map_err(|e| format!("field \"{}\": {e}", f.label))?.to_string() };
            (value, FieldKind::Date)
        }
        other => return Err(format!("unknown field_type \"{other}\" in field \"{}\"", f.label)),
    };
    Ok((!f.is_invisible).then(|| Field::new(&f.label, value, kind)))
}

fn user(u: &UserRef) -> User {
    User { id: u.uid.to_string(), name: if u.name.is_empty() { format!("用户 {}", u.uid) } else { u.name.clone() } }
}

/// Node approval type (或签 ORAPPROVE: any one; 会签 ANDAPPROVE: all; choice 7).
pub fn rule(node: &ExecutionNode) -> Result<StepRule, MapError> {
    match node.setting_approval_type.as_deref() {
        Some("ORAPPROVE") => Ok(StepRule::Any),
        Some("ANDAPPROVE") => Ok(StepRule::All),
        Some(other) => Err(format!("unknown setting_approval_type \"{other}\" in node \"{}\"", node.name)),
        None => Err(format!("node \"{}\" has no setting_approval_type", node.name)),
    }
}

/// What an `action_name` means for the member who took it.
fn action_decision(d: &ApprovalDetail) -> Result<Decision, MapError> {
    match d.action_name.as_deref() {
        Some("submit_to") | Some("pass") => Ok(Decision::Approved),
        Some("reject") | Some("cancel") => Ok(Decision::Rejected),
        Some(other) => Err(format!("unknown action_name \"{other}\"")),
        None => Err("an approval detail without action_name".into()),
    }
}

fn member_of(d: &ApprovalDetail) -> Result<StepMember, MapError> {
    let opinion = d.opinion.clone().filter(|o| !o.trim().is_empty());
    // A withdrawal is the submitter's own "no": say so in the timeline (choice 8).
    let comment = match d.action_name.as_deref() {
        Some("cancel") => Some(format!("撤回{}", opinion.map(|o| format!("：{o}")).unwrap_or_default())),
        _ => opinion,
    };
    Ok(StepMember { word: None,
        user: user(&d.user),
        decision: action_decision(d)?,
        comment,
        decided_at: d.operate_time.as_deref().map(parse_time).transpose()?,
    })
}

/// The node history as steps: the begin node (submission, withdrawal) and every approval node
/// with its configured approvers, each with their decision.
pub fn steps(detail: &Detail) -> Result<Vec<Step>, MapError> {
    detail.execution_details.iter().map(step).collect()
}

fn step(node: &ExecutionNode) -> Result<Step, MapError> {
    match node.approval_node.as_str() {
        "begin_node" => {
            let members = node.approval_details.iter().map(member_of).collect::<Result<Vec<_>, _>>()?;
            Ok(Step { name: node.name.clone(), rule: StepRule::Any, decision: Decision::Approved, members })
        }
        "approval_node" => {
            let rule = rule(node)?;
            let mut members: Vec<StepMember> = Vec::new();
            for u in node.setting_all_origin_approvers.iter().chain(&node.setting_approvers) {
                if !members.iter().any(|m| m.user.id == u.uid.to_string()) {
                    members.push(StepMember { word: None, user: user(u), decision: Decision::Waiting, comment: None, decided_at: None });
                }
            }
            for d in &node.approval_details {
                let m = member_of(d)?;
                match members.iter_mut().find(|x| x.user.id == m.user.id) {
                    Some(slot) => *slot = m,
                    None => members.push(m),
                }
            }
            let decision = step_decision(&rule, &members);
            Ok(Step { name: node.name.clone(), rule, decision, members })
        }
        other => Err(format!("unknown approval_node \"{other}\" in node \"{}\"", node.name)),
    }
}

fn step_decision(rule: &StepRule, members: &[StepMember]) -> Decision {
    let any = |d| members.iter().any(|m| m.decision == d);
    if any(Decision::Rejected) {
        return Decision::Rejected;
    }
    let passed = match rule {
        StepRule::All => !members.is_empty() && members.iter().all(|m| m.decision == Decision::Approved),
        _ => any(Decision::Approved),
    };
    if passed {
        Decision::Approved
    } else {
        Decision::Waiting
    }
}

/// The actions offered: exactly the detail's permission flags.
pub fn actions(d: &Detail) -> Vec<Action> {
    [(Action::Approve, d.has_approval_permission), (Action::Reject, d.has_reject_permission), (Action::Cancel, d.has_cancel_permission)]
        .into_iter()
        .filter_map(|(a, yes)| yes.then_some(a))
        .collect()
}

/// Boxes from the detail: todo = may pass or reject now; submitted = I submitted; processed =
/// I passed or rejected in some approval node.
pub fn boxes(item: &ListItem, d: &Detail, me: i64) -> Vec<Inbox> {
    let todo = d.has_approval_permission || d.has_reject_permission;
    let processed = d
        .execution_details
        .iter()
        .filter(|n| n.approval_node == "approval_node")
        .flat_map(|n| &n.approval_details)
        .any(|a| a.user.uid == me && matches!(a.action_name.as_deref(), Some("pass") | Some("reject")));
    [(Inbox::Todo, todo), (Inbox::Submitted, item.submitter.uid == me), (Inbox::Processed, processed)]
        .into_iter()
        .filter_map(|(b, yes)| yes.then_some(b))
        .collect()
}

/// Maps a list item and its detail into one approval, as `me` sees it.
pub fn approval(item: &ListItem, item_raw: Value, detail: &Detail, detail_raw: Value, me: i64) -> Result<RemoteApproval, MapError> {
    let status_word = detail.execute_record.as_ref().and_then(|r| r.status.as_deref()).unwrap_or(&item.status);
    let submitted_at = parse_time(&item.submission_time)?;
    let steps = steps(detail)?;
    let updated_at = steps.iter().flat_map(|s| &s.members).filter_map(|m| m.decided_at).chain([submitted_at]).max().unwrap_or(submitted_at);
    let entity = &item.entity_data;
    let mut fields = Vec::new();
    if let Some(label) = entity.module_label.as_deref().filter(|l| !l.is_empty()) {
        fields.push(Field::new("审批对象", label, FieldKind::Select));
    }
    for f in &entity.body_data {
        fields.extend(field(f)?);
    }
    Ok(RemoteApproval { status_word: None, unreadable: None,
        remote_id: remote_id(&item.entity_type, entity.id),
        title: entity.main_field_value.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| format!("{} {}", item.workflow.name, entity.id)),
        form_name: item.workflow.name.clone(),
        submitter: user(&item.submitter),
        submitted_at,
        updated_at,
        status: status(status_word)?,
        boxes: boxes(item, detail, me),
        fields,
        steps,
        attachments: vec![],
        actions: actions(detail),
        raw: serde_json::json!({ "list_item": item_raw, "detail": detail_raw }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::de::document_example;
    use crate::connectors::weiwenjia::wire::ListData;

    const LIST: &str = include_str!("../../../tests/fixtures/weiwenjia/approval-center-list.jsonc");
    const ERROR: &str = include_str!("../../../tests/fixtures/weiwenjia/error.jsonc");
    const DETAIL: &str = include_str!("../../../tests/fixtures/weiwenjia/execute-records-detail.jsonc");

    fn list() -> (ListData, Value) {
        let raw = document_example(LIST);
        (serde_json::from_value(raw["data"].clone()).unwrap(), raw)
    }

    fn detail() -> (Detail, Value) {
        let raw = document_example(DETAIL);
        (serde_json::from_value(raw["data"].clone()).unwrap(), raw)
    }

    /// The detail example with the action our copy of the page cuts off (John passed).
    fn detail_completed() -> Detail {
        let (mut d, _) = detail();
        d.execution_details[1].approval_details[0].action_name = Some("pass".into());
        d
    }

    #[test]
    fn the_documents_list_example_parses_and_maps() {
        let (data, raw) = list();
        assert_eq!((data.total_count, data.total_pages, data.has_next_page, data.per_page, data.page), (5, 1, false, 15, 1));
        assert_eq!(raw["code"], 0);
        let items: Vec<ListItem> = data.list.iter().map(|i| crate::connectors::parse_item("list", i).unwrap()).collect();
        let d = detail_completed();
        let a = approval(&items[0], raw["data"]["list"][0].clone(), &d, Value::Null, 35_903_635).unwrap();
        assert_eq!(a.remote_id, "Contract:1805501");
        assert_eq!((a.title.as_str(), a.form_name.as_str(), a.submitter.name.as_str()), ("审批测试5", "合同审批", "John"));
        assert_eq!(a.submitted_at, 1_712_627_760, "2024-04-09 09:56 Beijing");
        let f = |label: &str| a.fields.iter().find(|f| f.label == label).cloned().unwrap();
        assert_eq!(f("合同总金额"), Field::new("合同总金额", "11.00", FieldKind::Money));
        assert_eq!(f("签约日期").value, "1712592000", "2024-04-09 00:00 Beijing");
        assert_eq!(f("对应客户"), Field::new("对应客户", "北京市财政局", FieldKind::Select));
        assert_eq!(f("负责人"), Field::new("负责人", "John", FieldKind::User));
        assert_eq!(f("合同类型").value, "");
        assert_eq!(f("审批对象").value, "合同");
        let money: Vec<String> = items.iter().map(|i| money(&i.entity_data.body_data[1].value).unwrap()).collect();
        assert_eq!(money, ["11.00", "22.00", "55.00", "2555.00", "223.00"]);
    }

    #[test]
    fn the_documents_error_example_is_an_error_naming_its_code() {
        let raw = document_example(ERROR);
        let e = crate::connectors::weiwenjia::client::envelope("approval_center/list", 200, raw.to_string().as_bytes()).unwrap_err().to_string();
        assert!(e.contains("500") && e.contains("invalid appid"), "{e}");
    }

    #[test]
    fn the_vendors_detail_example_maps_to_steps_and_flags() {
        let (d, _) = detail();
        assert_eq!(d.execute_record_id, Some(2459));
        assert!(actions(&d).is_empty(), "every flag is false in the example");
        assert!(steps(&d).unwrap_err().contains("action_name"), "our copy ends before the action");
        let steps = steps(&detail_completed()).unwrap();
        assert_eq!(steps[0].members[0].user.name, "John");
        assert_eq!(steps[1].rule, StepRule::Any);
        assert_eq!(steps[1].members.len(), 2, "both configured approvers are shown");
        assert_eq!(steps[1].decision, Decision::Approved);
    }

    #[test]
    fn every_status_and_flag_maps_and_unknown_values_are_named() {
        assert_eq!(["applying", "pass", "veto", "revocation"].map(|s| status(s).unwrap()), [Status::Pending, Status::Approved, Status::Rejected, Status::Cancelled]);
        assert!(status("done").unwrap_err().contains("done"));
        let bf = |t: &str, v: Value| BodyField { label: "x".into(), name: "x".into(), value: v, field_type: t.into(), is_invisible: false };
        assert!(field(&bf("rich_text_field", Value::Null)).unwrap_err().contains("rich_text_field"));
        assert!(field(&bf("currency_field", "约一万".into())).unwrap_err().contains("约一万"));
        assert!(field(&bf("date_field", "04/09/2024".into())).unwrap_err().contains("04/09/2024"));
        let mut hidden = bf("currency_field", "¥ 1.00".into());
        hidden.is_invisible = true;
        assert_eq!(field(&hidden).unwrap(), None);
        let mut d = detail_completed();
        d.execution_details[1].setting_approval_type = Some("XORAPPROVE".into());
        assert!(steps(&d).unwrap_err().contains("XORAPPROVE"));
        let mut d = detail_completed();
        d.execution_details[1].approval_details[0].action_name = Some("transfer".into());
        assert!(steps(&d).unwrap_err().contains("transfer"));
        let (mut d, _) = detail();
        d.has_approval_permission = true;
        d.has_reject_permission = true;
        d.has_cancel_permission = true;
        assert_eq!(actions(&d), [Action::Approve, Action::Reject, Action::Cancel]);
    }

    #[test]
    fn remote_ids_round_trip() {
        assert_eq!(parse_remote_id(&remote_id("报价单", 42)), Some(("报价单", 42)));
        assert_eq!(parse_remote_id("Contract"), None);
        assert_eq!(parse_remote_id(":4"), None);
    }
}
