//! Local, stateful simulators of the vendor approval APIs the Approval Inbox talks to.
//!
//! Each vendor is a module written from that vendor's own API document (never shaped to suit
//! our client), with a seeded, realistic data set, inspection helpers for tests, and a fault
//! switch. Every vendor is a sibling module, started by [`start_all`] on a port of its own.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let running = vendor_sim::start_all("127.0.0.1".parse()?, 1, 200).await?;
//! for account in running.accounts() {
//!     println!("{}", serde_json::to_string(account)?);
//! }
//! # Ok(()) }
//! ```

pub mod common;
pub mod fxiaoke;
pub mod qiyuesuo;
pub mod weiwenjia;
pub mod wild;
pub mod yomicloud;
pub mod zeyi;
use std::net::{IpAddr, SocketAddr};

use anyhow::Context;
use serde::Serialize;
use serde_json::{Map, Value};

pub use common::{Fault, RunningServer, Simulator};
pub use wild::Tenant;

/// The vendors [`start_all`] starts, in port order.
pub const VENDORS: &[&str] = &[yomicloud::VENDOR, zeyi::VENDOR, fxiaoke::VENDOR, qiyuesuo::VENDOR, weiwenjia::VENDOR];

/// What a client needs to sign in to one simulator as its demo user. Serialises as exactly
/// `{"vendor","base_url","settings","secrets"}` (the account-settings shape of the client).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoAccount {
    pub vendor: String,
    pub base_url: String,
    pub settings: Map<String, Value>,
    pub secrets: Map<String, Value>,
}

/// Every simulator started by [`start_all`]; they stop when this is dropped.
#[derive(Debug)]
pub struct Running {
    accounts: Vec<DemoAccount>,
    yomicloud: yomicloud::Sim,
    zeyi: zeyi::Sim,
    fxiaoke: fxiaoke::Sim,
    qiyuesuo: qiyuesuo::Sim,
    weiwenjia: weiwenjia::Sim,
    servers: Vec<RunningServer>,
}

impl Running {
    /// One demo account per vendor, in [`VENDORS`] order.
    pub fn accounts(&self) -> &[DemoAccount] {
        &self.accounts
    }

    /// The demo account of `vendor`.
    pub fn account(&self, vendor: &str) -> Option<&DemoAccount> {
        self.accounts.iter().find(|a| a.vendor == vendor)
    }

    /// The yomicloud simulator (to inspect state or switch faults).
    pub fn yomicloud(&self) -> &yomicloud::Sim {
        &self.yomicloud
    }

    /// The zeyi (则一) simulator (to decide approvals, set the callback URL, inspect state).
    pub fn zeyi(&self) -> &zeyi::Sim {
        &self.zeyi
    }

    /// The fxiaoke simulator (to inspect state, expire tokens or switch faults).
    pub fn fxiaoke(&self) -> &fxiaoke::Sim {
        &self.fxiaoke
    }

    /// The qiyuesuo simulator (to inspect state or switch faults).
    pub fn qiyuesuo(&self) -> &qiyuesuo::Sim {
        &self.qiyuesuo
    }

    /// The weiwenjia simulator (to inspect state or switch faults).
    pub fn weiwenjia(&self) -> &weiwenjia::Sim {
        &self.weiwenjia
    }

    /// Stops every server, letting open requests finish briefly.
    /// How many vendor calls the five simulators received, all together.
    pub fn total_calls(&self) -> u64 {
        self.yomicloud().total_calls()
            + self.zeyi().total_calls()
            + self.fxiaoke().total_calls()
            + self.qiyuesuo().total_calls()
            + self.weiwenjia().total_calls()
    }

    pub async fn shutdown(self) {
        for server in self.servers {
            server.shutdown().await;
        }
    }
}

/// How many approvals each simulator is seeded with. A plain number seeds every vendor alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// yomicloud, zeyi, qiyuesuo and weiwenjia.
    pub approvals: usize,
    /// fxiaoke's 协同审批 items (about half as many CRM instances come with them).
    pub fxiaoke: usize,
}

impl Sizes {
    /// The same number for every vendor.
    pub const fn all(approvals: usize) -> Self {
        Sizes { approvals, fxiaoke: approvals }
    }

    /// `approvals` for every vendor whose whole tenant a client reads quickly, and a small
    /// tenant for a rate-limited one (fxiaoke: [`fxiaoke::QUICK_SYNC_APPROVALS`]): for a caller
    /// that needs a first sync in seconds (demo mode, tests) without naming a vendor.
    pub fn quick(approvals: usize) -> Self {
        Sizes::all(approvals).fxiaoke_at_most(fxiaoke::QUICK_SYNC_APPROVALS)
    }

    /// The same, with fxiaoke holding at most `cap`. A client reads every fxiaoke approval
    /// once per sync under a rate limit of about 60 calls per 20 s, so a caller that needs a
    /// quick sync (demo mode, tests) keeps that tenant small; see [`fxiaoke::QUICK_SYNC_APPROVALS`].
    pub fn fxiaoke_at_most(self, cap: usize) -> Self {
        Sizes { fxiaoke: self.fxiaoke.min(cap), ..self }
    }
}

impl From<usize> for Sizes {
    fn from(approvals: usize) -> Self {
        Sizes::all(approvals)
    }
}

/// Starts every vendor's simulator on `addr_ip`, each on its own free port.
pub async fn start_all(addr_ip: IpAddr, seed: u64, sizes: impl Into<Sizes>) -> anyhow::Result<Running> {
    start_all_at(SocketAddr::new(addr_ip, 0), seed, sizes).await
}

/// Like [`start_all`], but a non-zero port in `addr` is used by the first vendor and the
/// following vendors take the next ports (port 0 = a free port each).
pub async fn start_all_at(addr: SocketAddr, seed: u64, sizes: impl Into<Sizes>) -> anyhow::Result<Running> {
    start_tenants(addr, seed, sizes, Tenant::Tidy).await
}

/// Like [`start_all_at`], every simulator serving `tenant`'s data (a wild tenant: a real
/// tenant's unknown words, extra and missing fields).
pub async fn start_tenants(
    addr: SocketAddr,
    seed: u64,
    sizes: impl Into<Sizes>,
    tenant: Tenant,
) -> anyhow::Result<Running> {
    let Sizes { approvals, fxiaoke: fxiaoke_approvals } = sizes.into();
    let yomicloud = yomicloud::Sim::for_tenant(seed, approvals, tenant);
    let at = vendor_addr(addr, 0)?;
    let server = yomicloud.serve(at).await.with_context(|| format!("cannot listen for yomicloud on {at}"))?;
    let mut accounts = vec![yomicloud.demo_account(&server.base_url)];
    let mut servers = vec![server];

    let zeyi = zeyi::Sim::for_tenant(seed, approvals, tenant);
    // Demo mode: 则一's approvers decide what the demo user sends after a short while.
    zeyi.set_auto_decide(Some(ZEYI_DEMO_DECIDE_AFTER));
    let at = vendor_addr(addr, 1)?;
    let server = zeyi.serve(at).await.with_context(|| format!("cannot listen for zeyi on {at}"))?;
    accounts.push(zeyi.demo_account(&server.base_url));
    servers.push(server);

    // As many as asked: a caller that needs a quick sync caps it (`Sizes::fxiaoke_at_most`).
    let fxiaoke = fxiaoke::Sim::for_tenant(seed, fxiaoke_approvals, tenant);
    let at = vendor_addr(addr, 2)?;
    let server = fxiaoke.serve(at).await.with_context(|| format!("cannot listen for fxiaoke on {at}"))?;
    accounts.push(fxiaoke.demo_account(&server.base_url));
    servers.push(server);

    let qiyuesuo = qiyuesuo::Sim::for_tenant(seed, approvals, tenant);
    let at = vendor_addr(addr, 3)?;
    let server = qiyuesuo.serve(at).await.with_context(|| format!("cannot listen for qiyuesuo on {at}"))?;
    accounts.push(qiyuesuo.demo_account(&server.base_url));
    servers.push(server);

    let weiwenjia = weiwenjia::Sim::for_tenant(seed, approvals, tenant);
    let at = vendor_addr(addr, 4)?;
    let server = weiwenjia.serve(at).await.with_context(|| format!("cannot listen for weiwenjia on {at}"))?;
    accounts.push(weiwenjia.demo_account(&server.base_url));
    servers.push(server);
    Ok(Running { accounts, yomicloud, zeyi, fxiaoke, qiyuesuo, weiwenjia, servers })
}

/// How long the demo 则一 waits before approving what the demo user sent.
pub const ZEYI_DEMO_DECIDE_AFTER: std::time::Duration = std::time::Duration::from_secs(30);

/// The address of the `index`-th vendor: a free port, or the base port + `index`.
fn vendor_addr(addr: SocketAddr, index: u16) -> anyhow::Result<SocketAddr> {
    if addr.port() == 0 {
        return Ok(addr);
    }
    let port = addr.port().checked_add(index).context("port out of range")?;
    Ok(SocketAddr::new(addr.ip(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_ports_follow_each_other() {
        let base: SocketAddr = "127.0.0.1:9000".parse().unwrap();
        assert_eq!(vendor_addr(base, 2).unwrap().port(), 9002);
        let free: SocketAddr = "127.0.0.1:0".parse().unwrap();
        assert_eq!(vendor_addr(free, 3).unwrap().port(), 0);
    }

    #[tokio::test]
    async fn start_all_gives_a_working_demo_account() {
        let running = start_all("127.0.0.1".parse().unwrap(), 1, 20).await.unwrap();
        let account = running.account("yomicloud").unwrap();
        let me = running.yomicloud().demo_user();
        assert_eq!(account.settings["uid"], Value::String(me.uid.to_string()));
        assert_eq!(account.secrets["token"], Value::String(me.token.clone()));
        let line = serde_json::to_string(account).unwrap();
        assert!(line.starts_with(r#"{"vendor":"yomicloud","base_url":"http://127.0.0.1:"#), "{line}");
        let zeyi = running.account("zeyi").unwrap();
        assert_eq!(zeyi.settings["callback_app_key"], Value::String(running.zeyi().app().callback_app_key));
        assert!(zeyi.secrets.contains_key("app_secret") && zeyi.secrets.contains_key("callback_app_secret"));
        assert!(running.account("fxiaoke").unwrap().secrets.contains_key("permanent_code"));
        let qys = running.account("qiyuesuo").unwrap();
        let employee = running.qiyuesuo().demo_employee();
        assert_eq!(qys.settings["employee"], Value::String(employee.contact.clone()));
        assert!(!running.qiyuesuo().todo_ids_for(&employee.contact).is_empty());
        let wwj = running.account("weiwenjia").unwrap();
        let user = running.weiwenjia().demo_user();
        assert_eq!(wwj.secrets["access_token"], Value::String(user.token.clone()));
        assert!(!running.weiwenjia().todo_for(user.uid).is_empty());
        running.shutdown().await;
    }

    /// `vendor-sim serve --approvals N` passes N straight here: fxiaoke holds N too, above
    /// the 30 that demo mode keeps it to; a caller's cap applies to fxiaoke alone.
    #[tokio::test]
    async fn every_vendor_gets_the_size_asked_for_unless_fxiaoke_is_capped() {
        let fxiaoke_size = |r: &Running| r.fxiaoke().with_state(|s| s.approvals.len());
        let running = start_all("127.0.0.1".parse().unwrap(), 1, 45).await.unwrap();
        assert_eq!(fxiaoke_size(&running), 45);
        running.shutdown().await;

        let sizes = Sizes::quick(45);
        assert_eq!(sizes, Sizes { approvals: 45, fxiaoke: 30 });
        let running = start_all("127.0.0.1".parse().unwrap(), 1, sizes).await.unwrap();
        assert_eq!(fxiaoke_size(&running), 30);
        assert_eq!(running.weiwenjia().with_state(|s| s.records.len()), 45, "the cap is fxiaoke's alone");
        running.shutdown().await;
    }
}
