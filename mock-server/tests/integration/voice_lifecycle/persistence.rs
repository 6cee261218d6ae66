use futures_util::future::join_all;

use crate::support::binary::Binary;
use crate::support::defaults::{SPACE, TOKEN};

/// A runtime for driving async clients from a test that owns a child process.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn voices_clone_counts_and_seeds_survive_a_restart_and_the_journal_starts_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let rt = runtime();
    let first = Binary::on_db(&db);
    let voice_id = rt.block_on(async {
        let api = &first.api;
        let id = api.new_voice(TOKEN, "persistent").await;
        api.clone_voice(TOKEN, "retrained", Some(&id), None)
            .await
            .data();
        api.admin_post(
            "/seed",
            serde_json::json!({"tokens": [{"value": "pat_seeded", "account": "mock-enterprise", "personal_workspace": SPACE, "permissions": ["listVoice"]}]}),
        )
        .await
        .data();
        assert!(!api.journal().await.is_empty());
        id
    });
    first.stop();

    let second = Binary::on_db(&db);
    rt.block_on(async {
        let api = &second.api;
        let voices = api.cloned_voices("pat_seeded").await;
        assert_eq!(voices.len(), 1, "{voices:?}");
        assert_eq!(voices[0]["voice_id"], voice_id.as_str());
        assert_eq!(voices[0]["name"], "retrained");
        assert_eq!(voices[0]["available_training_times"], 8);
        let journal = api.journal().await;
        assert_eq!(journal.len(), 1, "only this list: the journal is in memory");
        assert_eq!(journal[0]["id"], 1);
    });
}

#[test]
fn every_acknowledged_clone_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let rt = runtime();
    let first = Binary::on_db(&db);
    let acknowledged: Vec<String> = rt.block_on(async {
        let api = &first.api;
        let names: Vec<String> = (0..8).map(|i| format!("voice {i}")).collect();
        join_all(names.iter().map(|name| api.new_voice(TOKEN, name))).await
    });
    first.kill_9();

    let second = Binary::on_db(&db);
    rt.block_on(async {
        let mut acknowledged = acknowledged.clone();
        acknowledged.sort();
        assert_eq!(second.api.cloned_voice_ids(TOKEN).await, acknowledged);
    });
}

#[test]
fn concurrent_clones_on_a_database_file_take_exactly_the_free_slots() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        r#"
        [[accounts]]
        id = "small"
        plan = "team"
        bought_voice_slots = 2
        [[workspaces]]
        id = "7500000000000000001"
        account = "small"
        [[tokens]]
        value = "pat_small"
        account = "small"
        personal_workspace = "7500000000000000001"
        permissions = ["createVoice", "listVoice", "createSpeech"]
        "#,
    )
    .unwrap();
    let db = dir.path().join("state.db");
    let binary = Binary::start(&[
        "--db",
        db.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ]);
    let rt = runtime();
    rt.block_on(async {
        let api = &binary.api;
        let answers =
            join_all((0..12).map(|_| api.clone_voice("pat_small", "racer", None, None))).await;
        let codes: Vec<i64> = answers.iter().map(|a| a.code()).collect();
        assert_eq!(
            codes.iter().filter(|c| **c == 0).count(),
            3,
            "3 slots: {codes:?}"
        );
        assert!(codes.iter().all(|c| *c == 0 || *c == 4101), "{codes:?}");
        assert_eq!(api.cloned_voices("pat_small").await.len(), 3);
    });
}
