//! The planner's update logic, driven by key sequences without a terminal.

use crate::tui_support;

use guardplan::plan::Enforcement;
use guardplan::tui::app::{Overlay, View};
use guardplan::tui::event::Msg;
use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers,
};
use tui_support::*;

#[test]
fn number_keys_and_brackets_switch_views() {
    let mut app = sample_app();
    assert_eq!(app.view, View::Overview);
    keys(&mut app, "3");
    assert_eq!(app.view, View::Paths);
    keys(&mut app, "]]");
    assert_eq!(app.view, View::Findings);
    keys(&mut app, "[[[[[");
    assert_eq!(app.view, View::Waivers);
    keys(&mut app, "[");
    assert_eq!(app.view, View::Inventory);
}

#[test]
fn m_cycles_the_chosen_mode_and_u_undoes_it() {
    let mut app = sample_app();
    let before = app.ws.choice(0).mode;
    keys(&mut app, "3m");
    assert_eq!(app.ws.choice(0).mode, before.next());
    assert!(app.dirty());
    keys(&mut app, "M");
    assert_eq!(app.ws.choice(0).mode, before);
    keys(&mut app, "u");
    assert_eq!(app.ws.choice(0).mode, before.next());
    keys(&mut app, "<c-r>");
    assert_eq!(app.ws.choice(0).mode, before);
}

#[test]
fn f_toggles_the_enforcement() {
    let mut app = sample_app();
    let other = |e| match e {
        Enforcement::Policy => Enforcement::Switch,
        Enforcement::Switch => Enforcement::Policy,
    };
    let before = app.ws.choice(0).enforce;
    keys(&mut app, "3f");
    assert_eq!(app.ws.choice(0).enforce, other(before));
    keys(&mut app, "f");
    assert_eq!(app.ws.choice(0).enforce, before);
}

#[test]
fn key_releases_are_ignored() {
    let release = Event::Key(KeyEvent {
        code: KeyCode::Char('3'),
        modifiers: KeyModifiers::NONE,
        kind: KeyEventKind::Release,
        state: KeyEventState::NONE,
    });
    assert_eq!(Msg::from_event(release), None);
    let press = Event::Key(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::NONE));
    assert!(matches!(Msg::from_event(press), Some(Msg::Key(_))));
}

#[test]
fn a_stage_is_added_and_a_path_moved_into_it_and_out_again() {
    let mut app = sample_app();
    // Start from no stages: remove the ones the starting plan proposes.
    keys(&mut app, "4");
    while !app.ws.plan.stages.is_empty() {
        keys(&mut app, "gd");
    }
    keys(&mut app, "a");
    assert!(matches!(app.overlay, Some(Overlay::Form(_))));
    keys(&mut app, "trial<enter>");
    assert_eq!(app.overlay, None);
    assert_eq!(app.ws.plan.stages.len(), 1);
    assert_eq!(app.ws.plan.stages[0].name, "trial");
    let path = app.ws.inventory.paths[0].name.clone();
    // From the paths view: `<` moves an unstaged path into the last stage.
    keys(&mut app, "3<lt>");
    assert_eq!(app.ws.plan.stages[0].paths, vec![path.clone()]);
    keys(&mut app, "<gt>");
    assert!(app.ws.plan.stages[0].paths.is_empty());
    keys(&mut app, "u");
    assert_eq!(app.ws.plan.stages[0].paths, vec![path]);
}

#[test]
fn a_stage_name_is_validated() {
    let mut app = sample_app();
    let stages = app.ws.plan.stages.clone();
    keys(&mut app, "4abad name<enter>");
    match &app.overlay {
        Some(Overlay::Form(f)) => assert!(f.error.as_deref().unwrap_or("").contains("` `")),
        other => panic!("the form should stay open, got {other:?}"),
    }
    assert_eq!(app.ws.plan.stages, stages);
    keys(&mut app, "<esc>");
    assert_eq!(app.overlay, None);
}

#[test]
fn s_saves_the_plan_and_clears_the_modified_mark() {
    let dir = tempdir();
    let plan = file(&dir, "rollout.plan.toml");
    let mut app = sample_with_plan(&plan);
    keys(&mut app, "3m");
    let mode = app.ws.choice(0).mode;
    assert!(app.dirty());
    keys(&mut app, "s");
    assert!(!app.dirty(), "status: {:?}", app.status);
    let saved = saved_plan(&plan);
    assert_eq!(decided(&saved, &app.ws.inventory.paths[0].name), Some(mode));
    assert_eq!(
        saved.inventory.fingerprint,
        guardplan::plan::io::fingerprint(&app.ws.inventory)
    );
}

#[test]
fn a_plan_file_changed_on_disk_is_kept_and_ours_is_saved_beside_it() {
    let dir = tempdir();
    let plan = file(&dir, "rollout.plan.toml");
    let mut app = sample_with_plan(&plan);
    keys(&mut app, "3ms");
    std::fs::write(&plan, "# edited by someone else\n").expect("write");
    keys(&mut app, "m");
    let mode = app.ws.choice(0).mode;
    keys(&mut app, "s");
    assert_eq!(
        std::fs::read_to_string(&plan).expect("read"),
        "# edited by someone else\n",
        "their edit is kept"
    );
    let mine = file(&dir, "rollout.mine.plan.toml");
    let status = app.status.clone().expect("a status");
    assert!(!status.error, "{}", status.text);
    assert!(
        status.text.contains("changed on disk") && status.text.contains("rollout.mine.plan.toml"),
        "{}",
        status.text
    );
    assert_eq!(
        decided(&saved_plan(&mine), &app.ws.inventory.paths[0].name),
        Some(mode)
    );
    assert!(!app.dirty());
    // Later saves go to our file, never over theirs.
    keys(&mut app, "ms");
    assert_eq!(
        decided(&saved_plan(&mine), &app.ws.inventory.paths[0].name),
        Some(app.ws.choice(0).mode)
    );
    assert_eq!(
        std::fs::read_to_string(&plan).expect("read"),
        "# edited by someone else\n"
    );
    assert!(!file(&dir, "rollout.mine-2.plan.toml").exists());
}

#[test]
fn a_stale_plan_opens_says_so_and_saving_binds_it_to_the_new_inventory() {
    let dir = tempdir();
    let plan = file(&dir, "rollout.plan.toml");
    let mut app = sample_with_plan(&plan);
    keys(&mut app, "3ms");
    // The inventory changes after the plan was saved: a new server.
    let inv_path = file(&dir, "contoso.toml");
    std::fs::write(
        &inv_path,
        format!(
            "{}\n[[host]]\nname = \"NEW-SRV-01\"\ndomain = \"corp.contoso.com\"\njoin = \"ad\"\nos = \"server-2022\"\n",
            guardplan::inventory::SAMPLE_TOML
        ),
    )
    .expect("write");
    let check = || {
        assert_cmd::Command::cargo_bin("guardplan")
            .expect("binary")
            .current_dir(dir.path())
            .args(["check", "contoso.toml", "--plan", "rollout.plan.toml"])
            .output()
            .expect("run")
    };
    let refused = check();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("the plan is stale"));

    let inv = guardplan::inventory::load_file(&inv_path).expect("loads");
    let mut app = app_for(inv.clone(), Some(&plan), None);
    let status = app.status.clone().expect("a status");
    assert!(
        status.error && status.text.contains("the plan is stale"),
        "{}",
        status.text
    );
    keys(&mut app, "s");
    assert_eq!(
        saved_plan(&plan).inventory.fingerprint,
        guardplan::plan::io::fingerprint(&inv)
    );
    let checked = check();
    assert!(
        matches!(checked.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    assert!(!String::from_utf8_lossy(&checked.stderr).contains("stale"));
}

#[test]
fn saving_without_a_plan_file_asks_for_a_name() {
    let dir = tempdir();
    let mut app = sample_app();
    keys(&mut app, "3ms");
    let Some(Overlay::Form(form)) = &app.overlay else {
        panic!("expected the save-as form");
    };
    assert_eq!(form.fields[0].value, "rollout.plan.toml");
    let target = file(&dir, "new.plan.toml");
    // Replace the proposed name.
    for _ in 0..form.fields[0].value.len() {
        keys(&mut app, "<bs>");
    }
    keys(&mut app, &format!("{}<enter>", target.display()));
    assert!(target.exists());
    assert!(!app.dirty());
}

#[test]
fn ctrl_u_clears_the_proposed_file_name() {
    let dir = tempdir();
    let mut app = sample_app();
    keys(&mut app, "3ms<c-u>");
    let Some(Overlay::Form(form)) = &app.overlay else {
        panic!("expected the save-as form");
    };
    assert_eq!(form.fields[0].value, "");
    let target = file(&dir, "typed.plan.toml");
    keys(&mut app, &format!("{}<enter>", target.display()));
    assert!(target.exists());
    assert!(!app.dirty());
}

#[test]
fn quit_with_unsaved_changes_asks_first() {
    let mut app = sample_app();
    keys(&mut app, "3mq");
    assert_eq!(app.overlay, Some(Overlay::ConfirmQuit));
    assert!(!app.quit);
    keys(&mut app, "<esc>");
    assert!(!app.quit);
    keys(&mut app, "qd");
    assert!(app.quit);
}

#[test]
fn quit_without_changes_does_not_ask() {
    let mut app = sample_app();
    keys(&mut app, "q");
    assert!(app.quit);
}

#[test]
fn ctrl_c_quits_even_from_an_overlay() {
    let mut app = sample_app();
    keys(&mut app, "?<c-c>");
    assert!(app.quit);
}

#[test]
fn help_is_generated_from_the_keymap_and_closes_with_esc() {
    let mut app = sample_app();
    // A binding of the user's own is listed with its description, like the defaults.
    app.config = guardplan::tui::config::Config::from_toml(
        "config.toml",
        "[[keys.paths]]\non = \"M\"\nrun = \"cycle-mode\"\ndesc = \"Cycle the mode my way\"\n",
    )
    .expect("valid configuration");
    keys(&mut app, "?");
    assert!(matches!(app.overlay, Some(Overlay::Help { .. })));
    // Tall enough for every row without scrolling.
    let text = screen(&mut app, 100, 200);
    let mut rows = 0;
    for ctx in guardplan::tui::keymap::Context::ALL {
        for (keys, desc) in app.config.keymap.help_rows(ctx) {
            let start: String = desc.chars().take(30).collect();
            let row = format!("  {keys:<18}{start}");
            assert!(text.contains(&row), "the help lacks `{row}`:\n{text}");
            rows += 1;
        }
    }
    assert!(rows > 20, "only {rows} help rows");
    assert!(
        text.contains("M                 Cycle the mode my way"),
        "{text}"
    );
    keys(&mut app, "<esc>");
    assert_eq!(app.overlay, None);
}

#[test]
fn every_change_is_autosaved_and_saving_removes_the_autosave() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let plan = file(&dir, "p.plan.toml");
    let mut app = app_for(
        guardplan::inventory::load_sample().expect("sample"),
        Some(&plan),
        Some(&data),
    );
    let slot = app.files.autosave.clone().expect("slot");
    assert!(slot.read().is_none());
    keys(&mut app, "3m");
    // Written off the key path, within moments, without anything else happening in the planner.
    let path0 = app.ws.inventory.paths[0].name.clone();
    let mode = Some(app.ws.choice(0).mode);
    let autosaved = |slot: &guardplan::tui::autosave::Autosave| {
        let text = slot.read()?;
        let plan = guardplan::plan::io::parse("autosave", &text).expect("parses");
        Some(decided(&plan, &path0))
    };
    let start = std::time::Instant::now();
    while autosaved(&slot) != Some(mode) {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "the change was not autosaved"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    keys(&mut app, "s");
    assert!(slot.read().is_none());
}

#[test]
fn an_autosave_is_offered_at_start_and_recovered() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let plan = file(&dir, "p.plan.toml");
    let inv = guardplan::inventory::load_sample().expect("sample");
    let mut first = app_for(inv.clone(), Some(&plan), Some(&data));
    keys(&mut first, "3m");
    let mode = first.ws.choice(0).mode;
    drop(first); // as if the process were killed: nothing saved

    let mut second = app_for(inv.clone(), Some(&plan), Some(&data));
    assert!(matches!(second.overlay, Some(Overlay::Recover { .. })));
    keys(&mut second, "r");
    assert_eq!(second.ws.choice(0).mode, mode);
    assert!(second.dirty(), "a recovered plan is not saved yet");
    keys(&mut second, "s");
    assert!(plan.exists());

    let third = app_for(inv, Some(&plan), Some(&data));
    assert_eq!(third.overlay, None);
    assert_eq!(third.ws.choice(0).mode, mode);
}

#[test]
fn a_discarded_autosave_is_not_offered_again() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let inv = guardplan::inventory::load_sample().expect("sample");
    let mut first = app_for(inv.clone(), None, Some(&data));
    keys(&mut first, "3m");
    drop(first);
    let mut second = app_for(inv.clone(), None, Some(&data));
    assert!(matches!(second.overlay, Some(Overlay::Recover { .. })));
    keys(&mut second, "d");
    assert_eq!(
        second.ws.choice(0).mode,
        app_for(inv.clone(), None, None).ws.choice(0).mode
    );
    let third = app_for(inv, None, Some(&data));
    assert_eq!(third.overlay, None);
}

#[test]
fn the_inventory_search_filters_and_esc_clears() {
    let mut app = app_for(big_inventory(500), None, None);
    keys(&mut app, "6/SRV00012");
    assert!(app.inventory.typing);
    keys(&mut app, "<enter>");
    assert!(!app.inventory.typing);
    let names: Vec<String> = app
        .inventory
        .rows
        .iter()
        .map(|r| guardplan::tui::inventory::row_text(&app.ws.inventory, *r))
        .collect();
    assert!(!names.is_empty());
    assert!(names.iter().all(|n| n.contains("SRV00012")), "{names:?}");
    keys(&mut app, "<esc>");
    assert!(app.inventory.filter.is_empty());
}

#[test]
fn the_inventory_tree_expands_and_collapses() {
    let mut app = app_for(big_inventory(250), None, None);
    keys(&mut app, "6");
    let closed = app.inventory.rows.len();
    // Domain open by default: rows are the domain and its three lists; open the hosts list.
    keys(&mut app, "j<enter>");
    assert_eq!(app.inventory.rows.len(), closed + 250);
    keys(&mut app, "h");
    assert_eq!(app.inventory.rows.len(), closed);
}

#[test]
fn paging_moves_by_a_screen_and_stays_in_bounds() {
    let mut app = app_for(big_inventory(250), None, None);
    app.update(Msg::Resize(100, 30));
    keys(&mut app, "3G");
    assert_eq!(app.paths.cursor.selected, 99);
    keys(&mut app, "jjj");
    assert_eq!(app.paths.cursor.selected, 99);
    keys(&mut app, "g");
    assert_eq!(app.paths.cursor.selected, 0);
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::PageDown,
        KeyModifiers::NONE,
    )));
    assert!(app.paths.cursor.selected > 5);
    assert!(app.paths.cursor.offset <= app.paths.cursor.selected);
}

#[test]
fn mode_changes_on_a_large_estate_touch_one_path() {
    let mut app = app_for(big_inventory(100_000), None, None);
    let (zero, one) = (app.ws.choice(0).mode, app.ws.choice(1).mode);
    let before = app.ws.plan.decisions.clone();
    keys(&mut app, "3jm");
    let changed: Vec<&str> = app
        .ws
        .plan
        .decisions
        .iter()
        .filter(|d| !before.contains(d))
        .map(|d| d.path.as_str())
        .collect();
    assert_eq!(changed, vec!["app1-admin"]);
    assert_eq!(app.ws.choice(1).mode, one.next());
    assert_eq!(app.ws.choice(0).mode, zero);
    assert_ne!(app.ws.choice(1).mode, one, "`m` changed the path's mode");
}

/// The text of the paths view's detail pane for a path.
fn detail_text(app: &guardplan::tui::App, path: u32) -> String {
    guardplan::tui::paths::detail_lines(&app.ws, path, &app.config.theme)
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_findings_of_a_path_follow_its_chosen_mode() {
    let mut app = sample_app();
    keys(&mut app, "3");
    let before = detail_text(&app, 0);
    let blocked_before = app.ws.assessment().counts.blockers;
    // Cycle until the chosen mode is one the rules block for this path.
    let mut seen_block = false;
    for _ in 0..4 {
        keys(&mut app, "m");
        let mode = app.ws.choice(0).mode;
        let verdict = app.ws.evaluation.paths[0].modes[mode.index()].verdict.0;
        let text = detail_text(&app, 0);
        assert!(text.contains(&format!("Chosen: {mode}")), "{text}");
        if verdict == guardplan::Verdict::Block {
            seen_block = true;
            assert!(text.contains("✗ block"), "{text}");
            assert!(app.ws.assessment().counts.blockers > blocked_before);
        }
    }
    assert!(seen_block, "the sample's first path has a blocked mode");
    // Four presses come back to the first mode and the same findings.
    assert_eq!(detail_text(&app, 0), before);
}

/// Selects the first finding row of the findings view.
fn first_finding(app: &mut guardplan::tui::App) {
    keys(app, "5g");
    while !matches!(
        app.findings.rows.get(app.findings.cursor.selected),
        Some(guardplan::tui::findings::Row::Finding(..)) | None
    ) {
        keys(app, "j");
    }
}

#[test]
fn a_finding_is_waived_with_reason_and_expiry_and_the_waiver_removed_again() {
    let mut app = sample_app();
    first_finding(&mut app);
    let Some(guardplan::tui::findings::Row::Finding(r, None)) =
        app.findings.rows.get(app.findings.cursor.selected).copied()
    else {
        panic!("the sample has an unwaived finding");
    };
    let code = app.ws.finding(r).code;
    let blockers = app.ws.assessment().counts.blockers;
    keys(&mut app, "w");
    assert!(matches!(app.overlay, Some(Overlay::Form(_))));
    // A waiver needs a reason.
    keys(&mut app, "<enter>");
    assert!(matches!(&app.overlay, Some(Overlay::Form(f)) if f.error.is_some()));
    keys(
        &mut app,
        "accepted until the jump host is rebuilt<tab>2099-13-01<enter>",
    );
    assert!(
        matches!(&app.overlay, Some(Overlay::Form(f)) if f.error.as_deref().is_some_and(|e| e.contains("not a date"))),
        "{:?}",
        app.overlay
    );
    for _ in 0..10 {
        keys(&mut app, "<bs>");
    }
    // An estate-wide finding proposes no scope: `*` is typed, not accepted by default.
    keys(&mut app, "2099-12-31<tab><enter>");
    assert!(
        matches!(&app.overlay, Some(Overlay::Form(f)) if f.error.as_deref().is_some_and(|e| e.contains("give a scope"))),
        "{:?}",
        app.overlay
    );
    keys(&mut app, "<c-u>*<enter>");
    assert_eq!(app.overlay, None, "{:?}", app.status);
    assert_eq!(app.ws.plan.waivers.len(), 1);
    let w = &app.ws.plan.waivers[0];
    assert_eq!(w.code, code.as_str());
    assert_eq!(w.reason, "accepted until the jump host is rebuilt");
    assert_eq!(
        w.expires.map(|d| d.to_string()).as_deref(),
        Some("2099-12-31")
    );
    assert!(
        app.findings
            .rows
            .iter()
            .any(|r| matches!(r, guardplan::tui::findings::Row::Finding(_, Some(0))))
    );
    if app.ws.finding(r).severity == guardplan::Severity::Block {
        assert!(app.ws.assessment().counts.blockers < blockers);
    }
    // The cursor stays on the waived finding: W removes its waiver.
    first_finding(&mut app);
    while !matches!(
        app.findings.rows.get(app.findings.cursor.selected),
        Some(guardplan::tui::findings::Row::Finding(_, Some(_))) | None
    ) {
        keys(&mut app, "j");
    }
    keys(&mut app, "W");
    assert!(app.ws.plan.waivers.is_empty());
    keys(&mut app, "u");
    assert_eq!(app.ws.plan.waivers.len(), 1);
}

#[test]
fn the_findings_filter_and_severity_narrow_the_list() {
    let mut app = sample_app();
    keys(&mut app, "5");
    let all = app.findings.rows.len();
    keys(&mut app, "v");
    assert_eq!(app.findings.severity, Some(guardplan::Severity::Block));
    assert!(app.findings.rows.len() < all);
    assert!(app.findings.rows.iter().all(|r| match r {
        guardplan::tui::findings::Row::Severity(s, _) => *s == guardplan::Severity::Block,
        _ => true,
    }));
    keys(&mut app, "vvvv");
    assert_eq!(app.findings.rows.len(), all);
    keys(&mut app, "/pu-ntlm<enter>");
    let codes: Vec<String> = app
        .findings
        .rows
        .iter()
        .filter_map(|r| match r {
            guardplan::tui::findings::Row::Code(c, _) => Some(c.as_str().to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(codes, vec!["PU-NTLM".to_string()]);
}

#[test]
fn the_stage_gate_lists_its_blockers() {
    let mut app = sample_app();
    keys(&mut app, "4");
    let blocked = app
        .stages
        .gates
        .iter()
        .position(|g| !g.ready)
        .expect("a blocked stage in the sample");
    assert!(!app.stages.gates[blocked].reasons.is_empty());
    for _ in 0..blocked {
        keys(&mut app, "j");
    }
    let text = screen(&mut app, 120, 40);
    assert!(text.contains("gate blocked"), "{text}");
    assert!(
        text.contains(
            app.stages.gates[blocked].reasons[0]
                .chars()
                .take(30)
                .collect::<String>()
                .as_str()
        )
    );
}

fn mouse(
    app: &mut guardplan::tui::App,
    kind: ratatui::crossterm::event::MouseEventKind,
    column: u16,
    row: u16,
) {
    app.update(Msg::Mouse(ratatui::crossterm::event::MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }));
}

#[test]
fn the_mouse_switches_views_selects_rows_and_scrolls() {
    use ratatui::crossterm::event::{MouseButton, MouseEventKind};
    let mut app = sample_app();
    app.update(Msg::Resize(110, 30));
    let text = screen(&mut app, 110, 30);
    // The tab row is the second line; click on the middle of "3 Access paths".
    let tabs = text.lines().nth(1).expect("tab row");
    let column = tabs.find("Access paths").expect("tab shown") as u16 - 1;
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), column, 1);
    assert_eq!(app.view, View::Paths);
    // Rows start under the pane border and the column header: line 4 is the first path.
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), 10, 6);
    assert_eq!(app.paths.cursor.selected, 2);
    mouse(&mut app, MouseEventKind::ScrollDown, 10, 6);
    assert_eq!(app.paths.cursor.selected, 3);
    mouse(&mut app, MouseEventKind::ScrollUp, 10, 6);
    mouse(&mut app, MouseEventKind::ScrollUp, 10, 6);
    assert_eq!(app.paths.cursor.selected, 1);
    // Mouse movement is not a message: it never causes a redraw.
    let moved = ratatui::crossterm::event::Event::Mouse(ratatui::crossterm::event::MouseEvent {
        kind: MouseEventKind::Moved,
        column: 1,
        row: 1,
        modifiers: KeyModifiers::NONE,
    });
    assert_eq!(Msg::from_event(moved), None);
}

#[test]
fn an_unbound_key_asks_for_no_redraw() {
    let mut app = sample_app();
    keys(&mut app, "3");
    app.redraw = false;
    keys(&mut app, "Z");
    assert!(!app.redraw);
    keys(&mut app, "j");
    assert!(app.redraw);
    // A later unbound key in the same batch does not cancel a pending redraw.
    keys(&mut app, "Z");
    assert!(app.redraw);
}

#[test]
fn exports_are_written_beside_the_plan() {
    let dir = tempdir();
    let plan = file(&dir, "rollout.plan.toml");
    let mut app = sample_with_plan(&plan);
    keys(&mut app, "em");
    let md = std::fs::read_to_string(file(&dir, "rollout.md")).expect("markdown written");
    assert!(md.contains(&app.ws.inventory.paths[0].name));
    keys(&mut app, "es");
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(file(&dir, "rollout.sarif")).expect("sarif written"),
    )
    .expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    keys(&mut app, "ec");
    let scripts: Vec<_> = std::fs::read_dir(file(&dir, "rollout-scripts"))
        .expect("scripts written")
        .collect();
    assert!(!scripts.is_empty());
    keys(&mut app, "ep");
    let exported = saved_plan(&file(&dir, "rollout.export.plan.toml"));
    assert_eq!(exported.decisions.len(), app.ws.plan.decisions.len());
    assert!(!plan.exists(), "exporting is not saving");
}

#[test]
fn the_plan_preview_shows_the_file_to_be_saved() {
    let mut app = sample_app();
    keys(&mut app, "3mp");
    assert!(matches!(app.overlay, Some(Overlay::Preview { .. })));
    let text = screen(&mut app, 110, 40);
    assert!(text.contains("Plan file preview"));
    assert!(text.contains("version = 1"), "{text}");
    keys(&mut app, "<esc>");
    assert_eq!(app.overlay, None);
}

#[test]
fn a_failed_autosave_is_shown_and_the_change_kept() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let mut app = app_for(
        guardplan::inventory::load_sample().expect("sample"),
        Some(&file(&dir, "p.plan.toml")),
        Some(&data),
    );
    let slot = app.files.autosave.clone().expect("slot");
    // Nothing can be written where the slot lives any more.
    let slots = slot.path().parent().expect("slot directory").to_path_buf();
    std::fs::remove_dir_all(&slots).expect("remove");
    std::fs::write(&slots, b"not a directory").expect("file");
    keys(&mut app, "3m");
    // The failure shows once it is known: after the key if the writer was quick, else when it is flushed.
    if let Some(failure) = app.flush_autosave() {
        assert!(
            app.status
                .as_ref()
                .is_some_and(|s| s.text.contains(&failure))
        );
    }
    let status = app.status.clone().expect("status");
    assert!(
        status.error && status.text.contains("autosave failed"),
        "{status:?}"
    );
    assert!(app.dirty(), "the change is still there to save");
}

#[test]
fn a_stage_with_thousands_of_actions_shows_those_the_scroll_reaches() {
    let mut app = app_for(big_inventory(3000), None, None);
    keys(&mut app, "4");
    let (stage, n) = (0..app.ws.plan.stages.len())
        .map(|s| (s, app.ws.stage_gate(s).map_or(0, |g| g.actions.len())))
        .max_by_key(|x| x.1)
        .expect("the starting plan has stages");
    assert!(n > 1000, "a stage with many actions: {n}");
    for _ in 0..stage {
        keys(&mut app, "j");
    }
    let describe = |app: &guardplan::tui::App, i: usize| {
        let a = &app.ws.stage_gate(stage).expect("gate").actions[i];
        guardplan::plan::actions::describe(&app.ws.inventory, a)
    };
    app.stages.gate_scroll = 2000;
    let shown = screen(&mut app, 200, 40);
    assert!(
        (1950..2000).any(|i| shown.contains(&describe(&app, i))),
        "{shown}"
    );
    assert!(!shown.contains(&describe(&app, 0)), "{shown}");
    // Scrolled past the end: the last page, full, ending with the last action.
    app.stages.gate_scroll = u16::MAX;
    let shown = screen(&mut app, 200, 40);
    assert!(shown.contains(&describe(&app, n - 1)), "{shown}");
    assert!(
        shown.contains(&describe(&app, n - 10)),
        "a full page: {shown}"
    );
}

/// The sample with one more server, `n`: a new version of the inventory.
fn sample_version(n: usize) -> guardplan::inventory::Inventory {
    let text = format!(
        "{}\n[[host]]\nname = \"NEW-SRV-{n:02}\"\ndomain = \"corp.contoso.com\"\njoin = \"ad\"\nos = \"server-2022\"\n",
        guardplan::inventory::SAMPLE_TOML
    );
    guardplan::inventory::load_str("contoso.toml", &text).expect("the version loads")
}

fn kept_versions(data: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(data.join("inventories"))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".lines"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn seven_saves_on_seven_versions_of_an_inventory_keep_at_most_six_of_them() {
    use guardplan::tui::known::PER_PLAN;
    let dir = tempdir();
    let plan = file(&dir, "rollout.plan.toml");
    let data = file(&dir, "data");
    let mut notes = Vec::new();
    let mut bound = String::new();
    for n in 0..7 {
        let inv = sample_version(n);
        bound = guardplan::plan::io::fingerprint(&inv);
        let mut app = app_for(inv, Some(&plan), Some(&data));
        // Every other save, keeping the inventory ends after the key, as on a large estate.
        if n % 2 == 1 {
            app.job_wait = std::time::Duration::ZERO;
        }
        keys(&mut app, "3ms");
        assert_eq!(saved_plan(&plan).inventory.fingerprint, bound);
        let status = app.status.clone().expect("a message");
        assert!(!status.error, "{}", status.text);
        notes.push(status.text);
        assert!(
            kept_versions(&data).len() <= PER_PLAN + 1,
            "{:?}",
            kept_versions(&data)
        );
    }
    let kept = kept_versions(&data);
    assert!(kept.len() <= 6, "{kept:?}");
    // The version the plan file is bound to is one of them, so its plan can say what changed later.
    let hex = bound.trim_start_matches("sha256:");
    assert!(kept.contains(&format!("{hex}.lines")), "{kept:?}");
    // Saving on a version once the store is full says what it pruned.
    assert!(
        notes
            .iter()
            .any(|n| n.contains("pruned 1 version of older inventories")),
        "{notes:?}"
    );
    assert!(!notes[0].contains("pruned"), "{notes:?}");
}
