//! `guardplan collect`: write the read-only script that collects host state, and optionally a host list.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{CliError, CmdResult, EXIT_OK};
use crate::collect;

/// Arguments of `guardplan collect`.
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Where to write the script.
    #[arg(short, long, default_value = collect::SCRIPT_NAME)]
    pub output: PathBuf,
    /// Also write the hosts of this inventory that are joined to an AD domain as a host list (see --host-list).
    #[arg(long, requires = "host_list")]
    pub inventory: Option<PathBuf>,
    /// Where to write the host list made from --inventory.
    #[arg(long, value_name = "FILE", requires = "inventory")]
    pub host_list: Option<PathBuf>,
}

/// Writes the script (and the host list).
pub fn run(a: CollectArgs) -> CmdResult {
    let io = |path: &PathBuf| {
        let name = path.display().to_string();
        move |error| CliError::Io { path: name, error }
    };
    let mut report = String::new();
    if let (Some(inv), Some(list)) = (&a.inventory, &a.host_list) {
        let inv = super::load_inventory(Some(inv))?;
        let text = collect::host_list(&inv).map_err(CliError::Other)?;
        std::fs::write(list, text).map_err(io(list))?;
        report.push_str(&format!(
            "wrote {}\n",
            crate::safe_text::escape(&list.display().to_string())
        ));
    }
    std::fs::write(&a.output, collect::script_bytes()).map_err(io(&a.output))?;
    report.push_str(&format!(
        "wrote {}: a read-only script (it changes nothing on the hosts)\n\
         run it on Windows:  .\\{} -HostList hosts.txt -OutFile state.json\n\
         \x20             or:  .\\{} -SearchBase 'OU=Servers,DC=corp,DC=example,DC=com'\n\
         then import:        guardplan import state state.json -o INVENTORY\n",
        crate::safe_text::escape(&a.output.display().to_string()),
        collect::SCRIPT_NAME,
        collect::SCRIPT_NAME
    ));
    super::write_stdout(report)?;
    Ok(ExitCode::from(EXIT_OK))
}
