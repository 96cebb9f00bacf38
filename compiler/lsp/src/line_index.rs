//! Byte offsets ↔ LSP positions.
//!
//! The compiler speaks byte offsets into UTF-8 text; LSP speaks lines and
//! columns counted in UTF-16 code units unless the client negotiated
//! UTF-8 (`positionEncoding`). Every conversion here is total: positions
//! past the end of a line or of the file clamp to it, and offsets inside a
//! multi-byte character snap back to its start, so a stale or hostile
//! position can never index out of bounds.

use lsp_types::{Position, Range};

/// How columns are counted, as negotiated at initialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// The LSP default: UTF-16 code units.
    #[default]
    Utf16,
    /// Bytes, when the client offers `utf-8`.
    Utf8,
}

/// The start of every line of one text, for fast conversions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        LineIndex {
            line_starts,
            len: text.len(),
        }
    }

    /// The position of a byte offset (clamped to the text).
    pub fn position(&self, text: &str, offset: usize, enc: Encoding) -> Position {
        let mut offset = offset.min(self.len).min(text.len());
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let prefix = text.get(start..offset).unwrap_or("");
        let col = match enc {
            Encoding::Utf8 => prefix.len(),
            Encoding::Utf16 => prefix.chars().map(char::len_utf16).sum(),
        };
        Position::new(to_u32(line), to_u32(col))
    }

    /// The byte offset of a position; a column past the end of its line
    /// clamps to the line's end (before its newline), a line past the end
    /// clamps to the end of the text.
    pub fn offset(&self, text: &str, pos: Position, enc: Encoding) -> usize {
        let Some(&start) = self.line_starts.get(pos.line as usize) else {
            return text.len();
        };
        let end = self
            .line_starts
            .get(pos.line as usize + 1)
            .map_or(text.len(), |&e| e.saturating_sub(1));
        let line = text.get(start..end.max(start)).unwrap_or("");
        let want = pos.character as usize;
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units >= want {
                return start + i;
            }
            units += match enc {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
        }
        start + line.len()
    }

    pub fn range(&self, text: &str, start: usize, end: usize, enc: Encoding) -> Range {
        Range::new(
            self.position(text, start, enc),
            self.position(text, end, enc),
        )
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_counts_surrogate_pairs() {
        let text = "a\u{1F600}b\n\u{e9}x";
        let idx = LineIndex::new(text);
        // 'b' is after a 4-byte emoji: byte 5, UTF-16 column 3.
        assert_eq!(idx.position(text, 5, Encoding::Utf16), Position::new(0, 3));
        assert_eq!(idx.position(text, 5, Encoding::Utf8), Position::new(0, 5));
        assert_eq!(idx.offset(text, Position::new(0, 3), Encoding::Utf16), 5);
        // 'x' after the two-byte 'é' on line 1.
        assert_eq!(idx.offset(text, Position::new(1, 1), Encoding::Utf16), 9);
        assert_eq!(idx.offset(text, Position::new(1, 2), Encoding::Utf8), 9);
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let text = "ab\ncd";
        let idx = LineIndex::new(text);
        assert_eq!(idx.offset(text, Position::new(0, 99), Encoding::Utf16), 2);
        assert_eq!(idx.offset(text, Position::new(9, 0), Encoding::Utf16), 5);
        assert_eq!(idx.position(text, 99, Encoding::Utf16), Position::new(1, 2));
        // Inside the emoji: snaps back to its start.
        let text = "\u{1F600}";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 2, Encoding::Utf16), Position::new(0, 0));
    }
}
