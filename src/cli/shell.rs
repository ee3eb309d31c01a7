//! Shell completions and the man page, generated from the clap definitions
//! (clap_complete, clap_mangen), so they never drift from the flags.

use crate::cli::{exit, Cli, CliError};
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;

fn print(bytes: &[u8]) -> i32 {
    // A closed pipe (`dts-switch man | head`) is not an error worth a panic.
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => exit::OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(e) => {
            errln!("error: cannot write to stdout: {e}");
            exit::FAILED
        }
    }
}

/// The completion script of `shell`.
pub fn completion_script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "dts-switch", &mut buf);
    buf
}

/// The man page, in roff.
pub fn man_page() -> Vec<u8> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut buf)
        .expect("writing to memory cannot fail");
    buf
}

pub fn completions(shell: clap_complete::Shell) -> i32 {
    print(&completion_script(shell))
}

/// Prints the man page, or writes every page (one per subcommand too) into `dir`.
pub fn man(dir: Option<&Path>) -> Result<i32, CliError> {
    let Some(dir) = dir else {
        return Ok(print(&man_page()));
    };
    let failed = |e: std::io::Error| {
        CliError::new(
            exit::FAILED,
            format!("cannot write the man pages into {}: {e}", dir.display()),
        )
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(failed)?;
    let mut pages: Vec<String> = std::fs::read_dir(dir)
        .map_err(failed)?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("dts-switch") && n.ends_with(".1"))
        .collect();
    pages.sort();
    for p in &pages {
        outln!("{}", dir.join(p).display());
    }
    Ok(exit::OK)
}
