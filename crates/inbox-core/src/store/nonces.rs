//! What vendor callbacks leave behind: the nonces already accepted (a replay is refused), and
//! the cursor of the results pulled from the 则一 relay; each written with its result in one
//! transaction.

use super::write::upsert_known;
use super::{write_tx, Result, Store};
use crate::model::RemoteApproval;
use rusqlite::{params, OptionalExtension};

impl Store {
    /// Whether a callback nonce was already accepted.
    pub fn nonce_seen(&self, nonce: &str) -> Result<bool> {
        let conn = self.conn();
        Ok(conn.query_row("SELECT 1 FROM callback_nonces WHERE nonce = ?1", [nonce], |_| Ok(())).optional()?.is_some())
    }

    /// Applies an accepted callback: records its nonce (forgetting those seen before
    /// `prune_before`, Unix seconds) and stores `item` as [`Store::upsert_one`] does, in one
    /// transaction. A write that fails keeps neither, so the vendor's retry of the same
    /// callback is accepted instead of being refused as a replay. Returns the approval's id, or
    /// `None` when the nonce was already there (a replay: nothing is written).
    pub fn apply_callback(
        &self,
        account_id: i64,
        nonce: &str,
        seen_at: i64,
        prune_before: i64,
        item: &RemoteApproval,
    ) -> Result<Option<i64>> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        tx.execute("DELETE FROM callback_nonces WHERE seen_at < ?1", [prune_before])?;
        let fresh = tx.execute(
            "INSERT OR IGNORE INTO callback_nonces (nonce, seen_at) VALUES (?1, ?2)",
            params![nonce, seen_at],
        )? == 1;
        if !fresh {
            return Ok(None);
        }
        let id = upsert_known(&tx, account_id, item)?;
        tx.commit()?;
        Ok(Some(id))
    }

    /// The cursor of the last result pulled from the account's relay and applied (0: none yet).
    pub fn relay_cursor(&self, account_id: i64) -> Result<i64> {
        let conn = self.conn();
        let cursor = conn
            .query_row("SELECT cursor FROM relay_cursors WHERE account_id = ?1", [account_id], |r| r.get(0))
            .optional()?;
        Ok(cursor.unwrap_or(0))
    }

    /// Applies a result pulled from the relay: the approval as it now stands (`None`: nothing
    /// to write) and the cursor up to `cursor`, in one transaction, so a cursor is never ahead
    /// of what was applied. The cursor only moves forward (two processes may pull at once).
    pub fn apply_pulled(&self, account_id: i64, item: Option<&RemoteApproval>, cursor: i64) -> Result<Option<i64>> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        let id = item.map(|item| upsert_known(&tx, account_id, item)).transpose()?;
        tx.execute(
            "INSERT INTO relay_cursors (account_id, cursor) VALUES (?1, ?2)
             ON CONFLICT(account_id) DO UPDATE SET cursor = max(cursor, excluded.cursor)",
            params![account_id, cursor],
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// How many callback nonces are kept (tests, diagnostics).
    pub fn nonce_count(&self) -> Result<u64> {
        Ok(self.conn().query_row("SELECT count(*) FROM callback_nonces", [], |r| r.get::<_, i64>(0))? as u64)
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Inbox;
    use crate::store::tests::{item, store_with_account};

    #[test]
    fn callback_nonces_are_kept_once_and_pruned() {
        let (_d, store, acc) = store_with_account();
        let decided = item("7", &[Inbox::Submitted], 1);
        assert!(!store.nonce_seen("abc123").unwrap());
        let id = store.apply_callback(acc, "abc123", 100, 0, &decided).unwrap().expect("a fresh nonce applies");
        assert!(store.nonce_seen("abc123").unwrap());
        let mut replayed = decided.clone();
        replayed.title = "replayed".into();
        assert_eq!(store.apply_callback(acc, "abc123", 101, 0, &replayed).unwrap(), None, "a replay");
        assert_eq!(store.approval(id).unwrap().expect("stored").remote.title, decided.title, "a replay writes nothing");
        assert!(store.apply_callback(acc, "zzz999", 500, 200, &decided).unwrap().is_some());
        assert!(!store.nonce_seen("abc123").unwrap(), "pruned");
        assert_eq!(store.nonce_count().unwrap(), 1);
    }

    /// The account was removed while its callback was on the way: the approval cannot be
    /// written, and the nonce must not stay behind either (one transaction), so nothing refuses
    /// the vendor's retry as a replay.
    #[test]
    fn a_callback_whose_write_fails_keeps_no_nonce() {
        let (_d, store, acc) = store_with_account();
        assert!(store.remove_account(acc).unwrap());
        let decided = item("7", &[Inbox::Submitted], 1);
        assert!(store.apply_callback(acc, "abc123", 100, 0, &decided).is_err());
        assert!(!store.nonce_seen("abc123").unwrap());
        assert_eq!(store.nonce_count().unwrap(), 0);
    }
}
