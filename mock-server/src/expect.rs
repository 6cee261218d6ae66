//! Expected outcomes: a test that provokes a refusal on purpose (a 129-byte name, an 11th clone) says so,
//! and the report counts the refusal as covered instead of as the client's mistake.
//!
//! A test declares the outcome in one of two ways:
//! - the request header [`EXPECT_HEADER`] (`X-Coze-Mock-Expect: 4000`, `4000,4101`, `refusal`, or a rule
//!   name such as `voice_name.max_bytes`): that one request must be answered so;
//! - `POST /__admin/expect` ([`ExpectSpec`]), for clients that cannot add a header: either the next
//!   `times` matching requests must each be answered so, or, for a window (`for_ms`, or until
//!   `DELETE /__admin/expect`), every refusal in it must be. Successes inside a window pass as usual, so
//!   a test may set up what it needs before provoking the refusal. The pytest marker
//!   `coze_mock_expect` and the node helper `mock.expect()` open such a window around one test.
//!
//! The journal layer records each request's declaration ([`Declared`]) beside what it recorded of the
//! request; the report judges it when it reads the journal ([`crate::report::concluded`]): a request
//! answered as declared keeps its findings, each marked expected and downgraded to `info`, so
//! `coze-mock report --fail-on error` passes over them; a request answered otherwise gets one more
//! finding, `expect.unmet`, an error. A header wins over an admin expectation; an admin expectation applies
//! to API requests only (the admin API is not journaled).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::capture::Outcome;
use crate::error::ApiError;
use crate::json_integer::{given, given_integer, integer};

/// The request header that declares the outcome a test expects.
pub(crate) const EXPECT_HEADER: &str = "x-coze-mock-expect";

/// Outcomes one declaration accepts: any of them meets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation(Vec<Expected>);

/// One accepted outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expected {
    /// An answer with this envelope code.
    Code(i64),
    /// An answer decided by this rule (`voice_name.max_bytes`, the `x-coze-mock-rule` header's value).
    Rule(String),
    /// Any answer that is not a plain success.
    Refusal,
}

impl Expectation {
    /// Parses the header's syntax: `CODE[,CODE…]`, `refusal`, rule names, separated by commas.
    pub fn parse(text: &str) -> Result<Expectation, String> {
        let mut outcomes = Vec::new();
        for item in text.split(',').map(|item| item.trim_matches(' ')) {
            outcomes.push(Expected::parse(item).ok_or_else(|| {
                format!("{item:?} is neither a code, `refusal` nor a rule name (`voice_name.max_bytes`)")
            })?);
        }
        Ok(Expectation(outcomes))
    }

    /// Whether `outcome` is one of the declared outcomes.
    pub fn met_by(&self, outcome: &Outcome) -> bool {
        self.0.iter().any(|e| match e {
            Expected::Code(code) => outcome.status.is_some() && outcome.code == Some(*code),
            Expected::Rule(rule) => outcome.rule.as_deref() == Some(rule.as_str()),
            Expected::Refusal => !outcome.succeeded(),
        })
    }
}

impl Expected {
    fn parse(item: &str) -> Option<Expected> {
        if item.eq_ignore_ascii_case("refusal") {
            return Some(Expected::Refusal);
        }
        if let Ok(code) = item.parse::<i64>() {
            return Some(Expected::Code(code));
        }
        let rule_like = item.contains('.')
            && item
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.');
        rule_like.then(|| Expected::Rule(item.to_owned()))
    }
}

impl fmt::Display for Expectation {
    /// `4000`, `4000 or 4101`, `a refusal`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self
            .0
            .iter()
            .map(|e| match e {
                Expected::Code(c) => c.to_string(),
                Expected::Rule(r) => r.clone(),
                Expected::Refusal => "a refusal".to_owned(),
            })
            .collect();
        f.write_str(&names.join(" or "))
    }
}

/// Where a request's expectation came from, and how strictly it judges.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared {
    /// The outcomes, or why the header could not be read.
    pub expectation: Result<Expectation, String>,
    /// The admin expectation's id; `None` for the header.
    pub admin_id: Option<u64>,
    /// Whether a success is judged too (the header, `times`), or only refusals (a window).
    pub judges_successes: bool,
}

impl Declared {
    /// Whether the answer is judged: always for the header and `times`, only refusals in a window.
    pub fn judges(&self, outcome: &Outcome) -> bool {
        self.judges_successes || !outcome.succeeded()
    }

    /// Where it came from: `X-Coze-Mock-Expect`, or `admin expectation 3`.
    pub fn source(&self) -> String {
        match self.admin_id {
            Some(id) => format!("admin expectation {id}"),
            None => "X-Coze-Mock-Expect".to_owned(),
        }
    }
}

/// What `POST /__admin/expect` takes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectSpec {
    /// The outcomes, in the header's syntax (`"4000,4101"`, `"refusal"`) or as a list (`[4000, 4101]`).
    pub expect: OneOrMany,
    /// Matches this path exactly, or every path starting with the part before a trailing `*`; every
    /// path if absent.
    #[serde(default, deserialize_with = "given")]
    pub path: Option<String>,
    /// Matches this method (case-insensitive); every method if absent.
    #[serde(default, deserialize_with = "given")]
    pub method: Option<String>,
    /// The next `times` matching requests must each be answered so (successes included).
    #[serde(default, deserialize_with = "given_integer")]
    pub times: Option<u32>,
    /// A window of `for_ms` milliseconds from now; with neither `times` nor `for_ms`, a window until
    /// `DELETE /__admin/expect`.
    #[serde(default, deserialize_with = "given_integer")]
    pub for_ms: Option<u64>,
}

/// A code or a word, or a list of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One code or the header's syntax.
    One(One),
    /// Codes and words.
    List(Vec<One>),
}

/// A code, or outcomes in the header's syntax.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum One {
    /// One code.
    Code(#[serde(deserialize_with = "integer")] i64),
    /// The header's syntax.
    Text(String),
}

impl One {
    fn text(&self) -> String {
        match self {
            One::Code(c) => c.to_string(),
            One::Text(t) => t.clone(),
        }
    }
}

impl OneOrMany {
    fn text(&self) -> String {
        match self {
            OneOrMany::One(one) => one.text(),
            OneOrMany::List(items) => items.iter().map(One::text).collect::<Vec<_>>().join(","),
        }
    }
}

/// An admin expectation, as `GET`/`DELETE /__admin/expect` show it.
#[derive(Debug, Clone, Serialize)]
pub struct AdminExpectation {
    /// Its id.
    pub id: u64,
    /// The declared outcomes (`4000 or 4101`).
    pub expect: String,
    /// See [`ExpectSpec::path`].
    pub path: Option<String>,
    /// See [`ExpectSpec::method`].
    pub method: Option<String>,
    /// Matching requests it will still judge, with `times`.
    pub remaining: Option<u32>,
    /// Unix milliseconds after which it no longer applies, with `for_ms`.
    pub until_ms: Option<i64>,
    /// Requests answered as declared, among those the journal keeps (filled in when read).
    pub met: u64,
    /// Requests answered otherwise, among those the journal keeps (filled in when read).
    pub unmet: u64,
    #[serde(skip)]
    expectation: Expectation,
}

impl AdminExpectation {
    fn applies(&self, method: &str, path: &str, now_ms: i64) -> bool {
        let path_ok = match self.path.as_deref() {
            None => true,
            Some(p) => match p.strip_suffix('*') {
                Some(prefix) => path.starts_with(prefix),
                None => path == p,
            },
        };
        path_ok
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.remaining != Some(0)
            && self.until_ms.is_none_or(|until| now_ms < until)
    }
}

/// The admin expectations, shared by the journal layer and the admin API.
#[derive(Debug, Default)]
pub struct Expectations {
    next_id: AtomicU64,
    list: Mutex<Vec<AdminExpectation>>,
}

/// Admin expectations kept at once: each is a test's declaration, and tests delete theirs.
pub(crate) const EXPECTATIONS_KEPT: usize = 1000;

impl Expectations {
    fn lock(&self) -> MutexGuard<'_, Vec<AdminExpectation>> {
        // Every update is a push, a clear or a counter change: a poisoned list is still consistent.
        self.list.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Checks and adds an expectation.
    pub fn add(&self, spec: ExpectSpec, now_ms: i64) -> Result<AdminExpectation, ApiError> {
        let invalid = |reason: String| ApiError::AdminInvalid { reason };
        let expectation =
            Expectation::parse(&spec.expect.text()).map_err(|r| invalid(format!("expect: {r}")))?;
        if let Some(method) = &spec.method {
            if http::Method::from_bytes(method.as_bytes()).is_err() {
                return Err(invalid(format!("method {method:?} is not an HTTP method")));
            }
        }
        if spec.times == Some(0) {
            return Err(invalid("times must be at least 1".to_owned()));
        }
        let until_ms = spec
            .for_ms
            .map(|ms| now_ms.saturating_add(i64::try_from(ms).unwrap_or(i64::MAX)));
        let mut list = self.lock();
        if list.len() >= EXPECTATIONS_KEPT {
            return Err(invalid(format!(
                "{EXPECTATIONS_KEPT} expectations are kept at most: DELETE /__admin/expect first"
            )));
        }
        let added = AdminExpectation {
            id: self.next_id.fetch_add(1, Ordering::Relaxed) + 1,
            expect: expectation.to_string(),
            path: spec.path,
            method: spec.method,
            remaining: spec.times,
            until_ms,
            met: 0,
            unmet: 0,
            expectation,
        };
        list.push(added.clone());
        Ok(added)
    }

    /// Every expectation, with what it has seen.
    pub fn list(&self) -> Vec<AdminExpectation> {
        self.lock().clone()
    }

    /// Forgets every expectation; returns them with what they saw.
    pub fn clear(&self) -> Vec<AdminExpectation> {
        std::mem::take(&mut *self.lock())
    }

    /// The expectation a request arriving now declares: its header's, else the first admin expectation
    /// that applies (a `times` one is used up by it).
    pub fn declared(
        &self,
        header: Option<&[u8]>,
        method: &str,
        path: &str,
        now_ms: i64,
    ) -> Option<Declared> {
        if let Some(value) = header {
            let text = String::from_utf8_lossy(value);
            return Some(Declared {
                expectation: Expectation::parse(&text)
                    .map_err(|r| format!("X-Coze-Mock-Expect: {r}")),
                admin_id: None,
                judges_successes: true,
            });
        }
        let mut list = self.lock();
        let found = list.iter_mut().find(|e| e.applies(method, path, now_ms))?;
        if let Some(left) = found.remaining.as_mut() {
            *left -= 1;
        }
        Some(Declared {
            expectation: Ok(found.expectation.clone()),
            admin_id: Some(found.id),
            judges_successes: found.remaining.is_some(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(status: Option<u16>, code: Option<i64>, rule: Option<&str>) -> Outcome {
        Outcome {
            status,
            code,
            rule: rule.map(str::to_owned),
            fault: None,
            duration_ms: 0,
            abandoned: false,
        }
    }

    fn spec(expect: &str, times: Option<u32>, path: Option<&str>) -> ExpectSpec {
        ExpectSpec {
            expect: OneOrMany::One(One::Text(expect.to_owned())),
            path: path.map(str::to_owned),
            method: None,
            times,
            for_ms: None,
        }
    }

    #[test]
    fn the_header_names_codes_rules_or_any_refusal() {
        let e = Expectation::parse("4000, 4101").unwrap();
        assert!(e.met_by(&outcome(Some(400), Some(4000), None)));
        assert!(e.met_by(&outcome(Some(403), Some(4101), None)));
        assert!(!e.met_by(&outcome(Some(200), Some(0), None)));
        assert_eq!(e.to_string(), "4000 or 4101");
        let rule = Expectation::parse("voice_name.max_bytes").unwrap();
        assert!(rule.met_by(&outcome(
            Some(400),
            Some(4000),
            Some("voice_name.max_bytes")
        )));
        assert!(!rule.met_by(&outcome(Some(400), Some(4000), Some("voice_name.required"))));
        let refusal = Expectation::parse("Refusal").unwrap();
        assert!(refusal.met_by(&outcome(Some(404), Some(4200), None)));
        assert!(
            refusal.met_by(&outcome(None, None, None)),
            "a drop is no success"
        );
        assert!(!refusal.met_by(&outcome(Some(200), Some(0), None)));
        for bad in ["", "four thousand", "4000;4101", "Voice.Name"] {
            assert!(Expectation::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_window_judges_refusals_and_lets_successes_pass() {
        let expectations = Expectations::default();
        expectations.add(spec("4101", None, None), 0).unwrap();
        let declared = expectations
            .declared(None, "POST", "/v1/audio/voices/clone", 1)
            .unwrap();
        assert!(!declared.judges(&outcome(Some(200), Some(0), None)));
        assert!(declared.judges(&outcome(Some(400), Some(4000), None)));
        assert_eq!(declared.source(), "admin expectation 1");
    }

    #[test]
    fn times_are_used_up_by_matching_requests_and_a_header_wins() {
        let expectations = Expectations::default();
        expectations
            .add(spec("4000", Some(1), Some("/v1/audio/voices/clone")), 0)
            .unwrap();
        assert!(expectations
            .declared(None, "GET", "/v1/audio/voices", 0)
            .is_none());
        let header = expectations
            .declared(Some(b"4200"), "POST", "/v1/audio/voices/clone", 0)
            .unwrap();
        assert_eq!(
            header.admin_id, None,
            "the header does not use up the admin one"
        );
        let first = expectations
            .declared(None, "POST", "/v1/audio/voices/clone", 0)
            .unwrap();
        assert!(first.judges_successes);
        assert_eq!(first.admin_id, Some(1));
        assert!(expectations
            .declared(None, "POST", "/v1/audio/voices/clone", 0)
            .is_none());
        let cleared = expectations.clear();
        assert_eq!(cleared[0].remaining, Some(0));
        assert!(expectations.list().is_empty());
    }

    #[test]
    fn a_timed_window_ends_and_bad_specs_are_refused() {
        let expectations = Expectations::default();
        let mut timed = spec("refusal", None, None);
        timed.for_ms = Some(100);
        expectations.add(timed, 1_000).unwrap();
        assert!(expectations.declared(None, "GET", "/x", 1_099).is_some());
        assert!(expectations.declared(None, "GET", "/x", 1_100).is_none());
        assert!(expectations.add(spec("soon", None, None), 0).is_err());
        assert!(expectations.add(spec("4000", Some(0), None), 0).is_err());
        let list = ExpectSpec {
            expect: serde_json::from_value(serde_json::json!([4000, "refusal"])).unwrap(),
            ..spec("", None, None)
        };
        assert_eq!(
            expectations.add(list, 0).unwrap().expect,
            "4000 or a refusal"
        );
    }
}
