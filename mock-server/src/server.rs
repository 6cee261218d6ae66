//! Binding and serving: [`serve`] for the binary, [`MockServer`] for tests in other crates.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::api::{router, AppState};
use crate::config::Config;
use crate::store::MemoryStore;

/// Serves the fake on `listener` until `shutdown` completes; in-flight requests finish first.
pub async fn serve(
    listener: TcpListener,
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = AppState {
        directory: Arc::new(config.validate()?),
        store: Arc::new(MemoryStore::new()),
    };
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

/// A fake running on 127.0.0.1 on a free port, stopped when dropped.
///
/// ```no_run
/// # async fn demo() {
/// let server = mock_server::MockServer::start().await;
/// let url = format!("{}/v1/audio/voices/clone", server.uri());
/// # }
/// ```
pub struct MockServer {
    addr: SocketAddr,
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
        config.validate().expect("valid coze-mock configuration");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("bound address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = serve(listener, &config, shutdown).await {
                tracing::error!("coze-mock stopped: {e:#}");
            }
        });
        MockServer {
            addr,
            stop: Some(stop),
            task,
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
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}
