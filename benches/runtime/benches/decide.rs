//! The decision benchmark (criterion); being built, see `README.md`.

fn main() {}
