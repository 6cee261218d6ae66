//! Reading what is left of a request body before answering an error.
//!
//! A server that answers and closes while the client is still sending makes most clients see a connection
//! reset instead of the answer. So before an error answer goes out, the unread rest of the body is read
//! and dropped, up to a bound in bytes and time; a client that sent `Expect: 100-continue` has not sent
//! the body and is answered at once.

use std::time::Duration;

use axum::body::BodyDataStream;
use futures_util::StreamExt;
use http::header::EXPECT;
use http::HeaderMap;

/// The most bytes read and dropped after an error: enough for a 50 MB upload.
pub const DRAIN_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The longest time spent reading and dropping after an error.
pub const DRAIN_MAX_TIME: Duration = Duration::from_secs(5);

/// Reads and drops the rest of `body`, within [`DRAIN_MAX_BYTES`] and [`DRAIN_MAX_TIME`].
pub async fn drain(headers: &HeaderMap, body: &mut BodyDataStream) {
    let expects_continue = headers
        .get(EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if expects_continue {
        return;
    }
    let read = async {
        let mut seen = 0u64;
        while let Some(Ok(chunk)) = body.next().await {
            seen += chunk.len() as u64;
            if seen > DRAIN_MAX_BYTES {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_MAX_TIME, read).await;
}

/// The body's declared `Content-Length`, if it has a valid one.
pub fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}
