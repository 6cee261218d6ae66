//! [`CloneRequest`]: one clone request as a list of multipart parts, built from a valid sample by
//! breaking one thing at a time. It is serialisable (the drift record stores it) and its `Debug` is short,
//! so a shrunk proptest case reads as the minimal request that fails.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::audio::{AudioSpec, SPEECH_TRANSCRIPT};

/// A placeholder for the id of a workspace of the same team that the main token is not a member of.
/// The client replaces it when sending; recorded requests keep it, so no account's ids are stored.
pub const FOREIGN_SPACE_ID: &str = "${FOREIGN_SPACE_ID}";
/// A placeholder for a voice cloned in a workspace of the same team that the main token is not a
/// member of (on the real API, `COZE_CONTRACT_FOREIGN_VOICE_ID`).
pub const FOREIGN_VOICE_ID: &str = "${FOREIGN_VOICE_ID}";
/// A placeholder for the voice to retrain (on the real API, `COZE_CONTRACT_RETRAIN_VOICE_ID`).
pub const RETRAIN_VOICE_ID: &str = "${RETRAIN_VOICE_ID}";

/// A token of a particular situation; on the fake each is in `fixtures/contract.toml`, on the real API
/// each comes from an optional environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A token without the `createVoice` permission.
    NoPermission,
    /// A token of a personal-plan account.
    PersonalPlan,
    /// An expired token.
    Expired,
    /// A token of an account in arrears.
    InArrears,
    /// A token of a team account whose voice slots are all used (on the fake: its one included slot,
    /// after the test fills it).
    SlotsFull,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::NoPermission,
        Role::PersonalPlan,
        Role::Expired,
        Role::InArrears,
        Role::SlotsFull,
    ];

    /// The environment variable holding this role's real token.
    pub fn env_var(self) -> &'static str {
        match self {
            Role::NoPermission => "COZE_CONTRACT_TOKEN_NO_PERMISSION",
            Role::PersonalPlan => "COZE_CONTRACT_TOKEN_PERSONAL_PLAN",
            Role::Expired => "COZE_CONTRACT_TOKEN_EXPIRED",
            Role::InArrears => "COZE_CONTRACT_TOKEN_IN_ARREARS",
            Role::SlotsFull => "COZE_CONTRACT_TOKEN_SLOTS_FULL",
        }
    }

    /// This role's token in `fixtures/contract.toml`.
    pub fn fake_token(self) -> &'static str {
        match self {
            Role::NoPermission => "pat_contract_no_permission",
            Role::PersonalPlan => "pat_contract_personal_plan",
            Role::Expired => "pat_contract_expired",
            Role::InArrears => "pat_contract_in_arrears",
            Role::SlotsFull => "pat_contract_one_slot",
        }
    }
}

/// Which `Authorization` header a request carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenChoice {
    /// `Bearer <the target's main token>`.
    Main,
    /// `Bearer <the token of a role>`.
    Role(Role),
    /// `Bearer <this made-up token>` (never a real one: the recorder redacts any configured token).
    Literal(String),
    /// This exact header value (for a malformed scheme).
    RawAuthorization(String),
    /// No `Authorization` header.
    Missing,
}

/// One part of the multipart body, in the order sent.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "part", rename_all = "snake_case")]
pub enum Part {
    /// A text field.
    Text {
        /// The field's name.
        name: String,
        /// Its value.
        value: String,
    },
    /// The audio file, in the part named `file`.
    File {
        /// How to make its bytes.
        audio: AudioSpec,
        /// The part's filename.
        filename: String,
    },
}

/// How the body is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    /// `multipart/form-data`, as the page requires.
    Multipart,
    /// The text fields as a JSON object (`Content-Type: application/json`), no file: breaks
    /// 「必须使用 multipart/form-data 方式上传音频文件」.
    Json,
}

/// A clone request. Start from [`CloneRequest::valid_sample`] and change one thing.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloneRequest {
    /// The `Authorization` header.
    pub token: TokenChoice,
    /// The parts, in order.
    pub parts: Vec<Part>,
    /// Multipart or JSON.
    pub body: BodyKind,
}

impl CloneRequest {
    /// A request the page says succeeds: the main token, `voice_name`, `language=zh`, `audio_format=wav`
    /// and the 13-second speech sample as `speech.wav`. (`text` is left out: a `text` that differs from
    /// the speech fails with 1109, and whether the real API's recogniser matches the sample exactly is
    /// not something a default request should depend on.)
    pub fn valid_sample() -> CloneRequest {
        CloneRequest {
            token: TokenChoice::Main,
            parts: vec![
                text("voice_name", "契约测试音色"),
                text("language", "zh"),
                text("audio_format", "wav"),
                Part::File {
                    audio: AudioSpec::speech("wav"),
                    filename: "speech.wav".to_owned(),
                },
            ],
            body: BodyKind::Multipart,
        }
    }

    /// Sets (or adds) a text field, keeping its position if present.
    pub fn field(mut self, name: &str, value: impl Into<String>) -> Self {
        let value = value.into();
        match self
            .parts
            .iter_mut()
            .find(|p| matches!(p, Part::Text { name: n, .. } if n == name))
        {
            Some(Part::Text { value: v, .. }) => *v = value,
            _ => self.parts.push(text(name, &value)),
        }
        self
    }

    /// Removes every part named `name` (`"file"` removes the file).
    pub fn without(mut self, name: &str) -> Self {
        self.parts.retain(|p| part_name(p) != name);
        self
    }

    /// Sets `voice_name`.
    pub fn voice_name(self, value: impl Into<String>) -> Self {
        self.field("voice_name", value)
    }

    /// Sets `text`, the transcript of the audio.
    pub fn text(self, value: impl Into<String>) -> Self {
        self.field("text", value)
    }

    /// Sets `text` to what the speech sample says.
    pub fn matching_text(self) -> Self {
        self.text(SPEECH_TRANSCRIPT)
    }

    /// Sets `language`.
    pub fn language(self, value: impl Into<String>) -> Self {
        self.field("language", value)
    }

    /// Sets `audio_format`.
    pub fn audio_format(self, value: impl Into<String>) -> Self {
        self.field("audio_format", value)
    }

    /// Sets `voice_id` (retrain that voice).
    pub fn voice_id(self, value: impl Into<String>) -> Self {
        self.field("voice_id", value)
    }

    /// Sets `space_id`.
    pub fn space_id(self, value: impl Into<String>) -> Self {
        self.field("space_id", value)
    }

    /// Sets `preview_text`.
    pub fn preview_text(self, value: impl Into<String>) -> Self {
        self.field("preview_text", value)
    }

    /// Replaces the file (adding one if absent).
    pub fn file(mut self, audio: AudioSpec, filename: impl Into<String>) -> Self {
        let part = Part::File {
            audio,
            filename: filename.into(),
        };
        match self
            .parts
            .iter_mut()
            .find(|p| matches!(p, Part::File { .. }))
        {
            Some(slot) => *slot = part,
            None => self.parts.push(part),
        }
        self
    }

    /// The speech sample in `format`, with a matching `audio_format` and file name.
    pub fn speech_in(self, format: &str) -> Self {
        self.audio_format(format)
            .file(AudioSpec::speech(format), format!("speech.{format}"))
    }

    /// Leaves the file out.
    pub fn without_file(self) -> Self {
        self.without("file")
    }

    /// Sends the part named `name` twice (a second file, for `"file"`).
    pub fn duplicate_field(mut self, name: &str) -> Self {
        if let Some(p) = self.parts.iter().find(|p| part_name(p) == name).cloned() {
            self.parts.push(p);
        }
        self
    }

    /// Sets the `Authorization` header.
    pub fn token(mut self, token: TokenChoice) -> Self {
        self.token = token;
        self
    }

    /// Uses a role's token.
    pub fn role(self, role: Role) -> Self {
        self.token(TokenChoice::Role(role))
    }

    /// Sends the text fields as JSON instead of multipart (and no file).
    pub fn as_json(mut self) -> Self {
        self.body = BodyKind::Json;
        self
    }

    /// The value of text field `name`, if sent (the first one).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.parts.iter().find_map(|p| match p {
            Part::Text { name: n, value } if n == name => Some(value.as_str()),
            _ => None,
        })
    }

    /// The request as JSON for humans: snapshot headers (`info`) and the drift report.
    pub fn summary(&self) -> Value {
        let parts: Vec<Value> = self
            .parts
            .iter()
            .map(|p| match p {
                Part::Text { name, value } => json!({ name.as_str(): describe_text(value) }),
                Part::File { audio, filename } => {
                    json!({ "file": format!("{filename}: {}", audio.describe()) })
                }
            })
            .collect();
        json!({
            "token": describe_token(&self.token),
            "body": match self.body { BodyKind::Multipart => "multipart", BodyKind::Json => "json" },
            "parts": parts,
        })
    }
}

/// A request to another endpoint (the voice list, speech, one the fake does not know), as
/// `coze-mock proxy --record` writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OtherRequest {
    /// `GET`, `POST`.
    pub method: String,
    /// The path (`/v1/audio/voices`).
    pub path: String,
    /// The query string, without `?`.
    #[serde(default)]
    pub query: Option<String>,
    /// The `Authorization` header.
    pub token: TokenChoice,
    /// The JSON body, if it had one.
    #[serde(default)]
    pub json: Option<Value>,
    /// `websocket` for a WebSocket handshake (a refused streaming-speech one): sent with `Upgrade`,
    /// `Connection: Upgrade`, `Sec-WebSocket-Version: 13` and a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<String>,
}

/// A recorded request: a clone as the suite describes it, or a request to another endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RecordedRequest {
    /// `POST /v1/audio/voices/clone`.
    Clone(CloneRequest),
    /// Any other endpoint.
    Other(OtherRequest),
}

impl From<CloneRequest> for RecordedRequest {
    fn from(request: CloneRequest) -> RecordedRequest {
        RecordedRequest::Clone(request)
    }
}

fn text(name: &str, value: &str) -> Part {
    Part::Text {
        name: name.to_owned(),
        value: value.to_owned(),
    }
}

fn part_name(p: &Part) -> &str {
    match p {
        Part::Text { name, .. } => name,
        Part::File { .. } => "file",
    }
}

/// A text value for humans: short ones as they are, long ones cut, with their size in bytes.
pub fn describe_text(value: &str) -> String {
    let chars = value.chars().count();
    if value.len() <= 40 {
        format!("{value:?} ({} bytes)", value.len())
    } else {
        let head: String = value.chars().take(12).collect();
        format!("{head:?}… ({} bytes, {chars} chars)", value.len())
    }
}

/// How a snapshot's `info` names a token choice: never a real token's value.
pub fn describe_token(t: &TokenChoice) -> String {
    match t {
        TokenChoice::Main => "main".to_owned(),
        TokenChoice::Role(r) => format!("role {r:?}"),
        TokenChoice::Literal(s) => format!("Bearer {}", describe_text(s)),
        TokenChoice::RawAuthorization(s) => format!("Authorization: {}", describe_text(s)),
        TokenChoice::Missing => "no Authorization header".to_owned(),
    }
}

impl fmt::Debug for CloneRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CloneRequest {{ {}", describe_token(&self.token))?;
        if self.body == BodyKind::Json {
            f.write_str(", as JSON")?;
        }
        for p in &self.parts {
            match p {
                Part::Text { name, value } => write!(f, ", {name}: {}", describe_text(value))?,
                Part::File { audio, filename } => {
                    write!(f, ", file: {filename:?} = {}", audio.describe())?
                }
            }
        }
        f.write_str(" }")
    }
}

impl fmt::Debug for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Part::Text { name, value } => write!(f, "{name}: {}", describe_text(value)),
            Part::File { audio, filename } => write!(f, "file {filename:?} = {}", audio.describe()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_valid_sample_debugs_as_one_readable_line() {
        let req = CloneRequest::valid_sample().voice_name("名".repeat(43));
        let shown = format!("{req:?}");
        assert!(
            shown.contains("voice_name: \"名名名名名名名名名名名名\"… (129 bytes, 43 chars)"),
            "{shown}"
        );
        assert!(
            shown.contains("file: \"speech.wav\" = speech.wav"),
            "{shown}"
        );
    }

    #[test]
    fn builders_replace_in_place_remove_and_duplicate() {
        let req = CloneRequest::valid_sample()
            .language("en")
            .without_file()
            .duplicate_field("voice_name");
        assert_eq!(req.value("language"), Some("en"));
        assert!(!req.parts.iter().any(|p| matches!(p, Part::File { .. })));
        assert_eq!(
            req.parts
                .iter()
                .filter(|p| part_name(p) == "voice_name")
                .count(),
            2
        );
    }

    #[test]
    fn a_request_survives_a_json_round_trip_for_the_drift_record() {
        let req = CloneRequest::valid_sample()
            .token(TokenChoice::Literal("pat_x".into()))
            .space_id(FOREIGN_SPACE_ID);
        let back: CloneRequest =
            serde_json::from_value(serde_json::to_value(&req).unwrap()).unwrap();
        assert_eq!(back, req);
    }
}
