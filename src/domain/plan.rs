//! The switch plan: the ordered SwitchSynchronizationEndpoint calls for one failover.
//! The preview, `plan`, `switch` and the executor all use this one value.

use crate::domain::job::{Job, Topology};
use crate::domain::rules::ValidEndpoint;
use std::fmt;
use std::str::FromStr;

/// A database of the job, named as in the forward direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Side {
    Source,
    Destination,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Source => "Source",
            Side::Destination => "Destination",
        }
    }
    pub fn opposite(self) -> Side {
        match self {
            Side::Source => Side::Destination,
            Side::Destination => Side::Source,
        }
    }
}

impl FromStr for Side {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "source" | "src" => Ok(Side::Source),
            "destination" | "dest" | "dst" => Ok(Side::Destination),
            _ => Err(format!(
                "{s:?} is not a database side; allowed: source, destination"
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Direction {
    Forward,
    Reverse,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Forward => "Forward",
            Direction::Reverse => "Reverse",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Direction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "forward" => Ok(Direction::Forward),
            "reverse" => Ok(Direction::Reverse),
            _ => Err(format!(
                "{s:?} is not a direction; allowed: forward, reverse"
            )),
        }
    }
}

impl FromStr for Topology {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "one-way" | "oneway" => Ok(Topology::OneWay),
            "two-way" | "twoway" | "bidirectional" => Ok(Topology::TwoWay),
            _ => Err(format!(
                "{s:?} is not a topology; allowed: one-way, two-way"
            )),
        }
    }
}

/// What the operator asks for.
#[derive(Debug, Clone)]
pub struct SwitchRequest {
    /// Which database was switched over, named as in the forward direction.
    pub database: Side,
    pub endpoint: ValidEndpoint,
    pub only_direction: Option<Direction>,
    /// The operator's word on the topology, overriding what the service shows.
    pub topology: Option<Topology>,
}

/// One SwitchSynchronizationEndpoint call.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlannedCall {
    pub direction: Direction,
    pub endpoint_type: Side,
    /// Business parameters in send order (common and signature parameters are added by
    /// the client and never shown).
    pub params: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Plan {
    pub id: String,
    pub job_id: String,
    pub job_name: String,
    pub region: String,
    pub topology: Topology,
    /// True when the topology came from the operator rather than the service.
    pub topology_overridden: bool,
    pub calls: Vec<PlannedCall>,
    /// See [`warnings`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Plan {
    /// A new plan of calls `from..` of this one (a redo, or the calls left after a
    /// dismissed one): a new id, the same job and region.
    pub fn remaining_from(&self, from: usize) -> Plan {
        Plan {
            id: uuid::Uuid::new_v4().to_string(),
            calls: self.calls[from.min(self.calls.len())..].to_vec(),
            topology_overridden: self.topology_overridden,
            warnings: vec![],
            ..self.clone()
        }
    }

    /// Why the plan has the calls it has, in one or two sentences.
    pub fn explanation(&self) -> String {
        match (self.topology, self.calls.len()) {
            (Topology::TwoWay, 2) => format!(
                "Two-way job: DTS needs one call per direction. Call 2 ({} {}) is sent only after call 1's task has Finished; if call 1 fails, call 2 is not sent.",
                self.calls[1].direction, self.calls[1].endpoint_type.as_str()
            ),
            (Topology::TwoWay, _) => format!(
                "Two-way job: this plan sends only the {} call (one direction; the other is handled on its own).",
                self.calls.first().map(|c| c.direction.as_str()).unwrap_or("?")
            ),
            _ => "One-way job: one call.".to_string(),
        }
    }
}

/// Things the operator should see before confirming: not errors, since they may know
/// better, but worth a second look.
pub fn warnings(job: &Job, req: &SwitchRequest) -> Vec<String> {
    let mut w = Vec::new();
    let cur = match req.database {
        Side::Source => &job.forward.source,
        Side::Destination => &job.forward.destination,
    };
    let side = req.database.as_str().to_ascii_lowercase();
    let managed = !cur.instance_type.is_empty()
        && !crate::domain::rules::is_switchable_type(&cur.instance_type);
    if managed {
        w.push(format!(
            "the {side} is a {} instance ({}): DTS updates ApsaraDB endpoints by itself after a switchover; this call is for self-managed databases. Is --database right?",
            cur.instance_type, cur.instance_id
        ));
    }
    let e = &req.endpoint;
    let same = cur
        .instance_type
        .eq_ignore_ascii_case(e.instance_type.as_str())
        && cur.port == e.port.to_string()
        && e.ip.as_deref().unwrap_or("") == cur.ip
        && e.instance_id.as_deref().unwrap_or("") == cur.instance_id;
    if same {
        w.push(format!(
            "the new endpoint is the same as the {side}'s current one: nothing would change"
        ));
    }
    let status = job.status().to_ascii_lowercase();
    if !status.is_empty() && status != "synchronizing" {
        w.push(format!(
            "the job's status is {}, not Synchronizing",
            job.status()
        ));
    }
    w
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("--only-direction reverse: job {job} is one-way, it has no Reverse direction (if it is two-way, say so with --topology two-way)")]
    ReverseOnOneWay { job: String },
    #[error("job {job}: the service does not show whether it is one-way or two-way (the listing shows no Reverse entries and DescribeDtsJobs could not be read); say which with --topology one-way or --topology two-way (a two-way job needs two calls)")]
    UnknownTopology { job: String },
}

/// Builds the ordered calls for `req` on `job`.
pub fn plan(job: &Job, region: &str, req: &SwitchRequest) -> Result<Plan, PlanError> {
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
            params: call_params(region, &job.id, direction, side, &req.endpoint),
        })
        .collect();
    Ok(Plan {
        id: uuid::Uuid::new_v4().to_string(),
        job_id: job.id.clone(),
        job_name: job.name.clone(),
        region: region.to_string(),
        topology,
        topology_overridden: req.topology.is_some_and(|t| t != job.detected_topology()),
        calls,
        warnings: warnings(job, req),
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

fn call_params(
    region: &str,
    job_id: &str,
    dir: Direction,
    side: Side,
    e: &ValidEndpoint,
) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = vec![
        ("RegionId".into(), region.into()),
        ("SynchronizationJobId".into(), job_id.into()),
        ("SynchronizationDirection".into(), dir.as_str().into()),
        ("Endpoint.Type".into(), side.as_str().into()),
    ];
    p.extend(crate::domain::rules::endpoint_params(e));
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ops::SyncJobEntry;
    use crate::domain::job::merge_entries;
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
                port: 3307,
                owner_id: None,
                role: None,
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
        let p = plan(&job(false), "cn-hangzhou", &req(Side::Source, None, None)).unwrap();
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
        j.forward.status = "Failed".into();
        let w = plan(&j, "r", &req(Side::Destination, None, None))
            .unwrap()
            .warnings;
        assert!(w.iter().any(|x| x.contains("ApsaraDB")), "{w:?}");
        assert!(w.iter().any(|x| x.contains("Failed")), "{w:?}");
        let mut j = job(false);
        j.forward.status = "Synchronizing".into();
        j.forward.source.instance_type = "ECS".into();
        j.forward.source.instance_id = "i-new".into();
        j.forward.source.port = "3307".into();
        let w = plan(&j, "r", &req(Side::Source, None, None))
            .unwrap()
            .warnings;
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("same"), "{w:?}");
    }

    #[test]
    fn only_direction_and_override() {
        let p = plan(
            &job(true),
            "r",
            &req(Side::Source, Some(Direction::Reverse), None),
        )
        .unwrap();
        assert_eq!(legs(&p), [(Direction::Reverse, Side::Destination)]);
        assert!(matches!(
            plan(
                &job(false),
                "r",
                &req(Side::Source, Some(Direction::Reverse), None)
            ),
            Err(PlanError::ReverseOnOneWay { .. })
        ));
        let p = plan(
            &job(false),
            "r",
            &req(Side::Source, None, Some(Topology::TwoWay)),
        )
        .unwrap();
        assert_eq!(p.calls.len(), 2);
        assert!(p.topology_overridden);
        let p = plan(
            &job(true),
            "r",
            &req(Side::Source, None, Some(Topology::OneWay)),
        )
        .unwrap();
        assert_eq!(p.calls.len(), 1);
    }

    #[test]
    fn unknown_topology_needs_the_operators_word() {
        let mut j = job(false);
        j.one_way_known = false;
        assert_eq!(j.detected_topology(), Topology::Unknown);
        let e = plan(&j, "r", &req(Side::Source, None, None)).unwrap_err();
        assert!(matches!(e, PlanError::UnknownTopology { .. }));
        assert!(e.to_string().contains("--topology"), "{e}");
        let p = plan(&j, "r", &req(Side::Source, None, Some(Topology::TwoWay))).unwrap();
        assert_eq!(p.calls.len(), 2);
        assert!(p.topology_overridden);
        let p = plan(&j, "r", &req(Side::Source, None, Some(Topology::OneWay))).unwrap();
        assert_eq!(p.calls.len(), 1);
        assert_eq!(p.topology, Topology::OneWay);
    }
}
