//! Hostile streaming-speech clients against the `coze-mock` binary (`--in-memory`), whose peak memory
//! can be read from `/proc`: each is answered within a bounded time, the server's memory stays bounded,
//! and it serves an ordinary session afterwards.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use super::{audio, connect, Ended};
use crate::support::binary::Binary;
use crate::support::defaults::TOKEN;

/// The server's peak resident memory allowed (a debug build; hostile.rs's bound for HTTP clients).
const PEAK_RSS_BOUND: u64 = 128 * 1024 * 1024;

/// The most a hostile case may take: the send timeout (10 s) and a margin for a loaded CI machine.
const CASE_BOUND: Duration = Duration::from_secs(45);

async fn still_serves(server: &Binary) {
    let mut ws = connect(&server.api.base, TOKEN).await;
    ws.next_event().await;
    assert!(!audio(&ws.speak("还在").await).is_empty());
    let peak = server.peak_rss();
    assert!(
        peak < PEAK_RSS_BOUND,
        "peak RSS {} MiB",
        peak / (1024 * 1024)
    );
}

/// The journal's session entries, once `n` are recorded.
async fn sessions(server: &Binary, n: usize) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let found: Vec<Value> = server
            .api
            .journal()
            .await
            .into_iter()
            .filter(|r| r.get("session").is_some())
            .collect();
        if found.len() >= n {
            return found;
        }
        assert!(
            started.elapsed() < CASE_BOUND,
            "{n} sessions not journaled: {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_100_mb_frame_is_closed_with_1009_before_it_is_read() {
    let server = Binary::in_memory();
    let mut ws = connect(&server.api.base, TOKEN).await;
    ws.next_event().await;
    let started = Instant::now();
    // The server refuses the frame from its header: the client may not even finish writing it.
    let _ = ws
        .stream
        .send(Message::binary(vec![b'x'; 100 * 1024 * 1024]))
        .await;
    let ended = ws.next().await;
    assert!(
        matches!(ended, Err(Ended::Closed(1009)) | Err(Ended::Cut)),
        "{ended:?}"
    );
    assert!(started.elapsed() < CASE_BOUND);
    let journaled = sessions(&server, 1).await;
    assert_eq!(journaled[0]["session"]["end"], "frame_too_large");
    still_serves(&server).await;
}

#[tokio::test]
async fn an_append_flood_is_closed_after_256_refusals_in_a_row() {
    let server = Binary::in_memory();
    let ws = connect(&server.api.base, TOKEN).await;
    let (mut sink, mut stream) = ws.stream.split();
    let flood = tokio::spawn(async move {
        let append =
            json!({"event_type": "input_text_buffer.append", "data": {"delta": "字".repeat(100)}})
                .to_string();
        for _ in 0..5_000 {
            if sink.send(Message::text(append.clone())).await.is_err() {
                break;
            }
        }
    });
    let (mut errors, mut close) = (0, None);
    let started = Instant::now();
    while let Some(Ok(frame)) = tokio::time::timeout(CASE_BOUND, stream.next())
        .await
        .expect("frames keep coming")
    {
        match frame {
            Message::Text(text) => {
                let event: Value = serde_json::from_str(&text).unwrap();
                if event["event_type"] == "error" {
                    assert_eq!(event["data"]["code"], 3010);
                    errors += 1;
                }
            }
            Message::Close(frame) => {
                close = frame.map(|f| u16::from(f.code));
                break;
            }
            _ => {}
        }
    }
    // The close may be lost to the reset the flood's next frames provoke; the journal says why it ended.
    assert!(errors > 0 && errors <= 256, "{errors} refusals");
    assert!(matches!(close, None | Some(1008)), "{close:?}");
    assert!(started.elapsed() < CASE_BOUND);
    flood.abort();
    let journaled = sessions(&server, 1).await;
    let session = &journaled[0]["session"];
    assert_eq!(session["end"], "too_many_refusals");
    assert_eq!(
        session["errors"].as_array().unwrap().len(),
        16,
        "the first 16 are kept"
    );
    still_serves(&server).await;
}

#[tokio::test]
async fn a_client_that_stops_reading_is_cut_after_the_send_timeout() {
    let server = Binary::in_memory();
    let mut ws = connect(&server.api.base, TOKEN).await;
    ws.update(json!({"pcm_config": {"sample_rate": 48000}, "speech_rate": -50}))
        .await;
    // 1,024 bytes at half speed, 48 kHz: about 20 MB of pcm, far more than the sockets buffer.
    ws.append(&"字".repeat(341)).await;
    ws.complete().await;
    let journaled = sessions(&server, 1).await;
    let session = &journaled[0]["session"];
    assert_eq!(session["end"], "send_timeout");
    assert_eq!(session["ended_mid_stream"], true);
    let findings: Vec<&str> = journaled[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(findings.contains(&"stream.client_stalled"), "{findings:?}");
    drop(ws);
    still_serves(&server).await;
}
