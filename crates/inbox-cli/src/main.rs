//! `inbox`: Approval Inbox without a window. The same core as the desktop app: accounts, sync,
//! list, show, approve, reject, cancel, submit, download, and the callback listener (`callbacks serve`).

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use inbox_core::{AccountInput, Action, Approval, Inbox, ListQuery, Service, Vendor};
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::Arc;

mod progress;

#[derive(Parser)]
#[command(name = "inbox", version, about = "Approval Inbox (审批收件箱) from the command line")]
struct Cli {
    /// Where the cache lives (default: the platform data dir).
    #[arg(long, global = true, env = inbox_core::service::DATA_DIR_ENV)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Manage vendor accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Sync one account (name or number) or all of them; a zeyi account via a relay pulls the
    /// results waiting there.
    Sync { account: Option<String> },
    /// List cached approvals, newest first.
    List(ListArgs),
    /// Show one approval.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Approve an approval that waits for you.
    Approve {
        id: i64,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Reject an approval that waits for you (a comment is required).
    Reject {
        id: i64,
        #[arg(long)]
        comment: String,
    },
    /// Withdraw an approval you submitted, where the vendor allows it.
    Cancel {
        id: i64,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Start an approval: FILE.json is a submission (`template_id`, `target`, `fields`
    /// [{key, value, kind}], `conditions`); `--attach` adds files or folders, uploaded with a
    /// progress bar. A failed send keeps the draft (see `inbox templates` for the fields).
    Submit {
        account: String,
        #[arg(long)]
        form: PathBuf,
        #[arg(long = "attach")]
        attach: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// What an account can start: templates with their fields, steps and attachment rule.
    Templates {
        account: String,
        /// The file or folder the approval would be about (yomicloud file id).
        #[arg(long)]
        file: Option<String>,
        /// One template by id (yomicloud lets only admins list a file's templates; zeyi's type).
        #[arg(long)]
        template: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Print a link to the approval in the vendor's own console (where the vendor has one).
    Open { id: i64 },
    /// Save an attachment of an approval.
    Download {
        id: i64,
        /// The attachment's id as `show` lists it.
        attachment: String,
        #[arg(long, default_value = ".")]
        to: PathBuf,
    },
    /// Receive vendor callbacks (则一's approval results).
    #[command(subcommand)]
    Callbacks(CallbacksCommand),
    /// Decisions and submissions waiting to reach the vendor (default: list).
    Outbox {
        #[command(subcommand)]
        command: Option<OutboxCommand>,
    },
}

#[derive(Subcommand)]
enum OutboxCommand {
    /// What waits or failed, with its reason.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Send an entry again now.
    Retry { id: i64 },
    /// Give an entry up: it will not be sent.
    Discard { id: i64 },
}

#[derive(Subcommand)]
enum CallbacksCommand {
    /// Run the callback listener headless until Ctrl-C or SIGTERM (expose it to 则一 through a
    /// reverse proxy or tunnel, or bind a reachable address on a server).
    Serve {
        /// Where to listen; the default is the app's (loopback).
        #[arg(long, default_value_t = inbox_core::callback::DEFAULT_ADDR)]
        addr: std::net::SocketAddr,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Add an account. Secret fields are prompted for, or read from stdin as a JSON object.
    Add {
        vendor: Vendor,
        #[arg(long)]
        name: String,
        #[arg(long)]
        base_url: String,
        /// Non-secret settings: `--set uid=3`, several at once (`--set app_key=k username=E001`)
        /// or repeated (`--set app_key=k --set username=E001`). A zeyi account through the
        /// company's relay: `--set mode=relay relay_url=https://relay.example.com username=E001`
        /// (its secret is `relay_token`).
        #[arg(long = "set", value_name = "KEY=VALUE", num_args = 1.., action = clap::ArgAction::Append, value_parser = parse_key_value)]
        settings: Vec<(String, String)>,
        /// Read the secrets as one JSON object from standard input.
        #[arg(long)]
        secrets_stdin: bool,
    },
    /// List accounts with their sync state.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove an account, its keychain entry and its cached approvals.
    Remove { account: String },
    /// Check an account's credentials against the vendor.
    Test { account: String },
}

#[derive(Args)]
struct ListArgs {
    #[arg(long = "box")]
    inbox: Option<Inbox>,
    #[arg(long)]
    vendor: Option<Vendor>,
    #[arg(long)]
    account: Option<String>,
    #[arg(long)]
    search: Option<String>,
    #[arg(long, default_value_t = 50)]
    limit: u32,
    #[arg(long, default_value_t = 0)]
    offset: u32,
    /// Only the approvals the last sync could not read (with why, in `inbox show`).
    #[arg(long)]
    unreadable: bool,
    #[arg(long)]
    json: bool,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .ok_or_else(|| format!("expected key=value, got `{s}`"))
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let dir = cli.data_dir.clone().unwrap_or_else(Service::default_data_dir);
    // Warnings on stderr; the whole story (redacted) in <data dir>/logs/inbox.*.log.
    let _log = inbox_core::logging::init(&dir, "inbox", "warn");
    if let Err(e) = run(cli).await {
        eprintln!("error: {}", terminal_safe(&format!("{e:#}")));
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    let dir = cli.data_dir.unwrap_or_else(Service::default_data_dir);
    let service = Service::open(&dir).with_context(|| format!("opening the cache in {}", dir.display()))?;
    match cli.command {
        Command::Account(cmd) => account(&service, cmd).await,
        Command::Sync { account } => sync(&service, account).await,
        Command::List(args) => list(&service, args),
        Command::Show { id, json } => show(&service.approval(id)?, json),
        Command::Approve { id, comment } => act(&service, id, Action::Approve, &comment).await,
        Command::Reject { id, comment } => act(&service, id, Action::Reject, &comment).await,
        Command::Cancel { id, comment } => act(&service, id, Action::Cancel, &comment).await,
        Command::Submit { account, form, attach, json } => submit(&service, &account, &form, attach, json).await,
        Command::Templates { account, file, template, json } => {
            templates(&service, &account, file, template, json).await
        }
        Command::Open { id } => {
            println!("{}", service.vendor_link(id).await?);
            Ok(())
        }
        Command::Download { id, attachment, to } => {
            let path = service.download(id, &attachment, &to).await?;
            println!("saved {}", path.display());
            Ok(())
        }
        Command::Callbacks(CallbacksCommand::Serve { addr }) => serve_callbacks(service, addr).await,
        Command::Outbox { command } => outbox(&service, command.unwrap_or(OutboxCommand::List { json: false })).await,
    }
}

async fn account(service: &Arc<Service>, cmd: AccountCommand) -> Result<()> {
    match cmd {
        AccountCommand::Add { vendor, name, base_url, settings, secrets_stdin } => {
            let settings: serde_json::Map<String, serde_json::Value> =
                settings.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect();
            let secrets =
                if secrets_stdin { secrets_from_stdin()? } else { prompt_secrets(service, vendor, &settings)? };
            let input =
                AccountInput { vendor, name, base_url, settings, secrets: inbox_core::secrets::Secrets(secrets) };
            let account = service.add_account(input)?;
            println!("added account {} \"{}\" ({})", account.id, account.name, account.vendor);
        }
        AccountCommand::List { json } => {
            let accounts = service.accounts()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&accounts)?);
            }
            for a in accounts.iter().filter(|_| !json) {
                let state = match (&a.sync.last_error, a.sync.last_success) {
                    (Some(e), _) => format!("last sync failed: {}", terminal_safe(e)),
                    (None, Some(t)) => format!("synced at {}", inbox_time(t)),
                    (None, None) => "never synced".into(),
                };
                println!(
                    "{:>3}  {:<20} {:<10} {}  [{}]{}",
                    a.id,
                    a.name,
                    a.vendor,
                    a.base_url,
                    state,
                    if a.demo { " (demo)" } else { "" }
                );
            }
        }
        AccountCommand::Remove { account } => {
            let a = service.account(&account)?;
            service.remove_account(a.id)?;
            println!("removed account {} \"{}\" and its keychain entry", a.id, a.name);
        }
        AccountCommand::Test { account } => {
            let a = service.account(&account)?;
            println!("{}", terminal_safe(&service.test_account(a.id).await?));
        }
    }
    Ok(())
}

fn secrets_from_stdin() -> Result<serde_json::Map<String, serde_json::Value>> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).context("reading secrets from stdin")?;
    serde_json::from_str(&text).context("the secrets on stdin must be one JSON object, e.g. {\"token\": \"…\"}")
}

/// Prompts for the secret fields that apply to these settings (a zeyi account via a relay is
/// asked for its relay token only).
fn prompt_secrets(
    service: &Service,
    vendor: Vendor,
    settings: &serde_json::Map<String, serde_json::Value>,
) -> Result<serde_json::Map<String, serde_json::Value>> {
    if !std::io::stdin().is_terminal() {
        bail!("secrets are read from a terminal prompt; without one, pass --secrets-stdin and a JSON object on stdin");
    }
    let info = service.vendors().into_iter().find(|v| v.id == vendor).context("unknown vendor")?;
    let mut out = serde_json::Map::new();
    for spec in info.settings.iter().filter(|s| s.secret && s.applies(&info.settings, settings)) {
        let value = rpassword::prompt_password(format!("{} ({}): ", spec.label, spec.key))?;
        out.insert(spec.key.to_string(), value.into());
    }
    Ok(out)
}

async fn sync(service: &Arc<Service>, account: Option<String>) -> Result<()> {
    // A damaged cache may list part of what it held as if it were all: nothing is written to it.
    service.check_cache().await?;
    // What a crash or an outage left in the outbox goes out before the cache is refreshed.
    let sent = service.flush_outbox().await?;
    if sent > 0 {
        println!("outbox: sent {sent} waiting decision(s)");
    }
    let shown = progress::show(service);
    let syncs = async {
        match account {
            Some(key) => {
                let a = service.account(&key)?;
                let r = service.sync_account_waiting(a.id, inbox_core::service::SYNC_PATIENCE).await;
                Ok(vec![(a, r)])
            }
            None => service.sync_all().await.map_err(anyhow::Error::from),
        }
    };
    // Ctrl-C stops the walks cleanly: what was read stays, the next sync goes on from there. A
    // second Ctrl-C does not wait for the page in flight.
    let stopping = async {
        if wait_for_stop().await.is_ok() {
            eprintln!("stopping after the page in flight (Ctrl-C again to quit at once)");
            for a in service.accounts().unwrap_or_default() {
                service.stop_sync(a.id);
            }
            if wait_for_stop().await.is_ok() {
                std::process::exit(130);
            }
        }
        std::future::pending().await
    };
    let results = tokio::select! {
        r = syncs => r,
        r = stopping => r,
    };
    shown.end().await;
    let results = results?;
    if results.is_empty() {
        bail!("no accounts yet: add one with `inbox account add`");
    }
    let mut failed = 0;
    for (a, r) in results {
        match r {
            Ok(report) if report.stopped => {
                let left = progress::thousands(report.history_left);
                println!("{}: 已停止，还有 {left} 条历史未读，下次同步继续 (stopped; the next sync goes on)", a.name);
            }
            Ok(report) => {
                let state = service.account(&a.id.to_string())?.sync;
                println!(
                    "{}: {}  (read {}, {} left a box)",
                    a.name,
                    sync_summary(&state),
                    report.fetched,
                    report.removed
                );
                print_unreadable(service, a.id)?;
            }
            // Not a failure: the other process's sync fills the same cache.
            Err(inbox_core::Error::SyncBusy(_)) => {
                println!("{}: 另一个进程正在同步这个账号，结果会写入同一个缓存 (another process is syncing it)", a.name)
            }
            Err(e) => {
                failed += 1;
                eprintln!("error: {}", terminal_safe(&e.to_string()));
            }
        }
    }
    if failed > 0 {
        bail!("{failed} account(s) failed to sync; their cached approvals are unchanged");
    }
    Ok(())
}

/// What a successful sync left, as the window's sidebar says it: "同步完成 · 218 条，2 条无法读取".
fn sync_summary(state: &inbox_core::SyncState) -> String {
    let mut said = format!("同步完成 · {} 条", state.last_count.unwrap_or(0));
    if let Some(n) = state.last_unreadable.filter(|n| *n > 0) {
        said.push_str(&format!("，{n} 条无法读取"));
    }
    said
}

/// The account's approvals that could not be read, each with why (a sync that only failed
/// items still succeeds: these are shown, not hidden).
fn print_unreadable(service: &Service, account_id: i64) -> Result<()> {
    let page =
        service.list(&ListQuery { account_id: Some(account_id), unreadable: true, limit: 20, ..Default::default() })?;
    for a in &page.items {
        let why = a.unreadable.as_ref().map(|u| u.reason.as_str()).unwrap_or_default();
        println!("  无法读取 #{} {}: {}", a.id, terminal_safe(&a.remote_id), terminal_safe(why));
    }
    if page.total > page.items.len() as u64 {
        println!("  … {} more: inbox list --unreadable --account {account_id}", page.total - page.items.len() as u64);
    }
    Ok(())
}

/// Vendor text made safe to print on one line: control characters (ESC, BEL, CR, LF …) and
/// bidirectional overrides shown as escapes, so a record can neither drive the user's
/// terminal nor forge a line of our output.
fn terminal_safe(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let unsafe_char = c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}');
            let shown: Vec<char> = if unsafe_char { c.escape_unicode().collect() } else { vec![c] };
            shown
        })
        .collect()
}

/// Vendor text of several lines (a form value, a comment), each line made [`terminal_safe`]
/// and the following ones indented by `indent`, so they read as part of the value, never as
/// lines of our own.
fn block(text: &str, indent: &str) -> String {
    text.lines().map(terminal_safe).collect::<Vec<_>>().join(&format!("\n{indent}"))
}

fn list(service: &Service, args: ListArgs) -> Result<()> {
    let account_id = args.account.map(|a| service.account(&a).map(|a| a.id)).transpose()?;
    let query = ListQuery {
        inbox: args.inbox,
        vendor: args.vendor,
        account_id,
        search: args.search,
        offset: args.offset,
        limit: args.limit,
        unreadable: args.unreadable,
        ..Default::default()
    };
    let page = service.list(&query)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&page)?);
        return Ok(());
    }
    for a in &page.items {
        let boxes: Vec<&str> = a.boxes.iter().map(|b| b.as_str()).collect();
        let status = a.status_word.as_deref().unwrap_or(a.status.as_str());
        let mark = if a.unreadable.is_some() { "⚠ " } else { "" };
        println!(
            "{:>6}  {:<9} {:<9} {}  {}  {mark}{}  [{}]",
            a.id,
            a.vendor,
            terminal_safe(status),
            inbox_time(a.updated_at),
            terminal_safe(&a.submitter.name),
            terminal_safe(&a.title),
            boxes.join(",")
        );
    }
    println!("{} of {} shown", page.items.len(), page.total);
    Ok(())
}

fn show(a: &Approval, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(a)?);
        return Ok(());
    }
    let r = &a.remote;
    let status = r.status_word.as_deref().unwrap_or(r.status.as_str());
    println!("#{} {}  [{} · {} · {}]", a.id, terminal_safe(&r.title), a.vendor, a.account_name, terminal_safe(status));
    if let Some(u) = &r.unreadable {
        println!("  ⚠ 无法读取 ({}): {}", terminal_safe(&u.call), terminal_safe(&u.reason));
    }
    println!(
        "表单 {}   提交人 {}   提交于 {}",
        terminal_safe(&r.form_name),
        terminal_safe(&r.submitter.name),
        inbox_time(r.submitted_at)
    );
    for f in &r.fields {
        println!("  {}: {}", terminal_safe(&f.label), block(&f.value, "    "));
    }
    for (i, s) in r.steps.iter().enumerate() {
        let rule = match &s.rule {
            inbox_core::StepRule::Other { word } => terminal_safe(word),
            other => format!("{other:?}"),
        };
        println!("  step {} {} ({rule}, {:?})", i + 1, terminal_safe(&s.name), s.decision);
        for m in &s.members {
            let when = m.decided_at.map(inbox_time).unwrap_or_default();
            let decision = m.word.as_deref().map(terminal_safe).unwrap_or_else(|| format!("{:?}", m.decision));
            println!(
                "    - {} {decision} {} {}",
                terminal_safe(&m.user.name),
                when,
                block(m.comment.as_deref().unwrap_or(""), "      ")
            );
        }
    }
    for f in &r.attachments {
        println!(
            "  attachment {} {} {}",
            terminal_safe(&f.remote_id),
            terminal_safe(&f.name),
            f.size.map(|s| format!("{s} bytes")).unwrap_or_default()
        );
    }
    let actions: Vec<&str> = r.actions.iter().map(|a| a.as_str()).collect();
    println!("  you can: {}", if actions.is_empty() { "nothing now".into() } else { actions.join(", ") });
    Ok(())
}

async fn serve_callbacks(service: Arc<Service>, addr: std::net::SocketAddr) -> Result<()> {
    let server =
        inbox_core::callback::serve(service, addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    println!("listening for callbacks on {} (Ctrl-C or SIGTERM stops)", server.callback_url());
    wait_for_stop().await?;
    server.shutdown().await;
    println!("stopped");
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix (what systemd, Docker and `kill` send), as `vendor-sim serve`
/// does: either lets open callbacks finish instead of cutting a write short.
async fn wait_for_stop() -> Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.context("cannot watch Ctrl-C")?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await.context("cannot watch Ctrl-C")?;
    Ok(())
}

async fn submit(
    service: &Service,
    account: &str,
    form: &std::path::Path,
    attach: Vec<PathBuf>,
    json: bool,
) -> Result<()> {
    // A pipe or device would be read forever: only a file is a form.
    let meta = std::fs::metadata(form).with_context(|| format!("reading {}", form.display()))?;
    if !meta.is_file() {
        bail!("{} is not a file (a pipe, device or folder cannot be a form)", form.display());
    }
    let text = std::fs::read_to_string(form).with_context(|| format!("reading {}", form.display()))?;
    let mut submission: inbox_core::Submission = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a submission (docs/ipc.md `Submission`)", form.display()))?;
    submission.attachments.extend(attach);
    let account = service.account(account)?;
    let bar = upload_bar(json);
    let shown = bar.clone();
    let progress = inbox_core::Progress::new(move |p: inbox_core::UploadProgress| {
        let name = p.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        shown.set_length(p.total.max(1));
        shown.set_position(p.sent);
        shown.set_message(format!("[{}/{}] {name}", p.index + 1, p.count));
    });
    let created = service.submit(account.id, &submission, progress).await;
    bar.finish_and_clear();
    let created = created?;
    if json {
        println!("{}", serde_json::to_string_pretty(&created)?);
    } else {
        println!(
            "submitted #{} \"{}\" on {}: {}",
            created.id,
            terminal_safe(&created.remote.title),
            account.name,
            created.remote.status.as_str()
        );
    }
    Ok(())
}

/// A byte progress bar on stderr; hidden for `--json` so scripts read clean output.
fn upload_bar(json: bool) -> indicatif::ProgressBar {
    if json {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(1);
    let style = indicatif::ProgressStyle::with_template("{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

async fn templates(
    service: &Service,
    account: &str,
    file: Option<String>,
    template: Option<String>,
    json: bool,
) -> Result<()> {
    let account = service.account(account)?;
    let found =
        service.templates(account.id, &inbox_core::TemplateQuery { target: file, template_id: template }).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&found)?);
        return Ok(());
    }
    for t in &found {
        println!("{}  {}  (files: {:?})", terminal_safe(&t.id), terminal_safe(&t.name), t.attachments);
        for f in &t.fields {
            let options: Vec<String> = f.options.iter().map(|o| format!("{}={}", o.value, o.label)).collect();
            println!(
                "  {}{}  {}  {:?} {}",
                terminal_safe(&f.key),
                if f.required { "*" } else { "" },
                terminal_safe(&f.label),
                f.kind,
                terminal_safe(&options.join(" "))
            );
        }
        for st in &t.steps {
            let who: Vec<&str> = st.members.iter().map(|m| m.user.name.as_str()).collect();
            println!("  → {}: {}", terminal_safe(&st.name), terminal_safe(&who.join("、")));
        }
    }
    Ok(())
}

async fn act(service: &Service, id: i64, action: Action, comment: &str) -> Result<()> {
    let a = service.act(id, action, comment).await?;
    println!(
        "{} #{}: now {} [{}]",
        action.as_str(),
        a.id,
        a.remote.status.as_str(),
        a.remote.boxes.iter().map(|b| b.as_str()).collect::<Vec<_>>().join(",")
    );
    Ok(())
}

/// Unix seconds as `YYYY-MM-DD HH:MM` in the user's time zone (`--json` keeps raw seconds).
fn inbox_time(t: i64) -> String {
    jiff::Timestamp::from_second(t)
        .map(|ts| ts.to_zoned(jiff::tz::TimeZone::system()).strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| t.to_string())
}

async fn outbox(service: &Service, cmd: OutboxCommand) -> Result<()> {
    match cmd {
        OutboxCommand::List { json } => {
            let entries = service.outbox()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&entries)?);
                return Ok(());
            }
            for e in &entries {
                let what = e.approval_id.map(|a| format!("#{a}")).unwrap_or_else(|| "new approval".into());
                let next = if e.state == inbox_core::OutboxState::Queued {
                    format!(", next try {}", inbox_time(e.next_attempt_at))
                } else {
                    String::new()
                };
                println!(
                    "{:>4}  {:<8} {:<8} {}  {} attempt(s){next}  {}",
                    e.id,
                    e.kind.as_str(),
                    e.state.as_str(),
                    what,
                    e.attempts,
                    terminal_safe(e.last_error.as_deref().unwrap_or(""))
                );
            }
            println!("{} waiting or failed", entries.len());
        }
        OutboxCommand::Retry { id } => {
            let e = service.retry_action(id).await?;
            match e.state {
                inbox_core::OutboxState::Done => println!("outbox {id}: sent"),
                state => bail!("outbox {id} is {}: {}", state.as_str(), e.last_error.unwrap_or_default()),
            }
        }
        OutboxCommand::Discard { id } => {
            service.discard_action(id)?;
            println!("outbox {id}: discarded");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_text_cannot_drive_the_terminal() {
        assert_eq!(terminal_safe("报销\u{1b}[31m红\u{7}\r"), "报销\\u{1b}[31m红\\u{7}\\u{d}");
        assert_eq!(terminal_safe("abc\u{202e}txt.exe"), "abc\\u{202e}txt.exe");
        assert_eq!(
            terminal_safe("第一行\n  you can: approve"),
            "第一行\\u{a}  you can: approve",
            "one line stays one line"
        );
        assert_eq!(
            block("第一行\nyou can: approve 😀𪚥", "    "),
            "第一行\n    you can: approve 😀𪚥",
            "a value's own lines are indented under it"
        );
    }

    #[test]
    fn the_sync_summary_says_what_the_sidebar_says() {
        let state = |count, unreadable| inbox_core::SyncState {
            last_count: Some(count),
            last_unreadable: Some(unreadable),
            ..Default::default()
        };
        assert_eq!(sync_summary(&state(218, 2)), "同步完成 · 218 条，2 条无法读取");
        assert_eq!(sync_summary(&state(218, 0)), "同步完成 · 218 条");
    }
}
