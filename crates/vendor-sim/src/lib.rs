//! Local, stateful simulators of the vendor approval APIs the Approval Inbox talks to.
//!
//! Each vendor is a module written from that vendor's own API document (never shaped to suit
//! our client), with a seeded, realistic data set, inspection helpers for tests, and a fault
//! switch. Only **yomicloud** exists so far; zeyi, fxiaoke, qiyuesuo and weiwenjia will be
//! sibling modules started by [`start_all`] on ports of their own.
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
pub mod weiwenjia;
pub mod yomicloud;

use std::net::{IpAddr, SocketAddr};

use anyhow::Context;
use serde::Serialize;
use serde_json::{Map, Value};

pub use common::{Fault, RunningServer};

/// The vendors [`start_all`] starts, in port order.
pub const VENDORS: &[&str] = &[yomicloud::VENDOR, weiwenjia::VENDOR];

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

    /// The weiwenjia simulator (to inspect state or switch faults).
    pub fn weiwenjia(&self) -> &weiwenjia::Sim {
        &self.weiwenjia
    }

    /// Stops every server, letting open requests finish briefly.
    pub async fn shutdown(self) {
        for server in self.servers {
            server.shutdown().await;
        }
    }
}

/// Starts every vendor's simulator on `addr_ip`, each on its own free port.
pub async fn start_all(addr_ip: IpAddr, seed: u64, approvals: usize) -> anyhow::Result<Running> {
    start_all_at(SocketAddr::new(addr_ip, 0), seed, approvals).await
}

/// Like [`start_all`], but a non-zero port in `addr` is used by the first vendor and the
/// following vendors take the next ports (port 0 = a free port each).
pub async fn start_all_at(addr: SocketAddr, seed: u64, approvals: usize) -> anyhow::Result<Running> {
    let yomicloud = yomicloud::Sim::new(seed, approvals);
    let at = vendor_addr(addr, 0)?;
    let server = yomicloud.serve(at).await.with_context(|| format!("cannot listen for yomicloud on {at}"))?;
    let mut accounts = vec![yomicloud.demo_account(&server.base_url)];
    let mut servers = vec![server];
    let weiwenjia = weiwenjia::Sim::new(seed, approvals);
    let at = vendor_addr(addr, VENDORS.iter().position(|v| *v == weiwenjia::VENDOR).unwrap_or(1) as u16)?;
    let server = weiwenjia.serve(at).await.with_context(|| format!("cannot listen for weiwenjia on {at}"))?;
    accounts.push(weiwenjia.demo_account(&server.base_url));
    servers.push(server);
    Ok(Running { accounts, yomicloud, weiwenjia, servers })
}

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
        running.shutdown().await;
    }

    #[tokio::test]
    async fn start_all_gives_a_weiwenjia_demo_account() {
        let running = start_all("127.0.0.1".parse().unwrap(), 1, 20).await.unwrap();
        let account = running.account("weiwenjia").unwrap();
        let me = running.weiwenjia().demo_user();
        assert_eq!(account.settings["platform"], Value::String(me.platform.clone()));
        assert_eq!(account.secrets["access_token"], Value::String(me.token.clone()));
        assert!(!running.weiwenjia().todo_for(me.uid).is_empty());
        running.shutdown().await;
    }
}
