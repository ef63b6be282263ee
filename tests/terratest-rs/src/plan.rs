//! The plan as `terraform show -json` describes it, as typed structs.

use serde::Deserialize;
use serde_json::Value;

/// `terraform plan -detailed-exitcode`: 0 means no changes, 2 means changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanExit {
    NoChanges,
    Changes,
}

#[derive(Clone, Debug)]
pub struct PlanResult {
    pub exit: PlanExit,
    pub plan: PlanJson,
    /// The human-readable plan, for messages.
    pub stdout: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct PlanJson {
    pub format_version: String,
    #[serde(default)]
    pub terraform_version: String,
    #[serde(default)]
    pub resource_changes: Vec<ResourceChange>,
    #[serde(default)]
    pub resource_drift: Vec<ResourceChange>,
    #[serde(default)]
    pub output_changes: serde_json::Map<String, Value>,
    #[serde(default)]
    pub planned_values: Value,
    #[serde(default)]
    pub variables: Value,
    #[serde(default)]
    pub errored: bool,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ResourceChange {
    pub address: String,
    #[serde(default)]
    pub module_address: Option<String>,
    pub mode: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub name: String,
    #[serde(default)]
    pub index: Option<Value>,
    pub provider_name: String,
    pub change: Change,
    #[serde(default)]
    pub action_reason: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Change {
    pub actions: Vec<String>,
    #[serde(default)]
    pub before: Value,
    #[serde(default)]
    pub after: Value,
    #[serde(default)]
    pub after_unknown: Value,
    #[serde(default)]
    pub replace_paths: Vec<Value>,
}

impl ResourceChange {
    pub fn is_no_op(&self) -> bool {
        self.change
            .actions
            .iter()
            .all(|a| a == "no-op" || a == "read")
    }

    /// `"create"`, `"update"`, `"delete"`, `"replace"` or `"no-op"`.
    pub fn action(&self) -> &'static str {
        let a = &self.change.actions;
        match a.as_slice() {
            [x] if x == "create" => "create",
            [x] if x == "update" => "update",
            [x] if x == "delete" => "delete",
            [x] if x == "read" => "read",
            [_, _] => "replace",
            _ => "no-op",
        }
    }

    /// A value of the planned object, by top-level attribute name.
    pub fn after(&self, attribute: &str) -> Option<&Value> {
        self.change.after.get(attribute)
    }
}

impl PlanJson {
    /// Changes that are not no-ops, as `address (action)`.
    pub fn pending_changes(&self) -> Vec<String> {
        self.resource_changes
            .iter()
            .filter(|c| !c.is_no_op())
            .map(|c| format!("{} ({})", c.address, c.action()))
            .collect()
    }

    pub fn change(&self, address: &str) -> Option<&ResourceChange> {
        self.resource_changes.iter().find(|c| c.address == address)
    }

    /// Every change of a resource type, e.g. all `aws_nat_gateway` instances.
    pub fn changes_of_type<'a>(
        &'a self,
        resource_type: &'a str,
    ) -> impl Iterator<Item = &'a ResourceChange> + 'a {
        self.resource_changes
            .iter()
            .filter(move |c| c.resource_type == resource_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_plan_and_lists_pending_changes() {
        let json = r#"{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[
          {"address":"aws_vpc.this","mode":"managed","type":"aws_vpc","name":"this","provider_name":"registry.terraform.io/hashicorp/aws",
           "change":{"actions":["create"],"before":null,"after":{"cidr_block":"10.0.0.0/16"},"after_unknown":{"id":true}}},
          {"address":"terraform_data.x","mode":"managed","type":"terraform_data","name":"x","provider_name":"terraform.io/builtin/terraform",
           "change":{"actions":["no-op"],"before":{},"after":{}}},
          {"address":"terraform_data.y","mode":"managed","type":"terraform_data","name":"y","provider_name":"terraform.io/builtin/terraform",
           "change":{"actions":["delete","create"],"before":{},"after":{}}}]}"#;
        let plan: PlanJson = serde_json::from_str(json).unwrap();
        assert_eq!(
            plan.pending_changes(),
            vec!["aws_vpc.this (create)", "terraform_data.y (replace)"]
        );
        assert_eq!(
            plan.change("aws_vpc.this")
                .unwrap()
                .after("cidr_block")
                .unwrap(),
            "10.0.0.0/16"
        );
        assert_eq!(plan.changes_of_type("terraform_data").count(), 2);
    }
}
