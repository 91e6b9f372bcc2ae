//! Prometheus metrics of one relay instance (`GET /metrics`), through the `metrics` facade with
//! a recorder of the instance's own (not the process-wide one), so two instances in one process
//! — the tests, an embedding app — keep separate counts.
//!
//! - `inbox_relay_callbacks_accepted_total{kind}`: `new` (an event for its sender), `duplicate`
//!   (a redelivered result, nothing new), `unrouted` (nobody here sent that approval);
//! - `inbox_relay_callbacks_refused_total{reason}`: the refusal's code (`SIGN_ERROR`, …);
//! - `inbox_relay_relayed_calls_total{call, outcome}`: `success`, `business_error`,
//!   `request_error`, `malformed`, `upstream_http`, `unreachable`, `no_reply`;
//! - `inbox_relay_requests_refused_total{reason}`: the relay's own refusals of desktop calls;
//! - `inbox_relay_events_waiting{user}`: events stored after the cursor the user's desktop
//!   last acknowledged (read from the database at each scrape: all instances agree);
//! - `inbox_relay_events_unrouted`: stored results nobody here sent;
//! - `inbox_relay_pull_clients`: long-polls waiting in this instance now.

use metrics::{counter, describe_counter, describe_gauge, gauge, with_local_recorder};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusRecorder};

pub struct Metrics {
    recorder: PrometheusRecorder,
}

impl Default for Metrics {
    fn default() -> Self {
        let recorder = PrometheusBuilder::new().build_recorder();
        with_local_recorder(&recorder, || {
            describe_counter!(
                "inbox_relay_callbacks_accepted_total",
                "Callbacks from 则一 answered with success, by kind (new, duplicate, unrouted)."
            );
            describe_counter!(
                "inbox_relay_callbacks_refused_total",
                "Callbacks refused, by reason (the error code answered)."
            );
            describe_counter!(
                "inbox_relay_relayed_calls_total",
                "Sends and cancels relayed to 则一, by call and outcome."
            );
            describe_counter!(
                "inbox_relay_requests_refused_total",
                "Desktop requests the relay refused itself, by reason."
            );
            describe_gauge!(
                "inbox_relay_events_waiting",
                "Events stored after the cursor the user's desktop last acknowledged."
            );
            describe_gauge!(
                "inbox_relay_events_unrouted",
                "Stored results of approvals nobody sent through this relay."
            );
            describe_gauge!("inbox_relay_pull_clients", "Long-polls waiting in this instance.");
            gauge!("inbox_relay_pull_clients").set(0.0);
        });
        Metrics { recorder }
    }
}

impl Metrics {
    fn with<T>(&self, f: impl FnOnce() -> T) -> T {
        with_local_recorder(&self.recorder, f)
    }

    pub fn callback_accepted(&self, kind: &'static str) {
        self.with(|| counter!("inbox_relay_callbacks_accepted_total", "kind" => kind).increment(1));
    }

    pub fn callback_refused(&self, reason: &'static str) {
        self.with(|| counter!("inbox_relay_callbacks_refused_total", "reason" => reason).increment(1));
    }

    pub fn relayed(&self, call: &'static str, outcome: &'static str) {
        self.with(|| counter!("inbox_relay_relayed_calls_total", "call" => call, "outcome" => outcome).increment(1));
    }

    pub fn request_refused(&self, reason: &'static str) {
        self.with(|| counter!("inbox_relay_requests_refused_total", "reason" => reason).increment(1));
    }

    /// One more (or one fewer) long-poll waiting.
    pub fn pull_clients(&self, delta: f64) {
        self.with(|| gauge!("inbox_relay_pull_clients").increment(delta));
    }

    pub fn waiting(&self, per_user: &[(String, i64)], unrouted: i64) {
        self.with(|| {
            for (user, n) in per_user {
                gauge!("inbox_relay_events_waiting", "user" => user.clone()).set(*n as f64);
            }
            gauge!("inbox_relay_events_unrouted").set(unrouted as f64);
        });
    }

    /// The Prometheus text.
    pub fn render(&self) -> String {
        self.recorder.handle().render()
    }
}
