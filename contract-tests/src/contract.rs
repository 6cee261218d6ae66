//! The contract of `POST /v1/audio/voices/clone`, and of the voice list and speech a cloned voice lives on,
//! restated here from the documentation.
//!
//! Every limit below is written again from the page (复刻音色,
//! <https://www.coze.cn/open/docs/developer_guides/clone_voices>), Coze's error-code page and the public
//! SDKs and documents each item names, with the sentence it comes from. Nothing is
//! imported from `coze_mock`'s rules: if the fake's rule is wrong, these tests must disagree with it,
//! not copy it.
//!
//! Each item says how sure it is: **documented** (the page says so), **reference** (a public source named beside it,
//! verified in an official SDK), **inferred** (the harness's reading where the page is silent; a real run
//! confirms or corrects it).

/// 「此音色的名称，长度限制为 128 字节。」 **documented**: bytes of UTF-8, not characters.
pub const VOICE_NAME_MAX_BYTES: usize = 128;

/// 「最大长度为 1024 字节。」 (of `text`) **documented**.
pub const TEXT_MAX_BYTES: usize = 1024;

/// 「zh：中文 en：英文 ja：日语 es：西班牙语 id：印度尼西亚语 pt：葡萄牙语」 **documented**, in the page's order.
pub const LANGUAGES: [&str; 6] = ["zh", "en", "ja", "es", "id", "pt"];

/// 「文件格式: wav、mp3、ogg、m4a、aac、pcm。」 **documented**, in the page's order.
pub const FORMATS: [&str; 6] = ["wav", "mp3", "ogg", "m4a", "aac", "pcm"];

/// 「文件大小: 最大不超过 10MB。」 **documented, ambiguous**: "10MB" is 10⁷ or 10 × 1024² bytes. The
/// harness tests only the two points both readings agree on: [`FILE_SIZE_SURELY_ACCEPTED`] and
/// [`FILE_SIZE_SURELY_REJECTED`]. The band between them is unknown until a real run records it.
pub const FILE_SIZE_SURELY_ACCEPTED: u64 = 10_000_000;

/// The smallest size over the limit under both readings of "10MB": 10 × 1024² + 1 bytes.
pub const FILE_SIZE_SURELY_REJECTED: u64 = 10 * 1024 * 1024 + 1;

/// 「同一个音色 ID 最多复刻 10 次。」 **documented**; the first clone counts
/// (「购买一个音色后，你可以对这个音色重新免费复刻 9 次」), so the 11th clone of one id fails.
pub const CLONES_PER_VOICE_ID: u32 = 10;

/// 「每次最多上传1个音频文件。」 **documented**.
pub const FILES_PER_REQUEST: usize = 1;

/// The fields the page's Body table lists, plus `audio_format` (the page's curl example and cozepy send
/// it; **reference**). `voice_name` is the only one marked 必选.
pub const TEXT_FIELDS: [&str; 7] = [
    "voice_name",
    "text",
    "language",
    "voice_id",
    "preview_text",
    "space_id",
    "audio_format",
];

/// The fields of a successful clone's `data`: the page's example (`"data": {"voice_id": …}`), the current
/// page (coze-dev/coze-sdk-gen `docs/api-markdown/clone_voices.md`: `CloneVoiceData`, one field), Coze's
/// service types (coze-dev/coze-studio `CloneVoiceData { voice_id?: string }`), coze-go
/// (`CloneAudioVoicesResp{VoiceID}`), coze-java (`CloneVoiceResp`), coze-js (`CloneVoiceData`).
/// **documented** (only cozepy 0.20.0 expects a whole `Voice`).
pub const CLONE_DATA_FIELDS: [&str; 1] = ["voice_id"];

/// The Ogg value of the SDKs' `audio_format` enums: cozepy `AudioFormat.OGG_OPUS = "ogg_opus"`, coze-go
/// `AudioFormatOGGOPUS`, coze-java `AudioFormat.OGG_OPUS`. **reference**: it names the page's 「ogg」.
pub const AUDIO_FORMAT_OGG_OPUS: &str = "ogg_opus";

/// Formats whose clone must say `audio_format`: 「pcm、m4a必传，其余可选」 (Coze's service types,
/// coze-dev/coze-studio `multimedia_api`). **reference**; a missing one is a missing required parameter,
/// 4000 「必选参数缺失」 (error-code page).
pub const FORMATS_NEEDING_AUDIO_FORMAT: [&str; 2] = ["pcm", "m4a"];

/// 「若差异过大会报错 1109 WERError」 **documented**: `text` too far from the speech.
pub const CODE_WER_ERROR: i64 = 1109;
/// `code` 0: 「0代表调用成功。」 **documented**.
pub const CODE_SUCCESS: i64 = 0;

// The codes below are from Coze's error-code page (coze.cn/open/docs/developer_guides/coze_error_codes,
// read as captured in KianaMei/coze-chat-alone `coze_docs/md/coze_error_codes.md`). The page lists them
// for the whole API; applying each to this endpoint is **inferred** from its 原因 column, quoted.

/// 4000 「请求参数错误」: 「参数格式错误、必选参数缺失等」.
pub const CODE_INVALID_PARAMETER: i64 = 4000;
/// 4019 「原因：账号已欠费」 (listed as 火山Bot调用按量余额不足; 4011, Coze Token 余额不足, is the other
/// candidate for an account in arrears).
pub const CODE_ACCOUNT_IN_ARREARS: i64 = 4019;
/// 4100 「身份验证无效」: 「个人访问令牌（PAT）不正确」. Its English msg is quoted by users of cozepy.
pub const CODE_AUTHENTICATION_INVALID: i64 = 4100;
/// 4101 「没有权限访问该资源」: 「当前使用的个人访问令牌没有权限访问该资源」. Also used for every refusal of
/// who asks (plan, workspace, slots, the clone cap): **inferred**, no narrower code is listed.
pub const CODE_PERMISSION_DENIED: i64 = 4101;
/// 4200 「资源未找到」: 「资源 ID 错误、此资源并非由当前账号创建等」: a `voice_id` to retrain that does not exist.
pub const CODE_NOT_FOUND: i64 = 4200;
/// 4300 「上传文件时文件为空」: 「指定的文件名称或路径不存在、请求头 Content-Type 未指定为 multipart/form-data 等」.
pub const CODE_FILE_MISSING: i64 = 4300;
/// 4301 「文件上传时超过一个」.
pub const CODE_TOO_MANY_FILES: i64 = 4301;
/// 4302 「文件上传大小超过限制」.
pub const CODE_FILE_TOO_LARGE: i64 = 4302;
/// 4303 「文件类型不支持」: 「文件格式问题，暂不支持上传此类型的文件」.
pub const CODE_FILE_TYPE_UNSUPPORTED: i64 = 4303;

/// 4304 「文件无效」: 「文件故障等问题」: a file of a listed format that is broken, or pcm that is not
/// 24 kHz mono (「pcm 仅支持 24k 采样率，单通道」, **documented**; the code **inferred**).
pub const CODE_FILE_INVALID: i64 = 4304;

/// An empty file part: 4300 「上传文件时文件为空」 (error-code page). **documented** there; applying it to
/// a file part with no bytes is its own words.
pub const EMPTY_FILE_CODE: i64 = CODE_FILE_MISSING;

/// Retraining a `voice_id` cloned in another workspace of the same team: 「即使在同一个企业或团队中，不同
/// 工作空间复刻的音色资源是独立的，不允许跨空间使用。」 **documented** (the refusal); its code is
/// **inferred**: 4200 「资源未找到」, whose causes include 「此资源并非由当前账号创建」, since the voice is
/// invisible from the caller's workspace.
pub const FOREIGN_VOICE_RETRAIN_CODE: i64 = CODE_NOT_FOUND;

/// Characters of a logid: 「X-Tt-Logid 字段值，例如 20240708143040790E78F9318B35A2910B」 (error-code page,
/// 34 characters), like the unmasked logids of the voice-list page (`2024102916355736DC98FBC4D32FD7E59C`)
/// and of a real clone refusal (`20250220140502E94519CAF2285CA7581E`, coze-dev/coze-js#100).
/// **reference**: a 14-digit timestamp and 20 upper-case hex digits.
pub const LOGID_LEN: usize = 34;

/// The message of every 4100 answer. **reference** (quoted by users of cozepy).
pub const MSG_AUTHENTICATION_INVALID: &str = "authentication is invalid";

// The voice list, 查看音色列表, as its current page gives it (coze-dev/coze-sdk-gen
// `docs/api-markdown/list_voices.md`). Listing is free, so these run on the real target by default.

/// 「请求方式 GET」, 请求地址 `https://api.coze.cn/v1/audio/voices` **documented**.
pub const LIST_PATH: &str = "/v1/audio/voices";

/// `page_size`: 「此参数用于设置每页返回的数据量。取值范围为 1~100，默认为 100。」 **documented**.
pub const LIST_PAGE_SIZE_RANGE: (u32, u32) = (1, 100);

/// `page_num`: 「此参数用于设置查看的页码。最小值为 1，默认为 1。」 **documented**.
pub const LIST_PAGE_NUM_MIN: u32 = 1;

/// `has_more`: 「true：当前返回的音色列表未包含所有符合条件的音色」, 「false：表示已返回所有符合条件的音色数据」;
/// `voice_list`: 「音色列表详情」 (ListVoiceData). **documented**, with the JSON type each is given.
pub const LIST_DATA_FIELDS: [(&str, &str); 2] = [("has_more", "boolean"), ("voice_list", "array")];

/// The fields of a listed voice in the page's 返回示例, with the type its OpenAPIVoiceData table gives
/// (String, Integer, Boolean). **documented**. The table's `state` and `model_name` are not in the example,
/// and `support_emotions` is 「仅当音色为多情感音色时返回」, so none of the three is required here.
pub const LISTED_VOICE_FIELDS: [(&str, &str); 11] = [
    ("available_training_times", "integer"),
    ("create_time", "integer"),
    ("is_system_voice", "boolean"),
    ("language_code", "string"),
    ("language_name", "string"),
    ("model_type", "string"),
    ("name", "string"),
    ("preview_audio", "string"),
    ("preview_text", "string"),
    ("update_time", "integer"),
    ("voice_id", "string"),
];

/// `filter_system_voice`: 「true：过滤系统音色」, 「false：（默认）不过滤系统音色」; a listed voice says which
/// it is in `is_system_voice` (「true：系统预置音色」). **documented**.
pub const FILTER_SYSTEM_VOICE: &str = "filter_system_voice";

/// A `page_size` outside 1~100, or a `page_num` under 1: the page states the ranges, not the answer;
/// 4000 「请求参数错误」 (「参数格式错误」) is **inferred**, and a real run confirms or corrects it.
pub const LIST_OUT_OF_RANGE_CODE: i64 = CODE_INVALID_PARAMETER;

// Speech, 语音合成, as its current page gives it (coze-dev/coze-sdk-gen `docs/api-markdown/text_to_speech.md`).
// 「调用语音合成 API 会产生语音合成费用」: on the real target these need the spend opt-in.

/// 「请求方式 POST」, 请求地址 `https://api.coze.cn/v1/audio/speech` **documented**.
pub const SPEECH_PATH: &str = "/v1/audio/speech";

/// `input`: 「合成语音的文本，经由 UTF-8 编码。长度限制为 1024 字节。」 **documented**: bytes of UTF-8, not
/// characters (cozepy's and @coze/api's docstrings say characters; the page says bytes).
pub const SPEECH_INPUT_MAX_BYTES: usize = 1024;

/// `response_format`: 「wav：返回二进制 wav 音频」, 「pcm：返回二进制 pcm 音频」, 「ogg_opus：返回多段含 opus
/// 压缩分片音频」, 「mp3：（默认）返回二进制 mp3 音频」. **documented**, in the page's order.
pub const SPEECH_FORMATS: [&str; 4] = ["wav", "pcm", "ogg_opus", "mp3"];

/// `sample_rate`: 「8000：8k」 … 「48000：48k」, 「24000：（默认）24k」, 「音频采样率，单位为 Hz」.
/// **documented**.
pub const SPEECH_SAMPLE_RATES: [u32; 7] = [8000, 16000, 22050, 24000, 32000, 44100, 48000];

/// 「如果成功调用此 API，接口会直接返回语音文件的内容。」: success is the audio itself, not an envelope;
/// 「如果调用此 API 失败，返回信息中包含 code 和 msg 字段」: failure is an envelope. **documented**. A field
/// the page's table breaks (`input` over its limit, a `response_format` or `sample_rate` it does not
/// list, a missing 必选 field) answering 4000 「请求参数错误」 is **inferred**.
pub const SPEECH_REFUSAL_CODE: i64 = CODE_INVALID_PARAMETER;

/// The JSON type of `value` as the pages' tables name types: `string`, `integer` (Long, Integer),
/// `number` (Double), `boolean`, `array`, `object`, `null`.
pub fn json_type(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The documented outcome of a request, as the code the envelope must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `code` 0, `msg` "", `data.voice_id` set.
    Success,
    /// 4100: no, a malformed, an unknown or an expired token.
    AuthenticationInvalid,
    /// 4101: the token or its account may not do this.
    PermissionDenied,
    /// 4200: the voice to retrain does not exist (in this workspace).
    NotFound,
    /// 4000: a parameter breaks a documented rule.
    InvalidParameter,
    /// 4019: the account is in arrears.
    AccountInArrears,
    /// 4300: no file (or no multipart body).
    FileMissing,
    /// 4301: more than one file.
    TooManyFiles,
    /// 4302: the file is over the size limit.
    FileTooLarge,
    /// 4303: the file is not of a listed format.
    FileTypeUnsupported,
    /// 1109: `text` differs too much from the speech.
    WerError,
}

impl Outcome {
    /// The envelope `code` of this outcome.
    pub fn code(self) -> i64 {
        match self {
            Outcome::Success => CODE_SUCCESS,
            Outcome::AuthenticationInvalid => CODE_AUTHENTICATION_INVALID,
            Outcome::PermissionDenied => CODE_PERMISSION_DENIED,
            Outcome::NotFound => CODE_NOT_FOUND,
            Outcome::InvalidParameter => CODE_INVALID_PARAMETER,
            Outcome::AccountInArrears => CODE_ACCOUNT_IN_ARREARS,
            Outcome::FileMissing => CODE_FILE_MISSING,
            Outcome::TooManyFiles => CODE_TOO_MANY_FILES,
            Outcome::FileTooLarge => CODE_FILE_TOO_LARGE,
            Outcome::FileTypeUnsupported => CODE_FILE_TYPE_UNSUPPORTED,
            Outcome::WerError => CODE_WER_ERROR,
        }
    }
}

/// Whether `s` is a Coze logid: [`LOGID_LEN`] characters, a 14-digit `YYYYMMDDhhmmss` timestamp then
/// upper-case hex. The clone page's examples are masked (`20241210152726467C48D89D6DB2****`) and are not
/// logids a server sends.
pub fn is_logid(s: &str) -> bool {
    let (Some(stamp), Some(hex)) = (s.get(..14), s.get(14..)) else {
        return false;
    };
    let month = stamp.get(4..6).and_then(|m| m.parse::<u8>().ok());
    stamp.bytes().all(|b| b.is_ascii_digit())
        && month.is_some_and(|m| (1..=12).contains(&m))
        && s.len() == LOGID_LEN
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
}

/// Whether `s` has the shape of a voice id: decimal digits, 19 of them as in the page's
/// `734829333445931****`. **documented** (example).
pub fn is_voice_id(s: &str) -> bool {
    s.len() == 19 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logids_quoted_from_the_real_api_have_the_logid_shape() {
        assert!(is_logid("2025110522060859DE7DB648C2DCC379B3"));
        assert!(is_logid("20241015100256FA70F619ED86EC262A80"));
        assert!(is_logid("20240708143040790E78F9318B35A2910B"));
        assert!(is_logid("20250220140502E94519CAF2285CA7581E"));
    }

    #[test]
    fn lower_case_hex_or_a_bad_timestamp_is_not_a_logid() {
        assert!(!is_logid("20241015100256fa70f619ed86ec262a80"));
        assert!(!is_logid("20241315100256FA70F619ED86EC262A80"));
        assert!(!is_logid("2024101510025"));
        assert!(!is_logid(""));
        assert!(
            !is_logid("20241210152726467C48D89D6DB20000"),
            "32 characters, as the masked examples"
        );
        assert!(
            !is_logid("2025110522060859DE7DB648C2DCC379B3A"),
            "35 characters"
        );
    }

    #[test]
    fn both_readings_of_10mb_agree_on_the_two_tested_sizes() {
        let (decimal, binary) = (10_000_000u64, 10 * 1024 * 1024u64);
        assert!(FILE_SIZE_SURELY_ACCEPTED <= decimal && FILE_SIZE_SURELY_ACCEPTED <= binary);
        assert!(FILE_SIZE_SURELY_REJECTED > decimal && FILE_SIZE_SURELY_REJECTED > binary);
    }

    #[test]
    fn json_types_are_named_as_the_pages_tables_name_them() {
        use serde_json::json;
        assert_eq!(json_type(&json!(1729686510)), "integer");
        assert_eq!(json_type(&json!(4.0)), "number");
        assert_eq!(json_type(&json!(false)), "boolean");
        assert_eq!(json_type(&json!("zh")), "string");
        assert_eq!(json_type(&json!([])), "array");
    }

    #[test]
    fn three_hundred_forty_two_chinese_characters_are_over_the_speech_limit() {
        let input = "好".repeat(342);
        assert!(input.chars().count() <= SPEECH_INPUT_MAX_BYTES);
        assert!(input.len() > SPEECH_INPUT_MAX_BYTES);
    }

    #[test]
    fn forty_three_chinese_characters_are_over_the_name_limit() {
        assert_eq!("名".repeat(43).len(), VOICE_NAME_MAX_BYTES + 1);
    }
}
