//! What a `create-approval` whose answer cannot be read comes to, through `Service::submit`
//! against the simulator over real HTTP (issue 13, item 4). The document shows no reply for
//! `create-approval`: when the vendor's answer is not the `{code: 0, id}` we chose, the vendor's
//! own list of the user's approvals (`get-creator-list`) says what happened. Created: the user
//! is shown that approval, the draft is gone, and nothing invites a second send. Not created: the
//! draft stays failed and says so. The list unreadable too: the outcome stays unknown, and the
//! next send of the draft looks before sending. Every request carries the file's path as the
//! document shows it (`fullPath`, 公司文件/…), which the simulator checks.

mod support;
use inbox_core::{DraftState, FieldValue, Inbox, Progress, Status, Submission, VendorError};
use serde_json::json;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vendor_sim::yomicloud::Sim;
use vendor_sim::Simulator;
use vendor_sim::Tenant;

/// The drive and its account ([`support::World`]), and a 申请预览权限 template (any-one rule,
/// admin approves) on the drive's root folder.
struct World {
    world: support::World<Sim>,
    template: i64,
}

impl std::ops::Deref for World {
    type Target = support::World<Sim>;
    fn deref(&self) -> &Self::Target {
        &self.world
    }
}

/// A drive (`tenant`), and the demo account pointed at `through` (a proxy) or the drive itself.
async fn world(tenant: Tenant, through: Option<Script>) -> World {
    let sim = Sim::for_tenant(7, 20, tenant);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let base = match through {
        Some(script) => proxy(server.base_url.trim_start_matches("http://").parse().unwrap(), script).await,
        None => server.base_url.clone(),
    };
    let world = support::World::on(sim, server, "云盘", |demo| demo.base_url = base);
    let content = json!({"approvalType": "3", "approverAuth": 1, "ccAuth": 0, "desc": "请说明用途", "step": [{"approvalNum": 0, "ids": ["1"], "name": "审批", "type": 2}], "title": "申请预览", "uids": []});
    let template = world.sim.with_state(|s| {
        let root = s.files.values().filter(|f| f.parent_id == 0 && f.attachment_root == 0).map(|f| f.id).min().unwrap();
        s.add_templet(root, 0, "申请预览", content, 1, 1)
    });
    World { world, template }
}

/// A deep drive file (three folders down) and its path from the root.
fn deep_file(sim: &Sim) -> (i64, String) {
    sim.with_state(|s| {
        let deep = s
            .files
            .values()
            .filter(|f| f.attachment_root == 0 && !f.is_folder && s.path_of(f.id).matches('/').count() >= 3)
            .map(|f| f.id)
            .min()
            .unwrap();
        (deep, s.path_of(deep))
    })
}

fn form(w: &World, file: i64, note: &str) -> Submission {
    Submission {
        template_id: w.template.to_string(),
        target: Some(file.to_string()),
        fields: vec![FieldValue::text("creatorNote", note), FieldValue::text("tempAuthDay", "3")],
        ..Default::default()
    }
}

fn submitted(w: &World) -> Vec<i64> {
    w.sim.submitted_ids_for(w.sim.demo_user().uid)
}

/// The content the drive keeps for approval `id`.
fn stored_content(w: &World, id: i64) -> serde_json::Value {
    w.sim.with_state(|s| serde_json::from_str(&s.approvals[&id].content).unwrap())
}

#[tokio::test]
async fn a_submit_sends_the_files_path_from_the_root() {
    let w = world(Tenant::Tidy, None).await;
    let (file, path) = deep_file(&w.sim);
    assert!(path.starts_with("公司文件/"), "{path}");
    let sent = w.service.submit(w.account, &form(&w, file, "路径"), Progress::ignore()).await.unwrap();
    let id: i64 = sent.remote.remote_id.parse().unwrap();
    assert_eq!(stored_content(&w, id)["fullPath"], path.as_str(), "not the file's name alone");
    assert!(sent.remote.fields.iter().any(|f| f.label == "文件路径" && f.value == path));
}

/// A wild drive answers without the `id` (`{msg}` for one approval, `{data: {approvalId}}` for
/// the next): each submit reports the approval it created, found in `get-creator-list`.
#[tokio::test]
async fn a_reply_without_the_id_reports_the_approval_that_was_created() {
    let w = world(Tenant::Wild, None).await;
    let wild = w.sim.wild_ids().unwrap();
    let odd = w.sim.with_state(|s| {
        s.files.values().filter(|f| f.parent_id == wild.odd_folder && !f.is_folder).map(|f| f.id).collect::<Vec<_>>()
    });
    for (i, file) in odd.iter().take(2).enumerate() {
        let (before, lookups) = (submitted(&w), w.sim.calls(CREATOR_LIST));
        let sent = w
            .service
            .submit(w.account, &form(&w, *file, &format!("无 id 的回复 {i} 😀")), Progress::ignore())
            .await
            .unwrap();
        assert_eq!(w.sim.calls(CREATOR_LIST), lookups + 1, "found in the drive's list");
        let now = submitted(&w);
        assert_eq!(now.len(), before.len() + 1, "exactly one approval");
        assert_eq!(sent.remote.remote_id, now[0].to_string(), "the one just made");
        assert_eq!((sent.remote.status, sent.remote.boxes.clone()), (Status::Pending, vec![Inbox::Submitted]));
        let path = w.sim.with_state(|s| s.path_of(*file));
        assert_eq!(stored_content(&w, now[0])["fullPath"], path.as_str(), "odd names go into the path as they are");
    }
    assert!(w.service.drafts().unwrap().is_empty(), "no failed draft invites a second send");
}

#[tokio::test]
async fn an_unreadable_reply_with_nothing_created_keeps_the_draft_failed_and_says_so() {
    // The answer comes from in between, the drive never sees the request.
    let w = world(Tenant::Tidy, Some(vec![("/create-approval", Act::Answer(b"{\"code\":0,\"da"))])).await;
    let (file, _) = deep_file(&w.sim);
    let before = submitted(&w);
    let lookups = w.sim.calls(CREATOR_LIST);
    let e = w.service.submit(w.account, &form(&w, file, "没发出去"), Progress::ignore()).await.unwrap_err().to_string();
    assert_eq!(w.sim.calls(CREATOR_LIST), lookups + 1, "the drive's list was read");
    assert!(
        e.contains("create-approval")
            && e.contains("get-creator-list shows no such approval")
            && e.contains("not created"),
        "{e}"
    );
    assert_eq!(submitted(&w), before);
    let draft = w.service.drafts().unwrap().pop().expect("the draft is kept");
    assert_eq!(draft.state, DraftState::Failed);
    assert!(draft.error.as_deref().is_some_and(|m| m.contains("not created")), "{:?}", draft.error);
    let sent = w.service.submit_draft(draft.id, Progress::ignore()).await.unwrap();
    assert_eq!(submitted(&w).len(), before.len() + 1, "sent again: one approval");
    assert_eq!(sent.remote.status, Status::Pending);
}

#[tokio::test]
async fn a_vendor_error_reply_is_not_reconciled_but_a_gateway_error_is() {
    let script = vec![
        (
            "/create-approval",
            Act::ForwardThen(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"),
        ),
        ("/create-approval", Act::Answer("{\"code\":2,\"msg\":\"参数错误: creatorNote\"}".as_bytes())),
    ];
    let w = world(Tenant::Tidy, Some(script)).await;
    let (file, _) = deep_file(&w.sim);
    let before = submitted(&w);
    // The drive made it; the gateway lost the answer: the creator list finds it.
    let sent = w.service.submit(w.account, &form(&w, file, "网关丢了回复"), Progress::ignore()).await.unwrap();
    assert_eq!(submitted(&w).len(), before.len() + 1);
    assert_eq!(sent.remote.remote_id, submitted(&w)[0].to_string());
    // The vendor's own refusal is a refusal: nothing to look up, the form shows it at its field.
    let lookups = w.sim.calls(CREATOR_LIST);
    let e = w.service.submit(w.account, &form(&w, file, "被拒绝"), Progress::ignore()).await.unwrap_err();
    assert!(
        matches!(&e, inbox_core::Error::Vendor { source, .. } if matches!(&**source, VendorError::Field { field, .. } if field == "creatorNote")),
        "{e}"
    );
    assert_eq!(w.sim.calls(CREATOR_LIST), lookups);
    assert_eq!(w.service.drafts().unwrap().pop().map(|d| d.state), Some(DraftState::Failed));
}

const CREATOR_LIST: &str = "/app/approval/get-creator-list";

#[tokio::test]
async fn when_the_creator_list_cannot_be_read_either_the_outcome_stays_unknown_and_the_resend_looks_first() {
    let script = vec![("/create-approval", Act::ForwardThen(TRUNCATED)), ("/get-creator-list", Act::Answer500)];
    let w = world(Tenant::Tidy, Some(script)).await;
    let (file, _) = deep_file(&w.sim);
    let before = submitted(&w);
    let e = w.service.submit(w.account, &form(&w, file, "结果未知"), Progress::ignore()).await.unwrap_err();
    assert!(
        matches!(&e, inbox_core::Error::Vendor { source, .. } if matches!(&**source, VendorError::OutcomeUnknown { .. })),
        "{e}"
    );
    assert!(e.to_string().contains("已发起"), "{e}");
    assert_eq!(submitted(&w).len(), before.len() + 1, "the drive made it");
    let draft = w.service.drafts().unwrap().pop().unwrap();
    assert_eq!(draft.state, DraftState::Failed);

    let sent = w.service.submit_draft(draft.id, Progress::ignore()).await.unwrap();
    assert_eq!(submitted(&w).len(), before.len() + 1, "the resend found it instead of making a second one");
    assert_eq!(sent.remote.remote_id, submitted(&w)[0].to_string());
    assert!(w.service.drafts().unwrap().is_empty());
}

#[tokio::test]
async fn a_broken_connection_with_the_list_unreachable_too_is_told_as_such_and_the_resend_looks_first() {
    // The drive makes it, the connection breaks before its answer; the list's connection breaks too.
    let script = vec![("/create-approval", Act::ForwardThen(b"")), ("/get-creator-list", Act::ForwardThen(b""))];
    let w = world(Tenant::Tidy, Some(script)).await;
    let (file, _) = deep_file(&w.sim);
    let before = submitted(&w);
    let e = w.service.submit(w.account, &form(&w, file, "连接断了"), Progress::ignore()).await.unwrap_err();
    assert!(
        matches!(&e, inbox_core::Error::Vendor { source, .. } if matches!(&**source, VendorError::Unreachable { call, .. } if call == "create-approval")),
        "{e}"
    );
    assert_eq!(submitted(&w).len(), before.len() + 1, "the drive made it");
    let draft = w.service.drafts().unwrap().pop().unwrap();
    let sent = w.service.submit_draft(draft.id, Progress::ignore()).await.unwrap();
    assert_eq!(submitted(&w).len(), before.len() + 1, "the resend found it instead of making a second one");
    assert_eq!(sent.remote.remote_id, submitted(&w)[0].to_string());
}

/// A success reply cut off half way (as a broken connection leaves it).
const TRUNCATED: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\nconnection: close\r\n\r\n{\"code\":0";

/// What the proxy does with the first request to a path.
#[derive(Clone, Copy)]
enum Act {
    /// Answers `{body}` itself (HTTP 200, JSON); the drive never sees the request.
    Answer(&'static [u8]),
    /// Answers HTTP 500 itself.
    Answer500,
    /// Lets the drive carry it out, then answers these raw bytes instead of its reply.
    ForwardThen(&'static [u8]),
}

type Script = Vec<(&'static str, Act)>;

/// Forwards to `upstream`, one request per connection, but the first request to each path of
/// `script` is handled as the script says (each entry used once).
async fn proxy(upstream: std::net::SocketAddr, script: Script) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let script = Arc::new(Mutex::new(script));
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let script = script.clone();
            tokio::spawn(async move {
                let Some((req, body_start)) = read_request(&mut client).await else { return };
                let head = String::from_utf8_lossy(&req[..body_start]).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                let act = {
                    let mut script = script.lock().unwrap();
                    script.iter().position(|(p, _)| path.ends_with(p)).map(|i| script.remove(i).1)
                };
                let reply = match act {
                    Some(Act::Answer(body)) => [format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len()).as_bytes(), body].concat(),
                    Some(Act::Answer500) => b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_vec(),
                    Some(Act::ForwardThen(raw)) => {
                        forward(upstream, &req, body_start).await;
                        raw.to_vec()
                    }
                    None => forward(upstream, &req, body_start).await,
                };
                let _ = client.write_all(&reply).await;
            });
        }
    });
    format!("http://{addr}")
}

/// One whole request (head and body) and where its body starts.
async fn read_request(client: &mut tokio::net::TcpStream) -> Option<(Vec<u8>, usize)> {
    let (mut req, mut buf) = (Vec::new(), vec![0u8; 65536]);
    let body_start = loop {
        let n = client.read(&mut buf).await.ok().filter(|n| *n > 0)?;
        req.extend_from_slice(&buf[..n]);
        if let Some(i) = req.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&req[..body_start]).to_lowercase();
    let length: usize =
        head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
    while req.len() < body_start + length {
        let n = client.read(&mut buf).await.ok().filter(|n| *n > 0)?;
        req.extend_from_slice(&buf[..n]);
    }
    Some((req, body_start))
}

/// Sends the request upstream on a connection of its own and answers the whole reply.
async fn forward(upstream: std::net::SocketAddr, req: &[u8], body_start: usize) -> Vec<u8> {
    let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await else { return vec![] };
    // Ask the drive to close after its reply, so the connection's end marks the reply's.
    let head = String::from_utf8_lossy(&req[..body_start - 2]).to_string() + "connection: close\r\n\r\n";
    if server.write_all(head.as_bytes()).await.is_err() || server.write_all(&req[body_start..]).await.is_err() {
        return vec![];
    }
    let mut reply = Vec::new();
    let _ = server.read_to_end(&mut reply).await;
    reply
}
