//! [`notice`]: lines every run shows, whatever the test harness captures.

use std::io::Write;

/// Writes a line to stderr past the test harness's capture, so skips and spends are always seen.
pub fn notice(line: &str) {
    let test = std::thread::current()
        .name()
        .unwrap_or("contract-tests")
        .to_owned();
    let _ = writeln!(std::io::stderr(), "[contract] {test}: {line}");
}
