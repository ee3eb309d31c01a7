//! Small presentation helpers shared by the command line and the TUI: times, widths,
//! endpoints in words.

use crate::api::ops::EndpointInfo;
use crate::domain::executor::{CallOutcome, Outcome};
use crate::domain::plan::Plan;
use crate::text::clean;

/// Local wall-clock time for progress lines, `HH:MM:SS`.
pub fn now_hms() -> String {
    chrono::Local::now().format("%H:%M:%S").to_string()
}

/// Cuts `s` to `w` characters, marking the cut with `…`, and pads it to `w`.
pub fn fit(s: &str, w: usize) -> String {
    format!("{:<w$}", truncate(s, w))
}

/// Cuts `s` to `w` characters, marking the cut with `…` (no padding).
pub fn truncate(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else if w == 0 {
        String::new()
    } else {
        let mut t: String = s.chars().take(w - 1).collect();
        t.push('…');
        t
    }
}

/// `MySQL ECS i-bp1…:3306` (service text cleaned).
pub fn endpoint_short(e: &EndpointInfo) -> String {
    let kind = crate::domain::rules::short_type_label(&e.instance_type);
    let mut parts = Vec::new();
    if !e.engine_name.is_empty() {
        parts.push(e.engine_name.clone());
    }
    if !kind.is_empty() {
        parts.push(kind.to_string().into());
    }
    let addr = e.address();
    if !addr.is_empty() {
        parts.push(addr.into());
    }
    clean(&parts.join(" ")).into_owned()
}

/// `LocalInstance 47.98.12.34:3306 (MySQL)`, with the instance id when there is one
/// (service text cleaned).
pub fn endpoint_long(e: &EndpointInfo) -> String {
    let mut s = e.instance_type.clone();
    if !e.instance_id.is_empty() {
        s.push_str(&format!(" {}", e.instance_id));
    }
    if !e.ip.is_empty() || !e.port.is_empty() {
        let addr = if e.ip.is_empty() {
            format!("port {}", e.port)
        } else if e.ip.contains(':') {
            format!("[{}]:{}", e.ip, e.port)
        } else {
            format!("{}:{}", e.ip, e.port)
        };
        s.push_str(&format!(" {addr}"));
    }
    if !e.engine_name.is_empty() {
        s.push_str(&format!(" ({})", e.engine_name));
    }
    clean(&s).trim().to_string()
}

/// One line about a listing in progress: pages, jobs, retries, waits.
pub fn progress_line(p: &crate::api::listing::ListProgress, jobs: usize) -> String {
    let mut s = format!(
        "page {}/{} · {jobs} jobs",
        p.pages_done,
        p.pages_expected
            .map(|e| e.max(p.pages_done).to_string())
            .unwrap_or_else(|| "?".into())
    );
    if p.dts_pages_done > 0 {
        s.push_str(&format!(
            " · DescribeDtsJobs page {}/{}",
            p.dts_pages_done,
            p.dts_pages_expected
                .map(|e| e.max(p.dts_pages_done).to_string())
                .unwrap_or_else(|| "?".into())
        ));
    }
    if p.retries > 0 {
        s.push_str(&format!(" · {} retried", p.retries));
    }
    if let Some(w) = p.waiting.filter(|w| !w.is_zero()) {
        s.push_str(&format!(" · throttled, waiting {:.1}s", w.as_secs_f64()));
    }
    s.push_str(&format!(" · timeout {}s each", p.request_timeout.as_secs()));
    s
}

/// The new endpoint in words: `LocalInstance 10.20.30.41:3306`.
pub fn new_endpoint_words(e: &crate::domain::rules::ValidEndpoint) -> String {
    let mut parts = vec![e.instance_type.to_string()];
    if let Some(id) = &e.instance_id {
        parts.push(id.clone());
    }
    match (&e.ip, e.port) {
        (Some(ip), Some(p)) if ip.contains(':') => parts.push(format!("[{ip}]:{p}")),
        (Some(ip), Some(p)) => parts.push(format!("{ip}:{p}")),
        (Some(ip), None) => parts.push(ip.clone()),
        (None, Some(p)) => parts.push(format!("port {p}")),
        (None, None) => {}
    }
    clean(&parts.join(" ")).into_owned()
}

/// A batch's count line, for its preview: `12 jobs in 2 regions, 15 calls: 3 two-way, 6
/// maintained with dry run, 6 legacy (no dry run)`.
pub fn batch_count_line(b: &crate::domain::fleet::Batch) -> String {
    let c = b.counts();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut s = format!(
        "{} in {}, {}: {} two-way, {} maintained with dry run",
        plural(c.jobs, "job", "jobs"),
        plural(c.regions, "region", "regions"),
        plural(c.calls, "call", "calls"),
        c.two_way,
        c.maintained
    );
    if c.legacy > 0 {
        s.push_str(&format!(", {} legacy (no dry run)", c.legacy));
    }
    if c.dry_runs_failed > 0 {
        s.push_str(&format!(
            "; {} FAILED",
            plural(c.dry_runs_failed, "dry run", "dry runs")
        ));
    }
    if c.unplanned > 0 {
        s.push_str(&format!(
            "; {} cannot be planned",
            plural(c.unplanned, "job", "jobs")
        ));
    }
    s
}

/// `head tail` on one line when it fits in `width`, else `head` and then `tail` on a
/// line of its own after `indent` (a call's `old` and `→ new`, never cut mid-endpoint).
pub fn head_and_tail(head: String, tail: &str, indent: &str, width: usize) -> Vec<String> {
    if head.chars().count() + 1 + tail.chars().count() <= width {
        vec![format!("{head} {tail}")]
    } else {
        vec![head, format!("{indent}{tail}")]
    }
}

// The end of a run for the incident ticket: one block, rendered here for the CLI
// (`switch` prints it) and the TUI (`t` copies it).

/// An RFC 3339 UTC time as `2026-12-03 14:09:53 UTC` (date and zone always said).
pub fn utc_words(t: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(t) {
        Ok(d) => d
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string(),
        Err(_) => clean(t).into_owned(),
    }
}

/// One line per verdict: `Forward: HEALTHY · Synchronizing: delay 3s, under 60s, …`.
pub fn verdict_line(v: &crate::domain::verify::DirectionVerdict) -> String {
    use crate::domain::verify::Verdict;
    let word = match v.verdict {
        Verdict::Healthy => "HEALTHY",
        Verdict::Failed => "FAILED after the switch",
        Verdict::TimedOut => "NOT HEALTHY",
        Verdict::Unreadable => "NOT VERIFIED",
        Verdict::Skipped => "not verified",
    };
    format!("{}: {word} · {}", v.direction, clean(&v.reason))
}

/// The end of a run as the incident ticket wants it: job, name, region, topology, API,
/// each call (direction, side, old → new, RequestId, TaskId or dry-run verdict, sent
/// and finished times with date and UTC), the verification, the result and exit code.
pub fn ticket_block(
    plan: &Plan,
    outcomes: &[CallOutcome],
    start: usize,
    verdicts: Option<&[crate::domain::verify::DirectionVerdict]>,
    code: i32,
) -> String {
    let mut s = String::from("--- for the ticket ---\n");
    s.push_str(&format!(
        "Job {} ({}) · region {} · {} · {} ({} family) · batch {} · plan {}\n",
        clean(&plan.job_id),
        if plan.job_name.is_empty() {
            "-".into()
        } else {
            clean(&plan.job_name)
        },
        clean(&plan.region),
        plan.topology.as_str(),
        plan.family.action(),
        plan.family,
        crate::domain::guard::short(&plan.batch_id),
        crate::domain::guard::short(&plan.id)
    ));
    for (i, o) in outcomes.iter().enumerate() {
        let k = start + i;
        let Some(c) = plan.calls.get(k) else { continue };
        s.push_str(&format!(
            "Call {}/{} {} {}: {} → {} · {}\n",
            k + 1,
            plan.calls.len(),
            c.direction,
            c.endpoint_type.as_str().to_ascii_lowercase(),
            crate::domain::guard::endpoint_words(&c.old),
            crate::domain::guard::endpoint_words(&c.new),
            o.outcome.as_str()
        ));
        let mut d: Vec<String> = Vec::new();
        if let Some(r) = &o.request_id {
            d.push(format!("RequestId {}", clean(r)));
        }
        if let Some(t) = &o.task_id {
            d.push(format!("TaskId {}", clean(t)));
        }
        if plan.family.has_dry_run() {
            d.push(crate::domain::family::dry_run_words(plan, c));
        }
        if let Some(t) = &o.sent_at {
            d.push(format!("sent {}", utc_words(t)));
        }
        if let Some(t) = &o.ended_at {
            d.push(format!("ended {}", utc_words(t)));
        }
        if let Some(n) = &o.note {
            d.push(clean(n).into_owned());
        }
        if !d.is_empty() {
            s.push_str(&format!("  {}\n", d.join(" · ")));
        }
    }
    match verdicts {
        Some(v) => {
            for x in v {
                s.push_str(&format!("Verification: {}\n", verdict_line(x)));
            }
        }
        None => s.push_str("Verification: none (not every call finished)\n"),
    }
    let words = match (code, verdicts) {
        // Exit 0 without a watch: accepted, not followed (--no-wait) or not verified.
        (0, None) => "sent, not followed to its end nor verified",
        _ => result_words(code),
    };
    s.push_str(&format!("Result: {words} · exit {code}\n"));
    s
}

/// The words of a run's result on the ticket's last line, by its exit code (README "Exit
/// codes").
pub fn result_words(code: i32) -> &'static str {
    match code {
        0 => "done",
        1 => "failed or refused",
        2 => "not sent (bad input or refused by the journal guard)",
        3 => "OUTCOME UNKNOWN",
        4 => "switched, not healthy",
        _ => "?",
    }
}

/// The exit code of a run's calls (README "Exit codes"): 3 when an outcome is unknown
/// (or the journal could not record one), 2 when refused for bad credentials or by the
/// journal guard, 1 when a call was refused or failed, else 0. The one mapping, for the
/// CLI's exit status (`cli::exit::of_calls`) and the ticket block the TUI copies.
pub fn exit_of_calls(outcomes: &[CallOutcome]) -> i32 {
    use crate::domain::guard::Refusal;
    use crate::domain::service::ErrorKind;
    if outcomes.iter().any(|o| {
        matches!(o.outcome, Outcome::Unknown | Outcome::StillRunning) || o.journal_error.is_some()
    }) {
        3
    } else if outcomes.iter().any(|o| {
        (o.outcome == Outcome::Refused && o.error_kind == Some(ErrorKind::BadCredentials))
            || o.refusal.as_deref().is_some_and(|r| {
                !matches!(
                    r,
                    Refusal::ChangedSincePlan { .. }
                        | Refusal::SentSincePlan { .. }
                        | Refusal::NotNow { .. }
                        | Refusal::CannotRead { .. }
                )
            })
    }) {
        2
    } else if outcomes.iter().any(|o| {
        matches!(
            o.outcome,
            Outcome::Refused | Outcome::Failed | Outcome::NotSent
        )
    }) {
        1
    } else {
        0
    }
}

/// The exit code a run of these outcomes and verdicts ends `switch` with: that of its
/// calls ([`exit_of_calls`]), or 4 when they were switched but not verified healthy.
pub fn exit_code(
    outcomes: &[CallOutcome],
    verdicts: Option<&[crate::domain::verify::DirectionVerdict]>,
) -> i32 {
    let code = exit_of_calls(outcomes);
    let not_healthy = crate::domain::drive::next_step(0, outcomes, verdicts)
        == crate::domain::drive::NextStep::NotHealthy;
    if code == 0 && not_healthy {
        4
    } else {
        code
    }
}
