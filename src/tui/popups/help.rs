//! The key help: every binding from the keymap, the current view's first.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{centered, scroll_by, scrolled};
use crate::tui::app::{App, Overlay};
use crate::tui::keymap::{Action, Context};

/// Draws the help.
pub fn render(app: &App, scroll: usize, body: Rect, buf: &mut Buffer) {
    let area = centered(body, 76, body.height);
    let lines = help_lines(app);
    scrolled(
        area,
        buf,
        "Keys (j/k scroll; Esc, q, ? or F1 closes)",
        lines,
        scroll,
        &app.config.theme,
    );
}

/// Keys of the help: Esc, q, ? and F1 close it; the list keys scroll it.
pub fn on_key(app: &mut App, scroll: usize, k: KeyEvent, nav: Option<Action>) -> Option<Overlay> {
    if matches!(
        k.code,
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('?') | KeyCode::F(1)
    ) {
        return None;
    }
    Some(Overlay::Help {
        scroll: scroll_by(scroll, nav, app.page()),
    })
}

/// The help overlay's lines, generated from the keymap.
pub fn help_lines(app: &App) -> Vec<Line<'static>> {
    let theme = &app.config.theme;
    let mut lines = Vec::new();
    let mut contexts = vec![];
    contexts.extend(app.view.context());
    for c in Context::ALL {
        if !contexts.contains(&c) {
            contexts.push(c);
        }
    }
    for ctx in contexts {
        let rows = app.config.keymap.help_rows(ctx);
        if rows.is_empty() {
            continue;
        }
        lines.push(Line::styled(ctx.title().to_string(), theme.heading));
        for (keys, desc) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<18}"), theme.key),
                Span::raw(desc),
            ]));
        }
        lines.push(Line::raw(""));
    }
    lines
}
