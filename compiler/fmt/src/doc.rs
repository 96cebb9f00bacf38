//! The layout engine: a document of text, line breaks, groups and
//! indentation (Wadler's "prettier printer", in the iterative form that
//! prettier uses), and the renderer that picks where to break.
//!
//! A [`Doc::Group`] is printed flat (every [`Doc::Line`] a space, every
//! [`Doc::SoftLine`] nothing) when its content, and whatever follows it up
//! to the next possible break, fits in the remaining width; otherwise its
//! own lines break and its inner groups decide again. A group that contains
//! a hard break (a [`Doc::HardLine`], a line comment, a comment that must
//! start its own line) can never be flat; that is computed when the group
//! is built ([`Builder`]), so the renderer never has to look inside.
//!
//! A group may carry a narrower limit than the page width (a "small
//! heuristic" in rustfmt's sense): it is flat only if it also ends within
//! that column. A [`Doc::Fill`] packs its parts onto lines greedily, like
//! words in a paragraph.
//!
//! Comments get two pieces of renderer state rather than special documents:
//! after a line comment nothing may follow on the same line (the next text
//! starts a new line if no break came first), and after a block comment the
//! next text is separated by a space.

/// Spaces per indentation level.
pub(crate) const INDENT: usize = 4;

#[derive(Debug, Clone)]
pub(crate) enum Doc {
    /// Text without line breaks.
    Text(&'static str),
    /// Text without line breaks, owned.
    Owned(Box<str>),
    /// A comment as written. `line` comments end their line; a block
    /// comment may span lines (then it is printed verbatim and breaks its
    /// groups).
    Comment { text: Box<str>, line: bool },
    /// A space when flat, a line break when broken.
    Line,
    /// Nothing when flat, a line break when broken.
    SoftLine,
    /// Always a line break.
    HardLine,
    /// A line break unless the current line holds nothing yet.
    FreshLine,
    /// The contents, in order.
    Concat(Vec<Doc>),
    /// The contents, one indentation level deeper after each break.
    Nest(Vec<Doc>),
    /// A unit that is printed flat or broken as a whole; flat only if it
    /// fits within `limit` columns too, when given.
    Group {
        docs: Vec<Doc>,
        hard: bool,
        limit: Option<u16>,
    },
    /// Alternating contents and separators (`Line`s): a separator breaks
    /// only when the content after it does not fit on the current line.
    Fill(Vec<Doc>),
    /// `broken` when the enclosing group breaks, else `flat`.
    IfBreak { broken: Box<Doc>, flat: Box<Doc> },
}

impl Doc {
    /// Whether this document forces its enclosing groups to break. For an
    /// `IfBreak` only the flat variant counts: the broken one is only ever
    /// printed when the group breaks anyway.
    pub(crate) fn is_hard(&self) -> bool {
        match self {
            Doc::Text(_) | Doc::Owned(_) | Doc::Line | Doc::SoftLine => false,
            Doc::Comment { text, line } => *line || text.contains('\n'),
            Doc::HardLine | Doc::FreshLine => true,
            Doc::Group { hard, .. } => *hard,
            Doc::Nest(docs) | Doc::Concat(docs) | Doc::Fill(docs) => docs.iter().any(Doc::is_hard),
            Doc::IfBreak { flat, .. } => flat.is_hard(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    Root,
    Group(Option<u16>),
    Nest,
    Fill,
}

/// A document under construction: a stack of open groups and nests.
#[derive(Debug)]
pub(crate) struct Builder {
    frames: Vec<(FrameKind, Vec<Doc>, bool)>,
}

impl Builder {
    pub(crate) fn new() -> Builder {
        Builder {
            frames: vec![(FrameKind::Root, Vec::new(), false)],
        }
    }

    pub(crate) fn push(&mut self, doc: Doc) {
        let hard = doc.is_hard();
        if let Some((_, docs, h)) = self.frames.last_mut() {
            *h |= hard;
            docs.push(doc);
        }
    }

    pub(crate) fn open_group(&mut self, limit: Option<u16>) {
        self.frames
            .push((FrameKind::Group(limit), Vec::new(), false));
    }

    pub(crate) fn open_fill(&mut self) {
        self.frames.push((FrameKind::Fill, Vec::new(), false));
    }

    pub(crate) fn open_nest(&mut self) {
        self.frames.push((FrameKind::Nest, Vec::new(), false));
    }

    /// Closes the innermost open group or nest.
    pub(crate) fn close(&mut self) {
        if self.frames.len() <= 1 {
            return;
        }
        if let Some((kind, docs, hard)) = self.frames.pop() {
            let doc = match kind {
                FrameKind::Group(limit) => Doc::Group { docs, hard, limit },
                FrameKind::Fill => Doc::Fill(docs),
                FrameKind::Nest | FrameKind::Root => Doc::Nest(docs),
            };
            if let Some((_, parent, h)) = self.frames.last_mut() {
                *h |= hard;
                parent.push(doc);
            }
        }
    }

    /// Whether the document pushed last into the innermost open frame is a
    /// possible line break (so a hard break after it starts no new line).
    pub(crate) fn last_is_break(&self) -> bool {
        matches!(
            self.last(),
            Some(Doc::Line | Doc::SoftLine | Doc::HardLine | Doc::FreshLine)
        )
    }

    /// The document pushed last into the innermost open frame.
    pub(crate) fn last(&self) -> Option<&Doc> {
        self.frames.last().and_then(|(_, docs, _)| docs.last())
    }

    /// The finished document (closing anything left open).
    pub(crate) fn finish(mut self) -> Doc {
        while self.frames.len() > 1 {
            self.close();
        }
        let docs = self.frames.pop().map(|(_, d, _)| d).unwrap_or_default();
        Doc::Concat(docs)
    }
}

/// The width of `doc` printed flat on one line, or `None` if it cannot be
/// flat (it holds a hard break).
pub(crate) fn flat_width(doc: &Doc) -> Option<usize> {
    match doc {
        Doc::Text(s) => Some(s.chars().count()),
        Doc::Owned(s) => Some(s.chars().count()),
        Doc::Comment { text, .. } => {
            if doc.is_hard() {
                None
            } else {
                Some(text.chars().count() + 1)
            }
        }
        Doc::Line => Some(1),
        Doc::SoftLine => Some(0),
        Doc::HardLine | Doc::FreshLine => None,
        Doc::Concat(docs) | Doc::Nest(docs) | Doc::Fill(docs) => docs.iter().map(flat_width).sum(),
        Doc::IfBreak { flat, .. } => flat_width(flat),
        Doc::Group { docs, hard, .. } => {
            if *hard {
                None
            } else {
                docs.iter().map(flat_width).sum()
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Flat,
    Break,
}

/// What the renderer works through: a document, or the parts of a fill
/// not yet placed.
#[derive(Debug, Clone, Copy)]
enum Node<'d> {
    Doc(&'d Doc),
    Fill(&'d [Doc]),
}

type Cmd<'d> = (usize, Mode, Node<'d>);

/// A line of the output that ends in a trailing `//` comment: where the
/// code before it ends and where the comment starts (byte offsets in the
/// line), used to align runs of such comments.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TrailingComment {
    pub line: usize,
    pub code_end: usize,
    pub comment_start: usize,
}

struct Renderer {
    out: String,
    width: usize,
    /// Characters on the current line.
    col: usize,
    /// The current line holds only indentation.
    line_start: bool,
    /// A line comment was printed: the next text starts a new line.
    need_newline: bool,
    /// A block comment was printed: the next text is separated by a space.
    pending_space: bool,
    line_no: usize,
    trailing: Vec<TrailingComment>,
}

/// Prints `doc` in `width` columns. Returns the text (without a final
/// newline) and the lines that end in a trailing line comment.
pub(crate) fn render(doc: &Doc, width: usize) -> (String, Vec<TrailingComment>) {
    let mut r = Renderer {
        out: String::new(),
        width,
        col: 0,
        line_start: true,
        need_newline: false,
        pending_space: false,
        line_no: 0,
        trailing: Vec::new(),
    };
    let mut stack: Vec<Cmd<'_>> = vec![(0, Mode::Break, Node::Doc(doc))];
    while let Some((indent, mode, node)) = stack.pop() {
        let doc = match node {
            Node::Doc(doc) => doc,
            Node::Fill(parts) => {
                r.fill(indent, parts, &mut stack);
                continue;
            }
        };
        match doc {
            Doc::Text(s) => r.text(indent, s),
            Doc::Owned(s) => r.text(indent, s),
            Doc::Comment { text, line } => r.comment(indent, text, *line),
            Doc::Line => match mode {
                Mode::Break => r.newline(indent),
                Mode::Flat => {
                    if r.need_newline {
                        r.newline(indent);
                    } else if !r.line_start {
                        r.out.push(' ');
                        r.col += 1;
                        r.pending_space = false;
                    }
                }
            },
            Doc::SoftLine => {
                if mode == Mode::Break {
                    r.newline(indent);
                }
            }
            Doc::HardLine => r.newline(indent),
            Doc::FreshLine => {
                if r.line_start {
                    r.reindent(indent);
                } else {
                    r.newline(indent);
                }
            }
            Doc::Concat(docs) => push_all(&mut stack, indent, mode, docs),
            Doc::Nest(docs) => push_all(&mut stack, indent + INDENT, mode, docs),
            Doc::Fill(parts) => stack.push((indent, mode, Node::Fill(parts))),
            Doc::Group { docs, hard, limit } => {
                let mode = if *hard {
                    Mode::Break
                } else if mode == Mode::Flat {
                    Mode::Flat
                } else {
                    let room = r.room(*limit);
                    if fits(vec![(indent, Mode::Flat, Node::Doc(doc))], &stack, room) {
                        Mode::Flat
                    } else {
                        Mode::Break
                    }
                };
                push_all(&mut stack, indent, mode, docs);
            }
            Doc::IfBreak { broken, flat } => {
                let doc = if mode == Mode::Break { broken } else { flat };
                stack.push((indent, mode, Node::Doc(doc)));
            }
        }
    }
    trim_trailing_spaces(&mut r.out);
    (r.out, r.trailing)
}

fn push_all<'d>(stack: &mut Vec<Cmd<'d>>, indent: usize, mode: Mode, docs: &'d [Doc]) {
    for d in docs.iter().rev() {
        stack.push((indent, mode, Node::Doc(d)));
    }
}

/// Whether the commands in `stack`, and what follows them in `rest` up to
/// the next line break, fit in `room` columns.
fn fits<'d>(mut stack: Vec<Cmd<'d>>, rest: &[Cmd<'d>], mut room: isize) -> bool {
    let mut rest_index = rest.len();
    loop {
        if room < 0 {
            return false;
        }
        let (indent, mode, node) = match stack.pop() {
            Some(cmd) => cmd,
            None => {
                if rest_index == 0 {
                    return true;
                }
                rest_index -= 1;
                match rest.get(rest_index) {
                    Some(cmd) => *cmd,
                    None => return true,
                }
            }
        };
        let doc = match node {
            Node::Doc(doc) => doc,
            Node::Fill(parts) => {
                push_all(&mut stack, indent, mode, parts);
                continue;
            }
        };
        match doc {
            Doc::Text(s) => room -= width_of(s),
            Doc::Owned(s) => room -= width_of(s),
            Doc::Comment { text, line } => {
                if *line {
                    // Nothing follows a line comment on its line, and a
                    // comment does not decide how the code is laid out.
                    return true;
                }
                let first = text.split('\n').next().unwrap_or("");
                room -= width_of(first) + 1;
                if text.contains('\n') {
                    return room >= 0;
                }
            }
            Doc::Line => {
                if mode == Mode::Break {
                    return true;
                }
                room -= 1;
            }
            Doc::SoftLine => {
                if mode == Mode::Break {
                    return true;
                }
            }
            Doc::HardLine | Doc::FreshLine => return true,
            Doc::Concat(docs) | Doc::Fill(docs) => push_all(&mut stack, indent, mode, docs),
            Doc::Nest(docs) => push_all(&mut stack, indent + INDENT, mode, docs),
            Doc::Group { docs, hard, .. } => {
                let mode = if *hard { Mode::Break } else { mode };
                push_all(&mut stack, indent, mode, docs);
            }
            Doc::IfBreak { broken, flat } => {
                let doc = if mode == Mode::Break { broken } else { flat };
                stack.push((indent, mode, Node::Doc(doc)));
            }
        }
    }
}

/// Display width, counted in characters.
fn width_of(s: &str) -> isize {
    isize::try_from(s.chars().count()).unwrap_or(isize::MAX)
}

fn trim_trailing_spaces(out: &mut String) {
    let kept = out.trim_end_matches([' ', '\t']).len();
    out.truncate(kept);
}

impl Renderer {
    /// Columns left on the current line, within `limit` if given.
    fn room(&self, limit: Option<u16>) -> isize {
        let width = limit.map_or(self.width, |l| usize::from(l).min(self.width));
        width as isize - self.col as isize
    }

    /// Places the next content of a fill, and decides whether the
    /// separator after it breaks: only if the content after the separator
    /// does not fit on this line (prettier's algorithm).
    fn fill<'d>(&self, indent: usize, parts: &'d [Doc], stack: &mut Vec<Cmd<'d>>) {
        let Some((content, rest)) = parts.split_first() else {
            return;
        };
        let room = self.room(None);
        let flat = |docs: &[&'d Doc]| -> Vec<Cmd<'d>> {
            docs.iter()
                .rev()
                .map(|d| (indent, Mode::Flat, Node::Doc(d)))
                .collect()
        };
        let Some((separator, after)) = rest.split_first() else {
            let mode = if fits(flat(&[content]), stack, room) {
                Mode::Flat
            } else {
                Mode::Break
            };
            stack.push((indent, mode, Node::Doc(content)));
            return;
        };
        let content_mode = if fits(flat(&[content]), &[], room) {
            Mode::Flat
        } else {
            Mode::Break
        };
        // What follows the fill counts when the next content is its last.
        let tail: &[Cmd<'d>] = if after.len() == 1 { stack } else { &[] };
        let both_fit = after.first().is_some_and(|next| {
            content_mode == Mode::Flat && fits(flat(&[content, separator, next]), tail, room)
        });
        let separator_mode = if both_fit { Mode::Flat } else { Mode::Break };
        stack.push((indent, content_mode, Node::Fill(after)));
        stack.push((indent, separator_mode, Node::Doc(separator)));
        stack.push((indent, content_mode, Node::Doc(content)));
    }

    fn newline(&mut self, indent: usize) {
        trim_trailing_spaces(&mut self.out);
        self.out.push('\n');
        self.line_no += 1;
        self.indent_to(indent);
    }

    fn indent_to(&mut self, indent: usize) {
        self.out.extend(std::iter::repeat_n(' ', indent));
        self.col = indent;
        self.line_start = true;
        self.need_newline = false;
        self.pending_space = false;
    }

    /// At the start of a line, replaces its indentation.
    fn reindent(&mut self, indent: usize) {
        trim_trailing_spaces(&mut self.out);
        self.indent_to(indent);
    }

    /// Prepares for printing text: a pending line break or separating
    /// space. Returns whether the text's own leading spaces should go.
    fn before_text(&mut self, indent: usize, s: &str) -> bool {
        if self.need_newline {
            self.newline(indent);
        } else if self.pending_space && !s.starts_with([' ', ',', ';', ')', ']', '.']) {
            self.out.push(' ');
            self.col += 1;
        }
        self.pending_space = false;
        self.line_start
    }

    fn text(&mut self, indent: usize, s: &str) {
        if s.is_empty() {
            return;
        }
        let s = if self.before_text(indent, s) {
            s.trim_start_matches(' ')
        } else {
            s
        };
        self.out.push_str(s);
        self.col += s.chars().count();
        if !s.is_empty() {
            self.line_start = false;
        }
    }

    fn comment(&mut self, indent: usize, text: &str, line: bool) {
        if self.need_newline {
            self.newline(indent);
        }
        let trailing = !self.line_start;
        if trailing && !self.out.ends_with(['(', '[', ' ']) {
            self.out.push(' ');
            self.col += 1;
        }
        if line && trailing {
            let line_begin = self.out.rfind('\n').map_or(0, |i| i + 1);
            let code = self.out.get(line_begin..).unwrap_or("");
            self.trailing.push(TrailingComment {
                line: self.line_no,
                code_end: code.trim_end().len(),
                comment_start: code.len(),
            });
        }
        let mut lines = text.split('\n');
        if let Some(first) = lines.next() {
            self.out.push_str(first.trim_end());
            self.col += first.trim_end().chars().count();
        }
        for rest in lines {
            // Inner lines of a block comment are kept as written, so its
            // text survives; only trailing whitespace goes.
            trim_trailing_spaces(&mut self.out);
            self.out.push('\n');
            self.line_no += 1;
            let rest = rest.trim_end();
            self.out.push_str(rest);
            self.col = rest.chars().count();
        }
        self.line_start = false;
        self.need_newline = line;
        self.pending_space = !line;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &'static str) -> Doc {
        Doc::Text(s)
    }

    #[test]
    fn documents_stay_small() {
        assert!(
            std::mem::size_of::<Doc>() <= 32,
            "{}",
            std::mem::size_of::<Doc>()
        );
    }

    fn group(docs: Vec<Doc>) -> Doc {
        let hard = docs.iter().any(Doc::is_hard);
        Doc::Group {
            docs,
            hard,
            limit: None,
        }
    }

    #[test]
    fn a_limited_group_breaks_earlier() {
        let mut doc = group(vec![t("aaa"), Doc::Nest(vec![Doc::Line, t("bbb")])]);
        if let Doc::Group { limit, .. } = &mut doc {
            *limit = Some(5);
        }
        assert_eq!(render(&doc, 10).0, "aaa\n    bbb");
    }

    #[test]
    fn a_fill_breaks_only_before_what_does_not_fit() {
        let doc = Doc::Nest(vec![Doc::Fill(vec![
            t("aaaa"),
            Doc::Line,
            t("bbbb"),
            Doc::Line,
            t("cccc"),
        ])]);
        assert_eq!(render(&doc, 10).0, "aaaa bbbb\n    cccc");
    }

    #[test]
    fn group_is_flat_when_it_fits_and_broken_otherwise() {
        let doc = group(vec![t("aaa"), Doc::Nest(vec![Doc::Line, t("bbb")])]);
        assert_eq!(render(&doc, 10).0, "aaa bbb");
        assert_eq!(render(&doc, 5).0, "aaa\n    bbb");
    }

    #[test]
    fn what_follows_a_group_counts_towards_its_fit() {
        let doc = Doc::Concat(vec![
            group(vec![t("aaa"), Doc::Nest(vec![Doc::Line, t("bbb")])]),
            t(";;;;"),
        ]);
        assert_eq!(render(&doc, 10).0, "aaa\n    bbb;;;;");
    }

    #[test]
    fn a_line_comment_breaks_before_the_next_text() {
        let doc = Doc::Nest(vec![
            t("a"),
            Doc::Comment {
                text: "// c".into(),
                line: true,
            },
            t("b"),
        ]);
        assert_eq!(render(&doc, 80).0, "a // c\n    b");
    }

    #[test]
    fn trailing_spaces_are_trimmed() {
        let doc = Doc::Nest(vec![t("a "), Doc::HardLine, t("b")]);
        assert_eq!(render(&doc, 80).0, "a\n    b");
    }
}
