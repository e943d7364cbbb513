<#
.SYNOPSIS
    guardplan host state collection. READ-ONLY: this script changes nothing on any host.

.DESCRIPTION
    For each computer of a host list or an OU, this script reads:
      - the operating system (caption, version, build, product type);
      - DisableRestrictedAdmin (HKLM\SYSTEM\CurrentControlSet\Control\Lsa);
      - AllowProtectedCreds, RestrictedRemoteAdministration and RestrictedRemoteAdministrationType
        (HKLM\SOFTWARE\Policies\Microsoft\Windows\CredentialsDelegation) and the Group Policy objects that set
        the client policy (resultant set of policy);
      - the members of the local Administrators (S-1-5-32-544) and Remote Desktop Users (S-1-5-32-555) groups,
        as SIDs and names;
      - the holders of the Remote Desktop logon rights (SeRemoteInteractiveLogonRight and
        SeDenyRemoteInteractiveLogonRight);
      - whether LAPS (Windows LAPS or legacy LAPS) manages the local administrator password;
      - whether mstsc.exe is present.

    It sets no value, starts or stops no service and changes no group, right or policy. It writes one JSON file
    on the computer it runs on (-OutFile). On each host the only file it creates is the temporary export of user
    rights that secedit.exe writes, deleted as soon as it is read.

    A host that cannot be reached, and a value that cannot be read, is recorded in that host's "errors": the run
    goes on with the next host. Computer names are data: each is checked against a pattern of DNS characters and
    passed to Invoke-Command as an argument, never pasted into code. Names that fail the check are skipped.

    Run it as an account that may use PowerShell remoting (WinRM) on the hosts and read their local groups.
    Import the result with:  guardplan import state guardplan-state.json -o estate.toml

.PARAMETER HostList
    A text file with one computer name per line; blank lines and lines starting with # are skipped.

.PARAMETER SearchBase
    The distinguished name of an OU; every computer object below it is asked.

.PARAMETER OutFile
    Where the JSON file goes (default: guardplan-state.json in the current directory).

.EXAMPLE
    .\Collect-GuardplanState.ps1 -HostList hosts.txt -OutFile state.json

.EXAMPLE
    .\Collect-GuardplanState.ps1 -SearchBase 'OU=Servers,DC=corp,DC=example,DC=com'
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true, ParameterSetName = 'List')]
    [string]$HostList,
    [Parameter(Mandatory = $true, ParameterSetName = 'OU')]
    [string]$SearchBase,
    [string]$OutFile = 'guardplan-state.json'
)

Set-StrictMode -Version 2
$ErrorActionPreference = 'Stop'
$Mode = $PSCmdlet.ParameterSetName
$NamePattern = '^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$'

# Runs on each host, reads only, and returns one JSON record.
$Probe = {
    param([string]$AskedName)
    $ErrorActionPreference = 'Stop'
    $errors = New-Object System.Collections.Generic.List[string]
    $result = [ordered]@{ name = $AskedName; computer_name = [string]$env:COMPUTERNAME }

    function Read-Dword([string]$Path, [string]$Name) {
        $item = Get-ItemProperty -LiteralPath $Path -Name $Name -ErrorAction SilentlyContinue
        if ($null -eq $item) { return $null }
        return ([int64]$item.$Name) -band 4294967295
    }

    function Resolve-Sid([string]$Sid) {
        try {
            return (New-Object System.Security.Principal.SecurityIdentifier ($Sid)).Translate(
                [System.Security.Principal.NTAccount]).Value
        } catch {
            return $null
        }
    }

    function Get-GroupMembers([string]$GroupSid) {
        $group = (Resolve-Sid $GroupSid).Split('\')[-1]
        $adsi = [ADSI]('WinNT://./' + $group + ',group')
        $out = @()
        foreach ($m in @($adsi.Invoke('Members'))) {
            $bytes = $m.GetType().InvokeMember('objectSid', 'GetProperty', $null, $m, $null)
            $sid = (New-Object System.Security.Principal.SecurityIdentifier ($bytes, 0)).Value
            $out += [ordered]@{ sid = $sid; name = (Resolve-Sid $sid) }
        }
        return ,$out
    }

    try {
        $os = Get-CimInstance -ClassName Win32_OperatingSystem
        $result.os = [ordered]@{
            caption = [string]$os.Caption
            version = [string]$os.Version
            build = [int]$os.BuildNumber
            product_type = [int]$os.ProductType
        }
    } catch { $errors.Add('os: ' + $_.Exception.Message) }

    try {
        $cd = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\CredentialsDelegation'
        $gpos = @()
        try {
            $gpos = @(Get-CimInstance -Namespace 'root\rsop\computer' -ClassName RSOP_RegistryPolicySetting |
                Where-Object { $_.KeyName -like '*\CredentialsDelegation' -and
                    $_.ValueName -like 'RestrictedRemoteAdministration*' } |
                ForEach-Object { [string]$_.GPOID } | Sort-Object -Unique)
        } catch { $errors.Add('client policy source: ' + $_.Exception.Message) }
        $result.registry = [ordered]@{
            disable_restricted_admin = Read-Dword 'HKLM:\SYSTEM\CurrentControlSet\Control\Lsa' 'DisableRestrictedAdmin'
            allow_protected_creds = Read-Dword $cd 'AllowProtectedCreds'
            restricted_remote_administration = Read-Dword $cd 'RestrictedRemoteAdministration'
            restricted_remote_administration_type = Read-Dword $cd 'RestrictedRemoteAdministrationType'
            client_policy_gpos = $gpos
        }
    } catch { $errors.Add('registry: ' + $_.Exception.Message) }

    try {
        $result.local_groups = [ordered]@{
            administrators = (Get-GroupMembers 'S-1-5-32-544')
            remote_desktop_users = (Get-GroupMembers 'S-1-5-32-555')
        }
    } catch { $errors.Add('local groups: ' + $_.Exception.Message) }

    try {
        $tmp = [System.IO.Path]::GetTempFileName()
        try {
            $null = & secedit.exe /export /areas USER_RIGHTS /cfg $tmp /quiet
            $lines = @(Get-Content -LiteralPath $tmp)
        } finally {
            Remove-Item -LiteralPath $tmp -Force -ErrorAction SilentlyContinue
        }
        $rights = [ordered]@{ allow = @(); deny = @() }
        foreach ($pair in @(@('allow', 'SeRemoteInteractiveLogonRight'), @('deny', 'SeDenyRemoteInteractiveLogonRight'))) {
            $line = $lines | Where-Object { $_ -like ($pair[1] + ' = *') } | Select-Object -First 1
            $holders = @()
            if ($line) {
                foreach ($entry in $line.Split('=', 2)[1].Split(',')) {
                    $entry = $entry.Trim()
                    if ($entry.StartsWith('*')) {
                        $sid = $entry.Substring(1)
                    } else {
                        try {
                            $sid = (New-Object System.Security.Principal.NTAccount ($entry)).Translate(
                                [System.Security.Principal.SecurityIdentifier]).Value
                        } catch {
                            $errors.Add('logon rights: cannot resolve a holder of ' + $pair[1])
                            continue
                        }
                    }
                    $holders += [ordered]@{ sid = $sid; name = (Resolve-Sid $sid) }
                }
            }
            $rights[$pair[0]] = $holders
        }
        $result.logon_rights = $rights
    } catch { $errors.Add('logon rights: ' + $_.Exception.Message) }

    try {
        $laps = $false
        foreach ($key in @('HKLM:\SOFTWARE\Policies\Microsoft\Windows\LAPS',
                'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\LAPS')) {
            $backup = Read-Dword $key 'BackupDirectory'
            if ($backup -eq 1 -or $backup -eq 2) { $laps = $true }
        }
        if ((Read-Dword 'HKLM:\SOFTWARE\Policies\Microsoft Services\AdmPwd' 'AdmPwdEnabled') -eq 1) { $laps = $true }
        $result.laps = $laps
    } catch { $errors.Add('laps: ' + $_.Exception.Message) }

    try {
        $result.mstsc = Test-Path -LiteralPath (Join-Path $env:SystemRoot 'System32\mstsc.exe')
    } catch { $errors.Add('mstsc: ' + $_.Exception.Message) }

    $result.errors = @($errors)
    return (ConvertTo-Json -InputObject $result -Depth 6 -Compress)
}

function Get-TargetName {
    if ($Mode -eq 'List') {
        $n = 0
        foreach ($line in @(Get-Content -LiteralPath $HostList)) {
            $n += 1
            $name = $line.Trim()
            if ($name -eq '' -or $name.StartsWith('#')) { continue }
            if ($name.Length -gt 253 -or $name -notmatch $NamePattern) {
                Write-Warning ('line {0} of the host list is not a computer name: skipped' -f $n)
                continue
            }
            $name
        }
    } else {
        $root = New-Object System.DirectoryServices.DirectoryEntry ('LDAP://' + $SearchBase)
        $searcher = New-Object System.DirectoryServices.DirectorySearcher ($root)
        $searcher.Filter = '(objectCategory=computer)'
        $searcher.PageSize = 500
        $null = $searcher.PropertiesToLoad.Add('dnshostname')
        $null = $searcher.PropertiesToLoad.Add('name')
        foreach ($r in $searcher.FindAll()) {
            $name = if ($r.Properties['dnshostname'].Count -gt 0) { [string]$r.Properties['dnshostname'][0] }
                    else { [string]$r.Properties['name'][0] }
            if ($name.Length -gt 253 -or $name -notmatch $NamePattern) {
                Write-Warning 'a computer object of the OU has a name that is not a computer name: skipped'
                continue
            }
            $name
        }
    }
}

$records = New-Object System.Collections.Generic.List[string]
$names = @(Get-TargetName | Sort-Object -Unique)
$i = 0
foreach ($name in $names) {
    $i += 1
    Write-Progress -Activity 'guardplan: reading host state' -Status $name -PercentComplete (100 * $i / $names.Count)
    try {
        $json = Invoke-Command -ComputerName $name -ScriptBlock $Probe -ArgumentList $name -ErrorAction Stop
        $records.Add([string]$json)
    } catch {
        $records.Add((ConvertTo-Json -Compress -InputObject ([ordered]@{ name = $name; errors = @([string]$_.Exception.Message) })))
    }
}
Write-Progress -Activity 'guardplan: reading host state' -Completed

$collected = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
$text = '{"format":"guardplan-host-state","version":1,"collected":"' + $collected + '","hosts":[' +
    ($records -join ',') + ']}'
$path = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutFile)
[System.IO.File]::WriteAllText($path, $text, (New-Object System.Text.UTF8Encoding ($false)))
Write-Host ('wrote {0}: {1} hosts' -f $path, $records.Count)
