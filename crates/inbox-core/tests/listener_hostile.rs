//! The callback listener under hostile traffic (issue 14), over real HTTP and a real SQLite
//! file, through `callback::serve_with` and a real `Service`: idle and half-sent connections
//! beyond the cap do not keep 则一's callbacks out; a declared 100 MB body is refused at once;
//! a body that stalls is cut off; forged traffic, even from 则一's own address, never gets a
//! validly signed callback refused with 429; refusals are counted into summary lines, not
//! logged one by one; and a callback never moves an ended approval without its history saying
//! so. Sources are told apart by binding clients to other loopback addresses (127.0.0.2, …:
//! Linux answers on all of 127/8). Waits are bounded; nothing asserts how long anything took.

mod support;
use inbox_core::callback::{Limits, CALLBACK_PATH};
use inbox_core::connectors::zeyi::auth;
use inbox_core::{Decision, Status};
use serde_json::{json, Value};
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use vendor_sim::zeyi::{App, Sim};

/// 则一 with its listener, and the integration's configuration (to sign callbacks).
struct World {
    world: support::ZeyiWorld,
    app: App,
}

impl std::ops::Deref for World {
    type Target = support::ZeyiWorld;
    fn deref(&self) -> &Self::Target {
        &self.world
    }
}

async fn world(limits: Limits) -> World {
    let world = support::ZeyiWorld::new(Sim::new(21, 0), limits, |_| {}).await;
    let app = world.sim.app();
    World { world, app }
}

/// A client whose connections come from `ip` (a loopback address).
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A raw connection from `ip`.
async fn connect_from(ip: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(ip.parse().unwrap(), 0)).unwrap();
    socket.connect(to).await.unwrap()
}

/// A callback body for approval `audit_id` (a stranger to the cache unless sent before).
fn body(business_id: &str, audit_id: &str, kind: &str, result: Option<&str>, user: &str, remark: &str) -> Vec<u8> {
    json!({"id": business_id, "auditId": audit_id, "auditCode": "SP1", "auditType": "purchase", "type": kind, "result": result, "auditUser": user, "remark": remark}).to_string().into_bytes()
}

/// Posts `body` signed as 则一 signs it (`sign` = None) or with a forged sign.
async fn post(client: &reqwest::Client, w: &World, body: Vec<u8>, nonce: &str, sign: Option<&str>) -> (u16, Value) {
    let timestamp = auth::timestamp_ms();
    let sign = sign
        .map(str::to_string)
        .unwrap_or_else(|| auth::sign(&w.app.callback_app_key, &w.app.callback_app_secret, &timestamp, nonce, &body));
    let reply = client
        .post(w.listener.callback_url())
        .header("appKey", &w.app.callback_app_key)
        .header("timestamp", &timestamp)
        .header("nonce", nonce)
        .header("sign", sign)
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("the listener answers ({nonce}): {e}"));
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

/// Waits (at most `secs`) until `done` holds; false if it never did.
async fn eventually(secs: u64, mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..secs * 20 {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    done()
}

/// Reads what the server sends until it closes (or `secs` pass); the text read and whether it closed.
async fn read_until_closed(stream: &mut TcpStream, secs: u64) -> (String, bool) {
    let mut got = vec![];
    let mut buf = [0u8; 4096];
    let closed = tokio::time::timeout(Duration::from_secs(secs), async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .is_ok();
    (String::from_utf8_lossy(&got).into_owned(), closed)
}

const HALF_SENT: &[u8] = b"POST /tms-service-api/audit/callback HTTP/1.1\r\nHost: inbox\r\nappKey: ";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_half_sent_connections_beyond_the_cap_do_not_keep_valid_callbacks_out() {
    // A header timeout far longer than the test: only shedding can make room.
    let w = world(Limits { max_connections: 64, header_timeout: Duration::from_secs(600), ..Limits::default() }).await;
    let mut idle = Vec::new();
    for _ in 0..400 {
        let mut s = connect_from("127.0.0.2", w.listener.addr).await;
        s.write_all(HALF_SENT).await.unwrap();
        idle.push(s);
    }
    let valid = client_from("127.0.0.1");
    for n in 0..25 {
        let (status, reply) = post(
            &valid,
            &w,
            body(&format!("B-{n}"), &format!("A-{n}"), "finish", Some("agree"), "王建国", "同意"),
            &format!("vld{n:03}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "valid callback {n} during the flood: {reply}");
    }
    assert_eq!(w.service.store().nonce_count().unwrap(), 25, "every valid callback was applied");
    let tally = w.listener.tally();
    assert!(tally.most_open <= 64, "never more than the cap open: {tally:?}");
    assert!(tally.shed >= 400 - 64, "the oldest half-sent connections were shed for newer ones: {tally:?}");
    assert_eq!(tally.accepted, 25);
    assert!(w.listener.open_connections() <= 64);
    // The flood's connections that were shed see their socket closed (a shed connection's socket
    // is closed before its slot is given to the next one, so before the valid callbacks got in).
    let closed = idle
        .iter()
        .filter(|s| match s.try_read(&mut [0u8; 64]) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
        })
        .count();
    assert!(closed >= 400 - 64, "{closed} of the flood's connections closed");
    println!("400 half-sent connections against a cap of 64: {} shed, {closed} seen closed, valid callbacks 25 of 25 accepted", tally.shed);
}

#[tokio::test]
async fn a_header_that_never_completes_is_cut_off_by_the_header_timeout() {
    let w = world(Limits { header_timeout: Duration::from_millis(300), ..Limits::default() }).await;
    let mut half = Vec::new();
    for n in 0..30 {
        let mut s = connect_from("127.0.0.4", w.listener.addr).await;
        // Some send part of a header, some nothing at all.
        if n % 2 == 0 {
            s.write_all(HALF_SENT).await.unwrap();
        }
        half.push(s);
    }
    for s in &mut half {
        let (_, closed) = read_until_closed(s, 30).await;
        assert!(closed, "a connection that never sent a whole header is closed");
    }
    assert!(eventually(30, || w.listener.open_connections() == 0).await, "no connection left open");
    assert!(eventually(30, || w.listener.tally().header_timeouts == 30).await, "{:?}", w.listener.tally());
    // A kept-alive connection idle after its answer is closed the same way.
    let mut s = connect_from("127.0.0.4", w.listener.addr).await;
    s.write_all(b"GET / HTTP/1.1\r\nHost: inbox\r\n\r\n").await.unwrap();
    let (answer, closed) = read_until_closed(&mut s, 30).await;
    assert!(answer.starts_with("HTTP/1.1 404") && closed, "{answer}");
}

#[tokio::test]
async fn a_declared_100_mb_body_is_refused_at_once_and_a_stalled_body_is_cut_off() {
    let w = world(Limits { body_timeout: Duration::from_secs(600), ..Limits::default() }).await;
    let mut s = connect_from("127.0.0.1", w.listener.addr).await;
    let head = format!(
        "POST {CALLBACK_PATH} HTTP/1.1\r\nHost: inbox\r\nappKey: {}\r\ntimestamp: {}\r\nnonce: big001\r\nsign: 0\r\nContent-Length: {}\r\n\r\n",
        w.app.callback_app_key,
        auth::timestamp_ms(),
        100 * 1024 * 1024
    );
    s.write_all(head.as_bytes()).await.unwrap();
    // The body timeout is 10 minutes: an answer (and the close) within the wait can only come
    // from the check on Content-Length, before any body is read.
    let (answer, closed) = read_until_closed(&mut s, 60).await;
    assert!(answer.starts_with("HTTP/1.1 413") && answer.contains("BODY_REJECTED"), "{answer}");
    assert!(closed, "the connection ends after the answer; the body is never read");

    // A chunked body (no Content-Length) over the limit is refused once the limit is passed.
    let mut s = connect_from("127.0.0.1", w.listener.addr).await;
    s.write_all(
        format!("POST {CALLBACK_PATH} HTTP/1.1\r\nHost: inbox\r\nTransfer-Encoding: chunked\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 16 * 1024, "x".repeat(16 * 1024));
    for _ in 0..5 {
        if s.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let (answer, _) = read_until_closed(&mut s, 60).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    // A body that stops halfway is answered 408 after the body timeout.
    let w = world(Limits { body_timeout: Duration::from_millis(300), ..Limits::default() }).await;
    let mut s = connect_from("127.0.0.1", w.listener.addr).await;
    s.write_all(
        format!("POST {CALLBACK_PATH} HTTP/1.1\r\nHost: inbox\r\nContent-Length: 100\r\n\r\n{{\"id\": ").as_bytes(),
    )
    .await
    .unwrap();
    let (answer, closed) = read_until_closed(&mut s, 60).await;
    assert!(answer.starts_with("HTTP/1.1 408") && answer.contains("BODY_TIMEOUT") && closed, "{answer}");
    assert_eq!(w.service.store().nonce_count().unwrap(), 0);
}

/// Log lines written by every test of this binary (one global subscriber, as the app has).
fn log_lines() -> &'static Mutex<Vec<u8>> {
    static LINES: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LINES.get_or_init(|| {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        lines
    })
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_traffic_never_gets_valid_callbacks_refused_and_is_counted_not_logged_line_by_line() {
    let logs = log_lines();
    let w = Arc::new(
        world(Limits { per_second: 1.0, burst: 5.0, summary_every: Duration::from_millis(200), ..Limits::default() })
            .await,
    );
    let stop = Arc::new(AtomicBool::new(false));
    let forged_429 = Arc::new(AtomicU64::new(0));
    let forged_other = Arc::new(AtomicU64::new(0));
    let mut floods = Vec::new();
    // Forged sign with the real appKey from a stranger's address and from 则一's own, 4 clients each.
    for (k, ip) in
        ["127.0.0.3", "127.0.0.3", "127.0.0.3", "127.0.0.3", "127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1"]
            .into_iter()
            .enumerate()
    {
        let (w, stop, forged_429, forged_other) = (w.clone(), stop.clone(), forged_429.clone(), forged_other.clone());
        floods.push(tokio::spawn(async move {
            let client = client_from(ip);
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) || n < 500 {
                let (status, _) = post(
                    &client,
                    &w,
                    body("F", "F", "finish", Some("refuse"), "x", "x"),
                    &format!("f{k}{:04}", n % 10_000),
                    Some(&"0".repeat(32)),
                )
                .await;
                match status {
                    429 => forged_429.fetch_add(1, Ordering::Relaxed),
                    401 => forged_other.fetch_add(1, Ordering::Relaxed),
                    other => panic!("a forged callback answered {other}"),
                };
                n += 1;
            }
        }));
    }
    // Once both sources are past their budget, valid callbacks go out from 则一's address.
    assert!(eventually(60, || forged_429.load(Ordering::Relaxed) >= 50).await, "the flood is refused 429");
    let valid = client_from("127.0.0.1");
    for n in 0..30 {
        let (status, reply) = post(
            &valid,
            &w,
            body(&format!("V-{n}"), &format!("AV-{n}"), "finish", Some("agree"), "王建国", "同意"),
            &format!("ok{n:04}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "valid callback {n} during forged traffic from the same address: {reply}");
    }
    stop.store(true, Ordering::Relaxed);
    for f in floods {
        f.await.unwrap();
    }
    let forged = forged_429.load(Ordering::Relaxed) + forged_other.load(Ordering::Relaxed);
    assert_eq!(w.service.store().nonce_count().unwrap(), 30);
    let tally = w.listener.tally();
    assert_eq!((tally.accepted, tally.refused_total()), (30, forged), "{tally:?}");
    assert!(
        forged_other.load(Ordering::Relaxed) <= 2 * 5 + 2 * 60,
        "each source's forged requests beyond its budget were refused 429 ({forged} forged)"
    );

    // The refusals reach the log as summary lines whose counts add up, never one line each.
    let addr = format!("listener={}", w.listener.addr);
    let summed = |text: &str| -> (u64, usize) {
        let lines: Vec<&str> = text.lines().filter(|l| l.contains(&addr)).collect();
        let refused = lines
            .iter()
            .filter_map(|l| l.split("refused=").nth(1))
            .filter_map(|r| r.split_whitespace().next()?.parse::<u64>().ok())
            .sum();
        (refused, lines.len())
    };
    assert!(
        eventually(60, || summed(&String::from_utf8_lossy(&logs.lock().unwrap())).0 == forged).await,
        "the summaries count every refusal"
    );
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    let (_, summaries) = summed(&text);
    assert!(summaries as u64 * 20 <= forged, "{summaries} summary lines for {forged} refusals");
    assert!(!text.contains("callback refused"), "no line per refusal");
    let one = text.lines().find(|l| l.contains(&addr)).unwrap();
    assert!(one.contains("429 RATE_LIMITED ×") && one.contains("accepted"), "{one}");
    println!(
        "forged {forged} ({} answered 429), valid 30 of 30 accepted, {summaries} summary lines",
        forged_429.load(Ordering::Relaxed)
    );
}

#[tokio::test]
async fn a_callback_that_changes_an_ended_approval_keeps_the_earlier_result_in_its_history() {
    let w = world(Limits::default()).await;
    let form = json!({"id": "FS-1", "auditType": "purchase", "auditFormList": [{"type": "text", "name": "事由", "value": "采购托盘 200 个"}]});
    let submission = inbox_core::connectors::zeyi::submission_from_form(&form).unwrap();
    let sent = w.service.submit(w.account, &submission, inbox_core::Progress::ignore()).await.unwrap();
    let audit_id = sent.remote.remote_id.clone();
    let client = client_from("127.0.0.1");

    let (status, _) =
        post(&client, &w, body("FS-1", &audit_id, "finish", Some("agree"), "王建国", "同意采购"), "fs0001", None).await;
    assert_eq!(status, 200);
    let approved = w.service.approval(sent.id).unwrap();
    assert_eq!(approved.remote.status, Status::Approved);

    // The same result again under a new nonce (则一's retry) changes nothing.
    let (status, _) =
        post(&client, &w, body("FS-1", &audit_id, "finish", Some("agree"), "王建国", "同意采购"), "fs0002", None).await;
    assert_eq!(status, 200);
    assert_eq!(w.service.approval(sent.id).unwrap().remote.steps, approved.remote.steps);

    // A later, different result: the status follows 则一, the approver before stays, the history says so.
    let (status, _) =
        post(&client, &w, body("FS-1", &audit_id, "finish", Some("refuse"), "李四", "预算不足"), "fs0003", None).await;
    assert_eq!(status, 200);
    let changed = w.service.approval(sent.id).unwrap().remote;
    assert_eq!((changed.status, changed.steps.len()), (Status::Rejected, 2));
    let first = &changed.steps[0].members[0];
    assert_eq!(
        (first.user.name.as_str(), first.decision, first.comment.as_deref()),
        ("王建国", Decision::Approved, Some("同意采购"))
    );
    assert_eq!(
        (changed.steps[1].members[0].user.name.as_str(), changed.steps[1].decision),
        ("李四", Decision::Rejected)
    );
    let notes: Vec<&str> = changed.fields.iter().filter(|f| f.label == "记录").map(|f| f.value.as_str()).collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("已通过（王建国：同意采购）") && notes[0].contains("已拒绝（李四：预算不足）"),
        "{notes:?}"
    );

    // Our own cancel, then an approval reported by 则一: recorded the same way.
    let form = json!({"id": "FS-2", "auditType": "purchase", "auditFormList": [{"type": "text", "name": "事由", "value": "报废叉车"}]});
    let submission = inbox_core::connectors::zeyi::submission_from_form(&form).unwrap();
    let sent = w.service.submit(w.account, &submission, inbox_core::Progress::ignore()).await.unwrap();
    w.service.act(sent.id, inbox_core::Action::Cancel, "不需要了").await.unwrap();
    assert_eq!(w.service.approval(sent.id).unwrap().remote.status, Status::Cancelled);
    let (status, _) = post(
        &client,
        &w,
        body("FS-2", &sent.remote.remote_id, "finish", Some("agree"), "王建国", "同意"),
        "fs0004",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let after = w.service.approval(sent.id).unwrap().remote;
    assert_eq!(after.status, Status::Approved);
    assert!(
        after.fields.iter().any(|f| f.label == "记录" && f.value.contains("本机撤销") && f.value.contains("已通过")),
        "{:?}",
        after.fields
    );
    let _ = &w.sim;
}
