//! The report as JUnit XML, for CI systems that display test results: one `<testsuite>` per client, each
//! documented outcome of each endpoint a `<testcase>` (skipped when never exercised), and each group of
//! findings a `<testcase>`: an `error` one failing, a `warning` or an expected one passing with its
//! sentence and evidence in `<system-out>`, so a CI test view shows every finding. The output is valid
//! under Jenkins' JUnit schema (`.ci/junit/junit-10.xsd`, checked in CI with `xmllint`).

use std::fmt::Write as _;

use super::findings::Severity;
use super::{ClientReport, Report};

/// Escapes text for an XML attribute or element.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            // XML 1.0 has no way to write other control characters.
            c if c.is_control() && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// One client's test case: skipped, failing (type, message, body), or passing with an output.
struct Case {
    name: String,
    classname: String,
    skipped: bool,
    failure: Option<(String, String, String)>,
    output: Option<String>,
}

fn cases(client: &ClientReport) -> Vec<Case> {
    let mut cases = Vec::new();
    for row in &client.coverage {
        for cell in &row.outcomes {
            cases.push(Case {
                name: format!("{}: {}", row.endpoint.name(), cell.outcome),
                classname: format!("coze-mock.coverage.{}", row.endpoint.name()),
                skipped: cell.seen == 0,
                failure: None,
                output: None,
            });
        }
    }
    for group in &client.findings {
        let mut body = format!("{} request(s)\n", group.count);
        for evidence in &group.evidence {
            let _ = writeln!(body, "evidence: {evidence}");
        }
        if !group.logids.is_empty() {
            let _ = writeln!(body, "logids: {}", group.logids.join(", "));
        }
        let (name, kind) = match (group.expected, group.severity) {
            (true, _) => (format!("{} (expected)", group.id.name()), "expected"),
            (false, severity) => (group.id.name().to_owned(), severity.name()),
        };
        let classname = format!("coze-mock.findings.{kind}");
        let case = if group.severity == Severity::Error {
            Case {
                name,
                classname,
                skipped: false,
                failure: Some((group.id.name().to_owned(), group.sentence.clone(), body)),
                output: None,
            }
        } else {
            Case {
                name,
                classname,
                skipped: false,
                failure: None,
                output: Some(format!(
                    "{}: {}\n{body}",
                    kind.to_uppercase(),
                    group.sentence
                )),
            }
        };
        cases.push(case);
    }
    cases
}

/// Renders `report` as JUnit XML.
pub(crate) fn render(report: &Report) -> String {
    let suites: Vec<(&ClientReport, Vec<Case>)> =
        report.clients.iter().map(|c| (c, cases(c))).collect();
    let count = |pred: &dyn Fn(&Case) -> bool| -> usize {
        suites
            .iter()
            .map(|(_, cs)| cs.iter().filter(|c| pred(c)).count())
            .sum()
    };
    let tests = count(&|_| true);
    let failures = count(&|c| c.failure.is_some());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    // Writing to a `String` cannot fail.
    let _ = writeln!(
        out,
        "<testsuites name=\"coze-mock conformance\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"0\">"
    );
    for (client, cases) in &suites {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"0\">",
            escape(&client.label),
            cases.len(),
            cases.iter().filter(|c| c.failure.is_some()).count(),
            cases.iter().filter(|c| c.skipped).count(),
        );
        for case in cases {
            let open = format!(
                "    <testcase name=\"{}\" classname=\"{}\" time=\"0\"",
                escape(&case.name),
                escape(&case.classname)
            );
            if case.skipped {
                let _ = writeln!(
                    out,
                    "{open}>\n      <skipped message=\"never exercised\"/>\n    </testcase>"
                );
            } else if let Some((kind, message, body)) = &case.failure {
                let _ = writeln!(
                    out,
                    "{open}>\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                    escape(kind),
                    escape(message),
                    escape(body)
                );
            } else if let Some(output) = &case.output {
                let _ = writeln!(
                    out,
                    "{open}>\n      <system-out>{}</system-out>\n    </testcase>",
                    escape(output)
                );
            } else {
                let _ = writeln!(out, "{open}/>");
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::findings::{Finding, FindingId};
    use crate::report::tests::sample_report;
    use quick_xml::events::Event;
    use quick_xml::Reader;
    use std::collections::HashMap;

    /// An element as read back: its name, attributes, and the names of its children.
    #[derive(Debug, Default)]
    struct Element {
        name: String,
        attrs: HashMap<String, String>,
        children: Vec<Element>,
        text: String,
    }

    /// Parses the XML with quick-xml into a tree, failing on anything malformed.
    fn parse(xml: &str) -> Element {
        let mut reader = Reader::from_str(xml);
        let mut stack = vec![Element::default()];
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) => stack.push(element(&e)),
                Event::Empty(e) => {
                    let el = element(&e);
                    stack.last_mut().unwrap().children.push(el);
                }
                Event::End(_) => {
                    let done = stack.pop().unwrap();
                    stack.last_mut().unwrap().children.push(done);
                }
                Event::Text(t) => {
                    let text = t.decode().expect("UTF-8 text").into_owned();
                    stack.last_mut().unwrap().text.push_str(&text);
                }
                Event::GeneralRef(r) => {
                    let c = match r.resolve_char_ref().expect("valid character reference") {
                        Some(c) => c.to_string(),
                        None => {
                            let name = r.decode().expect("UTF-8 entity name").into_owned();
                            quick_xml::escape::resolve_predefined_entity(&name)
                                .expect("a predefined entity")
                                .to_owned()
                        }
                    };
                    stack.last_mut().unwrap().text.push_str(&c);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(stack.len(), 1, "every element closed");
        let mut root = stack.pop().unwrap();
        assert_eq!(root.children.len(), 1, "one root element");
        root.children.pop().unwrap()
    }

    fn element(e: &quick_xml::events::BytesStart<'_>) -> Element {
        Element {
            name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
            attrs: e
                .attributes()
                .map(|a| {
                    let a = a.expect("well-formed attribute");
                    (
                        String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                        a.unescape_value().expect("valid escapes").into_owned(),
                    )
                })
                .collect(),
            ..Element::default()
        }
    }

    fn count(el: &Element, attr: &str) -> usize {
        el.attrs[attr].parse().unwrap()
    }

    /// The sum of an attribute over the suites (Jenkins' schema has no `skipped` on the root).
    fn suite_total(root: &Element, attr: &str) -> usize {
        assert!(!root.attrs.contains_key(attr));
        root.children.iter().map(|s| count(s, attr)).sum()
    }

    /// The rules of the JUnit XML schema CI systems read (Jenkins' junit-10.xsd): a `testsuites` root of
    /// `testsuite`s with a name and counts, `testcase`s with name and classname, at most one `skipped` or
    /// `failure` (with a message) in each, and counts that match the cases.
    fn assert_valid_junit(root: &Element) {
        assert_eq!(root.name, "testsuites");
        let (mut tests, mut failures, mut skipped) = (0, 0, 0);
        for suite in &root.children {
            assert_eq!(suite.name, "testsuite");
            assert!(!suite.attrs["name"].is_empty());
            let mut suite_failures = 0;
            let mut suite_skipped = 0;
            for case in &suite.children {
                assert_eq!(case.name, "testcase");
                assert!(!case.attrs["name"].is_empty() && !case.attrs["classname"].is_empty());
                assert!(case.children.len() <= 1, "{case:?}");
                for child in &case.children {
                    match child.name.as_str() {
                        "skipped" => suite_skipped += 1,
                        "failure" => {
                            assert!(child.attrs.contains_key("message"));
                            assert!(child.attrs.contains_key("type"));
                            suite_failures += 1;
                        }
                        "system-out" => assert!(!child.text.is_empty()),
                        other => panic!("unexpected <{other}> in a testcase"),
                    }
                }
            }
            assert_eq!(count(suite, "tests"), suite.children.len());
            assert_eq!(count(suite, "failures"), suite_failures);
            assert_eq!(count(suite, "skipped"), suite_skipped);
            assert_eq!(count(suite, "errors"), 0);
            tests += suite.children.len();
            failures += suite_failures;
            skipped += suite_skipped;
        }
        assert_eq!(count(root, "tests"), tests);
        assert_eq!(count(root, "failures"), failures);
        assert_eq!(suite_total(root, "skipped"), skipped);
    }

    #[test]
    fn the_junit_output_parses_back_as_valid_junit_xml() {
        let xml = render(&sample_report());
        let root = parse(&xml);
        assert_valid_junit(&root);
        assert_eq!(root.children.len(), 2, "one suite per client");
        let cozepy = &root.children[0];
        assert_eq!(cozepy.attrs["name"], "cozepy/0.20.0 · pat_mock");
        let success = cozepy
            .children
            .iter()
            .find(|c| c.attrs["name"] == "clone: success")
            .unwrap();
        assert!(success.children.is_empty(), "exercised: passed");
        let never = cozepy
            .children
            .iter()
            .find(|c| c.attrs["name"] == "clone: 4302")
            .unwrap();
        assert_eq!(never.children[0].name, "skipped");
        assert_eq!(count(cozepy, "failures"), 0, "a warning is no failure");
        let warning = cozepy
            .children
            .iter()
            .find(|c| c.attrs["name"] == "clone.audio_format_absent")
            .expect("the warning is a test case");
        assert_eq!(warning.attrs["classname"], "coze-mock.findings.warning");
        assert_eq!(warning.children[0].name, "system-out");
        assert!(warning.children[0]
            .text
            .starts_with("WARNING: The clone sent no `audio_format`."));
        assert!(warning.children[0]
            .text
            .contains("logids: 20261125120000BBBBBBBBBBBBBBBBBBBB"));
    }

    #[test]
    fn an_expected_finding_passes_with_its_text() {
        let mut s = crate::report::findings::tests::clean_clone();
        s.outcome.code = Some(4000);
        s.outcome.status = Some(400);
        let finding =
            Finding::new(FindingId::BytesNotCharacters, "voice_name is 129 bytes").expected();
        let root = parse(&render(&Report::build([(
            &s,
            std::slice::from_ref(&finding),
        )])));
        assert_valid_junit(&root);
        let case = root.children[0]
            .children
            .iter()
            .find(|c| c.attrs["name"] == "limit.bytes_not_characters (expected)")
            .expect("the expected finding is a test case");
        assert_eq!(case.children[0].name, "system-out");
        assert!(case.children[0]
            .text
            .starts_with("EXPECTED: The value is over"));
        assert_eq!(count(&root, "failures"), 0);
    }

    #[test]
    fn each_error_finding_is_a_failure_with_its_evidence() {
        let root = parse(&render(&sample_report()));
        let curl = &root.children[1];
        let failing: Vec<&Element> = curl
            .children
            .iter()
            .filter(|c| c.children.first().is_some_and(|f| f.name == "failure"))
            .collect();
        assert_eq!(failing.len(), 1);
        assert_eq!(failing[0].attrs["name"], "auth.token_not_bearer");
        let failure = &failing[0].children[0];
        assert!(failure.attrs["message"].contains("Authorization: Bearer"));
        assert!(failure.text.contains("evidence: Authorization: pat_mock …"));
    }

    #[test]
    fn markup_in_names_and_evidence_is_escaped() {
        let mut report = sample_report();
        report.clients[1].label = "a<b>&\"c'\u{1}".into();
        report.clients[1].findings[0].evidence = vec!["</failure><x>".into()];
        let root = parse(&render(&report));
        assert_valid_junit(&root);
        assert_eq!(root.children[1].attrs["name"], "a<b>&\"c'\u{FFFD}");
    }

    #[test]
    fn an_empty_report_is_an_empty_valid_document() {
        let report = Report::build(std::iter::empty());
        let root = parse(&render(&report));
        assert_valid_junit(&root);
        assert!(root.children.is_empty());
    }
}
