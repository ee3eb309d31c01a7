//! `dts-switch failover`: every job that uses the old database, in the regions named,
//! switched to the new endpoint as one batch. Finding is `domain::find`, planning and
//! running `domain::fleet`; this file reads the flags, prints the combined preview,
//! asks for the typed confirmation, prints progress and the summary.

use crate::cli::args::{check_verify_args, target_flags, validate_endpoint};
use crate::cli::context::{self, Ctx};
use crate::cli::find::{named_regions, region_clients, region_problem_line, search};
use crate::cli::flow::{before_sending, typed_confirmation, Interrupts};
use crate::cli::journal_cmds;
use crate::cli::output::{self, print_json, utc_words, verdict_line};
use crate::cli::{
    exit, parse_duration, CliError, Global, NewEndpointArgs, OutputFormat, VerifyArgs,
};
use crate::domain::drive::PlanRun;
use crate::domain::executor::{ExecOptions, Outcome, ProgressEvent};
use crate::domain::find::{self, Query};
use crate::domain::fleet::{self, Batch, JobResult};
use crate::domain::guard::{self, endpoint_words};
use crate::domain::plan::Plan;
use crate::domain::rules::ValidEndpoint;
use crate::text::clean;
use clap::Args;
use serde_json::{json, Value};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct FailoverArgs {
    /// The old database's IP address: every job with an endpoint on it is switched
    #[arg(long, value_name = "ADDR")]
    pub from_ip: Option<String>,
    /// Only endpoints of the old database on this port (1-65535)
    #[arg(long, value_name = "N")]
    pub from_port: Option<String>,
    /// The old database's instance id (ECS i-…, VPC vpc-…, managed rm-…), any case
    #[arg(long, value_name = "ID")]
    pub from_instance_id: Option<String>,
    /// Search these regions (comma-separated) instead of --region
    #[arg(
        long,
        value_name = "REGION,…",
        value_delimiter = ',',
        conflicts_with = "all_regions"
    )]
    pub regions: Vec<String>,
    /// Search every public DTS region
    #[arg(long)]
    pub all_regions: bool,
    /// Only this job of those found (any of its ids; repeat the flag for more)
    #[arg(long = "job", value_name = "ID")]
    pub only: Vec<String>,
    /// Leave this job out (any of its ids; repeat the flag for more)
    #[arg(long, value_name = "ID")]
    pub exclude: Vec<String>,
    #[command(flatten)]
    pub new: NewEndpointArgs,
    #[command(flatten)]
    pub batch: BatchArgs,
    /// DescribeDtsJobs requests per second in each region
    #[arg(long, value_name = "N", default_value_t = find::DTS_JOBS_PER_SECOND, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub dts_jobs_rate: u32,
}

/// What every batch command takes: how to confirm, run and follow the batch.
#[derive(Args, Debug, Clone)]
pub struct BatchArgs {
    /// Go on without the jobs whose dry run failed or that cannot be planned (they are listed and left out); without it any of them stops the whole batch
    #[arg(long)]
    pub skip_failed_dry_runs: bool,
    /// Jobs switched at once (1-32, default 4); each job's own calls stay in order
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=32))]
    pub parallel: Option<u16>,
    /// Do not ask for confirmation (required when stdin is not a terminal)
    #[arg(long)]
    pub yes: bool,
    /// Stop after the preview and the server-side dry runs; nothing is changed
    #[arg(long)]
    pub dry_run: bool,
    /// Do not follow each job's last call to its end
    #[arg(long)]
    pub no_wait: bool,
    /// First interval between status polls (default 5s; 1s with --demo)
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub poll_interval: Option<Duration>,
    /// Stop following a call after this long; it goes on in the service
    #[arg(long, default_value = "10m", value_parser = parse_duration, value_name = "DURATION")]
    pub wait_timeout: Duration,
    #[command(flatten)]
    pub verify: VerifyArgs,
}

fn bad(lines: &[String]) -> CliError {
    CliError::new(
        exit::BAD_INPUT,
        format!(
            "invalid failover arguments (nothing was sent):\n{}",
            lines.join("\n")
        ),
    )
}

/// The query's errors in this command's flag names.
fn query_of(a: &FailoverArgs) -> Result<Query, Vec<String>> {
    Query::new(
        a.from_ip.as_deref(),
        a.from_instance_id.as_deref(),
        a.from_port.as_deref(),
    )
    .map_err(|errs| {
        errs.iter()
            .map(|e| {
                let flag = match e.flag {
                    "--ip" => "--from-ip",
                    "--instance-id" => "--from-instance-id",
                    "--port" => "--from-port",
                    _ => "--from-ip / --from-instance-id",
                };
                let msg = e
                    .message
                    .replace("--ip ADDR", "--from-ip ADDR")
                    .replace("--instance-id ID", "--from-instance-id ID")
                    .replace("--port N", "--from-port N");
                format!("  {flag}: {msg}")
            })
            .collect()
    })
}

fn id_flags(flag: &str, ids: &[String], lines: &mut Vec<String>) {
    for id in ids {
        if id.trim().is_empty() {
            lines.push(format!("  {flag}: an empty job id; give any id of the job"));
        } else if let Err(why) = crate::domain::rules::no_inner_space(id.trim()) {
            lines.push(format!("  {flag} {}", clean(&why)));
        }
    }
}

/// The exit code of one job's result.
pub fn job_exit(r: JobResult) -> i32 {
    match r {
        JobResult::Healthy | JobResult::NotVerified => exit::OK,
        JobResult::NotHealthy => exit::NOT_HEALTHY,
        JobResult::Unknown => exit::UNKNOWN,
        JobResult::Failed
        | JobResult::NotSent
        | JobResult::Stopped
        | JobResult::HalfSwitched
        | JobResult::Skipped => exit::FAILED,
    }
}

/// The worst of the jobs' exit codes: 3 (unknown) > 1 (failed, refused, not sent) > 4
/// (not healthy) > 0.
pub fn batch_exit(results: &[JobResult]) -> i32 {
    let codes: Vec<i32> = results.iter().map(|r| job_exit(*r)).collect();
    for c in [exit::UNKNOWN, exit::FAILED, exit::NOT_HEALTHY] {
        if codes.contains(&c) {
            return c;
        }
    }
    exit::OK
}

fn width() -> usize {
    crossterm::terminal::size()
        .map(|(w, _)| w as usize)
        .unwrap_or(80)
        .clamp(60, 200)
}

/// `words` wrapped at `width`, each line starting with `indent`.
fn wrap(words: &[String], indent: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    for w in words {
        if line.len() > indent.len() && line.chars().count() + 1 + w.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line = String::from(indent);
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(w);
    }
    if line.len() > indent.len() {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The words of `t` for wrapping, a `command in backticks` kept as one word (a command
/// is never broken across lines: it is pasted as printed).
fn tokens(t: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in t.chars() {
        if ch == '`' {
            quoted = !quoted;
        }
        if ch.is_whitespace() && !quoted {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(ch);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A warning wrapped at `width`: the first line after `lead`, the others indented under it.
fn warning_lines(w: &str, lead: &str, width: usize) -> String {
    let words: Vec<String> = clean(w).split_whitespace().map(String::from).collect();
    let pad = " ".repeat(lead.chars().count());
    let body = wrap(&words, &pad, width);
    body.replacen(&pad, lead, 1)
}

fn new_words(e: &ValidEndpoint) -> String {
    crate::present::new_endpoint_words(e)
}

/// The count line of the preview: `12 jobs in 2 regions, 15 calls: 3 two-way, 6
/// maintained with dry run`.
pub fn count_line(b: &Batch) -> String {
    crate::present::batch_count_line(b)
}

/// The combined preview: every call of every job, by region and job, in order.
pub fn preview_text(b: &Batch, banner: &str, title: &str, width: usize) -> String {
    let mut s = format!("Target: {banner}\n");
    let head = format!("{} · batch {}", clean(title), guard::short(&b.id));
    s.push_str(&wrap(
        &head
            .split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>(),
        "",
        width,
    ));
    // A warning many jobs share is said once, with the number of jobs.
    let shared = b.shared_warnings();
    for (w, n) in &shared {
        s.push_str(&warning_lines(&format!("{n} jobs: {w}"), "  ! ", width));
    }
    let mut region = "";
    for it in &b.items {
        if it.region != region {
            region = &it.region;
            s.push_str(&format!("\n{}\n", clean(region)));
        }
        match &it.plan {
            Ok(p) => {
                s.push_str(&format!(
                    "  {}  {} · {} · {}\n",
                    clean(&p.job_id),
                    if p.job_name.is_empty() {
                        "-".into()
                    } else {
                        clean(&p.job_name)
                    },
                    p.family,
                    p.topology.as_str()
                ));
                for w in &p.warnings {
                    if !shared.iter().any(|(x, _)| x == w) {
                        s.push_str(&warning_lines(w, "    ! ", width));
                    }
                }
                for (i, c) in p.calls.iter().enumerate() {
                    let head = format!(
                        "    {}. {} {}: {}",
                        i + 1,
                        c.direction,
                        c.endpoint_type.as_str().to_ascii_lowercase(),
                        clean(&endpoint_words(&c.old)),
                    );
                    let new = format!("→ {}", clean(&endpoint_words(&c.new)));
                    for l in crate::present::head_and_tail(head, &new, "       ", width) {
                        s.push_str(&l);
                        s.push('\n');
                    }
                    let mut words = vec![p.family.action().to_string()];
                    words.extend(
                        c.params
                            .iter()
                            .map(|(k, v)| format!("{}={}", clean(k), clean(v))),
                    );
                    s.push_str(&wrap(&words, "       ", width));
                    s.push_str(&format!("       {}\n", output::dry_run_line(p, c)));
                }
            }
            Err(e) => {
                s.push_str(&format!(
                    "  {}  {} · CANNOT BE PLANNED: {}\n",
                    clean(&it.job.id),
                    clean(&it.job.name),
                    crate::text::clean_lines(&e.to_string()).replace('\n', " ")
                ));
            }
        }
    }
    let words = |t: &str| tokens(t);
    s.push('\n');
    s.push_str(&wrap(&words(&count_line(b)), "", width));
    s.push_str(&wrap(
        &words("(Signed with the AccessKeyId above; the secret, any security token and the signature are never shown.)"),
        "",
        width,
    ));
    s
}

/// How a call ended, in words for the progress line.
fn done_words(o: &crate::domain::executor::CallOutcome) -> String {
    let first = |e: &str| {
        crate::text::clean_lines(e)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    };
    // The first line of the error, when the call has one.
    let why = o
        .error
        .as_deref()
        .map(|e| format!(": {}", first(e)))
        .unwrap_or_default();
    match o.outcome {
        Outcome::Finished => "finished".into(),
        Outcome::Sent => "sent (not followed)".into(),
        Outcome::StillRunning => "STILL RUNNING when we stopped following".into(),
        Outcome::Unknown => format!("OUTCOME UNKNOWN{why}"),
        Outcome::Failed => format!("FAILED{why}"),
        Outcome::Refused => format!("REFUSED by the service{why}"),
        Outcome::NotSent if o.stopped => "not sent (stopped by the operator)".into(),
        Outcome::NotSent => match &o.refusal {
            Some(r) => {
                let why = first(&r.to_string());
                format!(
                    "NOT SENT: {}",
                    why.strip_prefix("not sent: ").unwrap_or(&why)
                )
            }
            None => "not sent".into(),
        },
    }
}

fn short_job(p: &Plan) -> String {
    format!("{} {}", clean(&p.region), clean(&p.job_id))
}

/// One progress line of a job, or none.
struct Progress {
    printers: Vec<output::ProgressPrinter>,
    labels: Vec<String>,
    to_stderr: bool,
}

impl Progress {
    fn event(&mut self, i: usize, ev: &ProgressEvent) {
        let label = &self.labels[i];
        let line = match ev {
            ProgressEvent::Verify(v) => match v {
                crate::domain::verify::VerifyEvent::Started { directions, .. } => Some(format!(
                    "watching {}",
                    directions
                        .iter()
                        .map(|d| d.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                crate::domain::verify::VerifyEvent::Verdict(v) => Some(verdict_line(v)),
                crate::domain::verify::VerifyEvent::JournalError(e) => {
                    Some(format!("JOURNAL ERROR: {}", clean(e)))
                }
                _ => None,
            },
            ProgressEvent::JournalError { index, error } => Some(format!(
                "call {}: JOURNAL ERROR: {}",
                index + 1,
                crate::text::clean_lines(error).replace('\n', " ")
            )),
            ProgressEvent::Done { index, outcome } => {
                Some(format!("call {}: {}", index + 1, done_words(outcome)))
            }
            other => self.printers[i].line(other),
        };
        if let Some(l) = line {
            let l = format!("[{}] {label} {l}", chrono::Utc::now().format("%H:%M:%S"));
            if self.to_stderr {
                errln!("{l}");
            } else {
                outln!("{l}");
            }
        }
    }
}

pub async fn run(g: &Global, a: &FailoverArgs) -> Result<i32, CliError> {
    if g.read_only {
        return Err(CliError::new(
            exit::BAD_INPUT,
            "--read-only: failover is refused (nothing was sent); `dts-switch find` shows which jobs use the database",
        ));
    }
    let mut lines = Vec::new();
    let query = query_of(a).map_err(|l| lines.extend(l)).ok();
    let endpoint = validate_endpoint(&a.new).map_err(|l| lines.extend(l)).ok();
    id_flags("--job", &a.only, &mut lines);
    id_flags("--exclude", &a.exclude, &mut lines);
    let (Some(query), Some(endpoint), true) = (query, endpoint, lines.is_empty()) else {
        return Err(bad(&lines));
    };
    check_batch_args(&a.batch, "failover")?;
    let named = named_regions(g, &a.regions, a.all_regions)?;
    let journal = journal_cmds::journal_for(g)?;
    let ctx = context::build(g).await?;
    let regions = named.unwrap_or_else(|| vec![ctx.region.clone()]);
    let clients = region_clients(g, &ctx, &regions)?;
    let show = std::io::stderr().is_terminal();
    let report = search(&query, clients.clone(), a.dts_jobs_rate, show).await;
    // A region that could not be searched may hide a job that still uses the old
    // database: the batch would leave it behind silently.
    let problems: Vec<String> = report
        .regions
        .iter()
        .filter(|r| !r.complete())
        .map(region_problem_line)
        .collect();
    if !problems.is_empty() {
        errln!("{}", problems.join("\n"));
        errln!("A region could not be searched completely, so a job there may still use {}: nothing was sent. Retry, or leave the region out of --regions if you know no job there uses it.", clean(&query.text()));
        return Ok(exit::FAILED);
    }
    let mut matches = report.matches.clone();
    let mut lines = Vec::new();
    for id in &a.only {
        if !matches.iter().any(|m| m.job.has_id(id.trim())) {
            lines.push(format!(
                "  --job {}: not among the {} jobs that use {}",
                clean(id.trim()),
                matches.len(),
                clean(&query.text())
            ));
        }
    }
    for id in &a.exclude {
        if !matches.iter().any(|m| m.job.has_id(id.trim())) {
            lines.push(format!(
                "  --exclude {}: not among the {} jobs that use {}",
                clean(id.trim()),
                matches.len(),
                clean(&query.text())
            ));
        }
    }
    if !lines.is_empty() {
        lines.push(format!(
            "  `dts-switch{} find {}` lists them",
            target_flags(g),
            find_flags(a)
        ));
        return Err(bad(&lines));
    }
    if !a.only.is_empty() {
        matches.retain(|m| a.only.iter().any(|id| m.job.has_id(id.trim())));
    }
    matches.retain(|m| !a.exclude.iter().any(|id| m.job.has_id(id.trim())));
    if matches.is_empty() && !report.matches.is_empty() {
        return Err(bad(&[format!(
            "  --job / --exclude: they leave out every one of the {} jobs that use {}; nothing to send",
            report.matches.len(),
            clean(&query.text())
        )]));
    }
    if matches.is_empty() {
        errln!(
            "No job uses {} in {}: nothing was sent. Check --from-ip / --from-instance-id / --from-port and the regions (`dts-switch find` searches without changing anything).",
            clean(&query.text()),
            regions.join(", ")
        );
        return Ok(exit::FAILED);
    }
    let client_of = |r: &str| {
        clients
            .iter()
            .find(|(x, _)| x == r)
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| ctx.client.port())
    };
    let targets = admitted(
        g,
        fleet::admit(
            fleet::targets_of(&matches, client_of, &endpoint, a.new.api),
            &journal,
        ),
        "leave them out with --exclude ID, or settle them first",
    )?;
    let intro = Intro {
        title: format!(
            "Failover of {} → {}",
            clean(&query.text()),
            new_words(&endpoint)
        ),
        key: "query",
        value: query.text(),
        failback: true,
        command: "failover",
    };
    let parallel = a
        .batch
        .parallel
        .map(|p| p as usize)
        .unwrap_or(fleet::DEFAULT_PARALLEL);
    run_targets(g, &ctx, journal, targets, &intro, &a.batch, parallel).await
}

/// What a batch is, for its preview and summary: `Failover of 10.20.30.40:3306 → …`,
/// or `Runbook failover.toml`.
pub struct Intro {
    pub title: String,
    /// The JSON field that names it (`query`, `runbook`) and its value.
    pub key: &'static str,
    pub value: String,
    /// Write the failback runbook when the batch changed something.
    pub failback: bool,
    /// The command, as the journal's records name who wrote them.
    pub command: &'static str,
}

/// The batch's targets, or bad input naming each job that cannot be in it (nothing was
/// sent); `what_to_do` ends the message (`leave them out with --exclude ID, …`).
pub fn admitted(
    g: &Global,
    admitted: Result<Vec<fleet::Target>, Vec<String>>,
    what_to_do: &str,
) -> Result<Vec<fleet::Target>, CliError> {
    admitted.map_err(|refused| {
        CliError::new(
            exit::BAD_INPUT,
            format!(
                "nothing was sent: these jobs cannot be part of the batch:\n{}\n  {what_to_do} (`dts-switch{} resume` settles an unfinished switch)",
                refused
                    .iter()
                    .map(|x| format!("  {x}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                target_flags(g)
            ),
        )
    })
}

/// The checks of the batch flags that need no answer from the service.
pub fn check_batch_args(b: &BatchArgs, command: &str) -> Result<(), CliError> {
    check_verify_args(&b.verify)?;
    if !b.yes && !b.dry_run && !std::io::stdin().is_terminal() {
        return Err(CliError::new(
            exit::BAD_INPUT,
            format!("refusing to {command} without confirmation: stdin is not a terminal; review `dts-switch {command} … --dry-run` and pass --yes (nothing was sent)"),
        ));
    }
    Ok(())
}

/// Plans the targets as one batch, prints the combined preview, asks for the typed
/// confirmation, runs the batch and prints its summary (with the failback runbook's
/// path): what `failover` and `apply` share.
pub async fn run_targets(
    g: &Global,
    ctx: &Ctx,
    journal: crate::domain::journal::Journal,
    targets: Vec<fleet::Target>,
    intro: &Intro,
    a: &BatchArgs,
    parallel: usize,
) -> Result<i32, CliError> {
    let show = std::io::stderr().is_terminal();
    let dry_runs = targets
        .iter()
        .any(|t| t.api != crate::domain::family::ApiChoice::Legacy);
    if show && dry_runs {
        errln!("planning {} jobs (ModifyDtsJobEndpoint DryRun=true where the job is new-version; nothing is changed)…", targets.len());
    }
    let base = ctx.sender(journal.clone(), intro.command);
    // A signal before any call is sent (dry runs, the confirmation) ends the batch
    // saying that nothing was.
    let mut interrupts = Interrupts::install();
    let batch = before_sending(&mut interrupts, async {
        Ok(fleet::plan_batch(targets, &base).await)
    })
    .await?;
    let json_out = g.output == OutputFormat::Json;
    let preview = preview_text(&batch, &ctx.banner(), &intro.title, width());
    if json_out {
        errout!("{preview}");
    } else {
        out!("{preview}");
    }
    let blocking = batch.blocking();
    if !blocking.is_empty() {
        let ids: Vec<String> = blocking
            .iter()
            .map(|i| clean(&i.job.id).into_owned())
            .collect();
        if !a.skip_failed_dry_runs {
            errln!(
                "\n{} of {} jobs failed a dry run or cannot be planned ({}): nothing was sent. Fix the cause, {}, or pass --skip-failed-dry-runs to switch the others.",
                blocking.len(),
                batch.items.len(),
                ids.join(", "),
                if intro.command == "apply" {
                    "take their steps out of the file"
                } else {
                    "leave them out with --exclude ID"
                }
            );
            if json_out {
                print_json(&preview_json(&batch, ctx, intro));
            }
            return Ok(exit::FAILED);
        }
        errln!(
            "\n--skip-failed-dry-runs: {} left out ({}); nothing is sent for them.",
            if blocking.len() == 1 {
                "1 job".to_string()
            } else {
                format!("{} jobs", blocking.len())
            },
            ids.join(", ")
        );
    }
    let work = batch.runnable();
    if a.dry_run {
        errln!("\n--dry-run: nothing was changed; without --dry-run this sends the calls above.");
        if json_out {
            print_json(&preview_json(&batch, ctx, intro));
        }
        return Ok(if blocking.is_empty() {
            exit::OK
        } else {
            exit::FAILED
        });
    }
    if work.is_empty() {
        errln!("\nNothing to send: no job is left.");
        return Ok(exit::FAILED);
    }
    let calls: usize = work.iter().map(|(_, p)| p.calls.len()).sum();
    if !a.yes {
        let ok = before_sending(&mut interrupts, typed_confirmation(
            &format!(
                "\nThis sends {calls} call{} for {} job{}. Type the number of calls ({calls}) to confirm, anything else cancels: ",
                if calls == 1 { "" } else { "s" },
                work.len(),
                if work.len() == 1 { "" } else { "s" },
            ),
            &calls.to_string(),
        ))
        .await?;
        if !ok {
            errln!("cancelled: nothing was sent");
            return Ok(exit::FAILED);
        }
    }
    fleet::record_plans(&work)
        .map_err(|e| CliError::new(exit::FAILED, format!("{e}; nothing was sent")))?;
    let demo = ctx.demo.is_some();
    let interval = a.poll_interval.unwrap_or(if demo {
        Duration::from_secs(1)
    } else {
        Duration::from_secs(5)
    });
    let stop = Arc::new(AtomicBool::new(false));
    let opts = ExecOptions {
        poll_interval: interval,
        max_poll_interval: Duration::from_secs(20),
        wait_timeout: a.wait_timeout,
        wait_last: !a.no_wait,
        read_only: false,
        verify: crate::domain::verify::VerifyOptions {
            interval,
            healthy_delay: a.verify.healthy_delay,
            timeout: a.verify.verify_timeout,
        },
        stop: Some(stop.clone()),
    };
    let verify_opts = (!a.verify.no_verify).then(|| opts.verify.clone());
    let mut progress = Progress {
        printers: work
            .iter()
            .map(|(_, p)| output::ProgressPrinter::new(p.calls.len(), json_out))
            .collect(),
        labels: work.iter().map(|(_, p)| short_job(p)).collect(),
        to_stderr: json_out,
    };
    let plans: Vec<Plan> = work.iter().map(|(_, p)| p.clone()).collect();
    let flags = target_flags(g);
    let mut on_event = |i: usize, ev: &ProgressEvent| progress.event(i, ev);
    let running = fleet::run_batch(work, parallel, &opts, verify_opts.as_ref(), &mut on_event);
    tokio::pin!(running);
    let runs = loop {
        tokio::select! {
            r = &mut running => break Some(r),
            sig = interrupts.wait() => {
                if !stop.swap(true, Ordering::SeqCst) {
                    errln!("\n{sig}: stopping: no new call is sent; the calls already sent are followed to their end. {sig} again stops following (they go on in the service).");
                } else {
                    break None;
                }
            }
        }
    };
    let Some(runs) = runs else {
        if demo {
            errln!("\nstopped following. A demo's journal and simulator end with it: there is nothing to resume; run the demo again.");
            return Ok(exit::UNKNOWN);
        }
        if intro.failback {
            if let Some(p) = journal_cmds::write_failback(&journal, &batch.id) {
                errln!(
                    "\nThe way back so far (failback runbook): {} — `dts-switch{flags} resume --batch {}` writes it again once the batch is settled",
                    p.display(),
                    guard::short(&batch.id)
                );
            }
        }
        errln!(
            "\nstopped following. Calls already sent go on in the service, and the journal has the batch {}: `dts-switch{flags} resume --batch {}` reads each job and goes on from what it shows (a call without its answer has an UNKNOWN outcome and is never resent blindly).",
            guard::short(&batch.id),
            guard::short(&batch.id)
        );
        return Ok(exit::UNKNOWN);
    };
    let mut results: Vec<JobResult> = runs.iter().map(fleet::job_result).collect();
    let skipped: Vec<&fleet::Item> = batch.items.iter().filter(|i| !i.ready()).collect();
    results.extend(skipped.iter().map(|_| JobResult::Skipped));
    let code = batch_exit(&results);
    // A demo's journal and simulator end with it: a way back could not be applied.
    let failback = if intro.failback && !demo {
        journal_cmds::write_failback(&journal, &batch.id)
    } else {
        None
    };
    if json_out {
        print_json(&summary_json(
            &batch,
            ctx,
            intro,
            &plans,
            &runs,
            code,
            failback.as_deref(),
        ));
        return Ok(code);
    }
    outln!("\n{}", summary_text(&batch, &plans, &runs, &flags, width()));
    if let Some(p) = &failback {
        outln!(
            "The way back (failback runbook): {}\n  review: dts-switch{flags} apply {} --dry-run",
            p.display(),
            shell_word(&p.display().to_string())
        );
    }
    Ok(code)
}

fn find_flags(a: &FailoverArgs) -> String {
    let mut f = String::new();
    if let Some(ip) = &a.from_ip {
        f.push_str(&format!("--ip {}", clean(ip.trim())));
    }
    if let Some(id) = &a.from_instance_id {
        f.push_str(&format!(" --instance-id {}", clean(id.trim())));
    }
    if let Some(p) = &a.from_port {
        f.push_str(&format!(" --port {}", clean(p.trim())));
    }
    if a.all_regions {
        f.push_str(" --all-regions");
    } else if !a.regions.is_empty() {
        f.push_str(&format!(" --regions {}", clean(&a.regions.join(","))));
    }
    f.trim().to_string()
}

/// The summary of a batch's run: per job its calls (old → new, outcome, ids, times),
/// its verdicts and result; a count line; the next steps.
pub fn summary_text(
    b: &Batch,
    plans: &[Plan],
    runs: &[PlanRun],
    flags: &str,
    width: usize,
) -> String {
    let words = |t: &str| t.split_whitespace().map(String::from).collect::<Vec<_>>();
    let mut s = format!("Batch {} — summary\n", guard::short(&b.id));
    let mut tally: Vec<(JobResult, usize)> = Vec::new();
    let mut next: Vec<String> = Vec::new();
    for (p, r) in plans.iter().zip(runs) {
        let res = fleet::job_result(r);
        match tally.iter_mut().find(|(x, _)| *x == res) {
            Some((_, n)) => *n += 1,
            None => tally.push((res, 1)),
        }
        s.push('\n');
        s.push_str(&wrap(
            &words(&format!(
                "{} {} ({}) · {} · {}: {}",
                clean(&p.region),
                clean(&p.job_id),
                if p.job_name.is_empty() {
                    "-".into()
                } else {
                    clean(&p.job_name)
                },
                p.family,
                p.topology.as_str(),
                res.as_str()
            )),
            "",
            width,
        ));
        for (k, o) in r.outcomes.iter().enumerate() {
            let Some(c) = p.calls.get(r.start + k) else {
                continue;
            };
            let head = format!(
                "  {} {}: {}",
                c.direction,
                c.endpoint_type.as_str().to_ascii_lowercase(),
                clean(&endpoint_words(&c.old)),
            );
            let tail = format!(
                "→ {} · {}",
                clean(&endpoint_words(&c.new)),
                o.outcome.as_str()
            );
            for l in crate::present::head_and_tail(head, &tail, "    ", width) {
                s.push_str(&l);
                s.push('\n');
            }
            let mut d: Vec<String> = Vec::new();
            if let Some(t) = &o.task_id {
                d.push(format!("TaskId {}", clean(t)));
            }
            if let Some(x) = &o.request_id {
                d.push(format!("RequestId {}", clean(x)));
            }
            if let Some(dr) = &c.dry_run {
                d.push(format!(
                    "dry run {}{}",
                    if dr.passed { "passed" } else { "FAILED" },
                    dr.request_id
                        .as_deref()
                        .map(|x| format!(" (RequestId {})", clean(x)))
                        .unwrap_or_default()
                ));
            }
            if let Some(t) = &o.sent_at {
                d.push(format!("sent {}", utc_words(t)));
            }
            if !d.is_empty() {
                // Wrapped between its parts: a RequestId is never cut.
                let mut line = String::from("    ");
                for (k, part) in d.iter().enumerate() {
                    let piece = if k == 0 {
                        part.clone()
                    } else {
                        format!("· {part}")
                    };
                    if line.trim().is_empty()
                        || line.chars().count() + 1 + piece.chars().count() <= width
                    {
                        if !line.trim().is_empty() {
                            line.push(' ');
                        }
                        line.push_str(&piece);
                    } else {
                        s.push_str(&line);
                        s.push('\n');
                        line = format!("    {piece}");
                    }
                }
                s.push_str(&line);
                s.push('\n');
            }
            if let Some(n) = &o.note {
                s.push_str(&wrap(&words(&clean(n)), "    ", width));
            }
            if o.outcome != Outcome::Finished {
                if let Some(e) = &o.error {
                    s.push_str(&wrap(
                        &words(crate::text::clean_lines(e).lines().next().unwrap_or("")),
                        "    ",
                        width,
                    ));
                }
            }
        }
        if let Some(v) = &r.verdicts {
            for d in v {
                s.push_str(&wrap(&words(&verdict_line(d)), "  ", width));
            }
        }
        if let Some(n) = job_next(p, r, res, flags) {
            next.push(n);
        }
    }
    for it in b.items.iter().filter(|i| !i.ready()) {
        s.push_str(&format!(
            "\n{} {}: skipped (nothing sent)\n",
            clean(&it.region),
            clean(&it.job.id)
        ));
    }
    tally.sort();
    let skipped = b.items.iter().filter(|i| !i.ready()).count();
    let mut parts: Vec<String> = tally
        .iter()
        .map(|(r, n)| format!("{n} {}", r.as_str()))
        .collect();
    if skipped > 0 {
        parts.push(format!("{skipped} skipped"));
    }
    s.push_str(&format!(
        "\n{} job{}: {}\n",
        plans.len() + skipped,
        if plans.len() + skipped == 1 { "" } else { "s" },
        parts.join(", ")
    ));
    if next.is_empty() {
        s.push_str("Done: every job uses the new endpoint and was seen healthy.\n");
    } else {
        s.push_str("Next steps:\n");
        for n in next {
            s.push_str(&wrap(&words(&n), "    ", width).replacen("    ", "  - ", 1));
        }
    }
    s
}

/// What to do about one job, when anything.
fn job_next(p: &Plan, r: &PlanRun, res: JobResult, flags: &str) -> Option<String> {
    let job = clean(&p.job_id);
    let look = format!(
        "dts-switch{flags} jobs --region {} --job {job}",
        clean(&p.region)
    );
    Some(match res {
        JobResult::Healthy | JobResult::NotVerified => return None,
        JobResult::Unknown => format!(
            "{job}: OUTCOME UNKNOWN: never resend blindly; `dts-switch{flags} resume --batch {}` reads the job and goes on only from what it shows (look: `{look}`)",
            guard::short(&p.batch_id)
        ),
        JobResult::NotSent => {
            let why = r
                .outcomes
                .iter()
                .find_map(|o| o.refusal.as_ref().map(|x| x.to_string()))
                .unwrap_or_default();
            format!("{job}: nothing was sent: {} (look: `{look}`)", clean(&why))
        }
        JobResult::Failed => {
            let o = r
                .outcomes
                .iter()
                .find(|o| matches!(o.outcome, Outcome::Failed | Outcome::Refused));
            format!(
                "{job}: {} failed; fix the cause, then send it again: {}",
                o.map(|o| o.direction.as_str()).unwrap_or("a call"),
                o.map(|o| output::redo_command(p, o.direction, flags))
                    .unwrap_or_default()
            )
        }
        JobResult::HalfSwitched => {
            let done: Vec<&str> = r
                .outcomes
                .iter()
                .filter(|o| o.outcome == Outcome::Finished)
                .map(|o| o.direction.as_str())
                .collect();
            let not: Vec<&str> = r
                .outcomes
                .iter()
                .filter(|o| o.stopped)
                .map(|o| o.direction.as_str())
                .collect();
            format!(
                "{job}: HALF SWITCHED: {} switched, {} NOT sent (stopped): the job is split between the old and the new database; `dts-switch{flags} resume --batch {}` sends the rest",
                done.join(", "),
                not.join(", "),
                guard::short(&p.batch_id)
            )
        }
        JobResult::Stopped => format!(
            "{job}: stopped before its calls; `dts-switch{flags} resume --batch {}` sends them",
            guard::short(&p.batch_id)
        ),
        JobResult::NotHealthy => format!("{job}: not healthy after the switch; look at it: `{look}`"),
        JobResult::Skipped => format!("{job}: skipped; nothing was sent"),
    })
}

fn plan_calls_json(p: &Plan) -> Vec<Value> {
    p.calls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({
                "index": i + 1,
                "action": p.family.action(),
                "direction": c.direction,
                "endpoint_type": c.endpoint_type,
                "old": c.old,
                "new": c.new,
                "params": c.params.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
                "dry_run": c.dry_run,
            })
        })
        .collect()
}

fn preview_json(b: &Batch, ctx: &Ctx, intro: &Intro) -> Value {
    let c = b.counts();
    json!({
        "batch_id": b.id,
        intro.key: intro.value,
        "endpoint": ctx.endpoint.as_str(),
        "access_key_id": ctx.masked_ak,
        "sent": false,
        "counts": {"jobs": c.jobs, "regions": c.regions, "calls": c.calls, "two_way": c.two_way, "maintained": c.maintained, "legacy": c.legacy, "dry_runs_failed": c.dry_runs_failed, "unplanned": c.unplanned},
        "jobs": b.items.iter().map(|it| match &it.plan {
            Ok(p) => json!({"region": p.region, "job_id": p.job_id, "job_ids": p.job_ids, "job_name": p.job_name, "family": p.family, "topology": p.topology, "ready": it.ready(), "calls": plan_calls_json(p)}),
            Err(e) => json!({"region": it.region, "job_id": it.job.id, "job_ids": it.job.ids(), "job_name": it.job.name, "ready": false, "error": e.to_string()}),
        }).collect::<Vec<_>>(),
    })
}

fn summary_json(
    b: &Batch,
    ctx: &Ctx,
    intro: &Intro,
    plans: &[Plan],
    runs: &[PlanRun],
    code: i32,
    failback: Option<&std::path::Path>,
) -> Value {
    let mut jobs: Vec<Value> = plans
        .iter()
        .zip(runs)
        .map(|(p, r)| {
            let res = fleet::job_result(r);
            let calls: Vec<Value> = r
                .outcomes
                .iter()
                .enumerate()
                .map(|(k, o)| {
                    let mut v = serde_json::to_value(o).expect("json");
                    if let Some(c) = p.calls.get(r.start + k) {
                        v["index"] = json!(r.start + k + 1);
                        v["action"] = json!(p.family.action());
                        v["old"] = json!(c.old);
                        v["new"] = json!(c.new);
                        v["dry_run"] = json!(c.dry_run);
                    }
                    v
                })
                .collect();
            json!({
                "region": p.region,
                "job_id": p.job_id,
                "job_ids": p.job_ids,
                "job_name": p.job_name,
                "plan_id": p.id,
                "family": p.family,
                "topology": p.topology,
                "result": res,
                "exit_code": job_exit(res),
                "calls": calls,
                "verification": r.verdicts.as_ref().map(|v| output::verification_json(v)),
            })
        })
        .collect();
    for it in b.items.iter().filter(|i| !i.ready()) {
        jobs.push(json!({
            "region": it.region,
            "job_id": it.job.id,
            "job_ids": it.job.ids(),
            "job_name": it.job.name,
            "result": JobResult::Skipped,
            "exit_code": exit::FAILED,
            "error": it.plan.as_ref().err().map(|e| e.to_string()).unwrap_or_else(|| "a dry run failed".into()),
            "calls": [],
        }));
    }
    let c = b.counts();
    json!({
        "batch_id": b.id,
        intro.key: intro.value,
        "endpoint": ctx.endpoint.as_str(),
        "proxy": ctx.proxy,
        "failback_runbook": failback.map(|p| p.display().to_string()),
        "access_key_id": ctx.masked_ak,
        "sent": true,
        "counts": {"jobs": c.jobs, "regions": c.regions, "calls": c.calls, "two_way": c.two_way, "maintained": c.maintained, "legacy": c.legacy},
        "exit_code": code,
        "jobs": jobs,
    })
}

/// A path as one shell word.
fn shell_word(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
