use coze_mock::config::Config;
use coze_mock::MockServer;

use super::api::Api;
use super::clone_form::CloneForm;

/// The configuration of the tests: one team with two workspaces and several kinds of token.
pub(crate) const TEST_CONFIG: &str = r#"
[[accounts]]
id = "team"
plan = "team"
bought_voice_slots = 49

[[accounts]]
id = "solo"
plan = "personal"

[[accounts]]
id = "small-team"
plan = "team"

[[accounts]]
id = "debtor"
plan = "enterprise"
bought_voice_slots = 5
in_arrears = true

[[workspaces]]
id = "7000000000000000001"
account = "team"

[[workspaces]]
id = "7000000000000000002"
account = "team"

[[workspaces]]
id = "7000000000000000003"
account = "team"

[[workspaces]]
id = "7000000000000000010"
account = "solo"

[[workspaces]]
id = "7000000000000000020"
account = "small-team"

[[workspaces]]
id = "7000000000000000030"
account = "debtor"

[[tokens]]
value = "pat_team"
account = "team"
personal_workspace = "7000000000000000001"
workspaces = ["7000000000000000002"]
permissions = ["createVoice", "listVoice", "createSpeech"]

[[tokens]]
value = "pat_colleague"
account = "team"
personal_workspace = "7000000000000000003"
workspaces = ["7000000000000000002"]
permissions = ["createVoice", "listVoice", "createSpeech"]

[[tokens]]
value = "pat_no_permission"
account = "team"
personal_workspace = "7000000000000000001"
permissions = ["chat"]

[[tokens]]
value = "pat_expired"
account = "team"
personal_workspace = "7000000000000000001"
permissions = ["createVoice", "listVoice", "createSpeech"]
expires_at = "2020-01-01T00:00:00Z"

[[tokens]]
value = "pat_solo"
account = "solo"
personal_workspace = "7000000000000000010"
permissions = ["createVoice", "listVoice", "createSpeech"]

[[tokens]]
value = "pat_small"
account = "small-team"
personal_workspace = "7000000000000000020"
permissions = ["createVoice", "listVoice", "createSpeech"]

[[tokens]]
value = "pat_debtor"
account = "debtor"
personal_workspace = "7000000000000000030"
permissions = ["createVoice", "listVoice", "createSpeech"]
"#;

/// The personal workspace of `pat_team`.
pub(crate) const TEAM_PERSONAL_SPACE: &str = "7000000000000000001";
/// A workspace `pat_team` and `pat_colleague` share.
pub(crate) const SHARED_SPACE: &str = "7000000000000000002";
/// The personal workspace of `pat_colleague`, in the same team.
pub(crate) const COLLEAGUE_SPACE: &str = "7000000000000000003";

/// A server with [`TEST_CONFIG`] and a client for it.
pub(crate) struct TestApp {
    pub(crate) server: MockServer,
    pub(crate) api: Api,
}

/// The `[fidelity]` table of a server whose clone answers the whole voice, for tests that read the
/// clone's fields from its answer (the default answer, `{"voice_id"}`, has only the id).
pub(crate) const WHOLE_VOICE_ANSWER: &str = "[fidelity]\nclone_answer = \"voice\"\n";

/// Starts the server on 127.0.0.1 port 0 with [`TEST_CONFIG`]; it stops when the app is dropped.
pub(crate) async fn spawn_app() -> TestApp {
    spawn_app_with("").await
}

/// Starts the server with [`TEST_CONFIG`] followed by `extra` TOML.
pub(crate) async fn spawn_app_with(extra: &str) -> TestApp {
    let config = Config::from_toml(&format!("{TEST_CONFIG}\n{extra}")).expect("test config parses");
    let server = super::server::builder().config(config).start().await;
    let api = Api::for_server(&server);
    TestApp { server, api }
}

/// A valid request of `pat_team`: voice_name "jay", a 12 s WAV.
pub(crate) fn clone_request() -> CloneForm {
    CloneForm::valid("pat_team")
}
