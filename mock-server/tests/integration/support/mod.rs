//! What the test areas share: one answer type, one client, one clone-form builder, one way to start the
//! binary, one WAV builder and one raw HTTP/1.1 reader.

/// [`answer::Answer`]: every answer, read whole, its envelope checked.
pub(crate) mod answer;
/// [`api::Api`]: a client for one server, one method per endpoint.
pub(crate) mod api;
/// [`binary::Binary`]: the `coze-mock` binary, started for a test.
pub(crate) mod binary;
/// [`browser::Browser`]: a headless Chromium over WebDriver, for the inspector page.
pub(crate) mod browser;
/// [`clone_form::CloneForm`]: a clone request, built by changing one thing of a valid one.
pub(crate) mod clone_form;
/// The default configuration's token, workspace and a system voice.
pub(crate) mod defaults;
/// Reading an answer off a raw TCP connection, for requests no HTTP client would send.
pub(crate) mod raw;
/// In-process servers, over HTTPS when the run asks for it (`COZE_MOCK_TEST_TLS=1`).
pub(crate) mod server;
/// A team configuration with two workspaces and a token for each situation, and a server with it.
pub(crate) mod team;
/// WAV files to upload, and reading a WAV's length.
pub(crate) mod wav;
