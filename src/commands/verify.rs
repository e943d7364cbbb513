//! `guardplan verify`: prove from Remote Desktop logon events that the stages up to one took effect.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{CliError, CmdResult, EXIT_BLOCKED, EXIT_NOT_VERIFIED, EXIT_OK};
use crate::plan::{self, Workspace};
use crate::verify::{self, Verdict, Verification, Verifier};

/// Output formats of `verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum VerifyFormat {
    /// Human-readable text.
    #[default]
    Text,
    /// Markdown for a pull-request comment.
    Markdown,
    /// JSON (stable field names, see the README).
    Json,
}

/// Arguments of `guardplan verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Inventory file.
    pub inventory: PathBuf,
    /// Plan file.
    #[arg(long)]
    pub plan: PathBuf,
    /// The last stage applied: paths switched in it or an earlier stage must use their planned mode.
    #[arg(long, value_name = "STAGE")]
    pub through: String,
    /// Event log files (`.evtx`), or Security events (4624, 4778) and TerminalServices-RemoteConnectionManager
    /// events (1149) written by `wevtutil qe ... /f:xml` or `Get-WinEvent | ForEach-Object { $_.ToXml() }`;
    /// both kinds may be mixed.
    #[arg(required = true, value_name = "EVENTS")]
    pub events: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: VerifyFormat,
}

/// Loads an inventory and its plan for verification. A stale plan is used with a warning: refreshing the
/// inventory from the hosts is what makes a plan stale, and the logons still say what the plan did.
pub fn workspace(inventory: &Path, plan_path: &Path) -> Result<Workspace, CliError> {
    let inv = super::load_inventory(Some(inventory))?;
    let (plan, _) = plan::io::load(plan_path)?;
    plan::io::validate(&plan, &inv)?;
    if plan::io::staleness(&plan, &inv).is_some() {
        super::note(&format!(
            "warning: {} was made for an earlier version of {}: review it with `guardplan tui`",
            plan_path.display(),
            inventory.display()
        ));
    }
    Ok(Workspace::new(inv, Some(plan), super::today()?))
}

/// Verifies the event files against the stages up to `through` of the workspace's plan.
pub fn verify_files(
    ws: &Workspace,
    through: &str,
    files: &[PathBuf],
) -> Result<Verification, CliError> {
    let stage = verify::stage_index(ws, through).map_err(CliError::Usage)?;
    let name = ws.plan.stages[stage].name.clone();
    let mut v = Verifier::new(&ws.inventory, verify::planned_modes(ws, stage), name);
    for f in files {
        verify::read_file(f, &mut v)?;
    }
    Ok(v.finish())
}

/// Runs the verification; exit 1 when a session did not use its planned mode, 3 when the events do not prove
/// the stage.
pub fn run(args: VerifyArgs) -> CmdResult {
    let ws = workspace(&args.inventory, &args.plan)?;
    let v = verify_files(&ws, &args.through, &args.events)?;
    for w in verify::render::warnings(&v) {
        eprintln!("warning: {w}");
    }
    let out = match args.format {
        VerifyFormat::Text => verify::render::text(&v),
        VerifyFormat::Markdown => verify::render::markdown(&v),
        VerifyFormat::Json => verify::render::json(&v),
    };
    super::write_stdout(out)?;
    Ok(ExitCode::from(match v.verdict {
        Verdict::Violated => EXIT_BLOCKED,
        Verdict::NotVerified => EXIT_NOT_VERIFIED,
        Verdict::Pass => EXIT_OK,
    }))
}

/// The Markdown report of `export` followed by the verification of the events (`export --events`).
pub fn export_markdown(
    inventory: &Path,
    plan_path: &Path,
    through: &str,
    events: &[PathBuf],
    output: Option<&Path>,
) -> CmdResult {
    // The report refuses a stale plan, where `verify` alone goes on with a warning.
    let inv = super::load_inventory(Some(inventory))?;
    let (r, ws) = crate::check::judge_plan(
        inv,
        plan_path,
        crate::finding::Severity::Block,
        None,
        super::today()?,
    )?;
    let v = verify_files(&ws, through, events)?;
    let mut text = crate::check::render(&r, crate::check::CheckFormat::Markdown);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push('\n');
    text.push_str(&verify::render::markdown(&v));
    match output.map(crate::fsio::Output::of) {
        None | Some(crate::fsio::Output::Stdout) => super::write_stdout(text),
        Some(crate::fsio::Output::File(path)) => crate::fsio::write_atomic(&path, text.as_bytes())
            .map(|()| ExitCode::SUCCESS)
            .map_err(|error| CliError::Io {
                path: path.display().to_string(),
                error,
            }),
    }
}
