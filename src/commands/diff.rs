//! `guardplan diff`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::CmdResult;
use crate::plan::{diff, io};

/// Diff formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum DiffFormat {
    /// Text.
    #[default]
    Text,
    /// Markdown.
    Markdown,
}

/// Arguments of `guardplan diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The plan before.
    pub old: PathBuf,
    /// The plan after.
    pub new: PathBuf,
    /// Format.
    #[arg(long, value_enum, default_value_t)]
    pub format: DiffFormat,
    /// Inventory to judge both plans against, to list blockers that appear or disappear.
    #[arg(long)]
    pub inventory: Option<PathBuf>,
    /// The day waivers are judged against (YYYY-MM-DD; default GUARDPLAN_TODAY, else today).
    #[arg(long, value_parser = parse_date)]
    pub today: Option<time::Date>,
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<time::Date, String> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt).map_err(|e| format!("`{s}` is not a date YYYY-MM-DD: {e}"))
}

/// Runs the diff.
pub fn run(args: DiffArgs) -> CmdResult {
    let (old, _) = io::load(&args.old)?;
    let (new, _) = io::load(&args.new)?;
    let inv = match &args.inventory {
        Some(p) => {
            let inv = super::load_inventory(Some(p))?;
            io::validate(&old, &inv)?;
            io::validate(&new, &inv)?;
            Some(inv)
        }
        None => None,
    };
    let today = match args.today {
        Some(day) => day,
        None => super::today()?,
    };
    let d = diff::diff(&old, &new, inv.as_ref(), today);
    super::write_stdout(diff::render(&d, args.format == DiffFormat::Markdown))?;
    if d.new_blockers.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(super::EXIT_BLOCKED))
    }
}
