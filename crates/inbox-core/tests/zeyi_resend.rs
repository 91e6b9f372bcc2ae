//! zeyi's resend rules (issues 13 and 14) through real HTTP to the 则一 simulator, the real
//! callback listener and a real SQLite cache: a send or cancel whose reply is lost is sent
//! again, and 则一's refusal of the resend (`AUDIT_EXISTS`, `AUDIT_FINISHED`) is read as what
//! it means, never shown as a failure, never claimed as more than is known; 测试连接 says 连接成功
//! only on `AUDIT_NOT_FOUND`; a callback in words the document does not list is kept and shown.

mod support;
use inbox_core::callback::{Limits, CALLBACK_PATH};
use inbox_core::connectors::zeyi::{self, auth};
use inbox_core::{Action, Approval, Decision, Error, OutboxKind, OutboxState, Status, Submission, VendorError};
use serde_json::{json, Value};
use std::time::Duration;
use support::add_demo as add;
use vendor_sim::common::{Fault, RunningServer};
use vendor_sim::zeyi::{AuditStatus, Sim, Verdict};
use vendor_sim::Simulator;

type World = support::ZeyiWorld;

async fn world() -> World {
    World::new(Sim::new(21, 20), Limits::default(), |_| {}).await
}

fn submission(id: &str) -> Submission {
    submission_of(id, "carrier_payment")
}

fn submission_of(id: &str, audit_type: &str) -> Submission {
    let form = json!({
        "id": id,
        "auditType": audit_type,
        "auditFormList": [
            {"type": "text", "name": "事由", "value": "顺达物流 十月运费结算"},
            {"type": "text", "name": "金额", "value": "48200.00"}
        ]
    });
    zeyi::submission_from_form(&form).unwrap()
}

async fn submit(w: &World, id: &str) -> Result<Approval, Error> {
    w.service.submit(w.account, &submission(id), inbox_core::Progress::ignore()).await
}

fn note(a: &Approval) -> String {
    a.remote.fields.iter().filter(|f| f.label == "记录").map(|f| f.value.clone()).collect::<Vec<_>>().join("\n")
}

/// Waits (at most 3 s) until `done` holds.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..150 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("waited 3 s for {what}");
}

fn status(w: &World, id: i64) -> Status {
    w.service.approval(id).unwrap().remote.status
}

/// No draft, no open outbox entry: nothing invites the user to send again or says "failed".
fn nothing_left_to_send(w: &World) {
    assert!(w.service.drafts().unwrap().is_empty(), "{:?}", w.service.drafts().unwrap());
    assert!(w.service.outbox().unwrap().is_empty(), "{:?}", w.service.outbox().unwrap());
}

#[tokio::test]
async fn a_send_whose_reply_is_lost_is_resent_and_audit_exists_keeps_the_audit_id_for_cancel() {
    let w = world().await;
    w.sim.set_fault_times(Fault::LostReply, 1);
    let sent = submit(&w, "PAY-1").await.expect("a lost reply is not a failure");
    let held = w.sim.audits_with_id("PAY-1");
    assert_eq!(held.len(), 1, "one approval at 则一");
    assert_eq!(
        (sent.remote.remote_id.as_str(), sent.remote.status, sent.remote.actions.clone()),
        (held[0].audit_id.as_str(), Status::Pending, vec![Action::Cancel])
    );
    assert!(note(&sent).contains("答复丢失") && note(&sent).contains("AUDIT_EXISTS"), "{}", note(&sent));
    nothing_left_to_send(&w);

    let cancelled = w.service.act(sent.id, Action::Cancel, "付款金额错误").await.unwrap();
    assert_eq!(cancelled.remote.status, Status::Cancelled);
    assert_eq!(w.sim.audit(&held[0].audit_id).unwrap().status, AuditStatus::Cancelled);
    nothing_left_to_send(&w);
}

#[tokio::test]
async fn a_draft_whose_every_reply_was_lost_sends_again_without_a_failure_and_keeps_the_audit_id() {
    let w = world().await;
    // Every attempt of the first send loses its reply: the draft says it may have landed.
    w.sim.set_fault_times(Fault::LostReply, 3);
    let e = submit(&w, "PAY-2").await.unwrap_err().to_string();
    assert!(e.contains("HTTP 502") && e.contains("not known yet"), "outcome unknown, not refused: {e}");
    let draft = w.service.drafts().unwrap().pop().expect("the draft is kept");
    assert_eq!(w.sim.audits_with_id("PAY-2").len(), 1, "the first attempt landed");
    // Sending it again is answered AUDIT_EXISTS: sent, with the auditId 则一 names.
    let sent =
        w.service.submit_draft(draft.id, inbox_core::Progress::ignore()).await.expect("the resend is not a failure");
    assert_eq!(sent.remote.remote_id, w.sim.audits_with_id("PAY-2")[0].audit_id);
    assert!(note(&sent).contains("AUDIT_EXISTS") && !note(&sent).contains("答复丢失"), "{}", note(&sent));
    nothing_left_to_send(&w);
    assert_eq!(w.service.act(sent.id, Action::Cancel, "").await.unwrap().remote.status, Status::Cancelled);
}

#[tokio::test]
async fn a_queued_submission_resent_by_the_outbox_is_done_with_the_audit_id() {
    let w = world().await;
    let form = serde_json::to_value(submission("PAY-3")).unwrap();
    let entry = w.service.store().outbox_add(w.account, None, OutboxKind::Submit, "", Some(&form)).unwrap();
    w.sim.set_fault_times(Fault::LostReply, 3);
    assert_eq!(w.service.flush_outbox().await.unwrap(), 0);
    let waiting = w.service.store().outbox_entry(entry).unwrap().unwrap();
    assert_eq!((waiting.state, waiting.attempts), (OutboxState::Queued, 1), "zeyi submissions are resent: {waiting:?}");
    let done = w.service.retry_action(entry).await.unwrap();
    assert_eq!((done.state, done.attempts), (OutboxState::Done, 2), "{done:?}");
    let audit_id = w.sim.audits_with_id("PAY-3")[0].audit_id.clone();
    let cached =
        w.service.store().approval_by_remote(w.account, &audit_id).unwrap().expect("cached under 则一's auditId");
    assert_eq!((cached.remote.status, cached.remote.actions.clone()), (Status::Pending, vec![Action::Cancel]));
    assert_eq!(w.service.act(cached.id, Action::Cancel, "").await.unwrap().remote.status, Status::Cancelled);
    assert_eq!(w.sim.audit(&audit_id).unwrap().status, AuditStatus::Cancelled);
    nothing_left_to_send(&w);
}

#[tokio::test]
async fn a_zeyi_that_names_no_audit_id_keeps_the_approval_and_its_callback_completes_it() {
    let w = world().await;
    w.sim.set_bare_exists(true);
    w.sim.set_fault_times(Fault::LostReply, 1);
    let sent = submit(&w, "PAY-4").await.expect("sent, though without an auditId");
    assert_eq!((sent.remote.status, sent.remote.actions.len()), (Status::Pending, 0), "no cancel without the auditId");
    assert!(note(&sent).contains("未给出 auditId") && note(&sent).contains("回调"), "{}", note(&sent));
    nothing_left_to_send(&w);
    let e = w.service.act(sent.id, Action::Cancel, "").await.unwrap_err().to_string();
    assert!(e.contains("cancel"), "{e}");

    let delivery = w.sim.decide("PAY-4", Verdict::Reject, Some("E003"), Some("发票未到")).await.unwrap();
    assert!(delivery.accepted, "{delivery:?}");
    let decided = w.service.approval(sent.id).unwrap();
    assert_eq!(decided.remote.status, Status::Rejected, "the callback found it by its business id");
    let audit_id = &w.sim.audits_with_id("PAY-4")[0].audit_id;
    assert!(decided.remote.fields.iter().any(|f| f.label == "auditId" && &f.value == audit_id));
    assert_eq!(w.service.list(&Default::default()).unwrap().total, 1, "one approval, not a second from the callback");
}

#[tokio::test]
async fn a_cancel_whose_reply_is_lost_is_resent_and_audit_finished_means_it_was_cancelled() {
    let w = world().await;
    let sent = submit(&w, "PAY-5").await.unwrap();
    w.sim.set_fault_times(Fault::LostReply, 1);
    let after = w.service.act(sent.id, Action::Cancel, "重复提交").await.expect("not a failure");
    assert_eq!((after.remote.status, after.remote.actions.len()), (Status::Cancelled, 0));
    assert!(note(&after).contains("AUDIT_FINISHED") && note(&after).contains("上一次撤销已生效"), "{}", note(&after));
    assert_eq!(w.sim.audit(&sent.remote.remote_id).unwrap().status, AuditStatus::Cancelled);
    nothing_left_to_send(&w);
    let entry = w.service.store().outbox_all().unwrap().pop().unwrap();
    assert_eq!((entry.state, entry.attempts), (OutboxState::Done, 1));
}

/// Issue 14's measurement: every reply of the cancel lost, the entry retried later while 则一
/// and (through its terminate callback) the cache say cancelled → done, not failed.
#[tokio::test]
async fn a_cancel_retried_after_the_callback_said_cancelled_is_done_not_failed() {
    let w = world().await;
    let sent = submit(&w, "PAY-6").await.unwrap();
    w.sim.set_fault_times(Fault::LostReply, 3);
    let e = w.service.act(sent.id, Action::Cancel, "重复提交").await.unwrap_err().to_string();
    assert!(e.contains("HTTP 502"), "{e}");
    until("the terminate callback", || status(&w, sent.id) == Status::Cancelled).await;
    let entry = w.service.outbox().unwrap().pop().expect("the entry waits");
    assert_eq!(entry.state, OutboxState::Queued);
    let done = w.service.retry_action(entry.id).await.unwrap();
    assert_eq!(done.state, OutboxState::Done, "{done:?}");
    assert_eq!(status(&w, sent.id), Status::Cancelled);
    assert_eq!(w.sim.audit(&sent.remote.remote_id).unwrap().status, AuditStatus::Cancelled);
    nothing_left_to_send(&w);
}

/// No callback reaches us (the listener was down): a later retry answered AUDIT_FINISHED cannot
/// tell our cancel from an approver's decision, so the approval shows "ended" with 则一's
/// word, offers nothing, and the callback, once delivered, says how it ended.
#[tokio::test]
async fn without_a_callback_a_retried_cancel_answered_finished_shows_ended_until_the_callback() {
    let w = world().await;
    let sent = submit(&w, "PAY-7").await.unwrap();
    w.sim.set_callback_url(None);
    w.sim.set_fault_times(Fault::LostReply, 3);
    w.service.act(sent.id, Action::Cancel, "重复提交").await.unwrap_err();
    let entry = w.service.outbox().unwrap().pop().unwrap();
    let done = w.service.retry_action(entry.id).await.unwrap();
    assert_eq!(done.state, OutboxState::Done, "{done:?}");
    let ended = w.service.approval(sent.id).unwrap();
    assert_eq!(
        (ended.remote.status, ended.remote.status_word.as_deref(), ended.remote.actions.len()),
        (Status::Other, Some("已结束（AUDIT_FINISHED）"), 0)
    );
    assert!(note(&ended).contains("以则一的回调为准"), "{}", note(&ended));

    w.sim.set_callback_url(Some(w.listener.callback_url()));
    let audit = w.sim.audit(&sent.remote.remote_id).unwrap();
    assert!(w.sim.deliver(&audit).await.accepted);
    let told = w.service.approval(sent.id).unwrap();
    assert_eq!((told.remote.status, told.remote.status_word), (Status::Cancelled, None));
}

/// 则一 approved it, and its callback was lost: the user's cancel is answered AUDIT_FINISHED
/// and the approval is not shown as cancelled. When the approval callback has arrived before a
/// queued cancel goes out, the cancel fails saying it was approved.
#[tokio::test]
async fn a_cancel_of_an_approval_zeyi_already_decided_is_never_reported_as_cancelled() {
    let w = world().await;
    let sent = submit(&w, "PAY-8").await.unwrap();
    w.sim.set_callback_url(None);
    w.sim.decide("PAY-8", Verdict::Pass, Some("E003"), Some("同意付款")).await.unwrap();
    let after = w.service.act(sent.id, Action::Cancel, "不需要了").await.unwrap();
    assert_eq!((after.remote.status, after.remote.actions.len()), (Status::Other, 0), "ended, not cancelled");
    assert_eq!(w.sim.audit(&sent.remote.remote_id).unwrap().status, AuditStatus::Agreed);
    w.sim.set_callback_url(Some(w.listener.callback_url()));
    assert!(w.sim.deliver(&w.sim.audit(&sent.remote.remote_id).unwrap()).await.accepted);
    assert_eq!(status(&w, sent.id), Status::Approved);

    // A cancel queued while 则一 was unreachable; meanwhile an approver refused it and the
    // callback came: the retry says so and leaves the cache rejected.
    let second = submit(&w, "PAY-9").await.unwrap();
    w.sim.set_fault_times(Fault::ServerError, 3);
    let e = w.service.act(second.id, Action::Cancel, "").await.unwrap_err().to_string();
    assert!(e.contains("HTTP 500"), "{e}");
    assert!(w.sim.decide("PAY-9", Verdict::Reject, Some("E003"), Some("重复付款")).await.unwrap().accepted);
    let entry = w.service.outbox().unwrap().pop().unwrap();
    let failed = w.service.retry_action(entry.id).await.unwrap();
    let reason = failed.last_error.clone().unwrap_or_default();
    assert_eq!(failed.state, OutboxState::Failed, "{failed:?}");
    assert!(reason.contains("rejected") && reason.contains("not cancelled"), "{reason}");
    assert_eq!(status(&w, second.id), Status::Rejected);
    assert_eq!(w.sim.audit(&second.remote.remote_id).unwrap().status, AuditStatus::Refused);
}

/// A business id 则一 already holds for another sender's approved approval: taken as sent (the
/// rule cannot tell it from our own lost send) and says so; cancelling it is refused by 则一 in
/// its words, nothing at 则一 changes.
#[tokio::test]
async fn a_business_id_held_by_another_sender_is_taken_as_sent_and_its_cancel_is_refused_in_words() {
    let w = world().await;
    let approved =
        w.sim.audits().into_iter().find(|a| a.status == AuditStatus::Agreed).expect("the seed has approved history");
    let sent = w
        .service
        .submit(w.account, &submission_of(&approved.id, &approved.audit_type), inbox_core::Progress::ignore())
        .await
        .unwrap();
    assert_eq!(sent.remote.remote_id, approved.audit_id);
    assert!(note(&sent).contains("以则一所存的为准"), "{}", note(&sent));
    let e = w.service.act(sent.id, Action::Cancel, "").await.unwrap_err().to_string();
    assert!(e.contains("NOT_INITIATOR") && e.contains("只有发起人可以撤销审批"), "{e}");
    assert_eq!(w.sim.audit(&approved.audit_id).unwrap().status, AuditStatus::Agreed);
    assert_eq!(w.sim.audits_with_id(&approved.id).len(), 1);
}

/// A server that answers every call with `reply` (a 则一 of another version, a proxy).
async fn answering(reply: Value) -> RunningServer {
    let app = axum::Router::new().fallback(move || {
        let reply = reply.clone();
        async move { axum::Json(reply) }
    });
    vendor_sim::common::serve_router(app, "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

#[tokio::test]
async fn the_connection_test_says_connected_only_on_audit_not_found() {
    let w = world().await;
    let ok = w.service.test_account(w.account).await.unwrap();
    assert!(ok.contains("连接成功") && ok.contains("AUDIT_NOT_FOUND"), "{ok}");

    let refused = |e: &Error, code: &str| {
        let text = e.to_string();
        assert!(text.contains(code) && !text.contains("连接成功"), "{code}: {text}");
    };
    let mut wrong_secret = w.sim.demo_account(&w.server.base_url);
    wrong_secret.secrets.insert("app_secret".into(), "1".repeat(32).into());
    let e = w.service.test_account(add(&w.service, "则一-错误密钥", &wrong_secret)).await.unwrap_err();
    refused(&e, "SIGN_ERROR");
    assert!(matches!(&e, Error::Vendor { source, .. } if matches!(**source, VendorError::Auth { .. })));
    let mut wrong_key = w.sim.demo_account(&w.server.base_url);
    wrong_key.settings.insert("app_key".into(), "0867ef5f23ef446483749e19e1692b40".into());
    refused(
        &w.service.test_account(add(&w.service, "则一-错误appKey", &wrong_key)).await.unwrap_err(),
        "APP_KEY_INVALID",
    );
    // The account encrypts, 则一 does not (PARAM_ERROR: it reads Base64 as JSON) …
    let mut sealed = w.sim.demo_account(&w.server.base_url);
    sealed.settings.insert("encrypt".into(), "true".into());
    refused(&w.service.test_account(add(&w.service, "则一-多余加密", &sealed)).await.unwrap_err(), "PARAM_ERROR");
    // … and the other way round (DECRYPT_ERROR: a credentials problem to fix).
    w.sim.set_encryption(true);
    let e = w
        .service
        .test_account(add(&w.service, "则一-未加密", &w.sim.demo_account(&w.server.base_url).with_plain()))
        .await
        .unwrap_err();
    refused(&e, "DECRYPT_ERROR");
    assert!(matches!(&e, Error::Vendor { source, .. } if matches!(**source, VendorError::Auth { .. })));
    w.sim.set_encryption(false);

    // A code nobody documented, and a success for an approval that cannot exist.
    for (reply, words) in [
        (
            json!({"success": false, "businessException": true, "errorCode": "SYSTEM_BUSY", "message": "系统繁忙", "result": null}),
            "SYSTEM_BUSY",
        ),
        (
            json!({"success": false, "businessException": false, "errorCode": null, "message": "appKey不存在"}),
            "appKey不存在",
        ),
        (
            json!({"success": true, "businessException": false, "errorCode": null, "message": null, "result": null}),
            "不能证明",
        ),
    ] {
        let other = answering(reply).await;
        let e = w
            .service
            .test_account(add(&w.service, &format!("则一-{words}"), &w.sim.demo_account(&other.base_url)))
            .await
            .unwrap_err();
        refused(&e, words);
    }
}

trait Plain {
    fn with_plain(self) -> Self;
}

impl Plain for vendor_sim::DemoAccount {
    /// The same account with encryption switched off.
    fn with_plain(mut self) -> Self {
        self.settings.insert("encrypt".into(), "false".into());
        self
    }
}

/// Posts a signed callback body to the listener as 则一 would.
async fn post_callback(w: &World, body: &Value, nonce: &str) -> (u16, Value) {
    let app = w.sim.app();
    let body = body.to_string();
    let timestamp = auth::timestamp_ms();
    let sign = auth::sign(&app.callback_app_key, &app.callback_app_secret, &timestamp, nonce, body.as_bytes());
    let resp = reqwest::Client::new()
        .post(format!("{}{CALLBACK_PATH}", w.listener.base_url))
        .header("appKey", &app.callback_app_key)
        .header("timestamp", timestamp)
        .header("nonce", nonce)
        .header("sign", sign)
        .body(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_callback_in_words_the_document_does_not_list_is_kept_and_shown_without_actions() {
    let w = world().await;
    let sent = submit(&w, "PAY-10").await.unwrap();
    let base = json!({"id": "PAY-10", "auditId": sent.remote.remote_id, "auditCode": "SP00000123", "auditType": "carrier_payment"});
    let mut revoke = base.clone();
    revoke["type"] = "finish".into();
    revoke["result"] = "revoke".into();
    revoke["auditUser"] = "李娜 𪚥".into();
    revoke["extra"] = json!({"source": "v3"});
    let (status, reply) = post_callback(&w, &revoke, "word01").await;
    assert_eq!((status, reply["success"].as_bool()), (200, Some(true)), "{reply}");
    let shown = w.service.approval(sent.id).unwrap();
    assert_eq!(
        (shown.remote.status, shown.remote.status_word.as_deref(), shown.remote.actions.len()),
        (Status::Other, Some("revoke"), 0)
    );
    let m = &shown.remote.steps[0].members[0];
    assert_eq!((m.user.name.as_str(), m.decision, m.word.as_deref()), ("李娜 𪚥", Decision::Other, Some("revoke")));

    let mut paused = base.clone();
    paused["type"] = "pause".into();
    paused["remark"] = Value::Null;
    paused["auditUser"] = Value::Null;
    assert_eq!(post_callback(&w, &paused, "word02").await.0, 200);
    assert_eq!(w.service.approval(sent.id).unwrap().remote.status_word.as_deref(), Some("pause"));

    // Still verified first: the same body with a wrong sign is refused and changes nothing.
    let app = w.sim.app();
    let resp = reqwest::Client::new()
        .post(format!("{}{CALLBACK_PATH}", w.listener.base_url))
        .header("appKey", &app.callback_app_key)
        .header("timestamp", auth::timestamp_ms())
        .header("nonce", "word03")
        .header("sign", "0".repeat(32))
        .body(revoke.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(w.service.approval(sent.id).unwrap().remote.status_word.as_deref(), Some("pause"));
}

/// A business id sent again after 则一 decided it (a resubmitted form, an id reused): 则一
/// answers `AUDIT_EXISTS` naming the approval, which the client can only call pending; the
/// cache knows it ended and keeps it so, never turning it back into pending.
#[tokio::test]
async fn a_resend_answered_with_an_approval_the_cache_knows_ended_keeps_it_ended() {
    let w = world().await;
    let sent = submit(&w, "PAY-19").await.unwrap();
    let delivery = w.sim.decide("PAY-19", Verdict::Pass, Some("E003"), Some("同意")).await.unwrap();
    assert!(delivery.accepted, "{delivery:?}");
    assert_eq!(status(&w, sent.id), Status::Approved);
    let again = submit(&w, "PAY-19").await.expect("则一 holds it: taken as sent");
    assert_eq!((again.id, again.remote.status), (sent.id, Status::Approved), "kept as it ended");
    nothing_left_to_send(&w);
}
