//! The axum side: one `POST` route per path, JSON decoding, the per-endpoint rate limit, the
//! `corpAccessToken` + `corpId` check every call but the token call starts with, and replies as
//! HTTP (errors are HTTP 200 with the `errorCode` envelope; files are raw bytes).

use crate::common::Simulator;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, MethodRouter};
use axum::{Json, Router};
use serde_json::Value;

use super::api::{self, Ctx, Endpoint, Reply};
use super::error::ApiError;
use super::Sim;
use crate::common::{admin_routes, with_faults};

pub const TOKEN_PATH: &str = "/cgi/corpAccessToken/get/V2";

/// Every path, by the document (协同审批), the vendor README and, for the two people calls, the
/// platform's pages and the vendor's demo (docs/fxiaoke-protocol.md).
pub const ENDPOINTS: &[(&str, Endpoint)] = &[
    (TOKEN_PATH, api::corp_access_token),
    ("/cgi/user/getByMobile", api::user_by_mobile),
    ("/cgi/user/get", api::user_get),
    ("/cgi/user/simpleList", api::user_simple_list),
    ("/cgi/approvalTypeForms/get", api::approval_type_forms),
    ("/cgi/approval/query", api::approval_query),
    ("/cgi/approval/get", api::approval_get),
    ("/media/download", api::media_download),
    ("/cgi/crm/approvalInstances/query", api::crm_instances_query),
    ("/cgi/crm/approvalInstance/get", api::crm_instance_get),
    ("/cgi/crm/approvalTask/action", api::crm_task_action),
    ("/cgi/crm/v2/special/approval/instance/cancel", api::crm_instance_cancel),
];

pub fn router(sim: Sim) -> Router {
    let mut api = Router::new();
    for (path, endpoint) in ENDPOINTS {
        api = api.route(path, route(path, *endpoint));
    }
    let api = api.with_state(sim.clone());
    with_faults(api, sim.faults.clone()).merge(admin_routes(sim.faults))
}

fn route(path: &'static str, endpoint: Endpoint) -> MethodRouter<Sim> {
    post(move |State(sim): State<Sim>, body: Bytes| async move {
        let ctx = Ctx { now: Instant::now(), now_ms: crate::common::now_secs() * 1000 + now_subsec_ms() };
        let result = match serde_json::from_slice::<Value>(&body) {
            Err(_) => Err(ApiError::illegal("body is not JSON")),
            Ok(body) => {
                let mut state = sim.lock();
                state
                    .count_call(path, ctx.now)
                    .and_then(|_| if path == TOKEN_PATH { Ok(()) } else { state.check_token(&body, ctx.now) })
                    .and_then(|_| endpoint(&mut state, &body, &ctx))
            }
        };
        if let Err(e) = &result {
            tracing::debug!(path, code = e.code(), %e, "refused");
        }
        respond(result)
    })
}

fn now_subsec_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_millis() as i64).unwrap_or(0)
}

fn respond(result: Result<Reply, ApiError>) -> Response {
    match result {
        Ok(Reply::Json(v)) => Json(v).into_response(),
        Ok(Reply::File(bytes)) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(bytes))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        Err(e) => Json(e.to_json()).into_response(),
    }
}
