//! The standard library: `.guard` modules under `stdlib/`, embedded in the
//! compiler so `use std::…` never touches the file system and every guardc
//! binary carries exactly the modules it was built with.

/// `(module path, source)` for every stdlib module.
const MODULES: &[(&str, &str)] = &[
    ("std::labels", include_str!("../../../stdlib/labels.guard")),
    (
        "std::effects",
        include_str!("../../../stdlib/effects.guard"),
    ),
    (
        "std::mcp::filesystem",
        include_str!("../../../stdlib/mcp/filesystem.guard"),
    ),
    (
        "std::mcp::fetch",
        include_str!("../../../stdlib/mcp/fetch.guard"),
    ),
    (
        "std::mcp::git",
        include_str!("../../../stdlib/mcp/git.guard"),
    ),
    (
        "std::mcp::github",
        include_str!("../../../stdlib/mcp/github.guard"),
    ),
];

/// The source of a stdlib module, by its path (`std::labels`).
pub fn stdlib_source(module: &str) -> Option<&'static str> {
    MODULES
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, src)| *src)
}

/// Every stdlib module path, in a fixed order.
pub fn stdlib_module_names() -> impl Iterator<Item = &'static str> {
    MODULES.iter().map(|(name, _)| *name)
}
