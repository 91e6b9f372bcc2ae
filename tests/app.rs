//! End-to-end tests of the real Approval Inbox window, driven through tauri-driver/WebKitWebDriver.
//!
//! Each test starts the built app (`target/debug/approval-inbox`) with a fresh data directory, so
//! it runs in demo mode against its in-process simulators of the five vendors, waits for the
//! first sync and then acts like a user. Run from the workspace root (the app binary must be built first):
//!
//! ```sh
//! cargo build -p approval-inbox
//! cargo test -p e2e -- --nocapture
//! ```
//!
//! Without `DISPLAY` the harness starts its own Xvfb. Screenshots and the driver/app logs go to
//! `tests/artifacts/`.

mod support;

// The relay path's processes and the throwaway PostgreSQL, shared with the CLI's relay test.
#[cfg(unix)]
#[path = "../crates/inbox-relay/tests/support/pg.rs"]
mod pg;
#[cfg(unix)]
#[path = "../crates/inbox-cli/tests/support/relay_parts.rs"]
mod relay_parts;
#[cfg(unix)]
#[allow(dead_code)] // the CLI's tests use the rest
#[path = "../crates/inbox-cli/tests/support/spawned.rs"]
mod spawned;

use anyhow::{bail, ensure, Context, Result};
use serde_json::json;
use std::time::Duration;
use support::{run_app_test, run_app_test_with, tid, wait_for, Row, Ui, SYNC_TIMEOUT, UI_TIMEOUT};

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

/// The vendors demo mode starts a simulator and an account (named `演示 · <vendor>`) for.
const DEMO_VENDORS: [&str; 5] = ["yomicloud", "zeyi", "fxiaoke", "qiyuesuo", "weiwenjia"];
/// The demo vendors with a 待我审批 box (zeyi's approvals live only in 我提交的).
const TODO_VENDORS: [&str; 4] = ["yomicloud", "fxiaoke", "qiyuesuo", "weiwenjia"];
/// How long the first sync of all demo accounts (one after the other on 2 cores) may take.
const ALL_SYNCED_TIMEOUT: Duration = Duration::from_secs(120);

/// Every demo vendor in one window: after all demo accounts have synced, approve one todo of each
/// vendor with a todo box (it leaves 待我审批, count − 1, and the vendor records the decision),
/// then withdraw (撤回) one of the zeyi approvals the demo sent, from 我提交的.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acting_on_every_vendor() {
    run_app_test("all-vendors", async |ui: Ui| {
        hold_zeyi_demo_decisions(&ui).await?;
        let todo = wait_for_every_account_synced(&ui).await?;
        eprintln!("every demo account synced; 待我审批 has {todo}");

        for vendor in TODO_VENDORS {
            ui.click_testid("box-todo").await?;
            wait_for_box(&ui, "待我审批").await?;
            let rows = filter_by_vendor(&ui, vendor).await?;
            let todo_before = ui.count("todo").await?.context("count-todo is not shown")?;
            let target = open_first_with(&ui, &rows, "btn-approve")
                .await?
                .with_context(|| format!("none of the {} {vendor} rows in 待我审批 offers 同意", rows.len()))?;
            let comment = format!("E2E 同意 {vendor}");
            eprintln!("{vendor}: 待我审批 has {todo_before}; approving #{} {:?}", target.id, target.title);
            ui.type_into("comment-input", &comment).await?;
            ui.click_testid("btn-approve").await?;
            wait_until_left_todo(&ui, &target, todo_before).await?;
            let how = wait_until_decided(&ui, &target, "approved", &comment).await?;
            let status = ui.attr(&tid("detail-status"), "data-status").await?.unwrap_or_default();
            ensure!(
                status == "approved" || status == "pending",
                "after 同意 the detail of {vendor} #{} shows status {status:?}",
                target.id
            );
            no_error_toast(&ui).await?;
            let left: Vec<Row> = ui.rows().await?;
            ensure!(
                left.iter().all(|r| r.vendor == vendor),
                "the list filtered to {vendor} shows other vendors after the approval: {left:?}"
            );
            eprintln!("{vendor}: #{} left 待我审批 ({} → {}); {how}", target.id, todo_before, todo_before - 1);
        }

        ui.click_testid("box-submitted").await?;
        wait_for_box(&ui, "我提交的").await?;
        let rows = filter_by_vendor(&ui, "zeyi").await?;
        eprintln!(
            "我提交的 lists {} zeyi approvals: {:?}",
            rows.len(),
            rows.iter().map(|r| &r.title).collect::<Vec<_>>()
        );
        let target = open_first_with(&ui, &rows, "btn-cancel").await?.with_context(|| {
            format!(
                "none of the {} zeyi rows in 我提交的 offers 撤回 (were they decided before the demo 则一's \
                 auto-approval was turned off?)",
                rows.len()
            )
        })?;
        eprintln!("zeyi: withdrawing #{} {:?}", target.id, target.title);
        ui.click_testid("btn-cancel").await?;
        let what = format!("the detail of zeyi #{} to show status cancelled without a 撤回 button", target.id);
        wait_for(&what, UI_TIMEOUT, async || {
            if let Some(error) = ui.text(&tid("action-error")).await? {
                bail!("撤回 failed in the app: {error}");
            }
            if ui.attr(&tid("approval-detail"), "data-id").await?.as_deref() != Some(target.id.as_str()) {
                bail!("the detail no longer shows #{}", target.id);
            }
            let status = ui.attr(&tid("detail-status"), "data-status").await?;
            let cancel_shown = ui.exists(&tid("btn-cancel")).await?;
            Ok((status.as_deref() == Some("cancelled") && !cancel_shown).then_some(()))
        })
        .await?;
        no_error_toast(&ui).await?;
        eprintln!("zeyi: #{} is cancelled", target.id);

        let shot = ui.screenshot("all-vendors").await?;
        eprintln!("screenshot: {}", shot.display());
        Ok(())
    })
    .await;
}

/// The demo 则一 approves what the demo user sent 30 s after it arrived (a demo feature), after
/// which no zeyi approval can be withdrawn any more. So that the 撤回 at the end of the test does
/// not race that clock, turn the simulator's auto-approval off through its admin route
/// (`POST <zeyi base_url>/__sim/zeyi/auto-decide {"after_secs": null}`) as soon as the window is
/// up; the zeyi account's base URL comes from the app's own `list_accounts` command.
async fn hold_zeyi_demo_decisions(ui: &Ui) -> Result<()> {
    let base_url = demo_base_url(ui, "zeyi").await?;
    sim_admin(&base_url, "/__sim/zeyi/auto-decide", r#"{"after_secs":null}"#).await?;
    eprintln!("turned off the demo 则一's auto-approval ({base_url})");
    Ok(())
}

/// Demo mode reaches 则一 as a company does, through a relay (in-process here): the demo zeyi
/// account is in relay mode, the approvals the demo sent went through the relay, and when the
/// simulated 则一 decides, its callback goes to the relay, the app pulls it, and the window shows
/// 已通过 without anyone syncing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zeyi_results_arrive_through_the_demo_relay() {
    run_app_test("zeyi-relay", async |ui: Ui| {
        let account = demo_account(&ui, "zeyi").await?;
        ensure!(account["settings"]["mode"] == "relay", "the demo zeyi account is not in relay mode: {account}");
        ensure!(account["settings"].get("app_key").is_none(), "no 则一 key on the desktop: {account}");
        ui.click_testid("box-submitted").await?;
        wait_for_box(&ui, "我提交的").await?;
        let rows = filter_by_vendor(&ui, "zeyi").await?;
        let target = rows.first().cloned().context("the demo sent no zeyi approval")?;
        let base_url = demo_base_url(&ui, "zeyi").await?;
        // 则一 decides every pending approval now instead of in 30 s.
        sim_admin(&base_url, "/__sim/zeyi/auto-decide", r#"{"after_secs":0}"#).await?;
        let what = format!("the detail of zeyi #{} to show 已通过", target.id);
        wait_for(&what, RELAY_TIMEOUT, async || {
            open_row(&ui, &target).await?;
            let status = ui.attr(&tid("detail-status"), "data-status").await?;
            let shown = ui.text(&tid("detail-status")).await?.unwrap_or_default();
            Ok((status.as_deref() == Some("approved") && shown.contains("已通过")).then_some(()))
        })
        .await?;
        no_error_toast(&ui).await?;
        let shot = ui.screenshot("zeyi-relay").await?;
        eprintln!("zeyi #{} 已通过 through the relay; screenshot: {}", target.id, shot.display());
        Ok(())
    })
    .await;
}

/// Issue 16 in the window, every part a process of its own: 则一 (`vendor-sim serve`, its
/// whitelist admitting only 127.0.0.2), `inbox-relay serve` on a throwaway PostgreSQL calling
/// 则一 from 127.0.0.2, and the app with a zeyi account via the relay (added by `inbox` into
/// its data folder, the token in the real keychain). A purchase typed into the window's
/// new-approval form goes app → relay → 则一; 则一 decides, calls the relay back, and the app's
/// long-poll brings 已通过 into the window. (The whitelist refusing a desktop's direct call, and
/// the SQLite relay, are `inbox-cli/tests/relay.rs`.)
#[cfg(unix)]
#[test]
fn a_purchase_typed_in_the_window_is_approved_through_a_relay_on_postgresql() {
    use relay_parts::{Backend, RelaySetup, Zeyi};
    let zeyi = Zeyi::start();
    let setup = RelaySetup::new(Backend::Postgres, &zeyi);
    let token = setup.user("E001", "张伟");
    let _relay = setup.serve();
    let callback_url = format!("{}/tms-service-api/audit/callback", setup.url());
    zeyi.admin("POST", "/__sim/zeyi/callback-url", Some(json!({ "url": callback_url })));
    let add_account = |data_dir: &std::path::Path| -> Result<()> {
        let inbox = spawned::workspace_binary("inbox-cli", "inbox", "INBOX_BIN");
        let mut add = std::process::Command::new(inbox);
        add.arg("--data-dir").arg(data_dir);
        add.args(["account", "add", "zeyi", "--name", "则一", "--base-url", &zeyi.base_url, "--set", "mode=relay"]);
        add.arg(format!("relay_url={}", setup.url())).args(["username=E001", "--secrets-stdin"]);
        let out = run_with_stdin(add, &json!({ "relay_token": token }).to_string())?;
        ensure!(out.status.success(), "inbox account add: {}", String::from_utf8_lossy(&out.stderr));
        Ok(())
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(support::run_seeded_app_test("relay-postgres", add_account, async |ui: Ui| {
        // The app's first sync of the account (a pull from the relay) ends before the user types.
        wait_for("the 则一 account's first sync to end", SYNC_TIMEOUT, async || {
            let lines = sync_lines(&ui).await?;
            let done = lines.iter().any(|l| l.account == "则一" && !l.spinning && l.state.starts_with("同步完成"));
            Ok((done && !ui.exists(&tid("sync-indicator")).await?).then_some(()))
        })
        .await?;
        press(&ui, 'n').await?;
        wait_for("the new-approval form", UI_TIMEOUT, async || Ok(ui.exists(&tid("template-id")).await?.then_some(())))
            .await?;
        let account = ui.text(&tid("new-account")).await?.unwrap_or_default();
        ensure!(account.contains("则一"), "the form is for {account:?}, not the relay account");
        // A click while the drawer still slides in can land on its mask, which closes it.
        let left =
            "return document.querySelector('[data-testid=\"template-id\"]')?.getBoundingClientRect().left ?? null;";
        wait_for("the new-approval drawer to finish opening", UI_TIMEOUT, async || {
            let before = ui.js(left, vec![]).await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok((!before.is_null() && ui.js(left, vec![]).await? == before).then_some(()))
        })
        .await?;
        ui.type_into("template-id", "purchase").await?;
        ui.click_testid("btn-find-templates").await?;
        wait_for("the 则一 type to be taken", UI_TIMEOUT, async || {
            if let Some(e) = ui.text(&tid("find-error")).await? {
                bail!("looking the type up failed: {e}");
            }
            Ok(ui.text(&tid("template-name")).await?.filter(|n| n == "purchase"))
        })
        .await?;
        ui.click_testid("btn-add-extras").await?;
        ui.type_into("extras-key", "事由").await?;
        ui.type_into("extras-value", "E2E：采购托盘 200 个").await?;
        ui.click_testid("btn-add-conditions").await?;
        ui.type_into("conditions-key", "amount").await?;
        ui.type_into("conditions-value", "100").await?;
        ui.click_testid("btn-send").await?;
        let status = wait_for("the sent purchase selected in 我提交的", UI_TIMEOUT, async || {
            if let Some(e) = ui.text(&tid("send-error")).await? {
                bail!("sending through the relay failed: {e}");
            }
            let in_submitted = ui.list_label().await?.as_deref() == Some("我提交的");
            Ok(ui.attr(&tid("detail-status"), "data-status").await?.filter(|_| in_submitted))
        })
        .await?;
        ensure!(status == "pending", "the new approval shows status {status:?}");
        let id = detail_id(&ui).await?.context("no approval is selected")?;
        let row = wait_for("the purchase's row in 我提交的", UI_TIMEOUT, async || {
            Ok(ui.rows().await?.into_iter().find(|r| r.id == id))
        })
        .await?;
        // 则一 decides every pending approval now; its callback goes to the relay.
        sim_admin(&zeyi.base_url, "/__sim/zeyi/auto-decide", r#"{"after_secs":0}"#).await?;
        wait_for(&format!("#{id} to show 已通过"), RELAY_TIMEOUT, async || {
            open_row(&ui, &row).await?;
            let status = ui.attr(&tid("detail-status"), "data-status").await?;
            let shown = ui.text(&tid("detail-status")).await?.unwrap_or_default();
            Ok((status.as_deref() == Some("approved") && shown.contains("已通过")).then_some(()))
        })
        .await?;
        no_error_toast(&ui).await?;
        let shot = ui.screenshot("relay-postgres").await?;
        eprintln!("#{id} typed in the window, 已通过 through a relay on PostgreSQL; screenshot: {}", shot.display());
        Ok(())
    }));
    let audit = zeyi.audits().into_iter().find(|a| a["username"] == "E001").expect("则一 holds the purchase");
    assert_eq!(audit["status"], "agreed", "{audit}");
}

/// Runs `cmd` with `input` on its stdin; its output.
#[cfg(unix)]
fn run_with_stdin(mut cmd: std::process::Command, input: &str) -> Result<std::process::Output> {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    child.stdin.take().context("stdin is piped")?.write_all(input.as_bytes())?;
    Ok(child.wait_with_output()?)
}

/// How long a decision may take to reach the window through the relay: the simulator's tick,
/// the callback, and the app's long-poll (answered as soon as the result is stored).
const RELAY_TIMEOUT: Duration = Duration::from_secs(60);

/// The demo account of `vendor` as the app's own `list_accounts` command shows it.
async fn demo_account(ui: &Ui, vendor: &str) -> Result<serde_json::Value> {
    let accounts = ui
        .client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               window.__TAURI_INTERNALS__.invoke('list_accounts', {})
                 .then(a => done({ ok: a }), e => done({ error: String(e) }));"#,
            vec![],
        )
        .await?;
    if let Some(error) = accounts.get("error") {
        bail!("list_accounts failed: {error}");
    }
    accounts["ok"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["vendor"] == vendor && a["demo"] == true)
        .cloned()
        .with_context(|| format!("list_accounts has no demo {vendor} account: {accounts}"))
}

/// The base URL of the demo account of `vendor`, from the app's own `list_accounts` command.
async fn demo_base_url(ui: &Ui, vendor: &str) -> Result<String> {
    let account = demo_account(ui, vendor).await?;
    let base_url = account["base_url"].as_str().with_context(|| format!("no base_url: {account}"))?;
    Ok(base_url.to_owned())
}

/// Posts `body` to a simulator's admin route `path` (a fault, the demo clock) and checks it
/// answered `"ok": true`.
async fn sim_admin(base_url: &str, path: &str, body: &str) -> Result<()> {
    let authority =
        base_url.strip_prefix("http://").context("the simulator's base URL is not http://")?.trim_end_matches('/');
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let reply = tokio::task::spawn_blocking({
        let authority = authority.to_owned();
        move || -> Result<String> {
            use std::io::{Read, Write};
            let mut stream = std::net::TcpStream::connect(&authority)?;
            stream.set_read_timeout(Some(Duration::from_secs(10)))?;
            stream.write_all(request.as_bytes())?;
            let mut reply = String::new();
            stream.read_to_string(&mut reply)?;
            Ok(reply)
        }
    })
    .await?
    .with_context(|| format!("POST {path} at {base_url}"))?;
    ensure!(
        reply.starts_with("HTTP/1.1 200") && reply.contains(r#""ok":true"#),
        "the simulator at {base_url} refused POST {path}: {reply}"
    );
    Ok(())
}

/// A decision made while the vendor is down: it stays in 待发送 with the vendor's failure in
/// words (retried in the background, failing again while the vendor is down), and once the
/// vendor is back it is delivered — by 重试, or by the background retry if that comes first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_made_while_the_vendor_is_down_waits_in_the_outbox() {
    run_app_test("outbox", async |ui: Ui| {
        wait_for_first_sync(&ui).await?;
        let base_url = demo_base_url(&ui, "weiwenjia").await?;
        let rows = filter_by_vendor(&ui, "weiwenjia").await?;
        let target = open_first_with(&ui, &rows, "btn-approve").await?.context("no weiwenjia todo offers 同意")?;
        sim_admin(&base_url, "/__sim/fault", r#"{"fault":"server_error"}"#).await?;
        ui.click_testid("btn-approve").await?;
        wait_for("待发送 in the sidebar", UI_TIMEOUT, async || {
            Ok(ui.exists(&tid("btn-outbox")).await?.then_some(()))
        })
        .await?;
        ui.click_testid("btn-outbox").await?;
        let reason =
            wait_for("the outbox entry with its reason", UI_TIMEOUT, async || ui.text(&tid("outbox-error")).await)
                .await?;
        ensure!(reason.contains("HTTP 500"), "the outbox says why in words: {reason}");
        let shown = ui.text(&tid("outbox-row")).await?.unwrap_or_default();
        ensure!(shown.contains(&target.title), "the entry names the approval {:?}: {shown}", target.title);
        ui.screenshot("outbox").await?;

        sim_admin(&base_url, "/__sim/fault", r#"{"fault":null}"#).await?;
        ui.try_click(&tid("btn-retry-action")).await?;
        wait_for("the outbox to empty", UI_TIMEOUT, async || Ok((!ui.exists(&tid("outbox-row")).await?).then_some(())))
            .await?;
        wait_for("待发送 to leave the sidebar", UI_TIMEOUT, async || {
            Ok((!ui.exists(&tid("btn-outbox")).await?).then_some(()))
        })
        .await?;
        eprintln!("#{} delivered after the vendor came back", target.id);
        Ok(())
    })
    .await;
}

/// One line of the sidebar's sync panel.
#[derive(Debug, serde::Deserialize)]
struct SyncLine {
    account: String,
    state: String,
    error: bool,
    spinning: bool,
}

async fn sync_lines(ui: &Ui) -> Result<Vec<SyncLine>> {
    let v = ui
        .js(
            r#"return Array.from(document.querySelectorAll('.sync-panel .sync-line[data-account-id]')).map(l => {
                 const state = l.querySelector('.sync-state');
                 return {
                   account: (l.querySelector('.sync-account') || l).textContent.trim(),
                   state: state ? state.textContent.trim() : '',
                   error: !!(state && state.classList.contains('ant-typography-danger')),
                   spinning: !!l.querySelector('.ant-spin'),
                 };
               });"#,
            vec![],
        )
        .await?;
    serde_json::from_value(v).context("reading the sidebar's sync lines")
}

/// Waits until the sidebar lists a demo account for every demo vendor, each with a finished,
/// successful sync (上次同步 …), nothing is syncing and 待我审批's count holds still for a
/// second; returns that count. An account whose sync failed ends the wait with its reason.
async fn wait_for_every_account_synced(ui: &Ui) -> Result<u32> {
    let mut seen = String::from("(no sync lines yet)");
    let waited = wait_for("every demo account to finish its first sync", ALL_SYNCED_TIMEOUT, async || {
        let lines = sync_lines(ui).await?;
        seen = lines.iter().map(|l| format!("{}: {}", l.account, l.state)).collect::<Vec<_>>().join("; ");
        if let Some(failed) = lines.iter().find(|l| l.error && !l.spinning) {
            bail!("the account {} shows a sync error in the sidebar: {}", failed.account, failed.state);
        }
        let all_listed = DEMO_VENDORS.iter().all(|v| lines.iter().any(|l| l.account == format!("演示 · {v}")));
        let all_done =
            lines.iter().all(|l| !l.spinning && (l.state.starts_with("同步完成") || l.state.starts_with("上次同步")));
        if !all_listed || !all_done || ui.exists(&tid("sync-indicator")).await? || ui.rows().await?.is_empty() {
            return Ok(None);
        }
        let before = ui.count("todo").await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let after = ui.count("todo").await?;
        let quiet = !ui.exists(&tid("sync-indicator")).await?;
        Ok(after.filter(|n| *n > 0 && quiet && before == after))
    })
    .await;
    waited.with_context(|| format!("the sidebar's sync lines: {seen}"))
}

/// Waits until the list shows the box labelled `label`.
async fn wait_for_box(ui: &Ui, label: &str) -> Result<()> {
    wait_for(&format!("the list to show {label}"), UI_TIMEOUT, async || {
        Ok((ui.list_label().await?.as_deref() == Some(label)).then_some(()))
    })
    .await
}

/// Picks `vendor` in the vendor filter above the list and waits until the list shows only (and
/// some) rows of that vendor; returns them.
async fn filter_by_vendor(ui: &Ui, vendor: &str) -> Result<Vec<Row>> {
    // From an unfiltered list: 清除筛选 drops the previous vendor first.
    if ui.exists(&tid("btn-clear-filters")).await? {
        ui.click_testid("btn-clear-filters").await?;
        wait_for("the filters to clear", UI_TIMEOUT, async || {
            Ok((!ui.exists(&tid("btn-clear-filters")).await?).then_some(()))
        })
        .await?;
    }
    let label = ui.choose("vendor-filter", &format!(r#".ant-select-item-option[data-vendor="{vendor}"]"#)).await?;
    let what = format!("the list to show only {vendor} rows (filter {label:?})");
    wait_for(&what, UI_TIMEOUT, async || {
        let chosen = ui.text(&tid("vendor-filter")).await?.unwrap_or_default();
        let refreshing = ui.exists(&format!("{} .list-refreshing", tid("approval-list"))).await?;
        let rows = ui.rows().await?;
        if ui.text(".ant-empty-description").await?.as_deref() == Some("没有符合条件的审批") && chosen.contains(&label)
        {
            bail!("the list filtered to {vendor} is empty");
        }
        let only = !rows.is_empty() && rows.iter().all(|r| r.vendor == vendor);
        Ok((chosen.contains(&label) && !refreshing && only).then_some(rows))
    })
    .await
}

/// Opens the rows one after the other until one's detail offers the button `action`; that row
/// stays open. `None` when no row does.
async fn open_first_with(ui: &Ui, rows: &[Row], action: &str) -> Result<Option<Row>> {
    for row in rows {
        open_row(ui, row).await?;
        if ui.exists(&tid(action)).await? {
            return Ok(Some(row.clone()));
        }
        let offered = ui
            .js(
                r#"return Array.from(document.querySelectorAll('.action-buttons [data-testid]')).map(b => b.getAttribute('data-testid'));"#,
                vec![json!(null)],
            )
            .await?;
        eprintln!("#{} {:?} offers no {action} (buttons: {offered})", row.id, row.title);
    }
    Ok(None)
}

/// Fails when the app shows an error message (a toast).
async fn no_error_toast(ui: &Ui) -> Result<()> {
    if let Some(text) = ui.text(".ant-message .ant-message-error").await? {
        bail!("the app shows an error message: {text}");
    }
    Ok(())
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
/// Waits until the detail shows the decision: its status, or the comment in the step timeline,
/// or (a vendor that does not hand comments back, 契约锁) no 同意 any more and a member's 已同意
/// in the timeline.
async fn wait_until_decided(ui: &Ui, row: &Row, status: &str, comment: &str) -> Result<String> {
    let what =
        format!("the detail of #{} to show status {status}, the comment {comment:?} or a member's 已同意", row.id);
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
            (false, false)
                if status == "approved" && timeline.contains("已同意") && !ui.exists(&tid("btn-approve")).await? =>
            {
                Some(format!(
                    "status still {shown}, a member's 已同意 in the timeline (the vendor hands no comment back)"
                ))
            }
            (false, false) => None,
        })
    })
    .await
}

// ---- the desktop experience -------------------------------------------------------------

/// Presses one key in the window through WebDriver's keyboard actions (real key events).
async fn press(ui: &Ui, key: char) -> Result<()> {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let keys =
        KeyActions::new("keyboard".into()).then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
    ui.client.perform_actions(keys).await?;
    Ok(())
}

/// The `data-id` of the open detail.
async fn detail_id(ui: &Ui) -> Result<Option<String>> {
    ui.attr(&tid("approval-detail"), "data-id").await
}

async fn wait_for_detail(ui: &Ui, id: &str) -> Result<()> {
    wait_for(&format!("the detail of #{id}"), UI_TIMEOUT, async || {
        Ok((detail_id(ui).await?.as_deref() == Some(id)).then_some(()))
    })
    .await
}

/// Keyboard triage: j/k move and open, `a` approves the open todo (count − 1), `r` opens the
/// reason box with the focus in it, `?` lists the shortcuts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triage_by_keyboard() {
    run_app_test("triage-keyboard", async |ui: Ui| {
        let todo_before = wait_for_first_sync(&ui).await?;
        let rows = ui.rows().await?;
        ensure!(rows.len() >= 3, "the demo todo box shows at least three rows, not {}", rows.len());
        press(&ui, 'j').await?;
        wait_for_detail(&ui, &rows[0].id).await?;
        press(&ui, 'j').await?;
        wait_for_detail(&ui, &rows[1].id).await?;
        press(&ui, 'k').await?;
        wait_for_detail(&ui, &rows[0].id).await?;
        ui.screenshot("triage-keyboard").await?;
        // fxiaoke wants an opinion with every decision, so `a` (no comment) goes to another vendor.
        let at = rows.iter().position(|r| r.vendor != "fxiaoke").context("only fxiaoke rows are visible")?;
        for _ in 0..at {
            press(&ui, 'j').await?;
        }
        let target = rows[at].clone();
        wait_for_detail(&ui, &target.id).await?;
        if !ui.exists(&tid("btn-approve")).await? {
            bail!("#{} {:?} offers no 同意 to press `a` on", target.id, target.title);
        }
        press(&ui, 'a').await?;
        wait_until_left_todo(&ui, &target, todo_before).await?;
        press(&ui, 'j').await?;
        let open = wait_for("a row to open after the approved one left", UI_TIMEOUT, async || {
            Ok(detail_id(&ui).await?.filter(|id| *id != target.id))
        })
        .await?;
        if ui.exists(&tid("btn-reject")).await? {
            press(&ui, 'r').await?;
            wait_for("the reason box to have the focus", UI_TIMEOUT, async || {
                let focused = ui
                    .js("return document.activeElement && document.activeElement.getAttribute('data-testid');", vec![])
                    .await?;
                Ok((focused == json!("comment-input")).then_some(()))
            })
            .await?;
            ensure!(!ui.is_enabled("btn-confirm-reject").await?, "确认拒绝 is enabled before a reason");
            eprintln!("`r` on #{open} focused the reason box");
        }
        ui.click_testid("comment-input").await?;
        ui.js("document.activeElement.blur();", vec![]).await?;
        press(&ui, '?').await?;
        wait_for("the shortcut list", UI_TIMEOUT, async || Ok(ui.exists(&tid("shortcut-table")).await?.then_some(())))
            .await?;
        ui.screenshot("triage-shortcuts").await?;
        Ok(())
    })
    .await;
}

/// Batch approve: rows of different vendors checked (click, ctrl-click through the checkbox),
/// one confirmation, then a result per item; the approved ones leave 待我审批.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_approve_across_vendors() {
    run_app_test("batch-approve", async |ui: Ui| {
        hold_zeyi_demo_decisions(&ui).await?;
        let todo_before = wait_for_every_account_synced(&ui).await?;
        let rows = ui.rows().await?;
        let mut chosen: Vec<Row> = Vec::new();
        for row in &rows {
            if !chosen.iter().any(|c| c.vendor == row.vendor) {
                chosen.push(row.clone());
            }
        }
        ensure!(chosen.len() >= 2, "the visible todo rows come from one vendor only: {rows:?}");
        for row in &chosen {
            ui.click(&format!(r#"[data-testid="approval-row"][data-id="{}"] [data-testid="row-check"]"#, row.id)).await?;
        }
        let label = ui.text(&tid("batch-count")).await?.unwrap_or_default();
        ensure!(label.contains(&chosen.len().to_string()), "the batch bar says {label:?} for {} checked", chosen.len());
        ui.click_testid("btn-batch-approve").await?;
        // One comment for every item (fxiaoke wants an opinion with each decision).
        // Typed once the dialog holds the focus (it opens with an animation).
        wait_for("the batch dialog's comment box to have the focus", UI_TIMEOUT, async || {
            let focused = ui.js("return document.activeElement && document.activeElement.getAttribute('data-testid');", vec![]).await?;
            Ok((focused == json!("batch-reason")).then_some(()))
        })
        .await?;
        ui.client.find(fantoccini::Locator::Css(&tid("batch-reason"))).await?.send_keys("同意，E2E 批量").await?;
        ui.click_testid("btn-batch-confirm").await?;
        let mut clicked = std::time::Instant::now();
        let results = wait_for("a result for every checked approval", SYNC_TIMEOUT, async || {
            // A click that lands while the dialog is still zooming in is swallowed and leaves it
            // open; confirming closes it at once, so a dialog still open a second later asks again.
            let open = ".ant-modal-wrap:not([style*='display: none']) [data-testid='btn-batch-confirm']";
            if clicked.elapsed() > Duration::from_secs(1) && ui.exists(open).await? && !ui.exists(&tid("batch-result")).await? {
                ui.try_click(open).await?;
                clicked = std::time::Instant::now();
            }
            let v = ui
                .js(r#"return Array.from(document.querySelectorAll('[data-testid="batch-result"]')).map(r => [r.getAttribute('data-id'), r.getAttribute('data-outcome'), r.textContent]);"#, vec![])
                .await?;
            let got: Vec<(String, String, String)> = serde_json::from_value(v)?;
            Ok((got.len() == chosen.len()).then_some(got))
        })
        .await?;
        ui.screenshot("batch-approve").await?;
        for (id, outcome, text) in &results {
            eprintln!("batch #{id}: {outcome} — {text}");
            ensure!(chosen.iter().any(|c| &c.id == id), "a result for #{id}, which was not checked");
        }
        let ok = results.iter().filter(|r| r.1 == "ok").count();
        ensure!(ok >= 2, "fewer than two approvals of different vendors went through: {results:?}");
        ui.click_testid("btn-batch-close").await?;
        wait_for("the todo count to drop by the approved ones", UI_TIMEOUT, async || {
            Ok((ui.count("todo").await? == Some(todo_before - ok as u32)).then_some(()))
        })
        .await?;
        Ok(())
    })
    .await;
}

/// Search in Chinese: two characters, then one, from a todo's title; the first hit's detail
/// shows the query (title, fields, submitter or comments).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_in_chinese() {
    run_app_test("search-chinese", async |ui: Ui| {
        wait_for_first_sync(&ui).await?;
        let rows = ui.rows().await?;
        let han: Vec<char> =
            rows.iter().flat_map(|r| r.title.chars()).filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c)).collect();
        ensure!(han.len() >= 2, "no Chinese title to search for among {rows:?}");
        for query in [han[..2].iter().collect::<String>(), han[0].to_string()] {
            if ui.exists(".list-toolbar .ant-input-clear-icon:not(.ant-input-clear-icon-hidden)").await? {
                ui.click(".list-toolbar .ant-input-clear-icon").await?;
            }
            ui.type_into("search-input", &query).await?;
            let first = wait_for(&format!("results for {query:?}"), UI_TIMEOUT, async || {
                let refreshing = ui.exists(&tid("list-refreshing")).await?;
                let rows = ui.rows().await?;
                Ok((!refreshing).then(|| rows.first().cloned()).flatten())
            })
            .await?;
            open_row(&ui, &first).await?;
            let text =
                ui.js("return document.querySelector('[data-testid=\"approval-detail\"]').innerText;", vec![]).await?;
            ensure!(
                text.as_str().unwrap_or_default().contains(&query),
                "the first hit for {query:?} (#{} {:?}) does not show it",
                first.id,
                first.title
            );
            eprintln!("search {query:?}: first hit #{} {:?}", first.id, first.title);
        }
        ui.screenshot("search-chinese").await?;
        Ok(())
    })
    .await;
}

/// A filter: the form menu offers the box's forms; picking one leaves only its rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_by_form() {
    run_app_test("filter-form", async |ui: Ui| {
        wait_for_first_sync(&ui).await?;
        let label = ui.choose("form-filter", ".ant-select-item-option").await?;
        let form = label.rsplit_once(" (").map(|(f, _)| f.to_owned()).unwrap_or(label.clone());
        wait_for(&format!("only rows of the form {form:?}"), UI_TIMEOUT, async || {
            let forms = ui.js(r#"return Array.from(document.querySelectorAll('[data-testid="approval-row"]')).map(r => r.getAttribute('data-form'));"#, vec![]).await?;
            let forms: Vec<String> = serde_json::from_value(forms)?;
            Ok((!forms.is_empty() && forms.iter().all(|f| *f == form)).then_some(()))
        })
        .await?;
        ui.screenshot("filter-form").await?;
        Ok(())
    })
    .await;
}

/// An account with a wrong token, pointing at the demo yomicloud simulator: added (its secret
/// goes to the keychain), its sync fails and the sidebar says why in words, 测试连接 says it too,
/// and removing it takes it (and its keychain entry) away.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_add_test_remove_and_a_sync_failure_in_words() {
    run_app_test("account-sync-failure", async |ui: Ui| {
        wait_for_first_sync(&ui).await?;
        let base_url = demo_base_url(&ui, "yomicloud").await?;
        ui.click_testid("btn-settings").await?;
        ui.choose("account-vendor", ".ant-select-item-option[title*='yomicloud']").await?;
        ui.type_into("account-name", "错误令牌的云盘").await?;
        ui.type_into("account-base-url", &base_url).await?;
        for (key, value) in [("uid", "1"), ("token", "wrong-token-e2e")] {
            if ui.exists(&tid(&format!("setting-{key}"))).await? {
                ui.type_into(&format!("setting-{key}"), value).await?;
            }
        }
        ui.click_testid("btn-add-account").await?;
        if let Some(e) = ui.text(&tid("add-account-error")).await? {
            bail!("adding the account failed: {e}");
        }
        let card = r#"[data-testid="account-row"]:last-child"#;
        let reason = wait_for("the bad account's sync error in words", SYNC_TIMEOUT, async || {
            let lines = sync_lines(&ui).await?;
            Ok(lines.into_iter().find(|l| l.account == "错误令牌的云盘" && l.error && !l.spinning).map(|l| l.state))
        })
        .await?;
        ensure!(
            reason.chars().count() > 8 && !reason.contains("wrong-token-e2e"),
            "the reason {reason:?} is no sentence, or shows the token"
        );
        eprintln!("sync failure shown: {reason}");
        ui.click(&format!("{card} {}", tid("btn-test-account"))).await?;
        let tested =
            wait_for("the connection test's answer", SYNC_TIMEOUT, async || ui.text(&tid("account-test-result")).await)
                .await?;
        eprintln!("test connection: {tested}");
        ui.screenshot("account-sync-failure").await?;
        // A click that lands while the confirmation pops in can be lost on a busy machine:
        // ask again (removing is idempotent from the user's side) until the account is gone.
        // A removal seen late must not send the next attempt to another account's card.
        let gone = async || Ok((!sync_lines(&ui).await?.iter().any(|l| l.account == "错误令牌的云盘")).then_some(()));
        for attempt in 1..=3 {
            if gone().await?.is_some() {
                return Ok(());
            }
            ui.click(&format!("{card} {}", tid("btn-remove-account"))).await?;
            ui.click(&format!(".ant-popover:not(.ant-popover-hidden) {}", tid("btn-confirm-remove"))).await?;
            match wait_for("the bad account to be gone", Duration::from_secs(8), gone).await {
                Ok(()) => return Ok(()),
                Err(e) if attempt == 3 => return Err(e),
                Err(_) => eprintln!("removal not seen yet; confirming again"),
            }
        }
        Ok(())
    })
    .await;
}

/// Switching language: the window speaks English, and back to Chinese.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_language() {
    run_app_test("language", async |ui: Ui| {
        wait_for_first_sync(&ui).await?;
        ui.click(&format!("{} .ant-segmented-item:last-child", tid("lang-switch"))).await?;
        wait_for("the English box names", UI_TIMEOUT, async || {
            Ok((ui.text(&tid("box-todo")).await?.unwrap_or_default().starts_with("To approve")).then_some(()))
        })
        .await?;
        ensure!(ui.list_label().await?.as_deref() == Some("To approve"), "the list heading is not English");
        ui.screenshot("language-en").await?;
        ui.click(&format!("{} .ant-segmented-item:first-child", tid("lang-switch"))).await?;
        wait_for("the Chinese box names again", UI_TIMEOUT, async || {
            Ok((ui.text(&tid("box-todo")).await?.unwrap_or_default().starts_with("待我审批")).then_some(()))
        })
        .await?;
        Ok(())
    })
    .await;
}

/// The demo yomicloud drive's 合同上传审批 template: the 8th the simulator seeds (ids count from
/// 1 in `TEMPLETS` order). It is an upload (files required) on the 法务 folder, with a designated
/// approver to pick for its second step (法务终审: 系统管理员 or 黄磊).
const UPLOAD_TEMPLATE: &str = "8";

/// 发起审批 end to end: open the form for the demo yomicloud account (keyboard `n`), look the
/// template up, fill the statement and pick the designated approver, attach a file, send; the
/// vendor confirms it and it is shown in 我提交的 as 审批中.
///
/// Attaching: WebDriver cannot drive the system's file dialog, nor make the OS drag a file onto
/// the window. The test emits the event the webview itself emits when files are dropped on it
/// (`tauri://drag-drop` with the real paths, through the app's own IPC), so the form's drop
/// handler, `describe_files`, the draft, the upload and `submit_draft` are the shipped code with a
/// real file; only the OS delivering the drop is not exercised. The app has no test-only switch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submitting_an_approval_with_a_file() {
    let files = tempfile::tempdir().expect("a temporary folder");
    let file = files.path().join("合同扫描件-E2E.pdf");
    std::fs::write(&file, vec![b'%'; 600 * 1024]).expect("writing the file to attach");
    let path = file.to_str().expect("a UTF-8 path").to_owned();
    run_app_test("submit", async |ui: Ui| {
        wait_for_first_sync(&ui).await?;
        let submitted_before = ui.count("submitted").await?.context("count-submitted is not shown")?;
        press(&ui, 'n').await?;
        wait_for("the new-approval form", UI_TIMEOUT, async || Ok(ui.exists(&tid("template-id")).await?.then_some(())))
            .await?;
        let account = ui.text(&tid("new-account")).await?.unwrap_or_default();
        if !account.contains("yomicloud") {
            ui.choose("new-account", ".ant-select-item-option[title*='yomicloud']").await?;
        }
        ui.type_into("template-id", UPLOAD_TEMPLATE).await?;
        ui.click_testid("btn-find-templates").await?;
        let name = wait_for("the template to be found", UI_TIMEOUT, async || {
            if let Some(e) = ui.text(&tid("find-error")).await? {
                bail!("looking the template up failed: {e}");
            }
            ui.text(&tid("template-name")).await
        })
        .await?;
        ensure!(name == "合同上传审批", "template {UPLOAD_TEMPLATE} is {name:?}");
        ensure!(ui.exists(&tid("step-timeline")).await?, "the form does not show the steps");

        ui.type_into("field-creatorNote", "E2E：第二季度合同扫描件").await?;
        let who = ui.choose("field-selectId.1", ".ant-select-item-option[title='黄磊']").await?;
        eprintln!("designated approver: {who}");
        let dropped = ui
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   window.__TAURI_INTERNALS__.invoke('plugin:event|emit',
                       { event: 'tauri://drag-drop', payload: { paths: [arguments[0]], position: { x: 200, y: 300 } } })
                     .then(() => done(null), e => done(String(e)));"#,
                vec![json!(path)],
            )
            .await?;
        ensure!(dropped.is_null(), "emitting the drop failed: {dropped}");
        let shown =
            wait_for("the dropped file in the form", UI_TIMEOUT, async || ui.text(&tid("upload-item")).await).await?;
        ensure!(shown.contains("合同扫描件-E2E.pdf") && shown.contains("600 KB"), "the file shows as {shown:?}");
        let total = ui.text(&tid("upload-total")).await?.unwrap_or_default();
        ensure!(total.contains("共 1 个文件"), "the total reads {total:?}");
        ui.screenshot("submit-form").await?;

        ui.click_testid("btn-send").await?;
        let what = "the sent approval selected in 我提交的";
        let status = wait_for(what, UI_TIMEOUT, async || {
            if let Some(e) = ui.text(&tid("send-error")).await? {
                bail!("sending failed: {e}");
            }
            if let Some(e) = ui.text(&tid("attachments-error")).await? {
                bail!("the files were refused: {e}");
            }
            let title = ui.text(&tid("detail-title")).await?.unwrap_or_default();
            let in_submitted = ui.list_label().await?.as_deref() == Some("我提交的");
            let status = ui.attr(&tid("detail-status"), "data-status").await?;
            Ok(status.filter(|_| in_submitted && title.contains("合同上传审批")))
        })
        .await?;
        ensure!(status == "pending" || status == "sending", "the new approval shows status {status:?}");
        let id = detail_id(&ui).await?.context("no approval is selected")?;
        wait_for("the new approval's row in 我提交的", UI_TIMEOUT, async || {
            Ok(ui.rows().await?.into_iter().find(|r| r.id == id && r.title.contains("合同上传审批")))
        })
        .await?;
        wait_for("count-submitted to grow by one", UI_TIMEOUT, async || {
            Ok(ui.count("submitted").await?.filter(|n| *n == submitted_before + 1))
        })
        .await?;
        let files_shown = wait_for("the uploaded file among its attachments", UI_TIMEOUT, async || {
            Ok(ui.text(&tid("attachment")).await?.filter(|t| t.contains("合同扫描件-E2E.pdf")))
        })
        .await?;
        eprintln!("#{id} 合同上传审批 in 我提交的 ({status}), attachment: {files_shown}");
        ensure!(ui.text(&tid("count-drafts")).await?.as_deref() == Some("0"), "the confirmed draft is still listed");
        let shot = ui.screenshot("submit-flow").await?;
        eprintln!("screenshot: {}", shot.display());
        Ok(())
    })
    .await;
}

/// One instance per data folder: a second launch hands over to the running app (which shows its
/// window) and exits at once, and the first keeps working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_launch_hands_over_to_the_first() {
    run_app_test("single-instance", async |ui: Ui| {
        let todo = wait_for_first_sync(&ui).await?;
        let mut second =
            ui.launch.command().stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped()).spawn()?;
        let exited = wait_for("the second launch to exit", UI_TIMEOUT, async || Ok(second.try_wait()?)).await;
        if exited.is_err() {
            let _ = second.kill();
        }
        let status = exited?;
        ensure!(status.success(), "the second launch failed: {status}");
        ensure!(ui.count("todo").await? == Some(todo), "the first window still shows 待我审批 ({todo})");
        let visible = ui.js("return document.visibilityState;", vec![]).await?;
        ensure!(visible == json!("visible"), "the first window is shown: {visible}");
        Ok(())
    })
    .await;
}

/// The native window's title carries the todo count, read from the X server itself
/// (`xwininfo`, x11-utils): what the taskbar and the window switcher show.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_title_shows_the_todo_count() {
    run_app_test("title-count", async |ui: Ui| {
        let todo = wait_for_first_sync(&ui).await?;
        let display =
            ui.launch.env.iter().find(|(k, _)| k == "DISPLAY").map(|(_, v)| v.clone()).context("no DISPLAY")?;
        let wanted = format!("\"({todo}) ");
        let titles = wait_for(&format!("a window titled ({todo}) …"), UI_TIMEOUT, async || {
            let out =
                std::process::Command::new("xwininfo").args(["-root", "-tree"]).env("DISPLAY", &display).output()?;
            let tree = String::from_utf8_lossy(&out.stdout).into_owned();
            Ok(tree.contains(&wanted).then_some(tree))
        })
        .await?;
        let line = titles.lines().find(|l| l.contains(&wanted)).unwrap_or_default().trim().to_owned();
        eprintln!("window: {line}");
        Ok(())
    })
    .await;
}

/// A cache written by a newer version (a downgrade): the app says so in a native dialog, with
/// what to do, instead of panicking; closing the dialog quits with status 1, and the cache is
/// left as it was. The dialog is found and answered through the X server (`xwininfo`, `xdotool`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cache_from_a_newer_version_is_explained_in_a_dialog() {
    run_app_test("newer-cache", async |ui: Ui| {
        let dir = tempfile::tempdir()?;
        let cache = dir.path().join("cache.sqlite3");
        let made = std::process::Command::new("sqlite3")
            .arg(&cache)
            .arg("PRAGMA user_version = 99; CREATE TABLE kept(x);")
            .status()?;
        ensure!(made.success(), "sqlite3 could not write {}", cache.display());
        let display =
            ui.launch.env.iter().find(|(k, _)| k == "DISPLAY").map(|(_, v)| v.clone()).context("no DISPLAY")?;
        let mut app = std::process::Command::new(&ui.launch.app)
            .arg("--data-dir")
            .arg(dir.path())
            .envs(ui.launch.env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let x = |program: &str, args: &[&str]| {
            std::process::Command::new(program).args(args).env("DISPLAY", &display).output()
        };
        let found = wait_for("the dialog saying why the app cannot start", UI_TIMEOUT, async || {
            let out = x("xdotool", &["search", "--name", "cannot start"])?;
            Ok(String::from_utf8_lossy(&out.stdout).lines().next().map(str::to_owned))
        })
        .await;
        if found.is_err() {
            let _ = app.kill();
        }
        let window = found?;
        ensure!(app.try_wait()?.is_none(), "the app waits for the dialog to be read");
        // No window manager runs under Xvfb: focus the dialog directly, then press its button.
        x("xdotool", &["windowfocus", "--sync", &window])?;
        x("xdotool", &["key", "--window", &window, "Return"])?;
        let exited =
            wait_for("the app to quit once the dialog is closed", UI_TIMEOUT, async || Ok(app.try_wait()?)).await;
        if exited.is_err() {
            let _ = app.kill();
        }
        ensure!(exited?.code() == Some(1), "quits with status 1");
        let version = std::process::Command::new("sqlite3").arg(&cache).arg("PRAGMA user_version;").output()?;
        ensure!(String::from_utf8_lossy(&version.stdout).trim() == "99", "the cache is left as it was");
        Ok(())
    })
    .await;
}

/// Issue 15: Chinese renders as Chinese, not as empty boxes. With no CJK font, WebKitGTK draws
/// each Chinese character as the same missing-glyph box, and a screenshot still "passes". So the
/// window draws two different characters and a private-use character no font has, in the UI's
/// own font, and compares the pixels: two different glyphs, each unlike the missing-glyph box.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chinese_text_renders_as_glyphs_not_boxes() {
    run_app_test("cjk", async |ui: Ui| {
        wait_for_first_sync(&ui).await?;
        let drawn = ui
            .js(
                r##"
                const font = getComputedStyle(document.body).fontFamily;
                const draw = (ch) => {
                  const c = document.createElement("canvas");
                  c.width = 48; c.height = 48;
                  const g = c.getContext("2d");
                  g.fillStyle = "#fff"; g.fillRect(0, 0, 48, 48);
                  g.fillStyle = "#000"; g.font = `32px ${font}`; g.textBaseline = "top";
                  g.fillText(ch, 4, 4);
                  return Array.from(g.getImageData(0, 0, 48, 48).data).join(",");
                };
                return { font, shen: draw("审"), pi: draw("批"), missing: draw("\uE000") };
                "##,
                vec![],
            )
            .await?;
        let (shen, pi, missing) = (
            drawn["shen"].as_str().unwrap_or(""),
            drawn["pi"].as_str().unwrap_or(""),
            drawn["missing"].as_str().unwrap_or(""),
        );
        ensure!(!shen.is_empty(), "the canvas drew: {drawn}");
        ensure!(shen != missing, "审 is drawn as the missing-glyph box: no CJK font for `{}`", drawn["font"]);
        ensure!(shen != pi, "审 and 批 are drawn alike (both boxes): no CJK font for `{}`", drawn["font"]);
        ensure!(ui.visible_text().await?.contains("待我审批"), "the sidebar shows its Chinese labels");
        let shot = ui.screenshot("cjk").await?;
        eprintln!("Chinese renders in `{}`; screenshot: {}", drawn["font"], shot.display());
        Ok(())
    })
    .await;
}

/// Issue 13: the demo against simulators serving a real tenant's data (`--wild`): every account
/// syncs (no sync fails because of one record), the sidebar says how many records could not be
/// read, a click lists them, and the detail of one says why and offers no action.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wild_tenant_shows_every_record_and_says_which_could_not_be_read() {
    run_app_test_with(
        "wild",
        &["--wild"],
        |_| Ok(()),
        async |ui: Ui| {
            wait_for_every_account_synced(&ui).await?;
            let lines = sync_lines(&ui).await?;
            let states: Vec<String> = lines.iter().map(|l| format!("{}: {}", l.account, l.state)).collect();
            ensure!(
                lines.iter().all(|l| !l.error && l.state.starts_with("同步完成")),
                "every account synced: {states:?}"
            );
            ensure!(lines.iter().any(|l| l.state.contains("条无法读取")), "some records could not be read: {states:?}");
            ui.click_testid("sync-unreadable").await?;
            wait_for("the list of unreadable approvals", UI_TIMEOUT, async || {
                Ok(ui.exists(&tid("unreadable-filter")).await?.then_some(()))
            })
            .await?;
            // Until the filtered list has replaced the box's list, every row it shows is marked.
            let marked = r#"const rows = document.querySelectorAll('[data-testid="approval-list"] [data-testid="approval-row"]');
                 return rows.length > 0 && Array.from(rows).every(r => r.querySelector('[data-testid="row-unreadable"]'));"#;
            let rows = wait_for("only unreadable rows in it", UI_TIMEOUT, async || {
                let all_marked = ui.js(marked, vec![]).await?.as_bool().unwrap_or(false);
                Ok(if all_marked { Some(ui.rows().await?) } else { None })
            })
            .await?;
            ensure!(!rows.is_empty(), "the unreadable list shows rows");
            open_row(&ui, &rows[0]).await?;
            let why = wait_for("the detail to say why", UI_TIMEOUT, async || ui.text(&tid("detail-unreadable")).await)
                .await?;
            ensure!(
                !ui.exists(&tid("btn-approve")).await? && !ui.exists(&tid("btn-reject")).await?,
                "no action on an unreadable record"
            );
            let shot = ui.screenshot("wild").await?;
            eprintln!("{} unreadable rows; #{}: {why}; screenshot {}", rows.len(), rows[0].id, shot.display());
            Ok(())
        },
    )
    .await;
}

/// A first sync shows where it stands in the sidebar (issue 17): the demo's fxiaoke account,
/// whose history is read under the vendor's rate limit, says 待办已就绪 · 历史 n / m while the
/// todos are already in the list, and 停止同步 stops it cleanly (已停止, what it read stays).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_shows_its_progress_and_stops_on_request() {
    run_app_test("first-sync-progress", async |ui: Ui| {
        let line = r#"[data-testid="sync-progress"][data-phase="history"]"#;
        let text = wait_for("a sync reading history with its todos ready", SYNC_TIMEOUT, async || {
            Ok(ui.text(&format!("{line} .sync-progress-text")).await?.filter(|t| t.contains("待办已就绪 · 历史")))
        })
        .await?;
        let counts: Vec<u64> =
            text.split(['历', '史', '/', '·', ' ']).filter_map(|w| w.trim().replace(',', "").parse().ok()).collect();
        ensure!(counts.len() >= 2 && counts[0] <= counts[1] && counts[1] > 0, "history done / total in {text:?}");
        let todo = ui.count("todo").await?.context("the todo count")?;
        ensure!(todo > 0, "the todos are in the list while history is read");
        let shot = ui.screenshot("first-sync-progress").await?;
        eprintln!("sidebar: {text:?}; 待我审批 {todo}; screenshot: {}", shot.display());

        ui.click(&format!("{line} {}", tid("btn-stop-sync"))).await?;
        let stopped = wait_for("the stopped sync in words", SYNC_TIMEOUT, async || {
            ui.text(r#"[data-testid="sync-progress"][data-phase="stopped"] .sync-progress-text"#).await
        })
        .await?;
        ensure!(stopped.contains("已停止"), "{stopped:?}");
        // Another account may be syncing meanwhile (with its own button); the stopped one offers none.
        let stopped_button = format!(r#"[data-testid="sync-progress"][data-phase="stopped"] {}"#, tid("btn-stop-sync"));
        // The button goes with the sync's end (the stopped phase is said a moment before).
        wait_for("the stopped sync to offer no stop button", UI_TIMEOUT, async || {
            Ok((!ui.exists(&stopped_button).await?).then_some(()))
        })
        .await?;
        ui.screenshot("first-sync-stopped").await?;
        Ok(())
    })
    .await;
}
