//! `guardc eval POLICY [--attr NAME=VALUE…] [--events FILE.jsonl]`: one
//! session, events as JSON Lines (from the file or stdin), one decision
//! per line on stdout in the runtime's decision JSON
//! (`runtime/README.md`). A line that is not a valid event gets an error
//! record for that line, and evaluation goes on: a bad line never stops
//! the stream or changes the session.
//!
//! Escalated events stay pending until a later line approves or rejects
//! their ticket (`{"approve": 1, "tool": ..., "args": ...}`), as the JSON
//! entry point defines.

use std::io::{BufRead, Write};

use guard_proxy::attrs::Attrs;
use guard_runtime::{decision_json, Session};
use serde_json::json;

use crate::check::{EXIT_FINDINGS, EXIT_INPUT, EXIT_OK};
use crate::cli::EvalArgs;
use crate::compile::load;

pub fn run(args: &EvalArgs) -> u8 {
    if let Some(log) = &args.replay {
        return crate::replay::run(args, log);
    }
    let loaded = match load(&args.policy) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let policy = &loaded.policy;
    // Attribute values are typed by the policy's declarations, exactly as
    // the proxy reads its `--attr`s.
    let attrs = match Attrs::parse(policy, &args.attrs) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INPUT;
        }
    };
    let mut session = match attrs.with_args(|a| Session::new(policy, a)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot open a session: {e}");
            return EXIT_INPUT;
        }
    };
    let input: Box<dyn BufRead> = match &args.events {
        Some(path) => match std::fs::File::open(path) {
            Ok(f) => Box::new(std::io::BufReader::new(f)),
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", path.display());
                return EXIT_INPUT;
            }
        },
        None => Box::new(std::io::stdin().lock()),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut text = String::new();
    let mut bad_lines = 0usize;
    for (n, line) in input.split(b'\n').enumerate() {
        let line_no = n + 1;
        let record = match line {
            Err(e) => {
                eprintln!("error: reading events: {e}");
                return EXIT_INPUT;
            }
            Ok(bytes) => {
                let Ok(line) = String::from_utf8(bytes) else {
                    bad_lines += 1;
                    let rec = json!({"line": line_no, "error": {"code": "E0470", "message": "the line is not UTF-8"}});
                    let _ = writeln!(out, "{rec}");
                    continue;
                };
                if line.trim().is_empty() {
                    continue;
                }
                match session.decide_json(&line, &mut text) {
                    Ok(d) => {
                        let t = matches!(d.event, guard_runtime::EventRef::Output(_))
                            .then_some(text.as_str());
                        decision_json(policy, &d, t)
                    }
                    Err(e) => {
                        bad_lines += 1;
                        json!({"line": line_no, "error": {"code": e.code(), "message": e.to_string()}}).to_string()
                    }
                }
            }
        };
        if writeln!(out, "{record}").is_err() {
            return EXIT_INPUT;
        }
    }
    let _ = out.flush();
    if bad_lines > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}
