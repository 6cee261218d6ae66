//! The WebSocket upstream of streaming speech (`--ws-upstream`, env `COZE_MOCK_WS_UPSTREAM`): by default
//! derived from `--upstream` as the SDKs derive their WebSocket base (cozepy's `http_base_url_to_ws`
//! turns `https://api.coze.cn` into `wss://ws.coze.cn`, `api-` hosts into `ws-` ones; @coze/api pairs
//! `COZE_CN_BASE_URL` with `COZE_CN_BASE_WS_URL` the same way). The handshake is made once, over the same
//! rustls client and Mozilla roots as the HTTP upstream, and never retried.

use std::time::Duration;

use anyhow::{bail, Context};
use http::header::{self, HeaderName};
use http::{HeaderMap, Uri};
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Response as HandshakeAnswer;
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::WebSocketStream;
use tower::Service;

use super::upstream::{strip_hop_by_hop, Failure};

/// A WebSocket to the upstream.
pub(crate) type UpstreamSocket = WebSocketStream<TokioIo<MaybeHttpsStream<TokioIo<TcpStream>>>>;

/// The handshake's headers a client sends for its own connection: never forwarded (the proxy makes its
/// own handshake to the upstream).
const HANDSHAKE_HEADERS: [HeaderName; 5] = [
    header::HOST,
    header::SEC_WEBSOCKET_KEY,
    header::SEC_WEBSOCKET_VERSION,
    header::SEC_WEBSOCKET_EXTENSIONS,
    header::CONTENT_LENGTH,
];

/// What the upstream made of the handshake.
pub(crate) enum Handshake {
    /// `101`: the session is open.
    Accepted(Box<UpstreamSocket>, HandshakeAnswer),
    /// Another answer (a refused token): relayed to the client unchanged.
    Refused(HandshakeAnswer),
}

/// The WebSocket base URL and the connector that reaches it.
#[derive(Clone)]
pub struct WsUpstream {
    base: Uri,
    timeout: Duration,
    connector: HttpsConnector<HttpConnector>,
}

impl WsUpstream {
    /// The upstream at `url` (`ws(s)://` or `http(s)://`, no path), or the one derived from the HTTP
    /// `upstream` without it; a handshake may take at most `timeout`.
    pub fn new(url: Option<&str>, upstream: &str, timeout: Duration) -> anyhow::Result<WsUpstream> {
        let base = match url {
            Some(url) => parse_ws_base(url, "--ws-upstream")?,
            None => parse_ws_base(&derive(upstream), "--upstream")?,
        };
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        Ok(WsUpstream {
            base,
            timeout,
            connector,
        })
    }

    /// The base URL (`wss://ws.coze.cn`).
    pub fn base(&self) -> String {
        self.base.to_string().trim_end_matches('/').to_owned()
    }

    /// Opens a session at `path_and_query` with the client's `headers` (its `Authorization` among them;
    /// the token in the query travels with the query).
    pub(crate) async fn open(
        &self,
        path_and_query: &str,
        headers: &HeaderMap,
    ) -> Result<Handshake, (Failure, String)> {
        let url = format!("{}{path_and_query}", self.base());
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|e| (Failure::Unreachable, format!("{url}: {e}")))?;
        let mut forwarded = headers.clone();
        strip_hop_by_hop(&mut forwarded);
        for name in &HANDSHAKE_HEADERS {
            forwarded.remove(name);
        }
        for (name, value) in &forwarded {
            request.headers_mut().append(name, value.clone());
        }
        let connect_to: Uri = match self.base.scheme_str() {
            Some("wss") => format!("https://{}", self.authority()),
            _ => format!("http://{}", self.authority()),
        }
        .parse()
        .map_err(|e: http::uri::InvalidUri| (Failure::Unreachable, e.to_string()))?;
        let mut connector = self.connector.clone();
        let opening = async move {
            let stream = connector
                .call(connect_to)
                .await
                .map_err(|e| classify_connect(&*e))?;
            match tokio_tungstenite::client_async(request, TokioIo::new(stream)).await {
                Ok((socket, answer)) => Ok(Handshake::Accepted(Box::new(socket), answer)),
                Err(WsError::Http(answer)) => Ok(Handshake::Refused(*answer)),
                Err(e) => Err(classify_handshake(&e)),
            }
        };
        match tokio::time::timeout(self.timeout, opening).await {
            Ok(result) => result,
            Err(_) => Err((
                Failure::Timeout,
                format!("no handshake answer within {:?}", self.timeout),
            )),
        }
    }

    fn authority(&self) -> String {
        self.base
            .authority()
            .map(ToString::to_string)
            .unwrap_or_default()
    }
}

/// The WebSocket base the SDKs derive from an HTTP base URL: `https` → `wss`, `http` → `ws`; a host that
/// starts with `api.` or `api-` starts with `ws.` or `ws-` instead, any other host is kept.
pub(crate) fn derive(upstream: &str) -> String {
    let url = upstream.trim_end_matches('/');
    let (scheme, rest) = match url.split_once("://") {
        Some(("https", rest)) => ("wss", rest),
        Some(("http", rest)) => ("ws", rest),
        _ => return url.to_owned(),
    };
    let rest = match rest
        .strip_prefix("api.")
        .or_else(|| rest.strip_prefix("api-"))
    {
        Some(tail) => format!("ws{}{tail}", &rest[3..4]),
        None => rest.to_owned(),
    };
    format!("{scheme}://{rest}")
}

/// `ws(s)://host[:port]` (or `http(s)://`, read as `ws(s)://`) without a path: anything else is refused
/// with the reason, naming `flag`.
fn parse_ws_base(url: &str, flag: &str) -> anyhow::Result<Uri> {
    let trimmed = url.trim_end_matches('/');
    let uri: Uri = trimmed
        .parse()
        .with_context(|| format!("{flag} {url:?} is not a URL"))?;
    let scheme = match uri.scheme_str() {
        Some("ws" | "http") => "ws",
        Some("wss" | "https") => "wss",
        _ => bail!("{flag} {url:?} is not a ws://, wss://, http:// or https:// URL"),
    };
    let Some(authority) = uri.authority().filter(|a| !a.host().is_empty()) else {
        bail!("{flag} {url:?} has no host");
    };
    if uri.path_and_query().is_some_and(|p| p.as_str() != "/") {
        bail!("{flag} {url:?} has a path: give the base URL only (wss://ws.coze.cn)");
    }
    format!("{scheme}://{authority}")
        .parse()
        .with_context(|| format!("{flag} {url:?} is not a URL"))
}

/// Tells a TLS failure from an unreachable host.
fn classify_connect(e: &(dyn std::error::Error + 'static)) -> (Failure, String) {
    let text = chain(e);
    let failure = if looks_like_tls(&text) {
        Failure::Tls
    } else {
        Failure::Unreachable
    };
    (failure, text)
}

/// A handshake that ended without an answer: TLS, or a connection the upstream dropped.
fn classify_handshake(e: &WsError) -> (Failure, String) {
    let text = chain(e);
    let failure = if matches!(e, WsError::Tls(_)) || looks_like_tls(&text) {
        Failure::Tls
    } else {
        Failure::Dropped
    };
    (failure, text)
}

fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn looks_like_tls(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "tls",
        "certificate",
        "corrupt message",
        "invalidcontenttype",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ws_base_is_derived_as_the_sdks_derive_it() {
        for (http, ws) in [
            ("https://api.coze.cn", "wss://ws.coze.cn"),
            ("https://api.coze.com/", "wss://ws.coze.com"),
            ("https://api-bot.example.com", "wss://ws-bot.example.com"),
            ("http://127.0.0.1:8080", "ws://127.0.0.1:8080"),
            ("https://localhost:9443", "wss://localhost:9443"),
            ("http://apiary.example", "ws://apiary.example"),
        ] {
            assert_eq!(derive(http), ws, "{http}");
        }
    }

    #[test]
    fn only_a_ws_or_http_base_url_is_a_ws_upstream() {
        for (good, base) in [
            ("wss://ws.coze.cn", "wss://ws.coze.cn"),
            ("ws://127.0.0.1:9000/", "ws://127.0.0.1:9000"),
            ("https://ws.coze.cn", "wss://ws.coze.cn"),
            ("http://127.0.0.1:9000", "ws://127.0.0.1:9000"),
        ] {
            let upstream =
                WsUpstream::new(Some(good), "https://api.coze.cn", Duration::from_secs(1));
            assert_eq!(upstream.unwrap().base(), base, "{good}");
        }
        for (bad, why) in [
            (
                "ftp://ws.coze.cn",
                "not a ws://, wss://, http:// or https:// URL",
            ),
            ("ws.coze.cn", "not a ws://"),
            ("wss://ws.coze.cn/v1", "has a path"),
            ("not a url at all", "not a URL"),
        ] {
            let e = parse_ws_base(bad, "--ws-upstream").unwrap_err().to_string();
            assert!(
                e.contains(why) && e.starts_with("--ws-upstream"),
                "{bad}: {e}"
            );
        }
    }
}
