//! `vendor-sim`: runs every vendor simulator for demos and end-to-end tests.
//!
//! `vendor-sim serve [--addr 127.0.0.1:0] [--seed N] [--approvals N] [--wild]
//! [--zeyi-callback-url URL] [--zeyi-whitelist 127.0.0.2,…]` prints one JSON line per
//! vendor (`{"vendor","base_url","settings","secrets"}`) on stdout, then serves until Ctrl-C or
//! SIGTERM. Logs go to stderr (`RUST_LOG` filters them).

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;

use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "vendor-sim", version, about = "Local simulators of the vendor approval APIs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start every simulator and print each demo account as a JSON line.
    Serve {
        /// Address of the first vendor; port 0 gives every vendor a free port, a fixed port is
        /// used by yomicloud and the next vendors take the following ports.
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: SocketAddr,
        /// Seed of the generated data (same seed, same data).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// How many approvals each simulator holds (fxiaoke too, however slow its rate limit
        /// makes a sync of many).
        #[arg(long, default_value_t = 200)]
        approvals: usize,
        /// Where the zeyi simulator (则一) POSTs its signed callbacks, e.g. the URL
        /// `inbox callbacks serve` prints. Without it, decisions are kept but not delivered.
        #[arg(long)]
        zeyi_callback_url: Option<String>,
        /// Client addresses the zeyi simulator (则一) accepts calls from, like its IP whitelist
        /// (e.g. `--zeyi-whitelist 127.0.0.2`, the address an `inbox-relay` with
        /// `outbound_addr = "127.0.0.2"` calls from); others are refused with
        /// `IP_NOT_WHITELISTED`. Without it, every caller is accepted.
        #[arg(long, value_delimiter = ',', num_args = 1..)]
        zeyi_whitelist: Vec<std::net::IpAddr>,
        /// Serve a real tenant's data: unknown enum words, fields no document lists, optional
        /// fields missing or null, field types beyond the examples, long and rare-character
        /// texts (see `wild.rs`).
        #[arg(long)]
        wild: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_logging();
    match Cli::parse().command {
        Command::Serve { addr, seed, approvals, zeyi_callback_url, zeyi_whitelist, wild } => {
            let tenant = if wild { vendor_sim::Tenant::Wild } else { vendor_sim::Tenant::Tidy };
            let zeyi = ZeyiOptions { callback_url: zeyi_callback_url, whitelist: zeyi_whitelist };
            serve(addr, seed, approvals, zeyi, tenant).await
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::stderr().is_terminal();
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).init();
}

/// What `serve` sets on the zeyi simulator.
struct ZeyiOptions {
    callback_url: Option<String>,
    /// Empty: no whitelist.
    whitelist: Vec<std::net::IpAddr>,
}

async fn serve(
    addr: SocketAddr,
    seed: u64,
    approvals: usize,
    zeyi: ZeyiOptions,
    tenant: vendor_sim::Tenant,
) -> anyhow::Result<()> {
    let running = vendor_sim::start_tenants(addr, seed, approvals, tenant).await?;
    running.zeyi().set_callback_url(zeyi.callback_url);
    running.zeyi().set_whitelist((!zeyi.whitelist.is_empty()).then_some(zeyi.whitelist));
    let mut out = std::io::stdout().lock();
    for account in running.accounts() {
        writeln!(out, "{}", serde_json::to_string(account)?).context("cannot write to stdout")?;
    }
    out.flush().context("cannot flush stdout")?;
    drop(out);
    wait_for_stop().await?;
    tracing::info!("stopping");
    running.shutdown().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix.
async fn wait_for_stop() -> anyhow::Result<()> {
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
