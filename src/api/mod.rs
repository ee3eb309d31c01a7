//! The DTS API client: signing, credentials, transport with retries, typed operations.
//! No UI types here.

pub mod client;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod listing;
pub mod maintained;
pub mod ops;
pub mod port;
pub mod sign;

pub use client::{CallMode, CallRecord, Client, ClientConfig, RetryPolicy};
pub use credentials::{Credentials, Secret};
pub use error::{switch_verdict, ApiError, ErrorKind, SwitchVerdict};
pub use maintained::{
    DtsEndpoint, DtsJobDetail, DtsJobEntry, DtsJobsList, ModifyAnswer, RetryState,
};
pub use ops::{EndpointInfo, SwitchStatus, SyncJobEntry};
