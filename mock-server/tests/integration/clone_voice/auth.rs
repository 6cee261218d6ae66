use crate::support::answer::Answer;
use crate::support::team::{clone_request, spawn_app};

#[tokio::test]
async fn a_request_without_authorization_is_refused_with_4100() {
    let app = spawn_app().await;
    let answer = clone_request().no_token().send(&app.api).await;
    answer.assert_refused(4100, "auth.header_missing");
    assert_eq!(answer.body()["msg"], "authentication is invalid");
    assert_eq!(answer.status, 401);
}

#[tokio::test]
async fn an_authorization_that_is_not_bearer_is_refused_with_4100() {
    let app = spawn_app().await;
    let response = app
        .api
        .http
        .post(format!("{}/v1/audio/voices/clone", app.server.uri()))
        .header("Authorization", "Token pat_team")
        .multipart(reqwest::multipart::Form::new().text("voice_name", "jay"))
        .send()
        .await
        .unwrap();
    Answer::read(response)
        .await
        .assert_refused(4100, "auth.not_bearer");
}

#[tokio::test]
async fn an_unknown_token_is_refused_with_4100() {
    let app = spawn_app().await;
    let answer = clone_request().token("pat_nobody").send(&app.api).await;
    answer.assert_refused(4100, "auth.token_unknown");
    assert_eq!(answer.body()["msg"], "authentication is invalid");
}

#[tokio::test]
async fn an_expired_token_is_refused_with_4100() {
    let app = spawn_app().await;
    let answer = clone_request().token("pat_expired").send(&app.api).await;
    answer.assert_refused(4100, "auth.token_expired");
}

#[tokio::test]
async fn a_token_without_create_voice_is_refused_with_4101() {
    let app = spawn_app().await;
    let answer = clone_request()
        .token("pat_no_permission")
        .send(&app.api)
        .await;
    answer.assert_refused(4101, "auth.permission_missing");
    assert!(answer.body()["msg"]
        .as_str()
        .unwrap()
        .contains("access CloneVoice."));
    assert_eq!(answer.status, 403);
}

/// 「仅扣子团队版和企业版用户可以使用音色复刻功能。」
#[tokio::test]
async fn a_personal_plan_account_may_not_clone() {
    let app = spawn_app().await;
    let answer = clone_request().token("pat_solo").send(&app.api).await;
    answer.assert_refused(4101, "account.plan_cannot_clone");
}

#[tokio::test]
async fn the_default_configuration_accepts_pat_mock() {
    let server = coze_mock::MockServer::start().await;
    let form = reqwest::multipart::Form::new()
        .text("voice_name", "jay")
        .part(
            "file",
            reqwest::multipart::Part::bytes(crate::support::wav::wav(12.0, 24_000))
                .file_name("a.wav"),
        );
    let response = reqwest::Client::new()
        .post(format!("{}/v1/audio/voices/clone", server.uri()))
        .bearer_auth(coze_mock::config::DEFAULT_TOKEN)
        .multipart(form)
        .send()
        .await
        .unwrap();
    Answer::read(response).await.assert_ok();
}
