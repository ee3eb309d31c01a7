//! The journal's records: one JSON object per line, the wire format of the journal.
//! Fields added later are optional (`serde(default)`), so older journals still read.

use crate::domain::call::{Direction, Side};
use crate::domain::call::{DryRun, Family};
use crate::domain::endpoint::EndpointInfo;
use crate::domain::journal::Process;
use crate::domain::outcome::Outcome;
use crate::domain::Topology;
use serde::{Deserialize, Serialize};

pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JournalCall {
    pub direction: Direction,
    pub endpoint_type: Side,
    pub params: Vec<(String, String)>,
    /// The side's endpoint before, and the new one (for old → new and the checks
    /// before each write). Absent in records of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<EndpointInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<EndpointInfo>,
    /// The dry run's verdict (maintained family).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<DryRun>,
}

// A plan record is large and the others small; records are read one at a time and
// folded, never kept in numbers, so they are not boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// A plan the operator confirmed, written before its first call.
    Plan {
        plan_id: String,
        at: String,
        region: String,
        endpoint: String,
        access_key_id: String,
        job_id: String,
        job_name: String,
        topology: Topology,
        calls: Vec<JournalCall>,
        /// Who confirmed it: command, process id, host (see [`who`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
        /// The same process, structured (PID, host, boot, start, program), so a reused
        /// PID is not taken for it. Absent in records of older versions.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        process: Option<Process>,
        /// The run this plan belongs to (a single switch is a batch of one job).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        batch_id: Option<String>,
        /// Every id of the job (instance id, each direction's DtsJobId): the guard's key.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        job_ids: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dts_job_id: Option<String>,
        /// The API family of its calls (older records: legacy).
        #[serde(default)]
        family: Family,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        family_reason: String,
    },
    /// Call `index` is about to be written to the network.
    Intent {
        plan_id: String,
        index: usize,
        at: String,
        /// Who sent it: command, process id, host.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
        /// The same process, structured (see [`Process`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        process: Option<Process>,
    },
    /// The service accepted call `index`.
    Accepted {
        plan_id: String,
        index: usize,
        at: String,
        request_id: Option<String>,
        task_id: String,
    },
    /// A task status change.
    Status {
        plan_id: String,
        index: usize,
        at: String,
        task_id: String,
        status: String,
    },
    /// Call `index` is over (as far as this process could tell).
    Done {
        plan_id: String,
        index: usize,
        at: String,
        outcome: Outcome,
        request_id: Option<String>,
        task_id: Option<String>,
        status: Option<String>,
        error: Option<String>,
        /// What else the operator should know (e.g. "already switched by someone else?").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The operator checked by hand and took the plan off the pending list.
    Dismissed { plan_id: String, at: String },
    /// Watching the job after every call Finished (see `domain::verify`).
    VerifyStarted {
        plan_id: String,
        at: String,
        directions: Vec<Direction>,
    },
    /// The verdict on one switched direction.
    Verified {
        plan_id: String,
        at: String,
        direction: Direction,
        verdict: crate::domain::outcome::Verdict,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delay_secs: Option<f64>,
    },
    /// The operator looked at journal lines that cannot be read (by number) and
    /// accepted them: they no longer block switches.
    DamageAccepted {
        at: String,
        lines: Vec<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        process: Option<Process>,
    },
}

impl Record {
    pub fn plan_id(&self) -> &str {
        match self {
            Record::Plan { plan_id, .. }
            | Record::Intent { plan_id, .. }
            | Record::Accepted { plan_id, .. }
            | Record::Status { plan_id, .. }
            | Record::Done { plan_id, .. }
            | Record::Dismissed { plan_id, .. }
            | Record::VerifyStarted { plan_id, .. }
            | Record::Verified { plan_id, .. } => plan_id,
            Record::DamageAccepted { .. } => "",
        }
    }
}
