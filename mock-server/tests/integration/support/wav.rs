/// A mono 16-bit WAV of `secs` seconds at `rate` Hz: a real header and a quiet tone, written by the
/// fake's own [`coze_mock::__internals::synth::wav`].
pub(crate) fn wav(secs: f64, rate: u32) -> Vec<u8> {
    let samples: Vec<i16> = (0..(secs * f64::from(rate)) as u32)
        .map(|i| {
            let t = f64::from(i) / f64::from(rate);
            ((t * 220.0 * std::f64::consts::TAU).sin() * 3000.0) as i16
        })
        .collect();
    coze_mock::__internals::synth::wav(&samples, rate)
}

/// A 24 kHz WAV whose file is exactly `len` bytes (len ≥ 44): a canonical header, then silence.
pub(crate) fn wav_of_len(len: usize) -> Vec<u8> {
    let data_len = (len - 44) as u32;
    let mut out = wav(0.0, 24_000);
    out[4..8].copy_from_slice(&(36 + data_len).to_le_bytes());
    out[40..44].copy_from_slice(&data_len.to_le_bytes());
    out.resize(len, 0);
    out
}

/// Seconds of audio in a canonical 16-bit mono WAV, read from its header.
pub(crate) fn wav_secs(wav: &[u8]) -> f64 {
    assert_eq!(&wav[..4], b"RIFF", "RIFF header");
    assert_eq!(&wav[8..12], b"WAVE", "WAVE form");
    let rate = u32::from_le_bytes(wav[24..28].try_into().expect("rate"));
    let data = u32::from_le_bytes(wav[40..44].try_into().expect("data size"));
    assert_eq!(wav.len(), 44 + data as usize, "data chunk fills the file");
    f64::from(data) / 2.0 / f64::from(rate)
}
