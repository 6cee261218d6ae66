//! Replays a recorded set of real answers against a fake and reports, field by field, where they differ.
//!
//! Run with:
//! `cargo run -p contract-tests --bin drift -- replay fixtures/recorded/<set> [--base-url http://127.0.0.1:8080]`
//!
//! Without `--base-url` a fake is started in-process with `contract-tests/fixtures/contract.toml`; a
//! fake at a URL must have been started with that file too. Exits 0 when every answer agrees, 1 when
//! some differ, 2 on a usage or read error.

use std::path::PathBuf;
use std::process::ExitCode;

use contract_tests::target::{Settings, Target};
use contract_tests::{drift, Api};

const USAGE: &str = "usage: drift replay <recorded-set-dir> [--base-url URL]";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, base_url) = match args.as_slice() {
        [cmd, dir] if cmd == "replay" => (PathBuf::from(dir), None),
        [cmd, dir, flag, url] if cmd == "replay" && flag == "--base-url" => {
            (PathBuf::from(dir), Some(url.clone()))
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let api = match base_url {
        None => Api::fake().await,
        Some(url) => {
            let mut settings = Settings::from_lookup(|_| None).expect("default settings");
            settings.target = Target::Url(url.trim_end_matches('/').to_owned());
            Api::with_settings(settings).await
        }
    };
    match drift::replay(&dir, &api).await {
        Ok(reports) => {
            print!("{}", drift::render(&reports));
            if reports.iter().all(|r| r.diffs.is_empty()) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("drift: {e:#}");
            ExitCode::from(2)
        }
    }
}
