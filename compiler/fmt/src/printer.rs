//! The printer's core: it walks the AST (`items`, `expr`) and, for every
//! token the AST stands for, consumes the next significant token of the
//! file, so that the comments attached to that token ([`crate::trivia`])
//! come out exactly where they were relative to the code.
//!
//! Leading comments are emitted just before their token (on a line of their
//! own if they had one); trailing comments are held back until the next
//! thing is pushed, so that a comment after the last token of a group lands
//! *after* the group and does not force it to break, while a synthesized
//! trailing comma still goes before the comment that followed the element.
//!
//! If the AST and the tokens ever disagree (a bug), the printer records it
//! in [`Printer::mismatch`] and carries on; [`crate::format`] then refuses
//! to use the output.

use std::borrow::Cow;

use guard_syntax::ast::Ident;
use guard_syntax::lex::Token;

use crate::doc::{Builder, Doc};
use crate::names::{self, NamePos};
use crate::trivia::{Comment, Trivia};

pub(crate) struct Printer<'s> {
    trivia: Trivia<'s>,
    /// The next significant token.
    pos: usize,
    /// Whether the leading comments of the token at `pos` are already out.
    leading_done: bool,
    /// A consumed token whose trailing comments are not yet out.
    pending: Option<usize>,
    b: Builder,
    pub(crate) mismatch: bool,
}

impl<'s> Printer<'s> {
    pub(crate) fn new(trivia: Trivia<'s>) -> Printer<'s> {
        Printer {
            trivia,
            pos: 0,
            leading_done: false,
            pending: None,
            b: Builder::new(),
            mismatch: false,
        }
    }

    /// The finished document; every token must have been consumed.
    pub(crate) fn finish(mut self) -> (Doc, bool) {
        self.flush();
        self.eof_comments();
        let mismatch = self.mismatch || self.pos != self.trivia.toks.len();
        (self.b.finish(), mismatch)
    }

    // ------------------------------------------------------------ tokens

    /// The kind of the next significant token.
    pub(crate) fn peek(&self) -> Option<&Token> {
        self.trivia.toks.get(self.pos).map(|t| t.token)
    }

    fn comment_doc(c: &Comment<'_>, own_line: bool) -> Doc {
        Doc::Comment {
            text: c.text.into(),
            line: c.line || (own_line && c.newline_after),
        }
    }

    /// Emits the trailing comments of the last consumed token.
    pub(crate) fn flush(&mut self) {
        if let Some(i) = self.pending.take() {
            let range = self.trivia.toks.get(i).map_or(0..0, |t| t.trailing.clone());
            for c in self.trivia.comments.get(range).unwrap_or(&[]) {
                self.b.push(Self::comment_doc(c, false));
            }
        }
    }

    fn leading(&self) -> &[Comment<'s>] {
        if self.leading_done {
            return &[];
        }
        let range = self
            .trivia
            .toks
            .get(self.pos)
            .map_or(0..0, |t| t.leading.clone());
        self.trivia.comments.get(range).unwrap_or(&[])
    }

    /// Emits the comments leading the next token where they stand in an
    /// expression or list: each on a fresh line if it had one.
    fn leading_inline(&mut self) {
        let docs: Vec<(bool, Doc)> = self
            .leading()
            .iter()
            .map(|c| (c.newline_before, Self::comment_doc(c, true)))
            .collect();
        for (fresh, doc) in docs {
            if fresh {
                self.b.push(Doc::FreshLine);
            }
            self.b.push(doc);
        }
        self.leading_done = true;
    }

    /// Consumes the next token, printing `text` for it.
    fn consume(&mut self, text: Cow<'static, str>) {
        self.flush();
        // A comment on a line of its own where no line break of the layout
        // precedes it (`allow` / `// why` / `x;`) starts a continuation
        // line, and the token follows it there.
        let own_line = self.leading().iter().any(|c| c.newline_before);
        let indent = own_line && !self.b.last_is_break();
        if indent {
            self.b.open_nest();
        }
        self.leading_inline();
        self.b.push(match text {
            Cow::Borrowed(s) => Doc::Text(s),
            Cow::Owned(s) => Doc::Owned(s.into_boxed_str()),
        });
        if indent {
            self.b.close();
        }
        self.pending = Some(self.pos);
        self.pos += 1;
        self.leading_done = false;
    }

    /// Consumes a keyword or punctuation token.
    pub(crate) fn tok(&mut self, expected: Token) {
        if self.peek() != Some(&expected) {
            self.mismatch = true;
        }
        self.consume(Cow::Borrowed(expected.fixed_text().unwrap_or("")));
    }

    /// Consumes a name.
    pub(crate) fn name(&mut self, id: &Ident, pos: NamePos) {
        if self.peek().and_then(Token::name_text).is_none() {
            self.mismatch = true;
        }
        self.consume(names::name(&id.text, pos).into());
    }

    /// Consumes a string literal, re-escaped.
    pub(crate) fn string(&mut self, value: &str) {
        if !matches!(self.peek(), Some(Token::Str(_))) {
            self.mismatch = true;
        }
        self.consume(names::string(value).into());
    }

    /// Consumes a number or duration, printed as written.
    pub(crate) fn number(&mut self) {
        if !matches!(self.peek(), Some(Token::Int(_) | Token::Duration(_))) {
            self.mismatch = true;
        }
        let text = self
            .trivia
            .toks
            .get(self.pos)
            .map_or("", |t| t.text)
            .to_string();
        self.consume(text.into());
    }

    /// After the last element of a list that allows a trailing comma: a
    /// comma when the list breaks, none when it is flat, whatever the
    /// source had.
    pub(crate) fn trailing_comma(&mut self) {
        let comma = Doc::IfBreak {
            broken: Box::new(Doc::Text(",")),
            flat: Box::new(Doc::Text("")),
        };
        if self.peek() == Some(&Token::Comma) {
            self.flush();
            self.leading_inline();
            self.b.push(comma);
            self.pending = Some(self.pos);
            self.pos += 1;
            self.leading_done = false;
        } else {
            // Before the comments that trail the last element.
            self.b.push(comma);
        }
    }

    /// Drops a trailing comma (keeping its comments) in a list that is
    /// never broken.
    pub(crate) fn skip_trailing_comma(&mut self) {
        if self.peek() == Some(&Token::Comma) {
            self.flush();
            self.leading_inline();
            self.pending = Some(self.pos);
            self.pos += 1;
            self.leading_done = false;
        }
    }

    // ---------------------------------------------------- layout pieces

    pub(crate) fn push(&mut self, doc: Doc) {
        self.flush();
        self.b.push(doc);
    }

    pub(crate) fn text(&mut self, s: &'static str) {
        self.push(Doc::Text(s));
    }

    pub(crate) fn space(&mut self) {
        self.text(" ");
    }

    pub(crate) fn line(&mut self) {
        self.push(Doc::Line);
    }

    pub(crate) fn soft(&mut self) {
        self.push(Doc::SoftLine);
    }

    pub(crate) fn hard(&mut self) {
        self.push(Doc::HardLine);
    }

    pub(crate) fn open_group(&mut self) {
        self.flush();
        self.b.open_group(None);
    }

    /// A group that is flat only if it also ends within column `limit`.
    pub(crate) fn open_short_group(&mut self, limit: u16) {
        self.flush();
        self.b.open_group(Some(limit));
    }

    pub(crate) fn open_fill(&mut self) {
        self.flush();
        self.b.open_fill();
    }

    /// One content of a fill, as a group holding its own trailing comments
    /// (so the fill keeps alternating contents and separators).
    pub(crate) fn fill_part(&mut self, part: impl FnOnce(&mut Self)) {
        self.open_group();
        part(self);
        self.flush();
        self.close();
    }

    pub(crate) fn open_nest(&mut self) {
        self.flush();
        self.b.open_nest();
    }

    /// Closes a group or nest; a pending trailing comment stays pending, so
    /// it is printed after the group.
    pub(crate) fn close(&mut self) {
        self.b.close();
    }

    /// The flat width of the document pushed last, if it can be flat.
    pub(crate) fn last_flat_width(&self) -> Option<usize> {
        self.b.last().and_then(crate::doc::flat_width)
    }

    /// Whether comments lead the next token (which closes a block or list).
    pub(crate) fn has_leading(&self) -> bool {
        !self.leading().is_empty()
    }

    // ------------------------------------------------ comments in blocks

    /// Before an element of a block (an item, a test step, a statement, a
    /// gate field), at the start of a line: its leading comments on lines
    /// of their own, and the blank lines before them and before the
    /// element, collapsed to one. Blank lines at the top of a block go.
    pub(crate) fn block_leading(&mut self, first: bool) {
        self.flush();
        let mut first = first;
        let comments: Vec<(bool, bool, Doc)> = self
            .leading()
            .iter()
            .map(|c| {
                let breaks = c.line || c.newline_after;
                (c.blank_before, breaks, Self::comment_doc(c, true))
            })
            .collect();
        for (blank, breaks, doc) in comments {
            if blank && !first {
                self.b.push(Doc::HardLine);
            }
            self.b.push(doc);
            if breaks {
                self.b.push(Doc::HardLine);
            }
            first = false;
        }
        let blank = self
            .trivia
            .toks
            .get(self.pos)
            .is_some_and(|t| t.blank_before);
        if blank && !first {
            self.b.push(Doc::HardLine);
        }
        self.leading_done = true;
    }

    /// Before the `}` that closes a block, inside the block's indentation:
    /// the comments that lead the `}`, each on its own line.
    pub(crate) fn block_close_leading(&mut self, empty: bool) {
        self.flush();
        let comments: Vec<(bool, Doc)> = self
            .leading()
            .iter()
            .map(|c| (c.blank_before, Self::comment_doc(c, true)))
            .collect();
        let mut first = empty;
        for (blank, doc) in comments {
            self.b.push(Doc::HardLine);
            if blank && !first {
                self.b.push(Doc::HardLine);
            }
            self.b.push(doc);
            first = false;
        }
        self.leading_done = true;
    }

    /// Before the bracket that closes a list: the comments that lead it,
    /// each on a fresh line.
    pub(crate) fn close_leading(&mut self) {
        self.flush();
        let docs: Vec<Doc> = self
            .leading()
            .iter()
            .map(|c| Self::comment_doc(c, true))
            .collect();
        for doc in docs {
            self.b.push(Doc::FreshLine);
            self.b.push(doc);
        }
        self.leading_done = true;
    }

    /// The comments after the last token, each on its own line.
    fn eof_comments(&mut self) {
        let range = self.trivia.eof.clone();
        let comments: Vec<(bool, bool, Doc)> = self
            .trivia
            .comments
            .get(range)
            .unwrap_or(&[])
            .iter()
            .map(|c| (c.newline_before, c.blank_before, Self::comment_doc(c, true)))
            .collect();
        let mut first = self.trivia.toks.is_empty();
        for (newline, blank, doc) in comments {
            if !first && newline {
                self.b.push(Doc::HardLine);
                if blank {
                    self.b.push(Doc::HardLine);
                }
            }
            self.b.push(doc);
            first = false;
        }
    }
}
