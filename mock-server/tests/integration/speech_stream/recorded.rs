use coze_mock::__internals::synth::Speech;
use coze_mock::MockServer;
use serde_json::Value;

use super::{audio, connect, types};
use crate::support::defaults::TOKEN;

/// The recorded session (`fixtures/speech_stream/recorded_session.jsonl`): its frames, in order.
fn recorded() -> Vec<(String, Value)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/speech_stream/recorded_session.jsonl"
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap();
            (
                record["direction"].as_str().unwrap().to_owned(),
                record["event"].clone(),
            )
        })
        .collect()
}

/// Consecutive `speech.audio.update` events as one: their number follows the text's length.
fn squeezed(types: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in types {
        if !(t == "speech.audio.update" && out.last() == Some(&t)) {
            out.push(t);
        }
    }
    out
}

/// The JSON type of every field of `value`, by path: `detail.logid: string`.
fn shape(value: &Value, path: &str, out: &mut Vec<String>) {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(map) => {
            for (key, field) in map {
                let inner = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                shape(field, &inner, out);
            }
            "object"
        }
    };
    out.push(format!("{path}: {kind}"));
}

fn shape_of(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    shape(value, "", &mut out);
    out.sort();
    out
}

#[tokio::test]
async fn the_recorded_session_replayed_gets_the_recorded_events_fields_and_types() {
    let server = MockServer::start().await;
    let recorded = recorded();
    let mut ws = connect(&server.uri(), TOKEN).await;
    for (direction, event) in &recorded {
        if direction == "send" {
            ws.send(event.clone()).await;
        }
    }
    let answered = ws.until("speech.audio.completed").await;
    let expected: Vec<&Value> = recorded
        .iter()
        .filter(|(d, _)| d == "receive")
        .map(|(_, e)| e)
        .collect();

    let expected_types: Vec<String> = expected
        .iter()
        .map(|e| e["event_type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(squeezed(types(&answered)), squeezed(expected_types));

    for event in &answered {
        let twin = expected
            .iter()
            .find(|e| e["event_type"] == event["event_type"])
            .unwrap();
        assert_eq!(shape_of(event), shape_of(twin), "{}", event["event_type"]);
        let logid = event["detail"]["logid"].as_str().unwrap();
        assert_eq!(logid.len(), 53, "{logid}");
        assert!(logid.starts_with("02"), "{logid}");
        assert_eq!(logid, ws.logid, "the session's logid is the handshake's");
        let respond_at: i64 = event["detail"]["respond_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let logid_ms: i64 = logid[2..15].parse().unwrap();
        assert!(respond_at >= logid_ms, "answered after the session opened");
        let id = event["id"].as_str().unwrap();
        assert_eq!(
            id.split('-').map(str::len).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12],
            "{id}"
        );
    }
    let sentence = answered
        .iter()
        .find(|e| e["event_type"] == "conversation.audio.sentence_start")
        .unwrap();
    assert_eq!(
        sentence["data"]["text"], "今天天气不错。",
        "the recorded sentence, final punctuation added"
    );
    let ids: std::collections::BTreeSet<&str> =
        answered.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), answered.len(), "every event has its own id");

    // The default voice spoke 24 kHz pcm, the recorded session's audio, as HTTP speech would.
    let first_voice = coze_mock::config::Config::default().system_voices[0]
        .voice_id
        .clone();
    let http = Speech::new(
        "今天天气不错。",
        &first_voice,
        1.0,
        24_000,
        coze_mock::rules::SpeechFormat::Pcm,
    );
    let http_audio: Vec<u8> = http.into_chunks().flatten().collect();
    assert_eq!(audio(&answered), http_audio);
    ws.close().await;
}
