//! Hostile clients: truncated bodies, bodies that never end, a byte a second, lying `Content-Length`s,
//! thousands of parts, a 1 GB field. Each test runs the `coze-mock` binary (`--in-memory`), so the
//! server's own peak memory can be read from `/proc`, and asserts that the hostile request ends within a
//! bounded time with the exact answer its name promises (or, for headers that never end, a connection
//! closed without one), that the server's memory stays bounded, and that it serves an ordinary clone
//! meanwhile.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::timeout;

use crate::support::answer::Answer;
use crate::support::binary::Binary;
use crate::support::clone_form::CloneForm;
use crate::support::defaults::TOKEN;
use crate::support::raw::{read_answer, Cut};
use crate::support::wav::wav_of_len;

/// The most any hostile case may take before the test fails.
const CASE_BOUND: Duration = Duration::from_secs(30);

/// The server's peak resident memory allowed while it fends off a hostile client. A debug build; the
/// release build stays under 64 MiB with 16 concurrent 10 MiB uploads (`bench/README.md`).
const PEAK_RSS_BOUND: u64 = 128 * 1024 * 1024;

/// The largest accepted file, 10 MiB: 「最大不超过 10MB」.
const FILE_MAX_BYTES: u64 = 10 * 1024 * 1024;

fn assert_memory_bounded(server: &Binary) {
    let peak = server.peak_rss();
    assert!(
        peak < PEAK_RSS_BOUND,
        "peak RSS {} MiB over the bound",
        peak / (1024 * 1024)
    );
}

/// Sends an ordinary clone and asserts it succeeds within the case bound.
async fn assert_serves_others(server: &Binary) {
    let bystander = CloneForm::valid(TOKEN)
        .field("voice_name", "bystander")
        .file(wav_of_len(48_000), Some("b.wav"))
        .send(&server.api);
    timeout(CASE_BOUND, bystander)
        .await
        .expect("an ordinary clone answered within the bound meanwhile")
        .assert_ok();
}

/// Asserts the server answered with the envelope `code`, decided by `rule`, and HTTP `status`.
fn assert_answered(end: &Result<Answer, Cut>, status: u16, code: i64, rule: &str) {
    let answer = end
        .as_ref()
        .unwrap_or_else(|cut| panic!("expected {code} by {rule}, the connection ended: {cut:?}"));
    answer.assert_refused(code, rule);
    assert_eq!(answer.status, status, "{}", answer.body());
}

/// What the client sends after the request head.
enum Body {
    /// These bytes, then the write half stays open (the client waits).
    Then(Vec<u8>),
    /// These bytes, then the write half is shut (the client is done).
    ThenShut(Vec<u8>),
    /// `prefix`, then `filler` bytes repeated up to `total` bytes, as fast as the server reads.
    Stream {
        prefix: Vec<u8>,
        filler: u8,
        total: u64,
        chunked: bool,
    },
    /// One byte every `every`, from `bytes`.
    Trickle { bytes: Vec<u8>, every: Duration },
}

/// Sends `head` and `body` on a fresh connection while reading the answer; returns how the exchange
/// ended and how many body bytes the server took. `head_sent` is notified once the head is written.
///
/// Every case is built so that the server has its answer to give: the body it needs to judge arrives,
/// or the client stops (`ThenShut`), or the server's own bounds end the wait. An answer written before
/// the server closes is readable even if the close resets the connection (the kernel keeps received
/// bytes readable), so the answer is asserted exactly.
async fn exchange(
    addr: SocketAddr,
    head: &str,
    body: Body,
    head_sent: Arc<Notify>,
) -> (Result<Answer, Cut>, u64) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let head = head.to_owned();
    let taken = Arc::new(AtomicU64::new(0));
    let counter = taken.clone();
    let send = tokio::spawn(async move {
        let sent = || counter.load(Ordering::Relaxed);
        let add = |n: usize| counter.fetch_add(n as u64, Ordering::Relaxed);
        if writer.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        head_sent.notify_one();
        match body {
            Body::Then(bytes) => {
                if writer.write_all(&bytes).await.is_ok() {
                    add(bytes.len());
                }
            }
            Body::ThenShut(bytes) => {
                if writer.write_all(&bytes).await.is_ok() {
                    add(bytes.len());
                    let _ = writer.shutdown().await;
                }
            }
            Body::Stream {
                prefix,
                filler,
                total,
                chunked,
            } => {
                let chunk = vec![filler; 64 * 1024];
                let frame = |data: &[u8]| -> Vec<u8> {
                    if chunked {
                        let mut f = format!("{:x}\r\n", data.len()).into_bytes();
                        f.extend_from_slice(data);
                        f.extend_from_slice(b"\r\n");
                        f
                    } else {
                        data.to_vec()
                    }
                };
                if writer.write_all(&frame(&prefix)).await.is_err() {
                    return;
                }
                add(prefix.len());
                let framed = frame(&chunk);
                while sent() < total {
                    if writer.write_all(&framed).await.is_err() {
                        return;
                    }
                    add(chunk.len());
                }
            }
            Body::Trickle { bytes, every } => {
                for b in bytes {
                    if writer.write_all(&[b]).await.is_err() {
                        return;
                    }
                    add(1);
                    tokio::time::sleep(every).await;
                }
            }
        }
        // The client has sent all it meant to and keeps the connection open: the server decides.
        std::future::pending::<()>().await;
    });
    let end = read_answer(&mut reader).await;
    send.abort();
    (end, taken.load(Ordering::Relaxed))
}

/// A request head for the clone endpoint, with `framing` (a `Content-Length` or chunked).
fn clone_head(framing: &str) -> String {
    format!(
        "POST /v1/audio/voices/clone HTTP/1.1\r\nHost: coze\r\nAuthorization: Bearer pat_mock\r\n\
         Content-Type: multipart/form-data; boundary=B\r\n{framing}\r\n"
    )
}

fn part(name: &str, value: &str) -> String {
    format!("--B\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
}

fn file_part_head() -> String {
    "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\n".to_owned()
}

/// Runs a hostile exchange within [`CASE_BOUND`] while an ordinary clone is served, then checks memory.
async fn hostile(server: &Binary, head: String, body: Body) -> (Result<Answer, Cut>, u64) {
    let head_sent = Arc::new(Notify::new());
    let attack = exchange(server.addr, &head, body, head_sent.clone());
    let (outcome, ()) = tokio::join!(
        async {
            timeout(CASE_BOUND, attack)
                .await
                .expect("the hostile request ended within the bound")
        },
        async {
            head_sent.notified().await;
            assert_serves_others(server).await;
        }
    );
    assert_memory_bounded(server);
    outcome
}

#[tokio::test]
async fn a_body_cut_short_by_the_client_is_refused_as_malformed() {
    let server = Binary::in_memory();
    let mut body = part("voice_name", "cut").into_bytes();
    body.extend_from_slice(file_part_head().as_bytes());
    body.extend_from_slice(&wav_of_len(4096));
    let head = clone_head(&format!("Content-Length: {}\r\n", body.len() + 100_000));
    let (end, _) = hostile(&server, head, Body::ThenShut(body)).await;
    assert_answered(&end, 400, 4000, "body.malformed_multipart");
}

#[tokio::test]
async fn a_body_that_never_ends_is_cut_at_the_file_limit() {
    let server = Binary::in_memory();
    let mut prefix = part("voice_name", "endless").into_bytes();
    prefix.extend_from_slice(file_part_head().as_bytes());
    prefix.extend_from_slice(&wav_of_len(44));
    let body = Body::Stream {
        prefix,
        filler: 0,
        total: u64::MAX,
        chunked: true,
    };
    let (end, sent) = hostile(&server, clone_head("Transfer-Encoding: chunked\r\n"), body).await;
    assert_answered(&end, 413, 4302, "file.max_size");
    assert!(
        sent < FILE_MAX_BYTES + 256 * 1024 * 1024,
        "the server stopped reading: {sent} bytes taken"
    );
}

#[tokio::test]
async fn a_1_gb_text_field_is_refused_without_reading_a_gigabyte() {
    let server = Binary::in_memory();
    let body = Body::Stream {
        prefix: b"--B\r\nContent-Disposition: form-data; name=\"voice_name\"\r\n\r\n".to_vec(),
        filler: b'a',
        total: 1 << 30,
        chunked: false,
    };
    let head = clone_head(&format!("Content-Length: {}\r\n", 1u64 << 30));
    let (end, sent) = hostile(&server, head, body).await;
    // Declared: refused before the body is read.
    assert_answered(&end, 413, 4302, "file.max_size");
    assert!(sent < 1 << 30, "{sent} bytes taken");
}

#[tokio::test]
async fn a_1_gb_text_field_without_a_length_is_refused_at_the_field_limit() {
    let server = Binary::in_memory();
    let body = Body::Stream {
        prefix: b"--B\r\nContent-Disposition: form-data; name=\"voice_name\"\r\n\r\n".to_vec(),
        filler: b'a',
        total: 1 << 30,
        chunked: true,
    };
    let (end, sent) = hostile(&server, clone_head("Transfer-Encoding: chunked\r\n"), body).await;
    assert_answered(&end, 400, 4000, "body.invalid_field");
    assert!(sent < 1 << 30, "{sent} bytes taken");
}

#[tokio::test]
async fn thousands_of_tiny_parts_are_refused() {
    let server = Binary::in_memory();
    let mut body: Vec<u8> = (0..5_000)
        .flat_map(|i| part(&format!("p{i}"), "x").into_bytes())
        .collect();
    body.extend_from_slice(b"--B--\r\n");
    let head = clone_head(&format!("Content-Length: {}\r\n", body.len()));
    let (end, _) = hostile(&server, head, Body::Then(body)).await;
    assert_answered(&end, 400, 4000, "body.malformed_multipart");
}

#[tokio::test]
async fn a_content_length_shorter_than_the_body_is_judged_on_what_it_declares() {
    let server = Binary::in_memory();
    let mut body = part("voice_name", "liar").into_bytes();
    body.extend_from_slice(file_part_head().as_bytes());
    body.extend_from_slice(&wav_of_len(4096));
    body.extend_from_slice(b"\r\n--B--\r\n");
    // Declares half: the server sees a multipart body cut in the file part; the rest is not a request.
    let head = clone_head(&format!("Content-Length: {}\r\n", body.len() / 2));
    let (end, _) = hostile(&server, head, Body::Then(body)).await;
    assert_answered(&end, 400, 4000, "body.malformed_multipart");
}

#[tokio::test]
async fn a_client_sending_one_byte_a_second_does_not_stop_others_being_served() {
    let server = Binary::in_memory();
    let body = part("voice_name", "slow").into_bytes();
    let head = clone_head(&format!("Content-Length: {}\r\n", body.len() + 1000));
    let head_sent = Arc::new(Notify::new());
    let slow = exchange(
        server.addr,
        &head,
        Body::Trickle {
            bytes: body,
            every: Duration::from_secs(1),
        },
        head_sent.clone(),
    );
    tokio::select! {
        (end, _) = slow => panic!("the slow request ended early: {end:?}"),
        () = async {
            head_sent.notified().await;
            for _ in 0..3 {
                assert_serves_others(&server).await;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        } => {}
    }
    assert_memory_bounded(&server);
}

/// Asserts the exchange ended within [`CASE_BOUND`] with a 408 envelope decided by `rule` (the
/// server's body deadline: 10 s without a byte, or under 1 KiB/s after 10 s).
async fn assert_cut_off_by_the_deadline(server: &Binary, head: String, body: Body, rule: &str) {
    let (end, _) = timeout(
        CASE_BOUND,
        exchange(server.addr, &head, body, Arc::default()),
    )
    .await
    .expect("the server's deadline ended the request within the bound");
    assert_answered(&end, 408, 4000, rule);
    assert_memory_bounded(server);
}

#[tokio::test]
async fn a_client_sending_one_byte_a_second_is_cut_off_by_the_servers_deadline() {
    let server = Binary::in_memory();
    // 250 bytes at one a second would take four minutes.
    let body = part("voice_name", &"s".repeat(200)).into_bytes();
    let head = clone_head(&format!("Content-Length: {}\r\n", body.len()));
    let trickle = Body::Trickle {
        bytes: body,
        every: Duration::from_secs(1),
    };
    assert_cut_off_by_the_deadline(&server, head, trickle, "body.trickling").await;
}

#[tokio::test]
async fn a_content_length_longer_than_the_body_sent_is_cut_off_by_the_servers_deadline() {
    let server = Binary::in_memory();
    let body = part("voice_name", "waits").into_bytes();
    let head = clone_head(&format!("Content-Length: {}\r\n", body.len() + 1000));
    assert_cut_off_by_the_deadline(&server, head, Body::Then(body), "body.stalled").await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let server = Binary::in_memory();
    let head = "POST /v1/audio/voices/clone HTTP/1.1\r\nHost: coze\r\n".to_owned();
    let (end, _) = timeout(
        CASE_BOUND,
        exchange(server.addr, &head, Body::Then(Vec::new()), Arc::default()),
    )
    .await
    .expect("the server dropped the connection within the bound");
    match end {
        Err(Cut {
            received,
            error: None,
        }) => assert!(received.is_empty(), "{received:?}"),
        other => panic!("expected an orderly close without an answer, got {other:?}"),
    }
}

/// The read buffer of a connection is 128 KiB (`READ_BUFFER_MAX_BYTES`): headers that do not fit are
/// refused with 431 at once, not buffered for as long as the client sends.
#[tokio::test]
async fn headers_longer_than_the_read_buffer_are_refused_with_431() {
    let server = Binary::in_memory();
    let filler = "a".repeat(coze_mock::__internals::server::READ_BUFFER_MAX_BYTES);
    let head =
        format!("POST /v1/audio/voices/clone HTTP/1.1\r\nHost: coze\r\nX-Filler: {filler}\r\n\r\n");
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    let answer = timeout(CASE_BOUND, async {
        // The server may answer and close before it has read the whole head.
        let _ = stream.write_all(head.as_bytes()).await;
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        answer
    })
    .await
    .expect("answered within the bound");
    assert!(
        answer.starts_with(b"HTTP/1.1 431"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    assert_serves_others(&server).await;
    assert_memory_bounded(&server);
}
