//! The 则一 simulator over real HTTP: signed sends and cancels, refusals in the envelope,
//! encryption, and callbacks arriving signed at a receiver that records them.

use super::*;
use crate::common::{Fault, RunningServer};
use axum::extract::State as AxState;
use axum::http::HeaderMap;
use axum::routing::post;
use serde_json::json;

type Received = Arc<Mutex<Vec<(HeaderMap, String)>>>;

async fn receiver() -> (RunningServer, Received) {
    let got: Received = Arc::default();
    let app = axum::Router::new()
        .route(
            "/cb",
            post(|AxState(got): AxState<Received>, headers: HeaderMap, body: String| async move {
                got.lock().unwrap().push((headers, body));
                axum::Json(json!({"success": true, "businessException": false, "errorCode": null, "message": null, "result": null}))
            }),
        )
        .with_state(got.clone());
    (crate::common::serve_router(app, "127.0.0.1:0".parse().unwrap()).await.unwrap(), got)
}

/// Posts `json` to `call` as a client following the document would.
async fn call(base: &str, app: &App, call: &str, json: &Value, nonce: &str) -> Value {
    let ts = now_ms().to_string();
    let body = if app.encrypt {
        crypto::seal(&app.app_key, &app.app_secret, &app.iv, &ts, nonce, json.to_string().as_bytes()).unwrap()
    } else {
        json.to_string()
    };
    let sign = crypto::sign(&app.app_key, &app.app_secret, &ts, nonce, body.as_bytes());
    reqwest::Client::new()
        .post(format!("{base}{API_PREFIX}/{call}"))
        .header("appKey", &app.app_key)
        .header("timestamp", &ts)
        .header("nonce", nonce)
        .header("sign", sign)
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn form(id: &str) -> Value {
    json!({"id": id, "auditType": "freight_adjust", "username": "E001", "auditFormList": [{"type": "text", "name": "事由", "value": "上海—苏州 线路运费上调"}]})
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).unwrap().to_str().unwrap()
}

#[tokio::test]
async fn send_decide_and_a_signed_callback_arrives() {
    for encrypt in [false, true] {
        let sim = Sim::new(3, 10);
        sim.set_encryption(encrypt);
        let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let (rx, got) = receiver().await;
        sim.set_callback_url(Some(format!("{}/cb", rx.base_url)));
        let app = sim.app();
        let reply = call(&server.base_url, &app, "send", &form("FA-1"), "abc123").await;
        assert_eq!(reply["success"], true, "{reply}");
        let audit_id = reply["result"]["auditId"].as_str().unwrap().to_string();
        assert_eq!(sim.audit(&audit_id).unwrap().status, AuditStatus::Pending);

        let d = sim.decide("FA-1", Verdict::Pass, Some("E006"), Some("同意调整")).await.unwrap();
        assert!(d.accepted, "{d:?}");
        let (h, body) = got.lock().unwrap()[0].clone();
        assert_eq!(header(&h, "appKey"), app.callback_app_key);
        let sign = crypto::sign(
            &app.callback_app_key,
            &app.callback_app_secret,
            header(&h, "timestamp"),
            header(&h, "nonce"),
            body.as_bytes(),
        );
        assert_eq!(header(&h, "sign"), sign);
        let json = if encrypt {
            let plain = crypto::open(&app.callback_app_secret, &app.iv, body.as_bytes()).unwrap();
            let prefix = format!("{}{}{}", app.callback_app_key, header(&h, "timestamp"), header(&h, "nonce"));
            String::from_utf8(plain).unwrap().strip_prefix(&prefix).unwrap().to_string()
        } else {
            body
        };
        let cb: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            (cb["type"].as_str(), cb["result"].as_str(), cb["auditUser"].as_str()),
            (Some("finish"), Some("agree"), Some("杨光"))
        );
        assert_eq!(cb["auditId"], audit_id.as_str());
        assert_eq!(sim.audit(&audit_id).unwrap().status, AuditStatus::Agreed);
    }
}

#[tokio::test]
async fn wrong_sign_key_or_encryption_is_refused_in_the_envelope() {
    let sim = Sim::new(4, 0);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let mut app = sim.app();
    app.app_secret = "0".repeat(32);
    let r = call(&server.base_url, &app, "send", &form("X-1"), "aaaaaa").await;
    assert_eq!((r["success"].as_bool(), r["errorCode"].as_str()), (Some(false), Some("SIGN_ERROR")));
    let mut other = sim.app();
    other.app_key = "unknown".into();
    assert_eq!(call(&server.base_url, &other, "send", &form("X-1"), "aaaaaa").await["errorCode"], "APP_KEY_INVALID");
    sim.set_encryption(true);
    let plain = sim.app().tap_plain();
    assert_eq!(call(&server.base_url, &plain, "send", &form("X-1"), "aaaaaa").await["errorCode"], "DECRYPT_ERROR");
    assert!(sim.audits().is_empty(), "nothing was created");
    let missing: Value = reqwest::Client::new()
        .post(format!("{}{API_PREFIX}/send", server.base_url))
        .body("{}")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(missing["errorCode"], "HEADER_MISSING");
}

impl App {
    /// The same app as a client that forgot to encrypt sees it.
    fn tap_plain(mut self) -> App {
        self.encrypt = false;
        self
    }
}

#[tokio::test]
async fn cancel_changes_state_and_calls_back_terminate() {
    let sim = Sim::new(5, 0);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let (rx, got) = receiver().await;
    sim.set_callback_url(Some(format!("{}/cb", rx.base_url)));
    let app = sim.app();
    let sent = call(&server.base_url, &app, "send", &form("C-1"), "bbbbbb").await;
    let audit_id = sent["result"]["auditId"].as_str().unwrap();
    let body =
        json!({"id": "C-1", "auditId": audit_id, "type": "freight_adjust", "remark": "重复提交", "username": "E001"});
    let r = call(&server.base_url, &app, "cancel", &body, "cccccc").await;
    assert_eq!(r["success"], true, "{r}");
    assert_eq!(sim.audit(audit_id).unwrap().status, AuditStatus::Cancelled);
    for _ in 0..50 {
        if !got.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cb: Value = serde_json::from_str(&got.lock().unwrap()[0].1).unwrap();
    assert_eq!(cb["type"], "terminate");
    let again = call(&server.base_url, &app, "cancel", &body, "dddddd").await;
    assert_eq!(
        (again["businessException"].as_bool(), again["errorCode"].as_str()),
        (Some(true), Some("AUDIT_FINISHED"))
    );
}

#[tokio::test]
async fn admin_endpoints_and_the_demo_timer() {
    let sim = Sim::new(6, 0);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let (rx, got) = receiver().await;
    let http = reqwest::Client::new();
    let admin = |path: &str| format!("{}/__sim/zeyi/{path}", server.base_url);
    http.post(admin("callback-url")).json(&json!({"url": format!("{}/cb", rx.base_url)})).send().await.unwrap();
    let app = sim.app();
    call(&server.base_url, &app, "send", &form("D-1"), "eeeeee").await;
    let r: Value = http
        .post(admin("decide"))
        .json(&json!({"id": "D-1", "result": "reject", "remark": "运费不合理"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["delivery"]["accepted"], true, "{r}");
    let nope = http.post(admin("decide")).json(&json!({"id": "D-1", "result": "pass"})).send().await.unwrap();
    assert_eq!(nope.status(), 404, "already decided");

    http.post(admin("auto-decide")).json(&json!({"after_secs": 0.0})).send().await.unwrap();
    call(&server.base_url, &app, "send", &form("D-2"), "ffffff").await;
    for _ in 0..40 {
        if got.lock().unwrap().len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sim.audits_with_id("D-2")[0].status, AuditStatus::Agreed);
    let listed: Value = http.get(admin("audits")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["audits"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_resend_is_refused_naming_the_approval_that_holds_the_id() {
    let sim = Sim::new(8, 0);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let app = sim.app();
    // The first send lands but its reply is lost; the resend is refused with the id's approval.
    sim.set_fault_times(Fault::LostReply, 1);
    let ts = now_ms().to_string();
    let body = form("R-1").to_string();
    let sign = crypto::sign(&app.app_key, &app.app_secret, &ts, "gggggg", body.as_bytes());
    let lost = reqwest::Client::new()
        .post(format!("{}{API_PREFIX}/send", server.base_url))
        .header("appKey", &app.app_key)
        .header("timestamp", &ts)
        .header("nonce", "gggggg")
        .header("sign", sign)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(lost.status(), 502);
    let audit_id = sim.audits_with_id("R-1")[0].audit_id.clone();
    let again = call(&server.base_url, &app, "send", &form("R-1"), "hhhhhh").await;
    assert_eq!(
        again,
        json!({"success": false, "businessException": true, "errorCode": "AUDIT_EXISTS", "message": "该业务主键已有审核中或审核通过的审批", "result": {"id": "R-1", "auditId": audit_id}})
    );
    sim.set_bare_exists(true);
    assert_eq!(call(&server.base_url, &app, "send", &form("R-1"), "iiiiii").await["result"], Value::Null);
    assert_eq!(sim.audits_with_id("R-1").len(), 1);
}

#[tokio::test]
async fn a_wild_tenant_signs_its_odd_callbacks_as_sent() {
    let sim = Sim::for_tenant(9, 3, Tenant::Wild);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let (rx, got) = receiver().await;
    sim.set_callback_url(Some(format!("{}/cb", rx.base_url)));
    let app = sim.app();
    let sent = call(&server.base_url, &app, "send", &form("W-1"), "jjjjjj").await;
    assert_eq!(sent["success"], true, "{sent}");
    assert!(
        sent.as_object().unwrap().keys().any(|k| k.starts_with("ext")),
        "a wild reply carries extra fields: {sent}"
    );
    for n in 2..=4 {
        call(&server.base_url, &app, "send", &form(&format!("W-{n}")), &format!("kkkkk{n}")).await;
    }
    for n in 1..=4 {
        assert!(sim.decide(&format!("W-{n}"), Verdict::Pass, Some("E002"), None).await.unwrap().accepted);
    }
    let got = got.lock().unwrap().clone();
    let mut words = vec![];
    for (h, body) in &got {
        let sign = crypto::sign(
            &app.callback_app_key,
            &app.callback_app_secret,
            header(h, "timestamp"),
            header(h, "nonce"),
            body.as_bytes(),
        );
        assert_eq!(header(h, "sign"), sign, "signed over the body as sent");
        let cb: Value = serde_json::from_str(body).unwrap();
        words.push(cb["result"].as_str().unwrap_or("").to_string());
    }
    assert!(words.iter().any(|w| w == "agree") && words.iter().any(|w| w != "agree"), "{words:?}");
}

/// A client whose calls leave from the local address `from` (all of 127/8 is loopback).
fn client_from(from: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder().local_address(IpAddr::from(from)).build().unwrap()
}

#[tokio::test]
async fn only_whitelisted_callers_are_served() {
    let sim = Sim::new(3, 0).with_whitelist(Some(vec![IpAddr::from([127, 0, 0, 2])]));
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let app = sim.app();
    let ts = now_ms().to_string();
    let body = form("WL-1").to_string();
    let sign = crypto::sign(&app.app_key, &app.app_secret, &ts, "wl0001", body.as_bytes());
    let post = |client: reqwest::Client| {
        client
            .post(format!("{}{API_PREFIX}/send", server.base_url))
            .header("appKey", &app.app_key)
            .header("timestamp", &ts)
            .header("nonce", "wl0001")
            .header("sign", &sign)
            .body(body.clone())
            .send()
    };
    let refused = post(client_from([127, 0, 0, 1])).await.unwrap();
    assert_eq!(refused.status(), 200, "a refusal is the envelope (choice 2)");
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["success"], false, "{refused}");
    assert_eq!(refused["businessException"], false, "{refused}");
    assert_eq!(refused["errorCode"], "IP_NOT_WHITELISTED", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("127.0.0.1"), "{refused}");
    assert!(sim.audits_with_id("WL-1").is_empty(), "a refused caller creates nothing");

    let served: Value = post(client_from([127, 0, 0, 2])).await.unwrap().json().await.unwrap();
    assert_eq!(served["success"], true, "{served}");
    assert_eq!(sim.audits_with_id("WL-1").len(), 1);

    // Admin routes are the simulator's own, not 则一's API: no whitelist there.
    let audits = client_from([127, 0, 0, 1]).get(format!("{}/__sim/zeyi/audits", server.base_url)).send().await;
    assert_eq!(audits.unwrap().status(), 200);
    sim.set_whitelist(None);
    let open: Value = call(&server.base_url, &app, "send", &form("WL-2"), "wl0002").await;
    assert_eq!(open["success"], true, "without a whitelist every caller is served: {open}");
}
