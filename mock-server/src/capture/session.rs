//! [`SessionSummary`]: what the journal keeps of one streaming-speech WebSocket session: the events each
//! side sent, by type and count, the rounds, the errors, how it ended; never text or audio.

use serde::{Deserialize, Serialize};

/// The most distinct event types, errors or voices a summary keeps: a hostile client sending thousands
/// of invented event types must not make the journal grow.
pub(crate) const SESSION_KEPT: usize = 16;

/// How many events of one type a side sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventCount {
    /// The `event_type` (at most 64 bytes of it).
    pub event_type: String,
    /// How many.
    pub count: u64,
}

/// An `error` event the fake sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionError {
    /// `data.code`.
    pub code: i64,
    /// The rule that decided it.
    pub rule: String,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionEnd {
    /// The client sent a close frame.
    ClientClosed,
    /// The connection broke without a close frame (the client went away).
    ClientGone,
    /// The client sent nothing for the idle timeout.
    IdleTimeout,
    /// An event could not be sent within the send timeout: the client stopped reading.
    SendTimeout,
    /// A frame over the session's message limit (closed with 1009).
    FrameTooLarge,
    /// Too many refused events in a row (closed with 1008).
    TooManyRefusals,
    /// An injected fault dropped the connection.
    FaultDrop,
}

/// One session as the journal keeps it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// Events the client sent, by type, in order of first appearance (binary frames as `binary`).
    pub received: Vec<EventCount>,
    /// Events the fake sent, by type, in order of first appearance.
    pub sent: Vec<EventCount>,
    /// `error` events sent, oldest first (the first [`SESSION_KEPT`]).
    pub errors: Vec<SessionError>,
    /// Voices spoken with.
    pub voice_ids: Vec<String>,
    /// The codec and sample rate last in force.
    pub codec: String,
    /// See [`SessionSummary::codec`].
    pub sample_rate: u32,
    /// Rounds answered with `speech.audio.completed`.
    pub rounds: u64,
    /// Bytes of text spoken in all.
    pub text_bytes: u64,
    /// Bytes of audio sent in all (decoded, not base64).
    pub audio_bytes: u64,
    /// Text was appended before any `speech.update`: the default voice and format spoke it.
    pub text_before_update: bool,
    /// Bytes of text appended but never completed when the session ended.
    pub uncompleted_text_bytes: u64,
    /// The session ended while audio was streaming: the client never got `speech.audio.completed`.
    pub ended_mid_stream: bool,
    /// The token came in the `authorization` query parameter (the browser way) rather than a header.
    pub token_in_query: bool,
    /// Why it ended.
    pub end: Option<SessionEnd>,
}

impl SessionSummary {
    /// Counts one event the client sent.
    pub fn received(&mut self, event_type: &str) {
        count(&mut self.received, event_type);
    }

    /// Counts one event the fake sent.
    pub fn sent(&mut self, event_type: &str) {
        count(&mut self.sent, event_type);
    }

    /// How many events of `event_type` the client sent.
    pub fn received_count(&self, event_type: &str) -> u64 {
        self.received
            .iter()
            .find(|c| c.event_type == event_type)
            .map_or(0, |c| c.count)
    }

    /// Notes an `error` event sent.
    pub fn error(&mut self, code: i64, rule: &str) {
        if self.errors.len() < SESSION_KEPT {
            self.errors.push(SessionError {
                code,
                rule: rule.to_owned(),
            });
        }
    }

    /// Notes a voice spoken with.
    pub fn voice(&mut self, voice_id: &str) {
        if self.voice_ids.len() < SESSION_KEPT && !self.voice_ids.iter().any(|v| v == voice_id) {
            self.voice_ids.push(voice_id.to_owned());
        }
    }
}

fn count(counts: &mut Vec<EventCount>, event_type: &str) {
    let event_type = clip(event_type, 64);
    if let Some(c) = counts.iter_mut().find(|c| c.event_type == event_type) {
        c.count += 1;
    } else if counts.len() < SESSION_KEPT {
        counts.push(EventCount {
            event_type,
            count: 1,
        });
    }
}

fn clip(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

impl SessionEnd {
    /// Its name in the journal.
    pub fn name(self) -> &'static str {
        match self {
            SessionEnd::ClientClosed => "client_closed",
            SessionEnd::ClientGone => "client_gone",
            SessionEnd::IdleTimeout => "idle_timeout",
            SessionEnd::SendTimeout => "send_timeout",
            SessionEnd::FrameTooLarge => "frame_too_large",
            SessionEnd::TooManyRefusals => "too_many_refusals",
            SessionEnd::FaultDrop => "fault_drop",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_keep_at_most_sixteen_types_and_clip_long_names() {
        let mut s = SessionSummary::default();
        for i in 0..100 {
            s.received(&format!("{i}{}", "x".repeat(100)));
        }
        s.received("0");
        assert_eq!(s.received.len(), SESSION_KEPT);
        assert!(s.received.iter().all(|c| c.event_type.len() <= 64));
    }
}
