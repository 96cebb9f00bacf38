//! Generates the parser from `grammar/guard.lalrpop` at the workspace root.
//! The grammar lives outside the crate (the top-level layout is fixed), so
//! lalrpop reads it from there and writes into `OUT_DIR`, never next to the
//! grammar (which fails on lalrpop 0.23 and would dirty the tree).

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let grammar_dir = manifest.join("../../grammar");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed={}", grammar_dir.display());
    if let Err(err) = lalrpop::Configuration::new()
        .set_in_dir(&grammar_dir)
        .set_out_dir(&out_dir)
        .process()
    {
        eprintln!("lalrpop failed on {}: {err}", grammar_dir.display());
        std::process::exit(1);
    }
}
