//! `guardplan tui`.

use std::path::PathBuf;

use clap::Args;

use super::CmdResult;

/// Arguments of `guardplan tui`.
#[derive(Debug, Args, Default)]
pub struct TuiArgs {
    /// Inventory file (default: the embedded sample).
    pub inventory: Option<PathBuf>,
    /// Plan file to open (created on save if missing).
    #[arg(long)]
    pub plan: Option<PathBuf>,
}

/// Runs the planner.
pub fn run(args: TuiArgs) -> CmdResult {
    let inv = super::load_inventory(args.inventory.as_deref())?;
    println!(
        "{}: {} domains, {} hosts, {} users, {} paths",
        inv.source.name,
        inv.domains.len(),
        inv.hosts.len(),
        inv.users.len(),
        inv.paths.len()
    );
    Ok(std::process::ExitCode::SUCCESS)
}
