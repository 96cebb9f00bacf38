//! The disassembler: a stable, readable listing of an image, for golden
//! snapshot tests and for people. It reads the model only, never trusts
//! it: an invalid image still disassembles (bad operands print as `?`,
//! undecodable code as `??`), so it can show what the loader refused.
//!
//! The listing is a pure function of the image: same image, same text.

use std::fmt::Write as _;

use crate::model::*;
use crate::op::Op;

/// Disassembles an image.
pub fn disassemble(image: &Image) -> String {
    let d = D { image };
    let mut o = String::new();
    d.header(&mut o);
    d.tables(&mut o);
    for (i, t) in image.tools.iter().enumerate() {
        d.tool(&mut o, i, t);
    }
    for (i, c) in image.channels.iter().enumerate() {
        d.channel(&mut o, i, c);
    }
    d.debug(&mut o);
    o
}

struct D<'a> {
    image: &'a Image,
}

impl D<'_> {
    fn s(&self, id: StrId) -> String {
        match self.image.strings.get(id.0 as usize) {
            Some(s) => s.clone(),
            None => format!("?str{}", id.0),
        }
    }

    fn q(&self, id: StrId) -> String {
        match self.image.strings.get(id.0 as usize) {
            Some(s) => format!("{s:?}"),
            None => format!("?str{}", id.0),
        }
    }

    fn variant(&self, e: u16, v: i64) -> String {
        let name = self
            .image
            .enums
            .get(usize::from(e))
            .and_then(|vs| vs.get(usize::try_from(v).ok()?));
        match name {
            Some(id) => self.s(*id),
            None => format!("?{v}"),
        }
    }

    fn enum_def(&self, e: u16) -> String {
        match self.image.enums.get(usize::from(e)) {
            Some(vs) => {
                let names: Vec<String> = vs.iter().map(|v| self.s(*v)).collect();
                format!("enum{e} {{ {} }}", names.join(", "))
            }
            None => format!("?enum{e}"),
        }
    }

    fn ty(&self, t: &ValueType) -> String {
        match t {
            ValueType::Bool => "bool".into(),
            ValueType::Int => "int".into(),
            ValueType::IntRange(lo, hi) => format!("int[{lo}..{hi}]"),
            ValueType::Str => "str".into(),
            ValueType::Path => "path".into(),
            ValueType::Url => "url".into(),
            ValueType::Json => "json".into(),
            ValueType::Enum(e) => self.enum_def(*e),
            ValueType::List(el) => format!("list<{}>", self.ty(el)),
        }
    }

    fn labels(&self, bits: u64) -> String {
        let names: Vec<String> = (0..64)
            .filter(|i| (bits >> i) & 1 == 1)
            .map(|i| match self.image.labels.get(i) {
                Some(l) => self.s(*l),
                None => format!("?label{i}"),
            })
            .collect();
        names.join(", ")
    }

    fn konst(&self, c: u16) -> String {
        match self.image.consts.get(usize::from(c)) {
            Some(Const::Int(n)) => n.to_string(),
            Some(Const::Bool(b)) => b.to_string(),
            Some(Const::Str(s)) => self.q(*s),
            Some(Const::Enum { e, variant }) => self.variant(*e, i64::from(*variant)),
            Some(Const::List(items)) => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|&i| match self.image.consts.get(usize::from(i)) {
                        Some(Const::List(_)) | None => format!("?const{i}"),
                        Some(_) => self.konst(i),
                    })
                    .collect();
                format!("[{}]", parts.join(", "))
            }
            None => format!("?const{c}"),
        }
    }

    fn header(&self, o: &mut String) {
        let i = self.image;
        let _ = writeln!(o, "policy {}", self.s(i.name));
        let _ = writeln!(
            o,
            "format {}, default {}, debug {}",
            crate::format::FORMAT_VERSION,
            if i.default_allow { "allow" } else { "deny" },
            if i.debug.is_some() { "yes" } else { "no" }
        );
        let bytes: usize = i.strings.iter().map(String::len).sum();
        let _ = writeln!(
            o,
            "strings {} ({bytes} bytes), consts {}, regexes {}, code {} bytes",
            i.strings.len(),
            i.consts.len(),
            i.regexes.len(),
            i.code.len()
        );
    }

    fn tables(&self, o: &mut String) {
        let i = self.image;
        section(o, "labels", i.labels.len());
        for (k, l) in i.labels.iter().enumerate() {
            let _ = writeln!(o, "  {k} {}", self.s(*l));
        }
        section(o, "enums", i.enums.len());
        for k in 0..i.enums.len() {
            let _ = writeln!(o, "  {}", self.enum_def(k as u16));
        }
        section(o, "attrs", i.attrs.len());
        for (k, a) in i.attrs.iter().enumerate() {
            let _ = writeln!(o, "  {k} {}: {}", self.s(a.name), self.ty(&a.ty));
        }
        section(o, "states", i.states.len());
        for (k, s) in i.states.iter().enumerate() {
            let (ty, init) = match s.kind {
                StateKind::Bool => ("bool".to_string(), (s.init != 0).to_string()),
                StateKind::Enum(e) => (self.enum_def(e), self.variant(e, s.init)),
                StateKind::Int { lo, hi } => (format!("int[{lo}..{hi}]"), s.init.to_string()),
            };
            let _ = writeln!(o, "  {k} {}: {ty} = {init}", self.s(s.name));
        }
        section(o, "gates", i.gates.len());
        for (k, g) in i.gates.iter().enumerate() {
            let approvers: Vec<String> = g.approvers.iter().map(|a| self.q(*a)).collect();
            let _ = write!(
                o,
                "  {k} {} approvers [{}]",
                self.s(g.name),
                approvers.join(", ")
            );
            if let Some(ms) = g.timeout_ms {
                let _ = write!(o, " timeout {ms}ms");
            }
            o.push('\n');
        }
        section(o, "regexes", i.regexes.len());
        for (k, r) in i.regexes.iter().enumerate() {
            let _ = write!(o, "  {k} {}", self.q(*r));
            // Ahead-of-time tables: their shape (states × classes); a use
            // without one is compiled at load.
            let shape = |d: &crate::model::CharDfa| format!("{}×{}", d.matched.len(), d.classes);
            if let Some(t) = i.regex_tables.get(k) {
                if let Some(d) = &t.whole {
                    let _ = write!(o, " ; whole table {}", shape(d));
                }
                if let Some((f, r)) = &t.search {
                    let _ = write!(o, " ; search tables {} + {}", shape(f), shape(r));
                }
            }
            o.push('\n');
        }
        section(o, "consts", i.consts.len());
        for k in 0..i.consts.len() {
            let _ = writeln!(o, "  {k} {}", self.konst(k as u16));
        }
    }

    fn tool(&self, o: &mut String, i: usize, t: &Tool) {
        let params: Vec<String> = t
            .params
            .iter()
            .map(|p| {
                format!(
                    "{}: {}{}",
                    self.s(p.name),
                    self.ty(&p.ty),
                    if p.optional { "?" } else { "" }
                )
            })
            .collect();
        let _ = write!(o, "\ntool {i} {}({})", self.s(t.name), params.join(", "));
        if t.result_labels != 0 {
            let _ = write!(o, " labels [{}]", self.labels(t.result_labels));
        }
        o.push('\n');
        for r in &t.rules {
            self.rule(o, r, Some(&t.params));
        }
        for e in &t.effects {
            self.effect(o, e, Some(&t.params));
        }
    }

    fn channel(&self, o: &mut String, i: usize, c: &Channel) {
        let _ = writeln!(o, "\nchannel {i} {}", self.s(c.name));
        for r in &c.rules {
            self.rule(o, r, None);
        }
        for e in &c.effects {
            self.effect(o, e, None);
        }
        for r in &c.redactions {
            let pattern = match self.image.regexes.get(usize::from(r.regex)) {
                Some(p) => self.q(*p),
                None => "?".into(),
            };
            let _ = writeln!(
                o,
                "  r{} redact regex {} {pattern} with {}{}",
                r.id,
                r.regex,
                self.q(r.replacement),
                if r.guard.is_some() { " when" } else { "" }
            );
            if let Some(g) = r.guard {
                self.block(o, g, None, "    ");
            }
        }
    }

    fn rule(&self, o: &mut String, r: &Rule, params: Option<&[Param]>) {
        let verdict = match r.verdict {
            Verdict::Allow => "allow".to_string(),
            Verdict::Deny => "deny".to_string(),
            Verdict::Escalate(g) => match self.image.gates.get(usize::from(g)) {
                Some(gate) => format!("escalate {}", self.s(gate.name)),
                None => format!("escalate ?gate{g}"),
            },
        };
        let _ = writeln!(
            o,
            "  r{} {verdict}{}",
            r.id,
            if r.guard.is_some() { " when" } else { "" }
        );
        if let Some(g) = r.guard {
            self.block(o, g, params, "    ");
        }
    }

    fn effect(&self, o: &mut String, e: &Effect, params: Option<&[Param]>) {
        let _ = writeln!(o, "  on{}", if e.guard.is_some() { " when" } else { "" });
        if let Some(g) = e.guard {
            self.block(o, g, params, "    ");
        }
        for a in &e.assigns {
            let name = match self.image.states.get(usize::from(a.state)) {
                Some(s) => self.s(s.name),
                None => format!("?state{}", a.state),
            };
            let _ = writeln!(o, "    {name} =");
            self.block(o, a.value, params, "      ");
        }
    }

    /// One instruction per line: code offset, mnemonic, operand, and a
    /// comment naming what the operand refers to.
    fn block(&self, o: &mut String, c: CodeRef, params: Option<&[Param]>, indent: &str) {
        let start = c.start as usize;
        let Some(code) = start
            .checked_add(c.len as usize)
            .and_then(|end| self.image.code.get(start..end))
        else {
            let _ = writeln!(o, "{indent}?? block {}+{} out of bounds", c.start, c.len);
            return;
        };
        let mut pos = 0;
        while pos < code.len() {
            let at = start + pos;
            let Some(op) = Op::from_byte(code[pos]) else {
                let _ = writeln!(o, "{indent}{at:04x} ?? {:#04x}", code[pos]);
                return;
            };
            let n = op.operand_len();
            let Some(bytes) = code.get(pos + 1..pos + 1 + n) else {
                let _ = writeln!(o, "{indent}{at:04x} {} ?? truncated", op.mnemonic());
                return;
            };
            let a = match bytes {
                [x] => u32::from(*x),
                [x, y] => u32::from(u16::from_le_bytes([*x, *y])),
                _ => 0,
            };
            let _ = write!(o, "{indent}{at:04x} {}", op.mnemonic());
            if n > 0 {
                let _ = write!(o, " {a}");
            }
            let note = self.note(op, a, params, at + 1 + n);
            if !note.is_empty() {
                let _ = write!(o, " ; {note}");
            }
            o.push('\n');
            pos += 1 + n;
        }
    }

    fn note(&self, op: Op, a: u32, params: Option<&[Param]>, next: usize) -> String {
        let i = self.image;
        let idx = a as usize;
        match op {
            Op::PushConst => self.konst(a as u16),
            Op::LoadParam | Op::HasParam => match params.and_then(|p| p.get(idx)) {
                Some(p) => self.s(p.name),
                None => "?".into(),
            },
            Op::LoadState => match i.states.get(idx) {
                Some(s) => self.s(s.name),
                None => "?".into(),
            },
            Op::LoadAttr => match i.attrs.get(idx) {
                Some(x) => self.s(x.name),
                None => "?".into(),
            },
            Op::Match => match i.regexes.get(idx) {
                Some(r) => format!("^(?:{})$", self.s(*r)),
                None => "?".into(),
            },
            Op::CtxHas => match i.labels.get(idx) {
                Some(l) => self.s(*l),
                None => "?".into(),
            },
            Op::JumpIfFalse | Op::JumpIfTrue => format!("-> {:04x}", next + idx),
            _ => String::new(),
        }
    }

    fn debug(&self, o: &mut String) {
        let Some(d) = &self.image.debug else {
            return;
        };
        let _ = writeln!(o, "\ndebug");
        for r in &d.rules {
            let file = match d.files.get(usize::from(r.file)) {
                Some(f) => self.s(*f),
                None => format!("?file{}", r.file),
            };
            let _ = write!(
                o,
                "  r{} {file}:{}:{} bytes {}..{}",
                r.id, r.line, r.col, r.start, r.end
            );
            if let Some(b) = r.because {
                let _ = write!(o, " because {}", self.q(b));
            }
            o.push('\n');
        }
    }
}

fn section(o: &mut String, name: &str, n: usize) {
    if n > 0 {
        let _ = writeln!(o, "{name}");
    }
}
