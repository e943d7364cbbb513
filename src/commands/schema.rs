//! `guardplan schema`, `completions` and `man`.

use std::path::PathBuf;

use clap::{Args, CommandFactory};

use super::CmdResult;
/// Kept here as well: the shared writer lives in [`super::write_stdout`].
pub use super::write_stdout;

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
    /// Directory to write every page into: guardplan.1 and one per subcommand, such as guardplan-check.1
    /// (default: print guardplan.1 to standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// The inventory JSON Schema, as saved in `assets/inventory.schema.json` (with a final newline).
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(crate::inventory::raw::RawInventory);
    // Serializing a schema built from our own types cannot fail; an empty object keeps this total anyway.
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

/// Prints the inventory JSON Schema.
pub fn run_schema(_args: SchemaArgs) -> CmdResult {
    write_stdout(schema_json())
}

/// Prints completions.
pub fn run_completions(args: CompletionsArgs) -> CmdResult {
    let mut cmd = crate::cli::Cli::command();
    let mut text = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "guardplan", &mut text);
    write_stdout(&text)
}

/// Writes the man pages: the `guardplan` page to standard output, or every page (one per subcommand) into a
/// directory.
pub fn run_man(args: ManArgs) -> CmdResult {
    match args.output {
        None => {
            let pages = super::man::pages().map_err(|e| super::CliError::Other(e.to_string()))?;
            let top = pages
                .into_iter()
                .next()
                .map(|(_, text)| text)
                .unwrap_or_default();
            write_stdout(&top)
        }
        Some(dir) => {
            for path in super::man::write_all(&dir)? {
                super::note(&format!("wrote {}", path.display()));
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
    }
}
