//! The two DTS API families, one file each: [`legacy`] (SwitchSynchronizationEndpoint,
//! progress by TaskId through DescribeEndpointSwitchStatus) and [`maintained`]
//! (ModifyDtsJobEndpoint with a server-side dry run, no TaskId: progress is the
//! direction's own status through DescribeDtsJobDetail). Each file says how its request
//! is built, how a direction is read, and when a change has ended; this file holds the
//! one `match` per concern. A third family is a new file and an arm here.

pub mod legacy;
pub mod maintained;

use crate::domain::endpoint::EndpointInfo;
use crate::domain::plan::{Direction, Plan, PlannedCall, Side};
use crate::domain::service::{Dts, ServiceError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

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

/// A call's dry-run verdict in one line, as the CLI and the TUI show it: `dry run:
/// PASSED (RequestId …)`, `dry run: FAILED Code: message (RequestId …)`, or why there is
/// none. Service text is cleaned (escapes shown visibly).
pub fn dry_run_words(plan: &Plan, c: &PlannedCall) -> String {
    use crate::text::clean;
    match (&c.dry_run, plan.family.has_dry_run()) {
        (_, false) => "dry run: none (the legacy API has no server-side check)".into(),
        (None, true) => "dry run: not made".into(),
        (Some(d), true) if d.passed => format!(
            "dry run: PASSED (RequestId {})",
            clean(d.request_id.as_deref().unwrap_or("-"))
        ),
        (Some(d), true) => format!(
            "dry run: FAILED {}: {} (RequestId {})",
            clean(d.code.as_deref().unwrap_or("?")),
            clean(d.message.as_deref().unwrap_or("")),
            clean(d.request_id.as_deref().unwrap_or("-"))
        ),
    }
}

/// Reads direction `d` of the plan's job as the plan's family sees it.
pub async fn read_direction(
    client: &dyn Dts,
    plan: &Plan,
    d: Direction,
) -> Result<DirectionRead, ServiceError> {
    match plan.family {
        Family::Legacy => legacy::read_direction(client, &plan.job_id, d).await,
        Family::Maintained => maintained::read_direction(client, plan, d).await,
    }
}

/// Sends call `call` once (the guard has claimed it). The only place a write leaves.
pub(crate) async fn send_write(
    client: &dyn Dts,
    plan: &Plan,
    call: &PlannedCall,
) -> Result<Accepted, ServiceError> {
    match plan.family {
        Family::Legacy => legacy::send(client, call).await,
        Family::Maintained => maintained::send(client, plan, call).await,
    }
}

/// Where the endpoint of the call's side stands, compared with the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointCheck {
    /// It still shows the endpoint the plan was made from.
    Old,
    /// It already shows the new endpoint.
    New,
    /// Neither: someone changed it since the plan.
    Other,
}

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Compares what the service shows for the call's side with the plan's old and new
/// endpoints. The new one matches on what identifies it (IP and port when it has an
/// IP, else its instance id and the port where given); the old one on every value it
/// was listed with.
pub fn check_endpoint(now: &EndpointInfo, call: &PlannedCall) -> EndpointCheck {
    check(now, call, true)
}

/// [`check_endpoint`] on the address only (type, id, IP, port): whether the change shows
/// once sent, when an account or password change cannot be seen.
pub fn check_address(now: &EndpointInfo, call: &PlannedCall) -> EndpointCheck {
    check(now, call, false)
}

fn check(now: &EndpointInfo, call: &PlannedCall, with_extras: bool) -> EndpointCheck {
    let new = &call.new;
    let port_ok = new.port.is_empty() || same(&now.port, &new.port);
    // What else the change asks for must show too (an account, a database name, a
    // region); a new password cannot be seen at all, so such a change is never taken
    // for done.
    let extras_ok = !with_extras
        || (new.user_name.is_empty() || same(&now.user_name, &new.user_name))
            && (new.database_name.is_empty() || same(&now.database_name, &new.database_name))
            && (new.region.is_empty() || same(&now.region, &new.region))
            && !maintained::needs_password(call);
    let is_new = port_ok
        && extras_ok
        && if !new.ip.is_empty() {
            same(&now.ip, &new.ip)
        } else {
            !new.instance_id.is_empty() && same(&now.instance_id, &new.instance_id)
        };
    if is_new {
        return EndpointCheck::New;
    }
    let old = &call.old;
    let is_old = same(&now.ip, &old.ip)
        && same(&now.port, &old.port)
        && same(&now.instance_id, &old.instance_id);
    if is_old {
        EndpointCheck::Old
    } else {
        EndpointCheck::Other
    }
}

/// True while a direction is being changed (maintained family: `Modifying`).
pub fn is_modifying(status: &str) -> bool {
    status.trim().eq_ignore_ascii_case("Modifying")
}
