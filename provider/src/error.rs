//! Errors of the provider and their stable codes.
//!
//! Every diagnostic the provider shows carries one code of [`CODES`] (`OPSDECK-P###`): a
//! family of errors with one cause and one fix, so the troubleshooting guide can list every
//! error the provider can print. The summary of a diagnostic ends with the code, e.g.
//! `Cannot create the SNS topic (OPSDECK-P003)`.
//!
//! Errors are rendered with `Display` only: a sentence that names the service, the operation,
//! what happened and what to do. The SDK's `Debug` form goes to the `debug` log only, which
//! Terraform shows with `TF_LOG=debug`.

use std::time::Duration;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// A family of errors, with a stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    NotConfigured,
    InvalidConfiguration,
    AwsRejected,
    AccessDenied,
    Throttled,
    Unreachable,
    Timeout,
    Cancelled,
    NotFoundAfterWrite,
    PartialState,
    Gone,
    AlreadyExists,
    DeployHistory,
    Internal,
}

/// What a code means: the one-line cause and fix the troubleshooting guide lists.
#[derive(Clone, Copy, Debug)]
pub struct CodeInfo {
    pub code: Code,
    pub id: &'static str,
    pub title: &'static str,
    pub cause: &'static str,
    pub fix: &'static str,
}

/// Every code, once. The ids never change meaning; a retired code is never reused.
pub const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: Code::NotConfigured,
        id: "OPSDECK-P001",
        title: "Provider not configured",
        cause: "A resource or data source ran before Terraform configured the provider (or the provider block could not be configured).",
        fix: "Fix the provider block's own error first; if there is none, report a bug.",
    },
    CodeInfo {
        code: Code::InvalidConfiguration,
        id: "OPSDECK-P002",
        title: "Invalid configuration",
        cause: "A value in the configuration is refused (at plan time, on the attribute named).",
        fix: "Change the attribute as the message says.",
    },
    CodeInfo {
        code: Code::AwsRejected,
        id: "OPSDECK-P003",
        title: "AWS refused a call",
        cause: "An AWS API answered with an error (the service, operation, error code and AWS's message are in the detail).",
        fix: "Fix what AWS's message names, then apply again.",
    },
    CodeInfo {
        code: Code::AccessDenied,
        id: "OPSDECK-P004",
        title: "Access denied",
        cause: "The credentials lack the IAM permission for the operation named, or no credentials were found.",
        fix: "Grant the permission (each resource page lists the ones it needs) or fix `profile` / `assume_role`.",
    },
    CodeInfo {
        code: Code::Throttled,
        id: "OPSDECK-P005",
        title: "Throttled by AWS",
        cause: "AWS kept throttling the calls after every retry.",
        fix: "Apply again later, lower Terraform's -parallelism, or raise `max_retries`.",
    },
    CodeInfo {
        code: Code::Unreachable,
        id: "OPSDECK-P006",
        title: "AWS endpoint unreachable",
        cause: "No answer could be received from the service's endpoint (connection refused or reset, DNS, TLS, proxy).",
        fix: "Check the network and the endpoint: `endpoints.<service>` in the provider block, or AWS_ENDPOINT_URL.",
    },
    CodeInfo {
        code: Code::Timeout,
        id: "OPSDECK-P007",
        title: "AWS call timed out",
        cause: "A call got no answer within `timeouts.attempt_seconds`, or all its attempts within `timeouts.operation_seconds`.",
        fix: "Check the network, or raise the `timeouts` of the provider block.",
    },
    CodeInfo {
        code: Code::Cancelled,
        id: "OPSDECK-P008",
        title: "Cancelled",
        cause: "Terraform asked the provider to stop (Ctrl-C, or another resource failed) while this operation ran.",
        fix: "Run `terraform apply` again: the state records what was done.",
    },
    CodeInfo {
        code: Code::NotFoundAfterWrite,
        id: "OPSDECK-P009",
        title: "Not visible after it was written",
        cause: "AWS accepted a write, but the object could not be read back within `timeouts.read_after_write_seconds` (eventual consistency).",
        fix: "Run `terraform apply` again; raise `timeouts.read_after_write_seconds` if it recurs.",
    },
    CodeInfo {
        code: Code::PartialState,
        id: "OPSDECK-P010",
        title: "Applied in part",
        cause: "An apply failed part way; the state records exactly what exists (a failed create is marked tainted).",
        fix: "Fix the cause in the message, then run `terraform apply` again: it finishes or replaces what is left.",
    },
    CodeInfo {
        code: Code::Gone,
        id: "OPSDECK-P011",
        title: "Deleted outside Terraform",
        cause: "An object of the resource was deleted outside Terraform while the apply ran.",
        fix: "Run `terraform apply` again: the refresh notices it and recreates it.",
    },
    CodeInfo {
        code: Code::AlreadyExists,
        id: "OPSDECK-P012",
        title: "Already exists",
        cause: "An object of that name exists already and is not managed by this resource.",
        fix: "Import it (`terraform import`, as the message shows) or choose another name.",
    },
    CodeInfo {
        code: Code::DeployHistory,
        id: "OPSDECK-P013",
        title: "Deploy history unusable",
        cause: "The deploy history table is missing, in another region, or holds an item this version cannot read.",
        fix: "Point `table_name` at the table of modules/deploy-history in the provider's region.",
    },
    CodeInfo {
        code: Code::Internal,
        id: "OPSDECK-P099",
        title: "Internal error",
        cause: "The provider reached a state it should not (a bug).",
        fix: "Report it with the `TF_LOG=debug` log of the run.",
    },
];

impl Code {
    pub fn info(self) -> &'static CodeInfo {
        CODES
            .iter()
            .find(|c| c.code == self)
            .unwrap_or(&CODES[CODES.len() - 1])
    }

    /// `OPSDECK-P###`.
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// `summary (OPSDECK-P###)`.
    pub fn tag(self, summary: &str) -> String {
        format!("{summary} ({})", self.id())
    }
}

/// True when a diagnostic summary already carries a code.
pub fn is_tagged(summary: &str) -> bool {
    summary.contains("(OPSDECK-P")
}

/// How an AWS call failed.
#[derive(Clone, Debug, PartialEq)]
pub enum AwsFailure {
    /// AWS answered with an error.
    Service {
        code: String,
        message: String,
        status: Option<u16>,
    },
    /// No answer: connection refused or reset, DNS, TLS.
    Unreachable(String),
    /// No answer in time.
    Timeout(String),
    /// An answer that could not be read.
    BadResponse(String),
}

/// An error of the provider.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A resource or data source ran before `ConfigureProvider`.
    #[error("the opsdeck provider is not configured yet (Terraform calls ConfigureProvider first; this is a bug if you see it)")]
    NotConfigured,
    /// A call to an AWS API failed.
    #[error("{}", describe_aws(service, operation, failure))]
    Aws {
        service: &'static str,
        operation: &'static str,
        failure: AwsFailure,
    },
    /// A value in the configuration is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// Terraform asked the provider to stop.
    #[error("stopped before {0}, because Terraform asked the provider to stop (Ctrl-C or another failure). Run `terraform apply` again to finish")]
    Cancelled(String),
    /// A write succeeded but what it wrote could not be read back in time.
    #[error("{what} was written but could not be read back within {} s (AWS is eventually consistent). Run `terraform apply` again; if it recurs, raise timeouts.read_after_write_seconds in the provider block", waited.as_secs())]
    NotFoundAfterWrite { what: String, waited: Duration },
    /// An object disappeared while the apply ran.
    #[error("{0}")]
    Gone(String),
    /// An object of that name exists and is not ours.
    #[error("{0}")]
    AlreadyExists(String),
    /// The provider reached a state it should not.
    #[error(
        "{0} (this is a bug in the opsdeck provider: please report it with the TF_LOG=debug log)"
    )]
    Internal(String),
}

fn describe_aws(service: &str, operation: &str, failure: &AwsFailure) -> String {
    match failure {
        AwsFailure::Service { code, message, status } => {
            let status = status.map(|s| format!(", HTTP {s}")).unwrap_or_default();
            let said = if message.is_empty() || message == code {
                code.clone()
            } else {
                format!("{code}: {message}")
            };
            let fix = if is_access_denied(code) {
                format!("Grant the caller the IAM permission {service}:{operation} (the resource's documentation lists the permissions it needs), or fix `profile` / `assume_role` in the provider block.")
            } else if is_throttling(code) {
                "AWS throttled the call after every retry: apply again later, lower Terraform's -parallelism, or raise `max_retries` in the provider block.".to_owned()
            } else if status.is_empty() || !status.contains('5') {
                "Fix what AWS's message names, then apply again.".to_owned()
            } else {
                "This is an error on AWS's side: apply again; the state records what was done.".to_owned()
            };
            format!("AWS {service} refused {operation} ({said}{status}). {fix}")
        }
        AwsFailure::Unreachable(detail) => format!(
            "could not reach AWS {service} for {operation}: {detail}. Check the network and the endpoint (`endpoints.{}` in the provider block, or AWS_ENDPOINT_URL), then apply again.",
            endpoint_key(service)
        ),
        AwsFailure::Timeout(detail) => format!(
            "AWS {service} did not answer {operation} in time ({detail}). Check the network and `endpoints.{}`, or raise `timeouts` in the provider block, then apply again.",
            endpoint_key(service)
        ),
        AwsFailure::BadResponse(detail) => format!(
            "AWS {service} sent an answer to {operation} that cannot be read ({detail}). If `endpoints.{}` points at a proxy or an emulator, check it; else apply again.",
            endpoint_key(service)
        ),
    }
}

/// The key of `endpoints { }` for an SDK service name.
fn endpoint_key(service: &str) -> &str {
    match service {
        "tagging" => "resourcegroupstaggingapi",
        other => other,
    }
}

fn is_access_denied(code: &str) -> bool {
    matches!(
        code,
        "AccessDenied"
            | "AccessDeniedException"
            | "AuthorizationError"
            | "UnauthorizedOperation"
            | "UnrecognizedClientException"
            | "InvalidClientTokenId"
            | "ExpiredToken"
            | "ExpiredTokenException"
            | "SignatureDoesNotMatch"
    )
}

fn is_throttling(code: &str) -> bool {
    matches!(
        code,
        "Throttling"
            | "ThrottlingException"
            | "ThrottledException"
            | "RequestThrottledException"
            | "TooManyRequestsException"
            | "ProvisionedThroughputExceededException"
            | "RequestLimitExceeded"
            | "SlowDown"
            | "RequestThrottled"
    )
}

/// The innermost message of an error's source chain ("Connection refused (os error 111)"):
/// the part that says what happened, without the SDK's layers of wrapping.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    let mut text = current.to_string();
    while let Some(next) = current.source() {
        let t = next.to_string();
        if !t.is_empty() {
            text = t;
        }
        current = next;
    }
    text
}

impl Error {
    /// Wraps an AWS SDK error with the service and operation that produced it, as a
    /// sentence. The SDK's debug form is logged at `debug` level only.
    pub fn aws<E>(
        service: &'static str,
        operation: &'static str,
        err: SdkError<E, HttpResponse>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        tracing::debug!(service, operation, error = ?err, "AWS call failed");
        let failure = match &err {
            SdkError::TimeoutError(_) => AwsFailure::Timeout(
                "no answer within timeouts.attempt_seconds for an attempt, or timeouts.operation_seconds in all"
                    .into(),
            ),
            SdkError::DispatchFailure(d) => {
                if d.is_timeout() {
                    AwsFailure::Timeout(format!(
                        "the attempt timeout (timeouts.attempt_seconds) ran out: {}",
                        root_cause(&err)
                    ))
                } else {
                    AwsFailure::Unreachable(root_cause(&err))
                }
            }
            SdkError::ResponseError(_) => AwsFailure::BadResponse(root_cause(&err)),
            SdkError::ConstructionFailure(_) => {
                return Error::Internal(format!(
                    "the request {service} {operation} could not be built: {}",
                    root_cause(&err)
                ))
            }
            _ => {
                let status = err.raw_response().map(|r| r.status().as_u16());
                match (err.code(), err.message()) {
                    (Some(code), message) => AwsFailure::Service {
                        code: code.to_owned(),
                        message: message.unwrap_or_default().to_owned(),
                        status,
                    },
                    (None, _) => AwsFailure::Service {
                        code: status
                            .map(|s| format!("HTTP {s}"))
                            .unwrap_or_else(|| "unknown error".into()),
                        message: root_cause(&err),
                        status: None,
                    },
                }
            }
        };
        Self::Aws {
            service,
            operation,
            failure,
        }
    }

    /// An AWS error with a given code, for errors the provider builds from an answer
    /// (e.g. a batch call that reports failed items).
    pub fn aws_service(
        service: &'static str,
        operation: &'static str,
        code: &str,
        message: impl Into<String>,
    ) -> Self {
        Self::Aws {
            service,
            operation,
            failure: AwsFailure::Service {
                code: code.to_owned(),
                message: message.into(),
                status: None,
            },
        }
    }

    /// The family of the error.
    pub fn code(&self) -> Code {
        match self {
            Error::NotConfigured => Code::NotConfigured,
            Error::Invalid(_) => Code::InvalidConfiguration,
            Error::Cancelled(_) => Code::Cancelled,
            Error::NotFoundAfterWrite { .. } => Code::NotFoundAfterWrite,
            Error::Gone(_) => Code::Gone,
            Error::AlreadyExists(_) => Code::AlreadyExists,
            Error::Internal(_) => Code::Internal,
            Error::Aws { failure, .. } => match failure {
                AwsFailure::Service { code, .. } if is_access_denied(code) => Code::AccessDenied,
                AwsFailure::Service { code, .. } if is_throttling(code) => Code::Throttled,
                AwsFailure::Service { .. } => Code::AwsRejected,
                AwsFailure::Unreachable(_) | AwsFailure::BadResponse(_) => Code::Unreachable,
                AwsFailure::Timeout(_) => Code::Timeout,
            },
        }
    }

    /// The AWS error code, when AWS answered with one.
    pub fn aws_code(&self) -> Option<&str> {
        match self {
            Error::Aws {
                failure: AwsFailure::Service { code, .. },
                ..
            } => Some(code),
            _ => None,
        }
    }

    /// True when the call may have taken effect although it failed: no answer (a reset
    /// connection, a timeout, an unreadable answer) or a server error. A 4xx answer means
    /// AWS refused the request, so nothing was done. After an ambiguous failure of a write,
    /// what it would have made must be treated as possibly existing.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Error::Aws { failure, .. } => match failure {
                AwsFailure::Service { status, code, .. } => {
                    status.is_none_or(|s| s >= 500)
                        && !is_access_denied(code)
                        && !is_throttling(code)
                }
                AwsFailure::Unreachable(_)
                | AwsFailure::Timeout(_)
                | AwsFailure::BadResponse(_) => true,
            },
            Error::Cancelled(_) => true,
            _ => false,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_complete() {
        let ids: HashSet<&str> = CODES.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), CODES.len());
        for c in CODES {
            assert!(
                c.id.starts_with("OPSDECK-P") && c.id.len() == 12,
                "{}",
                c.id
            );
            assert_eq!(c.code.info().id, c.id);
            assert!(c.cause.ends_with('.') && c.fix.ends_with('.'), "{}", c.id);
        }
        assert_eq!(
            Code::Timeout.tag("Cannot read the topic"),
            "Cannot read the topic (OPSDECK-P007)"
        );
        assert!(is_tagged(&Code::Timeout.tag("x")));
    }

    #[test]
    fn aws_errors_read_as_sentences_with_their_family() {
        let denied = Error::aws_service("sns", "CreateTopic", "AccessDenied", "not allowed");
        assert_eq!(denied.code(), Code::AccessDenied);
        let text = denied.to_string();
        assert!(
            text.starts_with("AWS sns refused CreateTopic (AccessDenied: not allowed)"),
            "{text}"
        );
        assert!(text.contains("sns:CreateTopic"), "{text}");
        let unreachable = Error::Aws {
            service: "sts",
            operation: "GetCallerIdentity",
            failure: AwsFailure::Unreachable("Connection refused (os error 111)".into()),
        };
        let text = unreachable.to_string();
        assert!(
            text.contains("endpoints.sts") && !text.contains("DispatchFailure"),
            "{text}"
        );
        assert_eq!(unreachable.code(), Code::Unreachable);
        assert!(unreachable.is_ambiguous());
        assert!(!denied.is_ambiguous());
        let server = Error::Aws {
            service: "sns",
            operation: "CreateTopic",
            failure: AwsFailure::Service {
                code: "InternalFailure".into(),
                message: String::new(),
                status: Some(500),
            },
        };
        assert!(server.is_ambiguous());
        assert!(
            server.to_string().contains("error on AWS's side"),
            "{server}"
        );
    }

    #[test]
    fn the_documentation_lists_every_code_as_defined() {
        let page = include_str!("../docs/errors.md");
        for c in CODES {
            let row = format!("| {} | {} | {} | {} |", c.id, c.title, c.cause, c.fix);
            assert!(
                page.contains(&row),
                "docs/errors.md lacks or misstates:\n{row}"
            );
        }
    }
}
