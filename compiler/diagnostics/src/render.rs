//! Renderers that turn diagnostics into text: for people (ariadne), for
//! machines (JSON), for code-scanning services (SARIF 2.1.0) and for GitHub
//! workflow logs. Work in progress: the renderers land in follow-up commits.
