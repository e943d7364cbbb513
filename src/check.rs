//! What `guardplan check` judges, the same for every shell: an inventory, and the plan made for it if one is
//! given, into a [`Report`] in the formats reviewers read. The command line (`check`, `export`, `verify`) and
//! the planner's report export all call these.

use std::io::IsTerminal;
use std::path::Path;

use crate::diag::Diagnostics;
use crate::finding::Severity;
use crate::graph::TrustGraph;
use crate::inventory::Inventory;
use crate::plan::{self, Workspace};
use crate::report::{self, Report};
use crate::rules;

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
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

/// Loads an inventory (the embedded sample when none is named).
pub fn load_inventory(path: Option<&Path>) -> Result<Inventory, Diagnostics> {
    match path {
        Some(p) => crate::inventory::load_file(p),
        None => crate::inventory::load_sample(),
    }
}

/// Loads the inputs and builds the report of a check, with URIs relative to the inputs' git root.
pub fn build_report(
    inventory: Option<&Path>,
    plan_path: Option<&Path>,
    deny: Severity,
    today: time::Date,
) -> Result<Report, Diagnostics> {
    build_report_in(inventory, plan_path, deny, None, today)
}

/// [`build_report`] with URIs relative to `repo_root` when given.
pub fn build_report_in(
    inventory: Option<&Path>,
    plan_path: Option<&Path>,
    deny: Severity,
    repo_root: Option<&Path>,
    today: time::Date,
) -> Result<Report, Diagnostics> {
    judge(
        load_inventory(inventory)?,
        plan_path,
        deny,
        repo_root,
        today,
    )
    .map(|(r, _)| r)
}

/// The report of an inventory, and of the plan at `plan_path` when given (see [`judge_plan`]), with the plan's
/// workspace; without a plan, see [`judge_inventory`].
pub fn judge(
    inv: Inventory,
    plan_path: Option<&Path>,
    deny: Severity,
    repo_root: Option<&Path>,
    today: time::Date,
) -> Result<(Report, Option<Workspace>), Diagnostics> {
    match plan_path {
        Some(p) => judge_plan(inv, p, deny, repo_root, today).map(|(r, ws)| (r, Some(ws))),
        None => Ok((judge_inventory(&inv, deny, repo_root), None)),
    }
}

/// The report of the plan at `plan_path` for an inventory, and its workspace; a plan that does not validate
/// or is stale is refused. Locations name the files relative to `repo_root`, or to the nearest directory above
/// them that holds `.git`.
pub fn judge_plan(
    inv: Inventory,
    plan_path: &Path,
    deny: Severity,
    repo_root: Option<&Path>,
    today: time::Date,
) -> Result<(Report, Workspace), Diagnostics> {
    let inventory_uri = report::repo::uri(&inv.source.name, repo_root);
    let plan_uri = report::repo::uri(&plan_path.display().to_string(), repo_root);
    let (ws, r) = plan::open_with(inv, plan_path, today, |ws| {
        report::plan_report(ws, plan_uri, &inventory_uri, deny)
    })?;
    Ok((r, ws))
}

/// The report of an inventory without a plan: each path judged under its recommended mode, and the client
/// policy rules on the recommendations together (policy is per computer).
pub fn judge_inventory(inv: &Inventory, deny: Severity, repo_root: Option<&Path>) -> Report {
    let inventory_uri = report::repo::uri(&inv.source.name, repo_root);
    let graph = TrustGraph::new(inv);
    let mut eval = rules::evaluate(inv, &graph);
    let cross = rules::evaluate_choices(inv, &eval.recommended_choices());
    eval.findings.extend(cross);
    Report::build(inv, &inventory_uri, &eval, None, deny)
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

/// Writes a report in a format; JSON, the largest (tens of megabytes at 100,000 hosts), as it is produced.
pub fn write(r: &Report, format: CheckFormat, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    match format {
        CheckFormat::Json => report::json::write(r, out),
        other => out.write_all(render(r, other).as_bytes()),
    }
}
