//! weiwenjia wire → unified model. The words the document, the vendor's detail page or our
//! recorded choices list map onto the model; any other status, node kind (`approval_node`),
//! approval type (`setting_approval_type`) or action (`action_name`) is kept as the vendor wrote
//! it (`Status::Other`, `StepRule::Other`, `Decision::Other` with the word) and logged once, so no
//! word fails a record. `body_data` fields render in `fields.rs`. Times are Beijing time (UTC+8)
//! as the vendor writes them.

use super::fields;
use super::wire::{ApprovalDetail, Detail, ExecutionNode, ListItem, MultistepDetail, UserRef};
use crate::connectors::unknown;
use crate::model::{
    Action, Decision, Field, FieldKind, Inbox, RemoteApproval, Status, Step, StepMark, StepMember, StepRule, User,
    Vendor,
};
use serde_json::Value;

/// Why a value could not be read (a time, an amount).
pub type MapError = String;

/// The vendor's clock (our choice 5: list and detail times are Beijing time).
const UTC8: i64 = 8 * 3600;

const VENDOR: Vendor = Vendor::Weiwenjia;

/// The status of an approval still in progress.
pub const IN_PROGRESS: &str = "applying";

/// The node kind of the submission (the vendor's detail example).
const BEGIN_NODE: &str = "begin_node";

/// Approval status (document: applying 审批中, pass 审批通过, veto 审批否决, revocation 审批撤回),
/// with the vendor's word where it is none of these.
pub fn status(word: &str) -> (Status, Option<String>) {
    match word {
        IN_PROGRESS => (Status::Pending, None),
        "pass" => (Status::Approved, None),
        "veto" => (Status::Rejected, None),
        "revocation" => (Status::Cancelled, None),
        other => unknown::status(VENDOR, "approval status", other),
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

/// An ISO 8601 time's own offset (`Z`, `+08:00`, `+0800`) and the text before it; the vendor's
/// own `yyyy-MM-dd HH:mm` times carry none and are Beijing time.
fn offset_of(text: &str) -> (&str, i64) {
    let Some(t) = text.find('T') else { return (text, UTC8) };
    if let Some(rest) = text.strip_suffix('Z') {
        return (rest, 0);
    }
    let Some(at) = text[t..].rfind(['+', '-']).map(|i| t + i) else { return (text, UTC8) };
    let digits: String = text[at + 1..].chars().filter(char::is_ascii_digit).collect();
    // An offset is hours and minutes (`+08`, `+0800`); anything longer is not one.
    let (Ok(h), Ok(m)) = (
        digits.get(..2).unwrap_or("x").parse::<i64>(),
        digits.get(2..).filter(|m| !m.is_empty()).unwrap_or("00").parse::<i64>(),
    ) else {
        return (text, UTC8);
    };
    if digits.len() > 4 || h > 23 || m > 59 {
        return (text, UTC8);
    }
    let sign = if text[at..].starts_with('-') { -1 } else { 1 };
    (&text[..at], sign * (h * 3600 + m * 60))
}

/// `yyyy-MM-dd[ HH:mm[:ss]]` in Beijing time (or ISO 8601 with its offset, as aPaaS writes
/// times) → Unix seconds.
pub fn parse_time(s: &str) -> Result<i64, MapError> {
    let bad = || format!("unreadable time \"{s}\"");
    let (text, offset) = offset_of(s.trim());
    let (date, clock) = text.split_once([' ', 'T']).unwrap_or((text, "00:00"));
    let clock = clock.trim().split('.').next().unwrap_or_default();
    let d: Vec<i64> = date.split('-').map(|p| p.parse().map_err(|_| bad())).collect::<Result<_, _>>()?;
    let c: Vec<i64> = clock.split(':').map(|p| p.parse().map_err(|_| bad())).collect::<Result<_, _>>()?;
    let ok = d.len() == 3 && (1..=9999).contains(&d[0]) && (1..=12).contains(&d[1]) && (1..=31).contains(&d[2]);
    let ok = ok && (2..=3).contains(&c.len()) && c.iter().all(|n| (0..60).contains(n)) && c[0] < 24;
    if !ok {
        return Err(bad());
    }
    let secs = c.get(2).copied().unwrap_or(0);
    Ok(days_from_civil(d[0], d[1], d[2]) * 86_400 + c[0] * 3600 + c[1] * 60 + secs - offset)
}

/// A money value (`"¥ 2,555.00"`, or a number) as a plain decimal (`2555.00`).
pub fn money(v: &Value) -> Result<String, MapError> {
    match v {
        Value::Null => Ok(String::new()),
        Value::Number(n) => Ok(n.to_string()),
        Value::String(s) if s.trim().is_empty() => Ok(String::new()),
        Value::String(s) => {
            let plain: String =
                s.chars().filter(|c| !matches!(c, '¥' | '￥' | ',' | '元') && !c.is_whitespace()).collect();
            plain
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(|_| plain.clone())
                .ok_or_else(|| format!("unreadable amount \"{s}\""))
        }
        other => Err(format!("unreadable amount {other}")),
    }
}

/// A person as shown: their uid, and their name (or "用户 <uid>" where the vendor gives none).
fn user(u: &UserRef) -> User {
    let id = u.uid.or(u.id).map(|i| i.to_string()).unwrap_or_default();
    let name = u.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| {
        if id.is_empty() {
            "未知用户".into()
        } else {
            format!("用户 {id}")
        }
    });
    User { id, name }
}

/// Node approval type: 或签 `ORAPPROVE` (published) passes on any one; 会签 `ANDAPPROVE` (our
/// word) on all. Another word is kept; without a word, the vendor's i18n decides where it is
/// 或签 / 会签.
pub fn rule(node: &ExecutionNode) -> StepRule {
    match (node.setting_approval_type.as_deref(), node.setting_approval_type_i18n.as_deref()) {
        (Some("ORAPPROVE"), _) | (None, Some("或签")) => StepRule::Any,
        (Some("ANDAPPROVE"), _) | (None, Some("会签")) => StepRule::All,
        (Some(other), _) => {
            unknown::note(VENDOR, "setting_approval_type", other);
            StepRule::Other { word: other.to_string() }
        }
        (None, words) => StepRule::Other { word: words.unwrap_or_default().to_string() },
    }
}

/// What an action word means for the member who took it (`submit_to` published; `pass`,
/// `reject`, `cancel` our choice 6); another word is kept.
fn decision(action: &str) -> (Decision, Option<String>) {
    match action {
        "submit_to" | "pass" => (Decision::Approved, None),
        "reject" | "cancel" => (Decision::Rejected, None),
        other => {
            unknown::note(VENDOR, "action_name", other);
            (Decision::Other, Some(other.to_string()))
        }
    }
}

/// One entry of a node's `approval_details` as a member. In the begin node an entry without
/// an action word is the submission; elsewhere it is kept as the vendor's words (`approve_action`).
fn member_of(d: &ApprovalDetail, begin: bool) -> StepMember {
    let (decision, word) = match (d.action_name.as_deref(), begin) {
        (Some(action), _) => decision(action),
        (None, true) => (Decision::Approved, None),
        (None, false) => (Decision::Other, d.approve_action.clone()),
    };
    let opinion = d.comment().map(str::to_string);
    // A withdrawal is the submitter's own "no": say so in the timeline (choice 8).
    let comment = match d.action_name.as_deref() {
        Some("cancel") => Some(format!("撤回{}", opinion.map(|o| format!("：{o}")).unwrap_or_default())),
        _ => opinion,
    };
    let decided_at = d.operate_time.as_deref().and_then(|t| parse_time(t).ok());
    StepMember { user: user(&d.actor()), decision, word, comment, decided_at }
}

fn is_begin(node: &ExecutionNode) -> bool {
    node.approval_node.as_deref() == Some(BEGIN_NODE)
}

/// The node history as steps, one per node: the begin node (submission, withdrawal) and every
/// approval node with its configured approvers, each with their decision.
pub fn steps(detail: &Detail) -> Vec<Step> {
    detail.execution_details.iter().enumerate().map(|(i, node)| step(i, node)).collect()
}

fn step(i: usize, node: &ExecutionNode) -> Step {
    let name = [&node.name, &node.node_name]
        .into_iter()
        .flatten()
        .find(|n| !n.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| format!("节点 {}", i + 1));
    let rule = match node.approval_node.as_deref() {
        Some(BEGIN_NODE) => {
            let members = node.approval_details.iter().map(|d| member_of(d, true)).collect();
            return Step { name, rule: StepRule::Any, decision: Decision::Approved, members };
        }
        // A node without a kind is read as what every published node after the first is.
        Some("approval_node") | None => rule(node),
        Some(other) => {
            unknown::note(VENDOR, "approval_node", other);
            StepRule::Other { word: other.to_string() }
        }
    };
    let mut members: Vec<StepMember> = Vec::new();
    for u in node.setting_all_origin_approvers.iter().chain(&node.setting_approvers) {
        let u = user(u);
        if !members.iter().any(|m| m.user.id == u.id) {
            members.push(StepMember {
                user: u,
                decision: Decision::Waiting,
                word: None,
                comment: None,
                decided_at: None,
            });
        }
    }
    for d in &node.approval_details {
        let m = member_of(d, false);
        // An entry fills the slot of the approver it was for (`origin_uid`, where someone acted
        // for them), else the actor's; a second entry of the same person is added after it.
        let origin = d.origin_uid.or_else(|| d.origin_user.as_ref().and_then(|u| u.uid)).map(|u| u.to_string());
        let waiting = |id: &str| members.iter().position(|x| x.user.id == id && x.decision == Decision::Waiting);
        match origin.as_deref().and_then(waiting).or_else(|| waiting(&m.user.id)) {
            Some(slot) => members[slot] = m,
            None => members.push(m),
        }
    }
    let decision = step_decision(&rule, &members);
    Step { name, rule, decision, members }
}

/// A step's outcome: any reject rejects it; 或签 passes on one pass; 会签, and a rule we do not
/// know, when every member passed.
fn step_decision(rule: &StepRule, members: &[StepMember]) -> Decision {
    let any = |d| members.iter().any(|m| m.decision == d);
    if any(Decision::Rejected) {
        return Decision::Rejected;
    }
    let passed = match rule {
        StepRule::Any => any(Decision::Approved),
        _ => !members.is_empty() && members.iter().all(|m| m.decision == Decision::Approved),
    };
    if passed {
        Decision::Approved
    } else {
        Decision::Waiting
    }
}

/// The user's own opinions and actions from the `processed` list (`multistep_details`: its
/// `operate_comment` is the one place the vendor publishes an opinion) where the detail's entry
/// carries none, matched by the time of the action.
fn fill_from_history(members: &mut [StepMember], history: &[MultistepDetail], me: &str) {
    for m in members.iter_mut().filter(|m| m.user.id == me) {
        let Some(at) = m.decided_at else { continue };
        let Some(h) = history.iter().find(|h| h.operate_time.as_deref().and_then(|t| parse_time(t).ok()) == Some(at))
        else {
            continue;
        };
        if m.comment.is_none() {
            m.comment = h.operate_comment.clone().filter(|c| !c.trim().is_empty());
        }
        if let (Decision::Other, None, Some(action)) = (m.decision, &m.word, h.operate_action.as_deref()) {
            (m.decision, m.word) = decision(action);
        }
    }
}

/// The actions offered: the detail's permission flags, and none while the approval's status is
/// a word we do not know (nothing is offered on a guess).
pub fn actions(d: &Detail, status: Status) -> Vec<Action> {
    if status == Status::Other {
        return vec![];
    }
    [
        (Action::Approve, d.has_approval_permission),
        (Action::Reject, d.has_reject_permission),
        (Action::Cancel, d.has_cancel_permission),
    ]
    .into_iter()
    .filter_map(|(a, yes)| yes.then_some(a))
    .collect()
}

/// The vendor's marker of node `i` of the flow: its execute record, its place in the flow and
/// its key (`node_name`), so the same node of the same record always has the same marker and
/// the next node another.
fn node_mark(record: Option<i64>, i: usize, node: &ExecutionNode) -> String {
    let record = record.map_or_else(|| "-".to_string(), |r| r.to_string());
    format!("{record}/{i}/{}", node.node_name.as_deref().unwrap_or(""))
}

/// The node awaiting the caller's pass or reject now: while the detail lets them decide, the
/// first approval node whose rule is not met yet. A flow in which no such node can be told (no
/// nodes, odd data) is marked by its record and how many decisions it holds, so any decision
/// in between changes the marker.
pub fn awaiting(detail: &Detail) -> Option<StepMark> {
    if !(detail.has_approval_permission || detail.has_reject_permission) {
        return None;
    }
    let steps = steps(detail);
    let record = detail.record_id();
    let open = detail
        .execution_details
        .iter()
        .zip(&steps)
        .enumerate()
        .find(|(_, (node, step))| !is_begin(node) && step.decision == Decision::Waiting);
    Some(match open {
        Some((i, (node, step))) => {
            StepMark { step: node_mark(record, i, node), name: step.name.clone(), decision: Decision::Waiting }
        }
        None => {
            let decided = detail
                .execution_details
                .iter()
                .filter(|n| !is_begin(n))
                .map(|n| n.approval_details.len())
                .sum::<usize>();
            let record = record.map_or_else(|| "-".to_string(), |r| r.to_string());
            StepMark {
                step: format!("{record}/after {decided}"), name: "当前节点".into(), decision: Decision::Waiting
            }
        }
    })
}

/// The approval's step marks for `me`: the node awaiting them ([`awaiting`]) and every node
/// showing their own pass or reject (an entry they made, not one made for them).
pub fn marks(detail: &Detail, me: i64) -> Vec<StepMark> {
    let steps = steps(detail);
    let record = detail.record_id();
    let mut out: Vec<StepMark> = awaiting(detail).into_iter().collect();
    for (i, (node, step)) in detail.execution_details.iter().zip(&steps).enumerate().filter(|(_, (n, _))| !is_begin(n))
    {
        let mine = node.approval_details.iter().rev().filter(|d| d.actor().uid == Some(me)).find_map(|d| {
            match d.action_name.as_deref() {
                Some("pass") => Some(Decision::Approved),
                Some("reject") => Some(Decision::Rejected),
                _ => None,
            }
        });
        if let Some(decision) = mine {
            out.push(StepMark { step: node_mark(record, i, node), name: step.name.clone(), decision });
        }
    }
    out
}

/// Boxes from the detail: todo = may pass or reject now; submitted = I submitted; processed =
/// I passed or rejected in some approval node, or the item comes with my `multistep_details`
/// (only the `processed` list has them). The list that returned an item adds its own box
/// (`WeiwenjiaConnector::read`).
pub fn boxes(submitter: &User, item: &ListItem, d: &Detail, me: i64) -> Vec<Inbox> {
    let todo = d.has_approval_permission || d.has_reject_permission;
    let processed =
        !item.multistep_details.is_empty()
            || d.execution_details.iter().filter(|n| !is_begin(n)).flat_map(|n| &n.approval_details).any(|a| {
                a.actor().uid == Some(me) && matches!(a.action_name.as_deref(), Some("pass") | Some("reject"))
            });
    [(Inbox::Todo, todo), (Inbox::Submitted, submitter.id == me.to_string()), (Inbox::Processed, processed)]
        .into_iter()
        .filter_map(|(b, yes)| yes.then_some(b))
        .collect()
}

/// Maps a list item and its detail into one approval, as `me` sees it. Nothing here fails:
/// what is missing or unknown is shown as such.
pub fn approval(item: &ListItem, item_raw: Value, detail: &Detail, detail_raw: Value, me: i64) -> RemoteApproval {
    let word = detail
        .execute_record
        .as_ref()
        .and_then(|r| r.status.clone())
        .or_else(|| item.status.clone())
        .filter(|w| !w.trim().is_empty());
    let (status, status_word) = match word.as_deref() {
        Some(w) => status(w),
        None => (Status::Other, item.status_i18n.clone()),
    };
    let mut steps = steps(detail);
    let mine = me.to_string();
    for (_, step) in detail.execution_details.iter().zip(steps.iter_mut()).filter(|(n, _)| !is_begin(n)) {
        fill_from_history(&mut step.members, &item.multistep_details, &mine);
        step.decision = step_decision(&step.rule, &step.members);
    }
    let begin = detail.execution_details.iter().filter(|n| is_begin(n)).flat_map(|n| n.approval_details.first()).next();
    let submitter = item
        .submitter
        .as_ref()
        .map(user)
        .or_else(|| begin.map(|d| user(&d.actor())))
        .unwrap_or_else(|| user(&UserRef::default()));
    let decided = || steps.iter().flat_map(|s| &s.members).filter_map(|m| m.decided_at);
    // Without a submission time, the first time the flow shows stands for it.
    let submitted_at =
        item.submission_time.as_deref().and_then(|t| parse_time(t).ok()).or_else(|| decided().min()).unwrap_or(0);
    let updated_at = decided().chain([submitted_at]).max().unwrap_or(submitted_at);
    let entity = &item.entity_data;
    let nonempty = |t: &Option<String>| t.clone().filter(|t| !t.trim().is_empty());
    let form_name = item
        .workflow
        .as_ref()
        .and_then(|w| nonempty(&w.name))
        .or_else(|| nonempty(&entity.module_label))
        .unwrap_or_else(|| item.entity_type.clone());
    let mut fields = Vec::new();
    if let Some(label) = nonempty(&entity.module_label) {
        fields.push(Field::new("审批对象", label, FieldKind::Select));
    }
    fields.extend(entity.body_data.iter().filter_map(fields::field));
    RemoteApproval {
        remote_id: remote_id(&item.entity_type, entity.id),
        title: nonempty(&entity.main_field_value).unwrap_or_else(|| format!("{form_name} {}", entity.id)),
        form_name,
        boxes: boxes(&submitter, item, detail, me),
        submitter,
        submitted_at,
        updated_at,
        status,
        status_word,
        fields,
        steps,
        attachments: vec![],
        actions: actions(detail, status),
        raw: serde_json::json!({ "list_item": item_raw, "detail": detail_raw }),
        unreadable: None,
        marks: if status == Status::Other { vec![] } else { marks(detail, me) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::de::document_example;
    use crate::connectors::weiwenjia::wire::ListData;
    use serde_json::json;

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

    fn item(v: Value) -> ListItem {
        crate::connectors::parse_item("list", &v).unwrap()
    }

    #[test]
    fn the_documents_list_example_parses_and_maps() {
        let (data, raw) = list();
        assert_eq!(
            (data.total_count, data.total_pages, data.has_next_page, data.per_page, data.page),
            (Some(5), Some(1), false, Some(15), Some(1))
        );
        assert!(!data.has_next(1));
        assert_eq!(raw["code"], 0);
        let items: Vec<ListItem> = data.list.iter().map(|i| item(i.clone())).collect();
        let d = detail_completed();
        let a = approval(&items[0], raw["data"]["list"][0].clone(), &d, Value::Null, 35_903_635);
        assert_eq!(a.remote_id, "Contract:1805501");
        assert_eq!(
            (a.title.as_str(), a.form_name.as_str(), a.submitter.name.as_str()),
            ("审批测试5", "合同审批", "John")
        );
        assert_eq!((a.status, a.status_word.as_deref()), (Status::Pending, None));
        assert_eq!(a.submitted_at, 1_712_627_760, "2024-04-09 09:56 Beijing");
        let f = |label: &str| a.fields.iter().find(|f| f.label == label).cloned().unwrap();
        assert_eq!(f("合同总金额"), Field::new("合同总金额", "11.00", FieldKind::Money));
        assert_eq!(f("签约日期").value, "1712592000", "2024-04-09 00:00 Beijing");
        assert_eq!(f("对应客户"), Field::new("对应客户", "北京市财政局", FieldKind::Select));
        assert_eq!(f("负责人"), Field::new("负责人", "John", FieldKind::User));
        assert_eq!(f("合同类型"), Field::new("合同类型", "", FieldKind::Select));
        assert_eq!(f("审批对象").value, "合同");
        let money: Vec<String> = items.iter().map(|i| money(&i.entity_data.body_data[1].value).unwrap()).collect();
        assert_eq!(money, ["11.00", "22.00", "55.00", "2555.00", "223.00"]);
    }

    #[test]
    fn the_documents_error_example_is_an_error_naming_its_code() {
        let raw = document_example(ERROR);
        let e = crate::connectors::weiwenjia::client::envelope("approval_center/list", 200, raw.to_string().as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("500") && e.contains("invalid appid"), "{e}");
    }

    #[test]
    fn the_vendors_detail_example_maps_to_steps_and_flags() {
        let (d, _) = detail();
        assert_eq!(d.record_id(), Some(2459));
        assert!(d.is_super_user && !d.can_resubmission);
        assert_eq!(d.approval_opinions.as_deref(), Some("optional"));
        assert!(actions(&d, Status::Pending).is_empty(), "every flag is false in the example");
        // Our copy ends before the approver's action: the entry is shown, its decision unknown.
        let steps = steps(&d);
        assert_eq!(
            (steps[0].name.as_str(), steps[0].members[0].user.name.as_str(), steps[0].members[0].decision),
            ("开始", "John", Decision::Approved)
        );
        assert_eq!(steps[0].members[0].decided_at, Some(1_712_626_560), "2024-04-09 09:36 Beijing");
        assert_eq!((steps[1].name.as_str(), &steps[1].rule), ("一级审批", &StepRule::Any));
        let john = &steps[1].members[0];
        assert_eq!(
            (john.user.id.as_str(), john.decision, john.word.as_deref(), john.decided_at),
            ("35903635", Decision::Other, None, Some(1_712_626_620))
        );
        assert_eq!((steps[1].members[1].user.name.as_str(), steps[1].members[1].decision), ("校长", Decision::Waiting));
        assert_eq!(steps[1].decision, Decision::Waiting, "an unknown decision is not taken as a pass");
        let steps = super::steps(&detail_completed());
        assert_eq!(steps[1].members.len(), 2, "both configured approvers are shown");
        assert_eq!(steps[1].decision, Decision::Approved);
    }

    /// Issue 14: each node is marked by its record, place and key; the user's pass shows on the
    /// node they passed, and the node awaiting them next has another marker.
    #[test]
    fn the_node_awaiting_the_user_and_the_nodes_they_decided_are_marked_apart() {
        const JOHN: i64 = 35_903_635;
        let (mut d, _) = detail();
        d.has_approval_permission = true;
        let first = awaiting(&d).unwrap();
        assert_eq!((first.name.as_str(), first.decision), ("一级审批", Decision::Waiting));
        assert!(first.step.starts_with("2459/1/"), "{}", first.step);
        // John passed 一级审批; 销售总监审批 (a copy of it, nobody decided yet) awaits him too.
        let mut d = detail_completed();
        let mut next = d.execution_details[1].clone();
        (next.name, next.node_name, next.approval_details) =
            (Some("销售总监审批".into()), Some("director".into()), vec![]);
        d.execution_details.push(next);
        d.has_approval_permission = true;
        let marks = marks(&d, JOHN);
        assert_eq!(
            marks.iter().map(|m| (m.name.as_str(), m.decision)).collect::<Vec<_>>(),
            [("销售总监审批", Decision::Waiting), ("一级审批", Decision::Approved)]
        );
        assert_eq!(marks[0].step, "2459/2/director");
        assert_eq!(marks[1].step, first.step, "the node keeps its marker once decided");
        assert!(
            super::marks(&d, 1).iter().all(|m| m.decision == Decision::Waiting),
            "someone else's pass is not theirs"
        );
        // Nothing awaits a user the flags give no decision.
        d.has_approval_permission = false;
        assert!(awaiting(&d).is_none());
        // A flow in which no open node can be told: the record and its decisions stand for it.
        let mut d = detail_completed();
        d.has_reject_permission = true;
        assert_eq!(awaiting(&d).unwrap().step, "2459/after 1");
    }

    #[test]
    fn unknown_words_are_kept_verbatim_and_offer_nothing() {
        assert_eq!(
            ["applying", "pass", "veto", "revocation"].map(|s| status(s).0),
            [Status::Pending, Status::Approved, Status::Rejected, Status::Cancelled]
        );
        assert_eq!(status("ARCHIVING_status"), (Status::Other, Some("ARCHIVING_status".into())));
        let mut d = detail_completed();
        d.execution_details[1].setting_approval_type = Some("XORAPPROVE".into());
        assert_eq!(steps(&d)[1].rule, StepRule::Other { word: "XORAPPROVE".into() });
        d.execution_details[1].setting_approval_type = None;
        d.execution_details[1].setting_approval_type_i18n = Some("会签".into());
        assert_eq!(steps(&d)[1].rule, StepRule::All, "the vendor's words decide where the code is missing");
        let mut d = detail_completed();
        d.execution_details[1].approval_details[0].action_name = Some("transfer".into());
        let john = steps(&d)[1].members[0].clone();
        assert_eq!((john.decision, john.word.as_deref()), (Decision::Other, Some("transfer")));
        assert_eq!(steps(&d)[1].decision, Decision::Waiting);
        let mut d = detail_completed();
        d.execution_details[1].approval_node = Some("cc_node".into());
        assert_eq!(steps(&d)[1].rule, StepRule::Other { word: "cc_node".into() });
        d.execution_details[1].approval_node = None;
        assert_eq!(steps(&d)[1].rule, StepRule::Any, "a node without a kind is an approval node");

        let (mut d, _) = detail();
        (d.has_approval_permission, d.has_reject_permission, d.has_cancel_permission) = (true, true, true);
        assert_eq!(actions(&d, Status::Pending), [Action::Approve, Action::Reject, Action::Cancel]);
        assert!(actions(&d, Status::Other).is_empty(), "nothing offered on an unknown status");
        let odd = item(json!({ "status": "on_hold", "entity_type": "Contract", "entity_data": { "id": 7 } }));
        let a = approval(&odd, Value::Null, &d, Value::Null, 1);
        assert_eq!((a.status, a.status_word.as_deref(), a.actions.len()), (Status::Other, Some("on_hold"), 0));
    }

    #[test]
    fn missing_null_and_oddly_typed_fields_are_not_errors() {
        let bare = item(json!({ "entity_type": "报价单", "entity_data": { "id": "42" } }));
        let d: Detail = serde_json::from_value(json!({})).unwrap();
        let a = approval(&bare, Value::Null, &d, Value::Null, 1);
        assert_eq!(
            (a.remote_id.as_str(), a.title.as_str(), a.form_name.as_str()),
            ("报价单:42", "报价单 42", "报价单")
        );
        assert_eq!((a.status, a.submitted_at, a.submitter.name.as_str()), (Status::Other, 0, "未知用户"));
        assert!(a.steps.is_empty() && a.fields.is_empty() && a.actions.is_empty() && a.boxes.is_empty());

        let odd = item(json!({
            "id": "2459", "submitter": null, "submission_time": null, "status": 3, "workflow": "合同审批",
            "entity_type": "Contract", "entity_data": { "id": 1, "main_field_value": null, "module_label": 5, "body_data": [null, "x", { "label": "金额", "value": "¥ 1.00", "field_type": "currency_field", "is_invisible": "no" }] },
            "multistep_details": { "operate_action": "pass" },
        }));
        assert_eq!(
            (odd.id, odd.status.as_deref(), odd.entity_data.module_label.as_deref()),
            (Some(2459), Some("3"), Some("5"))
        );
        assert_eq!(odd.entity_data.body_data.len(), 1, "what is not a field object is left out");
        let d: Detail = serde_json::from_value(json!({
            "has_approval_permission": "yes", "has_reject_permission": 1, "execute_record_id": null, "execute_record": "x",
            "execution_details": [null, { "approval_node": "begin_node", "approval_details": [{ "user": null, "uid": "35903635", "operate_time": "2024-04-09 09:36" }] },
                { "approval_node": "approval_node", "setting_all_origin_approvers": null, "setting_approvers": [{ "uid": "x", "name": 7 }], "approval_details": "none" }],
        }))
        .unwrap();
        assert_eq!((d.has_approval_permission, d.has_reject_permission, d.record_id()), (false, true, None));
        let a = approval(&odd, Value::Null, &d, Value::Null, 35_903_635);
        assert_eq!((a.status, a.status_word.as_deref()), (Status::Other, Some("3")));
        assert_eq!(a.submitter.id, "35903635", "the begin node's submitter stands in for a missing one");
        assert_eq!(a.submitted_at, 1_712_626_560, "and its time for the submission time");
        assert_eq!(a.steps.len(), 2);
        assert_eq!((a.steps[1].name.as_str(), a.steps[1].members[0].user.name.as_str()), ("节点 2", "7"));
        assert_eq!(
            a.fields,
            [Field::new("审批对象", "5", FieldKind::Select), Field::new("金额", "1.00", FieldKind::Money)]
        );
        assert!(a.boxes.contains(&Inbox::Submitted) && a.boxes.contains(&Inbox::Todo));
        assert!(
            serde_json::from_value::<Detail>(Value::Null).is_err(),
            "a detail that is no object at all cannot be read"
        );
        assert!(
            crate::connectors::parse_item::<ListItem>("l", &json!({ "entity_type": "", "entity_data": { "id": 1 } }))
                .is_err(),
            "no entity type: nothing to act on"
        );
        assert!(crate::connectors::parse_item::<ListItem>(
            "l",
            &json!({ "entity_type": "Contract", "entity_data": { "id": "一" } })
        )
        .is_err());
    }

    #[test]
    fn my_opinion_comes_from_the_processed_list_where_the_detail_has_none() {
        let mut d = detail_completed();
        d.execution_details[1].approval_details[0].action_name = None;
        let processed = item(json!({
            "entity_type": "Contract", "submission_time": "2024-04-09 09:36", "entity_data": { "id": 1901351 },
            "multistep_details": [{ "operate_action": "pass", "operate_action_i18n": "通过", "operate_comment": "同意，按合同执行", "operate_time": "2024-04-09 09:37" }],
        }));
        let a = approval(&processed, Value::Null, &d, Value::Null, 35_903_635);
        let john = &a.steps[1].members[0];
        assert_eq!((john.decision, john.comment.as_deref()), (Decision::Approved, Some("同意，按合同执行")));
        assert_eq!(a.steps[1].decision, Decision::Approved);
        assert!(a.boxes.contains(&Inbox::Processed));
        // Someone else's entry is not filled from my history.
        let other = approval(&processed, Value::Null, &d, Value::Null, 37_045_315);
        assert_eq!(other.steps[1].members[0].comment, None);
    }

    #[test]
    fn an_agent_fills_the_slot_of_the_approver_they_acted_for() {
        let mut d = detail_completed();
        let entry = &mut d.execution_details[1].approval_details[0];
        entry.origin_uid = Some(37_045_315);
        entry.opinion = Some("代校长审批".into());
        let members = &steps(&d)[1].members;
        assert_eq!(members.len(), 2);
        assert_eq!(
            (members[0].decision, members[1].user.id.as_str(), members[1].decision),
            (Decision::Waiting, "35903635", Decision::Approved),
            "{members:?}"
        );
    }

    #[test]
    fn times_read_as_the_vendor_writes_them_and_odd_ones_fail_without_panicking() {
        assert_eq!(parse_time("2024-04-09 09:56"), Ok(1_712_627_760));
        assert_eq!(parse_time("2024-04-09"), Ok(1_712_592_000));
        assert_eq!(parse_time("2023-08-15T12:05:17.220+08:00"), Ok(parse_time("2023-08-15 12:05:17").unwrap()));
        assert_eq!(parse_time("2023-08-15T04:05:17Z"), parse_time("2023-08-15 12:05:17"));
        assert_eq!(parse_time("2023-08-15T04:05:17-0100"), parse_time("2023-08-15 13:05:17"));
        for odd in [
            "",
            "04/09/2024",
            "2024-13-01",
            "2024-04-09 24:00",
            "99999999999999-01-01",
            "2024-04-09 09:61",
            "2024-04-09T09:56+xx",
            "-1-01-01",
        ] {
            assert!(parse_time(odd).is_err(), "{odd}");
        }
        assert!(money(&json!("NaN")).is_err() && money(&json!("inf")).is_err());
    }

    #[test]
    fn remote_ids_round_trip() {
        assert_eq!(parse_remote_id(&remote_id("报价单", 42)), Some(("报价单", 42)));
        assert_eq!(parse_remote_id("Contract"), None);
        assert_eq!(parse_remote_id(":4"), None);
    }
}
