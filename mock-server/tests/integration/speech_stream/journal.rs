use std::time::{Duration, Instant};

use coze_mock::MockServer;
use serde_json::{json, Value};

use super::{audio, connect, types, Ended};
use crate::support::api::Api;
use crate::support::defaults::TOKEN;

/// The journal's records once `n` sessions are recorded.
async fn journal_with_sessions(api: &Api, n: usize) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let records = api.journal().await;
        if records
            .iter()
            .filter(|r| r.get("session").is_some())
            .count()
            >= n
        {
            return records;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{records:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn finding_ids(record: &Value) -> Vec<String> {
    record["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_session_is_one_journal_entry_with_its_events_summarised_and_no_audio() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    let mut ws = connect(&server.uri(), TOKEN).await;
    ws.next_event().await;
    ws.update(json!({"codec": "g711u"})).await;
    ws.next_event().await;
    let first = ws.speak("你好").await;
    let second = ws.speak("再见").await;
    let logid = ws.logid.clone();
    ws.close().await;

    let records = journal_with_sessions(&api, 1).await;
    assert_eq!(
        records.len(),
        1,
        "one entry for the whole session: {records:?}"
    );
    let record = &records[0];
    assert_eq!(record["method"], "GET");
    assert_eq!(record["path"], "/v1/audio/speech");
    assert_eq!(record["endpoint"], "speech_stream");
    assert_eq!(record["status"], 101);
    assert_eq!(record["verdict"], "accepted");
    assert_eq!(record["logid"], logid.as_str());
    let session = &record["session"];
    assert_eq!(session["rounds"], 2);
    assert_eq!(session["codec"], "g711u");
    assert_eq!(session["sample_rate"], 8000);
    assert_eq!(session["end"], "client_closed");
    assert_eq!(session["text_bytes"], 12);
    assert_eq!(
        session["audio_bytes"],
        (audio(&first).len() + audio(&second).len()) as u64
    );
    assert_eq!(
        session["received"],
        json!([
            {"event_type": "speech.update", "count": 1},
            {"event_type": "input_text_buffer.append", "count": 2},
            {"event_type": "input_text_buffer.complete", "count": 2},
        ])
    );
    let sent: Vec<&str> = session["sent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        sent,
        [
            "speech.created",
            "speech.updated",
            "input_text_buffer.completed",
            "conversation.audio.sentence_start",
            "speech.audio.update",
            "speech.audio.completed",
        ]
    );
    assert!(finding_ids(record).is_empty(), "{record}");
    assert!(!record.to_string().contains("你好"), "no text is kept");
}

#[tokio::test]
async fn client_mistakes_in_a_session_are_findings_in_the_journal_and_the_report() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    let mut ws = connect(&server.uri(), TOKEN).await;
    ws.next_event().await;
    ws.append(&"字".repeat(342)).await;
    ws.next_event().await;
    ws.send(json!({"event_type": "conversation.chat.cancel"}))
        .await;
    ws.next_event().await;
    ws.append("说了一半").await;
    ws.close().await;

    let records = journal_with_sessions(&api, 1).await;
    let record = &records[0];
    assert_eq!(
        record["code"], 3010,
        "the first error decides the entry's code"
    );
    assert_eq!(record["verdict"], "refused");
    assert_eq!(
        finding_ids(record),
        [
            "stream.text_never_completed",
            "stream.text_over_limit",
            "stream.text_before_update",
            "stream.event_refused",
        ]
    );
    let report = api.admin_get("/report").await;
    let text = report.bytes.iter().map(|b| *b as char).collect::<String>();
    assert!(text.contains("stream.text_over_limit"), "{text:.400}");
}

#[tokio::test]
async fn a_client_that_disconnects_mid_stream_ends_the_session_at_once() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    let mut ws = connect(&server.uri(), TOKEN).await;
    ws.next_event().await;
    // 68 s of 48 kHz pcm, far more than the sockets buffer: the session is still streaming.
    ws.update(json!({"pcm_config": {"sample_rate": 48000}, "speech_rate": -50}))
        .await;
    ws.next_event().await;
    ws.append(&"字".repeat(341)).await;
    ws.complete().await;
    loop {
        if ws.next_event().await["event_type"] == "speech.audio.update" {
            break;
        }
    }
    drop(ws);
    let records = journal_with_sessions(&api, 1).await;
    let session = &records[0]["session"];
    assert_eq!(session["end"], "client_gone");
    assert_eq!(session["ended_mid_stream"], true);
    assert!(finding_ids(&records[0]).contains(&"stream.closed_mid_audio".to_owned()));
}

async fn add_fault(api: &Api, action: Value) {
    api.admin_post(
        "/faults",
        json!({"path": "/v1/audio/speech", "method": "GET", "action": action}),
    )
    .await
    .assert_ok();
}

#[tokio::test]
async fn a_drop_fault_cuts_the_connection_after_the_given_chunks() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    add_fault(&api, json!({"kind": "speech_drop", "after_chunks": 2})).await;
    let mut ws = connect(&server.uri(), TOKEN).await;
    ws.next_event().await;
    ws.update(json!({})).await;
    ws.next_event().await;
    ws.append(&"字".repeat(100)).await;
    ws.complete().await;
    let mut kinds = Vec::new();
    let ended = loop {
        match ws.next().await {
            Ok(event) => kinds.push(event["event_type"].as_str().unwrap().to_owned()),
            Err(ended) => break ended,
        }
    };
    assert_eq!(ended, Ended::Cut, "no close frame");
    assert_eq!(
        kinds,
        [
            "input_text_buffer.completed",
            "conversation.audio.sentence_start",
            "speech.audio.update",
            "speech.audio.update",
        ]
    );
    let records = journal_with_sessions(&api, 1).await;
    assert_eq!(records[0]["verdict"], "fault");
    assert_eq!(records[0]["session"]["end"], "fault_drop");
    assert!(
        finding_ids(&records[0]).is_empty(),
        "not the client's mistake"
    );

    // The fault applied once: the next session streams to the end.
    let mut ws = connect(&server.uri(), TOKEN).await;
    ws.next_event().await;
    assert!(!audio(&ws.speak("你好").await).is_empty());
}

#[tokio::test]
async fn an_error_event_fault_answers_the_first_complete_and_a_delay_fault_slows_every_chunk() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    add_fault(
        &api,
        json!({"kind": "speech_error_event", "code": 5000, "msg": "busy"}),
    )
    .await;
    let mut ws = connect(&server.uri(), TOKEN).await;
    ws.next_event().await;
    let answered = ws.speak_until_error("你好").await;
    assert_eq!(types(&answered), ["input_text_buffer.completed", "error"]);
    assert_eq!(answered[1]["data"], json!({"code": 5000, "msg": "busy"}));
    assert!(
        !audio(&ws.speak("再试一次").await).is_empty(),
        "then audio again"
    );
    ws.close().await;

    add_fault(&api, json!({"kind": "speech_chunk_delay", "ms": 30})).await;
    let mut ws = connect(&server.uri(), TOKEN).await;
    ws.next_event().await;
    let events = ws.speak("你好").await;
    assert_eq!(types(&events).last().unwrap(), "speech.audio.completed");
    ws.close().await;
    let records = journal_with_sessions(&api, 2).await;
    let delayed = records
        .iter()
        .rev()
        .find(|r| r.get("session").is_some())
        .unwrap();
    assert_eq!(delayed["fault"], json!({"kind": "latency", "ms": 30}));
    assert_eq!(delayed["verdict"], "accepted", "a delay is no refusal");
}

impl super::Ws {
    /// Appends and completes `text`, then reads up to the first `error` event.
    async fn speak_until_error(&mut self, text: &str) -> Vec<Value> {
        self.append(text).await;
        self.complete().await;
        self.until("error").await
    }
}
