//! The wire layer of the maintained DTS family (DtsJob operations, API 2020-01-01):
//! DescribeDtsJobDetail, DescribeDtsJobs looked up by id, and ModifyDtsJobEndpoint
//! (dts-api-maintained.md §1, §2). Pure wire: typed answers and the calls that get them,
//! no plans, rules or journal.
//!
//! Every parser tolerates what the models and the docs disagree on: numbers and booleans
//! as strings, `InstanceID`/`InstanceId` and `Ip`/`IP`, `DtsInstanceID`/`DtsInstanceId`,
//! `Checkpoint` as an integer (Detail) or a string (Jobs), `HttpStatusCode` as either.

use crate::api::client::{is_success_false, str_of, success_false_error, CallMode, Client};
use crate::api::error::ApiError;
use crate::api::ops::{RawJson, MAX_PAGE_SIZE};
use serde_json::Value;

/// `ModifyDtsJobEndpoint`: changes a job's source or destination database (§1).
pub const MODIFY: &str = "ModifyDtsJobEndpoint";
/// `DescribeDtsJobDetail`: one job (one direction) in full (§2.2, §2.3).
pub const DETAIL: &str = "DescribeDtsJobDetail";
/// `DescribeDtsJobs`, the maintained family's list (§2.4).
pub const JOBS: &str = crate::api::ops::DTS_JOBS;

/// One endpoint of a maintained-family job (`SourceEndpoint` / `DestinationEndpoint`).
/// Every field is the service's text, verbatim; missing fields are empty. DescribeDtsJobs
/// sends no `AliyunUid`/`RoleName` (those are Detail only).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DtsEndpoint {
    /// `InstanceType`, in the response vocabulary (not the `EndpointInstanceType` one of
    /// ModifyDtsJobEndpoint: map it before echoing it back, §1.3).
    pub instance_type: String,
    /// `InstanceID` (also `InstanceId`).
    pub instance_id: String,
    pub engine_name: String,
    /// `Ip` (also `IP`).
    pub ip: String,
    /// `Port`, a string or a number on the wire.
    pub port: String,
    pub region: String,
    pub database_name: String,
    pub user_name: String,
    pub aliyun_uid: String,
    pub role_name: String,
}

impl DtsEndpoint {
    /// The endpoint in `v` (an object; anything else gives an all-empty endpoint).
    pub fn from_value(v: Option<&Value>) -> Self {
        let g = |keys: &[&str]| text(v, keys);
        DtsEndpoint {
            instance_type: g(&["InstanceType"]),
            instance_id: g(&["InstanceID", "InstanceId"]),
            engine_name: g(&["EngineName"]),
            ip: g(&["Ip", "IP"]),
            port: port_of(v.and_then(|o| o.get("Port"))),
            region: g(&["Region"]),
            database_name: g(&["DatabaseName"]),
            user_name: g(&["UserName"]),
            aliyun_uid: g(&["AliyunUid"]),
            role_name: g(&["RoleName"]),
        }
    }
}

/// `RetryState` of a job: whether DTS is retrying a failing connection or module.
/// Booleans and numbers may arrive as strings; missing or unreadable numbers are 0.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RetryState {
    /// `Retrying`: `true`, `"true"` (any case) or `"1"`; anything else is false.
    pub retrying: bool,
    pub retry_count: u64,
    /// `RetryTime`: the retry time elapsed so far, in seconds.
    pub retry_time_secs: u64,
    /// `MaxRetryTime`, in seconds.
    pub max_retry_time_secs: u64,
    /// `RetryTarget`: `srcDB`, `destDB` or `inner_module` (verbatim).
    pub target: String,
    /// `ErrMessage`.
    pub err_message: String,
}

impl RetryState {
    /// The retry state in `v`, when it is a non-empty object.
    pub fn from_value(v: Option<&Value>) -> Option<Self> {
        let o = v.and_then(Value::as_object).filter(|o| !o.is_empty())?;
        let n = |k: &str| count_of(o.get(k));
        Some(RetryState {
            retrying: bool_of(o.get("Retrying")),
            retry_count: n("RetryCount"),
            retry_time_secs: n("RetryTime"),
            max_retry_time_secs: n("MaxRetryTime"),
            target: text(v, &["RetryTarget"]),
            err_message: text(v, &["ErrMessage"]),
        })
    }
}

/// The answer of DescribeDtsJobDetail (§2.3): one direction of one job.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DtsJobDetail {
    pub request_id: Option<String>,
    pub dts_job_id: String,
    /// `DtsInstanceID` (also `DtsInstanceId`).
    pub dts_instance_id: String,
    /// `DtsJobName`: free text, never an identity (§2.1).
    pub name: String,
    /// `JobType`: `sync`, or `subSync` for a subtask (verbatim).
    pub job_type: String,
    /// `SynchronizationDirection`, else `DtsJobDirection`: `Forward` (also when absent) or
    /// `Reverse`, in either case on the wire; any other value verbatim.
    pub direction: String,
    /// `Status`, verbatim (this op documents `synchronizing` in lowercase: compare
    /// case-insensitively).
    pub status: String,
    pub error_message: String,
    /// `Delay` as sent. DescribeDtsJobDetail documents it in **milliseconds** (§2.6;
    /// DescribeDtsJobs says seconds for sync jobs). `None` when absent, negative or not a
    /// number.
    pub delay_ms: Option<f64>,
    /// `Checkpoint`, Unix seconds of the latest synchronized data; `None` when absent,
    /// 0, negative or not a number.
    pub checkpoint: Option<u64>,
    pub retry_state: Option<RetryState>,
    /// `DataSynchronizationStatus.Status` (e.g. `Catched`: no latency), verbatim.
    pub data_sync_status: String,
    pub source: DtsEndpoint,
    pub destination: DtsEndpoint,
    /// The answer as the service sent it.
    pub raw: Value,
}

/// Parses a DescribeDtsJobDetail answer. An answer with neither a `Status` nor a
/// `DtsJobId` describes no job: [`ApiError::Malformed`].
pub fn parse_dts_job_detail(
    body: &Value,
    request_id: Option<String>,
) -> Result<DtsJobDetail, ApiError> {
    if let Some(obj) = body.as_object().filter(|o| is_success_false(o)) {
        return Err(success_false_error(DETAIL, 200, obj));
    }
    let b = Some(body);
    let g = |keys: &[&str]| text(b, keys);
    let status = g(&["Status"]);
    let dts_job_id = g(&["DtsJobId"]);
    if status.is_empty() && dts_job_id.is_empty() {
        return Err(malformed(
            DETAIL,
            request_id,
            "the answer has neither a Status nor a DtsJobId".into(),
        ));
    }
    Ok(DtsJobDetail {
        request_id,
        dts_job_id,
        dts_instance_id: g(&["DtsInstanceID", "DtsInstanceId"]),
        name: g(&["DtsJobName"]),
        job_type: g(&["JobType"]),
        direction: direction_of(
            &g(&["SynchronizationDirection", "DtsJobDirection"]),
            FORWARD,
        ),
        status,
        error_message: g(&["ErrorMessage"]),
        delay_ms: amount_of(body.get("Delay")),
        checkpoint: checkpoint_of(body.get("Checkpoint")),
        retry_state: RetryState::from_value(body.get("RetryState")),
        data_sync_status: text(body.get("DataSynchronizationStatus"), &["Status"]),
        source: DtsEndpoint::from_value(body.get("SourceEndpoint")),
        destination: DtsEndpoint::from_value(body.get("DestinationEndpoint")),
        raw: body.clone(),
    })
}

/// One item of DescribeDtsJobs `DtsJobList[]` (§2.4), or its `ReverseJob`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DtsJobEntry {
    pub dts_job_id: String,
    /// `DtsInstanceID` (also `DtsInstanceId`).
    pub dts_instance_id: String,
    /// `DtsJobName`: free text, never an identity.
    pub name: String,
    pub status: String,
    pub error_message: String,
    /// `Delay` as sent: **seconds** for sync jobs in this op (milliseconds for migration
    /// jobs, which a `JobType=SYNC` list does not hold). `None` when absent, negative or
    /// not a number.
    pub delay_secs: Option<f64>,
    /// `Checkpoint` (a string here), Unix seconds; `None` when absent, 0, negative or not
    /// a number.
    pub checkpoint: Option<u64>,
    /// `DtsJobDirection`, else `SynchronizationDirection`: `Forward` or `Reverse`; when
    /// absent, `Forward` for a list item and `Reverse` for its `ReverseJob`.
    pub direction: String,
    pub source: DtsEndpoint,
    pub destination: DtsEndpoint,
    /// `RetryState` (a `ReverseJob` has none).
    pub retry_state: Option<RetryState>,
    /// `CreateTime`, when present and non-empty.
    pub create_time: Option<String>,
    /// `ReverseJob`: the other direction of a two-way job, with its own `DtsJobId`. Only
    /// when it is an object naming a `DtsJobId` or `DtsInstanceID` (a `{}` is one-way).
    /// A reverse entry never has a reverse of its own.
    pub reverse: Option<Box<DtsJobEntry>>,
    /// The item as the service sent it.
    pub raw: RawJson,
}

impl DtsJobEntry {
    /// The entry in `v`; `None` when it names neither a `DtsJobId` nor a `DtsInstanceID`.
    pub fn from_value(v: &Value) -> Option<Self> {
        Self::parse(v, FORWARD, true)
    }

    fn parse(v: &Value, default_direction: &str, with_reverse: bool) -> Option<Self> {
        let o = Some(v);
        let g = |keys: &[&str]| text(o, keys);
        let dts_job_id = g(&["DtsJobId"]);
        let dts_instance_id = g(&["DtsInstanceID", "DtsInstanceId"]);
        if dts_job_id.is_empty() && dts_instance_id.is_empty() {
            return None;
        }
        let reverse = if with_reverse {
            v.get("ReverseJob")
                .filter(|r| r.is_object())
                .and_then(|r| Self::parse(r, REVERSE, false))
                .map(Box::new)
        } else {
            None
        };
        let create_time = g(&["CreateTime"]);
        Some(DtsJobEntry {
            dts_job_id,
            dts_instance_id,
            name: g(&["DtsJobName"]),
            status: g(&["Status"]),
            error_message: g(&["ErrorMessage"]),
            delay_secs: amount_of(v.get("Delay")),
            checkpoint: checkpoint_of(v.get("Checkpoint")),
            direction: direction_of(
                &g(&["DtsJobDirection", "SynchronizationDirection"]),
                default_direction,
            ),
            source: DtsEndpoint::from_value(v.get("SourceEndpoint")),
            destination: DtsEndpoint::from_value(v.get("DestinationEndpoint")),
            retry_state: RetryState::from_value(v.get("RetryState")),
            create_time: (!create_time.is_empty()).then_some(create_time),
            reverse,
            raw: RawJson::from_value(v),
        })
    }
}

/// A DescribeDtsJobs answer, item by item.
#[derive(Debug, Clone, PartialEq)]
pub struct DtsJobsList {
    pub request_id: Option<String>,
    /// `TotalRecordCount`, when the answer has one (it counts DTS instances).
    pub total_record_count: Option<u64>,
    /// Items in the answer's `DtsJobList`, those without an id included.
    pub listed: usize,
    /// The items naming a `DtsJobId` or `DtsInstanceID`, in the answer's order.
    pub entries: Vec<DtsJobEntry>,
}

/// Parses a DescribeDtsJobs answer into full entries. A `DtsJobList` that is not a list
/// is [`ApiError::Malformed`]; a missing or null one is an empty list.
pub fn parse_dts_jobs_entries(
    body: &Value,
    request_id: Option<String>,
) -> Result<DtsJobsList, ApiError> {
    if let Some(obj) = body.as_object().filter(|o| is_success_false(o)) {
        return Err(success_false_error(JOBS, 200, obj));
    }
    let list: &[Value] = match body.get("DtsJobList") {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => &[],
        Some(other) => {
            return Err(malformed(
                JOBS,
                request_id,
                format!("DtsJobList is not a list: {}", kind_of(other)),
            ))
        }
    };
    Ok(DtsJobsList {
        request_id,
        total_record_count: body
            .get("TotalRecordCount")
            .and_then(str_of)
            .and_then(|s| s.trim().parse().ok()),
        listed: list.len(),
        entries: list.iter().filter_map(DtsJobEntry::from_value).collect(),
    })
}

/// The answer of ModifyDtsJobEndpoint: the service took the change (or, for a dry run,
/// the checks passed). There is no TaskId (§1.4): what happens next is only seen by
/// reading the job (DescribeDtsJobDetail).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ModifyAnswer {
    pub request_id: Option<String>,
}

/// Parses a ModifyDtsJobEndpoint answer (after [`crate::api::client::parse_answer`]).
///
/// Accepted **only** when `Success` is `true` (a boolean, or the string `true` in any
/// case), any `HttpStatusCode` (string or number) is 2xx, and no `ErrCode` other than
/// an empty one, `0`, `200`, `OK` or `Success` comes with it. `Success:false` is the
/// service's error ([`success_false_error`]). Everything else (no `Success`, any other
/// value of it, a body that is not an object, a contradicting `HttpStatusCode` or
/// `ErrCode`) is [`ApiError::Malformed`]: the change may or may not have been made.
pub fn parse_modify_answer(
    body: &Value,
    request_id: Option<String>,
) -> Result<ModifyAnswer, ApiError> {
    let unknown = |detail: String| malformed(MODIFY, request_id.clone(), detail);
    let Some(obj) = body.as_object() else {
        return Err(unknown(format!(
            "the answer is {}, not a JSON object",
            kind_of(body)
        )));
    };
    if is_success_false(obj) {
        return Err(success_false_error(MODIFY, 200, obj));
    }
    match obj.get("Success") {
        Some(Value::Bool(true)) => {}
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("true") => {}
        None | Some(Value::Null) => {
            return Err(unknown(
                "the answer has no Success field, so it does not say the change was taken".into(),
            ))
        }
        Some(other) => {
            return Err(unknown(format!(
                "Success is {}, neither true nor false",
                kind_of(other)
            )))
        }
    }
    match obj.get("HttpStatusCode") {
        None | Some(Value::Null) => {}
        Some(v) => match str_of(v).and_then(|s| s.trim().parse::<u16>().ok()) {
            Some(c) if (200..300).contains(&c) => {}
            Some(c) => {
                return Err(unknown(format!(
                    "Success is true but HttpStatusCode is {c}"
                )))
            }
            None => {
                return Err(unknown(format!(
                    "HttpStatusCode is {}, not a status",
                    kind_of(v)
                )))
            }
        },
    }
    let err_code = text(Some(body), &["ErrCode"]);
    let benign = ["0", "200", "ok", "success"];
    if !err_code.trim().is_empty()
        && !benign
            .iter()
            .any(|b| err_code.trim().eq_ignore_ascii_case(b))
    {
        return Err(unknown(format!(
            "Success is true but ErrCode is {}",
            crate::text::clean(&err_code)
        )));
    }
    Ok(ModifyAnswer { request_id })
}

/// Parameters of DescribeDtsJobs for sync jobs named by id (one page of at most
/// [`MAX_PAGE_SIZE`], without database lists). Empty ids are left out; the ids are
/// joined with commas, so an id must not hold one (callers validate their ids).
pub fn dts_jobs_by_id_params(
    region: &str,
    ids: &[&str],
    by_instance: bool,
) -> Vec<(String, String)> {
    let list: Vec<&str> = ids
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    let key = if by_instance {
        "DtsInstanceId"
    } else {
        "DtsJobId"
    };
    vec![
        ("JobType".to_string(), "SYNC".to_string()),
        ("Region".to_string(), region.to_string()),
        (key.to_string(), list.join(",")),
        ("PageSize".to_string(), MAX_PAGE_SIZE.to_string()),
        ("PageNumber".to_string(), "1".to_string()),
        ("WithoutDbList".to_string(), "true".to_string()),
    ]
}

/// Parameters of DescribeDtsJobDetail: each one only when given and non-empty. Note
/// `DtsInstanceID` with a capital `ID`, as this op (only) spells it (§2.2).
pub fn dts_job_detail_params(
    dts_job_id: Option<&str>,
    dts_instance_id: Option<&str>,
    direction: Option<&str>,
) -> Vec<(String, String)> {
    [
        ("DtsJobId", dts_job_id),
        ("DtsInstanceID", dts_instance_id),
        ("SynchronizationDirection", direction),
    ]
    .into_iter()
    .filter_map(|(k, v)| {
        v.filter(|v| !v.trim().is_empty())
            .map(|v| (k.to_string(), v.to_string()))
    })
    .collect()
}

/// `params` with `DryRun=true` (lowercase, §1.2) in place of any `DryRun` they had.
pub fn dry_run_params(params: &[(String, String)]) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "DryRun")
        .cloned()
        .collect();
    p.push(("DryRun".to_string(), "true".to_string()));
    p
}

impl Client {
    /// DescribeDtsJobDetail for one job (one direction), a read (retried as reads are).
    pub async fn describe_dts_job_detail(
        &self,
        dts_job_id: Option<&str>,
        dts_instance_id: Option<&str>,
        direction: Option<&str>,
    ) -> Result<DtsJobDetail, ApiError> {
        let params = dts_job_detail_params(dts_job_id, dts_instance_id, direction);
        let ans = self.call(DETAIL, &params, CallMode::Read).await?;
        parse_dts_job_detail(&ans.body, ans.request_id)
    }

    /// DescribeDtsJobs (`JobType=SYNC`, this client's region) for the jobs named by
    /// `ids`, by `DtsInstanceId` when `by_instance`, else by `DtsJobId`: one page of up to
    /// 30. With no non-empty id nothing is sent and the list is empty: an unfiltered
    /// request would list every job of the region. The service filters; callers still
    /// match the entries' ids against theirs.
    pub async fn describe_dts_jobs_by_id(
        &self,
        ids: &[&str],
        by_instance: bool,
    ) -> Result<DtsJobsList, ApiError> {
        if ids.iter().all(|s| s.trim().is_empty()) {
            return Ok(DtsJobsList {
                request_id: None,
                total_record_count: None,
                listed: 0,
                entries: Vec::new(),
            });
        }
        let params = dts_jobs_by_id_params(self.region(), ids, by_instance);
        let ans = self.call(JOBS, &params, CallMode::Read).await?;
        parse_dts_jobs_entries(&ans.body, ans.request_id)
    }

    /// Sends ModifyDtsJobEndpoint once (a write: never resent after it may have arrived;
    /// only a refusal that proves it was not executed and passes on its own, such as
    /// throttling, is sent again).
    pub async fn modify_dts_job_endpoint(
        &self,
        params: &[(String, String)],
    ) -> Result<ModifyAnswer, ApiError> {
        let ans = self.call(MODIFY, params, CallMode::Mutating).await?;
        parse_modify_answer(&ans.body, ans.request_id)
    }

    /// ModifyDtsJobEndpoint with `DryRun=true`: the checks only. Sent as a write all the
    /// same (never resent on an ambiguous failure): should the service ever take it for
    /// the real change, it must not have been sent twice.
    pub async fn modify_dts_job_endpoint_dry_run(
        &self,
        params: &[(String, String)],
    ) -> Result<ModifyAnswer, ApiError> {
        let params = dry_run_params(params);
        let ans = self.call(MODIFY, &params, CallMode::Mutating).await?;
        parse_modify_answer(&ans.body, ans.request_id)
    }
}

const FORWARD: &str = "Forward";
const REVERSE: &str = "Reverse";

/// The first of `keys` in the object `v` that holds a non-empty string, number or
/// boolean, as text; else empty.
fn text(v: Option<&Value>, keys: &[&str]) -> String {
    keys.iter()
        .find_map(|k| {
            v.and_then(|o| o.get(*k))
                .and_then(str_of)
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_default()
}

/// A port: a string verbatim, a whole number without a fraction (`3306.0` → `3306`).
fn port_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && (0.0..=65535.0).contains(&f) => {
                (f as u64).to_string()
            }
            _ => n.to_string(),
        },
        Some(other) => str_of(other).unwrap_or_default(),
        None => String::new(),
    }
}

/// `Forward` or `Reverse` in any case (spaces ignored) as `Forward`/`Reverse`; empty as
/// `default`; anything else verbatim.
fn direction_of(s: &str, default: &str) -> String {
    let t = s.trim();
    if t.is_empty() {
        default.to_string()
    } else if t.eq_ignore_ascii_case(FORWARD) {
        FORWARD.to_string()
    } else if t.eq_ignore_ascii_case(REVERSE) {
        REVERSE.to_string()
    } else {
        s.to_string()
    }
}

/// A non-negative finite number, from a number or a string.
fn amount_of(v: Option<&Value>) -> Option<f64> {
    v.and_then(str_of)
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|f| f.is_finite() && *f >= 0.0)
}

/// A count (or seconds): a whole non-negative number from a number or a string; 0 when
/// absent or unreadable.
fn count_of(v: Option<&Value>) -> u64 {
    v.and_then(str_of)
        .and_then(|s| {
            let s = s.trim();
            s.parse::<u64>().ok().or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && *f >= 0.0 && *f < u64::MAX as f64)
                    .map(|f| f as u64)
            })
        })
        .unwrap_or(0)
}

/// A Unix-seconds checkpoint from an integer or a string; `None` for 0, negative or
/// unreadable values.
fn checkpoint_of(v: Option<&Value>) -> Option<u64> {
    let s = v.and_then(str_of)?;
    let s = s.trim();
    s.parse::<u64>()
        .ok()
        .or_else(|| {
            s.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && *f >= 1.0 && *f < u64::MAX as f64)
                .map(|f| f as u64)
        })
        .filter(|c| *c > 0)
}

/// `true`, `"true"` in any case, or `1`/`"1"`.
fn bool_of(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            str_of(other).is_some_and(|s| s.trim().eq_ignore_ascii_case("true") || s.trim() == "1")
        }
        None => false,
    }
}

/// What a JSON value is, without echoing service text.
fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(true) => "true (a boolean)",
        Value::Bool(false) => "false (a boolean)",
        Value::Number(_) => "a number",
        Value::String(s) if s.trim().is_empty() => "an empty string",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn malformed(action: &str, request_id: Option<String>, detail: String) -> ApiError {
    ApiError::Malformed {
        action: action.into(),
        http_status: 200,
        detail,
        request_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::client::parse_answer;
    use serde_json::json;

    /// The DescribeDtsJobDetail example of dts-api-maintained.md §2.3.
    fn detail_example() -> Value {
        json!({ "RequestId": "R-D", "Success": true, "HttpStatusCode": 200,
          "DtsJobId": "ta7w132u12h****", "DtsInstanceID": "dtsta7w132u12h****", "DtsJobName": "orders", "JobType": "sync",
          "Status": "Synchronizing", "ErrorMessage": "", "Delay": 0, "Checkpoint": 1616899019,
          "SynchronizationDirection": "Forward", "DtsJobDirection": "Forward",
          "RetryState": { "Retrying": false, "RetryCount": 0, "RetryTime": 0, "MaxRetryTime": 43200, "RetryTarget": "srcDB", "ErrMessage": "" },
          "DataSynchronizationStatus": { "Status": "Catched", "Percent": "95", "Progress": "0.00RPS/(0.000MB/s)", "ErrorMessage": "", "NeedUpgrade": false },
          "SourceEndpoint": { "InstanceID": "rm-src", "InstanceType": "RDS", "EngineName": "MySQL", "Ip": "172.16.1.1", "Port": "3306",
                              "Region": "cn-hangzhou", "DatabaseName": "db1", "UserName": "dtstest", "SslSolutionEnum": "DISABLE", "CanModifyPassword": false,
                              "AliyunUid": "1234", "RoleName": "ram-for-dts" },
          "DestinationEndpoint": { "InstanceID": "rm-dst", "InstanceType": "RDS", "EngineName": "MySQL", "Ip": "172.16.2.2", "Port": "3307", "Region": "cn-shanghai" } })
    }

    #[test]
    fn detail_example_parses() {
        let d = parse_dts_job_detail(&detail_example(), Some("R-D".into())).unwrap();
        assert_eq!(d.request_id.as_deref(), Some("R-D"));
        assert_eq!(d.dts_job_id, "ta7w132u12h****");
        assert_eq!(d.dts_instance_id, "dtsta7w132u12h****");
        assert_eq!(d.name, "orders");
        assert_eq!(d.job_type, "sync");
        assert_eq!(d.direction, "Forward");
        assert_eq!(d.status, "Synchronizing");
        assert_eq!(d.error_message, "");
        assert_eq!(d.delay_ms, Some(0.0));
        assert_eq!(d.checkpoint, Some(1616899019));
        assert_eq!(
            d.retry_state,
            Some(RetryState {
                retrying: false,
                retry_count: 0,
                retry_time_secs: 0,
                max_retry_time_secs: 43200,
                target: "srcDB".into(),
                err_message: "".into(),
            })
        );
        assert_eq!(d.data_sync_status, "Catched");
        assert_eq!(
            d.source,
            DtsEndpoint {
                instance_type: "RDS".into(),
                instance_id: "rm-src".into(),
                engine_name: "MySQL".into(),
                ip: "172.16.1.1".into(),
                port: "3306".into(),
                region: "cn-hangzhou".into(),
                database_name: "db1".into(),
                user_name: "dtstest".into(),
                aliyun_uid: "1234".into(),
                role_name: "ram-for-dts".into(),
            }
        );
        assert_eq!(d.destination.port, "3307");
        assert_eq!(d.destination.user_name, "");
        assert_eq!(d.raw, detail_example());
    }

    #[test]
    fn detail_hostile_variants() {
        // Strings for numbers and booleans, lowercase status, other key spellings.
        let b = json!({"DtsJobId":"j1","DtsInstanceId":"dtsj1","Status":"synchronizing",
            "Delay":"1500","Checkpoint":"1616899019","DtsJobDirection":"reverse",
            "RetryState":{"Retrying":"True","RetryCount":"3","RetryTime":"120","MaxRetryTime":"43200.0","RetryTarget":"destDB","ErrMessage":"conn refused"},
            "SourceEndpoint":{"InstanceId":"i-1","IP":"10.0.0.1","Port":3306},
            "DestinationEndpoint":{"Port":3306.0}});
        let d = parse_dts_job_detail(&b, None).unwrap();
        assert_eq!(d.dts_instance_id, "dtsj1");
        assert_eq!(d.status, "synchronizing", "verbatim");
        assert_eq!(d.delay_ms, Some(1500.0), "kept in ms, as sent");
        assert_eq!(d.checkpoint, Some(1616899019));
        assert_eq!(
            d.direction, "Reverse",
            "DtsJobDirection when no SynchronizationDirection"
        );
        let r = d.retry_state.unwrap();
        assert!(r.retrying);
        assert_eq!(
            (r.retry_count, r.retry_time_secs, r.max_retry_time_secs),
            (3, 120, 43200)
        );
        assert_eq!(r.target, "destDB");
        assert_eq!(r.err_message, "conn refused");
        assert_eq!(d.source.instance_id, "i-1");
        assert_eq!(d.source.ip, "10.0.0.1");
        assert_eq!(d.source.port, "3306");
        assert_eq!(d.destination.port, "3306");
        assert_eq!(d.data_sync_status, "");

        // SynchronizationDirection wins over DtsJobDirection; an unknown one is verbatim.
        let d = parse_dts_job_detail(
            &json!({"DtsJobId":"j","SynchronizationDirection":"FORWARD","DtsJobDirection":"Reverse"}),
            None,
        )
        .unwrap();
        assert_eq!(d.direction, "Forward");
        let d = parse_dts_job_detail(
            &json!({"Status":"Modifying","SynchronizationDirection":"Both"}),
            None,
        )
        .unwrap();
        assert_eq!(d.direction, "Both");
        assert_eq!(d.dts_job_id, "");

        // Missing fields: defaults; no direction is Forward.
        let d = parse_dts_job_detail(&json!({"DtsJobId":"j"}), None).unwrap();
        assert_eq!(d.direction, "Forward");
        assert_eq!(
            (d.delay_ms, d.checkpoint, d.retry_state.is_none()),
            (None, None, true)
        );
        assert_eq!(d.source, DtsEndpoint::default());

        // Checkpoint 0, negative, garbage; Delay negative or garbage; RetryState {} or not an object.
        for (cp, delay) in [
            (json!(0), json!(-1)),
            (json!(-5), json!("soon")),
            (json!("abc"), json!(null)),
            (json!(""), json!("")),
            (json!("0"), json!([])),
            (json!(null), json!("NaN")),
        ] {
            let d = parse_dts_job_detail(
                &json!({"DtsJobId":"j","Checkpoint":cp,"Delay":delay,"RetryState":{}}),
                None,
            )
            .unwrap();
            assert_eq!(d.checkpoint, None, "{cp}");
            assert_eq!(d.delay_ms, None, "{delay}");
            assert!(d.retry_state.is_none());
        }
        let d = parse_dts_job_detail(
            &json!({"DtsJobId":"j","Checkpoint":"1616899019.0","RetryState":"x"}),
            None,
        )
        .unwrap();
        assert_eq!(d.checkpoint, Some(1616899019));
        assert!(d.retry_state.is_none());
        // Garbage in RetryState numbers: 0; garbage Retrying: false.
        let r = RetryState::from_value(Some(
            &json!({"Retrying":"maybe","RetryCount":"-2","RetryTime":"x"}),
        ))
        .unwrap();
        assert!(!r.retrying);
        assert_eq!((r.retry_count, r.retry_time_secs), (0, 0));
    }

    #[test]
    fn detail_without_status_or_job_id_is_malformed() {
        for b in [
            json!({}),
            json!({"RequestId":"R","Success":true}),
            json!({"Status":"","DtsJobId":""}),
            json!({"Status":null,"DtsJobId":{}}),
            json!([1, 2]),
            json!("Synchronizing"),
            json!(null),
        ] {
            let e = parse_dts_job_detail(&b, Some("R".into())).unwrap_err();
            assert!(matches!(e, ApiError::Malformed { .. }), "{b}: {e:?}");
            assert_eq!(e.action(), DETAIL);
        }
        // Success:false given straight to the parser is the service's error.
        let e = parse_dts_job_detail(
            &json!({"Success":"false","Status":"x","ErrCode":"Forbidden.InstanceNotFound","ErrMessage":"m"}),
            None,
        )
        .unwrap_err();
        assert_eq!(e.code(), Some("Forbidden.InstanceNotFound"));
    }

    /// The DescribeDtsJobs example of dts-api-maintained.md §2.4.
    fn jobs_example() -> Value {
        json!({ "RequestId": "R-J", "Success": true, "HttpStatusCode": 200, "PageNumber": 1, "PageRecordCount": 20, "TotalRecordCount": 1,
          "DtsJobList": [ { "DtsJobId": "i03e3zty16i****", "DtsInstanceID": "dtsi03e3zty16i****", "DtsJobName": "two", "JobType": "sync",
              "Status": "Synchronizing", "Delay": 0, "Checkpoint": "1616899019", "DtsJobDirection": "Forward", "ErrorMessage": "",
              "ErrorDetails": [], "RetryState": { "Retrying": false, "RetryCount": 0 }, "CreateTime": "2021-03-16T08:01:19Z",
              "SourceEndpoint": { "InstanceID": "rm-a", "InstanceType": "RDS", "EngineName": "MySQL", "Ip": "172.16.88.1", "Port": "3306", "Region": "cn-hangzhou" },
              "DestinationEndpoint": { "InstanceID": "rm-b", "Ip": "172.16.88.2", "Port": "3306" },
              "ReverseJob": { "DtsJobId": "r03e3zty16i****", "DtsInstanceID": "dtsi03e3zty16i****", "DtsJobDirection": "Reverse", "Status": "Synchronizing",
                              "Delay": 0, "Checkpoint": "1616980369", "SourceEndpoint": {}, "DestinationEndpoint": {} } } ],
          "EtlDemoList": [] })
    }

    #[test]
    fn jobs_example_parses() {
        let l = parse_dts_jobs_entries(&jobs_example(), Some("R-J".into())).unwrap();
        assert_eq!(l.request_id.as_deref(), Some("R-J"));
        assert_eq!(l.total_record_count, Some(1));
        assert_eq!(l.listed, 1);
        let e = &l.entries[0];
        assert_eq!(e.dts_job_id, "i03e3zty16i****");
        assert_eq!(e.dts_instance_id, "dtsi03e3zty16i****");
        assert_eq!(e.name, "two");
        assert_eq!(e.status, "Synchronizing");
        assert_eq!(e.delay_secs, Some(0.0));
        assert_eq!(e.checkpoint, Some(1616899019));
        assert_eq!(e.direction, "Forward");
        assert_eq!(e.create_time.as_deref(), Some("2021-03-16T08:01:19Z"));
        assert_eq!(e.source.instance_id, "rm-a");
        assert_eq!(e.source.ip, "172.16.88.1");
        assert_eq!(e.destination.instance_id, "rm-b");
        assert_eq!(e.retry_state.as_ref().map(|r| r.retrying), Some(false));
        assert_eq!(e.raw.to_value(), jobs_example()["DtsJobList"][0]);
        let r = e.reverse.as_deref().unwrap();
        assert_eq!(r.dts_job_id, "r03e3zty16i****");
        assert_eq!(r.direction, "Reverse");
        assert_eq!(r.checkpoint, Some(1616980369));
        assert!(r.retry_state.is_none() && r.reverse.is_none());
        assert_eq!(r.source, DtsEndpoint::default());
        assert_eq!(
            r.raw.to_value(),
            jobs_example()["DtsJobList"][0]["ReverseJob"]
        );
    }

    #[test]
    fn jobs_hostile_variants() {
        let b = json!({"TotalRecordCount":"3","DtsJobList":[
            // ReverseJob {} is one-way; Checkpoint an integer; Delay a string.
            {"DtsJobId":"a","Checkpoint":1616899019,"Delay":"7","ReverseJob":{}},
            // Only an instance id (other spelling); no direction; ReverseJob without ids.
            {"DtsInstanceId":"dtsb","ReverseJob":{"Status":"Synchronizing"},"CreateTime":""},
            // No id at all: counted, not an entry.
            {"DtsJobName":"ghost","Status":"Synchronizing"},
            // ReverseJob not an object; its ReverseJob (nested) never followed.
            {"DtsJobId":"c","ReverseJob":"yes"},
            {"DtsJobId":"d","ReverseJob":{"DtsInstanceID":"dtsd","ReverseJob":{"DtsJobId":"deeper"}}},
            "not an object",
            null
        ]});
        let l = parse_dts_jobs_entries(&b, None).unwrap();
        assert_eq!(l.total_record_count, Some(3));
        assert_eq!(l.listed, 7);
        let ids: Vec<(&str, &str)> = l
            .entries
            .iter()
            .map(|e| (e.dts_job_id.as_str(), e.dts_instance_id.as_str()))
            .collect();
        assert_eq!(ids, [("a", ""), ("", "dtsb"), ("c", ""), ("d", "")]);
        assert!(l.entries[0].reverse.is_none());
        assert_eq!(l.entries[0].checkpoint, Some(1616899019));
        assert_eq!(l.entries[0].delay_secs, Some(7.0));
        assert!(l.entries[1].reverse.is_none());
        assert_eq!(l.entries[1].direction, "Forward");
        assert_eq!(l.entries[1].create_time, None);
        assert!(l.entries[2].reverse.is_none());
        let r = l.entries[3].reverse.as_deref().unwrap();
        assert_eq!(r.dts_instance_id, "dtsd");
        assert_eq!(r.direction, "Reverse", "a ReverseJob without a direction");
        assert!(r.reverse.is_none());

        // Missing or null list: empty. Not a list: malformed.
        for b in [json!({}), json!({"DtsJobList":null})] {
            let l = parse_dts_jobs_entries(&b, None).unwrap();
            assert_eq!(
                (l.listed, l.entries.len(), l.total_record_count),
                (0, 0, None)
            );
        }
        for b in [json!({"DtsJobList":{}}), json!({"DtsJobList":"x"})] {
            assert!(matches!(
                parse_dts_jobs_entries(&b, None),
                Err(ApiError::Malformed { .. })
            ));
        }
        let e = parse_dts_jobs_entries(&json!({"Success":false,"ErrCode":"Forbidden.RAM"}), None)
            .unwrap_err();
        assert_eq!(e.code(), Some("Forbidden.RAM"));
    }

    #[test]
    fn modify_accepted_only_with_success_true() {
        for b in [
            json!({"RequestId":"R","Success":true,"HttpStatusCode":"200"}),
            json!({"RequestId":"R","Success":"true","HttpStatusCode":200}),
            json!({"Success":"True"}),
            json!({"Success":" TRUE ","ErrCode":"","ErrMessage":""}),
            json!({"Success":true,"HttpStatusCode":null,"ErrCode":null}),
            json!({"Success":true,"ErrCode":"200"}),
        ] {
            let a = parse_modify_answer(&b, Some("R".into())).unwrap();
            assert_eq!(a.request_id.as_deref(), Some("R"), "{b}");
        }
        // No Success, another value of it, not an object, contradictions: unknown.
        for b in [
            json!({"RequestId":"R"}),
            json!({"RequestId":"R","HttpStatusCode":"200"}),
            json!({"Success":null}),
            json!({"Success":"yes"}),
            json!({"Success":1}),
            json!({"Success":""}),
            json!({"Success":{}}),
            json!({"Success":true,"HttpStatusCode":"500"}),
            json!({"Success":true,"HttpStatusCode":403}),
            json!({"Success":true,"HttpStatusCode":"abc"}),
            // The SDK's example body mixes a success with an error code: not taken as done.
            json!({"RequestId":"3FA98DF2-2F81-51FF-8A38-AA5112DD****","Success":true,"HttpStatusCode":"200",
                   "ErrCode":"DTS.Msg.InvalidEndpoint","ErrMessage":"The endpoint is invalid."}),
            json!([]),
            json!("true"),
            json!(true),
            json!(null),
        ] {
            let e = parse_modify_answer(&b, None).unwrap_err();
            assert!(matches!(e, ApiError::Malformed { .. }), "{b}: {e:?}");
            assert!(e.outcome_unknown(), "{b}");
            assert_eq!(e.action(), MODIFY);
        }
        // Success:false straight to the parser: the service's error.
        let e = parse_modify_answer(
            &json!({"Success":"false","ErrCode":"DTS.Msg.InvalidEndpoint","ErrMessage":"bad %s","DynamicMessage":"dest"}),
            None,
        )
        .unwrap_err();
        assert_eq!(e.code(), Some("DTS.Msg.InvalidEndpoint"));
        assert!(e.to_string().contains("bad dest"), "{e}");
        assert!(e.proves_not_executed());
    }

    /// Through the transport's parser, as the client reads it.
    #[test]
    fn modify_answers_through_parse_answer() {
        let read = |status: u16, body: &str| {
            parse_answer(MODIFY, status, body)
                .and_then(|a| parse_modify_answer(&a.body, a.request_id))
        };
        let a = read(
            200,
            r#"{"RequestId":"R1","Success":true,"HttpStatusCode":"200"}"#,
        )
        .unwrap();
        assert_eq!(a.request_id.as_deref(), Some("R1"));
        let a = read(
            200,
            r#"{"ModifyDtsJobEndpointResponse":{"RequestId":"R2","Success":"true"}}"#,
        )
        .unwrap();
        assert_eq!(a.request_id.as_deref(), Some("R2"));
        // Business refusals: proven not executed.
        for body in [
            r#"{"RequestId":"R","Success":false,"HttpStatusCode":"400","ErrCode":"DTS.Msg.InvalidEndpoint","ErrMessage":"The endpoint is invalid."}"#,
            r#"{"RequestId":"R","Success":"false","ErrCode":"DTS.Msg.OperationDenied.JobStatusModifying","ErrMessage":"m"}"#,
            r#"{"RequestId":"R","Success":"False","ErrCode":"InvalidParameter","ErrMessage":"The Value of Input Parameter %s is not valid.","DynamicMessage":"EndpointPort"}"#,
        ] {
            let e = read(200, body).unwrap_err();
            assert!(
                e.proves_not_executed() && !e.retryable_switch(),
                "{body}: {e:?}"
            );
        }
        let e = read(
            200,
            r#"{"Success":"false","ErrCode":"DTS.Msg.OperationDenied.JobStatusModifying","ErrMessage":"m"}"#,
        )
        .unwrap_err();
        assert!(e.is_job_status_modifying());
        // The service may have done it: unknown.
        for (status, body) in [
            (
                200,
                r#"{"Success":false,"ErrCode":"InternalError","ErrMessage":"m"}"#,
            ),
            (
                200,
                r#"{"Success":false,"ErrCode":"DTS.Msg.InternalError","ErrMessage":"m"}"#,
            ),
            (200, r#"{"Success":false,"ErrMessage":"m"}"#),
            (200, r#"{"RequestId":"R"}"#),
            (200, "<html>ok</html>"),
            (200, "[]"),
            (500, r#"{"Code":"InternalError","Message":"m"}"#),
            (400, r#"{"Code":"SignatureNonceUsed","Message":"m"}"#),
        ] {
            let e = read(status, body).unwrap_err();
            assert!(
                e.outcome_unknown() && !e.retryable_switch(),
                "{status} {body}: {e:?}"
            );
        }
        // The wrong family: refused, and said so.
        let e = read(
            403,
            r#"{"RequestId":"R","Code":"OperationDenied.JobVersionNotSupported","Message":"m"}"#,
        )
        .unwrap_err();
        assert!(e.proves_not_executed());
        assert_eq!(e.kind(), crate::api::ErrorKind::WrongFamily);
    }

    #[test]
    fn request_parameters() {
        let p = dts_job_detail_params(Some("j1"), Some("dtsj1"), Some("Reverse"));
        assert_eq!(
            p,
            [
                ("DtsJobId".to_string(), "j1".to_string()),
                ("DtsInstanceID".to_string(), "dtsj1".to_string()),
                (
                    "SynchronizationDirection".to_string(),
                    "Reverse".to_string()
                ),
            ]
        );
        assert_eq!(
            dts_job_detail_params(None, Some("dtsj1"), Some(" ")),
            [("DtsInstanceID".to_string(), "dtsj1".to_string())]
        );
        let p = dts_jobs_by_id_params("cn-hangzhou", &["dtsa", " ", "dtsb"], true);
        let get = |k: &str| p.iter().find(|(x, _)| x == k).map(|(_, v)| v.as_str());
        assert_eq!(get("JobType"), Some("SYNC"));
        assert_eq!(get("Region"), Some("cn-hangzhou"));
        assert_eq!(get("DtsInstanceId"), Some("dtsa,dtsb"));
        assert_eq!(get("DtsJobId"), None);
        assert_eq!(get("PageSize"), Some("30"));
        assert_eq!(get("PageNumber"), Some("1"));
        assert_eq!(get("WithoutDbList"), Some("true"));
        let p = dts_jobs_by_id_params("r", &["j1"], false);
        assert!(p.contains(&("DtsJobId".to_string(), "j1".to_string())));
        let base = vec![
            ("DtsJobId".to_string(), "j1".to_string()),
            ("DryRun".to_string(), "false".to_string()),
        ];
        assert_eq!(
            dry_run_params(&base),
            [
                ("DtsJobId".to_string(), "j1".to_string()),
                ("DryRun".to_string(), "true".to_string()),
            ]
        );
    }

    /// A loopback server answering each request with the next of `replies` (status,
    /// body); it records every request's query parameters.
    async fn scripted(
        replies: Vec<(u16, &'static str)>,
    ) -> (
        Client,
        std::sync::Arc<std::sync::Mutex<Vec<Vec<(String, String)>>>>,
    ) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = url::Url::parse(&format!("http://{}/", l.local_addr().unwrap())).unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            for (status, body) in replies {
                let Ok((mut s, _)) = l.accept().await else {
                    return;
                };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
                let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
                    .into_owned()
                    .collect();
                log.lock().unwrap().push(params);
                let reply = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(reply.as_bytes()).await;
            }
        });
        let client = Client::new(crate::api::ClientConfig {
            endpoint: url,
            region: "cn-hangzhou".into(),
            credentials: crate::api::Credentials::new("LTAI5tABCDEFGH0001", "s3cr3t", None).into(),
            connect_timeout: std::time::Duration::from_secs(5),
            request_timeout: std::time::Duration::from_secs(5),
            retry: crate::api::RetryPolicy {
                max_attempts: 5,
                base_delay: std::time::Duration::from_millis(1),
                max_delay: std::time::Duration::from_millis(2),
            },
        })
        .unwrap();
        (client, seen)
    }

    fn param<'a>(p: &'a [(String, String)], k: &str) -> Option<&'a str> {
        p.iter().find(|(x, _)| x == k).map(|(_, v)| v.as_str())
    }

    const NONCE: &str = r#"{"RequestId":"RN","Code":"SignatureNonceUsed","Message":"used"}"#;
    const THROTTLED: &str = r#"{"RequestId":"RT","Code":"Throttling.User","Message":"slow"}"#;
    const INTERNAL: &str = r#"{"RequestId":"RI","Code":"InternalError","Message":"oops"}"#;
    const TAKEN: &str = r#"{"RequestId":"RM","Success":true,"HttpStatusCode":"200"}"#;

    #[tokio::test]
    async fn detail_on_the_wire_and_retried_as_a_read() {
        let body = r#"{"RequestId":"RD","Success":true,"DtsJobId":"j1","Status":"Synchronizing","Delay":250}"#;
        let (c, seen) = scripted(vec![(400, NONCE), (200, body)]).await;
        let d = c
            .describe_dts_job_detail(Some("j1"), Some("dtsj1"), Some("Reverse"))
            .await
            .unwrap();
        assert_eq!((d.dts_job_id.as_str(), d.delay_ms), ("j1", Some(250.0)));
        assert_eq!(d.request_id.as_deref(), Some("RD"));
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2, "a read is retried after SignatureNonceUsed");
        let p = &seen[1];
        assert_eq!(param(p, "Action"), Some(DETAIL));
        assert_eq!(param(p, "DtsJobId"), Some("j1"));
        assert_eq!(
            param(p, "DtsInstanceID"),
            Some("dtsj1"),
            "capital ID for this op"
        );
        assert_eq!(param(p, "DtsInstanceId"), None);
        assert_eq!(param(p, "SynchronizationDirection"), Some("Reverse"));
        assert_eq!(param(p, "Version"), Some("2020-01-01"));
    }

    #[tokio::test]
    async fn modify_is_sent_once_after_an_ambiguous_failure() {
        for reply in [(400, NONCE), (500, INTERNAL), (200, r#"{"RequestId":"R"}"#)] {
            let (c, seen) = scripted(vec![reply, (200, TAKEN), (200, TAKEN)]).await;
            let params = vec![
                ("DtsJobId".to_string(), "j1".to_string()),
                ("Endpoint".to_string(), "dest".to_string()),
            ];
            let e = c.modify_dts_job_endpoint(&params).await.unwrap_err();
            assert!(e.outcome_unknown(), "{reply:?}: {e:?}");
            let seen = seen.lock().unwrap();
            assert_eq!(seen.len(), 1, "{reply:?}: never resent");
            assert_eq!(param(&seen[0], "Action"), Some(MODIFY));
            assert_eq!(param(&seen[0], "Endpoint"), Some("dest"));
            assert_eq!(param(&seen[0], "DryRun"), None);
        }
    }

    #[tokio::test]
    async fn modify_is_resent_only_after_throttling() {
        let (c, seen) = scripted(vec![(400, THROTTLED), (200, TAKEN)]).await;
        let a = c
            .modify_dts_job_endpoint(&[("DtsJobId".to_string(), "j1".to_string())])
            .await
            .unwrap();
        assert_eq!(a.request_id.as_deref(), Some("RM"));
        assert_eq!(seen.lock().unwrap().len(), 2);
        let refused = r#"{"RequestId":"RB","Success":false,"ErrCode":"DTS.Msg.OperationDenied.JobStatusModifying","ErrMessage":"m"}"#;
        let (c, seen) = scripted(vec![(200, refused), (200, TAKEN)]).await;
        let e = c
            .modify_dts_job_endpoint(&[("DtsJobId".to_string(), "j1".to_string())])
            .await
            .unwrap_err();
        assert!(e.is_job_status_modifying() && e.proves_not_executed());
        assert_eq!(seen.lock().unwrap().len(), 1, "a business refusal is final");
    }

    #[tokio::test]
    async fn dry_run_sends_dry_run_true_and_is_a_write() {
        let (c, seen) = scripted(vec![(400, NONCE), (200, TAKEN)]).await;
        let params = vec![
            ("DtsJobId".to_string(), "j1".to_string()),
            ("DryRun".to_string(), "false".to_string()),
        ];
        let e = c
            .modify_dts_job_endpoint_dry_run(&params)
            .await
            .unwrap_err();
        assert!(e.outcome_unknown());
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen.len(),
            1,
            "a dry run is never resent on an ambiguous failure"
        );
        let dry: Vec<&str> = seen[0]
            .iter()
            .filter(|(k, _)| k == "DryRun")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(dry, ["true"]);
        assert_eq!(param(&seen[0], "Action"), Some(MODIFY));
    }

    #[tokio::test]
    async fn jobs_by_id_on_the_wire() {
        let body = r#"{"RequestId":"RJ","Success":true,"TotalRecordCount":1,"DtsJobList":[{"DtsJobId":"j1","DtsInstanceID":"dtsj1"}]}"#;
        let (c, seen) = scripted(vec![(200, body)]).await;
        let l = c
            .describe_dts_jobs_by_id(&["dtsj1", "dtsj2"], true)
            .await
            .unwrap();
        assert_eq!(l.entries.len(), 1);
        assert_eq!(l.request_id.as_deref(), Some("RJ"));
        let seen = seen.lock().unwrap();
        let p = &seen[0];
        assert_eq!(param(p, "Action"), Some(JOBS));
        assert_eq!(param(p, "JobType"), Some("SYNC"));
        assert_eq!(param(p, "Region"), Some("cn-hangzhou"));
        assert_eq!(param(p, "DtsInstanceId"), Some("dtsj1,dtsj2"));
        assert_eq!(param(p, "PageSize"), Some("30"));
        assert_eq!(param(p, "PageNumber"), Some("1"));
        assert_eq!(param(p, "WithoutDbList"), Some("true"));
    }

    #[tokio::test]
    async fn jobs_by_id_without_ids_sends_nothing() {
        let (c, seen) = scripted(vec![(200, r#"{"DtsJobList":[{"DtsJobId":"other"}]}"#)]).await;
        for ids in [&[][..], &["", "  "][..]] {
            let l = c.describe_dts_jobs_by_id(ids, false).await.unwrap();
            assert!(l.entries.is_empty() && l.listed == 0);
        }
        assert!(
            seen.lock().unwrap().is_empty(),
            "an unfiltered list was asked"
        );
    }
}
