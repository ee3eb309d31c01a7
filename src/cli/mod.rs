//! The command line: flags, subcommands, exit codes.

// Printing that never panics: a closed pipe (`dts-switch jobs | head`) or a vanished
// terminal must not abort a switch that is being followed and journalled.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($t)*);
    }};
}
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($t)*);
    }};
}
macro_rules! errout {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let mut e = std::io::stderr().lock();
        let _ = write!(e, $($t)*);
        let _ = e.flush();
    }};
}
macro_rules! errln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($t)*);
    }};
}

pub mod apply;
pub mod args;
pub mod commands;
pub mod context;
pub mod failover;
pub mod find;
pub mod flow;
pub mod journal_cmds;
pub mod logging;
pub mod output;
pub mod shell;

use crate::domain::plan::{Direction, Side};
use crate::domain::rules::InstanceType;
use crate::domain::Topology;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::time::Duration;

/// Exit codes (README "Exit codes").
pub mod exit {
    pub const OK: i32 = 0;
    /// The service refused, or a task failed.
    pub const FAILED: i32 = 1;
    /// Bad input or bad credentials; nothing mutating was sent.
    pub const BAD_INPUT: i32 = 2;
    /// A switch may have executed, but no answer says so.
    pub const UNKNOWN: i32 = 3;
    /// Switched, but the job was not verified healthy afterwards (it failed after the
    /// switch, or the deadline passed).
    pub const NOT_HEALTHY: i32 = 4;

    use crate::domain::executor::CallOutcome;

    /// Exit code for a set of outcomes: 3 when any outcome is unknown (or the journal could
    /// not record one), 2 when refused for bad credentials or by the journal guard, 1 when
    /// any call was refused or failed, else 0 (see [`crate::present::exit_of_calls`]).
    pub fn of_calls(outcomes: &[CallOutcome]) -> i32 {
        crate::present::exit_of_calls(outcomes)
    }
}

/// Watching the job after the switch (`domain::verify`).
#[derive(Args, Debug, Clone)]
pub struct VerifyArgs {
    /// Do not watch the job after the switch (the verdict is journalled as skipped)
    #[arg(long)]
    pub no_verify: bool,
    /// After the switch, a delay under this is healthy
    #[arg(long, default_value = "60s", value_parser = parse_duration, value_name = "DURATION")]
    pub healthy_delay: Duration,
    /// After the switch, give a verdict after this long at the latest
    #[arg(long, default_value = "10m", value_parser = parse_duration, value_name = "DURATION")]
    pub verify_timeout: Duration,
}

#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub message: String,
}

impl CliError {
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        CliError {
            code,
            message: message.into(),
        }
    }
}

/// The version with the git commit and the build date (see build.rs).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("DTS_SWITCH_GIT_COMMIT"),
    ", built ",
    env!("DTS_SWITCH_BUILD_DATE"),
    ")"
);

#[derive(Parser, Debug)]
#[command(
    name = "dts-switch",
    version = VERSION,
    about = "Switch Alibaba Cloud DTS synchronization endpoints after a database failover, safely",
    long_about = "Switch Alibaba Cloud DTS synchronization endpoints after a database failover, safely.\n\nLists the synchronization jobs of one or more regions, plans the calls a failover needs per job (SwitchSynchronizationEndpoint for legacy jobs, ModifyDtsJobEndpoint with a server-side dry run first for new-version ones; two calls for a two-way job), asks for confirmation, sends each once, follows it to its end and verifies the job is replicating again.\n\nWith no subcommand it opens the interactive TUI. Try it with no cloud account: dts-switch --demo",
    after_help = "Exit codes: 0 success · 1 the service refused or a task failed · 2 bad input or bad credentials (nothing mutating sent) · 3 outcome unknown (a switch may have executed; check before resending) · 4 switched, but the job was not verified healthy afterwards"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Profile of the aliyun CLI config file (~/.aliyun/config.json) to take credentials from
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Region of the DTS jobs (default: ALIBABA_CLOUD_REGION_ID, the profile's region, cn-hangzhou)
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// API endpoint URL, e.g. http://127.0.0.1:8080 for a simulator (default: https://dts.<region>.aliyuncs.com)
    #[arg(long, global = true, env = "DTS_SWITCH_ENDPOINT", value_name = "URL")]
    pub endpoint: Option<String>,
    /// Run against a built-in simulator with demo data (no cloud account needed)
    #[arg(long, global = true)]
    pub demo: bool,
    /// Hide and refuse every action that changes anything (TUI, switch, resume)
    #[arg(long, global = true)]
    pub read_only: bool,
    /// No colours (also set by the NO_COLOR environment variable)
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Output format
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// The write-ahead journal of switches (default: <data dir>/journal.jsonl)
    #[arg(long, global = true, env = "DTS_SWITCH_JOURNAL", value_name = "PATH")]
    pub journal: Option<std::path::PathBuf>,
    /// Timeout of one API request, connection included (e.g. 20s, 1m)
    #[arg(long, global = true, default_value = "20s", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Duration,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
    /// Markdown tables (jobs, find, plan, history; switch, status, resume and the TUI refuse it)
    Markdown,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the region's synchronization jobs of both API families (or one job's details with --job)
    #[command(
        after_help = "Examples:\n  dts-switch jobs --region cn-hangzhou\n  dts-switch jobs --filter mysql --sort delay\n  dts-switch jobs --job dtsa1b2c3d4e5f6g01 --output json"
    )]
    Jobs(JobsArgs),
    /// Print the call(s) `switch` would send, in order, with the dry runs of a new-version job; changes nothing
    #[command(
        after_help = "Examples:\n  dts-switch plan --job dtsa1b2c3d4e5f6g01 --database destination \\\n      --instance-type ECS --instance-id i-bp1newdb0001 --port 3306\n  dts-switch plan --job w2e3r4t5y6u7i02 --database destination \\\n      --instance-type other --ip 47.96.33.99 --port 3306 --output json"
    )]
    Plan(SwitchArgs),
    /// Validate, preview (with dry runs for new-version jobs), confirm, send the call(s), follow them and verify the job
    #[command(
        after_help = "Examples:\n  dts-switch switch --job dtsb8c7d6e5f4g3h02 --database source \\\n      --instance-type Express --instance-id vpc-bp1core0001 \\\n      --ip 10.20.1.99 --port 5432\n  dts-switch switch --job q1w2e3r4t5y6u01 --database source \\\n      --instance-type ecs --instance-id i-bp1new0001 --port 3306 --dry-run\n  dts-switch switch --job w2e3r4t5y6u7i02 --database destination \\\n      --instance-type other --ip 47.96.33.99 --port 3306 --yes\n\nExit codes: 0 done and healthy · 1 refused, dry run failed, failed, or changed since the plan · 2 bad input (nothing sent) · 3 outcome unknown (check before resending) · 4 switched but not healthy"
    )]
    Switch(SwitchCmd),
    /// Which jobs use a database (by IP, instance id, port), in one region or several, and what its failover must change
    #[command(
        after_help = "Examples:\n  dts-switch find --ip 10.20.1.15 --port 3306\n  dts-switch find --instance-id i-bp1olddb0001 --regions cn-hangzhou,cn-shanghai\n  dts-switch find --ip 10.20.1.15 --all-regions --output json"
    )]
    Find(find::FindArgs),
    /// Fail over every job that uses the old database: find them (one region or several), plan every call, preview, confirm once, switch them a few at a time, verify each
    #[command(
        after_help = "Examples:\n  dts-switch failover --from-ip 10.20.30.40 --from-port 3306 \\\n      --regions cn-hangzhou,cn-shanghai \\\n      --instance-type LocalInstance --ip 10.20.30.41 --port 3306 --dry-run\n  dts-switch failover --from-instance-id i-bp1olddb0001 --all-regions \\\n      --instance-type ECS --instance-id i-bp1newdb0001 --port 3306 --yes\n  dts-switch failover --from-ip 10.20.30.40 --exclude dtsfa04hz0000leg04 \\\n      --instance-type other --ip 10.20.30.41 --port 3306 --parallel 8\n\nExit codes: 0 every job switched and healthy · 1 a dry run failed, a job failed, was refused or not sent, or nothing uses the database · 2 bad input (nothing sent) · 3 an outcome is unknown (check before resending) · 4 switched, but a job is not healthy"
    )]
    Failover(failover::FailoverArgs),
    /// Run a runbook file: its steps (single jobs, or every job a find query finds) checked all at once, then one batch like `failover`
    #[command(
        after_help = "Examples:\n  dts-switch apply failover.toml --dry-run\n  dts-switch apply failover.toml --yes --parallel 8\n  dts-switch apply ~/.local/state/dts-switch/failback-2a3467d7.toml --dry-run\n\nThe file: [[step]] tables, each `job` + `database` (+ `region`), or `from_ip` / `from_instance_id` / `from_port` (+ `regions`), with the new endpoint named as switch's flags (instance_type, instance_id, ip, port, ...). See assets/runbook.example.toml.\n\nExit codes: 0 every job switched and healthy · 1 a dry run failed, a job failed, was refused or not sent · 2 an error in the file or bad input (nothing sent) · 3 an outcome is unknown (check before resending) · 4 switched, but a job is not healthy"
    )]
    Apply(apply::ApplyArgs),
    /// Show the status of legacy switch tasks (TaskIds)
    #[command(
        after_help = "Examples:\n  dts-switch status 730001\n  dts-switch status 730001 730002 --watch"
    )]
    Status(StatusArgs),
    /// Follow switches an earlier run left unfinished; offer to send a two-way plan's second call
    #[command(
        after_help = "Examples:\n  dts-switch resume\n  dts-switch resume --batch 2a3467d7 --yes\n  dts-switch resume --dismiss 5d812d07"
    )]
    Resume(ResumeArgs),
    /// Print the transcript of the switches in the journal (for an incident ticket)
    #[command(
        after_help = "Examples:\n  dts-switch history --last 5\n  dts-switch history --batch 2a3467d7 --output markdown\n  dts-switch history --job dtsa1b2c3d4e5f6g01 --output markdown"
    )]
    History(HistoryArgs),
    /// Run the simulator as a local HTTP server and print how to point dts-switch at it
    #[command(
        after_help = "Examples:\n  dts-switch simulate --listen 127.0.0.1:8080\n  dts-switch simulate --drop-modify-answer --fail-after-switch"
    )]
    Simulate(SimulateArgs),
    /// Print a shell completion script, e.g. dts-switch completions bash > /etc/bash_completion.d/dts-switch
    #[command(
        after_help = "Examples:\n  dts-switch completions bash > /etc/bash_completion.d/dts-switch\n  dts-switch completions zsh > ~/.zfunc/_dts-switch\n  dts-switch completions fish > ~/.config/fish/completions/dts-switch.fish"
    )]
    Completions(CompletionsArgs),
    /// Print the man page (roff), e.g. dts-switch man > /usr/local/share/man/man1/dts-switch.1
    #[command(
        after_help = "Examples:\n  dts-switch man > /usr/local/share/man/man1/dts-switch.1\n  dts-switch man --dir /usr/local/share/man/man1"
    )]
    Man(ManArgs),
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write the pages of dts-switch and of each subcommand (dts-switch-switch.1, …) into DIR instead
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub struct JobsArgs {
    /// Show one job in detail, read live with DescribeSynchronizationJobStatus
    #[arg(long, value_name = "ID")]
    pub job: Option<String>,
    /// Only jobs whose id, name, status or address contains TEXT (case-insensitive)
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Sort order of the table
    #[arg(long, value_enum, default_value_t = SortKey::Listing)]
    pub sort: SortKey,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// As the service lists them
    Listing,
    Id,
    Name,
    Status,
    /// Largest delay first
    Delay,
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    match humantime::parse_duration(s) {
        Ok(d) if d.is_zero() => Err("must be more than 0; examples: 500ms, 5s, 2m".into()),
        Ok(d) => Ok(d),
        Err(e) => Err(format!("{e}; examples: 500ms, 5s, 2m")),
    }
}
fn parse_side(s: &str) -> Result<Side, String> {
    s.parse()
}
fn parse_type(s: &str) -> Result<InstanceType, String> {
    s.parse()
}
fn parse_direction(s: &str) -> Result<Direction, String> {
    s.parse()
}
fn parse_topology(s: &str) -> Result<Topology, String> {
    s.parse()
}
fn parse_api(s: &str) -> Result<crate::domain::family::ApiChoice, String> {
    s.parse()
}
fn parse_task_id_shape(s: &str) -> Result<crate::sim::TaskIdShape, String> {
    s.parse()
}

#[derive(Args, Debug, Clone)]
pub struct SwitchArgs {
    /// The job: any of its ids (legacy SynchronizationJobId, DtsInstanceID, or either direction's DtsJobId), e.g. dtsa1b2c3d4e5f6g01
    #[arg(long, value_name = "ID")]
    pub job: String,
    /// Which database was switched over, named as in the forward direction
    #[arg(long, value_parser = parse_side, value_name = "source|destination")]
    pub database: Side,
    /// Send only the call of this direction (e.g. to redo the second call of a two-way job)
    #[arg(long, value_parser = parse_direction, value_name = "forward|reverse")]
    pub only_direction: Option<Direction>,
    /// Override the topology the service shows (you know what you built)
    #[arg(long, value_parser = parse_topology, value_name = "one-way|two-way")]
    pub topology: Option<Topology>,
    #[command(flatten)]
    pub new: NewEndpointArgs,
}

/// The new endpoint, as `switch` and `failover` take it (validated by the rules table).
#[derive(Args, Debug, Clone)]
pub struct NewEndpointArgs {
    /// How DTS reaches the new database, in either vocabulary (any case): LocalInstance (= other), ECS (= ecs), Express (= express); new-version jobs also take rds, polardb, mongodb, distributed_mongodb, greenplum, kafka
    #[arg(long, value_parser = parse_type, value_name = "TYPE")]
    pub instance_type: InstanceType,
    /// ECS instance id (i-…) for ECS, VPC id (vpc-…) for Express, the instance id (rm-…, pc-…, dds-…) for the managed types; optional for LocalInstance
    #[arg(long, value_name = "ID")]
    pub instance_id: Option<String>,
    /// The new database's port (1-65535): required for LocalInstance, ECS, Express; optional for the managed types
    #[arg(long, value_name = "N")]
    pub port: Option<String>,
    /// The new database's IP address (LocalInstance and Express; not used with ECS)
    #[arg(long, value_name = "ADDR")]
    pub ip: Option<String>,
    /// Cross-account: the Alibaba Cloud account id that owns the source (with --role)
    #[arg(long, value_name = "ID")]
    pub owner_id: Option<String>,
    /// Cross-account: the RAM role authorised for the destination account (with --owner-id)
    #[arg(long, value_name = "NAME")]
    pub role: Option<String>,
    /// Which DTS API: auto (ModifyDtsJobEndpoint wherever its dry run accepts the change, SwitchSynchronizationEndpoint only for a job it refuses as unsupported or does not know), legacy, maintained
    #[arg(long, value_parser = parse_api, default_value = "auto", value_name = "auto|legacy|maintained")]
    pub api: crate::domain::family::ApiChoice,
    /// New-version jobs: the database name (PostgreSQL, PolarDB for PostgreSQL, AnalyticDB for PostgreSQL; the authentication database for MongoDB)
    #[arg(long, value_name = "NAME")]
    pub database_name: Option<String>,
    /// New-version jobs: the region of the new database (EndpointRegionId)
    #[arg(long, value_name = "REGION")]
    pub endpoint_region: Option<String>,
    /// New-version jobs: change the database account to this user; the password comes from --password-stdin or DTS_SWITCH_DB_PASSWORD (never a flag)
    #[arg(long, value_name = "USER")]
    pub username: Option<String>,
    /// Read the new account's password from the first line of stdin (with --username)
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Args, Debug)]
pub struct SwitchCmd {
    #[command(flatten)]
    pub args: SwitchArgs,
    /// Do not ask for confirmation (required when stdin is not a terminal)
    #[arg(long)]
    pub yes: bool,
    /// Do not follow the last task to its end (the first task of a two-way plan is always followed)
    #[arg(long)]
    pub no_wait: bool,
    /// Stop after the server-side dry runs (ModifyDtsJobEndpoint DryRun=true): exit 0 when all pass, 1 otherwise; nothing is changed
    #[arg(long)]
    pub dry_run: bool,
    /// First interval between status polls (default 5s; 1s with --demo)
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub poll_interval: Option<Duration>,
    /// Stop following a task after this long; it goes on in the service
    #[arg(long, default_value = "10m", value_parser = parse_duration, value_name = "DURATION")]
    pub wait_timeout: Duration,
    #[command(flatten)]
    pub verify: VerifyArgs,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Switch task ids (TaskId from SwitchSynchronizationEndpoint)
    #[arg(required = true, value_name = "TASK_ID")]
    pub task_ids: Vec<String>,
    /// Follow the tasks until they end
    #[arg(long)]
    pub watch: bool,
    /// First interval between polls with --watch (default 5s; 1s with --demo)
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub poll_interval: Option<Duration>,
    /// Stop watching after this long
    #[arg(long, default_value = "10m", value_parser = parse_duration, value_name = "DURATION")]
    pub wait_timeout: Duration,
}

#[derive(Args, Debug)]
pub struct ResumeArgs {
    /// Send a pending second call without asking (required when stdin is not a terminal)
    #[arg(long)]
    pub yes: bool,
    /// Only the jobs of this batch (its id, or its first 6+ characters), including those a stopped batch never began
    #[arg(long, value_name = "BATCH_ID")]
    pub batch: Option<String>,
    /// Take a plan off the pending list after you checked it by hand (its id, or a prefix of at least 6 characters that names one plan)
    #[arg(long, value_name = "PLAN_ID")]
    pub dismiss: Option<String>,
    /// Accept journal lines that cannot be read, after you looked at them (`history` shows them); they stop blocking switches
    #[arg(long)]
    pub accept_damaged: bool,
    /// First interval between status polls (default 5s)
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub poll_interval: Option<Duration>,
    /// Stop following a task after this long
    #[arg(long, default_value = "10m", value_parser = parse_duration, value_name = "DURATION")]
    pub wait_timeout: Duration,
    #[command(flatten)]
    pub verify: VerifyArgs,
}

#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// Only switches of this job
    #[arg(long, value_name = "ID")]
    pub job: Option<String>,
    /// Only the jobs of this batch (its id, or its first 6+ characters): with --output markdown, the incident ticket's table
    #[arg(long, value_name = "BATCH_ID")]
    pub batch: Option<String>,
    /// Only the last N switches
    #[arg(long, value_name = "N")]
    pub last: Option<usize>,
}

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Loopback address to listen on (port 0 picks a free port)
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR:PORT")]
    pub listen: SocketAddr,
    /// Number of legacy jobs (the 12 demo jobs first, then generated ones)
    #[arg(long, default_value_t = 12, value_name = "N")]
    pub jobs: usize,
    /// Generated maintained (DtsJobId) jobs to add after the 7 maintained demo jobs
    /// (every --two-way-every-th two-way)
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub maintained_jobs: usize,
    /// Time a switch task spends in each of NotStarted, Initializing, Switching
    #[arg(long, default_value = "1500ms", value_parser = parse_duration, value_name = "DURATION")]
    pub step: Duration,
    /// Fault: answer the first N requests with Throttling.User
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub throttle: u32,
    /// Fault: answer the next N requests with HTTP 503 ServiceUnavailable
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub server_errors: u32,
    /// Fault: answer the next N successful requests with a malformed body
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub malformed: u32,
    /// Fault: delay every answer by this much (e.g. 30s)
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub delay: Option<Duration>,
    /// Fault: execute each switch, then close the connection without answering
    #[arg(long)]
    pub drop_switch_answer: bool,
    /// Fault: after a switch or an endpoint change the job stays Failed (it cannot reach the new endpoint)
    #[arg(long)]
    pub fail_after_switch: bool,
    /// Fault: execute each ModifyDtsJobEndpoint (not a dry run), then close the connection without answering
    #[arg(long)]
    pub drop_modify_answer: bool,
    /// Fault: ModifyDtsJobEndpoint's connectivity check fails on every job (dry run or not)
    #[arg(long)]
    pub dry_run_fails: bool,
    /// Fault: after a ModifyDtsJobEndpoint the direction stays Modifying forever
    #[arg(long)]
    pub stuck_after_modify: bool,
    /// Apply --throttle, --server-errors, --malformed, --delay and --pad-answer only to this action
    #[arg(long, value_name = "ACTION")]
    pub fault_action: Option<String>,
    /// Fault: execute each switch, then answer Success without a usable TaskId
    /// (absent, null, empty, object, array)
    #[arg(long, value_name = "SHAPE", num_args = 0..=1, default_missing_value = "absent", value_parser = parse_task_id_shape)]
    pub switch_without_task_id: Option<crate::sim::TaskIdShape>,
    /// Fault: execute each switch, then answer HTTP 200 Success false with this ErrCode
    #[arg(long, value_name = "CODE", num_args = 0..=1, default_missing_value = "InternalError")]
    pub switch_error_after_execute: Option<String>,
    /// Fault: execute each switch, then answer with a proxy's HTML page of this HTTP status
    #[arg(long, value_name = "STATUS", num_args = 0..=1, default_missing_value = "404", value_parser = clap::value_parser!(u16).range(400..600))]
    pub switch_html_page: Option<u16>,
    /// Fault: pad every successful answer with this many bytes (e.g. 20000000 passes the 16 MiB limit)
    #[arg(long, default_value_t = 0, value_name = "BYTES")]
    pub pad_answer: usize,
    /// Quirk: echo percent escapes in lowercase (%2f), e.g. in SignatureDoesNotMatch's string-to-sign
    #[arg(long)]
    pub lowercase_escapes: bool,
    /// Require an STS security token (prints one with the demo credentials)
    #[arg(long)]
    pub sts: bool,
    /// Lifetime of the role credentials it issues (AssumeRole, AssumeRoleWithOIDC, ECS metadata)
    #[arg(long, default_value = "1h", value_parser = parse_duration, value_name = "DURATION")]
    pub sts_expiry: Duration,
    /// Add this much to every answer, like a real network and service (e.g. 50ms)
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub latency: Option<Duration>,
    /// Make every N-th generated job two-way (default: about one in seven)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub two_way_every: Option<u64>,
    /// What the listing's TotalRecordCount counts: instances (as the API reference says;
    /// a two-way job has two entries) or entries
    #[arg(long, value_enum, default_value_t = TotalCounts::Instances)]
    pub total_counts: TotalCounts,
    /// List two-way jobs by their Forward entry only (two-way shows only in DescribeDtsJobs)
    #[arg(long)]
    pub no_reverse_entries: bool,
    /// Refuse DescribeDtsJobs with Forbidden.RAM (a RAM user without that permission)
    #[arg(long)]
    pub forbid_dts_jobs: bool,
    /// Also serve twelve jobs behind one database (10.20.30.40:3306) in cn-hangzhou and cn-shanghai, for `failover` (one task fails, one answer is dropped, one job changes meanwhile)
    #[arg(long)]
    pub fleet: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotalCounts {
    Instances,
    Entries,
}

/// Parses arguments, runs the command, returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::BAD_INPUT
            } else {
                exit::OK
            };
            let _ = e.print();
            return code;
        }
    };
    logging::init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            return exit::FAILED;
        }
    };
    let code = rt.block_on(async move {
        match commands::run(cli).await {
            Ok(code) => code,
            Err(e) => {
                errln!("error: {}", e.message);
                tracing::warn!(code = e.code, "command failed");
                e.code
            }
        }
    });
    rt.shutdown_timeout(Duration::from_millis(200));
    journal_cmds::remove_demo_journal();
    // The logging keeps quiet about a log it cannot write (it would print behind a
    // TUI): said here once, after the run (the TUI says it in its status line).
    if let Some(e) = logging::take_failure() {
        errln!("warning: the log file could not be written ({e}); this run is missing from it");
    }
    code
}
