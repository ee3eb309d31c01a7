//! The two DTS API families, one file each: [`legacy`] (SwitchSynchronizationEndpoint,
//! progress by TaskId through DescribeEndpointSwitchStatus) and [`maintained`]
//! (ModifyDtsJobEndpoint with a server-side dry run, no TaskId: progress is the
//! direction's own status through DescribeDtsJobDetail). Each file says how its request
//! is built, how a direction is read, and when a change has ended; this file holds the
//! one `match` per concern. A third family is a new file and an arm here.

pub mod compare;
pub mod legacy;
pub mod maintained;

pub use compare::{check_address, check_endpoint, is_modifying, EndpointCheck};

pub use crate::domain::call::{ApiChoice, DryRun, Family};
use crate::domain::call::{Direction, Plan, PlannedCall};
pub use crate::domain::service::{Accepted, DirectionRead, RetryInfo};
use crate::domain::service::{Dts, ServiceError};

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
