//! A failed call to the service, in the domain's terms (`api` converts its errors into
//! this at its edge).

use std::fmt;

/// Broad families of failure, used for exit codes and hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Throttled,
    BadCredentials,
    /// A code that names a missing permission, and only such.
    Permission,
    InvalidInput,
    NotFound,
    /// `OperationDenied.JobVersionNotSupported`: the job belongs to the other DTS API
    /// family (a legacy SynchronizationJob job asked through the DtsJob operations, or
    /// the reverse). Not a permission problem.
    WrongFamily,
    /// The service said no for a reason that is neither permission, input nor a missing
    /// job: a 403 or `Forbidden.*` code that does not name a permission, or a business
    /// refusal from an HTTP 200 `Success:false` body (`DTS.Msg.*`, e.g. the job is being
    /// modified). The hint only shows the code, it never guesses a cause.
    Refused,
    ServerError,
    Network,
    Unknown,
}

/// A failed call to the service, as `api` judged it when the answer (or its absence)
/// came: what it was, what it proves about a write, and the words for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub action: String,
    pub kind: ErrorKind,
    /// The service's Code / ErrCode, when it answered with a JSON error.
    pub code: Option<String>,
    /// The service's Message, when it answered with a JSON error.
    pub message: Option<String>,
    pub request_id: Option<String>,
    /// The whole error in words (service text cleaned), RequestId included.
    pub text: String,
    /// What the operator should do next, where it is known.
    pub next_step: Option<String>,
    /// The service answered with a well-formed JSON error (not a page, no answer).
    pub service_answer: bool,
    /// The request provably did not execute (see `api::ServiceError::proves_not_executed`).
    pub proves_not_executed: bool,
    /// A write may be sent again by itself after this error.
    pub retryable_switch: bool,
    /// A read may be retried after this error.
    pub retryable_read: bool,
    /// `DTS.Msg.OperationDenied.JobStatusModifying`: the job is being modified now.
    pub job_status_modifying: bool,
}

impl ServiceError {
    pub fn action(&self) -> &str {
        &self.action
    }
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// The service's own message of a JSON error, else the whole error in words.
    pub fn service_message(&self) -> String {
        match &self.message {
            Some(m) if self.service_answer => crate::text::clean(m).into_owned(),
            _ => self.text.clone(),
        }
    }
    pub fn proves_not_executed(&self) -> bool {
        self.proves_not_executed
    }
    /// For a write: may it have executed even though this error came back?
    pub fn outcome_unknown(&self) -> bool {
        !self.proves_not_executed
    }
    pub fn retryable_switch(&self) -> bool {
        self.retryable_switch
    }
    pub fn retryable_read(&self) -> bool {
        self.retryable_read
    }
    pub fn is_job_status_modifying(&self) -> bool {
        self.job_status_modifying
    }
    pub fn is_service_answer(&self) -> bool {
        self.service_answer
    }
    pub fn next_step(&self) -> Option<String> {
        self.next_step.clone()
    }

    /// A listing the domain itself lost (its task ended without a result): no answer
    /// is known, so nothing is proved.
    pub fn lost(action: &str, detail: &str) -> Self {
        ServiceError {
            action: action.to_string(),
            kind: ErrorKind::Network,
            code: None,
            message: None,
            request_id: None,
            text: format!(
                "{action} failed: no answer from the service (the request may have reached it): {}",
                crate::text::clean(detail)
            ),
            next_step: None,
            service_answer: false,
            proves_not_executed: false,
            retryable_switch: false,
            retryable_read: true,
            job_status_modifying: false,
        }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for ServiceError {}
