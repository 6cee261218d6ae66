//! A client of a running fake's admin API, for `coze-mock wait`, `report` and `drift`: one `GET` over a
//! fresh HTTP/1.1 connection, to a base URL `http[s]://HOST[:PORT][/PREFIX]` whose HOST is an IPv4
//! address, an IPv6 address in brackets (`http://[::1]:8080`) or a name.
//!
//! Over `https://` it speaks TLS (rustls on ring) and trusts the Mozilla roots (compiled in, as the
//! proxy's client does), the certificates of `SSL_CERT_FILE` when it is set, and those of `--ca FILE`
//! (`COZE_MOCK_CA`): the certificate authority `serve --tls` writes. A certificate it does not trust is a
//! [`CertificateRefused`] that names the flag which fixes it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use bytes::Bytes;
use http::header::{AUTHORIZATION, HOST};
use http::uri::Authority;
use http::{StatusCode, Uri};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use rustls::{CertificateError, ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// The variable `--ca` reads.
pub(crate) const CA_ENV: &str = "COZE_MOCK_CA";

/// The variable of a PEM bundle trusted besides the Mozilla roots, as Python's `ssl` reads it.
const SSL_CERT_FILE: &str = "SSL_CERT_FILE";

/// `--ca FILE`, shared by the commands that reach a fake's admin API.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CaArgs {
    /// For an https:// URL: trust the certificate authority in FILE (PEM), such as the one `serve --tls`
    /// writes (it prints where), besides the Mozilla roots and the certificates of SSL_CERT_FILE.
    #[arg(long, env = CA_ENV, value_name = "FILE")]
    pub ca: Option<PathBuf>,
}

/// A fake's base URL, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeUrl {
    /// The URL as given, without a trailing `/`, for messages.
    base: String,
    /// Whether the scheme is `https`.
    https: bool,
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

/// The server's certificate was refused in the TLS handshake: no answer will come until the client
/// trusts it (or the server presents another).
#[derive(Debug, thiserror::Error)]
#[error("{url}: {why}")]
pub struct CertificateRefused {
    url: String,
    why: String,
}

impl FakeUrl {
    /// Checks `url` is `http://HOST[:PORT][/PREFIX]` or `https://…`.
    pub fn parse(url: &str) -> anyhow::Result<FakeUrl> {
        let base = url.trim_end_matches('/');
        let uri: Uri = base
            .parse()
            .with_context(|| format!("{url:?} is not a URL"))?;
        let shape = || {
            format!(
                "{url:?} must be http://HOST[:PORT] or https://HOST[:PORT], like http://127.0.0.1:8080"
            )
        };
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => bail!(shape()),
        };
        if uri.query().is_some() {
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
            https,
            host: authority.host().trim_matches(['[', ']']).to_owned(),
            port: authority.port_u16().unwrap_or(if https { 443 } else { 80 }),
            prefix: uri.path().trim_end_matches('/').to_owned(),
            authority,
        })
    }

    /// The base URL as given, without a trailing `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The port connected to (443 or 80 if the URL names none).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The full URL of `path` (which starts with `/`), for messages.
    pub fn url_of(&self, path: &str) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}{}{path}", self.authority, self.prefix)
    }

    /// A client of this URL; over https it trusts the Mozilla roots, `SSL_CERT_FILE` and the PEM in
    /// `ca` (`--ca`), each read now. Over http, neither file is read.
    pub fn client(&self, ca: Option<&Path>) -> anyhow::Result<AdminClient> {
        let tls = match self.https {
            true => Some(TlsConnector::from(client_config(ca)?)),
            false => None,
        };
        Ok(AdminClient {
            url: self.clone(),
            tls,
        })
    }
}

/// A client of one fake's admin API.
pub struct AdminClient {
    url: FakeUrl,
    tls: Option<TlsConnector>,
}

impl AdminClient {
    /// The fake's URL.
    pub fn url(&self) -> &FakeUrl {
        &self.url
    }

    /// `GET path` (which starts with `/`), with the admin token if one is given. A certificate the TLS
    /// handshake refuses is a [`CertificateRefused`].
    pub async fn get(&self, path: &str, admin_token: Option<&str>) -> anyhow::Result<Answer> {
        let url = &self.url;
        let stream = TcpStream::connect((url.host.as_str(), url.port))
            .await
            .with_context(|| format!("connecting to {}", url.authority))?;
        let Some(tls) = &self.tls else {
            return self.exchange(stream, path, admin_token).await;
        };
        let name = ServerName::try_from(url.host.clone())
            .with_context(|| format!("{:?} as a TLS server name", url.host))?;
        let stream = tls
            .connect(name, stream)
            .await
            .map_err(|e| handshake_error(&e, url))?;
        self.exchange(stream, path, admin_token).await
    }

    /// The request and its answer over a connected (and maybe TLS) stream.
    async fn exchange<S>(
        &self,
        stream: S,
        path: &str,
        admin_token: Option<&str>,
    ) -> anyhow::Result<Answer>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let url = &self.url;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP handshake")?;
        tokio::spawn(connection);
        let mut request = http::Request::get(format!("{}{path}", url.prefix))
            .header(HOST, url.authority.as_str());
        if let Some(token) = admin_token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let response = match sender
            .send_request(request.body(Empty::<Bytes>::new())?)
            .await
        {
            Ok(response) => response,
            Err(e) if e.is_parse() && !url.https => bail!(
                "GET {}: the answer is not HTTP ({e}): a fake started with --tls is reached at \
                 https://",
                url.url_of(path)
            ),
            Err(e) => return Err(e).with_context(|| format!("GET {}", url.url_of(path))),
        };
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

/// rustls on ring, HTTP/1.1, trusting the Mozilla roots, `SSL_CERT_FILE` and `ca`.
fn client_config(ca: Option<&Path>) -> anyhow::Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(bundle) = std::env::var_os(SSL_CERT_FILE).filter(|v| !v.is_empty()) {
        trust_file(&mut roots, Path::new(&bundle))
            .with_context(|| format!("{SSL_CERT_FILE}={}", Path::new(&bundle).display()))?;
    }
    if let Some(ca) = ca {
        trust_file(&mut roots, ca).with_context(|| format!("--ca {}", ca.display()))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Adds the certificates of the PEM file at `path` to `roots`.
fn trust_file(roots: &mut RootCertStore, path: &Path) -> anyhow::Result<()> {
    let certificates = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| anyhow::anyhow!("not a readable PEM certificate file: {e}"))?;
    if certificates.is_empty() {
        bail!("no CERTIFICATE in it");
    }
    let (added, _unparsable) = roots.add_parsable_certificates(certificates);
    if added == 0 {
        bail!("none of its certificates can be read");
    }
    Ok(())
}

/// Why the TLS handshake with `url` failed, in words that say what fixes it.
fn handshake_error(e: &std::io::Error, url: &FakeUrl) -> anyhow::Error {
    let base = url.base().to_owned();
    let refused = |why: String| CertificateRefused {
        url: base.clone(),
        why,
    };
    let rustls_error = e.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>());
    match rustls_error {
        Some(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer | CertificateError::BadSignature,
        )) => refused(format!(
            "the server's certificate is signed by an authority this client does not trust: pass \
             that authority's PEM with --ca FILE (or {CA_ENV}; `serve --tls` prints where it wrote it)"
        ))
        .into(),
        Some(rustls::Error::InvalidCertificate(CertificateError::NotValidForName)) => refused(
            format!(
                "the server's certificate is not valid for {}: use a host name it names (a \
                 generated one names {})",
                url.host,
                crate::tls::GENERATED_NAMES
            ),
        )
        .into(),
        Some(rustls::Error::InvalidCertificate(other)) => {
            refused(format!("the server's certificate was refused: {other:?}")).into()
        }
        Some(rustls::Error::InvalidMessage(_)) => anyhow::anyhow!(
            "{base}: the server does not speak TLS: a fake started without --tls is reached at \
             http://"
        ),
        _ => anyhow::anyhow!("{base}: TLS handshake: {e}"),
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
    fn https_urls_keep_their_scheme_and_default_to_port_443() {
        let url = FakeUrl::parse("https://localhost").unwrap();
        assert!(url.https);
        assert_eq!(url.port, 443);
        assert_eq!(
            url.url_of("/__admin/health"),
            "https://localhost/__admin/health"
        );
        let url = FakeUrl::parse("https://[::1]:8443/").unwrap();
        assert_eq!((url.host.as_str(), url.port), ("::1", 8443));
    }

    #[test]
    fn anything_but_an_http_or_https_base_url_is_refused_with_the_expected_shape() {
        for url in [
            "127.0.0.1:8080",
            "ftp://127.0.0.1:8080",
            "wss://127.0.0.1:8080",
            "http://",
            "http://user@127.0.0.1:8080",
            "https://127.0.0.1:8080/?x=1",
            "not a url",
        ] {
            let err = FakeUrl::parse(url).unwrap_err().to_string();
            assert!(
                err.contains("must be http://HOST[:PORT] or https://HOST[:PORT]")
                    || err.contains("is not a URL"),
                "{url}: {err}"
            );
        }
    }

    #[test]
    fn an_http_client_reads_no_certificate_file() {
        let url = FakeUrl::parse("http://127.0.0.1:9").unwrap();
        assert!(url.client(Some(Path::new("/nonexistent/ca.pem"))).is_ok());
    }

    #[test]
    fn a_ca_file_that_is_missing_or_holds_no_certificate_is_named_with_its_flag() {
        let url = FakeUrl::parse("https://127.0.0.1:9").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "no PEM here").unwrap();
        let missing = dir.path().join("missing.pem");
        for (file, words) in [
            (&missing, "not a readable PEM certificate file"),
            (&empty, "no CERTIFICATE in it"),
        ] {
            let Err(e) = url.client(Some(file)) else {
                panic!("{} was accepted", file.display());
            };
            let e = format!("{e:#}");
            assert!(e.starts_with(&format!("--ca {}: ", file.display())), "{e}");
            assert!(e.contains(words), "{e}");
        }
    }

    #[test]
    fn a_generated_ca_is_accepted() {
        let tls = crate::tls::Tls::generate().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, tls.ca_pem().unwrap()).unwrap();
        let url = FakeUrl::parse("https://127.0.0.1:9").unwrap();
        assert!(url.client(Some(&ca)).is_ok());
    }
}
