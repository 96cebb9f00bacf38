//! Reading bytes a word at a time: the little-endian loads that hashing
//! (name lookups, event fingerprints) and short comparisons share. Each
//! is one or two loads; a copy into a buffer of variable length would
//! compile to a call to `memcpy`.

/// The 8 bytes at `i` as a little-endian word (0 where they would run
/// past the end; callers read in bounds).
#[inline(always)]
pub(crate) fn le64(b: &[u8], i: usize) -> u64 {
    b.get(i..i + 8)
        .and_then(|c| <[u8; 8]>::try_from(c).ok())
        .map_or(0, u64::from_le_bytes)
}

/// The 4 bytes at `i` as a little-endian number (0 past the end).
#[inline(always)]
pub(crate) fn le32(b: &[u8], i: usize) -> u64 {
    b.get(i..i + 4)
        .and_then(|c| <[u8; 4]>::try_from(c).ok())
        .map_or(0, |c| u64::from(u32::from_le_bytes(c)))
}

/// Up to eight bytes as one word: all eight, the first and last four
/// (overlapping) for four to seven, the first, middle and last byte for
/// one to three. For a given length, different bytes give different
/// words, so a hash that also takes the length loses nothing.
#[inline(always)]
pub(crate) fn short(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 8 {
        le64(b, 0)
    } else if n >= 4 {
        le32(b, 0) | le32(b, n - 4) << 32
    } else if n > 0 {
        let at = |i: usize| b.get(i).map_or(0, |&x| u64::from(x));
        at(0) | at(n / 2) << 8 | at(n - 1) << 16
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::short;

    /// Changing any byte of a short string changes its word.
    #[test]
    fn short_words_tell_same_length_bytes_apart() {
        let base: Vec<u8> = (0..8u8).map(|i| 0x81u8.wrapping_mul(i + 3)).collect();
        for n in 1..=8 {
            let w = short(&base[..n]);
            for k in 0..n {
                let mut t = base[..n].to_vec();
                t[k] ^= 0x5a;
                assert_ne!(short(&t), w, "{n} {k}");
            }
        }
    }
}
