//! `guardplan schema`, `completions` and `man`.

use std::path::PathBuf;

use clap::Args;

use super::CmdResult;

/// Arguments of `guardplan schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {}

/// Arguments of `guardplan completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell.
    pub shell: clap_complete::Shell,
}

/// Arguments of `guardplan man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Directory to write guardplan.1 into (default: print to standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// Prints the inventory JSON Schema.
pub fn run_schema(_args: SchemaArgs) -> CmdResult {
    let schema = schemars::schema_for!(crate::inventory::raw::RawInventory);
    println!(
        "{}",
        serde_json::to_string_pretty(&schema).map_err(|e| super::CliError::Other(e.to_string()))?
    );
    Ok(std::process::ExitCode::SUCCESS)
}

/// Prints completions.
pub fn run_completions(_args: CompletionsArgs) -> CmdResult {
    Err(super::CliError::Other("completions: not built yet".into()))
}

/// Writes the man page.
pub fn run_man(_args: ManArgs) -> CmdResult {
    Err(super::CliError::Other("man: not built yet".into()))
}
