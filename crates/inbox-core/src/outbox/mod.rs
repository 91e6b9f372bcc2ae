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

//!
//! Delivery ([`Delivery`]) is a component the service calls; what it needs of the service (the
//! cache, the account's connector and turn, events) it asks through [`Desk`], so this layer
//! stays below the service. The entries' rows and SQL are in `store/outbox.rs`.

mod delivery;

pub use delivery::{Delivery, Desk};

use crate::error::VendorError;
use crate::model::{Action, Decision, RemoteApproval, Status};
use crate::store::OutboxEntry;
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
