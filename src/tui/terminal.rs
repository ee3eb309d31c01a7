//! The terminal while the TUI holds it: entering and leaving its modes, suspending
//! (Ctrl-Z, SIGTSTP) and coming back (`fg`), and stderr kept off the screen: whatever
//! writes to it behind the TUI (a log file that cannot be written makes the logging
//! library print there) is caught and reported once in the status line.

use ratatui::crossterm::{cursor, event, execute, terminal};
use std::io::Write;

/// Raw mode, the alternate screen, bracketed paste, no cursor.
pub fn enter_modes() -> std::io::Result<()> {
    terminal::enable_raw_mode()?;
    execute!(
        std::io::stdout(),
        terminal::EnterAlternateScreen,
        event::EnableBracketedPaste,
        cursor::Hide
    )
}

/// Undoes [`enter_modes`], each step on its own, so one failure does not skip the rest
/// (raw mode off before leaving the alternate screen).
pub fn leave_modes() {
    let mut out = std::io::stdout();
    if let Err(e) = terminal::disable_raw_mode() {
        tracing::warn!(error = %e, "disable raw mode");
    }
    if let Err(e) = execute!(out, event::DisableBracketedPaste) {
        tracing::warn!(error = %e, "disable bracketed paste");
    }
    if let Err(e) = execute!(out, terminal::LeaveAlternateScreen) {
        tracing::warn!(error = %e, "leave alternate screen");
    }
    if let Err(e) = execute!(out, cursor::Show) {
        tracing::warn!(error = %e, "show cursor");
    }
    let _ = out.flush();
}

/// After `fg` (or any SIGCONT): raw mode again, whatever the shell did to the terminal
/// meanwhile, and the TUI's screen modes.
pub fn reenter_modes() {
    // Off and on: crossterm keeps raw mode "on" in its own books after an outside stop.
    let _ = terminal::disable_raw_mode();
    if let Err(e) = enter_modes() {
        tracing::warn!(error = %e, "re-enter the terminal modes");
    }
}

/// Restores the terminal for good: stderr back, then the modes.
pub fn restore_terminal() {
    release_stderr();
    leave_modes();
}

#[cfg(unix)]
mod sys {
    pub use libc::{dup2, raise, SIGSTOP};
}

/// Stops this process until the shell continues it (`fg`). The caller has given the
/// terminal back. SIGSTOP, not SIGTSTP: the TUI handles SIGTSTP itself. False when
/// stopping is not possible here.
pub fn stop_self() -> bool {
    #[cfg(unix)]
    {
        // SAFETY: raise() with a valid signal number has no memory effects.
        unsafe { sys::raise(sys::SIGSTOP) == 0 }
    }
    #[cfg(not(unix))]
    false
}

#[cfg(unix)]
static SAVED_STDERR: std::sync::Mutex<Option<std::os::fd::OwnedFd>> = std::sync::Mutex::new(None);

/// While the TUI runs, stderr (when it is the terminal) goes to a pipe: its first text
/// comes back as `report(text)`, the rest is dropped, and nothing reaches the screen
/// behind the TUI. [`restore_terminal`] gives stderr back.
#[cfg(unix)]
pub fn capture_stderr(report: impl Fn(String) + Send + 'static) -> std::io::Result<()> {
    use std::io::{IsTerminal, Read};
    use std::os::fd::AsFd;
    use std::os::fd::AsRawFd;
    if !std::io::stderr().is_terminal() {
        return Ok(());
    }
    let (mut reader, writer) = std::io::pipe()?;
    let saved = std::io::stderr().as_fd().try_clone_to_owned()?;
    // SAFETY: both descriptors are open; dup2 replaces fd 2 atomically.
    if unsafe { sys::dup2(writer.as_raw_fd(), 2) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    drop(writer);
    if let Ok(mut s) = SAVED_STDERR.lock() {
        *s = Some(saved);
    }
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 8192];
        let mut first = true;
        // Ends when fd 2 is given back (the pipe's last writer closes).
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            if first {
                first = false;
                report(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        }
    });
    Ok(())
}

#[cfg(not(unix))]
pub fn capture_stderr(_report: impl Fn(String) + Send + 'static) -> std::io::Result<()> {
    Ok(())
}

/// Gives the real stderr back (idempotent).
pub fn release_stderr() {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let saved = SAVED_STDERR.lock().ok().and_then(|mut s| s.take());
        if let Some(fd) = saved {
            // SAFETY: `fd` is an open duplicate of the original stderr.
            unsafe { sys::dup2(fd.as_raw_fd(), 2) };
        }
    }
}
