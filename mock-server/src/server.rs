//! Binding and serving: [`serve_with`] for the binary, [`MockServer`] for tests in other crates.

use std::future::Future;
use std::net::SocketAddr;
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
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceExt;

use crate::api::router;
use crate::config::{
    all_permissions, AccountConfig, Config, TokenConfig, VoiceConfig, WorkspaceConfig,
};
use crate::faults::Faults;
use crate::journal::{Journal, JournalFilter};
use crate::report::concluded::{self, ConcludedRecord};
use crate::rules::Plan;
use crate::settings::Settings;
use crate::startup::load;
use crate::state::{AdminState, AppState};
use crate::store::SqliteStore;

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
    /// The token the admin API requires; see [`crate::admin`] for the rule without one.
    pub admin_token: Option<String>,
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
        faults: Arc::new(Faults::default()),
        journal: Arc::new(Journal::default()),
        admin: Arc::new(AdminState::new(
            config.clone(),
            options.admin_token.clone(),
            loopback,
        )),
    })
}

/// Serves the fake in memory on `listener` until `shutdown` completes; in-flight requests finish first.
pub async fn serve(
    listener: TcpListener,
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_with(listener, config, &Options::default(), shutdown).await
}

/// Serves the fake with `options` (storage, admin token) on `listener` until `shutdown` completes.
pub async fn serve_with(
    listener: TcpListener,
    config: &Config,
    options: &Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let loopback = listener.local_addr()?.ip().is_loopback();
    let state = build_state(config, options, loopback)?;
    serve_state(listener, state, shutdown).await
}

/// The longest a client may take to send a request's headers; a client that never finishes them is
/// disconnected instead of holding its connection for ever. hyper also applies it to an idle keep-alive
/// connection waiting for its next request (Node's HTTP server closes those after 5 s). Bodies have their
/// own bounds ([`crate::request_body`]).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest read buffer of a connection (hyper's default is about 400 KB). A 100 KiB upload still
/// arrives in one read, and buffers this small stay in the allocator's heap instead of being mapped and
/// unmapped for each request: 16 connections uploading 10 MiB each peak at 22 MiB of RSS instead of 50,
/// and 1 MiB uploads run faster (bench/README.md). Request headers must fit in it too.
pub const READ_BUFFER_MAX_BYTES: usize = 128 * 1024;

/// Accepts connections until `shutdown`, then lets in-flight requests finish. A hand-written loop rather
/// than `axum::serve`, which sets no header read timeout.
async fn serve_state(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = router(state);
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
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(
            app.clone()
                .map_request(|request: http::Request<Incoming>| request.map(axum::body::Body::new)),
        );
        let connection = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
    graceful.shutdown().await;
    Ok(())
}

/// A fake running on 127.0.0.1 on a free port, in memory, stopped when dropped.
///
/// ```no_run
/// # async fn demo() {
/// use mock_server::config::VoiceConfig;
/// use mock_server::rules::Plan;
///
/// // The default: token `pat_mock`, an enterprise account with 100 slots.
/// let server = mock_server::MockServer::start().await;
/// let url = format!("{}/v1/audio/voices/clone", server.uri());
///
/// // Or with accounts, tokens and voices of the test's own.
/// let server = mock_server::MockServer::builder()
///     .account("acme", Plan::Team, 2)
///     .workspace("7000000000000000001", "acme")
///     .token("pat_acme", "acme", "7000000000000000001")
///     .voice(VoiceConfig::new("7000000000000000001", "narrator"))
///     .start()
///     .await;
/// # }
/// ```
pub struct MockServer {
    addr: SocketAddr,
    journal: Arc<Journal>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl MockServer {
    /// Starts a fake with the default configuration (token `pat_mock`).
    pub async fn start() -> MockServer {
        MockServer::start_with(Config::default()).await
    }

    /// Starts a fake with `config`. Panics if the configuration is invalid or no port is free: this is a
    /// test helper, and a test cannot go on without its server.
    pub async fn start_with(config: Config) -> MockServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("bound address");
        let state =
            build_state(&config, &Options::default(), true).expect("valid coze-mock configuration");
        let journal = state.journal.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = serve_state(listener, state, shutdown).await {
                tracing::error!("coze-mock stopped: {e:#}");
            }
        });
        MockServer {
            addr,
            journal,
            stop: Some(stop),
            task,
        }
    }

    /// A builder starting from the default configuration (so `pat_mock` keeps working).
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder {
            config: Config::default(),
        }
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`: what an SDK takes as its base URL.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        self.addr
    }

    /// The requests the server received so far (admin requests aside; the latest 10,000), oldest first,
    /// with their verdict, the rule that decided each and the report's findings: the journal
    /// `GET /__admin/journal` shows.
    pub fn received_requests(&self) -> Vec<ConcludedRecord> {
        concluded::records(&self.journal, 0, usize::MAX, &JournalFilter::default())
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}

/// Accounts, workspaces, tokens and voices for a [`MockServer`], added to the default configuration.
#[derive(Debug, Clone)]
pub struct MockServerBuilder {
    config: Config,
}

impl MockServerBuilder {
    /// Replaces the whole configuration (the default one included).
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Adds an account on `plan` that bought `bought_voice_slots` slots on top of the plan's one.
    pub fn account(mut self, id: &str, plan: Plan, bought_voice_slots: u32) -> Self {
        self.config.accounts.push(AccountConfig {
            id: id.to_owned(),
            plan,
            bought_voice_slots,
            in_arrears: false,
        });
        self
    }

    /// Adds workspace `id` owned by `account`.
    pub fn workspace(mut self, id: &str, account: &str) -> Self {
        self.config.workspaces.push(WorkspaceConfig {
            id: id.to_owned(),
            account: account.to_owned(),
        });
        self
    }

    /// Adds token `value` of `account`, with personal workspace `personal_workspace` and every
    /// permission (`createVoice`, `listVoice`, `createSpeech`). For other permissions or workspaces, use [`Self::token_config`].
    pub fn token(self, value: &str, account: &str, personal_workspace: &str) -> Self {
        self.token_config(TokenConfig {
            value: value.to_owned(),
            account: account.to_owned(),
            personal_workspace: personal_workspace.to_owned(),
            workspaces: Vec::new(),
            permissions: all_permissions(),
            expires_at: None,
        })
    }

    /// Adds a token as the configuration file declares one.
    pub fn token_config(mut self, token: TokenConfig) -> Self {
        self.config.tokens.push(token);
        self
    }

    /// Adds a cloned voice that exists from the start.
    pub fn voice(mut self, voice: VoiceConfig) -> Self {
        self.config.voices.push(voice);
        self
    }

    /// Starts the server; panics if the configuration is invalid (see [`MockServer::start_with`]).
    pub async fn start(self) -> MockServer {
        MockServer::start_with(self.config).await
    }
}
