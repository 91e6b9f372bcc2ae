//! Fuzzing on stable: property tests (proptest, a bounded number of cases each, run by
//! `cargo test`) that feed hostile input to everything that reads untrusted bytes — every
//! vendor's reply parser (raw bytes → envelope → wire types → model), fxiaoke's HTML
//! sanitiser, the download file-name guard and the callback listener — and require a clean
//! `Result` (never a panic), a sanitised output and a refusal that reveals nothing.
//! Inputs are the vendors' own document examples, truncated, bit-flipped and with any value
//! replaced by arbitrary JSON, plus arbitrary bytes.

use inbox_core::connectors::de::document_example;
use inbox_core::connectors::{fxiaoke, qiyuesuo, weiwenjia, yomicloud, zeyi};
use proptest::prelude::*;
use serde_json::Value;
use vendor_sim::Simulator;

/// Field names of every vendor's wire types, so generated JSON gets past the first struct.
const VOCAB: &[&str] = &[
    "actionName",
    "actionType",
    "action_name",
    "action_type",
    "actions",
    "aid",
    "amount",
    "app",
    "applicantOpenUserId",
    "applicant_open_user_id",
    "approval",
    "approvalDetails",
    "approvalFormId",
    "approvalFormName",
    "approvalId",
    "approvalNode",
    "approvalNum",
    "approvalOpinions",
    "approvalTasks",
    "approvalType",
    "approvalTypeForms",
    "approval_details",
    "approval_form_id",
    "approval_form_name",
    "approval_id",
    "approval_node",
    "approval_num",
    "approval_opinions",
    "approval_tasks",
    "approval_type",
    "approval_type_forms",
    "approvals",
    "approveAction",
    "approveBudget",
    "approvePrepayments",
    "approveReason",
    "approveType",
    "approve_action",
    "approve_budget",
    "approve_prepayments",
    "approve_reason",
    "approve_type",
    "approverAuth",
    "approver_auth",
    "attachment",
    "attachmentId",
    "attachment_id",
    "attachments",
    "atype",
    "auditCode",
    "auditComment",
    "auditFormList",
    "auditId",
    "auditResult",
    "auditTime",
    "auditType",
    "auditUser",
    "audit_code",
    "audit_comment",
    "audit_form_list",
    "audit_id",
    "audit_result",
    "audit_time",
    "audit_type",
    "audit_user",
    "auditor",
    "avatar",
    "bizId",
    "biz_id",
    "bodyData",
    "body_data",
    "borrowerId",
    "borrower_id",
    "businessException",
    "business_exception",
    "canResubmission",
    "can_resubmission",
    "cancelTime",
    "cancel_time",
    "category",
    "ccAuth",
    "cc_auth",
    "comment",
    "comments",
    "companyName",
    "company_name",
    "completeOpenPersons",
    "complete_open_persons",
    "conditionParamList",
    "condition_param_list",
    "contact",
    "contactType",
    "contact_type",
    "content",
    "contractId",
    "contract_id",
    "copyto",
    "corpAccessToken",
    "corpId",
    "corp_access_token",
    "corp_id",
    "createTime",
    "create_time",
    "createtime",
    "creator",
    "creatorId",
    "creatorNote",
    "creator_id",
    "creator_note",
    "crmObjects",
    "crm_objects",
    "currentTaskId",
    "current_task_id",
    "customerId",
    "customer_id",
    "data",
    "data2",
    "dataId",
    "data_id",
    "daysNumber",
    "days_number",
    "desc",
    "description",
    "details",
    "discountPercent",
    "discount_percent",
    "distanceSubmissionTime",
    "distance_submission_time",
    "documents",
    "empList",
    "emp_list",
    "employeeId",
    "employee_id",
    "endAddress",
    "endPoint",
    "endTime",
    "end_address",
    "end_point",
    "end_time",
    "entityApplyingUsers",
    "entityData",
    "entityType",
    "entity_applying_users",
    "entity_data",
    "entity_type",
    "errmsg",
    "errorCode",
    "errorMessage",
    "error_code",
    "error_message",
    "executeAction",
    "executeOpinion",
    "executeRecord",
    "executeRecordId",
    "execute_action",
    "execute_opinion",
    "execute_record",
    "execute_record_id",
    "executionDetails",
    "executionId",
    "execution_details",
    "execution_id",
    "expireTime",
    "expire_time",
    "expiresIn",
    "expires_in",
    "extendValue",
    "extend_value",
    "feed",
    "feedContent",
    "feed_content",
    "fieldType",
    "field_type",
    "fileAuth",
    "fileExtend",
    "fileId",
    "fileMap",
    "fileName",
    "fileType",
    "file_auth",
    "file_extend",
    "file_id",
    "file_map",
    "file_name",
    "file_type",
    "flowApiName",
    "flowType",
    "flow_api_name",
    "flow_type",
    "formRecord",
    "form_record",
    "fullPath",
    "full_path",
    "handleType",
    "handle_type",
    "handletime",
    "hasAgentPermission",
    "hasApprovalPermission",
    "hasCancelPermission",
    "hasNextPage",
    "hasRejectPermission",
    "has_agent_permission",
    "has_approval_permission",
    "has_cancel_permission",
    "has_next_page",
    "has_reject_permission",
    "hours",
    "id",
    "ids",
    "instance",
    "instanceDetail",
    "instanceId",
    "instanceList",
    "instanceName",
    "instance_detail",
    "instance_id",
    "instance_list",
    "instance_name",
    "invoiced",
    "isInvisible",
    "isSuperUser",
    "is_invisible",
    "is_super_user",
    "items",
    "kind",
    "label",
    "lastModifyTime",
    "lastUpdateTime",
    "last_modify_time",
    "last_update_time",
    "leaveType",
    "leave_type",
    "list",
    "mType",
    "m_type",
    "mainFieldValue",
    "main_field_value",
    "mark",
    "memberIds",
    "member_ids",
    "message",
    "modifyTime",
    "modify_time",
    "moduleLabel",
    "module_label",
    "multistepDetails",
    "multistep_details",
    "name",
    "nodeName",
    "node_name",
    "note",
    "objectApiName",
    "object_api_name",
    "openBank",
    "openUserId",
    "open_bank",
    "open_user_id",
    "operateAction",
    "operateActionI18N",
    "operateComment",
    "operateTime",
    "operate_action",
    "operate_action_i18n",
    "operate_comment",
    "operate_time",
    "operators",
    "opinion",
    "opinions",
    "originUser",
    "origin_user",
    "page",
    "pageNumber",
    "pageSize",
    "pageType",
    "pageUrl",
    "page_number",
    "page_size",
    "page_type",
    "page_url",
    "pages",
    "pass",
    "paymentAmount",
    "paymentTime",
    "paymentType",
    "payment_amount",
    "payment_time",
    "payment_type",
    "perPage",
    "per_page",
    "publishTime",
    "publish_time",
    "queryResult",
    "query_result",
    "realnames",
    "reason",
    "receiver",
    "receiverAccount",
    "receiverName",
    "receiver_account",
    "receiver_name",
    "remark",
    "replyTime",
    "reply_time",
    "result",
    "rule",
    "selectId",
    "select_id",
    "senderId",
    "sender_id",
    "sequenceNumber",
    "sequence_number",
    "serialNo",
    "serial_no",
    "settingAllOriginApprovers",
    "settingApprovalType",
    "settingApprovalTypeI18N",
    "settingApprovers",
    "setting_all_origin_approvers",
    "setting_approval_type",
    "setting_approval_type_i18n",
    "setting_approvers",
    "signatories",
    "size",
    "sn",
    "startAddress",
    "startPoint",
    "startTime",
    "start_address",
    "start_point",
    "start_time",
    "state",
    "status",
    "status2",
    "statusI18N",
    "status_i18n",
    "step",
    "subject",
    "submissionTime",
    "submission_time",
    "submitter",
    "success",
    "tables",
    "taskId",
    "taskMembers",
    "taskType",
    "task_id",
    "task_members",
    "task_type",
    "tasks",
    "tempAuthDay",
    "temp_auth_day",
    "templet",
    "tenantName",
    "tenantType",
    "tenant_name",
    "tenant_type",
    "thirdUserid",
    "third_userid",
    "tid",
    "timeLine",
    "time_line",
    "title",
    "total",
    "totalCount",
    "totalNum",
    "totalPages",
    "totalSize",
    "total_count",
    "total_num",
    "total_pages",
    "total_size",
    "travelAmount",
    "travelType",
    "travel_amount",
    "travel_type",
    "triggerType",
    "trigger_type",
    "type",
    "uid",
    "uids",
    "unCompletePersons",
    "un_complete_persons",
    "user",
    "userinfo",
    "username",
    "usernames",
    "utype",
    "value",
    "vehicle",
    "visibleDepartmentIds",
    "visibleEmployeeIds",
    "visible_department_ids",
    "visible_employee_ids",
    "workflow",
];

fn example(path: &str) -> Value {
    let text = std::fs::read_to_string(format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    // The fxiaoke page indents with no-break spaces; the JSON is otherwise the document's.
    document_example(&text.replace('\u{a0}', " "))
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        "[0-9]{1,20}".prop_map(Value::from),
        "<[a-z]{1,6} on[a-z]{1,5}=\"x\">[^<]{0,8}</[a-z]{1,6}>".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::vec((prop::sample::select(VOCAB), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

/// Replaces the `pick`-th value (in walk order) of `v` with `with`.
fn replace_nth(v: &mut Value, pick: &mut usize, with: &Value) -> bool {
    if *pick == 0 {
        *v = with.clone();
        return true;
    }
    *pick -= 1;
    match v {
        Value::Array(items) => items.iter_mut().any(|i| replace_nth(i, pick, with)),
        Value::Object(map) => map.values_mut().any(|i| replace_nth(i, pick, with)),
        _ => false,
    }
}

/// A mutation of a document example: a value swapped for arbitrary JSON, then maybe bytes
/// cut off or flipped.
fn mutated(base: Value) -> impl Strategy<Value = (Value, Vec<u8>)> {
    (any::<usize>(), arb_json(), any::<Option<usize>>(), prop::collection::vec((any::<usize>(), any::<u8>()), 0..3))
        .prop_map(move |(at, with, cut, flips)| {
            let mut v = base.clone();
            let mut pick = at % 200;
            replace_nth(&mut v, &mut pick, &with);
            let mut bytes = serde_json::to_vec(&v).unwrap();
            if let Some(cut) = cut {
                bytes.truncate(cut % (bytes.len() + 1));
            }
            for (i, b) in flips {
                if !bytes.is_empty() {
                    let n = i % bytes.len();
                    bytes[n] = b;
                }
            }
            (v, bytes)
        })
}

/// What may reach the webview from a vendor's HTML.
const SAFE_TAGS: &[&str] = &[
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col", "br", "p", "div", "span", "b",
    "strong", "i", "em", "u",
];

fn cases() -> ProptestConfig {
    ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn every_envelope_takes_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600), status in 100u16..600) {
        let _ = yomicloud::client::envelope("c", status, &bytes);
        let _ = zeyi::client::envelope("c", status, &bytes);
        let _ = qiyuesuo::client::envelope("c", status, &bytes);
        let _ = weiwenjia::client::envelope("c", status, &bytes);
        if let Ok(v) = fxiaoke::client::parse("c", status, &bytes) {
            let _ = fxiaoke::client::envelope("c", &v);
        }
    }

    #[test]
    fn yomicloud_view_approval((v, bytes) in mutated(example("yomicloud/view-approval.jsonc"))) {
        let _ = yomicloud::client::envelope("view-approval", 200, &bytes);
        if let Ok(view) = serde_json::from_value::<yomicloud::wire::ViewApproval>(v.clone()) {
            let _ = yomicloud::map::approval(&view, v, 3, &Default::default(), &Default::default());
        }
    }

    #[test]
    fn fxiaoke_approval_get((v, bytes) in mutated(example("fxiaoke/approval-get.jsonc"))) {
        if let Ok(raw) = fxiaoke::client::parse("approval/get", 200, &bytes) {
            let _ = fxiaoke::client::envelope("approval/get", &raw);
        }
        if let Ok(got) = serde_json::from_value::<fxiaoke::wire::ApprovalGet>(v.clone()) {
            let _ = fxiaoke::map::approval(&got.approval, v, "FSUID_F7E1595DBD7CE7D0232EBE075CD8E54B");
        }
    }

    #[test]
    fn qiyuesuo_contract_detail((v, bytes) in mutated(example("qiyuesuo/detail-audit-awaiting-me.jsonc"))) {
        let _ = qiyuesuo::client::envelope("contract/detail", 200, &bytes);
        if let Ok(c) = serde_json::from_value::<qiyuesuo::wire::Contract>(v.clone()) {
            let _ = qiyuesuo::map::approval(&c, v, "13800000000");
        }
    }

    #[test]
    fn weiwenjia_list_and_detail((l, lbytes) in mutated(example("weiwenjia/approval-center-list.jsonc")), (d, dbytes) in mutated(example("weiwenjia/execute-records-detail.jsonc"))) {
        let _ = weiwenjia::client::envelope("list", 200, &lbytes);
        let _ = weiwenjia::client::envelope("detail", 200, &dbytes);
        let list = serde_json::from_value::<weiwenjia::wire::ListData>(l["data"].clone());
        let detail = serde_json::from_value::<weiwenjia::wire::Detail>(d["data"].clone());
        if let (Ok(list), Ok(detail)) = (list, detail) {
            for item in list.list.iter().filter_map(|i| serde_json::from_value::<weiwenjia::wire::ListItem>(i.clone()).ok()) {
                let _ = weiwenjia::map::approval(&item, Value::Null, &detail, Value::Null, 35_903_635);
            }
        }
    }

    #[test]
    fn zeyi_replies_and_callbacks((v, bytes) in mutated(example("zeyi/send-reply.jsonc")), body in arb_json()) {
        let _ = zeyi::client::envelope("audit/send", 200, &bytes);
        let _ = serde_json::from_value::<zeyi::wire::AuditRef>(v["result"].clone());
        if let Ok(cb) = serde_json::from_value::<zeyi::wire::CallbackBody>(body) {
            let _ = zeyi::map::apply_callback(None, &cb, 1_700_000_000);
        }
    }

    #[test]
    fn fxiaoke_html_is_sanitised(html in "(<(table|tr|td|script|img|a|iframe|style)( (on[a-z]{2,8}|href|src|style)=\"(javascript:alert\\(1\\)|x)\")?>|[^<>]{0,6}|</(table|tr|td|script|a)>){0,24}") {
        let clean = fxiaoke::map::sanitize_table(&html).to_ascii_lowercase();
        // Text is escaped, so every raw `<` opens a tag: each must be a table/text tag whose
        // only attributes are colspan/rowspan.
        for tag in clean.split('<').skip(1) {
            let inside = tag.split('>').next().unwrap_or("");
            let name: String = inside.trim_start_matches('/').chars().take_while(char::is_ascii_alphanumeric).collect();
            prop_assert!(SAFE_TAGS.contains(&name.as_str()), "tag {:?} in {}", name, clean);
            let attrs = inside.split_whitespace().skip(1).map(|a| a.split('=').next().unwrap_or(""));
            for attr in attrs {
                prop_assert!(attr == "colspan" || attr == "rowspan", "attribute {:?} in {}", attr, clean);
            }
        }
    }

    #[test]
    fn vendor_file_names_stay_in_the_download_folder(name in "(\\.\\.|/|\\\\|[a-z报表]{0,4}|\\.|:|\\x00|\\x1b| ){0,12}") {
        let safe = inbox_core::service::safe_file_name(&name);
        let path = std::path::Path::new(&safe);
        let mut parts = path.components();
        prop_assert!(matches!(parts.next(), Some(std::path::Component::Normal(_))) && parts.next().is_none(), "{:?} -> {:?}", name, safe);
        prop_assert!(!safe.contains('/') && !safe.contains('\\') && !safe.starts_with('.') && !safe.chars().any(char::is_control), "{:?}", safe);
    }

    /// Issue 15: whatever the vendor calls a file, the saved name is one Windows can hold: none
    /// of its forbidden characters, no trailing dot or space, no device name with any extension.
    #[test]
    fn vendor_file_names_are_ones_windows_can_hold(name in "(CON|aux|Nul|com1|LPT9|prn|\\.|[a-z报]{0,3}|[<>:\"|?*]| |\t){0,8}") {
        let safe = inbox_core::service::safe_file_name(&name);
        prop_assert!(!safe.chars().any(|c| "<>:\"/\\|?*".contains(c) || c.is_control()), "{:?} -> {:?}", name, safe);
        prop_assert!(!safe.ends_with('.') && !safe.ends_with(' ') && !safe.is_empty(), "{:?} -> {:?}", name, safe);
        let stem = safe.split('.').next().unwrap_or("").trim_end().to_ascii_uppercase();
        let device = ["CON", "PRN", "AUX", "NUL"].contains(&stem.as_str()) || (stem.len() == 4 && (stem.starts_with("COM") || stem.starts_with("LPT")) && stem.ends_with(|c: char| c.is_ascii_digit()));
        prop_assert!(!device, "{:?} -> {:?} opens a device on Windows", name, safe);
    }
}

/// The callback listener over real HTTP, fed arbitrary headers and bodies: every request is
/// refused with a 4xx, the refusal names no account or secret, and nothing is stored.
#[test]
fn the_callback_listener_refuses_hostile_requests_and_reveals_nothing() {
    use inbox_core::callback::{self, Limits, CALLBACK_PATH};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (service, listener, app, _server, sim) = rt.block_on(async {
        let sim = vendor_sim::zeyi::Sim::new(3, 5);
        let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let service = inbox_core::Service::open(dir.path()).unwrap();
        let demo = sim.demo_account(&server.base_url);
        let input = inbox_core::AccountInput {
            vendor: inbox_core::Vendor::Zeyi,
            name: "则一-私有账户".into(),
            base_url: demo.base_url.clone(),
            settings: demo.settings.clone(),
            secrets: inbox_core::secrets::Secrets(demo.secrets.clone()),
        };
        service.upsert_demo_account(input).unwrap();
        let limits = Limits { max_body: 4096, per_second: 1e6, burst: 1e6, ..Limits::default() };
        let listener = callback::serve_with(service.clone(), "127.0.0.1:0".parse().unwrap(), limits).await.unwrap();
        (service, listener, sim.app(), server, sim)
    });
    let _ = &sim;
    let url = format!("{}{CALLBACK_PATH}", listener.base_url);
    let http = reqwest::Client::new();
    let header = "[ -~]{0,40}";
    let strategy =
        (any::<bool>(), header, "[0-9]{0,14}", "[A-Za-z0-9]{0,8}", header, prop::collection::vec(any::<u8>(), 0..5000));
    let mut runner = proptest::test_runner::TestRunner::new(cases());
    runner
        .run(&strategy, |(real_key, key, timestamp, nonce, sign, body)| {
            let app_key = if real_key { app.callback_app_key.clone() } else { key };
            let (status, text) = rt.block_on(async {
                let reply = http
                    .post(&url)
                    .header("appKey", app_key)
                    .header("timestamp", timestamp)
                    .header("nonce", nonce)
                    .header("sign", sign)
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                (reply.status().as_u16(), reply.text().await.unwrap())
            });
            prop_assert!((400..500).contains(&status), "{} {}", status, text);
            prop_assert!(
                !text.contains("则一-私有账户")
                    && !text.contains(&app.callback_app_secret)
                    && !text.contains(&app.callback_app_key),
                "{}",
                text
            );
            Ok(())
        })
        .unwrap();
    assert_eq!(service.store().nonce_count().unwrap(), 0, "no refused callback left a nonce");
    assert!(service.list(&Default::default()).unwrap().items.is_empty(), "no refused callback stored an approval");
}
