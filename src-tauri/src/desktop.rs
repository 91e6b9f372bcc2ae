//! The desktop manners of the shell: a tray icon whose tooltip carries the todo count (and the
//! window title too), close-to-tray, a second launch focusing the first window, and a native
//! notification for each new todo — summarised when many arrive at once (after a long time
//! offline, or on the first sync), never one per item in a storm.

use crate::AppState;
use inbox_core::{NewTodos, Service};
use tauri::menu::{Menu, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, WindowEvent};
use tauri_plugin_notification::NotificationExt;

/// The window's base title; the todo count is put in front of it.
const TITLE: &str = "审批收件箱 Approval Inbox";
/// More new todos than this at once are announced as one summary.
const MAX_SINGLE_NOTIFICATIONS: u64 = 3;
const TRAY_ID: &str = "main";

/// Shows, un-minimises and focuses the main window (tray click, second launch).
pub fn show_main(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
    set_visible(app, true);
}

/// Tells the scheduler whether the window is on screen: hidden to the tray, syncs with
/// nothing new come further apart (`scheduler::next_sync_after`).
pub fn set_visible(app: &AppHandle, visible: bool) {
    if let Some(state) = app.try_state::<crate::AppState>() {
        state.scheduler.set_visible(visible);
    }
}

/// The tray icon with its menu (show, sync now, quit). A desktop without a tray host simply
/// shows none; the window title still carries the count.
pub fn build_tray(app: &AppHandle) -> tauri::Result<TrayIcon> {
    let show = MenuItem::with_id(app, "show", "打开审批收件箱 / Open", true, None::<&str>)?;
    let sync = MenuItem::with_id(app, "sync", "立即同步 / Sync now", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "退出 / Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &sync, &quit])?;
    let mut tray = TrayIconBuilder::with_id(TRAY_ID).menu(&menu).tooltip(TITLE).show_menu_on_left_click(false);
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.on_menu_event(|app, event| match event.id.as_ref() {
        "show" => show_main(app),
        "sync" => app.state::<AppState>().scheduler.trigger(None),
        "quit" => app.exit(0),
        _ => {}
    })
    .on_tray_icon_event(|tray, event| {
        if let TrayIconEvent::Click { button: MouseButton::Left, button_state: MouseButtonState::Up, .. } = event {
            show_main(tray.app_handle());
        }
    })
    .build(app)
}

/// Closing the window hides it to the tray; the app keeps syncing and quits from the tray menu.
pub fn close_to_tray(window: &tauri::Window, event: &WindowEvent) {
    if let WindowEvent::CloseRequested { api, .. } = event {
        if window.app_handle().tray_by_id(TRAY_ID).is_some() {
            api.prevent_close();
            let _ = window.hide();
            set_visible(window.app_handle(), false);
        }
    }
}

/// The title and tray tooltip for `todo` open items, e.g. "(3) 审批收件箱 Approval Inbox".
pub fn title_for(todo: u64) -> String {
    if todo == 0 {
        TITLE.to_string()
    } else {
        format!("({todo}) {TITLE}")
    }
}

/// Re-reads the todo count into the window title and the tray tooltip.
pub fn show_count(app: &AppHandle, service: &Service) {
    let Ok(counts) = service.box_counts() else { return };
    let title = title_for(counts.todo);
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.set_title(&title);
    }
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = tray.set_tooltip(Some(&format!("{title}\n待审批 {} / to approve", counts.todo)));
    }
}

/// What the notifications say about new todos: one per item for a few, one summary for many.
pub fn notification_texts(new: &NewTodos) -> Vec<(String, String)> {
    if new.total == 0 {
        return Vec::new();
    }
    if new.total > MAX_SINGLE_NOTIFICATIONS || new.newest.len() as u64 != new.total {
        let names: Vec<&str> = new.newest.iter().take(3).map(|a| a.title.as_str()).collect();
        return vec![(format!("{} 条新的待审批", new.total), format!("包括：{}", names.join("、")))];
    }
    new.newest
        .iter()
        .map(|a| (format!("新的待审批 · {}", a.account_name), format!("{} — {}", a.title, a.submitter.name)))
        .collect()
}

/// Announces the todos that arrived since the last time (each once, ever, as the core keeps).
pub fn notify_new_todos(app: &AppHandle, service: &Service) {
    let new = match service.take_new_todos(MAX_SINGLE_NOTIFICATIONS as u32) {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!("cannot read the new todos: {e}");
            return;
        }
    };
    for (title, body) in notification_texts(&new) {
        if let Err(e) = app.notification().builder().title(title).body(body).show() {
            tracing::warn!("cannot show a notification: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use inbox_core::{ApprovalSummary, Inbox, Status, User, Vendor};

    fn todo(title: &str) -> ApprovalSummary {
        ApprovalSummary {
            id: 1,
            account_id: 1,
            account_name: "公司云盘".into(),
            vendor: Vendor::Yomicloud,
            remote_id: "1".into(),
            title: title.into(),
            form_name: "报销".into(),
            submitter: User { id: "2".into(), name: "李四".into() },
            submitted_at: 0,
            updated_at: 0,
            status: Status::Pending,
            status_word: None,
            boxes: vec![Inbox::Todo],
            actions: vec![],
            unreadable: None,
        }
    }

    #[test]
    fn a_few_new_todos_are_named_one_by_one() {
        let texts =
            notification_texts(&NewTodos { total: 2, newest: vec![todo("差旅报销"), todo("采购申请")] });
        assert_eq!(texts.len(), 2);
        assert_eq!(texts[0], ("新的待审批 · 公司云盘".to_string(), "差旅报销 — 李四".to_string()));
    }

    #[test]
    fn many_new_todos_make_one_summary() {
        let texts = notification_texts(&NewTodos {
            total: 250,
            newest: vec![todo("差旅报销"), todo("采购申请"), todo("请假")],
        });
        assert_eq!(texts, [("250 条新的待审批".to_string(), "包括：差旅报销、采购申请、请假".to_string())]);
        assert!(notification_texts(&NewTodos::default()).is_empty());
    }

    #[test]
    fn the_title_carries_the_count() {
        assert_eq!(title_for(0), "审批收件箱 Approval Inbox");
        assert_eq!(title_for(12), "(12) 审批收件箱 Approval Inbox");
    }
}
