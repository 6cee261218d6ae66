//! Bodies split and watched without being held: a request body streamed to the upstream and the shadow
//! at once ([`tee`]), an answer streamed to the client while what it held is noted ([`watch`]); and a
//! body held once ([`peek`]) and replayed a chunk at a time ([`replay`]).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::sync::{mpsc, oneshot};

use super::answer::BodyNotes;

/// Chunks in flight per branch: the slower reader holds the other back, so a 10 MiB upload is never
/// in memory whole.
const CHUNKS_IN_FLIGHT: usize = 4;

/// Splits `body` into `n` bodies with the same bytes, to be read at once (each waits for the slowest:
/// a branch nobody reads holds the others after a few chunks). A branch whose reader
/// went away is dropped; the others go on. A failing body fails every branch.
pub(crate) fn tee(body: Body, n: usize) -> Vec<Body> {
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..n)
        .map(|_| mpsc::channel::<Result<Bytes, std::io::Error>>(CHUNKS_IN_FLIGHT))
        .unzip();
    tokio::spawn(async move {
        let mut senders: Vec<_> = senders.into_iter().map(Some).collect();
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            for slot in &mut senders {
                let Some(tx) = slot else { continue };
                let item = match &chunk {
                    Ok(bytes) => Ok(bytes.clone()),
                    Err(e) => Err(std::io::Error::other(e.to_string())),
                };
                if tx.send(item).await.is_err() {
                    *slot = None;
                }
            }
            if chunk.is_err() || senders.iter().all(Option::is_none) {
                break;
            }
        }
    });
    receivers
        .into_iter()
        .map(|rx| {
            Body::from_stream(
                futures_util::stream::unfold(rx, |mut rx| async move {
                    rx.recv().await.map(|item| (item, rx))
                })
                .fuse(),
            )
        })
        .collect()
}

/// How a watched body ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Every byte passed.
    Complete,
    /// The body failed (the upstream dropped the connection, or went quiet too long).
    Failed(String),
    /// The client went away before the end.
    ClientGone,
}

/// A body that notes what passes through it and reports how it ended.
struct Watched<S> {
    inner: S,
    notes: Option<BodyNotes>,
    done: Option<oneshot::Sender<(BodyNotes, Ending)>>,
    idle: std::time::Duration,
    timer: Pin<Box<tokio::time::Sleep>>,
    /// The `Content-Length`: hyper stops reading a body once that many bytes passed, so the body is
    /// whole then, whether or not its end is polled.
    expected: Option<u64>,
}

impl<S> Watched<S> {
    fn finish(&mut self, ending: Ending) {
        if let (Some(notes), Some(done)) = (self.notes.take(), self.done.take()) {
            let _ = done.send((notes, ending));
        }
    }
}

impl<S, E> Stream for Watched<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match this.inner.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                if let Some(notes) = &mut this.notes {
                    notes.feed(&bytes);
                    if this.expected.is_some_and(|n| notes.len() >= n) {
                        this.finish(Ending::Complete);
                    }
                }
                let deadline = tokio::time::Instant::now() + this.idle;
                this.timer.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(bytes)))
            }
            Poll::Ready(Some(Err(e))) => {
                let text = e.to_string();
                this.finish(Ending::Failed(text.clone()));
                Poll::Ready(Some(Err(std::io::Error::other(text))))
            }
            Poll::Ready(None) => {
                this.finish(Ending::Complete);
                Poll::Ready(None)
            }
            Poll::Pending => match this.timer.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    let text = format!("no part of the answer within {:?}", this.idle);
                    this.finish(Ending::Failed(text.clone()));
                    Poll::Ready(Some(Err(std::io::Error::other(text))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl<S> Drop for Watched<S> {
    fn drop(&mut self) {
        self.finish(Ending::ClientGone);
    }
}

/// Streams `body` on, noting it in `notes`, failing it if no chunk comes for `idle`; the receiver gets
/// the notes and the ending once the body ends (or its `expected` length passed), fails, or is dropped.
pub(crate) fn watch<S, E>(
    body: S,
    notes: BodyNotes,
    idle: std::time::Duration,
    expected: Option<u64>,
) -> (Body, oneshot::Receiver<(BodyNotes, Ending)>)
where
    S: Stream<Item = Result<Bytes, E>> + Unpin + Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    let (done, ended) = oneshot::channel();
    let watched = Watched {
        inner: body,
        notes: Some(notes),
        done: Some(done),
        idle,
        timer: Box::pin(tokio::time::sleep(idle)),
        expected,
    };
    (Body::from_stream(watched), ended)
}

/// Reads up to `max` bytes of `body`; returns them and the whole body again (those bytes, then the rest).
pub(crate) async fn peek(body: Body, max: usize) -> (Bytes, Body) {
    // Sized once from the Content-Length (at most `max`), so a large body is not copied as it grows.
    let expected = hyper::body::Body::size_hint(&body).exact().unwrap_or(0);
    let mut held = Vec::with_capacity(usize::try_from(expected).unwrap_or(max).min(max));
    // Fused: the rest is chained after the held bytes even when the body already ended.
    let mut stream = StreamExt::fuse(body.into_data_stream());
    let mut failed = None;
    while held.len() < max {
        match stream.next().await {
            Some(Ok(chunk)) => held.extend_from_slice(&chunk),
            Some(Err(e)) => {
                failed = Some(e.to_string());
                break;
            }
            None => break,
        }
    }
    // Held once: the rest starts with the same bytes, shared.
    let held = Bytes::from(held);
    let head = futures_util::stream::iter([Ok::<_, std::io::Error>(held.clone())]);
    let tail = futures_util::stream::iter(failed.map(|e| Err(std::io::Error::other(e))));
    let rest = stream.map(|r| r.map_err(|e| std::io::Error::other(e.to_string())));
    (held, Body::from_stream(head.chain(tail).chain(rest)))
}

/// Bytes of a held body per chunk when it is replayed.
const REPLAY_CHUNK_BYTES: usize = 64 * 1024;

/// A held body again, one chunk at a time, the chunks sharing its bytes. A multipart reader copies into
/// its own buffer whatever chunks are ready at once, so the whole body ready at once would be held twice.
pub(crate) fn replay(held: &Bytes) -> Body {
    let held = held.clone();
    let chunks = (0..held.len())
        .step_by(REPLAY_CHUNK_BYTES)
        .map(move |at| held.slice(at..held.len().min(at + REPLAY_CHUNK_BYTES)));
    Body::from_stream(futures_util::stream::iter(chunks).then(|chunk| async move {
        tokio::task::yield_now().await;
        Ok::<_, std::io::Error>(chunk)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn every_branch_gets_every_byte_and_a_branch_that_went_away_holds_nobody_back() {
        let chunks: Vec<Result<Bytes, std::io::Error>> = (0..20)
            .map(|i| Ok(Bytes::from(vec![i as u8; 1000])))
            .collect();
        let mut branches = tee(Body::from_stream(futures_util::stream::iter(chunks)), 3);
        drop(branches.pop());
        // Read at once, as the upstream and the shadow do: the slower one paces the other.
        let read = branches
            .into_iter()
            .map(|b| async move { b.collect().await.unwrap().to_bytes() });
        for bytes in futures_util::future::join_all(read).await {
            assert_eq!(bytes.len(), 20_000);
            assert_eq!(bytes[19_999], 19);
        }
    }

    #[tokio::test]
    async fn a_held_body_is_replayed_whole_one_chunk_at_a_time() {
        let chunks: Vec<Result<Bytes, std::io::Error>> = (0..300)
            .map(|i| Ok(Bytes::from(vec![i as u8; 1000])))
            .collect();
        let (held, rest) = peek(
            Body::from_stream(futures_util::stream::iter(chunks)),
            1 << 20,
        )
        .await;
        assert_eq!(held.len(), 300_000);
        assert_eq!(rest.collect().await.unwrap().to_bytes(), held);
        let mut replayed = replay(&held).into_data_stream();
        let mut sizes = Vec::new();
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        loop {
            match replayed.poll_next_unpin(&mut cx) {
                // Never two chunks in one go: a reader that takes all that is ready takes one.
                Poll::Ready(Some(chunk)) => {
                    sizes.push(chunk.unwrap().len());
                    match replayed.poll_next_unpin(&mut cx) {
                        Poll::Pending => {}
                        Poll::Ready(None) => break,
                        Poll::Ready(Some(_)) => panic!("two chunks ready at once"),
                    }
                }
                Poll::Ready(None) => break,
                Poll::Pending => {}
            }
        }
        assert_eq!(sizes.iter().sum::<usize>(), 300_000);
        assert!(sizes.iter().all(|&s| s <= REPLAY_CHUNK_BYTES), "{sizes:?}");
    }

    #[tokio::test]
    async fn a_watched_body_reports_its_bytes_and_how_it_ended() {
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            vec![Ok(Bytes::from_static(b"{\"code\":0}"))];
        let (body, ended) = watch(
            futures_util::stream::iter(chunks),
            BodyNotes::new(Some("application/json")),
            std::time::Duration::from_secs(5),
            None,
        );
        assert_eq!(body.collect().await.unwrap().to_bytes(), "{\"code\":0}");
        let (notes, ending) = ended.await.unwrap();
        assert_eq!(ending, Ending::Complete);
        assert_eq!(notes.finish()["code"], 0);

        let failing: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"{")),
            Err(std::io::Error::other("reset")),
        ];
        let (body, ended) = watch(
            futures_util::stream::iter(failing),
            BodyNotes::new(None),
            std::time::Duration::from_secs(5),
            Some(100),
        );
        assert!(body.collect().await.is_err());
        assert!(matches!(ended.await.unwrap().1, Ending::Failed(_)));
    }
}
