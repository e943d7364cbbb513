//! `guardplan plan ...`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::{CliError, CmdResult};
use crate::fsio::Output;
use crate::plan::{self, io};

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
        PlanCommand::Init(a) => init(a),
    }
}

fn init(a: PlanInitArgs) -> CmdResult {
    let inv = super::load_inventory(Some(&a.inventory))?;
    // The workspace judges the starting plan stage by stage and orders it (see `plan::init`).
    let mut p = plan::Workspace::new(inv, None, super::today()?).plan;
    if Output::of(&a.output) == Output::Stdout {
        // Standard output is read from the current directory, as if the plan were saved there.
        p.inventory.path = io::relative_path(std::path::Path::new("plan.toml"), &a.inventory);
        return super::write_stdout(io::render(&p));
    }
    p.inventory.path = io::relative_path(&a.output, &a.inventory);
    let saved = if a.force {
        io::write_atomic(&a.output, io::render(&p).as_bytes())
    } else {
        io::save_atomic(&a.output, &p, None)
    };
    match saved {
        Ok(_) => {}
        Err(plan::SaveError::ChangedOnDisk { path }) => {
            return Err(CliError::Usage(format!(
                "{} exists already; pass --force to replace it, or choose another name with -o",
                path.display()
            )));
        }
        Err(plan::SaveError::Io { path, source }) => {
            return Err(CliError::Io {
                path: path.display().to_string(),
                error: source,
            });
        }
    }
    super::note(&format!(
        "wrote {}: {} stages, {} decisions\ncheck it with: guardplan check {} --plan {}",
        a.output.display(),
        p.stages.len(),
        p.decisions.len(),
        a.inventory.display(),
        a.output.display()
    ));
    Ok(ExitCode::SUCCESS)
}
