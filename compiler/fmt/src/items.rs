//! Layout of items, test steps and the file as a whole. The style itself is
//! described in the crate documentation ([`crate`]); this module is its
//! implementation, one function per construct.

use guard_syntax::ast::{
    Assert, AssertKind, Event, Expected, ExpectedKind, Gate, Item, ItemKind, Link, OnBlock, Param,
    Rule, SourceFile, Step, TargetKind, Test, TestStep, Tool, Use, Verdict,
};
use guard_syntax::lex::Token;

use crate::doc::{Doc, INDENT};
use crate::expr::Pad;
use crate::names::NamePos;
use crate::printer::Printer;
use crate::{SHORT, WIDTH};

impl Printer<'_> {
    /// The whole file: items one after another, blank lines between them
    /// kept (at most one), comments where they were.
    pub(crate) fn file(&mut self, file: &SourceFile) {
        for (i, item) in file.items.iter().enumerate() {
            if i > 0 {
                self.hard();
            }
            self.block_leading(i == 0);
            self.item(item);
            self.flush();
        }
    }

    fn item(&mut self, item: &Item) {
        match &item.kind {
            ItemKind::Policy(name) => {
                self.tok(Token::Policy);
                self.space();
                self.name(name, NamePos::Plain);
                self.tok(Token::Semi);
            }
            ItemKind::Use(u) => self.use_item(u),
            ItemKind::Label(names) | ItemKind::Effect(names) => {
                self.open_group();
                self.tok(if matches!(item.kind, ItemKind::Label(_)) {
                    Token::Label
                } else {
                    Token::Effect
                });
                self.space();
                self.bare_list(names);
                self.tok(Token::Semi);
                self.close();
            }
            ItemKind::Tool(t) => self.tool(t),
            ItemKind::Attr(a) => {
                self.tok(Token::Attr);
                self.space();
                self.name(&a.name, NamePos::Plain);
                self.tok(Token::Colon);
                self.space();
                self.ty(&a.ty);
                self.tok(Token::Semi);
            }
            ItemKind::State(s) => {
                self.open_group();
                self.tok(Token::State);
                self.space();
                self.name(&s.name, NamePos::Plain);
                self.tok(Token::Colon);
                self.space();
                self.ty(&s.ty);
                self.space();
                self.tok(Token::Eq);
                self.space();
                self.expr(&s.init);
                self.tok(Token::Semi);
                self.close();
            }
            ItemKind::Gate(g) => self.gate(g),
            ItemKind::Channel(name) => {
                self.tok(Token::Channel);
                self.space();
                self.name(name, NamePos::Plain);
                self.tok(Token::Semi);
            }
            ItemKind::Default(d) => {
                self.tok(Token::Default);
                self.space();
                self.tok(if d.allow { Token::Allow } else { Token::Deny });
                self.tok(Token::Semi);
            }
            ItemKind::Rule(r) => self.rule(r),
            ItemKind::On(o) => self.on(o),
            ItemKind::Assert(a) => self.assert(a),
            ItemKind::Test(t) => self.test(t),
        }
    }

    fn use_item(&mut self, u: &Use) {
        self.tok(Token::Use);
        self.space();
        match u {
            Use::Module { path, names } => {
                for (i, seg) in path.iter().enumerate() {
                    if i > 0 {
                        self.tok(Token::ColonColon);
                    }
                    self.name(seg, NamePos::Plain);
                }
                if let Some(names) = names {
                    self.tok(Token::ColonColon);
                    self.delimited(Token::LBrace, Token::RBrace, Pad::Tight, names, |p, n| {
                        p.tool_path(n, NamePos::Plain);
                    });
                }
            }
            Use::File(path) => self.string(&path.value),
        }
        self.tok(Token::Semi);
    }

    /// `tool NAME(PARAMS) -> T` on one line (parameters one per line when
    /// it is too long), then `labels [..] effects [..]` on a continuation
    /// line.
    fn tool(&mut self, t: &Tool) {
        self.tok(Token::Tool);
        self.space();
        self.tool_path(&t.name, NamePos::Plain);
        self.delimited(
            Token::LParen,
            Token::RParen,
            Pad::Tight,
            &t.params,
            |p, param| {
                p.param(param);
            },
        );
        if let Some(ret) = &t.ret {
            self.space();
            self.tok(Token::Arrow);
            self.space();
            self.ty(ret);
        }
        if t.labels.is_some() || t.effects.is_some() {
            self.open_nest();
            self.hard();
            self.open_group();
            if let Some(labels) = &t.labels {
                self.tok(Token::Labels);
                self.space();
                self.name_list(labels);
            }
            if let Some(effects) = &t.effects {
                if t.labels.is_some() {
                    self.line();
                }
                self.tok(Token::Effects);
                self.space();
                self.name_list(effects);
            }
            self.close();
            self.close();
        }
        self.tok(Token::Semi);
    }

    fn name_list(&mut self, names: &[guard_syntax::ast::Ident]) {
        self.delimited(
            Token::LBracket,
            Token::RBracket,
            Pad::Tight,
            names,
            |p, n| {
                p.name(n, NamePos::Plain);
            },
        );
    }

    fn param(&mut self, param: &Param) {
        self.name(&param.name, NamePos::Plain);
        self.tok(Token::Colon);
        self.space();
        self.ty(&param.ty);
        if param.optional {
            self.tok(Token::Question);
        }
    }

    /// `gate NAME { field: value; ... }` on one line if it fits, else one
    /// field per line.
    fn gate(&mut self, g: &Gate) {
        self.open_group();
        self.tok(Token::Gate);
        self.space();
        self.name(&g.name, NamePos::Plain);
        self.space();
        self.tok(Token::LBrace);
        if g.fields.is_empty() && !self.has_leading() {
            self.tok(Token::RBrace);
            self.close();
            return;
        }
        self.open_nest();
        for (i, f) in g.fields.iter().enumerate() {
            self.line();
            self.block_leading(i == 0);
            self.open_group();
            self.name(&f.name, NamePos::Plain);
            self.tok(Token::Colon);
            self.space();
            self.expr(&f.value);
            self.tok(Token::Semi);
            self.close();
        }
        self.block_close_leading(g.fields.is_empty());
        self.close();
        self.line();
        self.tok(Token::RBrace);
        self.close();
    }

    /// The head of a rule or effect block (verdict or `on`, and target) as
    /// one group. Returns whether it ends in a set that will break, in
    /// which case the clause after it follows the `}` on the same line.
    fn head(&mut self, is_set: bool, limit: Option<u16>, head: impl FnOnce(&mut Self)) -> bool {
        match limit {
            Some(limit) => self.open_short_group(limit),
            None => self.open_group(),
        }
        head(self);
        self.close();
        is_set && self.last_flat_width().is_none_or(|w| w > WIDTH)
    }

    /// `VERDICT TARGET when COND because "..."`: on one line if it fits;
    /// else `because` on a continuation line; else `when` too, with the
    /// condition broken before `&&`/`||` if it still does not fit.
    fn rule(&mut self, r: &Rule) {
        // `because` and a redaction's `with` stay on the head's line only
        // within the shorter limit.
        let redact = matches!(r.verdict, Verdict::Redact { .. });
        if r.because.is_some() || redact {
            self.open_short_group(SHORT);
        } else {
            self.open_group();
        }
        if redact {
            self.open_short_group(SHORT);
        } else {
            self.open_group();
        }
        let is_set = matches!(r.target.kind, TargetKind::Set(_));
        let limit = redact.then_some(SHORT);
        let mut join = self.head(is_set, limit, |p| match &r.verdict {
            Verdict::Redact { regex, replacement } => {
                p.tok(Token::Redact);
                p.space();
                p.target(&r.target);
                p.space();
                p.tok(Token::Matching);
                p.space();
                p.tok(Token::Regex);
                p.space();
                p.string(&regex.value);
                p.open_nest();
                p.line();
                p.tok(Token::With);
                p.space();
                p.string(&replacement.value);
                p.close();
            }
            Verdict::Allow | Verdict::Deny | Verdict::Escalate { .. } => {
                p.tok(match r.verdict {
                    Verdict::Allow => Token::Allow,
                    Verdict::Deny => Token::Deny,
                    _ => Token::Escalate,
                });
                p.space();
                p.target(&r.target);
                if let Verdict::Escalate { gate } = &r.verdict {
                    p.space();
                    p.tok(Token::To);
                    p.space();
                    p.name(gate, NamePos::Plain);
                }
            }
        });
        if let Some(cond) = &r.when {
            self.clause(join, |p| {
                p.tok(Token::When);
                p.space();
                p.expr(cond);
            });
            join = false;
        }
        self.close();
        if let Some(because) = &r.because {
            self.clause(join, |p| {
                p.tok(Token::Because);
                p.space();
                p.string(&because.value);
            });
        }
        self.tok(Token::Semi);
        self.close();
    }

    /// A clause on a continuation line, or after a space when `join`.
    fn clause(&mut self, join: bool, clause: impl FnOnce(&mut Self)) {
        self.open_nest();
        if join {
            self.space();
        } else {
            self.line();
        }
        clause(self);
        self.close();
    }

    /// `on TARGET when COND { a = b; }`: one line if it fits and there is
    /// at most one statement, else one statement per line. A header too
    /// long for its line puts `when` on a continuation line and `{` on a
    /// line of its own.
    fn on(&mut self, o: &OnBlock) {
        self.open_short_group(SHORT);
        self.open_group();
        let is_set = matches!(o.target.kind, TargetKind::Set(_));
        let join = self.head(is_set, None, |p| {
            p.tok(Token::On);
            p.space();
            p.target(&o.target);
        });
        if let Some(cond) = &o.when {
            self.clause(join, |p| {
                p.tok(Token::When);
                p.space();
                p.expr(cond);
            });
        }
        if join || o.when.is_none() {
            self.space();
        } else {
            self.push(Doc::IfBreak {
                broken: Box::new(Doc::HardLine),
                flat: Box::new(Doc::Text(" ")),
            });
        }
        self.tok(Token::LBrace);
        self.close();
        let n = o.body.len();
        if n == 0 && !self.has_leading() {
            self.tok(Token::RBrace);
            self.close();
            return;
        }
        let sep = |p: &mut Self| if n > 1 { p.hard() } else { p.line() };
        self.open_nest();
        for (i, a) in o.body.iter().enumerate() {
            sep(self);
            self.block_leading(i == 0);
            self.open_group();
            self.name(&a.name, NamePos::Plain);
            self.space();
            self.tok(Token::Eq);
            self.space();
            self.expr(&a.value);
            self.tok(Token::Semi);
            self.close();
        }
        self.block_close_leading(n == 0);
        self.close();
        sep(self);
        self.tok(Token::RBrace);
        self.close();
    }

    /// `assert NAME: never PATTERN;` on one line if it fits in 80 columns,
    /// else the pattern on a continuation line, its steps, links and
    /// clauses filled onto lines like words.
    fn assert(&mut self, a: &Assert) {
        self.open_short_group(SHORT);
        self.tok(Token::Assert);
        self.space();
        self.name(&a.name, NamePos::Plain);
        self.tok(Token::Colon);
        self.open_nest();
        self.line();
        self.open_nest();
        self.open_fill();
        let kind = match a.kind {
            AssertKind::Never => Token::Never,
            AssertKind::Possible => Token::Possible,
        };
        self.step(&a.pattern.first, |p| {
            p.tok(kind);
            p.space();
        });
        for (link, step) in &a.pattern.rest {
            self.line();
            let link = match link {
                Link::Eventually => Token::Squiggle,
                Link::Next => Token::Arrow,
            };
            self.step(step, |p| {
                p.tok(link);
                p.space();
            });
        }
        self.close();
        self.close();
        self.close();
        self.tok(Token::Semi);
        self.close();
    }

    /// A step as parts of the pattern's fill: `PREFIX TARGET`, `when COND`,
    /// `unless approved GATE`.
    fn step(&mut self, s: &Step, prefix: impl FnOnce(&mut Self)) {
        self.fill_part(|p| {
            prefix(p);
            p.target(&s.target);
        });
        if let Some(cond) = &s.when {
            self.line();
            self.fill_part(|p| {
                p.tok(Token::When);
                p.space();
                p.expr(cond);
            });
        }
        if let Some(gate) = &s.unless_approved {
            self.line();
            self.fill_part(|p| {
                p.tok(Token::Unless);
                p.space();
                p.tok(Token::Approved);
                p.space();
                p.name(gate, NamePos::Plain);
            });
        }
    }

    /// `test "name" with a = v {` (the `with` on a continuation line and
    /// `{` on its own line when too long), then one step per line.
    fn test(&mut self, t: &Test) {
        self.open_group();
        self.tok(Token::Test);
        self.space();
        self.string(&t.name.value);
        if !t.with.is_empty() {
            // `with a = 1, b = 2`, or `with` and one attribute per line.
            self.clause(false, |p| {
                p.open_group();
                p.tok(Token::With);
                p.open_nest();
                for (i, a) in t.with.iter().enumerate() {
                    if i > 0 {
                        p.tok(Token::Comma);
                    }
                    p.line();
                    p.name(&a.name, NamePos::Plain);
                    p.space();
                    p.tok(Token::Eq);
                    p.space();
                    p.expr(&a.value);
                }
                p.trailing_comma();
                p.close();
                p.close();
            });
            self.push(Doc::IfBreak {
                broken: Box::new(Doc::HardLine),
                flat: Box::new(Doc::Text(" ")),
            });
        } else {
            self.space();
        }
        self.tok(Token::LBrace);
        self.close();
        if t.steps.is_empty() && !self.has_leading() {
            self.tok(Token::RBrace);
            return;
        }
        self.open_nest();
        for (i, s) in t.steps.iter().enumerate() {
            self.hard();
            self.block_leading(i == 0);
            self.test_step(s);
        }
        self.block_close_leading(t.steps.is_empty());
        self.close();
        self.hard();
        self.tok(Token::RBrace);
    }

    /// `EVENT => VERDICT;`: when too long, `=> VERDICT` goes on a
    /// continuation line if the event fits on its own, else the event's
    /// arguments go one per line and `) => VERDICT;` closes them.
    fn test_step(&mut self, s: &TestStep) {
        self.open_group();
        match s {
            TestStep::Event {
                event, expected, ..
            } => {
                self.open_group();
                self.event(event);
                self.close();
                let join = self.last_flat_width().is_none_or(|w| INDENT + w > WIDTH);
                self.clause(join, |p| {
                    p.tok(Token::FatArrow);
                    p.space();
                    p.expected(expected);
                });
            }
            TestStep::Expect { expr, .. } => {
                self.tok(Token::Expect);
                self.space();
                self.expr(expr);
            }
        }
        self.tok(Token::Semi);
        self.close();
    }

    fn event(&mut self, e: &Event) {
        match e {
            Event::Call { tool, args, .. } => {
                self.tool_path(tool, NamePos::EventHead);
                self.delimited(Token::LParen, Token::RParen, Pad::Tight, args, |p, a| {
                    p.name(&a.name, NamePos::Plain);
                    p.tok(Token::Colon);
                    p.space();
                    p.expr(&a.value);
                });
            }
            Event::Output { channel, text, .. } => {
                self.tok(Token::Output);
                self.space();
                self.name(channel, NamePos::Plain);
                self.open_group();
                self.tok(Token::LParen);
                self.open_nest();
                self.soft();
                self.expr(text);
                self.close_leading();
                self.close();
                self.soft();
                self.tok(Token::RParen);
                self.close();
            }
        }
    }

    fn expected(&mut self, x: &Expected) {
        match &x.kind {
            ExpectedKind::Allow => self.tok(Token::Allow),
            ExpectedKind::Deny => self.tok(Token::Deny),
            ExpectedKind::Escalate { gates, approved } => {
                self.tok(Token::Escalate);
                self.space();
                for (i, g) in gates.iter().enumerate() {
                    if i > 0 {
                        self.tok(Token::Comma);
                        self.space();
                    }
                    self.name(g, NamePos::Plain);
                }
                if let Some(approved) = approved {
                    self.space();
                    self.tok(if *approved {
                        Token::Approved
                    } else {
                        Token::Rejected
                    });
                }
            }
        }
    }
}
