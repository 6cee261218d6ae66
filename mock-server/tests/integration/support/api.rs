use serde_json::{json, Value};

use super::answer::Answer;
use super::clone_form::CloneForm;

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

    /// A client of `server`, trusting its certificate authority when it serves HTTPS.
    pub(crate) fn for_server(server: &coze_mock::MockServer) -> Api {
        match server.ca_pem() {
            Some(pem) => Api::trusting(server.uri(), pem.as_bytes()),
            None => Api::new(server.uri()),
        }
    }

    /// A client of the HTTPS server at `base` that trusts the certificate (authority) in `pem` alone.
    pub(crate) fn trusting(base: impl Into<String>, pem: &[u8]) -> Api {
        let ca = reqwest::Certificate::from_pem(pem).expect("a PEM certificate");
        Api {
            base: base.into(),
            http: reqwest::Client::builder()
                .tls_built_in_root_certs(false)
                .add_root_certificate(ca)
                .build()
                .expect("a reqwest client"),
        }
    }

    /// The URL of `path` on this server.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Clones (or retrains, with `voice_id`) a voice named `name` from a valid 12 s WAV.
    pub(crate) async fn clone_voice(
        &self,
        token: &str,
        name: &str,
        voice_id: Option<&str>,
        preview_text: Option<&str>,
    ) -> Answer {
        CloneForm::valid(token)
            .field("voice_name", name)
            .field("audio_format", "wav")
            .field_if("voice_id", voice_id)
            .field_if("preview_text", preview_text)
            .send(self)
            .await
    }

    /// A new voice's id; panics unless the clone succeeded.
    pub(crate) async fn new_voice(&self, token: &str, name: &str) -> String {
        let answer = self.clone_voice(token, name, None, None).await;
        answer.assert_ok();
        answer.voice_id()
    }

    pub(crate) async fn list(&self, token: &str, query: &str) -> Answer {
        let response = self
            .http
            .get(self.url(&format!("/v1/audio/voices?{query}")))
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

    /// The ids of [`Api::cloned_voices`], sorted.
    pub(crate) async fn cloned_voice_ids(&self, token: &str) -> Vec<String> {
        let mut ids: Vec<String> = self
            .cloned_voices(token)
            .await
            .iter()
            .map(|v| v["voice_id"].as_str().expect("voice_id").to_owned())
            .collect();
        ids.sort();
        ids
    }

    pub(crate) async fn speech(&self, token: &str, body: Value) -> Answer {
        let response = self
            .http
            .post(self.url("/v1/audio/speech"))
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
        let response = self.http.get(self.url(path)).send().await.expect("GET");
        Answer::read(response).await
    }

    pub(crate) async fn admin_post(&self, path: &str, body: Value) -> Answer {
        let response = self
            .http
            .post(self.url(&format!("/__admin{path}")))
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
