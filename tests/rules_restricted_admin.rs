//! Restricted Admin rules: one case where each fires, one near miss where it must not.

use crate::rules_support;

use guardplan::Mode::{PreferRemoteGuard, RemoteGuard, RestrictedAdmin, Standard};
use guardplan::Verdict;
use guardplan::rules::Code;
use rules_support::{Case, fires, quiet};

#[test]
fn windows_7_needs_kb2871997() {
    let w7 = Case::new().target(&[("os", "\"windows-7\"")]);
    fires(&w7, RestrictedAdmin, Code::RaTargetOs);
    quiet(
        &w7.target(&[("kb2871997", "true")]),
        RestrictedAdmin,
        Code::RaTargetOs,
    );
}

#[test]
fn target_os_table() {
    for (os, kb, raised) in [
        ("server-2008", true, true),
        ("windows-vista", true, true),
        ("server-2008r2", false, true),
        ("server-2008r2", true, false),
        ("server-2012", false, true),
        ("server-2012", true, false),
        ("windows-8", false, true),
        ("server-2012r2", false, false),
        ("windows-8.1", false, false),
        ("server-2016", false, false),
    ] {
        let case = Case::new().target(&[
            ("os", &format!("\"{os}\"")),
            ("kb2871997", if kb { "true" } else { "false" }),
        ]);
        if raised {
            fires(&case, RestrictedAdmin, Code::RaTargetOs);
        } else {
            quiet(&case, RestrictedAdmin, Code::RaTargetOs);
        }
    }
}

#[test]
fn administrators_only() {
    let rdu_only = Case::new().target(&[
        ("administrators", "[]"),
        ("remote_desktop_users", "[\"alice\"]"),
    ]);
    fires(&rdu_only, RestrictedAdmin, Code::RaNotAdmin);
    quiet(&rdu_only, RemoteGuard, Code::RcgNoRdpRight);
    quiet(&Case::new(), RestrictedAdmin, Code::RaNotAdmin);
}

#[test]
fn multihop_is_not_allowed() {
    let hop = Case::new().path(&[("hops", "[\"host:NEXT\"]")]).extra(
        "[[host]]\nname = \"NEXT\"\ndomain = \"corp.contoso.com\"\njoin = \"ad\"\nos = \"server-2022\"\nadministrators = [\"alice\"]",
    );
    fires(&hop, RestrictedAdmin, Code::RaMultihop);
    quiet(&hop, RemoteGuard, Code::RaMultihop);
    assert_eq!(hop.eval().verdict(RestrictedAdmin), Verdict::Block);
    // Remote Credential Guard is the answer for an admin path that hops onward.
    assert_eq!(hop.eval().recommended(), Some(RemoteGuard));
    quiet(&Case::new(), RestrictedAdmin, Code::RaMultihop);
}

#[test]
fn network_identity_is_the_hosts() {
    let net = Case::new().path(&[("network_as_user", "true")]);
    fires(&net, RestrictedAdmin, Code::RaNetworkIdentity);
    quiet(&net, Standard, Code::RaNetworkIdentity);
    quiet(&Case::new(), RestrictedAdmin, Code::RaNetworkIdentity);
}

#[test]
fn host_not_enabled() {
    let off = Case::new().target(&[("disable_restricted_admin", "1")]);
    fires(&off, RestrictedAdmin, Code::RaHostNotEnabled);
    assert_eq!(off.eval().verdict(RestrictedAdmin), Verdict::Action);
    quiet(&Case::new(), RestrictedAdmin, Code::RaHostNotEnabled);
}

/// MS-RCG-2023 and MS-CSP: "Remote host allows delegation of nonexportable credentials" is "required on the
/// remote hosts to support Remote Credential Guard and Restricted Admin mode".
#[test]
fn restricted_admin_needs_allow_protected_creds() {
    let no_apc = Case::new().target(&[("allow_protected_creds", "false")]);
    let j = no_apc.eval();
    let f = j.finding(RestrictedAdmin, Code::RaHostNoProtectedCreds);
    assert_eq!(f.map(|f| j.labels(f)), Some(vec!["TARGET".to_string()]));
    assert_eq!(j.verdict(RestrictedAdmin), Verdict::Action);
    let info = Code::RaHostNoProtectedCreds.info();
    assert!(
        info.quote
            .contains("Restricted Admin and Remote Credential Guard mode aren't supported")
    );
    assert_eq!(info.source, "MS-RCG-2023; MS-CSP");
    // prefer-remote-guard falling back to Restricted Admin needs it on the fallback target as well.
    let no_apc = || Case::new().target(&[("allow_protected_creds", "false")]);
    let fallback = no_apc().target(&[("os", "\"server-2012r2\"")]);
    fires(&fallback, PreferRemoteGuard, Code::RaHostNoProtectedCreds);
    fires(&fallback, PreferRemoteGuard, Code::PolFallback);
    // Near misses, one fact each: the policy set, a target Restricted Admin cannot reach (Windows Server 2008),
    // or a plain RDP path (nothing to prepare).
    quiet(&Case::new(), RestrictedAdmin, Code::RaHostNoProtectedCreds);
    quiet(
        &no_apc().target(&[("os", "\"server-2008\"")]),
        RestrictedAdmin,
        Code::RaHostNoProtectedCreds,
    );
    quiet(&no_apc(), Standard, Code::RaHostNoProtectedCreds);
}

#[test]
fn laps() {
    fires(
        &Case::new().target(&[("laps", "false")]),
        RestrictedAdmin,
        Code::RaNoLaps,
    );
    quiet(&Case::new(), RestrictedAdmin, Code::RaNoLaps);
}
