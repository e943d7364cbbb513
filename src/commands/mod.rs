//! The command-line shell: one module per subcommand, over the library's engine.

use std::fmt;
use std::process::ExitCode;

use crate::diag::Diagnostics;

pub mod check;
pub mod collect;
pub mod diff;
pub mod export;
pub mod graph;
pub mod import;
pub mod import_state;
pub mod man;
pub mod plan;
pub mod rules;
pub mod sample;
pub mod schema;
pub mod tui;
pub mod verify;

/// Exit code for a clean run.
pub const EXIT_OK: u8 = 0;
/// Exit code when an unwaived blocking finding applies.
pub const EXIT_BLOCKED: u8 = 1;
/// Exit code for input and usage errors.
pub const EXIT_INPUT: u8 = 2;
/// Exit code of `verify` when the events do not prove the stage: no Remote Desktop logon at all, or a staged
/// path without a session whose mode could be read.
pub const EXIT_NOT_VERIFIED: u8 = 3;

/// Why a command could not do its job (always exit code 2).
#[derive(Debug)]
pub enum CliError {
    /// Problems in an input file, with positions.
    Input(Diagnostics),
    /// A wrong combination of arguments.
    Usage(String),
    /// A file could not be read or written.
    Io {
        /// The file.
        path: String,
        /// What happened.
        error: std::io::Error,
    },
    /// Anything else, as a sentence that says what to do.
    Other(String),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Input(d) => write!(f, "{d}"),
            CliError::Usage(m) => write!(f, "error: {m}"),
            CliError::Io { path, error } => {
                write!(f, "error: {}: {error}", crate::safe_text::escape(path))
            }
            CliError::Other(m) => write!(f, "error: {m}"),
        }
    }
}

impl From<Diagnostics> for CliError {
    fn from(d: Diagnostics) -> Self {
        CliError::Input(d)
    }
}

/// The result of a command: an exit code, or an error (exit code 2).
pub type CmdResult = Result<ExitCode, CliError>;

/// Writes a command's whole output to standard output and ends the command.
///
/// Every command prints through this (never `print!`/`println!`, which panic on a closed pipe): when the
/// reader has gone away (`guardplan graph | head`), the output ends quietly with exit code 0; any other write
/// error is an I/O error (exit code 2). Build the text first, then call this once.
pub fn write_stdout(text: impl AsRef<[u8]>) -> CmdResult {
    write_to(&mut std::io::stdout().lock(), text.as_ref())
}

/// Prints a line to standard error for the operator; a closed or full standard error is ignored (the command's
/// work is done, and there is nowhere left to report to).
pub fn note(line: &str) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    // Lines are kept; anything else that could steer a terminal is escaped.
    let safe = crate::safe_text::for_terminal(line);
    let _ = writeln!(err, "{safe}").and_then(|()| err.flush());
}

/// [`write_stdout`] over any writer (tests pass a writer that fails).
pub fn write_to(out: &mut impl std::io::Write, bytes: &[u8]) -> CmdResult {
    stream_to(out, |w| w.write_all(bytes))
}

/// Streams a command's output to standard output through a buffer, for output too large to build first; it
/// ends as [`write_stdout`] does.
pub fn stream_stdout(
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> CmdResult {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    stream_to(&mut out, write)
}

/// [`stream_stdout`] over any writer.
pub fn stream_to(
    out: &mut impl std::io::Write,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> CmdResult {
    match write(&mut *out).and_then(|()| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(error) => Err(CliError::Io {
            path: "<standard output>".into(),
            error,
        }),
    }
}

/// The environment variable that fixes the day waivers are judged against (`YYYY-MM-DD`).
pub const TODAY_ENV: &str = "GUARDPLAN_TODAY";

/// The day waivers are judged against, for every command: `GUARDPLAN_TODAY` when set, else today (UTC).
pub fn today() -> Result<time::Date, CliError> {
    match std::env::var(TODAY_ENV) {
        Ok(day) if !day.trim().is_empty() => diff::parse_date(day.trim()).map_err(|e| {
            CliError::Usage(format!(
                "{TODAY_ENV}: {e}; set it to a date such as 2026-01-31, or unset it"
            ))
        }),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(time::OffsetDateTime::now_utc().date()),
        Err(std::env::VarError::NotUnicode(_)) => Err(CliError::Usage(format!(
            "{TODAY_ENV} is not text: set it to a date such as 2026-01-31, or unset it"
        ))),
    }
}

/// Loads the inventory named on the command line, or the embedded sample when none is given.
pub fn load_inventory(
    path: Option<&std::path::Path>,
) -> Result<crate::inventory::Inventory, CliError> {
    Ok(crate::check::load_inventory(path)?)
}

/// Loads an inventory and a plan made for it (refusing a plan that does not validate or is stale) into a
/// workspace that judges waivers on `today`.
pub fn open_plan(
    inventory: Option<&std::path::Path>,
    plan_path: &std::path::Path,
    today: time::Date,
) -> Result<crate::plan::Workspace, CliError> {
    Ok(crate::plan::open(
        load_inventory(inventory)?,
        plan_path,
        today,
    )?)
}

/// Writes a report to a file (atomically), or to standard output.
pub fn emit(
    r: &crate::report::Report,
    format: crate::check::CheckFormat,
    path: Option<&std::path::Path>,
) -> Result<(), CliError> {
    let write = |out: &mut dyn std::io::Write| crate::check::write(r, format, out);
    match path {
        None => stream_stdout(write).map(|_| ()),
        Some(path) => {
            let io = |error| CliError::Io {
                path: path.display().to_string(),
                error,
            };
            if crate::fsio::Output::of(path) == crate::fsio::Output::Stdout {
                return stream_stdout(write).map(|_| ());
            }
            let mut out =
                std::io::BufWriter::new(crate::fsio::AtomicFile::create(path).map_err(io)?);
            write(&mut out)
                .and_then(|()| std::io::Write::flush(&mut out))
                .map_err(io)?;
            out.into_inner()
                .map_err(|e| io(e.into_error()))?
                .commit()
                .map_err(io)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that fails every write with one error kind.
    struct Failing(std::io::ErrorKind);

    impl std::io::Write for Failing {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(self.0.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(self.0.into())
        }
    }

    #[test]
    fn a_closed_pipe_ends_the_output_cleanly() {
        let r = write_to(
            &mut Failing(std::io::ErrorKind::BrokenPipe),
            b"digraph {}\n",
        );
        assert!(matches!(r, Ok(code) if code == ExitCode::SUCCESS));
    }

    #[test]
    fn other_write_errors_are_io_errors_on_standard_output() {
        let r = write_to(&mut Failing(std::io::ErrorKind::StorageFull), b"x");
        match r {
            Err(CliError::Io { path, error }) => {
                assert_eq!(path, "<standard output>");
                assert_eq!(error.kind(), std::io::ErrorKind::StorageFull);
            }
            other => panic!("expected an I/O error, got {other:?}"),
        }
    }

    #[test]
    fn the_whole_text_is_written() {
        let mut out = Vec::new();
        let r = write_to(&mut out, b"one\ntwo\n");
        assert!(r.is_ok());
        assert_eq!(out, b"one\ntwo\n");
    }
}
