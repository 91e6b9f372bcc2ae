//! A real tenant's yomicloud (`Sim::for_tenant(.., Tenant::Wild)`) through the service, over
//! real HTTP into a real SQLite file: every record the drive lists for the user is in the cache
//! (the one whose content is not JSON as a placeholder that says why), codes no document lists
//! are shown as the vendor sent them and offer nothing on a guess, and the odd todos can still
//! be decided.

mod support;
use inbox_core::{Action, Decision, FieldKind, Inbox, Service, Status, StepRule};
use std::collections::BTreeSet;
use vendor_sim::yomicloud::Sim;
use vendor_sim::Simulator;
use vendor_sim::Tenant;

/// What the drive lists for the demo user in each box, as remote ids.
fn expected(sim: &Sim) -> Vec<String> {
    let me = sim.demo_user().uid;
    let ids: BTreeSet<i64> =
        [sim.todo_ids_for(me), sim.submitted_ids_for(me), sim.processed_ids_for(me), sim.cc_ids_for(me)]
            .concat()
            .into_iter()
            .collect();
    ids.iter().map(i64::to_string).collect()
}

fn cached(service: &Service, account: i64, remote: i64) -> inbox_core::Approval {
    service
        .store()
        .approval_by_remote(account, &remote.to_string())
        .unwrap()
        .unwrap_or_else(|| panic!("approval {remote} is cached"))
}

#[tokio::test]
async fn a_wild_drive_syncs_every_record_and_shows_what_it_does_not_know() {
    let world = support::World::new(Sim::for_tenant(11, 60, Tenant::Wild), "云盘").await;
    let (sim, service, account) = (&world.sim, &world.service, world.account);
    let w = sim.wild_ids().expect("a wild drive");
    let me = sim.demo_user().uid;

    let (readable, placeholders) = support::assert_wild_sync(service, account, &expected(sim)).await;
    assert_eq!(placeholders, 1, "only the approval whose content is not JSON");
    assert!(readable > 20, "{readable}");
    let get = |remote| cached(service, account, remote);

    let broken = get(w.unreadable);
    let why = broken.remote.unreadable.clone().expect("a placeholder");
    assert_eq!(why.call, "view-approval");
    assert!(why.reason.contains("content"), "{why:?}");
    assert_eq!(broken.remote.boxes, vec![Inbox::Submitted], "in the box of the list that named it");

    let odd = get(w.odd_todo).remote;
    assert_eq!((odd.boxes.clone(), odd.actions.clone()), (vec![Inbox::Todo], vec![Action::Approve, Action::Reject]));
    let field = |a: &inbox_core::RemoteApproval, label: &str| {
        a.fields.iter().find(|f| f.label == label).map(|f| f.value.clone())
    };
    assert!(
        field(&odd, "发起人陈述").is_some_and(|n| n.len() >= 10_000 && n.contains('𪚥')),
        "the 10 kB statement is whole"
    );
    let folder_path = sim.with_state(|s| s.path_of(w.odd_folder));
    assert_eq!(field(&odd, "文件路径").as_deref(), Some(folder_path.as_str()));
    assert!(odd.title.contains('😀'), "{}", odd.title);
    assert_eq!(odd.attachments[0].name, "图片 😀𪚥 final(1).png");
    let transferred = odd.steps[0]
        .members
        .iter()
        .find(|m| m.decision == Decision::Other)
        .expect("the other approver's unknown result");
    assert_eq!((transferred.word.as_deref(), transferred.user.name.contains('𪚥')), (Some("3"), true));

    let rule5 = get(w.unknown_rule_todo).remote;
    assert_eq!(rule5.steps[0].rule, StepRule::Other { word: "5".into() });
    assert_eq!(
        (rule5.boxes.clone(), rule5.actions.len()),
        (vec![Inbox::Todo, Inbox::Cc], 2),
        "the vendor lists the step as the user's (and copies it to them)"
    );

    let seven = get(w.unknown_status).remote;
    assert_eq!(
        (seven.status, seven.status_word.as_deref(), seven.boxes.clone()),
        (Status::Other, Some("7"), vec![Inbox::Submitted])
    );
    assert!(seven.actions.is_empty(), "nothing offered on a guess");
    let long_path = sim.with_state(|s| s.path_of(w.long_named_file));
    assert_eq!(field(&seven, "文件路径").as_deref(), Some(long_path.as_str()));

    let archived = get(w.status_word).remote;
    assert_eq!(
        (archived.status, archived.status_word.as_deref(), archived.boxes.clone()),
        (Status::Other, Some("归档中"), vec![Inbox::Cc])
    );

    let sparse = get(w.sparse).remote;
    assert_eq!(
        (sparse.boxes.clone(), sparse.status, sparse.title.as_str()),
        (vec![Inbox::Processed], Status::Approved, "资料审批")
    );
    assert_eq!(sparse.submitter.name, "用户 7", "the creator is missing from userinfo");
    assert_eq!(field(&sparse, "projectCode").as_deref(), Some("P-2024-𠀀"));
    assert!(sparse.fields.iter().any(|f| f.label == "amount" && f.value == "1234.5" && f.kind == FieldKind::Number));
    assert!(field(&sparse, "contacts").is_some_and(|c| c.starts_with("王芳、欧阳")));
    assert!(field(&sparse, "remark").is_some_and(|r| r.len() >= 10_000));

    let typed = get(w.unknown_type).remote;
    assert_eq!(
        (typed.form_name.as_str(), typed.status, typed.boxes.clone()),
        ("审批类型 12", Status::Approved, vec![Inbox::Cc])
    );
    assert_eq!(typed.steps[0].decision, Decision::Other, "step result 4");

    // The odd todos can be decided: the vendor takes the decisions.
    service.act(get(w.odd_todo).id, Action::Approve, "同意 😀").await.unwrap();
    service.act(get(w.unknown_rule_todo).id, Action::Reject, &vendor_sim::wild::odd_text("不同意")).await.unwrap();
    assert_eq!(sim.approver_status2(w.odd_todo, me), Some(1));
    assert_eq!(sim.approver_status2(w.unknown_rule_todo, me), Some(2));
    assert_eq!(get(w.odd_todo).remote.boxes, vec![Inbox::Processed]);

    // And the next sync still holds every record.
    support::assert_wild_sync(service, account, &expected(sim)).await;
    assert!(get(w.unreadable).remote.unreadable.is_some(), "read again, still unreadable");
}
