//! ID3v2 tags (id3.org, ID3v2.3.0 and ID3v2.4.0 "structure"; v2.2 for its 6-byte frame headers): a
//! 10-byte header whose size is a 28-bit "syncsafe" integer, then frames. The tag is walked frame by frame
//! without buffering it; only `TXXX:transcript`, `USLT` and `COMM` bodies no longer than
//! [`TRANSCRIPT_MAX_BYTES`] are read (see [`super::transcript`]). Tags using unsynchronisation or an
//! extended header are skipped whole (no transcript).

use super::stream::{be, byte, Need};
use super::transcript::{id3_split, id3_text, Best, Rank, TRANSCRIPT_MAX_BYTES};

/// The 10-byte tag header: `ID3`, version, revision, flags, syncsafe size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TagHeader {
    version: u8,
    flags: u8,
    /// Bytes after the header, footer included.
    body: u64,
}

/// Parses a tag header; `None` if it is not one (a syncsafe byte with its top bit set, an unknown
/// major version).
pub(crate) fn tag_header(h: &[u8]) -> Option<TagHeader> {
    let size = h.get(6..10)?;
    if h.get(..3) != Some(b"ID3")
        || !(2..=4).contains(&byte(h, 3))
        || size.iter().any(|b| b & 0x80 != 0)
    {
        return None;
    }
    let flags = byte(h, 5);
    let footer = if flags & 0x10 != 0 { 10 } else { 0 };
    Some(TagHeader {
        version: byte(h, 3),
        flags,
        body: syncsafe(size) + footer,
    })
}

fn syncsafe(b: &[u8]) -> u64 {
    b.iter().fold(0, |acc, &x| (acc << 7) | u64::from(x & 0x7F))
}

/// Where a walk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for a frame header.
    Header,
    /// Waiting for the body of an interesting frame.
    Body { kind: Kind, flags: u8 },
    /// Skipping (a frame, or the rest of the tag).
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Txxx,
    Uslt,
    Comm,
}

/// What a walk wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Walked {
    /// More of the tag.
    Need(Need),
    /// The tag is over.
    Done,
}

/// A walk through one tag's frames.
#[derive(Debug, Clone)]
pub(crate) struct Walk {
    version: u8,
    /// Tag bytes not yet requested.
    rest: u64,
    state: State,
}

impl Walk {
    /// Starts walking the body of a tag.
    pub(crate) fn start(header: TagHeader) -> (Walk, Walked) {
        let mut walk = Walk {
            version: header.version,
            rest: header.body,
            state: State::Skipped,
        };
        // Unsynchronisation (0x80) and extended headers (0x40) change the layout: skip the tag.
        let next = if header.flags & 0xC0 != 0 {
            walk.skip_rest()
        } else {
            walk.next()
        };
        (walk, next)
    }

    fn header_len(&self) -> u64 {
        if self.version == 2 {
            6
        } else {
            10
        }
    }

    fn skip_rest(&mut self) -> Walked {
        let n = std::mem::take(&mut self.rest);
        self.state = State::Skipped;
        if n == 0 {
            Walked::Done
        } else {
            Walked::Need(Need::Skip(n))
        }
    }

    fn next(&mut self) -> Walked {
        if self.rest < self.header_len() {
            return self.skip_rest();
        }
        self.rest -= self.header_len();
        self.state = State::Header;
        Walked::Need(Need::Bytes(self.header_len() as usize))
    }

    /// Feeds what the last need asked for; `best` collects transcript candidates.
    pub(crate) fn step(&mut self, b: &[u8], best: &mut Best) -> Walked {
        match self.state {
            State::Skipped if self.rest == 0 => Walked::Done,
            State::Skipped => self.next(),
            State::Header => self.header(b),
            State::Body { kind, flags } => {
                read_frame(kind, flags, self.version, b, best);
                self.next()
            }
        }
    }

    fn header(&mut self, b: &[u8]) -> Walked {
        if byte(b, 0) == 0 {
            return self.skip_rest(); // padding
        }
        let (id, size, flags) = if self.version == 2 {
            (b.get(..3).unwrap_or_default(), be(b, 3, 3), 0)
        } else if self.version == 4 {
            (
                b.get(..4).unwrap_or_default(),
                syncsafe(b.get(4..8).unwrap_or_default()),
                byte(b, 9),
            )
        } else {
            (b.get(..4).unwrap_or_default(), be(b, 4, 4), byte(b, 9))
        };
        if size > self.rest {
            return self.skip_rest();
        }
        let kind = match id {
            b"TXXX" | b"TXX" => Some(Kind::Txxx),
            b"USLT" | b"ULT" => Some(Kind::Uslt),
            b"COMM" | b"COM" => Some(Kind::Comm),
            _ => None,
        };
        // v2.3 flags: 0x80 compressed, 0x40 encrypted; v2.4: 0x08, 0x04, and 0x02 unsynchronised.
        let unreadable = if self.version == 3 { 0xC0 } else { 0x0E };
        self.rest -= size;
        match kind {
            Some(kind) if flags & unreadable == 0 && size as usize <= TRANSCRIPT_MAX_BYTES + 64 => {
                self.state = State::Body { kind, flags };
                Walked::Need(Need::Bytes(size as usize))
            }
            _ => {
                self.state = State::Skipped;
                Walked::Need(Need::Skip(size))
            }
        }
    }
}

/// Reads TXXX (encoding, description, value), USLT and COMM (encoding, language, description, text).
fn read_frame(kind: Kind, flags: u8, version: u8, body: &[u8], best: &mut Best) {
    // v2.3 grouping (0x20) adds 1 byte; v2.4 grouping (0x40) 1 and data length indicator (0x01) 4.
    let extra = match version {
        3 => usize::from(flags & 0x20 != 0),
        4 => usize::from(flags & 0x40 != 0) + 4 * usize::from(flags & 0x01 != 0),
        _ => 0,
    };
    let body = body.get(extra..).unwrap_or_default();
    let Some((&enc, rest)) = body.split_first() else {
        return;
    };
    match kind {
        Kind::Txxx => {
            let (description, value) = id3_split(enc, rest);
            if description.eq_ignore_ascii_case("transcript") {
                best.offer(Rank::Transcript, &id3_text(enc, value));
            }
        }
        Kind::Uslt | Kind::Comm => {
            let (description, text) = id3_split(enc, rest.get(3..).unwrap_or_default());
            // iTunes stores loudness and gapless data in COMM frames named iTun…
            if kind == Kind::Comm && description.starts_with("iTun") {
                return;
            }
            let rank = if kind == Kind::Uslt {
                Rank::Lyrics
            } else {
                Rank::Comment
            };
            best.offer(rank, &id3_text(enc, text));
        }
    }
}

/// A v2.4 tag holding the given frames (id, body), for tests.
#[cfg(test)]
pub(crate) fn tag(frames: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (id, data) in frames {
        body.extend_from_slice(*id);
        let n = u32::try_from(data.len()).unwrap_or(0);
        body.extend([
            (n >> 21) as u8 & 0x7F,
            (n >> 14) as u8 & 0x7F,
            (n >> 7) as u8 & 0x7F,
            n as u8 & 0x7F,
        ]);
        body.extend_from_slice(&[0, 0]);
        body.extend_from_slice(data);
    }
    body.extend_from_slice(&[0; 16]); // padding
    let n = u32::try_from(body.len()).unwrap_or(0);
    let mut t = b"ID3\x04\0\0".to_vec();
    t.extend([
        (n >> 21) as u8 & 0x7F,
        (n >> 14) as u8 & 0x7F,
        (n >> 7) as u8 & 0x7F,
        n as u8 & 0x7F,
    ]);
    t.extend_from_slice(&body);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(tag: &[u8]) -> Option<String> {
        let header = tag_header(tag).expect("tag header");
        let mut rest = tag.get(10..).unwrap_or_default();
        let mut best = Best::default();
        let (mut w, mut next) = Walk::start(header);
        while let Walked::Need(need) = next {
            let n = match need {
                Need::Bytes(n) => n,
                Need::Skip(n) => usize::try_from(n).unwrap_or(usize::MAX),
                Need::Rest => rest.len(),
            };
            let (now, after) = rest.split_at_checked(n).unwrap_or((rest, &[]));
            rest = after;
            let bytes = if matches!(need, Need::Bytes(_)) {
                now
            } else {
                &[]
            };
            next = w.step(bytes, &mut best);
        }
        best.into_text()
    }

    #[test]
    fn syncsafe_sizes_use_seven_bits_a_byte() {
        let h = tag_header(b"ID3\x04\0\0\0\0\x02\x01").expect("header");
        assert_eq!(h.body, 257);
        assert_eq!(tag_header(b"ID3\x04\0\0\0\0\x80\x01"), None);
        assert_eq!(tag_header(b"ID3\x05\0\0\0\0\0\0"), None);
    }

    #[test]
    fn txxx_transcript_beats_comm() {
        let t = tag(&[
            (b"COMM", b"\x03eng\0a comment"),
            (b"TPE1", b"\x03someone"),
            (b"TXXX", b"\x03transcript\0the words"),
        ]);
        assert_eq!(walk(&t).as_deref(), Some("the words"));
    }

    #[test]
    fn itunes_comments_are_not_transcripts_and_lyrics_are() {
        let t = tag(&[
            (b"COMM", b"\x00eng iTunNORM\0 0000"),
            (b"USLT", b"\x03eng\0sung words"),
        ]);
        assert_eq!(walk(&t).as_deref(), Some("sung words"));
    }

    #[test]
    fn unsynchronised_tags_are_skipped_whole() {
        let mut t = tag(&[(b"COMM", b"\x03eng\0text")]);
        if let Some(flags) = t.get_mut(5) {
            *flags = 0x80;
        }
        assert_eq!(walk(&t), None);
    }
}
