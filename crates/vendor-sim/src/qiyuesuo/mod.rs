//! Simulator of **契约锁 (qiyuesuo)**'s open platform as the inbox uses it, built from the vendor
//! document (`shared/vendor-docs/003_11933da6b3777b46.txt`: `employeeaudit`), the vendor README
//! (signed headers, envelopes, `contract/list`, `contract/detail`, `pageurl`), the vendor's own
//! published material (the private cloud 4.0 API document in `qiyuesuo/qiyuesuo-java-demo`, its
//! SDK models, `document/download`) and the choices in `docs/qiyuesuo-protocol.md`. A deployment
//! answers in the open v2 shape or, [`Sim::set_edition`], the private cloud's.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use vendor_sim::Simulator;
//! let sim = vendor_sim::qiyuesuo::Sim::new(1, 200);
//! let server = sim.serve("127.0.0.1:0".parse().unwrap()).await?;
//! println!("{} todo={:?}", server.base_url, sim.todo_ids_for(&sim.demo_employee().contact));
//! # Ok(()) }
//! ```

pub mod error;
pub mod pdf;
pub mod routes;
pub mod seed;
pub mod state;
pub mod wild;

use std::sync::{Arc, Mutex};

pub use crate::wild::Tenant;
pub use error::ApiError;
pub use state::{AuditCall, Edition, Person, State};

use crate::common::{FaultSwitch, Simulator, StateEvents};

/// The vendor identifier used in config, CLI and UI.
pub const VENDOR: &str = "qiyuesuo";

/// A running-or-not qiyuesuo simulator. Clones share the same tenant.
#[derive(Debug, Clone)]
pub struct Sim {
    pub(crate) state: Arc<Mutex<State>>,
    pub(crate) faults: FaultSwitch,
}

impl Sim {
    /// A tenant of `tenant`'s kind: [`Tenant::Wild`] serves a real tenant's data (odd records,
    /// [`wild::seed`], and every reply with fields no document lists, see `crate::wild`).
    pub fn for_tenant(seed: u64, contracts: usize, tenant: Tenant) -> Self {
        let mut state = seed::generate(seed, contracts);
        if tenant == Tenant::Wild {
            wild::seed(&mut state);
        }
        let sim = Self::from_state(state);
        sim.faults.set_wild(tenant == Tenant::Wild);
        sim
    }

    /// A tenant seeded deterministically by `seed` with about `contracts` contracts.
    pub fn new(seed: u64, contracts: usize) -> Self {
        Self::from_state(seed::generate(seed, contracts))
    }

    pub fn from_state(state: State) -> Self {
        let state = Arc::new(Mutex::new(state));
        let events = StateEvents {
            expire_credentials: StateEvents::on(&state, State::expire_tokens),
            arrive: StateEvents::on(&state, State::arrive),
        };
        Sim { state, faults: FaultSwitch::with_events(events) }
    }

    /// The demo account's employee (陈思远): audits await them now.
    pub fn demo_employee(&self) -> Person {
        self.lock().demo.clone()
    }

    /// Switches the header prefix this deployment expects (`x-qys-` = private cloud).
    pub fn set_header_prefix(&self, prefix: &str) {
        self.lock().header_prefix = prefix.to_string();
    }

    /// Switches the edition the replies are shaped in (the private cloud's: detail under
    /// `contract`, `actionOperators` by user id; its demo account's `employee` is then that id).
    pub fn set_edition(&self, edition: Edition) {
        self.lock().edition = edition;
    }

    /// A private-cloud deployment: `x-qys-` headers and the private cloud's reply shapes.
    pub fn set_private_cloud(&self) {
        self.set_header_prefix("x-qys-");
        self.set_edition(Edition::PrivateCloud);
    }

    /// A contract's status (`SIGNING`, `REJECTED` …); `None` if absent.
    pub fn contract_status(&self, id: &str) -> Option<String> {
        self.lock().contracts.get(id).map(|c| c.status.to_string())
    }

    /// What `contact` decided in contract `id`, as the published fields say (`true` passed,
    /// `false` rejected), with the comment of the accepted `employeeaudit` call that decided so
    /// (the vendor shows a pass's comment nowhere; empty for a seeded decision). `None` while
    /// undecided or not theirs.
    pub fn audit_of(&self, id: &str, contact: &str) -> Option<(bool, String)> {
        let state = self.lock();
        let pass = state.contracts.get(id)?.audited_by(contact)?;
        let comment = state
            .received
            .iter()
            .rev()
            .find(|a| a.contract_id == id && a.pass == pass)
            .map(|a| a.comment.clone())
            .unwrap_or_default();
        Some((pass, comment))
    }

    /// The `employeeaudit` calls the tenant accepted, in order (what was sent, comments included).
    pub fn audits_received(&self) -> Vec<AuditCall> {
        self.lock().received.clone()
    }

    /// The contract's `comments` (why it was rejected or recalled).
    pub fn contract_comments(&self, id: &str) -> Option<String> {
        self.lock().contracts.get(id)?.comments.clone()
    }

    /// Contracts (ids, sorted) in `SIGNING` whose current action is an audit with `contact`
    /// among its operators: what the inbox must show as todo.
    pub fn todo_ids_for(&self, contact: &str) -> Vec<String> {
        self.lock().contracts.values().filter(|c| c.awaits(contact)).map(|c| c.id.clone()).collect()
    }

    /// Contracts (ids, sorted) `contact` created.
    pub fn submitted_ids_for(&self, contact: &str) -> Vec<String> {
        self.lock().contracts.values().filter(|c| c.creator.contact == contact).map(|c| c.id.clone()).collect()
    }

    /// Contracts (ids, sorted) with an audit `contact` decided (passed, or rejected).
    pub fn processed_ids_for(&self, contact: &str) -> Vec<String> {
        self.lock().contracts.values().filter(|c| c.audited_by(contact).is_some()).map(|c| c.id.clone()).collect()
    }

    /// Every contract (ids, sorted) that is `contact`'s: todo, submitted or processed.
    pub fn user_ids_for(&self, contact: &str) -> Vec<String> {
        let mut ids: Vec<String> =
            [self.todo_ids_for(contact), self.submitted_ids_for(contact), self.processed_ids_for(contact)].concat();
        ids.sort();
        ids.dedup();
        ids
    }

    /// The contract's detail as the tenant sends it now (operators asked for, wild patches applied).
    pub fn detail_json(&self, id: &str) -> Option<serde_json::Value> {
        let state = self.lock();
        state.contracts.get(id).map(|c| state.detail_json(c, true))
    }

    /// A contract's document ids.
    pub fn document_ids(&self, id: &str) -> Vec<String> {
        self.lock().contracts.get(id).map(|c| c.documents.iter().map(|d| d.id.clone()).collect()).unwrap_or_default()
    }

    /// A wild tenant's odd record by what it shows (`wild::seed`: `LONG_SUBJECT_TODO` …).
    pub fn wild_record(&self, what: &str) -> Option<String> {
        self.lock().wild.get(what).cloned()
    }

    /// How many contracts the tenant holds.
    pub fn contract_count(&self) -> usize {
        self.lock().contracts.len()
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

    /// The demo account as the client stores it: settings `{app_token, header_prefix,
    /// employee}` (the employee's mobile; on a private cloud, whose operators carry ids only,
    /// their user id), secrets `{app_secret}`.
    fn demo_account(&self, base_url: &str) -> crate::DemoAccount {
        let state = self.lock();
        let mut settings = serde_json::Map::new();
        settings.insert("app_token".into(), state.demo_app_token.clone().into());
        settings.insert("header_prefix".into(), state.header_prefix.clone().into());
        let employee = match state.edition {
            Edition::OpenV2 => &state.demo.contact,
            Edition::PrivateCloud => &state.demo.id,
        };
        settings.insert("employee".into(), employee.clone().into());
        let mut secrets = serde_json::Map::new();
        let secret = state.apps.get(&state.demo_app_token).cloned().unwrap_or_default();
        secrets.insert("app_secret".into(), secret.into());
        crate::DemoAccount { vendor: VENDOR.into(), base_url: base_url.into(), settings, secrets }
    }
}

#[cfg(test)]
mod http_tests;
