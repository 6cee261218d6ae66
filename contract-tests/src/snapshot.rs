//! The snapshot settings every contract snapshot uses: one place for the redactions, so that a snapshot
//! reads as the contract of one outcome and the same file holds for the fake and the real API.
//!
//! Redacted (each checked first, so a redaction never hides a malformed value):
//! - `.body.detail.logid` and `.headers["x-tt-logid"]` → `[logid]`, after checking the logid shape;
//! - `.body.data.voice_id` → `[voice_id]`, after checking it is 19 digits;
//! - `.body.data.create_time`, `.body.data.update_time` → `[time]`;
//! - `.body.data.preview_audio` → `[url]`, after checking it is an http(s) URL (its host is the server's);
//! - `.body.msg` → `[msg]` when it is a non-empty message the documentation does not give word for word
//!   (it gives none but 4100's `authentication is invalid`, and "" on success, which stay).

use insta::internals::Content;
use insta::Settings;

use crate::contract::{is_logid, is_voice_id, MSG_AUTHENTICATION_INVALID};

/// The settings for a snapshot of an answer: redactions, sorted maps, no module prefix (the file is named
/// after the rule), and `request`, the summary of the request that got it, in the snapshot's `info`.
pub fn snapshot_settings(request: &serde_json::Value) -> Settings {
    let mut s = Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.set_sort_maps(true);
    s.set_omit_expression(true);
    s.set_info(request);
    for selector in [".body.detail.logid", ".headers[\"x-tt-logid\"]"] {
        s.add_dynamic_redaction(selector, |value, _path| {
            let logid = value.as_str().unwrap_or_default();
            assert!(is_logid(logid), "not a logid: {value:?}");
            "[logid]"
        });
    }
    s.add_dynamic_redaction(".body.data.voice_id", |value, _path| {
        assert!(
            is_voice_id(value.as_str().unwrap_or_default()),
            "not a voice id: {value:?}"
        );
        "[voice_id]"
    });
    s.add_redaction(".body.data.create_time", "[time]");
    s.add_redaction(".body.data.update_time", "[time]");
    s.add_dynamic_redaction(".body.data.preview_audio", |value, _path| {
        let url = value.as_str().unwrap_or_default();
        assert!(
            url.starts_with("http://") || url.starts_with("https://"),
            "preview_audio is not a URL: {value:?}"
        );
        "[url]"
    });
    s.add_dynamic_redaction(".body.msg", |value, _path| match value.as_str() {
        Some("") => Content::from(""),
        Some(MSG_AUTHENTICATION_INVALID) => Content::from(MSG_AUTHENTICATION_INVALID),
        Some(_) => Content::from("[msg]"),
        None => value,
    });
    s
}

/// Asserts the answer against the snapshot `tests/contract/snapshots/<name>.snap`, with
/// [`snapshot_settings`]; `$request` is anything with a `summary()` (a clone request, a list query, a
/// speech request). Use in test files (the snapshot sits beside the calling file).
#[macro_export]
macro_rules! assert_contract_snapshot {
    ($name:expr, $request:expr, $response:expr) => {{
        let settings = $crate::snapshot::snapshot_settings(&$request.summary());
        settings.bind(|| {
            $crate::insta::assert_json_snapshot!($name, &$response);
        });
    }};
}
