//! End-to-end tests over real HTTP: a running server, reqwest as the client, every endpoint,
//! every refusal of the common headers, and the state machine through `perform`.

use serde_json::{json, Value};

use super::{Sim, SimUser};
use crate::common::{Fault, RunningServer, Simulator};

struct Fixture {
    sim: Sim,
    server: RunningServer,
    http: reqwest::Client,
    me: SimUser,
}

async fn fixture() -> Fixture {
    let sim = Sim::new(1, 80);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let me = sim.demo_user();
    Fixture { sim, server, http: reqwest::Client::new(), me }
}

impl Fixture {
    fn req(&self, who: &SimUser, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.server.base_url))
            .header("X-LXY-PLATFORM", &who.platform)
            .header("X-LXY-APP", "crm")
            .header("ACCESS-TOKEN", &who.token)
            .header("Content-Type", "application/json")
    }

    async fn get_as(&self, who: &SimUser, path: &str) -> Value {
        let resp = self.req(who, reqwest::Method::GET, path).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        resp.json().await.unwrap()
    }

    async fn get(&self, path: &str) -> Value {
        self.get_as(&self.me, path).await
    }

    async fn perform_as(&self, who: &SimUser, record: i64, body: Value) -> Value {
        let resp = self
            .req(who, reqwest::Method::POST, &format!("/api/v1/execute_records/{record}/perform"))
            .json(&body)
            .send()
            .await
            .unwrap();
        resp.json().await.unwrap()
    }

    async fn detail_as(&self, who: &SimUser, remote: &str) -> Value {
        let (t, id) = remote.split_once(':').unwrap();
        let q: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("entity_type", t)
            .append_pair("entity_id", id)
            .finish();
        self.get_as(who, &format!("/api/v1/execute_records/detail?{q}")).await
    }

    /// Walks every page of a scope; returns the items.
    async fn all(&self, scope: &str, per_page: usize) -> Vec<Value> {
        let mut out = vec![];
        for page in 1.. {
            let v =
                self.get(&format!("/api/v1/approval_center/list?scope={scope}&page={page}&per_page={per_page}")).await;
            assert_eq!(v["code"], 0, "{v}");
            out.extend(v["data"]["list"].as_array().unwrap().iter().cloned());
            if !v["data"]["has_next_page"].as_bool().unwrap() {
                break;
            }
        }
        out
    }
}

fn remote(item: &Value) -> String {
    format!("{}:{}", item["entity_type"].as_str().unwrap(), item["entity_data"]["id"])
}

#[tokio::test]
async fn every_header_is_checked_with_the_documents_error_envelope() {
    let f = fixture().await;
    let path = "/api/v1/approval_center/list?scope=todo";
    let url = format!("{}{path}", f.server.base_url);
    let send = |platform: &str, app: &str, token: &str| {
        f.http
            .get(&url)
            .header("X-LXY-PLATFORM", platform)
            .header("X-LXY-APP", app)
            .header("ACCESS-TOKEN", token)
            .send()
    };
    let body = |r: reqwest::Response| async move { r.json::<Value>().await.unwrap() };
    assert_eq!(
        body(send("lixiaoyun", "oa", &f.me.token).await.unwrap()).await,
        json!({"errcode": 500, "errmsg": "invalid appid"})
    );
    assert_eq!(body(send("feishu", "crm", &f.me.token).await.unwrap()).await["errmsg"], "invalid platform");
    assert_eq!(body(send("lixiaoyun", "crm", "nope").await.unwrap()).await["errcode"], 401);
    assert_eq!(
        body(send("ikcrm", "crm", &f.me.token).await.unwrap()).await["errcode"],
        401,
        "a token is valid on its own platform only"
    );
    assert_eq!(body(send("lixiaoyun", "CRM", &f.me.token).await.unwrap()).await["code"], 0);
    let v = body(f.http.get(&url).send().await.unwrap()).await;
    assert_eq!(v["errcode"], 500, "no headers at all: {v}");
    let old = f.me.token.clone();
    f.sim.rotate_token(f.me.uid).unwrap();
    assert_eq!(body(send("lixiaoyun", "crm", &old).await.unwrap()).await["errcode"], 401, "a rotated token is refused");
}

#[tokio::test]
async fn scopes_page_and_filter_as_the_simulator_holds_them() {
    let f = fixture().await;
    for (scope, expected) in [
        ("todo", f.sim.todo_for(f.me.uid)),
        ("submission", f.sim.submitted_for(f.me.uid)),
        ("processed", f.sim.processed_for(f.me.uid)),
    ] {
        let items = f.all(scope, 2).await;
        assert!(!items.is_empty(), "{scope}");
        assert_eq!(items.iter().map(remote).collect::<Vec<_>>(), expected, "{scope}");
        if scope == "processed" {
            assert!(items.iter().all(|i| !i["multistep_details"].as_array().unwrap().is_empty()));
        } else {
            assert!(items.iter().all(|i| i.get("multistep_details").is_none()));
        }
    }
    let v = f.get("/api/v1/approval_center/list?scope=submission&per_page=2&page=1").await;
    let d = &v["data"];
    let total = d["total_count"].as_u64().unwrap();
    assert_eq!((d["per_page"].as_u64(), d["page"].as_u64()), (Some(2), Some(1)));
    assert_eq!(d["total_pages"].as_u64().unwrap(), total.div_ceil(2));
    let v = f.get("/api/v1/approval_center/list?scope=submission&per_page=1000").await;
    assert_eq!(v["data"]["per_page"], 100, "per_page is capped");
    let v =
        f.get("/api/v1/approval_center/list?scope=submission&status[]=applying&status[]=revocation&per_page=100").await;
    assert!(v["data"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["status"] == "applying" || i["status"] == "revocation"));
    let v = f.get("/api/v1/approval_center/list?scope=todo&entity_types[]=Contract&per_page=100").await;
    assert!(v["data"]["list"].as_array().unwrap().iter().all(|i| i["entity_type"] == "Contract"));
    let v =
        f.get(&format!("/api/v1/approval_center/list?scope=todo&submitter_uids[]={}&per_page=100", 35_903_635)).await;
    assert!(v["data"]["list"].as_array().unwrap().iter().all(|i| i["submitter"]["uid"] == 35_903_635));
    assert_eq!(f.get("/api/v1/approval_center/list?scope=mine").await["errmsg"], "参数错误: scope");
    assert_eq!(f.get("/api/v1/approval_center/list?scope=todo&status[]=done").await["errcode"], 422);
}

#[tokio::test]
async fn detail_flags_follow_the_rules_and_perform_moves_the_state() {
    let f = fixture().await;
    let todo = f.sim.todo_for(f.me.uid);
    let target = &todo[0];
    let d = f.detail_as(&f.me, target).await["data"].clone();
    assert_eq!(
        (
            d["has_approval_permission"].as_bool(),
            d["has_reject_permission"].as_bool(),
            d["has_cancel_permission"].as_bool()
        ),
        (Some(true), Some(true), Some(false))
    );
    assert_eq!(d["execution_details"][0]["approval_details"][0]["action_name"], "submit_to");
    let record = d["execute_record_id"].as_i64().unwrap();
    let node = f.sim.current_node(target).unwrap();
    let ok = f.perform_as(&f.me, record, json!({"execute_action": "pass", "execute_opinion": "同意"})).await;
    assert_eq!(ok["code"], 0, "{ok}");
    assert_eq!(f.sim.decisions_of(target, f.me.uid), [("pass", "同意".to_string())]);
    assert!(
        f.sim.current_node(target).unwrap() > node
            || f.sim.status(target) != Some("applying")
            || !f.sim.waiting_approvers(target).is_empty()
    );
    let again = f.perform_as(&f.me, record, json!({"execute_action": "pass"})).await;
    assert!(again["errcode"] == 403 || again["errcode"] == 422, "{again}");
    assert!(!f.sim.todo_for(f.me.uid).contains(target));
    assert!(f.sim.processed_for(f.me.uid).contains(target));

    // Reject ends the flow as veto.
    let other = &f.sim.todo_for(f.me.uid)[0];
    let rec = f.detail_as(&f.me, other).await["data"]["execute_record_id"].as_i64().unwrap();
    assert_eq!(
        f.perform_as(&f.me, rec, json!({"execute_action": "reject", "execute_opinion": "折扣超出授权范围"})).await
            ["code"],
        0
    );
    assert_eq!(f.sim.status(other), Some("veto"));
    assert_eq!(f.perform_as(&f.me, rec, json!({"execute_action": "pass"})).await["errcode"], 422, "finished");

    // Cancel by the submitter, refused to anyone else.
    let mine = &f.sim.cancellable_for(f.me.uid)[0];
    let d = f.detail_as(&f.me, mine).await["data"].clone();
    assert_eq!(d["has_cancel_permission"], true);
    let rec = d["execute_record_id"].as_i64().unwrap();
    let approver = f.sim.user(f.sim.waiting_approvers(mine)[0]).unwrap();
    assert_eq!(f.detail_as(&approver, mine).await["data"]["has_cancel_permission"], false);
    assert_eq!(f.perform_as(&approver, rec, json!({"execute_action": "cancel"})).await["errcode"], 403);
    assert_eq!(
        f.perform_as(&f.me, rec, json!({"execute_action": "cancel", "execute_opinion": "撤回修改"})).await["code"],
        0
    );
    assert_eq!(f.sim.status(mine), Some("revocation"));
    let d = f.detail_as(&f.me, mine).await["data"].clone();
    assert_eq!(d["execute_record"]["status"], "revocation");
    assert_eq!(d["execution_details"][0]["approval_details"][1]["action_name"], "cancel");

    assert_eq!(f.perform_as(&f.me, 999_999, json!({"execute_action": "pass"})).await["errcode"], 404);
    assert_eq!(
        f.perform_as(&f.me, rec, json!({"execute_action": "approve"})).await["errmsg"],
        "参数错误: execute_action"
    );
    assert_eq!(f.detail_as(&f.me, "Contract:1").await["errcode"], 404);
}

#[tokio::test]
async fn an_and_node_waits_for_every_approver_then_the_last_pass_ends_the_flow() {
    let f = fixture().await;
    // Drive one applying record to its end through HTTP, as whoever is waiting.
    let target = f.sim.todo_for(f.me.uid).into_iter().next().unwrap();
    let record = f.detail_as(&f.me, &target).await["data"]["execute_record_id"].as_i64().unwrap();
    let mut guard = 0;
    while f.sim.status(&target) == Some("applying") && guard < 20 {
        guard += 1;
        let uid = f.sim.waiting_approvers(&target)[0];
        let who = f.sim.user(uid).unwrap();
        let node = f.sim.current_node(&target).unwrap();
        let and_node = f.detail_as(&who, &target).await["data"]["execution_details"][node + 1]["setting_approval_type"]
            == "ANDAPPROVE";
        let before = f.sim.waiting_approvers(&target).len();
        assert_eq!(f.perform_as(&who, record, json!({"execute_action": "pass"})).await["code"], 0);
        if and_node && before > 1 {
            assert_eq!(f.sim.current_node(&target), Some(node), "会签 waits for the others");
        }
    }
    assert_eq!(f.sim.status(&target), Some("pass"));
}

#[tokio::test]
async fn faults_replace_every_answer_until_cleared() {
    let f = fixture().await;
    f.sim.set_fault(Some(Fault::MalformedJson));
    let text = f
        .req(&f.me, reqwest::Method::GET, "/api/v1/approval_center/list?scope=todo")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());
    f.sim.set_fault(Some(Fault::ServerError));
    assert_eq!(
        f.req(&f.me, reqwest::Method::GET, "/api/v1/approval_center/list?scope=todo").send().await.unwrap().status(),
        500
    );
    f.http.post(format!("{}/__sim/fault", f.server.base_url)).json(&json!({"fault": null})).send().await.unwrap();
    assert_eq!(f.get("/api/v1/approval_center/list?scope=todo").await["code"], 0);
}
