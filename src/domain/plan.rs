//! The switch plan: the ordered SwitchSynchronizationEndpoint calls for one failover.
//! The preview, `plan`, `switch` and the executor all use this one value.

use crate::domain::call::{made_now, Family, Topology};
pub use crate::domain::call::{Direction, Plan, PlannedCall, Side, SwitchRequest};
use crate::domain::endpoint::EndpointInfo;
use crate::domain::family;
use crate::domain::job::Job;
use crate::domain::rules::ValidEndpoint;

/// Job statuses (any case: the operations spell them differently, dts-api-maintained.md
/// §3.2) in which a switch makes no sense, and why. After a failover a job is typically
/// `Failed` or retrying: that is what a switch is for, so those (and `Synchronizing`,
/// `Suspending`) are not here.
const STATUS_NOTES: &[(&str, &str)] = &[
    (
        "NotStarted",
        "it has not started: there is no synchronization to restart yet",
    ),
    (
        "NotConfigured",
        "it is not configured yet: there is no synchronization to restart",
    ),
    (
        "Prechecking",
        "it is still in its precheck and has not synchronized yet",
    ),
    (
        "PrecheckFailed",
        "its precheck failed, so it never synchronized: fix its configuration instead",
    ),
    (
        "PreCheckPass",
        "it passed its precheck but has not started yet",
    ),
    (
        "Initializating",
        "it is still in its initial load, not yet synchronizing",
    ),
    (
        "Initializing",
        "it is still in its initial load, not yet synchronizing",
    ),
    (
        "InitializeFailed",
        "its initial load failed, so it never synchronized: fix its configuration instead",
    ),
    ("Modifying", "it is being modified: wait until that ends"),
    (
        "Finished",
        "it has finished: there is nothing left to synchronize",
    ),
    (
        "Locked",
        "its DTS instance is locked (e.g. expired or overdue): unlock it first",
    ),
    (
        "Upgrade",
        "its DTS instance is being upgraded: wait until that ends",
    ),
    (
        "Downgrade",
        "its DTS instance is being downgraded: wait until that ends",
    ),
];

/// Why a switch makes no sense in the job status `status` (any case), or None when it
/// may: `Synchronizing`, and after a failover typically `Failed` or `Retrying`.
pub fn status_note(status: &str) -> Option<&'static str> {
    let s = status.trim();
    STATUS_NOTES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(s))
        .map(|(_, why)| *why)
}

/// The endpoint of `side` in forward terms, as listed.
fn current_of(job: &Job, side: Side) -> &EndpointInfo {
    match side {
        Side::Source => &job.forward.source,
        Side::Destination => &job.forward.destination,
    }
}

/// Things the operator should see before confirming: not errors, since they may know
/// better, but worth a second look.
pub fn warnings(job: &Job, req: &SwitchRequest, family: Family) -> Vec<String> {
    let mut w = Vec::new();
    let cur = current_of(job, req.database);
    let side = req.database.as_str().to_ascii_lowercase();
    // The legacy API refuses a plan on what it cannot switch (see [`plan`]).
    if family != Family::Legacy || !crate::domain::rules::refuses_switch(&cur.instance_type) {
        if let Some(note) = crate::domain::rules::current_endpoint_note(
            &cur.instance_type,
            &cur.instance_id,
            &format!("the {side}"),
            Some(family != Family::Legacy),
        ) {
            w.push(note);
        }
    }
    let e = &req.endpoint;
    if let Some(ip) = &e.ip {
        w.extend(crate::domain::rules::address_warning(e.instance_type, ip));
    }
    let same = (cur
        .instance_type
        .eq_ignore_ascii_case(e.instance_type.as_str())
        || cur
            .instance_type
            .eq_ignore_ascii_case(e.instance_type.maintained_name()))
        && cur.port == e.port.map(|p| p.to_string()).unwrap_or_default()
        && e.ip.as_deref().unwrap_or("") == cur.ip
        && e.instance_id.as_deref().unwrap_or("") == cur.instance_id;
    if same {
        w.push(format!(
            "the new endpoint is the same as the {side}'s current one: nothing would change"
        ));
    }
    if let Some(why) = status_note(job.status()) {
        w.push(format!("the job's status is {}: {why}", job.status()));
    }
    w
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("--only-direction reverse: job {job} is one-way, it has no Reverse direction (if it is two-way, say so with --topology two-way)")]
    ReverseOnOneWay { job: String },
    #[error("job {job}: the service does not show whether it is one-way or two-way (the listing shows no Reverse entries and DescribeDtsJobs could not be read); say which with --topology one-way or --topology two-way (a two-way job needs two calls)")]
    UnknownTopology { job: String },
    /// The named side is reached through Database Gateway or CEN.
    #[error("job {job}: {why}")]
    NotSwitchable { job: String, why: String },
    /// The new endpoint holds what the job's family does not take.
    #[error("job {job} is a legacy job: {why}")]
    WrongFamilyInput { job: String, why: String },
}

/// Builds the ordered calls for `req` on `job` in `family`.
pub fn plan(
    job: &Job,
    region: &str,
    req: &SwitchRequest,
    family: Family,
) -> Result<Plan, PlanError> {
    let cur = current_of(job, req.database);
    if family == Family::Legacy {
        let bad = family::legacy::unsupported(&req.endpoint, Some(req.database));
        if !bad.is_empty() {
            return Err(PlanError::WrongFamilyInput {
                job: job.id.clone(),
                why: bad.join("; "),
            });
        }
    }
    if family == Family::Legacy && crate::domain::rules::refuses_switch(&cur.instance_type) {
        let side = format!("the {}", req.database.as_str().to_ascii_lowercase());
        return Err(PlanError::NotSwitchable {
            job: job.id.clone(),
            why: crate::domain::rules::current_endpoint_note(
                &cur.instance_type,
                &cur.instance_id,
                &side,
                Some(false),
            )
            .unwrap_or_default(),
        });
    }
    let topology = match (req.topology, job.detected_topology()) {
        (Some(t), _) => t,
        (None, Topology::Unknown) => {
            return Err(PlanError::UnknownTopology {
                job: job.id.clone(),
            })
        }
        (None, t) => t,
    };
    let mut legs = vec![(Direction::Forward, req.database)];
    if topology == Topology::TwoWay {
        legs.push((Direction::Reverse, req.database.opposite()));
    }
    if let Some(only) = req.only_direction {
        if only == Direction::Reverse && topology == Topology::OneWay {
            return Err(PlanError::ReverseOnOneWay {
                job: job.id.clone(),
            });
        }
        legs.retain(|(d, _)| *d == only);
    }
    let calls = legs
        .into_iter()
        .map(|(direction, side)| PlannedCall {
            direction,
            endpoint_type: side,
            params: match family {
                Family::Legacy => {
                    family::legacy::params(region, &job.id, direction, side, &req.endpoint)
                }
                Family::Maintained => family::maintained::params(
                    region,
                    job.dts_job_id.as_deref(),
                    &job.id,
                    direction,
                    side,
                    &req.endpoint,
                ),
            },
            old: job.endpoint_of(direction, side).clone(),
            new: new_endpoint(family, &req.endpoint),
            dry_run: None,
        })
        .collect();
    Ok(Plan {
        id: uuid::Uuid::new_v4().to_string(),
        made_at: made_now(),
        batch_id: uuid::Uuid::new_v4().to_string(),
        job_id: job.id.clone(),
        job_ids: job.ids(),
        dts_job_id: job.dts_job_id.clone(),
        family,
        family_reason: String::new(),
        password: req.endpoint.extra.password.clone(),
        job_name: job.name.to_string(),
        region: region.to_string(),
        topology,
        topology_overridden: req.topology.is_some_and(|t| t != job.detected_topology()),
        calls,
        warnings: warnings(job, req, family),
    })
}

/// `params` with `RegionId` first: the region every call names itself, so the preview,
/// the journal and the request show one value. An existing `RegionId` is kept.
pub fn with_region(mut params: Vec<(String, String)>, region: &str) -> Vec<(String, String)> {
    if !params.iter().any(|(k, _)| k == "RegionId") {
        params.insert(0, ("RegionId".into(), region.into()));
    }
    params
}

/// The RegionId a call is sent with.
pub fn call_region(call: &PlannedCall) -> Option<&str> {
    call.params
        .iter()
        .find(|(k, _)| k == "RegionId")
        .map(|(_, v)| v.as_str())
}

/// The new endpoint as the service would show it after the change.
fn new_endpoint(family: Family, e: &ValidEndpoint) -> EndpointInfo {
    EndpointInfo {
        instance_type: match family {
            Family::Legacy => e.instance_type.as_str().into(),
            Family::Maintained => e.instance_type.maintained_name().into(),
        },
        instance_id: e.instance_id.clone().unwrap_or_default().into(),
        ip: e.ip.clone().unwrap_or_default().into(),
        port: e.port.map(|p| p.to_string()).unwrap_or_default().into(),
        region: e.extra.endpoint_region.clone().unwrap_or_default().into(),
        database_name: e.extra.database_name.clone().unwrap_or_default().into(),
        user_name: e.extra.username.clone().unwrap_or_default().into(),
        ..EndpointInfo::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::family::Family;
    use crate::domain::job::merge_entries;
    use crate::domain::listed::SyncJobEntry;
    use crate::domain::rules::InstanceType;
    use serde_json::json;

    fn job(two_way: bool) -> Job {
        let mut entries = vec![SyncJobEntry::from_value(
            &json!({"SynchronizationJobId":"dtsj1","SynchronizationDirection":"Forward"}),
        )
        .unwrap()];
        if two_way {
            entries.push(
                SyncJobEntry::from_value(
                    &json!({"SynchronizationJobId":"dtsj1","SynchronizationDirection":"Reverse"}),
                )
                .unwrap(),
            );
        }
        let mut j = merge_entries(entries).remove(0);
        j.one_way_known = true;
        j
    }

    fn req(side: Side, only: Option<Direction>, topo: Option<Topology>) -> SwitchRequest {
        SwitchRequest {
            database: side,
            endpoint: ValidEndpoint {
                instance_type: InstanceType::Ecs,
                instance_id: Some("i-new".into()),
                ip: None,
                port: Some(3307),
                owner_id: None,
                role: None,
                extra: Default::default(),
            },
            only_direction: only,
            topology: topo,
        }
    }

    fn legs(p: &Plan) -> Vec<(Direction, Side)> {
        p.calls
            .iter()
            .map(|c| (c.direction, c.endpoint_type))
            .collect()
    }

    #[test]
    fn one_way_is_one_call() {
        let p = plan(
            &job(false),
            "cn-hangzhou",
            &req(Side::Source, None, None),
            Family::Legacy,
        )
        .unwrap();
        assert_eq!(legs(&p), [(Direction::Forward, Side::Source)]);
        assert_eq!(
            p.calls[0].params,
            vec![
                ("RegionId".to_string(), "cn-hangzhou".to_string()),
                ("SynchronizationJobId".into(), "dtsj1".into()),
                ("SynchronizationDirection".into(), "Forward".into()),
                ("Endpoint.Type".into(), "Source".into()),
                ("Endpoint.InstanceType".into(), "ECS".into()),
                ("Endpoint.InstanceId".into(), "i-new".into()),
                ("Endpoint.Port".into(), "3307".into()),
            ]
        );
    }

    #[test]
    fn two_way_destination_is_forward_destination_then_reverse_source() {
        let p = plan(
            &job(true),
            "cn-hangzhou",
            &req(Side::Destination, None, None),
            Family::Legacy,
        )
        .unwrap();
        assert_eq!(
            legs(&p),
            [
                (Direction::Forward, Side::Destination),
                (Direction::Reverse, Side::Source)
            ]
        );
        assert!(p.explanation().contains("only after call 1"));
    }

    #[test]
    fn warnings_for_managed_side_same_endpoint_and_status() {
        let mut j = job(false);
        j.forward.destination.instance_type = "RDS".into();
        j.forward.destination.instance_id = "rm-1".into();
        j.forward.status = "Finished".into();
        let w = plan(&j, "r", &req(Side::Destination, None, None), Family::Legacy)
            .unwrap()
            .warnings;
        assert!(w.iter().any(|x| x.contains("ApsaraDB RDS")), "{w:?}");
        assert!(w.iter().any(|x| x.contains("Finished")), "{w:?}");
        let mut j = job(false);
        j.forward.status = "Synchronizing".into();
        j.forward.source.instance_type = "ECS".into();
        j.forward.source.instance_id = "i-new".into();
        j.forward.source.port = "3307".into();
        let w = plan(&j, "r", &req(Side::Source, None, None), Family::Legacy)
            .unwrap()
            .warnings;
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("same"), "{w:?}");
    }

    #[test]
    fn after_a_failover_failed_or_retrying_is_expected_not_a_warning() {
        for status in [
            "Failed",
            "failed",
            "FAILED",
            "Retrying",
            "Synchronizing",
            "synchronizing",
            "Suspending",
            "",
        ] {
            let mut j = job(false);
            j.forward.status = status.into();
            let w = plan(&j, "r", &req(Side::Source, None, None), Family::Legacy)
                .unwrap()
                .warnings;
            assert!(w.is_empty(), "{status}: {w:?}");
        }
        for status in [
            "NotStarted",
            "notStarted",
            "Prechecking",
            "PRECHECKING",
            "precheckFailed",
            "Initializating",
            "initializing",
            "InitializeFailed",
            "Modifying",
            "Finished",
            "finished",
            "Locked",
        ] {
            let mut j = job(false);
            j.forward.status = status.into();
            let w = plan(&j, "r", &req(Side::Source, None, None), Family::Legacy)
                .unwrap()
                .warnings;
            assert_eq!(w.len(), 1, "{status}: {w:?}");
            assert!(w[0].contains(status), "{status}: {w:?}");
        }
    }

    #[test]
    fn a_gateway_or_cen_side_is_refused_other_sides_are_not() {
        let mut j = job(true);
        j.forward.source.instance_type = "dg".into();
        j.forward.source.instance_id = "dg-bp1gw01".into();
        let e = plan(&j, "r", &req(Side::Source, None, None), Family::Legacy).unwrap_err();
        assert!(matches!(e, PlanError::NotSwitchable { .. }), "{e:?}");
        let m = e.to_string();
        assert!(m.contains("Database Gateway (dg dg-bp1gw01)"), "{m}");
        assert!(m.contains("cannot switch"), "{m}");
        let e = plan(
            &j,
            "r",
            &req(Side::Source, Some(Direction::Reverse), None),
            Family::Legacy,
        )
        .unwrap_err();
        assert!(
            matches!(e, PlanError::NotSwitchable { .. }),
            "the same database: {e:?}"
        );
        // The other database can be switched.
        let p = plan(&j, "r", &req(Side::Destination, None, None), Family::Legacy).unwrap();
        assert_eq!(p.calls.len(), 2);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        j.forward.destination.instance_type = "CEN".into();
        assert!(matches!(
            plan(&j, "r", &req(Side::Destination, None, None), Family::Legacy),
            Err(PlanError::NotSwitchable { .. })
        ));
    }

    #[test]
    fn an_unknown_instance_type_is_shown_verbatim_in_a_warning() {
        let mut j = job(false);
        j.forward.source.instance_type = "SomethingNew".into();
        let w = plan(&j, "r", &req(Side::Source, None, None), Family::Legacy)
            .unwrap()
            .warnings;
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("\"SomethingNew\""), "{w:?}");
        assert!(!w[0].contains("ApsaraDB"), "{w:?}");
    }

    #[test]
    fn a_local_instance_on_a_private_address_is_a_warning() {
        let mut r = req(Side::Source, None, None);
        r.endpoint = ValidEndpoint {
            instance_type: InstanceType::LocalInstance,
            instance_id: None,
            ip: Some("192.168.3.4".into()),
            port: Some(3306),
            owner_id: None,
            role: None,
            extra: Default::default(),
        };
        let w = plan(&job(false), "r", &r, Family::Legacy).unwrap().warnings;
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("192.168.3.4 is a private address"), "{w:?}");
        r.endpoint.ip = Some("47.98.1.2".into());
        assert!(plan(&job(false), "r", &r, Family::Legacy)
            .unwrap()
            .warnings
            .is_empty());
    }

    #[test]
    fn only_direction_and_override() {
        let p = plan(
            &job(true),
            "r",
            &req(Side::Source, Some(Direction::Reverse), None),
            Family::Legacy,
        )
        .unwrap();
        assert_eq!(legs(&p), [(Direction::Reverse, Side::Destination)]);
        assert!(matches!(
            plan(
                &job(false),
                "r",
                &req(Side::Source, Some(Direction::Reverse), None),
                Family::Legacy
            ),
            Err(PlanError::ReverseOnOneWay { .. })
        ));
        let p = plan(
            &job(false),
            "r",
            &req(Side::Source, None, Some(Topology::TwoWay)),
            Family::Legacy,
        )
        .unwrap();
        assert_eq!(p.calls.len(), 2);
        assert!(p.topology_overridden);
        let p = plan(
            &job(true),
            "r",
            &req(Side::Source, None, Some(Topology::OneWay)),
            Family::Legacy,
        )
        .unwrap();
        assert_eq!(p.calls.len(), 1);
    }

    #[test]
    fn unknown_topology_needs_the_operators_word() {
        let mut j = job(false);
        j.one_way_known = false;
        assert_eq!(j.detected_topology(), Topology::Unknown);
        let e = plan(&j, "r", &req(Side::Source, None, None), Family::Legacy).unwrap_err();
        assert!(matches!(e, PlanError::UnknownTopology { .. }));
        assert!(e.to_string().contains("--topology"), "{e}");
        let p = plan(
            &j,
            "r",
            &req(Side::Source, None, Some(Topology::TwoWay)),
            Family::Legacy,
        )
        .unwrap();
        assert_eq!(p.calls.len(), 2);
        assert!(p.topology_overridden);
        let p = plan(
            &j,
            "r",
            &req(Side::Source, None, Some(Topology::OneWay)),
            Family::Legacy,
        )
        .unwrap();
        assert_eq!(p.calls.len(), 1);
        assert_eq!(p.topology, Topology::OneWay);
    }
}
