//! Where a direction's endpoint stands against a plan's call (old, new, or neither), the
//! same for both families.

use crate::domain::call::PlannedCall;
use crate::domain::endpoint::EndpointInfo;

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
            && !call.needs_password();
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
