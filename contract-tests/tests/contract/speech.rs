//! `POST /v1/audio/speech` (语音合成), as its current page states it. The real API bills speech
//! (「调用语音合成 API 会产生语音合成费用」), so on the real target each test needs the spend opt-in and is
//! skipped, with the reason printed, without it.

use contract_tests::assert_contract_snapshot;
use contract_tests::contract::{
    FILTER_SYSTEM_VOICE, SPEECH_FORMATS, SPEECH_INPUT_MAX_BYTES, SPEECH_REFUSAL_CODE,
    SPEECH_SAMPLE_RATES,
};
use contract_tests::list::{voice_ids, ListQuery};
use contract_tests::speech::{sniff_audio, wav_sample_rate, SpeechAnswer, SpeechRequest};
use contract_tests::Api;
use serde_json::json;

/// A voice the main token may speak with: the first the list gives (「合成音频文件之前，可以先调用查看音色
/// 列表 API，查看所有可用音色」).
async fn a_listed_voice(api: &Api) -> String {
    let resp = api
        .list_voices(
            &ListQuery::new()
                .param(FILTER_SYSTEM_VOICE, false)
                .param("page_size", 1),
        )
        .await;
    voice_ids(&resp)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("the target lists no voice to speak with: {resp:#?}"))
}

/// Asserts that `answer` is audio, not an envelope: 「如果成功调用此 API，接口会直接返回语音文件的内容」.
fn assert_audio(answer: &SpeechAnswer, what: &str) {
    assert!(
        answer.envelope().is_none() && !answer.bytes.is_empty(),
        "{what}: expected audio, got status {} {:?}",
        answer.status,
        answer.envelope()
    );
    assert_eq!(answer.status, 200, "{what}");
}

/// Asserts that `answer` is the envelope of a refused field: 「如果调用此 API 失败，返回信息中包含 code 和 msg
/// 字段」, code 4000 (inferred).
fn assert_refused(answer: &SpeechAnswer, what: &str) -> contract_tests::CapturedResponse {
    let envelope = answer.envelope().unwrap_or_else(|| {
        panic!(
            "{what}: expected a refusal, got {} bytes of {}",
            answer.bytes.len(),
            sniff_audio(&answer.bytes)
        )
    });
    assert_eq!(envelope.check_envelope_shape(), Ok(()), "{what}");
    assert_eq!(
        envelope.code(),
        Some(SPEECH_REFUSAL_CODE),
        "{what}: {envelope:#?}"
    );
    envelope
}

/// `response_format`: each of wav, pcm, ogg_opus and mp3 answers audio whose bytes are that format (pcm
/// has no header: it is neither of the others), and mp3 is the default (「mp3：（默认）」).
#[tokio::test]
async fn each_documented_response_format_answers_audio_in_that_format() {
    let api = Api::from_env().await;
    if !api.may_bill_speech(
        5,
        "one speech per documented format and one with the default",
    ) {
        return;
    }
    let voice = a_listed_voice(&api).await;
    for format in SPEECH_FORMATS {
        let request = SpeechRequest::new("你好呀", &voice).field("response_format", json!(format));
        let answer = api.speech(&request).await;
        assert_audio(&answer, format);
        let by_bytes = sniff_audio(&answer.bytes);
        let expected = if format == "pcm" { "raw" } else { format };
        assert_eq!(by_bytes, expected, "response_format {format}");
        if format == "wav" {
            assert_contract_snapshot!("speech_wav", request, answer.audio_shape());
        }
    }
    let default = api.speech(&SpeechRequest::new("你好呀", &voice)).await;
    assert_audio(&default, "no response_format");
    assert_eq!(sniff_audio(&default.bytes), "mp3", "the default format");
}

/// `input`: 「长度限制为 1024 字节」: bytes of UTF-8, not characters. 1,024 bytes (341 × 好 and one `a`)
/// are spoken; 342 × 好 is 342 characters but 1,026 bytes, and is refused.
#[tokio::test]
async fn input_is_limited_to_1024_bytes_not_characters() {
    let api = Api::from_env().await;
    if !api.may_bill_speech(2, "an input of exactly 1024 bytes, and one over") {
        return;
    }
    let voice = a_listed_voice(&api).await;
    let at_limit = format!("{}a", "好".repeat(341));
    assert_eq!(at_limit.len(), SPEECH_INPUT_MAX_BYTES);
    let answer = api
        .speech(&SpeechRequest::new(&at_limit, &voice).field("response_format", json!("wav")))
        .await;
    assert_audio(&answer, "1024 bytes of input");

    let over = "好".repeat(342);
    assert!(over.chars().count() <= SPEECH_INPUT_MAX_BYTES && over.len() > SPEECH_INPUT_MAX_BYTES);
    let request = SpeechRequest::new(&over, &voice);
    let answer = api.speech(&request).await;
    let envelope = assert_refused(&answer, "342 characters in 1026 bytes");
    assert_contract_snapshot!("speech_input_over_1024_bytes", request, envelope);
}

/// `sample_rate`, 「音频采样率，单位为 Hz」: a WAV answer states the rate asked for; a rate the page does
/// not list (8000 … 48000) is refused.
#[tokio::test]
async fn a_wav_answer_has_the_sample_rate_asked_for_and_an_unlisted_rate_is_refused() {
    let api = Api::from_env().await;
    if !api.may_bill_speech(2, "a 16 kHz WAV, and a rate the page does not list") {
        return;
    }
    let voice = a_listed_voice(&api).await;
    assert!(SPEECH_SAMPLE_RATES.contains(&16000));
    let answer = api
        .speech(
            &SpeechRequest::new("你好呀", &voice)
                .field("response_format", json!("wav"))
                .field("sample_rate", json!(16000)),
        )
        .await;
    assert_audio(&answer, "sample_rate 16000");
    assert_eq!(wav_sample_rate(&answer.bytes), Some(16000));

    let request = SpeechRequest::new("你好呀", &voice).field("sample_rate", json!(12345));
    let envelope = assert_refused(&api.speech(&request).await, "sample_rate 12345");
    assert_contract_snapshot!("speech_sample_rate_unlisted", request, envelope);
}

/// `response_format` 「支持设置为」 wav, pcm, ogg_opus, mp3 only; and `input`, `voice_id` are 必选.
#[tokio::test]
async fn an_unlisted_format_or_a_missing_required_field_is_refused() {
    let api = Api::from_env().await;
    if !api.may_bill_speech(3, "three requests the page refuses (billed if accepted)") {
        return;
    }
    let voice = a_listed_voice(&api).await;
    let request = SpeechRequest::new("你好呀", &voice).field("response_format", json!("flac"));
    let envelope = assert_refused(&api.speech(&request).await, "response_format flac");
    assert_contract_snapshot!("speech_response_format_unlisted", request, envelope);
    for field in ["input", "voice_id"] {
        let request = SpeechRequest::new("你好呀", &voice).without(field);
        assert_refused(&api.speech(&request).await, &format!("no {field}"));
    }
}
