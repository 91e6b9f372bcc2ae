//! The cache's schema: every migration in order (`rusqlite_migration`), and the longer SQL
//! some of them run. Never edit a released entry: append a new one.

use super::backlog;
use rusqlite_migration::{Migrations, M};

/// The schema, one entry per version. Never edit a released entry: append a new one.
pub(super) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(
        "CREATE TABLE accounts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            vendor TEXT NOT NULL,
            base_url TEXT NOT NULL,
            settings TEXT NOT NULL DEFAULT '{}',
            demo INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE sync_state (
            account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
            generation INTEGER NOT NULL DEFAULT 0,
            last_attempt INTEGER,
            last_success INTEGER,
            last_error TEXT
        );
        CREATE TABLE approvals (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            remote_id TEXT NOT NULL,
            title TEXT NOT NULL,
            form_name TEXT NOT NULL,
            submitter_id TEXT NOT NULL,
            submitter_name TEXT NOT NULL,
            submitted_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            status TEXT NOT NULL,
            actions TEXT NOT NULL,
            body TEXT NOT NULL,
            raw TEXT NOT NULL,
            search_text TEXT NOT NULL,
            UNIQUE (account_id, remote_id)
        );
        CREATE INDEX approvals_updated ON approvals(updated_at DESC, id DESC);
        CREATE TABLE approval_boxes (
            approval_id INTEGER NOT NULL REFERENCES approvals(id) ON DELETE CASCADE,
            box TEXT NOT NULL,
            generation INTEGER NOT NULL,
            PRIMARY KEY (approval_id, box)
        ) WITHOUT ROWID;
        CREATE INDEX approval_boxes_box ON approval_boxes(box, approval_id);",
    ),
    // Nonces of accepted vendor callbacks (zeyi), so a replayed callback is refused.
    M::up(
        "CREATE TABLE callback_nonces (
            nonce TEXT PRIMARY KEY,
            seen_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX callback_nonces_seen ON callback_nonces(seen_at);",
    ),
    // Box pages straight from one index, and full-text search (see `search_text`).
    M::up(
        "ALTER TABLE approval_boxes ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE approval_boxes ADD COLUMN account_id INTEGER NOT NULL DEFAULT 0;
        UPDATE approval_boxes SET (updated_at, account_id) =
            (SELECT a.updated_at, a.account_id FROM approvals a WHERE a.id = approval_boxes.approval_id);
        CREATE INDEX approval_boxes_page ON approval_boxes(box, updated_at DESC, approval_id DESC);
        CREATE INDEX approval_boxes_account ON approval_boxes(box, account_id);
        CREATE INDEX approvals_page ON approvals(updated_at DESC, id DESC, account_id);
        CREATE VIRTUAL TABLE approvals_fts USING fts5(
            search_text, content = 'approvals', content_rowid = 'id', tokenize = 'unicode61'
        );
        INSERT INTO approvals_fts (approvals_fts) VALUES ('rebuild');
        CREATE TRIGGER approvals_fts_insert AFTER INSERT ON approvals BEGIN
            INSERT INTO approvals_fts (rowid, search_text) VALUES (new.id, new.search_text);
        END;
        CREATE TRIGGER approvals_fts_delete AFTER DELETE ON approvals BEGIN
            INSERT INTO approvals_fts (approvals_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        END;
        CREATE TRIGGER approvals_fts_update AFTER UPDATE OF search_text ON approvals BEGIN
            INSERT INTO approvals_fts (approvals_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
            INSERT INTO approvals_fts (rowid, search_text) VALUES (new.id, new.search_text);
        END;",
    ),
    // Drafts of approvals being started (see `store/drafts.rs`).
    M::up(
        "CREATE TABLE drafts (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            submission TEXT NOT NULL,
            uploads TEXT NOT NULL DEFAULT '[]',
            state TEXT NOT NULL,
            error TEXT,
            error_field TEXT,
            updated_at INTEGER NOT NULL
        );",
    ),
    // The list's filters (status, form, submitter) as index lookups, and the todos the user
    // has already been told about, so each new todo is announced once.
    M::up(
        "CREATE INDEX approvals_status ON approvals(status);
        CREATE INDEX approvals_form ON approvals(form_name);
        CREATE INDEX approvals_submitter ON approvals(submitter_name);
        CREATE TABLE todo_announced (
            approval_id INTEGER PRIMARY KEY REFERENCES approvals(id) ON DELETE CASCADE
        );",
    ),
    // Decisions waiting to reach the vendor (see `outbox.rs`): written before they are sent.
    M::up(
        "CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            approval_id INTEGER,
            remote_id TEXT,
            kind TEXT NOT NULL,
            comment TEXT NOT NULL DEFAULT '',
            form TEXT,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            next_attempt_at INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX outbox_due ON outbox(state, next_attempt_at);",
    ),
    // Issue 7 (performance at scale), self-contained: see `PERF_SCHEMA`.
    M::up(PERF_SCHEMA),
    // The full-text index tokenizes what `search_text` already split (see `FTS_PRESPLIT`).
    M::up(FTS_PRESPLIT),
    // This cache's own random id: it names the cache's keychain entries (see `secrets.rs`); and
    // the accounts that existed before it, whose entries had the older names.
    M::up(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        INSERT INTO meta (key, value) VALUES ('cache_id', lower(hex(randomblob(16))));
        INSERT INTO meta (key, value) SELECT 'legacy_accounts', coalesce(group_concat(id), '') FROM accounts WHERE demo = 0;",
    ),
    // The full-text index is fed after a sync's writes, not during them (see `INDEX_LATER`).
    M::up(INDEX_LATER),
    // A form's approvals by status: a box page of one form and status probes the box rows of
    // those only (a quarter of the form's), not of every approval of the form.
    M::up(
        "DROP INDEX approvals_form;
        CREATE INDEX approvals_form ON approvals(form_name, status);",
    ),
    // Real vendor data (issue 13): a status word we do not know, kept verbatim; why a listed
    // record could not be read (a placeholder, or the last readable copy); and what the last
    // sync left in the cache, for the account's status line.
    M::up(
        "ALTER TABLE approvals ADD COLUMN status_word TEXT;
        ALTER TABLE approvals ADD COLUMN unreadable TEXT;
        CREATE INDEX approvals_unreadable ON approvals(account_id) WHERE unreadable IS NOT NULL;
        ALTER TABLE sync_state ADD COLUMN last_count INTEGER;
        ALTER TABLE sync_state ADD COLUMN last_unreadable INTEGER;",
    ),
    // Two processes on one cache (the app and `inbox`, issue 14): who syncs an account now,
    // and who is sending an outbox entry, each as a lease that lapses if its holder dies.
    M::up(
        "CREATE TABLE sync_claims (
            account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
            owner TEXT NOT NULL,
            until INTEGER NOT NULL
        ) WITHOUT ROWID;
        ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
        ALTER TABLE outbox ADD COLUMN lease_until INTEGER;",
    ),
    // Vendor rate limits shared by the processes on one cache (`Store::reserve_call`): each
    // paced endpoint's theoretical arrival time, in ms.
    M::up(
        "CREATE TABLE pacing (
            key TEXT PRIMARY KEY,
            tat_ms INTEGER NOT NULL
        ) WITHOUT ROWID;",
    ),
    // A decision is for one step (issue 14): the vendor's marker of the step the user saw
    // awaiting them when they decided, and its name, so a resend never decides another step.
    M::up(
        "ALTER TABLE outbox ADD COLUMN step TEXT;
        ALTER TABLE outbox ADD COLUMN step_name TEXT;",
    ),
    // A zeyi account via the relay (issue 16): the cursor of the last result pulled from the
    // relay and applied, so the next pull asks only for later ones.
    M::up(
        "CREATE TABLE relay_cursors (
            account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
            cursor INTEGER NOT NULL
        ) WITHOUT ROWID;",
    ),
    // A first sync in two phases (issue 17): the finished approvals its history phase still
    // has to read, in the order it reads them, and the finished approvals read (by the
    // fingerprint of the list item they were read from), so a closed app resumes where it
    // stopped instead of reading everything again (see `store/backlog.rs`).
    M::up(backlog::SCHEMA)])
}

/// A sync writes approvals without indexing them for search: a written approval's id goes to
/// `fts_pending` (one integer), and [`Store::index_pending`] indexes them afterwards in small
/// transactions. Indexing is half of a first sync's writing (BENCHMARKS.md), so the list shows
/// a 100k first sync in half the time. Search stays exact meanwhile: it also scans the few
/// pending rows (`store/list.rs`). The index holds exactly the approvals not pending, so its
/// `delete` (which must be given what was indexed) is sent only for those.
const INDEX_LATER: &str = "
    DROP TRIGGER approvals_fts_insert;
    DROP TRIGGER approvals_fts_delete;
    DROP TRIGGER approvals_fts_update;
    CREATE TABLE fts_pending (id INTEGER PRIMARY KEY);
    CREATE TRIGGER approvals_fts_insert AFTER INSERT ON approvals BEGIN
        INSERT OR IGNORE INTO fts_pending (id) VALUES (new.id);
    END;
    CREATE TRIGGER approvals_fts_delete AFTER DELETE ON approvals BEGIN
        INSERT INTO approvals_fts (approvals_fts, rowid, search_text)
            SELECT 'delete', old.id, old.search_text WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE id = old.id);
        DELETE FROM fts_pending WHERE id = old.id;
    END;
    CREATE TRIGGER approvals_fts_update AFTER UPDATE OF search_text ON approvals BEGIN
        INSERT INTO approvals_fts (approvals_fts, rowid, search_text)
            SELECT 'delete', old.id, old.search_text WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE id = old.id);
        INSERT OR IGNORE INTO fts_pending (id) VALUES (new.id);
    END;";

/// The cache at 100k approvals (issue 7). Box rows carry everything a box page filters and
/// sorts on (account, status, time) in covering indexes, so a page never touches the wide
/// approval rows until its 50 are read; `box_totals` keeps a counter per (account, box,
/// status), maintained by triggers, so counts never scan; `digest` lets an upsert skip an
/// approval whose content did not change (no row, index or full-text write); indexes that
/// duplicated another one's prefix are gone (each costs every insert). Every approval is in
/// at least one box (an approval left in none is deleted at once), so the all-boxes view
/// needs no membership check.
const PERF_SCHEMA: &str = "
    DELETE FROM approvals WHERE NOT EXISTS (SELECT 1 FROM approval_boxes b WHERE b.approval_id = approvals.id);
    DROP INDEX approvals_updated;
    DROP INDEX approvals_page;
    DROP INDEX approval_boxes_box;
    DROP INDEX approval_boxes_page;
    DROP INDEX approval_boxes_account;
    DROP INDEX approvals_status;
    ALTER TABLE approvals ADD COLUMN digest INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE approval_boxes ADD COLUMN status TEXT NOT NULL DEFAULT '';
    UPDATE approval_boxes SET status = (SELECT a.status FROM approvals a WHERE a.id = approval_boxes.approval_id);
    CREATE INDEX approvals_page ON approvals(updated_at DESC, id DESC, account_id, status);
    CREATE INDEX approval_boxes_page ON approval_boxes(box, updated_at DESC, approval_id DESC, account_id, status);
    CREATE INDEX approval_boxes_account ON approval_boxes(box, account_id, updated_at DESC, approval_id DESC, status);
    CREATE TABLE box_totals (
        account_id INTEGER NOT NULL,
        box TEXT NOT NULL,
        status TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (account_id, box, status)
    ) WITHOUT ROWID;
    INSERT INTO box_totals (account_id, box, status, n)
        SELECT account_id, box, status, count(*) FROM approval_boxes GROUP BY account_id, box, status;
    CREATE TRIGGER box_totals_insert AFTER INSERT ON approval_boxes BEGIN
        INSERT INTO box_totals (account_id, box, status, n) VALUES (new.account_id, new.box, new.status, 1)
            ON CONFLICT (account_id, box, status) DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER box_totals_delete AFTER DELETE ON approval_boxes BEGIN
        UPDATE box_totals SET n = n - 1 WHERE account_id = old.account_id AND box = old.box AND status = old.status;
    END;
    CREATE TRIGGER box_totals_update AFTER UPDATE OF status ON approval_boxes WHEN old.status <> new.status BEGIN
        UPDATE box_totals SET n = n - 1 WHERE account_id = old.account_id AND box = old.box AND status = old.status;
        INSERT INTO box_totals (account_id, box, status, n) VALUES (new.account_id, new.box, new.status, 1)
            ON CONFLICT (account_id, box, status) DO UPDATE SET n = n + 1;
    END;";

/// The search text is split, lowercased and spaced by `push_tokens` (store.rs) before SQLite sees it,
/// so the index needs only FTS5's `ascii` tokenizer (split on spaces; the `unicode61` one
/// looked every character up again), and no per-row token counts (`columnsize=0`: nothing
/// ranks by length). A first sync of 100k writes 0.4 s less.
const FTS_PRESPLIT: &str = "
    DROP TABLE approvals_fts;
    CREATE VIRTUAL TABLE approvals_fts USING fts5(
        search_text, content = 'approvals', content_rowid = 'id', tokenize = 'ascii', columnsize = 0
    );
    INSERT INTO approvals_fts (approvals_fts) VALUES ('rebuild');";
