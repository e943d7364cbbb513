//! Findings: grouped by severity and code, filterable; the detail pane shows the explanation, the sentence of
//! Microsoft's documentation it comes from, the subjects and the fix. Waive from here.

use std::collections::VecDeque;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};

use crate::finding::{Finding, Severity, Subject, Verdict};
use crate::plan::{Edit, FindingRef, Workspace};
use crate::rules::catalog::Code;
use crate::tui::app::{App, Cursor, Overlay};
use crate::tui::event::Internal;
use crate::tui::keymap::Action;
use crate::tui::popups::form::waive_form;
use crate::tui::theme::Theme;
use crate::tui::ui::{
    ListPane, click_list_detail, fact, inner_rows, pane, render_list, render_text, verdict_span,
};

/// A drill-down's narrowing of the list: the findings of one path or of one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Only {
    /// The findings about a path.
    Path(crate::inventory::PathId),
    /// The findings of a code.
    Code(Code),
}

/// One row of the grouped list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// A severity heading with its number of findings.
    Severity(Severity, usize),
    /// A code heading with its number of findings.
    Code(Code, usize),
    /// A finding, and the waiver (index into the plan's waivers) that accepts it.
    Finding(FindingRef, Option<usize>),
}

/// State of the findings view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingsState {
    /// Selection.
    pub cursor: Cursor,
    /// 0: list, 1: detail.
    pub pane: usize,
    /// Scroll of the detail pane.
    pub detail_scroll: u16,
    /// Text filter (code, message, subject).
    pub filter: String,
    /// The filter line takes the keys.
    pub typing: bool,
    /// Only this severity.
    pub severity: Option<Severity>,
    /// Only the findings of a path or a code (set by a drill-down, cleared when it is left).
    pub only: Option<Only>,
    /// The rows (recomputed on change and on filter change).
    pub rows: Vec<Row>,
}

/// List and detail.
pub fn panes(body: Rect) -> [Rect; 2] {
    Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body)
}

/// A subject's name.
pub fn subject_label(ws: &Workspace, s: &Subject) -> String {
    let inv = &ws.inventory;
    let get = |v: Option<String>| v.unwrap_or_else(|| "?".into());
    match *s {
        Subject::Domain(d) => format!(
            "domain {}",
            get(inv.domains.get(d as usize).map(|d| d.dns.clone()))
        ),
        Subject::Trust(t) => format!(
            "trust {}",
            get(((t as usize) < inv.trusts.len()).then(|| super::graph::trust_line(inv, t)))
        ),
        Subject::Host(h) => format!(
            "host {}",
            get(inv.hosts.get(h as usize).map(|h| h.name.clone()))
        ),
        Subject::User(u) => format!(
            "user {}",
            get(((u as usize) < inv.users.len()).then(|| inv.user_label(u)))
        ),
        Subject::Group(g) => format!(
            "group {}",
            get(((g as usize) < inv.groups.len()).then(|| inv.group_label(g)))
        ),
        Subject::Path(p) => format!(
            "path {}",
            get(inv.paths.get(p as usize).map(|p| p.name.clone()))
        ),
        Subject::Stage(i) => format!("stage {}", i + 1),
    }
}

impl FindingsState {
    /// Recomputes the grouped rows.
    pub fn refresh(&mut self, ws: &Workspace) {
        let needle = self.filter.to_lowercase();
        let mut items: Vec<(Severity, Code, FindingRef, Option<usize>)> = ws
            .assessment()
            .items
            .iter()
            .map(|a| (a, ws.finding(a.finding)))
            .filter(|(a, _)| self.severity.is_none_or(|s| s == a.severity))
            .filter(|(_, f)| match self.only {
                None => true,
                Some(Only::Path(p)) => f.path == Some(p),
                Some(Only::Code(c)) => f.code == c,
            })
            .filter(|(_, f)| {
                needle.is_empty()
                    || f.code.as_str().to_lowercase().contains(&needle)
                    || f.message.to_lowercase().contains(&needle)
                    || f.path
                        .and_then(|p| ws.inventory.paths.get(p as usize))
                        .is_some_and(|p| p.name.to_lowercase().contains(&needle))
            })
            .map(|(a, f)| (a.severity, f.code, a.finding, a.waived_by))
            .collect();
        items.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        self.rows.clear();
        let mut i = 0;
        while i < items.len() {
            let sev = items[i].0;
            let sev_end = i + items[i..].iter().take_while(|x| x.0 == sev).count();
            self.rows.push(Row::Severity(sev, sev_end - i));
            while i < sev_end {
                let code = items[i].1;
                let code_end = i + items[i..sev_end].iter().take_while(|x| x.1 == code).count();
                self.rows.push(Row::Code(code, code_end - i));
                self.rows
                    .extend(items[i..code_end].iter().map(|x| Row::Finding(x.2, x.3)));
                i = code_end;
            }
        }
        self.cursor.fit(self.rows.len(), usize::MAX);
    }

    /// Shows only one severity (or all), from the top, without a text filter (keeping a drill-down's
    /// narrowing).
    pub fn show_severity(&mut self, ws: &Workspace, severity: Option<Severity>) {
        self.show(ws, severity, self.only);
    }

    /// Shows only one severity (or all) of the findings `only` narrows to, from the top, without a text filter.
    pub fn show(&mut self, ws: &Workspace, severity: Option<Severity>, only: Option<Only>) {
        self.severity = severity;
        self.only = only;
        self.filter.clear();
        self.cursor = Cursor::default();
        self.pane = 0;
        self.refresh(ws);
    }

    fn selected_finding<'a>(&self, ws: &'a Workspace) -> Option<(&'a Finding, Option<usize>)> {
        match self.rows.get(self.cursor.selected)? {
            Row::Finding(r, w) => Some((ws.finding(*r), *w)),
            _ => None,
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
            Action::Enter => match self.rows.get(self.cursor.selected) {
                Some(Row::Finding(r, _)) => {
                    let f = ws.finding(*r);
                    let a = ws.assessment().items.iter().find(|a| a.finding == *r);
                    match a.and_then(|a| crate::tui::nav::finding_target(ws, a, f)) {
                        Some(t) => queue.push_back(Internal::Goto(t)),
                        None => queue.push_back(Internal::Status(
                            "this finding names no path, stage, host or user".into(),
                        )),
                    }
                }
                _ => self.pane = 1,
            },
            Action::Right => self.pane = 1,
            Action::Back | Action::Left => self.pane = 0,
            Action::Filter => self.typing = true,
            Action::CycleSeverity => {
                let next = match self.severity {
                    None => Some(Severity::Block),
                    Some(Severity::Block) => Some(Severity::Action),
                    Some(Severity::Action) => Some(Severity::Warn),
                    Some(Severity::Warn) => Some(Severity::Info),
                    Some(Severity::Info) => None,
                };
                self.show_severity(ws, next);
            }
            Action::Waive => match self.selected_finding(ws) {
                Some((_, Some(_))) => queue.push_back(Internal::Status(
                    "already waived (W removes the waiver)".into(),
                )),
                Some((f, None)) => {
                    queue.push_back(Internal::Open(Overlay::Form(waive_form(ws, f))));
                }
                None => queue.push_back(Internal::Error("select a finding to waive".into())),
            },
            // An expired waiver accepts nothing but still names the finding: W removes it too.
            Action::Unwaive => match self.selected_finding(ws).and_then(|(f, w)| {
                w.or_else(|| ws.plan.waivers.iter().position(|x| ws.waiver_covers(x, f)))
            }) {
                Some(w) => queue.push_back(Internal::Edit(Edit::RemoveWaiver(w))),
                None => queue.push_back(Internal::Error("no waiver covers this finding".into())),
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
    let st = &app.findings;
    let [list_area, detail_area] = panes(area);
    let filter = match (st.typing, st.filter.is_empty(), st.severity) {
        (true, _, _) => format!("/{}▏", st.filter),
        (false, true, None) => "all; / filters, v severity".to_string(),
        (false, _, sev) => format!(
            "/{} {}",
            st.filter,
            sev.map_or(String::new(), |s| format!("only {s}"))
        ),
    };
    let only = match st.only {
        None => String::new(),
        Some(Only::Path(p)) => format!(
            "Only path {} (Esc back); ",
            ws.inventory
                .paths
                .get(p as usize)
                .map_or("?", |p| p.name.as_str())
        ),
        Some(Only::Code(c)) => format!("Only {c} (Esc back); "),
    };
    let header = Line::styled(format!("{only}Filter: {filter}"), theme.dim);
    render_list(
        list_area,
        buf,
        theme,
        ListPane {
            block: pane(" Findings by severity and code ", st.pane == 0, theme),
            header: Some(header),
            cursor: st.cursor,
            len: st.rows.len(),
            focused: st.pane == 0,
        },
        |i| match st.rows[i] {
            Row::Severity(s, n) => Line::from(vec![
                verdict_span(Verdict::of(s), theme),
                Span::styled(format!(" ({n})"), theme.heading),
            ]),
            Row::Code(c, n) => Line::from(vec![
                Span::raw(format!("  {} ", c.as_str())),
                Span::styled(format!("({n})"), theme.dim),
            ]),
            Row::Finding(r, waived) => {
                let f = ws.finding(r);
                let waived = waived.is_some();
                let what = f
                    .path
                    .and_then(|p| ws.inventory.paths.get(p as usize))
                    .map_or("estate".to_string(), |p| p.name.clone());
                let mode = f.mode.map_or(String::new(), |m| format!(" [{m}]"));
                let text = format!("    {what}{mode}");
                if waived {
                    Line::from(vec![
                        Span::styled(text, theme.waived),
                        Span::raw(" (waived)"),
                    ])
                } else {
                    Line::raw(text)
                }
            }
        },
    );
    let lines = match st.rows.get(st.cursor.selected) {
        Some(Row::Finding(r, waived)) => finding_detail(ws, ws.finding(*r), *waived, theme),
        Some(Row::Code(c, _)) => code_detail(*c, theme),
        Some(Row::Severity(s, n)) => vec![Line::raw(format!(
            "{} of severity {s}",
            crate::report::plural(*n, "finding")
        ))],
        None => vec![Line::from(vec![
            verdict_span(Verdict::Ok, theme),
            Span::raw(" no findings match"),
        ])],
    };
    render_text(
        detail_area,
        buf,
        pane(" Detail ", st.pane == 1, theme),
        lines,
        st.detail_scroll,
    );
}

/// What the catalog says about a code.
pub fn code_detail(code: Code, theme: &Theme) -> Vec<Line<'static>> {
    let info = code.info();
    vec![
        Line::from(vec![
            verdict_span(Verdict::of(info.severity), theme),
            Span::styled(format!(" {}", code.as_str()), theme.heading),
        ]),
        Line::raw(info.title),
        Line::raw(""),
        Line::styled("Source", theme.heading),
        Line::raw(info.citation()),
        Line::styled(format!("“{}”", info.quote), theme.dim),
        Line::raw(""),
        Line::styled("Fix", theme.heading),
        Line::raw(info.fix),
    ]
}

fn finding_detail(
    ws: &Workspace,
    f: &Finding,
    waived: Option<usize>,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = code_detail(f.code, theme);
    lines.insert(2, Line::raw(""));
    lines.insert(3, Line::raw(f.message.clone()));
    let mut tail = vec![Line::raw("")];
    if let Some(m) = f.mode {
        tail.push(fact("Mode", m.to_string(), theme));
    }
    tail.push(Line::styled(
        format!("Subjects ({})", f.subjects.len()),
        theme.heading,
    ));
    tail.extend(
        f.subjects
            .iter()
            .take(50)
            .map(|s| Line::raw(format!("  {}", subject_label(ws, s)))),
    );
    if f.subjects.len() > 50 {
        tail.push(Line::styled(
            format!("  … and {} more", f.subjects.len() - 50),
            theme.dim,
        ));
    }
    if let Some(w) = waived.and_then(|i| ws.plan.waivers.get(i)) {
        tail.push(Line::raw(""));
        tail.push(Line::styled("Waived", theme.heading));
        tail.push(Line::raw(format!("  {} ({})", w.reason, w.scope)));
        if let Some(e) = &w.expires {
            tail.push(Line::raw(format!("  until {e}")));
        }
    }
    // The subjects and waiver go before the source and fix: they are what the operator acts on.
    let split = lines
        .iter()
        .position(|l| l.spans.first().is_some_and(|s| s.content == "Source"))
        .unwrap_or(lines.len());
    let rest = lines.split_off(split.saturating_sub(1));
    lines.extend(tail);
    lines.extend(rest);
    lines
}
