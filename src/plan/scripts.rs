//! PowerShell and `.reg` scripts per stage, with their rollback.
//!
//! Safety: every name taken from the inventory is checked again by the validators of [`crate::names`] before
//! it is written, and it only ever appears inside a string literal quoted for the script's language
//! (PowerShell single quotes, `.reg` comments after validation). A name that fails stops generation. PowerShell
//! scripts carry a byte order mark and no other byte above 0x7F (see [`ps_quote`]).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::finding::{Mode, Subject};
use crate::inventory::{HostId, Inventory, JoinType, UserId};
use crate::names;

use super::actions::{self, Action, CRED_DELEGATION_KEY, LSA_KEY};
use super::artefact::{PS_RESULTS, PS_SUMMARY, host_fqdn};
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

pub(crate) fn invalid(what: &'static str, name: &str, why: String) -> ScriptError {
    ScriptError::InvalidName {
        what,
        name: name.escape_debug().to_string(),
        why,
    }
}

pub(crate) fn host(inv: &Inventory, h: HostId) -> Result<&str, ScriptError> {
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

/// `NETBIOS\\name` of an account, both parts validated (as `Add-LocalGroupMember -Member` takes it).
fn account_label(inv: &Inventory, u: UserId) -> Result<String, ScriptError> {
    let (name, _) = user(inv, u)?;
    let netbios = inv.domains[inv.users[u as usize].domain as usize]
        .netbios
        .as_str();
    names::netbios_name(netbios).map_err(|why| invalid("domain", netbios, why))?;
    Ok(format!("{netbios}\\{name}"))
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

/// `HKLM\...` as `regedit` needs it in a `.reg` file: the full root key name.
fn reg_key(key: &str) -> String {
    match key.strip_prefix(r"HKLM\") {
        Some(rest) => format!(r"HKEY_LOCAL_MACHINE\{rest}"),
        None => key.to_string(),
    }
}

/// A registry value this stage sets on one host (the PowerShell `$Values` table names its key).
type Setting = (&'static str, u32);

/// One host the stage changes over WinRM: its FQDN and the values to set.
struct HostChange {
    fqdn: String,
    id: HostId,
    set: Vec<Setting>,
    /// The client policy type it gets, if the stage enforces one on it.
    client: Option<u32>,
}

/// Every script of every stage that changes something, in stage order. Pure and deterministic.
pub fn stage_scripts(ws: &Workspace) -> Result<Vec<ScriptFile>, ScriptError> {
    let inv = &ws.inventory;
    let held = enrollment_held(ws);
    let mut files = Vec::new();
    for (s, st) in ws.plan.stages.iter().enumerate() {
        names::identifier(&st.name).map_err(|why| invalid("stage", &st.name, why))?;
        let acts = &ws.assessment().stages[s].actions;
        if acts.is_empty() {
            continue;
        }
        let base = format!("{:02}-{}", s + 1, st.name);

        let mut hosts: Vec<HostChange> = Vec::new();
        let mut index: HashMap<HostId, usize> = HashMap::new();
        let mut entra: Vec<&str> = Vec::new();
        let mut shortcuts = Vec::new();
        let mut enroll = Vec::new();
        let mut kept_out: Vec<String> = Vec::new();
        let mut watch = false;
        let mut grants: Vec<(String, Arc<[UserId]>)> = Vec::new();
        let mut leave = Vec::new();
        for a in acts {
            let (h, set): (HostId, Vec<Setting>) = match a {
                Action::EnableTarget {
                    host: h,
                    restricted_admin,
                    protected_creds,
                } => {
                    let mut set = Vec::new();
                    if *restricted_admin {
                        set.push(("DisableRestrictedAdmin", 0));
                    }
                    if *protected_creds {
                        set.push(("AllowProtectedCreds", 1));
                    }
                    (*h, set)
                }
                Action::ClientPolicy { host: h, policy } => match actions::policy_type(*policy) {
                    Some(t) => (
                        *h,
                        vec![
                            ("RestrictedRemoteAdministration", 1),
                            ("RestrictedRemoteAdministrationType", t),
                        ],
                    ),
                    None => continue,
                },
                Action::Shortcut { path, mode } => {
                    let p = &inv.paths[*path as usize];
                    names::identifier(&p.name).map_err(|why| invalid("path", &p.name, why))?;
                    let excepted = super::exceptions::excepted_targets(inv, &ws.plan, *path);
                    for t in p.to.iter().filter(|t| excepted.binary_search(t).is_err()) {
                        // mstsc cannot reach an Entra-joined target by Kerberos name either way; it keeps its name.
                        shortcuts.push((host_fqdn(inv, *t)?.1, *mode));
                    }
                    continue;
                }
                Action::EnrollProtectedUser { user: u } => {
                    let (name, dns) = user(inv, *u)?;
                    match enrollment_hold(inv, &held, *u) {
                        Some(why) => kept_out.push(format!("{dns}\\{name}: {why}")),
                        None => enroll.push((name, dns)),
                    }
                    continue;
                }
                Action::WatchProtectedUserEvents => {
                    watch = true;
                    continue;
                }
                Action::GrantRemoteDesktop { host: h, users } => {
                    // Account names are made once per distinct list (see `member_sets`), not once per target.
                    grants.push((host_fqdn(inv, *h)?.1, users.clone()));
                    continue;
                }
                Action::LeaveProtectedUsers { user: u } => {
                    let (name, dns) = user(inv, *u)?;
                    let d = &inv.domains[inv.users[*u as usize].domain as usize];
                    if d.administered {
                        leave.push((name, dns));
                    } else {
                        kept_out.push(format!(
                            "{dns}\\{name}: not taken out of Protected Users either: domain {dns} is not administered here (administered = false), its administrators remove it"
                        ));
                    }
                    continue;
                }
            };
            let (name, fqdn) = host_fqdn(inv, h)?;
            // Entra-joined devices are out of WinRM's reach: they are managed through Intune.
            if inv.hosts[h as usize].join == JoinType::Entra {
                entra.push(name);
                continue;
            }
            let client = match a {
                Action::ClientPolicy { policy, .. } => actions::policy_type(*policy),
                _ => None,
            };
            match index.get(&h) {
                Some(&i) => {
                    hosts[i].set.extend(set);
                    hosts[i].client = hosts[i].client.or(client);
                }
                None => {
                    index.insert(h, hosts.len());
                    hosts.push(HostChange {
                        fqdn,
                        id: h,
                        set,
                        client,
                    });
                }
            }
        }
        hosts.sort_by(|a, b| a.fqdn.cmp(&b.fqdn));
        for h in &mut hosts {
            h.set.sort();
            h.set.dedup();
        }
        shortcuts.sort();
        shortcuts.dedup();
        entra.sort();
        entra.dedup();
        grants.sort();
        leave.sort();
        if hosts.is_empty()
            && shortcuts.is_empty()
            && enroll.is_empty()
            && entra.is_empty()
            && kept_out.is_empty()
            && grants.is_empty()
            && leave.is_empty()
        {
            continue;
        }

        let mut apply = String::from(BOM);
        let mut undo = String::from(BOM);
        let ad = !enroll.is_empty() || !leave.is_empty();
        ps_header(&mut apply, &base, false, ad);
        ps_header(&mut undo, &base, true, ad);
        if !entra.is_empty() {
            let line = format!(
                "\n# Entra-joined devices of this stage are not reachable over WinRM; deploy their policy with the Intune\n# export (`guardplan export INVENTORY --plan PLAN --format intune -o DIR`): {}.\n",
                entra.join(", ")
            );
            apply.push_str(&line);
            undo.push_str(&line);
        }
        for out in [&mut apply, &mut undo] {
            let _ = writeln!(
                out,
                "\n$PriorFile = Join-Path -Path $PSScriptRoot -ChildPath {}",
                ps_quote(&format!("{base}.prior.json"))
            );
            out.push_str(PS_PRIOR);
            out.push_str(PS_RESULTS);
        }
        if !hosts.is_empty() {
            let workgroup: Vec<&str> = (hosts.iter())
                .filter(|h| inv.hosts[h.id as usize].join == JoinType::Workgroup)
                .map(|h| h.fqdn.as_str())
                .collect();
            if !workgroup.is_empty() {
                let line = format!(
                    "\n# Workgroup hosts have no Kerberos: WinRM reaches them over HTTPS (port 5986) with a local\n# administrator's -Credential and the host in TrustedHosts, or import the .reg files on them: {}.\n",
                    workgroup.join(", ")
                );
                apply.push_str(&line);
                undo.push_str(&line);
            }
            ps_hosts(&mut apply, &mut undo, &hosts);
        }
        if !grants.is_empty() {
            ps_grants(&mut apply, &mut undo, &member_sets(inv, &grants)?);
        }
        if !leave.is_empty() {
            ps_leave(&mut apply, &mut undo, &leave);
        }
        if !shortcuts.is_empty() {
            ps_shortcuts(&mut apply, &mut undo, &shortcuts);
        }
        if !kept_out.is_empty() {
            let mut note = String::from(
                "\n# Not enrolled in Protected Users by this script (the plan's stage names them):\n",
            );
            for k in &kept_out {
                let _ = writeln!(note, "#   {k}");
            }
            apply.push_str(&note);
            undo.push_str(&note);
        }
        if !enroll.is_empty() {
            ps_users(&mut apply, &mut undo, &enroll, watch);
        }
        for out in [&mut apply, &mut undo] {
            out.push_str("\nif ($PriorUnsaved -gt 0) { Save-Prior }\n");
            out.push_str(PS_SUMMARY);
        }
        files.push(ScriptFile {
            name: format!("{base}.ps1"),
            content: apply,
        });
        files.push(ScriptFile {
            name: format!("{base}.rollback.ps1"),
            content: undo,
        });
        files.extend(reg_targets(&base, inv, &hosts));
        files.extend(reg_clients(&base, inv, &hosts));
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// Findings that keep an account out of Protected Users: its sign-in would fail once it is a member. Matched by
/// code, so that every rule raising one of them counts.
pub const ENROLLMENT_HOLDS: [&str; 4] = [
    "PU-WEAK-ETYPES",
    "PU-AES-RESET",
    "PU-SERVICE-ACCOUNT",
    "PU-COMPUTER-ACCOUNT",
];

/// The accounts an [`ENROLLMENT_HOLDS`] finding holds for (waived or not), with the code: the generated scripts
/// do not enroll them.
pub fn enrollment_held(ws: &Workspace) -> BTreeMap<UserId, &'static str> {
    let mut out: BTreeMap<UserId, &'static str> = BTreeMap::new();
    let findings = (ws.assessment().items.iter())
        .map(|a| ws.finding(a.finding))
        .chain(&ws.assessment().enrollment);
    for f in findings {
        if !ENROLLMENT_HOLDS.contains(&f.code.as_str()) {
            continue;
        }
        for s in &f.subjects {
            if let Subject::User(u) = s {
                out.entry(*u).or_insert(f.code.as_str());
            }
        }
    }
    out
}

/// Why the generated scripts do not enroll account `u`: its domain is not administered here, or a finding of
/// `held` (from [`enrollment_held`]) holds for it.
pub fn enrollment_hold(
    inv: &Inventory,
    held: &BTreeMap<UserId, &'static str>,
    u: UserId,
) -> Option<String> {
    let d = &inv.domains[inv.users[u as usize].domain as usize];
    if !d.administered {
        return Some(format!(
            "domain {} is not administered here (administered = false): its administrators enroll it",
            d.dns
        ));
    }
    held.get(&u).map(|code| format!("{code} holds for it"))
}

fn ps_header(out: &mut String, base: &str, rollback: bool, users: bool) {
    let _ = writeln!(
        out,
        "# guardplan stage {base}: {}.\n# Generated by guardplan; regenerate with `guardplan export INVENTORY --plan PLAN --format scripts -o DIR`.",
        if rollback { "rollback" } else { "apply" }
    );
    out.push_str(
        "# Where: a domain-joined management host that reaches every host below over WinRM (TCP 5985/5986) with\n\
         # Kerberos; host names are fully qualified for that reason.\n\
         # Rights: a member of the local Administrators group of every host below",
    );
    if users {
        out.push_str(
            ";\n# for Protected Users, rights to change that group's members in each domain (Domain Admins), and the\n\
             # RSAT Active Directory module",
        );
    }
    out.push_str(".\n");
    if rollback {
        let _ = writeln!(
            out,
            "# What: restores on each host exactly the values {base}.ps1 recorded in {base}.prior.json before it\n\
             # changed them (a value that was absent is removed again); hosts without a record are reported and left\n\
             # alone. Run with -WhatIf first. Every host is tried; the summary at the end lists each one, and the\n\
             # exit code is 1 when anything failed or was unreachable."
        );
    } else {
        let _ = writeln!(
            out,
            "# What: records each host's values in {base}.prior.json beside this script (the first run's values are\n\
             # kept), then sets the new ones. Policy values (under SOFTWARE\\Policies) that a GPO sets on a host are\n\
             # left alone and reported: change them in that GPO, or deploy the GPO export\n\
             # (`--format gpo`), which is the way for domain-joined hosts. Run with -WhatIf first. Every host is\n\
             # tried; the summary at the end lists each one, and the exit code is 1 when anything failed or was\n\
             # unreachable. Rollback: {base}.rollback.ps1."
        );
    }
    out.push_str("#Requires -Version 5.1\n");
    if users {
        out.push_str("#Requires -Modules ActiveDirectory\n");
    }
    out.push_str(
        "[CmdletBinding(SupportsShouldProcess)]\nparam(\n    # Hosts contacted at once (Invoke-Command -ThrottleLimit).\n    [ValidateRange(1, 1024)][int]$ThrottleLimit = 32,\n    # Hosts per batch: the record of prior values is saved after each batch, and a run that stopped\n    # resumes after the last batch it finished.\n    [ValidateRange(1, 100000)][int]$BatchSize = 500\n)\nSet-StrictMode -Version Latest\n$ErrorActionPreference = 'Stop'\n",
    );
}

/// Reading and saving the record of prior values (`Hosts`: FQDN -> value -> data or null; `Users`:
/// DOMAIN\name -> was a member; `Files`: path -> existed).
const PS_PRIOR: &str = r"function Read-Prior {
    $p = @{ Hosts = @{}; Users = @{}; Files = @{}; Done = @{} }
    if (Test-Path -LiteralPath $PriorFile) {
        $json = Get-Content -LiteralPath $PriorFile -Raw | ConvertFrom-Json
        foreach ($section in 'Hosts', 'Users', 'Files', 'Done') {
            if ($json.PSObject.Properties[$section]) {
                foreach ($e in $json.$section.PSObject.Properties) { $p[$section][$e.Name] = $e.Value }
            }
        }
    }
    return $p
}
$PriorUnsaved = 0
function Save-Prior {
    if ($WhatIfPreference) { return }
    $Prior | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $PriorFile -Encoding UTF8
    $script:PriorUnsaved = 0
}
$Prior = Read-Prior
# Records a value once: a second run keeps what the first one found. The record is written once per batch
# ($BatchSize items), not once per item: the run stays linear in the hosts.
function Set-PriorOnce([string]$Section, [string]$Key, $Value) {
    if (-not $Prior[$Section].ContainsKey($Key)) {
        $Prior[$Section][$Key] = $Value
        $script:PriorUnsaved++
        if ($script:PriorUnsaved -ge $BatchSize) { Save-Prior }
    }
}
# Runs a script block on many hosts at once, $ThrottleLimit at a time; returns per host name its result, or an
# error (Unreachable tells a WinRM transport failure).
function Invoke-Fanout([string[]]$Names, [scriptblock]$Block, [object[]]$Arguments) {
    $out = @{}
    $errs = @()
    $results = Invoke-Command -ComputerName $Names -ThrottleLimit $ThrottleLimit -ScriptBlock $Block -ArgumentList $Arguments -ErrorAction SilentlyContinue -ErrorVariable errs
    foreach ($r in @($results)) { $out[[string]$r.PSComputerName] = [pscustomobject]@{ Result = $r; Error = $null; Unreachable = $false } }
    foreach ($e in @($errs)) {
        $name = if ($e.TargetObject -is [string]) { $e.TargetObject } elseif ($null -ne $e.OriginInfo) { $e.OriginInfo.PSComputerName } else { $null }
        if ($null -eq $name -or $out.ContainsKey($name)) { continue }
        $unreachable = $e.Exception -is [System.Management.Automation.Remoting.PSRemotingTransportException]
        $out[$name] = [pscustomobject]@{ Result = $null; Error = $e.Exception.Message; Unreachable = $unreachable }
    }
    foreach ($n in $Names) {
        if (-not $out.ContainsKey($n)) { $out[$n] = [pscustomobject]@{ Result = $null; Error = 'no answer'; Unreachable = $true } }
    }
    return $out
}
";

/// The registry values the scripts may set: key, and whether a GPO may manage the value.
const PS_VALUES: &str = r"$Values = @{
    DisableRestrictedAdmin = @{ Key = 'HKLM:\SYSTEM\CurrentControlSet\Control\Lsa'; Policy = $false }
    AllowProtectedCreds = @{ Key = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\CredentialsDelegation'; Policy = $true }
    RestrictedRemoteAdministration = @{ Key = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\CredentialsDelegation'; Policy = $true }
    RestrictedRemoteAdministrationType = @{ Key = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\CredentialsDelegation'; Policy = $true }
}
";

fn ps_hosts(apply: &mut String, undo: &mut String, hosts: &[HostChange]) {
    apply.push_str(
        "\n# Hosts: DisableRestrictedAdmin = 0 turns on Restricted Admin and Remote Credential Guard on a target;\n\
         # AllowProtectedCreds = 1 is \"Remote host allows delegation of non-exportable credentials\";\n\
         # RestrictedRemoteAdministration = 1 with RestrictedRemoteAdministrationType 1 (Require Restricted Admin),\n\
         # 2 (Require Remote Credential Guard) or 3 (Restrict Credential Delegation) is the client policy \"Restrict\n\
         # delegation of credentials to remote servers\". No gpupdate: a refresh can only put a GPO's value back.\n",
    );
    undo.push_str("\n# Hosts: the values recorded before the apply script changed them.\n");
    for out in [&mut *apply, &mut *undo] {
        out.push_str(PS_VALUES);
        // Hosts that get the same values form one group: one Invoke-Command reaches a batch of them.
        out.push_str("$HostGroups = @(\n");
        for (set, names) in host_groups(hosts) {
            let set: Vec<String> = set.iter().map(|(n, v)| format!("{n} = {v}")).collect();
            let _ = writeln!(out, "    @{{ Set = @{{ {} }}; Hosts = @(", set.join("; "));
            for chunk in names.chunks(4) {
                let quoted: Vec<String> = chunk.iter().map(|n| ps_quote(n)).collect();
                let _ = writeln!(out, "        {}", quoted.join(", "));
            }
            out.push_str("    ) }\n");
        }
        out.push_str(")\n");
    }
    apply.push_str(
        r"$ApplyBlock = {
    param([hashtable]$Set, [hashtable]$Values)
    $ErrorActionPreference = 'Stop'
    $rsop = @(Get-CimInstance -Namespace 'root\rsop\computer' -ClassName 'RSOP_RegistryPolicySetting' -Filter 'precedence = 1' -ErrorAction SilentlyContinue)
    $before = [ordered]@{}
    $changed = @()
    $managed = @()
    $problem = ''
    foreach ($n in ($Set.Keys | Sort-Object)) {
        $key = $Values[$n].Key
        $item = Get-ItemProperty -LiteralPath $key -Name $n -ErrorAction SilentlyContinue
        $before[$n] = if ($null -eq $item) { $null } else { $item.$n }
    }
    try {
        foreach ($n in ($Set.Keys | Sort-Object)) {
            $key = $Values[$n].Key
            if ($Values[$n].Policy) {
                $sub = $key -replace '^HKLM:\\', ''
                $gpo = @($rsop | Where-Object { $_.registryKey -eq $sub -and $_.valueName -eq $n })
                if ($gpo.Count -gt 0) {
                    $managed += ('{0} is set by GPO {1}' -f $n, $gpo[0].GPOID)
                    continue
                }
            }
            if ($before[$n] -ne $Set[$n]) {
                if (-not (Test-Path -LiteralPath $key)) { New-Item -Path $key -Force | Out-Null }
                New-ItemProperty -LiteralPath $key -Name $n -PropertyType DWord -Value $Set[$n] -Force | Out-Null
                $changed += $n
            }
        }
    } catch {
        $problem = $_.Exception.Message
    }
    [pscustomobject]@{ Before = [pscustomobject]$before; Changed = $changed; Managed = $managed; Problem = $problem }
}
foreach ($g in $HostGroups) {
    $what = ($g.Set.Keys | Sort-Object | ForEach-Object { '{0} = {1}' -f $_, $g.Set[$_] }) -join ', '
    $todo = [System.Collections.Generic.List[string]]::new()
    foreach ($n in $g.Hosts) {
        # A run that stopped resumes here: hosts an earlier run finished are not contacted again.
        if ($Prior.Done.ContainsKey($n)) { Add-Result $n 'already in place' ('{0} (an earlier run)' -f $what); continue }
        if ($PSCmdlet.ShouldProcess($n, ('set {0}' -f $what))) { $todo.Add($n) }
    }
    for ($i = 0; $i -lt $todo.Count; $i += $BatchSize) {
        $batch = $todo.GetRange($i, [Math]::Min($BatchSize, $todo.Count - $i)).ToArray()
        $answers = Invoke-Fanout $batch $ApplyBlock @($g.Set, $Values)
        foreach ($n in $batch) {
            $a = $answers[$n]
            if ($null -ne $a.Error) {
                Add-Result $n $(if ($a.Unreachable) { 'unreachable' } else { 'failed' }) $a.Error
                continue
            }
            $r = $a.Result
            if (-not $Prior.Hosts.ContainsKey($n)) { $Prior.Hosts[$n] = $r.Before }
            if ($r.Problem) {
                Add-Result $n 'failed' $r.Problem
            } elseif (@($r.Managed).Count -gt 0) {
                Add-Result $n 'failed' ((@($r.Managed) -join '; ') + ': change it in that GPO or deploy the GPO export')
            } else {
                $Prior.Done[$n] = $true
                if (@($r.Changed).Count -gt 0) { Add-Result $n 'done' ('set ' + (@($r.Changed) -join ', ')) }
                else { Add-Result $n 'already in place' $what }
            }
        }
        # The record of this batch's prior values, written once for the batch.
        Save-Prior
    }
}
",
    );
    undo.push_str(
        r"$RollbackBlock = {
    param($Before, [hashtable]$Values)
    $ErrorActionPreference = 'Stop'
    $changed = @()
    foreach ($p in $Before.PSObject.Properties) {
        $n = $p.Name
        $key = $Values[$n].Key
        $item = Get-ItemProperty -LiteralPath $key -Name $n -ErrorAction SilentlyContinue
        $now = if ($null -eq $item) { $null } else { $item.$n }
        if ($null -eq $p.Value) {
            if ($null -ne $now) {
                Remove-ItemProperty -LiteralPath $key -Name $n
                $changed += $n
            }
        } elseif ($now -ne $p.Value) {
            if (-not (Test-Path -LiteralPath $key)) { New-Item -Path $key -Force | Out-Null }
            New-ItemProperty -LiteralPath $key -Name $n -PropertyType DWord -Value ([int]$p.Value) -Force | Out-Null
            $changed += $n
        }
    }
    [pscustomobject]@{ Changed = $changed }
}
# Hosts whose recorded values are the same are restored together, a batch at a time.
$restore = [ordered]@{}
foreach ($g in $HostGroups) {
    foreach ($n in $g.Hosts) {
        if (-not $Prior.Hosts.ContainsKey($n)) {
            Add-Result $n 'failed' ('no prior values recorded in {0}: check the host by hand' -f $PriorFile)
            continue
        }
        $before = $Prior.Hosts[$n]
        $what = ($before.PSObject.Properties | ForEach-Object { '{0} = {1}' -f $_.Name, $(if ($null -eq $_.Value) { '(absent)' } else { $_.Value }) }) -join ', '
        if (-not $PSCmdlet.ShouldProcess($n, ('restore {0}' -f $what))) { continue }
        if (-not $restore.Contains($what)) { $restore[$what] = [pscustomobject]@{ Before = $before; Hosts = [System.Collections.Generic.List[string]]::new() } }
        $restore[$what].Hosts.Add($n)
    }
}
foreach ($what in $restore.Keys) {
    $r = $restore[$what]
    for ($i = 0; $i -lt $r.Hosts.Count; $i += $BatchSize) {
        $batch = $r.Hosts.GetRange($i, [Math]::Min($BatchSize, $r.Hosts.Count - $i)).ToArray()
        $answers = Invoke-Fanout $batch $RollbackBlock @($r.Before, $Values)
        foreach ($n in $batch) {
            $a = $answers[$n]
            if ($null -ne $a.Error) {
                Add-Result $n $(if ($a.Unreachable) { 'unreachable' } else { 'failed' }) $a.Error
            } else {
                # Restored: a later apply run contacts the host again.
                [void]$Prior.Done.Remove($n)
                if (@($a.Result.Changed).Count -gt 0) { Add-Result $n 'done' ('restored ' + $what) }
                else { Add-Result $n 'already in place' $what }
            }
        }
        Save-Prior
    }
}
",
    );
}

/// Hosts grouped by the values they get, each group's FQDNs sorted; groups in order of their values.
fn host_groups(hosts: &[HostChange]) -> BTreeMap<&[Setting], Vec<&str>> {
    let mut out: BTreeMap<&[Setting], Vec<&str>> = BTreeMap::new();
    for h in hosts {
        out.entry(h.set.as_slice())
            .or_default()
            .push(h.fqdn.as_str());
    }
    out
}

/// The prior-record key of one account's membership in a host's Remote Desktop Users.
const PS_GRANT_KEY: &str = "function Get-GrantKey([string]$HostName, [string]$Member) { '{0}: Remote Desktop Users: {1}' -f $HostName, $Member }\n";

/// The grants of a stage with their accounts named: each distinct list of accounts once (on a large estate
/// thousands of targets share a few lists), and per target (FQDN) the index of its list. Linear in the targets
/// plus the accounts of the distinct lists.
struct MemberSets<'a> {
    sets: Vec<Vec<String>>,
    grants: Vec<(&'a str, usize)>,
}

fn member_sets<'a>(
    inv: &Inventory,
    grants: &'a [(String, Arc<[UserId]>)],
) -> Result<MemberSets<'a>, ScriptError> {
    let mut ids: HashMap<&[UserId], usize> = HashMap::new();
    let mut out = MemberSets {
        sets: Vec::new(),
        grants: Vec::with_capacity(grants.len()),
    };
    for (fqdn, users) in grants {
        let i = match ids.get(&users[..]) {
            Some(i) => *i,
            None => {
                let labels = users
                    .iter()
                    .map(|u| account_label(inv, *u))
                    .collect::<Result<Vec<_>, _>>()?;
                out.sets.push(labels);
                ids.insert(&users[..], out.sets.len() - 1);
                out.sets.len() - 1
            }
        };
        out.grants.push((fqdn.as_str(), i));
    }
    Ok(out)
}

fn ps_grants(apply: &mut String, undo: &mut String, m: &MemberSets) {
    let mut list = String::from("$MemberSets = @(\n");
    for members in &m.sets {
        let members: Vec<String> = members.iter().map(|m| ps_quote(m)).collect();
        let _ = writeln!(list, "    , @({})", members.join(", "));
    }
    list.push_str(")\n$Grants = @(\n");
    for (fqdn, set) in &m.grants {
        let _ = writeln!(
            list,
            "    @{{ Name = {}; Members = $MemberSets[{set}] }}",
            ps_quote(fqdn)
        );
    }
    list.push_str(")\n");
    list.push_str(PS_GRANT_KEY);
    apply.push_str(
        "\n# Remote Desktop Users (RDP-NO-RIGHT): the accounts each target refuses today join its local Remote Desktop\n\
         # Users, found by its well-known SID S-1-5-32-555 (its name is localised). Each account's prior membership\n\
         # is recorded; members already there are left as they are.\n",
    );
    undo.push_str(
        "\n# Remote Desktop Users: remove the accounts this stage added (those that were members before stay).\n",
    );
    apply.push_str(&list);
    undo.push_str(&list);
    apply.push_str(
        r"$GrantBlock = {
    param([string[]]$Members, [bool]$Change)
    $ErrorActionPreference = 'Stop'
    $group = Get-LocalGroup -SID 'S-1-5-32-555'
    $present = @(Get-LocalGroupMember -Group $group | ForEach-Object { $_.Name })
    $added = @()
    $problem = ''
    if ($Change) {
        try {
            foreach ($m in $Members) {
                if ($present -notcontains $m) {
                    Add-LocalGroupMember -Group $group -Member $m
                    $added += $m
                }
            }
        } catch {
            $problem = $_.Exception.Message
        }
    }
    [pscustomobject]@{ Present = $present; Added = $added; Problem = $problem }
}
foreach ($h in $Grants) {
    $what = 'add {0} to Remote Desktop Users' -f ($h.Members -join ', ')
    $change = $PSCmdlet.ShouldProcess($h.Name, $what)
    try {
        $r = Invoke-Command -ComputerName $h.Name -ScriptBlock $GrantBlock -ArgumentList $h.Members, $change
    } catch [System.Management.Automation.Remoting.PSRemotingTransportException] {
        Add-Result $h.Name 'unreachable' $_.Exception.Message
        continue
    } catch {
        Add-Result $h.Name 'failed' $_.Exception.Message
        continue
    }
    if (-not $change) { continue }
    foreach ($m in $h.Members) { Set-PriorOnce 'Users' (Get-GrantKey $h.Name $m) (@($r.Present) -contains $m) }
    if ($r.Problem) {
        Add-Result $h.Name 'failed' $r.Problem
    } elseif (@($r.Added).Count -gt 0) {
        Add-Result $h.Name 'done' ('added to Remote Desktop Users: ' + (@($r.Added) -join ', '))
    } else {
        Add-Result $h.Name 'already in place' 'every account is in Remote Desktop Users'
    }
}
",
    );
    undo.push_str(
        r"$UngrantBlock = {
    param([string[]]$Members)
    $ErrorActionPreference = 'Stop'
    $group = Get-LocalGroup -SID 'S-1-5-32-555'
    $present = @(Get-LocalGroupMember -Group $group | ForEach-Object { $_.Name })
    $removed = @()
    foreach ($m in $Members) {
        if ($present -contains $m) {
            Remove-LocalGroupMember -Group $group -Member $m
            $removed += $m
        }
    }
    [pscustomobject]@{ Removed = $removed }
}
foreach ($h in $Grants) {
    $unknown = @($h.Members | Where-Object { -not $Prior.Users.ContainsKey((Get-GrantKey $h.Name $_)) })
    if ($unknown.Count -gt 0) {
        Add-Result $h.Name 'failed' ('not recorded by the apply script, left alone: ' + ($unknown -join ', '))
    }
    $remove = @($h.Members | Where-Object { $Prior.Users.ContainsKey((Get-GrantKey $h.Name $_)) -and -not $Prior.Users[(Get-GrantKey $h.Name $_)] })
    if ($remove.Count -eq 0) {
        if ($unknown.Count -eq 0) { Add-Result $h.Name 'already in place' 'every account was a member before the stage: kept' }
        continue
    }
    if (-not $PSCmdlet.ShouldProcess($h.Name, ('remove {0} from Remote Desktop Users' -f ($remove -join ', ')))) { continue }
    try {
        $r = Invoke-Command -ComputerName $h.Name -ScriptBlock $UngrantBlock -ArgumentList (, [string[]]$remove)
    } catch [System.Management.Automation.Remoting.PSRemotingTransportException] {
        Add-Result $h.Name 'unreachable' $_.Exception.Message
        continue
    } catch {
        Add-Result $h.Name 'failed' $_.Exception.Message
        continue
    }
    if (@($r.Removed).Count -gt 0) {
        Add-Result $h.Name 'done' ('removed from Remote Desktop Users: ' + (@($r.Removed) -join ', '))
    } else {
        Add-Result $h.Name 'already in place' 'not members any more'
    }
}
",
    );
}

fn ps_leave(apply: &mut String, undo: &mut String, users: &[(&str, &str)]) {
    let list: String = users
        .iter()
        .map(|(n, d)| {
            format!(
                "    @{{ Sam = {}; Domain = {} }}\n",
                ps_quote(n),
                ps_quote(d)
            )
        })
        .collect();
    apply.push_str(
        "\n# Leave Protected Users (PU-SERVICE-ACCOUNT, PU-COMPUTER-ACCOUNT): service and computer accounts fail to\n\
         # authenticate there. Protected Users is found by its well-known RID 525. Only a direct membership is\n\
         # removed; an account that is in it through a nested group is reported.\n$Leave = @(\n",
    );
    undo.push_str(
        "\n# Leave Protected Users: put back the accounts this stage removed.\n$Leave = @(\n",
    );
    apply.push_str(&list);
    undo.push_str(&list);
    apply.push_str(
        r")
foreach ($u in $Leave) {
    $label = '{0}\{1}' -f $u.Domain, $u.Sam
    $sam = $u.Sam
    try {
        $domain = Get-ADDomain -Server $u.Domain
        $group = Get-ADGroup -Identity ('{0}-525' -f $domain.DomainSID) -Server $u.Domain -Properties 'member'
        $account = Get-ADObject -Filter 'sAMAccountName -eq $sam' -Server $u.Domain
    } catch [System.Security.Authentication.AuthenticationException], [Microsoft.ActiveDirectory.Management.ADServerDownException] {
        Add-Result $label 'unreachable' $_.Exception.Message
        continue
    } catch {
        Add-Result $label 'failed' $_.Exception.Message
        continue
    }
    if ($null -eq $account) {
        Add-Result $label 'failed' 'no such account'
        continue
    }
    $direct = @($group.member) -contains $account.DistinguishedName
    if (-not $direct) {
        Set-PriorOnce 'Users' $label $false
        Add-Result $label 'already in place' 'not a direct member of Protected Users (check the nested groups the finding names)'
        continue
    }
    if ($PSCmdlet.ShouldProcess($label, 'remove from Protected Users')) {
        Set-PriorOnce 'Users' $label $true
        try {
            Remove-ADGroupMember -Identity $group -Members $account.DistinguishedName -Server $u.Domain -Confirm:$false
            Add-Result $label 'done' 'removed from Protected Users'
        } catch {
            Add-Result $label 'failed' $_.Exception.Message
        }
    }
}
",
    );
    undo.push_str(
        r")
foreach ($u in $Leave) {
    $label = '{0}\{1}' -f $u.Domain, $u.Sam
    $sam = $u.Sam
    if (-not $Prior.Users.ContainsKey($label)) {
        Add-Result $label 'failed' 'not recorded by the apply script: left alone'
        continue
    }
    if (-not $Prior.Users[$label]) {
        Add-Result $label 'already in place' 'was not a direct member before the stage'
        continue
    }
    if (-not $PSCmdlet.ShouldProcess($label, 'add back to Protected Users')) { continue }
    try {
        $domain = Get-ADDomain -Server $u.Domain
        $group = Get-ADGroup -Identity ('{0}-525' -f $domain.DomainSID) -Server $u.Domain
        $account = Get-ADObject -Filter 'sAMAccountName -eq $sam' -Server $u.Domain
        Add-ADGroupMember -Identity $group -Members $account.DistinguishedName -Server $u.Domain
        Add-Result $label 'done' 'added back to Protected Users'
    } catch {
        Add-Result $label 'failed' $_.Exception.Message
    }
}
",
    );
}

fn ps_shortcuts(apply: &mut String, undo: &mut String, shortcuts: &[(String, Mode)]) {
    apply.push_str(
        "\n# Shortcuts: per-connection mstsc.exe switches, written to .\\guardplan-shortcuts for the pilot users.\n$Shortcuts = @(\n",
    );
    undo.push_str(
        "\n# Shortcuts: remove the ones this stage created (not those that existed before).\n$Shortcuts = @(\n",
    );
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
    if (-not $PSCmdlet.ShouldProcess($file, 'create shortcut')) { continue }
    try {
        $existed = Test-Path -LiteralPath $file
        Set-PriorOnce 'Files' $file $existed
        if ($existed) {
            Add-Result $file 'already in place' 'shortcut exists'
            continue
        }
        $lnk = $shell.CreateShortcut($file)
        $lnk.TargetPath = Join-Path -Path $env:SystemRoot -ChildPath 'System32\mstsc.exe'
        $lnk.Arguments = ('{0} /v:{1}' -f $s.Switch, $s.Target)
        $lnk.Save()
        Add-Result $file 'done' 'shortcut created'
    } catch {
        Add-Result $file 'failed' $_.Exception.Message
    }
}
",
    );
    undo.push_str(
        r")
$dir = Join-Path -Path (Get-Location) -ChildPath 'guardplan-shortcuts'
foreach ($s in $Shortcuts) {
    $file = Join-Path -Path $dir -ChildPath ('{0} ({1}).lnk' -f $s.Target, $s.Switch.TrimStart('/'))
    if (-not $Prior.Files.ContainsKey($file)) {
        Add-Result $file 'failed' 'not recorded by the apply script: left alone'
        continue
    }
    if ($Prior.Files[$file]) {
        Add-Result $file 'already in place' 'existed before the stage: kept'
        continue
    }
    if (-not (Test-Path -LiteralPath $file)) {
        Add-Result $file 'already in place' 'not there'
        continue
    }
    if ($PSCmdlet.ShouldProcess($file, 'remove shortcut')) {
        try {
            Remove-Item -LiteralPath $file
            Add-Result $file 'done' 'removed'
        } catch {
            Add-Result $file 'failed' $_.Exception.Message
        }
    }
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
        "\n# Users: Protected Users is found by its well-known RID 525 (its name is localised). An account is not\n\
         # enrolled when it has no AES keys: its msDS-SupportedEncryptionTypes excludes AES, or its password was last\n\
         # set before the domain had AES keys (before its Read-only Domain Controllers group, RID 521, was created\n\
         # with the first Windows Server 2008 domain controller): reset the password, then run this again.\n$Users = @(\n",
    );
    apply.push_str(&list);
    apply.push_str(
        r")
foreach ($u in $Users) {
    $label = '{0}\{1}' -f $u.Domain, $u.Name
    try {
        $domain = Get-ADDomain -Server $u.Domain
        $group = Get-ADGroup -Identity ('{0}-525' -f $domain.DomainSID) -Server $u.Domain
        $aesSince = (Get-ADGroup -Identity ('{0}-521' -f $domain.DomainSID) -Server $u.Domain -Properties whenCreated).whenCreated
        $account = Get-ADUser -Identity $u.Name -Server $u.Domain -Properties 'msDS-SupportedEncryptionTypes', 'PasswordLastSet', 'MemberOf'
    } catch [System.Security.Authentication.AuthenticationException], [Microsoft.ActiveDirectory.Management.ADServerDownException] {
        Add-Result $label 'unreachable' $_.Exception.Message
        continue
    } catch {
        Add-Result $label 'failed' $_.Exception.Message
        continue
    }
    $member = $account.MemberOf -contains $group.DistinguishedName
    Set-PriorOnce 'Users' $label $member
    if ($member) {
        Add-Result $label 'already in place' 'member of Protected Users'
        continue
    }
    $etypes = [int]$account.'msDS-SupportedEncryptionTypes'
    if ($etypes -ne 0 -and ($etypes -band 0x18) -eq 0) {
        Add-Result $label 'failed' ('no AES encryption types (msDS-SupportedEncryptionTypes = {0}): not enrolled' -f $etypes)
        continue
    }
    if ($null -eq $account.PasswordLastSet -or $account.PasswordLastSet -lt $aesSince) {
        Add-Result $label 'failed' ('password last set {0}, before the domain had AES keys ({1}): reset it, then enroll' -f $account.PasswordLastSet, $aesSince)
        continue
    }
    if ($PSCmdlet.ShouldProcess($label, 'add to Protected Users')) {
        try {
            Add-ADGroupMember -Identity $group -Members $account -Server $u.Domain
            Add-Result $label 'done' 'added to Protected Users'
        } catch {
            Add-Result $label 'failed' $_.Exception.Message
        }
    }
}
",
    );
    if watch {
        apply.push_str(
            r"
# Watch (Applications and Services Logs\Microsoft\Windows\Authentication): ProtectedUser-Client 104, 304 on
# devices; ProtectedUserFailures-DomainController 100 (NTLM) and 104 (DES/RC4); ProtectedUserSuccesses-
# DomainController 303 (TGT issued). These logs are off by default: this turns them on on the domain controllers
# of the domains above.
$Logs = @(
    'Microsoft-Windows-Authentication/ProtectedUserFailures-DomainController',
    'Microsoft-Windows-Authentication/ProtectedUserSuccesses-DomainController'
)
foreach ($d in ($Users | ForEach-Object { $_.Domain } | Sort-Object -Unique)) {
    try {
        $dcs = @(Get-ADDomainController -Filter * -Server $d)
    } catch {
        Add-Result $d 'unreachable' $_.Exception.Message
        continue
    }
    foreach ($dc in $dcs) {
        if (-not $PSCmdlet.ShouldProcess($dc.HostName, 'enable the Protected Users logs')) { continue }
        try {
            Invoke-Command -ComputerName $dc.HostName -ArgumentList (, $Logs) -ScriptBlock {
                param($Logs)
                foreach ($l in $Logs) {
                    wevtutil.exe set-log $l /enabled:true
                    if ($LASTEXITCODE -ne 0) { throw ('wevtutil failed for {0} ({1})' -f $l, $LASTEXITCODE) }
                }
            }
            Add-Result $dc.HostName 'done' 'Protected Users logs enabled'
        } catch [System.Management.Automation.Remoting.PSRemotingTransportException] {
            Add-Result $dc.HostName 'unreachable' $_.Exception.Message
        } catch {
            Add-Result $dc.HostName 'failed' $_.Exception.Message
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
        "\n# Users: remove from Protected Users the accounts this stage added (those that were members before stay).\n$Users = @(\n",
    );
    undo.push_str(&list);
    undo.push_str(
        r")
foreach ($u in $Users) {
    $label = '{0}\{1}' -f $u.Domain, $u.Name
    if (-not $Prior.Users.ContainsKey($label)) {
        Add-Result $label 'failed' 'not recorded by the apply script: left alone'
        continue
    }
    if ($Prior.Users[$label]) {
        Add-Result $label 'already in place' 'was a member before the stage: kept'
        continue
    }
    if (-not $PSCmdlet.ShouldProcess($label, 'remove from Protected Users')) { continue }
    try {
        $domain = Get-ADDomain -Server $u.Domain
        $group = Get-ADGroup -Identity ('{0}-525' -f $domain.DomainSID) -Server $u.Domain
        Remove-ADGroupMember -Identity $group -Members $u.Name -Server $u.Domain -Confirm:$false
        Add-Result $label 'done' 'removed from Protected Users'
    } catch {
        Add-Result $label 'failed' $_.Exception.Message
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
        .chunks(4)
        .map(|c| format!("  {}", c.join(", ")))
        .collect()
}

/// A `.reg` line setting a DWORD, or deleting the value (`None`).
fn reg_value(name: &str, v: Option<u32>) -> String {
    match v {
        Some(v) => format!("\"{name}\"=dword:{v:08x}\r\n"),
        None => format!("\"{name}\"=-\r\n"),
    }
}

/// The rollback `.reg` files of one set of values: one per distinct prior state the inventory records, so that
/// each file is exact for the hosts it lists.
fn reg_rollbacks(
    base: &str,
    suffix: &str,
    key: &str,
    groups: BTreeMap<Vec<(&'static str, Option<u32>)>, Vec<&str>>,
) -> Vec<ScriptFile> {
    let mut files = Vec::new();
    for (prior, list) in groups {
        let tag: Vec<String> = prior
            .iter()
            .map(|(n, v)| match v {
                Some(v) => format!("{n}={v}"),
                None => format!("no {n}"),
            })
            .collect();
        let mut head = vec![format!(
            "guardplan {base}: rollback for the hosts the inventory records with {}; import on these hosts:",
            tag.join(", ")
        )];
        head.extend(host_list(&list));
        head.push(format!(
            "Exact only if the inventory was right: {base}.rollback.ps1 restores what each host really had."
        ));
        let name = if prior.iter().all(|(_, v)| v.is_none()) {
            format!("{base}.{suffix}.rollback.reg")
        } else {
            let vals: Vec<String> = prior
                .iter()
                .filter_map(|(_, v)| v.map(|v| v.to_string()))
                .collect();
            format!("{base}.{suffix}.rollback-was-{}.reg", vals.join("-"))
        };
        let body: String = prior.iter().map(|(n, v)| reg_value(n, *v)).collect();
        files.push(ScriptFile {
            name,
            content: reg_file(&head, &format!("[{}]\r\n{body}", reg_key(key))),
        });
    }
    files
}

fn reg_targets(base: &str, inv: &Inventory, hosts: &[HostChange]) -> Vec<ScriptFile> {
    let mut files = Vec::new();
    for (suffix, value, key, data) in [
        (
            "targets-restricted-admin",
            "DisableRestrictedAdmin",
            LSA_KEY,
            0,
        ),
        (
            "targets-protected-creds",
            "AllowProtectedCreds",
            CRED_DELEGATION_KEY,
            1,
        ),
    ] {
        let mine: Vec<&HostChange> = hosts
            .iter()
            .filter(|h| h.set.iter().any(|s| s.0 == value))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let list: Vec<&str> = mine.iter().map(|h| h.fqdn.as_str()).collect();
        let mut head = vec![format!("guardplan {base}: import on these hosts:")];
        head.extend(host_list(&list));
        files.push(ScriptFile {
            name: format!("{base}.{suffix}.reg"),
            content: reg_file(
                &head,
                &format!("[{}]\r\n{}", reg_key(key), reg_value(value, Some(data))),
            ),
        });
        let mut groups: BTreeMap<Vec<(&'static str, Option<u32>)>, Vec<&str>> = BTreeMap::new();
        for h in mine {
            let host = &inv.hosts[h.id as usize];
            let prior = if value == "DisableRestrictedAdmin" {
                host.disable_restricted_admin
            } else {
                host.allow_protected_creds.then_some(1)
            };
            groups
                .entry(vec![(value, prior)])
                .or_default()
                .push(h.fqdn.as_str());
        }
        files.extend(reg_rollbacks(base, suffix, key, groups));
    }
    files
}

fn reg_clients(base: &str, inv: &Inventory, hosts: &[HostChange]) -> Vec<ScriptFile> {
    let mut files = Vec::new();
    let mut by_type: BTreeMap<u32, Vec<&HostChange>> = BTreeMap::new();
    for h in hosts {
        if let Some(t) = h.client {
            by_type.entry(t).or_default().push(h);
        }
    }
    for (t, mine) in by_type {
        let suffix = format!("clients-type{t}");
        let list: Vec<&str> = mine.iter().map(|h| h.fqdn.as_str()).collect();
        let mut head = vec![format!(
            "guardplan {base}: RestrictedRemoteAdministrationType {t}; import on these clients (where no GPO sets it):"
        )];
        head.extend(host_list(&list));
        files.push(ScriptFile {
            name: format!("{base}.{suffix}.reg"),
            content: reg_file(
                &head,
                &format!(
                    "[{}]\r\n{}{}",
                    reg_key(CRED_DELEGATION_KEY),
                    reg_value("RestrictedRemoteAdministration", Some(1)),
                    reg_value("RestrictedRemoteAdministrationType", Some(t))
                ),
            ),
        });
        let mut groups: BTreeMap<Vec<(&'static str, Option<u32>)>, Vec<&str>> = BTreeMap::new();
        for h in mine {
            let prior = actions::policy_type(inv.hosts[h.id as usize].client_policy);
            groups
                .entry(vec![
                    ("RestrictedRemoteAdministration", prior.map(|_| 1)),
                    ("RestrictedRemoteAdministrationType", prior),
                ])
                .or_default()
                .push(h.fqdn.as_str());
        }
        files.extend(reg_rollbacks(base, &suffix, CRED_DELEGATION_KEY, groups));
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
    write_script_files(stage_scripts(ws)?, dir)
}

/// Writes scripts [`stage_scripts`] generated into `dir`, as [`write_scripts`] does.
pub fn write_script_files(files: Vec<ScriptFile>, dir: &Path) -> Result<Vec<PathBuf>, ScriptError> {
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
