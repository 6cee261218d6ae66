//! The names each endpoint documents ([`crate::catalogue`]), and "did you mean" for the names clients
//! send instead.

use crate::capture::Endpoint;

/// Names clients send for a documented one that no spelling rule finds: other APIs' words.
const ALIASES: [(Endpoint, &str, &str); 12] = [
    (Endpoint::Clone, "name", "voice_name"),
    (Endpoint::Clone, "format", "audio_format"),
    (Endpoint::Clone, "audio", "file"),
    (Endpoint::Clone, "audio_file", "file"),
    (Endpoint::Clone, "lang", "language"),
    (Endpoint::Speech, "text", "input"),
    (Endpoint::Speech, "voice", "voice_id"),
    (Endpoint::Speech, "format", "response_format"),
    (Endpoint::List, "page", "page_num"),
    (Endpoint::List, "size", "page_size"),
    (Endpoint::List, "limit", "page_size"),
    (Endpoint::List, "per_page", "page_size"),
];

/// The names of the inputs `endpoint` documents, as the catalogue lists them (none for unknown paths).
pub(crate) fn documented(endpoint: Endpoint) -> Vec<&'static str> {
    endpoint
        .def()
        .map(|d| d.input_names().collect())
        .unwrap_or_default()
}

/// A name with case and separators dropped: `voiceName`, `voice-name` and `VOICE_NAME` all give
/// `voicename`.
fn folded(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' ' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The documented name `sent` most likely stands for: same letters in another case or separator style,
/// a known alias, or a misspelling at most two edits away (for names of four or more characters).
pub(crate) fn did_you_mean(endpoint: Endpoint, sent: &str) -> Option<&'static str> {
    let names = documented(endpoint);
    let f = folded(sent);
    if let Some(name) = names.iter().find(|n| folded(n) == f) {
        return Some(*name);
    }
    if let Some((_, _, name)) = ALIASES
        .iter()
        .find(|(e, alias, _)| *e == endpoint && folded(alias) == f)
    {
        return Some(name);
    }
    if f.chars().count() < 4 {
        return None;
    }
    names
        .iter()
        .map(|n| (strsim::levenshtein(&f, &folded(n)), *n))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_near_misses_named_in_the_issue_find_their_field() {
        let cases = [
            ("voiceName", "voice_name"),
            ("voice-name", "voice_name"),
            ("name", "voice_name"),
            ("format", "audio_format"),
            ("audio", "file"),
            ("lang", "language"),
            ("spaceId", "space_id"),
            ("voice_nmae", "voice_name"),
            ("langauge", "language"),
        ];
        for (sent, meant) in cases {
            assert_eq!(did_you_mean(Endpoint::Clone, sent), Some(meant), "{sent}");
        }
    }

    #[test]
    fn speech_keys_and_list_parameters_have_their_own_vocabulary() {
        assert_eq!(did_you_mean(Endpoint::Speech, "text"), Some("input"));
        assert_eq!(did_you_mean(Endpoint::Speech, "voiceId"), Some("voice_id"));
        assert_eq!(
            did_you_mean(Endpoint::Speech, "responseFormat"),
            Some("response_format")
        );
        assert_eq!(did_you_mean(Endpoint::List, "pageSize"), Some("page_size"));
        assert_eq!(did_you_mean(Endpoint::List, "page"), Some("page_num"));
        assert_eq!(did_you_mean(Endpoint::Clone, "text"), Some("text"));
    }

    #[test]
    fn names_far_from_any_documented_one_get_no_suggestion() {
        assert_eq!(did_you_mean(Endpoint::Clone, "model"), None);
        assert_eq!(did_you_mean(Endpoint::Clone, "x"), None);
        assert_eq!(did_you_mean(Endpoint::Speech, "stream"), None);
        assert_eq!(did_you_mean(Endpoint::Other, "voice_name"), None);
    }
}
