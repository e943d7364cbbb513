//! Stage wizard: the stages in order, their members (paths, hosts, clients, users), whether each gate is ready
//! or what blocks it, and the actions the stage will generate.

use std::collections::VecDeque;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};

use crate::finding::Verdict;
use crate::inventory::PathId;
use crate::plan::actions::describe;
use crate::plan::{Edit, MemberKind, Workspace};
use crate::tui::app::{App, Cursor, Field, Form, FormPurpose, Overlay};
use crate::tui::event::Internal;
use crate::tui::keymap::Action;
use crate::tui::ui::{
    ListPane, inner_rows, pane, render_list, render_text, render_text_window, row_at, text_rows,
    verdict_span, verdict_symbol,
};

/// Something a stage holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    /// An access path.
    Path(PathId),
    /// A selector in one of the stage's lists.
    Selector(MemberKind, String),
}

/// One stage with its gate, as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateRow {
    /// Position in the plan.
    pub index: usize,
    /// Name.
    pub name: String,
    /// The gate is open.
    pub ready: bool,
    /// What blocks the gate.
    pub reasons: Vec<String>,
    /// Privileged credential exposures before and after the stage.
    pub exposure: (usize, usize),
    /// The exceptions whose subjects join their path's mode in this stage, one line each.
    pub joining: Vec<String>,
}

/// State of the stage wizard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StagesState {
    /// Selection among the stages (the last row is "not staged").
    pub cursor: Cursor,
    /// Selection among the members.
    pub members_cursor: Cursor,
    /// 0: stages, 1: members, 2: gate and actions.
    pub pane: usize,
    /// Scroll of the gate pane.
    pub gate_scroll: u16,
    /// Every stage's gate (recomputed on change).
    pub gates: Vec<GateRow>,
    /// Members of the selected stage (recomputed on change and selection).
    pub members: Vec<(MemberKind, String)>,
}

/// Stages, members, gate and actions.
pub fn panes(body: Rect) -> [Rect; 3] {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(35), Constraint::Percentage(65)]).areas(body);
    let [members, gate] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(right);
    [left, members, gate]
}

/// The stage holding a path, if any.
pub fn stage_index_of_path(ws: &Workspace, path: PathId) -> Option<usize> {
    ws.membership()
        .path
        .get(path as usize)
        .copied()
        .flatten()
        .map(|s| s as usize)
}

/// The word for a kind of member.
pub fn kind_word(kind: MemberKind) -> &'static str {
    match kind {
        MemberKind::Path => "path",
        MemberKind::Host => "target",
        MemberKind::Client => "client",
        MemberKind::User => "user",
    }
}

/// `2. enable-targets` for the stage holding a path.
pub fn stage_of_path(ws: &Workspace, path: PathId) -> Option<String> {
    stage_index_of_path(ws, path).map(|i| format!("{}. {}", i + 1, ws.plan.stages[i].name))
}

/// Queues the move of a member to the next or previous stage ("not staged" comes after the last stage).
pub fn move_item_queue(
    ws: &Workspace,
    member: Member,
    later: bool,
    queue: &mut VecDeque<Internal>,
) {
    let n = ws.plan.stages.len();
    if n == 0 {
        queue.push_back(Internal::Error(
            "the plan has no stages: add one in the stage wizard (4, then a)".into(),
        ));
        return;
    }
    let (kind, name, from) = match member {
        Member::Path(p) => {
            let Some(path) = ws.inventory.paths.get(p as usize) else {
                return;
            };
            let from = stage_index_of_path(ws, p);
            // A stage that holds the path through a selector (`*`) keeps it whatever later stages list: moving
            // it later would write an entry that changes nothing. Earlier stages take it (the earliest wins).
            if let Some(s) = from
                && !ws.plan.stages[s]
                    .members(MemberKind::Path)
                    .contains(&path.name)
            {
                if later {
                    return queue.push_back(Internal::Error(format!(
                        "stage `{}` holds `{}` through a selector (`*`): remove that selector to move the path later",
                        ws.plan.stages[s].name, path.name
                    )));
                }
                if s == 0 {
                    return queue.push_back(Internal::Status("already in the first stage".into()));
                }
                return queue.push_back(Internal::Edit(Edit::AddMember {
                    stage: s - 1,
                    kind: MemberKind::Path,
                    selector: path.name.clone(),
                }));
            }
            (MemberKind::Path, path.name.clone(), from)
        }
        Member::Selector(kind, name) => {
            let from = ws
                .plan
                .stages
                .iter()
                .position(|s| s.members(kind).contains(&name));
            (kind, name, from)
        }
    };
    // Positions 0..n are stages; n is "not staged".
    let pos = from.unwrap_or(n);
    let to = match (later, pos) {
        (true, p) if p >= n => {
            return queue.push_back(Internal::Status("already after the last stage".into()));
        }
        (true, p) => p + 1,
        (false, 0) => {
            return queue.push_back(Internal::Status("already in the first stage".into()));
        }
        (false, p) => p - 1,
    };
    let edit = match (from, (to < n).then_some(to)) {
        (Some(from), Some(to)) => Edit::MoveMember {
            from,
            to,
            kind,
            selector: name,
        },
        (None, Some(stage)) => Edit::AddMember {
            stage,
            kind,
            selector: name,
        },
        (Some(stage), None) => Edit::RemoveMember {
            stage,
            kind,
            selector: name,
        },
        (None, None) => return,
    };
    queue.push_back(Internal::Edit(edit));
}

/// The gate of a stage as the workspace assessed it, with its actions in words.
fn gate(ws: &Workspace, index: usize) -> GateRow {
    let name = ws.plan.stages[index].name.clone();
    let joining = joining_lines(ws, &name);
    match ws.assessment().stages.get(index) {
        Some(g) => GateRow {
            index,
            name,
            ready: g.ready,
            reasons: g.blockers.clone(),
            exposure: (
                ws.exposure(index.checked_sub(1)).exposures,
                ws.exposure(Some(index)).exposures,
            ),
            joining,
        },
        None => GateRow {
            index,
            name,
            ready: false,
            reasons: vec!["not assessed".into()],
            exposure: (0, 0),
            joining,
        },
    }
}

/// `path: who -> mode` for each exception whose subjects join their decision's mode in stage `name`.
fn joining_lines(ws: &Workspace, name: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for d in &ws.plan.decisions {
        let pid = ws.inventory.paths.iter().position(|p| p.name == d.path);
        for (i, e) in d.exceptions.iter().enumerate() {
            if e.stage.as_deref() != Some(name) {
                continue;
            }
            // One that leaves out nothing the mode blocks is marked, as in every view.
            let needed = pid.is_none_or(|p| {
                let pairs = ws.evaluation.pairs.get(p);
                let resolved = ws.resolved_exceptions(p as PathId).get(i);
                match (pairs, resolved) {
                    (Some(pp), Some(r)) => crate::plan::exceptions::needed(pp, d.mode, r),
                    _ => true,
                }
            });
            lines.push(format!(
                "{}: {} ({} until now) -> {}{}",
                d.path,
                crate::tui::exceptions::who(e),
                e.mode(),
                d.mode,
                if needed {
                    String::new()
                } else {
                    format!(" ({})", crate::tui::exceptions::NOT_NEEDED)
                }
            ));
        }
    }
    lines
}

impl StagesState {
    /// Recomputes gates and the members of the selected stage.
    pub fn refresh(&mut self, ws: &Workspace) {
        self.gates = (0..ws.plan.stages.len()).map(|i| gate(ws, i)).collect();
        self.refresh_members(ws);
    }

    /// Selects a stage (the stage count selects "not staged") and lists its members.
    pub fn select_stage(&mut self, ws: &Workspace, stage: usize) {
        self.cursor.selected = stage.min(ws.plan.stages.len());
        self.members_cursor = Cursor::default();
        self.gate_scroll = 0;
        self.refresh_members(ws);
    }

    fn refresh_members(&mut self, ws: &Workspace) {
        self.members.clear();
        match ws.plan.stages.get(self.cursor.selected) {
            Some(s) => {
                for kind in [
                    MemberKind::Path,
                    MemberKind::Host,
                    MemberKind::Client,
                    MemberKind::User,
                ] {
                    self.members
                        .extend(s.members(kind).iter().map(|m| (kind, m.clone())));
                }
            }
            None => {
                // The "not staged" row: paths no stage holds.
                self.members.extend(
                    ws.inventory
                        .paths
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| stage_index_of_path(ws, *i as PathId).is_none())
                        .map(|(_, p)| (MemberKind::Path, p.name.clone())),
                );
            }
        }
    }

    /// Rows of the stage list: every stage and "not staged".
    fn rows(ws: &Workspace) -> usize {
        ws.plan.stages.len() + 1
    }

    /// Runs an action of the view.
    pub fn on_action(
        &mut self,
        action: Action,
        ws: &Workspace,
        page: usize,
        queue: &mut VecDeque<Internal>,
    ) {
        let n = ws.plan.stages.len();
        let stage = (self.cursor.selected < n).then_some(self.cursor.selected);
        match (self.pane, action) {
            (0, a) if self.cursor.navigate(a, Self::rows(ws), page) => {
                self.members_cursor = Cursor::default();
                self.gate_scroll = 0;
                self.refresh_members(ws);
                return;
            }
            (1, a) if self.members_cursor.navigate(a, self.members.len(), page) => return,
            (2, Action::Up) => self.gate_scroll = self.gate_scroll.saturating_sub(1),
            (2, Action::Down) => self.gate_scroll = self.gate_scroll.saturating_add(1),
            _ => {}
        }
        match action {
            Action::Enter if self.pane == 1 => {
                let target = self
                    .members
                    .get(self.members_cursor.selected)
                    .and_then(|(kind, m)| crate::tui::nav::member_target(ws, *kind, m));
                match target {
                    Some(t) => queue.push_back(Internal::Goto(t)),
                    None => queue.push_back(Internal::Status(
                        "this member selects several items: it opens nothing".into(),
                    )),
                }
            }
            Action::NextPane | Action::Enter | Action::Right => self.pane = (self.pane + 1) % 3,
            Action::PrevPane | Action::Left | Action::Back => self.pane = (self.pane + 2) % 3,
            Action::AddStage => queue.push_back(Internal::Open(Overlay::Form(Form {
                title: "New stage".into(),
                fields: vec![Field {
                    label: "Name".into(),
                    value: String::new(),
                    hint: "letters, digits, - _ .".into(),
                }],
                focus: 0,
                purpose: FormPurpose::AddStage {
                    at: stage.map_or(n, |s| s + 1),
                },
                error: None,
            }))),
            Action::RemoveStage => match stage {
                Some(s) => queue.push_back(Internal::Edit(Edit::RemoveStage(s))),
                None => queue.push_back(Internal::Error("select a stage to remove".into())),
            },
            Action::MoveStageUp | Action::MoveStageDown => {
                let Some(s) = stage else { return };
                let to = if action == Action::MoveStageUp {
                    s.checked_sub(1)
                } else {
                    (s + 1 < n).then_some(s + 1)
                };
                if let Some(to) = to {
                    queue.push_back(Internal::Edit(Edit::MoveStage { from: s, to }));
                    self.cursor.selected = to;
                }
            }
            Action::StageLater | Action::StageEarlier => {
                if let Some((kind, name)) = self.members.get(self.members_cursor.selected) {
                    let member = match kind {
                        MemberKind::Path => {
                            match ws.inventory.index.paths.get(&name.to_lowercase()) {
                                Some(&p) => Member::Path(p),
                                None => Member::Selector(*kind, name.clone()),
                            }
                        }
                        _ => Member::Selector(*kind, name.clone()),
                    };
                    move_item_queue(ws, member, action == Action::StageLater, queue);
                }
            }
            Action::Describe => {
                match stage.and_then(|s| crate::tui::popups::form::stage_description_form(ws, s)) {
                    Some(f) => queue.push_back(Internal::Open(Overlay::Form(f))),
                    None => queue.push_back(Internal::Error("select a stage to describe".into())),
                }
            }
            Action::RemoveMember => {
                if let (Some(s), Some((kind, name))) =
                    (stage, self.members.get(self.members_cursor.selected))
                {
                    queue.push_back(Internal::Edit(Edit::RemoveMember {
                        stage: s,
                        kind: *kind,
                        selector: name.clone(),
                    }));
                }
            }
            _ => {}
        }
    }

    /// Keeps the selections visible.
    pub fn fit(&mut self, body: Rect) {
        let [s, m, _] = panes(body);
        let rows = self.gates.len() + 1;
        self.cursor.fit(rows, inner_rows(s));
        self.members_cursor.fit(self.members.len(), inner_rows(m));
    }

    /// A mouse click.
    pub fn click(&mut self, body: Rect, at: Position) {
        let [s, m, g] = panes(body);
        if s.contains(at) {
            self.pane = 0;
            if let Some(r) = row_at(s, at.y, 0) {
                self.cursor.click(r, self.gates.len() + 1);
            }
        } else if m.contains(at) {
            self.pane = 1;
            if let Some(r) = row_at(m, at.y, 0) {
                self.members_cursor.click(r, self.members.len());
            }
        } else if g.contains(at) {
            self.pane = 2;
        }
    }
}

/// The number of generated actions the gate pane always shows whole (wrapped lines counted exactly).
const WHOLE_ACTIONS: usize = 1000;

/// Draws the view.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.config.theme;
    let st = &app.stages;
    let [stages_area, members_area, gate_area] = panes(area);
    render_list(
        stages_area,
        buf,
        theme,
        ListPane {
            block: pane(" Stages, in order ", st.pane == 0, theme),
            header: None,
            cursor: st.cursor,
            len: st.gates.len() + 1,
            focused: st.pane == 0,
        },
        |i| match st.gates.get(i) {
            Some(g) => {
                let v = if g.ready { Verdict::Ok } else { Verdict::Block };
                Line::from(vec![
                    Span::raw(format!("{:>2}. ", i + 1)),
                    Span::styled(format!("{} ", verdict_symbol(v)), theme.verdict(v)),
                    Span::raw(g.name.clone()),
                ])
            }
            None => Line::styled("    (not staged)", theme.dim),
        },
    );
    let title = match st.gates.get(st.cursor.selected) {
        Some(g) => format!(" Members of {} ", g.name),
        None => " Paths no stage holds ".to_string(),
    };
    render_list(
        members_area,
        buf,
        theme,
        ListPane {
            block: pane(title, st.pane == 1, theme),
            header: None,
            cursor: st.members_cursor,
            len: st.members.len(),
            focused: st.pane == 1,
        },
        |i| {
            let (kind, name) = &st.members[i];
            Line::from(vec![
                Span::styled(format!("{:<7}", kind_word(*kind)), theme.dim),
                Span::raw(name.clone()),
            ])
        },
    );
    let block = pane(" Gate and generated actions ", st.pane == 2, theme);
    let mut lines = Vec::new();
    match st.gates.get(st.cursor.selected) {
        Some(g) => {
            if g.ready {
                lines.push(Line::from(vec![
                    verdict_span(Verdict::Ok, theme),
                    Span::raw(" gate ready: nothing blocks this stage"),
                ]));
            } else {
                lines.push(Line::from(vec![
                    verdict_span(Verdict::Block, theme),
                    Span::raw(" gate blocked:"),
                ]));
                lines.extend(g.reasons.iter().map(|r| Line::raw(format!("  - {r}"))));
            }
            let (before, after) = g.exposure;
            lines.push(Line::raw(format!(
                "Privileged credential exposures: {} -> {} after this stage",
                crate::rules::thousands(before),
                crate::rules::thousands(after)
            )));
            // What the stage is for, after the gate: a block never goes below the fold for it.
            let description = app
                .ws
                .plan
                .stages
                .get(g.index)
                .map_or("", |s| s.description.as_str());
            lines.push(Line::raw(""));
            lines.push(Line::styled("Purpose", theme.heading));
            if description.is_empty() {
                let key = app
                    .config
                    .keymap
                    .keys_for(crate::tui::keymap::Context::Stages, Action::Describe);
                lines.push(Line::styled(
                    format!("  (no description: {key} describes the stage)"),
                    theme.dim,
                ));
            } else {
                lines.push(Line::raw(format!("  {description}")));
            }
            if !g.joining.is_empty() {
                lines.push(Line::raw(""));
                lines.push(Line::styled(
                    "Exceptions whose subjects join their path's mode here",
                    theme.heading,
                ));
                lines.extend(g.joining.iter().map(|j| Line::raw(format!("  {j}"))));
            }
            lines.push(Line::raw(""));
            lines.push(Line::styled("Generated actions", theme.heading));
            let actions = app
                .ws
                .stage_gate(g.index)
                .map_or(&[][..], |s| s.actions.as_slice());
            if actions.is_empty() {
                lines.push(Line::styled("  (none)", theme.dim));
            }
            let mut tail = Vec::new();
            if let Some(obs) = &app.observed {
                verification_lines(app, obs, g.index, &mut tail);
            }
            // A stage may prepare a hundred thousand hosts: of a long list only the actions the scroll shows are
            // put in words (each counted as one row for the position marker).
            if actions.len() <= WHOLE_ACTIONS {
                lines.extend(
                    (actions.iter())
                        .map(|a| Line::raw(format!("  {}", describe(&app.ws.inventory, a)))),
                );
                lines.extend(tail);
                return render_text(gate_area, buf, block, lines, st.gate_scroll);
            }
            let inner = block.inner(gate_area);
            let head = text_rows(&lines, inner.width);
            let total = head + actions.len() + tail.len();
            let scroll = (st.gate_scroll as usize).min(total.saturating_sub(inner.height as usize));
            let skip = scroll.saturating_sub(head).min(actions.len());
            let end = (scroll + inner.height as usize)
                .saturating_sub(head)
                .min(actions.len());
            let (shown, skipped) = if skip == 0 {
                (lines, 0)
            } else {
                (Vec::new(), head + skip)
            };
            let mut shown = shown;
            shown.extend(
                actions[skip..end]
                    .iter()
                    .map(|a| Line::raw(format!("  {}", describe(&app.ws.inventory, a)))),
            );
            let after = if end == actions.len() {
                shown.extend(tail);
                0
            } else {
                actions.len() - end + tail.len()
            };
            let scroll = scroll.min(u16::MAX as usize) as u16;
            return render_text_window(gate_area, buf, block, shown, scroll, skipped, after);
        }
        None => lines.push(Line::styled(
            "Move a path into the last stage with <, and on to earlier stages with < again (> takes it later, back here).",
            theme.dim,
        )),
    }
    render_text(gate_area, buf, block, lines, st.gate_scroll);
}

/// What the events say of the stages up to `stage`: each switched path's sessions, and its violations.
fn verification_lines(
    app: &App,
    obs: &crate::verify::Observed,
    stage: usize,
    lines: &mut Vec<Line<'static>>,
) {
    let theme = &app.config.theme;
    let checks = obs.stage(&app.ws, stage);
    let violations: u64 = checks.iter().map(|c| c.violations).sum();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Verification from events (this stage and the earlier ones)",
        theme.heading,
    ));
    let (v, text) = if violations == 0 {
        (
            Verdict::Ok,
            format!(" {} Remote Desktop logons: no violations", obs.logons),
        )
    } else {
        (
            Verdict::Block,
            format!(
                " {} Remote Desktop logons: {violations} did not use the planned mode",
                obs.logons
            ),
        )
    };
    lines.push(Line::from(vec![verdict_span(v, theme), Span::raw(text)]));
    if checks.is_empty() {
        lines.push(Line::styled("  (no path is switched yet)", theme.dim));
    }
    for c in checks {
        let v = if c.violations == 0 {
            Verdict::Ok
        } else {
            Verdict::Block
        };
        let s = c.sessions;
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(format!("{} ", verdict_symbol(v)), theme.verdict(v)),
            Span::raw(format!(
                "{} ({}): standard {}, remote-guard {}, restricted-admin {}{}",
                app.ws.inventory.paths[c.path as usize].name,
                c.planned.as_str(),
                s.standard,
                s.remote_guard,
                s.restricted_admin,
                if c.violations == 0 {
                    String::new()
                } else {
                    format!(
                        "; {} violation{}",
                        c.violations,
                        if c.violations == 1 { "" } else { "s" }
                    )
                }
            )),
        ]));
    }
    if obs.unmatched_logons > 0 {
        lines.push(Line::styled(
            format!(
                "  {} logon{} no path explains (guardplan verify lists them)",
                obs.unmatched_logons,
                if obs.unmatched_logons == 1 { "" } else { "s" }
            ),
            theme.dim,
        ));
    }
}
