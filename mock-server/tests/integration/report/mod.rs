//! The conformance report, as a client author meets it: the journal's summaries and findings over HTTP,
//! `/__admin/report` in JSON and JUnit, the `coze-mock report` command's exit codes, and the inspector
//! page in a real headless Chromium.

/// `coze-mock report --url … --fail-on …` against the binary.
mod cli;
/// Expected outcomes: `X-Coze-Mock-Expect` and `/__admin/expect`.
mod expect;
/// The inspector page in headless Chromium over WebDriver (ignored by default: `.ci/run` runs it).
mod inspector;
/// The journal's summaries, findings and filters, and what a fault really did.
mod journal;
/// The report across resets, emptied, merged, and a wrong token's requests.
mod lifecycle;
/// `/__admin/report`, `/__admin/accounts`, the page and the landing envelope.
mod routes;
/// What the terminal shows: the admin API's access, one line per request, the shutdown.
mod terminal;
