//! What a switch is made of, below every rule that builds or sends one: the sides and
//! directions of a job, its topology, the API family, the request, and the plan with
//! its calls. No logic of a family or of the service here.

use crate::domain::endpoint::EndpointInfo;
use crate::domain::rules::{Secret, ValidEndpoint};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Topology {
    #[serde(rename = "one-way")]
    OneWay,
    #[serde(rename = "two-way")]
    TwoWay,
    /// The service does not say: the listing shows no Reverse entry for any job, and
    /// DescribeDtsJobs could not be read (for this job).
    #[serde(rename = "unknown")]
    Unknown,
}

impl Topology {
    pub fn as_str(self) -> &'static str {
        match self {
            Topology::OneWay => "one-way",
            Topology::TwoWay => "two-way",
            Topology::Unknown => "unknown",
        }
    }
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// SynchronizationJob API ("no longer maintained"): SwitchSynchronizationEndpoint.
    #[default]
    Legacy,
    /// DtsJob API: ModifyDtsJobEndpoint.
    Maintained,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Legacy => "legacy",
            Family::Maintained => "maintained",
        }
    }
    /// The write this family's change is.
    pub fn action(self) -> &'static str {
        match self {
            Family::Legacy => "SwitchSynchronizationEndpoint",
            Family::Maintained => "ModifyDtsJobEndpoint",
        }
    }
    /// Whether the service can check the change before it is made.
    pub fn has_dry_run(self) -> bool {
        matches!(self, Family::Maintained)
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `--api`: which family to use for a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApiChoice {
    /// The maintained family wherever its dry run accepts the change; the legacy one
    /// only where the maintained one refuses the job as unsupported or does not know it
    /// while the legacy family does.
    #[default]
    Auto,
    Legacy,
    Maintained,
}

impl FromStr for ApiChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(ApiChoice::Auto),
            "legacy" | "switch" | "switchsynchronizationendpoint" => Ok(ApiChoice::Legacy),
            "maintained" | "modify" | "new" | "modifydtsjobendpoint" => Ok(ApiChoice::Maintained),
            _ => Err(format!(
                "{s:?} is not an API choice; allowed: auto, legacy, maintained"
            )),
        }
    }
}

impl ApiChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiChoice::Auto => "auto",
            ApiChoice::Legacy => "legacy",
            ApiChoice::Maintained => "maintained",
        }
    }
}

/// A dry run's verdict (maintained family), shown before the confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DryRun {
    pub passed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
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

/// One call: SwitchSynchronizationEndpoint or ModifyDtsJobEndpoint (the plan's family).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlannedCall {
    pub direction: Direction,
    /// The side changed, in this direction's terms.
    pub endpoint_type: Side,
    /// Business parameters in send order (common and signature parameters are added by
    /// the client and never shown; a password never is here).
    pub params: Vec<(String, String)>,
    /// The side's endpoint as listed when the plan was made: before each write the
    /// service must still show it (or already the new one).
    pub old: EndpointInfo,
    /// The new endpoint, in the same terms.
    pub new: EndpointInfo,
    /// The maintained family's server-side check, once made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<DryRun>,
}

impl PlannedCall {
    /// True when the call changes the database account (the maintained family's
    /// `ModifyAccount=true`), so its password must be at hand when it is sent.
    pub fn needs_password(&self) -> bool {
        self.params
            .iter()
            .any(|(k, v)| k == "ModifyAccount" && v.eq_ignore_ascii_case("true"))
    }

    /// The wire action of this call.
    pub fn action(&self, family: Family) -> &'static str {
        family.action()
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Plan {
    pub id: String,
    /// Every run is a batch (a single switch is a batch of one job).
    pub batch_id: String,
    /// The job's instance id: the legacy SynchronizationJobId or the DtsInstanceID.
    pub job_id: String,
    /// Every id of the job (instance, each direction's DtsJobId): the guard's key.
    pub job_ids: Vec<String>,
    /// The Forward direction's DtsJobId (maintained family).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dts_job_id: Option<String>,
    pub family: Family,
    /// Why this family, in words (`legacy job: ModifyDtsJobEndpoint answered …`).
    pub family_reason: String,
    pub job_name: String,
    pub region: String,
    pub topology: Topology,
    /// True when the topology came from the operator rather than the service.
    pub topology_overridden: bool,
    pub calls: Vec<PlannedCall>,
    /// See [`warnings`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The new database account's password (maintained family, `--username`): held in
    /// memory for the send, never serialized.
    #[serde(skip)]
    pub password: Option<Secret>,
    /// When the plan was made (RFC 3339, UTC): a call another plan of the job sent
    /// after that makes this plan stale (see the guard). Empty: unknown.
    #[serde(skip)]
    pub made_at: String,
}

/// Now, as the journal writes times.
pub(crate) fn made_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Plan {
    /// A new plan of calls `from..` of this one (a redo, or the calls left after a
    /// dismissed one): a new id, the same job and region.
    pub fn remaining_from(&self, from: usize) -> Plan {
        Plan {
            id: uuid::Uuid::new_v4().to_string(),
            made_at: made_now(),
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
                "Two-way job: DTS needs one call per direction. Call 2 ({} {}) is sent only after {}; if call 1 fails, call 2 is not sent.",
                self.calls[1].direction,
                self.calls[1].endpoint_type.as_str(),
                match self.family {
                    Family::Legacy => "call 1's task has Finished",
                    Family::Maintained => "call 1's direction has taken the new endpoint and is healthy again",
                }
            ),
            (Topology::TwoWay, _) => format!(
                "Two-way job: this plan sends only the {} call (one direction; the other is handled on its own).",
                self.calls.first().map(|c| c.direction.as_str()).unwrap_or("?")
            ),
            _ => "One-way job: one call.".to_string(),
        }
    }
}
