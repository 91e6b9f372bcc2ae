//! Starting approvals, vendor-neutral: what can be started ([`Template`]), what the user fills
//! in ([`Submission`]), the local files it carries ([`LocalFile`], walked from folders) and the
//! upload progress reported while they are sent ([`UploadProgress`]). Each connector maps a
//! submission to its vendor's calls.

use crate::model::{FieldKind, Step};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Something the user can start: the fields to fill, the steps it will go through, the files it
/// takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Template {
    /// The vendor's template id (yomicloud `tid`, zeyi `auditType`).
    pub id: String,
    pub name: String,
    /// What the approval is about, when the vendor ties it to one (yomicloud: the file or folder).
    pub target: Option<String>,
    pub description: String,
    pub fields: Vec<TemplateField>,
    /// The steps and approvers it will go through, as far as the vendor tells in advance.
    pub steps: Vec<Step>,
    pub attachments: AttachmentRule,
    /// Whether fields the template does not list may be added (zeyi takes any form item).
    pub open_fields: bool,
}

/// One field of a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct TemplateField {
    /// The key the value is sent under ([`FieldValue::key`]).
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    /// For [`FieldKind::Select`]: the allowed values (`value` to send, `label` to show).
    pub options: Vec<FieldOption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct FieldOption {
    pub value: String,
    pub label: String,
}

/// Which local files a template takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentRule {
    None,
    /// Files and folders may be attached.
    Optional,
    /// At least one file must be attached.
    Required,
}

/// Where to look for templates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(optional_fields)]
pub struct TemplateQuery {
    /// The file or folder an approval would be about (yomicloud file id).
    #[serde(default)]
    pub target: Option<String>,
    /// One template by its id (yomicloud lets only admins list a file's templates).
    #[serde(default)]
    pub template_id: Option<String>,
}

/// What the user filled in: the generic submission every connector maps to its vendor's call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Submission {
    pub template_id: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub target: Option<String>,
    #[serde(default)]
    pub fields: Vec<FieldValue>,
    /// Routing parameters the vendor chooses the flow by (zeyi `conditionParamList`).
    #[serde(default)]
    #[ts(as = "Option<Vec<FieldValue>>", optional)]
    pub conditions: Vec<FieldValue>,
    /// Local files and folders to upload with it.
    #[serde(default)]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub attachments: Vec<PathBuf>,
    /// Our id for this submission, the same on every retry, so a vendor that deduplicates
    /// (zeyi's business `id`) never starts a second approval. Drafts set it; empty → derived.
    #[serde(default)]
    #[ts(as = "Option<String>", optional)]
    pub request_id: String,
    /// The vendor's id of `attachments` once every file went up (yomicloud `attachmentId`), so a
    /// resend after a failed create reuses the upload instead of sending the files again. Set by
    /// the service only; dropped when the attachments change or the vendor refuses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploaded: Option<String>,
}

impl Submission {
    /// The value typed for `key`, if any and not blank.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.fields.iter().find(|f| f.key == key).map(|f| f.value.trim()).filter(|v| !v.is_empty())
    }
}

/// A value the user typed. `kind` matters for open-field vendors (zeyi: text or file URL).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct FieldValue {
    pub key: String,
    pub value: String,
    #[serde(default = "text_kind")]
    #[ts(as = "Option<FieldKind>", optional)]
    pub kind: FieldKind,
}

fn text_kind() -> FieldKind {
    FieldKind::Text
}

impl FieldValue {
    pub fn text(key: impl Into<String>, value: impl Into<String>) -> Self {
        FieldValue { key: key.into(), value: value.into(), kind: FieldKind::Text }
    }
}

/// Checks a submission against its template before anything is sent: required fields, select
/// options, attachments. Errors name the field key first (`key: reason`).
pub fn validate(template: &Template, s: &Submission) -> Result<(), FieldError> {
    for f in &template.fields {
        match s.value(&f.key) {
            None if f.required => return Err(FieldError::new(&f.key, format!("「{}」必填", f.label))),
            Some(v) if f.kind == FieldKind::Select && !f.options.iter().any(|o| o.value == v) => {
                return Err(FieldError::new(&f.key, format!("「{}」的值 {v} 不在可选范围内", f.label)));
            }
            Some(v) if f.kind == FieldKind::Number && v.parse::<f64>().is_err() => {
                return Err(FieldError::new(&f.key, format!("「{}」须是数字", f.label)));
            }
            _ => {}
        }
    }
    if let Some(extra) =
        s.fields.iter().find(|v| !template.open_fields && !template.fields.iter().any(|f| f.key == v.key))
    {
        return Err(FieldError::new(&extra.key, format!("模板「{}」没有字段 {}", template.name, extra.key)));
    }
    match template.attachments {
        AttachmentRule::Required if s.attachments.is_empty() => {
            Err(FieldError::new("attachments", "此审批需要上传文件".into()))
        }
        AttachmentRule::None if !s.attachments.is_empty() => {
            Err(FieldError::new("attachments", "此审批不接受附件".into()))
        }
        _ => Ok(()),
    }
}

/// A problem with one field of a submission (`field` is a [`FieldValue::key`] or `attachments`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: String) -> Self {
        FieldError { field: field.to_string(), message }
    }
}

// ---- local files ------------------------------------------------------------------------

/// One file to upload: where it is, the folder it sits in relative to the attached folder
/// (`""` for a file attached directly), and its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalFile {
    pub path: PathBuf,
    pub folder: String,
    pub name: String,
    pub size: u64,
}

/// The files (folders walked, in name order) and folders (relative, `/`-separated, parents
/// first) of the attached paths. A path that cannot be read is an error naming it.
pub fn collect_files(paths: &[PathBuf]) -> std::io::Result<(Vec<LocalFile>, Vec<String>)> {
    let (mut files, mut folders) = (Vec::new(), Vec::new());
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| named(path, e))?;
        attachable(path, &meta)?;
        if meta.is_dir() {
            let root = file_name(path);
            folders.push(root.clone());
            walk(path, &root, &mut files, &mut folders)?;
        } else {
            files.push(LocalFile {
                path: path.clone(),
                folder: String::new(),
                name: file_name(path),
                size: meta.len(),
            });
        }
    }
    Ok((files, folders))
}

/// What the form shows for one chosen path before anything is sent: its name, whether it is a
/// folder, how many files it holds (1 for a file) and their total size, or why it cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PathSummary {
    pub path: PathBuf,
    pub name: String,
    pub is_folder: bool,
    pub files: usize,
    pub size: u64,
    pub error: Option<String>,
}

/// [`PathSummary`] of each path, walking folders as an upload would ([`collect_files`]).
pub fn describe_paths(paths: &[PathBuf]) -> Vec<PathSummary> {
    paths
        .iter()
        .map(|path| {
            let is_folder = path.is_dir();
            let (files, size, error) = match collect_files(std::slice::from_ref(path)) {
                Ok((files, _)) => (files.len(), files.iter().map(|f| f.size).sum(), None),
                Err(e) => (0, 0, Some(e.to_string())),
            };
            PathSummary { path: path.clone(), name: file_name(path), is_folder, files, size, error }
        })
        .collect()
}

fn walk(dir: &Path, rel: &str, files: &mut Vec<LocalFile>, folders: &mut Vec<String>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir).map_err(|e| named(dir, e))?.collect::<std::io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let mut meta = entry.metadata().map_err(|e| named(&path, e))?;
        if meta.file_type().is_symlink() {
            // A link to a file is that file; a link to a folder is not followed (it may loop).
            meta = std::fs::metadata(&path).map_err(|e| named(&path, e))?;
            if meta.is_dir() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("{}: a link to a folder is not followed; attach the folder itself", path.display()),
                ));
            }
        }
        attachable(&path, &meta)?;
        let name = file_name(&path);
        if meta.is_dir() {
            let sub = format!("{rel}/{name}");
            folders.push(sub.clone());
            walk(&path, &sub, files, folders)?;
        } else {
            files.push(LocalFile { path, folder: rel.to_string(), name, size: meta.len() });
        }
    }
    Ok(())
}

/// Only files and folders can be attached: reading a pipe would wait forever (and leave the
/// draft "sending"), a device or socket has no content to send.
fn attachable(path: &Path, meta: &std::fs::Metadata) -> std::io::Result<()> {
    if meta.is_file() || meta.is_dir() {
        return Ok(());
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("{}: not a file or a folder (a pipe, device or socket cannot be attached)", path.display()),
    ))
}

/// A local file could not be read while it was being uploaded: carried through the HTTP
/// client, so the error says so instead of blaming the vendor (`connectors::transport_error`).
#[derive(Debug)]
pub struct LocalReadError(pub String);

impl std::fmt::Display for LocalReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LocalReadError {}

/// The name a file or folder is uploaded (and shown) under: its own, made one every desktop can
/// hold ([`crate::platform::portable_file_name`]), since the approvers who download it may work
/// on Windows: `aux.txt` from a Linux folder arrives as `aux_.txt`, `a:b.txt` as `a_b.txt`. The
/// file itself is read from its real path.
fn file_name(path: &Path) -> String {
    let own = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    crate::platform::portable_file_name(&own, "file")
}

fn named(path: &Path, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

// ---- upload progress -----------------------------------------------------------------------

/// Progress of one file's upload, as the CLI bar and the UI (`upload-progress`) show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct UploadProgress {
    pub path: PathBuf,
    /// Index of the file among the submission's files, and their count.
    pub index: usize,
    pub count: usize,
    pub sent: u64,
    pub total: u64,
    pub state: UploadState,
}

/// The window's `upload-progress` event: one file's progress while a draft is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct UploadProgressEvent {
    pub draft_id: i64,
    pub progress: UploadProgress,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum UploadState {
    Waiting,
    Sending,
    Done,
    Failed,
}

/// Where a connector reports upload progress, and the vendor's id of the files once they are
/// all up ([`Submission::uploaded`]). Cheap to clone; called from the upload task.
#[derive(Clone)]
pub struct Progress {
    report: Arc<dyn Fn(UploadProgress) + Send + Sync>,
    uploaded: Option<UploadedHook>,
}

type UploadedHook = Arc<dyn Fn(&str) + Send + Sync>;

impl Progress {
    pub fn new(f: impl Fn(UploadProgress) + Send + Sync + 'static) -> Self {
        Progress { report: Arc::new(f), uploaded: None }
    }

    pub fn ignore() -> Self {
        Progress::new(|_| {})
    }

    /// Also calls `f` with the vendor's attachment id once every file is uploaded.
    pub fn on_uploaded(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.uploaded = Some(Arc::new(f));
        self
    }

    pub fn report(&self, p: UploadProgress) {
        (self.report)(p)
    }

    pub fn uploaded(&self, attachment_id: &str) {
        if let Some(f) = &self.uploaded {
            f(attachment_id)
        }
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

/// How many bytes an upload chunk holds between two progress reports.
const CHUNK: usize = 256 * 1024;

/// A streaming request body reading `file` from disk in chunks and reporting each chunk as it
/// is handed to the connection, so a 20 MB file never sits in memory whole.
pub(crate) async fn file_body(
    file: &LocalFile,
    index: usize,
    count: usize,
    progress: Progress,
) -> std::io::Result<reqwest::Body> {
    use tokio::io::AsyncReadExt;
    let handle = tokio::fs::File::open(&file.path).await.map_err(|e| named(&file.path, e))?;
    let (path, total) = (file.path.clone(), file.size);
    let path_shown = file.path.clone();
    let report = move |sent: u64| {
        progress.report(UploadProgress { path: path.clone(), index, count, sent, total, state: UploadState::Sending })
    };
    let stream = futures::stream::unfold(Some((handle, 0u64)), move |state| {
        let report = report.clone();
        let path_shown = path_shown.clone();
        async move {
            let (mut handle, sent) = state?;
            let mut buf = vec![0u8; CHUNK];
            match handle.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    let sent = sent + n as u64;
                    report(sent);
                    Some((Ok(buf), Some((handle, sent))))
                }
                // One error ends the body; the connector reports the upload failed, as a local
                // file's fault.
                Err(e) => Some((Err(LocalReadError(format!("reading {}: {e}", path_shown.display()))), None)),
            }
        }
    });
    Ok(reqwest::Body::wrap_stream(stream))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FieldKind;

    /// Issue 14: a pipe given as an attachment is refused before anything is sent (reading it
    /// would wait forever and leave the draft "sending").
    #[cfg(unix)]
    #[test]
    fn a_pipe_is_not_attachable() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let e = collect_files(std::slice::from_ref(&fifo)).unwrap_err().to_string();
        assert!(e.contains("not a file or a folder"), "{e}");
        let folder = dir.path();
        std::fs::write(folder.join("ok.txt"), b"x").unwrap();
        let e = collect_files(&[folder.to_path_buf()]).unwrap_err().to_string();
        assert!(e.contains("fifo") && e.contains("not a file or a folder"), "inside a folder too: {e}");
    }

    /// Issue 15: names a Windows approver cannot open are renamed for the upload (the file is
    /// still read from its real path); such names can only be made off Windows.
    #[cfg(unix)]
    #[test]
    fn uploaded_names_are_ones_a_windows_desk_can_hold() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("资料");
        std::fs::create_dir_all(root.join("aux")).unwrap();
        std::fs::write(root.join("aux/con.txt"), b"x").unwrap();
        std::fs::write(root.join("a:b?.txt"), b"yy").unwrap();
        std::fs::write(root.join("报表."), b"zzz").unwrap();
        let (files, folders) = collect_files(std::slice::from_ref(&root)).unwrap();
        assert_eq!(folders, ["资料", "资料/aux_"]);
        let got: Vec<(&str, &str, u64)> = files.iter().map(|f| (f.folder.as_str(), f.name.as_str(), f.size)).collect();
        assert_eq!(got, [("资料", "a_b_.txt", 2), ("资料/aux_", "con_.txt", 1), ("资料", "报表", 3)]);
        assert!(files.iter().all(|f| f.path.is_file()), "each is read from where it is");
        assert_eq!(describe_paths(&[root.join("aux")])[0].name, "aux_", "the form shows the name it will have");
    }

    fn template(attachments: AttachmentRule) -> Template {
        Template {
            id: "5".into(),
            name: "申请下载权限".into(),
            target: Some("71".into()),
            description: String::new(),
            fields: vec![
                TemplateField {
                    key: "creatorNote".into(),
                    label: "发起人陈述".into(),
                    kind: FieldKind::Text,
                    required: true,
                    options: vec![],
                },
                TemplateField {
                    key: "tempAuthDay".into(),
                    label: "临时权限天数".into(),
                    kind: FieldKind::Number,
                    required: true,
                    options: vec![],
                },
                TemplateField {
                    key: "selectId.0".into(),
                    label: "指定审批人".into(),
                    kind: FieldKind::Select,
                    required: true,
                    options: vec![FieldOption { value: "1".into(), label: "系统管理员".into() }],
                },
            ],
            steps: vec![],
            attachments,
            open_fields: false,
        }
    }

    fn filled(pairs: &[(&str, &str)]) -> Submission {
        Submission {
            template_id: "5".into(),
            fields: pairs.iter().map(|(k, v)| FieldValue::text(*k, *v)).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn validation_names_the_field() {
        let t = template(AttachmentRule::None);
        let ok = filled(&[("creatorNote", "要下载合同"), ("tempAuthDay", "3"), ("selectId.0", "1")]);
        assert_eq!(validate(&t, &ok), Ok(()));
        assert_eq!(
            validate(&t, &filled(&[("tempAuthDay", "3"), ("selectId.0", "1")])).unwrap_err().field,
            "creatorNote"
        );
        assert_eq!(
            validate(&t, &filled(&[("creatorNote", "x"), ("tempAuthDay", "三"), ("selectId.0", "1")]))
                .unwrap_err()
                .field,
            "tempAuthDay"
        );
        assert_eq!(
            validate(&t, &filled(&[("creatorNote", "x"), ("tempAuthDay", "3"), ("selectId.0", "9")]))
                .unwrap_err()
                .field,
            "selectId.0"
        );
        let mut extra = ok.clone();
        extra.fields.push(FieldValue::text("colour", "red"));
        assert_eq!(validate(&t, &extra).unwrap_err().field, "colour");
        let mut with_file = ok.clone();
        with_file.attachments.push("/tmp/a.txt".into());
        assert_eq!(validate(&t, &with_file).unwrap_err().field, "attachments");
        assert_eq!(validate(&template(AttachmentRule::Required), &ok).unwrap_err().field, "attachments");
    }

    #[test]
    fn folders_are_walked_parents_first() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("资料");
        std::fs::create_dir_all(root.join("图片/素材")).unwrap();
        std::fs::write(root.join("说明.txt"), "hello").unwrap();
        std::fs::write(root.join("图片/素材/logo.png"), [0u8; 10]).unwrap();
        let single = dir.path().join("a.pdf");
        std::fs::write(&single, [1u8; 3]).unwrap();
        let (files, folders) = collect_files(&[root, single]).unwrap();
        assert_eq!(folders, ["资料", "资料/图片", "资料/图片/素材"]);
        let got: Vec<(&str, &str, u64)> = files.iter().map(|f| (f.folder.as_str(), f.name.as_str(), f.size)).collect();
        assert_eq!(got, [("资料/图片/素材", "logo.png", 10), ("资料", "说明.txt", 5), ("", "a.pdf", 3)]);
        let e = collect_files(&[dir.path().join("missing")]).unwrap_err().to_string();
        assert!(e.contains("missing"), "{e}");
        let shown = describe_paths(&[dir.path().join("资料"), dir.path().join("a.pdf"), dir.path().join("missing")]);
        let got: Vec<(&str, bool, usize, u64, bool)> =
            shown.iter().map(|p| (p.name.as_str(), p.is_folder, p.files, p.size, p.error.is_some())).collect();
        assert_eq!(got, [("资料", true, 2, 15, false), ("a.pdf", false, 1, 3, false), ("missing", false, 0, 0, true)]);
    }
}
