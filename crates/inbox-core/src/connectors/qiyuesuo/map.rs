//! 契约锁 wire → unified model, for both published editions (open platform v2 and private cloud
//! 4.0, see `wire`). Every contract status, action type and action status either edition
//! publishes is known; any other word is kept verbatim (`unknown::*`), mapped to a safe default
//! (status Other, decision Other) and never taken for a decision. Which box a contract is in is
//! decided here from published fields only: [`awaiting_me`] is THE todo rule, [`processed_by`]
//! the processed one (docs/qiyuesuo-protocol.md, choice 7).

use super::wire::{Contract, ContractAction, Document, Operator, Person};
use crate::connectors::unknown;
use crate::model::{
    Action, Attachment, Decision, Field, FieldKind, Inbox, RemoteApproval, Status, Step, StepMark, StepMember,
    StepRule, Timestamp, User, Vendor,
};
use chrono::{FixedOffset, NaiveDateTime, TimeZone};

/// The time format of every time field, in China time (UTC+8).
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// The action type of an audit (审批), the same word in both editions.
pub const AUDIT: &str = "AUDIT";

/// Action statuses of an action that has started and waits for its operators: open v2 `START`
/// (已启动), private cloud `SIGNING` (签署中; `WAITING` 等待签署 is not reached yet).
const RUNNING: &[&str] = &["START", "SIGNING"];

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// `yyyy-MM-dd HH:mm:ss` (China time) → Unix seconds; a private-cloud `Date` may also come as
/// epoch milliseconds (or seconds). Anything else is `None`: a time we cannot read is not an
/// error, it is shown as written where it is shown at all.
pub fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(n) = text.parse::<i64>() {
        return Some(if n.abs() >= 100_000_000_000 { n / 1000 } else { n });
    }
    NaiveDateTime::parse_from_str(text, TIME_FORMAT)
        .ok()
        .and_then(|t| china().from_local_datetime(&t).single())
        .map(|t| t.timestamp())
}

/// Unix seconds → `yyyy-MM-dd HH:mm:ss` (China time), for `publishTimeStart/End`.
pub fn format_time(secs: Timestamp) -> String {
    china().timestamp_opt(secs, 0).single().map(|t| t.format(TIME_FORMAT).to_string()).unwrap_or_default()
}

fn time(t: &Option<String>) -> Option<Timestamp> {
    t.as_deref().and_then(parse_time)
}

/// A contract status word of either edition → (our status, its words); `None` if neither
/// edition publishes it.
pub fn contract_status(word: &str) -> Option<(Status, &'static str)> {
    Some(match word {
        "DRAFT" => (Status::Pending, "草稿"),
        "FILLING" => (Status::Pending, "拟定中"),
        "SIGNING" => (Status::Pending, "签署中"),
        "COMPLETE" => (Status::Approved, "已完成"),
        // Private cloud: «FINISHED(已完成)», a word of its own beside COMPLETE; taken as written.
        "FINISHED" => (Status::Approved, "已完成"),
        "REJECTED" => (Status::Rejected, "已退回"),
        "RECALLED" => (Status::Cancelled, "已撤回"),
        "EXPIRED" => (Status::Cancelled, "已过期"),
        "INVALIDING" => (Status::Cancelled, "作废中"),
        "INVALIDED" => (Status::Cancelled, "已作废"),
        "FORCE_END" => (Status::Cancelled, "强制结束"),
        "TERMINATING" => (Status::Cancelled, "作废确认中"),
        "TERMINATED" => (Status::Cancelled, "已作废"),
        "DELETE" => (Status::Cancelled, "已删除"),
        _ => return None,
    })
}

/// A signatory status word of either edition → its words; `None` if unpublished.
pub fn signatory_status(word: &str) -> Option<&'static str> {
    Some(match word {
        "DRAFT" => "草稿",
        "RECALLED" => "已撤回",
        "SIGNING" => "签署中",
        "REJECTED" => "已退回",
        "SIGNED" => "已签署",
        "COMPLETE" => "已完成",
        "EXPIRED" => "已过期",
        "FILLING" => "拟定中",
        "WAITING" => "待签署",
        "INVALIDING" => "作废中",
        "INVALIDED" => "已作废",
        _ => return None,
    })
}

/// An action type word of either edition → its words; `None` if unpublished.
pub fn action_kind(word: &str) -> Option<&'static str> {
    Some(match word {
        "COMPANY" | "CORPORATE" => "企业签章",
        "OPERATOR" => "经办人签字",
        "LP" => "法定代表人签字",
        "AUDIT" => "审批",
        "PERSONAL" => "个人签字",
        "FILL" => "合同填参",
        "TERMINATE_CORPORATE" => "企业作废签章",
        "TERMINATE_PERSONAL" => "个人作废签字",
        _ => return None,
    })
}

/// An action status word of either edition → (decision, its words); `None` if unpublished.
/// Open v2 `STOP` (意外终止) is a rejection only on an audit of a rejected contract (the
/// simulator's reading, our choice 8); elsewhere it is shown as what it says.
pub fn action_status(word: &str, rejected_audit: bool) -> Option<(Decision, &'static str)> {
    Some(match word {
        "INIT" => (Decision::Waiting, "未开始"),
        "START" => (Decision::Waiting, "进行中"),
        "FINISH" => (Decision::Approved, "已完成"),
        "STOP" if rejected_audit => (Decision::Rejected, "已退回"),
        "STOP" => (Decision::Other, "意外终止"),
        "FILLING" => (Decision::Waiting, "填参中"),
        "FILLED" => (Decision::Approved, "完成填参"),
        "WAITING" => (Decision::Waiting, "等待签署"),
        "SIGNING" => (Decision::Waiting, "签署中"),
        "SIGNED" => (Decision::Approved, "完成"),
        "REJECTED" => (Decision::Rejected, "拒绝"),
        "DISCARDED" => (Decision::Other, "废弃"),
        "FINISHED" => (Decision::Other, "强制结束"),
        "DISABLED" => (Decision::Other, "已失效"),
        _ => return None,
    })
}

/// An action's decision and the word to show with [`Decision::Other`] (an unknown word
/// verbatim, logged once).
fn decision(c: &Contract, a: &ContractAction) -> (Decision, Option<String>) {
    let Some(word) = a.status.as_deref() else { return (Decision::Other, Some("—".into())) };
    let rejected_audit = is_audit(a) && c.status.as_deref() == Some("REJECTED");
    match action_status(word, rejected_audit) {
        Some((Decision::Other, words)) => (Decision::Other, Some(words.to_string())),
        Some((d, _)) => (d, None),
        None => {
            unknown::note(Vendor::Qiyuesuo, "action status", word);
            (Decision::Other, Some(word.to_string()))
        }
    }
}

fn is_audit(a: &ContractAction) -> bool {
    a.kind.as_deref() == Some(AUDIT)
}

/// Whether an open-v2 `User` is the employee `me`: its `contact` is the `employee` setting.
fn is_me(p: &Person, me: &str) -> bool {
    !me.trim().is_empty() && p.contact.as_deref().is_some_and(|c| c.trim() == me.trim())
}

/// Whether a private-cloud operator is the employee `me`: its `operatorId` is the `employee`
/// setting (on a private cloud, the user's id, which `GET /user?mobile=…` answers as
/// `result.id`). Private-cloud operators carry no contact; ids are the platform's own Longs, so
/// a ROLE or COMPANY operator's id never equals a person's.
fn is_me_operator(o: &Operator, me: &str) -> bool {
    !me.trim().is_empty() && o.operator_id.as_deref().is_some_and(|id| id == me.trim())
}

/// Whether the action's operators (either edition's) name `me`.
fn names_me(a: &ContractAction, me: &str) -> bool {
    a.operators.iter().any(|p| is_me(p, me)) || a.action_operators.iter().any(|o| is_me_operator(o, me))
}

fn actions(c: &Contract) -> impl Iterator<Item = &ContractAction> {
    c.signatories.iter().flat_map(|s| &s.actions)
}

/// An audit that waits for `me`, and whether the inbox may act on it.
#[derive(Debug, Clone, Copy)]
pub struct Awaiting<'a> {
    pub action: &'a ContractAction,
    /// Whether approve/reject are offered: only on a contract the vendor says is `SIGNING`.
    /// A contract status no edition publishes leaves the audit in todo (the user sees it and
    /// can open it in 契约锁) but offers nothing on a guess.
    pub actionable: bool,
}

/// THE todo rule (choice 7): the contract is `SIGNING` (or a status word we do not know) and
/// has an `AUDIT` action that has started (open v2 `START`, private cloud `SIGNING`) whose
/// operators name `me` (open v2 `operators[].contact`, private cloud `actionOperators[].operatorId`).
pub fn awaiting_me<'a>(c: &'a Contract, me: &str) -> Option<Awaiting<'a>> {
    let actionable = match c.status.as_deref() {
        Some("SIGNING") => true,
        Some(word) if contract_status(word).is_some() => return None,
        _ => false,
    };
    let action = actions(c)
        .find(|a| is_audit(a) && a.status.as_deref().is_some_and(|s| RUNNING.contains(&s)) && names_me(a, me))?;
    Some(Awaiting { action, actionable })
}

/// The vendor's marker of an action: its id (both editions publish one), else its place among
/// the signatory's actions.
pub fn action_mark(a: &ContractAction) -> String {
    a.id.clone().unwrap_or_else(|| {
        format!("#{}:{}", a.serial_no.map_or_else(|| "-".into(), |n| n.to_string()), a.name.as_deref().unwrap_or(""))
    })
}

/// The contract's step marks for `me`: the audit awaiting them where the inbox may act on it
/// ([`awaiting_me`]), and every audit that ended in a decision. `employeeaudit` names no
/// employee and the vendor then shows the first operator as «实际签署人», so who decided an
/// audit is not published: an audit's outcome is what shows of the decision made on it.
pub fn marks(c: &Contract, me: &str) -> Vec<StepMark> {
    let waiting = awaiting_me(c, me).filter(|w| w.actionable).map(|w| w.action);
    let mut out = Vec::new();
    for s in &c.signatories {
        let tenant = s.tenant_name.as_deref().unwrap_or("");
        for a in s.actions.iter().filter(|a| is_audit(a)) {
            let decision = match waiting {
                Some(w) if std::ptr::eq(w, a) => Decision::Waiting,
                _ => match decision(c, a).0 {
                    d @ (Decision::Approved | Decision::Rejected) => d,
                    _ => continue,
                },
            };
            out.push(StepMark { step: action_mark(a), name: step_name(tenant, a), decision });
        }
    }
    out
}

/// The processed rule (choice 7): an `AUDIT` action whose operators name `me` and that has
/// ended in a decision: passed (open v2 `FINISH`, whose operators are then «实际签署人»;
/// private cloud `SIGNED`) or rejected (private cloud `REJECTED`; open v2 `STOP` on a contract
/// that is `REJECTED`, whose `comments` say why). Returns that action.
pub fn processed_by<'a>(c: &'a Contract, me: &str) -> Option<&'a ContractAction> {
    actions(c)
        .find(|a| is_audit(a) && names_me(a, me) && matches!(decision(c, a).0, Decision::Approved | Decision::Rejected))
}

/// Whether `me` created the contract (open v2 `creator.contact`, private cloud `creatorId`).
pub fn created_by(c: &Contract, me: &str) -> bool {
    c.creator.as_ref().is_some_and(|p| is_me(p, me))
        || c.creator_id.as_deref().is_some_and(|id| !me.trim().is_empty() && id == me.trim())
}

/// The boxes of a contract for `me`: todo ([`awaiting_me`]), submitted ([`created_by`]),
/// processed ([`processed_by`]).
pub fn boxes(c: &Contract, me: &str) -> Vec<Inbox> {
    [
        (Inbox::Todo, awaiting_me(c, me).is_some()),
        (Inbox::Submitted, created_by(c, me)),
        (Inbox::Processed, processed_by(c, me).is_some()),
    ]
    .into_iter()
    .filter_map(|(b, yes)| yes.then_some(b))
    .collect()
}

/// The boxes a `contract/list` item alone tells for `me`: submitted when its creator is me.
/// (The list is the company's: whose audit is running only the detail shows.)
pub fn listed_boxes(creator: Option<&Person>, creator_id: Option<&str>, me: &str) -> Vec<Inbox> {
    let mine =
        creator.is_some_and(|p| is_me(p, me)) || creator_id.is_some_and(|id| !me.trim().is_empty() && id == me.trim());
    if mine {
        vec![Inbox::Submitted]
    } else {
        vec![]
    }
}

fn person_user(p: &Person) -> User {
    let id = p.contact.clone().unwrap_or_default();
    User { name: p.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| id.clone()), id }
}

fn operator_user(o: &Operator) -> User {
    let id = o.operator_id.clone().unwrap_or_default();
    let name = o.operator_name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| id.clone());
    // A role, a company or a category is a group, not a person: say so beside its name.
    let name = match o.operator_type.as_deref() {
        Some("ROLE") => format!("{name}（角色）"),
        Some("COMPANY") => format!("{name}（企业）"),
        Some("CATEGORY") => format!("{name}（业务分类）"),
        _ => name,
    };
    User { id, name }
}

fn submitter(c: &Contract) -> User {
    match (&c.creator, &c.creator_id, &c.creator_name) {
        (Some(p), _, _) => person_user(p),
        (None, id, name) => {
            let id = id.clone().unwrap_or_default();
            User { name: name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| id.clone()), id }
        }
    }
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.trim().is_empty())
}

/// Maps a contract (either edition's detail) for employee `me`. Never fails: what the vendor
/// did not send is left out, words we do not know are shown as written.
pub fn approval(c: &Contract, raw: serde_json::Value, me: &str) -> RemoteApproval {
    let (status, status_word) = match c.status.as_deref() {
        Some(word) => match contract_status(word) {
            Some((status, _)) => (status, None),
            None => unknown::status(Vendor::Qiyuesuo, "contract status", word),
        },
        None => (Status::Other, Some("（无合同状态）".to_string())),
    };
    let submitted_at =
        time(&c.publish_time).or_else(|| time(&c.create_time)).or_else(|| time(&c.update_time)).unwrap_or(0);
    let decided = actions(c).filter_map(|a| time(&a.complete_time));
    let updated_at = decided.chain(time(&c.update_time)).chain([submitted_at]).max().unwrap_or(submitted_at);
    let actions = match awaiting_me(c, me) {
        Some(Awaiting { actionable: true, .. }) => vec![Action::Approve, Action::Reject],
        _ => vec![],
    };
    let (attachments, unlinked): (Vec<&Document>, Vec<&Document>) = c.documents.iter().partition(|d| d.id.is_some());
    let category = c.category.as_ref().and_then(|k| k.name.clone()).or_else(|| c.category_name.clone());
    RemoteApproval {
        remote_id: c.id.clone(),
        title: nonempty(&c.subject).map_or_else(|| format!("合同 {}", c.id), str::to_string),
        form_name: category.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "电子合同".into()),
        submitter: submitter(c),
        submitted_at,
        updated_at,
        status,
        boxes: boxes(c, me),
        fields: fields(c, &unlinked),
        steps: steps(c),
        attachments: attachments.into_iter().map(attachment).collect(),
        actions,
        raw,
        status_word,
        unreadable: None,
        marks: marks(c, me),
    }
}

/// A contract document as an attachment: downloaded by its id (`document/download`), named
/// from its title and always ending in `.pdf` (the call answers the document as a PDF).
pub fn attachment(d: &Document) -> Attachment {
    let id = d.id.clone().unwrap_or_default();
    Attachment {
        name: document_name(d.title.as_deref(), &id),
        remote_id: id,
        size: d.size.and_then(|s| u64::try_from(s).ok()),
        is_folder: false,
    }
}

/// `title` (or `合同文档 <id>` without one) with `.pdf` unless it already ends so.
pub fn document_name(title: Option<&str>, id: &str) -> String {
    let title = title.map(str::trim).filter(|t| !t.is_empty()).map_or_else(|| format!("合同文档 {id}"), str::to_string);
    if title.to_lowercase().ends_with(".pdf") {
        title
    } else {
        format!("{title}.pdf")
    }
}

fn fields(c: &Contract, unlinked: &[&Document]) -> Vec<Field> {
    let word =
        c.status.as_deref().map(|w| contract_status(w).map_or_else(|| w.to_string(), |(_, words)| words.to_string()));
    let mut out: Vec<Field> = word.map(|w| Field::new("合同状态", w, FieldKind::Select)).into_iter().collect();
    let text = |label: &str, v: &Option<String>| nonempty(v).map(|s| Field::new(label, s, FieldKind::Text));
    out.extend(text("合同编号", &c.sn));
    out.extend(text("业务编号", &c.biz_id));
    out.extend(text("发起方", &c.tenant_name));
    out.extend(text("合同描述", &c.description));
    for s in &c.signatories {
        let shown = s.status.as_deref().map_or("—".to_string(), |w| {
            signatory_status(w).map_or_else(|| note("signatory status", w), str::to_string)
        });
        out.push(Field::new(
            "签署方",
            format!("{}（{shown}）", s.tenant_name.as_deref().unwrap_or("")),
            FieldKind::Text,
        ));
    }
    if let Some(expire) = nonempty(&c.expire_time) {
        out.push(match parse_time(expire) {
            Some(t) => Field::new("签署截止", t.to_string(), FieldKind::Date),
            None => Field::new("签署截止", expire, FieldKind::Text),
        });
    }
    out.extend(text("退回/撤回原因", &c.comments));
    for d in unlinked {
        out.push(Field::new("合同文档", d.title.clone().unwrap_or_else(|| "合同文档".into()), FieldKind::Text));
    }
    out
}

/// An unknown word, logged once and kept verbatim.
fn note(what: &str, word: &str) -> String {
    unknown::note(Vendor::Qiyuesuo, what, word);
    word.to_string()
}

/// One step per action, signatories then actions in `serialNo` order (document order where
/// there is none, as in the private cloud's actions).
fn steps(c: &Contract) -> Vec<Step> {
    let mut signatories: Vec<_> = c.signatories.iter().collect();
    signatories.sort_by_key(|s| s.serial_no.unwrap_or(i64::MAX));
    let mut out = Vec::new();
    for s in signatories {
        let mut actions: Vec<_> = s.actions.iter().collect();
        actions.sort_by_key(|a| a.serial_no.unwrap_or(i64::MAX));
        out.extend(actions.into_iter().map(|a| step(c, s.tenant_name.as_deref().unwrap_or(""), a)));
    }
    out
}

/// A step's name: the signatory's company and the action's name (or its kind in words).
fn step_name(tenant: &str, a: &ContractAction) -> String {
    let kind = a
        .kind
        .as_deref()
        .map(|k| action_kind(k).map_or_else(|| note("action type", k), str::to_string))
        .unwrap_or_else(|| "签署动作".into());
    let name = nonempty(&a.name).map_or(kind, str::to_string);
    if tenant.is_empty() {
        name
    } else {
        format!("{tenant} · {name}")
    }
}

fn step(c: &Contract, tenant: &str, a: &ContractAction) -> Step {
    let (decision, word) = decision(c, a);
    // The only published reason of a decision: the contract's `comments` once it is rejected.
    // Who of several operators decided is not published, so each of them shows it.
    let comment =
        (decision == Decision::Rejected).then(|| c.comments.clone()).flatten().filter(|s| !s.trim().is_empty());
    let decided_at = time(&a.complete_time);
    let member = |user: User| StepMember { user, decision, word: word.clone(), comment: comment.clone(), decided_at };
    let members =
        a.operators.iter().map(person_user).chain(a.action_operators.iter().map(operator_user)).map(member).collect();
    Step { name: step_name(tenant, a), rule: StepRule::Any, decision, members }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::de::document_example;
    use crate::connectors::qiyuesuo::wire::AuditRequest;
    use serde_json::json;

    const ME: &str = "13857100001";

    fn contract(text: &str) -> (Contract, serde_json::Value) {
        let raw = document_example(text);
        (serde_json::from_value(raw.clone()).unwrap(), raw)
    }

    const AWAITING: &str = include_str!("../../../tests/fixtures/qiyuesuo/detail-audit-awaiting-me.jsonc");
    const SECOND: &str = include_str!("../../../tests/fixtures/qiyuesuo/detail-second-audit-not-yet.jsonc");
    const DONE: &str = include_str!("../../../tests/fixtures/qiyuesuo/detail-audited-by-me-rejected.jsonc");
    const PRIVATE_SIGNING: &str = include_str!("../../../tests/fixtures/qiyuesuo/private-detail-audit-signing.jsonc");
    /// 张三's user id in the private-cloud fixtures (the published example's `creatorId`).
    const PRIVATE_ME: &str = "2422042842433986573";

    #[test]
    fn the_documents_audit_request_parses_verbatim() {
        let req: AuditRequest = serde_json::from_value(document_example(include_str!(
            "../../../tests/fixtures/qiyuesuo/employeeaudit-request.jsonc"
        )))
        .unwrap();
        assert_eq!(
            req,
            AuditRequest {
                contract_id: Some("2591540368898105360".into()),
                biz_id: None,
                tenant_name: None,
                pass: true,
                comment: "同意".into()
            }
        );
    }

    #[test]
    fn an_audit_started_for_me_is_todo_with_actions_and_documents_to_read() {
        let (c, raw) = contract(AWAITING);
        let waiting = awaiting_me(&c, ME).unwrap();
        assert_eq!((waiting.action.name.as_deref(), waiting.actionable), (Some("部门负责人审批"), true));
        let a = approval(&c, raw, ME);
        assert_eq!(a.boxes, vec![Inbox::Todo]);
        assert_eq!(a.actions, vec![Action::Approve, Action::Reject]);
        assert_eq!(
            (a.status, a.title.as_str(), a.form_name.as_str()),
            (Status::Pending, "上海申达物流有限公司仓储物流服务合同", "采购类")
        );
        assert_eq!((a.submitter.name.as_str(), a.status_word.as_deref()), ("王丽华", None));
        assert_eq!(a.steps.len(), 3);
        assert_eq!(a.steps[0].name, "杭州云栖数智科技有限公司 · 部门负责人审批");
        assert!(a.fields.iter().any(|f| f.label == "合同编号" && f.value == "QYS-2025-000001"));
        assert_eq!(a.submitted_at, parse_time("2025-06-03 10:15:00").unwrap());
        assert_eq!(
            a.attachments,
            vec![Attachment {
                remote_id: "2591540368904396799".into(),
                name: "仓储物流服务合同.pdf".into(),
                size: None,
                is_folder: false
            }]
        );
        // Someone else sees nothing to do.
        assert!(awaiting_me(&c, "13857100002").is_none());
        assert!(awaiting_me(&c, "").is_none(), "an empty setting matches nobody");
    }

    /// Issue 14: the audit awaiting the employee is marked by its action id, and a decided
    /// audit by the same id with its outcome (the API's decisions name no employee).
    #[test]
    fn the_audit_awaiting_me_and_the_decided_audits_are_marked_by_their_action_ids() {
        let (c, raw) = contract(AWAITING);
        let a = approval(&c, raw, ME);
        let waiting = a.awaiting().unwrap();
        assert_eq!(
            (waiting.step.as_str(), waiting.name.as_str()),
            (awaiting_me(&c, ME).unwrap().action.id.as_deref().unwrap(), "杭州云栖数智科技有限公司 · 部门负责人审批")
        );
        assert_eq!(a.marks.len(), 1);
        let (c, raw) = contract(SECOND);
        let passed =
            c.signatories.iter().flat_map(|s| &s.actions).find(|a| a.status.as_deref() == Some("FINISH")).unwrap();
        let later = approval(&c, raw.clone(), "13857100006");
        assert_eq!(
            later.marks.iter().map(|m| (m.step.as_str(), m.decision)).collect::<Vec<_>>(),
            [
                (passed.id.as_deref().unwrap(), Decision::Approved),
                (later.awaiting().unwrap().step.as_str(), Decision::Waiting)
            ]
        );
        assert_ne!(
            later.awaiting().unwrap().step,
            passed.id.clone().unwrap(),
            "the next audit has a marker of its own"
        );
        let (c, raw) = contract(DONE);
        let rejected = approval(&c, raw, ME);
        assert!(rejected.awaiting().is_none());
        assert!(rejected.marks.iter().any(|m| m.decision == Decision::Rejected));
    }

    #[test]
    fn a_later_audit_of_mine_is_not_todo_until_it_starts_and_a_passed_one_is_processed_by_its_operator() {
        let (c, raw) = contract(SECOND);
        assert!(awaiting_me(&c, ME).is_none());
        let a = approval(&c, raw.clone(), ME);
        assert!(a.boxes.is_empty() && a.actions.is_empty());
        assert_eq!(
            (a.steps[0].decision, a.steps[1].decision, a.steps[2].decision),
            (Decision::Approved, Decision::Waiting, Decision::Waiting)
        );
        // The FINISH audit's operator («实际签署人») processed it; the running one's has it to do.
        assert_eq!(approval(&c, raw.clone(), "13857100003").boxes, vec![Inbox::Processed]);
        assert_eq!(approval(&c, raw, "13857100006").boxes, vec![Inbox::Todo]);
    }

    #[test]
    fn my_rejected_audit_is_processed_with_the_contracts_comments_and_the_creator_sees_it_submitted() {
        let (c, raw) = contract(DONE);
        let a = approval(&c, raw.clone(), ME);
        assert_eq!((a.status, a.boxes.clone()), (Status::Rejected, vec![Inbox::Processed]));
        assert_eq!(a.steps[0].decision, Decision::Rejected);
        assert_eq!(a.steps[0].members[0].comment.as_deref(), Some("付款条款不符合公司制度，请修改"));
        assert!(a.fields.iter().any(|f| f.label == "退回/撤回原因"));
        assert_eq!(approval(&c, raw, "13857100005").boxes, vec![Inbox::Submitted]);
    }

    #[test]
    fn a_stop_outside_a_rejection_is_no_decision() {
        let (mut c, raw) = contract(DONE);
        c.status = Some("RECALLED".into());
        let a = approval(&c, raw, ME);
        assert!(a.boxes.is_empty(), "a stopped audit of a recalled contract was not decided by me");
        assert_eq!((a.steps[0].decision, a.steps[0].members[0].word.as_deref()), (Decision::Other, Some("意外终止")));
    }

    #[test]
    fn private_cloud_audits_match_my_user_id_todo_while_signing_processed_once_signed() {
        let (c, raw) = contract(PRIVATE_SIGNING);
        let waiting = awaiting_me(&c, PRIVATE_ME).expect("the SIGNING audit names 张三's operatorId");
        assert!(waiting.actionable);
        let a = approval(&c, raw.clone(), PRIVATE_ME);
        assert_eq!(a.boxes, vec![Inbox::Todo, Inbox::Submitted]);
        assert_eq!(
            (a.submitter.id.as_str(), a.submitter.name.as_str(), a.form_name.as_str()),
            (PRIVATE_ME, "张三", "测试1204")
        );
        assert_eq!(a.steps[0].members[0].user.name, "法务部（角色）");
        assert_eq!(a.steps[2].decision, Decision::Waiting, "WAITING: not reached yet");
        // 李四 passed the first audit (SIGNED, completeTime): processed for them, with the time.
        let li_si = "2422042842433986999";
        let theirs = approval(&c, raw.clone(), li_si);
        assert_eq!(theirs.boxes, vec![Inbox::Processed]);
        let first = &theirs.steps[0];
        assert_eq!(
            (first.decision, first.members.iter().find(|m| m.user.id == li_si).and_then(|m| m.decided_at)),
            (Decision::Approved, parse_time("2018-12-04 15:00:00"))
        );
        assert!(theirs.updated_at >= parse_time("2018-12-04 15:00:00").unwrap());
        // A mobile number matches no private-cloud operator: they carry no contact.
        assert!(approval(&c, raw, "15000000000").boxes.is_empty());
    }

    #[test]
    fn a_private_cloud_rejection_is_processed() {
        let (mut c, raw) = contract(PRIVATE_SIGNING);
        c.status = Some("REJECTED".into());
        c.comments = Some("价格过高".into());
        let running = c.signatories[0].actions.iter_mut().find(|a| a.status.as_deref() == Some("SIGNING")).unwrap();
        running.status = Some("REJECTED".into());
        let a = approval(&c, raw, PRIVATE_ME);
        assert_eq!(
            (a.status, a.boxes.clone(), a.actions.clone()),
            (Status::Rejected, vec![Inbox::Submitted, Inbox::Processed], vec![])
        );
        assert!(a
            .steps
            .iter()
            .flat_map(|s| &s.members)
            .any(|m| m.user.id == PRIVATE_ME && m.comment.as_deref() == Some("价格过高")));
    }

    #[test]
    fn unknown_words_are_kept_verbatim_and_offer_nothing() {
        let (mut c, raw) = contract(AWAITING);
        c.status = Some("ARCHIVING".into());
        let a = approval(&c, raw.clone(), ME);
        assert_eq!((a.status, a.status_word.as_deref()), (Status::Other, Some("ARCHIVING")));
        assert_eq!(a.boxes, vec![Inbox::Todo], "my running audit stays visible");
        assert!(a.actions.is_empty(), "never approve on a guess");
        assert!(a.fields.iter().any(|f| f.label == "合同状态" && f.value == "ARCHIVING"));
        let (mut c, _) = contract(AWAITING);
        c.signatories[0].actions[1].kind = Some("NOTARY".into());
        c.signatories[1].actions[0].status = Some("PAUSED".into());
        c.signatories[1].status = Some("LOST".into());
        c.publish_time = Some("2025/06/03".into());
        c.expire_time = Some("下月底".into());
        let a = approval(&c, raw.clone(), ME);
        assert_eq!(a.actions, vec![Action::Approve, Action::Reject], "odd words elsewhere leave my audit actionable");
        assert_eq!(a.steps[1].name, "杭州云栖数智科技有限公司 · 公司公章");
        assert_eq!((a.steps[2].decision, a.steps[2].members[0].word.as_deref()), (Decision::Other, Some("PAUSED")));
        assert!(a.fields.iter().any(|f| f.value.contains("LOST")));
        assert!(a.fields.iter().any(|f| f.label == "签署截止" && f.value == "下月底" && f.kind == FieldKind::Text));
        assert_eq!(
            a.submitted_at,
            parse_time("2025-06-03 09:02:11").unwrap(),
            "an unreadable publish time falls back to the create time"
        );
        let (mut c, _) = contract(AWAITING);
        c.signatories[0].actions[0].kind = None;
        c.signatories[0].actions[1].name = None;
        c.signatories[0].actions[1].kind = Some("SEAL_X".into());
        let a = approval(&c, raw, ME);
        assert!(a.boxes.is_empty(), "an action without a type is not an audit");
        assert_eq!(a.steps[1].name, "杭州云栖数智科技有限公司 · SEAL_X");
    }

    #[test]
    fn missing_and_null_fields_are_no_error() {
        let c: Contract = serde_json::from_value(json!({ "id": "9", "status": "SIGNING", "signatories": [{ "actions": [{ "type": "AUDIT", "status": "START", "operators": [{ "contact": ME }] }] }], "documents": [{ "title": null }, { "id": 3, "title": "附件.PDF" }] })).unwrap();
        let a = approval(&c, json!({}), ME);
        assert_eq!((a.title.as_str(), a.form_name.as_str(), a.submitted_at), ("合同 9", "电子合同", 0));
        assert_eq!(a.actions, vec![Action::Approve, Action::Reject]);
        assert_eq!(a.attachments.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["附件.PDF"]);
        assert!(
            a.fields.iter().any(|f| f.label == "合同文档"),
            "a document without an id cannot be downloaded: shown as a field"
        );
        let bare: Contract = serde_json::from_value(json!({ "id": "10" })).unwrap();
        let a = approval(&bare, json!({}), ME);
        assert_eq!((a.status, a.status_word.as_deref(), a.boxes.len()), (Status::Other, Some("（无合同状态）"), 0));
    }

    #[test]
    fn every_published_word_is_known() {
        for s in [
            "DRAFT",
            "RECALLED",
            "SIGNING",
            "REJECTED",
            "COMPLETE",
            "EXPIRED",
            "FILLING",
            "INVALIDING",
            "INVALIDED",
            "FORCE_END",
            "TERMINATING",
            "TERMINATED",
            "DELETE",
            "FINISHED",
        ] {
            assert!(contract_status(s).is_some(), "{s}");
        }
        for s in [
            "DRAFT",
            "RECALLED",
            "SIGNING",
            "REJECTED",
            "SIGNED",
            "EXPIRED",
            "FILLING",
            "WAITING",
            "INVALIDING",
            "INVALIDED",
            "COMPLETE",
        ] {
            assert!(signatory_status(s).is_some(), "{s}");
        }
        for k in [
            "COMPANY",
            "OPERATOR",
            "LP",
            "AUDIT",
            "PERSONAL",
            "CORPORATE",
            "FILL",
            "TERMINATE_CORPORATE",
            "TERMINATE_PERSONAL",
        ] {
            assert!(action_kind(k).is_some(), "{k}");
        }
        for s in [
            "INIT",
            "START",
            "FINISH",
            "STOP",
            "FILLING",
            "FILLED",
            "WAITING",
            "SIGNING",
            "SIGNED",
            "DISCARDED",
            "REJECTED",
            "FINISHED",
            "DISABLED",
        ] {
            assert!(action_status(s, false).is_some(), "{s}");
        }
        assert_eq!(format_time(parse_time("2025-01-02 03:04:05").unwrap()), "2025-01-02 03:04:05");
        assert_eq!(parse_time("1543902522000"), Some(1_543_902_522), "a Date as epoch milliseconds");
        assert_eq!(parse_time("2025/01/02"), None);
    }

    #[test]
    fn document_names_end_in_pdf() {
        assert_eq!(document_name(Some("0801微博"), "1"), "0801微博.pdf");
        assert_eq!(document_name(Some("合同.PDF"), "1"), "合同.PDF");
        assert_eq!(document_name(Some("  "), "7"), "合同文档 7.pdf");
        assert_eq!(document_name(None, "7"), "合同文档 7.pdf");
    }
}
