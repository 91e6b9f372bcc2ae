//! Writing approvals into the cache, the hot path of a sync: one lookup per item, and nothing
//! written for an item whose content and boxes did not change (its `digest` says so), so a
//! sync that finds nothing new costs reads, not writes. Box rows repeat the approval's time,
//! account and status so that box pages and counts never read the wide approval rows.

use super::{Result, StoreError};
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
        super::search_text(item),
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
        .execute(params![id, super::search_text(item)])?;
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
