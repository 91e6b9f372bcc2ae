//! A real 契约锁 tenant's records (`Tenant::Wild`): what live data has that the published
//! examples do not. Laid over the demo employee's own contracts, so the inbox must show each:
//! the private cloud's words (`WAITING`, `CORPORATE`) in an open-v2 reply, words no edition
//! publishes (contract, signatory and action statuses, action types, tenant and contact types),
//! optional fields `null` or missing (description, category, creator, sn, publishTime,
//! tenantName), a 10 kB subject, emoji and rare CJK, odd times and counts, documents with odd
//! titles, and one detail whose `signatories` is not a list at all (unreadable: a placeholder).
//! Audits awaiting the demo employee among them stay readable and actionable.
//!
//! Words and missing fields are changes to the JSON as sent ([`Patch`]); the state machine
//! works on the tidy record underneath, as the vendor's would.

use super::state::{Contract, Document, Patch, State, AUDIT, INIT};
use crate::wild::{long_text, odd_text, unknown_word};
use serde_json::{json, Value};

/// An audit awaiting the demo employee: a 10 kB subject, no description, category or sn,
/// documents with odd titles, the counterparty's seal `WAITING` and its status unknown, our
/// seal's type unknown. Readable and actionable.
pub const LONG_SUBJECT_TODO: &str = "long-subject-todo";
/// An audit awaiting the demo employee whose other actions speak the private cloud's words
/// (`CORPORATE`, `WAITING`), with an odd expiry time, counts as text and unknown types.
/// Readable and actionable.
pub const PRIVATE_WORDS_TODO: &str = "private-words-todo";
/// An audit awaiting the demo employee on a contract whose status no edition publishes: shown
/// in todo with the word, nothing offered.
pub const UNKNOWN_STATUS_TODO: &str = "unknown-status-todo";
/// A contract the demo employee created, in a status no edition publishes.
pub const UNKNOWN_STATUS_SUBMITTED: &str = "unknown-status-submitted";
/// A contract the demo employee created whose running audit (someone else's) is in a status
/// no edition publishes.
pub const UNKNOWN_STEP_SUBMITTED: &str = "unknown-step-submitted";
/// An audit the demo employee passed, on a contract without creator, publishTime or tenantName,
/// a document title written as a number and an unknown action type.
pub const BARE_PROCESSED: &str = "bare-processed";
/// A contract the demo employee created whose detail's `signatories` is a text: unreadable.
pub const UNREADABLE_SUBMITTED: &str = "unreadable-submitted";

/// Lays the wild records over `state`'s demo block (each only where such a contract exists).
pub fn seed(state: &mut State) {
    let me = state.demo.contact.clone();
    let company = state.company.clone();
    let ours_first =
        |c: &Contract| c.signatories.first().is_some_and(|s| s.tenant_name == company) && c.signatories.len() > 1;
    let todo: Vec<String> =
        state.contracts.values().filter(|c| c.awaits(&me) && ours_first(c)).map(|c| c.id.clone()).collect();
    let created = |status: &str| {
        state.contracts.values().find(|c| c.creator.contact == me && c.status == status).map(|c| c.id.clone())
    };
    let (complete, draft) = (created("COMPLETE"), created("DRAFT"));
    let awaiting_other = state
        .contracts
        .values()
        .find(|c| c.creator.contact == me && c.status == "SIGNING" && !c.awaits(&me) && current_is_audit(c))
        .map(|c| c.id.clone());
    let passed = state
        .contracts
        .values()
        .find(|c| c.creator.contact != me && c.audited_by(&me) == Some(true) && c.status == "SIGNING")
        .map(|c| c.id.clone());

    let records: [(&'static str, Option<String>, Lay); 7] = [
        (LONG_SUBJECT_TODO, todo.first().cloned(), long_subject_todo),
        (PRIVATE_WORDS_TODO, todo.get(1).cloned(), private_words_todo),
        (UNKNOWN_STATUS_TODO, todo.get(2).cloned(), |c| {
            c.patches.push(Patch::set("/status", json!(unknown_word("status", 2))))
        }),
        (UNKNOWN_STATUS_SUBMITTED, complete, unknown_status_submitted),
        (UNKNOWN_STEP_SUBMITTED, awaiting_other, unknown_step_submitted),
        (BARE_PROCESSED, passed, bare_processed),
        (UNREADABLE_SUBMITTED, draft, |c| c.patches.push(Patch::set("/signatories", json!("见纸质合同")))),
    ];
    for (what, id, lay) in records {
        if let Some(c) = id.and_then(|id| state.contracts.get_mut(&id)) {
            lay(c);
            state.wild.insert(what, c.id.clone());
        }
    }
}

/// How a wild record is laid over a tidy contract.
type Lay = fn(&mut Contract);

fn current_is_audit(c: &Contract) -> bool {
    c.current_action().is_some_and(|(si, ai)| c.signatories[si].actions[ai].kind == AUDIT)
}

/// Indexes of our signatory's seal (its last action) and the counterparty's first action.
fn seals(c: &Contract) -> (usize, usize) {
    (c.signatories[0].actions.len() - 1, 1)
}

fn set(c: &mut Contract, pointer: &str, value: Value) {
    c.patches.push(Patch::set(pointer, value));
}

fn add_document(c: &mut Contract, title: &str, pages: i64) {
    let id = format!("{}0{}", c.id, c.documents.len());
    c.documents.push(Document { id, title: title.to_string(), pages });
}

fn long_subject_todo(c: &mut Contract) {
    c.subject = long_text(&c.subject);
    c.documents[0].title = odd_text("合同正文/第1版:终稿?");
    add_document(c, "附件<二>.PDF", 2);
    add_document(c, "", 1);
    let (seal, partner) = seals(c);
    set(c, "/description", Value::Null);
    c.patches.push(Patch::remove("/category"));
    set(c, "/sn", Value::Null);
    set(c, "/documents/2/title", Value::Null);
    if c.signatories[partner].actions[0].status == INIT {
        set(c, &format!("/signatories/{partner}/actions/0/status"), json!("WAITING"));
    }
    set(c, &format!("/signatories/{partner}/status"), json!(unknown_word("status", 0)));
    set(c, &format!("/signatories/0/actions/{seal}/type"), json!(unknown_word("type", 1)));
}

fn private_words_todo(c: &mut Contract) {
    c.subject = odd_text(&c.subject);
    c.description = odd_text(&c.description);
    let (seal, partner) = seals(c);
    set(c, &format!("/signatories/0/actions/{seal}/type"), json!("CORPORATE"));
    set(c, &format!("/signatories/0/actions/{seal}/status"), json!("WAITING"));
    if c.signatories[partner].actions[0].status == INIT {
        set(c, &format!("/signatories/{partner}/actions/0/status"), json!("WAITING"));
    }
    set(c, &format!("/signatories/{partner}/tenantType"), json!(unknown_word("tenantType", 3)));
    set(c, "/signatories/0/serialNo", json!("1"));
    set(c, "/signatories/0/actions/0/operators/0/contactType", json!("EMPLOYEEID"));
    set(c, "/creator/contactType", json!(unknown_word("contactType", 2)));
    set(c, "/expireTime", json!("2025/06/30"));
    set(c, "/documents/0/pageCount", json!("12页"));
}

fn unknown_status_submitted(c: &mut Contract) {
    set(c, "/status", json!(unknown_word("status", 1)));
    set(c, "/category/name", Value::Null);
    c.patches.push(Patch::remove("/publishTime"));
}

fn unknown_step_submitted(c: &mut Contract) {
    if let Some((si, ai)) = c.current_action() {
        set(c, &format!("/signatories/{si}/actions/{ai}/status"), json!(unknown_word("status", 3)));
        set(c, &format!("/signatories/{si}/status"), json!("WAITING"));
    }
}

fn bare_processed(c: &mut Contract) {
    set(c, "/creator", Value::Null);
    set(c, "/tenantName", Value::Null);
    c.patches.push(Patch::remove("/publishTime"));
    set(c, "/documents/0/title", json!(20250603));
    if let Some(seal) = c.signatories.first().and_then(|s| s.actions.iter().position(|a| a.kind != AUDIT)) {
        set(c, &format!("/signatories/0/actions/{seal}/type"), json!(unknown_word("type", 2)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qiyuesuo::seed::generate;

    #[test]
    fn every_wild_record_is_laid_over_a_contract_of_the_demo_employee() {
        let mut state = generate(7, 60);
        seed(&mut state);
        for what in [
            LONG_SUBJECT_TODO,
            PRIVATE_WORDS_TODO,
            UNKNOWN_STATUS_TODO,
            UNKNOWN_STATUS_SUBMITTED,
            UNKNOWN_STEP_SUBMITTED,
            BARE_PROCESSED,
            UNREADABLE_SUBMITTED,
        ] {
            assert!(state.wild.contains_key(what), "{what} seeded");
        }
        let long = &state.contracts[&state.wild[LONG_SUBJECT_TODO]];
        let detail = state.detail_json(long, true);
        assert!(detail["subject"].as_str().unwrap().len() >= 10_000);
        assert_eq!((detail["description"].clone(), detail.get("category")), (Value::Null, None));
        assert_eq!(detail["signatories"][1]["actions"][0]["status"], "WAITING");
        assert_eq!(detail["documents"].as_array().unwrap().len(), 3);
        let unreadable = &state.contracts[&state.wild[UNREADABLE_SUBMITTED]];
        assert_eq!(state.detail_json(unreadable, true)["signatories"], "见纸质合同");
        assert!(
            state.summary_json(unreadable).get("signatories").is_none(),
            "the list item has no signatories to spoil"
        );
    }
}
