//! Sync bookkeeping: each account's generation and last result, the claim that keeps two
//! processes from syncing one account at once, and the pacing of calls shared by every
//! process on the cache.

use super::{write_tx, Result, Store};
use crate::model::{now, now_ms};
use rusqlite::{params, OptionalExtension};

impl Store {
    /// Starts a sync of `account_id`: returns the new generation that marks what it sees.
    pub fn begin_sync(&self, account_id: i64) -> Result<i64> {
        let conn = self.conn();
        conn.execute(
            "UPDATE sync_state SET generation = generation + 1, last_attempt = ?2 WHERE account_id = ?1",
            params![account_id, now()],
        )?;
        Ok(conn.query_row("SELECT generation FROM sync_state WHERE account_id = ?1", [account_id], |r| r.get(0))?)
    }

    /// Claims the right to sync `account_id` for `ttl_secs` as `owner`, or renews it: granted
    /// when nobody holds it, its holder's claim lapsed (a process that died), or `owner` holds
    /// it already. Syncs of one account never overlap across processes: one's removals would
    /// take away what the other just stored.
    pub fn claim_sync(&self, account_id: i64, owner: &str, ttl_secs: i64) -> Result<bool> {
        let now = now();
        let n = self.conn().execute(
            "INSERT INTO sync_claims (account_id, owner, until) VALUES (?1, ?2, ?3)
             ON CONFLICT (account_id) DO UPDATE SET owner = excluded.owner, until = excluded.until
             WHERE sync_claims.until < ?4 OR sync_claims.owner = excluded.owner",
            params![account_id, owner, now + ttl_secs, now],
        )?;
        Ok(n == 1)
    }

    /// Gives a claim of [`Store::claim_sync`] back (a claim of someone else stays).
    pub fn release_sync(&self, account_id: i64, owner: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM sync_claims WHERE account_id = ?1 AND owner = ?2", params![account_id, owner])?;
        Ok(())
    }

    /// Records how a sync ended: its failure in words, or after a success what the cache
    /// holds of the account (approvals, and how many of them could not be read).
    pub fn record_sync_result(&self, account_id: i64, error: Option<&str>) -> Result<()> {
        let conn = self.conn();
        match error {
            None => conn.execute(
                "UPDATE sync_state SET last_success = ?2, last_error = NULL,
                    last_count = (SELECT count(*) FROM approvals WHERE account_id = ?1),
                    last_unreadable = (SELECT count(*) FROM approvals WHERE account_id = ?1 AND unreadable IS NOT NULL)
                 WHERE account_id = ?1",
                params![account_id, now()],
            )?,
            Some(reason) => conn
                .execute("UPDATE sync_state SET last_error = ?2 WHERE account_id = ?1", params![account_id, reason])?,
        };
        Ok(())
    }

    /// Reserves the next call of `key` (an account's endpoint) under "one per `interval_ms`,
    /// `burst` ahead", for every process on this cache at once (the generic cell rate
    /// algorithm, its state in the `pacing` table, updated in one write transaction): returns
    /// how many ms to wait before calling. The slot is taken whether or not the caller waits.
    pub fn reserve_call(&self, key: &str, interval_ms: i64, burst: u32) -> Result<i64> {
        let now = now_ms();
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        let tat: i64 =
            tx.query_row("SELECT tat_ms FROM pacing WHERE key = ?1", [key], |r| r.get(0)).optional()?.unwrap_or(now);
        let next = tat.max(now) + interval_ms;
        let wait = (next - i64::from(burst) * interval_ms - now).max(0);
        tx.execute(
            "INSERT INTO pacing (key, tat_ms) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET tat_ms = excluded.tat_ms",
            params![key, next],
        )?;
        tx.commit()?;
        Ok(wait)
    }

    /// Holds every process off `key` for `pause_ms` (the vendor said "too fast").
    pub fn hold_calls(&self, key: &str, pause_ms: i64) -> Result<()> {
        self.conn().execute(
            "INSERT INTO pacing (key, tat_ms) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET tat_ms = max(tat_ms, excluded.tat_ms)",
            params![key, now_ms() + pause_ms],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::store_with_account;

    /// Issue 14: two handles on one cache (two processes) share one pace per endpoint.
    #[test]
    fn calls_are_paced_for_every_process_on_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (Store::open_in(dir.path()).unwrap(), Store::open_in(dir.path()).unwrap());
        let waits: Vec<i64> = (0..6)
            .map(|i| if i % 2 == 0 { &a } else { &b }.reserve_call("1:/cgi/approval/get", 500, 2).unwrap())
            .collect();
        assert_eq!(&waits[..2], [0, 0], "the burst is shared: {waits:?}");
        assert!(
            waits[2] > 0 && waits.windows(2).skip(2).all(|w| w[1] > w[0]),
            "then one per interval, whoever asks: {waits:?}"
        );
        assert!(waits[5] >= 1_500 && waits[5] <= 2_100, "{waits:?}");
        assert_eq!(a.reserve_call("1:/cgi/approval/query", 500, 2).unwrap(), 0, "another endpoint has its own pace");
        b.hold_calls("1:/cgi/approval/query", 20_000).unwrap();
        assert!(
            a.reserve_call("1:/cgi/approval/query", 500, 2).unwrap() >= 19_000,
            "a vendor's 'too fast' holds every process off"
        );
    }

    #[test]
    fn sync_result_is_recorded_with_reason() {
        let (_d, store, acc) = store_with_account();
        store.begin_sync(acc).unwrap();
        store.record_sync_result(acc, Some("token无效")).unwrap();
        let a = store.account(acc).unwrap().unwrap();
        assert_eq!(a.sync.last_error.as_deref(), Some("token无效"));
        assert!(a.sync.last_success.is_none());
        store.record_sync_result(acc, None).unwrap();
        let a = store.account(acc).unwrap().unwrap();
        assert!(a.sync.last_error.is_none() && a.sync.last_success.is_some());
    }
}
