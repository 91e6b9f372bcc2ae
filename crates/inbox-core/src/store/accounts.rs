//! The accounts' non-secret settings (their secrets are in the keychain, `crate::secrets`),
//! each with its sync state as one row.

use super::{backlog, write_tx, Result, Store, StoreError};
use crate::model::{now, Account, SyncState, Vendor};
use rusqlite::{params, OptionalExtension, Row};

impl Store {
    pub fn insert_account(
        &self,
        name: &str,
        vendor: Vendor,
        base_url: &str,
        settings: &serde_json::Map<String, serde_json::Value>,
        demo: bool,
    ) -> Result<i64> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO accounts (name, vendor, base_url, settings, demo, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                name,
                vendor.as_str(),
                base_url,
                serde_json::Value::Object(settings.clone()).to_string(),
                demo,
                now()
            ],
        )?;
        let id = conn.last_insert_rowid();
        conn.execute("INSERT INTO sync_state (account_id) VALUES (?1)", [id])?;
        Ok(id)
    }

    pub fn update_account_endpoint(
        &self,
        id: i64,
        base_url: &str,
        settings: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<()> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        tx.execute(
            "UPDATE accounts SET base_url = ?2, settings = ?3 WHERE id = ?1",
            params![id, base_url, serde_json::Value::Object(settings.clone()).to_string()],
        )?;
        // Another endpoint (a demo's simulator is new each run): what the syncs read of the old
        // one is no reason to skip a read, nor a list of what is left to read.
        backlog::forget_account(&tx, id)?;
        tx.commit()?;
        Ok(())
    }

    /// This cache's random id, made by its first migration run (names its keychain entries).
    pub fn cache_id(&self) -> Result<String> {
        Ok(self.conn().query_row("SELECT value FROM meta WHERE key = 'cache_id'", [], |r| r.get(0))?)
    }

    /// The real accounts that existed before the cache id: only their keychain entries may be
    /// under the older names (`SecretStore::adopting`).
    pub fn legacy_accounts(&self) -> Result<Vec<i64>> {
        let ids: String =
            self.conn().query_row("SELECT value FROM meta WHERE key = 'legacy_accounts'", [], |r| r.get(0))?;
        Ok(ids.split(',').filter_map(|id| id.parse().ok()).collect())
    }

    pub fn accounts(&self) -> Result<Vec<Account>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("{ACCOUNT_SELECT} ORDER BY a.id"))?;
        let rows = stmt.query_map([], account_from_row)?;
        rows.map(|r| r.map_err(StoreError::from).and_then(|a| a)).collect()
    }

    pub fn account(&self, id: i64) -> Result<Option<Account>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("{ACCOUNT_SELECT} WHERE a.id = ?1"))?;
        stmt.query_row([id], account_from_row).optional()?.transpose()
    }

    /// Deletes the account with everything cached for it.
    pub fn remove_account(&self, id: i64) -> Result<bool> {
        Ok(self.conn().execute("DELETE FROM accounts WHERE id = ?1", [id])? > 0)
    }
}

const ACCOUNT_SELECT: &str = "SELECT a.id, a.name, a.vendor, a.base_url, a.settings, a.demo,
    s.last_attempt, s.last_success, s.last_error, s.last_count, s.last_unreadable
    FROM accounts a LEFT JOIN sync_state s ON s.account_id = a.id";

fn account_from_row(r: &Row) -> rusqlite::Result<Result<Account>> {
    let vendor: String = r.get(2)?;
    let settings: String = r.get(4)?;
    Ok((|| {
        Ok(Account {
            id: r.get(0)?,
            name: r.get(1)?,
            vendor: vendor.parse().map_err(StoreError::Corrupt)?,
            base_url: r.get(3)?,
            settings: serde_json::from_str(&settings).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            demo: r.get(5)?,
            sync: SyncState {
                running: false,
                last_attempt: r.get(6)?,
                last_success: r.get(7)?,
                last_error: r.get(8)?,
                last_count: r.get::<_, Option<i64>>(9)?.map(|n| n as u64),
                last_unreadable: r.get::<_, Option<i64>>(10)?.map(|n| n as u64),
                progress: None,
            },
        })
    })())
}

#[cfg(test)]
mod tests {
    use crate::model::Inbox;
    use crate::store::tests::{item, store_with_account};
    use crate::store::{BoxCounts, ListQuery};

    #[test]
    fn removing_an_account_removes_its_approvals() {
        let (_d, store, acc) = store_with_account();
        let g = store.begin_sync(acc).unwrap();
        store.upsert_page(acc, &[Inbox::Todo], g, &[item("1", &[Inbox::Todo], 1)]).unwrap();
        assert!(store.remove_account(acc).unwrap());
        assert_eq!(store.box_counts().unwrap(), BoxCounts::default());
        assert_eq!(store.list(&ListQuery { limit: 5, ..Default::default() }).unwrap().total, 0);
    }
}
