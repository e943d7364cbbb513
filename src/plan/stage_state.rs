//! The estate after each stage: the stages applied in order to the inventory's state, and what holds in each
//! state (the cross-path client-policy findings and the privileged credential exposure).
//!
//! States are numbered: 0 is the estate before the plan, `k + 1` the estate after stage `k`. A path's chosen
//! mode is in effect from the stage that puts it into use (its own stage, or the first stage that enforces
//! its policy on one of its clients); before that, and when no stage puts it into use, it stays on plain RDP.
//! Users join Protected Users in the stage that enrolls them; targets get `DisableRestrictedAdmin` = 0 in the
//! stage that prepares them.
//!
//! Each state is derived from the previous one: only the paths a stage puts into use are judged again (with
//! the paths sharing a client with them), and only the exposure of the users of those paths is recounted.

use std::collections::BTreeMap;

use crate::finding::{Finding, Mode};
use crate::inventory::{Inventory, PathId};
use crate::rules::exposure::{self, Exposure, ExposureIndex};
use crate::rules::{Choice, ChoiceIndex, Code};

use super::actions::{Action, Membership};
use super::exceptions::Resolved;
use super::model::Enforcement;

/// The stages a finding holds in, as state numbers (see the module documentation), both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The first state it holds in (0: before the plan).
    pub first: usize,
    /// The last state it holds in.
    pub last: usize,
}

/// The stage a state follows: `None` for the state before the plan.
pub fn stage_of_state(state: usize) -> Option<usize> {
    state.checked_sub(1)
}

/// The mode a path's connections use in a state: its chosen mode once the stage that puts it into use
/// (`use_stage`) has run, plain RDP before. Every reader of a path's mode in a stage goes through here.
pub fn mode_in_effect(choice: Choice, use_stage: Option<u32>, state: usize) -> Mode {
    match use_stage {
        Some(u) if state > u as usize => choice.mode,
        _ => Mode::Standard,
    }
}

/// The mode the subjects of exception `e` take in `state` when the decision's mode is `decided` (before the
/// path's mode is in use, see [`mode_in_effect`]): the exception's, until the stage it names has run.
pub fn exception_mode(decided: Mode, e: &Resolved, state: usize) -> Mode {
    match e.joins {
        Some(k) if state > k => decided,
        _ => e.mode,
    }
}

const PLAIN: Choice = Choice {
    mode: Mode::Standard,
    enforce: Enforcement::Policy,
};

/// What the stages make of the estate, state by state.
#[derive(Debug, Clone, Default)]
pub struct StageStates {
    /// Per path: the stage that puts its chosen mode into use.
    use_stage: Vec<Option<u32>>,
    /// Exposure per state: `stages + 1` entries.
    pub exposure: Vec<Exposure>,
    /// Cross-path findings that a stage creates and a later stage removes, with their span.
    pub interim: Vec<(Finding, Span)>,
    /// The first state of each cross-path finding that holds after the last stage, by (path, code, mode).
    final_first: BTreeMap<(PathId, Code, Option<Mode>), usize>,
    /// Per exposure signature and state: the hosts its users are exposed on.
    sig_hosts: Vec<Vec<usize>>,
    /// Per exposure signature and state: how many of its users are in Protected Users.
    sig_protected: Vec<Vec<usize>>,
    /// Per exposure signature: how many users it has.
    sig_size: Vec<usize>,
    /// Per state: hosts with `DisableRestrictedAdmin` = 0.
    pth: Vec<usize>,
    /// Per state: exposures (and of those, Protected Users members') that users left out of their path's mode
    /// by an exception add beyond their signature's count.
    excepted_users: Vec<(usize, usize)>,
}

/// The inputs of [`StageStates::build`].
pub struct StageInputs<'a> {
    /// The inventory.
    pub inv: &'a Inventory,
    /// The chosen mode of every path.
    pub choices: &'a [Choice],
    /// Per path: the stage that puts it into use.
    pub use_stage: Vec<Option<u32>>,
    /// Which stage owns each item.
    pub members: &'a Membership,
    /// Each stage's actions.
    pub actions: Vec<&'a [Action]>,
    /// The clients of every path.
    pub choice_index: &'a ChoiceIndex,
    /// The privileged users of every path.
    pub exposure_index: &'a ExposureIndex,
    /// Per path: its decision's exceptions, resolved on it.
    pub exceptions: Vec<&'a [Resolved]>,
}

impl StageInputs<'_> {
    fn choice(&self, p: PathId) -> Choice {
        self.choices.get(p as usize).copied().unwrap_or(PLAIN)
    }

    fn exceptions_of(&self, p: PathId) -> &[Resolved] {
        self.exceptions.get(p as usize).copied().unwrap_or(&[])
    }
}

impl StageStates {
    /// Applies the stages in order.
    pub fn build(i: &StageInputs<'_>) -> StageStates {
        let states = i.actions.len() + 1;
        let mut s = StageStates {
            use_stage: i.use_stage.clone(),
            ..StageStates::default()
        };
        s.judge_choices(i, states, None);
        s.count_protected(i, states);
        s.count_pth(i, states);
        let mut mark = i.exposure_index.scratch();
        let mut epoch = 0;
        s.sig_hosts = (0..i.exposure_index.signatures() as u32)
            .map(|sig| s.sig_hosts_of(i, sig, states, &mut mark, &mut epoch))
            .collect();
        s.count_excepted_users(i, states, &mut mark, &mut epoch);
        s.total_exposure(states);
        s
    }

    /// After the choice of path `p` changed: recounts the exposure of the users of `p` only (and the hosts the
    /// stages open to pass-the-hash). The cross-path
    /// findings are left to the caller (see [`StageStates::refresh_choices`]).
    pub fn refresh_path(&mut self, i: &StageInputs<'_>, p: PathId) {
        let states = i.actions.len() + 1;
        self.use_stage = i.use_stage.clone();
        // The stages' target actions follow the modes of the paths reaching them.
        self.count_pth(i, states);
        let mut mark = i.exposure_index.scratch();
        let mut epoch = 0;
        for sig in i.exposure_index.signatures_of(p) {
            let hosts = self.sig_hosts_of(i, *sig, states, &mut mark, &mut epoch);
            if let Some(slot) = self.sig_hosts.get_mut(*sig as usize) {
                *slot = hosts;
            }
        }
        self.count_excepted_users(i, states, &mut mark, &mut epoch);
        self.total_exposure(states);
    }

    /// After the stages' users changed (who is enrolled in Protected Users, and when): recounts the exposure of
    /// Protected Users members only; which hosts each user is exposed on does not depend on it.
    pub fn refresh_users(&mut self, i: &StageInputs<'_>) {
        let states = i.actions.len() + 1;
        self.count_protected(i, states);
        let mut mark = i.exposure_index.scratch();
        let mut epoch = 0;
        self.count_excepted_users(i, states, &mut mark, &mut epoch);
        self.total_exposure(states);
    }

    /// Re-judges, in every state, the cross-path findings of `paths` (ascending): after the choice of path `p`
    /// changed, those are the paths sharing a client with it (`ChoiceIndex::affected_paths`).
    pub fn refresh_choices(&mut self, i: &StageInputs<'_>, paths: &[PathId]) {
        self.use_stage = i.use_stage.clone();
        self.judge_choices(i, i.actions.len() + 1, Some(paths));
    }

    /// The mode path `p` uses in `state`.
    pub fn mode(&self, choice: Choice, p: PathId, state: usize) -> Mode {
        mode_in_effect(
            choice,
            self.use_stage.get(p as usize).copied().flatten(),
            state,
        )
    }

    /// Whether a session of path `p` in `state` leaves credentials on every host of the path: the path is on
    /// plain RDP, or an exception leaves some of its clients there (any user may connect from those).
    fn plain_at(&self, i: &StageInputs<'_>, p: PathId, state: usize) -> bool {
        exposure::leaves_credentials(self.mode(i.choice(p), p, state))
            || i.exceptions_of(p)
                .iter()
                .any(|e| !e.clients.is_empty() && self.leaves_by_exception(i, p, e, state))
    }

    /// Whether exception `e` of path `p` leaves the credentials of the subjects it takes in `state`: its mode is
    /// in use from the stage that puts the path's mode into use, plain RDP before, and the decision's mode once
    /// the stage the exception names for its subjects has run.
    fn leaves_by_exception(
        &self,
        i: &StageInputs<'_>,
        p: PathId,
        e: &Resolved,
        state: usize,
    ) -> bool {
        let choice = Choice {
            mode: exception_mode(i.choice(p).mode, e, state),
            ..i.choice(p)
        };
        exposure::leaves_credentials(self.mode(choice, p, state))
    }

    /// The hosts of `paths` that an exception leaves credentials on in `state` while their path is not on plain
    /// RDP: the targets it leaves on plain RDP, and the path's onward hops, since a session on such a target
    /// that hops onward signs in there with the same credentials (a RemoteInteractive logon on each hop).
    fn excepted_targets(&self, i: &StageInputs<'_>, paths: &[PathId], state: usize) -> Vec<u32> {
        let mut out = Vec::new();
        for p in paths.iter().filter(|p| !self.plain_at(i, **p, state)) {
            let mut any = false;
            for e in i.exceptions_of(*p) {
                if !e.targets.is_empty() && self.leaves_by_exception(i, *p, e, state) {
                    out.extend_from_slice(&e.targets);
                    any = true;
                }
            }
            if any && let Some(path) = i.inv.paths.get(*p as usize) {
                out.extend_from_slice(&path.hops);
            }
        }
        out
    }

    /// Users an exception leaves on plain RDP are counted apart from their signature: per state, the hosts of
    /// their signature plus those of the paths that leave them out, minus what the signature counted for them.
    fn count_excepted_users(
        &mut self,
        i: &StageInputs<'_>,
        states: usize,
        mark: &mut [u32],
        epoch: &mut u32,
    ) {
        let idx = i.exposure_index;
        // The exceptions (path, index) that take each user.
        let mut taken_by: BTreeMap<u32, Vec<Taker>> = BTreeMap::new();
        for (p, ex) in i.exceptions.iter().enumerate() {
            for (k, e) in ex.iter().enumerate() {
                for u in &e.users {
                    taken_by.entry(*u).or_default().push((p as PathId, k));
                }
            }
        }
        // Users of one signature taken by the same exceptions are exposed alike: counted once per group, with
        // how many of them are in Protected Users state by state.
        let mut groups: BTreeMap<(u32, Vec<Taker>), Vec<usize>> = BTreeMap::new();
        for (u, by) in taken_by {
            let Some(sig) = idx.signature_of_user(u) else {
                continue;
            };
            let in_pu = i
                .inv
                .users
                .get(u as usize)
                .is_some_and(|x| x.protected_users);
            let from = if in_pu {
                Some(0)
            } else {
                (i.members.user.get(u as usize).copied().flatten()).map(|k| k as usize + 1)
            };
            let counts = groups
                .entry((sig, by))
                .or_insert_with(|| vec![0; states + 1]);
            counts[states] += 1;
            if let Some(slot) = from.and_then(|f| counts.get_mut(f)) {
                *slot += 1;
            }
        }
        self.excepted_users = vec![(0, 0); states];
        for ((sig, by), counts) in groups {
            let sig_paths = idx.paths_of(sig);
            let mut protected = 0;
            for st in 0..states {
                protected += counts[st];
                // The paths where these users are privileged, in use, and left on plain RDP by an exception.
                let mut also: Vec<PathId> = (by.iter())
                    .filter(|(p, _)| {
                        sig_paths.binary_search(p).is_ok() && !self.plain_at(i, *p, st)
                    })
                    .filter(|(p, k)| {
                        (i.exceptions_of(*p).get(*k))
                            .is_some_and(|e| self.leaves_by_exception(i, *p, e, st))
                    })
                    .map(|(p, _)| *p)
                    .collect();
                also.dedup();
                if also.is_empty() {
                    continue;
                }
                let mut hosts = self.excepted_targets(i, sig_paths, st);
                let own = idx.exposed_hosts_with(
                    sig,
                    |p| self.plain_at(i, p, st),
                    &also,
                    &mut hosts,
                    mark,
                    epoch,
                );
                let base = (self.sig_hosts.get(sig as usize)).and_then(|h| h.get(st));
                let extra = own.saturating_sub(base.copied().unwrap_or(0));
                self.excepted_users[st].0 += extra * counts[states];
                self.excepted_users[st].1 += extra * protected;
            }
        }
    }

    /// The first state of a cross-path finding that holds after the plan, if a stage's state has it.
    pub fn first_state(&self, f: &Finding) -> Option<usize> {
        self.final_first.get(&(f.path?, f.code, f.mode)).copied()
    }

    /// Exposure before the plan.
    pub fn before(&self) -> Exposure {
        self.exposure.first().copied().unwrap_or_default()
    }

    /// Exposure after the last stage.
    pub fn after(&self) -> Exposure {
        self.exposure.last().copied().unwrap_or_default()
    }

    /// Exposure after stage `k`.
    pub fn after_stage(&self, k: usize) -> Exposure {
        self.exposure.get(k + 1).copied().unwrap_or_default()
    }

    fn sig_hosts_of(
        &self,
        i: &StageInputs<'_>,
        sig: u32,
        states: usize,
        mark: &mut [u32],
        epoch: &mut u32,
    ) -> Vec<usize> {
        let paths = i.exposure_index.paths_of(sig);
        let plain_at = |p: PathId, st: usize| self.plain_at(i, p, st);
        let mut out = Vec::with_capacity(states);
        let mut last: Option<(Vec<bool>, usize)> = None;
        for st in 0..states {
            let key: Vec<bool> = paths.iter().map(|p| plain_at(*p, st)).collect();
            let n = match &last {
                Some((k, n)) if *k == key => *n,
                _ => {
                    let mut hosts = self.excepted_targets(i, paths, st);
                    i.exposure_index.exposed_hosts_with(
                        sig,
                        |p| plain_at(p, st),
                        &[],
                        &mut hosts,
                        mark,
                        epoch,
                    )
                }
            };
            out.push(n);
            last = Some((key, n));
        }
        out
    }

    fn count_protected(&mut self, i: &StageInputs<'_>, states: usize) {
        let idx = i.exposure_index;
        self.sig_size = (0..idx.signatures() as u32)
            .map(|sig| idx.users_of(sig).len())
            .collect();
        self.sig_protected = (0..idx.signatures() as u32)
            .map(|sig| {
                let mut joins = vec![0usize; states];
                for u in idx.users_of(sig) {
                    let from = if i.inv.users[*u as usize].protected_users {
                        Some(0)
                    } else {
                        i.members
                            .user
                            .get(*u as usize)
                            .copied()
                            .flatten()
                            .map(|k| k as usize + 1)
                    };
                    if let Some(slot) = from.and_then(|f| joins.get_mut(f)) {
                        *slot += 1;
                    }
                }
                let mut run = 0;
                joins
                    .into_iter()
                    .map(|j| {
                        run += j;
                        run
                    })
                    .collect()
            })
            .collect();
    }

    fn count_pth(&mut self, i: &StageInputs<'_>, states: usize) {
        // Before the plan the count is the inventory's: taken once, not again on every edit.
        let mut n = self.pth.first().copied().unwrap_or_else(|| {
            (i.inv.hosts.iter())
                .filter(|h| h.accepts_restricted_admin())
                .count()
        });
        self.pth = Vec::with_capacity(states);
        self.pth.push(n);
        for acts in &i.actions {
            n += acts
                .iter()
                .filter(|a| exposure::opens_restricted_admin(i.inv, a))
                .count();
            self.pth.push(n);
        }
    }

    fn total_exposure(&mut self, states: usize) {
        self.exposure = (0..states)
            .map(|st| {
                let mut e = Exposure {
                    pth_targets: self.pth.get(st).copied().unwrap_or(0),
                    ..Exposure::default()
                };
                for ((hosts, pu), users) in self
                    .sig_hosts
                    .iter()
                    .zip(&self.sig_protected)
                    .zip(&self.sig_size)
                {
                    let h = hosts.get(st).copied().unwrap_or(0);
                    e.exposures += h * users;
                    e.tgt_only += h * pu.get(st).copied().unwrap_or(0);
                }
                let (extra, tgt) = self.excepted_users.get(st).copied().unwrap_or((0, 0));
                e.exposures += extra;
                e.tgt_only += tgt;
                e
            })
            .collect();
    }

    /// The cross-path findings state by state: each stage re-judges only the paths it puts into use and those
    /// sharing a client with them. With `only`, just the findings of those paths are judged and replaced.
    fn judge_choices(&mut self, i: &StageInputs<'_>, states: usize, only: Option<&[PathId]>) {
        let inv = i.inv;
        let within = |p: &PathId| only.is_none_or(|o| o.binary_search(p).is_ok());
        let mut cur = vec![PLAIN; inv.paths.len()];
        let mut open: BTreeMap<Key, (usize, Finding)> = BTreeMap::new();
        let start = match only {
            None => i.choice_index.evaluate(inv, &cur),
            Some(o) => i.choice_index.evaluate_paths(inv, &cur, o),
        };
        for f in start {
            if let Some(p) = f.path {
                open.insert((p, f.code, f.mode), (0, f));
            }
        }
        let mut starting: Vec<Vec<PathId>> = vec![Vec::new(); states];
        for (p, u) in self.use_stage.iter().enumerate() {
            if let Some(slot) = u.and_then(|u| starting.get_mut(u as usize + 1)) {
                slot.push(p as PathId);
            }
        }
        let mut interim = Vec::new();
        for (st, changed) in starting.iter().enumerate() {
            let mut affected: Vec<PathId> = Vec::new();
            for &p in changed {
                cur[p as usize] = i.choices.get(p as usize).copied().unwrap_or(PLAIN);
                affected.extend(i.choice_index.affected_paths(p).into_iter().filter(within));
            }
            if affected.is_empty() {
                continue;
            }
            affected.sort_unstable();
            affected.dedup();
            let mut fresh: BTreeMap<Key, Finding> = BTreeMap::new();
            for f in i.choice_index.evaluate_paths(inv, &cur, &affected) {
                if let Some(p) = f.path {
                    fresh.insert((p, f.code, f.mode), f);
                }
            }
            let gone: Vec<Key> = open
                .keys()
                .filter(|k| affected.binary_search(&k.0).is_ok() && !fresh.contains_key(k))
                .copied()
                .collect();
            for k in gone {
                if let Some((first, f)) = open.remove(&k)
                    && first > 0
                {
                    let span = Span {
                        first,
                        last: st - 1,
                    };
                    interim.push((f, span));
                }
            }
            for (k, f) in fresh {
                match open.get_mut(&k) {
                    Some(slot) => slot.1 = f,
                    None => {
                        open.insert(k, (st, f));
                    }
                }
            }
        }
        if only.is_some() {
            self.final_first.retain(|k, _| !within(&k.0));
            self.interim
                .retain(|(f, _)| f.path.is_none_or(|p| !within(&p)));
        } else {
            self.final_first.clear();
            self.interim.clear();
        }
        self.final_first
            .extend(open.into_iter().map(|(k, (first, _))| (k, first)));
        self.interim.extend(interim);
        // One order whichever paths were judged last.
        self.interim.sort_by(|(a, x), (b, y)| {
            (a.path, a.code, a.mode, x.first).cmp(&(b.path, b.code, b.mode, y.first))
        });
    }
}

/// An exception that takes a user: its path and its index in the decision.
type Taker = (PathId, usize);

/// A cross-path finding's identity across states: its path, code and mode.
type Key = (PathId, Code, Option<Mode>);
