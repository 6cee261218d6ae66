//! [`read_unanswered`]: the body of a request that a fault answers instead of its handler, read as the
//! handler would have and noted for the journal.

use axum::extract::Request;

use crate::capture::{Endpoint, Inputs, Notes};
use crate::multipart::{boundary, read_clone_form};

/// The largest speech body read for its keys when a fault answers it.
pub(crate) const UNANSWERED_JSON_MAX_BYTES: usize = 1024 * 1024;

/// Reads the body of a request that a fault answers instead of its handler, as the handler would have,
/// and notes what it held: a clone retried after a fault can then be matched to the one the fault
/// answered. The body is read to its end (within the endpoint's bounds) before the fault's answer goes
/// out, as every handler does before an error.
pub(crate) async fn read_unanswered(request: Request) {
    let notes = Notes::of(request.extensions());
    let endpoint = Endpoint::of_path(request.uri().path());
    let (head, body) = request.into_parts();
    let mut inputs = Inputs::default();
    match endpoint {
        Endpoint::Clone => {
            if let Ok(boundary) = boundary(&head.headers) {
                // Only the notes matter here: the fault answers whatever the form's verdict.
                let _ = read_clone_form(boundary, &mut body.into_data_stream(), &mut inputs).await;
            }
        }
        Endpoint::Speech => {
            if let Ok(bytes) = axum::body::to_bytes(body, UNANSWERED_JSON_MAX_BYTES).await {
                inputs.json_body(&bytes);
            }
        }
        Endpoint::List
        | Endpoint::SpeechStream
        | Endpoint::Preview
        | Endpoint::OpenApi
        | Endpoint::Admin(_)
        | Endpoint::Other => {}
    }
    notes.set(inputs);
}

#[cfg(test)]
mod tests {
    use super::*;
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
        read_unanswered(request(
            "/v1/audio/voices/clone",
            "multipart/form-data; boundary=B",
            "--B\r\nContent-Disposition: form-data; name=\"voice_name\"\r\n\r\njay\r\n\
             --B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nRIFF\r\n--B--\r\n",
            &notes,
        ))
        .await;
        let inputs = notes.take();
        assert_eq!(inputs.voice_name.as_deref(), Some("jay"));
        assert_eq!(inputs.file.unwrap().bytes, 4);
    }

    #[tokio::test]
    async fn a_speech_answered_by_a_fault_has_its_keys_noted() {
        let notes = Notes::default();
        read_unanswered(request(
            "/v1/audio/speech",
            "application/json",
            r#"{"input":"hi","voice":"1"}"#,
            &notes,
        ))
        .await;
        let names: Vec<String> = notes.take().fields.into_iter().map(|f| f.name).collect();
        assert_eq!(names, ["input", "voice"]);
    }
}
