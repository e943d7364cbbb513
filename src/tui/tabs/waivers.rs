//! Waivers and exceptions: every waiver of the plan with its scope, expiry, state and how many findings it
//! accepts, then every exception of every decision with who it leaves out, the mode they take, its
//! remediation and whether it is still needed. Waivers are edited and removed here; exceptions are removed
//! here and open their path with Enter. The list is made of sections (a heading row, then its items).

use std::collections::VecDeque;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};

use crate::finding::Verdict;
use crate::inventory::PathId;
use crate::plan::{Edit, Exception, Workspace, exceptions};
use crate::rules::thousands;
use crate::tui::app::{App, Cursor, Overlay};
use crate::tui::event::Internal;
use crate::tui::exceptions::who;
use crate::tui::keymap::Action;
use crate::tui::nav::Target;
use crate::tui::popups::form::edit_waiver_form;
use crate::tui::theme::Theme;
use crate::tui::ui::{
    ListPane, click_list_detail, fact, inner_rows, pane, render_list, render_text, verdict_span,
};

/// A section of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The plan's waivers.
    Waivers,
    /// The exceptions of the plan's decisions.
    Exceptions,
}

/// One row of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// A section heading with its number of items.
    Heading(Section, usize),
    /// A waiver: index into the plan's waivers.
    Waiver(usize),
    /// An exception: index into [`WaiversState::exceptions`].
    Exception(usize),
}

/// One exception of one decision, with what it does now.
#[derive(Debug, Clone, PartialEq)]
pub struct ExceptionItem {
    /// The path whose decision carries it.
    pub path: PathId,
    /// Its index among the decision's exceptions.
    pub index: usize,
    /// The exception.
    pub exception: Exception,
    /// (user, target) pairs it takes out of the decision's mode.
    pub pairs: u64,
    /// It still leaves out something that blocks the decision's mode.
    pub needed: bool,
}

/// State of the waivers view.
#[derive(Debug, Clone, Default, PartialEq)]
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
    /// Every exception of every decision, in the order of the inventory's paths.
    pub exceptions: Vec<ExceptionItem>,
    /// The plan changed since the rows were made (they are made again when the view is shown).
    pub stale: bool,
}

/// List and detail.
pub fn panes(body: Rect) -> [Rect; 2] {
    let detail = (body.height / 2).clamp(6, 14);
    Layout::vertical([Constraint::Min(3), Constraint::Length(detail)]).areas(body)
}

impl WaiversState {
    /// Recomputes the rows and the counts of accepted findings (one pass over the assessment).
    pub fn refresh(&mut self, ws: &Workspace) {
        self.stale = false;
        let n = ws.plan.waivers.len();
        self.accepted = vec![0; n];
        for a in &ws.assessment().items {
            if let Some(c) = a.waived_by.and_then(|w| self.accepted.get_mut(w)) {
                *c += 1;
            }
        }
        self.exceptions = exception_items(ws);
        let m = self.exceptions.len();
        self.rows = std::iter::once(Row::Heading(Section::Waivers, n))
            .chain((0..n).map(Row::Waiver))
            .chain(std::iter::once(Row::Heading(Section::Exceptions, m)))
            .chain((0..m).map(Row::Exception))
            .collect();
        if self.cursor.selected == 0 && n + m > 0 {
            self.cursor.selected = if n > 0 { 1 } else { 2 };
        }
        self.cursor.fit(self.rows.len(), usize::MAX);
    }

    fn selected(&self) -> Option<usize> {
        match self.rows.get(self.cursor.selected)? {
            Row::Waiver(i) => Some(*i),
            _ => None,
        }
    }

    /// The selected exception.
    pub fn selected_exception(&self) -> Option<&ExceptionItem> {
        match self.rows.get(self.cursor.selected)? {
            Row::Exception(i) => self.exceptions.get(*i),
            _ => None,
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
        let len = self.rows.len();
        if self.cursor.navigate_list_detail(
            &mut self.pane,
            &mut self.detail_scroll,
            action,
            len,
            page,
        ) {
            return;
        }
        match action {
            Action::Back | Action::Left => self.pane = 0,
            Action::Enter => {
                if let Some(x) = self.selected_exception() {
                    queue.push_back(Internal::Goto(Target::Path(x.path)));
                    return;
                }
                match self.selected().and_then(|w| edit_waiver_form(ws, w)) {
                    Some(form) => queue.push_back(Internal::Open(Overlay::Form(form))),
                    None => queue.push_back(Internal::Error(
                        "select a waiver to edit or an exception to open".into(),
                    )),
                }
            }
            Action::StageLater | Action::StageEarlier => match self.selected_exception() {
                Some(x) => match stage_exception(ws, x, action == Action::StageLater) {
                    Some((edit, what)) => queue.push_back(Internal::Removed(edit, what)),
                    None => queue.push_back(Internal::Error(
                        "the decision no longer has this exception".into(),
                    )),
                },
                None => queue.push_back(Internal::Error(
                    "select an exception to move to a stage".into(),
                )),
            },
            Action::Unwaive => {
                if let Some(x) = self.selected_exception() {
                    match remove_exception(ws, x) {
                        Some(edit) => {
                            let what = format!(
                                "exception {} removed from {}",
                                who(&x.exception),
                                ws.inventory.paths[x.path as usize].name
                            );
                            queue.push_back(Internal::Removed(edit, what));
                        }
                        None => queue.push_back(Internal::Error(
                            "the decision no longer has this exception".into(),
                        )),
                    }
                    return;
                }
                match self.selected() {
                    Some(w) => queue.push_back(Internal::Edit(Edit::RemoveWaiver(w))),
                    None => queue.push_back(Internal::Error(
                        "select a waiver or an exception to remove".into(),
                    )),
                }
            }
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

/// Every exception of every decision, path by path (one resolution per path that has exceptions).
fn exception_items(ws: &Workspace) -> Vec<ExceptionItem> {
    let inv = &ws.inventory;
    let mut items = Vec::new();
    for (pid, p) in inv.paths.iter().enumerate() {
        let Some(d) = ws.plan.decision(&p.name) else {
            continue;
        };
        if d.exceptions.is_empty() {
            continue;
        }
        let path = pid as PathId;
        let resolved = ws.resolved_exceptions(path);
        let (_, rows) =
            exceptions::rows_resolved(inv, &ws.evaluation, path, d.mode, &d.exceptions, resolved);
        items.extend(
            rows.into_iter()
                .enumerate()
                .map(|(index, r)| ExceptionItem {
                    path,
                    index,
                    exception: r.exception,
                    pairs: r.pairs,
                    needed: r.needed,
                }),
        );
    }
    items
}

/// The decision of the exception's path with `change` made to it (undoable like any decision); none when the
/// decision no longer has it.
fn change_exception(
    ws: &Workspace,
    x: &ExceptionItem,
    change: impl FnOnce(&mut Vec<Exception>, usize),
) -> Option<Edit> {
    let d = ws
        .plan
        .decision(&ws.inventory.paths.get(x.path as usize)?.name)?;
    let mut exceptions = d.exceptions.clone();
    // The row's position, unless the list changed under it: then the equal exception.
    let at = Some(x.index)
        .filter(|i| exceptions.get(*i) == Some(&x.exception))
        .or_else(|| exceptions.iter().position(|e| *e == x.exception))?;
    change(&mut exceptions, at);
    Some(Edit::Decide {
        path: x.path,
        mode: d.mode,
        exceptions,
    })
}

/// The decision without the exception.
fn remove_exception(ws: &Workspace, x: &ExceptionItem) -> Option<Edit> {
    change_exception(ws, x, |list, at| {
        list.remove(at);
    })
}

/// The decision with the exception's subjects joining its mode one stage later (`later`) or earlier, and the
/// change in words. The stages and "never" (the exception holds for the whole rollout) form a cycle: later
/// than the last stage is never, later than never is the first stage.
fn stage_exception(ws: &Workspace, x: &ExceptionItem, later: bool) -> Option<(Edit, String)> {
    let stages = &ws.plan.stages;
    let now = (x.exception.stage.as_ref()).and_then(|n| stages.iter().position(|s| s.name == *n));
    let next = match (now, later) {
        (None, true) => (!stages.is_empty()).then_some(0),
        (None, false) => stages.len().checked_sub(1),
        (Some(k), true) => (k + 1 < stages.len()).then_some(k + 1),
        (Some(k), false) => k.checked_sub(1),
    };
    let name = next.and_then(|k| stages.get(k)).map(|s| s.name.clone());
    let path = &ws.inventory.paths.get(x.path as usize)?.name;
    let mode = ws
        .plan
        .decision(path)
        .map_or(crate::finding::Mode::Standard, |d| d.mode);
    let what = match &name {
        Some(st) => format!(
            "{path}: exception ({}) joins {mode} in stage {st}",
            who(&x.exception)
        ),
        None => format!(
            "{path}: exception ({}) stays on {} for the whole rollout",
            who(&x.exception),
            x.exception.mode()
        ),
    };
    let edit = change_exception(ws, x, |list, at| list[at].stage = name)?;
    Some((edit, what))
}

/// Draws the view.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.config.theme;
    let ws = &app.ws;
    let st = &app.waivers;
    let [list_area, detail_area] = panes(area);
    let w = Widths::for_width(list_area.width.saturating_sub(2) as usize);
    let header = Line::styled(
        format!(
            "{:<cw$} {:<sw$} {:<10} {:<9} {:>aw$}  REASON",
            "CODE",
            "SCOPE",
            "EXPIRES",
            "STATE",
            w.accepts,
            cw = w.code,
            sw = w.scope,
            aw = w.accepts.len()
        ),
        theme.heading,
    );
    render_list(
        list_area,
        buf,
        theme,
        ListPane {
            block: pane(
                " Waivers (accepted risk) and exceptions (narrowed changes) ",
                st.pane == 0,
                theme,
            ),
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
            // The exceptions' own column names (a mode is wider than a date).
            Row::Heading(Section::Exceptions, n) => Line::styled(
                if n == 0 {
                    "Exceptions (0): x in the access-paths view makes them".to_string()
                } else {
                    format!(
                        "{:<pw$} {:<lw$} {:<mw$} {:<12} {:>7}  REMEDIATION",
                        format!("Exceptions ({n})"),
                        "LEFT OUT",
                        "TAKE",
                        "STATE",
                        "PAIRS",
                        pw = w.code,
                        lw = w.left_out,
                        mw = w.mode
                    )
                },
                theme.heading,
            ),
            Row::Exception(i) => {
                let Some(x) = st.exceptions.get(i) else {
                    return Line::raw("");
                };
                let (v, state) = if x.needed {
                    (Verdict::Ok, "needed")
                } else {
                    (Verdict::Warn, crate::tui::exceptions::NOT_NEEDED)
                };
                let path = ws
                    .inventory
                    .paths
                    .get(x.path as usize)
                    .map_or("", |p| p.name.as_str());
                Line::from(vec![
                    Span::raw(format!(
                        "{:<pw$} {:<lw$} {:<mw$} ",
                        cut(path, w.code),
                        cut(&who(&x.exception), w.left_out),
                        cut(x.exception.mode().as_str(), w.mode),
                        pw = w.code,
                        lw = w.left_out,
                        mw = w.mode
                    )),
                    Span::styled(
                        format!("{} {state:<10}", crate::tui::ui::verdict_symbol(v)),
                        theme.verdict(v),
                    ),
                    Span::raw(format!(
                        " {:>7}  {}",
                        thousands(x.pairs as usize),
                        x.exception.remediation
                    )),
                ])
            }
            Row::Waiver(i) => {
                let Some(x) = ws.plan.waivers.get(i) else {
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
                        "{:<cw$} {:<sw$} {:<10} ",
                        cut(x.code.as_str(), w.code),
                        cut(&x.scope, w.scope),
                        x.expires.as_ref().map_or("never".into(), |e| e.to_string()),
                        cw = w.code,
                        sw = w.scope,
                    )),
                    Span::styled(
                        format!("{} {state:<7}", crate::tui::ui::verdict_symbol(v)),
                        theme.verdict(v),
                    ),
                    Span::raw(format!(
                        " {:>aw$}  {}",
                        st.accepted.get(i).copied().unwrap_or(0),
                        x.reason,
                        aw = w.accepts.len()
                    )),
                ])
            }
        },
    );
    if let Some(x) = st.selected_exception() {
        render_text(
            detail_area,
            buf,
            pane(" Exception ", st.pane == 1, theme),
            exception_detail(ws, x, theme),
            st.detail_scroll,
        );
        return;
    }
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

/// The detail of an exception: its path and decision, everything it leaves out, their mode, the remediation
/// and whether it is still needed.
fn exception_detail(ws: &Workspace, x: &ExceptionItem, theme: &Theme) -> Vec<Line<'static>> {
    let path = ws
        .inventory
        .paths
        .get(x.path as usize)
        .map_or("", |p| p.name.as_str());
    let decided = ws.plan.decision(path).map(|d| d.mode);
    let e = &x.exception;
    let mut lines = vec![Line::styled(
        format!(
            "{path}: {} except {}, which take {}",
            decided.map_or("undecided", |m| m.as_str()),
            crate::report::plural(x.pairs as usize, "pair"),
            e.mode()
        ),
        theme.heading,
    )];
    if !x.needed {
        lines.push(Line::from(vec![
            verdict_span(Verdict::Warn, theme),
            Span::raw(format!(
                " {}: {} (d removes it)",
                crate::tui::exceptions::NOT_NEEDED,
                crate::tui::exceptions::not_needed_why(x.pairs)
            )),
        ]));
    }
    for (key, list) in e.selectors() {
        if !list.is_empty() {
            lines.push(fact(key, list.join(", "), theme));
        }
    }
    lines.push(fact(
        "Joins the mode",
        match &e.stage {
            Some(st) => format!("in stage {st} (> later, < earlier)"),
            None => "never (> or < names a stage)".into(),
        },
        theme,
    ));
    lines.push(fact(
        "Remediation",
        if e.remediation.is_empty() {
            "none written".to_string()
        } else {
            e.remediation.clone()
        },
        theme,
    ));
    lines.push(Line::styled(
        "Enter opens the path; d removes the exception (u undoes).",
        theme.dim,
    ));
    lines
}

/// Column widths of the list: roomy where the terminal is wide, narrower (names cut with `…`) at 80 columns,
/// so that every row stays on its line under its heading.
struct Widths {
    /// The code of a waiver, the path of an exception.
    code: usize,
    /// A waiver's scope.
    scope: usize,
    /// The subjects an exception leaves out.
    left_out: usize,
    /// The mode the excepted sessions take.
    mode: usize,
    /// The heading of the waivers' count of accepted findings.
    accepts: &'static str,
}

impl Widths {
    fn for_width(w: usize) -> Widths {
        if w >= 100 {
            Widths {
                code: 20,
                scope: 22,
                left_out: 18,
                mode: 19,
                accepts: "ACCEPTS",
            }
        } else {
            Widths {
                code: 18,
                scope: 14,
                left_out: 14,
                mode: 12,
                accepts: "ACC",
            }
        }
    }
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
