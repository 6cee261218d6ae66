//! Bounded fuzzing in CI: arbitrary bytes, boundaries, headers and chunkings thrown at the clone
//! endpoint (through the router, `oneshot`) and at the audio sniffers. No panic, no hang, and every
//! answer a well-formed envelope. The unbounded version is the cargo-fuzz target in `fuzz/`.
//!
//! `PROPTEST_CASES` raises the number of cases (default 64 per property).

use std::convert::Infallible;
use std::sync::OnceLock;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use coze_mock::__internals::api::router;
use coze_mock::__internals::audio::{AudioSniffer, PcmHint};
use coze_mock::__internals::envelope::LogId;
use coze_mock::__internals::server::{build_state, Options};
use coze_mock::__internals::state::AppState;
use coze_mock::config::Config;
use coze_mock::rules::AudioFormat;
use http::Request;
use http_body_util::BodyExt;
use proptest::prelude::*;
use tower::ServiceExt;

/// The longest a request may take before it counts as a hang.
const HANG_BOUND: Duration = Duration::from_secs(10);

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(64);
    ProptestConfig::with_cases(cases)
}

/// One runtime for every case: `proptest!` bodies are not async (proptest#179).
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime")
    })
}

/// One in-memory state shared by every case, as one server would be hammered: the default token on
/// an account with slots enough that successes never run out.
fn state() -> AppState {
    static STATE: OnceLock<AppState> = OnceLock::new();
    STATE
        .get_or_init(|| {
            let mut config = Config::default();
            config.accounts[0].bought_voice_slots = 1_000_000;
            build_state(&config, &Options::default(), true).expect("a valid state")
        })
        .clone()
}

/// The first bytes of each supported format and a few near misses, so sniffers go past their magic.
fn audio_head() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"RIFF\x24\x10\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\xc0\x5d\0\0\x80\xbb\0\0\x02\0\x10\0data\0\x10\0\0".to_vec()),
        Just(b"RIFF\xff\xff\xff\xffWAVE".to_vec()),
        Just(b"OggS\0\x02\0\0\0\0\0\0\0\0".to_vec()),
        Just(b"ID3\x04\0\0\0\0\0\x0a".to_vec()),
        Just(b"\xff\xfb\x90\x64".to_vec()),
        Just(b"\xff\xf1\x50\x80\x02\x1f\xfc".to_vec()),
        Just(b"\0\0\0\x20ftypM4A \0\0\0\0".to_vec()),
        Just(Vec::new()),
    ]
}

/// A well-formed 24 kHz mono 16-bit WAV of arbitrary samples.
fn wav() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<i16>(), 0..1024)
        .prop_map(|samples| coze_mock::__internals::synth::wav(&samples, 24_000))
}

/// Audio-looking bytes: a well-formed WAV, or a known head then arbitrary bytes.
fn audio_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        wav(),
        (audio_head(), prop::collection::vec(any::<u8>(), 0..4096)).prop_map(|(mut head, tail)| {
            head.extend(tail);
            head
        })
    ]
}

/// A part: a name real clients send (or not), an optional file name, a value.
fn part() -> impl Strategy<Value = (String, Option<String>, Vec<u8>)> {
    let name = prop_oneof![
        Just("voice_name".to_owned()),
        Just("file".to_owned()),
        Just("language".to_owned()),
        Just("text".to_owned()),
        Just("voice_id".to_owned()),
        Just("space_id".to_owned()),
        Just("audio_format".to_owned()),
        "[ -~]{0,12}",
    ];
    let filename = prop::option::of("[a-z0-9.]{0,12}\\.(wav|mp3|ogg|m4a|aac|pcm|16k\\.pcm|txt)");
    let value = prop_oneof![
        audio_bytes(),
        "[ -~]{0,64}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..256),
    ];
    (name, filename, value)
}

/// A multipart body of `parts` with `boundary`, then cut at `cut` (a fraction of its length) or not,
/// with `flips` bytes overwritten.
fn multipart_body(
    boundary: &str,
    parts: &[(String, Option<String>, Vec<u8>)],
    closed: bool,
    cut: Option<f64>,
    flips: &[(f64, u8)],
) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, value) in parts {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes(),
        );
        if let Some(f) = filename {
            body.extend_from_slice(format!("; filename=\"{f}\"").as_bytes());
        }
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    if closed {
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    }
    if let Some(at) = cut {
        body.truncate((body.len() as f64 * at) as usize);
    }
    for &(at, byte) in flips {
        if !body.is_empty() {
            let i = ((body.len() - 1) as f64 * at) as usize;
            body[i] = byte;
        }
    }
    body
}

/// A form real clients would send: a name and a file of audio-looking bytes.
fn plausible_parts() -> impl Strategy<Value = Vec<(String, Option<String>, Vec<u8>)>> {
    (
        "[ -~]{1,40}",
        audio_bytes(),
        prop::collection::vec(part(), 0..3),
    )
        .prop_map(|(name, audio, extra)| {
            let mut parts = vec![
                ("voice_name".to_owned(), None, name.into_bytes()),
                ("file".to_owned(), Some("a.wav".to_owned()), audio),
            ];
            parts.extend(extra);
            parts
        })
}

/// A request body: a multipart form (plausible or not), sometimes cut or with bytes overwritten, or
/// bytes with no structure at all.
fn body_for(boundary: String) -> impl Strategy<Value = Vec<u8>> {
    let parts = prop_oneof![plausible_parts(), prop::collection::vec(part(), 0..6)];
    prop_oneof![
        4 => (
            parts,
            prop::bool::weighted(0.9),
            prop::option::weighted(0.2, 0.0..1.0f64),
            prop::collection::vec((0.0..1.0f64, any::<u8>()), 0..3),
            any::<bool>(),
        )
            .prop_map(move |(parts, closed, cut, flips, mutate)| {
                let flips = if mutate { flips } else { Vec::new() };
                multipart_body(&boundary, &parts, closed, cut, &flips)
            }),
        1 => prop::collection::vec(any::<u8>(), 0..2048),
    ]
}

/// A boundary as a client might send one, or garbage.
fn boundary() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("B".to_owned()),
        Just("----WebKitFormBoundary7MA4YWxkTrZu0gW".to_owned()),
        "[-_a-zA-Z0-9]{1,70}",
        "[ -~]{0,80}",
    ]
}

/// The `Content-Type` sent: multipart with the boundary (quoted or not), the page's curl example's
/// `application/json; boundary=…`, or something else.
fn content_type(boundary: String) -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        4 => Just(Some(format!("multipart/form-data; boundary={boundary}"))),
        1 => Just(Some(format!("multipart/form-data; boundary=\"{boundary}\""))),
        1 => Just(Some(format!("application/json; boundary={boundary}"))),
        1 => "[ -~]{0,60}".prop_map(Some),
        1 => Just(None),
    ]
}

/// Splits `body` at the given fractions, so the reader sees arbitrary chunk edges.
fn chunks(body: &[u8], cuts: &[f64]) -> Vec<Bytes> {
    let mut at: Vec<usize> = cuts
        .iter()
        .map(|c| (body.len() as f64 * c) as usize)
        .collect();
    at.push(body.len());
    at.sort_unstable();
    let mut out = Vec::new();
    let mut from = 0;
    for to in at {
        out.push(Bytes::copy_from_slice(&body[from..to]));
        from = to;
    }
    out
}

/// A whole request: headers, body and how it is chunked.
#[derive(Debug)]
struct Hostile {
    content_type: Option<String>,
    content_length: Option<u64>,
    authorization: Option<String>,
    body: Vec<u8>,
    cuts: Vec<f64>,
}

fn hostile_request() -> impl Strategy<Value = Hostile> {
    boundary().prop_flat_map(|b| {
        (
            content_type(b.clone()),
            body_for(b),
            prop::collection::vec(0.0..1.0f64, 0..8),
            prop_oneof![
                4 => Just(Some("Bearer pat_mock".to_owned())),
                1 => "[ -~]{0,40}".prop_map(Some),
                1 => Just(None),
            ],
            prop_oneof![
                2 => Just(None),
                1 => Just(Some(u64::MAX)),
                1 => any::<u64>().prop_map(Some),
            ],
        )
            .prop_map(
                |(content_type, body, cuts, authorization, length)| Hostile {
                    content_type,
                    // The true length, or a lie (u64::MAX stands for the truth here).
                    content_length: length
                        .map(|l| if l == u64::MAX { body.len() as u64 } else { l }),
                    authorization,
                    body,
                    cuts,
                },
            )
    })
}

/// Sends `h` through the router and asserts the answer is a well-formed envelope.
async fn assert_answers_an_envelope(h: Hostile) -> Result<(), TestCaseError> {
    let mut request = Request::post("/v1/audio/voices/clone");
    if let Some(ct) = &h.content_type {
        request = request.header(http::header::CONTENT_TYPE, ct.as_str());
    }
    if let Some(a) = &h.authorization {
        request = request.header(http::header::AUTHORIZATION, a.as_str());
    }
    if let Some(len) = h.content_length {
        request = request.header(http::header::CONTENT_LENGTH, len);
    }
    let stream = futures_util::stream::iter(
        chunks(&h.body, &h.cuts)
            .into_iter()
            .map(Ok::<_, Infallible>),
    );
    let request = request.body(Body::from_stream(stream));
    // A header value `http` refuses never reaches a server: not a case, and counted as rejected.
    prop_assume!(request.is_ok(), "a header value http refuses");
    let request = request.expect("accepted just above");
    let response = tokio::time::timeout(HANG_BOUND, router(state()).oneshot(request))
        .await
        .map_err(|_| TestCaseError::fail("no answer within the bound"))?
        .expect("the router is infallible");
    let status = response.status();
    let logid_header = response
        .headers()
        .get("x-tt-logid")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = tokio::time::timeout(HANG_BOUND, response.into_body().collect())
        .await
        .map_err(|_| TestCaseError::fail("the answer's body did not end"))?
        .expect("an answer body")
        .to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        TestCaseError::fail(format!(
            "{status}: not JSON ({e}): {:?}",
            String::from_utf8_lossy(&bytes)
        ))
    })?;
    let logid = body["detail"]["logid"].as_str().unwrap_or_default();
    prop_assert!(LogId::is_well_formed(logid), "logid in {}", body);
    prop_assert_eq!(logid_header.as_deref(), Some(logid));
    prop_assert!(body["code"].is_i64() && body["msg"].is_string(), "{}", body);
    prop_assert_eq!(
        body["code"] == 0,
        status == http::StatusCode::OK,
        "{}",
        body
    );
    prop_assert_eq!(body.get("data").is_some(), body["code"] == 0, "{}", body);
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_request_to_the_clone_endpoint_is_answered_with_an_envelope(h in hostile_request()) {
        runtime().block_on(assert_answers_an_envelope(h))?;
    }

    #[test]
    fn the_audio_sniffers_take_any_bytes_in_any_chunks_without_panicking(
        bytes in prop_oneof![audio_bytes(), prop::collection::vec(any::<u8>(), 0..4096)],
        cuts in prop::collection::vec(0.0..1.0f64, 0..8),
        declared in prop::option::of(prop::sample::select(AudioFormat::ALL.to_vec())),
        file_name in "[a-z]{1,4}(\\.[0-9]{1,6}(k|hz|ch)|\\.mono|\\.stereo){0,3}\\.pcm",
    ) {
        let mut sniffer = AudioSniffer::new(declared).with_pcm_hint(PcmHint::from_file_name(&file_name));
        for chunk in chunks(&bytes, &cuts) {
            sniffer.feed(&chunk);
        }
        // Ok or an error: both are verdicts. Only a panic fails.
        let _verdict = sniffer.finish();
    }
}
