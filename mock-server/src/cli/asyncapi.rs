//! `coze-mock asyncapi`: prints the AsyncAPI 3.0 document of streaming speech the server serves at
//! `/__mock/asyncapi.json`.

use coze_mock::__internals::asyncapi::document;

/// Prints the document as pretty JSON.
pub(crate) fn run() -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(&document())?);
    Ok(())
}
