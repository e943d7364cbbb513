//! `guardplan tui`: the interactive planner.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{CliError, CmdResult};
use crate::tui::app::{App, Files, today};
use crate::tui::autosave::{Autosave, identity};
use crate::tui::config::{self, Config};
use crate::tui::workspace::{self, Workspace};

/// Arguments of `guardplan tui`.
#[derive(Debug, Args, Default)]
pub struct TuiArgs {
    /// Inventory file (default: the embedded sample).
    pub inventory: Option<PathBuf>,
    /// Plan file to open (created on save if missing).
    #[arg(long)]
    pub plan: Option<PathBuf>,
}

/// Builds the planner for the arguments: inventory, plan, configuration and autosave slot.
pub fn build_app(args: &TuiArgs) -> Result<App, CliError> {
    let inv = super::load_inventory(args.inventory.as_deref())?;
    let (plan, plan_on_disk) = match &args.plan {
        Some(p) => read_plan(p)?,
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
    let ws = Workspace::new(inv, plan, today());
    let files = Files {
        inventory: args.inventory.clone(),
        plan: args.plan.clone(),
        plan_on_disk,
        baseline: workspace::render(&ws.plan),
        autosave,
    };
    Ok(App::new(ws, config, files))
}

fn read_plan(path: &Path) -> Result<(Option<crate::plan::Plan>, Option<String>), CliError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let plan = workspace::parse(&text)
                .map_err(|e| CliError::Other(format!("{}: {e}", path.display())))?;
            Ok((Some(plan), Some(text)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((None, None)),
        Err(error) => Err(CliError::Io {
            path: path.display().to_string(),
            error,
        }),
    }
}

/// Runs the planner.
pub fn run(args: TuiArgs) -> CmdResult {
    let mut app = build_app(&args)?;
    crate::tui::run(&mut app).map_err(|e| CliError::Other(format!("terminal: {e}")))?;
    Ok(std::process::ExitCode::SUCCESS)
}
