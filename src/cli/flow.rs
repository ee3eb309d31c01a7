//! Interaction shared by the commands that send and follow switches: the typed
//! confirmation and catching interrupts. (Watching the job after a switch is the
//! domain driver's: `domain::drive`.)

use crate::cli::{exit, CliError};
use std::io::BufRead;

/// Asks on the terminal; true only when the operator types `expected` exactly. The
/// line is read on a thread of its own, so a signal is heard while it waits (see
/// [`before_sending`]).
pub async fn typed_confirmation(prompt: &str, expected: &str) -> Result<bool, CliError> {
    errout!("{prompt}");
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let r = std::io::stdin().lock().read_line(&mut line).map(|_| line);
        let _ = tx.send(r);
    });
    let line = rx
        .await
        .map_err(|_| CliError::new(exit::BAD_INPUT, "cannot read the confirmation"))?
        .map_err(|e| {
            CliError::new(
                exit::BAD_INPUT,
                format!("cannot read the confirmation: {e}"),
            )
        })?;
    Ok(line.trim() == expected)
}

/// Runs `work` (planning, dry runs, the confirmation) unless a signal comes first: then
/// the command ends with exit 1 and says that nothing was sent (a dry run changes
/// nothing, and no call was handed to the network).
pub async fn before_sending<T>(
    interrupts: &mut Interrupts,
    work: impl std::future::Future<Output = Result<T, CliError>>,
) -> Result<T, CliError> {
    tokio::select! {
        r = work => r,
        sig = interrupts.wait() => Err(CliError::new(
            exit::FAILED,
            format!("{sig} before any call was sent: nothing was sent, nothing was changed"),
        )),
    }
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
