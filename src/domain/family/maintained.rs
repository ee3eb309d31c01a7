//! The maintained family: ModifyDtsJobEndpoint (`dts-api-maintained.md` §1), keyed on
//! the job's DtsJobId, one call per direction, with a server-side dry run
//! (`DryRun=true`) before anything real. The answer has no TaskId: a change is followed
//! in the direction's own status and endpoint (DescribeDtsJobDetail, §2), `Modifying`
//! until DTS has taken the new endpoint.

use crate::api::maintained::DtsEndpoint;
use crate::api::{ApiError, Client};
use crate::domain::endpoint::EndpointInfo;
use crate::domain::family::{
    check_address, is_modifying, Accepted, DirectionRead, DryRun, EndpointCheck, RetryInfo,
};
use crate::domain::outcome::Outcome;
use crate::domain::plan::{Direction, Plan, PlannedCall, Side};
use crate::domain::rules::ValidEndpoint;

/// `Endpoint` on the wire: `src` or `dest` (not `Source`/`Destination`, not `dst`).
pub fn side_name(side: Side) -> &'static str {
    match side {
        Side::Source => "src",
        Side::Destination => "dest",
    }
}

/// The business parameters of one call, in send order. The job is named by its
/// Forward DtsJobId (the Reverse call too, with `SynchronizationDirection=Reverse`),
/// or by its DtsInstanceId when no DtsJobId is known. The password is never here: it is
/// added when the call is sent ([`send`]), so it is never journalled or shown.
pub fn params(
    region: &str,
    dts_job_id: Option<&str>,
    instance_id: &str,
    dir: Direction,
    side: Side,
    e: &ValidEndpoint,
) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = vec![("RegionId".into(), region.into())];
    match dts_job_id {
        Some(id) => p.push(("DtsJobId".into(), id.into())),
        None => p.push(("DtsInstanceId".into(), instance_id.into())),
    }
    p.push(("SynchronizationDirection".into(), dir.as_str().into()));
    p.push(("Endpoint".into(), side_name(side).into()));
    p.push((
        "EndpointInstanceType".into(),
        e.instance_type.maintained_name().into(),
    ));
    if let Some(id) = &e.instance_id {
        p.push(("EndpointInstanceId".into(), id.clone()));
    }
    if let Some(ip) = &e.ip {
        p.push(("EndpointIp".into(), ip.clone()));
    }
    if let Some(port) = e.port {
        p.push(("EndpointPort".into(), port.to_string()));
    }
    if let Some(r) = &e.extra.endpoint_region {
        p.push(("EndpointRegionId".into(), r.clone()));
    }
    if let Some(d) = &e.extra.database_name {
        p.push(("Database".into(), d.clone()));
    }
    if let (Some(o), Some(r)) = (&e.owner_id, &e.role) {
        p.push(("AliyunUid".into(), o.clone()));
        p.push(("RoleName".into(), r.clone()));
    }
    if e.extra.username.is_some() || e.extra.password.is_some() {
        p.push(("ModifyAccount".into(), "true".into()));
        if let Some(u) = &e.extra.username {
            p.push(("Username".into(), u.clone()));
        }
    }
    p
}

/// True when the call changes the account, so its password must be at hand.
pub fn needs_password(call: &PlannedCall) -> bool {
    call.params
        .iter()
        .any(|(k, v)| k == "ModifyAccount" && v.eq_ignore_ascii_case("true"))
}

fn endpoint(e: &DtsEndpoint) -> EndpointInfo {
    EndpointInfo {
        instance_type: e.instance_type.clone(),
        instance_id: e.instance_id.clone(),
        engine_name: e.engine_name.clone(),
        ip: e.ip.clone(),
        port: e.port.clone(),
        region: e.region.clone(),
        database_name: e.database_name.clone(),
        user_name: e.user_name.clone(),
    }
}

/// The job id DescribeDtsJobDetail and ModifyDtsJobEndpoint are keyed on.
fn job_ref(plan: &Plan) -> (Option<&str>, Option<&str>) {
    match plan.dts_job_id.as_deref() {
        Some(id) => (Some(id), None),
        None => (None, Some(plan.job_id.as_str())),
    }
}

pub async fn read_direction(
    client: &Client,
    plan: &Plan,
    d: Direction,
) -> Result<DirectionRead, ApiError> {
    let (job, instance) = job_ref(plan);
    let a = client
        .describe_dts_job_detail(job, instance, Some(d.as_str()))
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
}

fn with_password(plan: &Plan, call: &PlannedCall) -> Vec<(String, String)> {
    let mut p = call.params.clone();
    if let Some(s) = &plan.password {
        if needs_password(call) {
            p.push(("Password".into(), s.expose().to_string()));
        }
    }
    p
}

pub(crate) async fn send(
    client: &Client,
    plan: &Plan,
    call: &PlannedCall,
) -> Result<Accepted, ApiError> {
    let a = client
        .modify_dts_job_endpoint(&with_password(plan, call))
        .await?;
    Ok(Accepted {
        request_id: a.request_id,
        task_id: None,
    })
}

/// The server-side check of one call (`DryRun=true`): nothing changes.
pub async fn dry_run(client: &Client, plan: &Plan, call: &PlannedCall) -> Result<DryRun, ApiError> {
    match client
        .modify_dts_job_endpoint_dry_run(&with_password(plan, call))
        .await
    {
        Ok(a) => Ok(DryRun {
            passed: true,
            request_id: a.request_id,
            code: None,
            message: None,
        }),
        // A definite answer about the change is the dry run's verdict; a server error or
        // anything else that proves nothing (5xx, no answer) is not a verdict: the check
        // could not be made.
        Err(e @ ApiError::Service { .. }) if !e.outcome_unknown() => Ok(DryRun {
            passed: false,
            request_id: e.request_id().map(str::to_string),
            code: e.code().map(str::to_string),
            message: Some(service_message(&e)),
        }),
        Err(e) => Err(e),
    }
}

fn service_message(e: &ApiError) -> String {
    match e {
        ApiError::Service { message, .. } => crate::text::clean(message).into_owned(),
        e => e.to_string(),
    }
}

/// Has the change of `call` ended, as this read of its direction shows? Finished when
/// the side shows the new endpoint and the direction is no longer `Modifying`; Failed
/// when the direction says its modification failed. None while it goes on.
pub fn change_end(read: &DirectionRead, call: &PlannedCall) -> Option<(Outcome, Option<String>)> {
    if read.status.trim().eq_ignore_ascii_case("ModifyFailed") {
        let why = if read.error_message.trim().is_empty() {
            "the service gave no ErrorMessage".to_string()
        } else {
            crate::text::clean(read.error_message.trim()).into_owned()
        };
        return Some((
            Outcome::Failed,
            Some(format!("the change failed (ModifyFailed): {why}")),
        ));
    }
    if is_modifying(&read.status) {
        return None;
    }
    (check_address(read.side(call.endpoint_type), call) == EndpointCheck::New)
        .then_some((Outcome::Finished, None))
}
