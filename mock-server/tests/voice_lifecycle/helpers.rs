use std::path::Path;
use std::process::{Child, Command};

use mock_server::synth;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

/// The default configuration's token.
pub(crate) const TOKEN: &str = "pat_mock";
/// The default configuration's personal workspace.
pub(crate) const SPACE: &str = mock_server::config::DEFAULT_SPACE_ID;
/// A system voice of the default configuration.
pub(crate) const SYSTEM_VOICE: &str = "7426720361732915209";

/// 12 s of 24 kHz WAV (inside the page's recommended 10-30 s), made by the fake's own synthesiser.
pub(crate) fn sample_wav() -> Vec<u8> {
    synth::wav(
        &synth::tone(&"a".repeat(118), "sample", 1.0, 24_000),
        24_000,
    )
}

/// An answer read whole.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) bytes: Vec<u8>,
}

impl Answer {
    pub(crate) async fn read(response: reqwest::Response) -> Answer {
        Answer {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            bytes: response.bytes().await.expect("answer body").to_vec(),
        }
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|e| {
            panic!(
                "answer is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.bytes)
            )
        })
    }

    pub(crate) fn code(&self) -> i64 {
        self.json()["code"].as_i64().expect("code")
    }

    pub(crate) fn data(&self) -> Value {
        let body = self.json();
        assert_eq!(body["code"], 0, "expected success, got {body}");
        body["data"].clone()
    }

    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts an envelope error with `code`, decided by `rule`.
    pub(crate) fn assert_refused(&self, code: i64, rule: &str) {
        assert_eq!(
            (self.code(), self.header("x-coze-mock-rule")),
            (code, rule),
            "{}",
            String::from_utf8_lossy(&self.bytes)
        );
    }
}

/// A client for one server, with one method per endpoint.
pub(crate) struct Api {
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
}

impl Api {
    pub(crate) fn new(base: impl Into<String>) -> Api {
        Api {
            base: base.into(),
            http: reqwest::Client::new(),
        }
    }

    /// Clones (or retrains, with `voice_id`) a voice the way cozepy sends it.
    pub(crate) async fn clone_voice(
        &self,
        token: &str,
        name: &str,
        voice_id: Option<&str>,
        preview_text: Option<&str>,
    ) -> Answer {
        let mut form = Form::new()
            .part(
                "file",
                Part::bytes(sample_wav())
                    .file_name("voice.wav")
                    .mime_str("audio/x-wav")
                    .expect("mime"),
            )
            .text("voice_name", name.to_owned())
            .text("audio_format", "wav");
        if let Some(id) = voice_id {
            form = form.text("voice_id", id.to_owned());
        }
        if let Some(text) = preview_text {
            form = form.text("preview_text", text.to_owned());
        }
        let response = self
            .http
            .post(format!("{}/v1/audio/voices/clone", self.base))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("clone request");
        Answer::read(response).await
    }

    /// A new voice's id; panics unless the clone succeeded.
    pub(crate) async fn new_voice(&self, token: &str, name: &str) -> String {
        let answer = self.clone_voice(token, name, None, None).await;
        answer.data()["voice_id"]
            .as_str()
            .expect("voice_id")
            .to_owned()
    }

    pub(crate) async fn list(&self, token: &str, query: &str) -> Answer {
        let response = self
            .http
            .get(format!("{}/v1/audio/voices?{query}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("list request");
        Answer::read(response).await
    }

    /// Every voice the token lists, system voices left out, in one page of 100.
    pub(crate) async fn cloned_voices(&self, token: &str) -> Vec<Value> {
        let data = self
            .list(token, "filter_system_voice=true&page_num=1&page_size=100")
            .await
            .data();
        data["voice_list"].as_array().expect("voice_list").clone()
    }

    pub(crate) async fn speech(&self, token: &str, body: Value) -> Answer {
        let response = self
            .http
            .post(format!("{}/v1/audio/speech", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("speech request");
        Answer::read(response).await
    }

    /// The WAV speech of `input` with `voice_id`.
    pub(crate) async fn speak_wav(&self, token: &str, voice_id: &str, input: &str) -> Answer {
        self.speech(
            token,
            json!({"input": input, "voice_id": voice_id, "response_format": "wav", "sample_rate": 24000}),
        )
        .await
    }

    pub(crate) async fn get(&self, path: &str) -> Answer {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        Answer::read(response).await
    }

    pub(crate) async fn admin_post(&self, path: &str, body: Value) -> Answer {
        let response = self
            .http
            .post(format!("{}/__admin{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("admin POST");
        Answer::read(response).await
    }

    pub(crate) async fn admin_get(&self, path: &str) -> Answer {
        self.get(&format!("/__admin{path}")).await
    }

    /// The journal's records.
    pub(crate) async fn journal(&self) -> Vec<Value> {
        self.admin_get("/journal").await.data()["records"]
            .as_array()
            .expect("records")
            .clone()
    }
}

/// Seconds of audio in a canonical 16-bit mono WAV, read from its header.
pub(crate) fn wav_secs(wav: &[u8]) -> f64 {
    assert_eq!(&wav[..4], b"RIFF", "RIFF header");
    assert_eq!(&wav[8..12], b"WAVE", "WAVE form");
    let rate = u32::from_le_bytes(wav[24..28].try_into().expect("rate"));
    let data = u32::from_le_bytes(wav[40..44].try_into().expect("data size"));
    assert_eq!(wav.len(), 44 + data as usize, "data chunk fills the file");
    f64::from(data) / 2.0 / f64::from(rate)
}

/// The `coze-mock` binary, started on 127.0.0.1 port 0 and stopped (SIGKILL) when dropped.
pub(crate) struct Binary {
    child: Child,
    pub(crate) api: Api,
}

impl Binary {
    /// Starts `coze-mock serve` with `args` (on 127.0.0.1 port 0 unless they say `--addr`) and waits
    /// for its `listening on` line.
    pub(crate) fn start(args: &[&str]) -> Binary {
        let (child, addr) = crate::binary::spawn_coze_mock(args);
        Binary {
            child,
            api: Api::new(format!("http://{addr}")),
        }
    }

    /// Starts the binary on the database at `db`.
    pub(crate) fn on_db(db: &Path) -> Binary {
        Binary::start(&["--db", db.to_str().expect("UTF-8 path")])
    }

    /// `kill -9`: no chance to flush or checkpoint anything.
    pub(crate) fn kill_9(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reap");
    }

    /// SIGTERM, then waits for the graceful exit.
    pub(crate) fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success());
        let exit = self.child.wait().expect("reap");
        assert!(exit.success(), "graceful exit, got {exit}");
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
