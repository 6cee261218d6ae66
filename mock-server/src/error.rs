//! [`ApiError`]: every way a request fails, and the one table ([`ApiError::row`]) that maps each to the
//! API's code, HTTP status, rule name and message.
//!
//! Codes come from the official SDKs (@coze/api `APIError.generate` pairs 4000, 4100, 4101 and 4200 with
//! their HTTP statuses), the clone page (<https://www.coze.cn/open/docs/developer_guides/clone_voices>:
//! 1109 WERError) and Coze's error-code page (<https://www.coze.cn/open/docs/developer_guides/coze_error_codes>,
//! as scraped in KianaMei/coze-chat-alone `coze_docs/md/coze_error_codes.md`); messages are the real English
//! texts users quote in public issues, cited beside each. Where the real code for a case is not known, the
//! closest real one is used and `docs/fidelity.md` lists the choice. The table is one exhaustive
//! `match`: adding a variant without deciding its row does not compile.

use http::StatusCode;

use crate::audio::AudioError;
use crate::request_body::SlowBody;
use crate::rules::{
    permission_resource, AudioFormat, Language, SpeechFormat, AUDIO_FORMAT_VALUES,
    CLONES_PER_VOICE_ID, FILES_PER_REQUEST, FILE_MAX_BYTES, FILE_MAX_MB, SPEECH_INPUT_MAX_BYTES,
    SPEECH_SAMPLE_RATES, SPEECH_STREAM_TEXT_MAX_BYTES, TEXT_MAX_BYTES, VOICE_NAME_MAX_BYTES,
};
use crate::store::StoreError;

/// 4000: "invalid parameter" (@coze/api `APIError.generate`: 400 or 4000 → BadRequestError).
pub const CODE_INVALID_PARAMETER: i64 = 4000;
/// 4100: "authentication is invalid" (users quoting `CozeAPIError: code: 4100, msg: authentication is invalid`).
pub(crate) const CODE_AUTHENTICATION_INVALID: i64 = 4100;
/// 4101: the token lacks a permission (@coze/api: 403 or 4101 → PermissionDeniedError).
pub(crate) const CODE_PERMISSION_DENIED: i64 = 4101;
/// 4200: resource not found (@coze/api: 404 or 4200 → NotFoundError).
pub(crate) const CODE_NOT_FOUND: i64 = 4200;
/// 4019: the account is in arrears (error-code page: 账号欠费).
pub(crate) const CODE_ACCOUNT_IN_ARREARS: i64 = 4019;
/// 4300: no file uploaded; also answered when the body is not multipart (error-code page).
pub(crate) const CODE_FILE_MISSING: i64 = 4300;
/// 4301: more than one file (error-code page).
pub(crate) const CODE_TOO_MANY_FILES: i64 = 4301;
/// 4302: the file is too large (error-code page).
pub(crate) const CODE_FILE_TOO_LARGE: i64 = 4302;
/// 4303: the file's type is not supported (error-code page).
pub(crate) const CODE_FILE_TYPE_UNSUPPORTED: i64 = 4303;
/// 4304: the file is not valid (error-code page).
pub(crate) const CODE_FILE_INVALID: i64 = 4304;
/// 1109: 「若差异过大会报错 1109 WERError」 (the documentation page).
pub(crate) const CODE_WER_ERROR: i64 = 1109;
/// 3010: the text of one streaming-speech request is over 1,024 bytes: 「超过上限时会提示 `3010` 错误」
/// (coze-dev/coze-sdk-gen `docs/api-markdown/tts_api.md`).
pub(crate) const CODE_STREAM_TEXT_TOO_LONG: i64 = 3010;
/// 5000: Coze's generic internal server error.
pub(crate) const CODE_INTERNAL: i64 = 5000;

/// The real message of every 4100 answer, whatever the cause (coze-dev/coze-py#78, coze-dev/coze-js#314).
const MSG_AUTHENTICATION_INVALID: &str = "authentication is invalid";
/// The real message of a 4101 answer (coze-dev/coze-py#227).
const MSG_PERMISSION_DENIED: &str = "Your token does not have permission to access resource. Please verify whether the resource ID or token is correct.";
/// The real refusal of a clone by a token or plan that may not clone, naming the resource
/// (coze-dev/coze-js#100: "Your connector token does not have permission to access CloneVoice. …").
fn resource_refusal(resource: &str) -> String {
    format!(
        "Your connector token does not have permission to access {resource}. Please verify whether the \
         resource ID or token is correct, and ensure that the necessary permissions are enabled at \
         https://www.coze.cn/open/oauth/apps. For further details, please refer to the documentation at \
         https://www.coze.cn/docs/developer_guides/authentication."
    )
}
/// The real message of a 5000 answer (coze-dev/coze-js#179).
const MSG_INTERNAL: &str = "We're currently experiencing server issues. Please try your request again after a short delay. If the problem persists, contact our support team.";

/// A failed request, one variant per documented failure.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Occurs when the request has no `Authorization` header.
    #[error("missing Authorization header")]
    MissingAuthorization,
    /// Occurs when `Authorization` is not `Bearer <token>` (「Bearer $Access_Token」).
    #[error("Authorization header is not `Bearer <token>`")]
    MalformedAuthorization,
    /// Occurs when the bearer token is not one the server knows.
    #[error("unknown access token")]
    UnknownToken,
    /// Occurs when the bearer token's expiry has passed.
    #[error("access token expired")]
    ExpiredToken,
    /// Occurs when the token lacks a permission: 「确保调用该接口使用的个人令牌开通了 createVoice 权限」.
    #[error("token lacks the {permission} permission")]
    MissingPermission {
        /// The permission the endpoint needs.
        permission: &'static str,
    },
    /// Occurs when the account's plan may not clone (`[rules] clone_plans`): 「仅扣子团队版和企业版用户可以
    /// 使用音色复刻功能」, or on the current page 「仅扣子企业版…用户可以使用音色复刻功能」.
    #[error("the account's plan may not clone voices")]
    PlanCannotClone,
    /// Occurs when the token may not use the workspace: 「不允许跨空间使用」.
    #[error("token is not a member of workspace {space_id}")]
    SpaceNotAllowed {
        /// The workspace asked for.
        space_id: String,
    },
    /// Occurs when the account is in arrears: 「以免账号欠费导致服务中断」.
    #[error("the account is in arrears")]
    AccountInArrears,
    /// Occurs when a new voice needs a slot and the account has none left: 「如需…复刻更多音色，请…购买音色复刻扩容包」.
    #[error("no free voice slot: {used} of {total} used")]
    NoVoiceSlots {
        /// Voices the account holds.
        used: u32,
        /// Slots the account has.
        total: u32,
    },
    /// Occurs when a voice id has been cloned [`CLONES_PER_VOICE_ID`] times: 「同一个音色 ID 最多复刻 10 次」.
    #[error("voice {voice_id} has been cloned {CLONES_PER_VOICE_ID} times")]
    CloneLimitReached {
        /// The voice asked for.
        voice_id: String,
    },
    /// Occurs when `voice_id` names no voice in the workspace.
    #[error("voice {voice_id} not found in workspace {space_id}")]
    VoiceNotFound {
        /// The voice asked for.
        voice_id: String,
        /// The workspace searched.
        space_id: String,
    },
    /// Occurs when the body is not multipart: 「必须使用 multipart/form-data 方式上传音频文件」.
    #[error("body is not multipart (Content-Type: {content_type})")]
    NotMultipart {
        /// The Content-Type sent, or empty.
        content_type: String,
    },
    /// Occurs when the multipart body is malformed or ends early.
    #[error("malformed multipart body: {reason}")]
    MalformedMultipart {
        /// What was wrong, for the client.
        reason: String,
    },
    /// Occurs when a text field is sent twice.
    #[error("field {field} is sent more than once")]
    DuplicateField {
        /// The field's name.
        field: String,
    },
    /// Occurs when a text field is not UTF-8 or is larger than any field may be.
    #[error("field {field} is not valid: {reason}")]
    InvalidField {
        /// The field's name.
        field: String,
        /// What it must be.
        reason: String,
    },
    /// Occurs when `voice_name` is absent or empty (「必选」).
    #[error("voice_name is required")]
    VoiceNameMissing,
    /// Occurs when `voice_name` is over [`VOICE_NAME_MAX_BYTES`]: 「长度限制为 128 字节」.
    #[error("voice_name is {bytes} bytes")]
    VoiceNameTooLong {
        /// Its length in bytes.
        bytes: usize,
    },
    /// Occurs when `text` is over [`TEXT_MAX_BYTES`]: 「最大长度为 1024 字节」.
    #[error("text is {bytes} bytes")]
    TextTooLong {
        /// Its length in bytes.
        bytes: usize,
    },
    /// Occurs when `language` is not one of [`Language::ALL`].
    #[error("language {value:?} is not supported")]
    LanguageUnsupported {
        /// The value sent.
        value: String,
    },
    /// Occurs when `audio_format` is not one of [`AudioFormat::ALL`].
    #[error("audio_format {value:?} is not supported")]
    AudioFormatUnsupported {
        /// The value sent.
        value: String,
    },
    /// Occurs when `audio_format` is not given for a format that needs it: 「pcm、m4a必传，其余可选」 (Coze's
    /// service types), or for any format with `[fidelity] audio_format_required` (the OpenAPI description).
    #[error("audio_format is required")]
    AudioFormatRequired {
        /// The format the bytes show, when that is what makes it required.
        format: Option<AudioFormat>,
    },
    /// Occurs when an id field (`voice_id`, `space_id`) is not a decimal id.
    #[error("{field} {value:?} is not an id")]
    MalformedId {
        /// The field's name.
        field: &'static str,
        /// The value sent.
        value: String,
    },
    /// Occurs when there is no file part named `file`.
    #[error("no audio file part")]
    FileMissing,
    /// Occurs when more than one file is sent: 「每次最多上传1个音频文件」.
    #[error("more than one file part")]
    TooManyFiles,
    /// Occurs when the file (or the body carrying it) is over [`FILE_MAX_BYTES`]: 「最大不超过 10MB」.
    #[error("file is larger than {FILE_MAX_BYTES} bytes")]
    FileTooLarge,
    /// Occurs when the uploaded bytes are not acceptable audio (see [`AudioError`]).
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// Occurs when no route matches the path.
    #[error("no route for {path}")]
    RouteNotFound {
        /// The path asked for.
        path: String,
    },
    /// Occurs when the path exists but not for this method.
    #[error("method {method} not allowed")]
    MethodNotAllowed {
        /// The method sent.
        method: String,
    },
    /// Occurs when a voice-list query parameter is not valid: `page_num` must be > 0 and `page_size` from
    /// 1 to [`crate::rules::PAGE_SIZE_MAX`] (@coze/api `ListVoicesReq`); the booleans and enums must be
    /// values the SDKs send.
    #[error("voice list parameter {param} = {value:?} is not valid")]
    ListParamInvalid {
        /// The parameter's name.
        param: &'static str,
        /// What it must be.
        expected: String,
        /// The value sent.
        value: String,
    },
    /// Occurs when a speech body is not the JSON object the SDKs send, or lacks `input` or `voice_id`.
    #[error("speech body is not valid: {reason}")]
    SpeechBodyInvalid {
        /// What was wrong.
        reason: String,
    },
    /// Occurs when `input` is over 1024 bytes: 「长度限制为 1024 字节」 (the current speech page).
    #[error("speech input is {bytes} bytes")]
    SpeechInputTooLong {
        /// Its length in bytes of UTF-8.
        bytes: usize,
    },
    /// Occurs when `response_format` is not a [`SpeechFormat`].
    #[error("response_format {value:?} is not supported")]
    SpeechFormatUnsupported {
        /// The value sent.
        value: String,
    },
    /// Occurs when `speed` is outside the voice's range: 0.5–2 for a large-model voice, 0.2–3 for a
    /// small-model one (the current speech page).
    #[error("speed {value} is out of range")]
    SpeechSpeedOutOfRange {
        /// The value sent.
        value: f64,
        /// The voice's `model_type`.
        model_type: &'static str,
        /// The range for that model type.
        range: (f64, f64),
    },
    /// Occurs when `loudness_rate`, `emotion`, `emotion_scale` or `context_texts` is not as the speech
    /// page documents it.
    #[error("speech parameter {param} = {value} is not valid")]
    SpeechParamInvalid {
        /// The parameter's name.
        param: &'static str,
        /// What it must be.
        expected: String,
        /// The value sent, as JSON.
        value: String,
    },
    /// Occurs when `sample_rate` is not one of [`SPEECH_SAMPLE_RATES`].
    #[error("sample_rate {value} is not supported")]
    SpeechSampleRateUnsupported {
        /// The value sent.
        value: i64,
    },
    /// Occurs when a speech or preview names a voice that is neither a system voice nor a cloned one.
    #[error("voice {voice_id} does not exist")]
    UnknownVoice {
        /// The voice asked for.
        voice_id: String,
    },
    /// Occurs when a speech names a voice cloned in a workspace the token is not a member of:
    /// 「不同工作空间复刻的音色资源是独立的，不允许跨空间使用」.
    #[error("voice {voice_id} belongs to a workspace the token is not a member of")]
    VoiceOfOtherSpace {
        /// The voice asked for.
        voice_id: String,
    },
    /// Occurs when `GET /v1/audio/speech` is not a WebSocket handshake: the streaming speech endpoint
    /// speaks only WebSocket.
    #[error("GET /v1/audio/speech is not a WebSocket upgrade")]
    StreamUpgradeRequired,
    /// Occurs when a streaming-speech append, or the text buffered by appends, is over
    /// [`SPEECH_STREAM_TEXT_MAX_BYTES`]: 「单次请求的文字信息长度最大为 1024 个字节」.
    #[error("streaming speech text of {bytes} bytes")]
    StreamTextTooLong {
        /// The text's length in bytes: the append's, or the buffer's with it.
        bytes: usize,
    },
    /// Occurs when a streaming-speech frame is not a JSON event: binary, not JSON, not an object with a
    /// string `event_type`, or an event whose `data` lacks what the event needs.
    #[error("streaming speech event is not valid: {reason}")]
    StreamEventInvalid {
        /// What was wrong, for the client.
        reason: String,
    },
    /// Occurs when a streaming-speech event's `event_type` is not one a client sends.
    #[error("unknown streaming speech event type {event_type:?}")]
    StreamEventUnknown {
        /// The type as sent (at most 64 bytes of it).
        event_type: String,
    },
    /// Occurs when `speech.update` sets a codec, sample rate, speech rate or voice the session cannot use.
    #[error("streaming speech parameter {param} is not valid")]
    StreamParamInvalid {
        /// The parameter, as a JSON path under `data` (`output_audio.codec`).
        param: &'static str,
        /// What it must be.
        expected: String,
        /// What it was.
        value: String,
    },
    /// Occurs when an admin request lacks the admin token, or reaches a non-loopback server that has
    /// none configured.
    #[error("admin API refused: {reason}")]
    AdminUnauthorized {
        /// Why.
        reason: &'static str,
    },
    /// Occurs when an admin request's body or query is not valid.
    #[error("admin request is not valid: {reason}")]
    AdminInvalid {
        /// What was wrong.
        reason: String,
    },
    /// An answer injected through `POST /__admin/faults` with an `envelope` action, rendered as asked.
    #[error("injected fault: {code} {msg}")]
    InjectedFault {
        /// The envelope's code.
        code: i64,
        /// The envelope's msg.
        msg: String,
        /// The HTTP status.
        status: StatusCode,
    },
    /// Occurs when the body stalls or trickles (see `request_body::guarded`).
    #[error("{0}")]
    BodyTooSlow(SlowBody),
    /// Occurs when the fake itself fails (storage); the cause goes to the log, never to the client.
    #[error("internal error: {0}")]
    Internal(String),
}

/// One row of the error table: how an [`ApiError`] answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The envelope's `code`.
    pub code: i64,
    /// The HTTP status. The SDKs judge by `code`; statuses follow @coze/api's pairing (400/4000,
    /// 401/4100, 403/4101, 404/4200), which also makes @coze/api's `speech.create` throw (it ignores a
    /// JSON error on HTTP 200). Listed as a fidelity note: one real 4100 was seen on a 2xx status.
    pub status: StatusCode,
    /// The name of the rule that decided the answer, sent in the `x-coze-mock-rule` header and kept in the
    /// request journal so a test author sees precisely which rule fired.
    pub rule: &'static str,
    /// The envelope's `msg`: the real text where it is known, and always what the client sent wrong.
    pub msg: String,
    /// Who answered: the API's rules, an injected fault, or the admin API.
    pub origin: Origin,
}

/// Who decided an error answer: what `[fidelity] error_status` and the journal tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// One of the API's rules, as the real service would refuse.
    Api,
    /// A fault injected through the admin API, which keeps the status it was given.
    Fault,
    /// The admin API itself, which is not Coze's and keeps its own statuses.
    Admin,
}

fn row(code: i64, status: StatusCode, rule: &'static str, msg: impl Into<String>) -> Row {
    Row {
        code,
        status,
        rule,
        msg: msg.into(),
        origin: Origin::Api,
    }
}

impl Row {
    /// This row, answered by `origin` instead of the API.
    fn from(self, origin: Origin) -> Row {
        Row { origin, ..self }
    }
}

impl ApiError {
    /// The error table: one row per variant, so adding a variant without deciding its answer does not
    /// compile.
    #[rustfmt::skip]
    pub fn row(&self) -> Row {
        use ApiError::*;
        match self {
            MissingAuthorization => row(
                CODE_AUTHENTICATION_INVALID, StatusCode::UNAUTHORIZED, "auth.header_missing",
                MSG_AUTHENTICATION_INVALID,
            ),
            MalformedAuthorization => row(
                CODE_AUTHENTICATION_INVALID, StatusCode::UNAUTHORIZED, "auth.not_bearer",
                MSG_AUTHENTICATION_INVALID,
            ),
            UnknownToken => row(
                CODE_AUTHENTICATION_INVALID, StatusCode::UNAUTHORIZED, "auth.token_unknown",
                MSG_AUTHENTICATION_INVALID,
            ),
            ExpiredToken => row(
                CODE_AUTHENTICATION_INVALID, StatusCode::UNAUTHORIZED, "auth.token_expired",
                MSG_AUTHENTICATION_INVALID,
            ),
            MissingPermission { permission } => row(
                CODE_PERMISSION_DENIED, StatusCode::FORBIDDEN, "auth.permission_missing",
                resource_refusal(permission_resource(permission)),
            ),
            PlanCannotClone => row(
                CODE_PERMISSION_DENIED, StatusCode::FORBIDDEN, "account.plan_cannot_clone",
                resource_refusal(permission_resource(crate::rules::CREATE_VOICE_PERMISSION)),
            ),
            SpaceNotAllowed { space_id } => row(
                CODE_PERMISSION_DENIED, StatusCode::FORBIDDEN, "space.not_member",
                format!("{MSG_PERMISSION_DENIED} The token is not a member of workspace space_id={space_id}."),
            ),
            AccountInArrears => row(
                CODE_ACCOUNT_IN_ARREARS, StatusCode::FORBIDDEN, "account.in_arrears",
                "Your account is in arrears. Please top up your resource points or balance to resume service.",
            ),
            NoVoiceSlots { used, total } => row(
                CODE_PERMISSION_DENIED, StatusCode::FORBIDDEN, "account.no_voice_slots",
                format!("{MSG_PERMISSION_DENIED} No voice slot is left ({used} of {total} used); buy a voice clone expansion pack to clone more voices."),
            ),
            CloneLimitReached { voice_id } => row(
                CODE_PERMISSION_DENIED, StatusCode::FORBIDDEN, "voice_id.clone_limit",
                format!("{MSG_PERMISSION_DENIED} voice_id={voice_id} has been cloned {CLONES_PER_VOICE_ID} times, the most one voice id allows."),
            ),
            VoiceNotFound { voice_id, space_id } => row(
                CODE_NOT_FOUND, StatusCode::NOT_FOUND, "voice_id.not_found",
                format!("Requested resource voice_id={voice_id} does not exist in space_id={space_id}. Ensure you are the correct resource identifier."),
            ),
            NotMultipart { content_type } => row(
                CODE_FILE_MISSING, StatusCode::BAD_REQUEST, "body.not_multipart",
                format!("No file was uploaded: the body must be multipart/form-data with a boundary, not Content-Type {content_type:?}."),
            ),
            MalformedMultipart { reason } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "body.malformed_multipart",
                invalid_field("http body", &format!("a valid multipart/form-data body: {reason}")),
            ),
            DuplicateField { field } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "body.duplicate_field",
                invalid_field(field, "sent once: it is sent more than once"),
            ),
            InvalidField { field, reason } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "body.invalid_field",
                invalid_field(field, reason),
            ),
            VoiceNameMissing => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "voice_name.required",
                invalid_field("voice_name", "sent: it is missing"),
            ),
            VoiceNameTooLong { bytes } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "voice_name.max_bytes",
                invalid_field("voice_name", &format!("at most {VOICE_NAME_MAX_BYTES} bytes: it is {bytes} bytes")),
            ),
            TextTooLong { bytes } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "text.max_bytes",
                invalid_field("text", &format!("at most {TEXT_MAX_BYTES} bytes: it is {bytes} bytes")),
            ),
            LanguageUnsupported { value } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "language.supported",
                invalid_field("language", &format!("one of {}: it is {value:?}", Language::ALL.map(Language::code).join(", "))),
            ),
            AudioFormatUnsupported { value } => row(
                CODE_FILE_TYPE_UNSUPPORTED, StatusCode::BAD_REQUEST, "audio_format.supported",
                format!("The file type is not supported: audio_format {value:?} is not one of {}.", AUDIO_FORMAT_VALUES.join(", ")),
            ),
            AudioFormatRequired { format } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "audio_format.required",
                invalid_field("audio_format", &match format {
                    Some(f) => format!("sent for pcm and m4a audio: it is missing and the audio is {f}"),
                    None => "sent: it is missing".to_owned(),
                }),
            ),
            MalformedId { field, value } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "id.malformed",
                invalid_field(field, &format!("a numeric id: it is {value:?}")),
            ),
            FileMissing => row(
                CODE_FILE_MISSING, StatusCode::BAD_REQUEST, "file.required",
                "No file was uploaded: the audio goes in the multipart part named file.",
            ),
            TooManyFiles => row(
                CODE_TOO_MANY_FILES, StatusCode::BAD_REQUEST, "file.at_most_one",
                format!("Only {FILES_PER_REQUEST} audio file may be uploaded per request."),
            ),
            FileTooLarge => row(
                CODE_FILE_TOO_LARGE, StatusCode::PAYLOAD_TOO_LARGE, "file.max_size",
                format!("The file is too large: the audio file may be at most {FILE_MAX_MB}MB ({FILE_MAX_BYTES} bytes)."),
            ),
            Audio(e) => audio_row(e),
            RouteNotFound { path } => row(
                CODE_NOT_FOUND, StatusCode::NOT_FOUND, "route.not_found",
                format!("Requested resource path={path} does not exist. Ensure you are the correct resource identifier."),
            ),
            MethodNotAllowed { method } => row(
                CODE_INVALID_PARAMETER, StatusCode::METHOD_NOT_ALLOWED, "route.method_not_allowed",
                format!("The method {method} is not allowed on this path. Please check your input."),
            ),
            ListParamInvalid { param, expected, value } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "list.param_invalid",
                invalid_field(param, &format!("{expected}: it is {value:?}")),
            ),
            SpeechBodyInvalid { reason } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "speech.body_invalid",
                invalid_field("http body", reason),
            ),
            SpeechInputTooLong { bytes } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "speech.input_max_bytes",
                invalid_field("input", &format!("at most {SPEECH_INPUT_MAX_BYTES} bytes of UTF-8: it is {bytes} bytes")),
            ),
            SpeechFormatUnsupported { value } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "speech.response_format",
                invalid_field("response_format", &format!("one of {}: it is {value:?}", SpeechFormat::ALL.map(SpeechFormat::name).join(", "))),
            ),
            SpeechSpeedOutOfRange { value, model_type, range } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "speech.speed_range",
                invalid_field("speed", &format!("in [{}, {}] for a {model_type} voice: it is {value}", range.0, range.1)),
            ),
            SpeechParamInvalid { param, expected, value } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "speech.param_invalid",
                invalid_field(param, &format!("{expected}: it is {value}")),
            ),
            SpeechSampleRateUnsupported { value } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "speech.sample_rate",
                invalid_field("sample_rate", &format!("one of {}: it is {value}", SPEECH_SAMPLE_RATES.map(|r| r.to_string()).join(", "))),
            ),
            UnknownVoice { voice_id } => row(
                CODE_NOT_FOUND, StatusCode::NOT_FOUND, "voice.unknown",
                format!("Requested resource voice_id={voice_id} does not exist. Ensure you are the correct resource identifier."),
            ),
            VoiceOfOtherSpace { voice_id } => row(
                CODE_PERMISSION_DENIED, StatusCode::FORBIDDEN, "voice.other_space",
                format!("{MSG_PERMISSION_DENIED} voice_id={voice_id} belongs to a workspace the token is not a member of."),
            ),
            StreamUpgradeRequired => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "speech_stream.upgrade_required",
                "GET /v1/audio/speech is the streaming speech WebSocket: connect with a WebSocket client (Upgrade: websocket), or POST for one answer. Please check your input.",
            ),
            StreamTextTooLong { bytes } => row(
                CODE_STREAM_TEXT_TOO_LONG, StatusCode::BAD_REQUEST, "speech_stream.text_max_bytes",
                format!("The text of one request may be at most {SPEECH_STREAM_TEXT_MAX_BYTES} bytes: it is {bytes} bytes. Send less text before input_text_buffer.complete."),
            ),
            StreamEventInvalid { reason } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "speech_stream.event_invalid",
                invalid_field("event", reason),
            ),
            StreamEventUnknown { event_type } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "speech_stream.event_unknown",
                invalid_field("event_type", &format!("one of speech.update, input_text_buffer.append, input_text_buffer.complete: it is {event_type:?}")),
            ),
            StreamParamInvalid { param, expected, value } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "speech_stream.param_invalid",
                invalid_field(param, &format!("{expected}: it is {value}")),
            ),
            AdminUnauthorized { reason } => row(
                CODE_AUTHENTICATION_INVALID, StatusCode::UNAUTHORIZED, "admin.unauthorized",
                format!("coze-mock admin API: {reason}"),
            ).from(Origin::Admin),
            AdminInvalid { reason } => row(
                CODE_INVALID_PARAMETER, StatusCode::BAD_REQUEST, "admin.invalid",
                format!("coze-mock admin API: {reason}"),
            ).from(Origin::Admin),
            InjectedFault { code, msg, status } => {
                row(*code, *status, "fault.envelope", msg.clone()).from(Origin::Fault)
            }
            BodyTooSlow(why) => row(
                CODE_INVALID_PARAMETER, StatusCode::REQUEST_TIMEOUT,
                match why {
                    SlowBody::Stalled(_) => "body.stalled",
                    SlowBody::Trickling(_) => "body.trickling",
                },
                format!("The request body was not received in time: {why}. Please check your input."),
            ),
            Internal(_) => row(CODE_INTERNAL, StatusCode::INTERNAL_SERVER_ERROR, "internal", MSG_INTERNAL),
        }
    }

    /// The name of the rule that decided this answer ([`Row::rule`]).
    pub fn rule(&self) -> &'static str {
        self.row().rule
    }
}

/// The rows of the uploaded bytes' failures: one per [`AudioError`] variant.
#[rustfmt::skip]
fn audio_row(e: &AudioError) -> Row {
    match e {
        AudioError::Empty => row(
            CODE_FILE_MISSING, StatusCode::BAD_REQUEST, "audio.empty",
            format!("The file is not valid: {e}."),
        ),
        AudioError::Unrecognised => row(
            CODE_FILE_TYPE_UNSUPPORTED, StatusCode::BAD_REQUEST, "audio.format_unrecognised",
            format!("The file type is not supported: {e}."),
        ),
        AudioError::Unsupported { .. } => row(
            CODE_FILE_TYPE_UNSUPPORTED, StatusCode::BAD_REQUEST, "audio.format_unsupported",
            format!("The file type is not supported: {e}."),
        ),
        AudioError::FormatMismatch { .. } => row(
            CODE_FILE_TYPE_UNSUPPORTED, StatusCode::BAD_REQUEST, "audio.format_mismatch",
            format!("The file type is not supported: {e}."),
        ),
        AudioError::Truncated { .. } => row(
            CODE_FILE_INVALID, StatusCode::BAD_REQUEST, "audio.truncated",
            format!("The file is not valid: {e}."),
        ),
        AudioError::Corrupt { .. } => row(
            CODE_FILE_INVALID, StatusCode::BAD_REQUEST, "audio.corrupt",
            format!("The file is not valid: {e}."),
        ),
        AudioError::PcmSpec { .. } => row(
            CODE_FILE_INVALID, StatusCode::BAD_REQUEST, "audio.pcm_24k_mono",
            format!("The file is not valid: {e}."),
        ),
        AudioError::DurationOutOfRange { .. } => row(
            CODE_FILE_INVALID, StatusCode::BAD_REQUEST, "audio.duration",
            format!("The file is not valid: {e}."),
        ),
        AudioError::TextMismatch { .. } => row(
            CODE_WER_ERROR, StatusCode::BAD_REQUEST, "text.wer",
            format!("WERError: {e}."),
        ),
    }
}

impl From<StoreError> for ApiError {
    /// The store's refusals, as the API answers them; a storage failure is an internal error.
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NoVoiceSlots { used, total } => ApiError::NoVoiceSlots { used, total },
            StoreError::CloneLimitReached(voice_id) => ApiError::CloneLimitReached { voice_id },
            StoreError::VoiceNotFound { voice_id, space_id } => {
                ApiError::VoiceNotFound { voice_id, space_id }
            }
            StoreError::Backend(cause) => ApiError::Internal(cause),
        }
    }
}

/// A 4000 message in the real pattern: "The field http body provided is not a valid json or chat request.
/// Please check your input." (xinnan-tech/xiaozhi-esp32-server#256), saying what was expected and sent.
fn invalid_field(field: &str, expected: &str) -> String {
    format!(
        "The field {field} provided is not valid: it must be {expected}. Please check your input."
    )
}

/// One example of every way audio is refused, for the error table's tests and the OpenAPI description's
/// list of answers.
pub(crate) fn every_audio_failure() -> [AudioError; 9] {
    [
        AudioError::Empty,
        AudioError::Unrecognised,
        AudioError::Unsupported { kind: "flac" },
        AudioError::Truncated {
            format: AudioFormat::Wav,
        },
        AudioError::Corrupt {
            format: AudioFormat::Mp3,
            reason: "the frame chain breaks",
        },
        AudioError::PcmSpec {
            sample_rate: 16_000,
            channels: 2,
        },
        AudioError::FormatMismatch {
            declared: AudioFormat::Pcm,
            detected: AudioFormat::Wav,
        },
        AudioError::DurationOutOfRange {
            secs: 3.0,
            min: Some(10.0),
            max: Some(30.0),
        },
        AudioError::TextMismatch {
            error_rate: 0.8,
            threshold: 0.5,
        },
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::rules::BODY_DEADLINE;

    /// The name of each pattern a value matches, and all the names: a `match` without a wildcard, so a
    /// new variant stops the tests compiling until it is listed, and then fails them until
    /// [`one_of_each`] has an example of it.
    macro_rules! variants {
        ($ty:ty: $($p:pat),+ $(,)?) => {
            (|e: &$ty| match e { $($p => stringify!($p)),+ }, [$(stringify!($p)),+])
        };
    }

    fn one_of_each_audio() -> Vec<AudioError> {
        every_audio_failure().into()
    }

    fn one_of_each() -> Vec<ApiError> {
        let text = |s: &str| s.to_owned();
        let mut all = vec![
            ApiError::MissingAuthorization,
            ApiError::MalformedAuthorization,
            ApiError::UnknownToken,
            ApiError::ExpiredToken,
            ApiError::MissingPermission {
                permission: "createVoice",
            },
            ApiError::PlanCannotClone,
            ApiError::SpaceNotAllowed {
                space_id: text("7"),
            },
            ApiError::AccountInArrears,
            ApiError::NoVoiceSlots { used: 1, total: 1 },
            ApiError::CloneLimitReached {
                voice_id: text("7"),
            },
            ApiError::VoiceNotFound {
                voice_id: text("7"),
                space_id: text("8"),
            },
            ApiError::NotMultipart {
                content_type: text("application/json"),
            },
            ApiError::MalformedMultipart {
                reason: text("the body ends early"),
            },
            ApiError::DuplicateField {
                field: text("voice_name"),
            },
            ApiError::InvalidField {
                field: text("text"),
                reason: text("valid UTF-8"),
            },
            ApiError::VoiceNameMissing,
            ApiError::VoiceNameTooLong { bytes: 129 },
            ApiError::TextTooLong { bytes: 1025 },
            ApiError::LanguageUnsupported { value: text("fr") },
            ApiError::AudioFormatUnsupported {
                value: text("flac"),
            },
            ApiError::MalformedId {
                field: "voice_id",
                value: text("x"),
            },
            ApiError::FileMissing,
            ApiError::TooManyFiles,
            ApiError::FileTooLarge,
            ApiError::RouteNotFound {
                path: text("/v1/x"),
            },
            ApiError::MethodNotAllowed {
                method: text("PUT"),
            },
            ApiError::ListParamInvalid {
                param: "page_size",
                expected: text("an integer in (0, 100]"),
                value: text("0"),
            },
            ApiError::SpeechBodyInvalid {
                reason: text("a JSON object with a non-empty input"),
            },
            ApiError::SpeechInputTooLong { bytes: 1025 },
            ApiError::SpeechFormatUnsupported {
                value: text("flac"),
            },
            ApiError::SpeechSpeedOutOfRange {
                value: 2.5,
                model_type: "big",
                range: (0.5, 2.0),
            },
            ApiError::SpeechParamInvalid {
                param: "loudness_rate",
                expected: "an integer in [-50, 100]".into(),
                value: "448".into(),
            },
            ApiError::AudioFormatRequired {
                format: Some(AudioFormat::M4a),
            },
            ApiError::SpeechSampleRateUnsupported { value: 11_025 },
            ApiError::UnknownVoice {
                voice_id: text("7"),
            },
            ApiError::VoiceOfOtherSpace {
                voice_id: text("7"),
            },
            ApiError::StreamUpgradeRequired,
            ApiError::StreamTextTooLong { bytes: 1025 },
            ApiError::StreamEventInvalid {
                reason: text("a JSON object with a string event_type"),
            },
            ApiError::StreamEventUnknown {
                event_type: text("speech.start"),
            },
            ApiError::StreamParamInvalid {
                param: "output_audio.codec",
                expected: text("one of pcm, g711a, g711u, opus"),
                value: text("\"mp3\""),
            },
            ApiError::AdminUnauthorized {
                reason: "send the admin token",
            },
            ApiError::AdminInvalid {
                reason: text("unknown field"),
            },
            ApiError::InjectedFault {
                code: 4000,
                msg: text("injected"),
                status: StatusCode::BAD_REQUEST,
            },
            ApiError::BodyTooSlow(SlowBody::Stalled(BODY_DEADLINE)),
            ApiError::BodyTooSlow(SlowBody::Trickling(BODY_DEADLINE)),
            ApiError::Internal(text("disk I/O error")),
        ];
        all.extend(one_of_each_audio().into_iter().map(ApiError::Audio));
        all
    }

    #[test]
    fn every_variant_has_an_example() {
        use ApiError::*;
        let (variant, all) = variants!(ApiError:
            MissingAuthorization, MalformedAuthorization, UnknownToken, ExpiredToken,
            MissingPermission { .. }, PlanCannotClone, SpaceNotAllowed { .. }, AccountInArrears,
            NoVoiceSlots { .. }, CloneLimitReached { .. }, VoiceNotFound { .. }, NotMultipart { .. },
            MalformedMultipart { .. }, DuplicateField { .. }, InvalidField { .. }, VoiceNameMissing,
            VoiceNameTooLong { .. }, TextTooLong { .. }, LanguageUnsupported { .. },
            AudioFormatUnsupported { .. }, MalformedId { .. }, FileMissing, TooManyFiles,
            FileTooLarge, Audio(_), RouteNotFound { .. }, MethodNotAllowed { .. },
            ListParamInvalid { .. }, SpeechBodyInvalid { .. }, SpeechInputTooLong { .. },
            SpeechFormatUnsupported { .. }, SpeechSpeedOutOfRange { .. }, SpeechParamInvalid { .. },
            AudioFormatRequired { .. },
            SpeechSampleRateUnsupported { .. }, UnknownVoice { .. }, VoiceOfOtherSpace { .. },
            StreamUpgradeRequired, StreamTextTooLong { .. }, StreamEventInvalid { .. },
            StreamEventUnknown { .. }, StreamParamInvalid { .. },
            AdminUnauthorized { .. }, AdminInvalid { .. }, InjectedFault { .. }, BodyTooSlow(_),
            Internal(_),
        );
        let seen: BTreeSet<_> = one_of_each().iter().map(variant).collect();
        assert_eq!(seen, BTreeSet::from(all));

        let (variant, all) = variants!(AudioError:
            AudioError::Empty, AudioError::Unrecognised, AudioError::Unsupported { .. },
            AudioError::Truncated { .. }, AudioError::Corrupt { .. }, AudioError::PcmSpec { .. },
            AudioError::FormatMismatch { .. }, AudioError::DurationOutOfRange { .. },
            AudioError::TextMismatch { .. },
        );
        let seen: BTreeSet<_> = one_of_each_audio().iter().map(variant).collect();
        assert_eq!(seen, BTreeSet::from(all));
    }

    #[test]
    fn every_row_pairs_its_code_with_a_status_of_the_same_class() {
        for e in one_of_each() {
            let Row { code, status, .. } = e.row();
            match code {
                CODE_INTERNAL => assert!(status.is_server_error(), "{e:?}"),
                CODE_WER_ERROR | CODE_STREAM_TEXT_TOO_LONG | 4000..=4999 => {
                    assert!(status.is_client_error(), "{e:?}")
                }
                _ => panic!("{e:?} answers code {code}, which no row should"),
            }
            // @coze/api's pairing, which its SDK relies on to pick the error class.
            let paired = match code {
                CODE_AUTHENTICATION_INVALID => Some(StatusCode::UNAUTHORIZED),
                CODE_PERMISSION_DENIED => Some(StatusCode::FORBIDDEN),
                CODE_NOT_FOUND => Some(StatusCode::NOT_FOUND),
                _ => None,
            };
            assert!(
                paired.is_none_or(|p| p == status),
                "{e:?}: {code} on {status}"
            );
        }
    }

    #[test]
    fn rule_names_are_unique_and_dotted_lower_case() {
        let mut seen = BTreeSet::new();
        for e in one_of_each() {
            let rule = e.rule();
            assert!(seen.insert(rule), "rule {rule} is used twice");
            assert!(
                rule.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._".contains(&b)),
                "rule {rule}"
            );
        }
    }

    #[test]
    fn messages_are_sentences_not_rust_debug_output() {
        for e in one_of_each() {
            let msg = e.row().msg;
            assert!(!msg.trim().is_empty(), "{e:?}");
            let debug = format!("{e:?}");
            let variant_name = debug.split(['(', ' ']).next().unwrap_or_default();
            for leak in ["Some(", "None", "Ok(", "Err(", "::", " { ", variant_name] {
                assert!(!msg.contains(leak), "{e:?} says {leak:?}: {msg}");
            }
            for format in AudioFormat::ALL {
                let debug = format!(" {format:?} ");
                assert!(!msg.contains(&debug), "{e:?} says {debug:?}: {msg}");
            }
        }
    }

    #[test]
    fn every_authentication_failure_answers_the_real_4100_message() {
        for e in [
            ApiError::MissingAuthorization,
            ApiError::MalformedAuthorization,
            ApiError::UnknownToken,
            ApiError::ExpiredToken,
        ] {
            let row = e.row();
            assert_eq!(row.code, 4100, "{e}");
            assert_eq!(row.msg, "authentication is invalid", "{e}");
            assert_eq!(row.status, StatusCode::UNAUTHORIZED, "{e}");
        }
    }

    #[test]
    fn refusals_of_a_token_or_plan_are_the_real_4101_naming_the_resource() {
        let real = "Your connector token does not have permission to access CloneVoice. Please verify whether the resource ID or token is correct, and ensure that the necessary permissions are enabled at https://www.coze.cn/open/oauth/apps. For further details, please refer to the documentation at https://www.coze.cn/docs/developer_guides/authentication.";
        assert_eq!(ApiError::PlanCannotClone.row().msg, real);
        for (permission, resource) in [
            ("createVoice", "CloneVoice"),
            ("listVoice", "ListVoice"),
            ("createSpeech", "AudioSpeech"),
        ] {
            let row = ApiError::MissingPermission { permission }.row();
            assert_eq!(row.code, CODE_PERMISSION_DENIED);
            assert_eq!(
                row.msg,
                real.replace("CloneVoice", resource),
                "{permission}"
            );
        }
    }

    #[test]
    fn only_the_admin_api_and_injected_faults_answer_outside_the_api() {
        for e in one_of_each() {
            let expected = match e {
                ApiError::AdminUnauthorized { .. } | ApiError::AdminInvalid { .. } => Origin::Admin,
                ApiError::InjectedFault { .. } => Origin::Fault,
                _ => Origin::Api,
            };
            assert_eq!(e.row().origin, expected, "{e:?}");
        }
    }

    #[test]
    fn internal_errors_never_leak_their_cause_to_the_client() {
        let row = ApiError::Internal("disk I/O error at /var/lib/x".into()).row();
        assert!(!row.msg.contains("disk"), "{}", row.msg);
        assert_eq!(row.status, StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn store_refusals_keep_their_meaning_and_storage_failures_are_internal() {
        let slots = ApiError::from(StoreError::NoVoiceSlots { used: 2, total: 2 });
        assert_eq!(slots.rule(), "account.no_voice_slots");
        let limit = ApiError::from(StoreError::CloneLimitReached("7".into()));
        assert_eq!(limit.rule(), "voice_id.clone_limit");
        let missing = ApiError::from(StoreError::VoiceNotFound {
            voice_id: "7".into(),
            space_id: "8".into(),
        });
        assert_eq!(missing.rule(), "voice_id.not_found");
        let backend = ApiError::from(StoreError::Backend("database is locked".into()));
        assert_eq!(backend.rule(), "internal");
        assert!(!backend.row().msg.contains("locked"));
    }

    /// A missing field's message states the rule once and the fact once, in the real 4000 pattern.
    #[test]
    fn a_missing_field_is_named_once_as_missing() {
        assert_eq!(
            ApiError::VoiceNameMissing.row().msg,
            "The field voice_name provided is not valid: it must be sent: it is missing. Please check your input."
        );
        assert_eq!(
            ApiError::AudioFormatRequired { format: None }.row().msg,
            "The field audio_format provided is not valid: it must be sent: it is missing. Please check your input."
        );
        let msg = ApiError::AudioFormatRequired {
            format: Some(AudioFormat::M4a),
        }
        .row()
        .msg;
        assert_eq!(
            msg.matches("required").count() + msg.matches("must").count(),
            1,
            "{msg}"
        );
        assert!(msg.contains("the audio is m4a"), "{msg}");
    }

    #[test]
    fn limit_messages_state_the_rules_and_what_was_sent() {
        let msg = ApiError::VoiceNameTooLong {
            bytes: VOICE_NAME_MAX_BYTES + 1,
        }
        .row()
        .msg;
        assert!(
            msg.contains(&format!("at most {VOICE_NAME_MAX_BYTES} bytes"))
                && msg.contains(&format!("it is {} bytes", VOICE_NAME_MAX_BYTES + 1)),
            "{msg}"
        );
        let msg = ApiError::TextTooLong { bytes: 2000 }.row().msg;
        assert!(
            msg.contains(&format!("at most {TEXT_MAX_BYTES} bytes")),
            "{msg}"
        );
        let msg = ApiError::FileTooLarge.row().msg;
        assert!(
            msg.contains(&format!("at most {FILE_MAX_MB}MB ({FILE_MAX_BYTES} bytes)")),
            "{msg}"
        );
        let msg = ApiError::TooManyFiles.row().msg;
        assert!(msg.contains(&format!("Only {FILES_PER_REQUEST} ")), "{msg}");
        let msg = ApiError::SpeechInputTooLong { bytes: 2000 }.row().msg;
        assert!(
            msg.contains(&format!("at most {SPEECH_INPUT_MAX_BYTES} bytes")),
            "{msg}"
        );
        let msg = ApiError::SpeechSampleRateUnsupported { value: 1 }.row().msg;
        for rate in SPEECH_SAMPLE_RATES {
            assert!(msg.contains(&rate.to_string()), "{rate}: {msg}");
        }
        let msg = ApiError::SpeechFormatUnsupported { value: "x".into() }
            .row()
            .msg;
        for format in SpeechFormat::ALL {
            assert!(msg.contains(format.name()), "{format}: {msg}");
        }
        let (min, max) = crate::rules::SPEECH_SPEED_RANGE_BIG;
        let msg = ApiError::SpeechSpeedOutOfRange {
            value: 9.0,
            model_type: "big",
            range: (min, max),
        }
        .row()
        .msg;
        assert!(
            msg.contains(&format!("in [{min}, {max}] for a big voice")),
            "{msg}"
        );
        let msg = ApiError::BodyTooSlow(SlowBody::Stalled(BODY_DEADLINE))
            .row()
            .msg;
        let deadline = humantime::format_duration(BODY_DEADLINE);
        assert!(msg.contains(&format!("for {deadline}")), "{msg}");
        let msg = ApiError::LanguageUnsupported { value: "fr".into() }
            .row()
            .msg;
        for language in Language::ALL {
            assert!(msg.contains(language.code()), "{language}: {msg}");
        }
    }
}
