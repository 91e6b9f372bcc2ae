//! The simulators' own signing and encryption against every entry of the shared signing
//! vectors (`shared/vendor-docs/vectors.json`, computed independently of both the client and
//! the simulators). The file is read from the verbatim copy the repository keeps for
//! inbox-core (`crates/inbox-core/tests/fixtures/vectors.json`; inbox-core's tests check it
//! still equals the shared file), so a fresh clone runs these too. A vendor added to the file
//! fails here until its vectors are checked.

use serde_json::{Map, Value};
use vendor_sim::qiyuesuo::state::signature;
use vendor_sim::zeyi::crypto;

/// The vendors whose vectors this file checks.
const CHECKED: &[&str] = &["zeyi", "qiyuesuo"];

fn vectors() -> Map<String, Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../inbox-core/tests/fixtures/vectors.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match serde_json::from_str(&text).expect("vectors.json is JSON") {
        Value::Object(all) => all,
        other => panic!("vectors.json is not an object: {other}"),
    }
}

/// The entries of `vendor`; never empty, so a renamed key cannot pass by checking nothing.
fn entries(vendor: &str) -> Vec<Value> {
    let all = vectors();
    let list = all.get(vendor).and_then(Value::as_array).unwrap_or_else(|| panic!("no {vendor} vectors"));
    assert!(!list.is_empty(), "the {vendor} vectors are empty");
    list.clone()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("a vector lacks `{key}`: {v}"))
}

#[test]
fn every_vendor_in_the_file_is_checked_here() {
    let unchecked: Vec<String> = vectors().keys().filter(|k| !CHECKED.contains(&k.as_str())).cloned().collect();
    assert!(unchecked.is_empty(), "vectors.json has vectors for {unchecked:?}: check them against the simulator here");
}

#[test]
fn zeyi_sign_passes_every_vector() {
    for (i, v) in entries("zeyi").iter().enumerate() {
        let got = crypto::sign(
            text(v, "app_key"),
            text(v, "app_secret"),
            text(v, "timestamp"),
            text(v, "nonce"),
            text(v, "body").as_bytes(),
        );
        assert_eq!(got, text(v, "sign"), "zeyi vector {i}");
    }
}

#[test]
fn zeyi_aes_and_the_sign_over_the_ciphertext_pass_every_vector() {
    for (i, v) in entries("zeyi").iter().enumerate() {
        let (key, secret, iv, ts, nonce) =
            (text(v, "app_key"), text(v, "app_secret"), text(v, "iv"), text(v, "timestamp"), text(v, "nonce"));
        let sealed = crypto::seal(key, secret, iv, ts, nonce, text(v, "body").as_bytes())
            .expect("a 32-character secret is an AES-256 key");
        assert_eq!(sealed, text(v, "aes_base64"), "zeyi vector {i}: ciphertext");
        assert_eq!(
            crypto::sign(key, secret, ts, nonce, sealed.as_bytes()),
            text(v, "sign_over_ciphertext"),
            "zeyi vector {i}: sign over the Base64 body"
        );
        let opened =
            crypto::open(secret, iv, text(v, "aes_base64").as_bytes()).expect("the vector's ciphertext decrypts");
        assert_eq!(opened, text(v, "aes_plaintext").as_bytes(), "zeyi vector {i}: plaintext");
    }
}

#[test]
fn qiyuesuo_signature_passes_every_vector() {
    for (i, v) in entries("qiyuesuo").iter().enumerate() {
        let got = signature(text(v, "app_token"), text(v, "app_secret"), text(v, "timestamp"), text(v, "nonce"));
        assert_eq!(got, text(v, "signature"), "qiyuesuo vector {i}");
    }
}
