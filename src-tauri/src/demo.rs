//! Demo mode: the vendor simulators run in-process on loopback and one clearly labelled demo
//! account per vendor points at them, so a new user can click through a live inbox. 则一 is
//! reached as a company reaches it: through an in-process relay (`inbox_relay`, SQLite in the
//! data folder) that calls the simulated 则一 from its whitelisted address and receives its
//! callbacks; the demo zeyi account is in relay mode and pulls its results.

use inbox_core::{AccountInput, Service};
use inbox_relay::config::{Storage, ZeyiConfig};
use inbox_relay::RelayServer;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

/// Seed and size of the demo data set.
const SEED: u64 = 1;
const APPROVALS: usize = 300;

/// The demo data set: fxiaoke's tenant stays small because every one of its approvals is read
/// once per sync under the vendor's rate limit, and the demo must fill the window in seconds.
fn demo_sizes() -> vendor_sim::Sizes {
    vendor_sim::Sizes::quick(APPROVALS)
}

/// The name of a vendor's demo account.
pub fn account_name(vendor: &str) -> String {
    format!("演示 · {vendor}")
}

/// The address the demo relay calls 则一 from: the only one the simulated 则一 admits, as a real
/// 则一 admits only the company's whitelisted server.
const RELAY_OUTBOUND: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// What demo mode runs in-process; everything stops when it drops (with the app).
pub struct Demo {
    _sims: vendor_sim::Running,
    _relay: RelayServer,
}

/// Starts the simulators (serving a real tenant's data when `wild`) and the relay in front of
/// 则一, and gives each vendor a fresh demo account (the simulators start anew each run, so
/// yesterday's demo cache would only confuse).
pub async fn start(service: &Arc<Service>, data_dir: &std::path::Path, wild: bool) -> anyhow::Result<Demo> {
    remove_accounts(service)?;
    let tenant = if wild { vendor_sim::Tenant::Wild } else { vendor_sim::Tenant::Tidy };
    let sims = vendor_sim::start_tenants(([127, 0, 0, 1], 0).into(), SEED, demo_sizes(), tenant).await?;
    let (relay, token) = start_relay(&sims, &data_dir.join("demo-relay")).await?;
    for demo in sims.accounts() {
        let mut input = AccountInput {
            vendor: demo.vendor.parse().map_err(anyhow::Error::msg)?,
            name: account_name(&demo.vendor),
            base_url: demo.base_url.clone(),
            settings: demo.settings.clone(),
            secrets: inbox_core::secrets::Secrets(demo.secrets.clone()),
        };
        if input.vendor == inbox_core::Vendor::Zeyi {
            via_relay(&mut input, &relay.base_url, &token);
        }
        service.upsert_demo_account(input)?;
    }
    Ok(Demo { _sims: sims, _relay: relay })
}

/// The relay in front of the simulated 则一 (SQLite in `dir`, started empty: the simulator's keys
/// are new each run), the simulator's whitelist set to the relay's address and its callbacks
/// sent to the relay; the demo user's token.
async fn start_relay(sims: &vendor_sim::Running, dir: &std::path::Path) -> anyhow::Result<(RelayServer, String)> {
    let zeyi = sims.zeyi();
    let base_url =
        sims.account("zeyi").map(|a| a.base_url.clone()).ok_or_else(|| anyhow::anyhow!("no zeyi simulator"))?;
    let app = zeyi.app();
    let config = ZeyiConfig {
        base_url,
        app_key: app.app_key,
        app_secret: app.app_secret,
        encrypt: app.encrypt,
        iv: app.iv,
        callback_app_key: app.callback_app_key,
        callback_app_secret: app.callback_app_secret,
        timeout: Duration::from_secs(10),
        outbound_addr: Some(RELAY_OUTBOUND),
    };
    if let Err(e) = std::fs::remove_dir_all(dir) {
        if e.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!("demo: cannot clear the demo relay's folder {}: {e}", dir.display());
        }
    }
    let db = inbox_relay::db::Db::connect_server(&Storage::Sqlite { data_dir: dir.to_path_buf() }).await?;
    let (_, token) = inbox_relay::add_user(&db, vendor_sim::zeyi::seed::DEMO_USERNAME, "演示用户").await?;
    let defaults = inbox_relay::config::Config::new(Storage::Sqlite { data_dir: dir.to_path_buf() }, None);
    let relay = inbox_relay::start_with(
        ([127, 0, 0, 1], 0).into(),
        &config,
        db,
        defaults.retention,
        defaults.max_poll,
        defaults.callback_limits,
    )
    .await?;
    zeyi.set_whitelist(Some(vec![RELAY_OUTBOUND]));
    zeyi.set_callback_url(Some(relay.callback_url()));
    tracing::info!(relay = %relay.base_url, "demo: 则一 is reached through an in-process relay");
    Ok((relay, token))
}

/// The demo zeyi account in relay mode: the relay's URL and the token; 则一's keys stay with
/// the relay.
fn via_relay(input: &mut AccountInput, relay_url: &str, token: &str) {
    let username = input.settings.get("username").cloned().unwrap_or_default();
    input.settings = serde_json::Map::new();
    input.settings.insert("mode".into(), inbox_core::connectors::zeyi::VIA_RELAY.into());
    input.settings.insert("relay_url".into(), relay_url.into());
    input.settings.insert("username".into(), username);
    input.secrets =
        inbox_core::secrets::Secrets(serde_json::Map::from_iter([("relay_token".to_string(), token.into())]));
}

/// Outside demo mode the demo accounts (whose simulators are gone) leave.
pub fn remove_accounts(service: &Service) -> anyhow::Result<()> {
    for account in service.accounts()?.into_iter().filter(|a| a.demo) {
        service.remove_account(account.id)?;
    }
    Ok(())
}

/// zeyi has no list: the demo user's TMS sends a few approvals (through the relay) so the
/// submitted box has zeyi items; the demo 则一 calls the relay back with its decisions.
pub async fn send_zeyi_forms(service: &Service) {
    let Some(account) =
        service.accounts().ok().and_then(|a| a.into_iter().find(|a| a.demo && a.vendor == inbox_core::Vendor::Zeyi))
    else {
        return;
    };
    for form in vendor_sim::zeyi::seed::demo_forms() {
        let sent = match inbox_core::connectors::zeyi::submission_from_form(&form) {
            Ok(submission) => service
                .submit(account.id, &submission, inbox_core::Progress::ignore())
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = sent {
            tracing::warn!("demo: sending a zeyi approval failed: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_keeps_fxiaoke_small_and_every_other_vendor_full() {
        let sizes = demo_sizes();
        assert_eq!(sizes.approvals, APPROVALS);
        assert!(sizes.fxiaoke < APPROVALS / 4, "{sizes:?}");
    }
}
