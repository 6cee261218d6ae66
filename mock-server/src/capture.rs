//! How the journal learns what a request's body held: [`Notes`], which the journal layer puts in the
//! request's extensions and the handlers fill as they read the body, and [`read_unanswered`], which reads
//! the body of a request a fault answers instead of its handler.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::Request;
use http::Extensions;

use crate::multipart::{boundary, read_clone_form};
use crate::report::summary::{Endpoint, FaultKind, Inputs};

/// The largest speech body read for its keys when a fault answers it.
pub const UNANSWERED_JSON_MAX_BYTES: usize = 1024 * 1024;

/// What the handlers note about one request's body, and the fault layer about the fault it applies,
/// shared with the journal layer: the journal can describe a request even when its client went away
/// before the answer.
#[derive(Debug, Clone, Default)]
pub struct Notes(Arc<Mutex<Noted>>);

#[derive(Debug, Default)]
struct Noted {
    inputs: Inputs,
    fault: Option<FaultKind>,
}

impl Notes {
    /// The notes of the request with these extensions; detached notes (nobody reads them) when no
    /// journal wraps the route.
    pub fn of(extensions: &Extensions) -> Notes {
        extensions.get::<Notes>().cloned().unwrap_or_default()
    }

    fn lock(&self) -> MutexGuard<'_, Noted> {
        // Every update is a plain assignment or push: a poisoned lock still holds consistent notes.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces what the body held.
    pub fn set(&self, inputs: Inputs) {
        self.lock().inputs = inputs;
    }

    /// Changes what the body held in place.
    pub fn update(&self, change: impl FnOnce(&mut Inputs)) {
        change(&mut self.lock().inputs);
    }

    /// Takes what the body held, leaving it empty.
    pub fn take(&self) -> Inputs {
        std::mem::take(&mut self.lock().inputs)
    }

    /// Notes the fault applied to the request.
    pub fn fault(&self, kind: FaultKind) {
        self.lock().fault = Some(kind);
    }

    /// The fault applied to the request, if any.
    pub fn applied_fault(&self) -> Option<FaultKind> {
        self.lock().fault
    }
}

/// Reads the body of a request that a fault answers instead of its handler, as the handler would have,
/// and notes what it held: a clone retried after a fault can then be matched to the one the fault
/// answered. The body is read to its end (within the endpoint's bounds) before the fault's answer goes
/// out, as every handler does before an error.
pub async fn read_unanswered(request: Request) {
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
        Endpoint::List | Endpoint::Preview | Endpoint::Other => {}
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

    #[test]
    fn notes_without_a_journal_go_nowhere() {
        let detached = Notes::of(&Extensions::new());
        detached.update(|i| i.field("voice_name", "x"));
        assert_eq!(detached.take().voice_name.as_deref(), Some("x"));
    }
}
