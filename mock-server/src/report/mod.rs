//! The conformance report: what a client did differently from what the real API expects, which
//! documented outcomes its tests never exercised, and which habits would cost money.
//!
//! The report reads what the journal recorded of each request ([`crate::capture::RequestSummary`]: names,
//! sizes, hashes; never audio) and concludes when it is read, never while a request is answered:
//!
//! - [`concluded`]: the journal's records in order, each with its findings: the report and the admin
//!   journal read them.
//! - [`archive`]: the report across the resets that clear the journal.
//! - [`findings`]: findings about one request; [`money`]: findings over a sequence (money).
//! - [`session`]: findings about a streaming-speech session.
//! - [`vocabulary`]: the documented names and "did you mean".
//! - [`coverage`]: the outcomes each client was served, per endpoint.
//! - [`Report`]: all of it per client, rendered as JSON, [`text`] or [`junit`].
//! - [`cli`]: `coze-mock report`. The admin routes that serve the report and the inspector page are
//!   [`crate::admin::report`]'s.

pub(crate) mod archive;
pub(crate) mod cli;
pub(crate) mod concluded;
pub(crate) mod coverage;
pub(crate) mod findings;
pub(crate) mod junit;
pub(crate) mod money;
pub(crate) mod session;
pub(crate) mod text;
pub(crate) mod vocabulary;

use serde::{Deserialize, Serialize};

use crate::capture::{Client, Endpoint, Outcome, RequestSummary};
use crate::error::CODE_AUTHENTICATION_INVALID;
use coverage::EndpointCoverage;
use findings::{Finding, FindingId, Severity};

/// Distinct evidence lines and logids a finding group keeps as examples.
pub(crate) const EXAMPLES_KEPT: usize = 5;

/// Clients the report keeps apart: a fake that CI hammers with ever new tokens or User-Agents must not
/// grow without bound. The requests of clients past this many count in the totals and in
/// [`Report::requests_of_clients_not_kept`].
pub(crate) const CLIENTS_KEPT: usize = 1000;

/// The report over every request since the fake started or the report was last emptied
/// (`DELETE /__admin/report`): a reset of the fake's state leaves it. Reports add up: [`Report::merge`]
/// (`coze-mock report --merge`) gives the report of the requests of both.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Report {
    /// Requests read.
    pub requests: u64,
    /// Findings by severity.
    pub totals: Totals,
    /// One entry per client, in the order of their first request.
    pub clients: Vec<ClientReport>,
    /// Requests of clients past the first [`CLIENTS_KEPT`]: counted in `requests` and `totals` only.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub requests_of_clients_not_kept: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Totals {
    /// Findings the real API would refuse.
    pub error: u64,
    /// Risky or costly findings.
    pub warning: u64,
    /// The rest, expected findings included.
    pub info: u64,
}

impl Totals {
    fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.error += 1,
            Severity::Warning => self.warning += 1,
            Severity::Info => self.info += 1,
        }
    }

    fn merge(&mut self, other: Totals) {
        self.error += other.error;
        self.warning += other.warning;
        self.info += other.info;
    }

    /// Findings at `severity` or above.
    pub(crate) fn at_least(&self, severity: Severity) -> u64 {
        match severity {
            Severity::Error => self.error,
            Severity::Warning => self.error + self.warning,
            Severity::Info => self.error + self.warning + self.info,
        }
    }
}

/// What one client (User-Agent family and token) did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ClientReport {
    /// Who.
    pub client: Client,
    /// `cozepy/0.20.0 · pat_mock`.
    pub label: String,
    /// Whether any of its requests passed authentication. A request refused with 4100 (a wrong,
    /// expired or misplaced token) counts toward the authenticated client with the same User-Agent, not
    /// toward a client of its own: its coverage is the one that saw the 4100.
    #[serde(default = "yes")]
    pub authenticated: bool,
    /// Requests it sent to any path.
    pub requests: u64,
    /// Per API endpoint, the outcomes it was served.
    pub coverage: Vec<EndpointCoverage>,
    /// One sentence per endpoint with outcomes never served.
    pub never_seen: Vec<String>,
    /// Its findings, grouped by id (expected ones apart), errors first.
    pub findings: Vec<FindingGroup>,
}

fn yes() -> bool {
    true
}

impl ClientReport {
    /// The report of one request.
    fn of_request(summary: &RequestSummary, findings: &[Finding]) -> ClientReport {
        let mut report = ClientReport {
            client: summary.client.clone(),
            label: summary.client.label(),
            authenticated: !failed_authentication(&summary.outcome),
            requests: 0,
            coverage: Endpoint::API.map(EndpointCoverage::new).to_vec(),
            never_seen: Vec::new(),
            findings: Vec::new(),
        };
        report.count(summary, findings);
        report.settle();
        report
    }

    /// Counts one more request of this client, leaving the sentences and order to [`Self::settle`].
    fn count(&mut self, summary: &RequestSummary, findings: &[Finding]) {
        self.requests += 1;
        if let Some(row) = self
            .coverage
            .iter_mut()
            .find(|r| r.endpoint == summary.endpoint)
        {
            row.count(&summary.outcome);
        }
        for finding in findings {
            match self
                .findings
                .iter_mut()
                .find(|g| g.id == finding.id && g.expected == finding.expected)
            {
                Some(group) => group.add(finding, summary.logid.as_deref()),
                None => {
                    let mut group = FindingGroup::new(finding);
                    group.add(finding, summary.logid.as_deref());
                    self.findings.push(group);
                }
            }
        }
    }

    /// Whether `other` was sent by the same User-Agent (family and version).
    fn same_agent(&self, other: &ClientReport) -> bool {
        self.client.family == other.client.family && self.client.version == other.client.version
    }

    /// Takes `other`'s requests, coverage and findings into this client's.
    fn absorb(&mut self, other: ClientReport) {
        self.requests += other.requests;
        for row in &other.coverage {
            match self
                .coverage
                .iter_mut()
                .find(|r| r.endpoint == row.endpoint)
            {
                Some(mine) => mine.absorb(row),
                None => self.coverage.push(row.clone()),
            }
        }
        for group in other.findings {
            match self
                .findings
                .iter_mut()
                .find(|g| g.id == group.id && g.expected == group.expected)
            {
                Some(mine) => mine.absorb(group),
                None => self.findings.push(group),
            }
        }
        self.settle();
    }

    /// Recomputes what derives from the counts: the coverage sentences and the findings' order.
    fn settle(&mut self) {
        self.never_seen = self
            .coverage
            .iter()
            .filter_map(EndpointCoverage::sentence)
            .collect();
        self.findings
            .sort_by_key(|g| (std::cmp::Reverse(g.severity), g.id, g.expected));
    }
}

/// Whether an answer refused the request's authentication (4100), rather than a fault's envelope
/// standing in for it.
fn failed_authentication(outcome: &Outcome) -> bool {
    outcome.code == Some(CODE_AUTHENTICATION_INVALID) && outcome.fault.is_none()
}

/// The findings of one id for one client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FindingGroup {
    /// The finding's id.
    pub id: FindingId,
    /// Its severity (`info` when expected).
    pub severity: Severity,
    /// Whether these findings were on requests answered the outcome their test expected.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expected: bool,
    /// What it means.
    pub sentence: String,
    /// Requests that had it.
    pub count: u64,
    /// Up to [`EXAMPLES_KEPT`] distinct evidence lines.
    pub evidence: Vec<String>,
    /// The logids of up to [`EXAMPLES_KEPT`] of those requests, newest last.
    pub logids: Vec<String>,
}

impl FindingGroup {
    fn new(finding: &Finding) -> FindingGroup {
        FindingGroup {
            id: finding.id,
            severity: finding.severity,
            expected: finding.expected,
            sentence: finding.id.sentence().to_owned(),
            count: 0,
            evidence: Vec::new(),
            logids: Vec::new(),
        }
    }

    fn add(&mut self, finding: &Finding, logid: Option<&str>) {
        self.count += 1;
        self.keep_evidence(&finding.evidence);
        if let Some(logid) = logid {
            self.keep_logid(logid);
        }
    }

    fn keep_evidence(&mut self, evidence: &str) {
        if self.evidence.len() < EXAMPLES_KEPT && !self.evidence.iter().any(|e| e == evidence) {
            self.evidence.push(evidence.to_owned());
        }
    }

    fn keep_logid(&mut self, logid: &str) {
        if self.logids.last().map(String::as_str) == Some(logid) {
            return;
        }
        if self.logids.len() == EXAMPLES_KEPT {
            self.logids.remove(0);
        }
        self.logids.push(logid.to_owned());
    }

    fn absorb(&mut self, other: FindingGroup) {
        self.count += other.count;
        for evidence in &other.evidence {
            self.keep_evidence(evidence);
        }
        for logid in &other.logids {
            self.keep_logid(logid);
        }
    }
}

impl Report {
    /// The report over `requests`, oldest first, each with its findings.
    #[cfg(test)]
    pub(crate) fn build<'a>(
        requests: impl IntoIterator<Item = (&'a RequestSummary, &'a [Finding])>,
    ) -> Report {
        let mut report = Report::default();
        for (summary, findings) in requests {
            report.add_unsettled(summary, findings);
        }
        report.settle();
        report
    }

    /// Takes one more request with its findings.
    #[cfg(test)]
    pub(crate) fn add(&mut self, summary: &RequestSummary, findings: &[Finding]) {
        self.add_unsettled(summary, findings);
        self.settle();
    }

    /// Takes one more request; the clients' sentences and order wait for [`Report::settle`]. A request
    /// of a client already kept (the common case) is counted in place.
    fn add_unsettled(&mut self, summary: &RequestSummary, findings: &[Finding]) {
        self.requests += 1;
        for finding in findings {
            self.totals.add(finding.severity);
        }
        let authenticated = !failed_authentication(&summary.outcome);
        let same = self
            .clients
            .iter_mut()
            .find(|c| c.client == summary.client && (c.authenticated || !authenticated));
        match same {
            Some(client) => client.count(summary, findings),
            None => self.place(ClientReport::of_request(summary, findings)),
        }
    }

    /// Recomputes every client's coverage sentences and findings' order.
    fn settle(&mut self) {
        for client in &mut self.clients {
            client.settle();
        }
    }

    /// Adds `other`'s requests to this report: the report of both sets of requests (the xdist workers
    /// of one pytest run, the shards of one CI run). Clients are matched as requests are.
    pub(crate) fn merge(&mut self, other: Report) {
        self.requests += other.requests;
        self.totals.merge(other.totals);
        self.requests_of_clients_not_kept += other.requests_of_clients_not_kept;
        for client in other.clients {
            self.place(client);
        }
    }

    /// Files `incoming` under its client: the same User-Agent and token, else (when none of its requests
    /// authenticated) the first authenticated client of the same User-Agent, else a client of its own,
    /// which takes in the unauthenticated clients of its User-Agent once it authenticates.
    fn place(&mut self, incoming: ClientReport) {
        let home = self
            .clients
            .iter()
            .position(|c| c.client == incoming.client)
            .or_else(|| {
                (!incoming.authenticated)
                    .then(|| {
                        self.clients
                            .iter()
                            .position(|c| c.authenticated && c.same_agent(&incoming))
                    })
                    .flatten()
            });
        let i = match home {
            Some(i) => {
                self.clients[i].authenticated |= incoming.authenticated;
                self.clients[i].absorb(incoming);
                i
            }
            None if self.clients.len() >= CLIENTS_KEPT => {
                self.requests_of_clients_not_kept += incoming.requests;
                return;
            }
            None => {
                self.clients.push(incoming);
                self.clients.len() - 1
            }
        };
        if self.clients[i].authenticated {
            self.take_in_unauthenticated(i);
        }
    }

    /// Moves the unauthenticated clients with the User-Agent of client `i` into it.
    fn take_in_unauthenticated(&mut self, i: usize) {
        let mut j = 0;
        let mut home = i;
        while j < self.clients.len() {
            if j != home
                && !self.clients[j].authenticated
                && self.clients[j].same_agent(&self.clients[home])
            {
                let stray = self.clients.remove(j);
                if j < home {
                    home -= 1;
                }
                self.clients[home].absorb(stray);
            } else {
                j += 1;
            }
        }
    }

    /// Whether any finding is at `severity` or above: what `coze-mock report --fail-on` gates on.
    /// Expected findings are `info`, so `--fail-on error` and `--fail-on warning` pass over them.
    pub(crate) fn fails_at(&self, severity: Severity) -> bool {
        self.totals.at_least(severity) > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::client::ClientFamily;
    use crate::capture::TokenPlacement;
    use crate::report::findings::request_findings;
    use crate::report::findings::tests::clean_clone;

    pub(crate) fn sample_requests() -> Vec<(RequestSummary, Vec<Finding>)> {
        let mut requests = Vec::new();
        let ok = clean_clone();
        requests.push(ok.clone());
        let mut no_format = clean_clone();
        no_format.inputs.declared_format = None;
        no_format.logid = Some("20261125120000BBBBBBBBBBBBBBBBBBBB".into());
        requests.push(no_format);
        let mut curl = clean_clone();
        curl.client.family = ClientFamily::Curl;
        curl.client.version = Some("7.88.1".into());
        curl.token_placement = TokenPlacement::AuthorizationWithoutBearer {
            scheme: "pat_mock".into(),
        };
        curl.outcome.code = Some(4100);
        curl.outcome.rule = Some("auth.not_bearer".into());
        requests.push(curl);
        requests
            .into_iter()
            .map(|s| {
                let f = request_findings(&s);
                (s, f)
            })
            .collect()
    }

    pub(crate) fn sample_report() -> Report {
        let requests = sample_requests();
        Report::build(requests.iter().map(|(s, f)| (s, f.as_slice())))
    }

    #[test]
    fn requests_are_grouped_by_client_with_their_coverage_and_findings() {
        let report = sample_report();
        assert_eq!(report.requests, 3);
        assert_eq!(
            report.totals,
            Totals {
                error: 1,
                warning: 1,
                info: 0
            }
        );
        let labels: Vec<_> = report.clients.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            ["cozepy/0.20.0 · pat_mock", "curl/7.88.1 · pat_mock"]
        );
        let cozepy = &report.clients[0];
        assert_eq!(cozepy.requests, 2);
        let clone = &cozepy.coverage[0];
        assert_eq!(clone.endpoint, Endpoint::Clone);
        assert_eq!(clone.outcomes[0].seen, 2, "two successes");
        assert_eq!(cozepy.findings.len(), 1);
        assert_eq!(cozepy.findings[0].id, FindingId::AudioFormatAbsent);
        assert_eq!(
            cozepy.findings[0].logids,
            ["20261125120000BBBBBBBBBBBBBBBBBBBB"]
        );
        assert!(cozepy
            .never_seen
            .iter()
            .any(|s| s.starts_with("clone never saw 1109, 4000, 4019, 4100")));
        assert!(cozepy.never_seen.contains(&"never called list".to_owned()));
        let curl = &report.clients[1];
        assert_eq!(curl.findings[0].id, FindingId::TokenNotBearer);
        let its_4100 = curl.coverage[0]
            .outcomes
            .iter()
            .find(|c| c.outcome == coverage::Served::Code(4100));
        assert_eq!(its_4100.map(|c| c.seen), Some(1), "its 4100");
    }

    #[test]
    fn the_gate_counts_findings_at_or_above_its_level() {
        let report = sample_report();
        assert!(report.fails_at(Severity::Error));
        assert!(report.fails_at(Severity::Warning));
        let clean = Report::build([(&clean_clone(), &[][..])]);
        assert!(!clean.fails_at(Severity::Info));
    }

    #[test]
    fn a_report_survives_a_round_trip_through_json() {
        let report = sample_report();
        let json = serde_json::to_string(&report).unwrap();
        let back: Report = serde_json::from_str(&json).unwrap();
        assert_eq!(back, report);
    }

    /// A cozepy request with `token`, answered `code`.
    fn cozepy(token: &str, code: i64) -> RequestSummary {
        let mut s = clean_clone();
        s.client.token = Some(token.into());
        s.outcome.code = Some(code);
        s.outcome.status = Some(if code == 0 { 200 } else { 401 });
        s
    }

    fn labels(report: &Report) -> Vec<&str> {
        report.clients.iter().map(|c| c.label.as_str()).collect()
    }

    #[test]
    fn a_refused_token_counts_toward_the_client_with_the_same_user_agent_in_either_order() {
        for wrong_first in [true, false] {
            let mut requests = [cozepy("pat_mock", 0), cozepy("pat_wrong", 4100)];
            if wrong_first {
                requests.reverse();
            }
            let report = Report::build(requests.iter().map(|s| (s, &[][..])));
            assert_eq!(
                labels(&report),
                ["cozepy/0.20.0 · pat_mock"],
                "{wrong_first}"
            );
            let client = &report.clients[0];
            assert!(client.authenticated);
            assert_eq!(client.requests, 2);
            let clone = &client.coverage[0];
            let seen = |name: &str| {
                clone
                    .outcomes
                    .iter()
                    .find(|c| c.outcome.name() == name)
                    .unwrap()
                    .seen
            };
            assert_eq!((seen("success"), seen("4100")), (1, 1));
            assert!(
                !client.never_seen[0].contains("4100"),
                "{:?}",
                client.never_seen
            );
        }
        let mut curl = cozepy("pat_wrong", 4100);
        curl.client.family = ClientFamily::Curl;
        curl.client.version = None;
        let report = Report::build([(&cozepy("pat_mock", 0), &[][..]), (&curl, &[][..])]);
        assert_eq!(
            labels(&report),
            ["cozepy/0.20.0 · pat_mock", "curl · pat_wrong"],
            "another User-Agent stays apart"
        );
        assert!(!report.clients[1].authenticated);
    }

    #[test]
    fn merged_reports_equal_the_report_of_all_their_requests() {
        let requests = sample_requests();
        let mut more = requests.clone();
        more.push((cozepy("pat_other", 4100), Vec::new()));
        more.push((cozepy("pat_other", 0), Vec::new()));
        let whole = Report::build(requests.iter().chain(&more).map(|(s, f)| (s, f.as_slice())));
        let mut merged = Report::build(requests.iter().map(|(s, f)| (s, f.as_slice())));
        merged.merge(Report::build(more.iter().map(|(s, f)| (s, f.as_slice()))));
        assert_eq!(merged.requests, 8);
        assert_eq!(merged.totals, whole.totals);
        assert_eq!(labels(&merged), labels(&whole));
        for (m, w) in merged.clients.iter().zip(&whole.clients) {
            assert_eq!(m.requests, w.requests);
            assert_eq!(m.coverage, w.coverage);
            assert_eq!(m.never_seen, w.never_seen);
            let counts = |c: &ClientReport| -> Vec<(FindingId, u64)> {
                c.findings.iter().map(|g| (g.id, g.count)).collect()
            };
            assert_eq!(counts(m), counts(w));
        }
    }

    #[test]
    fn expected_findings_are_grouped_apart_as_info_and_do_not_fail_the_gate() {
        let s = cozepy("pat_mock", 4000);
        let finding = Finding::new(FindingId::BytesNotCharacters, "129 bytes");
        let report = Report::build([
            (&s, std::slice::from_ref(&finding.clone().expected())),
            (&s, std::slice::from_ref(&finding)),
        ]);
        let groups: Vec<(FindingId, Severity, bool)> = report.clients[0]
            .findings
            .iter()
            .map(|g| (g.id, g.severity, g.expected))
            .collect();
        assert_eq!(
            groups,
            [
                (FindingId::BytesNotCharacters, Severity::Error, false),
                (FindingId::BytesNotCharacters, Severity::Info, true)
            ]
        );
        let expected_only = Report::build([(&s, std::slice::from_ref(&finding.expected()))]);
        assert!(!expected_only.fails_at(Severity::Warning));
        assert_eq!(expected_only.totals.info, 1);
    }

    #[test]
    fn clients_past_the_limit_count_in_the_totals_only() {
        let mut report = Report::default();
        let finding = Finding::new(FindingId::AudioFormatAbsent, "no audio_format");
        for i in 0..=CLIENTS_KEPT {
            report.add(
                &cozepy(&format!("pat_{i}"), 0),
                std::slice::from_ref(&finding),
            );
        }
        assert_eq!(report.clients.len(), CLIENTS_KEPT);
        assert_eq!(report.requests_of_clients_not_kept, 1);
        assert_eq!(report.totals.warning, CLIENTS_KEPT as u64 + 1);
    }

    #[test]
    fn a_group_keeps_a_bounded_number_of_examples() {
        let s = clean_clone();
        let findings: Vec<Finding> = (0..20)
            .map(|i| Finding::new(FindingId::CloneUnknownField, format!("\"f{i}\"")))
            .collect();
        let report = Report::build([(&s, findings.as_slice())]);
        let group = &report.clients[0].findings[0];
        assert_eq!(group.count, 20);
        assert_eq!(group.evidence.len(), EXAMPLES_KEPT);
    }
}
