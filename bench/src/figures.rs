//! Two figures users feel beside the load matrix, measured in process against the library:
//!
//! - [`start_to_first_answer`]: `MockServer::start()` until its first answered request, what every test
//!   that starts its own fake pays.
//! - [`list_growth`]: the time of one voice-list page (100 voices, page 1 and the last page) with
//!   workspaces of growing size, seeded through `POST /__admin/seed`: a page should cost the same whatever
//!   the workspace holds.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bytes::Bytes;
use coze_mock::MockServer;
use http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// The default configuration's personal workspace of `pat_mock`, where seeded voices go.
const DEFAULT_WORKSPACE: &str = "7361638276870530000";

/// Voices per `POST /__admin/seed`.
const SEED_BATCH: usize = 1_000;

/// The page size the list is read with: the largest the API allows.
const PAGE_SIZE: usize = 100;

/// Minimum, median and maximum of a set of durations.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spread {
    pub(crate) min: Duration,
    pub(crate) median: Duration,
    pub(crate) max: Duration,
}

impl Spread {
    fn of(mut times: Vec<Duration>) -> Spread {
        assert!(!times.is_empty(), "no measurement");
        times.sort_unstable();
        Spread {
            min: times[0],
            median: times[times.len() / 2],
            max: times[times.len() - 1],
        }
    }

    fn cell(&self) -> String {
        format!(
            "{:.2} ms ({:.2}–{:.2})",
            ms(self.median),
            ms(self.min),
            ms(self.max)
        )
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One keep-alive HTTP/1.1 connection to a server.
struct Client {
    host: String,
    sender: SendRequest<Full<Bytes>>,
}

impl Client {
    async fn connect(addr: SocketAddr) -> anyhow::Result<Client> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(Client {
            host: addr.to_string(),
            sender,
        })
    }

    /// Sends one request with `pat_mock` and returns the answer if it is HTTP 200 with `code` 0.
    async fn send(
        &mut self,
        method: Method,
        path: &str,
        json: Option<String>,
    ) -> anyhow::Result<Bytes> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, &self.host)
            .header(AUTHORIZATION, "Bearer pat_mock");
        if json.is_some() {
            request = request.header(CONTENT_TYPE, "application/json");
        }
        let request = request.body(Full::new(Bytes::from(json.unwrap_or_default())))?;
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        if status != StatusCode::OK || !body.starts_with(br#"{"code":0,"#) {
            bail!("{path}: {status} {}", String::from_utf8_lossy(&body));
        }
        Ok(body)
    }
}

/// `MockServer::start()` to the first answered voice-list request, `runs` times.
pub(crate) async fn start_to_first_answer(runs: usize) -> anyhow::Result<Spread> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let server = MockServer::start().await;
        let mut client = Client::connect(server.address()).await?;
        client
            .send(Method::GET, "/v1/audio/voices?page_size=1", None)
            .await?;
        times.push(started.elapsed());
        drop(server);
    }
    Ok(Spread::of(times))
}

/// One row of [`list_growth`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListRow {
    pub(crate) voices: usize,
    pub(crate) first_page: Spread,
    pub(crate) last_page: Spread,
}

/// For each workspace size: a fresh fake, that many voices seeded through the admin API, then the first
/// and the last page of 100 cloned voices read `repeats` times each.
pub(crate) async fn list_growth(sizes: &[usize], repeats: usize) -> anyhow::Result<Vec<ListRow>> {
    let mut rows = Vec::new();
    for &voices in sizes {
        let server = MockServer::start().await;
        let mut client = Client::connect(server.address()).await?;
        seed(&mut client, voices).await?;
        let last = voices.div_ceil(PAGE_SIZE).max(1);
        let page = |n: usize| {
            format!(
                "/v1/audio/voices?filter_system_voice=true&voice_state=all&page_num={n}&page_size={PAGE_SIZE}"
            )
        };
        let (first_path, last_path) = (page(1), page(last));
        // One unmeasured read of each, so the first measured one pays no warm-up.
        check_page(
            &client.send(Method::GET, &first_path, None).await?,
            voices.min(PAGE_SIZE),
        )?;
        let last_len = voices - (last - 1) * PAGE_SIZE;
        check_page(&client.send(Method::GET, &last_path, None).await?, last_len)?;
        let mut first_times = Vec::with_capacity(repeats);
        let mut last_times = Vec::with_capacity(repeats);
        for _ in 0..repeats {
            let t = Instant::now();
            client.send(Method::GET, &first_path, None).await?;
            first_times.push(t.elapsed());
            let t = Instant::now();
            client.send(Method::GET, &last_path, None).await?;
            last_times.push(t.elapsed());
        }
        rows.push(ListRow {
            voices,
            first_page: Spread::of(first_times),
            last_page: Spread::of(last_times),
        });
        eprintln!(
            "{voices} voices: page 1 {}, last page {}",
            rows.last().unwrap().first_page.cell(),
            rows.last().unwrap().last_page.cell()
        );
    }
    Ok(rows)
}

/// Seeds `count` voices into the default workspace, [`SEED_BATCH`] per request.
async fn seed(client: &mut Client, count: usize) -> anyhow::Result<()> {
    let mut next = 0;
    while next < count {
        let end = (next + SEED_BATCH).min(count);
        let voices: Vec<_> = (next..end)
            .map(|i| serde_json::json!({ "space_id": DEFAULT_WORKSPACE, "name": format!("voice-{i:06}") }))
            .collect();
        let body = serde_json::json!({ "voices": voices }).to_string();
        client
            .send(Method::POST, "/__admin/seed", Some(body))
            .await
            .with_context(|| format!("seeding voices {next}..{end}"))?;
        next = end;
    }
    Ok(())
}

/// Checks a page holds `expected` voices, so a broken list cannot pass as a fast one.
fn check_page(body: &[u8], expected: usize) -> anyhow::Result<()> {
    let value: serde_json::Value = serde_json::from_slice(body)?;
    let got = value["data"]["voice_list"]
        .as_array()
        .map(Vec::len)
        .context("no data.voice_list")?;
    if got != expected {
        bail!("a page of {got} voices, expected {expected}");
    }
    Ok(())
}

/// The two figures as a markdown section.
pub(crate) fn markdown(start: &Spread, runs: usize, rows: &[ListRow], repeats: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "`MockServer::start()` to the first answered request (in process, {runs} runs): median {}\n",
        start.cell()
    );
    let _ = writeln!(
        out,
        "Voice-list page of {PAGE_SIZE} (`voice_state=all`, system voices filtered), {repeats} reads each, median (min–max):\n"
    );
    let _ = writeln!(out, "| voices in the workspace | page 1 | last page |");
    let _ = writeln!(out, "| --- | --- | --- |");
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            row.voices,
            row.first_page.cell(),
            row.last_page.cell()
        );
    }
    if let (Some(small), Some(large)) = (rows.first(), rows.last()) {
        let _ = writeln!(
            out,
            "\nPage 1 at {} voices / at {}: {:.2}×; last page: {:.2}×",
            large.voices,
            small.voices,
            ms(large.first_page.median) / ms(small.first_page.median),
            ms(large.last_page.median) / ms(small.last_page.median)
        );
    }
    out
}
