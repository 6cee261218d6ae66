//! Capture: what the fake records of each request, below the request path so that the handlers, the
//! multipart reader and the fault layer can note what they see without knowing who reads it. The journal
//! keeps one [`RequestSummary`] per request; the report reads them and draws its conclusions.
//!
//! - [`client`]: who sent it (User-Agent family and version, the token shortened) and where the token was.
//! - [`inputs`]: the names and sizes of what the body or query held, and the clone form's file part.
//! - [`fingerprint`]: the upload's audio fingerprint, to match a retried clone with the first.
//! - [`outcome`]: what the client was answered, and the fault injected.
//! - [`notes`]: how the handlers and the fault layer hand what they saw to the journal.
//! - [`session`]: what is kept of a streaming-speech WebSocket session (events by type, rounds, its end).

pub(crate) mod client;
pub(crate) mod fingerprint;
pub(crate) mod inputs;
pub(crate) mod notes;
pub(crate) mod outcome;
pub(crate) mod session;

use serde::{Deserialize, Serialize};

pub(crate) use client::{Client, RequestHead, TokenPlacement};
pub(crate) use inputs::{FileSummary, Inputs};
pub(crate) use notes::Notes;
pub(crate) use outcome::{FaultKind, Outcome, SWITCHING_PROTOCOLS};
pub(crate) use session::SessionSummary;

pub(crate) use crate::catalogue::Endpoint;

/// One request as the report reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestSummary {
    /// Unix milliseconds when the answer was ready.
    pub time_ms: i64,
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The endpoint the path belongs to.
    pub endpoint: Endpoint,
    /// Who sent it.
    pub client: Client,
    /// Where the token was.
    pub token_placement: TokenPlacement,
    /// The account of the token, when the fake knows it.
    pub account: Option<String>,
    /// The workspace the request acts in: `space_id`, else the token's personal workspace.
    pub workspace: Option<String>,
    /// The body's Content-Type as sent.
    pub content_type: Option<String>,
    /// What the body or query held.
    #[serde(flatten)]
    pub inputs: Inputs,
    /// What it was answered.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The answer's `x-tt-logid`.
    pub logid: Option<String>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::capture::client::ClientFamily;
    use crate::rules::AudioFormat;

    /// A clean cozepy clone of a WAV file, answered with success.
    pub(crate) fn clean_clone() -> RequestSummary {
        let mut inputs = Inputs::default();
        let mut file = FileSummary::start("file", Some("voice.wav"));
        file.feed(b"RIFF....WAVEfmt ");
        file.seal();
        file.detected = Some(AudioFormat::Wav);
        inputs.file = Some(file);
        inputs.field("voice_name", "narrator");
        inputs.field("audio_format", "wav");
        inputs.field("language", "zh");
        RequestSummary {
            time_ms: 0,
            method: "POST".into(),
            path: "/v1/audio/voices/clone".into(),
            endpoint: Endpoint::Clone,
            client: Client {
                family: ClientFamily::Cozepy,
                version: Some("0.20.0".into()),
                token: Some("pat_mock".into()),
            },
            token_placement: TokenPlacement::Bearer,
            account: Some("default".into()),
            workspace: Some("7000000000000000001".into()),
            content_type: Some("multipart/form-data; boundary=abc".into()),
            inputs,
            outcome: Outcome {
                status: Some(200),
                code: Some(0),
                rule: None,
                fault: None,
                duration_ms: 3,
                abandoned: false,
            },
            logid: Some("20261125120000AAAAAAAAAAAAAAAAAAAA".into()),
        }
    }
}
