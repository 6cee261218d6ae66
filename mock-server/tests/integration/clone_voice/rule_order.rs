//! When a request breaks several rules, which one decides. The order is the one `docs/rules.md`
//! states: who is asking, the declared size, then what is decided while the form streams (file
//! count and size included), then the fields, the file's audio, and last the rules that need state.

use crate::support::answer::Answer;
use crate::support::team::{clone_request, spawn_app, COLLEAGUE_SPACE};
use crate::support::wav::{wav, wav_of_len};

/// A body over the limit, declared by its `Content-Length` (the file's 10 MiB plus the fields' room).
fn oversize_body() -> Vec<u8> {
    vec![b'x'; 11 * 1024 * 1024]
}

#[tokio::test]
async fn authentication_permission_and_plan_come_before_the_declared_size() {
    let app = spawn_app().await;
    for (token, code, rule) in [
        ("pat_nobody", 4100, "auth.token_unknown"),
        ("pat_no_permission", 4101, "auth.permission_missing"),
        ("pat_solo", 4101, "account.plan_cannot_clone"),
    ] {
        let response = app
            .api
            .http
            .post(app.api.url("/v1/audio/voices/clone"))
            .bearer_auth(token)
            .header("Content-Type", "multipart/form-data; boundary=XYZ")
            .body(oversize_body())
            .send()
            .await
            .expect("an answer");
        Answer::read(response).await.assert_refused(code, rule);
    }
}

/// The declared size is judged before the body is looked at, even a body that is not multipart.
#[tokio::test]
async fn a_declared_size_over_the_limit_comes_before_the_content_type() {
    let app = spawn_app().await;
    let response = app
        .api
        .http
        .post(app.api.url("/v1/audio/voices/clone"))
        .bearer_auth("pat_team")
        .header("Content-Type", "application/json")
        .body(oversize_body())
        .send()
        .await
        .expect("an answer");
    Answer::read(response)
        .await
        .assert_refused(4302, "file.max_size");
}

/// 「每次最多上传1个音频文件」 is decided while the form streams, before `voice_name` is looked at.
#[tokio::test]
async fn two_files_and_no_voice_name_answer_4301() {
    let app = spawn_app().await;
    clone_request()
        .without("voice_name")
        .extra_file("file", wav(12.0, 24_000), "second.wav")
        .send(&app.api)
        .await
        .assert_refused(4301, "file.at_most_one");
}

/// 「最大不超过 10MB」 is decided while the file streams, before `voice_name` is looked at.
#[tokio::test]
async fn an_oversize_file_and_no_voice_name_answer_4302() {
    let app = spawn_app().await;
    clone_request()
        .without("voice_name")
        .file(wav_of_len(10 * 1024 * 1024 + 1), Some("big.wav"))
        .send(&app.api)
        .await
        .assert_refused(4302, "file.max_size");
}

/// A field sent twice is framing, decided while the form streams: before a missing `voice_name`.
#[tokio::test]
async fn a_field_sent_twice_comes_before_a_missing_voice_name() {
    let app = spawn_app().await;
    clone_request()
        .without("voice_name")
        .field("language", "zh")
        .extra_field("language", "en")
        .send(&app.api)
        .await
        .assert_refused(4000, "body.duplicate_field");
}

/// What streams is decided in the order the parts arrive: here the fields come before the files.
#[tokio::test]
async fn while_the_form_streams_the_first_broken_part_decides() {
    let app = spawn_app().await;
    clone_request()
        .extra_field("voice_name", "again")
        .extra_file("file", wav(12.0, 24_000), "second.wav")
        .send(&app.api)
        .await
        .assert_refused(4000, "body.duplicate_field");
}

/// Once the form is read: voice_name, text, language, audio_format, the ids, then the file.
#[tokio::test]
async fn the_fields_are_judged_in_order_then_the_file() {
    let app = spawn_app().await;
    let all_wrong = clone_request()
        .without("file")
        .field("voice_name", &"名".repeat(43))
        .field("text", &"a".repeat(1025))
        .field("language", "fr")
        .field("audio_format", "flac")
        .field("voice_id", "not-a-number");
    // Mend one field at a time: the next in the order decides.
    let steps = [
        ("voice_name", "jay", 4000, "voice_name.max_bytes"),
        ("text", "hello", 4000, "text.max_bytes"),
        ("language", "en", 4000, "language.supported"),
        ("audio_format", "wav", 4303, "audio_format.supported"),
        ("voice_id", "", 4000, "id.malformed"),
    ];
    let mut request = all_wrong;
    for (field, mended, code, rule) in steps {
        request
            .clone()
            .send(&app.api)
            .await
            .assert_refused(code, rule);
        request = request.field(field, mended);
    }
    request
        .send(&app.api)
        .await
        .assert_refused(4300, "file.required");
}

/// The audio is judged before the workspace, the workspace before arrears, arrears before the voice
/// to retrain.
#[tokio::test]
async fn the_audio_then_the_workspace_then_arrears_then_the_voice() {
    let app = spawn_app().await;
    let unknown_voice = "7348293334459310000";
    clone_request()
        .token("pat_debtor")
        .field("space_id", COLLEAGUE_SPACE)
        .field("voice_id", unknown_voice)
        .file(Vec::new(), Some("empty.wav"))
        .send(&app.api)
        .await
        .assert_refused(4300, "audio.empty");
    clone_request()
        .token("pat_debtor")
        .field("space_id", COLLEAGUE_SPACE)
        .field("voice_id", unknown_voice)
        .send(&app.api)
        .await
        .assert_refused(4101, "space.not_member");
    clone_request()
        .token("pat_debtor")
        .field("voice_id", unknown_voice)
        .send(&app.api)
        .await
        .assert_refused(4019, "account.in_arrears");
    clone_request()
        .field("voice_id", unknown_voice)
        .send(&app.api)
        .await
        .assert_refused(4200, "voice_id.not_found");
}
