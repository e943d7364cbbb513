//! A review in the planner: waivers that accept what they are made on, removals named with their undo,
//! every dialog's keys.

use crate::tui_support;

use guardplan::plan::{Plan, Waiver, Workspace};
use guardplan::tui::app::{App, Files, Overlay};
use guardplan::tui::findings::Row;
use guardplan::tui::popups::form::waive_form;
use guardplan::tui::theme::Theme;
use tui_support::*;

/// Selects the first finding of the findings view for which `pick` holds.
fn select_finding(app: &mut App, pick: impl Fn(&App, &Row) -> bool) {
    keys(app, "5g");
    loop {
        match app.findings.rows.get(app.findings.cursor.selected).copied() {
            Some(r @ Row::Finding(..)) if pick(app, &r) => return,
            None => panic!("no finding matches"),
            _ => {}
        }
        let at = app.findings.cursor.selected;
        keys(app, "j");
        assert_ne!(app.findings.cursor.selected, at, "no finding matches");
    }
}

fn form_error(app: &App) -> String {
    match &app.overlay {
        Some(Overlay::Form(f)) => f.error.clone().unwrap_or_default(),
        other => panic!("no form open: {other:?}"),
    }
}

fn path_finding(app: &App, r: &Row) -> bool {
    matches!(r, Row::Finding(f, None) if app.ws.finding(*f).path.is_some())
}

#[test]
fn a_waiver_whose_scope_misses_its_finding_is_refused_with_the_scope_that_would() {
    let mut app = sample_app();
    select_finding(&mut app, path_finding);
    let Some(Row::Finding(r, _)) = app.findings.rows.get(app.findings.cursor.selected).copied()
    else {
        unreachable!()
    };
    let f = app.ws.finding(r).clone();
    let own = format!(
        "path:{}",
        app.ws.inventory.paths[f.path.unwrap_or(0) as usize].name
    );
    let other = app
        .ws
        .inventory
        .paths
        .iter()
        .find(|p| format!("path:{}", p.name) != own)
        .map(|p| format!("path:{}", p.name))
        .expect("the sample has two paths");
    keys(&mut app, "w");
    keys(&mut app, "reviewed<tab><tab><c-u>");
    keys(&mut app, &other);
    keys(&mut app, "<enter>");
    let e = form_error(&app);
    assert!(e.contains("does not cover"), "{e}");
    assert!(e.contains(&format!("`{own}`")), "{e}");
    assert!(app.ws.plan.waivers.is_empty());
    // With the scope it names, the waiver is made and accepts the finding.
    keys(&mut app, "<c-u>");
    keys(&mut app, &own);
    keys(&mut app, "<enter>");
    assert_eq!(app.overlay, None, "{:?}", form_error(&app));
    assert_eq!(app.ws.plan.waivers[0].scope, own);
    assert!(app.ws.waiver_covers(&app.ws.plan.waivers[0], &f));
}

#[test]
fn an_expiry_in_the_past_is_refused_and_today_is_accepted() {
    let mut app = sample_app();
    select_finding(&mut app, path_finding);
    keys(&mut app, "w");
    keys(&mut app, "reviewed<tab>2026-05-31<enter>");
    let e = form_error(&app);
    assert!(e.contains("in the past") && e.contains("2026-06-01"), "{e}");
    keys(&mut app, "<c-u>2026-06-01<enter>");
    assert_eq!(app.overlay, None);
    assert_eq!(app.ws.plan.waivers.len(), 1);
}

#[test]
fn no_waive_form_proposes_a_scope_that_misses_its_finding_or_is_a_silent_star() {
    let app = sample_app();
    let mut estate_wide = 0;
    for a in &app.ws.assessment().items {
        let f = app.ws.finding(a.finding);
        let form = waive_form(&app.ws, f);
        let scope = &form.fields[2].value;
        assert_ne!(scope, "*", "{}: `*` must be typed, not proposed", f.code);
        if scope.is_empty() {
            estate_wide += 1;
            assert!(form.fields[2].hint.contains('*'), "{:?}", form.fields[2]);
        } else {
            let w = Waiver {
                code: f.code.to_string(),
                scope: scope.clone(),
                reason: "r".into(),
                expires: None,
            };
            assert!(app.ws.waiver_covers(&w, f), "{} {scope}", f.code);
        }
    }
    assert!(estate_wide > 0, "the sample has estate-wide findings");
}

/// The sample with its starting plan and `waivers`.
fn sample_with_waivers(waivers: Vec<Waiver>) -> App {
    let inv = guardplan::inventory::load_sample().expect("sample");
    let plan = Plan {
        waivers,
        ..sample_app().ws.plan
    };
    let ws = Workspace::new(inv, Some(plan), TODAY);
    let files = Files {
        baseline: ws.plan.clone(),
        ..Files::default()
    };
    App::new(ws, config(Theme::default()), files)
}

#[test]
fn an_expired_waiver_is_removed_from_its_finding_and_the_removal_named() {
    let probe = sample_app();
    let a = probe
        .ws
        .assessment()
        .items
        .iter()
        .find(|a| probe.ws.finding(a.finding).path.is_some())
        .expect("a path finding");
    let f = probe.ws.finding(a.finding).clone();
    let scope = probe.ws.waiver_scopes(&f)[0].clone();
    let expired = Waiver {
        code: f.code.to_string(),
        scope: scope.clone(),
        reason: "old".into(),
        expires: Some("2026-01-31".parse().expect("date")),
    };
    let mut app = sample_with_waivers(vec![expired]);
    select_finding(
        &mut app,
        |app, r| matches!(r, Row::Finding(x, None) if *app.ws.finding(*x) == f),
    );
    keys(&mut app, "W");
    assert!(app.ws.plan.waivers.is_empty());
    let status = app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert_eq!(
        status,
        format!("waiver of {} ({scope}) removed (u undoes)", f.code)
    );
    keys(&mut app, "u");
    assert_eq!(app.ws.plan.waivers.len(), 1);
    let status = app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert_eq!(
        status,
        format!("undone: waiver of {} ({scope}) removed", f.code)
    );
}

#[test]
fn undo_and_redo_name_the_change() {
    let mut app = sample_app();
    let name = app.ws.inventory.paths[0].name.clone();
    let before = app.ws.choice(0).mode;
    keys(&mut app, "3m");
    let after = app.ws.choice(0).mode;
    keys(&mut app, "u");
    let status = app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert_eq!(status, format!("undone: {name} {before} -> {after}"));
    keys(&mut app, "<c-r>");
    let status = app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert_eq!(status, format!("redone: {name} {before} -> {after}"));
}

#[test]
fn the_quit_dialog_shows_every_key_it_takes() {
    let mut app = sample_app();
    keys(&mut app, "3mq");
    let s = screen(&mut app, 80, 24);
    for k in ["s/y", "d/n", "Esc/c"] {
        assert!(s.contains(k), "{k} missing:\n{s}");
    }
    keys(&mut app, "n");
    assert!(app.quit);
}

#[test]
fn f1_opens_the_help_with_the_current_views_keys_first() {
    let mut app = sample_app();
    keys(&mut app, "5");
    app.update(guardplan::tui::event::Msg::Key(
        ratatui::crossterm::event::KeyEvent::from(ratatui::crossterm::event::KeyCode::F(1)),
    ));
    assert!(matches!(app.overlay, Some(Overlay::Help { .. })));
    let s = screen(&mut app, 80, 24);
    let findings = s
        .find("Findings\u{20}")
        .or_else(|| s.find("Findings"))
        .unwrap_or(usize::MAX);
    let everywhere = s.find("Everywhere").unwrap_or(usize::MAX);
    assert!(findings < everywhere, "{s}");
}

/// Cells whose text has the colour of its background, as `(x, y, symbol)`.
fn unreadable_cells(buf: &ratatui::buffer::Buffer) -> Vec<(u16, u16, String)> {
    use ratatui::style::Color;
    let mut out = Vec::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            if c.symbol().trim().is_empty() || c.fg == Color::Reset || c.bg == Color::Reset {
                continue;
            }
            if c.fg == c.bg {
                out.push((x, y, c.symbol().to_string()));
            }
        }
    }
    out
}

#[test]
fn selected_rows_are_readable_in_every_view_and_theme() {
    use guardplan::tui::app::View;
    for (name, theme) in [
        ("colour", Theme::default()),
        ("NO_COLOR", Theme::monochrome()),
    ] {
        for view in View::ALL {
            let mut app = sample_app();
            app.config.theme = theme.clone();
            app.view = view;
            for (w, h) in [(80, 24), (200, 50)] {
                // Several rows, for rows with secondary text, headings and verdicts.
                for step in 0..6 {
                    let t = draw(&mut app, w, h);
                    let buf = t.backend().buffer();
                    let bad = unreadable_cells(buf);
                    assert!(
                        bad.is_empty(),
                        "{name} theme, {view:?} at {w}x{h}, row {step}: text in its background's colour at {:?}",
                        &bad[..bad.len().min(5)]
                    );
                    let selected = buf.content().iter().any(|c| {
                        theme.selected.bg.is_some_and(|bg| c.bg == bg)
                            || theme
                                .selected
                                .add_modifier
                                .contains(ratatui::style::Modifier::REVERSED)
                                && c.modifier.contains(ratatui::style::Modifier::REVERSED)
                    });
                    assert!(
                        selected || view == View::Overview,
                        "{name}: no selected row drawn in {view:?}"
                    );
                    keys(&mut app, "j");
                }
            }
        }
    }
}

#[test]
fn enter_on_a_finding_opens_its_path_then_its_stage_and_esc_comes_back() {
    use guardplan::tui::app::View;
    let mut app = sample_app();
    select_finding(&mut app, path_finding);
    let finding_row = app.findings.cursor.selected;
    let Some(Row::Finding(r, _)) = app.findings.rows.get(finding_row).copied() else {
        unreachable!()
    };
    let path = app.ws.finding(r).path.expect("a path finding");
    keys(&mut app, "<enter>");
    assert_eq!(app.view, View::Paths);
    assert_eq!(app.paths.cursor.selected, path as usize);
    keys(&mut app, "<enter>");
    assert_eq!(app.view, View::Stages);
    let stage = guardplan::tui::stages::stage_index_of_path(&app.ws, path)
        .unwrap_or(app.ws.plan.stages.len());
    assert_eq!(app.stages.cursor.selected, stage);
    let s = screen(&mut app, 80, 24);
    let title = match app.ws.plan.stages.get(stage) {
        Some(st) => format!("Members of {}", st.name),
        None => "Paths no stage holds".into(),
    };
    assert!(s.contains(&title), "{s}");
    keys(&mut app, "<esc>");
    assert_eq!(app.view, View::Paths);
    assert_eq!(app.paths.cursor.selected, path as usize);
    keys(&mut app, "<esc>");
    assert_eq!(app.view, View::Findings);
    assert_eq!(app.findings.cursor.selected, finding_row);
    // Nothing left to retrace: Esc is the view's own again.
    keys(&mut app, "<esc>");
    assert_eq!(app.view, View::Findings);
}

#[test]
fn enter_on_a_stage_member_opens_the_path_or_the_host() {
    use guardplan::tui::app::View;
    let mut app = sample_app();
    // The stage that prepares targets lists hosts; the one that stages paths lists them.
    let (stage, kind) = app
        .ws
        .plan
        .stages
        .iter()
        .enumerate()
        .find_map(|(i, s)| {
            s.hosts
                .iter()
                .find(|h| h.starts_with("host:"))
                .map(|_| (i, "host"))
        })
        .expect("a stage with a host");
    keys(&mut app, "4");
    for _ in 0..stage {
        keys(&mut app, "j");
    }
    keys(&mut app, "<tab>");
    while !app.stages.members[app.stages.members_cursor.selected]
        .1
        .starts_with("host:")
    {
        keys(&mut app, "j");
    }
    let name = app.stages.members[app.stages.members_cursor.selected]
        .1
        .trim_start_matches("host:")
        .to_string();
    keys(&mut app, "<enter>");
    assert_eq!(app.view, View::Inventory, "{kind}");
    let row = app.inventory.rows[app.inventory.cursor.selected];
    assert_eq!(
        guardplan::tui::inventory::row_text(&app.ws.inventory, row),
        name
    );
    keys(&mut app, "<esc>");
    assert_eq!(app.view, View::Stages);
    assert_eq!(app.stages.cursor.selected, stage);
}

#[test]
fn enter_on_the_overview_lists_the_blocks() {
    use guardplan::tui::app::View;
    let mut app = sample_app();
    keys(&mut app, "<enter>");
    assert_eq!(app.view, View::Findings);
    assert_eq!(app.findings.severity, Some(guardplan::Severity::Block));
    keys(&mut app, "<esc>");
    assert_eq!(app.view, View::Overview);
}

#[test]
fn enter_on_the_overviews_stage_gates_opens_the_stage_and_esc_comes_back() {
    use guardplan::tui::app::View;
    let mut app = sample_app();
    let gates: Vec<usize> = app.stages.gates.iter().map(|g| g.index).collect();
    assert!(gates.len() >= 3, "the sample has stages");
    // Tab focuses the stage gates; j selects the second stage.
    keys(&mut app, "<tab>j<enter>");
    assert_eq!(app.view, View::Stages);
    assert_eq!(app.stages.cursor.selected, gates[1]);
    keys(&mut app, "<esc>");
    assert_eq!(app.view, View::Overview);
    // The way back keeps the focus and the selection: Enter opens the same stage again.
    keys(&mut app, "j<enter>");
    assert_eq!(app.stages.cursor.selected, gates[2]);
}

#[test]
fn enter_on_an_overview_blocker_lists_the_findings_of_its_code() {
    use guardplan::tui::app::View;
    use guardplan::tui::findings::Row;
    let mut app = sample_app();
    let codes = app.overview.codes.clone();
    assert!(codes.len() >= 2, "the sample has several blocking codes");
    keys(&mut app, "<tab><tab>j<enter>");
    assert_eq!(app.view, View::Findings);
    let (code, n) = codes[1];
    let listed: Vec<_> = app
        .findings
        .rows
        .iter()
        .filter_map(|r| match r {
            Row::Code(c, k) => Some((*c, *k)),
            _ => None,
        })
        .collect();
    // Every severity of the code is listed, its blocks among them; no other code.
    assert!(listed.iter().all(|(c, _)| *c == code), "{listed:?}");
    assert!(
        listed.iter().map(|(_, k)| k).sum::<usize>() >= n,
        "{listed:?}"
    );
    let s = screen(&mut app, 200, 50);
    assert!(s.contains(&format!("Only {code} (Esc back)")), "{s}");
    // Esc goes back and ends the narrowing: the findings view lists everything again.
    keys(&mut app, "<esc>");
    assert_eq!(app.view, View::Overview);
    assert_eq!(app.findings.only, None);
    keys(&mut app, "5");
    assert!(
        app.findings
            .rows
            .iter()
            .any(|r| matches!(r, Row::Code(c, _) if *c != code))
    );
}

#[test]
fn f_on_a_path_lists_its_findings_and_esc_comes_back() {
    use guardplan::tui::app::View;
    use guardplan::tui::findings::Row;
    let mut app = sample_app();
    keys(&mut app, "3");
    let path = (0..app.ws.inventory.paths.len() as u32)
        .find(|p| {
            app.ws
                .assessment()
                .items
                .iter()
                .any(|a| app.ws.finding(a.finding).path == Some(*p))
        })
        .expect("a path with findings");
    app.paths.cursor.selected = path as usize;
    let row = app.paths.cursor.selected;
    keys(&mut app, "F");
    assert_eq!(app.view, View::Findings);
    let findings: Vec<_> = app
        .findings
        .rows
        .iter()
        .filter_map(|r| match r {
            Row::Finding(f, _) => Some(app.ws.finding(*f).path),
            _ => None,
        })
        .collect();
    let expected = app
        .ws
        .assessment()
        .items
        .iter()
        .filter(|a| app.ws.finding(a.finding).path == Some(path))
        .count();
    assert_eq!(findings.len(), expected);
    assert!(findings.iter().all(|p| *p == Some(path)), "{findings:?}");
    keys(&mut app, "<esc>");
    assert_eq!(app.view, View::Paths);
    assert_eq!(app.paths.cursor.selected, row);
}

#[test]
fn the_not_staged_advice_names_the_key_that_works() {
    let mut app = sample_app();
    keys(&mut app, "4G");
    let s = screen(&mut app, 200, 50);
    assert!(s.contains("into the last stage with <"), "{s}");
    // And < does: the last unstaged path goes into the last stage.
    if let Some((_, name)) = app.stages.members.first().cloned() {
        let last = app.ws.plan.stages.len() - 1;
        keys(&mut app, "<tab><lt>");
        assert!(
            app.ws.plan.stages[last].paths.contains(&name),
            "{:?}",
            app.status
        );
    }
}

#[test]
fn a_path_a_star_stage_holds_is_not_moved_later_by_a_redundant_entry() {
    let mut app = sample_app();
    let star = app
        .ws
        .plan
        .stages
        .iter()
        .position(|s| s.paths.iter().any(|p| p == "*"))
        .expect("the starting plan has a `*` stage");
    let path = (0..app.ws.inventory.paths.len())
        .find(|p| guardplan::tui::stages::stage_index_of_path(&app.ws, *p as u32) == Some(star))
        .expect("a path of the `*` stage");
    let before = app.ws.plan.clone();
    keys(&mut app, "3");
    for _ in 0..path {
        keys(&mut app, "j");
    }
    keys(&mut app, "<gt>");
    assert_eq!(app.ws.plan.stages, before.stages, "{:?}", app.status);
    let status = app.status.as_ref().expect("a message");
    assert!(
        status.error && status.text.contains("`*`"),
        "{}",
        status.text
    );
    // Earlier works: the earliest stage wins, so the entry takes effect.
    if star > 0 {
        keys(&mut app, "<lt>");
        assert_eq!(
            guardplan::tui::stages::stage_index_of_path(&app.ws, path as u32),
            Some(star - 1)
        );
    }
}

#[test]
fn the_waivers_view_lists_edits_and_removes_waivers() {
    use guardplan::tui::app::View;
    let probe = sample_app();
    let f = probe
        .ws
        .assessment()
        .items
        .iter()
        .map(|a| probe.ws.finding(a.finding))
        .find(|f| f.path.is_some())
        .expect("a path finding")
        .clone();
    let scope = probe.ws.waiver_scopes(&f)[0].clone();
    let waiver = |expires: &str| Waiver {
        code: f.code.to_string(),
        scope: scope.clone(),
        reason: format!("until {expires}"),
        expires: Some(expires.parse().expect("date")),
    };
    let mut app = sample_with_waivers(vec![waiver("2026-01-31"), waiver("2099-01-31")]);
    keys(&mut app, "7");
    assert_eq!(app.view, View::Waivers);
    let s = screen(&mut app, 200, 50);
    assert!(s.contains("expired") && s.contains("active"), "{s}");
    assert_eq!(app.waivers.accepted.iter().sum::<usize>(), 1, "{s}");
    // Edit the expired one: a new expiry in the future makes it active.
    let expired = app
        .ws
        .plan
        .waivers
        .iter()
        .position(|w| w.is_expired(TODAY))
        .expect("expired");
    app.waivers.select(expired);
    keys(&mut app, "<enter><tab><c-u>2027-01-01<enter>");
    assert_eq!(app.overlay, None, "{:?}", app.overlay);
    assert!(app.ws.plan.waivers.iter().all(|w| !w.is_expired(TODAY)));
    // Remove one: the message names it, u brings it back.
    keys(&mut app, "d");
    assert_eq!(app.ws.plan.waivers.len(), 1);
    let status = app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("removed (u undoes)"), "{status}");
    keys(&mut app, "u");
    assert_eq!(app.ws.plan.waivers.len(), 2);
}

#[test]
fn the_waivers_view_lists_every_exception_removes_one_and_undo_brings_it_back() {
    let mut app = sample_app();
    let decided: Vec<(String, usize)> = app
        .ws
        .plan
        .decisions
        .iter()
        .filter(|d| !d.exceptions.is_empty())
        .map(|d| (d.path.clone(), d.exceptions.len()))
        .collect();
    let total: usize = decided.iter().map(|(_, n)| n).sum();
    assert!(total >= 2, "the sample plan has exceptions: {decided:?}");
    keys(&mut app, "7");
    assert_eq!(app.waivers.exceptions.len(), total);
    let s = screen(&mut app, 200, 50);
    for (path, _) in &decided {
        assert!(s.contains(path.as_str()), "{path} not listed:\n{s}");
    }
    assert!(
        s.contains("Exceptions (") && s.contains("REMEDIATION"),
        "{s}"
    );
    // Select the last exception: its detail names its path and what it leaves out.
    keys(&mut app, "G");
    let x = app
        .waivers
        .selected_exception()
        .expect("an exception")
        .clone();
    let path = app.ws.inventory.paths[x.path as usize].name.clone();
    let before = app.ws.plan.decision(&path).expect("decided").clone();
    let s = screen(&mut app, 200, 50);
    assert!(s.contains(&format!("{path}: {}", before.mode)), "{s}");
    // d removes it from the decision only, keeping the mode; the message names it.
    keys(&mut app, "d");
    let after = app.ws.plan.decision(&path).expect("decided").clone();
    assert_eq!(after.mode, before.mode);
    assert_eq!(after.exceptions.len(), before.exceptions.len() - 1);
    assert!(!after.exceptions.contains(&x.exception));
    assert_eq!(app.waivers.exceptions.len(), total - 1);
    let status = app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    let first = x
        .exception
        .selectors()
        .iter()
        .find(|(_, l)| !l.is_empty())
        .map(|(_, l)| l[0].clone());
    assert!(
        status.contains(&format!("removed from {path} (u undoes)"))
            && status.contains(first.as_deref().unwrap_or("?")),
        "{status}"
    );
    // u restores it exactly.
    keys(&mut app, "u");
    assert_eq!(app.ws.plan.decision(&path), Some(&before));
    assert_eq!(app.waivers.exceptions.len(), total);
}

#[test]
fn enter_on_an_exception_opens_its_path_and_esc_comes_back() {
    use guardplan::tui::app::View;
    let mut app = sample_app();
    keys(&mut app, "7G");
    let x = app
        .waivers
        .selected_exception()
        .expect("an exception")
        .clone();
    let row = app.waivers.cursor.selected;
    keys(&mut app, "<enter>");
    assert_eq!(app.view, View::Paths);
    assert_eq!(app.paths.cursor.selected, x.path as usize);
    keys(&mut app, "<esc>");
    assert_eq!(app.view, View::Waivers);
    assert_eq!(app.waivers.cursor.selected, row);
}

#[test]
fn reload_asks_before_discarding_changes_and_save_as_offers_the_name() {
    let dir = tempdir();
    let plan = file(&dir, "rollout.plan.toml");
    let mut app = sample_with_plan(&plan);
    let before = app.ws.choice(0).mode;
    keys(&mut app, "3mR");
    assert_eq!(app.overlay, Some(Overlay::ConfirmReload));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("y/r") && s.contains("n/Esc"), "{s}");
    keys(&mut app, "n");
    assert_eq!(app.overlay, None);
    assert!(app.dirty());
    keys(&mut app, "Ry");
    assert!(!app.dirty());
    assert_eq!(app.ws.choice(0).mode, before);
    keys(&mut app, "S");
    match &app.overlay {
        Some(Overlay::Form(f)) => assert_eq!(f.fields[0].value, plan.display().to_string()),
        other => panic!("no save-as form: {other:?}"),
    }
}

#[test]
fn a_missing_plan_file_is_announced_as_new() {
    let dir = tempdir();
    let plan = file(&dir, "typo.plan.toml");
    let app = sample_with_plan(&plan);
    let status = app.status.expect("a message");
    assert!(
        status
            .text
            .contains("typo.plan.toml does not exist: this is a new plan"),
        "{}",
        status.text
    );
}

#[test]
fn a_plan_made_for_an_inventory_seen_before_lists_what_changed_host_by_host() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let plan = file(&dir, "rollout.plan.toml");
    let inv = guardplan::inventory::load_sample().expect("sample");
    let mut app = app_for(inv.clone(), Some(&plan), Some(&data));
    keys(&mut app, "s");
    assert!(app.stale.is_none());
    let mut changed = inv.clone();
    changed.hosts[0].laps = !changed.hosts[0].laps;
    let mut app = app_for(changed, Some(&plan), Some(&data));
    let st = app.stale.clone().expect("stale");
    let changes = st.changes.expect("the earlier inventory was kept");
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].kind, "host");
    assert_eq!(changes[0].name, inv.hosts[0].name.to_lowercase());
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("[stale: c lists the inventory changes]"), "{s}");
    keys(&mut app, "c");
    let s = screen(&mut app, 80, 24);
    assert!(
        s.contains(&format!("~ host {}", inv.hosts[0].name.to_lowercase())),
        "{s}"
    );
}

#[test]
fn the_chosen_cell_shows_a_block_another_paths_choice_causes() {
    use guardplan::Mode;
    use guardplan::plan::Edit;
    use guardplan::rules::Code;
    let mut app = sample_app();
    let n = app.ws.inventory.paths.len();
    let mut seen = false;
    'search: for p in 0..n {
        for m in Mode::ALL {
            if app
                .ws
                .apply(Edit::SetMode {
                    path: p as u32,
                    mode: m,
                })
                .is_err()
            {
                continue;
            }
            for q in (0..n).filter(|q| *q != p) {
                let blocked_by_other = app.ws.items_for_path(q as u32).iter().any(|a| {
                    a.blocks() && app.ws.finding(a.finding).code == Code::PolClientConflict
                });
                let alone = app.ws.evaluation.paths[q].modes[app.ws.choice(q as u32).mode.index()]
                    .verdict
                    .0;
                if blocked_by_other && alone < guardplan::Verdict::Block {
                    assert_eq!(app.ws.plan_verdict(q as u32), guardplan::Verdict::Block);
                    app.refresh();
                    keys(&mut app, "3g");
                    for _ in 0..q {
                        keys(&mut app, "j");
                    }
                    let s = screen(&mut app, 200, 50);
                    let name = &app.ws.inventory.paths[q].name;
                    let row = s
                        .lines()
                        .find(|l| l.contains(&format!("│{name} ")))
                        .expect("the path's row");
                    assert!(row.contains("[✗ block]"), "{row}");
                    // And the detail pane puts the block first.
                    let detail =
                        guardplan::tui::paths::detail_lines(&app.ws, q as u32, &Theme::default());
                    let first = detail
                        .iter()
                        .map(|l| l.to_string())
                        .find(|l| {
                            l.contains(" block ") || l.contains(" warn ") || l.contains(" action ")
                        })
                        .unwrap_or_default();
                    assert!(first.starts_with("✗ block"), "{first}");
                    seen = true;
                    break 'search;
                }
            }
            app.ws.undo();
        }
    }
    assert!(
        seen,
        "the sample has a client policy conflict between two paths"
    );
}

#[test]
fn a_stage_description_is_shown_and_edited() {
    let mut app = sample_app();
    keys(&mut app, "4");
    let first = app.ws.plan.stages[0].description.clone();
    let s = screen(&mut app, 200, 50);
    assert!(s.contains("Purpose"), "{s}");
    if !first.is_empty() {
        let start: String = first.chars().take(40).collect();
        assert!(s.contains(&start), "{s}");
    }
    keys(&mut app, "D<c-u>fix what blocks before any change<enter>");
    assert_eq!(app.overlay, None);
    assert_eq!(
        app.ws.plan.stages[0].description,
        "fix what blocks before any change"
    );
    assert!(
        app.plan_text()
            .contains("description = \"fix what blocks before any change\"")
    );
    keys(&mut app, "u");
    assert_eq!(app.ws.plan.stages[0].description, first);
    let status = app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("description of stage"), "{status}");
}

#[test]
fn every_tab_is_on_screen_at_80_columns_and_a_click_finds_it() {
    use guardplan::tui::app::View;
    let mut app = sample_app();
    let s = screen(&mut app, 80, 24);
    let tabs = s.lines().nth(1).expect("tab row");
    for (i, _) in View::ALL.iter().enumerate() {
        assert!(
            tabs.contains(&format!("{} ", i + 1)),
            "tab {} missing: {tabs}",
            i + 1
        );
    }
    let col = tabs.find("7 Waivers").expect("the waivers tab") as u16;
    app.update(guardplan::tui::event::Msg::Mouse(
        ratatui::crossterm::event::MouseEvent {
            kind: ratatui::crossterm::event::MouseEventKind::Down(
                ratatui::crossterm::event::MouseButton::Left,
            ),
            column: col + 2,
            row: 1,
            modifiers: ratatui::crossterm::event::KeyModifiers::NONE,
        },
    ));
    assert_eq!(app.view, View::Waivers);
}

/// The access-paths view selecting a path of the sample by name.
fn select_path(app: &mut guardplan::tui::App, name: &str) {
    keys(app, "3g");
    let at = (app.ws.inventory.paths.iter())
        .position(|p| p.name == name)
        .unwrap_or_else(|| panic!("the sample has {name}"));
    for _ in 0..at {
        keys(app, "j");
    }
}

#[test]
fn a_chosen_mode_whose_blocked_rest_is_excepted_reads_as_done() {
    let mut app = sample_app();
    select_path(&mut app, "app-owners");
    let row = |s: &str| {
        s.lines()
            .find(|l| l.contains("app-owners "))
            .expect("the app-owners row")
            .to_string()
    };
    let detail = |app: &guardplan::tui::App| {
        let p = app.paths.cursor.selected as u32;
        let lines = guardplan::tui::paths::detail_lines(&app.ws, p, &app.config.theme);
        lines
            .iter()
            .map(|l| l.to_string() + "\n")
            .collect::<String>()
    };
    let s = screen(&mut app, 110, 30);
    // remote-guard is blocked for half the pairs; the exception leaves that half out: done, not 50%.
    let done = row(&s);
    assert!(done.contains("[+ 1 exc]"), "{done}");
    let d = detail(&app);
    assert!(
        d.contains("done: every pair remote-guard blocks is left out (1 exception)"),
        "{d}"
    );
    // Without the exception the same cell is a partial share again.
    keys(&mut app, "X");
    let s = screen(&mut app, 110, 30);
    let partial = row(&s);
    assert!(partial.contains("[✗ 50%]"), "{partial}");
    // Narrow: a mark beside the symbol.
    keys(&mut app, "u");
    let s = screen(&mut app, 80, 24);
    assert!(row(&s).contains("[+x]"), "{s}");
}

#[test]
fn undo_and_redo_name_the_exceptions_before_and_after() {
    let mut app = sample_app();
    select_path(&mut app, "app-owners");
    // x proposes what the path already has: it says so instead of changing nothing silently.
    let text = said(&mut app, "x");
    assert!(text.starts_with("x changes nothing"), "{text}");
    assert_eq!(
        said(&mut app, "X"),
        "app-owners remote-guard: 1 exception: targets host:SRV-REPORT-01 -> no exception (u undoes)"
    );
    assert_eq!(
        said(&mut app, "xu"),
        "undone: app-owners remote-guard: no exception -> 1 exception: targets host:SRV-REPORT-01"
    );
    let redone = said(&mut app, "<c-r>");
    assert!(
        redone.starts_with("redone: app-owners remote-guard: no exception -> 1 exception"),
        "{redone}"
    );
    // A change of mode that keeps the exceptions names the modes only.
    let mode = said(&mut app, "mu");
    assert!(!mode.contains("exception) ->"), "{mode}");
}

/// The message the status line shows after `seq`.
fn said(app: &mut guardplan::tui::App, seq: &str) -> String {
    keys(app, seq);
    app.status.as_ref().expect("a message").text.clone()
}

/// The sample with `x`'s work left under way until the test settles it, as on a large estate.
fn slow_sample() -> guardplan::tui::App {
    let mut app = sample_app();
    app.job_wait = std::time::Duration::ZERO;
    app
}

#[test]
fn x_runs_off_the_key_path_with_a_progress_line_and_ends_with_what_it_changed() {
    let mut app = slow_sample();
    select_path(&mut app, "app-owners");
    keys(&mut app, "X");
    keys_unsettled(&mut app, "x");
    assert_eq!(app.jobs.len(), 1, "the work is under way");
    let s = screen(&mut app, 110, 30);
    let footer = s.lines().last().unwrap_or("");
    assert!(
        footer.contains("Esc cancels: x on app-owners: leaving out what blocks remote-guard"),
        "{s}"
    );
    // Keys still answer while it runs.
    keys_unsettled(&mut app, "?");
    assert!(app.overlay.is_some());
    keys_unsettled(&mut app, "<esc>");
    app.settle();
    assert!(app.jobs.is_empty());
    let text = app.status.as_ref().expect("a message").text.clone();
    assert!(
        text.contains("no exception -> 1 exception: targets host:SRV-REPORT-01"),
        "{text}"
    );
}

#[test]
fn esc_cancels_the_work_and_nothing_changes() {
    let mut app = slow_sample();
    select_path(&mut app, "app-owners");
    keys(&mut app, "X");
    let before = app.ws.plan.clone();
    keys_unsettled(&mut app, "x<esc>");
    assert!(app.jobs.is_empty());
    let text = app.status.as_ref().expect("a message").text.clone();
    assert!(text.starts_with("cancelled x on app-owners: "), "{text}");
    assert!(text.ends_with("nothing changed"), "{text}");
    app.settle();
    assert_eq!(app.ws.plan, before);
}

#[test]
fn an_edit_made_while_x_works_is_never_clobbered_by_its_result() {
    let mut app = slow_sample();
    select_path(&mut app, "app-owners");
    keys(&mut app, "X");
    // The operator changes the path's mode while the exception is worked out for the old one.
    keys_unsettled(&mut app, "xm");
    let mode = app.ws.choice(app.paths.cursor.selected as u32).mode;
    app.settle();
    assert_eq!(app.ws.choice(app.paths.cursor.selected as u32).mode, mode);
    let d = app.ws.plan.decision("app-owners").expect("decided");
    assert!(d.exceptions.is_empty(), "{d:?}");
    let status = app.status.as_ref().expect("a message");
    assert!(
        status.error
            && status
                .text
                .contains("changed while the exception was worked out"),
        "{}",
        status.text
    );
}

#[test]
fn edits_wait_while_a_reload_runs_and_a_form_keeps_what_was_typed() {
    use guardplan::tui::app::Overlay;
    let mut app = slow_sample();
    keys_unsettled(&mut app, "R");
    assert_eq!(app.jobs.len(), 1);
    assert!(app.jobs[0].blocks_edits);
    // A change of the plan is refused with the reason, the plan untouched.
    let before = app.ws.plan.clone();
    keys_unsettled(&mut app, "3m");
    assert_eq!(app.ws.plan, before);
    let status = app.status.as_ref().expect("a message");
    assert!(
        status.error
            && status
                .text
                .contains("reloading the inventory and the plan: changes wait"),
        "{}",
        status.text
    );
    // A stage typed into a form stays in the form.
    keys_unsettled(&mut app, "4anew-stage<enter>");
    match &app.overlay {
        Some(Overlay::Form(f)) => {
            assert_eq!(f.fields[0].value, "new-stage");
            assert!(
                f.error.as_deref().unwrap_or("").contains("changes wait"),
                "{f:?}"
            );
        }
        other => panic!("the form stays open: {other:?}"),
    }
    app.settle();
    keys(&mut app, "<enter>");
    assert!(app.ws.plan.stages.iter().any(|s| s.name == "new-stage"));
}

#[test]
fn an_export_is_written_off_the_key_path() {
    let dir = tempdir();
    let plan = file(&dir, "rollout.plan.toml");
    let mut app = sample_with_plan(&plan);
    app.job_wait = std::time::Duration::ZERO;
    keys_unsettled(&mut app, "em");
    assert_eq!(app.jobs.len(), 1);
    app.settle();
    let md = file(&dir, "rollout.md");
    assert!(md.exists());
    let text = app.status.as_ref().expect("a message").text.clone();
    assert_eq!(text, format!("wrote {}", md.display()));
}

#[test]
fn an_exception_that_leaves_out_nothing_blocked_reads_not_needed_in_every_view() {
    use guardplan::plan::{Edit, Exception};
    let mut app = sample_app();
    select_path(&mut app, "app-owners");
    let path = app.paths.cursor.selected as u32;
    let mode = app.ws.choice(path).mode;
    // SRV-APP-01 serves remote-guard: leaving it out is not needed.
    let exceptions = vec![Exception {
        targets: vec!["host:SRV-APP-01".into()],
        stage: Some(app.ws.plan.stages.last().expect("stages").name.clone()),
        ..Exception::default()
    }];
    app.queue
        .push_back(guardplan::tui::event::Internal::Edit(Edit::Decide {
            path,
            mode,
            exceptions,
        }));
    app.process_internal();
    let detail: String = guardplan::tui::paths::detail_lines(&app.ws, path, &app.config.theme)
        .iter()
        .map(|l| l.to_string() + "\n")
        .collect();
    assert!(
        detail.contains("not needed: nothing it leaves out blocks the mode any more"),
        "{detail}"
    );
    keys(&mut app, "7");
    let s = screen(&mut app, 110, 30);
    assert!(s.contains("! not needed"), "{s}");
    keys(&mut app, "4G");
    let last = app.ws.plan.stages.len() - 1;
    let joining = &app.stages.gates[last].joining;
    assert!(
        joining.iter().any(|j| j.ends_with("(not needed)")),
        "{joining:?}"
    );
}
