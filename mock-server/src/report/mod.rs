//! The conformance report: what a client did differently from what the real API expects, which
//! documented outcomes its tests never exercised, and which habits would cost money.
//!
//! The report reads what the journal recorded of each request ([`crate::capture::RequestSummary`]: names,
//! sizes, hashes; never audio) and concludes when it is read, never while a request is answered:
//!
//! - [`concluded`]: the journal's records in order, each with its findings: the report and the admin
//!   journal read them.
//! - [`findings`]: findings about one request; [`money`]: findings over a sequence (money).
//! - [`vocabulary`]: the documented names and "did you mean".
//! - [`coverage`]: the outcomes each client was served, per endpoint.
//! - [`Report`]: all of it per client, rendered as JSON, [`text`] or [`junit`].
//! - [`cli`]: `coze-mock report`. The admin routes that serve the report and the inspector page are
//!   [`crate::admin::report`]'s.

pub mod cli;
pub mod concluded;
pub mod coverage;
pub mod findings;
pub mod junit;
pub mod money;
pub mod text;
pub mod vocabulary;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::capture::{Client, Endpoint, RequestSummary};
use coverage::EndpointCoverage;
use findings::{Finding, FindingId, Severity};

/// Distinct evidence lines and logids a finding group keeps as examples.
pub const EXAMPLES_KEPT: usize = 5;

/// The report over every request the journal holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Requests read.
    pub requests: u64,
    /// Findings by severity.
    pub totals: Totals,
    /// One entry per client, in the order of their first request.
    pub clients: Vec<ClientReport>,
}

/// Findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Findings the real API would refuse.
    pub error: u64,
    /// Risky or costly findings.
    pub warning: u64,
    /// The rest.
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

    /// Findings at `severity` or above.
    pub fn at_least(&self, severity: Severity) -> u64 {
        match severity {
            Severity::Error => self.error,
            Severity::Warning => self.error + self.warning,
            Severity::Info => self.error + self.warning + self.info,
        }
    }
}

/// What one client (User-Agent family and token) did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientReport {
    /// Who.
    pub client: Client,
    /// `cozepy/0.20.0 · pat_mock`.
    pub label: String,
    /// Requests it sent to any path.
    pub requests: u64,
    /// Per API endpoint, the outcomes it was served.
    pub coverage: Vec<EndpointCoverage>,
    /// One sentence per endpoint with outcomes never served.
    pub never_seen: Vec<String>,
    /// Its findings, grouped by id, errors first.
    pub findings: Vec<FindingGroup>,
}

/// The findings of one id for one client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingGroup {
    /// The finding's id.
    pub id: FindingId,
    /// Its severity.
    pub severity: Severity,
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
    fn new(id: FindingId) -> FindingGroup {
        FindingGroup {
            id,
            severity: id.severity(),
            sentence: id.sentence().to_owned(),
            count: 0,
            evidence: Vec::new(),
            logids: Vec::new(),
        }
    }

    fn add(&mut self, finding: &Finding, logid: Option<&str>) {
        self.count += 1;
        if self.evidence.len() < EXAMPLES_KEPT && !self.evidence.contains(&finding.evidence) {
            self.evidence.push(finding.evidence.clone());
        }
        if let Some(logid) = logid.filter(|l| self.logids.last().map(String::as_str) != Some(*l)) {
            if self.logids.len() == EXAMPLES_KEPT {
                self.logids.remove(0);
            }
            self.logids.push(logid.to_owned());
        }
    }
}

/// A client's report while it is being built.
struct Building {
    report: ClientReport,
    groups: BTreeMap<FindingId, FindingGroup>,
}

impl Report {
    /// The report over `requests`, oldest first, each with its findings.
    pub fn build<'a>(
        requests: impl IntoIterator<Item = (&'a RequestSummary, &'a [Finding])>,
    ) -> Report {
        let mut total = 0;
        let mut totals = Totals::default();
        let mut clients: Vec<Building> = Vec::new();
        for (summary, findings) in requests {
            total += 1;
            let i = match clients
                .iter()
                .position(|c| c.report.client == summary.client)
            {
                Some(i) => i,
                None => {
                    clients.push(Building {
                        report: ClientReport {
                            client: summary.client.clone(),
                            label: summary.client.label(),
                            requests: 0,
                            coverage: Endpoint::API.map(EndpointCoverage::new).to_vec(),
                            never_seen: Vec::new(),
                            findings: Vec::new(),
                        },
                        groups: BTreeMap::new(),
                    });
                    clients.len() - 1
                }
            };
            let building = &mut clients[i];
            building.report.requests += 1;
            if let Some(row) = building
                .report
                .coverage
                .iter_mut()
                .find(|row| row.endpoint == summary.endpoint)
            {
                row.count(&summary.outcome);
            }
            for finding in findings {
                totals.add(finding.severity);
                building
                    .groups
                    .entry(finding.id)
                    .or_insert_with(|| FindingGroup::new(finding.id))
                    .add(finding, summary.logid.as_deref());
            }
        }
        let clients = clients
            .into_iter()
            .map(|mut b| {
                b.report.never_seen = b
                    .report
                    .coverage
                    .iter()
                    .filter_map(EndpointCoverage::sentence)
                    .collect();
                let mut groups: Vec<FindingGroup> = b.groups.into_values().collect();
                groups.sort_by_key(|g| std::cmp::Reverse(g.severity));
                b.report.findings = groups;
                b.report
            })
            .collect();
        Report {
            requests: total,
            totals,
            clients,
        }
    }

    /// Whether any finding is at `severity` or above: what `coze-mock report --fail-on` gates on.
    pub fn fails_at(&self, severity: Severity) -> bool {
        self.totals.at_least(severity) > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{ClientFamily, TokenPlacement};
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
            .any(|s| s.starts_with("clone never saw 4000, 4100")));
        assert!(cozepy.never_seen.contains(&"never called list".to_owned()));
        let curl = &report.clients[1];
        assert_eq!(curl.findings[0].id, FindingId::TokenNotBearer);
        assert_eq!(curl.coverage[0].outcomes[2].seen, 1, "its 4100");
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
