//! The simulator: a fake DTS service with the real response shapes, signature checks,
//! parameter validation, switch tasks that progress over time, and fault injection; on
//! the same server a fake STS (AssumeRole, AssumeRoleWithOIDC) and ECS metadata service
//! that issue short-lived credentials the fake DTS accepts.

pub mod data;
pub mod data_fleet;
pub mod data_maintained;
mod maintained;
pub mod server;
pub mod state;

pub use server::Simulator;
pub use state::{
    Faults, Quirks, Recorded, SimConfig, StsConfig, TaskIdShape, DEMO_ACCESS_KEY_ID,
    DEMO_ACCESS_KEY_SECRET, DEMO_ECS_ROLE, DEMO_OIDC_PROVIDER_ARN, DEMO_OIDC_TOKEN, DEMO_ROLE_ARN,
};
