//! The theme: one struct of styles. `NO_COLOR` gives a monochrome theme that keeps every meaning readable
//! through symbols and text attributes.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::finding::{Severity, Verdict};

/// Every style the planner draws with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    /// The title bar.
    pub header: Style,
    /// The active tab.
    pub tab_active: Style,
    /// Inactive tabs.
    pub tab: Style,
    /// Block borders of the focused pane.
    pub border_focus: Style,
    /// Block borders of other panes.
    pub border: Style,
    /// The selected row.
    pub selected: Style,
    /// Secondary text.
    pub dim: Style,
    /// Headings inside panes.
    pub heading: Style,
    /// The status line.
    pub status: Style,
    /// An error in the status line.
    pub error: Style,
    /// Keys in hints and help.
    pub key: Style,
    /// Verdict `ok`.
    pub ok: Style,
    /// Verdict or severity `info`.
    pub info: Style,
    /// Verdict or severity `warn`.
    pub warn: Style,
    /// Verdict or severity `action`.
    pub action: Style,
    /// Verdict or severity `block`.
    pub block: Style,
    /// The chosen mode.
    pub chosen: Style,
    /// A waived finding.
    pub waived: Style,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            header: Style::new().fg(Color::Black).bg(Color::Cyan),
            tab_active: Style::new()
                .fg(Color::Black)
                .bg(Color::White)
                .add_modifier(Modifier::BOLD),
            tab: Style::new().fg(Color::Gray),
            border_focus: Style::new().fg(Color::Cyan),
            border: Style::new().fg(Color::DarkGray),
            selected: Style::new()
                .fg(Color::White)
                .bg(Color::DarkGray)
                .add_modifier(Modifier::BOLD),
            dim: Style::new().fg(Color::DarkGray),
            heading: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            status: Style::new().fg(Color::White),
            error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            key: Style::new().fg(Color::Yellow),
            ok: Style::new().fg(Color::Green),
            info: Style::new().fg(Color::Blue),
            warn: Style::new().fg(Color::Yellow),
            action: Style::new().fg(Color::Magenta),
            block: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            chosen: Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD),
            waived: Style::new()
                .fg(Color::DarkGray)
                .add_modifier(Modifier::CROSSED_OUT),
        }
    }
}

impl Theme {
    /// No colours at all, for `NO_COLOR`: meaning is carried by symbols, words and attributes.
    pub fn monochrome() -> Theme {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        Theme {
            header: Style::new().add_modifier(Modifier::REVERSED),
            tab_active: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            tab: Style::new(),
            border_focus: bold,
            border: Style::new(),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            dim: Style::new(),
            heading: bold,
            status: Style::new(),
            error: bold,
            key: bold,
            ok: Style::new(),
            info: Style::new(),
            warn: Style::new(),
            action: Style::new(),
            block: bold,
            chosen: Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD),
            waived: Style::new().add_modifier(Modifier::CROSSED_OUT),
        }
    }

    /// The default theme, or the monochrome one when `NO_COLOR` is set to a non-empty value.
    pub fn from_env() -> Theme {
        if no_color() {
            Theme::monochrome()
        } else {
            Theme::default()
        }
    }

    /// Style of a verdict.
    pub fn verdict(&self, v: Verdict) -> Style {
        match v {
            Verdict::Ok => self.ok,
            Verdict::Info => self.info,
            Verdict::Warn => self.warn,
            Verdict::Action => self.action,
            Verdict::Block => self.block,
        }
    }

    /// Style of a severity.
    pub fn severity(&self, s: Severity) -> Style {
        self.verdict(Verdict::of(s))
    }

    /// Applies the `[theme]` table of a configuration file. Unknown names are errors.
    pub fn apply(&mut self, raw: &RawTheme) -> Result<(), String> {
        for (name, spec) in raw {
            let slot = match name.as_str() {
                "header" => &mut self.header,
                "tab-active" => &mut self.tab_active,
                "tab" => &mut self.tab,
                "border-focus" => &mut self.border_focus,
                "border" => &mut self.border,
                "selected" => &mut self.selected,
                "dim" => &mut self.dim,
                "heading" => &mut self.heading,
                "status" => &mut self.status,
                "error" => &mut self.error,
                "key" => &mut self.key,
                "ok" => &mut self.ok,
                "info" => &mut self.info,
                "warn" => &mut self.warn,
                "action" => &mut self.action,
                "block" => &mut self.block,
                "chosen" => &mut self.chosen,
                "waived" => &mut self.waived,
                _ => {
                    return Err(format!(
                        "[theme]: unknown style `{name}`: use header, tab-active, tab, border-focus, border, \
                         selected, dim, heading, status, error, key, ok, info, warn, action, block, chosen or waived"
                    ));
                }
            };
            *slot = spec.style().map_err(|e| format!("[theme.{name}]: {e}"))?;
        }
        Ok(())
    }
}

/// Whether `NO_COLOR` asks for no colours (<https://no-color.org>: set and not empty).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The `[theme]` table: style name -> spec.
pub type RawTheme = std::collections::BTreeMap<String, StyleSpec>;

/// One style as written: colours by name (`red`, `light-blue`, `#ff8800`, `238`) and attributes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StyleSpec {
    /// Foreground.
    pub fg: Option<String>,
    /// Background.
    pub bg: Option<String>,
    /// Attributes: bold, dim, italic, underlined, reversed, crossed-out.
    #[serde(default)]
    pub modifiers: Vec<String>,
}

impl StyleSpec {
    fn style(&self) -> Result<Style, String> {
        let color = |s: &str| {
            s.parse::<Color>()
                .map_err(|_| format!("unknown colour `{s}`"))
        };
        let mut style = Style::new();
        if let Some(fg) = &self.fg {
            style = style.fg(color(fg)?);
        }
        if let Some(bg) = &self.bg {
            style = style.bg(color(bg)?);
        }
        for m in &self.modifiers {
            style = style.add_modifier(match m.as_str() {
                "bold" => Modifier::BOLD,
                "dim" => Modifier::DIM,
                "italic" => Modifier::ITALIC,
                "underlined" => Modifier::UNDERLINED,
                "reversed" => Modifier::REVERSED,
                "crossed-out" => Modifier::CROSSED_OUT,
                _ => {
                    return Err(format!(
                        "unknown attribute `{m}`: use bold, dim, italic, underlined, reversed or crossed-out"
                    ));
                }
            });
        }
        Ok(style)
    }
}
