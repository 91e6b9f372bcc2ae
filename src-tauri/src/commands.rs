//! The Tauri commands of docs/ipc.md: each one a short async call into `inbox-core`. Errors
//! become the sentence the UI shows.

use crate::AppState;
use inbox_core::store::BoxCounts;
use inbox_core::{
    Account, AccountInput, Action, AppInfo, Approval, Draft, ErrorKind, ErrorReply, Facets, Inbox, ListQuery,
    OutboxEntry, Page, PathSummary, Progress, Template, TemplateQuery, UploadProgress, UploadProgressEvent, VendorInfo,
};
use std::path::PathBuf;
use tauri::{AppHandle, Emitter, State};
use tauri_plugin_autostart::ManagerExt as _;
use tauri_plugin_opener::OpenerExt as _;

/// Every command's result: a failure reaches the window as `{kind, message, field?}`
/// (`ErrorReply`), and the window decides by `kind`.
type Reply<T> = Result<T, ErrorReply>;

fn said(e: inbox_core::Error) -> ErrorReply {
    e.reply()
}

/// A failure of the shell itself (a local file, the OS): kind `io`.
fn local(message: impl std::fmt::Display) -> ErrorReply {
    ErrorReply { kind: ErrorKind::Io, message: message.to_string(), field: None }
}

pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool {
    tauri::generate_handler![
        list_approvals,
        box_counts,
        get_approval,
        act,
        list_vendors,
        list_accounts,
        add_account,
        test_account,
        remove_account,
        sync_now,
        stop_sync,
        app_info,
        list_templates,
        save_draft,
        list_drafts,
        submit_draft,
        delete_draft,
        describe_files,
        facets,
        read_attachment,
        open_attachment,
        save_attachment,
        open_in_vendor,
        get_autostart,
        set_autostart,
        list_outbox,
        retry_action,
        discard_action
    ]
}

#[tauri::command(rename_all = "snake_case")]
async fn list_approvals(state: State<'_, AppState>, query: ListQuery) -> Reply<Page> {
    state.service.list(&query).map_err(said)
}

#[tauri::command(rename_all = "snake_case")]
async fn box_counts(state: State<'_, AppState>) -> Reply<BoxCounts> {
    state.service.box_counts().map_err(said)
}

#[tauri::command(rename_all = "snake_case")]
async fn get_approval(state: State<'_, AppState>, id: i64) -> Reply<Approval> {
    state.service.approval(id).map_err(said)
}

#[tauri::command(rename_all = "snake_case")]
async fn act(app: AppHandle, state: State<'_, AppState>, id: i64, action: Action, comment: String) -> Reply<Approval> {
    let approval = state.service.act(id, action, &comment).await.map_err(said)?;
    crate::desktop::show_count(&app, &state.service);
    Ok(approval)
}

#[tauri::command(rename_all = "snake_case")]
async fn list_vendors(state: State<'_, AppState>) -> Reply<Vec<VendorInfo>> {
    Ok(state.service.vendors())
}

#[tauri::command(rename_all = "snake_case")]
async fn list_accounts(state: State<'_, AppState>) -> Reply<Vec<Account>> {
    state.service.accounts().map_err(said)
}

#[tauri::command(rename_all = "snake_case")]
async fn add_account(state: State<'_, AppState>, input: AccountInput) -> Reply<Account> {
    let account = state.service.add_account(input).map_err(said)?;
    state.scheduler.trigger(Some(account.id));
    Ok(account)
}

#[tauri::command(rename_all = "snake_case")]
async fn test_account(state: State<'_, AppState>, id: i64) -> Reply<String> {
    state.service.test_account(id).await.map_err(said)
}

#[tauri::command(rename_all = "snake_case")]
async fn remove_account(state: State<'_, AppState>, id: i64) -> Reply<()> {
    state.service.remove_account(id).map_err(said)?;
    state.scheduler.reconcile();
    Ok(())
}

#[tauri::command(rename_all = "snake_case")]
async fn sync_now(state: State<'_, AppState>, account_id: Option<i64>) -> Reply<()> {
    state.scheduler.trigger(account_id);
    Ok(())
}

/// Stops the account's running sync at its next page (the sidebar's cancel); the next sync
/// goes on from there. Whether one was running.
#[tauri::command(rename_all = "snake_case")]
async fn stop_sync(state: State<'_, AppState>, account_id: i64) -> Reply<bool> {
    Ok(state.service.stop_sync(account_id))
}

#[tauri::command(rename_all = "snake_case")]
async fn app_info(state: State<'_, AppState>) -> Reply<AppInfo> {
    Ok(AppInfo {
        demo: state.demo,
        data_dir: state.data_dir.display().to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        callback_url: state.callbacks.as_ref().map(|c| c.callback_url()),
    })
}

#[tauri::command(rename_all = "snake_case")]
async fn list_templates(state: State<'_, AppState>, account_id: i64, query: TemplateQuery) -> Reply<Vec<Template>> {
    state.service.templates(account_id, &query).await.map_err(said)
}

#[tauri::command(rename_all = "snake_case")]
async fn save_draft(state: State<'_, AppState>, draft: Draft) -> Reply<i64> {
    state.service.save_draft(&draft).map_err(said)
}

#[tauri::command(rename_all = "snake_case")]
async fn list_drafts(state: State<'_, AppState>) -> Reply<Vec<Draft>> {
    state.service.drafts().map_err(said)
}

/// Sends a draft; each file's progress is emitted as `upload-progress` ({draft_id, ...}).
#[tauri::command(rename_all = "snake_case")]
async fn submit_draft(app: tauri::AppHandle, state: State<'_, AppState>, id: i64) -> Reply<Approval> {
    let progress = Progress::new(move |p: UploadProgress| {
        let _ = app.emit("upload-progress", UploadProgressEvent { draft_id: id, progress: p });
    });
    state.service.submit_draft(id, progress).await.map_err(said)
}

/// Deletes a draft the user gave up on.
#[tauri::command(rename_all = "snake_case")]
async fn delete_draft(state: State<'_, AppState>, id: i64) -> Reply<()> {
    state.service.remove_draft(id).map_err(said)
}

/// At most this many paths per call (IPC arguments are bounded like every other input).
const MAX_PATHS: usize = 1000;

/// Name, file count and total size of the paths chosen for a new approval, before sending.
#[tauri::command(rename_all = "snake_case")]
async fn describe_files(paths: Vec<PathBuf>) -> Reply<Vec<PathSummary>> {
    if paths.len() > MAX_PATHS {
        return Err(ErrorReply {
            kind: ErrorKind::Invalid,
            message: format!("at most {MAX_PATHS} files or folders at a time"),
            field: None,
        });
    }
    tauri::async_runtime::spawn_blocking(move || inbox_core::submission::describe_paths(&paths)).await.map_err(local)
}

#[tauri::command(rename_all = "snake_case")]
async fn facets(state: State<'_, AppState>, inbox: Option<Inbox>) -> Reply<Facets> {
    state.service.facets(inbox).map_err(said)
}

/// Where downloaded attachments go: one folder per approval under the data directory.
fn attachment_dir(state: &AppState, id: i64) -> Reply<PathBuf> {
    let dir = state.data_dir.join("attachments").join(id.to_string());
    std::fs::create_dir_all(&dir).map_err(|e| local(format!("cannot create {}: {e}", dir.display())))?;
    Ok(dir)
}

/// The attachment's bytes (raw, not JSON) for the in-window preview of images and PDFs.
#[tauri::command(rename_all = "snake_case")]
async fn read_attachment(state: State<'_, AppState>, id: i64, attachment_id: String) -> Reply<tauri::ipc::Response> {
    let path = state.service.download(id, &attachment_id, &attachment_dir(&state, id)?).await.map_err(said)?;
    let bytes = std::fs::read(&path).map_err(|e| local(format!("cannot read {}: {e}", path.display())))?;
    Ok(tauri::ipc::Response::new(bytes))
}

/// Downloads the attachment and hands it to the system's viewer for its type.
#[tauri::command(rename_all = "snake_case")]
async fn open_attachment(app: AppHandle, state: State<'_, AppState>, id: i64, attachment_id: String) -> Reply<()> {
    let path = state.service.download(id, &attachment_id, &attachment_dir(&state, id)?).await.map_err(said)?;
    app.opener()
        .open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| local(format!("cannot open {}: {e}", path.display())))
}

/// Downloads the attachment to `path`, which the user chose in the save dialog (checked by the
/// core: absolute, a file in an existing folder); answers where it was written.
#[tauri::command(rename_all = "snake_case")]
async fn save_attachment(state: State<'_, AppState>, id: i64, attachment_id: String, path: PathBuf) -> Reply<String> {
    let saved = state.service.download_to(id, &attachment_id, &path).await.map_err(said)?;
    Ok(saved.display().to_string())
}

/// Opens the approval's page in the vendor's console in the system browser.
#[tauri::command(rename_all = "snake_case")]
async fn open_in_vendor(app: AppHandle, state: State<'_, AppState>, id: i64) -> Reply<()> {
    let url = state.service.vendor_link(id).await.map_err(said)?;
    app.opener().open_url(url, None::<&str>).map_err(|e| local(format!("cannot open the browser: {e}")))
}

#[tauri::command(rename_all = "snake_case")]
async fn get_autostart(app: AppHandle) -> Reply<bool> {
    app.autolaunch().is_enabled().map_err(local)
}

/// Starts the app (in the tray) when the user logs in, or stops doing so.
#[tauri::command(rename_all = "snake_case")]
async fn set_autostart(app: AppHandle, enabled: bool) -> Reply<()> {
    let launcher = app.autolaunch();
    if enabled { launcher.enable() } else { launcher.disable() }.map_err(local)
}

#[tauri::command(rename_all = "snake_case")]
async fn list_outbox(state: State<'_, AppState>) -> Reply<Vec<OutboxEntry>> {
    state.service.outbox().map_err(said)
}

#[tauri::command(rename_all = "snake_case")]
async fn retry_action(state: State<'_, AppState>, id: i64) -> Reply<OutboxEntry> {
    state.service.retry_action(id).await.map_err(said)
}

#[tauri::command(rename_all = "snake_case")]
async fn discard_action(state: State<'_, AppState>, id: i64) -> Reply<OutboxEntry> {
    state.service.discard_action(id).map_err(said)
}
