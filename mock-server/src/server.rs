//! Binding and serving, as the binary runs the fake: the state a server starts from ([`build_state`]) and
//! the accept loop ([`serve_with`]). The in-process handle for tests is [`crate::in_process`].

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use std::time::Duration;

use anyhow::Context;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder as ConnectionBuilder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::api::router;
use crate::config::Config;
use crate::faults::Faults;
use crate::journal::Journal;
use crate::settings::Settings;
use crate::startup::load;
use crate::state::{AdminState, AppState, Scheme};
use crate::store::SqliteStore;
use crate::tls::Tls;

/// The database the binary uses without `--db` or `--in-memory`: `coze-mock.db` in the working
/// directory, so each project that runs the fake keeps its own state beside its configuration.
pub const DEFAULT_DB_PATH: &str = "coze-mock.db";

/// Where the state lives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Storage {
    /// In memory, gone when the server stops: tests, and `--in-memory`.
    #[default]
    InMemory,
    /// In the SQLite database at this path, created if absent.
    File(PathBuf),
}

/// How the server runs, beyond the configuration's accounts and voices.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Where the state lives.
    pub storage: Storage,
    /// The token the admin API requires; see the `admin` module for the rule without one.
    pub admin_token: Option<String>,
    /// HTTPS with this certificate instead of plain HTTP.
    pub tls: Option<Tls>,
}

/// Builds the state of a server with `config`, listening on a loopback address or not.
pub fn build_state(config: &Config, options: &Options, loopback: bool) -> anyhow::Result<AppState> {
    let store = match &options.storage {
        Storage::InMemory => Arc::new(SqliteStore::in_memory()),
        Storage::File(path) => Arc::new(
            SqliteStore::open(path).with_context(|| format!("opening {}", path.display()))?,
        ),
    };
    let directory =
        load(config, &store).context("the configuration, with the seeds stored in the database")?;
    Ok(AppState {
        directory: Arc::new(directory),
        store,
        settings: Arc::new(Settings::of(config)),
        scheme: if options.tls.is_some() {
            Scheme::Https
        } else {
            Scheme::Http
        },
        faults: Arc::new(Faults::default()),
        journal: Arc::new(Journal::default()),
        admin: Arc::new(AdminState::new(
            config.clone(),
            options.admin_token.clone(),
            loopback,
        )),
    })
}

/// Serves the fake with `options` (storage, admin token, TLS) on `listener` until `shutdown` completes;
/// in-flight requests finish first.
pub async fn serve_with(
    listener: TcpListener,
    config: &Config,
    options: &Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let loopback = listener.local_addr()?.ip().is_loopback();
    let state = build_state(config, options, loopback)?;
    let tls = options.tls.as_ref().map(Tls::acceptor);
    serve_state(listener, state, tls, shutdown).await
}

/// The longest a client may take to send a request's headers; a client that never finishes them is
/// disconnected instead of holding its connection for ever. hyper also applies it to an idle keep-alive
/// connection waiting for its next request (Node's HTTP server closes those after 5 s). Bodies have their
/// own bounds ([`crate::request_body`]).
pub(crate) const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest read buffer of a connection (hyper's default is about 400 KB). A 100 KiB upload still
/// arrives in one read, and buffers this small stay in the allocator's heap instead of being mapped for
/// each request (measured: bench/README.md, "A connection's reads"). Request headers must fit in it too.
pub const READ_BUFFER_MAX_BYTES: usize = 128 * 1024;

/// Accepts connections until `shutdown`, then lets in-flight requests finish. A hand-written loop rather
/// than `axum::serve`, which sets no header read timeout. With `tls`, HTTPS.
pub(crate) async fn serve_state(
    listener: TcpListener,
    state: AppState,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = router(state);
    let service = TowerToHyperService::new(
        app.map_request(|request: http::Request<Incoming>| request.map(axum::body::Body::new)),
    );
    serve_connections(listener, service, tls, shutdown).await
}

/// Serves `service` on every connection `listener` accepts until `shutdown`, with the fake's connection
/// settings ([`HEADER_READ_TIMEOUT`], [`READ_BUFFER_MAX_BYTES`]); in-flight requests finish first. A
/// service error closes its connection without an answer (what the proxy does when its upstream drops).
/// With `tls`, each connection's handshake runs in its own task, bounded by [`HEADER_READ_TIMEOUT`] like
/// the headers that follow it.
pub(crate) async fn serve_connections<S, B>(
    listener: TcpListener,
    service: S,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()>
where
    S: hyper::service::Service<http::Request<Incoming>, Response = http::Response<B>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let graceful = GracefulShutdown::new();
    let mut builder = ConnectionBuilder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_buf_size(READ_BUFFER_MAX_BYTES);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // Small writes go out at once: a streaming-speech session's events would otherwise
                    // wait for the client's delayed ACK (40 ms on Linux) behind the one before.
                    let _ = stream.set_nodelay(true);
                    stream
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = service.clone();
        match &tls {
            None => {
                let connection = builder
                    .serve_connection_with_upgrades(TokioIo::new(stream), service)
                    .into_owned();
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!("connection ended: {e}");
                    }
                });
            }
            Some(acceptor) => {
                let handshake = acceptor.accept(stream);
                let (builder, watcher) = (builder.clone(), graceful.watcher());
                tokio::spawn(async move {
                    let stream = match tokio::time::timeout(HEADER_READ_TIMEOUT, handshake).await {
                        Ok(Ok(stream)) => stream,
                        Ok(Err(e)) => return tracing::debug!("TLS handshake failed: {e}"),
                        Err(_) => return tracing::debug!("TLS handshake timed out"),
                    };
                    let connection = builder
                        .serve_connection_with_upgrades(TokioIo::new(stream), service)
                        .into_owned();
                    if let Err(e) = watcher.watch(connection).await {
                        tracing::debug!("connection ended: {e}");
                    }
                });
            }
        }
    }
    graceful.shutdown().await;
    Ok(())
}
