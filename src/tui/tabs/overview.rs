//! Overview: the estate at a glance, what each mode can serve, stage readiness and the top blockers.

use std::collections::BTreeMap;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use crate::finding::{Mode, Verdict};
use crate::plan::Workspace;
use crate::rules::catalog::Code;
use crate::tui::app::App;
use crate::tui::ui::{fact, pane, render_text, verdict_span};

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

/// Draws the overview.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.config.theme;
    let ws = &app.ws;
    let inv = &ws.inventory;
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    let [estate_area, modes_area] =
        Layout::vertical([Constraint::Length(11), Constraint::Min(0)]).areas(left);
    let [stages_area, blockers_area] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(right);

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
                "{} in {forests} forests, {} trusts",
                inv.domains.len(),
                inv.trusts.len()
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
                "{} stages, {} ready; {} blocks, {} waived; {} waivers, {} expired",
                ws.plan.stages.len(),
                ws.assessment().counts.stages_ready,
                ws.assessment().counts.blockers,
                ws.assessment().counts.waived,
                ws.plan.waivers.len(),
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
    render_text(estate_area, buf, pane(" Estate ", false, theme), estate, 0);

    let counts = mode_counts(ws);
    let mut lines = vec![Line::styled(
        format!(
            "{:<20}{:>5}{:>5}{:>5}{:>7}{:>6}{:>7}",
            "mode", "ok", "info", "warn", "action", "block", "chosen"
        ),
        theme.heading,
    )];
    for m in Mode::ALL {
        let c = &counts[m.index()];
        let mut spans = vec![Span::raw(format!("{:<20}", m.as_str()))];
        for (v, w) in [
            (Verdict::Ok, 5),
            (Verdict::Info, 5),
            (Verdict::Warn, 5),
            (Verdict::Action, 7),
            (Verdict::Block, 6),
        ] {
            spans.push(Span::styled(
                format!("{:>w$}", c.verdicts[v as usize]),
                theme.verdict(v),
            ));
        }
        spans.push(Span::raw(format!("{:>7}", c.chosen)));
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "A mode can serve a path unless it blocks it.",
        theme.dim,
    ));
    render_text(
        modes_area,
        buf,
        pane(" Paths per mode ", false, theme),
        lines,
        0,
    );

    let mut stage_lines = Vec::new();
    for row in app.stages.gates.iter() {
        let v = if row.ready {
            Verdict::Ok
        } else {
            Verdict::Block
        };
        let word = if row.ready { "ready" } else { "blocked" };
        stage_lines.push(Line::from(vec![
            Span::raw(format!("{:>2}. {:<22}", row.index + 1, row.name)),
            Span::styled(
                format!("{} {word}", crate::tui::ui::verdict_symbol(v)),
                theme.verdict(v),
            ),
        ]));
    }
    if stage_lines.is_empty() {
        stage_lines.push(Line::styled(
            "No stages yet: add them in the stage wizard (4).",
            theme.dim,
        ));
    }
    render_text(
        stages_area,
        buf,
        pane(" Stages ", false, theme),
        stage_lines,
        0,
    );

    let blockers = top_blockers(ws, blockers_area.height.saturating_sub(2) as usize);
    let mut lines = Vec::new();
    for (code, n) in &blockers {
        lines.push(Line::from(vec![
            verdict_span(Verdict::Block, theme),
            Span::raw(format!(" {n:>5}  {:<24} ", code.as_str())),
            Span::styled(code.info().title, theme.dim),
        ]));
    }
    if lines.is_empty() {
        lines.push(Line::from(vec![
            verdict_span(Verdict::Ok, theme),
            Span::raw(" nothing blocks the chosen modes"),
        ]));
    }
    render_text(
        blockers_area,
        buf,
        pane(" Top blockers (chosen modes) ", false, theme),
        lines,
        0,
    );
}
