//! Every fixture of `fixtures/audio` through the endpoint, with the verdict `fixtures/audio/verdicts.toml`
//! gives it, under the default policy and under `strict_duration`.

use std::path::PathBuf;

use crate::support::team::{clone_request, spawn_app_with, TestApp};

#[derive(Debug, serde::Deserialize)]
struct Table {
    fixture: Vec<Fixture>,
}

/// The fields of a `verdicts.toml` row this test needs.
#[derive(Debug, serde::Deserialize)]
struct Fixture {
    file: String,
    audio_format: String,
    expect: String,
    expect_strict: String,
    text: Option<String>,
}

/// The answer the API gives for each verdict of the sniffer: (code, rule).
fn answer_for(verdict: &str) -> Option<(i64, &'static str)> {
    Some(match verdict {
        "ok" => return None,
        "Empty" => (4300, "audio.empty"),
        "Unrecognised" => (4303, "audio.format_unrecognised"),
        "Unsupported" => (4303, "audio.format_unsupported"),
        "FormatMismatch" => (4303, "audio.format_mismatch"),
        "Truncated" => (4304, "audio.truncated"),
        "Corrupt" => (4304, "audio.corrupt"),
        "PcmSpec" => (4304, "audio.pcm_24k_mono"),
        "DurationOutOfRange" => (4304, "audio.duration"),
        "TextMismatch" => (1109, "text.wer"),
        other => panic!("verdicts.toml names an unknown verdict {other:?}"),
    })
}

fn fixtures() -> Vec<Fixture> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/audio");
    let text = std::fs::read_to_string(dir.join("verdicts.toml")).expect("verdicts.toml");
    toml::from_str::<Table>(&text)
        .expect("verdicts.toml parses")
        .fixture
}

async fn check_every_fixture(app: &TestApp, strict: bool) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/audio");
    for f in fixtures() {
        let bytes = std::fs::read(dir.join(&f.file)).unwrap();
        let mut request = clone_request()
            .file(bytes, Some(&f.file))
            .field("audio_format", &f.audio_format);
        if let Some(text) = &f.text {
            request = request.field("text", text);
        }
        let answer = request.send(&app.api).await;
        let verdict = if strict { &f.expect_strict } else { &f.expect };
        match answer_for(verdict) {
            None => {
                assert_eq!(
                    answer.code(),
                    0,
                    "{} should be accepted: {}",
                    f.file,
                    answer.body()
                )
            }
            Some((code, rule)) => {
                assert_eq!(
                    (answer.code(), answer.rule()),
                    (code, rule),
                    "{} (audio_format {}): {}",
                    f.file,
                    f.audio_format,
                    answer.body()
                );
            }
        }
    }
}

#[tokio::test]
async fn every_audio_fixture_gets_its_verdict_through_the_endpoint() {
    let app = spawn_app_with("").await;
    check_every_fixture(&app, false).await;
}

/// 「音频时长: 建议 10s~30s。」 enforced when the configuration asks for it.
#[tokio::test]
async fn with_strict_duration_every_fixture_gets_its_strict_verdict() {
    let app = spawn_app_with("[audio]\nstrict_duration = true\n").await;
    check_every_fixture(&app, true).await;
}

/// 「若差异过大会报错 1109 WERError」, with the documented name in the message.
#[tokio::test]
async fn a_text_far_from_the_transcript_is_refused_with_1109_wer_error() {
    let app = spawn_app_with("").await;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/audio");
    let answer = clone_request()
        .file(
            std::fs::read(dir.join("speech-16k-transcript.wav")).unwrap(),
            Some("speech-16k-transcript.wav"),
        )
        .field(
            "text",
            "nothing like the recording at all, about the weather",
        )
        .send(&app.api)
        .await;
    answer.assert_refused(1109, "text.wer");
    assert!(answer.body()["msg"]
        .as_str()
        .unwrap()
        .starts_with("WERError"));
}
