//! The DTS service as the domain sees it: the port [`Dts`] that `api` implements (its
//! client, converting every wire shape and error at that edge), the failures it reports
//! ([`ServiceError`], [`ErrorKind`]), and nothing of HTTP. The domain plans, sends,
//! follows and verifies through this port only; it does not import `api`.

use crate::domain::call::{Direction, Side};
use crate::domain::endpoint::EndpointInfo;
pub use crate::domain::failure::{ErrorKind, ServiceError};
use crate::domain::listed::{ListEvent, ListOptions, ListSummary, SwitchStatusAnswer};
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// One read of a direction, in the domain's terms, whichever family read it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DirectionRead {
    pub request_id: Option<String>,
    pub status: String,
    pub error_message: String,
    /// The latency in seconds (each family's unit converted: §2.6).
    pub delay_secs: Option<f64>,
    /// Unix seconds of the latest synchronized data.
    pub checkpoint: Option<u64>,
    /// The family's retry state, where it has one (maintained).
    pub retry: Option<RetryInfo>,
    pub source: EndpointInfo,
    pub destination: EndpointInfo,
}

impl DirectionRead {
    pub fn side(&self, side: Side) -> &EndpointInfo {
        match side {
            Side::Source => &self.source,
            Side::Destination => &self.destination,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RetryInfo {
    pub retrying: bool,
    pub count: u64,
    pub target: String,
    pub message: String,
}

/// What the service answered to a write that it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub request_id: Option<String>,
    /// The legacy family's switch task; the maintained family has none.
    pub task_id: Option<String>,
}

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
