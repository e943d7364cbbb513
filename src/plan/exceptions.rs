//! Exceptions of a decision: the subjects of a path left out of its mode, resolved to ids, turned into pair
//! figures, and proposed from what blocks a mode.
//!
//! ```text
//! let ex = exceptions::resolve(&inv, pid, &decision);          // selectors -> ids on the path
//! let f = exceptions::figures(&inv, &eval, pid, mode, &ex);     // pairs, protected, excepted, blocked
//! let proposed = exceptions::propose(&inv, &eval, pid, mode);   // the blockers of `mode` as exceptions
//! ```

use std::collections::HashMap;

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
}

impl Default for Resolved {
    fn default() -> Self {
        Resolved {
            mode: Mode::Standard,
            users: Vec::new(),
            targets: Vec::new(),
            clients: Vec::new(),
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
    // Proposed exceptions name hosts one by one, thousands at a time on a large estate: those of the path are
    // looked up by their exact name first, the rest (and every other selector) through the inventory.
    let mut by_name: HashMap<&str, HostId> = HashMap::new();
    if exceptions
        .iter()
        .any(|e| e.targets.len() + e.clients.len() > 64)
    {
        for &h in p.to.iter().chain(&p.from) {
            if let Some(host) = inv.hosts.get(h as usize) {
                by_name.insert(host.name.as_str(), h);
            }
        }
    }
    let ids = |kind: MemberKind, list: &[String], on: &[u32]| {
        let mut all: Vec<u32> = Vec::with_capacity(list.len());
        for s in list {
            let exact = s
                .strip_prefix("host:")
                .filter(|_| kind != MemberKind::User)
                .and_then(|n| by_name.get(n));
            match exact {
                Some(h) => all.push(*h),
                None => all.extend(resolve_member(inv, &sel, kind, s).unwrap_or_default()),
            }
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
        })
        .collect()
}

fn has(sorted: &[u32], x: u32) -> bool {
    sorted.binary_search(&x).is_ok()
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
    let p = inv.paths.get(pid as usize)?;
    let pp = eval.pairs.get(pid as usize)?;
    let b = &pp.modes[mode.index()];
    if b.all || b.is_empty() {
        return None;
    }
    // Of users refused on some targets (what earlier lists left), the side with fewer pairs, or the other
    // side when that one would take every user or every target; then the same preferring targets, then users.
    let fewer = |u: usize, t: usize| u as u64 * p.to.len() as u64 <= t as u64 * p.who.len() as u64;
    // The lists are greedy: a tangle of refusals that none of them unties stays blocked, without exception.
    let prefs: [&dyn Fn(usize, usize) -> bool; 3] = [&fewer, &|_, _| false, &|_, _| true];
    let mut r = prefs.iter().find_map(|by_users| {
        let r = take(p, b, by_users);
        (r.users.len() < p.who.len() && r.targets.len() < p.to.len()).then_some(r)
    })?;
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
fn take(p: &AccessPath, b: &Blockers, by_users: &dyn Fn(usize, usize) -> bool) -> Resolved {
    let mut users = b.users.clone();
    let mut targets = b.targets.clone();
    for (u, t) in &b.cross {
        users.sort_unstable();
        targets.sort_unstable();
        let u: Vec<UserId> = u.iter().copied().filter(|x| !has(&users, *x)).collect();
        let t: Vec<HostId> = t.iter().copied().filter(|x| !has(&targets, *x)).collect();
        if u.is_empty() || t.is_empty() {
            continue;
        }
        let users_whole = users.len() + u.len() >= p.who.len();
        let targets_whole = targets.len() + t.len() >= p.to.len();
        if (by_users(u.len(), t.len()) && !users_whole) || targets_whole {
            users.extend(u);
        } else {
            targets.extend(t);
        }
    }
    Resolved {
        mode: Mode::Standard,
        users: on_path(users, &p.who),
        targets: on_path(targets, &p.to),
        clients: on_path(b.clients.clone(), &p.from),
    }
}

/// An exception for the plan file: selectors of the ids, the mode, and the remediation of the codes that
/// block `mode`.
pub fn to_exception(inv: &Inventory, r: &Resolved, codes: &[Code]) -> Exception {
    let hosts = |ids: &[HostId]| -> Vec<String> {
        ids.iter()
            .filter_map(|h| inv.hosts.get(*h as usize))
            .map(|h| format!("host:{}", h.name))
            .collect()
    };
    let names: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    let remediation = match codes {
        [] => String::new(),
        [one] => format!("{one}: {} Then remove this exception.", one.info().fix),
        _ => format!(
            "clear {} (`guardplan explain CODE` gives each fix), then remove this exception",
            names.join(", ")
        ),
    };
    let mut e = Exception {
        mode: (r.mode != Mode::Standard).then_some(r.mode),
        users: r
            .users
            .iter()
            .map(|u| format!("user:{}", inv.user_label(*u)))
            .collect(),
        targets: hosts(&r.targets),
        clients: hosts(&r.clients),
        remediation,
    };
    e.users.sort();
    e.targets.sort();
    e.clients.sort();
    e
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
                let e = to_exception(inv, &r, &blocking_codes(eval, pid, mode));
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
    if ex.is_empty() {
        return false;
    }
    let taken = |pick: fn(&Resolved) -> &Vec<u32>, id: u32| ex.iter().any(|e| has(pick(e), id));
    let (mut users, mut targets, mut clients) = (Vec::new(), Vec::new(), Vec::new());
    for s in &f.subjects {
        match *s {
            crate::finding::Subject::User(u) if has(&p.who, u) => users.push(u),
            crate::finding::Subject::Host(h) if has(&p.to, h) => targets.push(h),
            crate::finding::Subject::Host(h) if has(&p.from, h) => clients.push(h),
            _ => {}
        }
    }
    let all_users = !users.is_empty() && users.iter().all(|u| taken(|e| &e.users, *u));
    let all_targets = !targets.is_empty() && targets.iter().all(|t| taken(|e| &e.targets, *t));
    let all_clients = users.is_empty()
        && targets.is_empty()
        && !clients.is_empty()
        && clients.iter().all(|c| taken(|e| &e.clients, *c));
    all_users || all_targets || all_clients
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
