//! Keeps the runtime's error codes (E0410–E0499) and their explanations
//! honest. The runtime does not depend on the compiler, so its codes are
//! strings (`LoadError::code` and friends) and the registry
//! (`guard_diagnostics::Code`) lists them a second time; and no Guard
//! source triggers them, so `explanations.rs` cannot check their examples.
//! This file does both jobs:
//!
//! * the codes the runtime returns and the runtime codes in the registry
//!   are the same set (each error variant is constructed here, and the
//!   runtime's sources are scanned for code literals, so a new variant
//!   cannot slip past);
//! * every example in an explanation is run against the real runtime and
//!   must print exactly what the explanation shows:
//!   - a ```console block: each `$ COMMAND` runs under `sh` in a scratch
//!     directory holding the explanation's first ```guard block as
//!     `policy.guard` and its first ```jsonl block as `events.jsonl`, with
//!     the built `guardc` first on `PATH`; the lines after the command are
//!     its output (stdout, then stderr);
//!   - a byte recipe ("Setting byte N to `0xXX`" and recomputing the
//!     checksum): applied to the image `guardc build` writes for the
//!     policy, after which `guardc disasm` must print the ```text block;
//!   - the host-API examples (sessions and snapshots), replayed here with
//!     `guard_runtime` and compared with the ```text block.
//!
//! A few image codes need an image that no short recipe produces (a table
//! with 256 parameters, a stack 65 deep); [`NO_RECIPE`] lists them, and
//! for them only the shown message's code is checked.

use std::collections::BTreeSet;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;

use guard_diagnostics::Code;
use guard_runtime::{Arg, EventError, LoadError, Policy, Session, SessionError, TicketError};

type Res<T> = Result<T, Box<dyn Error>>;

/// Image codes whose explanation shows the message but no recipe: the
/// images need many items or deep nesting. Kept exact, so that a recipe
/// added later (or one lost) shows up here.
const NO_RECIPE: &[&str] = &[
    "E0423", "E0431", "E0432", "E0439", "E0445", "E0446", "E0447",
];

/// Codes whose example is the host API, replayed by [`api_example`].
const API_EXAMPLES: &[&str] = &["E0450", "E0453", "E0454", "E0455"];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

// ------------------------------------------------------------ the code sets

/// One value of every runtime error variant. The `match`es make this fail
/// to compile when a variant is added, until it is added here too.
fn every_runtime_error() -> Vec<(&'static str, String)> {
    let at = guard_runtime::error::At::item(guard_runtime::error::Item::Policy);
    let load = [
        LoadError::BadMagic,
        LoadError::UnsupportedVersion { version: 2 },
        LoadError::UnknownFlags { flags: 4 },
        LoadError::Truncated { offset: 0 },
        LoadError::TrailingBytes { offset: 0 },
        LoadError::BadChecksum {
            expected: 0,
            actual: 1,
        },
        LoadError::UnknownSection { offset: 0, id: 14 },
        LoadError::SectionOrder { offset: 0, id: 1 },
        LoadError::MissingSection { id: 2 },
        LoadError::ReservedBytes { offset: 0 },
        LoadError::SectionLength { offset: 0 },
        LoadError::BadUtf8 { offset: 0 },
        LoadError::BadTag {
            offset: 0,
            what: "type",
            tag: 9,
        },
        LoadError::TooDeep { offset: 0 },
        LoadError::Index {
            what: "string",
            index: 1,
            len: 0,
            at,
        },
        LoadError::TooMany {
            what: "tools",
            count: 2,
            max: 1,
        },
        LoadError::Duplicate {
            what: "tool",
            name: "t".into(),
            at,
        },
        LoadError::BadBlock { at },
        LoadError::BadOpcode { byte: 0xff, at },
        LoadError::TruncatedInstruction { at },
        LoadError::BadJump { at },
        LoadError::Unreachable { at },
        LoadError::StackUnderflow { at },
        LoadError::StackOverflow { at },
        LoadError::StackMismatch { at },
        LoadError::TypeMismatch { op: "add", at },
        LoadError::MissingRet { at },
        LoadError::BadReturn { at },
        LoadError::WrongContext {
            op: "load.text",
            at,
        },
        LoadError::BadConst { why: "x", at },
        LoadError::BadState { why: "x", at },
        LoadError::BadType { why: "x", at },
        LoadError::Regex {
            message: "x".into(),
            at,
        },
    ];
    let session = [
        SessionError::UnknownAttribute { name: "a".into() },
        SessionError::DuplicateAttribute { name: "a".into() },
        SessionError::AttributeValue { name: "a".into() },
        SessionError::SnapshotFormat { offset: 0 },
        SessionError::ForeignSnapshot {
            expected: 0,
            actual: 1,
        },
        SessionError::SnapshotCorrupt { offset: 0 },
    ];
    let ticket = [TicketError::UnknownTicket, TicketError::EventMismatch];
    let event = [
        EventError::Syntax {
            line: 1,
            column: 1,
            offset: 0,
            message: "x".into(),
        },
        EventError::NotAnObject,
        EventError::UnknownField { field: "x".into() },
        EventError::MissingField { field: "tool" },
        EventError::FieldType { field: "tool" },
    ];
    let mut out = Vec::new();
    for e in &load {
        // Exhaustive on purpose (see the function's doc).
        match e {
            LoadError::BadMagic
            | LoadError::UnsupportedVersion { .. }
            | LoadError::UnknownFlags { .. }
            | LoadError::Truncated { .. }
            | LoadError::TrailingBytes { .. }
            | LoadError::BadChecksum { .. }
            | LoadError::UnknownSection { .. }
            | LoadError::SectionOrder { .. }
            | LoadError::MissingSection { .. }
            | LoadError::ReservedBytes { .. }
            | LoadError::SectionLength { .. }
            | LoadError::BadUtf8 { .. }
            | LoadError::BadTag { .. }
            | LoadError::TooDeep { .. }
            | LoadError::Index { .. }
            | LoadError::TooMany { .. }
            | LoadError::Duplicate { .. }
            | LoadError::BadBlock { .. }
            | LoadError::BadOpcode { .. }
            | LoadError::TruncatedInstruction { .. }
            | LoadError::BadJump { .. }
            | LoadError::Unreachable { .. }
            | LoadError::StackUnderflow { .. }
            | LoadError::StackOverflow { .. }
            | LoadError::StackMismatch { .. }
            | LoadError::TypeMismatch { .. }
            | LoadError::MissingRet { .. }
            | LoadError::BadReturn { .. }
            | LoadError::WrongContext { .. }
            | LoadError::BadConst { .. }
            | LoadError::BadState { .. }
            | LoadError::BadType { .. }
            | LoadError::Regex { .. } => out.push((e.code(), e.to_string())),
        }
    }
    for e in &session {
        match e {
            SessionError::UnknownAttribute { .. }
            | SessionError::DuplicateAttribute { .. }
            | SessionError::AttributeValue { .. }
            | SessionError::SnapshotFormat { .. }
            | SessionError::ForeignSnapshot { .. }
            | SessionError::SnapshotCorrupt { .. } => out.push((e.code(), e.to_string())),
        }
    }
    for e in &ticket {
        match e {
            TicketError::UnknownTicket | TicketError::EventMismatch => {
                out.push((e.code(), e.to_string()));
            }
        }
    }
    for e in &event {
        match e {
            EventError::Syntax { .. }
            | EventError::NotAnObject
            | EventError::UnknownField { .. }
            | EventError::MissingField { .. }
            | EventError::FieldType { .. } => out.push((e.code(), e.to_string())),
            // Carries a ticket code, constructed above.
            EventError::Ticket(_) => {}
        }
    }
    out
}

/// Every `"E04NN"` literal in the runtime's sources: the arms of the
/// `code()` functions.
fn code_literals_in_runtime() -> Res<BTreeSet<String>> {
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(workspace_root().join("runtime/src"))? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        for (i, _) in text.match_indices("\"E04") {
            // `"E04NN"`: a quote, five characters, a quote.
            let Some(code) = text.get(i + 1..i + 6) else {
                continue;
            };
            if code[3..].bytes().all(|b| b.is_ascii_digit()) && text.get(i + 6..i + 7) == Some("\"")
            {
                found.insert(code.to_string());
            }
        }
    }
    Ok(found)
}

fn registry_runtime_codes() -> BTreeSet<String> {
    Code::ALL
        .iter()
        .filter(|c| c.is_runtime())
        .map(|c| c.as_str().to_string())
        .collect()
}

#[test]
fn runtime_codes_and_registry_agree() -> Res<()> {
    let errors = every_runtime_error();
    let constructed: BTreeSet<String> = errors.iter().map(|(c, _)| c.to_string()).collect();
    // Codes are distinct per variant, and every message starts with its code.
    assert_eq!(constructed.len(), errors.len(), "two variants share a code");
    for (code, message) in &errors {
        assert!(
            message.starts_with(&format!("{code}: ")),
            "`{message}` does not start with its code {code}"
        );
    }
    let scanned = code_literals_in_runtime()?;
    let registry = registry_runtime_codes();
    assert_eq!(
        constructed, scanned,
        "the constructed variants and the code literals in runtime/src differ"
    );
    assert_eq!(
        constructed, registry,
        "the runtime's codes and the registry's E0410–E0499 differ"
    );
    // Each is in the range the registry reserves for the runtime.
    for code in &registry {
        let parsed = Code::parse(code).ok_or("registry code does not parse")?;
        assert!(parsed.is_runtime(), "{code}");
    }
    Ok(())
}

#[test]
fn is_runtime_marks_exactly_e0410_to_e0499() {
    assert!(Code::E0410.is_runtime());
    assert!(Code::E0474.is_runtime());
    assert!(!Code::E0401.is_runtime());
    assert!(!Code::E0501.is_runtime());
    assert!(!Code::E0101.is_runtime());
}

// -------------------------------------------------------------- markdown

/// The fenced blocks of a Markdown text: (info string, body).
fn blocks(markdown: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in markdown.lines() {
        let fence = line.trim_start().strip_prefix("```");
        match (&mut current, fence) {
            (None, Some(info)) => current = Some((info.trim().to_string(), String::new())),
            (None, None) => {}
            (Some(_), Some(_)) => out.extend(current.take()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    out
}

fn first_block<'a>(blocks: &'a [(String, String)], lang: &str) -> Option<&'a str> {
    blocks
        .iter()
        .find(|(info, _)| info == lang)
        .map(|(_, body)| body.as_str())
}

/// The "byte N to `0xXX`" pairs of an explanation, with the text's line
/// breaks read as spaces.
fn byte_recipe(markdown: &str) -> Res<Vec<(usize, u8)>> {
    let flat = markdown.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut pokes = Vec::new();
    for (i, _) in flat.match_indices("byte ") {
        let rest = &flat[i + 5..];
        let Some((offset, rest)) = rest.split_once(" to `0x") else {
            continue;
        };
        let Ok(offset) = offset.parse::<usize>() else {
            continue;
        };
        let hex = rest.get(..2).ok_or("cut-off byte value")?;
        if rest.get(2..3) != Some("`") {
            return Err(format!("byte {offset}: malformed value `0x{hex}...`").into());
        }
        pokes.push((offset, u8::from_str_radix(hex, 16)?));
    }
    Ok(pokes)
}

// ------------------------------------------------------------ running

/// A fresh directory for one explanation, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Res<Scratch> {
        let dir = std::env::temp_dir().join(format!(
            "guardc-runtime-codes-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes the explanation's policy and events into `dir`.
fn stage(dir: &Path, blocks: &[(String, String)]) -> Res<()> {
    if let Some(policy) = first_block(blocks, "guard") {
        std::fs::write(dir.join("policy.guard"), policy)?;
    }
    if let Some(events) = first_block(blocks, "jsonl") {
        std::fs::write(dir.join("events.jsonl"), events)?;
    }
    Ok(())
}

/// Runs one shell command in `dir` with the built `guardc` first on
/// `PATH`; stdout then stderr, as lines.
fn shell(dir: &Path, command: &str) -> Res<Vec<String>> {
    let bin = Path::new(env!("CARGO_BIN_EXE_guardc"));
    let bin_dir = bin.parent().ok_or("guardc has no directory")?;
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin_dir.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    let out = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .env("PATH", std::env::join_paths(paths)?)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(text.lines().map(str::to_string).collect())
}

/// Runs a ```console block; returns how many commands it ran.
fn run_console(code: &str, dir: &Path, block: &str, failures: &mut Vec<String>) -> Res<usize> {
    let mut commands: Vec<(String, Vec<String>)> = Vec::new();
    for line in block.lines() {
        if let Some(cmd) = line.strip_prefix("$ ") {
            commands.push((cmd.to_string(), Vec::new()));
        } else if let Some((_, expected)) = commands.last_mut() {
            expected.push(line.to_string());
        } else {
            failures.push(format!("{code}: console output before any command: {line}"));
        }
    }
    for (cmd, expected) in &commands {
        let actual = shell(dir, cmd)?;
        if &actual != expected {
            failures.push(format!(
                "{code}: `{cmd}`\n  explanation shows:\n    {}\n  actual output:\n    {}",
                expected.join("\n    "),
                actual.join("\n    ")
            ));
        }
    }
    Ok(commands.len())
}

/// Applies the explanation's byte recipe to the policy's image and checks
/// `guardc disasm`'s message against the ```text block.
fn run_recipe(
    code: &str,
    dir: &Path,
    markdown: &str,
    blocks: &[(String, String)],
    failures: &mut Vec<String>,
) -> Res<bool> {
    let pokes = byte_recipe(markdown)?;
    if pokes.is_empty() {
        return Ok(false);
    }
    let built = shell(dir, "guardc build policy.guard")?;
    let mut image = std::fs::read(dir.join("policy.gbc"))
        .map_err(|e| format!("{code}: build failed ({e}): {built:?}"))?;
    let claimed = format!("writes a {}-byte image", image.len());
    if !markdown
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .contains(&claimed)
    {
        failures.push(format!(
            "{code}: the image is {} bytes, not as the explanation says",
            image.len()
        ));
    }
    for (offset, value) in pokes {
        let byte = image
            .get_mut(offset)
            .ok_or_else(|| format!("{code}: byte {offset} is past the image"))?;
        if *byte == value {
            failures.push(format!("{code}: byte {offset} already is 0x{value:02x}"));
        }
        *byte = value;
    }
    // Recompute the checksum, as the explanation says, so that the error
    // is the one the recipe is about and not E0415.
    let crc = guard_runtime::format::crc32(image.get(16..).unwrap_or_default());
    image
        .get_mut(12..16)
        .ok_or("image shorter than its header")?
        .copy_from_slice(&crc.to_le_bytes());
    std::fs::write(dir.join("policy.gbc"), &image)?;
    let actual = shell(dir, "guardc disasm policy.gbc")?;
    let expected: Vec<String> = first_block(blocks, "text")
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    if actual != expected {
        failures.push(format!(
            "{code}: after the recipe, `guardc disasm` prints\n    {}\n  but the explanation shows\n    {}",
            actual.join("\n    "),
            expected.join("\n    ")
        ));
    }
    Ok(true)
}

/// Builds the explanation's policy with `guardc build` and loads it.
fn load_policy(dir: &Path) -> Res<(Vec<u8>, Policy)> {
    let built = shell(dir, "guardc build policy.guard")?;
    let bytes = std::fs::read(dir.join("policy.gbc"))
        .map_err(|e| format!("build failed ({e}): {built:?}"))?;
    let policy = Policy::load(&bytes)?;
    Ok((bytes, policy))
}

/// A session of `policy` that has decided every line of `events`.
fn session_after<'p>(policy: &'p Policy, events: &str) -> Res<Session<'p>> {
    let mut session = Session::new(policy, &[])?;
    let mut out = String::new();
    for line in events.lines().filter(|l| !l.trim().is_empty()) {
        session.decide_json(line, &mut out)?;
    }
    Ok(session)
}

/// Replays the host-API example of `code`; the error's message.
fn api_example(code: &str, dir: &Path, markdown: &str, blocks: &[(String, String)]) -> Res<String> {
    let (image, policy) = load_policy(dir)?;
    let events = first_block(blocks, "jsonl").unwrap_or_default();
    let shows = |needle: &str| -> Res<()> {
        if markdown.contains(needle) {
            Ok(())
        } else {
            Err(format!("{code}: the explanation no longer shows `{needle}`").into())
        }
    };
    let err = match code {
        "E0450" => {
            shows(r#"Session::new(&policy, &[("env", Arg::Str("dev"))])"#)?;
            Session::new(&policy, &[("env", Arg::Str("dev"))]).err()
        }
        "E0453" => {
            shows("Session::restore(&policy, &[], &image)")?;
            Session::restore(&policy, &[], &image).err()
        }
        "E0454" => {
            let rule = r#"deny mail.send when contains(body, "password");"#;
            shows(rule)?;
            let snapshot = session_after(&policy, events)?.snapshot();
            // The changed policy: the rule goes before the `escalate`.
            let source = std::fs::read_to_string(dir.join("policy.guard"))?;
            let at = source
                .find("escalate")
                .ok_or("no `escalate` in the policy")?;
            let changed = format!("{}{rule}\n{}", &source[..at], &source[at..]);
            std::fs::write(dir.join("policy.guard"), changed)?;
            let (_, changed) = load_policy(dir)?;
            Session::restore(&changed, &[], &snapshot).err()
        }
        "E0455" => {
            let mut snapshot = session_after(&policy, events)?.snapshot();
            shows(&format!("the snapshot is {} bytes", snapshot.len()))?;
            shows("(byte 50,")?;
            let byte = snapshot
                .get_mut(50)
                .ok_or("snapshot shorter than 51 bytes")?;
            *byte ^= 0x01;
            Session::restore(&policy, &[], &snapshot).err()
        }
        other => return Err(format!("{other}: no API example is known").into()),
    };
    Ok(err.map_or_else(|| "(no error)".to_string(), |e| e.to_string()))
}

#[test]
fn every_runtime_explanation_example_is_what_the_runtime_does() -> Res<()> {
    let mut failures = Vec::new();
    let mut without_recipe = Vec::new();
    for code in Code::ALL.iter().filter(|c| c.is_runtime()) {
        let code = code.as_str();
        let markdown = Code::parse(code)
            .ok_or("unparsable code")?
            .info()
            .explanation;
        let blocks = blocks(markdown);
        let scratch = Scratch::new(code)?;
        stage(&scratch.0, &blocks)?;

        // The message shown must be this code's.
        let shown = first_block(&blocks, "text")
            .or_else(|| first_block(&blocks, "console"))
            .unwrap_or_default();
        if !shown.contains(&format!("{code}: ")) {
            failures.push(format!("{code}: the example's message is not this code's"));
        }

        let mut ran = 0;
        for (info, body) in &blocks {
            if info == "console" {
                ran += run_console(code, &scratch.0, body, &mut failures)?;
            }
        }
        if run_recipe(code, &scratch.0, markdown, &blocks, &mut failures)? {
            ran += 1;
        }
        if API_EXAMPLES.contains(&code) {
            stage(&scratch.0, &blocks)?;
            let actual = api_example(code, &scratch.0, markdown, &blocks)?;
            let expected = first_block(&blocks, "text").unwrap_or_default().trim_end();
            if actual != expected {
                failures.push(format!(
                    "{code}: the host example gives `{actual}`, the explanation shows `{expected}`"
                ));
            }
            ran += 1;
        }
        if ran == 0 {
            without_recipe.push(code);
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
    assert_eq!(
        without_recipe, NO_RECIPE,
        "the runtime codes whose explanation has no runnable example changed"
    );
    Ok(())
}

#[test]
fn byte_recipes_are_read_across_line_breaks() -> Res<()> {
    let text = "Setting byte 276 to `0x01` and byte\n277 to `0x5f` (and so on)";
    assert_eq!(byte_recipe(text)?, vec![(276, 0x01), (277, 0x5f)]);
    assert!(byte_recipe("the byte 5 to `0xZZ` here").is_err());
    assert!(byte_recipe("no recipe, byte 5 is fine").map(|p| p.is_empty())?);
    Ok(())
}
