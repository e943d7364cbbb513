//! `guardplan plan ...`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::CmdResult;

/// Plan subcommands.
#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Write a starting plan from the recommendations.
    Init(PlanInitArgs),
}

/// Arguments of `guardplan plan init`.
#[derive(Debug, Args)]
pub struct PlanInitArgs {
    /// Inventory file.
    pub inventory: PathBuf,
    /// Where to write the plan.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Overwrite an existing plan file.
    #[arg(long)]
    pub force: bool,
}

/// Runs a plan subcommand.
pub fn run(cmd: PlanCommand) -> CmdResult {
    match cmd {
        PlanCommand::Init(_) => Err(super::CliError::Other("plan init: not built yet".into())),
    }
}
