//! The axum side: the four `/v2/contract/*` endpoints and `/v2/document/download` behind the
//! signature check, their parameters (query for GET, JSON for POST), the two envelope spellings
//! and the two editions' payload keys (open v2 `result`; private cloud `contract`,
//! `result.contractList`), and the browser page `pageurl` points at.

use crate::common::Simulator;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::error::ApiError;
use super::state::{self, Edition, ListQuery, MAX_LIMIT};
use super::Sim;
use crate::common::{admin_routes, now_secs, with_faults};

/// The default window of `contract/list` when `publishTimeStart` is absent: six months.
const DEFAULT_WINDOW_SECS: i64 = 183 * 86_400;

pub fn router(sim: Sim) -> Router {
    let api = Router::new()
        .route("/v2/contract/list", get(list))
        .route("/v2/contract/detail", get(detail))
        .route("/v2/contract/pageurl", post(pageurl))
        .route("/v2/contract/employeeaudit", post(employee_audit))
        .route("/v2/document/download", get(document_download))
        .with_state(sim.clone());
    let pages = Router::new().route("/web/contract/{id}", get(page)).with_state(sim.clone());
    with_faults(api, sim.faults.clone()).merge(pages).merge(admin_routes(sim.faults))
}

/// Reads the four signed headers under the tenant's prefix and checks them.
fn authenticate(sim: &Sim, headers: &HeaderMap) -> Result<(), ApiError> {
    let mut tenant = sim.lock();
    let prefix = tenant.header_prefix.clone();
    let h = |name: &str| headers.get(format!("{prefix}{name}")).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (token, ts, nonce, sig) = (h("accesstoken"), h("timestamp"), h("nonce"), h("signature"));
    tenant.authenticate(token.as_deref(), ts.as_deref(), nonce.as_deref(), sig.as_deref(), now_ms())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// A `code`-spelling reply: `{code: 0, message: "SUCCESS", result}` or the error.
fn code_reply(result: Result<Value, ApiError>) -> Response {
    match result {
        Ok(result) => Json(json!({ "code": 0, "message": "SUCCESS", "result": result })).into_response(),
        Err(e) => error_reply(&e, e.code_body()),
    }
}

fn error_reply(e: &ApiError, body: Value) -> Response {
    tracing::debug!(code = e.code(), %e, "refused");
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::OK);
    (status, Json(body)).into_response()
}

fn query_pairs(raw: Option<String>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

async fn list(State(sim): State<Sim>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    if let Err(e) = authenticate(&sim, &headers) {
        return error_reply(&e, e.code_body());
    }
    let pairs = query_pairs(raw);
    let result = list_query(&pairs, now_secs()).map(|q| {
        let tenant = sim.lock();
        let (total, page) = tenant.list(&q);
        let items: Vec<Value> = page.into_iter().map(|c| tenant.summary_json(c)).collect();
        match tenant.edition {
            Edition::OpenV2 => json!({ "totalCount": total, "list": items }),
            Edition::PrivateCloud => json!({ "totalCount": total, "contractList": items }),
        }
    });
    code_reply(result)
}

/// Validates the list parameters (choice 6: `selectLimit` 1..=1000, times as documented).
pub(crate) fn list_query(pairs: &[(String, String)], now: i64) -> Result<ListQuery, ApiError> {
    let int = |name: &str, default: usize| -> Result<usize, ApiError> {
        param(pairs, name).map_or(Ok(default), |v| v.trim().parse().map_err(|_| ApiError::param(name)))
    };
    let time = |name: &str, default: i64| -> Result<i64, ApiError> {
        param(pairs, name).map_or(Ok(default), |v| state::parse_time(v).ok_or_else(|| ApiError::param(name)))
    };
    let limit = int("selectLimit", MAX_LIMIT)?;
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::param("selectLimit"));
    }
    let status = param(pairs, "status").map(str::to_string);
    if status.as_deref().is_some_and(|s| !state::STATUSES.contains(&s)) {
        return Err(ApiError::param("status"));
    }
    let signatory_type = param(pairs, "signatoryType").unwrap_or("SPONSOR").to_string();
    if !["SPONSOR", "RECEIVER", "ALL"].contains(&signatory_type.as_str()) {
        return Err(ApiError::param("signatoryType"));
    }
    let ascending = match param(pairs, "createTimeOrder").unwrap_or("DESC") {
        "ASC" => true,
        "DESC" => false,
        _ => return Err(ApiError::param("createTimeOrder")),
    };
    let end = time("publishTimeEnd", now)?;
    let start = time("publishTimeStart", end - DEFAULT_WINDOW_SECS)?;
    if start > end {
        return Err(ApiError::param("publishTimeStart"));
    }
    Ok(ListQuery { status, start, end, offset: int("selectOffset", 0)?, limit, signatory_type, ascending })
}

async fn detail(State(sim): State<Sim>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    if let Err(e) = authenticate(&sim, &headers) {
        return error_reply(&e, e.code_body());
    }
    let pairs = query_pairs(raw);
    let with_operators = param(&pairs, "queryActionOperator").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let tenant = sim.lock();
    let result = tenant.find(param(&pairs, "contractId"), param(&pairs, "bizId")).and_then(|c| {
        if c.involves(&tenant.company) {
            Ok(tenant.detail_json(c, with_operators))
        } else {
            Err(ApiError::Forbidden)
        }
    });
    match (tenant.edition, result) {
        // The private cloud's detail: `{code, message, contract}` (its document has no
        // operator switch: `actionOperators` always come).
        (Edition::PrivateCloud, Ok(contract)) => {
            Json(json!({ "code": 0, "message": "SUCCESS", "contract": contract })).into_response()
        }
        (_, result) => code_reply(result),
    }
}

/// `GET /v2/document/download?documentId=`: the document's PDF, or the JSON error envelope
/// instead of the file.
async fn document_download(State(sim): State<Sim>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    if let Err(e) = authenticate(&sim, &headers) {
        return error_reply(&e, e.code_body());
    }
    let pairs = query_pairs(raw);
    let tenant = sim.lock();
    let found =
        param(&pairs, "documentId").ok_or_else(|| ApiError::param("documentId")).and_then(|id| tenant.document(id));
    match found {
        Ok((_, d)) => {
            let disposition = format!("attachment;fileName={}.pdf", d.id);
            (
                [(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, disposition)],
                super::pdf::document(&d.id, d.pages),
            )
                .into_response()
        }
        Err(e) => error_reply(&e, e.code_body()),
    }
}

fn json_body(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice::<Value>(body).ok().filter(Value::is_object).ok_or_else(|| ApiError::param("body"))
}

fn text<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name).and_then(Value::as_str)
}

async fn pageurl(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(e) = authenticate(&sim, &headers) {
        return error_reply(&e, e.code_body());
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1").to_string();
    let result = json_body(&body).and_then(|v| {
        let tenant = sim.lock();
        let c = tenant.find(text(&v, "contractId"), text(&v, "bizId"))?;
        // «操作人»: in every published version of the call (required in the early v2 document).
        if v.get("user").and_then(|u| text(u, "contact")).is_none_or(|c| c.trim().is_empty()) {
            return Err(ApiError::param("user"));
        }
        let page_type = text(&v, "pageType").unwrap_or("SIGN");
        if !["SIGN", "PRINT", "DIRECT_SIGN"].contains(&page_type) {
            return Err(ApiError::param("pageType"));
        }
        let ticket = state::signature(&c.id, page_type, &now_ms().to_string(), "page");
        Ok(json!({ "pageUrl": format!("http://{host}/web/contract/{}?pageType={page_type}&ticket={ticket}", c.id) }))
    });
    code_reply(result)
}

async fn employee_audit(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(e) = authenticate(&sim, &headers) {
        return error_reply(&e, e.response_code_body());
    }
    let result = json_body(&body).and_then(|v| {
        let pass = v.get("pass").and_then(Value::as_bool).ok_or_else(|| ApiError::param("pass"))?;
        let comment = text(&v, "comment").unwrap_or("");
        sim.lock().employee_audit(
            text(&v, "contractId"),
            text(&v, "bizId"),
            text(&v, "tenantName"),
            pass,
            comment,
            now_secs(),
        )
    });
    match result {
        Ok(()) => Json(json!({ "responseCode": "00000000", "message": "SUCCESS" })).into_response(),
        Err(e) => error_reply(&e, e.response_code_body()),
    }
}

/// The page a `pageUrl` opens: the contract as a person would see it.
async fn page(State(sim): State<Sim>, Path(id): Path<String>) -> Response {
    let tenant = sim.lock();
    match tenant.contracts.get(&id) {
        Some(c) => Html(format!(
            "<!doctype html><meta charset=utf-8><title>{0}</title><h1>{0}</h1><p>合同编号 {1} · 状态 {2}</p><p>契约锁模拟器</p>",
            escape(&c.subject),
            escape(&c.sn),
            c.status
        ))
        .into_response(),
        None => (StatusCode::NOT_FOUND, "合同不存在").into_response(),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Result<ListQuery, ApiError> {
        let owned: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        list_query(&owned, 1_700_000_000)
    }

    #[test]
    fn list_parameters_are_checked_as_documented() {
        let d = q(&[]).unwrap();
        assert_eq!(
            (d.limit, d.offset, d.signatory_type.as_str(), d.end - d.start),
            (1000, 0, "SPONSOR", DEFAULT_WINDOW_SECS)
        );
        assert_eq!(q(&[("selectLimit", "1001")]).unwrap_err(), ApiError::param("selectLimit"));
        assert_eq!(q(&[("selectLimit", "0")]).unwrap_err(), ApiError::param("selectLimit"));
        assert_eq!(q(&[("status", "DONE")]).unwrap_err(), ApiError::param("status"));
        assert_eq!(q(&[("publishTimeStart", "2024-01-01")]).unwrap_err(), ApiError::param("publishTimeStart"));
        let w = q(&[
            ("publishTimeStart", "2024-01-01 00:00:00"),
            ("publishTimeEnd", "2024-02-01 00:00:00"),
            ("signatoryType", "ALL"),
        ])
        .unwrap();
        assert_eq!(w.end - w.start, 31 * 86_400);
    }
}
