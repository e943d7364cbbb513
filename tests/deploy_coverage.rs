//! Every action a chosen mode needs is carried out by an export, for every host it names, and the exports agree:
//! a GPO sets a value only on hosts the scripts set it on.

use guardplan::finding::{Mode, Subject};
use guardplan::plan::{exceptions, gpo, intune, scripts};

use crate::plan_common::sample_workspace;

/// The codes whose hosts an export must change.
const ACTIONS: [&str; 4] = [
    "RCG-HOST-NOT-ENABLED",
    "RA-HOST-NOT-ENABLED",
    "RCG-HOST-NO-PROTECTED-CREDS",
    "RA-HOST-NO-PROTECTED-CREDS",
];

#[test]
fn every_host_a_chosen_mode_needs_changed_is_in_an_export() {
    let ws = sample_workspace();
    let inv = &ws.inventory;
    let gpos = gpo::gpos(&ws, "contoso").expect("GPOs");
    let scripts = scripts::stage_scripts(&ws).expect("scripts");
    let intune = intune::intune_export(&ws, "contoso").expect("Intune");
    let mut checked = 0;
    for item in &ws.assessment().items {
        let f = ws.finding(item.finding);
        if !ACTIONS.contains(&f.code.as_str()) {
            continue;
        }
        let Some(p) = f.path else { continue };
        let chosen = ws.choice(p).mode;
        let applies = match f.mode {
            Some(m) => m == chosen || (chosen == Mode::PreferRemoteGuard && m != Mode::Standard),
            None => true,
        };
        if !applies || chosen == Mode::Standard {
            continue;
        }
        let ra = f.code.as_str().ends_with("NOT-ENABLED");
        // What the export must set, as its script names it: the value, or the Intune setting that sets it.
        let (value, setting) = if ra {
            ("DisableRestrictedAdmin = ", "DisableRestrictedAdmin")
        } else {
            ("AllowProtectedCreds = ", intune::ALLOW_PROTECTED_CREDS)
        };
        // Targets the decision leaves out of its mode (an exception) are not prepared for it until the
        // exception is lifted.
        let excepted = exceptions::excepted_targets(inv, &ws.plan, p);
        for s in &f.subjects {
            let Subject::Host(h) = s else { continue };
            if excepted.contains(h) {
                continue;
            }
            let host = &inv.hosts[*h as usize];
            let fqdn = match &host.domain {
                Some(d) => format!("{}.{}", host.name, inv.domains[*d as usize].dns),
                None => host.name.clone(),
            };
            let in_gpo = gpos.iter().any(|g| {
                let sets = match g.kind {
                    gpo::GpoKind::Targets {
                        restricted_admin,
                        protected_creds,
                    } => {
                        if ra {
                            restricted_admin
                        } else {
                            protected_creds
                        }
                    }
                    gpo::GpoKind::Clients(_) => false,
                };
                sets && g
                    .hosts
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(&host.name))
            });
            let in_script = scripts.iter().any(|s| {
                !s.name.contains("rollback")
                    && crate::plan_common::host_sets(&s.content)
                        .iter()
                        .any(|(n, set)| n.eq_ignore_ascii_case(&fqdn) && set.contains(value))
            });
            let device = format!("'{}'", host.name.to_lowercase());
            let in_intune = intune.iter().any(|a| {
                a.path.ends_with(".intune.ps1")
                    && a.as_text().is_some_and(|t| {
                        t.lines()
                            .any(|l| l.to_lowercase().contains(&device) && l.contains(setting))
                    })
            });
            assert!(
                in_gpo || in_script || in_intune,
                "{} {}: no export changes {}",
                f.code.as_str(),
                inv.paths[p as usize].name,
                host.name
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
}

#[test]
fn a_gpo_sets_a_value_only_on_hosts_the_scripts_set_it_on() {
    let ws = sample_workspace();
    let gpos = gpo::gpos(&ws, "contoso").expect("GPOs");
    let scripts = scripts::stage_scripts(&ws).expect("scripts");
    let mut checked = 0;
    for g in &gpos {
        let gpo::GpoKind::Targets {
            restricted_admin,
            protected_creds,
        } = g.kind
        else {
            continue;
        };
        let script = scripts
            .iter()
            .find(|s| s.name == format!("{:02}-{}.ps1", g.stage.0, g.stage.1))
            .expect("the stage's script");
        for (_, fqdn) in &g.hosts {
            let sets = crate::plan_common::host_sets(&script.content);
            let (_, line) = sets
                .iter()
                .find(|(n, _)| n == fqdn)
                .unwrap_or_else(|| panic!("{}: {fqdn} not in the stage's script", g.name));
            assert_eq!(
                line.contains("DisableRestrictedAdmin = "),
                restricted_admin,
                "{}: DisableRestrictedAdmin on {fqdn}",
                g.name
            );
            assert_eq!(
                line.contains("AllowProtectedCreds = "),
                protected_creds,
                "{}: AllowProtectedCreds on {fqdn}",
                g.name
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
}

#[test]
fn each_stage_of_the_markdown_says_which_export_carries_what() {
    let ws = sample_workspace();
    let r = guardplan::report::plan_report(
        &ws,
        "plans/contoso.plan.toml".into(),
        "assets/contoso.toml",
        guardplan::finding::Severity::Block,
    );
    let md = guardplan::report::markdown::render(&r);
    let stage = |name: &str| -> String {
        let start = md
            .find(&format!(". `{name}` —"))
            .unwrap_or_else(|| panic!("stage {name}"));
        let rest = &md[start..];
        rest[..rest[1..].find("\n#### ").map_or(rest.len(), |e| e + 1)].to_string()
    };
    let enable = stage("enable-targets");
    assert!(
        enable.contains("- Carried out by Group Policy (`--format gpo`"),
        "{enable}"
    );
    assert!(
        enable.contains("DisableRestrictedAdmin = 0 (platform script)"),
        "{enable}"
    );
    assert!(
        enable.contains("- Carried out by Scripts (`--format scripts`"),
        "{enable}"
    );
    let enforce = stage("enforce");
    assert!(enforce.contains("Intune (`--format intune`"), "{enforce}");
    assert!(stage("remediation").contains("remediation(s)"));
}
