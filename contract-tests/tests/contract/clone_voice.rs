//! The Body table of the page: each documented limit on its two sides, missing and duplicated fields,
//! multipart, and the two successes (a new voice, a retrain). Requests the page rejects run against the
//! real API by default; those that succeed there spend a clone and need the spend opt-in.

use contract_tests::contract::{
    CLONE_DATA_FIELDS, CODE_FILE_MISSING, CODE_FILE_TYPE_UNSUPPORTED, CODE_INVALID_PARAMETER,
    CODE_NOT_FOUND, CODE_TOO_MANY_FILES, CODE_WER_ERROR, EMPTY_FILE_CODE,
    FOREIGN_VOICE_RETRAIN_CODE, LANGUAGES, LOGID_LEN, TEXT_MAX_BYTES, VOICE_NAME_MAX_BYTES,
};
use contract_tests::request::{FOREIGN_VOICE_ID, RETRAIN_VOICE_ID};
use contract_tests::response::LOGID_HEADER;
use contract_tests::{assert_contract_snapshot, Api, CloneRequest};

#[tokio::test]
async fn a_valid_request_clones_a_new_voice() {
    // Arrange
    let api = Api::from_env().await;
    if !api.may_spend(1, "clone one new voice") {
        return;
    }
    let req = CloneRequest::valid_sample();
    // Act
    let resp = api.clone_voice(&req).await;
    // Assert
    resp.check_envelope().unwrap();
    assert_eq!(resp.code(), Some(0), "{resp:#?}");
    let fields: Vec<_> = resp.body["data"]
        .as_object()
        .map(|d| d.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(fields, CLONE_DATA_FIELDS, "the documented clone answer");
    assert_contract_snapshot!("clone_success", req, resp);
}

/// 「训练后的音色会覆盖原音色，但音色 ID 不变。」
#[tokio::test]
async fn a_retrain_keeps_the_voice_id() {
    let api = Api::from_env().await;
    if !api.may_spend(2, "retrain a voice (on a fake, clone it first)") {
        return;
    }
    let voice_id = api.voice_to_retrain().await;
    let req = CloneRequest::valid_sample().voice_id(RETRAIN_VOICE_ID);
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(0), "{resp:#?}");
    assert_eq!(
        resp.voice_id(),
        Some(voice_id.as_str()),
        "the retrain changed the voice id"
    );
    assert_contract_snapshot!("retrain_success", req, resp);
}

#[tokio::test]
async fn retraining_a_voice_id_that_does_not_exist_is_refused_with_4200() {
    let api = Api::from_env().await;
    let req = CloneRequest::valid_sample().voice_id("7000000000000000999");
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(CODE_NOT_FOUND), "{resp:#?}");
    assert_contract_snapshot!("retrain_voice_not_found", req, resp);
}

/// 「即使在同一个企业或团队中，不同工作空间复刻的音色资源是独立的，不允许跨空间使用。」: a voice cloned in
/// another workspace of the same team cannot be retrained from this one (code: `FOREIGN_VOICE_RETRAIN_CODE`).
#[tokio::test]
async fn retraining_a_voice_of_another_workspace_of_the_team_is_refused() {
    let api = Api::from_env().await;
    if !api.has_foreign_voice() {
        return;
    }
    let req = CloneRequest::valid_sample().voice_id(FOREIGN_VOICE_ID);
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(FOREIGN_VOICE_RETRAIN_CODE), "{resp:#?}");
    assert_contract_snapshot!("retrain_foreign_workspace_voice", req, resp);
}

/// The logid of every answer is 34 characters (`LOGID_LEN`, the error-code page's example), in the body
/// and in the `X-Tt-Logid` header alike.
#[tokio::test]
async fn the_logid_is_34_characters_in_body_and_header() {
    let api = Api::from_env().await;
    let resp = api
        .clone_voice(&CloneRequest::valid_sample().without("voice_name"))
        .await;
    let body = resp.logid().expect("detail.logid");
    assert_eq!(body.len(), LOGID_LEN, "{body:?}");
    assert_eq!(
        resp.headers.get(LOGID_HEADER).map(String::as_str),
        Some(body)
    );
    resp.check_envelope().unwrap();
}

/// 「长度限制为 128 字节」: 43 × 「名」 is 129 bytes though only 43 characters.
#[tokio::test]
async fn a_voice_name_of_129_bytes_in_43_characters_is_rejected_with_4000() {
    let api = Api::from_env().await;
    let name = "名".repeat(43);
    assert_eq!(name.len(), VOICE_NAME_MAX_BYTES + 1);
    let req = CloneRequest::valid_sample().voice_name(name);
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(CODE_INVALID_PARAMETER), "{resp:#?}");
    assert_contract_snapshot!("voice_name_over_128_bytes", req, resp);
}

#[tokio::test]
async fn a_voice_name_of_exactly_128_bytes_is_accepted() {
    let api = Api::from_env().await;
    if !api.may_spend(1, "clone with a 128-byte name") {
        return;
    }
    let name = format!("{}ab", "名".repeat(42));
    assert_eq!(name.len(), VOICE_NAME_MAX_BYTES);
    let resp = api
        .clone_voice(&CloneRequest::valid_sample().voice_name(name))
        .await;
    assert_eq!(resp.code(), Some(0), "{resp:#?}");
}

/// 「voice_name 必选」
#[tokio::test]
async fn a_request_without_voice_name_is_rejected_with_4000() {
    let api = Api::from_env().await;
    let req = CloneRequest::valid_sample().without("voice_name");
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(CODE_INVALID_PARAMETER), "{resp:#?}");
    assert_contract_snapshot!("voice_name_missing", req, resp);
}

/// 「最大长度为 1024 字节」
#[tokio::test]
async fn a_text_of_1025_bytes_is_rejected_with_4000() {
    let api = Api::from_env().await;
    let text = format!("{}aa", "音".repeat(341)); // 341 × 3 + 2 bytes
    assert_eq!(text.len(), TEXT_MAX_BYTES + 1);
    let req = CloneRequest::valid_sample().text(text);
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(CODE_INVALID_PARAMETER), "{resp:#?}");
    assert_contract_snapshot!("text_over_1024_bytes", req, resp);
}

/// 「若差异过大会报错 1109 WERError」. May spend: if the real API did not compare, it would clone.
#[tokio::test]
async fn a_text_unlike_the_speech_is_rejected_with_1109() {
    let api = Api::from_env().await;
    if !api.may_spend(1, "a WERError request (clones if the API does not compare)") {
        return;
    }
    let req = CloneRequest::valid_sample().text("The quick brown fox jumps over the lazy dog.");
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(CODE_WER_ERROR), "{resp:#?}");
    assert_contract_snapshot!("text_wer_error", req, resp);
}

#[tokio::test]
async fn a_text_matching_the_speech_is_accepted() {
    let api = Api::from_env().await;
    if !api.may_spend(1, "clone with the speech's transcript as text") {
        return;
    }
    let resp = api
        .clone_voice(&CloneRequest::valid_sample().matching_text())
        .await;
    assert_eq!(resp.code(), Some(0), "{resp:#?}");
}

#[tokio::test]
async fn a_language_the_page_does_not_list_is_rejected_with_4000() {
    let api = Api::from_env().await;
    let req = CloneRequest::valid_sample().language("fr");
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(CODE_INVALID_PARAMETER), "{resp:#?}");
    assert_contract_snapshot!("language_unsupported", req, resp);
}

/// 「zh：中文 en：英文 ja：日语 es：西班牙语 id：印度尼西亚语 pt：葡萄牙语」
#[tokio::test]
async fn each_listed_language_is_accepted() {
    let api = Api::from_env().await;
    if !api.may_spend(LANGUAGES.len() as u32, "one clone per listed language") {
        return;
    }
    for language in LANGUAGES {
        let resp = api
            .clone_voice(&CloneRequest::valid_sample().language(language))
            .await;
        assert_eq!(resp.code(), Some(0), "language {language}: {resp:#?}");
    }
}

#[tokio::test]
async fn an_audio_format_the_page_does_not_list_is_rejected_with_4303() {
    let api = Api::from_env().await;
    let req = CloneRequest::valid_sample().audio_format("flac");
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(CODE_FILE_TYPE_UNSUPPORTED), "{resp:#?}");
    assert_contract_snapshot!("audio_format_unsupported", req, resp);
}

#[tokio::test]
async fn a_request_without_a_file_is_rejected_with_4300() {
    let api = Api::from_env().await;
    let req = CloneRequest::valid_sample().without_file();
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(CODE_FILE_MISSING), "{resp:#?}");
    assert_contract_snapshot!("file_missing", req, resp);
}

/// 4300 「上传文件时文件为空」 (error-code page): a file part without a byte.
#[tokio::test]
async fn an_empty_file_is_rejected_with_4300() {
    let api = Api::from_env().await;
    let req = CloneRequest::valid_sample().file(
        contract_tests::audio::AudioSpec::Raw {
            text: String::new(),
        },
        "speech.wav",
    );
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(EMPTY_FILE_CODE), "{resp:#?}");
    assert_contract_snapshot!("file_empty", req, resp);
}

/// 「每次最多上传1个音频文件。」
#[tokio::test]
async fn a_request_with_two_files_is_rejected_with_4301() {
    let api = Api::from_env().await;
    let req = CloneRequest::valid_sample().duplicate_field("file");
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(CODE_TOO_MANY_FILES), "{resp:#?}");
    assert_contract_snapshot!("file_twice", req, resp);
}

/// Inferred: each field of the Body table is one String, so two values are not a valid parameter.
#[tokio::test]
async fn a_voice_name_sent_twice_is_rejected_with_4000() {
    let api = Api::from_env().await;
    let req = CloneRequest::valid_sample().duplicate_field("voice_name");
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(CODE_INVALID_PARAMETER), "{resp:#?}");
    assert_contract_snapshot!("field_duplicated", req, resp);
}

/// 「必须使用 multipart/form-data 方式上传音频文件。」
#[tokio::test]
async fn a_json_body_is_rejected_with_4300() {
    let api = Api::from_env().await;
    let req = CloneRequest::valid_sample().as_json();
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(CODE_FILE_MISSING), "{resp:#?}");
    assert_contract_snapshot!("body_not_multipart", req, resp);
}
