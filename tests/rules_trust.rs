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
