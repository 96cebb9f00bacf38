//! The disassembler: a stable listing (golden) and totality on corrupt
//! images.
// Tests unwrap: a panic is a failing test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use guard_runtime::disassemble;
use guard_runtime::model::CodeRef;

#[test]
fn example_listing() {
    let text = disassemble(&common::mail_assistant());
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/mail_assistant.txt");
    // UPDATE_GOLDEN=1 rewrites the file; review the diff before committing.
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, want);
}

#[test]
fn corrupt_images_still_disassemble() {
    let mut img = common::mail_assistant();
    img.code.push(0xee);
    let n = img.code.len() as u32;
    img.tools[0].rules[0].guard = Some(CodeRef {
        start: n - 1,
        len: 1,
    });
    img.tools[1].rules[0].guard = Some(CodeRef {
        start: u32::MAX,
        len: 9,
    });
    img.tools[2].params.clear();
    img.strings.truncate(3);
    img.consts
        .push(guard_runtime::model::Const::List(vec![99, 0]));
    let text = disassemble(&img);
    assert!(text.contains("?? 0xee"));
    assert!(text.contains("out of bounds"));
    assert!(text.contains("?str"));
}
