//! The working plan the planner edits: inventory, graph, evaluation and plan, with undo and redo.

use crate::finding::Mode;
use crate::graph::TrustGraph;
use crate::inventory::{Inventory, PathId};
use crate::plan::{Decision, Enforcement, Plan, Stage, Waiver};
use crate::rules::{Choice, Evaluation};

/// One planning change.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Choose a mode for a path.
    SetMode {
        /// The path.
        path: PathId,
        /// The mode.
        mode: Mode,
    },
    /// Choose how a path's mode is enforced.
    SetEnforcement {
        /// The path.
        path: PathId,
        /// Policy or switch.
        enforce: Enforcement,
    },
    /// Accept a finding.
    AddWaiver(Waiver),
    /// Withdraw a waiver (by position).
    RemoveWaiver(usize),
    /// Insert a stage.
    AddStage {
        /// Position.
        at: usize,
        /// The stage.
        stage: Stage,
    },
    /// Remove a stage (by position).
    RemoveStage(usize),
    /// Move a stage to another position.
    MoveStage {
        /// Position now.
        from: usize,
        /// Position after.
        to: usize,
    },
    /// Move a member between stages (`None`: not staged).
    MoveMember {
        /// Which list.
        kind: MemberKind,
        /// The member as written.
        member: String,
        /// The stage now.
        from: Option<usize>,
        /// The stage after.
        to: Option<usize>,
    },
}

/// The lists of a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberKind {
    /// `paths`.
    Path,
    /// `hosts`.
    Host,
    /// `clients`.
    Client,
    /// `users`.
    User,
}

impl MemberKind {
    /// Every list, in display order.
    pub const ALL: [MemberKind; 4] = [
        MemberKind::Path,
        MemberKind::Host,
        MemberKind::Client,
        MemberKind::User,
    ];

    /// The word shown.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberKind::Path => "path",
            MemberKind::Host => "host",
            MemberKind::Client => "client",
            MemberKind::User => "user",
        }
    }

    /// What the stage does to such a member.
    pub fn action(self) -> &'static str {
        match self {
            MemberKind::Path => "switch path",
            MemberKind::Host => "prepare target",
            MemberKind::Client => "set client policy on",
            MemberKind::User => "enroll in Protected Users:",
        }
    }

    /// The list of a stage.
    pub fn list(self, s: &Stage) -> &Vec<String> {
        match self {
            MemberKind::Path => &s.paths,
            MemberKind::Host => &s.hosts,
            MemberKind::Client => &s.clients,
            MemberKind::User => &s.users,
        }
    }

    fn list_mut(self, s: &mut Stage) -> &mut Vec<String> {
        match self {
            MemberKind::Path => &mut s.paths,
            MemberKind::Host => &mut s.hosts,
            MemberKind::Client => &mut s.clients,
            MemberKind::User => &mut s.users,
        }
    }
}

/// Inventory, graph, evaluation and the plan being edited.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The inventory.
    pub inventory: Inventory,
    /// Its trust graph.
    pub graph: TrustGraph,
    /// Every path under every mode.
    pub evaluation: Evaluation,
    /// The plan being edited.
    pub plan: Plan,
    undo: Vec<Plan>,
    redo: Vec<Plan>,
    saved: Plan,
}

impl Workspace {
    /// Evaluates the inventory and opens a plan (an empty one when none is given).
    pub fn new(inventory: Inventory, plan: Option<Plan>, today: time::Date) -> Workspace {
        let _ = today;
        let graph = TrustGraph::new(&inventory);
        let evaluation = crate::rules::evaluate(&inventory, &graph);
        let plan = plan.unwrap_or_else(|| Plan {
            version: 1,
            ..Plan::default()
        });
        Workspace {
            inventory,
            graph,
            evaluation,
            saved: plan.clone(),
            plan,
            undo: Vec::new(),
            redo: Vec::new(),
        }
    }

    /// Applies a change, recording it for undo.
    pub fn apply(&mut self, edit: Edit) -> Result<(), String> {
        let before = self.plan.clone();
        match edit {
            Edit::SetMode { path, mode } => {
                let name = self.path_name(path)?;
                self.decision_mut(&name).mode = mode;
            }
            Edit::SetEnforcement { path, enforce } => {
                let name = self.path_name(path)?;
                self.decision_mut(&name).enforce = enforce;
            }
            Edit::AddWaiver(w) => self.plan.waivers.push(w),
            Edit::RemoveWaiver(i) => {
                if i >= self.plan.waivers.len() {
                    return Err(format!("no waiver {i}"));
                }
                self.plan.waivers.remove(i);
            }
            Edit::AddStage { at, stage } => {
                let at = at.min(self.plan.stages.len());
                self.plan.stages.insert(at, stage);
            }
            Edit::RemoveStage(i) => {
                if i >= self.plan.stages.len() {
                    return Err(format!("no stage {i}"));
                }
                self.plan.stages.remove(i);
            }
            Edit::MoveStage { from, to } => {
                let n = self.plan.stages.len();
                if from >= n || to >= n {
                    return Err("no such stage".into());
                }
                let s = self.plan.stages.remove(from);
                self.plan.stages.insert(to, s);
            }
            Edit::MoveMember {
                kind,
                member,
                from,
                to,
            } => {
                let n = self.plan.stages.len();
                if from.is_some_and(|f| f >= n) || to.is_some_and(|t| t >= n) {
                    return Err("no such stage".into());
                }
                if let Some(f) = from {
                    kind.list_mut(&mut self.plan.stages[f])
                        .retain(|m| *m != member);
                }
                if let Some(t) = to {
                    kind.list_mut(&mut self.plan.stages[t]).push(member);
                }
            }
        }
        self.undo.push(before);
        self.redo.clear();
        Ok(())
    }

    fn path_name(&self, path: PathId) -> Result<String, String> {
        self.inventory
            .paths
            .get(path as usize)
            .map(|p| p.name.clone())
            .ok_or_else(|| format!("no path {path}"))
    }

    fn decision_mut(&mut self, name: &str) -> &mut Decision {
        let pos = match self.plan.decisions.iter().position(|d| d.path == name) {
            Some(p) => p,
            None => {
                self.plan.decisions.push(Decision {
                    path: name.to_string(),
                    mode: Mode::Standard,
                    enforce: Enforcement::Policy,
                    note: String::new(),
                });
                self.plan.decisions.len() - 1
            }
        };
        &mut self.plan.decisions[pos]
    }

    /// Undoes the last change; false when there is none.
    pub fn undo(&mut self) -> bool {
        match self.undo.pop() {
            Some(p) => {
                self.redo.push(std::mem::replace(&mut self.plan, p));
                true
            }
            None => false,
        }
    }

    /// Redoes the last undone change; false when there is none.
    pub fn redo(&mut self) -> bool {
        match self.redo.pop() {
            Some(p) => {
                self.undo.push(std::mem::replace(&mut self.plan, p));
                true
            }
            None => false,
        }
    }

    /// Whether the plan differs from the last saved one.
    pub fn is_dirty(&self) -> bool {
        self.plan != self.saved
    }

    /// Records that the plan was saved.
    pub fn mark_saved(&mut self) {
        self.saved = self.plan.clone();
    }

    /// The mode chosen for a path (the recommended one, else standard, when the plan has no decision).
    pub fn choice(&self, path: PathId) -> Choice {
        let name = self
            .inventory
            .paths
            .get(path as usize)
            .map(|p| p.name.as_str());
        match self
            .plan
            .decisions
            .iter()
            .find(|d| Some(d.path.as_str()) == name)
        {
            Some(d) => Choice {
                mode: d.mode,
                enforce: d.enforce,
            },
            None => Choice {
                mode: self
                    .evaluation
                    .paths
                    .get(path as usize)
                    .and_then(|p| p.recommended)
                    .unwrap_or(Mode::Standard),
                enforce: Enforcement::Policy,
            },
        }
    }
}

/// Renders a plan as TOML.
pub fn render(plan: &Plan) -> String {
    toml::to_string(plan).unwrap_or_default()
}

/// Parses a plan file.
pub fn parse(text: &str) -> Result<Plan, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}
