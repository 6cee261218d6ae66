use std::collections::BTreeSet;

use coze_mock::MockServer;
use futures_util::SinkExt;
use serde_json::{json, Map, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use super::{open, ws_url};
use crate::support::defaults::TOKEN;

/// Whether `value` is valid against `schema`, in the part of JSON Schema the document uses (`$ref`,
/// `type`, `required`, `properties`, `const`, `enum`, bounds; `pattern` and `format` are not read).
/// Stricter than JSON Schema in one way: an object's field the schema does not name is a failure, so an
/// event carrying anything undocumented fails.
fn check(doc: &Value, value: &Value, schema: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = doc
            .pointer(reference.trim_start_matches('#'))
            .ok_or_else(|| format!("{at}: {reference} does not resolve"))?;
        return check(doc, value, target, at);
    }
    let fail = |why: &str| Err(format!("{at}: {value} {why}"));
    if schema.get("const").is_some_and(|c| c != value) {
        return fail(&format!("is not {}", schema["const"]));
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if !values.contains(value) {
            return fail("is not among the enum");
        }
    }
    let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
    let out_of =
        |n: f64| bound("minimum").is_some_and(|m| n < m) || bound("maximum").is_some_and(|m| n > m);
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => {
            let Some(object) = value.as_object() else {
                return fail("is not an object");
            };
            for required in schema["required"].as_array().into_iter().flatten() {
                if !object.contains_key(required.as_str().unwrap()) {
                    return fail(&format!("lacks {required}"));
                }
            }
            let empty = Map::new();
            let properties = schema["properties"].as_object().unwrap_or(&empty);
            for (key, field) in object {
                let field_schema = properties
                    .get(key)
                    .ok_or_else(|| format!("{at}.{key} is not documented"))?;
                check(doc, field, field_schema, &format!("{at}.{key}"))?;
            }
        }
        Some("string") => {
            let Some(s) = value.as_str() else {
                return fail("is not a string");
            };
            let chars = s.chars().count() as f64;
            if bound("minLength").is_some_and(|m| chars < m)
                || bound("maxLength").is_some_and(|m| chars > m)
            {
                return fail("has a length out of bounds");
            }
        }
        Some("integer") => match value.as_i64() {
            Some(n) if !out_of(n as f64) => {}
            _ => return fail("is no integer in bounds"),
        },
        Some("number") => match value.as_f64() {
            Some(n) if !out_of(n) => {}
            _ => return fail("is no number in bounds"),
        },
        Some(other) => panic!("{at}: a schema of type {other}, which this check does not read"),
        None => {}
    }
    Ok(())
}

/// The payload schema of each event type, by the action of its operation (`receive`: the client's).
fn payloads(doc: &Value, action: &str) -> Vec<(String, Value)> {
    let resolve = |reference: &Value| {
        doc.pointer(reference["$ref"].as_str().unwrap().trim_start_matches('#'))
            .unwrap()
            .clone()
    };
    doc["operations"]
        .as_object()
        .unwrap()
        .values()
        .filter(|op| op["action"] == action)
        .flat_map(|op| op["messages"].as_array().unwrap().clone())
        .map(|m| {
            let message = resolve(&resolve(&m));
            let payload = message["payload"].clone();
            let event_type = payload["properties"]["event_type"]["const"]
                .as_str()
                .unwrap()
                .to_owned();
            (event_type, payload)
        })
        .collect()
}

/// Checks each event against the payload of its type among `payloads`.
fn check_events(doc: &Value, payloads: &[(String, Value)], events: &[Value], source: &str) {
    for event in events {
        let event_type = event["event_type"].as_str().unwrap();
        let (_, payload) = payloads
            .iter()
            .find(|(t, _)| t == event_type)
            .unwrap_or_else(|| panic!("{source}: {event_type} has no message"));
        if let Err(why) = check(doc, event, payload, event_type) {
            panic!("{source}: {why}");
        }
    }
}

async fn served_document(server: &MockServer) -> Value {
    let answer = reqwest::get(format!("{}/__mock/asyncapi.json", server.uri()))
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.headers().contains_key("x-tt-logid"));
    answer.json().await.unwrap()
}

#[tokio::test]
async fn the_recorded_real_session_is_what_the_asyncapi_document_describes() {
    let server = MockServer::start().await;
    let doc = served_document(&server).await;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/speech_stream/recorded_session.jsonl"
    );
    let records: Vec<Value> = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    for (direction, action) in [("send", "receive"), ("receive", "send")] {
        let events: Vec<Value> = records
            .iter()
            .filter(|r| r["direction"] == direction)
            .map(|r| r["event"].clone())
            .collect();
        assert!(!events.is_empty());
        check_events(
            &doc,
            &payloads(&doc, action),
            &events,
            "the recorded session",
        );
    }
}

/// A session that provokes every event the document says the fake sends, over the handshake the document
/// describes (the token in its query parameter): every event the fake sends is its message's, field by
/// field, and every message is sent.
#[tokio::test]
async fn a_live_session_sends_every_event_of_the_asyncapi_document_and_only_what_it_describes() {
    let server = MockServer::start().await;
    let doc = served_document(&server).await;
    let address = doc["channels"]["speech"]["address"].as_str().unwrap();
    assert_eq!(
        ws_url(&server.uri(), ""),
        format!("{}{address}", server.uri().replacen("http", "ws", 1))
    );
    let query = doc["components"]["securitySchemes"]["tokenQuery"]["name"]
        .as_str()
        .unwrap();
    let request = ws_url(&server.uri(), &format!("?{query}=Bearer%20{TOKEN}"))
        .into_client_request()
        .unwrap();
    let mut ws = open(request).await.expect("the handshake is accepted");

    let received = payloads(&doc, "receive");
    let example = |event_type: &str| {
        let message = doc["components"]["messages"]
            .as_object()
            .unwrap()
            .values()
            .find(|m| m["name"] == event_type)
            .unwrap();
        message["examples"][0]["payload"].clone()
    };
    let [update, append, complete] = [
        "speech.update",
        "input_text_buffer.append",
        "input_text_buffer.complete",
    ];
    let sent = [
        example(update),
        json!({"event_type": update, "data": {"output_audio": {"pcm_config": {"frame_size_ms": 100}}}}),
        example(append),
        json!({"event_type": complete}),
    ];
    check_events(&doc, &received, &sent, "the client's events");
    let mut events = vec![ws.next_event().await];
    for event in sent {
        ws.send(event).await;
    }
    events.extend(ws.until("speech.audio.completed").await);
    ws.send(json!({"event_type": "speech.start"})).await;
    events.push(ws.next_event().await);
    ws.stream
        .send(Message::binary(vec![1, 2, 3]))
        .await
        .unwrap();
    events.push(ws.next_event().await);
    ws.close().await;

    let sends = payloads(&doc, "send");
    check_events(&doc, &sends, &events, "the live session");
    let seen: BTreeSet<&str> = events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    let documented: BTreeSet<&str> = sends.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(seen, documented);
}
