//! Remote Credential Guard rules: one case where each fires, one near miss where it must not.

use crate::rules_support;

use guardplan::Mode::{PreferRemoteGuard, RemoteGuard, RestrictedAdmin};
use guardplan::Verdict;
use guardplan::rules::Code;
use rules_support::{Case, fires, quiet};

#[test]
fn prepared_modern_path_is_clean_under_remote_guard() {
    let j = Case::new().eval();
    assert_eq!(j.verdict(RemoteGuard), Verdict::Info);
    assert_eq!(j.recommended(), Some(RemoteGuard));
}

#[test]
fn client_os() {
    fires(
        &Case::new().client(&[("os", "\"windows-8.1\""), ("build", "-")]),
        RemoteGuard,
        Code::RcgClientOs,
    );
    fires(
        &Case::new().client(&[("os", "\"windows-10\""), ("build", "10586")]),
        RemoteGuard,
        Code::RcgClientOs,
    );
    quiet(
        &Case::new().client(&[("os", "\"windows-10\""), ("build", "14393")]),
        RemoteGuard,
        Code::RcgClientOs,
    );
    quiet(
        &Case::new().client(&[("os", "\"server-2016\""), ("build", "-")]),
        RemoteGuard,
        Code::RcgClientOs,
    );
}

#[test]
fn supplied_credentials_need_1703() {
    let c1607 = Case::new().client(&[("os", "\"windows-10\""), ("build", "14393")]);
    // 1607 with signed-in credentials is fine, supplied credentials are not.
    quiet(&c1607, RemoteGuard, Code::RcgSuppliedCredsOs);
    assert_ne!(c1607.eval().verdict(RemoteGuard), Verdict::Block);
    let supplied = c1607.path(&[("credentials", "\"supplied\"")]);
    fires(&supplied, RemoteGuard, Code::RcgSuppliedCredsOs);
    let c1703 = supplied.client(&[("build", "15063")]);
    quiet(&c1703, RemoteGuard, Code::RcgSuppliedCredsOs);
}

#[test]
fn saved_credentials_never_work() {
    fires(
        &Case::new().path(&[("credentials", "\"saved\"")]),
        RemoteGuard,
        Code::RcgSavedCreds,
    );
    quiet(
        &Case::new().path(&[("credentials", "\"supplied\"")]),
        RemoteGuard,
        Code::RcgSavedCreds,
    );
}

#[test]
fn client_not_domain_joined_before_1703() {
    let wg1607 = Case::new().client(&[
        ("os", "\"windows-10\""),
        ("build", "14393"),
        ("join", "\"workgroup\""),
        ("domain", "-"),
    ]);
    fires(&wg1607, RemoteGuard, Code::RcgClientNotDomain);
    quiet(
        &wg1607.client(&[("build", "15063")]),
        RemoteGuard,
        Code::RcgClientNotDomain,
    );
    quiet(
        &Case::new().client(&[("os", "\"windows-10\""), ("build", "14393")]),
        RemoteGuard,
        Code::RcgClientNotDomain,
    );
}

#[test]
fn target_os() {
    fires(
        &Case::new().target(&[("os", "\"server-2012r2\"")]),
        RemoteGuard,
        Code::RcgTargetOs,
    );
    quiet(
        &Case::new().target(&[("os", "\"server-2016\"")]),
        RemoteGuard,
        Code::RcgTargetOs,
    );
    quiet(
        &Case::new().target(&[("os", "\"windows-10\""), ("build", "14393")]),
        RemoteGuard,
        Code::RcgTargetOs,
    );
}

#[test]
fn entra_joined_target_but_not_hybrid_nor_azure_vm() {
    let entra = Case::new().target(&[("join", "\"entra\""), ("domain", "-")]);
    fires(&entra, RemoteGuard, Code::RcgTargetEntra);
    quiet(
        &Case::new().target(&[("join", "\"hybrid\"")]),
        RemoteGuard,
        Code::RcgTargetEntra,
    );
    let azure_vm = Case::new().target(&[("azure_vm", "true")]);
    quiet(&azure_vm, RemoteGuard, Code::RcgTargetEntra);
    assert_ne!(azure_vm.eval().verdict(RemoteGuard), Verdict::Block);
}

#[test]
fn workgroup_target() {
    let wg = Case::new().target(&[("join", "\"workgroup\""), ("domain", "-")]);
    fires(&wg, RemoteGuard, Code::RcgTargetNotDomain);
    quiet(&wg, RemoteGuard, Code::RcgTargetEntra);
    quiet(&Case::new(), RemoteGuard, Code::RcgTargetNotDomain);
}

#[test]
fn uwp_client() {
    fires(
        &Case::new().client(&[("rdp_client", "\"uwp\"")]),
        RemoteGuard,
        Code::RcgUwpClient,
    );
    quiet(
        &Case::new().client(&[("rdp_client", "\"mstsc\"")]),
        RemoteGuard,
        Code::RcgUwpClient,
    );
}

#[test]
fn no_kerberos_without_a_domain_controller() {
    let far = Case::new().client(&[("dc_line_of_sight", "false")]);
    fires(&far, RemoteGuard, Code::RcgNoKerberos);
    // Restricted Admin accepts any negotiable protocol.
    assert_ne!(far.eval().verdict(RestrictedAdmin), Verdict::Block);
    quiet(&Case::new(), RemoteGuard, Code::RcgNoKerberos);
}

#[test]
fn compound_authentication() {
    fires(
        &Case::new().target(&[("device_claims", "true")]),
        RemoteGuard,
        Code::RcgCompoundAuth,
    );
    quiet(&Case::new(), RemoteGuard, Code::RcgCompoundAuth);
}

/// Two paths to one host can differ: the path's `device_claims` decides for its own sessions, beside the
/// target's.
#[test]
fn compound_authentication_per_path() {
    let claims = Case::new().target(&[("device_claims", "true")]);
    // A helpdesk path whose sessions use no claims-protected share: no block, though the target has some.
    quiet(
        &claims.clone().path(&[("device_claims", "false")]),
        RemoteGuard,
        Code::RcgCompoundAuth,
    );
    // A file-server admin whose sessions need them, on a target that does not say so.
    fires(
        &Case::new().path(&[("device_claims", "true")]),
        RemoteGuard,
        Code::RcgCompoundAuth,
    );
    // Near miss: the path does not say; the target's decides.
    fires(&claims, RemoteGuard, Code::RcgCompoundAuth);
}

#[test]
fn rdp_right_from_remote_desktop_users_or_administrators() {
    let none = Case::new().target(&[("administrators", "[]"), ("remote_desktop_users", "[]")]);
    fires(&none, RemoteGuard, Code::RcgNoRdpRight);
    // Remote Desktop Users not given: unknown, not empty.
    let unknown = Case::new().target(&[("administrators", "[]")]);
    quiet(&unknown, RemoteGuard, Code::RcgNoRdpRight);
    fires(&unknown, RemoteGuard, Code::RdpRightsUnknown);
    quiet(&none, RemoteGuard, Code::RdpRightsUnknown);
    let rdu = none.target(&[("remote_desktop_users", "[\"alice\"]")]);
    quiet(&rdu, RemoteGuard, Code::RcgNoRdpRight);
    quiet(&Case::new(), RemoteGuard, Code::RcgNoRdpRight);
    // Through a group.
    let group = Case::new()
        .user(&[("member_of", "[\"Ops\"]")])
        .target(&[
            ("administrators", "[]"),
            ("remote_desktop_users", "[\"Ops\"]"),
        ])
        .extra("[[group]]\nname = \"Ops\"\ndomain = \"corp.contoso.com\"");
    quiet(&group, RemoteGuard, Code::RcgNoRdpRight);
}

#[test]
fn host_not_enabled_and_protected_creds_are_actions() {
    let unset = Case::new().target(&[("disable_restricted_admin", "-")]);
    fires(&unset, RemoteGuard, Code::RcgHostNotEnabled);
    fires(
        &Case::new().target(&[("disable_restricted_admin", "1")]),
        RemoteGuard,
        Code::RcgHostNotEnabled,
    );
    assert_eq!(unset.eval().verdict(RemoteGuard), Verdict::Action);
    quiet(&Case::new(), RemoteGuard, Code::RcgHostNotEnabled);
    fires(
        &Case::new().target(&[("allow_protected_creds", "false")]),
        RemoteGuard,
        Code::RcgHostNoProtectedCreds,
    );
    quiet(&Case::new(), RemoteGuard, Code::RcgHostNoProtectedCreds);
}

#[test]
fn helpdesk_is_warned_off_remote_guard() {
    let hd = Case::new().path(&[("purpose", "\"helpdesk\"")]);
    fires(&hd, RemoteGuard, Code::RcgHelpdesk);
    quiet(&Case::new(), RemoteGuard, Code::RcgHelpdesk);
}

#[test]
fn vdi_collection() {
    fires(
        &Case::new().target(&[("rds_vdi", "true")]),
        RemoteGuard,
        Code::RcgVdi,
    );
    quiet(&Case::new(), RemoteGuard, Code::RcgVdi);
}

#[test]
fn session_exposure_is_remote_guard_context() {
    let j = Case::new().eval();
    let f = j.finding(RemoteGuard, Code::RcgSessionExposure);
    assert!(f.is_some_and(|f| j.labels(f).contains(&"CORP\\alice".to_string())));
    quiet(&Case::new(), RestrictedAdmin, Code::RcgSessionExposure);
}

#[test]
fn prefer_remote_guard_keeps_remote_guard_context_where_it_is_used() {
    let j = Case::new().eval();
    assert!(j.has(PreferRemoteGuard, Code::RcgSessionExposure));
    assert!(!j.has(PreferRemoteGuard, Code::PolFallback));
}

/// A path that hops from `TARGET` on to `HOP` (a modern, prepared host unless overridden).
fn onward(hop: &[(&str, &str)]) -> Case {
    let mut h = vec![
        ("name", "\"HOP\""),
        ("domain", "\"corp.contoso.com\""),
        ("join", "\"ad\""),
        ("os", "\"server-2022\""),
        ("disable_restricted_admin", "0"),
        ("allow_protected_creds", "true"),
        ("laps", "true"),
        ("administrators", "[\"alice\"]"),
    ];
    for (k, v) in hop {
        h.retain(|(key, _)| key != k);
        h.push((k, v));
    }
    let table: Vec<String> = h.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    Case::new()
        .path(&[("hops", "[\"host:HOP\"]")])
        .extra(&format!("[[host]]\n{}", table.join("\n")))
}

#[test]
fn an_onward_hop_is_judged_as_a_target() {
    let hop_of = |j: &rules_support::Judged, mode, code| {
        j.finding(mode, code)
            .map(|f| j.labels(f))
            .unwrap_or_default()
    };
    // Windows 8.1 on the hop: Remote Credential Guard cannot reach it.
    let old = onward(&[("os", "\"windows-8.1\"")]).eval();
    assert_eq!(
        hop_of(&old, RemoteGuard, Code::RcgTargetOs),
        vec!["HOP".to_string()]
    );
    assert_eq!(old.recommended(), Some(guardplan::Mode::Standard));
    let j = onward(&[("allow_protected_creds", "false")]).eval();
    assert_eq!(
        hop_of(&j, RemoteGuard, Code::RcgHostNoProtectedCreds),
        vec!["HOP".to_string()]
    );
    // Restricted Admin's target rules hold on the hop as well.
    let j = onward(&[("laps", "false")]).eval();
    assert_eq!(
        hop_of(&j, RestrictedAdmin, Code::RaNoLaps),
        vec!["HOP".to_string()]
    );
    // Near miss: a modern, prepared hop raises nothing of its own, and remote-guard stays recommended.
    let j = onward(&[]).eval();
    for code in [
        Code::RcgTargetOs,
        Code::RcgHostNoProtectedCreds,
        Code::RcgHostNotEnabled,
    ] {
        assert!(!j.has(RemoteGuard, code), "{code}");
    }
    assert!(!j.has(RestrictedAdmin, Code::RaNoLaps));
    assert_eq!(j.recommended(), Some(RemoteGuard));
}

#[test]
fn the_target_is_the_client_of_the_onward_connection() {
    // No domain controller in sight of the target: its onward connection has no Kerberos.
    let far = onward(&[]).target(&[("dc_line_of_sight", "false")]).eval();
    let f = far
        .finding(RemoteGuard, Code::RcgNoKerberos)
        .map(|f| far.labels(f));
    assert_eq!(f, Some(vec!["TARGET".to_string()]));
    // Near miss: the same target without an onward hop is not a client of anything.
    quiet(
        &Case::new().target(&[("dc_line_of_sight", "false")]),
        RemoteGuard,
        Code::RcgNoKerberos,
    );
}
