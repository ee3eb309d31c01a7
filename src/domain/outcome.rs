//! How a call and a verification ended: the words the executor, the guard, the journal
//! and the verification share (kept apart so none of them depends on another for them).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The task Finished.
    Finished,
    /// The task ended Failed.
    Failed,
    /// The service refused the call; it was not executed.
    Refused,
    /// The call may have executed but no usable answer came back.
    Unknown,
    /// Sent and accepted; not followed (`--no-wait`).
    Sent,
    /// Sent and accepted; the task had not ended when we stopped following it.
    StillRunning,
    /// Not sent (an earlier call did not finish, or read-only, or vetoed).
    NotSent,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Finished => "finished",
            Outcome::Failed => "failed",
            Outcome::Refused => "refused",
            Outcome::Unknown => "unknown",
            Outcome::Sent => "sent",
            Outcome::StillRunning => "still-running",
            Outcome::NotSent => "not-sent",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Synchronizing, the delay under the threshold or falling, the checkpoint moving.
    Healthy,
    /// The job failed after the switch.
    Failed,
    /// The deadline passed before it was healthy.
    TimedOut,
    /// Its status could not be read (permission, not found).
    Unreadable,
    /// Not watched (`--no-verify`).
    Skipped,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Healthy => "healthy",
            Verdict::Failed => "failed",
            Verdict::TimedOut => "timed-out",
            Verdict::Unreadable => "unreadable",
            Verdict::Skipped => "skipped",
        }
    }
}
