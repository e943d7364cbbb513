//! Restricted Admin rules: one case where each fires, one near miss where it must not.

use crate::rules_support;

use guardplan::Mode::{RemoteGuard, RestrictedAdmin, Standard};
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

#[test]
fn laps() {
    fires(
        &Case::new().target(&[("laps", "false")]),
        RestrictedAdmin,
        Code::RaNoLaps,
    );
    quiet(&Case::new(), RestrictedAdmin, Code::RaNoLaps);
}
