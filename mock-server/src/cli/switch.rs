//! On/off values of `COZE_MOCK_*` variables, spelled the ways shells and CI systems spell them.

/// `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off` (any case); empty is false, as an unset variable.
pub(crate) fn parse(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "on" => Ok(true),
        "false" | "0" | "no" | "n" | "off" | "" => Ok(false),
        _ => Err(format!(
            "{value:?} is neither on (true, 1, yes, on) nor off (false, 0, no, off, empty)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn the_usual_spellings_and_empty_are_read() {
        for on in ["true", "TRUE", "1", "yes", "on", " True "] {
            assert_eq!(parse(on), Ok(true), "{on:?}");
        }
        for off in ["false", "False", "0", "no", "off", ""] {
            assert_eq!(parse(off), Ok(false), "{off:?}");
        }
    }

    #[test]
    fn anything_else_is_refused_with_the_accepted_spellings() {
        let err = parse("ture").unwrap_err();
        assert!(
            err.contains("\"ture\"") && err.contains("false, 0, no, off"),
            "{err}"
        );
    }
}
