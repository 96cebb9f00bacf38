//! A tiny image builder for the runtime's tests: images are built by hand
//! (the runtime has no compiler dependency), conditions from a small
//! expression tree compiled to stack code the way codegen does it.
#![allow(dead_code)]

use std::collections::HashMap;

use guard_runtime::model::*;
use guard_runtime::op::Op;

/// A condition or value, compiled to stack code by [`B::code`].
#[derive(Debug, Clone)]
pub enum E {
    T,
    F,
    Int(i64),
    Str(&'static str),
    /// Enum variant (enum, variant).
    Var(u16, u16),
    StrList(Vec<&'static str>),
    IntList(Vec<i64>),
    Param(u8),
    Has(u8),
    State(u16),
    Attr(u16),
    Text,
    Not(Box<E>),
    Neg(Box<E>),
    /// A binary operator with no operand: Eq, Lt, Add, StartsWith, ...
    Bin(Op, Box<E>, Box<E>),
    /// A unary builtin: Len, Lower, Host, Scheme.
    Un(Op, Box<E>),
    In(Box<E>, Box<E>),
    And(Box<E>, Box<E>),
    Or(Box<E>, Box<E>),
    /// `x matches regex` by regex index.
    Match(Box<E>, u16),
    Ctx(u8),
}

pub fn b(e: E) -> Box<E> {
    Box::new(e)
}
pub fn eq(a: E, c: E) -> E {
    E::Bin(Op::Eq, b(a), b(c))
}
pub fn bin(op: Op, a: E, c: E) -> E {
    E::Bin(op, b(a), b(c))
}
pub fn and(a: E, c: E) -> E {
    E::And(b(a), b(c))
}
pub fn or(a: E, c: E) -> E {
    E::Or(b(a), b(c))
}
pub fn not(a: E) -> E {
    E::Not(b(a))
}
pub fn un(op: Op, a: E) -> E {
    E::Un(op, b(a))
}

pub struct B {
    pub img: Image,
    ids: HashMap<String, StrId>,
}

impl B {
    pub fn new(name: &str) -> B {
        let mut b = B {
            img: Image::default(),
            ids: HashMap::new(),
        };
        b.img.name = b.s(name);
        b
    }

    pub fn s(&mut self, s: &str) -> StrId {
        if let Some(id) = self.ids.get(s) {
            return *id;
        }
        let id = StrId(self.img.strings.len() as u32);
        self.img.strings.push(s.to_owned());
        self.ids.insert(s.to_owned(), id);
        id
    }

    pub fn label(&mut self, name: &str) -> u8 {
        let id = self.s(name);
        self.img.labels.push(id);
        (self.img.labels.len() - 1) as u8
    }

    pub fn enumeration(&mut self, variants: &[&str]) -> u16 {
        let vs = variants.iter().map(|v| self.s(v)).collect();
        self.img.enums.push(vs);
        (self.img.enums.len() - 1) as u16
    }

    /// A tool with `(name, type, optional)` parameters; returns its index.
    pub fn tool(&mut self, name: &str, params: &[(&str, ValueType, bool)]) -> usize {
        let name = self.s(name);
        let params = params
            .iter()
            .map(|(n, ty, optional)| Param {
                name: self.s(n),
                ty: ty.clone(),
                optional: *optional,
            })
            .collect();
        self.img.tools.push(Tool {
            name,
            params,
            result_labels: 0,
            rules: vec![],
            effects: vec![],
        });
        self.img.tools.len() - 1
    }

    pub fn channel(&mut self, name: &str) -> usize {
        let name = self.s(name);
        self.img.channels.push(Channel {
            name,
            rules: vec![],
            effects: vec![],
            redactions: vec![],
        });
        self.img.channels.len() - 1
    }

    pub fn attr(&mut self, name: &str, ty: ValueType) -> u16 {
        let name = self.s(name);
        self.img.attrs.push(Attr { name, ty });
        (self.img.attrs.len() - 1) as u16
    }

    pub fn state(&mut self, name: &str, kind: StateKind, init: i64) -> u16 {
        let name = self.s(name);
        self.img.states.push(StateVar { name, kind, init });
        (self.img.states.len() - 1) as u16
    }

    pub fn gate(&mut self, name: &str) -> u16 {
        let name = self.s(name);
        let approvers = vec![self.s("secops")];
        self.img.gates.push(Gate {
            name,
            approvers,
            timeout_ms: Some(60_000),
        });
        (self.img.gates.len() - 1) as u16
    }

    pub fn regex(&mut self, pattern: &str) -> u16 {
        let id = self.s(pattern);
        self.img.regexes.push(id);
        (self.img.regexes.len() - 1) as u16
    }

    pub fn konst(&mut self, c: Const) -> u16 {
        if let Some(i) = self.img.consts.iter().position(|x| *x == c) {
            return i as u16;
        }
        self.img.consts.push(c);
        (self.img.consts.len() - 1) as u16
    }

    /// Raw code bytes as a block.
    pub fn raw(&mut self, bytes: &[u8]) -> CodeRef {
        let start = self.img.code.len() as u32;
        self.img.code.extend_from_slice(bytes);
        CodeRef {
            start,
            len: bytes.len() as u32,
        }
    }

    /// Compiles `e` into a block ending in `Ret`.
    pub fn code(&mut self, e: &E) -> CodeRef {
        let mut c = Vec::new();
        self.emit(e, &mut c);
        c.push(Op::Ret as u8);
        self.raw(&c)
    }

    fn emit(&mut self, e: &E, c: &mut Vec<u8>) {
        let op16 = |c: &mut Vec<u8>, op: Op, x: u16| {
            c.push(op as u8);
            c.extend(x.to_le_bytes());
        };
        match e {
            E::T => c.push(Op::PushTrue as u8),
            E::F => c.push(Op::PushFalse as u8),
            E::Int(n) => {
                let k = self.konst(Const::Int(*n));
                op16(c, Op::PushConst, k);
            }
            E::Str(s) => {
                let id = self.s(s);
                let k = self.konst(Const::Str(id));
                op16(c, Op::PushConst, k);
            }
            E::Var(e, v) => {
                let k = self.konst(Const::Enum { e: *e, variant: *v });
                op16(c, Op::PushConst, k);
            }
            E::StrList(items) => {
                let ids: Vec<u16> = items
                    .iter()
                    .map(|s| {
                        let id = self.s(s);
                        self.konst(Const::Str(id))
                    })
                    .collect();
                let k = self.konst(Const::List(ids));
                op16(c, Op::PushConst, k);
            }
            E::IntList(items) => {
                let ids: Vec<u16> = items.iter().map(|n| self.konst(Const::Int(*n))).collect();
                let k = self.konst(Const::List(ids));
                op16(c, Op::PushConst, k);
            }
            E::Param(i) => c.extend([Op::LoadParam as u8, *i]),
            E::Has(i) => c.extend([Op::HasParam as u8, *i]),
            E::State(s) => op16(c, Op::LoadState, *s),
            E::Attr(a) => op16(c, Op::LoadAttr, *a),
            E::Text => c.push(Op::LoadText as u8),
            E::Not(x) => {
                self.emit(x, c);
                c.push(Op::Not as u8);
            }
            E::Neg(x) => {
                self.emit(x, c);
                c.push(Op::Neg as u8);
            }
            E::Bin(op, x, y) => {
                self.emit(x, c);
                self.emit(y, c);
                c.push(*op as u8);
            }
            E::Un(op, x) => {
                self.emit(x, c);
                c.push(*op as u8);
            }
            E::In(x, l) => {
                self.emit(x, c);
                self.emit(l, c);
                c.push(Op::In as u8);
            }
            E::And(x, y) | E::Or(x, y) => {
                self.emit(x, c);
                let op = if matches!(e, E::And(..)) {
                    Op::JumpIfFalse
                } else {
                    Op::JumpIfTrue
                };
                op16(c, op, 0);
                let patch = c.len() - 2;
                self.emit(y, c);
                let off = (c.len() - (patch + 2)) as u16;
                c[patch..patch + 2].copy_from_slice(&off.to_le_bytes());
            }
            E::Match(x, r) => {
                self.emit(x, c);
                op16(c, Op::Match, *r);
            }
            E::Ctx(bit) => c.extend([Op::CtxHas as u8, *bit]),
        }
    }

    pub fn rule(&mut self, tool: usize, id: u32, verdict: Verdict, guard: Option<E>) {
        let guard = guard.map(|g| self.code(&g));
        self.img.tools[tool].rules.push(Rule { id, verdict, guard });
    }

    pub fn out_rule(&mut self, ch: usize, id: u32, verdict: Verdict, guard: Option<E>) {
        let guard = guard.map(|g| self.code(&g));
        self.img.channels[ch]
            .rules
            .push(Rule { id, verdict, guard });
    }

    pub fn effect(&mut self, tool: usize, guard: Option<E>, assigns: &[(u16, E)]) {
        let guard = guard.map(|g| self.code(&g));
        let assigns = assigns
            .iter()
            .map(|(s, e)| Assign {
                state: *s,
                value: self.code(e),
            })
            .collect();
        self.img.tools[tool].effects.push(Effect { guard, assigns });
    }

    pub fn out_effect(&mut self, ch: usize, guard: Option<E>, assigns: &[(u16, E)]) {
        let guard = guard.map(|g| self.code(&g));
        let assigns = assigns
            .iter()
            .map(|(s, e)| Assign {
                state: *s,
                value: self.code(e),
            })
            .collect();
        self.img.channels[ch]
            .effects
            .push(Effect { guard, assigns });
    }

    pub fn redact(&mut self, ch: usize, id: u32, pattern: &str, with: &str, guard: Option<E>) {
        let regex = self.regex(pattern);
        let replacement = self.s(with);
        let guard = guard.map(|g| self.code(&g));
        self.img.channels[ch].redactions.push(Redaction {
            id,
            regex,
            replacement,
            guard,
        });
    }

    pub fn labels(&mut self, tool: usize, bits: u64) {
        self.img.tools[tool].result_labels = bits;
    }

    pub fn debug_rule(&mut self, id: u32, line: u32, because: Option<&str>) {
        let file = self.s("main.guard");
        let because = because.map(|b| self.s(b));
        let d = self.img.debug.get_or_insert_with(Debug::default);
        if d.files.is_empty() {
            d.files.push(file);
        }
        d.rules.push(RuleDebug {
            id,
            file: 0,
            line,
            col: 1,
            start: 0,
            end: 10,
            because,
        });
    }

    pub fn build(self) -> Image {
        self.img
    }
}

/// The example policy of language.md §2, by hand (without assertions and
/// tests): mail, web, fs, http tools; quota state; two gates; two
/// channels with a redaction.
pub fn mail_assistant() -> Image {
    let mut b = B::new("mail_assistant");
    let private = b.label("private");
    let untrusted = b.label("untrusted");
    let env = b.enumeration(&["dev", "prod"]);
    let phase_e = b.enumeration(&["plan", "act"]);
    let read = b.tool("mail.read", &[("folder", ValueType::Str, false)]);
    let send = b.tool(
        "mail.send",
        &[
            ("to", ValueType::Str, false),
            ("subject", ValueType::Str, false),
            ("body", ValueType::Str, false),
        ],
    );
    let fetch = b.tool("web.fetch", &[("url", ValueType::Url, false)]);
    let post = b.tool(
        "http.post",
        &[
            ("url", ValueType::Url, false),
            ("body", ValueType::Str, false),
        ],
    );
    let write = b.tool(
        "fs.write",
        &[
            ("path", ValueType::Path, false),
            ("data", ValueType::Str, false),
        ],
    );
    b.labels(read, 1 << private);
    b.labels(fetch, 1 << untrusted);
    let env_attr = b.attr("env", ValueType::Enum(env));
    let sends = b.state("sends", StateKind::Int { lo: 0, hi: 5 }, 0);
    let phase = b.state("phase", StateKind::Enum(phase_e), 0);
    let review = b.gate("security_review");
    let confirm = b.gate("user_confirm");
    let user = b.channel("user");
    let webhook = b.channel("webhook");
    let tmp = b.regex("/tmp/agent/.+");
    b.rule(read, 0, Verdict::Allow, None);
    b.rule(
        fetch,
        1,
        Verdict::Allow,
        Some(E::In(
            b_(un(Op::Host, E::Param(0))),
            b_(E::StrList(vec!["docs.rs", "crates.io"])),
        )),
    );
    b.rule(
        write,
        2,
        Verdict::Allow,
        Some(E::Match(b_(E::Param(0)), tmp)),
    );
    b.rule(post, 3, Verdict::Allow, None);
    b.rule(post, 4, Verdict::Escalate(review), Some(E::Ctx(private)));
    b.rule(
        post,
        5,
        Verdict::Deny,
        Some(and(
            E::Ctx(untrusted),
            eq(E::Attr(env_attr), E::Var(env, 1)),
        )),
    );
    b.rule(send, 6, Verdict::Escalate(confirm), None);
    b.rule(
        send,
        7,
        Verdict::Deny,
        Some(bin(Op::Ge, E::State(sends), E::Int(5))),
    );
    b.effect(
        send,
        None,
        &[
            (sends, bin(Op::Add, E::State(sends), E::Int(1))),
            (phase, E::Var(phase_e, 1)),
        ],
    );
    b.out_rule(user, 8, Verdict::Allow, None);
    b.out_rule(webhook, 9, Verdict::Allow, None);
    b.out_rule(webhook, 10, Verdict::Deny, Some(E::Ctx(private)));
    b.redact(user, 11, "[0-9]{3}-[0-9]{2}-[0-9]{4}", "[ssn]", None);
    b.debug_rule(4, 22, Some("private mail must not leave without review"));
    b.debug_rule(7, 25, Some("send quota reached"));
    b.build()
}

/// The example policy plus 15 more tools: 20 tools, 28 rules.
pub fn agent_policy() -> Image {
    let mut img = mail_assistant();
    let mut b = B::new("agent");
    std::mem::swap(&mut b.img, &mut img);
    let glob = b.regex("/workspace/(?:[^/]+/)*[^/]+");
    let secret = b.regex("(?s).*(?:BEGIN PRIVATE KEY|AKIA[0-9A-Z]{16}).*");
    let mut id = 100;
    for k in 0..15 {
        let name = format!("svc{k}.op");
        let t = b.tool(
            &name,
            &[
                ("path", ValueType::Path, false),
                ("url", ValueType::Url, true),
                ("body", ValueType::Str, true),
            ],
        );
        b.rule(
            t,
            id,
            Verdict::Allow,
            Some(E::Match(Box::new(E::Param(0)), glob)),
        );
        id += 1;
        if k % 2 == 0 {
            b.rule(
                t,
                id,
                Verdict::Deny,
                Some(and(E::Has(2), E::Match(Box::new(E::Param(2)), secret))),
            );
            id += 1;
        }
    }
    b.build()
}

fn b_(e: E) -> Box<E> {
    Box::new(e)
}
