//! The relay under load (issue 16, "Measured, not asserted in tests"; figures in BENCHMARKS.md,
//! section "Relay"). Every relay is the `inbox-relay` binary as a separate process, so its
//! resident memory and CPU are its own; this process plays the desktops (one long-poll loop per
//! user, with that user's token) and 则一 (callbacks signed with the callback key pair exactly
//! as the simulator signs them, `vendor_sim::zeyi::crypto::sign`, at 100 a second, each the
//! result of one user's approval). Three runs:
//!
//! 1. SQLite, one relay;
//! 2. PostgreSQL, two relays on one database: desktops spread over both, a user's callbacks
//!    alternate between them, and every tenth accepted callback is replayed to the other
//!    instance (the database must refuse its nonce), so cursors and nonces are held by the
//!    database, not by one process;
//! 3. as 2, and one relay is killed with SIGKILL halfway: its desktops reconnect to the other,
//!    a callback that got no answer is sent again to the other with a new nonce, as 则一 retries.
//!
//! Each run prints the delivery latency (from the relay's 200 to the callback to the desktop's
//! poll returning that result) beside its floors from the same run (a bare long-poll round trip
//! with an event already waiting; a round trip to a route the relay does not have, which no
//! handler serves), each relay's RSS and CPU, PostgreSQL's CPU, and the checks: every accepted
//! callback delivered, none as two different results, none to another desktop, no cursor twice.
//! A failed check makes the exit status non-zero; nothing asserts on time.
//!
//! `cargo bench -p inbox-relay --bench load` (1,000 desktops, 3,000 callbacks = 30 s a run);
//! `BENCH_QUICK=1` runs 20 desktops and 20 callbacks (scripts/test.sh, so it cannot rot; its
//! figures mean nothing); `BENCH_DESKTOPS=N`, `BENCH_CALLBACKS=N` and `BENCH_ONLY=sqlite|
//! postgres|kill` change the run. PostgreSQL is the tests' throwaway server (tests/support/pg.rs,
//! or `INBOX_RELAY_TEST_DATABASE_URL`). Linux only: it reads /proc.

#[cfg(target_os = "linux")]
#[path = "../tests/support/pg.rs"]
mod pg;
#[cfg(target_os = "linux")]
#[path = "load/run.rs"]
mod run;

#[cfg(target_os = "linux")]
fn main() -> std::process::ExitCode {
    run::main()
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("the relay load bench reads /proc: it runs on Linux only");
}
