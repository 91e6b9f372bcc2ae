//! Every example 契约锁 published (`tests/fixtures/qiyuesuo/public/`, sources in its README),
//! read verbatim: the private cloud's detail and list replies go through the client's envelope
//! check and map (boxes, status, documents as attachments), the other replies and requests are
//! read for what the client takes from them, and a test makes sure no file there is left unread.

use inbox_core::connectors::de::document_example;
use inbox_core::connectors::qiyuesuo::{client, map, wire};
use inbox_core::{Attachment, Inbox, Status};
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/qiyuesuo/public");

/// The files this test reads; `every_public_file_is_read` fails on one it does not.
const READ: &[&str] = &[
    "private-api-doc-contract-detail-reply.json",
    "private-api-doc-contract-list-reply.json",
    "private-api-doc-contract-audit-request.json",
    "private-api-doc-contract-audit-reply.json",
    "private-api-doc-contract-signurl-request.json",
    "private-api-doc-contract-signurl-reply.json",
    "private-api-doc-contract-viewurl-reply.json",
    "private-api-doc-contract-operationlog-reply.json",
    "private-api-doc-user-reply.json",
    "open-v2-employeeaudit-request.json",
];

/// 张三 in the vendor's example: `creatorId` of the detail and the signatory's `receiverId`.
const ZHANG_SAN: &str = "2422042842433986573";

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn json(name: &str) -> Value {
    document_example(&String::from_utf8(bytes(name)).unwrap())
}

#[test]
fn every_public_file_is_read() {
    let mut files: Vec<String> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "README.md")
        .collect();
    files.sort();
    let unread: Vec<&String> = files.iter().filter(|f| !READ.contains(&f.as_str())).collect();
    assert!(unread.is_empty(), "public fixtures no test reads: {unread:?}");
    let readme = std::fs::read_to_string(format!("{DIR}/README.md")).unwrap();
    for f in READ {
        assert!(readme.contains(f), "{f} has its source in the README");
    }
}

/// The private cloud's 合同详情 reply (API_DOC.md §1.4.1.1): `contract` under the envelope, a
/// `DELETE`d contract whose only action is a `CORPORATE` seal `WAITING` for a ROLE and a
/// COMPANY operator — the measured failure (`unknown action status WAITING`) reads now.
#[test]
fn the_private_cloud_detail_reply_maps() {
    let body = bytes("private-api-doc-contract-detail-reply.json");
    let reply = client::envelope(client::CALL_DETAIL, 200, &body).unwrap();
    let raw = reply["contract"].clone();
    let c: wire::Contract = serde_json::from_value(raw.clone()).unwrap();
    let a = map::approval(&c, raw, ZHANG_SAN);
    assert_eq!(
        (a.remote_id.as_str(), a.title.as_str(), a.form_name.as_str()),
        ("2507446878000910395", "阿斯顿发生阿斯顿发生阿斯顿发阿斯顿发射点手动阀", "测试1204")
    );
    assert_eq!((a.status, a.status_word.as_deref()), (Status::Cancelled, None), "DELETE is a published word: 已删除");
    assert!(a.fields.iter().any(|f| f.label == "合同状态" && f.value == "已删除"));
    assert_eq!((a.submitter.id.as_str(), a.submitter.name.as_str()), (ZHANG_SAN, "张三"));
    assert_eq!(a.submitted_at, map::parse_time("2018-12-04 13:38:42").unwrap());
    // No audit: nothing to do or done for anyone; the creator (by user id) submitted it.
    assert!(map::awaiting_me(&c, ZHANG_SAN).is_none() && map::processed_by(&c, ZHANG_SAN).is_none());
    assert_eq!(a.boxes, vec![Inbox::Submitted]);
    assert!(a.actions.is_empty());
    assert!(map::approval(&c, Value::Null, "15000000000").boxes.is_empty(), "the receiver's contact names no operator");
    // The seal step: WAITING is known (等待签署), its operators a role and a company.
    assert_eq!(a.steps.len(), 1);
    let seal = &a.steps[0];
    assert_eq!(
        (seal.name.as_str(), seal.decision),
        ("上海泛微网络科技股份有限公司 · 企业签章", inbox_core::Decision::Waiting)
    );
    let names: Vec<&str> = seal.members.iter().map(|m| m.user.name.as_str()).collect();
    assert_eq!(names, ["印章管理员（角色）", "上海泛微网络科技股份有限公司（企业）"]);
    // The document is an attachment to read before deciding: id, a .pdf name, its size.
    assert_eq!(
        a.attachments,
        vec![Attachment {
            remote_id: "2507446856698040372".into(),
            name: "0801微博.pdf".into(),
            size: Some(174_583),
            is_folder: false
        }]
    );
}

/// The private cloud's 合同列表 reply (§1.4.1.3): `result.contractList`, ids as strings,
/// `totalCount` a number; each item's creator is by user id.
#[test]
fn the_private_cloud_list_reply_gives_its_items() {
    let body = bytes("private-api-doc-contract-list-reply.json");
    let reply = client::envelope(client::CALL_LIST, 200, &body).unwrap();
    let list: wire::ContractList = serde_json::from_value(reply["result"].clone()).unwrap();
    assert_eq!(list.total_count, Some(2422));
    let items = list.items();
    let summaries: Vec<wire::ContractSummary> =
        items.iter().map(|i| serde_json::from_value(i.clone()).unwrap()).collect();
    let ids: Vec<&str> = summaries.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["2550926328800313366", "2550886389007241235"]);
    assert_eq!(
        (summaries[0].subject.as_deref(), summaries[1].status.as_deref()),
        (Some("java基础面试"), Some("SIGNING"))
    );
    assert_eq!(
        map::listed_boxes(summaries[0].creator.as_ref(), summaries[0].creator_id.as_deref(), ZHANG_SAN),
        vec![Inbox::Submitted]
    );
    assert!(map::listed_boxes(
        summaries[0].creator.as_ref(),
        summaries[0].creator_id.as_deref(),
        "2422042842433986574"
    )
    .is_empty());
}

/// The private cloud's 合同审批 (§1.2.1.5): a body with no `pass` and no `comment` (the private
/// API publishes no rejection), answered `{code: 0}`: our audit request needs `pass`.
#[test]
fn the_private_cloud_audit_call_has_no_decision_in_it() {
    let req = json("private-api-doc-contract-audit-request.json");
    assert_eq!(
        (req["contractId"].as_str(), req["tenantName"].as_str()),
        (Some("2534936696674701362"), Some("上海泛微网络科技股份有限公司"))
    );
    assert!(req.get("pass").is_none() && req.get("comment").is_none());
    assert!(serde_json::from_value::<wire::AuditRequest>(req).is_err(), "employeeaudit always says pass or reject");
    let reply = client::envelope(client::CALL_AUDIT, 200, &bytes("private-api-doc-contract-audit-reply.json")).unwrap();
    assert_eq!(reply["message"], "SUCCESS");
}

/// The open platform's 审批 request example (our document's, verbatim).
#[test]
fn the_open_v2_audit_request_parses() {
    let req: wire::AuditRequest = serde_json::from_value(json("open-v2-employeeaudit-request.json")).unwrap();
    assert_eq!(
        req,
        wire::AuditRequest {
            contract_id: Some("2591540368898105360".into()),
            biz_id: None,
            tenant_name: None,
            pass: true,
            comment: "同意".into()
        }
    );
}

/// The private cloud's page calls (signurl, viewurl) answer the URL at the top level: the
/// client reads them where `pageurl` would put `result.pageUrl`.
#[test]
fn the_private_cloud_page_replies_give_their_urls() {
    let sign =
        client::envelope(client::CALL_PAGEURL, 200, &bytes("private-api-doc-contract-signurl-reply.json")).unwrap();
    assert!(sign["signUrl"].as_str().unwrap().starts_with("http://privapp.qiyuesuo.me/sign?viewToken="));
    let view =
        client::envelope(client::CALL_PAGEURL, 200, &bytes("private-api-doc-contract-viewurl-reply.json")).unwrap();
    assert!(view["viewUrl"].as_str().unwrap().contains("viewToken="));
    // The signurl request (tabs and spaces as published; a document id once a bare 19-digit
    // number, once a string) names its signer by tenant and contact.
    let req = json("private-api-doc-contract-signurl-request.json");
    assert_eq!((req["contact"].as_str(), req["tenantType"].as_str()), (Some("15000000000"), Some("COMPANY")));
    let ids: Vec<String> = req["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["documentId"].to_string().trim_matches('"').to_string())
        .collect();
    assert_eq!(ids, ["2494810528664281090", "2494810528664281090"], "a bare number this long survives as an integer");
}

/// The private cloud's only published per-contract log (§1.4.1.5) records downloads and prints,
/// never an audit: why processed cannot come from a log.
#[test]
fn the_operation_log_holds_no_audit() {
    let reply =
        client::envelope("contract/operationlog", 200, &bytes("private-api-doc-contract-operationlog-reply.json"))
            .unwrap();
    let ops: Vec<&str> = reply["result"].as_array().unwrap().iter().filter_map(|e| e["operation"].as_str()).collect();
    assert!(!ops.is_empty() && ops.iter().all(|o| ["DOWNLOADCONTRACT", "PRINTCONTRACT"].contains(o)), "{ops:?}");
}

/// The private cloud's 查询用户信息 (§3.2.4): a mobile number's user id (`result.id`), what the
/// `employee` setting holds on a private cloud whose operators carry ids only.
#[test]
fn the_user_reply_gives_the_id_a_private_cloud_employee_is_matched_by() {
    let reply = client::envelope("user", 200, &bytes("private-api-doc-user-reply.json")).unwrap();
    assert_eq!(
        (reply["result"]["id"].as_str(), reply["result"]["mobile"].as_str()),
        (Some("2595869369835479862"), Some("15505178555"))
    );
}
