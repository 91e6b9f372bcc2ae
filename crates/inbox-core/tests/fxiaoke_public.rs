//! Issue 13: every public fxiaoke example in `tests/fixtures/fxiaoke/public/` (each file's source
//! in the README there) is read verbatim: replies through our wire types and maps, with
//! their meaningful values asserted; requests checked against the shapes our client sends; the
//! people requests also sent to the simulator, which is written from the same pages. A new
//! file without a check here fails the test.

use inbox_core::connectors::de::document_example;
use inbox_core::connectors::fxiaoke::{client, map, people, wire};
use inbox_core::{Action, Decision, Inbox, Status};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use vendor_sim::Simulator;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fxiaoke/public");

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default()
}

fn set<'a>(words: &[&'a str]) -> BTreeSet<&'a str> {
    words.iter().copied().collect()
}

/// Checks one file; `false` for a file this test does not know.
fn check(name: &str, v: &Value) -> bool {
    match name {
        // The published list reply: every row reads, and maps (no detail yet) to what it says.
        "crm-instances-query.json" => {
            let q: wire::CrmInstancesQuery = serde_json::from_value(v.clone()).unwrap();
            let result = q.query_result.unwrap();
            assert_eq!((result.total, result.instance_list.len()), (Some(50), 2));
            let row: wire::CrmInstance = serde_json::from_value(result.instance_list[0].clone()).unwrap();
            assert_eq!(
                (row.instance_id.as_str(), row.state.as_str(), row.create_time, row.cancel_time),
                ("5938ef093db71d57841afaa8", "pass", Some(1496903433459), Some(0))
            );
            let detail = wire::CrmInstanceDetail::default().completed(&row.instance_id, Some(&row));
            let a = map::crm_instance(&detail, v.clone(), "FSUID_55E332B8B9637C744CFD5FC89F7FCA57");
            assert_eq!(
                (a.remote_id.as_str(), a.status, a.boxes.clone()),
                ("crm:5938ef093db71d57841afaa8", Status::Approved, vec![Inbox::Submitted])
            );
            assert_eq!((a.submitted_at, a.updated_at), (1496903433, 1496903455));
            assert_eq!(a.title, "CreateTradeCode-02548-201706082017-06-08 02:30");
            assert!(a.fields.iter().any(|f| f.label == "触发操作" && f.value == "新建"));
            assert!(a.actions.is_empty(), "a passed flow offers nothing");
        }
        // The vendor's APL sample (same engine, other names): read by our lenient CRM types.
        "apl-approval-get-instance.json" => {
            let detail = wire::CrmInstanceDetail::deserialize(&v["data"]).unwrap();
            let i = detail.instance.clone().unwrap();
            assert_eq!(
                (
                    i.data_id.as_str(),
                    i.object_api_name.as_str(),
                    i.flow_api_name.as_str(),
                    i.applicant_open_user_id.as_str()
                ),
                ("66f50a6e25255b0007b64ca0", "object_RlhY0__c", "apprZVJ6E46RHG__crmappr", "1007")
            );
            assert_eq!(
                (
                    detail.tasks.len(),
                    detail.tasks[0].complete_open_persons.clone(),
                    detail.tasks[1].un_complete_persons.clone()
                ),
                (2, vec!["1007".to_string()], vec!["1007".to_string()])
            );
            let a = map::crm_instance(&detail.completed("66f50a6f0cf87e114caaa435", None), v.clone(), "1007");
            assert_eq!(
                (a.status, a.boxes.clone()),
                (Status::Pending, vec![Inbox::Todo, Inbox::Submitted, Inbox::Processed])
            );
            assert_eq!(a.actions, vec![Action::Approve, Action::Reject, Action::Cancel]);
            assert_eq!(a.steps.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["A", "B1"]);
            assert_eq!(
                (a.steps[0].decision, a.steps[0].members[0].comment.as_deref()),
                (Decision::Approved, Some("同意。"))
            );
            assert_eq!(a.title, "新建2024-09-26-1850（2024-09-2615:17）");
        }
        "apl-approval-find-tasks.json" => {
            let task = wire::CrmTask::of(v["result"][0].as_object().unwrap());
            assert_eq!(
                (task.id.as_str(), task.kind.as_str(), task.state.as_str()),
                ("66f656c1deb560342dbd4381", "one_pass", "pass")
            );
            assert_eq!(
                (task.opinions[0].open_user_id.as_str(), task.opinions[0].action_type.as_str()),
                ("1007", "agree")
            );
            assert_eq!(map::crm_opinion_decision(&task.opinions[0].action_type).0, Decision::Approved);
            assert_eq!(task.task_name.as_deref(), Some("A"));
        }
        "crm-generic-success.json" => {
            client::envelope("c", v).unwrap();
            assert_eq!(keys(v), set(&["traceId", "errorDescription", "errorMessage", "errorCode"]));
        }
        "user-simple-list.json" => {
            client::envelope("c", v).unwrap();
            let list: wire::UserSimpleList = serde_json::from_value(v.clone()).unwrap();
            let names: Vec<_> = list
                .user_list
                .iter()
                .map(|u| (u.open_user_id.as_str(), people::display(u.name.as_deref(), u.nick_name.as_deref(), false)))
                .collect();
            assert_eq!(
                names,
                [("FSUID_39E2Bxxxxxxx", Some("Xiao Ming".into())), ("FSUID_B4D44xxxxxxx", Some("Xiao Hong".into()))]
            );
        }
        // Requests: the keys our client sends (client.rs), the values of the published example.
        "user-get-request.json" => assert_eq!(keys(v), set(&["corpAccessToken", "corpId", "openUserId"])),
        "user-simple-list-request.json" => {
            assert_eq!(keys(v), set(&["departmentId", "fetchChild"]));
            assert!(v["departmentId"].is_i64() && v["fetchChild"].is_boolean());
        }
        "crm-instance-get-request.json" => assert_eq!(keys(v), set(&["instanceId"])),
        "crm-instance-get-request-includenull.json" => assert_eq!(keys(v), set(&["instanceId", "includeNull"])),
        "crm-instances-query-request.json" => {
            let ours = set(&[
                "corpAccessToken",
                "corpId",
                "currentOpenUserId",
                "flowApiName",
                "startTime",
                "endTime",
                "pageNumber",
                "pageSize",
            ]);
            assert!(keys(v).is_superset(&ours), "{:?}", keys(v));
            let span = v["endTime"].as_i64().unwrap() - v["startTime"].as_i64().unwrap();
            assert!(
                span > 180 * 86_400_000,
                "the CRM list's own example spans more than 180 days: no cap is published for it"
            );
        }
        "crm-instances-query-request-v2doc.json" | "crm-instances-query-request-v2doc-includenull.json" => {
            assert!(keys(v).is_superset(&set(&[
                "flowApiName",
                "startTime",
                "endTime",
                "pageNumber",
                "pageSize",
                "state",
                "objectApiName"
            ])));
            assert_eq!(v["startTime"], "hello", "this revision's placeholders type the times as text");
        }
        "crm-object-instances-query-request.json" => assert_eq!(keys(v), set(&["dataId"])),
        "crm-task-action-request.json" => {
            assert_eq!(keys(v), set(&["taskId", "actionType", "opinion"]));
            assert_eq!(v["actionType"], "agree");
        }
        "crm-special-approval-task-request.json" => {
            assert_eq!(keys(&v["data"]), set(&["taskId", "approvalResult", "opinion"]))
        }
        "crm-instance-cancel-request.json" => {
            assert_eq!(keys(&v["data"]), set(&["entityId", "objectId", "cancelReason"]))
        }
        _ => return false,
    }
    true
}

#[test]
fn every_public_example_is_read() {
    let mut checked = 0;
    for entry in std::fs::read_dir(DIR).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name == "README.md" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let v = document_example(&text);
        assert!(check(&name, &v), "{name}: a public example with no check here");
        checked += 1;
    }
    assert_eq!(checked, 16, "every file the README lists");
    let readme = std::fs::read_to_string(format!("{DIR}/README.md")).unwrap();
    assert!(
        readme.contains("user-get-request.json") && readme.contains("cut off"),
        "the user/get reply is truncated everywhere, so only its request is kept"
    );
}

/// The simulator answers the published people requests as the pages say (with our token).
#[tokio::test]
async fn the_simulator_answers_the_published_people_requests() {
    let sim = vendor_sim::fxiaoke::Sim::new(3, 4);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let (app_id, secret, code, _) = sim.app();
    let c = client::Client::new(
        &server.base_url,
        inbox_core::connectors::fxiaoke::auth::Credentials::new(&app_id, &secret, &code),
    )
    .unwrap();
    let read = |name: &str| document_example(&std::fs::read_to_string(format!("{DIR}/{name}")).unwrap());
    let mut simple = read("user-simple-list-request.json");
    let department = simple["departmentId"].as_i64().unwrap();
    simple["fetchChild"] = json!(false);
    let got = c.call_raw(client::beyond_document::USER_SIMPLE_LIST, simple).await.unwrap();
    let in_it = sim.with_state(|s| s.employees.iter().filter(|e| e.department_id == department && !e.is_stop).count());
    assert_eq!(got["userList"].as_array().unwrap().len(), in_it, "department {department}");
    let mut get = read("user-get-request.json");
    get.as_object_mut().unwrap().retain(|k, _| k == "openUserId");
    let e = c.call_raw(client::beyond_document::USER_GET, get).await.unwrap_err();
    assert!(
        e.to_string().contains("30027") && e.to_string().contains("员工不存在"),
        "the example's placeholder id is nobody: {e}"
    );
    let me = sim.demo_user();
    let named = c.user_get(&me.open_user_id).await.unwrap();
    assert_eq!((named.name.as_deref(), named.nick_name.as_deref(), named.is_stop), (Some("王芳"), Some("Fang"), false));
}
