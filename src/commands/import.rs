//! `guardplan import ...`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::CmdResult;

/// Import sources.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// LDIF files written by ldifde, ldapsearch or ldbsearch.
    Ldif(LdifArgs),
}

/// Arguments of `guardplan import ldif`.
#[derive(Debug, Args)]
pub struct LdifArgs {
    /// LDIF files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Inventory to write.
    #[arg(short, long)]
    pub output: PathBuf,
}

/// Runs an import.
pub fn run(_cmd: ImportCommand) -> CmdResult {
    Err(super::CliError::Other("import: not built yet".into()))
}
