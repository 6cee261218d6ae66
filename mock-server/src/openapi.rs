//! The fake's own OpenAPI 3.1 description: `GET /__mock/openapi.json` serves it, `coze-mock openapi`
//! prints it.
//!
//! Built in code from the same names the fake enforces: every limit, enum and default from
//! [`crate::rules`], every error answer from [`ApiError::row`] (code, HTTP status, rule), so the
//! description cannot drift from the behaviour. Each operation lists the errors it can answer as example
//! [`ApiError`] values; their rows decide the statuses and codes documented. Coze's own description of
//! these endpoints documents speech as a JSON answer and only HTTP 200; this one documents what the fake
//! answers.

use std::collections::BTreeMap;

use http::StatusCode;
use serde_json::{json, Map, Value};

use crate::admin::{ADMIN_PREFIX, JOURNAL_PAGE_MAX};
use crate::envelope::{LOGID_HEADER, RULE_HEADER};
use crate::error::{every_audio_failure, ApiError, Row};
use crate::request_body::SlowBody;
use crate::rules::{
    AudioFormat, Language, SpeechFormat, AUDIO_FORMAT_VALUES, CREATE_SPEECH_PERMISSION,
    CREATE_VOICE_PERMISSION, DEFAULT_PREVIEW_TEXT, DEFAULT_VOICE_STATE, FILE_MAX_BYTES,
    LIST_VOICE_PERMISSION, PAGE_SIZE_MAX, SPEECH_DEFAULT_SAMPLE_RATE, SPEECH_DEFAULT_SPEED,
    SPEECH_EMOTIONS, SPEECH_EMOTION_SCALE_RANGE, SPEECH_INPUT_MAX_BYTES, SPEECH_LOUDNESS_RANGE,
    SPEECH_SAMPLE_RATES, SPEECH_SPEED_RANGE_BIG, SPEECH_SPEED_RANGE_SMALL, TEXT_MAX_BYTES,
    VOICE_MODEL_TYPES, VOICE_NAME_MAX_BYTES, VOICE_STATES, VOICE_STATE_ALL,
};

/// Where the description is served.
pub const OPENAPI_PATH: &str = "/__mock/openapi.json";

/// The path the preview audio is served under (the `{file}` is `<voice_id>.wav`).
pub const PREVIEW_AUDIO_ROUTE: &str = "/__mock/preview_audio/{file}";

/// Which part of the server an operation is: the API's error statuses follow `[fidelity] error_status`,
/// the admin API keeps its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Surface {
    Api,
    Admin,
}

/// The HTTP statuses an error answer can come on: its row's, and for the API also 200, which
/// `[fidelity] error_status = "always_200"` answers every error envelope on
/// ([`crate::api::error_status::error_status_layer`]).
fn error_statuses(row: &Row, surface: Surface) -> Vec<StatusCode> {
    match surface {
        Surface::Api if row.status != StatusCode::OK => vec![row.status, StatusCode::OK],
        Surface::Api | Surface::Admin => vec![row.status],
    }
}

/// Adds the error envelopes of `error` to a success answer on the same status (HTTP 200 under
/// `always_200`): a JSON answer becomes one of the two envelopes; an audio answer gains the JSON one.
fn merge_errors_into(success: &mut Value, error: &Value) {
    let error_schema = error["content"]["application/json"]["schema"].clone();
    let content = &mut success["content"];
    match content.get_mut("application/json") {
        Some(json) => {
            let schema = json["schema"].take();
            json["schema"] = json!({"oneOf": [schema, error_schema]});
        }
        None => content["application/json"] = json!({"schema": error_schema}),
    }
    let description = format!(
        "{}\n\nWith `[fidelity] error_status = \"always_200\"`, also: {}",
        success["description"].as_str().unwrap_or_default(),
        error["description"].as_str().unwrap_or_default()
    );
    success["description"] = json!(description);
}

/// The permission a personal access token needs for an operation, where the fake checks one.
fn permission_note(permission: Option<&str>) -> String {
    match permission {
        Some(p) => format!(
            "The token needs the `{p}` permission (refused with the real 4101 naming the resource)."
        ),
        None => "Any valid token.".to_owned(),
    }
}

/// The errors every authenticated endpoint can answer before it reads its input.
fn auth_errors() -> Vec<ApiError> {
    vec![
        ApiError::MissingAuthorization,
        ApiError::MalformedAuthorization,
        ApiError::UnknownToken,
        ApiError::ExpiredToken,
    ]
}

fn clone_errors() -> Vec<ApiError> {
    let mut errors = auth_errors();
    errors.extend([
        ApiError::MissingPermission {
            permission: CREATE_VOICE_PERMISSION,
        },
        ApiError::PlanCannotClone,
        ApiError::SpaceNotAllowed {
            space_id: "7000000000000000000".into(),
        },
        ApiError::AccountInArrears,
        ApiError::NoVoiceSlots { used: 1, total: 1 },
        ApiError::CloneLimitReached {
            voice_id: "7000000000000000000".into(),
        },
        ApiError::VoiceNotFound {
            voice_id: "7000000000000000000".into(),
            space_id: "7000000000000000001".into(),
        },
        ApiError::NotMultipart {
            content_type: "application/json".into(),
        },
        ApiError::MalformedMultipart {
            reason: "the body ends before the closing boundary".into(),
        },
        ApiError::DuplicateField {
            field: "voice_name".into(),
        },
        ApiError::InvalidField {
            field: "text".into(),
            reason: "UTF-8 text".into(),
        },
        ApiError::VoiceNameMissing,
        ApiError::VoiceNameTooLong {
            bytes: VOICE_NAME_MAX_BYTES + 1,
        },
        ApiError::TextTooLong {
            bytes: TEXT_MAX_BYTES + 1,
        },
        ApiError::LanguageUnsupported { value: "fr".into() },
        ApiError::AudioFormatUnsupported {
            value: "flac".into(),
        },
        ApiError::MalformedId {
            field: "voice_id",
            value: "abc".into(),
        },
        ApiError::FileMissing,
        ApiError::TooManyFiles,
        ApiError::FileTooLarge,
        ApiError::BodyTooSlow(SlowBody::Stalled),
        ApiError::BodyTooSlow(SlowBody::Trickling),
        ApiError::Internal(String::new()),
    ]);
    errors.extend(every_audio_failure().map(ApiError::Audio));
    errors
}

fn list_errors() -> Vec<ApiError> {
    let mut errors = auth_errors();
    errors.extend([
        ApiError::ListParamInvalid {
            param: "page_size",
            expected: "an integer in (0, 100]".into(),
            value: "0".into(),
        },
        ApiError::Internal(String::new()),
    ]);
    errors
}

fn speech_errors() -> Vec<ApiError> {
    let mut errors = auth_errors();
    errors.extend([
        ApiError::SpeechBodyInvalid {
            reason: "a JSON object with a non-empty input".into(),
        },
        ApiError::MissingPermission {
            permission: CREATE_SPEECH_PERMISSION,
        },
        ApiError::SpeechInputTooLong {
            bytes: SPEECH_INPUT_MAX_BYTES + 1,
        },
        ApiError::SpeechFormatUnsupported {
            value: "flac".into(),
        },
        ApiError::SpeechSpeedOutOfRange {
            value: 9.0,
            model_type: "big",
            range: SPEECH_SPEED_RANGE_BIG,
        },
        ApiError::SpeechParamInvalid {
            param: "loudness_rate",
            expected: "an integer in [-50, 100]".into(),
            value: "448".into(),
        },
        ApiError::SpeechSampleRateUnsupported { value: 11_025 },
        ApiError::UnknownVoice {
            voice_id: "7000000000000000000".into(),
        },
        ApiError::VoiceOfOtherSpace {
            voice_id: "7000000000000000000".into(),
        },
        ApiError::BodyTooSlow(SlowBody::Stalled),
        ApiError::BodyTooSlow(SlowBody::Trickling),
        ApiError::Internal(String::new()),
    ]);
    errors
}

fn preview_errors() -> Vec<ApiError> {
    vec![
        ApiError::UnknownVoice {
            voice_id: "7000000000000000000".into(),
        },
        ApiError::Internal(String::new()),
    ]
}

/// Every admin operation can refuse access; those with input can refuse it.
fn admin_errors(with_input: bool) -> Vec<ApiError> {
    let mut errors = vec![ApiError::AdminUnauthorized {
        reason: "send Authorization: Bearer <the --admin-token value>",
    }];
    if with_input {
        errors.push(ApiError::AdminInvalid {
            reason: "invalid JSON".into(),
        });
    }
    errors.push(ApiError::Internal(String::new()));
    errors
}

/// The error answers of an operation, one response per HTTP status: the codes and rules it can carry.
fn error_responses(errors: &[ApiError], surface: Surface) -> BTreeMap<String, Value> {
    let mut by_status: BTreeMap<u16, Vec<Row>> = BTreeMap::new();
    for e in errors {
        let row = e.row();
        for status in error_statuses(&row, surface) {
            by_status
                .entry(status.as_u16())
                .or_default()
                .push(row.clone());
        }
    }
    by_status
        .into_iter()
        .map(|(status, rows)| {
            let mut codes: Vec<i64> = rows.iter().map(|r| r.code).collect();
            codes.sort_unstable();
            codes.dedup();
            let mut rules: Vec<&str> = rows.iter().map(|r| r.rule).collect();
            rules.sort_unstable();
            rules.dedup();
            let lines: Vec<String> = rows
                .iter()
                .map(|r| format!("- `{}` `{}`: {}", r.code, r.rule, r.msg))
                .collect();
            let response = json!({
                "description": format!("An error envelope. Code, rule and an example message:\n{}", lines.join("\n")),
                "headers": {
                    LOGID_HEADER: {"$ref": "#/components/headers/LogId"},
                    RULE_HEADER: {
                        "description": "The rule that decided the answer (the fake's own header).",
                        "required": true,
                        "schema": {"type": "string", "enum": rules},
                    },
                },
                "content": {"application/json": {"schema": {
                    "allOf": [{"$ref": "#/components/schemas/ErrorEnvelope"}],
                    "properties": {"code": {"enum": codes}},
                }}},
            });
            (status.to_string(), response)
        })
        .collect()
}

/// A successful envelope answer whose `data` has `data_schema`.
fn envelope_response(description: &str, data_schema: Value) -> Value {
    json!({
        "description": description,
        "headers": {LOGID_HEADER: {"$ref": "#/components/headers/LogId"}},
        "content": {"application/json": {"schema": {
            "type": "object",
            "required": ["code", "msg", "data", "detail"],
            "properties": {
                "code": {"const": 0},
                "msg": {"const": ""},
                "data": data_schema,
                "detail": {"$ref": "#/components/schemas/Detail"},
            },
        }}},
    })
}

/// An operation: its success answers, then its error answers.
fn operation(
    id: &str,
    summary: &str,
    description: &str,
    mut responses: BTreeMap<String, Value>,
    errors: &[ApiError],
    surface: Surface,
) -> Map<String, Value> {
    for (status, error) in error_responses(errors, surface) {
        match responses.get_mut(&status) {
            Some(success) => merge_errors_into(success, &error),
            None => {
                responses.insert(status, error);
            }
        }
    }
    let mut op = Map::new();
    op.insert("operationId".into(), json!(id));
    op.insert("summary".into(), json!(summary));
    op.insert("description".into(), json!(description));
    op.insert("responses".into(), json!(responses));
    op
}

fn clone_operation() -> Value {
    let permission = Some(CREATE_VOICE_PERMISSION);
    let id_field =
        |what: &str| json!({"type": "string", "pattern": "^[0-9]+$", "description": what});
    let mut op = operation(
        "cloneVoice",
        "复刻音色: clone a voice, or retrain one with voice_id",
        &format!(
            "Clones the voice of an audio sample (multipart/form-data). {} Empty optional fields \
             mean \"not given\". `voice_name` and `text` are limited in bytes of UTF-8 (the schema's \
             maxLength bounds characters; `x-max-bytes` is the rule).",
            permission_note(permission)
        ),
        BTreeMap::from([(
            "200".to_owned(),
            envelope_response(
                "The documented answer, `{\"voice_id\"}`; with `[fidelity] clone_answer = \"voice\"` the whole \
                 Voice (which cozepy 0.20.0's clone() parses).",
                json!({
                    "type": "object",
                    "required": ["voice_id"],
                    "properties": {"voice_id": {"type": "string", "pattern": "^[0-9]+$"}},
                }),
            ),
        )]),
        &clone_errors(),
        Surface::Api,
    );
    op.insert("security".into(), json!([{"bearerAuth": []}]));
    op.insert("x-coze-permission".into(), json!(permission));
    op.insert(
        "requestBody".into(),
        json!({
            "required": true,
            "content": {"multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["voice_name", "file"],
                    "properties": {
                        "voice_name": {
                            "type": "string", "minLength": 1, "maxLength": VOICE_NAME_MAX_BYTES,
                            "x-max-bytes": VOICE_NAME_MAX_BYTES,
                            "description": "The voice's name, at most this many bytes of UTF-8.",
                        },
                        "file": {
                            "type": "string", "format": "binary",
                            "x-max-bytes": FILE_MAX_BYTES,
                            "description": format!(
                                "The audio sample, one file of at most {FILE_MAX_BYTES} bytes, in one of: {}. \
                                 Judged by its bytes: a file that is not such audio is refused.",
                                AudioFormat::ALL.map(AudioFormat::name).join(", ")
                            ),
                        },
                        "audio_format": {
                            "type": "string",
                            "enum": AUDIO_FORMAT_VALUES,
                            "description": "The file's format (case-insensitive; `ogg_opus` names ogg). Required for \
                                            pcm and m4a audio (4000 without it), for every format with \
                                            `[fidelity] audio_format_required = true`.",
                        },
                        "language": {
                            "type": "string",
                            "enum": Language::ALL.map(Language::code),
                            "default": Language::DEFAULT.code(),
                        },
                        "voice_id": id_field("The voice to retrain (a voice of the workspace)."),
                        "preview_text": {
                            "type": "string",
                            "default": DEFAULT_PREVIEW_TEXT,
                            "description": "The text of the voice's preview audio.",
                        },
                        "text": {
                            "type": "string", "maxLength": TEXT_MAX_BYTES,
                            "x-max-bytes": TEXT_MAX_BYTES,
                            "description": "What the audio says; compared with a transcript the file carries.",
                        },
                        "space_id": id_field("The workspace; the token's personal workspace if not given."),
                        "description": {"type": "string"},
                    },
                },
                "encoding": {"file": {"contentType": "audio/*, application/octet-stream"}},
            }},
        }),
    );
    Value::Object(op)
}

fn list_operation() -> Value {
    let query = |name: &str, schema: Value, description: &str| json!({"name": name, "in": "query", "required": false, "schema": schema, "description": description});
    let mut voice_states: Vec<&str> = VOICE_STATES.to_vec();
    voice_states.push(VOICE_STATE_ALL);
    let permission = Some(LIST_VOICE_PERMISSION);
    let mut op = operation(
        "listVoices",
        "查看音色列表: the system voices and the voices cloned in the token's workspaces",
        &format!(
            "Cloned voices newest first, then system voices. An empty parameter means \"not given\". {}",
            permission_note(permission)
        ),
        BTreeMap::from([(
            "200".to_owned(),
            envelope_response(
                "A page of voices.",
                json!({
                    "type": "object",
                    "required": ["voice_list", "has_more"],
                    "properties": {
                        "voice_list": {"type": "array", "items": {"$ref": "#/components/schemas/Voice"}},
                        "has_more": {"type": "boolean"},
                    },
                }),
            ),
        )]),
        &list_errors(),
        Surface::Api,
    );
    op.insert("security".into(), json!([{"bearerAuth": []}]));
    op.insert("x-coze-permission".into(), json!(permission));
    // An empty value is "not given" (the page's own example sends `voice_state=`), so each parameter
    // also takes "".
    let query = |name: &str, schema: Value, description: &str| {
        query(name, json!({"anyOf": [schema, {"const": ""}]}), description)
    };
    op.insert(
        "parameters".into(),
        json!([
            query("filter_system_voice", json!({"type": "boolean", "default": false}), "Leave system voices out."),
            query("model_type", json!({"type": "string", "enum": VOICE_MODEL_TYPES}), "Only voices of this model type."),
            query("voice_state", json!({"type": "string", "enum": voice_states, "default": DEFAULT_VOICE_STATE}), "Only voices in this state."),
            query("page_num", json!({"type": "integer", "minimum": 1, "maximum": u32::MAX, "default": 1}), "The page, from 1."),
            query("page_size", json!({"type": "integer", "minimum": 1, "maximum": PAGE_SIZE_MAX, "default": PAGE_SIZE_MAX}), "Voices per page."),
        ]),
    );
    Value::Object(op)
}

/// The audio answer of speech and previews: each format's content type, a binary body of exact length.
fn audio_response(description: &str, formats: &[SpeechFormat]) -> Value {
    let content: Map<String, Value> = formats
        .iter()
        .map(|f| {
            (
                f.content_type().to_owned(),
                json!({"schema": {"type": "string", "format": "binary"}}),
            )
        })
        .collect();
    json!({
        "description": description,
        "headers": {
            LOGID_HEADER: {"$ref": "#/components/headers/LogId"},
            "content-length": {"required": true, "schema": {"type": "integer", "minimum": 1}},
        },
        "content": content,
    })
}

fn speech_operation() -> Value {
    let permission = Some(CREATE_SPEECH_PERMISSION);
    let (min_speed, max_speed) = (SPEECH_SPEED_RANGE_SMALL.0, SPEECH_SPEED_RANGE_SMALL.1);
    let mut format_names: Vec<&str> = SpeechFormat::ALL.map(SpeechFormat::name).to_vec();
    // @coze/api's names for Ogg Opus.
    format_names.extend(
        ["ogg", "opus"]
            .into_iter()
            .filter(|n| SpeechFormat::from_name(n).is_some()),
    );
    let mut op = operation(
        "createSpeech",
        "语音合成: speak a text with a system or cloned voice",
        &format!(
            "Answers the audio itself (not an envelope), streamed with an exact Content-Length; \
             errors are envelopes. WAV and PCM carry a tone per character, MP3 and Ogg Opus silence \
             of the same length. `input` is limited in bytes of UTF-8 (`x-max-bytes`); `speed` by the \
             voice's model type (`x-range-by-model-type`); `emotion` on a voice without \
             `support_emotions` is ignored; `null`, and `sample_rate` 0, mean not given. {}",
            permission_note(permission)
        ),
        BTreeMap::from([(
            "200".to_owned(),
            audio_response("The audio, in the format asked for.", &SpeechFormat::ALL),
        )]),
        &speech_errors(),
        Surface::Api,
    );
    op.insert("security".into(), json!([{"bearerAuth": []}]));
    op.insert("x-coze-permission".into(), json!(permission));
    op.insert(
        "requestBody".into(),
        json!({
            "required": true,
            "content": {"application/json": {"schema": {
                "type": "object",
                "required": ["input", "voice_id"],
                "properties": {
                    "input": {"type": "string", "minLength": 1, "maxLength": SPEECH_INPUT_MAX_BYTES, "x-max-bytes": SPEECH_INPUT_MAX_BYTES},
                    "voice_id": {"type": "string", "minLength": 1},
                    "response_format": {
                        "type": ["string", "null"], "enum": format_names.iter().map(|n| json!(n)).chain([Value::Null]).collect::<Vec<_>>(),
                        "default": SpeechFormat::DEFAULT.name(),
                    },
                    "speed": {
                        "type": ["number", "null"], "minimum": min_speed, "maximum": max_speed,
                        "default": SPEECH_DEFAULT_SPEED,
                        "x-range-by-model-type": {
                            "big": [SPEECH_SPEED_RANGE_BIG.0, SPEECH_SPEED_RANGE_BIG.1],
                            "small": [SPEECH_SPEED_RANGE_SMALL.0, SPEECH_SPEED_RANGE_SMALL.1],
                        },
                    },
                    "loudness_rate": {
                        "type": ["integer", "null"], "minimum": SPEECH_LOUDNESS_RANGE.0,
                        "maximum": SPEECH_LOUDNESS_RANGE.1, "default": 0,
                    },
                    "emotion": {
                        "type": ["string", "null"],
                        "enum": SPEECH_EMOTIONS.iter().map(|e| json!(e)).chain([Value::Null]).collect::<Vec<_>>(),
                    },
                    "emotion_scale": {
                        "type": ["number", "null"], "minimum": SPEECH_EMOTION_SCALE_RANGE.0,
                        "maximum": SPEECH_EMOTION_SCALE_RANGE.1,
                    },
                    "context_texts": {"type": ["string", "null"]},
                    "sample_rate": {
                        "type": ["integer", "null"], "enum": SPEECH_SAMPLE_RATES.iter().map(|r| json!(r)).chain([json!(0), Value::Null]).collect::<Vec<_>>(),
                        "default": SPEECH_DEFAULT_SAMPLE_RATE,
                    },
                },
            }}},
        }),
    );
    Value::Object(op)
}

fn preview_operation() -> Value {
    let mut op = operation(
        "previewAudio",
        "A voice's preview audio, as the voice list links it",
        "Its `preview_text` spoken by the voice, as WAV. Needs no token, like the real preview URLs.",
        BTreeMap::from([(
            "200".to_owned(),
            audio_response("The preview, WAV.", &[SpeechFormat::Wav]),
        )]),
        &preview_errors(),
        Surface::Api,
    );
    op.insert("security".into(), json!([]));
    op.insert(
        "parameters".into(),
        json!([{
            "name": "file", "in": "path", "required": true,
            "schema": {"type": "string", "pattern": "^[0-9]+\\.wav$"},
            "description": "`<voice_id>.wav`",
        }]),
    );
    Value::Object(op)
}

/// An admin operation: an envelope whose `data` has `data_schema`.
fn admin_operation(
    id: &str,
    summary: &str,
    data_schema: Value,
    with_input: bool,
) -> Map<String, Value> {
    let mut op = operation(
        id,
        summary,
        "The fake's admin API (not Coze's). Open on loopback without `--admin-token`; otherwise it \
         needs `Authorization: Bearer <admin token>`.",
        BTreeMap::from([("200".to_owned(), envelope_response(summary, data_schema))]),
        &admin_errors(with_input),
        Surface::Admin,
    );
    op.insert("security".into(), json!([{}, {"adminToken": []}]));
    op.insert("tags".into(), json!(["admin"]));
    op
}

fn admin_paths() -> Vec<(String, Value)> {
    let object = json!({"type": "object"});
    let fault_list = json!({"type": "object", "required": ["faults"], "properties": {"faults": {"type": "array", "items": {"type": "object"}}}});
    let mut journal = admin_operation(
        "adminJournal",
        "Requests with their verdict and rule, oldest first",
        json!({"type": "object", "required": ["records"], "properties": {"records": {"type": "array", "items": {"type": "object"}}}}),
        true,
    );
    let query = |name: &str, schema: Value, description: &str| json!({"name": name, "in": "query", "schema": schema, "description": description});
    journal.insert(
        "parameters".into(),
        json!([
            query("after", json!({"type": "integer", "minimum": 0, "maximum": u64::MAX, "default": 0}), "Only records with a larger id."),
            query("limit", json!({"type": "integer", "minimum": 0, "maximum": u32::MAX, "default": JOURNAL_PAGE_MAX}), &format!("At most this many; more than {JOURNAL_PAGE_MAX} reads {JOURNAL_PAGE_MAX}.")),
            query("logid", json!({"type": "string"}), "Only the request with this logid."),
            query("path", json!({"type": "string"}), "Only requests to this path."),
            query("code", json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX}), "Only answers with this code."),
            query("client", json!({"type": "string"}), "Only requests from this client (as the report names it)."),
            query("since", json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX}), "Only requests at or after this Unix time in milliseconds."),
            query("until", json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX}), "Only requests before this Unix time in milliseconds."),
        ]),
    );
    let json_body = |description: &str| json!({"required": true, "content": {"application/json": {"schema": {"type": "object"}}}, "description": description});
    let mut seed = admin_operation(
        "adminSeed",
        "Adds accounts, workspaces, tokens and voices",
        json!({"type": "object", "required": ["voices"], "properties": {"voices": {"type": "array", "items": {"$ref": "#/components/schemas/Voice"}}}}),
        true,
    );
    seed.insert(
        "requestBody".into(),
        json_body("The configuration file's shape, as JSON."),
    );
    let mut add_fault = admin_operation("adminAddFault", "Adds an injected fault", object, true);
    add_fault.insert(
        "requestBody".into(),
        json!({"required": true, "content": {"application/json": {"schema": fault_spec_schema()}}}),
    );
    let mut report = admin_operation(
        "adminReport",
        "The conformance report: findings per request and per sequence, coverage per client",
        json!({"type": "object"}),
        true,
    );
    report.insert(
        "parameters".into(),
        json!([query(
            "format",
            json!({"type": "string", "enum": ["json", "junit"], "default": "json"}),
            "`junit` answers JUnit XML instead of the envelope."
        )]),
    );
    if let Some(ok) = report.get_mut("responses").and_then(|r| r.get_mut("200")) {
        ok["content"]["application/xml; charset=utf-8"] = json!({"schema": {"type": "string"}});
    }
    let path = |p: &str| format!("{ADMIN_PREFIX}{p}");
    vec![
        (
            path("/reset"),
            json!({"post": admin_operation("adminReset", "Back to the configured state", json!({"type": "object", "required": ["voices"], "properties": {"voices": {"type": "integer", "minimum": 0}}}), false)}),
        ),
        (path("/seed"), json!({"post": seed})),
        (
            path("/voices"),
            json!({"get": admin_operation("adminVoices", "Every voice of every workspace", json!({"type": "array", "items": {"type": "object"}}), false)}),
        ),
        (path("/journal"), json!({"get": journal})),
        (path("/report"), json!({"get": report})),
        (
            path("/fidelity"),
            json!({"get": admin_operation("adminFidelity", "The fidelity settings in force, the rules, and the ledger of choices", json!({"type": "object", "required": ["settings", "rules", "ledger"]}), false)}),
        ),
        (
            path("/health"),
            json!({"get": admin_operation("adminHealth", "Ready to serve (what `coze-mock wait` polls)", json!({"type": "object", "required": ["ready", "version"], "properties": {"ready": {"const": true}, "version": {"type": "string"}}}), false)}),
        ),
        (
            path("/accounts"),
            json!({"get": admin_operation("adminAccounts", "Every account with its plan and voice slots", json!({"type": "array", "items": {"type": "object", "required": ["id", "plan", "in_arrears", "slots_total", "slots_used"]}}), false)}),
        ),
        (
            path("/faults"),
            json!({
                "get": admin_operation("adminFaults", "The active faults", fault_list.clone(), false),
                "post": add_fault,
                "delete": admin_operation("adminClearFaults", "Clears every fault", fault_list, false),
            }),
        ),
    ]
}

/// `POST /__admin/faults`'s body ([`crate::faults::FaultSpec`]): unknown fields are refused.
fn fault_spec_schema() -> Value {
    let kind = |name: &str, properties: Value, required: &[&str]| {
        let mut props = properties.as_object().cloned().unwrap_or_default();
        props.insert("kind".into(), json!({"const": name}));
        let mut required: Vec<&str> = required.to_vec();
        required.push("kind");
        json!({"type": "object", "required": required, "properties": props, "additionalProperties": false})
    };
    json!({
        "type": "object",
        "required": ["action"],
        "additionalProperties": false,
        "properties": {
            "path": {"type": "string", "description": "This path, or every path starting with the part before a trailing `*`; every path if absent."},
            "method": {"type": "string"},
            "times": {"type": "integer", "minimum": 1, "maximum": u32::MAX},
            "for_ms": {"type": "integer", "minimum": 0, "maximum": u64::MAX},
            "action": {"oneOf": [
                kind("latency", json!({"ms": {"type": "integer", "minimum": 0, "maximum": u64::MAX}}), &["ms"]),
                kind("envelope", json!({
                    "code": {"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX},
                    "msg": {"type": "string"},
                    "status": {"type": "integer", "minimum": 100, "maximum": 999, "default": 200},
                }), &["code", "msg"]),
                kind("http_status", json!({"status": {"type": "integer", "description": "429 or 500-599", "anyOf": [{"const": 429}, {"minimum": 500, "maximum": 599}]}}), &["status"]),
                kind("drop", json!({}), &[]),
            ]},
        },
    })
}

fn components() -> Value {
    json!({
        "securitySchemes": {
            "bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "A personal access token: `Authorization: Bearer pat_…`. Each operation names the permission it needs in `x-coze-permission`.",
            },
            "adminToken": {
                "type": "http", "scheme": "bearer",
                "description": "The `--admin-token` the fake was started with.",
            },
        },
        "headers": {
            "LogId": {
                "description": "The request's log id; every answer carries it, and envelopes repeat it in `detail.logid`.",
                "required": true,
                "schema": {"$ref": "#/components/schemas/LogId"},
            },
        },
        "schemas": {
            "LogId": {"type": "string", "pattern": "^[0-9]{14}[0-9A-F]{20}$"},
            "Detail": {
                "type": "object", "required": ["logid"],
                "properties": {"logid": {"$ref": "#/components/schemas/LogId"}},
            },
            "ErrorEnvelope": {
                "type": "object",
                "required": ["code", "msg", "detail"],
                "properties": {
                    "code": {"type": "integer"},
                    "msg": {"type": "string", "minLength": 1},
                    "detail": {"$ref": "#/components/schemas/Detail"},
                },
                "not": {"required": ["data"]},
            },
            "Voice": {
                "type": "object",
                "required": ["voice_id", "name", "is_system_voice", "language_code", "language_name",
                    "preview_text", "preview_audio", "available_training_times", "create_time",
                    "update_time", "model_type", "state"],
                "properties": {
                    "voice_id": {"type": "string", "pattern": "^[0-9]+$"},
                    "name": {"type": "string"},
                    "is_system_voice": {"type": "boolean"},
                    "language_code": {"type": "string", "enum": Language::ALL.map(Language::code)},
                    "language_name": {"type": "string", "enum": Language::ALL.map(Language::name)},
                    "preview_text": {"type": "string"},
                    "preview_audio": {"type": "string", "format": "uri"},
                    "available_training_times": {"type": "integer", "minimum": 0},
                    "create_time": {"type": "integer"},
                    "update_time": {"type": "integer"},
                    "model_type": {"type": "string", "enum": VOICE_MODEL_TYPES},
                    "state": {"type": "string", "enum": VOICE_STATES},
                    "support_emotions": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
    })
}

/// The whole description.
pub fn document() -> Value {
    let mut paths = Map::new();
    paths.insert(
        "/v1/audio/voices/clone".into(),
        json!({"post": clone_operation()}),
    );
    paths.insert("/v1/audio/voices".into(), json!({"get": list_operation()}));
    paths.insert(
        "/v1/audio/speech".into(),
        json!({"post": speech_operation()}),
    );
    paths.insert(
        PREVIEW_AUDIO_ROUTE.into(),
        json!({"get": preview_operation()}),
    );
    paths.extend(admin_paths());
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "coze-mock: Coze's voice-clone API, as the fake answers it",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "An offline fake of Coze's voice-clone API (https://www.coze.cn/open/docs/developer_guides/clone_voices). Every limit, enum, default and error answer here is generated from the rules the fake enforces.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": components(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::list_voices::ListQuery;
    use crate::api::speech::SpeechRequest;

    fn at<'a>(doc: &'a Value, pointer: &str) -> &'a Value {
        doc.pointer(pointer)
            .unwrap_or_else(|| panic!("{pointer} is not in the description"))
    }

    fn number(doc: &Value, pointer: &str) -> f64 {
        at(doc, pointer)
            .as_f64()
            .unwrap_or_else(|| panic!("{pointer} is not a number"))
    }

    fn strings(doc: &Value, pointer: &str) -> Vec<String> {
        at(doc, pointer)
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    }

    const SPEECH: &str =
        "/paths/~1v1~1audio~1speech/post/requestBody/content/application~1json/schema/properties";
    const CLONE: &str = "/paths/~1v1~1audio~1voices~1clone/post/requestBody/content/multipart~1form-data/schema/properties";
    const LIST: &str = "/paths/~1v1~1audio~1voices/get/parameters";

    fn speech(fields: &str) -> Result<SpeechRequest, ApiError> {
        SpeechRequest::parse(format!(r#"{{"input":"hi","voice_id":"1"{fields}}}"#).as_bytes())
    }

    #[test]
    fn speech_limits_enums_and_defaults_are_what_the_parser_enforces() {
        let doc = document();
        let max_bytes = number(&doc, &format!("{SPEECH}/input/x-max-bytes")) as usize;
        let at_limit = "a".repeat(max_bytes);
        assert!(SpeechRequest::parse(
            format!(r#"{{"input":"{at_limit}","voice_id":"1"}}"#).as_bytes()
        )
        .is_ok());
        let over = format!("{}字", "a".repeat(max_bytes - 2));
        assert!(
            SpeechRequest::parse(format!(r#"{{"input":"{over}","voice_id":"1"}}"#).as_bytes())
                .is_err()
        );

        let (min, max) = (
            number(&doc, &format!("{SPEECH}/speed/minimum")),
            number(&doc, &format!("{SPEECH}/speed/maximum")),
        );
        for model_type in ["big", "small"] {
            let range = at(
                &doc,
                &format!("{SPEECH}/speed/x-range-by-model-type/{model_type}"),
            );
            let (low, high) = (range[0].as_f64().unwrap(), range[1].as_f64().unwrap());
            assert!(
                min <= low && high <= max,
                "{model_type} within the schema's bounds"
            );
            let voice = crate::config::SystemVoiceConfig {
                model_type: model_type.to_owned(),
                ..crate::config::default_system_voices().remove(0)
            };
            let voice = crate::system_voices::SpeakingVoice::System(&voice);
            for (speed, accepted) in [
                (low, true),
                (high, true),
                (low - 0.01, false),
                (high + 0.01, false),
            ] {
                let request = speech(&format!(r#","speed":{speed}"#)).unwrap();
                assert_eq!(
                    request.check_voice(&voice).is_ok(),
                    accepted,
                    "{model_type} speed {speed}"
                );
            }
        }
        let formats = strings(&doc, &format!("{SPEECH}/response_format/enum"));
        for f in &formats {
            assert!(
                speech(&format!(r#","response_format":"{f}""#)).is_ok(),
                "{f}"
            );
        }
        assert!(speech(r#","response_format":"flac""#).is_err());
        let rates: Vec<i64> = at(&doc, &format!("{SPEECH}/sample_rate/enum"))
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_i64)
            .collect();
        for rate in 0..=96_000 {
            assert_eq!(
                speech(&format!(r#","sample_rate":{rate}"#)).is_ok(),
                rates.contains(&rate),
                "{rate} Hz"
            );
        }
        let defaults = speech("").unwrap();
        assert_eq!(
            at(&doc, &format!("{SPEECH}/response_format/default")),
            defaults.format.name()
        );
        assert_eq!(
            number(&doc, &format!("{SPEECH}/speed/default")),
            defaults.speed
        );
        assert_eq!(
            number(&doc, &format!("{SPEECH}/sample_rate/default")) as u32,
            defaults.sample_rate
        );
    }

    #[test]
    fn list_enums_and_page_bounds_are_what_the_parser_enforces() {
        let doc = document();
        let param = |name: &str| {
            at(&doc, LIST)
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == name)
                .unwrap()["schema"]["anyOf"][0]
                .clone()
        };
        let parse =
            |key: &str, value: &str| ListQuery::parse(&[(key.to_owned(), value.to_owned())]);
        for key in ["model_type", "voice_state"] {
            let schema = param(key);
            for value in schema["enum"].as_array().unwrap() {
                assert!(parse(key, value.as_str().unwrap()).is_ok(), "{key}={value}");
            }
            assert!(parse(key, "other").is_err(), "{key}");
        }
        for key in [
            "filter_system_voice",
            "model_type",
            "voice_state",
            "page_num",
            "page_size",
        ] {
            assert_eq!(
                parse(key, "").ok(),
                parse("", "").ok(),
                "{key}= is not given"
            );
        }
        let size = param("page_size");
        let max = size["maximum"].as_u64().unwrap();
        assert!(parse("page_size", &max.to_string()).is_ok());
        assert!(parse("page_size", &(max + 1).to_string()).is_err());
        assert!(parse(
            "page_size",
            &(size["minimum"].as_u64().unwrap() - 1).to_string()
        )
        .is_err());
        assert_eq!(
            parse("page_num", "1").unwrap().page_size,
            size["default"].as_u64().unwrap() as u32
        );
        assert!(parse(
            "page_num",
            &(param("page_num")["minimum"].as_u64().unwrap() - 1).to_string()
        )
        .is_err());
    }

    #[test]
    fn clone_limits_and_enums_are_the_rules_the_form_is_judged_by() {
        let doc = document();
        assert_eq!(
            number(&doc, &format!("{CLONE}/voice_name/x-max-bytes")) as usize,
            VOICE_NAME_MAX_BYTES
        );
        assert_eq!(
            number(&doc, &format!("{CLONE}/text/x-max-bytes")) as usize,
            TEXT_MAX_BYTES
        );
        assert_eq!(
            number(&doc, &format!("{CLONE}/file/x-max-bytes")) as u64,
            FILE_MAX_BYTES
        );
        for code in strings(&doc, &format!("{CLONE}/language/enum")) {
            assert!(Language::from_code(&code).is_some(), "{code}");
        }
        assert_eq!(
            strings(&doc, &format!("{CLONE}/language/enum")).len(),
            Language::ALL.len()
        );
        for name in strings(&doc, &format!("{CLONE}/audio_format/enum")) {
            assert!(AudioFormat::from_name(&name).is_some(), "{name}");
        }
        assert_eq!(
            strings(&doc, &format!("{CLONE}/audio_format/enum")),
            AUDIO_FORMAT_VALUES,
            "every value the SDKs send: the page's six and ogg_opus"
        );
        assert_eq!(
            at(
                &doc,
                "/paths/~1v1~1audio~1voices~1clone/post/x-coze-permission"
            ),
            CREATE_VOICE_PERMISSION
        );
    }

    #[test]
    fn every_error_row_is_documented_under_its_status_with_its_code_and_rule() {
        let doc = document();
        for (pointer, errors) in [
            ("/paths/~1v1~1audio~1voices~1clone/post", clone_errors()),
            ("/paths/~1v1~1audio~1voices/get", list_errors()),
            ("/paths/~1v1~1audio~1speech/post", speech_errors()),
        ] {
            for e in errors {
                let row = e.row();
                let response = at(
                    &doc,
                    &format!("{pointer}/responses/{}", row.status.as_u16()),
                );
                let codes = &response["content"]["application/json"]["schema"]["properties"]
                    ["code"]["enum"];
                assert!(
                    codes.as_array().unwrap().contains(&json!(row.code)),
                    "{pointer}: {}",
                    row.rule
                );
                let rules = &response["headers"][RULE_HEADER]["schema"]["enum"];
                assert!(
                    rules.as_array().unwrap().contains(&json!(row.rule)),
                    "{pointer}: {}",
                    row.rule
                );
            }
        }
    }

    #[test]
    fn under_always_200_every_api_error_is_documented_on_200_too_and_admin_errors_are_not() {
        let doc = document();
        let codes_on_200 = |pointer: &str| -> Vec<Value> {
            let json = &at(&doc, &format!("{pointer}/responses/200/content"))["application/json"]
                ["schema"];
            let error = json.get("oneOf").map_or(json, |one| &one[1]);
            error["properties"]["code"]["enum"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        };
        for (pointer, errors) in [
            ("/paths/~1v1~1audio~1voices~1clone/post", clone_errors()),
            ("/paths/~1v1~1audio~1voices/get", list_errors()),
            ("/paths/~1v1~1audio~1speech/post", speech_errors()),
        ] {
            let codes = codes_on_200(pointer);
            for e in errors {
                assert!(
                    codes.contains(&json!(e.row().code)),
                    "{pointer}: {}",
                    e.row().rule
                );
            }
        }
        assert!(codes_on_200("/paths/~1__admin~1journal/get").is_empty());
    }

    #[test]
    fn every_answer_documents_the_logid_header() {
        let doc = document();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for (status, response) in op["responses"].as_object().unwrap() {
                    assert_eq!(
                        response["headers"][LOGID_HEADER]["$ref"], "#/components/headers/LogId",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}
