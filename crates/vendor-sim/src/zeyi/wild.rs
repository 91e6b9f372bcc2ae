//! A real tenant's 则一 (`Tenant::Wild`): what its callbacks carry beyond the document's table
//! (Z:113–123): fields no table lists, of every JSON type (`wild::sprinkle`); optional fields
//! `null` or missing; a `result` word the document does not list; `auditCode` written as a
//! number; approver names and remarks with emoji and rare CJK, and 10 kB remarks. The body is
//! signed (and sealed) as sent, so a receiver that checks the sign first and then reads
//! tolerantly accepts every one. Replies to `send`/`cancel` get their extra fields from the
//! common fault layer.

use serde_json::{json, Value};

use super::state::Audit;
use crate::wild::{long_text, odd_text, sprinkle, unknown_word};

/// The callback body a wild tenant sends for `audit`'s current state. Which oddity an
/// approval gets follows its `auditCode`, so tests can tell from the delivery what was sent.
pub fn callback_body(audit: &Audit) -> Value {
    let mut body = audit.callback_body();
    let n = audit.audit_code.trim_start_matches("SP").parse::<usize>().unwrap_or(0);
    match n % 3 {
        // A result word of a newer release (on `terminate` too, where the document has none).
        1 => body["result"] = unknown_word("result", n).into(),
        // Optional fields null, a remark of 10 kB.
        2 => {
            body["auditUser"] = Value::Null;
            body["remark"] = long_text("审批意见").into();
        }
        // The code as a number, names with emoji and rare CJK, no remark at all.
        _ => {
            body["auditCode"] = json!(n);
            if let Some(user) = audit.audit_user.as_deref() {
                body["auditUser"] = odd_text(user).into();
            }
            if let Some(o) = body.as_object_mut() {
                o.remove("remark");
            }
        }
    }
    sprinkle(&mut body, n as u64);
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zeyi::state::{AuditStatus, Verdict};

    #[test]
    fn wild_callbacks_keep_the_ids_and_type_and_vary_the_rest() {
        let mut s = crate::zeyi::seed::generate(2, 0);
        let mut bodies = vec![];
        for n in 1..=3 {
            let id = format!("W-{n}");
            s.send(&json!({"id": id, "auditType": "purchase", "username": "E001", "auditFormList": [{"type": "text", "name": "事由", "value": "托盘"}]}), 1).unwrap();
            let audit = s.decide(&id, Verdict::Pass, Some("E002"), Some("同意"), 2).unwrap();
            assert_eq!(audit.status, AuditStatus::Agreed);
            bodies.push(callback_body(&audit));
        }
        for (b, n) in bodies.iter().zip(1..) {
            assert_eq!(
                (b["id"].as_str(), b["type"].as_str()),
                (Some(format!("W-{n}").as_str()), Some("finish")),
                "{b}"
            );
            assert!(b["auditId"].as_str().is_some_and(|a| a.len() == 32));
            assert!(b.as_object().unwrap().keys().any(|k| k.starts_with("ext")), "extra fields: {b}");
        }
        assert_eq!(bodies[0]["result"], unknown_word("result", 1));
        assert_eq!((bodies[1]["result"].as_str(), bodies[1]["auditUser"].is_null()), (Some("agree"), true));
        assert!(bodies[1]["remark"].as_str().unwrap().len() >= 10_000);
        assert!(
            bodies[2]["auditCode"].is_number()
                && bodies[2]["remark"].is_null()
                && bodies[2]["auditUser"].as_str().unwrap().contains('𪚥')
        );
    }
}
