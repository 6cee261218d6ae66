//! The request every target receives: a real multipart clone request carrying a valid WAV.

use bytes::Bytes;

/// The multipart boundary of every upload.
pub(crate) const BOUNDARY: &str = "coze-mock-bench-7MA4YWxkTrZu0gW";

/// A mono 16-bit 24 kHz WAV of exactly `len` bytes (len ≥ 44): a RIFF/WAVE header whose sizes match the
/// file, then a quiet 220 Hz tone.
pub(crate) fn wav_of_len(len: usize) -> Vec<u8> {
    let rate = 24_000u32;
    let samples: Vec<i16> = (0..(len - 44) / 2)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            ((t * 220.0 * std::f64::consts::TAU).sin() * 3000.0) as i16
        })
        .collect();
    sized_wav(&samples, rate, len)
}

/// Real speech (`fixtures/audio/speech-24k.pcm`, espeak-ng at 24 kHz mono, 11.7 s) repeated as a WAV of
/// exactly `len` bytes (len ≥ 44), sized as [`wav_of_len`] sizes its tone.
pub(crate) fn speech_wav_of_len(len: usize) -> Vec<u8> {
    const SPEECH: &[u8] = include_bytes!("../../fixtures/audio/speech-24k.pcm");
    let samples: Vec<i16> = SPEECH
        .chunks_exact(2)
        .map(|s| i16::from_le_bytes([s[0], s[1]]))
        .cycle()
        .take((len - 44) / 2)
        .collect();
    sized_wav(&samples, 24_000, len)
}

/// `samples` as a mono 16-bit WAV padded to exactly `len` bytes, its header sizes matching.
fn sized_wav(samples: &[i16], rate: u32, len: usize) -> Vec<u8> {
    let mut out = coze_mock::__internals::synth::wav(samples, rate);
    // An odd length gets one byte of padding inside the `data` chunk, so the header still matches.
    let data_len = u32::try_from(len - 44).expect("a WAV under 4 GiB");
    out[4..8].copy_from_slice(&(36 + data_len).to_le_bytes());
    out[40..44].copy_from_slice(&data_len.to_le_bytes());
    out.resize(len, 0);
    out
}

/// The body of a clone request (`voice_name`, `audio_format`, and the file part) with a WAV of
/// `file_len` bytes, built once and shared by every request of a cell.
pub(crate) fn clone_body(file_len: usize) -> Bytes {
    clone_body_of(&wav_of_len(file_len))
}

/// The body of a clone request carrying `wav` as its file.
pub(crate) fn clone_body_of(wav: &[u8]) -> Bytes {
    let mut body = Vec::with_capacity(wav.len() + 512);
    for (name, value) in [("voice_name", "bench"), ("audio_format", "wav")] {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.wav\"\r\n\
             Content-Type: audio/wav\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(wav);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Bytes::from(body)
}

/// The request's `Content-Type`.
pub(crate) fn content_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}
