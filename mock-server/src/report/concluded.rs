//! The report's reading of the journal. Findings are drawn when the journal is read, over the records it
//! keeps, oldest first: a request's own findings, and those it makes with the requests before it
//! ([`MoneyWatch`]); then the outcome its test declared is judged ([`crate::expect`]): met, its findings
//! are marked expected; unmet, `expect.unmet` is added. Answering a request records it and concludes
//! nothing.

use std::collections::HashMap;

use serde::Serialize;

use super::findings::{request_findings, Finding, FindingId};
use super::money::MoneyWatch;
use super::session::session_findings;
use super::Report;
use crate::capture::{Outcome, RequestSummary};
use crate::expect::Declared;
use crate::journal::{Journal, JournalEntry, JournalFilter, JournalRecord};

/// A journal record with the report's findings about it: what `GET /__admin/journal` and
/// `MockServer::received_requests` show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConcludedRecord {
    /// The record as the journal keeps it.
    #[serde(flatten)]
    pub record: JournalRecord,
    /// The findings about it, those over the records before it included.
    pub findings: Vec<Finding>,
    /// The outcome its test declared it expected, and whether the answer met it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<ExpectRecord>,
}

/// A request's declared outcome as judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpectRecord {
    /// The declared outcomes (`4000 or 4101`), or why the header could not be read.
    pub declared: String,
    /// `X-Coze-Mock-Expect`, or `admin expectation ID`.
    pub source: String,
    /// Whether the answer was one of them.
    pub met: bool,
    /// The admin expectation's id, if it came from one.
    #[serde(skip)]
    pub admin_id: Option<u64>,
}

/// Findings over a sequence of requests, fed in the order they were answered.
#[derive(Debug, Default)]
pub(crate) struct Conclusions {
    money: MoneyWatch,
}

impl Conclusions {
    /// The findings about `request`: its own, and those it makes with the requests fed before it.
    pub(crate) fn findings(&mut self, request: &RequestSummary) -> Vec<Finding> {
        let mut found = request_findings(request);
        if let Some(session) = &request.inputs.session {
            found.extend(session_findings(session));
        }
        found.extend(self.money.observe(request));
        found
    }

    /// The findings about `entry`'s request, judged against the outcome its test declared.
    pub(crate) fn conclude(
        &mut self,
        entry: &JournalEntry,
    ) -> (Vec<Finding>, Option<ExpectRecord>) {
        let findings = self.findings(&entry.request);
        match &entry.expect {
            Some(declared) if declared.judges(&entry.request.outcome) => {
                judge(declared, &entry.request.outcome, findings)
            }
            _ => (findings, None),
        }
    }
}

/// Met: the findings marked expected. Unmet (or a header that could not be read): `expect.unmet` added.
fn judge(
    declared: &Declared,
    outcome: &Outcome,
    mut findings: Vec<Finding>,
) -> (Vec<Finding>, Option<ExpectRecord>) {
    let source = declared.source();
    let record = |declared_text: String, met: bool| ExpectRecord {
        declared: declared_text,
        source: source.clone(),
        met,
        admin_id: declared.admin_id,
    };
    match &declared.expectation {
        Ok(expectation) if expectation.met_by(outcome) => (
            findings.into_iter().map(Finding::expected).collect(),
            Some(record(expectation.to_string(), true)),
        ),
        Ok(expectation) => {
            let answered = match (outcome.status, outcome.code, outcome.rule.as_deref()) {
                (None, _, _) => "no answer (the connection was dropped or abandoned)".to_owned(),
                (Some(status), code, rule) => format!(
                    "code {} on HTTP {status}{}",
                    code.unwrap_or(0),
                    rule.map(|r| format!(" ({r})")).unwrap_or_default()
                ),
            };
            findings.push(Finding::new(
                FindingId::ExpectUnmet,
                format!("{source} expected {expectation}; answered {answered}"),
            ));
            (findings, Some(record(expectation.to_string(), false)))
        }
        Err(reason) => {
            findings.push(Finding::new(
                FindingId::ExpectUnmet,
                format!("{source}: {reason}"),
            ));
            (findings, Some(record(reason.clone(), false)))
        }
    }
}

/// Per admin expectation id, the requests the journal keeps that met it and that did not.
pub(crate) fn expectation_counts(journal: &Journal) -> HashMap<u64, (u64, u64)> {
    journal.scan(|records| {
        let mut conclusions = Conclusions::default();
        let mut counts: HashMap<u64, (u64, u64)> = HashMap::new();
        for numbered in records {
            if let (_, Some(record)) = conclusions.conclude(numbered.entry) {
                if let Some(id) = record.admin_id {
                    let count = counts.entry(id).or_default();
                    if record.met {
                        count.0 += 1;
                    } else {
                        count.1 += 1;
                    }
                }
            }
        }
        counts
    })
}

/// The records numbered above `after` that `filter` matches, at most `limit`, each with its findings.
pub(crate) fn records(
    journal: &Journal,
    after: u64,
    limit: usize,
    filter: &JournalFilter,
) -> Vec<ConcludedRecord> {
    journal.scan(|records| {
        let mut conclusions = Conclusions::default();
        let mut page = Vec::new();
        for numbered in records {
            if page.len() == limit {
                break;
            }
            let (findings, expect) = conclusions.conclude(numbered.entry);
            if numbered.id > after && filter.matches(numbered.entry) {
                page.push(ConcludedRecord {
                    record: JournalRecord {
                        id: numbered.id,
                        entry: numbered.entry.clone(),
                    },
                    findings,
                    expect,
                });
            }
        }
        page
    })
}

impl Report {
    /// The report over every request the journal keeps.
    #[cfg(test)]
    pub(crate) fn of_journal(journal: &Journal) -> Report {
        Report::of_journal_after(journal, 0)
    }

    /// The report over the requests the journal keeps numbered above `after`; those before are read
    /// too, for the findings a request makes with the ones before it.
    pub(crate) fn of_journal_after(journal: &Journal, after: u64) -> Report {
        journal.scan(|records| {
            let mut conclusions = Conclusions::default();
            let mut report = Report::default();
            for numbered in records {
                let (findings, _) = conclusions.conclude(numbered.entry);
                if numbered.id > after {
                    report.add_unsettled(&numbered.entry.request, &findings);
                }
            }
            report.settle();
            report
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::tests::clean_clone;
    use crate::journal::{JournalEntry, Verdict};
    use crate::report::findings::FindingId;

    fn record(journal: &Journal, request: RequestSummary) {
        journal.record(JournalEntry {
            verdict: Verdict::of(&request.outcome),
            request,
            query: None,
            expect: None,
        });
    }

    #[test]
    fn a_record_is_concluded_with_the_records_before_it() {
        let journal = Journal::default();
        record(&journal, clean_clone());
        record(&journal, clean_clone());
        let all = records(&journal, 0, 10, &JournalFilter::default());
        assert!(all[0].findings.is_empty());
        assert_eq!(
            all[1].findings.iter().map(|f| f.id).collect::<Vec<_>>(),
            [FindingId::DuplicateVoice]
        );
        let json = serde_json::to_value(&all[1]).unwrap();
        assert_eq!(
            (json["id"].as_u64(), json["verdict"].as_str()),
            (Some(2), Some("accepted"))
        );
        assert_eq!(json["findings"][0]["id"], "money.duplicate_voice");
        let later = records(&journal, 1, 10, &JournalFilter::default());
        assert_eq!(later, all[1..], "a page after the first still sees it");
        assert_eq!(records(&journal, 0, 1, &JournalFilter::default()).len(), 1);
    }

    #[test]
    fn the_report_reads_what_the_journal_keeps_and_forgets_what_it_forgets() {
        let journal = Journal::default();
        record(&journal, clean_clone());
        record(&journal, clean_clone());
        let report = Report::of_journal(&journal);
        assert_eq!(report.requests, 2);
        assert_eq!(report.totals.warning + report.totals.error, 1, "{report:?}");
        journal.clear();
        record(&journal, clean_clone());
        assert!(records(&journal, 0, 10, &JournalFilter::default())[0]
            .findings
            .is_empty());
        assert_eq!(Report::of_journal(&journal).requests, 1);
    }
}
