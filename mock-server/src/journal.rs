//! The request journal: the latest requests with their verdict and the rule that decided each, so a test
//! can read back what the fake did (`GET /__admin/journal`, `MockServer::received_requests`).
//!
//! [`journal_layer`] wraps the API's routes and every other API layer (the logid layer and the fault layer
//! included), so it sees the final answer: the status, the envelope's `code` and `rule` (the
//! [`EnvelopeParts`] the logid layer leaves on the response), the `x-tt-logid` header, and any fault that
//! was injected. The router nests the admin API outside it: reading the journal would otherwise
//! change it.
//!
//! The journal lives in memory, in a [`Ring`] of the latest [`JOURNAL_MAX_ENTRIES`] requests (WireMock
//! keeps its request journal in memory too): a restart or a reset empties it and numbers from 1 again.
//! Voices, which are state, are kept whatever their number, and committed before the answer; a journal
//! entry costs no write.

pub mod ring;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;

use crate::auth::bearer_token;
use crate::directory::Directory;
use crate::envelope::{EnvelopeParts, LOGID_HEADER};
use crate::faults::FaultApplied;

pub use ring::{Numbered, Ring};

/// The journal keeps the latest this many requests: a fake that CI hammers for days must not grow without
/// bound (each entry is a few hundred bytes).
pub const JOURNAL_MAX_ENTRIES: usize = 10_000;

/// One request as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalEntry {
    /// Unix time in milliseconds when the answer was ready.
    pub time_ms: i64,
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string, if any.
    pub query: Option<String>,
    /// The account of the bearer token, if the token is known.
    pub account: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
    /// The envelope's `code`, if the answer was an envelope.
    pub code: Option<i64>,
    /// The rule that decided an error, or the fault that was injected.
    pub rule: Option<String>,
    /// `accepted`, `refused` or `fault`.
    pub verdict: Verdict,
    /// The `x-tt-logid` of the answer.
    pub logid: Option<String>,
}

/// What became of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Answered with success (2xx, and `code` 0 if an envelope).
    Accepted,
    /// Refused by a rule of the API.
    Refused,
    /// Answered by an injected fault.
    Fault,
}

/// A journal entry with its number.
pub type JournalRecord = Numbered<JournalEntry>;

/// The latest [`JOURNAL_MAX_ENTRIES`] requests, numbered from 1.
#[derive(Debug)]
pub struct Journal {
    entries: Ring<JournalEntry>,
}

impl Default for Journal {
    fn default() -> Journal {
        Journal {
            entries: Ring::new(JOURNAL_MAX_ENTRIES),
        }
    }
}

impl Journal {
    /// Appends one request; its number.
    pub fn record(&self, entry: JournalEntry) -> u64 {
        self.entries.push(entry)
    }

    /// The records numbered above `after` that are still kept, oldest first, at most `limit`.
    pub fn records(&self, after: u64, limit: usize) -> Vec<JournalRecord> {
        self.entries.after(after, limit)
    }

    /// Forgets every record; numbering starts again from 1.
    pub fn clear(&self) {
        self.entries.clear();
    }
}

/// What [`journal_layer`] needs: the journal, and the directory that names a token's account.
#[derive(Debug, Clone)]
pub struct JournalState {
    /// Where requests are recorded.
    pub journal: Arc<Journal>,
    /// Tokens and their accounts.
    pub directory: Arc<Directory>,
}

/// Middleware: records every request it wraps once its answer is ready.
pub async fn journal_layer(
    State(state): State<JournalState>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let account = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
        .and_then(|token| state.directory.principal(token))
        .map(|p| p.account.id.clone());
    let response = next.run(request).await;
    let parts = response.extensions().get::<EnvelopeParts>();
    let fault = response.extensions().get::<FaultApplied>();
    let status = response.status();
    let code = parts.map(|p| p.code);
    let verdict = if fault.is_some() {
        Verdict::Fault
    } else if status.is_success() && code.unwrap_or(0) == 0 {
        Verdict::Accepted
    } else {
        Verdict::Refused
    };
    state.journal.record(JournalEntry {
        time_ms: chrono::Utc::now().timestamp_millis(),
        method,
        path,
        query,
        account,
        status: status.as_u16(),
        code,
        rule: fault
            .map(|f| f.0)
            .or_else(|| parts.and_then(|p| p.rule))
            .map(str::to_owned),
        verdict,
        logid: response
            .headers()
            .get(LOGID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    });
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> JournalEntry {
        JournalEntry {
            time_ms: 1,
            method: "GET".into(),
            path: path.into(),
            query: None,
            account: Some("a".into()),
            status: 200,
            code: Some(0),
            rule: None,
            verdict: Verdict::Accepted,
            logid: None,
        }
    }

    #[test]
    fn the_journal_keeps_the_latest_entries_numbered_without_gaps_between_them() {
        let journal = Journal::default();
        let appended = JOURNAL_MAX_ENTRIES as u64 + 1_500;
        for _ in 0..appended {
            journal.record(entry("/v1/audio/voices"));
        }
        let kept = journal.records(0, usize::MAX);
        assert_eq!(kept.len(), JOURNAL_MAX_ENTRIES);
        assert_eq!(
            kept.first().unwrap().id,
            appended - JOURNAL_MAX_ENTRIES as u64 + 1
        );
        assert_eq!(kept.last().unwrap().id, appended);
    }

    #[test]
    fn a_record_shows_its_number_beside_the_entrys_fields() {
        let journal = Journal::default();
        journal.record(entry("/v1/audio/speech"));
        let json = serde_json::to_value(&journal.records(0, 1)[0]).unwrap();
        assert_eq!(json["id"], 1);
        assert_eq!(json["path"], "/v1/audio/speech");
        assert_eq!(json["verdict"], "accepted");
    }
}
