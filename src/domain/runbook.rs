//! Runbook files: a TOML file of `[[step]]` tables, each one job (`job`, `database`,
//! optional `region`) or a find query (`from_ip`, `from_port`, `from_instance_id`,
//! `regions`), with the new endpoint's fields named as `switch`'s flags. [`parse`]
//! checks the whole file at once (every error with its line); [`resolve`] reads the
//! regions the file names and turns its steps into the batch's targets (a step whose
//! job does not exist, or whose query finds nothing, is an error of the file too);
//! [`failback`] writes the file that takes a batch's jobs back.
//!
//! The toml crate's own parser (with spans) reads the file; this module only walks the
//! table it returns, so every value keeps its line.

use crate::domain::call::ApiChoice;
use crate::domain::call::{Direction, Side, SwitchRequest};
use crate::domain::executor::Outcome;
use crate::domain::find::{self, Query};
use crate::domain::fleet::{self, Target};
use crate::domain::job::Job;
use crate::domain::listed::ListOptions;
use crate::domain::rules::{
    self, EndpointInput, InstanceType, MaintainedExtras, Secret, ValidEndpoint,
};
use crate::domain::service::Port;
use crate::domain::Topology;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// One error of the file: where, and what is wrong (naming the field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// What a step changes: one job, or every job a query finds.
#[derive(Debug, Clone)]
pub enum StepKind {
    Job {
        job: String,
        database: Side,
        /// The region the job is in; the file's `region`, else the command's, when absent.
        region: Option<String>,
        /// The old endpoint the job must use on that side (`from_ip`, …), when named.
        expect: Option<Query>,
    },
    Find {
        query: Query,
        /// Empty: the file's `region`, else the command's.
        regions: Vec<String>,
    },
}

/// One `[[step]]`, checked.
#[derive(Debug, Clone)]
pub struct Step {
    /// The line of its `[[step]]` header.
    pub line: usize,
    pub kind: StepKind,
    pub endpoint: ValidEndpoint,
    pub expect_topology: Option<Topology>,
    pub api: ApiChoice,
    /// Only this direction of a two-way job (a job step; a failback of one direction).
    pub direction: Option<Direction>,
    /// The line of each field of the step.
    pub field_lines: Vec<(String, usize)>,
}

impl Step {
    /// The line of the first of `keys` the step has, else of its `[[step]]` header.
    pub fn line_of(&self, keys: &[&str]) -> usize {
        keys.iter()
            .find_map(|k| {
                self.field_lines
                    .iter()
                    .find(|(f, _)| f == k)
                    .map(|(_, l)| *l)
            })
            .unwrap_or(self.line)
    }
}

/// A checked runbook.
#[derive(Debug, Clone)]
pub struct Runbook {
    pub title: Option<String>,
    pub parallel: Option<usize>,
    /// The default region of its steps.
    pub region: Option<String>,
    pub steps: Vec<Step>,
}

const TOP_KEYS: &[&str] = &["title", "parallel", "region", "step"];
const STEP_KEYS: &[&str] = &[
    "job",
    "database",
    "region",
    "regions",
    "direction",
    "from_ip",
    "from_port",
    "from_instance_id",
    "instance_type",
    "instance_id",
    "ip",
    "port",
    "owner_id",
    "role",
    "database_name",
    "endpoint_region",
    "username",
    "expect_topology",
    "api",
    "note",
];

/// The 1-based line of byte `offset` of `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The start of every line of a text: a byte offset's line by binary search.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut v = vec![0];
        v.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex(v)
    }
    /// The 1-based line of byte `offset`.
    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|s| *s <= offset)
    }
}

struct Fields<'a, 'e, 'i> {
    idx: &'a LineIndex,
    table: &'a DeTable<'i>,
    line: usize,
    errors: &'e mut Vec<FileError>,
}

impl<'a, 'i> Fields<'a, '_, 'i> {
    fn get(&self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }
    fn line_of_key(&self, key: &str) -> usize {
        self.get(key)
            .map(|v| self.idx.line(v.span().start))
            .unwrap_or(self.line)
    }
    fn err(&mut self, line: usize, message: String) {
        self.errors.push(FileError { line, message });
    }
    /// A string value (trimmed); an error when it is another type or empty.
    fn string(&mut self, key: &str) -> Option<String> {
        let v = self.get(key)?;
        let line = self.idx.line(v.span().start);
        match v.get_ref() {
            DeValue::String(s) if s.trim().is_empty() => {
                self.err(
                    line,
                    format!("{key}: is empty; leave it out or give a value"),
                );
                None
            }
            DeValue::String(s) => Some(s.trim().to_string()),
            other => {
                self.err(
                    line,
                    format!(
                        "{key}: a string is expected (in quotes), not {}",
                        other.type_str()
                    ),
                );
                None
            }
        }
    }
    /// A string or an integer, as text (ports).
    fn string_or_int(&mut self, key: &str) -> Option<String> {
        let v = self.get(key)?;
        let line = self.idx.line(v.span().start);
        match v.get_ref() {
            DeValue::Integer(i) => Some(i.to_string()),
            DeValue::String(_) => self.string(key),
            other => {
                self.err(
                    line,
                    format!("{key}: a number is expected, not {}", other.type_str()),
                );
                None
            }
        }
    }
    fn parsed<T: std::str::FromStr<Err = String>>(&mut self, key: &str) -> Option<T> {
        let s = self.string(key)?;
        match s.parse::<T>() {
            Ok(v) => Some(v),
            Err(why) => {
                let line = self.line_of_key(key);
                self.err(line, format!("{key}: {}", crate::text::clean(&why)));
                None
            }
        }
    }
    fn region(&mut self, key: &str, s: &str) -> Option<String> {
        if let Err(why) = region_check(s) {
            let line = self.line_of_key(key);
            self.err(line, format!("{key}: {why}"));
            return None;
        }
        Some(s.to_string())
    }
}

/// A DTS region id, or why not (with the closest one when it looks like a typo).
fn region_check(s: &str) -> Result<(), String> {
    use crate::domain::region::{is_dts_region, validate_region, REGIONS};
    if validate_region(s).is_ok() && is_dts_region(s) {
        return Ok(());
    }
    let close = REGIONS
        .iter()
        .map(|(id, _, _)| *id)
        .min_by_key(|id| strsim::levenshtein(id, &s.to_ascii_lowercase()))
        .filter(|id| strsim::levenshtein(id, &s.to_ascii_lowercase()) <= 3)
        .map(|id| format!("; did you mean {id}?"))
        .unwrap_or_else(|| "; e.g. cn-hangzhou, cn-shanghai, ap-southeast-1".into());
    Err(format!(
        "{:?} is not a DTS region{close}",
        crate::text::clean(s)
    ))
}

/// The field of the file a rules-table flag names (`--port` → `port`).
fn field_of_flag(flag: &str) -> String {
    flag.trim_start_matches('-').replace('-', "_")
}

/// Parses and checks a whole runbook: every error at once, by line. `password`: the
/// new account's password for the steps with `username` (from the environment or
/// stdin: never from the file).
pub fn parse(text: &str, password: Option<&Secret>) -> Result<Runbook, Vec<FileError>> {
    let idx = LineIndex::new(text);
    let (root, syntax) = DeTable::parse_recoverable(text);
    let mut errors: Vec<FileError> = syntax
        .iter()
        .map(|e| FileError {
            line: e.span().map(|s| idx.line(s.start)).unwrap_or(1),
            message: format!("not valid TOML: {}", e.message().trim()),
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let root = root.into_inner();
    let mut top = Fields {
        idx: &idx,
        table: &root,
        line: 1,
        errors: &mut errors,
    };
    for (k, v) in root.iter() {
        let key = k.get_ref().as_ref();
        if !TOP_KEYS.contains(&key) {
            let line = idx.line(v.span().start);
            let hint = if STEP_KEYS.contains(&key) {
                " (it belongs in a [[step]] table)".to_string()
            } else {
                String::new()
            };
            top.err(
                line,
                format!(
                    "unknown field `{}`{hint}; a runbook has: {}",
                    crate::text::clean(key),
                    TOP_KEYS.join(", ")
                ),
            );
        }
    }
    let title = top.string("title");
    let region = top.string("region").and_then(|r| top.region("region", &r));
    let parallel = match top.get("parallel") {
        None => None,
        Some(v) => {
            let line = idx.line(v.span().start);
            match v.get_ref() {
                DeValue::Integer(i) => match i.as_str().parse::<i64>() {
                    Ok(n) if (1..=fleet::MAX_PARALLEL as i64).contains(&n) && i.radix() == 10 => {
                        Some(n as usize)
                    }
                    _ => {
                        top.err(
                            line,
                            format!("parallel: {i} is out of range 1-{}", fleet::MAX_PARALLEL),
                        );
                        None
                    }
                },
                other => {
                    top.err(
                        line,
                        format!(
                            "parallel: a number 1-{} is expected, not {}",
                            fleet::MAX_PARALLEL,
                            other.type_str()
                        ),
                    );
                    None
                }
            }
        }
    };
    let step_value = top.get("step");
    let headers: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[step]]"))
        .map(|(i, _)| i + 1)
        .collect();
    let mut steps = Vec::new();
    match step_value {
        None => errors.push(FileError {
            line: 1,
            message: "no [[step]] table: a runbook lists its steps as [[step]] tables (see assets/runbook.example.toml)".into(),
        }),
        Some(v) => match v.get_ref() {
            DeValue::Array(a) if a.iter().all(|t| t.get_ref().is_table()) => {
                for t in a.iter() {
                    let DeValue::Table(table) = t.get_ref() else {
                        continue;
                    };
                    let line = step_line(&idx, t.span().start, &headers);
                    if let Some(s) = parse_step(&idx, table, line, password, &mut errors) {
                        steps.push(s);
                    }
                }
            }
            _ => errors.push(FileError {
                line: idx.line(v.span().start),
                message: "step: write each step as a [[step]] table".into(),
            }),
        },
    }
    if errors.is_empty() {
        Ok(Runbook {
            title,
            parallel,
            region,
            steps,
        })
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// The line of the `[[step]]` header before `offset` (a table's span starts at its
/// first key; the header is the closest `[[step]]` line above it). `headers`: the
/// lines of every `[[step]]` header, in order.
fn step_line(idx: &LineIndex, offset: usize, headers: &[usize]) -> usize {
    let line = idx.line(offset);
    match headers.partition_point(|h| *h <= line) {
        0 => line,
        i => headers[i - 1],
    }
}

fn parse_step(
    idx: &LineIndex,
    table: &DeTable<'_>,
    line: usize,
    password: Option<&Secret>,
    errors: &mut Vec<FileError>,
) -> Option<Step> {
    let before = errors.len();
    let mut f = Fields {
        idx,
        table,
        line,
        errors,
    };
    for (k, v) in table.iter() {
        let key = k.get_ref().as_ref();
        let at = idx.line(v.span().start);
        if key == "password" {
            f.err(at, "password: never in a file; give it in DTS_SWITCH_DB_PASSWORD or with `apply --password-stdin`".into());
        } else if !STEP_KEYS.contains(&key) {
            let close = STEP_KEYS
                .iter()
                .filter(|s| strsim::levenshtein(s, key) <= 2)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .next()
                .unwrap_or_default();
            f.err(
                at,
                format!(
                    "unknown field `{}` in a step{close}; a step has: {}",
                    crate::text::clean(key),
                    STEP_KEYS.join(", ")
                ),
            );
        }
    }
    let _ = f.string("note");
    let job = f.string("job");
    if let Some(j) = &job {
        if let Err(why) = rules::no_inner_space(j) {
            let l = f.line_of_key("job");
            f.err(l, format!("job {}", crate::text::clean(&why)));
        }
    }
    let from_ip = f.string("from_ip");
    let from_port = f.string_or_int("from_port");
    let from_id = f.string("from_instance_id");
    let named_old = f.get("from_ip").is_some()
        || f.get("from_instance_id").is_some()
        || f.get("from_port").is_some();
    let expect = if named_old {
        match Query::new(from_ip.as_deref(), from_id.as_deref(), from_port.as_deref()) {
            Ok(q) => Some(q),
            Err(errs) => {
                for e in errs {
                    let key = match e.flag {
                        "--ip" => "from_ip",
                        "--instance-id" => "from_instance_id",
                        "--port" => "from_port",
                        _ => "from_ip",
                    };
                    let l = f.line_of_key(key);
                    let msg = e
                        .message
                        .replace("--ip ADDR", "from_ip")
                        .replace("--instance-id ID", "from_instance_id")
                        .replace("--port N", "from_port");
                    f.err(l, format!("{key}: {}", crate::text::clean(&msg)));
                }
                None
            }
        }
    } else {
        None
    };
    let database: Option<Side> = f.parsed("database");
    let direction: Option<Direction> = f.parsed("direction");
    let expect_topology: Option<Topology> = f.parsed("expect_topology");
    let api: ApiChoice = f.parsed("api").unwrap_or(ApiChoice::Auto);
    let region = f.string("region").and_then(|r| f.region("region", &r));
    let regions = match f.get("regions") {
        None => Vec::new(),
        Some(v) => {
            let at = idx.line(v.span().start);
            match v.get_ref() {
                DeValue::Array(a) => {
                    let mut out = Vec::new();
                    for r in a.iter() {
                        match r.get_ref().as_str() {
                            Some(s) if region_check(s.trim()).is_ok() => {
                                out.push(s.trim().to_string())
                            }
                            Some(s) => f.err(
                                idx.line(r.span().start),
                                format!("regions: {}", region_check(s.trim()).unwrap_err()),
                            ),
                            None => f.err(
                                idx.line(r.span().start),
                                "regions: each region is a string in quotes".into(),
                            ),
                        }
                    }
                    if a.is_empty() {
                        f.err(
                            at,
                            "regions: is empty; name at least one region, or leave it out".into(),
                        );
                    }
                    out
                }
                _ => {
                    f.err(
                        at,
                        "regions: a list of region ids is expected, e.g. [\"cn-hangzhou\", \"cn-shanghai\"]".into(),
                    );
                    Vec::new()
                }
            }
        }
    };
    // The new endpoint, by the rules table.
    let ty: Option<InstanceType> = if f.get("instance_type").is_none() {
        f.err(
            line,
            "instance_type: is required (the new endpoint's type: LocalInstance, ECS, Express, RDS, …)".into(),
        );
        None
    } else {
        f.parsed("instance_type")
    };
    let mut extra = MaintainedExtras {
        database_name: f.string("database_name"),
        endpoint_region: f
            .string("endpoint_region")
            .and_then(|r| f.region("endpoint_region", &r)),
        username: f.string("username"),
        password: None,
    };
    for key in ["database_name", "username"] {
        let v = if key == "username" {
            &extra.username
        } else {
            &extra.database_name
        };
        if let Some(v) = v {
            if let Err(why) = rules::no_inner_space(v) {
                let l = f.line_of_key(key);
                f.err(l, format!("{key} {}", crate::text::clean(&why)));
            }
        }
    }
    if extra.username.is_some() {
        match password {
            Some(p) => extra.password = Some(p.clone()),
            None => {
                let l = f.line_of_key("username");
                f.err(l, "username: an account change needs its password: give it in DTS_SWITCH_DB_PASSWORD or with `apply --password-stdin` (never in the file)".into());
            }
        }
    }
    let input = EndpointInput {
        instance_id: f.string("instance_id"),
        ip: f.string("ip"),
        port: f.string_or_int("port"),
        owner_id: f.string_or_int("owner_id"),
        role: f.string("role"),
        extra,
    };
    let endpoint = match ty {
        Some(ty) => match rules::validate(ty, &input) {
            Ok(e) => {
                if api == ApiChoice::Legacy {
                    // A find step's side is found per job: the plan checks it then.
                    for l in crate::domain::family::legacy::unsupported(&e, database) {
                        let at = f.line_of_key("api");
                        f.err(at, l.replace("--instance-type", "instance_type"));
                    }
                }
                Some(e)
            }
            Err(errs) => {
                for e in errs {
                    let key = field_of_flag(e.flag);
                    let at = f.line_of_key(&key);
                    f.err(at, format!("{key}: {}", crate::text::clean(&e.message)));
                }
                None
            }
        },
        None => None,
    };
    // What kind of step.
    let kind = match (&job, named_old) {
        (Some(job), _) => {
            if !regions.is_empty() {
                let at = f.line_of_key("regions");
                f.err(
                    at,
                    "regions: is for a find step; a job step names its one `region`".into(),
                );
            }
            if f.get("database").is_none() {
                f.err(line, "database: is required in a job step (source or destination, named as in the Forward direction)".into());
            }
            database.map(|database| StepKind::Job {
                job: job.clone(),
                database,
                region: region.clone(),
                expect: expect.clone(),
            })
        }
        (None, true) => {
            if f.get("database").is_some() {
                let at = f.line_of_key("database");
                f.err(at, "database: a find step finds the side each job uses; leave it out (or name the job with `job`)".into());
            }
            if f.get("direction").is_some() {
                let at = f.line_of_key("direction");
                f.err(
                    at,
                    "direction: is for a job step (name the job with `job`)".into(),
                );
            }
            if region.is_some() && !regions.is_empty() {
                let at = f.line_of_key("region");
                f.err(at, "region: give either region or regions, not both".into());
            }
            if f.get("job").is_none()
                && f.get("from_ip").is_none()
                && f.get("from_instance_id").is_none()
            {
                f.err(line, "from_port alone finds every job on that port: give from_ip or from_instance_id too".into());
            }
            expect.clone().map(|query| StepKind::Find {
                query,
                regions: if regions.is_empty() {
                    region.clone().into_iter().collect()
                } else {
                    regions.clone()
                },
            })
        }
        (None, false) => {
            if f.get("job").is_none() {
                f.err(line, "a step names a job (`job = \"…\"` with `database`) or the old endpoint to find (`from_ip`, `from_instance_id`)".into());
            }
            None
        }
    };
    if errors.len() > before {
        return None;
    }
    let field_lines = table
        .iter()
        .map(|(k, v)| (k.get_ref().to_string(), idx.line(v.span().start)))
        .collect();
    Some(Step {
        line,
        kind: kind?,
        endpoint: endpoint?,
        expect_topology,
        api,
        direction,
        field_lines,
    })
}

impl Runbook {
    /// Every region the file needs listed, `default` for the steps that name none.
    pub fn regions(&self, default: &str) -> Vec<String> {
        let default = self.region.clone().unwrap_or_else(|| default.to_string());
        let mut out: Vec<String> = Vec::new();
        let mut add = |r: &str| {
            if !out.iter().any(|x| x.eq_ignore_ascii_case(r)) {
                out.push(r.to_string());
            }
        };
        for s in &self.steps {
            match &s.kind {
                StepKind::Job { region, .. } => add(region.as_deref().unwrap_or(&default)),
                StepKind::Find { regions, .. } if regions.is_empty() => add(&default),
                StepKind::Find { regions, .. } => regions.iter().for_each(|r| add(r)),
            }
        }
        out
    }

    /// The number of job steps and find steps.
    pub fn step_counts(&self) -> (usize, usize) {
        let jobs = self
            .steps
            .iter()
            .filter(|s| matches!(s.kind, StepKind::Job { .. }))
            .count();
        (jobs, self.steps.len() - jobs)
    }
}

/// A region's listing, for [`resolve`].
pub struct RegionJobs {
    pub region: String,
    pub client: Port,
    /// The jobs, or why the region could not be listed.
    pub jobs: Result<Vec<Job>, crate::domain::service::ServiceError>,
    /// DescribeDtsJobs could not be read: jobs only it shows may be missing.
    pub incomplete: Option<crate::domain::service::ServiceError>,
}

/// Lists each region with both families' listings, a few regions at a time.
pub async fn list_regions(clients: Vec<(String, Port)>, opts: &ListOptions) -> Vec<RegionJobs> {
    let listed = find::per_region(
        &clients,
        find::DEFAULT_REGIONS_IN_FLIGHT,
        |_, client| {
            let opts = opts.clone();
            async move { crate::domain::job::load_jobs_with(&client, &opts, |_| {}).await }
        },
        |_| {},
    )
    .await;
    clients
        .into_iter()
        .zip(listed)
        .map(|((region, client), r)| {
            let (jobs, incomplete) = match r {
                Some(Ok(l)) => (Ok(l.jobs), l.two_way_error),
                Some(Err(e)) => (Err(e), None),
                None => (
                    Err(crate::domain::service::ServiceError::lost(
                        "DescribeSynchronizationJobs",
                        "the listing stopped (internal error)",
                    )),
                    None,
                ),
            };
            RegionJobs {
                region,
                client,
                jobs,
                incomplete,
            }
        })
        .collect()
}

/// What [`resolve`] makes of a file.
#[derive(Default)]
pub struct Resolved {
    pub targets: Vec<Target>,
    /// Errors of the file (exit 2): a job that does not exist, a query that finds
    /// nothing, a job that does not use the endpoint named, a job in two steps.
    pub errors: Vec<FileError>,
    /// Regions that could not be listed (completely): a step there cannot be checked.
    pub region_problems: Vec<(usize, String)>,
}

fn side_word(s: Side) -> &'static str {
    match s {
        Side::Source => "source",
        Side::Destination => "destination",
    }
}

/// The steps' targets, from the regions' listings (`listed`: every region of
/// [`Runbook::regions`]); `default` is the region of steps that name none.
pub fn resolve(book: &Runbook, default: &str, listed: &[RegionJobs]) -> Resolved {
    let default = book.region.clone().unwrap_or_else(|| default.to_string());
    let mut out = Resolved::default();
    let region_of = |r: &str| listed.iter().find(|x| x.region.eq_ignore_ascii_case(r));
    // Which step took each job first (by any of its ids).
    // (region, id without its `dts` prefix, any case) → the line of the step.
    let mut seen: std::collections::HashMap<(String, String), usize> = Default::default();
    let key = |region: &str, id: &str| {
        let id = id.trim().to_ascii_lowercase();
        let id = match id.strip_prefix("dts") {
            Some(rest) if !rest.is_empty() => rest.to_string(),
            _ => id,
        };
        (region.to_ascii_lowercase(), id)
    };
    let origin = |s: &Step| Some(format!("runbook line {}", s.line));
    for step in &book.steps {
        let problem = |out: &mut Resolved, region: &str| -> Option<&[Job]> {
            let Some(r) = region_of(region) else {
                out.region_problems
                    .push((step.line, format!("region {region} was not listed")));
                return None;
            };
            match &r.jobs {
                Ok(jobs) => Some(jobs.as_slice()),
                Err(e) => {
                    out.region_problems.push((
                        step.line,
                        format!(
                            "region {} could not be listed: {}",
                            r.region,
                            crate::text::clean_lines(&e.to_string())
                                .lines()
                                .next()
                                .unwrap_or("")
                        ),
                    ));
                    None
                }
            }
        };
        let mut found: Vec<Target> = Vec::new();
        match &step.kind {
            StepKind::Job {
                job,
                database,
                region,
                expect,
            } => {
                let region = region.clone().unwrap_or_else(|| default.clone());
                let Some(jobs) = problem(&mut out, &region) else {
                    continue;
                };
                let listed = region_of(&region).expect("listed");
                let j = match crate::domain::planner::find_job(jobs, job) {
                    Ok(j) => j,
                    Err(close) => {
                        if let Some(e) = &listed.incomplete {
                            out.region_problems.push((step.line, format!("job {job} is not in the listing of {region}, and DescribeDtsJobs could not be read there ({}): it may be a new-version job", crate::text::clean_lines(&e.to_string()).lines().next().unwrap_or(""))));
                            continue;
                        }
                        let hint = if close.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "; close: {}",
                                close
                                    .iter()
                                    .map(|j| crate::text::clean(&j.id).into_owned())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        };
                        out.errors.push(FileError {
                            line: step.line_of(&["job"]),
                            message: format!(
                                "job: no synchronization job {} in {region} ({} jobs listed){hint}",
                                crate::text::clean(job),
                                jobs.len()
                            ),
                        });
                        continue;
                    }
                };
                if step.direction == Some(Direction::Reverse)
                    && j.detected_topology() == Topology::OneWay
                {
                    out.errors.push(FileError {
                        line: step.line_of(&["direction"]),
                        message: format!(
                            "direction: reverse, but job {} is one-way (it has only the Forward direction)",
                            crate::text::clean(job)
                        ),
                    });
                    continue;
                }
                let mut only = step.direction;
                if let Some(q) = expect {
                    let usage = find::job_use(q, j);
                    let on_side = usage
                        .as_ref()
                        .is_some_and(|u| u.database.contains(database));
                    if !on_side {
                        let (src, dst) = (
                            j.endpoint_of(Direction::Forward, Side::Source),
                            j.endpoint_of(Direction::Forward, Side::Destination),
                        );
                        out.errors.push(FileError {
                            line: step.line_of(&["from_ip", "from_instance_id", "from_port"]),
                            message: format!(
                                "job {} does not use {} on its {} (its source is {}, its destination {}): the file expects what the job no longer shows",
                                crate::text::clean(job),
                                crate::text::clean(&q.text()),
                                side_word(*database),
                                crate::text::clean(&crate::domain::guard::endpoint_words(src)),
                                crate::text::clean(&crate::domain::guard::endpoint_words(dst)),
                            ),
                        });
                        continue;
                    }
                    if only.is_none() {
                        if let Some(u) = &usage {
                            if let Ok(r) = fleet::request_for(
                                j,
                                &find::JobUse {
                                    database: vec![*database],
                                    ..u.clone()
                                },
                                &step.endpoint,
                            ) {
                                only = r.only_direction;
                            }
                        }
                    }
                }
                found.push(Target {
                    region: listed.region.clone(),
                    client: listed.client.clone(),
                    job: j.clone(),
                    request: SwitchRequest {
                        database: *database,
                        endpoint: step.endpoint.clone(),
                        only_direction: only,
                        topology: None,
                    },
                    api: step.api,
                    origin: origin(step),
                });
            }
            StepKind::Find { query, regions } => {
                let regions: Vec<String> = if regions.is_empty() {
                    vec![default.clone()]
                } else {
                    regions.clone()
                };
                let mut searched = 0;
                let mut any = false;
                for region in &regions {
                    let Some(jobs) = problem(&mut out, region) else {
                        continue;
                    };
                    let listed = region_of(region).expect("listed");
                    if let Some(e) = &listed.incomplete {
                        out.region_problems.push((step.line, format!("region {region} was searched without DescribeDtsJobs ({}): a new-version job there may be missing", crate::text::clean_lines(&e.to_string()).lines().next().unwrap_or(""))));
                        continue;
                    }
                    searched += 1;
                    for m in find::match_jobs(query, &listed.region, jobs) {
                        any = true;
                        match fleet::request_for(&m.job, &m.usage, &step.endpoint) {
                            Ok(request) => found.push(Target {
                                region: listed.region.clone(),
                                client: listed.client.clone(),
                                job: m.job.clone(),
                                request,
                                api: step.api,
                                origin: origin(step),
                            }),
                            Err(why) => out.errors.push(FileError {
                                line: step.line,
                                message: crate::text::clean(&why).into_owned(),
                            }),
                        }
                    }
                }
                if !any && searched == regions.len() {
                    out.errors.push(FileError {
                        line: step.line_of(&["from_ip", "from_instance_id", "from_port"]),
                        message: format!(
                            "no job uses {} in {}: a step that changes nothing is an error (check from_ip / from_instance_id / from_port and the regions)",
                            crate::text::clean(&query.text()),
                            regions.join(", ")
                        ),
                    });
                }
            }
        }
        for mut t in found {
            if let Some(want) = step.expect_topology {
                let has = t.job.detected_topology();
                if has == Topology::Unknown {
                    t.request.topology = Some(want);
                } else if has != want {
                    out.errors.push(FileError {
                        line: step.line_of(&["expect_topology"]),
                        message: format!(
                            "expect_topology: {}, but the service shows job {} as {}",
                            want.as_str(),
                            crate::text::clean(&t.job.id),
                            has.as_str()
                        ),
                    });
                    continue;
                }
            }
            let ids = t.job.ids();
            if let Some(first) = ids.iter().find_map(|id| seen.get(&key(&t.region, id))) {
                out.errors.push(FileError {
                    line: step.line_of(&["job", "from_ip", "from_instance_id"]),
                    message: format!(
                        "job {} is also in the step at line {first}: each job appears in at most one step",
                        crate::text::clean(&t.job.id)
                    ),
                });
                continue;
            }
            for id in &ids {
                seen.insert(key(&t.region, id), step.line);
            }
            out.targets.push(t);
        }
    }
    out.errors.sort_by_key(|e| e.line);
    out
}

/// TOML's basic string of `s`.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The failback runbook of a batch, from the journal's plans of it (every run of the
/// batch: the first one, a resume, the TUI's): for every job whose call(s) may have
/// changed it (finished, still running, or with an unknown outcome; not a call that
/// found the job "already switched" by someone else), a step back to the old endpoint,
/// expecting the new one. None when nothing was changed.
pub fn failback(
    batch_id: &str,
    plans: &[crate::domain::journal::PlanSummary],
    written: &str,
) -> Option<String> {
    use crate::domain::journal::CallState;
    let mut steps: Vec<String> = Vec::new();
    // One step per job (a redo of a call is another plan of the same job: the first
    // plan's endpoints are the way back).
    let mut done_jobs: Vec<&str> = Vec::new();
    for p in plans.iter().filter(|p| p.batch_id == batch_id) {
        if done_jobs.contains(&p.job_id.as_str()) {
            continue;
        }
        let changed: Vec<(&crate::domain::journal::CallSummary, bool)> = p
            .calls
            .iter()
            .filter(|c| c.old.is_some() && c.new.is_some())
            .filter(|c| {
                !c.note
                    .as_deref()
                    .is_some_and(|n| n.starts_with("already switched"))
            })
            .filter_map(|c| match &c.state {
                CallState::Done {
                    outcome: Outcome::Finished,
                    ..
                } => Some((c, false)),
                CallState::Done {
                    outcome: Outcome::Unknown | Outcome::StillRunning | Outcome::Sent,
                    ..
                }
                | CallState::Running { .. }
                | CallState::IntentOnly { .. } => Some((c, true)),
                _ => None,
            })
            .collect();
        let Some((first, _)) = changed.first() else {
            continue;
        };
        done_jobs.push(&p.job_id);
        let (Some(old), Some(new)) = (first.old.as_ref(), first.new.as_ref()) else {
            continue;
        };
        let database = match first.direction {
            Direction::Forward => first.endpoint_type,
            Direction::Reverse => first.endpoint_type.opposite(),
        };
        let both = p.topology == Topology::TwoWay && changed.len() >= 2;
        let unknown = changed.iter().any(|(_, u)| *u);
        let mut s = String::new();
        s.push_str("\n[[step]]\n");
        if unknown {
            s.push_str("# the outcome of a call was not known when this was written: check the job first\n");
        }
        s.push_str(&format!("job = {}\n", quoted(&p.job_id)));
        s.push_str(&format!("region = {}\n", quoted(&p.region)));
        s.push_str(&format!("database = {}\n", quoted(side_word(database))));
        if p.topology == Topology::TwoWay && !both {
            s.push_str(&format!(
                "direction = {}\n",
                quoted(first.direction.as_str())
            ));
        }
        // What the job should show now: the batch's new endpoint.
        if !new.ip.is_empty() {
            s.push_str(&format!("from_ip = {}\n", quoted(&new.ip)));
        }
        if !new.instance_id.is_empty() && new.ip.is_empty() {
            s.push_str(&format!(
                "from_instance_id = {}\n",
                quoted(&new.instance_id)
            ));
        }
        if !new.port.is_empty() && (!new.ip.is_empty() || !new.instance_id.is_empty()) {
            s.push_str(&format!("from_port = {}\n", new.port));
        }
        s.push_str(&format!("instance_type = {}\n", quoted(&old.instance_type)));
        // Only the fields the type takes: the service lists an ECS database's IP too,
        // but a switch to ECS names it by its instance id.
        let takes = |f: rules::FieldId| {
            old.instance_type
                .parse::<rules::InstanceType>()
                .map_or(true, |t| t.spec().rule(f).need != rules::Need::NotShown)
        };
        if !old.instance_id.is_empty() && takes(rules::FieldId::InstanceId) {
            s.push_str(&format!("instance_id = {}\n", quoted(&old.instance_id)));
        }
        if !old.ip.is_empty() && takes(rules::FieldId::Ip) {
            s.push_str(&format!("ip = {}\n", quoted(&old.ip)));
        }
        if !old.port.is_empty() && takes(rules::FieldId::Port) {
            s.push_str(&format!("port = {}\n", old.port));
        }
        if !new.user_name.is_empty() && new.user_name != old.user_name {
            s.push_str("# the batch changed the account; to change it back add username = \"…\" and give its password in DTS_SWITCH_DB_PASSWORD\n");
        }
        if p.topology == Topology::TwoWay {
            s.push_str("expect_topology = \"two-way\"\n");
        }
        s.push_str(&format!("api = {}\n", quoted(&p.family.to_string())));
        steps.push(s);
    }
    if steps.is_empty() {
        return None;
    }
    let mut out = format!(
        "# Failback of batch {batch_id}, written {written}.\n# The way back: the same jobs and sides, with the endpoints they had before the batch.\n# Each step expects to find the batch's new endpoint (from_…); review it first:\n#   dts-switch apply THIS_FILE --dry-run\ntitle = {}\n",
        quoted(&format!("failback of batch {}", crate::domain::guard::short(batch_id)))
    );
    for s in steps {
        out.push_str(&s);
    }
    Some(out)
}

/// Writes (again) the failback runbook of `batch_id` from the journal beside it: its
/// path, or None when the batch changed nothing. Every run of a batch calls it at its
/// end, so the file follows what the journal knows.
pub fn write_failback(
    journal: &crate::domain::journal::Journal,
    batch_id: &str,
    written: &str,
) -> Result<Option<std::path::PathBuf>, String> {
    let read = journal.read().map_err(|e| e.to_string())?;
    let Some(text) = failback(batch_id, read.plans(), written) else {
        return Ok(None);
    };
    let path = failback_path(journal.path(), batch_id);
    write_private(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(path))
}

/// Where the failback runbook of a batch goes: beside the journal.
pub fn failback_path(journal: &std::path::Path, batch_id: &str) -> std::path::PathBuf {
    let dir = journal
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    dir.join(format!(
        "failback-{}.toml",
        crate::domain::guard::short(batch_id)
    ))
}

/// Writes `text` to `path`, readable by its owner only.
pub fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}
