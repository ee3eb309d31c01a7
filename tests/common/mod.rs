//! Shared helpers: run the real binary against a simulator over loopback HTTP.
#![allow(dead_code)]

use dts_switch::sim::{Faults, SimConfig, Simulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

pub const SWITCH: &str = "SwitchSynchronizationEndpoint";
pub const LIST: &str = "DescribeSynchronizationJobs";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_dts-switch")
}

/// A fast simulator: switch tasks step every 150 ms.
pub fn sim_with(jobs: usize, faults: Faults) -> Simulator {
    Simulator::start_background(SimConfig {
        jobs,
        step: Duration::from_millis(150),
        faults,
        ..SimConfig::default()
    })
}

pub fn sim() -> Simulator {
    sim_with(12, Faults::default())
}

/// An isolated environment: empty HOME, own data dir, no ambient cloud variables.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Self {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    pub fn command(&self) -> Command {
        let mut c = Command::new(bin());
        for (k, _) in std::env::vars() {
            if k.starts_with("ALIBABA")
                || k.starts_with("ALICLOUD")
                || k.starts_with("DTS_SWITCH")
                || k.ends_with("ACCESS_KEY_ID")
                || k.ends_with("ACCESS_KEY_SECRET")
                || k.ends_with("SECURITY_TOKEN")
                || k == "REGION"
                || k == "REGION_ID"
            {
                c.env_remove(k);
            }
        }
        std::fs::create_dir_all(self.home()).unwrap();
        c.env("HOME", self.home())
            .env("DTS_SWITCH_DATA", self.data())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        c
    }
    /// A command aimed at `endpoint` with the demo credentials in the environment.
    pub fn command_at(&self, endpoint: &str) -> Command {
        let mut c = self.command();
        c.env("DTS_SWITCH_ENDPOINT", endpoint)
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET);
        c
    }
    /// Runs against `sim` with the demo credentials from the environment.
    pub fn run(&self, sim: &Simulator, args: &[&str]) -> Out {
        Out::from(self.command_at(&sim.url()).args(args).output().unwrap())
    }
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data().join("dts-switch.log")).unwrap_or_default()
    }
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Out {
    fn from(o: Output) -> Self {
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Out {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub fn write_file(p: &Path, body: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

/// Args of a switch of the demo two-way job's destination to a new ECS instance.
pub fn two_way_args(cmd: &str) -> Vec<String> {
    [
        cmd,
        "--job",
        dts_switch::sim::data::TWO_WAY_JOB_ID,
        "--database",
        "destination",
        "--instance-type",
        "ECS",
        "--instance-id",
        "i-bp1newdest0001",
        "--port",
        "3307",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

pub fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}
