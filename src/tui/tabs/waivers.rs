//! Waivers: every waiver of the plan with its scope, expiry, state and how many findings it accepts; edit and
//! remove them here. The list is made of sections (a heading row, then its items) so that other kinds of
//! accepted risk can be listed beside the waivers as sections of their own.

use std::collections::VecDeque;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};

use crate::finding::Verdict;
use crate::plan::{Edit, Workspace};
use crate::tui::app::{App, Cursor, Overlay};
use crate::tui::event::Internal;
use crate::tui::keymap::Action;
use crate::tui::popups::form::edit_waiver_form;
use crate::tui::ui::{
    ListPane, click_list_detail, fact, inner_rows, pane, render_list, render_text, verdict_span,
};

/// A section of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The plan's waivers.
    Waivers,
}

/// One row of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// A section heading with its number of items.
    Heading(Section, usize),
    /// A waiver: index into the plan's waivers.
    Waiver(usize),
}

/// State of the waivers view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaiversState {
    /// Selection.
    pub cursor: Cursor,
    /// 0: list, 1: detail.
    pub pane: usize,
    /// Scroll of the detail pane.
    pub detail_scroll: u16,
    /// The rows (recomputed on change).
    pub rows: Vec<Row>,
    /// Findings each waiver accepts now, by waiver index.
    pub accepted: Vec<usize>,
}

/// List and detail.
pub fn panes(body: Rect) -> [Rect; 2] {
    let detail = (body.height / 2).clamp(6, 14);
    Layout::vertical([Constraint::Min(3), Constraint::Length(detail)]).areas(body)
}

impl WaiversState {
    /// Recomputes the rows and the counts of accepted findings (one pass over the assessment).
    pub fn refresh(&mut self, ws: &Workspace) {
        let n = ws.plan.waivers.len();
        self.accepted = vec![0; n];
        for a in &ws.assessment().items {
            if let Some(c) = a.waived_by.and_then(|w| self.accepted.get_mut(w)) {
                *c += 1;
            }
        }
        self.rows = std::iter::once(Row::Heading(Section::Waivers, n))
            .chain((0..n).map(Row::Waiver))
            .collect();
        if self.cursor.selected == 0 && n > 0 {
            self.cursor.selected = 1;
        }
        self.cursor.fit(self.rows.len(), usize::MAX);
    }

    fn selected(&self) -> Option<usize> {
        match self.rows.get(self.cursor.selected)? {
            Row::Waiver(i) => Some(*i),
            Row::Heading(..) => None,
        }
    }

    /// Selects a waiver.
    pub fn select(&mut self, waiver: usize) {
        if let Some(i) = self.rows.iter().position(|r| *r == Row::Waiver(waiver)) {
            self.cursor.selected = i;
        }
    }

    /// Runs an action of the view.
    pub fn on_action(
        &mut self,
        action: Action,
        ws: &Workspace,
        page: usize,
        queue: &mut VecDeque<Internal>,
    ) {
        if self.pane == 0 && self.cursor.navigate(action, self.rows.len(), page) {
            self.detail_scroll = 0;
            return;
        }
        match action {
            Action::Up if self.pane == 1 => {
                self.detail_scroll = self.detail_scroll.saturating_sub(1)
            }
            Action::Down if self.pane == 1 => {
                self.detail_scroll = self.detail_scroll.saturating_add(1)
            }
            Action::NextPane | Action::PrevPane => self.pane = 1 - self.pane.min(1),
            Action::Back | Action::Left => self.pane = 0,
            Action::Enter => match self.selected().and_then(|w| edit_waiver_form(ws, w)) {
                Some(form) => queue.push_back(Internal::Open(Overlay::Form(form))),
                None => queue.push_back(Internal::Error("select a waiver to edit".into())),
            },
            Action::Unwaive => match self.selected() {
                Some(w) => queue.push_back(Internal::Edit(Edit::RemoveWaiver(w))),
                None => queue.push_back(Internal::Error("select a waiver to remove".into())),
            },
            _ => {}
        }
    }

    /// Keeps the selection visible.
    pub fn fit(&mut self, body: Rect) {
        let rows = inner_rows(panes(body)[0]).saturating_sub(1);
        self.cursor.fit(self.rows.len(), rows);
    }

    /// A mouse click.
    pub fn click(&mut self, body: Rect, at: Position) {
        click_list_detail(
            panes(body),
            at,
            self.rows.len(),
            &mut self.cursor,
            &mut self.pane,
            &mut self.detail_scroll,
        );
    }
}

/// Draws the view.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.config.theme;
    let ws = &app.ws;
    let st = &app.waivers;
    let [list_area, detail_area] = panes(area);
    let header = Line::styled(
        format!(
            "{:<20} {:<22} {:<10} {:<9} {:>7}  REASON",
            "CODE", "SCOPE", "EXPIRES", "STATE", "ACCEPTS"
        ),
        theme.heading,
    );
    render_list(
        list_area,
        buf,
        theme,
        ListPane {
            block: pane(" Waivers: accepted risk ", st.pane == 0, theme),
            header: Some(header),
            cursor: st.cursor,
            len: st.rows.len(),
            focused: st.pane == 0,
        },
        |i| match st.rows[i] {
            Row::Heading(Section::Waivers, n) => Line::styled(
                format!(
                    "Waivers ({n}){}",
                    if n == 0 {
                        ": w in the findings view waives one"
                    } else {
                        ""
                    }
                ),
                theme.heading,
            ),
            Row::Waiver(w) => {
                let Some(x) = ws.plan.waivers.get(w) else {
                    return Line::raw("");
                };
                let expired = x.is_expired(ws.today);
                let (v, state) = if expired {
                    (Verdict::Warn, "expired")
                } else {
                    (Verdict::Ok, "active")
                };
                Line::from(vec![
                    Span::raw(format!(
                        "{:<20} {:<22} {:<10} ",
                        x.code,
                        cut(&x.scope, 22),
                        x.expires.as_ref().map_or("never".into(), |e| e.to_string())
                    )),
                    Span::styled(
                        format!("{} {state:<7}", crate::tui::ui::verdict_symbol(v)),
                        theme.verdict(v),
                    ),
                    Span::raw(format!(
                        " {:>7}  {}",
                        st.accepted.get(w).copied().unwrap_or(0),
                        x.reason
                    )),
                ])
            }
        },
    );
    let lines = match st
        .selected()
        .and_then(|w| ws.plan.waivers.get(w).map(|x| (w, x)))
    {
        Some((w, x)) => {
            let mut lines = vec![
                Line::styled(format!("{} ({})", x.code, x.scope), theme.heading),
                fact("Reason", x.reason.clone(), theme),
                fact(
                    "Expires",
                    x.expires.as_ref().map_or("never".into(), |e| e.to_string()),
                    theme,
                ),
            ];
            if x.is_expired(ws.today) {
                lines.push(Line::from(vec![
                    verdict_span(Verdict::Warn, theme),
                    Span::raw(format!(
                        " expired: it accepts nothing since; Enter gives it a new expiry, d removes it (today is {})",
                        ws.today
                    )),
                ]));
            } else {
                lines.push(fact(
                    "Accepts",
                    format!(
                        "{} finding(s) now",
                        st.accepted.get(w).copied().unwrap_or(0)
                    ),
                    theme,
                ));
            }
            lines
        }
        None => vec![Line::styled(
            "Waive a finding with w in the findings view; edit (Enter) or remove (d) it here.",
            theme.dim,
        )],
    };
    render_text(
        detail_area,
        buf,
        pane(" Waiver ", st.pane == 1, theme),
        lines,
        st.detail_scroll,
    );
}

fn cut(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(w.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}
