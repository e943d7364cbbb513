//! Command-line definitions (clap). Each subcommand's arguments live beside its implementation.

use clap::{Parser, Subcommand};

use crate::commands;

const EXAMPLES: &str = "\
Examples:
  guardplan                                   open the planner on the embedded Contoso sample
  guardplan tui estate.toml --plan rollout.plan.toml
  guardplan check estate.toml --format json   judge every access path under every mode
  guardplan plan init estate.toml -o rollout.plan.toml
  guardplan check estate.toml --plan rollout.plan.toml --format sarif > guardplan.sarif
  guardplan export estate.toml --plan rollout.plan.toml --format scripts -o stages/
  guardplan export estate.toml --plan rollout.plan.toml --format gpo -o gpo/
  guardplan explain RCG-TARGET-ENTRA

Exit codes: 0 clean, 1 an unwaived blocking finding, 2 an input or usage error.";

/// Plan, stage and review the rollout of Remote Credential Guard, Restricted Admin mode and Protected Users.
#[derive(Debug, Parser)]
#[command(name = "guardplan", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// What to do; with none, the planner opens on the embedded sample inventory.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the interactive planner.
    Tui(commands::tui::TuiArgs),
    /// Judge every access path under every mode (and a plan, if given); exit 1 on an unwaived block.
    Check(commands::check::CheckArgs),
    /// Print the trust graph (dot or mermaid).
    Graph(commands::graph::GraphArgs),
    /// List the finding catalog.
    Rules(commands::rules::RulesArgs),
    /// Explain a finding code: what it means, its source, and how to fix it.
    Explain(commands::rules::ExplainArgs),
    /// Create and manage plan files.
    #[command(subcommand)]
    Plan(commands::plan::PlanCommand),
    /// Export a plan as Markdown, JSON, SARIF, per-stage scripts, GPO backups or Intune policies.
    Export(commands::export::ExportArgs),
    /// Semantic difference between two plans, for reviewers.
    Diff(commands::diff::DiffArgs),
    /// Print a deterministic synthetic inventory of any size.
    Sample(commands::sample::SampleArgs),
    /// Create an inventory from LDIF exports, a live directory, or BloodHound data.
    #[command(subcommand)]
    Import(commands::import::ImportCommand),
    /// Write the read-only PowerShell script that collects host state (for `import state`).
    Collect(commands::collect::CollectArgs),
    /// Check from Remote Desktop logon events that the stages up to one took effect; exit 1 on a violation.
    Verify(commands::verify::VerifyArgs),
    /// Print the JSON Schema of the inventory format.
    Schema(commands::schema::SchemaArgs),
    /// Print shell completions.
    Completions(commands::schema::CompletionsArgs),
    /// Write the man page.
    Man(commands::schema::ManArgs),
}
