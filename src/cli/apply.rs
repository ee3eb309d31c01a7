//! `dts-switch apply RUNBOOK.toml`: the steps of a runbook file as one batch. The file
//! is read and checked by `domain::runbook` (every error at once, with its line); its
//! steps become the batch's targets, which run as `failover`'s do.

use crate::cli::context;
use crate::cli::failover::{self, BatchArgs, Intro};
use crate::cli::find::region_clients;
use crate::cli::journal_cmds;
use crate::cli::{exit, CliError, Global};
use crate::domain::fleet;
use crate::domain::runbook::{self, FileError};
use crate::text::clean;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// The runbook file (TOML: [[step]] tables; see assets/runbook.example.toml)
    #[arg(value_name = "RUNBOOK.toml")]
    pub file: PathBuf,
    /// The new account's password for steps with `username`, read from the first line of stdin (else DTS_SWITCH_DB_PASSWORD; never in the file)
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub batch: BatchArgs,
}

/// The largest runbook read (a runbook is a few kilobytes).
const MAX_FILE: u64 = 1 << 20;

fn file_errors(path: &str, errors: &[FileError]) -> CliError {
    let lines: Vec<String> = errors
        .iter()
        .map(|e| format!("  {path}:{}: {}", e.line, clean(&e.message)))
        .collect();
    CliError::new(
        exit::BAD_INPUT,
        format!(
            "{path}: {} error{} (nothing was sent):\n{}",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            lines.join("\n")
        ),
    )
}

fn password(a: &ApplyArgs) -> Result<Option<crate::domain::rules::Secret>, CliError> {
    if a.password_stdin {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::stdin().lock(), &mut line).map_err(|e| {
            CliError::new(
                exit::BAD_INPUT,
                format!("--password-stdin: cannot read stdin: {e}"),
            )
        })?;
        let pw = line.trim_end_matches(['\n', '\r']).to_string();
        if pw.is_empty() {
            return Err(CliError::new(
                exit::BAD_INPUT,
                "--password-stdin: the first line of stdin is empty (nothing was sent)",
            ));
        }
        return Ok(Some(crate::domain::rules::Secret::new(pw)));
    }
    Ok(std::env::var("DTS_SWITCH_DB_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
        .map(crate::domain::rules::Secret::new))
}

/// Reads and checks the file (no call at all).
pub fn read(
    path: &std::path::Path,
    pw: Option<&crate::domain::rules::Secret>,
) -> Result<runbook::Runbook, CliError> {
    let shown = clean(&path.display().to_string()).into_owned();
    let meta = std::fs::metadata(path).map_err(|e| {
        CliError::new(
            exit::BAD_INPUT,
            format!("cannot read the runbook {shown}: {e} (nothing was sent)"),
        )
    })?;
    if !meta.is_file() {
        return Err(CliError::new(
            exit::BAD_INPUT,
            format!("the runbook {shown} is not a file (nothing was sent)"),
        ));
    }
    if meta.len() > MAX_FILE {
        return Err(CliError::new(
            exit::BAD_INPUT,
            format!(
                "the runbook {shown} has {} bytes; a runbook is at most 1 MiB (nothing was sent)",
                meta.len()
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        CliError::new(
            exit::BAD_INPUT,
            format!("cannot read the runbook {shown}: {e} (nothing was sent)"),
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = runbook::line_of(
            &String::from_utf8_lossy(&e.as_bytes()[..e.utf8_error().valid_up_to()]),
            usize::MAX,
        );
        CliError::new(
            exit::BAD_INPUT,
            format!("{shown}:{line}: not UTF-8 text (nothing was sent)"),
        )
    })?;
    runbook::parse(&text, pw).map_err(|errs| file_errors(&shown, &errs))
}

pub async fn run(g: &Global, a: &ApplyArgs) -> Result<i32, CliError> {
    if g.read_only {
        return Err(CliError::new(
            exit::BAD_INPUT,
            "--read-only: apply is refused (nothing was sent); `dts-switch find` shows which jobs use a database",
        ));
    }
    let pw = password(a)?;
    let book = read(&a.file, pw.as_ref())?;
    let shown = clean(&a.file.display().to_string()).into_owned();
    failover::check_batch_args(&a.batch, "apply")?;
    let journal = journal_cmds::journal_for(g)?;
    let ctx = context::build(g).await?;
    let regions = book.regions(&ctx.region);
    let clients = region_clients(g, &ctx, &regions)?;
    let show = std::io::IsTerminal::is_terminal(&std::io::stderr());
    if show {
        errout!(
            "reading {} region{} for {}…",
            regions.len(),
            if regions.len() == 1 { "" } else { "s" },
            shown
        );
    }
    let opts = crate::api::listing::ListOptions {
        keep_raw: false,
        dts_jobs_per_second: Some(crate::domain::find::DTS_JOBS_PER_SECOND as f64),
        ..Default::default()
    };
    let listed = runbook::list_regions(clients, &opts).await;
    if show {
        errout!("\r\x1b[2K");
    }
    let resolved = runbook::resolve(&book, &ctx.region, &listed);
    if !resolved.region_problems.is_empty() {
        for (line, p) in &resolved.region_problems {
            errln!("  {shown}:{line}: {}", clean(p));
        }
        if !resolved.errors.is_empty() {
            errln!("{}", file_errors(&shown, &resolved.errors).message);
        }
        errln!("A region could not be read completely, so the runbook cannot be checked: nothing was sent. Retry, or fix the region in the file.");
        return Ok(exit::FAILED);
    }
    if !resolved.errors.is_empty() {
        return Err(file_errors(&shown, &resolved.errors));
    }
    let targets = failover::admitted(
        g,
        fleet::admit(resolved.targets.into_iter().map(Ok).collect(), &journal),
        "take their steps out of the file, or settle them first",
    )?;
    let (jobs, finds) = book.step_counts();
    let title = match &book.title {
        Some(t) => format!("Runbook {shown} ({})", clean(t)),
        None => format!("Runbook {shown}"),
    };
    let intro = Intro {
        title: format!(
            "{title}: {} step{} ({jobs} job, {finds} find)",
            book.steps.len(),
            if book.steps.len() == 1 { "" } else { "s" }
        ),
        key: "runbook",
        value: a.file.display().to_string(),
        failback: true,
        command: "apply",
    };
    let parallel = a
        .batch
        .parallel
        .map(|p| p as usize)
        .or(book.parallel)
        .unwrap_or(fleet::DEFAULT_PARALLEL);
    failover::run_targets(g, &ctx, journal, targets, &intro, &a.batch, parallel).await
}
