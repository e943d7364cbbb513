//! Key bindings and theme: embedded defaults, user overrides, errors, and the README's key table.

use crate::tui_support;

use guardplan::tui::app::View;
use guardplan::tui::config::Config;
use guardplan::tui::keymap::{Action, Context, DEFAULT_KEYMAP, Key, Keymap, RawKeymap};
use guardplan::tui::theme::Theme;
use ratatui::style::Color;

fn key(s: &str) -> Key {
    s.parse().expect("a valid key")
}

#[test]
fn the_embedded_keymap_parses_and_binds_the_basics() {
    let raw: Result<RawKeymap, _> = toml::from_str(DEFAULT_KEYMAP);
    assert!(raw.is_ok(), "{raw:?}");
    let km = Keymap::default_keymap();
    let all = [Context::Global];
    assert_eq!(km.lookup(&all, key("q")), Some(Action::Quit));
    assert_eq!(km.lookup(&all, key("?")), Some(Action::Help));
    assert_eq!(km.lookup(&all, key("ctrl-c")), Some(Action::ForceQuit));
    let list = [Context::List];
    for (k, a) in [
        ("j", Action::Down),
        ("down", Action::Down),
        ("k", Action::Up),
        ("tab", Action::NextPane),
        ("enter", Action::Enter),
        ("esc", Action::Back),
    ] {
        assert_eq!(km.lookup(&list, key(k)), Some(a), "{k}");
    }
    assert_eq!(
        km.lookup(&[Context::Paths], key("m")),
        Some(Action::CycleMode)
    );
}

#[test]
fn every_binding_has_a_description() {
    let km = Keymap::default_keymap();
    for ctx in Context::ALL {
        for b in km.bindings(ctx) {
            assert!(!b.desc.is_empty(), "{ctx:?} {}", b.key);
        }
    }
}

#[test]
fn view_keys_come_before_list_and_global_keys() {
    let km = Keymap::default_keymap();
    // `/` filters in the findings view and searches in the inventory; nowhere else.
    assert_eq!(
        km.lookup(
            &[Context::Findings, Context::List, Context::Global],
            key("/")
        ),
        Some(Action::Filter)
    );
    assert_eq!(
        km.lookup(&[Context::Graph, Context::List, Context::Global], key("/")),
        None
    );
}

#[test]
fn user_bindings_replace_add_and_remove() {
    let config = Config::from_toml(
        "config.toml",
        r#"
[[keys.paths]]
on = "m"
run = "toggle-enforcement"
desc = "Switch enforcement"

[[keys.global]]
on = "ctrl-s"
run = "save"
desc = "Save"

[[keys.list]]
on = "j"
run = "none"
"#,
    )
    .expect("valid configuration");
    let km = &config.keymap;
    assert_eq!(
        km.lookup(&[Context::Paths], key("m")),
        Some(Action::ToggleEnforcement)
    );
    assert_eq!(
        km.lookup(&[Context::Global], key("ctrl-s")),
        Some(Action::Save)
    );
    assert_eq!(km.lookup(&[Context::List], key("j")), None);
    assert_eq!(km.lookup(&[Context::List], key("down")), Some(Action::Down));
    // Defaults the file does not mention stay.
    assert_eq!(km.lookup(&[Context::Global], key("s")), Some(Action::Save));
}

#[test]
fn a_user_binding_drives_the_app() {
    let mut app = tui_support::sample_app();
    app.config = Config::from_toml(
        "config.toml",
        "[[keys.global]]\non = \"x\"\nrun = \"view-paths\"\ndesc = \"Paths\"\n",
    )
    .expect("valid");
    tui_support::keys(&mut app, "x");
    assert_eq!(app.view, View::Paths);
}

#[test]
fn bad_configuration_is_reported_with_its_position() {
    let e = Config::from_toml("config.toml", "[[keys.paths]]\non = \"m\"\nrun = \"fly\"\n")
        .expect_err("unknown action");
    assert!(e.starts_with("config.toml:3:"), "{e}");
    let e = Config::from_toml(
        "config.toml",
        "[[keys.paths]]\non = \"hyper-x\"\nrun = \"save\"\n",
    )
    .expect_err("unknown key");
    assert!(e.contains("unknown key `hyper-x`"), "{e}");
    let e = Config::from_toml("config.toml", "[keys.nowhere]\n").expect_err("unknown context");
    assert!(e.starts_with("config.toml:1:"), "{e}");
    let e = Config::from_toml("config.toml", "[theme.sparkle]\nfg = \"red\"\n")
        .expect_err("unknown style");
    assert!(e.contains("unknown style `sparkle`"), "{e}");
    let e = Config::from_toml("config.toml", "[theme.block]\nfg = \"reddish\"\n")
        .expect_err("unknown colour");
    assert!(e.contains("unknown colour `reddish`"), "{e}");
}

#[test]
fn a_missing_configuration_file_gives_the_defaults() {
    let dir = tui_support::tempdir();
    let config = Config::load_from(dir.path()).expect("defaults");
    assert_eq!(config.keymap, Keymap::default_keymap());
}

#[test]
fn a_configuration_file_is_read_from_the_directory() {
    let dir = tui_support::tempdir();
    std::fs::write(
        dir.path().join("config.toml"),
        "[theme.block]\nfg = \"magenta\"\n\n[[keys.paths]]\non = \"M\"\nrun = \"cycle-mode\"\ndesc = \"Mine\"\n",
    )
    .expect("write");
    let config = Config::load_from(dir.path()).expect("valid");
    assert!(
        config
            .keymap
            .help_rows(Context::Paths)
            .contains(&("M".to_string(), "Mine".to_string())),
        "the file's binding is not in the keymap"
    );
    // NO_COLOR wins over the file's colours (<https://no-color.org>).
    if guardplan::tui::theme::no_color() {
        assert_eq!(config.theme, Theme::monochrome());
    } else {
        assert_eq!(config.theme.block.fg, Some(Color::Magenta));
    }
}

#[test]
fn keys_print_as_they_are_written() {
    for s in [
        "q", "G", "?", "ctrl-r", "alt-x", "enter", "backtab", "pagedown", "space", "f5",
    ] {
        assert_eq!(key(s).to_string(), s);
    }
}

fn section<'a>(readme: &'a str, name: &str) -> &'a str {
    let start = format!("<!-- {name}:start -->\n");
    let end = format!("<!-- {name}:end -->");
    let a = readme
        .find(&start)
        .unwrap_or_else(|| panic!("README has no {name} section"))
        + start.len();
    let b = readme[a..]
        .find(&end)
        .unwrap_or_else(|| panic!("README's {name} section is not closed"))
        + a;
    &readme[a..b]
}

/// The README's planner capture and key table, as the code produces them.
fn readme_sections() -> (String, String) {
    let mut app = tui_support::sample_app();
    app.view = View::Paths;
    let screen = tui_support::draw(&mut app, 110, 24)
        .backend()
        .buffer()
        .clone();
    let mut capture = String::from("```text\n");
    for y in 0..screen.area.height {
        let line: String = (0..screen.area.width)
            .map(|x| screen[(x, y)].symbol().to_string())
            .collect();
        capture.push_str(line.trim_end());
        capture.push('\n');
    }
    capture.push_str("```\n");
    (capture, Keymap::default_keymap().markdown())
}

#[test]
fn the_readme_shows_the_current_screen_and_keys() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let (capture, keys) = readme_sections();
    if std::env::var_os("GUARDPLAN_UPDATE_README").is_some() {
        let mut text = readme.clone();
        for (name, body) in [("planner-screen", &capture), ("keys", &keys)] {
            let old = section(&text, name).to_string();
            text = text.replacen(
                &format!("<!-- {name}:start -->\n{old}"),
                &format!("<!-- {name}:start -->\n{body}"),
                1,
            );
        }
        std::fs::write(path, text).expect("write README.md");
        return;
    }
    assert_eq!(
        section(&readme, "planner-screen"),
        capture,
        "run with GUARDPLAN_UPDATE_README=1 to refresh"
    );
    assert_eq!(
        section(&readme, "keys"),
        keys,
        "run with GUARDPLAN_UPDATE_README=1 to refresh"
    );
}
