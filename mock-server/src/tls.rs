//! HTTPS (`serve --tls`): a certificate generated at start-up, or the user's own, served by rustls.
//!
//! The generated one is a leaf for `127.0.0.1`, `::1` and `localhost`, signed by a certificate
//! authority made for this start alone (both ECDSA P-256; the CA's key is dropped once the leaf is
//! signed). A client trusts the CA's PEM ([`Tls::ca_pem`]): Python's httpx and websockets through
//! `SSL_CERT_FILE`, Node through `NODE_EXTRA_CA_CERTS`, reqwest through `add_root_certificate`. rustls
//! runs on the `ring` provider, which builds with a C compiler alone (no cmake, nasm or OpenSSL).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// The names the generated certificate is valid for.
pub const GENERATED_NAMES: &str = "127.0.0.1, ::1 and localhost";

/// How long the generated certificates are valid, from a day before start-up (clocks drift).
const VALID_DAYS: u64 = 365;

/// The base URL of a server on `addr`: `https://` with TLS.
pub fn base_url(tls: Option<&Tls>, addr: std::net::SocketAddr) -> String {
    match tls {
        Some(_) => format!("https://{addr}"),
        None => format!("http://{addr}"),
    }
}

/// What HTTPS serves: the server's certificate chain and key, and the PEM a client trusts.
#[derive(Clone)]
pub struct Tls {
    config: Arc<ServerConfig>,
    ca_pem: Option<String>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("generated", &self.ca_pem.is_some())
            .finish_non_exhaustive()
    }
}

impl Tls {
    /// A certificate for `127.0.0.1`, `::1` and `localhost`, signed by a CA made for this start.
    pub fn generate() -> anyhow::Result<Tls> {
        use chrono::Datelike;
        let day =
            |d: chrono::NaiveDate| rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8);
        let yesterday = chrono::Utc::now().date_naive() - chrono::Days::new(1);
        let not_before = day(yesterday);
        let not_after = day(yesterday + chrono::Days::new(VALID_DAYS + 1));
        let ca_key = KeyPair::generate().context("generating the CA's key")?;
        let mut ca = CertificateParams::default();
        ca.distinguished_name
            .push(DnType::CommonName, "coze-mock local CA");
        ca.distinguished_name
            .push(DnType::OrganizationName, "coze-mock");
        ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        ca.not_before = not_before;
        ca.not_after = not_after;
        let ca = ca.self_signed(&ca_key).context("signing the CA")?;

        let key = KeyPair::generate().context("generating the server's key")?;
        let mut leaf = CertificateParams::default();
        leaf.distinguished_name
            .push(DnType::CommonName, "coze-mock");
        leaf.subject_alt_names = vec![
            SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
            SanType::DnsName("localhost".try_into().context("localhost as a DNS name")?),
        ];
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf.use_authority_key_identifier_extension = true;
        leaf.not_before = not_before;
        leaf.not_after = not_after;
        let leaf = leaf
            .signed_by(&key, &ca, &ca_key)
            .context("signing the server's certificate")?;

        let chain = vec![leaf.der().clone(), ca.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        Ok(Tls {
            config: server_config(chain, key)?,
            ca_pem: Some(ca.pem()),
        })
    }

    /// The certificate chain in `cert` (PEM, the server's certificate first) with the private key in
    /// `key` (PEM: PKCS #8, PKCS #1 or SEC1).
    pub fn from_files(cert: &Path, key: &Path) -> anyhow::Result<Tls> {
        let chain = CertificateDer::pem_file_iter(cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .with_context(|| {
                format!("--tls-cert {}: not a PEM certificate file", cert.display())
            })?;
        if chain.is_empty() {
            bail!("--tls-cert {}: no CERTIFICATE in it", cert.display());
        }
        let key = PrivateKeyDer::from_pem_file(key)
            .with_context(|| format!("--tls-key {}: not a PEM private key file", key.display()))?;
        let config = server_config(chain, key)
            .with_context(|| format!("--tls-cert {} with --tls-key", cert.display()))?;
        Ok(Tls {
            config,
            ca_pem: None,
        })
    }

    /// The PEM of the generated CA, which a client trusts; `None` for a certificate of the user's own.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// What accepts TLS on a connection.
    pub fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.config.clone())
    }
}

/// rustls on ring with `chain` and `key`, offering HTTP/2 and HTTP/1.1 (ALPN) as the real API does.
fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> anyhow::Result<Arc<ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the certificate and its private key")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
