//! The catalogue: every endpoint of the API and of the admin API, each written once (as ripgrep's
//! `flags/defs.rs` holds each flag once): its method and path, who may call it, its inputs with their
//! documentation, and the failures it can answer as [`ApiError`] values (each with its row of the error
//! table).
//!
//! The router routes [`ENDPOINTS`], the OpenAPI description describes them, the report counts its coverage
//! and finds unknown names by them, and the multipart reader matches the clone form's parts by
//! [`CloneField`]. [`find`] answers "which endpoint is this request". To add an endpoint: a variant of
//! [`Endpoint`] (or [`AdminEndpoint`]), its [`Def`] in [`ENDPOINTS`], its handler in the router, and its
//! success answer in the OpenAPI description; the integration test `every_failure_is_catalogued` then asks
//! for a request that provokes each failure listed.

use std::fmt;

use axum::handler::Handler;
use axum::routing::{on, MethodFilter, MethodRouter};
use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{every_audio_failure, ApiError};
use crate::request_body::SlowBody;
use crate::rules::{
    AudioFormat, Language, SpeechFormat, AUDIO_FORMAT_VALUES, BODY_DEADLINE, CLONES_PER_VOICE_ID,
    CREATE_SPEECH_PERMISSION, CREATE_VOICE_PERMISSION, DEFAULT_PREVIEW_TEXT, DEFAULT_VOICE_STATE,
    FILE_MAX_BYTES, LIST_VOICE_PERMISSION, PAGE_SIZE_MAX, SPEECH_DEFAULT_SAMPLE_RATE,
    SPEECH_DEFAULT_SPEED, SPEECH_EMOTIONS, SPEECH_EMOTION_SCALE_RANGE, SPEECH_INPUT_MAX_BYTES,
    SPEECH_LOUDNESS_RANGE, SPEECH_SAMPLE_RATES, SPEECH_SPEED_RANGE_BIG, SPEECH_SPEED_RANGE_SMALL,
    SPEECH_STREAM_CODECS, SPEECH_STREAM_PERMISSION, SPEECH_STREAM_TEXT_MAX_BYTES,
    SPEECH_STREAM_TOKEN_QUERY, TEXT_MAX_BYTES, VOICE_MODEL_TYPES, VOICE_NAME_MAX_BYTES,
    VOICE_STATES, VOICE_STATE_ALL,
};

/// Where the admin API is served.
pub(crate) const ADMIN_PREFIX: &str = "/__admin";

/// Where the OpenAPI description is served.
pub(crate) const OPENAPI_PATH: &str = "/__mock/openapi.json";

/// Where the AsyncAPI document of streaming speech is served.
pub(crate) const ASYNCAPI_PATH: &str = "/__mock/asyncapi.json";

/// The path the preview audio is served under (the `{file}` is `<voice_id>.wav`).
pub(crate) const PREVIEW_AUDIO_ROUTE: &str = "/__mock/preview_audio/{file}";

/// Most journal records one read returns.
pub(crate) const JOURNAL_PAGE_MAX: u32 = 1000;

/// An endpoint, or [`Endpoint::Other`] for a request that is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    /// `POST /v1/audio/voices/clone`.
    Clone,
    /// `GET /v1/audio/voices`.
    List,
    /// `POST /v1/audio/speech`.
    Speech,
    /// `GET /v1/audio/speech` upgraded to a WebSocket: streaming speech, one journal entry per session.
    SpeechStream,
    /// The preview audio URL of a voice.
    Preview,
    /// The OpenAPI description.
    OpenApi,
    /// The AsyncAPI document of streaming speech.
    AsyncApi,
    /// An endpoint of the admin API.
    Admin(AdminEndpoint),
    /// Any other method and path.
    Other,
}

/// The endpoints of the admin API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AdminEndpoint {
    /// `POST /__admin/reset`.
    Reset,
    /// `POST /__admin/seed`.
    Seed,
    /// `GET /__admin/voices`.
    Voices,
    /// `GET /__admin/journal`.
    Journal,
    /// `GET /__admin/report`.
    Report,
    /// `DELETE /__admin/report`.
    ClearReport,
    /// `GET /__admin/fidelity`.
    Fidelity,
    /// `GET /__admin/health`.
    Health,
    /// `GET /__admin/accounts`.
    Accounts,
    /// `GET /__admin/faults`.
    Faults,
    /// `POST /__admin/faults`.
    AddFault,
    /// `DELETE /__admin/faults`.
    ClearFaults,
    /// `GET /__admin/expect`.
    Expectations,
    /// `POST /__admin/expect`.
    AddExpectation,
    /// `DELETE /__admin/expect`.
    ClearExpectations,
}

impl Endpoint {
    /// The endpoints of Coze's API that clients call, in the report's order.
    pub const API: [Endpoint; 4] = [
        Endpoint::Clone,
        Endpoint::List,
        Endpoint::Speech,
        Endpoint::SpeechStream,
    ];

    /// The endpoint that serves `method` and `path`, else the one whose path it is
    /// ([`Endpoint::of_path`]): `GET /v1/audio/speech` is the streaming one.
    pub fn of_request(method: &str, path: &str) -> Endpoint {
        Method::from_bytes(method.as_bytes())
            .ok()
            .and_then(|m| find(&m, path))
            .map_or_else(|| Endpoint::of_path(path), |d| d.endpoint)
    }

    /// The endpoint whose path `path` is, whatever the method (the report counts a request sent with the
    /// wrong method against the endpoint it meant).
    pub fn of_path(path: &str) -> Endpoint {
        ENDPOINTS
            .iter()
            .find(|d| path_matches(d.path, path))
            .map_or(Endpoint::Other, |d| d.endpoint)
    }

    /// Its definition; `None` for [`Endpoint::Other`].
    pub fn def(self) -> Option<&'static Def> {
        ENDPOINTS.iter().find(|d| d.endpoint == self)
    }

    /// Its definition, and its handler on its method (routed on [`Def::route_path`]).
    ///
    /// # Panics
    /// For [`Endpoint::Other`], which is no endpoint.
    pub fn route<H, T, S>(self, handler: H) -> (&'static Def, MethodRouter<S>)
    where
        H: Handler<T, S>,
        T: 'static,
        S: Clone + Send + Sync + 'static,
    {
        let def = self.def().expect("every endpoint but Other is catalogued");
        let filter = MethodFilter::try_from(def.method.clone())
            .expect("every catalogued method is one axum routes");
        (def, on(filter, handler))
    }

    /// Its short name: `clone`, `list`, `speech`, `preview`, `openapi`, `admin.reset`, …, `other`.
    pub fn name(self) -> &'static str {
        self.def().map_or("other", |d| d.name)
    }

    /// The endpoint a [`Endpoint::name`] names.
    pub fn from_name(name: &str) -> Option<Endpoint> {
        match name {
            "other" => Some(Endpoint::Other),
            _ => ENDPOINTS
                .iter()
                .find(|d| d.name == name)
                .map(|d| d.endpoint),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Endpoint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Endpoint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Endpoint::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown endpoint {name:?}")))
    }
}

/// Which part of the server an endpoint belongs to: the API's routes sit in the journal, fault and
/// error-status layers; the admin API's do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// Coze's API as the fake serves it, and the fake's own additions beside it.
    Api,
    /// The admin API under [`ADMIN_PREFIX`].
    Admin,
}

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without a token.
    Open,
    /// A personal access token with this permission.
    Token {
        /// The permission (「权限: createVoice」).
        permission: &'static str,
    },
    /// The admin token, or nothing on a loopback server started without one.
    AdminToken,
}

/// One input of an endpoint: a form field, a JSON key, a query or path parameter.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Its name as sent.
    pub name: &'static str,
    /// Whether a request must carry it.
    pub required: bool,
    /// What it is, for the description.
    pub doc: &'static str,
    /// Its JSON Schema (limits, enums and defaults from [`crate::rules`]).
    pub schema: fn() -> Value,
}

/// What an endpoint reads.
#[derive(Debug, Clone, Copy)]
pub enum Inputs {
    /// Nothing.
    None,
    /// A `multipart/form-data` body with these fields.
    Form(&'static [Param]),
    /// A JSON object body with these keys.
    Json(&'static [Param]),
    /// A JSON body with this schema, described as a whole.
    JsonBody {
        /// What the body is.
        doc: &'static str,
        /// Its JSON Schema.
        schema: fn() -> Value,
    },
    /// These query parameters.
    Query(&'static [Param]),
    /// These path parameters.
    Path(&'static [Param]),
}

impl Inputs {
    /// The named inputs (none for a body described as a whole).
    pub fn params(&self) -> &'static [Param] {
        match *self {
            Inputs::Form(p) | Inputs::Json(p) | Inputs::Query(p) | Inputs::Path(p) => p,
            Inputs::None | Inputs::JsonBody { .. } => &[],
        }
    }
}

/// One endpoint, written once.
#[derive(Debug)]
pub struct Def {
    /// Which endpoint.
    pub endpoint: Endpoint,
    /// Its short name (the report's and the journal's).
    pub name: &'static str,
    /// Its method.
    pub method: Method,
    /// Its path; a `{name}` segment matches any one segment.
    pub path: &'static str,
    /// Which part of the server serves it.
    pub surface: Surface,
    /// Who may call it.
    pub access: Access,
    /// The description's `operationId`.
    pub operation_id: &'static str,
    /// One line: what it does.
    pub summary: &'static str,
    /// More, for the description.
    pub doc: &'static str,
    /// What it reads.
    pub inputs: Inputs,
    /// One example of every failure it can answer; their rows decide the codes, statuses and rules.
    pub failures: fn() -> Vec<ApiError>,
}

impl Def {
    /// The permission a token needs, if the endpoint checks one.
    pub fn permission(&self) -> Option<&'static str> {
        match self.access {
            Access::Token { permission } => Some(permission),
            Access::Open | Access::AdminToken => None,
        }
    }

    /// Its path within the router of its surface: the admin router is nested under [`ADMIN_PREFIX`].
    pub fn route_path(&self) -> &'static str {
        match self.surface {
            Surface::Api => self.path,
            Surface::Admin => self.path.strip_prefix(ADMIN_PREFIX).unwrap_or(self.path),
        }
    }

    /// The names of its inputs.
    pub fn input_names(&self) -> impl Iterator<Item = &'static str> {
        self.inputs.params().iter().map(|p| p.name)
    }
}

/// The endpoint that serves `method` and `path`, if one does.
pub fn find(method: &Method, path: &str) -> Option<&'static Def> {
    ENDPOINTS
        .iter()
        .find(|d| d.method == *method && path_matches(d.path, path))
}

/// Whether `path` is an instance of `template`, whose `{name}` segments match any one non-empty segment.
fn path_matches(template: &str, path: &str) -> bool {
    if !template.contains('{') {
        return template == path;
    }
    let mut sent = path.split('/');
    let mut wanted = template.split('/');
    loop {
        match (wanted.next(), sent.next()) {
            (None, None) => return true,
            (Some(w), Some(s)) if w == s => {}
            (Some(w), Some(s)) if w.starts_with('{') && w.ends_with('}') && !s.is_empty() => {}
            _ => return false,
        }
    }
}

/// The clone form's parts: the page's table (复刻音色, <https://www.coze.cn/open/docs/developer_guides/clone_voices>)
/// plus `audio_format` and `description`, which the page's curl example and cozepy send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CloneField {
    /// `voice_name`.
    VoiceName,
    /// `file`: the audio.
    File,
    /// `audio_format`.
    AudioFormat,
    /// `language`.
    Language,
    /// `voice_id`: the voice to retrain.
    VoiceId,
    /// `preview_text`.
    PreviewText,
    /// `text`: what the audio says.
    Text,
    /// `space_id`.
    SpaceId,
    /// `description`.
    Description,
}

impl CloneField {
    /// Every field, in the form's order.
    pub(crate) const ALL: [CloneField; 9] = [
        CloneField::VoiceName,
        CloneField::File,
        CloneField::AudioFormat,
        CloneField::Language,
        CloneField::VoiceId,
        CloneField::PreviewText,
        CloneField::Text,
        CloneField::SpaceId,
        CloneField::Description,
    ];

    /// Its name as sent.
    pub(crate) const fn name(self) -> &'static str {
        CLONE_FORM[self as usize].name
    }

    /// The field a part's name names.
    pub(crate) fn of_name(name: &str) -> Option<CloneField> {
        CloneField::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// A decimal id's schema.
fn id_schema() -> Value {
    json!({"type": "string", "pattern": "^[0-9]+$"})
}

/// The clone form, one [`Param`] per [`CloneField`] in its order.
static CLONE_FORM: [Param; 9] = [
    Param {
        name: "voice_name",
        required: true,
        doc: "The voice's name, at most `x-max-bytes` bytes of UTF-8.",
        schema: || {
            json!({"type": "string", "minLength": 1, "maxLength": VOICE_NAME_MAX_BYTES, "x-max-bytes": VOICE_NAME_MAX_BYTES})
        },
    },
    Param {
        name: "file",
        required: true,
        doc: "The audio sample, one file of at most `x-max-bytes` bytes, in one of the formats \
              `audio_format` names. Judged by its bytes: a file that is not such audio is refused.",
        schema: || json!({"type": "string", "format": "binary", "x-max-bytes": FILE_MAX_BYTES}),
    },
    Param {
        name: "audio_format",
        required: false,
        doc: "The file's format (case-insensitive; `ogg_opus` names ogg). Required for pcm and m4a \
              audio (4000 without it), for every format with `[fidelity] audio_format_required = true`.",
        schema: || json!({"type": "string", "enum": AUDIO_FORMAT_VALUES}),
    },
    Param {
        name: "language",
        required: false,
        doc: "The language the audio speaks.",
        schema: || {
            json!({"type": "string", "enum": Language::ALL.map(Language::code), "default": Language::DEFAULT.code()})
        },
    },
    Param {
        name: "voice_id",
        required: false,
        doc: "The voice to retrain (a voice of the workspace).",
        schema: id_schema,
    },
    Param {
        name: "preview_text",
        required: false,
        doc: "The text of the voice's preview audio.",
        schema: || json!({"type": "string", "default": DEFAULT_PREVIEW_TEXT}),
    },
    Param {
        name: "text",
        required: false,
        doc: "What the audio says; compared with a transcript the file carries.",
        schema: || json!({"type": "string", "maxLength": TEXT_MAX_BYTES, "x-max-bytes": TEXT_MAX_BYTES}),
    },
    Param {
        name: "space_id",
        required: false,
        doc: "The workspace; the token's personal workspace if not given.",
        schema: id_schema,
    },
    Param {
        name: "description",
        required: false,
        doc: "A description of the voice (sent by cozepy; kept by nobody).",
        schema: || json!({"type": "string"}),
    },
];

/// The speech body's keys (Coze's text_to_speech page).
static SPEECH_BODY: [Param; 9] = [
    Param {
        name: "input",
        required: true,
        doc: "The text to speak, at most `x-max-bytes` bytes of UTF-8.",
        schema: || {
            json!({"type": "string", "minLength": 1, "maxLength": SPEECH_INPUT_MAX_BYTES, "x-max-bytes": SPEECH_INPUT_MAX_BYTES})
        },
    },
    Param {
        name: "voice_id",
        required: true,
        doc: "A system voice or a voice cloned in one of the token's workspaces.",
        schema: || json!({"type": "string", "minLength": 1}),
    },
    Param {
        name: "response_format",
        required: false,
        doc: "The audio's format; `ogg` and `opus` are @coze/api's names for Ogg Opus.",
        schema: || {
            let mut names: Vec<&str> = SpeechFormat::ALL.map(SpeechFormat::name).to_vec();
            names.extend(
                ["ogg", "opus"]
                    .into_iter()
                    .filter(|n| SpeechFormat::from_name(n).is_some()),
            );
            let values: Vec<Value> = names.iter().map(|n| json!(n)).chain([Value::Null]).collect();
            json!({"type": ["string", "null"], "enum": values, "default": SpeechFormat::DEFAULT.name()})
        },
    },
    Param {
        name: "sample_rate",
        required: false,
        doc: "Samples per second; 0 means not given.",
        schema: || {
            let rates: Vec<Value> = SPEECH_SAMPLE_RATES
                .iter()
                .map(|r| json!(r))
                .chain([json!(0), Value::Null])
                .collect();
            json!({"type": ["integer", "null"], "enum": rates, "default": SPEECH_DEFAULT_SAMPLE_RATE})
        },
    },
    Param {
        name: "speed",
        required: false,
        doc: "The speaking rate, within the range of the voice's model type (`x-range-by-model-type`).",
        schema: || {
            json!({
                "type": ["number", "null"],
                "minimum": SPEECH_SPEED_RANGE_SMALL.0, "maximum": SPEECH_SPEED_RANGE_SMALL.1,
                "default": SPEECH_DEFAULT_SPEED,
                "x-range-by-model-type": {
                    "big": [SPEECH_SPEED_RANGE_BIG.0, SPEECH_SPEED_RANGE_BIG.1],
                    "small": [SPEECH_SPEED_RANGE_SMALL.0, SPEECH_SPEED_RANGE_SMALL.1],
                },
            })
        },
    },
    Param {
        name: "loudness_rate",
        required: false,
        doc: "The loudness, in percent.",
        schema: || {
            json!({"type": ["integer", "null"], "minimum": SPEECH_LOUDNESS_RANGE.0, "maximum": SPEECH_LOUDNESS_RANGE.1, "default": 0})
        },
    },
    Param {
        name: "emotion",
        required: false,
        doc: "The emotion; ignored on a voice without `support_emotions`.",
        schema: || {
            let values: Vec<Value> = SPEECH_EMOTIONS
                .iter()
                .map(|e| json!(e))
                .chain([Value::Null])
                .collect();
            json!({"type": ["string", "null"], "enum": values})
        },
    },
    Param {
        name: "emotion_scale",
        required: false,
        doc: "How strongly the emotion is spoken.",
        schema: || {
            json!({"type": ["number", "null"], "minimum": SPEECH_EMOTION_SCALE_RANGE.0, "maximum": SPEECH_EMOTION_SCALE_RANGE.1})
        },
    },
    Param {
        name: "context_texts",
        required: false,
        doc: "A hint of how to speak the input.",
        schema: || json!({"type": ["string", "null"]}),
    },
];

/// A list parameter's schema that also takes `""`: an empty value is "not given" (the page's own
/// example sends `voice_state=`).
fn or_empty(schema: Value) -> Value {
    json!({"anyOf": [schema, {"const": ""}]})
}

/// The voice list's query parameters (Coze's list_voices page).
static LIST_QUERY: [Param; 5] = [
    Param {
        name: "filter_system_voice",
        required: false,
        doc: "Leave system voices out.",
        schema: || or_empty(json!({"type": "boolean", "default": false})),
    },
    Param {
        name: "model_type",
        required: false,
        doc: "Only voices of this model type.",
        schema: || or_empty(json!({"type": "string", "enum": VOICE_MODEL_TYPES})),
    },
    Param {
        name: "voice_state",
        required: false,
        doc: "Only voices in this state.",
        schema: || {
            let mut states: Vec<&str> = VOICE_STATES.to_vec();
            states.push(VOICE_STATE_ALL);
            or_empty(json!({"type": "string", "enum": states, "default": DEFAULT_VOICE_STATE}))
        },
    },
    Param {
        name: "page_num",
        required: false,
        doc: "The page, from 1.",
        schema: || {
            or_empty(json!({"type": "integer", "minimum": 1, "maximum": u32::MAX, "default": 1}))
        },
    },
    Param {
        name: "page_size",
        required: false,
        doc: "Voices per page.",
        schema: || {
            or_empty(
                json!({"type": "integer", "minimum": 1, "maximum": PAGE_SIZE_MAX, "default": PAGE_SIZE_MAX}),
            )
        },
    },
];

/// The preview URL's one parameter.
static PREVIEW_PATH: [Param; 1] = [Param {
    name: "file",
    required: true,
    doc: "`<voice_id>.wav`",
    schema: || json!({"type": "string", "pattern": "^[0-9]+\\.wav$"}),
}];

/// An integer schema bounded by a Rust integer type's range.
fn int_schema(minimum: i128, maximum: i128) -> Value {
    json!({"type": "integer", "minimum": minimum, "maximum": maximum})
}

/// `GET /__admin/journal`'s filters.
static JOURNAL_QUERY: [Param; 8] = [
    Param {
        name: "after",
        required: false,
        doc: "Only records with a larger id.",
        schema: || json!({"type": "integer", "minimum": 0, "maximum": u64::MAX, "default": 0}),
    },
    Param {
        name: "limit",
        required: false,
        doc: "At most this many; more than the default reads the default.",
        schema: || json!({"type": "integer", "minimum": 0, "maximum": u32::MAX, "default": JOURNAL_PAGE_MAX}),
    },
    Param {
        name: "logid",
        required: false,
        doc: "Only the request with this logid.",
        schema: || json!({"type": "string"}),
    },
    Param {
        name: "path",
        required: false,
        doc: "Only requests to this path (`*` ends a prefix).",
        schema: || json!({"type": "string"}),
    },
    Param {
        name: "code",
        required: false,
        doc: "Only answers with this code.",
        schema: || int_schema(i64::MIN.into(), i64::MAX.into()),
    },
    Param {
        name: "client",
        required: false,
        doc: "Only requests from this client (as the report names it).",
        schema: || json!({"type": "string"}),
    },
    Param {
        name: "since",
        required: false,
        doc: "Only requests at or after this Unix time in milliseconds.",
        schema: || int_schema(i64::MIN.into(), i64::MAX.into()),
    },
    Param {
        name: "until",
        required: false,
        doc: "Only requests before this Unix time in milliseconds.",
        schema: || int_schema(i64::MIN.into(), i64::MAX.into()),
    },
];

/// `GET /__admin/report`'s one parameter.
static REPORT_QUERY: [Param; 1] = [Param {
    name: "format",
    required: false,
    doc: "`junit` answers JUnit XML instead of the envelope.",
    schema: || json!({"type": "string", "enum": ["json", "junit"], "default": "json"}),
}];

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
            "method": method_schema(),
            "times": {"type": "integer", "minimum": 1, "maximum": u32::MAX},
            "for_ms": {"type": "integer", "minimum": 0, "maximum": u64::MAX},
            "action": {"oneOf": [
                kind("latency", json!({"ms": {"type": "integer", "minimum": 0, "maximum": u64::MAX}}), &["ms"]),
                kind("envelope", json!({
                    "code": int_schema(i64::MIN.into(), i64::MAX.into()),
                    "msg": {"type": "string"},
                    "status": {"type": "integer", "minimum": 100, "maximum": 999, "default": 200},
                }), &["code", "msg"]),
                kind("http_status", json!({"status": {"type": "integer", "description": "429 or 500-599", "anyOf": [{"const": 429}, {"minimum": 500, "maximum": 599}]}}), &["status"]),
                kind("drop", json!({}), &[]),
                kind("speech_chunk_delay", json!({"ms": {"type": "integer", "minimum": 0, "maximum": u64::MAX}}), &["ms"]),
                kind("speech_error_event", json!({
                    "code": int_schema(i64::MIN.into(), i64::MAX.into()),
                    "msg": {"type": "string"},
                }), &["code", "msg"]),
                kind("speech_drop", json!({"after_chunks": {"type": "integer", "minimum": 0, "maximum": u32::MAX, "default": 0}}), &[]),
            ]},
        },
    })
}

/// `POST /__admin/expect`'s body ([`crate::expect::ExpectSpec`]): unknown fields are refused.
fn expect_spec_schema() -> Value {
    // One outcome: `refusal` (any case), a code, or a rule name; the string form lists them with commas.
    let item = "(?:[Rr][Ee][Ff][Uu][Ss][Aa][Ll]|[+-]?[0-9]{1,18}|[a-z0-9_]*\\.[a-z0-9_.]*)";
    let outcome = json!({"anyOf": [
        int_schema(i64::MIN.into(), i64::MAX.into()),
        {"type": "string", "pattern": format!("^ *{item} *(?:, *{item} *)*$")},
    ]});
    json!({
        "type": "object",
        "required": ["expect"],
        "additionalProperties": false,
        "properties": {
            "expect": {
                "anyOf": [outcome.clone(), {"type": "array", "minItems": 1, "items": outcome}],
                "description": "The outcomes, as the X-Coze-Mock-Expect header writes them (`\"4000,4101\"`, `\"refusal\"`) or as a list.",
            },
            "path": {"type": "string", "description": "This path, or every path starting with the part before a trailing `*`; every path if absent."},
            "method": method_schema(),
            "times": {"type": "integer", "minimum": 1, "maximum": u32::MAX},
            "for_ms": {"type": "integer", "minimum": 0, "maximum": u64::MAX},
        },
    })
}

/// `POST /__admin/seed`'s body: the configuration file's accounts, workspaces, tokens and voices (as
/// [`crate::config::Config`] reads them); every reference must resolve, which a schema cannot say.
fn seed_schema() -> Value {
    let digits = json!({"type": "string", "pattern": "^[0-9]+$"});
    let object = |required: &[&str], properties: Value| json!({"type": "object", "additionalProperties": false, "required": required, "properties": properties});
    let list = |item: Value| json!({"type": "array", "items": item});
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "accounts": list(object(&["id", "plan"], json!({
                "id": {"type": "string"},
                "plan": {"enum": ["personal", "team", "enterprise"]},
                "bought_voice_slots": int_schema(0, u32::MAX.into()),
                "in_arrears": {"type": "boolean"},
            }))),
            "workspaces": list(object(&["id", "account"], json!({
                "id": digits,
                "account": {"type": "string"},
            }))),
            "tokens": list(object(&["value", "account", "personal_workspace"], json!({
                "value": {"type": "string"},
                "account": {"type": "string"},
                "personal_workspace": digits,
                "workspaces": list(digits.clone()),
                "permissions": list(json!({"type": "string"})),
                "expires_at": {"type": ["string", "null"], "format": "date-time"},
            }))),
            "voices": list(object(&["space_id", "name"], json!({
                "voice_id": {"type": ["string", "null"], "pattern": "^[0-9]+$"},
                "space_id": digits,
                "name": {"type": "string"},
                "language": {"enum": Language::ALL.map(Language::code)},
                "preview_text": {"type": ["string", "null"]},
                "available_training_times": int_schema(0, (CLONES_PER_VOICE_ID - 1).into()),
            }))),
        },
    })
}

/// An HTTP method (a token of RFC 9110's characters), as the admin API's faults and expectations match
/// requests by it.
fn method_schema() -> Value {
    json!({
        "type": "string",
        "pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
        "description": "An HTTP method, matched case-insensitively; every method if absent.",
    })
}

/// The failures every token-checked endpoint can answer before it reads its input.
fn auth_failures(permission: &'static str) -> Vec<ApiError> {
    vec![
        ApiError::MissingAuthorization,
        ApiError::MalformedAuthorization,
        ApiError::UnknownToken,
        ApiError::ExpiredToken,
        ApiError::MissingPermission { permission },
    ]
}

/// The body deadline's failures ([`crate::request_body::guarded`]), for every endpoint that reads a body.
fn slow_body_failures() -> [ApiError; 2] {
    [
        ApiError::BodyTooSlow(SlowBody::Stalled(BODY_DEADLINE)),
        ApiError::BodyTooSlow(SlowBody::Trickling(BODY_DEADLINE)),
    ]
}

/// An example id in the failures' messages.
const SOME_ID: &str = "7000000000000000000";

fn clone_failures() -> Vec<ApiError> {
    let mut failures = auth_failures(CREATE_VOICE_PERMISSION);
    failures.extend([
        ApiError::PlanCannotClone,
        ApiError::SpaceNotAllowed {
            space_id: SOME_ID.into(),
        },
        ApiError::AccountInArrears,
        ApiError::NoVoiceSlots { used: 1, total: 1 },
        ApiError::CloneLimitReached {
            voice_id: SOME_ID.into(),
        },
        ApiError::VoiceNotFound {
            voice_id: SOME_ID.into(),
            space_id: "7000000000000000001".into(),
        },
        ApiError::NotMultipart {
            content_type: "application/json".into(),
        },
        ApiError::MalformedMultipart {
            reason: "the body ended before the closing boundary".into(),
        },
        ApiError::DuplicateField {
            field: "voice_name".into(),
        },
        ApiError::InvalidField {
            field: "text".into(),
            reason: "valid UTF-8 text".into(),
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
        ApiError::AudioFormatRequired {
            format: Some(AudioFormat::Pcm),
        },
        ApiError::MalformedId {
            field: "voice_id",
            value: "abc".into(),
        },
        ApiError::FileMissing,
        ApiError::TooManyFiles,
        ApiError::FileTooLarge,
        ApiError::Internal(String::new()),
    ]);
    failures.extend(slow_body_failures());
    failures.extend(every_audio_failure().map(ApiError::Audio));
    failures
}

fn list_failures() -> Vec<ApiError> {
    let mut failures = auth_failures(LIST_VOICE_PERMISSION);
    failures.extend([
        ApiError::ListParamInvalid {
            param: "page_size",
            expected: format!("an integer in (0, {PAGE_SIZE_MAX}]"),
            value: "0".into(),
        },
        ApiError::Internal(String::new()),
    ]);
    failures
}

fn speech_failures() -> Vec<ApiError> {
    let mut failures = auth_failures(CREATE_SPEECH_PERMISSION);
    failures.extend([
        ApiError::SpeechBodyInvalid {
            reason: "a JSON object with a non-empty input".into(),
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
            expected: format!(
                "an integer in [{}, {}]",
                SPEECH_LOUDNESS_RANGE.0, SPEECH_LOUDNESS_RANGE.1
            ),
            value: "448".into(),
        },
        ApiError::SpeechSampleRateUnsupported { value: 11_025 },
        ApiError::UnknownVoice {
            voice_id: SOME_ID.into(),
        },
        ApiError::VoiceOfOtherSpace {
            voice_id: SOME_ID.into(),
        },
        ApiError::Internal(String::new()),
    ]);
    failures.extend(slow_body_failures());
    failures
}

/// The `error` events a streaming-speech session can send, one example of each: not HTTP answers, so
/// not among [`Def::failures`]; the AsyncAPI document lists them with the `error` event and the report
/// counts their codes as the stream's outcomes.
pub(crate) fn stream_event_failures() -> Vec<ApiError> {
    vec![
        ApiError::StreamTextTooLong {
            bytes: SPEECH_STREAM_TEXT_MAX_BYTES + 1,
        },
        ApiError::StreamEventInvalid {
            reason: "a JSON object with a string event_type".into(),
        },
        ApiError::StreamEventUnknown {
            event_type: "speech.start".into(),
        },
        ApiError::StreamParamInvalid {
            param: "output_audio.codec",
            expected: format!("one of {}", SPEECH_STREAM_CODECS.join(", ")),
            value: "\"mp3\"".into(),
        },
        ApiError::UnknownVoice {
            voice_id: SOME_ID.into(),
        },
        ApiError::VoiceOfOtherSpace {
            voice_id: SOME_ID.into(),
        },
    ]
}

fn stream_failures() -> Vec<ApiError> {
    let mut failures = auth_failures(SPEECH_STREAM_PERMISSION);
    failures.push(ApiError::StreamUpgradeRequired);
    failures
}

/// The streaming handshake's query: the token, for clients that cannot set headers.
static STREAM_QUERY: [Param; 1] = [Param {
    name: SPEECH_STREAM_TOKEN_QUERY,
    required: false,
    doc:
        "`Bearer <token>`, as the page's browser example sends it; the `Authorization` header wins.",
    schema: || json!({"type": "string"}),
}];

fn preview_failures() -> Vec<ApiError> {
    vec![
        ApiError::UnknownVoice {
            voice_id: SOME_ID.into(),
        },
        ApiError::Internal(String::new()),
    ]
}

fn no_failures() -> Vec<ApiError> {
    Vec::new()
}

fn admin_refused() -> ApiError {
    ApiError::AdminUnauthorized {
        reason: "send Authorization: Bearer <the --admin-token value>",
    }
}

fn admin_invalid() -> ApiError {
    ApiError::AdminInvalid {
        reason: "invalid JSON".into(),
    }
}

/// An admin endpoint that reads no input and touches no storage.
fn admin_failures() -> Vec<ApiError> {
    vec![admin_refused()]
}

/// An admin endpoint that reads storage.
fn admin_store_failures() -> Vec<ApiError> {
    vec![admin_refused(), ApiError::Internal(String::new())]
}

/// An admin endpoint that reads a query.
fn admin_input_failures() -> Vec<ApiError> {
    vec![admin_refused(), admin_invalid()]
}

/// An admin endpoint that reads a JSON body.
fn admin_body_failures() -> Vec<ApiError> {
    let mut failures = admin_input_failures();
    failures.extend(slow_body_failures());
    failures
}

/// The admin API's note on access, for every admin endpoint's description.
const ADMIN_DOC: &str =
    "The fake's admin API (not Coze's). Open on loopback without `--admin-token`; \
                         otherwise it needs `Authorization: Bearer <admin token>`.";

/// Every endpoint, the API's first.
pub static ENDPOINTS: [Def; 22] = [
    Def {
        endpoint: Endpoint::Clone,
        name: "clone",
        method: Method::POST,
        path: "/v1/audio/voices/clone",
        surface: Surface::Api,
        access: Access::Token {
            permission: CREATE_VOICE_PERMISSION,
        },
        operation_id: "cloneVoice",
        summary: "复刻音色: clone a voice, or retrain one with voice_id",
        doc: "Clones the voice of an audio sample (multipart/form-data). Empty optional fields mean \
              \"not given\". `voice_name` and `text` are limited in bytes of UTF-8 (the schema's \
              maxLength bounds characters; `x-max-bytes` is the rule).",
        inputs: Inputs::Form(&CLONE_FORM),
        failures: clone_failures,
    },
    Def {
        endpoint: Endpoint::List,
        name: "list",
        method: Method::GET,
        path: "/v1/audio/voices",
        surface: Surface::Api,
        access: Access::Token {
            permission: LIST_VOICE_PERMISSION,
        },
        operation_id: "listVoices",
        summary: "查看音色列表: the system voices and the voices cloned in the token's workspaces",
        doc: "Cloned voices newest first, then system voices. An empty parameter means \"not given\".",
        inputs: Inputs::Query(&LIST_QUERY),
        failures: list_failures,
    },
    Def {
        endpoint: Endpoint::Speech,
        name: "speech",
        method: Method::POST,
        path: "/v1/audio/speech",
        surface: Surface::Api,
        access: Access::Token {
            permission: CREATE_SPEECH_PERMISSION,
        },
        operation_id: "createSpeech",
        summary: "语音合成: speak a text with a system or cloned voice",
        doc: "Answers the audio itself (not an envelope), streamed with an exact Content-Length; errors \
              are envelopes. WAV and PCM carry a tone per character, MP3 and Ogg Opus silence of the \
              same length. `input` is limited in bytes of UTF-8 (`x-max-bytes`); `speed` by the voice's \
              model type (`x-range-by-model-type`); `emotion` on a voice without `support_emotions` is \
              ignored; `null`, and `sample_rate` 0, mean not given.",
        inputs: Inputs::Json(&SPEECH_BODY),
        failures: speech_failures,
    },
    Def {
        endpoint: Endpoint::SpeechStream,
        name: "speech_stream",
        method: Method::GET,
        path: "/v1/audio/speech",
        surface: Surface::Api,
        access: Access::Token {
            permission: SPEECH_STREAM_PERMISSION,
        },
        operation_id: "speechStream",
        summary: "双向流式语音合成: streaming speech over a WebSocket (wss://ws.coze.cn/v1/audio/speech)",
        doc: "A WebSocket handshake (`Upgrade: websocket`) upgrades to the streaming speech session: the \
              client sends JSON text frames `speech.update`, `input_text_buffer.append` and \
              `input_text_buffer.complete`; the fake answers `speech.created`, `speech.updated`, \
              `input_text_buffer.completed`, `conversation.audio.sentence_start`, `speech.audio.update` \
              (base64 audio) and `speech.audio.completed`, or an `error` event (the AsyncAPI document \
              at `/__mock/asyncapi.json` describes them). A handshake is refused before the upgrade with an envelope; a GET that is no \
              handshake is 400. The token may also come in the `authorization` query parameter, as \
              browsers send it.",
        inputs: Inputs::Query(&STREAM_QUERY),
        failures: stream_failures,
    },
    Def {
        endpoint: Endpoint::Preview,
        name: "preview",
        method: Method::GET,
        path: PREVIEW_AUDIO_ROUTE,
        surface: Surface::Api,
        access: Access::Open,
        operation_id: "previewAudio",
        summary: "A voice's preview audio, as the voice list links it",
        doc: "Its `preview_text` spoken by the voice, as WAV. Needs no token, like the real preview URLs.",
        inputs: Inputs::Path(&PREVIEW_PATH),
        failures: preview_failures,
    },
    Def {
        endpoint: Endpoint::OpenApi,
        name: "openapi",
        method: Method::GET,
        path: OPENAPI_PATH,
        surface: Surface::Api,
        access: Access::Open,
        operation_id: "openApi",
        summary: "This description",
        doc: "The fake's OpenAPI 3.1 description of the API and the admin API.",
        inputs: Inputs::None,
        failures: no_failures,
    },
    Def {
        endpoint: Endpoint::AsyncApi,
        name: "asyncapi",
        method: Method::GET,
        path: ASYNCAPI_PATH,
        surface: Surface::Api,
        access: Access::Open,
        operation_id: "asyncApi",
        summary: "The AsyncAPI 3.0 document of streaming speech",
        doc: "The events of the streaming speech session (`GET /v1/audio/speech` upgraded to a WebSocket), \
              each side's, with the rules and `error` codes the session judges them by.",
        inputs: Inputs::None,
        failures: no_failures,
    },
    Def {
        endpoint: Endpoint::Admin(AdminEndpoint::Reset),
        name: "admin.reset",
        method: Method::POST,
        path: "/__admin/reset",
        surface: Surface::Admin,
        access: Access::AdminToken,
        operation_id: "adminReset",
        summary: "Back to the configured state",
        doc: ADMIN_DOC,
        inputs: Inputs::None,
        failures: admin_store_failures,
    },
    Def {
        endpoint: Endpoint::Admin(AdminEndpoint::Seed),
        name: "admin.seed",
        method: Method::POST,
        path: "/__admin/seed",
        surface: Surface::Admin,
        access: Access::AdminToken,
        operation_id: "adminSeed",
        summary: "Adds accounts, workspaces, tokens and voices",
        doc: ADMIN_DOC,
        inputs: Inputs::JsonBody {
            doc: "Accounts, workspaces, tokens and voices, as the configuration file declares them.",
            schema: seed_schema,
        },
        failures: || {
            let mut failures = admin_body_failures();
            failures.push(ApiError::Internal(String::new()));
            failures
        },
    },
    Def {
        endpoint: Endpoint::Admin(AdminEndpoint::Voices),
        name: "admin.voices",
        method: Method::GET,
        path: "/__admin/voices",
        surface: Surface::Admin,
        access: Access::AdminToken,
        operation_id: "adminVoices",
        summary: "Every voice of every workspace",
        doc: ADMIN_DOC,
        inputs: Inputs::None,
        failures: admin_store_failures,
    },
    Def {
        endpoint: Endpoint::Admin(AdminEndpoint::Journal),
        name: "admin.journal",
        method: Method::GET,
        path: "/__admin/journal",
        surface: Surface::Admin,
        access: Access::AdminToken,
        operation_id: "adminJournal",
        summary: "Requests with their verdict and rule, oldest first",
        doc: ADMIN_DOC,
        inputs: Inputs::Query(&JOURNAL_QUERY),
        failures: admin_input_failures,
    },
    Def {
        endpoint: Endpoint::Admin(AdminEndpoint::Report),
        name: "admin.report",
        method: Method::GET,
        path: "/__admin/report",
        surface: Surface::Admin,
        access: Access::AdminToken,
        operation_id: "adminReport",
        summary: "The conformance report: findings per request and per sequence, coverage per client",
        doc: ADMIN_DOC,
        inputs: Inputs::Query(&REPORT_QUERY),
        failures: admin_input_failures,
    },
    Def {
        endpoint: Endpoint::Admin(AdminEndpoint::ClearReport),
        name: "admin.clear_report",
        method: Method::DELETE,
        path: "/__admin/report",
        surface: Surface::Admin,
        access: Access::AdminToken,
        operation_id: "adminClearReport",
        summary: "Empties the report (a reset leaves it) and answers it as it was",
        doc: ADMIN_DOC,
        inputs: Inputs::None,
        failures: admin_failures,
    },
    Def {
        endpoint: Endpoint::Admin(AdminEndpoint::Fidelity),
        name: "admin.fidelity",
        method: Method::GET,
        path: "/__admin/fidelity",
        surface: Surface::Admin,
        access: Access::AdminToken,
        operation_id: "adminFidelity",
        summary: "The fidelity settings in force, the rules, and the ledger of choices",
        doc: ADMIN_DOC,
        inputs: Inputs::None,
        failures: admin_failures,
    },
    Def {
        endpoint: Endpoint::Admin(AdminEndpoint::Health),
        name: "admin.health",
        method: Method::GET,
        path: "/__admin/health",
        surface: Surface::Admin,
        access: Access::Open,
        operation_id: "adminHealth",
        summary: "Ready to serve (what `coze-mock wait` polls)",
        doc: "The fake's admin API (not Coze's). Needs no token: it tells nothing but that the server \
              is up and its version.",
        inputs: Inputs::None,
        failures: no_failures,
    },
    Def {
        endpoint: Endpoint::Admin(AdminEndpoint::Accounts),
        name: "admin.accounts",
        method: Method::GET,
        path: "/__admin/accounts",
        surface: Surface::Admin,
        access: Access::AdminToken,
        operation_id: "adminAccounts",
        summary: "Every account with its plan and voice slots",
        doc: ADMIN_DOC,
        inputs: Inputs::None,
        failures: admin_store_failures,
    },
    Def {
        endpoint: Endpoint::Admin(AdminEndpoint::Faults),
        name: "admin.faults",
        method: Method::GET,
        path: "/__admin/faults",
        surface: Surface::Admin,
        access: Access::AdminToken,
        operation_id: "adminFaults",
        summary: "The active faults",
        doc: ADMIN_DOC,
        inputs: Inputs::None,
        failures: admin_failures,
    },
    Def {
        endpoint: Endpoint::Admin(AdminEndpoint::AddFault),
        name: "admin.add_fault",
        method: Method::POST,
        path: "/__admin/faults",
        surface: Surface::Admin,
        access: Access::AdminToken,
        operation_id: "adminAddFault",
        summary: "Adds an injected fault",
        doc: ADMIN_DOC,
        inputs: Inputs::JsonBody {
            doc: "The fault: which requests it answers, how often, and how.",
            schema: fault_spec_schema,
        },
        failures: admin_body_failures,
    },
    Def {
        endpoint: Endpoint::Admin(AdminEndpoint::ClearFaults),
        name: "admin.clear_faults",
        method: Method::DELETE,
        path: "/__admin/faults",
        surface: Surface::Admin,
        access: Access::AdminToken,
        operation_id: "adminClearFaults",
        summary: "Clears every fault",
        doc: ADMIN_DOC,
        inputs: Inputs::None,
        failures: admin_failures,
    },
    Def {
        endpoint: Endpoint::Admin(AdminEndpoint::Expectations),
        name: "admin.expectations",
        method: Method::GET,
        path: "/__admin/expect",
        surface: Surface::Admin,
        access: Access::AdminToken,
        operation_id: "adminExpectations",
        summary: "The declared expectations, with how many answers met them and how many did not",
        doc: ADMIN_DOC,
        inputs: Inputs::None,
        failures: admin_failures,
    },
    Def {
        endpoint: Endpoint::Admin(AdminEndpoint::AddExpectation),
        name: "admin.add_expectation",
        method: Method::POST,
        path: "/__admin/expect",
        surface: Surface::Admin,
        access: Access::AdminToken,
        operation_id: "adminAddExpectation",
        summary: "Declares the outcomes the next matching requests must be answered",
        doc: ADMIN_DOC,
        inputs: Inputs::JsonBody {
            doc: "The expectation: the outcomes, which requests, how often.",
            schema: expect_spec_schema,
        },
        failures: admin_body_failures,
    },
    Def {
        endpoint: Endpoint::Admin(AdminEndpoint::ClearExpectations),
        name: "admin.clear_expectations",
        method: Method::DELETE,
        path: "/__admin/expect",
        surface: Surface::Admin,
        access: Access::AdminToken,
        operation_id: "adminClearExpectations",
        summary: "Clears the expectations and answers what each saw",
        doc: ADMIN_DOC,
        inputs: Inputs::None,
        failures: admin_failures,
    },
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_endpoint_but_other_has_one_definition_and_a_unique_route_and_name() {
        let mut routes = BTreeSet::new();
        let mut names = BTreeSet::new();
        let mut ids = BTreeSet::new();
        for d in &ENDPOINTS {
            assert!(routes.insert((d.method.as_str(), d.path)), "{}", d.name);
            assert!(names.insert(d.name), "{}", d.name);
            assert!(ids.insert(d.operation_id), "{}", d.name);
            assert_eq!(d.endpoint.def().map(|x| x.name), Some(d.name));
            assert_eq!(Endpoint::from_name(d.name), Some(d.endpoint));
            assert_eq!(
                d.path.starts_with(ADMIN_PREFIX),
                d.surface == Surface::Admin,
                "{}",
                d.name
            );
        }
        assert_eq!(Endpoint::Other.def().map(|d| d.name), None);
        assert_eq!(Endpoint::from_name("other"), Some(Endpoint::Other));
    }

    #[test]
    fn a_request_is_found_by_method_and_path_and_a_template_segment_matches_one_segment() {
        let found = |method: Method, path: &str| find(&method, path).map(|d| d.endpoint);
        assert_eq!(
            found(Method::POST, "/v1/audio/voices/clone"),
            Some(Endpoint::Clone)
        );
        assert_eq!(found(Method::GET, "/v1/audio/voices/clone"), None);
        assert_eq!(
            found(Method::GET, "/__mock/preview_audio/7.wav"),
            Some(Endpoint::Preview)
        );
        assert_eq!(found(Method::GET, "/__mock/preview_audio/"), None);
        assert_eq!(found(Method::GET, "/__mock/preview_audio/7.wav/x"), None);
        assert_eq!(
            found(Method::DELETE, "/__admin/faults"),
            Some(Endpoint::Admin(AdminEndpoint::ClearFaults))
        );
        assert_eq!(Endpoint::of_path("/v1/audio/voices/clone"), Endpoint::Clone);
        assert_eq!(Endpoint::of_path("/v1/audio/nothing"), Endpoint::Other);
    }

    #[test]
    fn the_clone_form_has_one_param_per_field_in_order() {
        let names: Vec<&str> = CloneField::ALL.iter().map(|f| f.name()).collect();
        let params: Vec<&str> = CLONE_FORM.iter().map(|p| p.name).collect();
        assert_eq!(names, params);
        for field in CloneField::ALL {
            assert_eq!(CloneField::of_name(field.name()), Some(field));
        }
        assert_eq!(CloneField::of_name("name"), None);
    }

    #[test]
    fn endpoint_names_serialize_as_the_journal_writes_them() {
        for (endpoint, name) in [
            (Endpoint::Clone, "\"clone\""),
            (Endpoint::List, "\"list\""),
            (Endpoint::Speech, "\"speech\""),
            (Endpoint::Preview, "\"preview\""),
            (Endpoint::Other, "\"other\""),
        ] {
            assert_eq!(serde_json::to_string(&endpoint).unwrap(), name);
            assert_eq!(serde_json::from_str::<Endpoint>(name).unwrap(), endpoint);
        }
        assert!(serde_json::from_str::<Endpoint>("\"nothing\"").is_err());
    }

    #[test]
    fn token_endpoints_list_the_refusal_of_their_permission() {
        for d in &ENDPOINTS {
            let refusal = d
                .permission()
                .map(|permission| ApiError::MissingPermission { permission }.row());
            let rows: Vec<_> = (d.failures)().iter().map(ApiError::row).collect();
            if let Some(refusal) = refusal {
                assert!(rows.contains(&refusal), "{}", d.name);
            }
        }
    }
}
