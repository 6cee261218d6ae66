//! The drift record: in real mode every answer is saved, with the request that caused it, under
//! `fixtures/recorded/<run>/` (one folder per run, named by its start time in UTC), so that
//! `cargo run -p contract-tests --bin drift -- replay fixtures/recorded/<run>` can compare the fake to it.
//!
//! Secrets are removed before anything is written: the request stores which token it used (`main`, a
//! role), never its value; any configured token found anywhere in a record is replaced by `[token]`.
//! Only allow-listed response headers are kept.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use crate::audio::AudioSpec;
use crate::notice::notice;
use crate::request::{CloneRequest, Part, RecordedRequest};
use crate::response::CapturedResponse;

/// One recorded exchange: `NNN-<test>.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exchange {
    /// The test that sent it.
    pub test: String,
    /// When (RFC 3339, UTC).
    pub recorded_at: String,
    /// The host it went to (`https://api.coze.cn`).
    pub base: String,
    /// The request, with placeholders and token choices rather than values: a clone, or (recorded by
    /// `coze-mock proxy --record`) a request to another endpoint.
    pub request: RecordedRequest,
    /// The real answer.
    pub response: CapturedResponse,
}

/// The folder of this process's run, made on first use; one for every test of the run.
static RUN_DIR: OnceLock<PathBuf> = OnceLock::new();
/// Numbers the exchanges of the run in the order they were answered.
static SEQUENCE: AtomicU32 = AtomicU32::new(0);
/// Serialises writes so that numbers and files agree.
static WRITE: Mutex<()> = Mutex::new(());

/// Saves the exchanges of a real run.
#[derive(Debug, Clone)]
pub struct Recorder {
    secrets: Vec<String>,
    base: String,
}

impl Recorder {
    /// A recorder for requests to `base`, scrubbing `secrets` from whatever it writes.
    pub fn for_run(secrets: Vec<String>, base: &str) -> Recorder {
        Recorder {
            secrets: secrets.into_iter().filter(|s| s.len() >= 4).collect(),
            base: base.to_owned(),
        }
    }

    /// The folder this run writes to (`COZE_CONTRACT_RECORD_DIR`, or `fixtures/recorded/<UTC time>`).
    pub fn run_dir() -> &'static Path {
        RUN_DIR.get_or_init(|| {
            std::env::var_os("COZE_CONTRACT_RECORD_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    recorded_root().join(chrono::Utc::now().format("%Y-%m-%dT%H%M%SZ").to_string())
                })
        })
    }

    /// Saves one exchange; a failure to write is reported, not fatal (the test's verdict still stands).
    pub fn save(&self, request: &CloneRequest, response: &CapturedResponse) {
        let test = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .rsplit("::")
            .next()
            .unwrap_or("unnamed")
            .to_owned();
        let exchange = Exchange {
            test: test.clone(),
            recorded_at: chrono::Utc::now().to_rfc3339(),
            base: self.base.clone(),
            request: request.clone().into(),
            response: response.clone(),
        };
        let text = match serde_json::to_string_pretty(&exchange) {
            Ok(t) => self.scrub(t),
            Err(e) => return notice(&format!("not recorded: {e}")),
        };
        let _guard = WRITE.lock().unwrap_or_else(|p| p.into_inner());
        let dir = Recorder::run_dir();
        let n = SEQUENCE.fetch_add(1, Ordering::SeqCst) + 1;
        let path = dir.join(format!("{n:03}-{test}.json"));
        let written =
            std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, text + "\n"));
        match written {
            Ok(()) => notice(&format!("recorded {}", path.display())),
            Err(e) => notice(&format!("not recorded ({}): {e}", path.display())),
        }
    }

    /// Replaces every secret in `text` with `[token]`.
    pub fn scrub(&self, mut text: String) -> String {
        for s in &self.secrets {
            text = text.replace(s.as_str(), "[token]");
        }
        text
    }
}

/// Where the workspace's `fixtures/recorded/` is.
pub fn recorded_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("fixtures")
        .join("recorded")
}

/// Reads every exchange of a recorded set, in the order they were recorded.
pub fn read_set(dir: &Path) -> anyhow::Result<Vec<(String, Exchange)>> {
    use anyhow::Context;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text =
                std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
            let mut exchange: Exchange =
                serde_json::from_str(&text).with_context(|| format!("parsing {}", p.display()))?;
            locate_stored_audio(&mut exchange, dir);
            Ok((name, exchange))
        })
        .collect()
}

/// An upload kept beside its exchange (`--record-audio`) is named relative to the set: make it a path.
fn locate_stored_audio(exchange: &mut Exchange, dir: &Path) {
    if let RecordedRequest::Clone(request) = &mut exchange.request {
        for part in &mut request.parts {
            if let Part::File {
                audio:
                    AudioSpec::Recorded {
                        stored: Some(stored),
                        ..
                    },
                ..
            } = part
            {
                *stored = dir.join(&*stored).to_string_lossy().into_owned();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_tokens_never_reach_a_record() {
        let r = Recorder::for_run(
            vec!["pat_real_secret".into(), "".into()],
            "https://api.coze.cn",
        );
        let text = r.scrub(r#"{"token":"pat_real_secret","x":"Bearer pat_real_secret"}"#.into());
        assert!(!text.contains("pat_real_secret"), "{text}");
        assert!(text.contains("[token]"));
    }
}
