//! The export menu.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{centered, dialog, key_line};
use crate::commands::export::ExportFormat;
use crate::tui::app::{App, ExportKind, Overlay};

/// Draws the menu.
pub fn render(app: &App, body: Rect, buf: &mut Buffer) {
    let theme = &app.config.theme;
    let lines = vec![
        Line::raw("Write beside the plan file:"),
        Line::raw(""),
        key_line("p", "plan file (TOML)", theme),
        key_line("m", "Markdown report", theme),
        key_line("s", "SARIF", theme),
        key_line("j", "JSON report", theme),
        key_line("c", "per-stage scripts (PowerShell and .reg)", theme),
        key_line("g", "Group Policy backups and their scripts", theme),
        key_line("i", "Intune policies and their Graph script", theme),
        key_line("Esc/q", "cancel", theme),
    ];
    dialog(centered(body, 50, 14), buf, "Export", lines, theme);
}

/// Keys of the menu.
pub fn on_key(app: &mut App, k: KeyEvent) -> Option<Overlay> {
    match k.code {
        KeyCode::Char('p') => app.export(ExportKind::Plan),
        KeyCode::Char('m') => app.export(ExportKind::Format(ExportFormat::Markdown)),
        KeyCode::Char('s') => app.export(ExportKind::Format(ExportFormat::Sarif)),
        KeyCode::Char('j') => app.export(ExportKind::Format(ExportFormat::Json)),
        KeyCode::Char('c') => app.export(ExportKind::Format(ExportFormat::Scripts)),
        KeyCode::Char('g') => app.export(ExportKind::Format(ExportFormat::Gpo)),
        KeyCode::Char('i') => app.export(ExportKind::Format(ExportFormat::Intune)),
        KeyCode::Esc | KeyCode::Char('q') => None,
        _ => Some(Overlay::Export),
    }
}
