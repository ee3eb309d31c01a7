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
    use std::ffi::c_int;

    unsafe extern "C" {
        pub fn dup2(old: c_int, new: c_int) -> c_int;
        pub fn raise(sig: c_int) -> c_int;
    }

    // Signal numbers std does not name (checked against libc in the tests).
    #[cfg(all(
        any(target_os = "linux", target_os = "android"),
        not(any(
            target_arch = "mips",
            target_arch = "mips64",
            target_arch = "sparc",
            target_arch = "sparc64"
        ))
    ))]
    mod nums {
        pub const SIGTSTP: i32 = 20;
        pub const SIGCONT: i32 = 18;
        pub const SIGSTOP: i32 = 19;
    }
    #[cfg(all(
        any(target_os = "linux", target_os = "android"),
        any(target_arch = "mips", target_arch = "mips64")
    ))]
    mod nums {
        pub const SIGTSTP: i32 = 24;
        pub const SIGCONT: i32 = 25;
        pub const SIGSTOP: i32 = 23;
    }
    #[cfg(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd",
        target_os = "dragonfly",
        all(
            target_os = "linux",
            any(target_arch = "sparc", target_arch = "sparc64")
        )
    ))]
    mod nums {
        pub const SIGTSTP: i32 = 18;
        pub const SIGCONT: i32 = 19;
        pub const SIGSTOP: i32 = 17;
    }
    #[cfg(not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd",
        target_os = "dragonfly"
    )))]
    mod nums {
        // Unknown here: suspending is not offered.
        pub const SIGTSTP: i32 = -1;
        pub const SIGCONT: i32 = -1;
        pub const SIGSTOP: i32 = -1;
    }
    pub use nums::*;
}

/// SIGTSTP and SIGCONT, where known (for the runner's signal streams).
#[cfg(unix)]
pub fn tstp_cont() -> Option<(i32, i32)> {
    (sys::SIGTSTP > 0).then_some((sys::SIGTSTP, sys::SIGCONT))
}

/// Stops this process until the shell continues it (`fg`). The caller has given the
/// terminal back. SIGSTOP, not SIGTSTP: the TUI handles SIGTSTP itself. False when
/// stopping is not possible here.
pub fn stop_self() -> bool {
    #[cfg(unix)]
    {
        if sys::SIGSTOP > 0 {
            // SAFETY: raise() with a valid signal number has no memory effects.
            return unsafe { sys::raise(sys::SIGSTOP) } == 0;
        }
    }
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

#[cfg(all(test, unix))]
mod tests {
    #[test]
    fn signal_numbers_are_the_platforms() {
        assert_eq!(super::sys::SIGTSTP, libc::SIGTSTP);
        assert_eq!(super::sys::SIGCONT, libc::SIGCONT);
        assert_eq!(super::sys::SIGSTOP, libc::SIGSTOP);
    }
}
