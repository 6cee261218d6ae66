//! Runs the contract suite (`cargo test -p contract-tests --test contract -- --nocapture`) and ends with
//! a closing line saying how many tests passed without checking anything, and why.
//!
//! `cargo test` reports a test that returned early for lack of an opt-in (no spend budget, no token of a
//! role, a fake-only check on the real API) as `ok`; against the real API that would overstate what a
//! green run checked. Run the real target with:
//! `COZE_CONTRACT_TARGET=real COZE_API_TOKEN=pat_… cargo run -p contract-tests --bin contract_run`
//! (extra arguments go to the test binary, e.g. a test name filter). Exits with the suite's status.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, ExitCode, Stdio};

use contract_tests::notice::skip_summary;

fn main() -> ExitCode {
    let extra: Vec<String> = std::env::args().skip(1).collect();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let child = Command::new(cargo)
        .args([
            "test",
            "-p",
            "contract-tests",
            "--test",
            "contract",
            "--",
            "--nocapture",
        ])
        .args(&extra)
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            eprintln!("contract_run: cannot start cargo test: {e}");
            return ExitCode::from(2);
        }
    };
    let mut notices = String::new();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = writeln!(std::io::stderr(), "{line}");
            notices.push_str(&line);
            notices.push('\n');
        }
    }
    let status = child.wait();
    println!(
        "{}",
        skip_summary(&notices).unwrap_or_else(|| {
            "contract: every test that ran checked its rule (none skipped)".into()
        })
    );
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}
