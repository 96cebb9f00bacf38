//! The summary table: ns/decision per engine and scenario, read back from
//! criterion's estimates, with the ratio of each peer to Guard.

use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Where criterion writes its results: `$CRITERION_HOME`, else
/// `$CARGO_TARGET_DIR/criterion`, else the workspace's `target/criterion`.
/// The benchmark passes this to criterion, so the table reads back
/// exactly what criterion wrote.
pub fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/criterion")
}

/// The estimated time per iteration (ns) of one benchmark: criterion's
/// slope estimate (linear sampling), else its mean.
pub fn estimate_ns(dir: &Path, group: &str, function: &str, param: &str) -> Option<f64> {
    let path = dir
        .join(group)
        .join(function)
        .join(param)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    ["slope", "mean"]
        .iter()
        .find_map(|k| v.get(k)?.get("point_estimate")?.as_f64())
}

/// One row of the table: a scenario and its time per engine column
/// (`None`: not measured).
pub struct Row {
    pub scenario: String,
    pub cells: Vec<Option<f64>>,
}

/// A markdown table: the scenario, then ns/decision per column, then for
/// every column but the first (Guard) its ratio to the first.
pub fn table(columns: &[&str], rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = write!(out, "| scenario |");
    for c in columns {
        let _ = write!(out, " {c} (ns) |");
    }
    for c in columns.iter().skip(1) {
        let _ = write!(out, " {c} / {} |", columns.first().copied().unwrap_or(""));
    }
    out.push('\n');
    let _ = write!(out, "|---|");
    for _ in 0..columns.len() * 2 - 1 {
        out.push_str("---:|");
    }
    out.push('\n');
    for r in rows {
        let _ = write!(out, "| {} |", r.scenario);
        for c in &r.cells {
            match c {
                Some(ns) => {
                    let _ = write!(out, " {} |", ns_text(*ns));
                }
                None => out.push_str(" – |"),
            }
        }
        let base = r.cells.first().copied().flatten();
        for c in r.cells.iter().skip(1) {
            match (base, c) {
                (Some(b), Some(ns)) if b > 0.0 => {
                    let _ = write!(out, " {} |", ratio_text(ns / b));
                }
                _ => out.push_str(" – |"),
            }
        }
        out.push('\n');
    }
    out
}

/// `1.07×`, `19.4×`, `198×`.
fn ratio_text(r: f64) -> String {
    if r < 10.0 {
        format!("{r:.2}×")
    } else if r < 100.0 {
        format!("{r:.1}×")
    } else {
        format!("{r:.0}×")
    }
}

/// `12.3` below 100 ns, else whole ns grouped by thousands (`18 907`).
fn ns_text(ns: f64) -> String {
    if ns < 100.0 {
        format!("{ns:.1}")
    } else {
        let digits = (ns.round() as u64).to_string();
        let groups: Vec<&str> = digits
            .as_bytes()
            .rchunks(3)
            .rev()
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        groups.join("\u{202f}")
    }
}
