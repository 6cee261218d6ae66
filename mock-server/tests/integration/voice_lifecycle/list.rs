use coze_mock::rules::Plan;
use coze_mock::MockServer;

use crate::support::api::Api;
use crate::support::defaults::{SPACE, TOKEN};

const ACME_SPACE: &str = "7100000000000000001";
const ACME_OTHER_SPACE: &str = "7100000000000000002";

/// The default server plus team `acme` with two workspaces and a token in each.
async fn two_workspaces() -> (MockServer, Api) {
    let server = crate::support::server::builder()
        .account("acme", Plan::Team, 4)
        .workspace(ACME_SPACE, "acme")
        .workspace(ACME_OTHER_SPACE, "acme")
        .token("pat_acme", "acme", ACME_SPACE)
        .token("pat_acme_other", "acme", ACME_OTHER_SPACE)
        .start()
        .await;
    let api = Api::for_server(&server);
    (server, api)
}

#[tokio::test]
async fn a_cloned_voice_is_listed_at_once_with_every_field_the_sdks_parse() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    let voice_id = api.new_voice(TOKEN, "narrator").await;

    let voices = api.cloned_voices(TOKEN).await;

    assert_eq!(voices.len(), 1);
    let v = &voices[0];
    assert_eq!(v["voice_id"], voice_id.as_str());
    assert_eq!(v["name"], "narrator");
    assert_eq!(v["is_system_voice"], false);
    assert_eq!(v["available_training_times"], 9);
    assert_eq!(v["model_type"], "big");
    assert_eq!(v["state"], "cloned");
    for field in [
        "language_code",
        "language_name",
        "preview_text",
        "preview_audio",
        "create_time",
        "update_time",
    ] {
        assert!(!v[field].is_null(), "{field} in {v}");
    }
}

#[tokio::test]
async fn retraining_updates_the_listed_voice_and_its_remaining_training_times() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    let voice_id = api.new_voice(TOKEN, "before").await;

    api.clone_voice(TOKEN, "after", Some(&voice_id), None)
        .await
        .data();

    let voices = api.cloned_voices(TOKEN).await;
    assert_eq!(voices.len(), 1, "a retrain keeps the id: {voices:?}");
    assert_eq!(voices[0]["name"], "after");
    assert_eq!(voices[0]["available_training_times"], 8);
}

#[tokio::test]
async fn system_voices_are_listed_unless_filtered_out() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    api.new_voice(TOKEN, "mine").await;

    let all = api.list(TOKEN, "").await.data();
    let cloned = api.list(TOKEN, "filter_system_voice=true").await.data();

    let system = |d: &serde_json::Value| {
        d["voice_list"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["is_system_voice"] == true)
            .count()
    };
    assert_eq!(system(&all), 4, "the default configuration's system voices");
    assert_eq!(system(&cloned), 0);
    assert_eq!(cloned["voice_list"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn pages_follow_page_num_and_page_size_and_has_more_ends_on_the_last() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);

    let mut seen = Vec::new();
    let mut page = 1;
    loop {
        let data = api
            .list(TOKEN, &format!("page_num={page}&page_size=3"))
            .await
            .data();
        let list = data["voice_list"].as_array().unwrap();
        assert!(list.len() <= 3);
        seen.extend(list.iter().map(|v| v["voice_id"].clone()));
        if data["has_more"] == false {
            break;
        }
        page += 1;
    }

    assert_eq!(page, 2, "4 system voices in pages of 3");
    assert_eq!(seen.len(), 4);
}

#[tokio::test]
async fn page_parameters_outside_the_sdks_ranges_are_refused() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    for query in [
        "page_size=101",
        "page_size=0",
        "page_num=0",
        "model_type=huge",
    ] {
        api.list(TOKEN, query)
            .await
            .assert_refused(4000, "list.param_invalid");
    }
}

#[tokio::test]
async fn a_voice_is_listed_only_in_its_own_workspace() {
    let (_server, api) = two_workspaces().await;
    api.new_voice("pat_acme", "acme voice").await;

    assert_eq!(api.cloned_voices("pat_acme").await.len(), 1);
    assert!(
        api.cloned_voices("pat_acme_other").await.is_empty(),
        "same team, other workspace"
    );
    assert!(api.cloned_voices(TOKEN).await.is_empty(), "other team");
}

#[tokio::test]
async fn listing_needs_a_valid_token() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    api.list("pat_nobody", "")
        .await
        .assert_refused(4100, "auth.token_unknown");
}

#[tokio::test]
async fn the_default_token_lists_its_personal_workspace() {
    let server = crate::support::server::builder()
        .voice(coze_mock::config::VoiceConfig::new(SPACE, "configured"))
        .start()
        .await;
    let api = Api::for_server(&server);
    let voices = api.cloned_voices(TOKEN).await;
    assert_eq!(voices.len(), 1);
    assert_eq!(voices[0]["name"], "configured");
}
