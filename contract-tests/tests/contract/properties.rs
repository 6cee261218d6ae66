//! Properties of every answer, over generated requests (`contract_tests::strategies`).
//!
//! One runtime and one client are shared by all cases (proptest bodies are not async: proptest#179).
//! `PROPTEST_CASES` sets the number of cases (default 24). On the real target the properties that would
//! clone run no case, the others at most 4 cases and without shrinking: every case is a request to a
//! rate-limited, paid service.

use std::collections::HashMap;
use std::sync::LazyLock;

use contract_tests::contract::{CLONES_PER_VOICE_ID, CODE_NOT_FOUND, CODE_PERMISSION_DENIED};
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

/// The case count: `PROPTEST_CASES` or `default`; on the real target 0 for properties that clone,
/// at most 4 for the others, no shrinking, and no replay of `proptest-regressions/` (proptest replays
/// persisted seeds whatever `cases` says, and in every property of the file: on the real API that
/// would clone).
fn config(default: u32, clones: bool) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    let real = SHARED.1.settings().is_real();
    Config {
        cases: match (real, clones) {
            (false, _) => cases,
            (true, true) => 0,
            (true, false) => cases.min(4),
        },
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
