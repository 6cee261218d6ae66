//! Reading request bodies within bounds: a guard against clients that stall or trickle (the body deadline
//! of every endpoint that reads a body: the clone's form, speech's JSON, the admin API's JSON), and reading
//! what is left of a body before answering an error.
//!
//! A server that answers and closes while the client is still sending makes most clients see a connection
//! reset instead of the answer. So before an error answer goes out, the unread rest of the body is read
//! and dropped, up to a bound in bytes and time; a client that sent `Expect: 100-continue` has not sent
//! the body and is answered at once.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::{Body, BodyDataStream};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use http::header::EXPECT;
use http::HeaderMap;
use humantime::format_duration;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::rules::{BODY_DEADLINE, BODY_MIN_BYTES_PER_SEC};

/// The `[limits]` table of the configuration: the fake's own bounds, which a test may tighten.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// The body deadline in seconds, [`BODY_DEADLINE`] by default: a body that sends nothing for this
    /// long, or has arrived slower than [`BODY_MIN_BYTES_PER_SEC`] once this long has passed, is cut off
    /// (4000 on HTTP 408).
    pub body_deadline_secs: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_deadline_secs: BODY_DEADLINE.as_secs_f64(),
        }
    }
}

impl Limits {
    /// The longest body deadline taken: a day, far beyond any client's patience.
    const BODY_DEADLINE_MAX_SECS: f64 = 86_400.0;

    /// The body deadline; [`BODY_DEADLINE`] if the table holds none [`Limits::validate`] accepts.
    pub fn body_deadline(&self) -> Duration {
        Some(self.body_deadline_secs)
            .filter(|_| self.validate().is_ok())
            .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
            .unwrap_or(BODY_DEADLINE)
    }

    /// Checks the table: a body deadline over 0 and at most a day.
    pub fn validate(&self) -> Result<(), String> {
        let secs = self.body_deadline_secs;
        if secs > 0.0 && secs <= Self::BODY_DEADLINE_MAX_SECS {
            Ok(())
        } else {
            Err(format!(
                "[limits] body_deadline_secs must be over 0 and at most {} (a day): it is {secs}",
                Self::BODY_DEADLINE_MAX_SECS
            ))
        }
    }
}

/// Why a body was cut off, with the body deadline in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SlowBody {
    /// Occurs when no bytes arrive for the body deadline.
    #[error("no bytes of the body arrived for {}", format_duration(*.0))]
    Stalled(Duration),
    /// Occurs when the body has arrived slower than [`BODY_MIN_BYTES_PER_SEC`] once the body deadline
    /// has passed.
    #[error(
        "the body arrived slower than {} KiB/s after {}",
        BODY_MIN_BYTES_PER_SEC / 1024,
        format_duration(*.0)
    )]
    Trickling(Duration),
}

/// `body`, cut off with a [`SlowBody`] error when it stalls or trickles past `deadline`.
///
/// One alarm per body, not one timer per chunk: the alarm is set `deadline` ahead, and when it rings while
/// bytes have arrived since, it is set again from the last arrival. A 100 KiB upload arrives in dozens of
/// chunks, and a timer each would cost more than the rest of the guard.
pub(crate) fn guarded<B>(
    body: B,
    deadline: Duration,
) -> impl Stream<Item = Result<Bytes, axum::BoxError>> + Send
where
    B: Stream<Item = Result<Bytes, axum::Error>> + Unpin + Send,
{
    let started = Instant::now();
    let guard = Guard {
        body,
        seen: 0,
        last_arrival: started,
        alarm: Box::pin(tokio::time::sleep(deadline)),
        cut: false,
    };
    futures_util::stream::unfold(guard, move |mut g| async move {
        if g.cut {
            return None;
        }
        let next = loop {
            tokio::select! {
                next = g.body.next() => match next {
                    None => return None,
                    Some(Err(e)) => break Err(e.into()),
                    Some(Ok(chunk)) => {
                        g.seen += chunk.len() as u64;
                        g.last_arrival = Instant::now();
                        let elapsed = started.elapsed();
                        if elapsed > deadline
                            && (g.seen as f64) < BODY_MIN_BYTES_PER_SEC as f64 * elapsed.as_secs_f64()
                        {
                            break Err(SlowBody::Trickling(deadline).into());
                        }
                        return Some((Ok(chunk), g));
                    }
                },
                () = &mut g.alarm => {
                    let idle_until = g.last_arrival + deadline;
                    if Instant::now() >= idle_until {
                        break Err(SlowBody::Stalled(deadline).into());
                    }
                    g.alarm.as_mut().reset(idle_until);
                }
            }
        };
        g.cut = true;
        Some((next, g))
    })
}

/// The state of [`guarded`].
struct Guard<B> {
    body: B,
    seen: u64,
    last_arrival: Instant,
    alarm: std::pin::Pin<Box<tokio::time::Sleep>>,
    cut: bool,
}

/// `body` under [`guarded`], for an extractor that reads it whole (axum's `Bytes`, `Json`), with the cell
/// that learns why the guard cut it off, if it did: the extractor's rejection does not say.
pub(crate) fn guarded_body(body: Body, deadline: Duration) -> (Body, Arc<OnceLock<SlowBody>>) {
    let cut = Arc::new(OnceLock::new());
    let learns = Arc::clone(&cut);
    let stream = guarded(body.into_data_stream(), deadline).inspect(move |item| {
        if let Some(slow) = item.as_ref().err().and_then(|e| e.downcast_ref()) {
            let _ = learns.set(*slow);
        }
    });
    (Body::from_stream(stream), cut)
}

/// The most bytes read and dropped after an error: enough for a 50 MB upload.
pub(crate) const DRAIN_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The longest time spent reading and dropping after an error.
pub(crate) const DRAIN_MAX_TIME: Duration = Duration::from_secs(5);

/// Reads and drops the rest of `body`, within [`DRAIN_MAX_BYTES`] and [`DRAIN_MAX_TIME`].
pub(crate) async fn drain(headers: &HeaderMap, body: &mut BodyDataStream) {
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
pub(crate) fn content_length(headers: &HeaderMap) -> Option<u64> {
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
        chunked(chunks, 1, gap)
    }

    /// A body that sends `chunks` chunks of `size` bytes, `gap` apart.
    fn chunked(chunks: usize, size: usize, gap: Duration) -> BodyDataStream {
        let stream = futures_util::stream::unfold(0, move |n| async move {
            if n == chunks {
                return None;
            }
            tokio::time::sleep(gap).await;
            Some((
                Ok::<_, std::io::Error>(Bytes::from(vec![b'x'; size])),
                n + 1,
            ))
        });
        Body::from_stream(stream).into_data_stream()
    }

    async fn outcome(body: BodyDataStream) -> Result<u64, SlowBody> {
        outcome_within(body, BODY_DEADLINE).await
    }

    async fn outcome_within(mut body: BodyDataStream, deadline: Duration) -> Result<u64, SlowBody> {
        let mut guarded = std::pin::pin!(guarded(&mut body, deadline));
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
        let result = outcome(dripping(2, BODY_DEADLINE + Duration::from_secs(1))).await;
        assert_eq!(result, Err(SlowBody::Stalled(BODY_DEADLINE)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_sent_one_byte_a_second_is_cut_off_as_trickling() {
        let result = outcome(dripping(60, Duration::from_secs(1))).await;
        assert_eq!(result, Err(SlowBody::Trickling(BODY_DEADLINE)));
    }

    /// Gaps of 6 s outlast no deadline, though the body lasts four times as long as one.
    #[tokio::test(start_paused = true)]
    async fn a_body_whose_gaps_stay_under_the_deadline_is_read_whole_however_long() {
        let result = outcome(chunked(7, 20 * 1024, Duration::from_secs(6))).await;
        assert_eq!(result, Ok(7 * 20 * 1024));
    }

    #[tokio::test(start_paused = true)]
    async fn a_shorter_configured_deadline_cuts_off_what_the_default_waits_for() {
        let short = Limits {
            body_deadline_secs: 0.5,
        }
        .body_deadline();
        assert_eq!(short, Duration::from_millis(500));
        let gap = Duration::from_secs(1);
        assert_eq!(outcome(dripping(2, gap)).await, Ok(2));
        assert_eq!(
            outcome_within(dripping(2, gap), short).await,
            Err(SlowBody::Stalled(short))
        );
    }

    #[test]
    fn a_body_deadline_must_be_over_0_and_at_most_a_day() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 86_401.0] {
            let limits = Limits {
                body_deadline_secs: bad,
            };
            assert!(limits.validate().is_err(), "{bad}");
            assert_eq!(limits.body_deadline(), BODY_DEADLINE, "{bad}");
        }
        assert_eq!(Limits::default().body_deadline(), BODY_DEADLINE);
        assert!(Limits::default().validate().is_ok());
    }

    #[test]
    fn the_messages_state_the_deadline_in_force() {
        let second = Duration::from_secs(1);
        assert_eq!(
            SlowBody::Stalled(second).to_string(),
            "no bytes of the body arrived for 1s"
        );
        assert_eq!(
            SlowBody::Trickling(second).to_string(),
            "the body arrived slower than 1 KiB/s after 1s"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_read_whole_by_an_extractor_tells_its_cell_why_it_was_cut_off() {
        let stalled = Body::from_stream(dripping(2, BODY_DEADLINE * 2));
        let (body, cut) = guarded_body(stalled, BODY_DEADLINE);
        assert!(axum::body::to_bytes(body, usize::MAX).await.is_err());
        assert_eq!(cut.get(), Some(&SlowBody::Stalled(BODY_DEADLINE)));
        let steady = Body::from_stream(dripping(3, Duration::from_secs(1)));
        let (body, cut) = guarded_body(steady, BODY_DEADLINE);
        assert_eq!(
            axum::body::to_bytes(body, usize::MAX).await.unwrap().len(),
            3
        );
        assert_eq!(cut.get(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_but_steady_body_within_the_deadline_is_read_whole() {
        let result = outcome(dripping(9, Duration::from_secs(1))).await;
        assert_eq!(result, Ok(9));
    }
}
