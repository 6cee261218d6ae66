//! A cloned voice lives on: listed, spoken, previewed, kept across restarts, steered by the admin API.
//! Every test talks HTTP to a real server: an in-process [`coze_mock::MockServer`], or the `coze-mock`
//! binary where a restart or a `kill -9` is the point.

/// `/__admin/*`: journal, reset, seed, faults, access; and the builder.
mod admin;
/// `GET /v1/audio/voices`: fields, filters, paging, workspaces.
mod list;
/// The binary on a database file: restart, `kill -9`, concurrent clones.
mod persistence;
/// `GET /__mock/preview_audio/{voice_id}.wav`.
mod preview;
/// `POST /v1/audio/speech`: formats, durations, the voice rules.
mod speech;
