//! Intune export: per stage and per policy, the JSON body of a settings-catalog policy
//! (`deviceManagement/configurationPolicies`), the Entra group it is assigned to, and scripts that create and
//! assign them through Microsoft Graph and put the stage's Entra-joined and hybrid devices in the group.
//!
//! `DisableRestrictedAdmin` has no Intune setting: Entra-joined devices cannot be Remote Credential Guard or
//! Restricted Admin targets (RCG-TARGET-ENTRA), and hybrid ones get it through Group Policy.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::inventory::JoinType;
use crate::names;

use super::actions::{self, Action};
use super::artefact::{Artefact, PS_RESULTS, PS_SUMMARY, host_fqdn};
use super::scripts::{ScriptError, invalid, ps_quote};
use super::workspace::Workspace;

/// Settings-catalog id of "Remote host allows delegation of non-exportable credentials" (Policy CSP
/// CredentialsDelegation/RemoteHostAllowsDelegationOfNonExportableCredentials).
pub const ALLOW_PROTECTED_CREDS: &str = "device_vendor_msft_policy_config_credentialsdelegation_remotehostallowsdelegationofnonexportablecredentials";
/// Settings-catalog id of "Restrict delegation of credentials to remote servers" (Policy CSP
/// ADMX_CredSsp/RestrictedRemoteAdministration).
pub const RESTRICT_DELEGATION: &str =
    "device_vendor_msft_policy_config_admx_credssp_restrictedremoteadministration";
/// Its child: the mode (`RestrictedRemoteAdministrationDrop`, values 1, 2, 3).
pub const RESTRICT_DELEGATION_MODE: &str = "device_vendor_msft_policy_config_admx_credssp_restrictedremoteadministration_restrictedremoteadministrationdrop";

/// What one policy sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum IntuneKind {
    /// Targets: "Remote host allows delegation of non-exportable credentials" = Enabled.
    Targets,
    /// Clients: "Restrict delegation of credentials to remote servers" = Enabled with this mode.
    Clients(u32),
}

impl IntuneKind {
    fn slug(self) -> String {
        match self {
            IntuneKind::Targets => "targets".into(),
            IntuneKind::Clients(t) => format!("clients-type{t}"),
        }
    }
}

/// Whether Intune manages a device of this join type (Entra-joined and hybrid-joined ones).
pub fn intune_managed(join: JoinType) -> bool {
    matches!(join, JoinType::Entra | JoinType::Hybrid)
}

fn choice(id: &str, value: String, children: Vec<Value>) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
        "settingDefinitionId": id,
        "choiceSettingValue": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
            "value": value,
            "children": children,
        },
    })
}

/// The settings-catalog policy body of one kind.
pub fn policy_body(name: &str, description: &str, kind: IntuneKind) -> Value {
    let instance = match kind {
        IntuneKind::Targets => choice(
            ALLOW_PROTECTED_CREDS,
            format!("{ALLOW_PROTECTED_CREDS}_1"),
            Vec::new(),
        ),
        IntuneKind::Clients(t) => choice(
            RESTRICT_DELEGATION,
            format!("{RESTRICT_DELEGATION}_1"),
            vec![choice(
                RESTRICT_DELEGATION_MODE,
                format!("{RESTRICT_DELEGATION_MODE}_{t}"),
                Vec::new(),
            )],
        ),
    };
    json!({
        "name": name,
        "description": description,
        "platforms": "windows10",
        "technologies": "mdm",
        "roleScopeTagIds": ["0"],
        "settings": [{
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
            "settingInstance": instance,
        }],
    })
}

struct Policy {
    slug: String,
    name: String,
    group: String,
    kind: IntuneKind,
    devices: Vec<String>,
}

fn pretty(v: &Value) -> String {
    // Keys in name order, whatever order serde_json keeps them in (a dependency asks for insertion order).
    let mut v = v.clone();
    v.sort_all_objects();
    crate::safe_text::json_pretty(&v)
}

/// Every file of the Intune export, sorted by path: per stage `NN-STAGE/KIND.policy.json` and
/// `KIND.group.json`, and `NN-STAGE.intune.ps1` with its rollback.
pub fn intune_export(ws: &Workspace, plan_name: &str) -> Result<Vec<Artefact>, ScriptError> {
    names::identifier(plan_name).map_err(|why| invalid("plan", plan_name, why))?;
    let inv = &ws.inventory;
    let mut files = Vec::new();
    for (s, st) in ws.plan.stages.iter().enumerate() {
        names::identifier(&st.name).map_err(|why| invalid("stage", &st.name, why))?;
        let mut by: BTreeMap<IntuneKind, Vec<String>> = BTreeMap::new();
        for a in &ws.assessment().stages[s].actions {
            let (h, kind) = match a {
                Action::EnableTarget {
                    host,
                    protected_creds: true,
                    ..
                } => (*host, IntuneKind::Targets),
                Action::ClientPolicy { host, policy } => match actions::policy_type(*policy) {
                    Some(t) => (*host, IntuneKind::Clients(t)),
                    None => continue,
                },
                _ => continue,
            };
            if !intune_managed(inv.hosts[h as usize].join) {
                continue;
            }
            // Entra device objects are named by the device's host name.
            let (name, _) = host_fqdn(inv, h)?;
            by.entry(kind).or_default().push(name.to_string());
        }
        if by.is_empty() {
            continue;
        }
        let base = format!("{:02}-{}", s + 1, st.name);
        let mut policies = Vec::new();
        for (kind, mut devices) in by {
            devices.sort();
            devices.dedup();
            let slug = kind.slug();
            let name = format!("{plan_name} {base} {slug}");
            let group = format!("{plan_name}-{}-{slug}", st.name);
            let what = match kind {
                IntuneKind::Targets => {
                    "Remote host allows delegation of non-exportable credentials = Enabled"
                        .to_string()
                }
                IntuneKind::Clients(t) => format!(
                    "Restrict delegation of credentials to remote servers = Enabled, mode {t}"
                ),
            };
            let description = format!("guardplan stage {base}: {what}; assigned to {group}");
            files.push(Artefact::text(
                format!("{base}/{slug}.policy.json"),
                pretty(&policy_body(&name, &description, kind)),
            ));
            files.push(Artefact::text(
                format!("{base}/{slug}.group.json"),
                pretty(&json!({
                    "displayName": group,
                    "description": format!("Devices of guardplan stage {base} ({slug})"),
                    "mailEnabled": false,
                    "mailNickname": group,
                    "securityEnabled": true,
                })),
            ));
            policies.push(Policy {
                slug,
                name,
                group,
                kind,
                devices,
            });
        }
        files.push(Artefact::text(
            format!("{base}.intune.ps1"),
            graph_script(&base, &policies, false),
        ));
        files.push(Artefact::text(
            format!("{base}.intune.rollback.ps1"),
            graph_script(&base, &policies, true),
        ));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn graph_script(base: &str, policies: &[Policy], rollback: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# guardplan stage {base}: Intune {}.\n\
         # Where: any host with PowerShell 7 or 5.1 and the Microsoft.Graph.Authentication module, signed in as an\n\
         # Intune Administrator (or a role with DeviceManagementConfiguration.ReadWrite.All) who may manage groups\n\
         # (Group.ReadWrite.All, Device.Read.All). Run with -WhatIf first; the summary at the end lists every\n\
         # policy and device, and the exit code is 1 when anything failed.",
        if rollback { "rollback" } else { "deployment" }
    );
    if rollback {
        let _ = writeln!(
            s,
            "# What: takes the stage's devices out of each policy's group, so that the policy no longer applies to\n\
             # them. The policies and groups stay (delete them in Intune once the stage is abandoned). Undoes\n\
             # {base}.intune.ps1."
        );
    } else {
        let _ = writeln!(
            s,
            "# What: checks that the settings exist in this tenant's settings catalog, creates each policy from the\n\
             # JSON beside this script and its Entra security group (unless one of that name exists), assigns the\n\
             # policy to the group and adds the stage's devices to it. Rollback: {base}.intune.rollback.ps1."
        );
    }
    s.push_str(
        "#Requires -Version 5.1\n#Requires -Modules Microsoft.Graph.Authentication\n[CmdletBinding(SupportsShouldProcess)]\nparam()\nSet-StrictMode -Version Latest\n$ErrorActionPreference = 'Stop'\n\n",
    );
    s.push_str("$Policies = @(\n");
    for p in policies {
        let devices: Vec<String> = p.devices.iter().map(|d| ps_quote(d)).collect();
        let settings = match p.kind {
            IntuneKind::Targets => vec![ALLOW_PROTECTED_CREDS],
            IntuneKind::Clients(_) => vec![RESTRICT_DELEGATION, RESTRICT_DELEGATION_MODE],
        };
        let settings: Vec<String> = settings.iter().map(|x| ps_quote(x)).collect();
        let _ = writeln!(
            s,
            "    @{{ Name = {}; Group = {}; Policy = {}; GroupBody = {}; Settings = @({}); Devices = @({}) }}",
            ps_quote(&p.name),
            ps_quote(&p.group),
            ps_quote(&format!("{base}/{}.policy.json", p.slug)),
            ps_quote(&format!("{base}/{}.group.json", p.slug)),
            settings.join(", "),
            devices.join(", ")
        );
    }
    s.push_str(")\n");
    s.push_str(PS_RESULTS);
    s.push_str(
        r#"$scopes = 'DeviceManagementConfiguration.ReadWrite.All', 'Group.ReadWrite.All', 'Device.Read.All'
Connect-MgGraph -Scopes $scopes -NoWelcome
function Get-All([string]$Uri) {
    $items = @()
    while ($Uri) {
        $page = Invoke-MgGraphRequest -Method GET -Uri $Uri -OutputType PSObject
        $items += @($page.value)
        $Uri = if ($page.PSObject.Properties['@odata.nextLink']) { $page.'@odata.nextLink' } else { $null }
    }
    return $items
}
function Get-Group([string]$Name) {
    $quoted = $Name.Replace("'", "''")
    return @(Get-All ('https://graph.microsoft.com/v1.0/groups?$filter=displayName eq ''{0}''&$select=id,displayName' -f $quoted))
}
function Get-Device([string]$Name) {
    $quoted = $Name.Replace("'", "''")
    return @(Get-All ('https://graph.microsoft.com/v1.0/devices?$filter=displayName eq ''{0}''&$select=id,displayName,trustType' -f $quoted))
}
"#,
    );
    if rollback {
        s.push_str(
            r"foreach ($p in $Policies) {
    $groups = Get-Group $p.Group
    if ($groups.Count -ne 1) {
        Add-Result $p.Group 'failed' ('{0} groups of that name' -f $groups.Count)
        continue
    }
    $members = @(Get-All ('https://graph.microsoft.com/v1.0/groups/{0}/members?$select=id' -f $groups[0].id) | ForEach-Object { $_.id })
    foreach ($d in $p.Devices) {
        try {
            $found = Get-Device $d
            if ($found.Count -ne 1) { Add-Result $d 'failed' ('{0} Entra devices of that name' -f $found.Count); continue }
            if ($members -notcontains $found[0].id) { Add-Result $d 'already in place' ('not in {0}' -f $p.Group); continue }
            if ($PSCmdlet.ShouldProcess($d, ('remove from {0}' -f $p.Group))) {
                Invoke-MgGraphRequest -Method DELETE -Uri ('https://graph.microsoft.com/v1.0/groups/{0}/members/{1}/$ref' -f $groups[0].id, $found[0].id) | Out-Null
                Add-Result $d 'done' ('removed from {0}' -f $p.Group)
            }
        } catch {
            Add-Result $d 'failed' $_.Exception.Message
        }
    }
}
",
        );
    } else {
        s.push_str(
            r"foreach ($p in $Policies) {
    if (-not $PSCmdlet.ShouldProcess($p.Name, ('create, assign to {0} and add {1} device(s)' -f $p.Group, $p.Devices.Count))) { continue }
    try {
        foreach ($id in $p.Settings) {
            Invoke-MgGraphRequest -Method GET -Uri ('https://graph.microsoft.com/beta/deviceManagement/configurationSettings/{0}' -f $id) | Out-Null
        }
        $groups = Get-Group $p.Group
        if ($groups.Count -gt 1) { throw ('{0} groups are named {1}' -f $groups.Count, $p.Group) }
        if ($groups.Count -eq 1) {
            $group = $groups[0]
            Add-Result $p.Group 'already in place' 'group exists'
        } else {
            $body = Get-Content -LiteralPath (Join-Path $PSScriptRoot $p.GroupBody) -Raw
            $group = Invoke-MgGraphRequest -Method POST -Uri 'https://graph.microsoft.com/v1.0/groups' -Body $body -ContentType 'application/json' -OutputType PSObject
            Add-Result $p.Group 'done' 'group created'
        }
        $existing = @(Get-All 'https://graph.microsoft.com/beta/deviceManagement/configurationPolicies?$select=id,name' | Where-Object { $_.name -eq $p.Name })
        if ($existing.Count -gt 0) {
            $policy = $existing[0]
            Add-Result $p.Name 'already in place' 'policy exists (not changed)'
        } else {
            $body = Get-Content -LiteralPath (Join-Path $PSScriptRoot $p.Policy) -Raw
            $policy = Invoke-MgGraphRequest -Method POST -Uri 'https://graph.microsoft.com/beta/deviceManagement/configurationPolicies' -Body $body -ContentType 'application/json' -OutputType PSObject
            Add-Result $p.Name 'done' 'policy created'
        }
        $assign = @{ assignments = @(@{ target = @{ '@odata.type' = '#microsoft.graph.groupAssignmentTarget'; groupId = $group.id } }) } | ConvertTo-Json -Depth 5
        Invoke-MgGraphRequest -Method POST -Uri ('https://graph.microsoft.com/beta/deviceManagement/configurationPolicies/{0}/assign' -f $policy.id) -Body $assign -ContentType 'application/json' | Out-Null
    } catch {
        Add-Result $p.Name 'failed' $_.Exception.Message
        continue
    }
    $members = @(Get-All ('https://graph.microsoft.com/v1.0/groups/{0}/members?$select=id' -f $group.id) | ForEach-Object { $_.id })
    foreach ($d in $p.Devices) {
        try {
            $found = Get-Device $d
            if ($found.Count -ne 1) { Add-Result $d 'failed' ('{0} Entra devices of that name' -f $found.Count); continue }
            if ($members -contains $found[0].id) { Add-Result $d 'already in place' ('in {0}' -f $p.Group); continue }
            $ref = @{ '@odata.id' = ('https://graph.microsoft.com/v1.0/directoryObjects/{0}' -f $found[0].id) } | ConvertTo-Json
            Invoke-MgGraphRequest -Method POST -Uri ('https://graph.microsoft.com/v1.0/groups/{0}/members/$ref' -f $group.id) -Body $ref -ContentType 'application/json' | Out-Null
            Add-Result $d 'done' ('added to {0}' -f $p.Group)
        } catch {
            Add-Result $d 'failed' $_.Exception.Message
        }
    }
}
",
        );
    }
    s.push_str(PS_SUMMARY);
    s
}
