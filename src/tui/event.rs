//! Messages: terminal events turned into the one typed enum that [`super::app::App::update`] consumes, and the
//! internal events panes send each other through the application's queue.

use ratatui::crossterm::event::{Event, KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};

use super::app::Overlay;
use crate::plan::Edit;

/// Everything that can change the application's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    /// A key was pressed (releases and repeats never become messages).
    Key(KeyEvent),
    /// A mouse click or wheel turn.
    Mouse(MouseEvent),
    /// The terminal has a new size.
    Resize(u16, u16),
    /// Text was pasted.
    Paste(String),
    /// Time passed while work runs off the key path: its progress is shown, its outcome applied.
    Tick,
}

impl Msg {
    /// The message a terminal event stands for; `None` for events the planner ignores (key releases, which
    /// Windows reports, and mouse movement, which would only cause redraws).
    pub fn from_event(ev: Event) -> Option<Msg> {
        match ev {
            Event::Key(k) if k.kind == KeyEventKind::Press => Some(Msg::Key(k)),
            Event::Key(_) => None,
            Event::Mouse(m) => match m.kind {
                MouseEventKind::Down(_) | MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
                    Some(Msg::Mouse(m))
                }
                _ => None,
            },
            Event::Resize(w, h) => Some(Msg::Resize(w, h)),
            Event::Paste(s) => Some(Msg::Paste(s)),
            Event::FocusGained | Event::FocusLost => None,
        }
    }
}

/// What panes ask of the application (consumed in `App::process_internal`).
#[derive(Debug, Clone, PartialEq)]
pub enum Internal {
    /// Apply a planning change to the workspace.
    Edit(Edit),
    /// Apply a planning change that removes or moves something, then name what it did (with the undo key).
    Removed(Edit, String),
    /// Show a message in the status line.
    Status(String),
    /// Show an error in the status line.
    Error(String),
    /// Open an overlay.
    Open(Overlay),
    /// Drill down to what a row names.
    Goto(super::nav::Target),
    /// Work out, off the key path, the exception of the blockers of a path's chosen mode (`x`).
    Except(crate::inventory::PathId),
}
