//! The axum side: one `POST /app/approval/<name>` route per endpoint, form decoding, the token
//! check every call starts with, multipart uploads, and turning replies into HTTP responses.

use crate::common::Simulator;
use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, MethodRouter};
use axum::{Json, Router};

use super::api::{self, Endpoint, Params, Reply, Upload};
use super::error::ApiError;
use super::Sim;
use crate::common::{admin_routes, now_secs, with_faults};

/// Uploads are small in a simulator, but a client may test a few MiB.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// Every form endpoint of the document, by name.
pub(crate) const ENDPOINTS: &[(&str, Endpoint)] = &[
    ("templet-content", api::templet_content),
    ("set-templet", api::set_templet),
    ("templet-list", api::templet_list),
    ("templet-list2", api::templet_list2),
    ("remove-templet", api::remove_templet),
    ("create-approval", api::create_approval),
    ("get-creator-list", api::get_creator_list),
    ("view-approval", api::view_approval),
    ("get-handler-list", api::get_handler_list),
    ("handle-step", api::handle_step),
    ("create-multifiles-attachment", api::create_multifiles_attachment),
    ("download-attachment", api::download_attachment),
    ("get-attach-list", api::get_attach_list),
    ("remove-approval", api::remove_approval),
    ("download-attachment-zip", api::download_attachment_zip),
    ("get-file-approval-log", api::get_file_approval_log),
];

/// The complete router of one simulator: vendor routes behind the fault switch, plus `/__sim`.
pub fn router(sim: Sim) -> Router {
    let mut api = Router::new();
    for (name, endpoint) in ENDPOINTS {
        api = api.route(&format!("/app/approval/{name}"), form_route(name, *endpoint));
    }
    let upload = "/app/approval/upload-attachment/{token}/{filesize}";
    let api = api
        .route(upload, post(upload_handler))
        .route(&format!("{upload}/{{uuid}}/{{rootid}}"), post(upload_handler))
        .route(&format!("{upload}/{{uuid}}/{{rootid}}/{{rpath}}"), post(upload_handler))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(sim.clone());
    with_faults(api, sim.faults.clone()).merge(admin_routes(sim.faults))
}

/// A route that decodes the form, checks the token and runs `endpoint` under the state lock.
fn form_route(name: &'static str, endpoint: Endpoint) -> MethodRouter<Sim> {
    post(move |State(sim): State<Sim>, body: Bytes| async move {
        let params = Params::parse(&body);
        let mut state = sim.lock();
        let result = match state.user_by_token(params.get("token").unwrap_or("")).cloned() {
            Ok(user) => endpoint(&mut state, &user, &params, now_secs()),
            Err(err) => Err(err),
        };
        drop(state);
        log_call(name, &result);
        respond(result)
    })
}

/// `upload-attachment/{token}/{filesize}[/{uuid}/{rootid}[/{rpath}]]` with a multipart body.
async fn upload_handler(
    State(sim): State<Sim>,
    Path(mut path): Path<HashMap<String, String>>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let token = path.remove("token").unwrap_or_default();
    if sim.lock().user_by_token(&token).is_err() {
        return respond(Err(ApiError::BadToken));
    }
    let mut up = Upload {
        filesize: path.remove("filesize").unwrap_or_default(),
        uuid: path.remove("uuid"),
        rootid: path.remove("rootid"),
        rpath: path.remove("rpath"),
        ..Upload::default()
    };
    let result = match read_multipart(multipart, &mut up).await {
        Err(err) => Err(err),
        Ok(()) => {
            let mut state = sim.lock();
            match state.user_by_token(&token).cloned() {
                Ok(user) => api::upload_attachment(&mut state, &user, up),
                Err(err) => Err(err),
            }
        }
    };
    log_call("upload-attachment", &result);
    respond(result)
}

/// Reads the `file` part and the text fields (`fileSize2`, `atype`, ...).
async fn read_multipart(multipart: Result<Multipart, MultipartRejection>, up: &mut Upload) -> Result<(), ApiError> {
    let mut multipart = multipart.map_err(|_| ApiError::param("file"))?;
    let mut fields = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|_| ApiError::param("file"))? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            up.file_name = field.file_name().map(str::to_string);
            up.data = Some(field.bytes().await.map_err(|_| ApiError::param("file"))?.to_vec());
        } else {
            fields.push((name, field.text().await.map_err(|_| ApiError::param("file"))?));
        }
    }
    up.fields = Params::from_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    Ok(())
}

fn log_call(name: &str, result: &Result<Reply, ApiError>) {
    match result {
        Ok(_) => tracing::debug!(endpoint = name, "ok"),
        Err(err) => tracing::debug!(endpoint = name, code = err.code(), %err, "refused"),
    }
}

/// A reply as HTTP: errors are HTTP 200 with the error envelope (protocol choice 1).
fn respond(result: Result<Reply, ApiError>) -> Response {
    match result {
        Ok(Reply::Json(value)) => Json(value).into_response(),
        Ok(Reply::File { name, content_type, bytes }) => file_response(&name, content_type, bytes),
        Err(err) => Json(err.to_json()).into_response(),
    }
}

/// File bytes with `Content-Disposition: attachment; filename*=UTF-8''<name>` (choice 7).
fn file_response(name: &str, content_type: &'static str, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename*=UTF-8''{}", percent_encode(name));
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_DISPOSITION, disposition)
        .body(Body::from(bytes))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// RFC 5987 `attr-char` encoding of a file name.
fn percent_encode(name: &str) -> String {
    let keep = |b: u8| b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b);
    name.bytes().map(|b| if keep(b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_rfc5987_encoded() {
        assert_eq!(percent_encode("报告 v1.txt"), "%E6%8A%A5%E5%91%8A%20v1.txt");
    }
}
