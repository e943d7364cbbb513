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
}

/// The whole catalog, in the order of the rules document.
pub static CATALOG: &[RuleInfo] = &[
    RuleInfo {
        code: Code::RcgClientOs,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "client older than Windows 10 1607 / Server 2016",
        source: "000",
        source_section: "requirements",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RcgSuppliedCredsOs,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "path uses supplied (typed) credentials and client older than 1703",
        source: "000",
        source_section: "requirements, note",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RcgSavedCreds,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "path relies on saved credentials (RCG takes signed-on, and from 1703 supplied, never saved)",
        source: "000",
        source_section: "table; MS-2023",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RcgClientNotDomain,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "client older than 1703 (signed-in credentials only) and not AD domain-joined",
        source: "000",
        source_section: "note",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RcgTargetOs,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "target older than Windows 10 1607 / Server 2016",
        source: "000",
        source_section: "requirements",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RcgTargetEntra,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "target is Azure AD (Entra ID) joined and not AD joined (hybrid-joined, or an AD-joined Azure VM, is fine)",
        source: "000",
        source_section: "considerations",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RcgTargetNotDomain,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "target not joined to an AD domain (workgroup)",
        source: "000",
        source_section: "considerations",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RcgUwpClient,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "client uses the Remote Desktop Universal Windows Platform (store) app, not classic mstsc",
        source: "000",
        source_section: "requirements",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RcgNoKerberos,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "client has no line of sight to a domain controller: RDP would fall back to NTLM, which RCG refuses",
        source: "000",
        source_section: "requirements",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RcgCompoundAuth,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "sessions on the target need resources that demand device claims (compound authentication): access denied",
        source: "000",
        source_section: "considerations",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RcgNoRdpRight,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "user is not allowed to log on over RDP to the target (Remote Desktop Users or Administrators there)",
        source: "000",
        source_section: "table \"Access\"",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RcgHostNotEnabled,
        severity: Severity::Action,
        area: Area::RemoteGuard,
        title: "target's `DisableRestrictedAdmin` is not 0",
        source: "000",
        source_section: "\"Enable\"",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RcgHostNoProtectedCreds,
        severity: Severity::Action,
        area: Area::RemoteGuard,
        title: "target does not allow delegation of non-exportable credentials (`AllowProtectedCreds`)",
        source: "000",
        source_section: "requirements",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RcgHelpdesk,
        severity: Severity::Warn,
        area: Area::RemoteGuard,
        title: "purpose is helpdesk: Microsoft recommends RA instead, since a compromised client can use the open channel to act as the helpdesk user for hours after disconnect",
        source: "000",
        source_section: "helpdesk section",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RcgVdi,
        severity: Severity::Block,
        area: Area::RemoteGuard,
        title: "target is in an RDS VDI collection (not supported)",
        source: "MS-2023",
        source_section: "(RDS supported configurations)",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RcgSessionExposure,
        severity: Severity::Info,
        area: Area::RemoteGuard,
        title: "an attacker on the target can act as the user while the session is open (and, for helpdesk, hours after)",
        source: "000",
        source_section: "table",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RaTargetOs,
        severity: Severity::Block,
        area: Area::RestrictedAdmin,
        title: "target older than Windows 7 / Server 2008 R2, or 7 / 2008 R2 / 2012 without KB2871997",
        source: "000",
        source_section: "table \"Version support\"",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RaNotAdmin,
        severity: Severity::Block,
        area: Area::RestrictedAdmin,
        title: "user is not a member of the target's Administrators group (RA is administrators only)",
        source: "000",
        source_section: "table \"Access\"",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RaMultihop,
        severity: Severity::Block,
        area: Area::RestrictedAdmin,
        title: "the path continues from the target to another host as the user (session runs as the local host account)",
        source: "000",
        source_section: "table \"Multi-hop\"",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RaNetworkIdentity,
        severity: Severity::Warn,
        area: Area::RestrictedAdmin,
        title: "sessions on the target must reach network resources as the user (RA uses the host's identity)",
        source: "000",
        source_section: "table \"Network identity\"",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RaHostNotEnabled,
        severity: Severity::Action,
        area: Area::RestrictedAdmin,
        title: "target's `DisableRestrictedAdmin` is not 0",
        source: "000",
        source_section: "\"Enable\"",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RaNoLaps,
        severity: Severity::Warn,
        area: Area::RestrictedAdmin,
        title: "target has no LAPS: a shared local administrator password enables lateral movement",
        source: "000",
        source_section: "helpdesk section (LAPS)",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::RdpCredsExposed,
        severity: Severity::Warn,
        area: Area::Policy,
        title: "a privileged account (admin or helpdesk role, or a Protected Users member) uses `standard`: credentials reach the target",
        source: "000",
        source_section: "table \"Protection benefits\"",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::PolClientConflict,
        severity: Severity::Block,
        area: Area::Policy,
        title: "one client device carries paths whose chosen modes need different \"Require ...\" policies (policy is per computer)",
        source: "000",
        source_section: "Group Policy section",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::PolRaIgnored,
        severity: Severity::Warn,
        area: Area::Policy,
        title: "helpdesk path planned as restricted-admin from a client whose policy is \"Restrict Credential Delegation\": `/restrictedAdmin` is ignored, RCG is used",
        source: "MS-2023",
        source_section: "",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::PolFallback,
        severity: Severity::Info,
        area: Area::Policy,
        title: "`prefer-remote-guard` path where RCG is blocked: RA will be used, so RA's rules apply",
        source: "000",
        source_section: "Group Policy section",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::PolOrder,
        severity: Severity::Block,
        area: Area::Policy,
        title: "a stage enforces a client policy (or switch) before a stage that enables every target it connects to",
        source: "planning",
        source_section: "staging",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::PuServiceAccount,
        severity: Severity::Block,
        area: Area::ProtectedUsers,
        title: "a service account (including managed service accounts) is a member: its authentication fails (\"user name or password is incorrect\")",
        source: "003",
        source_section: "",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::PuComputerAccount,
        severity: Severity::Block,
        area: Area::ProtectedUsers,
        title: "a computer account is a member",
        source: "003",
        source_section: "",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::PuDfl,
        severity: Severity::Warn,
        area: Area::ProtectedUsers,
        title: "member's domain functional level is below Windows Server 2012 R2: the domain controller protections do not apply",
        source: "003",
        source_section: "requirements",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::PuNoPdc2012r2,
        severity: Severity::Warn,
        area: Area::ProtectedUsers,
        title: "the domain has no domain controller on 2012 R2 or later to hold the PDC emulator role that creates the group",
        source: "003",
        source_section: "\"down-level domains\"",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::PuDeviceOs,
        severity: Severity::Warn,
        area: Area::ProtectedUsers,
        title: "a member signs in on a device older than 8.1 / 2012 R2 without KB2871997: device protections missing",
        source: "003",
        source_section: "requirements",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::PuNtlm,
        severity: Severity::Block,
        area: Area::ProtectedUsers,
        title: "a member's path needs NTLM (no DC line of sight, workgroup target, no trust path): NTLM authentication is refused",
        source: "003",
        source_section: "DC protections",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::PuWeakEtypes,
        severity: Severity::Block,
        area: Area::ProtectedUsers,
        title: "a member has no AES keys (DES/RC4 only): Kerberos pre-authentication fails",
        source: "003",
        source_section: "DC protections",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::PuDelegation,
        severity: Severity::Block,
        area: Area::ProtectedUsers,
        title: "a member's path relies on Kerberos constrained or unconstrained delegation",
        source: "003",
        source_section: "DC protections",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::PuOffline,
        severity: Severity::Warn,
        area: Area::ProtectedUsers,
        title: "a member must sign in offline on a device (no cached verifier is created)",
        source: "003",
        source_section: "device protections",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::PuTgtLifetime,
        severity: Severity::Warn,
        area: Area::ProtectedUsers,
        title: "a member's sessions are planned longer than the 4-hour TGT lifetime that cannot be renewed (the seed also mentions 600 minutes for the policies; Microsoft's later text says 240)",
        source: "003",
        source_section: "",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::PuCredsspSso,
        severity: Severity::Warn,
        area: Area::ProtectedUsers,
        title: "a member relies on CredSSP default credential delegation (plain RDP single sign-on): plain-text credentials are not cached, so it prompts",
        source: "003",
        source_section: "device protections",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::PuCandidate,
        severity: Severity::Info,
        area: Area::ProtectedUsers,
        title: "a privileged account (admin or helpdesk role) is not a member; the rollout is the moment to enroll it",
        source: "003",
        source_section: "purpose; PingCastle P-ProtectedUsers",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::TrustNoPath,
        severity: Severity::Block,
        area: Area::Trust,
        title: "no trust path lets the user's domain authenticate to the target's domain (direction-aware: the target's domain must trust the user's; external trusts are not transitive; forest trusts are transitive only between the two forests)",
        source: "000",
        source_section: "note (same domain or a trust)",
        quote: "",
        fix: "",
    },
    RuleInfo {
        code: Code::TrustSelectiveAuth,
        severity: Severity::Warn,
        area: Area::Trust,
        title: "the path crosses a trust with selective authentication: the user needs \"Allowed to Authenticate\" on the target",
        source: "AD",
        source_section: "trust semantics",
        quote: "",
        fix: "",
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
}
