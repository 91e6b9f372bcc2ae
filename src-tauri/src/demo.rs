//! Demo mode: the vendor simulators run in-process on loopback and one clearly labelled demo
//! account per vendor points at them, so a new user can click through a live inbox.

use inbox_core::{AccountInput, Service};
use std::sync::Arc;

/// Seed and size of the demo data set.
const SEED: u64 = 1;
const APPROVALS: usize = 300;

/// The demo data set: fxiaoke's tenant stays small because every one of its approvals is read
/// once per sync under the vendor's rate limit, and the demo must fill the window in seconds.
fn demo_sizes() -> vendor_sim::Sizes {
    vendor_sim::Sizes::all(APPROVALS).fxiaoke_at_most(vendor_sim::fxiaoke::QUICK_SYNC_APPROVALS)
}

/// The name of a vendor's demo account.
pub fn account_name(vendor: &str) -> String {
    format!("演示 · {vendor}")
}

/// Starts the simulators (serving a real tenant's data when `wild`) and gives each a fresh demo
/// account (the simulators start anew each run, so yesterday's demo cache would only confuse).
pub async fn start(service: &Arc<Service>, wild: bool) -> anyhow::Result<vendor_sim::Running> {
    remove_accounts(service)?;
    let tenant = if wild { vendor_sim::Tenant::Wild } else { vendor_sim::Tenant::Tidy };
    let running = vendor_sim::start_tenants(([127, 0, 0, 1], 0).into(), SEED, demo_sizes(), tenant).await?;
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

/// zeyi has no list: the demo user's TMS sends a few approvals so the submitted box has zeyi
/// items, and the demo 则一 calls back with decisions on `callback_url`.
pub async fn send_zeyi_forms(service: &Service, running: &vendor_sim::Running, callback_url: String) {
    running.zeyi().set_callback_url(Some(callback_url));
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
        assert_eq!(
            demo_sizes(),
            vendor_sim::Sizes { approvals: APPROVALS, fxiaoke: vendor_sim::fxiaoke::QUICK_SYNC_APPROVALS }
        );
    }
}
