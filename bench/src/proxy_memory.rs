//! `bench proxy-memory`: what a 10 MiB clone costs `coze-mock proxy` in memory and time. An upstream fake
//! and a proxy in front of it (release binaries on 127.0.0.1, fresh for every cell, stopped at its end)
//! take 10 MiB clones of real speech, one connection at a time or a few at once; the proxy's peak RSS
//! over its idle baseline is read beside the fake's own for the same clones served directly, and the
//! proxy's added latency is the difference of the two medians.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::report::mib;
use crate::servers::{bench_config, free_addr, Paths, Server, Target};
use crate::upload;

/// The clone's file: the largest the page allows (10 MiB).
const FILE_BYTES: usize = 10 * 1024 * 1024;

/// What the issue allows a forwarded 10 MiB clone to cost the proxy: "no more than a few MiB".
const BUDGET_MIB: f64 = 4.0;

/// The header the proxy sets on an answer the shadow gave alone.
const NOT_FORWARDED_HEADER: &str = "x-coze-mock-proxy";

/// Where the clones go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// To the fake itself.
    Direct,
    /// Through `coze-mock proxy --spend VALUE` to the fake.
    Proxy(&'static str),
}

impl Route {
    fn name(self) -> String {
        match self {
            Route::Direct => "fake, direct".to_owned(),
            Route::Proxy(spend) => format!("proxy --spend {spend}"),
        }
    }
}

/// One cell: a route under a concurrency.
struct Cell {
    route: Route,
    concurrency: usize,
    /// The measured process's (the proxy's, or the fake's when direct) `VmHWM` after start-up, per round.
    idle: Vec<u64>,
    /// Its `VmHWM` after the round's first clone, alone, per round.
    first: Vec<u64>,
    /// Its `VmHWM` after every clone, per round.
    peak: Vec<u64>,
    /// The upstream fake's rise behind the proxy, per round.
    upstream_rise: Vec<u64>,
    /// Every clone's time from sending to the answer's end, in microseconds, sorted.
    latencies_us: Vec<u64>,
    /// Answers the upstream gave (no not-forwarded header).
    forwarded: usize,
    clones: usize,
}

impl Cell {
    /// Peak RSS over idle after every clone of a round, per round, sorted.
    fn rises(&self) -> Vec<u64> {
        rises_over(&self.idle, &self.peak)
    }

    /// Peak RSS over idle after a round's first clone, per round, sorted.
    fn first_rises(&self) -> Vec<u64> {
        rises_over(&self.idle, &self.first)
    }

    fn p50_ms(&self) -> f64 {
        percentile_ms(&self.latencies_us, 0.5)
    }
}

fn rises_over(idle: &[u64], peak: &[u64]) -> Vec<u64> {
    let mut rises: Vec<u64> = idle
        .iter()
        .zip(peak)
        .map(|(i, p)| p.saturating_sub(*i))
        .collect();
    rises.sort_unstable();
    rises
}

fn percentile_ms(sorted_us: &[u64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    sorted_us[((sorted_us.len() - 1) as f64 * p).round() as usize] as f64 / 1000.0
}

/// `coze-mock proxy --upstream URL --spend SPEND` with the bench's account as its shadow's configuration
/// (the upstream's too, so the shadow judges every clone the upstream creates as a success).
fn start_proxy(paths: &Paths, upstream: SocketAddr, spend: &str) -> anyhow::Result<Server> {
    let addr = free_addr()?;
    let mut command = Command::new(&paths.coze_mock);
    command
        .args(["proxy", "--upstream", &format!("http://{upstream}")])
        .args(["--spend", spend, "--addr", &addr.to_string(), "--config"])
        .arg(bench_config(paths)?);
    Server::spawn(command, &format!("coze-mock proxy --spend {spend}"), addr)
}

/// One round of a cell on fresh processes: one clone alone, then `concurrency` connections each
/// sending `clones` clones.
fn round(
    cell: &mut Cell,
    paths: &Paths,
    runtime: &tokio::runtime::Runtime,
    body: &Bytes,
    clones: usize,
) -> anyhow::Result<()> {
    let fake = Server::start(Target::Fake, paths)?;
    let proxy = match cell.route {
        Route::Direct => None,
        Route::Proxy(spend) => Some(start_proxy(paths, fake.addr, spend)?),
    };
    let measured = proxy.as_ref().unwrap_or(&fake);
    let idle = measured.peak_rss()?;
    let fake_idle = fake.peak_rss()?;
    let addr = measured.addr;
    let first = runtime.block_on(connection(addr, body.clone(), 1))?;
    cell.first.push(measured.peak_rss()?);
    let answers = runtime.block_on(async {
        let connections: Vec<_> = (0..cell.concurrency)
            .map(|_| tokio::spawn(connection(addr, body.clone(), clones)))
            .collect();
        let mut answers = Vec::new();
        for c in connections {
            answers.extend(c.await??);
        }
        anyhow::Ok(answers)
    })?;
    cell.idle.push(idle);
    cell.peak.push(measured.peak_rss()?);
    if proxy.is_some() {
        cell.upstream_rise
            .push(fake.peak_rss()?.saturating_sub(fake_idle));
    }
    for (us, forwarded) in first.into_iter().chain(answers) {
        cell.latencies_us.push(us);
        cell.forwarded += usize::from(forwarded);
        cell.clones += 1;
    }
    cell.latencies_us.sort_unstable();
    Ok(())
}

/// One keep-alive connection sending `clones` clones one after the other; each answer's time in µs and
/// whether the upstream gave it.
async fn connection(
    addr: SocketAddr,
    body: Bytes,
    clones: usize,
) -> anyhow::Result<Vec<(u64, bool)>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let mut answers = Vec::with_capacity(clones);
    for _ in 0..clones {
        let request = Request::post("/v1/audio/voices/clone")
            .header(HOST, addr.to_string())
            .header(CONTENT_TYPE, upload::content_type())
            .header(AUTHORIZATION, "Bearer pat_mock")
            .body(Full::new(body.clone()))?;
        sender.ready().await?;
        let started = Instant::now();
        let response = sender.send_request(request).await?;
        let status = response.status();
        let forwarded = !response.headers().contains_key(NOT_FORWARDED_HEADER);
        let text = response.into_body().collect().await?.to_bytes();
        let us = started.elapsed().as_micros() as u64;
        let answer: serde_json::Value = serde_json::from_slice(&text)
            .with_context(|| format!("{status}: {}", String::from_utf8_lossy(&text)))?;
        if status != StatusCode::OK || answer["code"] != 0 {
            bail!("{status}: {answer}");
        }
        answers.push((us, forwarded));
    }
    Ok(answers)
}

/// Measures every route under every concurrency, `rounds` times (the routes taking turns), prints the
/// table and writes it to `bench/results/<date>-<time>.md`.
pub(crate) fn run(
    root: &Path,
    paths: &Paths,
    runtime: &tokio::runtime::Runtime,
    concurrencies: &[usize],
    clones: usize,
    rounds: usize,
) -> anyhow::Result<()> {
    let load_before = crate::report::loadavg();
    let body = upload::clone_body_of(&upload::speech_wav_of_len(FILE_BYTES));
    let routes = [Route::Direct, Route::Proxy("all"), Route::Proxy("refusals")];
    let mut cells = Vec::new();
    for &concurrency in concurrencies {
        let mut row: Vec<Cell> = routes
            .iter()
            .map(|&route| Cell {
                route,
                concurrency,
                idle: Vec::new(),
                first: Vec::new(),
                peak: Vec::new(),
                upstream_rise: Vec::new(),
                latencies_us: Vec::new(),
                forwarded: 0,
                clones: 0,
            })
            .collect();
        for _ in 0..rounds {
            for cell in &mut row {
                round(cell, paths, runtime, &body, clones)?;
                eprintln!(
                    "{:<24} c={concurrency}: peak over idle {:.1} MiB, p50 {:.2} ms",
                    cell.route.name(),
                    mib(*cell.rises().last().unwrap_or(&0)),
                    cell.p50_ms()
                );
            }
        }
        cells.extend(row);
    }
    let args = format!(
        "proxy-memory --concurrency {} --clones {clones} --rounds {rounds}",
        concurrencies
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    let text = markdown(root, &args, &cells, (body.len(), clones), &load_before);
    let out = root.join("bench/results").join(format!(
        "{}.md",
        chrono::Local::now().format("%Y-%m-%d-%H%M")
    ));
    std::fs::write(&out, &text)?;
    println!("{text}");
    eprintln!("written to {}", out.display());
    Ok(())
}

/// The results file: the machine, what was sent, a row per cell, and the goal.
fn markdown(
    root: &Path,
    args: &str,
    cells: &[Cell],
    (body_len, clones): (usize, usize),
    load_before: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# coze-mock proxy: memory and latency of 10 MiB clones\n"
    );
    out.push_str(&crate::report::machine(root, args));
    let _ = writeln!(
        out,
        "- load average (1, 5, 15 min) before: {load_before}, after: {}\n",
        crate::report::loadavg()
    );
    let _ = writeln!(
        out,
        "Each clone: {body_len} bytes of multipart, a {FILE_BYTES}-byte WAV of real speech \
         (`fixtures/audio/speech-24k.pcm` repeated). Every round starts a fresh upstream fake \
         (`serve --in-memory`) and, for the proxy, a fresh `coze-mock proxy` in front of it, and \
         sends one clone alone, then the cell's: c connections of {clones} clones each. \"Over \
         idle\" is the measured process's VmHWM after the first clone, and after every clone, \
         minus its VmHWM after start-up (min–max over rounds). Latency: from sending a clone to its \
         answer's end, every clone of every round.\n"
    );
    let _ = writeln!(
        out,
        "| route | c | over idle, first clone | over idle, every clone | idle | upstream fake's rise | clones (forwarded) | p50 ms | p90 ms | added p50 |"
    );
    let _ = writeln!(
        out,
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for cell in cells {
        let rises = cell.rises();
        let range = |v: &[u64]| match (v.first(), v.last()) {
            (Some(a), Some(b)) if mib(*b) - mib(*a) >= 0.05 => {
                format!("{:.1}–{:.1} MiB", mib(*a), mib(*b))
            }
            (Some(a), _) => format!("{:.1} MiB", mib(*a)),
            _ => "–".to_owned(),
        };
        let mut idle = cell.idle.clone();
        idle.sort_unstable();
        let mut upstream = cell.upstream_rise.clone();
        upstream.sort_unstable();
        let direct = cells
            .iter()
            .find(|c| c.route == Route::Direct && c.concurrency == cell.concurrency);
        let added = match (cell.route, direct) {
            (Route::Proxy(_), Some(d)) => format!("{:+.2} ms", cell.p50_ms() - d.p50_ms()),
            _ => "–".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} ({}) | {:.2} | {:.2} | {added} |",
            cell.route.name(),
            cell.concurrency,
            range(&cell.first_rises()),
            range(&rises),
            range(&idle),
            range(&upstream),
            cell.clones,
            cell.forwarded,
            cell.p50_ms(),
            percentile_ms(&cell.latencies_us, 0.9),
        );
    }
    // The goal is for one clone: each round's first.
    let worst = cells
        .iter()
        .filter(|c| c.route == Route::Proxy("all"))
        .filter_map(|c| c.first_rises().last().copied())
        .max();
    let _ = match worst {
        Some(worst) => writeln!(
            out,
            "\nGoal: a forwarded 10 MiB clone costs the proxy (`--spend all`, a round's first clone) \
             no more than a few MiB (≤ {BUDGET_MIB} MiB over idle): {:.1} MiB at worst, {}.",
            mib(worst),
            if mib(worst) <= BUDGET_MIB {
                "met"
            } else {
                "**missed**"
            }
        ),
        None => writeln!(out, "\nGoal not measured: no cell of `--spend all`."),
    };
    out
}
