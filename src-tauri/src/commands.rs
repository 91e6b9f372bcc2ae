//! The Tauri commands of docs/ipc.md: each one a short async call into `inbox-core`. Errors
//! become the sentence the UI shows.

use crate::AppState;
use inbox_core::store::BoxCounts;
use inbox_core::{Account, AccountInput, Action, Approval, Draft, ListQuery, Page, Progress, Template, TemplateQuery, UploadProgress, VendorInfo};
use serde::Serialize;
use tauri::{Emitter, State};

type Reply<T> = Result<T, String>;

fn said<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
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
        app_info,
        list_templates,
        save_draft,
        list_drafts,
        submit_draft
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
async fn act(state: State<'_, AppState>, id: i64, action: Action, comment: String) -> Reply<Approval> {
    state.service.act(id, action, &comment).await.map_err(said)
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

#[derive(Serialize)]
struct AppInfo {
    demo: bool,
    data_dir: String,
    version: &'static str,
    /// Where zeyi callbacks are received, if the listener is up.
    callback_url: Option<String>,
}

#[tauri::command(rename_all = "snake_case")]
async fn app_info(state: State<'_, AppState>) -> Reply<AppInfo> {
    Ok(AppInfo {
        demo: state.demo,
        data_dir: state.data_dir.display().to_string(),
        version: env!("CARGO_PKG_VERSION"),
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
        let _ = app.emit("upload-progress", serde_json::json!({ "draft_id": id, "progress": p }));
    });
    state.service.submit_draft(id, progress).await.map_err(said)
}
