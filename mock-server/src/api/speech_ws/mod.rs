//! `GET /v1/audio/speech` upgraded to a WebSocket: 双向流式语音合成, Coze's streaming speech
//! (`wss://ws.coze.cn/v1/audio/speech`, coze-dev/coze-sdk-gen `docs/api-markdown/tts_api.md`), on the same
//! port as the HTTP API.
//!
//! The handshake is judged like an HTTP request: the token comes from the `Authorization` header or, as
//! the page's browser example sends it, the `authorization` query parameter (`?authorization=Bearer …`);
//! it needs 「权限: createSpeech」. A refused handshake is answered with the API's envelope and HTTP status
//! before any upgrade, with its `x-tt-logid` (cozepy turns a refused handshake into `CozeAPIError` with
//! that header). A plain `GET` that is no handshake is refused with 4000. An accepted handshake answers
//! `101` with the session's logid, in this channel's 53-character format, in `x-tt-logid`.
//!
//! - [`events`]: the events each side sends, parsed and rendered in the recorded shape.
//! - [`session`]: the rules: configuration, text buffer, refusals.
//! - [`codec`]: the audio of each sentence in the session's codec, chunk by chunk.
//! - [`conversation`]: the loop over the socket, bounded in memory and time, and the session faults.

pub(crate) mod codec;
pub(crate) mod conversation;
pub(crate) mod events;
pub(crate) mod session;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use http::header::AUTHORIZATION;
use http::{Extensions, HeaderMap, HeaderValue, Uri};

pub(crate) use self::conversation::{Channel, Incoming};
use self::conversation::{Conversation, Limits};
pub(crate) use self::events::{is_session_logid, session_logid};
use self::session::Session;
use crate::auth::authenticate;
use crate::capture::session::SessionSummary;
use crate::capture::Notes;
use crate::directory::Principal;
use crate::envelope::LOGID_HEADER;
use crate::error::ApiError;
use crate::faults::SessionFault;
use crate::journal::SessionWatch;
use crate::rules::{
    SPEECH_STREAM_MAX_MESSAGE_BYTES, SPEECH_STREAM_PERMISSION, SPEECH_STREAM_TOKEN_QUERY,
};
use crate::state::{now, AppState};

/// The headers to authenticate: the request's, or, without an `Authorization` header, one made from the
/// `authorization` query parameter. Whether the token came from the query.
pub(crate) fn credentials(headers: &HeaderMap, uri: &Uri) -> (HeaderMap, bool) {
    if headers.contains_key(AUTHORIZATION) {
        return (headers.clone(), false);
    }
    let from_query = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .ok()
        .and_then(|Query(pairs)| {
            pairs
                .into_iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(SPEECH_STREAM_TOKEN_QUERY))
        })
        .and_then(|(_, v)| HeaderValue::from_str(&v).ok());
    let mut with_query = HeaderMap::new();
    let found = from_query.is_some();
    if let Some(value) = from_query {
        with_query.insert(AUTHORIZATION, value);
    }
    (with_query, found)
}

/// The principal a handshake's credentials name (the `Authorization` header, or the `authorization`
/// query parameter), with 「权限 createSpeech」; whether the token came from the query.
pub(crate) fn admit(
    app: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<(Principal, bool), ApiError> {
    let (credentials, token_in_query) = credentials(headers, uri);
    let principal = authenticate(&credentials, &app.directory, now())?;
    if !principal.has_permission(SPEECH_STREAM_PERMISSION) {
        return Err(ApiError::MissingPermission {
            permission: SPEECH_STREAM_PERMISSION,
        });
    }
    Ok((principal, token_in_query))
}

/// The bearer token a handshake carries, in its `Authorization` header or `authorization` query parameter.
pub(crate) fn handshake_token(headers: &HeaderMap, uri: &Uri) -> Option<String> {
    let (credentials, _) = credentials(headers, uri);
    credentials
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::auth::bearer_token)
        .map(str::to_owned)
}

/// Runs an admitted session over any `channel` (the proxy's shadow feeds one the frames of a session it
/// relays) to its end, with the fake's limits and no fault; what the journal keeps of it.
pub(crate) async fn converse<C: Channel>(
    app: AppState,
    admitted: (Principal, bool),
    channel: C,
    logid: String,
) -> SessionSummary {
    let (principal, token_in_query) = admitted;
    let session = Session::new(app, principal, token_in_query);
    Conversation::new(channel, session, logid, Limits::default(), None)
        .run()
        .await
}

/// Accepts the handshake and runs the session.
pub(crate) async fn speech_stream(
    State(app): State<AppState>,
    extensions: Extensions,
    headers: HeaderMap,
    uri: Uri,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let (principal, token_in_query) = admit(&app, &headers, &uri)?;
    let upgrade = upgrade.map_err(|_| ApiError::StreamUpgradeRequired)?;
    let logid = session_logid(chrono::Utc::now().timestamp_millis());
    let notes = Notes::of(&extensions);
    let fault = extensions.get::<SessionFault>().map(|f| f.0.clone());
    let (ended, watch) = tokio::sync::oneshot::channel();
    let session = Session::new(app, principal, token_in_query);
    let session_logid = logid.clone();
    let mut response = upgrade
        .max_message_size(SPEECH_STREAM_MAX_MESSAGE_BYTES)
        .max_frame_size(SPEECH_STREAM_MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| async move {
            let conversation = Conversation::new(
                AxumChannel(socket),
                session,
                session_logid,
                Limits::default(),
                fault,
            );
            let summary = conversation.run().await;
            notes.update(|inputs| inputs.session = Some(summary));
            let _ = ended.send(());
        });
    if let Ok(value) = HeaderValue::from_str(&logid) {
        response.headers_mut().insert(LOGID_HEADER, value);
    }
    response.extensions_mut().insert(SessionWatch::new(watch));
    Ok(response)
}

/// An axum WebSocket as the conversation's [`Channel`].
pub(crate) struct AxumChannel(pub WebSocket);

impl Channel for AxumChannel {
    async fn recv(&mut self) -> Incoming {
        loop {
            return match self.0.recv().await {
                None => Incoming::Broken,
                Some(Ok(Message::Text(text))) => Incoming::Text(text.as_str().to_owned()),
                Some(Ok(Message::Binary(bytes))) => Incoming::Binary(bytes.len()),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(Message::Close(_))) => Incoming::Closed,
                Some(Err(e)) if is_capacity_error(&e.to_string()) => Incoming::TooLarge,
                Some(Err(_)) => Incoming::Broken,
            };
        }
    }

    async fn send(&mut self, text: String) -> Result<(), ()> {
        self.0
            .send(Message::Text(text.into()))
            .await
            .map_err(|_| ())
    }

    async fn close(&mut self, code: u16, reason: &'static str) {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        let _ = self.0.send(Message::Close(Some(frame))).await;
    }
}

/// Whether a read error is tungstenite's refusal of a frame or message over the limit ("Space limit
/// exceeded: Message too long: … > …").
fn is_capacity_error(message: &str) -> bool {
    message.contains("Space limit exceeded") || message.contains("too long")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_comes_from_the_header_first_then_the_query() {
        let uri: Uri = "/v1/audio/speech?authorization=Bearer%20pat_query"
            .parse()
            .unwrap();
        let (found, in_query) = credentials(&HeaderMap::new(), &uri);
        assert_eq!(found[AUTHORIZATION], "Bearer pat_query");
        assert!(in_query);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer pat_header"));
        let (found, in_query) = credentials(&headers, &uri);
        assert_eq!(found[AUTHORIZATION], "Bearer pat_header");
        assert!(!in_query);
        let (found, in_query) =
            credentials(&HeaderMap::new(), &"/v1/audio/speech".parse().unwrap());
        assert!(found.is_empty() && !in_query);
    }

    #[test]
    fn tungstenites_capacity_errors_are_recognised() {
        assert!(is_capacity_error(
            "Space limit exceeded: Message too long: 104857600 > 65536"
        ));
        assert!(!is_capacity_error(
            "Connection reset without closing handshake"
        ));
    }
}
