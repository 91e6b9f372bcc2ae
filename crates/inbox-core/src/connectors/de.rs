//! Lenient deserializers for vendor JSON, which writes the same field as a number in one reply
//! and as a string in another (yomicloud's `taskType` is `2` in `data` but `"2"` in `content`).

use serde::de::{self, Deserializer};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrStr {
    Int(i64),
    Float(f64),
    Str(String),
}

/// An integer written as a number or as a numeric string.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match NumOrStr::deserialize(d)? {
        NumOrStr::Int(i) => Ok(i),
        NumOrStr::Float(f) if f.fract() == 0.0 => Ok(f as i64),
        NumOrStr::Float(f) => Err(de::Error::custom(format!("expected an integer, got {f}"))),
        NumOrStr::Str(s) => {
            s.trim().parse().map_err(|_| de::Error::custom(format!("expected an integer, got \"{s}\"")))
        }
    }
}

/// Like [`int`], but `null` or absent means `None`.
pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "int")] i64);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}

/// A list of integers, each a number or a numeric string; `null` means empty.
pub fn int_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "int")] i64);
    Ok(Option::<Vec<Wrap>>::deserialize(d)?.unwrap_or_default().into_iter().map(|w| w.0).collect())
}

/// A list whose items are read one by one, leaving out those that cannot be read (for uses that
/// only look things up in a list; a sync reads each item itself and keeps the unreadable ones).
pub fn readable_items<'de, D: Deserializer<'de>, T: serde::de::DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    let items = Option::<Vec<serde_json::Value>>::deserialize(d)?.unwrap_or_default();
    Ok(items.iter().filter_map(|item| T::deserialize(item).ok()).collect())
}

/// Text written as a string or as a number.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match NumOrStr::deserialize(d)? {
        NumOrStr::Int(i) => i.to_string(),
        NumOrStr::Float(f) => f.to_string(),
        NumOrStr::Str(s) => s,
    })
}

/// Turns a vendor document's example, copied verbatim with its `//` comments and `...`
/// elisions, into JSON: the examples are the documents' own words, so tests (unit tests and
/// the fuzz tests in `tests/`) read them as they are.
#[doc(hidden)]
pub fn document_example(text: &str) -> serde_json::Value {
    let mut out = String::with_capacity(text.len());
    let (mut in_str, mut esc) = (false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_str {
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
            out.push(c);
        } else if c == '/' && chars.peek() == Some(&'/') {
            chars.by_ref().take_while(|&n| n != '\n').for_each(drop);
            out.push('\n');
        } else {
            in_str = c == '"';
            out.push(c);
        }
    }
    let kept: Vec<&str> = out
        .lines()
        .filter(|l| !l.trim().trim_end_matches(',').chars().all(|c| c == '.') || l.trim().is_empty())
        .collect();
    let joined = kept.join("\n");
    // Eliding an array's tail leaves a trailing comma before the closing bracket.
    let mut json = String::with_capacity(joined.len());
    for (i, c) in joined.char_indices() {
        if c == ',' && joined[i + 1..].trim_start().starts_with([']', '}']) {
            continue;
        }
        json.push(c);
    }
    serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("document example is not JSON after stripping comments: {e}\n{json}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        #[serde(deserialize_with = "int")]
        a: i64,
        #[serde(default, deserialize_with = "opt_int")]
        b: Option<i64>,
        #[serde(default, deserialize_with = "int_list")]
        c: Vec<i64>,
    }

    #[test]
    fn accepts_numbers_and_numeric_strings() {
        let t: T = serde_json::from_str(r#"{"a": "2", "b": 3, "c": ["1", 4]}"#).unwrap();
        assert_eq!((t.a, t.b, t.c), (2, Some(3), vec![1, 4]));
        let t: T = serde_json::from_str(r#"{"a": 7, "c": null}"#).unwrap();
        assert_eq!((t.a, t.b, t.c.len()), (7, None, 0));
        assert!(serde_json::from_str::<T>(r#"{"a": "x"}"#).is_err());
    }
}
