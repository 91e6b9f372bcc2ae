//! What the integration tests against the simulators share: putting a simulator's demo account
//! into a real cache the way the app's demo mode does (secrets kept in memory).

use inbox_core::secrets::Secrets;
use inbox_core::{AccountInput, Service};

/// Adds (or repoints) the demo account `demo` under `name`; returns its id.
pub fn add_demo(service: &Service, name: &str, demo: &vendor_sim::DemoAccount) -> i64 {
    let input = AccountInput {
        vendor: demo.vendor.parse().expect("the simulators speak the vendors' own identifiers"),
        name: name.into(),
        base_url: demo.base_url.clone(),
        settings: demo.settings.clone(),
        secrets: Secrets(demo.secrets.clone()),
    };
    service.upsert_demo_account(input).unwrap().id
}
