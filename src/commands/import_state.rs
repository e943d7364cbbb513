//! `guardplan import state`: refresh an inventory with the state the hosts reported.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::import::{OutputArgs, read_earlier};
use super::{CliError, CmdResult, EXIT_OK};
use crate::diag::{Diagnostic, Diagnostics};
use crate::import::{merge, state, writer};

/// Arguments of `guardplan import state`.
#[derive(Debug, Args)]
pub struct StateArgs {
    /// JSON files written by the script of `guardplan collect`, applied in order.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Reads the state files, merges them into the earlier inventory, writes it and prints the changes.
pub fn run(a: StateArgs) -> CmdResult {
    let mut hosts = Vec::new();
    for f in &a.files {
        let name = f.display().to_string();
        let file = crate::fsio::open_input(f).map_err(|error| CliError::Io {
            path: name.clone(),
            error,
        })?;
        let parsed = state::read(file).map_err(|e| {
            CliError::Input(Diagnostics(vec![Diagnostic {
                file: name.clone(),
                line: e.line,
                col: e.col,
                span: None,
                message: e.message,
                help: Some(
                    "give the JSON file the script of `guardplan collect` wrote; the README describes its format"
                        .into(),
                ),
                excerpt: None,
            }]))
        })?;
        hosts.extend(parsed.hosts);
    }
    let earlier = a.out.merge.clone().unwrap_or_else(|| a.out.output.clone());
    if !earlier.exists() {
        return Err(CliError::Usage(format!(
            "{} does not exist: host state refreshes an inventory, so give one with --merge or -o",
            earlier.display()
        )));
    }
    let (text, mut raw) = read_earlier(&earlier)?;
    let kept = merge::kept_comments(&text, &raw);
    let m = state::merge(&mut raw, &hosts);
    let names: Vec<String> = a.files.iter().map(|f| f.display().to_string()).collect();
    let header = writer::Header {
        source: format!("host state {}", names.join(", ")),
        time: if a.out.no_timestamp {
            None
        } else {
            time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .ok()
        },
    };
    let out_text = writer::write(&raw, &header, &Default::default(), &kept, &[])
        .map_err(|e| CliError::Other(format!("cannot write the inventory: {e}")))?;
    let out_name = a.out.output.display().to_string();
    if let Err(d) = crate::inventory::load_str(&out_name, &out_text) {
        return Err(CliError::Other(format!(
            "the refreshed inventory would not load, so {out_name} was not written:\n{d}"
        )));
    }
    crate::fsio::write_atomic(&a.out.output, out_text.as_bytes()).map_err(|error| {
        CliError::Io {
            path: out_name.clone(),
            error,
        }
    })?;
    for n in &m.notes {
        super::note(&format!("note: {n}"));
    }
    let mut report = format!(
        "wrote {}: state of {} host{} applied\n",
        crate::safe_text::escape(&out_name),
        m.hosts,
        if m.hosts == 1 { "" } else { "s" }
    );
    if m.changes.is_empty() {
        report.push_str("no changes: the inventory already says what the hosts report\n");
    } else {
        report.push_str("changes reported by the hosts:\n");
        for c in &m.changes {
            report.push_str(&format!("  {c}\n"));
        }
        report.push_str(
            "plans made for the earlier inventory are now stale: review them with `guardplan tui INVENTORY --plan PLAN`\n",
        );
    }
    super::write_stdout(report)?;
    Ok(ExitCode::from(EXIT_OK))
}
