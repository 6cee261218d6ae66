//! `bench speech-memory`: the server's peak RSS while it answers the longest speech requests the rules
//! allow, all at once. Speech is generated as a stream (`coze_mock::__internals::synth::Speech`), so this stays
//! near the idle figure however long the answers are.

use std::net::SocketAddr;
use std::time::Instant;

use anyhow::{bail, Context};
use bytes::Bytes;
use coze_mock::rules::{SPEECH_INPUT_MAX_BYTES, SPEECH_SAMPLE_RATES, SPEECH_SPEED_RANGE_BIG};
use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::servers::{Server, Target};

/// The longest answer for a default (large-model) system voice: the most characters (ASCII, so the byte
/// count is the same), the slowest speed a large-model voice allows (0.5), the highest rate,
/// uncompressed WAV. About 20 MB (a small-model voice may go down to 0.2: 49 MB).
fn longest_request(voice_id: &str) -> String {
    let rate = SPEECH_SAMPLE_RATES.into_iter().max().unwrap_or(24_000);
    serde_json::json!({
        "input": "a".repeat(SPEECH_INPUT_MAX_BYTES),
        "voice_id": voice_id,
        "response_format": "wav",
        "speed": SPEECH_SPEED_RANGE_BIG.0,
        "sample_rate": rate,
    })
    .to_string()
}

/// The peak RSS issue 15 allows for 16 concurrent longest answers.
const BUDGET_MIB: u32 = 64;

/// What one run measured.
pub(crate) struct SpeechMemory {
    /// Peak RSS right after start-up, in bytes.
    pub(crate) idle_peak_rss: u64,
    /// Peak RSS while answering, in bytes.
    pub(crate) peak_rss: u64,
    /// Bytes of each answer (all equal).
    pub(crate) answer_bytes: u64,
    /// Seconds until the last answer was read.
    pub(crate) secs: f64,
}

/// Starts a fresh in-memory fake, sends `concurrency` longest speech requests at once, reads every
/// answer to the end (checking it is exactly as long as its `Content-Length`), and reads the peak RSS.
pub(crate) fn measure(
    server: &Server,
    runtime: &tokio::runtime::Runtime,
    concurrency: usize,
) -> anyhow::Result<SpeechMemory> {
    let voice = coze_mock::config::default_system_voices()
        .into_iter()
        .next()
        .context("a default system voice")?;
    let body = Bytes::from(longest_request(&voice.voice_id));
    let idle_peak_rss = server.peak_rss()?;
    server.reset_peak_rss()?;
    let started = Instant::now();
    let lengths = runtime.block_on(async {
        let requests: Vec<_> = (0..concurrency)
            .map(|_| tokio::spawn(speak(server.addr, body.clone())))
            .collect();
        let mut lengths = Vec::with_capacity(concurrency);
        for request in requests {
            lengths.push(request.await??);
        }
        anyhow::Ok(lengths)
    })?;
    let secs = started.elapsed().as_secs_f64();
    let answer_bytes = lengths[0];
    if lengths.iter().any(|&l| l != answer_bytes) {
        bail!("answers of different lengths: {lengths:?}");
    }
    Ok(SpeechMemory {
        idle_peak_rss,
        peak_rss: server.peak_rss()?,
        answer_bytes,
        secs,
    })
}

/// One speech request on its own connection; the answer is read frame by frame and dropped.
async fn speak(addr: SocketAddr, body: Bytes) -> anyhow::Result<u64> {
    let stream = TcpStream::connect(addr).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let request = Request::post("/v1/audio/speech")
        .header(HOST, addr.to_string())
        .header(CONTENT_TYPE, "application/json")
        .header(AUTHORIZATION, "Bearer pat_mock")
        .body(Full::new(body))?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let announced: Option<u64> = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let mut body = response.into_body();
    if status != StatusCode::OK {
        let text = body.collect().await?.to_bytes();
        bail!("{status}: {}", String::from_utf8_lossy(&text));
    }
    let mut read = 0u64;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            read += data.len() as u64;
        }
    }
    if announced != Some(read) {
        bail!("Content-Length {announced:?}, {read} bytes read");
    }
    Ok(read)
}

/// Runs [`measure`] on a fresh fake and prints the figures.
pub(crate) fn run(
    paths: &crate::servers::Paths,
    runtime: &tokio::runtime::Runtime,
    concurrency: usize,
) -> anyhow::Result<()> {
    let server = Server::start(Target::Fake, paths)?;
    let m = measure(&server, runtime, concurrency)?;
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "{concurrency} concurrent longest speech answers ({:.1} MB each, WAV): peak RSS {:.1} MiB \
         (idle {:.1} MiB), all read in {:.1} s; budget {BUDGET_MIB} MiB: {}",
        m.answer_bytes as f64 / 1e6,
        mib(m.peak_rss),
        mib(m.idle_peak_rss),
        m.secs,
        if mib(m.peak_rss) < BUDGET_MIB as f64 {
            "within"
        } else {
            "OVER"
        },
    );
    Ok(())
}
