//! Trust rules: direction, transitivity and selective authentication.

use crate::rules_support;

use guardplan::Mode::Standard;
use guardplan::rules::Code;
use rules_support::{Case, fires, quiet};

const FABRIKAM: &str =
    "[[domain]]\ndns = \"fabrikam.com\"\nnetbios = \"FABRIKAM\"\nfunctional_level = \"2016\"";

fn trust(trusting: &str, trusted: &str, extra: &str) -> String {
    format!(
        "[[trust]]\ntrusting = \"{trusting}\"\ntrusted = \"{trusted}\"\ndirection = \"one-way\"\ntype = \"external\"\n{extra}"
    )
}

fn target_in_fabrikam() -> Case {
    Case::new()
        .target(&[("domain", "\"fabrikam.com\"")])
        .extra(FABRIKAM)
}

#[test]
fn the_targets_domain_must_trust_the_users() {
    fires(&target_in_fabrikam(), Standard, Code::TrustNoPath);
    let wrong_way = target_in_fabrikam().extra(&trust("corp.contoso.com", "fabrikam.com", ""));
    fires(&wrong_way, Standard, Code::TrustNoPath);
    let right_way = target_in_fabrikam().extra(&trust("fabrikam.com", "corp.contoso.com", ""));
    quiet(&right_way, Standard, Code::TrustNoPath);
    quiet(&Case::new(), Standard, Code::TrustNoPath);
}

#[test]
fn external_trusts_are_not_transitive() {
    // fabrikam trusts litware, litware trusts corp: corp accounts still cannot reach fabrikam.
    let case = target_in_fabrikam()
        .extra(
            "[[domain]]\ndns = \"litware.com\"\nnetbios = \"LITWARE\"\nfunctional_level = \"2016\"",
        )
        .extra(&trust("fabrikam.com", "litware.com", ""))
        .extra(&trust("litware.com", "corp.contoso.com", ""));
    fires(&case, Standard, Code::TrustNoPath);
}

#[test]
fn selective_authentication() {
    let sel = target_in_fabrikam().extra(&trust(
        "fabrikam.com",
        "corp.contoso.com",
        "selective_auth = true",
    ));
    fires(&sel, Standard, Code::TrustSelectiveAuth);
    quiet(&sel, Standard, Code::TrustNoPath);
    let open = target_in_fabrikam().extra(&trust("fabrikam.com", "corp.contoso.com", ""));
    quiet(&open, Standard, Code::TrustSelectiveAuth);
}

/// "Allowed to Authenticate" given on the target: a granted user needs nothing more; the message names the fact
/// when it is not given.
#[test]
fn selective_authentication_with_allowed_to_authenticate() {
    let sel = target_in_fabrikam().extra(&trust(
        "fabrikam.com",
        "corp.contoso.com",
        "selective_auth = true",
    ));
    let j = sel.eval();
    let f = j
        .finding(Standard, Code::TrustSelectiveAuth)
        .expect("the trust is selective");
    assert!(
        f.message
            .contains("allowed_to_authenticate not given for TARGET"),
        "{}",
        f.message
    );
    let granted = sel
        .clone()
        .target(&[("allowed_to_authenticate", "[\"CORP\\\\alice\"]")]);
    quiet(&granted, Standard, Code::TrustSelectiveAuth);
    // Near miss: the list is given and names someone else.
    let other = sel.target(&[("allowed_to_authenticate", "[]")]);
    let j = other.eval();
    let f = j
        .finding(Standard, Code::TrustSelectiveAuth)
        .expect("alice is not granted");
    assert!(f.message.contains("not granted"), "{}", f.message);
}
