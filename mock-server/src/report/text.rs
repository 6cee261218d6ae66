//! The report as text for a terminal or a CI log.

use std::fmt::Write as _;

use super::Report;

/// Renders `report` for people: totals, then per client its coverage gaps and findings.
pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    let t = report.totals;
    // Writing to a `String` cannot fail.
    let _ = writeln!(
        out,
        "coze-mock conformance report: {} requests from {} clients; {} errors, {} warnings, {} info",
        report.requests,
        report.clients.len(),
        t.error,
        t.warning,
        t.info
    );
    for client in &report.clients {
        let _ = writeln!(out, "\n{} ({} requests)", client.label, client.requests);
        for row in &client.coverage {
            if row.requests == 0 {
                continue;
            }
            let seen: Vec<String> = row
                .outcomes
                .iter()
                .chain(&row.other)
                .filter(|c| c.seen > 0)
                .map(|c| format!("{} ×{}", c.outcome, c.seen))
                .collect();
            let _ = writeln!(
                out,
                "  {:<7} {} requests; served {}",
                row.endpoint.name(),
                row.requests,
                seen.join(", ")
            );
        }
        for sentence in &client.never_seen {
            let _ = writeln!(out, "  coverage: {sentence}");
        }
        for group in &client.findings {
            let level = match group.expected {
                true => "EXPECTED".to_owned(),
                false => group.severity.name().to_uppercase(),
            };
            let _ = writeln!(
                out,
                "  {level:<7} {} ×{}: {}",
                group.id.name(),
                group.count,
                group.sentence
            );
            for evidence in &group.evidence {
                let _ = writeln!(out, "          evidence: {evidence}");
            }
            if !group.logids.is_empty() {
                let _ = writeln!(out, "          logids: {}", group.logids.join(", "));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample_report;

    #[test]
    fn the_text_names_totals_clients_gaps_and_findings() {
        let text = render(&sample_report());
        let expected_lines = [
            "coze-mock conformance report: 3 requests from 2 clients; 1 errors, 1 warnings, 0 info",
            "cozepy/0.20.0 · pat_mock (2 requests)",
            "  clone   2 requests; served success ×2",
            "  coverage: never called list",
            "  ERROR   auth.token_not_bearer ×1: The token was not sent as `Authorization: Bearer <token>`",
            "          evidence: Authorization: pat_mock …",
            "  WARNING clone.audio_format_absent ×1: ",
            "          logids: 20261125120000BBBBBBBBBBBBBBBBBBBB",
        ];
        for line in expected_lines {
            assert!(
                text.lines().any(|l| l.starts_with(line)),
                "missing {line:?} in\n{text}"
            );
        }
    }
}
