//! `guardplan import ldif|ldap|bloodhound`: write (or update) an inventory from Active Directory.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::{CliError, CmdResult, EXIT_OK};
use crate::import::{self, Directory, ldap, ldap_wire, writer};
use crate::inventory::raw::RawInventory;

/// Environment variable holding the bind password of `guardplan import ldap`.
pub const PASSWORD_ENV: &str = "GUARDPLAN_LDAP_PASSWORD";

/// Import sources.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// LDIF files written by ldifde, ldapsearch or ldbsearch.
    Ldif(LdifArgs),
    /// A live directory over LDAPS or StartTLS (password from GUARDPLAN_LDAP_PASSWORD or a prompt).
    Ldap(LdapArgs),
    /// A SharpHound / BloodHound CE collection (folder of JSON files, or its ZIP).
    Bloodhound(BloodhoundArgs),
    /// Host state files written by the `guardplan collect` script: refreshes registry values, client policy,
    /// local groups, LAPS and operating systems in an existing inventory.
    State(super::import_state::StateArgs),
}

/// Where the inventory goes, and what it is merged with.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Inventory to write. If it exists, the import is merged into it (what you wrote by hand is kept).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Merge into this earlier inventory instead of the one at --output.
    #[arg(long, value_name = "EXISTING")]
    pub merge: Option<PathBuf>,
    /// Leave the time of the import out of the header (reproducible output).
    #[arg(long)]
    pub no_timestamp: bool,
}

/// Arguments of `guardplan import ldif`.
#[derive(Debug, Args)]
pub struct LdifArgs {
    /// LDIF files (e.g. the domain partition and the configuration partition's crossRef objects).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Arguments of `guardplan import ldap`.
#[derive(Debug, Args)]
pub struct LdapArgs {
    /// ldaps://dc.example.com, or ldap://dc.example.com (upgraded with StartTLS).
    pub url: String,
    /// Base DN of the domain, e.g. DC=corp,DC=example,DC=com.
    #[arg(long)]
    pub base: String,
    /// DN or user@domain to bind as (simple bind); without it the bind is anonymous.
    #[arg(long, value_name = "DN")]
    pub bind: Option<String>,
    /// Plain LDAP without TLS, allowed only to ldap://127.0.0.1 (for tests against a local directory).
    #[arg(long, conflicts_with = "ca_cert")]
    pub insecure_plain: bool,
    /// PEM file of a CA to trust in addition to the system's roots (e.g. your enterprise CA).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Connection timeout in seconds, and the longest wait for each reply.
    #[arg(long, default_value_t = 15)]
    pub timeout: u64,
    /// Longest time the whole import may take, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = ldap_wire::DEFAULT_DEADLINE)]
    pub deadline: u64,
    /// Largest LDAP message (one entry or reply) read, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = ldap_wire::DEFAULT_MESSAGE_MIB)]
    pub max_message_mib: u64,
    /// Most search entries read, all searches together.
    #[arg(long, value_name = "N", default_value_t = ldap_wire::DEFAULT_ENTRIES)]
    pub max_entries: u64,
    /// Most data read from the server in total, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = ldap_wire::DEFAULT_TOTAL_MIB)]
    pub max_total_mib: u64,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Arguments of `guardplan import bloodhound`.
#[derive(Debug, Args)]
pub struct BloodhoundArgs {
    /// The folder of JSON files or the ZIP archive SharpHound wrote.
    pub path: PathBuf,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Runs an import.
pub fn run(cmd: ImportCommand) -> CmdResult {
    match cmd {
        ImportCommand::Ldif(a) => {
            let mut entries = Vec::new();
            for f in &a.files {
                let name = f.display().to_string();
                let bytes = crate::fsio::read_input(f).map_err(|error| CliError::Io {
                    path: name.clone(),
                    error,
                })?;
                let text = import::ldif::decode(&name, &bytes).map_err(CliError::Input)?;
                entries.extend(import::ldif::parse(&name, &text).map_err(CliError::Input)?);
            }
            let dir = import::entries::directory(&entries);
            let names: Vec<String> = a.files.iter().map(|f| file_name(f)).collect();
            finish(dir, &format!("LDIF {}", names.join(", ")), false, &a.out)
        }
        ImportCommand::Ldap(a) => {
            let extra_roots = match &a.ca_cert {
                None => Vec::new(),
                Some(path) => {
                    let name = path.display().to_string();
                    let pem = crate::fsio::read_input(path).map_err(|error| CliError::Io {
                        path: name.clone(),
                        error,
                    })?;
                    ldap::pem_certificates(&name, &pem).map_err(CliError::Usage)?
                }
            };
            let target = ldap::Target {
                url: a.url.clone(),
                base: a.base.clone(),
                bind: a.bind.clone(),
                insecure_plain: a.insecure_plain,
                timeout: Duration::from_secs(a.timeout.max(1)),
                limits: ldap::Limits {
                    message: a.max_message_mib.max(1).saturating_mul(1 << 20),
                    entries: a.max_entries,
                    total: a.max_total_mib.max(1).saturating_mul(1 << 20),
                    deadline: Duration::from_secs(a.deadline.max(1)),
                },
                extra_roots,
            };
            ldap::check_target(&target).map_err(CliError::Usage)?;
            let password = match (&a.bind, std::env::var(PASSWORD_ENV)) {
                (None, _) => None,
                (Some(_), Ok(pw)) => Some(pw),
                (Some(dn), Err(_)) => Some(
                    rpassword::prompt_password(format!("Password for {dn}: ")).map_err(|e| {
                        CliError::Other(format!(
                            "cannot read the password ({e}); set {PASSWORD_ENV} when no terminal is attached"
                        ))
                    })?,
                ),
            };
            let entries = ldap::read(&target, password).map_err(CliError::Other)?;
            let dir = import::entries::directory(&entries);
            finish(
                dir,
                &format!("LDAP {} (base {})", a.url, a.base),
                true,
                &a.out,
            )
        }
        ImportCommand::State(a) => super::import_state::run(a),
        ImportCommand::Bloodhound(a) => {
            let files = import::bloodhound::read_collection(&a.path).map_err(CliError::Other)?;
            let dir = import::bloodhound::directory(&files).map_err(CliError::Other)?;
            finish(
                dir,
                &format!("BloodHound {}", file_name(&a.path)),
                true,
                &a.out,
            )
        }
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Maps, merges, writes and reports. `complete`: the source reads every trust of the domains it covers.
fn finish(dir: Directory, source: &str, complete: bool, out: &OutputArgs) -> CmdResult {
    let mut imp = import::build(dir, "Imported from Active Directory");
    if complete {
        imp.trust_scope.extend(imp.covered.iter().cloned());
    }
    let target = crate::fsio::Output::of(&out.output);
    let to_stdout = target == crate::fsio::Output::Stdout;
    let earlier = match (&out.merge, !to_stdout && out.output.exists()) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => Some(out.output.clone()),
        (None, false) => None,
    };
    let (inventory, kept, changes) = match &earlier {
        Some(path) => {
            let (text, old) = read_earlier(path)?;
            let m = import::merge::merge(&text, old, &imp);
            (m.inventory, m.kept, Some(m.changes))
        }
        None => (imp.inventory.clone(), Default::default(), None),
    };
    let time = if out.no_timestamp {
        None
    } else {
        time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .ok()
    };
    let header = writer::Header {
        source: source.to_string(),
        time,
    };
    let text = writer::write(&inventory, &header, &imp.notes, &kept, &imp.skipped)
        .map_err(|e| CliError::Other(format!("cannot write the inventory: {e}")))?;
    let out_name = out.output.display().to_string();
    if let Err(d) = crate::inventory::load_str(&out_name, &text) {
        return Err(CliError::Other(format!(
            "the imported inventory would not load, so {out_name} was not written:\n{d}\n\
             If access paths refer to hosts, users or groups that are gone from the directory, update them first."
        )));
    }
    crate::fsio::write_output(&target, text.as_bytes()).map_err(|error| CliError::Io {
        path: out_name.clone(),
        error,
    })?;
    for s in &imp.skipped {
        super::note(&format!("not imported: {s}"));
    }
    let mut report = format!(
        "wrote {}: {} domains, {} trusts, {} hosts, {} users, {} groups, {} access paths\n",
        crate::safe_text::escape(&out_name),
        inventory.domains.len(),
        inventory.trusts.len(),
        inventory.hosts.len(),
        inventory.users.len(),
        inventory.groups.len(),
        inventory.paths.len()
    );
    if let Some(changes) = changes {
        if changes.is_empty() {
            report.push_str("no changes in the estate since the earlier inventory\n");
        } else {
            report.push_str("changes in the estate since the earlier inventory:\n");
            for c in changes {
                report.push_str(&format!("  {c}\n"));
            }
        }
    }
    if to_stdout {
        // The inventory went to standard output: the report must not mix with it.
        super::note(report.trim_end());
    } else {
        super::write_stdout(report)?;
    }
    Ok(ExitCode::from(EXIT_OK))
}

pub(super) fn read_earlier(path: &Path) -> Result<(String, RawInventory), CliError> {
    let name = path.display().to_string();
    // The earlier inventory must be valid: merging into a broken file would hide its problems.
    crate::inventory::load_file(path)?;
    let text = crate::fsio::read_input(path)
        .and_then(|b| String::from_utf8(b).map_err(std::io::Error::other))
        .map_err(|error| CliError::Io {
            path: name.clone(),
            error,
        })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    let raw: RawInventory =
        toml::from_str(&text).map_err(|e| CliError::Other(format!("{name}: {}", e.message())))?;
    Ok((text, raw))
}
