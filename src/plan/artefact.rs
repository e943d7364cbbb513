//! Files of a deployment export (Group Policy backups, Intune policies and their scripts): paths below the
//! output directory, content as bytes, and what they share (XML escaping, host FQDNs, writing them).

use std::path::{Path, PathBuf};

use crate::inventory::{HostId, Inventory};
use crate::names;

use super::scripts::{ScriptError, host, invalid};

/// One file of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artefact {
    /// Path below the output directory, `/`-separated.
    pub path: String,
    /// Content.
    pub bytes: Vec<u8>,
}

impl Artefact {
    /// A text file. A PowerShell script starts with a byte order mark, so Windows PowerShell 5.1 reads it as
    /// UTF-8 and not in the ANSI code page.
    pub fn text(path: impl Into<String>, text: String) -> Self {
        let path = path.into();
        let bytes = if path.ends_with(".ps1") && !text.starts_with(super::scripts::BOM) {
            format!("{}{text}", super::scripts::BOM).into_bytes()
        } else {
            text.into_bytes()
        };
        Artefact { path, bytes }
    }

    /// The content as text (binary files, such as `registry.pol`, give `None`).
    pub fn as_text(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }
}

/// The results of a generated PowerShell script: one row per host, account, file or GPO.
pub(crate) const PS_RESULTS: &str = r"$Results = [System.Collections.Generic.List[object]]::new()
function Add-Result([string]$Item, [string]$Status, [string]$Detail) {
    $Results.Add([pscustomobject]@{ Item = $Item; Status = $Status; Detail = $Detail })
}
";

/// The summary table every generated PowerShell script ends with, and its exit code (1 when anything failed or
/// was unreachable).
pub(crate) const PS_SUMMARY: &str = r"
$Results | Sort-Object -Property Status, Item | Format-Table -AutoSize -Wrap | Out-String -Width 200 | Write-Host
$failed = @($Results | Where-Object { $_.Status -in 'failed', 'unreachable' }).Count
Write-Host ('{0} done, {1} already in place, {2} failed or unreachable' -f @($Results | Where-Object Status -eq 'done').Count, @($Results | Where-Object Status -eq 'already in place').Count, $failed)
if ($failed -gt 0) { exit 1 }
";

/// Text escaped for an XML attribute value or element content.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A host's validated name and its fully qualified DNS name (the name itself when it has dots, else the name
/// followed by its domain's DNS name; a host without a domain has only its name).
pub fn host_fqdn(inv: &Inventory, h: HostId) -> Result<(&str, String), ScriptError> {
    let name = host(inv, h)?;
    if name.contains('.') {
        return Ok((name, name.to_string()));
    }
    match inv.hosts[h as usize].domain {
        Some(d) => {
            let dns = inv.domains[d as usize].dns.as_str();
            names::dns_name(dns).map_err(|why| invalid("domain", dns, why))?;
            Ok((name, format!("{name}.{dns}")))
        }
        None => Ok((name, name.to_string())),
    }
}

/// The distinguished name of a domain's naming context (`DC=corp,DC=contoso,DC=com`).
pub fn domain_dn(dns: &str) -> String {
    dns.split('.')
        .map(|l| format!("DC={l}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Writes `files` below `dir` (directories created as needed), each atomically. Returns the paths written.
pub fn write_artefacts(files: &[Artefact], dir: &Path) -> Result<Vec<PathBuf>, ScriptError> {
    let io = |path: &Path, e: String| ScriptError::Io {
        path: path.display().to_string(),
        error: e,
    };
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let path = f.path.split('/').fold(dir.to_path_buf(), |p, c| p.join(c));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e.to_string()))?;
        }
        super::io::write_atomic(&path, &f.bytes).map_err(|e| io(&path, e.to_string()))?;
        out.push(path);
    }
    Ok(out)
}
