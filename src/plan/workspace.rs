//! The editable plan that the TUI and the command line share: the inventory, its evaluation, the plan, and
//! what the plan's choices make of the findings (the [`Assessment`]), kept current edit by edit with undo.

use std::collections::{HashMap, HashSet};

use crate::finding::{Finding, Mode, Severity, Subject};
use crate::graph::TrustGraph;
use crate::inventory::{AccountKind, HostId, Inventory, PathId, UserId};
use crate::rules::{self, Choice, Code, Evaluation};

use super::actions::{self, Action, Membership, StageMembers};
use super::io::{Scope, fingerprint, resolve_member};
use super::model::*;
use super::stage_state::{StageInputs, StageStates, stage_of_state};
use crate::rules::exposure::{Exposure, ExposureIndex};

/// One change to the plan.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Choose the mode of a path.
    SetMode {
        /// The path.
        path: PathId,
        /// Its new mode.
        mode: Mode,
    },
    /// Choose the mode of a path and the subjects left out of it, in one step.
    Decide {
        /// The path.
        path: PathId,
        /// Its new mode.
        mode: Mode,
        /// Its exceptions (replacing those it had).
        exceptions: Vec<Exception>,
    },
    /// Choose how a path's mode is enforced on its clients.
    SetEnforcement {
        /// The path.
        path: PathId,
        /// Policy or switch.
        enforce: Enforcement,
    },
    /// Add a member selector to a stage.
    AddMember {
        /// Stage index.
        stage: usize,
        /// Kind of member.
        kind: MemberKind,
        /// Selector (`host:NAME`, `tag:T`, `user:NAME`, a path name, `*`, ...).
        selector: String,
    },
    /// Remove a member selector from a stage.
    RemoveMember {
        /// Stage index.
        stage: usize,
        /// Kind of member.
        kind: MemberKind,
        /// Selector as written.
        selector: String,
    },
    /// Move a member selector from one stage to another.
    MoveMember {
        /// From stage index.
        from: usize,
        /// To stage index.
        to: usize,
        /// Kind of member.
        kind: MemberKind,
        /// Selector as written.
        selector: String,
    },
    /// Add a waiver.
    AddWaiver(Waiver),
    /// Remove the waiver at an index of `plan.waivers`.
    RemoveWaiver(usize),
    /// Replace the waiver at an index of `plan.waivers` (its scope, reason or expiry edited).
    ReplaceWaiver {
        /// Index into `plan.waivers`.
        index: usize,
        /// The waiver as edited.
        waiver: Waiver,
    },
    /// Insert an empty stage at an index.
    AddStage {
        /// Position (0 = first; the stage count appends).
        at: usize,
        /// Its unique name.
        name: String,
    },
    /// Remove the stage at an index.
    RemoveStage(usize),
    /// Set what a stage is for, in words.
    SetStageDescription {
        /// Stage index.
        stage: usize,
        /// One line of text (may be empty).
        description: String,
    },
    /// Move a stage from one position to another.
    MoveStage {
        /// Current position.
        from: usize,
        /// New position.
        to: usize,
    },
}

/// Where a finding of the assessment comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingRef {
    /// An index into [`Evaluation::findings`].
    Evaluation(u32),
    /// An index into [`Assessment::cross`]: findings that depend on several paths' choices.
    Cross(u32),
    /// The staging finding of a path, POL-ORDER or PLAN-UNSTAGED (see [`Assessment::order`]).
    Order(PathId),
    /// An index into [`Assessment::enrollment`]: Protected Users blocks of accounts the plan enrolls.
    Enrollment(u32),
    /// An index into the interim findings of [`Assessment::states`]: a stage creates them and a later stage
    /// removes them.
    Interim(u32),
}

/// One finding that applies to the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessed {
    /// The finding.
    pub finding: FindingRef,
    /// Its severity.
    pub severity: Severity,
    /// The waiver (index into `plan.waivers`) that accepts it, if an active one does.
    pub waived_by: Option<usize>,
    /// The stage it belongs to (where its path is put into use, its user enrolled, or its host prepared; a
    /// block nothing else claims belongs to its path's stage, else to the first stage): its gate counts it.
    pub stage: Option<usize>,
    /// The first stage in whose state it holds; `None`: it holds before the first stage already.
    pub first: Option<usize>,
    /// The last stage in whose state it holds, when a later stage removes it; `None`: it lasts after the plan.
    pub until: Option<usize>,
}

impl Assessed {
    /// An unwaived block.
    pub fn blocks(&self) -> bool {
        self.severity == Severity::Block && self.waived_by.is_none()
    }
}

/// Whether a stage may go ahead, and what it does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageGate {
    /// No unwaived block, and every action it relies on is performed by it or an earlier stage.
    pub ready: bool,
    /// What keeps it from being ready, one sentence each.
    pub blockers: Vec<String>,
    /// What it changes.
    pub actions: Vec<Action>,
}

/// Totals for the summary line and the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Paths per chosen mode, indexed by [`Mode::index`].
    pub paths_per_mode: [usize; 4],
    /// Unwaived blocks.
    pub blockers: usize,
    /// Findings accepted by a waiver.
    pub waived: usize,
    /// Waivers in the plan.
    pub waivers: usize,
    /// Waivers past their expiry.
    pub expired_waivers: usize,
    /// Stages that are ready.
    pub stages_ready: usize,
    /// Stages.
    pub stages: usize,
}

/// The findings that apply to the plan, stage gates and counts.
#[derive(Debug, Clone, Default)]
pub struct Assessment {
    /// Every applicable finding: per path (in path order), then the plan's own findings, then estate-wide ones.
    pub items: Vec<Assessed>,
    /// Findings of [`rules::evaluate_choices`] for the plan's choices.
    pub cross: Vec<Finding>,
    /// The staging finding (POL-ORDER or PLAN-UNSTAGED) per path, indexed by `PathId`.
    pub order: Vec<Option<Finding>>,
    /// Protected Users blocks of accounts the plan enrolls.
    pub enrollment: Vec<Finding>,
    /// One gate per stage.
    pub stages: Vec<StageGate>,
    /// The estate state by state: exposure, and the findings a stage creates and a later one removes.
    pub states: StageStates,
    /// Totals.
    pub counts: Counts,
}

impl Assessment {
    /// The finding an item refers to.
    pub fn finding<'a>(&'a self, eval: &'a Evaluation, r: FindingRef) -> &'a Finding {
        match r {
            FindingRef::Evaluation(i) => &eval.findings[i as usize],
            FindingRef::Cross(i) => &self.cross[i as usize],
            FindingRef::Order(p) => self
                .order
                .get(p as usize)
                .and_then(Option::as_ref)
                .unwrap_or(&NO_FINDING),
            FindingRef::Enrollment(i) => &self.enrollment[i as usize],
            FindingRef::Interim(i) => self
                .states
                .interim
                .get(i as usize)
                .map_or(&NO_FINDING, |(f, _)| f),
        }
    }
}

/// The canonical order of findings, so that a partial recomputation lists them as a full one does.
fn finding_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (a.path, a.code, a.mode, &a.subjects, &a.message).cmp(&(
        b.path,
        b.code,
        b.mode,
        &b.subjects,
        &b.message,
    ))
}

/// Puts findings in [`finding_order`]: grouped by path first (linear), then each path's few findings sorted.
fn sort_findings(v: &mut Vec<Finding>, paths: usize) {
    let mut buckets: Vec<Vec<Finding>> = Vec::new();
    buckets.resize_with(paths + 1, Vec::new);
    for f in v.drain(..) {
        let b = f.path.map_or(0, |p| (p as usize + 1).min(paths));
        buckets[b].push(f);
    }
    for mut b in buckets {
        b.sort_by(finding_order);
        v.append(&mut b);
    }
}

/// Merges two lists of findings (with what goes along with each) in [`finding_order`] into one.
fn merge_findings<T>(a: Vec<(Finding, T)>, b: Vec<(Finding, T)>) -> Vec<(Finding, T)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => finding_order(&x.0, &y.0) != std::cmp::Ordering::Greater,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        out.extend(if take_a { a.next() } else { b.next() });
    }
    out
}

/// Indices of items grouped by a key (`None`: in no group), each group in item order. Built in linear time.
#[derive(Debug, Clone, Default)]
struct Groups {
    /// Where each group starts in `items`; one more entry than groups.
    start: Vec<u32>,
    items: Vec<u32>,
}

impl Groups {
    fn build(groups: usize, keys: &[Option<usize>]) -> Groups {
        let mut start = vec![0u32; groups + 1];
        for k in keys.iter().flatten().filter(|k| **k < groups) {
            start[*k + 1] += 1;
        }
        for i in 0..groups {
            start[i + 1] += start[i];
        }
        let mut next = start.clone();
        let mut items = vec![0u32; start[groups] as usize];
        for (i, k) in keys.iter().enumerate() {
            if let Some(k) = k.filter(|k| *k < groups) {
                items[next[k] as usize] = i as u32;
                next[k] += 1;
            }
        }
        Groups { start, items }
    }

    fn get(&self, k: usize) -> &[u32] {
        match (self.start.get(k), self.start.get(k + 1)) {
            (Some(a), Some(b)) => &self.items[*a as usize..*b as usize],
            _ => &[],
        }
    }
}

/// What a stale reference resolves to (never handed out by a current assessment).
static NO_FINDING: Finding = Finding {
    code: Code::PolOrder,
    severity: Severity::Info,
    path: None,
    mode: None,
    subjects: Vec::new(),
    message: String::new(),
};

/// A waiver resolved against the inventory.
#[derive(Debug, Clone)]
struct ResolvedWaiver {
    code: Option<Code>,
    scope: Option<Subject>,
    all: bool,
    active: bool,
}

/// Derived data that only changes with the inventory.
#[derive(Debug, Clone, Default)]
struct Statics {
    /// Evaluation findings per path.
    path_findings: Vec<Vec<u32>>,
    /// Evaluation findings with no path.
    estate_findings: Vec<u32>,
    /// Paths leaving each client host.
    paths_from: Vec<Vec<PathId>>,
    /// Paths reaching each target host.
    paths_to: Vec<Vec<PathId>>,
    /// The scriptable remediation of the evaluation's blocks, for the `remediation` stage.
    remediation: Vec<actions::Action>,
}

/// The first active waiver per finding code and scope, to find a finding's waiver without scanning them all.
#[derive(Debug, Clone, Default)]
struct WaiverIndex {
    /// Scope `*`.
    all: HashMap<Code, usize>,
    /// Scope `path:`, `host:` or `user:`.
    scoped: HashMap<(Code, Subject), usize>,
}

#[derive(Debug, Clone)]
enum Undo {
    Decision(String, Option<Decision>),
    Stages(Vec<Stage>),
    Waivers(Vec<Waiver>),
}

/// The editable model: inventory, evaluation, plan and its assessment.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The inventory.
    pub inventory: Inventory,
    /// Its trust graph.
    pub graph: TrustGraph,
    /// Every path under every mode.
    pub evaluation: Evaluation,
    /// The plan being edited (kept normalized: sorted decisions and waivers).
    pub plan: Plan,
    /// The day waivers are judged against.
    pub today: time::Date,
    choices: Vec<Choice>,
    members: Membership,
    statics: Statics,
    /// The clients of every path, grouped for the cross-path rules; built once per inventory.
    choice_index: rules::ChoiceIndex,
    /// The privileged users of every path, grouped for counting exposure; built once per inventory.
    exposure_index: ExposureIndex,
    waivers: Vec<ResolvedWaiver>,
    waiver_index: WaiverIndex,
    assessment: Assessment,
    /// Indices of `assessment.items` per path and per stage.
    items_by_path: Groups,
    items_by_stage: Groups,
    /// Per path: its items (chosen mode's findings), rebuilt for the edited path only.
    path_items: Vec<Vec<Assessed>>,
    /// Per path: its decision's exceptions as written and resolved on it, resolved again only when they change.
    excepted: Vec<(Vec<Exception>, Vec<super::exceptions::Resolved>)>,
    /// The items of `assessment.cross`, index for index; only those of re-judged paths are assessed again.
    cross_items: Vec<Assessed>,
    /// The item of `assessment.order` per path.
    order_items: Vec<Option<Assessed>>,
    /// The items of the enrollment and estate-wide findings: they change with stages and waivers only.
    fixed_items: Vec<Assessed>,
    /// The items of the interim findings.
    interim_items: Vec<Assessed>,
    undo: Vec<(u64, Undo, Edit)>,
    redo: Vec<(u64, Edit)>,
    next_id: u64,
    saved_id: u64,
}

fn lc(s: &str) -> String {
    s.to_lowercase()
}

impl Workspace {
    /// Builds the workspace; `plan: None` starts from [`Plan::init`], ordered by
    /// [`wait_for_later_fixes`](super::init::wait_for_later_fixes). `today` decides which waivers expired.
    pub fn new(inventory: Inventory, plan: Option<Plan>, today: time::Date) -> Self {
        let graph = TrustGraph::new(&inventory);
        let evaluation = rules::evaluate(&inventory, &graph);
        let fresh = plan.is_none();
        let mut plan = plan.unwrap_or_else(|| Plan::init(&inventory, &evaluation));
        // Decisions name paths as the inventory spells them, so that lookups by name are exact.
        for d in &mut plan.decisions {
            if let Some(p) = inventory.index.paths.get(&lc(&d.path)) {
                d.path = inventory.paths[*p as usize].name.clone();
            }
        }
        plan.normalize();
        let mut statics = Statics {
            path_findings: vec![Vec::new(); inventory.paths.len()],
            estate_findings: Vec::new(),
            paths_from: vec![Vec::new(); inventory.hosts.len()],
            paths_to: vec![Vec::new(); inventory.hosts.len()],
            remediation: super::remediation::actions(&inventory, &evaluation.findings),
        };
        for (i, f) in evaluation.findings.iter().enumerate() {
            match f
                .path
                .and_then(|p| statics.path_findings.get_mut(p as usize))
            {
                Some(v) => v.push(i as u32),
                None => statics.estate_findings.push(i as u32),
            }
        }
        for (p, path) in inventory.paths.iter().enumerate() {
            for c in &path.from {
                statics.paths_from[*c as usize].push(p as PathId);
            }
            for t in &path.to {
                statics.paths_to[*t as usize].push(p as PathId);
            }
        }
        let choice_index = rules::ChoiceIndex::new(&inventory);
        let exposure_index = ExposureIndex::new(&inventory, &evaluation);
        let mut ws = Workspace {
            inventory,
            graph,
            evaluation,
            plan,
            today,
            choices: Vec::new(),
            members: Membership::default(),
            statics,
            choice_index,
            exposure_index,
            waivers: Vec::new(),
            waiver_index: WaiverIndex::default(),
            assessment: Assessment::default(),
            items_by_path: Groups::default(),
            items_by_stage: Groups::default(),
            path_items: Vec::new(),
            excepted: Vec::new(),
            cross_items: Vec::new(),
            order_items: Vec::new(),
            fixed_items: Vec::new(),
            interim_items: Vec::new(),
            undo: Vec::new(),
            redo: Vec::new(),
            next_id: 1,
            saved_id: 0,
        };
        ws.recompute_all();
        if fresh {
            // The starting plan is ordered before anyone edits it: its moves are not edits to undo.
            super::init::wait_for_later_fixes(&mut ws);
            ws.undo.clear();
            ws.redo.clear();
        }
        ws
    }

    /// The mode and enforcement chosen for a path (`standard` by policy when the plan has no decision).
    pub fn choice(&self, path: PathId) -> Choice {
        self.choices.get(path as usize).copied().unwrap_or(Choice {
            mode: Mode::Standard,
            enforce: Enforcement::Policy,
        })
    }

    /// Every path's choice, indexed by `PathId`.
    pub fn choices(&self) -> &[Choice] {
        &self.choices
    }

    /// Which stage each host, client, user and path belongs to.
    pub fn membership(&self) -> &Membership {
        &self.members
    }

    /// What the plan makes of the findings.
    pub fn assessment(&self) -> &Assessment {
        &self.assessment
    }

    /// The items that concern one path: its chosen mode's findings, its ordering finding and the cross-path
    /// findings raised on it.
    pub fn items_for_path(&self, p: PathId) -> Vec<Assessed> {
        self.indexed_items(&self.items_by_path, p as usize)
    }

    /// The verdict of a path under the plan: the worst unwaived finding of its chosen mode, its staging and the
    /// findings that depend on other paths' choices (a client policy conflict), or `Ok`.
    pub fn plan_verdict(&self, p: PathId) -> crate::finding::Verdict {
        self.indexed_items(&self.items_by_path, p as usize)
            .iter()
            .filter(|a| a.waived_by.is_none())
            .map(|a| crate::finding::Verdict::of(a.severity))
            .max()
            .unwrap_or(crate::finding::Verdict::Ok)
    }

    /// The items that concern one stage (see [`Assessed::stage`]), in the order of the assessment.
    pub fn items_for_stage(&self, stage: usize) -> Vec<Assessed> {
        self.indexed_items(&self.items_by_stage, stage)
    }

    fn indexed_items(&self, groups: &Groups, k: usize) -> Vec<Assessed> {
        groups
            .get(k)
            .iter()
            .filter_map(|i| self.assessment.items.get(*i as usize))
            .copied()
            .collect()
    }

    /// The hosts, clients, users and paths a stage owns (after "the earliest stage wins"), sorted by id.
    pub fn stage_members(&self, stage: usize) -> Option<&StageMembers> {
        self.members.stages.get(stage)
    }

    /// How many hosts, clients, users and paths a stage owns, in [`MemberKind::ALL`] order.
    pub fn stage_member_counts(&self, stage: usize) -> [usize; 4] {
        self.stage_members(stage)
            .map_or([0; 4], StageMembers::counts)
    }

    /// The stage a host (as target or as client), user or path belongs to; `id` is its `HostId`, `UserId` or
    /// `PathId`.
    pub fn stage_of_item(&self, kind: MemberKind, id: u32) -> Option<usize> {
        self.members.stage_of(kind, id)
    }

    /// Whether a stage is ready, what blocks it and what it changes.
    pub fn stage_gate(&self, stage: usize) -> Option<&StageGate> {
        self.assessment.stages.get(stage)
    }

    /// What a stage changes, one line per action (as in the reports).
    pub fn stage_action_lines(&self, stage: usize) -> Vec<String> {
        self.stage_gate(stage).map_or_else(Vec::new, |g| {
            g.actions
                .iter()
                .map(|a| actions::describe(&self.inventory, a))
                .collect()
        })
    }

    /// The finding an assessed item refers to.
    pub fn finding(&self, r: FindingRef) -> &Finding {
        self.assessment.finding(&self.evaluation, r)
    }

    /// Why the plan does not fit this inventory, if it was made for another version of it.
    pub fn staleness(&self) -> Option<String> {
        super::io::staleness(&self.plan, &self.inventory)
    }

    /// The plan as it should be saved: bound to the current inventory.
    pub fn plan_to_save(&self) -> Plan {
        let mut p = self.plan.clone();
        p.inventory.fingerprint = fingerprint(&self.inventory);
        p
    }

    /// Unsaved changes exist.
    pub fn is_dirty(&self) -> bool {
        self.current_id() != self.saved_id
    }

    /// Records that the plan as it is now was saved.
    pub fn mark_saved(&mut self) {
        self.saved_id = self.current_id();
    }

    fn current_id(&self) -> u64 {
        self.undo.last().map_or(0, |u| u.0)
    }

    /// Whether [`Workspace::undo`] / [`Workspace::redo`] would do something.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// See [`Workspace::can_undo`].
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Applies an edit, recording how to undo it; on error nothing changes.
    pub fn apply(&mut self, edit: Edit) -> Result<(), String> {
        let id = self.next_id;
        self.next_id += 1;
        let undo = self.perform(&edit)?;
        self.undo.push((id, undo, edit));
        self.redo.clear();
        Ok(())
    }

    /// Reverts the last edit; false when there is none.
    pub fn undo(&mut self) -> bool {
        let Some((id, undo, edit)) = self.undo.pop() else {
            return false;
        };
        let touched = match &undo {
            Undo::Decision(name, _) => self.inventory.index.paths.get(&lc(name)).copied(),
            _ => None,
        };
        match undo {
            Undo::Decision(name, old) => {
                let pos = self.plan.decisions.binary_search_by(|d| d.path.cmp(&name));
                match (pos, old) {
                    (Ok(i), Some(d)) => self.plan.decisions[i] = d,
                    (Ok(i), None) => {
                        self.plan.decisions.remove(i);
                    }
                    (Err(i), Some(d)) => self.plan.decisions.insert(i, d),
                    (Err(_), None) => {}
                }
            }
            Undo::Stages(s) => self.plan.stages = s,
            Undo::Waivers(w) => self.plan.waivers = w,
        }
        match touched {
            Some(p) => self.recompute_path(p),
            None => self.recompute_all(),
        }
        self.redo.push((id, edit));
        true
    }

    /// Applies the last undone edit again; false when there is none.
    pub fn redo(&mut self) -> bool {
        let Some((id, edit)) = self.redo.pop() else {
            return false;
        };
        match self.perform(&edit) {
            Ok(undo) => {
                self.undo.push((id, undo, edit));
                true
            }
            Err(_) => false,
        }
    }

    fn stage_index(&self, i: usize) -> Result<(), String> {
        if i < self.plan.stages.len() {
            Ok(())
        } else {
            Err(format!("there is no stage {}", i + 1))
        }
    }

    fn check_selector(&self, kind: MemberKind, selector: &str) -> Result<(), String> {
        resolve_member(&self.inventory, &self.inventory.selectors(), kind, selector).map(|_| ())
    }

    fn perform(&mut self, edit: &Edit) -> Result<Undo, String> {
        match edit {
            Edit::SetMode { path, mode } => self.set_decision(*path, |d| {
                d.mode = *mode;
                // The starting plan's note says why the path stays on standard; it no longer does.
                if *mode != Mode::Standard && d.note == super::init::ALL_BLOCKED_NOTE {
                    d.note.clear();
                }
            }),
            Edit::Decide {
                path,
                mode,
                exceptions,
            } => self.set_decision(*path, |d| {
                d.mode = *mode;
                d.exceptions.clone_from(exceptions);
                if *mode != Mode::Standard && d.note == super::init::ALL_BLOCKED_NOTE {
                    d.note.clear();
                }
            }),
            Edit::SetEnforcement { path, enforce } => {
                self.set_decision(*path, |d| d.enforce = *enforce)
            }
            Edit::AddMember {
                stage,
                kind,
                selector,
            } => {
                self.stage_index(*stage)?;
                self.check_selector(*kind, selector)?;
                let old = self.plan.stages.clone();
                let m = self.plan.stages[*stage].members_mut(*kind);
                if m.contains(selector) {
                    return Err(format!(
                        "`{selector}` is already in stage `{}`",
                        old[*stage].name
                    ));
                }
                m.push(selector.clone());
                m.sort();
                self.recompute_all();
                Ok(Undo::Stages(old))
            }
            Edit::RemoveMember {
                stage,
                kind,
                selector,
            } => {
                self.stage_index(*stage)?;
                let old = self.plan.stages.clone();
                let m = self.plan.stages[*stage].members_mut(*kind);
                let Some(i) = m.iter().position(|s| s == selector) else {
                    return Err(format!(
                        "`{selector}` is not in stage `{}`",
                        old[*stage].name
                    ));
                };
                m.remove(i);
                self.recompute_all();
                Ok(Undo::Stages(old))
            }
            Edit::MoveMember {
                from,
                to,
                kind,
                selector,
            } => {
                self.stage_index(*from)?;
                self.stage_index(*to)?;
                let old = self.plan.stages.clone();
                let src = self.plan.stages[*from].members_mut(*kind);
                let Some(i) = src.iter().position(|s| s == selector) else {
                    return Err(format!(
                        "`{selector}` is not in stage `{}`",
                        old[*from].name
                    ));
                };
                let s = src.remove(i);
                let dst = self.plan.stages[*to].members_mut(*kind);
                if !dst.contains(&s) {
                    dst.push(s);
                    dst.sort();
                }
                self.recompute_all();
                Ok(Undo::Stages(old))
            }
            Edit::AddWaiver(w) => {
                super::io::check_waiver(w, &self.inventory)?;
                let old = self.plan.waivers.clone();
                self.plan.waivers.push(w.clone());
                self.plan.normalize_waivers();
                self.recompute_all();
                Ok(Undo::Waivers(old))
            }
            Edit::RemoveWaiver(i) => {
                if *i >= self.plan.waivers.len() {
                    return Err(format!("there is no waiver {}", i + 1));
                }
                let old = self.plan.waivers.clone();
                self.plan.waivers.remove(*i);
                self.recompute_all();
                Ok(Undo::Waivers(old))
            }
            Edit::ReplaceWaiver { index, waiver } => {
                if *index >= self.plan.waivers.len() {
                    return Err(format!("there is no waiver {}", index + 1));
                }
                super::io::check_waiver(waiver, &self.inventory)?;
                let old = self.plan.waivers.clone();
                self.plan.waivers[*index] = waiver.clone();
                self.plan.normalize_waivers();
                self.recompute_all();
                Ok(Undo::Waivers(old))
            }
            Edit::AddStage { at, name } => {
                crate::names::identifier(name).map_err(|why| {
                    format!(
                        "stage name `{}` is not valid: it {why}",
                        name.escape_debug()
                    )
                })?;
                if self
                    .plan
                    .stages
                    .iter()
                    .any(|s| s.name.eq_ignore_ascii_case(name))
                {
                    return Err(format!("a stage named `{name}` exists already"));
                }
                let old = self.plan.stages.clone();
                let at = (*at).min(self.plan.stages.len());
                self.plan.stages.insert(at, Stage::new(name.clone(), ""));
                self.recompute_all();
                Ok(Undo::Stages(old))
            }
            Edit::SetStageDescription { stage, description } => {
                self.stage_index(*stage)?;
                if description.chars().any(char::is_control) {
                    return Err(
                        "a stage description is one line of text, without control characters"
                            .into(),
                    );
                }
                let old = self.plan.stages.clone();
                self.plan.stages[*stage].description = description.trim().to_string();
                Ok(Undo::Stages(old))
            }
            Edit::RemoveStage(i) => {
                self.stage_index(*i)?;
                let old = self.plan.stages.clone();
                self.plan.stages.remove(*i);
                self.recompute_all();
                Ok(Undo::Stages(old))
            }
            Edit::MoveStage { from, to } => {
                self.stage_index(*from)?;
                self.stage_index(*to)?;
                let old = self.plan.stages.clone();
                let s = self.plan.stages.remove(*from);
                self.plan.stages.insert(*to, s);
                self.recompute_all();
                Ok(Undo::Stages(old))
            }
        }
    }

    fn set_decision(
        &mut self,
        path: PathId,
        change: impl FnOnce(&mut Decision),
    ) -> Result<Undo, String> {
        let Some(p) = self.inventory.paths.get(path as usize) else {
            return Err(format!("there is no access path {path}"));
        };
        let name = p.name.clone();
        let pos = self.plan.decisions.binary_search_by(|d| d.path.cmp(&name));
        let old = pos.ok().map(|i| self.plan.decisions[i].clone());
        let i = match pos {
            Ok(i) => i,
            Err(i) => {
                self.plan.decisions.insert(
                    i,
                    Decision::new(name.clone(), Mode::Standard, Enforcement::Policy),
                );
                i
            }
        };
        change(&mut self.plan.decisions[i]);
        self.recompute_path(path);
        Ok(Undo::Decision(name, old))
    }

    // ---- derived data ----

    fn compute_choices(&mut self) {
        let inv = &self.inventory;
        let mut choices = vec![
            Choice {
                mode: Mode::Standard,
                enforce: Enforcement::Policy,
            };
            inv.paths.len()
        ];
        for d in &self.plan.decisions {
            if let Some(p) = inv.index.paths.get(&lc(&d.path)) {
                choices[*p as usize] = Choice {
                    mode: d.mode,
                    enforce: d.enforce,
                };
            }
        }
        self.choices = choices;
    }

    fn compute_members(&mut self) {
        let inv = &self.inventory;
        let sel = inv.selectors();
        let mut m = Membership {
            host: vec![None; inv.hosts.len()],
            client: vec![None; inv.hosts.len()],
            user: vec![None; inv.users.len()],
            path: vec![None; inv.paths.len()],
            stages: vec![actions::StageMembers::default(); self.plan.stages.len()],
        };
        for (s, st) in self.plan.stages.iter().enumerate() {
            for kind in MemberKind::ALL {
                let slot = match kind {
                    MemberKind::Host => &mut m.host,
                    MemberKind::Client => &mut m.client,
                    MemberKind::User => &mut m.user,
                    MemberKind::Path => &mut m.path,
                };
                for selector in st.members(kind) {
                    for id in resolve_member(inv, &sel, kind, selector).unwrap_or_default() {
                        if let Some(x) = slot.get_mut(id as usize)
                            && x.is_none()
                        {
                            *x = Some(s as u32);
                        }
                    }
                }
            }
        }
        let per_stage =
            |v: &[Option<u32>],
             stages: &mut Vec<actions::StageMembers>,
             pick: fn(&mut actions::StageMembers) -> &mut Vec<u32>| {
                for (i, s) in v.iter().enumerate() {
                    if let Some(st) = s.and_then(|s| stages.get_mut(s as usize)) {
                        pick(st).push(i as u32);
                    }
                }
            };
        per_stage(&m.host, &mut m.stages, |s| &mut s.hosts);
        per_stage(&m.client, &mut m.stages, |s| &mut s.clients);
        per_stage(&m.user, &mut m.stages, |s| &mut s.users);
        per_stage(&m.path, &mut m.stages, |s| &mut s.paths);
        self.members = m;
    }

    fn compute_waivers(&mut self) {
        let inv = &self.inventory;
        let sel = inv.selectors();
        self.waivers = self
            .plan
            .waivers
            .iter()
            .map(|w| {
                let (subject, all) = resolve_scope(inv, &sel, &w.scope);
                ResolvedWaiver {
                    code: w.code.parse().ok(),
                    scope: subject,
                    all,
                    active: w.is_active(self.today),
                }
            })
            .collect();
        let mut idx = WaiverIndex::default();
        for (i, w) in self.waivers.iter().enumerate().rev() {
            let (Some(code), true) = (w.code, w.active) else {
                continue;
            };
            if w.all {
                idx.all.insert(code, i);
            } else if let Some(s @ (Subject::Path(_) | Subject::Host(_) | Subject::User(_))) =
                w.scope
            {
                idx.scoped.insert((code, s), i);
            }
        }
        self.waiver_index = idx;
    }

    /// The first active waiver accepting a finding.
    /// A scope matches when it is `*`, the finding's path, or the one host (user) that every host (user) subject
    /// of the finding is.
    fn waiver_for(&self, f: &Finding) -> Option<usize> {
        let idx = &self.waiver_index;
        if idx.all.is_empty() && idx.scoped.is_empty() {
            return None;
        }
        scope_subjects(f)
            .into_iter()
            .flatten()
            .filter_map(|s| idx.scoped.get(&(f.code, s)).copied())
            .chain(idx.all.get(&f.code).copied())
            .min()
    }

    /// The waiver scopes that accept a finding, narrowest first and `*` last: `path:NAME` for a path's finding,
    /// `host:NAME` (`user:NAME`) when every host (user) the finding names is that one.
    pub fn waiver_scopes(&self, f: &Finding) -> Vec<String> {
        let inv = &self.inventory;
        let mut out: Vec<String> = scope_subjects(f)
            .into_iter()
            .flatten()
            .filter_map(|s| match s {
                Subject::Path(p) => inv
                    .paths
                    .get(p as usize)
                    .map(|p| format!("path:{}", p.name)),
                Subject::Host(h) => inv
                    .hosts
                    .get(h as usize)
                    .map(|h| format!("host:{}", h.name)),
                Subject::User(u) => {
                    ((u as usize) < inv.users.len()).then(|| format!("user:{}", inv.user_label(u)))
                }
                _ => None,
            })
            .collect();
        out.push("*".into());
        out
    }

    /// Whether a waiver's code and scope accept a finding (whatever its expiry).
    pub fn waiver_covers(&self, w: &Waiver, f: &Finding) -> bool {
        if w.code.parse::<Code>().ok() != Some(f.code) {
            return false;
        }
        let (subject, all) = resolve_scope(&self.inventory, &self.inventory.selectors(), &w.scope);
        all || subject.is_some_and(|s| scope_subjects(f).contains(&Some(s)))
    }

    /// How many findings of the assessment a waiver accepts (expired waivers accept none).
    pub fn waived_count(&self, waiver: usize) -> usize {
        self.assessment
            .items
            .iter()
            .filter(|a| a.waived_by == Some(waiver))
            .count()
    }

    /// What undoing would revert, in words (`tier1 remote-guard -> restricted-admin`).
    pub fn undo_label(&self) -> Option<String> {
        let (_, undo, edit) = self.undo.last()?;
        Some(self.edit_label(edit, Some(undo)))
    }

    /// What redoing would apply again, in words.
    pub fn redo_label(&self) -> Option<String> {
        let (_, edit) = self.redo.last()?;
        Some(self.edit_label(edit, None))
    }

    /// An edit in words. `undo` holds the state before the edit when it has been applied; without it the plan
    /// is in the state before the edit.
    fn edit_label(&self, edit: &Edit, undo: Option<&Undo>) -> String {
        let path_name = |p: PathId| {
            self.inventory
                .paths
                .get(p as usize)
                .map_or_else(|| format!("path {p}"), |p| p.name.clone())
        };
        let before = |p: PathId| -> Option<Decision> {
            match undo {
                Some(Undo::Decision(_, old)) => old.clone(),
                _ => self.plan.decision(&path_name(p)).cloned(),
            }
        };
        let stages = match undo {
            Some(Undo::Stages(s)) => s.as_slice(),
            _ => self.plan.stages.as_slice(),
        };
        let waivers = match undo {
            Some(Undo::Waivers(w)) => w.as_slice(),
            _ => self.plan.waivers.as_slice(),
        };
        let stage = |i: usize| {
            stages
                .get(i)
                .map_or_else(|| format!("{}", i + 1), |s| s.name.clone())
        };
        let waiver = |w: &Waiver| format!("waiver of {} ({})", w.code, w.scope);
        match edit {
            Edit::SetMode { path, mode } => {
                let old = before(*path).map_or(Mode::Standard, |d| d.mode);
                format!("{} {old} -> {mode}", path_name(*path))
            }
            Edit::Decide {
                path,
                mode,
                exceptions,
            } => {
                let (old, had) =
                    before(*path).map_or((Mode::Standard, 0), |d| (d.mode, d.exceptions.len()));
                let count = |n: usize| match n {
                    1 => "1 exception".to_string(),
                    n => format!("{n} exceptions"),
                };
                format!(
                    "{} {old} ({}) -> {mode} ({})",
                    path_name(*path),
                    count(had),
                    count(exceptions.len())
                )
            }
            Edit::SetEnforcement { path, enforce } => {
                let old = before(*path).map_or(Enforcement::Policy, |d| d.enforce);
                let word = |e: Enforcement| match e {
                    Enforcement::Policy => "policy",
                    Enforcement::Switch => "switch",
                };
                format!(
                    "{} enforced by {} -> {}",
                    path_name(*path),
                    word(old),
                    word(*enforce)
                )
            }
            Edit::AddMember {
                stage: s, selector, ..
            } => format!("{selector} added to stage {}", stage(*s)),
            Edit::RemoveMember {
                stage: s, selector, ..
            } => format!("{selector} removed from stage {}", stage(*s)),
            Edit::MoveMember {
                from, to, selector, ..
            } => format!(
                "{selector} moved from stage {} to {}",
                stage(*from),
                stage(*to)
            ),
            Edit::AddWaiver(w) => format!("{} added", waiver(w)),
            Edit::RemoveWaiver(i) => waivers.get(*i).map_or_else(
                || "waiver removed".into(),
                |w| format!("{} removed", waiver(w)),
            ),
            Edit::ReplaceWaiver { index, waiver: w } => match waivers.get(*index) {
                Some(old) if old.scope != w.scope => {
                    format!(
                        "{} edited (scope {} -> {})",
                        waiver(old),
                        old.scope,
                        w.scope
                    )
                }
                Some(old) => format!("{} edited", waiver(old)),
                None => format!("{} edited", waiver(w)),
            },
            Edit::AddStage { name, .. } => format!("stage {name} added"),
            Edit::RemoveStage(i) => format!("stage {} removed", stage(*i)),
            Edit::SetStageDescription { stage: i, .. } => {
                format!("description of stage {} edited", stage(*i))
            }
            Edit::MoveStage { from, to } => {
                format!("stage {} moved to position {}", stage(*from), to + 1)
            }
        }
    }

    /// The stage in which a path's mode is put into use: its own stage, or the first stage enforcing the policy
    /// on one of its clients.
    fn use_stage(&self, p: PathId) -> Option<u32> {
        let c = self.choice(p);
        if c.mode == Mode::Standard {
            return None;
        }
        let own = self.members.path.get(p as usize).copied().flatten();
        let by_policy = if c.enforce == Enforcement::Policy {
            self.inventory.paths[p as usize]
                .from
                .iter()
                .filter_map(|h| self.members.client[*h as usize])
                .min()
        } else {
            None
        };
        match (own, by_policy) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The stage of a finding (see [`Assessed::stage`]).
    fn finding_stage(&self, f: &Finding) -> Option<usize> {
        // A client policy conflict surfaces where the policy is enforced on the client.
        if matches!(
            f.code,
            Code::PolClientConflict
                | Code::PolRaIgnored
                | Code::PolEntraTarget
                | Code::PolLegacyClient
        ) {
            let s = f
                .subjects
                .iter()
                .filter_map(|s| match s {
                    Subject::Host(h) => self.members.client.get(*h as usize).copied().flatten(),
                    _ => None,
                })
                .min();
            if s.is_some() {
                return s.map(|s| s as usize);
            }
        }
        let pu = f.code.info().area == rules::catalog::Area::ProtectedUsers;
        if pu {
            let s = f
                .subjects
                .iter()
                .filter_map(|s| match s {
                    Subject::User(u) => self.members.user.get(*u as usize).copied().flatten(),
                    _ => None,
                })
                .min();
            if s.is_some() {
                return s.map(|s| s as usize);
            }
        }
        if let Some(s) = f.subjects.iter().find_map(|s| match s {
            Subject::Stage(s) => Some(*s as usize),
            _ => None,
        }) {
            return Some(s);
        }
        if let Some(p) = f.path {
            return self.use_stage(p).map(|s| s as usize);
        }
        f.subjects
            .iter()
            .filter_map(|s| match s {
                Subject::Host(h) => self.members.host.get(*h as usize).copied().flatten(),
                _ => None,
            })
            .min()
            .map(|s| s as usize)
    }

    fn assess(&self, r: FindingRef, f: &Finding) -> Assessed {
        let (first, until) = self.span(r, f);
        let own = match r {
            FindingRef::Cross(_) | FindingRef::Interim(_) if first.is_some() => first,
            _ => self.finding_stage(f),
        };
        // A block nothing else claims belongs to the stage that must clear it: its path's, else the first.
        let stage = own.or_else(|| {
            (f.severity == Severity::Block && !self.plan.stages.is_empty()).then(|| {
                f.path
                    .and_then(|p| self.members.path.get(p as usize).copied().flatten())
                    .map_or(0, |s| s as usize)
            })
        });
        Assessed {
            finding: r,
            severity: f.severity,
            waived_by: self.waiver_for(f),
            stage,
            first,
            until,
        }
    }

    /// The first and last stage in whose state a finding holds (see [`Assessed::first`]).
    fn span(&self, r: FindingRef, f: &Finding) -> (Option<usize>, Option<usize>) {
        let states = &self.assessment.states;
        match r {
            // A path's findings under its chosen mode hold from the stage that puts it into use.
            FindingRef::Evaluation(_) | FindingRef::Order(_) => match (f.path, f.mode) {
                (Some(p), Some(m)) if m != Mode::Standard => {
                    (self.use_stage(p).map(|s| s as usize), None)
                }
                _ => (None, None),
            },
            FindingRef::Cross(_) => (states.first_state(f).and_then(stage_of_state), None),
            FindingRef::Enrollment(_) => (
                f.subjects.iter().find_map(|s| match s {
                    Subject::Stage(s) => Some(*s as usize),
                    _ => None,
                }),
                None,
            ),
            FindingRef::Interim(i) => states
                .interim
                .get(i as usize)
                .map_or((None, None), |(_, span)| {
                    (stage_of_state(span.first), stage_of_state(span.last))
                }),
        }
    }

    /// The privileged credential exposure before the plan (`None`) or after a stage.
    pub fn exposure(&self, after: Option<usize>) -> Exposure {
        let st = &self.assessment.states;
        match after {
            None => st.before(),
            Some(k) => st.after_stage(k),
        }
    }

    /// The mode path `p`'s connections use after stage `k` (`None`: before the plan).
    pub fn mode_after(&self, p: PathId, after: Option<usize>) -> Mode {
        let state = after.map_or(0, |k| k + 1);
        self.assessment.states.mode(self.choice(p), p, state)
    }

    fn stage_inputs(&self) -> StageInputs<'_> {
        StageInputs {
            inv: &self.inventory,
            choices: &self.choices,
            use_stage: (0..self.inventory.paths.len() as PathId)
                .map(|p| self.use_stage(p))
                .collect(),
            members: &self.members,
            actions: self
                .assessment
                .stages
                .iter()
                .map(|g| g.actions.as_slice())
                .collect(),
            choice_index: &self.choice_index,
            exposure_index: &self.exposure_index,
            exceptions: self.excepted.iter().map(|e| e.1.as_slice()).collect(),
        }
    }

    /// The stage states derived afresh from the plan (the assessment keeps them current edit by edit).
    pub fn derive_stage_states(&self) -> StageStates {
        StageStates::build(&self.stage_inputs())
    }

    /// The items of the interim findings.
    fn interim_items(&self) -> Vec<Assessed> {
        (self.assessment.states.interim.iter().enumerate())
            .map(|(i, (f, _))| self.assess(FindingRef::Interim(i as u32), f))
            .collect()
    }

    /// The staging finding of one path: PLAN-UNSTAGED when it has a mode but no stage puts it into use,
    /// POL-ORDER when it is put into use before every target it needs is prepared.
    fn order_finding(&self, p: PathId) -> Option<Finding> {
        let mode = self.choice(p).mode;
        let Some(use_at) = self.use_stage(p) else {
            return (mode != Mode::Standard).then(|| self.unstaged_finding(p, mode));
        };
        let inv = &self.inventory;
        let path = &inv.paths[p as usize];
        let mut late: Vec<HostId> = Vec::new();
        let mut never = 0usize;
        let mut latest_stage = 0u32;
        // Targets the decision leaves out are not prepared for its mode.
        let excepted = self
            .excepted
            .get(p as usize)
            .map_or(&[][..], |e| e.1.as_slice());
        let left_out = |t: &HostId| excepted.iter().any(|e| e.targets.binary_search(t).is_ok());
        for t in path.to.iter().filter(|t| !left_out(t)) {
            let (a, b) = actions::target_needs(inv, *t, mode);
            if !(a || b) {
                continue;
            }
            match self.members.host[*t as usize] {
                Some(s) if s <= use_at => {}
                Some(s) => {
                    latest_stage = latest_stage.max(s);
                    late.push(*t);
                }
                None => {
                    never += 1;
                    late.push(*t);
                }
            }
        }
        if late.is_empty() {
            return None;
        }
        let stage_name = |s: u32| {
            self.plan
                .stages
                .get(s as usize)
                .map_or(String::new(), |st| st.name.clone())
        };
        let first = &inv.hosts[late[0] as usize].name;
        let others = if late.len() > 1 {
            format!(" and {} more", late.len() - 1)
        } else {
            String::new()
        };
        let when = if never > 0 {
            format!("{never} of them in no stage")
        } else {
            format!("the last in stage `{}`", stage_name(latest_stage))
        };
        let mut subjects: Vec<Subject> = vec![Subject::Path(p), Subject::Stage(use_at)];
        subjects.extend(late.iter().map(|h| Subject::Host(*h)));
        subjects.sort();
        Some(Finding {
            code: Code::PolOrder,
            severity: Code::PolOrder.severity(),
            path: Some(p),
            mode: Some(mode),
            subjects,
            message: format!(
                "stage `{}` puts path `{}` on {mode} before its targets are prepared: {first}{others} ({when}); prepare them (hosts) in this or an earlier stage",
                stage_name(use_at),
                path.name
            ),
        })
    }

    /// PLAN-UNSTAGED: the path's mode is decided but no stage rolls it out, so the decision never takes effect.
    fn unstaged_finding(&self, p: PathId, mode: Mode) -> Finding {
        let path = &self.inventory.paths[p as usize];
        let how = match self.choice(p).enforce {
            Enforcement::Policy => "add the path, or its clients, to a stage",
            Enforcement::Switch => "add the path to a stage",
        };
        Finding {
            code: Code::PlanUnstaged,
            severity: Code::PlanUnstaged.severity(),
            path: Some(p),
            mode: Some(mode),
            subjects: vec![Subject::Path(p)],
            message: format!(
                "path `{}` is planned as {mode} but no stage puts it into use: {how}, or set it back to standard",
                path.name
            ),
        }
    }

    /// Protected Users blocks for accounts the plan enrolls (the evaluation judges existing members only).
    fn enrollment_findings(&self) -> Vec<Finding> {
        let inv = &self.inventory;
        let mut out = Vec::new();
        for (u, s) in self.members.user.iter().enumerate() {
            let (Some(s), user) = (s, &inv.users[u]) else {
                continue;
            };
            if user.protected_users {
                continue;
            }
            let (code, why) = match user.kind {
                AccountKind::Service | AccountKind::ManagedServiceAccount => (
                    Code::PuServiceAccount,
                    "is a service account: its authentication would fail",
                ),
                AccountKind::Computer => (Code::PuComputerAccount, "is a computer account"),
                AccountKind::Person if !user.has_aes() => (
                    Code::PuWeakEtypes,
                    "has no AES keys: Kerberos pre-authentication would fail (reset its password first)",
                ),
                AccountKind::Person if !user.aes_keys => (
                    Code::PuAesReset,
                    "has no AES keys yet (its password predates them): reset the password before the stage",
                ),
                AccountKind::Person => continue,
            };
            out.push(Finding {
                code,
                severity: code.severity(),
                path: None,
                mode: None,
                subjects: vec![Subject::User(u as UserId), Subject::Stage(*s)],
                message: format!(
                    "stage `{}` enrolls {} in Protected Users, but the account {why}",
                    self.plan.stages[*s as usize].name,
                    inv.user_label(u as UserId)
                ),
            });
        }
        out.extend(self.enrolled_on_paths());
        out.extend(self.breakglass_findings());
        out
    }

    /// The Protected Users rules of each path for the accounts the plan enrolls (the evaluation judges the
    /// inventory's members only), raised from the stage that enrolls them. Only the rules that hold under every
    /// mode: those of one mode would change with every mode edit. The account checks of the enrollment itself
    /// (service, computer, AES keys) are raised above, once per account.
    fn enrolled_on_paths(&self) -> Vec<Finding> {
        let inv = &self.inventory;
        let stage_of = |u: UserId| {
            (!inv.users[u as usize].protected_users)
                .then(|| self.members.user.get(u as usize).copied().flatten())
                .flatten()
        };
        let member = |u: UserId| stage_of(u).is_some();
        let per_account = [
            Code::PuServiceAccount,
            Code::PuComputerAccount,
            Code::PuWeakEtypes,
            Code::PuAesReset,
        ];
        let mut out = Vec::new();
        for (p, path) in inv.paths.iter().enumerate() {
            if !path.who.iter().any(|u| member(*u)) {
                continue;
            }
            let found = rules::protected_users_on_path(inv, &self.graph, p as PathId, &member);
            for mut f in found {
                if f.mode.is_some() || per_account.contains(&f.code) {
                    continue;
                }
                let first = (f.subjects.iter())
                    .filter_map(|s| match s {
                        Subject::User(u) => stage_of(*u),
                        _ => None,
                    })
                    .min();
                let Some(first) = first else { continue };
                f.message = format!(
                    "once stage {} enrolls them: {}",
                    self.plan.stages[first as usize].name, f.message
                );
                f.subjects.push(Subject::Stage(first));
                f.subjects.sort();
                out.push(f);
            }
        }
        out
    }

    /// PU-BREAKGLASS: the plan enrolls the last members of a Domain Admins or Enterprise Admins group that are
    /// outside Protected Users, leaving no tested account outside it.
    fn breakglass_findings(&self) -> Vec<Finding> {
        let inv = &self.inventory;
        let enrolled = |u: UserId| self.members.user.get(u as usize).copied().flatten();
        let mut out = Vec::new();
        for (g, outside) in rules::tier0_groups(inv) {
            let by_plan: Vec<(UserId, u32)> = outside
                .iter()
                .filter_map(|u| enrolled(*u).map(|s| (*u, s)))
                .collect();
            if by_plan.is_empty() || by_plan.len() < outside.len() {
                continue;
            }
            let last = by_plan.iter().map(|(_, s)| *s).max().unwrap_or(0);
            let mut subjects: Vec<Subject> = outside.iter().map(|u| Subject::User(*u)).collect();
            subjects.push(Subject::Group(g));
            subjects.push(Subject::Stage(last));
            out.push(Finding {
                code: Code::PuBreakglass,
                severity: Code::PuBreakglass.severity(),
                path: None,
                mode: None,
                subjects,
                message: format!(
                    "stage `{}` puts the last members of {} in Protected Users: keep one tested break-glass account out",
                    self.plan.stages[last as usize].name,
                    inv.group_label(g)
                ),
            });
        }
        out
    }

    /// Evaluation findings of a path under its chosen mode.
    /// Resolves the exceptions of path `p`'s decision on the path, unless they are those resolved last time.
    fn resolve_exceptions(&mut self, p: PathId) {
        let name = &self.inventory.paths[p as usize].name;
        let written = self
            .plan
            .decision(name)
            .map_or(&[][..], |d| d.exceptions.as_slice());
        let Some(slot) = self.excepted.get_mut(p as usize) else {
            return;
        };
        if slot.0 != written {
            let resolved = super::exceptions::resolve_list(&self.inventory, p, written);
            *slot = (written.to_vec(), resolved);
        }
    }

    fn compute_path_items(&self, p: PathId) -> Vec<Assessed> {
        let mode = self.choice(p).mode;
        // A finding of the mode about subjects its exceptions leave out no longer holds for the path.
        let path = &self.inventory.paths[p as usize];
        let ex = self
            .excepted
            .get(p as usize)
            .map_or(&[][..], |e| e.1.as_slice());
        self.statics.path_findings[p as usize]
            .iter()
            .filter_map(|i| {
                let f = &self.evaluation.findings[*i as usize];
                let excepted = f.mode == Some(mode) && super::exceptions::covers(path, ex, f);
                ((f.mode.is_none() || f.mode == Some(mode)) && !excepted)
                    .then(|| self.assess(FindingRef::Evaluation(*i), f))
            })
            .collect()
    }

    fn recompute_all(&mut self) {
        self.compute_choices();
        self.compute_members();
        self.compute_waivers();
        let n = self.inventory.paths.len() as PathId;
        self.excepted = vec![Default::default(); n as usize];
        for p in 0..n {
            self.resolve_exceptions(p);
        }
        self.path_items = (0..n).map(|p| self.compute_path_items(p)).collect();
        self.assessment.order = (0..n).map(|p| self.order_finding(p)).collect();
        self.order_items = (0..n).map(|p| self.order_item(p)).collect();
        self.assessment.enrollment = self.enrollment_findings();
        self.fixed_items = self.fixed_items();
        let stages: Vec<usize> = (0..self.plan.stages.len()).collect();
        self.assessment.stages = vec![StageGate::default(); stages.len()];
        self.refresh_actions(&stages);
        self.assessment.states = StageStates::build(&self.stage_inputs());
        self.interim_items = self.interim_items();
        let mut cross = self.choice_index.evaluate(&self.inventory, &self.choices);
        sort_findings(&mut cross, self.inventory.paths.len());
        self.cross_items = (cross.iter().enumerate())
            .map(|(i, f)| self.assess(FindingRef::Cross(i as u32), f))
            .collect();
        self.assessment.cross = cross;
        let all: Vec<usize> = (0..self.plan.stages.len()).collect();
        self.rebuild_assessment(&all);
    }

    /// The item of a path's POL-ORDER finding.
    fn order_item(&self, p: PathId) -> Option<Assessed> {
        let f = self.assessment.order.get(p as usize)?.as_ref()?;
        Some(self.assess(FindingRef::Order(p), f))
    }

    /// PU-CANDIDATE no longer applies to a user the plan enrolls.
    fn enrolled(&self, f: &Finding) -> bool {
        f.code == Code::PuCandidate
            && f.subjects.iter().any(|s| {
                matches!(s, Subject::User(u) if self.members.user.get(*u as usize).copied().flatten().is_some())
            })
    }

    /// The items of the enrollment findings, then of the estate-wide ones.
    fn fixed_items(&self) -> Vec<Assessed> {
        let mut items = Vec::new();
        for (i, f) in self.assessment.enrollment.iter().enumerate() {
            items.push(self.assess(FindingRef::Enrollment(i as u32), f));
        }
        for i in &self.statics.estate_findings {
            let f = &self.evaluation.findings[*i as usize];
            if !self.enrolled(f) {
                items.push(self.assess(FindingRef::Evaluation(*i), f));
            }
        }
        items
    }

    /// After a decision change: only that path's own findings, its ordering finding and the actions of the
    /// stages that hold its targets, clients or itself are recomputed; the gates are rebuilt from those.
    fn recompute_path(&mut self, p: PathId) {
        let name = &self.inventory.paths[p as usize].name;
        let choice = match self.plan.decision(name) {
            Some(d) => Choice {
                mode: d.mode,
                enforce: d.enforce,
            },
            None => Choice {
                mode: Mode::Standard,
                enforce: Enforcement::Policy,
            },
        };
        self.choices[p as usize] = choice;
        self.resolve_exceptions(p);
        self.path_items[p as usize] = self.compute_path_items(p);
        self.assessment.order[p as usize] = self.order_finding(p);
        self.order_items[p as usize] = self.order_item(p);
        // Only the actions of this path's targets, clients and shortcut can change.
        let inv = &self.inventory;
        let path = &inv.paths[p as usize];
        let (choices, st) = (&self.choices, &self.statics);
        let gates = &mut self.assessment.stages;
        let m = &self.members;
        for t in &path.to {
            if let Some(g) = m.host[*t as usize].and_then(|s| gates.get_mut(s as usize)) {
                let now = actions::target_action(inv, choices, &st.paths_to, *t);
                actions::update_action(&mut g.actions, (0, *t), now);
            }
        }
        for c in &path.from {
            if let Some(g) = m.client[*c as usize].and_then(|s| gates.get_mut(s as usize)) {
                let now = actions::client_action(inv, choices, &st.paths_from, *c);
                actions::update_action(&mut g.actions, (1, *c), now);
            }
        }
        if let Some(g) = m.path[p as usize].and_then(|s| gates.get_mut(s as usize)) {
            actions::update_action(&mut g.actions, (2, p), actions::path_action(choices, p));
        }
        // The stage states: the exposure of this path's users, and the cross-path findings of every state.
        let mut states = std::mem::take(&mut self.assessment.states);
        let inputs = self.stage_inputs();
        states.refresh_path(&inputs, p);
        states.refresh_choices(&inputs, &self.choice_index.affected_paths(p));
        self.assessment.states = states;
        let old_interim: Vec<usize> = self.interim_items.iter().filter_map(|a| a.stage).collect();
        self.interim_items = self.interim_items();
        // The gates to redo: those of the stages holding the items of the re-judged paths, before and after,
        // and of the interim findings.
        let affected = self.choice_index.affected_paths(p);
        let mut stages = self.stages_of_paths(p, &affected);
        stages.extend(old_interim);
        stages.extend(self.interim_items.iter().filter_map(|a| a.stage));
        self.cross_after_change(&affected);
        self.rebuild_assessment(&[]);
        stages.extend(self.stages_of_paths(p, &affected));
        stages.sort_unstable();
        stages.dedup();
        self.refresh_gates(&stages);
    }

    /// The stages of the items of `p` and of the paths in `also`.
    fn stages_of_paths(&self, p: PathId, also: &[PathId]) -> Vec<usize> {
        let mut stages: Vec<usize> = std::iter::once(&p)
            .chain(also)
            .flat_map(|q| self.items_by_path.get(*q as usize))
            .filter_map(|i| self.assessment.items.get(*i as usize)?.stage)
            .collect();
        stages.sort_unstable();
        stages.dedup();
        stages
    }

    /// The cross-path findings after path `p`'s choice changed: only the findings of the paths sharing a
    /// client with `p` can change, and only their clients are judged again and their findings assessed.
    fn cross_after_change(&mut self, affected: &[PathId]) {
        let touched = |f: &Finding| f.path.is_some_and(|q| affected.binary_search(&q).is_ok());
        let old = std::mem::take(&mut self.assessment.cross);
        let old_items = std::mem::take(&mut self.cross_items);
        let kept: Vec<(Finding, Assessed)> = old
            .into_iter()
            .zip(old_items)
            .filter(|(f, _)| !touched(f))
            .collect();
        let mut fresh =
            (self.choice_index).evaluate_paths(&self.inventory, &self.choices, affected);
        fresh.sort_by(finding_order);
        let fresh: Vec<(Finding, Assessed)> = fresh
            .into_iter()
            .map(|f| {
                let a = self.assess(FindingRef::Cross(0), &f);
                (f, a)
            })
            .collect();
        let merged = merge_findings(kept, fresh);
        self.assessment.cross.reserve(merged.len());
        self.cross_items.reserve(merged.len());
        for (i, (f, mut a)) in merged.into_iter().enumerate() {
            a.finding = FindingRef::Cross(i as u32);
            self.assessment.cross.push(f);
            self.cross_items.push(a);
        }
    }

    fn refresh_actions(&mut self, stages: &[usize]) {
        for s in stages {
            let mut acts = match self.members.stages.get(*s) {
                Some(m) => actions::stage_actions(
                    &self.inventory,
                    &self.choices,
                    m,
                    &self.statics.paths_from,
                    &self.statics.paths_to,
                ),
                None => continue,
            };
            // Remediation actions sort after every other kind, so the list stays sorted by `action_key`.
            if self
                .plan
                .stages
                .get(*s)
                .is_some_and(|st| st.name == super::remediation::STAGE)
            {
                acts.extend(self.statics.remediation.iter().cloned());
            }
            if let Some(g) = self.assessment.stages.get_mut(*s) {
                g.actions = acts;
            }
        }
    }

    /// Rebuilds the item list, its indices and the counts; the gates of `stages` only are redone.
    fn rebuild_assessment(&mut self, stages: &[usize]) {
        let mut items: Vec<Assessed> = Vec::with_capacity(
            self.path_items.iter().map(Vec::len).sum::<usize>()
                + self.cross_items.len()
                + self.order_items.len()
                + self.fixed_items.len()
                + self.interim_items.len(),
        );
        items.extend(
            (self.path_items.iter().flatten())
                .filter(|a| !self.enrolled(self.finding(a.finding)))
                .copied(),
        );
        items.extend_from_slice(&self.cross_items);
        items.extend(self.order_items.iter().flatten().copied());
        items.extend_from_slice(&self.fixed_items);
        items.extend_from_slice(&self.interim_items);
        let n = self.plan.stages.len();
        let mut counts = Counts {
            waivers: self.plan.waivers.len(),
            expired_waivers: self.waivers.iter().filter(|w| !w.active).count(),
            stages: n,
            ..Counts::default()
        };
        for c in &self.choices {
            counts.paths_per_mode[c.mode.index()] += 1;
        }
        counts.waived = items.iter().filter(|a| a.waived_by.is_some()).count();
        counts.blockers = items.iter().filter(|a| a.blocks()).count();
        let paths: Vec<Option<usize>> = items
            .iter()
            .map(|a| self.finding(a.finding).path.map(|p| p as usize))
            .collect();
        let item_stages: Vec<Option<usize>> = items.iter().map(|a| a.stage).collect();
        self.items_by_path = Groups::build(self.inventory.paths.len(), &paths);
        self.items_by_stage = Groups::build(n, &item_stages);
        self.assessment.items = items;
        self.assessment.counts = counts;
        self.refresh_gates(stages);
    }

    /// Redoes the gates of some stages from their items, and the count of ready stages.
    fn refresh_gates(&mut self, stages: &[usize]) {
        for s in stages {
            let gate = self.gate(*s);
            if let Some(g) = self.assessment.stages.get_mut(*s) {
                (g.ready, g.blockers) = gate;
            }
        }
        let ready = self.assessment.stages.iter().filter(|g| g.ready).count();
        self.assessment.counts.stages_ready = ready;
    }

    /// Whether a stage is ready, and what blocks it (unwaived blocks, and actions asked for by a finding that
    /// no stage up to it performs).
    fn gate(&self, s: usize) -> (bool, Vec<String>) {
        let mut gate = (true, Vec::new());
        // Each sentence once: repeats are recognised before they are written.
        let mut seen: HashSet<(bool, Code, &str)> = HashSet::new();
        for i in self.items_by_stage.get(s) {
            let Some(a) = self.assessment.items.get(*i as usize) else {
                continue;
            };
            let f = self.finding(a.finding);
            let unperformed = if a.blocks() {
                false
            } else if a.severity == Severity::Action && a.waived_by.is_none() {
                let hosts = || {
                    f.subjects.iter().filter_map(|x| match x {
                        Subject::Host(h) => Some(*h),
                        _ => None,
                    })
                };
                let performed = hosts().next().is_some()
                    && hosts()
                        .all(|h| self.members.host[h as usize].is_some_and(|hs| hs as usize <= s));
                if performed {
                    continue;
                }
                true
            } else {
                continue;
            };
            gate.0 = false;
            if seen.insert((unperformed, f.code, f.message.as_str())) {
                gate.1.push(if unperformed {
                    format!(
                        "{} not performed by this or an earlier stage: {}",
                        f.code, f.message
                    )
                } else {
                    format!("{}: {}", f.code, f.message)
                });
            }
        }
        gate
    }
}

/// The subjects a scoped waiver may name to accept a finding: its path, its one host, its one user.
fn scope_subjects(f: &Finding) -> [Option<Subject>; 3] {
    let only = |same: fn(&Subject) -> bool| {
        let mut of_kind = f.subjects.iter().filter(|s| same(s));
        let first = *of_kind.next()?;
        of_kind.all(|y| *y == first).then_some(first)
    };
    [
        f.path.map(Subject::Path),
        only(|s| matches!(s, Subject::Host(_))),
        only(|s| matches!(s, Subject::User(_))),
    ]
}

/// What a waiver scope names: a path, host or user, and whether it is `*`.
fn resolve_scope(
    inv: &Inventory,
    sel: &crate::inventory::load::Selectors<'_>,
    scope: &str,
) -> (Option<Subject>, bool) {
    let scope = Scope::parse(scope).ok();
    let subject = match &scope {
        Some(Scope::Path(p)) => inv.index.paths.get(&lc(p)).map(|p| Subject::Path(*p)),
        Some(Scope::Host(h)) => inv.host_named(h).map(Subject::Host),
        Some(Scope::User(u)) => sel
            .users(&format!("user:{u}"))
            .ok()
            .and_then(|v| v.first().copied())
            .map(Subject::User),
        _ => None,
    };
    (subject, scope == Some(Scope::All))
}

impl Plan {
    /// Sorts and deduplicates the waivers only (indices of `waived_by` refer to this order).
    pub fn normalize_waivers(&mut self) {
        let stages = std::mem::take(&mut self.stages);
        let decisions = std::mem::take(&mut self.decisions);
        self.normalize();
        self.stages = stages;
        self.decisions = decisions;
    }
}
