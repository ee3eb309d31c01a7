//! The subcommands.

use crate::api::ops::{validate_task_id, MAX_TASK_ID_LEN};
use crate::cli::args::{check_verify_args, target_flags, validate_endpoint};
use crate::cli::context::{self, Ctx};
use crate::cli::flow::{before_sending, typed_confirmation, Interrupts};
use crate::cli::journal_cmds;
use crate::cli::output::{self, now_hms};
use crate::cli::{
    exit, Cli, CliError, Command, JobsArgs, OutputFormat, SimulateArgs, SortKey, StatusArgs,
    SwitchArgs, SwitchCmd, TotalCounts,
};
use crate::domain::executor::{self, ExecOptions, Outcome, ProgressEvent, WatchEvent};
use crate::domain::plan::{self, Plan};
use crate::domain::rules;
use crate::domain::service::{ErrorKind, ServiceError};
use crate::domain::{drive, guard, journal};
use crate::domain::{Job, Listing, LoadEvent, SwitchRequest, Topology};
use crate::sim::{
    Faults, Quirks, SimConfig, Simulator, StsConfig, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET,
    DEMO_ECS_ROLE, DEMO_OIDC_PROVIDER_ARN, DEMO_OIDC_TOKEN, DEMO_ROLE_ARN,
};
use crate::text::clean;
use serde_json::json;
use std::io::IsTerminal;
use std::time::Duration;

pub async fn run(cli: Cli) -> Result<i32, CliError> {
    let g = cli.global.clone();
    if g.output == OutputFormat::Markdown {
        let no_markdown = match &cli.command {
            Some(Command::Switch(_)) => Some("switch"),
            Some(Command::Failover(_)) => Some("failover"),
            Some(Command::Apply(_)) => Some("apply"),
            Some(Command::Completions(_)) => Some("completions"),
            Some(Command::Man(_)) => Some("man"),
            Some(Command::Status(_)) => Some("status"),
            Some(Command::Resume(_)) => Some("resume"),
            Some(Command::Simulate(_)) => Some("simulate"),
            None => Some("the TUI"),
            _ => None,
        };
        if let Some(what) = no_markdown {
            return Err(CliError::new(
                exit::BAD_INPUT,
                format!("--output markdown: {what} has no markdown form (nothing was sent); use --output text or json, and `dts-switch history --output markdown` for the incident ticket's table"),
            ));
        }
    }
    match cli.command {
        None => tui(&g).await,
        Some(Command::Jobs(a)) => {
            let ctx = context::build(&g).await?;
            jobs(&ctx, g.output, &a).await
        }
        Some(Command::Plan(a)) => {
            let req = validate_request(&a)?;
            let ctx = context::build(&g).await?;
            let (plan, job) = make_plan(&ctx, &a, req, None).await?;
            match g.output {
                OutputFormat::Text => out!("{}", output::plan_text(&plan, &job, &ctx.banner())),
                OutputFormat::Markdown => out!("{}", output::plan_markdown(&plan)),
                OutputFormat::Json => output::print_json(&output::plan_json(
                    &plan,
                    ctx.endpoint.as_str(),
                    ctx.proxy.as_deref(),
                    &ctx.masked_ak,
                )),
            }
            Ok(if crate::domain::planner::dry_runs_passed(&plan) {
                exit::OK
            } else {
                exit::FAILED
            })
        }
        Some(Command::Switch(s)) => switch(&g, s).await,
        Some(Command::Find(a)) => crate::cli::find::run(&g, &a).await,
        Some(Command::Failover(a)) => crate::cli::failover::run(&g, &a).await,
        Some(Command::Apply(a)) => crate::cli::apply::run(&g, &a).await,
        Some(Command::Status(a)) => {
            validate_task_ids(&a.task_ids)?;
            let ctx = context::build(&g).await?;
            let journal = journal_cmds::journal_for(&g).ok();
            status(&ctx, g.output, &a, journal.as_ref()).await
        }
        Some(Command::Simulate(a)) => simulate(a).await,
        Some(Command::Resume(a)) => {
            if g.read_only && a.dismiss.is_none() {
                return Err(CliError::new(exit::BAD_INPUT, "--read-only: resume is refused (it may send a call); `dts-switch history` shows the journal"));
            }
            let ctx = context::build(&g).await?;
            journal_cmds::resume(&g, &ctx, &a).await
        }
        Some(Command::History(a)) => journal_cmds::history(&g, &a),
        Some(Command::Completions(a)) => Ok(crate::cli::shell::completions(a.shell)),
        Some(Command::Man(a)) => crate::cli::shell::man(a.dir.as_deref()),
    }
}

/// Local checks of `status` task ids: nothing is sent when one is not a plausible id.
fn validate_task_ids(ids: &[String]) -> Result<(), CliError> {
    let bad: Vec<String> = ids
        .iter()
        .filter_map(|id| {
            validate_task_id(id)
                .err()
                .map(|why| format!("  TASK_ID {:?} {why}", id))
        })
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    Err(CliError::new(
        exit::BAD_INPUT,
        format!(
            "invalid task id (nothing was sent):\n{}\n  a TaskId is what `switch` printed, e.g. 730001 (letters, digits, - _ . : up to {MAX_TASK_ID_LEN} characters)",
            bad.join("\n")
        ),
    ))
}

async fn tui(g: &crate::cli::Global) -> Result<i32, CliError> {
    // Before anything reads the journal: the TUI shows no history, so old settled
    // plans are kept lean (memory grows with what is open, not with the history).
    crate::domain::journal::compact_old_plans();
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(CliError::new(
            exit::BAD_INPUT,
            "the interactive TUI needs a terminal (stdin and stdout are not both terminals).\n  For scripts use the subcommands: dts-switch jobs | plan | switch | status | resume | history (see --help)",
        ));
    }
    let journal = journal_cmds::journal_for(g)?;
    // The region picked in the TUI last time, unless --region or the environment names one.
    let mut g = g.clone();
    if g.region.is_none()
        && crate::api::credentials::first_env(
            &|n: &str| std::env::var(n).ok(),
            crate::api::credentials::REGION_VARS,
        )
        .is_none()
    {
        g.region = crate::tui::prefs::remembered_region();
    }
    let g = &g;
    let ctx = context::build(g).await?;
    let target = if ctx.demo.is_some() {
        crate::tui::Target::Demo
    } else if ctx.is_local {
        crate::tui::Target::Simulator
    } else {
        crate::tui::Target::Production
    };
    let end = crate::tui::run(crate::tui::Config {
        client: ctx.client.clone(),
        endpoint_fixed: ctx.demo.is_some() || g.endpoint.is_some(),
        journal,
        endpoint: ctx.endpoint.clone(),
        region: ctx.region.clone(),
        masked_ak: ctx.masked_ak.clone(),
        target,
        read_only: g.read_only,
        no_color: g.no_color,
        log_failure: crate::cli::logging::take_failure,
    })
    .await
    .map_err(|e| CliError::new(exit::FAILED, e))?;
    for line in &end.after {
        errln!("{line}");
    }
    Ok(if end.busy {
        exit::UNKNOWN
    } else if end.not_healthy {
        exit::NOT_HEALTHY
    } else {
        exit::OK
    })
}

fn api_exit(e: &ServiceError) -> i32 {
    match e.kind() {
        ErrorKind::BadCredentials => exit::BAD_INPUT,
        _ => exit::FAILED,
    }
}

fn api_err(e: impl Into<ServiceError>) -> CliError {
    let e = e.into();
    CliError::new(api_exit(&e), e.to_string())
}

async fn load_jobs(ctx: &Ctx, quiet: bool) -> Result<Listing, CliError> {
    let show = !quiet && std::io::stderr().is_terminal();
    let mut last = std::time::Instant::now();
    let mut jobs_so_far = 0usize;
    let opts = crate::api::listing::ListOptions::default();
    let jobs = crate::domain::load_jobs_with(&ctx.client, &opts, |ev| match ev {
        LoadEvent::Jobs(batch) => jobs_so_far += batch.len(),
        LoadEvent::Progress(p) if show && last.elapsed() >= Duration::from_millis(100) => {
            last = std::time::Instant::now();
            errout!(
                "\r\x1b[2Kloading jobs: {}",
                output::progress_line(p, jobs_so_far)
            );
        }
        LoadEvent::Progress(_) => {}
    })
    .await;
    if show {
        errout!("\r\x1b[2K");
    }
    jobs.map_err(api_err)
}

async fn jobs(ctx: &Ctx, out: OutputFormat, a: &JobsArgs) -> Result<i32, CliError> {
    if let Some(id) = &a.job {
        return job_detail(ctx, out, id).await;
    }
    let listing = load_jobs(ctx, out == OutputFormat::Json).await?;
    let all = &listing.jobs;
    let mut list: Vec<&Job> = all
        .iter()
        .filter(|j| a.filter.as_deref().is_none_or(|f| j.matches(f)))
        .collect();
    match a.sort {
        SortKey::Listing => {}
        SortKey::Id => list.sort_by(|x, y| x.id.cmp(&y.id)),
        SortKey::Name => list.sort_by(|x, y| x.name.cmp(&y.name)),
        SortKey::Status => list.sort_by(|x, y| x.status().cmp(y.status())),
        SortKey::Delay => list.sort_by_key(|j| std::cmp::Reverse(j.delay_secs())),
    }
    match out {
        OutputFormat::Json => output::write_jobs_json(&list),
        OutputFormat::Markdown => out!("{}", output::jobs_markdown(&list)),
        OutputFormat::Text => {
            outln!("{}", ctx.banner());
            let width = if std::io::stdout().is_terminal() {
                ratatui::crossterm::terminal::size()
                    .map(|(w, _)| w as usize)
                    .unwrap_or(80)
            } else {
                std::env::var("COLUMNS")
                    .ok()
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(200)
            };
            out!("{}", output::jobs_table(&list, width));
            if all.is_empty() {
                outln!(
                    "0 jobs in {}; jobs are per region: try --region (or R in the TUI)",
                    clean(&ctx.region)
                );
            } else {
                outln!(
                    "{} job(s){}",
                    list.len(),
                    if list.len() != all.len() {
                        format!(" of {}", all.len())
                    } else {
                        String::new()
                    }
                );
            }
            if list.iter().any(|j| j.family.is_none()) {
                outln!("API: leg = legacy (SwitchSynchronizationEndpoint), new = maintained (ModifyDtsJobEndpoint), ? = both listings show it: the dry run tells (switch --api auto)");
            }
        }
    }
    if let Some(note) = unknown_topology_note(&listing) {
        match out {
            OutputFormat::Json => errln!("{note}"),
            _ => outln!("{note}"),
        }
    }
    Ok(exit::OK)
}

/// Why some topologies are unknown and what to do, when some are.
fn unknown_topology_note(listing: &Listing) -> Option<String> {
    let n = listing
        .jobs
        .iter()
        .filter(|j| j.detected_topology() == Topology::Unknown)
        .count();
    if n == 0 {
        return None;
    }
    let why = match &listing.two_way_error {
        Some(e) => format!(
            "DescribeDtsJobs could not be read ({})",
            clean(e.to_string().lines().next().unwrap_or_default())
        ),
        None => "DescribeDtsJobs does not list them".to_string(),
    };
    let grant = match listing.two_way_error.as_ref().map(|e| e.kind()) {
        Some(ErrorKind::Permission) => {
            "; granting dts:DescribeDtsJobs to the RAM user lets dts-switch tell"
        }
        _ => "",
    };
    Some(format!(
        "topology unknown for {n} job(s): the listing shows no Reverse entries and {why}. plan and switch need --topology one-way|two-way for them{grant}"
    ))
}

async fn job_detail(ctx: &Ctx, out: OutputFormat, id: &str) -> Result<i32, CliError> {
    let all = load_jobs(ctx, true).await?.jobs;
    let job = find_job(&all, id, &ctx.region)?;
    if job.family == Some(crate::domain::family::Family::Maintained) || !job.listed_legacy {
        return maintained_detail(ctx, out, job).await;
    }
    let fwd = match ctx
        .client
        .describe_synchronization_job_status(&job.id, "Forward")
        .await
    {
        Ok(f) => f,
        // Listed by both families and unknown to the legacy read: the maintained one.
        Err(_) if job.listed_maintained => return maintained_detail(ctx, out, job).await,
        Err(e) => return Err(api_err(e)),
    };
    let rev = if job.reverse.is_some() {
        Some(
            ctx.client
                .describe_synchronization_job_status(&job.id, "Reverse")
                .await
                .map_err(api_err)?,
        )
    } else if job.reverse_hint {
        // Two-way per DescribeDtsJobs only: the old family may not know the direction.
        ctx.client
            .describe_synchronization_job_status(&job.id, "Reverse")
            .await
            .ok()
    } else {
        None
    };
    match out {
        OutputFormat::Json => {
            let mut v = job.to_json();
            v["Forward"] = fwd.raw.clone();
            if let Some(r) = &rev {
                v["Reverse"] = r.raw.clone();
            }
            output::print_json(&v);
        }
        OutputFormat::Text | OutputFormat::Markdown => {
            out!(
                "{}",
                output::job_detail_text(&ctx.banner(), job, &fwd, rev.as_ref())
            );
        }
    }
    Ok(exit::OK)
}

/// `jobs --job X` for a new-version job: DescribeDtsJobDetail per direction.
async fn maintained_detail(ctx: &Ctx, out: OutputFormat, job: &Job) -> Result<i32, CliError> {
    let (jid, inst) = match &job.dts_job_id {
        Some(j) => (Some(j.as_str()), None),
        None => (None, Some(job.id.as_str())),
    };
    let fwd = ctx
        .client
        .describe_dts_job_detail(jid, inst, Some("Forward"))
        .await
        .map_err(api_err)?;
    let rev = if job.detected_topology() == Topology::TwoWay {
        ctx.client
            .describe_dts_job_detail(jid, inst, Some("Reverse"))
            .await
            .ok()
    } else {
        None
    };
    match out {
        OutputFormat::Json => {
            let mut v = job.to_json();
            v["Forward"] = fwd.raw.clone();
            if let Some(r) = &rev {
                v["Reverse"] = r.raw.clone();
            }
            output::print_json(&v);
        }
        OutputFormat::Text | OutputFormat::Markdown => {
            outln!("{}", ctx.banner());
            outln!(
                "Job {} ({}) · new-version (ModifyDtsJobEndpoint) · {} · ids: {}",
                clean(&job.id),
                clean(&job.name),
                job.detected_topology().as_str(),
                clean(&job.ids().join(", "))
            );
            for (d, a) in [("Forward", Some(&fwd)), ("Reverse", rev.as_ref())] {
                let Some(a) = a else { continue };
                outln!(
                    "{d}: {} · delay {} · checkpoint {}{}",
                    clean(&a.status),
                    a.delay_ms
                        .map(|ms| format!("{:.1}s (Delay {ms} ms)", ms / 1000.0))
                        .unwrap_or_else(|| "unknown".into()),
                    a.checkpoint
                        .map(|c| c.to_string())
                        .unwrap_or_else(|| "-".into()),
                    if a.error_message.trim().is_empty() {
                        String::new()
                    } else {
                        format!(" · error: {}", clean(a.error_message.trim()))
                    }
                );
                if let Some(r) = a.retry_state.as_ref().filter(|r| r.retrying) {
                    outln!(
                        "  retrying ({} time(s), target {}): {}",
                        r.retry_count,
                        clean(&r.target),
                        clean(&r.err_message)
                    );
                }
                for (side, e) in [("source", &a.source), ("destination", &a.destination)] {
                    outln!(
                        "  {side:<12} {} {} {}:{} ({})",
                        clean(&e.instance_type),
                        clean(&e.instance_id),
                        clean(&e.ip),
                        clean(&e.port),
                        clean(&e.engine_name)
                    );
                }
            }
        }
    }
    Ok(exit::OK)
}

fn find_job<'a>(all: &'a [Job], id: &str, region: &str) -> Result<&'a Job, CliError> {
    let close = match crate::domain::planner::find_job(all, id) {
        Ok(j) => return Ok(j),
        Err(close) => close,
    };
    let id = id.trim();
    let hint = if close.is_empty() {
        String::new()
    } else {
        format!(
            "; did you mean {}?",
            close
                .iter()
                .map(|j| format!("{} ({})", clean(&j.id), clean(&j.name)))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err(CliError::new(
        exit::BAD_INPUT,
        format!(
            "--job {id:?}: no such synchronization job in region {region} ({} jobs listed; a job is named by its SynchronizationJobId, DtsInstanceID or either direction's DtsJobId){hint}\n  next step: dts-switch jobs --region {region} lists them; check --region",
            all.len()
        ),
    ))
}

/// Local checks only: nothing is sent when they fail.
fn validate_request(a: &SwitchArgs) -> Result<SwitchRequest, CliError> {
    // Every problem at once: the job id's, then each endpoint value's.
    let mut lines: Vec<String> = rules::no_inner_space(a.job.trim())
        .err()
        .map(|why| format!("  --job {}", clean(&why)))
        .into_iter()
        .collect();
    let endpoint = validate_endpoint(&a.new);
    if let Err(l) = &endpoint {
        lines.extend(l.iter().cloned());
    }
    match endpoint {
        Ok(endpoint) if lines.is_empty() => Ok(SwitchRequest {
            database: a.database,
            endpoint,
            only_direction: a.only_direction,
            topology: a.topology,
        }),
        _ => Err(CliError::new(
            exit::BAD_INPUT,
            format!(
                "invalid switch arguments (nothing was sent):\n{}",
                lines.join("\n")
            ),
        )),
    }
}

/// Finds the job, checks the journal, picks the family and makes the plan (with the
/// dry runs of a maintained plan).
async fn make_plan(
    ctx: &Ctx,
    a: &SwitchArgs,
    req: SwitchRequest,
    journal: Option<&journal::Journal>,
) -> Result<(Plan, Job), CliError> {
    let listing = load_jobs(ctx, true).await?;
    let job = find_job(&listing.jobs, &a.job, &ctx.region)?.clone();
    if let Some(j) = journal {
        guard::check_new_switch(j, &job.ids(), &ctx.region)
            .map_err(|r| CliError::new(exit::BAD_INPUT, format!("nothing was sent: {r}")))?;
    }
    if a.new.api != crate::domain::family::ApiChoice::Legacy && std::io::stderr().is_terminal() {
        errln!("checking with the service (ModifyDtsJobEndpoint DryRun=true; nothing is changed)…");
    }
    let plan = crate::domain::planner::make_plan(&ctx.client, &job, &ctx.region, &req, a.new.api)
        .await
        .map_err(|e| match e {
            crate::domain::planner::PlanFailure::Plan(e) => {
                let mut msg = format!("{e} (nothing was sent)");
                if let (plan::PlanError::UnknownTopology { .. }, Some(why)) =
                    (&e, &listing.two_way_error)
                {
                    msg.push_str(&format!(
                        "\n  DescribeDtsJobs: {}",
                        why.to_string().replace('\n', "\n  ")
                    ));
                }
                CliError::new(exit::BAD_INPUT, crate::text::clean_lines(&msg))
            }
            e @ crate::domain::planner::PlanFailure::DryRunError(_) => {
                CliError::new(exit::FAILED, crate::text::clean_lines(&e.to_string()))
            }
        })?;
    Ok((plan, job))
}

async fn confirm(plan: &Plan) -> Result<bool, CliError> {
    let n = plan.calls.len();
    typed_confirmation(
        &format!(
            "\nThis sends {n} {} call{} to the service. Type the job id ({}) to confirm, anything else cancels: ",
            plan.family.action(),
            if n == 1 { "" } else { "s" },
            plan.job_id
        ),
        &plan.job_id,
    )
    .await
}

async fn switch(g: &crate::cli::Global, s: SwitchCmd) -> Result<i32, CliError> {
    let a = &s.args;
    if g.read_only {
        return Err(CliError::new(exit::BAD_INPUT, "--read-only: switch is refused (nothing was sent); `dts-switch plan` shows what it would send"));
    }
    let req = validate_request(a)?;
    check_verify_args(&s.verify)?;
    let interactive = std::io::stdin().is_terminal();
    if !s.yes && !interactive && !s.dry_run {
        return Err(CliError::new(
            exit::BAD_INPUT,
            "refusing to switch without confirmation: stdin is not a terminal; review `dts-switch plan` and pass --yes (nothing was sent)",
        ));
    }
    let journal = journal_cmds::journal_for(g)?;
    // From here a signal ends the switch with words, not a silent exit: before any
    // call is sent (while the dry runs or the confirmation wait) it says nothing was.
    let mut interrupts = Interrupts::install();
    let ctx = context::build(g).await?;
    let (plan, job) =
        before_sending(&mut interrupts, make_plan(&ctx, a, req, Some(&journal))).await?;
    let json_out = g.output == OutputFormat::Json;
    // The preview goes to stderr in JSON mode so stdout stays one JSON document.
    let preview = output::plan_text(&plan, &job, &ctx.banner());
    if json_out {
        errout!("{preview}");
    } else {
        out!("{preview}");
    }
    if !crate::domain::planner::dry_runs_passed(&plan) {
        errln!("\nA dry run failed: nothing was sent (the service's code and message are above). Fix the cause, then run the switch again.");
        return Ok(exit::FAILED);
    }
    if s.dry_run {
        errln!(
            "\n--dry-run: {}; nothing was changed.",
            if plan.family.has_dry_run() {
                "every dry run passed"
            } else {
                "the legacy API has no server-side check, so none was made"
            }
        );
        return Ok(exit::OK);
    }
    if !s.yes && !before_sending(&mut interrupts, confirm(&plan)).await? {
        errln!("cancelled: nothing was sent");
        return Ok(exit::FAILED);
    }
    let demo = ctx.demo.is_some();
    let opts = ExecOptions {
        poll_interval: s.poll_interval.unwrap_or(if demo {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(5)
        }),
        max_poll_interval: Duration::from_secs(20),
        wait_timeout: s.wait_timeout,
        wait_last: !s.no_wait,
        read_only: false,
        verify: crate::domain::verify::VerifyOptions {
            interval: s.poll_interval.unwrap_or(if demo {
                Duration::from_secs(1)
            } else {
                Duration::from_secs(5)
            }),
            healthy_delay: s.verify.healthy_delay,
            timeout: s.verify.verify_timeout,
        },
        stop: None,
    };
    let mut printer = output::ProgressPrinter::new(plan.calls.len(), json_out);
    // What the run reached, for the words after an interrupt.
    let sent = std::sync::Arc::new(std::sync::Mutex::new(Vec::<usize>::new()));
    let verifying = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (sent2, verifying2) = (sent.clone(), verifying.clone());
    let mut handler = move |ev: &ProgressEvent| {
        match ev {
            ProgressEvent::Sending { index, .. } => {
                if let Ok(mut v) = sent2.lock() {
                    v.push(*index);
                }
            }
            ProgressEvent::Verify(crate::domain::verify::VerifyEvent::Started { .. }) => {
                verifying2.store(true, std::sync::atomic::Ordering::SeqCst)
            }
            _ => {}
        }
        printer.event(ev)
    };
    let sender = ctx.sender(journal, "switch");
    let verify_opts = (!s.verify.no_verify).then(|| opts.verify.clone());
    let run = tokio::select! {
        r = drive::run_plan(&sender, &plan, 0, &opts, verify_opts.as_ref(), &mut handler) => r,
        sig = interrupts.wait() => {
            // The journal says what may have been sent: a call with an intent was handed
            // to the network (its answer may never have come), whatever this process saw;
            // and which calls have finished.
            let mut sent = sent.lock().map(|v| v.clone()).unwrap_or_default();
            let mut finished = 0;
            if let Ok(r) = sender.journal.read() {
                if let Some(p) = r.plans().iter().find(|p| p.plan_id == plan.id) {
                    for (i, c) in p.calls.iter().enumerate() {
                        if c.intent_at.is_some() && !sent.contains(&i) {
                            sent.push(i);
                        }
                        if matches!(c.state, crate::domain::journal::CallState::Done { outcome: Outcome::Finished, .. }) {
                            finished += 1;
                        }
                    }
                }
            }
            let all_done = finished == plan.calls.len();
            let demo = ctx.demo.is_some();
            let short = journal_cmds::short(&plan.id);
            if verifying.load(std::sync::atomic::Ordering::SeqCst) && all_done {
                if demo {
                    errln!("\n{sig}: stopped watching. The switch itself is done (plan {short}). A demo's journal and simulator end with it: there is nothing to resume.");
                } else {
                    errln!(
                        "\n{sig}: stopped watching. The switch itself is done; `dts-switch{} resume` watches the job again (plan {short})",
                        target_flags(g),
                    );
                }
                return Ok(exit::NOT_HEALTHY);
            }
            // Every call sent has finished and some were never sent: the job is half
            // switched (exit 1); else a call sent may still be going on (exit 3).
            let in_flight = sent.len() > finished;
            if in_flight {
                errln!("\n{sig}: stopped following. Calls already sent go on in the service, and the journal has them (plan {short}); a call without its answer has an UNKNOWN outcome.");
            } else {
                errln!("\n{sig}: stopped before the next call. The calls sent so far have finished (plan {short}); the job is HALF SWITCHED until the rest is sent.");
            }
            if demo {
                errln!("{}", output::not_sent_list(&plan, &sent));
                errln!("A demo's journal and simulator end with it: there is nothing to resume; run the demo again.");
            } else {
                errln!("{}", output::not_sent_text(&plan, &sent, &target_flags(g)));
            }
            return Ok(if in_flight { exit::UNKNOWN } else { exit::FAILED });
        }
    };
    let outcomes = run.outcomes.clone();
    let mut code = exit::of_calls(&outcomes);
    if let Some(e) = &run.verify_journal_error {
        errln!("JOURNAL ERROR: {e}");
    }
    let verification = run.verdicts.clone();
    if code == exit::OK && run.next == drive::NextStep::NotHealthy {
        code = exit::NOT_HEALTHY;
    }
    // A demo's journal and simulator end with it: a way back could not be applied.
    let failback = if ctx.demo.is_none() {
        journal_cmds::write_failback(&sender.journal, &plan.batch_id)
    } else {
        None
    };

    if json_out {
        let calls: Vec<_> = outcomes
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let mut v = serde_json::to_value(o).expect("json");
                v["index"] = json!(i + 1);
                if let Some(c) = plan.calls.get(i) {
                    v["action"] = json!(plan.family.action());
                    v["old"] = json!(c.old);
                    v["new"] = json!(c.new);
                    v["params"] = serde_json::Value::Object(
                        c.params
                            .iter()
                            .map(|(k, x)| (k.clone(), json!(x)))
                            .collect(),
                    );
                    v["dry_run"] = json!(c.dry_run);
                }
                v
            })
            .collect();
        let result = if code == 0 && outcomes.iter().all(|o| o.outcome == Outcome::Finished) {
            "finished"
        } else {
            match code {
                0 => "sent",
                2 | 1 => "failed",
                exit::NOT_HEALTHY => "not-healthy",
                _ => "unknown",
            }
        };
        output::print_json(&json!({
            "plan_id": plan.id,
            "batch_id": plan.batch_id,
            "job_id": plan.job_id,
            "job_ids": plan.job_ids,
            "job_name": plan.job_name,
            "family": plan.family,
            "family_reason": plan.family_reason,
            "topology": plan.topology,
            "region": plan.region,
            "endpoint": ctx.endpoint.as_str(),
            "proxy": ctx.proxy,
            "access_key_id": ctx.masked_ak,
            "result": result,
            "exit_code": code,
            "calls": calls,
            "verification": verification.as_ref().map(|v| output::verification_json(v)),
            "failback_runbook": failback.as_ref().map(|p| p.display().to_string()),
        }));
        return Ok(code);
    }

    outln!();
    for (i, o) in outcomes.iter().enumerate() {
        outln!("{}", output::outcome_line(i, plan.calls.len(), o));
    }
    if let Some(v) = &verification {
        for d in v {
            outln!("{}", output::verdict_line(d));
        }
    }
    outln!();
    let mut next = match &verification {
        Some(v) => output::verdict_next_step(&plan.job_id, &plan.region, v, &target_flags(g)),
        None => next_step(&plan, &run, &target_flags(g)),
    };
    if ctx.demo.is_some() && next.contains(" resume") {
        next.push_str("\n(A demo: its journal and simulator end with this run, so `resume` has nothing to take up; on a real account it does what is said above.)");
    }
    if outcomes
        .iter()
        .any(|o| o.refusal.is_some() || o.journal_error.is_some())
    {
        errln!("{next}");
    } else {
        outln!("{next}");
    }
    outln!(
        "\n{}",
        output::ticket_block(&plan, &outcomes, 0, verification.as_deref(), code)
    );
    if let Some(p) = &failback {
        outln!(
            "The way back (failback runbook): {}\n  review: dts-switch{} apply {} --dry-run",
            p.display(),
            target_flags(g),
            p.display()
        );
    }
    Ok(code)
}

/// Where to look at call `o`'s progress: its task (legacy) or the job (maintained).
fn look_command(plan: &Plan, o: &executor::CallOutcome, flags: &str) -> String {
    match o.task_id.as_deref() {
        Some(t) => format!(
            "dts-switch{flags} status {} --watch --region {}",
            clean(t),
            clean(&plan.region)
        ),
        None => format!(
            "dts-switch{flags} jobs --job {} --region {}",
            clean(&plan.job_id),
            clean(&plan.region)
        ),
    }
}

/// The words of the run's next step, as the driver decided it (no verdicts: every
/// call did not finish, or none was watched).
fn next_step(plan: &Plan, run: &drive::PlanRun, flags: &str) -> String {
    use drive::NextStep;
    let outcomes = &run.outcomes;
    let at = |index: usize| &outcomes[index - run.start];
    let check = format!(
        "dts-switch{flags} jobs --job {} --region {}",
        clean(&plan.job_id),
        clean(&plan.region)
    );
    let unsent = || outcomes.iter().filter(|x| x.outcome == Outcome::NotSent);
    match run.next {
        NextStep::NotSent { index } => {
            let r = at(index).refusal.as_deref().map(|r| r.to_string()).unwrap_or_default();
            format!(
                "Call {} was not sent: {r}.{}",
                index + 1,
                if index > 0 {
                    " The calls before it were sent and are in the journal."
                } else {
                    " Nothing was sent."
                }
            )
        }
        NextStep::FixJournal { index } => {
            let o = at(index);
            let unsent: Vec<String> = unsent()
                .map(|x| format!("the {} call was NOT sent", x.direction))
                .collect();
            format!(
                "Stopped: {}. Call {} ({}) ended {}, but the journal does not show it{}. Fix the journal (disk space? permissions?), check the job with `{check}`, then `dts-switch history` and `dts-switch resume` say how to go on.",
                o.journal_error.as_deref().unwrap_or("the journal could not be written"),
                index + 1,
                o.direction,
                o.outcome.as_str(),
                if unsent.is_empty() {
                    String::new()
                } else {
                    format!("; {}", unsent.join(", "))
                }
            )
        }
        NextStep::CheckByHand { index } => {
            let o = at(index);
            format!(
                "Next step: the outcome of the {} call is UNKNOWN (sent at {}). Do not resend blindly: run `{check}` and see whether the {} endpoint already shows the new address (`dts-switch{flags} resume` reads it too, and finishes the plan if it does). Only if it does not, dismiss the plan (`dts-switch{flags} resume --dismiss {}`), then redo that call with:\n  {}",
                o.direction,
                o.sent_at.as_deref().unwrap_or("?"),
                o.endpoint_type.as_str().to_ascii_lowercase(),
                journal_cmds::short(&plan.id),
                output::redo_command(plan, o.direction, flags)
            )
        }
        NextStep::Follow { index } => {
            let o = at(index);
            let unsent: Vec<&str> = unsent().map(|x| x.direction.as_str()).collect();
            let then = if unsent.is_empty() {
                String::new()
            } else {
                format!(
                    ", sends the {} call that was not sent yet",
                    unsent.join(" and ")
                )
            };
            let what = match o.task_id {
                Some(_) => "the task is still running in the service".to_string(),
                None => format!(
                    "the change of the {} direction is still going on in the service ({})",
                    o.direction,
                    clean(o.status.as_deref().unwrap_or("Modifying"))
                ),
            };
            format!(
                "Next step: {what}: `dts-switch{flags} resume` follows it{then}, then watches the job (or look: `{}`).",
                look_command(plan, o, flags)
            )
        }
        NextStep::Redo { index } => {
            let o = at(index);
            let code = o.error_code.as_deref().unwrap_or("");
            let wrong_family = code.contains("JobVersionNotSupported");
            let redo = |d| {
                let c = output::redo_command(plan, d, flags);
                if wrong_family {
                    // The family this call used refused the job as unsupported: let the
                    // dry run choose the family.
                    c.replace(" --api legacy", "")
                        .replace(" --api maintained", "")
                } else {
                    c
                }
            };
            let cause = if o.outcome == Outcome::Failed {
                "Fix the cause (is the new database reachable from DTS? are the values right?)"
                    .to_string()
            } else if wrong_family {
                format!(
                    "The service says this job belongs to the other API family ({}): redo it without --api, and the dry run chooses",
                    clean(code)
                )
            } else if !code.is_empty() {
                format!(
                    "Fix what the service named ({}: see its message above)",
                    clean(code)
                )
            } else {
                "Fix what the service named (see its message above)".to_string()
            };
            let mut s = format!(
                "Next step: the {} call {}. {cause}, then redo that call with:\n  {}",
                o.direction,
                if o.outcome == Outcome::Failed {
                    "failed"
                } else {
                    "was refused"
                },
                redo(o.direction)
            );
            for later in unsent() {
                s.push_str(&format!(
                    "\nThe {} call was not sent; after that, send it with:\n  {}",
                    later.direction,
                    redo(later.direction)
                ));
            }
            s
        }
        NextStep::NotFollowed { index } => {
            let o = at(index);
            let what = match o.task_id {
                Some(_) => "the last task was not followed (--no-wait)".to_string(),
                None => format!(
                    "the change of the {} direction was accepted and not followed (--no-wait)",
                    o.direction
                ),
            };
            format!(
                "Next step: {what}, and the job was not watched: `dts-switch{flags} resume` follows it and then watches the job (or look: `{}`).",
                look_command(plan, o, flags)
            )
        }
        // Without verdicts: a call held back because the direction before it was not
        // healthy after its change.
        NextStep::NotHealthy => match unsent().next() {
            Some(o) => format!(
                "Next step: the {} call was NOT sent: {}. Look at the job (`{check}`); once it is healthy, `dts-switch{flags} resume` checks it again and offers the {} call, or send it alone with:\n  {}",
                o.direction,
                clean(
                    o.error
                        .as_deref()
                        .unwrap_or("the direction before it was not healthy")
                        .trim_start_matches("not sent: ")
                ),
                o.direction,
                output::redo_command(plan, o.direction, flags)
            ),
            None => format!("Next step: the job is not healthy. Look at it: `{check}`"),
        },
        NextStep::Stopped { .. } => {
            let mut s = String::from("Stopped by the operator before these calls; they were NOT sent:");
            for o in unsent() {
                s.push_str(&format!("\n  {} call: {}", o.direction, output::redo_command(plan, o.direction, flags)));
            }
            s
        }
        NextStep::Done => format!("Done: DTS now uses the new endpoint and resumes from its checkpoint. Check the job and its delay: `{check}`"),
    }
}
async fn status(
    ctx: &Ctx,
    out: OutputFormat,
    a: &StatusArgs,
    journal: Option<&journal::Journal>,
) -> Result<i32, CliError> {
    let opts = ExecOptions {
        poll_interval: a.poll_interval.unwrap_or(if ctx.demo.is_some() {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(5)
        }),
        wait_timeout: a.wait_timeout,
        ..ExecOptions::default()
    };
    let mut set = tokio::task::JoinSet::new();
    for (i, id) in a.task_ids.iter().enumerate() {
        let client = ctx.client.clone();
        let id = id.trim().to_string();
        let watch = a.watch;
        let opts = opts.clone();
        let text = out == OutputFormat::Text;
        set.spawn(async move {
            if watch {
                let mut last = String::new();
                let r = executor::watch_task(&client, &id, &opts, &mut |ev| {
                    if let (WatchEvent::Status(s, el), true) = (ev, text) {
                        if s.as_str() != last {
                            last = s.as_str().to_string();
                            outln!(
                                "[{}] task {}: {} ({}s)",
                                now_hms(),
                                clean(&id),
                                clean(s.as_str()),
                                el.as_secs()
                            );
                        }
                    }
                })
                .await;
                (
                    i,
                    id,
                    r.last_status.map(|s| s.as_str().to_string()),
                    r.error_message,
                    r.last_error,
                )
            } else {
                match client.describe_endpoint_switch_status(&id).await {
                    Ok(s) => (
                        i,
                        id,
                        Some(s.status.as_str().to_string()),
                        s.error_message,
                        None,
                    ),
                    Err(e) => (i, id, None, None, Some(ServiceError::from(e))),
                }
            }
        });
    }
    let mut rows = Vec::new();
    while let Some(r) = set.join_next().await {
        rows.push(r.map_err(|e| CliError::new(exit::FAILED, format!("internal error: {e}")))?);
    }
    rows.sort_by_key(|r| r.0);
    if let Some(j) = journal {
        let ended: Vec<(String, String, Option<String>)> = rows
            .iter()
            .filter_map(|(_, id, st, msg, _)| {
                st.as_ref()
                    .filter(|s| s.as_str() == "Finished" || s.as_str() == "Failed")
                    .map(|s| (id.clone(), s.clone(), msg.clone()))
            })
            .collect();
        journal_cmds::record_task_ends(j, ctx, &ended);
    }
    let mut code = exit::OK;
    let mut json_rows = Vec::new();
    for (_, id, st, msg, err) in &rows {
        let row_code = match (st.as_deref(), err) {
            (_, Some(e)) if e.kind() == ErrorKind::BadCredentials => exit::BAD_INPUT,
            (Some("Finished"), None) => exit::OK,
            (Some("Failed"), _) => exit::FAILED,
            (_, Some(_)) => exit::FAILED,
            _ => exit::UNKNOWN,
        };
        code = code.max(row_code);
        match out {
            OutputFormat::Json => json_rows.push(json!({
                "task_id": id,
                "status": st,
                "error_message": msg.clone().or_else(|| err.as_ref().and_then(output::service_message)),
                "error_code": err.as_ref().and_then(|e| e.code()),
                "error": err.as_ref().map(|e| e.to_string()),
            })),
            OutputFormat::Text | OutputFormat::Markdown => {
                outln!(
                    "{}",
                    output::status_line(id, st.as_deref(), msg.as_deref(), err.as_ref())
                );
            }
        }
    }
    if out == OutputFormat::Json {
        output::print_json(&json_rows);
    }
    Ok(code)
}

async fn simulate(a: SimulateArgs) -> Result<i32, CliError> {
    if !a.listen.ip().is_loopback() {
        return Err(CliError::new(
            exit::BAD_INPUT,
            format!(
                "--listen {}: the simulator listens on loopback only (127.0.0.1 or [::1])",
                a.listen
            ),
        ));
    }
    if a.step.is_zero() {
        return Err(CliError::new(exit::BAD_INPUT, "--step must be more than 0"));
    }
    let token = a.sts.then(|| "CAIS-sim-demo-sts-token".to_string());
    let cfg = SimConfig {
        fleet: a.fleet,
        jobs: a.jobs,
        generated_maintained_jobs: a.maintained_jobs,
        two_way_every: a.two_way_every.map(|n| n as usize),
        latency: a.latency.unwrap_or_default(),
        step: a.step,
        quirks: Quirks {
            no_reverse_entries: a.no_reverse_entries,
            forbid_dts_jobs: a.forbid_dts_jobs,
            total_counts_entries: a.total_counts == TotalCounts::Entries,
            lowercase_escapes: a.lowercase_escapes,
            ..Quirks::default()
        },
        faults: Faults {
            throttle: a.throttle,
            throttle_after: 0,
            server_errors: a.server_errors,
            malformed: a.malformed,
            delay: a.delay.unwrap_or_default(),
            drop_switch_answer: a.drop_switch_answer,
            only_action: a.fault_action.clone(),
            switch_without_task_id: a.switch_without_task_id,
            switch_error_after_execute: a.switch_error_after_execute.clone(),
            switch_html_page: a.switch_html_page,
            pad_answer: a.pad_answer,
            fail_after_switch: a.fail_after_switch,
            drop_modify_answer: a.drop_modify_answer,
            dry_run_fails: a.dry_run_fails,
            stuck_after_modify: a.stuck_after_modify,
        },
        security_token: token.clone(),
        sts: StsConfig {
            lifetime: a.sts_expiry,
            ..StsConfig::default()
        },
        ..SimConfig::default()
    };
    let sim = Simulator::start(cfg, a.listen)
        .await
        .map_err(|e| CliError::new(exit::FAILED, format!("cannot listen on {}: {e}", a.listen)))?;
    outln!("dts-switch simulator listening on {}", sim.url());
    outln!("Point dts-switch at it (demo credentials, not secrets):");
    outln!("  export DTS_SWITCH_ENDPOINT={}", sim.url());
    outln!("  export ALIBABA_CLOUD_ACCESS_KEY_ID={DEMO_ACCESS_KEY_ID}");
    outln!("  export ALIBABA_CLOUD_ACCESS_KEY_SECRET={DEMO_ACCESS_KEY_SECRET}");
    if let Some(t) = &token {
        outln!("  export ALIBABA_CLOUD_SECURITY_TOKEN={t}");
    }
    let url = sim.url();
    outln!(
        "Role credentials: it also serves STS and the ECS metadata service, issuing keys valid for {} (--sts-expiry):",
        humantime::format_duration(a.sts_expiry)
    );
    outln!("  RamRoleArn (STS AssumeRole, with the AccessKey above):");
    outln!("    export DTS_SWITCH_STS_ENDPOINT={url} ALIBABA_CLOUD_ROLE_ARN={DEMO_ROLE_ARN}");
    outln!("  OIDC (STS AssumeRoleWithOIDC; unset the AccessKey variables):");
    outln!("    echo {DEMO_OIDC_TOKEN} > /tmp/dts-switch-sim-oidc-token");
    outln!("    export DTS_SWITCH_STS_ENDPOINT={url} ALIBABA_CLOUD_ROLE_ARN={DEMO_ROLE_ARN} \\");
    outln!("      ALIBABA_CLOUD_OIDC_PROVIDER_ARN={DEMO_OIDC_PROVIDER_ARN} ALIBABA_CLOUD_OIDC_TOKEN_FILE=/tmp/dts-switch-sim-oidc-token");
    outln!("  EcsRamRole (instance metadata; unset the AccessKey variables):");
    outln!("    export DTS_SWITCH_METADATA_URL={url} ALIBABA_CLOUD_ECS_METADATA={DEMO_ECS_ROLE}");
    outln!("Requests it received: {url}/_sim/requests");
    outln!(
        "{} legacy and {} maintained jobs; a switch task takes about {}. Ctrl-C stops it.",
        a.jobs,
        crate::sim::data_maintained::maintained_demo_jobs().len() + a.maintained_jobs,
        humantime::format_duration(a.step * 3)
    );
    let _ = tokio::signal::ctrl_c().await;
    Ok(exit::OK)
}
