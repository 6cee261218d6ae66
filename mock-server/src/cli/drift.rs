//! `coze-mock drift --url URL [--format text|json|junit] [--fail-on diverged]`: reads a running proxy's
//! drift report (`GET /__admin/drift`, over https with `--ca`), prints it, and exits 1 when an exchange diverged (with
//! `--fail-on diverged`), 0 when none did, 2 when the report cannot be read.

use std::process::ExitCode;

use coze_mock::__internals::admin_client::CaArgs;
use coze_mock::__internals::proxy::drift::DriftReport;
use coze_mock::__internals::proxy::DRIFT_PATH;
use coze_mock::__internals::report::{fetch_admin, EXIT_FINDINGS, EXIT_UNREADABLE};

/// How to print the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// For people: each divergence with its ledger row, the rows confirmed, the totals.
    Text,
    /// The report as `GET /__admin/drift` gives it.
    Json,
    /// JUnit XML for CI systems.
    Junit,
}

/// What `--fail-on` gates at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum FailOn {
    /// Exit 1 when any exchange diverged.
    Diverged,
}

/// The flags of `drift`.
#[derive(Debug, clap::Args)]
pub(crate) struct DriftArgs {
    /// The running proxy's base URL, e.g. `http://127.0.0.1:8080` (`https://…` for one started with
    /// --tls: see --ca).
    #[arg(long, env = "COZE_MOCK_URL")]
    url: String,
    /// How to print the report.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Exit 1 when an exchange diverged; without it, exit 0 whatever was found.
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// The proxy's admin token, if it was started with one.
    #[arg(long, env = "COZE_MOCK_ADMIN_TOKEN")]
    admin_token: Option<String>,
    /// The certificate authority an https proxy's certificate is checked against.
    #[command(flatten)]
    trust: CaArgs,
}

/// Runs `coze-mock drift`.
pub(crate) async fn run(args: &DriftArgs) -> ExitCode {
    let fetched = fetch_admin(
        &args.url,
        DRIFT_PATH,
        args.admin_token.as_deref(),
        args.trust.ca.as_deref(),
    )
    .await;
    let report: DriftReport = match fetched.and_then(|data| Ok(serde_json::from_value(data)?)) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("coze-mock: error: {e:#}");
            return ExitCode::from(EXIT_UNREADABLE);
        }
    };
    match args.format {
        Format::Text => print!("{}", report.text()),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ),
        Format::Junit => print!("{}", report.junit()),
    }
    if args.fail_on == Some(FailOn::Diverged) && report.diverged() {
        eprintln!(
            "coze-mock drift: {} exchange(s) diverged",
            report.totals.diverged
        );
        return ExitCode::from(EXIT_FINDINGS);
    }
    ExitCode::SUCCESS
}
