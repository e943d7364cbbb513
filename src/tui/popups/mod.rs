//! The dialogs drawn over a view, one file each: what a dialog shows and the keys it takes. The application
//! routes keys and drawing here; each dialog returns the overlay to show next (`None` closes it).

pub mod changes;
pub mod export;
pub mod form;
pub mod help;
pub mod preview;
pub mod quit;
pub mod recover;
pub mod reload;

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use super::app::{App, Overlay};
use super::keymap::{Action, Context, Key};
use super::theme::Theme;
use super::ui::{inner_rows, pane};

/// Draws the overlay over the body of the screen.
pub fn render(app: &App, overlay: &Overlay, body: Rect, buf: &mut Buffer) {
    match overlay {
        Overlay::Help { scroll } => help::render(app, *scroll, body, buf),
        Overlay::Preview { scroll } => preview::render(app, *scroll, body, buf),
        Overlay::ConfirmQuit => quit::render(app, body, buf),
        Overlay::Recover {
            plan,
            differs,
            changed_on_disk,
            ..
        } => recover::render(app, plan, differs, *changed_on_disk, body, buf),
        Overlay::Export => export::render(app, body, buf),
        Overlay::Form(form) => form::render(app, form, body, buf),
        Overlay::Changes { scroll } => changes::render(app, *scroll, body, buf),
        Overlay::ConfirmReload => reload::render(app, body, buf),
    }
}

/// Handles a key in the overlay; returns the overlay to show next.
pub fn on_key(app: &mut App, overlay: Overlay, k: KeyEvent, key: Key) -> Option<Overlay> {
    let nav = app.config.keymap.lookup(&[Context::List], key);
    match overlay {
        Overlay::Help { scroll } => help::on_key(app, scroll, k, nav),
        Overlay::Preview { scroll } => preview::on_key(app, scroll, k, nav),
        Overlay::ConfirmQuit => quit::on_key(app, k),
        Overlay::Recover {
            plan,
            orphan,
            differs,
            changed_on_disk,
        } => recover::on_key(app, plan, orphan, differs, changed_on_disk, k),
        Overlay::Export => export::on_key(app, k),
        Overlay::Form(form) => form::on_key(app, form, k),
        Overlay::Changes { scroll } => changes::on_key(app, scroll, k, nav),
        Overlay::ConfirmReload => reload::on_key(app, k),
    }
}

/// A rectangle of `w` x `h` centred in `body` (clipped to it).
pub fn centered(body: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(body.width);
    let h = h.min(body.height);
    Rect::new(
        body.x + (body.width - w) / 2,
        body.y + (body.height - h) / 2,
        w,
        h,
    )
}

/// A `key description` line of a dialog.
pub fn key_line<'a>(key: &'a str, desc: impl Into<String>, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(key, theme.key),
        Span::raw(format!(" {}", desc.into())),
    ])
}

/// A bordered dialog of wrapped lines.
pub fn dialog(area: Rect, buf: &mut Buffer, title: &str, lines: Vec<Line<'_>>, theme: &Theme) {
    Clear.render(area, buf);
    Paragraph::new(lines)
        .block(pane(format!(" {title} "), true, theme))
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

/// A bordered dialog of lines scrolled to `scroll`, with the position shown on its border.
pub fn scrolled(
    area: Rect,
    buf: &mut Buffer,
    title: &str,
    lines: Vec<Line<'_>>,
    scroll: usize,
    theme: &Theme,
) {
    Clear.render(area, buf);
    let visible = inner_rows(area);
    let scroll = scroll.min(lines.len().saturating_sub(visible));
    let shown: Vec<Line> = lines.into_iter().skip(scroll).take(visible).collect();
    Paragraph::new(shown)
        .block(pane(format!(" {title} "), true, theme))
        .render(area, buf);
}

/// The new scroll position after a navigation key.
pub fn scroll_by(scroll: usize, nav: Option<Action>, page: usize) -> usize {
    match nav {
        Some(Action::Up) => scroll.saturating_sub(1),
        Some(Action::Down) => scroll + 1,
        Some(Action::PageUp) => scroll.saturating_sub(page),
        Some(Action::PageDown) => scroll + page,
        Some(Action::Top) => 0,
        _ => scroll,
    }
}
