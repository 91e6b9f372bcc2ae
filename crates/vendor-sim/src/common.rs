//! What every vendor simulator shares: the running-server handle, the fault switch (so a client's
//! tests can prove that a broken reply is reported), and the `/__sim/*` admin routes.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A failure a simulator can be told to produce on its vendor calls (every call, or the next
/// few: see [`FaultSwitch::set_times`]). The names are those of `POST /__sim/fault`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// HTTP 200 with a body that is not JSON at all (a plausible reply cut off mid-string).
    #[serde(rename = "malformed")]
    MalformedJson,
    /// The real reply, cut off half way (a connection that dropped mid-body).
    Truncated,
    /// HTTP 500.
    ServerError,
    /// HTTP 429 with `Retry-After: 1`.
    RateLimited,
    /// HTTP 200 with an HTML page instead of JSON (a captive portal or proxy).
    WrongContentType,
    /// The real reply, [`SLOW_DELAY`] late.
    Slow,
    /// No reply for [`HANG_DELAY`]: long past any client's timeout.
    Timeout,
    /// The call is carried out, then the reply is lost (HTTP 502): the client cannot know
    /// whether it landed.
    LostReply,
    /// The user's credentials stop working just before this call (a token that expires, or is
    /// revoked, mid-sync): the simulator's own token check then answers as the vendor does. A
    /// vendor with a refresh flow (fxiaoke) lets the client recover; the others refuse until the
    /// user enters new credentials.
    ExpiredToken,
    /// A new approval arrives at the head of the user's lists just before this call, so a client
    /// walking the pages sees the list move under it (an item repeated across a page boundary,
    /// and a total that changed).
    PageShift,
}

/// What a simulator does for the faults that change its state ([`Fault::ExpiredToken`],
/// [`Fault::PageShift`]); a simulator without such an event lets the call through untouched.
#[derive(Clone, Default)]
pub struct StateEvents {
    pub expire_credentials: Option<Arc<dyn Fn() + Send + Sync>>,
    pub arrive: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl StateEvents {
    /// An event that runs `change` on a simulator's shared state.
    pub fn on<S: Send + 'static>(state: &Arc<Mutex<S>>, change: fn(&mut S)) -> Option<Arc<dyn Fn() + Send + Sync>> {
        let state = state.clone();
        Some(Arc::new(move || change(&mut state.lock().unwrap_or_else(PoisonError::into_inner))))
    }
}

impl std::fmt::Debug for StateEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateEvents")
            .field("expire_credentials", &self.expire_credentials.is_some())
            .field("arrive", &self.arrive.is_some())
            .finish()
    }
}

/// The body sent for [`Fault::MalformedJson`]: the start of a plausible reply, cut off.
const MALFORMED_BODY: &str = r#"{"code":0,"data":[{"content":"{\n    \"approverAuth\": 2,"#;
/// How late [`Fault::Slow`] answers.
pub const SLOW_DELAY: Duration = Duration::from_millis(1500);
/// How long [`Fault::Timeout`] keeps a call waiting.
pub const HANG_DELAY: Duration = Duration::from_secs(600);

/// Shared, switchable fault setting of one simulator: the fault, after how many calls it
/// starts, and how many calls it applies to.
#[derive(Debug, Clone, Default)]
pub struct FaultSwitch {
    armed: Arc<Mutex<Option<Armed>>>,
    events: StateEvents,
    /// Vendor calls received per request path (faulted ones included), so a client's tests
    /// can count the calls a sync makes.
    calls: Arc<Mutex<HashMap<String, usize>>>,
    /// Every vendor call in the order received, as `path?query`, so a test can tell which
    /// record was read before which (the order of a sync, issue 17). Only observes.
    log: Arc<Mutex<Vec<String>>>,
    /// Whether the tenant is wild (`wild::Tenant`): every JSON reply then carries fields no
    /// document lists (`wild::sprinkle`).
    wild: Arc<std::sync::atomic::AtomicBool>,
}

/// A fault, how many calls pass untouched before it starts (`skip`: a fault in the middle of a
/// sync), and how many calls it then applies to (`left`, `None` = until cleared).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Armed {
    fault: Fault,
    skip: u32,
    left: Option<u32>,
}

impl FaultSwitch {
    /// A switch whose state-changing faults run `events` against the simulator's state.
    pub fn with_events(events: StateEvents) -> Self {
        FaultSwitch { armed: Arc::default(), events, calls: Arc::default(), log: Arc::default(), wild: Arc::default() }
    }

    /// Makes every JSON reply carry fields no document lists (a wild tenant), or not.
    pub fn set_wild(&self, wild: bool) {
        self.wild.store(wild, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn is_wild(&self) -> bool {
        self.wild.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sets (or clears, with `None`) the fault answered by every vendor call.
    pub fn set(&self, fault: Option<Fault>) {
        self.arm(fault.map(|fault| Armed { fault, skip: 0, left: None }));
    }

    /// Sets `fault` for the next `times` vendor calls only.
    pub fn set_times(&self, fault: Fault, times: u32) {
        self.set_after(fault, 0, Some(times));
    }

    /// Lets `skip` calls through, then applies `fault` to `times` calls (`None` = until cleared).
    pub fn set_after(&self, fault: Fault, skip: u32, times: Option<u32>) {
        self.arm((times != Some(0)).then_some(Armed { fault, skip, left: times }));
    }

    fn arm(&self, armed: Option<Armed>) {
        *self.armed.lock().unwrap_or_else(PoisonError::into_inner) = armed;
    }

    /// The fault in force (or waiting for its turn), if any.
    pub fn get(&self) -> Option<Fault> {
        self.armed.lock().unwrap_or_else(PoisonError::into_inner).map(|a| a.fault)
    }

    /// How many vendor calls `path` (e.g. `/v2/contract/detail`) has received.
    pub fn calls(&self, path: &str) -> usize {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner).get(path).copied().unwrap_or(0)
    }

    /// Every vendor call received so far, in order, as `path?query` (faulted ones included).
    pub fn call_log(&self) -> Vec<String> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Every vendor call so far, all paths together.
    pub fn total_calls(&self) -> u64 {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner).values().sum::<usize>() as u64
    }

    fn count(&self, path: &str) {
        *self.calls.lock().unwrap_or_else(PoisonError::into_inner).entry(path.to_string()).or_default() += 1;
    }

    /// The fault for the call arriving now, counting it down.
    fn take(&self) -> Option<Fault> {
        let mut slot = self.armed.lock().unwrap_or_else(PoisonError::into_inner);
        let armed = (*slot)?;
        if armed.skip > 0 {
            *slot = Some(Armed { skip: armed.skip - 1, ..armed });
            return None;
        }
        if let Some(n) = armed.left {
            *slot = (n > 1).then_some(Armed { left: Some(n - 1), ..armed });
        }
        Some(armed.fault)
    }

    /// Runs the state change a fault stands for, if this simulator has one.
    fn run_event(&self, fault: Fault) {
        let event = match fault {
            Fault::ExpiredToken => &self.events.expire_credentials,
            Fault::PageShift => &self.events.arrive,
            _ => &None,
        };
        if let Some(event) = event {
            event();
        }
    }
}

/// Wraps vendor routes so that a set fault replaces (or spoils) their answer.
pub fn with_faults<S: Clone + Send + Sync + 'static>(router: Router<S>, switch: FaultSwitch) -> Router<S> {
    router.layer(middleware::from_fn_with_state(switch, fault_layer))
}

async fn fault_layer(State(switch): State<FaultSwitch>, req: Request, next: Next) -> Response {
    switch.count(req.uri().path());
    let call = match req.uri().query() {
        Some(q) => format!("{}?{q}", req.uri().path()),
        None => req.uri().path().to_string(),
    };
    switch.log.lock().unwrap_or_else(PoisonError::into_inner).push(call);
    let Some(fault) = switch.take() else {
        let reply = next.run(req).await;
        return if switch.is_wild() { wild_reply(reply, switch.total_calls()).await } else { reply };
    };
    match fault {
        Fault::ServerError => (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response(),
        Fault::RateLimited => {
            (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")], "Too Many Requests").into_response()
        }
        Fault::MalformedJson => {
            body_response(StatusCode::OK, "application/json; charset=utf-8", Body::from(MALFORMED_BODY))
        }
        Fault::WrongContentType => body_response(
            StatusCode::OK,
            "text/html; charset=utf-8",
            Body::from("<html><body><h1>请登录网关</h1></body></html>"),
        ),
        Fault::Slow => {
            tokio::time::sleep(SLOW_DELAY).await;
            next.run(req).await
        }
        Fault::Timeout => {
            tokio::time::sleep(HANG_DELAY).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
        Fault::LostReply => {
            let _ = next.run(req).await;
            (StatusCode::BAD_GATEWAY, "Bad Gateway").into_response()
        }
        Fault::ExpiredToken | Fault::PageShift => {
            switch.run_event(fault);
            next.run(req).await
        }
        Fault::Truncated => {
            let reply = next.run(req).await;
            let (parts, body) = reply.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
            let cut = bytes.slice(..bytes.len() / 2);
            let content_type = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/json")
                .to_string();
            body_response(parts.status, &content_type, Body::from(cut))
        }
    }
}

/// A JSON reply with the extra fields of a wild tenant (`wild::sprinkle`); other replies as
/// they are.
async fn wild_reply(reply: Response, seed: u64) -> Response {
    let is_json =
        reply.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("json"));
    if !is_json {
        return reply;
    }
    let (parts, body) = reply.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    crate::wild::sprinkle(&mut value, seed);
    let mut parts = parts;
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(value.to_string()))
}

fn body_response(status: StatusCode, content_type: &str, body: Body) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Body of `POST /__sim/fault`.
#[derive(Debug, Deserialize)]
struct FaultRequest {
    fault: Option<Fault>,
    /// Only for `times` calls (absent = until cleared).
    #[serde(default)]
    times: Option<u32>,
    /// After letting this many calls through (absent = from the next call).
    #[serde(default)]
    after: Option<u32>,
}

/// The admin routes (`POST /__sim/fault` with `{"fault": "malformed" | "truncated" |
/// "server_error" | "rate_limited" | "wrong_content_type" | "slow" | "timeout" | "lost_reply" |
/// "expired_token" | "page_shift" | null, "times"?: n, "after"?: n}`), kept outside the fault
/// layer so a fault can always be cleared.
pub fn admin_routes<S: Clone + Send + Sync + 'static>(switch: FaultSwitch) -> Router<S> {
    Router::new().route("/__sim/fault", post(set_fault)).with_state(switch)
}

async fn set_fault(State(switch): State<FaultSwitch>, Json(req): Json<FaultRequest>) -> Json<serde_json::Value> {
    match req.fault {
        Some(fault) => switch.set_after(fault, req.after.unwrap_or(0), req.times),
        None => switch.set(None),
    }
    tracing::info!(fault = ?req.fault, times = ?req.times, after = ?req.after, "fault switched");
    Json(serde_json::json!({ "ok": true, "fault": req.fault, "times": req.times, "after": req.after }))
}

/// A simulator listening on a real socket. It stops when dropped or by [`RunningServer::shutdown`].
#[derive(Debug)]
pub struct RunningServer {
    /// Where a client reaches it, e.g. `http://127.0.0.1:40123` (no trailing slash).
    pub base_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningServer {
    /// Stops accepting, lets open requests finish (for at most a second), then ends.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(1), task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        // Dropping must free the port at once: a graceful stop could wait on idle keep-alives.
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// What every vendor's simulator is: a handle (clones share one tenant) with its router, its
/// fault switch (injected faults, the calls received), its tenant behind one lock and its demo
/// account. What only one vendor has stays on its own `Sim`.
pub trait Simulator: Clone + Send + Sync + 'static {
    /// The vendor's identifier, as the app spells it.
    const VENDOR: &'static str;
    /// The tenant: everything the vendor holds.
    type State;

    /// The vendor's API as an axum router (to serve, or to mount elsewhere).
    fn router(&self) -> Router;
    fn faults(&self) -> &FaultSwitch;
    fn state(&self) -> &Mutex<Self::State>;
    /// The account the app's demo mode adds for this simulator served at `base_url`.
    fn demo_account(&self, base_url: &str) -> crate::DemoAccount;
    /// Called once the server listens (zeyi starts its callback timer).
    fn started(&self) {}

    /// Serves on `addr` (port 0 = a free port) until the handle is dropped or shut down.
    fn serve(&self, addr: SocketAddr) -> impl std::future::Future<Output = io::Result<RunningServer>> + Send {
        async move {
            let server = serve_vendor(Self::VENDOR, self.router(), addr).await?;
            self.started();
            Ok(server)
        }
    }

    /// Locks the tenant; a panic in another holder does not make it unusable.
    fn lock(&self) -> std::sync::MutexGuard<'_, Self::State> {
        self.state().lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the tenant (for tests that need more than the helpers).
    fn with_state<R>(&self, f: impl FnOnce(&mut Self::State) -> R) -> R {
        f(&mut self.lock())
    }

    /// Makes every vendor call fail as `fault` says (`None` = behave again).
    fn set_fault(&self, fault: Option<Fault>) {
        self.faults().set(fault);
    }

    /// Makes only the next `times` vendor calls fail as `fault` says.
    fn set_fault_times(&self, fault: Fault, times: u32) {
        self.faults().set_times(fault, times);
    }

    /// Lets the next `skip` vendor calls through, then answers every call with `fault`.
    fn set_fault_after(&self, fault: Fault, skip: u32) {
        self.faults().set_after(fault, skip, None);
    }

    fn fault(&self) -> Option<Fault> {
        self.faults().get()
    }

    /// How many calls `path` has received (faulted ones included).
    fn calls(&self, path: &str) -> usize {
        self.faults().calls(path)
    }

    /// Every call received, in order, as `path?query` (faulted ones included).
    fn call_log(&self) -> Vec<String> {
        self.faults().call_log()
    }

    /// How many vendor calls were received, all paths together.
    fn total_calls(&self) -> u64 {
        self.faults().total_calls()
    }
}

/// Serves a vendor's simulator router on `addr` and says where it listens.
pub async fn serve_vendor(vendor: &str, router: Router, addr: SocketAddr) -> io::Result<RunningServer> {
    let server = serve_router(router, addr).await?;
    tracing::info!(vendor, base_url = %server.base_url, "simulator listening");
    Ok(server)
}

/// Binds `addr` (port 0 = a free port) and serves `router` on a spawned task.
pub async fn serve_router(router: Router, addr: SocketAddr) -> io::Result<RunningServer> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        // With the peer's address in each request (`ConnectInfo`): 则一's IP whitelist reads it.
        let app = router.into_make_service_with_connect_info::<SocketAddr>();
        let server = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(err) = server.await {
            tracing::error!(%err, "simulator server failed");
        }
    });
    Ok(RunningServer { base_url: base_url(bound), addr: bound, stop: Some(stop), task: Some(task) })
}

/// A URL a local client can use: an unspecified bind address (0.0.0.0, ::) is reached via loopback.
fn base_url(bound: SocketAddr) -> String {
    let mut shown = bound;
    if bound.ip().is_unspecified() {
        shown.set_ip(if bound.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    format!("http://{shown}")
}

/// Current Unix time in seconds (the vendors' time unit).
pub fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspecified_address_is_shown_as_loopback() {
        assert_eq!(base_url("0.0.0.0:80".parse().unwrap()), "http://127.0.0.1:80");
        assert_eq!(base_url("[::]:81".parse().unwrap()), "http://[::1]:81");
        assert_eq!(base_url("127.0.0.2:82".parse().unwrap()), "http://127.0.0.2:82");
    }

    #[test]
    fn fault_names_match_the_admin_route() {
        let f: FaultRequest = serde_json::from_str(r#"{"fault":"malformed"}"#).unwrap();
        assert_eq!(f.fault, Some(Fault::MalformedJson));
        let f: FaultRequest = serde_json::from_str(r#"{"fault":"server_error"}"#).unwrap();
        assert_eq!(f.fault, Some(Fault::ServerError));
        let f: FaultRequest = serde_json::from_str(r#"{"fault":null}"#).unwrap();
        assert_eq!(f.fault, None);
        let f: FaultRequest = serde_json::from_str(r#"{"fault":"rate_limited","times":2}"#).unwrap();
        assert_eq!((f.fault, f.times), (Some(Fault::RateLimited), Some(2)));
        for name in ["truncated", "wrong_content_type", "slow", "timeout", "lost_reply", "expired_token", "page_shift"]
        {
            let f: FaultRequest = serde_json::from_str(&format!(r#"{{"fault":"{name}"}}"#)).unwrap();
            assert!(f.fault.is_some(), "{name}");
        }
    }

    #[test]
    fn a_counted_fault_clears_itself() {
        let switch = FaultSwitch::default();
        switch.set_times(Fault::RateLimited, 2);
        assert_eq!(
            (switch.take(), switch.take(), switch.take()),
            (Some(Fault::RateLimited), Some(Fault::RateLimited), None)
        );
        switch.set(Some(Fault::ServerError));
        assert_eq!((switch.take(), switch.take()), (Some(Fault::ServerError), Some(Fault::ServerError)));
    }

    #[test]
    fn a_fault_can_wait_for_its_turn() {
        let switch = FaultSwitch::default();
        switch.set_after(Fault::PageShift, 2, Some(1));
        let calls: Vec<_> = (0..4).map(|_| switch.take()).collect();
        assert_eq!(calls, [None, None, Some(Fault::PageShift), None]);
        assert_eq!(switch.get(), None);
    }

    #[test]
    fn state_faults_run_the_simulator_event() {
        let fired = Arc::new(Mutex::new(0));
        let counter = fired.clone();
        let switch = FaultSwitch::with_events(StateEvents {
            arrive: Some(Arc::new(move || *counter.lock().unwrap() += 1)),
            ..Default::default()
        });
        switch.run_event(Fault::PageShift);
        switch.run_event(Fault::ExpiredToken);
        assert_eq!(*fired.lock().unwrap(), 1);
    }
}
