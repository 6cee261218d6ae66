//! Arbitrary bytes, in arbitrary chunks, through the audio sniffers, with any declared format and PCM
//! file name. Any verdict is fine; a panic, a hang or unbounded memory is not.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use mock_server::audio::{AudioSniffer, PcmHint};
use mock_server::rules::AudioFormat;

#[derive(Debug, Arbitrary)]
struct Input {
    /// An index into the supported formats; out of range: none declared.
    declared: u8,
    file_name: String,
    cuts: Vec<u16>,
    bytes: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let declared = AudioFormat::ALL.get(usize::from(input.declared)).copied();
    let mut sniffer =
        AudioSniffer::new(declared).with_pcm_hint(PcmHint::from_file_name(&input.file_name));
    let mut at: Vec<usize> = input
        .cuts
        .iter()
        .map(|&c| usize::from(c) % (input.bytes.len() + 1))
        .collect();
    at.push(input.bytes.len());
    at.sort_unstable();
    let mut from = 0;
    for to in at {
        sniffer.feed(&input.bytes[from..to]);
        from = to;
    }
    let _verdict = sniffer.finish();
});
