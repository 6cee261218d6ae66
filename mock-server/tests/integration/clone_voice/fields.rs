use crate::support::team::{clone_request, spawn_app, spawn_app_with, WHOLE_VOICE_ANSWER};

/// The documented answer (the page, coze-go, coze-java, coze-js, Coze's service types): `data` is
/// `{"voice_id"}` and nothing else.
#[tokio::test]
async fn a_valid_clone_answers_the_documented_voice_id_only() {
    let app = spawn_app().await;
    let answer = clone_request().send(&app.api).await;
    answer.assert_ok();
    let data = answer.body()["data"].as_object().unwrap().clone();
    assert_eq!(data.keys().collect::<Vec<_>>(), ["voice_id"]);
    assert_eq!(answer.voice_id().len(), 19);
}

/// `[fidelity] clone_answer = "voice"`: the whole voice, which cozepy 0.20.0's `clone()` parses.
#[tokio::test]
async fn with_clone_answer_voice_a_clone_answers_the_whole_voice() {
    let app = spawn_app_with(WHOLE_VOICE_ANSWER).await;
    let answer = clone_request()
        .field("language", "en")
        .field("preview_text", "hello there")
        .send(&app.api)
        .await;
    answer.assert_ok();
    let data = &answer.body()["data"];
    let id = answer.voice_id();
    assert_eq!(id.len(), 19, "voice ids have 19 digits: {id}");
    assert!(id.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(data["name"], "jay");
    assert_eq!(data["language_code"], "en");
    assert_eq!(data["preview_text"], "hello there");
    assert_eq!(data["is_system_voice"], false);
    assert_eq!(data["available_training_times"], 9);
    assert_eq!(data["state"], "cloned");
    let preview = data["preview_audio"].as_str().unwrap();
    assert!(
        preview.starts_with(&format!("{}/", app.server.uri())),
        "{preview}"
    );
}

#[tokio::test]
async fn voice_name_is_required() {
    let app = spawn_app().await;
    let answer = clone_request().without("voice_name").send(&app.api).await;
    answer.assert_refused(4000, "voice_name.required");
    assert_eq!(answer.status, 400);
}

/// 「长度限制为 128 字节」: 42 × 「名」 + "ab" is 128 bytes, 43 × 「名」 is 129.
#[tokio::test]
async fn voice_name_is_limited_to_128_bytes_not_characters() {
    let app = spawn_app().await;
    let at_limit = format!("{}ab", "名".repeat(42));
    assert_eq!(at_limit.len(), 128);
    clone_request()
        .field("voice_name", &at_limit)
        .send(&app.api)
        .await
        .assert_ok();
    let answer = clone_request()
        .field("voice_name", &"名".repeat(43))
        .send(&app.api)
        .await;
    answer.assert_refused(4000, "voice_name.max_bytes");
    assert!(answer.body()["msg"].as_str().unwrap().contains("129 bytes"));
}

/// 「最大长度为 1024 字节」.
#[tokio::test]
async fn text_is_limited_to_1024_bytes() {
    let app = spawn_app().await;
    clone_request()
        .field("text", &"你".repeat(341))
        .send(&app.api)
        .await
        .assert_ok();
    clone_request()
        .field("text", &"a".repeat(1024))
        .send(&app.api)
        .await
        .assert_ok();
    clone_request()
        .field("text", &"a".repeat(1025))
        .send(&app.api)
        .await
        .assert_refused(4000, "text.max_bytes");
}

#[tokio::test]
async fn each_documented_language_is_accepted() {
    let app = spawn_app_with(WHOLE_VOICE_ANSWER).await;
    for code in ["zh", "en", "ja", "es", "id", "pt"] {
        let answer = clone_request().field("language", code).send(&app.api).await;
        answer.assert_ok();
        assert_eq!(answer.body()["data"]["language_code"], code);
    }
}

#[tokio::test]
async fn an_undocumented_language_is_refused() {
    let app = spawn_app().await;
    for code in ["fr", "ZH", "zh-CN", "中文"] {
        clone_request()
            .field("language", code)
            .send(&app.api)
            .await
            .assert_refused(4000, "language.supported");
    }
}

/// 「未指定文案时，使用默认文案」.
#[tokio::test]
async fn preview_text_defaults_to_the_documented_text() {
    let app = spawn_app_with(WHOLE_VOICE_ANSWER).await;
    let answer = clone_request().send(&app.api).await;
    assert_eq!(
        answer.body()["data"]["preview_text"],
        "你好，我是你的专属AI克隆声音，希望未来可以一起好好相处哦"
    );
}

/// The page's curl example sends `audio_format`, cozepy sends `audio_format` and `description`.
#[tokio::test]
async fn fields_real_clients_send_beyond_the_table_are_accepted_and_checked() {
    let app = spawn_app().await;
    clone_request()
        .field("audio_format", "wav")
        .field("description", "a calm voice")
        .send(&app.api)
        .await
        .assert_ok();
    clone_request()
        .field("audio_format", "flac")
        .send(&app.api)
        .await
        .assert_refused(4303, "audio_format.supported");
}

#[tokio::test]
async fn a_field_sent_twice_is_refused() {
    let app = spawn_app().await;
    clone_request()
        .extra_field("voice_name", "jay2")
        .send(&app.api)
        .await
        .assert_refused(4000, "body.duplicate_field");
}
