//! Access paths: every path's verdict under the four modes side by side, the recommended and the chosen mode,
//! and the findings of the chosen mode (they follow the choice as it changes).

use std::collections::VecDeque;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};

use crate::finding::{Mode, Verdict};
use crate::inventory::PathId;
use crate::plan::Enforcement;
use crate::plan::{Edit, Exception, Workspace};
use crate::report::plural;
use crate::tui::app::{App, Cursor};
use crate::tui::event::Internal;
use crate::tui::keymap::Action;
use crate::tui::ui::{ListPane, fact, pane, render_list, render_text, row_at, verdict_span};

/// State of the access paths view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathsState {
    /// Selection in the list.
    pub cursor: Cursor,
    /// 0: the list, 1: the detail pane.
    pub pane: usize,
    /// Scroll of the detail pane.
    pub detail_scroll: u16,
    /// Whether each drawn path's chosen mode is done by its exceptions, kept until its decision changes.
    done: DoneCache,
}

/// Per path: the chosen mode and the exceptions it was judged with, and the number of exceptions when they
/// leave out every pair the mode blocks. Filled as rows are drawn, so that a frame costs no pair counting once
/// the decisions it shows were judged; a derived value, so two states compare equal whatever it holds.
#[derive(Debug, Default)]
struct DoneCache(std::cell::RefCell<std::collections::HashMap<PathId, Judged>>);

/// A decision as it was judged (mode, exceptions) and the judgement.
type Judged = (Mode, Vec<Exception>, Option<usize>);

impl Clone for DoneCache {
    fn clone(&self) -> Self {
        DoneCache::default()
    }
}

impl PartialEq for DoneCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for DoneCache {}

impl DoneCache {
    /// The number of exceptions of `path` when they leave out every pair its chosen mode `m` blocks.
    fn get(&self, ws: &Workspace, path: PathId, m: Mode) -> Option<usize> {
        let name = &ws.inventory.paths.get(path as usize)?.name;
        let written = ws
            .plan
            .decision(name)
            .map_or(&[][..], |d| d.exceptions.as_slice());
        if let Some((mode, ex, done)) = self.0.borrow().get(&path)
            && *mode == m
            && ex.as_slice() == written
        {
            return *done;
        }
        let resolved = ws.resolved_exceptions(path);
        let fig =
            crate::plan::exceptions::figures(&ws.inventory, &ws.evaluation, path, m, resolved);
        let done = (!resolved.is_empty() && fig.blocked == 0).then_some(resolved.len());
        self.0
            .borrow_mut()
            .insert(path, (m, written.to_vec(), done));
        done
    }
}

/// The list pane and the detail pane.
pub fn panes(body: Rect) -> [Rect; 2] {
    let detail = (body.height / 2).clamp(6, 14);
    Layout::vertical([Constraint::Min(3), Constraint::Length(detail)]).areas(body)
}

const MODE_HEADS: [&str; 4] = ["STANDARD", "REMOTE-GUARD", "RESTRICTED", "PREFER-RCG"];
const SHORT_HEADS: [&str; 4] = ["STD", "RCG", "RA", "PRF"];

/// Column widths: full words where the terminal is wide enough, symbols only where it is not.
#[derive(Clone, Copy)]
struct Columns {
    name: usize,
    cell: usize,
    compact: bool,
}

impl Columns {
    fn for_width(w: usize) -> Columns {
        if w >= 24 + 9 + 4 * 13 + 12 {
            Columns {
                name: 24,
                cell: 13,
                compact: false,
            }
        } else {
            Columns {
                name: w.saturating_sub(9 + 4 * 5 + 8).clamp(8, 24),
                cell: 5,
                compact: true,
            }
        }
    }
}

impl PathsState {
    /// Forgets what was judged of the decisions (another inventory, another evaluation).
    pub fn forget(&mut self) {
        self.done = DoneCache::default();
    }

    /// The selected path.
    pub fn selected(&self, ws: &Workspace) -> Option<PathId> {
        (self.cursor.selected < ws.inventory.paths.len()).then_some(self.cursor.selected as PathId)
    }

    /// Runs an action of the view.
    pub fn on_action(
        &mut self,
        action: Action,
        ws: &Workspace,
        page: usize,
        queue: &mut VecDeque<Internal>,
    ) {
        let len = ws.inventory.paths.len();
        if self.pane == 1 {
            match action {
                Action::Up => self.detail_scroll = self.detail_scroll.saturating_sub(1),
                Action::Down => self.detail_scroll = self.detail_scroll.saturating_add(1),
                Action::NextPane | Action::PrevPane | Action::Back | Action::Left => self.pane = 0,
                _ => {}
            }
            if !matches!(
                action,
                Action::CycleMode
                    | Action::CycleModeBack
                    | Action::UseRecommended
                    | Action::ExceptBlockers
                    | Action::ClearExceptions
                    | Action::ToggleEnforcement
                    | Action::PathFindings
            ) {
                return;
            }
        }
        if self.cursor.navigate(action, len, page) {
            self.detail_scroll = 0;
            return;
        }
        let Some(path) = self.selected(ws) else {
            return;
        };
        let choice = ws.choice(path);
        match action {
            Action::NextPane | Action::PrevPane | Action::Right => self.pane = 1,
            Action::Enter => {
                queue.push_back(Internal::Goto(crate::tui::nav::Target::StageOfPath(path)))
            }
            Action::PathFindings => queue.push_back(Internal::Goto(
                crate::tui::nav::Target::FindingsOfPath(path),
            )),
            Action::CycleMode | Action::CycleModeBack => {
                let mode = if action == Action::CycleMode {
                    choice.mode.next()
                } else {
                    Mode::ALL[(choice.mode.index() + Mode::ALL.len() - 1) % Mode::ALL.len()]
                };
                queue.push_back(Internal::Edit(Edit::SetMode { path, mode }));
            }
            Action::UseRecommended => {
                match ws
                    .evaluation
                    .paths
                    .get(path as usize)
                    .and_then(|p| p.recommended)
                {
                    Some(mode) => {
                        // The recommendation comes with the exception of what its mode blocks.
                        let exceptions = crate::tui::exceptions::proposed(ws, path, mode);
                        let same = ws.inventory.paths.get(path as usize).and_then(|p| {
                            ws.plan
                                .decision(&p.name)
                                .map(|d| d.mode == mode && d.exceptions == exceptions)
                        });
                        if same == Some(true) {
                            queue.push_back(Internal::Status("already the recommended mode".into()))
                        } else {
                            queue.push_back(Internal::Edit(Edit::Decide {
                                path,
                                mode,
                                exceptions,
                            }))
                        }
                    }
                    None => queue.push_back(Internal::Error(
                        "no mode is recommended: every mode is blocked".into(),
                    )),
                }
            }
            // Worked out off the key path: on a large path it takes a while.
            Action::ExceptBlockers => queue.push_back(Internal::Except(path)),
            Action::ClearExceptions => queue.push_back(Internal::Edit(Edit::Decide {
                path,
                mode: choice.mode,
                exceptions: Vec::new(),
            })),
            Action::ToggleEnforcement => {
                let enforce = match choice.enforce {
                    Enforcement::Policy => Enforcement::Switch,
                    Enforcement::Switch => Enforcement::Policy,
                };
                queue.push_back(Internal::Edit(Edit::SetEnforcement { path, enforce }));
            }
            Action::StageLater | Action::StageEarlier => {
                super::stages::move_item_queue(
                    ws,
                    super::stages::Member::Path(path),
                    action == Action::StageLater,
                    queue,
                );
            }
            _ => {}
        }
    }

    /// Keeps the selection visible.
    pub fn fit(&mut self, ws: &Workspace, body: Rect) {
        let rows = crate::tui::ui::inner_rows(panes(body)[0]).saturating_sub(1);
        self.cursor.fit(ws.inventory.paths.len(), rows);
    }

    /// A mouse click.
    pub fn click(&mut self, body: Rect, at: Position, ws: &Workspace) {
        let [list, detail] = panes(body);
        if list.contains(at) {
            self.pane = 0;
            if let Some(r) = row_at(list, at.y, 1) {
                self.cursor.click(r, ws.inventory.paths.len());
                self.detail_scroll = 0;
            }
        } else if detail.contains(at) {
            self.pane = 1;
        }
    }
}

/// What a cell says beside its verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Share {
    /// Served for every pair (or blocked for all): the verdict alone.
    Whole,
    /// Blocked for some pairs: the percentage of pairs the mode serves.
    Partly(u64),
    /// The chosen mode, whose blocked pairs its exceptions all leave out: done, with the number of exceptions.
    Excepted(usize),
}

/// The share of the path's pairs mode `m` serves, as its cell tells it.
fn share(ws: &Workspace, done: &DoneCache, path: PathId, m: Mode, chosen: bool) -> Share {
    let Some(pp) = ws.evaluation.pairs.get(path as usize) else {
        return Share::Whole;
    };
    let blocked = pp.blocked[m.index()];
    if blocked == 0 || blocked >= pp.pairs {
        return Share::Whole;
    }
    if chosen && let Some(n) = done.get(ws, path, m) {
        return Share::Excepted(n);
    }
    Share::Partly(pp.served_percent(m))
}

fn cell(
    v: Verdict,
    share: Share,
    chosen: bool,
    cols: Columns,
    theme: &crate::tui::theme::Theme,
) -> Vec<Span<'static>> {
    let mut s = verdict_span(v, theme);
    let symbol = crate::tui::ui::verdict_symbol(v);
    match share {
        // Narrow: the symbol, and `x` where exceptions leave out the rest.
        Share::Excepted(_) if cols.compact => s.content = format!("{symbol}x").into(),
        _ if cols.compact => s.content = symbol.into(),
        Share::Whole => {}
        Share::Partly(pct) => s.content = format!("{symbol} {pct}%").into(),
        Share::Excepted(n) => s.content = format!("{symbol} {n} exc").into(),
    }
    let text = if chosen {
        s.style = s.style.patch(theme.chosen);
        format!("[{}]", s.content)
    } else {
        format!(" {} ", s.content)
    };
    let pad = cols.cell.saturating_sub(text.chars().count());
    s.content = text.into();
    vec![s, Span::raw(" ".repeat(pad))]
}

/// Draws the view.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.config.theme;
    let ws = &app.ws;
    let st = &app.paths;
    let [list_area, detail_area] = panes(area);
    let cols = Columns::for_width(list_area.width.saturating_sub(2) as usize);
    let mut head = format!("{:<w$} {:<8}", "PATH", "PURPOSE", w = cols.name);
    let heads = if cols.compact {
        SHORT_HEADS
    } else {
        MODE_HEADS
    };
    for h in heads {
        head.push_str(&format!(" {h:<w$}", w = cols.cell));
    }
    head.push_str(if cols.compact { "REC" } else { "RECOMMENDED" });
    let header = Line::styled(head, theme.heading);
    render_list(
        list_area,
        buf,
        theme,
        ListPane {
            block: pane(
                if cols.compact {
                    " Access paths: verdict per mode, [chosen], x: rest excepted "
                } else {
                    " Access paths: verdict per mode, [chosen], N exc: rest left out by N exceptions "
                },
                st.pane == 0,
                theme,
            ),
            header: Some(header),
            cursor: st.cursor,
            len: ws.inventory.paths.len(),
            focused: st.pane == 0,
        },
        |i| {
            let p = &ws.inventory.paths[i];
            let ev = ws.evaluation.paths.get(i);
            let choice = ws.choice(i as PathId);
            let mut spans = vec![Span::raw(format!(
                "{:<w$} {:<8}",
                truncate(&p.name, cols.name),
                crate::tui::ui::word(&p.purpose),
                w = cols.name
            ))];
            for m in Mode::ALL {
                // The chosen mode shows what the plan makes of it, other paths' choices and waivers included.
                let v = if m == choice.mode {
                    ws.plan_verdict(i as PathId)
                } else {
                    ev.map_or(Verdict::Ok, |e| e.modes[m.index()].verdict.0)
                };
                let share = share(ws, &st.done, i as PathId, m, m == choice.mode);
                spans.push(Span::raw(" "));
                spans.extend(cell(v, share, m == choice.mode, cols, theme));
            }
            spans.push(Span::raw(
                ev.and_then(|e| e.recommended)
                    .map_or("none".to_string(), |m| m.as_str().to_string()),
            ));
            Line::from(spans)
        },
    );
    let lines = st
        .selected(ws)
        .map(|p| detail_lines(ws, p, theme))
        .unwrap_or_default();
    render_text(
        detail_area,
        buf,
        pane(" Chosen mode and its findings ", st.pane == 1, theme),
        lines,
        st.detail_scroll,
    );
}

fn truncate(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(w.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The detail of a path: choice, recommendation, and the findings under the chosen mode.
pub fn detail_lines(
    ws: &Workspace,
    path: PathId,
    theme: &crate::tui::theme::Theme,
) -> Vec<Line<'static>> {
    let inv = &ws.inventory;
    let p = &inv.paths[path as usize];
    let choice = ws.choice(path);
    let ev = ws.evaluation.paths.get(path as usize);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(p.name.clone(), theme.heading),
            Span::raw(format!(
                "  {}, {}, {}, {}",
                plural(p.who.len(), "user"),
                plural(p.from.len(), "client"),
                plural(p.to.len(), "target"),
                plural(p.hops.len(), "hop")
            )),
        ]),
        fact(
            "Chosen",
            format!("{} by {}", choice.mode, enforcement_word(choice.enforce)),
            theme,
        ),
        fact(
            "Recommended",
            ev.and_then(|e| e.recommended)
                .map_or("none: every mode is blocked".into(), |m| m.to_string()),
            theme,
        ),
    ];
    if let Some(stage) = super::stages::stage_of_path(ws, path) {
        lines.push(fact("Stage", stage, theme));
    }
    // What the plan makes of this path under its chosen mode, waivers included: this follows every change.
    // Unwaived blocks first, so that what stops the path is never below the fold.
    let mut items = ws.items_for_path(path);
    items.sort_by_key(|a| (a.waived_by.is_some(), std::cmp::Reverse(a.severity)));
    let mut any = false;
    for a in &items {
        let f = ws.finding(a.finding);
        any = true;
        let mut spans = vec![
            verdict_span(Verdict::of(a.severity), theme),
            Span::raw(format!(" {} ", f.code.as_str())),
        ];
        if a.waived_by.is_some() {
            spans.push(Span::styled(f.message.clone(), theme.waived));
            spans.push(Span::raw(" (waived)"));
        } else {
            spans.push(Span::raw(f.message.clone()));
        }
        lines.push(Line::from(spans));
    }
    if !any {
        lines.push(Line::from(vec![
            verdict_span(Verdict::Ok, theme),
            Span::raw(format!(" no findings under {}", choice.mode)),
        ]));
    }
    lines.extend(crate::tui::exceptions::exception_lines(ws, path, theme));
    lines.extend(crate::tui::exceptions::pair_lines(ws, path, theme));
    // Why the recommendation is what it is: after the findings, which are what the operator acts on.
    if let Some(e) = ev {
        for r in &e.rationale {
            lines.push(Line::styled(format!("  {r}"), theme.dim));
        }
    }
    lines
}

fn enforcement_word(e: Enforcement) -> &'static str {
    match e {
        Enforcement::Policy => "client policy",
        Enforcement::Switch => "mstsc switch",
    }
}
