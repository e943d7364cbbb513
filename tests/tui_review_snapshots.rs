//! The planner's review screens drawn on a test terminal: the waivers and exceptions view, the inventory
//! changes of a stale plan, the reload question and the stage description form, each at 80x24 and 200x50, coloured and with
//! `NO_COLOR` (the monochrome theme). Each snapshot holds the text and, below every row, its styles.

use crate::tui_support;

use guardplan::plan::{Plan, Waiver, Workspace};
use guardplan::tui::app::{App, Files};
use guardplan::tui::theme::Theme;
use tui_support::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

/// Snapshots the screen `setup` leads to, at both sizes and in both themes.
fn snapshot_all(name: &str, setup: impl Fn(Theme) -> App) {
    for (theme_name, theme) in [
        ("colour", Theme::default()),
        ("no_color", Theme::monochrome()),
    ] {
        for (w, h) in SIZES {
            let mut app = setup(theme.clone());
            let s = styled_screen(&mut app, w, h);
            insta::assert_snapshot!(format!("{name}_{theme_name}_{w}x{h}"), s);
        }
    }
}

/// The sample with its starting plan, a waiver that has expired and one that has not.
fn with_waivers(theme: Theme) -> App {
    let inv = guardplan::inventory::load_sample().expect("sample");
    let waiver = |scope: &str, expires: &str, reason: &str| Waiver {
        code: "PU-NTLM".into(),
        scope: scope.into(),
        reason: reason.into(),
        expires: Some(expires.parse().expect("date")),
    };
    let plan = Plan {
        waivers: vec![
            waiver(
                "path:plant-floor",
                "2026-01-31",
                "line controllers replaced in January",
            ),
            waiver(
                "path:plant-floor",
                "2099-12-31",
                "no domain controller reachable from the floor",
            ),
        ],
        ..sample_app().ws.plan
    };
    let ws = Workspace::new(inv, Some(plan), TODAY);
    let files = Files {
        baseline: ws.plan.clone(),
        ..Files::default()
    };
    App::new(ws, config(theme), files)
}

#[test]
fn waivers_view() {
    snapshot_all("waivers", |theme| {
        let mut app = with_waivers(theme);
        keys(&mut app, "7");
        app
    });
}

#[test]
fn waivers_view_on_an_exception() {
    // Rows: the waivers' heading, two waivers, the exceptions' heading, then the exceptions.
    snapshot_all("waivers_exception", |theme| {
        let mut app = with_waivers(theme);
        keys(&mut app, "7jjj");
        app
    });
}

#[test]
fn inventory_changes_of_a_stale_plan() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let plan = file(&dir, "rollout.plan.toml");
    let inv = guardplan::inventory::load_sample().expect("sample");
    let mut first = app_for(inv.clone(), Some(&plan), Some(&data));
    keys(&mut first, "s");
    drop(first);
    snapshot_all("changes", |theme| {
        let mut changed = inv.clone();
        changed.hosts[0].laps = !changed.hosts[0].laps;
        changed.hosts[3].dc_line_of_sight = !changed.hosts[3].dc_line_of_sight;
        let mut app = app_for(changed, Some(&plan), Some(&data));
        app.config.theme = theme;
        // The file names are temporary: the header shows the marks, not them.
        app.files.plan = None;
        keys(&mut app, "c");
        app
    });
}

#[test]
fn reload_question() {
    snapshot_all("reload", |theme| {
        let mut app = sample_app();
        app.config.theme = theme;
        keys(&mut app, "3mR");
        app
    });
}

#[test]
fn stage_description_form() {
    snapshot_all("describe", |theme| {
        let mut app = sample_app();
        app.config.theme = theme;
        keys(&mut app, "4jjD");
        app
    });
}
