//! `guardplan export`: a plan's reports (Markdown, JSON, SARIF) or its per-stage scripts.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::check::{CheckFormat, build_report, emit};
use super::{CliError, CmdResult};
use crate::finding::Severity;

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

/// Runs the export. The reports are those of `guardplan check --plan`; the exit code does not depend on them.
pub fn run(args: ExportArgs) -> CmdResult {
    let format = match args.format {
        ExportFormat::Markdown => CheckFormat::Markdown,
        ExportFormat::Json => CheckFormat::Json,
        ExportFormat::Sarif => CheckFormat::Sarif,
        ExportFormat::Scripts => {
            let Some(dir) = args.output.as_deref() else {
                return Err(CliError::Usage(
                    "`--format scripts` writes one file per stage: give a directory with -o DIR"
                        .into(),
                ));
            };
            return super::check::export_scripts(&args.inventory, &args.plan, dir);
        }
    };
    let r = build_report(
        Some(&args.inventory),
        Some(&args.plan),
        Severity::Block,
        super::today()?,
    )?;
    emit(&r, format, args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}
