//! [`AudioHasher`]: the fingerprint of an upload, enough to tell a retried clone from a new one.

use crate::fnv;

/// A fast, non-cryptographic fingerprint of an upload, enough to tell that two uploads carry the same
/// audio: FNV-1a (64-bit) in four independent lanes over a sample of the bytes ([`SAMPLE_WINDOW`] bytes
/// at the start of every [`SAMPLE_STRIDE`], the first included), the last [`SAMPLE_WINDOW`] bytes and the
/// length. Hashing every byte of a 10 MiB upload took about as long as the bare server takes to read it,
/// and hashing the first 64 KiB whole was a seventh of a 100 KiB clone's instructions (bench/README.md);
/// the sample is 1/16 of the bytes. Two recordings that differ only between the windows would share a
/// fingerprint, which real recordings of different takes never do (the first window holds the header and
/// the first samples). How the upload was cut into chunks does not change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AudioHasher {
    lanes: FnvLanes,
    /// Bytes taken so far: the position of the next byte.
    len: u64,
    /// The latest bytes, oldest first once full.
    tail: [u8; SAMPLE_WINDOW],
    tail_len: usize,
}

/// A window is hashed at the start of every this many bytes.
pub(crate) const SAMPLE_STRIDE: u64 = 64 * 1024;
/// The size of each sampled window, and of the tail that is always hashed.
pub(crate) const SAMPLE_WINDOW: usize = 4 * 1024;

impl Default for AudioHasher {
    fn default() -> Self {
        AudioHasher {
            lanes: FnvLanes::default(),
            len: 0,
            tail: [0; SAMPLE_WINDOW],
            tail_len: 0,
        }
    }
}

impl AudioHasher {
    /// The digest of `bytes` in one piece.
    #[cfg(test)]
    pub(crate) fn digest(bytes: &[u8]) -> String {
        let mut h = AudioHasher::default();
        h.update(bytes);
        h.hex()
    }

    /// Takes the next bytes.
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        let mut at = 0;
        while at < bytes.len() {
            let pos = self.len + at as u64;
            let left = (bytes.len() - at) as u64;
            let into_stride = pos % SAMPLE_STRIDE;
            let (sampled, run) = if into_stride < SAMPLE_WINDOW as u64 {
                (true, SAMPLE_WINDOW as u64 - into_stride)
            } else {
                (false, SAMPLE_STRIDE - into_stride)
            };
            let n = run.min(left) as usize;
            if sampled {
                self.lanes.update(&bytes[at..at + n]);
            }
            at += n;
        }
        self.len += bytes.len() as u64;
        self.keep_tail(bytes);
    }

    fn keep_tail(&mut self, bytes: &[u8]) {
        if bytes.len() >= SAMPLE_WINDOW {
            self.tail
                .copy_from_slice(&bytes[bytes.len() - SAMPLE_WINDOW..]);
            self.tail_len = SAMPLE_WINDOW;
            return;
        }
        let overflow = (self.tail_len + bytes.len()).saturating_sub(SAMPLE_WINDOW);
        if overflow > 0 {
            self.tail.copy_within(overflow..self.tail_len, 0);
            self.tail_len -= overflow;
        }
        self.tail[self.tail_len..self.tail_len + bytes.len()].copy_from_slice(bytes);
        self.tail_len += bytes.len();
    }

    /// The digest of everything taken so far, as 16 hex digits.
    pub(crate) fn hex(&self) -> String {
        let mut tail = FnvLanes::default();
        tail.update(&self.tail[..self.tail_len]);
        let state = fnv::step(fnv::step(self.lanes.finish(), tail.finish()), self.len);
        format!("{state:016x}")
    }
}

/// FNV-1a (64-bit) over 8-byte words in four independent lanes (32-byte blocks), folded together at the
/// end: one lane is a chain of dependent multiplications, four let the processor run them side by side.
/// Its result depends only on the bytes taken, not on how they were cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FnvLanes {
    lanes: [u64; LANES],
    pending: [u8; BLOCK],
    pending_len: usize,
}

/// Independent FNV states.
const LANES: usize = 4;
/// Bytes one round of the lanes takes.
const BLOCK: usize = LANES * 8;

impl Default for FnvLanes {
    fn default() -> Self {
        FnvLanes {
            lanes: [fnv::OFFSET; LANES],
            pending: [0; BLOCK],
            pending_len: 0,
        }
    }
}

fn word(bytes: &[u8]) -> u64 {
    let mut w = [0; 8];
    w[..bytes.len()].copy_from_slice(bytes);
    u64::from_le_bytes(w)
}

impl FnvLanes {
    fn block(&mut self, block: &[u8; BLOCK]) {
        for (i, lane) in self.lanes.iter_mut().enumerate() {
            let w: [u8; 8] = block[i * 8..i * 8 + 8].try_into().expect("8 bytes");
            *lane = fnv::step(*lane, u64::from_le_bytes(w));
        }
    }

    fn update(&mut self, mut bytes: &[u8]) {
        if self.pending_len > 0 {
            let take = (BLOCK - self.pending_len).min(bytes.len());
            let at = self.pending_len;
            self.pending[at..at + take].copy_from_slice(&bytes[..take]);
            self.pending_len += take;
            bytes = &bytes[take..];
            if self.pending_len < BLOCK {
                return;
            }
            let pending = self.pending;
            self.block(&pending);
            self.pending_len = 0;
        }
        let mut blocks = bytes.chunks_exact(BLOCK);
        for block in &mut blocks {
            self.block(block.try_into().expect("a whole block"));
        }
        let rest = blocks.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    /// The lanes and the last partial block (its words, the last one zero-padded) folded into one state.
    fn finish(&self) -> u64 {
        let mut lanes = self.lanes;
        for (lane, w) in lanes
            .iter_mut()
            .zip(self.pending[..self.pending_len].chunks(8))
        {
            *lane = fnv::step(*lane, word(w));
        }
        lanes.into_iter().fold(fnv::OFFSET, fnv::step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audio_fingerprint_sees_the_windows_the_tail_and_the_length_only() {
        let base: Vec<u8> = (0..300_000u32).map(|i| (i * 13 % 241) as u8).collect();
        let digest = AudioHasher::digest(&base);
        let changed_at = |pos: usize| {
            let mut b = base.clone();
            b[pos] ^= 0xff;
            AudioHasher::digest(&b)
        };
        let window = SAMPLE_STRIDE as usize * 2 + 10;
        for seen in [10, SAMPLE_WINDOW - 1, window, base.len() - 1] {
            assert_ne!(changed_at(seen), digest, "a change at byte {seen} is seen");
        }
        for between in [
            SAMPLE_WINDOW + 100,
            SAMPLE_STRIDE as usize * 2 + SAMPLE_WINDOW + 100,
        ] {
            assert_eq!(
                changed_at(between),
                digest,
                "bytes between windows are not hashed"
            );
        }
        assert_ne!(AudioHasher::digest(&base[..base.len() - 1]), digest);
    }

    #[test]
    fn the_audio_hash_does_not_depend_on_how_the_upload_was_cut() {
        let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let whole = AudioHasher::digest(&bytes);
        for cut in [1, 3, 7, 8, 9, 31, 32, 33, 64, 999] {
            let mut h = AudioHasher::default();
            for piece in bytes.chunks(cut) {
                h.update(piece);
            }
            assert_eq!(h.hex(), whole, "pieces of {cut}");
        }
        assert_ne!(AudioHasher::digest(&bytes[..999]), whole);
        // Past the first window: windows, tail and length sampled the same whatever the cut.
        let long: Vec<u8> = (0..300_000u32).map(|i| (i * 31 % 253) as u8).collect();
        let whole_long = AudioHasher::digest(&long);
        for cut in [1_000, 4_095, 4_096, 65_536, 70_000] {
            let mut h = AudioHasher::default();
            for piece in long.chunks(cut) {
                h.update(piece);
            }
            assert_eq!(h.hex(), whole_long, "pieces of {cut}");
        }
        assert_ne!(AudioHasher::digest(b""), AudioHasher::digest(&[0]));
        assert_eq!(whole.len(), 16);
    }
}
