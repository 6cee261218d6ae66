//! coze-mock: an offline, faithful fake of Coze's voice-clone API (`POST /v1/audio/voices/clone`).
//!
//! # The public face
//! - [`MockServer`] and [`MockServerBuilder`]: a fake inside a test's own process.
//! - [`config`]: the configuration a test or a file builds ([`config::Config`] and what it holds).
//! - [`rules`]: every documented rule, which tests name (plans, formats, limits).
//!
//! Everything else is private to the crate. What the binary, the bench, the fuzz targets, the contract
//! tests and the integration tests need beyond that is re-exported by one hidden module, `__internals`,
//! which is not a stable API.
//!
//! # Layout (the modules, private unless linked)
//! - [`rules`]: every documented rule (limits, languages, formats, plans), beside its sentence of the page.
//! - `catalogue`: every endpoint once: method, path, access, inputs with their docs, the failures it
//!   can answer; the router, the OpenAPI description, the report and the form reader read it.
//! - `error`: `ApiError`, and the one table mapping each failure to code, message and status.
//! - `envelope`: the `{code, msg, data, detail: {logid}}` envelope, the logid, the middleware that renders.
//! - [`config`]: the configuration file (accounts, workspaces, tokens, voices) and its validation.
//! - `directory`: the runtime table of tokens and the principals they speak for.
//! - `settings`: what the configuration fixes for the server's life: `[audio]`, `[fidelity]`, `[rules]`
//!   and the system voices.
//! - `auth`: `Authorization: Bearer` → the token's principal.
//! - `multipart`: the streaming form reader; `clone_request`: the form judged by the rules.
//! - `audio`: audio judged by its bytes.
//! - `request_body`: bodies read within bounds: stalled or trickling ones cut off, the rest of one read
//!   before an error answer.
//! - `store`: the voices and the seeds in SQLite, and the atomic slot and clone-count checks.
//! - `system_voices`: the configured system voices and the one lookup of a voice by id.
//! - `voice_view`: a voice, cloned or system, as the answers show it.
//! - `fnv`: FNV-1a, the one stable hash.
//! - `synth`: deterministic audio (WAV, PCM, MP3, Ogg Opus) for speech and previews.
//! - `capture`: what is recorded of a request (client, token placement, inputs, audio fingerprint,
//!   outcome), and how handlers and the fault layer note what a body held.
//! - `expect`: the outcomes tests declare they expect (`X-Coze-Mock-Expect`, `POST /__admin/expect`).
//! - `json_integer`: JSON Schema's integers (`375.0` is one; `null` is not) for the admin API's bodies.
//! - `journal`: the latest requests in memory, and the middleware that records each with its verdict.
//! - `fidelity`: the ledger of every choice the fake made where its sources disagree or are silent.
//! - `faults`: the middleware that injects latency, envelopes, HTTP errors and dropped connections.
//! - `report`: the conformance report, concluded from the journal when read: findings per request and
//!   per sequence, coverage per client.
//! - `state`: `AppState`, what every handler shares.
//! - `startup`: the directory and voices a server starts from (configuration plus stored seeds).
//! - `admin_client`: the one client of a running fake's admin API (http or https), for `coze-mock wait`,
//!   `report` and `drift`.
//! - `admin`: `/__admin/*`: reset, seed, voices, journal, faults, and the report and inspector page.
//! - `openapi`: the OpenAPI 3.1 description of the API and the admin API, built from `catalogue`.
//! - `asyncapi`: the AsyncAPI 3.0 document of streaming speech, built from `rules` and `catalogue`.
//! - `api`: one module per endpoint, and the router that nests the admin API outside the API's layers.
//! - `tls`: HTTPS: a certificate generated at start-up for loopback, or the user's own.
//! - `server`: binding and serving, as the binary runs the fake.
//! - `in_process`: [`MockServer`], a fake inside a test's own process, and its builder.
//! - `proxy`: `coze-mock proxy`: forwards a client's traffic to the real API and judges each exchange
//!   with a shadow fake; `compare`: the field-by-field comparison it shares with `contract-tests`.

mod admin;
mod admin_client;
mod api;
mod asyncapi;
mod audio;
mod auth;
mod capture;
mod catalogue;
mod clone_request;
mod compare;
pub mod config;
mod directory;
mod envelope;
mod error;
mod expect;
mod extract;
mod faults;
mod fidelity;
mod fnv;
mod in_process;
mod journal;
mod json_integer;
mod multipart;
mod openapi;
mod proxy;
mod report;
mod request_body;
pub mod rules;
mod server;
mod settings;
mod startup;
mod state;
mod store;
mod synth;
mod system_voices;
mod tls;
mod voice_view;

pub use in_process::{MockServer, MockServerBuilder};

/// What the `coze-mock` binary, the bench, the fuzz targets, the contract tests and the integration tests
/// use beyond the public face. Not a stable API: anything here may change or go in any release.
#[doc(hidden)]
pub mod __internals {
    /// The admin API.
    pub mod admin {
        pub use crate::admin::access_line;
    }
    /// The one client of a running fake's admin API.
    pub mod admin_client {
        pub use crate::admin_client::{Answer, CaArgs, CertificateRefused, FakeUrl};
    }
    /// The router and the parsers of the endpoints' inputs.
    pub mod api {
        pub use crate::api::list_voices::ListQuery;
        pub use crate::api::router;
        pub use crate::api::speech::SpeechRequest;
    }
    /// Audio judged by its bytes.
    pub mod audio {
        pub use crate::audio::{AudioError, AudioInfo, AudioPolicy, AudioSniffer, PcmHint};
    }
    /// The field-by-field comparison of a real answer with the fake's.
    pub mod compare {
        pub use crate::compare::{diff, diff_with, FieldDiff, VOLATILE};
    }
    /// Every endpoint once.
    pub mod catalogue {
        pub use crate::catalogue::{find, Endpoint, ENDPOINTS};
    }
    /// Failures and their codes.
    pub mod error {
        pub use crate::error::{ApiError, CODE_INVALID_PARAMETER};
    }
    /// The envelope's logid.
    pub mod envelope {
        pub use crate::envelope::LogId;
    }
    /// The fidelity ledger.
    pub mod fidelity {
        pub use crate::fidelity::{markdown, startup_notices, text, LEDGER};
    }
    /// The OpenAPI description.
    pub mod openapi {
        pub use crate::openapi::document;
    }
    /// The AsyncAPI document of streaming speech.
    pub mod asyncapi {
        pub use crate::asyncapi::document;
    }
    /// `coze-mock proxy` and its drift report.
    pub mod proxy {
        pub use crate::proxy::{serve_proxy, ProxyServer, ProxySettings, DRIFT_PATH, SEVERE};
        /// What the proxy notes of an answer's body.
        pub mod answer {
            pub use crate::proxy::answer::BodyNotes;
        }
        /// The drift report.
        pub mod drift {
            pub use crate::proxy::drift::{DriftExchange, DriftReport, Outcome};
        }
        /// Recording exchanges.
        pub mod record {
            pub use crate::proxy::record::RecordSettings;
        }
        /// What the proxy may spend upstream.
        pub mod spend {
            pub use crate::proxy::spend::Spend;
        }
        /// The real API.
        pub mod upstream {
            pub use crate::proxy::upstream::{Failure, Upstream};
        }
        /// The WebSocket upstream of streaming speech.
        pub mod ws_upstream {
            pub use crate::proxy::ws_upstream::WsUpstream;
        }
    }
    /// `coze-mock report`, and the admin fetch `coze-mock drift` shares.
    pub mod report {
        pub use crate::report::cli::{
            fetch_admin, run, ReportArgs, EXIT_FINDINGS, EXIT_UNREADABLE,
        };
    }
    /// Binding and serving.
    pub mod server {
        pub use crate::server::{
            build_state, serve_with, Options, Storage, DEFAULT_DB_PATH, READ_BUFFER_MAX_BYTES,
        };
    }
    /// What every handler shares.
    pub mod state {
        pub use crate::state::AppState;
    }
    /// Deterministic audio.
    pub mod synth {
        pub use crate::synth::{wav, Speech};
    }
    /// HTTPS.
    pub mod tls {
        pub use crate::tls::{base_url, Tls, GENERATED_NAMES};
    }
}
