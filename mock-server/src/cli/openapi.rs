//! `coze-mock openapi`: prints the OpenAPI 3.1 description the server serves at `/__mock/openapi.json`.

use coze_mock::__internals::openapi::document;

/// Prints the description as pretty JSON.
pub(crate) fn run() -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(&document())?);
    Ok(())
}
