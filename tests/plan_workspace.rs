//! The shared editing model: stage gates, POL-ORDER, waivers and their expiry, undo and redo.

use crate::plan_common;

use guardplan::Mode;
use guardplan::plan::{Edit, Enforcement, MemberKind, Plan, Waiver, Workspace, io};
use guardplan::rules::Code;
use plan_common::{TODAY, inventory};

/// A plan that switches `tier1` to remote-guard in `pilot` and prepares SRV-01 in `targets`.
fn plan(order: [&str; 2], waivers: &str) -> Plan {
    let inv = inventory();
    let stage = |name: &str| match name {
        "pilot" => "[[stage]]\nname = \"pilot\"\npaths = [\"tier1\"]\n",
        _ => "[[stage]]\nname = \"targets\"\nhosts = [\"host:SRV-01\"]\n",
    };
    let text = format!(
        "version = 1\n[inventory]\npath = \"estate.toml\"\nfingerprint = \"{}\"\n{}{}\n[[decision]]\npath = \"tier1\"\nmode = \"remote-guard\"\nenforce = \"switch\"\n{waivers}",
        io::fingerprint(&inv),
        stage(order[0]),
        stage(order[1]),
    );
    let p = io::parse("t.plan.toml", &text).expect("plan parses");
    io::validate(&p, &inv).expect("plan names resolve");
    p
}

fn order_findings(ws: &Workspace) -> Vec<(Option<usize>, Option<usize>)> {
    ws.assessment()
        .items
        .iter()
        .filter(|a| ws.finding(a.finding).code == Code::PolOrder)
        .map(|a| (a.stage, a.waived_by))
        .collect()
}

#[test]
fn pol_order_when_a_path_is_switched_before_its_targets_are_prepared() {
    let ws = Workspace::new(inventory(), Some(plan(["pilot", "targets"], "")), TODAY);
    assert_eq!(order_findings(&ws), vec![(Some(0), None)]);
    assert!(
        ws.items_for_path(0)
            .iter()
            .any(|a| ws.finding(a.finding).code == Code::PolOrder)
    );
    let gate = &ws.assessment().stages[0];
    assert!(!gate.ready);
    assert!(
        gate.blockers.iter().any(|b| b.starts_with("POL-ORDER")),
        "{:?}",
        gate.blockers
    );
    assert!(ws.assessment().stages[1].ready);
    assert_eq!(ws.assessment().counts.stages_ready, 1);

    let ok = Workspace::new(inventory(), Some(plan(["targets", "pilot"], "")), TODAY);
    assert!(order_findings(&ok).is_empty());
    assert_eq!(ok.assessment().counts.stages_ready, 2);
    // The targets stage generates the registry changes, the pilot the shortcuts.
    let a = &ok.assessment().stages;
    assert!(matches!(
        a[0].actions[..],
        [guardplan::plan::actions::Action::EnableTarget {
            restricted_admin: true,
            protected_creds: true,
            ..
        }]
    ));
    assert!(matches!(
        a[1].actions[..],
        [guardplan::plan::actions::Action::Shortcut {
            mode: Mode::RemoteGuard,
            ..
        }]
    ));
}

#[test]
fn a_target_prepared_in_no_stage_is_an_ordering_block_too() {
    let mut ws = Workspace::new(inventory(), Some(plan(["targets", "pilot"], "")), TODAY);
    ws.apply(Edit::RemoveMember {
        stage: 0,
        kind: MemberKind::Host,
        selector: "host:SRV-01".into(),
    })
    .expect("remove");
    let f: Vec<String> = ws
        .assessment()
        .items
        .iter()
        .map(|a| ws.finding(a.finding))
        .filter(|f| f.code == Code::PolOrder)
        .map(|f| f.message.clone())
        .collect();
    assert_eq!(f.len(), 1);
    assert!(f[0].contains("in no stage"), "{f:?}");
}

#[test]
fn waivers_apply_until_they_expire() {
    let waiver = |expires: &str| {
        format!(
            "\n[[waiver]]\ncode = \"POL-ORDER\"\nscope = \"path:tier1\"\nreason = \"pilot on a lab target\"\nexpires = {expires}\n"
        )
    };
    let active = Workspace::new(
        inventory(),
        Some(plan(["pilot", "targets"], &waiver("2026-06-01"))),
        TODAY,
    );
    let expired = Workspace::new(
        inventory(),
        Some(plan(["pilot", "targets"], &waiver("2026-05-31"))),
        TODAY,
    );
    let order_blocker = |ws: &Workspace| {
        ws.assessment().stages[0]
            .blockers
            .iter()
            .any(|b| b.starts_with("POL-ORDER"))
    };
    // Waived on its last day.
    assert_eq!(order_findings(&active), vec![(Some(0), Some(0))]);
    assert!(!order_blocker(&active));
    assert_eq!(active.assessment().counts.expired_waivers, 0);
    // Counts again the day after.
    assert_eq!(order_findings(&expired), vec![(Some(0), None)]);
    assert!(order_blocker(&expired));
    assert!(!expired.assessment().stages[0].ready);
    assert_eq!(expired.assessment().counts.expired_waivers, 1);
    let (a, e) = (
        active.assessment().counts.clone(),
        expired.assessment().counts.clone(),
    );
    assert_eq!(e.blockers, a.blockers + 1);
    assert_eq!(a.waived, e.waived + 1);
}

#[test]
fn a_waiver_scoped_elsewhere_does_not_waive() {
    let w =
        "\n[[waiver]]\ncode = \"POL-ORDER\"\nscope = \"host:PAW-01\"\nreason = \"wrong host\"\n";
    let ws = Workspace::new(inventory(), Some(plan(["pilot", "targets"], w)), TODAY);
    assert_eq!(order_findings(&ws), vec![(Some(0), None)]);
}

#[test]
fn edits_undo_and_redo() {
    let original = plan(["pilot", "targets"], "");
    let mut ws = Workspace::new(inventory(), Some(original.clone()), TODAY);
    assert!(!ws.is_dirty());
    ws.apply(Edit::MoveStage { from: 1, to: 0 }).expect("move");
    ws.apply(Edit::SetMode {
        path: 0,
        mode: Mode::RestrictedAdmin,
    })
    .expect("mode");
    ws.apply(Edit::SetEnforcement {
        path: 0,
        enforce: Enforcement::Policy,
    })
    .expect("enforce");
    ws.apply(Edit::AddWaiver(Waiver {
        code: "RA-NO-LAPS".into(),
        scope: "host:SRV-01".into(),
        reason: "LAPS arrives in Q3".into(),
        expires: None,
    }))
    .expect("waiver");
    assert!(ws.is_dirty());
    assert_eq!(ws.choice(0).mode, Mode::RestrictedAdmin);
    assert!(order_findings(&ws).is_empty());
    let edited = ws.plan.clone();

    while ws.undo() {}
    assert_eq!(ws.plan, original);
    assert!(!ws.is_dirty());
    assert_eq!(ws.choice(0).mode, Mode::RemoteGuard);
    assert_eq!(order_findings(&ws).len(), 1);

    while ws.redo() {}
    assert_eq!(ws.plan, edited);
    ws.mark_saved();
    assert!(!ws.is_dirty());
    ws.undo();
    assert!(ws.is_dirty());
    // A new edit after an undo discards the redo history.
    ws.apply(Edit::AddStage {
        at: 2,
        name: "enforce".into(),
    })
    .expect("stage");
    assert!(!ws.redo());
}

#[test]
fn invalid_edits_change_nothing() {
    let mut ws = Workspace::new(inventory(), Some(plan(["targets", "pilot"], "")), TODAY);
    let before = ws.plan.clone();
    assert!(
        ws.apply(Edit::AddMember {
            stage: 0,
            kind: MemberKind::Host,
            selector: "host:NOPE".into()
        })
        .is_err()
    );
    assert!(
        ws.apply(Edit::AddMember {
            stage: 9,
            kind: MemberKind::Host,
            selector: "*".into()
        })
        .is_err()
    );
    assert!(
        ws.apply(Edit::AddStage {
            at: 0,
            name: "bad name;rm".into()
        })
        .is_err()
    );
    assert!(
        ws.apply(Edit::AddStage {
            at: 0,
            name: "pilot".into()
        })
        .is_err()
    );
    assert!(ws.apply(Edit::RemoveWaiver(3)).is_err());
    assert!(
        ws.apply(Edit::SetMode {
            path: 42,
            mode: Mode::Standard
        })
        .is_err()
    );
    assert!(
        ws.apply(Edit::AddWaiver(Waiver {
            code: "NOPE".into(),
            scope: "*".into(),
            reason: "x".into(),
            expires: None
        }))
        .is_err()
    );
    assert_eq!(ws.plan, before);
    assert!(!ws.is_dirty());
}

#[test]
fn an_item_selected_by_several_stages_belongs_to_the_earliest() {
    let mut ws = Workspace::new(inventory(), Some(plan(["targets", "pilot"], "")), TODAY);
    ws.apply(Edit::AddMember {
        stage: 1,
        kind: MemberKind::Host,
        selector: "*".into(),
    })
    .expect("add");
    let m = ws.membership();
    assert_eq!(m.host[1], Some(0), "SRV-01 stays in the first stage");
    assert_eq!(m.host[0], Some(1), "PAW-01 is only selected by the second");
}

#[test]
fn init_gives_every_path_a_decision_and_the_usual_stages() {
    let ws = Workspace::new(inventory(), None, TODAY);
    let names: Vec<&str> = ws.plan.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "prerequisites",
            "enable-targets",
            "pilot-clients",
            "helpdesk",
            "broad-rollout",
            "protected-users",
            "enforce"
        ]
    );
    assert_eq!(ws.plan.decisions.len(), 1);
    assert_eq!(
        ws.plan.inventory.fingerprint,
        io::fingerprint(&ws.inventory)
    );
    assert!(ws.staleness().is_none());
    assert_eq!(ws.plan.stages[5].users, ["role:admin"]);
}

#[test]
fn edits_give_the_same_assessment_as_a_fresh_workspace() {
    let mut ws = Workspace::new(inventory(), Some(plan(["targets", "pilot"], "")), TODAY);
    ws.apply(Edit::AddMember {
        stage: 1,
        kind: MemberKind::Client,
        selector: "*".into(),
    })
    .expect("clients");
    ws.apply(Edit::AddMember {
        stage: 0,
        kind: MemberKind::User,
        selector: "*".into(),
    })
    .expect("users");
    for (mode, enforce) in [
        (Mode::RestrictedAdmin, Enforcement::Policy),
        (Mode::PreferRemoteGuard, Enforcement::Switch),
        (Mode::Standard, Enforcement::Policy),
        (Mode::RemoteGuard, Enforcement::Policy),
    ] {
        ws.apply(Edit::SetMode { path: 0, mode }).expect("mode");
        ws.apply(Edit::SetEnforcement { path: 0, enforce })
            .expect("enforce");
        let fresh = Workspace::new(inventory(), Some(ws.plan.clone()), TODAY);
        let (a, b) = (ws.assessment(), fresh.assessment());
        assert_eq!(a.stages, b.stages, "{mode} {enforce:?}");
        assert_eq!(a.counts, b.counts);
        assert_eq!(a.items, b.items);
    }
    let acts = &ws.assessment().stages[1].actions;
    assert!(
        acts.iter()
            .any(|a| matches!(a, guardplan::plan::actions::Action::ClientPolicy { .. })),
        "{acts:?}"
    );
}

#[test]
fn diff_lists_moved_members_and_new_blockers() {
    use guardplan::plan::diff;
    let old = plan(["targets", "pilot"], "");
    let new = plan(["pilot", "targets"], "");
    let d = diff::diff(&old, &new, Some(&inventory()), TODAY);
    assert!(d.stages_reordered);
    assert_eq!(d.new_blockers.len(), 1, "{d:?}");
    assert!(d.new_blockers[0].starts_with("POL-ORDER"));
    assert!(d.resolved_blockers.is_empty());
    let text = diff::render(&d, true);
    assert!(text.contains("### New blockers"), "{text}");

    let mut moved = old.clone();
    let sel = moved.stages[0].hosts.remove(0);
    moved.stages[1].hosts.push(sel);
    let d = diff::diff(&old, &moved, None, TODAY);
    assert_eq!(d.members.len(), 1);
    assert_eq!(
        (d.members[0].from.as_deref(), d.members[0].to.as_deref()),
        (Some("targets"), Some("pilot"))
    );
    assert!(
        d.new_blockers.is_empty(),
        "no inventory, no blocker comparison"
    );
    assert!(diff::diff(&old, &old, Some(&inventory()), TODAY).is_empty());
}

#[test]
fn cross_path_findings_after_edits_match_a_fresh_workspace() {
    // Three paths; two share the client PAW-01, the third leaves PAW-02.
    let text = format!(
        "{}{}",
        plan_common::ESTATE,
        r#"
[[host]]
name = "PAW-02"
domain = "corp.contoso.com"
join = "ad"
os = "windows-11"
build = 22631
roles = ["paw"]

[[host]]
name = "SRV-02"
domain = "corp.contoso.com"
join = "ad"
os = "server-2019"
roles = ["server"]
administrators = ["alice.admin"]

[[path]]
name = "tier1-b"
purpose = "helpdesk"
who = ["user:alice.admin"]
from = ["host:PAW-01"]
to = ["host:SRV-02"]

[[path]]
name = "tier1-c"
purpose = "admin"
who = ["user:alice.admin"]
from = ["host:PAW-02"]
to = ["host:SRV-02"]
"#
    );
    let inv = guardplan::inventory::load_str("three.toml", &text).expect("loads");
    let mut ws = Workspace::new(inv.clone(), None, TODAY);
    ws.apply(Edit::AddMember {
        stage: 1,
        kind: MemberKind::Host,
        selector: "*".into(),
    })
    .expect("hosts");
    ws.apply(Edit::AddMember {
        stage: 6,
        kind: MemberKind::Client,
        selector: "*".into(),
    })
    .expect("clients");
    let steps = [
        (0, Mode::RemoteGuard),
        (1, Mode::RestrictedAdmin),
        (2, Mode::PreferRemoteGuard),
        (0, Mode::PreferRemoteGuard),
        (1, Mode::Standard),
        (0, Mode::RestrictedAdmin),
    ];
    for (path, mode) in steps {
        ws.apply(Edit::SetMode { path, mode }).expect("mode");
        let fresh = Workspace::new(inv.clone(), Some(ws.plan.clone()), TODAY);
        assert_eq!(
            ws.assessment().cross,
            fresh.assessment().cross,
            "after {path} -> {mode}"
        );
        assert_eq!(ws.assessment().items, fresh.assessment().items);
        assert_eq!(ws.assessment().stages, fresh.assessment().stages);
    }
    while ws.undo() {
        let fresh = Workspace::new(inv.clone(), Some(ws.plan.clone()), TODAY);
        assert_eq!(ws.assessment().cross, fresh.assessment().cross);
    }
}

#[test]
fn the_first_active_waiver_that_matches_waives() {
    // Sorted by code then scope: 0 `*` (expired), 1 `host:PAW-01` (another host), 2 `host:SRV-01`,
    // 3 `path:tier1`. The POL-ORDER finding names SRV-01 and path tier1: waiver 2 is the first that applies.
    let w = "\n[[waiver]]\ncode = \"POL-ORDER\"\nscope = \"*\"\nreason = \"old\"\nexpires = 2026-01-01\n\
             [[waiver]]\ncode = \"POL-ORDER\"\nscope = \"host:PAW-01\"\nreason = \"other host\"\n\
             [[waiver]]\ncode = \"POL-ORDER\"\nscope = \"path:tier1\"\nreason = \"by path\"\n\
             [[waiver]]\ncode = \"POL-ORDER\"\nscope = \"host:SRV-01\"\nreason = \"by host\"\n";
    let mut ws = Workspace::new(inventory(), Some(plan(["pilot", "targets"], w)), TODAY);
    let scopes: Vec<&str> = ws.plan.waivers.iter().map(|w| w.scope.as_str()).collect();
    assert_eq!(scopes, ["*", "host:PAW-01", "host:SRV-01", "path:tier1"]);
    assert_eq!(order_findings(&ws), vec![(Some(0), Some(2))]);
    // Without the host waiver, the path waiver takes over; without both, nothing waives.
    ws.apply(Edit::RemoveWaiver(2)).expect("removed");
    assert_eq!(order_findings(&ws), vec![(Some(0), Some(2))]);
    assert_eq!(ws.plan.waivers[2].scope, "path:tier1");
    ws.apply(Edit::RemoveWaiver(2)).expect("removed");
    assert_eq!(order_findings(&ws), vec![(Some(0), None)]);
    // A current `*` waiver of the code waives it anywhere.
    ws.apply(Edit::AddWaiver(Waiver {
        code: "POL-ORDER".into(),
        scope: "*".into(),
        reason: "lab".into(),
        expires: None,
    }))
    .expect("added");
    assert_eq!(order_findings(&ws), vec![(Some(0), Some(0))]);
}

#[test]
fn stage_views_agree_with_the_assessment() {
    let inv = guardplan::inventory::load_sample().expect("sample loads");
    let ws = Workspace::new(inv, None, TODAY);
    let stages = ws.plan.stages.len();
    assert!(stages >= 5);
    let mut owned = [0usize; 4];
    for s in 0..stages {
        let members = ws.stage_members(s).expect("every stage has members");
        let counts = ws.stage_member_counts(s);
        for (k, kind) in MemberKind::ALL.into_iter().enumerate() {
            assert_eq!(counts[k], members.of(kind).len());
            owned[k] += counts[k];
            for id in members.of(kind) {
                assert_eq!(ws.stage_of_item(kind, *id), Some(s), "{kind:?} {id}");
            }
        }
        let want: Vec<_> = ws
            .assessment()
            .items
            .iter()
            .filter(|a| a.stage == Some(s))
            .copied()
            .collect();
        assert_eq!(ws.items_for_stage(s), want, "stage {s}");
        let gate = ws.stage_gate(s).expect("gate");
        let lines = ws.stage_action_lines(s);
        assert_eq!(lines.len(), gate.actions.len());
    }
    // Every item in no stage is reported as such.
    let inv = &ws.inventory;
    let unstaged_hosts = (0..inv.hosts.len() as u32)
        .filter(|h| ws.stage_of_item(MemberKind::Host, *h).is_none())
        .count();
    assert_eq!(owned[0] + unstaged_hosts, inv.hosts.len());
    assert_eq!(ws.stage_members(stages), None);
    assert_eq!(ws.stage_member_counts(stages), [0; 4]);
    assert!(ws.stage_action_lines(stages).is_empty());
    // The starting plan prepares targets in its `enable-targets` stage.
    let enable = ws
        .plan
        .stages
        .iter()
        .position(|s| s.name == "enable-targets");
    let lines = ws.stage_action_lines(enable.expect("enable-targets"));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("DisableRestrictedAdmin = 0")),
        "{lines:?}"
    );
    for p in 0..inv.paths.len() as u32 {
        let want: Vec<_> = ws
            .assessment()
            .items
            .iter()
            .filter(|a| ws.finding(a.finding).path == Some(p))
            .copied()
            .collect();
        assert_eq!(ws.items_for_path(p), want, "path {p}");
    }
}

#[test]
fn the_starting_plan_uses_switches_where_one_client_would_need_two_policies() {
    // On the sample, the tier-0 PAWs carry a remote-guard path and a path that stays on standard: one
    // "Require Remote Credential Guard" policy would override the standard one.
    let inv = guardplan::inventory::load_sample().expect("sample loads");
    let ws = Workspace::new(inv, None, TODAY);
    let conflicts: Vec<String> = ws
        .assessment()
        .cross
        .iter()
        .filter(|f| f.code == Code::PolClientConflict)
        .map(|f| f.message.clone())
        .collect();
    assert!(conflicts.is_empty(), "{conflicts:?}");
    let tier0 = ws.plan.decision("tier0-dc-admin").expect("decision");
    assert_eq!(tier0.mode, Mode::RemoteGuard);
    assert_eq!(tier0.enforce, Enforcement::Switch);
    // A client with a single kind of path keeps the policy.
    assert!(
        ws.plan
            .decisions
            .iter()
            .any(|d| d.mode != Mode::Standard && d.enforce == Enforcement::Policy)
    );
}

#[test]
fn choosing_a_mode_drops_the_note_that_the_path_stays_on_standard() {
    let inv = guardplan::inventory::load_sample().expect("sample");
    let eval = guardplan::rules::evaluate(&inv, &guardplan::graph::TrustGraph::new(&inv));
    let plan = Plan::init(&inv, &eval);
    let note = guardplan::plan::init::ALL_BLOCKED_NOTE;
    let d = plan
        .decisions
        .iter()
        .find(|d| d.note == note)
        .expect("the sample has a path where every mode is blocked");
    let path = inv
        .paths
        .iter()
        .position(|p| p.name == d.path)
        .expect("the decision's path") as u32;
    let notes = |plan: &Plan| io::render(plan).matches(note).count();
    let before = notes(&plan);
    let mut ws = Workspace::new(inv, Some(plan), TODAY);
    let note_of = |ws: &Workspace| {
        let name = &ws.inventory.paths[path as usize].name;
        let d = ws.plan.decisions.iter().find(|d| &d.path == name);
        d.map(|d| d.note.clone()).unwrap_or_default()
    };
    ws.apply(Edit::SetMode {
        path,
        mode: Mode::Standard,
    })
    .expect("mode");
    assert_eq!(note_of(&ws), note, "still on standard: the note holds");
    ws.apply(Edit::SetMode {
        path,
        mode: Mode::RestrictedAdmin,
    })
    .expect("mode");
    assert_eq!(note_of(&ws), "");
    assert_eq!(
        notes(&ws.plan),
        before - 1,
        "the saved plan loses that note only"
    );
    ws.undo();
    assert_eq!(note_of(&ws), note);
}

#[test]
fn a_path_with_a_mode_and_no_stage_is_plan_unstaged() {
    let unstaged = |ws: &Workspace| -> Vec<String> {
        ws.items_for_path(0)
            .iter()
            .map(|a| ws.finding(a.finding))
            .filter(|f| f.code == Code::PlanUnstaged)
            .map(|f| f.message.clone())
            .collect()
    };
    let mut ws = Workspace::new(inventory(), Some(plan(["targets", "pilot"], "")), TODAY);
    assert!(unstaged(&ws).is_empty(), "a staged path is not unstaged");
    ws.apply(Edit::RemoveMember {
        stage: 1,
        kind: MemberKind::Path,
        selector: "tier1".into(),
    })
    .expect("remove");
    let f = unstaged(&ws);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].contains("`tier1`") && f[0].contains("no stage puts it into use"),
        "{f:?}"
    );
    // A warning: it keeps no stage from going ahead, and standard needs no stage.
    assert_eq!(Code::PlanUnstaged.severity(), guardplan::Severity::Warn);
    ws.apply(Edit::SetMode {
        path: 0,
        mode: Mode::Standard,
    })
    .expect("mode");
    assert!(unstaged(&ws).is_empty());
}

/// Everything the assessment says of a plan, for comparing a workspace edited step by step with one built
/// afresh from the same plan.
fn assessed(ws: &Workspace) -> String {
    let a = ws.assessment();
    let exposure: Vec<_> = std::iter::once(None)
        .chain((0..ws.plan.stages.len()).map(Some))
        .map(|s| ws.exposure(s))
        .collect();
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{exposure:?}",
        a.items, a.cross, a.order, a.enrollment, a.stages, a.counts, a.states.interim
    )
}

#[test]
fn stage_member_and_waiver_edits_assess_the_plan_as_a_fresh_workspace_does() {
    let text = guardplan::sample::generate(&guardplan::sample::SampleSpec::new(1_000))
        .expect("the sample generator");
    let inv = guardplan::inventory::load_str("estate.toml", &text).expect("loads");
    let mut ws = Workspace::new(inv.clone(), None, TODAY);
    let check = |ws: &Workspace, what: &str| {
        let fresh = Workspace::new(inv.clone(), Some(ws.plan.clone()), TODAY);
        assert!(
            assessed(ws) == assessed(&fresh),
            "{what}: the edited workspace differs from a fresh one"
        );
    };
    // Every first member of every kind moved to the next stage, then back to the first; a host selector
    // added to the first stage; a waiver of the first block added and removed.
    let n = ws.plan.stages.len();
    assert!(n > 2, "the starting plan has stages");
    let mut edits = Vec::new();
    for s in 0..n - 1 {
        for kind in MemberKind::ALL {
            if let Some(sel) = ws.plan.stages[s].members(kind).first() {
                edits.push(Edit::MoveMember {
                    from: s,
                    to: s + 1,
                    kind,
                    selector: sel.clone(),
                });
                edits.push(Edit::MoveMember {
                    from: s + 1,
                    to: 0,
                    kind,
                    selector: sel.clone(),
                });
            }
        }
    }
    edits.push(Edit::AddMember {
        stage: 0,
        kind: MemberKind::Host,
        selector: format!("host:{}", inv.hosts[inv.hosts.len() / 2].name),
    });
    let block = ws
        .assessment()
        .items
        .iter()
        .find(|a| a.blocks() && ws.finding(a.finding).path.is_some())
        .map(|a| ws.finding(a.finding).clone())
        .expect("the starting plan has a block");
    edits.push(Edit::AddWaiver(Waiver {
        code: block.code.as_str().into(),
        scope: format!("path:{}", inv.paths[block.path.unwrap_or(0) as usize].name),
        reason: "accepted for the test".into(),
        expires: None,
    }));
    edits.push(Edit::RemoveWaiver(0));
    let mut applied = 0;
    for e in edits {
        let what = format!("{e:?}");
        if ws.apply(e).is_ok() {
            applied += 1;
            check(&ws, &what);
        }
    }
    assert!(applied > 5, "only {applied} edits applied");
    while ws.undo() {
        check(&ws, "undo");
    }
}
