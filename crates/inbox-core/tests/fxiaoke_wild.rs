//! Issue 13 against a real fxiaoke tenant's data (`Tenant::Wild`) over real HTTP and a real
//! SQLite cache: the sync succeeds, every record of the demo user is cached (the two nobody
//! can read as placeholders saying why), and what our maps do not know is shown as the vendor
//! wrote it: status codes and words, task types and states, opinion actions, enum codes, custom
//! field types, names in rare characters; `null`s and missing fields change nothing.

mod support;
use inbox_core::{Action, Approval, Decision, FieldKind, Inbox, ListQuery, Service, Status, StepRule};
use vendor_sim::fxiaoke::Sim;
use vendor_sim::wild::{Tenant, ODD_CHARACTERS};

fn approval(service: &Service, remote: &str) -> Approval {
    let page = service.list(&ListQuery { limit: 500, ..Default::default() }).unwrap();
    let id = page
        .items
        .iter()
        .find(|a| a.remote_id == remote)
        .map(|a| a.id)
        .unwrap_or_else(|| panic!("{remote} in the cache"));
    service.approval(id).unwrap()
}

fn field(a: &Approval, label: &str) -> (String, FieldKind) {
    let f = a
        .remote
        .fields
        .iter()
        .find(|f| f.label == label)
        .unwrap_or_else(|| panic!("{label} in {:#?}", a.remote.fields));
    (f.value.clone(), f.kind)
}

/// The wild CRM instance `n`'s remote id.
fn crm(n: u32) -> String {
    format!("crm:77696c64{n:016x}")
}

#[tokio::test]
async fn a_wild_tenant_syncs_every_record_and_shows_what_it_does_not_know() {
    let w = support::World::new(Sim::for_tenant(7, 4, Tenant::Wild), "纷享 · 真实租户").await;
    let (sim, service, account) = (&w.sim, &w.service, w.account);
    let me = sim.demo_user().open_user_id;
    let (old, instances) = sim.records_of(&me);
    let expected: Vec<String> = old.into_iter().chain(instances.into_iter().map(|i| format!("crm:{i}"))).collect();
    assert!(
        expected.contains(&"79001".to_string()) && expected.contains(&crm(5)),
        "the wild records are the demo user's"
    );

    let (readable, placeholders) = support::assert_wild_sync(service, account, &expected).await;
    assert_eq!(placeholders, 2, "one record of each list cannot be read");
    assert_eq!(readable, expected.len() - 2);
    let lost = approval(service, "79007");
    assert!(
        lost.remote.unreadable.as_ref().unwrap().call.contains("/cgi/approval/get"),
        "{:?}",
        lost.remote.unreadable
    );
    let lost = approval(service, &crm(5));
    let why = lost.remote.unreadable.clone().unwrap();
    assert!(why.call.contains("approvalInstance/get") && why.reason.contains("instanceDetail"), "{why:?}");
    assert_eq!(lost.remote.boxes, vec![Inbox::Submitted], "the list row says I applied");

    // 协同审批: an unknown status code, task type, task state and member state, shown.
    let a = approval(service, "79001");
    assert_eq!((a.remote.status, a.remote.status_word.as_deref()), (Status::Other, Some("6")));
    assert!(a.remote.actions.is_empty());
    assert_eq!(a.remote.steps[0].rule, StepRule::Other { word: "vote".into() });
    assert!(a.remote.steps[0].name.contains("paused"), "{}", a.remote.steps[0].name);
    let member = &a.remote.steps[0].members[0];
    assert_eq!((member.decision, member.word.as_deref()), (Decision::Other, Some("transferred")));
    assert!(member.user.name.starts_with("欧阳𪚥") && member.user.name.contains(ODD_CHARACTERS), "{:?}", member.user);
    assert!(field(&a, "审批内容").0.len() >= 10_000, "a 10 kB text is kept whole");
    // An unknown approveType, flowType and form record shape.
    let a = approval(service, "79002");
    assert_eq!(
        (field(&a, "审批流程类型").0.as_str(), field(&a, "owner").0.as_str(), field(&a, "tags").0.as_str()),
        ("3", "刘洋", "紧急、𠀀")
    );
    assert!(a.remote.form_name.contains(ODD_CHARACTERS) && a.remote.boxes == vec![Inbox::Processed]);
    assert!(a.remote.submitter.name.starts_with("欧阳𪚥"));
    // Custom fields of types beyond the document's five, an attachment type 4, crmObject 999.
    let a = approval(service, "79003");
    assert_eq!(field(&a, "金额"), ("2555.00".into(), FieldKind::Number));
    assert_eq!(field(&a, "数量"), ("3".into(), FieldKind::Number));
    assert_eq!(field(&a, "经办人").0, "Kiki 🐱");
    assert_eq!(field(&a, "部门").0, "销售一部、𠀀部");
    let place = field(&a, "地点").0;
    assert!(
        place.starts_with(r#"{"address":"上海","#) && place.contains(r#""lat":31.23"#),
        "an object without a name, as JSON: {place}"
    );
    assert!(field(&a, "说明").0.len() >= 10_000);
    assert!(field(&a, "附件（4）").0.starts_with("现场录像.mp4"));
    assert_eq!(a.remote.attachments.len(), 1, "still downloadable");
    assert_eq!(field(&a, "关联999").0, "77696c64637573746f6d6572");
    // Unknown leaveType, travelType and vehicle codes; times that are not times.
    let a = approval(service, "79004");
    assert!(a.remote.boxes.contains(&Inbox::Todo), "{:?}", a.remote.boxes);
    assert_eq!(field(&a, "明细 1 · 请假类型").0, "42");
    assert_eq!(field(&a, "明细 1 · 开始时间"), ("明天上午".into(), FieldKind::Text));
    assert_eq!(field(&a, "明细 1 · 结束时间").1, FieldKind::Date);
    let a = approval(service, "79005");
    assert_eq!((field(&a, "行程 1 · 交通工具").0.as_str(), field(&a, "明细 1 · 类型").0.as_str()), ("8", "9"));
    assert_eq!(a.remote.status, Status::Cancelled);
    // Optional fields null or missing; a person with only a nickname.
    let a = approval(service, "79006");
    assert_eq!((a.remote.status, a.remote.boxes.clone()), (Status::Approved, vec![Inbox::Processed]));
    assert_eq!(a.remote.form_name, "报销单", "no form name: the approveType's");
    assert_eq!(a.remote.submitter.name, "Kiki 🐱");
    assert_eq!(field(&a, "报销金额"), ("86.50".into(), FieldKind::Money));

    // CRM: an unknown instance state and trigger.
    let c = approval(service, &crm(1));
    assert_eq!(
        (c.remote.status, c.remote.status_word.as_deref(), c.remote.actions.len()),
        (Status::Other, Some("suspended"), 0)
    );
    assert_eq!(field(&c, "触发操作").0, "Import");
    // The detail in the vendor's APL names, completed from the list row; addTag shown.
    let c = approval(service, &crm(2));
    assert_eq!(c.remote.boxes, vec![Inbox::Todo, Inbox::Processed]);
    assert_eq!(c.remote.actions, vec![Action::Approve, Action::Reject]);
    assert!(c.remote.title.contains(ODD_CHARACTERS), "the list row's name: {}", c.remote.title);
    assert!(c.remote.submitter.name.starts_with("欧阳𪚥"));
    assert_eq!(c.remote.steps[0].rule, StepRule::Other { word: "sequential".into() });
    let added = &c.remote.steps[0].members[0];
    assert_eq!(
        (added.decision, added.word.as_deref(), added.user.name.as_str()),
        (Decision::Other, Some("addTag"), "王芳")
    );
    assert_eq!(c.remote.steps[1].name, "第2审批节点", "APL's task name");
    // `instance` as JSON text; a `retrieve` with a 10 kB opinion and no reply time.
    let c = approval(service, &crm(3));
    assert_eq!((c.remote.status, c.remote.boxes.clone()), (Status::Approved, vec![Inbox::Processed]));
    let retrieved = &c.remote.steps[0].members[0];
    assert_eq!((retrieved.word.as_deref(), retrieved.decided_at), (Some("retrieve"), None));
    assert!(retrieved.comment.as_ref().unwrap().len() >= 10_000);
    assert_eq!(c.remote.steps[1].members[0].user.name, "Kiki 🐱");
    // Nulls in the row and the detail: still mine to cancel.
    let c = approval(service, &crm(4));
    assert_eq!((c.remote.boxes.clone(), c.remote.actions.clone()), (vec![Inbox::Submitted], vec![Action::Cancel]));
    assert_eq!(c.remote.title, vendor_sim::fxiaoke::seed::CRM_FLOWS[0].0, "no instance name: the flow's");

    // Names wherever the vendor has one, the wild ones included.
    let page = service.list(&ListQuery { account_id: Some(account), limit: 500, ..Default::default() }).unwrap();
    for s in page.items.iter().filter(|s| s.unreadable.is_none()) {
        let a = service.approval(s.id).unwrap();
        let people = std::iter::once(&a.remote.submitter)
            .chain(a.remote.steps.iter().flat_map(|s| s.members.iter().map(|m| &m.user)));
        for u in people {
            assert!(!u.name.contains("FSUID_"), "{} in {}", u.id, s.remote_id);
        }
    }

    // The next sync reads the unreadable ones again and still succeeds.
    let again = service.sync_account(account).await.unwrap();
    assert_eq!(again.unreadable, 2);
}
