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
/// (dts-api.md §5.1): parameters, signature, credentials, permission, throttling, and a
/// wrong action, version or product.
pub fn is_pre_execution_code(code: &str) -> bool {
    code.starts_with("Missing")
        || code.starts_with("Invalid")
        || code.starts_with("Forbidden")
        || is_throttling(code)
        || is_bad_credentials(code)
        || matches!(
            code,
            "NoPermission" | "SignatureNonceUsed" | "UnsupportedOperation" | "NoSuchVersion"
        )
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
    /// made, or the service answered with a well-formed JSON error whose code comes before
    /// execution ([`is_pre_execution_code`]; a JSON HTTP 429 without a code counts as
    /// throttling). With an HTTP 5xx status only a throttling code counts. This is the
    /// rule of [`switch_verdict`]; everything else leaves a switch's outcome unknown.
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
                    is_pre_execution_code(code) || (*http_status == 429 && code == "HTTP429")
                }
            }
            _ => false,
        }
    }

    /// True when a switch may be sent again by itself after this error: it provably did
    /// not execute *and* the cause is passing (throttling, a reused nonce, no connection).
    pub fn retryable_switch(&self) -> bool {
        match self {
            ApiError::Connect { .. } => true,
            ApiError::Credentials { fatal, .. } => !fatal,
            ApiError::Service {
                code, http_status, ..
            } => {
                self.proves_not_executed()
                    && (is_throttling(code) || *http_status == 429 || code == "SignatureNonceUsed")
            }
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
    } else if is_bad_credentials(code) {
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
            (400, err(400, "SignatureNonceUsed"), Refused),
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
        assert!(svc("SignatureNonceUsed", 400).retryable_switch());
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
}
