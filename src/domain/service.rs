//! The DTS service as the domain sees it: the port [`Dts`] that `api` implements (its
//! client, converting every wire shape and error at that edge), the failures it reports
//! ([`ServiceError`], [`ErrorKind`]), and nothing of HTTP. The domain plans, sends,
//! follows and verifies through this port only; it does not import `api`.

use crate::domain::family::{Accepted, DirectionRead};
use crate::domain::listed::{ListEvent, ListOptions, ListSummary, SwitchStatusAnswer};
use crate::domain::plan::Direction;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

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

/// A boxed future of the port (the trait is used as `dyn`).
pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the listing hands on as it goes.
pub type OnListEvent<'a> = dyn FnMut(ListEvent<'_>) + Send + 'a;

/// The operations of the DTS service the domain uses, in its own terms. Each family's
/// operations are named for it; a write is sent only by the guard
/// ([`crate::domain::guard::send`]).
pub trait Dts: Send + Sync {
    /// Every page of DescribeSynchronizationJobs (and, when needed, DescribeDtsJobs), the
    /// entries handed to `on_event` in listing order as they arrive.
    fn list_jobs<'a>(
        &'a self,
        opts: &'a ListOptions,
        on_event: &'a mut OnListEvent<'a>,
    ) -> BoxFut<'a, Result<ListSummary, ServiceError>>;

    /// Legacy family: DescribeSynchronizationJobStatus of one direction.
    fn legacy_direction<'a>(
        &'a self,
        instance_id: &'a str,
        d: Direction,
    ) -> BoxFut<'a, Result<DirectionRead, ServiceError>>;

    /// Legacy family: SwitchSynchronizationEndpoint with these business parameters.
    fn legacy_switch<'a>(
        &'a self,
        params: &'a [(String, String)],
    ) -> BoxFut<'a, Result<Accepted, ServiceError>>;

    /// Legacy family: DescribeEndpointSwitchStatus of a switch task.
    fn legacy_switch_status<'a>(
        &'a self,
        task_id: &'a str,
    ) -> BoxFut<'a, Result<SwitchStatusAnswer, ServiceError>>;

    /// Maintained family: DescribeDtsJobDetail of one direction, by DtsJobId or
    /// DtsInstanceID.
    fn maintained_direction<'a>(
        &'a self,
        dts_job_id: Option<&'a str>,
        instance_id: Option<&'a str>,
        d: Direction,
    ) -> BoxFut<'a, Result<DirectionRead, ServiceError>>;

    /// Maintained family: ModifyDtsJobEndpoint with these business parameters; with
    /// `dry_run` the server-side check only (`DryRun=true`), which changes nothing.
    fn maintained_modify<'a>(
        &'a self,
        params: &'a [(String, String)],
        dry_run: bool,
    ) -> BoxFut<'a, Result<Accepted, ServiceError>>;
}

/// A shared handle on the service (one region's client).
pub type Port = Arc<dyn Dts>;

/// A shared handle is the service too.
impl<T: Dts + ?Sized> Dts for Arc<T> {
    fn list_jobs<'a>(
        &'a self,
        opts: &'a ListOptions,
        on_event: &'a mut OnListEvent<'a>,
    ) -> BoxFut<'a, Result<ListSummary, ServiceError>> {
        (**self).list_jobs(opts, on_event)
    }
    fn legacy_direction<'a>(
        &'a self,
        instance_id: &'a str,
        d: Direction,
    ) -> BoxFut<'a, Result<DirectionRead, ServiceError>> {
        (**self).legacy_direction(instance_id, d)
    }
    fn legacy_switch<'a>(
        &'a self,
        params: &'a [(String, String)],
    ) -> BoxFut<'a, Result<Accepted, ServiceError>> {
        (**self).legacy_switch(params)
    }
    fn legacy_switch_status<'a>(
        &'a self,
        task_id: &'a str,
    ) -> BoxFut<'a, Result<SwitchStatusAnswer, ServiceError>> {
        (**self).legacy_switch_status(task_id)
    }
    fn maintained_direction<'a>(
        &'a self,
        dts_job_id: Option<&'a str>,
        instance_id: Option<&'a str>,
        d: Direction,
    ) -> BoxFut<'a, Result<DirectionRead, ServiceError>> {
        (**self).maintained_direction(dts_job_id, instance_id, d)
    }
    fn maintained_modify<'a>(
        &'a self,
        params: &'a [(String, String)],
        dry_run: bool,
    ) -> BoxFut<'a, Result<Accepted, ServiceError>> {
        (**self).maintained_modify(params, dry_run)
    }
}
