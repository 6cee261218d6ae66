use coze_mock::{MockServer, MockServerBuilder};

/// The variable that makes [`builder`] serve HTTPS: `.ci/run` runs a subset of the suite with it, so
/// every endpoint is also exercised over TLS.
const TLS_MODE: &str = "COZE_MOCK_TEST_TLS";

/// Whether this run's in-process servers serve HTTPS.
pub(crate) fn tls_mode() -> bool {
    std::env::var(TLS_MODE).is_ok_and(|v| v == "1")
}

/// [`MockServer::builder`], with `.tls()` when the run is in TLS mode.
pub(crate) fn builder() -> MockServerBuilder {
    let builder = MockServer::builder();
    if tls_mode() {
        builder.tls()
    } else {
        builder
    }
}

/// A server with the default configuration, over HTTPS in TLS mode.
pub(crate) async fn start_default() -> MockServer {
    builder().start().await
}
