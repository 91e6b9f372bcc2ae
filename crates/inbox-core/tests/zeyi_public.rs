//! Every file of `fixtures/zeyi/public/` (则一's own document, copied verbatim; sources in its
//! README) read as it is: the two replies through the envelope check, the map, and a real
//! submit and cancel against a server answering exactly the document's bytes; the three header
//! tables for their example values, which our signing and the callback listener's checks must
//! accept in form (the document gives no secret, so its example `sign` cannot be recomputed).

mod support;
use inbox_core::connectors::de::document_example;
use inbox_core::connectors::zeyi::{self, auth, client, map, wire};
use inbox_core::{Action, Service, Status};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use vendor_sim::Simulator;

/// The document's example id and auditId (Z:52–53, Z:90–91: the same value).
const EXAMPLE_ID: &str = "2369f6c4c15440cdada803047d664546";

fn public_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/zeyi/public")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(public_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// One row of a document header table: (名称, 类型, 必填, 示例值, 描述).
fn table(text: &str) -> Vec<[String; 5]> {
    text.lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---") && !l.contains("| 名称 |"))
        .map(|l| {
            let cells: Vec<String> = l.trim().trim_matches('|').split('|').map(|c| c.trim().to_string()).collect();
            assert_eq!(cells.len(), 5, "{l}");
            [cells[0].clone(), cells[1].clone(), cells[2].clone(), cells[3].clone(), cells[4].clone()]
        })
        .collect()
}

#[test]
fn every_public_file_is_read_by_a_test_here() {
    let mut names: Vec<String> =
        std::fs::read_dir(public_dir()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "README.md",
            "callback-headers-example.txt",
            "cancel-headers-example.txt",
            "cancel-reply.jsonc",
            "send-headers-example.txt",
            "send-reply.jsonc"
        ],
        "a new fixture needs its test"
    );
}

#[test]
fn the_document_replies_pass_the_envelope_and_map_to_a_cancellable_approval() {
    for (name, call) in [("send-reply.jsonc", "audit/send"), ("cancel-reply.jsonc", "audit/cancel")] {
        let text = read(name);
        assert!(text.contains("//"), "{name} is kept with its comments");
        let json = document_example(&text);
        let raw = client::envelope(call, 200, json.to_string().as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (
                raw["success"].as_bool(),
                raw["businessException"].as_bool(),
                raw["errorCode"].is_null(),
                raw["message"].is_null()
            ),
            (Some(true), Some(false), true, true)
        );
        let named: wire::AuditRef = serde_json::from_value(raw["result"].clone()).unwrap();
        assert_eq!((named.id.as_str(), named.audit_id.as_str()), (EXAMPLE_ID, EXAMPLE_ID), "{name}");
        assert_eq!(client::existing(&raw), Some(named.clone()), "the same result shape an AUDIT_EXISTS answer names");
        if call == "audit/send" {
            let send: wire::SendBody = serde_json::from_value(json!({"id": EXAMPLE_ID, "auditType": "purchase", "username": "E001", "auditFormList": [{"type": "text", "name": "事由", "value": "采购托盘"}]})).unwrap();
            let a = map::submitted(&send, &named, raw, 1);
            assert_eq!(
                (a.remote_id.as_str(), a.status, a.actions.clone(), a.title.as_str()),
                (EXAMPLE_ID, Status::Pending, vec![Action::Cancel], "采购托盘")
            );
        }
    }
}

#[test]
fn the_header_tables_give_values_our_rules_accept_in_form() {
    let send = read("send-headers-example.txt");
    let cancel = read("cancel-headers-example.txt");
    assert_eq!(send, cancel, "the document repeats the table byte for byte");
    for (name, text, owner) in
        [("send", &send, "则一提供"), ("callback", &read("callback-headers-example.txt"), "金润提供")]
    {
        let rows = table(text);
        let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(names, ["appKey", "timestamp", "nonce", "sign"], "{name}");
        assert!(rows.iter().all(|r| r[1] == "String" && r[2] == "是"), "{name}: all four are required strings");
        let example = |k: &str| rows.iter().find(|r| r[0] == k).unwrap()[3].clone();
        assert_eq!(
            (
                example("appKey").as_str(),
                example("timestamp").as_str(),
                example("nonce").as_str(),
                example("sign").as_str()
            ),
            ("0867ef5f23ef446483749e19e1692b40", "1643251533306", "gdst9t", "fa3ed338d6dfe18e7273c8692234ee70")
        );
        assert!(rows[0][4].contains(owner) && rows[3][4].contains(owner), "{name}: the key pair is {owner}");
        // In form: a 13-digit millisecond timestamp, a 6-character [a-z0-9] nonce, a 32-character
        // lowercase-hex md5 sign — what auth produces and the listener accepts.
        assert!(example("timestamp").parse::<i64>().unwrap() > 1_600_000_000_000);
        assert!(
            example("nonce").len() == 6
                && example("nonce").bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
        let ours = auth::sign(&example("appKey"), "secret", &example("timestamp"), &example("nonce"), b"{}");
        assert!(
            ours.len() == example("sign").len()
                && example("sign").bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_ne!(ours, example("sign"));
    }
}

/// A server answering every call with the document's reply, byte for byte once its comments
/// are stripped.
async fn answering(reply: Value) -> vendor_sim::common::RunningServer {
    let app = axum::Router::new().fallback(move || {
        let reply = reply.clone();
        async move { axum::Json(reply) }
    });
    vendor_sim::common::serve_router(app, "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

#[tokio::test]
async fn a_submit_and_a_cancel_answered_with_the_documents_replies_go_through() {
    let send = answering(document_example(&read("send-reply.jsonc"))).await;
    let dir = tempfile::tempdir().unwrap();
    let service = Service::open(dir.path()).unwrap();
    let demo = vendor_sim::zeyi::Sim::new(1, 0).demo_account(&send.base_url);
    let account = support::add_demo(&service, "则一-文档", &demo);
    let form = json!({"id": EXAMPLE_ID, "auditType": "purchase", "auditFormList": [{"type": "text", "name": "事由", "value": "采购托盘 200 个"}]});
    let sent = service
        .submit(account, &zeyi::submission_from_form(&form).unwrap(), inbox_core::Progress::ignore())
        .await
        .unwrap();
    assert_eq!((sent.remote.remote_id.as_str(), sent.remote.status), (EXAMPLE_ID, Status::Pending));
    drop(send);
    let cancel = answering(document_example(&read("cancel-reply.jsonc"))).await;
    support::add_demo(&service, "则一-文档", &vendor_sim::zeyi::Sim::new(1, 0).demo_account(&cancel.base_url));
    let after = service.act(sent.id, Action::Cancel, "付款金额错误").await.unwrap();
    assert_eq!(after.remote.status, Status::Cancelled);
}
