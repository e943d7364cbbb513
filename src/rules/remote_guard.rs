//! Remote Credential Guard: what the client, the target and the path itself must offer.

use super::{Code, Codes, bit};
use crate::inventory::{
    AccessPath, BUILD_1607, BUILD_1703, Credentials, Host, JoinType, Purpose, RdpClient, Route,
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
    // An action is only worth doing where Remote Credential Guard can then work.
    let unreachable =
        bit(Code::RcgTargetOs) | bit(Code::RcgTargetEntra) | bit(Code::RcgTargetNotDomain);
    if c & unreachable != 0 {
        return c;
    }
    if !h.restricted_admin_enabled() {
        // Setting DisableRestrictedAdmin = 0 turns on Restricted Admin as well, and monitoring sees the change.
        c |= bit(Code::RcgHostNotEnabled) | bit(Code::RaPthExposure) | bit(Code::PolSocNotice);
    }
    if !h.allow_protected_creds {
        c |= bit(Code::RcgHostNoProtectedCreds);
    }
    c
}

/// The blocks of a target that stop the connection itself, so that `prefer-remote-guard` falls back to
/// Restricted Admin. Compound authentication does not: the client connects with Remote Credential Guard and the
/// session is then denied the resources that demand device claims.
pub(super) fn connect_blocks(c: Codes) -> Codes {
    super::blocks(c) & !bit(Code::RcgCompoundAuth)
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
    if p.via != Route::Direct {
        c |= bit(Code::RcgGateway);
    }
    c
}

/// What a route goes through, for RCG-GATEWAY.
pub(super) fn route_name(r: Route) -> &'static str {
    match r {
        Route::Direct => "a direct connection",
        Route::Gateway => "an RD Gateway",
        // MS-RDS-2024 on a single-instance broker: still a block, since Microsoft does not support it.
        Route::Broker => {
            "an RD Connection Broker (one whose DNS name matches its computer name, on a single instance, \"may be able to use Remote Credential Guard, although this isn't supported\")"
        }
    }
}
