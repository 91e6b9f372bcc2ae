//! Simulator of **契约锁 (qiyuesuo)**'s open platform as the inbox uses it, built from the vendor
//! document (`shared/vendor-docs/003_11933da6b3777b46.txt`: `employeeaudit`), the vendor README
//! (signed headers, envelopes, `contract/list`, `contract/detail`, `pageurl`) and the choices in
//! `docs/qiyuesuo-protocol.md`.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sim = vendor_sim::qiyuesuo::Sim::new(1, 200);
//! let server = sim.serve("127.0.0.1:0".parse().unwrap()).await?;
//! println!("{} todo={:?}", server.base_url, sim.todo_ids_for(&sim.demo_employee().contact));
//! # Ok(()) }
//! ```

pub mod error;
pub mod routes;
pub mod seed;
pub mod state;

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

pub use crate::wild::Tenant;
use crate::common::{Fault, RunningServer};
pub use error::ApiError;
pub use state::{Person, State};

use crate::common::{serve_vendor, FaultSwitch, StateEvents};

/// The vendor identifier used in config, CLI and UI.
pub const VENDOR: &str = "qiyuesuo";

/// A running-or-not qiyuesuo simulator. Clones share the same tenant.
#[derive(Debug, Clone)]
pub struct Sim {
    pub(crate) state: Arc<Mutex<State>>,
    pub(crate) faults: FaultSwitch,
}

impl Sim {
    /// A tenant of `tenant`'s kind: [`Tenant::Wild`] serves a real tenant's data (every reply
    /// with fields no document lists, see `wild.rs`).
    pub fn for_tenant(seed: u64, contracts: usize, tenant: Tenant) -> Self {
        let sim = Self::new(seed, contracts);
        sim.faults.set_wild(tenant == Tenant::Wild);
        sim
    }

    /// A tenant seeded deterministically by `seed` with about `contracts` contracts.
    pub fn new(seed: u64, contracts: usize) -> Self {
        Self::from_state(seed::generate(seed, contracts))
    }

    pub fn from_state(state: State) -> Self {
        let state = Arc::new(Mutex::new(state));
        let events = StateEvents { expire_credentials: StateEvents::on(&state, State::expire_tokens), arrive: StateEvents::on(&state, State::arrive) };
        Sim { state, faults: FaultSwitch::with_events(events) }
    }

    pub async fn serve(&self, addr: SocketAddr) -> io::Result<RunningServer> {
        let server = serve_vendor(VENDOR, routes::router(self.clone()), addr).await?;
        Ok(server)
    }

    pub fn router(&self) -> axum::Router {
        routes::router(self.clone())
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the tenant (for tests that need more than the helpers below).
    pub fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.lock())
    }

    /// The demo account's employee (陈思远): audits await them now.
    pub fn demo_employee(&self) -> Person {
        self.lock().demo.clone()
    }

    /// Switches the header prefix this deployment expects (`x-qys-` = private cloud).
    pub fn set_header_prefix(&self, prefix: &str) {
        self.lock().header_prefix = prefix.to_string();
    }

    /// A contract's status (`SIGNING`, `REJECTED` …); `None` if absent.
    pub fn contract_status(&self, id: &str) -> Option<String> {
        self.lock().contracts.get(id).map(|c| c.status.to_string())
    }

    /// The decision recorded on the audit action `contact` was asked for in contract `id`
    /// (`Some((pass, comment))`), `None` while undecided or if there is none.
    pub fn audit_of(&self, id: &str, contact: &str) -> Option<(bool, String)> {
        let state = self.lock();
        let c = state.contracts.get(id)?;
        c.signatories
            .iter()
            .flat_map(|s| &s.actions)
            .filter(|a| a.kind == state::AUDIT && a.operators.iter().any(|p| p.contact == contact))
            .find_map(|a| a.audit.as_ref().map(|r| (r.pass, r.comment.clone())))
    }

    /// Contracts (ids, sorted) in `SIGNING` whose current action is an audit with `contact`
    /// among its operators: what the inbox must show as todo.
    pub fn todo_ids_for(&self, contact: &str) -> Vec<String> {
        let state = self.lock();
        state
            .contracts
            .values()
            .filter(|c| c.status == "SIGNING")
            .filter(|c| {
                c.current_action().is_some_and(|(si, ai)| {
                    let a = &c.signatories[si].actions[ai];
                    a.kind == state::AUDIT && a.status == state::START && a.operators.iter().any(|p| p.contact == contact)
                })
            })
            .map(|c| c.id.clone())
            .collect()
    }

    /// Contracts (ids, sorted) `contact` created.
    pub fn submitted_ids_for(&self, contact: &str) -> Vec<String> {
        self.lock().contracts.values().filter(|c| c.creator.contact == contact).map(|c| c.id.clone()).collect()
    }

    /// Contracts (ids, sorted) with an audit `contact` decided.
    pub fn processed_ids_for(&self, contact: &str) -> Vec<String> {
        let state = self.lock();
        let did = |c: &&state::Contract| {
            c.signatories.iter().flat_map(|s| &s.actions).any(|a| a.audit.as_ref().is_some_and(|r| r.auditor.contact == contact))
        };
        state.contracts.values().filter(did).map(|c| c.id.clone()).collect()
    }

    /// How many contracts the tenant holds.
    pub fn contract_count(&self) -> usize {
        self.lock().contracts.len()
    }

    pub fn set_fault(&self, fault: Option<Fault>) {
        self.faults.set(fault);
    }

    /// Makes only the next `times` vendor calls fail as `fault` says.
    pub fn set_fault_times(&self, fault: Fault, times: u32) {
        self.faults.set_times(fault, times);
    }

    pub fn fault(&self) -> Option<Fault> {
        self.faults.get()
    }

    /// How many calls `path` has received (faulted ones included).
    pub fn calls(&self, path: &str) -> usize {
        self.faults.calls(path)
    }

    /// The demo account as the client stores it: settings `{app_token, header_prefix,
    /// employee}`, secrets `{app_secret}`.
    pub fn demo_account(&self, base_url: &str) -> crate::DemoAccount {
        let state = self.lock();
        let mut settings = serde_json::Map::new();
        settings.insert("app_token".into(), state.demo_app_token.clone().into());
        settings.insert("header_prefix".into(), state.header_prefix.clone().into());
        settings.insert("employee".into(), state.demo.contact.clone().into());
        let mut secrets = serde_json::Map::new();
        let secret = state.apps.get(&state.demo_app_token).cloned().unwrap_or_default();
        secrets.insert("app_secret".into(), secret.into());
        crate::DemoAccount { vendor: VENDOR.into(), base_url: base_url.into(), settings, secrets }
    }
}

#[cfg(test)]
mod http_tests;
