//! An autosaved plan found at start: recover it, discard it or decide later.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{centered, dialog, key_line};
use crate::plan::Plan;
use crate::tui::app::{App, Overlay};
use crate::tui::autosave::Orphan;

/// Draws the offer.
pub fn render(
    app: &App,
    plan: &Plan,
    differs: &[String],
    changed_on_disk: bool,
    body: Rect,
    buf: &mut Buffer,
) {
    const SHOWN: usize = 8;
    const WIDTH: u16 = 80;
    let theme = &app.config.theme;
    let mut lines = vec![
        Line::raw("A working plan was autosaved and not saved to its file"),
        Line::raw("(the planner was closed or killed before saving)."),
        Line::raw(format!(
            "It has {}, {} and {}.",
            crate::report::plural(plan.stages.len(), "stage"),
            crate::report::plural(plan.decisions.len(), "decision"),
            crate::report::plural(plan.waivers.len(), "waiver")
        )),
    ];
    if changed_on_disk {
        lines.push(Line::raw(
            "The plan file changed since: saving writes NAME.mine.plan.toml beside it.",
        ));
    }
    lines.push(Line::raw("Compared with the plan file:"));
    for l in differs.iter().take(SHOWN) {
        // One row each: a long line is cut rather than wrapped past the dialog's end.
        let mut l = format!("  {l}");
        if let Some((i, _)) = l.char_indices().nth(WIDTH as usize - 3) {
            l.truncate(i);
            l.push('…');
        }
        lines.push(Line::raw(l));
    }
    if differs.len() > SHOWN {
        lines.push(Line::raw(format!("  and {} more", differs.len() - SHOWN)));
    }
    lines.push(Line::raw(""));
    lines.push(key_line("r/y/Enter", "recover it", theme));
    lines.push(key_line(
        "d/n",
        "discard it (the autosave is deleted) and open the plan file",
        theme,
    ));
    lines.push(key_line(
        "Esc",
        "decide later (the autosave is kept and offered again)",
        theme,
    ));
    let height = lines.len() as u16 + 2;
    dialog(
        centered(body, WIDTH, height),
        buf,
        "Recover autosaved work",
        lines,
        theme,
    );
}

/// Keys of the offer.
pub fn on_key(
    app: &mut App,
    plan: Box<Plan>,
    orphan: Box<Orphan>,
    differs: Vec<String>,
    changed_on_disk: bool,
    k: KeyEvent,
) -> Option<Overlay> {
    match k.code {
        KeyCode::Char('r') | KeyCode::Char('y') | KeyCode::Enter => {
            app.recover(*plan, &orphan);
            None
        }
        KeyCode::Char('d') | KeyCode::Char('n') => {
            orphan.remove();
            app.info("autosaved changes discarded: the autosave is deleted");
            None
        }
        KeyCode::Esc => {
            app.info(format!(
                "autosave kept at {}: it is offered again when the planner next opens this plan",
                orphan.path.display()
            ));
            None
        }
        _ => Some(Overlay::Recover {
            plan,
            orphan,
            differs,
            changed_on_disk,
        }),
    }
}
