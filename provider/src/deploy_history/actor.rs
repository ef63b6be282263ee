//! Who deploys or marks: the CI actor when running in CI, else the AWS caller.

use crate::aws::AwsContext;
use crate::deploy_history::HistoryError;
use crate::Error;

/// Environment variables that name the person or bot a CI run acts for, first found
/// wins. GitHub Actions sets `GITHUB_ACTOR` on every job.
pub const CI_ACTOR_VARS: &[&str] = &["GITHUB_ACTOR"];

/// The CI actor from `lookup` (the process environment in production); blank values
/// count as unset, so `GITHUB_ACTOR=` turns the CI default off.
pub fn ci_actor(lookup: impl Fn(&str) -> Option<String>) -> Option<String> {
    CI_ACTOR_VARS
        .iter()
        .filter_map(|name| lookup(name))
        .map(|v| v.trim().to_owned())
        .find(|v| !v.is_empty())
}

/// The CI actor from the environment, else the ARN of the caller (STS
/// GetCallerIdentity), which names the role or user that made the change.
pub async fn resolve(ctx: &AwsContext) -> Result<String, HistoryError> {
    if let Some(actor) = ci_actor(|name| std::env::var(name).ok()) {
        return Ok(actor);
    }
    let out = ctx
        .sts()
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| Error::aws("sts", "GetCallerIdentity", e))?;
    out.arn()
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            HistoryError::Invalid(
                "STS GetCallerIdentity returned no ARN; set the deployer explicitly".into(),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_actor_wins_and_blank_is_unset() {
        fn env(value: Option<&'static str>) -> impl Fn(&str) -> Option<String> {
            move |name| {
                if name == "GITHUB_ACTOR" {
                    value.map(str::to_owned)
                } else {
                    None
                }
            }
        }
        assert_eq!(ci_actor(env(Some("octocat"))), Some("octocat".to_owned()));
        assert_eq!(ci_actor(env(Some("  "))), None);
        assert_eq!(ci_actor(env(None)), None);
    }
}
