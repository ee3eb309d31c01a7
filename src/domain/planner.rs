//! Finding the job and making its plan: which family (the maintained one wherever its
//! server-side dry run accepts the change, the legacy one only where the maintained one
//! refuses the job as unsupported or does not know it while the legacy family does),
//! and the dry runs of every maintained call. The CLI and the TUI only render the
//! result.

use crate::domain::call::{ApiChoice, Direction, DryRun, Family, Plan, SwitchRequest};
use crate::domain::family;
use crate::domain::job::Job;
use crate::domain::plan::{self, PlanError};
use crate::domain::service::{Dts, ServiceError};

/// Finds the job named by `id`: any of its ids (instance id, either direction's
/// DtsJobId), spaces and case aside. Err: up to three close ids, for "did you mean".
pub fn find_job<'a>(jobs: &'a [Job], id: &str) -> Result<&'a Job, Vec<&'a Job>> {
    let id = id.trim();
    if let Some(j) = jobs.iter().find(|j| j.ids().iter().any(|x| x == id)) {
        return Ok(j);
    }
    if let Some(j) = jobs.iter().find(|j| j.has_id(id)) {
        return Ok(j);
    }
    let mut close: Vec<&Job> = jobs
        .iter()
        .filter(|j| {
            j.ids().iter().any(|x| {
                strsim::levenshtein(&x.to_ascii_lowercase(), &id.to_ascii_lowercase()) <= 3
            }) || (id.len() >= 4 && (j.id.contains(id) || j.name.contains(id)))
        })
        .collect();
    close.truncate(3);
    Err(close)
}

/// Why no plan could be made.
#[derive(Debug)]
pub enum PlanFailure {
    /// The request does not fit the job (bad input: nothing was sent).
    Plan(PlanError),
    /// A dry run got no usable answer (nothing real was sent).
    DryRunError(ServiceError),
}

impl std::fmt::Display for PlanFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanFailure::Plan(e) => write!(f, "{e}"),
            PlanFailure::DryRunError(e) => write!(
                f,
                "the dry run of ModifyDtsJobEndpoint got no usable answer ({}); nothing real was sent",
                e.to_string().lines().next().unwrap_or("")
            ),
        }
    }
}

/// Codes with which the maintained family says a job is not its own: it refuses the
/// job as unsupported, does not know it, or the service has no ModifyDtsJobEndpoint at
/// all (an action it does not know).
fn not_maintained(d: &DryRun) -> bool {
    d.code.as_deref().is_some_and(|c| {
        c.contains("JobVersionNotSupported")
            || c.contains("InstanceNotFound")
            || c.starts_with("InvalidAction.NotFound")
            || c.starts_with("InvalidApi.NotFound")
    })
}

/// Makes the plan of `req` on `job` in the family `choice` names (see the module docs);
/// the maintained family's calls carry their dry-run verdicts. A plan whose dry runs
/// failed is still returned: the caller shows the verdicts and sends nothing.
pub async fn make_plan(
    client: &dyn Dts,
    job: &Job,
    region: &str,
    req: &SwitchRequest,
    choice: ApiChoice,
) -> Result<Plan, PlanFailure> {
    match choice {
        ApiChoice::Legacy => {
            let mut p = plan::plan(job, region, req, Family::Legacy).map_err(PlanFailure::Plan)?;
            p.family_reason = "--api legacy".into();
            Ok(p)
        }
        ApiChoice::Maintained => {
            let mut p =
                plan::plan(job, region, req, Family::Maintained).map_err(PlanFailure::Plan)?;
            p.family_reason = "--api maintained".into();
            dry_run_all(client, &mut p, 0).await?;
            Ok(p)
        }
        ApiChoice::Auto => {
            let mut p =
                plan::plan(job, region, req, Family::Maintained).map_err(PlanFailure::Plan)?;
            let first = crate::domain::guard::dry_run(client, &p, 0)
                .await
                .map_err(PlanFailure::DryRunError)?;
            if !first.passed && not_maintained(&first) {
                let code = first.code.clone().unwrap_or_default();
                match family::legacy::read_direction(client, &job.id, Direction::Forward).await {
                    Ok(_) => {
                        let mut l = plan::plan(job, region, req, Family::Legacy)
                            .map_err(PlanFailure::Plan)?;
                        l.family_reason = format!(
                            "legacy job: ModifyDtsJobEndpoint answered {code}; DescribeSynchronizationJobStatus knows it"
                        );
                        return Ok(l);
                    }
                    Err(e) => {
                        p.family_reason = format!(
                            "ModifyDtsJobEndpoint answered {code}, and the legacy API does not know the job either ({})",
                            crate::text::clean(e.to_string().lines().next().unwrap_or(""))
                        );
                        p.calls[0].dry_run = Some(first);
                        return Ok(p);
                    }
                }
            }
            p.family_reason = if first.passed {
                "new-version job: the dry run of ModifyDtsJobEndpoint accepts the change".into()
            } else {
                "new-version job: ModifyDtsJobEndpoint knows it (its dry run refused the change)"
                    .into()
            };
            p.calls[0].dry_run = Some(first);
            dry_run_all(client, &mut p, 1).await?;
            Ok(p)
        }
    }
}

/// Dry-runs calls `from..` of a maintained plan.
async fn dry_run_all(client: &dyn Dts, p: &mut Plan, from: usize) -> Result<(), PlanFailure> {
    for i in from..p.calls.len() {
        let v = crate::domain::guard::dry_run(client, p, i)
            .await
            .map_err(PlanFailure::DryRunError)?;
        p.calls[i].dry_run = Some(v);
    }
    Ok(())
}

/// True when every dry run the plan has passed (a legacy plan has none).
pub fn dry_runs_passed(p: &Plan) -> bool {
    p.calls
        .iter()
        .all(|c| c.dry_run.as_ref().is_none_or(|d| d.passed))
}
