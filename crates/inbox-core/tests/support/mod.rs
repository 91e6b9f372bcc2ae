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

/// What issue 13 asks of a sync against a wild tenant (`vendor_sim::Tenant::Wild`): the sync
/// succeeds however odd the records (one record failing never fails the account), every
/// record the vendor lists for the user (`expected`, remote ids) is in the cache, the readable
/// ones in full and the rest as placeholders that say why and offer no action, and the
/// account's status counts them. Returns (readable, placeholders).
#[allow(dead_code)] // each test binary uses its own part of this module
pub async fn assert_wild_sync(service: &Service, account: i64, expected: &[String]) -> (usize, usize) {
    use inbox_core::ListQuery;
    let report =
        service.sync_account(account).await.unwrap_or_else(|e| panic!("a wild tenant's sync must not fail: {e}"));
    let page = service.list(&ListQuery { account_id: Some(account), limit: 500, ..Default::default() }).unwrap();
    assert!(page.total <= 500, "the check reads one page");
    let cached: std::collections::HashMap<&str, &inbox_core::ApprovalSummary> =
        page.items.iter().map(|a| (a.remote_id.as_str(), a)).collect();
    let missing: Vec<&String> = expected.iter().filter(|id| !cached.contains_key(id.as_str())).collect();
    assert!(missing.is_empty(), "every listed record is in the cache; missing: {missing:?}");
    let (mut readable, mut placeholders) = (0, 0);
    for a in page.items.iter().filter(|a| expected.contains(&a.remote_id)) {
        match &a.unreadable {
            Some(why) => {
                placeholders += 1;
                assert!(!why.reason.is_empty() && !why.call.is_empty(), "{} says why: {why:?}", a.remote_id);
                assert!(a.actions.is_empty(), "{} offers nothing while unreadable", a.remote_id);
            }
            None => {
                readable += 1;
                let full = service.approval(a.id).unwrap();
                assert!(!full.remote.title.trim().is_empty(), "{} has a title", a.remote_id);
            }
        }
    }
    let state = service.account(&account.to_string()).unwrap().sync;
    assert!(state.last_error.is_none(), "{state:?}");
    let unreadable = page.items.iter().filter(|a| a.unreadable.is_some()).count() as u64;
    assert_eq!(state.last_unreadable, Some(unreadable), "the status counts the placeholders: {state:?}");
    assert_eq!(report.unreadable as u64, unreadable, "the sync reports each record it could not read, and only those");
    assert_eq!(state.last_count, Some(page.total), "{state:?}");
    (readable, placeholders)
}
