//! 契约锁 wire → unified model. Contract, signatory and action statuses, action types and audit
//! results are mapped exhaustively (a value the vendor lists nowhere is an error naming it).
//! Which box a contract is in is decided here: [`awaiting_me`] is THE todo rule.

use super::wire::{Contract, ContractAction, Person};
use crate::model::{Action, Decision, Field, FieldKind, Inbox, RemoteApproval, Status, Step, StepMember, StepRule, Timestamp, User};
use chrono::{FixedOffset, NaiveDateTime, TimeZone};

/// A mapping failure: the vendor sent a value it does not define.
pub type MapError = String;

/// The time format of every time field, in China time (UTC+8).
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// `yyyy-MM-dd HH:mm:ss` (China time) → Unix seconds.
pub fn parse_time(text: &str) -> Result<Timestamp, MapError> {
    NaiveDateTime::parse_from_str(text.trim(), TIME_FORMAT)
        .ok()
        .and_then(|t| china().from_local_datetime(&t).single())
        .map(|t| t.timestamp())
        .ok_or_else(|| format!("time \"{text}\" is not yyyy-MM-dd HH:mm:ss"))
}

/// Unix seconds → `yyyy-MM-dd HH:mm:ss` (China time), for `publishTimeStart/End`.
pub fn format_time(secs: Timestamp) -> String {
    china().timestamp_opt(secs, 0).single().map(|t| t.format(TIME_FORMAT).to_string()).unwrap_or_default()
}

/// Contract status → (our status, the vendor's word).
pub fn contract_status(code: &str) -> Result<(Status, &'static str), MapError> {
    Ok(match code {
        "DRAFT" => (Status::Pending, "草稿"),
        "FILLING" => (Status::Pending, "拟定中"),
        "SIGNING" => (Status::Pending, "签署中"),
        "COMPLETE" => (Status::Approved, "已完成"),
        "REJECTED" => (Status::Rejected, "已退回"),
        "RECALLED" => (Status::Cancelled, "已撤回"),
        "EXPIRED" => (Status::Cancelled, "已过期"),
        "INVALIDING" => (Status::Cancelled, "作废中"),
        "INVALIDED" => (Status::Cancelled, "已作废"),
        "FORCE_END" => (Status::Cancelled, "强制结束"),
        other => return Err(format!("unknown contract status {other}")),
    })
}

/// Signatory status → word.
pub fn signatory_status(code: &str) -> Result<&'static str, MapError> {
    Ok(match code {
        "DRAFT" => "草稿",
        "RECALLED" => "已撤回",
        "SIGNING" => "签署中",
        "REJECTED" => "已退回",
        "SIGNED" => "已签署",
        "EXPIRED" => "已过期",
        "FILLING" => "拟定中",
        "WAITING" => "待签署",
        "INVALIDING" => "作废中",
        "INVALIDED" => "已作废",
        other => return Err(format!("unknown signatory status {other}")),
    })
}

/// Action type → word.
pub fn action_kind(code: &str) -> Result<&'static str, MapError> {
    Ok(match code {
        "COMPANY" => "企业签章",
        "OPERATOR" => "经办人签字",
        "LP" => "法定代表人签字",
        "AUDIT" => "审批",
        "PERSONAL" => "个人签字",
        other => return Err(format!("unknown action type {other}")),
    })
}

/// An action's outcome: its status (INIT/START waiting, FINISH done, STOP stopped), with an
/// audit's `auditResult` (PASS/REJECT) deciding when present.
pub fn action_decision(a: &ContractAction) -> Result<Decision, MapError> {
    let by_status = match a.status.as_str() {
        "INIT" | "START" => Decision::Waiting,
        "FINISH" => Decision::Approved,
        "STOP" => Decision::Rejected,
        other => return Err(format!("unknown action status {other}")),
    };
    match a.audit_result.as_deref() {
        None | Some("") => Ok(by_status),
        Some("PASS") => Ok(Decision::Approved),
        Some("REJECT") => Ok(Decision::Rejected),
        Some(other) => Err(format!("unknown audit result {other}")),
    }
}

/// Whether `p` is the employee `me` (the contact the account is set up with).
fn is_me(p: &Person, me: &str) -> bool {
    p.contact.as_deref().is_some_and(|c| c.trim() == me.trim())
}

/// THE todo rule (our choice 7): the contract is `SIGNING` and has an audit action that has
/// started and names `me` among its operators. Returns that action.
pub fn awaiting_me<'a>(c: &'a Contract, me: &str) -> Option<&'a ContractAction> {
    if c.status != "SIGNING" {
        return None;
    }
    c.signatories
        .iter()
        .flat_map(|s| &s.actions)
        .find(|a| a.kind == "AUDIT" && a.status == "START" && a.audit_result.is_none() && a.operators.iter().any(|p| is_me(p, me)))
}

/// The boxes of a contract for `me`: todo (above), submitted (I am the creator), processed
/// (an audit names me as its auditor and has a result).
pub fn boxes(c: &Contract, me: &str) -> Vec<Inbox> {
    let submitted = c.creator.as_ref().is_some_and(|p| is_me(p, me));
    let processed = c.signatories.iter().flat_map(|s| &s.actions).any(|a| a.audit_result.is_some() && a.auditor.as_ref().is_some_and(|p| is_me(p, me)));
    [(Inbox::Todo, awaiting_me(c, me).is_some()), (Inbox::Submitted, submitted), (Inbox::Processed, processed)]
        .into_iter()
        .filter_map(|(b, yes)| yes.then_some(b))
        .collect()
}

fn user(p: &Person) -> User {
    let id = p.contact.clone().unwrap_or_default();
    User { name: p.name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| id.clone()), id }
}

fn opt_time(t: &Option<String>) -> Result<Option<Timestamp>, MapError> {
    t.as_deref().filter(|s| !s.trim().is_empty()).map(parse_time).transpose()
}

/// Maps a `contract/detail` result for employee `me`.
pub fn approval(c: &Contract, raw: serde_json::Value, me: &str) -> Result<RemoteApproval, MapError> {
    let (status, status_word) = contract_status(&c.status)?;
    let steps = steps(c)?;
    let created = opt_time(&c.create_time)?;
    let published = opt_time(&c.publish_time)?;
    let submitted_at = published.or(created).unwrap_or(0);
    let mut audit_times = Vec::new();
    for a in c.signatories.iter().flat_map(|s| &s.actions) {
        audit_times.extend(opt_time(&a.audit_time)?);
    }
    let updated_at = audit_times.into_iter().chain([submitted_at]).max().unwrap_or(submitted_at);
    let actions = if awaiting_me(c, me).is_some() { vec![Action::Approve, Action::Reject] } else { vec![] };
    Ok(RemoteApproval { status_word: None, unreadable: None,
        remote_id: c.id.clone(),
        title: if c.subject.is_empty() { format!("合同 {}", c.id) } else { c.subject.clone() },
        form_name: c.category.as_ref().and_then(|k| k.name.clone()).filter(|n| !n.is_empty()).unwrap_or_else(|| "电子合同".into()),
        submitter: c.creator.as_ref().map(user).unwrap_or_default(),
        submitted_at,
        updated_at,
        status,
        boxes: boxes(c, me),
        fields: fields(c, status_word)?,
        steps,
        attachments: vec![],
        actions,
        raw,
    })
}

fn fields(c: &Contract, status_word: &str) -> Result<Vec<Field>, MapError> {
    let mut out = vec![Field::new("合同状态", status_word, FieldKind::Select)];
    let text = |label: &str, v: &Option<String>| v.as_deref().filter(|s| !s.trim().is_empty()).map(|s| Field::new(label, s, FieldKind::Text));
    out.extend(text("合同编号", &c.sn));
    out.extend(text("业务编号", &c.biz_id));
    out.extend(text("发起方", &c.tenant_name));
    out.extend(text("合同描述", &c.description));
    for s in &c.signatories {
        let word = s.status.as_deref().map(signatory_status).transpose()?.unwrap_or("—");
        let name = s.tenant_name.clone().unwrap_or_default();
        out.push(Field::new("签署方", format!("{name}（{word}）"), FieldKind::Text));
    }
    if let Some(t) = opt_time(&c.expire_time)? {
        out.push(Field::new("签署截止", t.to_string(), FieldKind::Date));
    }
    out.extend(text("退回/撤回原因", &c.comments));
    for d in &c.documents {
        let title = d.title.clone().unwrap_or_else(|| "合同文档".into());
        let shown = d.pages.map_or(title.clone(), |p| format!("{title}（{p} 页）"));
        out.push(Field::new("合同文档", shown, FieldKind::File));
    }
    Ok(out)
}

/// One step per action, signatories then actions in `serialNo` order.
fn steps(c: &Contract) -> Result<Vec<Step>, MapError> {
    let mut signatories: Vec<_> = c.signatories.iter().collect();
    signatories.sort_by_key(|s| s.serial_no.unwrap_or(0));
    let mut out = Vec::new();
    for s in signatories {
        if let Some(st) = s.status.as_deref() {
            signatory_status(st)?;
        }
        let mut actions: Vec<_> = s.actions.iter().collect();
        actions.sort_by_key(|a| a.serial_no.unwrap_or(0));
        for a in actions {
            out.push(step(s.tenant_name.as_deref().unwrap_or(""), a)?);
        }
    }
    Ok(out)
}

fn step(tenant: &str, a: &ContractAction) -> Result<Step, MapError> {
    let kind = action_kind(&a.kind)?;
    let decision = action_decision(a)?;
    let name = a.name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| kind.to_string());
    let members = match (&a.auditor, a.audit_result.is_some()) {
        (Some(auditor), true) => vec![StepMember { word: None,
            user: user(auditor),
            decision,
            comment: a.audit_comment.clone().filter(|c| !c.is_empty()),
            decided_at: opt_time(&a.audit_time)?,
        }],
        _ => a.operators.iter().map(|p| StepMember { word: None, user: user(p), decision, comment: None, decided_at: None }).collect(),
    };
    Ok(Step { name: if tenant.is_empty() { name } else { format!("{tenant} · {name}") }, rule: StepRule::Any, decision, members })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::de::document_example;
    use crate::connectors::qiyuesuo::wire::AuditRequest;

    const ME: &str = "13857100001";

    fn contract(text: &str) -> (Contract, serde_json::Value) {
        let raw = document_example(text);
        (serde_json::from_value(raw.clone()).unwrap(), raw)
    }

    const AWAITING: &str = include_str!("../../../tests/fixtures/qiyuesuo/detail-audit-awaiting-me.jsonc");
    const SECOND: &str = include_str!("../../../tests/fixtures/qiyuesuo/detail-second-audit-not-yet.jsonc");
    const DONE: &str = include_str!("../../../tests/fixtures/qiyuesuo/detail-audited-by-me-rejected.jsonc");

    #[test]
    fn the_documents_audit_request_parses_verbatim() {
        let req: AuditRequest = serde_json::from_value(document_example(include_str!("../../../tests/fixtures/qiyuesuo/employeeaudit-request.jsonc"))).unwrap();
        assert_eq!(req, AuditRequest { contract_id: Some("2591540368898105360".into()), biz_id: None, tenant_name: None, pass: true, comment: "同意".into() });
    }

    #[test]
    fn an_audit_started_for_me_is_todo_with_actions() {
        let (c, raw) = contract(AWAITING);
        assert_eq!(awaiting_me(&c, ME).and_then(|a| a.name.as_deref()), Some("部门负责人审批"));
        let a = approval(&c, raw, ME).unwrap();
        assert_eq!(a.boxes, vec![Inbox::Todo]);
        assert_eq!(a.actions, vec![Action::Approve, Action::Reject]);
        assert_eq!((a.status, a.title.as_str(), a.form_name.as_str()), (Status::Pending, "上海申达物流有限公司仓储物流服务合同", "采购类"));
        assert_eq!(a.submitter.name, "王丽华");
        assert_eq!(a.steps.len(), 3);
        assert_eq!(a.steps[0].name, "杭州云栖数智科技有限公司 · 部门负责人审批");
        assert!(a.fields.iter().any(|f| f.label == "合同编号" && f.value == "QYS-2025-000001"));
        assert_eq!(a.submitted_at, parse_time("2025-06-03 10:15:00").unwrap());
        // Someone else sees nothing to do.
        assert!(awaiting_me(&c, "13857100002").is_none());
    }

    #[test]
    fn a_later_audit_of_mine_is_not_todo_until_it_starts() {
        let (c, raw) = contract(SECOND);
        assert!(awaiting_me(&c, ME).is_none());
        let a = approval(&c, raw, ME).unwrap();
        assert!(a.boxes.is_empty() && a.actions.is_empty());
        assert_eq!(a.steps[0].members[0].comment.as_deref(), Some("同意"));
    }

    #[test]
    fn my_rejected_audit_is_processed_and_the_creator_sees_it_submitted() {
        let (c, raw) = contract(DONE);
        let a = approval(&c, raw.clone(), ME).unwrap();
        assert_eq!((a.status, a.boxes.clone()), (Status::Rejected, vec![Inbox::Processed]));
        assert_eq!(a.steps[0].decision, Decision::Rejected);
        assert_eq!(a.steps[0].members[0].comment.as_deref(), Some("付款条款不符合公司制度，请修改"));
        assert!(a.updated_at > a.submitted_at);
        let creator = approval(&c, raw, "13857100005").unwrap();
        assert_eq!(creator.boxes, vec![Inbox::Submitted]);
    }

    #[test]
    fn unknown_values_are_errors_naming_them() {
        let (mut c, raw) = contract(AWAITING);
        c.status = "ARCHIVED".into();
        assert!(approval(&c, raw.clone(), ME).unwrap_err().contains("ARCHIVED"));
        let (mut c, _) = contract(AWAITING);
        c.signatories[0].actions[0].kind = "NOTARY".into();
        assert!(approval(&c, raw.clone(), ME).unwrap_err().contains("NOTARY"));
        let (mut c, _) = contract(AWAITING);
        c.signatories[0].actions[1].status = "PAUSED".into();
        assert!(approval(&c, raw.clone(), ME).unwrap_err().contains("PAUSED"));
        let (mut c, _) = contract(DONE);
        c.signatories[0].actions[0].audit_result = Some("MAYBE".into());
        assert!(approval(&c, raw.clone(), ME).unwrap_err().contains("MAYBE"));
        let (mut c, _) = contract(AWAITING);
        c.signatories[1].status = Some("LOST".into());
        assert!(approval(&c, raw.clone(), ME).unwrap_err().contains("LOST"));
        let (mut c, _) = contract(AWAITING);
        c.publish_time = Some("2025/06/03".into());
        assert!(approval(&c, raw, ME).unwrap_err().contains("2025/06/03"));
    }

    #[test]
    fn every_status_maps() {
        for s in ["DRAFT", "RECALLED", "SIGNING", "REJECTED", "COMPLETE", "EXPIRED", "FILLING", "INVALIDING", "INVALIDED", "FORCE_END"] {
            assert!(contract_status(s).is_ok(), "{s}");
        }
        for s in ["DRAFT", "RECALLED", "SIGNING", "REJECTED", "SIGNED", "EXPIRED", "FILLING", "WAITING", "INVALIDING", "INVALIDED"] {
            assert!(signatory_status(s).is_ok(), "{s}");
        }
        for k in ["COMPANY", "OPERATOR", "LP", "AUDIT", "PERSONAL"] {
            assert!(action_kind(k).is_ok(), "{k}");
        }
        assert_eq!(format_time(parse_time("2025-01-02 03:04:05").unwrap()), "2025-01-02 03:04:05");
    }
}
