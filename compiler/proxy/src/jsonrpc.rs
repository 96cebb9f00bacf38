//! Just enough JSON-RPC 2.0 to route MCP messages: a message is read as
//! an [`Envelope`] of borrowed raw parts (id, method, params, result,
//! error), so nothing the proxy does not change is ever re-serialised,
//! and any field a future protocol revision adds passes through.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

/// JSON-RPC's error codes that the proxy answers with.
pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;

/// One message, by its raw parts. A request has `method` and `id`, a
/// notification `method` only, a response `id` with `result` or `error`.
#[derive(Debug, Deserialize)]
pub struct Envelope<'a> {
    #[serde(borrow, default)]
    pub id: Option<&'a RawValue>,
    #[serde(default)]
    pub method: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    pub params: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub result: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub error: Option<&'a RawValue>,
}

/// What a line of the stream is.
pub enum Parsed<'a> {
    Message(Envelope<'a>),
    /// A JSON array: a batch (JSON-RPC 2.0; MCP 2025-03-26 only).
    Batch,
    /// Not a JSON object (or not JSON at all): the reason.
    Malformed(String),
}

/// Reads one line.
pub fn parse(raw: &str) -> Parsed<'_> {
    let first = raw.trim_start().as_bytes().first().copied();
    if first == Some(b'[') {
        return match serde_json::from_str::<&RawValue>(raw) {
            Ok(_) => Parsed::Batch,
            Err(e) => Parsed::Malformed(format!("invalid JSON: {e}")),
        };
    }
    if first != Some(b'{') {
        return match serde_json::from_str::<&RawValue>(raw) {
            Ok(_) => Parsed::Malformed("a JSON-RPC message is a JSON object".into()),
            Err(e) => Parsed::Malformed(format!("invalid JSON: {e}")),
        };
    }
    match serde_json::from_str::<Envelope<'_>>(raw) {
        Ok(env) => Parsed::Message(env),
        Err(e) => Parsed::Malformed(format!("invalid JSON-RPC message: {e}")),
    }
}

/// The id as a map key: its JSON text as `serde_json` writes it, so the
/// same id always gives the same key (`"\u0041"` and `"A"` alike).
pub fn id_key(id: &RawValue) -> String {
    key_of(&id_value(Some(id)))
}

/// The map key of an id already read.
pub fn key_of(id: &Value) -> String {
    id.to_string()
}

/// The id as a JSON value (`null` when it cannot be read).
pub fn id_value(id: Option<&RawValue>) -> Value {
    id.and_then(|i| serde_json::from_str(i.get()).ok())
        .unwrap_or(Value::Null)
}

/// A success response carrying `result`.
pub fn result_response(id: &Value, result: Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "result": result}).to_string()
}

/// An error response.
pub fn error_response(id: &Value, code: i64, message: &str) -> String {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}).to_string()
}

/// A `CallToolResult` that tells the model the call failed, with `text`.
pub fn tool_error(text: &str) -> Value {
    json!({"content": [{"type": "text", "text": text}], "isError": true})
}
