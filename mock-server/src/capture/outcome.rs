//! What a request was answered: its [`Outcome`], and the [`FaultKind`] injected, if any.

use serde::{Deserialize, Serialize};

/// An injected fault, as the journal names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// The answer was delayed this long, then given normally.
    Latency {
        /// The delay.
        ms: u64,
    },
    /// An envelope chosen by the test replaced the answer.
    Envelope,
    /// A bare HTTP 429 or 5xx replaced the answer.
    HttpStatus,
    /// The connection was closed before the answer was complete.
    Drop,
}

/// What the client was answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The HTTP status sent; `None` when the connection was dropped (the client received no answer).
    pub status: Option<u16>,
    /// The envelope's `code`, if the answer was an envelope.
    pub code: Option<i64>,
    /// The rule that decided an error, or the fault's name.
    pub rule: Option<String>,
    /// The fault injected, if any.
    pub fault: Option<FaultKind>,
    /// From the request's arrival to its answer, in milliseconds.
    pub duration_ms: u64,
    /// The client went away before the answer was ready (a client timeout): it received nothing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub abandoned: bool,
}

/// HTTP 101: a WebSocket handshake accepted; a streaming-speech session without errors succeeded.
pub(crate) const SWITCHING_PROTOCOLS: u16 = 101;

impl Outcome {
    /// Whether the client was told plainly that the request worked.
    pub fn succeeded(&self) -> bool {
        self.status
            .is_some_and(|s| (200..300).contains(&s) || s == SWITCHING_PROTOCOLS)
            && self.code.unwrap_or(0) == 0
    }

    /// Whether the client cannot know if the request took effect: a dropped connection, a client that gave
    /// up waiting, a delay long enough to time out, an injected fault, a 5xx or a 5000. Retrying a clone after one of these may
    /// create a second voice.
    pub fn ambiguous(&self) -> bool {
        self.abandoned
            || self.fault.is_some()
            || self.status.is_none_or(|s| s >= 500)
            || self.code == Some(crate::error::CODE_INTERNAL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_that_leave_the_client_in_doubt_are_ambiguous() {
        let outcome = |status, code, fault| Outcome {
            status,
            code,
            rule: None,
            fault,
            duration_ms: 0,
            abandoned: false,
        };
        assert!(outcome(None, None, Some(FaultKind::Drop)).ambiguous());
        assert!(outcome(Some(200), Some(0), Some(FaultKind::Latency { ms: 9000 })).ambiguous());
        assert!(outcome(Some(200), Some(5000), None).ambiguous());
        assert!(outcome(Some(503), None, None).ambiguous());
        assert!(!outcome(Some(200), Some(4000), None).ambiguous());
        assert!(!outcome(Some(200), Some(0), None).ambiguous());
        assert!(outcome(Some(200), Some(0), None).succeeded());
    }
}
