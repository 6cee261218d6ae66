//! [`Notes`]: what the handlers note about a request's body as they read it, and the fault layer about the
//! fault it applies; the journal layer puts them in the request's extensions and reads them once the
//! answer is ready (or the client has gone).

use std::sync::{Arc, Mutex, MutexGuard};

use http::Extensions;

use super::{FaultKind, Inputs};

/// What the handlers note about one request's body, and the fault layer about the fault it applies,
/// shared with the journal layer: the journal can describe a request even when its client went away
/// before the answer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Notes(Arc<Mutex<Noted>>);

#[derive(Debug, Default)]
struct Noted {
    inputs: Inputs,
    fault: Option<FaultKind>,
}

impl Notes {
    /// The notes of the request with these extensions; detached notes (nobody reads them) when no
    /// journal wraps the route.
    pub(crate) fn of(extensions: &Extensions) -> Notes {
        extensions.get::<Notes>().cloned().unwrap_or_default()
    }

    fn lock(&self) -> MutexGuard<'_, Noted> {
        // Every update is a plain assignment or push: a poisoned lock still holds consistent notes.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces what the body held.
    pub(crate) fn set(&self, inputs: Inputs) {
        self.lock().inputs = inputs;
    }

    /// Changes what the body held in place.
    pub(crate) fn update(&self, change: impl FnOnce(&mut Inputs)) {
        change(&mut self.lock().inputs);
    }

    /// Reads what the body held.
    pub(crate) fn read<T>(&self, read: impl FnOnce(&Inputs) -> T) -> T {
        read(&self.lock().inputs)
    }

    /// Takes what the body held, leaving it empty; the file part's reading is over.
    pub(crate) fn take(&self) -> Inputs {
        let mut inputs = std::mem::take(&mut self.lock().inputs);
        inputs.seal();
        inputs
    }

    /// Notes the fault applied to the request.
    pub(crate) fn fault(&self, kind: FaultKind) {
        self.lock().fault = Some(kind);
    }

    /// The fault applied to the request, if any.
    pub(crate) fn applied_fault(&self) -> Option<FaultKind> {
        self.lock().fault
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_without_a_journal_go_nowhere() {
        let detached = Notes::of(&Extensions::new());
        detached.update(|i| i.field("voice_name", "x"));
        assert_eq!(detached.take().voice_name.as_deref(), Some("x"));
    }

    #[test]
    fn taken_notes_carry_the_files_digest_and_no_fingerprint_state() {
        let notes = Notes::default();
        notes.update(|i| {
            let mut file = super::super::FileSummary::start("file", None);
            file.feed(b"RIFF");
            i.file = Some(file);
        });
        let file = notes.take().file.unwrap();
        assert_eq!(
            file.hash,
            crate::capture::fingerprint::AudioHasher::digest(b"RIFF")
        );
        let mut sealed = file.clone();
        sealed.seal();
        assert_eq!(sealed, file, "already sealed: nothing left to drop");
    }
}
