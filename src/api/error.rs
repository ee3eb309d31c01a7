//! Typed errors of the API client. Every error knows which action failed and, where the
//! service answered, its Code, Message and RequestId; it can say what to do next.

use std::fmt;

/// What went wrong with one API call (after any retries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The service answered with an error: a gateway error (HTTP 4xx/5xx) or an HTTP 200
    /// body with `Success` false.
    Service {
        action: String,
        http_status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
        recommend: Option<String>,
    },
    /// The service could not be reached; the request was never written to it.
    Connect { action: String, detail: String },
    /// The request may have reached the service but no complete answer came back
    /// (timeout or connection reset after the request was written).
    NoAnswer { action: String, detail: String },
    /// An answer came back but could not be understood.
    Malformed {
        action: String,
        http_status: u16,
        detail: String,
        request_id: Option<String>,
    },
    /// A SwitchSynchronizationEndpoint answer that reports success without a TaskId.
    MissingTaskId { request_id: Option<String> },
    /// No credentials could be had for the call (STS or the instance metadata failed),
    /// so nothing was sent. `detail` already says what to do.
    Credentials {
        action: String,
        detail: String,
        /// True when trying again will not help (refused, misconfigured).
        fatal: bool,
    },
}

/// Broad families of failure, used for exit codes and hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Throttled,
    BadCredentials,
    Permission,
    InvalidInput,
    NotFound,
    ServerError,
    Network,
    Unknown,
}

const BAD_CREDENTIAL_CODES: &[&str] = &[
    "InvalidAccessKeyId.NotFound",
    "InvalidAccessKeyId.Inactive",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidSecurityToken.Expired",
    "InvalidSecurityToken.Malformed",
    "InvalidSecurityToken.MismatchWithAccessKey",
    "InvalidTimeStamp.Expired",
    "InvalidTimeStamp.Format",
    "IllegalTimestamp",
];

impl ApiError {
    pub fn action(&self) -> &str {
        match self {
            ApiError::Service { action, .. }
            | ApiError::Connect { action, .. }
            | ApiError::NoAnswer { action, .. }
            | ApiError::Malformed { action, .. }
            | ApiError::Credentials { action, .. } => action,
            ApiError::MissingTaskId { .. } => "SwitchSynchronizationEndpoint",
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match self {
            ApiError::Service { request_id, .. }
            | ApiError::Malformed { request_id, .. }
            | ApiError::MissingTaskId { request_id } => request_id.as_deref(),
            _ => None,
        }
    }

    pub fn http_status(&self) -> Option<u16> {
        match self {
            ApiError::Service { http_status, .. } | ApiError::Malformed { http_status, .. } => {
                Some(*http_status)
            }
            _ => None,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            ApiError::Connect { .. } | ApiError::NoAnswer { .. } => ErrorKind::Network,
            ApiError::Malformed { .. } | ApiError::MissingTaskId { .. } => ErrorKind::Unknown,
            ApiError::Credentials { fatal: true, .. } => ErrorKind::BadCredentials,
            ApiError::Credentials { fatal: false, .. } => ErrorKind::Network,
            ApiError::Service {
                code, http_status, ..
            } => classify_code(code, *http_status),
        }
    }

    /// True when the service said no in a way that proves the request was not executed
    /// and may be sent again (throttling, a reused nonce), or the request never left.
    pub fn proves_not_executed(&self) -> bool {
        match self {
            ApiError::Connect { .. } | ApiError::Credentials { .. } => true,
            ApiError::Service {
                code, http_status, ..
            } => is_throttling(code) || *http_status == 429 || code == "SignatureNonceUsed",
            _ => false,
        }
    }

    /// True when a read may be retried after this error.
    pub fn retryable_read(&self) -> bool {
        match self {
            ApiError::Connect { .. } | ApiError::NoAnswer { .. } | ApiError::Malformed { .. } => {
                true
            }
            ApiError::Service {
                code, http_status, ..
            } => {
                is_throttling(code)
                    || *http_status == 429
                    || code == "SignatureNonceUsed"
                    || code == "ServiceUnavailable"
                    || code == "InternalError"
                    || *http_status >= 500
            }
            ApiError::MissingTaskId { .. } => false,
            ApiError::Credentials { fatal, .. } => !fatal,
        }
    }

    /// For a mutating call: may it have executed even though this error came back?
    /// Gateway 5xx, timeouts, resets and unreadable answers leave the outcome unknown.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            ApiError::NoAnswer { .. } | ApiError::Malformed { .. } => true,
            ApiError::Service { http_status, .. } => *http_status >= 500,
            _ => false,
        }
    }

    /// What the operator should do next, where it is known.
    pub fn next_step(&self) -> Option<String> {
        if let ApiError::Credentials { .. } = self {
            return None; // the detail says it
        }
        let s = match self.kind() {
            ErrorKind::Throttled => {
                "the service is throttling this account; wait a minute and try again".to_string()
            }
            ErrorKind::BadCredentials => match self.code() {
                Some(c) if c.starts_with("InvalidTimeStamp") => {
                    "the local clock is off by more than 15 minutes; fix the clock (NTP) and retry"
                        .to_string()
                }
                Some(c) if c.starts_with("InvalidSecurityToken") => {
                    "the STS token is expired or does not match the AccessKey; get fresh STS credentials"
                        .to_string()
                }
                Some("SignatureDoesNotMatch") | Some("IncompleteSignature") => {
                    "the AccessKey secret is wrong for this AccessKeyId; check the credentials (--profile, ALIBABA_CLOUD_ACCESS_KEY_SECRET)"
                        .to_string()
                }
                _ => "the AccessKeyId is unknown or disabled; check the credentials (--profile, ALIBABA_CLOUD_ACCESS_KEY_ID)".to_string(),
            },
            ErrorKind::Permission => format!(
                "the RAM user lacks permission: grant dts:{} (e.g. the AliyunDTSFullAccess policy) and retry",
                self.action()
            ),
            ErrorKind::NotFound => {
                "the job does not exist in this region or account; check --region and the job id (dts-switch jobs)"
                    .to_string()
            }
            ErrorKind::InvalidInput => {
                "the service rejected a parameter; check the values shown above".to_string()
            }
            ErrorKind::ServerError => "the service had an internal problem; retry later".to_string(),
            ErrorKind::Network => match self {
                ApiError::Connect { .. } => {
                    "the service could not be reached; check the network, the --endpoint URL and any proxy"
                        .to_string()
                }
                ApiError::NoAnswer { detail, .. } if detail.contains("timed out") => {
                    "the service did not answer within --timeout; check the network, or raise --timeout"
                        .to_string()
                }
                _ => "the connection broke before the answer arrived; check the network and any proxy"
                    .to_string(),
            },
            ErrorKind::Unknown => return None,
        };
        Some(s)
    }
}

fn is_throttling(code: &str) -> bool {
    code == "Throttling" || code.starts_with("Throttling.") || code == "Rejected.Throttling"
}

fn classify_code(code: &str, http_status: u16) -> ErrorKind {
    if is_throttling(code) || http_status == 429 {
        ErrorKind::Throttled
    } else if BAD_CREDENTIAL_CODES.contains(&code) {
        ErrorKind::BadCredentials
    } else if code.contains("InstanceNotFound") || code.contains("JobNotFound") {
        ErrorKind::NotFound
    } else if code.starts_with("Forbidden") || code == "NoPermission" || http_status == 403 {
        ErrorKind::Permission
    } else if code.starts_with("Missing") || code.starts_with("Invalid") {
        ErrorKind::InvalidInput
    } else if http_status >= 500 || code == "InternalError" || code == "ServiceUnavailable" {
        ErrorKind::ServerError
    } else {
        ErrorKind::Unknown
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Service {
                action,
                http_status,
                code,
                message,
                request_id,
                recommend,
            } => {
                write!(
                    f,
                    "{action} failed: the service answered {code} (HTTP {http_status}): {message}"
                )?;
                if let Some(id) = request_id {
                    write!(f, "\n  RequestId: {id}")?;
                }
                if let Some(r) = recommend {
                    write!(f, "\n  diagnosis: {r}")?;
                }
            }
            ApiError::Connect { action, detail } => {
                write!(f, "{action} failed: could not connect to the service: {detail}")?
            }
            ApiError::NoAnswer { action, detail } => write!(
                f,
                "{action} failed: no answer from the service (the request may have reached it): {detail}"
            )?,
            ApiError::Malformed {
                action,
                http_status,
                detail,
                request_id,
            } => {
                write!(
                    f,
                    "{action} failed: the answer (HTTP {http_status}) could not be understood: {detail}"
                )?;
                if let Some(id) = request_id {
                    write!(f, "\n  RequestId: {id}")?;
                }
            }
            ApiError::Credentials { action, detail, .. } => {
                write!(f, "{action} was not sent: {detail}")?
            }
            ApiError::MissingTaskId { request_id } => {
                write!(
                    f,
                    "SwitchSynchronizationEndpoint failed: the answer reported success but carried no TaskId, so the switch cannot be followed"
                )?;
                if let Some(id) = request_id {
                    write!(f, "\n  RequestId: {id}")?;
                }
            }
        }
        if let Some(next) = self.next_step() {
            write!(f, "\n  next step: {next}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(code: &str, status: u16) -> ApiError {
        ApiError::Service {
            action: "DescribeSynchronizationJobs".into(),
            http_status: status,
            code: code.into(),
            message: "m".into(),
            request_id: Some("RID".into()),
            recommend: None,
        }
    }

    #[test]
    fn kinds() {
        assert_eq!(svc("Throttling.User", 400).kind(), ErrorKind::Throttled);
        assert_eq!(
            svc("SignatureDoesNotMatch", 400).kind(),
            ErrorKind::BadCredentials
        );
        assert_eq!(
            svc("InvalidAccessKeyId.NotFound", 404).kind(),
            ErrorKind::BadCredentials
        );
        assert_eq!(svc("Forbidden.RAM", 403).kind(), ErrorKind::Permission);
        assert_eq!(
            svc("Forbidden.InstanceNotFound", 200).kind(),
            ErrorKind::NotFound
        );
        assert_eq!(svc("InvalidParameter", 400).kind(), ErrorKind::InvalidInput);
        assert_eq!(
            svc("ServiceUnavailable", 503).kind(),
            ErrorKind::ServerError
        );
    }

    #[test]
    fn switch_safety_classes() {
        assert!(svc("Throttling.User", 400).proves_not_executed());
        assert!(svc("HTTP429", 429).proves_not_executed());
        assert!(svc("HTTP429", 429).retryable_read());
        assert_eq!(svc("HTTP429", 429).kind(), ErrorKind::Throttled);
        assert!(!svc("InternalError", 500).proves_not_executed());
        assert!(svc("InternalError", 500).outcome_unknown());
        assert!(!svc("InvalidParameter", 400).outcome_unknown());
        let t = ApiError::NoAnswer {
            action: "x".into(),
            detail: "timeout".into(),
        };
        assert!(t.outcome_unknown() && !t.proves_not_executed() && t.retryable_read());
    }

    #[test]
    fn credential_failures_prove_nothing_was_sent() {
        let e = ApiError::Credentials {
            action: "SwitchSynchronizationEndpoint".into(),
            detail: "cannot get RamRoleArn credentials (x): STS refused".into(),
            fatal: true,
        };
        assert!(e.proves_not_executed() && !e.outcome_unknown() && !e.retryable_read());
        assert_eq!(e.kind(), ErrorKind::BadCredentials);
        assert!(e.to_string().contains("was not sent") && e.to_string().contains("RamRoleArn"));
        assert!(e.next_step().is_none());
        let t = ApiError::Credentials {
            action: "x".into(),
            detail: "unreachable".into(),
            fatal: false,
        };
        assert!(t.retryable_read() && t.proves_not_executed());
        assert_eq!(t.kind(), ErrorKind::Network);
    }

    #[test]
    fn display_names_code_request_id_and_next_step() {
        let s = svc("Forbidden.RAM", 403).to_string();
        assert!(s.contains("Forbidden.RAM"));
        assert!(s.contains("RequestId: RID"));
        assert!(s.contains("dts:DescribeSynchronizationJobs"));
    }
}
