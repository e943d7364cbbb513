//! A small form: waive a finding, name a stage, save the plan under a name.

use std::path::PathBuf;

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{centered, dialog};
use crate::plan::io;
use crate::plan::{Edit, Waiver};
use crate::tui::app::{App, Overlay};
use crate::tui::event::Internal;

/// A line of text being typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Field {
    /// The label.
    pub label: String,
    /// The text.
    pub value: String,
    /// A hint shown when empty.
    pub hint: String,
}

/// What a form does when submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormPurpose {
    /// Waive findings of a code in a scope: fields reason, expiry, scope.
    Waive {
        /// The code.
        code: String,
    },
    /// Name of a new stage inserted at a position.
    AddStage {
        /// Position.
        at: usize,
    },
    /// Where to save the plan (it has no file yet).
    SaveAs,
}

/// A small form in an overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// Title.
    pub title: String,
    /// Fields.
    pub fields: Vec<Field>,
    /// Focused field.
    pub focus: usize,
    /// What submitting does.
    pub purpose: FormPurpose,
    /// Why the last submission was refused.
    pub error: Option<String>,
}

/// Draws the form.
pub fn render(app: &App, form: &Form, body: Rect, buf: &mut Buffer) {
    let theme = &app.config.theme;
    let mut lines = Vec::new();
    for (i, f) in form.fields.iter().enumerate() {
        let marker = if i == form.focus { "▶ " } else { "  " };
        let value = if f.value.is_empty() && i != form.focus {
            Span::styled(f.hint.clone(), theme.dim)
        } else if i == form.focus {
            Span::styled(format!("{}▏", f.value), theme.chosen)
        } else {
            Span::raw(f.value.clone())
        };
        lines.push(Line::from(vec![
            Span::raw(marker),
            Span::styled(format!("{}: ", f.label), theme.heading),
            value,
        ]));
    }
    lines.push(Line::raw(""));
    if let Some(e) = &form.error {
        lines.push(Line::styled(e.clone(), theme.error));
    }
    lines.push(Line::styled(
        "Enter confirms, Tab next field, Esc cancels",
        theme.dim,
    ));
    let h = lines.len() as u16 + 2;
    dialog(centered(body, 70, h), buf, &form.title, lines, theme);
}

/// Keys of a form: typing edits the focused field, Tab moves, Enter submits, Esc cancels.
pub fn on_key(app: &mut App, mut form: Form, k: KeyEvent) -> Option<Overlay> {
    match k.code {
        KeyCode::Esc => return None,
        KeyCode::Tab | KeyCode::Down => form.focus = (form.focus + 1) % form.fields.len().max(1),
        KeyCode::BackTab | KeyCode::Up => {
            form.focus = (form.focus + form.fields.len().max(1) - 1) % form.fields.len().max(1)
        }
        KeyCode::Backspace => {
            if let Some(f) = form.fields.get_mut(form.focus) {
                f.value.pop();
            }
        }
        // Ctrl-U clears the field, as in a shell: a prefilled file name is replaced in one key.
        KeyCode::Char('u') if k.modifiers.contains(KeyModifiers::CONTROL) => {
            if let Some(f) = form.fields.get_mut(form.focus) {
                f.value.clear();
            }
        }
        KeyCode::Enter => match submit(app, &form) {
            Ok(()) => return None,
            Err(e) => form.error = Some(e),
        },
        KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
            if let Some(f) = form.fields.get_mut(form.focus) {
                f.value.push(c);
            }
        }
        _ => {}
    }
    Some(Overlay::Form(form))
}

/// Checks and applies a submitted form; the error is shown in the form.
fn submit(app: &mut App, form: &Form) -> Result<(), String> {
    let value = |i: usize| form.fields.get(i).map_or("", |f| f.value.trim());
    match &form.purpose {
        FormPurpose::Waive { code } => {
            let reason = value(0);
            if reason.is_empty() {
                return Err("a waiver needs a reason".into());
            }
            let expires = match value(1) {
                "" => None,
                s => Some(parse_date(s)?),
            };
            let scope = match value(2) {
                "" => "*".to_string(),
                s => s.to_string(),
            };
            let waiver = Waiver {
                code: code.clone(),
                scope,
                reason: reason.to_string(),
                expires,
            };
            io::check_waiver(&waiver, &app.ws.inventory)?;
            app.queue.push_back(Internal::Edit(Edit::AddWaiver(waiver)));
        }
        FormPurpose::AddStage { at } => {
            let name = value(0);
            if let Err(e) = crate::names::identifier(name) {
                return Err(e.to_string());
            }
            if app
                .ws
                .plan
                .stages
                .iter()
                .any(|s| s.name.eq_ignore_ascii_case(name))
            {
                return Err(format!("a stage named `{name}` exists"));
            }
            app.queue.push_back(Internal::Edit(Edit::AddStage {
                at: *at,
                name: name.to_string(),
            }));
        }
        FormPurpose::SaveAs => {
            let path = value(0);
            if path.is_empty() {
                return Err("give a file name".into());
            }
            app.files.plan = Some(PathBuf::from(path));
            app.save();
        }
    }
    Ok(())
}

/// Parses a `YYYY-MM-DD` date for a waiver's expiry.
pub fn parse_date(s: &str) -> Result<toml::value::Datetime, String> {
    let bad = || format!("`{s}` is not a date: write YYYY-MM-DD");
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, fmt).map_err(|_| bad())?;
    s.parse::<toml::value::Datetime>().map_err(|_| bad())
}
