//! `gen-policy LINES [OUT]`: writes a generated policy of about LINES lines
//! to OUT (default: stdout). Used for the `guardc check` speed figure.

use std::io::Write;

fn main() {
    let mut args = std::env::args().skip(1);
    let lines = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let text = guard_benches::policy(lines);
    let written = match args.next() {
        Some(path) => std::fs::write(&path, text),
        None => std::io::stdout().write_all(text.as_bytes()),
    };
    if let Err(err) = written {
        eprintln!("gen-policy: {err}");
        std::process::exit(2);
    }
}
