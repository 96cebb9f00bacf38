//! Fuzz target: any bytes, read as (lossy) UTF-8, through the whole
//! compiler: load, resolve, type-check and lint; then, for programs without
//! errors, lowering, code generation and the runtime's loader, which must
//! accept every image the compiler emits. The formatter runs on every input
//! that parses. Imports resolve to nothing, so no input reaches the disk.
//!
//! Besides "never panics", it checks that every diagnostic span lies inside
//! its file on character boundaries.

#![no_main]

use std::path::Path;

use guard_check::FileSystem;
use libfuzzer_sys::fuzz_target;

struct NoFiles;

impl FileSystem for NoFiles {
    fn read_to_string(&self, _: &Path) -> std::io::Result<String> {
        Err(std::io::Error::new(std::io::ErrorKind::NotFound, "fuzzing"))
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let checked = guard_check::check_source("fuzz.guard", &text, &NoFiles);
    for d in &checked.diagnostics {
        let spans = std::iter::once(d.primary.span)
            .chain(d.secondary.iter().map(|l| l.span))
            .chain(d.fixes.iter().map(|f| f.span));
        for span in spans {
            let Some(file) = checked.sources.get(span.file) else {
                panic!("{} names an unknown file", d.code);
            };
            let (s, e) = (span.start as usize, span.end as usize);
            assert!(s <= e && e <= file.text.len(), "{} span outside file", d.code);
            assert!(
                file.text.is_char_boundary(s) && file.text.is_char_boundary(e),
                "{} span splits a character",
                d.code
            );
        }
    }
    let _ = guard_diagnostics::render::human(&checked.sources, &checked.diagnostics, false);
    for policy in &checked.policies {
        let Some(program) = &policy.program else { continue };
        let options = guard_codegen::Options { strip: false };
        if let Ok(bytes) = guard_codegen::build(program, &checked.sources, options) {
            if let Err(e) = guard_runtime::Policy::load(&bytes) {
                panic!("the runtime rejects a compiled image: {e}");
            }
        }
    }
    let _ = guard_fmt::format(guard_diagnostics::FileId(0), &text);
});
