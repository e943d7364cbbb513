//! Unsaved changes on reload: discard them and reload, or keep planning.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{centered, dialog, key_line};
use crate::tui::app::{App, Overlay};

/// Draws the question.
pub fn render(app: &App, body: Rect, buf: &mut Buffer) {
    let theme = &app.config.theme;
    let lines = vec![
        Line::raw("The plan has unsaved changes; reloading reads"),
        Line::raw("the inventory and the plan file again."),
        Line::raw(""),
        key_line("y/r", "discard the changes and reload", theme),
        key_line("n/Esc", "keep planning (save first with s)", theme),
    ];
    dialog(centered(body, 52, 9), buf, "Reload", lines, theme);
}

/// Keys of the question.
pub fn on_key(app: &mut App, k: KeyEvent) -> Option<Overlay> {
    match k.code {
        KeyCode::Char('y') | KeyCode::Char('r') => {
            app.reload();
            None
        }
        KeyCode::Char('n') | KeyCode::Esc => None,
        _ => Some(Overlay::ConfirmReload),
    }
}
