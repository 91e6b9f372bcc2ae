//! The axum side: the document's paths, the common headers every call starts with
//! (`X-LXY-PLATFORM`, `X-LXY-APP`, `ACCESS-TOKEN`), query decoding (Rails-style `key[]=` arrays),
//! and the two envelopes: `{code: 0, message, data}` on success, `{errcode, errmsg}` on failure.

use crate::common::Simulator;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::error::ApiError;
use super::state::{Filters, RecordStatus, Scope, User, Verb, DEFAULT_PER_PAGE, MAX_PER_PAGE, PLATFORMS};
use super::Sim;
use crate::common::{admin_routes, now_secs, with_faults};

/// The list path (document).
pub const LIST_PATH: &str = "/api/v1/approval_center/list";
/// The detail path (document, 获取审批流信息).
pub const DETAIL_PATH: &str = "/api/v1/execute_records/detail";
/// The execute path: not on the vendor's public pages we could read; third-party code calling
/// the platform uses it (docs/weiwenjia-protocol.md, assumption A1).
pub const PERFORM_PATH: &str = "/api/v1/execute_records/{id}/perform";

/// The complete router: vendor routes behind the fault switch, plus `/__sim`.
pub fn router(sim: Sim) -> Router {
    let api = Router::new()
        .route(LIST_PATH, get(list))
        .route(DETAIL_PATH, get(detail))
        .route(PERFORM_PATH, post(perform))
        .with_state(sim.clone());
    with_faults(api, sim.faults.clone()).merge(admin_routes(sim.faults))
}

/// Checks the common headers in the document's order and returns the caller.
fn caller(sim: &Sim, headers: &HeaderMap) -> Result<User, ApiError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).unwrap_or("");
    let platform = header("x-lxy-platform");
    if !PLATFORMS.contains(&platform) {
        return Err(ApiError::BadPlatform);
    }
    // The document says 固定为CRM and its example sends `crm`: either case is accepted.
    if !header("x-lxy-app").eq_ignore_ascii_case("crm") {
        return Err(ApiError::BadApp);
    }
    sim.lock().user_by_token(platform, header("access-token")).cloned()
}

/// Success envelope.
fn ok(data: Value) -> Response {
    Json(json!({"code": 0, "message": "请求成功", "data": data})).into_response()
}

/// Failure envelope: HTTP 200 with `{errcode, errmsg}` (our choice: the HTTP status stays 200).
fn fail(err: ApiError) -> Response {
    tracing::debug!(code = err.code(), %err, "refused");
    Json(err.to_json()).into_response()
}

fn respond(result: Result<Value, ApiError>) -> Response {
    match result {
        Ok(data) => ok(data),
        Err(e) => fail(e),
    }
}

/// The query's pairs; `key[]` and `key` are the same key.
fn pairs(raw: &Option<String>) -> Vec<(String, String)> {
    let raw = raw.as_deref().unwrap_or("");
    form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.trim_end_matches("[]").to_string(), v.into_owned()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

fn values<'a>(pairs: &'a [(String, String)], key: &'a str) -> impl Iterator<Item = &'a str> {
    pairs.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn one<'a>(pairs: &'a [(String, String)], key: &'a str) -> Option<&'a str> {
    values(pairs, key).next()
}

fn number(pairs: &[(String, String)], key: &str) -> Result<Option<i64>, ApiError> {
    one(pairs, key).map(|v| v.trim().parse::<i64>().map_err(|_| ApiError::param(key))).transpose()
}

async fn list(State(sim): State<Sim>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let user = match caller(&sim, &headers) {
        Ok(u) => u,
        Err(e) => return fail(e),
    };
    respond(list_data(&sim, &user, &pairs(&raw)))
}

fn list_data(sim: &Sim, user: &User, q: &[(String, String)]) -> Result<Value, ApiError> {
    let scope = one(q, "scope").and_then(Scope::parse).ok_or_else(|| ApiError::param("scope"))?;
    let status = values(q, "status")
        .map(|s| RecordStatus::parse(s).ok_or_else(|| ApiError::param("status")))
        .collect::<Result<_, _>>()?;
    let submitter_uids = values(q, "submitter_uids")
        .map(|s| s.parse().map_err(|_| ApiError::param("submitter_uids")))
        .collect::<Result<_, _>>()?;
    let filters =
        Filters { status, entity_types: values(q, "entity_types").map(str::to_string).collect(), submitter_uids };
    let page = number(q, "page")?.unwrap_or(1);
    let per_page = number(q, "per_page")?.unwrap_or(DEFAULT_PER_PAGE as i64);
    if page < 1 {
        return Err(ApiError::param("page"));
    }
    if per_page < 1 {
        return Err(ApiError::param("per_page"));
    }
    // Larger pages are cut to the maximum, as a Rails (kaminari) backend does.
    let per_page = (per_page as usize).min(MAX_PER_PAGE);
    let state = sim.lock();
    let all = state.scope(user.uid, scope, &filters);
    let total = all.len();
    let total_pages = total.div_ceil(per_page);
    let now = now_secs();
    let list: Vec<Value> = all
        .iter()
        .skip((page as usize - 1) * per_page)
        .take(per_page)
        .map(|r| state.list_item(r, user.uid, scope, now))
        .collect();
    Ok(json!({
        "list": list,
        "total_count": total,
        "total_pages": total_pages,
        "has_next_page": (page as usize) < total_pages,
        "per_page": per_page,
        "page": page,
    }))
}

async fn detail(State(sim): State<Sim>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let user = match caller(&sim, &headers) {
        Ok(u) => u,
        Err(e) => return fail(e),
    };
    let q = pairs(&raw);
    let result = (|| {
        let entity_type = one(&q, "entity_type").ok_or_else(|| ApiError::param("entity_type"))?;
        let entity_id = number(&q, "entity_id")?.ok_or_else(|| ApiError::param("entity_id"))?;
        let state = sim.lock();
        let record = state.by_entity(entity_type, entity_id).ok_or(ApiError::NotFound)?;
        Ok(match super::wild::refused(record) {
            Some(reply) => Err(reply),
            None => Ok(state.detail(record, user.uid)),
        })
    })();
    match result {
        Ok(Err(reply)) => Json(reply).into_response(),
        Ok(Ok(data)) => ok(data),
        Err(e) => fail(e),
    }
}

async fn perform(State(sim): State<Sim>, headers: HeaderMap, Path(id): Path<String>, body: Bytes) -> Response {
    let user = match caller(&sim, &headers) {
        Ok(u) => u,
        Err(e) => return fail(e),
    };
    respond(perform_on(&sim, &user, &id, &body))
}

fn perform_on(sim: &Sim, user: &User, id: &str, body: &[u8]) -> Result<Value, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let body: Value = serde_json::from_slice(body).map_err(|_| ApiError::param("body"))?;
    let verb = body
        .get("execute_action")
        .and_then(Value::as_str)
        .and_then(Verb::parse)
        .ok_or_else(|| ApiError::param("execute_action"))?;
    let opinion = match body.get("execute_opinion") {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(ApiError::param("execute_opinion")),
    };
    let mut state = sim.lock();
    let record = state.records.get_mut(&id).ok_or(ApiError::NotFound)?;
    record.perform(user.uid, verb, opinion, now_secs())?;
    tracing::info!(record = id, uid = user.uid, action = verb.as_str(), status = record.status.as_str(), "performed");
    Ok(json!({"execute_record_id": id, "status": record.status.as_str(), "status_i18n": record.status.i18n()}))
}
