//! The weiwenjia connector and the service against the weiwenjia simulator over real HTTP and a
//! real SQLite file: the three boxes with paging, details (fields, steps, flags → actions),
//! pass / reject / cancel moving the simulator's state machine, both envelope styles, a rotated
//! token, and the failures that must leave the cache as it was.

mod support;
use inbox_core::connectors::weiwenjia::wire::{ListFilter, ListStatus};
use inbox_core::connectors::weiwenjia::WeiwenjiaConnector;
use inbox_core::secrets::Secrets;
use inbox_core::{Action, Connector, Error, FieldKind, Inbox, ListQuery, Service, Status, VendorError};
use support::add_demo as add;
use vendor_sim::common::Fault;
use vendor_sim::weiwenjia::state::{Filters, RecordStatus, Scope};
use vendor_sim::weiwenjia::Sim;
use vendor_sim::Simulator;

type World = support::World<Sim>;

async fn world() -> World {
    World::new(Sim::new(11, 160), "励销云").await
}

fn remote_ids(service: &Service, inbox: Inbox) -> Vec<String> {
    let page = service.list(&ListQuery { inbox: Some(inbox), limit: 1000, ..Default::default() }).unwrap();
    let mut ids: Vec<String> = page.items.iter().map(|a| a.remote_id.clone()).collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn local_id(service: &Service, remote: &str) -> i64 {
    let page = service.list(&ListQuery { limit: 1000, ..Default::default() }).unwrap();
    page.items.iter().find(|a| a.remote_id == remote).map(|a| a.id).expect("approval in cache")
}

#[tokio::test]
async fn sync_fills_the_three_boxes_exactly_as_the_simulator_has_them() {
    let w = world().await;
    let me = w.sim.demo_user().uid;
    // More submissions by the demo user than two pages hold: copies of the seeded records.
    w.sim.with_state(|s| {
        let copies: Vec<_> =
            s.records.values().filter(|r| !r.nodes.iter().any(|n| n.approvers.contains(&me))).cloned().collect();
        for (i, mut r) in copies.into_iter().enumerate().take(110) {
            (r.id, r.entity_id, r.submitter) = (90_000 + i as i64, 9_000_000 + i as i64, me);
            s.records.insert(r.id, r);
        }
    });
    let pages = w.sim.submitted_for(me).len().div_ceil(inbox_core::connectors::weiwenjia::PER_PAGE as usize);
    assert!(pages >= 3, "the submission scope is walked over {pages} pages");
    let report = w.service.sync_account(w.account).await.unwrap();
    assert!(report.fetched > 0);
    assert_eq!(remote_ids(&w.service, Inbox::Todo), sorted(w.sim.todo_for(me)));
    assert_eq!(remote_ids(&w.service, Inbox::Submitted), sorted(w.sim.submitted_for(me)));
    assert_eq!(remote_ids(&w.service, Inbox::Processed), sorted(w.sim.processed_for(me)));
    for b in [Inbox::Todo, Inbox::Submitted, Inbox::Processed] {
        assert!(!remote_ids(&w.service, b).is_empty(), "the demo user has items in {b}");
    }
    assert!(remote_ids(&w.service, Inbox::Cc).is_empty(), "weiwenjia has no cc box");
    let counts = w.service.box_counts().unwrap();
    // A second sync changes nothing.
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!(w.service.box_counts().unwrap(), counts);

    // The details: title, form, fields typed by field_type, steps with members.
    let todo = w.service.approval(local_id(&w.service, &w.sim.todo_for(me)[0])).unwrap();
    assert_eq!(todo.remote.status, Status::Pending);
    assert_eq!(todo.remote.actions, vec![Action::Approve, Action::Reject]);
    assert!(todo.remote.fields.iter().any(|f| f.kind == FieldKind::Money && f.value.parse::<f64>().is_ok()));
    assert!(todo.remote.fields.iter().any(|f| f.kind == FieldKind::Date && f.value.parse::<i64>().is_ok()));
    assert!(todo.remote.steps.len() >= 2 && todo.remote.steps[0].members[0].user.id == todo.remote.submitter.id);
    let all = w.service.list(&ListQuery { limit: 1000, ..Default::default() }).unwrap().items;
    let kinds: std::collections::BTreeSet<String> = all
        .iter()
        .flat_map(|s| w.service.approval(s.id).unwrap().remote.fields)
        .map(|f| format!("{:?}", f.kind))
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["Date", "File", "Money", "Number", "Select", "Text", "User"],
        "every field_type shows up typed"
    );
    assert!(all.iter().all(|s| s.remote_id.contains(':')), "remote ids are entity_type:entity_id");
}

#[tokio::test]
async fn approve_and_reject_go_back_and_move_the_state_machine() {
    let w = world().await;
    let me = w.sim.demo_user().uid;
    w.service.sync_account(w.account).await.unwrap();
    let todo = w.sim.todo_for(me);
    assert!(todo.len() >= 2);

    let first = local_id(&w.service, &todo[0]);
    let node = w.sim.current_node(&todo[0]).unwrap();
    let approved = w.service.act(first, Action::Approve, "同意，价格在授权范围内").await.unwrap();
    assert_eq!(w.sim.decisions_of(&todo[0], me), [("pass", "同意，价格在授权范围内".to_string())]);
    assert!(
        w.sim.current_node(&todo[0]).unwrap() > node
            || w.sim.status(&todo[0]) == Some("pass")
            || !w.sim.waiting_approvers(&todo[0]).is_empty()
    );
    assert!(!approved.remote.boxes.contains(&Inbox::Todo) && approved.remote.boxes.contains(&Inbox::Processed));
    assert!(approved.remote.actions.is_empty());
    let shown = approved
        .remote
        .steps
        .iter()
        .flat_map(|s| &s.members)
        .any(|m| m.comment.as_deref() == Some("同意，价格在授权范围内"));
    assert!(shown, "the opinion is in the timeline");

    let second = local_id(&w.service, &todo[1]);
    let e = w.service.act(second, Action::Reject, " ").await.unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e}");
    assert!(w.sim.decisions_of(&todo[1], me).is_empty(), "nothing was sent");
    let rejected = w.service.act(second, Action::Reject, "折扣超出授权范围").await.unwrap();
    assert_eq!(w.sim.status(&todo[1]), Some("veto"));
    assert_eq!(rejected.remote.status, Status::Rejected);
    assert!(rejected.remote.boxes.contains(&Inbox::Processed));

    let again = w.service.act(first, Action::Approve, "").await.unwrap_err().to_string();
    assert!(again.contains("励销云") && again.contains("approve"), "{again}");
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!(remote_ids(&w.service, Inbox::Todo), sorted(w.sim.todo_for(me)));
}

#[tokio::test]
async fn the_submitter_withdraws_while_nobody_decided() {
    let w = world().await;
    let me = w.sim.demo_user().uid;
    w.service.sync_account(w.account).await.unwrap();
    let cancellable = w.sim.cancellable_for(me);
    assert!(!cancellable.is_empty());
    let id = local_id(&w.service, &cancellable[0]);
    assert_eq!(w.service.approval(id).unwrap().remote.actions, vec![Action::Cancel]);
    let done = w.service.act(id, Action::Cancel, "客户信息填错，撤回修改").await.unwrap();
    assert_eq!(w.sim.status(&cancellable[0]), Some("revocation"));
    assert_eq!(done.remote.status, Status::Cancelled);
    assert!(done.remote.actions.is_empty() && done.remote.boxes == vec![Inbox::Submitted]);
    assert!(done.remote.steps[0].members.iter().any(|m| m.comment.as_deref() == Some("撤回：客户信息填错，撤回修改")));
    // A submission someone already decided on offers no cancel.
    let decided = w.sim.submitted_for(me).into_iter().find(|r| !cancellable.contains(r)).unwrap();
    assert!(!w.service.approval(local_id(&w.service, &decided)).unwrap().remote.actions.contains(&Action::Cancel));
}

#[tokio::test]
async fn decided_elsewhere_leaves_todo_and_acting_on_a_stale_entry_is_refused_in_words() {
    let w = world().await;
    let me = w.sim.demo_user();
    w.service.sync_account(w.account).await.unwrap();
    let target = w.sim.todo_for(me.uid)[0].clone();
    let other = WeiwenjiaConnector::new(
        &w.service.account(&w.account.to_string()).unwrap(),
        &Secrets(w.sim.demo_account(&w.base_url).secrets),
    )
    .unwrap();
    // A fresh connector has no list cache: detail finds the item through the lists.
    let fresh = other.detail(&target).await.unwrap();
    assert_eq!(fresh.actions, vec![Action::Approve, Action::Reject]);
    other.act(&target, Action::Approve, "在手机端处理").await.unwrap();
    w.service.sync_account(w.account).await.unwrap();
    assert!(!remote_ids(&w.service, Inbox::Todo).contains(&target));
    assert!(remote_ids(&w.service, Inbox::Processed).contains(&target));
    let e = other.act(&target, Action::Reject, "x").await.unwrap_err();
    assert!(matches!(e, VendorError::NotAllowed(_)), "{e}");
    assert!(matches!(other.detail("no-colon").await.unwrap_err(), VendorError::NotAllowed(_)));
    // The connector keeps list items of approvals in progress only: a finished one is found
    // through the lists.
    let all = w.service.list(&ListQuery { limit: 500, ..Default::default() }).unwrap().items;
    let finished = all.iter().find(|a| a.status.is_final()).expect("a finished approval in the cache");
    let read = other.detail(&finished.remote_id).await.unwrap();
    assert_eq!((read.status, read.title.as_str()), (finished.status, finished.title.as_str()));
}

#[tokio::test]
async fn failures_are_reported_per_account_and_leave_the_cache_as_it_was() {
    let w = world().await;
    w.service.sync_account(w.account).await.unwrap();
    let before = w.service.list(&ListQuery { limit: 1000, ..Default::default() }).unwrap().items;
    let counts = w.service.box_counts().unwrap();

    w.sim.set_fault(Some(Fault::MalformedJson));
    let e = w.service.sync_account(w.account).await.unwrap_err().to_string();
    assert!(e.contains("励销云") && e.contains("malformed"), "{e}");
    assert!(w.service.account(&w.account.to_string()).unwrap().sync.last_error.unwrap().contains("malformed"));
    assert_eq!(w.service.list(&ListQuery { limit: 1000, ..Default::default() }).unwrap().items, before);
    w.sim.set_fault(Some(Fault::ServerError));
    let e = w.service.sync_account(w.account).await.unwrap_err().to_string();
    assert!(e.contains("HTTP 500"), "{e}");
    w.sim.set_fault(None);

    // A wrong token: the document's error envelope, shown as refused credentials.
    let mut bad = w.sim.demo_account(&w.base_url);
    bad.secrets.insert("access_token".into(), "not-a-token".into());
    let bad_id = add(&w.service, "错误令牌", &bad);
    let e = w.service.sync_account(bad_id).await.unwrap_err().to_string();
    assert!(
        e.contains("错误令牌") && e.contains("credentials") && e.contains("401") && e.contains("用户token无效或已过期"),
        "{e}"
    );
    assert!(!e.contains("not-a-token"), "the token never appears in errors");

    // The right token on another platform is refused too.
    let mut elsewhere = w.sim.demo_account(&w.base_url);
    elsewhere.settings.insert("platform".into(), "dingtalk".into());
    let id = add(&w.service, "钉钉", &elsewhere);
    assert!(w.service.sync_account(id).await.unwrap_err().to_string().contains("401"));

    // An unknown platform never leaves the machine.
    let mut odd = w.sim.demo_account(&w.base_url);
    odd.settings.insert("platform".into(), "feishu".into());
    let id = add(&w.service, "飞书", &odd);
    let e = w.service.sync_account(id).await.unwrap_err().to_string();
    assert!(e.contains("platform") && e.contains("feishu"), "{e}");

    // Unreachable host.
    let gone = w.sim.demo_account("http://127.0.0.1:9");
    let gone_id = add(&w.service, "不可达", &gone);
    let e = w.service.sync_account(gone_id).await.unwrap_err().to_string();
    assert!(e.contains("不可达") && e.contains("cannot reach"), "{e}");

    assert_eq!(w.service.box_counts().unwrap(), counts);
    let results = w.service.sync_all().await.unwrap();
    let ok: Vec<_> = results.iter().filter(|(_, r)| r.is_ok()).map(|(a, _)| a.name.as_str()).collect();
    assert_eq!(ok, ["励销云"]);
    assert_eq!(w.service.box_counts().unwrap(), counts);
}

#[tokio::test]
async fn an_expired_token_fails_until_the_user_pastes_the_new_one() {
    let w = world().await;
    w.service.sync_account(w.account).await.unwrap();
    let counts = w.service.box_counts().unwrap();
    let me = w.sim.demo_user();
    let new_token = w.sim.rotate_token(me.uid).unwrap();
    let e = w.service.sync_account(w.account).await.unwrap_err().to_string();
    assert!(e.contains("credentials") && e.contains("401"), "{e}");
    assert_eq!(w.service.box_counts().unwrap(), counts, "the cache stays");
    // No refresh flow exists (the token is pasted): storing the new one makes it work again.
    let mut fixed = w.sim.demo_account(&w.base_url);
    fixed.secrets.insert("access_token".into(), new_token.into());
    add(&w.service, "励销云", &fixed);
    w.service.sync_account(w.account).await.unwrap();
    let ok = w.service.test_account(w.account).await.unwrap();
    assert!(ok.contains("连接成功") && ok.contains("lixiaoyun"), "{ok}");
}

#[tokio::test]
async fn vendor_codes_are_shown_in_words() {
    let w = world().await;
    let account = w.service.account(&w.account.to_string()).unwrap();
    let secrets = Secrets(w.sim.demo_account(&w.base_url).secrets);
    let creds = inbox_core::connectors::weiwenjia::auth::Credentials::from_account(&account, &secrets).unwrap();
    let client = inbox_core::connectors::weiwenjia::client::Client::new(&w.base_url, creds).unwrap();
    let e = client.detail("Contract", 1).await.unwrap_err().to_string();
    assert!(e.contains("execute_records/detail") && e.contains("404") && e.contains("审批记录不存在"), "{e}");
    let e = client.execute(999_999, "pass", "").await.unwrap_err().to_string();
    assert!(e.contains("404"), "{e}");
    let e = client.list("mine", 1, 10, &Default::default()).await.unwrap_err().to_string();
    assert!(e.contains("422") && e.contains("参数错误: scope"), "{e}");
    let mine =
        w.sim.submitted_for(w.sim.demo_user().uid).into_iter().find(|r| w.sim.status(r) != Some("applying")).unwrap();
    let (t, id) = mine.split_once(':').unwrap();
    let (d, _) = client.detail(t, id.parse().unwrap()).await.unwrap();
    let e = client.execute(d.execute_record_id.unwrap(), "cancel", "").await.unwrap_err().to_string();
    assert!(e.contains("422") && e.contains("审批已结束"), "{e}");
    let e = client.execute(d.execute_record_id.unwrap(), "approve", "").await.unwrap_err().to_string();
    assert!(e.contains("execute_action"), "{e}");
    let (page, _) = client.list("submission", 1, 1000, &Default::default()).await.unwrap();
    assert_eq!(page.per_page, Some(100), "the simulator caps per_page");
}

/// Issue 7: a second sync with nothing new reads only the records still applying; what the demo
/// user did through the app, and what another approver did at the vendor, both show after the
/// next sync.
#[tokio::test]
async fn a_sync_with_nothing_new_reads_only_what_is_in_progress_and_changes_still_show() {
    use vendor_sim::weiwenjia::routes::{DETAIL_PATH, LIST_PATH};
    use vendor_sim::weiwenjia::state::Verb;
    let w = world().await;
    let me = w.sim.demo_user().uid;
    w.service.sync_account(w.account).await.unwrap();
    let (details, lists, counts) = (w.sim.calls(DETAIL_PATH), w.sim.calls(LIST_PATH), w.service.box_counts().unwrap());
    assert!(details > 0);
    // Nothing new: one list call per scope (its first page), no detail.
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!((w.sim.calls(LIST_PATH) - lists, w.sim.calls(DETAIL_PATH) - details), (3, 0), "one round trip per box");
    assert_eq!(w.service.box_counts().unwrap(), counts);

    // A new todo changes the todo scope's first page: that scope is walked, and only records
    // still applying are read again, once per scope walked.
    w.sim.with_state(|s| s.arrive());
    let details = w.sim.calls(DETAIL_PATH);
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!(remote_ids(&w.service, Inbox::Todo), sorted(w.sim.todo_for(me)), "the new todo is there");
    let applying = |ids: Vec<String>| ids.into_iter().filter(|r| w.sim.status(r) == Some("applying")).count();
    assert_eq!(w.sim.calls(DETAIL_PATH) - details, applying(w.sim.todo_for(me)), "finished records are not read again");

    // The demo user approves through the app: the next sync re-reads that one only.
    let todo = w.sim.todo_for(me)[0].clone();
    w.service.act(local_id(&w.service, &todo), Action::Approve, "同意").await.unwrap();
    // Another approver rejects one the demo user submitted: its list item's status changes.
    let theirs = w
        .sim
        .submitted_for(me)
        .into_iter()
        .find(|r| w.sim.status(r) == Some("applying") && !w.sim.waiting_approvers(r).is_empty())
        .unwrap();
    let approver = w.sim.waiting_approvers(&theirs)[0];
    w.sim.with_state(|s| {
        let record = s.records.values_mut().find(|r| vendor_sim::weiwenjia::remote_id(r) == theirs).unwrap();
        record.perform(approver, Verb::Reject, "预算不足", vendor_sim::common::now_secs()).unwrap();
    });
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!(remote_ids(&w.service, Inbox::Todo), sorted(w.sim.todo_for(me)));
    assert_eq!(remote_ids(&w.service, Inbox::Processed), sorted(w.sim.processed_for(me)));
    let rejected = w.service.approval(local_id(&w.service, &theirs)).unwrap();
    assert_eq!(rejected.remote.status, Status::Rejected);
    assert!(rejected.remote.actions.is_empty(), "nothing left to withdraw");
}

/// What the simulator lists for `uid` in `scope` under `filters`, as sorted remote ids.
fn expected(sim: &Sim, uid: i64, scope: Scope, filters: &Filters) -> Vec<String> {
    sorted(sim.with_state(|s| s.scope(uid, scope, filters).into_iter().map(vendor_sim::weiwenjia::remote_id).collect()))
}

fn client_of(w: &World) -> inbox_core::connectors::weiwenjia::client::Client {
    let account = w.service.account(&w.account.to_string()).unwrap();
    let creds = inbox_core::connectors::weiwenjia::auth::Credentials::from_account(
        &account,
        &Secrets(w.sim.demo_account(&w.base_url).secrets),
    )
    .unwrap();
    inbox_core::connectors::weiwenjia::client::Client::new(&w.base_url, creds).unwrap()
}

/// The document's list filters (`entity_types`, `submitter_uids`, `status`) go out as query
/// arrays and the vendor's own count shrinks; as account settings they narrow every scope, so
/// the next sync leaves exactly the filtered approvals in the cache.
#[tokio::test]
async fn list_filters_narrow_what_the_vendor_returns_and_what_is_cached() {
    let w = world().await;
    let me = w.sim.demo_user().uid;
    let client = client_of(&w);
    let (all, _) = client.list("processed", 1, 100, &ListFilter::default()).await.unwrap();
    let contracts = ListFilter { entity_types: vec!["Contract".into()], ..Default::default() };
    let (only, _) = client.list("processed", 1, 100, &contracts).await.unwrap();
    let (only_n, all_n) = (only.total_count.unwrap(), all.total_count.unwrap());
    assert!(0 < only_n && only_n < all_n, "{only_n} of {all_n}");
    assert!(only.list.iter().all(|i| i["entity_type"] == "Contract"));
    let vetoed = ListFilter { status: vec![ListStatus::Veto], ..Default::default() };
    let (vetoes, _) = client.list("processed", 1, 100, &vetoed).await.unwrap();
    assert!(vetoes.total_count > Some(0) && vetoes.list.iter().all(|i| i["status"] == "veto"));
    let someone = all.list[0]["submitter"]["uid"].as_i64().unwrap();
    let theirs = ListFilter { submitter_uids: vec![someone], ..Default::default() };
    let (by_them, _) = client.list("processed", 1, 100, &theirs).await.unwrap();
    assert!(by_them.total_count > Some(0) && by_them.list.iter().all(|i| i["submitter"]["uid"] == someone));

    // Everything first, then the same account narrowed by its settings.
    w.service.sync_account(w.account).await.unwrap();
    let everything = w.service.list(&ListQuery { limit: 1000, ..Default::default() }).unwrap().total;
    let mut narrowed = w.sim.demo_account(&w.base_url);
    narrowed.settings.insert("entity_types".into(), "Contract，报价单".into());
    narrowed.settings.insert("status".into(), "applying, veto".into());
    add(&w.service, "励销云", &narrowed);
    w.service.sync_account(w.account).await.unwrap();
    let filters = Filters {
        status: vec![RecordStatus::Applying, RecordStatus::Veto],
        entity_types: vec!["Contract".into(), "报价单".into()],
        submitter_uids: vec![],
    };
    assert_eq!(remote_ids(&w.service, Inbox::Todo), expected(&w.sim, me, Scope::Todo, &filters));
    assert_eq!(remote_ids(&w.service, Inbox::Submitted), expected(&w.sim, me, Scope::Submission, &filters));
    assert_eq!(remote_ids(&w.service, Inbox::Processed), expected(&w.sim, me, Scope::Processed, &filters));
    let cached = w.service.list(&ListQuery { limit: 1000, ..Default::default() }).unwrap();
    assert!(0 < cached.total && cached.total < everything, "{} of {everything}", cached.total);
    assert!(cached.items.iter().all(|a| a.remote_id.starts_with("Contract:") || a.remote_id.starts_with("报价单:")));
    assert!(cached.items.iter().all(|a| matches!(a.status, Status::Pending | Status::Rejected)));
    let said = w.service.test_account(w.account).await.unwrap();
    assert!(said.contains(&format!("{} 条审批待你处理", expected(&w.sim, me, Scope::Todo, &filters).len())), "{said}");

    // One submitter only: the todo box holds only what they submitted.
    let submitter = w.sim.with_state(|s| s.scope(me, Scope::Todo, &Filters::default())[0].submitter);
    let mut by_one = w.sim.demo_account(&w.base_url);
    by_one.settings.insert("submitter_uids".into(), submitter.to_string().into());
    add(&w.service, "励销云", &by_one);
    w.service.sync_account(w.account).await.unwrap();
    let one = Filters { submitter_uids: vec![submitter], ..Default::default() };
    assert_eq!(remote_ids(&w.service, Inbox::Todo), expected(&w.sim, me, Scope::Todo, &one));
    assert!(!remote_ids(&w.service, Inbox::Todo).is_empty());

    // A value the document does not have is named, and the cache stays.
    let counts = w.service.box_counts().unwrap();
    by_one.settings.insert("status".into(), "done".into());
    add(&w.service, "励销云", &by_one);
    let e = w.service.sync_account(w.account).await.unwrap_err().to_string();
    assert!(e.contains("励销云") && e.contains("`status`") && e.contains("done"), "{e}");
    assert_eq!(w.service.box_counts().unwrap(), counts);
}

/// A gateway between the inbox and the approval center that sets `X-LXY-APP` to `app` on the
/// way through (a proxy that rewrites custom headers); everything else passes unchanged.
async fn app_header_gateway(upstream: String, app: &'static str) -> String {
    use axum::response::IntoResponse;
    let http = reqwest::Client::new();
    let forward = move |req: axum::extract::Request| {
        let (http, upstream) = (http.clone(), upstream.clone());
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let mut headers = parts.headers.clone();
            headers.remove(axum::http::header::HOST);
            headers.insert("x-lxy-app", axum::http::HeaderValue::from_static(app));
            let url = format!("{upstream}{}", parts.uri.path_and_query().map_or("/", |p| p.as_str()));
            let reply = http.request(parts.method, url).headers(headers).body(body).send().await.unwrap();
            let status = reply.status();
            (status, reply.bytes().await.unwrap()).into_response()
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, axum::Router::new().fallback(forward)).await.unwrap() });
    format!("http://{addr}")
}

/// The document's one error reply, `{"errcode": 500, "errmsg": "invalid appid"}`, as the
/// simulator gives it when `X-LXY-APP` is not `crm`: sync and 测试连接 name the account, the call
/// and the vendor's code and message, do not call it a token problem, and the cache stays.
#[tokio::test]
async fn the_documents_invalid_appid_reply_names_the_account_the_call_and_the_code() {
    let w = world().await;
    w.service.sync_account(w.account).await.unwrap();
    let before = w.service.list(&ListQuery { limit: 1000, ..Default::default() }).unwrap().items;
    let counts = w.service.box_counts().unwrap();

    add(&w.service, "励销云", &w.sim.demo_account(&app_header_gateway(w.base_url.clone(), "oa").await));
    let e = w.service.sync_account(w.account).await.unwrap_err().to_string();
    let named = |e: &str| {
        e.contains("励销云")
            && e.contains("approval_center/list scope=todo")
            && e.contains("code 500")
            && e.contains("invalid appid")
    };
    assert!(named(&e) && !e.contains("credentials"), "{e}");
    assert!(w.service.account(&w.account.to_string()).unwrap().sync.last_error.unwrap().contains("invalid appid"));
    let e = w.service.test_account(w.account).await.unwrap_err().to_string();
    assert!(named(&e), "{e}");
    assert_eq!(w.service.list(&ListQuery { limit: 1000, ..Default::default() }).unwrap().items, before);
    assert_eq!(w.service.box_counts().unwrap(), counts);

    // The same gateway passing the document's `crm` changes nothing: the header was the cause.
    add(&w.service, "励销云", &w.sim.demo_account(&app_header_gateway(w.base_url.clone(), "crm").await));
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!(w.service.box_counts().unwrap(), counts);
}

/// The kind a `field_type` of the simulator's custom fields is shown as (issue 13: every body
/// field type renders, with its kind, never as raw JSON).
fn kind_of(field_type: &str, value: &serde_json::Value) -> FieldKind {
    match field_type {
        "integer_field" | "float_field" | "number_field" => FieldKind::Number,
        "currency_field" => FieldKind::Money,
        "date_field" | "datetime_field" => FieldKind::Date,
        "select2_field" if value.get("uid").is_some() => FieldKind::User,
        "select" | "select_field" | "radio_button" | "field_map_field" | "multi_select" | "check_box"
        | "select2_field" => FieldKind::Select,
        "file_field" | "attachments_field" => FieldKind::File,
        _ => FieldKind::Text,
    }
}

#[tokio::test]
async fn a_todo_with_every_field_type_reads_each_typed_and_approves() {
    let w = world().await;
    let me = w.sim.demo_user().uid;
    w.service.sync_account(w.account).await.unwrap();
    // The todo with the most field types (contracts and quotations carry all of them).
    let body_of = |remote: &str| {
        w.sim.with_state(|s| {
            s.records.values().find(|r| vendor_sim::weiwenjia::remote_id(r) == remote).unwrap().body.clone()
        })
    };
    let target = w.sim.todo_for(me).into_iter().max_by_key(|r| body_of(r).len()).unwrap();
    let body = body_of(&target);
    let types: std::collections::BTreeSet<&str> = body.iter().map(|f| f.field_type.as_str()).collect();
    assert!(types.len() >= 25, "{target}: {types:?}");
    let a = w.service.approval(local_id(&w.service, &target)).unwrap();
    for f in &body {
        let shown = a.remote.fields.iter().find(|x| x.label == f.label);
        if f.invisible {
            assert!(shown.is_none(), "{} is hidden", f.label);
            continue;
        }
        let shown = shown.unwrap_or_else(|| panic!("{} ({}) is shown", f.label, f.field_type));
        let expected = if f.value.is_null() && f.field_type == "select2_field" {
            FieldKind::Select
        } else {
            kind_of(&f.field_type, &f.value)
        };
        assert_eq!(shown.kind, expected, "{} ({}) = {}", f.label, f.field_type, f.value);
        assert!(
            !shown.value.starts_with(['{', '[']),
            "{} ({}) is not raw JSON: {}",
            f.label,
            f.field_type,
            shown.value
        );
        assert_eq!(shown.value.is_empty(), f.value.is_null(), "{} ({})", f.label, f.field_type);
        if shown.kind == FieldKind::Date || shown.kind == FieldKind::Number || shown.kind == FieldKind::Money {
            assert!(shown.value.is_empty() || shown.value.parse::<f64>().is_ok(), "{}: {}", f.label, shown.value);
        }
    }
    let by_label = |l: &str| a.remote.fields.iter().find(|f| f.label == l).map(|f| f.value.clone()).unwrap_or_default();
    let files = by_label("合同附件");
    assert!(files.is_empty() || files == "合同正文.pdf、报价明细.xlsx", "{files}");
    let period = by_label("服务期间");
    assert!(period.is_empty() || period.contains(" 至 "), "{period}");

    let approved = w.service.act(a.id, Action::Approve, "字段已逐项核对，同意").await.unwrap();
    assert_eq!(w.sim.decisions_of(&target, me), [("pass", "字段已逐项核对，同意".to_string())]);
    assert!(approved.remote.actions.is_empty() && approved.remote.boxes.contains(&Inbox::Processed));
    assert_eq!(approved.remote.fields, a.remote.fields, "the fields read the same after acting");
}
