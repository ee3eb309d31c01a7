//! What the listings and a legacy switch task show, in the domain's terms: the entries
//! of DescribeSynchronizationJobs and DescribeDtsJobs, how far a listing got, and a
//! switch task's status. `api` reads the wire into these (see [`crate::domain::service`]).

use crate::domain::endpoint::{EndpointInfo, RawJson};
use crate::domain::failure::ServiceError;
use std::time::Duration;

/// The largest page the service accepts for DescribeSynchronizationJobs.
pub const MAX_PAGE_SIZE: u32 = 30;

/// One entry of DescribeSynchronizationJobs (one direction of one job): the fields the
/// screens, filters and plans use, plus the entry as the service sent it, as text.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncJobEntry {
    pub job_id: String,
    pub name: String,
    /// `Forward` or `Reverse` (an empty value is taken as `Forward`).
    pub direction: String,
    pub status: String,
    pub delay: String,
    pub error_message: String,
    pub job_class: String,
    pub create_time: String,
    pub source: EndpointInfo,
    pub destination: EndpointInfo,
    /// The entry as the service sent it, for `--output json`.
    pub raw: RawJson,
}

impl SyncJobEntry {
    pub fn is_reverse(&self) -> bool {
        self.direction == "Reverse"
    }
}

/// One item of DescribeDtsJobs: its ids, whether it shows a `ReverseJob` (two-way), and
/// what a job listed only here needs (new-family spellings: `Ip`, `InstanceID`).
#[derive(Debug, Clone, PartialEq)]
pub struct DtsJobItem {
    /// `DtsInstanceID` (the id the listing calls SynchronizationJobId) and `DtsJobId`.
    pub ids: Vec<String>,
    pub two_way: bool,
    pub instance_id: String,
    pub dts_job_id: String,
    pub reverse_dts_job_id: String,
    pub name: String,
    pub status: String,
    /// Seconds (DescribeDtsJobs, sync jobs).
    pub delay: String,
    pub error_message: String,
    pub create_time: String,
    pub source: EndpointInfo,
    pub destination: EndpointInfo,
    /// The reverse direction: status, delay, endpoints (two-way jobs).
    pub reverse: Option<(String, String, EndpointInfo, EndpointInfo)>,
    pub raw: RawJson,
}

/// Status of a switch task (DescribeEndpointSwitchStatus).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum SwitchStatus {
    NotStarted,
    Initializing,
    Switching,
    Failed,
    Finished,
    Other(String),
}

impl SwitchStatus {
    pub fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "notstarted" => SwitchStatus::NotStarted,
            "initializing" => SwitchStatus::Initializing,
            "switching" => SwitchStatus::Switching,
            "failed" => SwitchStatus::Failed,
            "finished" => SwitchStatus::Finished,
            _ => SwitchStatus::Other(s.to_string()),
        }
    }
    pub fn is_terminal(&self) -> bool {
        matches!(self, SwitchStatus::Failed | SwitchStatus::Finished)
    }
    pub fn as_str(&self) -> &str {
        match self {
            SwitchStatus::NotStarted => "NotStarted",
            SwitchStatus::Initializing => "Initializing",
            SwitchStatus::Switching => "Switching",
            SwitchStatus::Failed => "Failed",
            SwitchStatus::Finished => "Finished",
            SwitchStatus::Other(s) => s,
        }
    }
}

impl std::fmt::Display for SwitchStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// DescribeEndpointSwitchStatus's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchStatusAnswer {
    pub request_id: Option<String>,
    pub status: SwitchStatus,
    /// The (discontinued) `ErrorMessage` field, when non-empty.
    pub error_message: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ListOptions {
    /// Entries asked per page (`PageSize`, at most 30).
    pub page_size: u32,
    /// Requests in flight after the first page.
    pub initial_in_flight: usize,
    /// The most requests in flight, however well the service answers.
    pub max_in_flight: usize,
    /// The listing stops after this many pages, whatever they hold.
    pub max_pages: u32,
    /// Read DescribeDtsJobs for two-way jobs while the listing shows no Reverse entry.
    pub two_way_hints: bool,
    /// Keep each entry's JSON text (for `jobs --output json`); the TUI does not need it.
    pub keep_raw: bool,
    /// Send DescribeDtsJobs pages at most this many a second (first attempts; retries
    /// keep their own backoff). `None`: only the in-flight bound limits them.
    pub dts_jobs_per_second: Option<f64>,
}

impl Default for ListOptions {
    fn default() -> Self {
        ListOptions {
            page_size: MAX_PAGE_SIZE,
            initial_in_flight: 8,
            max_in_flight: 16,
            max_pages: 10_000,
            two_way_hints: true,
            keep_raw: true,
            dts_jobs_per_second: None,
        }
    }
}

impl ListOptions {
    /// One request at a time (for comparison; the result is the same).
    pub fn sequential() -> Self {
        ListOptions {
            initial_in_flight: 1,
            max_in_flight: 1,
            ..ListOptions::default()
        }
    }
}

/// Where a listing stands, for a progress line or a title.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListProgress {
    /// DescribeSynchronizationJobs pages read.
    pub pages_done: u32,
    /// Pages the listing is expected to have (its end, once known); `None` while the
    /// service gives no TotalRecordCount and the end has not been seen.
    pub pages_expected: Option<u32>,
    /// Entries delivered so far, in listing order.
    pub entries: usize,
    /// The first page's TotalRecordCount.
    pub total_record_count: Option<u64>,
    /// DescribeDtsJobs pages read (two-way hints).
    pub dts_pages_done: u32,
    pub dts_pages_expected: Option<u32>,
    /// Requests sent, retries included.
    pub requests: u32,
    /// Attempts that failed and are retried.
    pub retries: u32,
    /// Of those, how many the service throttled.
    pub throttled: u32,
    pub in_flight: usize,
    /// Requests allowed in flight now.
    pub limit: usize,
    /// Backing off after throttling: no new request for this long.
    pub waiting: Option<Duration>,
    /// Each request's timeout.
    pub request_timeout: Duration,
}

pub enum ListEvent<'a> {
    Progress(&'a ListProgress),
    /// The next entries in listing order (deduplicated), as soon as every page before them
    /// has arrived.
    Entries(Vec<SyncJobEntry>),
    /// The next DescribeDtsJobs items in its order (the maintained family's view:
    /// DtsJobIds, two-way jobs, and jobs the legacy listing does not show), as soon as
    /// every page before them has arrived.
    DtsItems(Vec<DtsJobItem>),
}

/// How far DescribeDtsJobs was read.
#[derive(Debug, Clone, PartialEq)]
pub enum HintsState {
    /// The listing shows Reverse entries (so it lists both directions of two-way jobs):
    /// DescribeDtsJobs was not needed.
    NotNeeded,
    /// Not asked ([`ListOptions::two_way_hints`] off).
    NotAsked,
    /// Every page was read.
    Complete,
    /// It could not be read (refused, throttled out, failed); `jobs` has the pages read
    /// before.
    Failed(ServiceError),
}

/// How far DescribeDtsJobs was read (its items were handed on as they came:
/// [`ListEvent::DtsItems`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TwoWayHints {
    pub state: HintsState,
}

#[derive(Debug, Clone)]
pub struct ListSummary {
    /// The listing shows at least one Reverse entry.
    pub reverse_entries: bool,
    pub two_way: TwoWayHints,
    /// The final progress (requests, retries, pages).
    pub progress: ListProgress,
}
