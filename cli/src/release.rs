//! `opsdeck release publish VERSION`: creates or updates the GitHub Release of a version
//! through the REST API (`GITHUB_API_URL`, default https://api.github.com, so GitHub
//! Enterprise Server works; `GITHUB_TOKEN` with `contents: write`). Its body links the
//! deploy record and the previous release; `opsdeck deploy` publishes before it writes
//! the record, so the record's `release_url` points back at the release.

use std::time::Duration;

use clap::{Args, Subcommand};
use hyper::Method;
use opsdeck_provider::deploy_history::{DeployRecord, DeployResult, HistoryStore, Stream};
use serde::Serialize;
use serde_json::{json, Value};

use crate::aws::Aws;
use crate::error::{CliError, ErrorCode};
use crate::http::{Http, HttpError};
use crate::output;
use crate::progress;
use crate::stack::{Need, Stack, StackArgs};

const ATTEMPTS: u32 = 3;
const TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Args, Debug, Clone, Default)]
pub struct GitHubArgs {
    /// OWNER/REPO of the releases (default: GITHUB_REPOSITORY).
    #[arg(long, env = "GITHUB_REPOSITORY")]
    pub repo: Option<String>,
    /// Commit the release's tag points at when it is created (default: GITHUB_SHA).
    #[arg(long, env = "GITHUB_SHA")]
    pub commit: Option<String>,
}

#[derive(Args, Debug)]
pub struct ReleaseArgs {
    #[command(subcommand)]
    pub command: ReleaseCommand,
}

#[derive(Subcommand, Debug)]
pub enum ReleaseCommand {
    /// Create or update the GitHub Release of VERSION, linking its deploy record.
    Publish {
        /// The version (the release's tag).
        #[arg(value_name = "VERSION")]
        release_version: String,
        /// The deploy record to link (default: the newest deploy of VERSION).
        #[arg(long)]
        deploy_id: Option<String>,
        #[command(flatten)]
        github: GitHubArgs,
        #[command(flatten)]
        stack: StackArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// A release as the API returned it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Release {
    pub id: u64,
    pub tag: String,
    pub html_url: String,
    /// Created by this call (else updated).
    pub created: bool,
}

/// The GitHub REST API, with retries on 5xx and lost connections.
pub struct GitHub {
    http: Http,
    api: String,
    token: String,
    pub repo: String,
}

impl GitHub {
    pub fn from_env(args: &GitHubArgs) -> Result<Self, CliError> {
        let token = std::env::var("GITHUB_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| {
                CliError::usage("GITHUB_TOKEN is not set: the release needs a token with contents: write (in Actions: `GITHUB_TOKEN: ${{ github.token }}`)")
            })?;
        let repo = args.repo.clone().filter(|r| !r.is_empty()).ok_or_else(|| {
            CliError::usage("--repo OWNER/REPO is required (or GITHUB_REPOSITORY)")
        })?;
        let ok = repo.split('/').count() == 2
            && repo.split('/').all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            });
        if !ok {
            return Err(CliError::usage(format!(
                "--repo {repo:?} is not OWNER/REPO (e.g. acme/shop)"
            )));
        }
        let api = std::env::var("GITHUB_API_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "https://api.github.com".into());
        Ok(Self {
            http: Http::new().map_err(|e| CliError::new(ErrorCode::Internal, e))?,
            api: api.trim_end_matches('/').to_owned(),
            token,
            repo,
        })
    }

    /// One call with retries: (status, JSON body). 4xx other than 404 is an error.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), CliError> {
        let url = format!("{}/repos/{}{path}", self.api, self.repo);
        let what = format!("GitHub {method} {path}");
        let mut last = String::new();
        for attempt in 1..=ATTEMPTS {
            let headers = [
                ("authorization", format!("Bearer {}", self.token)),
                ("accept", "application/vnd.github+json".into()),
                ("x-github-api-version", "2022-11-28".into()),
                (
                    "user-agent",
                    format!("opsdeck/{}", env!("CARGO_PKG_VERSION")),
                ),
                ("content-type", "application/json".into()),
            ];
            let result = self
                .http
                .request(
                    &method,
                    &url,
                    &headers,
                    body.map(|b| b.to_string().into_bytes()),
                    TIMEOUT,
                )
                .await;
            match result {
                Err(HttpError::InvalidUrl(e)) => {
                    return Err(CliError::usage(format!(
                        "GITHUB_API_URL gives an invalid URL: {e}"
                    )))
                }
                Err(e) => last = e.to_string(),
                Ok(r) if r.status >= 500 || r.status == 429 => {
                    last = format!("HTTP {} {}", r.status, excerpt(&r.text()));
                }
                Ok(r) if r.status == 404 || r.status < 300 => {
                    return Ok((r.status, r.json().unwrap_or(Value::Null)));
                }
                Ok(r) => {
                    let message = r
                        .json()
                        .and_then(|j| j.get("message").and_then(Value::as_str).map(str::to_owned))
                        .unwrap_or_else(|| excerpt(&r.text()));
                    let hint = match r.status {
                        401 => "GITHUB_TOKEN is not valid",
                        403 => "GITHUB_TOKEN lacks `contents: write` on the repository (the job's permissions:)",
                        422 => "GitHub refused the release's fields; read its message",
                        _ => "read GitHub's message",
                    };
                    return Err(CliError::new(
                        ErrorCode::GitHubFailed,
                        format!("{what} answered HTTP {}: {message}", r.status),
                    )
                    .hint(hint));
                }
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
            }
        }
        Err(CliError::new(
            ErrorCode::GitHubFailed,
            format!("{what} failed {ATTEMPTS} times; last: {last}"),
        ))
    }

    pub async fn release_by_tag(&self, tag: &str) -> Result<Option<Release>, CliError> {
        let (status, body) = self
            .call(
                Method::GET,
                &format!("/releases/tags/{}", path_segment(tag)),
                None,
            )
            .await?;
        if status == 404 {
            return Ok(None);
        }
        parse_release(&body, tag, false).map(Some)
    }

    /// Creates the release of `tag`, or updates its name and body if it exists.
    pub async fn publish(
        &self,
        tag: &str,
        body: &str,
        commit: Option<&str>,
    ) -> Result<Release, CliError> {
        match self.release_by_tag(tag).await? {
            Some(existing) => {
                let (status, out) = self
                    .call(
                        Method::PATCH,
                        &format!("/releases/{}", existing.id),
                        Some(&json!({"name": tag, "body": body})),
                    )
                    .await?;
                if status == 404 {
                    return Err(CliError::new(
                        ErrorCode::GitHubFailed,
                        format!(
                            "release {} of {tag} vanished while it was updated",
                            existing.id
                        ),
                    ));
                }
                parse_release(&out, tag, false)
            }
            None => {
                let mut request = json!({"tag_name": tag, "name": tag, "body": body});
                if let Some(c) = commit.filter(|c| !c.is_empty()) {
                    request["target_commitish"] = Value::from(c);
                }
                let (status, out) = self.call(Method::POST, "/releases", Some(&request)).await?;
                if status == 404 {
                    return Err(CliError::new(
                        ErrorCode::GitHubFailed,
                        format!("GitHub answered 404 for the releases of {}: no such repository, or the token cannot see it", self.repo),
                    ));
                }
                parse_release(&out, tag, true)
            }
        }
    }
}

fn excerpt(text: &str) -> String {
    text.chars().take(200).collect::<String>().trim().to_owned()
}

fn path_segment(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn parse_release(body: &Value, tag: &str, created: bool) -> Result<Release, CliError> {
    let id = body.get("id").and_then(Value::as_u64);
    let url = body.get("html_url").and_then(Value::as_str);
    match (id, url) {
        (Some(id), Some(url)) => Ok(Release {
            id,
            tag: tag.to_owned(),
            html_url: url.to_owned(),
            created,
        }),
        _ => Err(CliError::new(
            ErrorCode::GitHubFailed,
            format!("GitHub's answer for release {tag} has no id or html_url"),
        )),
    }
}

/// What the release body says.
pub struct BodyFacts<'a> {
    pub version: &'a str,
    pub stream: &'a Stream,
    pub table: &'a str,
    pub region: &'a str,
    pub record: Option<&'a DeployRecord>,
    pub previous: Option<(String, Option<String>)>,
    pub run_url: Option<String>,
    pub dashboard_url: Option<&'a str>,
}

/// The release body (GitHub Markdown).
pub fn body(f: &BodyFacts<'_>) -> String {
    let mut rows: Vec<(String, String)> = Vec::new();
    let console = format!(
        "https://{r}.console.aws.amazon.com/dynamodbv2/home?region={r}#item-explorer?table={t}",
        r = f.region,
        t = f.table
    );
    match f.record {
        Some(r) => {
            rows.push((
                "Deploy record".into(),
                format!(
                    "`{}` in table [`{}`]({console}): `opsdeck history show {} --service {} --environment {}`",
                    r.deploy_id, f.table, r.deploy_id, f.stream.service, f.stream.environment
                ),
            ));
            rows.push(("Deployed".into(), format!("{} by {}", r.deployed_at, r.deployer)));
            rows.push(("Result".into(), r.result.to_string()));
            if let Some(c) = &r.commit {
                rows.push(("Commit".into(), c.clone()));
            }
        }
        None => rows.push((
            "Deploy record".into(),
            format!("being written to table [`{}`]({console}); `opsdeck history list --service {} --environment {}`", f.table, f.stream.service, f.stream.environment),
        )),
    }
    match &f.previous {
        Some((v, Some(url))) => rows.push(("Previous release".into(), format!("[{v}]({url})"))),
        Some((v, None)) => rows.push((
            "Previous release".into(),
            format!("{v} (no GitHub Release)"),
        )),
        None => rows.push(("Previous release".into(), "none (first deploy)".into())),
    }
    if let Some(u) = &f.run_url {
        rows.push(("Pipeline run".into(), u.clone()));
    }
    if let Some(u) = f.dashboard_url {
        rows.push(("Dashboard".into(), u.to_owned()));
    }
    let mut out = format!(
        "Deployed **{}** to **{}** of **{}** by the opsdeck pipeline.\n\n| | |\n|---|---|\n",
        f.version, f.stream.environment, f.stream.service
    );
    for (k, v) in rows {
        out.push_str(&format!("| {k} | {} |\n", v.replace('|', "\\|")));
    }
    out
}

/// The newest succeeded deploy older than `record` with another version, and its
/// release URL (from the history, else looked up by tag).
pub async fn previous_release(
    github: &GitHub,
    deploys: &[DeployRecord],
    version: &str,
    after_id: Option<&str>,
) -> Result<Option<(String, Option<String>)>, CliError> {
    let older = deploys
        .iter()
        .skip_while(|d| after_id.is_some_and(|id| d.deploy_id.as_str() >= id))
        .find(|d| d.version != version && d.result == DeployResult::Succeeded);
    let Some(prev) = older else { return Ok(None) };
    if let Some(url) = &prev.release_url {
        return Ok(Some((prev.version.clone(), Some(url.clone()))));
    }
    let url = github
        .release_by_tag(&prev.version)
        .await?
        .map(|r| r.html_url);
    Ok(Some((prev.version.clone(), url)))
}

pub async fn run(args: ReleaseArgs) -> Result<String, CliError> {
    let ReleaseCommand::Publish {
        release_version,
        deploy_id,
        github,
        stack,
        json,
    } = args.command;
    opsdeck_provider::deploy_history::validate::version(&release_version)
        .map_err(CliError::usage)?;
    let gh = GitHub::from_env(&github)?;
    let stack = Stack::resolve(&stack, &[Need::History]).await?;
    let aws = Aws::load(&stack.aws_args()).await?;
    let stream = Stream::new(stack.service(), stack.environment())?;
    let store = HistoryStore::new(aws.dynamodb(), stack.table());
    let view = store.view(&stream, None, 200).await?;
    let record = match &deploy_id {
        Some(id) => Some(store.get(&stream, id).await?.ok_or_else(|| {
            CliError::new(
                ErrorCode::DeployNotFound,
                format!("there is no deploy {id:?} for {stream}"),
            )
        })?),
        None => view
            .deploys
            .iter()
            .find(|d| d.version == release_version)
            .cloned(),
    };
    if let Some(r) = &record {
        if r.version != release_version {
            return Err(CliError::usage(format!(
                "deploy {} is of version {}, not {release_version}",
                r.deploy_id, r.version
            )));
        }
    } else {
        progress::note(&format!(
            "warning: no deploy of {release_version} is recorded for {stream}; the release links the history table only"
        ));
    }
    let previous = previous_release(
        &gh,
        &view.deploys,
        &release_version,
        record.as_ref().map(|r| r.deploy_id.as_str()),
    )
    .await?;
    let text = body(&BodyFacts {
        version: &release_version,
        stream: &stream,
        table: stack.table(),
        region: aws.region(),
        record: record.as_ref(),
        previous,
        run_url: crate::notify::run_url(),
        dashboard_url: stack.output.dashboard_url.as_deref(),
    });
    let release = gh
        .publish(&release_version, &text, github.commit.as_deref())
        .await?;
    if let Some(r) = &record {
        if r.release_url.as_deref() != Some(release.html_url.as_str()) {
            progress::note(&format!(
                "note: deploy record {} keeps release_url {} (records are append-only; `opsdeck deploy` publishes before it records, so its records point at their release)",
                r.deploy_id,
                r.release_url.as_deref().unwrap_or("(none)")
            ));
        }
    }
    Ok(if json {
        output::to_json(&release)
    } else {
        format!(
            "{} release {} of {}: {}\n",
            if release.created {
                "created"
            } else {
                "updated"
            },
            release.tag,
            gh.repo,
            release.html_url
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_links_record_and_previous_release() {
        let stream = Stream::new("shop", "prod").unwrap();
        let record = DeployRecord {
            deploy_id: "01JH8Z3V6Q4M2N7P9R5S1T0W8X".into(),
            service: "shop".into(),
            environment: "prod".into(),
            version: "v2".into(),
            deployer: "octocat".into(),
            deployed_at: "2025-01-31T09:30:00.123Z".into(),
            result: DeployResult::Succeeded,
            original_result: DeployResult::Succeeded,
            release_url: None,
            commit: Some("abc1234".into()),
            metadata: Default::default(),
            previous_version: Some("v1".into()),
            previous_deploy_id: None,
            events: vec![],
        };
        let text = body(&BodyFacts {
            version: "v2",
            stream: &stream,
            table: "hist",
            region: "eu-west-1",
            record: Some(&record),
            previous: Some((
                "v1".into(),
                Some("https://github.com/a/b/releases/tag/v1".into()),
            )),
            run_url: None,
            dashboard_url: Some("https://dash"),
        });
        assert!(text.contains("`01JH8Z3V6Q4M2N7P9R5S1T0W8X`"), "{text}");
        assert!(
            text.contains("[v1](https://github.com/a/b/releases/tag/v1)"),
            "{text}"
        );
        assert!(text.contains("table=hist"), "{text}");
        assert_eq!(path_segment("v1.2+b/x"), "v1.2%2Bb%2Fx");
    }
}
