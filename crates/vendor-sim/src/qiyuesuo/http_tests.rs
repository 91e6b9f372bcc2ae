//! The simulator over real HTTP: the signature check and its refusals (441/442 with JSON
//! bodies), the audit state machine recorded in published fields only, list paging limits,
//! both editions' reply shapes, pageurl and the document download.

use serde_json::{json, Value};

use super::seed::{DEMO_APP_SECRET, DEMO_APP_TOKEN};
use super::state::signature;
use super::Sim;
use crate::common::Simulator;

struct Signer {
    prefix: &'static str,
    token: &'static str,
    secret: &'static str,
}

const DEMO: Signer = Signer { prefix: "x-qys-open-", token: DEMO_APP_TOKEN, secret: DEMO_APP_SECRET };

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

static NONCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn fresh_nonce() -> String {
    format!("nonce-{}-{}", now_ms(), NONCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

impl Signer {
    fn headers(&self, ts: i64, nonce: &str) -> Vec<(String, String)> {
        let ts = ts.to_string();
        vec![
            (format!("{}accesstoken", self.prefix), self.token.to_string()),
            (format!("{}timestamp", self.prefix), ts.clone()),
            (format!("{}nonce", self.prefix), nonce.to_string()),
            (format!("{}signature", self.prefix), signature(self.token, self.secret, &ts, nonce)),
        ]
    }
}

async fn send(req: reqwest::RequestBuilder, headers: Vec<(String, String)>) -> (u16, Value) {
    let req = headers.into_iter().fold(req, |r, (k, v)| r.header(k, v));
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

struct World {
    sim: Sim,
    base: String,
    http: reqwest::Client,
    _server: crate::common::RunningServer,
}

async fn world() -> World {
    let sim = Sim::new(3, 40);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    World { base: server.base_url.clone(), sim, http: reqwest::Client::new(), _server: server }
}

impl World {
    async fn get(&self, path: &str, signer: &Signer) -> (u16, Value) {
        send(self.http.get(format!("{}{path}", self.base)), signer.headers(now_ms(), &fresh_nonce())).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        send(self.http.post(format!("{}{path}", self.base)).json(&body), DEMO.headers(now_ms(), &fresh_nonce())).await
    }
}

#[tokio::test]
async fn signed_calls_pass_and_every_auth_failure_is_refused_with_json() {
    let w = world().await;
    let (status, body) = w.get("/v2/contract/list?signatoryType=ALL&selectLimit=5", &DEMO).await;
    assert_eq!((status, &body["code"]), (200, &json!(0)), "{body}");
    assert_eq!(body["result"]["list"].as_array().unwrap().len(), 5);
    assert!(body["result"]["totalCount"].as_u64().unwrap() >= 14);

    let wrong = Signer { secret: "not-the-secret", ..DEMO };
    let (status, body) = w.get("/v2/contract/list", &wrong).await;
    assert_eq!((status, body["code"].as_i64(), body["message"].as_str()), (441, Some(441), Some("签名错误")));
    let unknown = Signer { token: "nobody", ..DEMO };
    let (status, body) = w.get("/v2/contract/list", &unknown).await;
    assert_eq!((status, body["code"].as_i64()), (442, Some(442)));

    let stale = DEMO.headers(now_ms() - 11 * 60 * 1000, &fresh_nonce());
    let (status, body) = send(w.http.get(format!("{}/v2/contract/list", w.base)), stale).await;
    assert_eq!(status, 441);
    assert!(body["message"].as_str().unwrap().contains("时间戳"), "{body}");

    let nonce = fresh_nonce();
    let (first, _) = send(w.http.get(format!("{}/v2/contract/list", w.base)), DEMO.headers(now_ms(), &nonce)).await;
    let (again, body) = send(w.http.get(format!("{}/v2/contract/list", w.base)), DEMO.headers(now_ms(), &nonce)).await;
    assert_eq!((first, again), (200, 441));
    assert!(body["message"].as_str().unwrap().contains("nonce"), "{body}");

    // employeeaudit answers auth failures in the spelling its document shows.
    let (status, body) = send(
        w.http.post(format!("{}/v2/contract/employeeaudit", w.base)).json(&json!({})),
        wrong.headers(now_ms(), &fresh_nonce()),
    )
    .await;
    assert_eq!((status, body["responseCode"].as_str()), (441, Some("441")));

    // Private cloud: the same headers under `x-qys-`.
    w.sim.set_header_prefix("x-qys-");
    assert_eq!(w.get("/v2/contract/list", &DEMO).await.0, 442, "no token under the expected prefix");
    let private = Signer { prefix: "x-qys-", ..DEMO };
    assert_eq!(w.get("/v2/contract/list", &private).await.0, 200);
}

#[tokio::test]
async fn paging_and_filters_follow_the_document() {
    let w = world().await;
    let (_, body) = w.get("/v2/contract/list?signatoryType=ALL&selectLimit=1001", &DEMO).await;
    assert_eq!(body["code"], json!(11990005));
    let (_, all) = w.get("/v2/contract/list?signatoryType=ALL&selectLimit=1000", &DEMO).await;
    let total = all["result"]["totalCount"].as_u64().unwrap() as usize;
    let mut seen = Vec::new();
    for offset in (0..total).step_by(7) {
        let (_, page) =
            w.get(&format!("/v2/contract/list?signatoryType=ALL&selectOffset={offset}&selectLimit=7"), &DEMO).await;
        seen.extend(page["result"]["list"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()));
    }
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (total, total));
    let (_, signing) = w.get("/v2/contract/list?signatoryType=ALL&status=SIGNING", &DEMO).await;
    assert!(signing["result"]["list"].as_array().unwrap().iter().all(|c| c["status"] == "SIGNING"));
    let (_, sponsor) = w.get("/v2/contract/list", &DEMO).await;
    assert!(
        sponsor["result"]["totalCount"].as_u64().unwrap() < total as u64,
        "SPONSOR is the default and leaves incoming contracts out"
    );
}

#[tokio::test]
async fn employee_audit_moves_the_contract_through_its_steps() {
    let w = world().await;
    let me = w.sim.demo_employee();
    let todo = w.sim.todo_ids_for(&me.contact);
    assert!(todo.len() >= 5, "{todo:?}");

    let (status, body) = w
        .post(
            "/v2/contract/employeeaudit",
            json!({ "contractId": todo[0], "bizId": null, "pass": true, "comment": "同意" }),
        )
        .await;
    assert_eq!((status, body["responseCode"].as_str()), (200, Some("00000000")), "{body}");
    assert_eq!(w.sim.audit_of(&todo[0], &me.contact), Some((true, "同意".into())));
    assert!(!w.sim.todo_ids_for(&me.contact).contains(&todo[0]));
    let (_, detail) =
        w.get(&format!("/v2/contract/detail?contractId={}&queryActionOperator=true", todo[0]), &DEMO).await;
    let actions = detail["result"]["signatories"][0]["actions"].as_array().unwrap().clone();
    // The decision is in published fields only: FINISH, and the operator who acted.
    assert_eq!(
        (actions[0]["status"].as_str(), actions[0]["operators"][0]["contact"].as_str()),
        (Some("FINISH"), Some(me.contact.as_str()))
    );
    for invented in ["auditResult", "auditComment", "auditor", "auditTime"] {
        assert!(actions[0].get(invented).is_none(), "{invented} is no published field");
    }
    assert_eq!(actions[1]["status"], "START", "the next step starts");
    let (_, bare) = w.get(&format!("/v2/contract/detail?contractId={}", todo[0]), &DEMO).await;
    assert!(
        bare["result"]["signatories"][0]["actions"][0].get("operators").is_none(),
        "operators only with queryActionOperator=true"
    );
    // The call names no employee: it decides whichever audit is current (the second one now);
    // after that the company seal is next, which is not an audit.
    let (_, second) = w
        .post("/v2/contract/employeeaudit", json!({ "contractId": todo[0], "pass": true, "comment": "法务同意" }))
        .await;
    assert_eq!(second["responseCode"], "00000000");
    let (_, again) =
        w.post("/v2/contract/employeeaudit", json!({ "contractId": todo[0], "pass": true, "comment": "x" })).await;
    assert_eq!(again["responseCode"], "11011107");
    assert_eq!(w.sim.contract_status(&todo[0]).as_deref(), Some("SIGNING"), "waiting for the seal");

    let biz = detail_biz(&w, &todo[1]).await;
    let (_, body) =
        w.post("/v2/contract/employeeaudit", json!({ "bizId": biz, "pass": false, "comment": "金额有误" })).await;
    assert_eq!(body["responseCode"], "00000000");
    assert_eq!(w.sim.contract_status(&todo[1]).as_deref(), Some("REJECTED"));
    assert_eq!(
        (w.sim.audit_of(&todo[1], &me.contact), w.sim.contract_comments(&todo[1]).as_deref()),
        (Some((false, "金额有误".into())), Some("金额有误"))
    );
    let (_, body) =
        w.post("/v2/contract/employeeaudit", json!({ "contractId": todo[1], "pass": true, "comment": "" })).await;
    assert_eq!(body["responseCode"], "11011101");

    let (_, body) = w.post("/v2/contract/employeeaudit", json!({ "contractId": "1", "pass": true })).await;
    assert_eq!(body["responseCode"], "11101003");
    let (_, body) = w.post("/v2/contract/employeeaudit", json!({ "contractId": todo[2], "comment": "no pass" })).await;
    assert_eq!(body["responseCode"], "11990005");
    let (_, body) = w.post("/v2/contract/employeeaudit", json!({ "pass": true })).await;
    assert_eq!(body["responseCode"], "11990005");
    let (_, body) = w
        .post("/v2/contract/employeeaudit", json!({ "contractId": todo[2], "tenantName": "别的公司", "pass": true }))
        .await;
    assert_eq!(body["responseCode"], "14990002");
}

async fn detail_biz(w: &World, id: &str) -> String {
    let (_, d) = w.get(&format!("/v2/contract/detail?contractId={id}"), &DEMO).await;
    d["result"]["bizId"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn pageurl_points_at_a_page_of_the_simulator() {
    let w = world().await;
    let id = w.sim.todo_ids_for(&w.sim.demo_employee().contact)[0].clone();
    let user = json!({ "contact": w.sim.demo_employee().contact, "contactType": "MOBILE" });
    let (_, body) = w.post("/v2/contract/pageurl", json!({ "contractId": id, "user": user })).await;
    let url = body["result"]["pageUrl"].as_str().unwrap();
    assert!(url.starts_with(&w.base), "{url}");
    let html = w.http.get(url).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("合同编号"), "{html}");
    let (_, body) = w.post("/v2/contract/pageurl", json!({ "contractId": "404", "user": user })).await;
    assert_eq!(body["code"], json!(11101003));
    // The published call names its user; DETAIL is no published page type.
    let (_, body) = w.post("/v2/contract/pageurl", json!({ "contractId": id })).await;
    assert_eq!((body["code"].clone(), body["message"].as_str()), (json!(11990005), Some("无效的参数:user")));
    let (_, body) =
        w.post("/v2/contract/pageurl", json!({ "contractId": id, "user": user, "pageType": "DETAIL" })).await;
    assert_eq!(body["code"], json!(11990005));
}

#[tokio::test]
async fn each_document_downloads_as_a_pdf_and_a_bad_id_as_the_json_envelope() {
    let w = world().await;
    let id = w.sim.todo_ids_for(&w.sim.demo_employee().contact)[0].clone();
    let doc = w.sim.document_ids(&id)[0].clone();
    let req = DEMO
        .headers(now_ms(), &fresh_nonce())
        .into_iter()
        .fold(w.http.get(format!("{}/v2/document/download?documentId={doc}", w.base)), |r, (k, v)| r.header(k, v));
    let resp = req.send().await.unwrap();
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert_eq!(resp.headers()["content-disposition"].to_str().unwrap(), format!("attachment;fileName={doc}.pdf"));
    assert!(resp.bytes().await.unwrap().starts_with(b"%PDF-"));
    let (status, body) = w.get("/v2/document/download?documentId=404", &DEMO).await;
    assert_eq!((status, body["code"].clone()), (200, json!(11990005)));
    let wrong = Signer { secret: "x", ..DEMO };
    assert_eq!(w.get(&format!("/v2/document/download?documentId={doc}"), &wrong).await.0, 441);
}

#[tokio::test]
async fn a_private_cloud_answers_in_its_own_published_shape() {
    let w = world().await;
    w.sim.set_private_cloud();
    let private = Signer { prefix: "x-qys-", ..DEMO };
    let (_, list) = w.get("/v2/contract/list?signatoryType=ALL&selectLimit=3", &private).await;
    let items = list["result"]["contractList"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(items[0]["creatorId"].is_string() && items[0].get("creator").is_none());
    let me = w.sim.demo_employee();
    let id = w.sim.todo_ids_for(&me.contact)[0].clone();
    let (_, body) = w.get(&format!("/v2/contract/detail?contractId={id}"), &private).await;
    assert!(body.get("result").is_none());
    let action = &body["contract"]["signatories"][0]["actions"][0];
    assert_eq!((action["type"].as_str(), action["status"].as_str()), (Some("AUDIT"), Some("SIGNING")));
    assert_eq!(
        action["actionOperators"][0],
        json!({ "operatorType": "EMPLOYEE", "operatorId": me.id, "operatorName": me.name })
    );
    let later = body["contract"]["signatories"][1]["actions"][0]["status"].as_str();
    assert_eq!(later, Some("WAITING"));
    assert_eq!(
        w.sim.demo_account("http://x").settings["employee"],
        json!(me.id),
        "the private cloud names people by id"
    );
}
