//! The zeyi connector, the service and the callback listener against the 则一 simulator over
//! real HTTP and a real SQLite file: send → decide in 则一 → signed callback → approval decided
//! in the cache (plain and encrypted), cancel, the resend-after-timeout rule, every refusal of
//! the listener (nothing stored), and 则一's error codes shown in words.

mod support;
use inbox_core::callback::{Limits, CALLBACK_PATH};
use inbox_core::connectors::zeyi::auth;
use inbox_core::{Action, Approval, Decision, Error, Inbox, ListQuery, Service, Status, VendorError};
use serde_json::{json, Value};
use std::time::Duration;
use support::add_demo as add;
use vendor_sim::common::Fault;
use vendor_sim::zeyi::{AuditStatus, Sim, Verdict};
use vendor_sim::Simulator;

type World = support::ZeyiWorld;

async fn world(encrypt: bool) -> World {
    world_with(encrypt, json!({}), Limits::default()).await
}

async fn world_with(encrypt: bool, extra_settings: Value, limits: Limits) -> World {
    let sim = Sim::new(11, 40);
    sim.set_encryption(encrypt);
    World::new(sim, limits, |demo| demo.settings.extend(extra_settings.as_object().unwrap().clone())).await
}

fn form(id: Option<&str>) -> Value {
    let mut f = json!({
        "auditType": "freight_adjust",
        "auditFormList": [
            {"type": "text", "name": "事由", "value": "上海—苏州 线路运费上调 8%"},
            {"type": "text", "name": "金额", "value": "12800.00"},
            {"type": "file", "name": "调价函", "value": "https://files.jinrun.example/tms/adj-77.pdf", "extendValue": "adj-77.pdf"}
        ],
        "conditionParamList": [{"name": "amount", "value": "12800"}]
    });
    if let Some(id) = id {
        f["id"] = id.into();
    }
    f
}

/// Sends a form written as the document's send body, through the generic submission.
async fn send(service: &Service, account: i64, form: &Value) -> Result<Approval, Error> {
    let submission = inbox_core::connectors::zeyi::submission_from_form(form).map_err(|e| Error::Vendor {
        account: "test".into(),
        vendor: "zeyi".into(),
        source: Box::new(e),
    })?;
    service.submit(account, &submission, inbox_core::Progress::ignore()).await
}

fn cached(w: &World, id: i64) -> Approval {
    w.service.approval(id).unwrap()
}

fn business_id(a: &Approval) -> String {
    a.remote.raw["send"]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn send_decide_callback_loop_plain_and_encrypted() {
    for encrypt in [false, true] {
        let w = world(encrypt).await;
        let sent = send(&w.service, w.account, &form(Some("FA-100"))).await.unwrap();
        assert_eq!(
            (sent.remote.status, sent.remote.boxes.clone(), sent.remote.actions.clone()),
            (Status::Pending, vec![Inbox::Submitted], vec![Action::Cancel])
        );
        assert_eq!(sent.remote.title, "上海—苏州 线路运费上调 8%");
        let audit = w.sim.audit(&sent.remote.remote_id).expect("则一 has it under the auditId we cached");
        assert_eq!(
            (audit.id.as_str(), audit.username.as_str(), audit.status),
            ("FA-100", "E001", AuditStatus::Pending)
        );

        let delivery = w.sim.decide("FA-100", Verdict::Pass, Some("E006"), Some("同意，按新运价执行")).await.unwrap();
        assert!(delivery.accepted, "encrypt={encrypt}: {delivery:?}");
        let after = cached(&w, sent.id);
        assert_eq!(after.remote.status, Status::Approved);
        assert!(after.remote.actions.is_empty());
        let m = &after.remote.steps[0].members[0];
        assert_eq!(
            (m.user.name.as_str(), m.decision, m.comment.as_deref()),
            ("杨光", Decision::Approved, Some("同意，按新运价执行"))
        );
        assert_eq!(w.service.store().nonce_count().unwrap(), 1);

        // A rejection travels the same way; a sync keeps both (zeyi has nothing to list).
        let second = send(&w.service, w.account, &form(Some("FA-101"))).await.unwrap();
        w.sim.decide("FA-101", Verdict::Reject, None, Some("涨幅过大")).await.unwrap();
        assert_eq!(cached(&w, second.id).remote.status, Status::Rejected);
        w.service.sync_account(w.account).await.unwrap();
        assert_eq!(w.service.box_counts().unwrap().submitted, 2);
    }
}

#[tokio::test]
async fn cancel_goes_to_zeyi_and_the_terminate_callback_agrees() {
    let w = world(false).await;
    let sent = send(&w.service, w.account, &form(None)).await.unwrap();
    assert!(business_id(&sent).starts_with("AI"), "an id was derived");
    let after = w.service.act(sent.id, Action::Cancel, "重复提交").await.unwrap();
    assert_eq!(after.remote.status, Status::Cancelled);
    assert!(after.remote.actions.is_empty());
    assert!(after.remote.fields.iter().any(|f| f.label == "撤销原因" && f.value == "重复提交"));
    assert_eq!(w.sim.audit(&sent.remote.remote_id).unwrap().status, AuditStatus::Cancelled);
    assert_eq!(w.sim.audit(&sent.remote.remote_id).unwrap().remark.as_deref(), Some("重复提交"));
    for _ in 0..100 {
        if w.sim.deliveries().iter().any(|d| d.accepted) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(w.sim.deliveries()[0].accepted, "{:?}", w.sim.deliveries());
    assert_eq!(cached(&w, sent.id).remote.status, Status::Cancelled);
    let again = w.service.act(sent.id, Action::Cancel, "").await.unwrap_err().to_string();
    assert!(again.contains("则一") && again.contains("cancel"), "{again}");
    let approve = w.service.act(sent.id, Action::Approve, "").await.unwrap_err().to_string();
    assert!(approve.contains("approve"), "{approve}");
}

#[tokio::test]
async fn a_resend_after_a_timeout_creates_exactly_one_approval() {
    let w = world_with(false, json!({"timeout_ms": "300"}), Limits::default()).await;
    w.sim.stall_sends(1, Duration::from_millis(900));
    let sent = send(&w.service, w.account, &form(Some("PO-T1"))).await.unwrap();
    let in_zeyi = w.sim.audits_with_id("PO-T1");
    assert_eq!(in_zeyi.len(), 1, "the retry reused the id");
    assert_eq!(sent.remote.remote_id, in_zeyi[0].audit_id);
    // The user, unsure, sends the same form again: still one approval, the same cached row.
    let again = send(&w.service, w.account, &form(Some("PO-T1"))).await.unwrap();
    assert_eq!((again.id, w.sim.audits_with_id("PO-T1").len()), (sent.id, 1));
    // A different request under a pending id is refused by 则一 too (AUDIT_EXISTS naming the
    // approval it holds): the cached approval stays that one, and says 则一 keeps its form.
    let mut changed = form(Some("PO-T1"));
    changed["auditFormList"][1]["value"] = "99999.00".into();
    let held = send(&w.service, w.account, &changed).await.unwrap();
    assert_eq!(
        (held.id, held.remote.remote_id.as_str(), w.sim.audits_with_id("PO-T1").len()),
        (sent.id, in_zeyi[0].audit_id.as_str(), 1)
    );
    let note = held.remote.fields.iter().find(|f| f.label == "记录").expect("the answer is recorded");
    assert!(note.value.contains("AUDIT_EXISTS") && note.value.contains("以则一所存的为准"), "{note:?}");
    assert_eq!(w.sim.audits_with_id("PO-T1")[0].body["auditFormList"][1]["value"], "12800.00");
}

/// Posts a callback to the listener as 则一 would, with the given parts.
async fn post_callback(w: &World, body: &[u8], timestamp: &str, nonce: &str, sign: Option<String>) -> (u16, Value) {
    let app = w.sim.app();
    let sign =
        sign.unwrap_or_else(|| auth::sign(&app.callback_app_key, &app.callback_app_secret, timestamp, nonce, body));
    let resp = reqwest::Client::new()
        .post(format!("{}{CALLBACK_PATH}", w.listener.base_url))
        .header("appKey", &app.callback_app_key)
        .header("timestamp", timestamp)
        .header("nonce", nonce)
        .header("sign", sign)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn callback_body(a: &Approval) -> Vec<u8> {
    json!({"id": business_id(a), "auditId": a.remote.remote_id, "auditCode": "SP00000099", "auditType": "freight_adjust", "type": "finish", "result": "agree", "auditUser": "王建国", "remark": "同意"})
        .to_string()
        .into_bytes()
}

#[tokio::test]
async fn the_listener_applies_a_valid_callback_once_and_refuses_everything_else() {
    let w = world(false).await;
    let sent = send(&w.service, w.account, &form(Some("CB-1"))).await.unwrap();
    let body = callback_body(&sent);
    let now = auth::timestamp_ms();
    let unchanged = |w: &World| {
        assert_eq!(cached(w, sent.id).remote.status, Status::Pending, "nothing applied");
        assert_eq!(w.service.store().nonce_count().unwrap(), 0, "no nonce stored");
    };

    let (status, reply) = post_callback(&w, &body, &now, "abc123", Some("0".repeat(32))).await;
    assert_eq!((status, reply["errorCode"].as_str()), (401, Some("SIGN_ERROR")));
    unchanged(&w);

    let stale = (now.parse::<i64>().unwrap() - 6 * 60 * 1000).to_string();
    let (status, reply) = post_callback(&w, &body, &stale, "abc124", None).await;
    assert_eq!((status, reply["errorCode"].as_str()), (401, Some("TIMESTAMP_EXPIRED")));
    unchanged(&w);

    let (status, reply) = post_callback(&w, b"{\"id\": \"CB-1\", \"auditId\": ", &now, "abc125", None).await;
    assert_eq!((status, reply["errorCode"].as_str()), (400, Some("BODY_INVALID")));
    unchanged(&w);

    // Without `type` a callback says nothing of what happened: refused. (An unknown `result`
    // word is no longer refused: it is shown, see zeyi_resend.rs.)
    let mut untyped: Value = serde_json::from_slice(&body).unwrap();
    untyped.as_object_mut().unwrap().remove("type");
    let untyped = untyped.to_string();
    let (status, reply) = post_callback(&w, untyped.as_bytes(), &now, "abc126", None).await;
    assert_eq!((status, reply["errorCode"].as_str()), (400, Some("BODY_INVALID")), "{untyped}");
    assert!(reply["message"].as_str().unwrap().contains("type"), "{reply}");
    unchanged(&w);

    let huge = vec![b' '; 70 * 1024];
    let (status, _) = post_callback(&w, &huge, &now, "abc127", None).await;
    assert_eq!(status, 413);
    unchanged(&w);

    let resp = reqwest::Client::new()
        .post(format!("{}{CALLBACK_PATH}", w.listener.base_url))
        .header("appKey", "someone-else")
        .header("timestamp", &now)
        .header("nonce", "abc128")
        .header("sign", "x")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = reqwest::Client::new()
        .post(format!("{}{CALLBACK_PATH}", w.listener.base_url))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    unchanged(&w);

    let (status, reply) = post_callback(&w, &body, &now, "good01", None).await;
    assert_eq!(
        (status, reply["success"].as_bool(), reply["businessException"].as_bool()),
        (200, Some(true), Some(false)),
        "{reply}"
    );
    let applied = cached(&w, sent.id);
    assert_eq!(applied.remote.status, Status::Approved);
    assert_eq!(w.service.store().nonce_count().unwrap(), 1);

    // The same request again is a replay: refused, and the cache is not touched again.
    let (status, reply) = post_callback(&w, &body, &now, "good01", None).await;
    assert_eq!((status, reply["errorCode"].as_str()), (409, Some("NONCE_REPLAYED")));
    assert_eq!(cached(&w, sent.id), applied);
    assert_eq!(w.service.store().nonce_count().unwrap(), 1);
}

/// A callback that passes every check but cannot be written (SQLite refuses the approval's
/// row, as a full disk would) is answered 500 and leaves no nonce behind: the nonce and the
/// result are one transaction, so 则一's retry of the very same request is accepted.
#[tokio::test]
async fn a_callback_that_cannot_be_stored_keeps_no_nonce_and_its_retry_is_accepted() {
    let w = world(false).await;
    let sent = send(&w.service, w.account, &form(Some("CB-3"))).await.unwrap();
    let body = callback_body(&sent);
    let now = auth::timestamp_ms();
    // A second connection to the same file: the service's own writes hit the trigger.
    let cache = rusqlite::Connection::open(w.service.store().path()).unwrap();
    cache
        .execute_batch(
            "CREATE TRIGGER refuse_update BEFORE UPDATE ON approvals BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;
             CREATE TRIGGER refuse_insert BEFORE INSERT ON approvals BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
        )
        .unwrap();
    let (status, reply) = post_callback(&w, &body, &now, "keep01", None).await;
    assert_eq!((status, reply["errorCode"].as_str()), (500, Some("INTERNAL")), "{reply}");
    assert_eq!(w.service.store().nonce_count().unwrap(), 0, "the failed write kept no nonce");
    assert_eq!(cached(&w, sent.id).remote.status, Status::Pending);

    cache.execute_batch("DROP TRIGGER refuse_update; DROP TRIGGER refuse_insert;").unwrap();
    let (status, reply) = post_callback(&w, &body, &now, "keep01", None).await;
    assert_eq!(status, 200, "the retry (same nonce, same sign) is accepted: {reply}");
    assert_eq!(cached(&w, sent.id).remote.status, Status::Approved);
    assert_eq!(w.service.store().nonce_count().unwrap(), 1);
}

#[tokio::test]
async fn an_encrypted_account_refuses_a_plain_or_foreign_sealed_callback() {
    let w = world(true).await;
    let sent = send(&w.service, w.account, &form(Some("CB-2"))).await.unwrap();
    let now = auth::timestamp_ms();
    let (status, reply) = post_callback(&w, &callback_body(&sent), &now, "enc001", None).await;
    assert_eq!((status, reply["errorCode"].as_str()), (400, Some("DECRYPT_ERROR")));
    // Sealed for other headers (a body lifted from another request): the prefix check refuses it.
    let app = w.sim.app();
    let sealed = auth::Cipher::new(&app.callback_app_secret, &app.iv).unwrap().seal(
        &app.callback_app_key,
        "1",
        "zzzzzz",
        &callback_body(&sent),
    );
    let (status, _) = post_callback(&w, sealed.as_bytes(), &now, "enc002", None).await;
    assert_eq!(status, 400);
    assert_eq!(w.service.store().nonce_count().unwrap(), 0);
    assert_eq!(cached(&w, sent.id).remote.status, Status::Pending);
}

#[tokio::test]
async fn the_listener_limits_its_request_rate() {
    let w =
        world_with(false, json!({}), Limits { max_body: 64 * 1024, per_second: 0.01, burst: 2.0, ..Limits::default() })
            .await;
    let now = auth::timestamp_ms();
    let mut statuses = vec![];
    for n in 0..3 {
        statuses.push(post_callback(&w, b"{}", &now, &format!("rate0{n}"), Some("0".repeat(32))).await.0);
    }
    assert_eq!(statuses, vec![401, 401, 429]);
}

#[tokio::test]
async fn vendor_errors_are_shown_in_words_and_leave_the_cache_unchanged() {
    let w = world(false).await;
    let total = |w: &World| w.service.list(&ListQuery { limit: 100, ..Default::default() }).unwrap().total;

    let mut bad_type = form(Some("E-1"));
    bad_type["auditType"] = "teleport".into();
    let e = send(&w.service, w.account, &bad_type).await.unwrap_err().to_string();
    assert!(
        e.contains("则一")
            && e.contains("audit/send")
            && e.contains("AUDIT_TYPE_INVALID")
            && e.contains("审批类型不存在"),
        "{e}"
    );

    let mut unknown = w.sim.demo_account(&w.server.base_url);
    unknown.settings.insert("username".into(), "E999".into());
    let unknown = add(&w.service, "则一-无此工号", &unknown);
    assert!(send(&w.service, unknown, &form(Some("E-2"))).await.unwrap_err().to_string().contains("USER_NOT_FOUND"));

    let mut bad_file = form(Some("E-3"));
    bad_file["auditFormList"][2]["value"] = "C:/报价.pdf".into();
    let e = send(&w.service, w.account, &bad_file).await.unwrap_err().to_string();
    assert!(e.contains("PARAM_ERROR") && e.contains("auditFormList[2].value") && e.contains("field `调价函`"), "{e}");
    let failed = w
        .service
        .drafts()
        .unwrap()
        .into_iter()
        .find(|d| d.submission.request_id == "E-3")
        .expect("the failed send kept its draft");
    assert_eq!((failed.state, failed.error_field.as_deref()), (inbox_core::DraftState::Failed, Some("调价函")));

    let bad_form = json!({"auditType": "purchase", "auditFormList": [{"type": "video", "name": "n", "value": "v"}]});
    assert!(send(&w.service, w.account, &bad_form).await.unwrap_err().to_string().contains("video"));

    // A send answered with garbage may have landed: after its resends it is "outcome unknown".
    w.sim.set_fault(Some(Fault::MalformedJson));
    let e = send(&w.service, w.account, &form(Some("E-4"))).await.unwrap_err();
    assert!(
        matches!(&e, Error::Vendor { source, .. } if matches!(**source, VendorError::OutcomeUnknown { .. })),
        "{e}"
    );
    w.sim.set_fault(Some(Fault::ServerError));
    let e = send(&w.service, w.account, &form(Some("E-5"))).await.unwrap_err().to_string();
    assert!(e.contains("HTTP 500"), "{e}");
    w.sim.set_fault(None);
    assert_eq!(total(&w), 0, "no failed send reached the cache");

    // The connection test: keys accepted; a wrong secret is refused as a credentials problem.
    assert!(w.service.test_account(w.account).await.unwrap().contains("连接成功"));
    let mut wrong = w.sim.demo_account(&w.server.base_url);
    wrong.secrets.insert("app_secret".into(), "0".repeat(32).into());
    let other = add(&w.service, "则一-错误密钥", &wrong);
    let e = w.service.test_account(other).await.unwrap_err();
    assert!(matches!(&e, Error::Vendor { source, .. } if matches!(**source, VendorError::Auth { .. })), "{e}");
    assert!(e.to_string().contains("SIGN_ERROR") && e.to_string().contains("签名验证失败"), "{e}");
    let e = send(&w.service, other, &form(Some("E-6"))).await.unwrap_err().to_string();
    assert!(e.contains("则一-错误密钥") && e.contains("SIGN_ERROR"), "{e}");
    assert!(!e.contains(&"0".repeat(32)), "no secret in messages");
}

#[tokio::test]
async fn an_unreachable_host_is_named_and_sync_never_fails_or_empties_zeyi() {
    let w = world(false).await;
    let sent = send(&w.service, w.account, &form(Some("U-1"))).await.unwrap();
    let mut gone = w.sim.demo_account("http://127.0.0.1:9");
    gone.settings.insert("timeout_ms".into(), "500".into());
    let dead = add(&w.service, "则一-离线", &gone);
    let e = send(&w.service, dead, &form(Some("U-2"))).await.unwrap_err().to_string();
    assert!(e.contains("则一-离线") && e.contains("cannot reach"), "{e}");
    for (_, r) in w.service.sync_all().await.unwrap() {
        r.unwrap();
    }
    assert_eq!(cached(&w, sent.id).remote.status, Status::Pending, "sync has no source and removes nothing");
}
