//! Scriptable remediation: `plan init` puts the blocks a script can fix into a `remediation` stage before the
//! enablement, and that stage's scripts fix them with a rollback.

use guardplan::Severity;
use guardplan::graph::TrustGraph;
use guardplan::inventory::{Inventory, load_str};
use guardplan::plan::{Plan, Workspace, io, remediation, scripts};

use crate::plan_common::{self, TODAY};

/// The shared estate plus an operator SRV-01 refuses (it gives both local groups, neither names him) and a
/// service account that is in Protected Users.
fn estate(extra_rdu: &str) -> Inventory {
    let text = plan_common::ESTATE.replace(
        "administrators = [\"alice.admin\"]\n",
        &format!("administrators = [\"alice.admin\"]\nremote_desktop_users = [{extra_rdu}]\n"),
    ) + r#"
[[user]]
name = "bob.ops"
domain = "corp.contoso.com"
roles = ["admin"]

[[user]]
name = "svc-backup"
domain = "corp.contoso.com"
kind = "service"
protected_users = true

[[path]]
name = "ops"
purpose = "admin"
who = ["user:bob.ops"]
from = ["host:PAW-01"]
to = ["host:SRV-01"]
"#;
    load_str("estate.toml", &text).expect("estate loads")
}

fn init(inv: &Inventory) -> Plan {
    let eval = guardplan::rules::evaluate(inv, &TrustGraph::new(inv));
    Plan::init(inv, &eval)
}

fn stage_names(plan: &Plan) -> Vec<&str> {
    plan.stages.iter().map(|s| s.name.as_str()).collect()
}

fn script<'a>(files: &'a [scripts::ScriptFile], name: &str) -> &'a str {
    let f = files.iter().find(|f| f.name == name);
    &f.unwrap_or_else(|| panic!("{name} is generated")).content
}

#[test]
fn plan_init_fixes_scriptable_blocks_in_a_remediation_stage_before_enablement() {
    let inv = estate("");
    let plan = init(&inv);
    let names = stage_names(&plan);
    let at = |n: &str| names.iter().position(|s| *s == n);
    let (Some(r), Some(e)) = (at(remediation::STAGE), at("enable-targets")) else {
        panic!("stages: {names:?}");
    };
    assert!(r < e, "remediation comes before the enablement: {names:?}");

    let ws = Workspace::new(inv, Some(plan), TODAY);
    let files = scripts::stage_scripts(&ws).expect("scripts");
    let base = format!("{:02}-{}", r + 1, remediation::STAGE);
    let apply = script(&files, &format!("{base}.ps1"));
    let undo = script(&files, &format!("{base}.rollback.ps1"));
    for text in [apply, undo] {
        assert!(
            text.contains("$MemberSets = @(\n    , @('CORP\\bob.ops')\n)"),
            "{text}"
        );
        assert!(
            text.contains("@{ Name = 'SRV-01.corp.contoso.com'; Members = $MemberSets[0] }"),
            "{text}"
        );
        assert!(text.contains("@{ Sam = 'svc-backup'; Domain = 'corp.contoso.com' }"));
        assert!(text.starts_with(scripts::BOM) && text[3..].is_ascii());
        assert!(text.contains("[CmdletBinding(SupportsShouldProcess)]"));
    }
    // Alice is an administrator of SRV-01 already: nothing to add for her.
    assert!(!apply.contains("alice.admin"), "{apply}");
    assert!(apply.contains("Add-LocalGroupMember -Group $group -Member $m"));
    assert!(apply.contains("Set-PriorOnce 'Users' (Get-GrantKey $h.Name $m)"));
    assert!(apply.contains("Remove-ADGroupMember"));
    // The rollback removes only what the apply script added, and puts the service account back.
    assert!(undo.contains("Remove-LocalGroupMember -Group $group -Member $m"));
    assert!(undo.contains("-not $Prior.Users[(Get-GrantKey $h.Name $_)]"));
    assert!(undo.contains("Add-ADGroupMember"));
    assert!(!undo.contains("Add-LocalGroupMember"));
    // Nothing else of the plan moved into the remediation stage.
    assert!(
        !apply.contains("DisableRestrictedAdmin = 0;") && !apply.contains("$Shortcuts"),
        "{apply}"
    );

    // The same inventory gives the same scripts, byte for byte.
    let again = Workspace::new(estate(""), Some(init(&estate(""))), TODAY);
    assert_eq!(scripts::stage_scripts(&again).expect("scripts"), files);
}

#[test]
fn the_stage_lists_its_fixes_in_the_reports_and_goes_when_nothing_is_left_to_fix() {
    let inv = estate("");
    let ws = Workspace::new(inv.clone(), Some(init(&inv)), TODAY);
    let r = guardplan::report::plan_report(&ws, "p.toml".into(), "estate.toml", Severity::Block);
    let md = guardplan::report::markdown::render(&r);
    let text = guardplan::report::text::render(&r, false);
    assert!(
        text.contains("stage remediation: 2 remediations, first: target SRV-01"),
        "{text}"
    );
    assert!(
        md.contains("- Scripted remediation: target SRV-01: add 1 account(s) to Remote Desktop Users (CORP\\\\bob.ops)"),
        "{md}"
    );
    assert!(
        md.contains("- Scripted remediation: user CORP\\\\svc-backup: remove from Protected Users")
    );

    // Once bob is in Remote Desktop Users and the service account is out, the stage is not planned.
    let mut fixed = estate("\"bob.ops\"");
    let svc = fixed.users.iter().position(|u| u.name == "svc-backup");
    fixed.users[svc.expect("svc-backup")].protected_users = false;
    let plan = init(&fixed);
    assert!(
        !stage_names(&plan).contains(&remediation::STAGE),
        "{:?}",
        stage_names(&plan)
    );
    assert!(io::render(&plan).contains("name = \"enable-targets\""));
}
