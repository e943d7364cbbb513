//! (user, target) pairs: which pairs of a path each mode blocks, and why, without enumerating users x targets.
//!
//! The block findings of a (path, mode) name their subjects; those subjects say which pairs they block:
//!
//! - a finding about the path itself, its onward hops, or its domains (no user, client or target named)
//!   blocks every pair;
//! - a finding naming users and no target blocks those users on every target (a user refused on some clients
//!   only is counted blocked: the pair cannot be promised);
//! - a finding naming targets and no user blocks every user on those targets;
//! - a finding naming both (access control lists: users refused on some of these targets) blocks each of
//!   those users on each of those targets, an upper bound of the real denials;
//! - a finding naming clients only blocks the sessions from those clients. A pair counts as blocked only when
//!   every client of the path is blocked; otherwise the blocked clients are client exceptions in the making.
//!
//! Counting works per class of users (the users that the same findings name), so a path with 10,000 users and
//! 5,000 targets costs a pass over its users per mode, not 50 million pairs.

use std::collections::HashMap;

use super::PathEvaluation;
use crate::finding::{Finding, Mode, Severity, Subject};
use crate::inventory::{AccessPath, HostId, UserId};

/// The modes that protect credentials.
pub const PROTECTIVE: [Mode; 3] = [
    Mode::RemoteGuard,
    Mode::RestrictedAdmin,
    Mode::PreferRemoteGuard,
];

/// Users refused on hosts: each user of the first list on each host of the second.
pub type Cross = (Vec<UserId>, Vec<HostId>);

/// What blocks one mode on one path, as sorted ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blockers {
    /// A finding about the path itself blocks every pair.
    pub all: bool,
    /// Users blocked on every target.
    pub users: Vec<UserId>,
    /// Targets blocked for every user.
    pub targets: Vec<HostId>,
    /// Clients the mode does not work from.
    pub clients: Vec<HostId>,
    /// Users blocked on some targets: each user of the first list on each target of the second.
    pub cross: Vec<Cross>,
}

impl Blockers {
    /// Whether nothing blocks the mode.
    pub fn is_empty(&self) -> bool {
        !self.all
            && self.users.is_empty()
            && self.targets.is_empty()
            && self.clients.is_empty()
            && self.cross.is_empty()
    }

    /// Every user a blocker names (blocked users and the users of the cross lists), sorted.
    pub fn named_users(&self) -> Vec<UserId> {
        let mut v: Vec<UserId> = self.users.clone();
        for (u, _) in &self.cross {
            v.extend(u);
        }
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// Subjects left out of a count: excepted users, targets and clients of a path (sorted).
#[derive(Debug, Clone, Copy, Default)]
pub struct Left<'a> {
    /// Users.
    pub users: &'a [UserId],
    /// Targets.
    pub targets: &'a [HostId],
    /// Clients.
    pub clients: &'a [HostId],
}

/// The pairs of one path under every mode.
#[derive(Debug, Clone, Default)]
pub struct PathPairs {
    /// Per mode (by [`Mode::index`]): what blocks it.
    pub modes: [Blockers; 4],
    /// Per mode: the pairs it blocks.
    pub blocked: [u64; 4],
    /// The pairs of the path: users x targets.
    pub pairs: u64,
    /// The pairs that at least one protective mode does not block.
    pub servable: u64,
}

impl PathPairs {
    /// Reads the blockers of every mode from the block findings of the path (`pe` indexes into `findings`).
    /// `crosses` holds, per finding index, the exact (users, hosts) lists of findings about access control
    /// lists.
    pub fn of(
        p: &AccessPath,
        pe: &PathEvaluation,
        findings: &[Finding],
        crosses: &HashMap<u32, Vec<Cross>>,
    ) -> PathPairs {
        let mut out = PathPairs {
            pairs: p.who.len() as u64 * p.to.len() as u64,
            ..PathPairs::default()
        };
        for m in Mode::ALL {
            let b = &mut out.modes[m.index()];
            for &i in &pe.modes[m.index()].findings {
                let Some(f) = findings.get(i as usize) else {
                    continue;
                };
                if f.severity != Severity::Block {
                    continue;
                }
                match crosses.get(&i) {
                    Some(exact) => {
                        for (users, hosts) in exact {
                            let subjects = users
                                .iter()
                                .map(|u| Subject::User(*u))
                                .chain(hosts.iter().map(|h| Subject::Host(*h)));
                            add(p, subjects, b);
                        }
                    }
                    None => add(p, f.subjects.iter().copied(), b),
                }
            }
            for v in [&mut b.users, &mut b.targets, &mut b.clients] {
                v.sort_unstable();
                v.dedup();
            }
            // Lists of the same users (one per group of identical access control lists, often) become one.
            b.cross.sort();
            let mut merged: Vec<Cross> = Vec::with_capacity(b.cross.len());
            for (users, mut hosts) in b.cross.drain(..) {
                match merged.last_mut() {
                    Some((u, h)) if *u == users => h.append(&mut hosts),
                    _ => merged.push((users, hosts)),
                }
            }
            for (_, h) in &mut merged {
                h.sort_unstable();
                h.dedup();
            }
            b.cross = merged;
        }
        for m in Mode::ALL {
            out.blocked[m.index()] = out.count(p, &[m], Left::default());
        }
        out.servable = out.pairs - out.count(p, &PROTECTIVE, Left::default());
        out
    }

    /// The pairs of `p` (without the users and targets of `left`) that every mode of `modes` blocks.
    pub fn count(&self, p: &AccessPath, modes: &[Mode], left: Left<'_>) -> u64 {
        let users: Vec<UserId> = minus(&p.who, left.users);
        let targets: Vec<HostId> = minus(&p.to, left.targets);
        let clients: Vec<HostId> = minus(&p.from, left.clients);
        let total = users.len() as u64 * targets.len() as u64;
        if total == 0 || modes.is_empty() {
            return 0;
        }
        let blocks_all = |b: &Blockers| {
            b.all || (!clients.is_empty() && clients.iter().all(|c| has(&b.clients, *c)))
        };
        let bs: Vec<&Blockers> = modes.iter().map(|m| &self.modes[m.index()]).collect();
        if bs.iter().all(|b| blocks_all(b)) {
            return total;
        }
        // The user lists of the modes that do not block everything; a user's class is the set it belongs to.
        let mut lists: Vec<&[UserId]> = Vec::new();
        for b in bs.iter().filter(|b| !blocks_all(b)) {
            lists.push(&b.users);
            lists.extend(b.cross.iter().map(|(u, _)| u.as_slice()));
        }
        let mut marks = Marks::new(p, &targets);
        if lists.len() > 64 {
            // More lists than a class can tell apart: count user by user.
            return users
                .iter()
                .map(|u| marks.targets_of(&bs, &blocks_all, *u))
                .sum();
        }
        let mut classes: HashMap<u64, (UserId, u64)> = HashMap::new();
        for &u in &users {
            let class = lists
                .iter()
                .enumerate()
                .filter(|(_, l)| has(l, u))
                .fold(0u64, |c, (i, _)| c | 1 << i);
            classes.entry(class).or_insert((u, 0)).1 += 1;
        }
        classes
            .values()
            .map(|(u, n)| n * marks.targets_of(&bs, &blocks_all, *u))
            .sum()
    }

    /// The share of the path's pairs a mode serves, in whole percent rounded down (100 for a path without
    /// pairs that nothing blocks).
    pub fn served_percent(&self, m: Mode) -> u64 {
        let blocked = self.blocked[m.index()];
        if self.pairs == 0 {
            return if self.modes[m.index()].all { 0 } else { 100 };
        }
        (self.pairs - blocked) * 100 / self.pairs
    }
}

/// Per target of a path: how many of the modes being intersected block it for the user being counted, as
/// levels above an epoch that moves on with each user, so that nothing is cleared or sorted between users.
struct Marks {
    /// Targets still counted (the path's, without those left out).
    inside: Vec<bool>,
    /// The level each target reached; below the current epoch it means none.
    level: Vec<u32>,
    epoch: u32,
    total: u64,
}

impl Marks {
    fn new(p: &AccessPath, targets: &[HostId]) -> Marks {
        let n = p.to.last().map_or(0, |t| *t as usize + 1);
        let mut inside = vec![false; n];
        for t in targets {
            if let Some(x) = inside.get_mut(*t as usize) {
                *x = true;
            }
        }
        Marks {
            inside,
            level: vec![0; n],
            epoch: 0,
            total: targets.len() as u64,
        }
    }

    /// How many of the counted targets every mode of `bs` blocks for user `u`.
    fn targets_of(
        &mut self,
        bs: &[&Blockers],
        blocks_all: &dyn Fn(&Blockers) -> bool,
        u: UserId,
    ) -> u64 {
        let active: Vec<&Blockers> = bs
            .iter()
            .copied()
            .filter(|b| !(blocks_all(b) || has(&b.users, u)))
            .collect();
        if active.is_empty() {
            return self.total;
        }
        fn lists(b: &Blockers, u: UserId) -> impl Iterator<Item = &[HostId]> {
            std::iter::once(b.targets.as_slice()).chain(
                (b.cross.iter())
                    .filter(move |(us, _)| has(us, u))
                    .map(|(_, ts)| ts.as_slice()),
            )
        }
        let base = self.epoch;
        let k = active.len() as u32;
        self.epoch = base + k + 1;
        for (i, b) in active.iter().enumerate() {
            let (from, to) = (base + i as u32, base + i as u32 + 1);
            for t in lists(b, u).flatten() {
                if let Some(l) = self.level.get_mut(*t as usize)
                    && (*l == from || (i == 0 && *l < from))
                {
                    *l = to;
                }
            }
        }
        let mut n = 0;
        for t in active
            .last()
            .into_iter()
            .flat_map(|b| lists(b, u))
            .flatten()
        {
            let t = *t as usize;
            if self.level.get(t) == Some(&(base + k)) && self.inside.get(t) == Some(&true) {
                n += 1;
                self.level[t] = base + k + 1;
            }
        }
        n
    }
}

fn has<T: Ord>(sorted: &[T], x: T) -> bool {
    sorted.binary_search(&x).is_ok()
}

/// `a` without the items of `b` (both sorted).
fn minus(a: &[u32], b: &[u32]) -> Vec<u32> {
    if b.is_empty() {
        return a.to_vec();
    }
    a.iter().copied().filter(|x| !has(b, *x)).collect()
}

/// Adds what the subjects of one block finding block.
fn add(p: &AccessPath, subjects: impl Iterator<Item = Subject>, b: &mut Blockers) {
    let mut users = Vec::new();
    let mut targets = Vec::new();
    let mut clients = Vec::new();
    let mut other_users = false;
    for s in subjects {
        match s {
            Subject::User(u) if has(&p.who, u) => users.push(u),
            Subject::User(_) => other_users = true,
            Subject::Host(h) if has(&p.to, h) => targets.push(h),
            Subject::Host(h) if has(&p.from, h) => clients.push(h),
            _ => {}
        }
    }
    match (users.is_empty(), targets.is_empty(), clients.is_empty()) {
        (false, false, _) => b.cross.push((users, targets)),
        (false, true, _) => b.users.extend(users),
        (true, false, _) => {
            b.targets.extend(targets);
            b.clients.extend(clients);
        }
        (true, true, false) => b.clients.extend(clients),
        // Users of other paths only: nothing of this path.
        (true, true, true) if other_users => {}
        (true, true, true) => b.all = true,
    }
}
