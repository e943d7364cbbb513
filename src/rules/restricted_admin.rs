//! Restricted Admin mode: what the target and the path must offer.

use super::{Code, Codes, bit};
use crate::inventory::{AccessPath, BUILD_WIN7, Host, HostRole, Os, OsFamily};

/// Restricted Admin is native from Windows 8.1 / Server 2012 R2; KB2871997 back-ports it to 7, 8, 2008 R2 and
/// 2012. Anything older than Windows 7 / 2008 R2 never has it.
pub(super) fn supports(os: &Os) -> bool {
    if os.build < BUILD_WIN7 {
        return false;
    }
    let needs_kb = matches!(
        os.family,
        OsFamily::Windows7 | OsFamily::Windows8 | OsFamily::Server2008R2 | OsFamily::Server2012
    );
    !needs_kb || os.kb2871997
}

/// Codes a target host raises (independent of the path).
pub(super) fn target_codes(h: &Host) -> Codes {
    let mut c = 0;
    if !supports(&h.os) {
        c |= bit(Code::RaTargetOs);
    } else if !h.restricted_admin_enabled() {
        // Enabling it is only worth doing where Restricted Admin can then work; once on, a local
        // administrator's NT hash logs on over RDP, and monitoring sees the change.
        c |= bit(Code::RaHostNotEnabled) | bit(Code::RaPthExposure) | bit(Code::PolSocNotice);
    }
    // MS-RCG-2023 and MS-CSP: "Remote host allows delegation of nonexportable credentials" is required for
    // Restricted Admin as much as for Remote Credential Guard.
    if supports(&h.os) && !h.allow_protected_creds {
        c |= bit(Code::RaHostNoProtectedCreds);
    }
    // Domain controllers have no local accounts of their own: LAPS has nothing to manage there.
    if !h.laps && !h.roles.contains(&HostRole::DomainController) {
        c |= bit(Code::RaNoLaps);
    }
    c
}

/// Codes the path raises by itself.
pub(super) fn path_codes(p: &AccessPath) -> Codes {
    let mut c = 0;
    if !p.hops.is_empty() {
        c |= bit(Code::RaMultihop);
    }
    if p.network_as_user {
        c |= bit(Code::RaNetworkIdentity);
    }
    c
}
