//! `POST /v1/audio/voices/clone` over the wire, against an in-process server with the team
//! configuration ([`crate::support::team`]); each module groups the rules of one part of the page.

/// Every audio fixture, judged by its bytes.
mod audio;
/// 「Authorization: Bearer」, the createVoice permission and the plan.
mod auth;
/// The form fields: voice_name, text, language, preview_text, audio_format, description.
mod fields;
/// The audio file part: presence, count, size, and content.
mod file;
/// Method, path, content type and malformed bodies; the envelope and logid on every answer.
mod framing;
/// Which rule decides when a request breaks several: the order `docs/rules.md` states.
mod rule_order;
/// The official clients' recorded requests, replayed byte for byte.
mod vectors;
/// Workspaces, retraining, the 10-clone cap and voice slots.
mod voices;
