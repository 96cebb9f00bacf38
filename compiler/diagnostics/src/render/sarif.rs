//! The SARIF 2.1.0 renderer, shaped for GitHub code scanning (upload it
//! with `github/codeql-action/upload-sarif`).
//!
//! Choices, each documented in `docs/diagnostics.md`:
//! * `tool.driver.rules` lists every code in registry order, so a result's
//!   `ruleIndex` is the code's position in [`Code::ALL`] and each rule's
//!   help is the code's full explanation.
//! * File names become relative URIs with forward slashes against the
//!   `%SRCROOT%` base; absolute paths become `file://` URIs. Embedded stdlib
//!   modules (`std::labels`) are not files in the repository: they are
//!   written as `std/labels.guard` against the `GUARD_STDLIB` base, which
//!   `originalUriBaseIds` describes but deliberately leaves without a URI.
//! * `partialFingerprints["guardc/v1"]` hashes the code, the file, the
//!   message and the trimmed text of the primary line (plus an occurrence
//!   count), not line numbers, so an alert survives edits elsewhere in the
//!   file. GitHub's upload action adds its own `primaryLocationLineHash`.
//! * Columns count Unicode code points (`columnKind`), like the JSON output.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::{fnv1a64, is_embedded, portable_path, resolve, RunInfo};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;
use crate::span::Span;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
const STDLIB_BASE: &str = "GUARD_STDLIB";

/// Renders the run as a SARIF 2.1.0 log (with a trailing newline).
pub fn sarif(sources: &SourceMap, diags: &[Diagnostic], run: &RunInfo) -> String {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut uses_stdlib = false;
    let results: Vec<Value> = diags
        .iter()
        .map(|d| result(sources, d, &mut seen, &mut uses_stdlib))
        .collect();

    let mut driver = Map::new();
    driver.insert("name".into(), json!(run.tool_name));
    driver.insert("version".into(), json!(run.tool_version));
    driver.insert("semanticVersion".into(), json!(run.tool_version));
    if !run.information_uri.is_empty() {
        driver.insert("informationUri".into(), json!(run.information_uri));
    }
    driver.insert(
        "rules".into(),
        Value::Array(Code::ALL.iter().map(|c| rule(*c)).collect()),
    );

    let notifications: Vec<Value> = run
        .input_errors
        .iter()
        .map(|e| {
            json!({
                "level": "error",
                "message": { "text": format!("cannot read `{}`: {}", e.path, e.message) },
                "locations": [{ "physicalLocation": { "artifactLocation": artifact(&e.path) } }],
            })
        })
        .collect();

    let mut run_obj = Map::new();
    run_obj.insert("tool".into(), json!({ "driver": Value::Object(driver) }));
    run_obj.insert(
        "invocations".into(),
        json!([{
            "executionSuccessful": run.input_errors.is_empty(),
            "toolExecutionNotifications": notifications,
        }]),
    );
    if uses_stdlib {
        run_obj.insert(
            "originalUriBaseIds".into(),
            json!({ STDLIB_BASE: { "description": {
                "text": "The Guard standard library, embedded in guardc; not a repository path."
            } } }),
        );
    }
    run_obj.insert("columnKind".into(), json!("unicodeCodePoints"));
    run_obj.insert("results".into(), Value::Array(results));

    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [Value::Object(run_obj)],
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

fn rule(code: Code) -> Value {
    let info = code.info();
    let level = level(code.severity());
    json!({
        "id": code.as_str(),
        "name": rule_name(info.title),
        "shortDescription": { "text": info.title },
        "fullDescription": { "text": first_paragraph(info.explanation) },
        "help": { "text": info.explanation, "markdown": info.explanation },
        "defaultConfiguration": { "level": level },
        "properties": { "tags": [if code.severity() == Severity::Error { "correctness" } else { "lint" }] },
    })
}

fn result(
    sources: &SourceMap,
    d: &Diagnostic,
    seen: &mut HashMap<String, usize>,
    uses_stdlib: &mut bool,
) -> Value {
    let primary = resolve(sources, d.primary.span);
    *uses_stdlib |= is_embedded(primary.name);
    let uri = artifact(primary.name);
    let key = format!(
        "{:016x}",
        fnv1a64(&[
            d.code.as_str(),
            uri["uri"].as_str().unwrap_or(""),
            &d.message,
            primary.line_text().trim(),
        ])
    );
    let occurrence = seen.entry(key.clone()).or_insert(0);
    *occurrence += 1;
    let fingerprint = format!("{key}:{occurrence}");

    let related: Vec<Value> = d
        .secondary
        .iter()
        .enumerate()
        .map(|(i, l)| {
            *uses_stdlib |= is_embedded(sources.name(l.span.file));
            let mut loc = physical_location(sources, l.span);
            if let Some(obj) = loc.as_object_mut() {
                obj.insert("id".into(), json!(i + 1));
                if !l.message.is_empty() {
                    obj.insert("message".into(), json!({ "text": l.message }));
                }
            }
            loc
        })
        .collect();

    let fixes: Vec<Value> = d
        .fixes
        .iter()
        .map(|f| {
            let r = resolve(sources, f.span);
            json!({
                "description": { "text": f.title },
                "artifactChanges": [{
                    "artifactLocation": artifact(r.name),
                    "replacements": [{
                        "deletedRegion": region(&r),
                        "insertedContent": { "text": f.replacement },
                    }],
                }],
            })
        })
        .collect();

    let mut obj = Map::new();
    obj.insert("ruleId".into(), json!(d.code.as_str()));
    obj.insert("ruleIndex".into(), json!(rule_index(d.code)));
    obj.insert("level".into(), json!(level(d.severity)));
    obj.insert("message".into(), json!({ "text": message_text(d) }));
    obj.insert(
        "locations".into(),
        json!([physical_location(sources, d.primary.span)]),
    );
    if !related.is_empty() {
        obj.insert("relatedLocations".into(), Value::Array(related));
    }
    obj.insert(
        "partialFingerprints".into(),
        json!({ "guardc/v1": fingerprint }),
    );
    if !fixes.is_empty() {
        obj.insert("fixes".into(), Value::Array(fixes));
    }
    if !d.flow.is_empty() {
        let locations: Vec<Value> = d
            .flow
            .iter()
            .map(|l| {
                *uses_stdlib |= is_embedded(sources.name(l.span.file));
                let mut loc = physical_location(sources, l.span);
                if let Some(obj) = loc.as_object_mut() {
                    obj.insert("message".into(), json!({ "text": l.message }));
                }
                json!({ "location": loc })
            })
            .collect();
        obj.insert(
            "codeFlows".into(),
            json!([{ "threadFlows": [{ "locations": locations }] }]),
        );
    }
    Value::Object(obj)
}

/// The result message: GitHub shows only this text, so the notes and the
/// help follow the one-line message on lines of their own.
fn message_text(d: &Diagnostic) -> String {
    let mut text = d.message.clone();
    for note in &d.notes {
        text.push_str("\nnote: ");
        text.push_str(note);
    }
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    text
}

fn physical_location(sources: &SourceMap, span: Span) -> Value {
    let r = resolve(sources, span);
    let mut physical = Map::new();
    physical.insert("artifactLocation".into(), artifact(r.name));
    if r.file.is_some() {
        physical.insert("region".into(), region(&r));
    }
    json!({ "physicalLocation": Value::Object(physical) })
}

fn region(r: &super::Resolved<'_>) -> Value {
    json!({
        "startLine": r.start_lc.line,
        "startColumn": r.start_lc.col,
        "endLine": r.end_lc.line,
        "endColumn": r.end_lc.col,
    })
}

/// The `artifactLocation` for a file name.
fn artifact(name: &str) -> Value {
    if is_embedded(name) {
        let uri = format!("{}.guard", name.replace("::", "/"));
        return json!({ "uri": percent_encode(&uri), "uriBaseId": STDLIB_BASE });
    }
    let path = portable_path(name);
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && &bytes[1..3] == b":/";
    if path.starts_with('/') || drive {
        let sep = if drive { "/" } else { "" };
        return json!({ "uri": format!("file://{sep}{}", percent_encode(&path)) });
    }
    json!({ "uri": percent_encode(&path), "uriBaseId": SRCROOT })
}

/// Percent-encodes everything but RFC 3986 unreserved characters, `/` and
/// the drive colon, so a file name with spaces or `#` is still one path.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for (i, b) in path.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/')
            || (b == b':' && i == 1);
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn rule_index(code: Code) -> usize {
    Code::ALL.iter().position(|c| *c == code).unwrap_or(0)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A rule name in the PascalCase form SARIF viewers expect:
/// "Unknown standard-library module or item" → `UnknownStandardLibraryModuleOrItem`.
fn rule_name(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The first paragraph of an explanation after its `# CODE: title`
/// heading: what SARIF viewers show as the rule's full description.
fn first_paragraph(explanation: &str) -> String {
    explanation
        .lines()
        .skip_while(|l| l.starts_with('#') || l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixture;

    fn render() -> Value {
        let (map, file) = fixture::sources();
        let text = sarif(&map, &fixture::diagnostics(file), &fixture::run());
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn results_snapshot() {
        // The rules array is long (every code with its explanation), so the
        // snapshot holds everything but it; the test below checks it.
        // Rule indices shift whenever the registry grows; the test below
        // checks that each one points at its rule.
        let mut log = render();
        log["runs"][0]["tool"]["driver"]["rules"] = json!("<elided>");
        if let Some(results) = log["runs"][0]["results"].as_array_mut() {
            for r in results {
                r["ruleIndex"] = json!("<index>");
            }
        }
        insta::assert_snapshot!(serde_json::to_string_pretty(&log).unwrap());
    }

    #[test]
    fn has_the_fields_github_code_scanning_requires() {
        let log = render();
        assert_eq!(log["version"], "2.1.0");
        assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
        let run = &log["runs"][0];
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "guardc");
        let rules = driver["rules"].as_array().unwrap();
        assert_eq!(rules.len(), Code::ALL.len());
        for r in rules {
            assert!(r["id"].is_string());
            assert!(r["shortDescription"]["text"].is_string());
            assert!(!r["fullDescription"]["text"].as_str().unwrap().is_empty());
            assert!(r["help"]["markdown"].is_string());
        }
        for res in run["results"].as_array().unwrap() {
            let idx = res["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], res["ruleId"]);
            assert!(res["message"]["text"].is_string());
            let loc = &res["locations"][0]["physicalLocation"];
            assert_eq!(loc["artifactLocation"]["uri"], "policies/demo.guard");
            assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
            assert!(res["partialFingerprints"]["guardc/v1"].is_string());
        }
    }

    #[test]
    fn uris_are_relative_encoded_or_file_urls() {
        assert_eq!(artifact("./a b/c#.guard")["uri"], "a%20b/c%23.guard");
        assert_eq!(artifact("/abs/x.guard")["uri"], "file:///abs/x.guard");
        assert_eq!(artifact("C:\\w\\x.guard")["uri"], "file:///C:/w/x.guard");
        let std = artifact("std::labels");
        assert_eq!(std["uri"], "std/labels.guard");
        assert_eq!(std["uriBaseId"], STDLIB_BASE);
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(
            rule_name("Unknown standard-library module or item"),
            "UnknownStandardLibraryModuleOrItem"
        );
        assert_eq!(
            rule_name("`has` on a required parameter"),
            "HasOnARequiredParameter"
        );
    }

    #[test]
    fn identical_findings_get_distinct_fingerprints() {
        let (map, file) = fixture::sources();
        let d = fixture::diagnostics(file).remove(1);
        let text = sarif(&map, &[d.clone(), d], &fixture::run());
        let log: Value = serde_json::from_str(&text).unwrap();
        let fp =
            |i: usize| log["runs"][0]["results"][i]["partialFingerprints"]["guardc/v1"].clone();
        assert_ne!(fp(0), fp(1));
    }
}
