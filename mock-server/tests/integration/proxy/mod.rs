//! `coze-mock proxy`: the upstream is always local (CI never reaches the real API): a second fake started
//! with settings that disagree with the shadow's on purpose ([`disagreeing`]), or a scripted upstream
//! answering the captured real requests of `fixtures/requests/` ([`scripted`]), slowly, or not at all
//! ([`faults`]). Without `--config` the upstream decides authentication ([`learner`]). [`cli`] covers the flags and `coze-mock drift`; [`inspector`] the page's drift section, its divergences and upstream failures,
//! in a headless Chromium.

mod cli;
mod disagreeing;
mod faults;
mod inspector;
mod learner;
mod scripted;
mod speech_stream;
mod tls;

use coze_mock::__internals::proxy::drift::{DriftExchange, DriftReport};
use coze_mock::__internals::proxy::ProxyServer;

/// Waits until the proxy has concluded `n` exchanges (a verdict is written once both answers are whole,
/// just after the client has its answer), and returns the report.
pub(crate) async fn report_after(proxy: &ProxyServer, n: u64) -> DriftReport {
    for _ in 0..3000 {
        let report = proxy.drift_report();
        if report.totals.exchanges >= n {
            return report;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!(
        "fewer than {n} exchanges concluded: {:?}",
        proxy.drift_report().totals
    );
}

/// The exchange numbered `seq`.
pub(crate) fn exchange(report: &DriftReport, seq: u64) -> &DriftExchange {
    report
        .exchanges
        .iter()
        .find(|e| e.seq == seq)
        .unwrap_or_else(|| panic!("no exchange #{seq} in {:#?}", report.exchanges))
}

/// The ledger rows an exchange's divergences name.
pub(crate) fn rows(exchange: &DriftExchange) -> Vec<String> {
    let mut rows: Vec<String> = exchange
        .divergences
        .iter()
        .map(|d| d.ledger_name().to_owned())
        .collect();
    rows.sort();
    rows.dedup();
    rows
}
