//! A real tenant's data (`vendor-sim serve --wild`, `Tenant::Wild`): what a vendor's live data
//! has that its document's examples do not, so a client is tested against more than we wrote
//! into the simulators. Each vendor seeds its own wild records (unknown words in every enum
//! the document types as a plain string, field types beyond the examples, optional fields
//! missing or `null`); this module holds what they share: the odd texts, and the extra fields
//! every JSON reply of a wild tenant carries ([`sprinkle`], applied by `common::with_faults`).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};

/// Which data a simulator serves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Tenant {
    /// The documents' shapes and words only.
    #[default]
    Tidy,
    /// A real tenant's: unknown words, extra and missing fields, odd types and texts.
    Wild,
}

/// Characters real tenants type that a careless client mangles: emoji (outside the BMP, and a
/// joined sequence), CJK Extension B and rare characters (𠀀, 𪚥), a right-to-left mark.
pub const ODD_CHARACTERS: &str = "😀👨‍👩‍👧𠀀𪚥𡃁龘\u{200f}";

/// A text as real users write it: `base` with emoji and rare CJK around it.
pub fn odd_text(base: &str) -> String {
    format!("{base} {ODD_CHARACTERS}")
}

/// About 10 kB of text (a pasted contract clause, a long justification).
pub fn long_text(base: &str) -> String {
    let line = format!("{base}：因项目延期，需补充说明第三季度预算调整的原因与依据。{ODD_CHARACTERS}\n");
    line.repeat(10_000 / line.len() + 1)
}

/// A word no document lists, for an enum typed as a plain string (`WAITING_ARCHIVE`,
/// `dept_transfer` …): what a vendor adds in a release the client has not seen.
pub fn unknown_word(kind: &str, n: usize) -> String {
    const WORDS: [&str; 4] = ["ARCHIVING", "TRANSFERRED", "on_hold", "法务复核"];
    format!("{}_{kind}", WORDS[n % WORDS.len()])
}

/// Adds fields no document lists to every object of a reply (not to maps keyed by ids, whose
/// keys are data), with values of every JSON type: what a vendor's newer release sends.
/// Deterministic for a given `seed`.
pub fn sprinkle(reply: &mut Value, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    add_extras(reply, &mut rng, 0);
}

fn add_extras(value: &mut Value, rng: &mut StdRng, depth: usize) {
    match value {
        Value::Object(map) => {
            for child in map.values_mut() {
                add_extras(child, rng, depth + 1);
            }
            if !is_keyed_by_ids(map) && depth < 6 {
                let n = rng.random_range(0..100);
                map.insert(format!("ext{}", n % 7), extra_value(n));
            }
        }
        Value::Array(items) => {
            for item in items {
                add_extras(item, rng, depth + 1);
            }
        }
        _ => {}
    }
}

/// Whether an object is a map whose keys are ids (yomicloud's `userinfo`), not a record.
fn is_keyed_by_ids(map: &Map<String, Value>) -> bool {
    !map.is_empty() && map.keys().all(|k| k.chars().all(|c| c.is_ascii_digit()))
}

fn extra_value(n: u32) -> Value {
    match n % 6 {
        0 => Value::Null,
        1 => json!(n as f64 + 0.5),
        2 => json!(odd_text("扩展")),
        3 => json!({ "source": "open_api_v3", "tags": ["新", 1, null] }),
        4 => json!([true, "x", { "k": n }]),
        _ => json!(n.is_multiple_of(2)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_record_gets_extras_but_id_keyed_maps_do_not() {
        let mut reply = json!({ "code": 0, "data": [{ "id": 1 }, { "id": 2 }], "userinfo": { "3": ["a", "b", 1] } });
        sprinkle(&mut reply, 7);
        let extras = |v: &Value| v.as_object().unwrap().keys().filter(|k| k.starts_with("ext")).count();
        assert_eq!(extras(&reply), 1);
        assert!(reply["data"].as_array().unwrap().iter().all(|item| extras(item) == 1), "{reply}");
        assert_eq!(reply["userinfo"].as_object().unwrap().len(), 1, "ids are data, not fields");
        let mut again = json!({ "code": 0, "data": [{ "id": 1 }, { "id": 2 }], "userinfo": { "3": ["a", "b", 1] } });
        sprinkle(&mut again, 7);
        assert_eq!(reply, again, "deterministic");
    }

    #[test]
    fn texts_are_odd_and_long_where_asked() {
        assert!(odd_text("报销").contains('𪚥'));
        assert!(long_text("说明").len() >= 10_000);
        assert_ne!(unknown_word("status", 0), unknown_word("status", 1));
    }
}
