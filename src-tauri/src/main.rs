//! The desktop shell of Approval Inbox: opens the window, starts the sync scheduler and, in
//! demo mode, the vendor simulators; every command is a thin call into `inbox-core`.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod demo;

use anyhow::Context;
use inbox_core::sync::{Scheduler, SyncEvent};
use inbox_core::Service;
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
    /// The in-process simulators of demo mode; they stop with the app.
    _sims: Option<vendor_sim::Running>,
}

/// Command-line options of the app (all optional).
struct Options {
    demo: bool,
    data_dir: Option<PathBuf>,
}

fn options() -> Options {
    let mut args = std::env::args().skip(1);
    let mut opts = Options { demo: false, data_dir: None };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--demo" => opts.demo = true,
            "--data-dir" => opts.data_dir = args.next().map(PathBuf::from),
            _ => {}
        }
    }
    opts
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("INBOX_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let opts = options();
    tauri::Builder::default()
        .setup(move |app| {
            let state = tauri::async_runtime::block_on(start(&opts))?;
            forward_events(app.handle().clone(), &state.service);
            app.manage(state);
            Ok(())
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .expect("the window system failed to start");
}

/// Opens the cache, sets up demo mode when asked or when no real account exists, and starts
/// one sync task per account.
async fn start(opts: &Options) -> anyhow::Result<AppState> {
    let data_dir = opts.data_dir.clone().unwrap_or_else(Service::default_data_dir);
    let service = Service::open(&data_dir).with_context(|| format!("opening the cache in {}", data_dir.display()))?;
    let demo = opts.demo || service.accounts()?.iter().all(|a| a.demo);
    let sims = if demo { Some(demo::start(&service).await?) } else { demo::remove_accounts(&service)?; None };
    let interval = if demo { Duration::from_secs(60) } else { Duration::from_secs(300) };
    let scheduler = Scheduler::start(service.clone(), interval);
    Ok(AppState { service, scheduler, demo, data_dir, _sims: sims })
}

/// Sync progress reaches the window as events (see docs/ipc.md).
fn forward_events(app: tauri::AppHandle, service: &Service) {
    let mut events = service.subscribe();
    tauri::async_runtime::spawn(async move {
        while let Ok(event) = events.recv().await {
            let sent = match &event {
                SyncEvent::Started { .. } => app.emit("sync-started", &event),
                SyncEvent::Finished { changed, .. } => {
                    let r = app.emit("sync-finished", &event);
                    if *changed > 0 {
                        let _ = app.emit("inbox-changed", serde_json::json!({}));
                    }
                    r
                }
            };
            if let Err(e) = sent {
                tracing::warn!("cannot send an event to the window: {e}");
            }
        }
    });
}
