//! Starting yomicloud approvals: a template (`templet-content` / `templet-list`) becomes a
//! generic [`Template`] (the statement, `tempAuthDay` when the type asks for it, one choice per
//! "designated" step), and a [`Submission`] becomes the `create-approval` json — the template's
//! content with the user's values — after its files were uploaded (one file: `upload-attachment`;
//! several or a folder: `create-multifiles-attachment` + one upload per file with `rpath`).

use super::client::Client;
use super::wire::{StepDef, Templet, TempletBody};
use crate::error::VendorError;
use crate::model::{Decision, FieldKind, Step, StepMember, User};
use crate::submission::{
    self, AttachmentRule, FieldOption, LocalFile, Progress, Submission, Template, TemplateField, UploadProgress,
    UploadState,
};
use serde_json::Value;

/// A row of the approval types (`templet-content` `data`): `[id, name, scope, extra, upload]`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TypeFlags {
    /// 1: the submitter gives a time limit (`tempAuthDay`).
    pub extra: i64,
    /// 1: the approval needs an uploaded file.
    pub upload: i64,
}

pub fn type_flags(data: &[Vec<Value>], id: i64) -> TypeFlags {
    let int = |v: Option<&Value>| v.and_then(|v| v.as_i64().or_else(|| v.as_str()?.trim().parse().ok())).unwrap_or(0);
    data.iter()
        .find(|row| int(row.first()) == id)
        .map(|row| TypeFlags { extra: int(row.get(3)), upload: int(row.get(4)) })
        .unwrap_or_default()
}

pub const NOTE: &str = "creatorNote";
pub const DAYS: &str = "tempAuthDay";

/// The key of the designated-approver choice of step `i`.
pub fn select_key(i: usize) -> String {
    format!("selectId.{i}")
}

/// The generic template of `t`, for an approval on `target`.
pub fn template(t: &Templet, types: &[Vec<Value>], target: Option<i64>) -> Result<Template, String> {
    let b: TempletBody = t.body()?;
    let flags = b.approval_type.num().map(|id| type_flags(types, id)).unwrap_or_default();
    let label = b.desc.clone().filter(|d| !d.trim().is_empty()).unwrap_or_else(|| "发起人陈述".into());
    let mut fields =
        vec![TemplateField { key: NOTE.into(), label, kind: FieldKind::Text, required: true, options: vec![] }];
    if flags.extra == 1 {
        fields.push(TemplateField {
            key: DAYS.into(),
            label: "临时权限天数".into(),
            kind: FieldKind::Number,
            required: true,
            options: vec![],
        });
    }
    for (i, s) in b.step.iter().enumerate().filter(|(_, s)| s.rule.is(4)) {
        let options = members(s).into_iter().map(|u| FieldOption { value: u.id, label: u.name }).collect();
        fields.push(TemplateField {
            key: select_key(i),
            label: format!("「{}」的指定审批人", s.name),
            kind: FieldKind::Select,
            required: true,
            options,
        });
    }
    Ok(Template {
        id: t.id.to_string(),
        name: if t.title.is_empty() { b.title.clone() } else { t.title.clone() },
        target: target.or(t.file_id).map(|f| f.to_string()),
        description: b.desc.clone().unwrap_or_default(),
        fields,
        steps: b.step.iter().map(step).collect(),
        attachments: if flags.upload == 1 { AttachmentRule::Required } else { AttachmentRule::None },
        open_fields: false,
    })
}

fn members(s: &StepDef) -> Vec<User> {
    s.ids
        .iter()
        .enumerate()
        .map(|(i, id)| User { id: id.to_string(), name: s.realnames.get(i).cloned().unwrap_or_else(|| id.to_string()) })
        .collect()
}

/// A template's step as the form shows it (a rule-4 approver is chosen by the submitter: empty
/// until then; a rule we do not know is shown as sent).
fn step(s: &StepDef) -> Step {
    let members = members(s)
        .into_iter()
        .map(|user| StepMember { user, decision: Decision::Waiting, word: None, comment: None, decided_at: None })
        .collect();
    Step { name: s.name.clone(), rule: super::map::rule(s), decision: Decision::Waiting, members }
}

/// The `create-approval` json: the template's content as the document advises, plus the
/// request's own keys and the user's values. `full_path` is the file's path from the drive's
/// root (`YomiConnector::full_path`); left out when the vendor told us nothing about the file.
pub fn request(
    t: &Templet,
    s: &Submission,
    file_id: i64,
    full_path: Option<&str>,
    attachment_id: Option<i64>,
) -> Result<Value, VendorError> {
    let mut json = t.content_value().map_err(|e| VendorError::record("templet-content", e))?;
    let obj = json
        .as_object_mut()
        .ok_or_else(|| VendorError::record("templet-content", "the template content is not an object"))?;
    let task_type = obj.get("approvalType").cloned().unwrap_or(Value::Null);
    let copyto = obj.remove("uids").unwrap_or_else(|| Value::Array(vec![]));
    obj.insert("tid".into(), t.id.into());
    obj.insert("taskType".into(), number(&task_type));
    obj.insert("copyto".into(), copyto);
    obj.insert("fileId".into(), file_id.into());
    if let Some(path) = full_path {
        obj.insert("fullPath".into(), path.into());
    }
    obj.insert("creatorNote".into(), s.value(NOTE).unwrap_or("").into());
    if let Some(id) = attachment_id {
        obj.insert("attachmentId".into(), id.into());
    }
    if let Some(days) = s.value(DAYS) {
        let days: i64 = days.parse().map_err(|_| field_error(DAYS, "临时权限天数须是整数"))?;
        obj.insert("tempAuthDay".into(), days.into());
    }
    if let Some(Value::Array(steps)) = obj.get_mut("step") {
        for (i, st) in steps.iter_mut().enumerate().filter(|(_, st)| st.get("type").map(number) == Some(4.into())) {
            let chosen = s.value(&select_key(i)).ok_or_else(|| field_error(&select_key(i), "请选择指定审批人"))?;
            let id: i64 = chosen.parse().map_err(|_| field_error(&select_key(i), "指定审批人须是用户 ID"))?;
            st["selectId"] = id.into();
        }
    }
    Ok(json)
}

fn number(v: &Value) -> Value {
    v.as_str().and_then(|s| s.trim().parse::<i64>().ok()).map(Value::from).unwrap_or_else(|| v.clone())
}

fn field_error(field: &str, message: &str) -> VendorError {
    VendorError::Field { field: field.to_string(), source: Box::new(VendorError::NotAllowed(message.to_string())) }
}

/// The field a `create-approval` refusal concerns (`参数错误: <name>`, protocol choice 13).
pub fn field_of(message: &str, s: &Submission) -> Option<String> {
    let name = message.rsplit([':', '：']).next()?.trim();
    Some(match name {
        "attachmentId" => "attachments".into(),
        "step.selectId" => {
            (0..8).map(select_key).find(|k| s.fields.iter().any(|f| &f.key == k)).unwrap_or_else(|| select_key(0))
        }
        n if n == DAYS || n == NOTE => n.to_string(),
        _ => return None,
    })
}

/// How many times one file's upload is tried when the connection fails (re-uploading the same
/// name replaces the file, protocol choice 16, so a retry is safe).
const UPLOAD_ATTEMPTS: u32 = 3;

/// The submission's `attachmentId`: the one uploaded by an earlier send of the same draft (the
/// vendor takes an attachment its uploader has not used yet, protocol choice 23), else the files
/// uploaded now. None without files.
pub async fn attachment(client: &Client, s: &Submission, progress: &Progress) -> Result<Option<i64>, VendorError> {
    if s.attachments.is_empty() {
        return Ok(None);
    }
    if let Some(id) = s.uploaded.as_deref().and_then(|id| id.parse::<i64>().ok()) {
        let (files, _) =
            submission::collect_files(&s.attachments).map_err(|e| field_error("attachments", &e.to_string()))?;
        for (i, f) in files.iter().enumerate() {
            progress.report(UploadProgress {
                path: f.path.clone(),
                index: i,
                count: files.len(),
                sent: f.size,
                total: f.size,
                state: UploadState::Done,
            });
        }
        return Ok(Some(id));
    }
    let id = upload_all(client, s, progress).await?;
    if let Some(id) = id {
        progress.uploaded(&id.to_string());
    }
    Ok(id)
}

/// Uploads the submission's files; answers the `attachmentId` (none without files).
pub async fn upload_all(client: &Client, s: &Submission, progress: &Progress) -> Result<Option<i64>, VendorError> {
    if s.attachments.is_empty() {
        return Ok(None);
    }
    let (files, folders) =
        submission::collect_files(&s.attachments).map_err(|e| field_error("attachments", &e.to_string()))?;
    let count = files.len();
    for (i, f) in files.iter().enumerate() {
        progress.report(UploadProgress {
            path: f.path.clone(),
            index: i,
            count,
            sent: 0,
            total: f.size,
            state: UploadState::Waiting,
        });
    }
    let single = count == 1 && folders.is_empty();
    if single {
        let up = upload_one(client, &files[0], 0, count, None, progress).await?;
        return Ok(Some(up));
    }
    let multi = client.create_multifiles(&folders).await?;
    for (i, f) in files.iter().enumerate() {
        upload_one(client, f, i, count, Some(&multi), progress).await?;
    }
    Ok(Some(multi.rootid))
}

async fn upload_one(
    client: &Client,
    f: &LocalFile,
    index: usize,
    count: usize,
    multi: Option<&super::wire::MultiAttachment>,
    progress: &Progress,
) -> Result<i64, VendorError> {
    let report = |state, sent| {
        progress.report(UploadProgress { path: f.path.clone(), index, count, sent, total: f.size, state })
    };
    let rpath = f.folder.replace('/', "|");
    let mut attempt = 1;
    loop {
        let body = submission::file_body(f, index, count, progress.clone())
            .await
            .map_err(|e| field_error("attachments", &e.to_string()))?;
        match client.upload(&f.name, f.size, body, multi.map(|m| (m, rpath.as_str()))).await {
            Ok(up) => {
                report(UploadState::Done, f.size);
                return Ok(up.file_id);
            }
            Err(VendorError::Unreachable { call, reason }) if attempt < UPLOAD_ATTEMPTS => {
                tracing::warn!(file = %f.name, "{call}: {reason}; uploading again");
                attempt += 1;
            }
            Err(e) => {
                report(UploadState::Failed, 0);
                return Err(e);
            }
        }
    }
}
