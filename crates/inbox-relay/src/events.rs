//! Desktops pull their results: `GET /v1/events?after=CURSOR&timeout=SECS&limit=N` answers the
//! user's events after the cursor, in order, at once when there are some; otherwise it waits
//! (up to `timeout`, bounded by `max_poll_secs`) until one is stored. Delivery is at least
//! once: the relay hands out the same events again until the desktop asks for a later cursor,
//! which is also how the desktop acknowledges (the `events waiting` metric).
//!
//! Waking: a waiting poll subscribes to its user's channel before it reads the database, so an
//! event stored between the read and the wait still wakes it. Events stored by this instance
//! notify the channel directly; with PostgreSQL, other instances' events arrive through
//! `LISTEN inbox_relay_events` (sent by `pg_notify` at commit), and a lost connection to the
//! database wakes every poll to read again.

use crate::api::{codes, Event, EventsPage, EventsQuery};
use crate::db::{DbError, EVENTS_CHANNEL};
use crate::desktop::{api_error, refused, user_of, ApiError};
use crate::Shared;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sqlx::postgres::{PgListener, PgPool};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 500;

/// One wake-up channel per user with a waiting poll.
#[derive(Default)]
pub(crate) struct Notifier {
    users: Mutex<HashMap<String, watch::Sender<u64>>>,
}

impl Notifier {
    fn subscribe(&self, username: &str) -> watch::Receiver<u64> {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        users.entry(username.to_string()).or_insert_with(|| watch::channel(0).0).subscribe()
    }

    /// Wakes `username`'s waiting polls.
    pub(crate) fn notify(&self, username: &str) {
        let users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = users.get(username) {
            tx.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Wakes every waiting poll (a notification may have been missed).
    pub(crate) fn notify_all(&self) {
        let users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        for tx in users.values() {
            tx.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Drops the channels nobody waits on.
    pub(crate) fn forget_idle(&self) {
        self.users.lock().unwrap_or_else(|p| p.into_inner()).retain(|_, tx| tx.receiver_count() > 0);
    }
}

/// Counts a waiting poll in the `pull_clients` gauge while it lives.
struct Waiting<'a>(&'a Shared);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.metrics.pull_clients(-1.0);
    }
}

/// `GET /v1/events`.
pub(crate) async fn events(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Response {
    match pull(&shared, &headers, query).await {
        Ok(page) => Json(page).into_response(),
        Err(e) => refused(&shared, e),
    }
}

async fn pull(
    shared: &Shared,
    headers: &HeaderMap,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<EventsPage, ApiError> {
    let user = user_of(shared, headers).await?;
    let Query(q) = query.map_err(|e| {
        api_error(
            StatusCode::BAD_REQUEST,
            codes::BODY_INVALID,
            format!("after, timeout and limit are whole numbers: {}", e.body_text()),
        )
    })?;
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(api_error(StatusCode::BAD_REQUEST, codes::BODY_INVALID, "after must not be negative"));
    }
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let wait = Duration::from_secs(q.timeout.unwrap_or(0)).min(shared.max_poll);
    acknowledge(shared, &user.username, after).await;

    let mut woken = shared.notifier.subscribe(&user.username);
    let mut stopping = shared.stopping.clone();
    let deadline = tokio::time::Instant::now() + wait;
    let _waiting = (!wait.is_zero()).then(|| {
        shared.metrics.pull_clients(1.0);
        Waiting(shared)
    });
    loop {
        let (rows, pruned_through) = shared.db.events_after(&user.username, after, limit).await.map_err(internal)?;
        if !rows.is_empty() || tokio::time::Instant::now() >= deadline || *stopping.borrow() {
            let events: Vec<Event> = rows
                .into_iter()
                .map(|r| Event {
                    cursor: r.seq,
                    id: r.business_id,
                    audit_id: r.audit_id,
                    kind: r.kind,
                    result: Some(r.result).filter(|s| !s.is_empty()),
                    received_at: r.received_at,
                    // Parsed when it was accepted; a body that no longer parses is shown as text.
                    callback: serde_json::from_str(&r.body).unwrap_or(serde_json::Value::String(r.body)),
                })
                .collect();
            let next = events.last().map_or(after, |e| e.cursor);
            return Ok(EventsPage { events, next, pruned_through });
        }
        tokio::select! {
            changed = woken.changed() => {
                if changed.is_err() {
                    // The channel was dropped (forget_idle cannot drop a watched one): read again.
                    woken = shared.notifier.subscribe(&user.username);
                }
            }
            _ = stopping.changed() => {}
            _ = tokio::time::sleep_until(deadline) => {}
        }
    }
}

/// Records the desktop's acknowledgement (`after`) when it moved forward.
async fn acknowledge(shared: &Shared, username: &str, after: i64) {
    let known = shared.acked.lock().unwrap_or_else(|p| p.into_inner()).get(username).copied();
    if known.is_some_and(|k| k >= after) || after == 0 {
        return;
    }
    match shared.db.ack(username, after).await {
        Ok(()) => {
            shared.acked.lock().unwrap_or_else(|p| p.into_inner()).insert(username.to_string(), after);
        }
        // Only the waiting metric depends on it.
        Err(e) => tracing::warn!("cannot record {username}'s cursor {after}: {e}"),
    }
}

fn internal(e: DbError) -> ApiError {
    tracing::error!("events could not be read: {e}");
    api_error(StatusCode::INTERNAL_SERVER_ERROR, codes::INTERNAL, "the relay could not read the events; retry later")
}

/// Subscribes to other instances' events.
pub(crate) async fn pg_listener(pool: &PgPool) -> Result<PgListener, DbError> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(EVENTS_CHANNEL).await?;
    Ok(listener)
}

/// Turns PostgreSQL notifications into wake-ups, for as long as the relay runs.
pub(crate) async fn relay_notifications(mut listener: PgListener, pool: PgPool, shared: Arc<Shared>) {
    loop {
        match listener.try_recv().await {
            Ok(Some(n)) => shared.notifier.notify(n.payload()),
            Ok(None) => {
                // The connection was lost and has been made again (and LISTENs again): what was
                // sent meanwhile is not replayed, so every poll reads again.
                tracing::warn!("the database connection that listens for events was lost and made again");
                shared.notifier.notify_all();
            }
            Err(_) if pool.is_closed() => return,
            Err(e) => {
                tracing::warn!("listening for events failed: {e}; connecting again");
                listener = loop {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    if pool.is_closed() {
                        return;
                    }
                    match pg_listener(&pool).await {
                        Ok(l) => break l,
                        Err(e) => tracing::warn!("cannot listen for events yet: {e}"),
                    }
                };
                shared.notifier.notify_all();
            }
        }
    }
}
