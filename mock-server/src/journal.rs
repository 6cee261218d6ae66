//! The request journal: every API request with its verdict and the rule that decided it, so a test can
//! read back what the fake did (`GET /__admin/journal`).
//!
//! [`journal_layer`] wraps everything else (the logid layer and the fault layer included), so it sees the
//! final answer: the status, the envelope's `code` and `rule` (the [`EnvelopeParts`] the logid layer
//! leaves on the response), the `x-tt-logid` header, and any fault that was injected. Entries are written
//! to the store, so they survive restarts like the voices do. Admin requests are not journaled: reading
//! the journal would otherwise change it.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::api::AppState;
use crate::auth::bearer_token;
use crate::envelope::{EnvelopeParts, LOGID_HEADER};
use crate::faults::FaultApplied;

/// One request as the journal keeps it.
/// The journal keeps the latest this many requests: a fake that CI hammers for days must not grow without
/// bound (each entry is a few hundred bytes; voices, which are state, are kept whatever their number).
pub const JOURNAL_MAX_ENTRIES: i64 = 10_000;

/// Old entries are pruned once every this many appends, so pruning costs nothing per request.
pub const JOURNAL_PRUNE_EVERY: i64 = 1_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Answered with success (2xx, and `code` 0 if an envelope).
    Accepted,
    /// Refused by a rule of the API.
    Refused,
    /// Answered by an injected fault.
    Fault,
}

impl Verdict {
    /// The name stored and shown.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::Refused => "refused",
            Verdict::Fault => "fault",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<Verdict> {
        [Verdict::Accepted, Verdict::Refused, Verdict::Fault]
            .into_iter()
            .find(|v| v.name() == name)
    }
}

/// A journal entry with its position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalRecord {
    /// Increasing from 1; pass the last one seen as `after` to read only newer records.
    pub id: i64,
    /// The request.
    #[serde(flatten)]
    pub entry: JournalEntry,
}

/// Whether a path belongs to the admin API, which is neither journaled nor subject to faults.
pub fn is_admin_path(path: &str) -> bool {
    path == "/__admin" || path.starts_with("/__admin/")
}

/// Middleware: appends every non-admin request to the journal once its answer is ready.
pub async fn journal_layer(State(app): State<AppState>, request: Request, next: Next) -> Response {
    if is_admin_path(request.uri().path()) {
        return next.run(request).await;
    }
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let account = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
        .and_then(|token| app.directory.principal(token))
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
    let entry = JournalEntry {
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
    };
    if let Err(e) = app.store.append_journal(entry).await {
        tracing::error!("journal: {e}");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_names_round_trip() {
        for v in [Verdict::Accepted, Verdict::Refused, Verdict::Fault] {
            assert_eq!(Verdict::from_name(v.name()), Some(v));
        }
        assert_eq!(Verdict::from_name("maybe"), None);
    }

    #[test]
    fn only_the_admin_prefix_is_exempt() {
        assert!(is_admin_path("/__admin/journal"));
        assert!(is_admin_path("/__admin"));
        assert!(!is_admin_path("/__administrator"));
        assert!(!is_admin_path("/v1/audio/voices"));
    }
}
