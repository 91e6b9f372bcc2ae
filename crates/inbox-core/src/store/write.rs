//! Writing approvals into the cache, the hot path of a sync: one lookup per item, and nothing
//! written for an item whose content and boxes did not change (its `digest` says so), so a
//! sync that finds nothing new costs reads, not writes. Box rows repeat the approval's time,
//! account and status so that box pages and counts never read the wide approval rows.

use super::rows::approval_on;
use super::{backlog, write_tx, Result, Store, StoreError};
use crate::model::{Attachment, Field, Inbox, RemoteApproval, Step, StepMark};
use rusqlite::{params, OptionalExtension, Transaction};
use std::hash::Hasher;

/// What `Body` reads back, written without copying the approval.
#[derive(serde::Serialize)]
struct BodyRef<'a> {
    fields: &'a [Field],
    steps: &'a [Step],
    attachments: &'a [Attachment],
    /// Left out when empty, so the bodies (and digests) of approvals without marks stay as
    /// they were before marks were kept.
    #[serde(skip_serializing_if = "<[StepMark]>::is_empty")]
    marks: &'a [StepMark],
}

/// An approval as the columns it is stored in.
struct Columns {
    actions: String,
    body: String,
    raw: String,
    unreadable: Option<String>,
    digest: i64,
}

impl Columns {
    fn of(item: &RemoteApproval) -> Result<Columns> {
        let body = serde_json::to_string(&BodyRef {
            fields: &item.fields,
            steps: &item.steps,
            attachments: &item.attachments,
            marks: &item.marks,
        })
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let actions = item.actions.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(",");
        let raw = item.raw.to_string();
        let unreadable = item
            .unreadable
            .as_ref()
            .map(|u| serde_json::to_string(u).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()?;
        let digest = digest(item, &actions, &body, &raw, unreadable.as_deref());
        Ok(Columns { actions, body, raw, unreadable, digest })
    }
}

/// A fingerprint of everything stored for an approval except its boxes (which depend on the
/// list it came from). SipHash-1-3 with fixed keys: stable across runs and Rust versions, so an
/// unchanged approval is recognised after a restart.
fn digest(item: &RemoteApproval, actions: &str, body: &str, raw: &str, unreadable: Option<&str>) -> i64 {
    let mut h = siphasher::sip::SipHasher13::new_with_keys(0x6170_7072_6f76_616c, 0x696e_626f_785f_7637);
    let texts = [
        &item.title,
        &item.form_name,
        &item.submitter.id,
        &item.submitter.name,
        item.status.as_str(),
        actions,
        body,
        raw,
    ];
    for t in texts {
        h.write_usize(t.len());
        h.write(t.as_bytes());
    }
    // Written only when present (each with its own tag), so the digests of approvals stored
    // before these existed hold.
    for (tag, t) in [(1u8, item.status_word.as_deref()), (2, unreadable)] {
        if let Some(t) = t {
            h.write_u8(tag);
            h.write_usize(t.len());
            h.write(t.as_bytes());
        }
    }
    h.write_i64(item.submitted_at);
    h.write_i64(item.updated_at);
    h.finish() as i64
}

/// What an upsert found in the cache for an item.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Found {
    New,
    Same,
    Changed,
}

/// Stores one item and its membership of the `authority` boxes; returns its id, or `None` when
/// it is in no box at all (then it is not, or no longer, cached).
pub(super) fn upsert(
    tx: &Transaction,
    account_id: i64,
    authority: &[Inbox],
    generation: i64,
    item: &RemoteApproval,
) -> Result<Option<i64>> {
    let member = |b: &Inbox| item.boxes.contains(b);
    let existing: Option<(i64, i64)> = tx
        .prepare_cached("SELECT id, digest FROM approvals WHERE account_id = ?1 AND remote_id = ?2")?
        .query_row(params![account_id, item.remote_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if existing.is_none() && !authority.iter().any(member) {
        return Ok(None); // new, and in none of the boxes this list speaks for
    }
    let columns = Columns::of(item)?;
    let (id, found) = match existing {
        None => (insert(tx, account_id, item, &columns)?, Found::New),
        Some((id, digest)) if digest == columns.digest => (id, Found::Same),
        Some((id, _)) => {
            update(tx, id, item, &columns)?;
            (id, Found::Changed)
        }
    };
    if found == Found::Changed {
        tx.prepare_cached("UPDATE approval_boxes SET updated_at = ?2, status = ?3 WHERE approval_id = ?1")?
            .execute(params![id, item.updated_at, item.status.as_str()])?;
    }
    for b in authority {
        if member(b) {
            tx.prepare_cached(
                "INSERT INTO approval_boxes (approval_id, box, generation, updated_at, account_id, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (approval_id, box) DO UPDATE SET generation = excluded.generation",
            )?
            .execute(params![
                id,
                b.as_str(),
                generation,
                item.updated_at,
                account_id,
                item.status.as_str()
            ])?;
        } else if found != Found::New {
            tx.prepare_cached("DELETE FROM approval_boxes WHERE approval_id = ?1 AND box = ?2")?
                .execute(params![id, b.as_str()])?;
        }
    }
    if found != Found::New && !authority.iter().any(member) && delete_if_boxless(tx, id)? {
        return Ok(None);
    }
    Ok(Some(id))
}

fn insert(tx: &Transaction, account_id: i64, item: &RemoteApproval, c: &Columns) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO approvals (account_id, remote_id, title, form_name, submitter_id, submitter_name,
            submitted_at, updated_at, status, actions, body, raw, search_text, digest, status_word, unreadable)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params![
        account_id,
        item.remote_id,
        item.title,
        item.form_name,
        item.submitter.id,
        item.submitter.name,
        item.submitted_at,
        item.updated_at,
        item.status.as_str(),
        c.actions,
        c.body,
        c.raw,
        super::search::search_text(item),
        c.digest,
        item.status_word,
        c.unreadable,
    ])?;
    Ok(tx.last_insert_rowid())
}

fn update(tx: &Transaction, id: i64, item: &RemoteApproval, c: &Columns) -> Result<()> {
    tx.prepare_cached(
        "UPDATE approvals SET title = ?2, form_name = ?3, submitter_id = ?4, submitter_name = ?5,
            submitted_at = ?6, updated_at = ?7, status = ?8, actions = ?9, body = ?10, raw = ?11,
            digest = ?12, status_word = ?13, unreadable = ?14
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        item.title,
        item.form_name,
        item.submitter.id,
        item.submitter.name,
        item.submitted_at,
        item.updated_at,
        item.status.as_str(),
        c.actions,
        c.body,
        c.raw,
        c.digest,
        item.status_word,
        c.unreadable,
    ])?;
    // A separate statement, so the full-text trigger (AFTER UPDATE OF search_text) re-indexes
    // only when the searchable text really changed.
    tx.prepare_cached("UPDATE approvals SET search_text = ?2 WHERE id = ?1 AND search_text <> ?2")?
        .execute(params![id, super::search::search_text(item)])?;
    Ok(())
}

/// Deletes the approval when it is left in no box; says whether it did.
fn delete_if_boxless(tx: &Transaction, id: i64) -> Result<bool> {
    let n = tx
        .prepare_cached("DELETE FROM approvals WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM approval_boxes b WHERE b.approval_id = ?1)")?
        .execute([id])?;
    Ok(n > 0)
}

/// Deletes the approvals of an account that are in no box any more.
pub(super) fn delete_orphans(tx: &Transaction, account_id: i64) -> Result<()> {
    tx.execute(
        "DELETE FROM approvals WHERE account_id = ?1
         AND NOT EXISTS (SELECT 1 FROM approval_boxes b WHERE b.approval_id = approvals.id)",
        [account_id],
    )?;
    Ok(())
}

/// [`Store::upsert_one`] inside the caller's transaction: `item` with every box known. An
/// account that no longer exists (removed while a callback was on its way) is an error, so
/// the caller's transaction rolls back.
pub(super) fn upsert_known(tx: &rusqlite::Transaction<'_>, account_id: i64, item: &RemoteApproval) -> Result<i64> {
    let generation: i64 =
        tx.query_row("SELECT generation FROM sync_state WHERE account_id = ?1", [account_id], |r| r.get(0))?;
    let former: Option<i64> = tx
        .query_row(
            "SELECT id FROM approvals WHERE account_id = ?1 AND remote_id = ?2",
            params![account_id, item.remote_id],
            |r| r.get(0),
        )
        .optional()?;
    let id = upsert(tx, account_id, &Inbox::ALL, generation, item)?;
    Ok(id.or(former).unwrap_or(0))
}

impl Store {
    /// Stores approvals read from one page of a source, in one transaction (see
    /// [`Store::store_page`]).
    pub fn upsert_page(
        &self,
        account_id: i64,
        boxes: &[Inbox],
        generation: i64,
        items: &[RemoteApproval],
    ) -> Result<usize> {
        self.store_page(account_id, boxes, generation, &PageWrite { read: items, ..PageWrite::default() })
    }

    /// Stores what one page of a source came to, in one transaction, so a failure leaves the
    /// cache as it was before the page: the approvals read (for each of `boxes`, the source's
    /// authority, an item is put in the box when it says so and taken out otherwise; an item
    /// whose content did not change is not rewritten, see `store/write.rs`), the ones found
    /// unchanged (their boxes stay), and the ones that could not be read (placeholders; a cached
    /// approval keeps its last readable content, marked unreadable and offering nothing, in its
    /// cached boxes and those its list item shows). Every one keeps this walk's `generation`,
    /// so the end of the walk leaves it. Returns how many approvals were read.
    pub fn store_page(&self, account_id: i64, boxes: &[Inbox], generation: i64, page: &PageWrite<'_>) -> Result<usize> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        for item in page.read {
            upsert(&tx, account_id, boxes, generation, item)?;
        }
        if !page.unchanged.is_empty() {
            let mut mark = tx.prepare_cached(
                "UPDATE approval_boxes SET generation = ?3
                 WHERE approval_id = (SELECT id FROM approvals WHERE account_id = ?1 AND remote_id = ?2) AND box = ?4",
            )?;
            for id in page.unchanged {
                for b in boxes {
                    mark.execute(params![account_id, id, generation, b.as_str()])?;
                }
            }
        }
        for (placeholder, listed_in) in page.unreadable {
            let cached = approval_on(&tx, account_id, &placeholder.remote_id)?;
            let item = match cached {
                Some(c) => {
                    let mut kept = c.remote.boxes.clone();
                    for b in listed_in {
                        if !kept.contains(b) {
                            kept.push(*b);
                        }
                    }
                    RemoteApproval {
                        actions: vec![],
                        unreadable: placeholder.unreadable.clone(),
                        boxes: kept,
                        ..c.remote
                    }
                }
                None => placeholder.clone(),
            };
            upsert(&tx, account_id, boxes, generation, &item)?;
        }
        backlog::write_page(&tx, account_id, generation, page)?;
        tx.commit()?;
        Ok(page.read.len())
    }

    /// Stores what a vendor answered to a submission. An answer that says "in progress" about
    /// an approval the cache knows ended (a resend answered from the vendor's memory of the
    /// first send) keeps the ending.
    pub fn upsert_submitted(&self, account_id: i64, created: &RemoteApproval) -> Result<i64> {
        if !created.status.is_final() {
            if let Some(known) = self.approval_by_remote(account_id, &created.remote_id)? {
                if known.remote.status.is_final() {
                    tracing::info!(remote_id = %created.remote_id, "a resend answered with an approval the cache knows ended: kept as it ended");
                    return Ok(known.id);
                }
            }
        }
        self.upsert_one(account_id, created)
    }

    /// Stores one approval whose every box is known (after a detail read). Returns its id; an
    /// approval in no box leaves the cache (its former id is returned).
    pub fn upsert_one(&self, account_id: i64, item: &RemoteApproval) -> Result<i64> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        let id = upsert_known(&tx, account_id, item)?;
        tx.commit()?;
        Ok(id)
    }

    /// Called after a source was walked to its end: whatever it did not list this time leaves
    /// its boxes, and approvals left in no box leave the cache. Returns how many left a box.
    /// Only while `owner` holds the account's sync claim ([`Store::claim_sync`]; `None`: no
    /// claim is kept, tests): a walk that lost it to another process removes nothing.
    pub fn finish_source(
        &self,
        account_id: i64,
        boxes: &[Inbox],
        generation: i64,
        owner: Option<&str>,
    ) -> Result<usize> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        if let Some(owner) = owner {
            let holds: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM sync_claims WHERE account_id = ?1 AND owner = ?2)",
                params![account_id, owner],
                |r| r.get(0),
            )?;
            if !holds {
                return Err(StoreError::Conflict(
                    "another process took over this account's sync; its walk decides what leaves the boxes".into(),
                ));
            }
        }
        let mut removed = 0;
        for b in boxes {
            removed += tx.execute(
                "DELETE FROM approval_boxes WHERE box = ?1 AND account_id = ?2 AND generation < ?3",
                params![b.as_str(), account_id, generation],
            )?;
        }
        if removed > 0 {
            delete_orphans(&tx, account_id)?;
        }
        tx.commit()?;
        Ok(removed)
    }
}

/// What a page of a sync came to, for [`Store::store_page`].
#[derive(Default)]
pub struct PageWrite<'a> {
    /// Approvals read in one of the user's boxes.
    pub read: &'a [RemoteApproval],
    /// Remote ids listed as the cache has them (their list items did not change).
    pub unchanged: &'a [String],
    /// Placeholders of items that could not be read, each with the boxes its list item shows.
    pub unreadable: &'a [(RemoteApproval, Vec<Inbox>)],
    /// The source the page is of (the backlog and the remembered reads are per source).
    pub source: &'a str,
    /// Finished items left for the history phase: (remote id, the list item as the sync keeps
    /// it). A cached one keeps its boxes meanwhile (listed in `unchanged` too).
    pub later: &'a [(String, String)],
    /// Finished approvals read now, with the fingerprint of their list items (`sync_reads`).
    pub reads: &'a [(String, i64)],
    /// Items of the backlog this page read: they leave it.
    pub done: &'a [String],
}

#[cfg(test)]
mod tests {
    use crate::model::Inbox;
    use crate::store::tests::{item, store_with_account};
    use crate::store::{BoxCounts, ListQuery};

    #[test]
    fn upsert_keeps_local_id_and_updates_fields() {
        let (_d, store, acc) = store_with_account();
        let g = store.begin_sync(acc).unwrap();
        store.upsert_page(acc, &[Inbox::Todo], g, &[item("1", &[Inbox::Todo], 10)]).unwrap();
        let first = store.list(&ListQuery { inbox: Some(Inbox::Todo), limit: 50, ..Default::default() }).unwrap();
        let mut changed = item("1", &[Inbox::Todo], 20);
        changed.title = "改过的标题".into();
        store.upsert_page(acc, &[Inbox::Todo], g, &[changed]).unwrap();
        let again = store.approval(first.items[0].id).unwrap().unwrap();
        assert_eq!(again.remote.title, "改过的标题");
        assert_eq!(again.remote.fields[0].value, "请批准季度报表");
        assert_eq!(store.box_counts().unwrap().todo, 1);
    }

    #[test]
    fn items_move_between_boxes_and_unlisted_ones_leave() {
        let (_d, store, acc) = store_with_account();
        let g1 = store.begin_sync(acc).unwrap();
        let handler = [Inbox::Todo, Inbox::Processed];
        store.upsert_page(acc, &handler, g1, &[item("1", &[Inbox::Todo], 1), item("2", &[Inbox::Todo], 2)]).unwrap();
        store.upsert_page(acc, &[Inbox::Cc], g1, &[item("2", &[Inbox::Cc], 2)]).unwrap();
        store.finish_source(acc, &handler, g1, None).unwrap();
        assert_eq!(store.box_counts().unwrap(), BoxCounts { todo: 2, cc: 1, ..Default::default() });

        // Next sync: 1 was decided (todo → processed), 2 is no longer listed by the handler list.
        let g2 = store.begin_sync(acc).unwrap();
        store.upsert_page(acc, &handler, g2, &[item("1", &[Inbox::Processed], 3)]).unwrap();
        store.finish_source(acc, &handler, g2, None).unwrap();
        let counts = store.box_counts().unwrap();
        assert_eq!(counts, BoxCounts { processed: 1, cc: 1, ..Default::default() });

        // And when cc stops listing 2, it leaves the cache entirely.
        store.finish_source(acc, &[Inbox::Cc], store.begin_sync(acc).unwrap(), None).unwrap();
        let all = store.list(&ListQuery { limit: 50, ..Default::default() }).unwrap();
        assert_eq!(all.items.iter().map(|i| i.remote_id.as_str()).collect::<Vec<_>>(), ["1"]);
    }
}
