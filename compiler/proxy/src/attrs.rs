//! Session attributes from `--attr NAME=VALUE`, typed by the policy's
//! declarations (as `guardc eval` reads them): `true`/`false`, integers,
//! strings (enum variants by name, paths, URLs) and comma-separated
//! lists. The runtime checks each value again when the session opens.

use guard_runtime::model::ValueType;
use guard_runtime::{Arg, Policy};
use serde_json::{Map, Value};

/// One attribute value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrValue {
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<String>),
}

/// The attributes a session opens with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attrs(Vec<(String, AttrValue)>);

impl Attrs {
    /// Parses `NAME=VALUE` texts against `policy`'s attribute types.
    pub fn parse(policy: &Policy, texts: &[String]) -> Result<Attrs, String> {
        let mut out = Vec::new();
        for t in texts {
            let Some((name, value)) = t.split_once('=') else {
                return Err(format!("`--attr {t}`: expected NAME=VALUE"));
            };
            let name = name.trim();
            let Some(i) = policy.attr_index(name) else {
                return Err(format!(
                    "`--attr {name}`: the policy has no attribute `{name}`"
                ));
            };
            let ty = policy.image().attrs.get(i).map(|a| &a.ty);
            let v = match ty {
                Some(ValueType::Bool) => value.trim().parse().ok().map(AttrValue::Bool),
                Some(ValueType::Int | ValueType::IntRange(..)) => {
                    value.trim().parse().ok().map(AttrValue::Int)
                }
                Some(ValueType::List(_)) => Some(AttrValue::List(
                    value
                        .split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect(),
                )),
                Some(_) => Some(AttrValue::Str(value.to_owned())),
                None => None,
            };
            let Some(v) = v else {
                return Err(format!(
                    "`--attr {name}={value}`: not a value of the attribute's type"
                ));
            };
            out.push((name.to_owned(), v));
        }
        Ok(Attrs(out))
    }

    /// The attributes as JSON, for the decision log's `context.attrs`.
    pub fn to_json(&self) -> Map<String, Value> {
        self.0
            .iter()
            .map(|(n, v)| {
                let v = match v {
                    AttrValue::Bool(b) => Value::Bool(*b),
                    AttrValue::Int(i) => Value::from(*i),
                    AttrValue::Str(s) => Value::String(s.clone()),
                    AttrValue::List(l) => {
                        Value::Array(l.iter().map(|s| Value::String(s.clone())).collect())
                    }
                };
                (n.clone(), v)
            })
            .collect()
    }

    /// Calls `f` with the attributes as the runtime takes them (borrowed,
    /// so the lists need a home for the duration of the call).
    pub fn with_args<R>(&self, f: impl FnOnce(&[(&str, Arg<'_>)]) -> R) -> R {
        let lists: Vec<Vec<Arg<'_>>> = self
            .0
            .iter()
            .map(|(_, v)| match v {
                AttrValue::List(items) => items.iter().map(|s| Arg::Str(s)).collect(),
                _ => Vec::new(),
            })
            .collect();
        let args: Vec<(&str, Arg<'_>)> = self
            .0
            .iter()
            .zip(&lists)
            .map(|((n, v), l)| {
                let a = match v {
                    AttrValue::Bool(b) => Arg::Bool(*b),
                    AttrValue::Int(i) => Arg::Int(*i),
                    AttrValue::Str(s) => Arg::Str(s),
                    AttrValue::List(_) => Arg::List(l),
                };
                (n.as_str(), a)
            })
            .collect();
        f(&args)
    }
}
