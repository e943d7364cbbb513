//! Key bindings as data: context -> key -> action, with the description the help overlay prints.
//!
//! The defaults are embedded from `assets/keymap.toml`; a user's `[keys]` table is merged over them (a user
//! binding replaces the default binding of the same key in the same context; `run = "none"` removes it).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

/// The embedded default key bindings.
pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// Where a binding applies. Bindings of the focused view are tried first, then `List`, then `Global`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Context {
    /// Everywhere.
    Global,
    /// Any list or tree.
    List,
    /// The access paths view.
    Paths,
    /// The stage wizard.
    Stages,
    /// The findings view.
    Findings,
    /// The trust graph view.
    Graph,
    /// The inventory browser.
    Inventory,
    /// The waivers view.
    Waivers,
}

impl Context {
    /// Every context, in the order the help overlay shows them.
    pub const ALL: [Context; 8] = [
        Context::Global,
        Context::List,
        Context::Paths,
        Context::Stages,
        Context::Findings,
        Context::Graph,
        Context::Inventory,
        Context::Waivers,
    ];

    /// The heading used in the help overlay and the README.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::List => "Lists and trees",
            Context::Paths => "Access paths",
            Context::Stages => "Stage wizard",
            Context::Findings => "Findings",
            Context::Graph => "Trust graph",
            Context::Inventory => "Inventory browser",
            Context::Waivers => "Waivers",
        }
    }
}

/// Everything a key can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Quit, asking first when there are unsaved changes.
    Quit,
    /// Quit at once; the autosave keeps the working plan.
    ForceQuit,
    /// Toggle the help overlay.
    Help,
    /// Show the overview.
    ViewOverview,
    /// Show the trust graph.
    ViewGraph,
    /// Show the access paths.
    ViewPaths,
    /// Show the stage wizard.
    ViewStages,
    /// Show the findings.
    ViewFindings,
    /// Show the inventory browser.
    ViewInventory,
    /// Show the waivers.
    ViewWaivers,
    /// Next view.
    NextView,
    /// Previous view.
    PrevView,
    /// Save the plan.
    Save,
    /// Undo the last planning change.
    Undo,
    /// Redo.
    Redo,
    /// Open the export menu.
    Export,
    /// Preview the plan file.
    Preview,
    /// Save the plan under another name.
    SaveAs,
    /// Read the inventory and the plan again from disk.
    Reload,
    /// Show what changed in the inventory since the plan was made.
    Changes,
    /// Selection up.
    Up,
    /// Selection down.
    Down,
    /// One page up.
    PageUp,
    /// One page down.
    PageDown,
    /// First row.
    Top,
    /// Last row.
    Bottom,
    /// Collapse, or previous item.
    Left,
    /// Expand, or next item.
    Right,
    /// Focus the next pane.
    NextPane,
    /// Focus the previous pane.
    PrevPane,
    /// Drill in.
    Enter,
    /// Back out.
    Back,
    /// Next mode for the selected path.
    CycleMode,
    /// Previous mode for the selected path.
    CycleModeBack,
    /// The recommended mode for the selected path.
    UseRecommended,
    /// Leave what blocks the chosen mode of the selected path out of it, as exceptions.
    ExceptBlockers,
    /// Remove the exceptions of the selected path.
    ClearExceptions,
    /// List the findings about the selected path.
    PathFindings,
    /// Toggle client policy / mstsc switch.
    ToggleEnforcement,
    /// Move the selected item to the next stage.
    StageLater,
    /// Move the selected item to the previous stage.
    StageEarlier,
    /// Add a stage.
    AddStage,
    /// Remove a stage.
    RemoveStage,
    /// Move a stage earlier.
    MoveStageUp,
    /// Move a stage later.
    MoveStageDown,
    /// Remove a member from its stage.
    RemoveMember,
    /// Edit the stage's description.
    Describe,
    /// Edit the filter or search text.
    Filter,
    /// Cycle the severity filter.
    CycleSeverity,
    /// Waive the selected finding.
    Waive,
    /// Remove the waiver of the selected finding.
    Unwaive,
    /// Unbinds a default key (only in user configuration).
    None,
}

/// A key with its modifiers (Shift is folded into the character for printable keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// The key.
    pub code: KeyCodeOrd,
    /// Control held.
    pub ctrl: bool,
    /// Alt held.
    pub alt: bool,
}

/// The keys guardplan can bind (an ordered subset of crossterm's `KeyCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    /// A printable character.
    Char(char),
    /// A function key.
    F(u8),
    /// Enter.
    Enter,
    /// Escape.
    Esc,
    /// Tab.
    Tab,
    /// Shift+Tab.
    BackTab,
    /// Backspace.
    Backspace,
    /// Delete.
    Delete,
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Arrow left.
    Left,
    /// Arrow right.
    Right,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// Home.
    Home,
    /// End.
    End,
}

const NAMED: &[(&str, KeyCodeOrd)] = &[
    ("enter", KeyCodeOrd::Enter),
    ("esc", KeyCodeOrd::Esc),
    ("tab", KeyCodeOrd::Tab),
    ("backtab", KeyCodeOrd::BackTab),
    ("backspace", KeyCodeOrd::Backspace),
    ("delete", KeyCodeOrd::Delete),
    ("up", KeyCodeOrd::Up),
    ("down", KeyCodeOrd::Down),
    ("left", KeyCodeOrd::Left),
    ("right", KeyCodeOrd::Right),
    ("pageup", KeyCodeOrd::PageUp),
    ("pagedown", KeyCodeOrd::PageDown),
    ("home", KeyCodeOrd::Home),
    ("end", KeyCodeOrd::End),
    ("space", KeyCodeOrd::Char(' ')),
];

impl Key {
    /// The binding a terminal key event stands for, if it is one guardplan can bind.
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => KeyCodeOrd::BackTab,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            _ => return None,
        };
        Some(Key {
            code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        })
    }
}

impl FromStr for Key {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut key = Key {
            code: KeyCodeOrd::Esc,
            ctrl: false,
            alt: false,
        };
        let mut rest = s;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-").filter(|r| !r.is_empty()) {
                key.ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-").filter(|r| !r.is_empty()) {
                key.alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        key.code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCodeOrd::Char(c),
            _ => {
                let lower = rest.to_ascii_lowercase();
                if let Some((_, k)) = NAMED.iter().find(|(n, _)| *n == lower) {
                    *k
                } else if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    KeyCodeOrd::F(n)
                } else {
                    return Err(format!(
                        "unknown key `{s}`: use a character, ctrl-/alt- with a key, f1..f12, or one of {}",
                        NAMED.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                    ));
                }
            }
        };
        Ok(key)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "f{n}"),
            other => {
                let name = NAMED
                    .iter()
                    .find(|(_, k)| *k == other)
                    .map_or("?", |(n, _)| n);
                f.write_str(name)
            }
        }
    }
}

/// One binding as written in a keymap file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBinding {
    /// The key, e.g. `q`, `ctrl-r`, `pagedown`.
    pub on: String,
    /// The action, e.g. `cycle-mode`.
    pub run: Action,
    /// What it does, for the help overlay.
    #[serde(default)]
    pub desc: String,
}

/// A keymap file: one list of bindings per context.
pub type RawKeymap = BTreeMap<Context, Vec<RawBinding>>;

/// A resolved binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The key.
    pub key: Key,
    /// What it runs.
    pub action: Action,
    /// What it does.
    pub desc: String,
}

/// Every binding, per context, in the order written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keymap {
    contexts: BTreeMap<Context, Vec<Binding>>,
}

impl Keymap {
    /// The embedded defaults.
    pub fn default_keymap() -> Keymap {
        // The embedded file is checked by the tests; an empty keymap still leaves Ctrl-C working.
        let raw: RawKeymap = toml::from_str(DEFAULT_KEYMAP).unwrap_or_default();
        let mut km = Keymap::default();
        // Errors are impossible for the embedded file (tested); ignore them rather than refuse to start.
        let _ = km.merge(&raw);
        km
    }

    /// Merges bindings over this keymap: a binding replaces any binding of the same key in its context.
    pub fn merge(&mut self, raw: &RawKeymap) -> Result<(), String> {
        for (ctx, bindings) in raw {
            for b in bindings {
                let key: Key =
                    b.on.parse()
                        .map_err(|e| format!("[keys.{ctx:?}]: {e}").to_lowercase())?;
                let list = self.contexts.entry(*ctx).or_default();
                if let Some(pos) = list.iter().position(|x| x.key == key) {
                    if b.run == Action::None {
                        list.remove(pos);
                    } else {
                        list[pos] = Binding {
                            key,
                            action: b.run,
                            desc: b.desc.clone(),
                        };
                    }
                } else if b.run != Action::None {
                    list.push(Binding {
                        key,
                        action: b.run,
                        desc: b.desc.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The action bound to a key, trying the contexts in order.
    pub fn lookup(&self, contexts: &[Context], key: Key) -> Option<Action> {
        contexts.iter().find_map(|c| {
            self.contexts
                .get(c)?
                .iter()
                .find(|b| b.key == key)
                .map(|b| b.action)
        })
    }

    /// The bindings of a context.
    pub fn bindings(&self, ctx: Context) -> &[Binding] {
        self.contexts.get(&ctx).map_or(&[], Vec::as_slice)
    }

    /// Keys of one action in a context, joined with `/` (`j/down`), for hints.
    pub fn keys_for(&self, ctx: Context, action: Action) -> String {
        self.bindings(ctx)
            .iter()
            .filter(|b| b.action == action)
            .map(|b| b.key.to_string())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Help rows of a context: keys of one description joined (`k/up`), in the order first written.
    pub fn help_rows(&self, ctx: Context) -> Vec<(String, String)> {
        let mut rows: Vec<(String, String)> = Vec::new();
        for b in self.bindings(ctx) {
            let key = b.key.to_string();
            match rows.iter_mut().find(|(_, d)| *d == b.desc) {
                Some((keys, _)) => {
                    keys.push_str(", ");
                    keys.push_str(&key);
                }
                None => rows.push((key, b.desc.clone())),
            }
        }
        rows
    }

    /// The key table as Markdown (the README's "Keys" section is this text).
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        for ctx in Context::ALL {
            let rows = self.help_rows(ctx);
            if rows.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "**{}**\n\n| Key | Action |\n|---|---|\n",
                ctx.title()
            ));
            for (keys, desc) in rows {
                let keys = keys
                    .split(", ")
                    .map(|k| format!("`{}`", k.replace('|', "\\|")))
                    .collect::<Vec<_>>()
                    .join(" ");
                out.push_str(&format!("| {keys} | {desc} |\n"));
            }
            out.push('\n');
        }
        out
    }
}
