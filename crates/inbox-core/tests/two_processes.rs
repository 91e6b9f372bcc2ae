//! Two processes on one cache (issue 14): the app's scheduler and a user's `inbox sync` share
//! the default data directory. Two services opened on the same directory stand for them here
//! (each holds its own leases, as each process does), over real HTTP and one real SQLite file.

mod support;
use inbox_core::{Error, ListQuery, Service};
use vendor_sim::common::Fault;
use vendor_sim::yomicloud::Sim;
use vendor_sim::Simulator;

fn cached(service: &Service) -> Vec<(i64, String)> {
    let page = service.list(&ListQuery { limit: 500, ..Default::default() }).unwrap();
    let mut ids: Vec<(i64, String)> = page.items.into_iter().map(|a| (a.id, a.remote_id)).collect();
    ids.sort();
    ids
}

/// A second sync of an account that another process is syncing says so and changes nothing;
/// the first one's removals never take away what is still listed (cache ids stay).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_second_sync_of_an_account_waits_its_turn_and_nothing_is_lost() {
    let sim = Sim::new(21, 12);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let app = Service::open(dir.path()).unwrap();
    let account = support::add_demo(&app, "云盘", &sim.demo_account(&server.base_url));
    app.sync_account(account).await.unwrap();
    let before = cached(&app);
    assert!(!before.is_empty());

    let cli = Service::open(dir.path()).unwrap();
    // Demo secrets live in the memory of the process that added them: give this one them too.
    assert_eq!(support::add_demo(&cli, "云盘", &sim.demo_account(&server.base_url)), account);
    sim.set_fault(Some(Fault::Slow));
    let (first, second) = tokio::join!(app.sync_account(account), async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        cli.sync_account(account).await
    });
    sim.set_fault(None);
    first.unwrap();
    let busy = second.unwrap_err();
    assert!(matches!(busy, Error::SyncBusy(_)), "{busy}");
    assert!(busy.to_string().contains("another process"), "{busy}");
    assert_eq!(cached(&app), before, "the same approvals under the same cache ids");
    assert!(cli.account(&account.to_string()).unwrap().sync.last_error.is_none(), "a busy sync records no failure");

    cli.sync_account(account).await.expect("once the first is done, the second may sync");
    assert_eq!(cached(&cli), before);
}

/// fxiaoke's rate limit holds across processes: back-to-back syncs by three processes (each a
/// new service with no memory of what the others read) are paced through the cache together,
/// so the vendor never answers 20050, where each pacing itself alone made the third fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn back_to_back_syncs_of_three_processes_stay_under_fxiaokes_rate_limit() {
    let sim = vendor_sim::fxiaoke::Sim::new(31, 20);
    // Just above the 50 calls per 20 s our pace allows, so only a pace shared by the three
    // processes stays under it (each pacing alone sends about 60 in 15 s).
    sim.set_rate_limit(52);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let demo = sim.demo_account(&server.base_url);
    for process in 0..3 {
        let service = Service::open(dir.path()).unwrap();
        let account = support::add_demo(&service, "纷享销客", &demo);
        service.sync_account(account).await.unwrap_or_else(|e| panic!("process {process}: {e}"));
    }
    assert!(sim.calls("/cgi/approval/get") >= 3 * 20, "each process read the details again");
    assert_eq!(sim.rate_limited(), 0, "no call was refused as too fast");
}
