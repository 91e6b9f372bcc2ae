//! The relay end to end over real HTTP: a 则一 simulator (`vendor_sim::zeyi`) as the upstream,
//! driven by sends and cancels through the relay and by the simulator's `decide`, which posts
//! signed (and sealed) callbacks to the relay; desktops pull with their tokens. Every scenario
//! runs twice, on a SQLite file and on a fresh database of a real PostgreSQL server started for
//! this test binary (tests/support). Two relay instances on one PostgreSQL database share
//! nonces and cursors. The last tests drive the `inbox-relay` binary itself.

// The throwaway PostgreSQL server (initdb, pg_ctl, chown) is a Unix affair; the relay is
// deployed on Linux (deploy/), so its suite runs there only.
#![cfg(unix)]

mod support;

use inbox_core::connectors::zeyi::client;
use inbox_core::VendorError;
use serde_json::{json, Value};
use support::*;
use vendor_sim::zeyi::Verdict;
use vendor_sim::Fault;
use vendor_sim::Simulator;

/// Runs each scenario `async fn name(Backend)` as two tests, `name::sqlite` and `name::postgres`.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use super::*;
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(Backend::Postgres).await
                }
            }
        )*
    };
}

on_both!(
    sends_and_cancels_reach_zeyi_signed_and_answers_keep_their_meaning,
    encrypted_integrations_seal_both_ways,
    a_token_sends_and_cancels_only_as_its_own_number,
    wrong_and_revoked_tokens_are_refused_and_nothing_is_sent,
    forged_stale_and_replayed_callbacks_are_refused_and_store_nothing,
    an_accepted_callback_reaches_exactly_its_sender,
    a_long_poll_returns_when_an_event_arrives,
    cursors_deliver_at_least_once_and_never_to_another_user,
    zeyi_failures_are_told_apart_from_its_answers,
    retention_removes_old_events_and_says_so,
    the_database_holds_nonces_results_and_cursors_unique,
);

/// The desktop's reading of a relay answer to a send (docs/relay.md): 200 is 则一's envelope.
fn as_desktop(status: u16, answer: &Value) -> Result<Value, VendorError> {
    assert_eq!(status, 200, "{answer}");
    client::envelope("audit/send", 200, answer.to_string().as_bytes())
}

async fn sends_and_cancels_reach_zeyi_signed_and_answers_keep_their_meaning(backend: Backend) {
    let env = Env::new(backend).await;
    let token = env.user("E001", "张伟").await;

    let (status, answer) = env.send(&token, &form("PO-1", "E001")).await;
    let reply = as_desktop(status, &answer).expect("a new approval");
    let audit = env.sim.audit(&audit_id(&reply)).expect("则一 holds the approval: the relay's sign was accepted");
    assert_eq!((audit.id.as_str(), audit.username.as_str()), ("PO-1", "E001"));
    assert_eq!(audit.body["auditFormList"][2]["extendValue"], "q.pdf", "the form arrives whole");

    // A second send of the same id: 则一's AUDIT_EXISTS, naming the holder, exactly as direct.
    let (status, answer) = env.send(&token, &form("PO-1", "E001")).await;
    assert!(
        matches!(as_desktop(status, &answer), Err(VendorError::Vendor { code, .. }) if code == "AUDIT_EXISTS"),
        "{answer}"
    );
    assert_eq!(client::existing(&answer).map(|r| r.audit_id), Some(audit.audit_id.clone()));
    // A business refusal passes through in 则一's words.
    let mut unknown_type = form("PO-2", "E001");
    unknown_type["auditType"] = "no_such_type".into();
    let (status, answer) = env.send(&token, &unknown_type).await;
    assert!(
        matches!(as_desktop(status, &answer), Err(VendorError::Vendor { code, message, .. }) if code == "AUDIT_TYPE_INVALID" && message.contains("审批类型不存在")),
        "{answer}"
    );
    assert_eq!(answer["businessException"], true);

    // Cancel through the relay: 则一 cancels, then calls back; the event is the sender's.
    let cancel = json!({"id": "PO-1", "auditId": audit.audit_id, "type": "purchase", "remark": "发起人撤销", "username": "E001"});
    let (status, answer) = env.cancel(&token, &cancel).await;
    assert_eq!(status, 200, "{answer}");
    client::envelope("audit/cancel", 200, answer.to_string().as_bytes()).expect("cancelled");
    assert_eq!(env.sim.audit(&audit.audit_id).unwrap().status, vendor_sim::zeyi::AuditStatus::Cancelled);
    let (status, page) = env.pull_from(&env.relay.base_url, &token, 0, 30).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(ids(&page), ["PO-1"]);
    let event = &page["events"][0];
    assert_eq!(
        (event["auditId"].as_str(), event["type"].as_str(), event["callback"]["type"].as_str()),
        (Some(audit.audit_id.as_str()), Some("terminate"), Some("terminate"))
    );
    // The event's callback is what the desktop listener reads.
    let body: inbox_core::connectors::zeyi::wire::CallbackBody =
        serde_json::from_value(event["callback"].clone()).unwrap();
    assert_eq!((body.id.as_str(), body.remark.as_deref()), ("PO-1", Some("发起人撤销")));
    let metrics = env.metrics(&env.relay.base_url).await;
    assert!(metrics.contains(r#"inbox_relay_relayed_calls_total{call="send",outcome="success"} 1"#), "{metrics}");
    assert!(
        metrics.contains(r#"inbox_relay_relayed_calls_total{call="send",outcome="business_error"} 2"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"inbox_relay_callbacks_accepted_total{kind="new"} 1"#), "{metrics}");
    assert!(metrics.contains(r#"inbox_relay_events_waiting{user="E001"} 1"#), "{metrics}");
    // The desktop applied it: nothing waits any more.
    env.pull(&token, 1).await;
    let metrics = env.metrics(&env.relay.base_url).await;
    assert!(metrics.contains(r#"inbox_relay_events_waiting{user="E001"} 0"#), "{metrics}");
    let health = env.http.get(format!("{}/healthz", env.relay.base_url)).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

async fn encrypted_integrations_seal_both_ways(backend: Backend) {
    let env = Env::with(backend, true).await;
    let token = env.user("E001", "张伟").await;
    let (status, answer) = env.send(&token, &form("ENC-1", "E001")).await;
    let reply = as_desktop(status, &answer).expect("则一 decrypted and accepted the sealed body");
    let audit_id = audit_id(&reply);
    let delivery = env.sim.decide("ENC-1", Verdict::Pass, Some("E005"), Some("同意")).await.unwrap();
    assert!(delivery.accepted && !delivery.body.starts_with('{'), "a sealed callback, accepted: {delivery:?}");
    let page = env.pull(&token, 0).await;
    assert_eq!(
        (page["events"][0]["type"].as_str(), page["events"][0]["result"].as_str()),
        (Some("finish"), Some("agree"))
    );
    assert_eq!(page["events"][0]["callback"]["auditId"], audit_id.as_str(), "the event holds the decrypted callback");
    // Signed with the right pair but not sealed: refused, nothing stored.
    let plain = json!({"id": "ENC-1", "auditId": audit_id, "type": "finish", "result": "refuse"}).to_string();
    let (ts, nonce) = (now_ms(), "plain1".to_string());
    let app = env.sim.app();
    let sign =
        vendor_sim::zeyi::crypto::sign(&app.callback_app_key, &app.callback_app_secret, &ts, &nonce, plain.as_bytes());
    let headers = vec![
        ("appKey".into(), app.callback_app_key.clone()),
        ("timestamp".into(), ts),
        ("nonce".into(), nonce),
        ("sign".into(), sign),
    ];
    let (status, answer) = post_callback(&env.http, &env.relay.callback_url(), &headers, &plain).await;
    assert_eq!((status, answer["errorCode"].as_str()), (400, Some("DECRYPT_ERROR")), "{answer}");
    assert_eq!(env.relay.db().counts().await.unwrap().events, 1);
}

async fn a_token_sends_and_cancels_only_as_its_own_number(backend: Backend) {
    let env = Env::new(backend).await;
    let e001 = env.user("E001", "张伟").await;
    let e002 = env.user("E002", "王建国").await;
    let before = env.sim.audits().len();

    let (status, answer) = env.send(&e002, &form("PO-9", "E001")).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (403, Some("SENDER_MISMATCH")), "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("E002"), "{answer}");
    assert_eq!(env.sim.audits().len(), before, "nothing was sent to 则一");
    assert_eq!(env.relay.db().owner("PO-9").await.unwrap(), None, "nothing was recorded");

    // Exactly its own: a padded 工号 is another string to 则一.
    let (status, answer) = env.send(&e001, &form("PO-8", " E001")).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (403, Some("SENDER_MISMATCH")), "{answer}");
    assert_eq!(env.sim.audits().len(), before);

    // E001's approval: E002 may neither cancel it as E001, nor as the system, nor as itself.
    let (_, answer) = env.send(&e001, &form("PO-10", "E001")).await;
    let audit = audit_id(&answer);
    for (who, body) in [
        ("as E001", json!({"id": "PO-10", "auditId": audit, "type": "purchase", "remark": "x", "username": "E001"})),
        ("as the system", json!({"id": "PO-10", "auditId": audit, "type": "purchase", "remark": "x"})),
    ] {
        let (status, answer) = env.cancel(&e002, &body).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (403, Some("SENDER_MISMATCH")), "{who}: {answer}");
    }
    let (status, answer) = env
        .cancel(&e002, &json!({"id": "PO-10", "auditId": audit, "type": "purchase", "remark": "x", "username": "E002"}))
        .await;
    assert_eq!((status, answer["error"]["code"].as_str()), (403, Some("NOT_YOURS")), "{answer}");
    // Nor send under E001's business id as itself (则一 would name E001's approval to it).
    let (status, answer) = env.send(&e002, &form("PO-10", "E002")).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (403, Some("NOT_YOURS")), "{answer}");
    assert_eq!(
        env.sim.audit(&audit).unwrap().status,
        vendor_sim::zeyi::AuditStatus::Pending,
        "E001's approval is untouched"
    );
    assert_eq!(env.sim.audits().len(), before + 1);
    // An unknown key in the form never leaves either.
    let mut odd = form("PO-11", "E002");
    odd["colour"] = "red".into();
    let (status, answer) = env.send(&e002, &odd).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("BODY_INVALID")), "{answer}");
    assert_eq!(env.sim.audits().len(), before + 1);
    let metrics = env.metrics(&env.relay.base_url).await;
    assert!(metrics.contains(r#"inbox_relay_requests_refused_total{reason="SENDER_MISMATCH"} 4"#), "{metrics}");
}

async fn wrong_and_revoked_tokens_are_refused_and_nothing_is_sent(backend: Backend) {
    let env = Env::new(backend).await;
    let token = env.user("E001", "张伟").await;
    let before = env.sim.audits().len();
    let (id, _) = inbox_relay::tokens::parse(&token).unwrap();
    let wrong_secret = format!("irt1.{id}.{}", "A".repeat(43));
    let cases: [(&str, Option<&str>, &str); 4] = [
        ("no token", None, "TOKEN_MISSING"),
        ("garbage", Some("hello"), "TOKEN_INVALID"),
        ("a wrong secret", Some(&wrong_secret), "TOKEN_INVALID"),
        ("an unknown id", Some("irt1.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), "TOKEN_INVALID"),
    ];
    for (what, t, code) in cases {
        let (status, answer) = env.post(&env.relay.base_url, "/v1/zeyi/send", t, &form("PO-1", "E001")).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (401, Some(code)), "{what}: {answer}");
        let mut req = env.http.get(format!("{}/v1/events", env.relay.base_url));
        if let Some(t) = t {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 401, "{what}");
        assert_eq!(resp.headers()["www-authenticate"], "Bearer");
    }
    let me: Value = env
        .http
        .get(format!("{}/v1/me", env.relay.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((me["username"].as_str(), me["name"].as_str()), (Some("E001"), Some("张伟")));

    assert!(env.relay.db().revoke_user("E001", inbox_relay::now_ms()).await.unwrap());
    let (status, answer) = env.send(&token, &form("PO-1", "E001")).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (401, Some("TOKEN_REVOKED")),
        "a verified token is refused as soon as it is revoked: {answer}"
    );
    let (status, answer) = env.send(&wrong_secret, &form("PO-1", "E001")).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (401, Some("TOKEN_INVALID")),
        "a wrong secret does not learn of the revocation: {answer}"
    );
    assert_eq!(env.sim.audits().len(), before, "nothing was sent to 则一");

    // A new token for the same 工号 works; the old one stays refused.
    let (added, fresh) = inbox_relay::add_user(env.relay.db(), "E001", "张伟").await.unwrap();
    assert_eq!(added, inbox_relay::db::Added::Reissued);
    assert!(
        matches!(inbox_relay::add_user(env.relay.db(), "E001", "张伟").await, Err(inbox_relay::UserError::Exists(_))),
        "a live token is never replaced"
    );
    let (status, _) = env.send(&fresh, &form("PO-1", "E001")).await;
    assert_eq!(status, 200);
    let (status, answer) = env.send(&token, &form("PO-2", "E001")).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (401, Some("TOKEN_INVALID")), "{answer}");
}

async fn forged_stale_and_replayed_callbacks_are_refused_and_store_nothing(backend: Backend) {
    let env = Env::new(backend).await;
    let token = env.user("E001", "张伟").await;
    let (_, answer) = env.send(&token, &form("PO-1", "E001")).await;
    let audit = audit_id(&answer);
    let url = env.relay.callback_url();
    let body = json!({"id": "PO-1", "auditId": audit, "auditCode": "SP1", "auditType": "purchase", "type": "finish", "result": "agree", "auditUser": "陈静"});
    let stale = (inbox_relay::now_ms() - 6 * 60 * 1000).to_string();

    let (good_headers, good_body) = signed_callback(&env.sim, &body, &now_ms(), "abc123");
    let mut forged_sign = good_headers.clone();
    forged_sign[3].1 = "0".repeat(32);
    let mut unknown_key = good_headers.clone();
    unknown_key[0].1 = "someone-else".into();
    let (stale_headers, stale_body) = signed_callback(&env.sim, &body, &stale, "old123");
    let mut bad_nonce = signed_callback(&env.sim, &body, &now_ms(), "ab!").0;
    bad_nonce[2].1 = "ab!".into();
    let (_, other_body) = signed_callback(
        &env.sim,
        &json!({"id": "PO-1", "auditId": audit, "type": "finish", "result": "refuse"}),
        &now_ms(),
        "abc124",
    );
    let not_json = signed_callback(&env.sim, &json!("x"), &now_ms(), "njs123");
    let no_ids = signed_callback(&env.sim, &json!({"auditId": audit, "type": "finish"}), &now_ms(), "noid12");
    let wrong_owner = signed_callback(
        &env.sim,
        &json!({"id": "PO-OTHER", "auditId": audit, "type": "finish", "result": "agree"}),
        &now_ms(),
        "own123",
    );
    let huge = signed_callback(
        &env.sim,
        &json!({"id": "PO-1", "auditId": audit, "type": "finish", "remark": "长".repeat(30_000)}),
        &now_ms(),
        "big123",
    );
    type Case = (&'static str, Vec<(String, String)>, String, u16, &'static str);
    let cases: Vec<Case> = vec![
        ("a wrong sign", forged_sign, good_body.clone(), 401, "SIGN_ERROR"),
        ("an appKey not ours", unknown_key, good_body.clone(), 401, "SIGN_ERROR"),
        ("a body changed after signing", good_headers.clone(), other_body, 401, "SIGN_ERROR"),
        ("a timestamp six minutes old", stale_headers, stale_body, 401, "TIMESTAMP_EXPIRED"),
        ("no sign header", good_headers[..3].to_vec(), good_body.clone(), 400, "HEADER_MISSING"),
        ("a nonce that is not 6 letters or digits", bad_nonce, good_body.clone(), 400, "HEADER_INVALID"),
        ("not the callback's JSON", not_json.0, not_json.1, 400, "BODY_INVALID"),
        ("no business id", no_ids.0, no_ids.1, 400, "BODY_INVALID"),
        ("an auditId of another business id", wrong_owner.0, wrong_owner.1, 400, "BODY_INVALID"),
        ("a body over 64 KiB", huge.0, huge.1, 413, "BODY_REJECTED"),
    ];
    for (what, headers, body, status, code) in cases {
        let (got, answer) = post_callback(&env.http, &url, &headers, &body).await;
        assert_eq!(
            (got, answer["errorCode"].as_str(), answer["success"].as_bool()),
            (status, Some(code), Some(false)),
            "{what}: {answer}"
        );
    }
    let counts = env.relay.db().counts().await.unwrap();
    assert_eq!((counts.events, counts.unrouted, counts.nonces), (0, 0, 0), "refused callbacks store nothing");
    assert!(ids(&env.pull(&token, 0).await).is_empty());

    // The genuine one is accepted once; the same request again is a replay; the same result
    // redelivered with a new nonce is answered success and adds nothing.
    let (status, answer) = post_callback(&env.http, &url, &good_headers, &good_body).await;
    assert_eq!(
        (status, answer["success"].as_bool(), answer["result"]["auditId"].as_str()),
        (200, Some(true), Some(audit.as_str())),
        "{answer}"
    );
    let (status, answer) = post_callback(&env.http, &url, &good_headers, &good_body).await;
    assert_eq!((status, answer["errorCode"].as_str()), (409, Some("NONCE_REPLAYED")), "{answer}");
    let (again_headers, again_body) = signed_callback(&env.sim, &body, &now_ms(), "abc999");
    let (status, answer) = post_callback(&env.http, &url, &again_headers, &again_body).await;
    assert_eq!((status, answer["success"].as_bool()), (200, Some(true)), "a redelivery is idempotent: {answer}");
    let page = env.pull(&token, 0).await;
    assert_eq!(ids(&page), ["PO-1"], "one event, not two");
    let counts = env.relay.db().counts().await.unwrap();
    assert_eq!((counts.events, counts.nonces), (1, 2));
    let metrics = env.metrics(&env.relay.base_url).await;
    for line in [
        r#"inbox_relay_callbacks_refused_total{reason="SIGN_ERROR"} 3"#,
        r#"inbox_relay_callbacks_refused_total{reason="NONCE_REPLAYED"} 1"#,
        r#"inbox_relay_callbacks_refused_total{reason="TIMESTAMP_EXPIRED"} 1"#,
        r#"inbox_relay_callbacks_accepted_total{kind="duplicate"} 1"#,
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
}

async fn an_accepted_callback_reaches_exactly_its_sender(backend: Backend) {
    let env = Env::new(backend).await;
    let e001 = env.user("E001", "张伟").await;
    let e002 = env.user("E002", "王建国").await;
    let e003 = env.user("E003", "李娜").await;
    env.send(&e001, &form("A-1", "E001")).await;
    env.send(&e002, &form("B-1", "E002")).await;

    let delivery = env.sim.decide("A-1", Verdict::Reject, Some("E005"), Some("预算不足")).await.unwrap();
    assert!(delivery.accepted, "{delivery:?}");
    assert_eq!(ids(&env.pull(&e001, 0).await), ["A-1"]);
    assert!(ids(&env.pull(&e002, 0).await).is_empty(), "E002 sees nothing of E001's");
    assert!(ids(&env.pull(&e003, 0).await).is_empty());
    let page = env.pull(&e001, 0).await;
    assert_eq!(
        (page["events"][0]["result"].as_str(), page["events"][0]["callback"]["remark"].as_str()),
        (Some("refuse"), Some("预算不足"))
    );

    env.sim.decide("B-1", Verdict::Pass, None, None).await.unwrap();
    assert_eq!(ids(&env.pull(&e002, 0).await), ["B-1"]);
    assert_eq!(ids(&env.pull(&e001, 0).await), ["A-1"]);

    // A result for an approval nobody sent through the relay (another client of the same app
    // key): accepted, so 则一 stops retrying, and delivered to nobody.
    let (headers, body) = signed_callback(
        &env.sim,
        &json!({"id": "ERP-7", "auditId": "a-erp-7", "type": "finish", "result": "agree"}),
        &now_ms(),
        "erp777",
    );
    let (status, answer) = post_callback(&env.http, &env.relay.callback_url(), &headers, &body).await;
    assert_eq!((status, answer["success"].as_bool()), (200, Some(true)), "{answer}");
    for t in [&e001, &e002, &e003] {
        assert!(!ids(&env.pull(t, 0).await).contains(&"ERP-7".to_string()));
    }
    assert_eq!(env.relay.db().counts().await.unwrap().unrouted, 1);
}

async fn a_long_poll_returns_when_an_event_arrives(backend: Backend) {
    let env = Env::new(backend).await;
    let token = env.user("E001", "张伟").await;
    env.send(&token, &form("LP-1", "E001")).await;
    let base = env.relay.base_url.clone();
    let (http, t) = (env.http.clone(), token.clone());
    let poll = tokio::spawn(async move {
        let resp = http.get(format!("{base}/v1/events?after=0&timeout=60")).bearer_auth(&t).send().await.unwrap();
        resp.json::<Value>().await.unwrap()
    });
    // Decide only once the poll is waiting (the gauge says so), so it is the wake-up that answers.
    wait_for_pull_clients(&env, &env.relay.base_url, 1).await;
    env.sim.decide("LP-1", Verdict::Pass, None, None).await.unwrap();
    let page = poll.await.unwrap();
    assert_eq!(ids(&page), ["LP-1"], "{page}");
    assert_eq!(page["next"], page["events"][0]["cursor"]);
}

/// Waits until `base` reports `n` waiting long-polls (a condition, not a time).
async fn wait_for_pull_clients(env: &Env, base: &str, n: u32) {
    let line = format!("inbox_relay_pull_clients {n}");
    for _ in 0..600 {
        if env.metrics(base).await.lines().any(|l| l == line) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the long-poll never started waiting: {}", env.metrics(base).await);
}

async fn cursors_deliver_at_least_once_and_never_to_another_user(backend: Backend) {
    let env = Env::new(backend).await;
    let e001 = env.user("E001", "张伟").await;
    let e002 = env.user("E002", "王建国").await;
    for id in ["C-1", "C-2", "C-3"] {
        env.send(&e001, &form(id, "E001")).await;
        env.sim.decide(id, Verdict::Pass, None, None).await.unwrap();
    }
    env.send(&e002, &form("D-1", "E002")).await;
    env.sim.decide("D-1", Verdict::Reject, None, None).await.unwrap();

    let page = |after: i64, limit: i64| {
        let (http, base, t) = (env.http.clone(), env.relay.base_url.clone(), e001.clone());
        async move {
            http.get(format!("{base}/v1/events?after={after}&limit={limit}"))
                .bearer_auth(t)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let first = page(0, 2).await;
    assert_eq!(ids(&first), ["C-1", "C-2"]);
    let next = first["next"].as_i64().unwrap();
    // A desktop that did not apply them (crashed, offline) asks from the same cursor again and
    // gets the same events, the same cursors: at least once.
    assert_eq!(page(0, 2).await, first);
    let rest = page(next, 100).await;
    assert_eq!(ids(&rest), ["C-3"]);
    let end = rest["next"].as_i64().unwrap();
    assert!(end > next);
    let empty = page(end, 100).await;
    assert!(ids(&empty).is_empty());
    assert_eq!(empty["next"].as_i64(), Some(end), "nothing new: the cursor stays");
    assert_eq!(ids(&env.pull(&e002, 0).await), ["D-1"], "E002's only");
    // A cursor past the end or garbage is answered plainly.
    let (status, answer) = env.pull_from(&env.relay.base_url, &e001, 1000, 0).await;
    assert_eq!((status, ids(&answer).len()), (200, 0));
    let resp =
        env.http.get(format!("{}/v1/events?after=abc", env.relay.base_url)).bearer_auth(&e001).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"]["code"], "BODY_INVALID");
}

async fn zeyi_failures_are_told_apart_from_its_answers(backend: Backend) {
    let env = Env::new(backend).await;
    let token = env.user("E001", "张伟").await;
    // 则一 carried the send out and its gateway lost the reply: 502 with 则一's status, so the
    // desktop reads it as it would directly (HTTP 502: outcome unknown, send again).
    env.sim.set_fault_times(Fault::LostReply, 1);
    let (status, answer) = env.send(&token, &form("F-1", "E001")).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str(), answer["error"]["upstreamStatus"].as_u64()),
        (502, Some("UPSTREAM_HTTP"), Some(502)),
        "{answer}"
    );
    let direct = client::envelope("audit/send", 502, answer["error"]["upstreamBody"].as_str().unwrap().as_bytes());
    assert!(matches!(direct, Err(VendorError::Http { status: 502, .. })), "{direct:?}");
    assert_eq!(env.sim.audits_with_id("F-1").len(), 1, "it landed");
    let (status, answer) = env.send(&token, &form("F-1", "E001")).await;
    assert!(
        matches!(as_desktop(status, &answer), Err(VendorError::Vendor { code, .. }) if code == "AUDIT_EXISTS"),
        "the resend finds it: {answer}"
    );

    // No answer in time: 504, outcome unknown. (Another relay: with its own storage, as a
    // SQLite file serves one relay process.)
    let place = Place::new(backend).await;
    let slow = start_relay_with(&env.sim, &env.sim_server.base_url, &place.storage, |c| {
        c.zeyi.as_mut().unwrap().timeout = std::time::Duration::from_millis(300)
    })
    .await;
    let token = inbox_relay::add_user(slow.db(), "E001", "张伟").await.unwrap().1;
    env.sim.set_fault_times(Fault::Slow, 1);
    let (status, answer) = env.post(&slow.base_url, "/v1/zeyi/send", Some(&token), &form("F-2", "E001")).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (504, Some("UPSTREAM_NO_REPLY")), "{answer}");
    slow.shutdown().await;
    // 则一 down: 502, nothing sent.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let down = start_relay_with(&env.sim, &format!("http://127.0.0.1:{port}"), &place.storage, |_| {}).await;
    let (status, answer) = env.post(&down.base_url, "/v1/zeyi/send", Some(&token), &form("F-3", "E001")).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (502, Some("UPSTREAM_UNREACHABLE")), "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("nothing was sent"), "{answer}");
    let metrics = env.metrics(&down.base_url).await;
    assert!(metrics.contains(r#"inbox_relay_relayed_calls_total{call="send",outcome="unreachable"} 1"#), "{metrics}");
}

async fn retention_removes_old_events_and_says_so(backend: Backend) {
    let env = Env::new(backend).await;
    let token = env.user("E001", "张伟").await;
    env.send(&token, &form("R-1", "E001")).await;
    env.sim.decide("R-1", Verdict::Pass, None, None).await.unwrap();
    let cursor = env.pull(&token, 0).await["next"].as_i64().unwrap();
    // Eight days later (the cutoffs as they would be then).
    let later = inbox_relay::now_ms() + 8 * 86_400_000;
    let week = 7 * 86_400_000;
    let pruned = env.relay.db().prune(later - week, later - 15 * 60_000, later - 400 * 86_400_000).await.unwrap();
    assert_eq!((pruned.events, pruned.nonces), (1, 1), "{pruned:?}");
    let page = env.pull(&token, 0).await;
    assert!(ids(&page).is_empty());
    assert_eq!(
        page["prunedThrough"].as_i64(),
        Some(cursor),
        "a desktop asking from before it learns that it missed events"
    );
    env.send(&token, &form("R-2", "E001")).await;
    env.sim.decide("R-2", Verdict::Pass, None, None).await.unwrap();
    let page = env.pull(&token, 0).await;
    assert!(page["events"][0]["cursor"].as_i64().unwrap() > cursor, "cursors never go back: {page}");
}

/// The rules hold in the database, not in one process: two connections (two pools, as two
/// instances have) storing at once.
async fn the_database_holds_nonces_results_and_cursors_unique(backend: Backend) {
    let place = Place::new(backend).await;
    let a = inbox_relay::db::Db::connect(&place.storage).await.unwrap();
    let b = inbox_relay::db::Db::connect(&place.storage).await.unwrap();
    let now = inbox_relay::now_ms();
    assert_eq!(a.claim("U-1", "E001", "purchase", now).await.unwrap(), inbox_relay::db::Claim::Mine);
    assert_eq!(b.claim("U-1", "E002", "purchase", now).await.unwrap(), inbox_relay::db::Claim::Others("E001".into()));
    let incoming = move |nonce: &'static str, result: &'static str| inbox_relay::db::Incoming {
        nonce,
        timestamp: now,
        business_id: "U-1",
        audit_id: "au-1",
        kind: "finish",
        result,
        body: "{}",
        now,
    };
    // The same nonce through both: stored once.
    let first = a.store_callback(&incoming("n00001", "agree")).await.unwrap();
    assert!(matches!(first, inbox_relay::db::Stored::New { ref username, .. } if username == "E001"), "{first:?}");
    assert_eq!(b.store_callback(&incoming("n00001", "agree")).await.unwrap(), inbox_relay::db::Stored::Replayed);
    // The same result under new nonces, all at once through both: never a second event.
    let mut tasks = Vec::new();
    for (i, nonce) in ["n00002", "n00003", "n00004", "n00005", "n00006", "n00007"].into_iter().enumerate() {
        let db = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move { db.store_callback(&incoming(nonce, "agree")).await.unwrap() }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), inbox_relay::db::Stored::Duplicate { username: "E001".into() });
    }
    // Different results at once through both: distinct cursors, all visible in order.
    let mut tasks = Vec::new();
    for (i, word) in ["w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7"].into_iter().enumerate() {
        let db = if i % 2 == 0 { a.clone() } else { b.clone() };
        let nonce: &'static str = ["m00000", "m00001", "m00002", "m00003", "m00004", "m00005", "m00006", "m00007"][i];
        tasks.push(tokio::spawn(async move { db.store_callback(&incoming(nonce, word)).await.unwrap() }));
    }
    let mut cursors = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            inbox_relay::db::Stored::New { cursor, .. } => cursors.push(cursor),
            other => panic!("{other:?}"),
        }
    }
    cursors.sort();
    cursors.dedup();
    assert_eq!(cursors.len(), 8, "{cursors:?}");
    let (rows, _) = b.events_after("E001", 0, 100).await.unwrap();
    assert_eq!(rows.len(), 9);
    assert!(rows.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(a.counts().await.unwrap().nonces, 15);
}

// ---- two instances on one PostgreSQL database ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_share_nonces_and_cursors() {
    let env = Env::new(Backend::Postgres).await;
    let other = env.another_relay().await;
    let e001 = env.user("E001", "张伟").await;
    let e002 = env.user("E002", "王建国").await;

    // Sent through A, decided, called back to A: pulled through B.
    env.send(&e001, &form("M-1", "E001")).await;
    env.sim.decide("M-1", Verdict::Pass, None, None).await.unwrap();
    let (status, page) = env.pull_from(&other.base_url, &e001, 0, 0).await;
    assert_eq!((status, ids(&page)), (200, vec!["M-1".to_string()]), "{page}");
    // The same request replayed to B: refused there too, nothing stored.
    let last = env.sim.deliveries().last().cloned().unwrap();
    let headers: Vec<(String, String)> = last.headers.iter().filter(|(k, _)| k != "Content-Type").cloned().collect();
    let (status, answer) = post_callback(&env.http, &other.callback_url(), &headers, &last.body).await;
    assert_eq!((status, answer["errorCode"].as_str()), (409, Some("NONCE_REPLAYED")), "{answer}");
    // A business id claimed through A is E001's in B too.
    let (status, answer) = env.post(&other.base_url, "/v1/zeyi/send", Some(&e002), &form("M-1", "E002")).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (403, Some("NOT_YOURS")), "{answer}");

    // A long-poll waiting on B wakes when A stores the event (PostgreSQL's notification).
    env.send(&e001, &form("M-2", "E001")).await;
    let cursor = page["next"].as_i64().unwrap();
    let (http, base, t) = (env.http.clone(), other.base_url.clone(), e001.clone());
    let poll = tokio::spawn(async move {
        http.get(format!("{base}/v1/events?after={cursor}&timeout=60"))
            .bearer_auth(t)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    });
    wait_for_pull_clients(&env, &other.base_url, 1).await;
    env.sim.decide("M-2", Verdict::Reject, None, None).await.unwrap();
    let page = poll.await.unwrap();
    assert_eq!(ids(&page), ["M-2"], "{page}");
    assert!(page["events"][0]["cursor"].as_i64().unwrap() > cursor);

    // Both instances take callbacks for the same user at once: every cursor is distinct and
    // a reader sees them in order, whichever instance it asks.
    let mut sent = Vec::new();
    for i in 0..6 {
        let id = format!("P-{i}");
        env.send(&e001, &form(&id, "E001")).await;
        sent.push(id);
    }
    // 则一 decides them all; their callbacks go to A and B alternately, all at once.
    let mut posts = Vec::new();
    for (i, id) in sent.iter().enumerate() {
        let audit =
            env.sim.with_state(|s| s.decide(id, Verdict::Pass, None, None, vendor_sim::zeyi::now_ms())).unwrap();
        let (headers, body) = signed_callback(&env.sim, &audit.callback_body(), &now_ms(), &format!("par{i:03}"));
        let url = if i % 2 == 0 { env.relay.callback_url() } else { other.callback_url() };
        let http = env.http.clone();
        posts.push(tokio::spawn(async move { post_callback(&http, &url, &headers, &body).await }));
    }
    for p in posts {
        let (status, answer) = p.await.unwrap();
        assert_eq!((status, answer["success"].as_bool()), (200, Some(true)), "{answer}");
    }
    let a = env.pull_from(&env.relay.base_url, &e001, 0, 0).await.1;
    let b = env.pull_from(&other.base_url, &e001, 0, 0).await.1;
    assert_eq!(a, b, "both instances answer alike");
    let cursors: Vec<i64> = a["events"].as_array().unwrap().iter().map(|e| e["cursor"].as_i64().unwrap()).collect();
    assert_eq!(cursors.len(), 8, "{a}");
    assert!(cursors.windows(2).all(|w| w[0] < w[1]), "increasing: {cursors:?}");
    other.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_on_one_sqlite_file_is_refused() {
    let env = Env::new(Backend::Sqlite).await;
    let mut config = inbox_relay::config::Config::new(
        env.place.storage.clone(),
        Some(zeyi_config(&env.sim, &env.sim_server.base_url)),
    );
    config.listen = "127.0.0.1:0".parse().unwrap();
    let e = inbox_relay::start(config).await.err().expect("refused").to_string();
    assert!(e.contains("another inbox-relay process serves") && e.contains("PostgreSQL"), "{e}");
    // Managing users beside the serving process works.
    inbox_relay::db::Db::connect(&env.place.storage).await.expect("user management opens the file beside the server");
}

// ---- the binary ----

const BIN: &str = env!("CARGO_BIN_EXE_inbox-relay");

/// Runs `inbox-relay` with `args`: status, stdout, stderr.
fn run(args: &[&str], envs: &[(&str, &str)]) -> (bool, String, String) {
    let out = std::process::Command::new(BIN)
        .args(args)
        .envs(envs.iter().copied())
        .env_remove("INBOX_RELAY_CONFIG")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

on_both!(the_binary_manages_users_and_serves);

async fn the_binary_manages_users_and_serves(backend: Backend) {
    let place = Place::new(backend).await;
    let storage: Vec<String> = match &place.storage {
        inbox_relay::config::Storage::Sqlite { data_dir } => vec!["--data-dir".into(), data_dir.display().to_string()],
        inbox_relay::config::Storage::Postgres { url } => vec!["--database-url".into(), url.clone()],
    };
    let with =
        |rest: &[&str]| -> Vec<String> { rest.iter().map(|s| s.to_string()).chain(storage.iter().cloned()).collect() };
    let call = |args: Vec<String>| run(&args.iter().map(String::as_str).collect::<Vec<_>>(), &[]);

    let (ok, token, err) = call(with(&["user", "add", "E001", "--name", "张伟"]));
    assert!(ok, "{err}");
    let token = token.trim().to_string();
    assert!(inbox_relay::tokens::parse(&token).is_some() && err.contains("shown this once"), "{token} / {err}");
    let (ok, _, err) = call(with(&["user", "add", "E001", "--name", "张伟"]));
    assert!(!ok && err.contains("already has a live token"), "{err}");
    let (ok, _, err) = call(with(&["user", "add", "E 1", "--name", "x"]));
    assert!(!ok && err.contains("工号"), "{err}");
    call(with(&["user", "add", "E002", "--name", "王建国"]));
    let (ok, list, _) = call(with(&["user", "list"]));
    assert!(
        ok && list.contains("E001") && list.contains("张伟") && list.contains("E002") && list.contains("live"),
        "{list}"
    );
    assert!(!list.contains(&token[5..]) && !list.contains("argon2"), "no token or hash in the list: {list}");

    // A configuration file holding secrets must be private.
    let sim = vendor_sim::zeyi::Sim::new(3, 0);
    let sim_server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let app = sim.app();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("relay.toml");
    let text = format!(
        "[zeyi]\nbase_url = \"{}\"\napp_key = \"{}\"\napp_secret = \"{}\"\ncallback_app_key = \"{}\"\ncallback_app_secret = \"{}\"\n",
        sim_server.base_url, app.app_key, app.app_secret, app.callback_app_key, app.callback_app_secret
    );
    std::fs::write(&file, text).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (ok, _, err) = call(with(&["serve", "--listen", "127.0.0.1:0", "--config", file.to_str().unwrap()]));
    assert!(!ok && err.contains("chmod 600"), "{err}");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();

    // Served as its own process: send through it, 则一 calls back, the desktop pulls.
    let args = with(&["serve", "--listen", "127.0.0.1:0", "--config", file.to_str().unwrap()]);
    let mut child = tokio::process::Command::new(BIN)
        .args(&args)
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stderr));
    let mut log = String::new();
    let base = loop {
        let line = lines.next_line().await.unwrap().unwrap_or_else(|| panic!("the relay exited: {log}"));
        log.push_str(&line);
        log.push('\n');
        if let Some(rest) = line.strip_prefix("inbox-relay: listening on ") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    let log_task = tokio::spawn(async move {
        let mut rest = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            rest.push_str(&line);
            rest.push('\n');
        }
        rest
    });
    sim.set_callback_url(Some(format!("{base}/tms-service-api/audit/callback")));
    let http = reqwest::Client::new();
    assert_eq!(http.get(format!("{base}/healthz")).send().await.unwrap().status(), 200);
    let (ok, _, err) = run(&["healthcheck", "--url", &format!("{base}/healthz")], &[]);
    assert!(ok, "the container's health check: {err}");
    let resp = http
        .post(format!("{base}/v1/zeyi/send"))
        .bearer_auth(&token)
        .json(&form("BIN-1", "E001"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let reply: Value = resp.json().await.unwrap();
    assert_eq!(reply["success"], true, "{reply}");
    sim.decide("BIN-1", Verdict::Pass, None, None).await.unwrap();
    let page: Value = http
        .get(format!("{base}/v1/events?after=0&timeout=30"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&page), ["BIN-1"]);
    // Revoked by the command while the server runs: refused at the next request.
    let (ok, _, err) = call(with(&["user", "revoke", "E001"]));
    assert!(ok, "{err}");
    let resp = http.get(format!("{base}/v1/events")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let metrics = http.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains("inbox_relay_callbacks_accepted_total") && metrics.contains("inbox_relay_pull_clients"),
        "{metrics}"
    );

    // SIGTERM stops it cleanly; its log never shows a secret or a token.
    let pid = child.id().unwrap() as i32;
    // SAFETY: signals our own child.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = child.wait().await.unwrap();
    assert!(status.success(), "{status}");
    let log = log + &log_task.await.unwrap();
    for secret in [&app.app_secret, &app.callback_app_secret, &token] {
        assert!(!log.contains(secret.as_str()), "a secret in the log: {log}");
    }
    assert!(log.contains("audit/send relayed") && log.contains("callback stored"), "{log}");
}
