//! Typed errors of the API client. Every error knows which action failed and, where the
//! service answered, its Code, Message and RequestId; it can say what to do next.

use std::fmt;

/// What went wrong with one API call (after any retries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The service answered with a well-formed JSON error: a gateway error (HTTP 4xx/5xx)
    /// or an HTTP 200 body with `Success` false. `code` is the answer's Code / ErrCode, or
    /// `HTTP<status>` when the JSON error carries none.
    Service {
        action: String,
        http_status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
        recommend: Option<String>,
    },
    /// An error status (HTTP 4xx/5xx) whose body is not a JSON error: an HTML or text page,
    /// typically from a proxy, load balancer or firewall in front of the service, or an
    /// empty body. Whether the request went on to the service cannot be known.
    ErrorPage {
        action: String,
        http_status: u16,
        /// The start of the body, on one line.
        snippet: String,
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
    /// The answer's body was larger than `limit` bytes; reading stopped there.
    TooLarge {
        action: String,
        http_status: u16,
        limit: usize,
    },
    /// A SwitchSynchronizationEndpoint answer without a usable TaskId (none, null, empty,
    /// not a string or number, or not a plausible id). The switch may have been executed.
    MissingTaskId {
        request_id: Option<String>,
        /// What the answer had instead, e.g. `TaskId is null`.
        detail: String,
    },
    /// No credentials could be had for the call (STS or the instance metadata failed),
    /// so nothing was sent. `detail` (our text, service parts cleaned) says what to do.
    Credentials {
        action: String,
        detail: String,
        /// True when trying again will not help (refused, misconfigured).
        fatal: bool,
    },
}

pub use crate::domain::service::ErrorKind;

/// What an answer to SwitchSynchronizationEndpoint means (see [`switch_verdict`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwitchVerdict {
    /// A usable TaskId came back: follow it.
    Accepted,
    /// The service's answer proves the switch was not executed.
    Refused,
    /// Anything else: it may have been executed. Never resend; check the job first.
    Unknown,
}

/// **The one rule for answers to a switch** (README "Safety rules"; dts-api.md §5.3).
///
/// * **Accepted**: the answer carries a usable TaskId (a non-empty string or number; see
///   [`crate::api::ops::parse_switch_answer`]).
/// * **Refused**: only when the service's answer proves the switch was not executed, that
///   is [`ApiError::proves_not_executed`]: a well-formed JSON error carrying a code that
///   comes before execution (parameter, signature, credentials, permission, throttling,
///   wrong action/version/product), or the connection was never made.
/// * **Unknown**: everything else: no TaskId, internal errors in any shape, unreadable or
///   oversized bodies, HTML or text pages of any status, 5xx, timeouts, resets.
pub fn switch_verdict<T>(answer: &Result<T, ApiError>) -> SwitchVerdict {
    match answer {
        Ok(_) => SwitchVerdict::Accepted,
        Err(e) if e.proves_not_executed() => SwitchVerdict::Refused,
        Err(_) => SwitchVerdict::Unknown,
    }
}

/// Codes that name a credentials problem (exit 2: fix the credentials).
fn is_bad_credentials(code: &str) -> bool {
    code.starts_with("InvalidAccessKeyId")
        || code.starts_with("InvalidSecurityToken")
        || code.starts_with("InvalidTimeStamp")
        || matches!(
            code,
            "MissingSecurityToken"
                | "SignatureDoesNotMatch"
                | "IncompleteSignature"
                | "IllegalTimestamp"
        )
}

/// Codes the gateway or the service's validation give *before* executing anything
/// (dts-api.md §5.1), so that an answer carrying one proves **this** request was not
/// executed. Every family of codes here, and why it proves that:
///
/// * `Missing*` (`MissingParameter`, `Missing{Name}`, `MissingSecurityToken`) and
///   `Invalid*` (`InvalidParameter`, `Invalid{Name}`, `InvalidAccessKeyId.*`,
///   `InvalidSecurityToken.*`, `InvalidTimeStamp.*`, `InvalidAction.NotFound`,
///   `InvalidApi.NotFound`, `InvalidVersion`, `InvalidProduct.NotFound`): the request
///   was rejected while its parameters, credentials or routing were checked; nothing is
///   executed for a request that failed validation.
/// * `Forbidden*` (`Forbidden`, `Forbidden.RAM`, `Forbidden.NoPermission`,
///   `Forbidden.RiskControl`, `Forbidden.UserVerification`, `Forbidden.InstanceNotFound`)
///   and `NoPermission`: the authorisation (or the lookup of the job it is checked on)
///   failed, which comes before the operation runs.
/// * Throttling (`Throttling`, `Throttling.*`, `Rejected.Throttling`): flow control
///   turns the request away at the door.
/// * Signature and clock codes (`SignatureDoesNotMatch`, `IncompleteSignature`,
///   `IllegalTimestamp`): the gateway could not authenticate the request, so it was
///   never handed to the service.
/// * `UnsupportedOperation`, `NoSuchVersion`: there is no such operation to run.
/// * `OperationDenied.JobVersionNotSupported` (HTTP 403): the job belongs to the other
///   API family; the operation refuses such a job outright, before doing anything.
///
/// **Not here: `SignatureNonceUsed`.** Every attempt is signed with a fresh random
/// nonce, so the service can only have seen this nonce before if this very signed
/// request already reached it: a hop (proxy, load balancer, a retrying middlebox)
/// delivered it twice, and the answer we got is the one to the second copy. The first
/// copy may have been executed, so for a write the outcome is unknown. (A read may still
/// be retried after it: [`ApiError::retryable_read`].)
///
/// A code that also carries a sign of uncertainty ([`may_have_executed_code`]) never
/// proves anything, whatever its prefix.
pub fn is_pre_execution_code(code: &str) -> bool {
    if may_have_executed_code(code) {
        return false;
    }
    code.starts_with("Missing")
        || code.starts_with("Invalid")
        || code.starts_with("Forbidden")
        || is_throttling(code)
        || is_bad_credentials(code)
        || is_wrong_family_code(code)
        || matches!(
            code,
            "NoPermission" | "UnsupportedOperation" | "NoSuchVersion"
        )
}

/// Codes whose wording says the service itself is unsure or broken, so a write that got
/// one may have been executed (or half executed): internal errors, unavailability,
/// timeouts, "unknown", system errors and exceptions, a busy server, and the failure of
/// the operation itself (`ModifyFailed`, `SwitchFailed`, `ExecuteFailed`,
/// `OperationFailed`: the service had started the change when it failed). Compared
/// case-insensitively with `.`, `_` and `-` ignored.
pub fn may_have_executed_code(code: &str) -> bool {
    let norm: String = code
        .chars()
        .filter(|c| !matches!(c, '.' | '_' | '-'))
        .collect::<String>()
        .to_ascii_lowercase();
    [
        "internal",
        "unavailable",
        "timeout",
        "timedout",
        "unknown",
        "systemerror",
        "exception",
        "serverbusy",
        "servicebusy",
        "systembusy",
        "modifyfailed",
        "switchfailed",
        "executefailed",
        "executionfailed",
        "operationfailed",
    ]
    .iter()
    .any(|m| norm.contains(m))
}

/// A business refusal of the maintained DTS family: a `DTS.Msg.*` code (the service's
/// message catalogue, e.g. `DTS.Msg.InvalidEndpoint`,
/// `DTS.Msg.OperationDenied.JobStatusModifying`, `DTS.Msg.ModifyDenied.JobStatusNotRunning`,
/// a failed dry-run check) in a well-formed JSON answer that is not a 5xx, typically an
/// HTTP 200 `Success:false` body. The service looked at the request and declined it,
/// which it does before changing the job, so it proves the request was not executed,
/// **except** when the code says the service may have done it
/// ([`may_have_executed_code`]: `DTS.Msg.InternalError`, anything with `Timeout`,
/// `Unknown`, `ModifyFailed`, …), which stays unknown.
///
/// Other codes in a `Success:false` body (e.g. `OperationDenied.JobStatus` from the legacy
/// switch) are judged by [`is_pre_execution_code`] alone, as dts-api.md §5.3 asks: a
/// code that is neither in the catalogue nor a pre-execution code leaves a write unknown.
pub fn is_business_refusal_code(code: &str) -> bool {
    let is_catalogue = code
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("DTS.Msg."))
        && code.len() > 8;
    is_catalogue && !may_have_executed_code(code)
}

/// `OperationDenied.JobVersionNotSupported`, bare or in the `DTS.Msg.` catalogue.
fn is_wrong_family_code(code: &str) -> bool {
    code == "OperationDenied.JobVersionNotSupported"
        || code.eq_ignore_ascii_case("DTS.Msg.OperationDenied.JobVersionNotSupported")
}

/// Codes that name a missing permission: `Forbidden.RAM`, `Forbidden`, `NoPermission`,
/// `Forbidden.NoPermission`, and any code containing `NoPermission` or the word `RAM`
/// (`RAM` not preceded by a capital, so `INVALID_PARAMETER` is not one). Only these get
/// the "the RAM user lacks permission" hint; any other 403 is shown for what it says.
pub fn is_permission_code(code: &str) -> bool {
    let names_ram = code
        .match_indices("RAM")
        .any(|(i, _)| !code[..i].ends_with(|c: char| c.is_ascii_uppercase()));
    matches!(
        code,
        "Forbidden.RAM" | "Forbidden" | "NoPermission" | "Forbidden.NoPermission"
    ) || code.contains("NoPermission")
        || names_ram
}

impl ApiError {
    pub fn action(&self) -> &str {
        match self {
            ApiError::Service { action, .. }
            | ApiError::ErrorPage { action, .. }
            | ApiError::Connect { action, .. }
            | ApiError::NoAnswer { action, .. }
            | ApiError::Malformed { action, .. }
            | ApiError::TooLarge { action, .. }
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
            | ApiError::MissingTaskId { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            ApiError::Connect { .. } | ApiError::NoAnswer { .. } => ErrorKind::Network,
            ApiError::Malformed { .. }
            | ApiError::MissingTaskId { .. }
            | ApiError::TooLarge { .. } => ErrorKind::Unknown,
            ApiError::Credentials { fatal: true, .. } => ErrorKind::BadCredentials,
            ApiError::Credentials { fatal: false, .. } => ErrorKind::Network,
            ApiError::ErrorPage { http_status, .. } => match http_status {
                429 => ErrorKind::Throttled,
                s if *s >= 500 => ErrorKind::ServerError,
                _ => ErrorKind::Unknown,
            },
            ApiError::Service {
                code, http_status, ..
            } => classify_code(code, *http_status),
        }
    }

    /// True only when the request provably did not execute: the connection was never
    /// made (or no credentials could be had, so nothing was sent), or the service
    /// answered with a well-formed JSON error whose code comes before execution
    /// ([`is_pre_execution_code`]; a JSON HTTP 429 without a code counts as throttling)
    /// or is a business refusal of the maintained family ([`is_business_refusal_code`]).
    /// With an HTTP 5xx status only a throttling code counts. This is the rule of
    /// [`switch_verdict`] and of every write (SwitchSynchronizationEndpoint and
    /// ModifyDtsJobEndpoint alike); everything else leaves a write's outcome unknown.
    pub fn proves_not_executed(&self) -> bool {
        match self {
            // No credentials: the request was never sent.
            ApiError::Connect { .. } | ApiError::Credentials { .. } => true,
            ApiError::Service {
                code, http_status, ..
            } => {
                if *http_status >= 500 {
                    is_throttling(code)
                } else {
                    is_pre_execution_code(code)
                        || is_business_refusal_code(code)
                        || (*http_status == 429 && code == "HTTP429")
                }
            }
            _ => false,
        }
    }

    /// True when a write (any [`crate::api::CallMode::Mutating`] call) may be sent again
    /// by itself after this error: it provably did not execute *and* the cause passes on
    /// its own: throttling (a throttling code or a JSON HTTP 429), or no connection. A
    /// refusal that is final (parameters, permission, a business refusal, the wrong API
    /// family) is not resent: the same request would get the same answer. Never after
    /// `SignatureNonceUsed`: it says this request already reached the service (see
    /// [`is_pre_execution_code`]).
    pub fn retryable_switch(&self) -> bool {
        match self {
            ApiError::Connect { .. } => true,
            ApiError::Credentials { fatal, .. } => !fatal,
            ApiError::Service {
                code, http_status, ..
            } => self.proves_not_executed() && (is_throttling(code) || *http_status == 429),
            _ => false,
        }
    }

    /// True for `DTS.Msg.OperationDenied.JobStatusModifying` (case-insensitive) in a
    /// non-5xx answer: the job is being modified right now. A business refusal ("not
    /// now"; [`is_business_refusal_code`]), not a fault: the same request may be sent
    /// once the job has left `Modifying`. The code without its `DTS.Msg.` prefix is not
    /// in the catalogue and so stays an unknown outcome; it does not count here either.
    pub fn is_job_status_modifying(&self) -> bool {
        matches!(self, ApiError::Service { code, http_status, .. }
            if *http_status < 500
                && code.eq_ignore_ascii_case("DTS.Msg.OperationDenied.JobStatusModifying"))
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
            ApiError::ErrorPage { http_status, .. } => *http_status == 429 || *http_status >= 500,
            ApiError::TooLarge { .. } | ApiError::MissingTaskId { .. } => false,
            ApiError::Credentials { fatal, .. } => !fatal,
        }
    }

    /// For a mutating call: may it have executed even though this error came back?
    /// True for everything [`proves_not_executed`](Self::proves_not_executed) does not
    /// prove refused (see [`switch_verdict`]).
    pub fn outcome_unknown(&self) -> bool {
        !self.proves_not_executed()
    }

    /// What the operator should do next, where it is known.
    pub fn next_step(&self) -> Option<String> {
        if let ApiError::Credentials { .. } = self {
            return None; // the detail says it
        }
        if let ApiError::ErrorPage { .. } = self {
            return Some(
                "something between dts-switch and the service (a proxy, gateway or firewall) answered instead of the DTS API; check the --endpoint URL and any proxy (HTTPS_PROXY)"
                    .to_string(),
            );
        }
        if let ApiError::TooLarge { .. } = self {
            return Some(
                "no DTS answer is that large: check the --endpoint URL and any proxy".to_string(),
            );
        }
        let s = match self.kind() {
            ErrorKind::Throttled => {
                "the service is throttling this account; wait a minute and try again".to_string()
            }
            ErrorKind::BadCredentials => match self.code() {
                Some(c) if c.starts_with("InvalidTimeStamp") || c == "IllegalTimestamp" => {
                    "the local clock is off by more than 15 minutes; fix the clock (NTP) and retry"
                        .to_string()
                }
                Some(c) if c.starts_with("InvalidSecurityToken") => {
                    "the STS token is expired or does not match the AccessKey; get fresh STS credentials"
                        .to_string()
                }
                Some("MissingSecurityToken") => {
                    "this AccessKey is an STS key and needs its security token; set ALIBABA_CLOUD_SECURITY_TOKEN or use a StsToken profile"
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
            ErrorKind::WrongFamily => format!(
                "this job belongs to the other DTS API family: {} does not serve it; {}",
                self.action(),
                other_family_hint(self.action())
            ),
            ErrorKind::Refused if self.is_job_status_modifying() => {
                "the job is being modified right now (status Modifying): wait until it runs again, then retry"
                    .to_string()
            }
            ErrorKind::Refused => format!(
                "the service refused: {} (see its message above)",
                crate::text::clean(self.code().unwrap_or("no code"))
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
            ErrorKind::Unknown if self.code() == Some("SignatureNonceUsed") => {
                "the service had already seen this very signed request (something on the way delivered it twice): a write may have been executed; check the job before sending it again"
                    .to_string()
            }
            ErrorKind::Unknown => return None,
        };
        Some(s)
    }
}

/// Which operations serve the other family, for [`ErrorKind::WrongFamily`].
fn other_family_hint(action: &str) -> &'static str {
    let maintained = action.contains("DtsJob");
    if maintained {
        "it is a legacy SynchronizationJob job: its endpoint is changed with SwitchSynchronizationEndpoint and read with DescribeSynchronizationJobStatus"
    } else if action.contains("Synchronization") || action.contains("EndpointSwitch") {
        "it is a new-version DtsJob job: its endpoint is changed with ModifyDtsJobEndpoint and read with DescribeDtsJobDetail"
    } else {
        "use the operations of the job's own family"
    }
}

fn is_throttling(code: &str) -> bool {
    code == "Throttling" || code.starts_with("Throttling.") || code == "Rejected.Throttling"
}

/// The kind of a service error. Order matters: throttling and credentials first; a
/// missing job (`Forbidden.InstanceNotFound` is a 403) before permission; the wrong API
/// family (`OperationDenied.JobVersionNotSupported`, a 403) before anything 403; then
/// only codes that name a permission are [`ErrorKind::Permission`]; input codes (also as
/// `DTS.Msg.Invalid*`); other `Forbidden*` / 403 codes and the business refusals of the
/// `DTS.Msg.` catalogue are [`ErrorKind::Refused`].
fn classify_code(code: &str, http_status: u16) -> ErrorKind {
    let bare = code
        .get(..8)
        .filter(|p| p.eq_ignore_ascii_case("DTS.Msg."))
        .map(|_| &code[8..])
        .unwrap_or(code);
    if is_throttling(code) || http_status == 429 {
        ErrorKind::Throttled
    } else if is_bad_credentials(code) {
        ErrorKind::BadCredentials
    } else if code.contains("InstanceNotFound") || code.contains("JobNotFound") {
        ErrorKind::NotFound
    } else if is_wrong_family_code(code) {
        ErrorKind::WrongFamily
    } else if is_permission_code(code) {
        ErrorKind::Permission
    } else if bare.starts_with("Missing") || bare.starts_with("Invalid") {
        ErrorKind::InvalidInput
    } else if http_status >= 500 || may_have_executed_code(code) {
        ErrorKind::ServerError
    } else if code.starts_with("Forbidden") || http_status == 403 || is_business_refusal_code(code)
    {
        ErrorKind::Refused
    } else {
        ErrorKind::Unknown
    }
}

/// `16 MiB`, `512 KiB`, `100 bytes`.
pub fn human_bytes(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// Every part that came from the service (or from the network) goes through
/// [`crate::text::clean`]: the text is ours, one line per part.
impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::text::clean;
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
                    "{action} failed: the service answered {} (HTTP {http_status}): {}",
                    clean(code),
                    clean(message)
                )?;
                if let Some(id) = request_id {
                    write!(f, "\n  RequestId: {}", clean(id))?;
                }
                if let Some(r) = recommend {
                    write!(f, "\n  diagnosis: {}", clean(r))?;
                }
            }
            ApiError::ErrorPage {
                action,
                http_status,
                snippet,
            } => write!(
                f,
                "{action} failed: HTTP {http_status} with a page that is not a DTS answer: {}",
                clean(snippet)
            )?,
            ApiError::Connect { action, detail } => write!(
                f,
                "{action} failed: could not connect to the service: {}",
                clean(detail)
            )?,
            ApiError::NoAnswer { action, detail } => write!(
                f,
                "{action} failed: no answer from the service (the request may have reached it): {}",
                clean(detail)
            )?,
            ApiError::Malformed {
                action,
                http_status,
                detail,
                request_id,
            } => {
                write!(
                    f,
                    "{action} failed: the answer (HTTP {http_status}) could not be understood: {}",
                    clean(detail)
                )?;
                if let Some(id) = request_id {
                    write!(f, "\n  RequestId: {}", clean(id))?;
                }
            }
            ApiError::TooLarge {
                action,
                http_status,
                limit,
            } => write!(
                f,
                "{action} failed: the answer (HTTP {http_status}) is larger than {}, the most dts-switch reads of one answer; reading stopped there",
                human_bytes(*limit)
            )?,
            ApiError::Credentials { action, detail, .. } => write!(
                f,
                "{action} was not sent: {}",
                crate::text::clean_lines(detail)
            )?,
            ApiError::MissingTaskId { request_id, detail } => {
                write!(
                    f,
                    "SwitchSynchronizationEndpoint: the answer carried no usable TaskId ({}), so the switch cannot be followed and may have been executed",
                    clean(detail)
                )?;
                if let Some(id) = request_id {
                    write!(f, "\n  RequestId: {}", clean(id))?;
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
    fn credential_failures_prove_nothing_was_sent() {
        let e = ApiError::Credentials {
            action: "SwitchSynchronizationEndpoint".into(),
            detail: "cannot get RamRoleArn credentials from x: STS refused".into(),
            fatal: true,
        };
        assert!(e.proves_not_executed() && !e.outcome_unknown());
        assert!(!e.retryable_read() && !e.retryable_switch());
        assert_eq!(
            switch_verdict::<()>(&Err(e.clone())),
            SwitchVerdict::Refused
        );
        assert_eq!(e.kind(), ErrorKind::BadCredentials);
        assert!(e.to_string().contains("was not sent") && e.to_string().contains("RamRoleArn"));
        assert!(e.next_step().is_none());
        let t = ApiError::Credentials {
            action: "x".into(),
            detail: "unreachable".into(),
            fatal: false,
        };
        assert!(t.retryable_read() && t.retryable_switch() && t.proves_not_executed());
        assert_eq!(t.kind(), ErrorKind::Network);
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
        assert_eq!(
            svc("MissingSecurityToken", 400).kind(),
            ErrorKind::BadCredentials
        );
        assert_eq!(
            svc("InvalidSecurityToken.Expired", 400).kind(),
            ErrorKind::BadCredentials
        );
    }

    /// The one rule, as a table: (HTTP status, body) of an answer to a switch → verdict.
    #[test]
    fn switch_answers_classified_by_one_rule() {
        use crate::api::client::parse_answer;
        use crate::api::ops::parse_switch_answer;
        use SwitchVerdict::*;
        let err = |_status: u16, code: &str| {
            format!(
                r#"{{"RequestId":"R","HostId":"dts.aliyuncs.com","Code":"{code}","Message":"m"}}"#
            )
        };
        let biz = |code: &str| {
            format!(r#"{{"RequestId":"R","Success":false,"ErrCode":"{code}","ErrMessage":"m"}}"#)
        };
        let mut table: Vec<(u16, String, SwitchVerdict)> = vec![
            // Accepted: a usable TaskId.
            (
                200,
                r#"{"RequestId":"R","Success":"true","TaskId":"730001"}"#.into(),
                Accepted,
            ),
            (
                200,
                r#"{"RequestId":"R","Success":true,"TaskId":730001}"#.into(),
                Accepted,
            ),
            (200, r#"{"RequestId":"R","TaskId":"11"}"#.into(), Accepted),
            (
                200,
                r#"{"SwitchSynchronizationEndpointResponse":{"Success":"true","TaskId":"5"}}"#
                    .into(),
                Accepted,
            ),
            // Unknown: success without a usable TaskId.
            (200, r#"{"RequestId":"R","Success":true}"#.into(), Unknown),
            (
                200,
                r#"{"RequestId":"R","Success":"true","TaskId":null}"#.into(),
                Unknown,
            ),
            (
                200,
                r#"{"RequestId":"R","Success":"true","TaskId":""}"#.into(),
                Unknown,
            ),
            (
                200,
                r#"{"RequestId":"R","Success":"true","TaskId":{}}"#.into(),
                Unknown,
            ),
            (
                200,
                r#"{"RequestId":"R","Success":"true","TaskId":[]}"#.into(),
                Unknown,
            ),
            (
                200,
                r#"{"RequestId":"R","Success":"true","TaskId":true}"#.into(),
                Unknown,
            ),
            (
                200,
                r#"{"RequestId":"R","ErrCode":"InternalError"}"#.into(),
                Unknown,
            ),
            // Unknown: internal errors in any shape.
            (200, biz("InternalError"), Unknown),
            (200, biz("ServiceUnavailable"), Unknown),
            (
                200,
                r#"{"RequestId":"R","Success":"false"}"#.into(),
                Unknown,
            ),
            (200, biz("OperationDenied.JobStatus"), Unknown),
            (500, err(500, "InternalError"), Unknown),
            (503, err(503, "ServiceUnavailable"), Unknown),
            (500, err(500, "InvalidParameter"), Unknown),
            (400, err(400, "SomethingNew"), Unknown),
            (
                400,
                r#"{"RequestId":"R","Message":"no code"}"#.into(),
                Unknown,
            ),
            // Unknown: pages that are not DTS answers, unreadable bodies, odd statuses.
            (
                404,
                "<html><body>404 Not Found</body></html>".into(),
                Unknown,
            ),
            (
                403,
                "<html><body>403 Forbidden (WAF)</body></html>".into(),
                Unknown,
            ),
            (429, "<html>Too Many Requests</html>".into(), Unknown),
            (400, "".into(), Unknown),
            (502, "Bad Gateway".into(), Unknown),
            (200, "<html>oops".into(), Unknown),
            (200, r#"{"Success":"true","TaskId":"7""#.into(), Unknown),
            (200, "[1,2]".into(), Unknown),
            (302, r#"{"TaskId":"7"}"#.into(), Unknown),
            // Refused: a well-formed JSON error with a code that comes before execution.
            (400, err(400, "MissingParameter"), Refused),
            (400, err(400, "MissingEndpoint.Port"), Refused),
            (400, err(400, "InvalidParameter"), Refused),
            (400, err(400, "InvalidEndpoint.InstanceId"), Refused),
            (400, err(400, "SignatureDoesNotMatch"), Refused),
            (400, err(400, "IncompleteSignature"), Refused),
            // A used nonce means this very request already reached the service.
            (400, err(400, "SignatureNonceUsed"), Unknown),
            (400, err(400, "InvalidTimeStamp.Expired"), Refused),
            (400, err(400, "IllegalTimestamp"), Refused),
            (404, err(404, "InvalidAccessKeyId.NotFound"), Refused),
            (400, err(400, "InvalidAccessKeyId.Inactive"), Refused),
            (400, err(400, "InvalidSecurityToken.Expired"), Refused),
            (400, err(400, "MissingSecurityToken"), Refused),
            (403, err(403, "Forbidden.RAM"), Refused),
            (403, err(403, "Forbidden"), Refused),
            (403, err(403, "NoPermission"), Refused),
            (400, err(400, "Throttling.User"), Refused),
            (400, err(400, "Throttling"), Refused),
            (400, err(400, "Rejected.Throttling"), Refused),
            (503, err(503, "Throttling.Api"), Refused),
            (
                429,
                r#"{"RequestId":"R","Message":"slow down"}"#.into(),
                Refused,
            ),
            (404, err(404, "InvalidAction.NotFound"), Refused),
            (404, err(404, "InvalidApi.NotFound"), Refused),
            (400, err(400, "UnsupportedOperation"), Refused),
            (400, err(400, "NoSuchVersion"), Refused),
            (400, err(400, "InvalidVersion"), Refused),
            (404, err(404, "InvalidProduct.NotFound"), Refused),
            (200, biz("InvalidParameter"), Refused),
            (200, biz("Forbidden.InstanceNotFound"), Refused),
        ];
        table.push((200, r#"{"code":"x"}"#.into(), Unknown));
        for (status, body, want) in table {
            let r = parse_answer("SwitchSynchronizationEndpoint", status, &body)
                .and_then(|a| parse_switch_answer(&a.body, a.request_id));
            assert_eq!(switch_verdict(&r), want, "HTTP {status} {body}: {r:?}");
            if let Err(e) = &r {
                assert_eq!(e.outcome_unknown(), want == Unknown, "{e:?}");
            }
        }
        let never = ApiError::Connect {
            action: "SwitchSynchronizationEndpoint".into(),
            detail: "refused".into(),
        };
        assert_eq!(switch_verdict::<()>(&Err(never)), Refused);
        for e in [
            ApiError::NoAnswer {
                action: "S".into(),
                detail: "timed out".into(),
            },
            ApiError::TooLarge {
                action: "S".into(),
                http_status: 200,
                limit: 16 << 20,
            },
        ] {
            assert_eq!(switch_verdict::<()>(&Err(e)), Unknown);
        }
    }

    #[test]
    fn only_passing_refusals_resend_a_switch() {
        assert!(svc("Throttling.User", 400).retryable_switch());
        // Was retried before: a used nonce says this request already arrived once.
        let nonce = svc("SignatureNonceUsed", 400);
        assert!(!nonce.retryable_switch() && !nonce.proves_not_executed());
        assert!(nonce.outcome_unknown() && nonce.retryable_read());
        assert!(svc("HTTP429", 429).retryable_switch());
        for code in ["InvalidParameter", "SignatureDoesNotMatch", "Forbidden.RAM"] {
            let e = svc(code, 400);
            assert!(e.proves_not_executed() && !e.retryable_switch(), "{code}");
        }
        assert!(!svc("InternalError", 500).retryable_switch());
    }

    #[test]
    fn reads_retry_internal_errors_and_server_pages() {
        assert!(svc("InternalError", 200).retryable_read());
        assert!(svc("ServiceUnavailable", 503).retryable_read());
        let page = |s: u16| ApiError::ErrorPage {
            action: "X".into(),
            http_status: s,
            snippet: "<html>".into(),
        };
        assert!(page(502).retryable_read() && page(429).retryable_read());
        assert!(!page(404).retryable_read());
        let big = ApiError::TooLarge {
            action: "X".into(),
            http_status: 200,
            limit: 16 << 20,
        };
        assert!(!big.retryable_read());
        assert!(big.to_string().contains("16 MiB"), "{big}");
    }

    #[test]
    fn display_shows_service_text_escaped() {
        let e = ApiError::Service {
            action: "X".into(),
            http_status: 400,
            code: "Bad\u{1b}".into(),
            message: "FAILED\r\u{1b}[2K\u{1b}[32mFINISHED\nforged line".into(),
            request_id: Some("R\u{7}".into()),
            recommend: Some("\u{1b}]52;c;eA==\u{7}".into()),
        };
        let s = e.to_string();
        assert!(
            !s.contains('\u{1b}') && !s.contains('\r') && !s.contains('\u{7}'),
            "{s:?}"
        );
        assert!(s.contains("FAILED\\r\\x1b[2K"), "{s}");
        assert_eq!(s.lines().count(), 3, "only our own line breaks: {s:?}");
    }

    #[test]
    fn switch_safety_classes() {
        assert!(svc("Throttling.User", 400).proves_not_executed());
        assert!(svc("HTTP429", 429).proves_not_executed());
        assert!(svc("HTTP429", 429).retryable_read());
        assert_eq!(svc("HTTP429", 429).kind(), ErrorKind::Throttled);
        assert!(!svc("InternalError", 500).proves_not_executed());
        assert!(svc("InternalError", 500).outcome_unknown());
        assert!(svc("InternalError", 200).outcome_unknown());
        assert!(svc("ServiceUnavailable", 200).outcome_unknown());
        assert!(!svc("InvalidParameter", 400).outcome_unknown());
        assert!(ApiError::MissingTaskId {
            request_id: None,
            detail: "TaskId is null".into()
        }
        .outcome_unknown());
        let t = ApiError::NoAnswer {
            action: "x".into(),
            detail: "timeout".into(),
        };
        assert!(t.outcome_unknown() && !t.proves_not_executed() && t.retryable_read());
    }

    #[test]
    fn display_names_code_request_id_and_next_step() {
        let s = svc("Forbidden.RAM", 403).to_string();
        assert!(s.contains("Forbidden.RAM"));
        assert!(s.contains("RequestId: RID"));
        assert!(s.contains("dts:DescribeSynchronizationJobs"));
    }

    fn on(action: &str, code: &str, status: u16) -> ApiError {
        ApiError::Service {
            action: action.into(),
            http_status: status,
            code: code.into(),
            message: "m".into(),
            request_id: None,
            recommend: None,
        }
    }

    /// Writes of both families, code by code: (HTTP status, code) → proves not executed?
    /// resent by itself? kind.
    #[test]
    fn write_classification_table() {
        use ErrorKind::*;
        let table: &[(u16, &str, bool, bool, ErrorKind)] = &[
            // Passing refusals: resent.
            (400, "Throttling.User", true, true, Throttled),
            (429, "HTTP429", true, true, Throttled),
            (503, "Throttling.Api", true, true, Throttled),
            // A used nonce: this request already arrived once. Unknown, never resent.
            (400, "SignatureNonceUsed", false, false, Unknown),
            // Final refusals before execution: not resent.
            (400, "MissingParameter", true, false, InvalidInput),
            (400, "InvalidParameter", true, false, InvalidInput),
            (403, "InvalidParameter", true, false, InvalidInput),
            (400, "SignatureDoesNotMatch", true, false, BadCredentials),
            (
                400,
                "InvalidSecurityToken.Expired",
                true,
                false,
                BadCredentials,
            ),
            (403, "Forbidden.RAM", true, false, Permission),
            (403, "Forbidden", true, false, Permission),
            (403, "NoPermission", true, false, Permission),
            (403, "Forbidden.NoPermission", true, false, Permission),
            (403, "Dts.NoPermission.Modify", false, false, Permission),
            (403, "Forbidden.RiskControl", true, false, Refused),
            (403, "Forbidden.UserVerification", true, false, Refused),
            (403, "Forbidden.InstanceNotFound", true, false, NotFound),
            (200, "Forbidden.InstanceNotFound", true, false, NotFound),
            (
                403,
                "OperationDenied.JobVersionNotSupported",
                true,
                false,
                WrongFamily,
            ),
            (
                200,
                "DTS.Msg.OperationDenied.JobVersionNotSupported",
                true,
                false,
                WrongFamily,
            ),
            (400, "UnsupportedOperation", true, false, Unknown),
            // Business refusals of the DTS.Msg catalogue (HTTP 200 Success:false, or 4xx).
            (200, "DTS.Msg.InvalidEndpoint", true, false, InvalidInput),
            (400, "DTS.Msg.InvalidEndpoint", true, false, InvalidInput),
            (
                200,
                "DTS.Msg.OperationDenied.JobStatusModifying",
                true,
                false,
                Refused,
            ),
            (
                200,
                "DTS.Msg.ModifyDenied.JobStatusNotRunning",
                true,
                false,
                Refused,
            ),
            (200, "DTS.Msg.DryRun.ConnectFailed", true, false, Refused),
            (200, "dts.msg.PrecheckFailed", true, false, Refused),
            // ... except when the code says the service may have done it.
            (200, "DTS.Msg.InternalError", false, false, ServerError),
            (200, "DTS.Msg.ServiceUnavailable", false, false, ServerError),
            (200, "DTS.Msg.RequestTimeout", false, false, ServerError),
            (200, "DTS.Msg.Time_Out", false, false, ServerError),
            (200, "DTS.Msg.UnknownError", false, false, ServerError),
            (200, "DTS.Msg.ModifyFailed", false, false, ServerError),
            (200, "DTS.Msg.SystemError", false, false, ServerError),
            (200, "DTS.Msg.", false, false, Unknown),
            (500, "DTS.Msg.InvalidEndpoint", false, false, InvalidInput),
            (
                503,
                "DTS.Msg.OperationDenied.JobStatusModifying",
                false,
                false,
                ServerError,
            ),
            // Uncertainty wins over a pre-execution prefix.
            (400, "InvalidOperation.Timeout", false, false, InvalidInput),
            (403, "Forbidden.Unknown", false, false, ServerError),
            // Outside the catalogue and not pre-execution: unknown (dts-api.md §5.3).
            (200, "OperationDenied.JobStatus", false, false, Unknown),
            (200, "UnknownError", false, false, ServerError),
            (200, "InternalError", false, false, ServerError),
            (500, "InternalError", false, false, ServerError),
            (400, "SomethingNew", false, false, Unknown),
            (403, "SomethingNew", false, false, Refused),
            (403, "HTTP403", false, false, Refused),
            (403, "INVALID_PARAMETER", false, false, Refused),
        ];
        for action in ["SwitchSynchronizationEndpoint", "ModifyDtsJobEndpoint"] {
            for &(status, code, proves, resend, kind) in table {
                let e = on(action, code, status);
                assert_eq!(e.proves_not_executed(), proves, "{action} {status} {code}");
                assert_eq!(e.outcome_unknown(), !proves, "{action} {status} {code}");
                assert_eq!(e.retryable_switch(), resend, "{action} {status} {code}");
                assert_eq!(e.kind(), kind, "{action} {status} {code}");
                let want = if proves {
                    SwitchVerdict::Refused
                } else {
                    SwitchVerdict::Unknown
                };
                assert_eq!(switch_verdict::<()>(&Err(e)), want, "{status} {code}");
            }
        }
    }

    #[test]
    fn only_permission_codes_say_permission() {
        for code in [
            "Forbidden.RAM",
            "Forbidden",
            "NoPermission",
            "Forbidden.NoPermission",
            "Dts.NoPermission",
            "RAM.Denied",
            "NoRAMPermission",
        ] {
            assert!(is_permission_code(code), "{code}");
            let s = svc(code, 403).next_step().unwrap();
            assert!(s.contains("lacks permission"), "{code}: {s}");
        }
        for code in [
            "Forbidden.RiskControl",
            "HTTP403",
            "SomethingNew",
            "INVALID_PARAMETER",
            "PROGRAM_ERROR",
            "OperationDenied.JobVersionNotSupported",
        ] {
            assert!(!is_permission_code(code), "{code}");
            let s = svc(code, 403).next_step().unwrap_or_default();
            assert!(!s.contains("permission"), "{code}: {s}");
        }
        let s = svc("Forbidden.RiskControl", 403).next_step().unwrap();
        assert!(
            s.contains("the service refused: Forbidden.RiskControl"),
            "{s}"
        );
        // The code is service text: shown escaped.
        let s = svc("Bad\u{1b}[2K", 403).next_step().unwrap();
        assert!(!s.contains('\u{1b}'), "{s:?}");
    }

    #[test]
    fn wrong_family_says_so_never_permission() {
        let legacy = on(
            "SwitchSynchronizationEndpoint",
            "OperationDenied.JobVersionNotSupported",
            403,
        );
        assert_eq!(legacy.kind(), ErrorKind::WrongFamily);
        let s = legacy.next_step().unwrap();
        assert!(
            s.starts_with("this job belongs to the other DTS API family")
                && s.contains("ModifyDtsJobEndpoint")
                && !s.contains("permission"),
            "{s}"
        );
        let maintained = on(
            "ModifyDtsJobEndpoint",
            "OperationDenied.JobVersionNotSupported",
            403,
        );
        let s = maintained.next_step().unwrap();
        assert!(s.contains("SwitchSynchronizationEndpoint"), "{s}");
        assert!(legacy.proves_not_executed() && !legacy.retryable_switch());
    }

    #[test]
    fn job_status_modifying_is_a_refusal_not_now() {
        for code in [
            "DTS.Msg.OperationDenied.JobStatusModifying",
            "dts.msg.operationdenied.jobstatusmodifying",
        ] {
            let e = on("ModifyDtsJobEndpoint", code, 200);
            assert!(e.is_job_status_modifying(), "{code}");
            assert!(e.next_step().unwrap().contains("being modified"), "{code}");
        }
        // Outside the catalogue: an unknown outcome, so no "wait and retry".
        let bare = on(
            "ModifyDtsJobEndpoint",
            "OperationDenied.JobStatusModifying",
            200,
        );
        assert!(!bare.is_job_status_modifying() && bare.outcome_unknown());
        assert!(bare.next_step().is_none());
        let late = on(
            "ModifyDtsJobEndpoint",
            "DTS.Msg.OperationDenied.JobStatusModifying",
            503,
        );
        assert!(!late.is_job_status_modifying() && late.outcome_unknown());
        let e = on(
            "ModifyDtsJobEndpoint",
            "DTS.Msg.OperationDenied.JobStatusModifying",
            200,
        );
        assert!(e.proves_not_executed() && !e.retryable_switch());
        assert!(!on("X", "DTS.Msg.InvalidEndpoint", 200).is_job_status_modifying());
        assert!(!ApiError::NoAnswer {
            action: "X".into(),
            detail: "t".into()
        }
        .is_job_status_modifying());
    }

    #[test]
    fn nonce_reuse_explains_itself() {
        let s = svc("SignatureNonceUsed", 400).next_step().unwrap();
        assert!(s.contains("may have been executed"), "{s}");
    }
}
