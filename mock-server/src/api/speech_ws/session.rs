//! One session's state and rules, without the socket: [`Session::handle`] takes a text frame and says
//! what to answer. The configuration starts at the defaults (`pcm`, 24 kHz, rate 0, the first system
//! voice); `speech.update` changes it all or nothing; appended text waits in a buffer of at most
//! [`SPEECH_STREAM_TEXT_MAX_BYTES`]; `complete` hands the buffer over to be spoken. A refused event
//! changes nothing, and the session stays usable.

use serde_json::Value;

use super::codec::{sentences, OutputConfig};
use super::events::{clip, event_type_of, ClientEvent, OutputAudioUpdate};
use crate::capture::SessionSummary;
use crate::directory::Principal;
use crate::error::ApiError;
use crate::rules::{
    SPEECH_STREAM_G711_SAMPLE_RATE, SPEECH_STREAM_ORIGIN_MESSAGE_MAX_BYTES,
    SPEECH_STREAM_TEXT_MAX_BYTES,
};
use crate::state::AppState;
use crate::system_voices::find_voice;

/// What to do after a frame.
#[derive(Debug)]
pub(crate) enum Reply {
    /// Send `speech.updated` with this configuration.
    Updated(Value),
    /// Nothing to send (an append that fits).
    Nothing,
    /// Send `input_text_buffer.completed`, then speak these sentences in this configuration.
    Speak {
        /// The sentences, each announced by `conversation.audio.sentence_start`.
        sentences: Vec<String>,
        /// The configuration they are spoken in.
        config: OutputConfig,
    },
    /// Send an `error` event.
    Refuse {
        /// Why.
        error: ApiError,
        /// The frame refused, clipped.
        origin: String,
    },
}

/// A session's state.
pub(crate) struct Session {
    app: AppState,
    principal: Principal,
    config: Option<OutputConfig>,
    buffer: String,
    updated: bool,
    /// What the journal keeps of the session.
    pub summary: SessionSummary,
}

impl Session {
    /// A session for `principal`.
    pub(crate) fn new(app: AppState, principal: Principal, token_in_query: bool) -> Session {
        let config = app
            .settings
            .system_voices
            .first()
            .map(|v| OutputConfig::new(v.voice_id.clone()));
        let mut summary = SessionSummary {
            token_in_query,
            ..SessionSummary::default()
        };
        if let Some(c) = &config {
            summary.codec = c.codec.to_owned();
            summary.sample_rate = c.sample_rate;
        }
        Session {
            app,
            principal,
            config,
            buffer: String::new(),
            updated: false,
            summary,
        }
    }

    /// Bytes of text appended and not yet completed.
    pub(crate) fn buffered_bytes(&self) -> usize {
        self.buffer.len()
    }

    /// Judges a text frame.
    pub(crate) fn handle(&mut self, text: &str) -> Reply {
        let value: Result<Value, _> = serde_json::from_str(text);
        let event_type = match &value {
            Ok(v) => event_type_of(v).unwrap_or("(no event_type)"),
            Err(_) => "(not JSON)",
        };
        self.summary.received(event_type);
        let result = match value {
            Ok(v) => ClientEvent::parse(&v).and_then(|event| self.apply(event)),
            Err(e) => Err(ApiError::StreamEventInvalid {
                reason: format!("a JSON object with a string event_type: {e}"),
            }),
        };
        result.unwrap_or_else(|error| Reply::Refuse {
            error,
            origin: clip(text, SPEECH_STREAM_ORIGIN_MESSAGE_MAX_BYTES).to_owned(),
        })
    }

    /// Notes a binary frame, which the channel does not use.
    pub(crate) fn binary(&mut self, bytes: usize) -> Reply {
        self.summary.received("(binary frame)");
        Reply::Refuse {
            error: ApiError::StreamEventInvalid {
                reason: format!(
                    "a text frame holding a JSON event: it is a binary frame of {bytes} bytes"
                ),
            },
            origin: String::new(),
        }
    }

    fn apply(&mut self, event: ClientEvent) -> Result<Reply, ApiError> {
        match event {
            ClientEvent::Update(update) => self.update(update),
            ClientEvent::Append(delta) => {
                if !self.updated && self.buffer.is_empty() && self.summary.rounds == 0 {
                    self.summary.text_before_update = true;
                }
                let bytes = self.buffer.len() + delta.len();
                if delta.len() > SPEECH_STREAM_TEXT_MAX_BYTES
                    || bytes > SPEECH_STREAM_TEXT_MAX_BYTES
                {
                    return Err(ApiError::StreamTextTooLong { bytes });
                }
                self.buffer.push_str(&delta);
                Ok(Reply::Nothing)
            }
            ClientEvent::Complete => {
                let config = self
                    .config
                    .clone()
                    .ok_or_else(|| ApiError::StreamParamInvalid {
                        param: "output_audio.voice_id",
                        expected:
                            "set by speech.update: the fake has no system voice to default to"
                                .to_owned(),
                        value: "absent".to_owned(),
                    })?;
                let text = std::mem::take(&mut self.buffer);
                self.summary.text_bytes += text.len() as u64;
                self.summary.voice(&config.voice_id);
                Ok(Reply::Speak {
                    sentences: sentences(&text),
                    config,
                })
            }
        }
    }

    fn update(&mut self, update: OutputAudioUpdate) -> Result<Reply, ApiError> {
        let voice_id = match (&update.voice_id, &self.config) {
            (Some(v), _) => v.clone(),
            (None, Some(c)) => c.voice_id.clone(),
            (None, None) => String::new(),
        };
        if update.voice_id.is_some() {
            find_voice(
                &self.app.settings.system_voices,
                self.app.store.as_ref(),
                &voice_id,
                Some(&self.principal),
            )?;
        }
        let mut config = self
            .config
            .clone()
            .unwrap_or_else(|| OutputConfig::new(voice_id.clone()));
        config.voice_id = voice_id;
        if let Some(codec) = update.codec {
            config.codec = codec;
        }
        if let Some(rate) = update.sample_rate {
            config.sample_rate = rate;
        } else if update.codec.is_some_and(|c| c.starts_with("g711")) {
            config.sample_rate = SPEECH_STREAM_G711_SAMPLE_RATE;
        }
        if config.codec.starts_with("g711") && config.sample_rate != SPEECH_STREAM_G711_SAMPLE_RATE
        {
            return Err(ApiError::StreamParamInvalid {
                param: "output_audio.pcm_config.sample_rate",
                expected: format!("{SPEECH_STREAM_G711_SAMPLE_RATE} for {}", config.codec),
                value: config.sample_rate.to_string(),
            });
        }
        if update.frame_size_ms.is_some() {
            config.frame_size_ms = update.frame_size_ms;
        }
        if let Some(rate) = update.speech_rate {
            config.speech_rate = rate;
        }
        if config.voice_id.is_empty() {
            return Err(ApiError::StreamParamInvalid {
                param: "output_audio.voice_id",
                expected: "a voice id: the fake has no system voice to default to".to_owned(),
                value: "absent".to_owned(),
            });
        }
        self.updated = true;
        self.summary.codec = config.codec.to_owned();
        self.summary.sample_rate = config.sample_rate;
        let shown = config.to_json();
        self.config = Some(config);
        Ok(Reply::Updated(shown))
    }
}
