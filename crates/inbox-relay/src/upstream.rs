//! Calls to 则一 on a user's behalf: the JSON body is signed (and sealed when the integration
//! encrypts) with the company's key pair by the zeyi connector's own rules
//! (`inbox_core::connectors::zeyi::auth`), posted once from the relay's address, and the answer
//! handed back as it came. The relay never resends: the desktop's connector already resends
//! a call whose outcome is unknown (docs/zeyi-protocol.md choice 3), and two layers of resends
//! would multiply.

use crate::config::ZeyiConfig;
use inbox_core::connectors::zeyi::auth::{self, Cipher, KeyPair};
use inbox_core::connectors::zeyi::client::{self, API_PREFIX};
use inbox_core::VendorError;
use reqwest::header::CONTENT_TYPE;
use std::time::Duration;

/// 则一's answer, or why there is none.
#[derive(Debug, Clone)]
pub enum Answer {
    /// 则一 answered: its HTTP status, content type and body, untouched.
    Replied { status: u16, content_type: Option<String>, body: Vec<u8> },
    /// No connection could be made: nothing reached 则一.
    Unreachable(String),
    /// The request left and no (complete) answer came back: the outcome is unknown.
    NoReply(String),
}

/// What an answer means, for metrics and logs (the desktop reads the answer itself).
pub fn outcome(call: &str, answer: &Answer) -> &'static str {
    match answer {
        Answer::Unreachable(_) => "unreachable",
        Answer::NoReply(_) => "no_reply",
        Answer::Replied { status, .. } if *status != 200 => "upstream_http",
        Answer::Replied { body, .. } => match client::envelope(call, 200, body) {
            Ok(_) => "success",
            Err(VendorError::Vendor { .. }) if business(body) => "business_error",
            Err(VendorError::Vendor { .. } | VendorError::Auth { .. }) => "request_error",
            Err(_) => "malformed",
        },
    }
}

/// Whether an envelope says `businessException: true`.
fn business(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|v| v["businessException"] == true)
}

/// The company's side of 则一.
#[derive(Clone)]
pub struct Upstream {
    http: reqwest::Client,
    base: String,
    keys: KeyPair,
    cipher: Option<Cipher>,
}

impl Upstream {
    pub fn new(config: &ZeyiConfig) -> Result<Self, String> {
        let keys = config.keys();
        let cipher = if config.encrypt {
            Some(keys.cipher(&config.iv).map_err(|e| format!("zeyi encryption: {e}"))?)
        } else {
            None
        };
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("inbox-relay/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .timeout(config.timeout);
        if let Some(addr) = config.outbound_addr {
            builder = builder.local_address(addr);
        }
        let http = builder.build().map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Upstream { http, base: config.base_url.clone(), keys, cipher })
    }

    /// POSTs `json` to `audit/<name>` signed (and sealed) with the company's pair.
    pub async fn call(&self, name: &str, json: &[u8]) -> Answer {
        let signed = auth::sign_request(&self.keys, self.cipher.as_ref(), json);
        let content_type = if signed.sealed { "text/plain; charset=utf-8" } else { "application/json; charset=utf-8" };
        let request = self
            .http
            .post(format!("{}{API_PREFIX}/{name}", self.base))
            .header(CONTENT_TYPE, content_type)
            .header("appKey", &self.keys.app_key)
            .header("timestamp", &signed.timestamp)
            .header("nonce", &signed.nonce)
            .header("sign", &signed.sign)
            .body(signed.body);
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) if e.is_connect() => return Answer::Unreachable(describe(e)),
            Err(e) => return Answer::NoReply(describe(e)),
        };
        let status = response.status().as_u16();
        let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
        match response.bytes().await {
            Ok(body) => Answer::Replied { status, content_type, body: body.to_vec() },
            Err(e) => Answer::NoReply(describe(e)),
        }
    }
}

/// A transport failure in words, without the URL.
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        return "则一 did not answer in time".into();
    }
    if e.is_connect() {
        return "cannot connect to 则一 (connection refused, no route or unknown host)".into();
    }
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}
