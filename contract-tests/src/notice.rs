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

/// The word every skip notice starts with (`Api::may_spend`, `Api::has_role`, `Api::is_fake`, …).
pub const SKIPPED: &str = "skipped";

/// The closing line of a run, from its notices (the harness's stderr): how many tests passed without
/// checking anything because an opt-in was missing, and why. `cargo test` reports those tests as `ok`,
/// so a green real run would otherwise overstate what it checked. `None` when nothing was skipped.
pub fn skip_summary(notices: &str) -> Option<String> {
    let mut reasons: Vec<(String, Vec<String>)> = Vec::new();
    for line in notices.lines() {
        let Some(rest) = line.strip_prefix("[contract] ") else {
            continue;
        };
        let Some((test, note)) = rest.split_once(": ") else {
            continue;
        };
        let Some(why) = note.strip_prefix(SKIPPED) else {
            continue;
        };
        // "skipped (would spend 1 clone(s): clone one new voice): needs X": the reason is what it needs.
        let reason = why
            .rsplit_once("): ")
            .map_or(why, |(_, needs)| needs)
            .trim_start_matches([':', ' '])
            .to_owned();
        match reasons.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, tests)) => tests.push(test.to_owned()),
            None => reasons.push((reason, vec![test.to_owned()])),
        }
    }
    let total: usize = reasons.iter().map(|(_, t)| t.len()).sum();
    (total > 0).then(|| {
        let parts: Vec<String> = reasons
            .iter()
            .map(|(reason, tests)| format!("{} ({reason})", tests.len()))
            .collect();
        format!(
            "contract: {total} test(s) reported ok checked nothing on this target, skipped for lack of an \
             opt-in: {}",
            parts.join("; ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_are_counted_by_reason_and_other_notices_ignored() {
        let stderr = "\
[contract] clone_voice::a: skipped (would spend 1 clone(s): clone one new voice): needs COZE_CONTRACT_ALLOW_SPEND=1, COZE_CONTRACT_SPEND_BUDGET and COZE_CONTRACT_RETRAIN_VOICE_ID
[contract] formats::b: skipped (would spend 6 clone(s): one clone per listed format): needs COZE_CONTRACT_ALLOW_SPEND=1, COZE_CONTRACT_SPEND_BUDGET and COZE_CONTRACT_RETRAIN_VOICE_ID
[contract] auth::c: skipped: set COZE_CONTRACT_TOKEN_EXPIRED to run it
[contract] formats::d: skipped on the real API: the real service cannot tell a pcm file's rate from its bytes
[contract] clone_voice::e: reserved 1 clone(s) for: x (1 of 2 reserved)
test clone_voice::a ... ok
";
        let line = skip_summary(stderr).unwrap();
        assert!(
            line.starts_with("contract: 4 test(s) reported ok checked nothing"),
            "{line}"
        );
        assert!(
            line.contains("2 (needs COZE_CONTRACT_ALLOW_SPEND=1"),
            "{line}"
        );
        assert!(
            line.contains("1 (set COZE_CONTRACT_TOKEN_EXPIRED to run it)"),
            "{line}"
        );
        assert!(
            line.contains("1 (on the real API: the real service cannot tell"),
            "{line}"
        );
        assert_eq!(skip_summary("[contract] x: reserved 1 clone(s)\n"), None);
    }
}
