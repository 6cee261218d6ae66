//! The choices of the fidelity ledger (`mock-server/src/fidelity.rs`) through HTTP: the documented clone
//! answer and its setting, `audio_format`, the plans that may clone, the list and speech permissions, the
//! speech and list parameters as Coze's current pages document them, the error status setting, and where
//! the ledger itself is served.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use coze_mock::config::Config;
use coze_mock::MockServer;
use serde_json::{json, Value};

use crate::support::api::Api;
use crate::support::binary::Reaped;
use crate::support::clone_form::CloneForm;
use crate::support::defaults::{SYSTEM_VOICE, TOKEN};
use crate::support::team::{clone_request, spawn_app, spawn_app_with};

fn audio_fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/audio")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The real refusal of coze-dev/coze-js#100, for `resource`.
fn real_4101(resource: &str) -> String {
    format!(
        "Your connector token does not have permission to access {resource}. Please verify whether the \
         resource ID or token is correct, and ensure that the necessary permissions are enabled at \
         https://www.coze.cn/open/oauth/apps. For further details, please refer to the documentation at \
         https://www.coze.cn/docs/developer_guides/authentication."
    )
}

async fn server_with(toml: &str) -> (MockServer, Api) {
    let mut config = Config::default();
    let extra = Config::from_toml(toml).expect("valid TOML");
    config.fidelity = extra.fidelity;
    config.rules = extra.rules;
    config.system_voices = extra.system_voices;
    let server = MockServer::start_with(config).await;
    let api = Api::new(server.uri());
    (server, api)
}

#[tokio::test]
async fn ogg_opus_the_sdks_ogg_value_is_accepted_for_ogg_audio() {
    let app = spawn_app().await;
    clone_request()
        .field("audio_format", "ogg_opus")
        .file(audio_fixture("speech-opus.ogg"), Some("voice.ogg"))
        .send(&app.api)
        .await
        .assert_ok();
}

/// 「pcm、m4a必传，其余可选」 (Coze's service types); an empty value is "not given".
#[tokio::test]
async fn audio_format_is_required_for_m4a_and_pcm_and_optional_otherwise() {
    let app = spawn_app().await;
    for (file, name) in [
        ("speech-faststart.m4a", "voice.m4a"),
        ("speech-24k.pcm", "voice.pcm"),
    ] {
        for sent in [None, Some("")] {
            let answer = clone_request()
                .without("audio_format")
                .field_if("audio_format", sent)
                .file(audio_fixture(file), Some(name))
                .send(&app.api)
                .await;
            answer.assert_refused(4000, "audio_format.required");
        }
    }
    clone_request()
        .field("audio_format", "m4a")
        .file(audio_fixture("speech-faststart.m4a"), Some("voice.m4a"))
        .send(&app.api)
        .await
        .assert_ok();
    clone_request()
        .field("audio_format", "")
        .send(&app.api)
        .await
        .assert_ok();
}

/// `[fidelity] audio_format_required = true`: the OpenAPI description requires it for every format.
#[tokio::test]
async fn with_audio_format_required_a_wav_without_it_is_refused() {
    let app = spawn_app_with("[fidelity]\naudio_format_required = true\n").await;
    clone_request()
        .without("audio_format")
        .send(&app.api)
        .await
        .assert_refused(4000, "audio_format.required");
    clone_request()
        .field("audio_format", "wav")
        .send(&app.api)
        .await
        .assert_ok();
}

/// `[rules] clone_plans = ["enterprise"]` (the current page): a team account gets the real 4101, and
/// `pat_mock`, an enterprise account, still clones.
#[tokio::test]
async fn with_enterprise_only_plans_a_team_gets_the_real_4101_and_pat_mock_clones() {
    let app = spawn_app_with("[rules]\nclone_plans = [\"enterprise\"]\n").await;
    let answer = clone_request().send(&app.api).await;
    answer.assert_refused(4101, "account.plan_cannot_clone");
    assert_eq!(answer.body()["msg"], real_4101("CloneVoice").as_str());
    let (_server, api) = server_with("[rules]\nclone_plans = [\"enterprise\"]\n").await;
    CloneForm::valid(TOKEN).send(&api).await.assert_ok();
}

#[tokio::test]
async fn listing_needs_list_voice_and_speech_needs_create_speech() {
    let app = spawn_app_with(
        r#"
        [[tokens]]
        value = "pat_clone_only"
        account = "team"
        personal_workspace = "7000000000000000001"
        permissions = ["createVoice"]

        [[tokens]]
        value = "pat_no_key"
        account = "team"
        personal_workspace = "7000000000000000001"
        "#,
    )
    .await;
    let list = app.api.list("pat_clone_only", "").await;
    list.assert_refused(4101, "auth.permission_missing");
    assert_eq!(list.body()["msg"], real_4101("ListVoice").as_str());
    let speech = app
        .api
        .speech(
            "pat_clone_only",
            json!({"input": "hi", "voice_id": SYSTEM_VOICE}),
        )
        .await;
    speech.assert_refused(4101, "auth.permission_missing");
    assert_eq!(speech.body()["msg"], real_4101("AudioSpeech").as_str());
    // A token declared without a `permissions` key has all three.
    clone_request()
        .token("pat_no_key")
        .send(&app.api)
        .await
        .assert_ok();
    app.api.list("pat_no_key", "").await.assert_ok();
    let speech = app
        .api
        .speech(
            "pat_no_key",
            json!({"input": "hi", "voice_id": SYSTEM_VOICE}),
        )
        .await;
    assert_eq!(speech.status, 200);
}

/// The issue's cases: 342 Chinese characters are 1,026 bytes; 2.5 is too fast for a cloned (large-model)
/// voice; loudness_rate 448; emotion_scale 7; an emotion outside the enum.
#[tokio::test]
async fn speech_parameters_are_checked_as_the_speech_page_documents_them() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    let cloned = api.new_voice(TOKEN, "speaker").await;
    let cases = [
        (
            json!({"input": "字".repeat(342), "voice_id": cloned}),
            "speech.input_max_bytes",
        ),
        (
            json!({"input": "hi", "voice_id": cloned, "speed": 2.5}),
            "speech.speed_range",
        ),
        (
            json!({"input": "hi", "voice_id": cloned, "speed": 0.3}),
            "speech.speed_range",
        ),
        (
            json!({"input": "hi", "voice_id": cloned, "loudness_rate": 448}),
            "speech.param_invalid",
        ),
        (
            json!({"input": "hi", "voice_id": cloned, "emotion_scale": 7}),
            "speech.param_invalid",
        ),
        (
            json!({"input": "hi", "voice_id": cloned, "emotion": "joyful"}),
            "speech.param_invalid",
        ),
        (
            json!({"input": "hi", "voice_id": cloned, "context_texts": ["sad"]}),
            "speech.body_invalid",
        ),
    ];
    for (body, rule) in cases {
        api.speech(TOKEN, body).await.assert_refused(4000, rule);
    }
    let ok = json!({"input": format!("{}a", "字".repeat(341)), "voice_id": cloned, "speed": 2,
        "loudness_rate": -50, "emotion": "happy", "emotion_scale": 5, "context_texts": "低沉地说"});
    assert_eq!(api.speech(TOKEN, ok).await.status, 200);
}

const EMOTIONAL_VOICES: &str = r#"
[[system_voices]]
voice_id = "7426720361732990001"
name = "多情感女声"
language = "zh"
support_emotions = [
  { emotion = "happy", display_name = "开心", emotion_scale_interval = { min = 1, max = 5, default = 4 } },
  { emotion = "sad", display_name = "悲伤", emotion_scale_interval = { min = 1, max = 5, default = 3 } },
]

[[system_voices]]
voice_id = "7426720361732990002"
name = "小模型男声"
language = "zh"
model_type = "small"
"#;

/// A multi-emotion voice lists its `support_emotions` and refuses an emotion it does not list; a
/// small-model voice takes speeds up to 3; a voice without `support_emotions` ignores `emotion` (the
/// ledger's `speech.emotion_without_support`).
#[tokio::test]
async fn emotions_and_speeds_follow_the_voice() {
    let (_server, api) = server_with(EMOTIONAL_VOICES).await;
    let list = api.list(TOKEN, "voice_state=all").await;
    let voices = list.data()["voice_list"].as_array().unwrap().clone();
    let emotional = voices
        .iter()
        .find(|v| v["voice_id"] == "7426720361732990001")
        .unwrap();
    assert_eq!(emotional["support_emotions"][1]["emotion"], "sad");
    assert_eq!(
        emotional["support_emotions"][0]["emotion_scale_interval"]["default"],
        4.0
    );
    let plain = voices
        .iter()
        .find(|v| v["voice_id"] == "7426720361732990002")
        .unwrap();
    assert!(plain.get("support_emotions").is_none(), "{plain}");

    let speak = |voice: &str, extra: Value| {
        let mut body = json!({"input": "你好", "voice_id": voice});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    api.speech(
        TOKEN,
        speak("7426720361732990001", json!({"emotion": "angry"})),
    )
    .await
    .assert_refused(4000, "speech.param_invalid");
    for (voice, extra) in [
        ("7426720361732990001", json!({"emotion": "sad"})),
        (
            "7426720361732990002",
            json!({"emotion": "angry", "speed": 3}),
        ),
    ] {
        let answer = api.speech(TOKEN, speak(voice, extra.clone())).await;
        assert_eq!(answer.status, 200, "{voice} {extra}");
    }
}

/// The list page's own example: `voice_state=` empty, which means "not given" (default `cloned`).
#[tokio::test]
async fn the_list_pages_own_example_answers_and_voice_state_defaults_to_cloned() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    let id = api.new_voice(TOKEN, "listed").await;
    let answer = api
        .list(
            TOKEN,
            "filter_system_voice=false&model_type=big&voice_state=&page_num=1&page_size=100",
        )
        .await;
    answer.assert_ok();
    let voices = answer.data()["voice_list"].as_array().unwrap().clone();
    assert!(voices.iter().any(|v| v["voice_id"] == id.as_str()));
    assert!(voices.iter().all(|v| v["state"] == "cloned"));
}

/// `[fidelity] error_status = "always_200"`: the same bodies on HTTP 200; an injected fault keeps the
/// status it was given.
#[tokio::test]
async fn with_always_200_errors_come_on_http_200_with_the_same_body() {
    let by_kind = spawn_app().await;
    let always = spawn_app_with("[fidelity]\nerror_status = \"always_200\"\n").await;
    for app in [&by_kind, &always] {
        app.api
            .admin_post(
                "/faults",
                json!({"path": "/v1/audio/voices", "method": "GET",
                       "action": {"kind": "envelope", "code": 4009, "msg": "busy", "status": 429}}),
            )
            .await
            .assert_ok();
    }
    let (a, b) = (
        clone_request().token("pat_nobody").send(&by_kind.api).await,
        clone_request().token("pat_nobody").send(&always.api).await,
    );
    assert_eq!((a.status, b.status), (401, 200));
    assert_eq!(
        (a.code(), a.body()["msg"].clone()),
        (b.code(), b.body()["msg"].clone())
    );
    b.assert_refused(4100, "auth.token_unknown");
    let fault = always.api.list("pat_team", "").await;
    assert_eq!((fault.status, fault.code()), (429, 4009));
}

/// coze-java's default speech request sends `"sample_rate":0` (an `int`): it means "not given".
#[tokio::test]
async fn coze_javas_zero_sample_rate_means_the_default() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    let answer = api
        .speech(
            TOKEN,
            json!({"input": "你好", "voice_id": SYSTEM_VOICE, "response_format": "wav", "speed": 1.0, "sample_rate": 0}),
        )
        .await;
    assert_eq!(answer.status, 200);
    let rate = u32::from_le_bytes(answer.bytes[24..28].try_into().unwrap());
    assert_eq!(rate, 24_000);
}

#[tokio::test]
async fn the_admin_api_serves_the_ledger_and_the_settings_in_force() {
    let app = spawn_app_with(
        "[fidelity]\nclone_answer = \"voice\"\n[limits]\nbody_deadline_secs = 2.5\n",
    )
    .await;
    let data = app.api.admin_get("/fidelity").await.data();
    assert_eq!(data["settings"]["clone_answer"], "voice");
    assert_eq!(data["settings"]["error_status"], "by_kind");
    assert_eq!(data["rules"]["clone_plans"], json!(["team", "enterprise"]));
    assert_eq!(data["limits"]["body_deadline_secs"], 2.5);
    let ids: Vec<_> = data["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<_> = coze_mock::__internals::fidelity::LEDGER
        .iter()
        .map(|p| p.id.to_owned())
        .collect();
    assert_eq!(ids, expected);
    assert!(data["ledger"][0]["certainty"].is_string());
}

#[test]
fn coze_mock_fidelity_prints_every_row_of_the_ledger() {
    let out = Command::new(env!("CARGO_BIN_EXE_coze-mock"))
        .arg("fidelity")
        .output()
        .expect("run coze-mock fidelity");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let markdown = Command::new(env!("CARGO_BIN_EXE_coze-mock"))
        .args(["fidelity", "--markdown"])
        .output()
        .expect("run coze-mock fidelity --markdown");
    assert_eq!(
        String::from_utf8(markdown.stdout).unwrap(),
        coze_mock::__internals::fidelity::markdown()
    );
    for p in coze_mock::__internals::fidelity::LEDGER {
        assert!(
            text.contains(p.id) && text.contains(p.evidence),
            "{} missing",
            p.id
        );
    }
}

/// The lines `coze-mock serve` prints at start-up, up to where its state lives.
fn startup_lines(config: Option<&str>) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_coze-mock"));
    command.args(["serve", "--addr", "127.0.0.1:0", "--in-memory"]);
    if let Some(toml) = config {
        let path = dir.path().join("coze-mock.toml");
        std::fs::write(&path, toml).unwrap();
        command.arg("--config").arg(path);
    }
    let mut child = Reaped::spawn(command.env("COZE_MOCK_LOG", "warn").stdout(Stdio::piped()));
    let mut lines = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let last = line.starts_with("state:");
        lines.push(line);
        if last {
            break;
        }
    }
    lines
}

#[test]
fn start_up_explains_the_cozepy_situation_under_the_documented_answer_only() {
    let lines = startup_lines(None);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("note:") && l.contains("cozepy") && l.contains("clone_answer")),
        "{lines:?}"
    );
    let lines = startup_lines(Some("[fidelity]\nclone_answer = \"voice\"\n"));
    assert!(!lines.iter().any(|l| l.contains("cozepy")), "{lines:?}");
}
