//! The contract suite of `POST /v1/audio/voices/clone`, the voice list and speech: one binary, run against the target the
//! environment names (the in-process fake by default; see `contract-tests/README.md`).
//!
//! Each test states one documented rule, starts its own client (`Api::from_env()`: on the fake, a fresh
//! server, so tests are independent) and checks the answer against the documented code and, for each
//! documented outcome, its snapshot in `snapshots/`.

/// Who may call: tokens, permission, plan, workspace, arrears (4100 and 4101).
mod auth;
/// The clone cap (「同一个音色 ID 最多复刻 10 次」), sequential and concurrent, and voice slots.
mod cap;
/// Request validation: names, texts, languages, fields, multipart; success and retrain.
mod clone_voice;
/// The drift tool, on a synthetic recorded set made in a temporary folder.
mod drift_replay;
/// The six formats, non-audio uploads, and the 10 MB limit.
mod formats;
/// The voice list: its data and voice fields, paging, the system-voice filter (free: runs everywhere).
mod list_voices;
/// Property tests: envelopes, valid and broken requests, the cap against a reference model.
mod properties;
/// Speech: each format, the input limit in bytes, sample rates, refusals (billed: behind the spend opt-in).
mod speech;
