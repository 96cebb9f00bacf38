//! The agent policy on Rego (`regorus`): `policies/agent.rego`, evaluated
//! by regorus's tree-walking interpreter ([`RegoInterp`]) and by its
//! register VM, the RVM ([`RegoRvm`]: the same policy compiled to a
//! `Program` once at setup).
//!
//! The input is the event (`{"tool", "args", "tainted", ...}`); the entry
//! point is `data.agent.decision`, an object
//! `{"verdict": "allow" | "deny" | "escalate", "gates": set}`.

use std::sync::Arc;

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::program::Program;
use regorus::rvm::vm::RegoVM;
use regorus::{Engine, Rc, Value};

use crate::{policies, Error, Gates, Result, Verdict};

/// The rule every engine evaluates.
pub const ENTRY_POINT: &str = "data.agent.decision";

/// The input value of an event (done once for the pre-parsed runs).
pub fn input(event: &serde_json::Value) -> Result<Value> {
    Value::from_json_str(&event.to_string()).map_err(|e| Error::new("rego input", e))
}

fn engine() -> Result<Engine> {
    let mut engine = Engine::new();
    engine
        .add_policy("agent.rego".into(), policies::REGO.into())
        .map_err(|e| Error::new("agent.rego", e))?;
    Ok(engine)
}

/// Reads `{"verdict": ..., "gates": [...]}`.
fn verdict(v: &Value) -> Result<Verdict> {
    let bad = || Error(format!("rego: unexpected decision {v}"));
    let name = v["verdict"].as_string().map_err(|_| bad())?;
    match name.as_ref() {
        "allow" => Ok(Verdict::Allow),
        "deny" => Ok(Verdict::Deny),
        "escalate" => {
            let mut gates = Gates::NONE;
            for g in v["gates"].as_set().map_err(|_| bad())? {
                let name = g.as_string().map_err(|_| bad())?;
                gates = gates.union(Gates::named(name.as_ref()).ok_or_else(bad)?);
            }
            Ok(Verdict::Escalate(gates))
        }
        _ => Err(bad()),
    }
}

/// regorus's interpreter, policy loaded once.
pub struct RegoInterp {
    engine: Engine,
}

impl RegoInterp {
    pub fn agent() -> Result<RegoInterp> {
        Ok(RegoInterp { engine: engine()? })
    }

    /// Decides a pre-built input value (cloning a `Value` is a reference
    /// count increment).
    pub fn decide(&mut self, input: Value) -> Result<Verdict> {
        self.engine.set_input(input);
        let v = self
            .engine
            .eval_rule(ENTRY_POINT.to_string())
            .map_err(|e| Error::new("rego eval", e))?;
        verdict(&v)
    }

    /// Parses a JSON event and decides it.
    pub fn decide_json(&mut self, json: &str) -> Result<Verdict> {
        let input = Value::from_json_str(json).map_err(|e| Error::new("rego json", e))?;
        self.decide(input)
    }
}

/// regorus's RVM, the policy compiled to a program once.
pub struct RegoRvm {
    vm: RegoVM,
}

impl RegoRvm {
    pub fn agent() -> Result<RegoRvm> {
        let mut engine = engine()?;
        let entry: Rc<str> = Rc::from(ENTRY_POINT);
        let compiled = engine
            .compile_with_entrypoint(&entry)
            .map_err(|e| Error::new("rego compile", e))?;
        let program: Arc<Program> = Compiler::compile_from_policy(&compiled, &[ENTRY_POINT])
            .map_err(|e| Error::new("rvm compile", e))?;
        let mut vm = RegoVM::new();
        vm.load_program(program);
        Ok(RegoRvm { vm })
    }

    /// Decides a pre-built input value.
    pub fn decide(&mut self, input: Value) -> Result<Verdict> {
        self.vm.set_input(input);
        let v = self.vm.execute().map_err(|e| Error::new("rvm", e))?;
        verdict(&v)
    }

    /// Parses a JSON event and decides it.
    pub fn decide_json(&mut self, json: &str) -> Result<Verdict> {
        let input = Value::from_json_str(json).map_err(|e| Error::new("rvm json", e))?;
        self.decide(input)
    }
}
