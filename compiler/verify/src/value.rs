//! Concrete values of the verifier's model: what a parameter, attribute,
//! state variable or expression evaluates to. Witness events are built
//! from these, and a trace shows them as the host would send them.

use std::fmt;

/// A value as the rules see it (paths already normalised).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Str(String),
    /// A variant index of the value's enum type.
    Enum(u16),
    List(Vec<Value>),
    /// A `json` argument: only its presence is observable.
    Json,
}

impl Value {
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Guard source syntax for a value; enums print as their index because
/// the variant names live in the policy (see `trace` for named output).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Enum(v) => write!(f, "#{v}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Json => f.write_str("null"),
        }
    }
}
