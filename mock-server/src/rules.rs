//! Every rule of the API, written once, beside the sentence it comes from, and the fake's own bounds on
//! what it reads. Other modules import these names; nothing else states a limit, a language or a format.
//!
//! Sources: the official clone page, 复刻音色
//! (<https://www.coze.cn/open/docs/developer_guides/clone_voices>), quoted in 「」; for the endpoints a
//! cloned voice is used on afterwards, the parameters the official SDKs document: cozepy
//! `SpeechClient.create` (<https://github.com/coze-dev/coze-py/blob/main/cozepy/audio/speech/__init__.py>)
//! and @coze/api `CreateSpeechReq` and `ListVoicesReq`
//! (<https://github.com/coze-dev/coze-js/tree/main/packages/coze-js/src/resources/audio>).

use std::fmt;
use std::time::Duration;

/// 「此音色的名称，长度限制为 128 字节。」 Bytes of UTF-8, not characters: 43 × 「名」 is 129 bytes.
pub const VOICE_NAME_MAX_BYTES: usize = 128;

/// 「音频文件对应的文案。… 最大长度为 1024 字节。」
pub const TEXT_MAX_BYTES: usize = 1024;

/// 「文件大小: 最大不超过 10MB。」, in the page's unit.
pub const FILE_MAX_MB: u64 = 10;

/// [`FILE_MAX_MB`] read as MiB (× 1024²); the page does not say which, see `docs/fidelity.md`.
pub const FILE_MAX_BYTES: u64 = FILE_MAX_MB * 1024 * 1024;

/// 「每次最多上传1个音频文件。」
pub const FILES_PER_REQUEST: usize = 1;

/// 「同一个音色 ID 最多复刻 10 次。」 The first clone counts: "购买一个音色后，你可以对这个音色重新免费复刻 9 次".
pub const CLONES_PER_VOICE_ID: u32 = 10;

/// 「团队版和企业版订阅套餐中默认赠送了一个复刻音色」: voice slots every team or enterprise plan includes.
pub const SLOTS_INCLUDED_WITH_PLAN: u32 = 1;

/// 「权限: createVoice」: the permission a personal access token needs to clone.
pub const CREATE_VOICE_PERMISSION: &str = "createVoice";

/// 「权限: listVoice」: the permission the voice list needs (the current list page,
/// coze-dev/coze-sdk-gen `docs/api-markdown/list_voices.md`).
pub const LIST_VOICE_PERMISSION: &str = "listVoice";

/// 「权限: createSpeech」: the permission speech synthesis needs (the current speech page,
/// coze-dev/coze-sdk-gen `docs/api-markdown/text_to_speech.md`).
pub const CREATE_SPEECH_PERMISSION: &str = "createSpeech";

/// The resource a refusal names for each permission's endpoint. The one real refusal seen names
/// `CloneVoice` for the clone (coze-dev/coze-js#100); the others follow the same pattern from the operation
/// ids of Coze's OpenAPI description (`PublicCloneVoice`, `PublicListVoice`, `PublicAudioSpeech`).
pub fn permission_resource(permission: &str) -> &'static str {
    match permission {
        CREATE_VOICE_PERMISSION => "CloneVoice",
        LIST_VOICE_PERMISSION => "ListVoice",
        CREATE_SPEECH_PERMISSION => "AudioSpeech",
        _ => "resource",
    }
}

/// Every permission the voice endpoints check.
pub const PERMISSIONS: [&str; 3] = [
    CREATE_VOICE_PERMISSION,
    LIST_VOICE_PERMISSION,
    CREATE_SPEECH_PERMISSION,
];

/// 「未指定文案时，使用默认文案“你好，我是你的专属AI克隆声音，希望未来可以一起好好相处哦"。」
pub const DEFAULT_PREVIEW_TEXT: &str = "你好，我是你的专属AI克隆声音，希望未来可以一起好好相处哦";

/// 「其中 pcm 仅支持 24k 采样率」
pub const PCM_SAMPLE_RATE_HZ: u32 = 24_000;

/// 「其中 pcm 仅支持 … 单通道。」
pub const PCM_CHANNELS: u16 = 1;

/// 「音频时长: 建议 10s~30s。」 A recommendation: the fake enforces it only when configured to.
pub const RECOMMENDED_DURATION_SECS: (f64, f64) = (10.0, 30.0);

/// 「扣子平台服务会对比音频与该文本的差异，若差异过大会报错 1109 WERError」: the page asks for text
/// 「大致一致」 (roughly the same) and publishes no threshold. The fake's default highest word error rate
/// that passes: half the words wrong is clearly 差异过大.
pub const DEFAULT_WER_THRESHOLD: f64 = 0.5;

/// Coze plans. Which may clone is a setting ([`crate::fidelity::RuleSettings`]): 「仅扣子团队版和企业版用户
/// 可以使用音色复刻功能。」 on the page this project was given, 「仅扣子企业版（企业标准版、企业旗舰版）用户可以
/// 使用音色复刻功能」 on the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    /// 个人版: may not clone.
    Personal,
    /// 团队版.
    Team,
    /// 企业版.
    Enterprise,
}

/// 「语种: zh：中文 en：英文 ja：日语 es：西班牙语 id：印度尼西亚语 pt：葡萄牙语」, in the page's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// zh：中文
    Zh,
    /// en：英文
    En,
    /// ja：日语
    Ja,
    /// es：西班牙语
    Es,
    /// id：印度尼西亚语
    Id,
    /// pt：葡萄牙语
    Pt,
}

impl Language {
    /// Every supported language, in the order the page lists them.
    pub const ALL: [Language; 6] = [
        Language::Zh,
        Language::En,
        Language::Ja,
        Language::Es,
        Language::Id,
        Language::Pt,
    ];

    /// The language of a clone that sends none. 「language … 可选」 names no default; `zh` is the page's
    /// example value and first language, and cozepy's `Voice` needs a `language_code`.
    pub const DEFAULT: Language = Language::Zh;

    /// The code the API takes (`zh`, `en`, …).
    pub fn code(self) -> &'static str {
        match self {
            Language::Zh => "zh",
            Language::En => "en",
            Language::Ja => "ja",
            Language::Es => "es",
            Language::Id => "id",
            Language::Pt => "pt",
        }
    }

    /// The language's name as the voice list shows it (`language_name`).
    pub fn name(self) -> &'static str {
        match self {
            Language::Zh => "中文",
            Language::En => "英文",
            Language::Ja => "日语",
            Language::Es => "西班牙语",
            Language::Id => "印度尼西亚语",
            Language::Pt => "葡萄牙语",
        }
    }

    /// Parses an API language code; exact and case-sensitive, as the page lists them.
    pub fn from_code(code: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.code() == code)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The `audio_format` value the SDK enums send for Ogg (cozepy `AudioFormat.OGG_OPUS`, coze-go
/// `AudioFormatOGGOPUS`, coze-java `AudioFormat.OGG_OPUS`).
pub const OGG_OPUS_NAME: &str = "ogg_opus";

/// Every `audio_format` value the official SDKs send: the page's six and [`OGG_OPUS_NAME`].
pub const AUDIO_FORMAT_VALUES: [&str; 7] = ["wav", "mp3", "ogg", "ogg_opus", "m4a", "aac", "pcm"];

/// 「文件格式: wav、mp3、ogg、m4a、aac、pcm。」, in the page's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioFormat {
    /// RIFF/WAVE.
    Wav,
    /// MPEG-1/2 layer III, with or without ID3.
    Mp3,
    /// Ogg (Vorbis or Opus).
    Ogg,
    /// ISO-BMFF (MPEG-4 audio).
    M4a,
    /// Raw AAC in ADTS frames.
    Aac,
    /// Raw PCM: 「pcm 仅支持 24k 采样率，单通道」.
    Pcm,
}

impl AudioFormat {
    /// Every supported format, in the order the page lists them.
    pub const ALL: [AudioFormat; 6] = [
        AudioFormat::Wav,
        AudioFormat::Mp3,
        AudioFormat::Ogg,
        AudioFormat::M4a,
        AudioFormat::Aac,
        AudioFormat::Pcm,
    ];

    /// The name the API and the SDKs use (`audio_format`).
    pub fn name(self) -> &'static str {
        match self {
            AudioFormat::Wav => "wav",
            AudioFormat::Mp3 => "mp3",
            AudioFormat::Ogg => "ogg",
            AudioFormat::M4a => "m4a",
            AudioFormat::Aac => "aac",
            AudioFormat::Pcm => "pcm",
        }
    }

    /// Parses a declared format: `audio_format` or a file name extension. Case-insensitive, because the
    /// page's own curl example uploads `jay.MP3`. `ogg_opus`, the Ogg value of the cozepy, coze-go and
    /// coze-java enums (`AudioFormat.OGG_OPUS`), names Ogg.
    pub fn from_name(name: &str) -> Option<AudioFormat> {
        if name.eq_ignore_ascii_case(OGG_OPUS_NAME) {
            return Some(AudioFormat::Ogg);
        }
        AudioFormat::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// Whether a clone in this format must say so in `audio_format`: 「pcm、m4a必传，其余可选」 (Coze's
    /// service types, coze-dev/coze-studio `multimedia_api` `CloneVoiceRequest.audio_format`).
    pub fn must_be_declared(self) -> bool {
        matches!(self, AudioFormat::Pcm | AudioFormat::M4a)
    }
}

impl fmt::Display for AudioFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

// The endpoints a cloned voice is used on afterwards, `GET /v1/audio/voices` and `POST /v1/audio/speech`:
// their limits as the official SDKs document them.

/// Voice list: 「不传默认 100，传值需要(0, 100]」 (@coze/api `ListVoicesReq.page_size`).
pub const PAGE_SIZE_MAX: u32 = 100;

/// Voices: `model_type`, 「big」 (large-model) or 「small」 (small-model) (cozepy `Voice.model_type`,
/// @coze/api `ListVoicesReq.model_type`); also a voice-list filter.
pub const VOICE_MODEL_TYPES: [&str; 2] = ["big", "small"];

/// Voices: `state`, 「init」 (created, not yet cloned) or 「cloned」 (cozepy `Voice.state`); also a
/// voice-list filter (`voice_state`).
pub const VOICE_STATES: [&str; 2] = ["init", "cloned"];

/// The voice-list filter value meaning every state: 「init|cloned|all」 (@coze/api `ListVoicesReq.voice_state`).
pub const VOICE_STATE_ALL: &str = "all";

/// Voice list: `voice_state` when not given: 「cloned：（默认值）已克隆。」 (the current list page,
/// coze-dev/coze-sdk-gen `docs/api-markdown/list_voices.md`).
pub const DEFAULT_VOICE_STATE: &str = "cloned";

/// Speech: 「合成语音的文本，经由 UTF-8 编码。长度限制为 1024 字节。」: bytes, not characters (the current
/// speech page, coze-dev/coze-sdk-gen `docs/api-markdown/text_to_speech.md`; the SDKs' docstrings say
/// characters).
pub const SPEECH_INPUT_MAX_BYTES: usize = 1024;

/// Speech: `speed` for a large-model (`big`) voice: 「语速，大模型音色的取值范围为 0.5~2」 (the current
/// speech page).
pub const SPEECH_SPEED_RANGE_BIG: (f64, f64) = (0.5, 2.0);

/// Speech: `speed` for a small-model voice: 「小模型音色的取值范围为 0.2~3」 (the current speech page).
pub const SPEECH_SPEED_RANGE_SMALL: (f64, f64) = (0.2, 3.0);

/// Speech: `loudness_rate`: 「取值范围为 `-50` ~ `100`，默认值为 0，表示原始音量。」 (the current speech page).
pub const SPEECH_LOUDNESS_RANGE: (i64, i64) = (-50, 100);

/// Speech: `emotion`, 「仅当 `voice_id` 为多情感音色时才支持设置情感类型。…枚举值如下」 (the current speech
/// page), in its order.
pub const SPEECH_EMOTIONS: [&str; 9] = [
    "happy",
    "sad",
    "angry",
    "surprised",
    "fear",
    "hate",
    "excited",
    "coldness",
    "neutral",
];

/// Speech: `emotion_scale`: 「取值范围：1.0~5.0，默认值：4.0。」 (the current speech page).
pub const SPEECH_EMOTION_SCALE_RANGE: (f64, f64) = (1.0, 5.0);

/// Speech: 「默认为1」 (cozepy `SpeechClient.create`, @coze/api `CreateSpeechReq.speed`).
pub const SPEECH_DEFAULT_SPEED: f64 = 1.0;

/// Speech: 「采样率，可选值 \[8000,16000,22050,24000,32000,44100,48000\]」 (cozepy `SpeechClient.create`).
pub const SPEECH_SAMPLE_RATES: [u32; 7] = [8000, 16000, 22050, 24000, 32000, 44100, 48000];

/// Speech: 「默认 24000」 (cozepy `SpeechClient.create`; @coze/api sends 24000 when unset).
pub const SPEECH_DEFAULT_SAMPLE_RATE: u32 = 24_000;

/// Speech: 「音频编码格式，wav / pcm / ogg_opus / mp3，默认为 mp3」 (cozepy `SpeechClient.create`), in that
/// order; @coze/api also offers `ogg` and `opus`, read as Ogg Opus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpeechFormat {
    /// RIFF/WAVE.
    Wav,
    /// Raw samples.
    Pcm,
    /// Opus in Ogg.
    OggOpus,
    /// MPEG audio layer III, the default.
    Mp3,
}

impl SpeechFormat {
    /// Every format, in cozepy's order.
    pub const ALL: [SpeechFormat; 4] = [
        SpeechFormat::Wav,
        SpeechFormat::Pcm,
        SpeechFormat::OggOpus,
        SpeechFormat::Mp3,
    ];

    /// 「默认为 mp3」.
    pub const DEFAULT: SpeechFormat = SpeechFormat::Mp3;

    /// The name cozepy sends (`response_format`).
    pub fn name(self) -> &'static str {
        match self {
            SpeechFormat::Wav => "wav",
            SpeechFormat::Pcm => "pcm",
            SpeechFormat::OggOpus => "ogg_opus",
            SpeechFormat::Mp3 => "mp3",
        }
    }

    /// Parses `response_format`: a name of [`SpeechFormat::ALL`], or @coze/api's `ogg` or `opus`. Exact and
    /// case-sensitive.
    pub fn from_name(name: &str) -> Option<SpeechFormat> {
        match name {
            "ogg" | "opus" => Some(SpeechFormat::OggOpus),
            _ => SpeechFormat::ALL.into_iter().find(|f| f.name() == name),
        }
    }
}

impl fmt::Display for SpeechFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Streaming speech (`wss://…/v1/audio/speech`): 「单次请求的文字信息长度最大为 1024 个字节。超过上限时会提示
/// `3010` 错误。」 (coze-dev/coze-sdk-gen `docs/api-markdown/tts_api.md`). The fake judges it per append and for
/// the text buffered until `input_text_buffer.complete`.
pub const SPEECH_STREAM_TEXT_MAX_BYTES: usize = 1024;

/// Streaming speech: `output_audio.codec`: 「支持 pcm、g711a、g711u、opus。默认是 pcm。」 (cozepy
/// `OutputAudio`), in that order; the first is the default.
pub const SPEECH_STREAM_CODECS: [&str; 4] = ["pcm", "g711a", "g711u", "opus"];

/// Streaming speech: `output_audio.speech_rate`: 「取值范围 \[-50, 100\]，默认为 0。-50 表示 0.5 倍速，100 表示 2
/// 倍速。」 (cozepy `OutputAudio`).
pub const SPEECH_STREAM_RATE_RANGE: (i64, i64) = (-50, 100);

/// Streaming speech: `output_audio.speech_rate` when not set: 「默认为 0」 (cozepy `OutputAudio`).
pub const SPEECH_STREAM_DEFAULT_RATE: i64 = 0;

/// Streaming speech: the `output_audio.pcm_config.frame_size_ms` the fake takes, in milliseconds: the SDKs
/// name the field without a range; this one keeps a chunk between one G.711 frame and a second of audio.
pub const SPEECH_STREAM_FRAME_MS_RANGE: (f64, f64) = (10.0, 1000.0);

/// Streaming speech: the chunk duration when `pcm_config.frame_size_ms` is not set: 250 ms, the size of
/// most chunks in the recorded session (12,000 bytes of 24 kHz pcm).
pub const SPEECH_STREAM_DEFAULT_FRAME_MS: f64 = 250.0;

/// Streaming speech: the G.711 codecs carry 8 kHz audio: 「如果音频编码格式 codec 为 g711a 或 g711u，音频采样率需
/// 设置为 8000。」 (cozepy `InputAudio`, said of the input side; the fake holds the output to it too).
pub const SPEECH_STREAM_G711_SAMPLE_RATE: u32 = 8000;

/// Streaming speech: where a browser puts its token, which cannot set headers: the page's example
/// connects to `wss://ws.coze.cn/v1/audio/speech?authorization=Bearer ${ACCESS_TOKEN}` (`tts_api.md`).
pub const SPEECH_STREAM_TOKEN_QUERY: &str = "authorization";

/// Streaming speech: the events a client sends (cozepy `WebsocketsEventType`, `v1/audio/speech` req), in
/// the order a session uses them.
pub const SPEECH_STREAM_CLIENT_EVENTS: [&str; 3] = [
    "speech.update",
    "input_text_buffer.append",
    "input_text_buffer.complete",
];

/// Streaming speech: the events the service sends (cozepy `WebsocketsEventType`, `v1/audio/speech` resp,
/// and `conversation.audio.sentence_start`, which no SDK names but the recorded session has), in the
/// order a session sends them, `error` last.
pub const SPEECH_STREAM_SERVER_EVENTS: [&str; 7] = [
    "speech.created",
    "speech.updated",
    "input_text_buffer.completed",
    "conversation.audio.sentence_start",
    "speech.audio.update",
    "speech.audio.completed",
    "error",
];

/// Streaming speech: the permission, 「权限: createSpeech」 (`tts_api.md`), the same as HTTP speech.
pub const SPEECH_STREAM_PERMISSION: &str = CREATE_SPEECH_PERMISSION;

// The fake's own bounds: not documented, they keep a hostile or broken client from holding memory or a
// connection, and an answer can state them.

/// The largest text field of a clone form: room for any documented value (the byte limits above are
/// judged after reading, so their errors can say how long the value was); it only bounds memory.
pub const TEXT_FIELD_MAX_BYTES: u64 = 64 * 1024;

/// Parts a clone form may have: the nine fields real clients send plus the file leave ample room; the
/// bound only stops a client that sends thousands of tiny parts.
pub const MAX_PARTS: usize = 64;

/// The longest multipart boundary taken (RFC 2046 allows 70 characters; clients stay far below this).
pub const BOUNDARY_MAX_BYTES: usize = 200;

// The body deadline: this and the next bound, one rule for every endpoint that reads a body (the clone's
// form, speech's JSON, the admin API's JSON; `request_body::guarded`), answered 4000 on HTTP 408.
// Source: none. No Coze page or SDK states the real service's timeouts, so they are the fake's choice
// (the fidelity ledger's `http.slow_clients`, open); 408 is what @coze/api maps to its `TimeoutError`.

/// The body deadline: the longest wait for the next bytes of a request body, and the time after which a
/// body must have arrived at [`BODY_MIN_BYTES_PER_SEC`] on average. `[limits] body_deadline_secs`
/// changes it.
pub const BODY_DEADLINE: Duration = Duration::from_secs(10);

/// The body deadline: the slowest average rate a body may arrive at once [`BODY_DEADLINE`] has passed,
/// 1 KiB/s: a client sending one byte a second is cut off after about ten seconds, a 10 MB upload at this
/// rate would take three hours.
pub const BODY_MIN_BYTES_PER_SEC: u64 = 1024;

/// The largest WebSocket message a speech session takes: an append of the largest text the page allows,
/// escaped as JSON (`\\uXXXX`, six bytes a byte), with room to spare. A larger frame closes the connection
/// ([`SPEECH_STREAM_CLOSE_TOO_LARGE`]) before it is read into memory.
pub const SPEECH_STREAM_MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// The most of a refused frame a speech session's `error` event quotes in `detail.origin_message`.
pub const SPEECH_STREAM_ORIGIN_MESSAGE_MAX_BYTES: usize = 1024;

/// How long a speech session waits for the client's next event before it closes the connection
/// ([`SPEECH_STREAM_CLOSE_IDLE`]).
pub const SPEECH_STREAM_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// How long one event to the client may take to send: a client that stops reading (a half-open socket) is
/// closed after this.
pub const SPEECH_STREAM_SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Refusals in a row after which a speech session closes the connection
/// ([`SPEECH_STREAM_CLOSE_REFUSALS`]): a client flooding the fake with events it refuses gets this many
/// `error` events, then no more.
pub const SPEECH_STREAM_MAX_REFUSALS: u32 = 256;

// The close codes a speech session sends of its own accord. Source: RFC 6455 §7.4.1 for each code's
// meaning; neither Coze's page nor the recorded session (which ends without a close frame) shows one, so
// which bound gets which code is the fake's choice (the fidelity ledger's `stream.bounds`).

/// A close frame a speech session sends: its code and its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamClose {
    /// The close code (RFC 6455 §7.4).
    pub code: u16,
    /// The reason the frame carries.
    pub reason: &'static str,
}

/// Sent to a client silent for [`SPEECH_STREAM_IDLE_TIMEOUT`]: 1000, RFC 6455's normal closure (the
/// session is over, nothing went wrong). The fake's choice.
pub const SPEECH_STREAM_CLOSE_IDLE: StreamClose = StreamClose {
    code: 1000,
    reason: "idle timeout",
};

/// Sent after [`SPEECH_STREAM_MAX_REFUSALS`] refused events in a row: 1008, RFC 6455's policy
/// violation. The fake's choice.
pub const SPEECH_STREAM_CLOSE_REFUSALS: StreamClose = StreamClose {
    code: 1008,
    reason: "too many refused events",
};

/// Sent for a frame over [`SPEECH_STREAM_MAX_MESSAGE_BYTES`], before it is read: 1009, RFC 6455's
/// message too big. The fake's choice.
pub const SPEECH_STREAM_CLOSE_TOO_LARGE: StreamClose = StreamClose {
    code: 1009,
    reason: "message too large",
};

/// Every close a speech session sends of its own accord, by code.
pub const SPEECH_STREAM_CLOSES: [StreamClose; 3] = [
    SPEECH_STREAM_CLOSE_IDLE,
    SPEECH_STREAM_CLOSE_REFUSALS,
    SPEECH_STREAM_CLOSE_TOO_LARGE,
];

/// Whether a UTF-8 string fits a byte limit of the page (limits are in 字节, bytes).
pub fn fits_bytes(value: &str, max_bytes: usize) -> bool {
    value.len() <= max_bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forty_three_chinese_characters_are_over_the_voice_name_limit() {
        assert!(fits_bytes(&"名".repeat(42), VOICE_NAME_MAX_BYTES));
        assert!(!fits_bytes(&"名".repeat(43), VOICE_NAME_MAX_BYTES));
    }

    #[test]
    fn text_limit_counts_bytes_not_characters() {
        assert!(fits_bytes(&"a".repeat(1024), TEXT_MAX_BYTES));
        assert!(!fits_bytes(&"é".repeat(513), TEXT_MAX_BYTES));
    }

    #[test]
    fn languages_are_exactly_the_six_on_the_page() {
        let codes: Vec<_> = Language::ALL.iter().map(|l| l.code()).collect();
        assert_eq!(codes, ["zh", "en", "ja", "es", "id", "pt"]);
        assert_eq!(Language::from_code("ZH"), None, "codes are case-sensitive");
        assert_eq!(Language::from_code("fr"), None);
    }

    #[test]
    fn formats_are_exactly_the_six_on_the_page_and_case_insensitive() {
        let names: Vec<_> = AudioFormat::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(names, ["wav", "mp3", "ogg", "m4a", "aac", "pcm"]);
        assert_eq!(AudioFormat::from_name("MP3"), Some(AudioFormat::Mp3));
        assert_eq!(AudioFormat::from_name("flac"), None);
    }

    #[test]
    fn speech_formats_are_cozepys_four_and_coze_js_aliases() {
        let names: Vec<_> = SpeechFormat::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(names, ["wav", "pcm", "ogg_opus", "mp3"]);
        for f in SpeechFormat::ALL {
            assert_eq!(SpeechFormat::from_name(f.name()), Some(f));
        }
        assert_eq!(SpeechFormat::from_name("opus"), Some(SpeechFormat::OggOpus));
        assert_eq!(SpeechFormat::from_name("ogg"), Some(SpeechFormat::OggOpus));
        assert_eq!(SpeechFormat::from_name("MP3"), None);
        assert_eq!(SpeechFormat::from_name("flac"), None);
    }

    #[test]
    fn the_file_limit_is_the_pages_10_mb_read_as_mib() {
        assert_eq!(FILE_MAX_BYTES, 10_485_760);
    }

    #[test]
    fn every_value_the_sdks_send_names_a_format_and_only_pcm_and_m4a_must_be_declared() {
        for value in AUDIO_FORMAT_VALUES {
            assert!(AudioFormat::from_name(value).is_some(), "{value}");
        }
        assert_eq!(AudioFormat::from_name("ogg_opus"), Some(AudioFormat::Ogg));
        let declared: Vec<_> = AudioFormat::ALL
            .into_iter()
            .filter(|f| f.must_be_declared())
            .collect();
        assert_eq!(declared, [AudioFormat::M4a, AudioFormat::Pcm]);
    }
}
