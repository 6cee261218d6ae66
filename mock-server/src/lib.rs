//! coze-mock: an offline, faithful fake of Coze's voice-clone API (`POST /v1/audio/voices/clone`).
//!
//! # Layout
//! - [`rules`]: every documented rule (limits, languages, formats, plans), beside its sentence of the page.
//! - [`catalogue`]: every endpoint once: method, path, access, inputs with their docs, the failures it
//!   can answer; the router, the OpenAPI description, the report and the form reader read it.
//! - [`error`]: [`error::ApiError`], and the one table mapping each failure to code, message and status.
//! - [`envelope`]: the `{code, msg, data, detail: {logid}}` envelope, the logid, the middleware that renders.
//! - [`config`]: the configuration file (accounts, workspaces, tokens, voices) and its validation.
//! - [`directory`]: the runtime table of tokens and the principals they speak for.
//! - [`settings`]: what the configuration fixes for the server's life: `[audio]`, `[fidelity]`, `[rules]`
//!   and the system voices.
//! - [`auth`]: `Authorization: Bearer` → the token's principal.
//! - [`multipart`]: the streaming form reader; [`clone_request`]: the form judged by the rules.
//! - [`audio`]: audio judged by its bytes.
//! - [`request_body`]: bodies read within bounds: stalled or trickling ones cut off, the rest of one read
//!   before an error answer.
//! - [`store`]: the voices and the seeds in SQLite, and the atomic slot and clone-count checks.
//! - [`system_voices`]: the configured system voices and the one lookup of a voice by id.
//! - [`voice_view`]: a voice, cloned or system, as the answers show it.
//! - [`fnv`]: FNV-1a, the one stable hash.
//! - [`synth`]: deterministic audio (WAV, PCM, MP3, Ogg Opus) for speech and previews.
//! - [`capture`]: what is recorded of a request (client, token placement, inputs, audio fingerprint,
//!   outcome), and how handlers and the fault layer note what a body held.
//! - [`expect`]: the outcomes tests declare they expect (`X-Coze-Mock-Expect`, `POST /__admin/expect`).
//! - [`journal`]: the latest requests in memory, and the middleware that records each with its verdict.
//! - [`fidelity`]: the ledger of every choice the fake made where its sources disagree or are silent.
//! - [`faults`]: the middleware that injects latency, envelopes, HTTP errors and dropped connections.
//! - [`report`]: the conformance report, concluded from the journal when read: findings per request and
//!   per sequence, coverage per client.
//! - [`state`]: [`state::AppState`], what every handler shares.
//! - [`startup`]: the directory and voices a server starts from (configuration plus stored seeds).
//! - [`admin_client`]: the one client of a running fake's admin API, for `coze-mock wait` and `report`.
//! - [`json_integer`]: JSON Schema's integers (`375.0` is one; `null` is not) for the admin API's bodies.
//! - [`admin`]: `/__admin/*`: reset, seed, voices, journal, faults, and the report and inspector page.
//! - [`openapi`]: the OpenAPI 3.1 description of the API and the admin API, built from [`catalogue`].
//! - [`api`]: one module per endpoint, and the router that nests the admin API outside the API's layers.
//! - [`server`]: binding and serving, as the binary runs the fake.
//! - [`in_process`]: [`MockServer`], a fake inside a test's own process, and its builder.
//! - [`proxy`]: `coze-mock proxy`: forwards a client's traffic to the real API and judges each exchange
//!   with a shadow fake; [`compare`]: the field-by-field comparison it shares with `contract-tests`.

pub mod admin;
pub mod admin_client;
pub mod api;
pub mod audio;
pub mod auth;
pub mod capture;
pub mod catalogue;
pub mod clone_request;
pub mod compare;
pub mod config;
pub mod directory;
pub mod envelope;
pub mod error;
pub mod expect;
pub mod extract;
pub mod faults;
pub mod fidelity;
pub mod fnv;
pub mod in_process;
pub mod journal;
pub mod json_integer;
pub mod multipart;
pub mod openapi;
pub mod proxy;
pub mod report;
pub mod request_body;
pub mod rules;
pub mod server;
pub mod settings;
pub mod startup;
pub mod state;
pub mod store;
pub mod synth;
pub mod system_voices;
pub mod voice_view;

pub use in_process::{MockServer, MockServerBuilder};
pub use server::serve;
