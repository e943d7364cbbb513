//! Group Policy export: per stage, per domain and per policy, a GPO backup that `Import-GPO` accepts, and the
//! scripts that import it, create the stage's computer group, limit the GPO to that group and link it.
//!
//! Layout of the output directory (`ID` is the backup's GUID):
//!
//! ```text
//! manifest.xml                                   every backup, for Import-GPO -BackupGpoName and GPMC
//! {ID}/Backup.xml, {ID}/bkupInfo.xml
//! {ID}/DomainSysvol/GPO/Machine/registry.pol     administrative-template policies (PReg)
//! {ID}/DomainSysvol/GPO/Machine/Preferences/Registry/Registry.xml   DisableRestrictedAdmin (no template)
//! NN-STAGE.gpo.ps1, NN-STAGE.gpo.rollback.ps1    import, group, security filtering, link; and their undoing
//! ```
//!
//! A computer takes one `RestrictedRemoteAdministrationType`, so a stage whose clients need different types
//! gets one GPO (and one group) per type; likewise targets get one GPO per set of values they lack
//! (`targets`, `targets-restrictedadmin`, `targets-protectedcreds`), so that a GPO sets a value only on the hosts
//! the plan and the scripts set it on. GPOs live in one domain: a stage spanning domains gets one per domain.
//! Entra-joined and workgroup devices get no GPO (see [`super::intune`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use uuid::Uuid;

use crate::inventory::{DomainId, Inventory, JoinType};
use crate::names;

use super::actions::{self, Action};
use super::artefact::{Artefact, PS_RESULTS, PS_SUMMARY, domain_dn, host_fqdn, xml_escape};
use super::preg::{self, PolData, PolEntry};
use super::scripts::{ScriptError, invalid, ps_quote};
use super::workspace::Workspace;

/// The key of the Credentials Delegation policies, below `HKEY_LOCAL_MACHINE`.
pub const POLICY_KEY: &str = r"Software\Policies\Microsoft\Windows\CredentialsDelegation";
/// The key of `DisableRestrictedAdmin`, below `HKEY_LOCAL_MACHINE`.
pub const LSA_SUBKEY: &str = r"SYSTEM\CurrentControlSet\Control\Lsa";

/// Client-side extension and snap-in GUIDs of administrative templates (registry.pol).
const CSE_REGISTRY: &str = "{35378EAC-683F-11D2-A89A-00C04FBBCFA2}";
const TOOL_REGISTRY: &str = "{D02B1F72-3407-48AE-BA88-E8213C6761F1}";
/// Group Policy Preferences: the Registry client-side extension, its tool, and the preferences root.
const CSE_GPP_REGISTRY: &str = "{B087BE9D-ED37-454F-AF9C-04291E351182}";
const TOOL_GPP_REGISTRY: &str = "{BEE07A6A-EC9F-4659-B8C9-0B1937907C83}";
const GPP_ROOT: &str = "{00000000-0000-0000-0000-000000000000}";
/// The extension under which GPMC's Backup.xml lists preference files and folders.
const CSE_UNKNOWN: &str = "{F15C46CD-82A0-4C2D-A210-5D0D3182A418}";
/// The namespace of manifest.xml and bkupInfo.xml.
const MANIFEST_NS: &str = "http://www.microsoft.com/GroupPolicy/GPOOperations/Manifest";

/// What one GPO sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GpoKind {
    /// Targets: `DisableRestrictedAdmin` = 0 (preference) and/or `AllowProtectedCreds` = 1 (template).
    Targets {
        /// Set `DisableRestrictedAdmin` = 0.
        restricted_admin: bool,
        /// Set `AllowProtectedCreds` = 1.
        protected_creds: bool,
    },
    /// Clients: "Restrict delegation of credentials to remote servers" with this type (1, 2 or 3).
    Clients(u32),
}

/// One GPO of the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gpo {
    /// 1-based stage number and the stage's name.
    pub stage: (usize, String),
    /// The domain it lives in (DNS name).
    pub domain: String,
    /// What it sets.
    pub kind: GpoKind,
    /// Display name.
    pub name: String,
    /// The computer group its security filtering names.
    pub group: String,
    /// The GPO's GUID in the backup (name-based: plan, stage, domain, kind).
    pub gpo_id: Uuid,
    /// The backup's GUID (`Import-GPO -BackupId`).
    pub backup_id: Uuid,
    /// The hosts it applies to: NetBIOS name and FQDN, sorted.
    pub hosts: Vec<(String, String)>,
    /// Whether the plan's operators administer its domain (`administered`); others hand it to that domain's.
    pub administered: bool,
}

/// A host's NetBIOS name and FQDN.
type Named = (String, String);

fn braced(u: &Uuid) -> String {
    format!("{{{}}}", u.hyphenated().to_string().to_uppercase())
}

impl GpoKind {
    fn slug(self) -> String {
        match self {
            GpoKind::Targets {
                restricted_admin: true,
                protected_creds: true,
            } => "targets".into(),
            GpoKind::Targets {
                restricted_admin: true,
                ..
            } => "targets-restrictedadmin".into(),
            GpoKind::Targets { .. } => "targets-protectedcreds".into(),
            GpoKind::Clients(t) => format!("clients-type{t}"),
        }
    }

    /// The registry.pol records.
    pub fn policies(self) -> Vec<PolEntry> {
        let e = |value: &str, v: u32| PolEntry {
            key: POLICY_KEY.into(),
            value: value.into(),
            data: PolData::Dword(v),
        };
        match self {
            GpoKind::Targets {
                protected_creds: true,
                ..
            } => vec![e("AllowProtectedCreds", 1)],
            GpoKind::Targets { .. } => Vec::new(),
            GpoKind::Clients(t) => vec![
                e("RestrictedRemoteAdministration", 1),
                e("RestrictedRemoteAdministrationType", t),
            ],
        }
    }

    fn preference(self) -> bool {
        matches!(
            self,
            GpoKind::Targets {
                restricted_admin: true,
                ..
            }
        )
    }
}

/// The GPOs of a plan, in stage order, then domain, then kind. `plan_name` (an identifier, e.g. the plan
/// file's name up to its first dot) makes names and GUIDs distinct between plans.
pub fn gpos(ws: &Workspace, plan_name: &str) -> Result<Vec<Gpo>, ScriptError> {
    names::identifier(plan_name).map_err(|why| invalid("plan", plan_name, why))?;
    let inv = &ws.inventory;
    let mut out = Vec::new();
    for (s, st) in ws.plan.stages.iter().enumerate() {
        names::identifier(&st.name).map_err(|why| invalid("stage", &st.name, why))?;
        // A targets GPO sets exactly what its hosts need: a value a host already has is not set by policy, so
        // that neither the GPO nor its removal changes it, and the GPO agrees with the scripts host by host.
        let mut by: BTreeMap<(DomainId, GpoKind), Vec<Named>> = BTreeMap::new();
        for a in &ws.assessment().stages[s].actions {
            let (h, kind) = match a {
                Action::EnableTarget {
                    host,
                    restricted_admin,
                    protected_creds,
                } => (
                    *host,
                    GpoKind::Targets {
                        restricted_admin: *restricted_admin,
                        protected_creds: *protected_creds,
                    },
                ),
                Action::ClientPolicy { host, policy } => match actions::policy_type(*policy) {
                    Some(t) => (*host, GpoKind::Clients(t)),
                    None => continue,
                },
                _ => continue,
            };
            let host = &inv.hosts[h as usize];
            let Some(d) = host.domain.filter(|_| gpo_managed(host.join)) else {
                continue;
            };
            let (name, fqdn) = host_fqdn(inv, h)?;
            by.entry((d, kind))
                .or_default()
                .push((name.to_string(), fqdn));
        }
        for ((d, kind), mut hosts) in by {
            hosts.sort();
            hosts.dedup();
            let domain = inv.domains[d as usize].dns.clone();
            names::dns_name(&domain).map_err(|why| invalid("domain", &domain, why))?;
            let slug = kind.slug();
            let group = format!("{plan_name}-{}-{slug}", st.name);
            if group.chars().count() > 64 {
                return Err(invalid(
                    "stage",
                    &st.name,
                    format!("makes the group name `{group}` longer than 64 characters"),
                ));
            }
            let seed = format!("guardplan/{plan_name}/{}/{domain}/{slug}", st.name);
            out.push(Gpo {
                stage: (s + 1, st.name.clone()),
                name: format!("{plan_name} {:02}-{} {slug}", s + 1, st.name),
                group,
                gpo_id: Uuid::new_v5(&Uuid::NAMESPACE_URL, format!("{seed}/gpo").as_bytes()),
                backup_id: Uuid::new_v5(&Uuid::NAMESPACE_URL, format!("{seed}/backup").as_bytes()),
                domain,
                kind,
                hosts,
                administered: inv.domains[d as usize].administered,
            });
        }
    }
    Ok(out)
}

/// Whether Group Policy reaches a device of this join type (AD-joined and hybrid-joined ones).
pub fn gpo_managed(join: JoinType) -> bool {
    matches!(join, JoinType::Ad | JoinType::Hybrid)
}

fn cdata(s: &str) -> String {
    // Names are validated (no `]]>` can occur); the split keeps any text safe all the same.
    format!("<![CDATA[{}]]>", s.replace("]]>", "]]]]><![CDATA[>"))
}

fn backup_inst(g: &Gpo) -> String {
    format!(
        "<BackupInst xmlns=\"{MANIFEST_NS}\"><GPOGuid>{}</GPOGuid><GPODomain>{}</GPODomain><GPODomainGuid>{}</GPODomainGuid><GPODomainController>{}</GPODomainController><BackupTime>{}</BackupTime><ID>{}</ID><Comment>{}</Comment><GPODisplayName>{}</GPODisplayName></BackupInst>",
        cdata(&braced(&g.gpo_id)),
        cdata(&g.domain),
        cdata(""),
        cdata(""),
        // A fixed time keeps the export byte-identical between runs; GPMC shows it as the backup's date.
        cdata("2000-01-01T00:00:00"),
        cdata(&braced(&g.backup_id)),
        cdata(&format!(
            "Generated by guardplan for stage {:02}-{}",
            g.stage.0, g.stage.1
        )),
        cdata(&g.name)
    )
}

/// The manifest as GPMC writes it: no declaration, one line, the `mfst` namespace declared beside the default.
fn manifest(gpos: &[Gpo]) -> String {
    let mut s = format!(
        "<Backups xmlns=\"{MANIFEST_NS}\" xmlns:mfst=\"{MANIFEST_NS}\" mfst:version=\"1.0\">"
    );
    for g in gpos {
        s.push_str(&backup_inst(g).replace(&format!(" xmlns=\"{MANIFEST_NS}\""), ""));
    }
    s.push_str("</Backups>\r\n");
    s
}

/// A Group Policy Preferences file of a GPO: its folder below `Machine\Preferences` (the file is `FOLDER.xml`
/// in it), the client-side extension and snap-in that read it, and its text.
struct Preference {
    folder: &'static str,
    cse: &'static str,
    tool: &'static str,
    xml: String,
}

/// The preference files of a GPO.
fn preferences(g: &Gpo) -> Vec<Preference> {
    let mut out = Vec::new();
    if g.kind.preference() {
        out.push(Preference {
            folder: "Registry",
            cse: CSE_GPP_REGISTRY,
            tool: TOOL_GPP_REGISTRY,
            xml: preferences_xml(g),
        });
    }
    out
}

/// `MachineExtensionGuids`: the preferences root with every preference snap-in, then each extension with its
/// snap-in, sorted by extension GUID as GPMC keeps them.
fn extension_guids(pol: bool, prefs: &[Preference]) -> String {
    let mut pairs: Vec<(&str, &str)> = prefs.iter().map(|p| (p.cse, p.tool)).collect();
    if pol {
        pairs.push((CSE_REGISTRY, TOOL_REGISTRY));
    }
    pairs.sort();
    let mut ext = String::new();
    if !prefs.is_empty() {
        let mut tools: Vec<&str> = prefs.iter().map(|p| p.tool).collect();
        tools.sort();
        tools.dedup();
        let _ = write!(ext, "[{GPP_ROOT}{}]", tools.concat());
    }
    for (cse, tool) in pairs {
        let _ = write!(ext, "[{cse}{tool}]");
    }
    ext
}

/// One `FSObjectFile` or `FSObjectDir` of Backup.xml, for a path below the GPO's `Machine` folder.
fn fs_object(element: &str, sysvol: &str, rel: &str) -> String {
    let rel = xml_escape(rel);
    format!(
        "<{element} bkp:Path=\"%GPO_MACH_FSPATH%\\{rel}\" bkp:SourceExpandedPath=\"{sysvol}\\Machine\\{rel}\" bkp:Location=\"DomainSysvol\\GPO\\Machine\\{rel}\"/>"
    )
}

fn backup_xml(g: &Gpo, prefs: &[Preference]) -> String {
    let id = braced(&g.gpo_id);
    let pol = !g.kind.policies().is_empty();
    // Where the GPO's files live in SYSVOL: GPMC records it for every file it backs up.
    let sysvol = xml_escape(&format!(r"\\{0}\sysvol\{0}\Policies\{id}", g.domain));
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<GroupPolicyBackupScheme bkp:version=\"2.0\" bkp:type=\"GroupPolicyBackupTemplate\" xmlns:bkp=\"http://www.microsoft.com/GroupPolicy/GPOOperations\" xmlns=\"http://www.microsoft.com/GroupPolicy/GPOOperations\">\r\n  <GroupPolicyObject><SecurityGroups/><FilePaths/><GroupPolicyCoreSettings><ID>{}</ID><Domain>{}</Domain><SecurityDescriptor/><DisplayName>{}</DisplayName><Options>{}</Options><UserVersionNumber>{}</UserVersionNumber><MachineVersionNumber>{}</MachineVersionNumber><MachineExtensionGuids>{}</MachineExtensionGuids><UserExtensionGuids/><WMIFilter/></GroupPolicyCoreSettings>\r\n",
        cdata(&id),
        cdata(&g.domain),
        cdata(&g.name),
        cdata("0"),
        cdata("0"),
        cdata("1"),
        cdata(&extension_guids(pol, prefs))
    );
    if pol {
        let _ = write!(
            s,
            "    <GroupPolicyExtension bkp:ID=\"{CSE_REGISTRY}\" bkp:DescName=\"Registry\">{}<FSObjectFile bkp:Path=\"%GPO_FSPATH%\\Adm\\*.*\" bkp:SourceExpandedPath=\"{sysvol}\\Adm\\*.*\"/></GroupPolicyExtension>\r\n",
            fs_object("FSObjectFile", &sysvol, "registry.pol")
        );
    }
    if !prefs.is_empty() {
        // GPMC lists preference files under this extension, each folder before the files in it.
        let _ = write!(
            s,
            "    <GroupPolicyExtension bkp:ID=\"{CSE_UNKNOWN}\" bkp:DescName=\"Unknown Extension\">{}",
            fs_object("FSObjectDir", &sysvol, "Preferences")
        );
        for p in prefs {
            let dir = format!(r"Preferences\{}", p.folder);
            s.push_str(&fs_object("FSObjectDir", &sysvol, &dir));
            s.push_str(&fs_object(
                "FSObjectFile",
                &sysvol,
                &format!(r"{dir}\{}.xml", p.folder),
            ));
        }
        s.push_str("</GroupPolicyExtension>\r\n");
    }
    s.push_str("  </GroupPolicyObject>\r\n</GroupPolicyBackupScheme>\r\n");
    s
}

fn preferences_xml(g: &Gpo) -> String {
    let uid = Uuid::new_v5(&g.gpo_id, b"DisableRestrictedAdmin");
    // "Remove this item when it is no longer applied" makes GPMC write a Replace item.
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<RegistrySettings clsid=\"{{A3CCFC41-DFDB-43a5-8D26-0FE8B954DA51}}\"><Registry clsid=\"{{9CD4B2F4-923D-47f5-A062-E897DD1DAD50}}\" name=\"DisableRestrictedAdmin\" status=\"DisableRestrictedAdmin\" image=\"12\" changed=\"2000-01-01 00:00:00\" uid=\"{}\" removePolicy=\"1\" desc=\"{}\"><Properties action=\"R\" displayDecimal=\"1\" default=\"0\" hive=\"HKEY_LOCAL_MACHINE\" key=\"{}\" name=\"DisableRestrictedAdmin\" type=\"REG_DWORD\" value=\"00000000\"/></Registry>\r\n</RegistrySettings>\r\n",
        braced(&uid),
        xml_escape(
            "Allows Restricted Admin and Remote Credential Guard connections to this host; removed when the GPO no longer applies"
        ),
        xml_escape(LSA_SUBKEY)
    )
}

/// Every file of the Group Policy export: backups, manifest and per-stage scripts, sorted by path.
pub fn gpo_export(ws: &Workspace, plan_name: &str) -> Result<Vec<Artefact>, ScriptError> {
    let list = gpos(ws, plan_name)?;
    let mut files = Vec::new();
    for g in &list {
        let dir = braced(&g.backup_id);
        let prefs = preferences(g);
        files.push(Artefact::text(
            format!("{dir}/Backup.xml"),
            backup_xml(g, &prefs),
        ));
        files.push(Artefact::text(
            format!("{dir}/bkupInfo.xml"),
            format!("{}\r\n", backup_inst(g)),
        ));
        let pol = g.kind.policies();
        if !pol.is_empty() {
            files.push(Artefact {
                path: format!("{dir}/DomainSysvol/GPO/Machine/registry.pol"),
                bytes: preg::write(&pol),
            });
        }
        for p in prefs {
            files.push(Artefact::text(
                format!(
                    "{dir}/DomainSysvol/GPO/Machine/Preferences/{0}/{0}.xml",
                    p.folder
                ),
                p.xml,
            ));
        }
    }
    if !list.is_empty() {
        files.push(Artefact::text("manifest.xml", manifest(&list)));
    }
    let mut stages: Vec<&(usize, String)> = list.iter().map(|g| &g.stage).collect();
    stages.dedup();
    for st in stages {
        let mine: Vec<&Gpo> = list.iter().filter(|g| &g.stage == st).collect();
        let base = format!("{:02}-{}", st.0, st.1);
        files.push(Artefact::text(
            format!("{base}.gpo.ps1"),
            deploy_script(&base, &mine, false),
        ));
        files.push(Artefact::text(
            format!("{base}.gpo.rollback.ps1"),
            deploy_script(&base, &mine, true),
        ));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn describe(kind: GpoKind) -> String {
    match kind {
        GpoKind::Targets {
            restricted_admin,
            protected_creds,
        } => {
            let mut v = Vec::new();
            if restricted_admin {
                v.push(format!(
                    "preference HKEY_LOCAL_MACHINE\\{LSA_SUBKEY} DisableRestrictedAdmin = 0"
                ));
            }
            if protected_creds {
                v.push(
                    "\"Remote host allows delegation of non-exportable credentials\" = Enabled"
                        .into(),
                );
            }
            v.join("; ")
        }
        GpoKind::Clients(t) => format!(
            "\"Restrict delegation of credentials to remote servers\" = Enabled, mode {t} ({})",
            match t {
                1 => "Require Restricted Admin",
                2 => "Require Remote Credential Guard",
                _ => "Restrict Credential Delegation",
            }
        ),
    }
}

fn deploy_script(base: &str, gpos: &[&Gpo], rollback: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# guardplan stage {base}: Group Policy {}.",
        if rollback { "rollback" } else { "deployment" }
    );
    s.push_str(
        "# Where: a domain-joined management host with RSAT (Active Directory module and Group Policy Management).\n\
         # Rights: Domain Admins of each domain below, or rights delegated to create and link GPOs and to manage\n\
         # the groups. Run with -WhatIf first; the summary at the end lists every GPO and host, and the exit code\n\
         # is 1 when anything failed.\n",
    );
    if rollback {
        let _ = writeln!(
            s,
            "# What: unlinks each GPO of the stage and takes the stage's hosts out of its group. The GPOs and groups\n\
             # stay (delete them by hand once the stage is abandoned). Preferences are marked \"remove when no longer\n\
             # applied\": DisableRestrictedAdmin is removed at the next refresh (Restricted Admin off, as before), and\n\
             # the administrative-template values go with the GPO. Undoes {base}.gpo.ps1."
        );
    } else {
        let _ = writeln!(
            s,
            "# What: imports each GPO from the backup beside this script (Import-GPO -CreateIfNeeded), creates its\n\
             # computer group, puts the stage's hosts in it, limits the GPO to that group (security filtering; the\n\
             # Authenticated Users keep Read, which computers need) and links it to the OUs given with -LinkTo that\n\
             # are in its domain, else to the domain. Moving a host between stages is one group change.\n\
             # A host applies the GPO once it knows its new group: after a restart (or `klist -li 0x3e7 purge`)\n\
             # and the next Group Policy refresh (`gpupdate /force`). Rollback: {base}.gpo.rollback.ps1."
        );
    }
    s.push_str("#Requires -Version 5.1\n#Requires -Modules ActiveDirectory, GroupPolicy\n");
    s.push_str(
        "[CmdletBinding(SupportsShouldProcess)]\nparam(\n    # Distinguished names of the OUs to link to; a GPO is linked to those in its own domain, else to the domain.\n    [string[]]$LinkTo = @()\n)\nSet-StrictMode -Version Latest\n$ErrorActionPreference = 'Stop'\n\n",
    );
    for g in gpos {
        let _ = writeln!(s, "# {} ({}): {}", g.name, g.domain, describe(g.kind));
        if !g.administered {
            let _ = writeln!(
                s,
                "#   {} is not administered here (administered = false): hand this GPO's backup and lines to its administrators.",
                g.domain
            );
        }
    }
    s.push_str("$Gpos = @(\n");
    for g in gpos {
        let hosts: Vec<String> = g.hosts.iter().map(|(n, _)| ps_quote(n)).collect();
        let _ = writeln!(
            s,
            "    @{{ Domain = {}; DomainDN = {}; Name = {}; BackupId = {}; Group = {}; Hosts = @({}) }}",
            ps_quote(&g.domain),
            ps_quote(&domain_dn(&g.domain)),
            ps_quote(&g.name),
            ps_quote(&braced(&g.backup_id)),
            ps_quote(&g.group),
            hosts.join(", ")
        );
    }
    s.push_str(")\n");
    s.push_str(PS_RESULTS);
    s.push_str(
        r"function Get-LinkTarget($g) {
    $mine = @($LinkTo | Where-Object { ((($_ -split ',') | ForEach-Object { $_.Trim() } | Where-Object { $_ -like 'DC=*' }) -join ',') -eq $g.DomainDN })
    if ($mine.Count -gt 0) { return $mine }
    return @($g.DomainDN)
}
",
    );
    if rollback {
        s.push_str(
            r"foreach ($g in $Gpos) {
    try {
        $gpo = Get-GPO -Name $g.Name -Domain $g.Domain
    } catch {
        Add-Result $g.Name 'already in place' ('no GPO of that name in {0}' -f $g.Domain)
        continue
    }
    foreach ($target in (Get-LinkTarget $g)) {
        try {
            $linked = @((Get-GPInheritance -Target $target -Domain $g.Domain).GpoLinks | Where-Object { $_.GpoId -eq $gpo.Id })
            if ($linked.Count -eq 0) {
                Add-Result ('{0} -> {1}' -f $g.Name, $target) 'already in place' 'not linked'
            } elseif ($PSCmdlet.ShouldProcess($target, ('unlink {0}' -f $g.Name))) {
                Remove-GPLink -Guid $gpo.Id -Target $target -Domain $g.Domain | Out-Null
                Add-Result ('{0} -> {1}' -f $g.Name, $target) 'done' 'unlinked'
            }
        } catch {
            Add-Result ('{0} -> {1}' -f $g.Name, $target) 'failed' $_.Exception.Message
        }
    }
    foreach ($h in $g.Hosts) {
        try {
            $group = Get-ADGroup -Identity $g.Group -Server $g.Domain
            $computer = Get-ADComputer -Identity ($h + '$') -Server $g.Domain -Properties MemberOf
            if ($computer.MemberOf -notcontains $group.DistinguishedName) {
                Add-Result $h 'already in place' ('not in {0}' -f $g.Group)
            } elseif ($PSCmdlet.ShouldProcess($h, ('remove from {0}' -f $g.Group))) {
                Remove-ADGroupMember -Identity $group -Members $computer -Server $g.Domain -Confirm:$false
                Add-Result $h 'done' ('removed from {0}' -f $g.Group)
            }
        } catch {
            Add-Result $h 'failed' $_.Exception.Message
        }
    }
}
",
        );
    } else {
        s.push_str(
            r"# Computers read a GPO through Authenticated Users (S-1-5-11; its name is localised).
$authenticatedUsers = ([System.Security.Principal.SecurityIdentifier]'S-1-5-11').Translate([System.Security.Principal.NTAccount]).Value.Split('\')[-1]
foreach ($g in $Gpos) {
    if (-not $PSCmdlet.ShouldProcess(('{0} in {1}' -f $g.Name, $g.Domain), 'import, filter to its group and link')) { continue }
    try {
        $gpo = Import-GPO -BackupId $g.BackupId -Path $PSScriptRoot -TargetName $g.Name -CreateIfNeeded -Domain $g.Domain
        try {
            $group = Get-ADGroup -Identity $g.Group -Server $g.Domain
        } catch [Microsoft.ActiveDirectory.Management.ADIdentityNotFoundException] {
            $group = New-ADGroup -Name $g.Group -SamAccountName $g.Group -GroupScope Global -GroupCategory Security -Description ('Computers of {0}' -f $g.Name) -Server $g.Domain -PassThru
        }
        Set-GPPermission -Guid $gpo.Id -Domain $g.Domain -TargetName $g.Group -TargetType Group -PermissionLevel GpoApply | Out-Null
        Set-GPPermission -Guid $gpo.Id -Domain $g.Domain -TargetName $authenticatedUsers -TargetType Group -PermissionLevel GpoRead -Replace | Out-Null
        Add-Result $g.Name 'done' ('imported into {0}, applies to {1}' -f $g.Domain, $g.Group)
    } catch {
        Add-Result $g.Name 'failed' $_.Exception.Message
        continue
    }
    foreach ($target in (Get-LinkTarget $g)) {
        try {
            $linked = @((Get-GPInheritance -Target $target -Domain $g.Domain).GpoLinks | Where-Object { $_.GpoId -eq $gpo.Id })
            if ($linked.Count -gt 0) {
                Add-Result ('{0} -> {1}' -f $g.Name, $target) 'already in place' 'linked'
            } else {
                New-GPLink -Guid $gpo.Id -Target $target -Domain $g.Domain -LinkEnabled Yes | Out-Null
                Add-Result ('{0} -> {1}' -f $g.Name, $target) 'done' 'linked'
            }
        } catch {
            Add-Result ('{0} -> {1}' -f $g.Name, $target) 'failed' $_.Exception.Message
        }
    }
    foreach ($h in $g.Hosts) {
        try {
            $computer = Get-ADComputer -Identity ($h + '$') -Server $g.Domain -Properties MemberOf
            if ($computer.MemberOf -contains $group.DistinguishedName) {
                Add-Result $h 'already in place' ('in {0}' -f $g.Group)
            } else {
                Add-ADGroupMember -Identity $group -Members $computer -Server $g.Domain
                Add-Result $h 'done' ('added to {0}' -f $g.Group)
            }
        } catch {
            Add-Result $h 'failed' $_.Exception.Message
        }
    }
}
",
        );
    }
    s.push_str(PS_SUMMARY);
    s
}

/// The hosts of a list that Group Policy reaches, by id (for the other exports' "managed elsewhere" notes).
pub fn managed_by_gpo(inv: &Inventory, h: crate::inventory::HostId) -> bool {
    let host = &inv.hosts[h as usize];
    host.domain.is_some() && gpo_managed(host.join)
}
