//! The background: one tokio task per account that syncs on an interval and on demand (the
//! interval stretched while nothing changes and while the window is hidden, backing off after
//! failures), one puller per zeyi account via the company relay, and the outbox's retry loop.
//! One account failing never stops the others.

use crate::outbox::Desk;
use crate::service::Service;
use backon::{BackoffBuilder, ExponentialBuilder};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// An account's running task and the bell that wakes it early.
type Task = (Arc<Notify>, JoinHandle<()>);

/// One background sync task per account.
pub struct Scheduler {
    service: Arc<Service>,
    interval: Duration,
    /// Whether the window is on screen (the shell says so): hidden, the tasks wait longer.
    visible: Arc<AtomicBool>,
    tasks: Mutex<HashMap<i64, Task>>,
    /// One long-poll per zeyi account via a relay, pulling its results as they arrive.
    pullers: Mutex<HashMap<i64, JoinHandle<()>>>,
    /// Resends what the outbox holds (see `outbox.rs`), starting with what a crash left.
    outbox: JoinHandle<()>,
}

/// When the cache's structure is checked after the app starts.
const CHECK_AFTER_START: Duration = Duration::from_secs(10);

/// When a sync that found its account being synced by another process tries again.
const BUSY_RETRY: Duration = Duration::from_secs(20);

/// An empty pull faster than this is followed by a pause of this long.
const QUICK_EMPTY_PULL: Duration = Duration::from_secs(1);

/// How long one background sync reads history before the next pass over the lists, so a todo
/// that arrives during an hour of history shows within this much of the scheduler's interval.
const HISTORY_SLICE: Duration = Duration::from_secs(120);

/// The longest the outbox loop sleeps with nothing due: it wakes when an entry of this process
/// changes (`outbox::Desk::bell`) and when the earliest retry is due; this bounds how long an
/// entry that another process left (its lease lapsed) waits.
pub const OUTBOX_IDLE: Duration = Duration::from_secs(300);

impl Scheduler {
    /// Starts a task for every configured account. Must be called inside a tokio runtime.
    pub fn start(service: Arc<Service>, interval: Duration) -> Arc<Scheduler> {
        // The cache's structure is checked once the window is up, off the window's path.
        let checking = service.clone();
        tokio::spawn(async move {
            tokio::time::sleep(CHECK_AFTER_START).await;
            if let Err(e) = checking.check_cache().await {
                tracing::warn!("checking the cache: {e}");
            }
        });
        let outbox = tokio::spawn(resend_outbox(service.clone()));
        let scheduler = Arc::new(Scheduler {
            service,
            interval,
            visible: Arc::new(AtomicBool::new(true)),
            tasks: Mutex::new(HashMap::new()),
            pullers: Mutex::new(HashMap::new()),
            outbox,
        });
        scheduler.reconcile();
        scheduler
    }

    /// Starts tasks for new accounts and stops those of removed ones.
    pub fn reconcile(&self) {
        let accounts = match self.service.accounts() {
            Ok(accounts) => accounts,
            Err(e) => return tracing::error!("cannot read accounts: {e}"),
        };
        let relayed: Vec<i64> =
            accounts.iter().filter(|a| crate::connectors::zeyi::via_relay(a)).map(|a| a.id).collect();
        self.reconcile_pullers(&relayed);
        let ids: Vec<i64> = accounts.iter().map(|a| a.id).collect();
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        tasks.retain(|id, (_, handle)| {
            let keep = ids.contains(id);
            if !keep {
                handle.abort();
            }
            keep
        });
        for id in ids {
            tasks.entry(id).or_insert_with(|| {
                let wake = Arc::new(Notify::new());
                let pace = Pace { interval: self.interval, visible: self.visible.clone() };
                let handle = tokio::spawn(run(self.service.clone(), id, pace, wake.clone()));
                (wake, handle)
            });
        }
    }

    /// Keeps one puller per zeyi account via a relay (`relayed`), and none for other accounts.
    fn reconcile_pullers(&self, relayed: &[i64]) {
        let mut pullers = self.pullers.lock().unwrap_or_else(|p| p.into_inner());
        pullers.retain(|id, handle| {
            let keep = relayed.contains(id) && !handle.is_finished();
            if !keep {
                handle.abort();
            }
            keep
        });
        for id in relayed {
            pullers.entry(*id).or_insert_with(|| tokio::spawn(pull_results(self.service.clone(), *id)));
        }
    }

    /// The window was shown or hidden. Hidden, syncs with nothing new come further apart;
    /// shown again after being hidden, every account syncs at once (the user looks now).
    pub fn set_visible(&self, visible: bool) {
        let was = self.visible.swap(visible, Ordering::SeqCst);
        if visible && !was {
            self.trigger(None);
        }
    }

    /// Syncs one account (or all) now.
    pub fn trigger(&self, account_id: Option<i64>) {
        self.reconcile();
        let tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        for (id, (wake, _)) in tasks.iter() {
            if account_id.is_none_or(|a| a == *id) {
                wake.notify_one();
            }
        }
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        self.outbox.abort();
        for (_, handle) in self.pullers.lock().unwrap_or_else(|p| p.into_inner()).drain() {
            handle.abort();
        }
        for (_, (_, handle)) in self.tasks.lock().unwrap_or_else(|p| p.into_inner()).drain() {
            handle.abort();
        }
    }
}

/// How far syncs with nothing new stretch the interval: 2× after one such sync, 3× after two
/// and more in a row (10, then 15 minutes for the app's 5).
const QUIET_STRETCH: u32 = 3;

/// How much longer the wait is while the window is hidden (to the tray): the notifications of
/// new todos come at most this many intervals late, in return for a fraction of the requests.
const HIDDEN_STRETCH: u32 = 2;

/// What an account's task waits after a successful sync that left no history to read: the
/// interval, stretched by how many syncs in a row (this one included) found nothing new
/// (`quiet`) and while the
/// window is hidden. Any change brings it back to the interval; the user's 立即同步 and an
/// action go at once anyway. Nothing polls faster than the interval, which is the bound on how
/// stale a vendor's data can get in the cache.
pub fn next_sync_after(interval: Duration, quiet: u32, visible: bool) -> Duration {
    let stretch = 1 + quiet.min(QUIET_STRETCH - 1);
    interval * stretch * if visible { 1 } else { HIDDEN_STRETCH }
}

/// An account task's schedule: the base interval and whether the window is visible.
struct Pace {
    interval: Duration,
    visible: Arc<AtomicBool>,
}

/// The life of one account's task: sync, then wait (see [`next_sync_after`], or a backoff
/// delay after a failure) or for a trigger, whichever comes first.
async fn run(service: Arc<Service>, account_id: i64, pace: Pace, wake: Arc<Notify>) {
    let interval = pace.interval;
    let mut quiet: u32 = 0;
    let backoff = || {
        ExponentialBuilder::default()
            .with_min_delay(Duration::from_secs(5))
            .with_max_delay(interval)
            .without_max_times()
            .build()
    };
    let mut delays = backoff();
    loop {
        let delay = match service.sync_for(account_id, Some(HISTORY_SLICE)).await {
            // History left after its slice: the next pass over the lists, then more history.
            Ok(r) if r.history_left > 0 && !r.stopped => {
                delays = backoff();
                Duration::ZERO
            }
            Ok(r) => {
                delays = backoff();
                quiet = if r.changed == 0 { quiet + 1 } else { 0 };
                next_sync_after(interval, quiet, pace.visible.load(Ordering::SeqCst))
            }
            Err(crate::error::Error::NoSuchAccount(_) | crate::error::Error::CacheDamaged(_)) => return,
            // Another process syncs it now (its result is in the cache), or one that died left its
            // claim, which lapses soon: try again then.
            Err(crate::error::Error::SyncBusy(_)) => interval.min(BUSY_RETRY),
            Err(_) => delays.next().unwrap_or(interval),
        };
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = wake.notified() => {}
        }
    }
}

/// The life of a relay account's puller: long-polls the relay and applies what arrives, again
/// at once; after a failure (relay down, token refused) waits with backoff, recording the
/// reason as the account's sync state so the window says why results do not arrive.
async fn pull_results(service: Arc<Service>, account_id: i64) {
    let backoff = || {
        ExponentialBuilder::default()
            .with_min_delay(Duration::from_secs(5))
            .with_max_delay(Duration::from_secs(300))
            .without_max_times()
            .build()
    };
    let mut delays = backoff();
    let mut failing = false;
    loop {
        let started = std::time::Instant::now();
        match service.pull_relay_results(account_id, crate::callback::pull::LONG_POLL).await {
            Ok(pulled) => {
                if failing {
                    failing = false;
                    let _ = service.store().record_sync_result(account_id, None);
                }
                delays = backoff();
                // A relay that answers "nothing" at once (it is stopping, or grants no wait)
                // is asked again after a pause, not in a tight loop.
                if pulled.applied == 0 && started.elapsed() < QUICK_EMPTY_PULL {
                    tokio::time::sleep(QUICK_EMPTY_PULL).await;
                }
            }
            Err(e) if crate::callback::pull::is_final(&e) => return,
            Err(e) => {
                tracing::warn!(account = account_id, "pulling results from the relay: {e}");
                failing = true;
                let _ = service.store().record_sync_result(account_id, Some(&e.to_string()));
                tokio::time::sleep(delays.next().unwrap_or(Duration::from_secs(300))).await;
            }
        }
    }
}

/// The outbox's retry loop: sends the entries that are due, then sleeps until the next one is
/// (at most [`OUTBOX_IDLE`]) or an entry changes. It used to wake every 5 s: 720 wake-ups and
/// queries an hour with nothing to send.
async fn resend_outbox(service: Arc<Service>) {
    loop {
        if let Err(e) = service.flush_outbox().await {
            tracing::error!("cannot read the outbox: {e}");
        }
        let wait = match service.store().outbox_next_at() {
            Ok(Some(at)) => Duration::from_secs(at.saturating_sub(crate::model::now()).max(1) as u64).min(OUTBOX_IDLE),
            Ok(None) => OUTBOX_IDLE,
            Err(e) => {
                tracing::warn!("reading when the outbox is next due: {e}");
                OUTBOX_IDLE
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = Desk::bell(service.as_ref()).notified() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_syncs_and_a_hidden_window_stretch_the_wait_within_bounds() {
        let base = Duration::from_secs(300);
        assert_eq!(next_sync_after(base, 0, true), base, "a sync that changed something");
        assert_eq!(next_sync_after(base, 1, true), base * 2);
        assert_eq!(next_sync_after(base, 9, true), base * 3, "bounded");
        assert_eq!(next_sync_after(base, 0, false), base * 2);
        assert_eq!(next_sync_after(base, 9, false), base * 6, "at most 30 minutes for the app's 5");
    }
}
