//! The field-by-field comparison of a real answer with the fake's, shared by `contract-tests`' drift
//! replay and the proxy's shadow verdicts ([`crate::proxy`]).
//!
//! Both answers are JSON values of the shape `{status, headers, body}`. Paths are dotted
//! (`body.data.voice_id`). A path the caller marks "by type" is compared by presence and JSON type only;
//! an array at such a path is compared by the shape of its first element (`path[0]`), when both have
//! one. Objects are always walked key by key, so a missing or extra key is always a difference.

use serde_json::Value;

/// Paths whose values change on every call (logids, voice ids, times, the preview URL): compared by
/// presence and type only, whatever else the caller compares by value.
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
    /// The real value; `None` if absent.
    pub real: Option<Value>,
    /// The fake's value; `None` if absent.
    pub fake: Option<Value>,
}

/// The differences between `real` and `fake`: [`VOLATILE`] paths by presence and type, the rest by
/// value (what the drift replay compares).
pub fn diff(real: &Value, fake: &Value) -> Vec<FieldDiff> {
    diff_with(real, fake, &|path| VOLATILE.contains(&path))
}

/// The differences between `real` and `fake`, comparing the paths `by_type` selects (and [`VOLATILE`]
/// ones) by presence and type only.
pub fn diff_with(real: &Value, fake: &Value, by_type: &dyn Fn(&str) -> bool) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    let by_type = |path: &str| VOLATILE.contains(&path) || by_type(path);
    walk("", Some(real), Some(fake), &by_type, &mut out);
    out
}

fn walk(
    path: &str,
    real: Option<&Value>,
    fake: Option<&Value>,
    by_type: &dyn Fn(&str) -> bool,
    out: &mut Vec<FieldDiff>,
) {
    let loose = by_type(path);
    match (real, fake) {
        (Some(Value::Object(r)), Some(Value::Object(f))) => {
            let mut keys: Vec<&String> = r.keys().chain(f.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(&p, r.get(k), f.get(k), by_type, out);
            }
        }
        (Some(Value::Array(r)), Some(Value::Array(f))) if loose => {
            if let (Some(r0), Some(f0)) = (r.first(), f.first()) {
                walk(&format!("{path}[0]"), Some(r0), Some(f0), by_type, out);
            }
        }
        (Some(r), Some(f)) if loose && same_type(r, f) => {}
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, body: Value) -> Value {
        json!({"status": status, "headers": {"x-tt-logid": "L1"}, "body": body})
    }

    fn paths(diffs: Vec<FieldDiff>) -> Vec<String> {
        diffs.into_iter().map(|d| d.path).collect()
    }

    #[test]
    fn volatile_fields_are_compared_by_type_and_the_rest_by_value() {
        let real = answer(
            200,
            json!({"code": 4000, "msg": "a", "detail": {"logid": "L1"}}),
        );
        let fake = answer(
            400,
            json!({"code": 4000, "msg": "b", "detail": {"logid": "L2"}, "extra": 1}),
        );
        assert_eq!(
            paths(diff(&real, &fake)),
            ["body.extra", "body.msg", "status"]
        );
    }

    #[test]
    fn a_volatile_field_of_another_type_is_a_difference() {
        let real = answer(200, json!({"data": {"voice_id": "7"}}));
        let fake = answer(200, json!({"data": {"voice_id": 7}}));
        assert_eq!(paths(diff(&real, &fake)), ["body.data.voice_id"]);
    }

    #[test]
    fn arrays_by_type_compare_their_first_elements_field_names_and_types() {
        let by_type = |p: &str| p.starts_with("body.data");
        let real = answer(200, json!({"data": {"list": [{"a": "x", "b": 1}], "n": 3}}));
        let same_shape = answer(200, json!({"data": {"list": [{"a": "y", "b": 2}], "n": 9}}));
        assert!(diff_with(&real, &same_shape, &by_type).is_empty());
        let empty = answer(200, json!({"data": {"list": [], "n": 0}}));
        assert!(diff_with(&real, &empty, &by_type).is_empty());
        let other = answer(200, json!({"data": {"list": [{"a": 1}], "n": "3"}}));
        assert_eq!(
            paths(diff_with(&real, &other, &by_type)),
            ["body.data.list[0].a", "body.data.list[0].b", "body.data.n"]
        );
        assert_eq!(
            paths(diff(&real, &same_shape)),
            ["body.data.list", "body.data.n"],
            "without the rule, values count"
        );
    }
}
