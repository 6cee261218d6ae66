//! The TLS flags `serve` and `proxy` share (`--tls`, `--tls-ca-out`, `--tls-cert`, `--tls-key`): one
//! flattened set, what it serves, and the start-up lines that say how a client trusts it.

use std::path::PathBuf;

use anyhow::{bail, Context};
use coze_mock::__internals::tls::{Tls, GENERATED_NAMES};

/// The TLS flags.
#[derive(clap::Args)]
pub(crate) struct TlsArgs {
    /// Serve HTTPS (and WSS) instead of HTTP, with a certificate made at start-up for 127.0.0.1, ::1
    /// and localhost (or the one of --tls-cert). The variable takes true/false, 1/0, yes/no, on/off.
    #[arg(long, env = "COZE_MOCK_TLS", num_args = 0..=1, default_missing_value = "true",
          value_parser = super::switch::parse, default_value = "false")]
    tls: bool,
    /// Where --tls writes the PEM of the certificate authority clients trust [default:
    /// coze-mock-ca.pem beside the database; with state in memory, coze-mock-ca-PORT.pem in the
    /// temporary directory].
    #[arg(long, env = "COZE_MOCK_TLS_CA_OUT", value_name = "FILE")]
    tls_ca_out: Option<PathBuf>,
    /// Serve HTTPS with this certificate chain (PEM, the server's certificate first) instead of a
    /// generated one; needs --tls-key.
    #[arg(
        long,
        env = "COZE_MOCK_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(
        long,
        env = "COZE_MOCK_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    tls_key: Option<PathBuf>,
}

/// The name of the generated certificate authority's PEM beside the database.
pub(crate) const CA_FILE_NAME: &str = "coze-mock-ca.pem";

impl TlsArgs {
    /// Whether these flags serve HTTPS: `--tls`, or a certificate of the user's own.
    pub(crate) fn serves_https(&self) -> bool {
        self.tls || self.tls_cert.is_some()
    }

    /// Where the generated CA's PEM is written: `--tls-ca-out`, else `default_ca`; `None` when a
    /// certificate of the user's own is served.
    pub(crate) fn generated_ca(&self, default_ca: PathBuf) -> Option<PathBuf> {
        match self.tls_cert {
            Some(_) => None,
            None => Some(self.tls_ca_out.clone().unwrap_or(default_ca)),
        }
    }

    /// What to serve: the certificate of `--tls-cert`, a generated one with `--tls`, or plain HTTP.
    pub(crate) fn load(&self) -> anyhow::Result<Option<Tls>> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => {
                if let Some(out) = &self.tls_ca_out {
                    bail!(
                        "--tls-ca-out {} writes the generated certificate authority: with \
                         --tls-cert, clients trust the authority of your own certificate",
                        out.display()
                    );
                }
                Ok(Some(Tls::from_files(cert, key)?))
            }
            _ if self.tls => Ok(Some(Tls::generate()?)),
            _ => Ok(None),
        }
    }

    /// The start-up lines of HTTPS: where the generated CA's PEM was written (at `--tls-ca-out`, or
    /// at `default_ca` when the flag is not given) and how clients trust it; or which certificate of the
    /// user's own is served.
    pub(crate) fn trust_lines(
        &self,
        tls: &Tls,
        default_ca: PathBuf,
    ) -> anyhow::Result<Vec<String>> {
        let Some(pem) = tls.ca_pem() else {
            let cert = self.tls_cert.clone().unwrap_or_default();
            return Ok(vec![format!("TLS: the certificate of {}", cert.display())]);
        };
        let path = self.tls_ca_out.clone().unwrap_or(default_ca);
        std::fs::write(&path, pem).with_context(|| {
            format!(
                "writing the TLS certificate authority to {}",
                path.display()
            )
        })?;
        let path = std::path::absolute(&path).unwrap_or(path);
        let path = path.display();
        Ok(vec![
            format!("TLS: a certificate for {GENERATED_NAMES}, signed by the certificate authority in {path} (made at this start)"),
            format!("trust it: SSL_CERT_FILE={path} (Python: cozepy, httpx, websockets) or NODE_EXTRA_CA_CERTS={path} (Node: @coze/api)"),
        ])
    }
}

/// Where the generated CA's PEM goes without `--tls-ca-out` when the state is in memory: the temporary
/// directory, named for the port so that two servers do not overwrite each other's.
pub(crate) fn temporary_ca(port: u16) -> PathBuf {
    std::env::temp_dir().join(format!("coze-mock-ca-{port}.pem"))
}
