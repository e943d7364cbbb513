//! Stage states: every stage judged in the state the estate will be in, honest gates, and the privileged
//! credential exposure before the plan and after each stage.

use std::collections::BTreeSet;
use std::path::Path;

use guardplan::finding::{Mode, Severity, Subject};
use guardplan::inventory::{Inventory, load_file, load_str};
use guardplan::plan::actions::Action;
use guardplan::plan::{Edit, Plan, Workspace, exceptions, io, scripts};
use guardplan::rules::Code;
use guardplan::sample::{SampleSpec, generate};

use crate::plan_common::TODAY;

fn contoso() -> Workspace {
    let inv = load_file(Path::new("assets/contoso.toml")).expect("the sample loads");
    let (plan, _) =
        io::load_for(Path::new("plans/contoso.plan.toml"), &inv).expect("the plan fits");
    Workspace::new(inv, Some(plan), TODAY)
}

fn stage_named(ws: &Workspace, name: &str) -> usize {
    ws.plan
        .stages
        .iter()
        .position(|s| s.name == name)
        .unwrap_or_else(|| panic!("no stage {name}"))
}

#[test]
fn the_helpdesk_console_keeping_type_3_raises_pol_ra_ignored_from_the_helpdesk_stage() {
    let ws = contoso();
    let helpdesk = stage_named(&ws, "helpdesk");
    let items: Vec<_> = (ws.assessment().items.iter())
        .filter(|a| ws.finding(a.finding).code == Code::PolRaIgnored)
        .collect();
    assert_eq!(items.len(), 2, "one per helpdesk path");
    for a in items {
        assert_eq!(
            a.first,
            Some(helpdesk),
            "it holds once the helpdesk stage ran"
        );
        assert_eq!(a.stage, Some(helpdesk), "and belongs to that stage");
    }
    // Before the helpdesk stage the helpdesk paths still use plain RDP.
    let p = ws.inventory.index.paths["helpdesk-workstations"];
    assert_eq!(ws.mode_after(p, Some(helpdesk - 1)), Mode::Standard);
    assert_eq!(ws.mode_after(p, Some(helpdesk)), Mode::RestrictedAdmin);
    assert_eq!(ws.mode_after(p, None), Mode::Standard);
}

#[test]
fn a_ready_stage_has_no_block_of_its_own_and_no_stage_raises_the_exposure() {
    let ws = contoso();
    let a = ws.assessment();
    for (s, gate) in a.stages.iter().enumerate() {
        let own_blocks = a
            .items
            .iter()
            .filter(|i| i.stage == Some(s) && i.blocks())
            .count();
        assert_eq!(gate.ready, own_blocks == 0 && gate.blockers.is_empty());
        if gate.ready {
            assert_eq!(own_blocks, 0, "stage {s}");
        }
    }
    // Every unwaived block belongs to a stage, so "every stage ready" and "fail" cannot both be said.
    assert!(
        a.items
            .iter()
            .filter(|i| i.blocks())
            .all(|i| i.stage.is_some())
    );
    assert!(a.counts.blockers > 0 && a.counts.stages_ready < a.counts.stages);
    // The broad rollout holds vendor-support, which TRUST-NO-PATH blocks: it is not ready.
    let broad = stage_named(&ws, "broad-rollout");
    assert!(!a.stages[broad].ready);
    assert!(
        a.stages[broad]
            .blockers
            .iter()
            .any(|b| b.starts_with("TRUST-NO-PATH")),
        "{:?}",
        a.stages[broad].blockers
    );

    // The sample plan leaves some subjects out of their path's mode: they count as exposed.
    assert!(ws.plan.decisions.iter().any(|d| !d.exceptions.is_empty()));
    let before = ws.exposure(None).exposures;
    let mut last = before;
    for s in 0..ws.plan.stages.len() {
        let now = ws.exposure(Some(s)).exposures;
        assert!(
            now <= last,
            "stage {s} raises the exposure: {last} -> {now}"
        );
        last = now;
    }
    assert!(
        last < before,
        "the plan lowers the exposure: {before} -> {last}"
    );
}

/// The exposure of one state counted pair by pair, without the engine's grouping.
fn pairs_exposed(ws: &Workspace, after: Option<usize>) -> (usize, usize) {
    let inv = &ws.inventory;
    let state = after.map_or(0, |k| k + 1);
    let protected = |u: u32| {
        inv.users[u as usize].protected_users
            || ws
                .stage_of_item(guardplan::plan::MemberKind::User, u)
                .is_some_and(|s| s < state)
    };
    let pairs = exposed_pairs(ws, after);
    let tgt = pairs.iter().filter(|(u, _)| protected(*u)).count();
    (pairs.len(), tgt)
}

/// The (privileged user, host) pairs exposed in one state, listed one by one.
fn exposed_pairs(ws: &Workspace, after: Option<usize>) -> BTreeSet<(u32, u32)> {
    let inv = &ws.inventory;
    let mut pairs = BTreeSet::new();
    for (p, path) in inv.paths.iter().enumerate() {
        let users: Vec<u32> = ws
            .evaluation
            .findings_of(p as u32, Mode::Standard)
            .filter(|f| f.code == Code::RdpCredsExposed)
            .flat_map(|f| f.subjects.iter())
            .filter_map(|s| match s {
                Subject::User(u) => Some(*u),
                _ => None,
            })
            .collect();
        let hosts: Vec<u32> = path.to.iter().chain(&path.hops).copied().collect();
        if ws.mode_after(p as u32, after) == Mode::Standard {
            pairs.extend(users.iter().flat_map(|u| hosts.iter().map(|h| (*u, *h))));
            continue;
        }
        // The path's mode is in use: only what its exceptions leave on plain RDP is exposed.
        let ex = ws
            .plan
            .decision(&path.name)
            .map(|d| exceptions::resolve(inv, p as u32, d))
            .unwrap_or_default();
        for e in ex.iter().filter(|e| e.mode == Mode::Standard) {
            for u in &users {
                if !e.clients.is_empty() || e.users.contains(u) {
                    pairs.extend(hosts.iter().map(|h| (*u, *h)));
                }
                pairs.extend(e.targets.iter().map(|t| (*u, *t)));
                // A session on an excepted target that hops onward signs in on the hops too.
                if !e.targets.is_empty() {
                    pairs.extend(path.hops.iter().map(|h| (*u, *h)));
                }
            }
        }
    }
    pairs
}

fn ra_enabled_hosts(ws: &Workspace, after: Option<usize>) -> usize {
    let inv = &ws.inventory;
    let mut n = inv
        .hosts
        .iter()
        .filter(|h| h.accepts_restricted_admin())
        .count();
    // A host accepts Restricted Admin once it has both values, whichever stage sets the second.
    for s in 0..after.map_or(0, |k| k + 1) {
        for a in &ws.assessment().stages[s].actions {
            if let Action::EnableTarget {
                host,
                restricted_admin,
                protected_creds,
            } = a
            {
                let h = &inv.hosts[*host as usize];
                let ra = h.restricted_admin_enabled() || *restricted_admin;
                let pc = h.allow_protected_creds || *protected_creds;
                n += usize::from(ra && pc && !h.accepts_restricted_admin());
            }
        }
    }
    n
}

fn assert_exposure_counted_pair_by_pair(ws: &Workspace) {
    let states = std::iter::once(None).chain((0..ws.plan.stages.len()).map(Some));
    for after in states {
        let e = ws.exposure(after);
        assert_eq!(
            (e.exposures, e.tgt_only),
            pairs_exposed(ws, after),
            "after {after:?}"
        );
        assert_eq!(
            e.pth_targets,
            ra_enabled_hosts(ws, after),
            "after {after:?}"
        );
    }
}

#[test]
fn a_user_an_exception_leaves_on_standard_stays_exposed_after_the_stage() {
    let mut ws = contoso();
    let p = ws.inventory.index.paths["tier0-dc-admin"];
    // The first stage after which the path uses its mode.
    let stage = (0..ws.plan.stages.len()).find(|s| ws.mode_after(p, Some(*s)) != Mode::Standard);
    let stage = stage.expect("a stage puts the path into use");
    let user = |name: &str| {
        ws.inventory
            .users
            .iter()
            .position(|u| u.name == name)
            .expect("user") as u32
    };
    let (alice, oscar) = (user("t0-alice"), user("t0-oscar"));
    let jump = ws
        .inventory
        .hosts
        .iter()
        .position(|h| h.name == "JUMP-T0-01")
        .expect("host") as u32;
    let before = ws.exposure(Some(stage));
    let pairs = exposed_pairs(&ws, Some(stage));
    assert!(!pairs.contains(&(alice, jump)) && !pairs.contains(&(oscar, jump)));
    ws.apply(Edit::Decide {
        path: p,
        mode: Mode::RemoteGuard,
        exceptions: vec![guardplan::plan::Exception {
            users: vec![r"user:CORP\t0-oscar".into()],
            remediation: "keeps plain RDP until the PAW is rebuilt".into(),
            ..Default::default()
        }],
    })
    .expect("the edit applies");
    // Before the stage nothing changes; after it, only the excepted user is still exposed on the jump host.
    let pairs = exposed_pairs(&ws, Some(stage));
    assert!(
        pairs.contains(&(oscar, jump)),
        "the excepted user stays exposed"
    );
    assert!(!pairs.contains(&(alice, jump)), "the others are protected");
    assert!(ws.exposure(Some(stage)).exposures > before.exposures);
    assert_exposure_counted_pair_by_pair(&ws);
    assert_same_states(&ws);
    // The reports say the same.
    let r = guardplan::report::plan_report(&ws, "plan.toml".into(), "inv.toml", Severity::Block);
    let v: serde_json::Value =
        serde_json::from_str(&guardplan::report::json::render(&r)).expect("JSON");
    let last = ws.plan.stages.len() - 1;
    assert_eq!(
        v["summary"]["exposure"]["after"],
        ws.exposure(Some(last)).exposures
    );
    assert_eq!(
        v["stages"][stage]["exposure"],
        ws.exposure(Some(stage)).exposures
    );
    assert!(ws.undo());
    assert_eq!(ws.exposure(Some(stage)), before);
}

#[test]
fn a_target_an_exception_leaves_on_standard_exposes_the_onward_hops_too() {
    let mut ws = contoso();
    let p = ws.inventory.index.paths["tier0-dc-admin"];
    let stage = (0..ws.plan.stages.len()).find(|s| ws.mode_after(p, Some(*s)) != Mode::Standard);
    let stage = stage.expect("a stage puts the path into use");
    let host = |name: &str| {
        (ws.inventory.hosts.iter())
            .position(|h| h.name == name)
            .expect("host") as u32
    };
    let (jump, dc) = (host("JUMP-T0-01"), host("DC01"));
    let before = ws.exposure(Some(stage)).exposures;
    assert!(
        !exposed_pairs(&ws, Some(stage))
            .iter()
            .any(|(_, h)| *h == dc)
    );
    ws.apply(Edit::Decide {
        path: p,
        mode: Mode::RemoteGuard,
        exceptions: vec![guardplan::plan::Exception {
            targets: vec!["host:JUMP-T0-01".into()],
            remediation: "keeps plain RDP until the jump server is rebuilt".into(),
            ..Default::default()
        }],
    })
    .expect("the edit applies");
    // Sessions on the jump server keep plain RDP and hop on to the domain controller as the user: both hosts
    // hold the privileged users' credentials after the stage.
    let pairs = exposed_pairs(&ws, Some(stage));
    let on = |h: u32| pairs.iter().filter(|(_, x)| *x == h).count();
    assert!(on(jump) > 0 && on(dc) == on(jump), "{pairs:?}");
    assert_eq!(
        ws.exposure(Some(stage)).exposures,
        before + on(jump) + on(dc)
    );
    assert_exposure_counted_pair_by_pair(&ws);
    assert_same_states(&ws);
}

#[test]
fn the_exposure_of_every_state_is_the_number_of_exposed_pairs() {
    assert_exposure_counted_pair_by_pair(&contoso());
    let text = generate(&SampleSpec::new(600)).expect("a valid spec");
    let inv = load_str("sample.toml", &text).expect("the sample loads");
    let ws = Workspace::new(inv, None, TODAY);
    assert_exposure_counted_pair_by_pair(&ws);
    assert!(ws.exposure(None).exposures > 0);
}

/// What a planner edit leaves must be what a fresh workspace on the edited plan computes.
fn assert_same_states(edited: &Workspace) {
    let fresh = Workspace::new(edited.inventory.clone(), Some(edited.plan_to_save()), TODAY);
    let (a, b) = (edited.assessment(), fresh.assessment());
    assert_eq!(a.states.exposure, b.states.exposure);
    let interim = |x: &guardplan::plan::Assessment| -> Vec<_> {
        x.states
            .interim
            .iter()
            .map(|(f, s)| (f.code, f.path, f.mode, f.subjects.clone(), *s))
            .collect()
    };
    assert_eq!(interim(a), interim(b));
    let items = |ws: &Workspace| -> BTreeSet<_> {
        (ws.assessment().items.iter())
            .map(|i| {
                let f = ws.finding(i.finding);
                (
                    f.code,
                    f.path,
                    f.mode,
                    f.subjects.clone(),
                    i.stage,
                    i.first,
                    i.until,
                )
            })
            .collect()
    };
    assert_eq!(items(edited), items(&fresh));
    let ready =
        |ws: &Workspace| -> Vec<bool> { ws.assessment().stages.iter().map(|g| g.ready).collect() };
    assert_eq!(ready(edited), ready(&fresh));
    // What each stage changes and what keeps it from being ready, sentence for sentence.
    assert_eq!(a.stages, b.stages);
    assert_eq!(a.enrollment, b.enrollment);
    assert_eq!(a.counts, b.counts);
}

#[test]
fn a_planner_edit_updates_the_stage_states_as_a_fresh_start_would() {
    let mut ws = contoso();
    let before = ws.exposure(None);
    let vendor = ws.inventory.index.paths["emea-ops"];
    ws.apply(Edit::SetMode {
        path: vendor,
        mode: Mode::RemoteGuard,
    })
    .expect("the edit applies");
    assert_same_states(&ws);
    let helpdesk = ws.inventory.index.paths["helpdesk-workstations"];
    ws.apply(Edit::SetMode {
        path: helpdesk,
        mode: Mode::Standard,
    })
    .expect("the edit applies");
    assert_same_states(&ws);
    assert_eq!(
        ws.exposure(None),
        before,
        "the state before the plan does not move"
    );
    let last = ws.plan.stages.len() - 1;
    ws.apply(Edit::MoveStage { from: last, to: 0 })
        .expect("the edit applies");
    assert_same_states(&ws);
    assert!(ws.undo() && ws.undo() && ws.undo());
    assert_same_states(&ws);
    assert_eq!(ws.exposure(Some(last)), contoso().exposure(Some(last)));
}

#[test]
fn plan_init_creates_no_problem_that_a_later_stage_removes() {
    for hosts in [600, 10_000] {
        let text = generate(&SampleSpec::new(hosts)).expect("a valid spec");
        let inv: Inventory = load_str("sample.toml", &text).expect("the sample loads");
        let ws = Workspace::new(inv, None, TODAY);
        let interim: Vec<String> = (ws.assessment().states.interim.iter())
            .map(|(f, s)| format!("{} {:?} {:?}: {}", f.code, f.path, s, f.message))
            .collect();
        assert!(interim.is_empty(), "{hosts} hosts: {interim:#?}");
        // Nothing is blocked at the start of the plan init makes and ready at once elsewhere.
        let a = ws.assessment();
        assert!(
            a.items
                .iter()
                .filter(|i| i.blocks())
                .all(|i| i.stage.is_some())
        );
    }
}

#[test]
fn plan_init_keeps_out_of_protected_users_the_accounts_enrollment_would_lock_out() {
    for hosts in [600, 10_000] {
        let text = generate(&SampleSpec::new(hosts)).expect("a valid spec");
        let inv: Inventory = load_str("sample.toml", &text).expect("the sample loads");
        let ws = Workspace::new(inv, None, TODAY);
        // No account the starting plan enrolls loses its access: no block about what a stage's enrollment
        // would refuse (PU-NTLM, PU-DELEGATION, ...).
        let locked_out: Vec<String> = (ws.assessment().items.iter())
            .filter(|a| a.blocks())
            .map(|a| ws.finding(a.finding))
            .filter(|f| f.code.as_str().starts_with("PU-"))
            .filter(|f| f.subjects.iter().any(|s| matches!(s, Subject::Stage(_))))
            .map(|f| format!("{}: {}", f.code, f.message))
            .collect();
        assert!(locked_out.is_empty(), "{hosts} hosts: {locked_out:#?}");
        // The stage says who waits, and the accounts it still enrolls are named one by one.
        let s = stage_named(&ws, "protected-users");
        let stage = &ws.plan.stages[s];
        assert!(
            stage
                .description
                .contains("kept out until their paths no longer need"),
            "{hosts} hosts: {}",
            stage.description
        );
        assert!(!stage.users.is_empty());
        assert!(stage.users.iter().all(|u| u.starts_with("user:")));
    }
}

#[test]
fn the_report_lists_what_the_scripts_change() {
    let ws = contoso();
    let input = guardplan::report::plan_input(&ws, "plan.toml".into());
    let files = scripts::stage_scripts(&ws).expect("the scripts generate");
    for (s, stage) in input.stages.iter().enumerate() {
        let base = format!("{:02}-{}.ps1", s + 1, stage.name);
        let script = files.iter().find(|f| f.name == base);
        let enrolled = script.map_or(0, |f| {
            f.content
                .lines()
                .filter(|l| l.trim_start().starts_with("@{ Name = ") && l.contains("; Domain = "))
                .count()
        });
        assert_eq!(stage.users.len(), enrolled, "stage {}", stage.name);
        // What is already in place is named apart and not counted as a change.
        for h in &stage.hosts {
            assert!(!stage.in_place.contains(h), "{h} in stage {}", stage.name);
        }
    }
    let targets = &input.stages[stage_named(&ws, "enable-targets")];
    assert!(targets.in_place.iter().any(|h| h == "JUMP-T0-01"));
    assert!(!targets.hosts.iter().any(|h| h == "JUMP-T0-01"));
    let pu = &input.stages[stage_named(&ws, "protected-users")];
    assert_eq!(pu.not_enrolled.len(), 2, "{:?}", pu.not_enrolled);
}

#[test]
fn json_gives_the_stage_of_each_finding_and_the_exposure() {
    let ws = contoso();
    let r = guardplan::report::plan_report(&ws, "plan.toml".into(), "inv.toml", Severity::Block);
    let v: serde_json::Value =
        serde_json::from_str(&guardplan::report::json::render(&r)).expect("JSON");
    let e = &v["summary"]["exposure"];
    assert_eq!(e["before"], ws.exposure(None).exposures);
    assert!(e["after"].as_u64() < e["before"].as_u64());
    let stages = v["stages"].as_array().expect("stages");
    assert_eq!(stages.last().map(|s| &s["exposure"]), Some(&e["after"]));
    let ignored: Vec<&serde_json::Value> = (v["findings"].as_array().expect("findings").iter())
        .filter(|f| f["code"] == "POL-RA-IGNORED" && f["applies"] == true)
        .map(|f| &f["stage"])
        .collect();
    assert_eq!(ignored, vec!["helpdesk", "helpdesk"]);
    let md = guardplan::report::markdown::render(&r);
    assert!(
        md.contains(&format!(
            "**privileged credential exposures: {} -> {}**",
            e["before"], e["after"]
        )),
        "{md}"
    );
}

#[test]
fn a_stage_that_enrolls_an_account_turns_its_exposures_into_four_hour_tgts() {
    let ws = contoso();
    let pu = stage_named(&ws, "protected-users");
    let (before, after) = (ws.exposure(Some(pu - 1)), ws.exposure(Some(pu)));
    assert_eq!(before.exposures, after.exposures);
    assert!(after.tgt_only >= before.tgt_only);
    // Plan without stages: nothing changes.
    let mut plan: Plan = ws.plan.clone();
    plan.stages.clear();
    let bare = Workspace::new(ws.inventory.clone(), Some(plan), TODAY);
    assert_eq!(bare.exposure(None), ws.exposure(None));
    assert_eq!(bare.assessment().states.after(), ws.exposure(None));
}

/// The sample plan with helpdesk-entra-laptops left to the broad rollout and enforced by client policy: the
/// helpdesk console keeps "Restrict Credential Delegation" from `helpdesk` until `broad-rollout` (POL-RA-IGNORED).
/// Returns the workspace and the indices of those two stages.
fn laptops_by_policy_from_the_broad_rollout() -> (Workspace, usize, usize) {
    let mut ws = contoso();
    let helpdesk = stage_named(&ws, "helpdesk");
    let broad = stage_named(&ws, "broad-rollout");
    ws.apply(Edit::RemoveMember {
        stage: helpdesk,
        kind: guardplan::plan::MemberKind::Path,
        selector: "helpdesk-entra-laptops".into(),
    })
    .expect("the edit applies");
    let laptops = ws.inventory.index.paths["helpdesk-entra-laptops"];
    ws.apply(Edit::SetEnforcement {
        path: laptops,
        enforce: guardplan::plan::Enforcement::Policy,
    })
    .expect("the edit applies");
    (ws, helpdesk, broad)
}

#[test]
fn a_finding_one_stage_creates_and_a_later_stage_removes_says_until_when() {
    // helpdesk-workstations switches to /restrictedAdmin in `helpdesk` while HD-CON-02 keeps "Restrict
    // Credential Delegation" (POL-RA-IGNORED); the broad rollout then puts helpdesk-entra-laptops on
    // "Require Restricted Admin" by policy on the same console, which ends it.
    let (ws, helpdesk, broad) = laptops_by_policy_from_the_broad_rollout();
    assert_same_states(&ws);
    let interim: Vec<_> = (ws.assessment().items.iter())
        .filter(|a| a.until.is_some())
        .map(|a| (ws.finding(a.finding).code, a.first, a.until, a.stage))
        .collect();
    assert!(
        interim.contains(&(
            Code::PolRaIgnored,
            Some(helpdesk),
            Some(broad - 1),
            Some(helpdesk)
        )),
        "{interim:?}"
    );
    let r = guardplan::report::plan_report(&ws, "plan.toml".into(), "inv.toml", Severity::Block);
    let f = (r.findings.iter())
        .find(|f| f.code == Code::PolRaIgnored && f.until.is_some())
        .expect("reported");
    assert_eq!(f.stage.as_deref(), Some("helpdesk"));
    assert_eq!(f.until.as_deref(), Some("helpdesk"));
}

#[test]
fn ordering_makes_the_path_wait_for_the_stage_that_removes_its_finding() {
    let (mut ws, _, broad) = laptops_by_policy_from_the_broad_rollout();
    assert!(ws.assessment().items.iter().any(|a| a.until.is_some()));
    guardplan::plan::init::wait_for_later_fixes(&mut ws);
    assert!(
        ws.assessment().items.iter().all(|a| a.until.is_none()),
        "no stage creates a finding a later one removes"
    );
    // helpdesk-workstations waits for the broad rollout that puts the console on "Require Restricted Admin".
    let workstations = ws.inventory.index.paths["helpdesk-workstations"];
    assert_eq!(
        ws.stage_of_item(guardplan::plan::MemberKind::Path, workstations),
        Some(broad)
    );
    assert_same_states(&ws);
}

#[test]
fn protected_users_rules_judge_the_accounts_a_stage_enrolls_from_that_stage() {
    let ws = contoso();
    let pu = stage_named(&ws, "protected-users");
    let vendor = ws.inventory.index.paths["vendor-support"];
    let ntlm: Vec<_> = (ws.assessment().items.iter())
        .filter(|a| {
            let f = ws.finding(a.finding);
            f.code == Code::PuNtlm && f.path == Some(vendor)
        })
        .collect();
    // LITWARE\lw-vendor has no trust path to SRV-APP-01: once enrolled, its NTLM fallback is refused.
    assert_eq!(ntlm.len(), 1);
    assert_eq!((ntlm[0].first, ntlm[0].stage), (Some(pu), Some(pu)));
    assert!(ntlm[0].blocks());
    assert!(!ws.assessment().stages[pu].ready);
    // Not before: the account is not a member in the inventory, so the evaluation alone does not raise it.
    assert!(
        !ws.evaluation
            .findings
            .iter()
            .any(|f| f.code == Code::PuNtlm && f.path == Some(vendor))
    );
}

#[test]
fn the_planner_and_every_report_give_the_same_counts() {
    let text = generate(&SampleSpec::new(2_000)).expect("a valid spec");
    let sample = Workspace::new(load_str("sample.toml", &text).expect("loads"), None, TODAY);
    for ws in [contoso(), sample] {
        let c = &ws.assessment().counts;
        let r =
            guardplan::report::plan_report(&ws, "plan.toml".into(), "inv.toml", Severity::Block);
        let [(_, blocks), ..] = r.counts();
        assert_eq!(blocks, c.blockers);
        assert_eq!(r.stages_ready(), c.stages_ready);
        let per_stage: usize = r.stages.iter().map(|s| s.blockers).sum();
        assert_eq!(per_stage, c.blockers, "every block belongs to one stage");
        assert_eq!(r.fails(), c.blockers > 0);
        assert!(!(r.fails() && r.stages_ready() == r.stages.len()));
        let v: serde_json::Value =
            serde_json::from_str(&guardplan::report::json::render(&r)).expect("JSON");
        assert_eq!(v["summary"]["block"], c.blockers);
        assert_eq!(v["summary"]["stages_ready"], c.stages_ready);
        let md = guardplan::report::markdown::render(&r);
        assert!(md.contains(&format!(
            "| Stages ready | {} of {} |",
            c.stages_ready, c.stages
        )));
    }
}

/// An administrator outside Protected Users who connects from Windows 7 (no KB2871997) to a 2012 server, with
/// plain RDP single sign-on; the plan enrolls them in `enroll` and, when `switch` is given, puts the path on
/// Restricted Admin in a later stage `switch`.
fn old_device_estate(switch: bool) -> Workspace {
    let inv = load_str(
        "estate.toml",
        r#"
version = 1

[[domain]]
dns = "corp.contoso.com"
netbios = "CORP"
functional_level = "2016"

[[host]]
name = "WS-OLD-01"
domain = "corp.contoso.com"
join = "ad"
os = "windows-7"
roles = ["workstation"]

[[host]]
name = "SRV-OLD-01"
domain = "corp.contoso.com"
join = "ad"
os = "server-2012"
roles = ["server"]
administrators = ["alice.admin"]

[[user]]
name = "alice.admin"
domain = "corp.contoso.com"
roles = ["admin"]

[[user]]
name = "bob.admin"
domain = "corp.contoso.com"
roles = ["admin"]

[[path]]
name = "backup"
purpose = "admin"
who = ["user:bob.admin"]
from = ["host:WS-OLD-01"]
to = ["host:SRV-OLD-01"]

[[path]]
name = "ops"
purpose = "admin"
who = ["user:alice.admin", "user:bob.admin"]
from = ["host:WS-OLD-01"]
to = ["host:SRV-OLD-01"]
credssp_sso = true
"#,
    )
    .expect("the estate loads");
    let decision = if switch {
        "[[decision]]\npath = \"ops\"\nmode = \"restricted-admin\"\nenforce = \"switch\"\n"
    } else {
        ""
    };
    let text = format!(
        "version = 1\n[inventory]\npath = \"estate.toml\"\nfingerprint = \"{}\"\n\
         [[stage]]\nname = \"prepare\"\n\
         [[stage]]\nname = \"enroll\"\nusers = ['user:CORP\\alice.admin']\n\
         [[stage]]\nname = \"targets\"\nhosts = [\"host:SRV-OLD-01\"]\n\
         [[stage]]\nname = \"switch\"\npaths = [\"{}\"]\n{decision}",
        io::fingerprint(&inv),
        if switch { "ops" } else { "*" },
    );
    let plan = io::parse("t.plan.toml", &text).expect("plan parses");
    io::validate(&plan, &inv).expect("plan names resolve");
    Workspace::new(inv, Some(plan), TODAY)
}

/// A Protected Users finding of the plan: code, mode, first and last stage.
type PuItem = (Code, Option<Mode>, Option<usize>, Option<usize>);

/// The device and CredSSP findings of the plan.
fn pu_items(ws: &Workspace) -> BTreeSet<PuItem> {
    (ws.assessment().items.iter())
        .filter_map(|a| {
            let f = ws.finding(a.finding);
            matches!(f.code, Code::PuDeviceOs | Code::PuCredsspSso)
                .then_some((f.code, f.mode, a.first, a.until))
        })
        .collect()
}

#[test]
fn an_enrolled_account_on_an_old_device_or_with_credssp_sso_is_judged_from_its_stage() {
    // The path stays on plain RDP: from `enroll` (stage 1) on, every one of them holds to the end.
    let ws = old_device_estate(false);
    let standard = Some(Mode::Standard);
    assert_eq!(
        pu_items(&ws),
        BTreeSet::from([
            (Code::PuDeviceOs, None, Some(1), None),
            (Code::PuDeviceOs, standard, Some(1), None),
            (Code::PuCredsspSso, standard, Some(1), None),
        ])
    );
    // Not before: the evaluation alone (the inventory's members) raises none of them.
    assert!(
        !(ws.evaluation.findings.iter())
            .any(|f| matches!(f.code, Code::PuDeviceOs | Code::PuCredsspSso))
    );
    // The path switches to Restricted Admin in `switch` (stage 3): the findings of plain RDP hold from
    // `enroll` until `targets`, the old client's holds on.
    let ws = old_device_estate(true);
    assert_eq!(
        pu_items(&ws),
        BTreeSet::from([
            (Code::PuDeviceOs, None, Some(1), None),
            (Code::PuDeviceOs, standard, Some(1), Some(2)),
            (Code::PuCredsspSso, standard, Some(1), Some(2)),
        ])
    );
    for a in ws.assessment().items.iter() {
        if ws.finding(a.finding).code == Code::PuCredsspSso {
            assert_eq!(a.stage, Some(1), "the enrolling stage owns it");
        }
    }
    let r = guardplan::report::plan_report(&ws, "plan.toml".into(), "inv.toml", Severity::Block);
    let sso = (r.findings.iter())
        .find(|f| f.code == Code::PuCredsspSso)
        .expect("reported");
    assert_eq!(
        (sso.stage.as_deref(), sso.until.as_deref()),
        (Some("enroll"), Some("targets"))
    );
}

#[test]
fn a_mode_edit_re_judges_the_protected_users_findings_of_enrolled_accounts() {
    let mut ws = old_device_estate(true);
    let p = ws.inventory.index.paths["ops"];
    ws.apply(Edit::SetMode {
        path: p,
        mode: Mode::Standard,
    })
    .expect("the edit applies");
    assert!(pu_items(&ws).contains(&(Code::PuCredsspSso, Some(Mode::Standard), Some(1), None)));
    assert_same_states(&ws);
    // Moving the switch before the enrollment: plain RDP ends before the account is a member.
    assert!(ws.undo());
    ws.apply(Edit::MoveStage { from: 3, to: 0 })
        .expect("the edit applies");
    assert!(
        !pu_items(&ws)
            .iter()
            .any(|(c, m, ..)| *c == Code::PuCredsspSso || m.is_some()),
        "{:?}",
        pu_items(&ws)
    );
    assert_same_states(&ws);
}

#[test]
fn an_edit_of_the_stages_users_updates_the_stage_states_as_a_fresh_start_would() {
    let mut ws = contoso();
    let (pilot, pu) = (
        stage_named(&ws, "pilot-clients"),
        stage_named(&ws, "protected-users"),
    );
    let user = guardplan::plan::MemberKind::User;
    let before = ws.exposure(Some(pilot));
    // LITWARE\lw-vendor enrolled with the pilot: its PU-NTLM block moves to the pilot's gate.
    ws.apply(Edit::MoveMember {
        from: pu,
        to: pilot,
        kind: user,
        selector: r"user:LITWARE\lw-vendor".into(),
    })
    .expect("the edit applies");
    assert_same_states(&ws);
    let vendor = ws.inventory.index.paths["vendor-support"];
    let ntlm = (ws.assessment().items.iter())
        .find(|a| {
            let f = ws.finding(a.finding);
            f.code == Code::PuNtlm && f.path == Some(vendor)
        })
        .expect("PU-NTLM for the vendor");
    assert_eq!((ntlm.first, ntlm.stage), (Some(pilot), Some(pilot)));
    assert!(!ws.assessment().stages[pilot].ready);
    // A Tier 0 administrator enrolled with the pilot: their exposures turn into four-hour TGTs from there.
    ws.apply(Edit::AddMember {
        stage: pilot,
        kind: user,
        selector: r"user:CORP\t0-alice".into(),
    })
    .expect("the edit applies");
    assert_same_states(&ws);
    assert_exposure_counted_pair_by_pair(&ws);
    ws.apply(Edit::RemoveMember {
        stage: pu,
        kind: user,
        selector: r"user:CORP\hd-dave".into(),
    })
    .expect("the edit applies");
    assert_same_states(&ws);
    assert!(ws.undo() && ws.undo() && ws.undo());
    assert_same_states(&ws);
    assert_eq!(ws.exposure(Some(pilot)), before);
    assert!(ws.redo());
    assert_same_states(&ws);
    // The old device estate: a path before `ops` gains findings of its own, `ops` keeps its.
    let mut ws = old_device_estate(true);
    let ops = pu_items(&ws);
    ws.apply(Edit::AddMember {
        stage: 2,
        kind: user,
        selector: r"user:CORP\bob.admin".into(),
    })
    .expect("the edit applies");
    assert_same_states(&ws);
    assert!(pu_items(&ws).contains(&(Code::PuDeviceOs, Some(Mode::Standard), Some(2), None)));
    // On `ops`, each account's findings hold from the stage that enrolls it, and count at that stage's gate.
    let ops_path = ws.inventory.index.paths["ops"];
    let sso: BTreeSet<_> = (ws.assessment().items.iter())
        .filter(|a| {
            let f = ws.finding(a.finding);
            f.code == Code::PuCredsspSso && f.path == Some(ops_path)
        })
        .map(|a| (a.stage, a.first, a.until))
        .collect();
    assert_eq!(
        sso,
        BTreeSet::from([(Some(1), Some(1), Some(2)), (Some(2), Some(2), Some(2))])
    );
    assert!(ws.undo());
    assert_eq!(pu_items(&ws), ops);
    assert_same_states(&ws);
    // No enrolled account, no Protected Users finding.
    ws.apply(Edit::RemoveMember {
        stage: 1,
        kind: user,
        selector: r"user:CORP\alice.admin".into(),
    })
    .expect("the edit applies");
    assert!(pu_items(&ws).is_empty(), "{:?}", pu_items(&ws));
    assert_same_states(&ws);
}

#[test]
fn enrolling_an_account_of_a_down_level_domain_raises_pu_dfl_not_its_dc_protections() {
    // The old device estate's domain at the 2012 functional level, and alice without AES keys (RC4 only): the
    // domain controllers enforce neither, so enrolling her is no block; PU-DFL says so from her stage.
    let mut ws = old_device_estate(false);
    let mut inv = guardplan::inventory::Inventory::clone(&ws.inventory);
    inv.domains[0].functional_level = guardplan::inventory::FunctionalLevel::W2012;
    let alice = inv
        .users
        .iter()
        .position(|u| u.name == "alice.admin")
        .expect("alice");
    inv.users[alice].aes_keys = true;
    inv.users[alice].etypes = [guardplan::inventory::EncryptionType::Rc4].into();
    let plan = ws.plan_to_save();
    let down = Workspace::new(inv.clone(), Some(plan.clone()), TODAY);
    let codes = |ws: &Workspace| -> BTreeSet<(Code, Option<usize>)> {
        (ws.assessment().items.iter())
            .map(|a| (ws.finding(a.finding).code, a.stage))
            .filter(|(c, _)| matches!(c, Code::PuDfl | Code::PuWeakEtypes))
            .collect()
    };
    assert_eq!(codes(&down), BTreeSet::from([(Code::PuDfl, Some(1))]));
    assert!(down.assessment().stages[1].ready);
    // At 2016 the same account is a block of the enrolling stage.
    inv.domains[0].functional_level = guardplan::inventory::FunctionalLevel::W2016;
    ws = Workspace::new(inv, Some(plan), TODAY);
    assert_eq!(codes(&ws), BTreeSet::from([(Code::PuWeakEtypes, Some(1))]));
    assert!(!ws.assessment().stages[1].ready);
}

/// SRV-OFF refuses Restricted Admin (`DisableRestrictedAdmin` = 1); a stage `enable-targets` sets it to 0 on the
/// hosts it lists, a later stage `pilot` puts path `ops` on Restricted Admin. `prepared` names the host
/// `enable-targets` lists.
fn enable_then_pilot(prepared: &str) -> Workspace {
    let inv = load_str(
        "estate.toml",
        r#"
version = 1

[[domain]]
dns = "corp.contoso.com"
netbios = "CORP"
functional_level = "2016"

[[host]]
name = "PAW-01"
domain = "corp.contoso.com"
join = "ad"
os = "windows-11"
build = 22631
roles = ["paw"]

[[host]]
name = "SRV-OFF"
domain = "corp.contoso.com"
join = "ad"
os = "server-2022"
roles = ["server"]
disable_restricted_admin = 1
allow_protected_creds = true
laps = true
administrators = ["alice.admin"]

[[host]]
name = "SRV-OTHER"
domain = "corp.contoso.com"
join = "ad"
os = "server-2022"
roles = ["server"]
disable_restricted_admin = 0
allow_protected_creds = true
laps = true

[[user]]
name = "alice.admin"
domain = "corp.contoso.com"
roles = ["admin"]

[[path]]
name = "ops"
purpose = "admin"
who = ["user:alice.admin"]
from = ["host:PAW-01"]
to = ["host:SRV-OFF"]
"#,
    )
    .expect("the estate loads");
    let text = format!(
        "version = 1\n[inventory]\npath = \"estate.toml\"\nfingerprint = \"{}\"\n\
         [[stage]]\nname = \"enable-targets\"\nhosts = [\"host:{prepared}\"]\n\
         [[stage]]\nname = \"pilot\"\nhosts = [\"host:SRV-OFF\"]\npaths = [\"ops\"]\n\
         [[decision]]\npath = \"ops\"\nmode = \"restricted-admin\"\nenforce = \"switch\"\n",
        io::fingerprint(&inv),
    );
    let plan = io::parse("t.plan.toml", &text).expect("plan parses");
    io::validate(&plan, &inv).expect("plan names resolve");
    Workspace::new(inv, Some(plan), TODAY)
}

/// The stage of each target-change finding, as the planner, the report, JSON and Markdown give it.
fn target_change_stages(ws: &Workspace) -> BTreeSet<(Code, String)> {
    let codes = [Code::RaPthExposure, Code::PolSocNotice];
    let planner: BTreeSet<(Code, String)> = (ws.assessment().items.iter())
        .filter_map(|a| {
            let f = ws.finding(a.finding);
            let s = a.stage.map(|s| ws.plan.stages[s].name.clone())?;
            codes.contains(&f.code).then_some((f.code, s))
        })
        .collect();
    let r = guardplan::report::plan_report(ws, "plan.toml".into(), "inv.toml", Severity::Block);
    let report: BTreeSet<(Code, String)> = (r.findings.iter())
        .filter(|f| codes.contains(&f.code) && f.applies)
        .filter_map(|f| Some((f.code, f.stage.clone()?)))
        .collect();
    assert_eq!(planner, report, "the planner and the report agree");
    let v: serde_json::Value =
        serde_json::from_str(&guardplan::report::json::render(&r)).expect("JSON");
    let json: BTreeSet<(String, String)> = (v["findings"].as_array().expect("findings").iter())
        .filter(|f| f["code"] == "RA-PTH-EXPOSURE" || f["code"] == "POL-SOC-NOTICE")
        .filter(|f| f["applies"] == true)
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["stage"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String)> = report
        .iter()
        .map(|(c, s)| (c.to_string(), s.clone()))
        .collect();
    assert_eq!(json, want, "JSON agrees");
    let text = guardplan::report::text::render(&r, false);
    for (c, s) in &report {
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            (lines.windows(2)).any(|w| w[0].trim_start().starts_with(&format!("{c} "))
                && w[1].contains(&format!(" from stage {s}:"))),
            "the text gives {c} in {s}:\n{text}"
        );
    }
    let md = guardplan::report::markdown::render(&r);
    for (c, s) in &report {
        assert!(
            md.lines()
                .any(|l| l.contains(&c.to_string()) && l.contains(s.as_str())),
            "Markdown gives {c} in {s}:\n{md}"
        );
    }
    report
}

#[test]
fn the_stage_that_changes_a_target_is_the_stage_that_exposes_it() {
    let ws = enable_then_pilot("SRV-OFF");
    let s = |n: &str| n.to_string();
    assert_eq!(
        target_change_stages(&ws),
        BTreeSet::from([
            (Code::RaPthExposure, s("enable-targets")),
            (Code::PolSocNotice, s("enable-targets")),
        ])
    );
    // The stage's own count agrees: the pass-the-hash exposure starts after `enable-targets`.
    // SRV-OTHER accepts Restricted Admin before the plan.
    assert_eq!(ws.exposure(None).pth_targets, 1);
    assert_eq!(ws.exposure(Some(0)).pth_targets, 2);
    assert_eq!(ws.exposure(Some(1)).pth_targets, 2);
    // Near miss: `enable-targets` prepares another host, so `pilot` changes SRV-OFF and exposes it.
    let ws = enable_then_pilot("SRV-OTHER");
    assert_eq!(
        target_change_stages(&ws),
        BTreeSet::from([
            (Code::RaPthExposure, s("pilot")),
            (Code::PolSocNotice, s("pilot")),
        ])
    );
    assert_eq!(ws.exposure(Some(0)).pth_targets, 1);
    assert_eq!(ws.exposure(Some(1)).pth_targets, 2);
}
