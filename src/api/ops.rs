//! Typed DTS operations (API version 2020-01-01) on top of the transport.

use crate::api::client::{str_of, CallMode, Client};
use crate::api::error::ApiError;
use serde_json::Value;

pub use crate::domain::listed::MAX_PAGE_SIZE;

pub use crate::domain::endpoint::{EndpointInfo, RawJson};
pub use crate::domain::listed::{DtsJobItem, SwitchStatus, SwitchStatusAnswer, SyncJobEntry};

/// A legacy-family endpoint object (`SourceEndpoint` / `DestinationEndpoint` of
/// DescribeSynchronizationJobs and DescribeSynchronizationJobStatus: `IP`, `InstanceId`),
/// in the domain's terms. The new family's spellings (`Ip`, `InstanceID`) are read too.
pub fn endpoint_from_value(v: Option<&Value>) -> EndpointInfo {
    let g = |ks: &[&str]| {
        ks.iter()
            .find_map(|k| v.and_then(|o| o.get(*k)).and_then(str_of))
            .unwrap_or_default()
    };
    EndpointInfo {
        instance_type: g(&["InstanceType"]).into(),
        instance_id: g(&["InstanceId", "InstanceID"]).into(),
        engine_name: g(&["EngineName"]).into(),
        ip: g(&["IP", "Ip"]).into(),
        port: g(&["Port"]).into(),
        region: g(&["Region"]).into(),
        database_name: g(&["DatabaseName"]).into(),
        user_name: g(&["UserName"]).into(),
    }
}

impl SyncJobEntry {
    pub fn from_value(v: &Value) -> Option<Self> {
        Self::from_value_with(v, true)
    }

    /// The entry; its JSON text kept only with `keep_raw` (a listing for the TUI keeps
    /// none, and making it only to drop it costs a listing's worth of allocations).
    pub fn from_value_with(v: &Value, keep_raw: bool) -> Option<Self> {
        let g = |k: &str| v.get(k).and_then(str_of).unwrap_or_default();
        let job_id = g("SynchronizationJobId");
        if job_id.is_empty() {
            return None;
        }
        let direction = match g("SynchronizationDirection") {
            d if d.eq_ignore_ascii_case("reverse") => "Reverse".to_string(),
            _ => "Forward".to_string(),
        };
        Some(SyncJobEntry {
            job_id,
            name: g("SynchronizationJobName"),
            direction,
            status: g("Status"),
            delay: g("Delay"),
            error_message: g("ErrorMessage"),
            job_class: g("SynchronizationJobClass"),
            create_time: g("CreateTime"),
            source: endpoint_from_value(v.get("SourceEndpoint")),
            destination: endpoint_from_value(v.get("DestinationEndpoint")),
            raw: if keep_raw {
                RawJson::from_value(v)
            } else {
                RawJson::empty()
            },
        })
    }
}

#[derive(Debug, Clone)]
pub struct JobsPage {
    pub request_id: Option<String>,
    pub page_number: u64,
    pub page_record_count: u64,
    /// `TotalRecordCount`, when the answer has one.
    pub total_record_count: Option<u64>,
    /// Items in the answer's list, those without a job id included.
    pub listed: usize,
    pub entries: Vec<SyncJobEntry>,
}

#[derive(Debug, Clone)]
pub struct DtsJobsPage {
    pub request_id: Option<String>,
    pub total_record_count: Option<u64>,
    /// Items in the answer's list, those without an id included.
    pub listed: usize,
    pub items: Vec<DtsJobItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchAnswer {
    pub request_id: Option<String>,
    pub task_id: String,
}

/// One job's detail (DescribeSynchronizationJobStatus).
#[derive(Debug, Clone)]
pub struct JobStatusAnswer {
    pub request_id: Option<String>,
    pub status: String,
    pub error_message: String,
    pub delay: String,
    /// The latency in seconds: `DelayMillis` when given (more precise), else `Delay`;
    /// at top level or inside `DataSynchronizationStatus`.
    pub delay_secs: Option<f64>,
    /// Unix seconds of the latest synchronized data (`Checkpoint`).
    pub checkpoint: Option<u64>,
    pub source: EndpointInfo,
    pub destination: EndpointInfo,
    pub raw: Value,
}

/// One direction's status (DescribeSynchronizationJobStatus, dts-api-maintained.md §3.1).
/// Numbers may come as strings or numbers; fields missing at top level are read from
/// `DataSynchronizationStatus`.
pub fn parse_job_status(b: &Value, request_id: Option<String>) -> JobStatusAnswer {
    let data = b.get("DataSynchronizationStatus");
    let field = |k: &str| {
        b.get(k)
            .and_then(str_of)
            .filter(|s| !s.trim().is_empty())
            .or_else(|| data.and_then(|d| d.get(k)).and_then(str_of))
            .unwrap_or_default()
    };
    let num = |k: &str| {
        b.get(k)
            .and_then(str_of)
            .or_else(|| data.and_then(|d| d.get(k)).and_then(str_of))
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
    };
    let delay_secs = num("DelayMillis")
        .map(|ms| ms / 1000.0)
        .or_else(|| num("Delay"));
    JobStatusAnswer {
        request_id,
        status: field("Status"),
        error_message: field("ErrorMessage"),
        delay: field("Delay"),
        delay_secs,
        checkpoint: num("Checkpoint").map(|c| c as u64).filter(|c| *c > 0),
        source: endpoint_from_value(b.get("SourceEndpoint")),
        destination: endpoint_from_value(b.get("DestinationEndpoint")),
        raw: b.clone(),
    }
}

fn u64_of(v: Option<&Value>) -> Option<u64> {
    v.and_then(str_of).and_then(|s| s.trim().parse().ok())
}

fn malformed(action: &str, request_id: Option<String>, detail: String) -> ApiError {
    ApiError::Malformed {
        action: action.into(),
        http_status: 200,
        detail,
        request_id,
    }
}

pub const SYNC_JOBS: &str = "DescribeSynchronizationJobs";
pub const DTS_JOBS: &str = "DescribeDtsJobs";

/// Parameters of one DescribeSynchronizationJobs page.
pub fn jobs_params(page_num: u32, page_size: u32) -> Vec<(String, String)> {
    vec![
        ("PageNum".to_string(), page_num.to_string()),
        (
            "PageSize".to_string(),
            page_size.clamp(1, MAX_PAGE_SIZE).to_string(),
        ),
    ]
}

/// Parameters of one DescribeDtsJobs page (sync jobs, without their database lists).
pub fn dts_jobs_params(region: &str, page_number: u32, page_size: u32) -> Vec<(String, String)> {
    vec![
        ("JobType".to_string(), "SYNC".to_string()),
        ("Region".to_string(), region.to_string()),
        (
            "PageSize".to_string(),
            page_size.clamp(1, MAX_PAGE_SIZE).to_string(),
        ),
        ("PageNumber".to_string(), page_number.to_string()),
        ("WithoutDbList".to_string(), "true".to_string()),
    ]
}

impl Client {
    /// One page of DescribeSynchronizationJobs (`PageNum` in, `PageNumber` out).
    pub async fn describe_synchronization_jobs(
        &self,
        page_num: u32,
        page_size: u32,
    ) -> Result<JobsPage, ApiError> {
        let params = jobs_params(page_num, page_size);
        let ans = self.call(SYNC_JOBS, &params, CallMode::Read).await?;
        parse_jobs_page(&ans.body, ans.request_id, page_num)
    }

    /// One page of DescribeDtsJobs with `JobType=SYNC` (`PageNumber` in and out), for the
    /// `ReverseJob` of two-way jobs.
    pub async fn describe_dts_jobs(
        &self,
        page_number: u32,
        page_size: u32,
    ) -> Result<DtsJobsPage, ApiError> {
        let params = dts_jobs_params(self.region(), page_number, page_size);
        let ans = self.call(DTS_JOBS, &params, CallMode::Read).await?;
        parse_dts_jobs_page(&ans.body, ans.request_id)
    }

    pub async fn describe_synchronization_job_status(
        &self,
        job_id: &str,
        direction: &str,
    ) -> Result<JobStatusAnswer, ApiError> {
        let params = vec![
            ("SynchronizationJobId".to_string(), job_id.to_string()),
            (
                "SynchronizationDirection".to_string(),
                direction.to_string(),
            ),
        ];
        let ans = self
            .call("DescribeSynchronizationJobStatus", &params, CallMode::Read)
            .await?;
        Ok(parse_job_status(&ans.body, ans.request_id))
    }

    /// Sends SwitchSynchronizationEndpoint once (never resent after it may have arrived).
    pub async fn switch_synchronization_endpoint(
        &self,
        params: &[(String, String)],
    ) -> Result<SwitchAnswer, ApiError> {
        let ans = self
            .call("SwitchSynchronizationEndpoint", params, CallMode::Mutating)
            .await?;
        parse_switch_answer(&ans.body, ans.request_id)
    }

    pub async fn describe_endpoint_switch_status(
        &self,
        task_id: &str,
    ) -> Result<SwitchStatusAnswer, ApiError> {
        const A: &str = "DescribeEndpointSwitchStatus";
        let params = vec![("TaskId".to_string(), task_id.to_string())];
        let ans = self.call(A, &params, CallMode::Read).await?;
        parse_switch_status(&ans.body, ans.request_id)
    }
}

pub fn parse_jobs_page(
    body: &Value,
    request_id: Option<String>,
    page_num: u32,
) -> Result<JobsPage, ApiError> {
    parse_jobs_page_with(body, request_id, page_num, true)
}

/// [`parse_jobs_page`], each entry's JSON text kept only with `keep_raw`.
pub fn parse_jobs_page_with(
    body: &Value,
    request_id: Option<String>,
    page_num: u32,
    keep_raw: bool,
) -> Result<JobsPage, ApiError> {
    const A: &str = SYNC_JOBS;
    let list: &[Value] = match body.get("SynchronizationInstances") {
        Some(Value::Array(a)) => a,
        // Tolerate the XML-style wrapping some docs show: {"SynchronizationInstance": [...]}.
        Some(Value::Object(o)) => match o.values().next() {
            Some(Value::Array(a)) => a,
            _ => &[],
        },
        None | Some(Value::Null) => &[],
        Some(other) => {
            return Err(malformed(
                A,
                request_id,
                format!("SynchronizationInstances is not a list: {other}"),
            ))
        }
    };
    let entries: Vec<SyncJobEntry> = list
        .iter()
        .filter_map(|v| SyncJobEntry::from_value_with(v, keep_raw))
        .collect();
    let total = u64_of(body.get("TotalRecordCount"));
    Ok(JobsPage {
        request_id,
        page_number: u64_of(body.get("PageNumber")).unwrap_or(page_num as u64),
        page_record_count: u64_of(body.get("PageRecordCount")).unwrap_or(entries.len() as u64),
        total_record_count: total,
        listed: list.len(),
        entries,
    })
}

pub fn parse_dts_jobs_page(
    body: &Value,
    request_id: Option<String>,
) -> Result<DtsJobsPage, ApiError> {
    parse_dts_jobs_page_with(body, request_id, true)
}

/// [`parse_dts_jobs_page`], each item's JSON text kept only with `keep_raw`.
pub fn parse_dts_jobs_page_with(
    body: &Value,
    request_id: Option<String>,
    keep_raw: bool,
) -> Result<DtsJobsPage, ApiError> {
    let list: &[Value] = match body.get("DtsJobList") {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => &[],
        Some(other) => {
            return Err(malformed(
                DTS_JOBS,
                request_id,
                format!("DtsJobList is not a list: {other}"),
            ))
        }
    };
    let items = list
        .iter()
        .filter_map(|j| {
            let ids: Vec<String> = ["DtsInstanceID", "DtsInstanceId", "DtsJobId"]
                .iter()
                .filter_map(|k| j.get(*k).and_then(str_of))
                .filter(|s| !s.is_empty())
                .collect();
            let rev = j
                .get("ReverseJob")
                .filter(|r| matches!(r, Value::Object(o) if !o.is_empty()));
            let two_way = rev.is_some();
            let g = |v: &Value, k: &str| v.get(k).and_then(str_of).unwrap_or_default();
            let instance_id = ["DtsInstanceID", "DtsInstanceId"]
                .iter()
                .find_map(|k| j.get(*k).and_then(str_of).filter(|s| !s.is_empty()))
                .unwrap_or_default();
            (!ids.is_empty()).then(|| DtsJobItem {
                ids,
                two_way,
                instance_id,
                dts_job_id: g(j, "DtsJobId"),
                reverse_dts_job_id: rev.map(|r| g(r, "DtsJobId")).unwrap_or_default(),
                name: g(j, "DtsJobName"),
                status: g(j, "Status"),
                delay: g(j, "Delay"),
                error_message: g(j, "ErrorMessage"),
                create_time: g(j, "CreateTime"),
                source: endpoint_from_value(j.get("SourceEndpoint")),
                destination: endpoint_from_value(j.get("DestinationEndpoint")),
                reverse: rev.map(|r| {
                    (
                        g(r, "Status"),
                        g(r, "Delay"),
                        endpoint_from_value(r.get("SourceEndpoint")),
                        endpoint_from_value(r.get("DestinationEndpoint")),
                    )
                }),
                raw: if keep_raw {
                    RawJson::from_value(j)
                } else {
                    RawJson::empty()
                },
            })
        })
        .collect();
    Ok(DtsJobsPage {
        request_id,
        total_record_count: u64_of(body.get("TotalRecordCount")),
        listed: list.len(),
        items,
    })
}

/// The answer to SwitchSynchronizationEndpoint: accepted only with a usable TaskId (a
/// non-empty string or a number that [`validate_task_id`] accepts). Anything else is
/// [`ApiError::MissingTaskId`], an unknown outcome: the switch may have been executed
/// (dts-api.md §5.3; the rule is [`crate::api::error::switch_verdict`]).
pub fn parse_switch_answer(
    body: &Value,
    request_id: Option<String>,
) -> Result<SwitchAnswer, ApiError> {
    let missing = |detail: String| ApiError::MissingTaskId {
        request_id: request_id.clone(),
        detail,
    };
    let task_id = match body.get("TaskId") {
        None => return Err(missing("no TaskId field".into())),
        Some(Value::Null) => return Err(missing("TaskId is null".into())),
        Some(Value::String(s)) if s.trim().is_empty() => {
            return Err(missing("TaskId is empty".into()))
        }
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Object(_)) => return Err(missing("TaskId is an object".into())),
        Some(Value::Array(_)) => return Err(missing("TaskId is a list".into())),
        Some(Value::Bool(b)) => return Err(missing(format!("TaskId is {b}"))),
    };
    if let Err(why) = validate_task_id(&task_id) {
        return Err(missing(format!("TaskId {why}")));
    }
    Ok(SwitchAnswer {
        request_id,
        task_id,
    })
}

/// Longest TaskId accepted, from the command line or from an answer.
pub const MAX_TASK_ID_LEN: usize = 64;

/// A plausible switch TaskId: 1 to 64 characters of `A–Z a–z 0–9 - _ . :` (the service's
/// are decimal numbers). Says what is wrong otherwise, without echoing the value.
pub fn validate_task_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("is empty".into());
    }
    if id.chars().count() > MAX_TASK_ID_LEN {
        return Err(format!("is longer than {MAX_TASK_ID_LEN} characters"));
    }
    if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("contains whitespace or control characters".into());
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
    {
        return Err("has characters other than letters, digits, - _ . :".into());
    }
    Ok(())
}

pub fn parse_switch_status(
    body: &Value,
    request_id: Option<String>,
) -> Result<SwitchStatusAnswer, ApiError> {
    let status = body
        .get("Status")
        .and_then(str_of)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            malformed(
                "DescribeEndpointSwitchStatus",
                request_id.clone(),
                "the answer has no Status".into(),
            )
        })?;
    Ok(SwitchStatusAnswer {
        request_id,
        status: SwitchStatus::parse(&status),
        error_message: body
            .get("ErrorMessage")
            .and_then(str_of)
            .filter(|s| !s.trim().is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn page_uses_page_number_and_string_numbers() {
        let body = json!({"RequestId":"R","PageNumber":"2","PageRecordCount":1,"TotalRecordCount":"31",
            "SynchronizationInstances":[{"SynchronizationJobId":"dtsa","SynchronizationDirection":"reverse",
            "Status":"Synchronizing","Delay":0,"SourceEndpoint":{"IP":"1.2.3.4","Port":3306}}]});
        let p = parse_jobs_page(&body, None, 2).unwrap();
        assert_eq!(p.page_number, 2);
        assert_eq!(p.total_record_count, Some(31));
        assert_eq!(p.entries[0].direction, "Reverse");
        assert_eq!(p.entries[0].delay, "0");
        assert_eq!(p.entries[0].source.address(), "1.2.3.4:3306");
    }

    #[test]
    fn switch_without_task_id_fails() {
        for body in [
            json!({"Success":"true","TaskId":""}),
            json!({"Success":true}),
            json!({"Success":true,"TaskId":null}),
            json!({"Success":true,"TaskId":"  "}),
            json!({"Success":true,"TaskId":{}}),
            json!({"Success":true,"TaskId":[]}),
            json!({"Success":true,"TaskId":true}),
            json!({"Success":true,"TaskId":"12 34"}),
            json!({"Success":true,"TaskId":"1\u{1b}[2K"}),
        ] {
            assert!(
                matches!(
                    parse_switch_answer(&body, None),
                    Err(ApiError::MissingTaskId { .. })
                ),
                "{body}"
            );
        }
        assert_eq!(
            parse_switch_answer(&json!({"TaskId":12}), None)
                .unwrap()
                .task_id,
            "12"
        );
    }

    #[test]
    fn task_id_validation() {
        for ok in ["730001", "11", "t-1_2.3:4", &"9".repeat(64)] {
            assert!(validate_task_id(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            " ",
            "1 2",
            "12\n",
            "1\u{1b}",
            "12;rm",
            "é1",
            &"9".repeat(65),
        ] {
            assert!(validate_task_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn status_case_insensitive() {
        let s = parse_switch_status(&json!({"Status":"finished","ErrorMessage":""}), None).unwrap();
        assert_eq!(s.status, SwitchStatus::Finished);
        assert!(s.error_message.is_none());
        assert!(parse_switch_status(&json!({}), None).is_err());
    }
}
