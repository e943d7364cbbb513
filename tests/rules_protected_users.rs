//! Protected Users rules, per member and per path.

use crate::rules_support;

use guardplan::Mode::{RemoteGuard, RestrictedAdmin, Standard};
use guardplan::rules::Code;
use rules_support::{Case, fires, quiet};

fn member() -> Case {
    Case::new().user(&[("protected_users", "true")])
}

fn account(kind: &str, name: &str, member: bool) -> String {
    format!(
        "[[user]]\nname = \"{name}\"\ndomain = \"corp.contoso.com\"\nkind = \"{kind}\"\nprotected_users = {member}"
    )
}

#[test]
fn service_accounts_and_gmsas_must_not_be_members() {
    let j = Case::new()
        .extra(&account("managed-service-account", "gmsa-web$", true))
        .extra(&account("service", "svc-sql", true))
        .extra(&account("service", "svc-free", false))
        .eval();
    let f = j.estate(Code::PuServiceAccount).map(|f| j.labels(f));
    assert_eq!(
        f,
        Some(vec![
            "CORP\\gmsa-web$".to_string(),
            "CORP\\svc-sql".to_string()
        ])
    );
    let none = Case::new()
        .extra(&account("managed-service-account", "gmsa-web$", false))
        .eval();
    assert!(none.estate(Code::PuServiceAccount).is_none());
}

#[test]
fn computer_accounts_must_not_be_members() {
    let j = Case::new()
        .extra(&account("computer", "WEB01$", true))
        .eval();
    assert!(j.estate(Code::PuComputerAccount).is_some());
    let j = Case::new()
        .extra(&account("computer", "WEB01$", false))
        .eval();
    assert!(j.estate(Code::PuComputerAccount).is_none());
}

#[test]
fn membership_through_a_nested_group_counts() {
    let j = Case::new()
        .extra(
            "[[group]]\nname = \"Services\"\ndomain = \"corp.contoso.com\"\nprotected_users = true\n\
             [[user]]\nname = \"svc-app\"\ndomain = \"corp.contoso.com\"\nkind = \"service\"\nmember_of = [\"Services\"]",
        )
        .eval();
    assert!(j.estate(Code::PuServiceAccount).is_some());
}

#[test]
fn domain_functional_level() {
    let j = member().domain(&[("functional_level", "\"2012\"")]).eval();
    assert!(j.estate(Code::PuDfl).is_some());
    assert!(
        member()
            .domain(&[("functional_level", "\"2012r2\"")])
            .eval()
            .estate(Code::PuDfl)
            .is_none()
    );
    // Not a member: nothing to protect.
    assert!(
        Case::new()
            .domain(&[("functional_level", "\"2012\"")])
            .eval()
            .estate(Code::PuDfl)
            .is_none()
    );
}

#[test]
fn pdc_emulator_on_2012_r2() {
    let old = member().domain(&[("dc_os", "[\"server-2012\", \"server-2008r2\"]")]);
    assert!(old.eval().estate(Code::PuNoPdc2012r2).is_some());
    let pdc = old.domain(&[("pdc_emulator_os", "\"server-2012r2\"")]);
    assert!(pdc.eval().estate(Code::PuNoPdc2012r2).is_none());
    assert!(member().eval().estate(Code::PuNoPdc2012r2).is_none());
}

#[test]
fn device_os_follows_the_2025_list() {
    // MS-PU-2025: "Hosts must be running one of the following operating systems: Windows 10 or Windows 11;
    // Windows Server 2012 R2 or later". Windows 7 with KB2871997 and Windows 8.1 are no longer on it.
    let w7 = member().client(&[("os", "\"windows-7\""), ("build", "-")]);
    fires(&w7, Standard, Code::PuDeviceOs);
    fires(
        &w7.client(&[("kb2871997", "true")]),
        Standard,
        Code::PuDeviceOs,
    );
    let w81 = member().client(&[("os", "\"windows-8.1\""), ("build", "-")]);
    fires(&w81, RemoteGuard, Code::PuDeviceOs);
    // Near misses, one fact each: Windows 10, Windows Server 2012 R2 (same build as 8.1), not a member.
    quiet(
        &member().client(&[("os", "\"windows-10\""), ("build", "10240")]),
        Standard,
        Code::PuDeviceOs,
    );
    quiet(
        &member().client(&[("os", "\"server-2012r2\""), ("build", "-")]),
        Standard,
        Code::PuDeviceOs,
    );
    quiet(
        &Case::new().client(&[("os", "\"windows-8.1\""), ("build", "-")]),
        Standard,
        Code::PuDeviceOs,
    );
}

#[test]
fn the_builtin_administrator_in_protected_users_is_not_protected() {
    let admin = |builtin: bool, member: bool| {
        Case::new()
            .extra(&format!(
                "[[user]]\nname = \"Administrator\"\ndomain = \"corp.contoso.com\"\nroles = [\"admin\"]\n\
                 protected_users = {member}\nbuiltin_admin = {builtin}"
            ))
            .eval()
    };
    let j = admin(true, true);
    let f = j.estate(Code::PuBuiltinAdmin).map(|f| j.labels(f));
    assert_eq!(f, Some(vec!["CORP\\Administrator".to_string()]));
    let info = Code::PuBuiltinAdmin.info();
    assert!(
        info.quote
            .contains("is always exempt from authentication policies"),
        "{}",
        info.quote
    );
    assert_eq!(info.source, "MS-PU-2025");
    // Near misses: an account of that name that is not RID 500, or RID 500 outside Protected Users.
    assert!(admin(false, true).estate(Code::PuBuiltinAdmin).is_none());
    assert!(admin(true, false).estate(Code::PuBuiltinAdmin).is_none());
    // Privileged and outside Protected Users, it is no candidate for it; another administrator is.
    let candidate = admin(true, false)
        .estate(Code::PuCandidate)
        .map(|f| f.subjects.len());
    assert_eq!(candidate, Some(1), "alice only");
    let candidate = admin(false, false)
        .estate(Code::PuCandidate)
        .map(|f| f.subjects.len());
    assert_eq!(candidate, Some(2), "alice and the other Administrator");
    // Not given: the account named Administrator is taken to be it; another name is not.
    let named = |name: &str| {
        Case::new()
            .extra(&format!(
                "[[user]]\nname = \"{name}\"\ndomain = \"corp.contoso.com\"\nprotected_users = true"
            ))
            .eval()
    };
    assert!(
        named("administrator")
            .estate(Code::PuBuiltinAdmin)
            .is_some()
    );
    assert!(named("admin2").estate(Code::PuBuiltinAdmin).is_none());
}

#[test]
fn a_domain_controller_older_than_2008_locks_members_out() {
    let old = |dc_os: &str| {
        member()
            .domain(&[("functional_level", "\"2003\""), ("dc_os", dc_os)])
            .eval()
    };
    let j = old("[\"server-2003\", \"server-2012\"]");
    let f = j.estate(Code::PuOldDcPassword).map(|f| j.labels(f));
    assert_eq!(
        f,
        Some(vec![
            "corp.contoso.com".to_string(),
            "CORP\\alice".to_string()
        ])
    );
    assert!(
        Code::PuOldDcPassword
            .info()
            .quote
            .contains("is locked out of authentication")
    );
    // Windows 2000 Server counts too, and so does a PDC emulator given apart.
    assert!(
        old("[\"server-2000\"]")
            .estate(Code::PuOldDcPassword)
            .is_some()
    );
    let pdc = member().domain(&[
        ("functional_level", "\"2003\""),
        ("pdc_emulator_os", "\"server-2003\""),
    ]);
    assert!(pdc.eval().estate(Code::PuOldDcPassword).is_some());
    // Near misses: the oldest DC on Windows Server 2008, or nobody in Protected Users.
    assert!(
        old("[\"server-2008\", \"server-2012\"]")
            .estate(Code::PuOldDcPassword)
            .is_none()
    );
    let nobody = Case::new()
        .domain(&[
            ("functional_level", "\"2003\""),
            ("dc_os", "[\"server-2003\"]"),
        ])
        .eval();
    assert!(nobody.estate(Code::PuOldDcPassword).is_none());
}

#[test]
fn ntlm_is_refused() {
    let far = member().client(&[("dc_line_of_sight", "false")]);
    fires(&far, RestrictedAdmin, Code::PuNtlm);
    fires(&far, Standard, Code::PuNtlm);
    quiet(
        &Case::new().client(&[("dc_line_of_sight", "false")]),
        Standard,
        Code::PuNtlm,
    );
    let wg = member().target(&[("join", "\"workgroup\""), ("domain", "-")]);
    fires(&wg, RestrictedAdmin, Code::PuNtlm);
    quiet(&member(), Standard, Code::PuNtlm);
}

#[test]
fn ntlm_when_no_trust_path() {
    let case = member().target(&[("domain", "\"fabrikam.com\"")]).extra(
        "[[domain]]\ndns = \"fabrikam.com\"\nnetbios = \"FABRIKAM\"\nfunctional_level = \"2016\"",
    );
    fires(&case, Standard, Code::PuNtlm);
    fires(&case, Standard, Code::TrustNoPath);
}

#[test]
fn weak_etypes() {
    fires(
        &member().user(&[("etypes", "[\"rc4\"]")]),
        RemoteGuard,
        Code::PuWeakEtypes,
    );
    fires(
        &member().user(&[("etypes", "[\"des\", \"rc4\"]")]),
        RemoteGuard,
        Code::PuWeakEtypes,
    );
    quiet(
        &member().user(&[("etypes", "[\"aes256\", \"rc4\"]")]),
        RemoteGuard,
        Code::PuWeakEtypes,
    );
    quiet(
        &Case::new().user(&[("etypes", "[\"rc4\"]")]),
        RemoteGuard,
        Code::PuWeakEtypes,
    );
}

#[test]
fn delegation() {
    fires(
        &member().path(&[("delegation", "\"constrained\"")]),
        Standard,
        Code::PuDelegation,
    );
    fires(
        &member().path(&[("delegation", "\"unconstrained\"")]),
        Standard,
        Code::PuDelegation,
    );
    quiet(&member(), Standard, Code::PuDelegation);
    quiet(
        &Case::new().path(&[("delegation", "\"constrained\"")]),
        Standard,
        Code::PuDelegation,
    );
}

#[test]
fn offline_sign_in() {
    fires(
        &member().client(&[("offline_signin", "true")]),
        Standard,
        Code::PuOffline,
    );
    quiet(&member(), Standard, Code::PuOffline);
}

#[test]
fn tgt_lifetime() {
    fires(
        &member().path(&[("session_hours", "4.5")]),
        RemoteGuard,
        Code::PuTgtLifetime,
    );
    quiet(
        &member().path(&[("session_hours", "4")]),
        RemoteGuard,
        Code::PuTgtLifetime,
    );
    quiet(
        &Case::new().path(&[("session_hours", "8")]),
        RemoteGuard,
        Code::PuTgtLifetime,
    );
}

#[test]
fn credssp_single_sign_on_under_plain_rdp() {
    let sso = member().path(&[("credssp_sso", "true")]);
    fires(&sso, Standard, Code::PuCredsspSso);
    quiet(&sso, RemoteGuard, Code::PuCredsspSso);
    quiet(&member(), Standard, Code::PuCredsspSso);
}

#[test]
fn privileged_non_members_are_candidates() {
    let j = Case::new().extra(&account("person", "bob", false)).eval();
    let f = j.estate(Code::PuCandidate).map(|f| j.labels(f));
    // alice is an admin; bob has no role.
    assert_eq!(f, Some(vec!["CORP\\alice".to_string()]));
    assert!(member().eval().estate(Code::PuCandidate).is_none());
}

#[test]
fn device_os_on_targets_where_plain_rdp_signs_the_member_in() {
    let old_target = member().target(&[("os", "\"server-2012\""), ("kb2871997", "true")]);
    let j = old_target.eval();
    let f = j.finding(Standard, Code::PuDeviceOs).map(|f| j.labels(f));
    assert_eq!(
        f,
        Some(vec!["TARGET".to_string(), "CORP\\alice".to_string()])
    );
    // The protected modes do not sign the member in on the target.
    quiet(&old_target, RemoteGuard, Code::PuDeviceOs);
    quiet(&old_target, RestrictedAdmin, Code::PuDeviceOs);
    // Near misses: the target on Windows Server 2012 R2 (KB2871997 no longer counts: MS-PU-2025), or the user
    // not a member.
    quiet(
        &member().target(&[("os", "\"server-2012r2\""), ("kb2871997", "true")]),
        Standard,
        Code::PuDeviceOs,
    );
    quiet(
        &Case::new().target(&[("os", "\"server-2012\""), ("kb2871997", "true")]),
        Standard,
        Code::PuDeviceOs,
    );
}

#[test]
fn weak_etypes_for_members_on_no_path() {
    let idle = |member: bool, etypes: &str| {
        Case::new()
            .extra(&format!(
                "[[user]]\nname = \"bob\"\ndomain = \"corp.contoso.com\"\nprotected_users = {member}\netypes = {etypes}"
            ))
            .eval()
    };
    let j = idle(true, "[\"rc4\"]");
    let f = j.estate(Code::PuWeakEtypes).map(|f| j.labels(f));
    assert_eq!(f, Some(vec!["CORP\\bob".to_string()]));
    // Near misses: AES keys, or not a member.
    assert!(
        idle(true, "[\"aes128\", \"rc4\"]")
            .estate(Code::PuWeakEtypes)
            .is_none()
    );
    assert!(
        idle(false, "[\"rc4\"]")
            .estate(Code::PuWeakEtypes)
            .is_none()
    );
    // A member on a path is raised on the path, not a second time across the estate.
    let on_path = member().user(&[("etypes", "[\"rc4\"]")]).eval();
    assert!(on_path.has(Standard, Code::PuWeakEtypes));
    assert!(on_path.estate(Code::PuWeakEtypes).is_none());
}

/// The account findings of the plan's enrollment: the starting plan leaves the built-in Administrator out and
/// says so; a plan that enrolls it raises PU-BUILTIN-ADMIN, and one that enrolls a member of a domain with a
/// domain controller older than Windows Server 2008 raises PU-OLD-DC-PASSWORD.
#[test]
fn enrolling_the_builtin_administrator_or_a_member_of_an_old_domain_is_warned() {
    let planned = |case: Case, selector: &str| {
        let (codes, prereq) = case.eval().enrolling(selector);
        (prereq, codes)
    };
    let admin = |builtin: bool| {
        Case::new().extra(&format!(
            "[[user]]\nname = \"Administrator\"\ndomain = \"corp.contoso.com\"\nroles = [\"admin\"]\nbuiltin_admin = {builtin}"
        ))
    };
    let (prereq, codes) = planned(admin(true), "user:CORP\\Administrator");
    assert!(
        prereq.contains("built-in Administrator(s) kept out of Protected Users")
            && prereq.contains("CORP\\Administrator"),
        "{prereq}"
    );
    assert!(codes.contains(&Code::PuBuiltinAdmin), "{codes:?}");
    // Near miss: an account of that name that is not RID 500 is enrolled like any other.
    let (prereq, codes) = planned(admin(false), "user:CORP\\Administrator");
    assert!(!prereq.contains("built-in Administrator"), "{prereq}");
    assert!(!codes.contains(&Code::PuBuiltinAdmin), "{codes:?}");

    let old = |dc: &str| {
        Case::new().domain(&[
            ("functional_level", "\"2003\""),
            ("dc_os", &format!("[\"{dc}\"]")),
        ])
    };
    let (_, codes) = planned(old("server-2003"), "user:CORP\\alice");
    assert!(codes.contains(&Code::PuOldDcPassword), "{codes:?}");
    // Near miss: the oldest domain controller on Windows Server 2008.
    let (_, codes) = planned(old("server-2008"), "user:CORP\\alice");
    assert!(!codes.contains(&Code::PuOldDcPassword), "{codes:?}");
}

/// PU-BREAKGLASS counts the enabled members of Domain Admins: a plan that enrolls `da-alice` leaves no
/// account that can sign in outside Protected Users when the other member, `da-old`, is disabled.
#[test]
fn a_disabled_domain_admin_is_no_break_glass_account() {
    use guardplan::inventory::load_str;
    use guardplan::plan::{Workspace, io};
    let breakglass = |old_enabled: &str| {
        let inv = load_str(
            "estate.toml",
            &format!(
                r#"
version = 1

[[domain]]
dns = "corp.contoso.com"
netbios = "CORP"
functional_level = "2016"

[[group]]
name = "Domain Admins"
domain = "corp.contoso.com"
roles = ["admin"]

[[user]]
name = "da-alice"
domain = "corp.contoso.com"
member_of = ["Domain Admins"]

[[user]]
name = "da-old"
domain = "corp.contoso.com"
member_of = ["Domain Admins"]
enabled = {old_enabled}
"#
            ),
        )
        .expect("the estate loads");
        let text = format!(
            "version = 1\n[inventory]\npath = \"estate.toml\"\nfingerprint = \"{}\"\n\
             [[stage]]\nname = \"enroll\"\nusers = ['user:CORP\\da-alice']\n",
            io::fingerprint(&inv),
        );
        let plan = io::parse("t.plan.toml", &text).expect("plan parses");
        io::validate(&plan, &inv).expect("plan names resolve");
        let ws = Workspace::new(inv, Some(plan), time::macros::date!(2026 - 12 - 01));
        (ws.assessment().enrollment.iter()).any(|f| f.code == Code::PuBreakglass)
    };
    assert!(breakglass("false"), "da-old cannot sign in");
    // Near miss: da-old is enabled and stays outside Protected Users.
    assert!(!breakglass("true"));
}
