//! Which tools `tools/list` shows. The runtime cannot tell cheaply
//! whether some call could be allowed (that is the verifier's question),
//! so the proxy hides exactly the tools whose every call is certainly
//! denied, judged from the image's rules alone:
//!
//! * tools the policy does not declare (under `--tool-prefix`): the
//!   runtime denies them as unknown;
//! * declared tools with an unconditional `deny` rule (`deny t;` with no
//!   `when`), which nothing can override;
//! * declared tools that no `allow` or `escalate` rule targets, under
//!   `default deny`.
//!
//! Every other tool is listed, even if its conditions happen to deny
//! every call in practice. Hiding is a courtesy to the model, not the
//! enforcement: a hidden tool called anyway is still decided, and denied.

use std::collections::HashSet;

use guard_runtime::model::Verdict;
use guard_runtime::Policy;

/// The policy tools that `tools/list` may show.
#[derive(Debug, Clone, Default)]
pub struct Visibility {
    visible: HashSet<String>,
}

impl Visibility {
    pub fn of(policy: &Policy) -> Visibility {
        let image = policy.image();
        let visible = image
            .tools
            .iter()
            .zip(policy.tool_names())
            .filter(|(t, _)| {
                let always_denied = t
                    .rules
                    .iter()
                    .any(|r| r.verdict == Verdict::Deny && r.guard.is_none());
                let may_pass =
                    image.default_allow || t.rules.iter().any(|r| r.verdict != Verdict::Deny);
                !always_denied && may_pass
            })
            .map(|(_, name)| name.to_owned())
            .collect();
        Visibility { visible }
    }

    /// Whether policy tool `name` is listed.
    pub fn shows(&self, name: &str) -> bool {
        self.visible.contains(name)
    }
}
