//! zeyi wire → unified model. 则一 has no read endpoint, so an approval is built from what we
//! sent (`audit/send` body + reply), then changed by what we did (`audit/cancel`) and what 则一
//! told us (the callback). Field types and callback `type`/`result` values are mapped
//! exhaustively: a value the document does not list is an error naming it.

use super::wire::{AuditRef, CallbackBody, CancelBody, SendBody};
use crate::model::{Action, Decision, Field, FieldKind, Inbox, RemoteApproval, Status, Step, StepMember, StepRule, User};
use serde_json::{json, Value};

/// A mapping failure: a value the document does not define, or a cached approval we did not make.
pub type MapError = String;

/// The one step of a 则一 approval as we can see it: 则一 only reports the final approver.
const STEP_NAME: &str = "则一审批";

/// Field labels used as the title when present (choice 6).
const TITLE_FIELDS: &[&str] = &["标题", "主题", "事由"];

/// `auditFormList[].type`: `text` (文本格式) or `file` (文件格式, value = URL).
pub fn field_kind(kind: &str) -> Result<FieldKind, MapError> {
    match kind {
        "text" => Ok(FieldKind::Text),
        "file" => Ok(FieldKind::File),
        other => Err(format!("unknown auditFormList type \"{other}\" (the document lists text and file)")),
    }
}

/// The outcome of a callback: `finish` + `agree`/`refuse`, or `terminate` (撤销/删除).
pub fn callback_outcome(body: &CallbackBody) -> Result<(Status, Decision), MapError> {
    match (body.kind.as_str(), body.result.as_deref()) {
        ("finish", Some("agree")) => Ok((Status::Approved, Decision::Approved)),
        ("finish", Some("refuse")) => Ok((Status::Rejected, Decision::Rejected)),
        ("finish", Some(other)) => Err(format!("unknown callback result \"{other}\" (the document lists agree and refuse)")),
        ("finish", None) => Err("a finish callback without result".into()),
        ("terminate", _) => Ok((Status::Cancelled, Decision::Waiting)),
        (other, _) => Err(format!("unknown callback type \"{other}\" (the document lists finish and terminate)")),
    }
}

/// The approval as it stands right after a successful `audit/send`.
pub fn submitted(send: &SendBody, sent: &AuditRef, reply: Value, now: i64) -> Result<RemoteApproval, MapError> {
    let fields = send
        .audit_form_list
        .iter()
        .map(|f| Ok(Field::new(f.name.clone(), field_value(&f.value, f.extend_value.as_deref()), field_kind(&f.kind)?)))
        .collect::<Result<Vec<_>, MapError>>()?;
    let title = send
        .audit_form_list
        .iter()
        .find(|f| f.kind == "text" && TITLE_FIELDS.contains(&f.name.as_str()) && !f.value.trim().is_empty())
        .map(|f| f.value.clone())
        .unwrap_or_else(|| format!("{} {}", send.audit_type, send.id));
    let mut all_fields = vec![Field::new("业务主键", send.id.clone(), FieldKind::Text)];
    all_fields.extend(fields);
    for c in send.condition_param_list.iter().flatten() {
        all_fields.push(Field::new(format!("条件 · {}", c.name), c.value.clone(), FieldKind::Text));
    }
    Ok(RemoteApproval { status_word: None, unreadable: None,
        remote_id: sent.audit_id.clone(),
        title,
        form_name: send.audit_type.clone(),
        submitter: User { id: send.username.clone(), name: send.username.clone() },
        submitted_at: now,
        updated_at: now,
        status: Status::Pending,
        boxes: vec![Inbox::Submitted],
        fields: all_fields,
        steps: vec![step(Decision::Waiting, vec![])],
        attachments: vec![],
        actions: vec![Action::Cancel],
        raw: json!({ "send": send, "sent": sent, "reply": reply }),
    })
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
    cached.actions.clear();
    cached.updated_at = now;
    cached.fields.push(Field::new("撤销原因", cancel.remark.clone(), FieldKind::Text));
    if let Some(raw) = cached.raw.as_object_mut() {
        raw.insert("cancel".into(), json!(cancel));
    }
    cached
}

/// The approval after 则一's callback: its final status, the approver with the remark, no
/// actions left. `cached` is `None` when this inbox did not send it (choice 8).
pub fn apply_callback(cached: Option<RemoteApproval>, body: &CallbackBody, now: i64) -> Result<RemoteApproval, MapError> {
    let (status, decision) = callback_outcome(body)?;
    let mut approval = match cached {
        Some(a) => a,
        None => unknown_sender(body, now),
    };
    approval.status = status;
    approval.actions.clear();
    approval.updated_at = now;
    let remark = body.remark.clone().filter(|r| !r.is_empty());
    let approver = body.audit_user.clone().filter(|u| !u.is_empty());
    let members = match (approver, &remark) {
        (Some(name), _) => vec![member(&name, decision, remark.clone(), now)],
        (None, Some(_)) => vec![member("则一", decision, remark.clone(), now)],
        (None, None) => vec![],
    };
    approval.steps = vec![step(decision, members)];
    if !approval.fields.iter().any(|f| f.label == "审批编号") {
        approval.fields.push(Field::new("审批编号", body.audit_code.clone(), FieldKind::Text));
    }
    if let Some(raw) = approval.raw.as_object_mut() {
        raw.insert("callback".into(), json!(body));
    }
    Ok(approval)
}

fn member(name: &str, decision: Decision, comment: Option<String>, now: i64) -> StepMember {
    StepMember { word: None, user: User { id: name.into(), name: name.into() }, decision, comment, decided_at: Some(now) }
}

/// An approval known only from its callback (sent by another client of the same app key).
fn unknown_sender(body: &CallbackBody, now: i64) -> RemoteApproval {
    RemoteApproval { status_word: None, unreadable: None,
        remote_id: body.audit_id.clone(),
        title: format!("{} {}", body.audit_type, body.id),
        form_name: body.audit_type.clone(),
        submitter: User::default(),
        submitted_at: now,
        updated_at: now,
        status: Status::Pending,
        boxes: vec![Inbox::Submitted],
        fields: vec![Field::new("业务主键", body.id.clone(), FieldKind::Text)],
        steps: vec![],
        attachments: vec![],
        actions: vec![],
        raw: json!({}),
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
        for text in [include_str!("../../../tests/fixtures/zeyi/send-reply.jsonc"), include_str!("../../../tests/fixtures/zeyi/cancel-reply.jsonc")] {
            let v = ex(text);
            let env: Envelope = serde_json::from_value(v.clone()).unwrap();
            assert!(env.success && !env.business_exception && env.error_code.is_none());
            let r: AuditRef = serde_json::from_value(env.result.unwrap()).unwrap();
            assert_eq!((r.id.as_str(), r.audit_id.as_str()), ("2369f6c4c15440cdada803047d664546", "2369f6c4c15440cdada803047d664546"));
        }
    }

    fn send() -> SendBody {
        SendBody {
            id: "PO-1".into(),
            audit_type: "purchase".into(),
            username: "E001".into(),
            audit_form_list: vec![
                FormField { kind: "text".into(), name: "事由".into(), value: "采购托盘 200 个".into(), extend_value: None },
                FormField { kind: "file".into(), name: "报价单".into(), value: "https://files.example.com/q.pdf".into(), extend_value: Some("q.pdf".into()) },
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
        let a = submitted(&send(), &AuditRef { id: "PO-1".into(), audit_id: "A1".into() }, json!({}), 100).unwrap();
        assert_eq!((a.remote_id.as_str(), a.title.as_str(), a.status), ("A1", "采购托盘 200 个", Status::Pending));
        assert_eq!((a.boxes.clone(), a.actions.clone()), (vec![Inbox::Submitted], vec![Action::Cancel]));
        assert!(a.fields.iter().any(|f| f.kind == FieldKind::File && f.value.starts_with("https://")));
        assert_eq!(business_ref(&a.raw), Some(("PO-1".into(), "purchase".into())));
        let mut bad = send();
        bad.audit_form_list[0].kind = "image".into();
        assert!(submitted(&bad, &AuditRef { id: "x".into(), audit_id: "y".into() }, json!({}), 1).unwrap_err().contains("image"));
    }

    #[test]
    fn callbacks_decide_and_name_the_approver() {
        let sent = submitted(&send(), &AuditRef { id: "PO-1".into(), audit_id: "A1".into() }, json!({}), 100).unwrap();
        let ok = apply_callback(Some(sent.clone()), &callback("finish", Some("agree")), 200).unwrap();
        assert_eq!((ok.status, ok.actions.len(), ok.updated_at), (Status::Approved, 0, 200));
        let m = &ok.steps[0].members[0];
        assert_eq!((m.user.name.as_str(), m.decision, m.comment.as_deref()), ("王建国", Decision::Approved, Some("同意采购")));
        assert_eq!(apply_callback(Some(sent.clone()), &callback("finish", Some("refuse")), 2).unwrap().status, Status::Rejected);
        assert_eq!(apply_callback(Some(sent.clone()), &callback("terminate", None), 2).unwrap().status, Status::Cancelled);
        assert!(apply_callback(Some(sent.clone()), &callback("finish", Some("maybe")), 2).unwrap_err().contains("maybe"));
        assert!(apply_callback(Some(sent), &callback("pause", None), 2).unwrap_err().contains("pause"));
        let stranger = apply_callback(None, &callback("finish", Some("agree")), 5).unwrap();
        assert_eq!((stranger.remote_id.as_str(), stranger.boxes.clone()), ("A1", vec![Inbox::Submitted]));
        assert_eq!(business_ref(&stranger.raw), Some(("PO-1".into(), "purchase".into())));
    }
}
