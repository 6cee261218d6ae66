//! Word error rate, the measure behind 「扣子平台服务会对比音频与该文本的差异，若差异过大会报错 1109
//! WERError」: the Levenshtein distance between the token sequences of the speech (reference) and the
//! `text` (hypothesis), divided by the reference's length. Case and punctuation are ignored; Chinese and
//! Japanese characters count one token each (the usual character error rate for text without spaces),
//! other scripts are split into words at anything that is not a letter or digit.

/// The comparable tokens of a text: lower-cased words, and single CJK characters.
pub(crate) fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if is_cjk(c) {
            flush(&mut word, &mut out);
            out.push(c.to_string());
        } else if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else {
            flush(&mut word, &mut out);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn flush(word: &mut String, out: &mut Vec<String>) {
    if !word.is_empty() {
        out.push(std::mem::take(word));
    }
}

/// Han ideographs and kana: scripts written without spaces between words.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}'   // Hiragana, Katakana
        | '\u{3400}'..='\u{4DBF}' // CJK Extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK Unified Ideographs
        | '\u{F900}'..='\u{FAFF}' // CJK Compatibility Ideographs
        | '\u{20000}'..='\u{2FA1F}')
}

/// Edits (substitutions, deletions, insertions) turning `reference` into `hypothesis`, over the
/// reference's token count. 0 for two empty texts; 1 when only the reference is empty.
pub(crate) fn word_error_rate(reference: &str, hypothesis: &str) -> f64 {
    let r = tokens(reference);
    let h = tokens(hypothesis);
    if r.is_empty() {
        return if h.is_empty() { 0.0 } else { 1.0 };
    }
    let mut prev: Vec<usize> = (0..=h.len()).collect();
    let mut row = vec![0; h.len() + 1];
    for (i, rt) in r.iter().enumerate() {
        let mut diag = prev.first().copied().unwrap_or(i);
        let mut left = i + 1;
        if let Some(first) = row.first_mut() {
            *first = left;
        }
        for (cell, (up, ht)) in row.iter_mut().skip(1).zip(prev.iter().skip(1).zip(&h)) {
            let cost = usize::from(rt != ht);
            let value = (diag + cost).min(up + 1).min(left + 1);
            diag = *up;
            left = value;
            *cell = value;
        }
        std::mem::swap(&mut prev, &mut row);
    }
    let distance = prev.last().copied().unwrap_or(0);
    distance as f64 / r.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_texts_differing_only_in_case_and_punctuation_score_zero() {
        assert_eq!(word_error_rate("Hello, World!", "hello world"), 0.0);
        assert_eq!(
            word_error_rate(
                "你好，我是你的专属AI克隆声音",
                "你好我是你的专属 ai 克隆声音。"
            ),
            0.0
        );
    }

    #[test]
    fn counts_substitutions_deletions_and_insertions() {
        assert_eq!(word_error_rate("a b c d", "a x c d"), 0.25);
        assert_eq!(word_error_rate("a b c d", "a c d"), 0.25);
        assert_eq!(word_error_rate("a b c d", "a b c d e f"), 0.5);
        assert_eq!(word_error_rate("a b", "c d e f"), 2.0);
    }

    #[test]
    fn chinese_is_compared_by_character() {
        assert_eq!(tokens("你好AI世界"), ["你", "好", "ai", "世", "界"]);
        assert_eq!(word_error_rate("你好世界", "你好地球"), 0.5);
    }

    #[test]
    fn empty_references_are_handled() {
        assert_eq!(word_error_rate("", ""), 0.0);
        assert_eq!(word_error_rate("...", "words"), 1.0);
        assert_eq!(word_error_rate("words", ""), 1.0);
    }
}
