//! Interaction shared by the commands that send and follow switches: the typed
//! confirmation, catching interrupts, and watching the job after a switch.

use crate::cli::{exit, output, CliError};
use crate::domain::plan::Plan;
use crate::domain::verify;
use std::io::BufRead;
use std::time::Duration;

/// Asks on the terminal; true only when the operator types `expected` exactly.
pub fn typed_confirmation(prompt: &str, expected: &str) -> Result<bool, CliError> {
    errout!("{prompt}");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| {
        CliError::new(
            exit::BAD_INPUT,
            format!("cannot read the confirmation: {e}"),
        )
    })?;
    Ok(line.trim() == expected)
}

/// Watches the job after every call of `plan` Finished (or journals that it was not
/// watched, with `--no-verify`): one line per change on stderr. Returns the verdicts and
/// the exit code: 0 when every switched direction is healthy, else 4.
pub async fn verify_after_switch(
    sender: &crate::domain::guard::Sender,
    plan: &Plan,
    a: &crate::cli::VerifyArgs,
    interval: Duration,
) -> (Vec<verify::DirectionVerdict>, i32) {
    if a.no_verify {
        let (skipped, written) = verify::record_skipped(sender, plan);
        if let Err(e) = written {
            errln!("JOURNAL ERROR: {e}");
        }
        return (skipped, exit::OK);
    }
    let opts = verify::VerifyOptions {
        interval: interval.max(Duration::from_millis(10)),
        healthy_delay: a.healthy_delay,
        timeout: a.verify_timeout,
    };
    let mut printer = output::VerifyPrinter::default();
    let mut on = |ev: &verify::VerifyEvent| printer.event(ev);
    let mut interrupts = Interrupts::install();
    let verdicts = tokio::select! {
        v = verify::verify_plan(sender, plan, &opts, &mut on) => v,
        sig = interrupts.wait() => {
            errln!(
                "\n{sig}: stopped watching. The switch itself is done; `dts-switch resume` watches the job again (plan {})",
                crate::domain::guard::short(&plan.id)
            );
            let v = verify::without_reads(plan, verify::Verdict::TimedOut, &format!("not verified: {sig}"));
            return (v, exit::NOT_HEALTHY);
        }
    };
    let healthy = verdicts
        .iter()
        .all(|v| v.verdict == verify::Verdict::Healthy);
    (verdicts, if healthy { exit::OK } else { exit::NOT_HEALTHY })
}

/// Ctrl-C, SIGTERM and SIGHUP, caught from the moment this is created (not from the
/// first poll: a signal that arrives while a switch is being sent must not kill the
/// process before it can say how to resume).
pub struct Interrupts {
    #[cfg(unix)]
    signals: Vec<(tokio::signal::unix::Signal, &'static str)>,
}

impl Interrupts {
    pub fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let signals = [
                (SignalKind::interrupt(), "interrupted (Ctrl-C)"),
                (SignalKind::terminate(), "terminated (SIGTERM)"),
                (SignalKind::hangup(), "hung up (SIGHUP)"),
            ]
            .into_iter()
            .filter_map(|(k, name)| signal(k).ok().map(|s| (s, name)))
            .collect();
            Interrupts { signals }
        }
        #[cfg(not(unix))]
        Interrupts {}
    }

    /// Resolves on the first of them, naming which.
    pub async fn wait(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            let futs = self.signals.iter_mut().map(|(s, name)| {
                Box::pin(async move {
                    s.recv().await;
                    *name
                })
            });
            futures_select_all(futs.collect()).await
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "interrupted (Ctrl-C)"
        }
    }
}

/// The first of several futures to finish.
async fn futures_select_all<F>(mut futs: Vec<std::pin::Pin<Box<F>>>) -> &'static str
where
    F: std::future::Future<Output = &'static str>,
{
    if futs.is_empty() {
        return std::future::pending().await;
    }
    std::future::poll_fn(move |cx| {
        for f in futs.iter_mut() {
            if let std::task::Poll::Ready(v) = f.as_mut().poll(cx) {
                return std::task::Poll::Ready(v);
            }
        }
        std::task::Poll::Pending
    })
    .await
}
