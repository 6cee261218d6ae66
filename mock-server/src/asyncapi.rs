//! The AsyncAPI 3.0 document of streaming speech: `GET /__mock/asyncapi.json` serves it, `coze-mock
//! asyncapi` prints it.
//!
//! It describes the fake as the application: the channel `/v1/audio/speech` (a WebSocket on the API's
//! port), its handshake, the events the fake receives and those it sends. Built in code like the OpenAPI
//! description ([`crate::openapi`]): the event types, limits, close codes, codecs, sample rates and
//! ranges are the constants of [`crate::rules`] the session reads, and the handshake's refusals, its token
//! query parameter and the `error` event's codes come from the catalogue ([`crate::catalogue`]) and its
//! rows of the error table.

use serde_json::{json, Map, Value};

use crate::catalogue::{stream_event_failures, Endpoint, Inputs};
use crate::error::{ApiError, Row};
use crate::rules::{
    StreamClose, SPEECH_DEFAULT_SAMPLE_RATE, SPEECH_SAMPLE_RATES, SPEECH_STREAM_CLIENT_EVENTS,
    SPEECH_STREAM_CLOSES, SPEECH_STREAM_CLOSE_IDLE, SPEECH_STREAM_CLOSE_REFUSALS,
    SPEECH_STREAM_CLOSE_TOO_LARGE, SPEECH_STREAM_CODECS, SPEECH_STREAM_DEFAULT_FRAME_MS,
    SPEECH_STREAM_DEFAULT_RATE, SPEECH_STREAM_FRAME_MS_RANGE, SPEECH_STREAM_G711_SAMPLE_RATE,
    SPEECH_STREAM_IDLE_TIMEOUT, SPEECH_STREAM_MAX_MESSAGE_BYTES, SPEECH_STREAM_MAX_REFUSALS,
    SPEECH_STREAM_ORIGIN_MESSAGE_MAX_BYTES, SPEECH_STREAM_RATE_RANGE, SPEECH_STREAM_SERVER_EVENTS,
    SPEECH_STREAM_TEXT_MAX_BYTES,
};

/// The channel's key.
const CHANNEL: &str = "speech";

/// Who sends an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// The client: the fake receives it.
    Client,
    /// The fake.
    Server,
}

/// One event of the channel.
struct Event {
    event_type: &'static str,
    side: Side,
    summary: &'static str,
    /// More, when the summary is not all.
    description: String,
    /// The schema of its `data`; `None` when the event has none.
    data: Option<Value>,
    /// Whether `data` must be there.
    data_required: bool,
    /// An example of `data` (client events: what a client sends).
    example: Option<Value>,
}

impl Event {
    fn new(event_type: &'static str, side: Side, summary: &'static str) -> Event {
        Event {
            event_type,
            side,
            summary,
            description: String::new(),
            data: None,
            data_required: false,
            example: None,
        }
    }

    /// Its key among the messages: the event type in lower camel case (`speech.update` →
    /// `speechUpdate`).
    fn key(&self) -> String {
        let mut key = String::new();
        let mut upper = false;
        for c in self.event_type.chars() {
            if c == '.' || c == '_' {
                upper = !key.is_empty();
            } else if upper {
                key.extend(c.to_uppercase());
                upper = false;
            } else {
                key.push(c);
            }
        }
        key
    }

    /// Its operation: what the fake does with it.
    fn operation_key(&self) -> String {
        let key = self.key();
        let (first, rest) = key.split_at(1);
        let verb = match self.side {
            Side::Client => "receive",
            Side::Server => "send",
        };
        format!("{verb}{}{rest}", first.to_uppercase())
    }

    fn payload(&self) -> Value {
        let mut required = match self.side {
            Side::Client => vec!["event_type"],
            Side::Server => vec!["id", "event_type", "detail"],
        };
        let mut properties = Map::new();
        properties.insert(
            "id".into(),
            match self.side {
                Side::Client => json!({
                    "type": "string",
                    "description": "The client's id of the event (the SDKs send a UUID); the fake does not read it.",
                }),
                Side::Server => json!({"$ref": "#/components/schemas/EventId"}),
            },
        );
        properties.insert("event_type".into(), json!({"const": self.event_type}));
        if let Some(data) = &self.data {
            properties.insert("data".into(), data.clone());
            if self.data_required {
                required.push("data");
            }
        }
        if self.side == Side::Server {
            let detail = if self.event_type == error_event_type() {
                "ErrorDetail"
            } else {
                "Detail"
            };
            properties.insert(
                "detail".into(),
                json!({"$ref": format!("#/components/schemas/{detail}")}),
            );
        }
        json!({"type": "object", "required": required, "properties": properties})
    }

    fn message(&self) -> Value {
        let mut message = json!({
            "name": self.event_type,
            "title": self.event_type,
            "summary": self.summary,
            "payload": self.payload(),
        });
        if !self.description.is_empty() {
            message["description"] = json!(self.description);
        }
        if let Some(data) = &self.example {
            message["examples"] = json!([{
                "name": self.key(),
                "payload": {"event_type": self.event_type, "data": data},
            }]);
        }
        message
    }
}

/// The `error` event's type: the last the fake sends.
fn error_event_type() -> &'static str {
    SPEECH_STREAM_SERVER_EVENTS[SPEECH_STREAM_SERVER_EVENTS.len() - 1]
}

/// `output_audio` as `speech.update` sets it (every field optional), or as `speech.updated` shows the
/// configuration in force (every field there).
fn output_audio(in_force: bool) -> Value {
    let (min_rate, max_rate) = SPEECH_STREAM_RATE_RANGE;
    let (min_ms, max_ms) = SPEECH_STREAM_FRAME_MS_RANGE;
    let g711 = SPEECH_STREAM_CODECS
        .iter()
        .filter(|c| c.starts_with("g711"))
        .copied()
        .collect::<Vec<_>>()
        .join(" and ");
    let mut schema = json!({
        "type": "object",
        "properties": {
            "codec": {
                "type": "string", "enum": SPEECH_STREAM_CODECS, "default": SPEECH_STREAM_CODECS[0],
                "description": format!("{g711} carry {SPEECH_STREAM_G711_SAMPLE_RATE} Hz: with either, `pcm_config.sample_rate` must be {SPEECH_STREAM_G711_SAMPLE_RATE}, and becomes it when the update names none. `opus` is an Ogg Opus stream of silence (the fake has no encoder)."),
            },
            "pcm_config": {
                "type": "object",
                "properties": {
                    "sample_rate": {"type": "integer", "enum": SPEECH_SAMPLE_RATES, "default": SPEECH_DEFAULT_SAMPLE_RATE},
                    "frame_size_ms": {
                        "type": "number", "minimum": min_ms, "maximum": max_ms,
                        "default": SPEECH_STREAM_DEFAULT_FRAME_MS,
                        "description": "The duration of audio in each `speech.audio.update`, in milliseconds (the range is the fake's own).",
                    },
                },
            },
            "speech_rate": {
                "type": "integer", "minimum": min_rate, "maximum": max_rate,
                "default": SPEECH_STREAM_DEFAULT_RATE,
                "description": format!("{min_rate} is half speed, {max_rate} double."),
            },
            "voice_id": {
                "type": "string", "minLength": 1,
                "description": "A system voice, or a voice cloned in the token's workspace (another workspace's is refused); the session starts with the first system voice.",
            },
        },
    });
    if in_force {
        schema["required"] = json!(["codec", "pcm_config", "speech_rate", "voice_id"]);
        schema["properties"]["pcm_config"]["required"] = json!(["sample_rate"]);
    }
    schema
}

/// `- code rule: message` lines of error rows.
fn row_lines(rows: &[Row], with_status: bool) -> String {
    rows.iter()
        .map(|r| {
            let status = if with_status {
                format!("HTTP {} ", r.status.as_u16())
            } else {
                String::new()
            };
            format!("- {status}`{}` `{}`: {}", r.code, r.rule, r.msg)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn rows(errors: &[ApiError]) -> Vec<Row> {
    errors.iter().map(ApiError::row).collect()
}

/// The events the fake receives, in the order a session uses them.
fn client_events() -> Vec<Event> {
    let [update, append, complete] = SPEECH_STREAM_CLIENT_EVENTS;
    let text_rule = format!(
        "At most {SPEECH_STREAM_TEXT_MAX_BYTES} bytes of UTF-8 in one request: in one append, and appended until `{complete}`; more is refused with `error`."
    );
    vec![
        Event {
            description: format!(
                "Changes the session's configuration, all or nothing: answered by `{}` with the whole configuration now in force, or by `error` with nothing changed. A field not given keeps its value.",
                SPEECH_STREAM_SERVER_EVENTS[1]
            ),
            data: Some(json!({
                "type": "object",
                "properties": {"output_audio": {"$ref": "#/components/schemas/OutputAudio"}},
            })),
            example: Some(json!({"output_audio": {
                "codec": SPEECH_STREAM_CODECS[0],
                "pcm_config": {"sample_rate": SPEECH_DEFAULT_SAMPLE_RATE},
                "speech_rate": SPEECH_STREAM_DEFAULT_RATE,
                "voice_id": "7426720361733046281",
            }})),
            ..Event::new(update, Side::Client, "Sets the voice, codec, sample rate and speech rate.")
        },
        Event {
            description: text_rule.clone(),
            data: Some(json!({
                "type": "object",
                "required": ["delta"],
                "properties": {"delta": {
                    "type": "string", "maxLength": SPEECH_STREAM_TEXT_MAX_BYTES,
                    "x-max-bytes": SPEECH_STREAM_TEXT_MAX_BYTES,
                    "description": "Text to add to the buffer.",
                }},
            })),
            data_required: true,
            example: Some(json!({"delta": "今天天气不错。"})),
            ..Event::new(append, Side::Client, "Adds text to the buffer.")
        },
        Event {
            description: format!(
                "Answered by `{}`, then per sentence `{}` and its `{}` chunks, then `{}`. The buffer is empty again: a session can append and complete again.",
                SPEECH_STREAM_SERVER_EVENTS[2],
                SPEECH_STREAM_SERVER_EVENTS[3],
                SPEECH_STREAM_SERVER_EVENTS[4],
                SPEECH_STREAM_SERVER_EVENTS[5]
            ),
            ..Event::new(complete, Side::Client, "Speaks the text buffered.")
        },
    ]
}

/// The events the fake sends, in the order a session sends them.
fn server_events() -> Vec<Event> {
    let [created, updated, text_completed, sentence_start, audio, audio_completed, error] =
        SPEECH_STREAM_SERVER_EVENTS;
    let codes: Vec<Row> = rows(&stream_event_failures());
    let mut code_values: Vec<i64> = codes.iter().map(|r| r.code).collect();
    code_values.sort_unstable();
    code_values.dedup();
    vec![
        Event::new(created, Side::Server, "The session is open: sent at once."),
        Event {
            data: Some(json!({
                "type": "object",
                "required": ["output_audio"],
                "properties": {"output_audio": {"$ref": "#/components/schemas/OutputAudioInForce"}},
            })),
            data_required: true,
            ..Event::new(updated, Side::Server, "The configuration now in force, after a `speech.update`.")
        },
        Event::new(text_completed, Side::Server, "The buffer was taken to be spoken."),
        Event {
            description: "Not in any SDK's types; the recorded real session sends it.".into(),
            data: Some(json!({
                "type": "object",
                "required": ["text"],
                "properties": {"text": {"type": "string", "description": "The sentence."}},
            })),
            data_required: true,
            ..Event::new(sentence_start, Side::Server, "A sentence is about to be spoken.")
        },
        Event {
            description: "`pcm` is signed 16-bit little-endian mono; `g711a`/`g711u` one byte a sample; `opus` pieces of an Ogg Opus stream.".into(),
            data: Some(json!({
                "type": "object",
                "required": ["delta"],
                "properties": {"delta": {
                    "type": "string", "contentEncoding": "base64", "minLength": 1,
                    "description": "A chunk of audio in the session's codec and sample rate.",
                }},
            })),
            data_required: true,
            ..Event::new(audio, Side::Server, "A chunk of audio, base64.")
        },
        Event::new(audio_completed, Side::Server, "All the text completed has been spoken."),
        Event {
            description: format!(
                "A refused event changes nothing and the session stays usable. Each code, with its rule and an example message:\n{}\n\nAn injected fault (`speech_error_event`) sends the code and message it names.",
                row_lines(&codes, false)
            ),
            data: Some(json!({
                "type": "object",
                "required": ["code", "msg"],
                "properties": {
                    "code": {"type": "integer", "enum": code_values},
                    "msg": {"type": "string", "minLength": 1},
                },
            })),
            data_required: true,
            ..Event::new(error, Side::Server, "An event was refused.")
        },
    ]
}

fn events() -> Vec<Event> {
    let mut events = client_events();
    events.extend(server_events());
    events
}

/// The channel's description: the handshake, the order of a session, its bounds.
fn channel_description(permission: &str, refusals: &[Row]) -> String {
    let [update, append, complete] = SPEECH_STREAM_CLIENT_EVENTS;
    format!(
        "Coze's 双向流式语音合成 (`wss://ws.coze.cn/v1/audio/speech`) on the fake's own port. The handshake \
         is a `GET` with `Upgrade: websocket`; the token needs `{permission}`. A refused handshake is \
         answered before any upgrade with the API's envelope, its HTTP status and `x-tt-logid`:\n{}\n\n\
         An accepted one answers 101 with the session's logid in `x-tt-logid`, and the fake sends `{}`. \
         Then the client sends `{update}`, `{append}` and `{complete}` as JSON text frames, in any \
         order and as often as it likes; the fake answers each before reading the next. A binary frame, a \
         frame that is no JSON object or an unknown `event_type` is answered with `error`. The fake closes \
         the connection (close code and reason; all in `x-close-codes`) for a frame over \
         {SPEECH_STREAM_MAX_MESSAGE_BYTES} bytes, before it is read ({}), {} s without a frame ({}) and \
         {SPEECH_STREAM_MAX_REFUSALS} refused events in a row ({}).",
        row_lines(refusals, true),
        SPEECH_STREAM_SERVER_EVENTS[0],
        close_words(SPEECH_STREAM_CLOSE_TOO_LARGE),
        SPEECH_STREAM_IDLE_TIMEOUT.as_secs(),
        close_words(SPEECH_STREAM_CLOSE_IDLE),
        close_words(SPEECH_STREAM_CLOSE_REFUSALS),
    )
}

/// A close as the channel's description names it: `1009 "message too large"`.
fn close_words(close: StreamClose) -> String {
    format!("{} \"{}\"", close.code, close.reason)
}

/// The channel's `x-close-codes`: every close the fake sends of its own accord.
fn close_codes() -> Value {
    SPEECH_STREAM_CLOSES
        .iter()
        .map(|c| json!({"code": c.code, "reason": c.reason}))
        .collect()
}

/// The whole document.
pub fn document() -> Value {
    let def = Endpoint::SpeechStream
        .def()
        .expect("streaming speech is catalogued");
    let query = match def.inputs {
        Inputs::Query(params) => params,
        _ => &[],
    };
    let query_properties: Map<String, Value> = query
        .iter()
        .map(|p| {
            let mut schema = (p.schema)();
            schema["description"] = json!(p.doc);
            (p.name.to_owned(), schema)
        })
        .collect();
    let permission = def.permission().unwrap_or_default();
    let events = events();
    let channel_messages: Map<String, Value> = events
        .iter()
        .map(|e| {
            let key = e.key();
            let reference = json!({"$ref": format!("#/components/messages/{key}")});
            (key, reference)
        })
        .collect();
    let messages: Map<String, Value> = events.iter().map(|e| (e.key(), e.message())).collect();
    let operations: Map<String, Value> = events
        .iter()
        .map(|e| {
            let action = match e.side {
                Side::Client => "receive",
                Side::Server => "send",
            };
            let operation = json!({
                "action": action,
                "channel": {"$ref": format!("#/channels/{CHANNEL}")},
                "summary": e.summary,
                "messages": [{"$ref": format!("#/channels/{CHANNEL}/messages/{}", e.key())}],
            });
            (e.operation_key(), operation)
        })
        .collect();
    let security = json!([
        {"$ref": "#/components/securitySchemes/bearerHeader"},
        {"$ref": "#/components/securitySchemes/tokenQuery"},
    ]);
    let server = |protocol: &str, description: &str| {
        json!({
            "host": "{host}",
            "protocol": protocol,
            "description": description,
            "variables": {"host": {"default": "127.0.0.1:8080", "description": "Where the fake listens (`--addr`)."}},
            "security": security,
        })
    };
    let token_doc = query.first().map_or("", |p| p.doc);
    json!({
        "asyncapi": "3.0.0",
        "info": {
            "title": "coze-mock: Coze's streaming speech, as the fake serves it",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "The WebSocket of streaming speech as coze-mock serves it; the application described is the fake, which receives the client's events and sends its own. Every event type, limit, enum and `error` code here is generated from the rules the session enforces. The HTTP API is in the OpenAPI description, `{}`.",
                Endpoint::OpenApi.def().map_or("", |d| d.path)
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "fake": server("ws", "`coze-mock serve`."),
            "fakeTls": server("wss", "`coze-mock serve --tls`: the certificate it writes must be trusted."),
        },
        "channels": {
            CHANNEL: {
                "address": def.path,
                "title": def.summary,
                "description": channel_description(permission, &rows(&(def.failures)())),
                "messages": channel_messages,
                "x-close-codes": close_codes(),
                "bindings": {"ws": {
                    "method": def.method.as_str(),
                    "query": {"type": "object", "properties": query_properties},
                    "headers": {"type": "object", "properties": {"Authorization": {
                        "type": "string",
                        "description": "`Bearer <token>`.",
                    }}},
                    "bindingVersion": "0.1.0",
                }},
            },
        },
        "operations": operations,
        "components": {
            "securitySchemes": {
                "bearerHeader": {
                    "type": "http", "scheme": "bearer",
                    "description": format!("`Authorization: Bearer <token>`; the token needs `{permission}`."),
                },
                "tokenQuery": {
                    "type": "httpApiKey", "in": "query", "name": query.first().map_or("", |p| p.name),
                    "description": token_doc,
                },
            },
            "messages": messages,
            "schemas": {
                "EventId": {"type": "string", "format": "uuid", "description": "A random UUID (version 4)."},
                "SessionLogId": {
                    "type": "string", "minLength": 53, "maxLength": 53, "pattern": "^02[0-9]{13}[0-9a-f]{38}$",
                    "description": "The session's logid, in this channel's format: `02`, the Unix milliseconds of the handshake, 38 hex digits. The handshake's `x-tt-logid` too.",
                },
                "Detail": {
                    "type": "object",
                    "required": ["logid", "respond_at"],
                    "properties": {
                        "logid": {"$ref": "#/components/schemas/SessionLogId"},
                        "respond_at": {"type": "string", "pattern": "^[0-9]+$", "description": "When the event was sent, in Unix milliseconds."},
                    },
                },
                "ErrorDetail": {
                    "type": "object",
                    "required": ["logid", "respond_at"],
                    "properties": {
                        "logid": {"$ref": "#/components/schemas/SessionLogId"},
                        "respond_at": {"type": "string", "pattern": "^[0-9]+$", "description": "When the event was sent, in Unix milliseconds."},
                        "origin_message": {
                            "type": "string", "maxLength": SPEECH_STREAM_ORIGIN_MESSAGE_MAX_BYTES,
                            "x-max-bytes": SPEECH_STREAM_ORIGIN_MESSAGE_MAX_BYTES,
                            "description": "The frame refused, cut to its first bytes (empty for a binary frame; absent for an injected fault).",
                        },
                    },
                },
                "OutputAudio": output_audio(false),
                "OutputAudioInForce": output_audio(true),
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::api::speech_ws::codec::OutputConfig;
    use crate::api::speech_ws::events::{ClientEvent, ServerEvent};

    fn at<'a>(doc: &'a Value, pointer: &str) -> &'a Value {
        doc.pointer(pointer)
            .unwrap_or_else(|| panic!("{pointer} is not in the document"))
    }

    /// The messages of the operations whose action is `action`, resolved through the channel.
    fn messages<'a>(doc: &'a Value, action: &str) -> Vec<&'a Value> {
        let resolve = |reference: &Value| {
            at(
                doc,
                reference["$ref"].as_str().unwrap().trim_start_matches('#'),
            )
        };
        doc["operations"]
            .as_object()
            .unwrap()
            .values()
            .filter(|op| op["action"] == action)
            .flat_map(|op| op["messages"].as_array().unwrap())
            .map(|channel_message| resolve(resolve(channel_message)))
            .collect()
    }

    fn event_types(messages: &[&Value]) -> BTreeSet<String> {
        messages
            .iter()
            .map(|m| {
                m["payload"]["properties"]["event_type"]["const"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    }

    /// One event of each kind the session sends, rendered.
    fn every_server_event() -> Vec<Value> {
        let mut framed = OutputConfig::new("7426720361733046281".into());
        framed.frame_size_ms = Some(20.0);
        let refused = ApiError::StreamTextTooLong { bytes: 2000 }.row();
        let events = [
            ServerEvent::Created,
            ServerEvent::Updated(OutputConfig::new("7426720361733046281".into()).to_json()),
            ServerEvent::Updated(framed.to_json()),
            ServerEvent::TextCompleted,
            ServerEvent::SentenceStart("今天天气不错。".into()),
            ServerEvent::Audio(vec![1, 0, 255, 127]),
            ServerEvent::AudioCompleted,
            ServerEvent::Error {
                code: refused.code,
                msg: refused.msg.clone(),
                origin: Some("{}".into()),
            },
            ServerEvent::Error {
                code: 5000,
                msg: "injected".into(),
                origin: None,
            },
        ];
        for event in &events {
            // A new kind of event fails to compile here: add one of it above.
            match event {
                ServerEvent::Created
                | ServerEvent::Updated(_)
                | ServerEvent::TextCompleted
                | ServerEvent::SentenceStart(_)
                | ServerEvent::Audio(_)
                | ServerEvent::AudioCompleted
                | ServerEvent::Error { .. } => {}
            }
        }
        events
            .iter()
            .map(|e| serde_json::from_str(&e.render("logid", 0)).unwrap())
            .collect()
    }

    #[test]
    fn every_event_the_session_accepts_or_sends_is_in_the_document_and_nothing_else() {
        let doc = document();
        let received = messages(&doc, "receive");
        let sent = messages(&doc, "send");
        assert_eq!(
            event_types(&received),
            SPEECH_STREAM_CLIENT_EVENTS.map(str::to_owned).into(),
            "the events the session parses"
        );
        // Each kind of event the parser yields, numbered: a new kind fails to compile here until it
        // is numbered, and then this test until the document describes it.
        let kind = |event: &ClientEvent| match event {
            ClientEvent::Update(_) => 0,
            ClientEvent::Append(_) => 1,
            ClientEvent::Complete => 2,
        };
        let mut kinds = BTreeSet::new();
        for message in &received {
            let example = &message["examples"][0]["payload"];
            let payload = if example.is_null() {
                json!({"event_type": message["name"]})
            } else {
                example.clone()
            };
            let event = ClientEvent::parse(&payload).unwrap_or_else(|e| panic!("{payload}: {e:?}"));
            kinds.insert(kind(&event));
        }
        assert_eq!(
            kinds,
            (0..3).collect(),
            "every kind of client event is described"
        );
        let rendered: BTreeSet<String> = every_server_event()
            .iter()
            .map(|e| e["event_type"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(event_types(&sent), rendered, "the events the session sends");
        for event_type in rendered
            .iter()
            .map(String::as_str)
            .chain(["speech.start", ""])
        {
            assert_eq!(
                ClientEvent::parse(&json!({"event_type": event_type}))
                    .unwrap_err()
                    .rule(),
                "speech_stream.event_unknown",
                "{event_type} is not an event a client sends"
            );
        }
    }

    /// Every field of every event the session sends is documented in its message's payload.
    #[test]
    fn each_sent_event_has_exactly_the_fields_its_message_documents() {
        let doc = document();
        let sent = messages(&doc, "send");
        for event in every_server_event() {
            let message = sent
                .iter()
                .find(|m| m["name"] == event["event_type"])
                .unwrap();
            let payload = &message["payload"];
            let documented: BTreeSet<&String> =
                payload["properties"].as_object().unwrap().keys().collect();
            let fields: BTreeSet<&String> = event.as_object().unwrap().keys().collect();
            assert!(fields.is_subset(&documented), "{event}");
            for required in payload["required"].as_array().unwrap() {
                assert!(
                    event.get(required.as_str().unwrap()).is_some(),
                    "{event}: {required}"
                );
            }
            if let Some(data) = event.get("data") {
                let documented: BTreeSet<&String> = payload["properties"]["data"]["properties"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .collect();
                let fields: BTreeSet<&String> = data.as_object().unwrap().keys().collect();
                assert!(fields.is_subset(&documented), "{event}");
            }
        }
    }

    #[test]
    fn output_audio_enums_ranges_and_defaults_are_what_the_session_takes() {
        let doc = document();
        let fields = at(&doc, "/components/schemas/OutputAudio/properties");
        let update = |output_audio: Value| {
            ClientEvent::parse(&json!({"event_type": SPEECH_STREAM_CLIENT_EVENTS[0], "data": {"output_audio": output_audio}}))
                .is_ok()
        };
        for codec in fields["codec"]["enum"].as_array().unwrap() {
            assert!(update(json!({"codec": codec})), "{codec}");
        }
        assert!(!update(json!({"codec": "mp3"})));
        let rates = &fields["pcm_config"]["properties"]["sample_rate"]["enum"];
        for rate in 0..=96_000 {
            assert_eq!(
                update(json!({"pcm_config": {"sample_rate": rate}})),
                rates.as_array().unwrap().contains(&json!(rate)),
                "{rate} Hz"
            );
        }
        for (field, schema, step) in [
            ("speech_rate", &fields["speech_rate"], 1.0),
            (
                "frame_size_ms",
                &fields["pcm_config"]["properties"]["frame_size_ms"],
                0.5,
            ),
        ] {
            let (min, max) = (
                schema["minimum"].as_f64().unwrap(),
                schema["maximum"].as_f64().unwrap(),
            );
            for (value, accepted) in [
                (min, true),
                (max, true),
                (min - step, false),
                (max + step, false),
            ] {
                let value = if field == "speech_rate" {
                    json!(value as i64)
                } else {
                    json!(value)
                };
                let output_audio = if field == "speech_rate" {
                    json!({"speech_rate": value})
                } else {
                    json!({"pcm_config": {"frame_size_ms": value}})
                };
                assert_eq!(update(output_audio), accepted, "{field} {value}");
            }
        }
        let defaults = OutputConfig::new("1".into());
        assert_eq!(fields["codec"]["default"], defaults.codec);
        assert_eq!(
            fields["pcm_config"]["properties"]["sample_rate"]["default"],
            defaults.sample_rate
        );
        assert_eq!(fields["speech_rate"]["default"], defaults.speech_rate);
        assert_eq!(
            fields["pcm_config"]["properties"]["frame_size_ms"]["default"].as_f64(),
            Some(defaults.frame_ms())
        );
    }

    #[test]
    fn the_error_event_documents_the_code_of_every_refusal_and_the_handshake_every_http_one() {
        let doc = document();
        let codes = at(
            &doc,
            "/components/messages/error/payload/properties/data/properties/code/enum",
        );
        for e in stream_event_failures() {
            assert!(
                codes.as_array().unwrap().contains(&json!(e.row().code)),
                "{}",
                e.row().rule
            );
        }
        let channel = at(&doc, "/channels/speech/description").as_str().unwrap();
        for e in (Endpoint::SpeechStream.def().unwrap().failures)() {
            assert!(channel.contains(e.row().rule), "{}", e.row().rule);
        }
    }

    #[test]
    fn the_close_codes_are_the_sessions_and_the_description_names_each() {
        let doc = document();
        let listed: Vec<(u64, &str)> = at(&doc, "/channels/speech/x-close-codes")
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["code"].as_u64().unwrap(), c["reason"].as_str().unwrap()))
            .collect();
        let expected: Vec<(u64, &str)> = [
            SPEECH_STREAM_CLOSE_IDLE,
            SPEECH_STREAM_CLOSE_REFUSALS,
            SPEECH_STREAM_CLOSE_TOO_LARGE,
        ]
        .iter()
        .map(|c| (u64::from(c.code), c.reason))
        .collect();
        assert_eq!(listed, expected);
        let channel = at(&doc, "/channels/speech/description").as_str().unwrap();
        for close in SPEECH_STREAM_CLOSES {
            assert!(channel.contains(&close_words(close)), "{close:?}");
        }
    }

    #[test]
    fn the_document_as_served() {
        insta::assert_json_snapshot!(document(), {".info.version" => "[version]"});
    }
}
