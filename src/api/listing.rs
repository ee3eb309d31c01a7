//! Reading the whole job listing, fast and completely.
//!
//! DescribeSynchronizationJobs is read page by page (`PageNum`, up to 30 entries a page).
//! The first page is read alone: it shows how many entries a page holds (a service may
//! ignore `PageSize`) and maybe a `TotalRecordCount`, which sizes the first wave. The other
//! pages are then read concurrently — a bounded number in flight (8 at first, one more per
//! answer up to `max_in_flight`, halved on throttling, with `x-acs-retry-after` honoured) —
//! and put back in page order, so the result is exactly what reading one page at a time
//! gives, in listing order.
//!
//! The end is never taken from `TotalRecordCount`: it may count instances while a two-way
//! instance is listed as two entries (dts-api-maintained.md §5). The listing ends at the
//! first page, in page order, that is empty, shorter than the pages before it, or brings
//! only entries already seen (a service that ignores `PageNum`), or at `max_pages`.
//! Entries are deduplicated by (job id, direction). `TotalRecordCount` only sizes the
//! waves: pages up to `ceil(total / page size)` are certain to exist, and the page just
//! past them is asked first, to learn early whether it counts instances (then the number
//! of pages is estimated from the share of Reverse entries seen).
//!
//! Two-way detection: when the listing shows Reverse entries, it lists both directions and
//! a job without one is one-way. Until the first page shows one, DescribeDtsJobs
//! (`JobType=SYNC`) pages are read alongside the listing, from the same budget, for their
//! `ReverseJob`; they stop as soon as a Reverse entry turns up.

use crate::api::client::{CallMode, Client};
use crate::api::error::{ApiError, ErrorKind};
use crate::api::ops::{
    dts_jobs_params, jobs_params, parse_dts_jobs_page_with, parse_jobs_page_with, DtsJobItem,
    SyncJobEntry, DTS_JOBS, MAX_PAGE_SIZE, SYNC_JOBS,
};
pub use crate::domain::listed::{
    HintsState, ListEvent, ListOptions, ListProgress, ListSummary, TwoWayHints,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;
use tokio::task::{AbortHandle, JoinSet};
use tokio::time::Instant;

/// Reads every page of the listing (and, when needed, of DescribeDtsJobs), handing the
/// entries to `on_event` in listing order as they become available. Dropping the future
/// cancels every request in flight.
pub async fn list_jobs(
    client: &Client,
    opts: &ListOptions,
    mut on_event: impl FnMut(ListEvent<'_>),
) -> Result<ListSummary, ApiError> {
    let max_in_flight = opts.max_in_flight.max(1);
    let policy = client.retry_policy().clone();
    let mut run = Run {
        client: client.clone(),
        page_size: opts.page_size.clamp(1, MAX_PAGE_SIZE),
        keep_raw: opts.keep_raw,
        set: JoinSet::new(),
        handles: HashMap::new(),
    };
    let mut jobs: Pager<SyncJobEntry> = Pager::new(opts.max_pages);
    let mut dts: Pager<DtsJobItem> = Pager::new(opts.max_pages);
    let mut hints = TwoWayHints {
        state: HintsState::NotAsked,
    };
    // DescribeDtsJobs starts once the first listing page shows no Reverse entry.
    let mut dts_active = false;
    let mut reverse_entries = false;
    let mut limit = opts.initial_in_flight.clamp(1, max_in_flight);
    let mut slow_start = true;
    let mut since_increase = 0usize;
    let mut pause_until: Option<Instant> = None;
    // The pace of DescribeDtsJobs (ListOptions::dts_jobs_per_second): the next page
    // may leave at `dts_next`.
    let dts_gap = opts
        .dts_jobs_per_second
        .filter(|r| r.is_finite() && *r > 0.0)
        .map(|r| Duration::from_secs_f64(1.0 / r));
    let mut dts_next: Option<Instant> = None;
    let mut progress = ListProgress {
        limit,
        request_timeout: client.request_timeout(),
        ..ListProgress::default()
    };

    loop {
        let now = Instant::now();
        if pause_until.is_some_and(|t| t <= now) {
            pause_until = None;
        }
        // Page 1 goes alone: it sizes everything else.
        let cap = if jobs.assembled == 0 { 1 } else { limit };
        while run.set.len() < cap && pause_until.is_none() {
            let dts_paced = dts_next.is_some_and(|t| t > now);
            let next = match jobs.next_launch() {
                Some(p) => Some((Kind::Jobs, p)),
                None if dts_active && !dts_paced => dts.next_launch().map(|p| (Kind::Dts, p)),
                None => None,
            };
            let Some((kind, page)) = next else { break };
            if let (Kind::Dts, Some(gap)) = (kind, dts_gap) {
                dts_next = Some(dts_next.map_or(now, |t| t.max(now)) + gap);
            }
            progress.requests += 1;
            run.spawn(kind, page, 1, Duration::ZERO, true);
        }
        if jobs.end.is_some() && !dts_active {
            break;
        }
        progress.in_flight = run.set.len();
        progress.limit = limit;
        progress.waiting = pause_until.map(|t| t.saturating_duration_since(now));
        on_event(ListEvent::Progress(&progress));
        // Waiting for the pace of DescribeDtsJobs only: wake when the next page may go.
        let pace_wake = dts_next.filter(|t| dts_active && *t > now);
        if run.set.is_empty() && pause_until.is_none() && pace_wake.is_none() {
            // Nothing in flight and nothing to send: cannot happen while a page is missing
            // (it is retried or failed); guard against a silent hang all the same.
            return Err(ApiError::NoAnswer {
                action: SYNC_JOBS.into(),
                detail: "the listing stopped with pages missing (internal error)".into(),
            });
        }
        let joined = tokio::select! {
            j = run.set.join_next(), if !run.set.is_empty() => j,
            _ = sleep_until(pause_until), if pause_until.is_some() => continue,
            _ = sleep_until(pace_wake), if pace_wake.is_some() => continue,
        };
        let done = match joined {
            Some(Ok(d)) => d,
            Some(Err(e)) if e.is_cancelled() => continue,
            Some(Err(e)) => {
                return Err(ApiError::NoAnswer {
                    action: SYNC_JOBS.into(),
                    detail: format!("a listing task failed (internal error): {e}"),
                })
            }
            None => continue,
        };
        run.handles.remove(&(done.kind, done.page));
        match done.result {
            Ok(out) => {
                if slow_start {
                    limit = (limit + 1).min(max_in_flight);
                } else {
                    since_increase += 1;
                    if since_increase >= limit {
                        since_increase = 0;
                        limit = (limit + 1).min(max_in_flight);
                    }
                }
                match out {
                    PageOut::Jobs(page) => {
                        progress.pages_done += 1;
                        jobs.on_arrival(done.page, page);
                        let new = without_raw(jobs.assemble()?, opts.keep_raw);
                        if jobs.end.is_some() {
                            run.abort_all(Kind::Jobs);
                        }
                        if !new.is_empty() {
                            reverse_entries |= new.iter().any(SyncJobEntry::is_reverse);
                            progress.entries += new.len();
                            on_event(ListEvent::Entries(new));
                        }
                        if progress.total_record_count.is_none() {
                            progress.total_record_count = jobs.total;
                        }
                        // DescribeDtsJobs is read alongside, whatever the listing shows:
                        // it is the maintained family's view (DtsJobIds, and new-version
                        // jobs the legacy listing may not show, §3.4).
                        if opts.two_way_hints
                            && jobs.assembled >= 1
                            && !dts_active
                            && hints.state == HintsState::NotAsked
                        {
                            dts_active = true;
                        }
                    }
                    PageOut::Dts(page) if dts_active => {
                        progress.dts_pages_done += 1;
                        dts.on_arrival(done.page, page);
                        dts_advance(
                            &mut dts,
                            &mut dts_active,
                            &mut hints,
                            &mut run,
                            opts.keep_raw,
                            &mut on_event,
                        );
                    }
                    PageOut::Dts(_) => {}
                }
            }
            Err(_) if done.refreshed => {
                // Expired credentials, fetched anew: the service refused before doing
                // anything; ask again at once.
                progress.requests += 1;
                run.spawn(
                    done.kind,
                    done.page,
                    done.attempt + 1,
                    Duration::ZERO,
                    false,
                );
            }
            Err(e) if done.will_retry => {
                progress.retries += 1;
                let delay = policy.delay(done.attempt, done.retry_after);
                if e.kind() == ErrorKind::Throttled {
                    progress.throttled += 1;
                    limit = (limit / 2).max(1);
                    slow_start = false;
                    since_increase = 0;
                    let until = Instant::now() + delay;
                    pause_until = Some(pause_until.map_or(until, |p| p.max(until)));
                }
                tracing::debug!(page = done.page, attempt = done.attempt, ?delay, error = %e, "listing page retried");
                progress.requests += 1;
                run.spawn(
                    done.kind,
                    done.page,
                    done.attempt + 1,
                    delay,
                    done.may_refresh,
                );
            }
            Err(e) => match done.kind {
                Kind::Jobs => {
                    jobs.on_failed(done.page, e);
                    let new = without_raw(jobs.assemble()?, opts.keep_raw);
                    if !new.is_empty() {
                        reverse_entries |= new.iter().any(SyncJobEntry::is_reverse);
                        progress.entries += new.len();
                        on_event(ListEvent::Entries(new));
                    }
                }
                Kind::Dts if dts_active => {
                    dts.on_failed(done.page, e);
                    dts_advance(
                        &mut dts,
                        &mut dts_active,
                        &mut hints,
                        &mut run,
                        opts.keep_raw,
                        &mut on_event,
                    );
                }
                Kind::Dts => {}
            },
        }
        progress.pages_expected = jobs.expected();
        progress.dts_pages_expected = dts_active.then(|| dts.expected()).flatten();
    }
    progress.in_flight = 0;
    progress.waiting = None;
    progress.pages_expected = jobs.end;
    on_event(ListEvent::Progress(&progress));
    Ok(ListSummary {
        reverse_entries,
        two_way: hints,
        progress,
    })
}

/// The entries, their JSON text dropped unless the caller keeps it.
fn without_raw(mut entries: Vec<SyncJobEntry>, keep_raw: bool) -> Vec<SyncJobEntry> {
    if !keep_raw {
        for e in &mut entries {
            e.raw = crate::domain::endpoint::RawJson::empty();
        }
    }
    entries
}

/// After a DescribeDtsJobs page arrived or failed: hand on the items now in order, and
/// stop reading DescribeDtsJobs once it failed or reached its end.
fn dts_advance(
    dts: &mut Pager<DtsJobItem>,
    active: &mut bool,
    hints: &mut TwoWayHints,
    run: &mut Run,
    keep_raw: bool,
    on_event: &mut impl FnMut(ListEvent<'_>),
) {
    match dts.assemble() {
        Ok(mut items) => {
            if !keep_raw {
                for it in &mut items {
                    it.raw = crate::domain::endpoint::RawJson::empty();
                }
            }
            if !items.is_empty() {
                on_event(ListEvent::DtsItems(items));
            }
        }
        Err(e) => dts_failed(active, hints, run, e),
    }
    if *active && dts.end.is_some() {
        *active = false;
        hints.state = HintsState::Complete;
        run.abort_all(Kind::Dts);
    }
}

fn dts_failed(active: &mut bool, hints: &mut TwoWayHints, run: &mut Run, e: ApiError) {
    tracing::warn!(error = %e, "DescribeDtsJobs could not be read; two-way jobs are told apart by the listing only");
    *active = false;
    hints.state = HintsState::Failed(e.into());
    run.abort_all(Kind::Dts);
}

async fn sleep_until(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Jobs,
    Dts,
}

enum PageOut {
    Jobs(Page<SyncJobEntry>),
    Dts(Page<DtsJobItem>),
}

struct Done {
    kind: Kind,
    page: u32,
    attempt: u32,
    result: Result<PageOut, ApiError>,
    retry_after: Option<Duration>,
    will_retry: bool,
    /// Expired credentials may still be fetched anew once for this page.
    may_refresh: bool,
    /// They were, just now: retry at once.
    refreshed: bool,
}

/// The requests in flight.
struct Run {
    client: Client,
    page_size: u32,
    /// Keep each entry's JSON text ([`ListOptions::keep_raw`]).
    keep_raw: bool,
    set: JoinSet<Done>,
    handles: HashMap<(Kind, u32), AbortHandle>,
}

impl Run {
    fn spawn(&mut self, kind: Kind, page: u32, attempt: u32, delay: Duration, may_refresh: bool) {
        let client = self.client.clone();
        let shape = Shape {
            size: self.page_size,
            keep_raw: self.keep_raw,
        };
        let h = self.set.spawn(fetch(
            client,
            kind,
            page,
            shape,
            attempt,
            delay,
            may_refresh,
        ));
        self.handles.insert((kind, page), h);
    }

    /// Cancels the requests of `kind` still in flight (their pages are not needed).
    fn abort_all(&mut self, kind: Kind) {
        self.handles.retain(|(k, _), h| {
            if *k == kind {
                h.abort();
                false
            } else {
                true
            }
        });
    }
}

/// How a page is asked for and read.
#[derive(Clone, Copy)]
struct Shape {
    size: u32,
    keep_raw: bool,
}

async fn fetch(
    client: Client,
    kind: Kind,
    page: u32,
    Shape { size, keep_raw }: Shape,
    attempt: u32,
    delay: Duration,
    may_refresh: bool,
) -> Done {
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let (action, params) = match kind {
        Kind::Jobs => (SYNC_JOBS, jobs_params(page, size)),
        Kind::Dts => (DTS_JOBS, dts_jobs_params(client.region(), page, size)),
    };
    let a = client
        .call_attempt(action, &params, CallMode::Read, attempt, may_refresh)
        .await;
    let mut will_retry = a.will_retry;
    // Parsing happens here, on the task, so pages are parsed in parallel.
    let result = a.result.and_then(|ans| {
        let parsed = match kind {
            Kind::Jobs => {
                parse_jobs_page_with(&ans.body, ans.request_id, page, keep_raw).map(|p| {
                    PageOut::Jobs(Page {
                        listed: p.listed,
                        total: p.total_record_count,
                        items: p.entries,
                    })
                })
            }
            Kind::Dts => parse_dts_jobs_page_with(&ans.body, ans.request_id, keep_raw).map(|p| {
                PageOut::Dts(Page {
                    listed: p.listed,
                    total: p.total_record_count,
                    items: p.items,
                })
            }),
        };
        if let Err(e) = &parsed {
            will_retry = e.retryable_read() && attempt < client.retry_policy().max_attempts;
        }
        parsed
    });
    Done {
        kind,
        page,
        attempt,
        result,
        retry_after: a.retry_after,
        will_retry,
        may_refresh: may_refresh && !a.refreshed_credentials,
        refreshed: a.refreshed_credentials,
    }
}

/// An item of a paged list: its identity (for deduplication) and whether it stands for
/// an instance (a listing's Reverse entry does not: its instance has a Forward entry too).
trait PageItem {
    fn key(&self) -> String;
    fn is_instance(&self) -> bool;
}

impl PageItem for SyncJobEntry {
    fn key(&self) -> String {
        format!("{}\u{0}{}", self.job_id, self.direction)
    }
    fn is_instance(&self) -> bool {
        !self.is_reverse()
    }
}

impl PageItem for DtsJobItem {
    fn key(&self) -> String {
        self.ids.join("\u{0}")
    }
    fn is_instance(&self) -> bool {
        true
    }
}

struct Page<T> {
    /// Items in the answer's list (those that could not be used included).
    listed: usize,
    total: Option<u64>,
    items: Vec<T>,
}

/// The paging state of one list: which pages to ask next and where the list ends.
/// Pages arrive in any order and are consumed in page order.
struct Pager<T> {
    max_pages: u32,
    /// Items per page as the service answers them (the first page's count).
    size: usize,
    /// The first page's TotalRecordCount (only sizes the waves).
    total: Option<u64>,
    /// Pages up to here may be asked.
    horizon: u32,
    /// Asked before the pages below it: the page just past the expected end.
    probe: Option<u32>,
    /// The next page, in order, not yet asked.
    next_seq: u32,
    launched: HashSet<u32>,
    arrived: BTreeMap<u32, Page<T>>,
    /// The lowest page that could not be read.
    failed: Option<(u32, ApiError)>,
    /// Pages 1..=assembled are consumed.
    assembled: u32,
    /// The largest page among those consumed.
    largest: usize,
    seen: HashSet<String>,
    /// The last page of the list, once seen.
    end: Option<u32>,
    /// Of all pages arrived: items, and how many stand for instances.
    arrived_items: usize,
    arrived_instances: usize,
    extend_step: u32,
}

impl<T: PageItem> Pager<T> {
    fn new(max_pages: u32) -> Self {
        Pager {
            max_pages: max_pages.max(1),
            size: 0,
            total: None,
            horizon: 1,
            probe: None,
            next_seq: 1,
            launched: HashSet::new(),
            arrived: BTreeMap::new(),
            failed: None,
            assembled: 0,
            largest: 0,
            seen: HashSet::new(),
            end: None,
            arrived_items: 0,
            arrived_instances: 0,
            extend_step: 1,
        }
    }

    /// The next page to ask, if any may be asked now.
    fn next_launch(&mut self) -> Option<u32> {
        if self.end.is_some() {
            return None;
        }
        let below_failed = |p: u32, f: &Option<(u32, ApiError)>| f.as_ref().is_none_or(|f| p < f.0);
        if let Some(p) = self.probe {
            if !self.launched.contains(&p) && below_failed(p, &self.failed) {
                self.launched.insert(p);
                return Some(p);
            }
        }
        while self.next_seq <= self.horizon && below_failed(self.next_seq, &self.failed) {
            let p = self.next_seq;
            self.next_seq += 1;
            if self.launched.insert(p) {
                return Some(p);
            }
        }
        None
    }

    fn on_arrival(&mut self, p: u32, page: Page<T>) {
        if self.end.is_some_and(|e| p > e) || p <= self.assembled {
            return;
        }
        self.arrived_items += page.items.len();
        self.arrived_instances += page.items.iter().filter(|i| i.is_instance()).count();
        if p == 1 {
            self.size = page.listed;
            self.total = page.total.filter(|t| *t > 0);
            self.horizon = match self.total {
                Some(t) if self.size > 0 => {
                    let pages = t.div_ceil(self.size as u64).min(self.max_pages as u64) as u32;
                    // The page just past them: empty when the total counts entries (or the
                    // last page is short), full when it counts instances.
                    let h = (pages + 1).min(self.max_pages);
                    if h > 2 {
                        self.probe = Some(h);
                    }
                    h
                }
                _ => self.max_pages,
            };
        } else if self.total.is_some()
            && p == self.horizon
            && self.size > 0
            && page.listed >= self.size
            && page.items.iter().any(|i| !self.seen.contains(&i.key()))
        {
            self.extend();
        }
        self.arrived.insert(p, page);
    }

    /// The page at the horizon is full of entries not seen yet: there are more pages than
    /// the total says (it counts instances). Estimate how many from the share of instances
    /// seen. Later pages are asked in order, so paging always moves on.
    fn extend(&mut self) {
        let est_pages = match (self.total, self.arrived_instances) {
            (Some(t), n) if n > 0 && self.size > 0 => {
                let entries = (t as f64) * (self.arrived_items as f64) / (n as f64);
                (entries / self.size as f64).ceil() as u32
            }
            _ => 0,
        };
        let h = (self.horizon + self.extend_step).max(est_pages + 1);
        self.extend_step = self.extend_step.saturating_mul(2);
        self.horizon = h.min(self.max_pages);
    }

    fn on_failed(&mut self, p: u32, e: ApiError) {
        if self.end.is_some_and(|end| p > end) {
            return;
        }
        if self.failed.as_ref().is_none_or(|f| p < f.0) {
            self.failed = Some((p, e));
        }
    }

    /// Consumes the pages that are next in order; returns their new items. Fails when the
    /// next page in order could not be read.
    fn assemble(&mut self) -> Result<Vec<T>, ApiError> {
        let mut out = Vec::new();
        while self.end.is_none() {
            let p = self.assembled + 1;
            let Some(page) = self.arrived.remove(&p) else {
                match &self.failed {
                    Some((f, e)) if *f == p => return Err(e.clone()),
                    _ => break,
                }
            };
            self.assembled = p;
            let before = self.largest;
            let mut new = 0usize;
            for it in page.items {
                if self.seen.insert(it.key()) {
                    out.push(it);
                    new += 1;
                }
            }
            let empty = page.listed == 0;
            let repeat = !empty && new == 0;
            let short = p > 1 && page.listed < before;
            self.largest = before.max(page.listed);
            if empty || repeat || short || p >= self.max_pages {
                if p >= self.max_pages && !(empty || repeat || short) {
                    tracing::warn!(pages = p, "listing stopped at the page cap");
                }
                self.end = Some(p);
                self.arrived.clear();
            }
        }
        Ok(out)
    }

    /// The number of pages expected: the end once seen, else the horizon when a total
    /// sized it.
    fn expected(&self) -> Option<u32> {
        self.end
            .or_else(|| self.total.map(|_| self.horizon.max(self.assembled)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(id: usize, reverse: bool) -> SyncJobEntry {
        SyncJobEntry::from_value(&json!({
            "SynchronizationJobId": format!("j{id}"),
            "SynchronizationDirection": if reverse { "Reverse" } else { "Forward" },
        }))
        .unwrap()
    }

    /// A listing of `n` jobs where every `every`-th is two-way (Forward then Reverse).
    fn listing(n: usize, every: usize) -> Vec<SyncJobEntry> {
        (0..n)
            .flat_map(|i| {
                let mut v = vec![entry(i, false)];
                if i % every == 0 {
                    v.push(entry(i, true));
                }
                v
            })
            .collect()
    }

    fn page(all: &[SyncJobEntry], p: u32, size: usize, total: Option<u64>) -> Page<SyncJobEntry> {
        let items: Vec<_> = all
            .iter()
            .skip((p as usize - 1) * size)
            .take(size)
            .cloned()
            .collect();
        Page {
            listed: items.len(),
            total,
            items,
        }
    }

    /// Drives a pager with pages answered in the worst order (highest first within each
    /// wave of `window`); returns the items and the pages asked.
    fn drive(
        all: &[SyncJobEntry],
        size: usize,
        total: Option<u64>,
        window: usize,
    ) -> (Vec<String>, Vec<u32>) {
        let mut pager: Pager<SyncJobEntry> = Pager::new(10_000);
        let mut out = Vec::new();
        let mut asked = Vec::new();
        loop {
            let cap = if pager.assembled == 0 { 1 } else { window };
            let mut wave = Vec::new();
            while wave.len() < cap {
                match pager.next_launch() {
                    Some(p) => wave.push(p),
                    None => break,
                }
            }
            if wave.is_empty() {
                break;
            }
            asked.extend(&wave);
            wave.sort_unstable_by(|a, b| b.cmp(a));
            for p in wave {
                pager.on_arrival(p, page(all, p, size, total));
                out.extend(pager.assemble().unwrap().into_iter().map(|e| e.key()));
            }
            if pager.end.is_some() {
                break;
            }
        }
        (out, asked)
    }

    #[test]
    fn every_entry_whatever_the_total_counts() {
        let all = listing(100, 3); // 134 entries, 100 instances
        let want: Vec<String> = all.iter().map(|e| e.key()).collect();
        for total in [Some(100), Some(134), None, Some(1), Some(5000)] {
            for window in [1, 3, 8] {
                let (got, asked) = drive(&all, 30, total, window);
                assert_eq!(got, want, "total {total:?} window {window}");
                assert!(asked.len() <= 5 + window, "{total:?} {window}: {asked:?}");
            }
        }
    }

    #[test]
    fn total_counting_instances_is_detected_by_the_probe() {
        let all = listing(5000, 3); // 6667 entries: 223 pages
        let (got, asked) = drive(&all, 30, Some(5000), 16);
        assert_eq!(got.len(), all.len());
        // The probe (page 168) comes first, right after page 1.
        assert_eq!(asked[..2], [1, 168]);
        assert!(asked.len() <= 223 + 16, "{}", asked.len());
    }

    #[test]
    fn page_size_the_service_chose_is_learnt_from_page_one() {
        let all = listing(45, 3);
        let want: Vec<String> = all.iter().map(|e| e.key()).collect();
        for size in [7, 10, 60] {
            for total in [None, Some(45), Some(all.len() as u64)] {
                assert_eq!(drive(&all, size, total, 8).0, want, "{size} {total:?}");
            }
        }
    }

    #[test]
    fn repeated_pages_end_the_listing() {
        let all = listing(40, 3);
        let mut pager: Pager<SyncJobEntry> = Pager::new(100);
        assert_eq!(pager.next_launch(), Some(1));
        pager.on_arrival(1, page(&all, 1, 30, Some(40)));
        let first = pager.assemble().unwrap();
        assert_eq!(first.len(), 30);
        // Every later page answers page 1 again (PageNum ignored): page 2 is the end and
        // adds nothing.
        let mut asked = Vec::new();
        while let Some(p) = pager.next_launch() {
            asked.push(p);
            pager.on_arrival(p, page(&all, 1, 30, Some(40)));
        }
        assert_eq!(asked, [3, 2], "the page past the expected end first");
        assert!(pager.assemble().unwrap().is_empty());
        assert_eq!(pager.end, Some(2));
        assert_eq!(pager.next_launch(), None);
    }

    #[test]
    fn a_failed_page_fails_only_when_it_is_needed() {
        let all = listing(40, 3); // 54 entries: pages of 30, 24
        let err = ApiError::Connect {
            action: "X".into(),
            detail: "down".into(),
        };
        let mut pager: Pager<SyncJobEntry> = Pager::new(100);
        pager.next_launch();
        pager.on_arrival(1, page(&all, 1, 30, None));
        pager.assemble().unwrap();
        // Page 3 (past the end) fails, page 2 is the short last page: success.
        pager.on_failed(3, err.clone());
        pager.on_arrival(2, page(&all, 2, 30, None));
        assert_eq!(pager.assemble().unwrap().len(), 24);
        assert_eq!(pager.end, Some(2));
        // Page 2 fails: the listing fails.
        let mut pager: Pager<SyncJobEntry> = Pager::new(100);
        pager.next_launch();
        pager.on_arrival(1, page(&all, 1, 30, None));
        pager.assemble().unwrap();
        pager.on_failed(2, err.clone());
        assert_eq!(pager.assemble().unwrap_err(), err);
    }
}
