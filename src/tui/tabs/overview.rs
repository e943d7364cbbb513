//! Overview: the estate at a glance, what each mode can serve, stage readiness and the top blockers. Tab
//! moves between the plan's figures, the stage gates and the blockers; Enter opens the list behind the
//! focused one: the blocking findings, the selected stage, the findings of the selected code.

use std::collections::{BTreeMap, VecDeque};

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use crate::Severity;
use crate::finding::{Mode, Verdict};
use crate::plan::Workspace;
use crate::report::plural;
use crate::rules::catalog::Code;
use crate::tui::app::{App, Cursor};
use crate::tui::event::Internal;
use crate::tui::keymap::Action;
use crate::tui::nav::Target;
use crate::tui::stages::GateRow;
use crate::tui::ui::{ListPane, fact, inner_rows, pane, render_list, render_text, verdict_span};

/// The overview's panes that open something, in Tab order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Focus {
    /// The estate and plan figures: Enter lists the unwaived blocks.
    #[default]
    Figures,
    /// The stage gates: Enter opens the selected stage.
    Stages,
    /// The blockers by code: Enter lists the findings of the selected code.
    Blockers,
}

impl Focus {
    const ALL: [Focus; 3] = [Focus::Figures, Focus::Stages, Focus::Blockers];

    /// Its position in Tab order.
    pub fn index(self) -> usize {
        Focus::ALL.iter().position(|f| *f == self).unwrap_or(0)
    }

    /// The pane at a position in Tab order.
    pub fn at(i: usize) -> Focus {
        Focus::ALL[i % Focus::ALL.len()]
    }
}

/// State of the overview.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OverviewState {
    /// The focused pane.
    pub focus: Focus,
    /// Selection among the stage gates.
    pub stages: Cursor,
    /// Selection among the blockers.
    pub blockers: Cursor,
    /// Unwaived blocks by code, most first (recomputed on change).
    pub codes: Vec<(Code, usize)>,
}

/// Figures, modes, stage gates and blockers.
fn areas(area: Rect) -> [Rect; 4] {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    let [estate_area, modes_area] =
        Layout::vertical([Constraint::Length(11), Constraint::Min(0)]).areas(left);
    let [stages_area, blockers_area] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(right);
    [estate_area, modes_area, stages_area, blockers_area]
}

impl OverviewState {
    /// Recomputes the blockers (once per change).
    pub fn refresh(&mut self, ws: &Workspace, gates: usize) {
        self.codes = top_blockers(ws, usize::MAX);
        self.stages.fit(gates, usize::MAX);
        self.blockers.fit(self.codes.len(), usize::MAX);
    }

    /// Runs an action of the view.
    pub fn on_action(
        &mut self,
        action: Action,
        gates: &[GateRow],
        page: usize,
        queue: &mut VecDeque<Internal>,
    ) {
        match action {
            Action::NextPane => self.focus = Focus::at(self.focus.index() + 1),
            Action::PrevPane => self.focus = Focus::at(self.focus.index() + Focus::ALL.len() - 1),
            Action::Enter => {
                let target = match self.focus {
                    // The figures are the unwaived blocks: Enter lists them.
                    Focus::Figures => Some(Target::Findings(Severity::Block)),
                    Focus::Stages => gates
                        .get(self.stages.selected)
                        .map(|g| Target::Stage(g.index)),
                    Focus::Blockers => self
                        .codes
                        .get(self.blockers.selected)
                        .map(|(c, _)| Target::FindingsOfCode(*c)),
                };
                match target {
                    Some(t) => queue.push_back(Internal::Goto(t)),
                    None => queue.push_back(Internal::Error("nothing to open here".into())),
                }
            }
            _ => match self.focus {
                Focus::Figures => {}
                Focus::Stages => {
                    self.stages.navigate(action, gates.len(), page);
                }
                Focus::Blockers => {
                    self.blockers.navigate(action, self.codes.len(), page);
                }
            },
        }
    }

    /// Keeps the selections visible.
    pub fn fit(&mut self, body: Rect, gates: usize) {
        let [_, _, stages_area, blockers_area] = areas(body);
        self.stages.fit(gates, inner_rows(stages_area));
        self.blockers
            .fit(self.codes.len(), inner_rows(blockers_area));
    }

    /// A mouse click focuses the pane under it and selects the clicked row.
    pub fn click(&mut self, body: Rect, at: ratatui::layout::Position, gates: usize) {
        let [estate_area, _, stages_area, blockers_area] = areas(body);
        if estate_area.contains(at) {
            self.focus = Focus::Figures;
        } else if stages_area.contains(at) {
            self.focus = Focus::Stages;
            if let Some(r) = crate::tui::ui::row_at(stages_area, at.y, 0) {
                self.stages.click(r, gates);
            }
        } else if blockers_area.contains(at) {
            self.focus = Focus::Blockers;
            if let Some(r) = crate::tui::ui::row_at(blockers_area, at.y, 0) {
                self.blockers.click(r, self.codes.len());
            }
        }
    }

    /// The rows of the focused list that fit on screen.
    pub fn list_area(&self, body: Rect) -> Rect {
        let [estate_area, _, stages_area, blockers_area] = areas(body);
        match self.focus {
            Focus::Figures => estate_area,
            Focus::Stages => stages_area,
            Focus::Blockers => blockers_area,
        }
    }
}

/// Per mode: how many paths get each verdict, and how many chose it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModeCounts {
    /// Indexed by verdict (ok, info, warn, action, block).
    pub verdicts: [usize; 5],
    /// Paths whose chosen mode this is.
    pub chosen: usize,
}

/// Counts per mode, in [`Mode::ALL`] order.
pub fn mode_counts(ws: &Workspace) -> [ModeCounts; 4] {
    let mut out: [ModeCounts; 4] = Default::default();
    for (i, p) in ws.evaluation.paths.iter().enumerate() {
        for m in Mode::ALL {
            out[m.index()].verdicts[p.modes[m.index()].verdict.0 as usize] += 1;
        }
        out[ws.choice(i as u32).mode.index()].chosen += 1;
    }
    out
}

/// Codes of the unwaived blocks of the plan, by number of findings, most first.
pub fn top_blockers(ws: &Workspace, n: usize) -> Vec<(Code, usize)> {
    let mut by_code: BTreeMap<Code, usize> = BTreeMap::new();
    for a in ws.assessment().items.iter().filter(|a| a.blocks()) {
        *by_code.entry(ws.finding(a.finding).code).or_default() += 1;
    }
    let mut v: Vec<_> = by_code.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

/// The columns of the per-mode table after the mode's name, in order.
const MODE_COLUMNS: [(Option<Verdict>, &str, &str); 6] = [
    (Some(Verdict::Ok), "ok", "ok"),
    (Some(Verdict::Info), "info", "inf"),
    (Some(Verdict::Warn), "warn", "wrn"),
    (Some(Verdict::Action), "action", "act"),
    (Some(Verdict::Block), "block", "blk"),
    (None, "chosen", "chosen"),
];

/// The per-mode table, one line per mode whatever the pane's `width`: each column as wide as its heading or
/// its largest count, full names where they fit, then abbreviations (explained under the table), then the
/// columns that do not fit left out (the legend says which).
pub fn mode_table(
    counts: &[ModeCounts; 4],
    width: usize,
    theme: &crate::tui::theme::Theme,
) -> Vec<Line<'static>> {
    let value = |m: Mode, col: usize| match MODE_COLUMNS[col].0 {
        Some(v) => counts[m.index()].verdicts[v as usize],
        None => counts[m.index()].chosen,
    };
    let short_mode = |m: Mode| match m {
        Mode::Standard => "standard",
        Mode::RemoteGuard => "rcg",
        Mode::RestrictedAdmin => "ra",
        Mode::PreferRemoteGuard => "prefer-rcg",
    };
    let layout = |short: bool| {
        let name = |m: Mode| if short { short_mode(m) } else { m.as_str() };
        let name_w = Mode::ALL
            .iter()
            .map(|m| name(*m).len())
            .max()
            .unwrap_or(0)
            .max(4);
        let cols: Vec<usize> = (0..MODE_COLUMNS.len())
            .map(|c| {
                let head = if short {
                    MODE_COLUMNS[c].2
                } else {
                    MODE_COLUMNS[c].1
                };
                let digits = Mode::ALL
                    .iter()
                    .map(|m| crate::rules::thousands(value(*m, c)).len())
                    .max()
                    .unwrap_or(1);
                head.len().max(digits) + 1
            })
            .collect();
        (name_w, cols)
    };
    let (mut short, (mut name_w, mut cols)) = (false, layout(false));
    if name_w + cols.iter().sum::<usize>() > width {
        short = true;
        (name_w, cols) = layout(true);
    }
    // Columns that still do not fit are left out from the right, the mode's name always kept.
    let mut shown = cols.len();
    while shown > 0 && name_w + cols[..shown].iter().sum::<usize>() > width {
        shown -= 1;
    }
    let mut head = format!("{:<name_w$}", "mode");
    for (c, w) in cols.iter().enumerate().take(shown) {
        let h = if short {
            MODE_COLUMNS[c].2
        } else {
            MODE_COLUMNS[c].1
        };
        head.push_str(&format!("{h:>w$}"));
    }
    let mut lines = vec![Line::styled(head, theme.heading)];
    for m in Mode::ALL {
        let label = if short { short_mode(m) } else { m.as_str() };
        let mut spans = vec![Span::raw(format!("{label:<name_w$}"))];
        for (c, w) in cols.iter().enumerate().take(shown) {
            let text = format!("{:>w$}", crate::rules::thousands(value(m, c)));
            spans.push(match MODE_COLUMNS[c].0 {
                Some(v) => Span::styled(text, theme.verdict(v)),
                None => Span::raw(text),
            });
        }
        lines.push(Line::from(spans));
    }
    if short {
        lines.push(Line::styled(
            "rcg remote-guard, ra restricted-admin",
            theme.dim,
        ));
    } else {
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(
        "A mode can serve a path unless it blocks it.",
        theme.dim,
    ));
    if shown < cols.len() {
        let left_out: Vec<&str> = MODE_COLUMNS[shown..].iter().map(|c| c.1).collect();
        lines.push(Line::styled(
            format!("Too narrow for: {}", left_out.join(", ")),
            theme.dim,
        ));
    }
    lines
}

/// Draws the overview.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.config.theme;
    let ws = &app.ws;
    let inv = &ws.inventory;
    let st = &app.overview;
    let [estate_area, modes_area, stages_area, blockers_area] = areas(area);

    let forests = inv
        .domains
        .iter()
        .enumerate()
        .filter(|(i, d)| d.forest as usize == *i)
        .count();
    let privileged = inv.users.iter().filter(|u| u.is_privileged()).count();
    let protected = inv.users.iter().filter(|u| u.protected_users).count();
    let estate = vec![
        fact("Inventory", inv.source.name.clone(), theme),
        fact(
            "Domains",
            format!(
                "{} in {}, {}",
                inv.domains.len(),
                plural(forests, "forest"),
                plural(inv.trusts.len(), "trust")
            ),
            theme,
        ),
        fact("Hosts", inv.hosts.len().to_string(), theme),
        fact(
            "Users",
            format!(
                "{} ({privileged} privileged, {protected} in Protected Users)",
                inv.users.len()
            ),
            theme,
        ),
        fact("Groups", inv.groups.len().to_string(), theme),
        fact("Access paths", inv.paths.len().to_string(), theme),
        fact(
            "Plan",
            format!(
                "{}, {} ready; {}, {} waived; {}, {} expired",
                plural(ws.plan.stages.len(), "stage"),
                ws.assessment().counts.stages_ready,
                plural(ws.assessment().counts.blockers, "block"),
                ws.assessment().counts.waived,
                plural(ws.plan.waivers.len(), "waiver"),
                ws.assessment().counts.expired_waivers,
            ),
            theme,
        ),
        fact(
            "Exposure",
            format!(
                "{} -> {} privileged credential exposures",
                crate::rules::thousands(ws.exposure(None).exposures),
                crate::rules::thousands(ws.assessment().states.after().exposures)
            ),
            theme,
        ),
    ];
    render_text(
        estate_area,
        buf,
        pane(
            " Estate (Enter lists the blocks) ",
            st.focus == Focus::Figures,
            theme,
        ),
        estate,
        0,
    );

    let counts = mode_counts(ws);
    let lines = mode_table(&counts, modes_area.width.saturating_sub(2) as usize, theme);
    render_text(
        modes_area,
        buf,
        pane(" Paths per mode ", false, theme),
        lines,
        0,
    );

    let gates = &app.stages.gates;
    if gates.is_empty() {
        render_text(
            stages_area,
            buf,
            pane(" Stages ", st.focus == Focus::Stages, theme),
            vec![Line::styled(
                "No stages yet: add them in the stage wizard (4).",
                theme.dim,
            )],
            0,
        );
    } else {
        render_list(
            stages_area,
            buf,
            theme,
            ListPane {
                block: pane(" Stages (Enter opens) ", st.focus == Focus::Stages, theme),
                header: None,
                cursor: st.stages,
                len: gates.len(),
                focused: st.focus == Focus::Stages,
            },
            |i| {
                let row = &gates[i];
                let (v, word) = if row.ready {
                    (Verdict::Ok, "ready")
                } else {
                    (Verdict::Block, "blocked")
                };
                Line::from(vec![
                    Span::raw(format!("{:>2}. ", row.index + 1)),
                    Span::styled(
                        format!("{} {word:<7}", crate::tui::ui::verdict_symbol(v)),
                        theme.verdict(v),
                    ),
                    Span::raw(format!(" {}", row.name)),
                ])
            },
        );
    }

    let title = " Top blockers (Enter lists them) ";
    if st.codes.is_empty() {
        render_text(
            blockers_area,
            buf,
            pane(title, st.focus == Focus::Blockers, theme),
            vec![Line::from(vec![
                verdict_span(Verdict::Ok, theme),
                Span::raw(" nothing blocks the chosen modes"),
            ])],
            0,
        );
    } else {
        render_list(
            blockers_area,
            buf,
            theme,
            ListPane {
                block: pane(title, st.focus == Focus::Blockers, theme),
                header: None,
                cursor: st.blockers,
                len: st.codes.len(),
                focused: st.focus == Focus::Blockers,
            },
            |i| {
                let (code, n) = st.codes[i];
                Line::from(vec![
                    verdict_span(Verdict::Block, theme),
                    Span::raw(format!(" {n:>5}  {:<24} ", code.as_str())),
                    Span::styled(code.info().title, theme.dim),
                ])
            },
        );
    }
}
