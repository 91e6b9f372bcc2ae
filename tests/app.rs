//! End-to-end tests of the real Approval Inbox window, driven through tauri-driver/WebKitWebDriver.
//!
//! Each test starts the built app (`target/debug/approval-inbox`) with a fresh data directory, so
//! it runs in demo mode against its in-process yomicloud simulator, waits for the first sync and
//! then acts like a user. Run from the workspace root (the app binary must be built first):
//!
//! ```sh
//! cargo build -p approval-inbox
//! cargo test -p e2e -- --nocapture
//! ```
//!
//! Without `DISPLAY` the harness starts its own Xvfb. Screenshots and the driver/app logs go to
//! `tests/artifacts/`.

mod support;

use anyhow::{bail, ensure, Result};
use support::{run_app_test, tid, wait_for, Row, Ui, SYNC_TIMEOUT, UI_TIMEOUT};

const APPROVE_COMMENT: &str = "同意，E2E";
const REJECT_COMMENT: &str = "E2E 拒绝：预算超标";

/// Approve the first todo: it leaves 待我审批 (count − 1) and shows up in 我处理过的 as approved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approving_moves_a_todo_to_processed() {
    run_app_test("approve", async |ui: Ui| {
        let todo_before = wait_for_first_sync(&ui).await?;
        let rows = ui.rows().await?;
        let target = rows.first().expect("the first sync shows rows").clone();
        eprintln!("待我审批 has {todo_before}; approving #{} {:?}", target.id, target.title);

        open_row(&ui, &target).await?;
        ui.type_into("comment-input", APPROVE_COMMENT).await?;
        ui.click_testid("btn-approve").await?;
        wait_until_left_todo(&ui, &target, todo_before).await?;
        let shot = ui.screenshot("approve-flow").await?;
        eprintln!("screenshot: {}", shot.display());

        ui.click_testid("box-processed").await?;
        find_in_list(&ui, "我处理过的", &target).await?;
        open_row(&ui, &target).await?;
        let how = wait_until_decided(&ui, &target, "approved", APPROVE_COMMENT).await?;
        eprintln!("#{} in 我处理过的: {how}", target.id);
        ui.screenshot("approve-processed").await?;
        Ok(())
    })
    .await;
}

/// Reject another todo with a reason: the confirm needs the reason, then the todo leaves 待我审批.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejecting_with_a_reason_removes_a_todo() {
    run_app_test("reject", async |ui: Ui| {
        let todo_before = wait_for_first_sync(&ui).await?;
        let rows = ui.rows().await?;
        // Not the first row, which the approve test takes.
        let target = rows.get(1).or(rows.first()).expect("the first sync shows rows").clone();
        eprintln!("待我审批 has {todo_before}; rejecting #{} {:?}", target.id, target.title);

        open_row(&ui, &target).await?;
        ui.click_testid("btn-reject").await?;
        wait_for("the reject confirm button", UI_TIMEOUT, async || {
            Ok(ui.exists(&tid("btn-confirm-reject")).await?.then_some(()))
        })
        .await?;
        ensure!(!ui.is_enabled("btn-confirm-reject").await?, "确认拒绝 is enabled before a reason was typed");
        ui.type_into("comment-input", REJECT_COMMENT).await?;
        ensure!(ui.is_enabled("btn-confirm-reject").await?, "确认拒绝 stays disabled after typing a reason");
        ui.click_testid("btn-confirm-reject").await?;
        wait_until_left_todo(&ui, &target, todo_before).await?;
        let how = wait_until_decided(&ui, &target, "rejected", REJECT_COMMENT).await?;
        eprintln!("#{} after the reject: {how}", target.id);
        let shot = ui.screenshot("reject-flow").await?;
        eprintln!("screenshot: {}", shot.display());
        Ok(())
    })
    .await;
}

/// Waits for the demo account's first sync to fill 待我审批 and settle; returns its count.
async fn wait_for_first_sync(ui: &Ui) -> Result<u32> {
    wait_for("the first sync to fill 待我审批 (count-todo > 0)", SYNC_TIMEOUT, async || {
        Ok(ui.count("todo").await?.filter(|n| *n > 0))
    })
    .await?;
    // Settled: no sync running, the list shows rows and the count holds still for a second.
    wait_for("the sync to finish with the todo rows listed", SYNC_TIMEOUT, async || {
        let before = ui.count("todo").await?;
        if ui.exists(&tid("sync-indicator")).await? || ui.rows().await?.is_empty() {
            return Ok(None);
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let after = ui.count("todo").await?;
        let quiet = !ui.exists(&tid("sync-indicator")).await?;
        Ok(after.filter(|_| quiet && before == after))
    })
    .await
}

/// Clicks the row and waits for its detail; the detail's title must be the row's title.
async fn open_row(ui: &Ui, row: &Row) -> Result<()> {
    ui.click(&format!(r#"[data-testid="approval-row"][data-id="{}"]"#, row.id)).await?;
    let title = wait_for(&format!("the detail of #{}", row.id), UI_TIMEOUT, async || {
        if ui.attr(&tid("approval-detail"), "data-id").await?.as_deref() != Some(row.id.as_str()) {
            return Ok(None);
        }
        ui.text(&tid("detail-title")).await
    })
    .await?;
    ensure!(title == row.title, "the detail of #{} is titled {title:?}, the row said {:?}", row.id, row.title);
    Ok(())
}

/// After an action: the row leaves 待我审批 and its count drops by exactly one.
async fn wait_until_left_todo(ui: &Ui, row: &Row, todo_before: u32) -> Result<()> {
    let what = format!("#{} to leave 待我审批 and count-todo to go from {todo_before} to {}", row.id, todo_before - 1);
    wait_for(&what, UI_TIMEOUT, async || {
        if let Some(error) = ui.text(&tid("action-error")).await? {
            bail!("the action failed in the app: {error}");
        }
        let gone = !ui.rows().await?.iter().any(|r| r.id == row.id);
        let count = ui.count("todo").await?;
        Ok((gone && count == Some(todo_before - 1)).then_some(()))
    })
    .await
}

/// Waits until the list is the box `label` and holds `row` (loading more pages if needed).
async fn find_in_list(ui: &Ui, label: &str, row: &Row) -> Result<()> {
    wait_for(&format!("#{} to be listed in {label}", row.id), UI_TIMEOUT, async || {
        if ui.list_label().await?.as_deref() != Some(label) {
            return Ok(None);
        }
        if ui.rows().await?.iter().any(|r| r.id == row.id) {
            return Ok(Some(()));
        }
        if ui.exists(&tid("btn-load-more")).await? {
            ui.click_testid("btn-load-more").await?;
        }
        Ok(None)
    })
    .await
}

/// The open detail of `row` shows the decision: the overall status is `status`, or (a step that
/// is not the last, or a rule that needs more people) the step timeline carries `comment`.
async fn wait_until_decided(ui: &Ui, row: &Row, status: &str, comment: &str) -> Result<String> {
    let what = format!("the detail of #{} to show status {status} or the comment {comment:?}", row.id);
    wait_for(&what, UI_TIMEOUT, async || {
        if ui.attr(&tid("approval-detail"), "data-id").await?.as_deref() != Some(row.id.as_str()) {
            return Ok(None);
        }
        let shown = ui.attr(&tid("detail-status"), "data-status").await?.unwrap_or_default();
        let timeline = ui.text(&tid("step-timeline")).await?.unwrap_or_default();
        Ok(match (shown == status, timeline.contains(comment)) {
            (true, true) => Some(format!("status {shown}, comment in the step timeline")),
            (true, false) => Some(format!("status {shown} (comment not in the timeline)")),
            (false, true) => Some(format!("status still {shown}, comment in the step timeline")),
            (false, false) => None,
        })
    })
    .await
}
