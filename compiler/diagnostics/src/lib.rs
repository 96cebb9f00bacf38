//! Everything the compiler needs to talk about source text: byte spans with a
//! file id ([`Span`]), the set of loaded files ([`SourceMap`]), the
//! [`Diagnostic`] value every phase returns, the one registry of diagnostic
//! codes with their explanations ([`Code`]), and the renderers that turn
//! diagnostics into text for people (ariadne), machines (JSON), code-scanning
//! services (SARIF 2.1.0) and GitHub workflow logs.
//!
//! Invariant: this crate knows nothing about the language itself. Phases
//! build `Diagnostic`s; renderers only read them and the `SourceMap`.

mod codes;
mod diagnostic;
pub mod render;
mod source;
mod span;

pub use codes::{Code, CodeInfo};
pub use diagnostic::{Diagnostic, Fix, Label, Severity};
pub use source::{LineCol, SourceFile, SourceMap};
pub use span::{FileId, Span};
