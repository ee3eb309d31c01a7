//! The simulator's state machine: authentication, the legacy operations, switch tasks,
//! fault injection and a record of every request. No I/O here. The maintained (DtsJobId)
//! family's operations are in `sim/maintained.rs`.

use crate::api::sign;
use crate::sim::data::{SimEndpoint, SimJob};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

mod sts;

pub use sts::{StsConfig, DEMO_ECS_ROLE, DEMO_OIDC_PROVIDER_ARN, DEMO_OIDC_TOKEN, DEMO_ROLE_ARN};

pub const DEMO_ACCESS_KEY_ID: &str = "LTAI5tSIMULATOR0DEMO0001";
pub const DEMO_ACCESS_KEY_SECRET: &str = "sim-demo-secret-not-for-production";

#[derive(Debug, Clone)]
pub struct Faults {
    /// Answer N requests with Throttling.User (the first N, or those after `throttle_after`).
    pub throttle: u32,
    /// Let this many requests through before the `throttle` ones (throttling mid-listing).
    pub throttle_after: u32,
    /// Answer the next N requests with HTTP 503 ServiceUnavailable.
    pub server_errors: u32,
    /// Answer the next N otherwise successful requests with a malformed body.
    pub malformed: u32,
    /// Delay every answer by this much.
    pub delay: Duration,
    /// Execute a switch, then close the connection without answering.
    pub drop_switch_answer: bool,
    /// Apply throttle / server_errors / malformed / delay / pad_answer only to this action.
    pub only_action: Option<String>,
    /// Execute each switch, then answer `Success: true` without a usable TaskId.
    pub switch_without_task_id: Option<TaskIdShape>,
    /// Execute each switch, then answer HTTP 200 `Success: false` with this ErrCode
    /// (e.g. `InternalError`, `ServiceUnavailable`).
    pub switch_error_after_execute: Option<String>,
    /// Execute each switch, then answer with an HTML page of this HTTP status, as a proxy
    /// in front of the service would (e.g. 404, 403, 502).
    pub switch_html_page: Option<u16>,
    /// Pad every successful JSON answer with this many bytes (a `Padding` field).
    pub pad_answer: usize,
    /// After a switch (or a maintained endpoint change), the job does not come back: it
    /// stays Failed (it cannot reach the new endpoint).
    pub fail_after_switch: bool,
    /// Execute an endpoint change (ModifyDtsJobEndpoint, not a dry run), then close the
    /// connection without answering.
    pub drop_modify_answer: bool,
    /// ModifyDtsJobEndpoint's connectivity check fails on every job (dry run or not).
    pub dry_run_fails: bool,
    /// After an endpoint change the direction stays Modifying forever.
    pub stuck_after_modify: bool,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            throttle: 0,
            throttle_after: 0,
            server_errors: 0,
            malformed: 0,
            delay: Duration::ZERO,
            drop_switch_answer: false,
            only_action: None,
            switch_without_task_id: None,
            switch_error_after_execute: None,
            switch_html_page: None,
            pad_answer: 0,
            fail_after_switch: false,
            drop_modify_answer: false,
            dry_run_fails: false,
            stuck_after_modify: false,
        }
    }
}

/// How a switch answer lacks its TaskId (fault [`Faults::switch_without_task_id`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskIdShape {
    /// No `TaskId` field.
    Absent,
    /// `"TaskId": null`
    Null,
    /// `"TaskId": ""`
    Empty,
    /// `"TaskId": {}`
    Object,
    /// `"TaskId": []`
    Array,
}

impl TaskIdShape {
    pub const NAMES: &'static [&'static str] = &["absent", "null", "empty", "object", "array"];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskIdShape::Absent => "absent",
            TaskIdShape::Null => "null",
            TaskIdShape::Empty => "empty",
            TaskIdShape::Object => "object",
            TaskIdShape::Array => "array",
        }
    }

    fn value(self) -> Option<Value> {
        match self {
            TaskIdShape::Absent => None,
            TaskIdShape::Null => Some(Value::Null),
            TaskIdShape::Empty => Some(json!("")),
            TaskIdShape::Object => Some(json!({})),
            TaskIdShape::Array => Some(json!([])),
        }
    }
}

impl std::str::FromStr for TaskIdShape {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "absent" => TaskIdShape::Absent,
            "null" => TaskIdShape::Null,
            "empty" => TaskIdShape::Empty,
            "object" => TaskIdShape::Object,
            "array" => TaskIdShape::Array,
            _ => {
                return Err(format!(
                    "{s:?} is not a TaskId shape; expected one of: {}",
                    Self::NAMES.join(", ")
                ))
            }
        })
    }
}

/// Shapes of answers the docs leave uncertain, to test the client against them.
#[derive(Debug, Clone, Default)]
pub struct Quirks {
    /// Ignore PageSize and answer this many entries per page.
    pub page_size: Option<usize>,
    /// Leave TotalRecordCount out of the listing.
    pub omit_total: bool,
    /// Wrap every JSON answer as {"<Action>Response": {...}}, like the docs' examples.
    pub wrap_response: bool,
    /// List two-way jobs by their Forward entry only (two-way shows only in DescribeDtsJobs).
    pub no_reverse_entries: bool,
    /// Answer DescribeDtsJobs with InvalidAction.NotFound, as a service without it would.
    pub no_dts_jobs: bool,
    /// Answer DescribeDtsJobs with Forbidden.RAM, as for a RAM user without that permission.
    pub forbid_dts_jobs: bool,
    /// TotalRecordCount counts listing entries (a two-way job counts twice). By default it
    /// counts instances, as the API reference says, while a two-way job has two entries.
    pub total_counts_entries: bool,
    /// Ignore PageNum: every page is the first one.
    pub ignore_page_num: bool,
    /// A PageNum past the last page answers the last page again.
    pub clamp_page_num: bool,
    /// Write the percent escapes of echoed text in lowercase (`%2f`), as some services do.
    pub lowercase_escapes: bool,
    /// DescribeSynchronizationJobs lists legacy jobs only. By default it also lists the
    /// maintained (new-version) instances, under their DtsInstanceID
    /// (dts-api-maintained.md §3.4).
    pub legacy_listing_hides_maintained: bool,
}

/// `%2F` → `%2f` everywhere in `s`.
fn lowercase_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            for _ in 0..2 {
                if let Some(h) = chars.next_if(char::is_ascii_hexdigit) {
                    out.push(h.to_ascii_lowercase());
                }
            }
        }
    }
    out
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Legacy jobs: the 12 demo jobs first, then generated ones.
    pub jobs: usize,
    /// Also serve the maintained (DtsJobId) demo jobs, after the legacy ones: five in
    /// cn-hangzhou, two in cn-shanghai (`data_maintained::maintained_demo_jobs`).
    pub maintained_jobs: bool,
    /// This many generated maintained jobs after those (every `two_way_every`-th two-way),
    /// for benchmarks.
    pub generated_maintained_jobs: usize,
    /// Every n-th generated job is two-way (the demo jobs keep theirs); `None`: the default
    /// mix (about one in seven).
    pub two_way_every: Option<usize>,
    /// Added to every answer, like the network and the service would (for benchmarks).
    pub latency: Duration,
    /// Time a switch task spends in each of NotStarted, Initializing, Switching.
    pub step: Duration,
    pub faults: Faults,
    pub access_key_id: String,
    pub access_key_secret: String,
    /// When set, requests must carry this SecurityToken (STS-style demo credentials).
    pub security_token: Option<String>,
    pub quirks: Quirks,
    /// The simulated STS and ECS metadata service.
    pub sts: StsConfig,
    /// Generated jobs (the legacy ones after the 12 demo jobs, and the generated
    /// maintained ones) are dealt to these regions in turn, each listed there only.
    /// Empty: generated legacy jobs show in every region, generated maintained ones in
    /// cn-hangzhou. For benchmarks of several regions.
    pub generated_regions: Vec<String>,
    /// Every DTS request for these regions (`RegionId`, or DescribeDtsJobs' `Region`) is
    /// refused with `Forbidden.RAM`, as for a RAM user whose policy leaves the region out:
    /// a region that fails while the others answer.
    pub refused_regions: Vec<String>,
    /// Also serve the twelve jobs behind one database (`data_fleet`): both families,
    /// two regions, one task that fails, one dropped answer, one changed by someone else.
    pub fleet: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            jobs: 12,
            maintained_jobs: true,
            generated_maintained_jobs: 0,
            two_way_every: None,
            latency: Duration::ZERO,
            step: Duration::from_millis(1500),
            faults: Faults::default(),
            access_key_id: DEMO_ACCESS_KEY_ID.into(),
            access_key_secret: DEMO_ACCESS_KEY_SECRET.into(),
            security_token: None,
            quirks: Quirks::default(),
            sts: StsConfig::default(),
            generated_regions: Vec::new(),
            refused_regions: Vec::new(),
            fleet: false,
        }
    }
}

impl SimConfig {
    /// The jobs a simulator of this config starts with, in listing order: the legacy
    /// ones, then the maintained demo jobs, then generated maintained ones. Each region
    /// sees those without a region and its own ([`SimJob::in_region`]).
    pub fn served_jobs(&self) -> Vec<SimJob> {
        use crate::sim::data_maintained as m;
        let mut jobs = crate::sim::data::jobs_with(self.jobs, self.two_way_every);
        let demo = crate::sim::data::demo_jobs().len().min(jobs.len());
        self.spread(&mut jobs[demo..]);
        if self.maintained_jobs {
            jobs.extend(m::maintained_demo_jobs());
        }
        if self.fleet {
            jobs.extend(crate::sim::data_fleet::fleet_jobs());
        }
        let mut generated = m::maintained_jobs(self.generated_maintained_jobs, self.two_way_every);
        self.spread(&mut generated);
        jobs.extend(generated);
        jobs
    }

    /// Deals generated jobs to [`SimConfig::generated_regions`] in turn.
    fn spread(&self, jobs: &mut [SimJob]) {
        if self.generated_regions.is_empty() {
            return;
        }
        for (i, j) in jobs.iter_mut().enumerate() {
            j.region = Some(self.generated_regions[i % self.generated_regions.len()].clone());
        }
    }
}

/// One request as the simulator saw it (Signature and SecurityToken left out).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Recorded {
    pub seq: u64,
    pub method: String,
    pub action: String,
    pub params: BTreeMap<String, String>,
    /// `executed`, `dry-run` (a ModifyDtsJobEndpoint dry run that passed),
    /// `rejected:<Code>`, `dropped` (a write executed, then not answered), `malformed`,
    /// or for a switch executed and then answered wrongly on purpose
    /// `executed+no-task-id:<shape>`, `executed+error-200:<Code>`, `executed+html-<status>`.
    pub outcome: String,
    pub http_status: u16,
}

/// What the server should do with a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Json {
        status: u16,
        body: Value,
        retry_after: Option<u32>,
    },
    /// A body that is not what the API promises.
    Raw { status: u16, text: String },
    /// A plain-text answer (the metadata service).
    Text { status: u16, text: String },
    /// Close the connection without answering.
    Drop,
}

#[derive(Debug, Clone)]
struct Task {
    job_id: String,
    direction: String,
    side: String,
    endpoint: SimEndpoint,
    created: Instant,
    failure: Option<String>,
    applied: bool,
}

pub struct SimState {
    pub config: SimConfig,
    pub jobs: Vec<SimJob>,
    tasks: HashMap<String, Task>,
    nonces: HashSet<String>,
    pub requests: Vec<Recorded>,
    next_task: u64,
    faults: Faults,
    /// STS credentials issued, by AccessKeyId.
    issued: HashMap<String, sts::IssuedKey>,
    /// Metadata tokens handed out, with their expiry.
    imds_tokens: HashMap<String, chrono::DateTime<chrono::Utc>>,
    /// The recorded outcome of a request that was not simply executed though it got an
    /// answer without a code: one a fault answers wrongly, or a dry run.
    pub(crate) mangled: Option<String>,
}

pub(crate) fn request_id() -> String {
    uuid::Uuid::new_v4().to_string().to_ascii_uppercase()
}

fn gateway(status: u16, code: &str, message: &str) -> Reply {
    let rid = request_id();
    Reply::Json {
        status,
        body: json!({
            "RequestId": rid,
            "HostId": "dts.aliyuncs.com",
            "Code": code,
            "Message": message,
            "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}&product=Dts&requestId={rid}"),
        }),
        retry_after: None,
    }
}

fn business_error(code: &str, message: &str) -> Reply {
    Reply::Json {
        status: 200,
        body: json!({"RequestId": request_id(), "Success": "false", "ErrCode": code, "ErrMessage": message}),
        retry_after: None,
    }
}

/// A job of the other API family (dts-api.md §5.1 gateway shape, HTTP 403).
pub(crate) fn version_not_supported(use_op: &str) -> Reply {
    gateway(
        403,
        "OperationDenied.JobVersionNotSupported",
        &format!("The job version does not support this operation. Use {use_op}."),
    )
}

pub(crate) fn invalid(param: &str) -> Reply {
    gateway(
        400,
        "InvalidParameter",
        &format!("The Value of Input Parameter {param} is not valid."),
    )
}

pub(crate) fn missing(param: &str) -> Reply {
    gateway(
        400,
        &format!("Missing{}", param.replace('.', "")),
        &format!("The input parameter \"{param}\" that is mandatory for processing this request is not supplied."),
    )
}

const API_VERSION: &str = "2020-01-01";

/// The region of a request without RegionId (the service's default).
const DEFAULT_REGION: &str = "cn-hangzhou";

/// The request's RegionId, or the default region.
pub(crate) fn region_of(get: &dyn Fn(&str) -> Option<String>) -> String {
    get("RegionId").unwrap_or_else(|| DEFAULT_REGION.into())
}

const ACTIONS: &[&str] = &[
    "DescribeDtsJobs",
    "DescribeDtsJobDetail",
    "ModifyDtsJobEndpoint",
    "DescribeSynchronizationJobs",
    "DescribeSynchronizationJobStatus",
    "SwitchSynchronizationEndpoint",
    "DescribeEndpointSwitchStatus",
];

impl SimState {
    pub fn new(config: SimConfig) -> Self {
        let faults = config.faults.clone();
        SimState {
            jobs: config.served_jobs(),
            config,
            tasks: HashMap::new(),
            nonces: HashSet::new(),
            requests: Vec::new(),
            next_task: 730_001,
            faults,
            issued: HashMap::new(),
            imds_tokens: HashMap::new(),
            mangled: None,
        }
    }

    /// Requests of one action, in order.
    pub fn requests_of(&self, action: &str) -> Vec<Recorded> {
        self.requests
            .iter()
            .filter(|r| r.action == action)
            .cloned()
            .collect()
    }

    /// The endpoint changes that were executed, in order: SwitchSynchronizationEndpoint
    /// and ModifyDtsJobEndpoint requests (not dry runs) that were executed, whatever
    /// answer they then got (a dropped answer or a fault's wrong one included).
    pub fn executed_writes(&self) -> Vec<Recorded> {
        self.requests
            .iter()
            .filter(|r| {
                (r.action == "SwitchSynchronizationEndpoint" || r.action == "ModifyDtsJobEndpoint")
                    && (r.outcome.starts_with("executed") || r.outcome == "dropped")
            })
            .cloned()
            .collect()
    }

    /// Handles one RPC request. `params` are all query and form parameters.
    pub fn handle(&mut self, method: &str, params: &[(String, String)], now: Instant) -> Reply {
        self.apply_finished_tasks(now);
        self.apply_pending_changes(now);
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let action = get("Action").unwrap_or("").to_string();
        let mut recorded: BTreeMap<String, String> = params
            .iter()
            .filter(|(k, _)| k != "Signature" && k != "SecurityToken" && k != "OIDCToken")
            .cloned()
            .collect();
        for secret in ["SecurityToken", "OIDCToken"] {
            if get(secret).is_some() {
                recorded.insert(secret.into(), "***".into());
            }
        }
        self.mangled = None;
        let job_named = [
            "SynchronizationJobId",
            "DtsJobId",
            "DtsInstanceID",
            "DtsInstanceId",
        ]
        .iter()
        .find_map(|k| get(k))
        .map(str::to_string);
        if matches!(
            action.as_str(),
            "DescribeSynchronizationJobStatus" | "DescribeDtsJobDetail"
        ) {
            if let Some(id) = &job_named {
                self.apply_drift(id);
            }
        }
        let mut reply = self.dispatch(method, params, &action, now);
        let is_write = action == "SwitchSynchronizationEndpoint"
            || (action == "ModifyDtsJobEndpoint"
                && !get("DryRun").is_some_and(|v| v.eq_ignore_ascii_case("true")));
        let answered = matches!(&reply, Reply::Json { body, .. } if body.get("Code").is_none() && body.get("ErrCode").is_none() && body.get("Success").is_none_or(|v| v != false && v != "false"));
        if is_write
            && answered
            && job_named
                .as_deref()
                .is_some_and(|id| self.drops_answer_of(id))
        {
            reply = Reply::Drop;
        }
        self.record(method, &action, recorded, &mut reply);
        reply
    }

    /// Records a request and its outcome; wraps the answer when the quirk says so.
    fn record(
        &mut self,
        method: &str,
        action: &str,
        params: BTreeMap<String, String>,
        reply: &mut Reply,
    ) {
        let (outcome, status) = match &*reply {
            Reply::Json { status, .. } | Reply::Raw { status, .. } if self.mangled.is_some() => {
                (self.mangled.take().unwrap_or_default(), *status)
            }
            Reply::Json { status, body, .. } => {
                let code = body
                    .get("Code")
                    .or_else(|| body.get("ErrCode"))
                    .and_then(Value::as_str);
                match code {
                    // The metadata service's credentials carry "Code": "Success".
                    Some(c) if c != "Success" => (format!("rejected:{c}"), *status),
                    _ => ("executed".to_string(), *status),
                }
            }
            Reply::Raw { status, .. } => ("malformed".to_string(), *status),
            Reply::Text { status, .. } if *status < 400 => ("executed".to_string(), *status),
            Reply::Text { status, .. } => (format!("rejected:HTTP{status}"), *status),
            Reply::Drop => ("dropped".to_string(), 0),
        };
        if self.config.quirks.wrap_response && ACTIONS.contains(&action) {
            if let Reply::Json {
                status: 200, body, ..
            } = reply
            {
                let inner = std::mem::take(body);
                *body = json!({ format!("{action}Response"): inner });
            }
        }
        self.requests.push(Recorded {
            seq: self.requests.len() as u64 + 1,
            method: method.to_string(),
            action: action.to_string(),
            params,
            outcome,
            http_status: status,
        });
    }

    fn fault_applies(&self, action: &str) -> bool {
        self.faults
            .only_action
            .as_deref()
            .is_none_or(|a| a.eq_ignore_ascii_case(action))
    }

    /// The delay to apply before answering a request of `action`.
    pub fn delay_for(&self, action: &str) -> Duration {
        let fault = if self.fault_applies(action) && !sts::ACTIONS.contains(&action) {
            self.faults.delay
        } else {
            Duration::ZERO
        };
        fault + self.config.latency
    }

    fn dispatch(
        &mut self,
        method: &str,
        params: &[(String, String)],
        action: &str,
        now: Instant,
    ) -> Reply {
        // STS shares the server (and the AccessKey store), not the DTS fault injection.
        let version = params
            .iter()
            .find(|(k, _)| k == "Version")
            .map(|(_, v)| v.as_str());
        if sts::ACTIONS.contains(&action) && version == Some(sts::VERSION) {
            return self.sts(method, params, action);
        }
        if self.fault_applies(action) {
            if self.faults.throttle_after > 0 {
                self.faults.throttle_after -= 1;
            } else if self.faults.throttle > 0 {
                self.faults.throttle -= 1;
                let mut r = gateway(
                    400,
                    "Throttling.User",
                    "Request was denied due to user flow control.",
                );
                if let Reply::Json { retry_after, .. } = &mut r {
                    *retry_after = Some(0);
                }
                return r;
            }
            if self.faults.server_errors > 0 {
                self.faults.server_errors -= 1;
                return gateway(
                    503,
                    "ServiceUnavailable",
                    "The request has failed due to a temporary failure of the server.",
                );
            }
        }
        if let Err(r) = self.authenticate(method, params, API_VERSION, ACTIONS) {
            return r;
        }
        let refused = |k: &str| {
            params
                .iter()
                .any(|(n, v)| n == k && self.config.refused_regions.iter().any(|r| r == v))
        };
        if refused("RegionId") || refused("Region") {
            return gateway(
                403,
                "Forbidden.RAM",
                "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
            );
        }
        let get = |k: &str| {
            params
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        if action == "DescribeDtsJobs" && self.config.quirks.forbid_dts_jobs {
            return gateway(
                403,
                "Forbidden.RAM",
                "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
            );
        }
        let mut reply = match action {
            "DescribeSynchronizationJobs" => self.describe_jobs(&get),
            "DescribeSynchronizationJobStatus" => self.describe_job_status(&get, now),
            "SwitchSynchronizationEndpoint" => self.switch(&get, now),
            "DescribeEndpointSwitchStatus" => self.switch_status(&get, now),
            "DescribeDtsJobs" => self.describe_dts_jobs(&get),
            "DescribeDtsJobDetail" => self.describe_dts_job_detail(&get, now),
            "ModifyDtsJobEndpoint" => self.modify_dts_job_endpoint(&get, now),
            _ => unreachable!("authenticate checks the action"),
        };
        let ok = matches!(&reply, Reply::Json { body, .. } if body.get("Code").is_none() && body.get("ErrCode").is_none());
        if ok && action == "SwitchSynchronizationEndpoint" && self.faults.drop_switch_answer {
            return Reply::Drop;
        }
        if ok && action == "SwitchSynchronizationEndpoint" {
            if let Some(r) = self.mangle_switch_answer(&reply) {
                return r;
            }
        }
        if ok && self.fault_applies(action) && self.faults.pad_answer > 0 {
            if let Reply::Json { body, .. } = &mut reply {
                if let Some(o) = body.as_object_mut() {
                    o.insert("Padding".into(), json!(" ".repeat(self.faults.pad_answer)));
                }
            }
        }
        if ok && self.fault_applies(action) && self.faults.malformed > 0 {
            self.faults.malformed -= 1;
            return Reply::Raw {
                status: 200,
                text: "<html><body>502 Bad Gateway (upstream sent a truncated answer)</body>"
                    .into(),
            };
        }
        reply
    }

    /// Checks the common parameters, the AccessKey (the configured one, or STS
    /// credentials this simulator issued and that have not expired), the security token,
    /// the signature and the nonce.
    fn authenticate(
        &mut self,
        method: &str,
        params: &[(String, String)],
        version: &str,
        actions: &[&str],
    ) -> Result<(), Reply> {
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        for p in [
            "Action",
            "Version",
            "AccessKeyId",
            "SignatureMethod",
            "SignatureVersion",
            "SignatureNonce",
            "Timestamp",
            "Signature",
        ] {
            if get(p).is_none_or(str::is_empty) {
                return Err(missing(p));
            }
        }
        let action = get("Action").unwrap_or_default();
        if !actions.contains(&action)
            || (action == "DescribeDtsJobs" && self.config.quirks.no_dts_jobs)
        {
            return Err(gateway(
                404,
                "InvalidAction.NotFound",
                "Specified api is not found, please check your url and method.",
            ));
        }
        if get("Version") != Some(version) {
            return Err(gateway(
                400,
                "InvalidVersion",
                "Specified parameter Version is not valid.",
            ));
        }
        if get("SignatureMethod") != Some("HMAC-SHA1") {
            return Err(invalid("SignatureMethod"));
        }
        if get("SignatureVersion") != Some("1.0") {
            return Err(invalid("SignatureVersion"));
        }
        if let Some(f) = get("Format") {
            if !f.eq_ignore_ascii_case("json") {
                return Err(invalid("Format"));
            }
        }
        let ak = get("AccessKeyId").unwrap_or_default();
        let (secret, want_token) = if ak == self.config.access_key_id {
            (
                self.config.access_key_secret.clone(),
                self.config.security_token.clone(),
            )
        } else if let Some(k) = self.issued.get(ak) {
            let early =
                chrono::TimeDelta::from_std(self.config.sts.expire_early).unwrap_or_default();
            if chrono::Utc::now() >= k.expires - early {
                return Err(gateway(
                    400,
                    "InvalidSecurityToken.Expired",
                    "Specified SecurityToken is expired.",
                ));
            }
            (k.secret.clone(), Some(k.token.clone()))
        } else {
            return Err(gateway(
                404,
                "InvalidAccessKeyId.NotFound",
                "Specified access key is not found.",
            ));
        };
        let ts = get("Timestamp").unwrap_or_default();
        let parsed =
            chrono::NaiveDateTime::parse_from_str(ts, "%Y-%m-%dT%H:%M:%SZ").map(|t| t.and_utc());
        match parsed {
            Err(_) => {
                return Err(gateway(
                    400,
                    "InvalidTimeStamp.Format",
                    "Specified time stamp or date value is not well formatted.",
                ))
            }
            Ok(t) => {
                let skew = (chrono::Utc::now() - t).num_seconds().abs();
                if skew > 15 * 60 {
                    return Err(gateway(
                        400,
                        "InvalidTimeStamp.Expired",
                        "Specified time stamp or date value is expired.",
                    ));
                }
            }
        }
        match (&want_token, get("SecurityToken")) {
            (None, None) => {}
            (Some(want), Some(got)) if want == got => {}
            (Some(_), None) => {
                return Err(gateway(
                    400,
                    "MissingSecurityToken",
                    "SecurityToken is mandatory for this action.",
                ))
            }
            _ => {
                return Err(gateway(
                    400,
                    "InvalidSecurityToken.MismatchWithAccessKey",
                    "The security token you provided does not match the AccessKeyId.",
                ))
            }
        }
        let expected = sign::sign(
            method,
            params
                .iter()
                .filter(|(k, _)| k != "Signature")
                .map(|(k, v)| (k.as_str(), v.as_str())),
            &secret,
        );
        if get("Signature") != Some(expected.as_str()) {
            // Like the real service, echo the string-to-sign (it carries the AccessKeyId
            // and any SecurityToken, percent-encoded twice).
            let mut sts = sign::string_to_sign(
                method,
                &sign::canonical_query(
                    params
                        .iter()
                        .filter(|(k, _)| k != "Signature")
                        .map(|(k, v)| (k.as_str(), v.as_str())),
                ),
            );
            if self.config.quirks.lowercase_escapes {
                sts = lowercase_escapes(&sts);
            }
            return Err(gateway(
                400,
                "SignatureDoesNotMatch",
                &format!("Specified signature is not matched with our calculation. server string to sign is:{sts}"),
            ));
        }
        let nonce = get("SignatureNonce").unwrap_or_default().to_string();
        if !self.nonces.insert(nonce) {
            return Err(gateway(
                400,
                "SignatureNonceUsed",
                "Specified signature nonce was used already.",
            ));
        }
        Ok(())
    }

    /// The wrong answers a switch that *was executed* may get (faults): success without a
    /// TaskId, an internal error in an HTTP 200 body, a proxy's HTML page.
    fn mangle_switch_answer(&mut self, executed: &Reply) -> Option<Reply> {
        let Reply::Json { body, .. } = executed else {
            return None;
        };
        let rid = body.get("RequestId").cloned().unwrap_or(Value::Null);
        if let Some(shape) = self.faults.switch_without_task_id {
            self.mangled = Some(format!("executed+no-task-id:{}", shape.as_str()));
            let mut b = json!({"RequestId": rid, "Success": "true"});
            if let Some(v) = shape.value() {
                b["TaskId"] = v;
            }
            return Some(Reply::Json {
                status: 200,
                body: b,
                retry_after: None,
            });
        }
        if let Some(code) = self.faults.switch_error_after_execute.clone() {
            self.mangled = Some(format!("executed+error-200:{code}"));
            return Some(Reply::Json {
                status: 200,
                body: json!({"RequestId": rid, "Success": false, "ErrCode": code,
                    "ErrMessage": "The request processing has failed due to some unknown error."}),
                retry_after: None,
            });
        }
        if let Some(status) = self.faults.switch_html_page {
            self.mangled = Some(format!("executed+html-{status}"));
            return Some(Reply::Raw {
                status,
                text: format!(
                    "<!DOCTYPE html>\n<html><head><title>{status}</title></head><body><h1>{status}</h1><p>The requested URL was rejected by the proxy.</p><hr><center>proxy</center></body></html>\n"
                ),
            });
        }
        None
    }

    /// Any of the job's ids names it (instance id, either direction's DtsJobId).
    fn job_by_any_id(&self, id: &str) -> Option<usize> {
        self.jobs.iter().position(|j| {
            j.id == id
                || j.maintained()
                    .is_some_and(|m| m.job_id == id || m.reverse_job_id.as_deref() == Some(id))
        })
    }

    fn drops_answer_of(&self, id: &str) -> bool {
        self.job_by_any_id(id)
            .is_some_and(|i| self.jobs[i].drops_answer)
    }

    /// Someone else's change of the job (see [`SimJob::drift_to`]), once.
    fn apply_drift(&mut self, id: &str) {
        if let Some(i) = self.job_by_any_id(id) {
            if let Some(e) = self.jobs[i].drift_to.take() {
                self.jobs[i].forward.src = e.clone();
                if let Some(r) = &mut self.jobs[i].reverse {
                    r.dst = e;
                }
            }
        }
    }

    /// The job with this SynchronizationJobId / DtsInstanceID that the region sees.
    fn find_job(&self, id: &str, region: &str) -> Option<usize> {
        self.jobs
            .iter()
            .position(|j| j.id == id && j.in_region(region))
    }

    fn describe_jobs(&self, get: &dyn Fn(&str) -> Option<String>) -> Reply {
        let q = &self.config.quirks;
        let size = match get("PageSize") {
            None => 30,
            Some(s) => match s.parse::<usize>() {
                Ok(n @ (10 | 20 | 30)) => n,
                _ => return invalid("PageSize"),
            },
        };
        let size = q.page_size.unwrap_or(size).max(1);
        let num = match get("PageNum") {
            None => 1,
            Some(s) => match s.parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => return invalid("PageNum"),
            },
        };
        let filter = get("SynchronizationJobName").map(|s| s.to_lowercase());
        let region = region_of(get);
        // (job, reverse) per entry: JSON is built for the answered page only.
        let mut instances = 0usize;
        let entries: Vec<(usize, bool)> = self
            .jobs
            .iter()
            .enumerate()
            .filter(|(_, j)| {
                j.in_region(&region)
                    && !(q.legacy_listing_hides_maintained && j.maintained().is_some())
                    && filter
                        .as_ref()
                        .is_none_or(|f| j.name.to_lowercase().contains(f))
            })
            .flat_map(|(i, j)| {
                instances += 1;
                let reverse = j.reverse.is_some() && !q.no_reverse_entries;
                std::iter::once((i, false)).chain(reverse.then_some((i, true)))
            })
            .collect();
        let last_page = entries.len().div_ceil(size).max(1);
        let num = if q.ignore_page_num {
            1
        } else if q.clamp_page_num {
            num.min(last_page)
        } else {
            num
        };
        let page: Vec<Value> = entries
            .iter()
            .skip((num - 1).saturating_mul(size))
            .take(size)
            .map(|&(i, reverse)| self.jobs[i].legacy_entry(reverse))
            .collect();
        let total = if q.total_counts_entries {
            entries.len()
        } else {
            instances
        };
        let mut body = json!({
            "RequestId": request_id(),
            "PageNumber": num,
            "PageRecordCount": page.len(),
            "TotalRecordCount": total,
            "SynchronizationInstances": page,
        });
        if q.omit_total {
            body.as_object_mut()
                .expect("object")
                .remove("TotalRecordCount");
        }
        Reply::Json {
            status: 200,
            body,
            retry_after: None,
        }
    }

    /// A direction's status, delay and error message now. While an endpoint change is
    /// pending it is Modifying. After a switch or change it catches up: the first step it
    /// initializes (delay 240 s), then synchronizes with the delay halving each step (240,
    /// 120, 60, 30, …, down to its usual delay); with the `fail_after_switch` fault or a
    /// job that fails after a change it stays Failed.
    pub(crate) fn live_status(
        &self,
        job: &SimJob,
        d: &crate::sim::data::SimDirection,
        now: Instant,
    ) -> (String, u64, String) {
        if d.pending.is_some() {
            return ("Modifying".into(), d.delay, String::new());
        }
        let Some(t) = d.switched_at else {
            return (d.status.clone(), d.delay, d.error_message.clone());
        };
        if self.config.faults.fail_after_switch || job.fails_after_change {
            return (
                "Failed".into(),
                0,
                crate::sim::data::change_failure_message(d.changed_side),
            );
        }
        let steps = (now.duration_since(t).as_secs_f64()
            / self.config.step.as_secs_f64().max(0.001)) as u32;
        let delay = (240u64 >> steps.min(16)).max(d.delay.min(5));
        let status = if steps == 0 {
            "Initializing"
        } else {
            "Synchronizing"
        };
        (status.into(), delay, String::new())
    }

    fn describe_job_status(&self, get: &dyn Fn(&str) -> Option<String>, now: Instant) -> Reply {
        let Some(id) = get("SynchronizationJobId") else {
            return missing("SynchronizationJobId");
        };
        let reverse = match get("SynchronizationDirection").as_deref() {
            None | Some("Forward") => false,
            Some("Reverse") => true,
            Some(_) => return invalid("SynchronizationDirection"),
        };
        let Some(i) = self.find_job(&id, &region_of(get)) else {
            return business_error(
                "Forbidden.InstanceNotFound",
                "The specified instance is not found.",
            );
        };
        let job = &self.jobs[i];
        if reverse && job.reverse.is_none() {
            return invalid("SynchronizationDirection");
        }
        let mut body = job.legacy_entry(reverse);
        let d = if reverse {
            job.reverse.as_ref().unwrap()
        } else {
            &job.forward
        };
        let (mut status, delay, error) = self.live_status(job, d, now);
        // This operation spells statuses in lower camel case (dts-api.md §2.4).
        if let Some(first) = status.get(..1) {
            status = first.to_lowercase() + &status[1..];
        }
        let unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let o = body.as_object_mut().expect("object");
        o.insert("Status".into(), json!(status));
        o.insert("ErrorMessage".into(), json!(error));
        o.insert("Delay".into(), json!(delay.to_string()));
        o.insert("RequestId".into(), json!(request_id()));
        o.insert("Success".into(), json!("true"));
        o.insert(
            "Checkpoint".into(),
            json!(unix.saturating_sub(delay).to_string()),
        );
        o.insert("DelayMillis".into(), json!(delay * 1000));
        o.insert("TaskId".into(), json!(format!("sync-{}", job.id)));
        Reply::Json {
            status: 200,
            body,
            retry_after: None,
        }
    }

    fn switch(&mut self, get: &dyn Fn(&str) -> Option<String>, now: Instant) -> Reply {
        let Some(id) = get("SynchronizationJobId") else {
            return missing("SynchronizationJobId");
        };
        let Some(side) = get("Endpoint.Type") else {
            return missing("Endpoint.Type");
        };
        if side != "Source" && side != "Destination" {
            return invalid("Endpoint.Type");
        }
        let Some(itype) = get("Endpoint.InstanceType") else {
            return missing("Endpoint.InstanceType");
        };
        if !["LocalInstance", "ECS", "Express"].contains(&itype.as_str()) {
            return invalid("Endpoint.InstanceType");
        }
        let Some(port) = get("Endpoint.Port") else {
            return missing("Endpoint.Port");
        };
        if !matches!(port.parse::<u32>(), Ok(1..=65535)) {
            return invalid("Endpoint.Port");
        }
        let iid = get("Endpoint.InstanceId");
        let ip = get("Endpoint.IP");
        match itype.as_str() {
            "ECS" if !iid.as_deref().is_some_and(|v| v.starts_with("i-")) => {
                return if iid.is_none() {
                    missing("Endpoint.InstanceId")
                } else {
                    invalid("Endpoint.InstanceId")
                }
            }
            "Express" if !iid.as_deref().is_some_and(|v| v.starts_with("vpc-")) => {
                return if iid.is_none() {
                    missing("Endpoint.InstanceId")
                } else {
                    invalid("Endpoint.InstanceId")
                }
            }
            "Express" | "LocalInstance" if ip.is_none() => return missing("Endpoint.IP"),
            _ => {}
        }
        if let Some(ip) = &ip {
            if ip.parse::<std::net::IpAddr>().is_err() {
                return invalid("Endpoint.IP");
            }
        }
        if get("SourceEndpoint.OwnerID").is_some() != get("SourceEndpoint.Role").is_some() {
            return invalid(if get("SourceEndpoint.OwnerID").is_some() {
                "SourceEndpoint.Role"
            } else {
                "SourceEndpoint.OwnerID"
            });
        }
        let direction = match get("SynchronizationDirection").as_deref() {
            None | Some("Forward") => "Forward",
            Some("Reverse") => "Reverse",
            Some(_) => return invalid("SynchronizationDirection"),
        };
        let Some(i) = self.find_job(&id, &region_of(get)) else {
            return business_error(
                "Forbidden.InstanceNotFound",
                "The specified instance is not found.",
            );
        };
        let job = &self.jobs[i];
        if job.maintained().is_some() {
            return version_not_supported("ModifyDtsJobEndpoint");
        }
        if direction == "Reverse" && job.reverse.is_none() {
            return invalid("SynchronizationDirection");
        }
        let engine = if side == "Source" {
            &job.forward.src.engine
        } else {
            &job.forward.dst.engine
        };
        let task_id = self.next_task.to_string();
        self.next_task += 1;
        self.tasks.insert(
            task_id.clone(),
            Task {
                job_id: id,
                direction: direction.into(),
                side,
                endpoint: SimEndpoint {
                    instance_type: itype,
                    instance_id: iid.clone().unwrap_or_default(),
                    engine: engine.clone(),
                    ip: ip.clone().unwrap_or_default(),
                    port: port.clone(),
                    user: "dts_sync".into(),
                    ..SimEndpoint::default()
                },
                created: now,
                failure: job.switch_failure.as_ref().map(|f| {
                    let addr = match (&ip, &iid) {
                        (Some(ip), _) => format!("{ip}:{port}"),
                        (None, Some(id)) => format!("{id}:{port}"),
                        (None, None) => format!("port {port}"),
                    };
                    f.replace("{endpoint}", &addr)
                }),
                applied: false,
            },
        );
        Reply::Json {
            status: 200,
            body: json!({"RequestId": request_id(), "Success": "true", "TaskId": task_id}),
            retry_after: None,
        }
    }

    fn task_status(&self, t: &Task, now: Instant) -> &'static str {
        let steps =
            now.duration_since(t.created).as_secs_f64() / self.config.step.as_secs_f64().max(0.001);
        match steps as u64 {
            0 => "NotStarted",
            1 => "Initializing",
            2 => "Switching",
            _ if t.failure.is_some() => "Failed",
            _ => "Finished",
        }
    }

    fn switch_status(&mut self, get: &dyn Fn(&str) -> Option<String>, now: Instant) -> Reply {
        let Some(id) = get("TaskId") else {
            return missing("TaskId");
        };
        let Some(t) = self.tasks.get(&id) else {
            return business_error(
                "InvalidParameter",
                "The Value of Input Parameter TaskId is not valid.",
            );
        };
        let status = self.task_status(t, now);
        let error = if status == "Failed" {
            t.failure.clone().unwrap_or_default()
        } else {
            String::new()
        };
        Reply::Json {
            status: 200,
            body: json!({"RequestId": request_id(), "Success": "true", "Status": status, "ErrorMessage": error}),
            retry_after: None,
        }
    }

    /// A finished task's endpoint becomes the job's endpoint.
    fn apply_finished_tasks(&mut self, now: Instant) {
        let fail_after = self.config.faults.fail_after_switch;
        let done: Vec<String> = self
            .tasks
            .iter()
            .filter(|(_, t)| !t.applied && self.task_status(t, now) == "Finished")
            .map(|(k, _)| k.clone())
            .collect();
        for k in done {
            let t = self.tasks.get_mut(&k).expect("present");
            t.applied = true;
            let t = t.clone();
            if let Some(job) = self.jobs.iter_mut().find(|j| j.id == t.job_id) {
                let fail_after = fail_after || job.fails_after_change;
                let d = if t.direction == "Reverse" {
                    job.reverse.as_mut()
                } else {
                    Some(&mut job.forward)
                };
                if let Some(d) = d {
                    if t.side == "Source" {
                        d.src = t.endpoint.clone();
                    } else {
                        d.dst = t.endpoint.clone();
                    }
                    d.switched_at = Some(now);
                    // The listing shows where the catch-up leads.
                    if fail_after {
                        d.status = "Failed".into();
                    } else {
                        d.status = "Synchronizing".into();
                        d.error_message.clear();
                    }
                }
            }
        }
    }
}
