//! The load generator: `concurrency` keep-alive HTTP/1.1 connections (hyper's client), each sending the
//! same prebuilt request back to back, closed-loop, like `oha -c N` or `wrk -c N`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// One cell's load.
pub(crate) struct Load {
    pub(crate) addr: SocketAddr,
    pub(crate) body: Bytes,
    pub(crate) content_type: String,
    pub(crate) concurrency: usize,
    /// Requests run but not counted, so connections, caches and JITs settle.
    pub(crate) warmup: Duration,
    pub(crate) duration: Duration,
}

/// What one cell measured.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outcome {
    /// Successful answers (HTTP 200 with `"code":0`) completed in the measured window.
    pub(crate) ok: u64,
    /// Anything else in the window: other answers, connection failures.
    pub(crate) failed: u64,
    pub(crate) window: Duration,
    /// Latencies of the successful requests, in microseconds, sorted.
    pub(crate) latencies_us: Vec<u64>,
    /// The first failure seen, to tell a broken target from a slow one.
    pub(crate) first_failure: Option<String>,
}

impl Outcome {
    pub(crate) fn req_per_sec(&self) -> f64 {
        self.ok as f64 / self.window.as_secs_f64()
    }

    pub(crate) fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let i = ((self.latencies_us.len() - 1) as f64 * p).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }
}

/// Runs the load and gathers every connection's outcome.
pub(crate) async fn run(load: Load) -> Outcome {
    let start = Instant::now();
    let counted_from = start + load.warmup;
    let until = counted_from + load.duration;
    let workers: Vec<_> = (0..load.concurrency)
        .map(|_| {
            tokio::spawn(connection(
                load.addr,
                load.body.clone(),
                load.content_type.clone(),
                counted_from,
                until,
            ))
        })
        .collect();
    let mut total = Outcome {
        window: load.duration,
        ..Outcome::default()
    };
    for worker in workers {
        let o = worker.await.expect("load worker");
        total.ok += o.ok;
        total.failed += o.failed;
        total.latencies_us.extend(o.latencies_us);
        total.first_failure = total.first_failure.or(o.first_failure);
    }
    total.latencies_us.sort_unstable();
    total
}

/// One connection's closed loop; reconnects after a failure.
async fn connection(
    addr: SocketAddr,
    body: Bytes,
    content_type: String,
    counted_from: Instant,
    until: Instant,
) -> Outcome {
    let mut out = Outcome::default();
    let host = addr.to_string();
    'connect: while Instant::now() < until {
        let mut sender = match handshake(addr).await {
            Ok(s) => s,
            Err(e) => {
                fail(&mut out, Instant::now() >= counted_from, e);
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        while Instant::now() < until {
            let request = Request::post("/v1/audio/voices/clone")
                .header(HOST, &host)
                .header(CONTENT_TYPE, &content_type)
                .header(AUTHORIZATION, "Bearer pat_mock")
                .body(Full::new(body.clone()))
                .expect("valid request");
            let sent = Instant::now();
            let answer = async {
                sender.ready().await?;
                let response = sender.send_request(request).await?;
                let status = response.status();
                let bytes = response.into_body().collect().await?.to_bytes();
                anyhow::Ok((status, bytes))
            }
            .await;
            let done = Instant::now();
            let counted = sent >= counted_from && done <= until;
            match answer {
                Ok((StatusCode::OK, bytes)) if is_success(&bytes) => {
                    if counted {
                        out.ok += 1;
                        out.latencies_us.push((done - sent).as_micros() as u64);
                    }
                }
                Ok((status, bytes)) => fail(
                    &mut out,
                    counted,
                    anyhow::anyhow!("{status}: {}", String::from_utf8_lossy(&bytes)),
                ),
                Err(e) => {
                    fail(&mut out, counted, e);
                    continue 'connect;
                }
            }
        }
    }
    out
}

async fn handshake(
    addr: SocketAddr,
) -> anyhow::Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

/// A success envelope starts `{"code":0,` (the fake, the bare server and the WireMock stub alike).
fn is_success(body: &[u8]) -> bool {
    body.starts_with(br#"{"code":0,"#)
}

fn fail(out: &mut Outcome, counted: bool, e: anyhow::Error) {
    if counted {
        out.failed += 1;
    }
    out.first_failure.get_or_insert_with(|| format!("{e:#}"));
}
