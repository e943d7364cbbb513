//! `guardplan sample`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{CliError, CmdResult};
use crate::sample::{SampleSpec, generate};

/// Arguments of `guardplan sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Number of hosts.
    #[arg(long, default_value_t = 1000)]
    pub hosts: u32,
    /// Number of users (default: twice the hosts).
    #[arg(long)]
    pub users: Option<u32>,
    /// Number of domains (in up to three forests).
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
pub fn run(args: SampleArgs) -> CmdResult {
    let spec = SampleSpec {
        hosts: args.hosts,
        users: args.users.unwrap_or(args.hosts.saturating_mul(2)),
        domains: args.domains,
        seed: args.seed,
    };
    let text = generate(&spec).map_err(|e| CliError::Usage(e.to_string()))?;
    match &args.output {
        Some(path) => crate::fsio::write_output(&crate::fsio::Output::of(path), text.as_bytes())
            .map_err(|error| CliError::Io {
                path: path.display().to_string(),
                error,
            })?,
        None => {
            let mut out = std::io::stdout().lock();
            let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
            // A closed pipe (`| head`) is not an error of ours.
            if let Err(error) = written
                && error.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(CliError::Io {
                    path: "<stdout>".into(),
                    error,
                });
            }
        }
    }
    Ok(ExitCode::from(super::EXIT_OK))
}
