//! Proptest strategies in the documentation's words: valid requests, and each way to break one.
//!
//! Byte limits are where fakes drift, so the text strategies mix 1- to 4-byte UTF-8 characters and weigh
//! their lengths towards the limit (`limit-2..=limit+3` bytes). Every string is built from a target byte
//! length and a short cycle of character picks, so shrinking walks towards the shortest failing length
//! and towards ASCII `a`: a failing name shrinks to `"aaa…" (129 bytes)`.

use std::fmt;

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use crate::audio::AudioSpec;
use crate::contract::{
    Outcome, FILE_SIZE_SURELY_ACCEPTED, FILE_SIZE_SURELY_REJECTED, FORMATS, LANGUAGES,
    TEXT_MAX_BYTES, VOICE_NAME_MAX_BYTES,
};
use crate::request::{describe_text, CloneRequest, TokenChoice};

/// Characters by their UTF-8 width: 1, 2, 3 and 4 bytes.
const CHARS_BY_WIDTH: [&[char]; 4] = [
    &['a', 'Z', '7', '_'],
    &['é', 'ß', 'ж', 'ñ'],
    &['名', '音', '色', 'あ'],
    &['😀', '𠮷', '🎤', '𝄞'],
];

/// A string of exactly `bytes` bytes: character `i` takes `picks[i % len]` as (width, which), its width
/// lowered when fewer bytes are left.
pub fn utf8_of_bytes(bytes: usize, picks: &[(u8, u8)]) -> String {
    let mut s = String::with_capacity(bytes);
    let mut i = 0;
    while s.len() < bytes {
        let (w, k) = picks.get(i % picks.len().max(1)).copied().unwrap_or((0, 0));
        let width = (usize::from(w % 4) + 1).min(bytes - s.len());
        let row = CHARS_BY_WIDTH[width - 1];
        s.push(row[usize::from(k) % row.len()]);
        i += 1;
    }
    s
}

prop_compose! {
    /// Mixed 1-4-byte UTF-8 of a byte length drawn from `bytes`.
    pub fn utf8_with_byte_length(bytes: BoxedStrategy<usize>)
        (len in bytes, picks in vec((0u8..4, 0u8..4), 1..16)) -> String {
        utf8_of_bytes(len, &picks)
    }
}

/// 「此音色的名称，长度限制为 128 字节。」: 1..=128 bytes, mostly 126..=128.
pub fn voice_name_within_limit() -> BoxedStrategy<String> {
    let max = VOICE_NAME_MAX_BYTES;
    utf8_with_byte_length(prop_oneof![3 => (max - 2)..=max, 1 => 1..=max].boxed()).boxed()
}

/// Over 「长度限制为 128 字节」: mostly 129..=131 bytes, sometimes up to 400.
pub fn voice_name_over_limit() -> BoxedStrategy<String> {
    let max = VOICE_NAME_MAX_BYTES;
    utf8_with_byte_length(prop_oneof![4 => (max + 1)..=(max + 3), 1 => (max + 4)..=400].boxed())
        .boxed()
}

/// Over 「最大长度为 1024 字节」 (of `text`): mostly 1025..=1027 bytes, sometimes up to 2000.
pub fn text_over_limit() -> BoxedStrategy<String> {
    let max = TEXT_MAX_BYTES;
    utf8_with_byte_length(prop_oneof![4 => (max + 1)..=(max + 3), 1 => (max + 4)..=2000].boxed())
        .boxed()
}

/// Around the `text` limit, both sides: 1022..=1027 bytes.
pub fn text_around_limit() -> BoxedStrategy<String> {
    let max = TEXT_MAX_BYTES;
    utf8_with_byte_length(((max - 2)..=(max + 3)).boxed()).boxed()
}

/// One of 「zh en ja es id pt」.
pub fn supported_language() -> impl Strategy<Value = String> {
    proptest::sample::select(LANGUAGES.to_vec()).prop_map(str::to_owned)
}

/// A language code the page does not list (real codes first, then random lower-case ones). Case
/// variants like `ZH` are left out: the page does not say codes are case-sensitive.
pub fn unsupported_language() -> impl Strategy<Value = String> {
    let known = [
        "fr", "de", "ko", "ru", "it", "ar", "vi", "th", "zh-CN", "en-US", "cmn", "yue",
    ];
    prop_oneof![
        proptest::sample::select(known.to_vec()).prop_map(str::to_owned),
        "[a-z]{2,3}".prop_filter("a listed language", |c| !LANGUAGES.contains(&c.as_str())),
    ]
}

/// One of 「wav、mp3、ogg、m4a、aac、pcm」.
pub fn supported_format() -> impl Strategy<Value = String> {
    proptest::sample::select(FORMATS.to_vec()).prop_map(str::to_owned)
}

/// An `audio_format` the page does not list.
pub fn unsupported_format() -> impl Strategy<Value = String> {
    let names = [
        "flac", "wma", "amr", "opus", "webm", "mp4", "txt", "wave", "mpeg",
    ];
    proptest::sample::select(names.to_vec()).prop_map(str::to_owned)
}

prop_compose! {
    /// The speech sample in `format`, named `speech.<ext>` with the extension in lower or upper case
    /// (the page's own example uploads `jay.MP3`).
    pub fn audio_of_format(format: String)(upper in any::<bool>()) -> (AudioSpec, String) {
        let ext = if upper { format.to_uppercase() } else { format.clone() };
        (AudioSpec::speech(&format), format!("speech.{ext}"))
    }
}

/// A WAV size both readings of 「最大不超过 10MB」 accept: up to 10,000,000 bytes, near it.
pub fn file_size_within_limit() -> impl Strategy<Value = u64> {
    (0u64..=2000).prop_map(|k| FILE_SIZE_SURELY_ACCEPTED - 2 * k)
}

/// A WAV size both readings reject: above 10 × 1024² bytes, near it (even: RIFF is word-aligned).
pub fn file_size_over_limit() -> impl Strategy<Value = u64> {
    (0u64..=2000).prop_map(|k| FILE_SIZE_SURELY_REJECTED.next_multiple_of(2) + 2 * k)
}

/// A token the API must refuse with 4100: none, a malformed header, or an unknown token.
pub fn bad_token() -> impl Strategy<Value = TokenChoice> {
    prop_oneof![
        Just(TokenChoice::Missing),
        "pat_[A-Za-z0-9]{8,64}".prop_map(TokenChoice::Literal),
        "[a-z]{3}_[A-Za-z0-9]{8,40}".prop_map(TokenChoice::Literal),
        "[A-Za-z0-9]{8,40}".prop_map(|t| TokenChoice::RawAuthorization(format!("Basic {t}"))),
        "pat_[A-Za-z0-9]{8,40}".prop_map(TokenChoice::RawAuthorization),
    ]
}

prop_compose! {
    /// A request the page says succeeds: any name within the limit, any listed language, any listed
    /// format (the speech sample, or rarely a generated WAV near 10 MB), with or without the optional
    /// fields (`text` only as the speech's own transcript, so 1109 cannot apply).
    pub fn valid_request()
        (name in voice_name_within_limit(),
         language in option::of(supported_language()),
         audio in supported_format().prop_flat_map(audio_of_format),
         big_wav in option::weighted(0.08, file_size_within_limit()),
         with_text in any::<bool>(),
         preview in option::of(utf8_with_byte_length((1usize..=60).boxed())))
        -> CloneRequest {
        let mut req = CloneRequest::valid_sample().voice_name(name).without("language");
        let (spec, filename) = audio;
        req = match (&spec, big_wav) {
            (_, Some(bytes)) => req.audio_format("wav").file(AudioSpec::WavOfSize { bytes }, "big.wav"),
            (AudioSpec::Speech { format }, None) => req.audio_format(format.clone()).file(spec.clone(), filename),
            _ => req,
        };
        if let Some(l) = language {
            req = req.language(l);
        }
        if with_text && big_wav.is_none() {
            req = req.matching_text();
        }
        if let Some(p) = preview {
            req = req.preview_text(p);
        }
        req
    }
}

/// One way to break a valid request, and the outcome the documentation gives it.
#[derive(Clone, PartialEq, Eq)]
pub enum Breakage {
    /// `voice_name` over 128 bytes.
    VoiceNameOverLimit(String),
    /// No `voice_name` (「必选」).
    VoiceNameMissing,
    /// `text` over 1024 bytes.
    TextOverLimit(String),
    /// A `language` the page does not list.
    UnsupportedLanguage(String),
    /// An `audio_format` the page does not list.
    UnsupportedAudioFormat(String),
    /// No file (「调用此 API 时需要上传一个音频文件」).
    FileMissing,
    /// Two files (「每次最多上传1个音频文件」).
    SecondFile,
    /// A WAV over 10 MB under both readings.
    FileOverLimit(u64),
    /// A file that is none of the six formats.
    NotAudio(String),
    /// A text field sent twice (**inferred**: each field is one String).
    DuplicatedField(String),
    /// The fields as JSON, no multipart (「必须使用 multipart/form-data 方式上传音频文件」).
    NotMultipart,
    /// A token that authenticates nobody.
    BadToken(TokenChoice),
}

impl Breakage {
    /// The documented outcome.
    pub fn expected(&self) -> Outcome {
        match self {
            Breakage::BadToken(_) => Outcome::AuthenticationInvalid,
            Breakage::FileMissing | Breakage::NotMultipart => Outcome::FileMissing,
            Breakage::SecondFile => Outcome::TooManyFiles,
            Breakage::FileOverLimit(_) => Outcome::FileTooLarge,
            Breakage::NotAudio(_) | Breakage::UnsupportedAudioFormat(_) => {
                Outcome::FileTypeUnsupported
            }
            Breakage::VoiceNameOverLimit(_)
            | Breakage::VoiceNameMissing
            | Breakage::TextOverLimit(_)
            | Breakage::UnsupportedLanguage(_)
            | Breakage::DuplicatedField(_) => Outcome::InvalidParameter,
        }
    }

    /// `request` broken this way.
    pub fn apply(&self, request: CloneRequest) -> CloneRequest {
        match self {
            Breakage::VoiceNameOverLimit(n) => request.voice_name(n.clone()),
            Breakage::VoiceNameMissing => request.without("voice_name"),
            Breakage::TextOverLimit(t) => request.text(t.clone()),
            Breakage::UnsupportedLanguage(l) => request.language(l.clone()),
            Breakage::UnsupportedAudioFormat(f) => request.audio_format(f.clone()),
            Breakage::FileMissing => request.without_file(),
            Breakage::SecondFile => request.duplicate_field("file"),
            Breakage::FileOverLimit(bytes) => request
                .audio_format("wav")
                .file(AudioSpec::WavOfSize { bytes: *bytes }, "big.wav"),
            Breakage::NotAudio(text) => {
                request.file(AudioSpec::Raw { text: text.clone() }, "speech.wav")
            }
            Breakage::DuplicatedField(f) => request.duplicate_field(f),
            Breakage::NotMultipart => request.as_json(),
            Breakage::BadToken(t) => request.token(t.clone()),
        }
    }
}

impl fmt::Debug for Breakage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Breakage::VoiceNameOverLimit(s) => {
                write!(f, "VoiceNameOverLimit({})", describe_text(s))
            }
            Breakage::TextOverLimit(s) => write!(f, "TextOverLimit({})", describe_text(s)),
            Breakage::UnsupportedLanguage(s) => write!(f, "UnsupportedLanguage({s:?})"),
            Breakage::UnsupportedAudioFormat(s) => write!(f, "UnsupportedAudioFormat({s:?})"),
            Breakage::FileOverLimit(b) => write!(f, "FileOverLimit({b} bytes)"),
            Breakage::NotAudio(s) => write!(f, "NotAudio({})", describe_text(s)),
            Breakage::DuplicatedField(s) => write!(f, "DuplicatedField({s:?})"),
            Breakage::BadToken(t) => write!(f, "BadToken({t:?})"),
            Breakage::VoiceNameMissing => f.write_str("VoiceNameMissing"),
            Breakage::FileMissing => f.write_str("FileMissing"),
            Breakage::SecondFile => f.write_str("SecondFile"),
            Breakage::NotMultipart => f.write_str("NotMultipart"),
        }
    }
}

/// Each way to break a request; big uploads are rare, so a run stays fast.
pub fn breakage() -> impl Strategy<Value = Breakage> {
    prop_oneof![
        3 => voice_name_over_limit().prop_map(Breakage::VoiceNameOverLimit),
        1 => Just(Breakage::VoiceNameMissing),
        2 => text_over_limit().prop_map(Breakage::TextOverLimit),
        2 => unsupported_language().prop_map(Breakage::UnsupportedLanguage),
        1 => unsupported_format().prop_map(Breakage::UnsupportedAudioFormat),
        1 => Just(Breakage::FileMissing),
        1 => Just(Breakage::SecondFile),
        1 => file_size_over_limit().prop_map(Breakage::FileOverLimit),
        1 => "[a-zA-Z ]{1,40}".prop_map(|t| Breakage::NotAudio(format!("not audio: {t}"))),
        1 => proptest::sample::select(vec!["voice_name", "language", "audio_format"])
            .prop_map(|f| Breakage::DuplicatedField(f.to_owned())),
        1 => Just(Breakage::NotMultipart),
        2 => bad_token().prop_map(Breakage::BadToken),
    ]
}

prop_compose! {
    /// A request broken in exactly one way: the valid sample (the speech WAV) with one [`Breakage`].
    pub fn broken_request()(b in breakage()) -> (Breakage, CloneRequest) {
        let req = b.apply(CloneRequest::valid_sample());
        (b, req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    #[test]
    fn strings_have_exactly_the_asked_bytes_and_mix_widths() {
        let s = utf8_of_bytes(129, &[(2, 0), (0, 1), (3, 2), (1, 0)]);
        assert_eq!(s.len(), 129);
        let widths: std::collections::BTreeSet<usize> = s.chars().map(char::len_utf8).collect();
        assert_eq!(widths.into_iter().collect::<Vec<_>>(), [1, 2, 3, 4]);
    }

    #[test]
    fn generated_names_fall_on_their_side_of_the_limit() {
        let mut runner = TestRunner::deterministic();
        for _ in 0..200 {
            let ok = voice_name_within_limit()
                .new_tree(&mut runner)
                .unwrap()
                .current();
            let over = voice_name_over_limit()
                .new_tree(&mut runner)
                .unwrap()
                .current();
            assert!((1..=128).contains(&ok.len()), "{}", ok.len());
            assert!(over.len() > 128, "{}", over.len());
        }
    }

    #[test]
    fn an_over_limit_name_shrinks_to_129_ascii_bytes() {
        let mut runner = TestRunner::deterministic();
        let mut tree = voice_name_over_limit().new_tree(&mut runner).unwrap();
        while tree.simplify() {}
        assert_eq!(tree.current(), "a".repeat(129));
    }

    #[test]
    fn unsupported_languages_are_never_listed_ones() {
        let mut runner = TestRunner::deterministic();
        for _ in 0..200 {
            let l = unsupported_language()
                .new_tree(&mut runner)
                .unwrap()
                .current();
            assert!(!LANGUAGES.contains(&l.as_str()), "{l}");
        }
    }

    #[test]
    fn sizes_stay_off_the_ambiguous_band_between_10_000_000_and_10_mib() {
        let mut runner = TestRunner::deterministic();
        for _ in 0..100 {
            let ok = file_size_within_limit()
                .new_tree(&mut runner)
                .unwrap()
                .current();
            let over = file_size_over_limit()
                .new_tree(&mut runner)
                .unwrap()
                .current();
            assert!(ok <= 10_000_000 && ok % 2 == 0);
            assert!(over > 10 * 1024 * 1024 && over % 2 == 0);
        }
    }
}
