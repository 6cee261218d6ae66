//! The `coze-mock` binary: flags → configuration → tracing → bind → serve.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use mock_server::config::{Config, DEFAULT_TOKEN};
use mock_server::server::{Options, Storage, DEFAULT_DB_PATH};

/// An offline, faithful fake of Coze's voice-clone API.
#[derive(Parser)]
#[command(name = "coze-mock", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the fake API until Ctrl-C or SIGTERM.
    Serve(ServeArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "COZE_MOCK_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// TOML file declaring accounts, workspaces and tokens. Without it: token `pat_mock`, team plan,
    /// 100 voice slots, one personal workspace.
    #[arg(long, env = "COZE_MOCK_CONFIG")]
    config: Option<PathBuf>,
    /// SQLite database holding voices, clone counts and seeds across restarts.
    #[arg(long, env = "COZE_MOCK_DB", default_value = DEFAULT_DB_PATH, conflicts_with = "in_memory")]
    db: PathBuf,
    /// Keep all state in memory: every start is fresh (tests).
    #[arg(long, env = "COZE_MOCK_IN_MEMORY")]
    in_memory: bool,
    /// Token the admin API (`/__admin/`) requires. Without it, the admin API answers only when the
    /// server listens on a loopback address.
    #[arg(long, env = "COZE_MOCK_ADMIN_TOKEN")]
    admin_token: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COZE_MOCK_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    let Command::Serve(args) = Cli::parse().command;
    let config = match &args.config {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    };
    config.validate()?;
    let shutdown = shutdown_signal().context("installing the Ctrl-C and SIGTERM handlers")?;
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("binding {}", args.addr))?;
    let addr = listener.local_addr()?;
    println!("coze-mock listening on http://{addr}");
    match &args.config {
        Some(path) => println!("configuration: {}", path.display()),
        None => println!("default configuration: use the token `{DEFAULT_TOKEN}` (Authorization: Bearer {DEFAULT_TOKEN})"),
    }
    println!("clone a voice: POST http://{addr}/v1/audio/voices/clone");
    let options = Options {
        storage: if args.in_memory {
            Storage::InMemory
        } else {
            Storage::File(args.db.clone())
        },
        admin_token: args.admin_token,
    };
    match &options.storage {
        Storage::InMemory => println!("state: in memory"),
        Storage::File(path) => println!("state: {}", path.display()),
    }
    mock_server::server::serve_with(listener, &config, &options, shutdown).await
}

/// Completes on Ctrl-C or SIGTERM. The handlers are installed when it is called, before the server says
/// it is listening: a SIGTERM sent as soon as that line is read stops the server gracefully instead of
/// killing it (the default action).
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
