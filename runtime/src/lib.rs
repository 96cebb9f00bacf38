//! The Guard runtime: loads a compiled policy image, validates all of it
//! once, and then decides events — tool calls and outputs — for sessions,
//! allocating nothing per decision.
//!
//! This crate depends on nothing else of Guard's: not the compiler, not
//! z3. `runtime/README.md` documents the image format, the invariants and
//! the measured performance.

pub mod model;
pub mod op;
