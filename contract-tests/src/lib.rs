//! The contract of Coze's `POST /v1/audio/voices/clone`, and of the voice list and speech a cloned voice
//! lives on, as their documentation gives it, run unchanged against the fake (in-process, the default), a
//! server at a URL, or the real API.
//!
//! The expected verdicts are restated here from the documentation; `coze_mock` is used only to start
//! the fake, never for its rules, so a wrong rule in the fake fails a test instead of passing its own.
//!
//! # Layout
//! - [`contract`]: the documented limits and codes, each with the sentence it comes from.
//! - [`target`]: which server, read from the environment, and the real API's guards (token, CI, spend).
//! - [`client`]: [`client::Api`], the one client every test uses.
//! - [`response`]: [`response::CapturedResponse`], an answer as the contract sees it.
//! - [`notice`]: skips, spends and recordings written past the harness's capture.
//! - [`request`]: [`request::CloneRequest`], built from a valid sample by breaking one thing.
//! - [`list`]: [`list::ListQuery`], a voice-list request, and the shape of its answer.
//! - [`speech`]: [`speech::SpeechRequest`] and [`speech::SpeechAnswer`] (audio, or an envelope).
//! - [`audio`]: the uploads (committed speech samples, WAVs generated to a size).
//! - [`strategies`]: proptest strategies in the documentation's words.
//! - [`snapshot`]: the one set of snapshot redactions, and [`assert_contract_snapshot!`].
//! - [`record`]: real answers saved under `fixtures/recorded/`; [`drift`]: replaying them against the fake.
//!
//! The tests themselves are in `tests/contract/` (one binary); the README has the commands.

pub mod audio;
pub mod client;
pub mod contract;
pub mod drift;
pub mod list;
pub mod notice;
pub mod record;
pub mod request;
pub mod response;
pub mod snapshot;
pub mod speech;
pub mod strategies;
pub mod target;

pub use client::Api;
pub use insta;
pub use request::{CloneRequest, Role, TokenChoice};
pub use response::CapturedResponse;
