//! The upstream is a second fake whose settings disagree with the shadow's on purpose: errors on HTTP
//! 200 (`errors.status`), the whole voice as a clone's answer (`clone.answer`), enterprise-only cloning
//! refusing a team token (`clone.plans`). Each disagreement must be named by its ledger row, the client
//! must get the upstream's answers, and the spend guard must keep clones and speech from it.

use coze_mock::__internals::proxy::drift::Outcome;
use coze_mock::__internals::proxy::spend::Spend;
use coze_mock::__internals::proxy::{ProxyServer, ProxySettings, SEVERE};
use coze_mock::config::Config;
use coze_mock::MockServer;
use serde_json::Value;

use super::{exchange, report_after, rows};
use crate::support::api::Api;
use crate::support::clone_form::CloneForm;

/// The team's token: the upstream refuses its clones (enterprise only).
pub(crate) const TEAM: &str = "pat_upstream_team_7f3a";
/// The enterprise's token: the upstream lets it clone.
pub(crate) const ENTERPRISE: &str = "pat_upstream_enterprise_91c2";

/// The settings the upstream disagrees on.
const DISAGREEING: &str = r#"
[fidelity]
error_status = "always_200"
clone_answer = "voice"

[rules]
clone_plans = ["enterprise"]
"#;

/// The upstream's accounts and tokens: a shadow given them (`--config`) knows the team's plan.
pub(crate) const DIRECTORY: &str = r#"
[[accounts]]
id = "team"
plan = "team"
bought_voice_slots = 5

[[accounts]]
id = "enterprise"
plan = "enterprise"
bought_voice_slots = 5

[[workspaces]]
id = "7300000000000000001"
account = "team"

[[workspaces]]
id = "7300000000000000002"
account = "enterprise"

[[tokens]]
value = "pat_upstream_team_7f3a"
account = "team"
personal_workspace = "7300000000000000001"

[[tokens]]
value = "pat_upstream_enterprise_91c2"
account = "enterprise"
personal_workspace = "7300000000000000002"
"#;

/// The upstream fake with the disagreeing settings.
pub(crate) async fn upstream() -> MockServer {
    let config = Config::from_toml(&format!("{DISAGREEING}{DIRECTORY}"));
    MockServer::start_with(config.expect("valid upstream configuration")).await
}

/// A proxy to `upstream` under `spend` whose shadow is given the upstream's accounts (`--config`), so it
/// knows the team's plan: the only way a plan the upstream refuses can be told apart from a refused token.
pub(crate) async fn proxy_knowing_plans(upstream: &MockServer, spend: Spend) -> (ProxyServer, Api) {
    let mut settings = ProxySettings::new(&upstream.uri(), spend);
    settings.learn_tokens = false;
    let shadow = Config::from_toml(DIRECTORY).expect("valid shadow configuration");
    let proxy = ProxyServer::start(&shadow, settings).await.expect("proxy");
    let api = Api::new(proxy.uri());
    (proxy, api)
}

/// A proxy to `upstream` under `spend`, its shadow learning tokens (no `--config`).
pub(crate) async fn proxy(upstream: &MockServer, spend: Spend) -> (ProxyServer, Api) {
    let proxy = ProxyServer::start(
        &Config::default(),
        ProxySettings::new(&upstream.uri(), spend),
    )
    .await
    .expect("proxy");
    let api = Api::new(proxy.uri());
    (proxy, api)
}

fn paths(upstream: &MockServer) -> Vec<String> {
    upstream
        .received_requests()
        .into_iter()
        .map(|r| r.record.entry.request.path)
        .collect()
}

#[tokio::test]
async fn the_default_guard_forwards_only_the_list_and_marks_the_rest_not_forwarded() {
    let upstream = upstream().await;
    let (proxy, api) = proxy(&upstream, Spend::None).await;
    let clone = api.clone_voice(ENTERPRISE, "guarded", None, None).await;
    clone.assert_ok();
    assert_eq!(
        clone.header("x-coze-mock-proxy"),
        "not forwarded (--spend none)"
    );
    let speech = api.speak_wav(ENTERPRISE, &clone.voice_id(), "你好").await;
    assert_eq!(speech.status, 200);
    assert_eq!(
        speech.header("x-coze-mock-proxy"),
        "not forwarded (--spend none)"
    );
    let list = api.list(ENTERPRISE, "page_num=1&page_size=10").await;
    assert!(
        list.headers.get("x-coze-mock-proxy").is_none(),
        "the list is forwarded"
    );

    let report = report_after(&proxy, 3).await;
    assert_eq!(
        paths(&upstream),
        ["/v1/audio/voices"],
        "no clone and no speech reached it"
    );
    assert_eq!(
        (report.totals.forwarded, report.totals.not_forwarded),
        (1, 2)
    );
    assert_eq!(exchange(&report, 1).outcome, Outcome::NotForwarded);
    assert_eq!(exchange(&report, 2).outcome, Outcome::NotForwarded);
}

#[tokio::test]
async fn each_deliberate_disagreement_is_named_by_its_ledger_row_and_the_shadow_follows_the_upstream(
) {
    let upstream = upstream().await;
    let (proxy, api) = proxy_knowing_plans(&upstream, Spend::All).await;

    // 1: the team may not clone upstream (enterprise only); the shadow's default lets it.
    let refused = api.clone_voice(TEAM, "team voice", None, None).await;
    assert_eq!(
        (refused.status, refused.code()),
        (200, 4101),
        "the upstream's answer"
    );
    // 2: the upstream answers the whole voice; the shadow the documented {voice_id}.
    let cloned = api.clone_voice(ENTERPRISE, "real voice", None, None).await;
    cloned.assert_ok();
    assert!(
        cloned.body()["data"]["name"].is_string(),
        "the upstream's 12-field voice"
    );
    let real_id = cloned.voice_id();
    // 3: an error on HTTP 200 upstream, 400 in the shadow.
    let missing = CloneForm::valid(ENTERPRISE)
        .without("voice_name")
        .send(&api)
        .await;
    assert_eq!((missing.status, missing.code()), (200, 4000));
    // 4, 5: the shadow took the real voice id, so the list and a speech with it agree.
    let list = api
        .list(
            ENTERPRISE,
            "filter_system_voice=true&page_num=1&page_size=10",
        )
        .await;
    assert_eq!(list.data()["voice_list"][0]["voice_id"], real_id.as_str());
    let speech = api.speak_wav(ENTERPRISE, &real_id, "你好").await;
    assert_eq!(speech.status, 200);

    let report = report_after(&proxy, 5).await;
    assert_eq!(rows(exchange(&report, 1)), ["clone.plans"]);
    assert_eq!(rows(exchange(&report, 2)), ["clone.answer"]);
    assert_eq!(rows(exchange(&report, 3)), ["errors.status"]);
    for seq in [4, 5] {
        let e = exchange(&report, seq);
        assert_eq!(e.outcome, Outcome::Agreed, "{e:#?}");
        assert!(e.confirmed.contains(&"logid.format".to_owned()));
    }
    let t = &report.totals;
    assert_eq!(
        (t.exchanges, t.forwarded, t.agreed, t.diverged),
        (5, 5, 2, 3)
    );
    let contradicted: Vec<&str> = report.contradicted.iter().map(|c| c.row.as_str()).collect();
    assert_eq!(
        contradicted,
        ["clone.answer", "clone.plans", "errors.status"]
    );
    let logid = exchange(&report, 5).logid.clone().expect("the real logid");
    let confirmed = report
        .confirmed
        .iter()
        .find(|c| c.row == "speech.audio")
        .expect("speech.audio confirmed");
    assert_eq!(
        confirmed.logids,
        [logid],
        "confirmed with the exchange's logid"
    );

    // The same report over HTTP, as JSON and as JUnit.
    let json = api.admin_get("/drift").await;
    assert_eq!(json.body()["data"]["totals"]["diverged"], 3);
    let junit = reqwest::get(api.url("/__admin/drift?format=junit"))
        .await
        .unwrap();
    let xml = junit.text().await.unwrap();
    assert_eq!(xml.matches("<failure").count(), 3, "{xml}");
    assert!(xml.contains("[clone.plans]"), "{xml}");
    // The shadow's inspector page, with its drift section (shown where /__admin/drift answers).
    let page = api.get("/__admin/").await;
    assert_eq!(page.status, 200);
    let html = String::from_utf8_lossy(&page.bytes);
    assert!(html.contains("id=\"drift-section\"") && html.contains("/__admin/drift"));
}

#[tokio::test]
async fn refusals_forward_what_the_fake_refuses_and_keep_what_it_accepts() {
    let upstream = upstream().await;
    let (proxy, api) = proxy(&upstream, Spend::Refusals).await;
    let missing = CloneForm::valid(ENTERPRISE)
        .without("voice_name")
        .send(&api)
        .await;
    assert_eq!(
        (missing.status, missing.code()),
        (200, 4000),
        "the upstream's answer"
    );
    let accepted = api.clone_voice(ENTERPRISE, "kept", None, None).await;
    accepted.assert_ok();
    assert_eq!(
        accepted.header("x-coze-mock-proxy"),
        "not forwarded (--spend refusals)"
    );
    let report = report_after(&proxy, 2).await;
    assert_eq!(
        paths(&upstream),
        ["/v1/audio/voices/clone"],
        "only the refusal"
    );
    assert_eq!(rows(exchange(&report, 1)), ["errors.status"]);
    assert_eq!(exchange(&report, 2).outcome, Outcome::NotForwarded);
    assert_eq!(report.totals.severe, 0);
    // The shadow answered each request once: the accepted clone created one voice, the client's.
    let journal = api.admin_get("/journal").await.data()["records"].clone();
    let logids: Vec<&str> = journal
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["logid"].as_str().unwrap())
        .collect();
    assert_eq!(logids.len(), 2, "{journal}");
    assert!(logids.contains(&accepted.header("x-tt-logid")));
    let voices = api.admin_get("/voices").await.data();
    let cloned: Vec<&Value> = voices
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["is_system_voice"] == false)
        .collect();
    assert_eq!(cloned.len(), 1, "{voices}");
    assert_eq!(cloned[0]["voice_id"], accepted.voice_id().as_str());
}

#[tokio::test]
async fn a_refusal_the_real_api_accepts_is_the_severe_divergence() {
    let upstream = upstream().await;
    // A shadow with its own configuration: it does not know the enterprise token, so it predicts 4100.
    let mut settings = ProxySettings::new(&upstream.uri(), Spend::Refusals);
    settings.learn_tokens = false;
    let proxy = ProxyServer::start(&Config::default(), settings)
        .await
        .unwrap();
    let api = Api::new(proxy.uri());
    let answer = api.clone_voice(ENTERPRISE, "billed", None, None).await;
    answer.assert_ok();
    let report = report_after(&proxy, 1).await;
    let e = exchange(&report, 1);
    assert!(e.severe, "{e:#?}");
    assert_eq!(e.note.as_deref(), Some(SEVERE));
    assert_eq!(e.outcome, Outcome::Diverged);
    assert_eq!(report.totals.severe, 1);
    assert!(report.text().contains("SEVERE"));
}
