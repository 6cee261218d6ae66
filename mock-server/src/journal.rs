//! The request journal: the latest requests with their verdict, the rule that decided each and what they
//! sent (a [`RequestSummary`]: names, sizes, hashes, never audio), so a test can read back what the fake
//! did (`GET /__admin/journal`, `MockServer::received_requests`). The report reads the journal when asked
//! and draws its findings then ([`crate::report`]): recording a request concludes nothing.
//!
//! [`journal_layer`] wraps the API's routes and every other API layer (the logid layer and the fault layer
//! included), so it sees the final answer: the status, the envelope's `code` and `rule` (the
//! [`EnvelopeParts`] the logid layer leaves on the response), the `x-tt-logid` header, and any fault that
//! was injected: a dropped connection is recorded with no status, a latency fault by its delay. The
//! handlers fill the request's [`Notes`] as they read its body. The router nests the admin API outside
//! the layer: reading the journal would otherwise change it. Each request also gets one log line at
//! `info`.
//!
//! The journal lives in memory, in a [`Ring`] of the latest [`JOURNAL_MAX_ENTRIES`] requests (WireMock
//! keeps its request journal in memory too): a restart or a reset empties it and numbers from 1 again.
//! Voices, which are state, are kept whatever their number, and committed before the answer; a journal
//! entry costs no write.

pub(crate) mod ring;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;

use crate::capture::Notes;
use crate::capture::{
    Endpoint, FaultKind, Outcome, RequestHead, RequestSummary, TokenPlacement, SWITCHING_PROTOCOLS,
};
use crate::directory::{Directory, Principal};
use crate::envelope::{EnvelopeParts, LOGID_HEADER};
use crate::expect::{Declared, Expectations, EXPECT_HEADER};
use crate::faults::FaultApplied;

pub(crate) use ring::{Numbered, Ring};

/// The journal keeps the latest this many requests: a fake that CI hammers for days must not grow without
/// bound (each entry is a summary of at most a few KiB: names and sizes, never values or audio).
pub(crate) const JOURNAL_MAX_ENTRIES: usize = 10_000;

/// One request as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalEntry {
    /// What was sent and answered: time, method, path, client, fields, file, status, code, rule, fault,
    /// duration, logid.
    #[serde(flatten)]
    pub request: RequestSummary,
    /// The query string, if any.
    pub query: Option<String>,
    /// `accepted`, `refused`, `fault` or `abandoned`.
    pub verdict: Verdict,
    /// The outcome its test declared it expected ([`crate::expect`]); the report judges it.
    #[serde(skip)]
    pub expect: Option<Declared>,
}

/// What became of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Answered with success (2xx, and `code` 0 if an envelope).
    Accepted,
    /// Refused by a rule of the API.
    Refused,
    /// Answered by an injected fault (a delayed answer keeps the verdict of the answer itself).
    Fault,
    /// The client went away before the answer was ready.
    Abandoned,
}

impl Verdict {
    /// The verdict on `outcome`.
    pub fn of(outcome: &Outcome) -> Verdict {
        if outcome.abandoned {
            return Verdict::Abandoned;
        }
        match outcome.fault {
            Some(FaultKind::Latency { .. }) | None if outcome.succeeded() => Verdict::Accepted,
            Some(FaultKind::Latency { .. }) | None => Verdict::Refused,
            Some(_) => Verdict::Fault,
        }
    }
}

/// A journal entry with its number.
pub(crate) type JournalRecord = Numbered<JournalEntry>;

/// Which records a read returns (`GET /__admin/journal?logid=…&path=…&code=…&client=…&since=…&until=…`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JournalFilter {
    /// Only the request with this logid.
    pub logid: Option<String>,
    /// Only this path, or, ending in `*`, every path starting with what precedes it.
    pub path: Option<String>,
    /// Only answers with this code (`0`: successes).
    pub code: Option<i64>,
    /// Only clients whose label (`cozepy/0.20.0 · pat_mock`) contains this, case-insensitively.
    pub client: Option<String>,
    /// Only requests answered at or after this Unix time in milliseconds.
    pub since: Option<i64>,
    /// Only requests answered before this Unix time in milliseconds.
    pub until: Option<i64>,
}

impl JournalFilter {
    /// Whether `entry` passes every condition set.
    pub fn matches(&self, entry: &JournalEntry) -> bool {
        let r = &entry.request;
        let path_ok = |p: &String| match p.strip_suffix('*') {
            Some(prefix) => r.path.starts_with(prefix),
            None => r.path == *p,
        };
        let code_ok = |c: &i64| r.outcome.status.is_some() && r.outcome.code.unwrap_or(0) == *c;
        let client_ok = |c: &String| r.client.label().to_lowercase().contains(&c.to_lowercase());
        self.logid
            .as_ref()
            .is_none_or(|l| r.logid.as_ref() == Some(l))
            && self.path.as_ref().is_none_or(path_ok)
            && self.code.as_ref().is_none_or(code_ok)
            && self.client.as_ref().is_none_or(client_ok)
            && self.since.is_none_or(|t| r.time_ms >= t)
            && self.until.is_none_or(|t| r.time_ms < t)
    }
}

/// The latest [`JOURNAL_MAX_ENTRIES`] requests, numbered from 1, and the outcomes tests declared they
/// expect through the admin API (the layer reads them as each request arrives).
#[derive(Debug)]
pub struct Journal {
    entries: Ring<JournalEntry>,
    expectations: Expectations,
}

impl Default for Journal {
    fn default() -> Journal {
        Journal {
            entries: Ring::new(JOURNAL_MAX_ENTRIES),
            expectations: Expectations::default(),
        }
    }
}

impl Journal {
    /// The expectations tests declared through the admin API.
    pub fn expectations(&self) -> &Expectations {
        &self.expectations
    }

    /// Appends one request; its number.
    pub fn record(&self, entry: JournalEntry) -> u64 {
        self.entries.push(entry)
    }

    /// The records numbered above `after` that are still kept, oldest first, at most `limit`.
    pub fn records(&self, after: u64, limit: usize) -> Vec<JournalRecord> {
        self.entries.after(after, limit)
    }

    /// Like [`Journal::records`], only those `filter` matches.
    pub fn records_matching(
        &self,
        after: u64,
        limit: usize,
        filter: &JournalFilter,
    ) -> Vec<JournalRecord> {
        self.entries
            .after_where(after, limit, |entry| filter.matches(entry))
    }

    /// Calls `read` with every record kept, oldest first, under the journal's lock (no copy).
    pub fn scan<R>(
        &self,
        read: impl FnOnce(&mut dyn Iterator<Item = Numbered<&JournalEntry>>) -> R,
    ) -> R {
        self.entries.scan(read)
    }

    /// Forgets every record; numbering starts again from 1.
    pub fn clear(&self) {
        self.entries.clear();
    }
}

/// What [`journal_layer`] needs: the journal, and the directory that names a token's account.
#[derive(Debug, Clone)]
pub(crate) struct JournalState {
    /// Where requests are recorded.
    pub journal: Arc<Journal>,
    /// Tokens and their accounts.
    pub directory: Arc<Directory>,
}

/// Middleware: records every request it wraps once its answer is ready, and logs it. A request whose
/// client goes away before the answer (a client timeout) is recorded too, as abandoned.
pub(crate) async fn journal_layer(
    State(state): State<JournalState>,
    mut request: Request,
    next: Next,
) -> Response {
    let head = RequestHead::of_headers(request.headers());
    let principal = match head.token_placement {
        TokenPlacement::Bearer => head
            .token
            .as_deref()
            .and_then(|token| state.directory.principal(token)),
        _ => None,
    };
    let notes = Notes::default();
    request.extensions_mut().insert(notes.clone());
    let expect = state.journal.expectations.declared(
        request.headers().get(EXPECT_HEADER).map(|v| v.as_bytes()),
        request.method().as_str(),
        request.uri().path(),
        chrono::Utc::now().timestamp_millis(),
    );
    let mut pending = Pending {
        state,
        started: Instant::now(),
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().map(str::to_owned),
        head: Some(head),
        principal,
        notes,
        expect,
    };
    let mut response = next.run(request).await;
    let watched = response.extensions_mut().remove::<SessionWatch>();
    if let Some(ended) = watched.as_ref().and_then(SessionWatch::take) {
        let fault = response.extensions().get::<FaultApplied>().copied();
        let logid = response
            .headers()
            .get(LOGID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        tokio::spawn(async move {
            // A session that ends without a word (its task stopped) is recorded all the same.
            let _ = ended.await;
            pending.record_session(SWITCHING_PROTOCOLS, fault, logid);
        });
        return response;
    }
    let parts = response.extensions().get::<EnvelopeParts>();
    let fault = response.extensions().get::<FaultApplied>().copied();
    let fault_kind = fault.map(|f| f.kind);
    let outcome = Outcome {
        status: (fault_kind != Some(FaultKind::Drop)).then_some(response.status().as_u16()),
        code: parts.map(|p| p.code),
        rule: parts
            .and_then(|p| p.refusal)
            .map(|r| r.rule)
            .or(fault.map(|f| f.rule))
            .map(str::to_owned),
        fault: fault_kind,
        duration_ms: pending.elapsed_ms(),
        abandoned: false,
    };
    let logid = response
        .headers()
        .get(LOGID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    pending.record(outcome, logid);
    response
}

/// Left by a WebSocket handshake's handler on its `101` answer: the journal records the session once
/// this fires (or its sender is dropped), with what the session noted in the request's [`Notes`].
#[derive(Debug, Clone)]
pub(crate) struct SessionWatch(Arc<Mutex<Option<tokio::sync::oneshot::Receiver<()>>>>);

impl SessionWatch {
    /// Watches a session that sends on the other end of `ended` when it ends.
    pub(crate) fn new(ended: tokio::sync::oneshot::Receiver<()>) -> SessionWatch {
        SessionWatch(Arc::new(Mutex::new(Some(ended))))
    }

    fn take(&self) -> Option<tokio::sync::oneshot::Receiver<()>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// A request the journal layer is waiting on. Dropped before [`Pending::record`] (the client went away
/// and the server stopped waiting for the answer), it records the request as abandoned.
struct Pending {
    state: JournalState,
    started: Instant,
    method: String,
    path: String,
    query: Option<String>,
    /// Taken when recorded.
    head: Option<RequestHead>,
    principal: Option<Principal>,
    notes: Notes,
    /// The outcome the request's test declared, if any.
    expect: Option<Declared>,
}

impl Pending {
    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Records a WebSocket session that has ended: its first `error` event decides the code and rule.
    fn record_session(mut self, status: u16, fault: Option<FaultApplied>, logid: Option<String>) {
        let first_error = self.notes.read(|inputs| {
            inputs
                .session
                .as_ref()
                .and_then(|s| s.errors.first().cloned())
        });
        let outcome = Outcome {
            status: Some(status),
            code: first_error.as_ref().map(|e| e.code),
            rule: first_error
                .map(|e| e.rule)
                .or(fault.map(|f| f.rule.to_owned())),
            fault: fault.map(|f| f.kind),
            duration_ms: self.elapsed_ms(),
            abandoned: false,
        };
        self.record(outcome, logid);
    }

    fn record(&mut self, outcome: Outcome, logid: Option<String>) {
        let Some(head) = self.head.take() else {
            return;
        };
        let endpoint = Endpoint::of_request(&self.method, &self.path);
        let mut inputs = self.notes.take();
        if let (Endpoint::List, Some(q)) = (endpoint, &self.query) {
            inputs.query(q);
        }
        let workspace = inputs
            .space_id
            .clone()
            .or_else(|| self.principal.as_ref().map(|p| p.personal_space.clone()));
        let request = RequestSummary {
            time_ms: chrono::Utc::now().timestamp_millis(),
            method: std::mem::take(&mut self.method),
            path: std::mem::take(&mut self.path),
            endpoint,
            client: head.client,
            token_placement: head.token_placement,
            account: self.principal.as_ref().map(|p| p.account.id.clone()),
            workspace,
            content_type: head.content_type,
            inputs,
            outcome,
            logid,
        };
        log_line(&request);
        self.state.journal.record(JournalEntry {
            verdict: Verdict::of(&request.outcome),
            request,
            query: self.query.take(),
            expect: self.expect.take(),
        });
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.head.is_some() {
            let outcome = Outcome {
                status: None,
                code: None,
                rule: Some("client.gone".to_owned()),
                fault: self.notes.applied_fault(),
                duration_ms: self.elapsed_ms(),
                abandoned: true,
            };
            self.record(outcome, None);
        }
    }
}

/// The request's line in the terminal: method, path, client, status, code, rule, logid and duration.
fn log_line(r: &RequestSummary) {
    tracing::info!(target: "coze_mock::request", "{}", RequestLine(r));
}

/// [`log_line`]'s text, written straight into the log's buffer (no string built per field).
struct RequestLine<'a>(&'a RequestSummary);

impl std::fmt::Display for RequestLine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = self.0;
        let o = &r.outcome;
        let c = &r.client;
        write!(f, "{} {} client={}", r.method, r.path, c.family.label())?;
        if let Some(version) = &c.version {
            write!(f, "/{version}")?;
        }
        write!(f, " · {} status=", c.token.as_deref().unwrap_or("no token"))?;
        match (o.status, o.fault) {
            (None, _) if o.abandoned => f.write_str("abandoned by the client")?,
            (None, _) => f.write_str("dropped")?,
            (Some(s), Some(FaultKind::Latency { ms })) => write!(f, "{s} (delayed {ms} ms)")?,
            (Some(s), _) => write!(f, "{s}")?,
        }
        f.write_str(" code=")?;
        match o.code {
            Some(code) => write!(f, "{code}")?,
            None => f.write_str("-")?,
        }
        write!(
            f,
            " rule={} logid={} duration_ms={}",
            o.rule.as_deref().unwrap_or("-"),
            r.logid.as_deref().unwrap_or("-"),
            o.duration_ms
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::tests::clean_clone;

    fn entry(path: &str) -> JournalEntry {
        let mut request = clean_clone();
        request.path = path.into();
        request.endpoint = Endpoint::of_path(path);
        JournalEntry {
            request,
            query: None,
            verdict: Verdict::Accepted,
            expect: None,
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
        assert_eq!(json["status"], 200);
        assert_eq!(json["client"]["family"], "cozepy");
    }

    #[test]
    fn a_dropped_connection_has_no_status_and_the_fault_verdict() {
        let mut dropped = clean_clone().outcome;
        dropped.status = None;
        dropped.fault = Some(FaultKind::Drop);
        assert_eq!(Verdict::of(&dropped), Verdict::Fault);
        let mut slow = clean_clone().outcome;
        slow.fault = Some(FaultKind::Latency { ms: 5 });
        assert_eq!(
            Verdict::of(&slow),
            Verdict::Accepted,
            "a delay is no refusal"
        );
    }

    #[test]
    fn filters_select_by_logid_path_code_client_and_time() {
        let journal = Journal::default();
        let mut refused = entry("/v1/audio/voices/clone");
        refused.request.outcome.code = Some(4000);
        refused.request.logid = Some("L2".into());
        refused.request.time_ms = 2_000;
        journal.record(entry("/v1/audio/voices"));
        journal.record(refused);
        let ids = |f: JournalFilter| -> Vec<u64> {
            journal
                .records_matching(0, 10, &f)
                .iter()
                .map(|r| r.id)
                .collect()
        };
        assert_eq!(ids(JournalFilter::default()), [1, 2]);
        let by = |f: fn(&mut JournalFilter)| {
            let mut filter = JournalFilter::default();
            f(&mut filter);
            ids(filter)
        };
        assert_eq!(by(|f| f.logid = Some("L2".into())), [2]);
        assert_eq!(by(|f| f.path = Some("/v1/audio/voices".into())), [1]);
        assert_eq!(by(|f| f.path = Some("/v1/audio/*".into())), [1, 2]);
        assert_eq!(by(|f| f.code = Some(4000)), [2]);
        assert_eq!(by(|f| f.code = Some(0)), [1]);
        assert_eq!(by(|f| f.client = Some("COZEPY".into())), [1, 2]);
        assert_eq!(by(|f| f.client = Some("curl".into())), Vec::<u64>::new());
        assert_eq!(by(|f| f.since = Some(1_000)), [2]);
        assert_eq!(by(|f| f.until = Some(1_000)), [1]);
    }

    #[test]
    fn the_request_line_names_the_client_as_the_report_does() {
        let mut r = clean_clone();
        let line = RequestLine(&r).to_string();
        assert!(line.starts_with(&format!(
            "POST /v1/audio/voices/clone client={} status",
            r.client.label()
        )));
        assert!(line.contains(
            "status=200 code=0 rule=- logid=20261125120000AAAAAAAAAAAAAAAAAAAA duration_ms=3"
        ));
        r.outcome = Outcome {
            status: Some(200),
            code: None,
            rule: Some("fault.latency".into()),
            fault: Some(FaultKind::Latency { ms: 50 }),
            duration_ms: 51,
            abandoned: false,
        };
        r.client.version = None;
        r.client.token = None;
        let line = RequestLine(&r).to_string();
        assert!(
            line.contains(
                "client=cozepy · no token status=200 (delayed 50 ms) code=- rule=fault.latency"
            ),
            "{line}"
        );
        r.outcome.status = None;
        r.outcome.abandoned = true;
        assert!(RequestLine(&r)
            .to_string()
            .contains("status=abandoned by the client"));
    }
}
