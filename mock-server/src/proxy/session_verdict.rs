//! The shadow verdict of a streaming-speech session: the events the upstream sent compared with the
//! events the shadow fake's session sent for the same client frames. Compared: the event types in order
//! (a run of `speech.audio.update` counts as one: how many chunks a sentence takes is the service's own),
//! each event's field names and JSON types ([`crate::compare::diff_with`]; ids, logids and `respond_at`
//! are values that differ every time), an `error` event's `code` by value (its `msg` is the fake's own
//! words), the logid's format, and the close code a side sent of its own accord. Each difference is named
//! by the `stream.*` row of the fidelity ledger that governs it.

use serde_json::{json, Value};

use super::verdict::{Divergence, Verdict};
use crate::api::speech_ws::is_session_logid;
use crate::compare::diff_with;
use crate::error::CODE_STREAM_TEXT_TOO_LONG;

/// The audio event whose runs are compared as one.
const AUDIO_EVENT: &str = "speech.audio.update";

/// What one side of a session sent, as the verdict compares it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SessionSide {
    /// Each event, its audio left out ([`compact`]).
    pub events: Vec<Value>,
    /// The close code the side sent first, of its own accord (not in answer to the client's close).
    pub closed_with: Option<u16>,
}

impl SessionSide {
    /// Notes a text frame the side sent.
    pub(crate) fn text(&mut self, text: &str) {
        self.events.push(compact(text));
    }

    /// Notes a binary frame the side sent (the channel has none).
    pub(crate) fn binary(&mut self) {
        self.events.push(json!({"event_type": "(binary frame)"}));
    }

    /// The event types in order, each run of audio as one.
    pub(crate) fn types(&self) -> Vec<String> {
        runs(&self.events)
            .iter()
            .map(|e| event_type(e).to_owned())
            .collect()
    }
}

/// An event as kept: its JSON with an audio chunk's base64 replaced by an empty string (same type, no
/// audio held), or a marker for a frame that is not JSON.
pub(crate) fn compact(text: &str) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(mut event) => {
            if event_type(&event) == AUDIO_EVENT {
                if let Some(delta) = event.pointer_mut("/data/delta") {
                    if delta.is_string() {
                        *delta = json!("");
                    }
                }
            }
            event
        }
        Err(_) => json!({"event_type": "(not JSON)"}),
    }
}

fn event_type(event: &Value) -> &str {
    event
        .get("event_type")
        .and_then(Value::as_str)
        .unwrap_or("(no event_type)")
}

/// The events with each run of audio chunks reduced to its first.
fn runs(events: &[Value]) -> Vec<&Value> {
    let mut out: Vec<&Value> = Vec::new();
    for event in events {
        let audio = event_type(event) == AUDIO_EVENT;
        if audio && out.last().is_some_and(|e| event_type(e) == AUDIO_EVENT) {
            continue;
        }
        out.push(event);
    }
    out
}

/// The row behind an `error` event's code.
fn error_row(code: Option<i64>) -> &'static str {
    if code == Some(CODE_STREAM_TEXT_TOO_LONG) {
        "stream.text_limit"
    } else {
        "stream.error_events"
    }
}

fn error_code(event: &Value) -> Option<i64> {
    event.pointer("/data/code").and_then(Value::as_i64)
}

/// The row behind an event of this type.
fn event_row(event: &Value) -> &'static str {
    match event_type(event) {
        "error" => error_row(error_code(event)),
        AUDIO_EVENT => "stream.audio",
        _ => "stream.events",
    }
}

/// Compares the upstream's session (`real`) with the shadow's (`fake`) for the same client frames.
pub(crate) fn judge_session(real: &SessionSide, fake: &SessionSide) -> Verdict {
    let (real_runs, fake_runs) = (runs(&real.events), runs(&fake.events));
    let mut divergences: Vec<Divergence> = Vec::new();
    let mut push = |d: Divergence| {
        if !divergences.iter().any(|seen| seen.field == d.field) {
            divergences.push(d);
        }
    };
    let common = real_runs
        .iter()
        .zip(&fake_runs)
        .take_while(|(r, f)| event_type(r) == event_type(f))
        .count();
    if common < real_runs.len() || common < fake_runs.len() {
        // The first event where the two part: an error on either side names that error's row.
        let parted = [real_runs.get(common), fake_runs.get(common)];
        let row = parted
            .iter()
            .flatten()
            .find(|e| event_type(e) == "error")
            .map_or("stream.events", |e| error_row(error_code(e)));
        push(Divergence {
            field: "events (types in order, a run of audio as one)".to_owned(),
            real: Some(json!(real.types())),
            fake: Some(json!(fake.types())),
            ledger: Some(row.to_owned()),
        });
    }
    for (r, f) in real_runs.iter().zip(&fake_runs).take(common) {
        let kind = event_type(r);
        let error = kind == "error";
        let by_type = |path: &str| path != "event_type" && !(error && path == "data.code");
        for d in diff_with(r, f, &by_type) {
            push(Divergence {
                field: format!("{kind}: {}", d.path),
                real: d.real,
                fake: d.fake,
                ledger: Some(event_row(r).to_owned()),
            });
        }
    }
    if let Some(logid) = real_runs.first().and_then(|e| e.pointer("/detail/logid")) {
        if !logid.as_str().is_some_and(is_session_logid) {
            push(Divergence {
                field: "detail.logid (format)".to_owned(),
                real: Some(logid.clone()),
                fake: fake_runs
                    .first()
                    .and_then(|e| e.pointer("/detail/logid"))
                    .cloned(),
                ledger: Some("stream.events".to_owned()),
            });
        }
    }
    if real.closed_with != fake.closed_with {
        push(Divergence {
            field: "close code (sent of its own accord)".to_owned(),
            real: real.closed_with.map(|c| json!(c)),
            fake: fake.closed_with.map(|c| json!(c)),
            ledger: Some("stream.bounds".to_owned()),
        });
    }
    let mut touched = vec!["stream.handshake", "stream.events"];
    for event in real_runs.iter().chain(&fake_runs) {
        let row = event_row(event);
        if !touched.contains(&row) {
            touched.push(row);
        }
    }
    if real.closed_with.is_some() || fake.closed_with.is_some() {
        touched.push("stream.bounds");
    }
    Verdict::of(divergences, touched)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fidelity::LEDGER;

    const LOGID: &str = "021752378236593fdbddc020024081600000000000000169f8683";

    fn event(kind: &str, data: Option<Value>) -> String {
        let mut e =
            json!({"event_type": kind, "id": "u", "detail": {"logid": LOGID, "respond_at": "1"}});
        if let Some(data) = data {
            e["data"] = data;
        }
        e.to_string()
    }

    fn side(events: &[String]) -> SessionSide {
        let mut side = SessionSide::default();
        for e in events {
            side.text(e);
        }
        side
    }

    fn round(chunks: usize) -> Vec<String> {
        let mut events = vec![
            event("speech.created", None),
            event("input_text_buffer.completed", None),
        ];
        events.extend(
            (0..chunks).map(|i| event(AUDIO_EVENT, Some(json!({"delta": format!("AA{i}=")})))),
        );
        events.push(event("speech.audio.completed", None));
        events
    }

    fn rows(verdict: &Verdict) -> Vec<(&str, &str)> {
        verdict
            .divergences
            .iter()
            .map(|d| (d.field.as_str(), d.ledger_name()))
            .collect()
    }

    #[test]
    fn a_run_of_audio_is_one_event_and_values_count_by_type() {
        let verdict = judge_session(&side(&round(3)), &side(&round(7)));
        assert!(verdict.divergences.is_empty(), "{:?}", rows(&verdict));
        assert!(verdict.confirmed.contains(&"stream.audio".to_owned()));
        assert_eq!(
            side(&round(1)).events[2]["data"]["delta"],
            "",
            "no audio kept"
        );
    }

    #[test]
    fn another_order_or_an_extra_field_is_stream_events_and_an_error_names_its_row() {
        let mut real = round(1);
        real.insert(
            2,
            event(
                "conversation.audio.sentence_start",
                Some(json!({"text": "a"})),
            ),
        );
        assert_eq!(
            rows(&judge_session(&side(&real), &side(&round(1)))),
            [(
                "events (types in order, a run of audio as one)",
                "stream.events"
            )]
        );
        let mut extra = round(1);
        extra[0] = event("speech.created", Some(json!({"session_id": "s"})));
        assert_eq!(
            rows(&judge_session(&side(&extra), &side(&round(1)))),
            [("speech.created: data", "stream.events")]
        );
        let error = |code: i64| event("error", Some(json!({"code": code, "msg": "m"})));
        let (real, fake) = (
            side(&[event("speech.created", None), error(3010)]),
            side(&[event("speech.created", None), error(4000)]),
        );
        assert_eq!(
            rows(&judge_session(&real, &fake)),
            [("error: data.code", "stream.text_limit")]
        );
        let fake = side(&[event("speech.created", None)]);
        assert_eq!(
            rows(&judge_session(&real, &fake)),
            [(
                "events (types in order, a run of audio as one)",
                "stream.text_limit"
            )]
        );
    }

    #[test]
    fn a_malformed_logid_and_another_close_code_are_named() {
        let mut real = side(&round(1));
        real.events[0]["detail"]["logid"] = json!("20241210152726B2C5B5A8E3E8BD01F5F0");
        real.closed_with = Some(1000);
        let rows_named: Vec<(String, String)> = judge_session(&real, &side(&round(1)))
            .divergences
            .iter()
            .map(|d| (d.field.clone(), d.ledger_name().to_owned()))
            .collect();
        assert!(rows_named.contains(&("detail.logid (format)".into(), "stream.events".into())));
        assert!(rows_named.contains(&(
            "close code (sent of its own accord)".into(),
            "stream.bounds".into()
        )));
    }

    #[test]
    fn every_row_the_session_verdict_names_is_in_the_ledger() {
        for row in [
            "stream.handshake",
            "stream.events",
            "stream.audio",
            "stream.text_limit",
            "stream.error_events",
            "stream.bounds",
        ] {
            assert!(LEDGER.iter().any(|p| p.id == row), "{row}");
        }
    }
}
