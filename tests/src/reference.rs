//! A reference evaluator: language.md §6 followed literally over the
//! checked program (the HIR), written for clarity, not speed. The
//! differential tests run it against the compiled bytecode on the real
//! runtime; the two share no code below the HIR. Path normalisation, URL
//! parsing and glob matching are re-implemented here from the language
//! reference (globs by direct recursive matching, not via regexes), so a
//! disagreement points at lowering, codegen, the runtime, or `glob.rs`.

use std::collections::{BTreeMap, BTreeSet};

use guard_check::hir::{
    self, AttrId, BinOp, Builtin, ChannelId, ExprKind, GateId, Program, RuleId, Target, ToolId,
    Type, Value, Verdict,
};

/// An argument as a host sends it (enum variants by name).
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<Arg>),
    /// Any JSON value (only its presence matters).
    Json,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Call {
        tool: String,
        args: Vec<(String, Arg)>,
    },
    Output {
        channel: String,
        text: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefVerdict {
    Allow,
    Deny,
    Escalate(BTreeSet<GateId>),
}

/// Why the verdict is what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    Rules,
    Default,
    UnknownEvent,
    BadArguments,
    MissingAttribute,
    /// An effect would leave a range, or arithmetic overflowed.
    StateOutOfRange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub verdict: RefVerdict,
    pub why: Why,
    /// The matching rules of the verdict's class (the deny rules of a
    /// denial, the escalate rules of an escalation, the allow rules of an
    /// allow); empty for default verdicts.
    pub matched: BTreeSet<RuleId>,
    /// For outputs that execute: the text after redaction.
    pub text: Option<String>,
}

/// A runtime value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Val {
    Bool(bool),
    Int(i64),
    Str(String),
    Enum(u32),
    List(Vec<Val>),
    Json,
}

/// Evaluation stops early: an absent parameter (the guard is false) or an
/// arithmetic overflow (the event is denied).
#[derive(Debug)]
enum Stop {
    Absent,
    Overflow,
    /// An attribute the host did not give was evaluated.
    MissingAttr,
}

pub struct Session<'p> {
    p: &'p Program,
    /// Compiled whole-value regexes, by pattern (compiling is slow).
    regexes: std::cell::RefCell<BTreeMap<String, Option<regex::Regex>>>,
    attrs: BTreeMap<AttrId, Value>,
    state: Vec<Value>,
    context: BTreeSet<hir::LabelId>,
}

/// What an event resolves to once its arguments are checked.
enum Resolved {
    Call(ToolId, BTreeMap<String, Val>),
    Output(ChannelId, String),
}

impl<'p> Session<'p> {
    pub fn new(p: &'p Program, attrs: &[(AttrId, Value)]) -> Session<'p> {
        Session {
            p,
            regexes: Default::default(),
            attrs: attrs.iter().cloned().collect(),
            state: p.states.iter().map(|s| s.init.clone()).collect(),
            context: BTreeSet::new(),
        }
    }

    /// The state variables' values, in declaration order.
    pub fn state(&self) -> &[Value] {
        &self.state
    }

    pub fn context(&self) -> &BTreeSet<hir::LabelId> {
        &self.context
    }

    /// Evaluates a test's `expect` condition on the current state.
    pub fn expect(&self, e: &hir::Expr) -> bool {
        let none = Resolved::Output(ChannelId(u32::MAX), String::new());
        matches!(self.eval(e, &none, &self.state), Ok(Val::Bool(true)))
    }

    /// Decides `event` and, if it executes (allow, or escalate with every
    /// gate approved when `approve` is set), applies it.
    pub fn step(&mut self, event: &Event, approve: bool) -> Decision {
        let d = self.decide(event);
        let executes = match &d.verdict {
            RefVerdict::Allow => true,
            RefVerdict::Escalate(_) => approve,
            RefVerdict::Deny => false,
        };
        if !executes {
            return d;
        }
        let Ok(resolved) = self.resolve(event) else {
            return d;
        };
        match self.effects(&resolved) {
            Ok(next) => {
                self.state = next;
                if let Resolved::Call(t, _) = &resolved {
                    self.context.extend(self.p.tool(*t).labels.iter().copied());
                }
                d
            }
            Err(why) => Decision {
                verdict: RefVerdict::Deny,
                why,
                matched: d.matched,
                text: None,
            },
        }
    }

    /// §6 steps 1–3 (and 5 for the text of an output).
    pub fn decide(&self, event: &Event) -> Decision {
        let deny = |why| Decision {
            verdict: RefVerdict::Deny,
            why,
            matched: BTreeSet::new(),
            text: None,
        };
        let resolved = match self.resolve(event) {
            Ok(r) => r,
            Err(why) => return deny(why),
        };
        // A session without every declared attribute decides nothing.
        if self.attrs.len() < self.p.attrs.len() {
            return deny(Why::MissingAttribute);
        }
        // Matching rules by verdict class; the decision reports the class
        // that decides (docs/language.md §8).
        let (mut denies, mut escalates, mut allows) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        let mut gates = BTreeSet::new();
        for r in &self.p.rules {
            if matches!(r.verdict, Verdict::Redact { .. }) || !self.targets(&r.target, &resolved) {
                continue;
            }
            match self.holds(r.when.as_ref(), &resolved) {
                Ok(false) => continue,
                Ok(true) => {}
                Err(Stop::MissingAttr) => return deny(Why::MissingAttribute),
                Err(_) => return deny(Why::StateOutOfRange),
            }
            match &r.verdict {
                Verdict::Deny => {
                    denies.insert(r.id);
                }
                Verdict::Escalate(g) => {
                    gates.insert(*g);
                    escalates.insert(r.id);
                }
                Verdict::Allow => {
                    allows.insert(r.id);
                }
                Verdict::Redact { .. } => {}
            }
        }
        let (verdict, why, matched) = if !denies.is_empty() {
            (RefVerdict::Deny, Why::Rules, denies)
        } else if !gates.is_empty() {
            (RefVerdict::Escalate(gates), Why::Rules, escalates)
        } else if !allows.is_empty() {
            (RefVerdict::Allow, Why::Rules, allows)
        } else if self.p.default_allow {
            (RefVerdict::Allow, Why::Default, BTreeSet::new())
        } else {
            (RefVerdict::Deny, Why::Default, BTreeSet::new())
        };
        // §6.4: an event whose effects would leave a range is denied
        // instead — decided now, so no human is asked to approve an event
        // that cannot execute.
        if matches!(verdict, RefVerdict::Allow | RefVerdict::Escalate(_)) {
            if let Err(why) = self.effects(&resolved) {
                return deny(why);
            }
        }
        let text = match (&resolved, &verdict) {
            (Resolved::Output(c, text), RefVerdict::Allow | RefVerdict::Escalate(_)) => {
                Some(self.redact(*c, text, &resolved))
            }
            _ => None,
        };
        Decision {
            verdict,
            why,
            matched,
            text,
        }
    }

    fn resolve(&self, event: &Event) -> Result<Resolved, Why> {
        match event {
            Event::Call { tool, args } => {
                let t = self.p.tool_by_name(tool).ok_or(Why::UnknownEvent)?;
                let decl = self.p.tool(t);
                let mut vals = BTreeMap::new();
                for (name, arg) in args {
                    let (_, param) = decl.param(name).ok_or(Why::BadArguments)?;
                    if vals.contains_key(name) {
                        return Err(Why::BadArguments);
                    }
                    vals.insert(name.clone(), self.convert(arg, &param.ty)?);
                }
                if decl
                    .params
                    .iter()
                    .any(|q| !q.optional && !vals.contains_key(&q.name))
                {
                    return Err(Why::BadArguments);
                }
                Ok(Resolved::Call(t, vals))
            }
            Event::Output { channel, text } => {
                let c = self
                    .p
                    .channels
                    .iter()
                    .position(|c| c.info.name == *channel)
                    .ok_or(Why::UnknownEvent)?;
                Ok(Resolved::Output(ChannelId(c as u32), text.clone()))
            }
        }
    }

    /// Checks an argument against its declared type, normalising paths.
    fn convert(&self, arg: &Arg, ty: &Type) -> Result<Val, Why> {
        Ok(match (ty, arg) {
            (Type::Bool, Arg::Bool(b)) => Val::Bool(*b),
            (Type::Int, Arg::Int(n)) => Val::Int(*n),
            (Type::Str, Arg::Str(s)) => Val::Str(s.clone()),
            (Type::Path, Arg::Str(s)) => Val::Str(normalise_path(s).ok_or(Why::BadArguments)?),
            (Type::Url, Arg::Str(s)) => {
                parse_url(s).ok_or(Why::BadArguments)?;
                Val::Str(s.clone())
            }
            (Type::Enum(e), Arg::Str(s)) => {
                let v = self.p.enums[e.index()]
                    .variants
                    .iter()
                    .position(|v| v == s)
                    .ok_or(Why::BadArguments)?;
                Val::Enum(v as u32)
            }
            (Type::List(el), Arg::List(items)) => Val::List(
                items
                    .iter()
                    .map(|i| self.convert(i, el))
                    .collect::<Result<_, _>>()?,
            ),
            (Type::Json, _) => Val::Json,
            _ => return Err(Why::BadArguments),
        })
    }

    fn targets(&self, target: &Target, event: &Resolved) -> bool {
        match (target, event) {
            (Target::Tools { tools, .. }, Resolved::Call(t, _)) => tools.contains(t),
            (Target::Output(c), Resolved::Output(d, _)) => c == d,
            _ => false,
        }
    }

    /// Whether a `when` holds; an absent parameter makes it false.
    fn holds(&self, when: Option<&hir::Expr>, event: &Resolved) -> Result<bool, Stop> {
        let Some(w) = when else { return Ok(true) };
        match self.eval(w, event, &self.state) {
            Ok(Val::Bool(b)) => Ok(b),
            Ok(_) => Ok(false),
            Err(Stop::Absent) => Ok(false),
            Err(stop) => Err(stop),
        }
    }

    /// §6 step 4: the post-state, or why the event is denied instead.
    fn effects(&self, event: &Resolved) -> Result<Vec<Value>, Why> {
        let mut next = self.state.clone();
        for o in &self.p.on_blocks {
            if !self.targets(&o.target, event) {
                continue;
            }
            match self.holds(o.when.as_ref(), event) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(Stop::MissingAttr) => return Err(Why::MissingAttribute),
                Err(_) => return Err(Why::StateOutOfRange),
            }
            for a in &o.assigns {
                let v = match self.eval(&a.value, event, &next) {
                    Ok(v) => v,
                    Err(Stop::Absent) => return Err(Why::BadArguments),
                    Err(Stop::MissingAttr) => return Err(Why::MissingAttribute),
                    Err(Stop::Overflow) => return Err(Why::StateOutOfRange),
                };
                let decl = &self.p.states[a.state.index()];
                let value = match (v, &decl.ty) {
                    (Val::Int(n), Type::IntRange(lo, hi)) if n < *lo || n > *hi => {
                        return Err(Why::StateOutOfRange)
                    }
                    (Val::Int(n), _) => Value::Int(n),
                    (Val::Bool(b), _) => Value::Bool(b),
                    (Val::Enum(v), Type::Enum(e)) => Value::Enum(*e, v),
                    _ => return Err(Why::StateOutOfRange),
                };
                next[a.state.index()] = value;
            }
        }
        Ok(next)
    }

    fn redact(&self, c: ChannelId, text: &str, event: &Resolved) -> String {
        let mut out = text.to_string();
        for r in &self.p.rules {
            let Verdict::Redact { regex, replacement } = &r.verdict else {
                continue;
            };
            if r.target != Target::Output(c)
                || !matches!(self.holds(r.when.as_ref(), event), Ok(true))
            {
                continue;
            }
            if let Ok(re) = regex::Regex::new(regex) {
                out = re
                    .replace_all(&out, regex::NoExpand(replacement))
                    .into_owned();
            }
        }
        out
    }

    fn eval(&self, e: &hir::Expr, event: &Resolved, state: &[Value]) -> Result<Val, Stop> {
        Ok(match &e.kind {
            ExprKind::Lit(v) => val(v),
            ExprKind::Param(name) => match event {
                Resolved::Call(_, args) => args.get(name).cloned().ok_or(Stop::Absent)?,
                Resolved::Output(..) => return Err(Stop::Absent),
            },
            ExprKind::Has(name) => match event {
                Resolved::Call(_, args) => Val::Bool(args.contains_key(name)),
                Resolved::Output(..) => Val::Bool(false),
            },
            ExprKind::State(s) => val(&state[s.index()]),
            ExprKind::Attr(a) => match self.attrs.get(a) {
                Some(v) => val(v),
                None => return Err(Stop::MissingAttr),
            },
            ExprKind::Text => match event {
                Resolved::Output(_, t) => Val::Str(t.clone()),
                Resolved::Call(..) => return Err(Stop::Absent),
            },
            ExprKind::List(items) => Val::List(
                items
                    .iter()
                    .map(|i| self.eval(i, event, state))
                    .collect::<Result<_, _>>()?,
            ),
            ExprKind::Not(x) => Val::Bool(!truth(self.eval(x, event, state)?)),
            ExprKind::Neg(x) => Val::Int(
                int(self.eval(x, event, state)?)
                    .checked_neg()
                    .ok_or(Stop::Overflow)?,
            ),
            ExprKind::Binary {
                op: BinOp::And,
                lhs,
                rhs,
            } => Val::Bool(
                truth(self.eval(lhs, event, state)?) && truth(self.eval(rhs, event, state)?),
            ),
            ExprKind::Binary {
                op: BinOp::Or,
                lhs,
                rhs,
            } => Val::Bool(
                truth(self.eval(lhs, event, state)?) || truth(self.eval(rhs, event, state)?),
            ),
            ExprKind::Binary { op, lhs, rhs } => {
                let (l, r) = (self.eval(lhs, event, state)?, self.eval(rhs, event, state)?);
                match op {
                    BinOp::Eq => Val::Bool(l == r),
                    BinOp::Ne => Val::Bool(l != r),
                    BinOp::Lt => Val::Bool(int(l) < int(r)),
                    BinOp::Le => Val::Bool(int(l) <= int(r)),
                    BinOp::Gt => Val::Bool(int(l) > int(r)),
                    BinOp::Ge => Val::Bool(int(l) >= int(r)),
                    BinOp::Add => Val::Int(int(l).checked_add(int(r)).ok_or(Stop::Overflow)?),
                    BinOp::Sub => Val::Int(int(l).checked_sub(int(r)).ok_or(Stop::Overflow)?),
                    BinOp::And | BinOp::Or => unreachable!("handled above"),
                }
            }
            ExprKind::In { lhs, rhs } => {
                let l = self.eval(lhs, event, state)?;
                match self.eval(rhs, event, state)? {
                    Val::List(items) => Val::Bool(items.contains(&l)),
                    _ => Val::Bool(false),
                }
            }
            ExprKind::Glob { lhs, pattern, .. } => Val::Bool(glob_match(
                pattern.as_bytes(),
                text(self.eval(lhs, event, state)?).as_bytes(),
            )),
            ExprKind::Regex { lhs, pattern } => {
                let s = text(self.eval(lhs, event, state)?);
                let mut cache = self.regexes.borrow_mut();
                let re = cache
                    .entry(pattern.clone())
                    .or_insert_with(|| regex::Regex::new(&format!("^(?:{pattern})$")).ok());
                Val::Bool(re.as_ref().is_some_and(|re| re.is_match(&s)))
            }
            ExprKind::ContextHas(l) => Val::Bool(self.context.contains(l)),
            ExprKind::Call { func, args } => {
                let vals: Vec<Val> = args
                    .iter()
                    .map(|a| self.eval(a, event, state))
                    .collect::<Result<_, _>>()?;
                match (func, vals.as_slice()) {
                    (Builtin::StartsWith, [a, b]) => {
                        Val::Bool(text(a.clone()).starts_with(&text(b.clone())))
                    }
                    (Builtin::EndsWith, [a, b]) => {
                        Val::Bool(text(a.clone()).ends_with(&text(b.clone())))
                    }
                    (Builtin::Contains, [a, b]) => {
                        Val::Bool(text(a.clone()).contains(&text(b.clone())))
                    }
                    (Builtin::Len, [Val::List(items)]) => Val::Int(items.len() as i64),
                    (Builtin::Len, [a]) => Val::Int(text(a.clone()).chars().count() as i64),
                    (Builtin::Lower, [a]) => Val::Str(text(a.clone()).to_lowercase()),
                    (Builtin::Host, [a]) => {
                        Val::Str(parse_url(&text(a.clone())).map(|u| u.1).unwrap_or_default())
                    }
                    (Builtin::Scheme, [a]) => {
                        Val::Str(parse_url(&text(a.clone())).map(|u| u.0).unwrap_or_default())
                    }
                    _ => Val::Bool(false),
                }
            }
        })
    }
}

fn val(v: &Value) -> Val {
    match v {
        Value::Bool(b) => Val::Bool(*b),
        Value::Int(n) => Val::Int(*n),
        Value::Str(s) => Val::Str(s.clone()),
        Value::Duration(ms) => Val::Int(*ms as i64),
        Value::Enum(_, v) => Val::Enum(*v),
        Value::List(items) => Val::List(items.iter().map(val).collect()),
    }
}

fn truth(v: Val) -> bool {
    matches!(v, Val::Bool(true))
}

fn int(v: Val) -> i64 {
    match v {
        Val::Int(n) => n,
        _ => 0,
    }
}

fn text(v: Val) -> String {
    match v {
        Val::Str(s) => s,
        _ => String::new(),
    }
}

/// language.md §6: `.` removed, `..` resolved, repeated `/` collapsed; a
/// trailing `/` dropped; climbing above the root is an error (`None`).
pub fn normalise_path(p: &str) -> Option<String> {
    let absolute = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    Some(match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    })
}

/// `(scheme, host)`, both lower case; the host without userinfo or port.
/// `None` when the text is not a URL the language accepts (docs/language.md
/// §6): a malformed scheme; control characters; spaces or backslashes in
/// the authority; `http`, `https`, `ws`, `wss` or `ftp` without a host; a
/// host with characters other than ASCII letters, digits, `-`, `.`, `_`;
/// a host that reads as a non-dotted-decimal IPv4 address; an IPv6
/// literal not in canonical form; an empty host label; a bad port.
pub fn parse_url(u: &str) -> Option<(String, String)> {
    if u.chars().any(|c| (c as u32) < 0x20 || c as u32 == 0x7f) {
        return None;
    }
    let (scheme, rest) = u.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    if !first.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    let needs_host = ["http", "https", "ws", "wss", "ftp"].contains(&scheme.as_str());
    let Some(after) = rest.strip_prefix("//") else {
        return (!needs_host).then(|| (scheme, String::new()));
    };
    let authority = &after[..after.find(['/', '?', '#']).unwrap_or(after.len())];
    if authority.contains(['\\', ' ']) {
        return None;
    }
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
        let (addr, tail) = inner.split_once(']')?;
        let canonical = addr
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|a| a.to_string().eq_ignore_ascii_case(addr));
        if !canonical {
            return None;
        }
        let port = match tail {
            "" => None,
            t => Some(t.strip_prefix(':')?),
        };
        (&hostport[..addr.len() + 2], port)
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if let Some(port) = port {
        let digits = port.chars().all(|c| c.is_ascii_digit());
        if !digits || port.len() > 5 || (!port.is_empty() && port.parse::<u32>().ok()? > 65_535) {
            return None;
        }
    }
    if !host.starts_with('[') {
        if !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
        {
            return None;
        }
        let last = host.rsplit('.').next().unwrap_or(host);
        let hexish = last
            .strip_prefix("0x")
            .or_else(|| last.strip_prefix("0X"))
            .is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit()));
        let numeric = !last.is_empty() && (last.chars().all(|c| c.is_ascii_digit()) || hexish);
        let quad = host.split('.').count() == 4
            && host.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 3
                    && (l == "0" || !l.starts_with('0'))
                    && l.parse::<u8>().is_ok()
            });
        if numeric && !quad {
            return None;
        }
        if host.starts_with('.') || host.ends_with('.') || host.contains("..") {
            return None;
        }
    }
    if host.is_empty() && needs_host {
        return None;
    }
    Some((scheme, host.to_ascii_lowercase()))
}

/// Direct glob matching (docs/language.md §6.5), by recursion on the
/// pattern: `*` within a segment, `**` whole segments, `?`, classes,
/// escapes.
pub fn glob_match(p: &[u8], s: &[u8]) -> bool {
    // `**` as a whole segment.
    let at_seg_start = |p: &[u8], i: usize| i == 0 || p.get(i.wrapping_sub(1)) == Some(&b'/');
    fn go(p: &[u8], pi: usize, s: &[u8], si: usize, seg: &dyn Fn(&[u8], usize) -> bool) -> bool {
        if pi == p.len() {
            return si == s.len();
        }
        if p[pi..].starts_with(b"**") && seg(p, pi) && (pi + 2 == p.len() || p[pi + 2] == b'/') {
            let leading = pi == 0;
            let trailing = pi + 2 == p.len();
            return match (leading, trailing) {
                (true, true) => true,
                // `**/rest`: zero or more whole segments, then rest.
                (true, false) => {
                    let rest = pi + 3;
                    (0..=s.len()).any(|k| (k == 0 || s[k - 1] == b'/') && go(p, rest, s, k, seg))
                }
                // `a/**`: the `/` was matched; one or more more segments.
                (false, true) => si < s.len(),
                // `a/**/b`: after `a/`, zero or more segments, then `b`.
                (false, false) => {
                    let rest = pi + 3;
                    (si..=s.len()).any(|k| (k == si || s[k - 1] == b'/') && go(p, rest, s, k, seg))
                }
            };
        }
        match p[pi] {
            b'*' => (si..=s.len())
                .take_while(|&k| k == si || s[k - 1] != b'/')
                .any(|k| go(p, pi + 1, s, k, seg)),
            b'?' => si < s.len() && s[si] != b'/' && go(p, pi + 1, s, char_end(s, si), seg),
            b'[' => {
                let Some(close) = p[pi + 1..]
                    .iter()
                    .skip(1)
                    .position(|&c| c == b']')
                    .map(|i| pi + 2 + i)
                else {
                    return false;
                };
                if si >= s.len() || s[si] == b'/' {
                    return false;
                }
                let end = char_end(s, si);
                let ch = std::str::from_utf8(&s[si..end])
                    .ok()
                    .and_then(|c| c.chars().next());
                let body = &p[pi + 1..close];
                let (neg, body) = match body.first() {
                    Some(b'!') => (true, &body[1..]),
                    _ => (false, body),
                };
                let body = std::str::from_utf8(body).unwrap_or("");
                let hit = ch.is_some_and(|c| class_has(body, c));
                hit != neg && go(p, close + 1, s, end, seg)
            }
            b'\\' if pi + 1 < p.len() => {
                si < s.len() && s[si] == p[pi + 1] && go(p, pi + 2, s, si + 1, seg)
            }
            c => si < s.len() && s[si] == c && go(p, pi + 1, s, si + 1, seg),
        }
    }
    go(p, 0, s, 0, &at_seg_start)
}

fn char_end(s: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < s.len() && (s[j] & 0xC0) == 0x80 {
        j += 1;
    }
    j
}

fn class_has(body: &str, c: char) -> bool {
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let lo = if chars[i] == '\\' && i + 1 < chars.len() {
            i += 1;
            chars[i]
        } else {
            chars[i]
        };
        if i + 2 < chars.len() && chars[i + 1] == '-' {
            let hi = chars[i + 2];
            if lo <= c && c <= hi {
                return true;
            }
            i += 3;
        } else {
            if lo == c {
                return true;
            }
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            normalise_path("/tmp/./a//b/../c/").as_deref(),
            Some("/tmp/a/c")
        );
        assert_eq!(normalise_path("/").as_deref(), Some("/"));
        assert_eq!(normalise_path("/.."), None);
        assert_eq!(normalise_path("a/../.."), None);
        assert_eq!(normalise_path("a/b/..").as_deref(), Some("a"));
    }

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("HTTPS://User@Docs.RS:443/x"),
            Some(("https".into(), "docs.rs".into()))
        );
        assert_eq!(
            parse_url("mailto:a@b.c"),
            Some(("mailto".into(), String::new()))
        );
        assert_eq!(
            parse_url("http://[::1]:8080/"),
            Some(("http".into(), "[::1]".into()))
        );
        assert_eq!(parse_url("not a url"), None);
        assert_eq!(parse_url("://x"), None);
    }

    #[test]
    fn globs_agree_with_the_checker_translation() {
        let cases = [
            ("/tmp/*.txt", "/tmp/a.txt"),
            ("/tmp/*.txt", "/tmp/x/a.txt"),
            ("/tmp/agent/**", "/tmp/agent/a/b"),
            ("/tmp/agent/**", "/tmp/agent"),
            ("**/*.rs", "main.rs"),
            ("**/*.rs", "src/a/main.rs"),
            ("src/**/mod.rs", "src/mod.rs"),
            ("src/**/mod.rs", "src/a/b/mod.rs"),
            ("file[0-9].log", "file7.log"),
            ("file[!0-9].log", "file7.log"),
            ("a\\*b", "a*b"),
            ("a\\*b", "axb"),
            ("?", "é"),
        ];
        for (g, s) in cases {
            let re = guard_check::glob::to_regex(g).unwrap();
            let by_regex = regex::Regex::new(&format!("^(?:{re})$"))
                .unwrap()
                .is_match(s);
            assert_eq!(
                glob_match(g.as_bytes(), s.as_bytes()),
                by_regex,
                "{g} vs {s}"
            );
        }
    }
}
