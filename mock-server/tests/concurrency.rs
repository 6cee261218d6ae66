//! The two stateful rules under concurrent requests: 「同一个音色 ID 最多复刻 10 次」 and one voice per free
//! slot. 64 requests race on one in-process server; exactly the allowed number succeed, whatever the
//! interleaving, and the refusals name the rule.

use std::collections::HashSet;
use std::time::Duration;

use mock_server::config::Config;
use mock_server::MockServer;
use serde_json::Value;

/// Concurrent requests per race.
const RACERS: usize = 64;

/// Clones a voice id allows, the first included.
const CLONES_PER_VOICE_ID: usize = 10;

/// A team account with `slots` voice slots (one included with the plan), its workspace and token.
fn config_with_slots(slots: u32) -> Config {
    Config::from_toml(&format!(
        r#"
        [[accounts]]
        id = "racers"
        plan = "team"
        bought_voice_slots = {}

        [[workspaces]]
        id = "7000000000000000101"
        account = "racers"

        [[tokens]]
        value = "pat_racer"
        account = "racers"
        personal_workspace = "7000000000000000101"
        permissions = ["createVoice"]
        "#,
        slots - 1
    ))
    .expect("a valid configuration")
}

/// Sends one clone (a retrain when `voice_id` is given); returns the envelope and the deciding rule.
async fn clone(
    client: &reqwest::Client,
    server: &MockServer,
    voice_id: Option<&str>,
) -> (Value, String) {
    let mut wav = b"RIFF\x24\x10\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\xc0\x5d\0\0\x80\xbb\0\0\x02\0\x10\0data\0\x10\0\0".to_vec();
    wav.resize(44 + 4096, 0);
    let mut form = reqwest::multipart::Form::new()
        .text("voice_name", "racer")
        .part(
            "file",
            reqwest::multipart::Part::bytes(wav).file_name("r.wav"),
        );
    if let Some(id) = voice_id {
        form = form.text("voice_id", id.to_owned());
    }
    let response = client
        .post(format!("{}/v1/audio/voices/clone", server.uri()))
        .bearer_auth("pat_racer")
        .multipart(form)
        .send()
        .await
        .expect("an answer");
    let rule = response
        .headers()
        .get("x-coze-mock-rule")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (response.json().await.expect("an envelope"), rule)
}

/// Runs [`RACERS`] clones at once and returns every answer.
async fn race(server: &MockServer, voice_id: Option<&str>) -> Vec<(Value, String)> {
    let client = reqwest::Client::new();
    let racers = (0..RACERS).map(|_| clone(&client, server, voice_id));
    tokio::time::timeout(
        Duration::from_secs(60),
        futures_util::future::join_all(racers),
    )
    .await
    .expect("every racer answered")
}

/// The successes' voice ids, after asserting that every other answer is refused by `rule` with 4101.
fn successes(answers: &[(Value, String)], rule: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for (body, refused_by) in answers {
        if body["code"] == 0 {
            ids.push(
                body["data"]["voice_id"]
                    .as_str()
                    .expect("voice_id")
                    .to_owned(),
            );
        } else {
            assert_eq!(
                (body["code"].as_i64(), refused_by.as_str()),
                (Some(4101), rule),
                "{body}"
            );
        }
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_concurrent_retrains_of_one_voice_id_stop_exactly_at_the_cap() {
    let server = MockServer::start_with(config_with_slots(2)).await;
    let (first, _) = clone(&reqwest::Client::new(), &server, None).await;
    let voice_id = first["data"]["voice_id"]
        .as_str()
        .expect("a new voice")
        .to_owned();

    let answers = race(&server, Some(&voice_id)).await;

    let retrained = successes(&answers, "voice_id.clone_limit");
    assert_eq!(
        retrained.len(),
        CLONES_PER_VOICE_ID - 1,
        "the first clone counts"
    );
    assert!(
        retrained.iter().all(|id| *id == voice_id),
        "a retrain keeps the id"
    );
    let left: HashSet<_> = answers
        .iter()
        .filter_map(|(b, _)| b["data"]["available_training_times"].as_u64())
        .collect();
    assert_eq!(left, (0..9).collect(), "each success saw a distinct count");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_concurrent_new_clones_against_five_free_slots_create_exactly_five_voices() {
    let server = MockServer::start_with(config_with_slots(8)).await;
    let client = reqwest::Client::new();
    for _ in 0..3 {
        assert_eq!(
            clone(&client, &server, None).await.0["code"],
            0,
            "slots in use before the race"
        );
    }

    let answers = race(&server, None).await;

    let created = successes(&answers, "account.no_voice_slots");
    assert_eq!(created.len(), 5);
    assert_eq!(
        created.iter().collect::<HashSet<_>>().len(),
        5,
        "five distinct voices"
    );
    let listed: Value = client
        .get(format!(
            "{}/v1/audio/voices?filter_system_voice=true",
            server.uri()
        ))
        .bearer_auth("pat_racer")
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("an envelope");
    assert_eq!(
        listed["data"]["voice_list"].as_array().map(Vec::len),
        Some(8),
        "the account holds exactly its slots: {listed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_concurrent_new_clones_against_one_free_slot_create_exactly_one_voice() {
    let server = MockServer::start_with(config_with_slots(1)).await;

    let answers = race(&server, None).await;

    assert_eq!(successes(&answers, "account.no_voice_slots").len(), 1);
}
