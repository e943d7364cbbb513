//! Drill-down: Enter on a finding, path, stage member or overview opens what it names; Esc goes back along
//! the way the operator came. Views ask for a place through the queue ([`Internal::Goto`]); only this module
//! moves between views and remembers the way back.
//!
//! [`Internal::Goto`]: super::event::Internal::Goto

use super::app::{App, Cursor, View};
use super::findings::Only;
use super::inventory::Kind;
use crate::finding::{Finding, Severity, Subject};
use crate::inventory::PathId;
use crate::plan::{Assessed, MemberKind, Workspace};
use crate::rules::catalog::Code;

/// What a drill-down opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An access path in the paths view.
    Path(PathId),
    /// The stage holding a path (or the paths no stage holds), with the path selected among its members.
    StageOfPath(PathId),
    /// A stage in the stage wizard.
    Stage(usize),
    /// A host in the inventory browser.
    Host(u32),
    /// A user in the inventory browser.
    User(u32),
    /// The findings of one severity.
    Findings(Severity),
    /// The findings of one code.
    FindingsOfCode(Code),
    /// The findings about a path.
    FindingsOfPath(PathId),
}

/// Where the operator was: a view and its selections, restored by Esc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// The view.
    pub view: View,
    cursor: Cursor,
    inner: Cursor,
    pane: usize,
}

/// The place shown now.
pub fn here(app: &App) -> Place {
    let (cursor, inner, pane) = match app.view {
        View::Overview => (
            app.overview.stages,
            app.overview.blockers,
            app.overview.focus.index(),
        ),
        View::Graph => (Cursor::default(), Cursor::default(), app.graph.pane),
        View::Paths => (app.paths.cursor, Cursor::default(), app.paths.pane),
        View::Stages => (
            app.stages.cursor,
            app.stages.members_cursor,
            app.stages.pane,
        ),
        View::Findings => (app.findings.cursor, Cursor::default(), app.findings.pane),
        View::Inventory => (app.inventory.cursor, Cursor::default(), app.inventory.pane),
        View::Waivers => (app.waivers.cursor, Cursor::default(), 0),
    };
    Place {
        view: app.view,
        cursor,
        inner,
        pane,
    }
}

fn restore(app: &mut App, p: Place) {
    app.view = p.view;
    match p.view {
        View::Overview => {
            app.overview.stages = p.cursor;
            app.overview.blockers = p.inner;
            app.overview.focus = super::overview::Focus::at(p.pane);
        }
        View::Graph => app.graph.pane = p.pane,
        View::Paths => {
            app.paths.cursor = p.cursor;
            app.paths.pane = p.pane;
        }
        View::Stages => {
            app.stages.cursor = p.cursor;
            app.stages.pane = p.pane;
            app.stages.select_stage(&app.ws, p.cursor.selected);
            app.stages.members_cursor = p.inner;
        }
        View::Findings => {
            app.findings.cursor = p.cursor;
            app.findings.pane = p.pane;
        }
        View::Inventory => {
            app.inventory.cursor = p.cursor;
            app.inventory.pane = p.pane;
        }
        View::Waivers => app.waivers.cursor = p.cursor,
    }
}

/// Opens a target, remembering the way back.
pub fn goto(app: &mut App, target: Target) {
    let from = here(app);
    let ws = &app.ws;
    match target {
        Target::Path(p) => {
            app.view = View::Paths;
            app.paths.cursor.selected = p as usize;
            app.paths.pane = 0;
            app.paths.detail_scroll = 0;
        }
        Target::StageOfPath(p) => {
            app.view = View::Stages;
            let stage = super::stages::stage_index_of_path(ws, p).unwrap_or(ws.plan.stages.len());
            app.stages.select_stage(ws, stage);
            let name = ws.inventory.paths[p as usize].name.clone();
            // The path itself when the stage lists it; else the stage's own path selector (`*`), said so.
            match app
                .stages
                .members
                .iter()
                .position(|(k, m)| *k == MemberKind::Path && m.eq_ignore_ascii_case(&name))
            {
                Some(i) => app.stages.members_cursor.selected = i,
                None => {
                    let by = app
                        .stages
                        .members
                        .iter()
                        .position(|(k, _)| *k == MemberKind::Path)
                        .unwrap_or(0);
                    app.stages.members_cursor.selected = by;
                    let selector = app.stages.members.get(by).map_or("", |(_, m)| m.as_str());
                    let stage = ws.plan.stages.get(stage).map_or("", |s| s.name.as_str());
                    let text = format!("{name} is in stage {stage} through `{selector}`");
                    app.info(text);
                }
            }
            app.stages.pane = 1;
        }
        Target::Stage(s) => {
            app.view = View::Stages;
            app.stages.select_stage(ws, s);
            app.stages.pane = 0;
        }
        Target::Host(h) => {
            app.view = View::Inventory;
            app.inventory.reveal(&ws.inventory, Kind::Hosts, h);
        }
        Target::User(u) => {
            app.view = View::Inventory;
            app.inventory.reveal(&ws.inventory, Kind::Users, u);
        }
        Target::Findings(severity) => {
            app.view = View::Findings;
            app.findings.show(ws, Some(severity), None);
        }
        Target::FindingsOfCode(code) => {
            app.view = View::Findings;
            app.findings.show(ws, None, Some(Only::Code(code)));
        }
        Target::FindingsOfPath(p) => {
            app.view = View::Findings;
            app.findings.show(ws, None, Some(Only::Path(p)));
        }
    }
    if here(app) != from {
        app.back.push(from);
    }
}

/// Goes back to where the last drill-down started; false when there is no way back.
pub fn back(app: &mut App) -> bool {
    match app.back.pop() {
        Some(p) => {
            // A drill-down's narrowing of the findings ends with it.
            if app.view == View::Findings && app.findings.only.is_some() {
                app.findings.only = None;
                app.findings.refresh(&app.ws);
            }
            restore(app, p);
            true
        }
        None => false,
    }
}

/// What Enter on a finding opens: its path, else the stage it concerns, else its first host or user.
pub fn finding_target(ws: &Workspace, a: &Assessed, f: &Finding) -> Option<Target> {
    if let Some(p) = f.path {
        return Some(Target::Path(p));
    }
    if let Some(s) = a.stage {
        return Some(Target::Stage(s));
    }
    f.subjects.iter().find_map(|s| match *s {
        Subject::Host(h) if (h as usize) < ws.inventory.hosts.len() => Some(Target::Host(h)),
        Subject::User(u) if (u as usize) < ws.inventory.users.len() => Some(Target::User(u)),
        Subject::Stage(s) => Some(Target::Stage(s as usize)),
        _ => None,
    })
}

/// What Enter on a stage member opens: a path in the paths view, a host or user in the inventory.
pub fn member_target(ws: &Workspace, kind: MemberKind, selector: &str) -> Option<Target> {
    let inv = &ws.inventory;
    match kind {
        MemberKind::Path => {
            let name = selector.strip_prefix("path:").unwrap_or(selector);
            inv.index
                .paths
                .get(&name.to_lowercase())
                .map(|p| Target::Path(*p))
        }
        MemberKind::Host | MemberKind::Client => selector
            .strip_prefix("host:")
            .and_then(|h| inv.host_named(h))
            .map(Target::Host),
        MemberKind::User => {
            let name = selector.strip_prefix("user:")?;
            inv.selectors()
                .users(&format!("user:{name}"))
                .ok()
                .and_then(|v| v.first().copied())
                .map(Target::User)
        }
    }
}
