//! Demo mode: the vendor simulators run in-process on loopback and one clearly labelled demo
//! account per vendor points at them, so a new user can click through a live inbox.

use inbox_core::{AccountInput, Service};
use std::sync::Arc;

/// Seed and size of the demo data set.
const SEED: u64 = 1;
const APPROVALS: usize = 300;

/// The name of a vendor's demo account.
pub fn account_name(vendor: &str) -> String {
    format!("演示 · {vendor}")
}

/// Starts the simulators and points the demo accounts at them.
pub async fn start(service: &Arc<Service>) -> anyhow::Result<vendor_sim::Running> {
    let running = vendor_sim::start_all([127, 0, 0, 1].into(), SEED, APPROVALS).await?;
    for demo in running.accounts() {
        let input = AccountInput {
            vendor: demo.vendor.parse().map_err(anyhow::Error::msg)?,
            name: account_name(&demo.vendor),
            base_url: demo.base_url.clone(),
            settings: demo.settings.clone(),
            secrets: inbox_core::secrets::Secrets(demo.secrets.clone()),
        };
        service.upsert_demo_account(input)?;
    }
    Ok(running)
}

/// Outside demo mode the demo accounts (whose simulators are gone) leave.
pub fn remove_accounts(service: &Service) -> anyhow::Result<()> {
    for account in service.accounts()?.into_iter().filter(|a| a.demo) {
        service.remove_account(account.id)?;
    }
    Ok(())
}
