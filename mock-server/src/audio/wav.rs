//! WAV: a RIFF file of form type `WAVE` (Microsoft RIFF spec, "WAVE Form"): 8-byte chunk headers (ASCII
//! id, u32 LE size, odd sizes padded by one byte); `fmt ` gives format tag, channels, sample rate and
//! bytes per second; `data` holds the samples, so its size over the byte rate is the exact duration. A
//! `data` size of 0 or 0xFFFFFFFF (written by streaming encoders that cannot seek back) means "to the
//! end of the file". A `LIST`/`INFO` chunk's `ICMT` (comment) is read as the transcript.
//!
//! Any sample rate, channel count and codec is accepted: the page restricts only pcm (「其中 pcm 仅支持
//! 24k 采样率，单通道」), and a WAV header says what its samples are.

use super::stream::{le, Need, Parser, Pending};
use super::transcript::{Best, Rank, TRANSCRIPT_MAX_BYTES};
use super::{AudioError, AudioInfo};
use crate::rules::AudioFormat;

const FORMAT: AudioFormat = AudioFormat::Wav;

#[derive(Debug, Clone, Copy)]
enum State {
    /// `RIFF` size `WAVE`.
    Riff,
    /// The next chunk header.
    ChunkHeader,
    /// The first 16 bytes of `fmt `, then `rest` to skip.
    Fmt { rest: u64 },
    /// Skipping a whole chunk (or its tail).
    Skipping,
    /// The `data` payload of a known size; its pad byte, if any, follows.
    Data { pad: u64 },
    /// The pad byte after an odd-sized `data` chunk (some writers leave it out).
    DataPad,
    /// Reading `data` to the end of the file.
    DataToEnd,
    /// The list type of a `LIST` chunk with `rest` more bytes.
    ListType { rest: u64 },
    /// A sub-chunk header inside `LIST`/`INFO`, with `rest` bytes left in the list.
    InfoHeader { rest: u64 },
    /// An `ICMT` value, then `rest` bytes left in the list.
    InfoValue { rest: u64 },
    /// Skipped an INFO sub-chunk, `rest` bytes left in the list.
    InfoSkipped { rest: u64 },
}

#[derive(Debug, Clone, Copy)]
struct Fmt {
    channels: u16,
    sample_rate: u32,
    byte_rate: u32,
}

#[derive(Debug, Clone, Copy)]
enum Data {
    Sized { len: u64 },
    ToEnd { start: u64 },
}

/// The WAV parser.
#[derive(Debug)]
pub(crate) struct Wav {
    state: State,
    fmt: Option<Fmt>,
    data: Option<Data>,
    /// Set once the `data` payload has fully arrived: from then on, damage after it is ignored.
    data_complete: bool,
    transcript: Best,
}

impl Wav {
    /// A parser and its first need (the 12-byte RIFF header).
    pub(crate) fn start() -> (Self, Need) {
        let wav = Wav {
            state: State::Riff,
            fmt: None,
            data: None,
            data_complete: false,
            transcript: Best::default(),
        };
        (wav, Need::Bytes(12))
    }

    fn chunk_header(&mut self) -> Need {
        self.state = State::ChunkHeader;
        Need::Bytes(8)
    }

    fn skip(&mut self, n: u64) -> Need {
        self.state = State::Skipping;
        Need::Skip(n)
    }

    /// The next INFO sub-chunk, or the next chunk when the list is done.
    fn next_info(&mut self, rest: u64) -> Need {
        if rest >= 8 {
            self.state = State::InfoHeader { rest };
            Need::Bytes(8)
        } else if rest > 0 {
            self.skip(rest)
        } else {
            self.chunk_header()
        }
    }

    fn chunk(&mut self, b: &[u8], at: u64) -> Result<Need, AudioError> {
        let id = b.get(..4).unwrap_or_default();
        let size = le(b, 4, 4);
        let padded = size + (size & 1);
        if !id.iter().all(|c| (0x20..=0x7E).contains(c)) {
            // Not a chunk: trailing bytes after complete audio are ignored, as players do.
            return if self.data_complete {
                Ok(Need::Rest)
            } else {
                Err(corrupt("a chunk id is not ASCII"))
            };
        }
        match id {
            b"fmt " if self.fmt.is_none() => {
                if size < 16 {
                    return Err(corrupt("the fmt chunk is shorter than 16 bytes"));
                }
                self.state = State::Fmt { rest: padded - 16 };
                Ok(Need::Bytes(16))
            }
            b"data" if self.data.is_none() => {
                if self.fmt.is_none() {
                    return Err(corrupt("the data chunk comes before the fmt chunk"));
                }
                if size == 0 || size == 0xFFFF_FFFF {
                    self.data = Some(Data::ToEnd { start: at + 8 });
                    self.state = State::DataToEnd;
                    return Ok(Need::Rest);
                }
                self.data = Some(Data::Sized { len: size });
                self.state = State::Data { pad: size & 1 };
                Ok(Need::Skip(size))
            }
            b"LIST" if size >= 4 => {
                self.state = State::ListType { rest: padded - 4 };
                Ok(Need::Bytes(4))
            }
            _ => Ok(self.skip(padded)),
        }
    }
}

fn corrupt(reason: &'static str) -> AudioError {
    AudioError::Corrupt {
        format: FORMAT,
        reason,
    }
}

impl Parser for Wav {
    fn step(&mut self, b: &[u8], at: u64) -> Result<Need, AudioError> {
        match self.state {
            State::Riff => {
                if b.get(..4) != Some(b"RIFF") || b.get(8..12) != Some(b"WAVE") {
                    return Err(AudioError::Unrecognised);
                }
                Ok(self.chunk_header())
            }
            State::ChunkHeader => self.chunk(b, at),
            State::Fmt { rest } => {
                let fmt = Fmt {
                    channels: le(b, 2, 2) as u16,
                    sample_rate: le(b, 4, 4) as u32,
                    byte_rate: le(b, 8, 4) as u32,
                };
                if fmt.channels == 0 || fmt.sample_rate == 0 || fmt.byte_rate == 0 {
                    return Err(corrupt(
                        "the fmt chunk has zero channels, rate or byte rate",
                    ));
                }
                self.fmt = Some(fmt);
                Ok(self.skip(rest))
            }
            State::Skipping => Ok(self.chunk_header()),
            State::Data { pad } => {
                self.data_complete = true;
                if pad > 0 {
                    self.state = State::DataPad;
                    Ok(Need::Skip(pad))
                } else {
                    Ok(self.chunk_header())
                }
            }
            State::DataPad => Ok(self.chunk_header()),
            State::DataToEnd => Ok(Need::Rest),
            State::ListType { rest } => {
                if b == b"INFO" {
                    Ok(self.next_info(rest))
                } else {
                    Ok(self.skip(rest))
                }
            }
            State::InfoHeader { rest } => {
                let size = le(b, 4, 4);
                let padded = size + (size & 1);
                let rest = rest - 8;
                if padded > rest {
                    return Ok(self.skip(rest));
                }
                if b.get(..4) == Some(b"ICMT") && size as usize <= TRANSCRIPT_MAX_BYTES {
                    self.state = State::InfoValue {
                        rest: rest - padded,
                    };
                    Ok(Need::Bytes(padded as usize))
                } else {
                    self.state = State::InfoSkipped {
                        rest: rest - padded,
                    };
                    Ok(Need::Skip(padded))
                }
            }
            State::InfoValue { rest } => {
                self.transcript
                    .offer(Rank::Comment, &String::from_utf8_lossy(b));
                Ok(self.next_info(rest))
            }
            State::InfoSkipped { rest } => Ok(self.next_info(rest)),
        }
    }

    fn end(self, pending: Pending<'_>, total: u64) -> Result<AudioInfo, AudioError> {
        let truncated = AudioError::Truncated { format: FORMAT };
        if !self.data_complete {
            let to_end = matches!(self.state, State::DataToEnd);
            if !to_end || pending != Pending::Clean {
                return Err(truncated);
            }
        }
        let (Some(fmt), Some(data)) = (self.fmt, self.data) else {
            return Err(truncated);
        };
        let data_bytes = match data {
            Data::Sized { len } => len,
            Data::ToEnd { start } => total.saturating_sub(start),
        };
        Ok(AudioInfo {
            format: FORMAT,
            bytes: total,
            duration_secs: Some(data_bytes as f64 / f64::from(fmt.byte_rate)),
            sample_rate: Some(fmt.sample_rate),
            channels: Some(fmt.channels),
            transcript: self.transcript.into_text(),
        })
    }
}

/// Whether the first bytes are a RIFF/WAVE header.
pub(crate) fn is_wav(head: &[u8]) -> bool {
    head.get(..4) == Some(b"RIFF") && head.get(8..12) == Some(b"WAVE")
}

/// A minimal canonical WAV header, for tests: 16-bit PCM, `data_len` bytes of samples promised.
#[cfg(test)]
pub(crate) fn header(sample_rate: u32, channels: u16, data_len: u32) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&data_len.wrapping_add(36).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&channels.to_le_bytes());
    h.extend_from_slice(&sample_rate.to_le_bytes());
    h.extend_from_slice(&(sample_rate * u32::from(channels) * 2).to_le_bytes());
    h.extend_from_slice(&(channels * 2).to_le_bytes());
    h.extend_from_slice(&16u16.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::sniff;

    #[test]
    fn duration_rate_and_channels_come_from_the_header() {
        let mut f = header(16_000, 2, 64_000);
        f.resize(f.len() + 64_000, 0);
        let info = sniff(None, &f).expect("valid wav");
        assert_eq!(info.format, AudioFormat::Wav);
        assert_eq!(info.duration_secs, Some(1.0));
        assert_eq!((info.sample_rate, info.channels), (Some(16_000), Some(2)));
    }

    #[test]
    fn a_data_chunk_promising_more_than_present_is_truncated() {
        let mut f = header(24_000, 1, 48_000);
        f.resize(f.len() + 1000, 0);
        assert_eq!(
            sniff(None, &f),
            Err(AudioError::Truncated { format: FORMAT })
        );
    }

    #[test]
    fn streaming_sizes_mean_data_runs_to_the_end() {
        for size in [0, u32::MAX] {
            let mut f = header(8_000, 1, size);
            f.resize(f.len() + 8_000, 0);
            let info = sniff(None, &f).expect("streamed wav");
            assert_eq!(info.duration_secs, Some(0.5));
        }
    }

    #[test]
    fn the_info_comment_is_the_transcript_and_trailing_chunks_are_read() {
        let mut f = header(8_000, 1, 3);
        f.extend_from_slice(&[0, 0, 0, 0]); // 3 bytes of samples + the pad byte
        let mut list = b"INFO".to_vec();
        list.extend_from_slice(b"ISFT\x04\0\0\0Lavf");
        list.extend_from_slice(b"ICMT\x06\0\0\0hello\0");
        f.extend_from_slice(b"LIST");
        f.extend_from_slice(&u32::try_from(list.len()).unwrap_or(0).to_le_bytes());
        f.extend_from_slice(&list);
        let info = sniff(None, &f).expect("wav with INFO");
        assert_eq!(info.transcript.as_deref(), Some("hello"));
    }

    #[test]
    fn data_before_fmt_and_zero_rates_are_corrupt() {
        let mut f = b"RIFF\0\0\0\0WAVEdata\x02\0\0\0\0\0".to_vec();
        assert!(matches!(sniff(None, &f), Err(AudioError::Corrupt { .. })));
        f = header(0, 1, 0);
        assert!(matches!(sniff(None, &f), Err(AudioError::Corrupt { .. })));
    }

    #[test]
    fn a_header_without_data_is_truncated() {
        let f = header(24_000, 1, 10);
        assert_eq!(
            sniff(None, f.get(..36).unwrap_or_default()),
            Err(AudioError::Truncated { format: FORMAT })
        );
    }
}
