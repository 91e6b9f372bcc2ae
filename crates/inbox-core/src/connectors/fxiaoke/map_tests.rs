//! The document's examples, copied verbatim into tests/fixtures/fxiaoke/, parse and map; every
//! enum is exhaustive; HTML tables are sanitised.

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
    assert_eq!(forms.approval_type_forms[4].approve_type, 100);
    let q: ApprovalQuery = serde_json::from_value(example(fixture!("approval-query.jsonc"))).unwrap();
    let first: crate::connectors::fxiaoke::wire::ApprovalRef = crate::connectors::parse_item("approval/query", &q.approvals[0]).unwrap();
    assert_eq!((first.id, q.total_count, q.page_size), (1, Some(1000), Some(10)));
    for (f, code) in [(fixture!("error-20016.jsonc"), 20016), (fixture!("error-15002.jsonc"), 15002)] {
        let e: Envelope = serde_json::from_value(example(f)).unwrap();
        assert_eq!(e.error_code, code);
    }
    for req in [fixture!("approval-type-forms-request.jsonc"), fixture!("approval-query-request.jsonc"), fixture!("approval-get-request.jsonc")] {
        assert_eq!(example(req)["corpId"], "CORP_ID");
    }
    let custom: wire::CustomRecord = serde_json::from_value(example(fixture!("custom-form.jsonc"))).unwrap();
    assert_eq!(custom["key2"].kind, "select_many");
}

#[test]
fn the_document_approval_maps_for_the_current_approver() {
    let (a, raw) = doc_approval();
    let r = approval(&a, raw, ME).unwrap();
    assert_eq!(r.remote_id, "71676");
    assert_eq!(r.form_name, "付款申请");
    assert_eq!(r.status, Status::Pending);
    assert_eq!(r.boxes, vec![Inbox::Todo]);
    assert!(r.actions.is_empty(), "协同审批 is read-only");
    assert_eq!(r.submitted_at, 1_483_626_166, "2017-01-05 22:22:46 Beijing time");
    assert_eq!(r.steps.len(), 2);
    assert_eq!(r.steps[0].rule, StepRule::Any);
    let f = |label: &str| r.fields.iter().find(|f| f.label == label).unwrap_or_else(|| panic!("{label} in {:?}", r.fields)).clone();
    assert_eq!((f("付款金额").value.as_str(), f("付款金额").kind), ("12.00", FieldKind::Money));
    assert_eq!(f("付款时间").kind, FieldKind::Date);
    assert_eq!(f("付款时间").value, time("2017-01-04 22:25").unwrap().to_string());
    assert_eq!(f("是否开票").value, "是");
    assert_eq!(f("收款人姓名").value, "雷龙");
    let next = approval(&a, example(fixture!("approval-get.jsonc")), "FSUID_F7E1595DBD7CE7D0232EBE075CD8E54B").unwrap();
    assert!(next.boxes.is_empty(), "the second approver waits (schedule) and is not in todo yet");
    let sender = approval(&a, serde_json::Value::Null, "FSUID_68D40E4FE7F461644E37E70B9BD64522").unwrap();
    assert_eq!(sender.boxes, vec![Inbox::Submitted]);
}

fn with_form(approve_type: i64, fixture: &str) -> RemoteApproval {
    let (mut a, _) = doc_approval();
    a.approve_type = approve_type;
    a.approval_form_name = None;
    a.form_record = Some(example(fixture)["formRecord"].clone());
    approval(&a, serde_json::Value::Null, ME).unwrap_or_else(|e| panic!("approveType {approve_type}: {e}"))
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
    a.approve_type = 100;
    a.form_record = Some(example(fixture!("custom-form.jsonc")));
    let r = approval(&a, serde_json::Value::Null, ME).unwrap();
    assert_eq!(r.fields.iter().filter(|f| f.label == "key1" || f.label == "key2").count(), 2, "empty labels fall back to the key");
    a.form_record = Some(serde_json::json!({
        "f": {"label": "用印文件", "value": "m1", "type": "file_attachment"},
        "p": {"label": "照片", "value": ["m2", "m3"], "type": "image"},
        "s": {"label": "部门", "value": ["法务", "财务"], "type": "select_many"},
    }));
    let r = approval(&a, serde_json::Value::Null, ME).unwrap();
    assert_eq!(r.attachments.iter().map(|f| f.remote_id.as_str()).collect::<Vec<_>>(), ["m1", "m2", "m3"]);
    assert!(r.fields.iter().any(|f| f.label == "部门" && f.value == "法务、财务"));
    a.form_record = Some(serde_json::json!({"x": {"label": "?", "value": "", "type": "signature"}}));
    assert!(approval(&a, serde_json::Value::Null, ME).unwrap_err().contains("signature"));
}

#[test]
fn tables_are_sanitised() {
    let (mut a, _) = doc_approval();
    a.feed.tables = vec!["<table><tr><td onclick=\"x()\">金额</td></tr></table><script>alert(1)</script><img src=x onerror=alert(2)>".into()];
    let r = approval(&a, serde_json::Value::Null, ME).unwrap();
    let (html, kind) = value(&r, "表格 1");
    assert_eq!(kind, FieldKind::Table);
    assert!(html.contains("<td>金额</td>"), "{html}");
    assert!(!html.contains("script") && !html.contains("onclick") && !html.contains("onerror"), "{html}");
}

#[test]
fn undocumented_values_are_errors_naming_the_value() {
    let (a, _) = doc_approval();
    let bad = |f: &dyn Fn(&mut Approval)| {
        let mut x = a.clone();
        f(&mut x);
        approval(&x, serde_json::Value::Null, ME).unwrap_err()
    };
    assert!(bad(&|x| x.status = 9).contains('9'));
    assert!(bad(&|x| x.approve_type = 42).contains("42"));
    assert!(bad(&|x| x.approval_tasks[0].state = "paused".into()).contains("paused"));
    assert!(bad(&|x| x.approval_tasks[0].kind = "vote".into()).contains("vote"));
    assert!(bad(&|x| x.form_record = Some(serde_json::json!({"leaveType": 12}))).contains("12"));
    assert!(bad(&|x| x.feed.create_time = "yesterday".into()).contains("yesterday"));
    for c in 1..=11 {
        assert!(leave_type(c).is_ok());
    }
    for c in 1..=7 {
        assert!(travel_type(c).is_ok());
    }
    assert!(vehicle(5).is_err() && attachment_type(4).is_err() && crm_object_type(99).is_err());
    assert_eq!(crm_object_type(102), Ok("客户"));
    for s in 1..=5 {
        assert!(status(s).is_ok());
    }
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
    let c = crm_instance(&d, serde_json::Value::Null, "FSUID_C").unwrap();
    assert_eq!(c.remote_id, "crm:5938ef093db71d57841afaa8");
    assert_eq!((c.boxes.clone(), c.actions.clone()), (vec![Inbox::Todo], vec![Action::Approve, Action::Reject]));
    assert_eq!(c.submitted_at, 1496903433);
    let b = crm_instance(&d, serde_json::Value::Null, "FSUID_B").unwrap();
    assert_eq!(b.boxes, vec![Inbox::Processed]);
    assert_eq!(b.steps[0].members[0].comment.as_deref(), Some("同意"));
    let a = crm_instance(&d, serde_json::Value::Null, "FSUID_A").unwrap();
    assert_eq!((a.boxes, a.actions), (vec![Inbox::Submitted], vec![Action::Cancel]));
    let done = crm_instance(&crm("pass", tasks.clone()), serde_json::Value::Null, "FSUID_C").unwrap();
    assert!(done.boxes.is_empty() && done.actions.is_empty(), "a finished flow waits for no one");
    assert!(crm_instance(&crm("paused", tasks), serde_json::Value::Null, "FSUID_C").unwrap_err().contains("paused"));
    for s in ["in_progress", "pass", "auto_pass", "reject", "cancel", "go_back", "auto_go_back", "schedule", "error"] {
        assert!(crm_task_decision(s).is_ok(), "{s}");
    }
}
