//! `--addr`: an IP address or a host name, with a port.

use std::net::SocketAddr;

use anyhow::{bail, Context};

/// The address to bind for `addr` (`127.0.0.1:8080`, `[::1]:0`, `localhost:8080`): a literal address
/// as is, a host name resolved, its first address taken.
pub(crate) async fn resolve(addr: &str) -> anyhow::Result<SocketAddr> {
    if let Ok(literal) = addr.parse() {
        return Ok(literal);
    }
    let Some((host, port)) = addr.rsplit_once(':') else {
        bail!("--addr {addr:?} must be HOST:PORT, like 127.0.0.1:8080 or localhost:8080");
    };
    if host.is_empty() || port.parse::<u16>().is_err() {
        bail!("--addr {addr:?} must be HOST:PORT with a port from 0 to 65535");
    }
    let mut found = tokio::net::lookup_host(addr)
        .await
        .with_context(|| format!("cannot resolve --addr host {host:?}"))?;
    found
        .next()
        .with_context(|| format!("--addr host {host:?} resolves to no address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn literal_addresses_pass_as_they_are() {
        assert_eq!(
            resolve("127.0.0.1:8080").await.unwrap(),
            "127.0.0.1:8080".parse().unwrap()
        );
        assert_eq!(
            resolve("[::1]:0").await.unwrap(),
            "[::1]:0".parse().unwrap()
        );
    }

    #[tokio::test]
    async fn localhost_resolves_to_a_loopback_address_with_the_port() {
        let addr = resolve("localhost:8081").await.unwrap();
        assert!(addr.ip().is_loopback(), "{addr}");
        assert_eq!(addr.port(), 8081);
    }

    #[tokio::test]
    async fn a_missing_or_bad_port_is_named() {
        for addr in ["localhost", "localhost:http", "localhost:70000", ":8080"] {
            let err = resolve(addr).await.unwrap_err().to_string();
            assert!(err.contains("must be HOST:PORT"), "{addr}: {err}");
        }
    }
}
