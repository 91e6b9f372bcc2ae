//! A cache file damaged on disk (issue 14): SQLite's check finds it, the service says so in
//! words, and no sync writes into it any more (it could list part of what it held as all).

mod support;
use inbox_core::{Error, Service};
use vendor_sim::yomicloud::Sim;
use vendor_sim::Simulator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_cache_is_reported_and_not_synced_into() {
    let sim = Sim::new(41, 40);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    {
        let service = Service::open(dir.path()).unwrap();
        let account = support::add_demo(&service, "云盘", &sim.demo_account(&server.base_url));
        service.sync_account(account).await.unwrap();
        service.check_cache().await.expect("a sound cache passes");
    }
    let path = dir.path().join("cache.sqlite3");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    drop(conn);
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle..middle + 16_384].fill(0x5a);
    std::fs::write(&path, &bytes).unwrap();

    let service = Service::open(dir.path()).unwrap();
    let mut events = service.subscribe();
    let e = service.check_cache().await.unwrap_err();
    assert!(
        matches!(e, Error::CacheDamaged(_)) && e.to_string().contains("move the data folder's cache.sqlite3 away"),
        "{e}"
    );
    assert!(matches!(events.try_recv(), Ok(inbox_core::sync::SyncEvent::CacheDamaged { .. })), "the window is told");
    let account = service.accounts().map(|a| a[0].id).unwrap_or(1);
    let refused = service.sync_account(account).await.unwrap_err();
    assert!(matches!(refused, Error::CacheDamaged(_)), "{refused}");
}
