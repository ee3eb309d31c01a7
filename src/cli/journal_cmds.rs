//! Journal-backed commands: `resume`, `history`, and the checks `switch` makes.

use crate::api::endpoint::{is_loopback, same_service};
use crate::api::SwitchStatus;
use crate::cli::context::Ctx;
use crate::cli::output::now_hms;
use crate::cli::{exit, logging, output, CliError, Global, HistoryArgs, OutputFormat, ResumeArgs};
use crate::domain::executor::{self, CallOutcome, ExecOptions, Outcome};
use crate::domain::journal::{self, CallState, Journal, Pending, PlanSummary, Record};
use crate::text::{clean, clean_lines};
use serde_json::json;
use std::io::IsTerminal;
use std::time::Duration;

/// The journal of this `--demo` process: its own file, which no real run reads and
/// which is removed when the process (and the simulator it belongs to) ends.
static DEMO_JOURNAL: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// True for this `--demo` process's own journal.
pub fn is_demo_journal(j: &Journal) -> bool {
    DEMO_JOURNAL.get().is_some_and(|p| p == j.path())
}

/// Removes this process's demo journal, if it made one (at exit).
pub fn remove_demo_journal() {
    if let Some(p) = DEMO_JOURNAL.get() {
        let _ = std::fs::remove_file(p);
    }
}

/// `--journal`, else `<data dir>/journal.jsonl`; with `--demo`, a journal of this
/// process only (see [`DEMO_JOURNAL`]).
pub fn journal_for(g: &Global) -> Result<Journal, CliError> {
    if let Some(p) = &g.journal {
        let j = Journal::new(p);
        j.check()
            .map_err(|e| CliError::new(exit::BAD_INPUT, format!("--journal: {e}")))?;
        return Ok(j);
    }
    if g.demo {
        let p = DEMO_JOURNAL.get_or_init(|| {
            std::env::temp_dir().join(format!(
                "dts-switch-demo-{}-{}.jsonl",
                std::process::id(),
                &uuid::Uuid::new_v4().to_string()[..8]
            ))
        });
        return Ok(Journal::new(p));
    }
    let dir = logging::data_dir().ok_or_else(|| {
        CliError::new(
            exit::BAD_INPUT,
            "cannot find a data directory for the journal (no home directory?); pass --journal PATH",
        )
    })?;
    Ok(Journal::new(dir.join("journal.jsonl")))
}

/// Reads and summarizes the journal, printing skipped lines as warnings.
pub fn load(j: &Journal) -> Result<Vec<PlanSummary>, CliError> {
    let r = j.read().map_err(|e| {
        CliError::new(
            exit::FAILED,
            format!("cannot read the journal {}: {e}", j.path().display()),
        )
    })?;
    let damage = journal::damage(&r);
    for (_, p) in &damage {
        errln!("warning: {}", crate::text::clean(p));
    }
    if !damage.is_empty() {
        errln!("warning: switches are refused until these lines are checked and accepted: `dts-switch resume --accept-damaged` (with the same --journal)");
    }
    Ok(r.plans().to_vec())
}

fn same_endpoint(p: &PlanSummary, ctx: &Ctx) -> bool {
    same_service(&p.endpoint, &ctx.endpoint)
}

/// Records in the journal the end of tasks that `status` saw end, when they belong to a
/// journalled plan still waiting for them (e.g. after `switch --no-wait`).
pub fn record_task_ends(j: &Journal, ctx: &Ctx, ended: &[(String, String, Option<String>)]) {
    let Ok(read) = j.read() else { return };
    for p in read
        .plans()
        .iter()
        .filter(|p| same_endpoint(p, ctx) && matches!(p.pending(), Some(Pending::Follow(_))))
    {
        for (i, c) in p.calls.iter().enumerate() {
            let waiting = matches!(
                &c.state,
                CallState::Running { .. }
                    | CallState::Done {
                        outcome: Outcome::Sent | Outcome::StillRunning,
                        ..
                    }
            );
            let Some(task) = p.task_id(i).filter(|_| waiting) else {
                continue;
            };
            let end = ended
                .iter()
                .find(|(id, _, _)| id == task)
                .and_then(|(_, st, msg)| {
                    executor::task_end(&SwitchStatus::parse(st), msg.as_deref())
                        .map(|(outcome, error)| (st, outcome, error))
                });
            if let Some((status, outcome, error)) = end {
                let o = CallOutcome {
                    task_id: Some(task.to_string()),
                    status: Some(status.clone()),
                    error,
                    ..CallOutcome::new(&p.to_plan().calls[i], outcome)
                };
                let _ = j.append(&executor::done_record(&p.plan_id, i, &o));
            }
        }
    }
}

pub use crate::domain::guard::short;

fn state_line(c: &journal::CallSummary) -> String {
    match &c.state {
        CallState::NotStarted => "not sent".into(),
        CallState::IntentOnly { at } => format!(
            "OUTCOME UNKNOWN: about to be sent at {at}, then no record ({}); it may have reached the service",
            c.liveness().words()
        ),
        CallState::Running {
            task_id,
            request_id,
            last_status,
        } => format!(
            "accepted, TaskId {} (RequestId {}), last status {}",
            clean(task_id),
            clean(request_id.as_deref().unwrap_or("-")),
            clean(last_status.as_deref().unwrap_or("not read yet"))
        ),
        CallState::Done {
            outcome,
            task_id,
            request_id,
            status,
            error,
        } => {
            let mut s = outcome.as_str().to_string();
            if let Some(t) = task_id {
                s.push_str(&format!(", TaskId {}", clean(t)));
            }
            if let Some(r) = request_id {
                s.push_str(&format!(", RequestId {}", clean(r)));
            }
            if let Some(st) = status {
                s.push_str(&format!(", status {}", clean(st)));
            }
            if let Some(e) = error {
                s.push_str(&format!(": {}", clean(e.lines().next().unwrap_or(""))));
            }
            s
        }
    }
}

pub async fn resume(g: &Global, ctx: &Ctx, a: &ResumeArgs) -> Result<i32, CliError> {
    crate::cli::args::check_verify_args(&a.verify)?;
    let flags = crate::cli::args::target_flags(g);
    let j = journal_for(g)?;
    if a.accept_damaged {
        return accept_damaged(&j);
    }
    let plans = load(&j)?;
    if let Some(id) = &a.dismiss {
        let id = id.trim();
        if id.chars().count() < 6 {
            return Err(CliError::new(
                exit::BAD_INPUT,
                format!(
                    "--dismiss {id:?}: give the plan id, or at least its first 6 characters (`dts-switch history` shows them); nothing was changed"
                ),
            ));
        }
        let matches: Vec<&PlanSummary> = plans
            .iter()
            .filter(|p| {
                p.plan_id
                    .to_ascii_lowercase()
                    .starts_with(&id.to_ascii_lowercase())
            })
            .collect();
        return match matches.as_slice() {
            [p] if p.running_elsewhere().is_some() => Err(CliError::new(
                exit::BAD_INPUT,
                format!(
                    "plan {} is being run by {}, which is still running: its calls may still be answered. Wait for it (or stop it), then check; nothing was changed",
                    short(&p.plan_id),
                    clean(p.last_by().unwrap_or("another process"))
                ),
            )),
            [p] => {
                j.append(&Record::Dismissed {
                    plan_id: p.plan_id.clone(),
                    at: journal::now(),
                })
                .map_err(|e| {
                    CliError::new(exit::FAILED, format!("cannot write the journal: {e}"))
                })?;
                outln!(
                    "plan {} (job {}) dismissed: it is no longer pending",
                    clean(short(&p.plan_id)),
                    clean(&p.job_id)
                );
                Ok(exit::OK)
            }
            [] => Err(CliError::new(
                exit::BAD_INPUT,
                format!(
                    "--dismiss {id:?}: no plan with that id in {}",
                    j.path().display()
                ),
            )),
            _ => Err(CliError::new(
                exit::BAD_INPUT,
                format!(
                    "--dismiss {id:?}: {} plans start with that; give more of the id",
                    matches.len()
                ),
            )),
        };
    }
    // Unfinished plans, and the latest plan of each job when that job was not seen
    // healthy after it (watched again).
    let latest = |p: &PlanSummary| {
        !plans
            .iter()
            .any(|q| q.at > p.at && q.same_job(&p.job_ids, &p.region))
    };
    let batch = match &a.batch {
        Some(id) => Some(batch_of(&plans, id, &j)?),
        None => None,
    };
    let pending: Vec<&PlanSummary> = plans
        .iter()
        .filter(|p| batch.as_deref().is_none_or(|b| p.batch_id == b))
        .filter(|p| {
            p.pending().is_some()
                || (p.wants_watch() && latest(p))
                || (batch.is_some() && p.never_begun())
        })
        .collect();
    let (here, elsewhere): (Vec<&PlanSummary>, Vec<&PlanSummary>) =
        pending.into_iter().partition(|p| same_endpoint(p, ctx));
    for p in &elsewhere {
        let dead_sim = url::Url::parse(&p.endpoint)
            .map(|u| is_loopback(&u))
            .unwrap_or(false);
        if !dead_sim {
            let (endpoint, region) = (clean(&p.endpoint), clean(&p.region));
            outln!(
                "plan {} (job {}) was started against {endpoint} (region {region}): resume it with --endpoint {endpoint} --region {region}",
                clean(short(&p.plan_id)), clean(&p.job_id)
            );
        }
    }
    if here.is_empty() {
        outln!(
            "Nothing to resume against {}: no unfinished switch in {}",
            ctx.banner(),
            j.path().display()
        );
        return Ok(exit::OK);
    }
    let poll_interval = a.poll_interval.unwrap_or(Duration::from_secs(5));
    let opts = ExecOptions {
        poll_interval,
        wait_timeout: a.wait_timeout,
        verify: crate::domain::verify::VerifyOptions {
            interval: poll_interval,
            healthy_delay: a.verify.healthy_delay,
            timeout: a.verify.verify_timeout,
        },
        ..ExecOptions::default()
    };
    // The batches touched: their failback runbooks are written again at the end.
    let mut touched: Vec<String> = Vec::new();
    for p in &here {
        if !touched.contains(&p.batch_id) {
            touched.push(p.batch_id.clone());
        }
    }
    let mut interrupts = crate::cli::flow::Interrupts::install();
    let work = async {
        let mut code = exit::OK;
        for p in here {
            // Another dts-switch on this host is running it: its answers may still
            // come. Nothing to do here (and no "unknown outcome" advice to act on).
            if let Some(by) = p.running_elsewhere() {
                outln!(
                    "Plan {} · job {}: being run by {}, which is still running; nothing to do here (it records its progress in the journal: `dts-switch history`).",
                    short(&p.plan_id),
                    clean(&p.job_id),
                    clean(by)
                );
                code = code.max(exit::UNKNOWN);
                continue;
            }
            let client = if p.region.eq_ignore_ascii_case(&ctx.region) {
                ctx.client.port()
            } else {
                crate::cli::find::region_clients(g, ctx, std::slice::from_ref(&p.region))?
                    .remove(0)
                    .1
            };
            code = code
                .max(resume_plan(&j, ctx, &client, batch.is_some(), p, &opts, a, &flags).await?);
        }
        Ok(code)
    };
    let r = tokio::select! {
        r = work => r,
        sig = interrupts.wait() => {
            errln!("\n{sig}: stopped; what was sent goes on in the service and stays in the journal: run `dts-switch{flags} resume{}` again", a.batch.as_deref().map(|b| format!(" --batch {}", clean(b))).unwrap_or_default());
            Ok(exit::UNKNOWN)
        }
    };
    for b in touched.iter().filter(|_| ctx.demo.is_none()) {
        if let Some(path) = write_failback(&j, b) {
            outln!(
                "The way back of batch {} (failback runbook): {} (review: dts-switch{flags} apply {} --dry-run)",
                clean(short(b)),
                path.display(),
                path.display()
            );
        }
    }
    r
}

/// The batch `id` names: its full id, or a prefix of at least 6 characters that names
/// one batch of the journal (any case).
pub fn batch_of(plans: &[PlanSummary], id: &str, j: &Journal) -> Result<String, CliError> {
    let id = id.trim();
    if id.chars().count() < 6 {
        return Err(CliError::new(
            exit::BAD_INPUT,
            format!("--batch {:?}: give the batch id, or at least its first 6 characters (`dts-switch history` lists the batches)", clean(id)),
        ));
    }
    let mut found: Vec<&str> = Vec::new();
    for p in plans {
        if p.batch_id
            .to_ascii_lowercase()
            .starts_with(&id.to_ascii_lowercase())
            && !found.contains(&p.batch_id.as_str())
        {
            found.push(&p.batch_id);
        }
    }
    match found.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(CliError::new(
            exit::BAD_INPUT,
            format!(
                "--batch {:?}: no batch with that id in {} (`dts-switch history` lists the batches)",
                clean(id),
                j.path().display()
            ),
        )),
        many => Err(CliError::new(
            exit::BAD_INPUT,
            format!("--batch {:?}: {} batches start with that; give more of the id", clean(id), many.len()),
        )),
    }
}

fn accept_damaged(j: &Journal) -> Result<i32, CliError> {
    let read = j.read().map_err(|e| {
        CliError::new(
            exit::FAILED,
            format!("cannot read the journal {}: {e}", j.path().display()),
        )
    })?;
    let damage = journal::damage(&read);
    if damage.is_empty() {
        outln!("The journal {} has no damaged lines.", j.path().display());
        return Ok(exit::OK);
    }
    for (_, p) in &damage {
        outln!("accepting: {}", crate::text::clean(p));
    }
    j.append(&Record::DamageAccepted {
        at: journal::now(),
        lines: damage.iter().map(|(n, _)| *n).collect(),
        by: Some(journal::who("resume --accept-damaged")),
        process: Some(journal::this_process().clone()),
    })
    .map_err(|e| CliError::new(exit::FAILED, format!("cannot write the journal: {e}")))?;
    outln!(
        "{} damaged line(s) accepted: they no longer block switches.",
        damage.len()
    );
    Ok(exit::OK)
}

#[allow(clippy::too_many_arguments)]
async fn resume_plan(
    j: &Journal,
    ctx: &Ctx,
    client: &crate::domain::service::Port,
    batch: bool,
    p: &PlanSummary,
    opts: &ExecOptions,
    a: &ResumeArgs,
    flags: &str,
) -> Result<i32, CliError> {
    let yes = a.yes;
    outln!(
        "Plan {} · job {} ({}) · {} · started {}{}",
        clean(short(&p.plan_id)),
        clean(&p.job_id),
        clean(&p.job_name),
        p.topology.as_str(),
        clean(&p.at),
        p.by.as_deref()
            .map(|b| format!(" by {}", clean(b)))
            .unwrap_or_default()
    );
    if !p.region.eq_ignore_ascii_case(&ctx.region) {
        outln!(
            "  note: this plan was journalled in region {}; its calls carry RegionId={} (the current region is {})",
            p.region,
            p.region,
            ctx.region
        );
    }
    let n = p.calls.len();
    for (i, c) in p.calls.iter().enumerate() {
        outln!(
            "  call {}/{n} {}/{}: {}",
            i + 1,
            c.direction,
            c.endpoint_type.as_str(),
            state_line(c)
        );
    }
    let plan = p.to_plan();
    let sender = crate::domain::guard::Sender {
        client: client.clone(),
        ..ctx.sender(j.clone(), "resume")
    };
    let mut outcomes: Vec<CallOutcome> = Vec::new();
    // The verdicts of a watch this run made (the driver's, after sending).
    let mut watched: Option<Vec<crate::domain::verify::DirectionVerdict>> = None;
    loop {
        // Fresh from the journal each round: another process may have moved on.
        let fresh = j
            .read()
            .ok()
            .and_then(|r| r.plans().iter().find(|x| x.plan_id == p.plan_id).cloned())
            .unwrap_or_else(|| p.clone());
        let pending = fresh
            .pending()
            .or_else(|| (batch && fresh.never_begun()).then_some(Pending::Continue(0)));
        match pending {
            None => break,
            Some(Pending::Unknown(k)) => {
                let c = &fresh.calls[k];
                // Evidence only: the direction's endpoint as the service shows it now.
                let call = &plan.calls[k];
                let seen = match crate::domain::family::read_direction(
                    client,
                    &plan,
                    call.direction,
                )
                .await
                {
                    Ok(read) => {
                        let now = read.side(call.endpoint_type).clone();
                        let check = if call.new.ip.is_empty() && call.new.instance_id.is_empty() {
                            // A journal of an older version: the new endpoint is not recorded.
                            None
                        } else {
                            Some(crate::domain::family::check_endpoint(&now, call))
                        };
                        Some((read.status.clone(), now, check))
                    }
                    Err(e) => {
                        outln!(
                            "\ncall {}/{n}: OUTCOME UNKNOWN, and the {} direction cannot be read now ({}).",
                            k + 1,
                            call.direction,
                            clean(e.to_string().lines().next().unwrap_or(""))
                        );
                        None
                    }
                };
                if let Some((status, now, Some(crate::domain::family::EndpointCheck::New))) = &seen
                {
                    if !crate::domain::family::is_modifying(status) {
                        let note = format!(
                            "found applied by resume: the {} direction's {} shows {} (status {})",
                            call.direction,
                            call.endpoint_type.as_str().to_ascii_lowercase(),
                            crate::domain::guard::endpoint_words(now),
                            clean(status)
                        );
                        outln!(
                            "\ncall {}/{n} {}/{}: the change took effect: {note}.",
                            k + 1,
                            c.direction,
                            c.endpoint_type.as_str()
                        );
                        let o = CallOutcome {
                            status: Some(status.clone()),
                            note: Some(note),
                            ..CallOutcome::new(call, Outcome::Finished)
                        };
                        if let Err(e) = j.append(&executor::done_record(&p.plan_id, k, &o)) {
                            errln!("JOURNAL ERROR: {e}");
                            return Ok(exit::UNKNOWN);
                        }
                        continue;
                    }
                }
                if let Some((status, now, _)) = &seen {
                    outln!(
                        "\ncall {}/{n}: the {} direction now shows {} {} (status {}){}",
                        k + 1,
                        call.direction,
                        call.endpoint_type.as_str().to_ascii_lowercase(),
                        crate::domain::guard::endpoint_words(now),
                        clean(status),
                        if crate::domain::family::is_modifying(status) {
                            format!(": it is being modified, the change may be under way; run `dts-switch{flags} resume` again when it is not Modifying")
                        } else if crate::domain::family::check_address(now, call)
                            == crate::domain::family::EndpointCheck::New
                        {
                            ": the new address shows, but the change also set an account or its password, which the service does not show: whether it took effect cannot be read from the job".to_string()
                        } else {
                            ": not the new endpoint".to_string()
                        }
                    );
                }
                outln!(
                    "\ncall {}/{n} {}/{}: OUTCOME UNKNOWN. It is never resent automatically.\n  check: `dts-switch{flags} jobs --job {}` — does the {} endpoint show {}?\n  if it does, the call took effect: `dts-switch{flags} resume --dismiss {}`{}\n  if it does not: dismiss the plan as above, then send the call again:\n    {}",
                    k + 1,
                    c.direction,
                    c.endpoint_type.as_str(),
                    p.job_id,
                    c.endpoint_type.as_str().to_ascii_lowercase(),
                    describe_endpoint(&c.params),
                    short(&p.plan_id),
                    match plan.calls.get(k + 1) {
                        Some(next) => format!(
                            ", then send the {} call alone:\n    {}",
                            next.direction,
                            output::command_for_call(&plan, next, flags)
                        ),
                        None => String::new(),
                    },
                    output::command_for_call(&plan, &plan.calls[k], flags)
                );
                outcomes.push(CallOutcome::new(&plan.calls[k], Outcome::Unknown));
                break;
            }
            Some(Pending::Follow(k)) => {
                let task_id = match (plan.family, fresh.task_id(k)) {
                    // No TaskId in this family: the direction itself is followed.
                    (crate::domain::family::Family::Maintained, _) => String::new(),
                    (_, Some(t)) => t.to_string(),
                    (_, None) => return Ok(exit::UNKNOWN),
                };
                if task_id.is_empty() {
                    outln!(
                        "[{}] call {}/{n}: following the {} direction's change",
                        now_hms(),
                        k + 1,
                        plan.calls[k].direction
                    );
                } else {
                    outln!(
                        "[{}] call {}/{n}: following task {}",
                        now_hms(),
                        k + 1,
                        clean(&task_id)
                    );
                }
                let mut printer = output::ProgressPrinter::new(n, false);
                let mut handler = move |ev: &executor::ProgressEvent| printer.event(ev);
                let o = executor::follow(&sender, &plan, k, &task_id, opts, &mut handler).await;
                // Stop unless it Finished and the journal recorded it (a journal that
                // cannot be written would show the same task again, forever).
                let stop = o.outcome != Outcome::Finished || o.journal_error.is_some();
                outln!("{}", output::outcome_line(k, n, &o));
                outcomes.push(o);
                if stop {
                    break;
                }
            }
            Some(Pending::Continue(k)) => {
                if k == 0 {
                    outln!(
                        "\nNo call of this plan was sent (its batch was stopped before it began)."
                    );
                } else {
                    outln!(
                        "\nCall {} of {n} was never sent; every earlier call Finished.",
                        k + 1
                    );
                }
                for (x, c) in plan.calls.iter().enumerate().skip(k) {
                    outln!(
                        "\nCall {} of {n}: {} ({} direction, {} endpoint)",
                        x + 1,
                        plan.family.action(),
                        c.direction,
                        c.endpoint_type.as_str()
                    );
                    for (key, v) in &c.params {
                        outln!("  {:<26} {}", clean(key), clean(v));
                    }
                }
                outln!("Target: {}", ctx.banner());
                if !yes {
                    if !std::io::stdin().is_terminal() {
                        errln!(
                            "not sent: stdin is not a terminal; run `dts-switch{flags} resume{} --yes` to send it",
                            if batch {
                                format!(" --batch {}", clean(short(&p.batch_id)))
                            } else {
                                String::new()
                            }
                        );
                        return Ok(exit::BAD_INPUT);
                    }
                    let prompt = format!(
                        "Type the job id ({}) to send it, anything else leaves it pending: ",
                        p.job_id
                    );
                    let expected = p.job_id.clone();
                    let yes = crate::cli::flow::typed_confirmation(&prompt, &expected).await?;
                    if !yes {
                        errln!("not sent: the plan stays pending");
                        return Ok(exit::FAILED);
                    }
                }
                let mut printer = output::ProgressPrinter::new(n, false);
                let mut handler = move |ev: &executor::ProgressEvent| printer.event(ev);
                let vo = verify_options(a, opts);
                let run = crate::domain::drive::run_plan(
                    &sender,
                    &plan,
                    k,
                    opts,
                    vo.as_ref(),
                    &mut handler,
                )
                .await;
                for (x, o) in run.outcomes.iter().enumerate() {
                    outln!("{}", output::outcome_line(k + x, n, o));
                    if let Some(r) = &o.refusal {
                        errln!("call {}/{n} was not sent: {r}", k + x + 1);
                    }
                }
                outcomes.extend(run.outcomes.iter().cloned());
                if let Some(v) = &run.verdicts {
                    watched = Some(v.clone());
                }
                break;
            }
        }
    }
    let mut code = exit::of_calls(&outcomes);
    // Every call Finished (now, or before): watch the job, or go on watching it.
    let fresh = j
        .read()
        .ok()
        .and_then(|r| r.plans().iter().find(|x| x.plan_id == p.plan_id).cloned());
    let all_finished = fresh.as_ref().is_some_and(|f| f.all_finished());
    if code == exit::OK && all_finished {
        outln!("Plan {}: every call Finished.", short(&p.plan_id));
        if watched.is_none() && fresh.as_ref().is_some_and(|f| f.wants_watch()) {
            let mut printer = output::ProgressPrinter::new(n, false);
            let mut handler = move |ev: &executor::ProgressEvent| printer.event(ev);
            let vo = verify_options(a, opts);
            let mut interrupts = crate::cli::flow::Interrupts::install();
            let (verdicts, e) = tokio::select! {
                r = crate::domain::drive::watch_after(&sender, &plan, vo.as_ref(), &mut handler) => r,
                sig = interrupts.wait() => {
                    errln!("\n{sig}: stopped watching; `dts-switch{flags} resume` watches the job again (plan {})", short(&p.plan_id));
                    return Ok(exit::NOT_HEALTHY);
                }
            };
            if let Some(e) = e {
                errln!("JOURNAL ERROR: {e}");
            }
            watched = Some(verdicts);
        }
        if let Some(verdicts) = &watched {
            for v in verdicts {
                outln!("{}", output::verdict_line(v));
            }
            outln!(
                "{}",
                output::verdict_next_step(&p.job_id, &p.region, verdicts, flags)
            );
            let healthy = verdicts.iter().all(|v| {
                matches!(
                    v.verdict,
                    crate::domain::verify::Verdict::Healthy
                        | crate::domain::verify::Verdict::Skipped
                )
            });
            if !healthy {
                code = exit::NOT_HEALTHY;
            }
        }
    }
    Ok(code)
}

/// The watch after the switch as `resume`'s flags say (`--no-verify`: none).
fn verify_options(
    a: &ResumeArgs,
    opts: &ExecOptions,
) -> Option<crate::domain::verify::VerifyOptions> {
    (!a.verify.no_verify).then(|| crate::domain::verify::VerifyOptions {
        interval: opts.poll_interval.max(Duration::from_millis(10)),
        healthy_delay: a.verify.healthy_delay,
        timeout: a.verify.verify_timeout,
    })
}

/// `old → new` of a journalled call (older records: the new endpoint from its parameters).
fn old_new(c: &journal::CallSummary) -> String {
    match (&c.old, &c.new) {
        (Some(o), Some(n)) => format!(
            "{} → {}",
            crate::domain::guard::endpoint_words(o),
            crate::domain::guard::endpoint_words(n)
        ),
        _ => format!("→ {}", describe_endpoint(&c.params)),
    }
}

fn describe_endpoint(params: &[(String, String)]) -> String {
    clean(&crate::domain::rules::describe_params(params)).into_owned()
}

pub fn history(g: &Global, a: &HistoryArgs) -> Result<i32, CliError> {
    let j = journal_for(g)?;
    let mut plans = load(&j)?;
    if let Some(job) = &a.job {
        // Any of the job's ids, in any case, with or without its `dts` prefix.
        let want = [job.trim().to_string()];
        plans.retain(|p| {
            crate::domain::journal::ids_overlap(&want, &p.job_ids)
                || crate::domain::journal::ids_overlap(&want, std::slice::from_ref(&p.job_id))
        });
    }
    if let Some(id) = &a.batch {
        let b = batch_of(&plans, id, &j)?;
        plans.retain(|p| p.batch_id == b);
        let summary = journal::batches(&plans).remove(0);
        let failback = crate::domain::runbook::failback_path(j.path(), &b);
        let failback = failback.is_file().then(|| failback.display().to_string());
        // A batch that changed something and has no file yet (its run was killed).
        let missing =
            failback.is_none() && crate::domain::runbook::failback(&b, &plans, "").is_some();
        match g.output {
            OutputFormat::Json => {
                let v: Vec<_> = plans.iter().map(plan_json).collect();
                output::print_json(&json!({
                    "batch_id": summary.batch_id,
                    "started_at": summary.at,
                    "jobs": summary.jobs,
                    "regions": summary.regions,
                    "calls": summary.calls,
                    "states": summary.states.iter().map(|(w, n)| json!({"state": w, "calls": n})).collect::<Vec<_>>(),
                    "pending": summary.pending,
                    "failback_runbook": failback,
                    "plans": v,
                }));
            }
            OutputFormat::Markdown => {
                out!("{}", batch_markdown(&summary, &plans));
                if let Some(f) = &failback {
                    outln!("The way back (failback runbook): `{}` — review it with `dts-switch apply {} --dry-run`\n", clean(f), clean(f));
                }
                out!("{}", history_markdown(&plans, &j));
            }
            OutputFormat::Text => {
                outln!("{}", batch_line(&summary));
                if let Some(f) = &failback {
                    outln!("The way back (failback runbook): {} (review: dts-switch apply {} --dry-run)", clean(f), clean(f));
                }
                if missing {
                    outln!("The way back (failback runbook): not written yet (was the run killed?): `dts-switch resume --batch {}` writes it", clean(short(&b)));
                }
                outln!();
                out!("{}", history_text(&plans, &j));
            }
        }
        return Ok(exit::OK);
    }
    if let Some(n) = a.last {
        let skip = plans.len().saturating_sub(n);
        plans.drain(..skip);
    }
    if g.output == OutputFormat::Text {
        let batches = journal::batches(&plans);
        if batches.iter().any(|b| b.jobs > 1) {
            outln!("Batches (`dts-switch history --batch ID` shows one):");
            for b in &batches {
                outln!("  {}", batch_line(b));
            }
            outln!();
        }
    }
    match g.output {
        OutputFormat::Json => {
            let v: Vec<_> = plans.iter().map(plan_json).collect();
            output::print_json(&v);
        }
        OutputFormat::Markdown => out!("{}", history_markdown(&plans, &j)),
        OutputFormat::Text => out!("{}", history_text(&plans, &j)),
    }
    Ok(exit::OK)
}

fn call_fields(
    c: &journal::CallSummary,
) -> (String, Option<String>, Option<String>, Option<String>) {
    match &c.state {
        // The same word as a call the guard refused (`not-sent`): one spelling for scripts.
        CallState::NotStarted => ("not-sent".into(), None, None, None),
        CallState::IntentOnly { .. } => ("unknown (no answer recorded)".into(), None, None, None),
        CallState::Running {
            task_id,
            request_id,
            last_status,
        } => (
            format!("running ({})", last_status.as_deref().unwrap_or("?")),
            request_id.clone(),
            Some(task_id.clone()),
            None,
        ),
        CallState::Done {
            outcome,
            task_id,
            request_id,
            error,
            ..
        } => (
            outcome.as_str().into(),
            request_id.clone(),
            task_id.clone(),
            error.clone(),
        ),
    }
}

fn plan_json(p: &PlanSummary) -> serde_json::Value {
    json!({
        "plan_id": p.plan_id,
        "batch_id": p.batch_id,
        "family": p.family,
        "family_reason": p.family_reason,
        "job_ids": p.job_ids,
        "started_at": p.at,
        "region": p.region,
        "endpoint": p.endpoint,
        "access_key_id": p.access_key_id,
        "job_id": p.job_id,
        "job_name": p.job_name,
        "topology": p.topology,
        "pending": p.pending().is_some(),
        "dismissed": p.dismissed,
        "verification": p.verdicts.iter().map(|v| json!({
            "direction": v.direction,
            "verdict": v.verdict,
            "reason": v.reason,
            "status": v.status,
            "delay_secs": v.delay_secs,
            "at": v.at,
        })).collect::<Vec<_>>(),
        "calls": p.calls.iter().enumerate().map(|(i, c)| {
            let (outcome, rid, tid, err) = call_fields(c);
            json!({
                "index": i + 1,
                "direction": c.direction,
                "endpoint_type": c.endpoint_type,
                "action": p.family.action(),
                "old": c.old,
                "new": c.new,
                "dry_run": c.dry_run,
                "note": c.note,
                "params": c.params.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
                "sent_at": c.intent_at,
                "accepted_at": c.accepted_at,
                "ended_at": c.ended_at,
                "request_id": rid,
                "task_id": tid,
                "outcome": outcome,
                "error": err,
                "statuses": c.statuses.iter().map(|(at, s)| json!({"at": at, "status": s})).collect::<Vec<_>>(),
            })
        }).collect::<Vec<_>>(),
    })
}

fn params_inline(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", clean(k), clean(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn history_text(plans: &[PlanSummary], j: &Journal) -> String {
    if plans.is_empty() {
        return format!("No switches recorded in {}\n", j.path().display());
    }
    let mut s = String::new();
    for p in plans {
        s.push_str(&format!(
            "{} · plan {} · batch {} · job {} ({}) · {} · {}{}\n  target {} · region {} · AccessKeyId {}\n",
            clean(&p.at),
            clean(short(&p.plan_id)),
            clean(short(&p.batch_id)),
            clean(&p.job_id),
            clean(&p.job_name),
            p.topology.as_str(),
            p.family.action(),
            if p.dismissed {
                " · dismissed"
            } else if p.pending().is_some() {
                " · PENDING"
            } else {
                ""
            },
            clean(p.endpoint.trim_end_matches('/')),
            clean(&p.region),
            clean(&p.access_key_id)
        ));
        for (i, c) in p.calls.iter().enumerate() {
            let (outcome, rid, tid, err) = call_fields(c);
            s.push_str(&format!(
                "  {}. {}/{}: {} · {outcome} · sent {} · RequestId {} · TaskId {} · ended {}\n     {}\n",
                i + 1,
                c.direction,
                c.endpoint_type.as_str(),
                old_new(c),
                clean(c.intent_at.as_deref().unwrap_or("-")),
                clean(rid.as_deref().unwrap_or("-")),
                clean(tid.as_deref().unwrap_or("-")),
                clean(c.ended_at.as_deref().unwrap_or("-")),
                params_inline(&c.params)
            ));
            if !c.statuses.is_empty() {
                s.push_str(&format!(
                    "     statuses: {}\n",
                    c.statuses
                        .iter()
                        .map(|(at, st)| format!("{} {}", clean(st), clean(at)))
                        .collect::<Vec<_>>()
                        .join(" → ")
                ));
            }
            if let Some(e) = err {
                s.push_str(&format!(
                    "     error: {}\n",
                    clean_lines(&e).replace('\n', "\n            ")
                ));
            }
        }
        for v in &p.verdicts {
            s.push_str(&format!(
                "  verified {} {}: {} · {}\n",
                clean(&v.at),
                v.direction,
                v.verdict.as_str(),
                clean(&v.reason)
            ));
        }
        if p.needs_verification() {
            s.push_str("  verification interrupted: `dts-switch resume` goes on watching\n");
        }
        s.push('\n');
    }
    s
}

/// One line per batch: id, start, jobs, regions, calls by state, pending plans.
fn batch_line(b: &journal::BatchSummary) -> String {
    format!(
        "batch {} · {} · {} job{} in {} · {} call{}: {}{}",
        clean(short(&b.batch_id)),
        clean(&b.at),
        b.jobs,
        if b.jobs == 1 { "" } else { "s" },
        clean(&b.regions.join(", ")),
        b.calls,
        if b.calls == 1 { "" } else { "s" },
        b.states
            .iter()
            .map(|(w, n)| format!("{n} {w}"))
            .collect::<Vec<_>>()
            .join(", "),
        if b.pending > 0 {
            format!(
                " · {} PENDING (`dts-switch resume --batch {}`)",
                b.pending,
                clean(short(&b.batch_id))
            )
        } else {
            String::new()
        }
    )
}

/// The incident ticket's table of a batch: one row per call of every job.
fn batch_markdown(b: &journal::BatchSummary, plans: &[PlanSummary]) -> String {
    let md = |x: &str| clean(x).replace('|', "\\|");
    let mut s = format!(
        "## DTS failover batch `{}`\n\n- Started: {}\n- {} job{} in {}; {} call{}: {}\n{}\n",
        md(&b.batch_id),
        md(&b.at),
        b.jobs,
        if b.jobs == 1 { "" } else { "s" },
        md(&b.regions.join(", ")),
        b.calls,
        if b.calls == 1 { "" } else { "s" },
        b.states
            .iter()
            .map(|(w, n)| format!("{n} {w}"))
            .collect::<Vec<_>>()
            .join(", "),
        if b.pending > 0 {
            format!(
                "- **{} job(s) pending**: `dts-switch resume --batch {}`\n",
                b.pending,
                md(short(&b.batch_id))
            )
        } else {
            String::new()
        }
    );
    s.push_str("| Region | Job | API | Call | Old → new | Sent (UTC) | RequestId | TaskId | Outcome | Verification |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for p in plans {
        for (i, c) in p.calls.iter().enumerate() {
            let (outcome, rid, tid, _) = call_fields(c);
            let verdict = p
                .verdicts
                .iter()
                .rfind(|v| v.direction == c.direction)
                .map(|v| format!("{}: {}", v.verdict.as_str(), md(&v.reason)))
                .unwrap_or_else(|| "-".into());
            s.push_str(&format!(
                "| {} | `{}` {} | {} | {}/{} {} {} | {} | {} | {} | {} | {} | {} |\n",
                md(&p.region),
                md(&p.job_id),
                md(&p.job_name),
                p.family,
                i + 1,
                p.calls.len(),
                c.direction,
                c.endpoint_type.as_str().to_ascii_lowercase(),
                md(&old_new(c)),
                md(c.intent_at.as_deref().unwrap_or("-")),
                rid.as_deref()
                    .map(|r| format!("`{}`", md(r)))
                    .unwrap_or("-".into()),
                tid.as_deref()
                    .map(|r| format!("`{}`", md(r)))
                    .unwrap_or("-".into()),
                md(&outcome),
                verdict
            ));
        }
    }
    s.push('\n');
    s
}

fn history_markdown(plans: &[PlanSummary], j: &Journal) -> String {
    if plans.is_empty() {
        return format!("_No switches recorded in `{}`._\n", j.path().display());
    }
    let mut s = String::from("## DTS endpoint switches (dts-switch)\n\n");
    for p in plans {
        s.push_str(&format!(
            "### Job `{}` ({}) — {}\n\n- Plan: `{}` · batch `{}`{}\n- API: {} ({} family){}\n- Target: `{}` · region `{}` · AccessKeyId `{}`\n- Topology: {}\n\n",
            clean(&p.job_id),
            clean(&p.job_name),
            clean(&p.at),
            clean(&p.plan_id),
            clean(&p.batch_id),
            if p.dismissed { " (dismissed)" } else if p.pending().is_some() { " (**pending**)" } else { "" },
            p.family.action(),
            p.family,
            if p.family_reason.is_empty() { String::new() } else { format!(": {}", clean(&p.family_reason)) },
            clean(p.endpoint.trim_end_matches('/')),
            clean(&p.region),
            clean(&p.access_key_id),
            p.topology.as_str()
        ));
        s.push_str("| # | Direction | Endpoint | Old → new | Sent (UTC) | RequestId | TaskId | Outcome | Ended (UTC) |\n|---|---|---|---|---|---|---|---|---|\n");
        for (i, c) in p.calls.iter().enumerate() {
            let (outcome, rid, tid, _) = call_fields(c);
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                i + 1,
                c.direction,
                c.endpoint_type.as_str(),
                old_new(c),
                clean(c.intent_at.as_deref().unwrap_or("-")),
                rid.as_deref()
                    .map(|r| format!("`{}`", clean(r)))
                    .unwrap_or("-".into()),
                tid.as_deref()
                    .map(|r| format!("`{}`", clean(r)))
                    .unwrap_or("-".into()),
                outcome,
                clean(c.ended_at.as_deref().unwrap_or("-"))
            ));
        }
        s.push('\n');
        for (i, c) in p.calls.iter().enumerate() {
            s.push_str(&format!(
                "Call {} parameters: `{}`\n",
                i + 1,
                params_inline(&c.params)
            ));
            if !c.statuses.is_empty() {
                s.push_str(&format!(
                    "\nCall {} statuses: {}\n",
                    i + 1,
                    c.statuses
                        .iter()
                        .map(|(at, st)| format!("{} {}", clean(st), clean(at)))
                        .collect::<Vec<_>>()
                        .join(" → ")
                ));
            }
            let (_, _, _, err) = call_fields(c);
            if let Some(e) = err {
                s.push_str(&format!("\n> {}\n", clean_lines(&e).replace('\n', "\n> ")));
            }
            s.push('\n');
        }
        if !p.verdicts.is_empty() {
            s.push_str("| Direction | Verified (UTC) | Verdict | Why |\n|---|---|---|---|\n");
            for v in &p.verdicts {
                s.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    v.direction,
                    clean(&v.at),
                    v.verdict.as_str(),
                    clean(&v.reason).replace('|', "\\|")
                ));
            }
            s.push('\n');
        }
    }
    s
}

/// Writes (again) the failback runbook of the batch beside the journal, from what the
/// journal knows of it; its path, or None when the batch changed nothing (or the file
/// cannot be written: said on stderr).
pub fn write_failback(
    journal: &crate::domain::journal::Journal,
    batch_id: &str,
) -> Option<std::path::PathBuf> {
    let written = chrono::Utc::now()
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string();
    match crate::domain::runbook::write_failback(journal, batch_id, &written) {
        Ok(p) => p,
        Err(e) => {
            errln!("warning: the failback runbook could not be written: {e}");
            None
        }
    }
}
