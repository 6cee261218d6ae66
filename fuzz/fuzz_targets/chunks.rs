//! Splitting fuzzed bytes into chunks at fuzzed cut points, shared by the targets.

/// `bytes` split at `cuts` (each taken modulo the length), in order, covering every byte once.
pub fn split<'a>(bytes: &'a [u8], cuts: &[u16]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts
        .iter()
        .map(|&c| usize::from(c) % (bytes.len() + 1))
        .collect();
    at.push(bytes.len());
    at.sort_unstable();
    let mut from = 0;
    at.into_iter()
        .map(|to| {
            let chunk = &bytes[from..to];
            from = to;
            chunk
        })
        .collect()
}
