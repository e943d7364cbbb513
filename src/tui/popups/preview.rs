//! The plan file as it would be saved, scrolled.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{centered, scroll_by, scrolled};
use crate::tui::app::{App, Overlay};
use crate::tui::keymap::Action;

/// Draws the preview.
pub fn render(app: &App, scroll: usize, body: Rect, buf: &mut Buffer) {
    let area = centered(body, body.width.saturating_sub(4), body.height);
    let text = app.plan_text();
    let lines = text.lines().map(|l| Line::raw(l.to_string())).collect();
    scrolled(
        area,
        buf,
        "Plan file preview (j/k scroll; Esc, q or p closes)",
        lines,
        scroll,
        &app.config.theme,
    );
}

/// Keys of the preview: Esc, q, ? and p close it; the list keys scroll it.
pub fn on_key(app: &mut App, scroll: usize, k: KeyEvent, nav: Option<Action>) -> Option<Overlay> {
    if matches!(
        k.code,
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('?') | KeyCode::Char('p')
    ) {
        return None;
    }
    Some(Overlay::Preview {
        scroll: scroll_by(scroll, nav, app.page()),
    })
}
