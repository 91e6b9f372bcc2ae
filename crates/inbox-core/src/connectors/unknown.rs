//! What a map does with a word or a value it does not know: keeps it as data. Vendor data is
//! untrusted and unknown: a status, type, action, rule or field-type word that no document
//! (or earlier tenant) showed us is shown to the user as the vendor wrote it, mapped to a safe
//! default (a status of [`Status::Other`] offers no action on a guess), and logged once per
//! distinct value, so a new vendor release never takes an account down.

use crate::model::{Field, FieldKind, Status, Vendor};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Mutex;

/// Logs `word` (a `what` of `vendor`, e.g. "contract status") the first time this process meets
/// it: a new word is worth one line, not one per record per sync.
pub fn note(vendor: Vendor, what: &str, word: &str) {
    static SEEN: Mutex<Option<HashSet<(Vendor, String, String)>>> = Mutex::new(None);
    let mut seen = SEEN.lock().unwrap_or_else(|p| p.into_inner());
    if seen.get_or_insert_with(HashSet::new).insert((vendor, what.to_string(), word.to_string())) {
        tracing::warn!(vendor = %vendor, "a {what} we do not know: \"{word}\" (kept as the vendor wrote it)");
    }
}

/// A status word the map does not know: [`Status::Other`], with the word to show.
pub fn status(vendor: Vendor, what: &str, word: &str) -> (Status, Option<String>) {
    note(vendor, what, word);
    (Status::Other, Some(word.to_string()))
}

/// The words of a value of unknown shape: text as text, numbers as numbers, 是/否 for a
/// boolean, an object by its `name`, `label`, `title` or `value`, a list as its items' words
/// joined with 、, anything else as compact JSON. `null` is empty.
pub fn words(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Value::Array(items) => items.iter().map(words).filter(|w| !w.is_empty()).collect::<Vec<_>>().join("、"),
        Value::Object(o) => match ["name", "label", "title", "value", "text"]
            .iter()
            .find_map(|k| o.get(*k).filter(|v| !v.is_null() && !v.is_object()))
        {
            Some(named) => words(named),
            None if o.is_empty() => String::new(),
            None => value.to_string(),
        },
    }
}

/// A field whose type we do not know, rendered by its value: a number as a number, anything
/// else as its [`words`].
pub fn field(label: &str, value: &Value) -> Field {
    let kind = match value {
        Value::Number(_) => FieldKind::Number,
        Value::String(s) if !s.is_empty() && s.trim().parse::<f64>().is_ok_and(f64::is_finite) => FieldKind::Number,
        _ => FieldKind::Text,
    };
    Field::new(label, words(value), kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_of_unknown_shape_render_by_what_they_hold() {
        assert_eq!(words(&json!("请假")), "请假");
        assert_eq!(words(&json!(12.5)), "12.5");
        assert_eq!(words(&json!(true)), "是");
        assert_eq!(words(&json!(null)), "");
        assert_eq!(words(&json!({ "id": 3, "name": "王芳" })), "王芳");
        assert_eq!(words(&json!([{ "label": "北京" }, "上海", null])), "北京、上海");
        assert_eq!(words(&json!({ "lng": 116.4, "lat": 39.9 })), r#"{"lat":39.9,"lng":116.4}"#);
        assert_eq!(field("金额", &json!("2555.00")).kind, FieldKind::Number);
        assert_eq!(field("金额", &json!(3)), Field::new("金额", "3", FieldKind::Number));
        assert_eq!(field("备注", &json!("NaN")).kind, FieldKind::Text);
        assert_eq!(field("地址", &json!({ "province": "浙江" })).kind, FieldKind::Text);
    }

    #[test]
    fn an_unknown_status_is_other_with_the_word() {
        assert_eq!(status(Vendor::Qiyuesuo, "contract status", "ARCHIVING"), (Status::Other, Some("ARCHIVING".into())));
    }
}
