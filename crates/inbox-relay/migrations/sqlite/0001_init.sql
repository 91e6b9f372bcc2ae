-- The relay's state (docs/relay.md, "Storage"). Times are milliseconds since the Unix epoch.
-- Every uniqueness rule is a constraint here, so it holds for every process on the database.

-- Employees allowed to use the relay: one token each, stored as an argon2 hash of its secret
-- part and found by its public id part (no scan of every user).
CREATE TABLE users (
    username   TEXT PRIMARY KEY,          -- 工号
    name       TEXT NOT NULL,
    token_id   TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL,             -- argon2 PHC string
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

-- Who sent which business id (则一's `id`), and the auditId 则一 gave it: routes callbacks.
CREATE TABLE submissions (
    business_id TEXT PRIMARY KEY,
    username    TEXT NOT NULL,
    audit_type  TEXT NOT NULL,
    audit_id    TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX submissions_audit_id ON submissions (audit_id);
CREATE INDEX submissions_updated_at ON submissions (updated_at);

-- Callback nonces accepted recently: a signed request is single-use.
CREATE TABLE callback_nonces (
    nonce   TEXT NOT NULL,
    ts      INTEGER NOT NULL,             -- the request's timestamp header
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (nonce, ts)
);
CREATE INDEX callback_nonces_seen_at ON callback_nonces (seen_at);

-- Per user: the last cursor handed out, the highest cursor the user's desktop said it applied,
-- and the highest cursor removed by retention. The row lock on this counter orders a user's
-- events, so cursors are committed in the order they are numbered.
CREATE TABLE event_counters (
    username       TEXT PRIMARY KEY,      -- '' collects callbacks nobody here sent
    last_seq       INTEGER NOT NULL,
    acked_seq      INTEGER NOT NULL,
    pruned_through INTEGER NOT NULL
);

-- Accepted callback results, one per (approval, result): a redelivery adds nothing.
CREATE TABLE events (
    username    TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    business_id TEXT NOT NULL,
    audit_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,            -- the callback's `type`
    result      TEXT NOT NULL,            -- its `result`, '' when none
    body        TEXT NOT NULL,            -- the callback JSON as 则一 sent it (decrypted)
    received_at INTEGER NOT NULL,
    PRIMARY KEY (username, seq),
    UNIQUE (business_id, audit_id, kind, result)
);
CREATE INDEX events_received_at ON events (received_at);
