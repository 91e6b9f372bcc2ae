//! `inbox-relay`: the 则一 relay's command. `serve` runs the relay until SIGTERM or Ctrl-C;
//! `user add|list|revoke` manage who may use it (a token is printed once, on stdout, alone, so
//! `TOKEN=$(inbox-relay user add E001 --name 张伟)` works). Storage and settings: `--config`,
//! `--data-dir` or `--database-url`, and `INBOX_RELAY_…` variables (docs/relay.md).

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use inbox_relay::config::{self, Overrides};
use inbox_relay::db::{Added, Db};
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "inbox-relay",
    version,
    about = "The 则一 relay of Approval Inbox: relays sends and cancels to 则一, receives its callbacks, lets each desktop pull its results"
)]
struct Cli {
    /// A TOML configuration file (mode 600 when it holds secrets).
    #[arg(long, global = true, env = "INBOX_RELAY_CONFIG")]
    config: Option<PathBuf>,
    /// The directory of the SQLite file (default /var/lib/inbox-relay).
    #[arg(long, global = true, env = "INBOX_RELAY_DATA_DIR", conflicts_with = "database_url")]
    data_dir: Option<PathBuf>,
    /// A PostgreSQL URL (postgres://user:password@host/db) instead of SQLite: several relay
    /// instances may share it.
    #[arg(long, global = true, env = "INBOX_RELAY_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the relay until SIGTERM or Ctrl-C.
    Serve {
        /// Address and port to listen on (default 127.0.0.1:8780; 0.0.0.0:8780 behind a proxy
        /// on another host or in a container).
        #[arg(long, env = "INBOX_RELAY_LISTEN")]
        listen: Option<SocketAddr>,
    },
    /// Asks a running relay's /healthz: exit status 0 when it and its database answer (a
    /// container's health check: the image has no shell or curl).
    Healthcheck {
        /// The relay's address (default: INBOX_RELAY_LISTEN's port on 127.0.0.1, else 8780).
        #[arg(long)]
        url: Option<String>,
    },
    /// Manages the employees who may use the relay.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Adds an employee (or gives a revoked one a new token) and prints their token once.
    Add {
        /// 工号 (the 则一 employee number they send as).
        username: String,
        /// Their name, for the list.
        #[arg(long)]
        name: String,
    },
    /// Lists employees, their token state and how many results wait for their desktop.
    List,
    /// Revokes an employee's token at once (their stored results are kept).
    Revoke {
        /// 工号.
        username: String,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("inbox-relay: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("inbox-relay: {}", inbox_core::logging::scrub(&format!("{e:#}")));
            std::process::ExitCode::FAILURE
        }
    }
}

/// Logs to stderr (systemd's journal, `docker logs`), every line through inbox-core's
/// redaction; `INBOX_RELAY_LOG` sets the filter (default `info`).
fn init_logging() {
    let filter = EnvFilter::try_from_env("INBOX_RELAY_LOG").unwrap_or_else(|_| "info,sqlx=warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(inbox_core::logging::RedactingMake(Mutex::new(std::io::stderr())))
        .try_init();
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let listen = match &cli.command {
        Command::Serve { listen } => *listen,
        Command::Healthcheck { url } => return healthcheck(url.clone()).await,
        Command::User { .. } => None,
    };
    let overrides = Overrides {
        config_file: cli.config.clone(),
        listen,
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
    };
    let config = config::load(&overrides)?;
    let secrets = config.secrets();
    inbox_core::logging::redact(secrets.iter().map(String::as_str));
    match cli.command {
        Command::Serve { .. } => serve(config).await,
        Command::Healthcheck { .. } => Ok(()),
        Command::User { command } => {
            let db = Db::connect(&config.storage).await?;
            let done = user(&db, command).await;
            db.close().await;
            done
        }
    }
}

async fn serve(config: config::Config) -> anyhow::Result<()> {
    let relay = inbox_relay::start(config).await?;
    // Tests and scripts read the address from here when they asked for port 0.
    eprintln!("inbox-relay: listening on {} (callbacks: {})", relay.base_url, relay.callback_url());
    shutdown_signal().await;
    tracing::info!("stopping");
    relay.shutdown().await;
    Ok(())
}

async fn healthcheck(url: Option<String>) -> anyhow::Result<()> {
    let url = url.unwrap_or_else(|| {
        let port = std::env::var("INBOX_RELAY_LISTEN")
            .ok()
            .and_then(|l| l.parse::<SocketAddr>().ok())
            .map_or(8780, |a| a.port());
        format!("http://127.0.0.1:{port}{}", inbox_relay::api::HEALTH_PATH)
    });
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(5)).build()?;
    let response = client.get(&url).send().await.with_context(|| format!("{url} does not answer"))?;
    if !response.status().is_success() {
        bail!("{url} answered {}: {}", response.status(), response.text().await.unwrap_or_default().trim());
    }
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn user(db: &Db, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { username, name } => {
            let (added, token) = inbox_relay::add_user(db, &username, &name).await?;
            let what = if added == Added::Reissued { "gave a new token to" } else { "added" };
            eprintln!("inbox-relay: {what} {} ({}). Their token follows, shown this once: give it to them for the app's 则一 account (via relay).", username.trim(), name.trim());
            println!("{token}");
        }
        UserCommand::List => {
            let users = db.list_users().await?;
            if users.is_empty() {
                eprintln!("inbox-relay: no users yet (inbox-relay user add <工号> --name <name>)");
            }
            // The name last: CJK characters take two columns, which padding by count misjudges.
            println!("工号             token     waiting   cursor  since                 name");
            for u in users {
                let state = if u.user.revoked_at.is_some() { "revoked" } else { "live" };
                let since = u.user.revoked_at.unwrap_or(u.user.created_at);
                println!(
                    "{:<16} {:<8} {:>8} {:>8}  {:<21} {}",
                    u.user.username,
                    state,
                    u.waiting,
                    u.acked,
                    date(since),
                    u.user.name
                );
            }
        }
        UserCommand::Revoke { username } => {
            if !db.revoke_user(username.trim(), inbox_relay::now_ms()).await.context("revoking")? {
                bail!("{} has no live token (inbox-relay user list)", username.trim());
            }
            eprintln!("inbox-relay: revoked {}'s token; it is refused from now on, by every instance", username.trim());
        }
    }
    Ok(())
}

/// `YYYY-MM-DD HH:MM` (UTC) of a millisecond time.
fn date(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| ms.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_utc_minutes() {
        assert_eq!(super::date(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::date(1_709_251_200_000 + 3_660_000), "2024-03-01 01:01 UTC");
    }
}
