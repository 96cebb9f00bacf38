//! The core's cost per `tools/call`, without pipes or threads: decides N
//! echo calls and their answers in a loop, logging to a file, and prints
//! the time per call (`cargo run --release -p guard-proxy --example
//! core_loop -- POLICY.gbc [N] [LOG]`).

use std::time::Instant;

use guard_proxy::{Action, Attrs, DecisionLog, Enforcer, LogMeta, Mode, Options};
use guard_runtime::Policy;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).ok_or("usage: core_loop POLICY.gbc [N] [LOG]")?;
    let n: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let log_path = args.get(3).map_or("/dev/null", String::as_str);
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let policy = Policy::load(&bytes).map_err(|e| e.to_string())?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path)
        .map_err(|e| e.to_string())?;
    let log = DecisionLog::new(Box::new(file), Vec::new())?;
    let meta = LogMeta {
        path: "guard/bench".into(),
        revision: guard_proxy::revision::revision(&bytes),
        version: "0".into(),
        session: "bench".into(),
        attrs: serde_json::Map::new(),
        mcp_session: None,
    };
    let options = Options {
        mode: Mode::Enforce,
        tool_prefix: "everything.".into(),
        result_channel: None,
        default_approval_timeout: None,
    };
    let mut e = Enforcer::new(&policy, &Attrs::default(), options, meta, Some(log), None)?;
    let t0 = Instant::now();
    for i in 0..n {
        let call = format!(
            r#"{{"jsonrpc":"2.0","id":{i},"method":"tools/call","params":{{"name":"echo","arguments":{{"message":"hello {i}"}}}}}}"#
        );
        if e.from_client(&call) != Action::Forward {
            return Err("the echo call was not allowed".into());
        }
        let answer = format!(
            r#"{{"result":{{"content":[{{"type":"text","text":"Echo: hello {i}"}}]}},"jsonrpc":"2.0","id":{i}}}"#
        );
        if e.from_server(&answer) != Action::Forward {
            return Err("the answer was not forwarded".into());
        }
    }
    let per = t0.elapsed().as_nanos() as f64 / n as f64;
    println!("{n} calls: {:.2} µs per call and answer", per / 1000.0);
    Ok(())
}
