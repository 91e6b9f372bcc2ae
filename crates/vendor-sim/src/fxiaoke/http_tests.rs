//! The simulator over real HTTP, driven the way the document describes each call.

use serde_json::{json, Value};

use super::Sim;
use crate::common::Simulator;

async fn start() -> (Sim, crate::RunningServer, reqwest::Client) {
    let sim = Sim::new(5, 24);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    (sim, server, reqwest::Client::new())
}

async fn post(c: &reqwest::Client, base: &str, path: &str, body: Value) -> Value {
    c.post(format!("{base}{path}")).json(&body).send().await.unwrap().json().await.unwrap()
}

async fn token(sim: &Sim, c: &reqwest::Client, base: &str) -> (String, String) {
    let (app, secret, code, _) = sim.app();
    let r =
        post(c, base, "/cgi/corpAccessToken/get/V2", json!({"appId": app, "appSecret": secret, "permanentCode": code}))
            .await;
    assert_eq!(r["errorCode"], 0, "{r}");
    assert_eq!(r["expiresIn"], 7200);
    (r["corpAccessToken"].as_str().unwrap().into(), r["corpId"].as_str().unwrap().into())
}

#[tokio::test]
async fn token_errors_and_expiry() {
    let (sim, server, c) = start().await;
    let base = &server.base_url;
    let (app, _, code, _) = sim.app();
    let bad = post(
        &c,
        base,
        "/cgi/corpAccessToken/get/V2",
        json!({"appId": app, "appSecret": "wrong", "permanentCode": code}),
    )
    .await;
    assert_eq!(bad["errorCode"], 20002);
    let missing = post(&c, base, "/cgi/corpAccessToken/get/V2", json!({"appId": app})).await;
    assert_eq!(missing["errorCode"], 15002);
    let (t, corp) = token(&sim, &c, base).await;
    let forms = post(&c, base, "/cgi/approvalTypeForms/get", json!({"corpAccessToken": t, "corpId": corp})).await;
    assert_eq!(forms["errorCode"], 0);
    assert!(forms["approvalTypeForms"].as_array().unwrap().len() >= 10);
    let wrong_corp = post(&c, base, "/cgi/approvalTypeForms/get", json!({"corpAccessToken": t, "corpId": "x"})).await;
    assert_eq!(wrong_corp["errorCode"], 20016);
    sim.expire_tokens();
    let expired = post(&c, base, "/cgi/approvalTypeForms/get", json!({"corpAccessToken": t, "corpId": corp})).await;
    assert_eq!(expired, json!({"errorCode": 20016, "errorMessage": "corpAccessToken error"}));
    let (t2, _) = token(&sim, &c, base).await;
    sim.expire_tokens_after_calls(1);
    let body = json!({"corpAccessToken": t2, "corpId": corp});
    assert_eq!(post(&c, base, "/cgi/approvalTypeForms/get", body.clone()).await["errorCode"], 0);
    assert_eq!(post(&c, base, "/cgi/approvalTypeForms/get", body).await["errorCode"], 20016);
    assert_eq!(sim.tokens_issued(), 2);
}

#[tokio::test]
async fn query_limits_paging_detail_and_media() {
    let (sim, server, c) = start().await;
    let base = &server.base_url;
    let (t, corp) = token(&sim, &c, base).await;
    let now = crate::common::now_secs() * 1000;
    let day = 86_400_000i64;
    let q = |start: i64, size: i64, page: i64| json!({"corpAccessToken": t, "corpId": corp, "startTime": start, "endTime": now, "pageSize": size, "pageNumber": page});
    assert_eq!(
        post(&c, base, "/cgi/approval/query", q(now - 180 * day, 10, 1)).await["errorCode"],
        15002,
        "180 × 24 h touches 181 Beijing days"
    );
    assert_eq!(
        post(&c, base, "/cgi/approval/query", q(now - 179 * day, 1001, 1)).await["errorCode"],
        15002,
        "pageSize over 1000"
    );
    let all = post(&c, base, "/cgi/approval/query", q(now - 179 * day, 1000, 1)).await;
    let total = all["totalCount"].as_i64().unwrap();
    assert!(total > 5 && total < 24, "the first window holds part of the year: {total}");
    let p1 = post(&c, base, "/cgi/approval/query", q(now - 179 * day, 5, 1)).await;
    let p2 = post(&c, base, "/cgi/approval/query", q(now - 179 * day, 5, 2)).await;
    assert_eq!(p1["approvals"].as_array().unwrap().len(), 5);
    assert_ne!(p1["approvals"][0], p2["approvals"][0]);
    let id = p1["approvals"][0]["id"].as_i64().unwrap();
    let got =
        post(&c, base, "/cgi/approval/get", json!({"corpAccessToken": t, "corpId": corp, "approvalId": id})).await;
    assert_eq!(got["approval"]["approvalId"], id);
    assert!(got["approval"]["feed"]["createTime"].as_str().unwrap().len() == 19);
    assert_eq!(
        post(&c, base, "/cgi/approval/get", json!({"corpAccessToken": t, "corpId": corp, "approvalId": 1})).await
            ["errorCode"],
        15002
    );
    let media = sim.with_state(|s| s.media.keys().next().cloned()).unwrap();
    let resp = c
        .post(format!("{base}/media/download"))
        .json(&json!({"corpAccessToken": t, "corpId": corp, "mediaId": media}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "application/octet-stream");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), sim.media_bytes(&media).unwrap());
    let none =
        post(&c, base, "/media/download", json!({"corpAccessToken": t, "corpId": corp, "mediaId": "nope"})).await;
    assert_eq!(none["errorCode"], 15002);
}

#[tokio::test]
async fn crm_actions_move_the_state_machine() {
    let (sim, server, c) = start().await;
    let base = &server.base_url;
    let (t, corp) = token(&sim, &c, base).await;
    let me = sim.demo_user().open_user_id;
    let todo = sim.crm_boxes_for(&me).todo;
    let id = &todo[0];
    let get = post(
        &c,
        base,
        "/cgi/crm/approvalInstance/get",
        json!({"corpAccessToken": t, "corpId": corp, "currentOpenUserId": me, "instanceId": id}),
    )
    .await;
    let task = get["instanceDetail"]["tasks"].as_array().unwrap().iter().find(|t| t["state"] == "in_progress").unwrap()
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    let act = |action: &str| json!({"corpAccessToken": t, "corpId": corp, "currentOpenUserId": me, "taskId": task, "actionType": action, "opinion": "同意"});
    assert_eq!(post(&c, base, "/cgi/crm/approvalTask/action", act("approve")).await["errorCode"], 15002);
    assert_eq!(post(&c, base, "/cgi/crm/approvalTask/action", act("agree")).await["errorCode"], 0);
    assert!(!sim.crm_boxes_for(&me).todo.contains(id));
    assert!(sim.crm_boxes_for(&me).processed.contains(id));
    assert_eq!(
        post(&c, base, "/cgi/crm/approvalTask/action", act("agree")).await["errorCode"],
        30001,
        "already decided"
    );
    let states = sim.crm_task_states(id);
    assert!(states.contains(&"pass".to_string()) || sim.crm_state(id).as_deref() == Some("in_progress"));
    // Cancel: only the applicant, only while running.
    let mine = sim
        .with_state(|s| {
            s.crm
                .values()
                .find(|i| i.applicant == me && i.state == "in_progress")
                .map(|i| (i.instance_id.clone(), i.object_api_name.clone(), i.data_id.clone(), i.flow_api_name.clone()))
        })
        .unwrap();
    let other = sim.with_state(|s| s.employees[1].open_user_id.clone());
    let cancel = |who: &str| json!({"corpAccessToken": t, "corpId": corp, "currentOpenUserId": who, "data": {"entityId": mine.1, "objectId": mine.2, "cancelReason": "撤回"}});
    assert_eq!(
        post(&c, base, "/cgi/crm/v2/special/approval/instance/cancel", cancel(&other)).await["errorCode"],
        30001
    );
    assert_eq!(post(&c, base, "/cgi/crm/v2/special/approval/instance/cancel", cancel(&me)).await["errorCode"], 0);
    assert_eq!(sim.crm_state(&mine.0).as_deref(), Some("cancel"));
    // The newest change first (our choice 5): the instance just cancelled heads its flow's list.
    let q = json!({"corpAccessToken": t, "corpId": corp, "currentOpenUserId": me, "flowApiName": mine.3, "startTime": 0, "endTime": i64::MAX / 2, "pageSize": 1});
    let r = post(&c, base, "/cgi/crm/approvalInstances/query", q).await;
    assert_eq!(r["queryResult"]["instanceList"][0]["instanceId"], mine.0.as_str());
    let q = json!({"corpAccessToken": t, "corpId": corp, "currentOpenUserId": me, "flowApiName": super::seed::CRM_FLOWS[0].0, "startTime": 0, "endTime": i64::MAX / 2, "pageSize": 2});
    let r = post(&c, base, "/cgi/crm/approvalInstances/query", q).await;
    assert_eq!(r["queryResult"]["instanceList"].as_array().unwrap().len(), 2);
    assert!(r["queryResult"]["total"].as_i64().unwrap() > 2);
}

#[tokio::test]
async fn rate_limit_and_user_lookup() {
    let (sim, server, c) = start().await;
    let base = &server.base_url;
    let (t, corp) = token(&sim, &c, base).await;
    let me = sim.demo_user();
    let found =
        post(&c, base, "/cgi/user/getByMobile", json!({"corpAccessToken": t, "corpId": corp, "mobile": me.mobile}))
            .await;
    assert_eq!(found["empList"][0]["openUserId"], me.open_user_id);
    let none =
        post(&c, base, "/cgi/user/getByMobile", json!({"corpAccessToken": t, "corpId": corp, "mobile": "10000000000"}))
            .await;
    assert_eq!(none["empList"], json!([]));
    sim.set_rate_limit(3);
    let body = json!({"corpAccessToken": t, "corpId": corp});
    for _ in 0..3 {
        assert_eq!(post(&c, base, "/cgi/approvalTypeForms/get", body.clone()).await["errorCode"], 0);
    }
    assert_eq!(post(&c, base, "/cgi/approvalTypeForms/get", body.clone()).await["errorCode"], 20050);
    assert_eq!(
        post(&c, base, "/cgi/user/getByMobile", json!({"corpAccessToken": t, "corpId": corp, "mobile": me.mobile}))
            .await["errorCode"],
        0,
        "per endpoint"
    );
    assert_eq!(sim.calls("/cgi/approvalTypeForms/get"), 4);
}

#[tokio::test]
async fn people_by_open_user_id_and_by_department() {
    let (sim, server, c) = start().await;
    let base = &server.base_url;
    let (t, corp) = token(&sim, &c, base).await;
    let get = |id: &str| json!({"corpAccessToken": t, "corpId": corp, "openUserId": id});
    let me = sim.demo_user();
    let got = post(&c, base, "/cgi/user/get", get(&me.open_user_id)).await;
    assert_eq!(
        (got["errorCode"].as_i64(), got["name"].as_str(), got["nickName"].as_str(), got["isStop"].as_bool()),
        (Some(0), Some("王芳"), Some("Fang"), Some(false)),
        "{got}"
    );
    let former = sim.with_state(|s| s.employees.iter().find(|e| e.is_stop).cloned()).unwrap();
    let left = post(&c, base, "/cgi/user/get", get(&former.open_user_id)).await;
    assert_eq!((left["name"].as_str(), left["isStop"].as_bool()), (Some("郑离"), Some(true)));
    assert_eq!(post(&c, base, "/cgi/user/get", get("FSUID_NOBODY")).await["errorCode"], 30027);
    assert_eq!(
        post(&c, base, "/cgi/user/get", json!({"corpAccessToken": t, "corpId": corp})).await["errorCode"],
        15002
    );
    let list = |department: Value, fetch_child: Value| json!({"corpAccessToken": t, "corpId": corp, "departmentId": department, "fetchChild": fetch_child});
    let company = post(&c, base, "/cgi/user/simpleList", list(json!(999_999), json!(true))).await;
    let users = company["userList"].as_array().unwrap();
    let active = sim.with_state(|s| s.employees.iter().filter(|e| !e.is_stop).count());
    assert_eq!(users.len(), active, "the whole company, but for who left");
    assert!(users.iter().all(|u| u["openUserId"].as_str().unwrap().starts_with("FSUID_")
        && u["name"].is_string()
        && u["nickName"].is_string()));
    assert!(!users.iter().any(|u| u["openUserId"] == former.open_user_id.as_str()));
    assert_eq!(
        post(&c, base, "/cgi/user/simpleList", list(json!(999_999), json!(false))).await["userList"],
        json!([]),
        "nobody sits in the root itself"
    );
    let one = post(&c, base, "/cgi/user/simpleList", list(json!(1000), json!(false))).await;
    assert!(!one["userList"].as_array().unwrap().is_empty() && one["userList"].as_array().unwrap().len() < active);
    assert_eq!(post(&c, base, "/cgi/user/simpleList", list(json!(-1), json!(true))).await["errorCode"], 15002);
    assert_eq!(post(&c, base, "/cgi/user/simpleList", list(json!(null), json!(true))).await["errorCode"], 15002);
    assert_eq!((sim.calls("/cgi/user/get"), sim.calls("/cgi/user/simpleList")), (4, 5), "each call is counted");
}

#[tokio::test]
async fn a_window_may_touch_at_most_180_beijing_days_counting_both_ends() {
    let (sim, server, c) = start().await;
    let base = &server.base_url;
    let (t, corp) = token(&sim, &c, base).await;
    let (day, beijing) = (86_400_000i64, 8 * 3_600_000i64);
    let now = crate::common::now_secs() * 1000;
    let midnight = (now + beijing).div_euclid(day) * day - beijing;
    let q = |start: i64, end: i64| json!({"corpAccessToken": t, "corpId": corp, "startTime": start, "endTime": end});
    let code = |start, end| {
        let body = q(start, end);
        let (c, base) = (c.clone(), base.clone());
        async move { post(&c, &base, "/cgi/approval/query", body).await["errorCode"].as_i64() }
    };
    assert_eq!(code(midnight - 180 * day, midnight - 1).await, Some(0), "180 whole days");
    assert_eq!(code(midnight - 180 * day, midnight).await, Some(15002), "a millisecond of a 181st day");
    assert_eq!(code(midnight - 180 * day - 1, midnight - 1).await, Some(15002), "a millisecond of the day before");
    assert_eq!(code(midnight - 179 * day + 1, midnight + day - 2).await, Some(0), "any 180 days, not only whole ones");
    assert_eq!(
        code(midnight - 179 * day - 1, midnight + 3_600_000).await,
        Some(15002),
        "under 180 × 24 h, but 181 days touched"
    );
    assert_eq!(code(midnight, midnight - 1).await, Some(15002), "ends before it starts");
    assert_eq!(super::api::window_days(midnight, midnight), 1);
    assert_eq!(super::api::window_days(midnight - 1, midnight), 2);
}
