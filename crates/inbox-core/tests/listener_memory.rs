//! Memory of the callback listener under a flood of idle half-sent connections (issue 14: 5,000
//! of them took the process from 35 to 143 MB, never given back). Alone in its test binary so
//! that the resident size measured is this flood's and not another test's. Real HTTP, real
//! SQLite, the default limits (256 connections); waits are bounded, nothing is timed.

#![cfg(target_os = "linux")]

mod support;
use inbox_core::callback::{self, Limits};
use inbox_core::connectors::zeyi::auth;
use inbox_core::Service;
use serde_json::json;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpSocket;
use vendor_sim::Simulator;

/// The process's resident memory in MiB.
fn resident_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: f64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    // SAFETY: sysconf only reads a system constant.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as f64;
    pages * page / (1024.0 * 1024.0)
}

/// Lets this process hold the flood's client sockets as well as the listener's (CI shells often
/// start with 1,024 descriptors).
fn raise_descriptor_limit(want: u64) {
    // SAFETY: getrlimit/setrlimit on a local struct; raising the soft limit up to the hard one.
    unsafe {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < want {
            lim.rlim_cur = want.min(lim.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_idle_connections_takes_bounded_memory_and_gives_it_back() {
    const FLOOD: usize = 5000;
    raise_descriptor_limit(FLOOD as u64 + 2000);
    let sim = vendor_sim::zeyi::Sim::new(5, 0);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let service = Service::open(dir.path()).unwrap();
    support::add_demo(&service, "则一", &sim.demo_account(&server.base_url));
    let limits = Limits { summary_every: Duration::from_millis(200), ..Limits::default() };
    let listener = callback::serve_with(service.clone(), "127.0.0.1:0".parse().unwrap(), limits).await.unwrap();
    let app = sim.app();
    let http = reqwest::Client::new();
    let post_valid = |n: usize| {
        let body = json!({"id": format!("M-{n}"), "auditId": format!("AM-{n}"), "type": "finish", "result": "agree", "auditUser": "王建国"}).to_string();
        let (timestamp, nonce) = (auth::timestamp_ms(), format!("mem{n:03}"));
        let sign = auth::sign(&app.callback_app_key, &app.callback_app_secret, &timestamp, &nonce, body.as_bytes());
        http.post(listener.callback_url())
            .header("appKey", &app.callback_app_key)
            .header("timestamp", timestamp)
            .header("nonce", nonce)
            .header("sign", sign)
            .body(body)
            .send()
    };
    for n in 0..5 {
        assert_eq!(post_valid(n).await.unwrap().status(), 200);
    }
    let before = resident_mib();

    // Each flood connection sends 6 KB of a header that never ends: what fills a read buffer.
    let mut half = b"POST /tms-service-api/audit/callback HTTP/1.1\r\nHost: inbox\r\nX-Pad: ".to_vec();
    half.extend(std::iter::repeat_n(b'a', 6 * 1024));
    let mut flood = Vec::with_capacity(FLOOD);
    for _ in 0..FLOOD {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new("127.0.0.2".parse().unwrap(), 0)).unwrap();
        let mut s = socket.connect(listener.addr).await.unwrap();
        s.write_all(&half).await.unwrap();
        flood.push(s);
    }
    for n in 5..15 {
        assert_eq!(post_valid(n).await.unwrap().status(), 200, "a valid callback during the flood");
    }
    let during = resident_mib();
    let tally = listener.tally();
    assert!(tally.most_open <= 256 && tally.shed as usize >= FLOOD - 256, "{tally:?}");

    drop(flood);
    let mut after = resident_mib();
    for _ in 0..600 {
        if listener.open_connections() == 0 && after - before < 8.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        after = resident_mib();
    }
    println!("resident memory: {before:.1} MiB before, {during:.1} MiB with {FLOOD} idle connections open, {after:.1} MiB after; {tally:?}");
    assert!(during - before < 48.0, "{FLOOD} idle connections took {:.1} MiB", during - before);
    assert!(after - before < 8.0, "the flood's memory was given back: {before:.1} → {after:.1} MiB");
    assert_eq!(service.store().nonce_count().unwrap(), 15);
}
