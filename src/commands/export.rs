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
    // Scripts are not named after the plan.
    let written = write_deployment(&ws, "", ExportFormat::Scripts, dir).map_err(CliError::Other)?;
    for path in written {
        super::note(&format!("wrote {}", path.display()));
    }
    Ok(ExitCode::SUCCESS)
}

/// `--format gpo` and `--format intune`: a directory of files.
fn export_deployment(args: &ExportArgs) -> CmdResult {
    let Some(dir) = args.output.as_deref() else {
        return Err(CliError::Usage(format!(
            "`--format {}` writes a directory of files: give one with -o DIR",
            flag(args.format)
        )));
    };
    let name = checked_plan_name(&args.plan).map_err(CliError::Usage)?;
    let ws = super::open_plan(Some(&args.inventory), &args.plan, super::today()?)?;
    match write_deployment(&ws, &name, args.format, dir) {
        Ok(written) if written.is_empty() => {
            eprintln!(
                "no stage of the plan changes a policy that {} deploys: nothing written",
                flag(args.format)
            );
        }
        Ok(written) => {
            for path in written {
                super::note(&format!("wrote {}", path.display()));
            }
        }
        Err(e) => return Err(CliError::Other(format!("{}: {e}", args.plan.display()))),
    }
    Ok(ExitCode::SUCCESS)
}

/// The `--format` value of a format, for messages.
fn flag(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Markdown => "markdown",
        ExportFormat::Json => "json",
        ExportFormat::Sarif => "sarif",
        ExportFormat::Scripts => "scripts",
        ExportFormat::Gpo => "gpo",
        ExportFormat::Intune => "intune",
    }
}

/// The plan's name for GPO, group and policy names, or why the plan file's name cannot give one.
fn checked_plan_name(plan: &Path) -> Result<String, String> {
    let name = plan_name(plan);
    match crate::names::identifier(&name) {
        Ok(()) => Ok(name),
        Err(why) => Err(format!(
            "{}: GPO, group and policy names start with the plan file's name up to its first dot, and `{}` {why}: rename the plan file",
            plan.display(),
            name.escape_debug()
        )),
    }
}

/// Writes the directory of a deployment format (scripts, GPO, Intune) of a workspace into `dir`; nothing when
/// no stage changes what the format deploys. The command line and the planner's export menu both write
/// through it.
pub fn write_deployment(
    ws: &plan::Workspace,
    plan_name: &str,
    format: ExportFormat,
    dir: &Path,
) -> Result<Vec<PathBuf>, String> {
    let files = match format {
        ExportFormat::Scripts => {
            return plan::scripts::write_scripts(ws, dir).map_err(|e| e.to_string());
        }
        ExportFormat::Gpo => plan::gpo::gpo_export(ws, plan_name),
        ExportFormat::Intune => plan::intune::intune_export(ws, plan_name),
        other => return Err(format!("`{}` is a report, not a directory", flag(other))),
    }
    .map_err(|e| e.to_string())?;
    if files.is_empty() {
        return Ok(Vec::new());
    }
    plan::artefact::write_artefacts(&files, dir).map_err(|e| e.to_string())
}

/// The planner's export of the working plan, beside its plan file (`plan`; none yet: `rollout.plan.toml` in
/// the current directory): a directory `STEM-FORMAT` for scripts, GPO and Intune, a file `STEM.EXT` for the
/// reports. Returns the line to show.
pub fn export_beside(
    ws: &plan::Workspace,
    plan: Option<&Path>,
    format: ExportFormat,
) -> Result<String, String> {
    let base = plan.map_or_else(|| PathBuf::from("rollout.plan.toml"), Path::to_path_buf);
    let stem = plan_name(&base);
    let dir = base.parent().map(Path::to_path_buf).unwrap_or_default();
    let report = |format: CheckFormat, ext: &str| -> Result<String, String> {
        let r = crate::report::plan_report(
            ws,
            crate::report::repo::uri(&base.display().to_string(), None),
            &crate::report::repo::uri(&ws.inventory.source.name, None),
            Severity::Block,
        );
        let path = dir.join(format!("{stem}.{ext}"));
        plan::io::write_atomic(&path, crate::check::render(&r, format).as_bytes())
            .map_err(|e| e.to_string())?;
        Ok(format!("wrote {}", path.display()))
    };
    match format {
        ExportFormat::Json => report(CheckFormat::Json, "json"),
        ExportFormat::Markdown => report(CheckFormat::Markdown, "md"),
        ExportFormat::Sarif => report(CheckFormat::Sarif, "sarif"),
        ExportFormat::Scripts | ExportFormat::Gpo | ExportFormat::Intune => {
            let name = checked_plan_name(&base)?;
            let out = dir.join(format!("{stem}-{}", flag(format)));
            let written = write_deployment(ws, &name, format, &out)?;
            if written.is_empty() {
                return Ok(format!(
                    "no stage of the plan changes what {} deploys: nothing written",
                    flag(format)
                ));
            }
            Ok(format!(
                "wrote {} files to {}",
                written.len(),
                out.display()
            ))
        }
    }
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
