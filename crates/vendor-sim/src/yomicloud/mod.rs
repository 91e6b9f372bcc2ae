//! Simulator of the **yomicloud** approval API (a Chinese cloud drive), built from the vendor's
//! API page (`shared/vendor-docs/002_9890910c0df14ac0.txt`) and the choices recorded in
//! `docs/yomicloud-protocol.md`.
//!
//! [`Sim`] holds the whole drive behind a lock; [`Sim::serve`] puts it on a real socket, and the
//! inspection helpers let a test check what a client did to it.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use vendor_sim::Simulator;
//! let sim = vendor_sim::yomicloud::Sim::new(1, 200);
//! let server = sim.serve("127.0.0.1:0".parse().unwrap()).await?;
//! let me = sim.demo_user();
//! println!("{} token={} todo={:?}", server.base_url, me.token, sim.todo_ids_for(me.uid));
//! # Ok(()) }
//! ```

pub mod api;
pub mod error;
pub mod files;
pub mod routes;
pub mod seed;
pub mod state;
pub mod tenant;
pub mod views;

use std::sync::{Arc, Mutex};

pub use crate::wild::Tenant;
pub use error::ApiError;
pub use state::State;

use crate::common::{FaultSwitch, Simulator, StateEvents};

/// The vendor identifier used in config, CLI and UI.
pub const VENDOR: &str = "yomicloud";

/// A user as a test sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimUser {
    pub uid: i64,
    pub username: String,
    pub realname: String,
    pub token: String,
}

impl From<&state::User> for SimUser {
    fn from(u: &state::User) -> Self {
        SimUser { uid: u.uid, username: u.username.clone(), realname: u.realname.clone(), token: u.token.clone() }
    }
}

/// A running-or-not yomicloud simulator. Clones share the same drive.
#[derive(Debug, Clone)]
pub struct Sim {
    pub(crate) state: Arc<Mutex<State>>,
    pub(crate) faults: FaultSwitch,
}

impl Sim {
    /// A tenant of `tenant`'s kind: [`Tenant::Wild`] serves a real tenant's data: odd records
    /// besides the seeded ones ([`tenant`]), every reply with fields no document lists
    /// (`wild.rs`), and `create-approval` replies without the `id`.
    pub fn for_tenant(seed: u64, approvals: usize, tenant: Tenant) -> Self {
        let mut state = seed::generate(seed, approvals);
        if tenant == Tenant::Wild {
            tenant::seed(&mut state, crate::common::now_secs());
        }
        let sim = Self::from_state(state);
        sim.faults.set_wild(tenant == Tenant::Wild);
        sim
    }

    /// The odd records of a wild tenant (`None` for a tidy one).
    pub fn wild_ids(&self) -> Option<tenant::WildIds> {
        self.lock().wild.clone()
    }

    /// A drive seeded deterministically by `seed` with `approvals` approvals (see [`seed`]).
    pub fn new(seed: u64, approvals: usize) -> Self {
        Self::from_state(seed::generate(seed, approvals))
    }

    /// A simulator over a state built by hand.
    pub fn from_state(state: State) -> Self {
        let state = Arc::new(Mutex::new(state));
        let events = StateEvents { expire_credentials: StateEvents::on(&state, State::expire_tokens), arrive: None };
        Sim { state, faults: FaultSwitch::with_events(events) }
    }

    /// The demo account's user (not the admin): it has items in every box.
    pub fn demo_user(&self) -> SimUser {
        let state = self.lock();
        state.users.get(&state.demo_uid).map(SimUser::from).expect("a seeded drive has a demo user")
    }

    /// A user by uid.
    pub fn user(&self, uid: i64) -> Option<SimUser> {
        self.lock().users.get(&uid).map(SimUser::from)
    }

    /// Every user, by uid.
    pub fn users(&self) -> Vec<SimUser> {
        self.lock().users.values().map(SimUser::from).collect()
    }

    /// An approval's `status` (0 pending, 1 approved, 2 rejected, 3 failed); `None` if absent.
    pub fn approval_status(&self, id: i64) -> Option<i64> {
        self.lock().approvals.get(&id).map(|a| a.status)
    }

    /// The `status2` of `uid`'s approver row in approval `aid`. A user on several steps has
    /// several rows: the answer is from the row they can act on now, else their first row.
    pub fn approver_status2(&self, aid: i64, uid: i64) -> Option<i64> {
        let state = self.lock();
        let a = state.approvals.get(&aid)?;
        if let Some(row) = a.actionable_row(uid) {
            return Some(row.status2);
        }
        a.rows.iter().find(|r| r.uid == uid && r.utype == state::UTYPE_APPROVER).map(|r| r.status2)
    }

    /// Approvals `uid` can act on right now (todo), newest first.
    pub fn todo_ids_for(&self, uid: i64) -> Vec<i64> {
        self.lock().todo_ids(uid)
    }

    /// Approvals `uid` submitted, newest first.
    pub fn submitted_ids_for(&self, uid: i64) -> Vec<i64> {
        self.lock().created_by(uid).iter().map(|a| a.id).collect()
    }

    /// Approvals in which `uid` already agreed or refused, newest first.
    pub fn processed_ids_for(&self, uid: i64) -> Vec<i64> {
        let state = self.lock();
        let done = |a: &&state::Approval| {
            a.rows.iter().any(|r| r.uid == uid && r.utype == state::UTYPE_APPROVER && r.status2 != 0)
        };
        state.approver_of(uid).into_iter().filter(done).map(|a| a.id).collect()
    }

    /// Approvals `uid` is cc'd on, newest first.
    pub fn cc_ids_for(&self, uid: i64) -> Vec<i64> {
        self.lock().cc_of(uid).iter().map(|a| a.id).collect()
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

    /// The demo account as the client stores it: settings `{"uid"}`, secrets `{"token"}`.
    fn demo_account(&self, base_url: &str) -> crate::DemoAccount {
        let me = self.demo_user();
        let mut settings = serde_json::Map::new();
        settings.insert("uid".into(), me.uid.to_string().into());
        let mut secrets = serde_json::Map::new();
        secrets.insert("token".into(), me.token.into());
        crate::DemoAccount { vendor: VENDOR.into(), base_url: base_url.into(), settings, secrets }
    }
}

#[cfg(test)]
mod http_tests;
