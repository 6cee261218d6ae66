//! Raw PCM: no header, so nothing in the bytes says what they are. The page: 「其中 pcm 仅支持 24k
//! 采样率，单通道」. The fake assumes 16-bit little-endian samples, and takes the rate and channel count
//! from a [`PcmHint`], which a test author sets through the file name (see [`PcmHint::from_file_name`]);
//! without one, the upload is taken to be what the page requires (`rules::PCM_SAMPLE_RATE_HZ`, mono).

use super::{AudioError, AudioInfo};
use crate::rules::{AudioFormat, PCM_CHANNELS, PCM_SAMPLE_RATE_HZ};

/// Bytes per sample: 16-bit samples, the only width the fake reads raw PCM as.
const SAMPLE_BYTES: u64 = 2;

/// What a raw PCM upload's samples are. The real service cannot know either; the fake learns them from
/// the upload's file name so a test can send PCM the page forbids and see it refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcmHint {
    /// Samples per second per channel.
    pub sample_rate: u32,
    /// Interleaved channels.
    pub channels: u16,
}

impl Default for PcmHint {
    /// What the page allows: 24 kHz mono.
    fn default() -> Self {
        PcmHint {
            sample_rate: PCM_SAMPLE_RATE_HZ,
            channels: PCM_CHANNELS,
        }
    }
}

impl PcmHint {
    /// Reads a hint from a file name's dot-separated labels after the stem, case-insensitively:
    /// `<n>k` or `<n>hz` set the rate (`16k` = 16000 Hz, `22050hz`), `mono`, `stereo` or `<n>ch` the
    /// channels; other labels are ignored and what is not said keeps the default (24 kHz mono). So
    /// `voice.pcm` and `voice.24k.mono.pcm` are allowed, `voice.16k.pcm` and `voice.stereo.pcm` are not.
    /// Directories in the name (some clients send a path) are ignored.
    pub fn from_file_name(name: &str) -> PcmHint {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let mut hint = PcmHint::default();
        for label in base.split('.').skip(1) {
            let label = label.to_ascii_lowercase();
            let number = |suffix: &str| label.strip_suffix(suffix)?.parse::<u32>().ok();
            if let Some(k) = number("k") {
                hint.sample_rate = k.saturating_mul(1000);
            } else if let Some(hz) = number("hz") {
                hint.sample_rate = hz;
            } else if let Some(ch) = number("ch") {
                hint.channels = u16::try_from(ch).unwrap_or(u16::MAX);
            } else if label == "mono" {
                hint.channels = 1;
            } else if label == "stereo" {
                hint.channels = 2;
            }
        }
        hint
    }
}

/// The verdict on `bytes` bytes of raw PCM.
pub(crate) fn judge(hint: PcmHint, bytes: u64) -> Result<AudioInfo, AudioError> {
    if hint != PcmHint::default() {
        return Err(AudioError::PcmSpec {
            sample_rate: hint.sample_rate,
            channels: hint.channels,
        });
    }
    let frame = SAMPLE_BYTES * u64::from(hint.channels);
    if bytes % frame != 0 {
        return Err(AudioError::Corrupt {
            format: AudioFormat::Pcm,
            reason: "the byte count is not a whole number of 16-bit sample frames",
        });
    }
    Ok(AudioInfo {
        format: AudioFormat::Pcm,
        bytes,
        duration_secs: Some(bytes as f64 / (frame * u64::from(hint.sample_rate)) as f64),
        sample_rate: Some(hint.sample_rate),
        channels: Some(hint.channels),
        transcript: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_carry_rate_and_channels() {
        let hint = |name| PcmHint::from_file_name(name);
        assert_eq!(hint("voice.pcm"), PcmHint::default());
        assert_eq!(hint("voice.24K.Mono.PCM"), PcmHint::default());
        assert_eq!(hint("dir.v2/voice.16k.pcm").sample_rate, 16_000);
        assert_eq!(hint("voice.22050hz.stereo.pcm").sample_rate, 22_050);
        assert_eq!(hint("voice.stereo.pcm").channels, 2);
        assert_eq!(hint("voice.6ch.pcm").channels, 6);
        assert_eq!(
            hint("16k.pcm"),
            PcmHint::default(),
            "the stem is not a label"
        );
        assert_eq!(
            hint("voice.99999999999k.pcm").sample_rate,
            PCM_SAMPLE_RATE_HZ
        );
    }

    #[test]
    fn only_24k_mono_is_accepted() {
        let stereo = PcmHint {
            channels: 2,
            ..PcmHint::default()
        };
        assert_eq!(
            judge(stereo, 96_000),
            Err(AudioError::PcmSpec {
                sample_rate: 24_000,
                channels: 2
            })
        );
        let info = judge(PcmHint::default(), 480_000).expect("24k mono");
        assert_eq!(info.duration_secs, Some(10.0));
    }

    #[test]
    fn an_odd_byte_count_is_corrupt() {
        assert!(matches!(
            judge(PcmHint::default(), 48_001),
            Err(AudioError::Corrupt { .. })
        ));
    }
}
