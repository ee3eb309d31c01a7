//! The maintained (new-version, DtsJobId) family of the simulated DTS API:
//! DescribeDtsJobs, DescribeDtsJobDetail and ModifyDtsJobEndpoint, and endpoint changes
//! that apply after one `step` (dts-api-maintained.md §1, §2).
//!
//! Error shapes, on purpose both kinds so that clients handle both:
//! * HTTP 400 gateway shape (`Code`/`Message`): a required parameter is missing
//!   (`MissingDtsJobId`, `MissingEndpoint`, `MissingEndpointInstanceType`), or a value is
//!   outside its enum or unreadable (`InvalidParameter`: EndpointInstanceType,
//!   SynchronizationDirection or Reverse on a one-way job, DryRun, ModifyAccount,
//!   EndpointPort, EndpointIp, AliyunUid without RoleName or the reverse).
//! * HTTP 403 gateway shape: `OperationDenied.JobVersionNotSupported` for a legacy job.
//! * HTTP 200 `Success: false` with `ErrCode`/`ErrMessage` (and `HttpStatusCode`):
//!   `Forbidden.InstanceNotFound` (unknown id, another region; Detail also for a legacy
//!   job), `DTS.Msg.InvalidEndpoint` (an `Endpoint` other than src/dest, or a new endpoint
//!   its type cannot reach: no instance id, no IP, no port, no account),
//!   `DTS.Msg.OperationDenied.JobStatusModifying` (the direction is Modifying),
//!   `DTS.Msg.ConnectDBFailed` (the connectivity check failed).

use crate::sim::data::{PendingChange, Side, SimDirection, SimEndpoint, SimJob};
use crate::sim::state::{
    invalid, missing, region_of, request_id, version_not_supported, Reply, SimState,
};
use serde_json::{json, Value};
use std::time::Instant;

/// `EndpointInstanceType` values (case-insensitive) and how responses then show them.
const INSTANCE_TYPES: &[(&str, &str)] = &[
    ("rds", "RDS"),
    ("polardb", "PolarDB"),
    ("mongodb", "MONGODB"),
    ("distributed_mongodb", "DISTRIBUTED_MONGODB"),
    ("greenplum", "GREENPLUM"),
    ("kafka", "KAFKA"),
    ("ecs", "ECS"),
    ("express", "EXPRESS"),
    ("other", "OTHER"),
];

const MAX_RETRY_TIME: u64 = 43200;

/// An HTTP 200 answer with `Success: false` in the new family's envelope.
fn refusal(code: &str, message: &str, http_status: Value) -> Reply {
    Reply::Json {
        status: 200,
        body: json!({
            "RequestId": request_id(),
            "Success": false,
            "HttpStatusCode": http_status,
            "ErrCode": code,
            "ErrMessage": message,
            "DynamicCode": "",
            "DynamicMessage": "",
        }),
        retry_after: None,
    }
}

fn not_found(http_status: Value) -> Reply {
    refusal(
        "Forbidden.InstanceNotFound",
        "The specified instance is not found.",
        http_status,
    )
}

/// ModifyDtsJobEndpoint's refusals in an HTTP 200 body (`HttpStatusCode` a string, as in
/// that op's model).
fn modify_refusal(code: &str, message: &str) -> Reply {
    refusal(code, message, json!("400"))
}

fn invalid_endpoint(why: &str) -> Reply {
    modify_refusal(
        "DTS.Msg.InvalidEndpoint",
        &format!("The endpoint is invalid: {why}."),
    )
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `SynchronizationDirection`: None when absent, Some(reverse) else (case-insensitive).
fn direction_param(get: &dyn Fn(&str) -> Option<String>) -> Result<Option<bool>, Reply> {
    match get("SynchronizationDirection") {
        None => Ok(None),
        Some(d) if d.eq_ignore_ascii_case("Forward") => Ok(Some(false)),
        Some(d) if d.eq_ignore_ascii_case("Reverse") => Ok(Some(true)),
        Some(_) => Err(invalid("SynchronizationDirection")),
    }
}

/// A boolean parameter (`true`/`false` in any case, as the SDKs send `True` or `true`).
fn bool_param(get: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<bool, Reply> {
    match get(name) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(invalid(name)),
    }
}

fn comma_list(v: Option<String>) -> Option<Vec<String>> {
    v.map(|s| {
        s.split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect()
    })
}

fn endpoint_region<'a>(e: &'a SimEndpoint, job: &'a SimJob, region: &'a str) -> &'a str {
    if !e.region.is_empty() {
        &e.region
    } else {
        job.region.as_deref().unwrap_or(region)
    }
}

/// An endpoint as DescribeDtsJobs shows it (no AliyunUid/RoleName/CanModifyPassword).
fn list_endpoint(e: &SimEndpoint, job: &SimJob, region: &str) -> Value {
    json!({
        "InstanceID": e.instance_id,
        "InstanceType": e.instance_type,
        "EngineName": e.engine,
        "Ip": e.ip,
        "Port": e.port,
        "Region": endpoint_region(e, job, region),
        "UserName": e.user,
        "DatabaseName": e.database,
    })
}

/// An endpoint as DescribeDtsJobDetail shows it.
fn detail_endpoint(e: &SimEndpoint, job: &SimJob, region: &str) -> Value {
    json!({
        "AliyunUid": e.aliyun_uid,
        "CanModifyPassword": false,
        "DatabaseName": e.database,
        "EngineName": e.engine,
        "InstanceID": e.instance_id,
        "InstanceType": e.instance_type,
        "Ip": e.ip,
        "Port": e.port,
        "Region": endpoint_region(e, job, region),
        "RoleName": e.role_name,
        "SslSolutionEnum": "DISABLE",
        "UserName": e.user,
    })
}

fn data_sync_status(status: &str, delay: u64, error: &str) -> Value {
    let s = match status.to_ascii_lowercase().as_str() {
        "failed" => "Failed",
        "synchronizing" if delay <= 5 => "Catched",
        "notstarted" => "NotStarted",
        _ => "Migrating",
    };
    json!({"Status": s, "Percent": "95", "Progress": "0.00RPS/(0.000MB/s)", "ErrorMessage": error, "NeedUpgrade": false})
}

impl SimState {
    /// A direction's RetryState: retrying against the changed side while it stays Failed
    /// after a change.
    fn retry_state(&self, job: &SimJob, reverse: bool, status: &str, error: &str) -> Value {
        let d = job.direction(reverse).expect("direction exists");
        let failing = status.eq_ignore_ascii_case("Failed") && d.switched_at.is_some();
        let job_id = job.dts_job_id(reverse);
        if !failing {
            return json!({"Retrying": false, "RetryCount": 0, "RetryTime": 0, "MaxRetryTime": MAX_RETRY_TIME,
                "RetryTarget": "", "ErrMessage": "", "JobId": job_id, "Module": ""});
        }
        let elapsed = d
            .switched_at
            .map(|t| Instant::now().saturating_duration_since(t))
            .unwrap_or_default();
        let count = 1 + (elapsed.as_secs_f64() / self.config.step.as_secs_f64().max(0.001)) as u64;
        let (target, module) = match d.changed_side {
            Some(Side::Dest) => ("destDB", "writer"),
            _ => ("srcDB", "reader"),
        };
        json!({"Retrying": true, "RetryCount": count, "RetryTime": elapsed.as_secs(), "MaxRetryTime": MAX_RETRY_TIME,
            "RetryTarget": target, "ErrMessage": error, "JobId": job_id, "Module": module})
    }

    /// The job a DtsJobId (either direction's; a legacy job's made-up one too) or a
    /// DtsInstanceID names in `region`, with the direction the DtsJobId implies.
    fn lookup(
        &self,
        job_id: Option<&str>,
        instance_id: Option<&str>,
        region: &str,
    ) -> Option<(usize, Option<bool>)> {
        let (i, implied) = match job_id {
            Some(id) => self.jobs.iter().enumerate().find_map(|(i, j)| {
                if j.dts_job_id(false) == id {
                    Some((i, Some(false)))
                } else if j.reverse.is_some() && j.dts_job_id(true) == id {
                    Some((i, Some(true)))
                } else {
                    None
                }
            })?,
            None => (
                self.jobs
                    .iter()
                    .position(|j| Some(j.id.as_str()) == instance_id)?,
                None,
            ),
        };
        let j = &self.jobs[i];
        (j.in_region(region) && instance_id.is_none_or(|x| x == j.id)).then_some((i, implied))
    }

    /// DescribeDtsJobs (`JobType=SYNC`): maintained jobs with their own DtsJobIds and
    /// legacy ones with made-up ids (`<id>j`, reverse `<id>r`), `Success` a boolean,
    /// endpoints spelled `InstanceID`/`Ip`, `Delay` in seconds, `Checkpoint` a string,
    /// `ReverseJob` (with its own DtsJobId, without RetryState) for two-way jobs. Filters:
    /// `DtsJobId` and `DtsInstanceId` (comma-separated), `Region` (or `RegionId`).
    /// Like DescribeSynchronizationJobs it shows the stored status (Modifying, then where
    /// the catch-up leads); DescribeDtsJobDetail shows the catch-up itself.
    pub(crate) fn describe_dts_jobs(&self, get: &dyn Fn(&str) -> Option<String>) -> Reply {
        let size = match get("PageSize") {
            None => 20,
            Some(s) => match s.parse::<usize>() {
                Ok(n @ (10 | 20 | 30)) => n,
                _ => return invalid("PageSize"),
            },
        };
        let num = match get("PageNumber") {
            None => 1,
            Some(s) => match s.parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => return invalid("PageNumber"),
            },
        };
        let sync = get("JobType").is_some_and(|t| t.eq_ignore_ascii_case("SYNC"));
        let region = get("Region").unwrap_or_else(|| region_of(get));
        let job_ids = comma_list(get("DtsJobId"));
        let instance_ids = comma_list(get("DtsInstanceId"));
        let item = |j: &SimJob, reverse: bool| {
            let d = j.direction(reverse).expect("direction exists");
            let mut v = json!({
                "DtsJobId": j.dts_job_id(reverse),
                "DtsInstanceID": j.id,
                "DtsJobName": j.name,
                "JobType": "sync",
                "Status": d.status,
                "ErrorMessage": d.error_message,
                "ErrorDetails": [],
                "Delay": d.delay,
                "Checkpoint": unix_now().saturating_sub(d.delay).to_string(),
                "DtsJobDirection": if reverse { "Reverse" } else { "Forward" },
                "DtsJobClass": j.class,
                "PayType": "PostPaid",
                "CreateTime": "2026-01-01T02:00:00Z",
                "DataSynchronizationStatus": data_sync_status(&d.status, d.delay, &d.error_message),
                "SourceEndpoint": list_endpoint(&d.src, j, &region),
                "DestinationEndpoint": list_endpoint(&d.dst, j, &region),
            });
            if !reverse {
                v["RetryState"] = self.retry_state(j, false, &d.status, &d.error_message);
            }
            v
        };
        let listed: Vec<&SimJob> = if sync {
            self.jobs
                .iter()
                .filter(|j| j.in_region(&region))
                .filter(|j| instance_ids.as_ref().is_none_or(|ids| ids.contains(&j.id)))
                .filter(|j| {
                    job_ids.as_ref().is_none_or(|ids| {
                        ids.contains(&j.dts_job_id(false))
                            || (j.reverse.is_some() && ids.contains(&j.dts_job_id(true)))
                    })
                })
                .collect()
        } else {
            vec![]
        };
        let page: Vec<Value> = listed
            .iter()
            .skip((num - 1).saturating_mul(size))
            .take(size)
            .map(|j| {
                let mut v = item(j, false);
                if j.reverse.is_some() {
                    v["ReverseJob"] = item(j, true);
                }
                v
            })
            .collect();
        Reply::Json {
            status: 200,
            body: json!({
                "RequestId": request_id(),
                "Success": true,
                "HttpStatusCode": 200,
                "PageNumber": num,
                "PageRecordCount": page.len(),
                "TotalRecordCount": listed.len(),
                "DtsJobList": page,
                "EtlDemoList": [],
            }),
            retry_after: None,
        }
    }

    /// DescribeDtsJobDetail: by `DtsJobId` (either direction's) or `DtsInstanceID`
    /// (`DtsInstanceId` accepted too). The direction is `SynchronizationDirection` when
    /// given (it wins over the id's), else the one the DtsJobId names, else Forward.
    /// `Delay` in milliseconds, `Checkpoint` an integer. A legacy job, an unknown id or
    /// one of another region: HTTP 200 `Success: false`, `Forbidden.InstanceNotFound`.
    pub(crate) fn describe_dts_job_detail(
        &self,
        get: &dyn Fn(&str) -> Option<String>,
        now: Instant,
    ) -> Reply {
        let job_id = get("DtsJobId");
        let instance_id = get("DtsInstanceID").or_else(|| get("DtsInstanceId"));
        if job_id.is_none() && instance_id.is_none() {
            return missing("DtsJobId");
        }
        let asked = match direction_param(get) {
            Ok(d) => d,
            Err(r) => return r,
        };
        let region = region_of(get);
        let Some((i, implied)) = self.lookup(job_id.as_deref(), instance_id.as_deref(), &region)
        else {
            return not_found(json!(403));
        };
        let job = &self.jobs[i];
        if job.maintained().is_none() {
            return not_found(json!(403));
        }
        let reverse = asked.or(implied).unwrap_or(false);
        let Some(d) = job.direction(reverse) else {
            return invalid("SynchronizationDirection");
        };
        let (status, delay, error) = self.live_status(job, d, now);
        let shown = if job.lowercase_detail_status && status == "Synchronizing" {
            "synchronizing".to_string()
        } else {
            status.clone()
        };
        let dir = if reverse { "Reverse" } else { "Forward" };
        let mut body = json!({
            "RequestId": request_id(),
            "Success": true,
            "HttpStatusCode": 200,
            "DtsJobId": job.dts_job_id(reverse),
            "DtsInstanceID": job.id,
            "DtsJobName": job.name,
            "JobType": "sync",
            "DtsJobClass": job.class,
            "PayType": "PostPaid",
            "SynchronizationDirection": dir,
            "Status": shown,
            "ErrorMessage": error,
            "Delay": delay * 1000,
            "Checkpoint": unix_now().saturating_sub(delay),
            "RetryState": self.retry_state(job, reverse, &status, &error),
            "DataSynchronizationStatus": data_sync_status(&status, delay, &error),
            "SourceEndpoint": detail_endpoint(&d.src, job, &region),
            "DestinationEndpoint": detail_endpoint(&d.dst, job, &region),
        });
        if job.reverse.is_some() {
            body["DtsJobDirection"] = json!(dir);
        }
        Reply::Json {
            status: 200,
            body,
            retry_after: None,
        }
    }

    /// ModifyDtsJobEndpoint (error shapes: the module's doc). A dry run validates and
    /// checks connectivity, and changes nothing. Otherwise the direction is Modifying for
    /// one `step`, then shows the new endpoint and catches up (`live_status`).
    pub(crate) fn modify_dts_job_endpoint(
        &mut self,
        get: &dyn Fn(&str) -> Option<String>,
        now: Instant,
    ) -> Reply {
        let job_id = get("DtsJobId");
        let instance_id = get("DtsInstanceId");
        if job_id.is_none() && instance_id.is_none() {
            return missing("DtsJobId");
        }
        let Some(endpoint) = get("Endpoint") else {
            return missing("Endpoint");
        };
        let Some(itype) = get("EndpointInstanceType") else {
            return missing("EndpointInstanceType");
        };
        let Some(&(itype, shown_type)) = INSTANCE_TYPES
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case(&itype))
        else {
            return invalid("EndpointInstanceType");
        };
        let port = get("EndpointPort");
        if port
            .as_deref()
            .is_some_and(|p| !matches!(p.parse::<u32>(), Ok(1..=65535)))
        {
            return invalid("EndpointPort");
        }
        let ip = get("EndpointIp");
        if ip
            .as_deref()
            .is_some_and(|v| v.parse::<std::net::IpAddr>().is_err())
        {
            return invalid("EndpointIp");
        }
        let asked = match direction_param(get) {
            Ok(d) => d,
            Err(r) => return r,
        };
        let (dry_run, modify_account) =
            match (bool_param(get, "DryRun"), bool_param(get, "ModifyAccount")) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(r), _) | (_, Err(r)) => return r,
            };
        let (uid, role) = (get("AliyunUid"), get("RoleName"));
        if uid.is_some() != role.is_some() {
            return invalid(if uid.is_some() {
                "RoleName"
            } else {
                "AliyunUid"
            });
        }
        let region = region_of(get);
        let Some((i, implied)) = self.lookup(job_id.as_deref(), instance_id.as_deref(), &region)
        else {
            return not_found(json!("403"));
        };
        if self.jobs[i].maintained().is_none() {
            return version_not_supported("SwitchSynchronizationEndpoint");
        }
        let reverse = asked.or(implied).unwrap_or(false);
        let side = match endpoint.to_ascii_lowercase().as_str() {
            "src" => Side::Src,
            "dest" => Side::Dest,
            _ => return invalid_endpoint("Endpoint must be src or dest"),
        };
        let job = &self.jobs[i];
        let Some(d) = job.direction(reverse) else {
            return invalid("SynchronizationDirection");
        };
        if d.pending.is_some() {
            return modify_refusal(
                "DTS.Msg.OperationDenied.JobStatusModifying",
                "The job is being modified (status Modifying); retry when the change is done.",
            );
        }
        let iid = get("EndpointInstanceId");
        match itype {
            "ecs" if !iid.as_deref().is_some_and(|v| v.starts_with("i-")) => {
                return invalid_endpoint("an ecs endpoint needs the ECS instance id (i-…) in EndpointInstanceId")
            }
            "ecs" | "express" | "other" if port.is_none() => {
                return invalid_endpoint("EndpointPort is required for a self-managed database")
            }
            "express" | "other" if ip.is_none() => {
                return invalid_endpoint("EndpointIp is required for a database reached over Express Connect or the Internet")
            }
            "rds" | "polardb" | "mongodb" | "distributed_mongodb" | "greenplum" | "kafka"
                if iid.is_none() =>
            {
                return invalid_endpoint("EndpointInstanceId is required for an Alibaba Cloud instance")
            }
            _ => {}
        }
        if modify_account && (get("Username").is_none() || get("Password").is_none()) {
            return invalid_endpoint("ModifyAccount=true needs Username and Password");
        }
        let old = match side {
            Side::Src => &d.src,
            Side::Dest => &d.dst,
        };
        let new = SimEndpoint {
            instance_type: shown_type.into(),
            instance_id: iid.unwrap_or_default(),
            engine: old.engine.clone(),
            ip: ip.unwrap_or_default(),
            port: port.unwrap_or_else(|| old.port.clone()),
            user: if modify_account {
                get("Username").unwrap_or_default()
            } else {
                old.user.clone()
            },
            region: get("EndpointRegionId").unwrap_or_else(|| old.region.clone()),
            database: get("Database").unwrap_or_else(|| old.database.clone()),
            aliyun_uid: uid.unwrap_or_default(),
            role_name: role.unwrap_or_default(),
        };
        if job.dry_run_fails || self.config.faults.dry_run_fails {
            let addr = if new.ip.is_empty() {
                format!("{}:{}", new.instance_id, new.port)
            } else {
                format!("{}:{}", new.ip, new.port)
            };
            return modify_refusal(
                "DTS.Msg.ConnectDBFailed",
                &format!("Connect to the new database failed: {addr} refused the connection from DTS (DTS-1020042: Communications link failure); check the whitelist and that the database listens on that port."),
            );
        }
        let ok = Reply::Json {
            status: 200,
            body: json!({"RequestId": request_id(), "Success": true, "HttpStatusCode": "200"}),
            retry_after: None,
        };
        if dry_run {
            self.mangled = Some("dry-run".into());
            return ok;
        }
        let d = self.jobs[i]
            .direction_mut(reverse)
            .expect("direction exists");
        d.pending = Some(PendingChange {
            side,
            endpoint: new,
            at: now,
        });
        d.status = "Modifying".into();
        if self.config.faults.drop_modify_answer {
            return Reply::Drop;
        }
        ok
    }

    /// Endpoint changes pending for one `step` apply (never with `stuck_after_modify`):
    /// the changed side shows the new endpoint, and the direction catches up, or stays
    /// Failed (`fail_after_switch`, a job that fails after a change).
    pub(crate) fn apply_pending_changes(&mut self, now: Instant) {
        if self.config.faults.stuck_after_modify {
            return;
        }
        let step = self.config.step;
        let fail_all = self.config.faults.fail_after_switch;
        for job in &mut self.jobs {
            let fails = fail_all || job.fails_after_change;
            let dirs: [Option<&mut SimDirection>; 2] =
                [Some(&mut job.forward), job.reverse.as_mut()];
            for d in dirs.into_iter().flatten() {
                let Some(p) = d
                    .pending
                    .take_if(|p| now.saturating_duration_since(p.at) >= step)
                else {
                    continue;
                };
                match p.side {
                    Side::Src => d.src = p.endpoint,
                    Side::Dest => d.dst = p.endpoint,
                }
                d.changed_side = Some(p.side);
                d.switched_at = Some(p.at + step);
                if fails {
                    d.status = "Failed".into();
                    d.error_message = crate::sim::data::change_failure_message(Some(p.side));
                } else {
                    d.status = "Synchronizing".into();
                    d.error_message.clear();
                }
            }
        }
    }
}
