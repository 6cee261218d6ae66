//! The report across resets. The journal forgets its records at every `POST /__admin/reset` (a test
//! suite resets before each test), but the report of a suite is over all of its tests: before the journal
//! is cleared, the report of its records is added to [`ReportArchive`], and the report read is the
//! archive's plus the journal's. `DELETE /__admin/report` empties the archive and leaves the journal's
//! current records out of the report from then on.

use std::sync::{Mutex, MutexGuard};

use super::Report;
use crate::journal::Journal;

/// The report of the requests the journal has forgotten through resets, and where the journal's own
/// records start to count.
#[derive(Debug, Default)]
pub(crate) struct ReportArchive(Mutex<Archived>);

#[derive(Debug, Default)]
struct Archived {
    /// The report of every record forgotten since the report was last emptied.
    before: Report,
    /// The journal's records up to this number were there when the report was last emptied.
    counted_after: u64,
}

impl ReportArchive {
    fn lock(&self) -> MutexGuard<'_, Archived> {
        // Each change is a whole assignment under the lock: a poisoned archive is still consistent.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The report since it was last emptied: the archive's and the journal's records.
    pub(crate) fn report(&self, journal: &Journal) -> Report {
        let archived = self.lock();
        let mut report = archived.before.clone();
        report.merge(Report::of_journal_after(journal, archived.counted_after));
        report
    }

    /// Keeps the report of the journal's records, then clears the journal (the admin API's reset).
    pub(crate) fn clear_journal(&self, journal: &Journal) {
        let mut archived = self.lock();
        let current = Report::of_journal_after(journal, archived.counted_after);
        archived.before.merge(current);
        journal.clear();
        archived.counted_after = 0;
    }

    /// Empties the report and returns it as it was; the journal keeps its records, which no longer count.
    pub(crate) fn take(&self, journal: &Journal) -> Report {
        let mut archived = self.lock();
        let mut report = std::mem::take(&mut archived.before);
        report.merge(Report::of_journal_after(journal, archived.counted_after));
        archived.counted_after = journal.scan(|records| records.last().map_or(0, |n| n.id));
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::tests::clean_clone;
    use crate::journal::{JournalEntry, Verdict};

    fn record(journal: &Journal) {
        let request = clean_clone();
        journal.record(JournalEntry {
            verdict: Verdict::of(&request.outcome),
            request,
            query: None,
            expect: None,
        });
    }

    #[test]
    fn the_report_outlives_a_reset_and_is_emptied_on_demand() {
        let journal = Journal::default();
        let archive = ReportArchive::default();
        record(&journal);
        record(&journal);
        archive.clear_journal(&journal);
        record(&journal);
        let report = archive.report(&journal);
        assert_eq!(report.requests, 3);
        assert_eq!(
            report.totals.warning, 1,
            "the duplicate voice before the reset"
        );
        assert_eq!(archive.take(&journal).requests, 3);
        assert_eq!(archive.report(&journal).requests, 0);
        record(&journal);
        assert_eq!(
            archive.report(&journal).requests,
            1,
            "only records after the emptying count"
        );
        archive.clear_journal(&journal);
        record(&journal);
        assert_eq!(archive.report(&journal).requests, 2);
    }
}
