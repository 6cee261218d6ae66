use crate::support::api::Api;
use crate::support::defaults::TOKEN;
use crate::support::wav::wav_secs;

#[tokio::test]
async fn the_listed_preview_url_serves_a_wav_of_the_preview_text() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    let short_voice = api
        .clone_voice(TOKEN, "short preview", None, Some("你好"))
        .await
        .voice_id();
    let default_voice = api.new_voice(TOKEN, "default preview").await;

    let voices = api.cloned_voices(TOKEN).await;
    let short_url = voices
        .iter()
        .find(|v| v["voice_id"] == short_voice.as_str())
        .map(|v| v["preview_audio"].as_str().unwrap().to_owned())
        .unwrap();
    let default_url = voices
        .iter()
        .find(|v| v["voice_id"] == default_voice.as_str())
        .map(|v| v["preview_audio"].as_str().unwrap().to_owned())
        .unwrap();
    let http = &api.http;
    let fetch = |url: String| async move {
        let response = http.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "audio/wav");
        let announced = response.headers()["content-length"]
            .to_str()
            .unwrap()
            .to_owned();
        let bytes = response.bytes().await.unwrap().to_vec();
        assert_eq!(
            announced,
            bytes.len().to_string(),
            "streamed with an exact length"
        );
        bytes
    };
    let short = fetch(short_url).await;
    let default = fetch(default_url).await;

    assert!(
        wav_secs(&default) > wav_secs(&short),
        "the documented default text (28 characters) is longer than 你好"
    );
}

#[tokio::test]
async fn system_voices_have_previews_too_and_unknown_ids_do_not() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    let data = api.list(TOKEN, "").await.data();
    let url = data["voice_list"][0]["preview_audio"].as_str().unwrap();

    let path = url
        .strip_prefix(&api.base)
        .expect("preview URL on the server's own base");
    let preview = api.get(path).await;
    let missing = api
        .get("/__mock/preview_audio/7000000000000000000.wav")
        .await;

    assert!(wav_secs(&preview.bytes) > 1.0);
    missing.assert_refused(4200, "voice.unknown");
}
