//! The Tauri commands of docs/ipc.md: each one a short async call into `inbox-core`. Errors
//! become the sentence the UI shows.

use crate::AppState;
use inbox_core::store::BoxCounts;
use inbox_core::{Account, AccountInput, Action, Approval, ListQuery, OutboxEntry, Page, VendorInfo};
use serde::Serialize;
use tauri::State;

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
