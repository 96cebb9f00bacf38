//! What comes back from the server for a decided request: `tools/list`
//! results are filtered ([`crate::visibility`]), and tool results are
//! checked against the output rules of the result channel.
//!
//! A tool result maps to output events on the configured result channel
//! (`--result-channel C`): each `text` content item is the event
//! `{"output": C, "text": ...}`, and so is the `text` of each embedded
//! `resource` item and the compact JSON of `structuredContent`. Redactions
//! rewrite the text before the client sees it; a redacted
//! `structuredContent` is read back from the redacted JSON text (clients
//! validate it against the tool's output schema, so it cannot simply be
//! dropped), and when that text no longer parses the whole result is
//! withheld. A denied (or
//! escalated: outputs are not parked) item withholds the whole result: the
//! client gets an `isError` result naming the decision instead. Images,
//! audio and blobs are not text and pass unchecked.
//!
//! Result labels need nothing here: the runtime adds a tool's labels to
//! the context when it allows the call, before the call is forwarded, so
//! the next call is decided in the tainted context whatever the server
//! answers.

use serde_json::{json, Value};

use super::{Action, Enforcer, Mode};
use crate::jsonrpc;
use crate::log::decision_id;
use crate::problem::Source;

impl Enforcer<'_> {
    /// A `tools/list` response: drops the tools no rule can allow.
    pub(super) fn filter_tools(&mut self, raw: &str, result: &str) -> Action {
        let Ok(result) = serde_json::from_str::<Value>(result) else {
            return Action::Forward;
        };
        let Some(tools) = result.get("tools").and_then(Value::as_array) else {
            return Action::Forward;
        };
        let shows = |t: &Value| {
            t.get("name").and_then(Value::as_str).is_some_and(|n| {
                self.visibility
                    .shows(&format!("{}{}", self.options.tool_prefix, n))
            })
        };
        if tools.iter().all(shows) {
            return Action::Forward;
        }
        let Ok(mut msg) = serde_json::from_str::<Value>(raw) else {
            return Action::Forward;
        };
        if let Some(Value::Array(tools)) = msg.pointer_mut("/result/tools") {
            let kept: Vec<Value> = tools.drain(..).filter(|t| shows(t)).collect();
            *tools = kept;
        }
        Action::Rewrite(msg.to_string())
    }

    /// A `tools/call` result, under the result channel's output rules.
    pub(super) fn check_result(&mut self, tool: &str, id: &Value, result: &str) -> Action {
        let Some(channel) = self.options.result_channel.clone() else {
            return Action::Forward;
        };
        let Ok(mut result) = serde_json::from_str::<Value>(result) else {
            // Cannot happen (the envelope parsed); withhold all the same.
            self.error(
                Source::Server,
                "a tools/call result that is not JSON; withheld",
            );
            return Action::Rewrite(jsonrpc::result_response(
                id,
                jsonrpc::tool_error("guardc proxy: the result could not be read; withheld"),
            ));
        };
        let mut changed = false;
        let mut withheld: Option<String> = None;
        // Each text, in order: content items, then structured content.
        let mut texts: Vec<(String, String)> = Vec::new();
        if let Some(items) = result.get("content").and_then(Value::as_array) {
            for (i, item) in items.iter().enumerate() {
                if let Some(t) = item.get("text").and_then(Value::as_str) {
                    texts.push((format!("/content/{i}/text"), t.to_owned()));
                }
                if let Some(t) = item.pointer("/resource/text").and_then(Value::as_str) {
                    texts.push((format!("/content/{i}/resource/text"), t.to_owned()));
                }
            }
        }
        if let Some(s) = result.get("structuredContent") {
            texts.push(("/structuredContent".to_owned(), s.to_string()));
        }
        for (pointer, t) in texts {
            let input = json!({"output": channel, "text": t.as_str()});
            let Some((d, ns)) = self.decide(&input) else {
                withheld = Some("the result could not be decided".to_owned());
                break;
            };
            let did = decision_id();
            let shadow = self.options.mode == Mode::Shadow;
            let executes = d.is_allow();
            if let (Some(ticket), false) = (d.ticket, executes) {
                // Outputs are not parked: an escalated result is withheld
                // and its ticket dropped.
                let _ = self.session.reject(ticket);
            }
            self.record(&did, input, &d, None, shadow || executes, ns, tool, id);
            if !executes {
                withheld = Some(format!(
                    "Guard policy `{}` withheld the result of `{tool}` (decision {did}).\n{}",
                    self.policy.name(),
                    d.explain(self.policy).trim_end()
                ));
                break;
            }
            if !d.redactions.is_empty() && self.text != t {
                changed = true;
                let value = if pointer == "/structuredContent" {
                    match serde_json::from_str::<Value>(&self.text) {
                        Ok(v) => v,
                        Err(_) => {
                            withheld = Some(format!(
                                "Guard policy `{}` withheld the result of `{tool}` (decision {did}): a redaction left its structured content unreadable.",
                                self.policy.name()
                            ));
                            break;
                        }
                    }
                } else {
                    Value::String(self.text.clone())
                };
                if let Some(slot) = result.pointer_mut(&pointer) {
                    *slot = value;
                }
            }
        }
        if self.options.mode == Mode::Shadow {
            return Action::Forward;
        }
        if let Some(text) = withheld {
            return Action::Rewrite(jsonrpc::result_response(id, jsonrpc::tool_error(&text)));
        }
        if !changed {
            return Action::Forward;
        }
        // Built afresh rather than patched into the server's message, so
        // no path can forward the unredacted text.
        Action::Rewrite(jsonrpc::result_response(id, result))
    }
}
