//! `guardc proxy --policy FILE [...] -- SERVER_CMD ARGS...`: puts a policy
//! between an MCP client (our stdin/stdout) and an MCP server (spawned
//! over stdio). This file only loads the policy and reads the flags; the
//! proxy itself is the `guard-proxy` crate (see `docs/proxy.md`).
//!
//! Exit status: 0 when the client closed the stream, 1 when the server
//! exited under the proxy (pending requests were answered with errors),
//! 2 for usage or input errors (policy, attributes, state, log).

use std::time::Duration;

use guard_codegen::Options;
use guard_proxy::approve::Approver;
use guard_proxy::{Attrs, DecisionLog, Enforcer, LogMeta, Mode, StateStore};
use guard_runtime::Policy;

use crate::check::{EXIT_FINDINGS, EXIT_INPUT, EXIT_OK};
use crate::cli::{ProxyArgs, ProxyMode};
use crate::compile::compile;

pub fn run(args: &ProxyArgs) -> u8 {
    match start(args) {
        Ok(code) => code,
        Err(message) => {
            guard_proxy::problem::report(guard_proxy::problem::Source::Proxy, &message);
            EXIT_INPUT
        }
    }
}

fn start(args: &ProxyArgs) -> Result<u8, String> {
    let path = &args.policy;
    let bytes = if path.extension().is_some_and(|e| e == "gbc") {
        std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?
    } else {
        match compile(path, Options::default()) {
            Ok((bytes, _, _)) => bytes,
            Err(_) => return Err(format!("`{}` does not compile", path.display())),
        }
    };
    let policy = Policy::load(&bytes)
        .map_err(|e| format!("`{}` is not a valid policy image: {e}", path.display()))?;
    // The proxy's threads hold the session until the process exits (the
    // one reading stdin cannot be joined), so the policy lives as long.
    let policy: &'static Policy = Box::leak(Box::new(policy));
    let attrs = Attrs::parse(policy, &args.attrs)?;
    let session = match (&args.session, &args.state_dir) {
        (Some(s), _) => s.clone(),
        // One state directory, one session, unless told otherwise.
        (None, Some(_)) => "default".to_owned(),
        (None, None) => guard_proxy::log::decision_id(),
    };
    let state = match &args.state_dir {
        Some(dir) => Some(StateStore::open(dir, &session)?),
        None => None,
    };
    let log = match &args.log {
        None => None,
        Some(p) if p.as_os_str() == "-" => Some(DecisionLog::new(
            Box::new(std::io::stderr()),
            args.log_redact.clone(),
        )?),
        Some(p) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|e| format!("cannot open the decision log `{}`: {e}", p.display()))?;
            Some(DecisionLog::new(Box::new(file), args.log_redact.clone())?)
        }
    };
    if log.is_none() && !args.log_redact.is_empty() {
        return Err("--log-redact needs --log".into());
    }
    let approver = match (&args.approver, &args.approvals) {
        (Some(cmd), None) => Approver::Command(cmd.clone()),
        (None, Some(addr)) => Approver::Http(*addr),
        (None, None) => Approver::None,
        (Some(_), Some(_)) => return Err("give --approver or --approvals, not both".into()),
    };
    let revision = guard_proxy::revision::revision(&bytes);
    let meta = LogMeta {
        path: format!("guard/{}", policy.name()),
        revision: revision.clone(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        session: session.clone(),
        attrs: attrs.to_json(),
        mcp_session: None,
    };
    let options = guard_proxy::Options {
        mode: match args.mode {
            ProxyMode::Enforce => Mode::Enforce,
            ProxyMode::Shadow => Mode::Shadow,
        },
        tool_prefix: args.tool_prefix.clone().unwrap_or_default(),
        result_channel: args.result_channel.clone(),
        default_approval_timeout: args.approval_timeout.map(Duration::from_secs),
    };
    if let (Some(listen), Some(upstream)) = (args.listen, &args.upstream) {
        // One enforcer per MCP session, each with a session id of its own
        // in the log. A state file is per session too, and Streamable
        // HTTP session ids do not survive a restart, so --state-dir has
        // nothing to resume here.
        if state.is_some() {
            return Err("--state-dir is not supported with --listen (HTTP sessions do not survive a restart)".into());
        }
        let make = || {
            let mut meta = meta.clone();
            meta.session = guard_proxy::log::decision_id();
            Enforcer::new(policy, &attrs, options.clone(), meta, log.clone(), None)
        };
        let http = guard_proxy::http::HttpOptions {
            listen,
            listen_any: args.listen_any,
            upstream: upstream.clone(),
            approver,
        };
        eprintln!(
            "guardc proxy: policy `{}` (revision {}), mode {}",
            policy.name(),
            revision.get(..12).unwrap_or(&revision),
            options.mode.word(),
        );
        guard_proxy::http::run(&make, http)?;
        return Ok(EXIT_OK);
    }
    let resumed = state.as_ref().map(|s| s.path().exists()).unwrap_or(false);
    let enforcer = Enforcer::new(policy, &attrs, options, meta, log, state)?;
    eprintln!(
        "guardc proxy: policy `{}` (revision {}), session `{session}` ({}), mode {}",
        policy.name(),
        revision.get(..12).unwrap_or(&revision),
        if resumed { "resumed" } else { "new" },
        match args.mode {
            ProxyMode::Enforce => "enforce",
            ProxyMode::Shadow => "shadow",
        },
    );
    match guard_proxy::stdio::run(enforcer, &args.server, approver) {
        Ok(()) => Ok(EXIT_OK),
        Err(message) => {
            guard_proxy::problem::report(guard_proxy::problem::Source::Proxy, &message);
            Ok(EXIT_FINDINGS)
        }
    }
}
