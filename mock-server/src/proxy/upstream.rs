//! The upstream: the real API (or, in tests, another fake) every forwarded request goes to, unchanged
//! but for its `Host`, over HTTP/1.1 or HTTPS (rustls, the Mozilla roots), never retried.

use std::error::Error as StdError;
use std::time::Duration;

use anyhow::{bail, Context};
use axum::body::Body;
use http::header::{self, HeaderName};
use http::{HeaderMap, Request, Response, Uri};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};

/// Why the upstream gave no (whole) answer: told apart from a divergence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// No connection could be made (refused, no route, the name does not resolve).
    Unreachable,
    /// The TLS handshake failed (not TLS, a bad certificate).
    Tls,
    /// No answer (or no next part of it) within `--upstream-timeout`.
    Timeout,
    /// The upstream closed the connection before its answer was complete.
    Dropped,
}

impl Failure {
    /// How the drift report words it.
    pub fn describe(self) -> &'static str {
        match self {
            Failure::Unreachable => "upstream unreachable",
            Failure::Tls => "TLS failure",
            Failure::Timeout => "upstream timeout",
            Failure::Dropped => "upstream dropped the connection",
        }
    }
}

/// The upstream's base URL and the client that reaches it.
#[derive(Clone)]
pub struct Upstream {
    base: Uri,
    timeout: Duration,
    client: Client<HttpsConnector<HttpConnector>, Body>,
}

impl Upstream {
    /// A client for `url` (`http://` or `https://`, no path), waiting at most `timeout` for an answer.
    pub fn new(url: &str, timeout: Duration) -> anyhow::Result<Upstream> {
        let base = parse_base(url)?;
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new())
            // Never retried: a request the pool thought it could resend may have been a billed clone.
            .retry_canceled_requests(false)
            .build(connector);
        Ok(Upstream {
            base,
            timeout,
            client,
        })
    }

    /// The base URL, as given.
    pub fn base(&self) -> String {
        self.base.to_string().trim_end_matches('/').to_owned()
    }

    /// How long an answer (or the next part of one) may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends `request` (its path and query on the upstream's base) and returns the answer's head and
    /// streaming body.
    pub async fn send(
        &self,
        request: Request<Body>,
    ) -> Result<Response<Incoming>, (Failure, String)> {
        let (mut head, body) = request.into_parts();
        let path = head
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let mut uri = self.base.clone().into_parts();
        uri.path_and_query = path.parse().ok();
        head.uri = Uri::from_parts(uri).map_err(|e| (Failure::Unreachable, e.to_string()))?;
        strip_hop_by_hop(&mut head.headers);
        // The client sets `Host` to the upstream's.
        head.headers.remove(header::HOST);
        let sent = self.client.request(Request::from_parts(head, body));
        match tokio::time::timeout(self.timeout, sent).await {
            Err(_) => Err((
                Failure::Timeout,
                format!("no answer within {:?}", self.timeout),
            )),
            Ok(Ok(response)) => Ok(response),
            Ok(Err(e)) => Err(classify(&e)),
        }
    }
}

/// `http(s)://host[:port]` without a path: anything else is refused with the reason.
fn parse_base(url: &str) -> anyhow::Result<Uri> {
    let uri: Uri = url
        .trim_end_matches('/')
        .parse()
        .with_context(|| format!("--upstream {url:?} is not a URL"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => bail!("--upstream {url:?} is not an http:// or https:// URL"),
    }
    if uri.host().is_none_or(str::is_empty) {
        bail!("--upstream {url:?} has no host");
    }
    if uri.path_and_query().is_some_and(|p| p.as_str() != "/") {
        bail!("--upstream {url:?} has a path: give the API's base URL only (https://api.coze.cn)");
    }
    Ok(uri)
}

/// Tells an unreachable upstream, a TLS failure and a dropped connection apart.
fn classify(e: &hyper_util::client::legacy::Error) -> (Failure, String) {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    let lower = text.to_ascii_lowercase();
    let tls = [
        "tls",
        "certificate",
        "handshake",
        "corrupt message",
        "invalidcontenttype",
    ]
    .iter()
    .any(|w| lower.contains(w));
    let failure = match (e.is_connect(), tls) {
        (_, true) => Failure::Tls,
        (true, false) => Failure::Unreachable,
        (false, false) => Failure::Dropped,
    };
    (failure, text)
}

/// Headers of one connection, not of the message: never forwarded either way.
const HOP_BY_HOP: [HeaderName; 6] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::UPGRADE,
];

/// Removes the hop-by-hop headers (`Transfer-Encoding` stays: hyper frames the body by it).
pub(crate) fn strip_hop_by_hop(headers: &mut HeaderMap) {
    for name in &HOP_BY_HOP {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_http_or_https_base_url_is_an_upstream() {
        for good in ["https://api.coze.cn", "http://127.0.0.1:8080/"] {
            assert!(parse_base(good).is_ok(), "{good}");
        }
        for (bad, why) in [
            ("api.coze.cn", "not an http"),
            ("ftp://api.coze.cn", "not an http"),
            ("https://api.coze.cn/v1", "has a path"),
            ("not a url at all", "not a URL"),
        ] {
            let e = parse_base(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
