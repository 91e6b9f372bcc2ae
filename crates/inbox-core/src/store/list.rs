//! Reading the list: one page of a box (or of all boxes) with its total, narrowed by filters
//! and search. The plans, chosen for 100k cached approvals (BENCHMARKS.md):
//! - a box page walks a covering index of the narrow box rows in page order, and reads the
//!   wide approval rows only for the 50 it returns;
//! - a total narrowed only by box, account, vendor and status is a sum over `box_totals`;
//! - a search first asks the full-text index for its matches (rowids), and scans the rows a sync
//!   wrote that are not indexed yet (`fts_pending`, see `store::INDEX_LATER`). Few matches narrow the
//!   SQL page as a list of ids; many (a one-character term can match a third of everything) are
//!   intersected here with the page's ordered id stream, which SQLite would otherwise do by
//!   probing an index once per row, several times slower.

use super::rows::{approval_on, approval_with, summary_from_row, SUMMARY_COLUMNS, SUMMARY_FROM};
use super::{write_tx, Result, Store, StoreError, Terms};
use crate::model::{Approval, ApprovalSummary, Inbox, Status, Vendor};
use rusqlite::{params, params_from_iter, Connection};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Up to this many search matches narrow the SQL query as an id list; above, the matches are
/// intersected with the page order here.
const FEW_MATCHES: usize = 2_000;
/// The most rows one page may ask for.
const MAX_LIMIT: u32 = 500;

/// One page of `q` and its total.
pub(super) fn page(conn: &Connection, q: &ListQuery) -> Result<Page> {
    match q.search.as_deref().filter(|s| !s.trim().is_empty()).map(super::terms) {
        None => plain(conn, q, &Shape::of(q, None)),
        // Only punctuation typed: nothing is indexed under it.
        Some(None) => Ok(Page { items: Vec::new(), total: 0 }),
        Some(Some(m)) => searched(conn, q, &m),
    }
}

/// The SQL of a list query without its search. Box pages walk `approval_boxes` (indexes
/// `approval_boxes_page`, `approval_boxes_account`); the all-boxes view walks `approvals_page`.
struct Shape {
    table: &'static str,
    joins: &'static str,
    /// The approval id column of `table`.
    id: &'static str,
    filter: String,
    order: &'static str,
    args: Vec<String>,
    /// The same narrowing over `box_totals`, when it can give the total.
    totals: Option<String>,
}

impl Shape {
    /// `matches` (a JSON array of approval ids) narrows to those approvals.
    fn of(q: &ListQuery, matches: Option<String>) -> Shape {
        let mut args = Vec::new();
        let mut arg = |v: String| -> String {
            args.push(v);
            format!("?{}", args.len())
        };
        let oldest = q.sort == Sort::Oldest;
        let (table, joins, id, prefix) = match q.inbox {
            Some(_) => (
                "approval_boxes b",
                "JOIN approvals a ON a.id = b.approval_id JOIN accounts c ON c.id = a.account_id",
                "b.approval_id",
                "b",
            ),
            // The planner would rather walk an index matching a filter and sort; for a page of
            // 50 the time order is the cheap walk. A short id list is looked up directly.
            None if matches.is_some() => ("approvals a", "JOIN accounts c ON c.id = a.account_id", "a.id", "a"),
            None => ("approvals a INDEXED BY approvals_page", "JOIN accounts c ON c.id = a.account_id", "a.id", "a"),
        };
        let order = match (q.inbox.is_some(), oldest) {
            (true, false) => "b.updated_at DESC, b.approval_id DESC",
            (true, true) => "b.updated_at ASC, b.approval_id ASC",
            (false, false) => "a.updated_at DESC, a.id DESC",
            (false, true) => "a.updated_at ASC, a.id ASC",
        };
        let mut filter = String::from("1");
        let mut totals = None;
        if let Some(b) = q.inbox {
            let p = arg(b.as_str().into());
            filter = format!("b.box = {p}");
            totals = Some(format!("t.box = {p}"));
        }
        let mut both = |sql: String, totals: &mut Option<String>| {
            filter += &format!(" AND {prefix}.{sql}");
            if let Some(t) = totals.as_mut() {
                *t += &format!(" AND t.{sql}");
            }
        };
        if let Some(s) = q.status {
            both(format!("status = {}", arg(s.as_str().into())), &mut totals);
        }
        if let Some(v) = q.vendor {
            both(
                format!("account_id IN (SELECT id FROM accounts WHERE vendor = {})", arg(v.as_str().into())),
                &mut totals,
            );
        }
        if let Some(a) = q.account_id {
            both(format!("account_id = CAST({} AS INTEGER)", arg(a.to_string())), &mut totals);
        }
        // The rest is not in `box_totals`: the total is counted.
        let mut narrowed = false;
        let mut narrow = |sql: String| {
            narrowed = true;
            filter += &format!(" AND {sql}");
        };
        // Columns of the wide row are reached through their own indexes, so the count still
        // walks only the narrow rows of the page's table.
        if let Some(f) = q.form_name.as_deref().filter(|f| !f.is_empty()) {
            // With the status too, the form's index narrows to the approvals the page can show.
            let status = q.status.map(|s| format!(" AND status = {}", arg(s.as_str().into()))).unwrap_or_default();
            narrow(format!("{id} IN (SELECT id FROM approvals WHERE form_name = {}{status})", arg(f.into())));
        }
        if let Some(p) = q.submitter.as_deref().filter(|p| !p.is_empty()) {
            narrow(format!("{id} IN (SELECT id FROM approvals WHERE submitter_name = {})", arg(p.into())));
        }
        if let Some(t) = q.since {
            narrow(format!("{prefix}.updated_at >= CAST({} AS INTEGER)", arg(t.to_string())));
        }
        if let Some(t) = q.until {
            narrow(format!("{prefix}.updated_at < CAST({} AS INTEGER)", arg(t.to_string())));
        }
        if q.unreadable {
            narrow(format!("{id} IN (SELECT id FROM approvals WHERE unreadable IS NOT NULL)"));
        }
        if let Some(m) = matches {
            narrow(format!("{id} IN (SELECT value FROM json_each({}))", arg(m)));
        }
        let totals = totals.filter(|_| !narrowed);
        Shape { table, joins, id, filter, order, args, totals }
    }

    /// Whether the shape is every cached approval (each is in some box, `PERF_SCHEMA`).
    fn is_everything(&self) -> bool {
        self.filter == "1"
    }

    fn total(&self, conn: &Connection) -> Result<u64> {
        let sql = match &self.totals {
            Some(t) => format!("SELECT coalesce(sum(n), 0) FROM box_totals t WHERE {t}"),
            None => format!("SELECT count(*) FROM {} WHERE {}", self.table, self.filter),
        };
        let n: i64 = conn.prepare_cached(&sql)?.query_row(params_from_iter(self.args.iter()), |r| r.get(0))?;
        Ok(n as u64)
    }
}

/// A page straight from SQL.
fn plain(conn: &Connection, q: &ListQuery, s: &Shape) -> Result<Page> {
    let total = s.total(conn)?;
    let sql = format!(
        "{SUMMARY_COLUMNS} FROM {} {} WHERE {} ORDER BY {} LIMIT {} OFFSET {}",
        s.table,
        s.joins,
        s.filter,
        s.order,
        q.limit.min(MAX_LIMIT),
        q.offset
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let items = stmt
        .query_map(params_from_iter(s.args.iter()), summary_from_row)?
        .map(|r| r.map_err(StoreError::from).and_then(|s| s))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page { items, total })
}

/// A page of a search: the full-text matches, then the page among them.
fn searched(conn: &Connection, q: &ListQuery, terms: &Terms) -> Result<Page> {
    searched_with(conn, q, terms, FEW_MATCHES)
}

fn searched_with(conn: &Connection, q: &ListQuery, terms: &Terms, few: usize) -> Result<Page> {
    let matches = matches(conn, terms)?;
    if matches.len() <= few {
        let ids = serde_json::to_string(&matches).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        return plain(conn, q, &Shape::of(q, Some(ids)));
    }
    let shape = Shape::of(q, None);
    let (ids, total) = intersect(conn, q, &shape, &matches)?;
    Ok(Page { items: summaries(conn, &ids)?, total })
}

/// The approval ids that match, ascending: the full-text index's matches, and those of the
/// approvals not yet indexed (`fts_pending`, empty but after a sync's writes), scanned.
fn matches(conn: &Connection, terms: &Terms) -> Result<Vec<i64>> {
    let mut stmt =
        conn.prepare_cached("SELECT rowid FROM approvals_fts WHERE approvals_fts MATCH ?1 ORDER BY rowid")?;
    let mut ids = stmt.query_map([&terms.expression], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?;
    // CROSS JOIN keeps the pending ids the outer loop: without statistics SQLite may scan
    // every approval instead (100 ms at 100k) when nothing is pending.
    let mut pending = conn.prepare_cached(
        "SELECT p.id FROM fts_pending p CROSS JOIN approvals a ON a.id = p.id WHERE ' ' || a.search_text || ' ' LIKE ?1",
    )?;
    let found = pending.query_map([&terms.pattern], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?;
    if !found.is_empty() {
        ids.extend(found);
        ids.sort_unstable();
    }
    Ok(ids)
}

/// Walks the shape's ids in page order, keeping those in `matches` (ascending): the page's ids
/// and the total. When the shape is everything, the total is the number of matches and the
/// walk stops at the page's end.
fn intersect(conn: &Connection, q: &ListQuery, s: &Shape, matches: &[i64]) -> Result<(Vec<i64>, u64)> {
    let (offset, limit) = (q.offset as usize, q.limit.min(MAX_LIMIT) as usize);
    let everything = s.is_everything();
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {} FROM {} WHERE {} ORDER BY {}", s.id, s.table, s.filter, s.order))?;
    let mut rows = stmt.query(params_from_iter(s.args.iter()))?;
    let (mut seen, mut page) = (0usize, Vec::with_capacity(limit));
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        if matches.binary_search(&id).is_err() {
            continue;
        }
        if seen >= offset && page.len() < limit {
            page.push(id);
        }
        seen += 1;
        if everything && page.len() == limit {
            break;
        }
    }
    let total = if everything { matches.len() } else { seen };
    Ok((page, total as u64))
}

/// The summaries of `ids`, in that order.
fn summaries(conn: &Connection, ids: &[i64]) -> Result<Vec<ApprovalSummary>> {
    let json = serde_json::to_string(ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut stmt = conn
        .prepare_cached(&format!("{SUMMARY_COLUMNS}{SUMMARY_FROM} WHERE a.id IN (SELECT value FROM json_each(?1))"))?;
    let mut found: HashMap<i64, ApprovalSummary> = stmt
        .query_map([json], summary_from_row)?
        .map(|r| r.map_err(StoreError::from).and_then(|s| s).map(|s| (s.id, s)))
        .collect::<Result<_>>()?;
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// How many approvals each box holds, from the counters.
pub(super) fn box_counts(conn: &Connection) -> Result<super::BoxCounts> {
    let mut stmt = conn.prepare_cached("SELECT box, sum(n) FROM box_totals GROUP BY box")?;
    let mut counts = super::BoxCounts::default();
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
        let (b, n) = row?;
        let n = n.max(0) as u64;
        match b.parse::<Inbox>().map_err(StoreError::Corrupt)? {
            Inbox::Todo => counts.todo = n,
            Inbox::Submitted => counts.submitted = n,
            Inbox::Processed => counts.processed = n,
            Inbox::Cc => counts.cc = n,
            Inbox::Managed => counts.managed = n,
        }
    }
    Ok(counts)
}

/// What the list shows: one box (or all), optionally narrowed, newest first.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(optional_fields)]
pub struct ListQuery {
    pub inbox: Option<Inbox>,
    pub vendor: Option<Vendor>,
    pub account_id: Option<i64>,
    pub search: Option<String>,
    /// Only approvals in this overall status.
    pub status: Option<Status>,
    /// Only approvals of this form (the vendor's form name, as listed by [`Store::facets`]).
    pub form_name: Option<String>,
    /// Only approvals submitted by this person (the name as shown).
    pub submitter: Option<String>,
    /// Only approvals last updated at or after this time (Unix seconds).
    pub since: Option<i64>,
    /// Only approvals last updated before this time (Unix seconds).
    pub until: Option<i64>,
    /// Only approvals the last sync could not read (placeholders and stale copies).
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub unreadable: bool,
    #[serde(default)]
    #[ts(as = "Option<Sort>", optional)]
    pub sort: Sort,
    #[serde(default)]
    pub offset: u32,
    #[serde(default = "default_limit")]
    pub limit: u32,
}

/// The order of a list: most recently updated first, or oldest first (what has waited longest).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Newest,
    Oldest,
}

/// The values the list's filters offer for one box, most frequent first, each with its count.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct Facets {
    pub form_names: Vec<FacetValue>,
    pub submitters: Vec<FacetValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
}

/// Todos not announced before: how many, and the newest few to name in a notification.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NewTodos {
    pub total: u64,
    pub newest: Vec<ApprovalSummary>,
}

fn default_limit() -> u32 {
    50
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Page {
    pub items: Vec<ApprovalSummary>,
    pub total: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct BoxCounts {
    pub todo: u64,
    pub submitted: u64,
    pub processed: u64,
    pub cc: u64,
    pub managed: u64,
}

/// How many distinct values a filter menu offers at most.
const FACET_LIMIT: u32 = 200;

impl Store {
    pub fn approval(&self, id: i64) -> Result<Option<Approval>> {
        approval_with(&self.conn(), "a.id = ?1", params![id])
    }

    /// The cached approval of an account by the vendor's id.
    pub fn approval_by_remote(&self, account_id: i64, remote_id: &str) -> Result<Option<Approval>> {
        approval_on(&self.conn(), account_id, remote_id)
    }

    /// One page of the list and its total (see `store/list.rs` for the plans).
    pub fn list(&self, q: &ListQuery) -> Result<Page> {
        page(&self.conn(), q)
    }

    /// How many approvals each box holds.
    pub fn box_counts(&self) -> Result<BoxCounts> {
        box_counts(&self.conn())
    }

    /// The form names and submitters present in a box (or all boxes), for the filter menus.
    pub fn facets(&self, inbox: Option<Inbox>) -> Result<Facets> {
        let conn = self.conn();
        let group = |column: &str| -> Result<Vec<FacetValue>> {
            let sql = format!(
                "SELECT a.{column}, count(*) FROM approvals a
                 WHERE EXISTS (SELECT 1 FROM approval_boxes b WHERE b.approval_id = a.id AND (?1 IS NULL OR b.box = ?1))
                 GROUP BY a.{column} ORDER BY count(*) DESC, a.{column} LIMIT {FACET_LIMIT}"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map([inbox.map(Inbox::as_str)], |r| {
                Ok(FacetValue { value: r.get(0)?, count: r.get::<_, i64>(1)? as u64 })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        };
        Ok(Facets { form_names: group("form_name")?, submitters: group("submitter_name")? })
    }

    /// The todos never announced before, marked as announced now: each is reported once,
    /// however many syncs see it. `newest` holds at most `keep` of them, newest first.
    pub fn take_new_todos(&self, keep: u32) -> Result<NewTodos> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        let unseen = "FROM approval_boxes b WHERE b.box = 'todo'
            AND NOT EXISTS (SELECT 1 FROM todo_announced n WHERE n.approval_id = b.approval_id)";
        let total: i64 = tx.query_row(&format!("SELECT count(*) {unseen}"), [], |r| r.get(0))?;
        let newest = if total == 0 {
            Vec::new()
        } else {
            let sql = format!(
                "{SUMMARY_COLUMNS}{SUMMARY_FROM} WHERE a.id IN (SELECT b.approval_id {unseen})
                 ORDER BY a.updated_at DESC, a.id DESC LIMIT {keep}"
            );
            let mut stmt = tx.prepare(&sql)?;
            let rows = stmt.query_map([], summary_from_row)?;
            rows.map(|r| r.map_err(StoreError::from).and_then(|s| s)).collect::<Result<Vec<_>>>()?
        };
        tx.execute(&format!("INSERT INTO todo_announced (approval_id) SELECT b.approval_id {unseen}"), [])?;
        tx.commit()?;
        Ok(NewTodos { total: total as u64, newest })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Inbox;
    use crate::model::Status;
    use crate::store::tests::varied;
    use crate::store::tests::{item, store_with_account};
    use crate::store::Store;

    /// Both search plans (an id list, and the intersection here) give the same pages.
    #[test]
    fn many_and_few_matches_page_alike() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let acc = store
            .insert_account("云盘", crate::model::Vendor::Yomicloud, "http://x", &Default::default(), false)
            .unwrap();
        let g = store.begin_sync(acc).unwrap();
        let items: Vec<_> = (0..30)
            .map(|i| {
                varied(
                    &i.to_string(),
                    100 + i,
                    if i % 3 == 0 { Status::Approved } else { Status::Pending },
                    if i % 2 == 0 { "报销" } else { "请假" },
                    "张伟",
                )
            })
            .collect();
        store.upsert_page(acc, &[Inbox::Todo], g, &items).unwrap();
        let conn = store.conn();
        let queries = [
            ListQuery { limit: 5, offset: 3, ..Default::default() },
            ListQuery { inbox: Some(Inbox::Todo), limit: 4, offset: 2, sort: Sort::Oldest, ..Default::default() },
            ListQuery {
                inbox: Some(Inbox::Todo),
                status: Some(Status::Pending),
                form_name: Some("报销".into()),
                limit: 50,
                ..Default::default()
            },
        ];
        for q in queries {
            let ids = |few| {
                let page = searched_with(&conn, &q, &crate::store::terms("上").unwrap(), few).unwrap();
                (page.items.iter().map(|i| i.remote_id.clone()).collect::<Vec<_>>(), page.total)
            };
            let (listed, intersected) = (ids(usize::MAX), ids(0));
            assert_eq!(listed, intersected, "{q:?}");
            assert!(!listed.0.is_empty());
        }
    }

    #[test]
    fn filters_narrow_a_box_and_its_total_and_sort_reverses() {
        let (_d, store, acc) = store_with_account();
        let g = store.begin_sync(acc).unwrap();
        let items = [
            varied("1", 100, Status::Pending, "报销", "张伟"),
            varied("2", 200, Status::Pending, "请假", "张伟"),
            varied("3", 300, Status::Approved, "报销", "王芳"),
            varied("4", 400, Status::Pending, "报销", "王芳"),
        ];
        store.upsert_page(acc, &[Inbox::Todo], g, &items).unwrap();
        let ids = |q: ListQuery| {
            let page = store.list(&ListQuery { limit: 50, ..q }).unwrap();
            let ids: Vec<String> = page.items.iter().map(|i| i.remote_id.clone()).collect();
            assert_eq!(page.total as usize, ids.len(), "the total counts what the filter keeps");
            ids
        };
        for inbox in [Some(Inbox::Todo), None] {
            assert_eq!(ids(ListQuery { inbox, form_name: Some("报销".into()), ..Default::default() }), ["4", "3", "1"]);
            assert_eq!(
                ids(ListQuery {
                    inbox,
                    form_name: Some("报销".into()),
                    status: Some(Status::Pending),
                    ..Default::default()
                }),
                ["4", "1"]
            );
            assert_eq!(ids(ListQuery { inbox, submitter: Some("张伟".into()), ..Default::default() }), ["2", "1"]);
            assert_eq!(ids(ListQuery { inbox, since: Some(200), until: Some(400), ..Default::default() }), ["3", "2"]);
            assert_eq!(ids(ListQuery { inbox, sort: Sort::Oldest, ..Default::default() }), ["1", "2", "3", "4"]);
            assert_eq!(
                ids(ListQuery {
                    inbox,
                    search: Some("请".into()),
                    form_name: Some("请假".into()),
                    ..Default::default()
                }),
                ["2"]
            );
        }
    }

    #[test]
    fn facets_list_a_boxs_forms_and_submitters_by_frequency() {
        let (_d, store, acc) = store_with_account();
        let g = store.begin_sync(acc).unwrap();
        let items = [
            varied("1", 1, Status::Pending, "报销", "张伟"),
            varied("2", 2, Status::Pending, "请假", "王芳"),
            varied("3", 3, Status::Pending, "报销", "王芳"),
        ];
        store.upsert_page(acc, &[Inbox::Todo], g, &items).unwrap();
        let f = store.facets(Some(Inbox::Todo)).unwrap();
        assert_eq!(
            f.form_names,
            [FacetValue { value: "报销".into(), count: 2 }, FacetValue { value: "请假".into(), count: 1 }]
        );
        assert_eq!(f.submitters[0], FacetValue { value: "王芳".into(), count: 2 });
        assert_eq!(store.facets(Some(Inbox::Cc)).unwrap(), Facets::default());
    }

    #[test]
    fn each_new_todo_is_announced_once() {
        let (_d, store, acc) = store_with_account();
        let g = store.begin_sync(acc).unwrap();
        store
            .upsert_page(
                acc,
                &[Inbox::Todo],
                g,
                &[item("1", &[Inbox::Todo], 1), item("2", &[Inbox::Todo], 2), item("3", &[Inbox::Todo], 3)],
            )
            .unwrap();
        let first = store.take_new_todos(2).unwrap();
        assert_eq!(first.total, 3);
        assert_eq!(first.newest.iter().map(|i| i.remote_id.as_str()).collect::<Vec<_>>(), ["3", "2"]);
        assert_eq!(store.take_new_todos(2).unwrap(), NewTodos::default(), "nothing new on the next sync");
        store
            .upsert_page(acc, &[Inbox::Todo], g, &[item("1", &[Inbox::Todo], 5), item("4", &[Inbox::Todo], 4)])
            .unwrap();
        let next = store.take_new_todos(2).unwrap();
        assert_eq!((next.total, next.newest[0].remote_id.as_str()), (1, "4"), "an update is not new");
    }
}
