//! The outbox: every decision (approve, reject, cancel) and every submission is written to
//! SQLite — with `synchronous=FULL`, so a power cut cannot lose it — before it is sent. A send
//! that fails on a transient fault (offline, 5xx, 429, a garbled reply) stays `queued` with its
//! reason and is retried with backoff; one the vendor refuses is `failed` until the user
//! retries or discards it.
//!
//! A decision is for one step. An approve or reject records the vendor's marker of the step the
//! user saw awaiting them ([`crate::model::StepMark`]); it is sent to that step only
//! (`Connector::act_at` refuses when the vendor's step is another), and whenever an earlier
//! attempt may have landed (a lost reply, a crash mid-send, a lease that lapsed) or the vendor
//! refused, the approval is re-read and [`fate`] — the one rule — decides: that step still
//! awaits this user → send; the user's decision shows on that step → done; otherwise → the
//! user decides again, told why in words. Vendors that cannot be re-read (zeyi) are idempotent
//! by their business id, so resending is harmless there.

use crate::connector::Connector;
use crate::error::{Error, Result, VendorError};
use crate::model::now;
use crate::model::Account;
use crate::model::{Action, Approval, Decision, RemoteApproval, Status};
use crate::service::{vendor_error, Service};
use crate::store::{OutboxEntry, OutboxKind, OutboxState, StoreError, LEASE_SECS};
use crate::sync::SyncEvent;
use backon::{BackoffBuilder, ExponentialBuilder};
use std::time::Duration;

/// The step this decision was made on, where one was recorded.
fn seen(entry: &OutboxEntry) -> Option<StepSeen<'_>> {
    entry.step.as_deref().map(|step| StepSeen { step, name: entry.step_name.as_deref().unwrap_or("the step you saw") })
}

/// Faults that may pass by themselves: worth an automatic retry.
pub fn is_transient(e: &VendorError) -> bool {
    match e {
        VendorError::Unreachable { .. }
        | VendorError::Malformed { .. }
        | VendorError::OutcomeUnknown { .. }
        | VendorError::Throttled { .. } => true,
        VendorError::Http { status, .. } => *status >= 500 || *status == 429 || *status == 408,
        _ => false,
    }
}

/// How long to wait before attempt number `attempts + 1`: 5 s doubling up to 10 minutes.
pub fn retry_delay(attempts: i64) -> Duration {
    let mut delays = ExponentialBuilder::default()
        .with_min_delay(Duration::from_secs(5))
        .with_max_delay(Duration::from_secs(600))
        .without_max_times()
        .build();
    let n = attempts.clamp(1, 32) as usize;
    delays.nth(n - 1).unwrap_or(Duration::from_secs(600))
}

/// Whether a failed state-changing call may still have been carried out: its answer was lost
/// or unreadable (a gateway error, a timeout, a reply we cannot read), so the vendor's state
/// decides, not the error.
fn may_have_landed(e: &VendorError) -> bool {
    match e {
        VendorError::OutcomeUnknown { .. } | VendorError::Unreachable { .. } => true,
        VendorError::Http { status, .. } => *status >= 500 || *status == 408,
        _ => false,
    }
}

/// The step a decision was made on: the vendor's marker, and the name the user saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepSeen<'a> {
    pub step: &'a str,
    pub name: &'a str,
}

/// What becomes of a decision, judged from the approval as the vendor shows it now ([`fate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// The step it was made on still awaits this user: send it (again).
    Send,
    /// The user's decision shows on that step (a cancel: the approval is withdrawn): done,
    /// never sent again.
    Landed,
    /// Neither: the approval moved on, ended, or shows another decision there. The entry waits
    /// for the user, with why in words; they decide again where the approval is now.
    NeedsUser(String),
}

/// THE rule for a decision whose earlier attempt may have landed, or that the vendor refused
/// (issue 14): did this user's decision land on the step they made it on? `seen` is that step
/// (none: a cancel, which concerns the whole approval, or a decision recorded without one);
/// `sent` whether an attempt of it may have reached the vendor (without one, a decision showing
/// there is not this one); `now` the approval as the vendor shows it now. A resend happens only
/// while that very step awaits the user, so a decision never lands on a step they did not see.
pub fn fate(action: Action, seen: Option<StepSeen>, sent: bool, now: &RemoteApproval) -> Fate {
    let offered = now.actions.contains(&action);
    let verb = action.as_str();
    let wanted = match action {
        Action::Approve => Decision::Approved,
        Action::Reject => Decision::Rejected,
        // A withdrawal is the submitter's, whoever carried it out: withdrawn is what was asked.
        Action::Cancel => {
            return if now.status == Status::Cancelled {
                Fate::Landed
            } else if offered {
                Fate::Send
            } else {
                Fate::NeedsUser(format!("the approval can no longer be withdrawn: {}", standing(now)))
            };
        }
    };
    let Some(seen) = seen else {
        // Queued before steps were recorded, or on a vendor that names no steps.
        if sent && now.marks.iter().any(|m| m.decision == wanted) {
            return Fate::Landed;
        }
        if offered && now.marks.is_empty() {
            return Fate::Send;
        }
        return Fate::NeedsUser(match now.awaiting() {
            Some(next) if offered => format!("the step this decision was made on was not recorded, and the approval awaits you at {}: open it and decide there", next.name),
            _ => format!("the vendor no longer offers to {verb} it: {}", standing(now)),
        });
    };
    let here = now.marks.iter().find(|m| m.step == seen.step);
    match here.map(|m| m.decision) {
        Some(Decision::Waiting) if offered => Fate::Send,
        Some(Decision::Waiting) => Fate::NeedsUser(format!(
            "{} still awaits you, but the vendor no longer offers to {verb} it: {}",
            seen.name,
            standing(now)
        )),
        Some(shown) if shown == wanted && sent => Fate::Landed,
        shown => Fate::NeedsUser(match (now.awaiting(), shown) {
            (Some(next), _) => {
                format!("the approval moved on to {} since you saw it at {}: decide again there", next.name, seen.name)
            }
            (None, Some(shown)) => format!(
                "{} was decided at the vendor without this decision (it shows {}): {}",
                seen.name,
                decision_words(shown),
                standing(now)
            ),
            (None, None) => {
                format!("{} no longer awaits your decision and yours does not show there: {}", seen.name, standing(now))
            }
        }),
    }
}

fn decision_words(d: Decision) -> &'static str {
    match d {
        Decision::Approved => "approved",
        Decision::Rejected => "rejected",
        Decision::Waiting => "waiting",
        Decision::Other => "a word we do not know",
    }
}

/// Where an approval stands, in words: how it ended, or the step it is at.
fn standing(a: &RemoteApproval) -> String {
    match a.status {
        Status::Pending | Status::Sending => match a.steps.iter().find(|s| s.decision == Decision::Waiting) {
            Some(step) => format!("it is at {} now", step.name),
            None => "it is still in progress".into(),
        },
        Status::Approved => "it was approved".into(),
        Status::Rejected => "it was rejected".into(),
        Status::Cancelled => "it was withdrawn".into(),
        Status::Failed => "it ended as failed at the vendor".into(),
        Status::Other => {
            format!("the vendor shows it as {}", a.status_word.as_deref().unwrap_or("a status we do not know"))
        }
    }
}

/// What happened to one attempt.
enum Outcome {
    /// Delivered (or found already decided): the cache id of the approval concerned.
    Delivered(Option<i64>),
    /// Not delivered: the service error, and whether to retry by ourselves.
    NotDelivered(Error, bool),
}

impl Service {
    /// Queues a decision on a cached approval and sends it at once. On failure the entry stays
    /// in the outbox (queued or failed, with the reason) and the error is returned.
    pub(crate) async fn queue_and_send(
        &self,
        account: &Account,
        approval: Option<&Approval>,
        kind: OutboxKind,
        comment: &str,
        form: Option<&serde_json::Value>,
    ) -> Result<Option<i64>> {
        let id = match self.store().outbox_add(account.id, approval, kind, comment, form) {
            Err(StoreError::Conflict(why)) => return Err(Error::Conflict(why)),
            other => other?,
        };
        self.announce_outbox(account.id);
        self.send_entry(id, true).await
    }

    /// The entries waiting or failed, oldest first, with the titles of their approvals.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        let mut entries = self.store().outbox_open()?;
        for e in &mut entries {
            e.title = match e.approval_id {
                Some(id) => self.store().approval(id)?.map(|a| a.remote.title),
                None => None,
            };
        }
        Ok(entries)
    }

    /// Moves an entry to `state` and tells the window.
    fn set_entry(
        &self,
        entry: &OutboxEntry,
        state: OutboxState,
        error: Option<&str>,
        next_attempt_at: Option<i64>,
    ) -> Result<()> {
        self.store().outbox_set(entry.id, state, error, next_attempt_at)?;
        self.announce_outbox(entry.account_id);
        Ok(())
    }

    /// Records how this process's send of `entry` ended, if it still holds its lease.
    fn finish_entry(
        &self,
        entry: &OutboxEntry,
        state: OutboxState,
        error: Option<&str>,
        next_attempt_at: Option<i64>,
    ) -> Result<()> {
        if !self.store().outbox_finish(entry.id, Some(self.owner()), state, error, next_attempt_at)? {
            tracing::warn!(
                entry = entry.id,
                "outbox: the send outlived its lease; the process that took the entry over records its end"
            );
        }
        self.announce_outbox(entry.account_id);
        Ok(())
    }

    fn announce_outbox(&self, account_id: i64) {
        self.outbox_bell().notify_one();
        self.announce(SyncEvent::OutboxChanged { account_id });
    }

    /// Sends an entry again now (after a failure or while it waits for its backoff).
    pub async fn retry_action(&self, id: i64) -> Result<OutboxEntry> {
        let entry = self.outbox_entry_or_err(id)?;
        if matches!(entry.state, OutboxState::Done | OutboxState::Discarded) {
            return Err(Error::Invalid(format!("outbox entry {id} is {} and cannot be retried", entry.state.as_str())));
        }
        self.set_entry(&entry, OutboxState::Queued, None, Some(now()))?;
        // The entry keeps its state and reason when this attempt fails too.
        let _ = self.send_entry(id, true).await;
        self.outbox_entry_or_err(id)
    }

    /// Gives an entry up: it will not be sent.
    pub fn discard_action(&self, id: i64) -> Result<OutboxEntry> {
        let entry = self.outbox_entry_or_err(id)?;
        if entry.state == OutboxState::Done {
            return Err(Error::Invalid(format!(
                "outbox entry {id} already reached the vendor; it cannot be discarded"
            )));
        }
        if entry.state == OutboxState::Sending && entry.lease_until.is_some_and(|until| until >= now()) {
            return Err(Error::Conflict(format!(
                "outbox entry {id} is being sent right now; once the vendor answers it is done or can be discarded"
            )));
        }
        self.set_entry(&entry, OutboxState::Discarded, None, None)?;
        self.outbox_entry_or_err(id)
    }

    /// Sends every entry that is due (and resumes those a crash left mid-send). Returns how
    /// many were delivered. Errors stay with their entries.
    pub async fn flush_outbox(&self) -> Result<usize> {
        let mut delivered = 0;
        for id in self.store().outbox_due(now())? {
            if self.send_entry(id, false).await.is_ok() {
                delivered += 1;
            }
        }
        Ok(delivered)
    }

    fn outbox_entry_or_err(&self, id: i64) -> Result<OutboxEntry> {
        self.store().outbox_entry(id)?.ok_or_else(|| Error::Invalid(format!("no outbox entry {id}")))
    }

    /// One attempt at an entry, under the account's lock and the entry's lease (so neither
    /// another task nor another process sends it at the same time). `now_anyway` ignores the
    /// backoff.
    async fn send_entry(&self, id: i64, now_anyway: bool) -> Result<Option<i64>> {
        let entry = self.outbox_entry_or_err(id)?;
        let account = self.account_by_id(entry.account_id)?;
        let lock = self.lock_for(account.id);
        let _guard = lock.lock().await;
        if !self.store().outbox_claim(id, self.owner(), now_anyway)? {
            let entry = self.outbox_entry_or_err(id)?;
            return match entry.state {
                OutboxState::Done => Ok(entry.approval_id),
                OutboxState::Sending => Err(Error::Conflict(format!(
                    "outbox entry {id} is being sent by another process (the app or another `inbox`)"
                ))),
                _ => Err(Error::Invalid(format!("outbox entry {id} is {}", entry.state.as_str()))),
            };
        }
        // Read again now that it is ours: another process may have sent it before.
        let entry = self.outbox_entry_or_err(id)?;
        // The lease is renewed while the attempt runs (a slow vendor, reconciling first).
        let renew = async {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(LEASE_SECS as u64 / 3)).await;
                if let Err(e) = self.store().outbox_claim(id, self.owner(), false) {
                    tracing::warn!(entry = id, "renewing the outbox lease: {e}");
                }
            }
        };
        let outcome = tokio::select! {
            outcome = self.attempt(&account, &entry) => outcome,
            never = renew => never,
        };
        match outcome {
            Outcome::Delivered(approval_id) => {
                self.finish_entry(&entry, OutboxState::Done, None, None)?;
                // The vendor's lists changed in ways a first page may not show.
                self.heads.forget(account.id);
                self.announce_changed(account.id);
                Ok(approval_id)
            }
            Outcome::NotDelivered(e, retry) => {
                let reason = match &e {
                    Error::Vendor { source, .. } => source.to_string(),
                    other => other.to_string(),
                };
                let attempts = self.outbox_entry_or_err(id)?.attempts;
                let (state, next) = if retry {
                    (OutboxState::Queued, now() + retry_delay(attempts).as_secs() as i64)
                } else {
                    (OutboxState::Failed, now())
                };
                tracing::warn!(account = %account.name, entry = id, state = state.as_str(), "outbox: {reason}");
                self.finish_entry(&entry, state, Some(&reason), Some(next))?;
                Err(e)
            }
        }
    }

    /// Reconciles (when an earlier attempt may have landed), then sends.
    async fn attempt(&self, account: &Account, entry: &OutboxEntry) -> Outcome {
        let connector = match self.connector(account) {
            Ok(c) => c,
            Err(e) => return Outcome::NotDelivered(e, false),
        };
        let fail = |e: VendorError| {
            let retry = is_transient(&e);
            Outcome::NotDelivered(vendor_error(account, e), retry)
        };
        let needs_user =
            |why: String| Outcome::NotDelivered(vendor_error(account, VendorError::NotAllowed(why)), false);
        match entry.kind.action() {
            Some(action) => {
                let remote_id = entry.remote_id.clone().unwrap_or_default();
                // An earlier attempt counted before its request left: it may have landed.
                let sent_before = entry.attempts > 0;
                if sent_before {
                    match self.reconcile(account, connector.as_ref(), entry, action, true).await {
                        Ok((Fate::Send, _)) => {}
                        Ok((Fate::Landed, id)) => return Outcome::Delivered(id.or(entry.approval_id)),
                        Ok((Fate::NeedsUser(why), _)) => return needs_user(why),
                        Err(e) => return fail(e),
                    }
                }
                let cached = entry.approval_id.and_then(|id| self.store().approval(id).ok().flatten());
                let Some(cached) = cached.filter(|c| c.remote.remote_id == remote_id) else {
                    return Outcome::NotDelivered(
                        Error::Invalid(format!("approval {remote_id} is no longer in the cache; sync, then act again")),
                        false,
                    );
                };
                if let Err(e) = self.store().outbox_begin_attempt(entry.id) {
                    return Outcome::NotDelivered(e.into(), true);
                }
                // An approve or reject goes to the step it was made on, and only there.
                let seen = seen(entry).filter(|_| action != Action::Cancel);
                let acted = match seen {
                    Some(seen) => connector.act_at(&remote_id, seen.step, action, &entry.comment).await.map(|()| None),
                    None => connector.act_cached(&cached.remote, action, &entry.comment).await,
                };
                // Whatever the outcome (a lost reply may have landed), the next sync reads it again.
                self.forget_read(account.id, &remote_id);
                match acted {
                    Ok(known) => Outcome::Delivered(Some(
                        self.refresh_after_act(account, connector.as_ref(), cached.id, &remote_id, known).await,
                    )),
                    // The answer was lost or unreadable, or the vendor refused this step: its
                    // state tells what happened, by the same rule as a resend.
                    Err(e) if may_have_landed(&e) || (seen.is_some() && matches!(e, VendorError::NotAllowed(_))) => {
                        // A refused step (`act_at` refuses before sending): this attempt never
                        // left, only an earlier one may have landed.
                        let sent = may_have_landed(&e);
                        if !sent {
                            if let Err(e) = self.store().outbox_attempt_not_sent(entry.id) {
                                tracing::warn!(entry = entry.id, "outbox: taking back an attempt that never left: {e}");
                            }
                        }
                        let sent = sent || sent_before;
                        match self.reconcile(account, connector.as_ref(), entry, action, sent).await {
                            Ok((Fate::Landed, id)) => Outcome::Delivered(id.or(Some(cached.id))),
                            Ok((Fate::NeedsUser(why), _)) => needs_user(why),
                            // Still waiting (it did not land), or unreadable: the call's own error decides.
                            Ok((Fate::Send, _)) | Err(_) => fail(e),
                        }
                    }
                    Err(e) => fail(e),
                }
            }
            None => {
                let submission = match entry.form.clone().map(serde_json::from_value::<crate::submission::Submission>) {
                    Some(Ok(s)) => s,
                    _ => {
                        return Outcome::NotDelivered(
                            Error::Invalid("the queued submission is unreadable; discard it and submit again".into()),
                            false,
                        )
                    }
                };
                // Only a vendor with an idempotency key (zeyi's business id, derived from the
                // form) may receive a submission twice; elsewhere the user decides.
                let idempotent = crate::connectors::vendor_info(account.vendor).capabilities.idempotent_submit;
                if entry.attempts > 0 && !idempotent {
                    let e = Error::Invalid("an earlier attempt may have reached the vendor; check there, then discard this entry or submit again".into());
                    return Outcome::NotDelivered(e, false);
                }
                if let Err(e) = self.store().outbox_begin_attempt(entry.id) {
                    return Outcome::NotDelivered(e.into(), true);
                }
                match connector.submit(&submission, crate::submission::Progress::ignore()).await {
                    Ok(created) => match self.store_submitted(account.id, &created) {
                        Ok(id) => Outcome::Delivered(Some(id)),
                        Err(e) => Outcome::NotDelivered(e, false),
                    },
                    Err(e) => {
                        let retry = is_transient(&e) && idempotent;
                        Outcome::NotDelivered(vendor_error(account, e), retry)
                    }
                }
            }
        }
    }

    /// Re-reads the approval, puts what the vendor shows in the cache, and judges the entry by
    /// [`fate`]: the one place an entry whose earlier attempt may have landed is decided (a
    /// resend, a crash or lapsed lease, a lost reply, a refused step). With the cache id of the
    /// approval as stored. `sent`: whether an attempt may have reached the vendor. A vendor
    /// that cannot be re-read (zeyi) is idempotent: send.
    async fn reconcile(
        &self,
        account: &Account,
        connector: &dyn Connector,
        entry: &OutboxEntry,
        action: Action,
        sent: bool,
    ) -> std::result::Result<(Fate, Option<i64>), VendorError> {
        let remote_id = entry.remote_id.as_deref().unwrap_or_default();
        let fresh = match connector.detail(remote_id).await {
            Ok(fresh) => fresh,
            Err(VendorError::Unsupported(_)) => return Ok((Fate::Send, None)),
            Err(e) => return Err(e),
        };
        let fate = fate(action, seen(entry), sent, &fresh);
        match &fate {
            Fate::Send => {}
            Fate::Landed => {
                tracing::info!(account = %account.name, entry = entry.id, remote_id, "outbox: the decision shows at the vendor on its step; not sending again")
            }
            Fate::NeedsUser(why) => {
                tracing::info!(account = %account.name, entry = entry.id, remote_id, "outbox: not sending: {why}")
            }
        }
        let id = match self.store().upsert_one(account.id, &fresh) {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::warn!(account = %account.name, "storing approval {remote_id} as re-read: {e}");
                None
            }
        };
        if fate != Fate::Send {
            self.announce_changed(account.id);
        }
        Ok((fate, id))
    }

    /// Puts the vendor's new state in the cache after a decision went through.
    async fn refresh_after_act(
        &self,
        account: &Account,
        connector: &dyn Connector,
        id: i64,
        remote_id: &str,
        known: Option<crate::model::RemoteApproval>,
    ) -> i64 {
        let fresh = match known {
            Some(fresh) => Ok(fresh),
            None => connector.detail(remote_id).await,
        };
        match fresh.map(|f| self.store().upsert_one(account.id, &f)) {
            Ok(Ok(id)) => id,
            Ok(Err(e)) => {
                tracing::warn!(account = %account.name, "storing approval {id} after the decision: {e}");
                id
            }
            // The decision went through; the next sync will bring the new state.
            Err(e) => {
                tracing::warn!(account = %account.name, "re-reading approval {id} after the decision: {e}");
                id
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Vendor;
    use crate::store::{durably, Store};
    use rusqlite::{params, Connection};

    #[test]
    fn outbox_writes_are_full_and_the_cache_stays_normal() {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
        let during: i64 = durably(&conn, |c| c.query_row("PRAGMA synchronous", [], |r| r.get(0))).unwrap();
        let after: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        assert_eq!((during, after), (2, 1), "FULL = 2 during the outbox write, NORMAL = 1 after");
    }

    #[test]
    fn only_passing_faults_are_retried_and_backoff_grows_within_bounds() {
        assert!(is_transient(&VendorError::Http { call: "x".into(), status: 503 }));
        assert!(is_transient(&VendorError::Http { call: "x".into(), status: 429 }));
        assert!(is_transient(&VendorError::Unreachable { call: "x".into(), reason: "refused".into() }));
        assert!(!is_transient(&VendorError::Vendor { call: "x".into(), code: "40001".into(), message: "no".into() }));
        assert!(!is_transient(&VendorError::NotAllowed("no".into())));
        assert_eq!(retry_delay(1), Duration::from_secs(5));
        assert_eq!(retry_delay(2), Duration::from_secs(10));
        assert_eq!(retry_delay(30), Duration::from_secs(600));
    }

    fn store_with_approval() -> (tempfile::TempDir, Store, i64, Approval) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let account = store
            .insert_account("励销云", Vendor::Weiwenjia, "http://127.0.0.1:1", &Default::default(), false)
            .unwrap();
        let item = crate::store::tests::varied("Contract:7", 1, crate::model::Status::Pending, "合同审批", "李娜");
        let id = store.upsert_one(account, &item).unwrap();
        let approval = store.approval(id).unwrap().unwrap();
        (dir, store, account, approval)
    }

    /// Issue 14: `approve` then `reject` while the vendor is down must not both go out.
    #[test]
    fn a_later_decision_replaces_a_queued_one_and_waits_for_one_being_sent() {
        let (_dir, store, account, approval) = store_with_approval();
        let first = store.outbox_add(account, Some(&approval), OutboxKind::Approve, "同意", None).unwrap();
        let second = store.outbox_add(account, Some(&approval), OutboxKind::Reject, "金额不对", None).unwrap();
        let replaced = store.outbox_entry(first).unwrap().unwrap();
        assert_eq!(replaced.state, OutboxState::Discarded);
        assert!(replaced.last_error.unwrap().contains("reject instead of approve"));
        assert_eq!(
            store.outbox_open().unwrap().iter().map(|e| e.id).collect::<Vec<_>>(),
            [second],
            "one live decision"
        );

        assert!(store.outbox_claim(second, "a", false).unwrap());
        let e = store.outbox_add(account, Some(&approval), OutboxKind::Approve, "", None).unwrap_err();
        assert!(matches!(e, StoreError::Conflict(ref why) if why.contains("being sent")), "{e}");
        assert_eq!(store.outbox_open().unwrap().len(), 1, "nothing queued beside it");
    }

    /// Issue 14: a decision in flight is not taken by another process until its lease lapses.
    #[test]
    fn an_entry_being_sent_is_leased_to_its_process() {
        let (_dir, store, account, approval) = store_with_approval();
        let id = store.outbox_add(account, Some(&approval), OutboxKind::Approve, "", None).unwrap();
        assert!(store.outbox_claim(id, "app", false).unwrap());
        assert!(!store.outbox_claim(id, "cli", true).unwrap(), "another process keeps off");
        assert!(store.outbox_due(now()).unwrap().is_empty(), "not due while leased");
        assert!(store.outbox_claim(id, "app", false).unwrap(), "its own process may go on");
        store.conn().execute("UPDATE outbox SET lease_until = ?2 WHERE id = ?1", params![id, now() - 1]).unwrap();
        assert_eq!(store.outbox_due(now()).unwrap(), [id], "a lapsed lease (its process died) is due");
        assert!(store.outbox_claim(id, "cli", false).unwrap());
        store.outbox_set(id, OutboxState::Done, None, None).unwrap();
        let done = store.outbox_entry(id).unwrap().unwrap();
        assert_eq!((done.lease_owner, done.lease_until), (None, None));
    }

    fn mark(step: &str, name: &str, decision: Decision) -> crate::model::StepMark {
        crate::model::StepMark { step: step.into(), name: name.into(), decision }
    }

    /// The approval as the vendor shows it now: its marks for the user, what it offers, its
    /// status, and a step waiting (for the words).
    fn shows(marks: Vec<crate::model::StepMark>, actions: Vec<Action>, status: Status) -> RemoteApproval {
        let mut a = crate::store::tests::varied("报价单:7", 1, status, "报价单审批", "李娜");
        a.steps = vec![crate::model::Step {
            name: "销售总监审批".into(),
            rule: crate::model::StepRule::Any,
            decision: Decision::Waiting,
            members: vec![],
        }];
        (a.marks, a.actions) = (marks, actions);
        a
    }

    /// Issue 14, item 2: the one rule for a decision whose earlier attempt may have landed.
    #[test]
    fn the_one_rule_resends_only_while_the_step_the_user_saw_still_awaits_them() {
        use Decision::{Approved, Rejected, Waiting};
        let both = || vec![Action::Approve, Action::Reject];
        let seen = Some(StepSeen { step: "12/1/n1", name: "一级审批" });
        // The step still awaits the user: the attempt did not land, send it.
        assert_eq!(
            fate(
                Action::Approve,
                seen,
                true,
                &shows(vec![mark("12/1/n1", "一级审批", Waiting)], both(), Status::Pending)
            ),
            Fate::Send
        );
        // The measured bug: it landed on 一级审批 and the user also approves 销售总监审批, so
        // approve is still offered. Their decision shows on the step they saw: done, not resent.
        let landed = shows(
            vec![mark("12/2/n2", "销售总监审批", Waiting), mark("12/1/n1", "一级审批", Approved)],
            both(),
            Status::Pending,
        );
        assert_eq!(fate(Action::Approve, seen, true, &landed), Fate::Landed);
        assert_eq!(
            fate(
                Action::Reject,
                seen,
                true,
                &shows(vec![mark("12/1/n1", "一级审批", Rejected)], vec![], Status::Rejected)
            ),
            Fate::Landed
        );
        // Another approver passed 一级审批 meanwhile; the user awaits at the next step: never sent there.
        let moved = shows(vec![mark("12/2/n2", "销售总监审批", Waiting)], both(), Status::Pending);
        match fate(Action::Approve, seen, true, &moved) {
            Fate::NeedsUser(why) => assert!(
                why.contains("moved on to 销售总监审批") && why.contains("一级审批") && why.contains("decide again"),
                "{why}"
            ),
            other => panic!("{other:?}"),
        }
        // Their step shows the other decision (made elsewhere): the user checks.
        match fate(
            Action::Approve,
            seen,
            true,
            &shows(vec![mark("12/1/n1", "一级审批", Rejected)], vec![], Status::Rejected),
        ) {
            Fate::NeedsUser(why) => assert!(
                why.contains("without this decision (it shows rejected)") && why.contains("it was rejected"),
                "{why}"
            ),
            other => panic!("{other:?}"),
        }
        // Nothing of this decision ever left, yet its step shows approved: someone else decided
        // (a vendor that names no decider, qiyuesuo, shows it alike), not this decision.
        assert!(
            matches!(fate(Action::Approve, seen, false, &landed), Fate::NeedsUser(why) if why.contains("moved on to 销售总监审批"))
        );
        let passed = shows(vec![mark("12/1/n1", "一级审批", Approved)], vec![], Status::Approved);
        assert!(
            matches!(fate(Action::Approve, seen, false, &passed), Fate::NeedsUser(why) if why.contains("decided at the vendor without this decision"))
        );
        // Ended without the user's decision: in words, how it ended.
        match fate(Action::Approve, seen, true, &shows(vec![], vec![], Status::Approved)) {
            Fate::NeedsUser(why) => assert!(why.contains("一级审批") && why.contains("it was approved"), "{why}"),
            other => panic!("{other:?}"),
        }
        // Still marked waiting, but nothing is offered (a status word we do not know): no guess.
        let mut odd = shows(vec![mark("12/1/n1", "一级审批", Waiting)], vec![], Status::Other);
        odd.status_word = Some("suspended".into());
        assert!(matches!(fate(Action::Approve, seen, true, &odd), Fate::NeedsUser(why) if why.contains("suspended")));
        // Moved on and nothing awaits the user: where it is now.
        assert!(
            matches!(fate(Action::Approve, seen, true, &shows(vec![], vec![], Status::Pending)), Fate::NeedsUser(why) if why.contains("at 销售总监审批 now"))
        );
    }

    #[test]
    fn a_cancel_concerns_the_whole_approval_and_a_decision_without_a_step_is_never_guessed_onto_one() {
        use Decision::{Approved, Waiting};
        assert_eq!(fate(Action::Cancel, None, true, &shows(vec![], vec![], Status::Cancelled)), Fate::Landed);
        assert_eq!(fate(Action::Cancel, None, true, &shows(vec![], vec![Action::Cancel], Status::Pending)), Fate::Send);
        assert!(
            matches!(fate(Action::Cancel, None, true, &shows(vec![], vec![], Status::Approved)), Fate::NeedsUser(why) if why.contains("can no longer be withdrawn"))
        );
        // A vendor that names no steps: the rule it always had (offered → send).
        assert_eq!(
            fate(Action::Approve, None, true, &shows(vec![], vec![Action::Approve], Status::Pending)),
            Fate::Send
        );
        // An entry queued before steps were recorded: landed where the user's decision shows,
        // else the user decides, never a resend onto whichever step awaits them now.
        assert_eq!(
            fate(Action::Approve, None, true, &shows(vec![mark("a", "一级审批", Approved)], vec![], Status::Pending)),
            Fate::Landed
        );
        let awaiting = shows(vec![mark("b", "销售总监审批", Waiting)], vec![Action::Approve], Status::Pending);
        assert!(
            matches!(fate(Action::Approve, None, true, &awaiting), Fate::NeedsUser(why) if why.contains("not recorded") && why.contains("销售总监审批"))
        );
    }

    #[test]
    fn an_approve_or_reject_records_the_step_it_was_made_on_and_a_cancel_none() {
        let (dir, store, account, approval) = store_with_approval();
        let mut item = approval.remote;
        item.marks = vec![mark("12/1/n1", "一级审批", Decision::Waiting), mark("12/0/", "开始", Decision::Approved)];
        let id = store.upsert_one(account, &item).unwrap();
        let cached = store.approval(id).unwrap().unwrap();
        assert_eq!(cached.remote.marks, item.marks, "the marks are kept in the cache");
        let approve = store.outbox_add(account, Some(&cached), OutboxKind::Approve, "同意", None).unwrap();
        let entry = store.outbox_entry(approve).unwrap().unwrap();
        assert_eq!((entry.step.as_deref(), entry.step_name.as_deref()), (Some("12/1/n1"), Some("一级审批")));
        let cancel = store.outbox_add(account, Some(&cached), OutboxKind::Cancel, "", None).unwrap();
        let entry = store.outbox_entry(cancel).unwrap().unwrap();
        assert_eq!((entry.step, entry.step_name), (None, None));
        drop(dir);
    }

    #[test]
    fn entries_survive_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let account =
            store.insert_account("云盘", Vendor::Yomicloud, "http://127.0.0.1:1", &Default::default(), false).unwrap();
        let form = serde_json::json!({"title": "报销"});
        let id = store.outbox_add(account, None, OutboxKind::Submit, "", Some(&form)).unwrap();
        store.outbox_set(id, OutboxState::Failed, Some("HTTP 500"), None).unwrap();
        drop(store);
        let store = Store::open_in(dir.path()).unwrap();
        let entry = store.outbox_entry(id).unwrap().unwrap();
        assert_eq!(
            (entry.kind, entry.state, entry.last_error.as_deref(), entry.form),
            (OutboxKind::Submit, OutboxState::Failed, Some("HTTP 500"), Some(form))
        );
        assert_eq!(store.outbox_open().unwrap().len(), 1);
        let sync: i64 = store.conn().query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        assert_eq!(sync, 1, "the cache stays on NORMAL");
    }
}
