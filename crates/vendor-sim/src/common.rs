//! What every vendor simulator shares: the running-server handle, the fault switch (so a client's
//! tests can prove that a broken reply is reported), and the `/__sim/*` admin routes.

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

/// A failure a simulator can be told to produce on every vendor call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Every call answers HTTP 200 with a truncated, invalid JSON body.
    #[serde(rename = "malformed")]
    MalformedJson,
    /// Every call answers HTTP 500.
    ServerError,
}

/// The body sent for [`Fault::MalformedJson`]: the start of a plausible reply, cut off.
const MALFORMED_BODY: &str = r#"{"code":0,"data":[{"content":"{\n    \"approverAuth\": 2,"#;

/// Shared, switchable fault setting of one simulator.
#[derive(Debug, Clone, Default)]
pub struct FaultSwitch(Arc<Mutex<Option<Fault>>>);

impl FaultSwitch {
    /// Sets (or clears, with `None`) the fault answered by every vendor call.
    pub fn set(&self, fault: Option<Fault>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = fault;
    }

    /// The fault in force, if any.
    pub fn get(&self) -> Option<Fault> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Wraps vendor routes so that a set fault replaces their answer.
pub fn with_faults<S: Clone + Send + Sync + 'static>(router: Router<S>, switch: FaultSwitch) -> Router<S> {
    router.layer(middleware::from_fn_with_state(switch, fault_layer))
}

async fn fault_layer(State(switch): State<FaultSwitch>, req: Request, next: Next) -> Response {
    match switch.get() {
        None => next.run(req).await,
        Some(Fault::ServerError) => (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response(),
        Some(Fault::MalformedJson) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(Body::from(MALFORMED_BODY))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
    }
}

/// Body of `POST /__sim/fault`.
#[derive(Debug, Deserialize)]
struct FaultRequest {
    fault: Option<Fault>,
}

/// The admin routes (`POST /__sim/fault` with `{"fault": "malformed" | "server_error" | null}`),
/// kept outside the fault layer so a fault can always be cleared.
pub fn admin_routes<S: Clone + Send + Sync + 'static>(switch: FaultSwitch) -> Router<S> {
    Router::new().route("/__sim/fault", post(set_fault)).with_state(switch)
}

async fn set_fault(State(switch): State<FaultSwitch>, Json(req): Json<FaultRequest>) -> Json<serde_json::Value> {
    switch.set(req.fault);
    tracing::info!(fault = ?req.fault, "fault switched");
    Json(serde_json::json!({ "ok": true, "fault": req.fault }))
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

/// Binds `addr` (port 0 = a free port) and serves `router` on a spawned task.
pub async fn serve_router(router: Router, addr: SocketAddr) -> io::Result<RunningServer> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let server = axum::serve(listener, router).with_graceful_shutdown(async {
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
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
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
    }
}
