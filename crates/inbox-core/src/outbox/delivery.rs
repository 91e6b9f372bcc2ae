//! Sending outbox entries: one attempt at a time per entry (a lease in the cache) and per
//! account (its turn), reconciling by [`fate`] whenever an earlier attempt may have landed.

use super::{fate, is_transient, may_have_landed, retry_delay, seen, Fate};
use crate::connector::Connector;
use crate::error::{Error, Result, VendorError};
use crate::model::{now, Account, Action, Approval};
use crate::store::{OutboxEntry, OutboxKind, OutboxState, Store, StoreError, LEASE_SECS};
use crate::sync::{Heads, SyncEvent};
use std::sync::Arc;

/// What delivery needs of the service that owns the accounts: implemented by
/// `service::Service`, so delivery sits below it and the service calls it.
pub trait Desk: Send + Sync {
    fn store(&self) -> &Store;
    /// This process as the holder of leases in the cache.
    fn owner(&self) -> &str;
    fn account(&self, id: i64) -> Result<Account>;
    /// The account's connector, built once from its settings and keychain secrets.
    fn connector(&self, account: &Account) -> Result<Arc<dyn Connector>>;
    /// The account's turn: a send holds it for its whole attempt, a sync for a page.
    fn turn(&self, account_id: i64) -> Arc<tokio::sync::Mutex<()>>;
    /// What the last walks saw first on each list: forgotten after a delivery.
    fn heads(&self) -> &Heads;
    /// Makes the next sync read the approval again.
    fn forget_read(&self, account_id: i64, remote_id: &str);
    /// Tells whoever listens (the window, the CLI).
    fn announce(&self, event: SyncEvent);
    /// Rung when an entry changes, so the scheduler's outbox loop looks again.
    fn bell(&self) -> &tokio::sync::Notify;
}

/// The outbox's sender, over a [`Desk`].
pub struct Delivery<'a> {
    desk: &'a dyn Desk,
}

impl<'a> Delivery<'a> {
    pub fn new(desk: &'a dyn Desk) -> Self {
        Delivery { desk }
    }
}

/// What happened to one attempt.
enum Outcome {
    /// Delivered (or found already decided): the cache id of the approval concerned.
    Delivered(Option<i64>),
    /// Not delivered: the service error, and whether to retry by ourselves.
    NotDelivered(Error, bool),
}

impl Delivery<'_> {
    /// Queues a decision on a cached approval and sends it at once. On failure the entry stays
    /// in the outbox (queued or failed, with the reason) and the error is returned.
    pub async fn queue_and_send(
        &self,
        account: &Account,
        approval: Option<&Approval>,
        kind: OutboxKind,
        comment: &str,
        form: Option<&serde_json::Value>,
    ) -> Result<Option<i64>> {
        let id = match self.desk.store().outbox_add(account.id, approval, kind, comment, form) {
            Err(StoreError::Conflict(why)) => return Err(Error::Conflict(why)),
            other => other?,
        };
        self.announce_outbox(account.id);
        self.send_entry(id, true).await
    }

    /// The entries waiting or failed, oldest first, with the titles of their approvals.
    pub fn entries(&self) -> Result<Vec<OutboxEntry>> {
        let mut entries = self.desk.store().outbox_open()?;
        for e in &mut entries {
            e.title = match e.approval_id {
                Some(id) => self.desk.store().approval(id)?.map(|a| a.remote.title),
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
        self.desk.store().outbox_set(entry.id, state, error, next_attempt_at)?;
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
        if !self.desk.store().outbox_finish(entry.id, Some(self.desk.owner()), state, error, next_attempt_at)? {
            tracing::warn!(
                entry = entry.id,
                "outbox: the send outlived its lease; the process that took the entry over records its end"
            );
        }
        self.announce_outbox(entry.account_id);
        Ok(())
    }

    fn announce_outbox(&self, account_id: i64) {
        self.desk.bell().notify_one();
        self.desk.announce(SyncEvent::OutboxChanged { account_id });
    }

    /// Sends an entry again now (after a failure or while it waits for its backoff).
    pub async fn retry(&self, id: i64) -> Result<OutboxEntry> {
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
    pub fn discard(&self, id: i64) -> Result<OutboxEntry> {
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
    pub async fn flush(&self) -> Result<usize> {
        let mut delivered = 0;
        for id in self.desk.store().outbox_due(now())? {
            if self.send_entry(id, false).await.is_ok() {
                delivered += 1;
            }
        }
        Ok(delivered)
    }

    fn outbox_entry_or_err(&self, id: i64) -> Result<OutboxEntry> {
        self.desk.store().outbox_entry(id)?.ok_or_else(|| Error::Invalid(format!("no outbox entry {id}")))
    }

    /// One attempt at an entry, under the account's lock and the entry's lease (so neither
    /// another task nor another process sends it at the same time). `now_anyway` ignores the
    /// backoff.
    async fn send_entry(&self, id: i64, now_anyway: bool) -> Result<Option<i64>> {
        let entry = self.outbox_entry_or_err(id)?;
        let account = self.desk.account(entry.account_id)?;
        let lock = self.desk.turn(account.id);
        let _guard = lock.lock().await;
        if !self.desk.store().outbox_claim(id, self.desk.owner(), now_anyway)? {
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
                if let Err(e) = self.desk.store().outbox_claim(id, self.desk.owner(), false) {
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
                self.desk.heads().forget(account.id);
                self.desk.announce(SyncEvent::changed(account.id));
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
        let connector = match self.desk.connector(account) {
            Ok(c) => c,
            Err(e) => return Outcome::NotDelivered(e, false),
        };
        let fail = |e: VendorError| {
            let retry = is_transient(&e);
            Outcome::NotDelivered(Error::vendor(account, e), retry)
        };
        let needs_user =
            |why: String| Outcome::NotDelivered(Error::vendor(account, VendorError::NotAllowed(why)), false);
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
                let cached = entry.approval_id.and_then(|id| self.desk.store().approval(id).ok().flatten());
                let Some(cached) = cached.filter(|c| c.remote.remote_id == remote_id) else {
                    return Outcome::NotDelivered(
                        Error::Invalid(format!("approval {remote_id} is no longer in the cache; sync, then act again")),
                        false,
                    );
                };
                if let Err(e) = self.desk.store().outbox_begin_attempt(entry.id) {
                    return Outcome::NotDelivered(e.into(), true);
                }
                // An approve or reject goes to the step it was made on, and only there.
                let seen = seen(entry).filter(|_| action != Action::Cancel);
                let acted = match seen {
                    Some(seen) => connector.act_at(&remote_id, seen.step, action, &entry.comment).await.map(|()| None),
                    None => connector.act_cached(&cached.remote, action, &entry.comment).await,
                };
                // Whatever the outcome (a lost reply may have landed), the next sync reads it again.
                self.desk.forget_read(account.id, &remote_id);
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
                            if let Err(e) = self.desk.store().outbox_attempt_not_sent(entry.id) {
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
                if let Err(e) = self.desk.store().outbox_begin_attempt(entry.id) {
                    return Outcome::NotDelivered(e.into(), true);
                }
                match connector.submit(&submission, crate::submission::Progress::ignore()).await {
                    Ok(created) => {
                        match self.desk.store().upsert_submitted(account.id, &created).map_err(Error::from) {
                            Ok(id) => Outcome::Delivered(Some(id)),
                            Err(e) => Outcome::NotDelivered(e, false),
                        }
                    }
                    Err(e) => {
                        let retry = is_transient(&e) && idempotent;
                        Outcome::NotDelivered(Error::vendor(account, e), retry)
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
        let id = match self.desk.store().upsert_one(account.id, &fresh) {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::warn!(account = %account.name, "storing approval {remote_id} as re-read: {e}");
                None
            }
        };
        if fate != Fate::Send {
            self.desk.announce(SyncEvent::changed(account.id));
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
        match fresh.map(|f| self.desk.store().upsert_one(account.id, &f)) {
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
