//! `guardplan export`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::CmdResult;

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Markdown for a pull-request comment (with a Mermaid graph).
    Markdown,
    /// JSON for machines.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// Per-stage PowerShell and .reg scripts with rollback (needs -o DIR).
    Scripts,
}

/// Arguments of `guardplan export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Inventory file.
    pub inventory: PathBuf,
    /// Plan file.
    #[arg(long)]
    pub plan: PathBuf,
    /// Format.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Output file or directory (scripts); default standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// Runs the export.
pub fn run(_args: ExportArgs) -> CmdResult {
    Err(super::CliError::Other("export: not built yet".into()))
}
