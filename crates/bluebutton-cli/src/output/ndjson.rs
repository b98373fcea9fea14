//! NDJSON: one JSON document per line, written from the exact bytes received with only the
//! insignificant whitespace (between tokens) removed: nothing reordered, re-escaped or
//! re-formatted, so each line is the server's text of that resource.
//!
//! The text has already been checked to be JSON (the page scan), so the whitespace to drop
//! is found 64 bytes at a time with bit masks (the structural-index technique of simdjson):
//! one mask of quotes, one of backslashes, one of bytes up to 0x20, each from four 16-byte
//! SIMD compares (`wide`, SSE2 on x86-64, NEON on aarch64, scalar elsewhere); escaped quotes
//! removed; the in-string mask is the prefix XOR of the quotes. A block without whitespace
//! outside strings, the usual case for a compact server, is copied whole.

use std::io::{self, Write};

use wide::u8x16;

/// Writes `json` (one JSON value's exact, valid text) on one line, without the whitespace
/// between its tokens (strings are copied untouched).
pub(crate) fn write_line(out: &mut impl Write, json: &str) -> io::Result<()> {
    let mut state = Strings::default();
    let mut blocks = json.as_bytes().chunks_exact(64);
    for block in &mut blocks {
        let drop = state.whitespace_outside(block);
        write_without(out, block, drop)?;
    }
    let rest = blocks.remainder();
    if !rest.is_empty() {
        // Padding that is neither a quote, a backslash nor whitespace; only the real bytes'
        // bits are kept anyway.
        let mut padded = [0xffu8; 64];
        padded[..rest.len()].copy_from_slice(rest);
        let drop = state.whitespace_outside(&padded) & ((1u64 << rest.len()) - 1);
        write_without(out, rest, drop)?;
    }
    out.write_all(b"\n")
}

/// Writes `block` without the bytes whose bit is set in `drop`.
fn write_without(out: &mut impl Write, block: &[u8], mut drop: u64) -> io::Result<()> {
    if drop == 0 {
        return out.write_all(block);
    }
    let mut from = 0;
    while drop != 0 {
        let at = drop.trailing_zeros() as usize;
        if at > from {
            out.write_all(&block[from..at])?;
        }
        from = at + 1;
        drop &= drop - 1;
    }
    if from < block.len() {
        out.write_all(&block[from..])?;
    }
    Ok(())
}

/// What carries from one 64-byte block to the next: an escape in progress and whether the
/// block ended inside a string.
#[derive(Default)]
struct Strings {
    /// 1 when the last block ended with an unfinished odd run of backslashes.
    escape_carry: u64,
    /// All ones when the last block ended inside a string.
    inside: u64,
}

const EVEN_BITS: u64 = 0x5555_5555_5555_5555;

impl Strings {
    /// A bit per byte of `block`: set for whitespace (any byte up to 0x20: valid JSON has no
    /// raw control character inside a string) that is outside every string.
    fn whitespace_outside(&mut self, block: &[u8]) -> u64 {
        let (quote, backslash, space) =
            (u8x16::splat(b'"'), u8x16::splat(b'\\'), u8x16::splat(0x20));
        let (mut quotes, mut backslashes, mut blanks) = (0u64, 0u64, 0u64);
        for (i, lane) in block.chunks_exact(16).enumerate() {
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(lane);
            let lane = u8x16::new(bytes);
            let shift = i * 16;
            let bits = |mask: u8x16| u64::from(mask.move_mask() as u16) << shift;
            quotes |= bits(lane.cmp_eq(quote));
            backslashes |= bits(lane.cmp_eq(backslash));
            // Bytes up to 0x20 are those the minimum with 0x20 leaves unchanged.
            blanks |= bits(lane.min(space).cmp_eq(lane));
        }
        let quotes = quotes & !self.escaped(backslashes);
        let inside = prefix_xor(quotes) ^ self.inside;
        self.inside = ((inside as i64) >> 63) as u64;
        blanks & !inside
    }

    /// The bytes escaped by a backslash (the odd-length backslash run algorithm).
    fn escaped(&mut self, backslashes: u64) -> u64 {
        let backslashes = backslashes & !self.escape_carry;
        let follows_escape = (backslashes << 1) | self.escape_carry;
        let odd_starts = backslashes & !EVEN_BITS & !follows_escape;
        let (even_starts, overflow) = odd_starts.overflowing_add(backslashes);
        self.escape_carry = u64::from(overflow);
        (EVEN_BITS ^ (even_starts << 1)) & follows_escape
    }
}

/// Bit `i` is the XOR of bits `0..=i`: set from each opening quote up to its closing quote.
fn prefix_xor(mut bits: u64) -> u64 {
    bits ^= bits << 1;
    bits ^= bits << 2;
    bits ^= bits << 4;
    bits ^= bits << 8;
    bits ^= bits << 16;
    bits ^= bits << 32;
    bits
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(json: &str) -> String {
        let mut out = Vec::new();
        write_line(&mut out, json).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The byte-at-a-time definition the bit masks must agree with.
    fn reference(json: &str) -> String {
        let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
        for c in json.chars() {
            if in_string {
                out.push(c);
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
            } else if c == '"' {
                in_string = true;
                out.push(c);
            } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
                out.push(c);
            }
        }
        out + "\n"
    }

    #[test]
    fn compact_json_is_written_verbatim() {
        assert_eq!(
            line(r#"{"a":10.50,"b":"x y"}"#),
            "{\"a\":10.50,\"b\":\"x y\"}\n"
        );
    }

    #[test]
    fn whitespace_between_tokens_goes_and_strings_numbers_and_order_stay() {
        // Spaces after separators (as Python's json.dumps writes) and pretty-printing.
        assert_eq!(
            line(r#"{"z": 10.50, "a": "x y", "e": [1e2, true, null]}"#),
            "{\"z\":10.50,\"a\":\"x y\",\"e\":[1e2,true,null]}\n"
        );
        let pretty =
            "{\n  \"a\" : 10.50,\n  \"b\" : \"x \\\" \\\\ y\",\n  \"c\" : [ 1e2, true ]\n}";
        assert_eq!(
            line(pretty),
            "{\"a\":10.50,\"b\":\"x \\\" \\\\ y\",\"c\":[1e2,true]}\n"
        );
    }

    #[test]
    fn escapes_across_block_boundaries_are_followed() {
        // Backslash runs and quotes placed at every offset around the 64-byte boundary.
        for pad in 0..70 {
            let key = "k".repeat(pad);
            for value in [r"\\", r#"\""#, r#"\\\""#, r"\\\\", r#"a \\ b \" c"#] {
                let json = format!("{{ \"{key}\" : \"{value}\" ,\t\"n\" : [ 1 , 2 ] }}");
                assert_eq!(line(&json), reference(&json), "{json}");
            }
        }
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            "[ -~\\\\\"\u{e9}\u{1F600}]{0,80}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::from),
                prop::collection::btree_map("[a-z \"\\\\]{0,12}", inner, 0..8)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn agrees_with_the_byte_at_a_time_definition(value in json_value()) {
            for text in [
                serde_json::to_string(&value).unwrap(),
                serde_json::to_string_pretty(&value).unwrap(),
            ] {
                let got = line(&text);
                prop_assert_eq!(&got, &reference(&text));
                let back: serde_json::Value = serde_json::from_str(got.trim_end()).unwrap();
                prop_assert_eq!(&back, &value);
            }
        }
    }
}
