//! The fidelity ledger: every behaviour where the fake had to choose between its sources, or where they
//! are silent, with what it does, the evidence, how sure that evidence is, and the setting that changes it.
//!
//! One table ([`LEDGER`]), read by `coze-mock fidelity`, by `GET /__admin/fidelity` (JSON), and by the
//! test that keeps `docs/fidelity.md` equal to [`markdown`]. Sources are public: the clone
//! page (<https://www.coze.cn/open/docs/developer_guides/clone_voices>), the current pages and OpenAPI
//! description in coze-dev/coze-sdk-gen, Coze's generated service types in coze-dev/coze-studio, the
//! official SDKs (cozepy, @coze/api, coze-go, coze-java), Coze's error-code page, and public issues.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::rules::Plan;

/// The `[fidelity]` table of the configuration: where the sources disagree, which one the fake follows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FidelitySettings {
    /// What a successful clone answers in `data`.
    pub clone_answer: CloneAnswer,
    /// Refuse a clone without `audio_format` whatever the format (Coze's OpenAPI description), instead
    /// of only for pcm and m4a (Coze's service types).
    pub audio_format_required: bool,
    /// The HTTP status of error answers.
    pub error_status: ErrorStatus,
}

/// What a successful clone answers in `data`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloneAnswer {
    /// `{"voice_id": …}` only, as every source documents it.
    #[default]
    Documented,
    /// The whole 12-field voice, which cozepy 0.20.0's `clone()` parses into its `Voice`.
    Voice,
}

/// The HTTP status of error answers; their bodies are the same either way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorStatus {
    /// 400, 401, 403, 404, … by kind (the one real clone refusal came on a non-2xx status).
    #[default]
    ByKind,
    /// HTTP 200 for every error envelope, as real 4100/4101 answers of other Coze endpoints came.
    #[serde(rename = "always_200")]
    Always200,
}

/// The `[rules]` table: documented rules that changed between versions of the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleSettings {
    /// The plans that may clone.
    pub clone_plans: Vec<Plan>,
}

impl Default for RuleSettings {
    /// 「仅扣子团队版和企业版用户可以使用音色复刻功能」: the page this project was given.
    fn default() -> Self {
        RuleSettings {
            clone_plans: vec![Plan::Team, Plan::Enterprise],
        }
    }
}

impl RuleSettings {
    /// Whether accounts on `plan` may clone voices.
    pub fn may_clone(&self, plan: Plan) -> bool {
        self.clone_plans.contains(&plan)
    }
}

/// What the server says at start-up about choices that may surprise a user.
pub fn startup_notices(settings: &FidelitySettings) -> Vec<&'static str> {
    let mut notices = Vec::new();
    if settings.clone_answer == CloneAnswer::Documented {
        notices.push(
            "clone answers are the documented data: {\"voice_id\": …}. cozepy 0.20.0's clone() cannot \
             parse them: it raises a pydantic ValidationError after the voice was created. Find the \
             voice through voices.list() (README, \"cozepy\"), or set [fidelity] clone_answer = \"voice\".",
        );
    }
    notices
}

/// How sure the evidence for a choice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Certainty {
    /// Read in an official page or an official SDK's source, or captured from a real client.
    Verified,
    /// Seen in public issues or write-ups quoting real answers.
    Reported,
    /// Reasoned from related evidence; a real run may correct it.
    Inferred,
    /// Unknown: the fake picked a default.
    Open,
}

impl Certainty {
    /// The word the ledger prints.
    pub fn name(self) -> &'static str {
        match self {
            Certainty::Verified => "verified",
            Certainty::Reported => "reported",
            Certainty::Inferred => "inferred",
            Certainty::Open => "open",
        }
    }
}

/// One row of the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Point {
    /// A stable, short name.
    pub id: &'static str,
    /// What the fake does.
    pub behaviour: &'static str,
    /// Where the evidence comes from.
    pub evidence: &'static str,
    /// How sure that evidence is.
    pub certainty: Certainty,
    /// The configuration or flag that changes the behaviour, if any.
    pub setting: Option<&'static str>,
}

const fn point(
    id: &'static str,
    behaviour: &'static str,
    evidence: &'static str,
    certainty: Certainty,
    setting: Option<&'static str>,
) -> Point {
    Point {
        id,
        behaviour,
        evidence,
        certainty,
        setting,
    }
}

use Certainty::{Inferred, Open, Reported, Verified};

/// Every choice the fake made, in the order the README lists them.
pub const LEDGER: &[Point] = &[
    point(
        "clone.answer",
        "A clone answers the documented `data`: `{\"voice_id\": …}` only. cozepy 0.20.0's `clone()` cannot parse it and raises a pydantic ValidationError after the voice was created (against the real API: paid for); the start-up lines say so, and the README shows how to find the voice through `list`. With the setting, a clone answers the whole 12-field voice, which cozepy parses.",
        "The page, coze-go (`CloneAudioVoicesResp`), coze-java (`CloneVoiceResp`), coze-js (`CloneVoiceData`), the current page and Coze's service types (coze-dev/coze-studio `CloneVoiceData`) all say `data` is `{\"voice_id\"}` only; cozepy 0.20.0 alone parses it as a full `Voice`. The real body itself was not captured.",
        Verified,
        Some("[fidelity] clone_answer = \"voice\""),
    ),
    point(
        "clone.audio_format.values",
        "`audio_format` accepts every value the official SDKs send: the page's `wav`, `mp3`, `ogg`, `m4a`, `aac`, `pcm`, and `ogg_opus` (Ogg); any other value is 4303. An empty value counts as not given.",
        "The page lists six formats; the SDK enums send `ogg_opus` too (cozepy, coze-go, coze-java).",
        Verified,
        None,
    ),
    point(
        "clone.audio_format.required",
        "`audio_format` is required (4000) for pcm and m4a audio and optional otherwise, as Coze's service types say; with the setting it is required for every format, as the OpenAPI description says.",
        "Coze's service types (coze-dev/coze-studio `multimedia_api`): 「pcm、m4a必传，其余可选」; the OpenAPI description (coze-dev/coze-sdk-gen `coze-openapi.yaml`, `PublicCloneVoice`) lists it as required.",
        Verified,
        Some("[fidelity] audio_format_required = true"),
    ),
    point(
        "clone.plans",
        "Team and enterprise accounts may clone (the page this project was given); other plans get the real 4101 naming `CloneVoice`. The default `pat_mock` account is an enterprise account, so it clones under either rule.",
        "The page given: 「仅扣子团队版和企业版用户可以使用音色复刻功能」; the current page (coze-dev/coze-sdk-gen `docs/api-markdown/clone_voices.md`, synced 2026-02): enterprise only. The refusal: coze-dev/coze-js#100.",
        Verified,
        Some("[rules] clone_plans = [\"enterprise\"]"),
    ),
    point(
        "errors.codes",
        "4000, 4100, 4101 and 4200 as @coze/api pairs them; 4019 for arrears; 4300–4304 for the file (missing or empty, too many, too large, unsupported, invalid); 4101 with a message saying which for \"no voice slot left\" and \"clone limit reached\".",
        "@coze/api `APIError.generate`; Coze's error-code page (coze_error_codes); no public source gives codes for slots or the clone cap.",
        Inferred,
        None,
    ),
    point(
        "errors.messages",
        "4100 is the real `authentication is invalid`. A missing permission or a plan that may not clone answers the real 4101 word for word, naming the resource: `CloneVoice` (seen), `ListVoice` and `AudioSpeech` (the same pattern); other 4101s start \"Your token does not have permission to access resource.\" and say which rule refused. 4000 follows the real pattern \"The field X provided is not valid … Please check your input.\" The `x-coze-mock-rule` header names the rule that decided.",
        "coze-dev/coze-py#78 and coze-dev/coze-js#314 (4100); coze-dev/coze-js#100 (the clone 4101); coze-dev/coze-py#227 (4101 on another endpoint); the resource names of list and speech follow the OpenAPI operation ids (`PublicListVoice`, `PublicAudioSpeech`), so they are inferred.",
        Reported,
        None,
    ),
    point(
        "errors.status",
        "Errors use HTTP 400/401/403/404/405/408/413/500 by kind; with the setting every API error comes on HTTP 200 (injected faults keep theirs). The body is the same either way. coze-java turns any non-2xx answer into `CozeApiException(code = HTTP status, msg = raw body)`, so Java users see the difference.",
        "The one real clone 4101 (coze-dev/coze-js#100) came on a non-2xx status; real 4100/4101 on chat endpoints came on HTTP 200 (coze-dev/coze-js#314, coze-dev/coze-go#56); the OpenAPI description documents only 200.",
        Open,
        Some("[fidelity] error_status = \"always_200\""),
    ),
    point(
        "errors.limit_codes",
        "The fake never answers a rate limit by itself; inject one with `POST /__admin/faults` (4008 daily usage, 4009 system limit, 4020 RPM; 4013 is 模型错误, not a limit).",
        "Coze's error-code page.",
        Verified,
        Some("POST /__admin/faults"),
    ),
    point(
        "file.max_size",
        "「最大不超过 10MB」 is read as 10 MiB (10,485,760 bytes).",
        "The page does not say which megabyte.",
        Open,
        None,
    ),
    point(
        "file.empty",
        "An empty file part is 4300, as no file.",
        "Coze's error-code page: 4300 「上传文件时文件为空」.",
        Verified,
        None,
    ),
    point(
        "file.format_by_bytes",
        "The bytes decide the format, not `audio_format`, the file name or the part's Content-Type; declared pcm whose bytes are a container is 4303.",
        "The page's own example uploads `jay.MP3`; decoders probe content.",
        Inferred,
        None,
    ),
    point(
        "file.pcm_spec",
        "Raw pcm is read as 24 kHz mono s16le unless its file name says otherwise (`voice.16k.pcm`, `voice.stereo.pcm`); anything but 24 kHz mono is 4304.",
        "The page: 「pcm 仅支持 24k 采样率，单通道」; pcm has no header, so the real service cannot tell either: the file-name labels are the fake's own.",
        Inferred,
        None,
    ),
    point(
        "file.mp4_video",
        "An MP4 with a video track and an AAC track is accepted as m4a: its audio track is read, as a decoder would. An MP4 without an audio track is 4303, \"mp4 without an audio track is not supported\".",
        "The page lists m4a; nothing says whether a video container is refused (`audio::mp4::tests::an_mp4_with_video_and_aac_is_accepted_as_m4a_for_its_audio_track`).",
        Open,
        None,
    ),
    point(
        "file.duration",
        "Audio of any length is accepted; the 10–30 s of the page is only a recommendation.",
        "The page: 「音频时长: 建议 10s~30s」.",
        Verified,
        Some("[audio] strict_duration, min_duration_secs, max_duration_secs"),
    ),
    point(
        "file.wer",
        "1109 WERError compares `text` with a transcript carried in the file's metadata (the fake runs no speech recognition); a file without one passes.",
        "The page: 「若差异过大会报错 1109 WERError」; the threshold is not published.",
        Open,
        Some("[audio] wer_threshold"),
    ),
    point(
        "clone.curl_example",
        "A body whose Content-Type carries a `boundary` is read as multipart, and `Content-Disposition: attachment` parts are accepted, so the page's curl example (`Content-Type: application/json` with `--form`) works.",
        "What curl 7.88 sends for the page's example, captured (fixtures/requests/curl_doc_example_clone.http).",
        Verified,
        None,
    ),
    point(
        "clone.sdk_wire_shapes",
        "Every shape the official SDKs send is accepted: cozepy's file-first form, @coze/api's Buffer without a file name, coze-go's `filename=\"\"`, `audio_format=\"\"` and JSON `null` speech fields, coze-java's `text/plain; charset=utf-8` parts, its file part typed `multipart/form-data` and its speech `\"sample_rate\":0` (read as not given).",
        "Captured (cozepy, @coze/api, curl) and assembled from the sources (coze-go, coze-java): fixtures/requests/.",
        Verified,
        None,
    ),
    point(
        "clone.voice_name_length",
        "Any non-empty `voice_name` up to 128 bytes is accepted.",
        "cozepy's docstring says \"greater than 6\"; the page's own examples (`jay`) are shorter.",
        Open,
        None,
    ),
    point(
        "clone.empty_fields",
        "An empty optional form field (`language=\"\"`) counts as not sent; a missing `language` is stored as `zh`.",
        "coze-go sends unset strings as empty fields.",
        Inferred,
        None,
    ),
    point(
        "clone.unknown_fields",
        "Unknown form fields are ignored; a field sent twice is refused with 4000.",
        "Not documented.",
        Open,
        None,
    ),
    point(
        "clone.cross_workspace_retrain",
        "Retraining a `voice_id` of another workspace of the same team is 4200, as if the voice did not exist.",
        "The page: 「不同工作空间复刻的音色资源是独立的，不允许跨空间使用」; the code is not documented.",
        Inferred,
        None,
    ),
    point(
        "auth.bearer_case",
        "The `Bearer` scheme is matched case-insensitively.",
        "RFC 9110 §11.1.",
        Inferred,
        None,
    ),
    point(
        "auth.permissions",
        "Cloning needs `createVoice`, the list `listVoice`, speech `createSpeech`. A token declared without a `permissions` key gets all three, and so does `pat_mock`.",
        "The clone page names `createVoice`; the current list and speech pages (coze-dev/coze-sdk-gen `docs/api-markdown/`) name `listVoice` and `createSpeech`.",
        Verified,
        Some("[[tokens]] permissions"),
    ),
    point(
        "http.slow_clients",
        "A request body (the clone's form, speech's JSON, the admin API's JSON) that stalls 10 s, or arrives under 1 KiB/s after its first 10 s, is cut off with 4000 and HTTP 408; request headers must arrive within 10 s.",
        "No Coze page or SDK states the real service's timeouts: the bounds are the fake's choice. The status is the one @coze/api maps to its `TimeoutError` (408), the code the generic 4000.",
        Open,
        Some("[limits] body_deadline_secs"),
    ),
    point(
        "logid.format",
        "Every answer carries a 34-character logid (a 14-digit Beijing-time stamp and 20 upper-case hex digits) in `detail.logid` and the `x-tt-logid` header.",
        "Real logids on Coze's error-code page, the voice-list page and coze-dev/coze-js#100 are 34 characters; cozepy reads the header.",
        Verified,
        None,
    ),
    point(
        "list.scope_and_order",
        "A token lists the voices of every workspace it belongs to: cloned voices newest first, then system voices in configuration order.",
        "The list takes no `space_id`; its order is not documented.",
        Open,
        None,
    ),
    point(
        "list.system_voices",
        "The four default system voices are invented.",
        "The real catalogue is not published in a stable form.",
        Open,
        Some("[[system_voices]]"),
    ),
    point(
        "list.parameters",
        "`page_num` ≥ 1 (default 1), `page_size` 1–100 (default 100), `voice_state` `init`, `cloned` or `all` (default `cloned`); an empty value means not given, so the page's own example (`voice_state=`) works. Voices configured with `support_emotions` list them.",
        "The current list page (coze-dev/coze-sdk-gen `docs/api-markdown/list_voices.md`) and its example.",
        Verified,
        None,
    ),
    point(
        "speech.input_limit",
        "`input` is limited to 1024 bytes of UTF-8 (342 Chinese characters are 1,026 bytes: refused).",
        "The current speech page: 「合成语音的文本，经由 UTF-8 编码。长度限制为 1024 字节。」; cozepy's and @coze/api's docstrings say characters.",
        Verified,
        None,
    ),
    point(
        "speech.parameters",
        "`speed` 0.5–2 for large-model voices (every cloned voice) and 0.2–3 for small-model ones; `loudness_rate` −50…100; `emotion` one of the nine documented; `emotion_scale` 1–5; `context_texts` a string; `sample_rate` one of the seven listed. JSON `null` for any optional field means not given.",
        "The current speech page (coze-dev/coze-sdk-gen `docs/api-markdown/text_to_speech.md`); coze-go sends unset fields as `null`.",
        Verified,
        None,
    ),
    point(
        "speech.emotion_without_support",
        "`emotion` on a voice that lists no `support_emotions` (every cloned voice) is accepted and ignored; on a voice that lists them it must be one of those (4000).",
        "The speech page: 「仅当 `voice_id` 为多情感音色时才支持设置情感类型」; what the service does otherwise is not documented.",
        Open,
        Some("[[system_voices]] support_emotions"),
    ),
    point(
        "speech.sample_rate_zero",
        "`sample_rate: 0` means not given (24000).",
        "coze-java's `CreateSpeechReq.sampleRate` is an `int`, so every request that does not set it sends 0; the real answer to it is not known.",
        Inferred,
        None,
    ),
    point(
        "speech.audio",
        "WAV and PCM answers carry a tone (one beep a character); MP3 and Ogg Opus answers are valid files of silence of the same length, built without an encoder. Ask for `wav` or `pcm` to hear something.",
        "The fake's own audio: real speech cannot be made offline, and the fake carries no MP3 or Opus encoder.",
        Verified,
        None,
    ),
    point(
        "speech.voice_errors",
        "An unknown voice is 4200; another workspace's voice is 4101.",
        "The page's workspace rule; the codes are not documented.",
        Inferred,
        None,
    ),
    point(
        "stream.handshake",
        "`GET /v1/audio/speech` with `Upgrade: websocket` on the API's own port is the streaming speech channel (the real one is `wss://ws.coze.cn`). The token comes from `Authorization: Bearer …` or, failing that, the `authorization` query parameter (`?authorization=Bearer …`). A missing, unknown or expired token, or one without `createSpeech`, is refused before the upgrade with the API's envelope on its HTTP status (401 4100, 403 4101) and an `x-tt-logid`; a plain GET that is no handshake is 400 4000.",
        "The page (coze-dev/coze-sdk-gen `docs/api-markdown/tts_api.md`): the URL, the `Authorization` header, the browser example's query parameter, 「权限 createSpeech」. cozepy's WebSocket client turns a refused handshake (`InvalidStatus`) into `CozeAPIError` with the answer's `x-tt-logid`, so the real service refuses at the handshake with an HTTP status; the status and body of that refusal were not captured.",
        Inferred,
        None,
    ),
    point(
        "stream.events",
        "A session's events have the recorded shape and order: `speech.created` at once; per `input_text_buffer.complete`, `input_text_buffer.completed`, then per sentence `conversation.audio.sentence_start` (`data.text`, final 。 added when missing) and its `speech.audio.update` chunks, then `speech.audio.completed`. Every event carries a UUID `id` and `detail` with `logid` (53 characters: `02`, Unix milliseconds, 38 hex digits, the same for the whole session and in the handshake's `x-tt-logid`) and `respond_at`. `speech.updated` echoes the whole configuration in force.",
        "The real session coze-dev/coze-sdk-gen `internal/generator/go/templates/go_extra/testdata/websocket_speech_success.txt` (`fixtures/speech_stream/`); cozepy's `SpeechUpdatedEvent` (「配置更新成功后，会返回最新的配置」). How the real service splits longer text into sentences, and the contents of `speech.updated`, were not recorded.",
        Reported,
        None,
    ),
    point(
        "stream.audio",
        "The default configuration is the recorded one (pcm, 24 kHz, `speech_rate` 0) with the first system voice. Audio is HTTP speech's tones: `pcm` signed 16-bit mono, `g711a`/`g711u` G.711 bytes at 8 kHz (another sample rate with them is 4000), `opus` an Ogg Opus stream of silence. Chunks last 250 ms (12,000 bytes of 24 kHz pcm, the recorded size), or `pcm_config.frame_size_ms` (10–1000 ms). `speech_rate` r plays at 1 + r/100 times speed. `opus_config` and `limit_config` are accepted and ignored.",
        "cozepy's `OutputAudio` and `PCMConfig` (codecs, rates, `speech_rate` [-50, 100], 「默认是柔美女友音色」) and `InputAudio` (G.711 at 8000); the recorded chunk sizes. The real default voice id and the real framing of opus chunks are not known.",
        Inferred,
        None,
    ),
    point(
        "stream.text_limit",
        "More than 1,024 bytes of UTF-8 in one append, or in the buffer an append would make, is error 3010; the append is dropped and the buffer keeps what it had.",
        "The page: 「单次请求的文字信息长度最大为 1024 个字节。超过上限时会提示 3010 错误」. Whether \"one request\" is one append or one completed buffer is not said, so the fake holds both to it.",
        Inferred,
        None,
    ),
    point(
        "stream.error_events",
        "A refused event is answered by an `error` event (`data: {code, msg}`, `detail.origin_message`: the frame, clipped to 1 KiB) and changes nothing; the session stays open. 4000 for an unknown event type, a frame that is not a JSON event, a binary frame, a missing `data.delta`, or a bad codec, sample rate, frame size or speech rate; an unknown voice 4200 and another workspace's voice 4101, as HTTP speech.",
        "cozepy's `WebsocketsErrorEvent` (`data` parsed as `CozeAPIError` code and msg) and `WebsocketsEvent.Detail.origin_message`. Coze publishes no codes for these cases: the codes are the HTTP API's.",
        Open,
        None,
    ),
    point(
        "stream.bounds",
        "The fake's own bounds: a frame over 64 KiB closes the session with 1009 before it is read; 256 refused events in a row close it with 1008; a client silent for 60 s is closed with 1000; one that stops reading is cut after 10 s. One event is answered completely before the next is read, so a session holds at most its text buffer and one chunk of audio.",
        "No public source: the real service's limits are not documented.",
        Open,
        None,
    ),
    point(
        "preview.audio",
        "Preview audio is served by the fake at `/__mock/preview_audio/{voice_id}.wav` and needs no token (the real one is a CDN URL).",
        "The list page shows a CDN URL in `preview_audio`.",
        Verified,
        None,
    ),
    point(
        "transport.tls",
        "Plain HTTP by default; with `--tls`, HTTPS on the same address (HTTP/2 or HTTP/1.1 by ALPN) with a certificate for 127.0.0.1, ::1 and localhost signed by a certificate authority made at each start and written to `--tls-ca-out`, or a certificate of the user's own. URLs in answers (`preview_audio`) follow the scheme.",
        "The real API is HTTPS only (api.coze.cn); cozepy 0.20.0's WebSocket client refuses a base URL that does not start with `https://` (in cozepy.websockets: http_base_url_to_ws), so a fake that streams speech to it must speak TLS.",
        Verified,
        Some("--tls, --tls-cert/--tls-key"),
    ),
];

/// The ledger as the list of `docs/fidelity.md`: one bullet a row.
pub fn markdown() -> String {
    let mut out = String::new();
    for p in LEDGER {
        let _ = write!(
            out,
            "- **{}** ({}). {} *Evidence:* {}",
            p.id,
            p.certainty.name(),
            p.behaviour,
            p.evidence
        );
        if let Some(setting) = p.setting {
            let _ = write!(out, " *Setting:* `{setting}`.");
        }
        out.push('\n');
    }
    out
}

/// The ledger as plain text for a terminal (`coze-mock fidelity`).
pub fn text() -> String {
    let mut out = String::new();
    for p in LEDGER {
        let _ = writeln!(out, "{} [{}]", p.id, p.certainty.name());
        let _ = writeln!(out, "  does:     {}", p.behaviour);
        let _ = writeln!(out, "  evidence: {}", p.evidence);
        if let Some(setting) = p.setting {
            let _ = writeln!(out, "  setting:  {setting}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_row_is_filled() {
        let mut ids = std::collections::HashSet::new();
        for p in LEDGER {
            assert!(ids.insert(p.id), "{} is listed twice", p.id);
            assert!(
                !p.behaviour.is_empty() && !p.evidence.is_empty(),
                "{}",
                p.id
            );
        }
    }

    #[test]
    fn every_point_of_the_fidelity_issue_has_a_row() {
        for id in [
            "clone.answer",
            "clone.audio_format.values",
            "clone.audio_format.required",
            "clone.plans",
            "auth.permissions",
            "errors.messages",
            "speech.input_limit",
            "speech.parameters",
            "list.parameters",
            "errors.status",
            "clone.sdk_wire_shapes",
            "file.mp4_video",
            "speech.audio",
            "errors.limit_codes",
            "file.empty",
            "clone.cross_workspace_retrain",
            "file.pcm_spec",
            "logid.format",
            "speech.emotion_without_support",
        ] {
            assert!(LEDGER.iter().any(|p| p.id == id), "no row {id}");
        }
    }

    /// `docs/fidelity.md` is the ledger, word for word: edit the ledger, then paste
    /// `coze-mock fidelity --markdown` between the page's markers.
    #[test]
    fn the_fidelity_notes_are_the_ledger() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/fidelity.md");
        let notes = std::fs::read_to_string(&path).expect("docs/fidelity.md");
        let (begin, end) = (
            "<!-- fidelity ledger: begin -->\n",
            "<!-- fidelity ledger: end -->",
        );
        let start = notes.find(begin).expect("the begin marker") + begin.len();
        let stop = notes.find(end).expect("the end marker");
        assert_eq!(
            &notes[start..stop],
            markdown(),
            "docs/fidelity.md differs from the ledger: paste `coze-mock fidelity --markdown` into it"
        );
    }

    #[test]
    fn the_text_and_markdown_views_show_every_row() {
        let (text, markdown) = (text(), markdown());
        for p in LEDGER {
            assert!(text.contains(p.id) && markdown.contains(p.id), "{}", p.id);
        }
    }
}
