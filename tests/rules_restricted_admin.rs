//! Restricted Admin rules: one case where each fires, one near miss where it must not.

use crate::rules_support;

use guardplan::Mode::{PreferRemoteGuard, RemoteGuard, RestrictedAdmin, Standard};
use guardplan::Verdict;
use guardplan::plan::Workspace;
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

/// The starting plan of a restricted-admin path to a Windows Server 2012 R2 `TARGET` with these values.
fn planned_target(disable_restricted_admin: &str, allow_protected_creds: &str) -> Workspace {
    let ws = Case::new()
        .target(&[
            ("os", "\"server-2012r2\""),
            ("disable_restricted_admin", disable_restricted_admin),
            ("allow_protected_creds", allow_protected_creds),
        ])
        .eval()
        .starting_workspace();
    assert_eq!(ws.plan.decisions[0].mode, RestrictedAdmin);
    ws
}

/// The starting plan prepares a restricted-admin target with `AllowProtectedCreds` = 1 beside
/// `DisableRestrictedAdmin` = 0; a target that has it already gets only the other value.
#[test]
fn the_starting_plan_sets_allow_protected_creds_on_restricted_admin_targets() {
    use guardplan::plan::actions::Action;
    let enable = |apc: &str| -> Vec<(bool, bool)> {
        let ws = planned_target("1", apc);
        (ws.assessment().stages.iter())
            .flat_map(|s| &s.actions)
            .filter_map(|a| match a {
                Action::EnableTarget {
                    restricted_admin,
                    protected_creds,
                    ..
                } => Some((*restricted_admin, *protected_creds)),
                _ => None,
            })
            .collect()
    };
    assert_eq!(enable("false"), vec![(true, true)]);
    // Near miss: the policy is in place already.
    assert_eq!(enable("true"), vec![(true, false)]);
}

/// The pass-the-hash figure counts the hosts that accept Restricted Admin: `DisableRestrictedAdmin` = 0 and
/// `AllowProtectedCreds` = 1. A target with the first only is counted once the plan sets the second.
#[test]
fn pass_the_hash_hosts_are_those_that_accept_restricted_admin() {
    let pth = |apc: &str| {
        let ws = planned_target("0", apc);
        let last = ws.plan.stages.len() - 1;
        (
            ws.exposure(None).pth_targets,
            ws.exposure(Some(last)).pth_targets,
        )
    };
    assert_eq!(pth("false"), (0, 1));
    // Near miss: the policy is in place already, so the host accepts Restricted Admin before the plan.
    assert_eq!(pth("true"), (1, 1));
}

/// A stage that puts a restricted-admin path into use before its target allows delegation of non-exportable
/// credentials is out of order (POL-ORDER), even where `DisableRestrictedAdmin` is 0 already.
#[test]
fn restricted_admin_before_allow_protected_creds_is_out_of_order() {
    use guardplan::plan::{Edit, MemberKind};
    let order = |apc: &str| {
        let mut ws = planned_target("0", apc);
        // The targets stage no longer prepares TARGET.
        let (stage, selector) = ws
            .plan
            .stages
            .iter()
            .enumerate()
            .find_map(|(s, st)| st.hosts.first().map(|h| (s, h.clone())))
            .expect("a stage prepares the target");
        ws.apply(Edit::RemoveMember {
            stage,
            kind: MemberKind::Host,
            selector,
        })
        .expect("the edit applies");
        ws.assessment()
            .order
            .first()
            .cloned()
            .flatten()
            .map(|f| f.code)
    };
    assert_eq!(order("false"), Some(Code::PolOrder));
    // Near miss: the target allows it already, so nothing is left to prepare.
    assert_eq!(order("true"), None);
}
