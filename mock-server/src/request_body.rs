//! Reading request bodies within bounds: a guard against clients that stall or trickle, and reading what
//! is left of a body before answering an error.
//!
//! A server that answers and closes while the client is still sending makes most clients see a connection
//! reset instead of the answer. So before an error answer goes out, the unread rest of the body is read
//! and dropped, up to a bound in bytes and time; a client that sent `Expect: 100-continue` has not sent
//! the body and is answered at once.

use std::time::Duration;

use axum::body::BodyDataStream;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use http::header::EXPECT;
use http::HeaderMap;
use tokio::time::Instant;

/// The longest wait for the next bytes of a body.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// After this long, a body must have arrived at [`BODY_MIN_BYTES_PER_SEC`] on average.
pub const BODY_SLOW_GRACE: Duration = Duration::from_secs(10);

/// The slowest average rate a body may arrive at once [`BODY_SLOW_GRACE`] has passed: a client sending
/// one byte a second is cut off after about ten seconds, a 10 MB upload at this rate would take three hours.
pub const BODY_MIN_BYTES_PER_SEC: u64 = 1024;

/// Why a body was cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SlowBody {
    /// Occurs when no bytes arrive for [`BODY_IDLE_TIMEOUT`].
    #[error("no bytes of the body arrived for 10 seconds")]
    Stalled,
    /// Occurs when the body arrives slower than [`BODY_MIN_BYTES_PER_SEC`].
    #[error("the body arrived slower than 1 KiB/s")]
    Trickling,
}

/// `body`, cut off with a [`SlowBody`] error when it stalls or trickles.
pub fn guarded(
    body: &mut BodyDataStream,
) -> impl Stream<Item = Result<Bytes, Box<dyn std::error::Error + Send + Sync>>> + Send + '_ {
    let started = Instant::now();
    futures_util::stream::unfold((body, 0u64, false), move |(body, seen, cut)| async move {
        if cut {
            return None;
        }
        let next = match tokio::time::timeout(BODY_IDLE_TIMEOUT, body.next()).await {
            Err(_) => Err(SlowBody::Stalled.into()),
            Ok(None) => return None,
            Ok(Some(Err(e))) => Err(e.into()),
            Ok(Some(Ok(chunk))) => {
                let seen = seen + chunk.len() as u64;
                let elapsed = started.elapsed();
                if elapsed > BODY_SLOW_GRACE && seen < BODY_MIN_BYTES_PER_SEC * elapsed.as_secs() {
                    Err(SlowBody::Trickling.into())
                } else {
                    return Some((Ok(chunk), (body, seen, false)));
                }
            }
        };
        Some((next, (body, seen, true)))
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use std::time::Duration;

    /// A body that sends `chunks` one-byte chunks, `gap` apart.
    fn dripping(chunks: usize, gap: Duration) -> BodyDataStream {
        let stream = futures_util::stream::unfold(0, move |n| async move {
            if n == chunks {
                return None;
            }
            tokio::time::sleep(gap).await;
            Some((Ok::<_, std::io::Error>(Bytes::from_static(b"x")), n + 1))
        });
        Body::from_stream(stream).into_data_stream()
    }

    async fn outcome(mut body: BodyDataStream) -> Result<u64, SlowBody> {
        let mut guarded = std::pin::pin!(guarded(&mut body));
        let mut seen = 0;
        while let Some(chunk) = guarded.next().await {
            match chunk {
                Ok(c) => seen += c.len() as u64,
                Err(e) => return Err(*e.downcast_ref::<SlowBody>().expect("a SlowBody")),
            }
        }
        Ok(seen)
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stops_sending_is_cut_off_as_stalled() {
        let result = outcome(dripping(2, BODY_IDLE_TIMEOUT + Duration::from_secs(1))).await;
        assert_eq!(result, Err(SlowBody::Stalled));
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_sent_one_byte_a_second_is_cut_off_as_trickling() {
        let result = outcome(dripping(60, Duration::from_secs(1))).await;
        assert_eq!(result, Err(SlowBody::Trickling));
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_but_steady_body_within_the_grace_period_is_read_whole() {
        let result = outcome(dripping(9, Duration::from_secs(1))).await;
        assert_eq!(result, Ok(9));
    }
}
