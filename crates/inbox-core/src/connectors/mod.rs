//! One folder per vendor, each split the same way: `wire` (serde types mirroring the vendor's
//! document), `auth` (credentials, signing), `client` (HTTP calls), `map` (wire → model). This
//! module is the registry that turns an account into its connector.

pub mod de;
pub mod fxiaoke;
pub mod qiyuesuo;
pub mod unknown;
pub mod weiwenjia;
pub mod yomicloud;
pub mod zeyi;

use crate::connector::{Connector, VendorInfo};
use crate::error::VendorError;
use crate::model::Account;
use crate::model::Vendor;
use crate::secrets::Secrets;
use std::sync::Arc;
use std::time::Duration;

/// What every vendor offers, for the UI's account form and capability checks.
pub fn vendor_infos() -> Vec<VendorInfo> {
    Vendor::ALL.iter().map(|v| vendor_info(*v)).collect()
}

pub fn vendor_info(vendor: Vendor) -> VendorInfo {
    match vendor {
        Vendor::Yomicloud => yomicloud::info(),
        Vendor::Zeyi => zeyi::info(),
        Vendor::Fxiaoke => fxiaoke::info(),
        Vendor::Qiyuesuo => qiyuesuo::info(),
        Vendor::Weiwenjia => weiwenjia::info(),
    }
}

/// Builds the connector for a configured account; a vendor with a rate limit paces its calls
/// through `pacer`, shared by every process on the cache.
pub fn connect(
    account: &Account,
    secrets: &Secrets,
    pacer: Arc<dyn crate::connector::Pacer>,
) -> Result<Arc<dyn Connector>, VendorError> {
    match account.vendor {
        Vendor::Yomicloud => Ok(Arc::new(yomicloud::YomiConnector::new(account, secrets)?)),
        Vendor::Zeyi => Ok(Arc::new(zeyi::ZeyiConnector::new(account, secrets)?)),
        Vendor::Fxiaoke => Ok(Arc::new(fxiaoke::FxConnector::new(account, secrets)?.paced_by(pacer))),
        Vendor::Qiyuesuo => Ok(Arc::new(qiyuesuo::QiyuesuoConnector::new(account, secrets)?)),
        Vendor::Weiwenjia => Ok(Arc::new(weiwenjia::WeiwenjiaConnector::new(account, secrets)?)),
    }
}

/// Overrides the per-request time limit (whole seconds; default 60), e.g. for slow links. Read
/// when the first connector is made.
pub const HTTP_TIMEOUT_ENV: &str = "APPROVAL_INBOX_HTTP_TIMEOUT_SECS";

/// A hash of `value` for comparing within this process only (heads, remembered reads): the
/// standard hasher, whose output may change between Rust releases.
pub(crate) fn hash_of<T: std::hash::Hash + ?Sized>(value: &T) -> u64 {
    use std::hash::Hasher;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// The hash of a list item without the top-level fields `volatile`. Only compared within one
/// process.
pub fn fingerprint(item: &serde_json::Value, volatile: &[&str]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    match item {
        serde_json::Value::Object(map) => {
            for (key, value) in map.iter().filter(|(k, _)| !volatile.contains(&k.as_str())) {
                (key, value.to_string()).hash(&mut hasher);
            }
        }
        other => other.to_string().hash(&mut hasher),
    }
    hasher.finish()
}

/// `raw` trimmed, without a trailing `/`, when it is an http(s) URL: the one check of a
/// vendor's or a relay's address (`what` names it in the error: "the base URL").
pub fn validate_base_url(raw: &str, what: &str) -> Result<String, VendorError> {
    let base = raw.trim().trim_end_matches('/').to_string();
    if base.starts_with("http://") || base.starts_with("https://") {
        Ok(base)
    } else {
        Err(VendorError::Config(format!("{what} must start with http:// or https://, not \"{base}\"")))
    }
}

/// The HTTP client every connector uses: bounded time, our user agent. One for the process,
/// cloned (a handle): one connection pool and one set of TLS roots, not one per account.
pub(crate) fn http_client() -> reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let timeout = std::env::var(HTTP_TIMEOUT_ENV)
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .filter(|s| *s > 0)
                .unwrap_or(60);
            reqwest::Client::builder()
                .user_agent(concat!("approval-inbox/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(std::time::Duration::from_secs(10.min(timeout)))
                .timeout(std::time::Duration::from_secs(timeout))
                .build()
                .expect("a client with static settings always builds")
        })
        .clone()
}

/// The longest `Retry-After` we wait for inside one call; longer ones fail the call and the
/// scheduler's backoff takes over.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Sends a request, retrying (up to 3 times, with backoff) only what certainly did not reach
/// the vendor's logic, so a decision is never carried out twice: a connection that could not
/// be made, and HTTP 429 / 503 answered with `Retry-After` (which is honoured, up to
/// [`MAX_RETRY_AFTER`]). Everything else is the caller's to judge.
pub(crate) async fn send(call: &str, request: reqwest::RequestBuilder) -> Result<reqwest::Response, VendorError> {
    use backon::{BackoffBuilder, ExponentialBuilder};
    let mut delays = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(250))
        .with_max_delay(Duration::from_secs(5))
        .with_max_times(3)
        .with_jitter()
        .build();
    loop {
        // A body that cannot be cloned (a stream) gets one attempt.
        let Some(attempt) = request.try_clone() else {
            return request.send().await.map_err(|e| transport_error(call, e));
        };
        let (wait, give_up) = match attempt.send().await {
            Ok(resp) => match retry_after(&resp) {
                Some(wait) if wait <= MAX_RETRY_AFTER => {
                    (wait, VendorError::Http { call: call.to_string(), status: resp.status().as_u16() })
                }
                _ => return Ok(resp),
            },
            Err(e) if e.is_connect() => (Duration::ZERO, transport_error(call, e)),
            Err(e) => return Err(transport_error(call, e)),
        };
        let Some(backoff) = delays.next() else { return Err(give_up) };
        tracing::debug!(
            call,
            wait_ms = wait.max(backoff).as_millis() as u64,
            "retrying a call that did not reach the vendor"
        );
        tokio::time::sleep(wait.max(backoff)).await;
    }
}

/// The wait a 429 or 503 reply asks for (`Retry-After` in seconds; 1 s when absent on a 429).
fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let status = resp.status().as_u16();
    if status != 429 && status != 503 {
        return None;
    }
    let header = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match (status, header) {
        (_, Some(secs)) => Some(Duration::from_secs(secs)),
        (429, None) => Some(Duration::from_secs(1)),
        _ => None,
    }
}

/// Describes a transport failure without the URL's query (which may hold a token). A local
/// file that could not be read mid-upload is said to be that, not the vendor's fault.
pub(crate) fn transport_error(call: &str, e: reqwest::Error) -> VendorError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if let Some(local) = err.downcast_ref::<crate::submission::LocalReadError>() {
            return VendorError::LocalFile { call: call.to_string(), reason: local.to_string() };
        }
        source = err.source();
    }
    let reason = if e.is_timeout() {
        "the request timed out".to_string()
    } else if e.is_connect() {
        "connection refused or host unreachable".to_string()
    } else {
        e.without_url().to_string()
    };
    VendorError::Unreachable { call: call.to_string(), reason }
}

/// One item of a list reply, read on its own: an item we cannot read concerns that item only
/// (`VendorError::Record`), never its page.
pub(crate) fn parse_item<T: serde::de::DeserializeOwned>(
    call: &str,
    item: &serde_json::Value,
) -> Result<T, VendorError> {
    T::deserialize(item).map_err(|e| VendorError::record(call, e))
}

/// An id as text, written as a string or a number; `None` for anything else.
pub(crate) fn id_text(value: Option<&serde_json::Value>) -> Option<String> {
    match value? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Moves the array under `key` out of a vendor reply: the raw list items, kept beside the typed
/// ones (for fingerprints and each approval's raw JSON). Moved, not cloned: a list can hold
/// thousands of items, and a copy of it stays in the allocator's arenas after the sync.
pub fn take_items(reply: &mut serde_json::Value, key: &str) -> Vec<serde_json::Value> {
    match reply.get_mut(key).map(serde_json::Value::take) {
        Some(serde_json::Value::Array(items)) => items,
        _ => Vec::new(),
    }
}
