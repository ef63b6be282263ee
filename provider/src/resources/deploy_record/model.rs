//! The state, schema and plan-time checks of `opsdeck_deploy_record`, and its import id.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, Block, Description, Schema};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use crate::deploy_history::{validate, DeployRecord, HistoryError, Stream};
use crate::resources::common::invalid;
use crate::schema::{computed, optional, optional_computed, required, string_map};

/// Separator of the import id `table:service:environment:deploy_id`. None of the four
/// parts may contain it (see the validators), so the split is unambiguous.
pub const IMPORT_SEPARATOR: char = ':';

#[derive(Serialize, Deserialize, Debug, Default, Clone, PartialEq)]
pub struct DeployRecordState {
    pub id: Value<String>,
    pub table_name: Value<String>,
    pub service: Value<String>,
    pub environment: Value<String>,
    pub version: Value<String>,
    pub deployer: Value<String>,
    pub release_url: Value<String>,
    pub commit: Value<String>,
    pub metadata: Value<BTreeMap<String, Value<String>>>,
    pub retain_on_destroy: Value<bool>,
    pub deploy_id: Value<String>,
    pub deployed_at: Value<String>,
    pub result: Value<String>,
    pub previous_version: Value<String>,
    pub previous_deploy_id: Value<String>,
}

/// Attributes whose change is a new deploy: the resource is replaced.
pub const RECORDED: &[&str] = &[
    "table_name",
    "service",
    "environment",
    "version",
    "release_url",
    "commit",
    "metadata",
];

impl DeployRecordState {
    /// Every problem of the known values, each on its attribute.
    pub fn check(&self, diags: &mut Diagnostics) {
        let mut fail = |attr: &'static str, problem: String| {
            invalid(
                diags,
                "Invalid deploy record",
                problem,
                AttributePath::new(attr),
            )
        };
        if let Value::Value(t) = &self.table_name {
            if let Err(e) = validate::table_name(t) {
                fail("table_name", e);
            }
        }
        if let Value::Value(s) = &self.service {
            if let Err(e) = validate::name_part("service", s) {
                fail("service", e);
            }
        }
        if let Value::Value(s) = &self.environment {
            if let Err(e) = validate::name_part("environment", s) {
                fail("environment", e);
            }
        }
        if let Value::Value(v) = &self.version {
            if let Err(e) = validate::version(v) {
                fail("version", e);
            }
        }
        if let Value::Value(v) = &self.deployer {
            if let Err(e) = validate::deployer(v) {
                fail("deployer", e);
            }
        }
        if let Value::Value(v) = &self.release_url {
            if let Err(e) = validate::release_url(v) {
                fail("release_url", e);
            }
        }
        if let Value::Value(v) = &self.commit {
            if let Err(e) = validate::commit(v) {
                fail("commit", e);
            }
        }
        if let Value::Value(m) = &self.metadata {
            let known: BTreeMap<String, String> = m
                .iter()
                .filter_map(|(k, v)| v.as_ref_option().map(|v| (k.clone(), v.clone())))
                .collect();
            for (key, problem) in validate::metadata(&known) {
                let path = if key.is_empty() {
                    AttributePath::new("metadata")
                } else {
                    AttributePath::new("metadata").key(key)
                };
                invalid(diags, "Invalid deploy record", problem, path);
            }
        }
    }

    pub fn stream(&self) -> Result<Stream, HistoryError> {
        Stream::new(known(&self.service), known(&self.environment))
    }

    /// Metadata as recorded: null and `{}` both mean "none". `None` while unknown.
    pub fn metadata_map(&self) -> Option<BTreeMap<String, String>> {
        match &self.metadata {
            Value::Unknown => None,
            Value::Null => Some(BTreeMap::new()),
            Value::Value(m) => m
                .iter()
                .map(|(k, v)| v.as_ref_option().map(|v| (k.clone(), v.clone())))
                .collect(),
        }
    }

    /// Fills the values the table holds, keeping what the configuration said about
    /// absent optionals (null stays null, `{}` stays `{}`), so a refresh plans nothing.
    pub fn set_from(&mut self, table: &str, r: &DeployRecord) {
        self.id = Value::Value(import_id(
            table,
            &Stream {
                service: r.service.clone(),
                environment: r.environment.clone(),
            },
            &r.deploy_id,
        ));
        self.table_name = Value::Value(table.to_owned());
        self.service = Value::Value(r.service.clone());
        self.environment = Value::Value(r.environment.clone());
        self.version = Value::Value(r.version.clone());
        self.deployer = Value::Value(r.deployer.clone());
        self.release_url = r.release_url.clone().into();
        self.commit = r.commit.clone().into();
        self.metadata = if r.metadata.is_empty() && !matches!(self.metadata, Value::Value(_)) {
            Value::Null
        } else {
            Value::Value(
                r.metadata
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::Value(v.clone())))
                    .collect(),
            )
        };
        self.deploy_id = Value::Value(r.deploy_id.clone());
        self.deployed_at = Value::Value(r.deployed_at.clone());
        self.result = Value::Value(r.result.as_str().to_owned());
        self.previous_version = r.previous_version.clone().into();
        self.previous_deploy_id = r.previous_deploy_id.clone().into();
    }

    pub fn set_computed_unknown(&mut self) {
        self.id = Value::Unknown;
        self.deploy_id = Value::Unknown;
        self.deployed_at = Value::Unknown;
        self.previous_version = Value::Unknown;
        self.previous_deploy_id = Value::Unknown;
        // Known at plan time: the apply that creates the record is the one that succeeded.
        self.result = Value::Value("succeeded".to_owned());
    }
}

pub fn known(v: &Value<String>) -> String {
    v.as_ref_option().cloned().unwrap_or_default()
}

/// `table:service:environment:deploy_id`, the resource's `id` and its import id.
pub fn import_id(table: &str, stream: &Stream, deploy_id: &str) -> String {
    format!(
        "{table}{IMPORT_SEPARATOR}{}{IMPORT_SEPARATOR}{}{IMPORT_SEPARATOR}{deploy_id}",
        stream.service, stream.environment
    )
}

/// Splits an import id into table, stream and deploy id, or says what the shape is.
pub fn parse_import_id(id: &str) -> Result<(String, Stream, String), String> {
    let shape = "Import with `table:service:environment:deploy_id`, for example `opsdeck-deploy-history:shop:prod:01JH8Z3V6Q4M2N7P9R5S1T0W8X` (`opsdeck history list` shows deploy ids).";
    let parts: Vec<&str> = id.split(IMPORT_SEPARATOR).collect();
    let [table, service, environment, deploy_id] = parts.as_slice() else {
        return Err(format!(
            "import id {id:?} has {} part(s), not 4. {shape}",
            parts.len()
        ));
    };
    validate::table_name(table).map_err(|e| format!("{e} {shape}"))?;
    let stream = Stream::new(*service, *environment).map_err(|e| format!("{e} {shape}"))?;
    if !crate::deploy_history::id::is_valid(deploy_id) {
        return Err(format!(
            "{deploy_id:?} is not a deploy id (26 characters of 0-9 and A-Z). {shape}"
        ));
    }
    Ok(((*table).to_owned(), stream, (*deploy_id).to_owned()))
}

pub fn schema() -> Schema {
    let s = AttributeType::String;
    let attributes = HashMap::from([
            ("id".to_owned(), computed(s.clone(), "`table:service:environment:deploy_id`, also the import id.")),
            ("table_name".to_owned(), required(s.clone(), "The history table (output `table_name` of modules/deploy-history). A change is a new record.")),
            ("service".to_owned(), required(s.clone(), "Service deployed: 1–64 of letters, digits, `.`, `_`, `-`. With `environment`, the partition of the history.")),
            ("environment".to_owned(), required(s.clone(), "Environment deployed to, e.g. `prod`; same rules as `service`.")),
            ("version".to_owned(), required(s.clone(), "Version deployed, e.g. `v1.4.2`. A new version writes a new record (replace); the same version re-applied writes nothing.")),
            ("deployer".to_owned(), optional_computed(s.clone(), "Who deployed. Default: the CI actor (`GITHUB_ACTOR` in the provider's environment), else the caller's ARN (STS). Kept from the first apply when unset, so another person re-applying the same version changes nothing.")),
            ("release_url".to_owned(), optional(s.clone(), "The GitHub Release of the version, `https://<host>/<owner>/<repo>/releases/tag/<tag>`.")),
            ("commit".to_owned(), optional(s.clone(), "Git commit id deployed (7–64 lowercase hex digits, e.g. `GITHUB_SHA`).")),
            ("metadata".to_owned(), optional(string_map(), "Extra strings kept with the record (at most 50; values up to 1024 characters), e.g. the workflow run URL. Never put secrets here: the record is readable by anyone who can read the table.")),
            ("retain_on_destroy".to_owned(), optional(AttributeType::Bool, "Keep the record in the table when the resource is destroyed or replaced (default `true`: history is never erased). `false` deletes the record and its marks on destroy, and on replace, so only the current record remains: for throwaway environments.")),
            ("deploy_id".to_owned(), computed(s.clone(), "Time-ordered id of the record (26 characters, ULID-shaped).")),
            ("deployed_at".to_owned(), computed(s.clone(), "When the record was written (RFC 3339, UTC, milliseconds).")),
            ("result".to_owned(), computed(s.clone(), "`succeeded` when written; `failed` or `rolled_back` after `opsdeck history mark`.")),
            ("previous_version".to_owned(), computed(s.clone(), "Version of the deploy this one followed (the newest record of the service and environment when written), whatever its result; null for the first.")),
            ("previous_deploy_id".to_owned(), computed(s, "Deploy id of that previous record.")),
        ]);
    Schema {
            version: 1,
            block: Block {
                description: Description::markdown(
                    "A deploy record in the opsdeck deploy history (DynamoDB, append-only). Put `depends_on` on the resources the deploy changes, so the record is written only when they applied.",
                ),
                attributes,
                ..Default::default()
            },
        }
}
