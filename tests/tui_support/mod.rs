//! Shared helpers of the planner's tests: apps over the sample or a generated estate, keys, and drawing.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use guardplan::plan::Workspace;
use guardplan::plan::io;
use guardplan::tui::app::{App, Files};
use guardplan::tui::autosave::Autosave;
use guardplan::tui::config::Config;
use guardplan::tui::event::Msg;
use guardplan::tui::keymap::Keymap;
use guardplan::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The day the planner's tests judge waivers against (the tests' one day, also used by `plan_common`; this
/// file is shared with the benchmarks, which have no `plan_common`).
pub const TODAY: time::Date = time::macros::date!(2026 - 06 - 01);

/// Default keys, coloured theme (independent of the environment).
pub fn config(theme: Theme) -> Config {
    Config {
        keymap: Keymap::default_keymap(),
        theme,
    }
}

/// An app over an inventory, with an optional plan file and autosave directory.
pub fn app_for(
    inv: guardplan::inventory::Inventory,
    plan: Option<&Path>,
    data: Option<&Path>,
) -> App {
    let (p, stamp) = match plan.filter(|p| p.exists()).map(io::load) {
        Some(Ok((p, s))) => (Some(p), Some(s)),
        _ => (None, None),
    };
    let ws = Workspace::new(inv, p, TODAY);
    let files = Files {
        inventory: None,
        plan: plan.map(Path::to_path_buf),
        plan_on_disk: stamp,
        baseline: ws.plan.clone(),
        autosave: data.map(|d| {
            Autosave::new(
                d,
                "inventory",
                &plan.map_or(String::new(), |p| p.display().to_string()),
            )
        }),
    };
    let mut app = App::new(ws, config(Theme::default()), files);
    app.settle();
    app
}

/// An app over the embedded sample, no files.
pub fn sample_app() -> App {
    app_for(
        guardplan::inventory::load_sample().expect("the sample loads"),
        None,
        None,
    )
}

/// Sends keys: each char is a key; `<name>` sends a named key (`<tab>`, `<enter>`, `<esc>`, `<c-r>`). The work
/// a key starts off the key path is waited for before the next key, as a user who watches the screen would.
pub fn keys(app: &mut App, seq: &str) {
    keys_with(app, seq, true);
}

/// [`keys`] without waiting for the work keys start: a user typing on while it runs.
pub fn keys_unsettled(app: &mut App, seq: &str) {
    keys_with(app, seq, false);
}

fn keys_with(app: &mut App, seq: &str, settle: bool) {
    let mut rest = seq;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
        {
            let name = &rest[1..end];
            rest = &rest[end + 1..];
            let (code, mods) = match name {
                "tab" => (KeyCode::Tab, KeyModifiers::NONE),
                "backtab" => (KeyCode::BackTab, KeyModifiers::SHIFT),
                "enter" => (KeyCode::Enter, KeyModifiers::NONE),
                "esc" => (KeyCode::Esc, KeyModifiers::NONE),
                "down" => (KeyCode::Down, KeyModifiers::NONE),
                "up" => (KeyCode::Up, KeyModifiers::NONE),
                "bs" => (KeyCode::Backspace, KeyModifiers::NONE),
                "c-r" => (KeyCode::Char('r'), KeyModifiers::CONTROL),
                "c-c" => (KeyCode::Char('c'), KeyModifiers::CONTROL),
                "c-u" => (KeyCode::Char('u'), KeyModifiers::CONTROL),
                "lt" => (KeyCode::Char('<'), KeyModifiers::NONE),
                "gt" => (KeyCode::Char('>'), KeyModifiers::NONE),
                other => panic!("unknown key name {other}"),
            };
            app.update(Msg::Key(KeyEvent::new(code, mods)));
            if settle {
                app.settle();
            }
        } else {
            rest = &rest[c.len_utf8()..];
            let mods = if c.is_ascii_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            app.update(Msg::Key(KeyEvent::new(KeyCode::Char(c), mods)));
            if settle {
                app.settle();
            }
        }
    }
}

/// Draws the app on a test terminal of the given size.
pub fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    app.update(Msg::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| f.render_widget(&*app, f.area())).expect("draw");
    t
}

/// The screen as text.
pub fn screen(app: &mut App, w: u16, h: u16) -> String {
    draw(app, w, h).backend().to_string()
}

/// The screen as text, each row followed by a row of its styles: a colour's letter where a cell has a
/// foreground colour (`R`ed, `G`reen, `Y`ellow, `B`lue, `M`agenta, `C`yan, `W`hite, blac`K`, `D`ark grey,
/// `g`rey), else `b` bold, `u` underlined, `x` crossed out, `r` reversed, or a space.
pub fn styled_screen(app: &mut App, w: u16, h: u16) -> String {
    use ratatui::style::{Color, Modifier};
    let t = draw(app, w, h);
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut text = String::new();
        let mut style = String::new();
        for x in 0..buf.area.width {
            let cell = &buf[(x, y)];
            text.push_str(cell.symbol());
            let m = cell.modifier;
            style.push(match cell.fg {
                Color::Red => 'R',
                Color::Green => 'G',
                Color::Yellow => 'Y',
                Color::Blue => 'B',
                Color::Magenta => 'M',
                Color::Cyan => 'C',
                Color::White => 'W',
                Color::Black => 'K',
                Color::DarkGray => 'D',
                Color::Gray => 'g',
                Color::Reset if m.contains(Modifier::BOLD) => 'b',
                Color::Reset if m.contains(Modifier::UNDERLINED) => 'u',
                Color::Reset if m.contains(Modifier::CROSSED_OUT) => 'x',
                Color::Reset if m.contains(Modifier::REVERSED) => 'r',
                Color::Reset => ' ',
                _ => '*',
            });
        }
        out.push_str(&format!("{}\n{}\n", text.trim_end(), style.trim_end()));
    }
    out
}

/// A generated estate: one domain, `hosts` hosts (2% admin workstations, the rest servers in 100 tags),
/// 50 users in 10 groups, 100 access paths.
pub fn big_inventory_toml(hosts: usize) -> String {
    let mut s = String::from(
        "version = 1\ndescription = \"generated\"\n\n[[domain]]\ndns = \"corp.example.com\"\nnetbios = \"CORP\"\nfunctional_level = \"2016\"\n\n",
    );
    for g in 0..10 {
        s.push_str(&format!("[[group]]\nname = \"Admins{g}\"\ndomain = \"corp.example.com\"\nroles = [\"admin\"]\n\n"));
    }
    for u in 0..50 {
        s.push_str(&format!("[[user]]\nname = \"admin{u}\"\ndomain = \"corp.example.com\"\nmember_of = [\"Admins{}\"]\n\n", u % 10));
    }
    for h in 0..hosts {
        if h % 50 == 0 {
            s.push_str(&format!("[[host]]\nname = \"PAW{h:06}\"\ndomain = \"corp.example.com\"\njoin = \"ad\"\nos = \"windows-11\"\nbuild = 22631\nroles = [\"paw\"]\n\n"));
        } else {
            s.push_str(&format!("[[host]]\nname = \"SRV{h:06}\"\ndomain = \"corp.example.com\"\njoin = \"ad\"\nos = \"server-2022\"\nroles = [\"server\"]\ntags = [\"app{}\"]\nadministrators = [\"Admins{}\"]\n\n", (h / 2) % 100, h % 10));
        }
    }
    for p in 0..100 {
        s.push_str(&format!("[[path]]\nname = \"app{p}-admin\"\npurpose = \"admin\"\nwho = [\"group:Admins{}\"]\nfrom = [\"role:paw\"]\nto = [\"tag:app{p}\"]\n\n", p % 10));
    }
    s
}

/// The generated estate, loaded.
pub fn big_inventory(hosts: usize) -> guardplan::inventory::Inventory {
    guardplan::inventory::load_str("generated.toml", &big_inventory_toml(hosts))
        .expect("the generated estate loads")
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

/// `dir/name`.
pub fn file(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

/// A saved plan file, parsed.
pub fn saved_plan(path: &Path) -> guardplan::plan::Plan {
    io::load(path).expect("the plan was saved and parses").0
}

/// The mode a plan decides for a path.
pub fn decided(plan: &guardplan::plan::Plan, path: &str) -> Option<guardplan::finding::Mode> {
    plan.decisions
        .iter()
        .find(|d| d.path == path)
        .map(|d| d.mode)
}

/// An app over the sample with a plan file (no autosave).
pub fn sample_with_plan(plan: &Path) -> App {
    app_for(
        guardplan::inventory::load_sample().expect("the sample loads"),
        Some(plan),
        None,
    )
}
