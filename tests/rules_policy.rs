//! Standard RDP, client policy per computer, prefer-remote-guard's fallback, and the recommendation.

use crate::rules_support;

use guardplan::Mode::{self, PreferRemoteGuard, RemoteGuard, RestrictedAdmin, Standard};
use guardplan::Severity;
use guardplan::Verdict;
use guardplan::plan::Enforcement::{Policy, Switch};
use guardplan::rules::{Choice, Code};
use rules_support::{Case, fires, quiet};

fn choice(mode: Mode, enforce: guardplan::plan::Enforcement) -> Choice {
    Choice { mode, enforce }
}

/// `p` plus a second path `q` from the same client to the same target.
fn two_paths(purpose_q: &str) -> Case {
    Case::new().extra(&format!(
        "[[path]]\nname = \"q\"\npurpose = \"{purpose_q}\"\nwho = [\"user:alice\"]\nfrom = [\"host:CLIENT\"]\nto = [\"host:TARGET\"]"
    ))
}

#[test]
fn standard_exposes_privileged_credentials() {
    fires(&Case::new(), Standard, Code::RdpCredsExposed);
    quiet(&Case::new(), RemoteGuard, Code::RdpCredsExposed);
    // A user without a privileged role, outside Protected Users, a Remote Desktop User of the target only.
    quiet(
        &Case::new().user(&[("roles", "-")]).target(&[
            ("administrators", "[]"),
            ("remote_desktop_users", "[\"alice\"]"),
        ]),
        Standard,
        Code::RdpCredsExposed,
    );
    // Local Administrators on the target is privileged too (000: "Administrator credentials are highly
    // privileged and must be protected").
    fires(
        &Case::new().user(&[("roles", "-")]),
        Standard,
        Code::RdpCredsExposed,
    );
    fires(
        &Case::new().user(&[("roles", "-"), ("protected_users", "true")]),
        Standard,
        Code::RdpCredsExposed,
    );
}

#[test]
fn different_require_policies_on_one_client_conflict() {
    let j = two_paths("admin").eval();
    let found = j.choices(&[
        ("p", choice(RemoteGuard, Policy)),
        ("q", choice(RestrictedAdmin, Policy)),
    ]);
    let conflicts: Vec<_> = found
        .iter()
        .filter(|f| f.code == Code::PolClientConflict)
        .collect();
    assert_eq!(conflicts.len(), 2, "{found:?}");
    assert!(conflicts.iter().all(|f| f.severity == Severity::Block));
    assert!(j.labels(conflicts[0]).contains(&"CLIENT".to_string()));
}

#[test]
fn a_switch_does_not_set_the_policy() {
    let j = two_paths("admin").eval();
    let found = j.choices(&[
        ("p", choice(RemoteGuard, Policy)),
        ("q", choice(RemoteGuard, Switch)),
    ]);
    assert!(found.is_empty(), "{found:?}");
    let same = j.choices(&[
        ("p", choice(RemoteGuard, Policy)),
        ("q", choice(RemoteGuard, Policy)),
    ]);
    assert!(same.is_empty(), "{same:?}");
    // A /remoteGuard switch cannot work under "Require Restricted Admin" set for another path.
    let against = j.choices(&[
        ("p", choice(RestrictedAdmin, Policy)),
        ("q", choice(RemoteGuard, Switch)),
    ]);
    assert!(
        against
            .iter()
            .any(|f| f.code == Code::PolClientConflict && f.path == Some(j.pid("q")))
    );
}

#[test]
fn the_current_client_policy_counts() {
    let case = Case::new().client(&[("client_policy", "\"require-restricted-admin\"")]);
    let j = case.eval();
    let found = j.choices(&[("p", choice(RemoteGuard, Switch))]);
    assert!(
        found.iter().any(|f| f.code == Code::PolClientConflict),
        "{found:?}"
    );
    let fine = j.choices(&[("p", choice(RestrictedAdmin, Switch))]);
    assert!(fine.is_empty(), "{fine:?}");
}

#[test]
fn restricted_admin_by_switch_is_ignored_under_restrict_credential_delegation() {
    let case = Case::new()
        .path(&[("purpose", "\"helpdesk\"")])
        .client(&[("client_policy", "\"restrict-credential-delegation\"")]);
    let j = case.eval();
    let found = j.choices(&[("p", choice(RestrictedAdmin, Switch))]);
    assert!(
        found.iter().any(|f| f.code == Code::PolRaIgnored),
        "{found:?}"
    );
    // The plan replacing the policy with "Require Restricted Admin" fixes it.
    let replaced = j.choices(&[("p", choice(RestrictedAdmin, Policy))]);
    assert!(
        !replaced.iter().any(|f| f.code == Code::PolRaIgnored),
        "{replaced:?}"
    );
    // Without that policy nothing is ignored.
    let plain = Case::new().path(&[("purpose", "\"helpdesk\"")]).eval();
    assert!(
        plain
            .choices(&[("p", choice(RestrictedAdmin, Switch))])
            .is_empty()
    );
    // MS-RCG-2023: "When Restrict Credential Delegation is enabled, the /restrictedAdmin switch will be
    // ignored": an admin path as much as a helpdesk one.
    let admin = Case::new()
        .client(&[("client_policy", "\"restrict-credential-delegation\"")])
        .eval();
    let found = admin.choices(&[("p", choice(RestrictedAdmin, Switch))]);
    let f = found.iter().find(|f| f.code == Code::PolRaIgnored);
    assert!(f.is_some(), "{found:?}");
    assert_eq!(
        Code::PolRaIgnored.info().quote,
        "When Restrict Credential Delegation is enabled, the /restrictedAdmin switch will be ignored. Windows enforces the policy configuration instead and uses Remote Credential Guard."
    );
    // Near misses, one fact each: the client requires Remote Credential Guard (type 2) instead, or the path's
    // switch asks for Remote Credential Guard.
    let type2 = Case::new()
        .client(&[("client_policy", "\"require-remote-guard\"")])
        .eval();
    let found = type2.choices(&[("p", choice(RestrictedAdmin, Switch))]);
    assert!(
        !found.iter().any(|f| f.code == Code::PolRaIgnored),
        "{found:?}"
    );
    let found = admin.choices(&[("p", choice(RemoteGuard, Switch))]);
    assert!(
        !found.iter().any(|f| f.code == Code::PolRaIgnored),
        "{found:?}"
    );
}

#[test]
fn prefer_falls_back_to_restricted_admin_where_remote_guard_is_blocked() {
    // Two targets: a 2012 R2 server without LAPS, and a modern one.
    let case = Case::new()
        .target(&[("os", "\"server-2012r2\""), ("laps", "false")])
        .path(&[("to", "[\"host:TARGET\", \"host:MODERN\"]")])
        .extra("[[host]]\nname = \"MODERN\"\ndomain = \"corp.contoso.com\"\njoin = \"ad\"\nos = \"server-2022\"\ndisable_restricted_admin = 0\nallow_protected_creds = true\nadministrators = [\"alice\"]");
    let j = case.eval();
    let fb = j.finding(PreferRemoteGuard, Code::PolFallback);
    let fb = fb.unwrap_or_else(|| panic!("no POL-FALLBACK"));
    assert!(fb.message.contains("RCG-TARGET-OS"), "{}", fb.message);
    assert_eq!(j.labels(fb), vec!["TARGET", "p"]);
    // RA's rules apply on the fallback target only; RCG's block is not a block of prefer-remote-guard.
    let laps = j
        .finding(PreferRemoteGuard, Code::RaNoLaps)
        .map(|f| j.labels(f));
    assert_eq!(laps, Some(vec!["TARGET".to_string()]));
    assert!(!j.has(PreferRemoteGuard, Code::RcgTargetOs));
    assert_eq!(j.verdict(RemoteGuard), Verdict::Block);
    assert_ne!(j.verdict(PreferRemoteGuard), Verdict::Block);
    // MODERN has no LAPS either, but Remote Credential Guard serves it.
    assert_eq!(j.recommended(), Some(PreferRemoteGuard));
}

#[test]
fn prefer_fallback_makes_restricted_admin_blocks_count() {
    // Restricted Admin is blocked by the hop, so falling back cannot work.
    let case = Case::new()
        .target(&[("os", "\"server-2012r2\"")])
        .path(&[("hops", "[\"host:TARGET\"]")]);
    let j = case.eval();
    assert!(j.has(PreferRemoteGuard, Code::RaMultihop));
    assert_eq!(j.verdict(PreferRemoteGuard), Verdict::Block);
    // No fallback without an RCG block.
    quiet(&Case::new(), PreferRemoteGuard, Code::PolFallback);
}

#[test]
fn a_blocked_client_falls_back_on_every_target() {
    let case = Case::new()
        .client(&[("rdp_client", "\"uwp\"")])
        .target(&[("laps", "false")]);
    let j = case.eval();
    assert!(j.has(PreferRemoteGuard, Code::PolFallback));
    assert!(j.has(PreferRemoteGuard, Code::RaNoLaps));
    assert!(!j.has(PreferRemoteGuard, Code::RcgSessionExposure));
    // Falling back everywhere is Restricted Admin by another name: recommend that.
    assert_eq!(j.recommended(), Some(RestrictedAdmin));
}

#[test]
fn helpdesk_gets_restricted_admin_and_laps_advice() {
    let j = Case::new()
        .path(&[("purpose", "\"helpdesk\"")])
        .target(&[("laps", "false")])
        .eval();
    assert_eq!(j.recommended(), Some(RestrictedAdmin));
    let why = j.ev.paths[0].rationale.join(" ");
    assert!(
        why.contains("Microsoft recommends Restricted Admin"),
        "{why}"
    );
    assert!(why.contains("LAPS"), "{why}");
}

#[test]
fn recommendation_explains_the_blocks_of_better_modes() {
    let j = Case::new()
        .target(&[("join", "\"entra\""), ("domain", "-")])
        .eval();
    assert_eq!(j.recommended(), Some(RestrictedAdmin));
    let why = &j.ev.paths[0].rationale;
    assert!(
        why[0].starts_with("remote-guard is blocked") && why[0].contains("RCG-TARGET-ENTRA"),
        "{why:?}"
    );
}

#[test]
fn nothing_is_recommended_when_every_mode_is_blocked() {
    let j = Case::new()
        .user(&[("protected_users", "true"), ("etypes", "[\"rc4\"]")])
        .eval();
    assert_eq!(j.recommended(), None);
    for m in Mode::ALL {
        assert_eq!(j.verdict(m), Verdict::Block);
    }
}

/// A policy the client already has says where it comes from (`client_policy_source`), so that the fix goes
/// there; the message names the key when it is not given.
#[test]
fn the_current_client_policy_says_where_it_comes_from() {
    let message = |source: Option<&str>| {
        let mut case = Case::new().client(&[("client_policy", "\"require-restricted-admin\"")]);
        if let Some(s) = source {
            case = case.client(&[("client_policy_source", s)]);
        }
        let j = case.eval();
        let found = j.choices(&[("p", choice(RemoteGuard, Switch))]);
        found
            .iter()
            .find(|f| f.code == Code::PolClientConflict)
            .map(|f| f.message.clone())
            .expect("the current policy conflicts")
    };
    assert!(message(Some("\"gpo\"")).contains("the current policy, from a GPO"));
    assert!(message(Some("\"intune\"")).contains("from an Intune profile"));
    // Near miss: not given, the message names the fact.
    assert!(message(None).contains("client_policy_source not given"));
}
