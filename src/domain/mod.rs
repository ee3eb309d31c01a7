//! The domain: jobs, validation rules per instance type, the switch plan and its
//! executor. Pure where it can be; no UI types.

pub mod call;
pub mod drive;
pub mod endpoint;
pub mod executor;
pub mod failure;
pub mod family;
pub mod find;
pub mod fleet;
pub mod guard;
pub mod hostlock;
pub mod job;
pub mod journal;
pub mod listed;
pub mod outcome;
pub mod plan;
pub mod planner;
pub mod region;
pub mod rules;
pub mod runbook;
pub mod service;
pub mod verify;

pub use job::{
    load_jobs, load_jobs_with, merge_entries, Job, JobMerger, Listing, LoadEvent, Topology,
};
pub use plan::{plan, Direction, Plan, PlannedCall, Side, SwitchRequest};
pub use rules::{EndpointInput, FieldError, InstanceType, ValidEndpoint};
