//! `guardc build` and `guardc disasm`, and the policy loader that `test`
//! and `eval` share: a `.guard` file is checked and compiled in memory, a
//! `.gbc` file is read as a built image. Either way the bytes then go
//! through `Policy::load`, the same validation every host runs.

use std::path::{Path, PathBuf};

use guard_check::{hir, Checked, RealFs};
use guard_codegen::Options;
use guard_diagnostics::render;
use guard_runtime::Policy;

use crate::check::{stderr_wants_color, EXIT_FINDINGS, EXIT_INPUT, EXIT_OK};
use crate::cli::{BuildArgs, DisasmArgs};

/// A policy ready to run.
pub struct Loaded {
    pub policy: Policy,
}

/// Checks and compiles `path`, printing diagnostics. `Err` is the exit code.
pub fn compile(path: &Path, options: Options) -> Result<(Vec<u8>, hir::Program, Checked), u8> {
    let mut checked = guard_check::check_paths(&[path.to_path_buf()], &RealFs);
    if let Some(e) = checked.io_errors.first() {
        eprintln!("error: cannot read `{}`: {}", e.path.display(), e.error);
        return Err(EXIT_INPUT);
    }
    let color = stderr_wants_color();
    if !checked.diagnostics.is_empty() {
        eprint!(
            "{}",
            render::human(&checked.sources, &checked.diagnostics, color)
        );
    }
    let program = checked.policies.iter_mut().find_map(|p| p.program.take());
    let Some(program) = program else {
        eprintln!("error: `{}` has errors; nothing was built", path.display());
        return Err(EXIT_FINDINGS);
    };
    match guard_codegen::build(&program, &checked.sources, options) {
        Ok(bytes) => Ok((bytes, program, checked)),
        Err(diags) => {
            eprint!("{}", render::human(&checked.sources, &diags, color));
            Err(EXIT_FINDINGS)
        }
    }
}

/// Loads a `.guard` (compiled in memory, with debug info) or a `.gbc`.
pub fn load(path: &Path) -> Result<Loaded, u8> {
    let is_image = path.extension().is_some_and(|e| e == "gbc");
    let bytes = if is_image {
        match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", path.display());
                return Err(EXIT_INPUT);
            }
        }
    } else {
        compile(path, Options::default())?.0
    };
    match Policy::load(&bytes) {
        Ok(policy) => Ok(Loaded { policy }),
        Err(e) => {
            eprintln!(
                "error: `{}` is not a valid policy image: {e}",
                path.display()
            );
            Err(EXIT_INPUT)
        }
    }
}

pub fn run_build(args: &BuildArgs) -> u8 {
    let options = Options { strip: args.strip };
    let (bytes, program, _) = match compile(&args.file, options) {
        Ok(x) => x,
        Err(code) => return code,
    };
    // Validate what we are about to ship exactly as a host will.
    if let Err(e) = Policy::load(&bytes) {
        eprintln!("internal error: the compiled image does not load: {e}");
        return EXIT_FINDINGS;
    }
    let out = args
        .output
        .clone()
        .unwrap_or_else(|| default_output(&args.file));
    if let Err(e) = std::fs::write(&out, &bytes) {
        eprintln!("error: cannot write `{}`: {e}", out.display());
        return EXIT_INPUT;
    }
    eprintln!(
        "built `{}` ({}) → `{}`: {} bytes{}",
        args.file.display(),
        program.name,
        out.display(),
        bytes.len(),
        if args.strip { ", stripped" } else { "" }
    );
    EXIT_OK
}

fn default_output(src: &Path) -> PathBuf {
    src.with_extension("gbc")
}

pub fn run_disasm(args: &DisasmArgs) -> u8 {
    let loaded = match load(&args.file) {
        Ok(l) => l,
        Err(code) => return code,
    };
    print!("{}", guard_runtime::disassemble(loaded.policy.image()));
    EXIT_OK
}
