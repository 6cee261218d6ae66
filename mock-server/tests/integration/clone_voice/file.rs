use crate::support::team::{clone_request, spawn_app};
use crate::support::wav::{wav, wav_of_len};

#[tokio::test]
async fn the_audio_file_is_required() {
    let app = spawn_app().await;
    clone_request()
        .without("file")
        .send(&app.api)
        .await
        .assert_refused(4300, "file.required");
}

/// 「每次最多上传1个音频文件。」
#[tokio::test]
async fn at_most_one_audio_file_per_request() {
    let app = spawn_app().await;
    clone_request()
        .extra_file("file", wav(12.0, 24_000), "second.wav")
        .send(&app.api)
        .await
        .assert_refused(4301, "file.at_most_one");
}

/// 「最大不超过 10MB」, read as 10 MiB (fidelity notes).
#[tokio::test]
async fn a_file_of_exactly_10_mib_is_accepted_and_one_byte_more_is_refused() {
    let app = spawn_app().await;
    clone_request()
        .file(wav_of_len(10 * 1024 * 1024), Some("big.wav"))
        .send(&app.api)
        .await
        .assert_ok();
    let answer = clone_request()
        .file(wav_of_len(10 * 1024 * 1024 + 1), Some("big.wav"))
        .send(&app.api)
        .await;
    answer.assert_refused(4302, "file.max_size");
    assert_eq!(answer.status, 413);
}

#[tokio::test]
async fn a_file_that_is_not_audio_is_refused_whatever_its_name() {
    let app = spawn_app().await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0".to_vec();
    clone_request()
        .file(png, Some("voice.mp3"))
        .field("audio_format", "mp3")
        .send(&app.api)
        .await
        .assert_refused(4303, "audio.format_unrecognised");
}

#[tokio::test]
async fn an_empty_file_is_refused() {
    let app = spawn_app().await;
    clone_request()
        .file(Vec::new(), Some("voice.wav"))
        .send(&app.api)
        .await
        .assert_refused(4300, "audio.empty");
}

/// @coze/api sends a `Buffer` with no filename: the part's name decides, not its filename.
#[tokio::test]
async fn a_file_part_without_a_filename_is_accepted() {
    let app = spawn_app().await;
    clone_request()
        .file(wav(12.0, 24_000), None)
        .send(&app.api)
        .await
        .assert_ok();
}
