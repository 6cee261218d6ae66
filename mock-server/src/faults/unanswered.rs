//! [`read_unanswered`]: the body of a request that a fault answers instead of its handler, read as the
//! handler would have and noted for the journal.

use std::time::Duration;

use axum::extract::Request;

use crate::capture::{Endpoint, Inputs, Notes};
use crate::multipart::{boundary, read_clone_form};
use crate::request_body::guarded_body;

/// The largest speech body read for its keys when a fault answers it.
pub(crate) const UNANSWERED_JSON_MAX_BYTES: usize = 1024 * 1024;

/// Reads the body of a request that a fault answers instead of its handler, as the handler would have,
/// and notes what it held: a clone retried after a fault can then be matched to the one the fault
/// answered. The body is read to its end (within the endpoint's bounds and the body `deadline`) before the
/// fault's answer goes out, as every handler does before an error.
pub(crate) async fn read_unanswered(request: Request, deadline: Duration) {
    let notes = Notes::of(request.extensions());
    let endpoint = Endpoint::of_path(request.uri().path());
    let (head, body) = request.into_parts();
    let mut inputs = Inputs::default();
    match endpoint {
        Endpoint::Clone => {
            if let Ok(boundary) = boundary(&head.headers) {
                // Only the notes matter here: the fault answers whatever the form's verdict.
                let mut body = body.into_data_stream();
                let _ = read_clone_form(boundary, &mut body, deadline, &mut inputs).await;
            }
        }
        Endpoint::Speech => {
            let (body, _) = guarded_body(body, deadline);
            if let Ok(bytes) = axum::body::to_bytes(body, UNANSWERED_JSON_MAX_BYTES).await {
                inputs.json_body(&bytes);
            }
        }
        Endpoint::List
        | Endpoint::SpeechStream
        | Endpoint::Preview
        | Endpoint::OpenApi
        | Endpoint::AsyncApi
        | Endpoint::Admin(_)
        | Endpoint::Other => {}
    }
    notes.set(inputs);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::BODY_DEADLINE;
    use axum::body::Body;

    fn request(path: &str, content_type: &str, body: &'static str, notes: &Notes) -> Request {
        let mut request = http::Request::post(path)
            .header(http::header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        request.extensions_mut().insert(notes.clone());
        request
    }

    #[tokio::test]
    async fn a_clone_answered_by_a_fault_still_has_its_form_noted() {
        let notes = Notes::default();
        read_unanswered(
            request(
            "/v1/audio/voices/clone",
            "multipart/form-data; boundary=B",
            "--B\r\nContent-Disposition: form-data; name=\"voice_name\"\r\n\r\njay\r\n\
             --B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nRIFF\r\n--B--\r\n",
            &notes,
            ),
            BODY_DEADLINE,
        )
        .await;
        let inputs = notes.take();
        assert_eq!(inputs.voice_name.as_deref(), Some("jay"));
        assert_eq!(inputs.file.unwrap().bytes, 4);
    }

    #[tokio::test]
    async fn a_speech_answered_by_a_fault_has_its_keys_noted() {
        let notes = Notes::default();
        read_unanswered(
            request(
                "/v1/audio/speech",
                "application/json",
                r#"{"input":"hi","voice":"1"}"#,
                &notes,
            ),
            BODY_DEADLINE,
        )
        .await;
        let names: Vec<String> = notes.take().fields.into_iter().map(|f| f.name).collect();
        assert_eq!(names, ["input", "voice"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_speech_body_that_stalls_under_a_fault_is_cut_off_by_the_deadline() {
        let notes = Notes::default();
        let half = futures_util::stream::iter([Ok::<_, std::io::Error>(
            bytes::Bytes::from_static(br#"{"input":"#),
        )]);
        let stalled = Body::from_stream(futures_util::StreamExt::chain(
            half,
            futures_util::stream::pending(),
        ));
        let mut request = http::Request::post("/v1/audio/speech")
            .body(stalled)
            .unwrap();
        request.extensions_mut().insert(notes.clone());
        // Bounded, so a missing deadline fails the test instead of hanging it.
        tokio::time::timeout(BODY_DEADLINE * 2, read_unanswered(request, BODY_DEADLINE))
            .await
            .expect("cut off within the deadline");
        assert!(notes.take().fields.is_empty());
    }
}
