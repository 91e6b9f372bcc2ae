//! HTTP calls to yomicloud: every call is a form POST to `/app/approval/<name>`; the reply is
//! the `{code, …}` envelope (code 0 = success, choice 1 of docs/yomicloud-protocol.md for the
//! error codes).

use super::auth::Credentials;
use super::wire;
use crate::connectors::{http_client, send, transport_error};
use crate::error::VendorError;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Error code for an invalid or expired token (our choice 1).
pub const CODE_BAD_TOKEN: i64 = 1;
/// Error code for "no permission" (our choice 1).
pub const CODE_NO_PERMISSION: i64 = 3;
/// Error code for an approval, template or file that does not exist (our choice 1).
pub const CODE_NOT_FOUND: i64 = 4;

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    creds: Credentials,
}

impl Client {
    pub fn new(base_url: &str, creds: Credentials) -> Result<Self, VendorError> {
        let base = crate::connectors::validate_base_url(base_url, "the base URL")?;
        Ok(Client { http: http_client(), base, creds })
    }

    pub fn uid(&self) -> i64 {
        self.creds.uid
    }

    /// POSTs a call and returns the whole reply after the envelope check.
    pub async fn call_raw(&self, call: &str, fields: &[(&str, String)]) -> Result<Value, VendorError> {
        let resp =
            send(call, self.http.post(format!("{}/app/approval/{call}", self.base)).form(&self.creds.form(fields)))
                .await?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| transport_error(call, e))?;
        envelope(call, status.as_u16(), &body)
    }

    /// POSTs a call and decodes the reply into `T`.
    pub async fn call<T: DeserializeOwned>(
        &self,
        call: &str,
        fields: &[(&str, String)],
    ) -> Result<(T, Value), VendorError> {
        let raw = self.call_raw(call, fields).await?;
        let typed = T::deserialize(&raw).map_err(|e| VendorError::record(call, e))?;
        Ok((typed, raw))
    }

    pub async fn view_approval(&self, id: &str) -> Result<(wire::ViewApproval, Value), VendorError> {
        self.call("view-approval", &[("id", id.to_string())]).await
    }

    pub async fn handler_list(&self, which: wire::HandlerList) -> Result<wire::ApprovalList, VendorError> {
        Ok(self.call("get-handler-list", &which.form()).await?.0)
    }

    pub async fn creator_list(&self) -> Result<wire::ApprovalList, VendorError> {
        Ok(self.call("get-creator-list", &[]).await?.0)
    }

    /// The raw `data` items of `get-handler-list` (`Some`) or `get-creator-list` (`None`), for
    /// a sync to read one by one.
    pub async fn list_items(&self, which: Option<wire::HandlerList>) -> Result<Vec<Value>, VendorError> {
        let mut raw = match which {
            Some(w) => self.call_raw("get-handler-list", &w.form()).await?,
            None => self.call_raw("get-creator-list", &[]).await?,
        };
        Ok(crate::connectors::take_items(&mut raw, "data"))
    }

    pub async fn templet_content(&self, id: i64, file_id: i64) -> Result<wire::TempletContent, VendorError> {
        Ok(self.call("templet-content", &[("id", id.to_string()), ("fileId", file_id.to_string())]).await?.0)
    }

    pub async fn attach_list(&self, folder_id: i64, base_path: &str) -> Result<wire::AttachList, VendorError> {
        Ok(self
            .call("get-attach-list", &[("fileId", folder_id.to_string()), ("basePath", base_path.to_string())])
            .await?
            .0)
    }

    /// `get-file-approval-log`: the approvals on a file (document, interface 17).
    pub async fn file_approval_log(&self, file_id: i64) -> Result<wire::ApprovalList, VendorError> {
        Ok(self.call("get-file-approval-log", &[("fileId", file_id.to_string())]).await?.0)
    }

    /// `handle-step`: `status` 1 agrees, 2 refuses.
    pub async fn handle_step(&self, aid: i64, auid: i64, step: i64, note: &str, status: u8) -> Result<(), VendorError> {
        let fields = [
            ("aid", aid.to_string()),
            ("auid", auid.to_string()),
            ("step", step.to_string()),
            ("note", note.to_string()),
            ("status", status.to_string()),
        ];
        self.call_raw("handle-step", &fields).await.map(drop).map_err(VendorError::as_outcome)
    }

    /// `templet-list`: the templates of a file or folder, inherited ones included (admins only).
    pub async fn templet_list(&self, file_id: i64) -> Result<wire::TempletList, VendorError> {
        Ok(self.call("templet-list", &[("fileId", file_id.to_string())]).await?.0)
    }

    /// `create-approval`: answers the new approval's id.
    pub async fn create_approval(&self, json: &Value) -> Result<i64, VendorError> {
        // The document shows no reply: a success without a readable id leaves the outcome
        // unknown, for the caller to look the approval up (`YomiConnector::create_once`).
        let (created, _): (wire::Created, Value) =
            self.call("create-approval", &[("json", json.to_string())]).await.map_err(VendorError::as_outcome)?;
        Ok(created.id)
    }

    /// `create-multifiles-attachment`: declares the folders (`/`-separated); answers (rootid, uuid).
    pub async fn create_multifiles(&self, folders: &[String]) -> Result<wire::MultiAttachment, VendorError> {
        let mut fields = vec![];
        if !folders.is_empty() {
            fields.push(("rpath", serde_json::to_string(folders).unwrap_or_default()));
        }
        Ok(self.call("create-multifiles-attachment", &fields).await?.0)
    }

    /// `remove-approval` (admins only).
    pub async fn remove_approval(&self, id: &str) -> Result<(), VendorError> {
        self.call_raw("remove-approval", &[("id", id.to_string())]).await.map(drop)
    }

    /// `upload-attachment`: one file, streamed as `body`. `multi` names the multi-file
    /// attachment (uuid, rootid) and the file's folder (`|`-separated, document form 3).
    pub async fn upload(
        &self,
        name: &str,
        size: u64,
        body: reqwest::Body,
        multi: Option<(&wire::MultiAttachment, &str)>,
    ) -> Result<wire::Uploaded, VendorError> {
        const CALL: &str = "upload-attachment";
        let segment = |s: &str| percent_encoding::utf8_percent_encode(s, SEGMENT).to_string();
        let mut url = format!("{}/app/approval/{CALL}/{}/{size}", self.base, segment(self.creds.token()));
        if let Some((m, folder)) = multi {
            url.push_str(&format!("/{}/{}", segment(&m.uuid), m.rootid));
            if !folder.is_empty() {
                url.push_str(&format!("/{}", segment(folder)));
            }
        }
        let part = reqwest::multipart::Part::stream_with_length(body, size).file_name(name.to_string());
        let form = reqwest::multipart::Form::new()
            .text("token", self.creds.token().to_string())
            .text("fileSize2", size.to_string())
            .text("atype", if multi.is_some() { "1" } else { "0" })
            .part("file", part);
        // Not `http_client`'s 60 s: a large file on a slow line takes longer; stalls still end.
        let resp = self
            .http
            .post(url)
            .multipart(form)
            .timeout(std::time::Duration::from_secs(30 * 60))
            .send()
            .await
            .map_err(|e| transport_error(CALL, e))?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| transport_error(CALL, e))?;
        let raw = envelope(CALL, status, &body)?;
        serde_json::from_value(raw).map_err(|e| VendorError::malformed(CALL, e))
    }

    /// `download-attachment`: the bytes, or the envelope's error when the reply is JSON.
    pub async fn download(&self, file_id: &str) -> Result<(Option<String>, Vec<u8>), VendorError> {
        const CALL: &str = "download-attachment";
        let resp = send(
            CALL,
            self.http
                .post(format!("{}/app/approval/{CALL}", self.base))
                .form(&self.creds.form(&[("fileId", file_id.to_string())])),
        )
        .await?;
        let status = resp.status().as_u16();
        let is_json = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        let name = resp
            .headers()
            .get(reqwest::header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .and_then(disposition_name);
        let body = resp.bytes().await.map_err(|e| transport_error(CALL, e))?;
        if is_json || status != 200 {
            envelope(CALL, status, &body)?;
            return Err(VendorError::malformed(CALL, "a JSON reply where file bytes were expected"));
        }
        Ok((name, body.to_vec()))
    }
}

/// What must be escaped in a path segment (the token, the uuid, a folder path).
const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'|');

/// Checks HTTP status and the `{code, msg}` envelope; returns the parsed reply on code 0.
/// The envelope check of a raw reply (public for the fuzz tests).
pub fn envelope(call: &str, status: u16, body: &[u8]) -> Result<Value, VendorError> {
    let parsed: Result<Value, _> = serde_json::from_slice(body);
    let value = match parsed {
        Ok(v) => v,
        Err(_) if status != 200 => return Err(VendorError::Http { call: call.into(), status }),
        Err(e) => return Err(VendorError::malformed(call, format!("not JSON ({e})"))),
    };
    let code = value.get("code").and_then(Value::as_i64).ok_or_else(|| {
        if status != 200 {
            VendorError::Http { call: call.into(), status }
        } else {
            VendorError::malformed(call, "the reply has no numeric `code`")
        }
    })?;
    if code == 0 {
        return Ok(value);
    }
    let message = value.get("msg").or_else(|| value.get("message")).and_then(Value::as_str).unwrap_or("").to_string();
    let (call, code_text) = (call.to_string(), code.to_string());
    Err(if code == CODE_BAD_TOKEN {
        VendorError::Auth { call, code: code_text, message }
    } else {
        VendorError::Vendor { call, code: code_text, message }
    })
}

/// The file name of a `Content-Disposition` header (`filename*=UTF-8''…` preferred).
fn disposition_name(header: &str) -> Option<String> {
    let star = header.split(';').map(str::trim).find_map(|p| p.strip_prefix("filename*=UTF-8''"));
    if let Some(encoded) = star {
        return Some(percent_encoding::percent_decode_str(encoded).decode_utf8_lossy().into_owned());
    }
    header.split(';').map(str::trim).find_map(|p| p.strip_prefix("filename=")).map(|n| n.trim_matches('"').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_rules() {
        assert!(envelope("c", 200, br#"{"code":0,"data":[]}"#).is_ok());
        assert!(matches!(
            envelope("c", 200, r#"{"code":1,"msg":"token无效"}"#.as_bytes()),
            Err(VendorError::Auth { .. })
        ));
        let e = envelope("handle-step", 200, r#"{"code":5,"msg":"当前状态不允许此操作"}"#.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("handle-step") && e.contains('5') && e.contains("当前状态不允许此操作"), "{e}");
        assert!(matches!(envelope("c", 200, br#"{"code":0,"da"#), Err(VendorError::Malformed { .. })));
        assert!(matches!(envelope("c", 502, b"<html>bad gateway</html>"), Err(VendorError::Http { status: 502, .. })));
        assert!(matches!(envelope("c", 200, br#"{"data":1}"#), Err(VendorError::Malformed { .. })));
    }

    #[test]
    fn content_disposition_names() {
        assert_eq!(
            disposition_name("attachment; filename*=UTF-8''%E6%8A%A5%E8%A1%A8.pdf").as_deref(),
            Some("报表.pdf")
        );
        assert_eq!(disposition_name("attachment; filename=\"a.txt\"").as_deref(), Some("a.txt"));
        assert_eq!(disposition_name("inline"), None);
    }
}
