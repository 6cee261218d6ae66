//! `GET /v1/audio/speech` upgraded to a WebSocket, over a real WebSocket client (tokio-tungstenite).

/// The AsyncAPI document against the recorded session and a live one.
mod document;
/// Hostile clients: a 100 MB frame, an append flood, a client that stops reading.
mod hostile;
/// Sessions in the journal, the report and the faults.
mod journal;
/// The real recorded session, replayed event by event.
mod recorded;
/// Each rule of the channel: authentication, `speech.update`, the 3010 limit, refused events, rounds.
mod rules;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The longest a test waits for one event: far above anything the fake needs, so a hang fails the test
/// instead of blocking CI.
const EVENT_WAIT: Duration = Duration::from_secs(30);

/// The `ws://` URL of the streaming speech endpoint of the server at `http_base`.
pub(crate) fn ws_url(http_base: &str, query: &str) -> String {
    format!(
        "{}/v1/audio/speech{query}",
        http_base.replacen("http://", "ws://", 1)
    )
}

/// A WebSocket client of one session.
pub(crate) struct Ws {
    pub(crate) stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The handshake answer's `x-tt-logid`.
    pub(crate) logid: String,
}

/// What a session's read ended with.
#[derive(Debug, PartialEq)]
pub(crate) enum Ended {
    /// A close frame with this code.
    Closed(u16),
    /// The connection ended without a close frame.
    Cut,
}

/// Opens a session with `Authorization: Bearer <token>`.
pub(crate) async fn connect(http_base: &str, token: &str) -> Ws {
    let mut request = ws_url(http_base, "").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    open(request).await.expect("the handshake is accepted")
}

/// Opens a session with a prepared handshake request.
pub(crate) async fn open(
    request: tokio_tungstenite::tungstenite::handshake::client::Request,
) -> Result<Ws, Error> {
    let (stream, response) = tokio_tungstenite::connect_async(request).await?;
    let logid = response.headers()["x-tt-logid"]
        .to_str()
        .unwrap()
        .to_owned();
    Ok(Ws { stream, logid })
}

impl Ws {
    /// Sends an event.
    pub(crate) async fn send(&mut self, event: Value) {
        self.stream
            .send(Message::text(event.to_string()))
            .await
            .expect("send");
    }

    /// Sends `speech.update` with this `output_audio`.
    pub(crate) async fn update(&mut self, output_audio: Value) {
        self.send(json!({"event_type": "speech.update", "data": {"output_audio": output_audio}}))
            .await;
    }

    /// Appends text.
    pub(crate) async fn append(&mut self, text: &str) {
        self.send(json!({"event_type": "input_text_buffer.append", "data": {"delta": text}}))
            .await;
    }

    /// Completes the buffer.
    pub(crate) async fn complete(&mut self) {
        self.send(json!({"event_type": "input_text_buffer.complete"}))
            .await;
    }

    /// The next event; panics if the session ends first.
    pub(crate) async fn next_event(&mut self) -> Value {
        match self.next().await {
            Ok(event) => event,
            Err(ended) => panic!("the session ended ({ended:?}) where an event was expected"),
        }
    }

    /// The next event, or how the session ended.
    pub(crate) async fn next(&mut self) -> Result<Value, Ended> {
        loop {
            let frame = tokio::time::timeout(EVENT_WAIT, self.stream.next())
                .await
                .expect("an event within the wait");
            return match frame {
                Some(Ok(Message::Text(text))) => Ok(serde_json::from_str(&text).expect("JSON")),
                Some(Ok(Message::Close(frame))) => {
                    Err(Ended::Closed(frame.map_or(1005, |f| u16::from(f.code))))
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(other)) => panic!("an unexpected frame {other:?}"),
                Some(Err(_)) | None => Err(Ended::Cut),
            };
        }
    }

    /// Every event up to and including the first of `event_type`.
    pub(crate) async fn until(&mut self, event_type: &str) -> Vec<Value> {
        let mut events = Vec::new();
        loop {
            let event = self.next_event().await;
            let done = event["event_type"] == event_type;
            events.push(event);
            if done {
                return events;
            }
        }
    }

    /// Speaks `text` in one round: the events from `input_text_buffer.completed` to
    /// `speech.audio.completed`.
    pub(crate) async fn speak(&mut self, text: &str) -> Vec<Value> {
        self.append(text).await;
        self.complete().await;
        self.until("speech.audio.completed").await
    }

    /// Closes the session as a client should.
    pub(crate) async fn close(mut self) {
        let _ = self
            .stream
            .close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: CloseCode::Normal,
                reason: "done".into(),
            }))
            .await;
    }
}

/// The event types of `events`.
pub(crate) fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap().to_owned())
        .collect()
}

/// The audio of `events`, decoded and joined.
pub(crate) fn audio(events: &[Value]) -> Vec<u8> {
    use base64::Engine;
    events
        .iter()
        .filter(|e| e["event_type"] == "speech.audio.update")
        .flat_map(|e| {
            base64::engine::general_purpose::STANDARD
                .decode(e["data"]["delta"].as_str().unwrap())
                .unwrap()
        })
        .collect()
}

/// The `error` event next in the session: its code.
pub(crate) async fn error_code(ws: &mut Ws) -> i64 {
    let event = ws.next_event().await;
    assert_eq!(event["event_type"], "error", "{event}");
    event["data"]["code"].as_i64().unwrap()
}
