//! What the integration tests against the simulators share: a simulator served over real HTTP
//! with its demo account in a real cache ([`World`]), put there the way the app's demo mode
//! does (secrets kept in memory), and the checks of a wild tenant's sync.
#![allow(dead_code)] // each test binary uses its own part of this module

use inbox_core::secrets::Secrets;
use inbox_core::{AccountInput, Service};
use std::sync::Arc;
use vendor_sim::common::RunningServer;
use vendor_sim::{DemoAccount, Simulator};

/// A simulator of any vendor served on a free loopback port, a cache in a fresh directory, and
/// the simulator's demo account in it: where a test against a simulator starts.
pub struct World<S> {
    pub sim: S,
    pub server: RunningServer,
    /// The base URL the account uses (the server's, unless a test put a proxy in between).
    pub base_url: String,
    pub dir: tempfile::TempDir,
    pub service: Arc<Service>,
    pub account: i64,
}

impl<S: Simulator> World<S> {
    /// `sim` served, with its demo account named `name`.
    pub async fn new(sim: S, name: &str) -> World<S> {
        World::with_account(sim, name, |_| {}).await
    }

    /// `sim` served, with its demo account named `name` as `adjust` changes it first (extra
    /// settings, another base URL).
    pub async fn with_account(sim: S, name: &str, adjust: impl FnOnce(&mut DemoAccount)) -> World<S> {
        let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        World::on(sim, server, name, adjust)
    }

    /// [`World::with_account`] with `sim` already served by `server` (a test that puts a proxy
    /// in front of it needs its address first).
    pub fn on(sim: S, server: RunningServer, name: &str, adjust: impl FnOnce(&mut DemoAccount)) -> World<S> {
        let mut demo = sim.demo_account(&server.base_url);
        adjust(&mut demo);
        let dir = tempfile::tempdir().unwrap();
        let service = Service::open(dir.path()).unwrap();
        let account = add_demo(&service, name, &demo);
        World { sim, server, base_url: demo.base_url, dir, service, account }
    }
}

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

/// A 则一 [`World`] with the callback listener the simulator calls (the app's, over real HTTP).
pub struct ZeyiWorld {
    pub world: World<vendor_sim::zeyi::Sim>,
    pub listener: inbox_core::callback::CallbackServer,
}

impl ZeyiWorld {
    /// `sim` served, its demo account named 则一 (as `adjust` changes it), and a listener with
    /// `limits` that the simulator calls back.
    pub async fn new(
        sim: vendor_sim::zeyi::Sim,
        limits: inbox_core::callback::Limits,
        adjust: impl FnOnce(&mut DemoAccount),
    ) -> ZeyiWorld {
        let world = World::with_account(sim, "则一", adjust).await;
        let listener = inbox_core::callback::serve_with(world.service.clone(), "127.0.0.1:0".parse().unwrap(), limits)
            .await
            .unwrap();
        world.sim.set_callback_url(Some(listener.callback_url()));
        ZeyiWorld { world, listener }
    }
}

impl std::ops::Deref for ZeyiWorld {
    type Target = World<vendor_sim::zeyi::Sim>;
    fn deref(&self) -> &Self::Target {
        &self.world
    }
}

/// The user who approves what the drive's templates ([`DriveWorld`]) route to a designated step.
pub const DRIVE_APPROVER: i64 = 5;

/// A yomicloud [`World`] with two templates made for submitting: 申请预览权限 (type 3, no files,
/// a designated approver: [`DRIVE_APPROVER`]) on `file`, and 上传资料 (type 2, files needed, any
/// of its members approves) on `folder`.
pub struct DriveWorld {
    pub world: World<vendor_sim::yomicloud::Sim>,
    pub preview: i64,
    pub upload: i64,
    pub file: i64,
    pub folder: i64,
}

impl DriveWorld {
    pub fn of(world: World<vendor_sim::yomicloud::Sim>) -> DriveWorld {
        use serde_json::json;
        let (file, folder) = world.sim.with_state(|s| {
            let drive = |folder: bool| {
                s.files
                    .values()
                    .filter(|f| f.attachment_root == 0 && f.id > 0 && f.is_folder == folder && f.parent_id > 0)
                    .map(|f| f.id)
                    .min()
                    .unwrap()
            };
            (drive(false), drive(true))
        });
        let step = |rule: i64| json!({"approvalNum": 0, "ids": ["1", DRIVE_APPROVER.to_string()], "name": "主管审批", "realnames": ["系统管理员", "审批人"], "type": rule, "usernames": ["admin", "u5"]});
        let content = |t: &str, title: &str, rule: i64| json!({"approvalType": t, "approverAuth": 0, "ccAuth": 0, "desc": "请说明用途", "step": [step(rule)], "title": title, "uids": [4]});
        let (preview, upload) = world.sim.with_state(|s| {
            (
                s.add_templet(file, 0, "申请预览", content("3", "申请预览", 4), 1, 1),
                s.add_templet(folder, 1, "上传资料", content("2", "上传资料", 2), 1, 1),
            )
        });
        DriveWorld { world, preview, upload, file, folder }
    }
}

impl std::ops::Deref for DriveWorld {
    type Target = World<vendor_sim::yomicloud::Sim>;
    fn deref(&self) -> &Self::Target {
        &self.world
    }
}

/// What issue 13 asks of a sync against a wild tenant (`vendor_sim::Tenant::Wild`): the sync
/// succeeds however odd the records (one record failing never fails the account), every
/// record the vendor lists for the user (`expected`, remote ids) is in the cache, the readable
/// ones in full and the rest as placeholders that say why and offer no action, and the
/// account's status counts them. Returns (readable, placeholders).
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
