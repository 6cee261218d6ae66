//! Audio judged by its bytes: the format sniffed from content while the upload streams, in bounded memory.
//!
//! The handler feeds every chunk of the file part to an [`AudioSniffer`] and calls
//! [`AudioSniffer::finish`] at the end of the part; [`AudioPolicy::judge`] then applies the configured
//! duration bounds and the `text` check. Rules come from the page's 音色复刻素材要求 (see `rules`):
//! 「文件格式: wav、mp3、ogg、m4a、aac、pcm。其中 pcm 仅支持 24k 采样率，单通道。」
//!
//! - **The bytes decide the format.** The first 16 bytes choose a parser: RIFF/WAVE (`wav.rs`), `OggS`
//!   (`ogg.rs`), `ftyp` at offset 4 (`mp4.rs`), `ID3` or an MPEG/ADTS frame sync (`frames.rs`). Each parser
//!   walks headers and skips payload, so memory stays O(KB) whatever the size: a header buffer of at most
//!   a few KiB (the first MP3 frame, a 4 KiB metadata value, a 16 KiB Ogg header packet), never the file.
//!   A declared `audio_format` (or file extension) naming another supported format is accepted: real
//!   decoders probe content, and clients mislabel files (the page's own example uploads `jay.MP3`).
//! - **Except pcm.** Raw PCM has no magic, so it is recognised only when declared (`audio_format=pcm` or a
//!   `.pcm` name: the handler passes `Some(AudioFormat::Pcm)` to [`AudioSniffer::new`], or calls
//!   [`AudioSniffer::declare`] when `audio_format` arrives after the file part, as cozepy sends it).
//!   Declared pcm whose bytes are a container (WAV, Ogg, MP4, ID3-tagged MP3) is
//!   [`AudioError::FormatMismatch`]: told "pcm", a decoder would play the container's headers as samples.
//!   MP3/ADTS without ID3 are not checked then, because raw samples may start with the same `FF Fx` sync
//!   bytes.
//! - **Rate and channels of pcm** come from a [`PcmHint`]; the handler reads it from the uploaded file's
//!   name with [`PcmHint::from_file_name`] (`voice.16k.pcm`, `voice.stereo.pcm`) and passes it with
//!   [`AudioSniffer::with_pcm_hint`]. No hint: 24 kHz mono, the only pcm the page allows. Other rates or
//!   channel counts are [`AudioError::PcmSpec`]. WAV files may have any rate and channel count: the page
//!   restricts only pcm.
//! - Recognised audio of a kind not on the page (FLAC, WebM/Matroska, AIFF, AMR, WMA/ASF, CAF, Opus in
//!   WebM, FLAC or Speex in Ogg, AMR in 3GP...) is [`AudioError::Unsupported`]; bytes that are no audio at
//!   all (images, text, noise) are [`AudioError::Unrecognised`].

mod adts;
mod frames;
mod id3;
mod mp3;
mod mp4;
mod ogg;
mod pcm;
mod policy;
mod stream;
mod transcript;
mod wav;
pub(crate) mod wer;

pub use pcm::PcmHint;
pub use policy::AudioPolicy;

use crate::rules::{AudioFormat, PCM_CHANNELS, PCM_SAMPLE_RATE_HZ};
use stream::{Need, Stream};

/// What the sniffer learned about an upload.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioInfo {
    /// The format the bytes show.
    pub format: AudioFormat,
    /// Bytes in the file part.
    pub bytes: u64,
    /// Playing time in seconds, when the headers tell (an Ogg stream without granule positions, an MP4
    /// with a zero duration do not).
    pub duration_secs: Option<f64>,
    /// Samples per second per channel (for Opus the 48 kHz it decodes at).
    pub sample_rate: Option<u32>,
    /// Channels.
    pub channels: Option<u16>,
    /// What the speech says, from the file's own metadata (see [`AudioPolicy::judge`]): the stand-in for
    /// the speech recognition the real service runs.
    pub transcript: Option<String>,
}

/// Why an upload is not acceptable audio.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AudioError {
    /// Occurs when the file part has no bytes.
    #[error("the audio file is empty")]
    Empty,
    /// Occurs when the bytes are not audio of any kind the sniffers know: an image, text, noise.
    #[error("the file is not audio of a supported format")]
    Unrecognised,
    /// Occurs when the bytes are audio of a kind the page does not list (flac, webm, aiff, amr…).
    #[error("{kind} is not supported; use {}", supported_formats())]
    Unsupported {
        /// What the bytes are.
        kind: &'static str,
    },
    /// Occurs when the file ends before what its headers promise: a WAV `data` chunk, an MP3 or ADTS
    /// frame, an Ogg page or an MP4 box cut short.
    #[error("the {format} file is truncated: it ends before its headers say it should")]
    Truncated {
        /// The format the bytes show.
        format: AudioFormat,
    },
    /// Occurs when a recognised file's structure is broken: a frame chain that breaks, a box overflowing
    /// its parent, an impossible header field.
    #[error("the {format} file is corrupt: {reason}")]
    Corrupt {
        /// The format the bytes show.
        format: AudioFormat,
        /// What is wrong.
        reason: &'static str,
    },
    /// Occurs when raw pcm is not 24 kHz mono (「其中 pcm 仅支持 24k 采样率，单通道」).
    #[error(
        "pcm must be {PCM_SAMPLE_RATE_HZ} Hz {}; this is {sample_rate} Hz with {channels} channel(s)",
        layout(PCM_CHANNELS)
    )]
    PcmSpec {
        /// The rate the upload declared.
        sample_rate: u32,
        /// The channels the upload declared.
        channels: u16,
    },
    /// Occurs when the upload is declared pcm but its bytes are a container format.
    #[error("the file was declared {declared} but its bytes are {detected}")]
    FormatMismatch {
        /// What the client said.
        declared: AudioFormat,
        /// What the bytes are.
        detected: AudioFormat,
    },
    /// Occurs when the configured duration bounds ([`AudioPolicy`]) exclude the audio's length.
    #[error("the audio lasts {secs:.1} s, outside the accepted {}", range(*.min, *.max))]
    DurationOutOfRange {
        /// The audio's duration.
        secs: f64,
        /// The lower bound in force.
        min: Option<f64>,
        /// The upper bound in force.
        max: Option<f64>,
    },
    /// Occurs when `text` differs too much from the speech (error 1109 WERError: 「若差异过大会报错
    /// 1109 WERError」).
    #[error(
        "the text differs from the speech: word error rate {error_rate:.2} exceeds {threshold:.2}"
    )]
    TextMismatch {
        /// Word error rate between the file's transcript and `text`.
        error_rate: f64,
        /// The configured maximum.
        threshold: f64,
    },
}

/// The page's formats as a sentence lists them: "wav, mp3, …, aac or pcm".
fn supported_formats() -> String {
    let [rest @ .., last] = AudioFormat::ALL.map(AudioFormat::name);
    format!("{} or {last}", rest.join(", "))
}

/// A channel count in words: "mono", "stereo", "3-channel".
fn layout(channels: u16) -> String {
    match channels {
        1 => "mono".to_owned(),
        2 => "stereo".to_owned(),
        n => format!("{n}-channel"),
    }
}

fn range(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("{a}–{b} s"),
        (Some(a), None) => format!("minimum of {a} s"),
        (None, Some(b)) => format!("maximum of {b} s"),
        (None, None) => "range".to_owned(),
    }
}

impl AudioError {
    /// The variant's name (`"Truncated"`, …), as the fixture verdict table writes it.
    pub fn kind(&self) -> &'static str {
        match self {
            AudioError::Empty => "Empty",
            AudioError::Unrecognised => "Unrecognised",
            AudioError::Unsupported { .. } => "Unsupported",
            AudioError::Truncated { .. } => "Truncated",
            AudioError::Corrupt { .. } => "Corrupt",
            AudioError::PcmSpec { .. } => "PcmSpec",
            AudioError::FormatMismatch { .. } => "FormatMismatch",
            AudioError::DurationOutOfRange { .. } => "DurationOutOfRange",
            AudioError::TextMismatch { .. } => "TextMismatch",
        }
    }
}

/// Leading bytes looked at to choose a parser.
const HEAD_BYTES: usize = 16;

/// What the first bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Wav,
    Frames,
    Ogg,
    Mp4,
    Unsupported(&'static str),
    Unknown,
}

/// Magic numbers of audio formats the page does not list.
const UNSUPPORTED: [(usize, &[u8], &str); 14] = [
    (0, b"fLaC", "flac"),
    (0, b"\x1a\x45\xdf\xa3", "webm/matroska"),
    (8, b"AIFF", "aiff"),
    (8, b"AIFC", "aiff"),
    (0, b"#!AMR", "amr"),
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "wma/asf"),
    (0, b"RF64", "rf64 wav"),
    (0, b"BW64", "rf64 wav"),
    (0, b"RIFX", "big-endian wav (rifx)"),
    (0, b"caff", "caf"),
    (0, b".snd", "au"),
    (0, b"MAC ", "ape"),
    (0, b"wvpk", "wavpack"),
    (1, b"#!SILK", "silk"),
];

fn detect(head: &[u8]) -> Kind {
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    if wav::is_wav(head) {
        Kind::Wav
    } else if at(0, b"OggS") {
        Kind::Ogg
    } else if at(4, b"ftyp") {
        Kind::Mp4
    } else if at(0, b"ID3") || matches!(head, [0xFF, b1, ..] if b1 & 0xE0 == 0xE0) {
        Kind::Frames
    } else if let Some((_, _, kind)) = UNSUPPORTED.iter().find(|(o, m, _)| at(*o, m)) {
        Kind::Unsupported(kind)
    } else {
        Kind::Unknown
    }
}

#[derive(Debug)]
enum Stage {
    /// Collecting the first [`HEAD_BYTES`].
    Head,
    Wav(Box<Stream<wav::Wav>>),
    Frames(Box<Stream<frames::Frames>>),
    Ogg(Box<Stream<ogg::Ogg>>),
    Mp4(Box<Stream<mp4::Mp4>>),
    /// No magic: raw pcm if declared so, else unrecognised; decided at the end.
    Unknown,
    Failed(AudioError),
}

impl Stage {
    fn feed(&mut self, chunk: &[u8]) {
        match self {
            Stage::Wav(s) => s.feed(chunk),
            Stage::Frames(s) => s.feed(chunk),
            Stage::Ogg(s) => s.feed(chunk),
            Stage::Mp4(s) => s.feed(chunk),
            Stage::Head | Stage::Unknown | Stage::Failed(_) => {}
        }
    }
}

fn stream<P: stream::Parser>((parser, first): (P, Need)) -> Box<Stream<P>> {
    Box::new(Stream::new(parser, first))
}

/// Streams an upload's bytes and decides what audio they are.
///
/// ```text
/// let mut sniffer = AudioSniffer::new(declared).with_pcm_hint(PcmHint::from_file_name(file_name));
/// while let Some(chunk) = field.chunk().await? { sniffer.feed(&chunk); }
/// let info = sniffer.finish()?;
/// policy.judge(&info, text.as_deref())?;
/// ```
#[derive(Debug)]
pub struct AudioSniffer {
    declared: Option<AudioFormat>,
    pcm_hint: PcmHint,
    head: Vec<u8>,
    /// Whether the upload starts with an ID3 tag.
    id3: bool,
    bytes: u64,
    stage: Stage,
}

impl AudioSniffer {
    /// A sniffer for one file part; `declared` is the format the client named (`audio_format`, else
    /// the file name's extension), if known yet (see [`AudioSniffer::declare`]). Only a declared
    /// [`AudioFormat::Pcm`] changes the verdict.
    pub fn new(declared: Option<AudioFormat>) -> Self {
        AudioSniffer {
            declared,
            pcm_hint: PcmHint::default(),
            head: Vec::with_capacity(HEAD_BYTES),
            id3: false,
            bytes: 0,
            stage: Stage::Head,
        }
    }

    /// Sets what raw pcm samples are (default 24 kHz mono); see [`PcmHint::from_file_name`].
    pub fn with_pcm_hint(mut self, hint: PcmHint) -> Self {
        self.pcm_hint = hint;
        self
    }

    /// Feeds the next chunk of the file part.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.bytes += chunk.len() as u64;
        if !matches!(self.stage, Stage::Head) {
            self.stage.feed(chunk);
            return;
        }
        let take = HEAD_BYTES.saturating_sub(self.head.len()).min(chunk.len());
        let (now, rest) = chunk.split_at(take);
        self.head.extend_from_slice(now);
        if self.head.len() == HEAD_BYTES {
            self.choose();
            self.stage.feed(rest);
        }
    }

    /// Sets (or replaces) the declared format. Needed when `audio_format` arrives after the file part
    /// (cozepy sends the file first): the declared format is only consulted by [`AudioSniffer::finish`].
    pub fn declare(&mut self, declared: AudioFormat) {
        self.declared = Some(declared);
    }

    /// Picks the parser for the head and replays the head into it.
    fn choose(&mut self) {
        let head = std::mem::take(&mut self.head);
        self.id3 = head.starts_with(b"ID3");
        self.stage = match detect(&head) {
            Kind::Wav => Stage::Wav(stream(wav::Wav::start())),
            Kind::Ogg => Stage::Ogg(stream(ogg::Ogg::start())),
            Kind::Mp4 => Stage::Mp4(stream(mp4::Mp4::start())),
            Kind::Frames => Stage::Frames(stream(frames::Frames::start(&head))),
            Kind::Unsupported(kind) => Stage::Failed(AudioError::Unsupported { kind }),
            Kind::Unknown => Stage::Unknown,
        };
        self.stage.feed(&head);
    }

    /// Ends the part and gives the verdict.
    pub fn finish(mut self) -> Result<AudioInfo, AudioError> {
        if self.bytes == 0 {
            return Err(AudioError::Empty);
        }
        if matches!(self.stage, Stage::Head) {
            self.choose();
        }
        let pcm = self.declared == Some(AudioFormat::Pcm);
        let info = match self.stage {
            // Raw samples may begin like an MP3/ADTS frame; only an ID3 tag is a strong enough magic.
            Stage::Unknown | Stage::Frames(_) if pcm && !self.id3 => {
                return pcm::judge(self.pcm_hint, self.bytes)
            }
            Stage::Head | Stage::Unknown => Err(AudioError::Unrecognised),
            Stage::Wav(s) => s.finish(),
            Stage::Frames(s) => s.finish(),
            Stage::Ogg(s) => s.finish(),
            Stage::Mp4(s) => s.finish(),
            Stage::Failed(e) => Err(e),
        }?;
        if pcm {
            return Err(AudioError::FormatMismatch {
                declared: AudioFormat::Pcm,
                detected: info.format,
            });
        }
        Ok(info)
    }

    /// Heap bytes the sniffer holds beyond its fixed-size state, for the memory tests.
    #[cfg(test)]
    fn retained(&self) -> usize {
        self.head.capacity()
            + match &self.stage {
                Stage::Wav(s) => s.retained(),
                Stage::Frames(s) => s.retained(),
                Stage::Ogg(s) => s.retained(),
                Stage::Mp4(s) => s.retained(),
                Stage::Head | Stage::Unknown | Stage::Failed(_) => 0,
            }
    }
}

/// Sniffs a whole file given at once.
#[cfg(test)]
pub(crate) fn sniff(declared: Option<AudioFormat>, bytes: &[u8]) -> Result<AudioInfo, AudioError> {
    let mut s = AudioSniffer::new(declared);
    s.feed(bytes);
    s.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_state_the_pages_formats_and_pcm_rule() {
        let unsupported = AudioError::Unsupported { kind: "flac" }.to_string();
        assert_eq!(
            unsupported,
            "flac is not supported; use wav, mp3, ogg, m4a, aac or pcm"
        );
        for format in AudioFormat::ALL {
            assert!(unsupported.contains(format.name()), "{unsupported}");
        }
        let pcm = AudioError::PcmSpec {
            sample_rate: 16_000,
            channels: 2,
        }
        .to_string();
        assert!(
            pcm.starts_with(&format!("pcm must be {PCM_SAMPLE_RATE_HZ} Hz mono;")),
            "{pcm}"
        );
    }
    use proptest::prelude::*;

    #[test]
    fn empty_uploads_are_empty_whatever_was_declared() {
        assert_eq!(sniff(None, &[]), Err(AudioError::Empty));
        assert_eq!(sniff(Some(AudioFormat::Pcm), &[]), Err(AudioError::Empty));
        let mut s = AudioSniffer::new(None);
        s.feed(&[]);
        assert_eq!(s.finish(), Err(AudioError::Empty));
    }

    #[test]
    fn non_audio_is_unrecognised_and_other_audio_unsupported() {
        assert_eq!(
            sniff(None, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Err(AudioError::Unrecognised)
        );
        assert_eq!(sniff(None, b"hello"), Err(AudioError::Unrecognised));
        assert_eq!(
            sniff(Some(AudioFormat::Mp3), b"fLaC\0\0\0\x22"),
            Err(AudioError::Unsupported { kind: "flac" })
        );
        assert_eq!(
            sniff(None, b"FORM\0\0\0\x20AIFFCOMM"),
            Err(AudioError::Unsupported { kind: "aiff" })
        );
    }

    #[test]
    fn declared_pcm_takes_unknown_bytes_and_refuses_containers() {
        let info = sniff(Some(AudioFormat::Pcm), &[1; 4800]).expect("raw pcm");
        assert_eq!(info.format, AudioFormat::Pcm);
        assert_eq!(info.duration_secs, Some(0.1));
        let mut f = wav::header(24_000, 1, 4);
        f.extend_from_slice(&[0; 4]);
        assert_eq!(
            sniff(Some(AudioFormat::Pcm), &f),
            Err(AudioError::FormatMismatch {
                declared: AudioFormat::Pcm,
                detected: AudioFormat::Wav
            })
        );
        assert_eq!(
            sniff(Some(AudioFormat::Mp3), &f).map(|i| i.format),
            Ok(AudioFormat::Wav)
        );
        let sync_like = [0xFF, 0xFB, 0x90, 0x64, 0, 0];
        assert_eq!(
            sniff(Some(AudioFormat::Pcm), &sync_like).map(|i| i.format),
            Ok(AudioFormat::Pcm)
        );
    }

    #[test]
    fn a_format_declared_after_the_bytes_counts() {
        let mut s = AudioSniffer::new(None);
        s.feed(&[0xFF, 0xFB, 0x90, 0x64, 1, 2]);
        s.declare(AudioFormat::Pcm);
        assert_eq!(s.finish().map(|i| i.format), Ok(AudioFormat::Pcm));
        let mut s = AudioSniffer::new(Some(AudioFormat::Pcm));
        s.feed(&[7; 100]);
        s.declare(AudioFormat::Wav);
        assert_eq!(s.finish(), Err(AudioError::Unrecognised));
    }

    #[test]
    fn the_pcm_hint_decides_pcm_spec() {
        let mut s = AudioSniffer::new(Some(AudioFormat::Pcm))
            .with_pcm_hint(PcmHint::from_file_name("voice.16k.pcm"));
        s.feed(&[0; 3200]);
        assert_eq!(
            s.finish(),
            Err(AudioError::PcmSpec {
                sample_rate: 16_000,
                channels: 1
            })
        );
    }

    /// A file of about `len` bytes of each streamable kind.
    fn big_files(len: usize) -> Vec<(Option<AudioFormat>, Vec<u8>)> {
        let mut wav = wav::header(24_000, 1, u32::try_from(len).unwrap_or(0));
        wav.resize(len + 44, 0);
        let mut mp3 = vec![0u8; 96];
        mp3.splice(..4, [0xFF, 0xF3, 0x44, 0xC4]);
        let mut adts = adts::header(6, 100).to_vec();
        adts.resize(100, 0);
        vec![
            (None, wav),
            (None, mp3.repeat(len / 96)),
            (None, adts.repeat(len / 100)),
            (Some(AudioFormat::Pcm), vec![0; len]),
        ]
    }

    #[test]
    fn ten_megabytes_stream_through_kilobytes_of_memory() {
        for (declared, file) in big_files(10 * 1024 * 1024) {
            let mut s = AudioSniffer::new(declared);
            let mut most = 0;
            for chunk in file.chunks(4099) {
                s.feed(chunk);
                most = most.max(s.retained());
            }
            assert!(most <= 8 * 1024, "{most} bytes retained");
            assert!(s.finish().is_ok());
        }
    }

    /// Cut points splitting `len` bytes into chunks: sorted offsets in `0..=len`, repeats allowed (they
    /// make empty chunks).
    fn chunk_splits_of(len: usize) -> impl Strategy<Value = Vec<usize>> {
        prop::collection::vec(0..=len, 0..24).prop_map(|mut cuts| {
            cuts.sort_unstable();
            cuts
        })
    }

    /// Feeds `bytes` cut at `cuts`.
    pub(crate) fn sniff_split(
        declared: Option<AudioFormat>,
        bytes: &[u8],
        cuts: &[usize],
    ) -> Result<AudioInfo, AudioError> {
        let mut s = AudioSniffer::new(declared);
        let mut from = 0;
        for &cut in cuts.iter().chain([bytes.len()].iter()) {
            s.feed(bytes.get(from..cut).unwrap_or_default());
            from = cut;
        }
        s.finish()
    }

    /// Arbitrary bytes, some starting with a magic number so the parsers run on noise.
    fn bytes_behind_a_magic() -> impl Strategy<Value = Vec<u8>> {
        let magics: Vec<&[u8]> = vec![
            b"",
            b"RIFF\x10\0\0\0WAVEfmt ",
            b"OggS\0\x02",
            b"\0\0\0\x18ftypM4A ",
            b"ID3\x04\0\0\0\0\0\x10",
            b"\xff\xf3\x44\xc4",
            b"\xff\xf1\x58\x40",
        ];
        (
            prop::sample::select(magics),
            prop::collection::vec(any::<u8>(), 0..2048),
        )
            .prop_map(|(magic, tail)| {
                let mut v = magic.to_vec();
                v.extend(tail);
                v
            })
    }

    fn declared_format() -> impl Strategy<Value = Option<AudioFormat>> {
        prop::option::of(prop::sample::select(AudioFormat::ALL.to_vec()))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_bytes_never_panic_and_the_split_never_changes_the_verdict(
            (bytes, cuts) in bytes_behind_a_magic()
                .prop_flat_map(|b| { let n = b.len(); (Just(b), chunk_splits_of(n)) }),
            declared in declared_format(),
        ) {
            let whole = sniff(declared, &bytes);
            prop_assert_eq!(sniff_split(declared, &bytes, &cuts), whole);
        }
    }
}
