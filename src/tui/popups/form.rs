//! A small form: waive a finding, name a stage, save the plan under a name.

use std::path::PathBuf;

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{centered, dialog};
use crate::finding::Finding;
use crate::plan::io;
use crate::plan::{Edit, Waiver, Workspace};
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
#[derive(Debug, Clone, PartialEq)]
pub enum FormPurpose {
    /// Waive findings of a code in a scope: fields reason, expiry, scope.
    Waive {
        /// The code.
        code: String,
        /// The finding the waiver is made on: the scope must accept it.
        finding: Option<Box<Finding>>,
        /// The waiver edited (index into the plan's waivers); none adds one.
        replace: Option<usize>,
    },
    /// Name of a new stage inserted at a position.
    AddStage {
        /// Position.
        at: usize,
    },
    /// Where to save the plan.
    SaveAs,
    /// What a stage is for.
    StageDescription {
        /// Stage index.
        stage: usize,
    },
}

/// A small form in an overlay.
#[derive(Debug, Clone, PartialEq)]
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
        "Enter confirms, Tab/Up/Down move between fields, ctrl-u clears, Esc cancels",
        theme.dim,
    ));
    // Long values wrap: the dialog grows with them so that its keys stay on screen.
    let area = centered(body, 70, 3);
    let width = area.width.saturating_sub(2).max(1) as usize;
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(width).max(1)).sum();
    let h = (rows + 2 + rows / 4) as u16;
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
    // Work whose result replaces the plan runs: the form stays open with what was typed.
    if let Some(why) = app.edits_blocked() {
        return Err(why);
    }
    let value = |i: usize| form.fields.get(i).map_or("", |f| f.value.trim());
    match &form.purpose {
        FormPurpose::Waive {
            code,
            finding,
            replace,
        } => {
            let waiver = checked_waiver(
                &app.ws,
                code,
                finding.as_deref(),
                [value(0), value(1), value(2)],
            )?;
            let edit = match replace {
                Some(index) => Edit::ReplaceWaiver {
                    index: *index,
                    waiver,
                },
                None => Edit::AddWaiver(waiver),
            };
            app.queue.push_back(Internal::Edit(edit));
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
        FormPurpose::StageDescription { stage } => {
            app.queue
                .push_back(Internal::Edit(Edit::SetStageDescription {
                    stage: *stage,
                    description: value(0).to_string(),
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

/// The waiver a waive form describes, or why it is refused: no reason, an expiry in the past, no scope, a
/// scope that names nothing in the inventory, or one that does not accept the finding it is made on.
pub fn checked_waiver(
    ws: &Workspace,
    code: &str,
    finding: Option<&Finding>,
    [reason, expires, scope]: [&str; 3],
) -> Result<Waiver, String> {
    if reason.is_empty() {
        return Err("a waiver needs a reason".into());
    }
    let expires = match expires {
        "" => None,
        s => Some(parse_date(s)?),
    };
    let waiver = Waiver {
        code: code.to_string(),
        scope: scope.to_string(),
        reason: reason.to_string(),
        expires,
    };
    if waiver.is_expired(ws.today) {
        return Err(format!(
            "{} is in the past (today is {}): give a later date, or none",
            expires_text(&waiver),
            ws.today
        ));
    }
    let covering = || {
        finding.map_or_else(
            || "`*`, `path:NAME`, `host:NAME` or `user:NAME`".to_string(),
            |f| {
                ws.waiver_scopes(f)
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            },
        )
    };
    if scope.is_empty() {
        return Err(format!("give a scope: {}", covering()));
    }
    io::check_waiver(&waiver, &ws.inventory)?;
    if let Some(f) = finding
        && !ws.waiver_covers(&waiver, f)
    {
        return Err(format!(
            "scope `{scope}` does not cover this finding: use {}",
            covering()
        ));
    }
    Ok(waiver)
}

fn expires_text(w: &Waiver) -> String {
    w.expires
        .as_ref()
        .map_or_else(String::new, |e| format!("expiry {e}"))
}

/// The form that waives findings of a code, made on one finding: its scope is prefilled with the narrowest
/// that accepts the finding; an estate-wide finding gets no `*` unless typed.
pub fn waive_form(ws: &Workspace, f: &Finding) -> Form {
    let scopes = ws.waiver_scopes(f);
    let (scope, hint) = match scopes.first() {
        Some(s) if s != "*" => (
            s.clone(),
            "path:NAME, host:NAME, user:NAME or *".to_string(),
        ),
        _ => (
            String::new(),
            format!("only * covers it: type * to waive every {}", f.code),
        ),
    };
    waiver_form(
        format!("Waive {}", f.code),
        f.code.as_str(),
        ["", "", &scope],
        hint,
        Some(f),
        None,
    )
}

/// The form that edits a waiver of the plan.
pub fn edit_waiver_form(ws: &Workspace, index: usize) -> Option<Form> {
    let w = ws.plan.waivers.get(index)?;
    let expires = w
        .expires
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    Some(waiver_form(
        format!("Edit the waiver of {}", w.code),
        &w.code,
        [&w.reason, &expires, &w.scope],
        "path:NAME, host:NAME, user:NAME or *".into(),
        None,
        Some(index),
    ))
}

fn waiver_form(
    title: String,
    code: &str,
    [reason, expires, scope]: [&str; 3],
    scope_hint: String,
    finding: Option<&Finding>,
    replace: Option<usize>,
) -> Form {
    let field = |label: &str, value: &str, hint: &str| Field {
        label: label.into(),
        value: value.into(),
        hint: hint.into(),
    };
    Form {
        title,
        fields: vec![
            field("Reason", reason, "why the risk is accepted (required)"),
            field("Expires", expires, "YYYY-MM-DD, today or later (optional)"),
            field("Scope", scope, &scope_hint),
        ],
        focus: 0,
        purpose: FormPurpose::Waive {
            code: code.to_string(),
            finding: finding.map(|f| Box::new(f.clone())),
            replace,
        },
        error: None,
    }
}

/// The form that edits what a stage is for.
pub fn stage_description_form(ws: &Workspace, stage: usize) -> Option<Form> {
    let s = ws.plan.stages.get(stage)?;
    Some(Form {
        title: format!("Describe stage {}", s.name),
        fields: vec![Field {
            label: "Description".into(),
            value: s.description.clone(),
            hint: "what the stage is for, one line".into(),
        }],
        focus: 0,
        purpose: FormPurpose::StageDescription { stage },
        error: None,
    })
}
