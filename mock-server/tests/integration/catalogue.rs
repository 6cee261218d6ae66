//! The catalogue's failures, derived from reality. [`cases`] is a table of requests, each meant to provoke
//! one failure; every one is sent over HTTP to a real server on 127.0.0.1 port 0, and the catalogue
//! (the library's `catalogue`) must agree with what the server answered:
//!
//! - the catalogue finds each request's endpoint by its method and path;
//! - every failure answered is one the catalogue lists for that endpoint, with the code and status of
//!   its row;
//! - every failure the catalogue lists for an endpoint is answered to some request of the table.
//!
//! So a failure a handler answers but the catalogue (and with it the OpenAPI description and the report's
//! coverage) leaves out fails the test, and so does a catalogued failure no request can provoke. The one
//! exception is [`NOT_PROVOKABLE`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use coze_mock::__internals::catalogue::{find, Endpoint, ENDPOINTS};
use coze_mock::__internals::server::{serve_with, Options};
use coze_mock::config::Config;
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use crate::support::answer::Answer;
use crate::support::api::Api;
use crate::support::clone_form::CloneForm;
use crate::support::defaults::SYSTEM_VOICE;
use crate::support::raw::read_answer;
use crate::support::team::{COLLEAGUE_SPACE, TEAM_PERSONAL_SPACE, TEST_CONFIG};

/// Rules the catalogue lists that no request can cause: `internal` is the fake's own failure (its
/// storage failing), mapped from the store's errors in `error.rs`, whose tests cover that mapping.
const NOT_PROVOKABLE: [&str; 1] = ["internal"];

/// The admin token of the server under test.
const ADMIN_TOKEN: &str = "admin-secret";
/// A voice of `pat_team`'s personal workspace that has been trained as often as one voice id may be.
const WORN_OUT_VOICE: &str = "7100000000000000001";
/// A voice of a workspace `pat_team` is not a member of.
const COLLEAGUES_VOICE: &str = "7100000000000000002";
/// An id no voice has.
const NO_VOICE: &str = "7199999999999999999";

/// The test configuration plus the voices the cases need, with durations judged strictly (so a 2 s
/// sample is refused) and a body deadline of 2 s (so the slow bodies are answered in seconds; the others,
/// sent at once, never wait that long between chunks).
fn config() -> Config {
    let extra = format!(
        r#"
[audio]
strict_duration = true

[limits]
body_deadline_secs = 2.0

[[voices]]
voice_id = "{WORN_OUT_VOICE}"
space_id = "{TEAM_PERSONAL_SPACE}"
name = "worn out"
available_training_times = 0

[[voices]]
voice_id = "{COLLEAGUES_VOICE}"
space_id = "{COLLEAGUE_SPACE}"
name = "the colleague's"
"#
    );
    Config::from_toml(&format!("{TEST_CONFIG}\n{extra}")).expect("the test configuration parses")
}

/// How a case's request is sent.
enum Request {
    /// A request reqwest sends as built.
    Http(reqwest::Request),
    /// A clone form (reqwest cannot clone a multipart request, so it is built when sent).
    Clone(CloneForm),
    /// A request head and the start of its body on a raw connection; then nothing (`trickle` false), or
    /// the rest of the body a byte every 200 ms.
    Slow {
        head: String,
        body: Vec<u8>,
        trickle: bool,
    },
}

/// One request of the table: the rule it is meant to provoke, what to send first, and the request.
struct Case {
    rule: &'static str,
    before: Option<CloneForm>,
    request: Request,
}

fn case(rule: &'static str, request: Request) -> Case {
    Case {
        rule,
        before: None,
        request,
    }
}

/// A clone of `pat_team` that changes one thing of a valid one.
fn clone(rule: &'static str, change: impl FnOnce(CloneForm) -> CloneForm) -> Case {
    case(rule, Request::Clone(change(CloneForm::valid("pat_team"))))
}

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/audio")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A clone of `pat_team` uploading the fixture `file` declared as `audio_format`.
fn clone_fixture(rule: &'static str, file: &str, audio_format: Option<&str>) -> Case {
    let bytes = fixture(file);
    clone(rule, |form| {
        form.file(bytes, Some(file))
            .without("audio_format")
            .field_if("audio_format", audio_format)
    })
}

/// Builds the requests that are not clone forms.
struct Requests {
    api: Api,
}

impl Requests {
    fn build(&self, method: Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let request = self.api.http.request(method, self.api.url(path));
        match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        }
    }

    fn http(&self, builder: reqwest::RequestBuilder) -> Request {
        Request::Http(builder.build().expect("a valid request"))
    }

    fn list(&self, token: Option<&str>, query: &str) -> Request {
        self.http(self.build(Method::GET, &format!("/v1/audio/voices?{query}"), token))
    }

    fn speech(&self, token: Option<&str>, body: serde_json::Value) -> Request {
        self.http(
            self.build(Method::POST, "/v1/audio/speech", token)
                .json(&body),
        )
    }

    fn with_header(&self, method: Method, path: &str, authorization: &str) -> Request {
        self.http(
            self.build(method, path, None)
                .header("authorization", authorization),
        )
    }

    fn admin(&self, method: Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        self.build(method, &format!("/__admin{path}"), token)
    }
}

/// A POST head to `path` with `token`, declaring a 1000-byte body of `content_type`.
fn slow_head(path: &str, token: &str, content_type: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: coze\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: {content_type}\r\nContent-Length: 1000\r\n\r\n"
    )
}

/// The body deadline's two cases on a POST to `path`: the start of its body then nothing, and its body a
/// byte every 200 ms.
fn slow_bodies(path: &str, token: &str, content_type: &str, start: &[u8]) -> [Case; 2] {
    [
        case(
            "body.stalled",
            Request::Slow {
                head: slow_head(path, token, content_type),
                body: start.to_vec(),
                trickle: false,
            },
        ),
        case(
            "body.trickling",
            Request::Slow {
                head: slow_head(path, token, content_type),
                body: vec![b' '; 1000],
                trickle: true,
            },
        ),
    ]
}

/// Every case of the table.
fn cases(requests: &Requests) -> Vec<Case> {
    let r = requests;
    let hi = || json!({"input": "hi", "voice_id": SYSTEM_VOICE});
    let mut cases = vec![
        // The clone: who may clone.
        clone("auth.header_missing", CloneForm::no_token),
        case(
            "auth.not_bearer",
            r.http(
                r.build(Method::POST, "/v1/audio/voices/clone", None)
                    .header("authorization", "Token pat_team")
                    .multipart(
                        Form::new().part("file", Part::bytes(fixture("streaming-size.wav"))),
                    ),
            ),
        ),
        clone("auth.token_unknown", |f| f.token("pat_nobody")),
        clone("auth.token_expired", |f| f.token("pat_expired")),
        clone("auth.permission_missing", |f| f.token("pat_no_permission")),
        clone("account.plan_cannot_clone", |f| f.token("pat_solo")),
        clone("account.in_arrears", |f| f.token("pat_debtor")),
        clone("space.not_member", |f| f.field("space_id", COLLEAGUE_SPACE)),
        Case {
            rule: "account.no_voice_slots",
            before: Some(CloneForm::valid("pat_small").field("voice_name", "first")),
            request: Request::Clone(CloneForm::valid("pat_small").field("voice_name", "second")),
        },
        clone("voice_id.clone_limit", |f| {
            f.field("voice_id", WORN_OUT_VOICE)
        }),
        clone("voice_id.not_found", |f| f.field("voice_id", NO_VOICE)),
        // The clone: the form.
        case(
            "body.not_multipart",
            r.http(
                r.build(Method::POST, "/v1/audio/voices/clone", Some("pat_team"))
                    .json(&json!({"voice_name": "jay"})),
            ),
        ),
        case(
            "body.malformed_multipart",
            r.http(
                r.build(Method::POST, "/v1/audio/voices/clone", Some("pat_team"))
                    .header("content-type", "multipart/form-data; boundary=B")
                    .body("--B\r\nContent-Disposition: form-data; name=\"voice_name\"\r\n\r\njay"),
            ),
        ),
        clone("body.duplicate_field", |f| {
            f.extra_field("voice_name", "again")
        }),
        case(
            "body.invalid_field",
            r.http(
                r.build(Method::POST, "/v1/audio/voices/clone", Some("pat_team"))
                    .multipart(
                        Form::new()
                            .text("voice_name", "jay")
                            .part("text", Part::bytes(vec![0xff, 0xfe])),
                    ),
            ),
        ),
        clone("voice_name.required", |f| f.without("voice_name")),
        clone("voice_name.max_bytes", |f| {
            f.field("voice_name", &"n".repeat(129))
        }),
        clone("text.max_bytes", |f| f.field("text", &"t".repeat(1025))),
        clone("language.supported", |f| f.field("language", "fr")),
        clone("audio_format.supported", |f| {
            f.field("audio_format", "flac")
        }),
        clone("id.malformed", |f| f.field("voice_id", "abc")),
        clone("file.required", |f| f.without("file")),
        clone("file.at_most_one", |f| {
            f.extra_file("file", fixture("streaming-size.wav"), "second.wav")
        }),
        clone("file.max_size", |f| {
            f.file(vec![0; 10 * 1024 * 1024 + 1], Some("big.wav"))
        }),
        // The clone: the audio, judged by its bytes (fixtures/audio/verdicts.toml).
        clone_fixture("audio_format.required", "speech-faststart.m4a", None),
        clone_fixture("audio.empty", "empty.wav", Some("wav")),
        clone_fixture("audio.format_unrecognised", "text-named.wav", Some("wav")),
        clone_fixture("audio.format_unsupported", "speech.flac", None),
        clone_fixture("audio.format_mismatch", "wav-bytes-named.pcm", Some("pcm")),
        clone_fixture("audio.truncated", "truncated.wav", Some("wav")),
        clone_fixture("audio.corrupt", "broken-chain.mp3", Some("mp3")),
        clone_fixture("audio.pcm_24k_mono", "speech.16k.pcm", Some("pcm")),
        clone_fixture("audio.duration", "too-short-2s.mp3", Some("mp3")),
        {
            let mut wer = clone_fixture("text.wer", "speech-16k-transcript.wav", Some("wav"));
            if let Request::Clone(form) = wer.request {
                wer.request = Request::Clone(form.field("text", "words about the weather only"));
            }
            wer
        },
        // The voice list.
        case("auth.header_missing", r.list(None, "")),
        case(
            "auth.not_bearer",
            r.with_header(Method::GET, "/v1/audio/voices", "Basic cGF0X3RlYW0="),
        ),
        case("auth.token_unknown", r.list(Some("pat_nobody"), "")),
        case("auth.token_expired", r.list(Some("pat_expired"), "")),
        case(
            "auth.permission_missing",
            r.list(Some("pat_no_permission"), ""),
        ),
        case(
            "list.param_invalid",
            r.list(Some("pat_team"), "page_size=0"),
        ),
        // Speech.
        case("auth.header_missing", r.speech(None, hi())),
        case(
            "auth.not_bearer",
            r.with_header(Method::POST, "/v1/audio/speech", "pat_team"),
        ),
        case("auth.token_unknown", r.speech(Some("pat_nobody"), hi())),
        case("auth.token_expired", r.speech(Some("pat_expired"), hi())),
        case(
            "auth.permission_missing",
            r.speech(Some("pat_no_permission"), hi()),
        ),
        case(
            "speech.body_invalid",
            r.speech(Some("pat_team"), json!({"voice_id": SYSTEM_VOICE})),
        ),
        case(
            "speech.input_max_bytes",
            r.speech(
                Some("pat_team"),
                json!({"input": "i".repeat(1025), "voice_id": SYSTEM_VOICE}),
            ),
        ),
        case(
            "speech.response_format",
            r.speech(
                Some("pat_team"),
                json!({"input": "hi", "voice_id": SYSTEM_VOICE, "response_format": "flac"}),
            ),
        ),
        case(
            "speech.speed_range",
            r.speech(
                Some("pat_team"),
                json!({"input": "hi", "voice_id": SYSTEM_VOICE, "speed": 9}),
            ),
        ),
        case(
            "speech.param_invalid",
            r.speech(
                Some("pat_team"),
                json!({"input": "hi", "voice_id": SYSTEM_VOICE, "loudness_rate": 448}),
            ),
        ),
        case(
            "speech.sample_rate",
            r.speech(
                Some("pat_team"),
                json!({"input": "hi", "voice_id": SYSTEM_VOICE, "sample_rate": 11025}),
            ),
        ),
        case(
            "voice.unknown",
            r.speech(
                Some("pat_team"),
                json!({"input": "hi", "voice_id": NO_VOICE}),
            ),
        ),
        case(
            "voice.other_space",
            r.speech(
                Some("pat_team"),
                json!({"input": "hi", "voice_id": COLLEAGUES_VOICE}),
            ),
        ),
        // Streaming speech: a handshake is refused before the upgrade; a plain GET is no handshake.
        case(
            "auth.header_missing",
            r.http(r.build(Method::GET, "/v1/audio/speech", None)),
        ),
        case(
            "auth.not_bearer",
            r.with_header(Method::GET, "/v1/audio/speech", "Token pat_team"),
        ),
        case(
            "auth.token_unknown",
            r.http(r.build(
                Method::GET,
                "/v1/audio/speech?authorization=Bearer%20pat_nobody",
                None,
            )),
        ),
        case(
            "auth.token_expired",
            r.http(r.build(Method::GET, "/v1/audio/speech", Some("pat_expired"))),
        ),
        case(
            "auth.permission_missing",
            r.http(r.build(Method::GET, "/v1/audio/speech", Some("pat_no_permission"))),
        ),
        case(
            "speech_stream.upgrade_required",
            r.http(r.build(Method::GET, "/v1/audio/speech", Some("pat_team"))),
        ),
        // The preview audio.
        case(
            "voice.unknown",
            r.http(r.build(
                Method::GET,
                &format!("/__mock/preview_audio/{NO_VOICE}.wav"),
                None,
            )),
        ),
        // The admin API: refused without the admin token; its inputs refused with it.
        case(
            "admin.invalid",
            r.http(
                r.admin(Method::POST, "/seed", Some(ADMIN_TOKEN))
                    .json(&json!([])),
            ),
        ),
        case(
            "admin.invalid",
            r.http(r.admin(Method::GET, "/journal?after=soon", Some(ADMIN_TOKEN))),
        ),
        case(
            "admin.invalid",
            r.http(r.admin(Method::GET, "/report?format=pdf", Some(ADMIN_TOKEN))),
        ),
        case(
            "admin.invalid",
            r.http(
                r.admin(Method::POST, "/faults", Some(ADMIN_TOKEN))
                    .json(&json!({"action": {"kind": "teleport"}})),
            ),
        ),
        case(
            "admin.invalid",
            r.http(
                r.admin(Method::POST, "/expect", Some(ADMIN_TOKEN))
                    .json(&json!({"expect": "sometimes"})),
            ),
        ),
    ];
    for (method, path) in [
        (Method::POST, "/reset"),
        (Method::POST, "/seed"),
        (Method::GET, "/voices"),
        (Method::GET, "/journal"),
        (Method::GET, "/report"),
        (Method::GET, "/fidelity"),
        (Method::GET, "/accounts"),
        (Method::GET, "/faults"),
        (Method::POST, "/faults"),
        (Method::DELETE, "/faults"),
        (Method::DELETE, "/report"),
        (Method::GET, "/expect"),
        (Method::POST, "/expect"),
        (Method::DELETE, "/expect"),
    ] {
        cases.push(case(
            "admin.unauthorized",
            r.http(r.admin(method, path, None)),
        ));
    }
    // Every endpoint that reads a body, under the body deadline.
    let json = "application/json";
    for (path, token, content_type, start) in [
        (
            "/v1/audio/voices/clone",
            "pat_team",
            "multipart/form-data; boundary=B",
            &b"--B\r\nContent-Disposition: form-data; name=\"voice_name\"\r\n\r\n"[..],
        ),
        (
            "/v1/audio/speech",
            "pat_team",
            json,
            br#"{"input": "hi", "voice_id": "#,
        ),
        ("/__admin/seed", ADMIN_TOKEN, json, br#"{"voices": ["#),
        ("/__admin/faults", ADMIN_TOKEN, json, br#"{"action": "#),
        ("/__admin/expect", ADMIN_TOKEN, json, br#"{"expect": "#),
    ] {
        cases.extend(slow_bodies(path, token, content_type, start));
    }
    cases
}

/// The method and path a case's request goes to.
fn target(request: &Request) -> (Method, String) {
    match request {
        Request::Http(r) => (r.method().clone(), r.url().path().to_owned()),
        Request::Clone(_) => (Method::POST, "/v1/audio/voices/clone".to_owned()),
        Request::Slow { head, .. } => {
            let mut words = head.split_whitespace();
            let method = words.next().expect("a method").parse().expect("a method");
            (method, words.next().expect("a path").to_owned())
        }
    }
}

/// Sends a case's request and reads its answer.
async fn send(api: &Api, addr: std::net::SocketAddr, request: Request) -> Answer {
    match request {
        Request::Http(r) => Answer::read(api.http.execute(r).await.expect("sent")).await,
        Request::Clone(form) => form.send(api).await,
        Request::Slow {
            head,
            body,
            trickle,
        } => {
            let (mut reader, mut writer) = TcpStream::connect(addr)
                .await
                .expect("connect")
                .into_split();
            writer.write_all(head.as_bytes()).await.expect("head");
            let writing = tokio::spawn(async move {
                if !trickle {
                    writer.write_all(&body).await.expect("body");
                    // Holds the connection open, sending nothing more.
                    std::future::pending::<()>().await;
                }
                for byte in body {
                    if writer.write_all(&[byte]).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            });
            let answer = tokio::time::timeout(Duration::from_secs(60), read_answer(&mut reader))
                .await
                .expect("the server's body deadline answers within the bound")
                .unwrap_or_else(|cut| panic!("no answer: {cut:?}"));
            writing.abort();
            answer
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_failure_is_catalogued_and_every_catalogued_failure_happens() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let options = Options {
        admin_token: Some(ADMIN_TOKEN.to_owned()),
        ..Options::default()
    };
    // Runs until the test's runtime ends, whether the test passes or fails.
    tokio::spawn(
        async move { serve_with(listener, &config(), &options, std::future::pending()).await },
    );
    let api = Api::new(format!("http://{addr}"));
    let table = cases(&Requests {
        api: Api::new(api.base.clone()),
    });

    let answers = futures_util::future::join_all(table.into_iter().map(|case| {
        let api = &api;
        async move {
            let (method, path) = target(&case.request);
            let endpoint = find(&method, &path)
                .unwrap_or_else(|| panic!("the catalogue finds no endpoint for {method} {path}"))
                .endpoint;
            if let Some(before) = case.before {
                before.send(api).await.assert_ok();
            }
            let answer = send(api, addr, case.request).await;
            assert_eq!(
                answer.rule(),
                case.rule,
                "{method} {path} meant to provoke {}: {}",
                case.rule,
                String::from_utf8_lossy(&answer.bytes)
            );
            (endpoint, answer)
        }
    }))
    .await;

    let mut answered: BTreeMap<Endpoint, BTreeSet<String>> = BTreeMap::new();
    for (endpoint, answer) in answers {
        let def = endpoint.def().expect("found in the catalogue");
        let listed = (def.failures)()
            .into_iter()
            .map(|f| f.row())
            .find(|row| row.rule == answer.rule());
        let Some(row) = listed else {
            panic!(
                "{} answered {}, which its catalogue entry does not list",
                def.name,
                answer.rule()
            );
        };
        assert_eq!(
            (answer.status, answer.code()),
            (row.status.as_u16(), row.code),
            "{}: {}",
            def.name,
            row.rule
        );
        answered
            .entry(endpoint)
            .or_default()
            .insert(answer.rule().to_owned());
    }
    for def in &ENDPOINTS {
        for failure in (def.failures)() {
            let rule = failure.rule();
            let seen = answered
                .get(&def.endpoint)
                .is_some_and(|rules| rules.contains(rule));
            assert!(
                seen || NOT_PROVOKABLE.contains(&rule),
                "the catalogue lists {rule} for {}, but no request of the table provoked it",
                def.name
            );
        }
    }
}
