//! An audio answer (speech, previews): [`Speech`] streamed chunk by chunk, with an exact
//! `Content-Length`, so the longest answer costs one chunk of memory rather than its whole length.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use http::header::CONTENT_TYPE;
use hyper::body::{Frame, SizeHint};

use crate::synth::{Chunks, Speech};

/// Answers with the audio of a [`Speech`] and its format's `Content-Type`.
#[derive(Debug)]
pub(crate) struct AudioAnswer(pub Speech);

impl IntoResponse for AudioAnswer {
    fn into_response(self) -> Response {
        let content_type = self.0.format().content_type();
        let body = SpeechBody {
            remaining: self.0.len(),
            chunks: self.0.into_chunks(),
        };
        ([(CONTENT_TYPE, content_type)], Body::new(body)).into_response()
    }
}

/// The body: one chunk a frame; its exact size hint becomes the `Content-Length`.
struct SpeechBody {
    chunks: Chunks,
    remaining: u64,
}

impl hyper::body::Body for SpeechBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let chunk = self.chunks.next();
        if let Some(chunk) = &chunk {
            self.remaining -= chunk.len() as u64;
        }
        Poll::Ready(chunk.map(|c| Ok(Frame::data(c))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SpeechFormat;
    use axum::body::HttpBody;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn the_body_announces_its_length_and_yields_exactly_that_many_bytes_in_bounded_frames() {
        for format in SpeechFormat::ALL {
            let speech = Speech::new(&"字".repeat(40), "1", 0.5, 48_000, format);
            let expected: Vec<u8> = speech.clone().into_chunks().flatten().collect();
            let response = AudioAnswer(speech).into_response();
            assert_eq!(response.headers()[CONTENT_TYPE], format.content_type());
            let mut body = response.into_body();
            assert_eq!(
                body.size_hint().exact(),
                Some(expected.len() as u64),
                "{format:?}"
            );
            let mut streamed = Vec::new();
            while let Some(frame) = body.frame().await {
                let data = frame.unwrap().into_data().unwrap();
                assert!(data.len() <= crate::synth::CHUNK_BYTES, "{format:?}");
                streamed.extend_from_slice(&data);
            }
            assert_eq!(streamed, expected, "{format:?}");
        }
    }
}
