//! The client as the domain's port ([`Dts`]): every answer and error of the wire is
//! converted here, once, into the domain's terms.

use crate::api::client::Client;
use crate::api::error::ApiError;
use crate::api::maintained::DtsEndpoint;
use crate::domain::endpoint::EndpointInfo;
use crate::domain::family::{Accepted, DirectionRead, RetryInfo};
use crate::domain::listed::{ListOptions, ListSummary, SwitchStatusAnswer};
use crate::domain::plan::Direction;
use crate::domain::service::{BoxFut, Dts, OnListEvent, ServiceError};

impl From<ApiError> for ServiceError {
    fn from(e: ApiError) -> Self {
        ServiceError::from(&e)
    }
}

impl From<&ApiError> for ServiceError {
    fn from(e: &ApiError) -> Self {
        let (message, service_answer) = match e {
            ApiError::Service { message, .. } => (Some(message.clone()), true),
            _ => (None, false),
        };
        ServiceError {
            action: e.action().to_string(),
            kind: e.kind(),
            code: e.code().map(str::to_string),
            message,
            request_id: e.request_id().map(str::to_string),
            text: e.to_string(),
            next_step: e.next_step(),
            service_answer,
            proves_not_executed: e.proves_not_executed(),
            retryable_switch: e.retryable_switch(),
            retryable_read: e.retryable_read(),
            job_status_modifying: e.is_job_status_modifying(),
        }
    }
}

/// DescribeDtsJobDetail's endpoint in the domain's terms.
fn endpoint(e: &DtsEndpoint) -> EndpointInfo {
    EndpointInfo {
        instance_type: e.instance_type.clone().into(),
        instance_id: e.instance_id.clone().into(),
        engine_name: e.engine_name.clone().into(),
        ip: e.ip.clone().into(),
        port: e.port.clone().into(),
        region: e.region.clone().into(),
        database_name: e.database_name.clone().into(),
        user_name: e.user_name.clone().into(),
    }
}

impl Dts for Client {
    fn list_jobs<'a>(
        &'a self,
        opts: &'a ListOptions,
        on_event: &'a mut OnListEvent<'a>,
    ) -> BoxFut<'a, Result<ListSummary, ServiceError>> {
        Box::pin(async move {
            crate::api::listing::list_jobs(self, opts, on_event)
                .await
                .map_err(ServiceError::from)
        })
    }

    fn legacy_direction<'a>(
        &'a self,
        instance_id: &'a str,
        d: Direction,
    ) -> BoxFut<'a, Result<DirectionRead, ServiceError>> {
        Box::pin(async move {
            let a = self
                .describe_synchronization_job_status(instance_id, d.as_str())
                .await?;
            Ok(DirectionRead {
                request_id: a.request_id,
                status: a.status,
                error_message: a.error_message,
                delay_secs: a.delay_secs,
                checkpoint: a.checkpoint,
                retry: None,
                source: a.source,
                destination: a.destination,
            })
        })
    }

    fn legacy_switch<'a>(
        &'a self,
        params: &'a [(String, String)],
    ) -> BoxFut<'a, Result<Accepted, ServiceError>> {
        Box::pin(async move {
            let a = self.switch_synchronization_endpoint(params).await?;
            Ok(Accepted {
                request_id: a.request_id,
                task_id: Some(a.task_id),
            })
        })
    }

    fn legacy_switch_status<'a>(
        &'a self,
        task_id: &'a str,
    ) -> BoxFut<'a, Result<SwitchStatusAnswer, ServiceError>> {
        Box::pin(async move {
            self.describe_endpoint_switch_status(task_id)
                .await
                .map_err(ServiceError::from)
        })
    }

    fn maintained_direction<'a>(
        &'a self,
        dts_job_id: Option<&'a str>,
        instance_id: Option<&'a str>,
        d: Direction,
    ) -> BoxFut<'a, Result<DirectionRead, ServiceError>> {
        Box::pin(async move {
            let a = self
                .describe_dts_job_detail(dts_job_id, instance_id, Some(d.as_str()))
                .await?;
            Ok(DirectionRead {
                request_id: a.request_id,
                status: a.status,
                error_message: a.error_message,
                // DescribeDtsJobDetail documents Delay in milliseconds (§2.6).
                delay_secs: a.delay_ms.map(|ms| ms / 1000.0),
                checkpoint: a.checkpoint,
                retry: a.retry_state.map(|r| RetryInfo {
                    retrying: r.retrying,
                    count: r.retry_count,
                    target: r.target,
                    message: r.err_message,
                }),
                source: endpoint(&a.source),
                destination: endpoint(&a.destination),
            })
        })
    }

    fn maintained_modify<'a>(
        &'a self,
        params: &'a [(String, String)],
        dry_run: bool,
    ) -> BoxFut<'a, Result<Accepted, ServiceError>> {
        Box::pin(async move {
            let a = if dry_run {
                self.modify_dts_job_endpoint_dry_run(params).await?
            } else {
                self.modify_dts_job_endpoint(params).await?
            };
            Ok(Accepted {
                request_id: a.request_id,
                task_id: None,
            })
        })
    }
}

impl Client {
    /// This client as the domain's shared handle on the service.
    pub fn port(&self) -> crate::domain::service::Port {
        std::sync::Arc::new(self.clone())
    }
}
