//! What keeps the callback listener answering under hostile traffic (issue 14): the connection
//! cap with the oldest half-sent connection shed for a newer one, the per-source request budgets
//! (one for requests whose sign verifies, one for everything else, so forged traffic cannot use
//! up what 则一's callbacks need), and the tally of refusals that is logged as one summary line
//! per interval instead of one line per refusal. The HTTP side (timeouts, the accept loop) is in
//! `callback.rs`; this module holds the bookkeeping, with no I/O of its own.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

/// Locks a mutex whose holder may have panicked: the bookkeeping is still usable (counters and
/// buckets have no invariant a half-done update could break).
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Who a request is charged to: its peer's IPv4 address, or an IPv6 peer's /64 (one host
/// usually holds a whole /64, so counting single IPv6 addresses would give it millions of
/// budgets). An IPv4-mapped IPv6 peer is its IPv4 address. Behind a reverse proxy or tunnel
/// on the same machine every request comes from the proxy's address: then only the split
/// between signed and other requests separates 则一 from the rest (the `X-Forwarded-For` a
/// client writes is not trusted).
pub(super) fn source_of(peer: SocketAddr) -> IpAddr {
    match peer.ip() {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

/// A sustained rate and a burst.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rate {
    pub per_second: f64,
    pub burst: f64,
}

/// A token bucket: `burst` requests at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    pub(super) fn full(rate: Rate, now: Instant) -> Self {
        Bucket { tokens: rate.burst, at: now }
    }

    fn refill(&mut self, rate: Rate, now: Instant) {
        let refill = now.saturating_duration_since(self.at).as_secs_f64() * rate.per_second;
        self.tokens = (self.tokens + refill).min(rate.burst);
        self.at = now;
    }

    pub(super) fn take(&mut self, rate: Rate, now: Instant) -> bool {
        self.refill(rate, now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Whether the bucket has refilled: then it says nothing a fresh one would not.
    fn is_full(&self, rate: Rate, now: Instant) -> bool {
        let mut b = *self;
        b.refill(rate, now);
        b.tokens >= rate.burst
    }
}

/// How often a full map may be searched for refilled buckets to forget (the search is linear).
const PRUNE_EVERY: Duration = Duration::from_secs(1);

/// One bucket per source, in a map of at most `max` sources. A refilled bucket is forgotten
/// (a new one would be the same); when the map is full of sources still spending, a new source
/// shares one overflow bucket until room is made, so a flood of addresses costs a bounded map
/// and gets one budget between them. (governor's keyed limiter has no bound on its key set,
/// hence this small map.)
pub(super) struct Buckets {
    rate: Rate,
    max: usize,
    map: HashMap<IpAddr, Bucket>,
    overflow: Bucket,
    pruned_at: Instant,
}

impl Buckets {
    pub(super) fn new(rate: Rate, max: usize) -> Self {
        let now = Instant::now();
        Buckets { rate, max: max.max(1), map: HashMap::new(), overflow: Bucket::full(rate, now), pruned_at: now }
    }

    /// Takes one request from `source`'s budget; false when it has none left.
    pub(super) fn take(&mut self, source: IpAddr, now: Instant) -> bool {
        let rate = self.rate;
        if let Some(b) = self.map.get_mut(&source) {
            return b.take(rate, now);
        }
        if self.map.len() >= self.max && now.saturating_duration_since(self.pruned_at) >= PRUNE_EVERY {
            self.forget_refilled(now);
        }
        if self.map.len() < self.max {
            return self.map.entry(source).or_insert_with(|| Bucket::full(rate, now)).take(rate, now);
        }
        self.overflow.take(rate, now)
    }

    /// Forgets the sources whose bucket has refilled and gives the map's spare room back.
    pub(super) fn forget_refilled(&mut self, now: Instant) {
        let rate = self.rate;
        self.map.retain(|_, b| !b.is_full(rate, now));
        self.map.shrink_to_fit();
        self.pruned_at = now;
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.map.len()
    }
}

/// One open connection as the cap sees it.
struct Open {
    since: Instant,
    /// Set while a request whose body has been read is being answered: such a connection is
    /// doing what the listener is for and is never shed.
    busy: Arc<AtomicBool>,
    shed: Option<oneshot::Sender<()>>,
}

/// The connection cap. Every connection holds a slot; when all are taken, the oldest connection
/// that is not answering a request (idle, sending its header, or still sending its body) is shed
/// for the newcomer, so a crowd of idle or half-sent connections cannot keep a callback out
/// (they could only wait out the header timeout otherwise). When every slot is answering a
/// request the newcomer waits for one (the kernel's backlog holds it, not a descriptor of ours).
pub(super) struct Connections {
    slots: Arc<Semaphore>,
    cap: usize,
    open: Mutex<HashMap<u64, Open>>,
    next: AtomicU64,
}

/// A connection's place under the cap; leaving it (drop) frees the slot.
pub(super) struct Admitted {
    connections: Arc<Connections>,
    id: u64,
    pub busy: Arc<AtomicBool>,
    _slot: OwnedSemaphorePermit,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        lock(&self.connections.open).remove(&self.id);
    }
}

impl Connections {
    pub(super) fn new(cap: usize) -> Arc<Self> {
        let cap = cap.max(1);
        Arc::new(Connections {
            slots: Arc::new(Semaphore::new(cap)),
            cap,
            open: Mutex::default(),
            next: AtomicU64::new(0),
        })
    }

    /// A free slot now, if there is one.
    pub(super) fn try_slot(&self) -> Option<OwnedSemaphorePermit> {
        self.slots.clone().try_acquire_owned().ok()
    }

    /// Waits for a slot (after [`Connections::shed_oldest_idle`] made one, or a request ended).
    pub(super) async fn slot(&self) -> Option<OwnedSemaphorePermit> {
        self.slots.clone().acquire_owned().await.ok()
    }

    /// Registers a connection that holds `slot`; the receiver fires when it is shed. Also
    /// returns how many are open with it.
    pub(super) fn admit(self: &Arc<Self>, slot: OwnedSemaphorePermit) -> (Admitted, oneshot::Receiver<()>, usize) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let busy = Arc::new(AtomicBool::new(false));
        let (shed, shed_rx) = oneshot::channel();
        let mut open = lock(&self.open);
        open.insert(id, Open { since: Instant::now(), busy: busy.clone(), shed: Some(shed) });
        let now_open = open.len();
        drop(open);
        (Admitted { connections: self.clone(), id, busy, _slot: slot }, shed_rx, now_open)
    }

    /// Tells the oldest connection not answering a request to close; false when every open
    /// connection is answering one.
    pub(super) fn shed_oldest_idle(&self) -> bool {
        let mut open = lock(&self.open);
        let oldest = open
            .iter()
            .filter(|(_, c)| c.shed.is_some() && !c.busy.load(Ordering::Acquire))
            .min_by_key(|(_, c)| c.since)
            .map(|(id, _)| *id);
        match oldest.and_then(|id| open.get_mut(&id)).and_then(|c| c.shed.take()) {
            Some(shed) => {
                let _ = shed.send(());
                true
            }
            None => false,
        }
    }

    pub(super) fn open(&self) -> usize {
        lock(&self.open).len()
    }

    pub(super) fn cap(&self) -> usize {
        self.cap
    }
}

/// What the listener did with what it was sent, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Callbacks accepted (answered success).
    pub accepted: u64,
    /// Requests refused, by HTTP status and our `errorCode`.
    pub refused: BTreeMap<(u16, &'static str), u64>,
    /// Connections closed because their request header did not arrive within the header timeout.
    pub header_timeouts: u64,
    /// Connections shed for a newer one while all slots were taken.
    pub shed: u64,
    /// Connections that ended in an HTTP error (malformed request, reset while reading).
    pub broken: u64,
    /// Failed `accept` calls (e.g. out of file descriptors).
    pub accept_errors: u64,
    /// The most connections open at once.
    pub most_open: usize,
}

impl Tally {
    pub fn refused_total(&self) -> u64 {
        self.refused.values().sum()
    }

    pub fn closed_total(&self) -> u64 {
        self.header_timeouts + self.shed + self.broken
    }

    /// The one line that says what was refused in an interval, or nothing when nothing was.
    pub(super) fn summary(&self, every: Duration, header_timeout: Duration) -> Option<String> {
        if self.refused.is_empty() && self.closed_total() == 0 && self.accept_errors == 0 {
            return None;
        }
        let refused = self
            .refused
            .iter()
            .map(|((status, code), n)| format!("{status} {code} ×{n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut closed = vec![];
        if self.header_timeouts > 0 {
            closed.push(format!(
                "{} sent no complete header within {} s",
                self.header_timeouts,
                header_timeout.as_secs_f64()
            ));
        }
        if self.shed > 0 {
            closed.push(format!("{} shed for newer ones at the connection cap", self.shed));
        }
        if self.broken > 0 {
            closed.push(format!("{} ended in an HTTP error", self.broken));
        }
        let mut line = format!("in the last {} s: refused {} requests", every.as_secs_f64(), self.refused_total());
        if !refused.is_empty() {
            line.push_str(&format!(" ({refused})"));
        }
        line.push_str(&format!("; closed {} connections", self.closed_total()));
        if !closed.is_empty() {
            line.push_str(&format!(" ({})", closed.join(", ")));
        }
        if self.accept_errors > 0 {
            line.push_str(&format!("; {} connections could not be accepted", self.accept_errors));
        }
        line.push_str(&format!("; accepted {} callbacks", self.accepted));
        Some(line)
    }
}

/// The tally of the current interval and of the listener's whole life.
#[derive(Default)]
pub(super) struct Counters {
    now: Mutex<(Tally, Tally)>,
    /// When an internal failure was last written to the log (the rest of an interval's are counted).
    internal_logged: Mutex<Option<Instant>>,
}

impl Counters {
    pub(super) fn count(&self, f: impl Fn(&mut Tally)) {
        let mut both = lock(&self.now);
        f(&mut both.0);
        f(&mut both.1);
    }

    pub(super) fn refused(&self, status: u16, code: &'static str) {
        self.count(|t| *t.refused.entry((status, code)).or_default() += 1);
    }

    /// The interval's tally, starting a new interval.
    pub(super) fn take_interval(&self) -> Tally {
        std::mem::take(&mut lock(&self.now).0)
    }

    pub(super) fn total(&self) -> Tally {
        lock(&self.now).1.clone()
    }

    /// Whether an internal failure should be logged in full now: the first of each interval is.
    pub(super) fn log_internal(&self, every: Duration) -> bool {
        let mut at = lock(&self.internal_logged);
        let now = Instant::now();
        if at.is_some_and(|t| now.saturating_duration_since(t) < every) {
            return false;
        }
        *at = Some(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(per_second: f64, burst: f64) -> Rate {
        Rate { per_second, burst }
    }

    #[test]
    fn the_bucket_refuses_past_its_burst_and_refills() {
        let r = rate(1000.0, 2.0);
        let t0 = Instant::now();
        let mut b = Bucket::full(r, t0);
        assert!(b.take(r, t0) && b.take(r, t0));
        assert!(!b.take(r, t0));
        assert!(b.take(r, t0 + Duration::from_millis(5)));
    }

    #[test]
    fn sources_have_their_own_budgets_and_ipv6_counts_by_its_64() {
        let mut b = Buckets::new(rate(0.001, 2.0), 100);
        let t = Instant::now();
        let one: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(b.take(one, t) && b.take(one, t) && !b.take(one, t));
        assert!(b.take("127.0.0.3".parse().unwrap(), t), "another source is not charged for the first");
        let a = source_of("[2001:db8:1:2:aaaa::1]:9".parse().unwrap());
        let z = source_of("[2001:db8:1:2:ffff::9]:9".parse().unwrap());
        assert_eq!(a, z);
        assert_eq!(source_of("[::ffff:10.0.0.1]:9".parse().unwrap()), "10.0.0.1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn a_flood_of_addresses_keeps_the_map_bounded_and_shares_one_overflow_budget() {
        let mut b = Buckets::new(rate(0.001, 3.0), 8);
        let t = Instant::now();
        let mut allowed = 0;
        for n in 0..10_000u32 {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + n));
            allowed += b.take(ip, t) as u32;
        }
        assert_eq!(b.len(), 8, "the map never grows past its bound");
        assert_eq!(allowed, 8 + 3, "8 sources with their own bucket, the rest share the overflow's 3");
        // Once refilled, the sources are forgotten and the room is given back.
        b.forget_refilled(t + Duration::from_secs(10_000));
        assert_eq!(b.len(), 0);
    }

    #[tokio::test]
    async fn the_cap_sheds_the_oldest_connection_not_answering_a_request() {
        let c = Connections::new(3);
        let (a, mut a_shed, _) = c.admit(c.try_slot().unwrap());
        std::thread::sleep(Duration::from_millis(2));
        let (b, mut b_shed, _) = c.admit(c.try_slot().unwrap());
        std::thread::sleep(Duration::from_millis(2));
        let (_c3, _, open) = c.admit(c.try_slot().unwrap());
        assert_eq!(open, 3);
        assert!(c.try_slot().is_none());
        a.busy.store(true, Ordering::Release);
        assert!(c.shed_oldest_idle());
        assert!(a_shed.try_recv().is_err(), "a busy connection is not shed");
        assert!(b_shed.try_recv().is_ok(), "the oldest idle one is");
        drop(b);
        assert!(c.try_slot().is_some(), "its slot is free once it has gone");
        drop(a);
        assert_eq!(c.open(), 1);
    }

    #[test]
    fn the_summary_is_one_line_with_the_counts() {
        let mut t = Tally::default();
        assert_eq!(t.summary(Duration::from_secs(60), Duration::from_secs(5)), None, "nothing to say, nothing logged");
        t.refused.insert((429, "RATE_LIMITED"), 1200);
        t.refused.insert((401, "SIGN_ERROR"), 30);
        t.shed = 400;
        t.accepted = 5;
        let line = t.summary(Duration::from_secs(60), Duration::from_secs(5)).unwrap();
        assert!(!line.contains('\n'));
        assert!(
            line.contains("refused 1230 requests")
                && line.contains("429 RATE_LIMITED ×1200")
                && line.contains("400 shed")
                && line.contains("accepted 5"),
            "{line}"
        );
    }
}
