//! Intune export: per stage and per policy, the JSON body of a settings-catalog policy
//! (`deviceManagement/configurationPolicies`), the Entra group it is assigned to, and scripts that create and
//! assign them through Microsoft Graph and put the stage's Entra-joined and hybrid devices in the group.
//!
//! `DisableRestrictedAdmin` has no settings-catalog setting (no CSP sets it): targets that lack it get it from an
//! Intune platform script (`deviceManagement/deviceManagementScripts`, run once as SYSTEM), assigned to its own
//! group. Entra-joined devices need it as Restricted Admin targets; hybrid ones get it from Group Policy as well.

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
    /// Targets: `DisableRestrictedAdmin` = 0, by a platform script.
    RestrictedAdmin,
    /// Clients: "Restrict delegation of credentials to remote servers" = Enabled with this mode.
    Clients(u32),
}

impl IntuneKind {
    fn slug(self) -> String {
        match self {
            IntuneKind::Targets => "targets".into(),
            IntuneKind::RestrictedAdmin => "targets-restrictedadmin".into(),
            IntuneKind::Clients(t) => format!("clients-type{t}"),
        }
    }
}

/// Whether Intune manages a device of this join type (Entra-joined and hybrid-joined ones).
pub fn intune_managed(join: JoinType) -> bool {
    matches!(join, JoinType::Entra | JoinType::Hybrid)
}

fn choice(id: &str, value: String, children: Vec<Value>) -> Value {
    // As Graph exports a settings-catalog policy: the template references are there, null outside a template.
    json!({
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
        "settingDefinitionId": id,
        "settingInstanceTemplateReference": null,
        "choiceSettingValue": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
            "settingValueTemplateReference": null,
            "value": value,
            "children": children,
        },
    })
}

/// The PowerShell a platform script runs on each device of its group: `DisableRestrictedAdmin` = 0.
pub const RESTRICTED_ADMIN_SCRIPT: &str = "# guardplan: allow Restricted Admin and Remote Credential Guard connections to this device.\r\n$key = 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Lsa'\r\nNew-ItemProperty -Path $key -Name 'DisableRestrictedAdmin' -PropertyType DWord -Value 0 -Force | Out-Null\r\n";

/// The body of one kind: a settings-catalog policy, or for [`IntuneKind::RestrictedAdmin`] a platform script.
pub fn policy_body(name: &str, description: &str, kind: IntuneKind) -> Value {
    let instance = match kind {
        IntuneKind::RestrictedAdmin => {
            use base64::Engine as _;
            return json!({
                "@odata.type": "#microsoft.graph.deviceManagementScript",
                "displayName": name,
                "description": description,
                "fileName": "guardplan-disable-restricted-admin.ps1",
                "scriptContent": base64::engine::general_purpose::STANDARD.encode(RESTRICTED_ADMIN_SCRIPT),
                "runAsAccount": "system",
                "enforceSignatureCheck": false,
                "runAs32Bit": false,
                "roleScopeTagIds": ["0"],
            });
        }
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
        "templateReference": {
            "templateId": "",
            "templateFamily": "none",
        },
        "settings": [{
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
            "id": "0",
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
            let (h, kinds) = match a {
                Action::EnableTarget {
                    host,
                    restricted_admin,
                    protected_creds,
                } => (
                    *host,
                    [
                        protected_creds.then_some(IntuneKind::Targets),
                        restricted_admin.then_some(IntuneKind::RestrictedAdmin),
                    ],
                ),
                Action::ClientPolicy { host, policy } => match actions::policy_type(*policy) {
                    Some(t) => (*host, [Some(IntuneKind::Clients(t)), None]),
                    None => continue,
                },
                _ => continue,
            };
            if !intune_managed(inv.hosts[h as usize].join) {
                continue;
            }
            // Entra device objects are named by the device's host name.
            let (name, _) = host_fqdn(inv, h)?;
            for kind in kinds.into_iter().flatten() {
                by.entry(kind).or_default().push(name.to_string());
            }
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
                IntuneKind::RestrictedAdmin => {
                    "platform script setting DisableRestrictedAdmin = 0".to_string()
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
             # them. The policies and groups stay (delete them in Intune once the stage is abandoned). A platform\n\
             # script has run once: DisableRestrictedAdmin stays 0 until removed on the device\n\
             # (Remove-ItemProperty HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Lsa DisableRestrictedAdmin). Undoes\n\
             # {base}.intune.ps1."
        );
    } else {
        let _ = writeln!(
            s,
            "# What: checks that the settings exist in this tenant's settings catalog, creates each policy from the\n\
             # JSON beside this script and its Entra security group (unless one of that name exists), assigns the\n\
             # policy to the group and adds the stage's devices to it. Devices are found and added through $batch,\n\
             # 20 requests at a time; throttled requests (429) are sent again after Retry-After.\n\
             # Rollback: {base}.intune.rollback.ps1."
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
            IntuneKind::RestrictedAdmin => Vec::new(),
            IntuneKind::Clients(_) => vec![RESTRICT_DELEGATION, RESTRICT_DELEGATION_MODE],
        };
        let settings: Vec<String> = settings.iter().map(|x| ps_quote(x)).collect();
        // Settings-catalog policies and platform scripts live in different collections, named and assigned
        // differently; a platform script names the value it sets.
        let collection = match p.kind {
            IntuneKind::RestrictedAdmin => {
                "Collection = 'deviceManagementScripts'; NameProperty = 'displayName'; Assign = 'deviceManagementScriptAssignments'; Value = 'DisableRestrictedAdmin'"
            }
            _ => {
                "Collection = 'configurationPolicies'; NameProperty = 'name'; Assign = 'assignments'"
            }
        };
        let _ = writeln!(
            s,
            "    @{{ Name = {}; Group = {}; Policy = {}; GroupBody = {}; {collection}; Settings = @({}); Devices = @({}) }}",
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
# Graph throttles with 429 (and 503 when busy): wait as long as Retry-After says, then ask again.
function Invoke-Graph([string]$Method, [string]$Uri, $Body = $null) {
    for ($attempt = 1; ; $attempt++) {
        try {
            if ($null -eq $Body) { return Invoke-MgGraphRequest -Method $Method -Uri $Uri -OutputType PSObject }
            return Invoke-MgGraphRequest -Method $Method -Uri $Uri -Body $Body -ContentType 'application/json' -OutputType PSObject
        } catch {
            $response = $_.Exception.Response
            $status = if ($null -ne $response) { [int]$response.StatusCode } else { 0 }
            if (($status -ne 429 -and $status -ne 503) -or $attempt -ge 8) { throw }
            $wait = 2 * $attempt
            if ($null -ne $response.Headers.RetryAfter -and $null -ne $response.Headers.RetryAfter.Delta) {
                $wait = [int][Math]::Ceiling($response.Headers.RetryAfter.Delta.TotalSeconds)
            }
            Start-Sleep -Seconds $wait
        }
    }
}
function Get-All([string]$Uri) {
    $items = @()
    while ($Uri) {
        $page = Invoke-Graph GET $Uri
        $items += @($page.value)
        $Uri = if ($page.PSObject.Properties['@odata.nextLink']) { $page.'@odata.nextLink' } else { $null }
    }
    return $items
}
# Sends requests through $batch, 20 at a time (Graph's limit); those answered 429 go again after Retry-After.
# Returns the answers by request id.
function Invoke-GraphBatch([object[]]$Requests) {
    $answers = @{}
    for ($i = 0; $i -lt $Requests.Count; $i += 20) {
        $pending = @($Requests[$i..([Math]::Min($i + 19, $Requests.Count - 1))])
        for ($attempt = 1; $pending.Count -gt 0; $attempt++) {
            $body = @{ requests = $pending } | ConvertTo-Json -Depth 10
            $reply = Invoke-Graph POST 'https://graph.microsoft.com/v1.0/$batch' $body
            $again = @()
            $wait = 0
            foreach ($r in @($reply.responses)) {
                if ([int]$r.status -eq 429 -and $attempt -lt 8) {
                    $again += @($pending | Where-Object { $_.id -eq $r.id })
                    $after = 2 * $attempt
                    if ($r.PSObject.Properties['headers'] -and $r.headers.PSObject.Properties['Retry-After']) { $after = [int]$r.headers.'Retry-After' }
                    $wait = [Math]::Max($wait, $after)
                } else {
                    $answers[[string]$r.id] = $r
                }
            }
            $pending = $again
            if ($pending.Count -gt 0) { Start-Sleep -Seconds $wait }
        }
    }
    return $answers
}
function Get-Group([string]$Name) {
    $quoted = $Name.Replace("'", "''")
    return @(Get-All ('https://graph.microsoft.com/v1.0/groups?$filter=displayName eq ''{0}''&$select=id,displayName' -f $quoted))
}
# The Entra device ids of the names, found 20 to a $batch: name -> id, or the reason there is none.
function Resolve-Devices([string[]]$Names) {
    $requests = @()
    for ($i = 0; $i -lt $Names.Count; $i++) {
        $filter = [uri]::EscapeDataString(("displayName eq '{0}'" -f $Names[$i].Replace("'", "''")))
        $requests += @{ id = [string]$i; method = 'GET'; url = ('/devices?$filter={0}&$select=id,displayName' -f $filter) }
    }
    $answers = Invoke-GraphBatch $requests
    $found = @{}
    for ($i = 0; $i -lt $Names.Count; $i++) {
        $r = $answers[[string]$i]
        if ($null -eq $r -or [int]$r.status -ne 200) {
            $found[$Names[$i]] = [pscustomobject]@{ Id = $null; Why = ('lookup failed (HTTP {0})' -f $(if ($r) { $r.status } else { 'none' })) }
        } elseif (@($r.body.value).Count -ne 1) {
            $found[$Names[$i]] = [pscustomobject]@{ Id = $null; Why = ('{0} Entra devices of that name' -f @($r.body.value).Count) }
        } else {
            $found[$Names[$i]] = [pscustomobject]@{ Id = @($r.body.value)[0].id; Why = $null }
        }
    }
    return $found
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
    # A set: a look-up per device, however large the group.
    $members = [System.Collections.Generic.HashSet[string]]::new([string[]]@(Get-All ('https://graph.microsoft.com/v1.0/groups/{0}/members?$select=id' -f $groups[0].id) | ForEach-Object { $_.id }))
    $found = Resolve-Devices $p.Devices
    $requests = @()
    foreach ($d in $p.Devices) {
        $f = $found[$d]
        if ($null -eq $f.Id) { Add-Result $d 'failed' $f.Why; continue }
        if (-not $members.Contains([string]$f.Id)) { Add-Result $d 'already in place' ('not in {0}' -f $p.Group); continue }
        if ($PSCmdlet.ShouldProcess($d, ('remove from {0}' -f $p.Group))) {
            $requests += @{ id = $d; method = 'DELETE'; url = ('/groups/{0}/members/{1}/$ref' -f $groups[0].id, $f.Id) }
        }
    }
    $answers = Invoke-GraphBatch $requests
    foreach ($r in $requests) {
        $a = $answers[$r.id]
        if ($null -ne $a -and [int]$a.status -lt 300) { Add-Result $r.id 'done' ('removed from {0}' -f $p.Group) }
        else { Add-Result $r.id 'failed' ('HTTP {0}' -f $(if ($a) { $a.status } else { 'none' })) }
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
            Invoke-Graph GET ('https://graph.microsoft.com/beta/deviceManagement/configurationSettings/{0}' -f $id) | Out-Null
        }
        $groups = Get-Group $p.Group
        if ($groups.Count -gt 1) { throw ('{0} groups are named {1}' -f $groups.Count, $p.Group) }
        if ($groups.Count -eq 1) {
            $group = $groups[0]
            Add-Result $p.Group 'already in place' 'group exists'
        } else {
            $body = Get-Content -LiteralPath (Join-Path $PSScriptRoot $p.GroupBody) -Raw
            $group = Invoke-Graph POST 'https://graph.microsoft.com/v1.0/groups' $body
            Add-Result $p.Group 'done' 'group created'
        }
        $existing = @(Get-All ('https://graph.microsoft.com/beta/deviceManagement/{0}?$select=id,{1}' -f $p.Collection, $p.NameProperty) | Where-Object { $_.($p.NameProperty) -eq $p.Name })
        if ($existing.Count -gt 0) {
            $policy = $existing[0]
            Add-Result $p.Name 'already in place' 'policy exists (not changed)'
        } else {
            $body = Get-Content -LiteralPath (Join-Path $PSScriptRoot $p.Policy) -Raw
            $policy = Invoke-Graph POST ('https://graph.microsoft.com/beta/deviceManagement/{0}' -f $p.Collection) $body
            Add-Result $p.Name 'done' 'policy created'
        }
        $assign = @{ $p.Assign = @(@{ target = @{ '@odata.type' = '#microsoft.graph.groupAssignmentTarget'; groupId = $group.id } }) } | ConvertTo-Json -Depth 5
        Invoke-Graph POST ('https://graph.microsoft.com/beta/deviceManagement/{0}/{1}/assign' -f $p.Collection, $policy.id) $assign | Out-Null
    } catch {
        Add-Result $p.Name 'failed' $_.Exception.Message
        continue
    }
    # A set: a look-up per device, however large the group.
    $members = [System.Collections.Generic.HashSet[string]]::new([string[]]@(Get-All ('https://graph.microsoft.com/v1.0/groups/{0}/members?$select=id' -f $group.id) | ForEach-Object { $_.id }))
    $found = Resolve-Devices $p.Devices
    $requests = @()
    foreach ($d in $p.Devices) {
        $f = $found[$d]
        if ($null -eq $f.Id) { Add-Result $d 'failed' $f.Why; continue }
        if ($members.Contains([string]$f.Id)) { Add-Result $d 'already in place' ('in {0}' -f $p.Group); continue }
        $ref = @{ '@odata.id' = ('https://graph.microsoft.com/v1.0/directoryObjects/{0}' -f $f.Id) }
        $requests += @{ id = $d; method = 'POST'; url = ('/groups/{0}/members/$ref' -f $group.id); headers = @{ 'Content-Type' = 'application/json' }; body = $ref }
    }
    $answers = Invoke-GraphBatch $requests
    foreach ($r in $requests) {
        $a = $answers[$r.id]
        if ($null -ne $a -and [int]$a.status -lt 300) { Add-Result $r.id 'done' ('added to {0}' -f $p.Group) }
        else { Add-Result $r.id 'failed' ('HTTP {0}' -f $(if ($a) { $a.status } else { 'none' })) }
    }
}
",
        );
    }
    s.push_str(PS_SUMMARY);
    s
}
