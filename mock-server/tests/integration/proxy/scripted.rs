//! A scripted upstream: a raw HTTP/1.1 listener answering each request line with fixed bytes (the real
//! 4101 of coze-dev/coze-js#100 to a clone), slowly, or not at all; and the captured requests of real
//! clients (`fixtures/requests/`) sent through the proxy to it, byte for byte.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use coze_mock::__internals::proxy::drift::Outcome;
use coze_mock::__internals::proxy::spend::Spend;
use coze_mock::__internals::proxy::{ProxyServer, ProxySettings};
use coze_mock::config::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::{exchange, report_after, rows};
use crate::support::raw::read_answer;

/// What the scripted upstream does with one request.
#[derive(Clone)]
pub(crate) enum Act {
    /// Writes these bytes (a whole answer).
    Answer(Vec<u8>),
    /// Waits, then writes these bytes.
    Slow(Duration, Vec<u8>),
    /// Closes the connection without a byte.
    Close,
    /// Writes these bytes (the start of an answer), then closes.
    PartThenClose(Vec<u8>),
}

/// The upstream; stopped when dropped.
pub(crate) struct Scripted {
    pub(crate) url: String,
    /// The request line of every request it read.
    pub(crate) received: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Scripted {
    /// Starts an upstream that answers each request as `script` says for its request line.
    pub(crate) async fn start(script: fn(&str) -> Act) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(serve(stream, script, log));
            }
        });
        Scripted {
            url,
            received,
            task,
        }
    }
}

async fn serve(mut stream: TcpStream, script: fn(&str) -> Act, log: Arc<Mutex<Vec<String>>>) {
    loop {
        let Some(line) = read_request(&mut stream).await else {
            return;
        };
        log.lock().unwrap().push(line.clone());
        match script(&line) {
            Act::Answer(bytes) => {
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            Act::Slow(wait, bytes) => {
                tokio::time::sleep(wait).await;
                let _ = stream.write_all(&bytes).await;
                return;
            }
            Act::Close => return,
            Act::PartThenClose(bytes) => {
                let _ = stream.write_all(&bytes).await;
                let _ = stream.flush().await;
                return;
            }
        }
    }
}

/// Reads one request with a `Content-Length` body; its request line.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    head.lines().next().map(str::to_owned)
}

/// An HTTP/1.1 answer with these headers and body.
pub(crate) fn answer(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// The logid of the real 4101 (coze-dev/coze-js#100).
const REAL_4101_LOGID: &str = "20250220140502E94519CAF2285CA7581E";

/// The real refusal of a clone by a plan that may not clone (coze-dev/coze-js#100), on HTTP 403 (the
/// issue's SDK raised it from its non-2xx path).
fn real_4101() -> Vec<u8> {
    let body = format!(
        r#"{{"code":4101,"msg":"Your connector token does not have permission to access CloneVoice. Please verify whether the resource ID or token is correct, and ensure that the necessary permissions are enabled at https://www.coze.cn/open/oauth/apps. For further details, please refer to the documentation at https://www.coze.cn/docs/developer_guides/authentication.","detail":{{"logid":"{REAL_4101_LOGID}"}}}}"#
    );
    answer(
        "403 Forbidden",
        &[
            ("Content-Type", "application/json; charset=utf-8"),
            ("X-Tt-Logid", REAL_4101_LOGID),
        ],
        body.as_bytes(),
    )
}

/// The voice the captured retrain and speech requests name.
const CAPTURED_VOICE_ID: &str = "7468518753626652713";

fn list_body() -> String {
    format!(
        r#"{{"code":0,"msg":"","data":{{"voice_list":[{{"voice_id":"{CAPTURED_VOICE_ID}","name":"jay","is_system_voice":false,"language_code":"zh","language_name":"中文","preview_text":"你好","preview_audio":"https://example.invalid/a.mp3","available_training_times":9,"create_time":1732500000,"update_time":1732500000,"model_type":"big","state":"cloned"}}],"has_more":false}},"detail":{{"logid":"20251125101500ABCDEF0123456789ABCD"}}}}"#
    )
}

const SPEECH_BYTES: &[u8] = b"ID3\x04\x00\x00\x00\x00\x00\x00scripted mp3 bytes";

/// Answers a clone with the real 4101, the list with one voice, speech with a few mp3 bytes.
pub(crate) fn real_like(line: &str) -> Act {
    if line.starts_with("POST /v1/audio/voices/clone") {
        Act::Answer(real_4101())
    } else if line.starts_with("GET /v1/audio/voices") {
        Act::Answer(answer(
            "200 OK",
            &[
                ("Content-Type", "application/json; charset=utf-8"),
                ("X-Tt-Logid", "20251125101500ABCDEF0123456789ABCD"),
            ],
            list_body().as_bytes(),
        ))
    } else if line.starts_with("POST /v1/audio/speech") {
        Act::Answer(answer(
            "200 OK",
            &[
                ("Content-Type", "audio/mpeg"),
                ("X-Tt-Logid", "20251125101501ABCDEF0123456789ABCD"),
            ],
            SPEECH_BYTES,
        ))
    } else {
        Act::Answer(answer(
            "404 Not Found",
            &[("Content-Type", "text/plain")],
            b"404 page not found",
        ))
    }
}

fn vector(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/requests")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Sends a captured request's bytes to `base` and reads the answer raw.
async fn send_raw(base: &str, bytes: &[u8]) -> crate::support::answer::Answer {
    let mut stream = TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .unwrap();
    stream.write_all(bytes).await.unwrap();
    read_answer(&mut stream).await.expect("a whole answer")
}

#[tokio::test]
async fn captured_requests_reach_the_scripted_upstream_and_its_answers_reach_the_client_byte_for_byte(
) {
    let upstream = Scripted::start(real_like).await;
    let proxy = ProxyServer::start(
        &Config::default(),
        ProxySettings::new(&upstream.url, Spend::All),
    )
    .await
    .unwrap();
    let clone = send_raw(&proxy.uri(), &vector("cozepy_clone.http")).await;
    let expected = real_4101();
    let body_at = expected.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert_eq!(clone.status, 403);
    assert_eq!(
        clone.bytes,
        &expected[body_at..],
        "the real 4101, byte for byte"
    );
    assert_eq!(clone.header("x-tt-logid"), REAL_4101_LOGID);
    assert_eq!(
        clone.header("content-type"),
        "application/json; charset=utf-8"
    );

    let list = send_raw(&proxy.uri(), &vector("cozepy_list.http")).await;
    assert_eq!(list.bytes, list_body().as_bytes());
    let speech = send_raw(&proxy.uri(), &vector("cozepy_speech.http")).await;
    assert_eq!(
        (speech.status, speech.bytes.as_slice()),
        (200, SPEECH_BYTES)
    );
    assert_eq!(speech.header("content-type"), "audio/mpeg");

    let report = report_after(&proxy, 3).await;
    assert_eq!(
        rows(exchange(&report, 1)),
        ["clone.plans"],
        "the real 4101 where the fake clones"
    );
    assert_eq!(exchange(&report, 1).logid.as_deref(), Some(REAL_4101_LOGID));
    assert_eq!(exchange(&report, 2).outcome, Outcome::Agreed);
    // The list made the captured voice the shadow's: the speech naming it is judged against it.
    assert_eq!(
        exchange(&report, 3).outcome,
        Outcome::Agreed,
        "{:#?}",
        exchange(&report, 3)
    );
    let received = upstream.received.lock().unwrap().clone();
    assert_eq!(received.len(), 3, "{received:?}");
}
