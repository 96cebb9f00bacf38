//! `guardc`, the Guard policy compiler's command-line interface. Work in
//! progress: subcommands land in follow-up commits.

fn main() {}
