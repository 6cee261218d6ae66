//! A client of a running fake's admin API, for `coze-mock wait` and `coze-mock report`: one `GET` over a
//! fresh HTTP/1.1 connection, to a base URL `http://HOST[:PORT][/PREFIX]` whose HOST is an IPv4
//! address, an IPv6 address in brackets (`http://[::1]:8080`) or a name.

use anyhow::{bail, Context};
use bytes::Bytes;
use http::header::{AUTHORIZATION, HOST};
use http::uri::Authority;
use http::{StatusCode, Uri};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// A fake's base URL, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeUrl {
    /// The URL as given, without a trailing `/`, for messages.
    base: String,
    /// `HOST[:PORT]` as given, for the `Host` header.
    authority: Authority,
    /// The host to connect to: an IPv6 address without its brackets.
    host: String,
    port: u16,
    /// The path before `/__admin/…`, without a trailing `/`.
    prefix: String,
}

/// What the server answered.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: StatusCode,
    /// The whole body.
    pub body: Bytes,
}

impl FakeUrl {
    /// Checks `url` is `http://HOST[:PORT][/PREFIX]`.
    pub fn parse(url: &str) -> anyhow::Result<FakeUrl> {
        let base = url.trim_end_matches('/');
        let uri: Uri = base
            .parse()
            .with_context(|| format!("{url:?} is not a URL"))?;
        let shape = || format!("{url:?} must be http://HOST[:PORT], like http://127.0.0.1:8080");
        if uri.scheme_str() != Some("http") || uri.query().is_some() {
            bail!(shape());
        }
        let Some(authority) = uri.authority().cloned() else {
            bail!(shape());
        };
        if authority.host().is_empty() || authority.as_str().contains('@') {
            bail!(shape());
        }
        Ok(FakeUrl {
            base: base.to_owned(),
            host: authority.host().trim_matches(['[', ']']).to_owned(),
            port: authority.port_u16().unwrap_or(80),
            prefix: uri.path().trim_end_matches('/').to_owned(),
            authority,
        })
    }

    /// The base URL as given, without a trailing `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The full URL of `path` (which starts with `/`), for messages.
    pub fn url_of(&self, path: &str) -> String {
        format!("http://{}{}{path}", self.authority, self.prefix)
    }

    /// `GET path` (which starts with `/`), with the admin token if one is given.
    pub async fn get(&self, path: &str, admin_token: Option<&str>) -> anyhow::Result<Answer> {
        let stream = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .with_context(|| format!("connecting to {}", self.authority))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP handshake")?;
        tokio::spawn(connection);
        let mut request = http::Request::get(format!("{}{path}", self.prefix))
            .header(HOST, self.authority.as_str());
        if let Some(token) = admin_token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let response = sender
            .send_request(request.body(Empty::<Bytes>::new())?)
            .await
            .with_context(|| format!("GET {}", self.url_of(path)))?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .context("reading the answer")?
            .to_bytes();
        Ok(Answer { status, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_host_is_connected_to_without_its_brackets_and_named_with_them() {
        let url = FakeUrl::parse("http://[::1]:8080/").unwrap();
        assert_eq!((url.host.as_str(), url.port), ("::1", 8080));
        assert_eq!(url.authority.as_str(), "[::1]:8080");
        assert_eq!(url.base(), "http://[::1]:8080");
        assert_eq!(
            url.url_of("/__admin/health"),
            "http://[::1]:8080/__admin/health"
        );
    }

    #[test]
    fn ipv4_names_default_ports_and_prefixes_are_kept() {
        let url = FakeUrl::parse("http://127.0.0.1:9").unwrap();
        assert_eq!((url.host.as_str(), url.port), ("127.0.0.1", 9));
        let url = FakeUrl::parse("http://localhost/fake/").unwrap();
        assert_eq!((url.host.as_str(), url.port), ("localhost", 80));
        assert_eq!(
            url.url_of("/__admin/report"),
            "http://localhost/fake/__admin/report"
        );
    }

    #[test]
    fn anything_but_an_http_base_url_is_refused_with_the_expected_shape() {
        for url in [
            "127.0.0.1:8080",
            "ftp://127.0.0.1:8080",
            "http://",
            "http://user@127.0.0.1:8080",
            "http://127.0.0.1:8080/?x=1",
            "not a url",
        ] {
            let err = FakeUrl::parse(url).unwrap_err().to_string();
            assert!(
                err.contains("must be http://HOST[:PORT]") || err.contains("is not a URL"),
                "{url}: {err}"
            );
        }
    }
}
