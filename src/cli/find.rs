//! `dts-switch find`: which jobs use a database, in one region or several, and which
//! (direction, side) pairs its failover must change. The matching and the search are
//! `domain::find`; this file reads the flags, picks each region's endpoint, and prints.

use crate::api::endpoint::{default_endpoint, is_dts_region, public_regions, validate_region};
use crate::api::listing::ListOptions;
use crate::cli::context::{self, Ctx};
use crate::cli::output::{fit, print_json};
use crate::cli::{exit, CliError, Global, OutputFormat};
use crate::domain::find::{self, Change, FindReport, Match, Query, RegionReport};
use crate::domain::plan::Side;
use crate::domain::rules::short_type_label;
use crate::domain::service::{ErrorKind, ServiceError};
use crate::text::clean;
use clap::Args;
use serde_json::{json, Value};
use std::io::IsTerminal;

#[derive(Args, Debug)]
pub struct FindArgs {
    /// The old database's IP address (IPv4 or IPv6): endpoints listed with this IP
    #[arg(long, value_name = "ADDR")]
    pub ip: Option<String>,
    /// The old database's instance id, any case: an ECS instance (i-…), a VPC (vpc-…) or a managed instance (rm-…, pc-…)
    #[arg(long, value_name = "ID")]
    pub instance_id: Option<String>,
    /// Only endpoints on this port (1-65535)
    #[arg(long, value_name = "N")]
    pub port: Option<String>,
    /// Search these regions (comma-separated), a few at a time, instead of --region
    #[arg(
        long,
        value_name = "REGION,…",
        value_delimiter = ',',
        conflicts_with = "all_regions"
    )]
    pub regions: Vec<String>,
    /// Search every public DTS region (the Finance and Gov regions: name them with --regions)
    #[arg(long)]
    pub all_regions: bool,
    /// DescribeDtsJobs requests per second in each region (its rate limit; raise it only if your account's quota is higher)
    #[arg(long, value_name = "N", default_value_t = find::DTS_JOBS_PER_SECOND, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub dts_jobs_rate: u32,
}

fn bad(message: impl Into<String>) -> CliError {
    CliError::new(
        exit::BAD_INPUT,
        format!("{} (nothing was sent)", message.into()),
    )
}

/// Checks one region id of `flag` against the DTS regions.
fn check_region(flag: &str, r: &str) -> Result<(), CliError> {
    if validate_region(r).is_ok() && is_dts_region(r) {
        return Ok(());
    }
    Err(bad(format!(
        "{flag}: {:?} is not a DTS region; allowed: {} (Finance/Gov: {})",
        clean(r),
        public_regions().join(", "),
        crate::api::endpoint::REGIONS
            .iter()
            .map(|(id, _, _)| *id)
            .filter(|id| !public_regions().contains(id))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// The regions named by `--regions` / `--all-regions` (checked, in order, once each);
/// `None`: the one region of `--region` and the environment.
pub fn named_regions(
    g: &Global,
    regions: &[String],
    all_regions: bool,
) -> Result<Option<Vec<String>>, CliError> {
    if regions.is_empty() && !all_regions {
        if let Some(r) = &g.region {
            check_region("--region", r)?;
        }
        return Ok(None);
    }
    if g.region.is_some() {
        return Err(bad(
            "--region names one region; with --regions or --all-regions leave it out (put it in the list)",
        ));
    }
    if all_regions {
        return Ok(Some(
            public_regions().into_iter().map(str::to_string).collect(),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for r in regions {
        let r = r.trim();
        if r.is_empty() {
            return Err(bad(
                "--regions: an empty region name; allowed: region ids separated by commas, e.g. cn-hangzhou,cn-shanghai",
            ));
        }
        check_region("--regions", r)?;
        if !out.iter().any(|x| x == r) {
            out.push(r.to_string());
        }
    }
    Ok(Some(out))
}

pub async fn run(g: &Global, a: &FindArgs) -> Result<i32, CliError> {
    let query = Query::new(a.ip.as_deref(), a.instance_id.as_deref(), a.port.as_deref()).map_err(
        |errors| {
            let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
            CliError::new(
                exit::BAD_INPUT,
                format!("invalid input (nothing was sent):\n{}", lines.join("\n")),
            )
        },
    )?;
    let named = named_regions(g, &a.regions, a.all_regions)?;
    let ctx = context::build(g).await?;
    let regions = match named {
        Some(r) => r,
        None => {
            check_region("--region", &ctx.region)?;
            vec![ctx.region.clone()]
        }
    };
    let targets = region_clients(g, &ctx, &regions)?;
    let show = g.output == OutputFormat::Text && std::io::stderr().is_terminal();
    let report = search(&query, targets, a.dts_jobs_rate, show).await;
    match g.output {
        OutputFormat::Json => {
            print_json(&report_json(&query, &report));
            for r in report.regions.iter().filter(|r| !r.complete()) {
                errln!("{}", region_problem_line(r));
            }
        }
        OutputFormat::Markdown => out!("{}", markdown(&query, &report)),
        OutputFormat::Text => {
            outln!("{}", header(&ctx, &regions));
            out!("{}", text(&query, &report, width()));
        }
    }
    Ok(exit_code(&report))
}

/// Each region's client: its own host (`dts.<region>.aliyuncs.com`) and RegionId; a
/// simulator (or any endpoint given) serves every region at its one address.
pub fn region_clients(
    g: &Global,
    ctx: &Ctx,
    regions: &[String],
) -> Result<Vec<(String, crate::domain::service::Port)>, CliError> {
    let fixed = ctx.demo.is_some() || g.endpoint.is_some();
    let mut targets = Vec::new();
    for r in regions {
        let endpoint = if fixed {
            None
        } else {
            Some(context::parse_endpoint(&default_endpoint(r))?)
        };
        targets.push((r.clone(), ctx.client.with_region(r, endpoint).port()));
    }
    Ok(targets)
}

/// Searches `regions` with a line of progress on a terminal's stderr.
pub async fn search(
    query: &Query,
    targets: Vec<(String, crate::domain::service::Port)>,
    rate: u32,
    show: bool,
) -> FindReport {
    let opts = ListOptions {
        keep_raw: false,
        dts_jobs_per_second: Some(rate as f64),
        ..ListOptions::default()
    };
    let total = targets.len();
    let mut done = 0usize;
    let report = find::search_regions(
        query,
        targets,
        &opts,
        find::DEFAULT_REGIONS_IN_FLIGHT,
        |r| {
            done += 1;
            if show {
                errout!(
                    "\r\x1b[2Ksearching {total} region(s): {done} done ({} {})",
                    clean(&r.region),
                    if r.error.is_some() {
                        "failed".to_string()
                    } else {
                        format!("{} jobs", r.jobs)
                    }
                );
            }
        },
    )
    .await;
    if show {
        errout!("\r\x1b[2K");
    }
    report
}

/// 0 when every region was searched (matches or none: "nothing uses it" is an answer);
/// 2 when no region could be searched for bad credentials; else 1 when any region
/// failed or was searched only in part.
fn exit_code(report: &FindReport) -> i32 {
    if report.complete() {
        exit::OK
    } else if report.regions.iter().all(|r| {
        r.error
            .as_ref()
            .is_some_and(|e| e.kind() == ErrorKind::BadCredentials)
    }) {
        exit::BAD_INPUT
    } else {
        exit::FAILED
    }
}

fn width() -> usize {
    if std::io::stdout().is_terminal() {
        ratatui::crossterm::terminal::size()
            .map(|(w, _)| w as usize)
            .unwrap_or(80)
    } else {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(80)
    }
}

/// The banner, naming the regions searched.
fn header(ctx: &Ctx, regions: &[String]) -> String {
    let b = ctx.banner();
    let one = format!(" · region {} · ", ctx.region);
    let all = match regions {
        [r] => format!(" · region {} · ", clean(r)),
        _ => format!(" · {} regions · ", regions.len()),
    };
    b.replacen(&one, &all, 1)
}

pub fn side_word(s: Side) -> &'static str {
    match s {
        Side::Source => "source",
        Side::Destination => "destination",
    }
}

fn database_word(m: &Match) -> &'static str {
    match m.usage.database.as_slice() {
        [s] => side_word(*s),
        _ => "both",
    }
}

/// The old endpoint as listed: `Local 47.98.12.34:3306`, `ECS i-bp1x:3306`,
/// `Express vpc-bp1x 10.0.0.5:3306`.
fn now(m: &Match) -> String {
    m.usage
        .changes
        .first()
        .map(|c| {
            let e = &c.endpoint;
            let mut parts = vec![short_type_label(&e.instance_type).to_string()];
            if !e.ip.is_empty() && !e.instance_id.is_empty() {
                parts.push(e.instance_id.to_string());
            }
            parts.push(e.address());
            parts.retain(|p| !p.is_empty());
            clean(&parts.join(" ")).into_owned()
        })
        .unwrap_or_default()
}

fn pairs(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| format!("{}/{}", c.direction.as_str(), side_word(c.side)))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// `5 regions` or `cn-hangzhou, cn-shanghai`.
fn regions_words(regions: &[&str]) -> String {
    if regions.len() > 4 {
        format!("{} regions", regions.len())
    } else {
        regions
            .iter()
            .map(|r| clean(r).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The count line: `3 jobs use 10.20.30.40:3306 in 2 regions`, or `no job uses … in …`.
pub fn count_line(q: &Query, report: &FindReport) -> String {
    let n = report.matches.len();
    let searched: Vec<&str> = report
        .regions
        .iter()
        .filter(|r| r.error.is_none())
        .map(|r| r.region.as_str())
        .collect();
    let mut line = if n == 0 {
        if searched.is_empty() {
            format!("no region could be searched for {}", q.text())
        } else {
            format!("no job uses {} in {}", q.text(), regions_words(&searched))
        }
    } else {
        let in_regions = report.match_regions().len();
        format!(
            "{n} job{} use{} {} in {in_regions} region{}",
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" },
            q.text(),
            if in_regions == 1 { "" } else { "s" },
        )
    };
    let failed = report.regions.iter().filter(|r| !r.complete()).count();
    if failed > 0 {
        line.push_str(&format!(
            "; {failed} region{} not searched completely (below): the answer may be missing jobs",
            if failed == 1 { "" } else { "s" }
        ));
    }
    line
}

/// What went wrong in a region, on one line plus the service's detail.
pub fn region_problem_line(r: &RegionReport) -> String {
    let (what, e) = match (&r.error, &r.incomplete) {
        (Some(e), _) => ("not searched", e),
        (None, Some(e)) => (
            "searched in part (DescribeDtsJobs could not be read: jobs only the maintained family lists may be missing)",
            e,
        ),
        (None, None) => return String::new(),
    };
    let mut s = format!("error: {}: {what}: {e}", clean(&r.region));
    if let Some(next) = e.next_step() {
        s.push_str(&format!("\n  {next}"));
    }
    s
}

/// The text table: one line per match and an indented line with the pairs to change
/// (a third with the job's other ids, a fourth with a note, when there are some).
pub fn text(q: &Query, report: &FindReport, width: usize) -> String {
    let mut out = String::new();
    let ms = &report.matches;
    if !ms.is_empty() {
        let region_w = ms
            .iter()
            .map(|m| m.region.chars().count())
            .max()
            .unwrap_or(0)
            .max(6);
        // Ids are typed (`--job`): never cut.
        let id_w = ms
            .iter()
            .map(|m| clean(&m.job.id).chars().count())
            .max()
            .unwrap_or(0)
            .max(6);
        let fam_w = ms
            .iter()
            .map(|m| m.job.family_label().len())
            .max()
            .unwrap_or(0)
            .max(6);
        let name_w = width
            .saturating_sub(region_w + id_w + fam_w + 8 + 11 + 10)
            .clamp(10, 40);
        out.push_str(&format!(
            "{}  {}  {}  {}  {}  DATABASE\n",
            fit("REGION", region_w),
            fit("JOB", id_w),
            fit("NAME", name_w),
            fit("FAMILY", fam_w),
            fit("TOPOLOGY", 8),
        ));
        for m in ms {
            let j = &m.job;
            out.push_str(&format!(
                "{}  {}  {}  {}  {}  {}\n",
                fit(&clean(&m.region), region_w),
                fit(&clean(&j.id), id_w),
                fit(&clean(&j.name), name_w),
                fit(j.family_label(), fam_w),
                fit(j.detected_topology().as_str(), 8),
                database_word(m),
            ));
            // Not cut: the pairs and the address are what the reader acts on.
            out.push_str(&format!(
                "    change {} · now {}\n",
                pairs(&m.usage.changes),
                now(m)
            ));
            let ids = j.ids();
            if ids.len() > 1 {
                let others: Vec<String> = ids[1..].iter().map(|i| clean(i).into_owned()).collect();
                out.push_str(&format!("    also {}\n", others.join(", ")));
            }
            if let Some(n) = &m.usage.note {
                out.push_str(&format!("    note: {n}\n"));
            }
        }
    }
    out.push_str(&count_line(q, report));
    out.push('\n');
    for r in report.regions.iter().filter(|r| !r.complete()) {
        out.push_str(&region_problem_line(r));
        out.push('\n');
    }
    if report.matches.iter().any(|m| m.job.family.is_none()) {
        out.push_str(
            "FAMILY ? = both listings show the job: switch --api auto tells by the dry run\n",
        );
    }
    out
}

fn md(s: &str) -> String {
    clean(s).replace('|', "\\|")
}

/// A Markdown table of the matches, the count line, and the regions' problems.
pub fn markdown(q: &Query, report: &FindReport) -> String {
    let mut out = String::new();
    if !report.matches.is_empty() {
        out.push_str("| Region | Job | Name | Family | Topology | Database | Change | Now |\n");
        out.push_str("|---|---|---|---|---|---|---|---|\n");
        for m in &report.matches {
            let j = &m.job;
            let ids: Vec<String> = j.ids().iter().map(|i| format!("`{}`", md(i))).collect();
            let mut change = pairs(&m.usage.changes);
            if let Some(n) = &m.usage.note {
                change.push_str(&format!(" ({})", md(n)));
            }
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                md(&m.region),
                ids.join(" "),
                md(&j.name),
                j.family_label(),
                j.detected_topology().as_str(),
                database_word(m),
                change,
                md(&now(m)),
            ));
        }
        out.push('\n');
    }
    out.push_str(&count_line(q, report));
    out.push('\n');
    for r in report.regions.iter().filter(|r| !r.complete()) {
        out.push_str(&format!(
            "\n- {}\n",
            md(&region_problem_line(r).replace('\n', " "))
        ));
    }
    out
}

fn error_json(e: &ServiceError) -> Value {
    let (code, message) = match (&e.code, &e.message) {
        (Some(code), Some(message)) if e.is_service_answer() => {
            (Some(code.as_str()), message.clone())
        }
        _ => (None, e.to_string()),
    };
    json!({
        "action": e.action(),
        "code": code,
        "message": message,
        "request_id": e.request_id(),
        "next_step": e.next_step(),
    })
}

/// `--output json`: the query, the matches with the same facts as the table, and each
/// region's summary with its error.
pub fn report_json(q: &Query, report: &FindReport) -> Value {
    let matches: Vec<Value> = report
        .matches
        .iter()
        .map(|m| {
            let j = &m.job;
            json!({
                "region": m.region,
                "job": j.id,
                "ids": j.ids(),
                "name": j.name,
                "family": j.family.map(|f| f.as_str()),
                "topology": j.detected_topology().as_str(),
                "status": j.status(),
                "database": database_word(m),
                "changes": m.usage.changes.iter().map(|c| json!({
                    "direction": c.direction.as_str(),
                    "side": side_word(c.side),
                    "endpoint": c.endpoint,
                    "matched_by": c.matched_by,
                })).collect::<Vec<_>>(),
                "note": m.usage.note,
            })
        })
        .collect();
    let regions: Vec<Value> = report
        .regions
        .iter()
        .map(|r| {
            json!({
                "region": r.region,
                "complete": r.complete(),
                "jobs": r.jobs,
                "matches": r.matches,
                "elapsed_ms": r.elapsed.as_millis() as u64,
                "error": r.error.as_ref().map(error_json),
                "incomplete": r.incomplete.as_ref().map(error_json),
            })
        })
        .collect();
    json!({
        "query": {
            "ip": q.ip().map(|i| i.to_string()),
            "instance_id": q.instance_id(),
            "port": q.port(),
            "text": q.text(),
        },
        "count": report.matches.len(),
        "summary": count_line(q, report),
        "matches": matches,
        "regions": regions,
    })
}
