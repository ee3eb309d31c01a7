//! The legacy family: SwitchSynchronizationEndpoint (`dts-api.md` §2.1), one call per
//! direction, each answered with a TaskId followed through DescribeEndpointSwitchStatus;
//! a direction is read with DescribeSynchronizationJobStatus. It has no dry run.

use crate::domain::call::{Direction, PlannedCall, Side};
use crate::domain::rules::ValidEndpoint;
use crate::domain::service::{Accepted, DirectionRead};
use crate::domain::service::{Dts, ServiceError};

/// The business parameters of one call, in send order.
pub fn params(
    region: &str,
    instance_id: &str,
    dir: Direction,
    side: Side,
    e: &ValidEndpoint,
) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = vec![
        ("RegionId".into(), region.into()),
        ("SynchronizationJobId".into(), instance_id.into()),
        ("SynchronizationDirection".into(), dir.as_str().into()),
        ("Endpoint.Type".into(), side.as_str().into()),
    ];
    p.extend(crate::domain::rules::endpoint_params(e));
    p
}

/// What the new endpoint is not allowed to hold in this family: a type only the
/// maintained family takes, one of its extras, or a cross-account pair when the
/// destination (`database`, in Forward terms; None: not known yet) is switched: SwitchSynchronizationEndpoint
/// takes `SourceEndpoint.OwnerID`/`Role` for the source only.
pub fn unsupported(e: &ValidEndpoint, database: Option<Side>) -> Vec<String> {
    let mut v = Vec::new();
    if database == Some(Side::Destination) && (e.owner_id.is_some() || e.role.is_some()) {
        v.push("--owner-id/--role: SwitchSynchronizationEndpoint (the legacy API of this job) takes the cross-account pair (SourceEndpoint.OwnerID, SourceEndpoint.Role) only when the source database is switched".to_string());
    }
    if !e.instance_type.legacy() {
        v.push(format!(
            "--instance-type {}: SwitchSynchronizationEndpoint (the legacy API of this job) takes only LocalInstance, ECS and Express",
            e.instance_type
        ));
    }
    for f in e.extra.flags() {
        v.push(format!(
            "{f}: SwitchSynchronizationEndpoint (the legacy API of this job) does not take it"
        ));
    }
    v
}

pub async fn read_direction(
    client: &dyn Dts,
    instance_id: &str,
    d: Direction,
) -> Result<DirectionRead, ServiceError> {
    client.legacy_direction(instance_id, d).await
}

pub(crate) async fn send(client: &dyn Dts, call: &PlannedCall) -> Result<Accepted, ServiceError> {
    client.legacy_switch(&call.params).await
}
