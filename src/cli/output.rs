//! Plain-text rendering for the CLI: tables, the plan, outcomes.
//!
//! Every piece of text that came from the service (job names, statuses, endpoints, ids,
//! error messages) goes through [`clean`] here before it is printed.

use crate::api::ops::JobStatusAnswer;
use crate::domain::executor::{CallOutcome, Outcome, ProgressEvent};
use crate::domain::plan::{Direction, PlannedCall};
use crate::domain::rules;
use crate::domain::service::ServiceError;
use crate::domain::{Job, Plan, Topology};
use crate::text::{clean, clean_lines};
use serde_json::{json, Map, Value};

pub use crate::present::{endpoint_long, endpoint_short, fit, now_hms, progress_line, truncate};

fn delay_text(j: &Job) -> String {
    if j.forward.delay.is_empty() {
        "-".to_string()
    } else {
        format!("{}s", clean(&j.forward.delay))
    }
}

/// The jobs table. At `width` under 140 columns each job takes two lines (the endpoints
/// on the second), so it reads on an 80-column terminal.
pub fn jobs_table(jobs: &[&Job], width: usize) -> String {
    let mut out = String::new();
    // Job ids are typed (`--job`): never cut, the column is as wide as the longest.
    let id_w = jobs
        .iter()
        .map(|j| clean(&j.id).chars().count())
        .max()
        .unwrap_or(0)
        .max(18);
    if width < 140 {
        let name_w = width
            .saturating_sub(id_w + 13 + 7 + 4 + 6 + 5)
            .clamp(10, 40);
        out.push_str(&format!(
            "{} {} {} {} {} {}\n",
            fit("JOB ID", id_w),
            fit("NAME", name_w),
            fit("STATUS", 13),
            fit("TOPO", 7),
            fit("API", 4),
            "DELAY"
        ));
        for j in jobs {
            out.push_str(&format!(
                "{} {} {} {} {} {}\n",
                fit(&clean(&j.id), id_w),
                fit(&clean(&j.name), name_w),
                fit(&clean(j.status()), 13),
                fit(j.detected_topology().as_str(), 7),
                fit(api_short(j), 4),
                delay_text(j)
            ));
            let mut line = format!(
                "  {} → {}",
                endpoint_short(&j.forward.source),
                endpoint_short(&j.forward.destination)
            );
            // A DtsJobId is shown only whole: when the line has room for it.
            if let Some(id) = &j.dts_job_id {
                let extra = format!(" · DtsJobId {}", clean(id));
                if line.chars().count() + extra.chars().count() <= width {
                    line.push_str(&extra);
                }
            }
            out.push_str(fit(&line, width.max(20)).trim_end());
            out.push('\n');
        }
        return out;
    }
    out.push_str(&format!(
        "{} {} {} {} {} {} {} {}\n",
        fit("JOB ID", id_w),
        fit("NAME", 22),
        fit("STATUS", 13),
        fit("TOPOLOGY", 8),
        fit("API", 10),
        fit("SOURCE", 34),
        fit("DESTINATION", 34),
        "DELAY"
    ));
    for j in jobs {
        out.push_str(&format!(
            "{} {} {} {} {} {} {} {}\n",
            fit(&clean(&j.id), id_w),
            fit(&clean(&j.name), 22),
            fit(&clean(j.status()), 13),
            fit(j.detected_topology().as_str(), 8),
            fit(j.family_label(), 10),
            fit(&endpoint_short(&j.forward.source), 34),
            fit(&endpoint_short(&j.forward.destination), 34),
            delay_text(j)
        ));
    }
    out
}

/// The API column at 80 columns: `leg`, `new` or `?`.
fn api_short(j: &Job) -> &'static str {
    match j.family {
        Some(crate::domain::family::Family::Legacy) => "leg",
        Some(crate::domain::family::Family::Maintained) => "new",
        None => "?",
    }
}

/// `jobs --output json`: a JSON array, the API's own field names per job (see
/// `Job::to_json`), written as it is produced: one job's tree at a time, never the whole
/// document in memory. A closed pipe ends it quietly.
pub fn write_jobs_json(jobs: &[&Job]) {
    use std::io::Write as _;
    struct All<'a>(&'a [&'a Job]);
    impl serde::Serialize for All<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().map(|j| j.json()))
        }
    }
    let mut w = crate::text::JsonSafe::new(std::io::BufWriter::with_capacity(
        64 * 1024,
        std::io::stdout().lock(),
    ));
    let _ = serde_json::to_writer_pretty(&mut w, &All(jobs))
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(w))
        .and_then(|()| w.flush());
}

/// The plan as text: every parameter of every call, in send order.
pub fn plan_text(plan: &Plan, job: &Job, banner: &str) -> String {
    let mut s = String::new();
    s.push_str(&format!("Target: {banner}\n"));
    s.push_str(&format!(
        "Job {} ({}), {}{}, status {}\n",
        clean(&plan.job_id),
        if plan.job_name.is_empty() {
            "-".into()
        } else {
            clean(&plan.job_name)
        },
        plan.topology.as_str(),
        if plan.topology_overridden && job.detected_topology() == Topology::Unknown {
            " (set by --topology; the service does not show it)"
        } else if plan.topology_overridden {
            " (set by --topology; the service shows otherwise)"
        } else {
            ""
        },
        clean(job.status())
    ));
    s.push_str(&format!(
        "Current endpoints (forward): source {} · destination {}\n",
        endpoint_long(&job.forward.source),
        endpoint_long(&job.forward.destination)
    ));
    s.push_str(&format!(
        "API: {} ({} family){}\n",
        plan.family.action(),
        plan.family,
        if plan.family_reason.is_empty() {
            String::new()
        } else {
            format!(": {}", clean(&plan.family_reason))
        }
    ));
    s.push_str(&format!("{}\n", plan.explanation()));
    for w in &plan.warnings {
        s.push_str(&format!("! warning: {}\n", clean(w)));
    }
    let n = plan.calls.len();
    for (i, c) in plan.calls.iter().enumerate() {
        s.push_str(&format!(
            "\nCall {} of {n}: {} ({} direction, {} endpoint)\n",
            i + 1,
            plan.family.action(),
            c.direction,
            c.endpoint_type.as_str()
        ));
        s.push_str(&format!(
            "  {}  →  {}\n",
            crate::domain::guard::endpoint_words(&c.old),
            crate::domain::guard::endpoint_words(&c.new)
        ));
        for (k, v) in &c.params {
            s.push_str(&format!("  {:<26} {}\n", clean(k), clean(v)));
        }
        if plan.password.is_some() && c.needs_password() {
            s.push_str(&format!("  {:<26} (changed)\n", "Password"));
        }
        s.push_str(&format!("  {}\n", dry_run_line(plan, c)));
    }
    s.push_str("\n(Signed with the AccessKeyId above; the secret, any security token and the signature are never shown.)\n");
    s
}

/// The dry-run verdict of a call, in one line (the words are the domain's, shared with
/// the TUI).
pub fn dry_run_line(plan: &Plan, c: &PlannedCall) -> String {
    crate::domain::family::dry_run_words(plan, c)
}

/// `proxy`: the proxy the calls go through, as the banner names it (`null`: direct).
pub fn plan_json(
    plan: &Plan,
    banner_endpoint: &str,
    proxy: Option<&str>,
    masked_ak: &str,
) -> Value {
    let calls: Vec<Value> = plan
        .calls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut params = Map::new();
            for (k, v) in &c.params {
                params.insert(k.clone(), Value::String(v.clone()));
            }
            json!({
                "index": i + 1,
                "action": plan.family.action(),
                "direction": c.direction,
                "endpoint_type": c.endpoint_type,
                "params": params,
                "old": c.old,
                "new": c.new,
                "dry_run": c.dry_run,
            })
        })
        .collect();
    json!({
        "plan_id": plan.id,
        "batch_id": plan.batch_id,
        "job_id": plan.job_id,
        "job_ids": plan.job_ids,
        "family": plan.family,
        "family_reason": plan.family_reason,
        "job_name": plan.job_name,
        "region": plan.region,
        "endpoint": banner_endpoint,
        "proxy": proxy,
        "access_key_id": masked_ak,
        "topology": plan.topology,
        "topology_overridden": plan.topology_overridden,
        "explanation": plan.explanation(),
        "warnings": plan.warnings,
        "calls": calls,
    })
}

pub fn outcome_line(i: usize, n: usize, o: &CallOutcome) -> String {
    let mut s = format!(
        "call {}/{} {}/{}: {}",
        i + 1,
        n,
        o.direction,
        o.endpoint_type.as_str(),
        match o.outcome {
            Outcome::Finished => "FINISHED",
            Outcome::Failed => "FAILED",
            Outcome::Refused => "REFUSED by the service",
            Outcome::Unknown => "OUTCOME UNKNOWN",
            Outcome::Sent => "sent (not followed)",
            Outcome::StillRunning => "STILL RUNNING",
            Outcome::NotSent => "NOT SENT",
        }
    );
    if let Some(t) = &o.task_id {
        s.push_str(&format!(" · TaskId {}", clean(t)));
    }
    if let Some(r) = &o.request_id {
        s.push_str(&format!(" · RequestId {}", clean(r)));
    }
    if let Some(nt) = &o.note {
        for line in clean_lines(nt).lines() {
            s.push_str(&format!("\n    {line}"));
        }
    }
    if let Some(e) = &o.error {
        // Our own text, one line per line; any service part in it was cleaned already.
        for line in clean_lines(e).lines() {
            s.push_str(&format!("\n    {line}"));
        }
    }
    s
}

/// The exact command that sends `call` again, alone. The database side is named in
/// forward terms, as `--database` takes it.
pub fn command_for_call(plan: &Plan, call: &PlannedCall, flags: &str) -> String {
    let region = &plan.region;
    // Either family's names: `Endpoint.InstanceId` (legacy) or `EndpointInstanceId`.
    let get = |k: &str| {
        let alt = k.replace('.', "");
        let alt2 = alt.replace("IP", "Ip");
        call.params
            .iter()
            .find(|(n, _)| *n == k || *n == alt || *n == alt2)
            .map(|(_, v)| v.as_str())
    };
    let database = match call.direction {
        Direction::Forward => call.endpoint_type,
        Direction::Reverse => call.endpoint_type.opposite(),
    };
    let mut s = format!(
        "dts-switch{flags} switch --region {region} --job {} --database {} {} {}",
        clean(&plan.job_id),
        database.as_str().to_ascii_lowercase(),
        rules::TYPE_FLAG,
        clean(get(rules::TYPE_PARAM).unwrap_or("?")),
    );
    for (flag, key) in rules::value_flags() {
        if let Some(v) = get(key) {
            s.push_str(&format!(" {flag} {}", clean(v)));
        }
    }
    if plan.family == crate::domain::family::Family::Maintained {
        for (flag, key) in [
            ("--owner-id", "AliyunUid"),
            ("--role", "RoleName"),
            ("--database-name", "Database"),
            ("--endpoint-region", "EndpointRegionId"),
            ("--username", "Username"),
        ] {
            if let Some(v) = get(key) {
                s.push_str(&format!(" {flag} {}", clean(v)));
            }
        }
        if call.needs_password() {
            s.push_str(" --password-stdin");
        }
        s.push_str(" --api maintained");
    } else {
        s.push_str(" --api legacy");
    }
    if call.direction == Direction::Reverse {
        s.push_str(" --topology two-way");
    }
    s.push_str(&format!(
        " --only-direction {}",
        call.direction.as_str().to_ascii_lowercase()
    ));
    s
}

/// After an interrupted run: the calls never sent (their index is not in `sent`) and
/// how to send exactly those. One source of these words for the CLI and the TUI.
pub fn not_sent_text(plan: &Plan, sent: &[usize], flags: &str) -> String {
    let unsent = plan.calls.len() - sent.len().min(plan.calls.len());
    if unsent == 0 {
        return format!(
            "Every call of the plan was sent. `dts-switch{flags} resume` follows them and watches the job."
        );
    }
    // The plan stays unfinished in the journal, so the guard refuses a new switch of the
    // job until it ends: `resume` is the command that sends exactly the rest.
    format!(
        "{}\n`dts-switch{flags} resume` follows what was sent and then sends {} (it asks first).",
        not_sent_list(plan, sent),
        if unsent == 1 { "it" } else { "them" },
    )
}

/// The calls of `plan` not in `sent`: `Not sent:` and a line each.
pub fn not_sent_list(plan: &Plan, sent: &[usize]) -> String {
    let mut s = String::from("Not sent:");
    for (i, c) in plan
        .calls
        .iter()
        .enumerate()
        .filter(|(i, _)| !sent.contains(i))
    {
        s.push_str(&format!(
            "\n  call {} ({} direction, {} endpoint)",
            i + 1,
            c.direction,
            c.endpoint_type.as_str().to_ascii_lowercase()
        ));
    }
    s
}

/// The command that redoes the call of `direction` in `plan`.
pub fn redo_command(plan: &Plan, direction: Direction, flags: &str) -> String {
    plan.calls
        .iter()
        .find(|c| c.direction == direction)
        .map(|c| command_for_call(plan, c, flags))
        .unwrap_or_default()
}

/// Prints executor events as timestamped progress lines (a status only when it changes).
/// `offset` maps the executor's call indexes to the plan's; `to_stderr` keeps stdout for
/// a JSON document.
pub struct ProgressPrinter {
    n: usize,
    to_stderr: bool,
    last: std::collections::HashMap<usize, String>,
    verify: VerifyPrinter,
}

impl ProgressPrinter {
    pub fn new(n: usize, to_stderr: bool) -> Self {
        ProgressPrinter {
            n,
            to_stderr,
            last: Default::default(),
            verify: VerifyPrinter::default(),
        }
    }

    fn say(&self, line: String) {
        let line = format!("[{}] {line}", now_hms());
        if self.to_stderr {
            errln!("{line}");
        } else {
            outln!("{line}");
        }
    }

    /// Prints the line for `ev`, if it has one.
    pub fn event(&mut self, ev: &ProgressEvent) {
        if let ProgressEvent::JournalError { index, error } = ev {
            // Always on the terminal, whatever the output format.
            errln!(
                "[{}] call {}/{}: JOURNAL ERROR: {}",
                now_hms(),
                index + 1,
                self.n,
                clean_lines(error).replace('\n', " ")
            );
            return;
        }
        if let Some(line) = self.line(ev) {
            self.say(line);
        }
    }

    /// The line for `ev` (without the time), if it has one: a status only when it changed.
    pub fn line(&mut self, ev: &ProgressEvent) -> Option<String> {
        let n = self.n;
        let no = |i: &usize| i + 1;
        Some(match ev {
            ProgressEvent::Sending {
                index,
                call,
                action,
                ..
            } => format!(
                "call {}/{n} {}/{}: sending {action}",
                no(index),
                call.direction,
                call.endpoint_type.as_str()
            ),
            ProgressEvent::Accepted {
                index,
                request_id,
                task_id,
            } => format!(
                "call {}/{n}: accepted{} (RequestId {})",
                no(index),
                match task_id {
                    Some(t) => format!(", TaskId {}", clean(t)),
                    None =>
                        ", no TaskId (this API has none): following the direction's status".into(),
                },
                clean(request_id.as_deref().unwrap_or("-"))
            ),
            ProgressEvent::Status {
                index,
                task_id,
                status,
                elapsed,
            } => {
                if self.last.get(index).map(String::as_str) == Some(status.as_str()) {
                    return None;
                }
                self.last.insert(*index, status.as_str().to_string());
                format!(
                    "call {}/{n}: {} {} ({}s)",
                    no(index),
                    match task_id {
                        Some(t) => format!("task {}", clean(t)),
                        None => "direction".to_string(),
                    },
                    clean(status.as_str()),
                    elapsed.as_secs()
                )
            }
            ProgressEvent::PollError { index, error } => format!(
                "call {}/{n}: status read failed, will retry: {}",
                no(index),
                clean(error.lines().next().unwrap_or(""))
            ),
            ProgressEvent::Verify(v) => {
                self.verify.event(v);
                return None;
            }
            ProgressEvent::JournalError { .. } | ProgressEvent::Done { .. } => return None,
        })
    }
}

/// One job in detail (`jobs --job ID`): the listing's data and each direction read live.
pub fn job_detail_text(
    banner: &str,
    job: &Job,
    forward: &JobStatusAnswer,
    reverse: Option<&JobStatusAnswer>,
) -> String {
    let mut s = format!("{banner}\n");
    s.push_str(&format!("Job {} ({})\n", clean(&job.id), clean(&job.name)));
    s.push_str(&format!(
        "  topology     {}\n",
        job.detected_topology().as_str()
    ));
    s.push_str(&format!("  class        {}\n", clean(&job.job_class)));
    s.push_str(&format!("  created      {}\n", clean(&job.create_time)));
    for (label, d) in [("Forward", Some(forward)), ("Reverse", reverse)] {
        let Some(d) = d else { continue };
        s.push_str(&format!("  {label}:\n"));
        s.push_str(&format!("    status       {}\n", clean(&d.status)));
        s.push_str(&format!(
            "    delay        {}s\n",
            if d.delay.is_empty() {
                "-".into()
            } else {
                clean(&d.delay)
            }
        ));
        s.push_str(&format!("    source       {}\n", endpoint_long(&d.source)));
        s.push_str(&format!(
            "    destination  {}\n",
            endpoint_long(&d.destination)
        ));
        if !d.error_message.is_empty() {
            s.push_str(&format!("    error        {}\n", clean(&d.error_message)));
        }
    }
    s
}

/// The service's own message of an error it answered with (a JSON error body).
pub fn service_message(e: &ServiceError) -> Option<String> {
    e.message.clone().filter(|_| e.is_service_answer())
}

/// One task of `status`: `task ID: STATUS · message`. A task that could not be read shows
/// the service's Code and Message in place of the status (or the error's first line),
/// then the rest of the error (RequestId, next step), indented.
pub fn status_line(
    task_id: &str,
    status: Option<&str>,
    message: Option<&str>,
    error: Option<&ServiceError>,
) -> String {
    let mut line = format!("task {}: ", clean(task_id));
    let full = error.map(|e| e.to_string()).unwrap_or_default();
    let mut rest = full.lines().skip(1).map(str::trim).collect::<Vec<_>>();
    match (status, error) {
        (Some(s), _) => line.push_str(&clean(s)),
        (None, Some(e)) => match (e.code(), service_message(e)) {
            (Some(code), Some(m)) => line.push_str(&format!("{}: {}", clean(code), clean(&m))),
            _ => line.push_str(&format!(
                "not read: {}",
                clean(full.lines().next().unwrap_or_default())
            )),
        },
        (None, None) => line.push_str("no status in the answer"),
    }
    if let Some(m) = message {
        line.push_str(&format!(" · {}", clean(m)));
    }
    if status.is_some() && error.is_some() {
        rest.insert(0, full.lines().next().unwrap_or_default().trim());
    }
    for r in rest.iter().filter(|r| !r.is_empty()) {
        line.push_str(&format!("\n  {}", clean(r)));
    }
    line
}

/// Prints a JSON document on stdout, pretty, through [`crate::text::json_safe`].
pub fn print_json<T: serde::Serialize + ?Sized>(v: &T) {
    let text = serde_json::to_string_pretty(v).expect("json");
    outln!("{}", crate::text::json_safe(&text));
}

/// What to do after the verification.
pub fn verdict_next_step(
    job_id: &str,
    region: &str,
    v: &[crate::domain::verify::DirectionVerdict],
    flags: &str,
) -> String {
    use crate::domain::verify::Verdict;
    let job_id = clean(job_id);
    let look = format!(
        "dts-switch{flags} jobs --job {job_id} --region {}",
        clean(region)
    );
    if let Some(f) = v.iter().find(|d| d.verdict == Verdict::Failed) {
        return format!(
            "Next step: the switch was accepted, but the {} direction is failing: {}. Check that DTS can reach the new database (address, port, whitelist, account), then look at the job: `{look}`.",
            f.direction,
            clean(&f.reason)
        );
    }
    if let Some(t) = v
        .iter()
        .find(|d| matches!(d.verdict, Verdict::TimedOut | Verdict::Unreadable))
    {
        return format!(
            "Next step: the switch was accepted, but the {} direction was not seen healthy ({}). Look at the job (`{look}`); `dts-switch{flags} resume` watches it again.",
            t.direction,
            clean(&t.reason)
        );
    }
    if v.iter().all(|d| d.verdict == Verdict::Skipped) {
        return format!("Done: DTS uses the new endpoint (not verified: --no-verify). Check the job and its delay: `{look}`");
    }
    format!("Done: DTS uses the new endpoint and the job is replicating again. Job {job_id}.")
}

/// The `verification` array of `--output json`.
pub fn verification_json(v: &[crate::domain::verify::DirectionVerdict]) -> Value {
    json!(v
        .iter()
        .map(|d| json!({
            "direction": d.direction,
            "verdict": d.verdict,
            "reason": d.reason,
            "status": d.last.as_ref().map(|s| s.status.clone()),
            "delay_secs": d.last.as_ref().and_then(|s| s.delay_secs),
            "checkpoint": d.last.as_ref().and_then(|s| s.checkpoint),
            "checkpoint_age_secs": d.last.as_ref().and_then(|s| s.checkpoint_age_secs),
            "samples": d.samples,
        }))
        .collect::<Vec<_>>())
}

/// Prints verification progress on stderr: one line per change of a direction's status
/// or delay, and each verdict.
#[derive(Default)]
pub struct VerifyPrinter {
    last: std::collections::HashMap<Direction, (String, Option<u64>)>,
}

impl VerifyPrinter {
    pub fn event(&mut self, ev: &crate::domain::verify::VerifyEvent) {
        use crate::domain::verify::VerifyEvent;
        match ev {
            VerifyEvent::Started {
                directions,
                healthy_delay,
                timeout,
            } => errln!(
                "[{}] watching the job ({}): healthy when Synchronizing with a delay under {} (or falling) and the checkpoint moving; at most {}",
                now_hms(),
                directions.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(", "),
                humantime::format_duration(*healthy_delay),
                humantime::format_duration(*timeout)
            ),
            VerifyEvent::Sample { direction, sample } => {
                let key = (sample.status.clone(), sample.delay_secs.map(|d| d as u64));
                if self.last.get(direction) != Some(&key) {
                    self.last.insert(*direction, key);
                    errln!(
                        "[{}] {direction}: {} · delay {} · checkpoint {}",
                        now_hms(),
                        clean(&sample.status),
                        sample
                            .delay_secs
                            .map(|d| format!("{d:.0}s"))
                            .unwrap_or_else(|| "-".into()),
                        sample
                            .checkpoint_age_secs
                            .map(|a| format!("{a}s old"))
                            .unwrap_or_else(|| "-".into())
                    );
                }
            }
            VerifyEvent::ReadError { direction, error } => errln!(
                "[{}] {direction}: status read failed, will retry: {}",
                now_hms(),
                clean(error.lines().next().unwrap_or(""))
            ),
            VerifyEvent::Verdict(v) => errln!("[{}] {}", now_hms(), verdict_line(v)),
            VerifyEvent::JournalError(e) => errln!("[{}] JOURNAL ERROR: {}", now_hms(), clean(e)),
        }
    }
}

// The ticket block and its parts are rendered one layer down, for the TUI too.
pub use crate::present::{ticket_block, utc_words, verdict_line};

/// A markdown table cell: service text cleaned, pipes escaped.
fn md(s: &str) -> String {
    clean(s).replace('|', "\\|")
}

/// `jobs --output markdown`: one row per job.
pub fn jobs_markdown(jobs: &[&Job]) -> String {
    let mut s = String::from(
        "| Job | Name | Status | Topology | API | Source | Destination | Delay |\n|---|---|---|---|---|---|---|---|\n",
    );
    for j in jobs {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {} |\n",
            md(&j.id),
            md(&j.name),
            md(j.status()),
            j.detected_topology().as_str(),
            j.family_label(),
            md(&endpoint_short(&j.forward.source)),
            md(&endpoint_short(&j.forward.destination)),
            md(&delay_text(j))
        ));
    }
    s
}

/// `plan --output markdown`: the calls as a table, with the API and the dry runs.
pub fn plan_markdown(plan: &Plan) -> String {
    let mut s = format!(
        "### Plan for job `{}` ({}) · region `{}` · {}\n\n- API: {} ({} family){}\n\n| # | Direction | Endpoint | Old → new | Dry run |\n|---|---|---|---|---|\n",
        md(&plan.job_id),
        md(&plan.job_name),
        md(&plan.region),
        plan.topology.as_str(),
        plan.family.action(),
        plan.family,
        if plan.family_reason.is_empty() {
            String::new()
        } else {
            format!(": {}", md(&plan.family_reason))
        }
    );
    for (i, c) in plan.calls.iter().enumerate() {
        s.push_str(&format!(
            "| {} | {} | {} | {} → {} | {} |\n",
            i + 1,
            c.direction,
            c.endpoint_type.as_str(),
            md(&crate::domain::guard::endpoint_words(&c.old)),
            md(&crate::domain::guard::endpoint_words(&c.new)),
            md(&dry_run_line(plan, c))
        ));
    }
    for w in &plan.warnings {
        s.push_str(&format!("\n> warning: {}\n", md(w)));
    }
    s
}
