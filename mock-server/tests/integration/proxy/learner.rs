//! Without `--config` the upstream decides authentication: the upstream here is a second fake with no
//! setting changed but its own tokens (the shadow's default configuration holds none of them). A token it
//! refuses, for itself or its account, is judged agreed against the fake's own answer for that failure
//! and leaves the shadow untouched; a token it accepts becomes the shadow's.

use coze_mock::__internals::proxy::drift::{DriftReport, Outcome};
use coze_mock::__internals::proxy::spend::Spend;
use coze_mock::config::Config;
use coze_mock::MockServer;
use serde_json::Value;

use super::disagreeing::{proxy, DIRECTORY, ENTERPRISE};
use super::{exchange, report_after};
use crate::support::api::Api;
use crate::support::clone_form::CloneForm;

/// A token no server knows: the upstream refuses it (4100).
pub(crate) const BAD: &str = "pat_refused_upstream_3e1d";
/// The upstream's token that may list voices only: its clones are refused (4101).
const LIST_ONLY: &str = "pat_upstream_list_only_5b80";

/// An upstream fake with the accounts of [`DIRECTORY`] and a list-only token, no setting changed: it
/// agrees with the shadow on every rule, and its tokens differ from the shadow's.
pub(crate) async fn agreeing_upstream() -> MockServer {
    let list_only = format!(
        "{DIRECTORY}\n[[tokens]]\nvalue = \"{LIST_ONLY}\"\naccount = \"enterprise\"\n\
         personal_workspace = \"7300000000000000002\"\npermissions = [\"listVoice\"]\n"
    );
    MockServer::start_with(Config::from_toml(&list_only).expect("valid upstream configuration"))
        .await
}

/// Asserts exchange `seq` agreed and confirmed each of `rows`.
fn assert_agreed(report: &DriftReport, seq: u64, rows: &[&str]) {
    let e = exchange(report, seq);
    assert_eq!(e.outcome, Outcome::Agreed, "{e:#?}");
    for row in rows {
        assert!(e.confirmed.contains(&(*row).to_owned()), "{row}: {e:#?}");
    }
}

/// The shadow's cloned voices (its admin API, through the proxy).
async fn shadow_voices(api: &Api) -> Vec<Value> {
    let voices = api.admin_get("/voices").await.data();
    let voices = voices.as_array().expect("voices").clone();
    voices
        .into_iter()
        .filter(|v| v["is_system_voice"] == false)
        .collect()
}

#[tokio::test]
async fn a_token_the_upstream_refuses_is_judged_agreed_and_a_good_one_still_works() {
    let upstream = agreeing_upstream().await;
    let (proxy, api) = proxy(&upstream, Spend::All).await;

    let clone = api.clone_voice(BAD, "refused", None, None).await;
    let list = api.list(BAD, "page_num=1&page_size=10").await;
    let speech = api.speak_wav(BAD, "7400000000000000001", "你好").await;
    for refused in [&clone, &list, &speech] {
        assert_eq!(
            (refused.status, refused.code()),
            (401, 4100),
            "the upstream's"
        );
    }
    let report = report_after(&proxy, 3).await;
    for seq in 1..=3 {
        assert_agreed(
            &report,
            seq,
            &["errors.status", "errors.codes", "errors.messages"],
        );
    }
    // The shadow never judged them: no voice, no journal record, and the token is not its.
    assert!(shadow_voices(&api).await.is_empty());
    let journal = api.admin_get("/journal").await.data()["records"].clone();
    assert_eq!(journal.as_array().map(Vec::len), Some(0), "{journal}");

    let cloned = api.clone_voice(ENTERPRISE, "accepted", None, None).await;
    cloned.assert_ok();
    let id = cloned.voice_id();
    let listed = api.cloned_voice_ids(ENTERPRISE).await;
    assert_eq!(listed, std::slice::from_ref(&id));
    let spoken = api.speak_wav(ENTERPRISE, &id, "你好").await;
    assert_eq!(spoken.status, 200);
    let report = report_after(&proxy, 6).await;
    assert_agreed(&report, 4, &["clone.answer", "clone.plans"]);
    assert_agreed(&report, 5, &["logid.format"]);
    assert_agreed(&report, 6, &["speech.audio"]);
    let t = &report.totals;
    assert_eq!(
        (t.exchanges, t.forwarded, t.agreed, t.diverged),
        (6, 6, 6, 0)
    );
    let voices = shadow_voices(&api).await;
    assert_eq!(voices.len(), 1, "the accepted clone's only: {voices:?}");
    assert_eq!(voices[0]["voice_id"], id.as_str(), "the upstream's id");
}

#[tokio::test]
async fn a_token_without_the_endpoints_permission_upstream_is_judged_agreed_then_learned_by_its_list(
) {
    let upstream = agreeing_upstream().await;
    let (proxy, api) = proxy(&upstream, Spend::All).await;
    let refused = api
        .clone_voice(LIST_ONLY, "no permission", None, None)
        .await;
    assert_eq!((refused.status, refused.code()), (403, 4101));
    let listed = api.list(LIST_ONLY, "page_num=1&page_size=10").await;
    listed.assert_ok();
    let report = report_after(&proxy, 2).await;
    assert_agreed(&report, 1, &["errors.status", "auth.permissions"]);
    assert_agreed(&report, 2, &["logid.format"]);
    assert!(shadow_voices(&api).await.is_empty());
}

#[tokio::test]
async fn under_spend_none_a_token_the_upstream_refused_stays_refused_and_an_unseen_one_is_taken() {
    let upstream = agreeing_upstream().await;
    let (proxy, api) = proxy(&upstream, Spend::None).await;
    let list = api.list(BAD, "page_num=1&page_size=10").await;
    assert_eq!(list.code(), 4100, "the upstream's");
    // Not forwarded: the shadow knows the upstream refused the token.
    let clone = api.clone_voice(BAD, "stays refused", None, None).await;
    assert_eq!(
        clone.header("x-coze-mock-proxy"),
        "not forwarded (--spend none)"
    );
    clone.assert_refused(4100, "auth.token_unknown");
    // A token the upstream never answered: the shadow cannot know, and takes it.
    let unseen = api
        .clone_voice("pat_never_forwarded_0c4e", "taken", None, None)
        .await;
    unseen.assert_ok();
    let report = report_after(&proxy, 3).await;
    assert_agreed(&report, 1, &["errors.status", "errors.codes"]);
    assert_eq!(upstream.received_requests().len(), 1, "the list only");
}

#[tokio::test]
async fn under_spend_refusals_a_token_refused_upstream_is_met_by_the_fakes_4100_not_its_own_refusal(
) {
    let upstream = agreeing_upstream().await;
    let (proxy, api) = proxy(&upstream, Spend::Refusals).await;
    // The shadow takes the unseen token on sight and refuses the missing name; the upstream refuses
    // the token first.
    let missing = CloneForm::valid(BAD).without("voice_name").send(&api).await;
    assert_eq!((missing.status, missing.code()), (401, 4100));
    // Forgotten: the shadow now refuses the token itself, and forwards the refusal.
    let valid = api.clone_voice(BAD, "refused", None, None).await;
    assert_eq!((valid.status, valid.code()), (401, 4100));
    assert!(
        valid.headers.get("x-coze-mock-proxy").is_none(),
        "forwarded"
    );
    let report = report_after(&proxy, 2).await;
    for seq in [1, 2] {
        assert_agreed(&report, seq, &["errors.status", "errors.messages"]);
    }
    assert_eq!(report.totals.severe, 0);
    assert!(shadow_voices(&api).await.is_empty());
}
