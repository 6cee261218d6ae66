//! The report's reading of the journal. Findings are drawn when the journal is read, over the records it
//! keeps, oldest first: a request's own findings, and those it makes with the requests before it
//! ([`MoneyWatch`]). Answering a request records it and concludes nothing.

use serde::Serialize;

use super::findings::{request_findings, Finding};
use super::money::MoneyWatch;
use super::Report;
use crate::capture::RequestSummary;
use crate::journal::{Journal, JournalFilter, JournalRecord};

/// A journal record with the report's findings about it: what `GET /__admin/journal` and
/// `MockServer::received_requests` show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConcludedRecord {
    /// The record as the journal keeps it.
    #[serde(flatten)]
    pub record: JournalRecord,
    /// The findings about it, those over the records before it included.
    pub findings: Vec<Finding>,
}

/// Findings over a sequence of requests, fed in the order they were answered.
#[derive(Debug, Default)]
pub struct Conclusions {
    money: MoneyWatch,
}

impl Conclusions {
    /// The findings about `request`: its own, and those it makes with the requests fed before it.
    pub fn findings(&mut self, request: &RequestSummary) -> Vec<Finding> {
        let mut found = request_findings(request);
        found.extend(self.money.observe(request));
        found
    }
}

/// The records numbered above `after` that `filter` matches, at most `limit`, each with its findings.
pub fn records(
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
            let findings = conclusions.findings(&numbered.entry.request);
            if numbered.id > after && filter.matches(numbered.entry) {
                page.push(ConcludedRecord {
                    record: JournalRecord {
                        id: numbered.id,
                        entry: numbered.entry.clone(),
                    },
                    findings,
                });
            }
        }
        page
    })
}

impl Report {
    /// The report over every request the journal keeps.
    pub fn of_journal(journal: &Journal) -> Report {
        journal.scan(|records| {
            let mut conclusions = Conclusions::default();
            let concluded: Vec<(&RequestSummary, Vec<Finding>)> = records
                .map(|n| (&n.entry.request, conclusions.findings(&n.entry.request)))
                .collect();
            Report::build(concluded.iter().map(|(s, f)| (*s, f.as_slice())))
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
