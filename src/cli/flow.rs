//! Interaction shared by the commands that send and follow switches: the typed
//! confirmation and catching interrupts. (Watching the job after a switch is the
//! domain driver's: `domain::drive`.)

use crate::cli::{exit, CliError};
use std::io::BufRead;

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
