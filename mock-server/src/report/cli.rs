//! `coze-mock report --url URL [--format text|json|junit] [--fail-on error|warning]`: reads a running
//! fake's report (`GET /__admin/report`, over https with `--ca`), prints it, and exits non-zero when a
//! finding at the `--fail-on` level exists, so a pipeline can gate on it. `--merge A.json B.json …`
//! reads reports saved as JSON (`--format json`, the pytest plugin's `--coze-mock-report`) instead, and
//! gates on their sum.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};

use super::findings::Severity;
use super::{junit, text, Report};
use crate::admin_client::{Answer, CaArgs, FakeUrl};

/// Exit status when a finding at the `--fail-on` level exists.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit status when the report could not be read.
pub const EXIT_UNREADABLE: u8 = 2;

/// How long the whole exchange with the server may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// How to print the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// The report as `GET /__admin/report` gives it.
    Json,
    /// JUnit XML for CI systems.
    Junit,
}

/// The level `--fail-on` gates at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Exit 1 when an error finding exists.
    Error,
    /// Exit 1 when an error or warning finding exists.
    Warning,
}

/// `coze-mock report`'s flags.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The running fake's base URL, e.g. `http://127.0.0.1:8080` (`https://…` for one started with
    /// --tls: see --ca).
    #[arg(long, env = "COZE_MOCK_URL", required_unless_present = "merge")]
    pub url: Option<String>,
    /// Reports saved as JSON (xdist workers, CI shards) to merge into one, instead of a fake's.
    #[arg(long, num_args = 1.., value_name = "REPORT.json")]
    pub merge: Vec<PathBuf>,
    /// How to print the report.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Exit 1 when a finding at this level (or above) exists; without it, exit 0 whatever was found.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// The fake's admin token, if it was started with one.
    #[arg(long, env = "COZE_MOCK_ADMIN_TOKEN")]
    pub admin_token: Option<String>,
    /// The certificate authority an https fake's certificate is checked against.
    #[command(flatten)]
    pub trust: CaArgs,
}

/// Runs `coze-mock report`: 0 when nothing at the `--fail-on` level was found, 1 when something was, 2
/// when the report could not be read.
pub async fn run(args: &ReportArgs) -> ExitCode {
    let read = match (&args.url, args.merge.as_slice()) {
        (_, [_, ..]) => merge_files(&args.merge),
        (Some(url), []) => fetch(url, args.admin_token.as_deref(), args.trust.ca.as_deref()).await,
        (None, []) => Err(anyhow::anyhow!("--url or --merge is needed")),
    };
    let report = match read {
        Ok(report) => report,
        Err(e) => {
            eprintln!("coze-mock: error: {e:#}");
            return ExitCode::from(EXIT_UNREADABLE);
        }
    };
    let printed = match args.format {
        Format::Text => text::render(&report),
        Format::Json => match serde_json::to_string_pretty(&report) {
            Ok(json) => json + "\n",
            Err(e) => {
                eprintln!("coze-mock: error: {e}");
                return ExitCode::from(EXIT_UNREADABLE);
            }
        },
        Format::Junit => junit::render(&report),
    };
    print!("{printed}");
    let gate = args.fail_on.map(|f| match f {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    });
    match gate {
        Some(level) if report.fails_at(level) => {
            eprintln!(
                "coze-mock report: {} finding(s) at {} level or above",
                report.totals.at_least(level),
                level.name()
            );
            ExitCode::from(EXIT_FINDINGS)
        }
        _ => ExitCode::SUCCESS,
    }
}

/// The sum of the reports saved in `paths` (as `--format json` prints them, or as the admin API's
/// envelope).
pub(crate) fn merge_files(paths: &[PathBuf]) -> anyhow::Result<Report> {
    let mut merged = Report::default();
    for path in paths {
        let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let mut json: serde_json::Value = serde_json::from_slice(&text)
            .with_context(|| format!("{}: not JSON", path.display()))?;
        if json.get("code").is_some() && json.get("data").is_some() {
            json = json["data"].take();
        }
        let report: Report = serde_json::from_value(json)
            .with_context(|| format!("{}: not a coze-mock report", path.display()))?;
        merged.merge(report);
    }
    Ok(merged)
}

/// Reads the report of the fake at `base_url` ([`crate::admin_client`]), trusting `ca` over https.
pub(crate) async fn fetch(
    base_url: &str,
    admin_token: Option<&str>,
    ca: Option<&Path>,
) -> anyhow::Result<Report> {
    let data = fetch_admin(base_url, "/__admin/report", admin_token, ca).await?;
    serde_json::from_value(data).context("the report's shape")
}

/// Reads the `data` of an admin route's envelope (`/__admin/report`, a proxy's `/__admin/drift`) from
/// the server at `base_url` (trusting the certificate authority in `ca` over https), within 30 s.
pub async fn fetch_admin(
    base_url: &str,
    path: &str,
    admin_token: Option<&str>,
    ca: Option<&Path>,
) -> anyhow::Result<serde_json::Value> {
    tokio::time::timeout(
        FETCH_TIMEOUT,
        fetch_unbounded(base_url, path, admin_token, ca),
    )
    .await
    .with_context(|| format!("no answer from {base_url} within {FETCH_TIMEOUT:?}"))?
}

async fn fetch_unbounded(
    base_url: &str,
    path: &str,
    admin_token: Option<&str>,
    ca: Option<&Path>,
) -> anyhow::Result<serde_json::Value> {
    let client = FakeUrl::parse(base_url)?.client(ca)?;
    let Answer { status, body } = client.get(path, admin_token).await?;
    let envelope: serde_json::Value = serde_json::from_slice(&body).with_context(|| {
        format!(
            "HTTP {status}: not a coze-mock answer: {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        )
    })?;
    if envelope["code"] != 0 {
        bail!(
            "HTTP {status}, code {}: {}",
            envelope["code"],
            envelope["msg"].as_str().unwrap_or_default()
        );
    }
    Ok(envelope["data"].clone())
}
