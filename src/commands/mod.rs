//! The command-line shell: one module per subcommand, over the library's engine.

use std::fmt;
use std::process::ExitCode;

use crate::diag::Diagnostics;

pub mod check;
pub mod diff;
pub mod export;
pub mod graph;
pub mod import;
pub mod plan;
pub mod rules;
pub mod sample;
pub mod schema;
pub mod tui;

/// Exit code for a clean run.
pub const EXIT_OK: u8 = 0;
/// Exit code when an unwaived blocking finding applies.
pub const EXIT_BLOCKED: u8 = 1;
/// Exit code for input and usage errors.
pub const EXIT_INPUT: u8 = 2;

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
            CliError::Io { path, error } => write!(f, "error: {path}: {error}"),
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

/// Loads the inventory named on the command line, or the embedded sample when none is given.
pub fn load_inventory(
    path: Option<&std::path::Path>,
) -> Result<crate::inventory::Inventory, CliError> {
    match path {
        Some(p) => Ok(crate::inventory::load_file(p)?),
        None => Ok(crate::inventory::load_sample()?),
    }
}
