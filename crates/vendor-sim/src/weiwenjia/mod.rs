//! Simulator of the **weiwenjia** (励销云 / 爱客CRM) approval center, built from the vendor's
//! pages (the list document `shared/vendor-docs/004_e918e302d613e5de.txt`, 获取审批流信息 for the
//! detail, the CRM and aPaaS field pages for field types and value shapes), the vendor README
//! and the choices in `docs/weiwenjia-protocol.md`: `GET /api/v1/approval_center/list` (three
//! scopes, filters, paging), `GET /api/v1/execute_records/detail` (permission flags, node
//! history) and `POST /api/v1/execute_records/{id}/perform` (pass / reject / cancel). A wild
//! tenant (`Sim::for_tenant(.., Tenant::Wild)`) serves a real tenant's oddities (`wild.rs`).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use vendor_sim::Simulator;
//! let sim = vendor_sim::weiwenjia::Sim::new(1, 200);
//! let server = sim.serve("127.0.0.1:0".parse().unwrap()).await?;
//! let me = sim.demo_user();
//! println!("{} token={} todo={:?}", server.base_url, me.token, sim.todo_for(me.uid));
//! # Ok(()) }
//! ```

pub mod error;
pub mod routes;
pub mod seed;
pub mod state;
pub mod wild;

use std::sync::{Arc, Mutex};

pub use crate::wild::Tenant;
pub use error::ApiError;
pub use state::State;

use crate::common::{FaultSwitch, Simulator, StateEvents};
use state::{Filters, Scope};

/// The vendor identifier used in config, CLI and UI.
pub const VENDOR: &str = "weiwenjia";

/// A user as a test sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimUser {
    pub uid: i64,
    pub name: String,
    pub platform: String,
    pub token: String,
}

impl From<&state::User> for SimUser {
    fn from(u: &state::User) -> Self {
        SimUser { uid: u.uid, name: u.name.clone(), platform: u.platform.clone(), token: u.token.clone() }
    }
}

/// An approval as a test names it: the remote id the client uses (`entity_type:entity_id`).
pub fn remote_id(r: &state::Record) -> String {
    format!("{}:{}", r.entity_type, r.entity_id)
}

/// A running-or-not weiwenjia simulator. Clones share the same approval center.
#[derive(Debug, Clone)]
pub struct Sim {
    pub(crate) state: Arc<Mutex<State>>,
    pub(crate) faults: FaultSwitch,
}

impl Sim {
    /// A tenant of `tenant`'s kind: [`Tenant::Wild`] serves a real tenant's data: records with
    /// unknown words, field types and value shapes, gaps, long and odd texts, a few unreadable
    /// (`weiwenjia/wild.rs`), and every reply with fields no document lists (`crate::wild`).
    pub fn for_tenant(seed: u64, records: usize, tenant: Tenant) -> Self {
        let mut state = seed::generate(seed, records);
        if tenant == Tenant::Wild {
            wild::seed(&mut state, seed);
        }
        let sim = Self::from_state(state);
        sim.faults.set_wild(tenant == Tenant::Wild);
        sim
    }

    /// An approval center seeded deterministically by `seed` with `records` execute records.
    pub fn new(seed: u64, records: usize) -> Self {
        Self::from_state(seed::generate(seed, records))
    }

    /// A simulator over a state built by hand.
    pub fn from_state(state: State) -> Self {
        let state = Arc::new(Mutex::new(state));
        let events = StateEvents {
            expire_credentials: StateEvents::on(&state, State::expire_tokens),
            arrive: StateEvents::on(&state, State::arrive),
        };
        Sim { state, faults: FaultSwitch::with_events(events) }
    }

    /// The demo account's user (王晓明, platform `lixiaoyun`): items in every scope.
    pub fn demo_user(&self) -> SimUser {
        let state = self.lock();
        state.users.get(&state.demo_uid).map(SimUser::from).expect("a seeded center has a demo user")
    }

    pub fn user(&self, uid: i64) -> Option<SimUser> {
        self.lock().users.get(&uid).map(SimUser::from)
    }

    pub fn users(&self) -> Vec<SimUser> {
        self.lock().users.values().map(SimUser::from).collect()
    }

    fn ids(&self, uid: i64, scope: Scope) -> Vec<String> {
        self.lock().scope(uid, scope, &Filters::default()).into_iter().map(remote_id).collect()
    }

    /// Remote ids `uid` can pass or reject now (scope `todo`), newest first.
    pub fn todo_for(&self, uid: i64) -> Vec<String> {
        self.ids(uid, Scope::Todo)
    }

    /// Remote ids `uid` submitted (scope `submission`), newest first.
    pub fn submitted_for(&self, uid: i64) -> Vec<String> {
        self.ids(uid, Scope::Submission)
    }

    /// Remote ids `uid` decided on (scope `processed`), newest first.
    pub fn processed_for(&self, uid: i64) -> Vec<String> {
        self.ids(uid, Scope::Processed)
    }

    /// Remote ids `uid` may withdraw now.
    pub fn cancellable_for(&self, uid: i64) -> Vec<String> {
        self.lock()
            .scope(uid, Scope::Submission, &Filters::default())
            .into_iter()
            .filter(|r| r.can_cancel(uid))
            .map(remote_id)
            .collect()
    }

    fn record<R>(&self, remote: &str, f: impl FnOnce(&state::Record) -> R) -> Option<R> {
        let state = self.lock();
        state.records.values().find(|r| remote_id(r) == remote).map(f)
    }

    /// What a wild tenant's record shows on top of the documents' shapes (empty when tidy).
    pub fn oddities(&self, remote: &str) -> Vec<wild::Oddity> {
        self.record(remote, |r| r.wild.clone()).unwrap_or_default()
    }

    /// A record's status word (`applying`, `pass`, `veto`, `revocation`).
    pub fn status(&self, remote: &str) -> Option<&'static str> {
        self.record(remote, |r| r.status.as_str())
    }

    /// The index of the node waiting for decisions.
    pub fn current_node(&self, remote: &str) -> Option<usize> {
        self.record(remote, |r| r.current)
    }

    /// The (action, opinion) pairs `uid` took on a record, in order.
    pub fn decisions_of(&self, remote: &str, uid: i64) -> Vec<(&'static str, String)> {
        self.record(remote, |r| {
            let mut out: Vec<_> = r
                .nodes
                .iter()
                .flat_map(|n| &n.decisions)
                .filter(|d| d.uid == uid)
                .map(|d| (d.verb.as_str(), d.opinion.clone()))
                .collect();
            out.extend(r.cancelled.iter().filter(|d| d.uid == uid).map(|d| (d.verb.as_str(), d.opinion.clone())));
            out
        })
        .unwrap_or_default()
    }

    /// The approvers of a record's current node who have not decided yet.
    pub fn waiting_approvers(&self, remote: &str) -> Vec<i64> {
        self.record(remote, |r| {
            r.nodes
                .get(r.current)
                .map(|n| n.approvers.iter().copied().filter(|u| r.can_approve(*u)).collect())
                .unwrap_or_default()
        })
        .unwrap_or_default()
    }

    /// Replaces a user's token (the old one is refused from now on, as after 重新登录) and
    /// returns the new one.
    pub fn rotate_token(&self, uid: i64) -> Option<String> {
        let mut state = self.lock();
        let user = state.users.get_mut(&uid)?;
        user.token = format!("{}r", user.token);
        Some(user.token.clone())
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

    /// The demo account as the client stores it: settings `{"platform", "uid"}`, secrets
    /// `{"access_token"}`.
    fn demo_account(&self, base_url: &str) -> crate::DemoAccount {
        let me = self.demo_user();
        let mut settings = serde_json::Map::new();
        settings.insert("platform".into(), me.platform.into());
        settings.insert("uid".into(), me.uid.to_string().into());
        let mut secrets = serde_json::Map::new();
        secrets.insert("access_token".into(), me.token.into());
        crate::DemoAccount { vendor: VENDOR.into(), base_url: base_url.into(), settings, secrets }
    }
}

#[cfg(test)]
mod http_tests;
