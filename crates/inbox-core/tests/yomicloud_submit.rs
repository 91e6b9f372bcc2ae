//! Starting yomicloud approvals through the service, against the simulator over real HTTP and a
//! real SQLite file: templates (designated step, `tempAuthDay`), submit → approve by a second
//! user → done in the submitter's cache, a 20 MB file and a 200-file folder with progress, a
//! create-approval whose reply is lost (one approval only), a refused form naming its field, and
//! drafts that survive a failed send and a restart.

mod support;
use inbox_core::submission::AttachmentRule;
use inbox_core::{
    Action, DraftState, Error, FieldValue, Inbox, Progress, Service, Status, Submission, TemplateQuery, UploadProgress,
    UploadState, VendorError,
};
use std::sync::{Arc, Mutex};
use support::add_demo as add;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vendor_sim::common::RunningServer;
use vendor_sim::yomicloud::Sim;
use vendor_sim::Simulator;

use support::DRIVE_APPROVER as APPROVER;

type World = support::DriveWorld;

async fn world() -> World {
    World::of(support::World::new(Sim::new(7, 20), "云盘").await)
}

/// The drive served by `server`, its account pointed at `base` (a proxy) when given.
fn world_at(sim: Sim, server: RunningServer, base: Option<String>) -> World {
    World::of(support::World::on(sim, server, "云盘", |demo| demo.base_url = base.unwrap_or(demo.base_url.clone())))
}

fn preview_form(w: &World, note: &str) -> Submission {
    Submission {
        template_id: w.preview.to_string(),
        target: Some(w.file.to_string()),
        fields: vec![
            FieldValue::text("creatorNote", note),
            FieldValue::text("tempAuthDay", "3"),
            FieldValue::text("selectId.0", APPROVER.to_string()),
        ],
        ..Default::default()
    }
}

fn recorder() -> (Progress, Arc<Mutex<Vec<UploadProgress>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    (Progress::new(move |p| s.lock().unwrap().push(p)), seen)
}

#[tokio::test]
async fn templates_submit_approve_done_across_two_users() {
    let w = world().await;
    let t = w
        .service
        .templates(
            w.account,
            &TemplateQuery { target: Some(w.file.to_string()), template_id: Some(w.preview.to_string()) },
        )
        .await
        .unwrap();
    let keys: Vec<&str> = t[0].fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, ["creatorNote", "tempAuthDay", "selectId.0"]);
    assert_eq!(t[0].fields[2].options.iter().map(|o| o.value.as_str()).collect::<Vec<_>>(), ["1", "5"]);
    assert_eq!((t[0].attachments, t[0].steps.len()), (AttachmentRule::None, 1));
    // Listing a file's templates is for admins only: the vendor's refusal is shown.
    let e = w
        .service
        .templates(w.account, &TemplateQuery { target: Some(w.file.to_string()), template_id: None })
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("templet-list") && e.contains("没有权限"), "{e}");

    let sent = w.service.submit(w.account, &preview_form(&w, "需要预览合同"), Progress::ignore()).await.unwrap();
    assert_eq!((sent.remote.status, sent.remote.boxes.clone()), (Status::Pending, vec![Inbox::Submitted]));
    assert!(w.service.drafts().unwrap().is_empty(), "the confirmed draft is gone");
    let remote: i64 = sent.remote.remote_id.parse().unwrap();
    assert!(w.sim.todo_ids_for(APPROVER).contains(&remote), "the approver sees it in todo");

    let approver = w.sim.user(APPROVER).unwrap();
    let mut demo = w.sim.demo_account(&w.server.base_url);
    demo.settings.insert("uid".into(), APPROVER.to_string().into());
    demo.secrets.insert("token".into(), approver.token.into());
    let second = add(&w.service, "云盘-审批人", &demo);
    w.service.sync_account(second).await.unwrap();
    let todo =
        w.service.store().approval_by_remote(second, &sent.remote.remote_id).unwrap().expect("in the approver's cache");
    assert!(todo.remote.boxes.contains(&Inbox::Todo));
    w.service.act(todo.id, Action::Approve, "同意").await.unwrap();
    w.service.sync_account(w.account).await.unwrap();
    assert_eq!(w.service.approval(sent.id).unwrap().remote.status, Status::Approved);
}

#[tokio::test]
async fn a_20_mb_file_and_a_200_file_folder_upload_with_progress() {
    let w = world().await;
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("大文件.bin");
    std::fs::write(&big, vec![7u8; 20 * 1024 * 1024]).unwrap();
    let form = |paths: Vec<std::path::PathBuf>| Submission {
        template_id: w.upload.to_string(),
        target: Some(w.folder.to_string()),
        fields: vec![FieldValue::text("creatorNote", "上传资料")],
        attachments: paths,
        ..Default::default()
    };
    let (progress, seen) = recorder();
    let sent = w.service.submit(w.account, &form(vec![big.clone()]), progress).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert!(seen.iter().filter(|p| p.state == UploadState::Sending).count() > 10, "progress in chunks");
    assert_eq!(seen.last().map(|p| (p.state, p.sent)), Some((UploadState::Done, 20 * 1024 * 1024)));
    assert_eq!(sent.remote.attachments.len(), 1);

    let root = tmp.path().join("资料");
    for i in 0..200 {
        let dir = root.join(format!("第{}组", i % 4));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{i:03}.txt")), format!("文件 {i}")).unwrap();
    }
    let (progress, seen) = recorder();
    let sent = w.service.submit(w.account, &form(vec![root]), progress).await.unwrap();
    let done = seen.lock().unwrap().iter().filter(|p| p.state == UploadState::Done).count();
    assert_eq!(done, 200);
    let attachment = w.sim.with_state(|s| s.approvals[&sent.remote.remote_id.parse::<i64>().unwrap()].attachment_id);
    let files =
        w.sim.with_state(|s| s.files.values().filter(|f| f.attachment_root == attachment && !f.is_folder).count());
    assert_eq!(files, 200, "the tree is kept");
}

/// Forwards to `upstream`, but the first time a request for `create-approval` passes, drops
/// the connection once the reply starts (the approval exists, we never learn it).
async fn lossy_proxy(upstream: std::net::SocketAddr) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let dropped = Arc::new(Mutex::new(false));
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let dropped = dropped.clone();
            tokio::spawn(async move {
                let mut server = tokio::net::TcpStream::connect(upstream).await.unwrap();
                let (mut buf_c, mut buf_s) = (vec![0u8; 65536], vec![0u8; 65536]);
                let mut doomed = false;
                loop {
                    tokio::select! {
                        n = client.read(&mut buf_c) => {
                            let Ok(n) = n else { return };
                            if n == 0 { return; }
                            let hit = String::from_utf8_lossy(&buf_c[..n]).contains("/create-approval");
                            if hit {
                                let mut d = dropped.lock().unwrap();
                                if !*d { *d = true; doomed = true; }
                            }
                            if server.write_all(&buf_c[..n]).await.is_err() { return; }
                        }
                        n = server.read(&mut buf_s) => {
                            let Ok(n) = n else { return };
                            if n == 0 || doomed { return; }
                            if client.write_all(&buf_s[..n]).await.is_err() { return; }
                        }
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_lost_create_reply_makes_exactly_one_approval() {
    let sim = Sim::new(7, 20);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let upstream: std::net::SocketAddr = server.base_url.trim_start_matches("http://").parse().unwrap();
    let proxy = lossy_proxy(upstream).await;
    let w = world_at(sim, server, Some(proxy));
    let me = w.sim.demo_user().uid;
    let before = w.sim.submitted_ids_for(me).len();
    let sent = w.service.submit(w.account, &preview_form(&w, "只发一次"), Progress::ignore()).await.unwrap();
    assert_eq!(w.sim.submitted_ids_for(me).len(), before + 1, "one approval despite the lost reply");
    assert_eq!(sent.remote.status, Status::Pending);
}

#[tokio::test]
async fn a_refused_form_names_its_field_and_drafts_survive_failure_and_restart() {
    let w = world().await;
    // Checked before sending: the designated approver is required.
    let mut missing = preview_form(&w, "少了审批人");
    missing.fields.retain(|f| f.key != "selectId.0");
    let e = w.service.submit(w.account, &missing, Progress::ignore()).await.unwrap_err();
    assert!(
        matches!(&e, Error::Vendor { source, .. } if matches!(&**source, VendorError::Field { field, .. } if field == "selectId.0")),
        "{e}"
    );
    // An approver outside the step is not an option: caught locally, named.
    let mut outsider = preview_form(&w, "审批人不在步骤里");
    outsider.fields[2].value = "9".into();
    let e = w.service.submit(w.account, &outsider, Progress::ignore()).await.unwrap_err().to_string();
    assert!(e.contains("selectId.0"), "{e}");
    w.sim.set_fault(Some(vendor_sim::common::Fault::ServerError));
    let e =
        w.service.submit(w.account, &preview_form(&w, "服务器出错"), Progress::ignore()).await.unwrap_err().to_string();
    assert!(e.contains("HTTP 500"), "{e}");
    w.sim.set_fault(None);
    let kept = w.service.drafts().unwrap();
    assert_eq!(kept.len(), 3, "every failed send kept its draft");
    assert!(kept.iter().all(|d| d.state == DraftState::Failed && d.error.is_some()));
    let sending = w
        .service
        .list(&inbox_core::ListQuery { inbox: Some(Inbox::Submitted), limit: 500, ..Default::default() })
        .unwrap();
    assert!(sending.items.iter().all(|a| a.status != Status::Sending), "no stand-in left after a failure");

    // A restart: the same cache file reopened still has the drafts; one is fixed and sent.
    let reopened = Service::open(w.dir.path()).unwrap();
    let drafts = reopened.drafts().unwrap();
    assert_eq!(drafts.len(), 3);
    let mut draft = drafts.into_iter().find(|d| d.submission.value("creatorNote") == Some("服务器出错")).unwrap();
    let (id, request) = (draft.id, draft.submission.request_id.clone());
    assert!(!request.is_empty());
    draft.submission.fields[0].value = "服务器恢复后重发".into();
    assert_eq!(reopened.save_draft(&draft).unwrap(), id);
    assert_eq!(
        reopened.drafts().unwrap().iter().find(|d| d.id == id).unwrap().submission.request_id,
        request,
        "the request id is kept"
    );
}

/// Forwards to `upstream`, but answers the first `create-approval` with HTTP 500 itself (after
/// reading the whole request, so the client sees a refusal, not a broken connection).
async fn refusing_proxy(upstream: std::net::SocketAddr) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let refused = Arc::new(Mutex::new(false));
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let refused = refused.clone();
            tokio::spawn(async move {
                // One request per connection is enough here: read it whole, then decide.
                let mut req = Vec::new();
                let mut buf = vec![0u8; 65536];
                let body_start = loop {
                    let Ok(n) = client.read(&mut buf).await else { return };
                    if n == 0 {
                        return;
                    }
                    req.extend_from_slice(&buf[..n]);
                    if let Some(i) = req.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&req[..body_start]).to_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while req.len() < body_start + length {
                    let Ok(n) = client.read(&mut buf).await else { return };
                    if n == 0 {
                        return;
                    }
                    req.extend_from_slice(&buf[..n]);
                }
                let refuse =
                    head.contains("/create-approval") && !std::mem::replace(&mut *refused.lock().unwrap(), true);
                if refuse {
                    let _ = client
                        .write_all(
                            b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        )
                        .await;
                    return;
                }
                let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await else { return };
                // One request per upstream connection: ask it to close, so its end marks the reply's.
                let head = String::from_utf8_lossy(&req[..body_start - 2]).to_string() + "connection: close\r\n\r\n";
                if server.write_all(head.as_bytes()).await.is_err()
                    || server.write_all(&req[body_start..]).await.is_err()
                {
                    return;
                }
                let mut reply = Vec::new();
                let _ = server.read_to_end(&mut reply).await;
                let _ = client.write_all(&reply).await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_resend_after_a_refused_create_reuses_the_uploaded_files() {
    let sim = Sim::new(7, 20);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let upstream: std::net::SocketAddr = server.base_url.trim_start_matches("http://").parse().unwrap();
    let proxy = refusing_proxy(upstream).await;
    let w = world_at(sim, server, Some(proxy));
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("合同.pdf");
    std::fs::write(&file, vec![3u8; 300 * 1024]).unwrap();
    let form = Submission {
        template_id: w.upload.to_string(),
        target: Some(w.folder.to_string()),
        fields: vec![FieldValue::text("creatorNote", "上传合同")],
        attachments: vec![file.clone()],
        ..Default::default()
    };
    let uploads = || w.sim.with_state(|s| s.attachments.len());
    let before = uploads();
    let e = w.service.submit(w.account, &form, Progress::ignore()).await.unwrap_err().to_string();
    assert!(e.contains("HTTP 500"), "{e}");
    assert_eq!(uploads(), before + 1, "the file went up once");
    let draft = w.service.drafts().unwrap().pop().unwrap();
    assert_eq!(draft.state, DraftState::Failed);
    let kept = draft.submission.uploaded.clone().expect("the draft remembers the upload");
    assert!(draft.uploads.iter().all(|u| u.state == UploadState::Done), "{:?}", draft.uploads);

    // What the UI sends back while the user edits (without `uploaded`) keeps it while the files stay.
    let mut edited = draft.clone();
    edited.submission.uploaded = None;
    edited.submission.request_id = String::new();
    edited.submission.fields[0].value = "上传合同（重发）".into();
    w.service.save_draft(&edited).unwrap();
    let saved = w.service.drafts().unwrap().remove(0);
    assert_eq!(saved.submission.uploaded.as_deref(), Some(kept.as_str()));
    assert_eq!(saved.submission.request_id, draft.submission.request_id, "the request id is kept too");

    let (progress, seen) = recorder();
    let sent = w.service.submit_draft(draft.id, progress).await.unwrap();
    assert_eq!(uploads(), before + 1, "the resend did not upload again");
    let seen = seen.lock().unwrap().clone();
    assert!(seen.iter().all(|p| p.state == UploadState::Done), "no bytes sent again: {seen:?}");
    let used = w.sim.with_state(|s| s.approvals[&sent.remote.remote_id.parse::<i64>().unwrap()].attachment_id);
    assert_eq!(used.to_string(), kept);

    // The UI cannot set it: a new draft (or one naming other files) starts without it.
    assert!(w.service.drafts().unwrap().is_empty(), "the sent draft is gone");
    let fresh = inbox_core::Draft {
        id: 0,
        account_id: w.account,
        submission: form,
        uploads: vec![],
        state: DraftState::Editing,
        error: None,
        error_field: None,
        updated_at: 0,
    };
    let id = w.service.save_draft(&fresh).unwrap();
    let mut d = w.service.drafts().unwrap().remove(0);
    d.submission.uploaded = Some("999".into());
    assert_eq!(w.service.save_draft(&d).unwrap(), id);
    assert_eq!(w.service.drafts().unwrap()[0].submission.uploaded, None);
}

/// `remove-approval` is for the super admin: the demo user's attempt is refused in words and the
/// cache keeps the approval; the admin's removes it at the vendor and from the cache.
#[tokio::test]
async fn only_an_administrator_removes_an_approval() {
    let w = world().await;
    // The administrator is the designated approver, so the approval is in the admin's lists.
    let mut form = preview_form(&w, "要删除的审批");
    form.fields[2].value = "1".into();
    let sent = w.service.submit(w.account, &form, Progress::ignore()).await.unwrap();
    let remote: i64 = sent.remote.remote_id.parse().unwrap();

    let e = w.service.remove_approval(sent.id).await.unwrap_err().to_string();
    assert!(e.contains("remove-approval") && e.contains("没有权限"), "{e}");
    assert!(w.service.approval(sent.id).is_ok(), "a refused removal keeps the cached approval");
    assert!(w.sim.approval_status(remote).is_some());

    let admin = w.sim.user(1).unwrap();
    let mut demo = w.sim.demo_account(&w.server.base_url);
    demo.settings.insert("uid".into(), "1".into());
    demo.secrets.insert("token".into(), admin.token.into());
    let admin_account = add(&w.service, "云盘-管理员", &demo);
    w.service.sync_account(admin_account).await.unwrap();
    let seen = w
        .service
        .store()
        .approval_by_remote(admin_account, &sent.remote.remote_id)
        .unwrap()
        .expect("in the admin's cache (an approver)");
    w.service.remove_approval(seen.id).await.unwrap();
    assert_eq!(w.sim.approval_status(remote), None, "gone at the vendor");
    assert!(w.service.approval(seen.id).is_err(), "gone from the admin's cache");
}
