//! A server's `tools/list` result as a model: each tool's name,
//! description, annotations and parameters, with each parameter's JSON
//! Schema reduced to the JSON-level type a call's argument must have.
//!
//! A file may hold the whole JSON-RPC response, its `result` object, or a
//! bare array of tools, because that is what people save: the response
//! from a log, the result from an inspector, the array from a README. The
//! reduction is deliberately small: Guard's parameter types are booleans,
//! integers, strings (with enums), lists of those and opaque JSON, so every
//! schema that says more than that becomes [`ParamType::Any`], which the
//! importer declares as `json` and the manifest check accepts anything for.

use serde_json::{Map, Value};

use super::{code, McpError};

/// One tool as the server describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerTool {
    pub name: String,
    pub description: Option<String>,
    pub params: Vec<ServerParam>,
    /// `annotations.readOnlyHint`, `destructiveHint`, `openWorldHint`
    /// when the server states them.
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub open_world: Option<bool>,
}

/// One property of a tool's `inputSchema`, in the schema's order.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerParam {
    pub name: String,
    pub description: Option<String>,
    pub ty: ParamType,
    pub required: bool,
}

/// The JSON-level type of an argument.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamType {
    Bool,
    Int,
    /// JSON Schema `number`: may be fractional.
    Number,
    /// A string; `format` as the schema gives it (`uri`, `date-time`, ...).
    Str {
        format: Option<String>,
    },
    /// A string that must be one of these.
    Enum(Vec<String>),
    List(Box<ParamType>),
    /// Anything else (objects, unions, nullable values, no `type`); the
    /// text says what, for the comment the importer writes.
    Any(String),
}

/// Reads a saved `tools/list` answer. `name` locates errors.
pub fn parse_file(name: &str, text: &str) -> Result<Vec<ServerTool>, McpError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        McpError::new(
            code::BAD_JSON,
            format!("{name}:{}:{}", e.line(), e.column()),
            format!("not valid JSON: {e}"),
        )
    })?;
    let (tools, pointer) = tools_array(name, &value)?;
    parse_tools(name, &pointer, tools)
}

/// Finds the array of tools in a response, a result or a bare array, and
/// the JSON pointer it sits at.
fn tools_array<'v>(name: &str, value: &'v Value) -> Result<(&'v [Value], String), McpError> {
    let shape = |pointer: &str, message: String| {
        McpError::new(code::BAD_SHAPE, format!("{name}: at `{pointer}`"), message)
    };
    match value {
        Value::Array(items) => Ok((items, String::new())),
        Value::Object(obj) => {
            if let Some(error) = obj.get("error") {
                let message = error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("no message");
                return Err(shape(
                    "/error",
                    format!("the file holds a JSON-RPC error response, not tools: {message}"),
                ));
            }
            let (result, base) = match obj.get("result") {
                Some(r) => (r, "/result"),
                None => (value, ""),
            };
            match result.get("tools") {
                Some(Value::Array(items)) => Ok((items, format!("{base}/tools"))),
                Some(_) => Err(shape(
                    &format!("{base}/tools"),
                    "`tools` is not an array".into(),
                )),
                None => Err(shape(
                    if base.is_empty() { "" } else { base },
                    "expected a `tools/list` response, its `result` (an object with `tools`) or an array of tools".into(),
                )),
            }
        }
        _ => Err(shape(
            "",
            "expected a `tools/list` response, its `result` or an array of tools".into(),
        )),
    }
}

/// Reads the tools of a `tools/list` result page (also the client's entry
/// point, with `location` naming the server).
pub fn parse_tools(
    location: &str,
    base: &str,
    items: &[Value],
) -> Result<Vec<ServerTool>, McpError> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_tool(location, &format!("{base}/{i}"), item))
        .collect()
}

fn parse_tool(location: &str, pointer: &str, item: &Value) -> Result<ServerTool, McpError> {
    let shape = |at: &str, message: &str| {
        McpError::new(
            code::BAD_SHAPE,
            format!("{location}: at `{pointer}{at}`"),
            message.to_string(),
        )
    };
    let Some(obj) = item.as_object() else {
        return Err(shape("", "a tool must be an object"));
    };
    let Some(name) = obj.get("name").and_then(Value::as_str) else {
        return Err(shape("/name", "a tool needs a string `name`"));
    };
    let description = optional_str(obj, "description")
        .map_err(|()| shape("/description", "`description` must be a string"))?;
    let schema = match obj.get("inputSchema") {
        Some(Value::Object(s)) => s,
        Some(_) => return Err(shape("/inputSchema", "`inputSchema` must be an object")),
        None => return Err(shape("/inputSchema", "a tool needs an `inputSchema`")),
    };
    let required: Vec<&str> = match schema.get("required") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        Some(_) => {
            return Err(shape(
                "/inputSchema/required",
                "`required` must be an array of names",
            ))
        }
    };
    let params = match schema.get("properties") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(props)) => props
            .iter()
            .map(|(pname, pschema)| ServerParam {
                name: pname.clone(),
                description: pschema
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                ty: param_type(pschema),
                required: required.contains(&pname.as_str()),
            })
            .collect(),
        Some(_) => {
            return Err(shape(
                "/inputSchema/properties",
                "`properties` must be an object",
            ))
        }
    };
    let hint = |key: &str| {
        obj.get("annotations")
            .and_then(|a| a.get(key))
            .and_then(Value::as_bool)
    };
    Ok(ServerTool {
        name: name.to_string(),
        description,
        params,
        read_only: hint("readOnlyHint"),
        destructive: hint("destructiveHint"),
        open_world: hint("openWorldHint"),
    })
}

fn optional_str(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, ()> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(()),
    }
}

/// Reduces one property's schema to a [`ParamType`].
pub fn param_type(schema: &Value) -> ParamType {
    let Some(obj) = schema.as_object() else {
        // `true` (anything) or a malformed schema: nothing to rely on.
        return ParamType::Any("a schema that is not an object".into());
    };
    if let Some(Value::Array(values)) = obj.get("enum") {
        let strings: Option<Vec<String>> = values
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect();
        if let Some(variants) = strings.filter(|v| !v.is_empty()) {
            return ParamType::Enum(variants);
        }
    }
    if let Some(Value::String(c)) = obj.get("const") {
        return ParamType::Enum(vec![c.clone()]);
    }
    for union in ["anyOf", "oneOf", "allOf"] {
        if obj.contains_key(union) {
            return ParamType::Any(format!("`{union}` in the schema"));
        }
    }
    match obj.get("type") {
        Some(Value::String(t)) => match t.as_str() {
            "boolean" => ParamType::Bool,
            "integer" => ParamType::Int,
            "number" => ParamType::Number,
            "string" => ParamType::Str {
                format: obj
                    .get("format")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            },
            "array" => match obj.get("items") {
                Some(items) => match param_type(items) {
                    ParamType::Any(why) => {
                        ParamType::Any(format!("an array of structured items ({why})"))
                    }
                    ParamType::List(_) => ParamType::Any("an array of arrays".into()),
                    element => ParamType::List(Box::new(element)),
                },
                None => ParamType::Any("an array without `items`".into()),
            },
            "object" => ParamType::Any("an object".into()),
            "null" => ParamType::Any("`null`".into()),
            other => ParamType::Any(format!("the unknown type `{other}`")),
        },
        Some(Value::Array(_)) => ParamType::Any("a union of types".into()),
        _ => ParamType::Any("no `type`".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_three_file_shapes_read_the_same() {
        let tool = json!({"name": "echo", "inputSchema": {"type": "object",
            "properties": {"message": {"type": "string"}}, "required": ["message"]}});
        let bare = json!([tool]).to_string();
        let result = json!({"tools": [tool]}).to_string();
        let response = json!({"jsonrpc": "2.0", "id": 1, "result": {"tools": [tool]}}).to_string();
        let a = parse_file("a", &bare).unwrap();
        assert_eq!(a, parse_file("b", &result).unwrap());
        assert_eq!(a, parse_file("c", &response).unwrap());
        assert_eq!(a[0].params[0].name, "message");
        assert!(a[0].params[0].required);
    }

    #[test]
    fn errors_carry_code_and_location() {
        let e = parse_file("t.json", "{\n  \"tools\": [1,]\n}").unwrap_err();
        assert_eq!(e.code, code::BAD_JSON);
        assert!(e.location.starts_with("t.json:2:"), "{e}");
        let e = parse_file("t.json", r#"{"result": {"tools": [{"name": 3}]}}"#).unwrap_err();
        assert_eq!(e.code, code::BAD_SHAPE);
        assert_eq!(e.location, "t.json: at `/result/tools/0/name`");
        let e = parse_file("t.json", r#"{"error": {"code": -1, "message": "boom"}}"#).unwrap_err();
        assert!(e.message.contains("boom"), "{e}");
        let e = parse_file("t.json", "42").unwrap_err();
        assert_eq!(e.code, code::BAD_SHAPE);
    }

    #[test]
    fn schemas_reduce_to_argument_types() {
        assert_eq!(param_type(&json!({"type": "integer"})), ParamType::Int);
        assert_eq!(
            param_type(&json!({"type": "string", "enum": ["a", "b"]})),
            ParamType::Enum(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            param_type(&json!({"type": "array", "items": {"type": "boolean"}})),
            ParamType::List(Box::new(ParamType::Bool))
        );
        assert!(matches!(
            param_type(&json!({"type": "array", "items": {"type": "object"}})),
            ParamType::Any(_)
        ));
        assert!(matches!(
            param_type(&json!({"type": ["string", "null"]})),
            ParamType::Any(_)
        ));
        assert!(matches!(
            param_type(&json!({"anyOf": []})),
            ParamType::Any(_)
        ));
    }
}
