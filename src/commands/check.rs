//! `guardplan check`: judge every access path (and a plan, if given) and report; exit 1 on an unwaived block.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{CliError, CmdResult, EXIT_BLOCKED, EXIT_OK};
use crate::finding::{Mode, Severity};
use crate::graph::TrustGraph;
use crate::inventory::Inventory;
use crate::plan::Enforcement;
use crate::report::{self, PlanInput, Report};
use crate::rules::{self, Choice};

/// Report formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum CheckFormat {
    /// Human-readable text.
    #[default]
    Text,
    /// JSON (stable field names, see the README).
    Json,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// Markdown for a pull-request comment.
    Markdown,
}

/// Lowest severity that fails the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DenyLevel {
    /// Fail on actions not performed by the plan, and on blocks.
    Action,
    /// Fail on warnings too.
    Warn,
}

impl DenyLevel {
    /// The lowest failing severity (`block` without `--deny`).
    pub fn severity(deny: Option<DenyLevel>) -> Severity {
        match deny {
            None => Severity::Block,
            Some(DenyLevel::Action) => Severity::Action,
            Some(DenyLevel::Warn) => Severity::Warn,
        }
    }
}

/// Arguments of `guardplan check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Inventory file (default: the embedded sample).
    pub inventory: Option<PathBuf>,
    /// Plan file to validate against the inventory.
    #[arg(long)]
    pub plan: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: CheckFormat,
    /// Also fail (exit 1) on findings of this severity or worse.
    #[arg(long, value_enum)]
    pub deny: Option<DenyLevel>,
}

/// Without a plan every path is rolled out at its recommendation, enforced by client policy; a path with no
/// workable mode stays as it is (standard, no policy).
fn recommended_choices(inv: &Inventory, eval: &rules::Evaluation) -> Vec<Choice> {
    (0..inv.paths.len())
        .map(|i| match eval.paths.get(i).and_then(|p| p.recommended) {
            Some(mode) => Choice {
                mode,
                enforce: Enforcement::Policy,
            },
            None => Choice {
                mode: Mode::Standard,
                enforce: Enforcement::Switch,
            },
        })
        .collect()
}

/// Loads the inputs and builds the report of a check.
pub fn build_report(
    inventory: Option<&Path>,
    plan: Option<&Path>,
    deny: Severity,
) -> Result<Report, CliError> {
    let inv = super::load_inventory(inventory)?;
    let graph = TrustGraph::new(&inv);
    let mut eval = rules::evaluate(&inv, &graph);
    let inventory_uri = report::relative_uri(&inv.source.name);
    let plan_input: Option<PlanInput> = match plan {
        Some(p) => Some(plan_input(&inv, &eval, p)?),
        None => {
            let choices = recommended_choices(&inv, &eval);
            eval.findings
                .extend(rules::evaluate_choices(&inv, &choices));
            None
        }
    };
    Ok(Report::build(
        &inv,
        &inventory_uri,
        &eval,
        plan_input.as_ref(),
        deny,
    ))
}

fn plan_input(
    _inv: &Inventory,
    _eval: &rules::Evaluation,
    path: &Path,
) -> Result<PlanInput, CliError> {
    Err(CliError::Usage(format!(
        "{}: plans cannot be checked by this build",
        path.display()
    )))
}

/// Renders a report in a format; text is coloured only on a terminal and never with `NO_COLOR`.
pub fn render(r: &Report, format: CheckFormat) -> String {
    match format {
        CheckFormat::Text => {
            report::text::render(r, report::text::use_color(std::io::stdout().is_terminal()))
        }
        CheckFormat::Json => report::json::render(r),
        CheckFormat::Sarif => report::sarif::render(r),
        CheckFormat::Markdown => report::markdown::render(r),
    }
}

/// Writes to standard output; a closed pipe is not an error worth a panic.
pub fn print(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .or_else(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Ok(())
            } else {
                Err(CliError::Io {
                    path: "standard output".into(),
                    error: e,
                })
            }
        })
}

/// Runs the check.
pub fn run(args: CheckArgs) -> CmdResult {
    let r = build_report(
        args.inventory.as_deref(),
        args.plan.as_deref(),
        DenyLevel::severity(args.deny),
    )?;
    print(&render(&r, args.format))?;
    Ok(ExitCode::from(if r.fails() {
        EXIT_BLOCKED
    } else {
        EXIT_OK
    }))
}

/// Writes the per-stage scripts of a plan into `dir`.
pub fn export_scripts(inventory: &Path, plan: &Path, dir: &Path) -> CmdResult {
    let _ = (inventory, dir);
    Err(CliError::Usage(format!(
        "{}: plans cannot be exported by this build",
        plan.display()
    )))
}
