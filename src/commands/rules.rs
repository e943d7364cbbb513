//! `guardplan rules` and `guardplan explain`.

use clap::{Args, ValueEnum};

use super::CmdResult;

/// Catalog output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum RulesFormat {
    /// A table.
    #[default]
    Text,
    /// JSON.
    Json,
}

/// Arguments of `guardplan rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: RulesFormat,
}

/// Arguments of `guardplan explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A finding code, e.g. RCG-TARGET-ENTRA.
    pub code: String,
}

/// Lists the catalog.
pub fn run_rules(args: RulesArgs) -> CmdResult {
    let _ = args;
    for r in crate::rules::CATALOG {
        println!("{:<28} {:<7} {}", r.code, r.severity, r.title);
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// Explains one code.
pub fn run_explain(args: ExplainArgs) -> CmdResult {
    let code: crate::rules::Code = args.code.parse().map_err(super::CliError::Usage)?;
    println!("{code}: {}", code.info().title);
    Ok(std::process::ExitCode::SUCCESS)
}
