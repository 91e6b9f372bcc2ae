//! The progress of one account's sync as the user sees it ([`SyncProgress`]): counted as the
//! walk goes, with an estimate of the rest from the rate measured in this run, and passed on
//! (no more often than [`EVERY`], apart from a change of phase) to whoever listens: the
//! service turns it into `SyncEvent::Progress` for the window and `inbox sync`.

use crate::model::{SyncPhase, SyncProgress};
use std::time::{Duration, Instant};

/// How often progress is passed on at most while the phase stays the same: a fast vendor reads
/// thousands of approvals a second, and the window needs a few updates a second.
const EVERY: Duration = Duration::from_millis(200);

/// Where progress goes (the service's event channel).
pub type Report<'a> = &'a (dyn Fn(SyncProgress) + Send + Sync);

/// The counts of one sync run.
pub(crate) struct Tally<'a> {
    report: Option<Report<'a>>,
    now: SyncProgress,
    sent: Option<Instant>,
    /// When this run began reading history, and how many it read since.
    history_from: Option<Instant>,
    history_read: u64,
}

impl<'a> Tally<'a> {
    pub(crate) fn new(report: Option<Report<'a>>) -> Tally<'a> {
        let now = SyncProgress {
            phase: SyncPhase::Todos,
            todo_ready: false,
            listed: 0,
            history_total: 0,
            history_done: 0,
            eta_secs: None,
        };
        Tally { report, now, sent: None, history_from: None, history_read: 0 }
    }

    #[cfg(test)]
    pub(crate) fn progress(&self) -> SyncProgress {
        self.now
    }

    /// A page listed `items`, of which `finished` were finished and `known` of those are as
    /// the cache has them already.
    pub(crate) fn listed(&mut self, items: usize, finished: usize, known: usize) {
        self.now.listed += items as u64;
        self.now.history_total += finished as u64;
        self.now.history_done += known as u64;
        self.pass_on(false);
    }

    /// A walk that moved is walked again: what it counted is counted anew.
    pub(crate) fn rewind(&mut self, items: u64, finished: u64, known: u64) {
        self.now.listed -= items.min(self.now.listed);
        self.now.history_total -= finished.min(self.now.history_total);
        self.now.history_done -= known.min(self.now.history_done);
    }

    /// Every list is walked and what may wait for the user read: history is next, `left` of it.
    pub(crate) fn todos_ready(&mut self, left: u64) {
        self.now.todo_ready = true;
        // A source not walked (its head unchanged) still has its backlog to read.
        self.now.history_total = self.now.history_total.max(self.now.history_done + left);
        self.now.history_done = self.now.history_total - left;
        self.now.phase = SyncPhase::History;
        self.history_from = Some(Instant::now());
        self.pass_on(true);
    }

    /// The history phase read `n` more.
    pub(crate) fn history_read(&mut self, n: usize) {
        self.history_read += n as u64;
        self.now.history_done = (self.now.history_done + n as u64).min(self.now.history_total);
        self.now.eta_secs = self.estimate();
        self.pass_on(false);
    }

    pub(crate) fn end(&mut self, phase: SyncPhase) {
        self.now.phase = phase;
        if phase == SyncPhase::Done {
            self.now.eta_secs = None;
        }
        self.pass_on(true);
    }

    /// The rest of the history at the rate this run read it.
    fn estimate(&self) -> Option<u64> {
        let elapsed = self.history_from?.elapsed().as_secs_f64();
        if self.history_read == 0 || elapsed <= 0.0 {
            return None;
        }
        let left = self.now.history_total.saturating_sub(self.now.history_done) as f64;
        Some((left * elapsed / self.history_read as f64).ceil() as u64)
    }

    fn pass_on(&mut self, always: bool) {
        let Some(report) = self.report else { return };
        if always || self.sent.is_none_or(|at| at.elapsed() >= EVERY) {
            self.sent = Some(Instant::now());
            report(self.now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn history_counts_what_the_cache_already_reflects_and_what_is_left() {
        let seen = Mutex::new(Vec::new());
        let report = |p: SyncProgress| seen.lock().unwrap().push(p);
        let mut tally = Tally::new(Some(&report));
        tally.listed(100, 90, 30);
        tally.todos_ready(60);
        let p = tally.progress();
        assert_eq!((p.phase, p.todo_ready, p.history_done, p.history_total), (SyncPhase::History, true, 30, 90));
        tally.history_read(10);
        assert_eq!(tally.progress().history_done, 40);
        tally.end(SyncPhase::Done);
        let phases: Vec<_> = seen.lock().unwrap().iter().map(|p| p.phase).collect();
        assert_eq!(phases.first(), Some(&SyncPhase::Todos));
        assert_eq!(phases.last(), Some(&SyncPhase::Done), "a change of phase is always passed on");
    }

    #[test]
    fn a_skipped_source_still_counts_its_backlog() {
        let mut tally = Tally::new(None);
        tally.todos_ready(500);
        let p = tally.progress();
        assert_eq!((p.history_done, p.history_total), (0, 500));
    }
}
