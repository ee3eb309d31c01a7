//! The maintained family: ModifyDtsJobEndpoint (`dts-api-maintained.md` §1), keyed on
//! the job's DtsJobId, one call per direction, with a server-side dry run
//! (`DryRun=true`) before anything real. The answer has no TaskId: a change is followed
//! in the direction's own status and endpoint (DescribeDtsJobDetail, §2), `Modifying`
//! until DTS has taken the new endpoint.

use crate::domain::call::{Direction, DryRun, Plan, PlannedCall, Side};
use crate::domain::family::compare::{check_address, is_modifying, EndpointCheck};
use crate::domain::outcome::Outcome;
use crate::domain::rules::ValidEndpoint;
use crate::domain::service::{Accepted, DirectionRead, Dts, ServiceError};

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

/// The job id DescribeDtsJobDetail and ModifyDtsJobEndpoint are keyed on.
fn job_ref(plan: &Plan) -> (Option<&str>, Option<&str>) {
    match plan.dts_job_id.as_deref() {
        Some(id) => (Some(id), None),
        None => (None, Some(plan.job_id.as_str())),
    }
}

pub async fn read_direction(
    client: &dyn Dts,
    plan: &Plan,
    d: Direction,
) -> Result<DirectionRead, ServiceError> {
    let (job, instance) = job_ref(plan);
    client.maintained_direction(job, instance, d).await
}

fn with_password(plan: &Plan, call: &PlannedCall) -> Vec<(String, String)> {
    let mut p = call.params.clone();
    if let Some(s) = &plan.password {
        if call.needs_password() {
            p.push(("Password".into(), s.expose().to_string()));
        }
    }
    p
}

pub(crate) async fn send(
    client: &dyn Dts,
    plan: &Plan,
    call: &PlannedCall,
) -> Result<Accepted, ServiceError> {
    client
        .maintained_modify(&with_password(plan, call), false)
        .await
}

/// The server-side check of one call (`DryRun=true`): nothing changes.
pub async fn dry_run(
    client: &dyn Dts,
    plan: &Plan,
    call: &PlannedCall,
) -> Result<DryRun, ServiceError> {
    match client
        .maintained_modify(&with_password(plan, call), true)
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
        Err(e) if e.is_service_answer() && !e.outcome_unknown() => Ok(DryRun {
            passed: false,
            request_id: e.request_id().map(str::to_string),
            code: e.code().map(str::to_string),
            message: Some(e.service_message()),
        }),
        Err(e) => Err(e),
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
