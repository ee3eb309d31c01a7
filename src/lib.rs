//! dts-switch: switch Alibaba Cloud DTS synchronization endpoints after a database
//! failover, safely. Layers: `api` (client), `domain` (jobs, rules, plan, executor),
//! `sim` (simulator), `cli` (commands); `text` makes service text safe to print.

pub mod api;
pub mod cli;
pub mod domain;
pub mod present;
pub mod sim;
pub mod text;
pub mod tui;
