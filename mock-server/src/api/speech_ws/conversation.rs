//! The session's loop over its socket: `speech.created` first, then each frame the client sends judged by
//! [`Session::handle`] and answered in the recorded order (`input_text_buffer.completed`, then per
//! sentence `conversation.audio.sentence_start` and its `speech.audio.update` chunks, then
//! `speech.audio.completed`). One frame is answered completely before the next is read, so a session
//! holds at most one chunk of audio and its text buffer, whatever the client does. Bounded in time too:
//! a client silent for [`Limits::idle`] is closed (1000), one that stops reading is cut after
//! [`Limits::send`], a frame over the message limit is closed with 1009 before it is read, and
//! [`SPEECH_STREAM_MAX_REFUSALS`] refused events in a row close with 1008.

use std::future::Future;
use std::time::Duration;

use tokio::time::timeout;

use super::codec::{sentence_audio, OutputConfig};
use super::events::ServerEvent;
use super::session::{Reply, Session};
use crate::capture::session::{SessionEnd, SessionSummary};
use crate::faults::FaultAction;
use crate::rules::{
    StreamClose, SPEECH_STREAM_CLOSE_IDLE, SPEECH_STREAM_CLOSE_REFUSALS,
    SPEECH_STREAM_CLOSE_TOO_LARGE, SPEECH_STREAM_IDLE_TIMEOUT, SPEECH_STREAM_MAX_REFUSALS,
    SPEECH_STREAM_SEND_TIMEOUT,
};

/// What the loop reads from its socket.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Incoming {
    /// A text frame.
    Text(String),
    /// A binary frame of this many bytes.
    Binary(usize),
    /// A frame over the message limit (not read).
    TooLarge,
    /// The client's close frame.
    Closed,
    /// The connection broke.
    Broken,
}

/// The socket as the loop sees it: [`super::AxumChannel`] in the server, a scripted one in tests.
pub(crate) trait Channel: Send {
    /// The next frame that matters (pings are answered below this).
    fn recv(&mut self) -> impl Future<Output = Incoming> + Send;
    /// Sends a text frame; `Err` when the connection is gone.
    fn send(&mut self, text: String) -> impl Future<Output = Result<(), ()>> + Send;
    /// Sends a close frame with `code` and `reason`.
    fn close(&mut self, code: u16, reason: &'static str) -> impl Future<Output = ()> + Send;
}

/// The session's time bounds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// The longest wait for the client's next frame.
    pub idle: Duration,
    /// The longest one frame to the client may take to send.
    pub send: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            idle: SPEECH_STREAM_IDLE_TIMEOUT,
            send: SPEECH_STREAM_SEND_TIMEOUT,
        }
    }
}

impl<C: Channel> Channel for &mut C {
    fn recv(&mut self) -> impl Future<Output = Incoming> + Send {
        (**self).recv()
    }

    fn send(&mut self, text: String) -> impl Future<Output = Result<(), ()>> + Send {
        (**self).send(text)
    }

    fn close(&mut self, code: u16, reason: &'static str) -> impl Future<Output = ()> + Send {
        (**self).close(code, reason)
    }
}

/// A session in progress.
pub(crate) struct Conversation<C> {
    channel: C,
    session: Session,
    logid: String,
    limits: Limits,
    fault: Option<FaultAction>,
    streaming: bool,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl<C: Channel> Conversation<C> {
    /// A session over `channel` whose events carry `logid`, with the fault injected into its handshake.
    pub(crate) fn new(
        channel: C,
        session: Session,
        logid: String,
        limits: Limits,
        fault: Option<FaultAction>,
    ) -> Conversation<C> {
        Conversation {
            channel,
            session,
            logid,
            limits,
            fault,
            streaming: false,
        }
    }

    /// Runs the session to its end; what the journal keeps of it.
    pub(crate) async fn run(mut self) -> SessionSummary {
        let end = match self.exchange().await {
            Ok(end) | Err(end) => end,
        };
        let uncompleted = self.session.buffered_bytes() as u64;
        let mut summary = self.session.summary;
        summary.end = Some(end);
        summary.ended_mid_stream = self.streaming;
        summary.uncompleted_text_bytes = uncompleted;
        summary
    }

    async fn exchange(&mut self) -> Result<SessionEnd, SessionEnd> {
        self.send(ServerEvent::Created).await?;
        let mut refusals = 0;
        loop {
            let Ok(incoming) = timeout(self.limits.idle, self.channel.recv()).await else {
                self.close(SPEECH_STREAM_CLOSE_IDLE).await;
                return Ok(SessionEnd::IdleTimeout);
            };
            let reply = match incoming {
                Incoming::Text(text) => self.session.handle(&text),
                Incoming::Binary(bytes) => self.session.binary(bytes),
                Incoming::TooLarge => {
                    self.close(SPEECH_STREAM_CLOSE_TOO_LARGE).await;
                    return Ok(SessionEnd::FrameTooLarge);
                }
                Incoming::Closed => return Ok(SessionEnd::ClientClosed),
                Incoming::Broken => return Ok(SessionEnd::ClientGone),
            };
            if !matches!(reply, Reply::Refuse { .. }) {
                refusals = 0;
            }
            match reply {
                Reply::Nothing => {}
                Reply::Updated(config) => self.send(ServerEvent::Updated(config)).await?,
                Reply::Refuse { error, origin } => {
                    let row = error.row();
                    self.session.summary.error(row.code, row.rule);
                    self.send(ServerEvent::Error {
                        code: row.code,
                        msg: row.msg,
                        origin: Some(origin),
                    })
                    .await?;
                    refusals += 1;
                    if refusals >= SPEECH_STREAM_MAX_REFUSALS {
                        self.close(SPEECH_STREAM_CLOSE_REFUSALS).await;
                        return Ok(SessionEnd::TooManyRefusals);
                    }
                }
                Reply::Speak { sentences, config } => self.speak(sentences, config).await?,
            }
        }
    }

    async fn speak(
        &mut self,
        sentences: Vec<String>,
        config: OutputConfig,
    ) -> Result<(), SessionEnd> {
        self.send(ServerEvent::TextCompleted).await?;
        if let Some(FaultAction::SpeechErrorEvent { code, msg }) = &self.fault {
            let (code, msg) = (*code, msg.clone());
            self.fault = None;
            self.session.summary.error(code, "fault.speech_error_event");
            return self
                .send(ServerEvent::Error {
                    code,
                    msg,
                    origin: None,
                })
                .await;
        }
        self.streaming = true;
        let mut chunks_sent = 0u32;
        for sentence in sentences {
            self.send(ServerEvent::SentenceStart(sentence.clone()))
                .await?;
            for chunk in sentence_audio(&sentence, &config) {
                match self.fault {
                    Some(FaultAction::SpeechDrop { after_chunks })
                        if chunks_sent >= after_chunks =>
                    {
                        return Err(SessionEnd::FaultDrop);
                    }
                    Some(FaultAction::SpeechChunkDelay { ms }) => {
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                    }
                    _ => {}
                }
                self.session.summary.audio_bytes += chunk.len() as u64;
                self.send(ServerEvent::Audio(chunk.to_vec())).await?;
                chunks_sent += 1;
            }
        }
        if let Some(FaultAction::SpeechDrop { .. }) = self.fault {
            return Err(SessionEnd::FaultDrop);
        }
        self.send(ServerEvent::AudioCompleted).await?;
        self.streaming = false;
        self.session.summary.rounds += 1;
        Ok(())
    }

    async fn send(&mut self, event: ServerEvent) -> Result<(), SessionEnd> {
        let text = event.render(&self.logid, now_ms());
        match timeout(self.limits.send, self.channel.send(text)).await {
            Ok(Ok(())) => {
                self.session.summary.sent(event.event_type());
                Ok(())
            }
            Ok(Err(())) => Err(SessionEnd::ClientGone),
            Err(_) => Err(SessionEnd::SendTimeout),
        }
    }

    async fn close(&mut self, close: StreamClose) {
        // A client that does not read cannot hold the close either.
        let _ = timeout(
            self.limits.send,
            self.channel.close(close.code, close.reason),
        )
        .await;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Arc;

    use serde_json::Value;

    use super::*;
    use crate::config::Config;
    use crate::faults::Faults;
    use crate::journal::Journal;
    use crate::state::{AdminState, AppState};
    use crate::store::SqliteStore;

    /// A client that sends `script`, then waits for ever (or breaks), and never stops reading unless
    /// `reads` is false.
    struct Scripted {
        script: VecDeque<Incoming>,
        then: Option<Incoming>,
        sent: Vec<Value>,
        reads: bool,
        closed: Option<u16>,
    }

    impl Channel for Scripted {
        async fn recv(&mut self) -> Incoming {
            match self.script.pop_front().or_else(|| self.then.clone()) {
                Some(next) => next,
                None => std::future::pending().await,
            }
        }

        async fn send(&mut self, text: String) -> Result<(), ()> {
            if !self.reads && !self.sent.is_empty() {
                return std::future::pending().await;
            }
            self.sent.push(serde_json::from_str(&text).unwrap());
            Ok(())
        }

        async fn close(&mut self, code: u16, _reason: &'static str) {
            self.closed = Some(code);
        }
    }

    fn session() -> Session {
        let config = Config::default();
        let app = AppState {
            directory: Arc::new(config.validate().unwrap()),
            store: Arc::new(SqliteStore::in_memory()),
            settings: Arc::new(crate::settings::Settings::of(&config)),
            faults: Arc::new(Faults::default()),
            journal: Arc::new(Journal::default()),
            admin: Arc::new(AdminState::new(config, None, true)),
            scheme: crate::state::Scheme::Http,
        };
        let principal = app
            .directory
            .principal(crate::config::DEFAULT_TOKEN)
            .unwrap();
        Session::new(app, principal, false)
    }

    fn scripted(frames: &[&str], then: Option<Incoming>, reads: bool) -> Scripted {
        Scripted {
            script: frames
                .iter()
                .map(|f| Incoming::Text((*f).to_owned()))
                .collect(),
            then,
            sent: Vec::new(),
            reads,
            closed: None,
        }
    }

    const APPEND: &str = r#"{"event_type":"input_text_buffer.append","data":{"delta":"你好"}}"#;
    const COMPLETE: &str = r#"{"event_type":"input_text_buffer.complete"}"#;

    #[tokio::test(start_paused = true)]
    async fn a_silent_client_is_closed_after_the_idle_timeout() {
        let limits = Limits::default();
        let started = tokio::time::Instant::now();
        let mut channel = scripted(&[APPEND], None, true);
        let summary = Conversation::new(&mut channel, session(), "L".into(), limits, None)
            .run()
            .await;
        assert_eq!(summary.end, Some(SessionEnd::IdleTimeout));
        assert_eq!(channel.closed, Some(1000));
        assert_eq!(started.elapsed(), limits.idle);
        assert_eq!(summary.uncompleted_text_bytes, 6);
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_that_stops_reading_is_cut_after_the_send_timeout() {
        let limits = Limits::default();
        let started = tokio::time::Instant::now();
        let mut channel = scripted(&[APPEND, COMPLETE], None, false);
        let summary = Conversation::new(&mut channel, session(), "L".into(), limits, None)
            .run()
            .await;
        assert_eq!(summary.end, Some(SessionEnd::SendTimeout));
        assert_eq!(started.elapsed(), limits.send);
    }

    #[tokio::test]
    async fn a_round_is_answered_in_the_recorded_order_and_counted() {
        let mut channel = scripted(&[APPEND, COMPLETE], Some(Incoming::Closed), true);
        let summary =
            Conversation::new(&mut channel, session(), "L".into(), Limits::default(), None)
                .run()
                .await;
        let kinds: Vec<&str> = channel
            .sent
            .iter()
            .map(|e| e["event_type"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds[..4],
            [
                "speech.created",
                "input_text_buffer.completed",
                "conversation.audio.sentence_start",
                "speech.audio.update"
            ]
        );
        assert_eq!(kinds.last(), Some(&"speech.audio.completed"));
        assert_eq!(
            (summary.rounds, summary.end),
            (1, Some(SessionEnd::ClientClosed))
        );
        assert!(summary.text_before_update);
    }

    #[tokio::test]
    async fn refusals_in_a_row_close_the_session_and_an_accepted_event_resets_the_count() {
        let unknown = r#"{"event_type":"nope"}"#;
        let mut frames = vec![unknown; SPEECH_STREAM_MAX_REFUSALS as usize - 1];
        frames.push(APPEND);
        frames.extend(vec![unknown; SPEECH_STREAM_MAX_REFUSALS as usize]);
        let mut channel = scripted(&frames, None, true);
        let summary =
            Conversation::new(&mut channel, session(), "L".into(), Limits::default(), None)
                .run()
                .await;
        assert_eq!(summary.end, Some(SessionEnd::TooManyRefusals));
        assert_eq!(channel.closed, Some(1008));
        let errors = channel
            .sent
            .iter()
            .filter(|e| e["event_type"] == "error")
            .count();
        assert_eq!(errors, 2 * SPEECH_STREAM_MAX_REFUSALS as usize - 1);
    }

    #[tokio::test]
    async fn a_frame_over_the_limit_closes_with_1009() {
        let mut channel = scripted(&[], Some(Incoming::TooLarge), true);
        let summary =
            Conversation::new(&mut channel, session(), "L".into(), Limits::default(), None)
                .run()
                .await;
        assert_eq!(
            (summary.end, channel.closed),
            (Some(SessionEnd::FrameTooLarge), Some(1009))
        );
    }
}
