//! Random events and random small policies for differential testing.
//!
//! Events are drawn from a vocabulary built from the policy itself: every
//! string literal, instantiations of every glob, hosts turned into URLs
//! (with upper case, ports and user info), paths with `.`, `..` and `//`
//! detours, integers at and around every literal, enum variants and
//! non-variants. A fraction of events are malformed on purpose (unknown
//! tools, missing, extra or ill-typed arguments), because the runtime must
//! deny those exactly as the reference does.
//!
//! The generator is a small deterministic PRNG so that a failing seed can
//! be replayed.

use std::collections::BTreeSet;
use std::fmt::Write;

use guard_check::hir::{ExprKind, Program, Type, Value};

use crate::reference::{Arg, Event};

/// xorshift64*: tiny, fast, and good enough to explore policies.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with probability `pct` percent.
    pub fn chance(&mut self, pct: u64) -> bool {
        self.next_u64() % 100 < pct
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }
}

/// Literals of a policy, the raw material of its events.
#[derive(Debug, Default)]
pub struct Vocabulary {
    strings: Vec<String>,
    paths: Vec<String>,
    urls: Vec<String>,
    ints: Vec<i64>,
}

impl Vocabulary {
    pub fn of(p: &Program) -> Vocabulary {
        let mut strings = BTreeSet::new();
        let mut globs = BTreeSet::new();
        let mut ints = BTreeSet::from([0i64, 1, -1, i64::MAX, i64::MIN]);
        for (_, e) in p.expressions() {
            e.walk(&mut |x| match &x.kind {
                ExprKind::Lit(v) => collect(v, &mut strings, &mut ints),
                ExprKind::Glob { pattern, .. } => {
                    globs.insert(pattern.clone());
                }
                ExprKind::Regex { pattern, .. } => {
                    strings.insert(pattern.replace(['\\', '^', '$', '(', ')', '?', '*', '+'], ""));
                }
                _ => {}
            });
        }
        for t in &p.tests {
            for s in &t.steps {
                if let guard_check::hir::TestStep::Event {
                    event: guard_check::hir::TestEvent::Call { args, .. },
                    ..
                } = s
                {
                    for (_, v) in args {
                        collect(v, &mut strings, &mut ints);
                    }
                }
            }
        }
        let mut paths: BTreeSet<String> = BTreeSet::from([
            "/".into(),
            "/tmp/x".into(),
            "rel/a".into(),
            "/etc/passwd".into(),
        ]);
        for g in &globs {
            for fill in ["x", "a/b", ""] {
                let inst = g.replace("**", fill).replace('*', "f").replace('?', "q");
                paths.insert(inst);
            }
        }
        for s in strings.iter().filter(|s| s.starts_with('/')) {
            paths.insert(s.clone());
        }
        let detours: Vec<String> = paths
            .iter()
            .flat_map(|p| {
                [
                    format!("{p}/../x"),
                    p.replacen('/', "//", 1),
                    format!("{p}/./y/.."),
                    format!("/..{p}"),
                    format!("{p}/"),
                ]
            })
            .collect();
        paths.extend(detours);
        let mut urls = BTreeSet::from([
            "not a url".to_string(),
            "https://evil.example/x".into(),
            "mailto:a@b.c".into(),
        ]);
        for s in strings.iter().chain(globs.iter()) {
            let host = s.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-');
            if host.contains('.') && !host.contains('/') && !host.is_empty() {
                for u in [
                    format!("https://{host}/path"),
                    format!("http://{host}:8080/"),
                    format!("https://user@{}/", host.to_uppercase()),
                    format!("ftp://{host}"),
                ] {
                    urls.insert(u);
                }
            }
            if s.contains("://") {
                urls.insert(s.clone());
            }
        }
        let near: Vec<i64> = ints
            .iter()
            .flat_map(|n| [n.saturating_sub(1), n.saturating_add(1)])
            .collect();
        ints.extend(near);
        strings.extend([
            "".to_string(),
            "x".into(),
            "ÉCOLE".into(),
            "a@b.example".into(),
        ]);
        Vocabulary {
            strings: strings.into_iter().collect(),
            paths: paths.into_iter().collect(),
            urls: urls.into_iter().collect(),
            ints: ints.into_iter().collect(),
        }
    }

    /// A random event for `p`: mostly well-formed calls, some outputs,
    /// some malformed.
    pub fn event(&self, p: &Program, rng: &mut Rng) -> Event {
        if !p.channels.is_empty() && rng.chance(15) {
            let c = &p.channels[rng.below(p.channels.len())];
            let text = self.string(rng);
            return Event::Output {
                channel: c.info.name.clone(),
                text,
            };
        }
        if p.tools.is_empty() || rng.chance(3) {
            return Event::Call {
                tool: "no.such_tool".into(),
                args: Vec::new(),
            };
        }
        let t = &p.tools[rng.below(p.tools.len())];
        let mut args = Vec::new();
        for q in &t.params {
            if q.optional && rng.chance(40) {
                continue;
            }
            if rng.chance(2) {
                continue; // a required argument missing, sometimes
            }
            let v = if rng.chance(3) {
                self.wrong(&q.ty, rng)
            } else {
                self.value(p, &q.ty, rng)
            };
            args.push((q.name.clone(), v));
        }
        if rng.chance(2) {
            args.push(("undeclared_arg".into(), Arg::Int(1)));
        }
        Event::Call {
            tool: t.name.clone(),
            args,
        }
    }

    fn string(&self, rng: &mut Rng) -> String {
        let mut s = rng.pick(&self.strings).cloned().unwrap_or_default();
        if rng.chance(20) {
            s = format!("pre {s} post");
        }
        s
    }

    fn value(&self, p: &Program, ty: &Type, rng: &mut Rng) -> Arg {
        match ty {
            Type::Bool => Arg::Bool(rng.chance(50)),
            Type::Int | Type::IntRange(..) => Arg::Int(rng.pick(&self.ints).copied().unwrap_or(0)),
            Type::Str => Arg::Str(self.string(rng)),
            Type::Path => Arg::Str(rng.pick(&self.paths).cloned().unwrap_or_default()),
            Type::Url => Arg::Str(rng.pick(&self.urls).cloned().unwrap_or_default()),
            Type::Enum(e) => {
                let vs = &p.enums[e.index()].variants;
                if rng.chance(5) {
                    Arg::Str("not_a_variant".into())
                } else {
                    Arg::Str(vs[rng.below(vs.len())].clone())
                }
            }
            Type::List(el) => {
                Arg::List((0..rng.below(4)).map(|_| self.value(p, el, rng)).collect())
            }
            Type::Json => Arg::Json,
            _ => Arg::Str(self.string(rng)),
        }
    }

    fn wrong(&self, ty: &Type, rng: &mut Rng) -> Arg {
        match ty {
            Type::Int | Type::IntRange(..) => Arg::Str("12".into()),
            Type::Json => Arg::Int(1),
            Type::List(_) => Arg::Str("not a list".into()),
            _ => {
                if rng.chance(50) {
                    Arg::Int(7)
                } else {
                    Arg::Bool(true)
                }
            }
        }
    }
}

fn collect(v: &Value, strings: &mut BTreeSet<String>, ints: &mut BTreeSet<i64>) {
    match v {
        Value::Str(s) => {
            strings.insert(s.clone());
        }
        Value::Int(n) => {
            ints.insert(*n);
        }
        Value::List(items) => items.iter().for_each(|i| collect(i, strings, ints)),
        _ => {}
    }
}

/// A random small policy as source text: a few tools with typed
/// parameters, state, an attribute, gates, a channel, and rules and effect
/// blocks with random well-typed guards. It always checks clean of errors
/// (warnings allowed); the generator only combines forms that type-check.
pub fn random_policy(rng: &mut Rng) -> String {
    policy_with(rng, random_guard)
}

/// [`random_policy`] with guards that the runtime decides without its VM
/// (`runtime/src/fast.rs`): chains of `context has` and of string tests
/// of a parameter against a constant, all joined by `||` or all by `&&`,
/// grouped at random (which the compiler turns into jumps to jumps), with
/// optional parameters that may be absent. One guard in five mixes the
/// joins, which must go to the VM and still agree; one in four tests
/// only the context.
pub fn random_chain_policy(rng: &mut Rng) -> String {
    policy_with(rng, |rng, _| {
        let atoms = [
            "context has l0",
            "context has l1",
            "starts_with(p, \"/w/\")",
            "ends_with(p, \".txt\")",
            "p == \"/w/a\"",
            "p != \"/w/a\"",
            "contains(s, \"x\")",
            "s == \"xy\"",
            "starts_with(u, \"https://ok.example/\")",
        ];
        // One guard in four tests the context alone: a mask test.
        let atoms = if rng.chance(25) {
            &atoms[..2]
        } else {
            &atoms[..]
        };
        let mixed = rng.chance(20);
        let join = if rng.chance(50) { "&&" } else { "||" };
        let mut g = atoms[rng.below(atoms.len())].to_string();
        for _ in 0..rng.below(4) {
            let op = match (mixed, rng.chance(50)) {
                (true, true) => "&&",
                (true, false) => "||",
                (false, _) => join,
            };
            let next = atoms[rng.below(atoms.len())];
            g = match rng.below(3) {
                0 => format!("({g}) {op} ({next})"),
                1 => format!("{next} {op} ({g})"),
                _ => format!("{g} {op} {next}"),
            };
        }
        g
    })
}

fn policy_with(rng: &mut Rng, guard: impl Fn(&mut Rng, &[&str]) -> String) -> String {
    let mut s = String::from("policy random;\nlabel l0, l1;\nattr mode: enum { a, b };\n");
    let _ = writeln!(s, "state n: int[0..3] = 0;\nstate flag: bool = false;");
    let _ = writeln!(
        s,
        "gate g0 {{ approvers: [\"x\"]; }}\ngate g1 {{ approvers: [\"y\"]; }}"
    );
    let _ = writeln!(s, "channel out;");
    if rng.chance(30) {
        s.push_str("default allow;\n");
    }
    let tools = 1 + rng.below(3);
    for t in 0..tools {
        let labels = match rng.below(3) {
            0 => "",
            1 => " labels [l0]",
            _ => " labels [l1]",
        };
        let _ = writeln!(
            s,
            "tool t{t}.run(p: path, u: url?, k: int, s: str?, e: enum {{ a, b }}) -> str{labels};"
        );
    }
    let atoms = [
        "p matches glob \"/w/**\"",
        "p matches glob \"/w/*.txt\"",
        "starts_with(p, \"/w/\")",
        "p == \"/w/a\"",
        "has(u) && host(u) == \"ok.example\"",
        "has(u) && scheme(u) != \"https\"",
        "u matches regex \"https://[a-z.]+/.*\"",
        "k > 2",
        "k + n >= 4",
        "-k < 0",
        "n == 3",
        "flag",
        "!flag",
        "mode == a",
        "e == b",
        "e in [a]",
        "context has l0",
        "context has l1",
        "has(s) && len(s) > 3",
        "s in [\"x\", \"y\"]",
        "contains(lower(s), \"x\")",
        "ends_with(p, \".txt\")",
    ];
    let rules = 2 + rng.below(7);
    for _ in 0..rules {
        let t = rng.below(tools);
        let target = if rng.chance(20) {
            "t*.run".replace("t*", "*")
        } else {
            format!("t{t}.run")
        };
        let target = if target.starts_with('*') {
            "*".to_string()
        } else {
            target
        };
        let guard = guard(rng, &atoms);
        let verdict = match rng.below(4) {
            0 => "allow".to_string(),
            1 => "deny".to_string(),
            2 => format!("escalate {target} to g{}", rng.below(2)),
            _ => "allow".to_string(),
        };
        if verdict.starts_with("escalate") {
            let _ = writeln!(s, "{verdict} when {guard};");
        } else {
            let _ = writeln!(s, "{verdict} {target} when {guard};");
        }
    }
    for _ in 0..rng.below(3) {
        let t = rng.below(tools);
        let guard = guard(rng, &atoms);
        let body = match rng.below(3) {
            0 => "n = n + 1;",
            1 => "flag = !flag;",
            _ => "n = k;",
        };
        let _ = writeln!(s, "on t{t}.run when {guard} {{ {body} }}");
    }
    s.push_str("allow output out when !(context has l0);\n");
    if rng.chance(50) {
        s.push_str("redact output out matching regex \"[0-9]+\" with \"#\";\n");
    }
    s
}

fn random_guard(rng: &mut Rng, atoms: &[&str]) -> String {
    let mut g = atoms[rng.below(atoms.len())].to_string();
    for _ in 0..rng.below(3) {
        let op = if rng.chance(50) { "&&" } else { "||" };
        let next = atoms[rng.below(atoms.len())];
        g = if rng.chance(30) {
            format!("!({g}) {op} ({next})")
        } else {
            format!("({g}) {op} ({next})")
        };
    }
    g
}

/// Random assertions over a policy from [`random_policy`] with `tools`
/// tools: `never`/`possible` patterns of one to three steps joined by `~>`
/// or `->`, steps with guards over parameters, state, the attribute and
/// the context, and `unless approved` gates. Appending them keeps the
/// policy free of errors.
pub fn random_assertions(rng: &mut Rng, tools: usize, count: usize) -> String {
    let atoms = [
        "p matches glob \"/w/**\"",
        "k > 2",
        "n == 3",
        "n >= 1",
        "flag",
        "mode == a",
        "e == b",
        "context has l0",
        "has(s) && len(s) > 3",
        "has(u) && host(u) == \"ok.example\"",
    ];
    let mut s = String::new();
    for i in 0..count {
        let kind = if rng.chance(70) { "never" } else { "possible" };
        let steps = 1 + rng.below(3);
        let mut pattern = String::new();
        for k in 0..steps {
            if k > 0 {
                pattern.push_str(if rng.chance(70) { " ~> " } else { " -> " });
            }
            if rng.chance(15) {
                pattern.push_str("output out");
            } else {
                let _ = write!(pattern, "t{}.run", rng.below(tools));
                if rng.chance(40) {
                    let _ = write!(pattern, " when {}", atoms[rng.below(atoms.len())]);
                }
            }
            if rng.chance(20) {
                let _ = write!(pattern, " unless approved g{}", rng.below(2));
            }
        }
        let _ = writeln!(s, "assert a{i}: {kind} {pattern};");
    }
    s
}

/// How many tools a policy from [`random_policy`] declares.
pub fn tool_count(policy: &str) -> usize {
    policy.lines().filter(|l| l.starts_with("tool ")).count()
}
