//! The agent policy on Cedar (`cedar-policy`): `policies/agent.cedar`,
//! validated once against `policies/agent.cedarschema`.
//!
//! The tool is the action, the event (arguments and session labels) is the
//! context; principal and resource are fixed. Cedar answers Allow or Deny
//! with the determining policies; an Allow determined by any policy
//! annotated `@escalate("GATE")` is Escalate to the union of those gates.
//! The map from policy id to gates is built at setup, so the per-decision
//! mapping is a hash lookup per determining policy.

use std::collections::HashMap;
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, EntityId, EntityTypeName, EntityUid, PolicyId,
    PolicySet, Request, Schema, ValidationMode, Validator,
};
use serde_json::Value;

use crate::{policies, Error, Gates, Result, Verdict};

/// Cedar, set up on a policy set.
pub struct Cedar {
    policies: PolicySet,
    entities: Entities,
    authorizer: Authorizer,
    principal: EntityUid,
    resource: EntityUid,
    action_type: EntityTypeName,
    escalations: HashMap<PolicyId, Gates>,
}

impl Cedar {
    /// The agent policy, validated against its schema.
    pub fn agent() -> Result<Cedar> {
        let cedar = Cedar::new(policies::CEDAR)?;
        let (schema, _warnings) = Schema::from_cedarschema_str(policies::CEDAR_SCHEMA)
            .map_err(|e| Error::new("agent.cedarschema", e))?;
        let result = Validator::new(schema).validate(&cedar.policies, ValidationMode::Strict);
        if !result.validation_passed() {
            let errors: Vec<String> = result.validation_errors().map(|e| e.to_string()).collect();
            return Err(Error(format!(
                "agent.cedar does not validate: {}",
                errors.join("; ")
            )));
        }
        Ok(cedar)
    }

    /// Any policy set in the agent policy's vocabulary (not validated).
    pub fn new(src: &str) -> Result<Cedar> {
        let policies = PolicySet::from_str(src).map_err(|e| Error::new("cedar policies", e))?;
        let mut escalations = HashMap::new();
        for p in policies.policies() {
            if let Some(gate) = p.annotation("escalate") {
                let gates = Gates::named(gate)
                    .ok_or_else(|| Error(format!("cedar: unknown gate `{gate}`")))?;
                escalations.insert(p.id().clone(), gates);
            }
        }
        let uid = |s: &str| EntityUid::from_str(s).map_err(|e| Error::new("cedar uid", e));
        Ok(Cedar {
            policies,
            entities: Entities::empty(),
            authorizer: Authorizer::new(),
            principal: uid(r#"Agent::"agent""#)?,
            resource: uid(r#"Session::"session""#)?,
            action_type: EntityTypeName::from_str("Action")
                .map_err(|e| Error::new("cedar type", e))?,
            escalations,
        })
    }

    /// The request for an event `{"tool", "args", "tainted", ...}`: the
    /// action is the tool, the context the whole event.
    pub fn request(&self, event: Value) -> Result<Request> {
        let tool = event
            .get("tool")
            .and_then(Value::as_str)
            .ok_or_else(|| Error("cedar: the event has no tool".into()))?;
        let action =
            EntityUid::from_type_name_and_id(self.action_type.clone(), EntityId::new(tool));
        let context = Context::from_json_value(event, None).map_err(|e| Error::new("cedar", e))?;
        Request::new(
            self.principal.clone(),
            action,
            self.resource.clone(),
            context,
            None,
        )
        .map_err(|e| Error::new("cedar request", e))
    }

    /// Decides a pre-built request.
    pub fn decide(&self, request: &Request) -> Verdict {
        let response = self
            .authorizer
            .is_authorized(request, &self.policies, &self.entities);
        match response.decision() {
            Decision::Deny => Verdict::Deny,
            Decision::Allow => {
                let gates = response
                    .diagnostics()
                    .reason()
                    .filter_map(|id| self.escalations.get(id))
                    .fold(Gates::NONE, |acc, g| acc.union(*g));
                if gates == Gates::NONE {
                    Verdict::Allow
                } else {
                    Verdict::Escalate(gates)
                }
            }
        }
    }

    /// Parses a JSON event, builds its request and decides it.
    pub fn decide_json(&self, json: &str) -> Result<Verdict> {
        let event: Value = serde_json::from_str(json).map_err(|e| Error::new("cedar json", e))?;
        Ok(self.decide(&self.request(event)?))
    }
}
