//! `guardplan diff`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::CmdResult;

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
}

/// Runs the diff.
pub fn run(_args: DiffArgs) -> CmdResult {
    Err(super::CliError::Other("diff: not built yet".into()))
}
