//! The shadow verdict: the real answer compared with the shadow fake's for the same request, each
//! difference named by the fidelity ledger row that governs it ([`crate::fidelity::LEDGER`]), and the
//! rows the exchange confirmed.
//!
//! Compared ([`crate::compare::diff_with`]): the HTTP status, `code`, the envelope's keys, `data`'s field
//! names and JSON types (values by type: the real account's voices are not the shadow's), `msg` word for
//! word only where the fake answers the real text (4100, and the 4101 naming a resource), the media
//! type, the audio format of speech; the `x-tt-logid` by its format.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::answer::Answer;
use crate::catalogue::Endpoint;
use crate::compare::diff_with;
use crate::envelope::LogId;

/// The fake's rules whose `msg` is the real API's text: compared word for word. Every other message is
/// the fake's own wording, compared by presence and type.
const REAL_TEXT_RULES: [&str; 7] = [
    "auth.header_missing",
    "auth.not_bearer",
    "auth.token_unknown",
    "auth.token_expired",
    "auth.permission_missing",
    "account.plan_cannot_clone",
    "fault.envelope",
];

/// One place where the real API answered otherwise than the fake would have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Divergence {
    /// Dotted path (`status`, `body.code`, `body.data.name`).
    pub field: String,
    /// The real value; absent when the real answer lacks the field.
    pub real: Option<Value>,
    /// The fake's value; absent when the fake's answer lacks it.
    pub fake: Option<Value>,
    /// The ledger row that governs the field; `None` is a fact no row covers yet.
    pub ledger: Option<String>,
}

impl Divergence {
    /// The row, or "no ledger row".
    pub fn ledger_name(&self) -> &str {
        self.ledger.as_deref().unwrap_or("no ledger row")
    }
}

/// The verdict on one exchange.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Verdict {
    /// Where the answers differ; empty when they agree.
    pub divergences: Vec<Divergence>,
    /// Ledger rows the exchange touched and the real answer agreed with.
    pub confirmed: Vec<String>,
}

impl Verdict {
    /// The verdict of `divergences`, confirming each `touched` ledger row no divergence names.
    pub(crate) fn of(divergences: Vec<Divergence>, touched: Vec<&str>) -> Verdict {
        let confirmed = touched
            .into_iter()
            .filter(|row| {
                !divergences
                    .iter()
                    .any(|d| d.ledger.as_deref() == Some(*row))
            })
            .map(str::to_owned)
            .collect();
        Verdict {
            divergences,
            confirmed,
        }
    }
}

/// Compares the real answer to a request with the shadow fake's.
pub(crate) fn judge(endpoint: Endpoint, real: &Answer, fake: &Answer) -> Verdict {
    let real_text = fake
        .rule
        .as_deref()
        .is_some_and(|r| REAL_TEXT_RULES.contains(&r))
        && real.code() == fake.code();
    let by_type = |path: &str| {
        path.starts_with("body.data.")
            || path.starts_with("body.audio.bytes")
            || path.starts_with("body.audio.hash")
            || (path == "body.msg" && !real_text)
    };
    let context = Context {
        endpoint,
        real,
        fake,
    };
    let mut divergences: Vec<Divergence> = diff_with(&real.as_value(), &fake.as_value(), &by_type)
        .into_iter()
        .map(|d| Divergence {
            ledger: context.row(&d.path).map(str::to_owned),
            field: d.path,
            real: d.real,
            fake: d.fake,
        })
        .collect();
    if let Some(logid) = &real.logid {
        if !LogId::is_well_formed(logid) {
            divergences.push(Divergence {
                field: "headers.x-tt-logid (format)".to_owned(),
                real: Some(Value::String(logid.clone())),
                fake: fake.logid.clone().map(Value::String),
                ledger: Some("logid.format".to_owned()),
            });
        }
    }
    Verdict::of(divergences, context.governing(real_text))
}

struct Context<'a> {
    endpoint: Endpoint,
    real: &'a Answer,
    fake: &'a Answer,
}

impl Context<'_> {
    fn fake_rule(&self) -> &str {
        self.fake.rule.as_deref().unwrap_or_default()
    }

    /// Whether the two answers disagree on accepting the request.
    fn verdicts_differ(&self) -> bool {
        self.real.refuses() != self.fake.refuses() || self.real.code() != self.fake.code()
    }

    /// The ledger row governing a differing field.
    fn row(&self, path: &str) -> Option<&'static str> {
        let error = self.real.refuses() || self.fake.refuses();
        match path {
            "status" if error && !self.verdicts_differ() => Some("errors.status"),
            "headers.x-tt-logid" | "body.detail" | "body.detail.logid" => Some("logid.format"),
            "headers.content-type" if self.endpoint == Endpoint::Speech => Some("speech.audio"),
            "body.audio" | "body.audio.format" => Some("speech.audio"),
            "body.msg" if !self.verdicts_differ() => Some("errors.messages"),
            _ if self.verdicts_differ() => self.refusal_row(),
            p if p.starts_with("body.data") && self.endpoint == Endpoint::Clone => {
                Some("clone.answer")
            }
            _ => None,
        }
    }

    /// The row of the rule on which the two disagree about refusing.
    fn refusal_row(&self) -> Option<&'static str> {
        let plan_refusal = self.endpoint == Endpoint::Clone
            && (self.fake_rule() == "account.plan_cannot_clone"
                || (self.real.code() == Some(crate::error::CODE_PERMISSION_DENIED)
                    && !self.fake.refuses()));
        if plan_refusal {
            return Some("clone.plans");
        }
        rule_row(self.fake_rule()).or(if self.real.refuses() && self.fake.refuses() {
            Some("errors.codes")
        } else {
            None
        })
    }

    /// The rows this exchange's answers touch, confirmed unless a divergence names them. When the two
    /// disagree on accepting the request, only the logid's format can be confirmed.
    fn governing(&self, real_text: bool) -> Vec<&'static str> {
        let mut rows = vec!["logid.format"];
        if self.verdicts_differ() {
            return rows;
        }
        if self.fake.refuses() {
            rows.extend(["errors.status", "errors.codes"]);
            if real_text {
                rows.push("errors.messages");
            }
            rows.extend(rule_row(self.fake_rule()));
        } else {
            match self.endpoint {
                Endpoint::Clone => rows.extend(["clone.answer", "clone.plans"]),
                Endpoint::Speech => rows.push("speech.audio"),
                Endpoint::List
                | Endpoint::SpeechStream
                | Endpoint::Preview
                | Endpoint::OpenApi
                | Endpoint::AsyncApi
                | Endpoint::Admin(_)
                | Endpoint::Other => {}
            }
        }
        rows
    }
}

/// The ledger row behind one of the fake's rules, where one row governs it.
fn rule_row(rule: &str) -> Option<&'static str> {
    Some(match rule {
        "account.plan_cannot_clone" => "clone.plans",
        "auth.permission_missing" => "auth.permissions",
        "auth.not_bearer" => "auth.bearer_case",
        "voice_name.max_bytes" => "clone.voice_name_length",
        "file.max_size" => "file.max_size",
        "file.required" | "audio.empty" => "file.empty",
        "audio_format.required" => "clone.audio_format.required",
        "audio_format.supported" => "clone.audio_format.values",
        "audio.format_mismatch" | "audio.format_unrecognised" | "audio.format_unsupported" => {
            "file.format_by_bytes"
        }
        "audio.duration" => "file.duration",
        "text.wer" => "file.wer",
        "body.stalled" | "body.trickling" => "http.slow_clients",
        "list.param_invalid" => "list.parameters",
        "speech.input_max_bytes" => "speech.input_limit",
        "speech.param_invalid" | "speech.speed_range" | "speech.response_format" => {
            "speech.parameters"
        }
        "speech.sample_rate" => "speech.sample_rate_zero",
        "voice.other_space" | "voice.unknown" => "speech.voice_errors",
        "voice_id.not_found" => "clone.cross_workspace_retrain",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fidelity::LEDGER;
    use serde_json::json;

    const LOGID: &str = "20241210152726B2C5B5A8E3E8BD01F5F0";

    fn answer(status: u16, rule: Option<&str>, body: Value) -> Answer {
        Answer {
            status,
            content_type: Some("application/json".into()),
            logid: Some(LOGID.into()),
            rule: rule.map(str::to_owned),
            body,
        }
    }

    fn error(status: u16, code: i64, rule: &str, msg: &str) -> Answer {
        answer(
            status,
            Some(rule),
            json!({"code": code, "msg": msg, "detail": {"logid": LOGID}}),
        )
    }

    fn rows(verdict: &Verdict) -> Vec<(&str, &str)> {
        verdict
            .divergences
            .iter()
            .map(|d| (d.field.as_str(), d.ledger_name()))
            .collect()
    }

    #[test]
    fn every_row_the_verdict_can_name_is_in_the_ledger() {
        let rules = [
            "account.plan_cannot_clone",
            "auth.permission_missing",
            "auth.not_bearer",
            "voice_name.max_bytes",
            "file.max_size",
            "file.required",
            "audio_format.required",
            "audio_format.supported",
            "audio.format_mismatch",
            "audio.duration",
            "text.wer",
            "body.stalled",
            "list.param_invalid",
            "speech.input_max_bytes",
            "speech.param_invalid",
            "speech.sample_rate",
            "voice.unknown",
            "voice_id.not_found",
        ];
        let named = rules.iter().filter_map(|r| rule_row(r)).chain([
            "errors.status",
            "errors.codes",
            "errors.messages",
            "logid.format",
            "speech.audio",
            "clone.answer",
            "clone.plans",
        ]);
        for row in named {
            assert!(LEDGER.iter().any(|p| p.id == row), "{row}");
        }
    }

    #[test]
    fn an_error_on_another_status_is_errors_status_and_the_fakes_own_wording_is_not_compared() {
        let real = error(200, 4000, "", "The field voice_name provided is not valid.");
        let fake = error(400, 4000, "voice_name.required", "its own words");
        let verdict = judge(Endpoint::Clone, &real, &fake);
        assert_eq!(rows(&verdict), [("status", "errors.status")]);
        assert!(verdict.confirmed.contains(&"errors.codes".to_owned()));
        assert!(!verdict.confirmed.contains(&"errors.status".to_owned()));
    }

    #[test]
    fn a_real_4101_where_the_fake_clones_is_clone_plans() {
        let real = error(
            200,
            4101,
            "",
            "Your connector token does not have permission to access CloneVoice.",
        );
        let fake = answer(
            200,
            None,
            json!({"code": 0, "msg": "", "data": {"voice_id": "7"}, "detail": {"logid": LOGID}}),
        );
        let verdict = judge(Endpoint::Clone, &real, &fake);
        assert_eq!(
            verdict.confirmed,
            ["logid.format"],
            "no success row is confirmed by a refusal"
        );
        assert!(!verdict.divergences.is_empty());
        assert!(
            verdict
                .divergences
                .iter()
                .all(|d| d.ledger_name() == "clone.plans"),
            "{:?}",
            rows(&verdict)
        );
    }

    #[test]
    fn a_clone_answering_the_whole_voice_is_clone_answer_and_values_count_by_type() {
        let data = |extra: Value| {
            let mut d = json!({"voice_id": "7426720361732947977"});
            d.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            json!({"code": 0, "msg": "", "data": d, "detail": {"logid": LOGID}})
        };
        let real = answer(
            200,
            None,
            data(json!({"name": "real name", "is_system_voice": false})),
        );
        let fake = answer(200, None, data(json!({})));
        let verdict = judge(Endpoint::Clone, &real, &fake);
        assert_eq!(
            rows(&verdict),
            [
                ("body.data.is_system_voice", "clone.answer"),
                ("body.data.name", "clone.answer")
            ]
        );
        let same_shape = answer(
            200,
            None,
            data(json!({"name": "fake name", "is_system_voice": true})),
        );
        let verdict = judge(Endpoint::Clone, &real, &same_shape);
        assert!(verdict.divergences.is_empty(), "{:?}", rows(&verdict));
        assert!(verdict.confirmed.contains(&"clone.answer".to_owned()));
    }

    #[test]
    fn the_real_text_is_compared_word_for_word_and_a_malformed_logid_is_named() {
        let real = Answer {
            logid: Some("abc".into()),
            ..error(401, 4100, "", "authentication failed")
        };
        let fake = error(401, 4100, "auth.token_unknown", "authentication is invalid");
        let verdict = judge(Endpoint::List, &real, &fake);
        assert_eq!(
            rows(&verdict),
            [
                ("body.msg", "errors.messages"),
                ("headers.x-tt-logid (format)", "logid.format")
            ]
        );
    }
}
