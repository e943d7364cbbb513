//! `guardplan graph`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::CmdResult;

/// Graph output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum GraphFormat {
    /// Graphviz dot.
    #[default]
    Dot,
    /// Mermaid flowchart.
    Mermaid,
}

/// Arguments of `guardplan graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Inventory file (default: the embedded sample).
    pub inventory: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: GraphFormat,
}

/// Prints the trust graph.
pub fn run(args: GraphArgs) -> CmdResult {
    let inv = super::load_inventory(args.inventory.as_deref())?;
    let text = match args.format {
        GraphFormat::Dot => crate::graph::to_dot(&inv),
        GraphFormat::Mermaid => crate::graph::to_mermaid(&inv),
    };
    super::schema::write_stdout(text.as_bytes())
}
