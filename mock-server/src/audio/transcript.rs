//! The transcript stand-in: the fake cannot run speech recognition, so it reads what the speech says from
//! the file's own metadata, where a test author puts it (`ffmpeg -metadata transcript=…`, or `comment=`).
//!
//! Tags read, most specific first ([`Rank`]): a field named `transcript` (ID3v2 `TXXX:transcript`, Vorbis
//! comment `TRANSCRIPT=`), then lyrics (ID3v2 `USLT`, `LYRICS=`, MP4 `©lyr`), then a comment (ID3v2 `COMM`,
//! `COMMENT=`, RIFF INFO `ICMT`, MP4 `©cmt`). Values over [`TRANSCRIPT_MAX_BYTES`] are ignored.

use crate::rules::TEXT_MAX_BYTES;

/// Longest metadata value read as a transcript; 4× the `text` limit, so any transcript a `text` could
/// match fits, and the sniffer's memory stays bounded.
pub(crate) const TRANSCRIPT_MAX_BYTES: usize = 4 * TEXT_MAX_BYTES;

/// How specific a metadata field is; lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rank {
    /// A field named `transcript`.
    Transcript,
    /// Lyrics.
    Lyrics,
    /// A free comment.
    Comment,
}

impl Rank {
    /// The rank of a Vorbis comment field name (`TRANSCRIPT`, `LYRICS`, `COMMENT`; case-insensitive).
    pub(crate) fn of_key(key: &str) -> Option<Rank> {
        [
            ("transcript", Rank::Transcript),
            ("lyrics", Rank::Lyrics),
            ("unsyncedlyrics", Rank::Lyrics),
            ("comment", Rank::Comment),
            ("description", Rank::Comment),
        ]
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, r)| r)
    }
}

/// The best transcript candidate seen so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Best(Option<(Rank, String)>);

impl Best {
    /// Offers a candidate; kept if non-blank and better ranked than what is held (the first wins ties).
    pub(crate) fn offer(&mut self, rank: Rank, text: &str) {
        let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
        if text.is_empty() || text.len() > TRANSCRIPT_MAX_BYTES {
            return;
        }
        if self.0.as_ref().is_none_or(|(held, _)| rank < *held) {
            self.0 = Some((rank, text.to_owned()));
        }
    }

    /// The transcript, if any.
    pub(crate) fn into_text(self) -> Option<String> {
        self.0.map(|(_, t)| t)
    }
}

/// Splits ID3v2 text in encoding `enc` at its first terminator (1 zero byte, or 2 aligned ones for
/// UTF-16): the string before and the bytes after (ID3v2.4 §4, "$00 / $00 00").
pub(crate) fn id3_split(enc: u8, bytes: &[u8]) -> (String, &[u8]) {
    let wide = matches!(enc, 1 | 2);
    let end = if wide {
        bytes
            .chunks_exact(2)
            .position(|p| p == [0, 0])
            .map(|i| (i * 2, i * 2 + 2))
    } else {
        bytes.iter().position(|&b| b == 0).map(|i| (i, i + 1))
    };
    match end {
        Some((stop, next)) => (
            id3_text(enc, bytes.get(..stop).unwrap_or_default()),
            bytes.get(next..).unwrap_or_default(),
        ),
        None => (id3_text(enc, bytes), &[]),
    }
}

/// Decodes ID3v2 text: 0 ISO-8859-1, 1 UTF-16 with BOM, 2 UTF-16BE, 3 UTF-8 (ID3v2.4 §4).
pub(crate) fn id3_text(enc: u8, bytes: &[u8]) -> String {
    match enc {
        0 => bytes.iter().map(|&b| char::from(b)).collect(),
        1 | 2 => {
            let (big, body) = match bytes {
                [0xFF, 0xFE, rest @ ..] => (false, rest),
                [0xFE, 0xFF, rest @ ..] => (true, rest),
                _ => (enc == 2, bytes),
            };
            let units = body.chunks_exact(2).map(|p| match p {
                [a, b] if big => u16::from_be_bytes([*a, *b]),
                [a, b] => u16::from_le_bytes([*a, *b]),
                _ => 0,
            });
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect()
        }
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Reads a Vorbis comment block (Vorbis I spec §5.2.1; Opus `OpusTags` uses the same layout) from a
/// possibly cut-short packet body: vendor string, count, then `KEY=value` fields, all lengths u32 LE.
pub(crate) fn vorbis_comments(body: &[u8], best: &mut Best) {
    let mut rest = body;
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, tail) = rest.split_at_checked(n)?;
        rest = tail;
        Some(head)
    };
    let len = |b: &[u8]| usize::try_from(super::stream::le(b, 0, 4)).unwrap_or(usize::MAX);
    let Some(vendor_len) = take(4).map(len) else {
        return;
    };
    if take(vendor_len).is_none() {
        return;
    }
    let Some(count) = take(4).map(len) else {
        return;
    };
    for _ in 0..count {
        let Some(field) = take(4).map(len).and_then(&mut take) else {
            return;
        };
        let field = String::from_utf8_lossy(field);
        if let Some((key, value)) = field.split_once('=') {
            if let Some(rank) = Rank::of_key(key) {
                best.offer(rank, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn better_ranked_fields_win_and_blank_ones_are_ignored() {
        let mut best = Best::default();
        best.offer(Rank::Comment, "a comment");
        best.offer(Rank::Transcript, "  \0");
        best.offer(Rank::Transcript, "the words\0");
        best.offer(Rank::Lyrics, "lyrics");
        assert_eq!(best.into_text().as_deref(), Some("the words"));
    }

    #[test]
    fn oversized_values_are_not_transcripts() {
        let mut best = Best::default();
        best.offer(Rank::Transcript, &"x".repeat(TRANSCRIPT_MAX_BYTES + 1));
        assert_eq!(best.into_text(), None);
    }

    #[test]
    fn id3_text_decodes_every_encoding() {
        assert_eq!(id3_text(0, b"caf\xe9"), "café");
        assert_eq!(id3_text(1, &[0xFF, 0xFE, b'h', 0, b'i', 0]), "hi");
        assert_eq!(id3_text(1, &[0xFE, 0xFF, 0x4F, 0x60]), "你");
        assert_eq!(id3_text(2, &[0x4F, 0x60, 0x59, 0x7D]), "你好");
        assert_eq!(id3_text(3, "你好".as_bytes()), "你好");
    }

    #[test]
    fn id3_split_stops_at_the_encodings_terminator() {
        assert_eq!(id3_split(3, b"desc\0value"), ("desc".into(), &b"value"[..]));
        let wide = [b'd', 0, 0, 0, b'v', 0];
        assert_eq!(id3_split(1, &wide), ("d".into(), &[b'v', 0][..]));
        assert_eq!(id3_split(0, b"no end"), ("no end".into(), &[][..]));
    }

    #[test]
    fn vorbis_comments_pick_the_transcript_and_survive_cut_blocks() {
        let mut block = Vec::new();
        block.extend_from_slice(&3u32.to_le_bytes());
        block.extend_from_slice(b"ven");
        block.extend_from_slice(&2u32.to_le_bytes());
        for field in ["COMMENT=hello", "transcript=the words"] {
            block.extend_from_slice(&u32::try_from(field.len()).unwrap_or(0).to_le_bytes());
            block.extend_from_slice(field.as_bytes());
        }
        let mut best = Best::default();
        vorbis_comments(&block, &mut best);
        assert_eq!(best.into_text().as_deref(), Some("the words"));
        for cut in 0..block.len() {
            vorbis_comments(block.get(..cut).unwrap_or_default(), &mut Best::default());
        }
    }
}
