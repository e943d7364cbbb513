//! What changed in the inventory since the plan was made: entry by entry (host by host), fact by fact, from the
//! normalized lines the fingerprint is taken of.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{centered, scroll_by, scrolled};
use crate::tui::app::{App, Overlay};
use crate::tui::keymap::Action;

/// The lines of the list.
pub fn lines(app: &App) -> Vec<Line<'static>> {
    let theme = &app.config.theme;
    let Some(st) = &app.stale else {
        return vec![Line::raw(
            "The plan was made for this inventory: nothing changed since it was saved.",
        )];
    };
    let now = crate::plan::io::fingerprint(&app.ws.inventory);
    let mut out = vec![
        Line::raw(format!("Plan made for:  {}", st.was)),
        Line::raw(format!("Inventory now:  {now}")),
        Line::raw(""),
    ];
    match &st.changes {
        None => {
            out.push(Line::raw(
                "That inventory was never opened here, so what changed cannot be listed: the planner keeps",
            ));
            out.push(Line::raw(
                "the facts of every inventory it opens a current plan with, or saves a plan for.",
            ));
            out.push(Line::raw(
                "Compare the two inventory files (guardplan check on each), then save to bind the plan.",
            ));
        }
        Some(changes) => {
            out.push(Line::styled(
                format!(
                    "{} changed (~ changed, + added, - removed)",
                    crate::tui::app::entries(changes.len())
                ),
                theme.heading,
            ));
            out.push(Line::raw(
                "Review the plan against them; saving binds it to this inventory.",
            ));
            for c in changes {
                let mark = match (&c.before, &c.after) {
                    (None, _) => "+",
                    (_, None) => "-",
                    _ => "~",
                };
                out.push(Line::from(vec![
                    Span::styled(format!("{mark} {} ", c.kind), theme.key),
                    Span::raw(c.name.replace('|', " -> ")),
                ]));
                out.extend(
                    c.fields()
                        .into_iter()
                        .map(|f| Line::styled(format!("    {f}"), theme.dim)),
                );
            }
        }
    }
    out
}

/// Draws the list.
pub fn render(app: &App, scroll: usize, body: Rect, buf: &mut Buffer) {
    let area = centered(body, body.width.saturating_sub(4), body.height);
    let lines = lines(app);
    let shown = format!(
        "Inventory changes since the plan ({}/{}; j/k scroll; Esc, q or c closes)",
        (scroll + 1).min(lines.len()),
        lines.len()
    );
    scrolled(area, buf, &shown, lines, scroll, &app.config.theme);
}

/// Keys of the list: Esc, q and c close it; the list keys scroll it.
pub fn on_key(app: &mut App, scroll: usize, k: KeyEvent, nav: Option<Action>) -> Option<Overlay> {
    if matches!(
        k.code,
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('c')
    ) {
        return None;
    }
    let max = lines(app).len().saturating_sub(1);
    Some(Overlay::Changes {
        scroll: scroll_by(scroll, nav, app.page()).min(max),
    })
}
