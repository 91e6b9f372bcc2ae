//! A first sync in two phases (issue 17), against the qiyuesuo simulator over real HTTP and a
//! real SQLite file, counted by the simulator's own call log: what may wait for the user is
//! read before any finished contract's detail, even an old todo on the list's last page; and a
//! sync interrupted half-way through its history resumes, in a new process (a new store,
//! connector and memory on the same file), without reading again what it stored.

mod support;
use inbox_core::connectors::qiyuesuo::QiyuesuoConnector;
use inbox_core::secrets::Secrets;
use inbox_core::sync::{self, recent::Recent, Heads, Memory};
use inbox_core::{Inbox, ListQuery, Service, Store, SyncPhase, SyncProgress};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use vendor_sim::common::{Fault, RunningServer};
use vendor_sim::qiyuesuo::Sim;
use vendor_sim::Simulator;

/// The contract statuses either edition publishes as ended.
const ENDED: [&str; 11] = [
    "COMPLETE",
    "FINISHED",
    "REJECTED",
    "RECALLED",
    "EXPIRED",
    "INVALIDING",
    "INVALIDED",
    "FORCE_END",
    "TERMINATING",
    "TERMINATED",
    "DELETE",
];

const CONTRACTS: usize = 400;

/// A seeded tenant whose one todo of the demo employee is made the oldest contract of all, so
/// the list (newest first) shows it last; the others awaiting them are finished. Returns the
/// simulator, its server, the todo's id and the ids of the contracts that had ended.
async fn tenant_with_an_old_todo() -> (Sim, RunningServer, String, HashSet<String>) {
    let sim = Sim::new(17, CONTRACTS);
    let me = sim.demo_employee().contact;
    let todos = sim.todo_ids_for(&me);
    let todo = todos.first().expect("the seed has todos for the demo employee").clone();
    sim.with_state(|s| {
        let oldest = s.contracts.values().map(|c| c.publish_time.unwrap_or(c.create_time)).min().unwrap();
        for id in &todos[1..] {
            s.contracts.get_mut(id).unwrap().status = "COMPLETE";
        }
        let c = s.contracts.get_mut(&todo).unwrap();
        c.create_time = oldest - 60;
        c.publish_time = Some(oldest - 60);
    });
    assert_eq!(sim.todo_ids_for(&me), std::slice::from_ref(&todo), "one todo left");
    let ended = sim.with_state(|s| {
        s.contracts.values().filter(|c| ENDED.contains(&c.status)).map(|c| c.id.clone()).collect::<HashSet<_>>()
    });
    assert!(ended.len() > CONTRACTS / 2, "the history is most of the tenant: {}", ended.len());
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    (sim, server, todo, ended)
}

/// The contract a logged call read the detail of, if it is a detail call.
fn detail_of(call: &str) -> Option<String> {
    let query = call.strip_prefix("/v2/contract/detail?")?;
    query.split('&').find_map(|kv| kv.strip_prefix("contractId=")).map(str::to_string)
}

fn cached(service: &Service, inbox: Inbox) -> Vec<String> {
    let page = service.list(&ListQuery { inbox: Some(inbox), limit: 1000, ..Default::default() }).unwrap();
    page.items.into_iter().map(|a| a.remote_id).collect()
}

#[tokio::test]
async fn an_old_todo_is_in_the_cache_before_any_finished_contract_is_read() {
    let (sim, server, todo, ended) = tenant_with_an_old_todo().await;
    let dir = tempfile::tempdir().unwrap();
    let service = Service::open(dir.path()).unwrap();
    let account = support::add_demo(&service, "契约锁", &sim.demo_account(&server.base_url));

    let report = service.sync_account(account).await.unwrap();
    assert_eq!(report.history_left, 0, "the history is read to its end too");
    assert_eq!(cached(&service, Inbox::Todo), std::slice::from_ref(&todo));

    let log = sim.call_log();
    let last_list = log.iter().rposition(|c| c.starts_with("/v2/contract/list")).expect("listed");
    let todo_read = log.iter().position(|c| detail_of(c).as_deref() == Some(todo.as_str())).expect("todo read");
    let first_history =
        log.iter().position(|c| detail_of(c).is_some_and(|id| ended.contains(&id))).expect("history read");
    let lists = log.iter().filter(|c| c.starts_with("/v2/contract/list")).count();
    assert!(lists >= 4, "the tenant spans several list pages ({lists})");
    assert!(
        todo_read > last_list,
        "the todo comes on the last page of the list (read at {todo_read}, last list {last_list})"
    );
    assert!(
        todo_read < first_history,
        "the old todo (call {todo_read}) is read before any finished contract's detail (first at call {first_history})"
    );
    let history_reads = log.iter().filter(|c| detail_of(c).is_some_and(|id| ended.contains(&id))).count();
    assert_eq!(history_reads, ended.len(), "every finished contract is read once, after");
}

/// The connector a new process would make for the account.
fn connector(store: &Store, account: i64, sim: &Sim, base_url: &str) -> QiyuesuoConnector {
    let demo = sim.demo_account(base_url);
    QiyuesuoConnector::new(&store.account(account).unwrap().unwrap(), &Secrets(demo.secrets)).unwrap()
}

#[tokio::test]
async fn a_first_sync_stopped_half_way_resumes_without_reading_again_what_it_stored() {
    let (sim, server, todo, ended) = tenant_with_an_old_todo().await;
    let dir = tempfile::tempdir().unwrap();
    let service = Service::open(dir.path()).unwrap();
    let account = support::add_demo(&service, "契约锁", &sim.demo_account(&server.base_url));
    drop(service);

    // First process: once every todo is in, 100 more calls reach the vendor, then it fails
    // every call (a network gone, a closed lid): the history stops part-way.
    let store = Store::open_in(dir.path()).unwrap();
    let (heads, recent) = (Heads::default(), Recent::new(&[]));
    let armed = AtomicBool::new(false);
    let arm = |p: SyncProgress| {
        if p.phase == SyncPhase::History && !armed.swap(true, Ordering::SeqCst) {
            sim.set_fault_after(Fault::ServerError, 100);
        }
    };
    let memory = Memory { report: Some(&arm), ..Memory::new(&heads, &recent) };
    let first = connector(&store, account, &sim, &server.base_url);
    sync::sync_account(&store, &first, account, memory).await.expect_err("the vendor failed half-way");
    let left: HashSet<String> = store.backlog_next(account, 10_000).unwrap().into_iter().map(|b| b.remote_id).collect();
    let stored: HashSet<String> = ended.difference(&left).cloned().collect();
    assert!(!left.is_empty() && stored.len() >= 90, "stopped half-way: {} stored, {} left", stored.len(), left.len());
    assert!(left.is_subset(&ended), "only finished contracts wait for the history phase");
    let todo_page = store.list(&ListQuery { inbox: Some(Inbox::Todo), limit: 100, ..Default::default() }).unwrap();
    assert_eq!(todo_page.items.iter().map(|a| a.remote_id.clone()).collect::<Vec<_>>(), std::slice::from_ref(&todo));
    drop(store);

    // Second process: the same file, nothing in memory.
    sim.set_fault(None);
    let calls_before = sim.call_log().len();
    let store = Store::open_in(dir.path()).unwrap();
    let (heads, recent) = (Heads::default(), Recent::new(&[]));
    let second = connector(&store, account, &sim, &server.base_url);
    let report = sync::sync_account(&store, &second, account, Memory::new(&heads, &recent)).await.unwrap();
    assert_eq!(report.history_left, 0);
    let reads: Vec<String> = sim.call_log()[calls_before..].iter().filter_map(|c| detail_of(c)).collect();
    let again: Vec<&String> = reads.iter().filter(|id| stored.contains(*id)).collect();
    assert!(again.is_empty(), "{} stored contracts read again: {again:?}", again.len());
    for id in &left {
        assert_eq!(reads.iter().filter(|r| *r == id).count(), 1, "{id} was left and is read once");
    }
    let me = sim.demo_employee().contact;
    let mut mine: Vec<String> = store
        .list(&ListQuery { limit: 1000, ..Default::default() })
        .unwrap()
        .items
        .into_iter()
        .map(|a| a.remote_id)
        .collect();
    mine.sort();
    assert_eq!(mine, sim.user_ids_for(&me), "the cache is complete after the resumed sync");
}

/// A decision taken while a first sync reads fxiaoke's history (paced under its rate limit)
/// reaches the vendor while that history is still being read: it waits for one page or chunk,
/// never for the walk (before issue 17 it waited for the whole sync).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_during_a_first_sync_goes_ahead_of_the_history() {
    let sim = vendor_sim::fxiaoke::Sim::new(13, 80);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let service = Service::open(dir.path()).unwrap();
    let account = support::add_demo(&service, "纷享", &sim.demo_account(&server.base_url));
    let mut events = service.subscribe();
    let syncing = tokio::spawn({
        let service = service.clone();
        async move { service.sync_account(account).await }
    });
    // A guard against a hang, not a measurement: the todos are in long before this.
    let ready = tokio::time::timeout(std::time::Duration::from_secs(300), async {
        loop {
            match events.recv().await {
                Ok(sync::SyncEvent::Progress { progress, .. }) if progress.todo_ready => return progress,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(e) => panic!("events ended: {e}"),
            }
        }
    })
    .await
    .expect("every todo in the cache");
    assert!(ready.history_total > ready.history_done, "history left to read: {ready:?}");

    let todo = service
        .list(&ListQuery { inbox: Some(Inbox::Todo), limit: 100, ..Default::default() })
        .unwrap()
        .items
        .into_iter()
        .find(|a| a.remote_id.starts_with("crm:") && a.actions.contains(&inbox_core::Action::Approve))
        .expect("an approvable CRM todo");
    let instance = todo.remote_id.trim_start_matches("crm:").to_string();
    let me = sim.demo_user().open_user_id;
    assert!(sim.crm_boxes_for(&me).todo.contains(&instance));
    service.act(todo.id, inbox_core::Action::Approve, "同意").await.expect("decided during the sync");
    assert!(!sim.crm_boxes_for(&me).todo.contains(&instance), "the decision reached the vendor");

    assert!(service.stop_sync(account), "the history was still being read when the decision landed");
    let report = syncing.await.unwrap().unwrap();
    assert!(report.stopped && report.history_left > 0, "{report:?}");
}
