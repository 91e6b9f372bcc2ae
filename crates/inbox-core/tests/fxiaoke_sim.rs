//! The fxiaoke connector and the service against the fxiaoke simulator over real HTTP and a
//! real SQLite file: every box, details with typed fields, CRM approve / reject / cancel with
//! the simulator's state changing, paging, the openUserId looked up by mobile, a token that
//! expires mid-sync (20016 → refresh → retry), the vendor's error codes in words, the
//! failures that must leave the cache as it was, people shown by name (each looked up once),
//! and approvals on the edges of the 180-day windows listed exactly once.

mod support;
use inbox_core::connectors::fxiaoke::{auth::Credentials, client::Client};
use inbox_core::{Action, Error, FieldKind, Inbox, ListQuery, Service, Status, VendorError};
use std::collections::BTreeSet;
use support::add_demo as add;
use vendor_sim::common::Fault;
use vendor_sim::fxiaoke::Sim;
use vendor_sim::Simulator;

type World = support::World<Sim>;

async fn world() -> World {
    World::new(Sim::new(11, 16), "纷享").await
}

fn in_box(service: &Service, inbox: Inbox) -> BTreeSet<String> {
    let page = service.list(&ListQuery { inbox: Some(inbox), limit: 500, ..Default::default() }).unwrap();
    page.items.iter().map(|a| a.remote_id.clone()).collect()
}

/// What the simulator says the demo user's box holds, in the client's remote ids.
fn expected(sim: &Sim, inbox: Inbox) -> BTreeSet<String> {
    let me = sim.demo_user().open_user_id;
    let (old, crm) = (sim.old_boxes_for(&me), sim.crm_boxes_for(&me));
    let pick = |b: &vendor_sim::fxiaoke::Boxes| match inbox {
        Inbox::Todo => b.todo.clone(),
        Inbox::Submitted => b.submitted.clone(),
        _ => b.processed.clone(),
    };
    pick(&old).into_iter().chain(pick(&crm).into_iter().map(|i| format!("crm:{i}"))).collect()
}

fn local_id(service: &Service, remote: &str) -> i64 {
    let page = service.list(&ListQuery { limit: 500, ..Default::default() }).unwrap();
    page.items.iter().find(|a| a.remote_id == remote).map(|a| a.id).expect("approval in cache")
}

fn client(w: &World, secret: Option<&str>) -> Client {
    let (app_id, real, code, _) = w.sim.app();
    Client::new(&w.base_url, Credentials::new(&app_id, secret.unwrap_or(&real), &code)).unwrap()
}

#[tokio::test]
async fn sync_fills_every_box_exactly_as_the_simulator_has_them() {
    let w = world().await;
    let report = w.service.sync_account(w.account).await.unwrap();
    assert!(report.fetched > 0);
    for b in [Inbox::Todo, Inbox::Submitted, Inbox::Processed] {
        assert_eq!(in_box(&w.service, b), expected(&w.sim, b), "box {b}");
        assert!(in_box(&w.service, b).iter().any(|id| id.starts_with("crm:")), "CRM items in {b}");
        assert!(in_box(&w.service, b).iter().any(|id| !id.starts_with("crm:")), "协同审批 items in {b}");
    }
    assert!(in_box(&w.service, Inbox::Cc).is_empty());
    let counts = w.service.box_counts().unwrap();
    let account = w.service.account(&w.account.to_string()).unwrap();
    assert!(account.sync.last_success.is_some() && account.sync.last_error.is_none());
    // A second sync changes nothing and reads finished items from the connector's memory.
    let gets = w.sim.calls("/cgi/approval/get");
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!(w.service.box_counts().unwrap(), counts);
    let pending = w.sim.with_state(|s| s.approvals.values().filter(|a| a.status == 1).count());
    assert!(w.sim.calls("/cgi/approval/get") - gets <= pending, "finished approvals are not read again");
    assert_eq!(w.sim.tokens_issued(), 1, "the token is cached between syncs");
}

#[tokio::test]
async fn details_have_typed_fields_sanitised_tables_and_downloadable_files() {
    let w = world().await;
    w.service.sync_account(w.account).await.unwrap();
    let page = w.service.list(&ListQuery { limit: 500, ..Default::default() }).unwrap();
    let all: Vec<_> = page.items.iter().map(|s| w.service.approval(s.id).unwrap()).collect();
    let fields: Vec<_> = all.iter().flat_map(|a| a.remote.fields.clone()).collect();
    assert!(fields.iter().any(|f| f.kind == FieldKind::Money && f.value.contains('.')));
    assert!(fields.iter().filter(|f| f.kind == FieldKind::Date).all(|f| f.value.parse::<i64>().is_ok()));
    let tables: Vec<_> = fields.iter().filter(|f| f.kind == FieldKind::Table).collect();
    assert!(!tables.is_empty(), "the demo user sees a table");
    assert!(tables.iter().all(|t| !t.value.contains("<script") && !t.value.contains("onclick")));
    assert!(all.iter().flat_map(|a| &a.remote.steps).any(|s| s.members.iter().any(|m| m.comment.is_some())));
    let with_file = all.iter().find(|a| !a.remote.attachments.is_empty()).expect("an approval with a file");
    let file = &with_file.remote.attachments[0];
    let dir = tempfile::tempdir().unwrap();
    let path = w.service.download(with_file.id, &file.remote_id, dir.path()).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), w.sim.media_bytes(&file.remote_id).unwrap());
    assert!(path.file_name().unwrap().to_string_lossy().contains(&file.name) || !file.name.is_empty());
    let e = w.service.download(with_file.id, "no-such-media", dir.path()).await.unwrap_err().to_string();
    assert!(e.contains("/media/download") && e.contains("15002"), "{e}");
}

#[tokio::test]
async fn an_approval_without_a_comment_carries_the_opinion_fxiaoke_requires() {
    let w = world().await;
    let me = w.sim.demo_user().open_user_id;
    w.service.sync_account(w.account).await.unwrap();
    let todo = w.sim.crm_boxes_for(&me).todo;
    let approved = w.service.act(local_id(&w.service, &format!("crm:{}", todo[0])), Action::Approve, "").await.unwrap();
    assert!(!w.sim.crm_boxes_for(&me).todo.contains(&todo[0]));
    assert!(approved.remote.steps.iter().flat_map(|s| &s.members).any(|m| m.comment.as_deref() == Some("同意")));
}

#[tokio::test]
async fn crm_approve_reject_and_cancel_reach_the_vendor() {
    let w = world().await;
    let me = w.sim.demo_user().open_user_id;
    w.service.sync_account(w.account).await.unwrap();
    let todo = w.sim.crm_boxes_for(&me).todo;
    assert!(todo.len() >= 2, "the demo user can act on several CRM items now");

    let first = local_id(&w.service, &format!("crm:{}", todo[0]));
    assert_eq!(w.service.approval(first).unwrap().remote.actions, vec![Action::Approve, Action::Reject]);
    let approved = w.service.act(first, Action::Approve, "同意，价格合理").await.unwrap();
    assert!(!w.sim.crm_boxes_for(&me).todo.contains(&todo[0]));
    assert!(approved.remote.boxes.contains(&Inbox::Processed) && !approved.remote.boxes.contains(&Inbox::Todo));
    assert!(approved
        .remote
        .steps
        .iter()
        .flat_map(|s| &s.members)
        .any(|m| m.comment.as_deref() == Some("同意，价格合理")));

    let second = local_id(&w.service, &format!("crm:{}", todo[1]));
    assert!(matches!(w.service.act(second, Action::Reject, " ").await.unwrap_err(), Error::Invalid(_)));
    let rejected = w.service.act(second, Action::Reject, "价格低于底价").await.unwrap();
    assert_eq!(w.sim.crm_state(&todo[1]).as_deref(), Some("reject"));
    assert_eq!(rejected.remote.status, Status::Rejected);

    let mine = w
        .sim
        .crm_boxes_for(&me)
        .submitted
        .into_iter()
        .find(|i| w.sim.crm_state(i).as_deref() == Some("in_progress"))
        .unwrap();
    let local = local_id(&w.service, &format!("crm:{mine}"));
    assert!(w.service.approval(local).unwrap().remote.actions.contains(&Action::Cancel));
    let cancelled = w.service.act(local, Action::Cancel, "信息有误，撤回").await.unwrap();
    assert_eq!(w.sim.crm_state(&mine).as_deref(), Some("cancel"));
    assert_eq!(cancelled.remote.status, Status::Cancelled);
    assert!(cancelled.remote.actions.is_empty());

    // 协同审批 items are read-only: refused before anything is sent.
    let old = w.sim.old_boxes_for(&me).todo[0].clone();
    let e = w.service.act(local_id(&w.service, &old), Action::Approve, "").await.unwrap_err().to_string();
    assert!(e.contains("纷享") && e.contains("approve"), "{e}");
    // After the next sync the boxes still match the simulator.
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!(in_box(&w.service, Inbox::Todo), expected(&w.sim, Inbox::Todo));
}

#[tokio::test]
async fn a_token_expiring_mid_sync_is_refreshed_once_and_the_call_retried() {
    let w = world().await;
    w.service.sync_account(w.account).await.unwrap();
    let counts = w.service.box_counts().unwrap();
    w.sim.expire_tokens_after_calls(4);
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!(w.sim.tokens_issued(), 2, "one refresh");
    assert_eq!(w.service.box_counts().unwrap(), counts);
    // A token that dies as soon as it is issued: refreshed once, then the error is reported.
    w.sim.set_token_lifetime(std::time::Duration::ZERO);
    w.sim.expire_tokens();
    let e = client(&w, None).approval_type_forms().await.unwrap_err();
    assert!(matches!(e, VendorError::Auth { ref code, .. } if code == "20016"), "{e}");
    assert!(e.to_string().contains("corpAccessToken 无效或已过期"), "{e}");
}

#[tokio::test]
async fn the_user_can_be_found_by_mobile_and_pages_are_walked() {
    let w = world().await;
    let mut demo = w.sim.demo_account(&w.base_url);
    demo.settings.remove("open_user_id");
    demo.settings.insert("mobile".into(), w.sim.demo_user().mobile.into());
    demo.settings.insert("page_size".into(), "3".into());
    let by_mobile = add(&w.service, "手机号", &demo);
    w.service.sync_account(by_mobile).await.unwrap();
    let todo = w.service.list(&ListQuery { inbox: Some(Inbox::Todo), limit: 500, ..Default::default() }).unwrap();
    let ids: BTreeSet<String> =
        todo.items.iter().filter(|a| a.account_id == by_mobile).map(|a| a.remote_id.clone()).collect();
    assert_eq!(ids, expected(&w.sim, Inbox::Todo));
    assert!(w.sim.calls("/cgi/approval/query") > 3, "more than one page per window");
    assert_eq!(w.sim.calls("/cgi/user/getByMobile"), 1);

    demo.settings.insert("mobile".into(), "10000000000".into());
    let nobody = add(&w.service, "无此人", &demo);
    let e = w.service.sync_account(nobody).await.unwrap_err().to_string();
    assert!(e.contains("无此人") && e.contains("10000000000"), "{e}");
}

#[tokio::test]
async fn vendor_error_codes_are_shown_in_words() {
    let w = world().await;
    let c = client(&w, None);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let e = c.approval_query(now - 181 * 86_400_000, now, 1, 10).await.unwrap_err().to_string();
    assert!(e.contains("/cgi/approval/query") && e.contains("15002") && e.contains("参数不合法"), "{e}");
    let e = c.approval_query(now - 86_400_000, now, 1, 1001).await.unwrap_err().to_string();
    assert!(e.contains("15002"), "{e}");
    let e = client(&w, Some("wrong-secret")).approval_type_forms().await.unwrap_err();
    assert!(matches!(e, VendorError::Auth { ref code, .. } if code == "20002"), "{e}");
    assert!(!e.to_string().contains("wrong-secret"));
    w.sim.set_rate_limit(2);
    let fresh = client(&w, None);
    let mut last = Ok(());
    for _ in 0..3 {
        last = fresh.approval_type_forms().await.map(drop);
    }
    let e = last.unwrap_err().to_string();
    assert!(e.contains("20050") && e.contains("调用过于频繁"), "{e}");
    let me = w.sim.demo_user().open_user_id;
    let done = w.sim.crm_boxes_for(&me).processed[0].clone();
    let (detail, _) = c.crm_instance_get(&me, &done).await.unwrap();
    let task = &detail.instance_detail.tasks[0].id;
    let e = c.crm_task_action(&me, task, "agree", "再次同意").await.unwrap_err().to_string();
    assert!(e.contains("30001") && e.contains("当前状态不允许"), "{e}");
}

#[tokio::test]
async fn failures_are_reported_per_account_and_leave_the_cache_as_it_was() {
    let w = world().await;
    w.service.sync_account(w.account).await.unwrap();
    let before = w.service.list(&ListQuery { limit: 500, ..Default::default() }).unwrap().items;
    let counts = w.service.box_counts().unwrap();

    w.sim.set_fault(Some(Fault::MalformedJson));
    let e = w.service.sync_account(w.account).await.unwrap_err().to_string();
    assert!(e.contains("纷享") && e.contains("malformed"), "{e}");
    assert!(w.service.account(&w.account.to_string()).unwrap().sync.last_error.unwrap().contains("malformed"));
    assert_eq!(w.service.list(&ListQuery { limit: 500, ..Default::default() }).unwrap().items, before);
    w.sim.set_fault(Some(Fault::ServerError));
    let e = w.service.sync_account(w.account).await.unwrap_err().to_string();
    assert!(e.contains("HTTP 500"), "{e}");
    w.sim.set_fault(None);

    let mut bad = w.sim.demo_account(&w.base_url);
    bad.secrets.insert("app_secret".into(), "not-the-secret".into());
    let bad_id = add(&w.service, "错误密钥", &bad);
    let e = w.service.sync_account(bad_id).await.unwrap_err().to_string();
    assert!(e.contains("错误密钥") && e.contains("credentials") && e.contains("20002"), "{e}");
    assert!(!e.contains("not-the-secret"));

    let gone = add(&w.service, "不可达", &w.sim.demo_account("http://127.0.0.1:9"));
    let e = w.service.sync_account(gone).await.unwrap_err().to_string();
    assert!(e.contains("不可达") && e.contains("cannot reach"), "{e}");

    assert_eq!(w.service.box_counts().unwrap(), counts);
    let ok = w.service.test_account(w.account).await.unwrap();
    assert!(ok.contains("连接成功") && ok.contains("王芳"), "the user by name: {ok}");
}

/// Single flight: many calls at once, with no token and again after the vendor expired it,
/// make one token request each time; the others wait for it and use it.
#[tokio::test]
async fn concurrent_calls_share_one_token_fetch_and_one_refresh() {
    let w = world().await;
    let c = client(&w, None);
    let mobile = w.sim.demo_user().mobile;
    let burst = || futures::future::join_all((0..8).map(|_| c.user_by_mobile(&mobile)));
    let before = w.sim.tokens_issued();
    assert!(burst().await.iter().all(Result::is_ok));
    assert_eq!(w.sim.tokens_issued() - before, 1, "eight callers, one token request");
    w.sim.expire_tokens();
    let answers = burst().await;
    assert!(answers.iter().all(Result::is_ok), "each call was refused once (20016) and retried: {answers:?}");
    assert_eq!(w.sim.tokens_issued() - before, 2, "eight refused callers, one refresh");
}

/// Each endpoint has its own rate limit, so the 协同 and CRM lists are walked side by side: the
/// first page of a walk already holds approvals of both, with the vendor's count of each.
#[tokio::test]
async fn the_two_lists_are_walked_side_by_side() {
    use inbox_core::connector::Connector;
    use inbox_core::connectors::fxiaoke::FxConnector;
    let w = world().await;
    let account = w.service.account(&w.account.to_string()).unwrap();
    let demo = w.sim.demo_account(&w.base_url);
    let connector = FxConnector::new(&account, &inbox_core::secrets::Secrets(demo.secrets)).unwrap();
    let source = connector.sources().remove(0);
    let page = connector.list(&source, None).await.unwrap();
    let ids: Vec<&str> = page.items.iter().map(|a| a.remote_id.as_str()).collect();
    assert!(ids.iter().any(|id| id.starts_with("crm:")), "a CRM approval on the first page: {ids:?}");
    assert!(ids.iter().any(|id| !id.starts_with("crm:")), "a 协同 approval on the first page: {ids:?}");
    // Interleaved, so the sync's concurrent reads fall under both endpoints' limits at once.
    assert!(
        ids[..2].iter().any(|id| id.starts_with("crm:")) && ids[..2].iter().any(|id| !id.starts_with("crm:")),
        "{ids:?}"
    );
    let counted: Vec<&str> = page.totals.iter().map(|t| t.of.as_str()).collect();
    assert_eq!(counted.len(), 2, "one count per list: {counted:?}");
    assert_eq!((w.sim.calls("/cgi/approval/query"), w.sim.calls("/cgi/crm/approvalInstances/query")), (1, 1));
    assert!(page.next.is_some(), "more windows to walk");
}

/// Issue 7: a sync with nothing new reads only the top of each window (one list call per window
/// and CRM flow, one read of each 协同 window's top), and still sees every change: an approver
/// changed in fxiaoke's console, even twice on the approval that already heads its window (only
/// its update time moves), and a CRM decision made by another approver.
#[tokio::test]
async fn a_sync_with_nothing_new_reads_the_tops_of_the_windows_and_changes_still_show() {
    const QUERY: &str = "/cgi/approval/query";
    const GET: &str = "/cgi/approval/get";
    const CRM_QUERY: &str = "/cgi/crm/approvalInstances/query";
    const CRM_GET: &str = "/cgi/crm/approvalInstance/get";
    let w = world().await;
    let me = w.sim.demo_user().open_user_id;
    let calls = || [QUERY, GET, CRM_QUERY, CRM_GET].map(|p| w.sim.calls(p));
    let boxes_match = || {
        for inbox in [Inbox::Todo, Inbox::Submitted, Inbox::Processed] {
            assert_eq!(in_box(&w.service, inbox), expected(&w.sim, inbox), "{inbox:?}");
        }
    };
    w.service.sync_account(w.account).await.unwrap();
    let before = calls();
    w.service.sync_account(w.account).await.unwrap();
    let delta = |before: [usize; 4]| {
        let now = calls();
        [0, 1, 2, 3].map(|i| now[i] - before[i])
    };
    // 365 days of history = three windows; three CRM flows.
    let d = delta(before);
    assert_eq!((d[0], d[2], d[3]), (3, 9, 0), "one call per window and flow: {d:?}");
    assert!(d[1] <= 3, "at most one read per 协同 window: {d:?}");
    boxes_match();

    // Someone else's step is handed to the demo user: that approval now heads its window.
    let theirs = w.sim.with_state(|s| {
        let a = s
            .approvals
            .values_mut()
            .find(|a| {
                a.status == 1 && a.sender != me && a.tasks.iter().all(|t| t.members.iter().all(|(m, _)| *m != me))
            })
            .unwrap();
        a.change_approver(&me, vendor_sim::common::now_secs() + 60);
        a.id
    });
    w.service.sync_account(w.account).await.unwrap();
    assert!(in_box(&w.service, Inbox::Todo).contains(&theirs.to_string()));
    boxes_match();
    // Handed on again: still pending and still the top, so only its update time shows it.
    w.sim.with_state(|s| {
        s.approvals
            .get_mut(&theirs)
            .unwrap()
            .change_approver("FSUID_SOMEONE_ELSE", vendor_sim::common::now_secs() + 120)
    });
    w.service.sync_account(w.account).await.unwrap();
    assert!(!in_box(&w.service, Inbox::Todo).contains(&theirs.to_string()));
    boxes_match();

    // Another approver agrees to a CRM flow the demo user applied for.
    let applied = w.sim.with_state(|s| {
        let i = s.crm.values_mut().find(|i| i.applicant == me && i.state == "in_progress").unwrap();
        let (task, who) = i
            .tasks
            .iter()
            .enumerate()
            .find(|(_, t)| t.state == "in_progress")
            .map(|(n, t)| (n, t.un_complete[0].clone()))
            .unwrap();
        i.decide(task, &who, true, "同意", vendor_sim::common::now_secs() * 1000 + 180_000).unwrap();
        i.instance_id.clone()
    });
    let before = calls();
    w.service.sync_account(w.account).await.unwrap();
    assert!(delta(before)[2] > 9, "the CRM list was walked");
    let local = w.service.approval(local_id(&w.service, &format!("crm:{applied}"))).unwrap();
    assert_eq!(Some(local.remote.steps.len()), w.sim.with_state(|s| s.crm.get(&applied).map(|i| i.tasks.len())));
    boxes_match();
    let moved = w.service.approval(local_id(&w.service, &format!("crm:{applied}"))).unwrap();
    assert!(
        moved.remote.steps.iter().flat_map(|s| &s.members).any(|m| m.comment.as_deref() == Some("同意")),
        "the other approver's opinion is there"
    );
}

/// Issue 13: people are shown by name, never as `FSUID_…` where the vendor has a name: one
/// company list (`user/simpleList`) for the walk, `user/get` only for whom it lacks (someone who
/// left), each id asked once; a person the vendor does not know is shown by id.
#[tokio::test]
async fn people_are_shown_by_name_and_each_is_looked_up_once() {
    const LIST: &str = "/cgi/user/simpleList";
    const GET: &str = "/cgi/user/get";
    let w = world().await;
    w.service.sync_account(w.account).await.unwrap();
    let employees = w.sim.with_state(|s| s.employees.clone());
    let shown = |id: &str| {
        employees.iter().find(|e| e.open_user_id == id).map(|e| {
            if e.is_stop {
                format!("{}（已停用）", e.name)
            } else {
                e.name.clone()
            }
        })
    };
    let page = w.service.list(&ListQuery { limit: 500, ..Default::default() }).unwrap();
    let all: Vec<_> = page.items.iter().map(|s| w.service.approval(s.id).unwrap()).collect();
    let mut people = 0;
    for a in &all {
        let members = a.remote.steps.iter().flat_map(|s| &s.members).map(|m| &m.user);
        for u in std::iter::once(&a.remote.submitter).chain(members) {
            people += 1;
            assert_eq!(Some(u.name.clone()), shown(&u.id), "{} in {}", u.id, a.remote.remote_id);
            assert!(!u.name.contains("FSUID_"), "{u:?}");
        }
        for f in a.remote.fields.iter().filter(|f| f.kind == FieldKind::User) {
            assert!(!f.value.contains("FSUID_") && !f.value.is_empty(), "{f:?}");
        }
    }
    assert!(people > 20, "{people} people checked");
    assert!(page.items.iter().all(|s| !s.submitter.name.contains("FSUID_")), "the list shows names too");
    assert!(all.iter().any(|a| a.remote.submitter.name == "郑离（已停用）"), "who left is named by user/get");
    assert!(
        all.iter().any(|a| a.remote.fields.iter().any(|f| f.kind == FieldKind::User)),
        "person fields were checked"
    );
    assert_eq!((w.sim.calls(LIST), w.sim.calls(GET)), (1, 1), "one company list; user/get only for who left");

    // The names are the cache's: a sync with nothing new asks nobody, and neither does a walk
    // that meets only people already named.
    w.service.sync_account(w.account).await.unwrap();
    w.sim.with_state(|s| s.arrive());
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!((w.sim.calls(LIST), w.sim.calls(GET)), (1, 1));

    // Someone the company never had sends an approval: asked once, shown by id, not asked again.
    let me = w.sim.demo_user().open_user_id;
    let bump = |sender: Option<&str>, secs: i64| {
        w.sim.with_state(|s| {
            let a = s
                .approvals
                .values_mut()
                .filter(|a| {
                    a.status == 1
                        && a.current_task()
                            .is_some_and(|t| t.members.iter().any(|(m, st)| *m == me && *st == "in_progress"))
                })
                .max_by_key(|a| a.id)
                .unwrap();
            if let Some(sender) = sender {
                a.sender = sender.to_string();
            }
            a.last_update_time = vendor_sim::common::now_secs() + secs;
            a.id
        })
    };
    let id = bump(Some("FSUID_NOBODY0000000000000000000000"), 60);
    w.service.sync_account(w.account).await.unwrap();
    let stranger = w.service.approval(local_id(&w.service, &id.to_string())).unwrap();
    assert_eq!(stranger.remote.submitter.name, "FSUID_NOBODY0000000000000000000000", "no name: the id is shown");
    assert_eq!(
        (w.sim.calls(LIST), w.sim.calls(GET)),
        (2, 2),
        "the walk listed the company again, then asked user/get (30027)"
    );
    bump(None, 120);
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!((w.sim.calls(LIST), w.sim.calls(GET)), (2, 2), "an answered lookup is not asked again");
}

/// Issue 13: approvals created on the edges of the windows (the first and last millisecond of
/// a window, the first of the history) are listed once each, by windows the simulator accepts
/// (it counts the 180 days as strictly as the vendor might: Beijing calendar days, ends included).
#[tokio::test]
async fn approvals_on_the_window_edges_are_listed_exactly_once() {
    use inbox_core::connector::Connector;
    use inbox_core::connectors::fxiaoke::{end_of_day, windows, FxConnector, DAY_MS, DEFAULT_HISTORY_DAYS};
    let w = world().await;
    let anchor = end_of_day(vendor_sim::common::now_secs() * 1000);
    let wins = windows(anchor, DEFAULT_HISTORY_DAYS);
    let oldest = anchor - DEFAULT_HISTORY_DAYS * DAY_MS;
    // 协同 times are whole seconds; CRM times are milliseconds.
    let old_edges = [wins[0].0, wins[0].0 - 1000, wins[1].0, oldest, anchor - 1000];
    let crm_edges = [wins[0].0, wins[0].1, wins[1].0 - 1, oldest, anchor - 1];
    let (old_ids, crm_ids) = w.sim.with_state(|s| {
        let old: Vec<i64> = s.approvals.keys().take(old_edges.len()).copied().collect();
        for (id, at) in old.iter().zip(old_edges) {
            s.approvals.get_mut(id).unwrap().create_time = at / 1000;
        }
        let crm: Vec<String> = s.crm.values().take(crm_edges.len()).map(|i| i.instance_id.clone()).collect();
        for (id, at) in crm.iter().zip(crm_edges) {
            s.crm.get_mut(id).unwrap().create_time = at;
        }
        (old, crm)
    });
    assert_eq!(crm_ids.len(), crm_edges.len());
    let account = w.service.account(&w.account.to_string()).unwrap();
    let demo = w.sim.demo_account(&w.base_url);
    let connector = FxConnector::new(&account, &inbox_core::secrets::Secrets(demo.secrets)).unwrap();
    let source = connector.sources().remove(0);
    let (mut listed, mut cursor) = (Vec::new(), None);
    loop {
        let page = connector
            .list(&source, cursor.as_deref())
            .await
            .unwrap_or_else(|e| panic!("every window is accepted: {e}"));
        listed.extend(page.items.into_iter().map(|i| i.remote_id));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let once = |id: &str| listed.iter().filter(|l| *l == id).count();
    for id in &old_ids {
        assert_eq!(once(&id.to_string()), 1, "协同 approval {id} on an edge");
    }
    for id in &crm_ids {
        assert_eq!(once(&format!("crm:{id}")), 1, "CRM instance {id} on an edge");
    }
    let mut unique = listed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), listed.len(), "nothing is listed twice");
}
