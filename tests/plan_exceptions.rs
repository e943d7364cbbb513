//! Exceptions at the scale of an estate: proposals name the blocked subjects with few selectors that take
//! exactly them (and fact selectors where a fact is what blocks), and an exception can name the stage in which
//! its subjects join the decision's mode: validated, rendered, diffed, reported, judged in the stage states,
//! and moved in the planner with undo.

use std::path::Path;

use guardplan::Mode;
use guardplan::check::{CheckFormat, build_report, render};
use guardplan::finding::Severity;
use guardplan::graph::TrustGraph;
use guardplan::inventory::{Inventory, JoinType, load_sample, load_str};
use guardplan::plan::{self, Plan, Workspace, exceptions, io};
use guardplan::rules::{self, Evaluation};
use guardplan::sample::{SampleSpec, generate};

use crate::plan_common::TODAY;
use crate::tui_support::{app_for, keys, screen};

fn estate(hosts: u32) -> (Inventory, Evaluation) {
    let text = generate(&SampleSpec::new(hosts)).expect("the sample generator");
    let inv = load_str("estate.toml", &text).expect("the sample estate loads");
    let ev = rules::evaluate(&inv, &TrustGraph::new(&inv));
    (inv, ev)
}

#[test]
fn proposed_exceptions_take_exactly_the_blocked_subjects_with_few_selectors() {
    let (inv, ev) = estate(5_000);
    // Small paths and wide ones (whose hosts are described from the inventory's selector index) alike.
    assert!(inv.paths.iter().any(|p| p.to.len() > 1_000));
    assert!(inv.paths.iter().any(|p| p.to.len() < 100));
    let mut widest = (0usize, 0usize, String::new());
    for (i, p) in inv.paths.iter().enumerate() {
        let pid = i as u32;
        for mode in [
            Mode::RemoteGuard,
            Mode::RestrictedAdmin,
            Mode::PreferRemoteGuard,
        ] {
            let Some(r) = exceptions::propose(&inv, &ev, pid, mode) else {
                continue;
            };
            let e = exceptions::to_exception(
                &inv,
                pid,
                &r,
                &exceptions::blocking_codes(&ev, pid, mode),
            );
            // Read back as the plan reads it, the selectors take the same subjects of the path, no more.
            let back = exceptions::resolve_list(&inv, pid, std::slice::from_ref(&e));
            assert_eq!(back[0].users, r.users, "{} {mode}: users {e:?}", p.name);
            assert_eq!(back[0].targets, r.targets, "{} {mode}: targets", p.name);
            assert_eq!(back[0].clients, r.clients, "{} {mode}: clients", p.name);
            let named = r.users.len() + r.targets.len() + r.clients.len();
            let written = e.users.len() + e.targets.len() + e.clients.len();
            assert!(
                written <= named,
                "{} {mode}: {written} selectors for {named}",
                p.name
            );
            if named > widest.0 {
                widest = (named, written, format!("{} {mode}", p.name));
            }
        }
    }
    // The widest exception leaves out hundreds of subjects; its selectors fit on a screen.
    let (named, written, at) = widest;
    assert!(named > 500, "{at}: only {named} subjects");
    assert!(
        written * 20 < named,
        "{at}: {written} selectors for {named} subjects"
    );
}

#[test]
fn fact_selectors_name_hosts_by_operating_system_and_build() {
    let inv = load_sample().expect("sample");
    let sel = inv.selectors();
    let mut old: Vec<u32> = sel.hosts("build:<14393").expect("a build fact");
    old.sort_unstable();
    let want: Vec<u32> = (inv.hosts.iter().enumerate())
        .filter(|(_, h)| h.os.build < 14393)
        .map(|(i, _)| i as u32)
        .collect();
    assert!(!want.is_empty() && want.len() < inv.hosts.len());
    assert_eq!(old, want);
    let family = inv.hosts[want[0] as usize].os.family;
    let name = serde_json::to_value(family).expect("a name");
    let by_os = sel
        .hosts(&format!("os:{}", name.as_str().expect("a string")))
        .expect("an os fact");
    assert!(
        by_os
            .iter()
            .all(|h| inv.hosts[*h as usize].os.family == family)
    );
    assert!(by_os.contains(&want[0]));
    for (text, join) in [("join:ad", JoinType::Ad), ("join:entra", JoinType::Entra)] {
        let mut got = sel.hosts(text).expect("a join fact");
        got.sort_unstable();
        let want: Vec<u32> = (inv.hosts.iter().enumerate())
            .filter(|(_, h)| h.join == join)
            .map(|(i, _)| i as u32)
            .collect();
        assert!(!want.is_empty(), "{text}");
        assert_eq!(got, want, "{text}");
    }
    // A fact selector that is not one says how to write it; so does an unknown system.
    let err = sel.hosts("build:14393").expect_err("not a comparison");
    assert!(err.contains("build:<NUMBER"), "{err}");
    let err = sel.hosts("os:windows-95").expect_err("unknown system");
    assert!(err.contains("unknown operating system"), "{err}");
}

/// The embedded sample and its starting plan.
fn sample_plan() -> (Inventory, Plan) {
    let inv = load_sample().expect("sample");
    let p = Plan::init(&inv, &rules::evaluate(&inv, &TrustGraph::new(&inv)));
    (inv, p)
}

/// The one error validating plan `text` against `inv` gives, which must point at the line holding `at`.
fn refused_at(text: &str, inv: &Inventory, at: &str, why: &str) -> String {
    let parsed = io::parse("x.plan.toml", text).expect("structurally fine");
    let err = io::validate(&parsed, inv).expect_err(why);
    let want = text.lines().position(|l| l.contains(at)).expect("line") + 1;
    assert_eq!(err.0.len(), 1, "{err}");
    assert_eq!(err.0[0].line, want, "{err}");
    err.to_string()
}

#[test]
fn a_wrong_fact_selector_in_an_exception_is_refused_at_its_line() {
    let (inv, mut p) = sample_plan();
    let d = (p.decisions.iter_mut())
        .find(|d| !d.exceptions.is_empty())
        .expect("an exception");
    d.exceptions[0].targets.push("build:14393".into());
    let err = refused_at(&io::render(&p), &inv, "\"build:14393\"", "not a fact");
    assert!(err.contains("build:<NUMBER"), "{err}");
}

/// The sample's starting plan with app-owners' exception joining remote-guard in stage `stage`.
fn staged_plan(stage: &str) -> (Inventory, Plan) {
    let (inv, mut p) = sample_plan();
    let d = (p.decisions.iter_mut())
        .find(|d| d.path == "app-owners")
        .expect("app-owners");
    assert_eq!(d.mode, Mode::RemoteGuard);
    d.exceptions[0].stage = Some(stage.into());
    (inv, p)
}

#[test]
fn an_exception_stage_is_written_read_back_and_validated_at_its_line() {
    let (inv, p) = staged_plan("enforce");
    let text = io::render(&p);
    assert!(text.contains("stage = \"enforce\"\ntargets = ["), "{text}");
    let back = io::parse("x.plan.toml", &text).expect("parses");
    io::validate(&back, &inv).expect("valid");
    assert_eq!(back, p);
    assert_eq!(io::render(&back), text, "rendering is stable");

    let bad = text.replace("stage = \"enforce\"", "stage = \"stragglers\"");
    let err = refused_at(&bad, &inv, "stragglers", "no such stage");
    assert!(err.contains("there is no stage `stragglers`"), "{err}");
}

#[test]
fn diff_shows_the_stage_an_exception_joins_in() {
    let (_, new) = staged_plan("enforce");
    let (_, old) = sample_plan();
    let change = plan::diff::diff(&old, &new, None, TODAY);
    assert_eq!(change.exceptions_added.len(), 1);
    assert_eq!(change.exceptions_removed.len(), 1);
    let text = plan::diff::render(&change, false);
    assert!(
        text.contains("path `app-owners`: added targets `host:SRV-REPORT-01` -> standard until stage `enforce`"),
        "{text}"
    );
}

#[test]
fn subjects_join_the_mode_in_the_exception_stage_and_its_blocks_count_at_that_gate() {
    let (inv, p) = staged_plan("enforce");
    let enforce = p
        .stages
        .iter()
        .position(|s| s.name == "enforce")
        .expect("enforce");
    let plain = Workspace::new(inv.clone(), Some(staged_plan("x").1), TODAY);
    let ws = Workspace::new(inv, Some(p), TODAY);
    let pid = ws.inventory.index.paths["app-owners"];
    // The excepted target's block holds from the stage its subjects join the mode in, at that gate only.
    let blocks_at = |ws: &Workspace, stage: usize| {
        ws.items_for_stage(stage)
            .iter()
            .filter(|a| a.blocks() && ws.finding(a.finding).path == Some(pid))
            .map(|a| ws.finding(a.finding).code.as_str().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(blocks_at(&ws, enforce), ["RCG-NO-RDP-RIGHT"]);
    assert!(!ws.stage_gate(enforce).expect("gate").ready);
    assert!((0..enforce).all(|s| blocks_at(&ws, s).is_empty()));
    // Named for a stage before the path's own, the subjects join the mode with the path, and so does the block.
    let (inv, early) = staged_plan("prerequisites");
    let ws = Workspace::new(inv, Some(early), TODAY);
    let own = ws
        .stage_of_item(guardplan::plan::MemberKind::Path, pid)
        .expect("app-owners is staged");
    assert!(own > 0);
    assert_eq!(blocks_at(&ws, own), ["RCG-NO-RDP-RIGHT"]);
    assert!(blocks_at(&ws, 0).is_empty());
    // An exception naming no stage of the plan (validation refuses it) joins nowhere.
    assert!((0..plain.plan.stages.len()).all(|s| blocks_at(&plain, s).is_empty()));
}

#[test]
fn the_exception_stage_reaches_every_report() {
    let (_, p) = staged_plan("enforce");
    let dir = std::env::temp_dir().join(format!("guardplan-exc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let plan_path = dir.join("staged.plan.toml");
    let mut p = p;
    p.inventory.path = std::fs::canonicalize("assets/contoso.toml")
        .expect("the sample")
        .display()
        .to_string();
    std::fs::write(&plan_path, io::render(&p)).expect("write");
    let r = build_report(
        Some(Path::new("assets/contoso.toml")),
        Some(&plan_path),
        Severity::Block,
        TODAY,
    )
    .expect("checks");
    let v: serde_json::Value = serde_json::from_str(&render(&r, CheckFormat::Json)).unwrap();
    let app = (v["paths"].as_array().unwrap().iter())
        .find(|p| p["name"] == "app-owners")
        .expect("app-owners");
    assert_eq!(app["exceptions"][0]["stage"], "enforce");
    let others = (v["paths"].as_array().unwrap().iter())
        .flat_map(|p| p["exceptions"].as_array().unwrap())
        .filter(|e| e["stage"].is_null())
        .count();
    assert!(others > 0, "an exception without a stage says null");
    let md = render(&r, CheckFormat::Markdown);
    assert!(
        md.contains("`app-owners` stays on `standard` for 1 pair until stage `enforce`"),
        "{md}"
    );
    assert!(
        md.contains("- Exception of `app-owners` joins its mode (1 pair)"),
        "{md}"
    );
    let text = render(&r, CheckFormat::Text);
    assert!(
        text.contains("exception targets host:SRV-REPORT-01 on standard until stage enforce"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_planner_moves_an_exception_to_a_stage_and_undo_takes_it_back() {
    let inv = load_sample().expect("sample");
    let mut app = app_for(inv, None, None);
    keys(&mut app, "7");
    let at = (app.waivers.rows.iter())
        .position(|r| {
            matches!(r, guardplan::tui::tabs::waivers::Row::Exception(i)
                if app.ws.inventory.paths[app.waivers.exceptions[*i].path as usize].name == "app-owners")
        })
        .expect("app-owners' exception is listed");
    app.waivers.cursor.selected = at;
    let before = app.ws.plan.decision("app-owners").expect("decided").clone();
    assert_eq!(before.exceptions[0].stage, None);
    // > names the first stage, > again the next one.
    keys(&mut app, ">");
    let first = app.ws.plan.stages[0].name.clone();
    let d = app.ws.plan.decision("app-owners").expect("decided");
    assert_eq!(d.exceptions[0].stage.as_deref(), Some(first.as_str()));
    assert_eq!(d.mode, before.mode);
    let status = app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(
        status.contains(&format!("joins remote-guard in stage {first} (u undoes)")),
        "{status}"
    );
    keys(&mut app, ">");
    let second = app.ws.plan.stages[1].name.clone();
    let d = app.ws.plan.decision("app-owners").expect("decided");
    assert_eq!(d.exceptions[0].stage.as_deref(), Some(second.as_str()));
    // The detail says so, and the stage view lists the exception among those that join there.
    let s = screen(&mut app, 200, 50);
    assert!(
        s.contains(&format!("Joins the mode: in stage {second}")),
        "{s}"
    );
    keys(&mut app, "4");
    app.stages.select_stage(&app.ws, 1);
    let s = screen(&mut app, 200, 50);
    assert!(s.contains("join their path's mode here"), "{s}");
    assert!(
        s.contains("app-owners: targets host:SRV-REPORT-01 (standard until now) -> remote-guard"),
        "{s}"
    );
    // u twice: back where it was.
    keys(&mut app, "uu");
    assert_eq!(app.ws.plan.decision("app-owners"), Some(&before));
    // < from no stage names the last one.
    keys(&mut app, "7");
    app.waivers.cursor.selected = at;
    keys(&mut app, "<");
    let last = app.ws.plan.stages.last().expect("stages").name.clone();
    let d = app.ws.plan.decision("app-owners").expect("decided");
    assert_eq!(d.exceptions[0].stage.as_deref(), Some(last.as_str()));
}

#[test]
fn a_stage_an_exception_joins_in_cannot_be_removed_under_it() {
    let (inv, p) = staged_plan("enforce");
    let enforce = p
        .stages
        .iter()
        .position(|s| s.name == "enforce")
        .expect("enforce");
    let mut ws = Workspace::new(inv, Some(p), TODAY);
    let before = ws.plan.clone();
    let err = ws
        .apply(guardplan::plan::Edit::RemoveStage(enforce))
        .expect_err("an exception joins there");
    assert!(
        err.contains("the subjects of 1 exception join their path's mode in stage `enforce`"),
        "{err}"
    );
    assert_eq!(ws.plan, before, "nothing changed");
}

#[test]
fn the_starting_plan_prepares_no_target_only_exceptions_take() {
    let sample = load_sample().expect("sample");
    let sample_ev = rules::evaluate(&sample, &TrustGraph::new(&sample));
    let mut checked = 0;
    for (inv, ev) in [(sample, sample_ev), estate(5_000)] {
        checked += prepared_selectors_are_not_only_excepted(&inv, &ev);
    }
    assert!(
        checked > 0,
        "some path selector takes excepted targets only"
    );
}

/// How many path selectors take excepted targets only; asserts that none of them is prepared for its path.
fn prepared_selectors_are_not_only_excepted(inv: &Inventory, ev: &Evaluation) -> usize {
    let p = Plan::init(inv, ev);
    let enable = p
        .stages
        .iter()
        .find(|s| s.name == "enable-targets")
        .expect("enable-targets");
    let sel = inv.selectors();
    let mut checked = 0;
    for (i, path) in inv.paths.iter().enumerate() {
        let Some(d) = p.decision(&path.name).filter(|d| !d.exceptions.is_empty()) else {
            continue;
        };
        let mut ex: Vec<u32> = exceptions::resolve_list(inv, i as u32, &d.exceptions)
            .into_iter()
            .flat_map(|r| r.targets)
            .collect();
        ex.sort_unstable();
        for s in &path.selectors.to {
            let ids = sel.hosts_among(s, &path.to).expect("resolves");
            if !ids.is_empty() && ids.iter().all(|t| ex.binary_search(t).is_ok()) {
                checked += 1;
                // Prepared only if another path that keeps it on its mode needs it.
                let needed = inv.paths.iter().enumerate().any(|(j, q)| {
                    j != i
                        && q.selectors.to.contains(s)
                        && p.decision(&q.name)
                            .is_some_and(|d| d.mode != Mode::Standard)
                });
                assert!(
                    needed || !enable.hosts.contains(s),
                    "{}: {s} is prepared",
                    path.name
                );
            }
        }
    }
    checked
}
