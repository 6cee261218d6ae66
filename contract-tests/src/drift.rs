//! Replaying a recorded set against a fake, and the field-by-field difference between the two answers.
//!
//! Fields that differ on every call (logids, voice ids, times, the preview URL) are compared by presence
//! and JSON type only: [`VOLATILE`]. A voice id the real API gave is mapped to the one the fake gave, so
//! a later request of the set that names it (a retrain) names the fake's voice instead.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::client::Api;
use crate::record::read_set;
use crate::request::{CloneRequest, Part};
use crate::response::CapturedResponse;

/// Paths compared by presence and type only: they change on every call.
pub const VOLATILE: [&str; 6] = [
    "body.detail.logid",
    "headers.x-tt-logid",
    "body.data.voice_id",
    "body.data.create_time",
    "body.data.update_time",
    "body.data.preview_audio",
];

/// One field where the two answers differ.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDiff {
    /// Dotted path (`body.msg`, `status`).
    pub path: String,
    /// The recorded (real) value; `None` if absent.
    pub real: Option<Value>,
    /// The fake's value; `None` if absent.
    pub fake: Option<Value>,
}

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

/// The differences between a recorded answer and the fake's.
pub fn diff(real: &CapturedResponse, fake: &CapturedResponse) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    let as_value = |r: &CapturedResponse| serde_json::to_value(r).unwrap_or(Value::Null);
    walk("", Some(&as_value(real)), Some(&as_value(fake)), &mut out);
    out
}

fn walk(path: &str, real: Option<&Value>, fake: Option<&Value>, out: &mut Vec<FieldDiff>) {
    let volatile = VOLATILE.contains(&path);
    match (real, fake) {
        (Some(Value::Object(r)), Some(Value::Object(f))) if !volatile => {
            let mut keys: Vec<&String> = r.keys().chain(f.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(&p, r.get(k), f.get(k), out);
            }
        }
        (Some(r), Some(f)) if volatile && same_type(r, f) => {}
        (Some(r), Some(f)) if r == f => {}
        (None, None) => {}
        (r, f) => out.push(FieldDiff {
            path: path.to_owned(),
            real: r.cloned(),
            fake: f.cloned(),
        }),
    }
}

fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// Replays every exchange of the set in `dir` against `api`, in order.
pub async fn replay(dir: &Path, api: &Api) -> anyhow::Result<Vec<ExchangeReport>> {
    let mut voice_ids: HashMap<String, String> = HashMap::new();
    let mut reports = Vec::new();
    for (file, exchange) in read_set(dir)? {
        let request = map_voice_ids(exchange.request, &voice_ids);
        let fake = api.clone_voice(&request).await;
        if let (Some(r), Some(f)) = (exchange.response.voice_id(), fake.voice_id()) {
            voice_ids.insert(r.to_owned(), f.to_owned());
        }
        reports.push(ExchangeReport {
            file,
            request: format!("{request:?}"),
            diffs: diff(&exchange.response, &fake),
        });
    }
    Ok(reports)
}

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
