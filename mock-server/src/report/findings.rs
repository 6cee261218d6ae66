//! Findings about one request: what a client does differently from what the real API expects.
//!
//! Each [`FindingId`] has a stable name (CI systems and tests key on it), one severity and one sentence;
//! the evidence says what exactly was sent. [`request_findings`] is a pure function of the
//! [`RequestSummary`]; the findings over a sequence of requests are [`super::money`]'s.

use serde::{Deserialize, Serialize};

use super::vocabulary::{did_you_mean, documented};
use crate::capture::{Endpoint, RequestSummary, TokenPlacement};
use crate::rules::{AudioFormat, TEXT_MAX_BYTES, VOICE_NAME_MAX_BYTES};

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing breaks.
    Info,
    /// Works against the fake, but is risky, costs money, or differs from every official SDK.
    Warning,
    /// The real API refuses this.
    Error,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses a name.
    pub fn from_name(name: &str) -> Option<Severity> {
        [Severity::Info, Severity::Warning, Severity::Error]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

/// Every kind of finding, with its stable id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FindingId {
    /// The token was not sent as `Authorization: Bearer <token>`.
    #[serde(rename = "auth.token_not_bearer")]
    TokenNotBearer,
    /// A clone without `audio_format`.
    #[serde(rename = "clone.audio_format_absent")]
    AudioFormatAbsent,
    /// `audio_format` names another format than the bytes are.
    #[serde(rename = "clone.format_mismatch")]
    FormatMismatch,
    /// The file part has no `filename`, or an empty one.
    #[serde(rename = "clone.file_name_missing")]
    FileNameMissing,
    /// A multipart body under a Content-Type that is not `multipart/form-data`.
    #[serde(rename = "clone.boundary_without_multipart")]
    BoundaryWithoutMultipart,
    /// A form field the clone endpoint does not document.
    #[serde(rename = "clone.unknown_field")]
    CloneUnknownField,
    /// A JSON key the speech endpoint does not document.
    #[serde(rename = "speech.unknown_key")]
    SpeechUnknownKey,
    /// A query parameter the voice list does not document.
    #[serde(rename = "list.unknown_param")]
    ListUnknownParam,
    /// A value over a byte limit that fits it in characters.
    #[serde(rename = "limit.bytes_not_characters")]
    BytesNotCharacters,
    /// A clone repeated with the same name and audio after an answer that left its fate unknown.
    #[serde(rename = "money.retried_clone")]
    RetriedClone,
    /// A second new voice with the same name and audio in the same workspace.
    #[serde(rename = "money.duplicate_voice")]
    DuplicateVoice,
    /// A retrain of a voice with no training times left.
    #[serde(rename = "money.retrain_exhausted")]
    RetrainExhausted,
    /// New clones in a row until the account had no slot left.
    #[serde(rename = "money.slots_exhausted")]
    SlotsExhausted,
    /// A request declared an expected outcome (`X-Coze-Mock-Expect`, `POST /__admin/expect`) and was
    /// answered something else.
    #[serde(rename = "expect.unmet")]
    ExpectUnmet,
    /// Streaming speech: text appended and never completed.
    #[serde(rename = "stream.text_never_completed")]
    StreamTextNeverCompleted,
    /// Streaming speech: the client closed or vanished while audio was streaming.
    #[serde(rename = "stream.closed_mid_audio")]
    StreamClosedMidAudio,
    /// Streaming speech: one request carried more than 1,024 bytes of text (3010).
    #[serde(rename = "stream.text_over_limit")]
    StreamTextOverLimit,
    /// Streaming speech: text appended before any `speech.update`.
    #[serde(rename = "stream.text_before_update")]
    StreamTextBeforeUpdate,
    /// Streaming speech: events the fake refused (unknown type, bad JSON, binary frame, bad parameter).
    #[serde(rename = "stream.event_refused")]
    StreamEventRefused,
    /// Streaming speech: the client stopped sending or reading and the fake closed the session.
    #[serde(rename = "stream.client_stalled")]
    StreamClientStalled,
}

impl FindingId {
    /// Every finding, in the report's order.
    pub const ALL: [FindingId; 20] = [
        FindingId::TokenNotBearer,
        FindingId::AudioFormatAbsent,
        FindingId::FormatMismatch,
        FindingId::FileNameMissing,
        FindingId::BoundaryWithoutMultipart,
        FindingId::CloneUnknownField,
        FindingId::SpeechUnknownKey,
        FindingId::ListUnknownParam,
        FindingId::BytesNotCharacters,
        FindingId::RetriedClone,
        FindingId::DuplicateVoice,
        FindingId::RetrainExhausted,
        FindingId::SlotsExhausted,
        FindingId::ExpectUnmet,
        FindingId::StreamTextNeverCompleted,
        FindingId::StreamClosedMidAudio,
        FindingId::StreamTextOverLimit,
        FindingId::StreamTextBeforeUpdate,
        FindingId::StreamEventRefused,
        FindingId::StreamClientStalled,
    ];

    /// The stable id (`money.retried_clone`).
    pub fn name(self) -> &'static str {
        match self {
            FindingId::TokenNotBearer => "auth.token_not_bearer",
            FindingId::AudioFormatAbsent => "clone.audio_format_absent",
            FindingId::FormatMismatch => "clone.format_mismatch",
            FindingId::FileNameMissing => "clone.file_name_missing",
            FindingId::BoundaryWithoutMultipart => "clone.boundary_without_multipart",
            FindingId::CloneUnknownField => "clone.unknown_field",
            FindingId::SpeechUnknownKey => "speech.unknown_key",
            FindingId::ListUnknownParam => "list.unknown_param",
            FindingId::BytesNotCharacters => "limit.bytes_not_characters",
            FindingId::RetriedClone => "money.retried_clone",
            FindingId::DuplicateVoice => "money.duplicate_voice",
            FindingId::RetrainExhausted => "money.retrain_exhausted",
            FindingId::SlotsExhausted => "money.slots_exhausted",
            FindingId::ExpectUnmet => "expect.unmet",
            FindingId::StreamTextNeverCompleted => "stream.text_never_completed",
            FindingId::StreamClosedMidAudio => "stream.closed_mid_audio",
            FindingId::StreamTextOverLimit => "stream.text_over_limit",
            FindingId::StreamTextBeforeUpdate => "stream.text_before_update",
            FindingId::StreamEventRefused => "stream.event_refused",
            FindingId::StreamClientStalled => "stream.client_stalled",
        }
    }

    /// Its severity: `error` when the real API refuses the request.
    pub fn severity(self) -> Severity {
        match self {
            FindingId::TokenNotBearer
            | FindingId::BytesNotCharacters
            | FindingId::RetrainExhausted
            | FindingId::SlotsExhausted
            | FindingId::ExpectUnmet
            | FindingId::StreamTextOverLimit => Severity::Error,
            FindingId::AudioFormatAbsent
            | FindingId::FormatMismatch
            | FindingId::FileNameMissing
            | FindingId::BoundaryWithoutMultipart
            | FindingId::CloneUnknownField
            | FindingId::SpeechUnknownKey
            | FindingId::ListUnknownParam
            | FindingId::RetriedClone
            | FindingId::DuplicateVoice
            | FindingId::StreamTextNeverCompleted
            | FindingId::StreamClosedMidAudio
            | FindingId::StreamEventRefused
            | FindingId::StreamClientStalled => Severity::Warning,
            FindingId::StreamTextBeforeUpdate => Severity::Info,
        }
    }

    /// What it means, in one sentence.
    pub fn sentence(self) -> &'static str {
        match self {
            FindingId::TokenNotBearer => "The token was not sent as `Authorization: Bearer <token>`, the only form Coze reads (「Authorization: Bearer $Access_Token」): the real API answers 4100. cozepy takes it as `Coze(auth=TokenAuth(token))`, @coze/api as `new CozeAPI({ token })`.",
            FindingId::AudioFormatAbsent => "The clone sent no `audio_format`. Coze's OpenAPI description requires it, and the service needs it for pcm and m4a; every official SDK sends it.",
            FindingId::FormatMismatch => "`audio_format` names another format than the uploaded bytes are: the service may decode the audio wrongly or refuse it.",
            FindingId::FileNameMissing => "The file part has no file name, or an empty one: the service cannot fall back on the extension, and cozepy and the page's curl always send one.",
            FindingId::BoundaryWithoutMultipart => "The body is multipart but its Content-Type is not multipart/form-data (the page's curl example with `-H 'Content-Type: application/json'` does this): the page says to upload with multipart/form-data, and a stricter server answers 4300.",
            FindingId::CloneUnknownField => "The clone form has a field the API does not document: the service ignores it, so whatever it was meant to carry is lost.",
            FindingId::SpeechUnknownKey => "The speech body has a key the API does not document: the service ignores it.",
            FindingId::ListUnknownParam => "The voice list query has a parameter the API does not document: the service ignores it.",
            FindingId::BytesNotCharacters => "The value is over its limit in bytes though within it in characters: the limit is bytes of UTF-8 (「长度限制为 128 字节」, 「最大长度为 1024 字节」), so the real API refuses it.",
            FindingId::RetriedClone => "A clone was repeated with the same name and audio after an answer that left its fate unknown (an error, a timeout, a dropped connection or a fault): the first may have succeeded, and a retried clone may create and bill a second voice: 138 yuan.",
            FindingId::DuplicateVoice => "A second new voice with the same name and audio was created in the same workspace: it takes and bills a second slot. Retrain the first with its voice_id instead.",
            FindingId::RetrainExhausted => "A retrain of a voice with no training times left (「同一个音色 ID 最多复刻 10 次」): the real API refuses it; count available_training_times before retraining.",
            FindingId::StreamTextNeverCompleted => "Streaming speech: text was appended and the session ended without input_text_buffer.complete, so it was never spoken.",
            FindingId::StreamClosedMidAudio => "Streaming speech: the session ended while audio was streaming, before speech.audio.completed: wait for it (cozepy's `wait()`) before closing, or the tail of the audio is lost.",
            FindingId::StreamTextOverLimit => "Streaming speech: one request carried more than 1,024 bytes of text (「单次请求的文字信息长度最大为 1024 个字节」): the real service answers error 3010. Complete the buffer before it reaches the limit.",
            FindingId::StreamTextBeforeUpdate => "Streaming speech: text was appended before any speech.update, so the default voice and format spoke it: send speech.update with output_audio first if the voice or codec matters.",
            FindingId::StreamEventRefused => "Streaming speech: events were refused with an error event (an unknown event type, a frame that is not a JSON event, or a speech.update value out of range).",
            FindingId::StreamClientStalled => "Streaming speech: the client stopped sending or stopped reading, and the session was closed for it: close sessions when done, and keep reading audio while it streams.",
            FindingId::ExpectUnmet => "The test declared the outcome it expected (`X-Coze-Mock-Expect`, `POST /__admin/expect`, the pytest marker `coze_mock_expect`, `mock.expect()`), and the fake answered another: the client did not make the request the test meant to make.",
            FindingId::SlotsExhausted => "A clone loop used up the account's voice slots: each new voice takes a slot that is bought (「购买音色复刻扩容包」). Retrain existing voices with voice_id, or delete voices, instead of cloning anew.",
        }
    }
}

/// One finding about one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// What kind.
    pub id: FindingId,
    /// Its severity: the id's, or `info` when expected.
    pub severity: Severity,
    /// What was sent, exactly.
    pub evidence: String,
    /// The request was answered the outcome its test declared it expected: the finding is what the test
    /// meant to exercise, not a mistake of the client (see [`crate::expect`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expected: bool,
}

impl Finding {
    /// A finding of kind `id` with `evidence`.
    pub fn new(id: FindingId, evidence: impl Into<String>) -> Finding {
        Finding {
            id,
            severity: id.severity(),
            evidence: evidence.into(),
            expected: false,
        }
    }

    /// The same finding on a request whose test expected its outcome: `info`, and marked expected.
    pub fn expected(self) -> Finding {
        Finding {
            severity: Severity::Info,
            expected: true,
            ..self
        }
    }
}

/// Every finding about `s` alone.
pub(crate) fn request_findings(s: &RequestSummary) -> Vec<Finding> {
    let mut found = Vec::new();
    token_placement(s, &mut found);
    if s.endpoint == Endpoint::Clone {
        clone_form(s, &mut found);
    }
    unknown_names(s, &mut found);
    byte_limits(s, &mut found);
    found
}

fn token_placement(s: &RequestSummary, found: &mut Vec<Finding>) {
    let evidence = match &s.token_placement {
        TokenPlacement::Bearer | TokenPlacement::Absent => return,
        TokenPlacement::AuthorizationWithoutBearer { scheme } => {
            format!("Authorization: {scheme} …")
        }
        TokenPlacement::OtherHeader { header } => format!("{header}: <token>"),
    };
    found.push(Finding::new(FindingId::TokenNotBearer, evidence));
}

fn clone_form(s: &RequestSummary, found: &mut Vec<Finding>) {
    if let Some(ct) = &s.content_type {
        let media = ct.split(';').next().unwrap_or_default().trim();
        let has_boundary = ct.to_ascii_lowercase().contains("boundary=");
        if has_boundary && !media.eq_ignore_ascii_case("multipart/form-data") {
            found.push(Finding::new(
                FindingId::BoundaryWithoutMultipart,
                format!("Content-Type: {ct}"),
            ));
        }
    }
    let Some(file) = &s.inputs.file else {
        return;
    };
    match file.filename.as_deref() {
        None => found.push(Finding::new(
            FindingId::FileNameMissing,
            format!("part {:?} has no filename parameter", file.part),
        )),
        Some("") => found.push(Finding::new(
            FindingId::FileNameMissing,
            format!("part {:?} has filename=\"\"", file.part),
        )),
        Some(_) => {}
    }
    let declared = s
        .inputs
        .declared_format
        .as_deref()
        .filter(|d| !d.is_empty());
    match declared {
        None => found.push(Finding::new(
            FindingId::AudioFormatAbsent,
            match file.detected {
                Some(f) => format!("no audio_format; the bytes are {f}"),
                None => "no audio_format".to_owned(),
            },
        )),
        Some(name) => {
            let declared = declared_format(name);
            if let (Some(d), Some(detected)) = (declared, file.detected) {
                if d != detected {
                    found.push(Finding::new(
                        FindingId::FormatMismatch,
                        format!("audio_format={name}, the bytes are {detected}"),
                    ));
                }
            }
        }
    }
}

/// The format an `audio_format` value names; `ogg_opus` (cozepy, coze-go, coze-java) names Ogg.
fn declared_format(name: &str) -> Option<AudioFormat> {
    if name.eq_ignore_ascii_case("ogg_opus") {
        return Some(AudioFormat::Ogg);
    }
    AudioFormat::from_name(name)
}

fn unknown_names(s: &RequestSummary, found: &mut Vec<Finding>) {
    let id = match s.endpoint {
        Endpoint::Clone => FindingId::CloneUnknownField,
        Endpoint::Speech => FindingId::SpeechUnknownKey,
        Endpoint::List => FindingId::ListUnknownParam,
        Endpoint::SpeechStream
        | Endpoint::Preview
        | Endpoint::OpenApi
        | Endpoint::AsyncApi
        | Endpoint::Admin(_)
        | Endpoint::Other => return,
    };
    let known = documented(s.endpoint);
    let file_part = s.inputs.file.iter().map(|f| f.part.as_str());
    let names = s
        .inputs
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .chain(file_part);
    for name in names {
        if known.contains(&name) {
            continue;
        }
        let evidence = match did_you_mean(s.endpoint, name) {
            Some(meant) => format!("{name:?}: did you mean {meant:?}?"),
            None => format!("{name:?}"),
        };
        found.push(Finding::new(id, evidence));
    }
}

fn byte_limits(s: &RequestSummary, found: &mut Vec<Finding>) {
    let limits: &[(&str, usize)] = match s.endpoint {
        Endpoint::Clone => &[
            ("voice_name", VOICE_NAME_MAX_BYTES),
            ("text", TEXT_MAX_BYTES),
        ],
        // The speech page: `input` at most 1024 bytes of UTF-8.
        Endpoint::Speech => &[("input", TEXT_MAX_BYTES)],
        _ => return,
    };
    for field in &s.inputs.fields {
        let Some((_, max)) = limits.iter().find(|(name, _)| *name == field.name) else {
            continue;
        };
        if field.bytes > *max && field.chars <= *max {
            found.push(Finding::new(
                FindingId::BytesNotCharacters,
                format!(
                    "{} is {} characters but {} bytes; the limit is {max} bytes",
                    field.name, field.chars, field.bytes
                ),
            ));
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) use crate::capture::tests::clean_clone;
    use crate::capture::Inputs;

    fn ids(s: &RequestSummary) -> Vec<&'static str> {
        request_findings(s).iter().map(|f| f.id.name()).collect()
    }

    #[test]
    fn a_clean_cozepy_clone_has_no_finding() {
        assert!(ids(&clean_clone()).is_empty());
    }

    #[test]
    fn a_token_outside_authorization_bearer_is_an_error() {
        let mut s = clean_clone();
        s.token_placement = TokenPlacement::OtherHeader {
            header: "x-api-key".into(),
        };
        let found = request_findings(&s);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, FindingId::TokenNotBearer);
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(found[0].evidence, "x-api-key: <token>");
        s.token_placement = TokenPlacement::AuthorizationWithoutBearer {
            scheme: "Token".into(),
        };
        assert_eq!(ids(&s), ["auth.token_not_bearer"]);
    }

    #[test]
    fn a_missing_token_is_the_apis_business_not_a_finding() {
        let mut s = clean_clone();
        s.token_placement = TokenPlacement::Absent;
        assert!(ids(&s).is_empty());
    }

    #[test]
    fn a_clone_without_audio_format_is_a_warning() {
        let mut s = clean_clone();
        s.inputs.declared_format = None;
        let found = request_findings(&s);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, FindingId::AudioFormatAbsent);
        assert_eq!(found[0].evidence, "no audio_format; the bytes are wav");
    }

    #[test]
    fn a_declared_format_other_than_the_bytes_is_a_mismatch() {
        let mut s = clean_clone();
        s.inputs.declared_format = Some("mp3".into());
        let found = request_findings(&s);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, FindingId::FormatMismatch);
        assert_eq!(found[0].evidence, "audio_format=mp3, the bytes are wav");
    }

    #[test]
    fn ogg_opus_names_ogg_and_case_does_not_matter() {
        let mut s = clean_clone();
        s.inputs.declared_format = Some("ogg_opus".into());
        s.inputs.file.as_mut().unwrap().detected = Some(AudioFormat::Ogg);
        assert!(ids(&s).is_empty());
        s.inputs.declared_format = Some("WAV".into());
        s.inputs.file.as_mut().unwrap().detected = Some(AudioFormat::Wav);
        assert!(ids(&s).is_empty());
    }

    #[test]
    fn a_file_part_without_or_with_an_empty_file_name_is_a_warning() {
        for (filename, evidence) in [
            (None, "part \"file\" has no filename parameter"),
            (Some(""), "part \"file\" has filename=\"\""),
        ] {
            let mut s = clean_clone();
            s.inputs.file.as_mut().unwrap().filename = filename.map(str::to_owned);
            let found = request_findings(&s);
            assert_eq!(found.len(), 1, "{filename:?}");
            assert_eq!(found[0].id, FindingId::FileNameMissing);
            assert_eq!(found[0].evidence, evidence);
        }
    }

    #[test]
    fn a_boundary_under_another_content_type_is_the_pages_curl() {
        let mut s = clean_clone();
        s.content_type = Some("application/json; boundary=------x".into());
        assert_eq!(ids(&s), ["clone.boundary_without_multipart"]);
        s.content_type = Some("Multipart/Form-Data; boundary=x".into());
        assert!(ids(&s).is_empty());
    }

    #[test]
    fn unknown_form_fields_suggest_the_documented_name() {
        let mut s = clean_clone();
        s.inputs.fields.retain(|f| f.name != "voice_name");
        s.inputs.field("voiceName", "narrator");
        s.inputs.field("x_trace", "1");
        let found = request_findings(&s);
        let evidence: Vec<_> = found.iter().map(|f| f.evidence.as_str()).collect();
        assert_eq!(
            evidence,
            ["\"voiceName\": did you mean \"voice_name\"?", "\"x_trace\""]
        );
        assert!(found.iter().all(|f| f.id == FindingId::CloneUnknownField));
    }

    #[test]
    fn a_file_sent_under_another_part_name_is_an_unknown_field() {
        let mut s = clean_clone();
        s.inputs.file.as_mut().unwrap().part = "audio".into();
        let found = request_findings(&s);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].evidence, "\"audio\": did you mean \"file\"?");
    }

    #[test]
    fn speech_keys_and_list_parameters_are_checked_against_their_own_names() {
        let mut speech = clean_clone();
        speech.endpoint = Endpoint::Speech;
        speech.inputs = Inputs::default();
        speech
            .inputs
            .json_body(br#"{"text":"hi","voice_id":"1","speed":1}"#);
        let found = request_findings(&speech);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, FindingId::SpeechUnknownKey);
        assert_eq!(found[0].evidence, "\"text\": did you mean \"input\"?");

        let mut list = clean_clone();
        list.endpoint = Endpoint::List;
        list.inputs = Inputs::default();
        list.inputs.query("filter_system_voice=true&pageSize=10");
        let found = request_findings(&list);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, FindingId::ListUnknownParam);
        assert_eq!(
            found[0].evidence,
            "\"pageSize\": did you mean \"page_size\"?"
        );
    }

    #[test]
    fn a_name_over_128_bytes_but_within_128_characters_is_an_error() {
        let mut s = clean_clone();
        s.inputs.fields.retain(|f| f.name != "voice_name");
        s.inputs.field("voice_name", &"名".repeat(43));
        let found = request_findings(&s);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, FindingId::BytesNotCharacters);
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(
            found[0].evidence,
            "voice_name is 43 characters but 129 bytes; the limit is 128 bytes"
        );
        s.inputs.fields.retain(|f| f.name != "voice_name");
        s.inputs.field("voice_name", &"n".repeat(129));
        assert!(
            ids(&s).is_empty(),
            "over in characters too: the API's own 4000 says it"
        );
    }

    #[test]
    fn text_and_speech_input_over_1024_bytes_within_1024_characters_are_errors() {
        let mut s = clean_clone();
        s.inputs.field("text", &"é".repeat(513));
        assert_eq!(ids(&s), ["limit.bytes_not_characters"]);
        let mut speech = clean_clone();
        speech.endpoint = Endpoint::Speech;
        speech.inputs = Inputs::default();
        speech.inputs.field("input", &"字".repeat(400));
        speech.inputs.field("voice_id", "1");
        assert_eq!(ids(&speech), ["limit.bytes_not_characters"]);
    }

    #[test]
    fn every_id_round_trips_through_its_name() {
        for id in FindingId::ALL {
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(json, format!("\"{}\"", id.name()));
            assert!(!id.sentence().is_empty());
        }
        assert_eq!(Severity::from_name("warning"), Some(Severity::Warning));
        assert!(Severity::Error > Severity::Warning && Severity::Warning > Severity::Info);
    }
}
