use std::sync::Arc;

use crate::support::team::{
    clone_request, spawn_app, spawn_app_with, COLLEAGUE_SPACE, SHARED_SPACE, TEAM_PERSONAL_SPACE,
    WHOLE_VOICE_ANSWER,
};

/// 「默认保存在当前账号的个人空间中」: a retrain naming the personal space finds a voice cloned without one.
#[tokio::test]
async fn a_clone_without_space_id_lands_in_the_personal_workspace() {
    let app = spawn_app().await;
    let id = clone_request().send(&app.api).await.voice_id();
    clone_request()
        .field("voice_id", &id)
        .field("space_id", TEAM_PERSONAL_SPACE)
        .send(&app.api)
        .await
        .assert_ok();
    clone_request()
        .field("voice_id", &id)
        .field("space_id", SHARED_SPACE)
        .send(&app.api)
        .await
        .assert_refused(4200, "voice_id.not_found");
}

#[tokio::test]
async fn a_workspace_the_token_is_not_a_member_of_is_refused() {
    let app = spawn_app().await;
    let answer = clone_request()
        .field("space_id", COLLEAGUE_SPACE)
        .send(&app.api)
        .await;
    answer.assert_refused(4101, "space.not_member");
    clone_request()
        .field("space_id", "7999999999999999999")
        .send(&app.api)
        .await
        .assert_refused(4101, "space.not_member");
}

/// 「即使在同一个企业或团队中，不同工作空间复刻的音色资源是独立的，不允许跨空间使用。」
#[tokio::test]
async fn voices_are_invisible_across_workspaces_of_the_same_team() {
    let app = spawn_app().await;
    let id = clone_request()
        .field("space_id", SHARED_SPACE)
        .send(&app.api)
        .await
        .voice_id();
    // A colleague in the shared workspace may retrain it…
    clone_request()
        .token("pat_colleague")
        .field("space_id", SHARED_SPACE)
        .field("voice_id", &id)
        .send(&app.api)
        .await
        .assert_ok();
    // …but not from their personal workspace of the same team.
    clone_request()
        .token("pat_colleague")
        .field("voice_id", &id)
        .send(&app.api)
        .await
        .assert_refused(4200, "voice_id.not_found");
}

#[tokio::test]
async fn retraining_an_unknown_voice_id_is_refused() {
    let app = spawn_app().await;
    clone_request()
        .field("voice_id", "7348293334459310000")
        .send(&app.api)
        .await
        .assert_refused(4200, "voice_id.not_found");
}

/// 「训练后的音色会覆盖原音色，但音色 ID 不变。」
#[tokio::test]
async fn retraining_keeps_the_id_and_replaces_the_voice() {
    let app = spawn_app_with(WHOLE_VOICE_ANSWER).await;
    let first = clone_request().send(&app.api).await;
    let id = first.voice_id();
    let again = clone_request()
        .field("voice_id", &id)
        .field("voice_name", "jay v2")
        .field("language", "ja")
        .send(&app.api)
        .await;
    again.assert_ok();
    assert_eq!(again.voice_id(), id);
    assert_eq!(again.body()["data"]["name"], "jay v2");
    assert_eq!(again.body()["data"]["language_code"], "ja");
    assert_eq!(again.body()["data"]["available_training_times"], 8);
}

/// 「同一个音色 ID 最多复刻 10 次」: the first clone counts, nine retrains follow, the eleventh fails.
#[tokio::test]
async fn the_eleventh_clone_of_a_voice_id_is_refused() {
    let app = spawn_app_with(WHOLE_VOICE_ANSWER).await;
    let id = clone_request().send(&app.api).await.voice_id();
    for left in (0..9).rev() {
        let answer = clone_request().field("voice_id", &id).send(&app.api).await;
        answer.assert_ok();
        assert_eq!(answer.body()["data"]["available_training_times"], left);
    }
    let answer = clone_request().field("voice_id", &id).send(&app.api).await;
    answer.assert_refused(4101, "voice_id.clone_limit");
}

#[tokio::test]
async fn concurrent_retrains_of_one_voice_id_stop_exactly_at_the_cap() {
    let app = Arc::new(spawn_app().await);
    let id = clone_request().send(&app.api).await.voice_id();
    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let app = app.clone();
            let id = id.clone();
            tokio::spawn(async move {
                clone_request()
                    .field("voice_id", &id)
                    .send(&app.api)
                    .await
                    .code()
            })
        })
        .collect();
    let mut successes = 0;
    for task in tasks {
        match task.await.unwrap() {
            0 => successes += 1,
            code => assert_eq!(code, 4101),
        }
    }
    assert_eq!(successes, 9, "exactly nine retrains follow the first clone");
}

/// 「团队版和企业版订阅套餐中默认赠送了一个复刻音色」: a team with no bought slots holds one voice.
#[tokio::test]
async fn a_new_voice_needs_a_free_slot() {
    let app = spawn_app().await;
    let id = clone_request()
        .token("pat_small")
        .send(&app.api)
        .await
        .voice_id();
    let answer = clone_request().token("pat_small").send(&app.api).await;
    answer.assert_refused(4101, "account.no_voice_slots");
    // Retraining the voice it has needs no new slot.
    clone_request()
        .token("pat_small")
        .field("voice_id", &id)
        .send(&app.api)
        .await
        .assert_ok();
}

#[tokio::test]
async fn an_account_in_arrears_is_refused() {
    let app = spawn_app().await;
    clone_request()
        .token("pat_debtor")
        .send(&app.api)
        .await
        .assert_refused(4019, "account.in_arrears");
}
