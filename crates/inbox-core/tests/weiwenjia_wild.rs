//! A wild weiwenjia tenant (`Tenant::Wild`: unknown words and field types, odd value shapes,
//! missing fields, 10 kB and emoji texts, a few records the vendor will not show) synced into a
//! real cache over real HTTP: every record the vendor lists for the user is there, the odd
//! ones shown with the vendor's own words, the unreadable ones as placeholders saying why, and
//! the user's odd-but-readable todos can still be approved.

mod support;
use inbox_core::{Action, Approval, Decision, FieldKind, ListQuery, Status, StepRule};
use std::collections::BTreeSet;
use vendor_sim::weiwenjia::wild::Oddity;
use vendor_sim::weiwenjia::{Sim, Tenant};

type World = support::World<Sim>;

async fn wild_world(seed: u64, records: usize) -> World {
    World::new(Sim::for_tenant(seed, records, Tenant::Wild), "励销云（真实租户）").await
}

/// Every record the simulator lists for the demo user, in any of the three scopes.
fn listed_for_me(sim: &Sim) -> Vec<String> {
    let me = sim.demo_user().uid;
    let ids: BTreeSet<String> =
        sim.todo_for(me).into_iter().chain(sim.submitted_for(me)).chain(sim.processed_for(me)).collect();
    ids.into_iter().collect()
}

fn cached(w: &World, remote: &str) -> Approval {
    let page = w.service.list(&ListQuery { account_id: Some(w.account), limit: 500, ..Default::default() }).unwrap();
    let id = page.items.iter().find(|a| a.remote_id == remote).unwrap_or_else(|| panic!("{remote} is cached")).id;
    w.service.approval(id).unwrap()
}

fn with<'a>(w: &World, ids: &'a [String], odd: impl Fn(&Oddity) -> bool) -> Vec<&'a String> {
    ids.iter().filter(|id| w.sim.oddities(id).iter().any(&odd)).collect()
}

#[tokio::test]
async fn a_wild_tenant_syncs_every_record_shows_odd_words_verbatim_and_keeps_placeholders() {
    let w = wild_world(13, 120).await;
    let expected = listed_for_me(&w.sim);
    let (readable, placeholders) = support::assert_wild_sync(&w.service, w.account, &expected).await;
    let unreadable = with(&w, &expected, |o| matches!(o, Oddity::Refused | Oddity::Garbled));
    assert!(
        !unreadable.is_empty() && readable > 4 * unreadable.len(),
        "{readable} readable, {} unreadable",
        unreadable.len()
    );
    assert_eq!(placeholders, unreadable.len(), "exactly the records the vendor would not show are placeholders");
    for id in &unreadable {
        let why = cached(&w, id).remote.unreadable.unwrap_or_else(|| panic!("{id} is a placeholder"));
        assert!(why.call.contains("execute_records/detail"), "{why:?}");
        if w.sim.oddities(id).contains(&Oddity::Refused) {
            assert!(
                why.reason.contains("100100") && why.reason.contains("您没有权限查看该对象或该对象不存在。"),
                "{why:?}"
            );
        }
    }

    // Unknown statuses: shown as the vendor wrote them, nothing offered.
    let odd_status = with(&w, &expected, |o| matches!(o, Oddity::StatusWord(_)));
    assert!(!odd_status.is_empty());
    for id in odd_status {
        let a = cached(&w, id).remote;
        let Some(Oddity::StatusWord(word)) =
            w.sim.oddities(id).into_iter().find(|o| matches!(o, Oddity::StatusWord(_)))
        else {
            unreachable!()
        };
        assert_eq!(
            (a.status, a.status_word.as_deref(), a.actions.len()),
            (Status::Other, Some(word.as_str()), 0),
            "{id}"
        );
    }
    // Unknown node kinds and actions: steps keep the words.
    for id in with(&w, &expected, |o| matches!(o, Oddity::NodeWords { .. })) {
        let a = cached(&w, id).remote;
        assert!(
            a.steps.iter().any(|s| matches!(&s.rule, StepRule::Other { word } if word.contains("_node"))),
            "{id}: {:?}",
            a.steps
        );
    }
    let transfers = with(&w, &expected, |o| matches!(o, Oddity::ActionWord(_)));
    assert!(!transfers.is_empty());
    for id in transfers {
        let a = cached(&w, id).remote;
        let member = a
            .steps
            .iter()
            .flat_map(|s| &s.members)
            .find(|m| m.decision == Decision::Other && m.word.as_deref().is_some_and(|w| w.contains("_action")));
        assert!(member.is_some_and(|m| m.comment.as_deref().is_some_and(|c| c.contains('𪚥'))), "{id}: {:?}", a.steps);
    }
    // Missing list fields: still titled, with the submitter and time the flow shows.
    for id in with(&w, &expected, |o| *o == Oddity::ListGaps) {
        let a = cached(&w, id).remote;
        assert!(
            a.title.ends_with(id.rsplit(':').next().unwrap()) && a.submitted_at > 0 && !a.submitter.id.is_empty(),
            "{id}: {a:?}"
        );
    }
    // Field types no document names render by their value; odd values of known types too.
    let all: Vec<Approval> =
        expected.iter().map(|id| cached(&w, id)).filter(|a| a.remote.unreadable.is_none()).collect();
    let field = |label: &str| all.iter().flat_map(|a| &a.remote.fields).find(|f| f.label == label).cloned();
    assert_eq!(field("计算金额").map(|f| (f.value, f.kind)), Some(("1234.5".into(), FieldKind::Number)));
    assert!(field("项目成员").is_some_and(|f| f.value.starts_with("陈静、赵敏") && f.value.contains("𠀀")));
    assert_eq!(field("所属部门").map(|f| f.value), Some("华东销售一部".into()));
    assert_eq!(field("关联线索").map(|f| f.value), Some("上海微问家".into()));
    assert_eq!(
        field("外币金额").map(|f| (f.value, f.kind)),
        Some((r#"{"amount":1200,"currency":"USD"}"#.into(), FieldKind::Text))
    );
    assert_eq!(field("到期日").map(|f| f.value), Some("2024/04/09".into()));
    assert_eq!(field("无类型").map(|f| f.value), Some("没有 field_type 的字段".into()));
    assert!(field("no_label").is_some(), "a field without a label is named by its name");
    assert!(all.iter().any(|a| a.remote.fields.iter().any(|f| f.value.len() >= 10_000)), "a 10 kB text is kept whole");
    assert!(
        all.iter().any(|a| a.remote.title.contains("👨‍👩‍👧") && a.remote.title.contains('𪚥')),
        "odd characters survive"
    );
    assert!(
        all.iter().any(|a| a.remote.remote_id.starts_with("售后工单😀:")),
        "an aPaaS app's own name as entity type"
    );

    // The next sync of the same tenant changes nothing and still succeeds.
    let counts = w.service.box_counts().unwrap();
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!(w.service.box_counts().unwrap(), counts);
}

#[tokio::test]
async fn an_odd_but_readable_todo_is_approved_and_my_opinion_shows_without_the_details_opinion() {
    let w = wild_world(21, 96).await;
    let me = w.sim.demo_user().uid;
    support::assert_wild_sync(&w.service, w.account, &listed_for_me(&w.sim)).await;
    let todos = w.sim.todo_for(me);
    let actionable: Vec<&String> =
        todos.iter().filter(|id| cached(&w, id).remote.actions.contains(&Action::Approve)).collect();
    assert!(actionable.len() >= 2, "some todos stay actionable: {actionable:?} of {todos:?}");
    // One whose detail lacks the opinions (only the processed list's operate_comment has them).
    let target = actionable
        .iter()
        .find(|id| w.sim.oddities(id).contains(&Oddity::DetailGaps))
        .expect("a todo whose detail lacks opinions")
        .to_string();
    let local = cached(&w, &target).id;
    let comment = "同意 😀 𠀀";
    let done = w.service.act(local, Action::Approve, comment).await.unwrap();
    assert_eq!(w.sim.decisions_of(&target, me), [("pass", comment.to_string())]);
    assert!(done.remote.actions.is_empty());
    w.service.sync_account(w.account).await.unwrap();
    let after = cached(&w, &target).remote;
    assert!(after.boxes.contains(&inbox_core::Inbox::Processed), "{:?}", after.boxes);
    let mine = after
        .steps
        .iter()
        .flat_map(|s| &s.members)
        .find(|m| m.user.id == me.to_string() && m.decision == Decision::Approved)
        .unwrap_or_else(|| panic!("{:?}", after.steps));
    assert!(!after.raw["detail"]["execution_details"].to_string().contains("opinion"), "the detail carried no opinion");
    assert_eq!(mine.comment.as_deref(), Some(comment), "the processed list's operate_comment stands in for it");
}
