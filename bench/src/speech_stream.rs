//! `bench speech-stream`: the fake's peak RSS while `concurrency` streaming-speech WebSocket sessions each
//! speak 1,024 bytes of text at once (the most one request may carry), and how soon each session's first
//! audio chunk arrives after its `input_text_buffer.complete`. A session answers one event completely
//! before it reads the next and holds one chunk of audio at a time, so the peak should stay near the idle
//! figure whatever the number of sessions.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::servers::{Server, Target};

/// The peak RSS issue 21 allows for 64 sessions of 1,024 bytes each.
const BUDGET_MIB: f64 = 64.0;

/// 1,024 bytes of text: 341 three-byte characters and one ASCII letter.
fn longest_text() -> String {
    format!("{}a", "字".repeat(341))
}

/// What one session measured.
struct Session {
    first_chunk: Duration,
    audio_events: usize,
}

/// One session: waits for `speech.created`, appends the longest text, completes, and reads every event
/// up to `speech.audio.completed`.
async fn session(addr: SocketAddr) -> anyhow::Result<Session> {
    let mut request = format!("ws://{addr}/v1/audio/speech").into_client_request()?;
    request
        .headers_mut()
        .insert("authorization", "Bearer pat_mock".parse()?);
    // Nagle off on the client too, as interactive clients do: the two small frames go out at once.
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(request, None, true).await?;
    let next = |event: Option<Result<Message, _>>| -> anyhow::Result<Value> {
        match event {
            Some(Ok(Message::Text(text))) => Ok(serde_json::from_str(&text)?),
            other => bail!("the session ended: {other:?}"),
        }
    };
    let created = next(ws.next().await)?;
    if created["event_type"] != "speech.created" {
        bail!("first event {created}");
    }
    let append =
        json!({"event_type": "input_text_buffer.append", "data": {"delta": longest_text()}});
    ws.send(Message::text(append.to_string())).await?;
    ws.send(Message::text(
        r#"{"event_type":"input_text_buffer.complete"}"#,
    ))
    .await?;
    let completed_at = Instant::now();
    let mut first_chunk = None;
    let mut audio_events = 0;
    loop {
        let event = next(ws.next().await)?;
        match event["event_type"].as_str() {
            Some("speech.audio.update") => {
                first_chunk.get_or_insert_with(|| completed_at.elapsed());
                audio_events += 1;
            }
            Some("speech.audio.completed") => break,
            Some("error") => bail!("error event {event}"),
            _ => {}
        }
    }
    ws.close(None).await.ok();
    Ok(Session {
        first_chunk: first_chunk.context("no audio")?,
        audio_events,
    })
}

/// Starts a fresh fake, runs `concurrency` sessions at once, and prints peak RSS and first-chunk latency.
pub(crate) fn run(
    paths: &crate::servers::Paths,
    runtime: &tokio::runtime::Runtime,
    concurrency: usize,
) -> anyhow::Result<()> {
    let server = Server::start(Target::Fake, paths)?;
    let idle = server.peak_rss()?;
    server.reset_peak_rss()?;
    let started = Instant::now();
    let sessions = runtime.block_on(async {
        let tasks: Vec<_> = (0..concurrency)
            .map(|_| tokio::spawn(session(server.addr)))
            .collect();
        let mut sessions = Vec::with_capacity(concurrency);
        for task in tasks {
            sessions.push(task.await??);
        }
        anyhow::Ok(sessions)
    })?;
    let secs = started.elapsed().as_secs_f64();
    let peak = server.peak_rss()?;
    let mut firsts: Vec<Duration> = sessions.iter().map(|s| s.first_chunk).collect();
    firsts.sort();
    let at = |q: f64| firsts[((firsts.len() - 1) as f64 * q).round() as usize];
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{concurrency} concurrent streaming-speech sessions of 1,024 bytes ({} audio events each): \
         peak RSS {:.1} MiB (idle {:.1} MiB), all read in {secs:.1} s; budget {BUDGET_MIB} MiB: {}; \
         first chunk after complete: median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        sessions[0].audio_events,
        mib(peak),
        mib(idle),
        if mib(peak) < BUDGET_MIB { "within" } else { "OVER" },
        ms(at(0.5)),
        ms(at(0.95)),
        ms(at(1.0)),
    );
    Ok(())
}
