//! `coze-mock wait [--url URL] [--timeout 30s] [--ca FILE]`: exits 0 once the fake at URL is ready, for
//! CI scripts and the container's health check. That one names no URL: `wait` reads the `COZE_MOCK_*`
//! variables `serve` reads to find where it listens, whether over https, and where it writes the CA it
//! generates. Each check reads the CA afresh: a server that is starting may not have written it yet.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use coze_mock::__internals::admin_client::{Answer, CaArgs, CertificateRefused, FakeUrl};
use serde::Deserialize;
use tokio::time::Instant;

use super::serve::{default_ca, ServeArgs};

/// The arguments of `wait`.
#[derive(clap::Args)]
pub(crate) struct WaitArgs {
    /// The fake's base URL, like http://127.0.0.1:8080 (https://… for one started with --tls: see
    /// --ca). Without it: where `serve` listens according to its variables, COZE_MOCK_ADDR (0.0.0.0
    /// and `[::]` as loopback, else 127.0.0.1:8080) and COZE_MOCK_TLS (https://, trusting the CA
    /// `serve` writes unless --ca says otherwise), as the container's health check runs it.
    #[arg(long)]
    url: Option<String>,
    /// How long to wait: `30s`, `500ms`, `2m`, `1m 30s`.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    timeout: Duration,
    /// The certificate authority an https fake's certificate is checked against.
    #[command(flatten)]
    trust: CaArgs,
}

/// The route that says whether the fake is ready.
const HEALTH_PATH: &str = "/__admin/health";

/// Time between two health checks.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// The longest one health check may take, so a server that accepts and never answers is retried.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The envelope `GET /__admin/health` answers.
#[derive(Deserialize)]
struct Health {
    code: i64,
    data: Option<HealthData>,
}

#[derive(Deserialize)]
struct HealthData {
    ready: bool,
    #[serde(default)]
    version: String,
}

/// Polls `GET {url}/__admin/health` until it answers code 0 with `data.ready` true, or the timeout. A
/// certificate refused twice in a row ends the wait at once: the server that presented it had written
/// its CA before serving, and the second check read `--ca` after that.
pub(crate) async fn run(args: &WaitArgs) -> anyhow::Result<()> {
    let (url, served_ca) = match &args.url {
        Some(url) => (url.clone(), None),
        None => served_here()?,
    };
    let fake = FakeUrl::parse(&url).context("--url")?;
    let health = fake.url_of(HEALTH_PATH);
    let base = fake.base();
    let ca = args.trust.ca.as_deref().or(served_ca.as_deref());
    let deadline = Instant::now() + args.timeout;
    let mut refused_before = false;
    loop {
        let last = match tokio::time::timeout(CHECK_TIMEOUT, check(&fake, ca)).await {
            Ok(Ok(version)) => {
                println!("coze-mock {version} at {base} is ready");
                return Ok(());
            }
            Ok(Err(e)) => {
                let refused = e.is::<CertificateRefused>();
                if refused && refused_before {
                    return Err(e);
                }
                refused_before = refused;
                e
            }
            Err(_) => anyhow!(
                "no answer within {}",
                humantime::format_duration(CHECK_TIMEOUT)
            ),
        };
        if Instant::now() + POLL_INTERVAL >= deadline {
            bail!(
                "{base} was not ready within {}: the last check of {health} said: {last:#}",
                humantime::format_duration(args.timeout)
            );
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// Where a `serve` given no argument in this environment listens, and the CA it generates (when it
/// serves https with a certificate it generates).
fn served_here() -> anyhow::Result<(String, Option<PathBuf>)> {
    let serve = ServeArgs::from_env()?;
    let https = serve.tls().serves_https();
    let url = serve_url(serve.addr(), https);
    if !https {
        return Ok((url, None));
    }
    let port = FakeUrl::parse(&url).context("COZE_MOCK_ADDR")?.port();
    let ca = serve
        .tls()
        .generated_ca(default_ca(&serve.storage()?, port));
    Ok((url, ca))
}

/// The URL of a `serve` listening on `addr` (its `--addr`/`COZE_MOCK_ADDR`; the default if empty), over
/// https if `https`: an unspecified IP (`0.0.0.0`, `[::]`) is reached on loopback.
fn serve_url(addr: &str, https: bool) -> String {
    let scheme = if https { "https" } else { "http" };
    let addr = addr.trim();
    if addr.is_empty() {
        return format!("{scheme}://127.0.0.1:8080");
    }
    match addr.parse::<std::net::SocketAddr>() {
        Ok(socket) if socket.ip().is_unspecified() => {
            let loopback: std::net::IpAddr = if socket.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            };
            format!(
                "{scheme}://{}",
                std::net::SocketAddr::new(loopback, socket.port())
            )
        }
        _ => format!("{scheme}://{addr}"),
    }
}

/// One health check, trusting `ca` over https: the server's version when ready, else why not.
async fn check(fake: &FakeUrl, ca: Option<&Path>) -> anyhow::Result<String> {
    let Answer { status, body } = fake.client(ca)?.get(HEALTH_PATH, None).await?;
    let body = String::from_utf8_lossy(&body);
    let health: Health = serde_json::from_str(&body)
        .with_context(|| format!("HTTP {status}, not a health envelope: {body:.200}"))?;
    match health.data {
        Some(data) if status.is_success() && health.code == 0 && data.ready => Ok(data.version),
        _ => bail!("HTTP {status}, not ready: {body:.200}"),
    }
}

#[cfg(test)]
mod tests {
    use super::serve_url;

    #[test]
    fn the_url_follows_the_address_serve_listens_on() {
        assert_eq!(serve_url("", false), "http://127.0.0.1:8080");
        assert_eq!(serve_url("0.0.0.0:8080", false), "http://127.0.0.1:8080");
        assert_eq!(serve_url("[::]:9000", false), "http://[::1]:9000");
        assert_eq!(serve_url("127.0.0.1:4010", false), "http://127.0.0.1:4010");
        assert_eq!(serve_url("localhost:4010", false), "http://localhost:4010");
    }

    #[test]
    fn with_tls_the_url_is_https() {
        assert_eq!(serve_url("", true), "https://127.0.0.1:8080");
        assert_eq!(serve_url("0.0.0.0:8443", true), "https://127.0.0.1:8443");
        assert_eq!(serve_url("[::]:9000", true), "https://[::1]:9000");
    }
}
