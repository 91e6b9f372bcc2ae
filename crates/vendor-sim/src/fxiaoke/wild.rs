//! A real fxiaoke tenant's records (`Tenant::Wild`), beside the tidy ones: status and enum
//! codes no document lists (approval status 6, approveType 12, leaveType 42, travelType 9,
//! vehicle 8, attachment type 4, crmObject type 999, flowType 3), task types and states and
//! member states that are new words, custom-form fields of types beyond the document's five,
//! records with optional fields `null` or missing, 10 kB texts, emoji and rare CJK in names and
//! opinions, CRM instances with an unknown state and trigger, details in the vendor's APL
//! names or with `instance` as JSON text, opinions whose `actionType` is `addTag` or `retrieve`
//! (published by the vendor's APL), and one record of each list that nobody can read. Every one
//! involves the demo user, so a client must show each (the readable ones in full). Few records:
//! a client syncs them under the rate limit.

use serde_json::{json, Value};

use super::state::{CrmInstance, CrmShape, CrmTask, Employee, Media, Oddities, OldApproval, OldTask, Opinion, State};
use crate::wild::{long_text, odd_text};

const DAY: i64 = 86_400;

/// Applies a record's [`Oddities`] to its reply object.
pub fn odd(reply: &mut Value, o: &Oddities) {
    for pointer in &o.nulls {
        match reply.pointer_mut(pointer) {
            Some(v) => *v = Value::Null,
            None => {
                if let Some((parent, key)) = pointer.rsplit_once('/') {
                    if let Some(obj) = reply.pointer_mut(parent).and_then(Value::as_object_mut) {
                        obj.insert(key.to_string(), Value::Null);
                    }
                }
            }
        }
    }
    for pointer in &o.absent {
        if let Some((parent, key)) = pointer.rsplit_once('/') {
            if let Some(obj) = reply.pointer_mut(parent).and_then(Value::as_object_mut) {
                obj.remove(key);
            }
        }
    }
}

/// The wild people: a name in rare characters and emoji, and one with only a nickname.
fn people(s: &mut State) -> (String, String) {
    let odd_one = Employee {
        open_user_id: "FSUID_0DD0DD0DD0DD0DD0DD0DD0DD0DD0DD01".into(),
        name: odd_text("欧阳𪚥"),
        nick_name: "Ouyang".into(),
        mobile: "13900139001".into(),
        department_id: 1003,
        is_stop: false,
    };
    let nick_only = Employee {
        open_user_id: "FSUID_0DD0DD0DD0DD0DD0DD0DD0DD0DD0DD02".into(),
        name: String::new(),
        nick_name: "Kiki 🐱".into(),
        mobile: "13900139002".into(),
        department_id: 1004,
        is_stop: false,
    };
    let ids = (odd_one.open_user_id.clone(), nick_only.open_user_id.clone());
    s.employees.extend([odd_one, nick_only]);
    ids
}

fn task(id: u32, kind: &'static str, state: &'static str, members: Vec<(String, &'static str)>) -> OldTask {
    OldTask { task_id: format!("77696c64{id:024x}"), kind, state, sequence: id % 10, members, comments: vec![] }
}

/// A 协同审批 record of the wild tenant, created `days` ago.
fn old(id: i64, days: i64, now: i64, sender: &str, status: i64, approve_type: i64, tasks: Vec<OldTask>) -> OldApproval {
    let create = now - days * DAY - 3_600;
    OldApproval {
        id,
        approve_type,
        form_id: format!("wild-form-{approve_type}"),
        form_name: odd_text("外部表单"),
        flow_type: 1,
        feed_content: odd_text("真实租户的审批"),
        create_time: create,
        last_update_time: create + 600,
        sender: sender.to_string(),
        status,
        tasks,
        form_record: None,
        tables: vec![],
        attachments: vec![],
        crm_objects: vec![],
        visible_department_ids: vec![1000],
        oddities: Oddities::default(),
    }
}

/// A CRM instance of the wild tenant on the first default flow, created `days` ago.
fn crm(n: u32, days: i64, now_ms: i64, applicant: &str, state: &'static str, tasks: Vec<CrmTask>) -> CrmInstance {
    let create = now_ms - days * DAY * 1000 - 7_200_000;
    let (flow, object, label) = super::seed::CRM_FLOWS[0];
    CrmInstance {
        instance_id: format!("77696c64{n:016x}"),
        instance_name: odd_text(&format!("{label}-WILD{n:03} 审批")),
        data_id: format!("77696c6464617461{n:016x}"),
        trigger_type: "Create",
        state,
        create_time: create,
        last_modify_time: create + 60_000,
        end_time: None,
        cancel_time: None,
        flow_api_name: flow.into(),
        object_api_name: object.into(),
        applicant: applicant.to_string(),
        tasks,
        shape: CrmShape::AsListed,
        row_oddities: Oddities::default(),
        detail_oddities: Oddities::default(),
    }
}

fn crm_task(
    id: u32,
    kind: &'static str,
    state: &'static str,
    opinions: Vec<Opinion>,
    un_complete: Vec<String>,
    at: i64,
) -> CrmTask {
    let complete = opinions.iter().map(|o| o.open_user_id.clone()).collect();
    CrmTask {
        id: format!("77696c647461736b{id:08x}"),
        kind,
        state,
        create_time: at,
        modify_time: at,
        end_time: None,
        opinions,
        un_complete,
        complete,
    }
}

fn opinion(who: &str, action_type: &'static str, text: String, at: i64) -> Opinion {
    Opinion { open_user_id: who.to_string(), action_type, opinion: text, reply_time: at }
}

/// Adds the wild records to a seeded tenant.
pub fn seed(s: &mut State, now: i64) {
    let demo = s.demo_user.clone();
    let (odd_one, nick_only) = people(s);
    let colleague = s.employees[1].open_user_id.clone();
    let now_ms = now * 1000;

    // 协同审批.
    let mut unknown_status =
        old(79_001, 3, now, &demo, 6, 1, vec![task(1, "vote", "paused", vec![(odd_one.clone(), "transferred")])]);
    unknown_status.feed_content = long_text("项目说明");
    let mut unknown_type =
        old(79_002, 12, now, &odd_one, 2, 12, vec![task(2, "single", "agree", vec![(demo.clone(), "agree")])]);
    unknown_type.flow_type = 3;
    unknown_type.tasks[0].comments.push((demo.clone(), odd_text("同意")));
    unknown_type.form_record = Some(
        json!({ "projectCode": "P-2024-001", "budget": 12.5, "owner": { "id": 3, "name": "刘洋" }, "tags": ["紧急", "𠀀"], "note": null }),
    );
    let video = "77696c64-6d65-6469-6100-000000000004".to_string();
    s.media.insert(
        video.clone(),
        Media { id: video.clone(), kind: 4, name: odd_text("现场录像.mp4"), bytes: b"wild video".to_vec() },
    );
    let mut new_fields = old(
        79_003,
        40,
        now,
        &demo,
        1,
        100,
        vec![task(3, "single", "in_progress", vec![(colleague.clone(), "in_progress")])],
    );
    new_fields.attachments = vec![video];
    new_fields.crm_objects = vec![("77696c64637573746f6d6572".into(), 999)];
    new_fields.form_record = Some(json!({
        "amount": { "label": "金额", "value": "2555.00", "type": "money" },
        "count": { "label": "数量", "value": 3, "type": "number" },
        "day": { "label": "日期", "value": 1714521600000i64, "type": "date" },
        "who": { "label": "经办人", "value": { "id": nick_only, "name": "Kiki 🐱" }, "type": "employee" },
        "dept": { "label": "部门", "value": ["销售一部", "𠀀部"], "type": "department" },
        "where": { "label": "地点", "value": { "lng": 121.47, "lat": 31.23, "address": "上海" }, "type": "location" },
        "pick": { "label": "类型", "value": null, "type": "select_one" },
        "words": { "label": "说明", "value": long_text("用印说明"), "type": "long_text" },
    }));
    let mut odd_codes = old(
        79_004,
        90,
        now,
        &odd_one,
        1,
        2,
        vec![task(4, "single", "in_progress", vec![(demo.clone(), "in_progress")])],
    );
    odd_codes.form_record = Some(
        json!({ "details": [{ "leaveType": 42, "hours": "半天", "startTime": "明天上午", "endTime": super::api::format_time(now + DAY, "%Y-%m-%d %H:%M") }] }),
    );
    let mut odd_trip =
        old(79_005, 200, now, &demo, 4, 4, vec![task(5, "single", "cancel", vec![(colleague.clone(), "cancel")])]);
    odd_trip.form_record = Some(
        json!({ "approveReason": odd_text("出差"), "items": [{ "startPoint": "上海", "endPoint": "𪚥城", "vehicle": 8, "daysNumber": "二" }], "details": [{ "travelType": 9 }] }),
    );
    let mut nulls =
        old(79_006, 250, now, &nick_only, 2, 3, vec![task(6, "single", "agree", vec![(demo.clone(), "agree")])]);
    nulls.form_record = Some(json!({ "title": "办公用品", "amount": "86.5" }));
    nulls.oddities = Oddities {
        nulls: vec![
            "/approvalFormName",
            "/flowType",
            "/feed/lastUpdateTime",
            "/feed/tables",
            "/feed/crmObjects",
            "/approvalTasks/0/sequenceNumber",
            "/approvalTasks/0/comments",
            "/visibleDepartmentIds",
            "/formRecord/title",
        ],
        absent: vec!["/currentTaskId", "/approvalFormId", "/visibleEmployeeIds"],
    };
    let mut unreadable = old(
        79_007,
        30,
        now,
        &demo,
        1,
        1,
        vec![task(7, "single", "in_progress", vec![(colleague.clone(), "in_progress")])],
    );
    unreadable.oddities.absent = vec!["/approvalId"];
    for a in [unknown_status, unknown_type, new_fields, odd_codes, odd_trip, nulls, unreadable] {
        s.approvals.insert(a.id, a);
    }

    // CRM approval flows.
    let at = now_ms - 86_400_000;
    let mut suspended = crm(
        1,
        5,
        now_ms,
        &demo,
        "suspended",
        vec![crm_task(1, "single", "schedule", vec![], vec![colleague.clone()], at)],
    );
    suspended.trigger_type = "Import";
    let mut apl = crm(
        2,
        20,
        now_ms,
        &odd_one,
        "in_progress",
        vec![
            crm_task(
                2,
                "sequential",
                "pass",
                vec![
                    opinion(&demo, "addTag", odd_text("请王总加签"), at),
                    opinion(&colleague, "agree", "同意".into(), at + 1000),
                ],
                vec![],
                at,
            ),
            crm_task(3, "single", "in_progress", vec![], vec![demo.clone()], at + 2000),
        ],
    );
    apl.shape = CrmShape::Apl;
    let mut as_text = crm(
        3,
        60,
        now_ms,
        &colleague,
        "pass",
        vec![
            crm_task(4, "single", "pass", vec![opinion(&demo, "retrieve", long_text("取回重审"), at)], vec![], at),
            crm_task(5, "single", "pass", vec![opinion(&nick_only, "agree", odd_text("同意"), at + 1000)], vec![], at),
        ],
    );
    as_text.shape = CrmShape::InstanceAsText;
    as_text.end_time = Some(at + 2000);
    as_text.detail_oddities.nulls = vec!["/tasks/0/opinions/0/replyTime"];
    let mut nulls_crm = crm(
        4,
        100,
        now_ms,
        &demo,
        "in_progress",
        vec![crm_task(6, "single", "in_progress", vec![], vec![colleague.clone()], at)],
    );
    nulls_crm.row_oddities.nulls = vec!["/lastModifyTime", "/endTime", "/cancelTime", "/triggerType", "/instanceName"];
    nulls_crm.detail_oddities = Oddities {
        nulls: vec!["/tasks/0/opinions", "/tasks/0/completeOpenPersons"],
        absent: vec!["/tasks/0/modifyTime", "/tasks/0/endTime"],
    };
    let mut no_detail = crm(
        5,
        150,
        now_ms,
        &demo,
        "pass",
        vec![crm_task(7, "single", "pass", vec![opinion(&colleague, "agree", "同意".into(), at)], vec![], at)],
    );
    no_detail.shape = CrmShape::NoDetail;
    for c in [suspended, apl, as_text, nulls_crm, no_detail] {
        s.crm.insert(c.instance_id.clone(), c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oddities_set_nulls_and_leave_fields_out() {
        let mut v = json!({ "a": 1, "feed": { "b": 2 }, "tasks": [{ "c": 3 }] });
        odd(&mut v, &Oddities { nulls: vec!["/feed/b", "/feed/new", "/tasks/0/c", "/missing/x"], absent: vec!["/a"] });
        assert_eq!(v, json!({ "feed": { "b": null, "new": null }, "tasks": [{ "c": null }] }));
    }

    #[test]
    fn every_wild_record_involves_the_demo_user() {
        let mut s = super::super::seed::generate(2, 4);
        let (old, crm) = (s.approvals.len(), s.crm.len());
        seed(&mut s, crate::common::now_secs());
        assert_eq!((s.approvals.len() - old, s.crm.len() - crm), (7, 5));
        let me = s.demo_user.clone();
        for a in s.approvals.values().filter(|a| a.id > 79_000) {
            let member = a.tasks.iter().any(|t| t.members.iter().any(|(m, _)| *m == me));
            assert!(a.sender == me || member, "{}", a.id);
        }
        for i in s.crm.values().filter(|i| i.instance_id.starts_with("77696c64")) {
            let involved = i.applicant == me
                || i.tasks
                    .iter()
                    .any(|t| t.un_complete.contains(&me) || t.opinions.iter().any(|o| o.open_user_id == me));
            assert!(involved, "{}", i.instance_id);
        }
    }
}
