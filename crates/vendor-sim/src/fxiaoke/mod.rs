//! Simulator of the **fxiaoke** (纷享销客) open platform, built from the vendor's 协同审批 page
//! (`shared/vendor-docs/001_c0fdb8f58a2c1278.txt`), the vendor README (token, user lookup,
//! media download, CRM approval flows), the platform's published people calls (`user/get`,
//! `user/simpleList`) and the choices in `docs/fxiaoke-protocol.md`. A wild tenant
//! ([`Sim::for_tenant`]) adds a real tenant's records (`wild.rs`).
//!
//! [`Sim`] holds the tenant behind a lock; [`Sim::serve`] puts it on a real socket; the
//! inspection helpers tell a test what the demo user should see, and the switches expire
//! tokens, tighten the rate limit or break replies.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use vendor_sim::Simulator;
//! let sim = vendor_sim::fxiaoke::Sim::new(1, 40);
//! let server = sim.serve("127.0.0.1:0".parse().unwrap()).await?;
//! let account = sim.demo_account(&server.base_url);
//! println!("{}", serde_json::to_string(&account).unwrap());
//! # Ok(()) }
//! ```

pub mod api;
pub mod error;
pub mod routes;
pub mod seed;
pub mod state;
pub mod wild;

use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use crate::wild::Tenant;
pub use error::ApiError;
pub use state::State;

use crate::common::{FaultSwitch, Simulator, StateEvents};

/// The vendor identifier used in config, CLI and UI.
pub const VENDOR: &str = "fxiaoke";

/// The largest tenant that still syncs in seconds: a client reads each approval once per sync
/// and must stay under about 60 calls per 20 s per endpoint (the inbox paces itself to a burst
/// of 10, then one call every 500 ms), so 30 approvals take about 10 s and every 10 more add
/// about 5 s. Demo mode and tests that sync fxiaoke cap their tenant at this.
pub const QUICK_SYNC_APPROVALS: usize = 30;

/// What a client's boxes should hold for one user (old 协同审批 ids, CRM instance ids).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Boxes {
    pub todo: Vec<String>,
    pub submitted: Vec<String>,
    pub processed: Vec<String>,
}

/// A running-or-not fxiaoke simulator. Clones share the same tenant.
#[derive(Debug, Clone)]
pub struct Sim {
    pub(crate) state: Arc<Mutex<State>>,
    pub(crate) faults: FaultSwitch,
}

impl Sim {
    /// A tenant of `tenant`'s kind: [`Tenant::Wild`] serves a real tenant's data: besides the
    /// tidy ones, 7 协同审批 records and 5 CRM instances of the demo user with unknown codes and
    /// words, new field types, `null`s and odd texts (this module's `wild.rs`), and every reply
    /// with fields no document lists (`crate::wild`).
    pub fn for_tenant(seed: u64, approvals: usize, tenant: Tenant) -> Self {
        let mut state = seed::generate(seed, approvals);
        if tenant == Tenant::Wild {
            wild::seed(&mut state, crate::common::now_secs());
        }
        let sim = Self::from_state(state);
        sim.faults.set_wild(tenant == Tenant::Wild);
        sim
    }

    /// A tenant seeded by `seed` with `approvals` 协同审批 items (and about half as many CRM
    /// instances, at least 8).
    pub fn new(seed: u64, approvals: usize) -> Self {
        Self::from_state(seed::generate(seed, approvals))
    }

    pub fn from_state(state: State) -> Self {
        let state = Arc::new(Mutex::new(state));
        let events = StateEvents {
            expire_credentials: StateEvents::on(&state, State::expire_tokens),
            arrive: StateEvents::on(&state, State::arrive),
        };
        Sim { state, faults: FaultSwitch::with_events(events) }
    }

    /// The demo user: (openUserId, name, mobile).
    pub fn demo_user(&self) -> state::Employee {
        let s = self.lock();
        s.employee(&s.demo_user).cloned().expect("a seeded tenant has a demo user")
    }

    /// `(appId, appSecret, permanentCode, corpId)` of the seeded app.
    pub fn app(&self) -> (String, String, String, String) {
        let s = self.lock();
        (s.app_id.clone(), s.app_secret.clone(), s.permanent_code.clone(), s.corp_id.clone())
    }

    /// The 协同审批 boxes of `user`, by the vendor README's rules, as approval ids.
    pub fn old_boxes_for(&self, user: &str) -> Boxes {
        let s = self.lock();
        let mut b = Boxes::default();
        for a in s.approvals.values() {
            let member = |pred: &dyn Fn(&str, &str) -> bool| {
                a.tasks.iter().any(|t| t.members.iter().any(|(m, st)| m == user && pred(t.state, st)))
            };
            if a.status == 1 && member(&|task, me| task == "in_progress" && me == "in_progress") {
                b.todo.push(a.id.to_string());
            }
            if a.sender == user {
                b.submitted.push(a.id.to_string());
            }
            if member(&|_, me| matches!(me, "agree" | "reject" | "go_back")) {
                b.processed.push(a.id.to_string());
            }
        }
        b
    }

    /// The CRM boxes of `user`, as instance ids.
    pub fn crm_boxes_for(&self, user: &str) -> Boxes {
        let s = self.lock();
        let mut b = Boxes::default();
        for i in s.crm.values() {
            if i.task_for(user).is_some() {
                b.todo.push(i.instance_id.clone());
            }
            if i.applicant == user {
                b.submitted.push(i.instance_id.clone());
            }
            if i.tasks.iter().any(|t| t.opinions.iter().any(|o| o.open_user_id == user)) {
                b.processed.push(i.instance_id.clone());
            }
        }
        b
    }

    /// Every record `user` is in a box of: (协同审批 ids, CRM instance ids).
    pub fn records_of(&self, user: &str) -> (Vec<String>, Vec<String>) {
        let all = |b: Boxes| {
            let mut ids = [b.todo, b.submitted, b.processed].concat();
            ids.sort();
            ids.dedup();
            ids
        };
        (all(self.old_boxes_for(user)), all(self.crm_boxes_for(user)))
    }

    /// The name `user/get` gives for `open_user_id`.
    pub fn name_of(&self, open_user_id: &str) -> Option<String> {
        self.lock().employee(open_user_id).map(|e| e.name.clone())
    }

    /// A CRM instance's state (`in_progress`, `pass`, `reject`, `cancel`, `error`).
    pub fn crm_state(&self, instance_id: &str) -> Option<String> {
        self.lock().crm.get(instance_id).map(|i| i.state.to_string())
    }

    /// The states of a CRM instance's tasks, in order.
    pub fn crm_task_states(&self, instance_id: &str) -> Vec<String> {
        self.lock()
            .crm
            .get(instance_id)
            .map(|i| i.tasks.iter().map(|t| t.state.to_string()).collect())
            .unwrap_or_default()
    }

    /// The bytes of a media file.
    pub fn media_bytes(&self, media_id: &str) -> Option<Vec<u8>> {
        self.lock().media.get(media_id).map(|m| m.bytes.clone())
    }

    /// Lifetime of tokens issued from now on (`expiresIn`).
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.lock().token_lifetime = lifetime;
    }

    /// Every issued token stops working now (the next call answers 20016).
    pub fn expire_tokens(&self) {
        self.lock().expire_tokens();
    }

    /// Every issued token stops working after `calls` more authenticated calls: a token that
    /// expires in the middle of a sync.
    pub fn expire_tokens_after_calls(&self, calls: usize) {
        self.lock().expire_after_calls = Some(calls);
    }

    /// How many tokens `/cgi/corpAccessToken/get/V2` has issued.
    pub fn tokens_issued(&self) -> usize {
        self.lock().tokens_issued
    }

    /// Calls allowed per endpoint per 20 s (the platform: about 60).
    pub fn set_rate_limit(&self, calls: usize) {
        self.lock().rate_limit = calls;
    }

    /// How many calls were refused with 20050 (too fast), all endpoints together.
    pub fn rate_limited(&self) -> usize {
        self.lock().rate_limited
    }
}

impl Simulator for Sim {
    const VENDOR: &'static str = VENDOR;
    type State = State;

    fn router(&self) -> axum::Router {
        routes::router(self.clone())
    }

    fn faults(&self) -> &FaultSwitch {
        &self.faults
    }

    fn state(&self) -> &Mutex<State> {
        &self.state
    }

    /// The demo account: settings `{app_id, open_user_id}`, secrets `{app_secret,
    /// permanent_code}`; `history_days` and `crm_flows` keep their defaults, which cover
    /// the seeded data.
    fn demo_account(&self, base_url: &str) -> crate::DemoAccount {
        let (app_id, secret, code, _) = self.app();
        let mut settings = serde_json::Map::new();
        settings.insert("app_id".into(), app_id.into());
        settings.insert("open_user_id".into(), self.demo_user().open_user_id.into());
        let mut secrets = serde_json::Map::new();
        secrets.insert("app_secret".into(), secret.into());
        secrets.insert("permanent_code".into(), code.into());
        crate::DemoAccount { vendor: VENDOR.into(), base_url: base_url.into(), settings, secrets }
    }

    fn calls(&self, path: &str) -> usize {
        self.lock().call_counts.get(path).copied().unwrap_or(0)
    }

    fn total_calls(&self) -> u64 {
        self.lock().call_counts.values().sum::<usize>() as u64
    }
}

#[cfg(test)]
mod http_tests;
