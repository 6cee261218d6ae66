//! Properties of every answer, over generated requests (`contract_tests::strategies`).
//!
//! One runtime and one client are shared by all cases (proptest bodies are not async: proptest#179).
//! `PROPTEST_CASES` sets the number of cases (default 24). On the real target the properties that would
//! clone run no case, the others at most 4 cases and without shrinking: every case is a request to a
//! rate-limited, paid service.

use std::collections::HashMap;
use std::sync::LazyLock;

use contract_tests::contract::{CLONES_PER_VOICE_ID, CODE_NOT_FOUND, CODE_PERMISSION_DENIED};
use contract_tests::notice::{notice, skip_summary};
use contract_tests::strategies::{broken_request, valid_request};
use contract_tests::{Api, CapturedResponse, CloneRequest};
use proptest::prelude::*;
use proptest::test_runner::Config;
use tokio::runtime::Runtime;

/// The shared runtime and client.
static SHARED: LazyLock<(Runtime, Api)> = LazyLock::new(|| {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let api = rt.block_on(Api::from_env());
    (rt, api)
});

fn send(req: &CloneRequest) -> CapturedResponse {
    let (rt, api) = &*SHARED;
    rt.block_on(api.clone_voice(req))
}

/// What a property that clones says when it runs no case on the real target, so that `contract_run`'s
/// closing line counts it (`cargo test` reports it as ok).
const NO_CASE_ON_THE_REAL_API: &str =
    "skipped on the real API: a property that clones runs no case there (each case would create and bill a voice)";

/// The cases a property runs: `requested` on a fake; on the real target none for a property that clones
/// (and the notice that says so), at most 4 for the others.
fn cases(requested: u32, real: bool, clones: bool) -> (u32, Option<&'static str>) {
    match (real, clones) {
        (false, _) => (requested, None),
        (true, true) => (0, Some(NO_CASE_ON_THE_REAL_API)),
        (true, false) => (requested.min(4), None),
    }
}

/// The config of a property: [`cases`] of `PROPTEST_CASES` or `default`; on the real target no
/// shrinking and no replay of `proptest-regressions/` (proptest replays persisted seeds whatever `cases`
/// says, and in every property of the file: on the real API that would clone). Called by each property's
/// own test, so a notice names that test.
fn config(default: u32, clones: bool) -> Config {
    let requested = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    let real = SHARED.1.settings().is_real();
    let (cases, skipped) = cases(requested, real, clones);
    if let Some(line) = skipped {
        notice(line);
    }
    Config {
        cases,
        max_shrink_iters: if real { 0 } else { 256 },
        failure_persistence: if real {
            None
        } else {
            Config::default().failure_persistence
        },
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(24, true))]

    /// A request the page says succeeds does, and its answer is a well-formed envelope.
    #[test]
    fn a_valid_request_succeeds_with_a_well_formed_envelope(req in valid_request()) {
        let resp = send(&req);
        prop_assert_eq!(resp.check_envelope(), Ok(()));
        prop_assert_eq!(resp.code(), Some(0), "{:?}\n{:#?}", req, resp);
    }
}

proptest! {
    #![proptest_config(config(32, false))]

    /// A request broken in one documented way fails with that way's code, in a well-formed envelope
    /// whose logid is in the real format and equal in body and `x-tt-logid` header.
    #[test]
    fn a_broken_request_fails_with_the_documented_code(case in broken_request()) {
        let (breakage, req) = case;
        let resp = send(&req);
        prop_assert_eq!(resp.check_envelope(), Ok(()));
        prop_assert_eq!(
            resp.code(),
            Some(breakage.expected().code()),
            "{:?} gave {:#?}\nrequest: {:?}",
            breakage,
            resp.body,
            req
        );
    }
}

/// One step of the clone-cap model.
#[derive(Debug, Clone)]
enum Step {
    /// Clone a new voice.
    Create,
    /// Retrain the n-th voice created so far (modulo how many exist; a create if none does).
    Retrain(usize),
    /// Retrain a voice id that does not exist.
    RetrainUnknown,
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        1 => Just(Step::Create),
        8 => (0usize..2).prop_map(Step::Retrain),
        1 => Just(Step::RetrainUnknown),
    ];
    proptest::collection::vec(step, 1..28)
}

proptest! {
    #![proptest_config(config(8, true))]

    /// The server's clone counts follow a reference model (`voice id → clones`): a retrain succeeds
    /// while its voice has had fewer than 10 clones and fails with 4101 after; an unknown id fails with
    /// 4200.
    #[test]
    fn clone_counts_follow_the_reference_model(steps in steps()) {
        let light = || CloneRequest::valid_sample().speech_in("mp3");
        let mut model: Vec<(String, u32)> = Vec::new();
        let mut seen: HashMap<String, u32> = HashMap::new();
        for step in &steps {
            match step {
                Step::Retrain(n) if !model.is_empty() => {
                    let i = n % model.len();
                    let (id, count) = model[i].clone();
                    let resp = send(&light().voice_id(&id));
                    if count < CLONES_PER_VOICE_ID {
                        prop_assert_eq!(resp.code(), Some(0), "clone {} of {}: {:#?}", count + 1, id, resp);
                        model[i].1 += 1;
                    } else {
                        prop_assert_eq!(resp.code(), Some(CODE_PERMISSION_DENIED), "clone {} of {}: {:#?}", count + 1, id, resp);
                    }
                }
                Step::RetrainUnknown => {
                    let resp = send(&light().voice_id("7000000000000000999"));
                    prop_assert_eq!(resp.code(), Some(CODE_NOT_FOUND), "{:#?}", resp);
                }
                Step::Create | Step::Retrain(_) => {
                    let resp = send(&light());
                    prop_assert_eq!(resp.code(), Some(0), "{:#?}", resp);
                    let id = resp.voice_id().unwrap_or_default().to_owned();
                    prop_assert!(seen.insert(id.clone(), 1).is_none(), "voice id {} given twice", id);
                    model.push((id, 1));
                }
            }
        }
    }
}

/// On the real target the two properties that clone run no case, and each says so in a line the closing
/// summary of `contract_run` counts; on a fake they run what was asked, silently.
#[test]
fn on_the_real_target_a_cloning_property_runs_no_case_and_is_counted_as_skipped() {
    assert_eq!(cases(24, false, true), (24, None));
    assert_eq!(cases(32, true, false), (4, None));
    let (none, line) = cases(8, true, true);
    assert_eq!(none, 0);
    let notices = ["valid", "model"]
        .map(|test| {
            format!(
                "[contract] properties::{test}: {}\n",
                line.expect("a notice")
            )
        })
        .concat();
    let summary = skip_summary(&notices).expect("a closing line");
    assert!(
        summary.starts_with("contract: 2 test(s) reported ok checked nothing"),
        "{summary}"
    );
    assert!(
        summary.contains("2 (on the real API: a property that clones runs no case there"),
        "{summary}"
    );
}
