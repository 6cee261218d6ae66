//! [`ApiError`]: every way a request fails, and the one table that maps each to the API's code, message
//! and HTTP status.
//!
//! Codes come from the reference (`../shared/reference/voice-clone-api.md`, "Known codes") and Coze's
//! error-code page (coze.cn/open/docs/developer_guides/coze_error_codes, as scraped in
//! KianaMei/coze-chat-alone `coze_docs/md/coze_error_codes.md`); messages are the real English texts users
//! quote in public issues, cited beside each. Where the real code for a case is not known, the closest real
//! one is used and the README's fidelity notes list the choice. `code()`, `msg()` and `status()` are exhaustive matches: adding a variant
//! without deciding its answer does not compile.

use http::StatusCode;

use crate::audio::AudioError;
use crate::request_body::SlowBody;
use crate::rules::{
    AudioFormat, Language, CLONES_PER_VOICE_ID, FILE_MAX_BYTES, SPEECH_INPUT_MAX_CHARS,
    SPEECH_SPEED_RANGE, TEXT_MAX_BYTES, VOICE_NAME_MAX_BYTES,
};

/// 4000: "invalid parameter" (@coze/api `APIError.generate`: 400 or 4000 → BadRequestError).
pub const CODE_INVALID_PARAMETER: i64 = 4000;
/// 4100: "authentication is invalid" (users quoting `CozeAPIError: code: 4100, msg: authentication is invalid`).
pub const CODE_AUTHENTICATION_INVALID: i64 = 4100;
/// 4101: the token lacks a permission (@coze/api: 403 or 4101 → PermissionDeniedError).
pub const CODE_PERMISSION_DENIED: i64 = 4101;
/// 4200: resource not found (@coze/api: 404 or 4200 → NotFoundError).
pub const CODE_NOT_FOUND: i64 = 4200;
/// 4019: the account is in arrears (error-code page: 账号欠费).
pub const CODE_ACCOUNT_IN_ARREARS: i64 = 4019;
/// 4300: no file uploaded; also answered when the body is not multipart (error-code page).
pub const CODE_FILE_MISSING: i64 = 4300;
/// 4301: more than one file (error-code page).
pub const CODE_TOO_MANY_FILES: i64 = 4301;
/// 4302: the file is too large (error-code page).
pub const CODE_FILE_TOO_LARGE: i64 = 4302;
/// 4303: the file's type is not supported (error-code page).
pub const CODE_FILE_TYPE_UNSUPPORTED: i64 = 4303;
/// 4304: the file is not valid (error-code page).
pub const CODE_FILE_INVALID: i64 = 4304;
/// 1109: 「若差异过大会报错 1109 WERError」 (the documentation page).
pub const CODE_WER_ERROR: i64 = 1109;
/// 5000: Coze's generic internal server error.
pub const CODE_INTERNAL: i64 = 5000;

/// The real message of every 4100 answer, whatever the cause (coze-dev/coze-py#78, coze-dev/coze-js#314).
const MSG_AUTHENTICATION_INVALID: &str = "authentication is invalid";
/// The real message of a 4101 answer (coze-dev/coze-py#227).
const MSG_PERMISSION_DENIED: &str = "Your token does not have permission to access resource. Please verify whether the resource ID or token is correct.";
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
    /// Occurs when a personal-plan account clones: 「仅扣子团队版和企业版用户可以使用音色复刻功能」.
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
    /// Occurs on the eleventh clone of one voice id: 「同一个音色 ID 最多复刻 10 次」.
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
        /// What was wrong.
        reason: &'static str,
    },
    /// Occurs when `voice_name` is absent or empty (「必选」).
    #[error("voice_name is required")]
    VoiceNameMissing,
    /// Occurs when `voice_name` is over 128 bytes: 「长度限制为 128 字节」.
    #[error("voice_name is {bytes} bytes")]
    VoiceNameTooLong {
        /// Its length in bytes.
        bytes: usize,
    },
    /// Occurs when `text` is over 1024 bytes: 「最大长度为 1024 字节」.
    #[error("text is {bytes} bytes")]
    TextTooLong {
        /// Its length in bytes.
        bytes: usize,
    },
    /// Occurs when `language` is not one of the six on the page.
    #[error("language {value:?} is not supported")]
    LanguageUnsupported {
        /// The value sent.
        value: String,
    },
    /// Occurs when `audio_format` is not one of the six on the page.
    #[error("audio_format {value:?} is not supported")]
    AudioFormatUnsupported {
        /// The value sent.
        value: String,
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
    /// Occurs when the file (or the body carrying it) is over 10 MB: 「最大不超过 10MB」.
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
    /// Occurs when a voice-list query parameter is not valid: `page_num` must be > 0 and `page_size` in
    /// (0, 100] (@coze/api `ListVoicesReq`: 「传值需要 > 0」, 「传值需要(0, 100]」); the booleans and
    /// enums must be values the SDKs send.
    #[error("voice list parameter {param} = {value:?} is not valid")]
    ListParamInvalid {
        /// The parameter's name.
        param: &'static str,
        /// What it must be.
        expected: &'static str,
        /// The value sent.
        value: String,
    },
    /// Occurs when a speech body is not the JSON object the SDKs send, or lacks `input` or `voice_id`.
    #[error("speech body is not valid: {reason}")]
    SpeechBodyInvalid {
        /// What was wrong.
        reason: String,
    },
    /// Occurs when `input` is over 1024 characters (cozepy `SpeechClient.create`: "Maximum length is 1024
    /// characters"; @coze/api: 「最大长度为 1024 个字符」).
    #[error("speech input is {chars} characters")]
    SpeechInputTooLong {
        /// Its length in characters.
        chars: usize,
    },
    /// Occurs when `response_format` is not one the SDKs offer.
    #[error("response_format {value:?} is not supported")]
    SpeechFormatUnsupported {
        /// The value sent.
        value: String,
    },
    /// Occurs when `speed` is outside [0.2, 3] (both SDKs' docs).
    #[error("speed {value} is out of range")]
    SpeechSpeedOutOfRange {
        /// The value sent.
        value: f64,
    },
    /// Occurs when `sample_rate` is not one the SDKs list.
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
    /// Occurs when the body stalls or trickles (see [`crate::request_body::guarded`]).
    #[error("{0}")]
    BodyTooSlow(SlowBody),
    /// Occurs when the fake itself fails (storage); the cause goes to the log, never to the client.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// The envelope's `code`.
    pub fn code(&self) -> i64 {
        use ApiError::*;
        match self {
            MissingAuthorization | MalformedAuthorization | UnknownToken | ExpiredToken => {
                CODE_AUTHENTICATION_INVALID
            }
            MissingPermission { .. } | PlanCannotClone | SpaceNotAllowed { .. } => {
                CODE_PERMISSION_DENIED
            }
            NoVoiceSlots { .. } | CloneLimitReached { .. } => CODE_PERMISSION_DENIED,
            AccountInArrears => CODE_ACCOUNT_IN_ARREARS,
            VoiceNotFound { .. } | RouteNotFound { .. } | UnknownVoice { .. } => CODE_NOT_FOUND,
            VoiceOfOtherSpace { .. } => CODE_PERMISSION_DENIED,
            AdminUnauthorized { .. } => CODE_AUTHENTICATION_INVALID,
            ListParamInvalid { .. }
            | SpeechBodyInvalid { .. }
            | SpeechInputTooLong { .. }
            | SpeechFormatUnsupported { .. }
            | SpeechSpeedOutOfRange { .. }
            | SpeechSampleRateUnsupported { .. }
            | AdminInvalid { .. } => CODE_INVALID_PARAMETER,
            InjectedFault { code, .. } => *code,
            MalformedMultipart { .. }
            | DuplicateField { .. }
            | InvalidField { .. }
            | VoiceNameMissing
            | VoiceNameTooLong { .. }
            | TextTooLong { .. }
            | LanguageUnsupported { .. }
            | MalformedId { .. }
            | MethodNotAllowed { .. }
            | BodyTooSlow(_) => CODE_INVALID_PARAMETER,
            NotMultipart { .. } | FileMissing => CODE_FILE_MISSING,
            TooManyFiles => CODE_TOO_MANY_FILES,
            FileTooLarge => CODE_FILE_TOO_LARGE,
            AudioFormatUnsupported { .. } => CODE_FILE_TYPE_UNSUPPORTED,
            Audio(e) => match e {
                AudioError::Empty => CODE_FILE_MISSING,
                AudioError::Unrecognised | AudioError::Unsupported { .. } => {
                    CODE_FILE_TYPE_UNSUPPORTED
                }
                AudioError::FormatMismatch { .. } => CODE_FILE_TYPE_UNSUPPORTED,
                AudioError::Truncated { .. }
                | AudioError::Corrupt { .. }
                | AudioError::PcmSpec { .. }
                | AudioError::DurationOutOfRange { .. } => CODE_FILE_INVALID,
                AudioError::TextMismatch { .. } => CODE_WER_ERROR,
            },
            Internal(_) => CODE_INTERNAL,
        }
    }

    /// The envelope's `msg`: the real text where it is known, and always what the client sent wrong.
    pub fn msg(&self) -> String {
        use ApiError::*;
        match self {
            MissingAuthorization | MalformedAuthorization | UnknownToken | ExpiredToken => {
                MSG_AUTHENTICATION_INVALID.to_owned()
            }
            MissingPermission { permission } => {
                format!("{MSG_PERMISSION_DENIED} The token lacks the {permission} permission.")
            }
            PlanCannotClone => format!(
                "{MSG_PERMISSION_DENIED} Voice cloning is only available on Coze team and enterprise plans."
            ),
            SpaceNotAllowed { space_id } => format!(
                "{MSG_PERMISSION_DENIED} The token is not a member of workspace space_id={space_id}."
            ),
            NoVoiceSlots { used, total } => format!(
                "{MSG_PERMISSION_DENIED} No voice slot is left ({used} of {total} used); buy a voice clone expansion pack to clone more voices."
            ),
            CloneLimitReached { voice_id } => format!(
                "{MSG_PERMISSION_DENIED} voice_id={voice_id} has been cloned {CLONES_PER_VOICE_ID} times, the most one voice id allows."
            ),
            AccountInArrears => "Your account is in arrears. Please top up your resource points or balance to resume service.".to_owned(),
            VoiceNotFound { voice_id, space_id } => format!(
                "Requested resource voice_id={voice_id} does not exist in space_id={space_id}. Ensure you are the correct resource identifier."
            ),
            RouteNotFound { path } => format!(
                "Requested resource path={path} does not exist. Ensure you are the correct resource identifier."
            ),
            NotMultipart { content_type } => format!(
                "No file was uploaded: the body must be multipart/form-data with a boundary, not Content-Type {content_type:?}."
            ),
            MalformedMultipart { reason } => invalid_field("http body", &format!("a valid multipart/form-data body: {reason}")),
            DuplicateField { field } => invalid_field(field, "sent once: it is sent more than once"),
            InvalidField { field, reason } => invalid_field(field, reason),
            VoiceNameMissing => invalid_field("voice_name", "present: it is required"),
            VoiceNameTooLong { bytes } => invalid_field(
                "voice_name",
                &format!("at most {VOICE_NAME_MAX_BYTES} bytes: it is {bytes} bytes"),
            ),
            TextTooLong { bytes } => invalid_field(
                "text",
                &format!("at most {TEXT_MAX_BYTES} bytes: it is {bytes} bytes"),
            ),
            LanguageUnsupported { value } => invalid_field(
                "language",
                &format!(
                    "one of {}: it is {value:?}",
                    Language::ALL.map(Language::code).join(", ")
                ),
            ),
            MalformedId { field, value } => {
                invalid_field(field, &format!("a numeric id: it is {value:?}"))
            }
            BodyTooSlow(why) => format!(
                "The request body was not received in time: {why}. Please check your input."
            ),
            MethodNotAllowed { method } => format!(
                "The method {method} is not allowed on this path. Please check your input."
            ),
            FileMissing => "No file was uploaded: the audio goes in the multipart part named file.".to_owned(),
            TooManyFiles => "Only 1 audio file may be uploaded per request.".to_owned(),
            FileTooLarge => format!(
                "The file is too large: the audio file may be at most 10MB ({FILE_MAX_BYTES} bytes)."
            ),
            AudioFormatUnsupported { value } => format!(
                "The file type is not supported: audio_format {value:?} is not one of {}.",
                AudioFormat::ALL.map(AudioFormat::name).join(", ")
            ),
            Audio(e @ AudioError::TextMismatch { .. }) => format!("WERError: {e}."),
            Audio(e @ (AudioError::Unrecognised | AudioError::Unsupported { .. } | AudioError::FormatMismatch { .. })) => {
                format!("The file type is not supported: {e}.")
            }
            Audio(e) => format!("The file is not valid: {e}."),
            ListParamInvalid {
                param,
                expected,
                value,
            } => invalid_field(param, &format!("{expected}: it is {value:?}")),
            SpeechBodyInvalid { reason } => invalid_field("http body", reason),
            SpeechInputTooLong { chars } => invalid_field(
                "input",
                &format!("at most {SPEECH_INPUT_MAX_CHARS} characters: it is {chars} characters"),
            ),
            SpeechFormatUnsupported { value } => invalid_field(
                "response_format",
                &format!("one of wav, pcm, ogg_opus, mp3: it is {value:?}"),
            ),
            SpeechSpeedOutOfRange { value } => {
                let (min, max) = SPEECH_SPEED_RANGE;
                invalid_field("speed", &format!("in [{min}, {max}]: it is {value}"))
            }
            SpeechSampleRateUnsupported { value } => invalid_field(
                "sample_rate",
                &format!(
                    "one of 8000, 16000, 22050, 24000, 32000, 44100, 48000: it is {value}"
                ),
            ),
            UnknownVoice { voice_id } => format!(
                "Requested resource voice_id={voice_id} does not exist. Ensure you are the correct resource identifier."
            ),
            VoiceOfOtherSpace { voice_id } => format!(
                "{MSG_PERMISSION_DENIED} voice_id={voice_id} belongs to a workspace the token is not a member of."
            ),
            AdminUnauthorized { reason } => format!("coze-mock admin API: {reason}"),
            AdminInvalid { reason } => format!("coze-mock admin API: {reason}"),
            InjectedFault { msg, .. } => msg.clone(),
            Internal(_) => MSG_INTERNAL.to_owned(),
        }
    }

    /// The HTTP status. The SDKs judge by `code`; statuses follow @coze/api's pairing (400/4000,
    /// 401/4100, 403/4101, 404/4200), which also makes @coze/api's `speech.create` throw (it ignores a
    /// JSON error on HTTP 200). Listed as a fidelity note: one real 4100 was seen on a 2xx status.
    pub fn status(&self) -> StatusCode {
        use ApiError::*;
        match self {
            MissingAuthorization | MalformedAuthorization | UnknownToken | ExpiredToken => {
                StatusCode::UNAUTHORIZED
            }
            MissingPermission { .. }
            | PlanCannotClone
            | SpaceNotAllowed { .. }
            | NoVoiceSlots { .. }
            | CloneLimitReached { .. }
            | AccountInArrears => StatusCode::FORBIDDEN,
            VoiceNotFound { .. } | RouteNotFound { .. } | UnknownVoice { .. } => {
                StatusCode::NOT_FOUND
            }
            VoiceOfOtherSpace { .. } => StatusCode::FORBIDDEN,
            AdminUnauthorized { .. } => StatusCode::UNAUTHORIZED,
            ListParamInvalid { .. }
            | SpeechBodyInvalid { .. }
            | SpeechInputTooLong { .. }
            | SpeechFormatUnsupported { .. }
            | SpeechSpeedOutOfRange { .. }
            | SpeechSampleRateUnsupported { .. }
            | AdminInvalid { .. } => StatusCode::BAD_REQUEST,
            InjectedFault { status, .. } => *status,
            MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            BodyTooSlow(_) => StatusCode::REQUEST_TIMEOUT,
            FileTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            NotMultipart { .. }
            | MalformedMultipart { .. }
            | DuplicateField { .. }
            | InvalidField { .. }
            | VoiceNameMissing
            | VoiceNameTooLong { .. }
            | TextTooLong { .. }
            | LanguageUnsupported { .. }
            | AudioFormatUnsupported { .. }
            | MalformedId { .. }
            | FileMissing
            | TooManyFiles
            | Audio(_) => StatusCode::BAD_REQUEST,
            Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The name of the rule that decided this answer, sent in the `x-coze-mock-rule` header and kept in the
    /// request journal so a test author sees precisely which rule fired.
    pub fn rule(&self) -> &'static str {
        use ApiError::*;
        match self {
            MissingAuthorization => "auth.header_missing",
            MalformedAuthorization => "auth.not_bearer",
            UnknownToken => "auth.token_unknown",
            ExpiredToken => "auth.token_expired",
            MissingPermission { .. } => "auth.permission_missing",
            PlanCannotClone => "account.plan_cannot_clone",
            SpaceNotAllowed { .. } => "space.not_member",
            AccountInArrears => "account.in_arrears",
            NoVoiceSlots { .. } => "account.no_voice_slots",
            CloneLimitReached { .. } => "voice_id.clone_limit",
            VoiceNotFound { .. } => "voice_id.not_found",
            NotMultipart { .. } => "body.not_multipart",
            MalformedMultipart { .. } => "body.malformed_multipart",
            DuplicateField { .. } => "body.duplicate_field",
            InvalidField { .. } => "body.invalid_field",
            VoiceNameMissing => "voice_name.required",
            VoiceNameTooLong { .. } => "voice_name.max_bytes",
            TextTooLong { .. } => "text.max_bytes",
            LanguageUnsupported { .. } => "language.supported",
            AudioFormatUnsupported { .. } => "audio_format.supported",
            MalformedId { .. } => "id.malformed",
            FileMissing => "file.required",
            TooManyFiles => "file.at_most_one",
            FileTooLarge => "file.max_size",
            Audio(e) => match e {
                AudioError::Empty => "audio.empty",
                AudioError::Unrecognised => "audio.format_unrecognised",
                AudioError::Unsupported { .. } => "audio.format_unsupported",
                AudioError::FormatMismatch { .. } => "audio.format_mismatch",
                AudioError::Truncated { .. } => "audio.truncated",
                AudioError::Corrupt { .. } => "audio.corrupt",
                AudioError::PcmSpec { .. } => "audio.pcm_24k_mono",
                AudioError::DurationOutOfRange { .. } => "audio.duration",
                AudioError::TextMismatch { .. } => "text.wer",
            },
            RouteNotFound { .. } => "route.not_found",
            MethodNotAllowed { .. } => "route.method_not_allowed",
            BodyTooSlow(SlowBody::Stalled) => "body.stalled",
            BodyTooSlow(SlowBody::Trickling) => "body.trickling",
            ListParamInvalid { .. } => "list.param_invalid",
            SpeechBodyInvalid { .. } => "speech.body_invalid",
            SpeechInputTooLong { .. } => "speech.input_max_chars",
            SpeechFormatUnsupported { .. } => "speech.response_format",
            SpeechSpeedOutOfRange { .. } => "speech.speed_range",
            SpeechSampleRateUnsupported { .. } => "speech.sample_rate",
            UnknownVoice { .. } => "voice.unknown",
            VoiceOfOtherSpace { .. } => "voice.other_space",
            AdminUnauthorized { .. } => "admin.unauthorized",
            AdminInvalid { .. } => "admin.invalid",
            InjectedFault { .. } => "fault.envelope",
            Internal(_) => "internal",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_authentication_failure_answers_the_real_4100_message() {
        for e in [
            ApiError::MissingAuthorization,
            ApiError::MalformedAuthorization,
            ApiError::UnknownToken,
            ApiError::ExpiredToken,
        ] {
            assert_eq!(e.code(), 4100, "{e}");
            assert_eq!(e.msg(), "authentication is invalid", "{e}");
            assert_eq!(e.status(), StatusCode::UNAUTHORIZED, "{e}");
        }
    }

    #[test]
    fn internal_errors_never_leak_their_cause_to_the_client() {
        let e = ApiError::Internal("disk I/O error at /var/lib/x".into());
        assert!(!e.msg().contains("disk"), "{}", e.msg());
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn voice_name_error_says_the_limit_and_what_was_sent() {
        let msg = ApiError::VoiceNameTooLong { bytes: 129 }.msg();
        assert!(msg.contains("129") && msg.contains("128"), "{msg}");
    }
}
