//! `guardc explain CODE` prints a code's Markdown explanation (the same
//! text the LSP links to and SARIF embeds as rule help); `guardc explain
//! --list` prints every code with its title. An unknown code is a usage
//! error (exit 2) and gets a suggestion when one code is close.

use std::io::Write;

use guard_diagnostics::Code;

use crate::check::{EXIT_INPUT, EXIT_OK};
use crate::cli::ExplainArgs;

pub fn run(args: &ExplainArgs) -> u8 {
    let mut stdout = std::io::stdout().lock();
    if args.list {
        for code in Code::ALL {
            let info = code.info();
            let _ = writeln!(
                stdout,
                "{}  {:<7}  {}",
                code.as_str(),
                code.severity().as_str(),
                info.title
            );
        }
        return EXIT_OK;
    }
    let Some(query) = args.code.as_deref() else {
        // clap requires CODE unless --list; this is only a safety net.
        eprintln!("error: give a code to explain, e.g. `guardc explain E0101`, or --list");
        return EXIT_INPUT;
    };
    match lookup(query) {
        Some(code) => {
            let text = code.info().explanation;
            let _ = stdout.write_all(text.as_bytes());
            if !text.ends_with('\n') {
                let _ = stdout.write_all(b"\n");
            }
            EXIT_OK
        }
        None => {
            let mut message = format!("error: unknown diagnostic code `{query}`");
            if let Some(close) = suggest(query) {
                message.push_str(&format!("\n  help: did you mean `{close}`?"));
            }
            message.push_str("\n  note: `guardc explain --list` lists every code");
            eprintln!("{message}");
            EXIT_INPUT
        }
    }
}

/// Finds a code by its written form, case-insensitively, also accepting
/// the bare number (`101` or `0101` for `E0101`) when only one code has it.
fn lookup(query: &str) -> Option<Code> {
    let query = query.trim();
    if let Some(code) = Code::parse(query) {
        return Some(code);
    }
    let digits = query.trim_start_matches('0');
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut matches = Code::ALL
        .iter()
        .filter(|c| c.as_str()[1..].trim_start_matches('0') == digits);
    match (matches.next(), matches.next()) {
        (Some(code), None) => Some(*code),
        _ => None,
    }
}

/// The registered code closest to `query` (edit distance at most 2). Codes
/// are short and similar, so ties are common; among equally distant codes
/// the one sharing the longest prefix with the query wins, because a typo
/// is likelier at the end (`E01011` means `E0101`, not `E0011`).
fn suggest(query: &str) -> Option<Code> {
    let query = query.trim().to_ascii_uppercase();
    Code::ALL
        .iter()
        .map(|c| {
            let prefix = query
                .bytes()
                .zip(c.as_str().bytes())
                .take_while(|(a, b)| a == b)
                .count();
            (
                levenshtein(&query, c.as_str()),
                std::cmp::Reverse(prefix),
                *c,
            )
        })
        .filter(|(d, _, _)| *d <= 2)
        .min_by_key(|(d, p, _)| (*d, *p))
        .map(|(_, _, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_accepts_case_and_bare_numbers() {
        assert_eq!(lookup("e0101"), Some(Code::E0101));
        assert_eq!(lookup(" E0101 "), Some(Code::E0101));
        assert_eq!(lookup("0101"), Some(Code::E0101));
        // `1` is E0001 and W0001 at once: no guess.
        assert_eq!(lookup("1"), None);
        assert_eq!(lookup("E9999"), None);
    }

    #[test]
    fn suggests_close_codes_only() {
        assert_eq!(suggest("W015"), Some(Code::W0015));
        assert_eq!(suggest("E01011"), Some(Code::E0101));
        assert_eq!(suggest("nonsense"), None);
    }
}
