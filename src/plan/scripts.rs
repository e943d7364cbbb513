//! PowerShell and `.reg` scripts per stage, with their rollback.
//!
//! Safety: every name taken from the inventory is checked again by the validators of [`crate::names`] before
//! it is written, and it only ever appears inside a string literal quoted for the script's language
//! (PowerShell single quotes, `.reg` comments after validation). A name that fails stops generation. PowerShell
//! scripts carry a byte order mark and no other byte above 0x7F (see [`ps_quote`]).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::finding::Mode;
use crate::inventory::{ClientPolicy, HostId, Inventory, UserId};
use crate::names;

use super::actions::{self, Action, CRED_DELEGATION_KEY, LSA_KEY};
use super::workspace::Workspace;

/// Why scripts could not be generated.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScriptError {
    /// A name from the inventory or plan failed validation; nothing is written.
    #[error(
        "refusing to generate scripts: the {what} `{name}` is not a valid name (it {why}); fix it in the inventory or plan"
    )]
    InvalidName {
        /// What the name is (host, account, domain, stage).
        what: &'static str,
        /// The name, escaped for display.
        name: String,
        /// Why it was refused.
        why: String,
    },
    /// Writing a file failed.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// What happened.
        error: String,
    },
}

/// A PowerShell string expression that is pure ASCII: a single-quoted literal, or when the text has characters
/// outside ASCII, a parenthesised concatenation of single-quoted literals and `[char]0xHHHH` (one per UTF-16
/// unit). Windows PowerShell 5.1 reads a script in the ANSI code page unless it has a byte order mark; in some
/// code pages the bytes of a UTF-8 character become typographic quotes, which PowerShell accepts as `'`. With no
/// byte above 0x7F no code page can turn a name into code. Inside single quotes PowerShell expands nothing; the
/// only special character left is `'` itself, which is doubled.
pub fn ps_quote(s: &str) -> String {
    if s.is_ascii() {
        return format!("'{}'", s.replace('\'', "''"));
    }
    let mut parts: Vec<String> = Vec::new();
    let mut run = String::new();
    for c in s.chars() {
        if c.is_ascii() {
            if c == '\'' {
                run.push('\'');
            }
            run.push(c);
            continue;
        }
        // `'' + [char]..`: a string on the left makes `+` concatenate rather than add char codes.
        if !run.is_empty() || parts.is_empty() {
            parts.push(format!("'{run}'"));
            run.clear();
        }
        let mut units = [0u16; 2];
        for u in c.encode_utf16(&mut units) {
            parts.push(format!("[char]0x{u:04X}"));
        }
    }
    if !run.is_empty() {
        parts.push(format!("'{run}'"));
    }
    format!("({})", parts.join(" + "))
}

/// A `.reg` string value: backslashes and double quotes escaped.
pub fn reg_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if matches!(c, '\\' | '"') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn invalid(what: &'static str, name: &str, why: String) -> ScriptError {
    ScriptError::InvalidName {
        what,
        name: name.escape_debug().to_string(),
        why,
    }
}

fn host(inv: &Inventory, h: HostId) -> Result<&str, ScriptError> {
    let name = inv.hosts[h as usize].name.as_str();
    names::host_name(name).map_err(|why| invalid("host", name, why))?;
    Ok(name)
}

fn user(inv: &Inventory, u: UserId) -> Result<(&str, &str), ScriptError> {
    let user = &inv.users[u as usize];
    names::sam_name(&user.name, 20).map_err(|why| invalid("account", &user.name, why))?;
    let dns = inv.domains[user.domain as usize].dns.as_str();
    names::dns_name(dns).map_err(|why| invalid("domain", dns, why))?;
    Ok((user.name.as_str(), dns))
}

/// One generated file: its name and content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptFile {
    /// File name (no directory).
    pub name: String,
    /// Content (CRLF line ends for `.reg`, as `regedit` expects; LF and a leading byte order mark for
    /// PowerShell, so that Windows PowerShell 5.1 reads it as UTF-8 rather than in the ANSI code page).
    pub content: String,
}

/// The byte order mark every `.ps1` starts with.
pub const BOM: &str = "\u{FEFF}";

const PS_HEAD: &str = "#Requires -Version 5.1\n[CmdletBinding(SupportsShouldProcess)]\nparam()\nSet-StrictMode -Version Latest\n$ErrorActionPreference = 'Stop'\n";

/// Every script of every stage that changes something, in stage order. Pure and deterministic.
pub fn stage_scripts(ws: &Workspace) -> Result<Vec<ScriptFile>, ScriptError> {
    let inv = &ws.inventory;
    let mut files = Vec::new();
    for (s, st) in ws.plan.stages.iter().enumerate() {
        names::identifier(&st.name).map_err(|why| invalid("stage", &st.name, why))?;
        let acts = &ws.assessment().stages[s].actions;
        if acts.is_empty() {
            continue;
        }
        let base = format!("{:02}-{}", s + 1, st.name);
        let mut apply = String::from(BOM);
        let mut undo = String::from(BOM);
        let header = |out: &mut String, kind: &str| {
            let _ = writeln!(
                out,
                "# guardplan stage {} `{}`: {kind}.\n# Generated by guardplan; regenerate with `guardplan export INVENTORY --plan PLAN --format scripts`.\n# Run with -WhatIf first. Rollback: {}.",
                s + 1,
                st.name,
                if kind == "apply" {
                    format!("{base}.rollback.ps1")
                } else {
                    format!("this script undoes {base}.ps1")
                }
            );
            out.push_str(PS_HEAD);
        };
        header(&mut apply, "apply");
        header(&mut undo, "rollback");

        let mut targets = Vec::new();
        let mut clients = Vec::new();
        let mut shortcuts = Vec::new();
        let mut enroll = Vec::new();
        let mut watch = false;
        for a in acts {
            match a {
                Action::EnableTarget {
                    host: h,
                    restricted_admin,
                    protected_creds,
                } => targets.push((host(inv, *h)?, *h, *restricted_admin, *protected_creds)),
                Action::ClientPolicy { host: h, policy } => {
                    clients.push((host(inv, *h)?, *h, *policy));
                }
                Action::Shortcut { path, mode } => {
                    let p = &inv.paths[*path as usize];
                    names::identifier(&p.name).map_err(|why| invalid("path", &p.name, why))?;
                    for t in &p.to {
                        shortcuts.push((host(inv, *t)?, *mode));
                    }
                }
                Action::EnrollProtectedUser { user: u } => enroll.push(user(inv, *u)?),
                Action::WatchProtectedUserEvents => watch = true,
            }
        }
        shortcuts.sort();
        shortcuts.dedup();

        if !targets.is_empty() {
            ps_targets(&mut apply, &mut undo, inv, &targets);
            files.extend(reg_targets(&base, inv, &targets));
        }
        if !clients.is_empty() {
            ps_clients(&mut apply, &mut undo, inv, &clients);
            files.extend(reg_clients(&base, &clients));
        }
        if !shortcuts.is_empty() {
            ps_shortcuts(&mut apply, &mut undo, &shortcuts);
        }
        if !enroll.is_empty() {
            ps_users(&mut apply, &mut undo, &enroll, watch);
        }
        files.push(ScriptFile {
            name: format!("{base}.ps1"),
            content: apply,
        });
        files.push(ScriptFile {
            name: format!("{base}.rollback.ps1"),
            content: undo,
        });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

fn ps_bool(b: bool) -> &'static str {
    if b { "$true" } else { "$false" }
}

fn ps_targets(
    apply: &mut String,
    undo: &mut String,
    inv: &Inventory,
    targets: &[(&str, HostId, bool, bool)],
) {
    let _ = writeln!(
        apply,
        "\n# Targets: {LSA_KEY} DisableRestrictedAdmin = 0 (turns on Restricted Admin and Remote Credential Guard),\n# {CRED_DELEGATION_KEY} AllowProtectedCreds = 1.\n# Group Policy form: Computer Configuration > Administrative Templates > System > Credentials Delegation >\n# \"Remote host allows delegation of non-exportable credentials\" = Enabled.\n$Targets = @("
    );
    let _ = writeln!(
        undo,
        "\n# Targets: restore DisableRestrictedAdmin and AllowProtectedCreds as they were.\n$Targets = @("
    );
    for (name, h, ra, pc) in targets {
        let host = &inv.hosts[*h as usize];
        let _ = writeln!(
            apply,
            "    @{{ Name = {}; RestrictedAdmin = {}; ProtectedCreds = {} }}",
            ps_quote(name),
            ps_bool(*ra),
            ps_bool(*pc)
        );
        let before = match host.disable_restricted_admin {
            Some(v) if *ra => v.to_string(),
            _ => "$null".into(),
        };
        let _ = writeln!(
            undo,
            "    @{{ Name = {}; RestrictedAdmin = {}; Previous = {before}; ProtectedCreds = {} }}",
            ps_quote(name),
            ps_bool(*ra),
            ps_bool(*pc)
        );
    }
    apply.push_str(
        r")
foreach ($t in $Targets) {
    if ($PSCmdlet.ShouldProcess($t.Name, 'allow Restricted Admin and Remote Credential Guard')) {
        Invoke-Command -ComputerName $t.Name -ArgumentList $t.RestrictedAdmin, $t.ProtectedCreds -ScriptBlock {
            param($RestrictedAdmin, $ProtectedCreds)
            if ($RestrictedAdmin) {
                New-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\Lsa' -Name 'DisableRestrictedAdmin' -PropertyType DWord -Value 0 -Force | Out-Null
            }
            if ($ProtectedCreds) {
                $key = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\CredentialsDelegation'
                if (-not (Test-Path -LiteralPath $key)) { New-Item -Path $key -Force | Out-Null }
                New-ItemProperty -Path $key -Name 'AllowProtectedCreds' -PropertyType DWord -Value 1 -Force | Out-Null
            }
        }
    }
}
",
    );
    undo.push_str(
        r")
foreach ($t in $Targets) {
    if ($PSCmdlet.ShouldProcess($t.Name, 'restore DisableRestrictedAdmin and AllowProtectedCreds')) {
        Invoke-Command -ComputerName $t.Name -ArgumentList $t.RestrictedAdmin, $t.Previous, $t.ProtectedCreds -ScriptBlock {
            param($RestrictedAdmin, $Previous, $ProtectedCreds)
            if ($RestrictedAdmin) {
                $lsa = 'HKLM:\SYSTEM\CurrentControlSet\Control\Lsa'
                if ($null -eq $Previous) {
                    Remove-ItemProperty -LiteralPath $lsa -Name 'DisableRestrictedAdmin' -ErrorAction SilentlyContinue
                } else {
                    New-ItemProperty -Path $lsa -Name 'DisableRestrictedAdmin' -PropertyType DWord -Value $Previous -Force | Out-Null
                }
            }
            if ($ProtectedCreds) {
                Remove-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\CredentialsDelegation' -Name 'AllowProtectedCreds' -ErrorAction SilentlyContinue
            }
        }
    }
}
",
    );
}

fn ps_clients(
    apply: &mut String,
    undo: &mut String,
    inv: &Inventory,
    clients: &[(&str, HostId, ClientPolicy)],
) {
    let _ = writeln!(
        apply,
        "\n# Clients: \"Restrict delegation of credentials to remote servers\" ({CRED_DELEGATION_KEY}):\n# RestrictedRemoteAdministration = 1 and RestrictedRemoteAdministrationType = 1 Require Restricted Admin,\n# 2 Require Remote Credential Guard, 3 Restrict Credential Delegation. Group Policy form: Computer Configuration >\n# Administrative Templates > System > Credentials Delegation; where a GPO manages the setting, set it there.\n$Clients = @("
    );
    let _ = writeln!(
        undo,
        "\n# Clients: restore the policy they had (none: remove the values).\n$Clients = @("
    );
    for (name, h, policy) in clients {
        let _ = writeln!(
            apply,
            "    @{{ Name = {}; Type = {} }}",
            ps_quote(name),
            actions::policy_type(*policy).unwrap_or(0)
        );
        let before = actions::policy_type(inv.hosts[*h as usize].client_policy)
            .map_or("$null".to_string(), |t| t.to_string());
        let _ = writeln!(
            undo,
            "    @{{ Name = {}; Previous = {before} }}",
            ps_quote(name)
        );
    }
    apply.push_str(
        r")
foreach ($c in $Clients) {
    if ($PSCmdlet.ShouldProcess($c.Name, ('require RestrictedRemoteAdministrationType {0}' -f $c.Type))) {
        Invoke-Command -ComputerName $c.Name -ArgumentList $c.Type -ScriptBlock {
            param($Type)
            $key = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\CredentialsDelegation'
            if (-not (Test-Path -LiteralPath $key)) { New-Item -Path $key -Force | Out-Null }
            New-ItemProperty -Path $key -Name 'RestrictedRemoteAdministration' -PropertyType DWord -Value 1 -Force | Out-Null
            New-ItemProperty -Path $key -Name 'RestrictedRemoteAdministrationType' -PropertyType DWord -Value $Type -Force | Out-Null
            gpupdate.exe /force | Out-Null
        }
    }
}
",
    );
    undo.push_str(
        r")
foreach ($c in $Clients) {
    if ($PSCmdlet.ShouldProcess($c.Name, 'restore the credential delegation policy')) {
        Invoke-Command -ComputerName $c.Name -ArgumentList $c.Previous -ScriptBlock {
            param($Previous)
            $key = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\CredentialsDelegation'
            if ($null -eq $Previous) {
                Remove-ItemProperty -LiteralPath $key -Name 'RestrictedRemoteAdministration', 'RestrictedRemoteAdministrationType' -ErrorAction SilentlyContinue
            } else {
                New-ItemProperty -Path $key -Name 'RestrictedRemoteAdministrationType' -PropertyType DWord -Value $Previous -Force | Out-Null
            }
            gpupdate.exe /force | Out-Null
        }
    }
}
",
    );
}

fn ps_shortcuts(apply: &mut String, undo: &mut String, shortcuts: &[(&str, Mode)]) {
    apply.push_str(
        "\n# Shortcuts: per-connection mstsc.exe switches, written to .\\guardplan-shortcuts for the pilot users.\n$Shortcuts = @(\n",
    );
    undo.push_str("\n# Shortcuts: remove the ones this stage wrote.\n$Shortcuts = @(\n");
    for (name, mode) in shortcuts {
        let line = format!(
            "    @{{ Target = {}; Switch = {} }}\n",
            ps_quote(name),
            ps_quote(actions::mstsc_switch(*mode).unwrap_or(""))
        );
        apply.push_str(&line);
        undo.push_str(&line);
    }
    apply.push_str(
        r")
$dir = Join-Path -Path (Get-Location) -ChildPath 'guardplan-shortcuts'
if (-not (Test-Path -LiteralPath $dir)) { New-Item -ItemType Directory -Path $dir | Out-Null }
$shell = New-Object -ComObject WScript.Shell
foreach ($s in $Shortcuts) {
    $file = Join-Path -Path $dir -ChildPath ('{0} ({1}).lnk' -f $s.Target, $s.Switch.TrimStart('/'))
    if ($PSCmdlet.ShouldProcess($file, 'create shortcut')) {
        $lnk = $shell.CreateShortcut($file)
        $lnk.TargetPath = Join-Path -Path $env:SystemRoot -ChildPath 'System32\mstsc.exe'
        $lnk.Arguments = ('{0} /v:{1}' -f $s.Switch, $s.Target)
        $lnk.Save()
    }
}
",
    );
    undo.push_str(
        r")
$dir = Join-Path -Path (Get-Location) -ChildPath 'guardplan-shortcuts'
foreach ($s in $Shortcuts) {
    $file = Join-Path -Path $dir -ChildPath ('{0} ({1}).lnk' -f $s.Target, $s.Switch.TrimStart('/'))
    if ($PSCmdlet.ShouldProcess($file, 'remove shortcut')) { Remove-Item -LiteralPath $file -ErrorAction SilentlyContinue }
}
",
    );
}

fn ps_users(apply: &mut String, undo: &mut String, users: &[(&str, &str)], watch: bool) {
    let list: String = users
        .iter()
        .map(|(n, d)| {
            format!(
                "    @{{ Name = {}; Domain = {} }}\n",
                ps_quote(n),
                ps_quote(d)
            )
        })
        .collect();
    apply.push_str(
        "\n# Users: Protected Users is found by its well-known RID 525 (its name is localised).\n# AES readiness: an account whose msDS-SupportedEncryptionTypes excludes AES is skipped; an account whose\n# password was last set before the domain reached the 2008 functional level has no AES keys: reset it first.\n$Users = @(\n",
    );
    apply.push_str(&list);
    apply.push_str(
        r")
foreach ($u in $Users) {
    $domain = Get-ADDomain -Server $u.Domain
    $group = Get-ADGroup -Identity ('{0}-525' -f $domain.DomainSID) -Server $u.Domain
    $account = Get-ADUser -Identity $u.Name -Server $u.Domain -Properties 'msDS-SupportedEncryptionTypes', 'pwdLastSet'
    $etypes = [int]$account.'msDS-SupportedEncryptionTypes'
    if ($etypes -ne 0 -and ($etypes -band 0x18) -eq 0) {
        Write-Warning ('{0}\{1}: no AES encryption types (msDS-SupportedEncryptionTypes = {2}); not enrolled' -f $u.Domain, $u.Name, $etypes)
        continue
    }
    if ($PSCmdlet.ShouldProcess(('{0}\{1}' -f $u.Domain, $u.Name), 'add to Protected Users')) {
        Add-ADGroupMember -Identity $group -Members $account -Server $u.Domain
    }
}
",
    );
    if watch {
        apply.push_str(
            r"
# Watch (Applications and Services Logs\Microsoft\Windows\Authentication): ProtectedUser-Client 104, 304 on
# devices; ProtectedUserFailures-DomainController 100 (NTLM) and 104 (DES/RC4); ProtectedUserSuccesses-
# DomainController 303 (TGT issued). These logs are off by default: turn them on on the domain controllers.
$Logs = @(
    'Microsoft-Windows-Authentication/ProtectedUserFailures-DomainController',
    'Microsoft-Windows-Authentication/ProtectedUserSuccesses-DomainController'
)
foreach ($d in ($Users | ForEach-Object { $_.Domain } | Sort-Object -Unique)) {
    foreach ($dc in (Get-ADDomainController -Filter * -Server $d)) {
        if ($PSCmdlet.ShouldProcess($dc.HostName, 'enable the Protected Users logs')) {
            Invoke-Command -ComputerName $dc.HostName -ArgumentList (, $Logs) -ScriptBlock {
                param($Logs)
                foreach ($l in $Logs) { wevtutil.exe set-log $l /enabled:true }
            }
        }
    }
}
Write-Host 'Watch: Get-WinEvent -FilterHashtable @{ LogName = ''Microsoft-Windows-Authentication/ProtectedUserFailures-DomainController''; Id = 100, 104 }'
Write-Host 'Watch: Get-WinEvent -FilterHashtable @{ LogName = ''Microsoft-Windows-Authentication/ProtectedUserSuccesses-DomainController''; Id = 303 }'
Write-Host 'On devices: Get-WinEvent -FilterHashtable @{ LogName = ''Microsoft-Windows-Authentication/ProtectedUser-Client''; Id = 104, 304 }'
",
        );
    }
    undo.push_str(
        "\n# Users: remove from Protected Users the accounts this stage added.\n$Users = @(\n",
    );
    undo.push_str(&list);
    undo.push_str(
        r")
foreach ($u in $Users) {
    $domain = Get-ADDomain -Server $u.Domain
    $group = Get-ADGroup -Identity ('{0}-525' -f $domain.DomainSID) -Server $u.Domain
    if ($PSCmdlet.ShouldProcess(('{0}\{1}' -f $u.Domain, $u.Name), 'remove from Protected Users')) {
        Remove-ADGroupMember -Identity $group -Members $u.Name -Server $u.Domain -Confirm:$false
    }
}
",
    );
}

fn reg_file(comment: &[String], body: &str) -> String {
    let mut s = String::from("Windows Registry Editor Version 5.00\r\n\r\n");
    for c in comment {
        s.push_str("; ");
        s.push_str(c);
        s.push_str("\r\n");
    }
    s.push_str("\r\n");
    s.push_str(body);
    s
}

fn host_list(names: &[&str]) -> Vec<String> {
    names
        .chunks(8)
        .map(|c| format!("  {}", c.join(", ")))
        .collect()
}

fn reg_targets(
    base: &str,
    inv: &Inventory,
    targets: &[(&str, HostId, bool, bool)],
) -> Vec<ScriptFile> {
    let mut files = Vec::new();
    let ra: Vec<&str> = targets.iter().filter(|t| t.2).map(|t| t.0).collect();
    let pc: Vec<&str> = targets.iter().filter(|t| t.3).map(|t| t.0).collect();
    let lsa = format!("[{LSA_KEY}]\r\n");
    let cd = format!("[{CRED_DELEGATION_KEY}]\r\n");
    for (suffix, list, apply_body, rollback_body) in [
        (
            "targets-restricted-admin",
            &ra,
            format!("{lsa}\"DisableRestrictedAdmin\"=dword:00000000\r\n"),
            format!("{lsa}\"DisableRestrictedAdmin\"=-\r\n"),
        ),
        (
            "targets-protected-creds",
            &pc,
            format!("{cd}\"AllowProtectedCreds\"=dword:00000001\r\n"),
            format!("{cd}\"AllowProtectedCreds\"=-\r\n"),
        ),
    ] {
        if list.is_empty() {
            continue;
        }
        let mut head = vec![format!("guardplan {base}: import on these hosts:")];
        head.extend(host_list(list));
        files.push(ScriptFile {
            name: format!("{base}.{suffix}.reg"),
            content: reg_file(&head, &apply_body),
        });
        // The .reg rollback removes the value; hosts that had another value before are restored by the
        // PowerShell rollback, which knows each host's previous value.
        let had_value: Vec<&str> = targets
            .iter()
            .filter(|t| {
                t.2 && suffix.ends_with("admin")
                    && inv.hosts[t.1 as usize].disable_restricted_admin.is_some()
            })
            .map(|t| t.0)
            .collect();
        let mut head = vec![format!(
            "guardplan {base}: rollback, import on these hosts:"
        )];
        head.extend(host_list(list));
        if !had_value.is_empty() {
            head.push("not for these hosts (they had another value): use the .rollback.ps1".into());
            head.extend(host_list(&had_value));
        }
        files.push(ScriptFile {
            name: format!("{base}.{suffix}.rollback.reg"),
            content: reg_file(&head, &rollback_body),
        });
    }
    files
}

fn reg_clients(base: &str, clients: &[(&str, HostId, ClientPolicy)]) -> Vec<ScriptFile> {
    let mut files = Vec::new();
    let mut types: Vec<u32> = clients
        .iter()
        .filter_map(|c| actions::policy_type(c.2))
        .collect();
    types.sort();
    types.dedup();
    let cd = format!("[{CRED_DELEGATION_KEY}]\r\n");
    for t in types {
        let list: Vec<&str> = clients
            .iter()
            .filter(|c| actions::policy_type(c.2) == Some(t))
            .map(|c| c.0)
            .collect();
        let mut head = vec![format!(
            "guardplan {base}: RestrictedRemoteAdministrationType {t}; import on these clients, then run gpupdate /force:"
        )];
        head.extend(host_list(&list));
        files.push(ScriptFile {
            name: format!("{base}.clients-type{t}.reg"),
            content: reg_file(
                &head,
                &format!(
                    "{cd}\"RestrictedRemoteAdministration\"=dword:00000001\r\n\"RestrictedRemoteAdministrationType\"=dword:{t:08x}\r\n"
                ),
            ),
        });
        let mut head = vec![format!(
            "guardplan {base}: rollback of type {t} for clients that had no policy (others: use the .rollback.ps1):"
        )];
        head.extend(host_list(&list));
        files.push(ScriptFile {
            name: format!("{base}.clients-type{t}.rollback.reg"),
            content: reg_file(
                &head,
                &format!(
                    "{cd}\"RestrictedRemoteAdministration\"=-\r\n\"RestrictedRemoteAdministrationType\"=-\r\n"
                ),
            ),
        });
    }
    files
}

/// Whether a file of `dir` is a script an earlier export wrote: `NN-NAME...ps1` or `.reg` whose head says
/// guardplan generated it. Files written by hand are never taken for one.
fn generated_earlier(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let numbered = name.len() > 3
        && name.as_bytes()[..2].iter().all(u8::is_ascii_digit)
        && name.as_bytes()[2] == b'-';
    if !numbered || !(name.ends_with(".ps1") || name.ends_with(".reg")) {
        return false;
    }
    let Ok(file) = crate::fsio::open_input(path) else {
        return false;
    };
    let Ok(head) = crate::fsio::read_bounded(std::io::Read::take(file, 512), 512) else {
        return false;
    };
    let head = String::from_utf8_lossy(&head);
    let head = head.trim_start_matches('\u{FEFF}');
    head.starts_with("# guardplan stage ")
        || (head.starts_with("Windows Registry Editor Version 5.00")
            && head.contains("\n; guardplan "))
}

/// Generates every stage's scripts and writes them into `dir` (created if missing). Nothing is written when a
/// name fails validation. Scripts an earlier export wrote for stages that no longer change anything (or no
/// longer exist) are removed, so the folder holds exactly the plan's scripts. Returns the files written, sorted.
pub fn write_scripts(ws: &Workspace, dir: &Path) -> Result<Vec<PathBuf>, ScriptError> {
    let files = stage_scripts(ws)?;
    std::fs::create_dir_all(dir).map_err(|e| ScriptError::Io {
        path: dir.display().to_string(),
        error: e.to_string(),
    })?;
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let path = dir.join(&f.name);
        super::io::write_atomic(&path, f.content.as_bytes()).map_err(|e| ScriptError::Io {
            path: path.display().to_string(),
            error: e.to_string(),
        })?;
        out.push(path);
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        let mut stale: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| !out.contains(p) && generated_earlier(p))
            .collect();
        stale.sort();
        for p in stale {
            std::fs::remove_file(&p).map_err(|e| ScriptError::Io {
                path: p.display().to_string(),
                error: e.to_string(),
            })?;
        }
    }
    Ok(out)
}
