//! Every simulator fault against all five vendors side by side, over real HTTP and a real
//! SQLite file: the faulted account reports the fault in words, the other accounts keep
//! syncing, the faulted account's cache stays exactly as it was (and the file passes
//! `PRAGMA integrity_check`), and nothing panics. Transient faults a client can ride out
//! (one 429 with `Retry-After`, latency) do not fail the sync at all. The outbox keeps a
//! decision whose reply was lost and never sends it twice.

use inbox_core::connectors::yomicloud::YomiConnector;
use inbox_core::secrets::Secrets;
use inbox_core::Connector;
use inbox_core::{Action, Inbox, ListQuery, OutboxKind, OutboxState, Service, Vendor};
use std::sync::Arc;
use vendor_sim::common::Fault;
use vendor_sim::Simulator;

struct World {
    sims: vendor_sim::Running,
    _dir: tempfile::TempDir,
    service: Arc<Service>,
}

async fn world() -> World {
    world_of(12).await
}

/// Simulators with `approvals` each (fxiaoke at most its quick-sync size, which its rate limit
/// needs); fxiaoke lists in pages of 5, so every vendor that pages has lists of several pages.
async fn world_of(approvals: usize) -> World {
    // Calls that hang (the timeout fault) must fail within seconds here, not the default minute.
    std::env::set_var(inbox_core::connectors::HTTP_TIMEOUT_ENV, "2");
    let sizes = vendor_sim::Sizes::quick(approvals);
    let sims = vendor_sim::start_all("127.0.0.1".parse().unwrap(), 11, sizes).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let service = Service::open(dir.path()).unwrap();
    for a in sims.accounts() {
        let mut settings = a.settings.clone();
        if a.vendor == "fxiaoke" {
            settings.insert("page_size".into(), "5".into());
        }
        let input = inbox_core::AccountInput {
            vendor: a.vendor.parse().unwrap(),
            name: a.vendor.clone(),
            base_url: a.base_url.clone(),
            settings,
            secrets: Secrets(a.secrets.clone()),
        };
        service.upsert_demo_account(input).unwrap();
    }
    World { sims, _dir: dir, service }
}

impl World {
    fn set_fault(&self, vendor: Vendor, fault: Option<Fault>) {
        match vendor {
            Vendor::Yomicloud => self.sims.yomicloud().set_fault(fault),
            Vendor::Zeyi => self.sims.zeyi().set_fault(fault),
            Vendor::Fxiaoke => self.sims.fxiaoke().set_fault(fault),
            Vendor::Qiyuesuo => self.sims.qiyuesuo().set_fault(fault),
            Vendor::Weiwenjia => self.sims.weiwenjia().set_fault(fault),
        }
    }

    fn set_fault_times(&self, vendor: Vendor, fault: Fault, times: u32) {
        match vendor {
            Vendor::Yomicloud => self.sims.yomicloud().set_fault_times(fault, times),
            Vendor::Zeyi => self.sims.zeyi().set_fault_times(fault, times),
            Vendor::Fxiaoke => self.sims.fxiaoke().set_fault_times(fault, times),
            Vendor::Qiyuesuo => self.sims.qiyuesuo().set_fault_times(fault, times),
            Vendor::Weiwenjia => self.sims.weiwenjia().set_fault_times(fault, times),
        }
    }

    fn fault(&self, vendor: Vendor) -> Option<Fault> {
        match vendor {
            Vendor::Yomicloud => self.sims.yomicloud().fault(),
            Vendor::Zeyi => self.sims.zeyi().fault(),
            Vendor::Fxiaoke => self.sims.fxiaoke().fault(),
            Vendor::Qiyuesuo => self.sims.qiyuesuo().fault(),
            Vendor::Weiwenjia => self.sims.weiwenjia().fault(),
        }
    }

    /// Arms a fault through the simulator's admin route: after `after` calls, for `times`
    /// calls (`None` = until cleared).
    async fn arm(&self, vendor: Vendor, fault: Fault, after: u32, times: Option<u32>) {
        let base = &self.sims.account(vendor.as_str()).unwrap().base_url;
        let body = serde_json::json!({ "fault": fault, "after": after, "times": times });
        let reply = reqwest::Client::new().post(format!("{base}/__sim/fault")).json(&body).send().await.unwrap();
        assert!(reply.status().is_success(), "{vendor}: {}", reply.status());
    }

    /// How many calls a fxiaoke sync with nothing new makes (its head), measured by one; then
    /// an approval arrives, so that the next sync walks.
    async fn fxiaoke_head_calls(&self) -> u32 {
        let sim = self.sims.fxiaoke();
        let calls = || {
            [
                "/cgi/approval/query",
                "/cgi/approval/get",
                "/cgi/crm/approvalInstances/query",
                "/cgi/crm/approvalInstance/get",
            ]
            .map(|p| sim.calls(p))
            .iter()
            .sum::<usize>()
        };
        let before = calls();
        self.service.sync_account(self.account_id(Vendor::Fxiaoke)).await.unwrap();
        let head = calls() - before;
        sim.with_state(|s| s.arrive());
        head as u32
    }

    /// The approvals waiting for the demo user at the simulator, as the cache names them.
    fn vendor_todo(&self, vendor: Vendor) -> Vec<String> {
        let mut ids = match vendor {
            Vendor::Weiwenjia => self.sims.weiwenjia().todo_for(self.sims.weiwenjia().demo_user().uid),
            Vendor::Qiyuesuo => self.sims.qiyuesuo().todo_ids_for(&self.sims.qiyuesuo().demo_employee().contact),
            Vendor::Fxiaoke => {
                let (sim, me) = (self.sims.fxiaoke(), self.sims.fxiaoke().demo_user().open_user_id);
                let crm = sim.crm_boxes_for(&me).todo.into_iter().map(|i| format!("crm:{i}"));
                sim.old_boxes_for(&me).todo.into_iter().chain(crm).collect()
            }
            other => panic!("no todo list helper for {other}"),
        };
        ids.sort();
        ids
    }

    /// The account's cached todo, as remote ids.
    fn cached_todo(&self, vendor: Vendor) -> Vec<String> {
        let mut ids = vec![];
        loop {
            let q = ListQuery {
                inbox: Some(Inbox::Todo),
                account_id: Some(self.account_id(vendor)),
                offset: ids.len() as u32,
                limit: 500,
                ..Default::default()
            };
            let page = self.service.list(&q).unwrap().items;
            if page.is_empty() {
                break;
            }
            ids.extend(page.into_iter().map(|a| a.remote_id));
        }
        ids.sort();
        ids
    }

    fn account_id(&self, vendor: Vendor) -> i64 {
        self.service.account(vendor.as_str()).unwrap().id
    }

    /// The account's cached approvals as (remote id, status, boxes): what must not change.
    fn snapshot(&self, vendor: Vendor) -> Vec<(String, String, Vec<Inbox>)> {
        let page = self
            .service
            .list(&ListQuery { account_id: Some(self.account_id(vendor)), limit: 1000, ..Default::default() })
            .unwrap();
        let mut rows: Vec<_> =
            page.items.into_iter().map(|a| (a.remote_id, a.status.as_str().to_string(), a.boxes)).collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        rows
    }

    fn integrity_ok(&self) {
        let conn = rusqlite::Connection::open(self.service.store().path()).unwrap();
        let verdict: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(verdict, "ok");
    }

    /// Syncs every account; returns the faulted account's error and checks the rest.
    async fn sync_with_fault(&self, faulted: Vendor) -> Option<String> {
        let mut error = None;
        for (account, result) in self.service.sync_all().await.unwrap() {
            if account.vendor == faulted {
                error = result.err().map(|e| e.to_string());
            } else {
                result.unwrap_or_else(|e| panic!("{} must keep syncing while {faulted} is faulted: {e}", account.name));
            }
        }
        error
    }
}

const LIST_VENDORS: [Vendor; 4] = [Vendor::Yomicloud, Vendor::Fxiaoke, Vendor::Qiyuesuo, Vendor::Weiwenjia];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fault_is_reported_in_words_and_spares_the_other_accounts_and_the_cache() {
    let w = world().await;
    for (_, result) in w.service.sync_all().await.unwrap() {
        result.unwrap();
    }
    let faults = [
        (Fault::ServerError, "HTTP 500"),
        (Fault::RateLimited, "HTTP 429"),
        (Fault::MalformedJson, "malformed reply"),
        (Fault::Truncated, "malformed reply"),
        (Fault::WrongContentType, "malformed reply"),
        (Fault::Timeout, "timed out"),
        (Fault::LostReply, "HTTP 502"),
    ];
    // Every fault on one vendor, and every list vendor under several faults.
    for (i, (fault, words)) in faults.into_iter().enumerate() {
        let vendor = LIST_VENDORS[i % LIST_VENDORS.len()];
        let before = w.snapshot(vendor);
        assert!(!before.is_empty(), "{vendor} has cached approvals to protect");
        w.set_fault(vendor, Some(fault));
        let error =
            w.sync_with_fault(vendor).await.unwrap_or_else(|| panic!("{fault:?} on {vendor} must fail its sync"));
        w.set_fault(vendor, None);
        assert!(error.contains(words) && error.contains(vendor.as_str()), "{fault:?} on {vendor}: {error}");
        let account = w.service.account(vendor.as_str()).unwrap();
        let recorded = account.sync.last_error.unwrap_or_default();
        assert!(recorded.contains(words), "the account shows the reason: {recorded}");
        assert_eq!(w.snapshot(vendor), before, "{fault:?} on {vendor} left the cache as it was");
        w.integrity_ok();
        // Once the fault is gone the account recovers by itself.
        w.service.sync_account(account.id).await.unwrap();
        assert!(w.service.account(vendor.as_str()).unwrap().sync.last_error.is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_429_with_retry_after_and_latency_are_ridden_out() {
    let w = world().await;
    for vendor in LIST_VENDORS {
        w.set_fault_times(vendor, Fault::RateLimited, 1);
        w.service
            .sync_account(w.account_id(vendor))
            .await
            .unwrap_or_else(|e| panic!("{vendor} retries after Retry-After: {e}"));
        assert_eq!(w.fault(vendor), None, "{vendor}: the counted fault was used up");
    }
    w.set_fault_times(Vendor::Qiyuesuo, Fault::Slow, 2);
    w.service.sync_account(w.account_id(Vendor::Qiyuesuo)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_of_unknown_fate_survives_a_restart_and_is_reconciled_not_resent() {
    let w = world().await;
    let account = w.account_id(Vendor::Yomicloud);
    w.service.sync_account(account).await.unwrap();
    let me = w.sims.yomicloud().demo_user().uid;
    let target = w
        .service
        .list(&ListQuery { inbox: Some(Inbox::Todo), account_id: Some(account), limit: 1, ..Default::default() })
        .unwrap()
        .items[0]
        .clone();
    let remote: i64 = target.remote_id.parse().unwrap();

    // The attempt fails and nobody knows whether it landed …
    w.set_fault(Vendor::Yomicloud, Some(Fault::ServerError));
    let e = w.service.act(target.id, Action::Approve, "同意").await.unwrap_err().to_string();
    assert!(e.contains("HTTP 500"), "{e}");
    w.set_fault(Vendor::Yomicloud, None);
    let open = w.service.outbox().unwrap();
    assert_eq!(open.len(), 1);
    let entry = &open[0];
    assert_eq!((entry.kind, entry.state, entry.attempts), (OutboxKind::Approve, OutboxState::Queued, 1));
    assert!(entry.last_error.as_deref().unwrap_or("").contains("HTTP 500"));
    // … and in fact it did (here: decided through the vendor API directly, as a landed
    // request whose reply was lost would have).
    let yomi = w.sims.account("yomicloud").unwrap();
    let direct = YomiConnector::new(&w.service.account("yomicloud").unwrap(), &Secrets(yomi.secrets.clone())).unwrap();
    direct.act(&target.remote_id, Action::Approve, "同意").await.unwrap();
    let decided = w.sims.yomicloud().approver_status2(remote, me);

    // After a restart the entry is still there; retrying re-reads the approval, sees it
    // decided, and closes the entry without sending again (a second send would be refused by
    // the vendor and leave the entry failed).
    let dir = w.service.store().path().parent().unwrap().to_path_buf();
    let reopened = Service::open(&dir).unwrap();
    reopened
        .upsert_demo_account(inbox_core::AccountInput {
            vendor: Vendor::Yomicloud,
            name: "yomicloud".into(),
            base_url: yomi.base_url.clone(),
            settings: yomi.settings.clone(),
            secrets: Secrets(yomi.secrets.clone()),
        })
        .unwrap();
    let done = reopened.retry_action(entry.id).await.unwrap();
    assert_eq!((done.state, done.attempts), (OutboxState::Done, 1), "{done:?}");
    assert_eq!(w.sims.yomicloud().approver_status2(remote, me), decided);
    assert!(reopened.outbox().unwrap().is_empty());
    assert!(reopened.approval(target.id).unwrap().remote.actions.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_made_offline_waits_and_can_be_retried_or_discarded() {
    let w = world().await;
    let account = w.account_id(Vendor::Weiwenjia);
    w.service.sync_account(account).await.unwrap();
    let todo = w
        .service
        .list(&ListQuery { inbox: Some(Inbox::Todo), account_id: Some(account), limit: 2, ..Default::default() })
        .unwrap()
        .items;
    assert_eq!(todo.len(), 2);
    w.set_fault(Vendor::Weiwenjia, Some(Fault::ServerError));
    for a in &todo {
        let e = w.service.act(a.id, Action::Approve, "同意").await.unwrap_err().to_string();
        assert!(e.contains("HTTP 500"), "{e}");
    }
    let open = w.service.outbox().unwrap();
    assert_eq!(open.iter().map(|e| e.state).collect::<Vec<_>>(), vec![OutboxState::Queued, OutboxState::Queued]);
    // Still down: a retry keeps the entry queued with its reason.
    let still = w.service.retry_action(open[0].id).await.unwrap();
    assert_eq!(still.state, OutboxState::Queued);
    assert!(still.last_error.as_deref().unwrap_or("").contains("HTTP 500"), "{still:?}");
    w.set_fault(Vendor::Weiwenjia, None);
    assert_eq!(w.service.retry_action(open[0].id).await.unwrap().state, OutboxState::Done);
    assert_eq!(w.service.discard_action(open[1].id).unwrap().state, OutboxState::Discarded);
    assert!(w.service.outbox().unwrap().is_empty());
    assert!(w.service.discard_action(open[0].id).unwrap_err().to_string().contains("already reached"));
    // The discarded decision was never sent: the vendor still offers it.
    w.service.sync_account(account).await.unwrap();
    assert!(w.service.approval(todo[1].id).unwrap().remote.actions.contains(&Action::Approve));
}

#[tokio::test]
async fn oversized_ipc_arguments_are_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::open(dir.path()).unwrap();
    let search = "审".repeat(inbox_core::service::MAX_SEARCH_CHARS + 1);
    let e = service.list(&ListQuery { search: Some(search), ..Default::default() }).unwrap_err().to_string();
    assert!(e.contains("at most"), "{e}");
    let e = service
        .act(1, Action::Approve, &"x".repeat(inbox_core::service::MAX_COMMENT_CHARS + 1))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("at most"), "{e}");
}

/// Credentials that stop working in the middle of a sync: fxiaoke refreshes its token and
/// carries on; the vendors whose token the user pastes fail in words, keep their cache, and
/// spare the other accounts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_expiring_mid_sync_is_refreshed_or_reported_in_words() {
    let w = world_of(60).await;
    for (_, result) in w.service.sync_all().await.unwrap() {
        result.unwrap();
    }
    let issued = w.sims.fxiaoke().tokens_issued();
    w.arm(Vendor::Fxiaoke, Fault::ExpiredToken, 3, Some(1)).await;
    w.service.sync_account(w.account_id(Vendor::Fxiaoke)).await.unwrap();
    assert_eq!(w.sims.fxiaoke().tokens_issued(), issued + 1, "one refresh");
    let mut revoked = vec![];
    for vendor in [Vendor::Yomicloud, Vendor::Qiyuesuo, Vendor::Weiwenjia] {
        let before = w.snapshot(vendor);
        w.arm(vendor, Fault::ExpiredToken, 1, Some(1)).await;
        revoked.push(vendor);
        for (account, result) in w.service.sync_all().await.unwrap() {
            match result {
                Err(e) if revoked.contains(&account.vendor) => {
                    let e = e.to_string();
                    assert!(e.contains("refused the credentials") && e.contains(account.vendor.as_str()), "{e}");
                }
                Err(e) => panic!("{} must keep syncing while {vendor}'s token is revoked: {e}", account.name),
                Ok(_) => assert!(!revoked.contains(&account.vendor), "{}: a revoked token cannot sync", account.name),
            }
        }
        assert_eq!(w.snapshot(vendor), before, "{vendor}: the cache stays as it was");
        w.integrity_ok();
    }
}

/// New approvals arriving while a list is being paged: the walk notices the list moved (the
/// vendor's count changed between pages), walks it again, and the cache ends exactly as the
/// vendor's list is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_that_moves_while_being_paged_is_walked_again_and_converges() {
    let w = world_of(150).await;
    for vendor in [Vendor::Qiyuesuo, Vendor::Fxiaoke] {
        w.service.sync_account(w.account_id(vendor)).await.unwrap();
        let before = w.vendor_todo(vendor);
        assert_eq!(w.cached_todo(vendor), before, "{vendor}: in step before the fault");
        // fxiaoke reads only the tops of its windows when nothing is new (its head): one
        // arrival before the sync makes it walk, and the fault fires after the head's calls.
        let (skip, early) = match vendor {
            Vendor::Fxiaoke => (w.fxiaoke_head_calls().await, 1),
            _ => (1, 0),
        };
        // Two arrivals while the first page's approvals are being read.
        w.arm(vendor, Fault::PageShift, skip, Some(2)).await;
        w.service.sync_account(w.account_id(vendor)).await.unwrap_or_else(|e| panic!("{vendor}: {e}"));
        let after = w.vendor_todo(vendor);
        assert_eq!(after.len(), before.len() + 2 + early, "{vendor}: approvals arrived during the sync");
        assert_eq!(w.cached_todo(vendor), after, "{vendor}: the cache converged to the vendor's list");
        w.integrity_ok();
    }
}

/// A list that never holds still: the sync says so in words, removes nothing on the strength
/// of a moving list, spares the other accounts, and converges once the list settles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_that_never_holds_still_is_reported_and_nothing_is_lost() {
    let w = world_of(150).await;
    // weiwenjia's lists stay on one page of 50 at this size: nothing to move under a walk.
    for vendor in [Vendor::Qiyuesuo, Vendor::Fxiaoke] {
        w.service.sync_account(w.account_id(vendor)).await.unwrap();
        let before = w.cached_todo(vendor);
        w.arm(vendor, Fault::PageShift, 0, None).await;
        let error = w
            .sync_with_fault(vendor)
            .await
            .unwrap_or_else(|| panic!("{vendor}: a list moving on every page fails the sync"));
        w.set_fault(vendor, None);
        assert!(error.contains("kept changing") && error.contains(vendor.as_str()), "{vendor}: {error}");
        let kept = w.cached_todo(vendor);
        assert!(before.iter().all(|id| kept.contains(id)), "{vendor}: nothing left the todo box");
        w.integrity_ok();
        w.service.sync_account(w.account_id(vendor)).await.unwrap();
        let (cached, listed) = (w.cached_todo(vendor), w.vendor_todo(vendor));
        assert!(
            cached == listed,
            "{vendor}: converged once the list settled: {} cached, {} listed",
            cached.len(),
            listed.len()
        );
    }
}
