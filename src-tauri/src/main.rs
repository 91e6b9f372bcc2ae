//! The desktop shell of Approval Inbox: opens the window, starts the sync scheduler and, in
//! demo mode, the vendor simulators; every command is a thin call into `inbox-core`.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod demo;
mod desktop;

use anyhow::Context;
use inbox_core::callback::{self, CallbackServer};
use inbox_core::scheduler::Scheduler;
use inbox_core::sync::SyncEvent;
use inbox_core::Service;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tauri::{Emitter, Manager};

/// What every command can reach.
pub struct AppState {
    pub service: Arc<Service>,
    pub scheduler: Arc<Scheduler>,
    pub demo: bool,
    pub data_dir: PathBuf,
    /// The in-process simulators and relay of demo mode; they stop with the app.
    _demo: Option<demo::Demo>,
    /// The zeyi callback listener, when it could bind.
    pub callbacks: Option<CallbackServer>,
}

/// Command-line options of the app (all optional).
struct Options {
    demo: bool,
    /// Demo mode against simulators serving a real tenant's data (`vendor-sim --wild`).
    wild: bool,
    data_dir: Option<PathBuf>,
    callback_addr: Option<String>,
    /// Started at login: stay in the tray until asked.
    minimized: bool,
}

fn options() -> Options {
    let mut args = std::env::args().skip(1);
    let mut opts = Options {
        demo: false,
        wild: false,
        data_dir: None,
        callback_addr: std::env::var("APPROVAL_INBOX_CALLBACK_ADDR").ok(),
        minimized: false,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--demo" => opts.demo = true,
            "--wild" => {
                opts.demo = true;
                opts.wild = true;
            }
            "--data-dir" => opts.data_dir = args.next().map(PathBuf::from),
            "--callback-addr" => opts.callback_addr = args.next(),
            "--minimized" => opts.minimized = true,
            _ => {}
        }
    }
    opts
}

fn main() {
    inbox_core::memory::tune_allocator();
    let opts = options();
    let data_dir = opts.data_dir.clone().unwrap_or_else(Service::default_data_dir);
    // Redacted, daily-rotating logs in <data dir>/logs/app.*.log (and stderr).
    let _log = inbox_core::logging::init(&data_dir, "app", "info");
    tauri::Builder::default()
        // First: a second launch (of the same data directory) focuses this window and exits.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance_id(&data_dir))
                .callback(|app, _argv, _cwd| desktop::show_main(app))
                .build(),
        )
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_autostart::Builder::new().args(["--minimized"]).build())
        .plugin(tauri_plugin_opener::init())
        // The file pickers of the new-approval form and the attachments' save dialog (JS side).
        .plugin(tauri_plugin_dialog::init())
        .setup(move |app| {
            let state = match tauri::async_runtime::block_on(start(&opts)) {
                Ok(state) => state,
                Err(e) => {
                    cannot_start(app.handle(), &e);
                    return Ok(());
                }
            };
            forward_events(app.handle().clone(), state.service.clone());
            if let Err(e) = desktop::build_tray(app.handle()) {
                tracing::warn!("no tray icon: {e}");
            }
            desktop::show_count(app.handle(), &state.service);
            let hidden = opts.minimized;
            if hidden {
                if let Some(w) = app.get_webview_window("main") {
                    let _ = w.hide();
                }
            }
            state.scheduler.set_visible(!hidden);
            app.manage(state);
            Ok(())
        })
        .on_window_event(desktop::close_to_tray)
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .expect("the window system failed to start");
}

/// Says in a dialog why the app cannot start (a cache written by a newer version, a data
/// directory it cannot write) and quits when the dialog is closed: a failed setup would
/// otherwise panic, and say why only on a terminal nobody sees.
fn cannot_start(app: &tauri::AppHandle, e: &anyhow::Error) {
    use tauri_plugin_dialog::{DialogExt, MessageDialogKind};
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.hide();
    }
    let quit = app.clone();
    // Each layer once: a typed error shows its source in its own text, and again in the chain.
    let mut text = String::new();
    for layer in e.chain().map(ToString::to_string) {
        if !text.contains(&layer) {
            text += if text.is_empty() { "" } else { ": " };
            text += &layer;
        }
    }
    tracing::error!("cannot start: {text}");
    app.dialog()
        .message(text)
        .title("审批收件箱 Approval Inbox cannot start")
        .kind(MessageDialogKind::Error)
        .show(move |_| quit.exit(1));
}

/// Opens the cache, sets up demo mode when asked or when no real account exists, and starts
/// one sync task per account.
async fn start(opts: &Options) -> anyhow::Result<AppState> {
    let data_dir = opts.data_dir.clone().unwrap_or_else(Service::default_data_dir);
    let service = Service::open(&data_dir).with_context(|| format!("opening the cache in {}", data_dir.display()))?;
    let demo = opts.demo || service.accounts()?.iter().all(|a| a.demo);
    let in_demo = if demo {
        Some(demo::start(&service, &data_dir, opts.wild).await?)
    } else {
        demo::remove_accounts(&service)?;
        None
    };
    let callbacks = start_callbacks(&service, opts, demo).await;
    if in_demo.is_some() {
        demo::send_zeyi_forms(&service).await;
    }
    let interval = if demo { Duration::from_secs(60) } else { Duration::from_secs(300) };
    let scheduler = Scheduler::start(service.clone(), interval);
    Ok(AppState { service, scheduler, demo, data_dir, _demo: in_demo, callbacks })
}

/// Starts the zeyi callback listener; a busy port is logged, not fatal (only zeyi needs it).
async fn start_callbacks(service: &Arc<Service>, opts: &Options, demo: bool) -> Option<CallbackServer> {
    // Outside demo mode the core's default (the one `inbox callbacks serve` uses too); demo
    // mode takes a free port, so a demo never holds the port a real listener needs.
    let wanted = opts.callback_addr.clone().unwrap_or_else(|| {
        if demo {
            "127.0.0.1:0".into()
        } else {
            callback::DEFAULT_ADDR.to_string()
        }
    });
    let addr: SocketAddr = match wanted.parse() {
        Ok(a) => a,
        Err(e) => {
            tracing::error!("callback address `{wanted}` is not host:port ({e}); zeyi results will not arrive");
            return None;
        }
    };
    match callback::serve(service.clone(), addr).await {
        Ok(server) => {
            tracing::info!("zeyi callbacks are received at {}", server.callback_url());
            Some(server)
        }
        Err(e) => {
            tracing::error!("cannot listen for zeyi callbacks on {addr}: {e}");
            None
        }
    }
}

/// The single-instance name: one running app per data directory (so separate profiles, and
/// tests with their own directories, do not take each other's place).
fn instance_id(data_dir: &std::path::Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    data_dir.hash(&mut h);
    format!("app.approval_inbox.desktop.d{:016x}", h.finish())
}

/// Sync progress reaches the window as events (see docs/ipc.md); after each sync the title and
/// tray show the todo count and new todos are announced.
fn forward_events(app: tauri::AppHandle, service: Arc<Service>) {
    let mut events = service.subscribe();
    tauri::async_runtime::spawn(async move {
        while let Ok(event) = events.recv().await {
            let sent = match &event {
                SyncEvent::Started { .. } => app.emit("sync-started", &event),
                SyncEvent::OutboxChanged { .. } => app.emit("outbox-changed", &event),
                SyncEvent::CacheDamaged { .. } => app.emit("cache-damaged", &event),
                SyncEvent::Progress { .. } => app.emit("sync-progress", &event),
                SyncEvent::Finished { changed, .. } => {
                    let r = app.emit("sync-finished", &event);
                    if *changed > 0 {
                        let _ = app.emit("inbox-changed", serde_json::json!({}));
                    }
                    desktop::show_count(&app, &service);
                    desktop::notify_new_todos(&app, &service);
                    r
                }
            };
            if let Err(e) = sent {
                tracing::warn!("cannot send an event to the window: {e}");
            }
        }
    });
}
