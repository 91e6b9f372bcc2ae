//! zeyi wire → unified model. 则一 has no read endpoint, so an approval is built from what we
//! sent (`audit/send` body + reply), then changed by what we did (`audit/cancel`) and what 则一
//! told us (the callback). Words the document does not list (a callback `type` or `result`, an
//! `auditFormList` type) are data: the approval gets `Status::Other` with the word as sent and
//! no action, a field is shown by its value; nothing here fails. What happened on the way (a
//! resend answered `AUDIT_EXISTS`, a cancel answered `AUDIT_FINISHED`) is written into the
//! approval's 记录 fields, in the user's words.

use super::wire::{AuditRef, CallbackBody, CancelBody, SendBody};
use crate::connectors::unknown;
use crate::model::{
    Action, Decision, Field, FieldKind, Inbox, RemoteApproval, Status, Step, StepMember, StepRule, User, Vendor,
};
use serde_json::{json, Value};

/// Why a form cannot be sent as it is (checked before anything leaves).
pub type MapError = String;

/// The one step of a 则一 approval as we can see it: 则一 only reports the final approver.
const STEP_NAME: &str = "则一审批";

/// Field labels used as the title when present (choice 6).
const TITLE_FIELDS: &[&str] = &["标题", "主题", "事由"];

/// The label of the notes saying what happened on the way (resends, cancels, callbacks).
pub const NOTE_LABEL: &str = "记录";

/// `auditFormList[].type` of a form we are about to send: `text` (文本格式) or `file` (文件格式,
/// value = URL). Anything else is refused before sending: 则一 documents only these two.
pub fn field_kind(kind: &str) -> Result<FieldKind, MapError> {
    match kind {
        "text" => Ok(FieldKind::Text),
        "file" => Ok(FieldKind::File),
        other => Err(format!("auditFormList type \"{other}\" is not one 则一 documents (text, file): not sent")),
    }
}

/// An `auditFormList` item as shown: a text or a file (URL, named by `extendValue`), and an
/// item of a type the document does not list (a cached form of an older or newer version) by
/// its value.
fn shown_field(f: &super::wire::FormField) -> Field {
    match field_kind(&f.kind) {
        Ok(kind) => Field::new(f.name.clone(), field_value(&f.value, f.extend_value.as_deref()), kind),
        Err(_) => {
            unknown::note(Vendor::Zeyi, "auditFormList type", &f.kind);
            unknown::field(&f.name, &Value::String(f.value.clone()))
        }
    }
}

/// What a callback says happened: a status, the step's decision and, for words the document
/// does not list, the word as sent (shown; nothing offered on a guess).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub decision: Decision,
    pub word: Option<String>,
}

/// The outcome of a callback: `finish` + `agree`/`refuse`, or `terminate` (撤销/删除; a
/// `result` with it is ignored, the document gives none). A `finish` without a result we
/// know, or a `type` we do not know, is `Status::Other` with the vendor's words.
pub fn callback_outcome(body: &CallbackBody) -> Outcome {
    let known = |status, decision| Outcome { status, decision, word: None };
    match (body.kind.as_str(), body.result.as_deref()) {
        ("finish", Some("agree")) => known(Status::Approved, Decision::Approved),
        ("finish", Some("refuse")) => known(Status::Rejected, Decision::Rejected),
        ("terminate", _) => known(Status::Cancelled, Decision::Waiting),
        ("finish", Some(word)) => other("callback result", word),
        (kind, None) => other("callback type", kind),
        (kind, Some(result)) => other("callback type", &format!("{kind}/{result}")),
    }
}

fn other(what: &str, word: &str) -> Outcome {
    let (status, word) = unknown::status(Vendor::Zeyi, what, word);
    Outcome { status, decision: Decision::Other, word }
}

/// The approval as it stands right after `audit/send` created it.
pub fn submitted(send: &SendBody, sent: &AuditRef, reply: Value, now: i64) -> RemoteApproval {
    let title = send
        .audit_form_list
        .iter()
        .find(|f| f.kind == "text" && TITLE_FIELDS.contains(&f.name.as_str()) && !f.value.trim().is_empty())
        .map(|f| f.value.clone())
        .unwrap_or_else(|| format!("{} {}", send.audit_type, send.id));
    let mut fields = vec![Field::new("业务主键", send.id.clone(), FieldKind::Text)];
    fields.extend(send.audit_form_list.iter().map(shown_field));
    for c in send.condition_param_list.iter().flatten() {
        fields.push(Field::new(format!("条件 · {}", c.name), c.value.clone(), FieldKind::Text));
    }
    RemoteApproval {
        remote_id: sent.audit_id.clone(),
        title,
        form_name: send.audit_type.clone(),
        submitter: User { id: send.username.clone(), name: send.username.clone() },
        submitted_at: now,
        updated_at: now,
        status: Status::Pending,
        status_word: None,
        boxes: vec![Inbox::Submitted],
        fields,
        steps: vec![step(Decision::Waiting, vec![])],
        attachments: vec![],
        actions: vec![Action::Cancel],
        raw: json!({ "send": send, "sent": sent, "reply": reply }),
        unreadable: None,
        marks: vec![],
    }
}

/// The cache's id for an approval 则一 holds but never named (an `AUDIT_EXISTS` without
/// auditId): keyed by the business id until 则一's callback brings the auditId.
pub fn awaiting_audit_id(business_id: &str) -> String {
    format!("{AWAITING}{business_id}")
}

const AWAITING: &str = "则一业务主键:";

/// Whether a cached approval's id is [`awaiting_audit_id`]'s, not an auditId.
pub fn is_awaiting(remote_id: &str) -> bool {
    remote_id.starts_with(AWAITING)
}

/// The approval after `audit/send` answered that the business id already has an approval
/// (`AUDIT_EXISTS`, choice 3): it was sent, by this send's earlier attempt (`resent`: a reply
/// was lost in this very call) or by an earlier send of the same id. With the auditId the
/// answer names it is pending and cancellable; without one it waits for 则一's callback (cancel
/// needs the auditId) and says so. Never a failure: the id holds an approval at 则一.
pub fn already_sent(send: &SendBody, named: Option<&AuditRef>, reply: Value, now: i64, resent: bool) -> RemoteApproval {
    let how = if resent { "上次发送的答复丢失，重发时" } else { "" };
    match named {
        Some(named) => {
            let mut approval = submitted(send, named, reply, now);
            let note = format!("{how}则一答复此业务主键已有审批（AUDIT_EXISTS），auditId {}：按已发送处理。若此前发送的表单与此处不同，以则一所存的为准。", named.audit_id);
            approval.fields.push(Field::new(NOTE_LABEL, note, FieldKind::Text));
            approval
        }
        None => {
            let awaiting = AuditRef { id: send.id.clone(), audit_id: awaiting_audit_id(&send.id) };
            let mut approval = submitted(send, &awaiting, reply, now);
            approval.actions.clear();
            let note = format!("{how}则一答复此业务主键已有审批（AUDIT_EXISTS），但未给出 auditId：按已发送处理。撤销需要 auditId，须先收到则一的回调。");
            approval.fields.push(Field::new(NOTE_LABEL, note, FieldKind::Text));
            approval
        }
    }
}

fn field_value(value: &str, extend: Option<&str>) -> String {
    match extend.filter(|e| !e.is_empty()) {
        Some(e) => format!("{value}（{e}）"),
        None => value.to_string(),
    }
}

fn step(decision: Decision, members: Vec<StepMember>) -> Step {
    Step { name: STEP_NAME.into(), rule: StepRule::Any, decision, members }
}

/// The business key and type of a cached approval (from what we sent, or from a callback).
pub fn business_ref(raw: &Value) -> Option<(String, String)> {
    let from = |v: &Value| Some((v.get("id")?.as_str()?.to_string(), v.get("auditType")?.as_str()?.to_string()));
    raw.get("send").and_then(from).or_else(|| raw.get("callback").and_then(from))
}

/// The approval after our `audit/cancel` went through.
pub fn cancelled(mut cached: RemoteApproval, cancel: &CancelBody, now: i64) -> RemoteApproval {
    cached.status = Status::Cancelled;
    cached.status_word = None;
    cached.actions.clear();
    cached.updated_at = now;
    cached.fields.push(Field::new("撤销原因", cancel.remark.clone(), FieldKind::Text));
    if let Some(raw) = cached.raw.as_object_mut() {
        raw.insert("cancel".into(), json!(cancel));
    }
    cached
}

/// The approval after a cancel whose reply was lost was sent again in the same call and
/// answered `AUDIT_FINISHED`: the lost attempt had cancelled it.
pub fn cancelled_on_resend(cached: RemoteApproval, cancel: &CancelBody, now: i64) -> RemoteApproval {
    let mut approval = cancelled(cached, cancel, now);
    approval.fields.push(Field::new(
        NOTE_LABEL,
        "撤销的答复丢失；重发时则一答复审批已结束（AUDIT_FINISHED），即上一次撤销已生效。",
        FieldKind::Text,
    ));
    approval
}

/// The approval after a cancel answered `AUDIT_FINISHED` with nothing telling us how it ended
/// (no callback yet, and no attempt of ours in this call): ended, its result to come with
/// 则一's callback. Not "cancelled": an approver may have decided it.
pub fn ended_unknown(mut cached: RemoteApproval, now: i64) -> RemoteApproval {
    let (status, word) = unknown::status(Vendor::Zeyi, "cancel answer", "已结束（AUDIT_FINISHED）");
    cached.status = status;
    cached.status_word = word;
    cached.actions.clear();
    cached.updated_at = now;
    let note = "撤销时则一答复审批已结束（AUDIT_FINISHED）：可能是此前一次答复丢失的撤销已生效，也可能已被审批。结果以则一的回调为准。";
    cached.fields.push(Field::new(NOTE_LABEL, note, FieldKind::Text));
    cached
}

/// The approval after 则一's callback: its final status (or the vendor's word for one we do
/// not know), the approver with the remark, no actions left. `cached` is `None` when this
/// inbox did not send it (choice 8).
///
/// An approval that has already ended (approved, rejected, cancelled — by an earlier callback or
/// by our own cancel) is never overwritten silently (choice 13): the same result with the same
/// approver again changes nothing; a different one is added as a second step beside the
/// earlier one, whose approver stays visible, with a 记录 saying what 则一 reported later. The
/// status then follows 则一, the authority for its own approvals, when the later result is one
/// we know; a word the document does not list leaves the known end as it was. (A cancel of
/// ours confirmed by `terminate` is no conflict: nobody had decided, so the step is 则一's.)
pub fn apply_callback(cached: Option<RemoteApproval>, body: &CallbackBody, now: i64) -> RemoteApproval {
    let outcome = callback_outcome(body);
    let members = match (&body.audit_user, &body.remark) {
        (Some(name), remark) => vec![member(name, &outcome, remark.clone(), now)],
        (None, Some(remark)) => vec![member("则一", &outcome, Some(remark.clone()), now)],
        (None, None) => vec![],
    };
    let mut approval = match cached {
        Some(a) => a,
        None => unknown_sender(body, now),
    };
    let earlier = deciders(&approval);
    if approval.status.is_final() && !(outcome.status == approval.status && earlier.is_empty()) {
        if outcome.status != approval.status || !same_deciders(&earlier, &members) {
            report_later(&mut approval, &outcome, members, now);
        }
    } else {
        approval.status = outcome.status;
        approval.status_word = outcome.word.clone();
        approval.actions.clear();
        approval.updated_at = now;
        approval.steps = vec![step(outcome.decision, members)];
    }
    approval.unreadable = None;
    if !body.audit_code.is_empty() && !approval.fields.iter().any(|f| f.label == "审批编号") {
        approval.fields.push(Field::new("审批编号", body.audit_code.clone(), FieldKind::Text));
    }
    if approval.remote_id != body.audit_id && !approval.fields.iter().any(|f| f.label == "auditId") {
        // Sent without 则一 naming it (choice 3): the callback is where it is learnt.
        approval.fields.push(Field::new("auditId", body.audit_id.clone(), FieldKind::Text));
    }
    if let Some(raw) = approval.raw.as_object_mut() {
        raw.insert("callback".into(), json!(body));
    }
    approval
}

/// The name of the step holding a result 则一 reported after the approval had ended.
pub const LATER_STEP: &str = "则一审批（后来的报告）";

/// Who has decided in an approval's steps so far.
fn deciders(a: &RemoteApproval) -> Vec<&StepMember> {
    a.steps.iter().flat_map(|s| &s.members).filter(|m| m.decision != Decision::Waiting).collect()
}

/// Whether a callback names the same approvers with the same decisions and remarks as before.
fn same_deciders(earlier: &[&StepMember], later: &[StepMember]) -> bool {
    let key = |m: &StepMember| (m.user.name.clone(), m.decision, m.word.clone(), m.comment.clone());
    // Compared with the latest step's deciders: a report repeated after an earlier change is a repeat of that change.
    let last = earlier.len().saturating_sub(later.len());
    earlier.len() >= later.len() && earlier[last..].iter().map(|m| key(m)).eq(later.iter().map(key))
}

/// A final status in a 记录's words.
fn ended_as(status: Status, word: Option<&str>) -> String {
    match status {
        Status::Approved => "已通过".into(),
        Status::Rejected => "已拒绝".into(),
        Status::Cancelled => "已撤销".into(),
        Status::Failed => "已失败".into(),
        Status::Pending | Status::Sending => "审批中".into(),
        Status::Other => format!("「{}」", word.unwrap_or("未知")),
    }
}

/// Who decided, in a 记录's words: 「王建国：同意采购」.
fn by_whom<'a>(members: impl IntoIterator<Item = &'a StepMember>) -> String {
    let names: Vec<String> = members
        .into_iter()
        .map(|m| match m.comment.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => format!("{}：{c}", m.user.name),
            None => m.user.name.clone(),
        })
        .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!("（{}）", names.join("；"))
    }
}

/// Adds what 则一 reported after the approval had ended: a step of its own beside the earlier
/// ones, and a 记录 saying what changed (and what did not).
fn report_later(approval: &mut RemoteApproval, outcome: &Outcome, members: Vec<StepMember>, now: i64) {
    let was = ended_as(approval.status, approval.status_word.as_deref());
    let was_by = match by_whom(deciders(approval)) {
        by if by.is_empty() && approval.raw.get("cancel").is_some() => "（本机撤销）".to_string(),
        by => by,
    };
    let said = ended_as(outcome.status, outcome.word.as_deref());
    let said_by = by_whom(&members);
    let note = if outcome.status == approval.status {
        format!("则一在此审批{was}{was_by}之后再次报告{said}{said_by}，审批人或意见不同：两次报告都保留在审批步骤中。")
    } else if outcome.status == Status::Other {
        format!("则一在此审批{was}{was_by}之后又报告了文档中没有的结果{said}{said_by}：状态仍为{was}，这份报告保留在审批步骤中。")
    } else {
        approval.status = outcome.status;
        approval.status_word = None;
        format!("则一在此审批{was}{was_by}之后又报告{said}{said_by}：状态按则一（此审批的权威方）改为{said}；先前的结果保留在审批步骤中。")
    };
    approval.steps.push(Step { name: LATER_STEP.into(), rule: StepRule::Any, decision: outcome.decision, members });
    approval.fields.push(Field::new(NOTE_LABEL, note, FieldKind::Text));
    approval.actions.clear();
    approval.updated_at = now;
}

fn member(name: &str, outcome: &Outcome, comment: Option<String>, now: i64) -> StepMember {
    StepMember {
        user: User { id: name.into(), name: name.into() },
        decision: outcome.decision,
        word: outcome.word.clone(),
        comment,
        decided_at: Some(now),
    }
}

/// An approval known only from its callback (sent by another client of the same app key).
fn unknown_sender(body: &CallbackBody, now: i64) -> RemoteApproval {
    let title = [body.audit_type.as_str(), body.id.as_str()]
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    RemoteApproval {
        remote_id: body.audit_id.clone(),
        title,
        form_name: body.audit_type.clone(),
        submitter: User::default(),
        submitted_at: now,
        updated_at: now,
        status: Status::Pending,
        status_word: None,
        boxes: vec![Inbox::Submitted],
        fields: vec![Field::new("业务主键", body.id.clone(), FieldKind::Text)],
        steps: vec![],
        attachments: vec![],
        actions: vec![],
        raw: json!({}),
        unreadable: None,
        marks: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::de::document_example;
    use crate::connectors::zeyi::wire::{Envelope, FormField};

    fn ex(text: &str) -> Value {
        document_example(text)
    }

    #[test]
    fn document_examples_parse() {
        for text in [
            include_str!("../../../tests/fixtures/zeyi/send-reply.jsonc"),
            include_str!("../../../tests/fixtures/zeyi/cancel-reply.jsonc"),
        ] {
            let v = ex(text);
            let env: Envelope = serde_json::from_value(v.clone()).unwrap();
            assert!(env.success && !env.business_exception && env.error_code.is_none());
            let r: AuditRef = serde_json::from_value(env.result.unwrap()).unwrap();
            assert_eq!(
                (r.id.as_str(), r.audit_id.as_str()),
                ("2369f6c4c15440cdada803047d664546", "2369f6c4c15440cdada803047d664546")
            );
        }
    }

    fn send() -> SendBody {
        SendBody {
            id: "PO-1".into(),
            audit_type: "purchase".into(),
            username: "E001".into(),
            audit_form_list: vec![
                FormField {
                    kind: "text".into(),
                    name: "事由".into(),
                    value: "采购托盘 200 个".into(),
                    extend_value: None,
                },
                FormField {
                    kind: "file".into(),
                    name: "报价单".into(),
                    value: "https://files.example.com/q.pdf".into(),
                    extend_value: Some("q.pdf".into()),
                },
            ],
            condition_param_list: None,
        }
    }

    fn callback(kind: &str, result: Option<&str>) -> CallbackBody {
        CallbackBody {
            id: "PO-1".into(),
            audit_id: "A1".into(),
            audit_code: "SP0001".into(),
            audit_type: "purchase".into(),
            kind: kind.into(),
            result: result.map(Into::into),
            audit_user: Some("王建国".into()),
            remark: Some("同意采购".into()),
        }
    }

    #[test]
    fn a_sent_approval_is_pending_in_submitted_and_cancellable() {
        let a = submitted(&send(), &AuditRef { id: "PO-1".into(), audit_id: "A1".into() }, json!({}), 100);
        assert_eq!((a.remote_id.as_str(), a.title.as_str(), a.status), ("A1", "采购托盘 200 个", Status::Pending));
        assert_eq!((a.boxes.clone(), a.actions.clone()), (vec![Inbox::Submitted], vec![Action::Cancel]));
        assert!(a
            .fields
            .iter()
            .any(|f| f.kind == FieldKind::File && f.value == "https://files.example.com/q.pdf（q.pdf）"));
        assert_eq!(business_ref(&a.raw), Some(("PO-1".into(), "purchase".into())));
    }

    #[test]
    fn a_form_item_of_an_unknown_type_is_shown_by_its_value() {
        let mut odd = send();
        odd.audit_form_list[0].kind = "image".into();
        odd.audit_form_list.push(FormField {
            kind: "number".into(),
            name: "金额".into(),
            value: "200.5".into(),
            extend_value: None,
        });
        let a = submitted(&odd, &AuditRef { id: "x".into(), audit_id: "y".into() }, json!({}), 1);
        assert_eq!(
            (a.status, a.actions.clone()),
            (Status::Pending, vec![Action::Cancel]),
            "the approval itself is known"
        );
        assert!(a.fields.contains(&Field::new("事由", "采购托盘 200 个", FieldKind::Text)), "{:?}", a.fields);
        assert!(a.fields.contains(&Field::new("金额", "200.5", FieldKind::Number)), "{:?}", a.fields);
        assert!(field_kind("image").unwrap_err().contains("image"), "what we send is still only text or file");
    }

    #[test]
    fn a_resend_answered_audit_exists_is_sent_with_or_without_the_audit_id() {
        let named = AuditRef { id: "PO-1".into(), audit_id: "A1".into() };
        let a = already_sent(&send(), Some(&named), json!({"errorCode": "AUDIT_EXISTS"}), 5, true);
        assert_eq!((a.remote_id.as_str(), a.status, a.actions.clone()), ("A1", Status::Pending, vec![Action::Cancel]));
        let note = a.fields.iter().find(|f| f.label == NOTE_LABEL).unwrap();
        assert!(
            note.value.contains("AUDIT_EXISTS") && note.value.contains("答复丢失") && note.value.contains("A1"),
            "{note:?}"
        );
        let bare = already_sent(&send(), None, json!({}), 5, false);
        assert_eq!(
            (bare.remote_id.clone(), bare.status, bare.actions.len()),
            (awaiting_audit_id("PO-1"), Status::Pending, 0)
        );
        let note = bare.fields.iter().find(|f| f.label == NOTE_LABEL).unwrap();
        assert!(note.value.contains("回调") && note.value.contains("撤销") && !note.value.contains("丢失"), "{note:?}");
        // Its callback then finds it by the business id and tells the auditId.
        let done = apply_callback(Some(bare), &callback("finish", Some("agree")), 9);
        assert_eq!((done.remote_id, done.status), (awaiting_audit_id("PO-1"), Status::Approved));
        assert!(done.fields.contains(&Field::new("auditId", "A1", FieldKind::Text)));
    }

    #[test]
    fn cancels_answered_finished_say_what_is_known() {
        let sent = submitted(&send(), &AuditRef { id: "PO-1".into(), audit_id: "A1".into() }, json!({}), 100);
        let body = CancelBody {
            id: "PO-1".into(),
            audit_id: "A1".into(),
            kind: "purchase".into(),
            remark: "不需要了".into(),
            username: Some("E001".into()),
        };
        let resent = cancelled_on_resend(sent.clone(), &body, 7);
        assert_eq!((resent.status, resent.actions.len()), (Status::Cancelled, 0));
        assert!(resent.fields.iter().any(|f| f.label == NOTE_LABEL && f.value.contains("AUDIT_FINISHED")));
        let ended = ended_unknown(sent, 7);
        assert_eq!(
            (ended.status, ended.status_word.as_deref(), ended.actions.len()),
            (Status::Other, Some("已结束（AUDIT_FINISHED）"), 0)
        );
        assert!(ended.fields.iter().any(|f| f.label == NOTE_LABEL && f.value.contains("回调")));
    }

    #[test]
    fn callbacks_decide_and_name_the_approver() {
        let sent = submitted(&send(), &AuditRef { id: "PO-1".into(), audit_id: "A1".into() }, json!({}), 100);
        let ok = apply_callback(Some(sent.clone()), &callback("finish", Some("agree")), 200);
        assert_eq!((ok.status, ok.actions.len(), ok.updated_at, ok.status_word), (Status::Approved, 0, 200, None));
        let m = &ok.steps[0].members[0];
        assert_eq!(
            (m.user.name.as_str(), m.decision, m.comment.as_deref()),
            ("王建国", Decision::Approved, Some("同意采购"))
        );
        assert_eq!(apply_callback(Some(sent.clone()), &callback("finish", Some("refuse")), 2).status, Status::Rejected);
        assert_eq!(apply_callback(Some(sent.clone()), &callback("terminate", None), 2).status, Status::Cancelled);
        assert_eq!(
            apply_callback(Some(sent), &callback("terminate", Some("ARCHIVING")), 2).status,
            Status::Cancelled,
            "terminate has no result to read"
        );
        let stranger = apply_callback(None, &callback("finish", Some("agree")), 5);
        assert_eq!((stranger.remote_id.as_str(), stranger.boxes.clone()), ("A1", vec![Inbox::Submitted]));
        assert_eq!(business_ref(&stranger.raw), Some(("PO-1".into(), "purchase".into())));
    }

    #[test]
    fn unknown_callback_words_are_other_with_the_word_and_no_action() {
        let sent = submitted(&send(), &AuditRef { id: "PO-1".into(), audit_id: "A1".into() }, json!({}), 100);
        for (kind, result, word) in [
            ("finish", Some("maybe"), "maybe"),
            ("finish", None, "finish"),
            ("pause", None, "pause"),
            ("transfer", Some("agree"), "transfer/agree"),
        ] {
            let a = apply_callback(Some(sent.clone()), &callback(kind, result), 2);
            assert_eq!(
                (a.status, a.status_word.as_deref(), a.actions.len()),
                (Status::Other, Some(word), 0),
                "{kind} {result:?}"
            );
            let m = &a.steps[0].members[0];
            assert_eq!(
                (m.decision, m.word.as_deref(), m.comment.as_deref()),
                (Decision::Other, Some(word), Some("同意采购"))
            );
        }
        // A later callback in words we know replaces the word.
        let other = apply_callback(Some(sent), &callback("pause", None), 2);
        let known = apply_callback(Some(other), &callback("finish", Some("agree")), 3);
        assert_eq!((known.status, known.status_word), (Status::Approved, None));
    }

    fn by(mut body: CallbackBody, user: &str, remark: &str) -> CallbackBody {
        body.audit_user = Some(user.into());
        body.remark = Some(remark.into());
        body
    }

    fn notes(a: &RemoteApproval) -> Vec<&str> {
        a.fields.iter().filter(|f| f.label == NOTE_LABEL).map(|f| f.value.as_str()).collect()
    }

    #[test]
    fn a_later_result_for_an_ended_approval_keeps_the_earlier_one_and_says_so() {
        let sent = submitted(&send(), &AuditRef { id: "PO-1".into(), audit_id: "A1".into() }, json!({}), 100);
        let approved = apply_callback(Some(sent), &callback("finish", Some("agree")), 200);
        assert!(notes(&approved).is_empty(), "the first end is no conflict");

        // 则一 says it again, word for word (its retry under a new nonce): nothing changes.
        assert_eq!(apply_callback(Some(approved.clone()), &callback("finish", Some("agree")), 300), approved);

        // 则一 later reports it rejected by someone else: the status follows 则一, the approver before stays.
        let rejected =
            apply_callback(Some(approved.clone()), &by(callback("finish", Some("refuse")), "李四", "预算不足"), 300);
        assert_eq!(
            (rejected.status, rejected.status_word.clone(), rejected.actions.len(), rejected.updated_at),
            (Status::Rejected, None, 0, 300)
        );
        assert_eq!(rejected.steps.len(), 2);
        let first = &rejected.steps[0].members[0];
        assert_eq!(
            (rejected.steps[0].decision, first.user.name.as_str(), first.decision, first.comment.as_deref()),
            (Decision::Approved, "王建国", Decision::Approved, Some("同意采购"))
        );
        let later = &rejected.steps[1];
        assert_eq!(
            (later.name.as_str(), later.decision, later.members[0].user.name.as_str()),
            (LATER_STEP, Decision::Rejected, "李四")
        );
        let note = notes(&rejected);
        assert_eq!(note.len(), 1, "{note:?}");
        assert!(
            note[0].contains("已通过（王建国：同意采购）")
                && note[0].contains("已拒绝（李四：预算不足）")
                && note[0].contains("改为已拒绝"),
            "{note:?}"
        );

        // A word the document does not list leaves the known end as it was, and is shown.
        let odd = apply_callback(Some(rejected.clone()), &by(callback("pause", None), "赵六", "暂停"), 400);
        assert_eq!((odd.status, odd.status_word.clone(), odd.steps.len()), (Status::Rejected, None, 3));
        assert_eq!((odd.steps[2].decision, odd.steps[2].members[0].word.as_deref()), (Decision::Other, Some("pause")));
        assert!(notes(&odd)[1].contains("「pause」") && notes(&odd)[1].contains("状态仍为已拒绝"), "{:?}", notes(&odd));

        // The same end by another approver is kept beside the first, the status unchanged.
        let again = apply_callback(Some(approved), &by(callback("finish", Some("agree")), "钱七", "同意"), 500);
        assert_eq!(
            (again.status, again.steps.len(), again.steps[0].members[0].user.name.as_str()),
            (Status::Approved, 2, "王建国")
        );
        assert!(notes(&again)[0].contains("两次报告"), "{:?}", notes(&again));
    }

    #[test]
    fn our_cancel_is_confirmed_by_terminate_and_an_approval_after_it_is_recorded() {
        let sent = submitted(&send(), &AuditRef { id: "PO-1".into(), audit_id: "A1".into() }, json!({}), 100);
        let body = CancelBody {
            id: "PO-1".into(),
            audit_id: "A1".into(),
            kind: "purchase".into(),
            remark: "不需要了".into(),
            username: Some("E001".into()),
        };
        let ours = cancelled(sent, &body, 150);
        let confirmed = apply_callback(Some(ours.clone()), &callback("terminate", None), 200);
        assert_eq!((confirmed.status, confirmed.steps.len()), (Status::Cancelled, 1));
        assert!(notes(&confirmed).is_empty(), "a terminate after our cancel is what the cancel asked for");
        let approved = apply_callback(Some(ours), &callback("finish", Some("agree")), 200);
        assert_eq!((approved.status, approved.steps.len()), (Status::Approved, 2));
        assert!(
            approved.fields.iter().any(|f| f.label == "撤销原因" && f.value == "不需要了"),
            "our cancel stays visible"
        );
        assert!(
            notes(&approved)[0].contains("已撤销（本机撤销）")
                && notes(&approved)[0].contains("已通过（王建国：同意采购）"),
            "{:?}",
            notes(&approved)
        );
    }

    #[test]
    fn callback_bodies_read_missing_null_and_odd_optional_fields() {
        let minimal: CallbackBody =
            serde_json::from_value(json!({"id": 42, "auditId": "A9", "type": "terminate"})).unwrap();
        assert_eq!(
            (minimal.id.as_str(), minimal.audit_code.as_str(), minimal.audit_type.as_str(), minimal.result.clone()),
            ("42", "", "", None)
        );
        let nulls: CallbackBody = serde_json::from_value(json!({"id": "PO-1", "auditId": "A1", "auditCode": null, "auditType": null, "type": "finish", "result": null, "auditUser": null, "remark": "", "ext1": {"a": [1]}})).unwrap();
        assert_eq!((nulls.result.clone(), nulls.audit_user.clone(), nulls.remark.clone()), (None, None, None));
        let odd: CallbackBody = serde_json::from_value(json!({"id": "PO-1", "auditId": "A1", "auditCode": 7, "auditType": "purchase", "type": "finish", "result": "agree", "auditUser": {"name": "王芳", "id": 3}, "remark": ["同意", "尽快"]})).unwrap();
        assert_eq!(
            (odd.audit_code.as_str(), odd.audit_user.as_deref(), odd.remark.as_deref()),
            ("7", Some("王芳"), Some("同意、尽快"))
        );
        let a = apply_callback(None, &minimal, 1);
        assert_eq!((a.title.as_str(), a.status, a.actions.len()), ("42", Status::Cancelled, 0));
        assert!(a.steps[0].members.is_empty() && !a.fields.iter().any(|f| f.label == "审批编号"));
        assert_eq!(apply_callback(None, &nulls, 1).status_word.as_deref(), Some("finish"));
        // What acting needs stays required: which approval, and what happened.
        for missing in [
            json!({"auditId": "A1", "type": "finish"}),
            json!({"id": "PO-1", "type": "finish"}),
            json!({"id": "PO-1", "auditId": "A1"}),
            json!({"id": null, "auditId": "A1", "type": "finish"}),
        ] {
            assert!(serde_json::from_value::<CallbackBody>(missing.clone()).is_err(), "{missing}");
        }
    }
}
