//! The editable plan that the TUI and the command line share: the inventory, its evaluation, the plan, and
//! what the plan's choices make of the findings (the [`Assessment`]), kept current edit by edit with undo.

mod assessment;
mod edit;
mod staging;
mod waivers;

use assessment::Groups;
pub use assessment::{Assessed, Assessment, Counts, FindingRef, StageGate};
pub use edit::Edit;
use edit::Undo;
use waivers::{ResolvedWaiver, WaiverIndex};

use crate::finding::{Finding, Mode};
use crate::graph::TrustGraph;
use std::sync::Arc;

use crate::inventory::{Inventory, PathId};
use crate::rules::{self, Choice, Evaluation};

use super::actions::{self, Membership, StageMembers};
use super::model::*;
use super::stage_state::StageStates;
use crate::plan::io::fingerprint;
use crate::rules::exposure::{Exposure, ExposureIndex};

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

/// The editable model: inventory, evaluation, plan and its assessment.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The inventory, shared with whatever reads it beside the workspace (the fingerprint being confirmed, a
    /// workspace of the base plan).
    pub inventory: Arc<Inventory>,
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
    /// The stages as `members` resolved them, to resolve again only the kinds of members that changed.
    resolved_stages: Vec<Stage>,
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
    excepted: Vec<(Vec<Exception>, Vec<crate::plan::exceptions::Resolved>)>,
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
    /// [`wait_for_later_fixes`](crate::plan::init::wait_for_later_fixes). `today` decides which waivers expired.
    pub fn new(
        inventory: impl Into<Arc<Inventory>>,
        plan: Option<Plan>,
        today: time::Date,
    ) -> Self {
        let inventory = inventory.into();
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
            remediation: crate::plan::remediation::actions(&inventory, &evaluation.findings),
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
            resolved_stages: Vec::new(),
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
            crate::plan::init::keep_blocked_accounts_out(&mut ws);
            crate::plan::init::wait_for_later_fixes(&mut ws);
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
        crate::plan::io::staleness(&self.plan, &self.inventory)
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

    /// The exceptions of path `p`'s decision as resolved on the path, index for index with the decision's
    /// (kept from one edit to the next while they do not change).
    pub fn resolved_exceptions(&self, p: PathId) -> &[crate::plan::exceptions::Resolved] {
        self.excepted
            .get(p as usize)
            .map_or(&[], |e| e.1.as_slice())
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

    /// The stage states derived afresh from the plan (the assessment keeps them current edit by edit).
    pub fn derive_stage_states(&self) -> StageStates {
        StageStates::build(&self.stage_inputs())
    }
}
