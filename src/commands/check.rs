//! `guardplan check`: judge every access path (and a plan, if given) and report; exit 1 on an unwaived block.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{CliError, CmdResult, EXIT_BLOCKED, EXIT_OK};
use crate::finding::Severity;
use crate::graph::TrustGraph;
use crate::plan::{self, Workspace};
use crate::report::{self, Report};
use crate::rules;

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
    /// Repository root that SARIF URIs are relative to (default: the nearest directory above the inputs that
    /// holds `.git`).
    #[arg(long, value_name = "DIR")]
    pub repo_root: Option<PathBuf>,
    /// The base branch's plan: the Markdown comment says what this plan changes to the rollout against it.
    #[arg(long, value_name = "PLAN", requires = "plan")]
    pub base_plan: Option<PathBuf>,
    /// Where the full report is published (a CI artifact or run URL): the Markdown comment links to it
    /// wherever it shortens a list.
    #[arg(long, value_name = "URL")]
    pub report_url: Option<String>,
}

/// Loads an inventory and a plan made for it (refusing a stale plan) into a workspace that judges waivers
/// on `today`.
pub fn workspace(
    inventory: Option<&Path>,
    plan_path: &Path,
    today: time::Date,
) -> Result<Workspace, CliError> {
    let inv = super::load_inventory(inventory)?;
    Ok(plan::open(inv, plan_path, today)?)
}

/// Loads the inputs and builds the report of a check, with URIs relative to the inputs' git root.
pub fn build_report(
    inventory: Option<&Path>,
    plan_path: Option<&Path>,
    deny: Severity,
    today: time::Date,
) -> Result<Report, CliError> {
    build_report_in(inventory, plan_path, deny, None, today)
}

/// [`build_report`] with URIs relative to `repo_root` when given.
pub fn build_report_in(
    inventory: Option<&Path>,
    plan_path: Option<&Path>,
    deny: Severity,
    repo_root: Option<&Path>,
    today: time::Date,
) -> Result<Report, CliError> {
    build(inventory, plan_path, deny, repo_root, today).map(|(r, _)| r)
}

/// Builds the report, and keeps the workspace when a plan was checked.
fn build(
    inventory: Option<&Path>,
    plan_path: Option<&Path>,
    deny: Severity,
    repo_root: Option<&Path>,
    today: time::Date,
) -> Result<(Report, Option<Workspace>), CliError> {
    match plan_path {
        Some(p) => {
            let inv = super::load_inventory(inventory)?;
            let (ws, r) = plan::open_with(inv, p, today, |ws| {
                report::plan_report(
                    ws,
                    report::repo::uri(&p.display().to_string(), repo_root),
                    &report::repo::uri(&ws.inventory.source.name, repo_root),
                    deny,
                )
            })?;
            Ok((r, Some(ws)))
        }
        None => {
            let inv = super::load_inventory(inventory)?;
            let graph = TrustGraph::new(&inv);
            let mut eval = rules::evaluate(&inv, &graph);
            // Client policy is per computer: judge the recommendations together.
            let cross = rules::evaluate_choices(&inv, &eval.recommended_choices());
            eval.findings.extend(cross);
            let uri = report::repo::uri(&inv.source.name, repo_root);
            Ok((Report::build(&inv, &uri, &eval, None, deny), None))
        }
    }
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

/// Writes a report to a file, or to standard output. JSON, the largest output (tens of megabytes at 100,000
/// hosts), is written as it is produced.
pub fn emit(r: &Report, format: CheckFormat, path: Option<&Path>) -> Result<(), CliError> {
    let write = |out: &mut dyn std::io::Write| match format {
        CheckFormat::Json => report::json::write(r, out),
        other => out.write_all(render(r, other).as_bytes()),
    };
    match path {
        None => super::stream_stdout(write).map(|_| ()),
        Some(path) => {
            let io = |error| CliError::Io {
                path: path.display().to_string(),
                error,
            };
            if crate::fsio::Output::of(path) == crate::fsio::Output::Stdout {
                return super::stream_stdout(write).map(|_| ());
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

/// The base branch's plan against the plan of `ws`: what changes, and the exposure and blockers of both when the
/// base plan fits the inventory (a base plan made for an older inventory may name entries it no longer has).
pub fn base_change(
    ws: &Workspace,
    base_path: &Path,
) -> Result<report::markdown::BaseChange, CliError> {
    let (base, _) = plan::io::load(base_path)?;
    let mut diff = plan::diff::diff(&base, &ws.plan, None, ws.today);
    let mut change = report::markdown::BaseChange {
        uri: report::relative_uri(&base_path.display().to_string()),
        stages: base.stages.len(),
        waivers: base.waivers.len(),
        ..Default::default()
    };
    if plan::io::validate(&base, &ws.inventory).is_ok() {
        let before = Workspace::new(ws.inventory.clone(), Some(base), ws.today);
        let (old, new) = (plan::diff::blockers(&before), plan::diff::blockers(ws));
        diff.new_blockers = new.difference(&old).cloned().collect();
        diff.resolved_blockers = old.difference(&new).cloned().collect();
        let count = |w: &Workspace| w.assessment().items.iter().filter(|i| i.blocks()).count();
        change.blockers = Some((count(&before), count(ws)));
        let mut modes = vec![0; crate::finding::Mode::ALL.len() + 1];
        for c in before.choices() {
            if let Some(n) = modes.get_mut(c.mode.index()) {
                *n += 1;
            }
        }
        change.modes = Some(modes);
    }
    change.diff = diff;
    Ok(change)
}

/// Runs the check. With `--format markdown`, an input error is also written as a comment (exit code 2 still).
pub fn run(args: CheckArgs) -> CmdResult {
    let markdown = args.format == CheckFormat::Markdown;
    let mut review = report::markdown::Review {
        base: None,
        full_report: args.report_url.clone(),
    };
    let built = build(
        args.inventory.as_deref(),
        args.plan.as_deref(),
        DenyLevel::severity(args.deny),
        args.repo_root.as_deref(),
        super::today()?,
    )
    .and_then(|(r, ws)| {
        if let (Some(ws), Some(base)) = (&ws, &args.base_plan) {
            review.base = Some(base_change(ws, base)?);
        }
        Ok((r, ws))
    });
    let (r, ws) = match built {
        Ok(built) => built,
        Err(e) if markdown => {
            super::write_stdout(report::markdown::render_error(&e.to_string(), &review))?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    if markdown {
        super::write_stdout(report::markdown::render_review(&r, &review))?;
    } else {
        emit(&r, args.format, None)?;
    }
    let code = if r.fails() { EXIT_BLOCKED } else { EXIT_OK };
    // The command ends here: the system takes the memory back at once, where freeing the workspace and the
    // report one allocation at a time takes a tenth of a second at 100,000 hosts.
    std::mem::forget((r, ws));
    Ok(ExitCode::from(code))
}

/// Writes the per-stage scripts of a plan into `dir`.
pub fn export_scripts(inventory: &Path, plan_path: &Path, dir: &Path) -> CmdResult {
    let ws = workspace(Some(inventory), plan_path, super::today()?)?;
    let written =
        plan::scripts::write_scripts(&ws, dir).map_err(|e| CliError::Other(e.to_string()))?;
    for path in written {
        super::note(&format!("wrote {}", path.display()));
    }
    Ok(ExitCode::SUCCESS)
}
