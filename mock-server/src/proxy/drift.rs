//! The drift log: every exchange the proxy saw with its outcome, and the report `GET /__admin/drift`
//! answers (JSON with totals, or JUnit XML), `coze-mock drift` prints, and the inspector page shows.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::upstream::Failure;
use super::verdict::Divergence;
use crate::report::junit::escape;

/// Exchanges kept (the latest); the totals count every one.
pub(crate) const KEPT_EXCHANGES: usize = 10_000;

/// What became of one exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Forwarded, and the real answer agrees with the fake's.
    Agreed,
    /// Forwarded, and the real answer differs from the fake's.
    Diverged,
    /// Answered by the shadow fake alone (the spend guard).
    NotForwarded,
    /// An endpoint the fake does not know: forwarded (under the guard), not compared.
    NotJudged,
    /// The upstream gave no whole answer: not a divergence.
    UpstreamFailed,
}

/// One exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftExchange {
    /// Numbered from 1 in the order requests arrived.
    pub seq: u64,
    /// When the request arrived (RFC 3339, UTC).
    pub time: String,
    /// The real answer's logid; the shadow's when the request was not forwarded.
    pub logid: Option<String>,
    /// `POST`, `GET`.
    pub method: String,
    /// The path.
    pub path: String,
    /// `clone`, `list`, `speech`, `other`.
    pub endpoint: String,
    /// Whether the request reached the upstream.
    pub forwarded: bool,
    /// What became of it.
    pub outcome: Outcome,
    /// Where the real answer differs from the fake's.
    pub divergences: Vec<Divergence>,
    /// Ledger rows the real answer confirmed.
    pub confirmed: Vec<String>,
    /// The upstream failure, when there was one.
    pub failure: Option<Failure>,
    /// A word on the outcome: why it was not forwarded, the failure's cause, the severe warning.
    pub note: Option<String>,
    /// The real API accepted what the fake refuses: a voice may have been created and billed.
    pub severe: bool,
}

/// Counts over every exchange.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Exchanges seen.
    pub exchanges: u64,
    /// Requests that reached the upstream.
    pub forwarded: u64,
    /// Forwarded and agreeing.
    pub agreed: u64,
    /// Forwarded and differing.
    pub diverged: u64,
    /// Answered by the shadow alone.
    pub not_forwarded: u64,
    /// Forwarded, not compared.
    pub not_judged: u64,
    /// The upstream failed.
    pub upstream_failures: u64,
    /// The real API accepted what the fake refuses.
    pub severe: u64,
}

/// A ledger row and the logids of the exchanges that confirmed or contradicted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEvidence {
    /// The row's id (`errors.status`), or "no ledger row".
    pub row: String,
    /// The real logids (at most [`LOGIDS_PER_ROW`]).
    pub logids: Vec<String>,
    /// How many exchanges.
    pub exchanges: u64,
}

/// Logids kept per ledger row.
pub(crate) const LOGIDS_PER_ROW: usize = 20;

/// What `GET /__admin/drift` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// The upstream's base URL.
    pub upstream: String,
    /// The `--spend` setting.
    pub spend: String,
    /// Counts.
    pub totals: Totals,
    /// Rows the real API confirmed, with the exchanges' logids.
    pub confirmed: Vec<LedgerEvidence>,
    /// Rows the real API contradicted (and "no ledger row": new facts), with the logids.
    pub contradicted: Vec<LedgerEvidence>,
    /// The latest exchanges, oldest first.
    pub exchanges: Vec<DriftExchange>,
}

/// The log, shared by every exchange.
#[derive(Debug)]
pub(crate) struct DriftLog {
    upstream: String,
    spend: String,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    next_seq: u64,
    totals: Totals,
    confirmed: BTreeMap<String, LedgerEvidence>,
    contradicted: BTreeMap<String, LedgerEvidence>,
    exchanges: std::collections::VecDeque<DriftExchange>,
}

impl DriftLog {
    /// An empty log of a proxy to `upstream` under `spend`.
    pub(crate) fn new(upstream: String, spend: &str) -> DriftLog {
        DriftLog {
            upstream,
            spend: spend.to_owned(),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Every update completes before the lock is released: a poisoned log is still consistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The number of the next exchange.
    pub(crate) fn next_seq(&self) -> u64 {
        let mut inner = self.lock();
        inner.next_seq += 1;
        inner.next_seq
    }

    /// Adds a finished exchange.
    pub(crate) fn add(&self, exchange: DriftExchange) {
        let mut inner = self.lock();
        let t = &mut inner.totals;
        t.exchanges += 1;
        t.forwarded += u64::from(exchange.forwarded);
        t.severe += u64::from(exchange.severe);
        match exchange.outcome {
            Outcome::Agreed => t.agreed += 1,
            Outcome::Diverged => t.diverged += 1,
            Outcome::NotForwarded => t.not_forwarded += 1,
            Outcome::NotJudged => t.not_judged += 1,
            Outcome::UpstreamFailed => t.upstream_failures += 1,
        }
        let logid = exchange.logid.clone().unwrap_or_default();
        if exchange.forwarded {
            for row in &exchange.confirmed {
                note(&mut inner.confirmed, row, &logid);
            }
            let mut rows: Vec<&str> = exchange
                .divergences
                .iter()
                .map(Divergence::ledger_name)
                .collect();
            rows.dedup();
            for row in rows {
                note(&mut inner.contradicted, row, &logid);
            }
        }
        inner.exchanges.push_back(exchange);
        while inner.exchanges.len() > KEPT_EXCHANGES {
            inner.exchanges.pop_front();
        }
    }

    /// The report as it stands.
    pub(crate) fn report(&self) -> DriftReport {
        let inner = self.lock();
        let mut exchanges: Vec<DriftExchange> = inner.exchanges.iter().cloned().collect();
        exchanges.sort_by_key(|e| e.seq);
        DriftReport {
            upstream: self.upstream.clone(),
            spend: self.spend.clone(),
            totals: inner.totals.clone(),
            confirmed: inner.confirmed.values().cloned().collect(),
            contradicted: inner.contradicted.values().cloned().collect(),
            exchanges,
        }
    }
}

fn note(rows: &mut BTreeMap<String, LedgerEvidence>, row: &str, logid: &str) {
    let evidence = rows
        .entry(row.to_owned())
        .or_insert_with(|| LedgerEvidence {
            row: row.to_owned(),
            logids: Vec::new(),
            exchanges: 0,
        });
    evidence.exchanges += 1;
    if evidence.logids.len() < LOGIDS_PER_ROW && !logid.is_empty() {
        evidence.logids.push(logid.to_owned());
    }
}

impl DriftReport {
    /// Whether any exchange diverged.
    pub fn diverged(&self) -> bool {
        self.totals.diverged > 0
    }

    /// The report for a terminal: each divergence on a line with its ledger row, each failure, the
    /// rows confirmed, and the totals.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "upstream {} (--spend {})", self.upstream, self.spend);
        for e in &self.exchanges {
            let logid = e.logid.as_deref().unwrap_or("(no logid)");
            let head = format!("#{} {} {} logid {logid}", e.seq, e.method, e.path);
            match e.outcome {
                Outcome::Diverged => {
                    let _ = writeln!(s, "{head}: diverged");
                    for d in &e.divergences {
                        let show = |v: &Option<serde_json::Value>| {
                            v.as_ref().map_or("(absent)".to_owned(), |v| v.to_string())
                        };
                        let _ = writeln!(
                            s,
                            "  {}: real {} | fake {} [{}]",
                            d.field,
                            show(&d.real),
                            show(&d.fake),
                            d.ledger_name()
                        );
                    }
                }
                Outcome::UpstreamFailed => {
                    let _ = writeln!(
                        s,
                        "{head}: {} ({})",
                        e.failure.map_or("upstream failure", Failure::describe),
                        e.note.as_deref().unwrap_or_default()
                    );
                }
                Outcome::Agreed | Outcome::NotForwarded | Outcome::NotJudged => {}
            }
            if e.severe {
                let _ = writeln!(s, "  SEVERE: {}", e.note.as_deref().unwrap_or_default());
            }
        }
        for c in &self.confirmed {
            let _ = writeln!(
                s,
                "confirmed: {} by {} exchange(s), logid {}",
                c.row,
                c.exchanges,
                c.logids.join(", ")
            );
        }
        let t = &self.totals;
        let _ = writeln!(
            s,
            "{} exchange(s): {} forwarded, {} agreed, {} diverged, {} not forwarded, {} not judged, {} upstream failure(s)",
            t.exchanges, t.forwarded, t.agreed, t.diverged, t.not_forwarded, t.not_judged, t.upstream_failures
        );
        s
    }

    /// The report as JUnit XML: one test case per exchange, failing when it diverged, an error when the
    /// upstream failed, skipped when it was not forwarded or not judged.
    pub fn junit(&self) -> String {
        let t = &self.totals;
        let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            s,
            "<testsuites name=\"coze-mock drift\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
            self.exchanges.len(),
            t.diverged,
            t.upstream_failures
        );
        let _ = writeln!(
            s,
            "<testsuite name=\"{}\" tests=\"{}\">",
            escape(&format!("drift against {}", self.upstream)),
            self.exchanges.len()
        );
        for e in &self.exchanges {
            let name = format!(
                "#{} {} {} ({})",
                e.seq,
                e.method,
                e.path,
                e.logid.as_deref().unwrap_or("no logid")
            );
            let _ = write!(
                s,
                "<testcase name=\"{}\" classname=\"drift.{}\">",
                escape(&name),
                escape(&e.endpoint)
            );
            match e.outcome {
                Outcome::Diverged => {
                    let body: Vec<String> = e
                        .divergences
                        .iter()
                        .map(|d| {
                            format!(
                                "{}: real {} | fake {} [{}]",
                                d.field,
                                d.real.as_ref().map_or("(absent)".into(), |v| v.to_string()),
                                d.fake.as_ref().map_or("(absent)".into(), |v| v.to_string()),
                                d.ledger_name()
                            )
                        })
                        .collect();
                    let _ = write!(
                        s,
                        "<failure type=\"diverged\" message=\"{} field(s) differ\">{}</failure>",
                        e.divergences.len(),
                        escape(&body.join("\n"))
                    );
                }
                Outcome::UpstreamFailed => {
                    let _ = write!(
                        s,
                        "<error type=\"upstream\" message=\"{}\"/>",
                        escape(e.failure.map_or("upstream failure", Failure::describe))
                    );
                }
                Outcome::NotForwarded | Outcome::NotJudged => {
                    let _ = write!(
                        s,
                        "<skipped message=\"{}\"/>",
                        escape(e.note.as_deref().unwrap_or("not compared"))
                    );
                }
                Outcome::Agreed => {}
            }
            s.push_str("</testcase>\n");
        }
        s.push_str("</testsuite>\n</testsuites>\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(seq: u64, outcome: Outcome, divergences: Vec<Divergence>) -> DriftExchange {
        DriftExchange {
            seq,
            time: "2026-12-04T23:00:00Z".into(),
            logid: Some(format!("L{seq}")),
            method: "POST".into(),
            path: "/v1/audio/voices/clone".into(),
            endpoint: "clone".into(),
            forwarded: outcome != Outcome::NotForwarded,
            outcome,
            divergences,
            confirmed: vec!["logid.format".into()],
            failure: None,
            note: None,
            severe: false,
        }
    }

    #[test]
    fn totals_count_outcomes_and_rows_keep_the_logids_that_confirmed_or_contradicted_them() {
        let log = DriftLog::new("http://upstream".into(), "none");
        let status = Divergence {
            field: "status".into(),
            real: Some(200.into()),
            fake: Some(400.into()),
            ledger: Some("errors.status".into()),
        };
        let new_fact = Divergence {
            ledger: None,
            field: "body.data.x".into(),
            ..status.clone()
        };
        log.add(exchange(1, Outcome::Diverged, vec![status, new_fact]));
        log.add(exchange(2, Outcome::Agreed, vec![]));
        log.add(exchange(3, Outcome::NotForwarded, vec![]));
        let report = log.report();
        assert_eq!(report.totals.exchanges, 3);
        assert_eq!(report.totals.forwarded, 2);
        assert_eq!((report.totals.agreed, report.totals.diverged), (1, 1));
        assert_eq!(report.totals.not_forwarded, 1);
        let rows: Vec<_> = report.contradicted.iter().map(|c| c.row.as_str()).collect();
        assert_eq!(rows, ["errors.status", "no ledger row"]);
        assert_eq!(report.confirmed[0].row, "logid.format");
        assert_eq!(report.confirmed[0].logids, ["L1", "L2"]);
        let text = report.text();
        assert!(
            text.contains("  status: real 200 | fake 400 [errors.status]"),
            "{text}"
        );
        let junit = report.junit();
        assert_eq!(junit.matches("<testcase").count(), 3);
        assert!(junit.contains("<failure type=\"diverged\""), "{junit}");
        assert!(junit.contains("<skipped"), "{junit}");
    }
}
