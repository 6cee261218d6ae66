//! [`MockServer`]: a fake served from inside a test's own process, on a free port of 127.0.0.1, stopped
//! when the handle is dropped; [`MockServerBuilder`] gives it accounts, tokens and voices of the test's own,
//! and HTTPS.

mod builder;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use builder::MockServerBuilder;

use crate::config::Config;
use crate::journal::{Journal, JournalFilter};
use crate::report::concluded::{self, ConcludedRecord};
use crate::server::{build_state, serve_state, Options};
use crate::tls::Tls;

/// A fake running on 127.0.0.1 on a free port, in memory, stopped when dropped.
///
/// ```no_run
/// # async fn demo() {
/// use coze_mock::config::VoiceConfig;
/// use coze_mock::rules::Plan;
///
/// // The default: token `pat_mock`, an enterprise account with 100 slots.
/// let server = coze_mock::MockServer::start().await;
/// let url = format!("{}/v1/audio/voices/clone", server.uri());
///
/// // Or with accounts, tokens and voices of the test's own.
/// let server = coze_mock::MockServer::builder()
///     .account("acme", Plan::Team, 2)
///     .workspace("7000000000000000001", "acme")
///     .token("pat_acme", "acme", "7000000000000000001")
///     .voice(VoiceConfig::new("7000000000000000001", "narrator"))
///     .start()
///     .await;
///
/// // Over HTTPS, with a certificate made at start-up for 127.0.0.1: trust `ca_pem()`.
/// let server = coze_mock::MockServer::builder().tls().start().await;
/// assert!(server.uri().starts_with("https://127.0.0.1:"));
/// let ca_pem = server.ca_pem().expect("a generated CA");
/// # }
/// ```
pub struct MockServer {
    addr: SocketAddr,
    tls: Option<Tls>,
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
        MockServer::launch(config, Options::default()).await
    }

    /// Starts a fake with `config` and `options`, panicking as [`MockServer::start_with`] does.
    async fn launch(config: Config, options: Options) -> MockServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("bound address");
        let state = build_state(&config, &options, true).expect("valid coze-mock configuration");
        let tls = options.tls;
        let acceptor = tls.as_ref().map(Tls::acceptor);
        let journal = state.journal.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = serve_state(listener, state, acceptor, shutdown).await {
                tracing::error!("coze-mock stopped: {e:#}");
            }
        });
        MockServer {
            addr,
            tls,
            journal,
            stop: Some(stop),
            task,
        }
    }

    /// A builder starting from the default configuration (so `pat_mock` keeps working).
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::from_default_config()
    }

    /// The base URL, e.g. `http://127.0.0.1:41234` (`https://…` with [`MockServerBuilder::tls`]): what
    /// an SDK takes as its base URL.
    pub fn uri(&self) -> String {
        crate::tls::base_url(self.tls.as_ref(), self.addr)
    }

    /// With [`MockServerBuilder::tls`], the PEM of the certificate authority a client trusts to reach
    /// [`MockServer::uri`] (e.g. reqwest's `Certificate::from_pem`); `None` over plain HTTP.
    pub fn ca_pem(&self) -> Option<&str> {
        self.tls.as_ref().and_then(Tls::ca_pem)
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
