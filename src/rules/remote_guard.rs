//! Remote Credential Guard: what the client, the target and the path itself must offer.

use super::{Code, Codes, bit};
use crate::inventory::{
    AccessPath, BUILD_1607, BUILD_1703, Credentials, Host, JoinType, Purpose, RdpClient,
};

/// Codes a client device raises for a path using `creds`.
pub(super) fn client_codes(h: &Host, creds: Credentials) -> Codes {
    let build = h.os.build;
    let mut c = 0;
    if build < BUILD_1607 {
        c |= bit(Code::RcgClientOs);
    } else if build < BUILD_1703 && !h.is_ad_joined() {
        // 1607 to 1702 only pass on signed-in credentials, which needs an AD-joined client.
        c |= bit(Code::RcgClientNotDomain);
    }
    if creds == Credentials::Supplied && build < BUILD_1703 {
        c |= bit(Code::RcgSuppliedCredsOs);
    }
    if h.rdp_client == RdpClient::Uwp {
        c |= bit(Code::RcgUwpClient);
    }
    if !h.dc_line_of_sight {
        c |= bit(Code::RcgNoKerberos);
    }
    c
}

/// Codes a target host raises (independent of the path).
pub(super) fn target_codes(h: &Host) -> Codes {
    let mut c = 0;
    if h.os.build < BUILD_1607 {
        c |= bit(Code::RcgTargetOs);
    }
    match h.join {
        // An AD-joined Azure VM is `ad`; hybrid-joined devices are AD-joined too.
        JoinType::Entra => c |= bit(Code::RcgTargetEntra),
        JoinType::Workgroup => c |= bit(Code::RcgTargetNotDomain),
        JoinType::Ad | JoinType::Hybrid => {}
    }
    if h.device_claims {
        c |= bit(Code::RcgCompoundAuth);
    }
    if h.rds_vdi {
        c |= bit(Code::RcgVdi);
    }
    if !h.restricted_admin_enabled() {
        c |= bit(Code::RcgHostNotEnabled);
    }
    if !h.allow_protected_creds {
        c |= bit(Code::RcgHostNoProtectedCreds);
    }
    c
}

/// Codes the path raises by itself.
pub(super) fn path_codes(p: &AccessPath) -> Codes {
    let mut c = bit(Code::RcgSessionExposure);
    if p.credentials == Credentials::Saved {
        c |= bit(Code::RcgSavedCreds);
    }
    if p.purpose == Purpose::Helpdesk {
        c |= bit(Code::RcgHelpdesk);
    }
    c
}
