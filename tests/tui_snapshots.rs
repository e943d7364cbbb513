//! Every view of the planner drawn on a test terminal, over the embedded sample: coloured, monochrome
//! (`NO_COLOR`) and small.

use crate::tui_support;

use guardplan::tui::app::View;
use guardplan::tui::event::Msg;
use guardplan::tui::theme::Theme;
use ratatui::style::Color;
use tui_support::*;

fn view_screen(view: View, w: u16, h: u16) -> String {
    let mut app = sample_app();
    app.view = view;
    screen(&mut app, w, h)
}

#[test]
fn overview() {
    insta::assert_snapshot!(view_screen(View::Overview, 110, 30));
}

#[test]
fn the_overview_table_of_modes_fits_a_100_column_terminal() {
    let s = view_screen(View::Overview, 100, 30);
    // The last column, how many paths chose the mode, stays on the mode's own row.
    assert_eq!(mode_row(&s, "prefer-remote-guard").len(), 7, "{s}");
    assert!(s.contains("chosen"), "{s}");
}

/// The cells of the overview's row of a mode: its name and its counts.
fn mode_row(screen: &str, name: &str) -> Vec<String> {
    screen
        .lines()
        .map(|l| l.split('│').nth(1).unwrap_or("").split_whitespace())
        .map(|cells| cells.map(str::to_string).collect::<Vec<_>>())
        .find(|cells| cells.first().map(String::as_str) == Some(name))
        .unwrap_or_else(|| panic!("a row for {name}:\n{screen}"))
}

#[test]
fn the_overview_table_of_modes_fits_an_80_column_terminal() {
    let s = view_screen(View::Overview, 80, 24);
    // Each mode's row holds its name and its six counts: nothing falls to the next line.
    for name in ["standard", "rcg", "ra", "prefer-rcg"] {
        assert_eq!(mode_row(&s, name).len(), 7, "{s}");
    }
    assert!(s.contains("rcg remote-guard, ra restricted-admin"), "{s}");
}

/// Every view at 80x24, the size of a default terminal: its tables keep each row on one line under its
/// headings (narrower columns, abbreviations), its detail below.
#[test]
fn every_view_at_80x24() {
    for (name, keys_) in [
        ("overview", "1"),
        ("trust_graph", "2jj"),
        ("access_paths", "3jjjjjjj"),
        ("stages", "4jj"),
        ("findings", "5jj"),
        ("inventory", "6jlj"),
        ("waivers", "7"),
    ] {
        let mut app = sample_app();
        keys(&mut app, keys_);
        insta::assert_snapshot!(format!("80x24_{name}"), screen(&mut app, 80, 24));
    }
}

#[test]
fn trust_graph() {
    let mut app = sample_app();
    // Users of the second forest signing in to the first.
    keys(&mut app, "2jj");
    insta::assert_snapshot!(screen(&mut app, 110, 30));
}

#[test]
fn access_paths() {
    insta::assert_snapshot!(view_screen(View::Paths, 110, 30));
}

#[test]
fn stages() {
    let mut app = sample_app();
    // The third stage, enable-targets (after remediation): its members, its gate and the actions it generates.
    keys(&mut app, "4jj");
    let text = screen(&mut app, 110, 30);
    assert!(text.contains("Members of enable-targets"), "{text}");
    assert!(
        !text.contains("(none)"),
        "a stage with members and actions:\n{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn findings() {
    let mut app = sample_app();
    keys(&mut app, "5jj");
    insta::assert_snapshot!(screen(&mut app, 110, 30));
}

#[test]
fn inventory() {
    let mut app = sample_app();
    // The first host of the first domain: the facts the rules read about it.
    keys(&mut app, "6jlj");
    let text = screen(&mut app, 110, 30);
    assert!(text.contains("PAW-T0-01"), "{text}");
    assert!(text.contains("windows-11"), "the host's facts:\n{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn help_overlay() {
    let mut app = sample_app();
    keys(&mut app, "3?");
    insta::assert_snapshot!(screen(&mut app, 110, 40));
}

#[test]
fn quit_prompt() {
    let mut app = sample_app();
    keys(&mut app, "3mq");
    insta::assert_snapshot!(screen(&mut app, 80, 24));
}

#[test]
fn access_paths_at_the_minimum_size() {
    insta::assert_snapshot!(view_screen(View::Paths, 60, 14));
}

#[test]
fn too_small_says_so() {
    insta::assert_snapshot!(view_screen(View::Paths, 40, 10));
}

#[test]
fn no_color_draws_no_colour_and_keeps_the_symbols() {
    let mut app = sample_app();
    app.config.theme = Theme::monochrome();
    for view in View::ALL {
        app.view = view;
        let t = draw(&mut app, 110, 30);
        let buf = t.backend().buffer();
        for cell in buf.content() {
            assert_eq!(cell.fg, Color::Reset, "{view:?} uses a foreground colour");
            assert_eq!(cell.bg, Color::Reset, "{view:?} uses a background colour");
        }
    }
    app.view = View::Paths;
    let mono = styled_screen(&mut app, 110, 30);
    app.config.theme = Theme::default();
    assert_ne!(
        mono,
        styled_screen(&mut app, 110, 30),
        "NO_COLOR draws like the coloured theme"
    );
    insta::assert_snapshot!(mono);
}

/// The foreground colour of the symbol before each `WORD` (as in `✗ block`) on the screen, by word.
fn verdict_colours(app: &mut guardplan::tui::App, words: &[&str]) -> Vec<(String, Color)> {
    let t = draw(app, 110, 30);
    let buf = t.backend().buffer();
    let mut found = Vec::new();
    for y in 0..buf.area.height {
        let cells: Vec<_> = (0..buf.area.width).map(|x| &buf[(x, y)]).collect();
        let row: Vec<&str> = cells.iter().map(|c| c.symbol()).collect();
        for (x, _) in row.iter().enumerate() {
            for word in words {
                let matches = word
                    .chars()
                    .enumerate()
                    .all(|(i, ch)| row.get(x + 2 + i) == Some(&ch.to_string().as_str()));
                if matches && row.get(x + 1) == Some(&" ") && row[x] != " " {
                    found.push((word.to_string(), cells[x].fg));
                }
            }
        }
    }
    found
}

#[test]
fn the_coloured_theme_colours_verdicts() {
    let mut app = sample_app();
    app.view = View::Paths;
    let theme = Theme::default();
    let words = ["block", "action", "warn", "info"];
    let found = verdict_colours(&mut app, &words);
    for (word, style) in [
        ("block", theme.block),
        ("action", theme.action),
        ("warn", theme.warn),
        ("info", theme.info),
    ] {
        let colours: Vec<Color> = found
            .iter()
            .filter(|(w, _)| w == word)
            .map(|(_, c)| *c)
            .collect();
        assert!(!colours.is_empty(), "no `{word}` verdict on the screen");
        for c in colours {
            assert_eq!(Some(c), style.fg, "a `{word}` verdict drawn in {c:?}");
        }
    }
    insta::assert_snapshot!(styled_screen(&mut app, 110, 30));
}

#[test]
fn no_size_and_no_view_crashes() {
    let mut app = app_for(big_inventory(300), None, None);
    keys(&mut app, "4atrial<enter>");
    for view in View::ALL {
        app.view = view;
        for (w, h) in [
            (0, 0),
            (1, 1),
            (5, 3),
            (59, 13),
            (60, 14),
            (61, 15),
            (80, 24),
            (200, 60),
            (300, 5),
            (10, 100),
        ] {
            let _ = draw(&mut app, w, h);
            keys(&mut app, "jGkg");
        }
    }
    keys(&mut app, "?");
    for (w, h) in [(60, 14), (20, 50), (250, 80)] {
        let _ = draw(&mut app, w, h);
    }
    app.update(Msg::Resize(0, 0));
}

#[test]
fn large_estate_renders_only_what_fits() {
    let mut app = app_for(big_inventory(100_000), None, None);
    keys(&mut app, "6j<enter>G");
    let text = screen(&mut app, 120, 30);
    assert!(text.contains("SRV099999"), "{text}");
    keys(&mut app, "3G");
    let text = screen(&mut app, 120, 30);
    assert!(text.contains("app99-admin"));
}
