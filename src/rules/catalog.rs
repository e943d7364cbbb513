//! The finding catalog: every code with its severity, meaning, source, quote and fix, as data.
//!
//! Codes are a public interface (CLI, JSON, SARIF, waivers): never rename or reuse one.

use std::fmt;
use std::str::FromStr;

use crate::finding::Severity;

/// A finding code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// `RCG-CLIENT-OS`.
    RcgClientOs,
    /// `RCG-SUPPLIED-CREDS-OS`.
    RcgSuppliedCredsOs,
    /// `RCG-SAVED-CREDS`.
    RcgSavedCreds,
    /// `RCG-CLIENT-NOT-DOMAIN`.
    RcgClientNotDomain,
    /// `RCG-TARGET-OS`.
    RcgTargetOs,
    /// `RCG-TARGET-ENTRA`.
    RcgTargetEntra,
    /// `RCG-TARGET-NOT-DOMAIN`.
    RcgTargetNotDomain,
    /// `RCG-UWP-CLIENT`.
    RcgUwpClient,
    /// `RCG-NO-KERBEROS`.
    RcgNoKerberos,
    /// `RCG-COMPOUND-AUTH`.
    RcgCompoundAuth,
    /// `RCG-NO-RDP-RIGHT`.
    RcgNoRdpRight,
    /// `RCG-HOST-NOT-ENABLED`.
    RcgHostNotEnabled,
    /// `RCG-HOST-NO-PROTECTED-CREDS`.
    RcgHostNoProtectedCreds,
    /// `RCG-HELPDESK`.
    RcgHelpdesk,
    /// `RCG-VDI`.
    RcgVdi,
    /// `RCG-SESSION-EXPOSURE`.
    RcgSessionExposure,
    /// `RA-TARGET-OS`.
    RaTargetOs,
    /// `RA-NOT-ADMIN`.
    RaNotAdmin,
    /// `RA-MULTIHOP`.
    RaMultihop,
    /// `RA-NETWORK-IDENTITY`.
    RaNetworkIdentity,
    /// `RA-HOST-NOT-ENABLED`.
    RaHostNotEnabled,
    /// `RA-NO-LAPS`.
    RaNoLaps,
    /// `RDP-CREDS-EXPOSED`.
    RdpCredsExposed,
    /// `POL-CLIENT-CONFLICT`.
    PolClientConflict,
    /// `POL-RA-IGNORED`.
    PolRaIgnored,
    /// `POL-FALLBACK`.
    PolFallback,
    /// `POL-ORDER`.
    PolOrder,
    /// `PU-SERVICE-ACCOUNT`.
    PuServiceAccount,
    /// `PU-COMPUTER-ACCOUNT`.
    PuComputerAccount,
    /// `PU-DFL`.
    PuDfl,
    /// `PU-NO-PDC-2012R2`.
    PuNoPdc2012r2,
    /// `PU-DEVICE-OS`.
    PuDeviceOs,
    /// `PU-NTLM`.
    PuNtlm,
    /// `PU-WEAK-ETYPES`.
    PuWeakEtypes,
    /// `PU-DELEGATION`.
    PuDelegation,
    /// `PU-OFFLINE`.
    PuOffline,
    /// `PU-TGT-LIFETIME`.
    PuTgtLifetime,
    /// `PU-CREDSSP-SSO`.
    PuCredsspSso,
    /// `PU-CANDIDATE`.
    PuCandidate,
    /// `TRUST-NO-PATH`.
    TrustNoPath,
    /// `TRUST-SELECTIVE-AUTH`.
    TrustSelectiveAuth,
    /// `CLIENT-NO-SIGNIN`.
    ClientNoSignin,
    /// `RDP-NO-RIGHT`.
    RdpNoRight,
    /// `RDP-RIGHTS-UNKNOWN`.
    RdpRightsUnknown,
    /// `RDP-DENY-RIGHT`.
    RdpDenyRight,
    /// `RCG-GATEWAY`.
    RcgGateway,
    /// `POL-ENTRA-TARGET`.
    PolEntraTarget,
    /// `POL-LEGACY-CLIENT`.
    PolLegacyClient,
    /// `RA-PTH-EXPOSURE`.
    RaPthExposure,
    /// `POL-SOC-NOTICE`.
    PolSocNotice,
    /// `PU-BREAKGLASS`.
    PuBreakglass,
    /// `PU-AES-RESET`.
    PuAesReset,
    /// `RA-HOST-NO-PROTECTED-CREDS`.
    RaHostNoProtectedCreds,
    /// `PU-BUILTIN-ADMIN`.
    PuBuiltinAdmin,
    /// `PU-OLD-DC-PASSWORD`.
    PuOldDcPassword,
    /// `PLAN-UNSTAGED`.
    PlanUnstaged,
}

/// Which part of the catalog a code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Area {
    /// Remote Credential Guard.
    RemoteGuard,
    /// Restricted Admin.
    RestrictedAdmin,
    /// Standard RDP and client policy.
    Policy,
    /// Protected Users.
    ProtectedUsers,
    /// Trusts and the graph.
    Trust,
}

/// One catalog entry.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo {
    /// The code.
    pub code: Code,
    /// Default severity.
    pub severity: Severity,
    /// Area.
    pub area: Area,
    /// When it is raised (one sentence).
    pub title: &'static str,
    /// Source id: `000`, `003`, `MS-2023`, or a planning rule.
    pub source: &'static str,
    /// Where in the source.
    pub source_section: &'static str,
    /// The seed's English sentence that justifies it.
    pub quote: &'static str,
    /// How to fix it (the command or policy).
    pub fix: &'static str,
    /// Template of a finding's message: `{users}`, `{clients}`, `{targets}`, `{hosts}`, `{hops}`, `{domains}`,
    /// `{detail}` are replaced by the subjects (names, or a count when there are many) and a rule-specific detail.
    pub message: &'static str,
}

impl RuleInfo {
    /// The source and, when the catalog names one, the section in it: `003` or `000 requirements`.
    pub fn citation(&self) -> String {
        if self.source_section.is_empty() {
            self.source.to_string()
        } else {
            format!("{} {}", self.source, self.source_section)
        }
    }
}

/// The whole catalog, in the order of the rules document.
pub static CATALOG: &[RuleInfo] = &[
    RuleInfo {
        code: Code::RcgClientOs,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "client older than Windows 10 1607 / Server 2016",
        source: "000",
        source_section: "requirements (seed only: the current Remote Credential Guard page, revised 2023-08-16, no longer states it)",
        quote: "Must be running at least Windows 10, version 1607 or Windows Server 2016 to use the user’s signed-in credentials.",
        fix: "Upgrade the client to Windows 10 1607 / Windows Server 2016 or later (1703 or later to also supply credentials), or connect from a PAW that runs it.",
        message: "clients older than Windows 10 1607 / Server 2016: {clients}",
    },
    RuleInfo {
        code: Code::RcgSuppliedCredsOs,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "path uses supplied (typed) credentials and client older than 1703",
        source: "000",
        source_section: "requirements, note (seed only: the current Remote Credential Guard page, revised 2023-08-16, no longer states it)",
        quote: "Must be running at least Windows 10, version 1703 to be able to supply credentials, which is sent to the remote device.",
        fix: "Upgrade the client to Windows 10 1703 or later, or connect with the signed-in credentials (`credentials = \"signed-in\"`).",
        message: "supplied credentials need Windows 10 1703 or later on the client: {clients}",
    },
    RuleInfo {
        code: Code::RcgSavedCreds,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "path relies on saved credentials (RCG takes signed-on, and from 1703 supplied, never saved)",
        source: "000",
        source_section: "table; MS-2023",
        quote: "Signed on credentials only",
        fix: "Stop saving credentials in the .rdp file or Credential Manager (`cmdkey /delete:TERMSRV/<target>`); connect with the signed-in account, or type them (1703 or later).",
        message: "Remote Credential Guard never uses saved credentials",
    },
    RuleInfo {
        code: Code::RcgClientNotDomain,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "client older than 1703 (signed-in credentials only) and not AD domain-joined",
        source: "000",
        source_section: "note (seed only: the current Remote Credential Guard page, revised 2023-08-16, no longer states it)",
        quote: "Remote Desktop client devices running earlier versions, at minimum Windows 10 version 1607, only support signed-in credentials, so the client device must also be joined to an Active Directory domain.",
        fix: "Join the client to the AD domain (or hybrid-join it), or upgrade it to Windows 10 1703 or later.",
        message: "clients on Windows 10 1607 to 1702 that are not AD domain-joined: {clients}",
    },
    RuleInfo {
        code: Code::RcgTargetOs,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "target older than Windows 10 1607 / Server 2016",
        source: "000",
        source_section: "requirements (seed only: the current Remote Credential Guard page, revised 2023-08-16, no longer states it)",
        quote: "The remote host must be running at least Windows 10 version 1607, or Windows Server 2016.",
        fix: "Upgrade the target to Windows Server 2016 / Windows 10 1607 or later, or plan restricted-admin for it.",
        message: "targets older than Windows 10 1607 / Server 2016: {targets}",
    },
    RuleInfo {
        code: Code::RcgTargetEntra,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "target is Azure AD (Entra ID) joined and not AD joined (hybrid-joined, or an AD-joined Azure VM, is fine)",
        source: "000",
        source_section: "considerations",
        quote: "Windows Defender Remote Credential Guard can be used only when connecting to a device that is joined to a Windows Server Active Directory domain, including AD domain-joined servers that run as Azure virtual machines (VMs). Windows Defender Remote Credential Guard cannot be used when connecting to remote devices joined to Azure Active Directory.",
        fix: "Hybrid-join the target (AD join plus Entra registration), or plan another mode for Entra-only devices.",
        message: "Entra ID-joined targets without an AD join: {targets}",
    },
    RuleInfo {
        code: Code::RcgTargetNotDomain,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "target not joined to an AD domain (workgroup)",
        source: "000",
        source_section: "considerations",
        quote: "Windows Defender Remote Credential Guard can be used only when connecting to a device that is joined to a Windows Server Active Directory domain, including AD domain-joined servers that run as Azure virtual machines (VMs).",
        fix: "Join the target to an AD domain (`Add-Computer -DomainName <domain>`), or plan another mode for it.",
        message: "workgroup targets (not joined to an AD domain): {targets}",
    },
    RuleInfo {
        code: Code::RcgUwpClient,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "client uses the Remote Desktop Universal Windows Platform (store) app, not classic mstsc",
        source: "000",
        source_section: "requirements",
        quote: "The Remote Desktop Universal Windows Platform application doesn't support Windows Defender Remote Credential Guard.",
        fix: "Use Remote Desktop Connection (`mstsc.exe /remoteGuard`) instead of the Remote Desktop store app on these clients.",
        message: "clients using the Remote Desktop store (UWP) app: {clients}",
    },
    RuleInfo {
        code: Code::RcgNoKerberos,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "client has no line of sight to a domain controller: RDP would fall back to NTLM, which RCG refuses",
        source: "000",
        source_section: "requirements",
        quote: "If the client cannot connect to a domain controller, then RDP attempts to fall back to NTLM. Windows Defender Remote Credential Guard does not allow NTLM fallback because this would expose credentials to risk.",
        fix: "Give the client line of sight to a domain controller (VPN, or a KDC proxy: KDC Proxy Server service with the client policy \"Specify KDC proxy servers for Kerberos clients\").",
        message: "clients without line of sight to a domain controller (NTLM only): {clients}",
    },
    RuleInfo {
        code: Code::RcgCompoundAuth,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "sessions on the target need resources that demand device claims (compound authentication): access denied",
        source: "000",
        source_section: "considerations",
        quote: "Windows Defender Remote Credential Guard does not support compound authentication. For example, if you’re trying to access a file server from a remote host that requires a device claim, access will be denied.",
        fix: "Plan another mode for these targets, or remove the device-claim condition from the resources the sessions use (central access rule / dynamic access control).",
        message: "targets whose sessions need device claims: {targets}",
    },
    RuleInfo {
        code: Code::RcgNoRdpRight,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "user is not allowed to log on over RDP to the target (Remote Desktop Users or Administrators there)",
        source: "000",
        source_section: "table \"Access\"",
        quote: "Users allowed, that is, members of Remote Desktop Users of remote host. The user must be authorized to connect to the remote server using Remote Desktop Protocol, for example by being a member of the Remote Desktop Users local group on the remote computer.",
        fix: "Add the users (better: a group) to the target's Remote Desktop Users: `Add-LocalGroupMember -Group \"Remote Desktop Users\" -Member <DOMAIN\\group>` or a Restricted Groups policy.",
        message: "no Remote Desktop logon right on {targets} for {users}",
    },
    RuleInfo {
        code: Code::RcgHostNotEnabled,
        severity: Severity::Action,
        area: Area::RemoteGuard,
        title: "target's `DisableRestrictedAdmin` is not 0",
        source: "000",
        source_section: "\"Enable\"",
        quote: "You must enable Restricted Admin or Windows Defender Remote Credential Guard on the remote host by using the Registry.",
        fix: "On the target: `reg add HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa /v DisableRestrictedAdmin /d 0 /t REG_DWORD`.",
        message: "DisableRestrictedAdmin is not 0 on {targets}",
    },
    RuleInfo {
        code: Code::RcgHostNoProtectedCreds,
        severity: Severity::Action,
        area: Area::RemoteGuard,
        title: "target does not allow delegation of non-exportable credentials (`AllowProtectedCreds`)",
        source: "000",
        source_section: "requirements",
        quote: "Must allow delegation of non-exportable credentials.",
        fix: "Enable the target policy Computer Configuration > Administrative Templates > System > Credentials Delegation > \"Remote host allows delegation of non-exportable credentials\" (`HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\CredentialsDelegation` DWORD `AllowProtectedCreds` = 1).",
        message: "delegation of non-exportable credentials (AllowProtectedCreds) is not allowed on {targets}",
    },
    RuleInfo {
        code: Code::RcgHelpdesk,
        severity: Severity::Warn,
        area: Area::RemoteGuard,
        title: "purpose is helpdesk: Microsoft recommends RA instead, since a compromised client can use the open channel to act as the helpdesk user for a limited time after the session disconnects",
        source: "MS-RCG-2023",
        source_section: "helpdesk section",
        quote: "for a limited time after the session disconnects",
        fix: "Plan restricted-admin for helpdesk paths (`mstsc.exe /restrictedAdmin`), with LAPS on the targets.",
        message: "helpdesk path: a compromised target can act as the helpdesk user while the session is open and for a limited time after it disconnects",
    },
    RuleInfo {
        code: Code::RcgVdi,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "target is in an RDS VDI collection (not supported)",
        source: "MS-2023; MS-2024-RDS",
        source_section: "RDS supported configurations",
        quote: "only supported for direct connections to the target hosts and not for the ones via Remote Desktop Connection Broker and Remote Desktop Gateway",
        fix: "Plan restricted-admin (or standard with a dedicated account) for RDS VDI desktops.",
        message: "targets in an RDS VDI collection: {targets}",
    },
    RuleInfo {
        code: Code::RcgSessionExposure,
        severity: Severity::Info,
        area: Area::RemoteGuard,
        title: "an attacker on the target can act as the user while the session is open (and, for helpdesk, for a limited time after it disconnects)",
        source: "000",
        source_section: "table",
        quote: "An attacker can act on behalf of the user only when the session is ongoing",
        fix: "Keep sessions short and sign out when done; use restricted-admin where the session does not need the user's identity.",
        message: "while a session is open, an attacker on the target can act as the user: {users}",
    },
    RuleInfo {
        code: Code::RaTargetOs,
        severity: Severity::Block,
        area: Area::RestrictedAdmin,
        title: "target older than Windows 7 / Server 2008 R2, or 7 / 2008 R2 / 2012 without KB2871997",
        source: "000",
        source_section: "table \"Version support\"",
        quote: "The remote computer must be running at least patched Windows 7 or patched Windows Server 2008 R2.",
        fix: "Install KB2871997 (Microsoft Security Advisory 2871997) on Windows 7 / 8 / Server 2008 R2 / 2012, or upgrade older systems.",
        message: "targets without Restricted Admin support (older than Windows 7 / 2008 R2, or missing KB2871997): {targets}",
    },
    RuleInfo {
        code: Code::RaNotAdmin,
        severity: Severity::Block,
        area: Area::RestrictedAdmin,
        title: "user is not a member of the target's Administrators group (RA is administrators only)",
        source: "000",
        source_section: "table \"Access\"",
        quote: "Administrators only, that is, only members of Administrators group of remote host.",
        fix: "Restricted Admin is for local administrators only: add the users' admin group to the target's Administrators (`Add-LocalGroupMember -Group Administrators -Member <DOMAIN\\group>`), or plan remote-guard.",
        message: "not local administrators on {targets}: {users}",
    },
    RuleInfo {
        code: Code::RaMultihop,
        severity: Severity::Block,
        area: Area::RestrictedAdmin,
        title: "the path continues from the target to another host as the user (session runs as the local host account)",
        source: "000",
        source_section: "table \"Multi-hop\"",
        quote: "Not allowed for user as the session is running as a local host account",
        fix: "Plan remote-guard for paths that hop onward, or connect to the next host directly from the client.",
        message: "the path hops onward to {hops}, which Restricted Admin does not allow",
    },
    RuleInfo {
        code: Code::RaNetworkIdentity,
        severity: Severity::Warn,
        area: Area::RestrictedAdmin,
        title: "sessions on the target must reach network resources as the user (RA uses the host's identity)",
        source: "000",
        source_section: "table \"Network identity\"",
        quote: "Remote Desktop session connects to other resources as remote host’s identity.",
        fix: "Plan remote-guard if sessions must reach shares or databases as the user, or grant the target's computer account the access.",
        message: "sessions reach network resources as the target's computer account, not as the user",
    },
    RuleInfo {
        code: Code::RaHostNotEnabled,
        severity: Severity::Action,
        area: Area::RestrictedAdmin,
        title: "target's `DisableRestrictedAdmin` is not 0",
        source: "000",
        source_section: "\"Enable\"",
        quote: "You must enable Restricted Admin or Windows Defender Remote Credential Guard on the remote host by using the Registry.",
        fix: "On the target: `reg add HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa /v DisableRestrictedAdmin /d 0 /t REG_DWORD`.",
        message: "DisableRestrictedAdmin is not 0 on {targets}",
    },
    RuleInfo {
        code: Code::RaNoLaps,
        severity: Severity::Warn,
        area: Area::RestrictedAdmin,
        title: "target has no LAPS: a shared local administrator password enables lateral movement",
        source: "000",
        source_section: "helpdesk section (LAPS)",
        quote: "LAPS mitigates the risk of lateral escalation and other cyberattacks facilitated when customers use the same administrative local account and password combination on all their computers.",
        fix: "Deploy Windows LAPS on the targets (`Update-LapsADSchema`, then the policy Computer Configuration > Administrative Templates > System > LAPS > \"Configure password backup directory\").",
        message: "targets without LAPS: {targets}",
    },
    RuleInfo {
        code: Code::RdpCredsExposed,
        severity: Severity::Warn,
        area: Area::Policy,
        title: "a privileged account (admin or helpdesk role, or a Protected Users member) uses `standard`: credentials reach the target",
        source: "000",
        source_section: "table \"Protection benefits\"",
        quote: "Credentials on the server are not protected from Pass-the-Hash attacks.",
        fix: "Plan remote-guard or restricted-admin for this path.",
        message: "credentials of privileged accounts reach the target: {users}",
    },
    RuleInfo {
        code: Code::PolClientConflict,
        severity: Severity::Block,
        area: Area::Policy,
        title: "one client device carries paths whose chosen modes need different \"Require ...\" policies (policy is per computer)",
        source: "000",
        source_section: "Group Policy section",
        quote: "From the Group Policy Management Console, go to Computer Configuration -> Administrative Templates -> System -> Credentials Delegation. With this setting, a Remote Desktop connection will succeed only if the remote computer meets the requirements listed earlier in this topic.",
        fix: "Give these paths the same mode, or enforce one of them per connection (`mstsc.exe /remoteGuard` or `/restrictedAdmin` shortcut, `enforce = \"switch\"`), or split the paths over different client devices.",
        message: "{clients}: {detail}",
    },
    RuleInfo {
        code: Code::PolRaIgnored,
        severity: Severity::Warn,
        area: Area::Policy,
        title: "a path planned as restricted-admin by switch from a client whose policy is \"Restrict Credential Delegation\": `/restrictedAdmin` is ignored, RCG is used",
        source: "MS-RCG-2023",
        source_section: "",
        quote: "When Restrict Credential Delegation is enabled, the /restrictedAdmin switch will be ignored. Windows enforces the policy configuration instead and uses Remote Credential Guard.",
        fix: "Set \"Require Restricted Admin\" (`RestrictedRemoteAdministrationType` = 1) on the clients of restricted-admin paths, or move these paths to a client without \"Restrict Credential Delegation\".",
        message: "/restrictedAdmin is ignored on {clients}: \"Restrict Credential Delegation\" makes them use Remote Credential Guard",
    },
    RuleInfo {
        code: Code::PolFallback,
        severity: Severity::Info,
        area: Area::Policy,
        title: "`prefer-remote-guard` path where RCG is blocked: RA will be used, so RA's rules apply",
        source: "000",
        source_section: "Group Policy section",
        quote: "In this configuration, Windows Defender Remote Credential Guard is preferred, but it will use Restricted Admin mode (if supported) when Windows Defender Remote Credential Guard cannot be used.",
        fix: "Nothing to do if Restricted Admin is acceptable there; otherwise remove the Remote Credential Guard blocks listed.",
        message: "Restricted Admin is used where Remote Credential Guard is blocked ({detail}): {hosts}",
    },
    RuleInfo {
        code: Code::PolOrder,
        severity: Severity::Block,
        area: Area::Policy,
        title: "a stage enforces a client policy (or switch) before a stage that enables every target it connects to",
        source: "planning",
        source_section: "staging",
        quote: "You must enable Restricted Admin or Windows Defender Remote Credential Guard on the remote host by using the Registry. With this setting, a Remote Desktop connection will succeed only if the remote computer meets the requirements listed earlier in this topic.",
        fix: "Move the stage that enables the targets (DisableRestrictedAdmin = 0, AllowProtectedCreds = 1) before the stage that enforces the client policy or switch.",
        message: "{detail}",
    },
    RuleInfo {
        code: Code::PuServiceAccount,
        severity: Severity::Block,
        area: Area::ProtectedUsers,
        title: "a service account (including managed service accounts) is a member: Microsoft says never to add one, and membership gives it no local protection since its password is always on the host",
        source: "MS-PU-2025",
        source_section: "",
        quote: "Never add accounts for services and computers to the Protected Users group ... membership doesn't provide local protections because the password and certificate is always available on the host",
        fix: "Remove the account from Protected Users (`Remove-ADGroupMember -Identity \"Protected Users\" -Members <account>`), directly or from the nested group; protect it with a gMSA and \"Account is sensitive and cannot be delegated\" instead.",
        message: "service or managed service accounts in Protected Users: {users}",
    },
    RuleInfo {
        code: Code::PuComputerAccount,
        severity: Severity::Block,
        area: Area::ProtectedUsers,
        title: "a computer account is a member, directly or through a group that is in Protected Users",
        source: "MS-PU-2025",
        source_section: "",
        quote: "Never add accounts for services and computers to the Protected Users group ... membership doesn't provide local protections because the password and certificate is always available on the host",
        fix: "Remove the computer account from Protected Users (`Remove-ADGroupMember -Identity \"Protected Users\" -Members <computer>$`).",
        message: "computer accounts in Protected Users: {users}; computers in it through a group: {hosts}",
    },
    RuleInfo {
        code: Code::PuDfl,
        severity: Severity::Warn,
        area: Area::ProtectedUsers,
        title: "member's domain functional level is below Windows Server 2012 R2: the domain controller protections do not apply",
        source: "003",
        source_section: "requirements",
        quote: "Users must be in domains which are Windows Server 2012 R2 or higher domain functional level.",
        fix: "Raise the domain functional level to Windows Server 2012 R2 or later (`Set-ADDomainMode -DomainMode Windows2012R2Domain`) once every DC runs 2012 R2 or later.",
        message: "Protected Users members in domains below the Windows Server 2012 R2 functional level ({domains}): {users}",
    },
    RuleInfo {
        code: Code::PuNoPdc2012r2,
        severity: Severity::Warn,
        area: Area::ProtectedUsers,
        title: "the domain has no domain controller on 2012 R2 or later to hold the PDC emulator role that creates the group",
        source: "003; MS-2024-PU",
        source_section: "\"down-level domains\" (seed and 2024 revision only: the 2025 page no longer has the section)",
        quote: "Protected Users group can be created by transferring the primary domain controller (PDC) emulator role to a domain controller that runs Windows Server 2012 R2.",
        fix: "Promote a domain controller on Windows Server 2012 R2 or later and transfer the PDC emulator role to it (`Move-ADDirectoryServerOperationMasterRole -Identity <dc> -OperationMasterRole PDCEmulator`).",
        message: "no domain controller on Windows Server 2012 R2 or later: {domains}",
    },
    RuleInfo {
        code: Code::PuDeviceOs,
        severity: Severity::Warn,
        area: Area::ProtectedUsers,
        title: "a member signs in on a device older than Windows 10 / Windows Server 2012 R2 (Windows 8.1, or Windows 7 / 2008 R2 / 2012 even with KB2871997): device protections missing",
        source: "MS-PU-2025",
        source_section: "requirements",
        quote: "Hosts must be running one of the following operating systems: Windows 10 or Windows 11; Windows Server 2012 R2 or later with the most recent security updates installed.",
        fix: "Upgrade these devices to Windows 10 or 11, or Windows Server 2012 R2 or later with the latest security updates (KB2871997 is no longer named: Windows 7, 8.1, 2008 R2 and 2012 do not qualify).",
        message: "devices without Protected Users device protections (not Windows 10 or 11, nor Windows Server 2012 R2 or later: {hosts}) used by {users}",
    },
    RuleInfo {
        code: Code::PuNtlm,
        severity: Severity::Block,
        area: Area::ProtectedUsers,
        title: "a member's path needs NTLM (no DC line of sight, workgroup target, no trust path): NTLM authentication is refused",
        source: "003",
        source_section: "DC protections",
        quote: "Accounts that are members of the Protected Users group that authenticate to a Windows Server 2012 R2 domain are unable to: Authenticate with NTLM authentication.",
        fix: "Give the path Kerberos: line of sight to a DC (or a KDC proxy), an AD-joined target, and a trust from the target's domain to the user's; or keep the member out of Protected Users until then.",
        message: "NTLM would be needed ({detail}) and is refused for {users}: {hosts}",
    },
    RuleInfo {
        code: Code::PuWeakEtypes,
        severity: Severity::Block,
        area: Area::ProtectedUsers,
        title: "a member has no AES keys (DES/RC4 only): Kerberos pre-authentication fails",
        source: "003",
        source_section: "DC protections",
        quote: "Accounts that are members of the Protected Users group that authenticate to a Windows Server 2012 R2 domain are unable to: Use DES or RC4 encryption types in Kerberos pre-authentication.",
        fix: "Create AES keys: set msDS-SupportedEncryptionTypes to include AES (`Set-ADUser <user> -KerberosEncryptionType AES128,AES256`) and reset the password, before enrolling.",
        message: "members without AES keys (DES/RC4 only): {users}",
    },
    RuleInfo {
        code: Code::PuDelegation,
        severity: Severity::Block,
        area: Area::ProtectedUsers,
        title: "a member's path relies on Kerberos constrained or unconstrained delegation",
        source: "003",
        source_section: "DC protections",
        quote: "Accounts that are members of the Protected Users group that authenticate to a Windows Server 2012 R2 domain are unable to: Be delegated with unconstrained or constrained delegation.",
        fix: "Rework the path so it does not rely on Kerberos delegation (remote-guard redirects Kerberos to the client instead), or keep the member out of Protected Users.",
        message: "the path relies on Kerberos delegation, which is refused for {users}",
    },
    RuleInfo {
        code: Code::PuOffline,
        severity: Severity::Warn,
        area: Area::ProtectedUsers,
        title: "a member must sign in offline on a device (no cached verifier is created)",
        source: "003",
        source_section: "device protections",
        quote: "A cached verifier is not created at sign-in or unlock, so offline sign-in is no longer supported.",
        fix: "Give these devices line of sight to a DC at sign-in, or use a separate account for offline devices.",
        message: "offline sign-in needed on {clients} by {users}",
    },
    RuleInfo {
        code: Code::PuTgtLifetime,
        severity: Severity::Warn,
        area: Area::ProtectedUsers,
        title: "a member's sessions are planned longer than the 240-minute (four-hour) TGT lifetime that cannot be renewed (the seed also mentions 600 minutes for the policies; this follows Microsoft's 2025 page, which says 240)",
        source: "003; MS-2025-PU",
        source_section: "",
        quote: "Accounts that are members of the Protected Users group that authenticate to a Windows Server 2012 R2 domain are unable to: Renew the Kerberos TGTs beyond the initial four-hour lifetime. For the Protected Users group, 600 minutes is set for these domain policies.",
        fix: "Plan sessions of at most 240 minutes (four hours), or expect a sign-in prompt after the TGT expires (authentication policy silos can set another TGT lifetime).",
        message: "sessions of {detail} exceed the 240-minute (four-hour) TGT lifetime of {users}",
    },
    RuleInfo {
        code: Code::PuCredsspSso,
        severity: Severity::Warn,
        area: Area::ProtectedUsers,
        title: "a member relies on CredSSP default credential delegation (plain RDP single sign-on): plain-text credentials are not cached, so it prompts",
        source: "003",
        source_section: "device protections",
        quote: "Credential delegation (CredSSP) will not cache the user's plain text credentials even when the Allow delegating default credentials Group Policy setting is enabled.",
        fix: "Use remote-guard (Kerberos single sign-on without delegating credentials), or expect a credential prompt.",
        message: "plain RDP single sign-on (CredSSP default credentials) prompts {users}",
    },
    RuleInfo {
        code: Code::PuCandidate,
        severity: Severity::Info,
        area: Area::ProtectedUsers,
        title: "a privileged account (admin or helpdesk role) is not a member; the rollout is the moment to enroll it",
        source: "003",
        source_section: "purpose; PingCastle P-ProtectedUsers",
        quote: "This security group is designed as part of a strategy to manage credential exposure within the enterprise.",
        fix: "Enroll the account once its blocks are clear: `Add-ADGroupMember -Identity \"Protected Users\" -Members <user>`.",
        message: "privileged accounts not in Protected Users: {users}",
    },
    RuleInfo {
        code: Code::TrustNoPath,
        severity: Severity::Block,
        area: Area::Trust,
        title: "no trust path lets the user's domain authenticate to the target's domain (direction-aware: the target's domain must trust the user's; external trusts are not transitive; forest trusts are transitive only between the two forests)",
        source: "000",
        source_section: "note (same domain or a trust)",
        quote: "Both Remote Desktop client and server must either be joined to the same domain, or the Remote Desktop server can be joined to a domain that has a trust relationship to the client device's domain.",
        fix: "Create a trust in which the target's domain trusts the user's (`netdom trust <target-domain> /domain:<user-domain> /add /twoway`), or use an account of the target's forest.",
        message: "no trust path ({detail}): {users} cannot authenticate to {targets}",
    },
    RuleInfo {
        code: Code::TrustSelectiveAuth,
        severity: Severity::Warn,
        area: Area::Trust,
        title: "the path crosses a trust with selective authentication: the user needs \"Allowed to Authenticate\" on the target",
        source: "AD",
        source_section: "trust semantics",
        quote: "the path crosses a trust with selective authentication: the user needs \"Allowed to Authenticate\" on the target",
        fix: "Grant the users (or their group) \"Allowed to Authenticate\" on the target computer objects (Active Directory Users and Computers > Security tab).",
        message: "selective authentication ({detail}): {users} need \"Allowed to Authenticate\" on {targets}",
    },
    RuleInfo {
        code: Code::ClientNoSignin,
        severity: Severity::Block,
        area: Area::Policy,
        title: "the path uses signed-in credentials but the user's account cannot sign in to the client: a workgroup client, or a client whose domain neither is the user's nor trusts it (every mode)",
        source: "000",
        source_section: "requirements (seed only: the current Remote Credential Guard page, revised 2023-08-16, no longer states it)",
        quote: "This requires the user’s account be able to sign in to both the client device and the remote host.",
        fix: "Connect from a client the account can sign in to (joined to the user's domain, or to a domain that trusts it), or type the credentials (`credentials = \"supplied\"`).",
        message: "{users} cannot sign in to {clients}: the signed-in account is not theirs",
    },
    RuleInfo {
        code: Code::RdpNoRight,
        severity: Severity::Block,
        area: Area::Policy,
        title: "under `standard`, the user is in neither the target's Remote Desktop Users nor its Administrators",
        source: "000",
        source_section: "table \"Access\" (Remote Desktop column)",
        quote: "Users allowed, that is, members of Remote Desktop Users group of remote host.",
        fix: "Add the users (better: a group) to the target's Remote Desktop Users: `Add-LocalGroupMember -Group \"Remote Desktop Users\" -Member <DOMAIN\\group>` or a Restricted Groups policy.",
        message: "neither Remote Desktop Users nor Administrators on {targets}: {users}",
    },
    RuleInfo {
        code: Code::RdpRightsUnknown,
        severity: Severity::Warn,
        area: Area::Policy,
        title: "a user's access to a target depends on local groups the inventory does not give; verify them before the stage",
        source: "planning",
        source_section: "unknown is not empty",
        quote: "Users allowed, that is, members of Remote Desktop Users group of remote host. Administrators only, that is, only members of Administrators group of remote host.",
        fix: "Give the targets' `administrators` and `remote_desktop_users` in the inventory (import them with BloodHound's LocalGroups, or read them with `Get-LocalGroupMember`), or check that the users are members before the stage.",
        message: "local groups not given on {targets}: whether {users} may log on there is unknown",
    },
    RuleInfo {
        code: Code::RdpDenyRight,
        severity: Severity::Block,
        area: Area::Policy,
        title: "the user holds \"Deny log on through Remote Desktop Services\" on the target, or the target lists who may log on through Remote Desktop Services and the user is not among them (every mode)",
        source: "URA",
        source_section: "SeRemoteInteractiveLogonRight, SeDenyRemoteInteractiveLogonRight",
        quote: "Allow log on through Remote Desktop Services; Deny log on through Remote Desktop Services",
        fix: "Connect with an account the user rights admit (security baselines deny Domain Admins and Enterprise Admins on member servers: use a tier-1 admin account there), or change the user rights assignment (Computer Configuration > Windows Settings > Security Settings > Local Policies > User Rights Assignment).",
        message: "the Remote Desktop logon rights of {targets} refuse {users}",
    },
    RuleInfo {
        code: Code::RcgGateway,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "the path reaches its targets through an RD Gateway or an RD Connection Broker",
        source: "MS-RDS-2024",
        source_section: "Supported configurations for Remote Desktop Services VDI",
        quote: "only supported for direct connections to the target hosts and not for the ones via Remote Desktop Connection Broker and Remote Desktop Gateway ... may be able to use Remote Credential Guard, although this isn't supported",
        fix: "Connect to the targets directly (from a PAW inside the network), or plan restricted-admin for the paths through the gateway or broker.",
        message: "Remote Credential Guard is only supported for direct connections; the path goes through {detail}",
    },
    RuleInfo {
        code: Code::PolEntraTarget,
        severity: Severity::Block,
        area: Area::Policy,
        title: "a client whose plan enforces \"Restrict delegation of credentials to remote servers\" (any type) also connects to a Microsoft Entra joined target",
        source: "MS-ENTRA",
        source_section: "Connect to remote Microsoft Entra joined device; that \"any type\" (Require Restricted Admin too) breaks it is this catalog's inference, not the page's",
        quote: "Ensure Remote Credential Guard is turned off on the device you're using to connect",
        fix: "Enforce the mode per connection on these clients (`enforce = \"switch\"`), or connect to the Entra joined targets from another client. Microsoft Entra authentication also reaches hybrid-joined devices: connections to them with it are refused the same way.",
        message: "{clients} get the client policy and also connect to Entra joined targets ({detail})",
    },
    RuleInfo {
        code: Code::PolLegacyClient,
        severity: Severity::Warn,
        area: Area::Policy,
        title: "a Windows 8.1 / Server 2012 R2 client gets the client policy with type 2 or 3: it enforces Restricted Admin instead, so RA's rules apply to its paths",
        source: "MS-CSP",
        source_section: "ADMX_CredSsp, RestrictedRemoteAdministration",
        quote: "On Windows 8.1 and Windows Server 2012 R2, enabling this policy will enforce Restricted Administration mode, regardless of the mode chosen",
        fix: "Upgrade these clients to Windows 10 1607 or later, or plan restricted-admin for their paths.",
        message: "Windows 8.1 / Server 2012 R2 clients enforce Restricted Admin whatever the mode: {clients}",
    },
    RuleInfo {
        code: Code::RaPthExposure,
        severity: Severity::Warn,
        area: Area::RestrictedAdmin,
        title: "the plan enables Restricted Admin on a target (`DisableRestrictedAdmin` = 0): anyone holding a local administrator's NT hash can then log on over RDP; worse without LAPS",
        source: "PTH; 000",
        source_section: "advisory 2871997; helpdesk section (LAPS)",
        quote: "LAPS mitigates the risk of lateral escalation and other cyberattacks facilitated when customers use the same administrative local account and password combination on all their computers.",
        fix: "Deploy LAPS on these targets before enabling Restricted Admin, restrict who is local administrator there, and monitor network logons over RDP (logon type 10 with Restricted Admin).",
        message: "once Restricted Admin is on, a local administrator's NT hash logs on over RDP to {targets}{detail}",
    },
    RuleInfo {
        code: Code::PolSocNotice,
        severity: Severity::Info,
        area: Area::Policy,
        title: "a stage changes `DisableRestrictedAdmin` on hosts: security monitoring alerts on that change; tell the SOC which hosts and when",
        source: "SOC",
        source_section: "Sigma \"RestrictedAdminMode Registry Value Tampering\"",
        quote: "RestrictedAdminMode Registry Value Tampering",
        fix: "Tell the security operations team which hosts the stage changes and when, so the alerts on DisableRestrictedAdmin are expected.",
        message: "DisableRestrictedAdmin changes on {hosts}: security monitoring alerts on it",
    },
    RuleInfo {
        code: Code::PuBreakglass,
        severity: Severity::Warn,
        area: Area::ProtectedUsers,
        title: "the plan enrolls every enabled member of a domain's Domain Admins (or Enterprise Admins) in Protected Users, leaving no tested account outside it",
        source: "MS-2024-PU",
        source_section: "Protected Users security group",
        quote: "until you can guarantee",
        fix: "Keep one tested break-glass account of Domain Admins out of Protected Users (and out of the plan's enrollment) until the members are known to work.",
        message: "every member of {detail} would be in Protected Users: {users}",
    },
    RuleInfo {
        code: Code::PuAesReset,
        severity: Severity::Action,
        area: Area::ProtectedUsers,
        title: "a member, or an account the plan enrolls, has no AES keys yet because its password predates them: reset the password before enrolling",
        source: "MS-2024-PU; 003",
        source_section: "DC protections",
        quote: "Use DES or RC4 encryption types in Kerberos pre-authentication.",
        fix: "Reset the password (`Set-ADAccountPassword <user> -Reset`) so the domain controllers create its AES keys, then enroll it.",
        message: "passwords last set before the domain had AES keys: reset them for {users}",
    },
    RuleInfo {
        code: Code::RaHostNoProtectedCreds,
        severity: Severity::Action,
        area: Area::RestrictedAdmin,
        title: "a target of restricted-admin (or of prefer-remote-guard's fallback) does not allow delegation of non-exportable credentials (`AllowProtectedCreds`)",
        source: "MS-RCG-2023; MS-CSP",
        source_section: "\"Remote host allows delegation of nonexportable credentials\"",
        quote: "This policy is required on the remote hosts to support Remote Credential Guard and Restricted Admin mode ... If you disable or don't configure this setting, Restricted Admin and Remote Credential Guard mode aren't supported.",
        fix: "Enable the target policy Computer Configuration > Administrative Templates > System > Credentials Delegation > \"Remote host allows delegation of non-exportable credentials\" (`HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\CredentialsDelegation` DWORD `AllowProtectedCreds` = 1) together with `DisableRestrictedAdmin` = 0.",
        message: "Restricted Admin needs delegation of non-exportable credentials (AllowProtectedCreds), which is not allowed on {targets}",
    },
    RuleInfo {
        code: Code::PuBuiltinAdmin,
        severity: Severity::Warn,
        area: Area::ProtectedUsers,
        title: "the domain's built-in Administrator (RID 500) is in Protected Users or enrolled by the plan: it is exempt from authentication policies and may have no AES key",
        source: "MS-PU-2025",
        source_section: "\"built-in domain Administrator\"",
        quote: "The built-in domain Administrator, S-1-5-<domain>-500, is always exempt from authentication policies ... doesn't have an AES key unless the password for the domain running Windows Server 2008 or later changes",
        fix: "Do not count on Protected Users for the built-in Administrator: keep it as a vaulted break-glass account with a long random password, reset that password once (so it gets AES keys), and administer with named tier-0 accounts instead.",
        message: "Protected Users does not protect the built-in Administrator (RID 500) as it does other accounts: {users}",
    },
    RuleInfo {
        code: Code::PuOldDcPassword,
        severity: Severity::Warn,
        area: Area::ProtectedUsers,
        title: "a member's domain has a domain controller older than Windows Server 2008: a password changed there locks the member out",
        source: "MS-PU-2025",
        source_section: "domain controller requirements",
        quote: "Any account that has its password changed by a domain controller running an earlier version of Windows Server is locked out of authentication",
        fix: "Demote the domain controllers older than Windows Server 2008 (`dcpromo` on each; for one that is gone, remove its metadata with `ntdsutil`), then raise the functional level; until then keep the members out of Protected Users.",
        message: "domain controllers older than Windows Server 2008 in {domains}: a password changed there locks out {users}",
    },
    RuleInfo {
        code: Code::PlanUnstaged,
        severity: Severity::Warn,
        area: Area::Policy,
        title: "a path is planned with a mode other than standard, but no stage puts it into use",
        source: "planning",
        source_section: "staging",
        quote: "Beginning with Windows 10 version 1703, you can enable Windows Defender Remote Credential Guard on the client device either by using Group Policy or by using a parameter with the Remote Desktop Connection.",
        fix: "Add the path to a stage (`>` in the planner's access paths view), or add its clients to a stage that enforces the client policy; or set the path back to standard.",
        message: "{detail}",
    },
];

impl Code {
    /// The code as written in the catalog, e.g. `RCG-CLIENT-OS`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::RcgClientOs => "RCG-CLIENT-OS",
            Code::RcgSuppliedCredsOs => "RCG-SUPPLIED-CREDS-OS",
            Code::RcgSavedCreds => "RCG-SAVED-CREDS",
            Code::RcgClientNotDomain => "RCG-CLIENT-NOT-DOMAIN",
            Code::RcgTargetOs => "RCG-TARGET-OS",
            Code::RcgTargetEntra => "RCG-TARGET-ENTRA",
            Code::RcgTargetNotDomain => "RCG-TARGET-NOT-DOMAIN",
            Code::RcgUwpClient => "RCG-UWP-CLIENT",
            Code::RcgNoKerberos => "RCG-NO-KERBEROS",
            Code::RcgCompoundAuth => "RCG-COMPOUND-AUTH",
            Code::RcgNoRdpRight => "RCG-NO-RDP-RIGHT",
            Code::RcgHostNotEnabled => "RCG-HOST-NOT-ENABLED",
            Code::RcgHostNoProtectedCreds => "RCG-HOST-NO-PROTECTED-CREDS",
            Code::RcgHelpdesk => "RCG-HELPDESK",
            Code::RcgVdi => "RCG-VDI",
            Code::RcgSessionExposure => "RCG-SESSION-EXPOSURE",
            Code::RaTargetOs => "RA-TARGET-OS",
            Code::RaNotAdmin => "RA-NOT-ADMIN",
            Code::RaMultihop => "RA-MULTIHOP",
            Code::RaNetworkIdentity => "RA-NETWORK-IDENTITY",
            Code::RaHostNotEnabled => "RA-HOST-NOT-ENABLED",
            Code::RaNoLaps => "RA-NO-LAPS",
            Code::RdpCredsExposed => "RDP-CREDS-EXPOSED",
            Code::PolClientConflict => "POL-CLIENT-CONFLICT",
            Code::PolRaIgnored => "POL-RA-IGNORED",
            Code::PolFallback => "POL-FALLBACK",
            Code::PolOrder => "POL-ORDER",
            Code::PuServiceAccount => "PU-SERVICE-ACCOUNT",
            Code::PuComputerAccount => "PU-COMPUTER-ACCOUNT",
            Code::PuDfl => "PU-DFL",
            Code::PuNoPdc2012r2 => "PU-NO-PDC-2012R2",
            Code::PuDeviceOs => "PU-DEVICE-OS",
            Code::PuNtlm => "PU-NTLM",
            Code::PuWeakEtypes => "PU-WEAK-ETYPES",
            Code::PuDelegation => "PU-DELEGATION",
            Code::PuOffline => "PU-OFFLINE",
            Code::PuTgtLifetime => "PU-TGT-LIFETIME",
            Code::PuCredsspSso => "PU-CREDSSP-SSO",
            Code::PuCandidate => "PU-CANDIDATE",
            Code::TrustNoPath => "TRUST-NO-PATH",
            Code::TrustSelectiveAuth => "TRUST-SELECTIVE-AUTH",
            Code::ClientNoSignin => "CLIENT-NO-SIGNIN",
            Code::RdpNoRight => "RDP-NO-RIGHT",
            Code::RdpRightsUnknown => "RDP-RIGHTS-UNKNOWN",
            Code::RdpDenyRight => "RDP-DENY-RIGHT",
            Code::RcgGateway => "RCG-GATEWAY",
            Code::PolEntraTarget => "POL-ENTRA-TARGET",
            Code::PolLegacyClient => "POL-LEGACY-CLIENT",
            Code::RaPthExposure => "RA-PTH-EXPOSURE",
            Code::PolSocNotice => "POL-SOC-NOTICE",
            Code::PuBreakglass => "PU-BREAKGLASS",
            Code::PuAesReset => "PU-AES-RESET",
            Code::RaHostNoProtectedCreds => "RA-HOST-NO-PROTECTED-CREDS",
            Code::PuBuiltinAdmin => "PU-BUILTIN-ADMIN",
            Code::PuOldDcPassword => "PU-OLD-DC-PASSWORD",
            Code::PlanUnstaged => "PLAN-UNSTAGED",
        }
    }

    /// Its catalog entry.
    pub fn info(self) -> &'static RuleInfo {
        // The catalog lists every code exactly once, in declaration order (a test checks it).
        &CATALOG[self as usize]
    }

    /// Default severity.
    pub fn severity(self) -> Severity {
        self.info().severity
    }

    /// Every code, in catalog order.
    pub fn all() -> impl Iterator<Item = Code> {
        CATALOG.iter().map(|r| r.code)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Code {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        Code::all()
            .find(|c| c.as_str() == upper)
            .ok_or_else(|| format!("unknown finding code `{s}`: `guardplan rules` lists them"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_in_declaration_order_and_parses_back() {
        for (i, r) in CATALOG.iter().enumerate() {
            assert_eq!(r.code as usize, i, "{} out of order", r.code);
            assert_eq!(r.code.as_str().parse::<Code>(), Ok(r.code));
        }
    }

    #[test]
    fn every_rule_has_a_quote_a_fix_and_a_message() {
        for r in CATALOG {
            assert!(!r.quote.is_empty(), "{} has no quote", r.code);
            assert!(!r.fix.is_empty(), "{} has no fix", r.code);
            assert!(!r.message.is_empty(), "{} has no message", r.code);
        }
    }

    #[test]
    fn severities_are_those_of_the_rules_document() {
        use Severity::*;
        let expect = [
            (Code::RcgHostNotEnabled, Action),
            (Code::RcgHostNoProtectedCreds, Action),
            (Code::RcgHelpdesk, Warn),
            (Code::RcgSessionExposure, Info),
            (Code::RaNetworkIdentity, Warn),
            (Code::RaHostNotEnabled, Action),
            (Code::RaNoLaps, Warn),
            (Code::RdpCredsExposed, Warn),
            (Code::PolRaIgnored, Warn),
            (Code::PolFallback, Info),
            (Code::PuDfl, Warn),
            (Code::PuNoPdc2012r2, Warn),
            (Code::PuDeviceOs, Warn),
            (Code::PuOffline, Warn),
            (Code::PuTgtLifetime, Warn),
            (Code::PuCredsspSso, Warn),
            (Code::PuCandidate, Info),
            (Code::TrustSelectiveAuth, Warn),
            (Code::RdpRightsUnknown, Warn),
            (Code::PolLegacyClient, Warn),
            (Code::RaPthExposure, Warn),
            (Code::PolSocNotice, Info),
            (Code::PuBreakglass, Warn),
            (Code::PuAesReset, Action),
            (Code::RaHostNoProtectedCreds, Action),
            (Code::PuBuiltinAdmin, Warn),
            (Code::PuOldDcPassword, Warn),
            (Code::PlanUnstaged, Warn),
        ];
        for r in CATALOG {
            let want = expect
                .iter()
                .find(|(c, _)| *c == r.code)
                .map_or(Block, |(_, s)| *s);
            assert_eq!(r.severity, want, "{}", r.code);
        }
    }
}
