//! `coze-mock serve`: flags → configuration → bind → start-up lines → serve until a signal.

use std::path::PathBuf;

use anyhow::{bail, Context};
use coze_mock::__internals::server::{Options, Storage, DEFAULT_DB_PATH};
use coze_mock::__internals::tls::base_url;
use coze_mock::config::{Config, DEFAULT_TOKEN};
use coze_mock::rules::Plan;

use super::tls::{temporary_ca, TlsArgs, CA_FILE_NAME};
use super::{addr, switch};

/// The flags of `serve`.
#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on: IP:PORT or HOST:PORT (a host name binds its first address); port 0 picks
    /// a free port.
    #[arg(long, env = "COZE_MOCK_ADDR", default_value = "127.0.0.1:8080")]
    addr: String,
    /// TOML file declaring accounts, workspaces and tokens. Without it, or if it declares none of
    /// them: token `pat_mock`, enterprise plan, 100 voice slots, one personal workspace.
    #[arg(long, env = "COZE_MOCK_CONFIG")]
    config: Option<PathBuf>,
    /// SQLite database holding voices, clone counts and seeds across restarts [default: coze-mock.db].
    #[arg(long, env = "COZE_MOCK_DB")]
    db: Option<PathBuf>,
    /// Keep all state in memory: every start is fresh (tests). The variable takes true/false, 1/0,
    /// yes/no, on/off; empty is false.
    #[arg(long, env = "COZE_MOCK_IN_MEMORY", num_args = 0..=1, default_missing_value = "true",
          value_parser = switch::parse, default_value = "false")]
    in_memory: bool,
    /// Stop (gracefully, as on SIGTERM) when standard input reaches its end: a parent that gives the
    /// fake a pipe as its stdin ends it by dying, even by SIGKILL (startCozeMock does this).
    #[arg(long)]
    stop_on_stdin_close: bool,
    #[command(flatten)]
    tls: TlsArgs,
    /// Token the admin API (`/__admin/`) requires. Without it, the admin API answers only when the
    /// server listens on a loopback address.
    #[arg(long, env = "COZE_MOCK_ADMIN_TOKEN")]
    admin_token: Option<String>,
}

impl ServeArgs {
    /// The flags of a `serve` given no argument in this environment: its `COZE_MOCK_*` variables alone
    /// (what the container's health check shares with the server it checks).
    pub(crate) fn from_env() -> anyhow::Result<ServeArgs> {
        use clap::{Args, FromArgMatches};
        ServeArgs::augment_args(clap::Command::new("serve"))
            .try_get_matches_from(["serve"])
            .and_then(|matches| ServeArgs::from_arg_matches(&matches))
            .map_err(|e| {
                let message = e.to_string();
                let first = message.lines().next().unwrap_or_default();
                anyhow::anyhow!("the COZE_MOCK_* variables of serve: {first}")
            })
    }

    /// `--addr` as given.
    pub(crate) fn addr(&self) -> &str {
        &self.addr
    }

    /// The TLS flags.
    pub(crate) fn tls(&self) -> &TlsArgs {
        &self.tls
    }

    /// Where the state is kept: in memory, or in `--db` (default `coze-mock.db`).
    pub(crate) fn storage(&self) -> anyhow::Result<Storage> {
        Ok(match (self.in_memory, &self.db) {
            (true, Some(db)) => bail!(
                "--db {} (COZE_MOCK_DB) cannot be used with --in-memory (COZE_MOCK_IN_MEMORY): \
                 choose one, e.g. COZE_MOCK_IN_MEMORY=false to keep state in the database",
                db.display()
            ),
            (true, None) => Storage::InMemory,
            (false, db) => Storage::File(db.clone().unwrap_or_else(|| DEFAULT_DB_PATH.into())),
        })
    }
}

/// Where the generated CA's PEM goes without `--tls-ca-out`: beside the database, or (state in memory)
/// in the temporary directory, named for the `port` served.
pub(crate) fn default_ca(storage: &Storage, port: u16) -> PathBuf {
    match storage {
        Storage::File(db) => db.with_file_name(CA_FILE_NAME),
        Storage::InMemory => temporary_ca(port),
    }
}

/// Serves until Ctrl-C or SIGTERM.
pub(crate) async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let storage = args.storage()?;
    let config = match &args.config {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    };
    if let Some(warning) = config.clone_reach_warning(chrono::Utc::now().timestamp()) {
        tracing::warn!("{warning}");
        eprintln!("coze-mock: warning: {warning}");
    }
    let tls = args.tls.load()?;
    let shutdown = shutdown_signal(args.stop_on_stdin_close)
        .context("installing the Ctrl-C and SIGTERM handlers")?;
    let bind_addr = addr::resolve(&args.addr).await?;
    let listener = tokio::net::TcpListener::bind(bind_addr)
        .await
        .with_context(|| {
            format!("cannot listen on {bind_addr} (--addr {}); another server may hold the port: choose another, or port 0 for a free one", args.addr)
        })?;
    let addr = listener.local_addr()?;
    let trust = match &tls {
        Some(tls) => args
            .tls
            .trust_lines(tls, default_ca(&storage, addr.port()))?,
        None => Vec::new(),
    };
    let base = base_url(tls.as_ref(), addr);
    println!("coze-mock listening on {base}");
    for line in trust {
        println!("{line}");
    }
    match &args.config {
        Some(path) => {
            println!("configuration: {}", path.display());
            if config.has_default_principals() {
                println!(
                    "accounts, workspaces and tokens: the defaults (the file declares none of them)"
                );
            }
            for line in token_lines(&config) {
                println!("{line}");
            }
        }
        None => println!("default configuration: use the token `{DEFAULT_TOKEN}` (Authorization: Bearer {DEFAULT_TOKEN})"),
    }
    println!("clone a voice: POST {base}/v1/audio/voices/clone");
    println!(
        "{}",
        coze_mock::__internals::admin::access_line(
            &base,
            args.admin_token.is_some(),
            addr.ip().is_loopback()
        )
    );
    for notice in coze_mock::__internals::fidelity::startup_notices(&config.fidelity) {
        println!("note: {notice}");
    }
    let options = Options {
        storage,
        admin_token: args.admin_token,
        tls,
    };
    match &options.storage {
        Storage::InMemory => println!("state: in memory"),
        Storage::File(path) => println!("state: {}", path.display()),
    }
    let shutdown = async move {
        shutdown.await;
        println!("coze-mock shutting down: no new connections; in-flight requests finish first");
    };
    coze_mock::__internals::server::serve_with(listener, &config, &options, shutdown).await?;
    println!("coze-mock stopped");
    Ok(())
}

/// One start-up line per token of a configuration file: its value, account and plan, and personal
/// workspace (or a line saying there is none).
fn token_lines(config: &Config) -> Vec<String> {
    if config.tokens.is_empty() {
        return vec!["tokens: none".to_owned()];
    }
    config
        .tokens
        .iter()
        .map(|t| {
            let plan = config
                .accounts
                .iter()
                .find(|a| a.id == t.account)
                .map_or("unknown", |a| plan_name(a.plan));
            format!(
                "token `{}`: account {} ({plan} plan), personal workspace {}",
                t.value, t.account, t.personal_workspace
            )
        })
        .collect()
}

/// The plan as the configuration file spells it.
fn plan_name(plan: Plan) -> &'static str {
    match plan {
        Plan::Personal => "personal",
        Plan::Team => "team",
        Plan::Enterprise => "enterprise",
    }
}

/// Completes on Ctrl-C or SIGTERM, or (with `stdin_close`) once standard input reaches its end. The
/// handlers are installed when it is called, before the server says it is listening: a SIGTERM sent as
/// soon as that line is read stops the server gracefully instead of killing it (the default action).
pub(crate) fn shutdown_signal(
    stdin_close: bool,
) -> std::io::Result<impl std::future::Future<Output = ()>> {
    let signal = os_signal()?;
    Ok(async move {
        if stdin_close {
            tokio::select! {
                () = signal => {},
                () = stdin_closed() => println!("coze-mock: standard input closed"),
            }
        } else {
            signal.await;
        }
    })
}

/// Completes when standard input reaches its end (or fails): a thread reads it and discards what it
/// reads.
async fn stdin_closed() {
    let (closed, on_close) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        use std::io::Read;
        let mut buffer = [0_u8; 256];
        let mut stdin = std::io::stdin().lock();
        while matches!(stdin.read(&mut buffer), Ok(n) if n > 0) {}
        let _ = closed.send(());
    });
    let _ = on_close.await;
}

/// Completes on Ctrl-C or SIGTERM.
fn os_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
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
