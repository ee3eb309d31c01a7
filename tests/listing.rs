//! Listing every job: complete whatever TotalRecordCount counts, the same result read
//! concurrently as one page at a time, throttling survived, and the topology unknown when
//! the service does not show it.

mod common;
use common::*;
use dts_switch::api::listing::{ListOptions, ListProgress};
use dts_switch::api::{Client, ClientConfig, Credentials, RetryPolicy};
use dts_switch::domain::{load_jobs_with, Job, LoadEvent, Topology};
use dts_switch::sim::data::{jobs_with, listing_entries};
use dts_switch::sim::{
    Faults, Quirks, SimConfig, Simulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET,
};
use std::time::Duration;

const DTS: &str = "DescribeDtsJobs";

fn start(jobs: usize, quirks: Quirks, faults: Faults) -> Simulator {
    Simulator::start_background(SimConfig {
        jobs,
        two_way_every: Some(3),
        step: Duration::from_millis(100),
        quirks,
        faults,
        ..SimConfig::default()
    })
}

/// An in-process client for `sim`, with quick retries.
fn client(sim: &Simulator) -> Client {
    Client::new(ClientConfig {
        endpoint: sim.url().parse().unwrap(),
        region: "cn-hangzhou".into(),
        credentials: Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, None).into(),
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(10),
        retry: RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
        },
    })
    .unwrap()
}

struct Loaded {
    jobs: Vec<Job>,
    /// Ids in the order the batches brought them.
    batched: Vec<String>,
    batches: usize,
    progress: Vec<ListProgress>,
}

fn load(sim: &Simulator, opts: &ListOptions) -> Loaded {
    let c = client(sim);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut batched = Vec::new();
    let mut batches = 0;
    let mut progress = Vec::new();
    let jobs = rt
        .block_on(load_jobs_with(&c, opts, |ev| match ev {
            LoadEvent::Jobs(b) => {
                batches += 1;
                batched.extend(b.iter().map(|j| j.id.clone()));
            }
            LoadEvent::Progress(p) => progress.push(p.clone()),
        }))
        .unwrap()
        .jobs;
    Loaded {
        jobs,
        batched,
        batches,
        progress,
    }
}

fn ids(jobs: &[Job]) -> Vec<String> {
    jobs.iter().map(|j| j.id.clone()).collect()
}

/// The jobs `start(n, …)` lists in cn-hangzhou: `n` legacy ones, then the region's
/// maintained demo jobs.
fn served(n: usize) -> Vec<dts_switch::sim::data::SimJob> {
    SimConfig {
        jobs: n,
        two_way_every: Some(3),
        ..SimConfig::default()
    }
    .served_jobs()
    .into_iter()
    .filter(|j| j.in_region("cn-hangzhou"))
    .collect()
}

fn sim_ids(n: usize) -> Vec<String> {
    served(n).into_iter().map(|j| j.id).collect()
}

fn count_two_way(n: usize) -> usize {
    served(n).iter().filter(|j| j.reverse.is_some()).count()
}

/// The case: 100 jobs, a third two-way (two entries each), TotalRecordCount
/// counting instances (100 while there are 134 entries). The old client stopped at 100
/// entries (90 jobs).
#[test]
fn total_counting_instances_lists_every_job_and_the_last_one_plans() {
    let sim = start(100, Quirks::default(), Faults::default());
    let env = Env::new();
    let out = env.run(&sim, &["jobs", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let listed = out.json();
    let listed = listed.as_array().unwrap();
    let got: Vec<String> = listed
        .iter()
        .map(|j| j["SynchronizationJobId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, sim_ids(100), "every job, once, in listing order");
    let two_way = listed.iter().filter(|j| j["Topology"] == "two-way").count();
    assert_eq!(two_way, count_two_way(100));
    assert!(two_way >= 33, "a third two-way: {two_way}");
    assert!(listed
        .iter()
        .all(|j| j["Topology"] == "two-way" || j["Topology"] == "one-way"));
    // No page was read twice; the listing shows Reverse entries, so no DescribeDtsJobs.
    let mut pages: Vec<u32> = sim
        .requests_of(LIST)
        .iter()
        .map(|r| r.params["PageNum"].parse().unwrap())
        .collect();
    pages.sort_unstable();
    let n = pages.len();
    pages.dedup();
    assert_eq!(pages.len(), n, "each page once: {pages:?}");
    assert!(
        n <= 6,
        "140 entries (134 legacy, 6 maintained) are 5 pages of 30 (+1 to see the end): {pages:?}"
    );
    // DescribeDtsJobs is read alongside (the maintained family's view), each page once.
    let mut dts: Vec<String> = sim
        .requests_of(DTS)
        .iter()
        .map(|r| r.params["PageNumber"].clone())
        .collect();
    let m = dts.len();
    dts.dedup();
    assert_eq!(dts.len(), m, "{dts:?}");

    // The last legacy job (the maintained demo jobs are listed after it).
    let last = jobs_with(100, Some(3)).pop().unwrap().id;
    let plan = |job: &str| {
        env.run(
            &sim,
            &[
                "plan",
                "--job",
                job,
                "--database",
                "destination",
                "--instance-type",
                "ECS",
                "--instance-id",
                "i-bp1newdest0001",
                "--port",
                "3306",
                "--output",
                "json",
            ],
        )
    };
    let out = plan(&last);
    assert_eq!(out.code, 0, "the last job is found: {out:?}");
    let v = out.json();
    assert_eq!(v["job_id"], last.as_str());
    assert_eq!(v["calls"].as_array().unwrap().len(), 2, "job 99 is two-way");
    assert!(sim.requests_of(SWITCH).is_empty());
}

/// Reading concurrently gives exactly what reading one page at a time gives, in the same
/// order, whatever the service does with PageSize, PageNum and TotalRecordCount.
#[test]
fn concurrent_listing_equals_sequential_listing() {
    let cases: Vec<(&str, usize, Quirks)> = vec![
        ("total counts instances", 250, Quirks::default()),
        (
            "total counts entries, exact pages",
            225,
            Quirks {
                total_counts_entries: true,
                ..Quirks::default()
            },
        ),
        (
            "no total",
            250,
            Quirks {
                omit_total: true,
                ..Quirks::default()
            },
        ),
        (
            "PageSize ignored (7)",
            250,
            Quirks {
                page_size: Some(7),
                ..Quirks::default()
            },
        ),
        (
            "PageSize ignored (10), exact pages, no total",
            225,
            Quirks {
                page_size: Some(10),
                omit_total: true,
                ..Quirks::default()
            },
        ),
        (
            "pages past the end repeat the last",
            225,
            Quirks {
                clamp_page_num: true,
                total_counts_entries: true,
                ..Quirks::default()
            },
        ),
        (
            "pages past the end repeat the last, short last page",
            250,
            Quirks {
                clamp_page_num: true,
                ..Quirks::default()
            },
        ),
        (
            "PageNum ignored",
            250,
            Quirks {
                ignore_page_num: true,
                ..Quirks::default()
            },
        ),
        (
            "no Reverse entries (two-way from DescribeDtsJobs)",
            250,
            Quirks {
                no_reverse_entries: true,
                ..Quirks::default()
            },
        ),
        (
            "wrapped answers",
            250,
            Quirks {
                wrap_response: true,
                ..Quirks::default()
            },
        ),
    ];
    for (name, n, quirks) in cases {
        let sim = start(n, quirks.clone(), Faults::default());
        let seq = load(&sim, &ListOptions::sequential());
        let con = load(&sim, &ListOptions::default());
        assert_eq!(
            ids(&con.jobs),
            ids(&seq.jobs),
            "{name}: same jobs, same order"
        );
        // A job only DescribeDtsJobs shows carries that answer's live Checkpoint.
        let norm = |jobs: &[dts_switch::domain::Job]| -> Vec<dts_switch::domain::Job> {
            jobs.iter()
                .cloned()
                .map(|mut j| {
                    if !j.listed_legacy {
                        j.forward.raw = dts_switch::domain::endpoint::RawJson::empty();
                    }
                    j
                })
                .collect()
        };
        assert!(
            norm(&con.jobs) == norm(&seq.jobs),
            "{name}: same jobs, field by field"
        );
        assert_eq!(
            con.batched,
            ids(&con.jobs),
            "{name}: batches in listing order"
        );
        if quirks.ignore_page_num {
            // Only the first page exists for such a service's legacy listing; the
            // others come from DescribeDtsJobs, after it.
            let mut first: Vec<String> = listing_entries(&jobs_with(n, Some(3)))
                .into_iter()
                .take(30)
                .map(|e| e.job_id)
                .collect();
            first.dedup();
            let got = ids(&con.jobs);
            assert!(got.starts_with(&first), "{name}: {got:?}");
            let (mut a, mut b) = (got.clone(), sim_ids(n));
            a.sort();
            b.sort();
            assert_eq!(a, b, "{name}: every job, from one listing or the other");
        } else {
            assert_eq!(ids(&con.jobs), sim_ids(n), "{name}");
        }
        if !quirks.ignore_page_num {
            let two_way = con
                .jobs
                .iter()
                .filter(|j| j.detected_topology() == Topology::TwoWay)
                .count();
            assert_eq!(two_way, count_two_way(n), "{name}");
            assert!(
                con.jobs
                    .iter()
                    .all(|j| j.detected_topology() != Topology::Unknown),
                "{name}"
            );
        }
    }
}

#[test]
fn throttling_during_the_listing_is_survived() {
    let reference = load(
        &start(300, Quirks::default(), Faults::default()),
        &ListOptions::sequential(),
    );
    let throttled = || Faults {
        throttle: 8,
        throttle_after: 2,
        ..Faults::default()
    };
    let sim = start(300, Quirks::default(), throttled());
    let got = load(&sim, &ListOptions::default());
    assert!(got.jobs == reference.jobs, "the same listing");
    let last = got.progress.last().unwrap();
    assert!(last.throttled >= 1, "{last:?}");
    assert!(last.retries >= last.throttled);
    assert!(
        got.progress.iter().any(|p| p.limit < 8),
        "fewer requests in flight after throttling"
    );
    let rejected = sim
        .requests()
        .iter()
        .filter(|r| r.outcome == "rejected:Throttling.User")
        .count();
    assert_eq!(rejected, 8);

    // The real binary, with its default retry policy.
    let sim = start(300, Quirks::default(), throttled());
    let out = Env::new().run(&sim, &["jobs", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json().as_array().unwrap().len(), sim_ids(300).len());
}

#[test]
fn jobs_arrive_in_batches_with_progress() {
    let sim = Simulator::start_background(SimConfig {
        jobs: 400,
        two_way_every: Some(3),
        latency: Duration::from_millis(20),
        ..SimConfig::default()
    });
    let got = load(&sim, &ListOptions::default());
    assert_eq!(ids(&got.jobs), sim_ids(400));
    assert_eq!(got.batched, ids(&got.jobs));
    assert!(got.batches >= 3, "{} batches", got.batches);
    let last = got.progress.last().unwrap();
    let entries = sim_ids(400).len() + count_two_way(400);
    assert_eq!(last.entries, entries);
    // The end is the first short or empty page (empty when the entries fill whole pages,
    // as the 540 entries of 400 legacy and 5 maintained jobs do).
    let pages = (entries / 30 + 1) as u32;
    assert_eq!(last.pages_expected, Some(pages), "the end, once seen");
    assert!(
        (pages..pages + 16).contains(&last.pages_done),
        "a few pages past the end at most: {last:?}"
    );
    assert_eq!(last.request_timeout, Duration::from_secs(10));
    // Pages done only grow, and the expected count was known early (TotalRecordCount).
    assert!(got
        .progress
        .windows(2)
        .all(|w| w[0].pages_done <= w[1].pages_done));
    assert!(got.progress[1].pages_expected.is_some());
}

/// The listing shows no Reverse entry at all and DescribeDtsJobs is refused: nothing shows
/// which jobs are two-way, so the topology is unknown and a plan needs `--topology`.
#[test]
fn refused_describe_dts_jobs_and_forward_only_listing_give_unknown_topology() {
    let sim = start(
        12,
        Quirks {
            no_reverse_entries: true,
            forbid_dts_jobs: true,
            ..Quirks::default()
        },
        Faults::default(),
    );
    let env = Env::new();
    let out = env.run(&sim, &["jobs", "--output", "json"]);
    assert_eq!(out.code, 0, "the listing itself works: {out:?}");
    let listed = out.json();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|j| j["Topology"] == "unknown"),
        "{listed}"
    );
    let dts = sim.requests_of(DTS);
    assert_eq!(dts.len(), 1, "Forbidden.RAM is not retried");
    assert_eq!(dts[0].outcome, "rejected:Forbidden.RAM");
    let out = env.run(&sim, &["jobs"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("unknown"), "{out:?}");
    assert!(
        out.stdout.contains("topology unknown for 17 job(s)")
            && out.stdout.contains("Forbidden.RAM")
            && out.stdout.contains("dts:DescribeDtsJobs"),
        "says why and what to do: {out:?}"
    );

    let out = env.run(&sim, &strs(&two_way_args("plan")));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--topology"), "{out:?}");
    assert!(out.stderr.contains("Forbidden.RAM"), "{out:?}");
    let mut switch = two_way_args("switch");
    switch.push("--yes".into());
    let out = env.run(&sim, &strs(&switch));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--topology"), "{out:?}");
    assert!(sim.requests_of(SWITCH).is_empty(), "nothing was sent");

    let mut args = two_way_args("plan");
    args.extend(["--topology", "two-way", "--output", "json"].map(String::from));
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    assert_eq!(v["calls"].as_array().unwrap().len(), 2);
    assert_eq!(v["calls"][1]["direction"], "Reverse");
    assert!(sim.requests_of(SWITCH).is_empty());
}

/// DescribeDtsJobs throttled out counts as not readable, too; the listing is unaffected.
#[test]
fn describe_dts_jobs_throttled_out_gives_unknown_topology() {
    let sim = start(
        40,
        Quirks {
            no_reverse_entries: true,
            ..Quirks::default()
        },
        Faults {
            throttle: 100,
            only_action: Some(DTS.into()),
            ..Faults::default()
        },
    );
    let got = load(&sim, &ListOptions::default());
    assert_eq!(ids(&got.jobs), sim_ids(40));
    assert!(got
        .jobs
        .iter()
        .all(|j| j.detected_topology() == Topology::Unknown));
    assert_eq!(sim.requests_of(DTS).len(), 5, "bounded retries");

    // Readable: DescribeDtsJobs tells them apart, read alongside the listing.
    let sim = start(
        40,
        Quirks {
            no_reverse_entries: true,
            ..Quirks::default()
        },
        Faults::default(),
    );
    let got = load(&sim, &ListOptions::default());
    let two_way = got
        .jobs
        .iter()
        .filter(|j| j.detected_topology() == Topology::TwoWay)
        .count();
    assert_eq!(two_way, count_two_way(40));
    assert!(got
        .jobs
        .iter()
        .all(|j| j.detected_topology() != Topology::Unknown));
}
