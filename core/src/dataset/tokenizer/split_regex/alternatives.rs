//! Reading a pre-tokenizer regex the way both regex engines agree on: its top-level
//! alternatives, and whether it uses syntax whose meaning differs between them.
//!
//! `tokenizers` runs `Split` patterns with fancy-regex, which has look-around and possessive
//! quantifiers; BrightRun's splitter runs regex-automata, which has neither. regex-syntax
//! rejects look-around and back-references on its own, but reads a possessive `a++` as a
//! nested greedy repetition, which matches differently: [`alternatives`] refuses it here.

/// The top-level alternatives of `pattern` (the parts between `|` outside every group and
/// class), or why the pattern is not one the splitter can run exactly.
pub(crate) fn alternatives(pattern: &str) -> Result<Vec<&str>, String> {
    let bytes = pattern.as_bytes();
    let mut parts = Vec::new();
    let mut start = 0;
    let mut groups = 0usize;
    let mut classes = 0usize;
    let mut after_quantifier = false;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        let quantifier = match byte {
            b'\\' => {
                i = skip_escape(bytes, i);
                false
            }
            _ if classes > 0 => {
                match byte {
                    b'[' => classes += 1,
                    b']' => classes -= 1,
                    _ => {}
                }
                i += 1;
                false
            }
            b'[' => {
                classes = 1;
                i += 1;
                // A `]` first in a class (after an optional `^`) is a literal.
                if bytes.get(i) == Some(&b'^') {
                    i += 1;
                }
                if bytes.get(i) == Some(&b']') {
                    i += 1;
                }
                false
            }
            b'(' => {
                if bytes.get(i + 1) == Some(&b'?') && is_bare_flag_group(&bytes[i + 2..]) {
                    return Err(format!("inline flags at {i} change every later alternative"));
                }
                groups += 1;
                // `(?` opens group syntax, not a quantifier.
                i += if bytes.get(i + 1) == Some(&b'?') { 2 } else { 1 };
                false
            }
            b')' => {
                groups = groups.checked_sub(1).ok_or_else(|| format!("unbalanced `)` at {i}"))?;
                i += 1;
                false
            }
            b'|' if groups == 0 => {
                parts.push(&pattern[start..i]);
                i += 1;
                start = i;
                false
            }
            b'+' if after_quantifier => return Err(format!("possessive quantifier at {i}")),
            b'*' | b'+' | b'?' => {
                i += 1;
                true
            }
            b'{' => {
                let close = bytes[i..].iter().position(|&b| b == b'}').map(|offset| i + offset);
                match close {
                    Some(close) if is_counted_repetition(&bytes[i + 1..close]) => {
                        i = close + 1;
                        true
                    }
                    _ => {
                        i += 1;
                        false
                    }
                }
            }
            _ => {
                i += 1;
                false
            }
        };
        // A `?` right after a quantifier makes it lazy and keeps the quantifier open.
        after_quantifier = quantifier || (after_quantifier && byte == b'?');
    }
    if groups != 0 || classes != 0 {
        return Err("unbalanced group or class".to_owned());
    }
    parts.push(&pattern[start..]);
    Ok(parts)
}

/// The index after the escape starting at `at` (a backslash): one character, or a braced
/// argument (`\p{L}`, `\x{1F600}`).
fn skip_escape(bytes: &[u8], at: usize) -> usize {
    let mut i = at + 1;
    if i < bytes.len() {
        // The escaped character may be several bytes long.
        i += utf8_len(bytes[i]);
    }
    if bytes.get(i) == Some(&b'{')
        && bytes[at + 1].is_ascii_alphabetic()
        && let Some(offset) = bytes[i..].iter().position(|&b| b == b'}')
    {
        i += offset + 1;
    }
    i
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// `{n}`, `{n,}` or `{n,m}` (the inside of the braces).
fn is_counted_repetition(inside: &[u8]) -> bool {
    let (low, high) = match inside.iter().position(|&b| b == b',') {
        Some(comma) => (&inside[..comma], Some(&inside[comma + 1..])),
        None => (inside, None),
    };
    let digits = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
    !low.is_empty() && digits(low) && high.is_none_or(digits)
}

/// Whether the text after `(?` is a bare flag group like `i)` or `-x)`, whose flags apply
/// to everything after it.
fn is_bare_flag_group(after: &[u8]) -> bool {
    let flags = after.iter().take_while(|&&b| b.is_ascii_alphabetic() || b == b'-').count();
    after.get(flags) == Some(&b')')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_top_level_bars_only() {
        let llama3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
        assert_eq!(
            alternatives(llama3).unwrap(),
            [
                r"(?i:'s|'t|'re|'ve|'m|'ll|'d)",
                r"[^\r\n\p{L}\p{N}]?\p{L}+",
                r"\p{N}{1,3}",
                r" ?[^\s\p{L}\p{N}]+[\r\n]*",
                r"\s*[\r\n]+",
                r"\s+(?!\S)",
                r"\s+"
            ]
        );
        assert_eq!(alternatives(r"[|]|\||[]|]|a").unwrap(), [r"[|]", r"\|", r"[]|]", "a"]);
        assert_eq!(alternatives(r"[^]a|]|b").unwrap(), [r"[^]a|]", "b"]);
        assert_eq!(alternatives("é|ü").unwrap(), ["é", "ü"]);
    }

    #[test]
    fn refuses_what_the_engines_read_differently() {
        for possessive in [r"a++", r"[^\r\n]?+\p{L}++|x", r"\p{N}{1,3}+", r"a*?+"] {
            assert!(alternatives(possessive).unwrap_err().contains("possessive"), "{possessive}");
        }
        assert!(alternatives(r"(?i)a|b").unwrap_err().contains("inline flags"));
        assert!(alternatives(r"(a|b").is_err());
        assert!(alternatives(r"a)").is_err());
        for fine in [r"a+?", r"\p{L}+", r"(?:ab)+", r"a{2}", r"(?i:a)"] {
            assert!(alternatives(fine).is_ok(), "{fine}");
        }
    }
}
