//! The document's examples, copied verbatim into tests/fixtures/fxiaoke/, parse and map; every
//! value the documents list maps to its meaning and every other one is kept as data; HTML
//! tables are sanitised.

use super::*;
use crate::connectors::de::document_example;
use crate::connectors::fxiaoke::wire::{Approval, ApprovalGet, ApprovalQuery, ApprovalTypeForms, Envelope};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../tests/fixtures/fxiaoke/", $name))
    };
}

/// The document writes some keys bare (`totalCount: 1000`) and shows form records as
/// `"formRecord": {…}` fragments, indented with no-break spaces (U+00A0) as the web page
/// has them: make those plain spaces, quote bare keys and wrap fragments, then read as usual.
fn example(text: &str) -> serde_json::Value {
    let text = text.replace('\u{a0}', " ");
    let quoted: Vec<String> = text
        .lines()
        .map(|l| {
            let t = l.trim_start();
            match t.split_once(':') {
                Some((key, rest)) if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric()) => {
                    format!("{}\"{key}\":{rest}", &l[..l.len() - t.len()])
                }
                _ => l.to_string(),
            }
        })
        .collect();
    let joined = quoted.join("\n");
    let body = if joined.trim_start().starts_with('"') { format!("{{{joined}}}") } else { joined };
    document_example(&body)
}

const ME: &str = "FSUID_442A9447ADD9EB86760B4AF319D187AC";

fn doc_approval() -> (Approval, serde_json::Value) {
    let raw = example(fixture!("approval-get.jsonc"));
    let got: ApprovalGet = serde_json::from_value(raw.clone()).unwrap();
    (got.approval, raw)
}

#[test]
fn every_document_example_parses() {
    let forms: ApprovalTypeForms = serde_json::from_value(example(fixture!("approval-type-forms.jsonc"))).unwrap();
    assert_eq!(forms.approval_type_forms.len(), 9);
    assert_eq!(forms.approval_type_forms[4].approve_type, "100");
    let q: ApprovalQuery = serde_json::from_value(example(fixture!("approval-query.jsonc"))).unwrap();
    let first: crate::connectors::fxiaoke::wire::ApprovalRef =
        crate::connectors::parse_item("approval/query", &q.approvals[0]).unwrap();
    assert_eq!((first.id, q.total_count, q.page_size), (1, Some(1000), Some(10)));
    for (f, code) in [(fixture!("error-20016.jsonc"), 20016), (fixture!("error-15002.jsonc"), 15002)] {
        let e: Envelope = serde_json::from_value(example(f)).unwrap();
        assert_eq!(e.error_code, code);
    }
    for req in [
        fixture!("approval-type-forms-request.jsonc"),
        fixture!("approval-query-request.jsonc"),
        fixture!("approval-get-request.jsonc"),
    ] {
        assert_eq!(example(req)["corpId"], "CORP_ID");
    }
    let custom: wire::CustomRecord = serde_json::from_value(example(fixture!("custom-form.jsonc"))).unwrap();
    assert_eq!(wire::CustomField::of(&custom["key2"]).unwrap().kind, "select_many");
}

#[test]
fn the_document_approval_maps_for_the_current_approver() {
    let (a, raw) = doc_approval();
    let r = approval(&a, raw, ME);
    assert_eq!(r.remote_id, "71676");
    assert_eq!(r.form_name, "付款申请");
    assert_eq!(r.status, Status::Pending);
    assert_eq!(r.boxes, vec![Inbox::Todo]);
    assert!(r.actions.is_empty(), "协同审批 is read-only");
    assert_eq!(r.submitted_at, 1_483_626_166, "2017-01-05 22:22:46 Beijing time");
    assert_eq!(r.steps.len(), 2);
    assert_eq!(r.steps[0].rule, StepRule::Any);
    let f = |label: &str| {
        r.fields.iter().find(|f| f.label == label).unwrap_or_else(|| panic!("{label} in {:?}", r.fields)).clone()
    };
    assert_eq!((f("付款金额").value.as_str(), f("付款金额").kind), ("12.00", FieldKind::Money));
    assert_eq!(f("付款时间").kind, FieldKind::Date);
    assert_eq!(f("付款时间").value, time("2017-01-04 22:25").unwrap().to_string());
    assert_eq!(f("是否开票").value, "是");
    assert_eq!(f("收款人姓名").value, "雷龙");
    let next = approval(&a, example(fixture!("approval-get.jsonc")), "FSUID_F7E1595DBD7CE7D0232EBE075CD8E54B");
    assert!(next.boxes.is_empty(), "the second approver waits (schedule) and is not in todo yet");
    let sender = approval(&a, serde_json::Value::Null, "FSUID_68D40E4FE7F461644E37E70B9BD64522");
    assert_eq!(sender.boxes, vec![Inbox::Submitted]);
}

fn with_form(approve_type: i64, fixture: &str) -> RemoteApproval {
    let (mut a, _) = doc_approval();
    a.approve_type = Some(approve_type.to_string());
    a.approval_form_name = None;
    a.form_record = Some(example(fixture)["formRecord"].clone());
    approval(&a, serde_json::Value::Null, ME)
}

fn value(r: &RemoteApproval, label: &str) -> (String, FieldKind) {
    let f = r.fields.iter().find(|f| f.label == label).unwrap_or_else(|| panic!("{label} in {:#?}", r.fields));
    (f.value.clone(), f.kind)
}

#[test]
fn every_preset_form_example_maps_to_labelled_fields() {
    let travel = with_form(8, fixture!("form-travel-reimbursement.jsonc"));
    assert_eq!(travel.form_name, "差旅报销单");
    assert_eq!(value(&travel, "明细 1 · 类型"), ("住宿".into(), FieldKind::Select));
    assert_eq!(value(&travel, "明细 2 · 报销金额"), ("3234.00".into(), FieldKind::Money));
    assert_eq!(value(&travel, "明细 2 · 附件（图片）").0, "我的二维码.jpg");
    assert_eq!(travel.attachments[0].remote_id, "55cb5a8a-1012-4d51-ab5a-b6100fb37122");
    assert_eq!(value(&travel, "明细 1 · 出发时间").1, FieldKind::Date);
    let loan = with_form(5, fixture!("form-loan.jsonc"));
    assert_eq!(value(&loan, "借款金额"), ("111.11".into(), FieldKind::Money));
    assert_eq!(value(&loan, "借款人").1, FieldKind::User);
    let pay = with_form(6, fixture!("form-payment.jsonc"));
    assert_eq!(value(&pay, "公司名称").0, "小米");
    let leave = with_form(2, fixture!("form-leave.jsonc"));
    assert_eq!(value(&leave, "明细 1 · 请假类型").0, "事假");
    assert_eq!(value(&leave, "明细 2 · 请假类型").0, "病假");
    assert_eq!(value(&leave, "明细 2 · 请假小时数"), ("12.5".into(), FieldKind::Number));
    let reimb = with_form(3, fixture!("form-reimbursement.jsonc"));
    assert_eq!(value(&reimb, "明细 1 · 标题").0, "办公用品");
    assert_eq!(value(&reimb, "明细 1 · 报销金额"), ("200.00".into(), FieldKind::Money));
    let trip = with_form(4, fixture!("form-business-trip.jsonc"));
    assert_eq!(value(&trip, "明细 1 · 交通工具").0, "飞机");
    assert_eq!(value(&trip, "预算"), ("111.00".into(), FieldKind::Money));
    assert_eq!(value(&trip, "事由").0, "出差");
    let discount = with_form(7, fixture!("form-discount.jsonc"));
    assert_eq!(value(&discount, "结束时间"), (time("2017-01-03").unwrap().to_string(), FieldKind::Date));
    assert_eq!(value(&discount, "折扣率").0, "11.00");
    let overtime = with_form(9, fixture!("form-overtime.jsonc"));
    assert_eq!(value(&overtime, "明细 1 · 类型").0, "加班");
    assert_eq!(value(&overtime, "明细 1 · 加班小时数").0, "12.0");
}

#[test]
fn custom_forms_map_every_field_type() {
    let (mut a, _) = doc_approval();
    a.approve_type = Some("100".into());
    a.form_record = Some(example(fixture!("custom-form.jsonc")));
    let r = approval(&a, serde_json::Value::Null, ME);
    assert_eq!(
        r.fields.iter().filter(|f| f.label == "key1" || f.label == "key2").count(),
        2,
        "empty labels fall back to the key"
    );
    a.form_record = Some(serde_json::json!({
        "f": {"label": "用印文件", "value": "m1", "type": "file_attachment"},
        "p": {"label": "照片", "value": ["m2", "m3"], "type": "image"},
        "s": {"label": "部门", "value": ["法务", "财务"], "type": "select_many"},
    }));
    let r = approval(&a, serde_json::Value::Null, ME);
    assert_eq!(r.attachments.iter().map(|f| f.remote_id.as_str()).collect::<Vec<_>>(), ["m1", "m2", "m3"]);
    assert!(r.fields.iter().any(|f| f.label == "部门" && f.value == "法务、财务"));
}

#[test]
fn tables_are_sanitised() {
    let (mut a, _) = doc_approval();
    a.feed.tables = vec![
        "<table><tr><td onclick=\"x()\">金额</td></tr></table><script>alert(1)</script><img src=x onerror=alert(2)>"
            .into(),
    ];
    let r = approval(&a, serde_json::Value::Null, ME);
    let (html, kind) = value(&r, "表格 1");
    assert_eq!(kind, FieldKind::Table);
    assert!(html.contains("<td>金额</td>"), "{html}");
    assert!(!html.contains("script") && !html.contains("onclick") && !html.contains("onerror"), "{html}");
}

/// `approval` with one change made to the document's example.
fn changed(f: impl Fn(&mut Approval)) -> RemoteApproval {
    let (mut a, _) = doc_approval();
    f(&mut a);
    approval(&a, serde_json::Value::Null, ME)
}

#[test]
fn words_the_documents_do_not_list_are_kept_as_data() {
    use serde_json::json;
    let r = changed(|x| x.status = Some("9".into()));
    assert_eq!(
        (r.status, r.status_word.as_deref()),
        (Status::Other, Some("9")),
        "an unknown status code is shown as the code"
    );
    assert!(!r.boxes.contains(&Inbox::Todo) && r.actions.is_empty(), "nothing waits for me on a guess");
    let r = changed(|x| {
        x.approve_type = Some("42".into());
        x.approval_form_name = None;
        x.form_record = Some(
            json!({ "projectCode": "P-001", "budget": 12.5, "owner": { "id": 3, "name": "刘洋" }, "tags": ["紧急", "𠀀"], "gone": null }),
        );
    });
    assert_eq!(r.form_name, "42", "an unknown approveType names the form by its code");
    assert_eq!(value(&r, "projectCode"), ("P-001".into(), FieldKind::Text));
    assert_eq!(value(&r, "budget"), ("12.5".into(), FieldKind::Number));
    assert_eq!(value(&r, "owner").0, "刘洋");
    assert_eq!(value(&r, "tags").0, "紧急、𠀀");
    let r = changed(|x| x.approval_tasks[0].state = "paused".into());
    assert_eq!(r.steps[0].decision, Decision::Other);
    assert!(r.steps[0].name.contains("paused"), "{}", r.steps[0].name);
    let r = changed(|x| x.approval_tasks[0].kind = "vote".into());
    assert_eq!(r.steps[0].rule, StepRule::Other { word: "vote".into() });
    let r = changed(|x| x.approval_tasks[0].task_members[0].state = "transferred".into());
    let m = &r.steps[0].members[0];
    assert_eq!((m.decision, m.word.as_deref()), (Decision::Other, Some("transferred")));
    assert!(!r.boxes.contains(&Inbox::Processed), "an unknown member state is no decision");
    assert_eq!(value(&changed(|x| x.flow_type = Some("3".into())), "审批流程类型").0, "3");
    let r = changed(|x| x.feed.create_time = Some("yesterday".into()));
    assert_eq!(value(&r, "提交时间"), ("yesterday".into(), FieldKind::Text), "an unreadable time is shown as written");
    assert_eq!(r.submitted_at, r.updated_at, "and the update time stands in for it");
    let r = changed(|x| {
        x.feed.attachments = vec![wire::MediaRef { id: "m9".into(), kind: "4".into(), name: "录像.mp4".into() }];
        x.feed.crm_objects = vec![wire::CrmObject { id: "c1".into(), kind: "999".into() }];
    });
    assert_eq!(value(&r, "附件（4）").0, "录像.mp4");
    assert_eq!(r.attachments[0].remote_id, "m9");
    assert_eq!(value(&r, "关联999").0, "c1");
    let leave = changed(|x| {
        x.approve_type = Some("2".into());
        x.form_record = Some(
            json!({ "details": [{ "leaveType": 42, "hours": "半天", "startTime": "明天上午", "endTime": "2024-05-01 18:00" }] }),
        );
    });
    assert_eq!(value(&leave, "明细 1 · 请假类型"), ("42".into(), FieldKind::Select));
    assert_eq!(value(&leave, "明细 1 · 请假小时数"), ("半天".into(), FieldKind::Text));
    assert_eq!(value(&leave, "明细 1 · 开始时间"), ("明天上午".into(), FieldKind::Text));
    assert_eq!(value(&leave, "明细 1 · 结束时间").1, FieldKind::Date);
    let trip = changed(|x| {
        x.approve_type = Some("4".into());
        x.form_record =
            Some(json!({ "items": [{ "vehicle": 8, "startPoint": "上海" }], "details": [{ "travelType": "9" }] }));
    });
    assert_eq!(value(&trip, "行程 1 · 交通工具").0, "8");
    assert_eq!(value(&trip, "明细 1 · 类型").0, "9");
    let custom = changed(|x| {
        x.approve_type = Some("100".into());
        x.form_record = Some(json!({
            "sig": { "label": "签名", "value": "data:…", "type": "signature" },
            "n": { "label": "数量", "value": 3, "type": "number" },
            "loc": { "label": "地点", "value": { "lng": 121.47, "lat": 31.23 }, "type": "location" },
            "who": { "label": "经办人", "value": { "name": "张伟" }, "type": "employee" },
            "ext3": 12.5,
            "plain": "不是字段对象",
        }));
    });
    assert_eq!(value(&custom, "签名"), ("data:…".into(), FieldKind::Text));
    assert_eq!(value(&custom, "数量"), ("3".into(), FieldKind::Number));
    assert_eq!(value(&custom, "地点").0, r#"{"lat":31.23,"lng":121.47}"#);
    assert_eq!(value(&custom, "经办人").0, "张伟");
    assert_eq!(
        value(&custom, "ext3"),
        ("12.5".into(), FieldKind::Number),
        "an entry that is not a field object is still shown"
    );
    assert_eq!(value(&custom, "plain").0, "不是字段对象");
    // The known words keep their meaning.
    for c in 1..=11 {
        assert_ne!(leave_type(&c.to_string()), c.to_string());
    }
    for c in 1..=7 {
        assert_ne!(travel_type(&c.to_string()), c.to_string());
    }
    assert_eq!(
        (vehicle("2"), attachment_type("3"), crm_object_type("102")),
        ("飞机".into(), "文件".into(), "客户".into())
    );
    assert_eq!((vehicle("5"), attachment_type("x"), crm_object_type("99")), ("5".into(), "x".into(), "99".into()));
    for s in 1..=5 {
        assert_ne!(status(&s.to_string()).0, Status::Other);
    }
}

#[test]
fn missing_and_null_optional_fields_are_not_errors() {
    use serde_json::json;
    let raw = json!({ "approval": {
        "approvalId": 7, "feed": null, "visibleDepartmentIds": null, "visibleEmployeeIds": null, "formRecord": null,
        "approvalTasks": [
            { "taskId": null, "type": null, "state": "in_progress", "comments": null, "sequenceNumber": null, "errorMessage": null,
              "taskMembers": [{ "employeeId": ME, "state": "in_progress" }, "not a member", null] },
            "not a task",
        ],
        "senderId": null, "status": "1", "approveType": null, "approvalFormName": null, "flowType": null, "currentTaskId": null,
    } });
    let got: ApprovalGet = serde_json::from_value(raw.clone()).unwrap();
    let r = approval(&got.approval, raw, ME);
    assert_eq!(
        (r.status, r.boxes.clone(), r.form_name.as_str(), r.submitted_at),
        (Status::Pending, vec![Inbox::Todo], "协同审批", 0)
    );
    assert_eq!(r.steps.len(), 1);
    assert_eq!(r.steps[0].members.len(), 1);
    assert_eq!(r.steps[0].rule, StepRule::Other { word: String::new() });
    let bare: ApprovalGet = serde_json::from_value(json!({ "approval": { "approvalId": "8" } })).unwrap();
    let r = approval(&bare.approval, serde_json::Value::Null, ME);
    assert_eq!((r.remote_id.as_str(), r.status, r.status_word.clone(), r.boxes.len()), ("8", Status::Other, None, 0));
    assert!(
        serde_json::from_value::<ApprovalGet>(json!({ "approval": { "feed": {} } })).is_err(),
        "only the id is required"
    );
    let amounts = changed(|x| {
        x.approve_type = Some("6".into());
        x.form_record = Some(
            json!({ "paymentAmount": "12.5", "amount": "待定", "invoiced": null, "receiverName": null, "attachments": null }),
        );
    });
    assert_eq!(value(&amounts, "付款金额"), ("12.50".into(), FieldKind::Money));
    assert!(!amounts.fields.iter().any(|f| f.label == "是否开票" || f.label == "收款人姓名"));
    let odd = changed(|x| {
        x.approve_type = Some("3".into());
        x.form_record = Some(json!("报销 200 元"));
    });
    assert_eq!(value(&odd, "表单").0, "报销 200 元", "a record that is not an object is still shown");
}

fn crm(state: &str, tasks: serde_json::Value) -> wire::CrmInstanceDetail {
    serde_json::from_value(serde_json::json!({
        "instance": {
            "instanceId": "5938ef093db71d57841afaa8", "instanceName": "销售订单-SO001 新建审批", "dataId": "9e9a",
            "triggerType": "Create", "state": state, "createTime": 1496903433459i64, "lastModifyTime": 1496903455210i64,
            "endTime": 0, "flowApiName": "apprDLWEK4A83N__crmapp", "applicantOpenUserId": "FSUID_A", "cancelTime": 0,
            "objectApiName": "SalesOrderObj"
        },
        "tasks": tasks,
    }))
    .unwrap()
}

#[test]
fn crm_instances_map_boxes_and_actions() {
    let tasks = serde_json::json!([
        {"id": "t1", "type": "single", "state": "pass", "opinions": [{"openUserId": "FSUID_B", "actionType": "agree", "opinion": "同意", "replyTime": 1496903455210i64}], "unCompletePersons": [], "completeOpenPersons": ["FSUID_B"]},
        {"id": "t2", "type": "all_pass", "state": "in_progress", "opinions": [], "unCompletePersons": ["FSUID_C"], "completeOpenPersons": []}
    ]);
    let d = crm("in_progress", tasks.clone());
    let c = crm_instance(&d, serde_json::Value::Null, "FSUID_C");
    assert_eq!(c.remote_id, "crm:5938ef093db71d57841afaa8");
    assert_eq!((c.boxes.clone(), c.actions.clone()), (vec![Inbox::Todo], vec![Action::Approve, Action::Reject]));
    assert_eq!(c.submitted_at, 1496903433);
    let b = crm_instance(&d, serde_json::Value::Null, "FSUID_B");
    assert_eq!(b.boxes, vec![Inbox::Processed]);
    assert_eq!(b.steps[0].members[0].comment.as_deref(), Some("同意"));
    let a = crm_instance(&d, serde_json::Value::Null, "FSUID_A");
    assert_eq!((a.boxes, a.actions), (vec![Inbox::Submitted], vec![Action::Cancel]));
    let done = crm_instance(&crm("pass", tasks.clone()), serde_json::Value::Null, "FSUID_C");
    assert!(done.boxes.is_empty() && done.actions.is_empty(), "a finished flow waits for no one");
    for s in ["in_progress", "pass", "auto_pass", "reject", "cancel", "go_back", "auto_go_back", "schedule", "error"] {
        assert_ne!(crm_task_decision(s).0, Decision::Other, "{s}");
    }
}

/// Issue 14: the task awaiting the user and the tasks showing their own opinion are marked by
/// task id; a cancel or a tag is no decision.
#[test]
fn crm_tasks_are_marked_by_their_ids() {
    let tasks = serde_json::json!([
        {"id": "t1", "type": "single", "state": "pass", "opinions": [{"openUserId": "FSUID_B", "actionType": "agree", "opinion": "同意", "replyTime": 1}], "unCompletePersons": [], "completeOpenPersons": ["FSUID_B"]},
        {"id": "t2", "type": "all_pass", "state": "in_progress", "taskName": "财务审批", "opinions": [{"openUserId": "FSUID_B", "actionType": "addTag", "opinion": "", "replyTime": 2}], "unCompletePersons": ["FSUID_C", "FSUID_B"], "completeOpenPersons": []}
    ]);
    let d = crm("in_progress", tasks);
    let c = crm_instance(&d, serde_json::Value::Null, "FSUID_C");
    assert_eq!(
        c.marks,
        vec![crate::model::StepMark { step: "t2".into(), name: "财务审批".into(), decision: Decision::Waiting }]
    );
    let b = crm_instance(&d, serde_json::Value::Null, "FSUID_B");
    assert_eq!(
        b.marks.iter().map(|m| (m.step.as_str(), m.decision)).collect::<Vec<_>>(),
        [("t1", Decision::Approved), ("t2", Decision::Waiting)]
    );
    assert!(
        crm_instance(&d, serde_json::Value::Null, "FSUID_A").marks.is_empty(),
        "the applicant's cancel concerns no step"
    );
}

#[test]
fn crm_words_we_do_not_know_are_shown_and_offer_nothing() {
    let tasks = serde_json::json!([
        {"id": "t1", "type": "sequential", "state": "suspended", "opinions": [
            {"openUserId": "FSUID_B", "actionType": "addTag", "opinion": "请王总加签", "replyTime": null},
            {"openUserId": "FSUID_C", "actionType": "retrieve", "opinion": ""},
            {"openUserId": "FSUID_D", "actionType": "auto_pass"},
        ], "unCompletePersons": ["FSUID_C"]},
    ]);
    let d = crm("paused", tasks);
    let c = crm_instance(&d, serde_json::Value::Null, "FSUID_C");
    assert_eq!((c.status, c.status_word.as_deref()), (Status::Other, Some("paused")));
    assert!(c.actions.is_empty(), "no decision on a guess");
    assert_eq!(c.boxes, vec![Inbox::Processed], "an opinion of any kind is mine");
    let applicant = crm_instance(&d, serde_json::Value::Null, "FSUID_A");
    assert_eq!(
        (applicant.boxes, applicant.actions),
        (vec![Inbox::Submitted], vec![]),
        "no cancel while the state is unknown"
    );
    let step = &c.steps[0];
    assert_eq!(step.rule, StepRule::Other { word: "sequential".into() });
    assert_eq!(step.decision, Decision::Other);
    assert!(step.name.contains("suspended"), "{}", step.name);
    let words: Vec<_> = step.members.iter().map(|m| (m.decision, m.word.clone())).collect();
    assert_eq!(
        words[..3],
        [
            (Decision::Other, Some("addTag".into())),
            (Decision::Other, Some("retrieve".into())),
            (Decision::Other, Some("auto_pass".into()))
        ]
    );
    assert_eq!(step.members[0].decided_at, None);
    assert_eq!(trigger_type("Import"), "Import");
    assert_eq!(trigger_type("Invalid"), "作废");
}

#[test]
fn the_unpublished_crm_detail_is_read_leniently_and_completed_from_the_list_row() {
    use serde_json::json;
    let row: wire::CrmInstance = serde_json::from_value(json!({
        "instanceId": "i1", "instanceName": "报价单-QU001", "dataId": "d1", "triggerType": "Create", "state": "in_progress",
        "createTime": 1496903433459i64, "lastModifyTime": null, "endTime": 0, "flowApiName": "apprQuoteObj__crmappr",
        "applicantOpenUserId": "FSUID_A", "cancelTime": 0, "objectApiName": "QuoteObj",
    }))
    .unwrap();
    // The instance as the platform's table types it: JSON text.
    let text = json!({ "instanceDetail": { "instance": json!({ "instanceId": "i1", "state": "in_progress" }).to_string(), "tasks": [
        { "id": "t1", "type": "single", "state": "in_progress", "unCompletePersons": ["FSUID_C"], "completeOpenPersons": null, "opinions": null },
    ] } });
    let got: wire::CrmInstanceGet = serde_json::from_value(text).unwrap();
    let d = got.instance_detail.completed("i1", Some(&row));
    let c = crm_instance(&d, serde_json::Value::Null, "FSUID_C");
    assert_eq!((c.title.as_str(), c.submitter.id.as_str(), c.submitted_at), ("报价单-QU001", "FSUID_A", 1496903433));
    assert_eq!(c.actions, vec![Action::Approve, Action::Reject]);
    // No instance at all: the row stands for it; no row either: the id asked for.
    let bare: wire::CrmInstanceGet =
        serde_json::from_value(json!({ "instanceDetail": { "instance": null, "tasks": "none" } })).unwrap();
    let from_row =
        crm_instance(&bare.instance_detail.clone().completed("i1", Some(&row)), serde_json::Value::Null, "FSUID_A");
    assert_eq!((from_row.status, from_row.boxes.clone()), (Status::Pending, vec![Inbox::Submitted]));
    let alone = crm_instance(&bare.instance_detail.completed("i2", None), serde_json::Value::Null, "FSUID_A");
    assert_eq!((alone.remote_id.as_str(), alone.status, alone.boxes.len()), ("crm:i2", Status::Other, 0));
    assert!(!alone.title.is_empty());
    // A reply without `instanceDetail` cannot be read; a list row without an id names nothing.
    assert!(serde_json::from_value::<wire::CrmInstanceGet>(json!({ "instanceDetail": null })).is_err());
    assert!(serde_json::from_value::<wire::CrmInstance>(json!({ "state": "pass" })).is_err());
}
