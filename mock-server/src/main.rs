//! The `coze-mock` binary: `serve`, `check-config`, `wait`, `report` (the library's `report::cli`),
//! `proxy` and `drift` (the library's `proxy`), `openapi`, `asyncapi` and `fidelity`.
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
    /// Wait until a fake at URL answers its health check (for CI scripts and the container's health
    /// check).
    Wait(cli::wait::WaitArgs),
    /// Print a running fake's conformance report; with --fail-on, exit 1 when a finding at that level
    /// exists (2 when the report cannot be read).
    Report(coze_mock::__internals::report::ReportArgs),
    /// Forward a client's traffic to the real API (--upstream) and judge each exchange with a shadow fake:
    /// every difference named by its fidelity ledger row, at /__admin/drift.
    Proxy(cli::proxy::ProxyArgs),
    /// Print a running proxy's drift report; with --fail-on diverged, exit 1 when any exchange diverged
    /// (2 when the report cannot be read).
    Drift(cli::drift::DriftArgs),
    /// Print the OpenAPI 3.1 description of the API (as served at /__mock/openapi.json).
    Openapi,
    /// Print the AsyncAPI 3.0 document of streaming speech (as served at /__mock/asyncapi.json).
    Asyncapi,
    /// Print the fidelity ledger: every choice the fake made where its sources disagree or are silent,
    /// with the evidence and the setting that changes it.
    Fidelity(cli::fidelity::FidelityArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COZE_MOCK_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        // Colours only on a terminal: CI logs and captured output get plain lines.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| {
            runtime.block_on(async {
                let done = |()| ExitCode::SUCCESS;
                match cli.command {
                    Command::Serve(args) => cli::serve::run(args).await.map(done),
                    Command::CheckConfig(args) => cli::check_config::run(&args).map(done),
                    Command::Wait(args) => cli::wait::run(&args).await.map(done),
                    Command::Report(args) => Ok(coze_mock::__internals::report::run(&args).await),
                    Command::Proxy(args) => cli::proxy::run(args).await.map(done),
                    Command::Drift(args) => Ok(cli::drift::run(&args).await),
                    Command::Openapi => cli::openapi::run().map(done),
                    Command::Asyncapi => cli::asyncapi::run().map(done),
                    Command::Fidelity(args) => {
                        cli::fidelity::run(&args);
                        Ok(ExitCode::SUCCESS)
                    }
                }
            })
        });
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("coze-mock: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
