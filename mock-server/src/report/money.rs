//! Findings over a sequence of requests: the habits that cost money against the real API.
//!
//! [`MoneyWatch`] sees every request in order ([`MoneyWatch::observe`]) and remembers, per workspace, name
//! and audio hash, what became of each clone: enough to tell a retried clone, a duplicate voice, a retrain
//! with nothing left and a clone loop that ran out of slots. It is bounded: past [`CLONES_REMEMBERED`]
//! distinct clones, the oldest are forgotten.

use std::collections::{HashMap, VecDeque};

use super::findings::{Finding, FindingId};
use crate::capture::{Client, Endpoint, FaultKind, Outcome, RequestSummary};
use crate::error::ApiError;

/// Distinct (workspace, name, audio) clones the watch remembers.
pub(crate) const CLONES_REMEMBERED: usize = 10_000;

/// New voices a client must have created before a refusal for want of a slot counts as a clone loop.
pub(crate) const LOOP_MIN_VOICES: u32 = 2;

/// What the watch knows of one (workspace, name, audio).
#[derive(Debug, Clone, Default)]
struct CloneHistory {
    /// The latest attempt's logid and outcome, when it left the client in doubt.
    last_ambiguous: Option<(Option<String>, String)>,
    /// Voices created with it, and the first one's logid.
    created: u32,
    first_created: Option<String>,
}

/// The sequence state behind the money findings.
#[derive(Debug, Default)]
pub(crate) struct MoneyWatch {
    clones: HashMap<(String, String, String), CloneHistory>,
    order: VecDeque<(String, String, String)>,
    created_by_client: HashMap<Client, u32>,
}

/// The rule names of the two refusals the watch looks for, taken from the error table itself.
fn no_slot_rule() -> &'static str {
    ApiError::NoVoiceSlots { used: 0, total: 0 }.rule()
}

fn clone_limit_rule() -> &'static str {
    ApiError::CloneLimitReached {
        voice_id: String::new(),
    }
    .rule()
}

/// How the report describes an answer that left the client in doubt.
pub(crate) fn describe_doubt(outcome: &Outcome) -> String {
    if outcome.abandoned {
        return match outcome.fault {
            Some(FaultKind::Latency { ms }) => {
                format!("a {ms} ms delay the client gave up on (a timeout)")
            }
            _ => "the client giving up before the answer (a timeout)".to_owned(),
        };
    }
    match (outcome.fault, outcome.status, outcome.code) {
        (Some(FaultKind::Drop), _, _) | (_, None, _) => "a dropped connection".to_owned(),
        (Some(FaultKind::Latency { ms }), _, _) => format!("a {ms} ms delay (a client timeout)"),
        (Some(FaultKind::Envelope), Some(status), Some(code)) => {
            format!("an injected {code} envelope on HTTP {status}")
        }
        (Some(FaultKind::HttpStatus), Some(status), _) => format!("an injected HTTP {status}"),
        (_, Some(status), Some(code)) => format!("code {code} on HTTP {status}"),
        (_, Some(status), None) => format!("HTTP {status}"),
    }
}

impl MoneyWatch {
    /// Takes the next request and returns the findings it makes with the ones before it.
    pub(crate) fn observe(&mut self, s: &RequestSummary) -> Vec<Finding> {
        if s.endpoint != Endpoint::Clone {
            return Vec::new();
        }
        let mut found = Vec::new();
        let rule = s.outcome.rule.as_deref();
        if let Some(voice_id) = &s.inputs.voice_id {
            if rule == Some(clone_limit_rule()) {
                found.push(Finding::new(
                    FindingId::RetrainExhausted,
                    format!("voice_id {voice_id} has no training times left"),
                ));
            }
            return found;
        }
        if rule == Some(no_slot_rule()) {
            let created = self.created_by_client.get(&s.client).copied().unwrap_or(0);
            if created >= LOOP_MIN_VOICES {
                found.push(Finding::new(
                    FindingId::SlotsExhausted,
                    format!(
                        "refused for want of a slot after this client created {created} new voices"
                    ),
                ));
            }
        }
        let (Some(name), Some(file)) = (&s.inputs.voice_name, &s.inputs.file) else {
            return found;
        };
        let key = (
            s.workspace.clone().unwrap_or_default(),
            name.clone(),
            file.hash.clone(),
        );
        let history = self.history(key);
        if let Some((logid, doubt)) = &history.last_ambiguous {
            found.push(Finding::new(
                FindingId::RetriedClone,
                format!(
                    "voice_name {name:?}, audio {}: sent again after {doubt} (logid {})",
                    file.hash,
                    logid.as_deref().unwrap_or("none")
                ),
            ));
        }
        let created = s.outcome.succeeded();
        if created && history.created >= 1 {
            found.push(Finding::new(
                FindingId::DuplicateVoice,
                format!(
                    "voice_name {name:?}, audio {}: voice number {} in workspace {} (first: logid {})",
                    file.hash,
                    history.created + 1,
                    s.workspace.as_deref().unwrap_or("?"),
                    history.first_created.as_deref().unwrap_or("none")
                ),
            ));
        }
        history.last_ambiguous = s
            .outcome
            .ambiguous()
            .then(|| (s.logid.clone(), describe_doubt(&s.outcome)));
        if created {
            history.created += 1;
            if history.first_created.is_none() {
                history.first_created = s.logid.clone();
            }
            *self.created_by_client.entry(s.client.clone()).or_default() += 1;
        }
        found
    }

    fn history(&mut self, key: (String, String, String)) -> &mut CloneHistory {
        if !self.clones.contains_key(&key) {
            if self.order.len() >= CLONES_REMEMBERED {
                if let Some(oldest) = self.order.pop_front() {
                    self.clones.remove(&oldest);
                }
            }
            self.order.push_back(key.clone());
        }
        self.clones.entry(key).or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::findings::tests::clean_clone;
    use crate::report::findings::Severity;

    fn with_outcome(
        mut s: RequestSummary,
        status: Option<u16>,
        code: Option<i64>,
        fault: Option<FaultKind>,
    ) -> RequestSummary {
        s.outcome = Outcome {
            status,
            code,
            rule: None,
            fault,
            duration_ms: 1,
            abandoned: false,
        };
        s
    }

    fn ids(found: &[Finding]) -> Vec<&'static str> {
        found.iter().map(|f| f.id.name()).collect()
    }

    #[test]
    fn a_clone_repeated_after_each_kind_of_doubt_is_a_retried_clone() {
        let doubts = [
            (None, None, Some(FaultKind::Drop), "a dropped connection"),
            (
                Some(200),
                Some(5000),
                Some(FaultKind::Envelope),
                "an injected 5000 envelope on HTTP 200",
            ),
            (
                Some(503),
                None,
                Some(FaultKind::HttpStatus),
                "an injected HTTP 503",
            ),
            (Some(500), Some(5000), None, "code 5000 on HTTP 500"),
        ];
        for (status, code, fault, described) in doubts {
            let mut watch = MoneyWatch::default();
            let first = with_outcome(clean_clone(), status, code, fault);
            assert!(watch.observe(&first).is_empty());
            let found = watch.observe(&clean_clone());
            assert_eq!(ids(&found), ["money.retried_clone"], "{described}");
            assert_eq!(found[0].severity, Severity::Warning);
            assert!(
                found[0].evidence.contains(described),
                "{}",
                found[0].evidence
            );
            assert!(found[0].evidence.contains("narrator"));
        }
    }

    #[test]
    fn a_retry_after_a_timeout_that_had_succeeded_also_makes_a_duplicate_voice() {
        let mut watch = MoneyWatch::default();
        let slow = with_outcome(
            clean_clone(),
            Some(200),
            Some(0),
            Some(FaultKind::Latency { ms: 30_000 }),
        );
        assert!(watch.observe(&slow).is_empty());
        let found = watch.observe(&clean_clone());
        assert_eq!(
            ids(&found),
            ["money.retried_clone", "money.duplicate_voice"]
        );
        assert!(found[0].evidence.contains("30000 ms delay"));
    }

    #[test]
    fn a_clone_repeated_after_the_client_gave_up_waiting_is_a_retried_clone() {
        let mut watch = MoneyWatch::default();
        let mut gave_up = with_outcome(
            clean_clone(),
            None,
            None,
            Some(FaultKind::Latency { ms: 3000 }),
        );
        gave_up.outcome.abandoned = true;
        watch.observe(&gave_up);
        let found = watch.observe(&clean_clone());
        assert_eq!(ids(&found), ["money.retried_clone"]);
        assert!(found[0]
            .evidence
            .contains("a 3000 ms delay the client gave up on (a timeout)"));
    }

    #[test]
    fn a_clone_after_a_plain_refusal_is_no_retry() {
        let mut watch = MoneyWatch::default();
        let refused = with_outcome(clean_clone(), Some(200), Some(4000), None);
        watch.observe(&refused);
        assert!(watch.observe(&clean_clone()).is_empty());
    }

    #[test]
    fn a_second_new_voice_with_the_same_name_and_audio_in_a_workspace_is_a_duplicate() {
        let mut watch = MoneyWatch::default();
        assert!(watch.observe(&clean_clone()).is_empty());
        let found = watch.observe(&clean_clone());
        assert_eq!(ids(&found), ["money.duplicate_voice"]);
        assert!(found[0].evidence.contains("voice number 2"));

        let mut other_space = clean_clone();
        other_space.workspace = Some("7000000000000000002".into());
        assert!(watch.observe(&other_space).is_empty(), "another workspace");
        let mut other_audio = clean_clone();
        other_audio.inputs.file.as_mut().unwrap().hash =
            crate::capture::fingerprint::AudioHasher::digest(b"more");
        assert!(watch.observe(&other_audio).is_empty(), "other audio");
    }

    #[test]
    fn a_retrain_refused_for_its_clone_limit_is_an_error() {
        let mut watch = MoneyWatch::default();
        let mut retrain = clean_clone();
        retrain.inputs.voice_id = Some("7000000000000000123".into());
        assert!(watch.observe(&retrain).is_empty(), "an accepted retrain");
        retrain.outcome.code = Some(4101);
        retrain.outcome.rule = Some(clone_limit_rule().to_owned());
        let found = watch.observe(&retrain);
        assert_eq!(ids(&found), ["money.retrain_exhausted"]);
        assert_eq!(found[0].severity, Severity::Error);
    }

    #[test]
    fn a_clone_loop_that_runs_out_of_slots_is_an_error_a_first_refusal_is_not() {
        let mut watch = MoneyWatch::default();
        let mut refused = clean_clone();
        refused.outcome.code = Some(4101);
        refused.outcome.rule = Some(no_slot_rule().to_owned());
        refused.inputs.voice_name = Some("again".into());
        assert!(watch.observe(&refused).is_empty(), "no voice created yet");
        for i in 0..LOOP_MIN_VOICES {
            let mut s = clean_clone();
            s.inputs.voice_name = Some(format!("voice {i}"));
            assert!(watch.observe(&s).is_empty());
        }
        let found = watch.observe(&refused);
        assert_eq!(ids(&found), ["money.slots_exhausted"]);
        assert!(found[0].evidence.contains("created 2 new voices"));
    }

    #[test]
    fn the_watch_forgets_its_oldest_clones_past_its_bound() {
        let mut watch = MoneyWatch::default();
        let first = clean_clone();
        watch.observe(&first);
        for i in 0..CLONES_REMEMBERED {
            let mut s = clean_clone();
            s.inputs.voice_name = Some(format!("v{i}"));
            watch.observe(&s);
        }
        assert_eq!(watch.clones.len(), CLONES_REMEMBERED);
        assert!(watch.observe(&first).is_empty(), "forgotten");
    }
}
