//! Results pulled from the company's 则一 relay, for zeyi accounts "via relay": the relay
//! received 则一's callback (with the listener's checks) and keeps it for the 工号 that sent the
//! approval; this desktop pulls it (`GET /v1/events`, long-poll) and applies it exactly as the
//! listener applies a callback (`result_applied`). The cursor is stored in the cache in the same
//! transaction as each applied result, so it never runs ahead of what was applied; the relay
//! answers again from the stored cursor (at least once), and a result applied twice changes
//! nothing (`map::apply_callback`).

use super::{log_applied, result_applied};
use crate::connectors::zeyi::{self, relay::EventsPage, wire::CallbackBody};
use crate::error::{Error, Result, VendorError};
use crate::model::Account;
use crate::service::Service;
use std::sync::Mutex;
use std::time::Duration;

/// How long a background pull waits at the relay for a result (below the relay's default
/// `max_poll_secs` of 60, and well below proxies' idle timeouts).
pub const LONG_POLL: Duration = Duration::from_secs(25);
/// Results asked for at a time.
const PAGE: u32 = 100;

/// One result at a time is read, updated and written back, so two pulls in this process (the
/// background one and a sync's) never interleave on one approval.
static APPLYING: Mutex<()> = Mutex::new(());

/// What one pull did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pulled {
    /// Results applied to the cache.
    pub applied: usize,
    /// Results that could not be applied (unreadable, or not this approval's): logged, passed.
    pub passed: usize,
    /// The relay had removed results this desktop never pulled (offline longer than its
    /// retention): those approvals may still show 审批中.
    pub missed: bool,
}

impl Service {
    /// Pulls and applies what the account's relay holds for it, waiting up to `wait` for a
    /// first result when there is none. `Ok` with nothing for an account not in relay mode.
    pub async fn pull_relay_results(&self, account_id: i64, wait: Duration) -> Result<Pulled> {
        let account = self.account_by_id(account_id)?;
        let secrets = self.secrets_of(account.id)?;
        let Some(relay) = zeyi::relay_of(&account, &secrets).map_err(|e| Error::vendor(&account, e))? else {
            return Ok(Pulled::default());
        };
        let mut pulled = Pulled::default();
        let mut wait = wait;
        loop {
            let after = self.store().relay_cursor(account.id)?;
            let page = relay.events(after, wait, PAGE).await.map_err(|e| Error::vendor(&account, e))?;
            let full = page.events.len() >= PAGE as usize;
            self.apply_page(&account, after, page, &mut pulled)?;
            if !full {
                break;
            }
            // More are waiting: take them now, without waiting.
            wait = Duration::ZERO;
        }
        if pulled.applied > 0 {
            self.announce_changed(account.id);
        }
        Ok(pulled)
    }

    /// Applies one page in cursor order, storing each event's cursor with its result, then the
    /// page's `next`.
    fn apply_page(&self, account: &Account, after: i64, page: EventsPage, pulled: &mut Pulled) -> Result<()> {
        if page.pruned_through > after {
            pulled.missed = true;
            tracing::warn!(
                account = %account.name,
                after,
                pruned_through = page.pruned_through,
                "the relay removed results this desktop never pulled (offline longer than its retention): some approvals may still show 审批中"
            );
        }
        for event in page.events {
            match self.apply_event(account, event.cursor, &event.callback)? {
                true => pulled.applied += 1,
                false => pulled.passed += 1,
            }
        }
        self.store().apply_pulled(account.id, None, page.next)?;
        Ok(())
    }

    /// Applies one pulled result; `false` when it could not be (said in the log), its cursor
    /// passed all the same, so one bad result never holds back the ones after it.
    fn apply_event(&self, account: &Account, cursor: i64, callback: &serde_json::Value) -> Result<bool> {
        let store = self.store();
        let parsed = match serde_json::from_value::<CallbackBody>(callback.clone()) {
            Ok(parsed) => parsed,
            Err(e) => {
                let e = VendorError::record("relay events", format!("result {cursor} is not 则一's callback: {e}"));
                tracing::warn!(account = %account.name, "{e}; passed");
                store.apply_pulled(account.id, None, cursor)?;
                return Ok(false);
            }
        };
        let _one_at_a_time = APPLYING.lock().unwrap_or_else(|p| p.into_inner());
        match result_applied(store, account.id, &parsed)? {
            Ok((before, updated)) => {
                store.apply_pulled(account.id, Some(&updated), cursor)?;
                log_applied(account, &parsed, before, &updated);
                Ok(true)
            }
            Err(mismatch) => {
                tracing::warn!(account = %account.name, cursor, "a result from the relay was not applied: {mismatch}");
                store.apply_pulled(account.id, None, cursor)?;
                Ok(false)
            }
        }
    }
}

/// Whether the pull of this account should stop for good (it is gone, or not in relay mode).
pub(crate) fn is_final(e: &Error) -> bool {
    matches!(e, Error::NoSuchAccount(_) | Error::CacheDamaged(_))
}
