//! `coze-mock proxy --upstream URL`: flags → shadow configuration → bind → start-up lines → serve until a
//! signal (the library's `proxy`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use coze_mock::__internals::proxy::record::RecordSettings;
use coze_mock::__internals::proxy::spend::Spend;
use coze_mock::__internals::proxy::ws_upstream::WsUpstream;
use coze_mock::__internals::proxy::{ProxySettings, DRIFT_PATH};
use coze_mock::__internals::server::{Options, Storage};
use coze_mock::__internals::tls::base_url;
use coze_mock::config::Config;

use super::addr;
use super::serve::shutdown_signal;
use super::tls::{temporary_ca, TlsArgs};

/// The flags of `proxy`.
#[derive(clap::Args)]
pub(crate) struct ProxyArgs {
    /// The real API's base URL (`https://api.coze.cn` or `https://api.coze.com`); any http(s) URL without
    /// a path.
    #[arg(long, env = "COZE_MOCK_UPSTREAM")]
    upstream: String,
    /// What may reach the upstream. none: only the voice list (free). refusals: also the requests the
    /// fake predicts the real API refuses (nothing is created). all: everything (clones and speech are
    /// billed).
    /// (Checked by `run`, so another value is a one-line error.)
    #[arg(
        long,
        env = "COZE_MOCK_SPEND",
        default_value = "none",
        value_name = "none|refusals|all"
    )]
    spend: String,
    /// Address to listen on: IP:PORT or HOST:PORT; port 0 picks a free port.
    #[arg(long, env = "COZE_MOCK_ADDR", default_value = "127.0.0.1:8080")]
    addr: String,
    /// The shadow fake's configuration: your own tokens file (accounts, plans, workspaces, tokens).
    /// Without it the upstream decides authentication: a token becomes an account that may clone once the
    /// upstream accepts it, and its refusal of a token is judged against the fake's own answer.
    /// A request not forwarded (--spend none, refusals) takes any token the upstream has not refused.
    #[arg(long, env = "COZE_MOCK_CONFIG")]
    config: Option<PathBuf>,
    /// Write each forwarded exchange to DIR, in the format `drift replay` reads (never a token); a
    /// streaming-speech handshake the upstream refused too (replayed with its upgrade headers). An
    /// accepted streaming-speech session, which that format cannot hold, is written beside them as
    /// NNNNNN-speech_stream.session: its events' types and shapes and error codes (no audio, no token),
    /// which the replay does not read.
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
    /// With --record: keep each upload's bytes beside its exchange (otherwise its hash, size, format
    /// and duration only).
    #[arg(long, requires = "record")]
    record_audio: bool,
    /// With --record: replace workspace and voice ids with placeholders.
    #[arg(long, requires = "record")]
    redact_ids: bool,
    /// How long the upstream may take to answer, or to send the next part of an answer (e.g. 60s, 2m).
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    upstream_timeout: Duration,
    #[command(flatten)]
    tls: TlsArgs,
    /// The WebSocket base URL of streaming speech (`GET /v1/audio/speech` upgraded), where --spend all
    /// relays sessions: ws:// or wss:// (http(s):// is read as ws(s)://), no path [default: derived from
    /// --upstream as the SDKs derive it: https://api.coze.cn -> wss://ws.coze.cn; another host is kept,
    /// with ws(s)]. Under --spend none and refusals the shadow fake answers every session itself.
    #[arg(long, env = "COZE_MOCK_WS_UPSTREAM", value_name = "URL")]
    ws_upstream: Option<String>,
    /// Token the admin API (`/__admin/`, the drift report included) requires. Without it, the admin API
    /// answers only when the proxy listens on a loopback address.
    #[arg(long, env = "COZE_MOCK_ADMIN_TOKEN")]
    admin_token: Option<String>,
}

/// Serves the proxy until Ctrl-C or SIGTERM.
pub(crate) async fn run(args: ProxyArgs) -> anyhow::Result<()> {
    let spend = match args.spend.as_str() {
        "none" => Spend::None,
        "refusals" => Spend::Refusals,
        "all" => Spend::All,
        other => anyhow::bail!("--spend {other:?}: none, refusals or all"),
    };
    let config = match &args.config {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    };
    let settings = ProxySettings {
        upstream: args.upstream.clone(),
        spend,
        upstream_timeout: args.upstream_timeout,
        learn_tokens: args.config.is_none(),
        record: args.record.clone().map(|dir| RecordSettings {
            dir,
            audio: args.record_audio,
            redact_ids: args.redact_ids,
        }),
        ws_upstream: args.ws_upstream.clone(),
    };
    // Checked before binding, so a bad --upstream is a one-line error and nothing listens.
    coze_mock::__internals::proxy::upstream::Upstream::new(
        &settings.upstream,
        settings.upstream_timeout,
    )?;
    let ws_upstream = WsUpstream::new(
        settings.ws_upstream.as_deref(),
        &settings.upstream,
        settings.upstream_timeout,
    )?;
    let tls = args.tls.load()?;
    let shutdown = shutdown_signal(false).context("installing the Ctrl-C and SIGTERM handlers")?;
    let bind_addr = addr::resolve(&args.addr).await?;
    let listener = tokio::net::TcpListener::bind(bind_addr)
        .await
        .with_context(|| {
            format!("cannot listen on {bind_addr} (--addr {}); choose another port, or 0 for a free one", args.addr)
        })?;
    let addr = listener.local_addr()?;
    let trust = match &tls {
        Some(tls) => args.tls.trust_lines(tls, temporary_ca(addr.port()))?,
        None => Vec::new(),
    };
    let base = base_url(tls.as_ref(), addr);
    println!("coze-mock listening on {base}");
    for line in trust {
        println!("{line}");
    }
    println!(
        "proxy to {}: point your client's base URL at {base} and send your real token",
        args.upstream.trim_end_matches('/')
    );
    println!(
        "streaming speech (GET /v1/audio/speech upgraded): {}",
        match spend {
            Spend::All => format!("relayed to {}", ws_upstream.base()),
            Spend::None | Spend::Refusals => format!(
                "answered by the shadow fake alone (--spend all relays it to {})",
                ws_upstream.base()
            ),
        }
    );
    println!("spend {}: {}", spend.name(), spend.cost());
    if spend == Spend::All {
        eprintln!(
            "coze-mock: warning: --spend all forwards every clone (a real voice, one of its 10 trainings, billed) and every speech request (billed)"
        );
    }
    match &args.config {
        Some(path) => println!("shadow configuration: {}", path.display()),
        None => println!(
            "shadow: the upstream decides authentication (no --config); a request not forwarded takes any token it has not refused"
        ),
    }
    println!("drift report: {base}{DRIFT_PATH} (coze-mock drift --url {base})");
    println!(
        "{}",
        coze_mock::__internals::admin::access_line(
            &base,
            args.admin_token.is_some(),
            addr.ip().is_loopback()
        )
    );
    if let Some(dir) = &args.record {
        println!("recording forwarded exchanges to {}", dir.display());
    }
    let options = Options {
        storage: Storage::InMemory,
        admin_token: args.admin_token,
        tls,
    };
    let shutdown = async move {
        shutdown.await;
        println!("coze-mock proxy shutting down: in-flight exchanges finish first");
    };
    coze_mock::__internals::proxy::serve_proxy(listener, &config, &options, settings, shutdown)
        .await?;
    println!("coze-mock proxy stopped");
    Ok(())
}
