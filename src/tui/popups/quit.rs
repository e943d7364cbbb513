//! Unsaved changes on quit: save, discard or keep planning.

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
        Line::raw("The plan has unsaved changes."),
        Line::raw(""),
        key_line("s/y", "save and quit", theme),
        key_line("d/n", "discard the changes and quit", theme),
        key_line("Esc/c", "keep planning", theme),
    ];
    dialog(centered(body, 44, 9), buf, "Quit", lines, theme);
}

/// Keys of the question.
pub fn on_key(app: &mut App, k: KeyEvent) -> Option<Overlay> {
    match k.code {
        KeyCode::Char('s') | KeyCode::Char('y') => {
            app.save();
            if !app.dirty() {
                app.finish();
            }
            None
        }
        KeyCode::Char('d') | KeyCode::Char('n') => {
            app.remove_autosave();
            app.quit = true;
            None
        }
        KeyCode::Esc | KeyCode::Char('c') => None,
        _ => Some(Overlay::ConfirmQuit),
    }
}
