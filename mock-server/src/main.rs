//! The `coze-mock` binary: `serve`, `check-config` and `wait`.
//!
//! A user error (a bad configuration, a port in use, an unreadable file) prints one
//! `coze-mock: error: …` message with its causes and exits 1: `main` handles the error itself, so no
//! `Error: …` debug dump or backtrace appears, whatever `RUST_BACKTRACE` says.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    Serve(cli::serve::ServeArgs),
    /// Validate a configuration file without serving: every problem, with its line.
    CheckConfig(cli::check_config::CheckConfigArgs),
    /// Wait until a fake at URL answers its health check (for CI scripts).
    Wait(cli::wait::WaitArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COZE_MOCK_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| {
            runtime.block_on(async {
                match cli.command {
                    Command::Serve(args) => cli::serve::run(args).await,
                    Command::CheckConfig(args) => cli::check_config::run(&args),
                    Command::Wait(args) => cli::wait::run(&args).await,
                }
            })
        });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("coze-mock: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
