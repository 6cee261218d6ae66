//! `coze-mock wait [--url URL] [--timeout 30s] [--ca FILE]`: exits 0 once the fake at URL is ready, for
//! CI scripts and the container's health check (which names no URL: `COZE_MOCK_ADDR` says where `serve`
//! listens). Each check reads `--ca` afresh: a server that is starting may not have written it yet.

use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use coze_mock::__internals::admin_client::{Answer, CaArgs, CertificateRefused, FakeUrl};
use serde::Deserialize;
use tokio::time::Instant;

/// The arguments of `wait`.
#[derive(clap::Args)]
pub(crate) struct WaitArgs {
    /// The fake's base URL, like http://127.0.0.1:8080 (https://… for one started with --tls: see
    /// --ca). Without it: where `serve` listens according to COZE_MOCK_ADDR (0.0.0.0 and `[::]` as
    /// loopback), else http://127.0.0.1:8080.
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
    let url = match &args.url {
        Some(url) => url.clone(),
        None => serve_url(std::env::var("COZE_MOCK_ADDR").ok().as_deref()),
    };
    let fake = FakeUrl::parse(&url).context("--url")?;
    let health = fake.url_of(HEALTH_PATH);
    let base = fake.base();
    let ca = args.trust.ca.as_deref();
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

/// The URL of a `serve` listening on `addr` (its `--addr`/`COZE_MOCK_ADDR`; the default if `None` or
/// empty): an unspecified IP (`0.0.0.0`, `[::]`) is reached on loopback.
fn serve_url(addr: Option<&str>) -> String {
    let addr = addr.map(str::trim).filter(|a| !a.is_empty());
    let Some(addr) = addr else {
        return "http://127.0.0.1:8080".to_owned();
    };
    match addr.parse::<std::net::SocketAddr>() {
        Ok(socket) if socket.ip().is_unspecified() => {
            let loopback: std::net::IpAddr = if socket.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            };
            format!(
                "http://{}",
                std::net::SocketAddr::new(loopback, socket.port())
            )
        }
        _ => format!("http://{addr}"),
    }
}

/// One health check, trusting `ca` over https: the server's version when ready, else why not.
async fn check(fake: &FakeUrl, ca: Option<&std::path::Path>) -> anyhow::Result<String> {
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
        assert_eq!(serve_url(None), "http://127.0.0.1:8080");
        assert_eq!(serve_url(Some("")), "http://127.0.0.1:8080");
        assert_eq!(serve_url(Some("0.0.0.0:8080")), "http://127.0.0.1:8080");
        assert_eq!(serve_url(Some("[::]:9000")), "http://[::1]:9000");
        assert_eq!(serve_url(Some("127.0.0.1:4010")), "http://127.0.0.1:4010");
        assert_eq!(serve_url(Some("localhost:4010")), "http://localhost:4010");
    }
}
