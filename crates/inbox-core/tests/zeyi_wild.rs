//! A real tenant's 则一 (`Tenant::Wild`) against the client, the callback listener and a real
//! cache, the way the app's demo mode runs it: the demo user's TMS sends its approvals, 则一's
//! timer decides them, and its callbacks (extra fields, `null` and missing fields, a result
//! word no document lists, 10 kB remarks, rare CJK) are all accepted. The sync succeeds and
//! keeps every approval; each shows what the callback said: approved or rejected where the
//! words are the document's, else the vendor's own word with nothing offered.

mod support;
use inbox_core::callback::Limits;
use inbox_core::connectors::zeyi;
use inbox_core::Status;
use serde_json::Value;
use std::time::Duration;
use vendor_sim::zeyi::{seed, Sim, Tenant};

#[tokio::test]
async fn a_wild_tenant_decides_by_its_demo_timer_and_every_odd_callback_is_kept_and_shown() {
    let w = support::ZeyiWorld::new(Sim::for_tenant(13, 30, Tenant::Wild), Limits::default(), |_| {}).await;
    let (sim, service, account) = (&w.sim, &w.service, w.account);
    sim.set_auto_decide(Some(Duration::from_millis(300)));

    // What the app's demo sends, plus two more, so every kind of odd callback occurs.
    let mut forms = seed::demo_forms();
    for n in 4..=5 {
        let mut f = forms[0].clone();
        f["id"] = format!("DEMO-WILD-{n:03}").into();
        forms.push(f);
    }
    let mut sent = vec![];
    for form in &forms {
        let submission = zeyi::submission_from_form(form).unwrap();
        sent.push(
            service
                .submit(account, &submission, inbox_core::Progress::ignore())
                .await
                .expect("a wild reply's extra fields are ignored"),
        );
    }
    for _ in 0..200 {
        if sim.deliveries().len() >= sent.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let deliveries = sim.deliveries();
    assert_eq!(deliveries.len(), sent.len(), "the demo timer decided every approval");
    assert!(deliveries.iter().all(|d| d.accepted), "every wild callback is accepted: {deliveries:?}");

    let remote_ids: Vec<String> = sent.iter().map(|a| a.remote.remote_id.clone()).collect();
    let (readable, placeholders) = support::assert_wild_sync(service, account, &remote_ids).await;
    assert_eq!(
        (readable, placeholders),
        (sent.len(), 0),
        "zeyi holds what it sent and was told: nothing to be unreadable"
    );

    let mut unknown_words = 0;
    for d in &deliveries {
        let body: Value = serde_json::from_str(&d.body).unwrap();
        let cached = service.store().approval_by_remote(account, &d.audit_id).unwrap().expect("cached");
        assert!(cached.remote.actions.is_empty(), "{}: decided, nothing to offer", d.audit_id);
        match body["result"].as_str() {
            Some("agree") => {
                assert_eq!((cached.remote.status, cached.remote.status_word.as_deref()), (Status::Approved, None))
            }
            Some(word) => {
                unknown_words += 1;
                assert_eq!(
                    (cached.remote.status, cached.remote.status_word.as_deref()),
                    (Status::Other, Some(word)),
                    "shown verbatim"
                );
                assert_eq!(cached.remote.steps[0].members.first().and_then(|m| m.word.as_deref()), Some(word));
            }
            None => panic!("a finish callback without result: {body}"),
        }
        if let Some(remark) = body["remark"].as_str() {
            assert_eq!(
                cached.remote.steps[0].members[0].comment.as_deref(),
                Some(remark),
                "the remark as sent, however long"
            );
        }
        if body["auditUser"].as_str().is_some_and(|u| u.contains('𪚥')) {
            assert!(cached.remote.steps[0].members[0].user.name.contains('𪚥'));
        }
    }
    assert!(unknown_words >= 1, "the wild tenant sent a result word no document lists");
    assert!(deliveries.iter().any(|d| d.body.contains("\"auditUser\":null")), "and an optional field as null");
}
