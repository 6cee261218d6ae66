//! `--record DIR`: each forwarded exchange written as `NNNNNN-<endpoint>.json` in the format of
//! `fixtures/recorded/` (the one `cargo run -p contract-tests --bin drift -- replay DIR` reads), so a
//! recorded set replays against any fake later.
//!
//! No token is ever written: the request keeps which `Authorization` it carried (`main`, a made-up
//! `[token]` the real API refused, none), never a value, and the token is replaced by `[token]` wherever
//! else it appears, as is any JSON field named like a token. An upload is kept as its hash, size,
//! format and duration; its bytes only with `--record-audio` (`NNNNNN-audio.<format>` beside the
//! exchange). A speech answer is kept as its format, length and hash. Workspace and voice ids are kept
//! (they are not secrets) unless `--redact-ids` replaces each with a placeholder (`${ID_1}`), the same
//! one wherever the same id appears in the set.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::Context;
use axum::body::Body;
use futures_util::StreamExt;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, Uri};
use serde_json::{json, Map, Value};
use tokio::io::AsyncWriteExt;
use tokio::task::JoinHandle;

use super::answer::Answer;
use super::session_verdict::SessionSide;
use crate::api::speech_ws::credentials;
use crate::audio::AudioSniffer;
use crate::capture::fingerprint::AudioHasher;
use crate::catalogue::Endpoint;
use crate::envelope::LOGID_HEADER;
use crate::error::CODE_AUTHENTICATION_INVALID;
use crate::rules::SPEECH_STREAM_TOKEN_QUERY;

/// The largest text field or JSON body kept in a record.
pub(crate) const KEPT_MAX_BYTES: usize = 1024 * 1024;

/// What replaces a token.
pub(crate) const TOKEN_PLACEHOLDER: &str = "[token]";

/// JSON keys whose values are replaced by [`TOKEN_PLACEHOLDER`] wherever they appear.
const TOKEN_KEYS: [&str; 5] = [
    "token",
    "access_token",
    "api_key",
    "authorization",
    "refresh_token",
];

/// `--record DIR`, `--record-audio`, `--redact-ids`.
#[derive(Debug, Clone)]
pub struct RecordSettings {
    /// The folder, created if absent.
    pub dir: PathBuf,
    /// Keep each upload's bytes beside its exchange.
    pub audio: bool,
    /// Replace workspace and voice ids with placeholders.
    pub redact_ids: bool,
}

/// What a request's body held, noted as it streamed to the upstream.
#[derive(Debug, Default)]
pub(crate) struct RequestNotes {
    multipart: bool,
    parts: Vec<Value>,
    json: Option<Value>,
}

/// Writes the exchanges.
pub(crate) struct Recorder {
    settings: RecordSettings,
    base: String,
    ids: Mutex<HashMap<String, String>>,
}

impl Recorder {
    /// A recorder writing to `settings.dir` (created now) what went to `base`.
    pub(crate) fn new(settings: RecordSettings, base: String) -> anyhow::Result<Recorder> {
        std::fs::create_dir_all(&settings.dir)
            .with_context(|| format!("--record {}: cannot create it", settings.dir.display()))?;
        Ok(Recorder {
            settings,
            base,
            ids: Mutex::new(HashMap::new()),
        })
    }

    /// Notes what `body` holds as it streams (a task that reads one branch of the request's body).
    pub(crate) fn observe(
        &self,
        headers: &HeaderMap,
        body: Body,
        seq: u64,
    ) -> JoinHandle<RequestNotes> {
        let content_type = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let audio_path = self
            .settings
            .audio
            .then(|| self.settings.dir.join(format!("{seq:06}-audio")));
        tokio::spawn(async move {
            match multer::parse_boundary(&content_type) {
                Ok(boundary) => read_form(body, boundary, audio_path).await,
                Err(_) => read_json(body).await,
            }
        })
    }

    /// Writes one exchange; a failure to write is logged, never the client's problem.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn save(
        &self,
        endpoint: &Endpoint,
        seq: u64,
        method: &http::Method,
        path: &str,
        query: Option<&str>,
        authorization: Option<&str>,
        notes: RequestNotes,
        real: &Answer,
    ) {
        let token = token_choice(authorization, real);
        let request = if *endpoint == Endpoint::Clone {
            json!({
                "token": token,
                "parts": scrub_token_keys(Value::Array(notes.parts)),
                "body": if notes.multipart { "multipart" } else { "json" },
            })
        } else {
            json!({
                "method": method.as_str(),
                "path": path,
                "query": query,
                "token": token,
                "json": notes.json.map(scrub_token_keys),
            })
        };
        self.write(endpoint, seq, request, authorization, real);
    }

    /// Writes a streaming-speech handshake the upstream refused, in the replay's format: a `GET` of its
    /// path marked `"upgrade": "websocket"` (the replay sends it with the upgrade headers and a key of its
    /// own), answered by the refusal. A token the handshake carried in its `authorization` query
    /// parameter is recorded as the request's token, like a header's, that parameter left out.
    pub(crate) fn save_refused_handshake(
        &self,
        seq: u64,
        path: &str,
        query: Option<&str>,
        headers: &HeaderMap,
        real: &Answer,
    ) {
        let uri: Uri = match query {
            Some(q) => format!("{path}?{q}"),
            None => path.to_owned(),
        }
        .parse()
        .unwrap_or_default();
        let (credentials, in_query) = credentials(headers, &uri);
        let authorization = credentials.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
        let query = query
            .map(|q| {
                if in_query {
                    without_token_parameter(q)
                } else {
                    q.to_owned()
                }
            })
            .filter(|q| !q.is_empty());
        let request = json!({
            "method": "GET",
            "path": path,
            "query": query,
            "upgrade": "websocket",
            "token": token_choice(authorization, real),
            "json": null,
        });
        self.write(&Endpoint::SpeechStream, seq, request, authorization, real);
    }

    /// Writes `request` answered by `real` as `NNNNNN-<endpoint>.json`, the token (from `authorization`)
    /// replaced wherever it appears.
    fn write(
        &self,
        endpoint: &Endpoint,
        seq: u64,
        request: Value,
        authorization: Option<&str>,
        real: &Answer,
    ) {
        let bearer = authorization.and_then(crate::auth::bearer_token);
        let mut headers = Map::new();
        if let Some(t) = &real.content_type {
            headers.insert("content-type".into(), json!(t));
        }
        if let Some(l) = &real.logid {
            headers.insert(LOGID_HEADER.into(), json!(l));
        }
        let exchange = json!({
            "test": format!("proxy-{}", endpoint.name()),
            "recorded_at": chrono::Utc::now().to_rfc3339(),
            "base": self.base,
            "request": request,
            "response": {
                "status": real.status,
                "headers": headers,
                "body": scrub_token_keys(real.body.clone()),
            },
        });
        let mut text = serde_json::to_string_pretty(&exchange).unwrap_or_default();
        for secret in [bearer, authorization].into_iter().flatten() {
            if secret.len() >= 4 {
                text = text.replace(secret, TOKEN_PLACEHOLDER);
            }
        }
        if self.settings.redact_ids {
            text = self.redact_ids(&text);
        }
        let file = self
            .settings
            .dir
            .join(format!("{seq:06}-{}.json", endpoint.name()));
        if let Err(e) = std::fs::write(&file, text + "\n") {
            tracing::warn!("not recorded ({}): {e}", file.display());
        }
    }

    /// Writes a streaming-speech session as `NNNNNN-speech_stream.session` (JSON): the drift replay's
    /// format holds HTTP exchanges only, so a session is kept beside them as its summary, which the replay
    /// does not read: the handshake's path and logid, each event either side sent as its type and shape
    /// (every value replaced by its JSON type, but an `error` event's code), and the upstream's own close.
    /// No audio and no token: the query's `authorization` and the token wherever else it appears are
    /// `[token]`.
    pub(crate) fn save_session(
        &self,
        seq: u64,
        path: &str,
        token: Option<&str>,
        logid: Option<&str>,
        real: &SessionSide,
        client: &[Value],
    ) {
        let summary = json!({
            "kind": "speech_stream_session",
            "recorded_at": chrono::Utc::now().to_rfc3339(),
            "base": self.base,
            "request": {
                "path": path,
                "token": if token.is_some() { "main" } else { "missing" },
            },
            "handshake": {"status": 101, LOGID_HEADER: logid},
            "client_events": client.iter().map(shape).collect::<Vec<_>>(),
            "server_events": real.events.iter().map(shape).collect::<Vec<_>>(),
            "server_closed_with": real.closed_with,
        });
        let mut text = serde_json::to_string_pretty(&summary).unwrap_or_default();
        if let Some(token) = token.filter(|t| t.len() >= 4) {
            text = text.replace(token, TOKEN_PLACEHOLDER);
        }
        if self.settings.redact_ids {
            text = self.redact_ids(&text);
        }
        let file = self
            .settings
            .dir
            .join(format!("{seq:06}-speech_stream.session"));
        if let Err(e) = std::fs::write(&file, text + "\n") {
            tracing::warn!("not recorded ({}): {e}", file.display());
        }
    }

    /// Replaces every run of 16 to 20 digits standing alone (Coze's workspace and voice ids) with a
    /// placeholder, the same for the same id across the set.
    fn redact_ids(&self, text: &str) -> String {
        let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::with_capacity(text.len());
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let run = bytes[at..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let before_ok = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
            let after_ok = bytes
                .get(at + run)
                .is_none_or(|b| !b.is_ascii_alphanumeric());
            if run > 0 {
                let digits = &text[at..at + run];
                if (16..=20).contains(&run) && before_ok && after_ok {
                    let n = ids.len() + 1;
                    let placeholder = ids
                        .entry(digits.to_owned())
                        .or_insert_with(|| format!("${{ID_{n}}}"));
                    out.push_str(placeholder);
                } else {
                    out.push_str(digits);
                }
                at += run;
            } else {
                let c = text[at..].chars().next().unwrap_or(' ');
                out.push(c);
                at += c.len_utf8();
            }
        }
        out
    }
}

/// Which `Authorization` the replay sends for a request that carried `authorization`: the main token,
/// a made-up `[token]` where the real API refused the token as invalid, the raw header, or none.
fn token_choice(authorization: Option<&str>, real: &Answer) -> Value {
    match (
        authorization,
        authorization.and_then(crate::auth::bearer_token),
    ) {
        (None, _) => json!("missing"),
        (Some(_), None) => json!({"raw_authorization": TOKEN_PLACEHOLDER}),
        (Some(_), Some(_)) if real.code() == Some(CODE_AUTHENTICATION_INVALID) => {
            json!({"literal": TOKEN_PLACEHOLDER})
        }
        (Some(_), Some(_)) => json!("main"),
    }
}

/// `query` without its `authorization` parameter (a handshake's token).
fn without_token_parameter(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| {
            let name = pair.split_once('=').map_or(*pair, |(name, _)| name);
            !name.eq_ignore_ascii_case(SPEECH_STREAM_TOKEN_QUERY)
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// An event's shape: `event_type` and an `error` event's `data.code` as they are, every other value
/// replaced by the name of its JSON type.
fn shape(event: &Value) -> Value {
    fn walk(path: &str, value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let p = format!("{path}/{k}");
                        let kept = p == "/event_type" || p == "/data/code";
                        (k.clone(), if kept { v.clone() } else { walk(&p, v) })
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|v| walk(path, v)).collect()),
            Value::String(_) => json!("string"),
            Value::Number(_) => json!("number"),
            Value::Bool(_) => json!("boolean"),
            Value::Null => Value::Null,
        }
    }
    walk("", event)
}

/// Replaces the values of token-named keys with [`TOKEN_PLACEHOLDER`], at any depth.
fn scrub_token_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    if TOKEN_KEYS.contains(&k.to_ascii_lowercase().as_str()) && !v.is_null() {
                        (k, json!(TOKEN_PLACEHOLDER))
                    } else {
                        (k, scrub_token_keys(v))
                    }
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(scrub_token_keys).collect()),
        other => other,
    }
}

async fn read_json(body: Body) -> RequestNotes {
    let mut kept = Vec::new();
    let mut stream = body.into_data_stream();
    while let Some(Ok(chunk)) = stream.next().await {
        let room = KEPT_MAX_BYTES.saturating_sub(kept.len());
        kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
    RequestNotes {
        multipart: false,
        parts: Vec::new(),
        json: serde_json::from_slice(&kept).ok(),
    }
}

async fn read_form(body: Body, boundary: String, audio_path: Option<PathBuf>) -> RequestNotes {
    let mut notes = RequestNotes {
        multipart: true,
        ..RequestNotes::default()
    };
    let mut form = multer::Multipart::new(body.into_data_stream(), boundary);
    while let Ok(Some(mut field)) = form.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        if filename.is_none() && name != "file" {
            let mut kept = Vec::new();
            while let Ok(Some(chunk)) = field.chunk().await {
                let room = KEPT_MAX_BYTES.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            notes.parts.push(json!({
                "part": "text",
                "name": name,
                "value": String::from_utf8_lossy(&kept),
            }));
            continue;
        }
        let mut hasher = AudioHasher::default();
        let mut sniffer = AudioSniffer::new(None);
        let mut len = 0u64;
        let mut file = None;
        let mut stored = None;
        if let Some(path) = &audio_path {
            if let Ok(f) = tokio::fs::File::create(path).await {
                file = Some(f);
                stored = path.file_name().map(|n| n.to_string_lossy().into_owned());
            }
        }
        while let Ok(Some(chunk)) = field.chunk().await {
            len += chunk.len() as u64;
            hasher.update(&chunk);
            sniffer.feed(&chunk);
            if let Some(f) = &mut file {
                if f.write_all(&chunk).await.is_err() {
                    file = None;
                    stored = None;
                }
            }
        }
        if let Some(mut f) = file {
            let _ = f.flush().await;
        }
        let info = sniffer.finish().ok();
        notes.parts.push(json!({
            "part": "file",
            "filename": filename.unwrap_or_default(),
            "audio": {
                "kind": "recorded",
                "format": info.as_ref().map(|i| i.format.name()),
                "bytes": len,
                "hash": hasher.hex(),
                "duration_ms": info.as_ref().and_then(|i| i.duration_secs).map(|s| (s * 1000.0).round() as u64),
                "stored": stored,
            },
        }));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorder(redact_ids: bool) -> (tempfile::TempDir, Recorder) {
        let dir = tempfile::tempdir().unwrap();
        let settings = RecordSettings {
            dir: dir.path().to_owned(),
            audio: false,
            redact_ids,
        };
        let r = Recorder::new(settings, "https://api.coze.cn".into()).unwrap();
        (dir, r)
    }

    #[test]
    fn ids_are_replaced_by_the_same_placeholder_and_logids_are_left_alone() {
        let (_dir, r) = recorder(true);
        let text = r#"{"voice_id":"7426720361732947977","space":"7426720361732947977","logid":"20241210152726B2C5B5A8E3E8BD01F5F0","n":12}"#;
        let out = r.redact_ids(text);
        assert_eq!(
            out,
            r#"{"voice_id":"${ID_1}","space":"${ID_1}","logid":"20241210152726B2C5B5A8E3E8BD01F5F0","n":12}"#
        );
    }

    #[test]
    fn only_the_token_parameter_leaves_a_handshakes_query() {
        for (query, kept) in [
            ("authorization=Bearer%20pat_x", ""),
            ("a=1&Authorization=Bearer%20pat_x&b=2", "a=1&b=2"),
            ("authorization_hint=1&authorization", "authorization_hint=1"),
            ("a=1", "a=1"),
        ] {
            assert_eq!(without_token_parameter(query), kept, "{query}");
        }
    }

    #[test]
    fn token_named_fields_are_scrubbed_at_any_depth() {
        let v = scrub_token_keys(json!({"a": {"access_token": "pat_x", "Token": "y"}, "b": ["z"]}));
        assert_eq!(
            v,
            json!({"a": {"access_token": "[token]", "Token": "[token]"}, "b": ["z"]})
        );
    }
}
