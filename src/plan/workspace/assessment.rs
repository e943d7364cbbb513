//! The assessment: which findings apply to the plan, per path and per stage, recomputed for what an edit
//! touches.

use std::collections::HashSet;

use crate::finding::{Finding, Mode, Severity, Subject};
use crate::inventory::PathId;
use crate::rules::{Choice, Code, Evaluation};

use super::*;
use crate::plan::actions::{self, Action, Membership};
use crate::plan::exceptions;
use crate::plan::io::resolve_member;
use crate::plan::model::*;
use crate::plan::stage_state::StageStates;

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

/// The action an item of a stage has now (`None`: none), by [`actions::action_key`].
type ActionChange = ((u8, u32), Option<Action>);

/// [`actions::update_action`] for many keys at once, in one pass over the sorted list: `changes` (unique keys)
/// replace, insert or remove the action of each key.
fn update_actions(list: &mut Vec<Action>, mut changes: Vec<ActionChange>) {
    if changes.len() < 16 {
        for (key, now) in changes {
            actions::update_action(list, key, now);
        }
        return;
    }
    changes.sort_by_key(|c| c.0);
    let old = std::mem::take(list);
    list.reserve(old.len() + changes.len());
    let mut old = old.into_iter().peekable();
    for (key, now) in changes {
        while let Some(a) = old.next_if(|a| actions::action_key(a) < key) {
            list.push(a);
        }
        // The action this key had, if any, gives way to what it is now.
        old.next_if(|a| actions::action_key(a) == key);
        list.extend(now);
    }
    list.extend(old);
}

/// Indices of items grouped by a key (`None`: in no group), each group in item order. Built in linear time.
#[derive(Debug, Clone, Default)]
pub(super) struct Groups {
    /// Where each group starts in `items`; one more entry than groups.
    start: Vec<u32>,
    items: Vec<u32>,
}

impl Groups {
    pub(super) fn build(groups: usize, keys: &[Option<usize>]) -> Groups {
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

    pub(super) fn get(&self, k: usize) -> &[u32] {
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

impl Workspace {
    pub(super) fn compute_choices(&mut self) {
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

    pub(super) fn compute_members(&mut self) {
        self.compute_members_of(&MemberKind::ALL, Membership::default());
    }

    /// The stages' members again, resolving only the kinds whose selectors changed since the last time (the
    /// others are taken from `old`).
    pub(super) fn compute_changed_members(&mut self, old: Membership) {
        let resolved = &self.resolved_stages;
        let same = |kind: MemberKind| {
            resolved.len() == self.plan.stages.len()
                && (resolved.iter().zip(&self.plan.stages))
                    .all(|(a, b)| a.members(kind) == b.members(kind))
        };
        let kinds: Vec<MemberKind> = MemberKind::ALL.into_iter().filter(|k| !same(*k)).collect();
        self.compute_members_of(&kinds, old);
    }

    fn compute_members_of(&mut self, kinds: &[MemberKind], old: Membership) {
        let inv = &self.inventory;
        let sel = inv.selectors();
        let fresh = |kind: MemberKind, n: usize, old: Vec<Option<u32>>| {
            if kinds.contains(&kind) || old.len() != n {
                vec![None; n]
            } else {
                old
            }
        };
        let mut m = Membership {
            host: fresh(MemberKind::Host, inv.hosts.len(), old.host),
            client: fresh(MemberKind::Client, inv.hosts.len(), old.client),
            user: fresh(MemberKind::User, inv.users.len(), old.user),
            path: fresh(MemberKind::Path, inv.paths.len(), old.path),
            stages: vec![actions::StageMembers::default(); self.plan.stages.len()],
        };
        for (s, st) in self.plan.stages.iter().enumerate() {
            for kind in kinds.iter().copied() {
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
        self.resolved_stages.clone_from(&self.plan.stages);
    }

    /// Resolves the exceptions of path `p`'s decision on the path, unless they are those resolved last time.
    pub(super) fn resolve_exceptions(&mut self, p: PathId) {
        let name = &self.inventory.paths[p as usize].name;
        let written = self
            .plan
            .decision(name)
            .map_or(&[][..], |d| d.exceptions.as_slice());
        let Some(slot) = self.excepted.get_mut(p as usize) else {
            return;
        };
        if slot.0 != written {
            let mut resolved = crate::plan::exceptions::resolve_list(&self.inventory, p, written);
            crate::plan::exceptions::join_stages(&mut resolved, written, &self.plan.stages);
            *slot = (written.to_vec(), resolved);
        }
    }

    pub(super) fn compute_path_items(&self, p: PathId) -> Vec<Assessed> {
        let mode = self.choice(p).mode;
        // A finding of the mode about subjects its exceptions leave out no longer holds for the path.
        let path = &self.inventory.paths[p as usize];
        let ex = self
            .excepted
            .get(p as usize)
            .map_or(&[][..], |e| e.1.as_slice());
        // Subjects an exception names a stage for join the mode there: what still blocks them holds from it.
        let joins = ex.iter().filter_map(|e| e.joins).max();
        let all = exceptions::Taken::of(path, ex, |_| true);
        let unstaged = joins.map(|_| exceptions::Taken::of(path, ex, |e| e.joins.is_none()));
        let mut items: Vec<Assessed> = self.statics.path_findings[p as usize]
            .iter()
            .filter_map(|i| {
                let f = &self.evaluation.findings[*i as usize];
                if f.mode.is_some_and(|m| m != mode) {
                    return None;
                }
                let r = FindingRef::Evaluation(*i);
                if f.mode != Some(mode) || !all.covers(f) {
                    return Some(self.assess(r, f));
                }
                match (joins, &unstaged) {
                    (Some(k), Some(u)) if !u.covers(f) => {
                        // From the exception's stage, or the path's if that comes later.
                        let mut a = self.assess(r, f);
                        a.stage = Some(a.stage.map_or(k, |s| s.max(k)));
                        a.first = Some(a.first.map_or(k, |s| s.max(k)));
                        Some(a)
                    }
                    _ => None,
                }
            })
            .collect();
        // Protected Users findings of one mode about accounts the stages enroll: in the states where both hold.
        items.extend(self.enrolled_items(p));
        items
    }

    pub(super) fn recompute_all(&mut self) {
        self.compute_choices();
        self.compute_members();
        self.compute_waivers();
        let n = self.inventory.paths.len() as PathId;
        self.excepted = vec![Default::default(); n as usize];
        for p in 0..n {
            self.resolve_exceptions(p);
        }
        self.assessment.enrollment = self.enrollment_findings();
        self.path_items = (0..n).map(|p| self.compute_path_items(p)).collect();
        self.assessment.order = (0..n).map(|p| self.order_finding(p)).collect();
        self.order_items = (0..n).map(|p| self.order_item(p)).collect();
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

    /// After the waivers changed: every item is assessed again (which waiver accepts it); nothing the waivers
    /// do not decide (memberships, actions, stage states, findings) is derived again.
    pub(super) fn recompute_waivers(&mut self) {
        self.compute_waivers();
        self.reassess_items();
        let all: Vec<usize> = (0..self.plan.stages.len()).collect();
        self.rebuild_assessment(&all);
    }

    /// Assesses every finding of the plan again, the findings themselves unchanged (those of the paths follow
    /// the choices and exceptions only).
    fn reassess_items(&mut self) {
        let n = self.inventory.paths.len() as PathId;
        let mut path_items = std::mem::take(&mut self.path_items);
        for a in path_items.iter_mut().flatten() {
            *a = self.assess(a.finding, self.finding(a.finding));
        }
        self.path_items = path_items;
        self.order_items = (0..n).map(|p| self.order_item(p)).collect();
        self.fixed_items = self.fixed_items();
        self.interim_items = self.interim_items();
        self.cross_items = (self.assessment.cross.iter().enumerate())
            .map(|(i, f)| self.assess(FindingRef::Cross(i as u32), f))
            .collect();
    }

    /// After a change of the stages' members (the stages themselves, their names and order, unchanged): what
    /// membership decides is derived again, for what it changed where that is known. The exceptions as
    /// resolved and the cross-path findings (choices only) are kept, the actions of stages whose members did
    /// not change too, the staging findings of paths none of whose items changed stage, and the enrollment
    /// findings while the users' stages are the same.
    pub(super) fn recompute_other_members(&mut self) {
        let old = std::mem::take(&mut self.members);
        self.compute_changed_members(old.clone());
        let m = &self.members;
        if old.stages.len() != m.stages.len() {
            return self.recompute_all();
        }
        // The paths whose own stage, or the stage of one of their targets or clients, changed.
        let mut touched = vec![false; self.inventory.paths.len()];
        for (p, _) in (old.path.iter().zip(&m.path).enumerate()).filter(|(_, (a, b))| a != b) {
            touched[p] = true;
        }
        for (h, (a, b)) in old.host.iter().zip(&m.host).enumerate() {
            if a != b {
                self.statics.paths_to[h]
                    .iter()
                    .for_each(|p| touched[*p as usize] = true);
            }
        }
        for (h, (a, b)) in old.client.iter().zip(&m.client).enumerate() {
            if a != b {
                self.statics.paths_from[h]
                    .iter()
                    .for_each(|p| touched[*p as usize] = true);
            }
        }
        let touched: Vec<PathId> = (touched.iter().enumerate())
            .filter_map(|(p, t)| t.then_some(p as PathId))
            .collect();
        let users_moved = old.user != m.user;
        let only_paths = !users_moved && old.host == m.host && old.client == m.client;
        let changed: Vec<usize> = (0..m.stages.len())
            .filter(|s| old.stages[*s] != m.stages[*s])
            .collect();
        for p in &touched {
            self.assessment.order[*p as usize] = self.order_finding(*p);
        }
        if users_moved {
            self.assessment.enrollment = self.enrollment_findings();
        }
        self.refresh_actions(&changed);
        if only_paths {
            // As after a mode change: only the moved paths' use of their mode changed.
            let mut states = std::mem::take(&mut self.assessment.states);
            let inputs = self.stage_inputs();
            let mut rejudge: Vec<PathId> = Vec::new();
            for p in &touched {
                states.refresh_path(&inputs, *p);
                rejudge.extend(self.choice_index.affected_paths(*p));
            }
            rejudge.sort_unstable();
            rejudge.dedup();
            states.refresh_choices(&inputs, &rejudge);
            self.assessment.states = states;
        } else {
            self.assessment.states = StageStates::build(&self.stage_inputs());
        }
        self.reassess_items();
        let all: Vec<usize> = (0..self.plan.stages.len()).collect();
        self.rebuild_assessment(&all);
    }

    /// The items of the enrollment findings, then of the estate-wide ones.
    pub(super) fn fixed_items(&self) -> Vec<Assessed> {
        let mut items = Vec::new();
        for (i, f) in self.assessment.enrollment.iter().enumerate() {
            // Those of one mode on a path are the path's items (see `compute_path_items`).
            if f.path.is_none() || f.mode.is_none() {
                items.push(self.assess(FindingRef::Enrollment(i as u32), f));
            }
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
    pub(super) fn recompute_path(&mut self, p: PathId) {
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
        // Only exceptions changed: the actions and the cross-path findings follow the choices, and stay.
        let chosen = self.choices[p as usize] != choice;
        self.choices[p as usize] = choice;
        self.resolve_exceptions(p);
        let stages_before = self.stages_of_paths(p, &[]);
        self.path_items[p as usize] = self.compute_path_items(p);
        self.assessment.order[p as usize] = self.order_finding(p);
        self.order_items[p as usize] = self.order_item(p);
        if chosen {
            self.refresh_path_actions(p);
        }
        // The stage states: the exposure of this path's users, and the cross-path findings of every state.
        let mut states = std::mem::take(&mut self.assessment.states);
        let inputs = self.stage_inputs();
        states.refresh_path(&inputs, p);
        if chosen {
            states.refresh_choices(&inputs, &self.choice_index.affected_paths(p));
        }
        self.assessment.states = states;
        let mut stages = stages_before;
        if chosen {
            let old_interim: Vec<usize> =
                self.interim_items.iter().filter_map(|a| a.stage).collect();
            self.interim_items = self.interim_items();
            // The gates to redo: those of the stages holding the items of the re-judged paths, before and
            // after, and of the interim findings.
            let affected = self.choice_index.affected_paths(p);
            stages.extend(self.stages_of_paths(p, &affected));
            stages.extend(old_interim);
            stages.extend(self.interim_items.iter().filter_map(|a| a.stage));
            self.cross_after_change(&affected);
            self.rebuild_assessment(&[]);
            stages.extend(self.stages_of_paths(p, &affected));
        } else {
            self.rebuild_assessment(&[]);
            stages.extend(self.stages_of_paths(p, &[]));
        }
        stages.sort_unstable();
        stages.dedup();
        self.refresh_gates(&stages);
    }

    /// The actions of path `p`'s targets, clients and shortcut, after its choice changed.
    fn refresh_path_actions(&mut self, p: PathId) {
        // Only the actions of this path's targets, clients and shortcut can change: each stage's list takes
        // its changes in one pass (a path may reach thousands of targets of a stage preparing a hundred
        // thousand).
        let inv = &self.inventory;
        let path = &inv.paths[p as usize];
        let (choices, st) = (&self.choices, &self.statics);
        let gates = &mut self.assessment.stages;
        let m = &self.members;
        let mut changes: Vec<Vec<ActionChange>> = vec![Vec::new(); gates.len()];
        let mut change = |stage: Option<u32>, key: (u8, u32), now: Option<Action>| {
            if let Some(c) = stage.and_then(|s| changes.get_mut(s as usize)) {
                c.push((key, now));
            }
        };
        for t in &path.to {
            let now = actions::target_action(inv, choices, &st.paths_to, *t);
            change(m.host[*t as usize], (0, *t), now);
        }
        for c in &path.from {
            let now = actions::client_action(inv, choices, &st.paths_from, *c);
            change(m.client[*c as usize], (1, *c), now);
        }
        change(m.path[p as usize], (2, p), actions::path_action(choices, p));
        for (g, c) in gates.iter_mut().zip(changes) {
            update_actions(&mut g.actions, c);
        }
    }

    /// The stages of the items of `p` and of the paths in `also`.
    pub(super) fn stages_of_paths(&self, p: PathId, also: &[PathId]) -> Vec<usize> {
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
    pub(super) fn cross_after_change(&mut self, affected: &[PathId]) {
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

    pub(super) fn refresh_actions(&mut self, stages: &[usize]) {
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
                .is_some_and(|st| st.name == crate::plan::remediation::STAGE)
            {
                acts.extend(self.statics.remediation.iter().cloned());
            }
            if let Some(g) = self.assessment.stages.get_mut(*s) {
                g.actions = acts;
            }
        }
    }

    /// Rebuilds the item list, its indices and the counts; the gates of `stages` only are redone.
    pub(super) fn rebuild_assessment(&mut self, stages: &[usize]) {
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
    pub(super) fn refresh_gates(&mut self, stages: &[usize]) {
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
    pub(super) fn gate(&self, s: usize) -> (bool, Vec<String>) {
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
