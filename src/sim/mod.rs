//! The simulator: a fake DTS service with the real response shapes, signature checks,
//! parameter validation, switch tasks that progress over time, and fault injection.

pub mod data;
pub mod server;
pub mod state;

pub use server::Simulator;
pub use state::{
    Faults, Quirks, Recorded, SimConfig, TaskIdShape, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET,
};
