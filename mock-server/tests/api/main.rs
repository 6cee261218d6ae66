//! Over-the-wire tests of the clone endpoint: each starts the real server on 127.0.0.1 port 0 and talks
//! HTTP to it with reqwest. One binary; each module groups the rules of one part of the page.

/// Spawning the server and building requests.
mod helpers;

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
/// The official clients' recorded requests, replayed byte for byte.
mod vectors;
/// Workspaces, retraining, the 10-clone cap and voice slots.
mod voices;
