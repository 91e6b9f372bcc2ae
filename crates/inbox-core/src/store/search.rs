//! Full-text search: the tokens an approval is indexed by (each CJK character one token, so one-
//! and two-character Chinese queries match anywhere), what a typed query becomes, and the
//! indexing a sync leaves for later (`fts_pending`).

use super::{write_tx, Result, Store};
use crate::model::RemoteApproval;

impl Store {
    /// Indexes for search up to `batch` of the approvals written since the last call (oldest
    /// first), in one transaction; returns how many. A sync calls it until it returns 0 (see
    /// [`INDEX_LATER`]); small batches keep the window's reads waiting no longer than a page.
    pub fn index_pending(&self, batch: usize) -> Result<usize> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        tx.execute(
            "INSERT INTO approvals_fts (rowid, search_text)
             SELECT a.id, a.search_text FROM approvals a WHERE a.id IN (SELECT id FROM fts_pending ORDER BY id LIMIT ?1)",
            [batch as i64],
        )?;
        let n = tx.execute(
            "DELETE FROM fts_pending WHERE id IN (SELECT id FROM fts_pending ORDER BY id LIMIT ?1)",
            [batch as i64],
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// How many approvals are written but not yet indexed for search.
    pub fn pending_index(&self) -> Result<u64> {
        let n: i64 = self.conn().query_row("SELECT count(*) FROM fts_pending", [], |r| r.get(0))?;
        Ok(n as u64)
    }
}

/// What the user typed, as the full-text index looks for it (`expression`) and as a scan of
/// the rows not yet indexed does (`pattern`, a `LIKE` on `' ' || search_text || ' '`): the
/// same tokens, as a phrase, the last one a prefix when it is a word.
pub(crate) struct Terms {
    pub expression: String,
    pub pattern: String,
}

/// The [`Terms`] of what the user typed; `None` when nothing in it is indexed (punctuation).
/// The tokens are those [`search_text`] makes, as one phrase whose last token may be a prefix
/// when it is a word (so typing is searching). A CJK token is one character, so it has no
/// longer forms to match and is looked up exactly (a prefix lookup costs twice as much).
/// Tokens are letters, digits and CJK only: nothing in them is special to FTS5 or LIKE.
pub(crate) fn terms(typed: &str) -> Option<Terms> {
    let tokens = search_tokens(typed);
    let last_is_word = !tokens.last()?.chars().any(is_cjk);
    let phrase = tokens.join(" ");
    let (fts_end, like_end) = if last_is_word { ("\" *", "%") } else { ("\"", " %") };
    Some(Terms { expression: format!("\"{phrase}{fts_end}"), pattern: format!("% {phrase}{like_end}") })
}

/// Splits text the way the search index sees it: each CJK character is a token of its own (so
/// one- and two-character Chinese queries match anywhere), other runs of letters and digits
/// are words; everything else separates.
pub(super) fn search_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if is_cjk(c) {
            tokens.extend((!word.is_empty()).then(|| std::mem::take(&mut word)));
            tokens.push(c.to_string());
        } else if c.is_alphanumeric() {
            word.push(c);
        } else if !word.is_empty() {
            tokens.push(std::mem::take(&mut word));
        }
    }
    tokens.extend((!word.is_empty()).then_some(word));
    tokens
}

pub(super) fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | 0x3040..=0x30FF | 0xAC00..=0xD7AF)
}

/// Everything a user may search for, as the tokens the full-text index stores.
pub(super) fn search_text(item: &RemoteApproval) -> String {
    let mut out = String::with_capacity(1024);
    let mut add = |text: &str| push_tokens(&mut out, text);
    add(&item.title);
    add(&item.form_name);
    add(&item.submitter.name);
    // Field labels are left out: every approval of a form has the same ones, so they only
    // cost index space (a quarter of the tokens) and find everything.
    for f in &item.fields {
        add(&f.value);
    }
    for m in item.steps.iter().flat_map(|s| &s.members) {
        add(&m.user.name);
        if let Some(c) = &m.comment {
            add(c);
        }
    }
    out
}

/// Appends the tokens of `text` (as [`search_tokens`] splits it) to `out`, space-separated,
/// without a string per token: this runs for every approval a sync writes.
fn push_tokens(out: &mut String, text: &str) {
    let mut in_word = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let cjk = is_cjk(c);
        if (cjk || (c.is_alphanumeric() && !in_word)) && !out.is_empty() {
            out.push(' ');
        }
        if cjk || c.is_alphanumeric() {
            out.push(c);
        }
        in_word = c.is_alphanumeric() && !cjk;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Inbox, RemoteApproval};
    use crate::store::tests::{item, store_with_account};
    use crate::store::ListQuery;

    #[test]
    fn search_matches_one_and_two_chinese_characters_and_fields() {
        let (_d, store, acc) = store_with_account();
        let g = store.begin_sync(acc).unwrap();
        let mut other = item("22", &[Inbox::Todo], 2);
        other.title = "Quarterly 合同".into();
        store.upsert_page(acc, &[Inbox::Todo], g, &[item("1", &[Inbox::Todo], 1), other]).unwrap();
        let hits =
            |s: &str| store.list(&ListQuery { search: Some(s.into()), limit: 50, ..Default::default() }).unwrap().total;
        // The same answers from the scan of rows not yet indexed and from the index.
        for indexed in [false, true] {
            assert_eq!(store.pending_index().unwrap(), if indexed { 0 } else { 2 });
            assert_eq!(hits("报"), 2);
            assert_eq!(hits("季度"), 2);
            assert_eq!(hits("测试3"), 2);
            assert_eq!(hits("合同"), 1);
            assert_eq!(hits("同合"), 0);
            assert_eq!(hits("%"), 0);
            assert_eq!(hits("批准季"), 2, "three characters across a word boundary");
            assert_eq!(hits("准批"), 0, "characters must be adjacent and in order");
            assert_eq!(hits("上传审批 1"), 1, "a title with its number");
            assert_eq!(hits("上传审批 2"), 0, "a number is a word: 22 is not 2, it starts with it");
            assert_eq!(hits("quart"), 1, "the last word is a prefix");
            assert_eq!(hits("QUARTERLY 合"), 1);
            assert_eq!(hits("uarterly"), 0, "words match from their start");
            if !indexed {
                assert_eq!(store.index_pending(1).unwrap(), 1);
                assert_eq!(store.index_pending(10).unwrap(), 1);
            }
        }
    }

    /// The full-text index holds exactly the approvals not pending, through updates and
    /// deletions of approvals in either state: once it caught up, FTS5's own integrity check
    /// finds it equal to the approvals' text (while rows are pending, its structure only).
    #[test]
    fn the_index_catches_up_with_inserts_updates_and_deletions() {
        let (_d, store, acc) = store_with_account();
        let integrity = |store: &Store| {
            let against_text = i64::from(store.pending_index().unwrap() == 0);
            store
                .conn()
                .execute(
                    "INSERT INTO approvals_fts (approvals_fts, rank) VALUES ('integrity-check', ?1)",
                    [against_text],
                )
                .map(|_| ())
        };
        let hits =
            |s: &str| store.list(&ListQuery { search: Some(s.into()), limit: 50, ..Default::default() }).unwrap().total;
        let g = store.begin_sync(acc).unwrap();
        let boxes = [Inbox::Todo];
        store.upsert_page(acc, &boxes, g, &[item("1", &boxes, 1), item("2", &boxes, 1)]).unwrap();
        assert_eq!(store.index_pending(100).unwrap(), 2);
        store.upsert_page(acc, &boxes, g, &[item("3", &boxes, 1), item("4", &boxes, 1)]).unwrap();
        let renamed = |id: &str, title: &str| RemoteApproval { title: title.into(), ..item(id, &boxes, 2) };
        // 1 indexed and renamed, 3 pending and renamed, 2 indexed and 4 pending both leave.
        store
            .upsert_page(
                acc,
                &boxes,
                g,
                &[renamed("1", "差旅报销"), renamed("3", "加班申请"), item("2", &[], 2), item("4", &[], 2)],
            )
            .unwrap();
        assert_eq!(store.pending_index().unwrap(), 2, "the renamed two wait for the index");
        for _ in 0..2 {
            assert_eq!((hits("差旅"), hits("加班"), hits("上传审批")), (1, 1, 0));
            integrity(&store).unwrap();
            store.index_pending(100).unwrap();
        }
        assert_eq!(store.pending_index().unwrap(), 0);
        assert!(store.remove_account(acc).unwrap());
        integrity(&store).unwrap();
        assert_eq!(hits("差旅"), 0);
    }

    #[test]
    fn search_tokens_split_cjk_per_character_and_keep_words() {
        assert_eq!(search_tokens("差旅报销 Q3-Report"), ["差", "旅", "报", "销", "q3", "report"]);
        let mut text = String::new();
        push_tokens(&mut text, "差旅报销 Q3-Report");
        push_tokens(&mut text, "x");
        assert_eq!(text, search_tokens("差旅报销 Q3-Report x").join(" "));
        let expression = |typed: &str| terms(typed).map(|t| t.expression);
        assert_eq!(expression("申请-99"), Some("\"申 请 99\" *".to_string()));
        assert_eq!(expression("差旅"), Some("\"差 旅\"".to_string()));
        assert_eq!(expression("\"%"), None);
        assert_eq!(terms("申请-99").map(|t| t.pattern).as_deref(), Some("% 申 请 99%"));
        assert_eq!(terms("差旅").map(|t| t.pattern).as_deref(), Some("% 差 旅 %"));
    }
}
