//! A real 契约锁 tenant (`Tenant::Wild`): the private cloud's words in open-v2 replies, words no
//! edition publishes, null and missing fields, 10 kB and odd texts, documents with odd titles,
//! one detail that cannot be read at all, and extra fields in every reply. The sync must succeed
//! with every one of the employee's contracts in the cache (the unreadable one as a placeholder),
//! unknown words shown as the vendor wrote them, and the audits awaiting the employee still
//! readable and actionable — approve included, documents downloadable.

mod support;
use inbox_core::{Action, Decision, Inbox, ListQuery, Service, Status};
use vendor_sim::qiyuesuo::{wild, Sim};
use vendor_sim::Simulator;
use vendor_sim::Tenant;

async fn world() -> support::World<Sim> {
    support::World::new(Sim::for_tenant(23, 80, Tenant::Wild), "契约锁（真实租户）").await
}

fn local(service: &Service, remote: &str) -> i64 {
    let page = service.list(&ListQuery { limit: 500, ..Default::default() }).unwrap();
    page.items.iter().find(|a| a.remote_id == remote).unwrap_or_else(|| panic!("{remote} cached")).id
}

fn word(sim: &Sim, id: &str, pointer: &str) -> String {
    sim.detail_json(id)
        .unwrap()
        .pointer(pointer)
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("{pointer} of {id}"))
        .to_string()
}

#[tokio::test]
async fn a_wild_tenant_syncs_every_contract_of_the_employee_and_shows_what_it_cannot_read() {
    let w = world().await;
    let (sim, service, account) = (&w.sim, &w.service, w.account);
    let me = sim.demo_employee().contact;
    let expected = sim.user_ids_for(&me);
    let (readable, placeholders) = support::assert_wild_sync(service, account, &expected).await;
    assert_eq!(placeholders, 1, "only the detail whose signatories is a text cannot be read");
    assert!(readable >= expected.len() - 1);
    let record = |what: &str| sim.wild_record(what).unwrap_or_else(|| panic!("{what} seeded"));

    // The unreadable detail: a placeholder in the box its list item tells (I created it), why in words.
    let unreadable = service.approval(local(service, &record(wild::UNREADABLE_SUBMITTED))).unwrap().remote;
    let why = unreadable.unreadable.as_ref().expect("a placeholder");
    assert!(why.call.contains("contract/detail") && why.reason.contains("expected a list"), "{why:?}");
    assert_eq!((unreadable.boxes.clone(), unreadable.actions.len()), (vec![Inbox::Submitted], 0));

    // A contract status no edition publishes: shown verbatim, in todo (my audit runs), nothing offered.
    let id = record(wild::UNKNOWN_STATUS_TODO);
    let odd = service.approval(local(service, &id)).unwrap().remote;
    assert_eq!((odd.status, odd.status_word.clone()), (Status::Other, Some(word(sim, &id, "/status"))));
    assert_eq!((odd.boxes.clone(), odd.actions.clone()), (vec![Inbox::Todo], vec![]));
    let id = record(wild::UNKNOWN_STATUS_SUBMITTED);
    let odd = service.approval(local(service, &id)).unwrap().remote;
    assert_eq!(
        (odd.status, odd.status_word.clone(), odd.boxes.clone()),
        (Status::Other, Some(word(sim, &id, "/status")), vec![Inbox::Submitted])
    );
    assert_eq!(odd.form_name, "电子合同", "a null category name");

    // An action status no edition publishes: the step shows the word and decides nothing.
    let id = record(wild::UNKNOWN_STEP_SUBMITTED);
    let odd = service.approval(local(service, &id)).unwrap().remote;
    let shown =
        odd.steps.iter().flat_map(|s| &s.members).find(|m| m.decision == Decision::Other).and_then(|m| m.word.clone());
    assert_eq!(shown.as_deref(), Some(word(sim, &id, &current_status_pointer(sim, &id)).as_str()));
    assert!(
        odd.fields.iter().any(|f| f.label == "签署方" && f.value.contains("待签署")),
        "WAITING on a signatory is known"
    );

    // An audit I passed on a contract without creator, publish time or sponsor: processed.
    let bare = service.approval(local(service, &record(wild::BARE_PROCESSED))).unwrap().remote;
    assert_eq!((bare.boxes.clone(), bare.submitter.name.as_str()), (vec![Inbox::Processed], ""));
    assert_eq!(bare.attachments[0].name, "20250603.pdf", "a title written as a number");
    let detail = sim.detail_json(&record(wild::BARE_PROCESSED)).unwrap();
    let actions =
        detail["signatories"].as_array().unwrap().iter().map(|s| s["actions"].as_array().unwrap().len()).sum::<usize>();
    assert_eq!(bare.steps.len(), actions, "an action of an unknown type is a step like any other");
}

/// Where the current action's status sits in the contract's detail.
fn current_status_pointer(sim: &Sim, id: &str) -> String {
    sim.with_state(|s| {
        let (si, ai) = s.contracts[id].current_action().unwrap();
        format!("/signatories/{si}/actions/{ai}/status")
    })
}

#[tokio::test]
async fn odd_audits_awaiting_the_employee_stay_readable_actionable_and_their_documents_download() {
    let w = world().await;
    let (sim, dir, service, account) = (&w.sim, &w.dir, &w.service, w.account);
    let me = sim.demo_employee().contact;
    service.sync_account(account).await.unwrap();

    let long = sim.wild_record(wild::LONG_SUBJECT_TODO).unwrap();
    let a = service.approval(local(service, &long)).unwrap().remote;
    assert!(a.title.len() >= 10_000 && a.title.contains('𪚥'), "the 10 kB subject is kept whole");
    assert_eq!(
        (a.status, a.boxes.clone(), a.actions.clone()),
        (Status::Pending, vec![Inbox::Todo], vec![Action::Approve, Action::Reject])
    );
    assert!(
        !a.fields.iter().any(|f| f.label == "合同描述" || f.label == "合同编号"),
        "null description and sn are left out"
    );
    assert_eq!(a.form_name, "电子合同", "no category");
    let names: Vec<&str> = a.attachments.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names.len(), 3);
    assert!(names[0].starts_with("合同正文/第1版:终稿?") && names[0].ends_with(".pdf"), "{names:?}");
    assert_eq!(names[1], "附件<二>.PDF");
    assert!(names[2].starts_with("合同文档 ") && names[2].ends_with(".pdf"), "a null title: {names:?}");
    assert!(
        a.steps.iter().any(|s| s.name.ends_with("单位签章") && s.decision == Decision::Waiting),
        "WAITING is a known word"
    );
    let partner_status = word(sim, &long, "/signatories/1/status");
    assert!(
        a.fields.iter().any(|f| f.label == "签署方" && f.value.contains(&partner_status)),
        "an unknown signatory status shown as written"
    );

    // Every document downloads as a PDF, odd title or not.
    let local_id = local(service, &long);
    for d in &a.attachments {
        let path = service.download(local_id, &d.remote_id, dir.path()).await.unwrap();
        assert!(std::fs::read(&path).unwrap().starts_with(b"%PDF-"), "{}", d.name);
    }

    // The other odd todo: private-cloud words elsewhere, odd expiry and counts; still actionable.
    let private_words = sim.wild_record(wild::PRIVATE_WORDS_TODO).unwrap();
    let p = service.approval(local(service, &private_words)).unwrap().remote;
    assert_eq!(p.actions, vec![Action::Approve, Action::Reject]);
    assert!(p.fields.iter().any(|f| f.label == "签署截止" && f.value == "2025/06/30"), "an odd time shown as written");
    assert!(
        p.steps.iter().any(|s| s.name.ends_with("公司公章") && s.decision == Decision::Waiting),
        "CORPORATE + WAITING are known words"
    );

    // Approving the odd ones works as for a tidy one.
    let done = service.act(local_id, Action::Approve, "已阅，同意 😀").await.unwrap().remote;
    assert_eq!(sim.audit_of(&long, &me), Some((true, "已阅，同意 😀".into())));
    assert!(done.boxes.contains(&Inbox::Processed) && !done.boxes.contains(&Inbox::Todo), "{:?}", done.boxes);
    let refused = service.act(local(service, &private_words), Action::Reject, "附件缺页 𠀀").await.unwrap().remote;
    assert_eq!((refused.status, sim.contract_status(&private_words).as_deref()), (Status::Rejected, Some("REJECTED")));
}
