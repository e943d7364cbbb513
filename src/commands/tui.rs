//! `guardplan tui`: the interactive planner.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{CliError, CmdResult};
use crate::plan::Plan;
use crate::plan::io::{self, FileStamp};
use crate::tui::app::{App, Files};
use crate::tui::autosave::{Autosave, identity};
use crate::tui::config::{self, Config};

/// Arguments of `guardplan tui`.
#[derive(Debug, Args, Default)]
pub struct TuiArgs {
    /// Inventory file (default: the embedded sample).
    pub inventory: Option<PathBuf>,
    /// Plan file to open (created on save if missing).
    #[arg(long)]
    pub plan: Option<PathBuf>,
    /// Security event files (4624): the stages view shows what they say of each stage.
    #[arg(long, num_args = 1.., value_name = "EVENTS")]
    pub events: Vec<PathBuf>,
}

/// Builds the planner for the arguments: inventory, plan, configuration and autosave slot.
pub fn build_app(args: &TuiArgs) -> Result<App, CliError> {
    let inv = super::load_inventory(args.inventory.as_deref())?;
    let (plan, plan_on_disk) = match &args.plan {
        Some(p) => read_plan(p, &inv)?,
        None => (None, None),
    };
    let config = match config::config_dir() {
        Some(dir) => Config::load_from(&dir).map_err(CliError::Other)?,
        None => Config::default(),
    };
    let autosave = config::data_dir().map(|dir| {
        let inv_id = args
            .inventory
            .as_deref()
            .map_or_else(|| inv.source.name.clone(), identity);
        let plan_id = args.plan.as_deref().map_or_else(String::new, identity);
        Autosave::new(&dir, &inv_id, &plan_id)
    });
    let observed = if args.events.is_empty() {
        None
    } else {
        Some(crate::verify::Observed::read(&inv, &args.events)?)
    };
    let (ws, ()) = crate::plan::build_with(inv, plan, super::today()?, |_| ());
    let files = Files {
        inventory: args.inventory.clone(),
        plan: args.plan.clone(),
        plan_on_disk,
        baseline: ws.plan.clone(),
        autosave,
    };
    let mut app = App::new(ws, config, files);
    app.observed = observed;
    Ok(app)
}

/// Reads the plan file (none yet: a plan starts from the recommendations and is created on save).
fn read_plan(
    path: &Path,
    inv: &crate::inventory::Inventory,
) -> Result<(Option<Plan>, Option<FileStamp>), CliError> {
    if !path.exists() {
        return Ok((None, None));
    }
    // A stale plan still opens: reviewing it against the new inventory is what the planner is for.
    let (plan, stamp) = io::load(path)?;
    io::validate(&plan, inv)?;
    Ok((Some(plan), Some(stamp)))
}

/// Runs the planner.
pub fn run(args: TuiArgs) -> CmdResult {
    let mut app = build_app(&args)?;
    crate::tui::run(&mut app).map_err(|e| CliError::Other(format!("terminal: {e}")))?;
    Ok(std::process::ExitCode::SUCCESS)
}
