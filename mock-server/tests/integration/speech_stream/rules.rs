use coze_mock::__internals::synth::Speech;
use coze_mock::rules::SpeechFormat;
use coze_mock::MockServer;
use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error, Message};

use super::{audio, connect, error_code, open, types, ws_url};
use crate::support::defaults::{SYSTEM_VOICE, TOKEN};
use crate::support::team::spawn_app;

/// A refused handshake: its HTTP status and envelope.
async fn refused(
    request: tokio_tungstenite::tungstenite::handshake::client::Request,
) -> (u16, String, Value) {
    match open(request).await {
        Err(Error::Http(response)) => {
            let status = response.status().as_u16();
            let rule = response.headers()["x-coze-mock-rule"]
                .to_str()
                .unwrap()
                .to_owned();
            assert_eq!(
                response.headers()["x-tt-logid"].len(),
                34,
                "a refused handshake carries the API's logid"
            );
            let body = response.into_body().expect("an envelope");
            (status, rule, serde_json::from_slice(&body).unwrap())
        }
        Err(other) => panic!("a refused handshake answers HTTP, not {other}"),
        Ok(_) => panic!("the handshake was accepted"),
    }
}

fn handshake(
    base: &str,
    query: &str,
    token: Option<&str>,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let mut request = ws_url(base, query).into_client_request().unwrap();
    if let Some(token) = token {
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    request
}

#[tokio::test]
async fn the_token_is_taken_from_the_header_or_the_authorization_query_parameter() {
    let server = MockServer::start().await;
    let mut by_header = connect(&server.uri(), TOKEN).await;
    assert_eq!(by_header.next_event().await["event_type"], "speech.created");
    let query = format!("?authorization=Bearer%20{TOKEN}");
    let mut by_query = open(handshake(&server.uri(), &query, None)).await.unwrap();
    assert_eq!(by_query.next_event().await["event_type"], "speech.created");
    let speech = by_query.speak("你好").await;
    assert!(!audio(&speech).is_empty());
}

#[tokio::test]
async fn a_refused_handshake_answers_the_apis_envelope_before_any_upgrade() {
    let app = spawn_app().await;
    let base = app.server.uri();
    for (token, status, code, rule) in [
        (None, 401, 4100, "auth.header_missing"),
        (Some("pat_unknown"), 401, 4100, "auth.token_unknown"),
        (Some("pat_expired"), 401, 4100, "auth.token_expired"),
        (
            Some("pat_no_permission"),
            403,
            4101,
            "auth.permission_missing",
        ),
    ] {
        let (got_status, got_rule, envelope) = refused(handshake(&base, "", token)).await;
        assert_eq!(
            (got_status, envelope["code"].as_i64(), got_rule.as_str()),
            (status, Some(code), rule),
            "{token:?}"
        );
    }
    let (status, _, envelope) = refused(handshake(
        &base,
        "?authorization=Bearer%20pat_unknown",
        None,
    ))
    .await;
    assert_eq!((status, envelope["code"].as_i64()), (401, Some(4100)));
    let msg = envelope["msg"].as_str().unwrap();
    assert!(msg.contains("authentication is invalid"), "{msg}");
}

#[tokio::test]
async fn a_plain_get_that_is_no_handshake_is_refused_with_4000() {
    let server = MockServer::start().await;
    let answer = reqwest::Client::new()
        .get(format!("{}/v1/audio/speech", server.uri()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    assert_eq!(
        answer.headers()["x-coze-mock-rule"],
        "speech_stream.upgrade_required"
    );
    let envelope: Value = answer.json().await.unwrap();
    assert_eq!(envelope["code"], 4000);
}

#[tokio::test]
async fn speech_update_changes_voice_codec_rate_and_speed_and_answers_the_whole_configuration() {
    let app = spawn_app().await;
    let voice = app.api.new_voice("pat_team", "jay").await;
    let mut ws = connect(&app.server.uri(), "pat_team").await;
    ws.next_event().await;
    let default_audio = audio(&ws.speak("一二三四").await);

    ws.update(json!({"voice_id": voice, "codec": "pcm", "pcm_config": {"sample_rate": 16000}, "speech_rate": 100}))
        .await;
    let updated = ws.next_event().await;
    assert_eq!(updated["event_type"], "speech.updated");
    assert_eq!(
        updated["data"]["output_audio"],
        json!({"codec": "pcm", "pcm_config": {"sample_rate": 16000}, "speech_rate": 100, "voice_id": voice})
    );
    let fast = audio(&ws.speak("一二三四").await);
    let speech = |voice: &str, speed: f64, rate: u32| {
        Speech::new("一二三四。", voice, speed, rate, SpeechFormat::Pcm).len() as usize
    };
    let first_voice = &coze_mock::config::Config::default().system_voices[0].voice_id;
    assert_eq!(default_audio.len(), speech(first_voice, 1.0, 24_000));
    assert_eq!(
        fast.len(),
        speech(&voice, 2.0, 16_000),
        "16 kHz at double speed"
    );

    ws.update(json!({"codec": "g711a"})).await;
    let updated = ws.next_event().await;
    assert_eq!(
        updated["data"]["output_audio"]["pcm_config"]["sample_rate"],
        8000
    );
    assert_eq!(
        updated["data"]["output_audio"]["voice_id"],
        voice.as_str(),
        "kept"
    );
    let alaw = audio(&ws.speak("一二三四").await);
    ws.update(json!({"codec": "pcm"})).await;
    ws.next_event().await;
    let pcm_8k = audio(&ws.speak("一二三四").await);
    assert_eq!(alaw.len() * 2, pcm_8k.len(), "G.711: one byte a sample");

    ws.update(json!({"codec": "opus", "speech_rate": -50}))
        .await;
    ws.next_event().await;
    let opus = audio(&ws.speak("一二三四").await);
    assert_eq!(&opus[..4], b"OggS");
}

#[tokio::test]
async fn over_1024_bytes_in_one_request_is_3010_and_the_session_stays_usable() {
    let server = MockServer::start().await;
    let mut ws = connect(&server.uri(), TOKEN).await;
    ws.next_event().await;
    // 342 characters of 3 bytes: 1,026 bytes in one append.
    ws.append(&"字".repeat(342)).await;
    assert_eq!(error_code(&mut ws).await, 3010);
    // 1,024 bytes in pieces are accepted; one more byte is not.
    ws.append(&"字".repeat(300)).await;
    ws.append(&format!("{}a", "字".repeat(41))).await;
    ws.append("b").await;
    let error = ws.next_event().await;
    assert_eq!(error["data"]["code"], 3010);
    assert!(
        error["data"]["msg"]
            .as_str()
            .unwrap()
            .contains("1025 bytes"),
        "{error}"
    );
    assert_eq!(
        error["detail"]["origin_message"],
        json!({"event_type": "input_text_buffer.append", "data": {"delta": "b"}}).to_string()
    );
    ws.complete().await;
    let spoken = ws.until("speech.audio.completed").await;
    assert_eq!(spoken[0]["event_type"], "input_text_buffer.completed");
    assert!(
        audio(&spoken).len() > 341 * 2400 * 2 / 2,
        "the 1,024 accepted bytes were spoken"
    );
}

#[tokio::test]
async fn unknown_and_other_workspaces_voices_are_refused_as_http_speech_refuses_them() {
    let app = spawn_app().await;
    let colleagues = app.api.new_voice("pat_colleague", "theirs").await;
    let mut ws = connect(&app.server.uri(), "pat_team").await;
    ws.next_event().await;
    ws.update(json!({"voice_id": "7000000000000009999"})).await;
    assert_eq!(error_code(&mut ws).await, 4200);
    ws.update(json!({"voice_id": colleagues})).await;
    assert_eq!(error_code(&mut ws).await, 4101);
    ws.update(json!({"voice_id": SYSTEM_VOICE})).await;
    assert_eq!(ws.next_event().await["event_type"], "speech.updated");
}

#[tokio::test]
async fn bad_parameters_events_json_and_binary_frames_get_error_events_and_change_nothing() {
    let server = MockServer::start().await;
    let mut ws = connect(&server.uri(), TOKEN).await;
    ws.next_event().await;
    for output_audio in [
        json!({"codec": "mp3"}),
        json!({"pcm_config": {"sample_rate": 11025}}),
        json!({"speech_rate": 101}),
        json!({"speech_rate": -51}),
        json!({"speech_rate": 1.5}),
        json!({"codec": "g711u", "pcm_config": {"sample_rate": 16000}}),
        json!({"voice_id": 7}),
    ] {
        ws.update(output_audio.clone()).await;
        let error = ws.next_event().await;
        assert_eq!(error["event_type"], "error", "{output_audio}");
        assert_eq!(error["data"]["code"], 4000, "{output_audio}");
    }
    ws.send(json!({"event_type": "speech.start"})).await;
    assert_eq!(error_code(&mut ws).await, 4000);
    ws.stream.send(Message::text("{not json")).await.unwrap();
    assert_eq!(error_code(&mut ws).await, 4000);
    ws.stream
        .send(Message::binary(vec![0u8; 64]))
        .await
        .unwrap();
    assert_eq!(error_code(&mut ws).await, 4000);
    ws.send(json!({"event_type": "input_text_buffer.append"}))
        .await;
    assert_eq!(error_code(&mut ws).await, 4000);
    // Nothing changed: the default configuration speaks.
    ws.update(json!({})).await;
    let updated = ws.next_event().await;
    assert_eq!(updated["data"]["output_audio"]["codec"], "pcm");
    assert_eq!(
        updated["data"]["output_audio"]["pcm_config"]["sample_rate"],
        24000
    );
    assert_eq!(updated["data"]["output_audio"]["speech_rate"], 0);
}

#[tokio::test]
async fn several_rounds_in_one_session_each_get_their_events_in_the_recorded_order() {
    let server = MockServer::start().await;
    let mut ws = connect(&server.uri(), TOKEN).await;
    assert_eq!(ws.next_event().await["event_type"], "speech.created");
    for text in ["你好！今天天气不错。", "再见", ""] {
        let events = ws.speak(text).await;
        let kinds = types(&events);
        assert_eq!(kinds[0], "input_text_buffer.completed");
        assert_eq!(kinds.last().unwrap(), "speech.audio.completed");
        let sentences: Vec<&Value> = events
            .iter()
            .filter(|e| e["event_type"] == "conversation.audio.sentence_start")
            .map(|e| &e["data"]["text"])
            .collect();
        let expected: Vec<Value> = match text {
            "你好！今天天气不错。" => vec![json!("你好！"), json!("今天天气不错。")],
            "再见" => vec![json!("再见。")],
            _ => vec![],
        };
        assert_eq!(sentences, expected.iter().collect::<Vec<_>>(), "{text}");
        assert_eq!(audio(&events).is_empty(), text.is_empty(), "{text}");
    }
}

#[tokio::test]
async fn pcm_config_frame_size_sets_the_chunk_duration() {
    let server = MockServer::start().await;
    let mut ws = connect(&server.uri(), TOKEN).await;
    ws.next_event().await;
    ws.update(json!({"pcm_config": {"sample_rate": 16000, "frame_size_ms": 20}}))
        .await;
    ws.next_event().await;
    let events = ws.speak("你好").await;
    let chunks: Vec<usize> = events
        .iter()
        .filter(|e| e["event_type"] == "speech.audio.update")
        .map(|e| e["data"]["delta"].as_str().unwrap().len())
        .collect();
    // 20 ms of 16 kHz pcm: 640 bytes, 856 characters of base64.
    assert!(
        chunks[..chunks.len() - 1].iter().all(|c| *c == 856),
        "{chunks:?}"
    );
}
