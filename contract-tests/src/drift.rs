//! Replaying a recorded set against a fake, and the field-by-field difference between the two answers.
//!
//! Fields that differ on every call (logids, voice ids, times, the preview URL) are compared by presence
//! and JSON type only: [`VOLATILE`]. The comparison is coze-mock's `compare`, which the proxy's shadow
//! verdicts share. A voice id the real API gave is mapped to the one the fake gave, so
//! a later request of the set that names it (a retrain) names the fake's voice instead.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::client::Api;
use crate::record::read_set;
use crate::request::{describe_token, CloneRequest, OtherRequest, Part, RecordedRequest};
use crate::response::CapturedResponse;

pub use coze_mock::__internals::compare::{FieldDiff, VOLATILE};

/// The outcome of replaying one exchange.
#[derive(Debug, Clone)]
pub struct ExchangeReport {
    /// The recorded file's name.
    pub file: String,
    /// The request, for humans.
    pub request: String,
    /// Where the fake differs; empty when it agrees.
    pub diffs: Vec<FieldDiff>,
}

/// The differences between a recorded answer and the fake's: the comparison the proxy's shadow verdicts
/// use too (coze-mock's `compare`).
pub fn diff(real: &CapturedResponse, fake: &CapturedResponse) -> Vec<FieldDiff> {
    let as_value = |r: &CapturedResponse| serde_json::to_value(r).unwrap_or(Value::Null);
    coze_mock::__internals::compare::diff(&as_value(real), &as_value(fake))
}

/// Replays every exchange of the set in `dir` against `api`, in order. A clone is compared as [`diff`]
/// compares; a request to another endpoint (recorded by `coze-mock proxy --record`) by [`diff_shapes`],
/// since a real account's voices and audio are not a fresh fake's.
pub async fn replay(dir: &Path, api: &Api) -> anyhow::Result<Vec<ExchangeReport>> {
    let mut voice_ids: HashMap<String, String> = HashMap::new();
    let mut reports = Vec::new();
    for (file, exchange) in read_set(dir)? {
        let (request, fake, diffs) = match exchange.request {
            RecordedRequest::Clone(request) => {
                let request = map_voice_ids(request, &voice_ids);
                let fake = api.clone_voice(&request).await;
                let diffs = diff(&exchange.response, &fake);
                (format!("{request:?}"), fake, diffs)
            }
            RecordedRequest::Other(request) => {
                let request = map_other_ids(request, &voice_ids);
                let fake = api.send_other(&request).await;
                let diffs = diff_shapes(&exchange.response, &fake);
                let query = request
                    .query
                    .as_deref()
                    .map(|q| format!("?{q}"))
                    .unwrap_or_default();
                let upgrade = request
                    .upgrade
                    .as_deref()
                    .map(|u| format!(", upgrade: {u}"))
                    .unwrap_or_default();
                let shown = format!(
                    "{} {}{query} ({}{upgrade})",
                    request.method,
                    request.path,
                    describe_token(&request.token)
                );
                (shown, fake, diffs)
            }
        };
        if let (Some(r), Some(f)) = (exchange.response.voice_id(), fake.voice_id()) {
            voice_ids.insert(r.to_owned(), f.to_owned());
        }
        reports.push(ExchangeReport {
            file,
            request,
            diffs,
        });
    }
    Ok(reports)
}

/// The differences between a recorded answer of another endpoint and the fake's: `data`'s field names
/// and types, and the audio's format, rather than their values.
pub fn diff_shapes(real: &CapturedResponse, fake: &CapturedResponse) -> Vec<FieldDiff> {
    let as_value = |r: &CapturedResponse| serde_json::to_value(r).unwrap_or(Value::Null);
    let by_type =
        |p: &str| p.starts_with("body.data.") || p == "body.audio.bytes" || p == "body.audio.hash";
    coze_mock::__internals::compare::diff_with(&as_value(real), &as_value(fake), &by_type)
}

/// Names the fake's voice where a recorded clone names the real one (a retrain).
fn map_voice_ids(mut req: CloneRequest, ids: &HashMap<String, String>) -> CloneRequest {
    for p in &mut req.parts {
        if let Part::Text { value, .. } = p {
            if let Some(mapped) = ids.get(value.as_str()) {
                *value = mapped.clone();
            }
        }
    }
    req
}

/// Names the fake's voices where the recorded request names the real ones (in the query and the JSON).
fn map_other_ids(mut req: OtherRequest, ids: &HashMap<String, String>) -> OtherRequest {
    for (real, fake) in ids {
        if let Some(q) = &mut req.query {
            *q = q.replace(real.as_str(), fake);
        }
        if let Some(json) = &mut req.json {
            if let Ok(text) = serde_json::to_string(json) {
                if let Ok(mapped) = serde_json::from_str(&text.replace(real.as_str(), fake)) {
                    *json = mapped;
                }
            }
        }
    }
    req
}

/// The report as text: one block per exchange that differs, one line per field.
pub fn render(reports: &[ExchangeReport]) -> String {
    let mut s = String::new();
    let differing = reports.iter().filter(|r| !r.diffs.is_empty()).count();
    for r in reports.iter().filter(|r| !r.diffs.is_empty()) {
        let _ = writeln!(s, "{}\n  request: {}", r.file, r.request);
        for d in &r.diffs {
            let show =
                |v: &Option<Value>| v.as_ref().map_or("(absent)".to_owned(), Value::to_string);
            let _ = writeln!(
                s,
                "  {}: real {} | fake {}",
                d.path,
                show(&d.real),
                show(&d.fake)
            );
        }
    }
    let _ = writeln!(
        s,
        "{} exchange(s) replayed, {} agree, {} differ (volatile fields compared by presence and type: {})",
        reports.len(),
        reports.len() - differing,
        differing,
        VOLATILE.join(", ")
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resp(status: u16, body: Value) -> CapturedResponse {
        CapturedResponse {
            status,
            headers: [("x-tt-logid".to_owned(), "L1".to_owned())].into(),
            body,
        }
    }

    #[test]
    fn volatile_fields_are_compared_by_type_and_the_rest_by_value() {
        let real = resp(
            200,
            json!({"code": 4000, "msg": "a", "detail": {"logid": "L1"}}),
        );
        let fake = resp(
            400,
            json!({"code": 4000, "msg": "b", "detail": {"logid": "L2"}, "extra": 1}),
        );
        let paths: Vec<_> = diff(&real, &fake).into_iter().map(|d| d.path).collect();
        assert_eq!(paths, ["body.extra", "body.msg", "status"]);
    }

    #[test]
    fn a_volatile_field_of_another_type_is_a_difference() {
        let real = resp(200, json!({"data": {"voice_id": "7"}}));
        let fake = resp(200, json!({"data": {"voice_id": 7}}));
        assert_eq!(diff(&real, &fake)[0].path, "body.data.voice_id");
    }
}
