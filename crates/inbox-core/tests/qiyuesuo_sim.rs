//! The qiyuesuo connector and the service against the qiyuesuo simulator over real HTTP and a
//! real SQLite file: the list walked page by page, boxes derived from contract details'
//! published fields, approve and reject through `employeeaudit` changing the simulator, every
//! documented response code in words, the signature refusals (441/442), a private cloud (its
//! header prefix and its reply shapes), contract documents downloaded as PDFs, pageurl, and the
//! failures that must leave the cache as it was.

mod support;
use inbox_core::connectors::qiyuesuo::{auth::Credentials, client, client::Client, wire, QiyuesuoConnector};
use inbox_core::secrets::Secrets;
use inbox_core::{Action, Connector, Error, Inbox, ListQuery, Service, VendorError};
use serde_json::json;
use support::add_demo as add;
use vendor_sim::common::Fault;
use vendor_sim::qiyuesuo::Sim;
use vendor_sim::Simulator;

type World = support::World<Sim>;

async fn world(contracts: usize) -> World {
    World::new(Sim::new(11, contracts), "契约锁").await
}

fn remote_ids(service: &Service, inbox: Inbox) -> Vec<String> {
    let page = service.list(&ListQuery { inbox: Some(inbox), limit: 1000, ..Default::default() }).unwrap();
    let mut ids: Vec<String> = page.items.iter().map(|a| a.remote_id.clone()).collect();
    ids.sort();
    ids
}

fn local_id(service: &Service, remote: &str) -> i64 {
    let page = service.list(&ListQuery { limit: 1000, ..Default::default() }).unwrap();
    page.items.iter().find(|a| a.remote_id == remote).map(|a| a.id).expect("contract in cache")
}

impl World {
    fn me(&self) -> String {
        self.sim.demo_employee().contact
    }

    fn connector(&self) -> QiyuesuoConnector {
        let demo = self.sim.demo_account(&self.base_url);
        QiyuesuoConnector::new(&self.service.account(&self.account.to_string()).unwrap(), &Secrets(demo.secrets))
            .unwrap()
    }

    fn client(&self) -> Client {
        let demo = self.sim.demo_account(&self.base_url);
        let creds = Credentials::new(
            demo.settings["app_token"].as_str().unwrap(),
            demo.secrets["app_secret"].as_str().unwrap(),
            "",
        )
        .unwrap();
        Client::new(&self.base_url, creds).unwrap()
    }
}

#[tokio::test]
async fn sync_walks_every_page_and_fills_the_boxes_as_the_simulator_has_them() {
    // 250 contracts = three pages of 100.
    let w = world(250).await;
    let me = w.me();
    let report = w.service.sync_account(w.account).await.unwrap();
    assert!(report.fetched > 0);
    assert_eq!(remote_ids(&w.service, Inbox::Todo), w.sim.todo_ids_for(&me));
    assert_eq!(remote_ids(&w.service, Inbox::Submitted), w.sim.submitted_ids_for(&me));
    assert_eq!(remote_ids(&w.service, Inbox::Processed), w.sim.processed_ids_for(&me));
    for b in [Inbox::Todo, Inbox::Submitted, Inbox::Processed] {
        assert!(!remote_ids(&w.service, b).is_empty(), "the demo employee has items in {b}");
    }
    assert!(w.sim.todo_ids_for(&me).len() >= 5, "several audits await the demo employee now");
    // Contracts that concern other employees are not cached.
    let all = w.service.list(&ListQuery { limit: 1000, ..Default::default() }).unwrap().items.len();
    assert!(all < w.sim.contract_count(), "{all} cached of {}", w.sim.contract_count());
    let counts = w.service.box_counts().unwrap();
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!(w.service.box_counts().unwrap(), counts, "a second sync changes nothing");
}

#[tokio::test]
async fn approve_and_reject_go_back_through_employeeaudit_and_move_boxes() {
    let w = world(40).await;
    let me = w.me();
    w.service.sync_account(w.account).await.unwrap();
    let todo = w.sim.todo_ids_for(&me);

    let first = local_id(&w.service, &todo[0]);
    let detail = w.service.approval(first).unwrap();
    assert_eq!(detail.remote.actions, vec![Action::Approve, Action::Reject]);
    assert!(detail.remote.steps.iter().any(|s| s.name.contains("审批")) && !detail.remote.fields.is_empty());
    let approved = w.service.act(first, Action::Approve, "条款已核对，同意").await.unwrap();
    assert_eq!(
        w.sim.audit_of(&todo[0], &me),
        Some((true, "条款已核对，同意".into())),
        "the comment reached the vendor"
    );
    assert!(!approved.remote.boxes.contains(&Inbox::Todo) && approved.remote.boxes.contains(&Inbox::Processed));
    assert!(approved.remote.actions.is_empty());
    // The vendor publishes no field that shows a pass's comment again: the step shows who passed.
    let passed = approved
        .remote
        .steps
        .iter()
        .flat_map(|s| &s.members)
        .any(|m| m.user.id == me && m.decision == inbox_core::Decision::Approved);
    assert!(passed, "the step timeline shows my pass");

    let second = local_id(&w.service, &todo[1]);
    let e = w.service.act(second, Action::Reject, " ").await.unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e}");
    assert_eq!(w.sim.audit_of(&todo[1], &me), None, "nothing was sent");
    let rejected = w.service.act(second, Action::Reject, "违约责任约定不清，退回").await.unwrap();
    assert_eq!(w.sim.contract_status(&todo[1]).as_deref(), Some("REJECTED"));
    assert_eq!(rejected.remote.status, inbox_core::Status::Rejected);
    assert!(rejected.remote.boxes.contains(&Inbox::Processed));
    let why =
        rejected.remote.steps.iter().flat_map(|s| &s.members).find(|m| m.user.id == me).and_then(|m| m.comment.clone());
    assert_eq!(
        why.as_deref(),
        Some("违约责任约定不清，退回"),
        "a rejection's reason is the contract's published `comments`"
    );

    let again = w.service.act(first, Action::Approve, "").await.unwrap_err().to_string();
    assert!(again.contains("契约锁") && again.contains("approve"), "{again}");
    assert_eq!(remote_ids(&w.service, Inbox::Todo).len(), todo.len() - 2);
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!(remote_ids(&w.service, Inbox::Todo), w.sim.todo_ids_for(&me));
}

#[tokio::test]
async fn a_contract_decided_elsewhere_leaves_todo_and_a_stale_act_is_refused() {
    let w = world(40).await;
    let me = w.me();
    w.service.sync_account(w.account).await.unwrap();
    let target = w.sim.todo_ids_for(&me)[0].clone();
    let other = w.connector();
    other.act(&target, Action::Approve, "在契约锁网页端处理").await.unwrap();
    w.service.sync_account(w.account).await.unwrap();
    assert!(!remote_ids(&w.service, Inbox::Todo).contains(&target));
    assert!(remote_ids(&w.service, Inbox::Processed).contains(&target));
    let e = other.act(&target, Action::Reject, "x").await.unwrap_err();
    assert!(matches!(e, VendorError::NotAllowed(_)), "{e}");
    assert!(matches!(other.act(&target, Action::Cancel, "x").await, Err(VendorError::Unsupported(_))));
}

#[tokio::test]
async fn every_documented_response_code_reaches_the_user_in_words() {
    let w = world(40).await;
    let c = w.client();
    let me = w.me();
    let todo = w.sim.todo_ids_for(&me);
    let audit = |id: &str, tenant: Option<&str>| wire::AuditRequest {
        contract_id: Some(id.into()),
        biz_id: None,
        tenant_name: tenant.map(str::to_string),
        pass: true,
        comment: "同意".into(),
    };
    let words = |e: VendorError, code: &str, text: &str| {
        let s = e.to_string();
        assert!(s.contains(code) && s.contains(text) && s.contains("contract/"), "{s}");
    };
    words(c.employee_audit(&audit("404", None)).await.unwrap_err(), "11101003", "合同不存在");
    words(c.employee_audit(&audit(&todo[0], Some("别的公司"))).await.unwrap_err(), "14990002", "权限不匹配");
    words(
        c.post(client::CALL_AUDIT, &json!({ "contractId": todo[0], "comment": "缺少 pass" })).await.unwrap_err(),
        "11990005",
        "无效的参数",
    );
    c.employee_audit(&audit(&todo[1], None)).await.unwrap();
    // todo[1]'s next step is another audit or the seal; decide until the seal is current.
    let mut last = c.employee_audit(&audit(&todo[1], None)).await;
    while last.is_ok() {
        last = c.employee_audit(&audit(&todo[1], None)).await;
    }
    words(last.unwrap_err(), "11011107", "未轮到签署");
    let reject = wire::AuditRequest { pass: false, comment: "退回".into(), ..audit(&todo[2], None) };
    c.employee_audit(&reject).await.unwrap();
    words(c.employee_audit(&audit(&todo[2], None)).await.unwrap_err(), "11011101", "无效的合同状态");
    let e = c.get::<wire::ContractList>(client::CALL_LIST, &[("selectLimit", "1001".into())]).await.unwrap_err();
    words(e, "11990005", "参数");
    // An unknown contract read through the service names the account too.
    let e = w.connector().detail("404").await.unwrap_err().to_string();
    assert!(e.contains("contract/detail") && e.contains("合同不存在"), "{e}");
}

#[tokio::test]
async fn signature_refusals_are_reported_as_credentials_problems() {
    let w = world(30).await;
    // Wrong secret → 441.
    let mut bad = w.sim.demo_account(&w.base_url);
    bad.secrets.insert("app_secret".into(), "wrong-secret-value".into());
    let bad_id = add(&w.service, "错误密钥", &bad);
    let e = w.service.sync_account(bad_id).await.unwrap_err().to_string();
    assert!(e.contains("错误密钥") && e.contains("credentials") && e.contains("441") && e.contains("签名"), "{e}");
    assert!(!e.contains("wrong-secret-value"), "the secret never appears in errors");
    // Unknown token → 442.
    let mut unknown = w.sim.demo_account(&w.base_url);
    unknown.settings.insert("app_token".into(), "NoSuchApp".into());
    let unknown_id = add(&w.service, "未知令牌", &unknown);
    let e = w.service.sync_account(unknown_id).await.unwrap_err().to_string();
    assert!(e.contains("442") && e.contains("AppToken"), "{e}");
    assert!(w.service.test_account(unknown_id).await.is_err());

    // A reused nonce → 441, read from the body.
    let demo = w.sim.demo_account(&w.base_url);
    let creds = Credentials::new(
        demo.settings["app_token"].as_str().unwrap(),
        demo.secrets["app_secret"].as_str().unwrap(),
        "",
    )
    .unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let req = creds
            .headers_at(now, "0f8b1c2e-1111-4222-8333-944455556666")
            .into_iter()
            .fold(http.get(format!("{}/v2/contract/list", w.base_url)), |r, (k, v)| r.header(k, v));
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        statuses.push((status, client::envelope("contract/list", status, &resp.bytes().await.unwrap())));
    }
    assert!(statuses[0].1.is_ok());
    assert!(
        matches!(&statuses[1].1, Err(VendorError::Auth { code, message, .. }) if code == "441" && message.contains("nonce")),
        "{:?}",
        statuses[1]
    );
    // A stale timestamp → 441.
    let req = creds
        .headers_at(now - 11 * 60_000, "1f8b1c2e-1111-4222-8333-944455556666")
        .into_iter()
        .fold(http.get(format!("{}/v2/contract/list", w.base_url)), |r, (k, v)| r.header(k, v));
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let e = client::envelope("contract/list", status, &resp.bytes().await.unwrap()).unwrap_err().to_string();
    assert!(e.contains("441") && e.contains("时间戳"), "{e}");
}

#[tokio::test]
async fn private_cloud_prefix_is_a_setting() {
    let w = world(30).await;
    w.sim.set_header_prefix("x-qys-");
    let e = w.service.sync_account(w.account).await.unwrap_err().to_string();
    assert!(e.contains("442"), "SaaS headers are not read by a private cloud: {e}");
    let mut private = w.sim.demo_account(&w.base_url);
    assert_eq!(private.settings["header_prefix"], "x-qys-");
    private.settings.insert("header_prefix".into(), "x-qys-".into());
    let id = add(&w.service, "私有云", &private);
    w.service.sync_account(id).await.unwrap();
    assert!(!remote_ids(&w.service, Inbox::Todo).is_empty());
}

/// A private cloud answers in its own published shape (detail under `contract`, list under
/// `contractList`, `actionOperators` by user id, WAITING/SIGNING/SIGNED): the same boxes, the
/// employee named by user id; approving moves it as on the open platform.
#[tokio::test]
async fn a_private_cloud_in_its_own_shapes_fills_the_same_boxes() {
    let w = world(60).await;
    let me = w.me();
    w.sim.set_private_cloud();
    let private = w.sim.demo_account(&w.base_url);
    assert_ne!(private.settings["employee"], json!(me), "the private cloud's operators carry user ids, not mobiles");
    let id = add(&w.service, "私有云", &private);
    w.service.sync_account(id).await.unwrap();
    assert_eq!(remote_ids(&w.service, Inbox::Todo), w.sim.todo_ids_for(&me));
    assert_eq!(remote_ids(&w.service, Inbox::Submitted), w.sim.submitted_ids_for(&me));
    assert_eq!(remote_ids(&w.service, Inbox::Processed), w.sim.processed_ids_for(&me));
    let target = w.sim.todo_ids_for(&me)[0].clone();
    let local = local_id(&w.service, &target);
    let before = w.service.approval(local).unwrap().remote;
    assert!(before.raw["signatories"][0]["actions"][0]["actionOperators"].is_array(), "read from the private shape");
    let after = w.service.act(local, Action::Approve, "同意").await.unwrap().remote;
    assert_eq!(w.sim.audit_of(&target, &me), Some((true, "同意".into())));
    assert!(after.boxes.contains(&Inbox::Processed) && !after.boxes.contains(&Inbox::Todo), "{:?}", after.boxes);
    let mine = after
        .steps
        .iter()
        .flat_map(|s| &s.members)
        .find(|m| m.decision == inbox_core::Decision::Approved && m.user.name == w.sim.demo_employee().name);
    assert!(mine.is_some_and(|m| m.decided_at.is_some()), "completeTime is the decision's time");
}

/// The contract's documents are attachments: downloaded through the vendor's published
/// `document/download` as PDFs the window previews.
#[tokio::test]
async fn contract_documents_download_as_pdfs() {
    let w = world(30).await;
    let id = w.sim.todo_ids_for(&w.me())[0].clone();
    w.service.sync_account(w.account).await.unwrap();
    let local = local_id(&w.service, &id);
    let approval = w.service.approval(local).unwrap().remote;
    let ids: Vec<String> = approval.attachments.iter().map(|a| a.remote_id.clone()).collect();
    assert_eq!(ids, w.sim.document_ids(&id));
    assert!(
        approval.attachments.iter().all(|a| a.name.ends_with(".pdf") && !a.is_folder),
        "{:?}",
        approval.attachments
    );
    assert!(inbox_core::connectors::vendor_info(inbox_core::Vendor::Qiyuesuo).capabilities.attachments);
    let dir = tempfile::tempdir().unwrap();
    let path = w.service.download(local, &ids[0], dir.path()).await.unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "{path:?}");
    assert!(path.to_string_lossy().ends_with(".pdf"));
    assert!(w.sim.calls(client::DOCUMENT_DOWNLOAD_PATH) >= 1);
    // An unknown document: the vendor's JSON envelope instead of the file, in words.
    let e = w.connector().download("404").await.unwrap_err().to_string();
    assert!(e.contains("document/download") && e.contains("11990005"), "{e}");
}

#[tokio::test]
async fn page_url_opens_the_contract_in_the_browser() {
    let w = world(30).await;
    let id = w.sim.todo_ids_for(&w.me())[0].clone();
    w.service.sync_account(w.account).await.unwrap();
    let page = w.service.list(&ListQuery { limit: 500, ..Default::default() }).unwrap();
    let local = page.items.iter().find(|a| a.remote_id == id).expect("the todo is cached").id;
    let url = w.service.vendor_link(local).await.unwrap();
    assert!(url.starts_with(&w.base_url) && url.contains(&id), "{url}");
    let html = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(html.contains("合同编号"));
    let e = w.connector().vendor_link("404").await.unwrap_err().to_string();
    assert!(e.contains("contract/pageurl") && e.contains("11101003"), "{e}");
    // pageurl names its user (the simulator refuses the call without one, as published).
    let c = w.client();
    let e =
        c.post(client::CALL_PAGEURL, &json!({ "contractId": id, "pageType": "SIGN" })).await.unwrap_err().to_string();
    assert!(e.contains("11990005") && e.contains("user"), "{e}");
}

#[tokio::test]
async fn failures_are_reported_per_account_and_leave_the_cache_as_it_was() {
    let w = world(40).await;
    w.service.sync_account(w.account).await.unwrap();
    let before = w.service.list(&ListQuery { limit: 1000, ..Default::default() }).unwrap().items;
    let counts = w.service.box_counts().unwrap();

    w.sim.set_fault(Some(Fault::MalformedJson));
    let e = w.service.sync_account(w.account).await.unwrap_err().to_string();
    assert!(e.contains("契约锁") && e.contains("malformed"), "{e}");
    let a = w.service.account(&w.account.to_string()).unwrap();
    assert!(a.sync.last_error.unwrap().contains("malformed"));
    assert_eq!(w.service.list(&ListQuery { limit: 1000, ..Default::default() }).unwrap().items, before);
    w.sim.set_fault(Some(Fault::ServerError));
    let e = w.service.sync_account(w.account).await.unwrap_err().to_string();
    assert!(e.contains("HTTP 500"), "{e}");
    w.sim.set_fault(None);

    let mut gone = w.sim.demo_account("http://127.0.0.1:9");
    gone.base_url = "http://127.0.0.1:9".into();
    let gone_id = add(&w.service, "不可达", &gone);
    let e = w.service.sync_account(gone_id).await.unwrap_err().to_string();
    assert!(e.contains("不可达") && e.contains("cannot reach"), "{e}");
    assert_eq!(w.service.box_counts().unwrap(), counts);
    assert_eq!(w.service.list(&ListQuery { limit: 1000, ..Default::default() }).unwrap().items, before);
}

#[tokio::test]
async fn test_account_checks_the_signature_and_changes_nothing() {
    let w = world(30).await;
    let ok = w.service.test_account(w.account).await.unwrap();
    assert!(ok.contains("连接成功"), "{ok}");
    let todo = w.sim.todo_ids_for(&w.me());
    assert_eq!(w.sim.contract_status(&todo[0]).as_deref(), Some("SIGNING"));
    assert_eq!(w.sim.todo_ids_for(&w.me()), todo, "testing changes nothing");
}

/// Issue 7: a second sync with nothing new reads only the contracts awaiting the employee's
/// audit (the todo box comes from the detail); what the employee did through the app and an
/// audit refused by someone else at the vendor both show after the next sync.
#[tokio::test]
async fn a_sync_with_nothing_new_reads_only_what_is_in_progress_and_changes_still_show() {
    const DETAIL: &str = "/v2/contract/detail";
    let w = world(120).await;
    let me = w.me();
    w.service.sync_account(w.account).await.unwrap();
    let counts = w.service.box_counts().unwrap();
    let todo = w.sim.todo_ids_for(&me);
    let before = w.sim.calls(DETAIL);
    w.service.sync_account(w.account).await.unwrap();
    // The contracts still in progress are read again (the todo among them); finished ones not.
    let read = w.sim.calls(DETAIL) - before;
    let in_progress = w.sim.with_state(|s| {
        s.contracts
            .values()
            .filter(|c| c.involves(&s.company) && matches!(c.status, "DRAFT" | "FILLING" | "SIGNING"))
            .count()
    });
    assert!(
        todo.len() <= read && read <= in_progress,
        "{read} read again: {} todo, {in_progress} in progress",
        todo.len()
    );
    assert!(read < before, "finished contracts are not read again ({before} details at first)");
    assert_eq!(w.service.box_counts().unwrap(), counts);

    let target = todo[0].clone();
    w.service.act(local_id(&w.service, &target), Action::Approve, "同意").await.unwrap();
    // Someone else's audit of a contract the employee sent is refused at the vendor.
    let now = vendor_sim::common::now_secs();
    let theirs = w
        .sim
        .submitted_ids_for(&me)
        .into_iter()
        .filter(|c| !todo.contains(c) && w.sim.contract_status(c).as_deref() == Some("SIGNING"))
        .find(|c| w.sim.with_state(|s| s.employee_audit(Some(c), None, None, false, "条款有误", now).is_ok()))
        .expect("a contract of the employee awaiting someone else's audit");
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!(remote_ids(&w.service, Inbox::Todo), sorted(w.sim.todo_ids_for(&me)));
    assert!(remote_ids(&w.service, Inbox::Processed).contains(&target));
    let refused = w.service.approval(local_id(&w.service, &theirs)).unwrap().remote;
    assert_eq!(refused.status, inbox_core::Status::Rejected, "{}", w.sim.contract_status(&theirs).unwrap_or_default());
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}
