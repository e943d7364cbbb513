//! `guardplan sample`.

use std::path::PathBuf;

use clap::Args;

use super::CmdResult;

/// Arguments of `guardplan sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Number of hosts.
    #[arg(long, default_value_t = 1000)]
    pub hosts: u32,
    /// Number of users (default: twice the hosts).
    #[arg(long)]
    pub users: Option<u32>,
    /// Number of domains.
    #[arg(long, default_value_t = 4)]
    pub domains: u32,
    /// Random seed (same seed, same output).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// Prints a synthetic inventory.
pub fn run(_args: SampleArgs) -> CmdResult {
    Err(super::CliError::Other("sample: not built yet".into()))
}
