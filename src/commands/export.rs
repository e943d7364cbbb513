//! `guardplan export`: a plan's reports (Markdown, JSON, SARIF) or its per-stage scripts.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{CliError, CmdResult};
use crate::check::{CheckFormat, build_report_in};
use crate::finding::Severity;
use crate::plan;

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
    /// Per-stage Group Policy backups for Import-GPO, with scripts that filter and link them (needs -o DIR).
    Gpo,
    /// Per-stage Intune settings-catalog policies and Entra groups, with a Microsoft Graph script (needs -o DIR).
    Intune,
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
    /// Output file, or directory (scripts, gpo, intune); default standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Repository root that SARIF URIs are relative to (default: the nearest directory above the inputs that
    /// holds `.git`).
    #[arg(long, value_name = "DIR")]
    pub repo_root: Option<PathBuf>,
    /// Security event files (4624): the Markdown report ends with the verification of --through.
    #[arg(long, num_args = 1.., value_name = "EVENTS", requires = "through")]
    pub events: Vec<PathBuf>,
    /// The last stage applied, for --events.
    #[arg(long, value_name = "STAGE", requires = "events")]
    pub through: Option<String>,
}

/// The plan's name in GPO, group and policy names: its file name up to the first dot.
fn plan_name(plan: &Path) -> String {
    let file = plan
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    file.split('.').next().unwrap_or_default().to_string()
}

/// `--format scripts`: the per-stage scripts of a plan, written into `dir`.
fn export_scripts(inventory: &Path, plan_path: &Path, dir: &Path) -> CmdResult {
    let ws = super::open_plan(Some(inventory), plan_path, super::today()?)?;
    let written =
        plan::scripts::write_scripts(&ws, dir).map_err(|e| CliError::Other(e.to_string()))?;
    for path in written {
        super::note(&format!("wrote {}", path.display()));
    }
    Ok(ExitCode::SUCCESS)
}

/// `--format gpo` and `--format intune`: a directory of files.
fn export_deployment(args: &ExportArgs) -> CmdResult {
    let flag = if args.format == ExportFormat::Gpo {
        "gpo"
    } else {
        "intune"
    };
    let Some(dir) = args.output.as_deref() else {
        return Err(CliError::Usage(format!(
            "`--format {flag}` writes a directory of files: give one with -o DIR"
        )));
    };
    let name = plan_name(&args.plan);
    if let Err(why) = crate::names::identifier(&name) {
        return Err(CliError::Usage(format!(
            "{}: GPO, group and policy names start with the plan file's name up to its first dot, and `{}` {why}: rename the plan file",
            args.plan.display(),
            name.escape_debug()
        )));
    }
    let ws = super::open_plan(Some(&args.inventory), &args.plan, super::today()?)?;
    let files = if args.format == ExportFormat::Gpo {
        plan::gpo::gpo_export(&ws, &name)
    } else {
        plan::intune::intune_export(&ws, &name)
    }
    .map_err(|e| CliError::Other(format!("{}: {e}", args.plan.display())))?;
    if files.is_empty() {
        eprintln!("no stage of the plan changes a policy that {flag} deploys: nothing written");
        return Ok(ExitCode::SUCCESS);
    }
    let written =
        plan::artefact::write_artefacts(&files, dir).map_err(|e| CliError::Other(e.to_string()))?;
    for path in written {
        super::note(&format!("wrote {}", path.display()));
    }
    Ok(ExitCode::SUCCESS)
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
            return export_scripts(&args.inventory, &args.plan, dir);
        }
        ExportFormat::Gpo | ExportFormat::Intune => return export_deployment(&args),
    };
    if let Some(through) = &args.through {
        if format != CheckFormat::Markdown {
            return Err(CliError::Usage(
                "--events adds the verification to the Markdown report: use --format markdown, or `guardplan verify` for JSON"
                    .into(),
            ));
        }
        return super::verify::export_markdown(
            &args.inventory,
            &args.plan,
            through,
            &args.events,
            args.output.as_deref(),
        );
    }
    let r = build_report_in(
        Some(&args.inventory),
        Some(&args.plan),
        Severity::Block,
        args.repo_root.as_deref(),
        super::today()?,
    )?;
    super::emit(&r, format, args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}
