//! A Terraform plan as `terraform show -json plan.tfplan` prints it: the resources it leaves in
//! place (planned values, every module flattened), with the values only known after apply
//! marked as such. `opsdeck report` and the cost estimate read it.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("cannot read the plan {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not the JSON of a Terraform plan ({detail}); write it with `terraform show -json plan.tfplan > plan.json`")]
    NotAPlan { path: String, detail: String },
}

impl PlanError {
    /// The CLI error code of this failure.
    pub fn code(&self) -> crate::ErrorCode {
        match self {
            Self::Read { .. } => crate::ErrorCode::PlanUnreadable,
            Self::NotAPlan { .. } => crate::ErrorCode::PlanInvalid,
        }
    }
}

/// One resource of the plan's planned values.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Full address, e.g. `module.database.aws_rds_cluster.this`.
    pub address: String,
    /// Resource type, e.g. `aws_rds_cluster`.
    pub kind: String,
    /// `managed` or `data`.
    pub mode: String,
    pub values: Value,
    /// `after_unknown` of its change: `true` where a value is known only after apply.
    pub unknown: Value,
}

/// What a plan says of one attribute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Attr<'a> {
    Known(&'a Value),
    /// Known only after apply.
    Unknown,
    /// Not set (null or missing).
    Absent,
}

impl<'a> Attr<'a> {
    pub fn known(self) -> Option<&'a Value> {
        match self {
            Attr::Known(v) => Some(v),
            _ => None,
        }
    }
    pub fn as_str(self) -> Option<&'a str> {
        self.known().and_then(Value::as_str)
    }
    pub fn as_f64(self) -> Option<f64> {
        self.known().and_then(Value::as_f64)
    }
    pub fn as_bool(self) -> Option<bool> {
        self.known().and_then(Value::as_bool)
    }
    /// Short text for evidence: the value, `(known after apply)` or `(not set)`.
    pub fn show(self) -> String {
        match self {
            Attr::Known(Value::String(s)) => format!("{s:?}"),
            Attr::Known(v) => v.to_string(),
            Attr::Unknown => "(known after apply)".into(),
            Attr::Absent => "(not set)".into(),
        }
    }
}

fn step<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => map.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    }
}

impl Resource {
    /// The attribute at a dotted path (`serverlessv2_scaling_configuration.0.min_capacity`).
    pub fn attr(&self, path: &str) -> Attr<'_> {
        let mut value = Some(&self.values);
        let mut unknown = Some(&self.unknown);
        for key in path.split('.') {
            if unknown == Some(&Value::Bool(true)) {
                return Attr::Unknown;
            }
            value = value.and_then(|v| step(v, key));
            unknown = unknown.and_then(|u| step(u, key));
        }
        if unknown == Some(&Value::Bool(true)) {
            return Attr::Unknown;
        }
        match value {
            None | Some(Value::Null) => Attr::Absent,
            Some(v) => Attr::Known(v),
        }
    }

    /// The module part of the address (`module.database`), empty at the root.
    pub fn module(&self) -> &str {
        self.address
            .rfind(&format!("{}.", self.kind))
            .map(|i| self.address[..i].trim_end_matches('.'))
            .unwrap_or("")
    }
}

/// The resources a plan leaves in place, in address order.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub resources: Vec<Resource>,
    pub terraform_version: Option<String>,
}

impl Plan {
    pub fn load(path: &Path) -> Result<Self, PlanError> {
        let text = std::fs::read_to_string(path).map_err(|source| PlanError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text).map_err(|detail| PlanError::NotAPlan {
            path: path.display().to_string(),
            detail,
        })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
        let root = doc
            .pointer("/planned_values/root_module")
            .ok_or("it has no planned_values.root_module")?;
        let mut unknown: BTreeMap<String, Value> = BTreeMap::new();
        for change in doc
            .get("resource_changes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(address), Some(after_unknown)) = (
                change.get("address").and_then(Value::as_str),
                change.pointer("/change/after_unknown"),
            ) {
                unknown.insert(address.to_owned(), after_unknown.clone());
            }
        }
        let mut resources = Vec::new();
        collect(root, &unknown, &mut resources);
        resources.sort_by(|a, b| a.address.cmp(&b.address));
        Ok(Self {
            resources,
            terraform_version: doc
                .get("terraform_version")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }

    /// Managed resources of one type.
    pub fn of(&self, kind: &str) -> impl Iterator<Item = &Resource> + '_ {
        let kind = kind.to_owned();
        self.resources
            .iter()
            .filter(move |r| r.kind == kind && r.mode == "managed")
    }

    pub fn count(&self, kind: &str) -> usize {
        self.of(kind).count()
    }
}

fn collect(module: &Value, unknown: &BTreeMap<String, Value>, out: &mut Vec<Resource>) {
    for r in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let address = r
            .get("address")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        out.push(Resource {
            kind: r
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            mode: r
                .get("mode")
                .and_then(Value::as_str)
                .unwrap_or("managed")
                .to_owned(),
            values: r.get("values").cloned().unwrap_or(Value::Null),
            unknown: unknown.get(&address).cloned().unwrap_or(Value::Null),
            address,
        });
    }
    for child in module
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect(child, unknown, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_modules_and_marks_unknowns() {
        let plan = Plan::parse(
            r#"{"planned_values": {"root_module": {
                 "resources": [{"address": "aws_kms_key.a", "mode": "managed", "type": "aws_kms_key", "values": {"enable_key_rotation": true}}],
                 "child_modules": [{"address": "module.db", "resources": [
                   {"address": "module.db.aws_rds_cluster.this", "mode": "managed", "type": "aws_rds_cluster",
                    "values": {"serverlessv2_scaling_configuration": [{"min_capacity": 0.5}], "kms_key_id": null}}]}]}},
               "resource_changes": [{"address": "module.db.aws_rds_cluster.this",
                 "change": {"after_unknown": {"kms_key_id": true, "arn": true}}}]}"#,
        )
        .unwrap();
        assert_eq!(plan.resources.len(), 2);
        let cluster = plan.of("aws_rds_cluster").next().unwrap();
        assert_eq!(cluster.module(), "module.db");
        assert_eq!(
            cluster
                .attr("serverlessv2_scaling_configuration.0.min_capacity")
                .as_f64(),
            Some(0.5)
        );
        assert_eq!(cluster.attr("kms_key_id"), Attr::Unknown);
        assert_eq!(cluster.attr("storage_encrypted"), Attr::Absent);
        assert!(Plan::parse("{}").is_err());
    }
}
