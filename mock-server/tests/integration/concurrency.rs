//! The two stateful rules under concurrent requests: 「同一个音色 ID 最多复刻 10 次」 and one voice per free
//! slot. 64 requests race on one in-process server; exactly the allowed number succeed, whatever the
//! interleaving, and the refusals name the rule.

use std::collections::HashSet;
use std::time::Duration;

use coze_mock::config::Config;
use coze_mock::MockServer;

use crate::support::answer::Answer;
use crate::support::api::Api;
use crate::support::clone_form::CloneForm;
use crate::support::wav::wav_of_len;

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
        permissions = ["createVoice", "listVoice", "createSpeech"]

        [fidelity]
        clone_answer = "voice"
        "#,
        slots - 1
    ))
    .expect("a valid configuration")
}

/// One clone of `pat_racer` with a 4 KiB WAV (a retrain when `voice_id` is given).
async fn clone(api: &Api, voice_id: Option<&str>) -> Answer {
    CloneForm::valid("pat_racer")
        .field("voice_name", "racer")
        .file(wav_of_len(44 + 4096), Some("r.wav"))
        .field_if("voice_id", voice_id)
        .send(api)
        .await
}

/// Runs [`RACERS`] clones at once and returns every answer.
async fn race(api: &Api, voice_id: Option<&str>) -> Vec<Answer> {
    let racers = (0..RACERS).map(|_| clone(api, voice_id));
    tokio::time::timeout(
        Duration::from_secs(60),
        futures_util::future::join_all(racers),
    )
    .await
    .expect("every racer answered")
}

/// The successes' voice ids, after asserting that every other answer is refused by `rule` with 4101.
fn successes(answers: &[Answer], rule: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for answer in answers {
        if answer.code() == 0 {
            ids.push(answer.voice_id());
        } else {
            answer.assert_refused(4101, rule);
        }
    }
    ids
}

/// A server with `slots` voice slots for `pat_racer`, and a client for it.
async fn server_with_slots(slots: u32) -> (MockServer, Api) {
    let server = MockServer::start_with(config_with_slots(slots)).await;
    let api = Api::new(server.uri());
    (server, api)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_concurrent_retrains_of_one_voice_id_stop_exactly_at_the_cap() {
    let (_server, api) = server_with_slots(2).await;
    let voice_id = clone(&api, None).await.voice_id();

    let answers = race(&api, Some(&voice_id)).await;

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
        .filter_map(|a| a.body()["data"]["available_training_times"].as_u64())
        .collect();
    assert_eq!(left, (0..9).collect(), "each success saw a distinct count");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_concurrent_new_clones_against_five_free_slots_create_exactly_five_voices() {
    let (_server, api) = server_with_slots(8).await;
    for _ in 0..3 {
        clone(&api, None).await.assert_ok();
    }

    let answers = race(&api, None).await;

    let created = successes(&answers, "account.no_voice_slots");
    assert_eq!(created.len(), 5);
    assert_eq!(
        created.iter().collect::<HashSet<_>>().len(),
        5,
        "five distinct voices"
    );
    assert_eq!(
        api.cloned_voice_ids("pat_racer").await.len(),
        8,
        "the account holds exactly its slots"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_concurrent_new_clones_against_one_free_slot_create_exactly_one_voice() {
    let (_server, api) = server_with_slots(1).await;

    let answers = race(&api, None).await;

    assert_eq!(successes(&answers, "account.no_voice_slots").len(), 1);
}
