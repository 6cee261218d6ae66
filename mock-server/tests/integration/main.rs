//! The integration tests of `mock-server`, one binary: each test starts a real server on 127.0.0.1 port
//! 0 (an in-process [`coze_mock::MockServer`], or the `coze-mock` binary where a signal, a restart or
//! the server's own memory is the point) and talks HTTP to it. [`support`] holds what the areas share.

/// Clients, answers, audio and the binary, shared by every area below.
mod support;

/// Every fixture of `fixtures/audio` through the sniffers, against `fixtures/audio/verdicts.toml`.
mod audio_fixtures;
/// Every failure each endpoint answers, provoked over HTTP, against the catalogue's lists.
mod catalogue;
/// The command line: user errors without backtraces, `check-config`, `wait`, `--addr` host names.
mod cli;
/// `POST /v1/audio/voices/clone`, one module per part of the documentation page.
mod clone_voice;
/// The stateful rules (clone cap, voice slots) under 64 concurrent requests.
mod concurrency;
/// Every repository path and test name that `README.md` and `docs/*.md` cite exists.
mod docs;
mod fidelity;
/// Bounded fuzzing: arbitrary requests through the router, arbitrary bytes through the sniffers.
mod fuzz_props;
/// Hostile clients against the binary: truncated, endless, slow and lying requests.
mod hostile;
/// Bounded fuzzing of the speech body and voice-list query parsers.
mod parser_props;
/// `coze-mock proxy`: forwarding, shadow verdicts named by the ledger, the spend guard, recording,
/// upstream failures, `coze-mock drift`.
mod proxy;
/// The conformance report: journal summaries, findings, `/__admin/report`, the CLI, the page.
mod report;
/// Graceful shutdown of the binary on SIGTERM.
mod shutdown;
/// `GET /v1/audio/speech` as a WebSocket: streaming speech, its rules, the recorded session, hostile
/// clients, sessions in the journal.
mod speech_stream;
/// HTTPS: `serve --tls` with a generated certificate or the user's own, and `MockServer` over TLS.
mod tls;
/// A cloned voice afterwards: listed, spoken, previewed, persisted, steered by the admin API.
mod voice_lifecycle;
