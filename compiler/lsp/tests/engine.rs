//! Engine behaviour that the fixture snapshots (tests/tests/lsp.rs) do not
//! show well: incremental edits in both encodings, diagnostics of
//! imported files, unsaved imports, and rename across open documents.

use std::path::PathBuf;

use guard_lsp::{Encoding, Engine, MemoryFs};
use lsp_types::{Position, Range, TextDocumentContentChangeEvent, Url};

fn url(s: &str) -> Url {
    match Url::parse(s) {
        Ok(u) => u,
        Err(e) => panic!("bad URL {s}: {e}"),
    }
}

fn edit(l1: u32, c1: u32, l2: u32, c2: u32, text: &str) -> TextDocumentContentChangeEvent {
    TextDocumentContentChangeEvent {
        range: Some(Range::new(Position::new(l1, c1), Position::new(l2, c2))),
        range_length: None,
        text: text.into(),
    }
}

fn engine(files: &[(&str, &str)]) -> Engine {
    let mut fs = MemoryFs::default();
    for (p, t) in files {
        fs.files.insert(PathBuf::from(p), (*t).to_string());
    }
    Engine::new(Box::new(fs), PathBuf::from("/guard-stdlib"))
}

#[test]
fn incremental_edits_count_utf16_units_or_bytes() {
    let u = url("file:///p/a.guard");
    let mut e = engine(&[]);
    e.open(u.clone(), "// 😀é\nallow x;\n".into(), 1);
    // UTF-16: the emoji is two units and "é" one, so column 6 is the end.
    e.change(&u, 2, vec![edit(0, 6, 0, 6, "!"), edit(1, 6, 1, 7, "y")]);
    assert_eq!(e.text(&u), Some("// 😀é!\nallow y;\n"));
    assert_eq!(e.version(&u), Some(2));

    let mut e = engine(&[]);
    e.set_encoding(Encoding::Utf8);
    e.open(u.clone(), "// 😀é\nallow x;\n".into(), 1);
    // UTF-8: the emoji is four bytes and "é" two, so column 9 is the end.
    e.change(&u, 2, vec![edit(0, 9, 0, 9, "!")]);
    assert_eq!(e.text(&u), Some("// 😀é!\nallow x;\n"));
    // A whole-text change replaces everything.
    e.change(
        &u,
        3,
        vec![TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "policy p;\n".into(),
        }],
    );
    assert_eq!(e.text(&u), Some("policy p;\n"));
}

#[test]
fn diagnostics_cover_imported_files_and_unsaved_imports() {
    let main = url("file:///p/main.guard");
    let tools = url("file:///p/tools.guard");
    let mut e = engine(&[("/p/tools.guard", "tool t.x(a: str);\nlabel l\n")]);
    e.open(
        main.clone(),
        "use \"./tools.guard\";\nallow t.x;\n".into(),
        1,
    );
    let all = e.diagnostics();
    // The import's syntax error is reported on the import, which is not open.
    let codes: Vec<_> = all
        .get(&tools)
        .map(|v| v.iter().map(|d| format!("{:?}", d.code)).collect())
        .unwrap_or_default();
    assert_eq!(codes, ["Some(String(\"E0011\"))"], "{all:?}");
    assert_eq!(all.get(&main).map(Vec::len), Some(0), "{all:?}");

    // Opening the import with the fix (unsaved) clears it, and the
    // importer sees the unsaved text.
    e.open(tools.clone(), "tool t.y(a: str);\nlabel l;\n".into(), 1);
    let all = e.diagnostics();
    assert_eq!(all.get(&tools).map(Vec::len), Some(0), "{all:?}");
    let main_codes: Vec<_> = all[&main].iter().map(|d| format!("{:?}", d.code)).collect();
    assert_eq!(main_codes, ["Some(String(\"E0102\"))"], "{all:?}");
}

#[test]
fn rename_reaches_every_open_importer() {
    let a = url("file:///p/a.guard");
    let b = url("file:///p/b.guard");
    let shared = url("file:///p/shared.guard");
    let mut e = engine(&[]);
    e.open(shared.clone(), "gate g { approvers: [\"x\"]; }\n".into(), 1);
    e.open(
        a.clone(),
        "use \"./shared.guard\";\ntool t(p: str);\nescalate t to g;\n".into(),
        1,
    );
    e.open(
        b.clone(),
        "use \"./shared.guard\";\ntool u(p: str);\nescalate u to g;\n".into(),
        1,
    );
    // Rename from the declaring file: both importers change.
    let edit = match e.rename(&shared, Position::new(0, 5), "review") {
        Ok(edit) => edit,
        Err(err) => panic!("rename refused: {}", err.0),
    };
    let changes = edit.changes.unwrap_or_default();
    let mut files: Vec<_> = changes
        .iter()
        .map(|(u, v)| (u.path().to_string(), v.len()))
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            ("/p/a.guard".to_string(), 1),
            ("/p/b.guard".to_string(), 1),
            ("/p/shared.guard".to_string(), 1)
        ]
    );
    // References from an importer find the other importer's use too.
    let refs = e.references(&a, Position::new(2, 14), false);
    assert_eq!(refs.len(), 2, "{refs:?}");
}

#[test]
fn unknown_documents_and_positions_answer_nothing() {
    let e = engine(&[]);
    let u = url("file:///nowhere/x.guard");
    assert!(e.hover(&u, Position::new(0, 0)).is_none());
    assert!(e.completion(&u, Position::new(9, 9)).is_empty());
    assert!(e.formatting(&u).is_err());
    let untitled = url("untitled:Untitled-1");
    let mut e = engine(&[]);
    e.open(untitled.clone(), "allow x".into(), 1);
    let all = e.diagnostics();
    let codes: Vec<_> = all[&untitled]
        .iter()
        .map(|d| format!("{:?}", d.code))
        .collect();
    assert_eq!(codes, ["Some(String(\"E0011\"))"], "{all:?}");
}
