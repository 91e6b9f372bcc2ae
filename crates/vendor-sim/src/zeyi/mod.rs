//! Simulator of **则一 (zeyi)**, the TMS audit API of `shared/vendor-docs/000_75814800e87d41f6.txt`:
//! it accepts `audit/send` and `audit/cancel` with the document's sign check (and AES when the
//! app encrypts), keeps at most one pending-or-approved approval per business id, and when an
//! approval ends — decided through the admin endpoint, by the demo timer, or cancelled — POSTs
//! a signed callback (with the key pair we issued to 则一) to the configured callback URL.
//! Choices where the document is silent: docs/zeyi-protocol.md.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use vendor_sim::Simulator;
//! use vendor_sim::zeyi::{Sim, Verdict};
//! let sim = Sim::new(1, 50);
//! let server = sim.serve("127.0.0.1:0".parse().unwrap()).await?;
//! sim.set_callback_url(Some("http://127.0.0.1:9999/tms-service-api/audit/callback".into()));
//! // … a client sends approval "PO-1" …
//! let delivery = sim.decide("PO-1", Verdict::Pass, Some("E002"), Some("同意")).await;
//! # let _ = (server, delivery); Ok(()) }
//! ```

pub mod crypto;
pub mod routes;
pub mod seed;
pub mod state;
pub mod wild;

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

pub use crate::wild::Tenant;
pub use state::{ApiError, App, Audit, AuditStatus, State, Verdict};

use crate::common::{FaultSwitch, Simulator};

/// The vendor identifier used in config, CLI and UI.
pub const VENDOR: &str = "zeyi";
/// Where 则一's endpoints live under the host.
pub const API_PREFIX: &str = "/tms-service-api/audit";

/// One callback 则一 tried to deliver: exactly what was sent, and what came back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    pub audit_id: String,
    pub url: Option<String>,
    /// `appKey`, `timestamp`, `nonce`, `sign`, `Content-Type`, in that order.
    pub headers: Vec<(String, String)>,
    /// The body as sent (JSON, or the Base64 text when the app encrypts).
    pub body: String,
    /// The HTTP status of the answer; `None` when nothing answered.
    pub status: Option<u16>,
    pub reply: Option<Value>,
    /// The receiver answered 200 with `success: true`.
    pub accepted: bool,
    pub error: Option<String>,
}

#[derive(Debug, Default)]
struct Stall {
    sends: u32,
    delay: Duration,
}

#[derive(Debug)]
struct Inner {
    state: Mutex<State>,
    faults: FaultSwitch,
    http: reqwest::Client,
    deliveries: Mutex<Vec<Delivery>>,
    stall: Mutex<Stall>,
    auto_decide: Mutex<Option<Duration>>,
    ticking: AtomicBool,
    /// The client addresses 则一 accepts calls from (`None`: any).
    whitelist: Mutex<Option<Vec<IpAddr>>>,
}

/// A running-or-not 则一 simulator. Clones share the same state.
#[derive(Debug, Clone)]
pub struct Sim {
    inner: Arc<Inner>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Milliseconds since the Unix epoch (the document's timestamps).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl Sim {
    /// A tenant of `tenant`'s kind: [`Tenant::Wild`] serves a real tenant's data: every reply
    /// with fields no document lists (`crate::wild`), callbacks as `zeyi::wild` writes them
    /// (unknown result words, `null` and missing fields, odd and long texts), and a history
    /// typed by real users (emoji, rare CJK, 10 kB texts).
    pub fn for_tenant(seed: u64, approvals: usize, tenant: Tenant) -> Self {
        let sim = Self::from_state(seed::generate_for(seed, approvals, tenant));
        sim.faults().set_wild(tenant == Tenant::Wild);
        sim
    }

    /// A 则一 seeded by `seed` with `approvals` finished approvals of other senders.
    pub fn new(seed: u64, approvals: usize) -> Self {
        Self::from_state(seed::generate(seed, approvals))
    }

    pub fn from_state(state: State) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        Sim {
            inner: Arc::new(Inner {
                state: Mutex::new(state),
                faults: FaultSwitch::default(),
                http,
                deliveries: Mutex::default(),
                stall: Mutex::default(),
                auto_decide: Mutex::default(),
                ticking: AtomicBool::new(false),
                whitelist: Mutex::default(),
            }),
        }
    }

    /// The integration's configuration (both key pairs, encryption, callback URL).
    pub fn app(&self) -> App {
        self.lock().app.clone()
    }

    /// Turns AES encryption of bodies (requests and callbacks) on or off.
    pub fn set_encryption(&self, on: bool) {
        self.lock().app.encrypt = on;
    }

    /// Where callbacks go (`None`: nowhere; decisions are still made and recorded).
    pub fn set_callback_url(&self, url: Option<String>) {
        self.lock().app.callback_url = url;
    }

    /// Accepts `audit/send` and `audit/cancel` only from these client addresses (the document's
    /// 白名单, read from the connection's peer address); others are refused with
    /// `IP_NOT_WHITELISTED` and nothing happens. `None` (the default): every caller.
    pub fn set_whitelist(&self, addresses: Option<Vec<IpAddr>>) {
        *lock(&self.inner.whitelist) = addresses;
    }

    /// [`Sim::set_whitelist`] as a builder step.
    pub fn with_whitelist(self, addresses: Option<Vec<IpAddr>>) -> Self {
        self.set_whitelist(addresses);
        self
    }

    /// Whether a call from `caller` (its peer address, when known) is let through.
    pub(crate) fn admits(&self, caller: Option<IpAddr>) -> Result<(), ApiError> {
        match (&*lock(&self.inner.whitelist), caller) {
            (None, _) => Ok(()),
            (Some(list), Some(ip)) if list.contains(&ip) => Ok(()),
            (Some(_), Some(ip)) => Err(ApiError::not_whitelisted(&ip.to_string())),
            (Some(_), None) => Err(ApiError::not_whitelisted("(unknown)")),
        }
    }

    /// Every approval 则一 holds, oldest first.
    pub fn audits(&self) -> Vec<Audit> {
        self.lock().audits.clone()
    }

    /// The approvals sent with business id `id` (any state).
    pub fn audits_with_id(&self, id: &str) -> Vec<Audit> {
        self.lock().audits.iter().filter(|a| a.id == id).cloned().collect()
    }

    /// One approval by its auditId.
    pub fn audit(&self, audit_id: &str) -> Option<Audit> {
        self.lock().audit(audit_id).cloned()
    }

    /// Every callback tried, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.inner.deliveries).clone()
    }

    /// Makes `AUDIT_EXISTS` answers name no approval (`result: null`), as a 则一 that does not
    /// tell the auditId of the approval holding a business id might (default: they name it).
    pub fn set_bare_exists(&self, bare: bool) {
        self.lock().bare_exists = bare;
    }

    /// Holds the reply of the next `sends` `audit/send` calls for `delay` after the approval is
    /// created: a client whose timeout is shorter sees a timeout although 则一 has it.
    pub fn stall_sends(&self, sends: u32, delay: Duration) {
        *lock(&self.inner.stall) = Stall { sends, delay };
    }

    pub(crate) fn take_stall(&self) -> Option<Duration> {
        let mut stall = lock(&self.inner.stall);
        (stall.sends > 0).then(|| {
            stall.sends -= 1;
            stall.delay
        })
    }

    /// Demo mode: decide (pass) every approval still pending `after` it was sent.
    pub fn set_auto_decide(&self, after: Option<Duration>) {
        *lock(&self.inner.auto_decide) = after;
    }

    /// An approver in 则一 decides the pending approval with business id (or auditId) `key`;
    /// then the callback is delivered and its outcome returned.
    pub async fn decide(
        &self,
        key: &str,
        verdict: Verdict,
        approver: Option<&str>,
        remark: Option<&str>,
    ) -> Result<Delivery, String> {
        let audit = self.lock().decide(key, verdict, approver, remark, now_ms())?;
        Ok(self.deliver(&audit).await)
    }

    /// POSTs the callback of `audit`'s current state, signed with the callback key pair (and
    /// sealed when the app encrypts), and records the attempt.
    pub async fn deliver(&self, audit: &Audit) -> Delivery {
        let (app, timestamp, nonce) = {
            let mut state = self.lock();
            (state.app.clone(), now_ms().to_string(), state.nonce())
        };
        let json =
            if self.inner.faults.is_wild() { wild::callback_body(audit) } else { audit.callback_body() }.to_string();
        let (body, content_type) = if app.encrypt {
            let sealed = crypto::seal(
                &app.callback_app_key,
                &app.callback_app_secret,
                &app.iv,
                &timestamp,
                &nonce,
                json.as_bytes(),
            );
            (sealed.unwrap_or_default(), "text/plain; charset=utf-8")
        } else {
            (json, "application/json; charset=utf-8")
        };
        let sign = crypto::sign(&app.callback_app_key, &app.callback_app_secret, &timestamp, &nonce, body.as_bytes());
        let headers = vec![
            ("appKey".to_string(), app.callback_app_key.clone()),
            ("timestamp".to_string(), timestamp),
            ("nonce".to_string(), nonce),
            ("sign".to_string(), sign),
            ("Content-Type".to_string(), content_type.to_string()),
        ];
        let mut delivery = Delivery {
            audit_id: audit.audit_id.clone(),
            url: app.callback_url.clone(),
            headers,
            body,
            status: None,
            reply: None,
            accepted: false,
            error: None,
        };
        match &app.callback_url {
            None => delivery.error = Some("no callback URL configured".into()),
            Some(url) => self.post(url, &mut delivery).await,
        }
        tracing::info!(audit_id = %delivery.audit_id, status = ?delivery.status, accepted = delivery.accepted, "callback delivered");
        lock(&self.inner.deliveries).push(delivery.clone());
        delivery
    }

    async fn post(&self, url: &str, delivery: &mut Delivery) {
        let mut req = self.inner.http.post(url).body(delivery.body.clone());
        for (k, v) in &delivery.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        match req.send().await {
            Err(e) => delivery.error = Some(e.without_url().to_string()),
            Ok(resp) => {
                delivery.status = Some(resp.status().as_u16());
                let text = resp.text().await.unwrap_or_default();
                delivery.reply = serde_json::from_str(&text).ok();
                delivery.accepted =
                    delivery.status == Some(200) && delivery.reply.as_ref().is_some_and(|r| r["success"] == true);
            }
        }
    }

    /// The demo timer: once per simulator, ticking while the simulator exists.
    fn start_timer(&self) {
        if self.inner.ticking.swap(true, Ordering::SeqCst) {
            return;
        }
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let Some(inner) = weak.upgrade() else { break };
                Sim { inner }.auto_tick().await;
            }
        });
    }

    async fn auto_tick(&self) {
        let Some(after) = *lock(&self.inner.auto_decide) else { return };
        let due = self.lock().pending_before(now_ms() - after.as_millis() as i64);
        for audit_id in due {
            let _ = self.decide(&audit_id, Verdict::Pass, None, Some("同意（演示自动审批）")).await;
        }
    }
}

impl Simulator for Sim {
    const VENDOR: &'static str = VENDOR;
    type State = State;

    fn router(&self) -> axum::Router {
        routes::router(self.clone())
    }

    fn faults(&self) -> &FaultSwitch {
        &self.inner.faults
    }

    fn state(&self) -> &Mutex<State> {
        &self.inner.state
    }

    /// The demo account: settings `{app_key, username, encrypt, iv, callback_app_key}`,
    /// secrets `{app_secret, callback_app_secret}`.
    fn demo_account(&self, base_url: &str) -> crate::DemoAccount {
        let app = self.app();
        let mut settings = serde_json::Map::new();
        settings.insert("app_key".into(), app.app_key.into());
        settings.insert("username".into(), seed::DEMO_USERNAME.into());
        settings.insert("encrypt".into(), app.encrypt.to_string().into());
        settings.insert("iv".into(), app.iv.into());
        settings.insert("callback_app_key".into(), app.callback_app_key.into());
        let mut secrets = serde_json::Map::new();
        secrets.insert("app_secret".into(), app.app_secret.into());
        secrets.insert("callback_app_secret".into(), app.callback_app_secret.into());
        crate::DemoAccount { vendor: VENDOR.into(), base_url: base_url.into(), settings, secrets }
    }

    fn started(&self) {
        self.start_timer();
    }
}

#[cfg(test)]
mod http_tests;
