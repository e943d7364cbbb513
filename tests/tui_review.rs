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
        baseline: guardplan::plan::io::render(&ws.plan),
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
