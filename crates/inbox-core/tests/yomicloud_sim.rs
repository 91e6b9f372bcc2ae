//! The yomicloud connector and the service against the yomicloud simulator over real HTTP and
//! a real SQLite file: every endpoint the inbox uses, box derivation, actions, and the three
//! failures (bad token, unreachable host, malformed reply) that must leave the cache as it was.
//! Demo-style accounts keep their secrets in memory here; the keychain has its own test.

mod support;
use inbox_core::connectors::yomicloud::map::{FILE_LOG_LABEL, FILE_LOG_ROWS};
use inbox_core::connectors::yomicloud::{auth::Credentials, client::Client, YomiConnector};
use inbox_core::secrets::Secrets;
use inbox_core::{Action, Connector, Error, FieldKind, Inbox, ListQuery, Service, VendorError};
use std::sync::Arc;
use support::add_demo as add;
use vendor_sim::common::{Fault, RunningServer};
use vendor_sim::yomicloud::Sim;
use vendor_sim::Simulator;

struct World {
    sim: Sim,
    _server: RunningServer,
    base_url: String,
    _dir: tempfile::TempDir,
    service: Arc<Service>,
    account: i64,
}

async fn world() -> World {
    let sim = Sim::new(7, 120);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let base_url = server.base_url.clone();
    let dir = tempfile::tempdir().unwrap();
    let service = Service::open(dir.path()).unwrap();
    let account = add(&service, "云盘", &sim.demo_account(&base_url));
    World { sim, _server: server, base_url, _dir: dir, service, account }
}

fn remote_ids(service: &Service, inbox: Inbox) -> Vec<i64> {
    let page = service.list(&ListQuery { inbox: Some(inbox), limit: 500, ..Default::default() }).unwrap();
    let mut ids: Vec<i64> = page.items.iter().map(|a| a.remote_id.parse().unwrap()).collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<i64>) -> Vec<i64> {
    v.sort();
    v
}

fn local_id(service: &Service, remote: i64) -> i64 {
    let page = service.list(&ListQuery { limit: 500, ..Default::default() }).unwrap();
    page.items.iter().find(|a| a.remote_id == remote.to_string()).map(|a| a.id).expect("approval in cache")
}

#[tokio::test]
async fn sync_fills_every_box_exactly_as_the_simulator_has_them() {
    let w = world().await;
    let me = w.sim.demo_user().uid;
    let report = w.service.sync_account(w.account).await.unwrap();
    assert!(report.fetched > 0);
    assert_eq!(remote_ids(&w.service, Inbox::Todo), sorted(w.sim.todo_ids_for(me)));
    assert_eq!(remote_ids(&w.service, Inbox::Submitted), sorted(w.sim.submitted_ids_for(me)));
    assert_eq!(remote_ids(&w.service, Inbox::Processed), sorted(w.sim.processed_ids_for(me)));
    assert_eq!(remote_ids(&w.service, Inbox::Cc), sorted(w.sim.cc_ids_for(me)));
    for b in [Inbox::Todo, Inbox::Submitted, Inbox::Processed, Inbox::Cc] {
        assert!(!remote_ids(&w.service, b).is_empty(), "the demo user has items in {b}");
    }
    assert!(remote_ids(&w.service, Inbox::Managed).is_empty(), "not an administrator account");
    let counts = w.service.box_counts().unwrap();
    assert_eq!(counts.todo as usize, w.sim.todo_ids_for(me).len());
    let account = w.service.account(&w.account.to_string()).unwrap();
    assert!(account.sync.last_success.is_some() && account.sync.last_error.is_none());

    // A second sync changes nothing.
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!(w.service.box_counts().unwrap(), counts);
}

#[tokio::test]
async fn approve_and_reject_go_back_to_the_vendor_and_move_boxes() {
    let w = world().await;
    let me = w.sim.demo_user().uid;
    w.service.sync_account(w.account).await.unwrap();
    let todo = sorted(w.sim.todo_ids_for(me));
    assert!(todo.len() >= 2, "the seed gives the demo user at least two todos");

    let first = local_id(&w.service, todo[0]);
    let detail = w.service.approval(first).unwrap();
    assert_eq!(detail.remote.actions, vec![Action::Approve, Action::Reject]);
    assert!(!detail.remote.steps.is_empty() && !detail.remote.fields.is_empty());
    let approved = w.service.act(first, Action::Approve, "同意，数据无误").await.unwrap();
    assert_eq!(w.sim.approver_status2(todo[0], me), Some(1));
    assert!(!approved.remote.boxes.contains(&Inbox::Todo) && approved.remote.boxes.contains(&Inbox::Processed));
    assert!(approved.remote.actions.is_empty());
    let comment_shown =
        approved.remote.steps.iter().flat_map(|s| &s.members).any(|m| m.comment.as_deref() == Some("同意，数据无误"));
    assert!(comment_shown, "the comment is in the step timeline");

    let second = local_id(&w.service, todo[1]);
    let e = w.service.act(second, Action::Reject, "  ").await.unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e}");
    assert_eq!(w.sim.approver_status2(todo[1], me), Some(0), "nothing was sent");
    let rejected = w.service.act(second, Action::Reject, "金额不对，请补充发票").await.unwrap();
    assert_eq!(w.sim.approver_status2(todo[1], me), Some(2));
    assert!(rejected.remote.boxes.contains(&Inbox::Processed));

    // Acting again is refused before anything is sent.
    let again = w.service.act(first, Action::Approve, "").await.unwrap_err().to_string();
    assert!(again.contains("云盘") && again.contains("approve"), "{again}");
    assert_eq!(remote_ids(&w.service, Inbox::Todo).len(), todo.len() - 2);
}

#[tokio::test]
async fn an_approval_decided_elsewhere_leaves_todo_on_next_sync() {
    let w = world().await;
    let me = w.sim.demo_user();
    w.service.sync_account(w.account).await.unwrap();
    let target = sorted(w.sim.todo_ids_for(me.uid))[0];
    // The demo user decides in the vendor's own console, through the vendor API directly.
    let other = YomiConnector::new(
        &w.service.account(&w.account.to_string()).unwrap(),
        &Secrets(w.sim.demo_account(&w.base_url).secrets),
    )
    .unwrap();
    other.act(&target.to_string(), Action::Approve, "在网页端处理").await.unwrap();
    w.service.sync_account(w.account).await.unwrap();
    assert!(!remote_ids(&w.service, Inbox::Todo).contains(&target));
    assert!(remote_ids(&w.service, Inbox::Processed).contains(&target));
    // And acting on a stale cache entry is refused by the connector with words, not a panic.
    let e = other.act(&target.to_string(), Action::Reject, "x").await.unwrap_err();
    assert!(matches!(e, VendorError::NotAllowed(_)), "{e}");
}

#[tokio::test]
async fn attachments_list_and_download() {
    let w = world().await;
    w.service.sync_account(w.account).await.unwrap();
    let page = w.service.list(&ListQuery { limit: 500, ..Default::default() }).unwrap();
    let with_files: Vec<_> = page
        .items
        .iter()
        .map(|s| w.service.approval(s.id).unwrap())
        .filter(|a| !a.remote.attachments.is_empty())
        .collect();
    let single =
        with_files.iter().find(|a| a.remote.attachments.iter().any(|f| !f.is_folder)).expect("an approval with a file");
    let file = single.remote.attachments.iter().find(|f| !f.is_folder).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = w.service.download(single.id, &file.remote_id, dir.path()).await.unwrap();
    assert!(path.starts_with(dir.path()));
    let bytes = std::fs::read(&path).unwrap();
    assert!(!bytes.is_empty());
    if let Some(size) = file.size {
        assert_eq!(bytes.len() as u64, size, "downloaded size matches the listed size");
    }
    let e = w.service.download(single.id, "999999999", dir.path()).await.unwrap_err().to_string();
    assert!(e.contains("download-attachment"), "{e}");
}

#[tokio::test]
async fn client_reads_templates_and_file_log() {
    let w = world().await;
    let me = w.sim.demo_user();
    let account = w.service.account(&w.account.to_string()).unwrap();
    let client = Client::new(
        &w.base_url,
        Credentials::from_account(&account, &Secrets(w.sim.demo_account(&w.base_url).secrets)).unwrap(),
    )
    .unwrap();
    let types = client.templet_content(0, 0).await.unwrap();
    assert!(types.data.len() >= 4, "the approval type table");
    let (view, _) = client.view_approval(&w.sim.todo_ids_for(me.uid)[0].to_string()).await.unwrap();
    let file_id = view.data.file_id.expect("the approval is on a file");
    let log = client.file_approval_log(file_id).await.unwrap();
    assert!(log.data.iter().any(|r| r.id == view.data.id), "the file's approval log lists it");
    if let Some(tid) = inbox_core::connectors::yomicloud::map::content(&view.data).unwrap().tid {
        let t = client.templet_content(tid, file_id).await.unwrap();
        let body = t.templet.unwrap().body().unwrap();
        assert!(!body.step.is_empty());
    }
}

#[tokio::test]
async fn failures_are_reported_per_account_and_leave_the_cache_as_it_was() {
    let w = world().await;
    w.service.sync_account(w.account).await.unwrap();
    let before = w.service.list(&ListQuery { limit: 500, ..Default::default() }).unwrap().items;
    let counts = w.service.box_counts().unwrap();

    // Malformed reply.
    w.sim.set_fault(Some(Fault::MalformedJson));
    let e = w.service.sync_account(w.account).await.unwrap_err().to_string();
    assert!(e.contains("云盘") && e.contains("malformed"), "{e}");
    let a = w.service.account(&w.account.to_string()).unwrap();
    assert!(a.sync.last_error.unwrap().contains("malformed"));
    assert_eq!(w.service.list(&ListQuery { limit: 500, ..Default::default() }).unwrap().items, before);
    // HTTP 500.
    w.sim.set_fault(Some(Fault::ServerError));
    let e = w.service.sync_account(w.account).await.unwrap_err().to_string();
    assert!(e.contains("HTTP 500"), "{e}");
    w.sim.set_fault(None);

    // Bad token: a second account with a wrong token fails, the first keeps its cache.
    let mut bad = w.sim.demo_account(&w.base_url);
    bad.secrets.insert("token".into(), "not-a-token".into());
    let bad_id = add(&w.service, "错误令牌", &bad);
    let e = w.service.sync_account(bad_id).await.unwrap_err().to_string();
    assert!(e.contains("错误令牌") && e.contains("credentials") && e.contains("code 1"), "{e}");
    assert!(!e.contains("not-a-token"), "the token never appears in errors");

    // Unreachable host.
    let mut gone = w.sim.demo_account("http://127.0.0.1:9");
    gone.base_url = "http://127.0.0.1:9".into();
    let gone_id = add(&w.service, "不可达", &gone);
    let e = w.service.sync_account(gone_id).await.unwrap_err().to_string();
    assert!(e.contains("不可达") && e.contains("cannot reach"), "{e}");

    // The good account is untouched and still syncs.
    assert_eq!(w.service.box_counts().unwrap(), counts);
    let results = w.service.sync_all().await.unwrap();
    let ok: Vec<_> = results.iter().filter(|(_, r)| r.is_ok()).map(|(a, _)| a.name.as_str()).collect();
    assert_eq!(ok, ["云盘"]);
    assert_eq!(w.service.box_counts().unwrap(), counts);
}

#[tokio::test]
async fn test_account_checks_the_token() {
    let w = world().await;
    let ok = w.service.test_account(w.account).await.unwrap();
    assert!(ok.contains("连接成功"), "{ok}");
    let mut bad = w.sim.demo_account(&w.base_url);
    bad.secrets.insert("token".into(), "wrong".into());
    let bad_id = add(&w.service, "坏", &bad);
    assert!(w.service.test_account(bad_id).await.is_err());
    assert_eq!(w.sim.approval_status(w.sim.todo_ids_for(w.sim.demo_user().uid)[0]), Some(0), "testing changes nothing");
}

/// Another approver refuses approval `aid` at the simulator, if one of them is at its current
/// step; returns whether one did.
fn refused_by_another(sim: &Sim, aid: i64, me: i64) -> bool {
    use vendor_sim::yomicloud::state::{Handling, UTYPE_APPROVER};
    sim.with_state(|s| {
        let a = &s.approvals[&aid];
        let Some(step) = a.current_step() else { return false };
        let rows: Vec<_> = a
            .rows
            .iter()
            .filter(|r| r.utype == UTYPE_APPROVER && r.step == step as i64 && r.uid != me && r.status2 == 0)
            .cloned()
            .collect();
        rows.iter().any(|r| {
            let h = Handling {
                uid: r.uid,
                auid: r.id,
                step: r.step,
                decision: 2,
                note: "预算不足",
                now: vendor_sim::common::now_secs(),
            };
            s.handle_step(aid, &h).is_ok()
        })
    })
}

/// Issue 7: a second sync with nothing new reads only the approvals awaiting the user (their
/// todo box comes from the detail); what the user did through the app and what another
/// approver did at the vendor both show after the next sync.
#[tokio::test]
async fn a_sync_with_nothing_new_reads_only_what_is_in_progress_and_changes_still_show() {
    const VIEW: &str = "/app/approval/view-approval";
    let w = world().await;
    let me = w.sim.demo_user().uid;
    w.service.sync_account(w.account).await.unwrap();
    let counts = w.service.box_counts().unwrap();
    let (todo, mine) = (w.sim.todo_ids_for(me), w.sim.submitted_ids_for(me));
    // Each approval still in progress is read again once per list it is in; nothing else is.
    let in_progress: usize = w.sim.with_state(|s| {
        [s.approver_of(me), s.cc_of(me), s.created_by(me)]
            .iter()
            .map(|list| list.iter().filter(|a| a.status == 0).count())
            .sum()
    });
    let before = w.sim.calls(VIEW);
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!(w.sim.calls(VIEW) - before, in_progress, "{} in progress, {before} details at first", in_progress);
    assert!(in_progress < before, "finished approvals are not read again");
    assert_eq!(w.service.box_counts().unwrap(), counts);

    let target = sorted(todo.clone())[0];
    w.service.act(local_id(&w.service, target), Action::Approve, "同意").await.unwrap();
    let theirs = *mine
        .iter()
        .find(|a| w.sim.approval_status(**a) == Some(0) && refused_by_another(&w.sim, **a, me))
        .expect("a pending approval of mine with another approver");
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!(remote_ids(&w.service, Inbox::Todo), sorted(w.sim.todo_ids_for(me)));
    assert!(remote_ids(&w.service, Inbox::Processed).contains(&target));
    assert_eq!(w.service.approval(local_id(&w.service, theirs)).unwrap().remote.status, inbox_core::Status::Rejected);
}

/// The super admin as an account with `admin=true`.
fn admin_account(sim: &Sim, base_url: &str) -> vendor_sim::DemoAccount {
    let admin = sim.user(vendor_sim::yomicloud::seed::ADMIN_UID).expect("the seed has a super admin");
    let mut account = sim.demo_account(base_url);
    account.settings.insert("uid".into(), admin.uid.to_string().into());
    account.settings.insert("admin".into(), "true".into());
    account.secrets.insert("token".into(), admin.token.into());
    account
}

/// `get-handler-list admin=1` (document: 我管理的审批, 超级管理员获取全部的审批) fills 我管理的 for
/// an administrator account, and only that box: todo, processed and cc stay what the admin takes
/// part in. Acting keeps an approval in 我管理的, and a detail read by a fresh connector knows it.
#[tokio::test]
async fn an_administrator_sees_every_approval_they_manage_in_its_own_box() {
    const LIST: &str = "/app/approval/get-handler-list";
    let w = world().await;
    let admin = vendor_sim::yomicloud::seed::ADMIN_UID;
    let id = add(&w.service, "云盘管理员", &admin_account(&w.sim, &w.base_url));
    let said = w.service.test_account(id).await.unwrap();
    assert!(said.contains("你管理 120 条审批"), "{said}");
    w.service.sync_account(id).await.unwrap();

    let all: Vec<i64> = w.sim.with_state(|s| s.approvals.keys().copied().collect());
    assert_eq!(remote_ids(&w.service, Inbox::Managed), sorted(all.clone()));
    assert_eq!(remote_ids(&w.service, Inbox::Todo), sorted(w.sim.todo_ids_for(admin)));
    assert_eq!(remote_ids(&w.service, Inbox::Processed), sorted(w.sim.processed_ids_for(admin)));
    assert_eq!(remote_ids(&w.service, Inbox::Cc), sorted(w.sim.cc_ids_for(admin)));
    assert_eq!(remote_ids(&w.service, Inbox::Submitted), sorted(w.sim.submitted_ids_for(admin)));
    let theirs: Vec<i64> = w.sim.with_state(|s| {
        s.approvals
            .values()
            .filter(|a| a.creator != admin && a.rows.iter().all(|r| r.uid != admin))
            .map(|a| a.id)
            .collect()
    });
    assert!(!theirs.is_empty(), "approvals the admin takes no part in");
    let only_managed = w.service.approval(local_id(&w.service, theirs[0])).unwrap();
    assert_eq!(
        (only_managed.remote.boxes.as_slice(), only_managed.remote.actions.as_slice()),
        (&[Inbox::Managed][..], &[][..])
    );
    assert_eq!(w.service.box_counts().unwrap().managed as usize, all.len());

    // Acting re-reads the approval: it stays in 我管理的 beside its new box.
    let todo = sorted(w.sim.todo_ids_for(admin));
    let acted = w.service.act(local_id(&w.service, todo[0]), Action::Approve, "同意").await.unwrap();
    assert_eq!(acted.remote.boxes, vec![Inbox::Processed, Inbox::Managed]);

    // A connector that has not walked the list yet reads it once to tell.
    let account = w.service.account(&id.to_string()).unwrap();
    let fresh = YomiConnector::new(&account, &Secrets(admin_account(&w.sim, &w.base_url).secrets)).unwrap();
    let lists = w.sim.calls(LIST);
    assert_eq!(fresh.detail(&theirs[0].to_string()).await.unwrap().boxes, vec![Inbox::Managed]);
    assert_eq!(fresh.detail(&theirs[1].to_string()).await.unwrap().boxes, vec![Inbox::Managed]);
    assert_eq!(w.sim.calls(LIST) - lists, 1, "the list is read once, not per detail");
}

/// `admin=true` on an account the vendor does not make an administrator: the vendor's refusal,
/// naming the account and the call, and nothing cached; a value that is not true/false is a
/// configuration error.
#[tokio::test]
async fn the_admin_setting_on_a_plain_user_is_refused_by_the_vendor_in_words() {
    let w = world().await;
    let mut plain = w.sim.demo_account(&w.base_url);
    plain.settings.insert("admin".into(), "true".into());
    let id = add(&w.service, "假管理员", &plain);
    let e = w.service.test_account(id).await.unwrap_err().to_string();
    assert!(
        e.contains("假管理员") && e.contains("get-handler-list") && e.contains("code 3") && e.contains("没有权限"),
        "{e}"
    );
    let e = w.service.sync_account(id).await.unwrap_err().to_string();
    assert!(e.contains("假管理员") && e.contains("没有权限"), "{e}");
    assert_eq!(w.service.list(&ListQuery { limit: 500, ..Default::default() }).unwrap().total, 0);

    plain.settings.insert("admin".into(), "yes".into());
    let id = add(&w.service, "假管理员", &plain);
    let e = w.service.sync_account(id).await.unwrap_err().to_string();
    assert!(e.contains("`admin` must be \"true\" or \"false\""), "{e}");
}

/// The remote id in a file-log row (`#12 上传审批…`).
fn log_row_id(row: &serde_json::Value) -> i64 {
    row["审批"].as_str().unwrap().trim_start_matches('#').split(' ').next().unwrap().parse().unwrap()
}

/// `get-file-approval-log` (document: 获取一个文件上的审批列表) in the detail: a table of the
/// approvals on the approval's file that the user may see, newest first, this one marked, read
/// once per file per list; a file that is gone leaves the approval readable without it.
#[tokio::test]
async fn the_detail_shows_the_approval_log_of_its_file() {
    const LOG: &str = "/app/approval/get-file-approval-log";
    let w = world().await;
    let me = w.sim.demo_user().uid;
    w.service.sync_account(w.account).await.unwrap();

    // One log read per file per list walked.
    let per_list: usize = w.sim.with_state(|s| {
        [s.approver_of(me), s.cc_of(me), s.created_by(me)]
            .iter()
            .map(|l| l.iter().map(|a| a.file_id).collect::<std::collections::HashSet<_>>().len())
            .sum()
    });
    assert_eq!(w.sim.calls(LOG), per_list);

    // The cached approval whose file has the most approvals the user may see.
    let cached = w.service.list(&ListQuery { limit: 500, ..Default::default() }).unwrap().items;
    let visible_on = |aid: i64| -> Vec<(i64, i64, i64)> {
        w.sim.with_state(|s| {
            let mut on: Vec<_> = s
                .on_file(s.approvals[&aid].file_id)
                .into_iter()
                .filter(|a| s.can_view(me, a))
                .map(|a| (a.createtime, a.id, a.status))
                .collect();
            on.sort_by(|x, y| y.cmp(x));
            on
        })
    };
    let target =
        cached.iter().map(|a| a.remote_id.parse::<i64>().unwrap()).max_by_key(|aid| visible_on(*aid).len()).unwrap();
    let expected = visible_on(target);
    assert!(expected.len() >= 2, "a file with several approvals");

    let detail = w.service.approval(local_id(&w.service, target)).unwrap();
    let field = detail
        .remote
        .fields
        .iter()
        .find(|f| f.label.starts_with(FILE_LOG_LABEL))
        .expect("the file's log is in the detail");
    assert_eq!(field.kind, FieldKind::Table);
    assert_eq!(
        field.label.contains(&format!("共 {} 条", expected.len())),
        expected.len() > FILE_LOG_ROWS,
        "{}",
        field.label
    );
    let rows: Vec<serde_json::Value> = serde_json::from_str(&field.value).unwrap();
    let shown: Vec<i64> = rows.iter().map(log_row_id).collect();
    assert_eq!(shown, expected.iter().take(FILE_LOG_ROWS).map(|e| e.1).collect::<Vec<_>>());
    for (row, (_, id, status)) in rows.iter().zip(&expected) {
        assert_eq!(row["状态"], ["正在审批", "已通过", "已拒绝", "处理失败"][*status as usize]);
        assert_eq!(row["审批"].as_str().unwrap().ends_with("（本审批）"), *id == target, "{row}");
        assert!(!row["发起人"].as_str().unwrap().is_empty() && !row["类型"].as_str().unwrap().is_empty());
    }

    // The file disappears at the vendor (code 4 for its log): the approval is still read.
    let pending = *sorted(w.sim.todo_ids_for(me)).first().unwrap();
    w.sim.with_state(|s| {
        let file = s.approvals[&pending].file_id;
        s.files.remove(&file);
    });
    w.service.sync_account(w.account).await.unwrap();
    let without = w.service.approval(local_id(&w.service, pending)).unwrap();
    assert!(
        !without.remote.fields.iter().any(|f| f.label.starts_with(FILE_LOG_LABEL)),
        "no log for a file that is gone"
    );
    assert!(!without.remote.steps.is_empty());
}

/// The vendor's lists are not paged; a list longer than a sync page is read with one call and
/// its approvals are read and stored a page at a time, every one of them.
#[tokio::test]
async fn a_long_list_is_read_once_and_stored_a_page_at_a_time() {
    let sim = Sim::new(3, 900);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let service = Service::open(dir.path()).unwrap();
    let account = add(&service, "云盘", &sim.demo_account(&server.base_url));
    let me = sim.demo_user().uid;
    let report = service.sync_account(account).await.unwrap();
    assert!(report.fetched > 500, "lists of several pages: {} items", report.fetched);
    let all = |inbox| service.list(&ListQuery { inbox: Some(inbox), limit: 500, ..Default::default() }).unwrap();
    assert_eq!(remote_ids(&service, Inbox::Todo), sorted(sim.todo_ids_for(me)));
    assert_eq!(remote_ids(&service, Inbox::Cc), sorted(sim.cc_ids_for(me)));
    for (inbox, expected) in
        [(Inbox::Processed, sim.processed_ids_for(me)), (Inbox::Submitted, sim.submitted_ids_for(me))]
    {
        let mut expected: Vec<String> = expected.iter().map(i64::to_string).collect();
        expected.sort();
        let mut cached = Vec::new();
        for offset in (0..).step_by(500) {
            let page =
                service.list(&ListQuery { inbox: Some(inbox), limit: 500, offset, ..Default::default() }).unwrap();
            if page.items.is_empty() {
                break;
            }
            cached.extend(page.items.into_iter().map(|a| a.remote_id));
        }
        cached.sort();
        assert_eq!((cached.len() as u64, cached), (all(inbox).total, expected), "{inbox}");
    }
    let lists = sim.calls("/app/approval/get-handler-list") + sim.calls("/app/approval/get-creator-list");
    assert_eq!(lists, 3, "one call per list");
}
