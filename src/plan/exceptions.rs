//! Exceptions of a decision: the subjects of a path left out of its mode, resolved to ids, turned into pair
//! figures, and proposed from what blocks a mode.
//!
//! ```text
//! let ex = exceptions::resolve(&inv, pid, &decision);          // selectors -> ids on the path
//! let f = exceptions::figures(&inv, &eval, pid, mode, &ex);     // pairs, protected, excepted, blocked
//! let proposed = exceptions::propose(&inv, &eval, pid, mode);   // the blockers of `mode` as exceptions
//! ```

use crate::finding::{Finding, Mode, Severity};
use crate::inventory::{AccessPath, HostId, Inventory, PathId, UserId};
use crate::rules::pairs::{Blockers, Left, PROTECTIVE, PathPairs};
use crate::rules::{Code, Evaluation};

use super::io::resolve_member;
use super::model::{Decision, Exception, MemberKind};

/// One exception as ids of the path (sorted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The mode the excepted sessions take.
    pub mode: Mode,
    /// Users of the path left out.
    pub users: Vec<UserId>,
    /// Targets of the path left out.
    pub targets: Vec<HostId>,
    /// Clients of the path left out.
    pub clients: Vec<HostId>,
    /// The stage (index in the plan) in which the subjects join the decision's mode; `None`: never.
    pub joins: Option<usize>,
}

impl Default for Resolved {
    fn default() -> Self {
        Resolved {
            mode: Mode::Standard,
            users: Vec::new(),
            targets: Vec::new(),
            clients: Vec::new(),
            joins: None,
        }
    }
}

/// The pair figures of a path under a decision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// (user, target) pairs of the path.
    pub pairs: u64,
    /// Pairs that at least one protective mode does not block.
    pub servable: u64,
    /// Pairs on a protective mode that does not block them (the decision's mode, or an exception's).
    pub protected: u64,
    /// Pairs left out of the decision's mode by its exceptions.
    pub excepted: u64,
    /// Pairs the decision's mode blocks outside its exceptions.
    pub blocked: u64,
}

impl std::ops::AddAssign for Figures {
    fn add_assign(&mut self, o: Figures) {
        self.pairs += o.pairs;
        self.servable += o.servable;
        self.protected += o.protected;
        self.excepted += o.excepted;
        self.blocked += o.blocked;
    }
}

/// The ids of `ids` that are in `on` (both sorted).
fn on_path(mut ids: Vec<u32>, on: &[u32]) -> Vec<u32> {
    ids.sort_unstable();
    ids.dedup();
    ids.retain(|x| on.binary_search(x).is_ok());
    ids
}

/// Resolves the exceptions of a decision on its path. Selectors that do not resolve are left out here
/// (`plan::validate` reports them with their position).
pub fn resolve(inv: &Inventory, pid: PathId, d: &Decision) -> Vec<Resolved> {
    resolve_list(inv, pid, &d.exceptions)
}

/// Resolves exceptions on path `pid` (see [`resolve`]).
pub fn resolve_list(inv: &Inventory, pid: PathId, exceptions: &[Exception]) -> Vec<Resolved> {
    let Some(p) = inv.paths.get(pid as usize) else {
        return Vec::new();
    };
    let sel = inv.selectors();
    // Each selector resolves to a sorted id list once, narrowed to the path (facts are read from the path's
    // hosts only), and the lists are merged.
    let ids = |kind: MemberKind, list: &[String], on: &[u32]| {
        let mut all: Vec<u32> = Vec::new();
        for s in list {
            let found = match kind {
                MemberKind::User => resolve_member(inv, &sel, kind, s),
                _ => sel.hosts_among(s, on),
            };
            all.extend(found.unwrap_or_default());
        }
        on_path(all, on)
    };
    exceptions
        .iter()
        .map(|e| Resolved {
            mode: e.mode(),
            users: ids(MemberKind::User, &e.users, &p.who),
            targets: ids(MemberKind::Host, &e.targets, &p.to),
            clients: ids(MemberKind::Client, &e.clients, &p.from),
            joins: None,
        })
        .collect()
}

/// Sets the stage in which each exception's subjects join the decision's mode, from the stage names `written`
/// gives (a name the plan does not have joins nowhere: validation reports it).
pub fn join_stages(resolved: &mut [Resolved], written: &[Exception], stages: &[super::Stage]) {
    for (r, e) in resolved.iter_mut().zip(written) {
        r.joins = (e.stage.as_ref()).and_then(|n| stages.iter().position(|s| s.name == *n));
    }
}

/// Sorted union.
fn union(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut v: Vec<u32> = a.iter().chain(b).copied().collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn universe(p: &AccessPath, left: &Resolved) -> u64 {
    let users = p.who.len() - left.users.len();
    let targets = p.to.len() - left.targets.len();
    users as u64 * targets as u64
}

fn left(r: &Resolved) -> Left<'_> {
    Left {
        users: &r.users,
        targets: &r.targets,
        clients: &r.clients,
    }
}

/// The pair figures of path `pid` on `mode` with `exceptions`: each exception takes the pairs of its users and
/// targets that no earlier exception took.
pub fn figures(
    inv: &Inventory,
    eval: &Evaluation,
    pid: PathId,
    mode: Mode,
    exceptions: &[Resolved],
) -> Figures {
    let (Some(p), Some(pp)) = (inv.paths.get(pid as usize), eval.pairs.get(pid as usize)) else {
        return Figures::default();
    };
    let protective = |m: Mode| PROTECTIVE.contains(&m);
    let mut before = Resolved::default();
    let mut out = Figures {
        pairs: pp.pairs,
        servable: pp.servable,
        ..Figures::default()
    };
    for e in exceptions {
        let after = Resolved {
            mode: e.mode,
            users: union(&before.users, &e.users),
            targets: union(&before.targets, &e.targets),
            clients: union(&before.clients, &e.clients),
            joins: None,
        };
        let size = universe(p, &before) - universe(p, &after);
        if protective(e.mode) {
            let blocked =
                pp.count(p, &[e.mode], left(&before)) - pp.count(p, &[e.mode], left(&after));
            out.protected += size - blocked;
        }
        out.excepted += size;
        before = after;
    }
    out.blocked = pp.count(p, &[mode], left(&before));
    if protective(mode) {
        out.protected += universe(p, &before) - out.blocked;
    }
    out
}

/// Whether exception `i` still leaves out something that blocks `mode` (else it can be removed).
pub fn needed(pp: &PathPairs, mode: Mode, e: &Resolved) -> bool {
    let b = &pp.modes[mode.index()];
    let meets = |a: &[u32], b: &[u32]| a.iter().any(|x| b.binary_search(x).is_ok());
    b.all
        || meets(&e.users, &b.users)
        || meets(&e.targets, &b.targets)
        || meets(&e.clients, &b.clients)
        || b.cross
            .iter()
            .any(|(u, t)| meets(&e.users, u) || meets(&e.targets, t))
}

/// The block codes of `mode` on a path, in catalog order.
pub fn blocking_codes(eval: &Evaluation, pid: PathId, mode: Mode) -> Vec<Code> {
    let mut codes: Vec<Code> = eval
        .findings_of(pid, mode)
        .filter(|f: &&Finding| f.severity == Severity::Block)
        .map(|f| f.code)
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// What blocks `mode` on path `pid`, as one exception (`None` when nothing blocks it, or everything does):
/// blocked users and targets, and of users refused on some targets the side with fewer pairs; blocked
/// clients. The excepted sessions take the protective mode that serves most of them, or stay on standard.
pub fn propose(inv: &Inventory, eval: &Evaluation, pid: PathId, mode: Mode) -> Option<Resolved> {
    propose_on(
        inv.paths.get(pid as usize)?,
        eval.pairs.get(pid as usize)?,
        mode,
    )
}

/// [`propose`] from the path and its pairs alone (what a thread of its own needs of the evaluation).
pub fn propose_on(p: &AccessPath, pp: &PathPairs, mode: Mode) -> Option<Resolved> {
    let b = &pp.modes[mode.index()];
    if b.all || b.is_empty() {
        return None;
    }
    // Of users refused on some targets (what earlier lists left), the side with fewer pairs, or the other
    // side when that one would take every user or every target; then the same preferring targets, then users.
    let fewer = |u: usize, t: usize| u as u64 * p.to.len() as u64 <= t as u64 * p.who.len() as u64;
    // The lists are greedy: when none of the orders takes every refusal without taking the whole path, the
    // first one takes what it can, and the refusals neither side can take stay blocked.
    let prefs: [&dyn Fn(usize, usize) -> bool; 3] = [&fewer, &|_, _| false, &|_, _| true];
    let within = |r: &Resolved| r.users.len() < p.who.len() && r.targets.len() < p.to.len();
    let mut r = prefs
        .iter()
        .map(|by_users| take(p, b, by_users, false))
        .find(within)
        .or_else(|| Some(take(p, b, &fewer, true)).filter(within))
        .filter(|r| !(r.users.is_empty() && r.targets.is_empty() && r.clients.is_empty()))?;
    let size = universe(p, &Resolved::default()) - universe(p, &r);
    let mut best = 0;
    for m in PROTECTIVE.into_iter().filter(|m| *m != mode) {
        let blocked = pp.count(p, &[m], Left::default()) - pp.count(p, &[m], left(&r));
        let served = size - blocked;
        if served > best {
            best = served;
            r.mode = m;
        }
    }
    Some(r)
}

/// The blockers `b` of a mode on `p` as one exception, taking of each list of users refused on some targets
/// the users when `by_users(users, targets)` says so (and that does not take every user), else the targets.
fn take(
    p: &AccessPath,
    b: &Blockers,
    by_users: &dyn Fn(usize, usize) -> bool,
    skip_tangles: bool,
) -> Resolved {
    // Membership flags by id, so that each list costs its length.
    let flags = |ids: &[u32], of: &[u32]| {
        let n = of.last().map_or(0, |x| *x as usize + 1);
        let mut v = vec![false; n];
        for x in ids {
            if let Some(f) = v.get_mut(*x as usize) {
                *f = true;
            }
        }
        v
    };
    let (mut in_users, mut in_targets) = (flags(&b.users, &p.who), flags(&b.targets, &p.to));
    let mut users = b.users.clone();
    let mut targets = b.targets.clone();
    let fresh = |ids: &[u32], taken: &[bool]| -> Vec<u32> {
        ids.iter()
            .copied()
            .filter(|x| !taken.get(*x as usize).copied().unwrap_or(false))
            .collect()
    };
    for (u, t) in &b.cross {
        let u: Vec<UserId> = fresh(u, &in_users);
        let t: Vec<HostId> = fresh(t, &in_targets);
        if u.is_empty() || t.is_empty() {
            continue;
        }
        let users_whole = users.len() + u.len() >= p.who.len();
        let targets_whole = targets.len() + t.len() >= p.to.len();
        if skip_tangles && users_whole && targets_whole {
            continue;
        }
        let (list, taken, add) = if (by_users(u.len(), t.len()) && !users_whole) || targets_whole {
            (&mut users, &mut in_users, u)
        } else {
            (&mut targets, &mut in_targets, t)
        };
        for x in &add {
            if let Some(f) = taken.get_mut(*x as usize) {
                *f = true;
            }
        }
        list.extend(add);
    }
    Resolved {
        mode: Mode::Standard,
        users: on_path(users, &p.who),
        targets: on_path(targets, &p.to),
        clients: on_path(b.clients.clone(), &p.from),
        joins: None,
    }
}

/// An exception for the plan file: the fewest selectors that take exactly its subjects among the path's own
/// (see [`super::cover`]), the mode, and the remediation of the codes that block `mode`.
pub fn to_exception(inv: &Inventory, pid: PathId, r: &Resolved, codes: &[Code]) -> Exception {
    let (who, to, from): (&[u32], &[u32], &[u32]) = inv
        .paths
        .get(pid as usize)
        .map_or((&[], &[], &[]), |p| (&p.who, &p.to, &p.from));
    let names: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    let remediation = match codes {
        [] => String::new(),
        [one] => format!("{one}: {} Then remove this exception.", one.info().fix),
        _ => format!(
            "clear {} (`guardplan explain CODE` gives each fix), then remove this exception",
            names.join(", ")
        ),
    };
    Exception {
        mode: (r.mode != Mode::Standard).then_some(r.mode),
        stage: None,
        users: super::cover::users(inv, who, &r.users),
        targets: super::cover::hosts(inv, to, &r.targets),
        clients: super::cover::hosts(inv, from, &r.clients),
        remediation,
    }
}

/// The pair figures of every path: the decisions of `plan`, or without one the recommendations with their
/// proposed exceptions.
pub fn totals(inv: &Inventory, eval: &Evaluation, plan: Option<&super::Plan>) -> Vec<Figures> {
    (0..inv.paths.len() as PathId)
        .map(|pid| {
            let (mode, ex) = planned(inv, eval, pid, plan);
            figures(inv, eval, pid, mode, &ex)
        })
        .collect()
}

/// The mode and resolved exceptions of a path: the plan's decision (standard without one), or without a
/// plan the recommendation and its proposed exception.
pub fn planned(
    inv: &Inventory,
    eval: &Evaluation,
    pid: PathId,
    plan: Option<&super::Plan>,
) -> (Mode, Vec<Resolved>) {
    match plan {
        Some(plan) => {
            let d = inv
                .paths
                .get(pid as usize)
                .and_then(|p| plan.decision(&p.name));
            match d {
                Some(d) => (d.mode, resolve(inv, pid, d)),
                None => (Mode::Standard, Vec::new()),
            }
        }
        None => {
            let mode = eval
                .paths
                .get(pid as usize)
                .and_then(|p| p.recommended)
                .unwrap_or(Mode::Standard);
            (mode, propose(inv, eval, pid, mode).into_iter().collect())
        }
    }
}

/// A path's exceptions as written, each with whether it still leaves out a blocker of the mode.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The exception.
    pub exception: Exception,
    /// (user, target) pairs it takes out of the decision's mode (those no earlier exception took).
    pub pairs: u64,
    /// It still leaves out something that blocks the decision's mode; `false`: offer its removal.
    pub needed: bool,
}

/// The figures and exception rows of path `pid` on `mode`: the plan's exceptions when `written` is given,
/// else the proposed one.
pub fn rows(
    inv: &Inventory,
    eval: &Evaluation,
    pid: PathId,
    mode: Mode,
    written: Option<&[Exception]>,
) -> (Figures, Vec<Row>) {
    match written {
        Some(list) => rows_resolved(inv, eval, pid, mode, list, &resolve_list(inv, pid, list)),
        None => match propose(inv, eval, pid, mode) {
            Some(r) => {
                let e = to_exception(inv, pid, &r, &blocking_codes(eval, pid, mode));
                rows_resolved(inv, eval, pid, mode, &[e], &[r])
            }
            None => rows_resolved(inv, eval, pid, mode, &[], &[]),
        },
    }
}

/// [`rows`] of exceptions already resolved on the path (`resolved`, index for index with `exceptions`).
pub fn rows_resolved(
    inv: &Inventory,
    eval: &Evaluation,
    pid: PathId,
    mode: Mode,
    exceptions: &[Exception],
    resolved: &[Resolved],
) -> (Figures, Vec<Row>) {
    let fig = figures(inv, eval, pid, mode, resolved);
    let (Some(p), Some(pp)) = (inv.paths.get(pid as usize), eval.pairs.get(pid as usize)) else {
        return (fig, Vec::new());
    };
    let mut before = Resolved::default();
    let rows = resolved
        .iter()
        .zip(exceptions.iter().cloned())
        .map(|(r, exception)| {
            let after = Resolved {
                mode: r.mode,
                users: union(&before.users, &r.users),
                targets: union(&before.targets, &r.targets),
                clients: union(&before.clients, &r.clients),
                joins: None,
            };
            let pairs = universe(p, &before) - universe(p, &after);
            before = after;
            Row {
                exception,
                pairs,
                needed: needed(pp, mode, r),
            }
        })
        .collect();
    (fig, rows)
}

/// Whether the exceptions take every pair a finding blocks out of the mode: all of its users, or all of its
/// targets, or (a finding about clients only) all of its clients. A finding about the path itself is never
/// covered.
pub fn covers(p: &AccessPath, ex: &[Resolved], f: &Finding) -> bool {
    Taken::of(p, ex, |_| true).covers(f)
}

/// The subjects of a path some exceptions take, by id (0: not the path's, 1: the path's, 2: taken), so that a
/// finding naming thousands of subjects costs a look-up per subject.
#[derive(Debug, Default)]
pub struct Taken {
    users: Vec<u8>,
    targets: Vec<u8>,
    clients: Vec<u8>,
}

impl Taken {
    /// What the exceptions of `ex` that `with` accepts take on path `p`.
    pub fn of(p: &AccessPath, ex: &[Resolved], with: impl Fn(&Resolved) -> bool) -> Taken {
        if !ex.iter().any(&with) {
            return Taken::default();
        }
        let flags = |on: &[u32], pick: &dyn Fn(&Resolved) -> &[u32]| {
            let mut v = vec![0u8; on.last().map_or(0, |x| *x as usize + 1)];
            for x in on {
                v[*x as usize] = 1;
            }
            for e in ex.iter().filter(|e| with(e)) {
                for x in pick(e) {
                    if let Some(f) = v.get_mut(*x as usize).filter(|f| **f == 1) {
                        *f = 2;
                    }
                }
            }
            v
        };
        Taken {
            users: flags(&p.who, &|e| &e.users),
            targets: flags(&p.to, &|e| &e.targets),
            clients: flags(&p.from, &|e| &e.clients),
        }
    }

    /// See [`covers`].
    pub fn covers(&self, f: &Finding) -> bool {
        let at = |v: &[u8], id: u32| v.get(id as usize).copied().unwrap_or(0);
        // Per kind: subjects of the path named, and whether all of them are taken.
        let mut seen = [(0usize, true); 3];
        for s in &f.subjects {
            let (k, state) = match *s {
                crate::finding::Subject::User(u) => (0, at(&self.users, u)),
                crate::finding::Subject::Host(h) => match at(&self.targets, h) {
                    0 => (2, at(&self.clients, h)),
                    t => (1, t),
                },
                _ => continue,
            };
            if state > 0 {
                seen[k].0 += 1;
                seen[k].1 &= state == 2;
            }
        }
        let [
            (users, all_users),
            (targets, all_targets),
            (clients, all_clients),
        ] = seen;
        (users > 0 && all_users)
            || (targets > 0 && all_targets)
            || (users == 0 && targets == 0 && clients > 0 && all_clients)
    }
}

/// The targets of path `pid` that the plan's decision leaves out of its mode (sorted): they are not prepared
/// for it, and get no shortcut.
pub fn excepted_targets(inv: &Inventory, plan: &super::Plan, pid: PathId) -> Vec<HostId> {
    let Some(d) = inv
        .paths
        .get(pid as usize)
        .and_then(|p| plan.decision(&p.name))
    else {
        return Vec::new();
    };
    let mut v: Vec<HostId> = resolve(inv, pid, d)
        .into_iter()
        .flat_map(|r| r.targets)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Who an exception leaves out, e.g. `users user:ann; 12 targets`.
pub fn who(e: &Exception) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (key, list) in e.selectors() {
        match list.len() {
            0 => {}
            1..=3 => parts.push(format!("{key} {}", list.join(", "))),
            n => parts.push(format!("{n} {key}")),
        }
    }
    parts.join("; ")
}
