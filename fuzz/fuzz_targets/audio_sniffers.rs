//! Arbitrary bytes, in arbitrary chunks, through the audio sniffers, with any declared format and PCM
//! file name. Any verdict is fine; a panic, a hang or unbounded memory is not.
#![no_main]

mod chunks;

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use coze_mock::__internals::audio::{AudioSniffer, PcmHint};
use coze_mock::rules::AudioFormat;

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
    for chunk in chunks::split(&input.bytes, &input.cuts) {
        sniffer.feed(chunk);
    }
    let _verdict = sniffer.finish();
});
