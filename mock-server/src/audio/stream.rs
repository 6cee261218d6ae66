//! The push-parser driver every container parser runs on: a parser asks for the next `n` bytes (kept in a
//! small buffer until they are all there) or for `n` bytes to be skipped (never buffered), so memory stays
//! bounded by the largest single request however the upload is split into chunks.

use super::AudioError;

/// What a parser wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// Exactly this many bytes, handed over in one slice. Parsers keep requests small (a header, a
    /// bounded metadata value): this is the only buffering.
    Bytes(usize),
    /// Pass over this many bytes without looking at them (audio payload).
    Skip(u64),
    /// Everything up to the end of the upload is payload (a WAV `data` chunk of unknown size).
    Rest,
}

/// How the upload ended, relative to what the parser was waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pending<'a> {
    /// At a boundary: nothing of a pending request had arrived (or the parser was reading to the end).
    Clean,
    /// Part of a `Bytes` request arrived: these bytes, fewer than asked for.
    Partial(&'a [u8]),
    /// In the middle of a `Skip`: this many bytes were still promised.
    Skipping(u64),
}

/// One container format's state machine.
pub(crate) trait Parser {
    /// Called when the last [`Need`] is met: with the requested bytes (which start at offset `at` of
    /// the upload) after `Bytes`, with an empty slice after `Skip`. Returns the next need.
    fn step(&mut self, bytes: &[u8], at: u64) -> Result<Need, AudioError>;

    /// Called at the end of the upload (`total` bytes) when no step failed.
    fn end(self, pending: Pending<'_>, total: u64) -> Result<super::AudioInfo, AudioError>;
}

/// Runs a [`Parser`] over chunks split anywhere.
#[derive(Debug)]
pub(crate) struct Stream<P> {
    parser: P,
    need: Need,
    buf: Vec<u8>,
    pos: u64,
    failed: Option<AudioError>,
}

impl<P: Parser> Stream<P> {
    /// A stream whose parser first wants `first`.
    pub(crate) fn new(parser: P, first: Need) -> Self {
        Self {
            parser,
            need: first,
            buf: Vec::new(),
            pos: 0,
            failed: None,
        }
    }

    /// Feeds the next chunk.
    pub(crate) fn feed(&mut self, mut chunk: &[u8]) {
        while self.failed.is_none() {
            let result = match self.need {
                Need::Rest => {
                    self.pos += chunk.len() as u64;
                    return;
                }
                Need::Skip(n) => {
                    if n > 0 {
                        let k = n.min(chunk.len() as u64);
                        chunk = chunk
                            .get(usize::try_from(k).unwrap_or(0)..)
                            .unwrap_or_default();
                        self.pos += k;
                        self.need = Need::Skip(n - k);
                        if n > k {
                            return;
                        }
                    }
                    self.parser.step(&[], self.pos)
                }
                Need::Bytes(n) => {
                    if self.buf.is_empty() && chunk.len() >= n {
                        let (now, rest) = chunk.split_at(n);
                        chunk = rest;
                        let at = self.pos;
                        self.pos += n as u64;
                        self.parser.step(now, at)
                    } else {
                        if chunk.is_empty() {
                            return;
                        }
                        let take = n.saturating_sub(self.buf.len()).min(chunk.len());
                        let (now, rest) = chunk.split_at(take);
                        self.buf.extend_from_slice(now);
                        chunk = rest;
                        self.pos += take as u64;
                        if self.buf.len() < n {
                            return;
                        }
                        let bytes = std::mem::take(&mut self.buf);
                        let result = self.parser.step(&bytes, self.pos - n as u64);
                        self.buf = bytes;
                        self.buf.clear();
                        result
                    }
                }
            };
            match result {
                Ok(need) => self.need = need,
                Err(e) => self.failed = Some(e),
            }
        }
    }

    /// Ends the upload and gives the parser's verdict.
    pub(crate) fn finish(self) -> Result<super::AudioInfo, AudioError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let pending = match self.need {
            Need::Bytes(_) if !self.buf.is_empty() => Pending::Partial(&self.buf),
            Need::Skip(n) if n > 0 => Pending::Skipping(n),
            _ => Pending::Clean,
        };
        self.parser.end(pending, self.pos)
    }

    /// Bytes the stream holds beyond its fixed-size state (the request buffer's capacity).
    #[cfg(test)]
    pub(crate) fn retained(&self) -> usize {
        self.buf.capacity()
    }
}

/// Big-endian reads at an offset of a slice the parser asked for; a read past the end gives 0 (it
/// cannot happen for offsets inside the requested length, and 0 keeps every read panic-free).
pub(crate) fn be(bytes: &[u8], at: usize, width: usize) -> u64 {
    bytes
        .get(at..at.saturating_add(width))
        .map_or(0, |b| b.iter().fold(0, |acc, &x| (acc << 8) | u64::from(x)))
}

/// Little-endian counterpart of [`be`].
pub(crate) fn le(bytes: &[u8], at: usize, width: usize) -> u64 {
    bytes.get(at..at.saturating_add(width)).map_or(0, |b| {
        b.iter().rev().fold(0, |acc, &x| (acc << 8) | u64::from(x))
    })
}

/// The byte at an offset, or 0 past the end.
pub(crate) fn byte(bytes: &[u8], at: usize) -> u8 {
    bytes.get(at).copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_endian_correct_and_never_panic() {
        let b = [0x12, 0x34, 0x56, 0x78];
        assert_eq!(be(&b, 0, 4), 0x1234_5678);
        assert_eq!(le(&b, 0, 2), 0x3412);
        assert_eq!(be(&b, 3, 4), 0);
        assert_eq!(le(&b, usize::MAX, 4), 0);
        assert_eq!(byte(&b, 9), 0);
    }
}
