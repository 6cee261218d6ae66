//! The findings about a client's mistakes in a streaming-speech session ([`SessionSummary`]).

use crate::capture::session::{SessionEnd, SessionSummary};
use crate::report::findings::{Finding, FindingId};

/// The client's mistakes in a session.
pub(crate) fn session_findings(s: &SessionSummary) -> Vec<Finding> {
    let mut found = Vec::new();
    if s.uncompleted_text_bytes > 0 {
        found.push(Finding::new(
            FindingId::StreamTextNeverCompleted,
            format!(
                "{} bytes appended and never completed",
                s.uncompleted_text_bytes
            ),
        ));
    }
    if s.ended_mid_stream && s.end != Some(SessionEnd::FaultDrop) {
        found.push(Finding::new(
            FindingId::StreamClosedMidAudio,
            format!(
                "the session ended ({}) before speech.audio.completed",
                s.end.map_or("unknown", SessionEnd::name)
            ),
        ));
    }
    if let Some(e) = s
        .errors
        .iter()
        .find(|e| e.rule == "speech_stream.text_max_bytes")
    {
        found.push(Finding::new(
            FindingId::StreamTextOverLimit,
            format!("error {}: one request carried over 1,024 bytes", e.code),
        ));
    }
    if s.text_before_update {
        found.push(Finding::new(
            FindingId::StreamTextBeforeUpdate,
            "input_text_buffer.append before any speech.update",
        ));
    }
    let refused: Vec<&str> = s
        .errors
        .iter()
        .filter(|e| e.rule != "speech_stream.text_max_bytes" && !e.rule.starts_with("fault."))
        .map(|e| e.rule.as_str())
        .collect();
    if !refused.is_empty() {
        found.push(Finding::new(
            FindingId::StreamEventRefused,
            format!("refused: {}", refused.join(", ")),
        ));
    }
    if s.end == Some(SessionEnd::SendTimeout) || s.end == Some(SessionEnd::IdleTimeout) {
        found.push(Finding::new(
            FindingId::StreamClientStalled,
            format!("closed by the fake: {}", s.end.map_or("", SessionEnd::name)),
        ));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(s: &SessionSummary) -> Vec<FindingId> {
        session_findings(s).into_iter().map(|f| f.id).collect()
    }

    #[test]
    fn a_clean_session_has_no_findings() {
        let mut s = SessionSummary::default();
        s.received("speech.update");
        s.received("input_text_buffer.append");
        s.end = Some(SessionEnd::ClientClosed);
        assert!(ids(&s).is_empty());
    }

    #[test]
    fn each_client_mistake_is_found() {
        let mut s = SessionSummary {
            uncompleted_text_bytes: 12,
            ended_mid_stream: true,
            text_before_update: true,
            end: Some(SessionEnd::SendTimeout),
            ..SessionSummary::default()
        };
        s.error(3010, "speech_stream.text_max_bytes");
        s.error(4000, "speech_stream.event_unknown");
        assert_eq!(
            ids(&s),
            [
                FindingId::StreamTextNeverCompleted,
                FindingId::StreamClosedMidAudio,
                FindingId::StreamTextOverLimit,
                FindingId::StreamTextBeforeUpdate,
                FindingId::StreamEventRefused,
                FindingId::StreamClientStalled,
            ]
        );
    }

    #[test]
    fn a_drop_the_test_injected_is_not_the_clients_mistake() {
        let s = SessionSummary {
            ended_mid_stream: true,
            end: Some(SessionEnd::FaultDrop),
            ..SessionSummary::default()
        };
        assert!(ids(&s).is_empty());
    }
}
