//! The rules engine: every access path judged under every mode, raising the findings of the catalog.
//!
//! The engine never iterates users x clients x targets. Each rule looks at one kind of entity (a client, a
//! target, a user, the path itself), at interned access control lists (targets grouped by their
//! `administrators` / `remote_desktop_users`), or at pairs of domains; subjects are then gathered per
//! (code, path, mode) into one finding.

pub mod catalog;
pub mod exposure;
pub mod pairs;
mod policy;
mod protected_users;
mod remote_guard;
mod restricted_admin;
mod trust;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

pub use catalog::{CATALOG, Code, RuleInfo};
pub use policy::ChoiceIndex;
pub use protected_users::{dc_protected, has_pre_2008_dc, tier0_groups};

use crate::finding::{Finding, Mode, Severity, Subject, Verdict};
use crate::graph::TrustGraph;
use crate::inventory::{
    AccessPath, AclId, Credentials, GroupId, HostId, Inventory, JoinType, PathId, Principal, UserId,
};
use crate::plan::Enforcement;

/// The result of judging every access path under every mode.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// Every finding: per (code, path, mode), aggregated over subjects; estate-wide ones have no path.
    pub findings: Vec<Finding>,
    /// Per access path (indexed by `PathId`).
    pub paths: Vec<PathEvaluation>,
    /// Per access path (indexed by `PathId`): the (user, target) pairs each mode blocks.
    pub pairs: Vec<pairs::PathPairs>,
}

/// How one path fares under each mode, and what is recommended.
#[derive(Debug, Clone, Default)]
pub struct PathEvaluation {
    /// Indexed by [`Mode::index`].
    pub modes: [ModeEvaluation; 4],
    /// The recommended mode; `None` when every mode is blocked.
    pub recommended: Option<Mode>,
    /// Why: the recommendation and the blocks of the better modes, one sentence each.
    pub rationale: Vec<String>,
}

/// One mode on one path.
#[derive(Debug, Clone, Default)]
pub struct ModeEvaluation {
    /// The worst severity raised (before waivers).
    pub verdict: VerdictOrOk,
    /// Indices into [`Evaluation::findings`].
    pub findings: Vec<u32>,
}

/// A verdict that defaults to `Ok`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct VerdictOrOk(pub Verdict);

impl Default for VerdictOrOk {
    fn default() -> Self {
        VerdictOrOk(Verdict::Ok)
    }
}

/// The mode chosen for a path and how it is enforced on the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// Chosen mode.
    pub mode: Mode,
    /// Client policy or per-connection switch.
    pub enforce: Enforcement,
}

impl Evaluation {
    /// The findings of one path under one mode (including those that hold under every mode).
    pub fn findings_of(&self, path: PathId, mode: Mode) -> impl Iterator<Item = &Finding> + '_ {
        self.paths
            .get(path as usize)
            .map(|p| p.modes[mode.index()].findings.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|i| &self.findings[*i as usize])
    }

    /// The recommended modes as choices enforced by client policy (`standard` where nothing is recommended),
    /// indexed by `PathId`: the input of [`evaluate_choices`] for a plan that follows every recommendation.
    pub fn recommended_choices(&self) -> Vec<Choice> {
        self.paths
            .iter()
            .map(|p| Choice {
                mode: p.recommended.unwrap_or(Mode::Standard),
                enforce: Enforcement::Policy,
            })
            .collect()
    }
}

/// Judges every path under every mode (rules that depend on one path only).
pub fn evaluate(inv: &Inventory, graph: &TrustGraph) -> Evaluation {
    let ctx = Ctx::new(inv, graph);
    let mut findings = Vec::new();
    let mut paths = Vec::with_capacity(inv.paths.len());
    let mut pairs = Vec::with_capacity(inv.paths.len());
    for pid in 0..inv.paths.len() as PathId {
        let mut acc = Acc::default();
        ctx.evaluate_path(pid, &mut acc);
        let first = findings.len();
        let mut crosses = HashMap::new();
        acc.finish(inv, Some(pid), &mut findings, &mut crosses);
        let mut pe = PathEvaluation::default();
        for (i, f) in findings.iter().enumerate().skip(first) {
            for m in Mode::ALL {
                if f.mode.is_none_or(|fm| fm == m) {
                    let me = &mut pe.modes[m.index()];
                    me.findings.push(i as u32);
                    me.verdict = me.verdict.max(VerdictOrOk(Verdict::of(f.severity)));
                }
            }
        }
        let path = &inv.paths[pid as usize];
        let pp = pairs::PathPairs::of(path, &pe, &findings, &crosses);
        let (recommended, rationale) = policy::recommend(path, &pe, &pp, &findings);
        pe.recommended = recommended;
        pe.rationale = rationale;
        pairs.push(pp);
        paths.push(pe);
    }
    let mut on_path = vec![false; inv.users.len()];
    for p in &inv.paths {
        for &u in &p.who {
            if let Some(b) = on_path.get_mut(u as usize) {
                *b = true;
            }
        }
    }
    let mut acc = Acc::default();
    let local_admin = ctx.local_admin.take();
    protected_users::estate(inv, &on_path, &local_admin, &mut acc);
    acc.finish(inv, None, &mut findings, &mut HashMap::new());
    Evaluation {
        findings,
        paths,
        pairs,
    }
}

/// Rules that depend on the choices of several paths (client policy is per computer):
/// POL-CLIENT-CONFLICT and POL-RA-IGNORED. `choices` is indexed by `PathId`; paths without a choice are
/// left out.
///
/// This builds a [`ChoiceIndex`] each time. A caller that changes one choice at a time keeps one index per
/// inventory and re-judges only the paths that share a client with the changed one:
///
/// ```text
/// let index = ChoiceIndex::new(&inv);                    // once per inventory
/// let mut findings = index.evaluate(&inv, &choices);     // == evaluate_choices(&inv, &choices)
/// // after choices[p] changes:
/// let affected = index.affected_paths(p);
/// findings.retain(|f| f.path.is_none_or(|q| affected.binary_search(&q).is_err()));
/// findings.extend(index.evaluate_paths(&inv, &choices, &affected));
/// ```
pub fn evaluate_choices(inv: &Inventory, choices: &[Choice]) -> Vec<Finding> {
    ChoiceIndex::new(inv).evaluate(inv, choices)
}

/// The Protected Users findings of one path when `member` says who is in Protected Users (for a plan's
/// stage, the accounts it has enrolled by then as well as the inventory's members).
pub fn protected_users_on_path(
    inv: &Inventory,
    graph: &TrustGraph,
    pid: PathId,
    member: &dyn Fn(UserId) -> bool,
) -> Vec<Finding> {
    let Some(p) = inv.paths.get(pid as usize) else {
        return Vec::new();
    };
    let reach = trust::evaluate_path(inv, graph, p, &mut Acc::default());
    let mut acc = Acc::default();
    protected_users::path(inv, p, pid, &reach, member, &mut acc);
    let mut out = Vec::new();
    acc.finish(inv, Some(pid), &mut out, &mut HashMap::new());
    out
}

/// Whether a finding is about what follows from the change of a target (the pass-the-hash exposure once it
/// accepts Restricted Admin, the alert monitoring raises on the registry change): it belongs to the stage that
/// prepares the target, not to the stage that puts a path into use. The actions themselves (RA-HOST-NOT-ENABLED
/// and the like) keep the path's stage, which says whether an earlier stage performed them.
pub fn target_change(code: Code) -> bool {
    matches!(code, Code::RaPthExposure | Code::PolSocNotice)
}

/// A readable name for a subject (`NETBIOS\name` for users and groups, DNS name for domains).
pub fn subject_label(inv: &Inventory, s: Subject) -> String {
    match s {
        Subject::Domain(d) => inv.domains[d as usize].dns.clone(),
        Subject::Trust(t) => {
            let t = &inv.trusts[t as usize];
            format!(
                "{} trusts {}",
                inv.domains[t.trusting as usize].dns, inv.domains[t.trusted as usize].dns
            )
        }
        Subject::Host(h) => inv.hosts[h as usize].name.clone(),
        Subject::User(u) => inv.user_label(u),
        Subject::Group(g) => inv.group_label(g),
        Subject::Path(p) => inv.paths[p as usize].name.clone(),
        Subject::Stage(s) => format!("stage {}", s + 1),
    }
}

/// A set of codes (bit `Code as u64`).
type Codes = u64;

fn bit(c: Code) -> Codes {
    1 << (c as u64)
}

fn codes_iter(codes: Codes) -> impl Iterator<Item = Code> {
    CATALOG
        .iter()
        .map(|r| r.code)
        .filter(move |c| codes & bit(*c) != 0)
}

/// Every code whose default severity is `block`.
const BLOCK_CODES: Codes = {
    let mut mask = 0;
    let mut i = 0;
    while i < CATALOG.len() {
        if matches!(CATALOG[i].severity, Severity::Block) {
            mask |= 1 << (CATALOG[i].code as u64);
        }
        i += 1;
    }
    mask
};

/// The codes of `codes` whose default severity is `block`.
fn blocks(codes: Codes) -> Codes {
    codes & BLOCK_CODES
}

/// Raises every code of each host's mask (`masks` by position in `hosts`) under `mode`, one code at a time so
/// that each code receives its hosts in order.
fn add_masks(acc: &mut Acc, hosts: &[HostId], masks: &[Codes], mode: Option<Mode>) {
    let union = masks.iter().fold(0, |a, m| a | m);
    for c in codes_iter(union) {
        let b = bit(c);
        let of_code = hosts
            .iter()
            .zip(masks)
            .filter(|(_, m)| **m & b != 0)
            .map(|(h, _)| Subject::Host(*h));
        acc.add(c, mode, of_code);
    }
}

/// Subjects and details gathered for one (code, mode) of one path.
#[derive(Default)]
struct Entry {
    subjects: Vec<Subject>,
    details: Vec<String>,
    /// Users refused on hosts, exactly, where the subjects alone would say less (access control lists).
    cross: Vec<pairs::Cross>,
}

/// Gathers findings of one path (or of the estate) before they are turned into [`Finding`]s.
#[derive(Default)]
struct Acc {
    map: BTreeMap<(Code, Option<Mode>), Entry>,
}

impl Acc {
    fn entry(&mut self, code: Code, mode: Option<Mode>) -> &mut Entry {
        self.map.entry((code, mode)).or_default()
    }

    /// Raises `code` under `mode` (or every mode) about `subjects`.
    fn add(&mut self, code: Code, mode: Option<Mode>, subjects: impl IntoIterator<Item = Subject>) {
        self.entry(code, mode).subjects.extend(subjects);
    }

    /// Raises every code of `codes` under `mode` about one subject.
    fn add_codes(&mut self, codes: Codes, mode: Option<Mode>, subject: Subject) {
        for c in codes_iter(codes) {
            self.add(c, mode, [subject]);
        }
    }

    /// Adds a detail sentence fragment (shown in `{detail}`).
    fn detail(&mut self, code: Code, mode: Option<Mode>, d: impl Into<String>) {
        self.entry(code, mode).details.push(d.into());
    }

    /// Turns the gathered entries into findings; the exact pairs of those that have them go to `crosses`
    /// (keyed by finding index).
    fn finish(
        self,
        inv: &Inventory,
        path: Option<PathId>,
        out: &mut Vec<Finding>,
        crosses: &mut HashMap<u32, Vec<pairs::Cross>>,
    ) {
        for ((code, mode), mut e) in self.map {
            if !e.cross.is_empty() {
                crosses.insert(out.len() as u32, e.cross);
            }
            normalize(&mut e.subjects);
            // Deduplicated lists of thousands of hosts keep the room of the duplicates: give it back.
            if e.subjects.capacity() > e.subjects.len() + e.subjects.len() / 4 + 16 {
                e.subjects.shrink_to_fit();
            }
            e.details.sort_unstable();
            e.details.dedup();
            let message = render(inv, code.info().message, &e.subjects, &e.details);
            out.push(Finding {
                code,
                severity: code.severity(),
                path,
                mode,
                subjects: e.subjects,
                message,
            });
        }
    }
}

/// Sorts and deduplicates subjects. They arrive as a few sorted runs per kind, so each kind's ids are sorted
/// as plain numbers, and only when they are not in order already.
fn normalize(subjects: &mut Vec<Subject>) {
    if subjects.is_sorted() {
        subjects.dedup();
        return;
    }
    let mut kinds: [Vec<u32>; 7] = Default::default();
    for s in subjects.iter() {
        let (k, id) = match *s {
            Subject::Domain(i) => (0, i),
            Subject::Trust(i) => (1, i),
            Subject::Host(i) => (2, i),
            Subject::User(i) => (3, i),
            Subject::Group(i) => (4, i),
            Subject::Path(i) => (5, i),
            Subject::Stage(i) => (6, i),
        };
        kinds[k].push(id);
    }
    subjects.clear();
    let makers: [fn(u32) -> Subject; 7] = [
        Subject::Domain,
        Subject::Trust,
        Subject::Host,
        Subject::User,
        Subject::Group,
        Subject::Path,
        Subject::Stage,
    ];
    for (ids, make) in kinds.iter_mut().zip(makers) {
        if !ids.is_sorted() {
            ids.sort_unstable();
        }
        ids.dedup();
        subjects.extend(ids.iter().map(|i| make(*i)));
    }
}

/// Formats a count with thousands separators: `20,000`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Names when there are few (sorted), else a count: `20,000 targets`. Every subject stays in the finding.
fn names(count: usize, labels: impl FnOnce() -> Vec<String>, noun: &str) -> String {
    match count {
        0 => format!("no {noun}s"),
        1..=3 => {
            let mut l = labels();
            l.sort_unstable();
            l.join(", ")
        }
        n => format!("{} {noun}s", thousands(n)),
    }
}

fn render(inv: &Inventory, template: &str, subjects: &[Subject], details: &[String]) -> String {
    let list = |pick: fn(&Subject) -> bool, noun: &str| -> String {
        let count = subjects.iter().filter(|s| pick(s)).count();
        let labels = || {
            subjects
                .iter()
                .filter(|s| pick(s))
                .map(|s| subject_label(inv, *s))
                .collect()
        };
        names(count, labels, noun)
    };
    let host = |s: &Subject| matches!(s, Subject::Host(_));
    let mut out = template.to_string();
    let mut fill = |key: &str, value: &dyn Fn() -> String| {
        if out.contains(key) {
            out = out.replace(key, &value());
        }
    };
    fill("{users}", &|| {
        list(|s| matches!(s, Subject::User(_)), "user")
    });
    fill("{clients}", &|| list(host, "client"));
    fill("{targets}", &|| list(host, "target"));
    fill("{hops}", &|| list(host, "host"));
    fill("{hosts}", &|| list(host, "host"));
    fill("{domains}", &|| {
        list(|s| matches!(s, Subject::Domain(_)), "domain")
    });
    fill("{detail}", &|| details.join("; "));
    out
}

/// Precomputed facts about every host, and the inventory and graph.
struct Ctx<'a> {
    inv: &'a Inventory,
    graph: &'a TrustGraph,
    /// Remote Credential Guard codes of each host as a target.
    rcg_target: Vec<Codes>,
    /// Restricted Admin codes of each host as a target.
    ra_target: Vec<Codes>,
    /// Per user: the number of its set of groups (users with the same groups share it).
    group_set: Vec<u32>,
    /// Per group set: a user who has it.
    set_user: Vec<UserId>,
    /// Per access control list: whether it names users directly.
    acl_names_users: Vec<bool>,
    /// Whether an access control list admits a group set through its groups, across paths.
    acl_answers: RefCell<HashMap<(AclId, u32), bool>>,
    /// Per user: in the local Administrators of a target of one of its paths.
    local_admin: RefCell<Vec<bool>>,
}

/// How a user fares against one host's local groups and Remote Desktop logon rights (bits of a `u8`).
mod fare {
    /// In the local Administrators (given or by default).
    pub const ADMIN: u8 = 1;
    /// Not in the local Administrators, which the inventory gives.
    pub const NOT_ADMIN: u8 = 2;
    /// Not in the known members of local Administrators, which the inventory does not give.
    pub const ADMIN_UNKNOWN: u8 = 4;
    /// In neither Administrators nor Remote Desktop Users, both given.
    pub const NO_RDP: u8 = 8;
    /// In neither known list, and one of them is not given.
    pub const RDP_UNKNOWN: u8 = 16;
    /// Denied "log on through Remote Desktop Services", or not among those a policy allows.
    pub const DENIED: u8 = 32;
}

/// The local groups and Remote Desktop logon rights of a host, as interned lists.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct HostAcls {
    admins: AclId,
    admins_given: bool,
    rdu: AclId,
    rdu_given: bool,
    allowed: Option<AclId>,
    denied: AclId,
}

impl HostAcls {
    fn of(h: &crate::inventory::Host) -> Self {
        HostAcls {
            admins: h.administrators,
            admins_given: h.administrators_given,
            rdu: h.remote_desktop_users,
            rdu_given: h.remote_desktop_users_given,
            allowed: h.rdp_logon_allowed,
            denied: h.rdp_logon_denied,
        }
    }
}

/// How the users of a path fare against the local groups of a list of hosts, computed once per distinct set of
/// lists rather than per host.
struct AclDenials<'h> {
    hosts: &'h [HostId],
    /// For each host (by position), its group of identical lists.
    group_of: Vec<usize>,
    /// Per group, per user position: the [`fare`] bits.
    fares: Vec<Vec<u8>>,
}

impl<'h> AclDenials<'h> {
    fn new(ctx: &Ctx, users: &[UserId], hosts: &'h [HostId]) -> Self {
        let mut index: HashMap<HostAcls, usize> = HashMap::new();
        let mut d = AclDenials {
            hosts,
            group_of: Vec::with_capacity(hosts.len()),
            fares: Vec::new(),
        };
        // The path's users by group set (local numbering), answered once per set and list.
        let mut local: HashMap<u32, u32> = HashMap::new();
        let mut sets: Vec<u32> = Vec::new();
        let user_set: Vec<u32> = users
            .iter()
            .map(|u| {
                let g = ctx.group_set[*u as usize];
                *local.entry(g).or_insert_with(|| {
                    sets.push(g);
                    sets.len() as u32 - 1
                })
            })
            .collect();
        let mut prev: Option<HostAcls> = None;
        for &h in hosts {
            let key = HostAcls::of(&ctx.inv.hosts[h as usize]);
            if prev == Some(key)
                && let Some(g) = d.group_of.last().copied()
            {
                d.group_of.push(g);
                continue;
            }
            prev = Some(key);
            let g = *index.entry(key).or_insert_with(|| {
                let admin = ctx.answers(key.admins, &sets);
                let rdp = ctx.answers(key.rdu, &sets);
                let denied = ctx.answers(key.denied, &sets);
                let allowed = key.allowed.map(|a| (a, ctx.answers(a, &sets)));
                let mut fares = vec![0u8; users.len()];
                for (i, (&u, &s)) in users.iter().zip(&user_set).enumerate() {
                    let s = s as usize;
                    let f = &mut fares[i];
                    if admin[s] || ctx.names_user(key.admins, u) {
                        *f |= fare::ADMIN;
                    } else {
                        *f |= if key.admins_given {
                            fare::NOT_ADMIN
                        } else {
                            fare::ADMIN_UNKNOWN
                        };
                        if !(rdp[s] || ctx.names_user(key.rdu, u)) {
                            *f |= if key.admins_given && key.rdu_given {
                                fare::NO_RDP
                            } else {
                                fare::RDP_UNKNOWN
                            };
                        }
                    }
                    let not_allowed = allowed
                        .as_ref()
                        .is_some_and(|(a, ans)| !(ans[s] || ctx.names_user(*a, u)));
                    if denied[s] || ctx.names_user(key.denied, u) || not_allowed {
                        *f |= fare::DENIED;
                    }
                }
                d.fares.push(fares);
                d.fares.len() - 1
            });
            d.group_of.push(g);
        }
        d
    }

    /// Whether the user at position `i` is in the local Administrators of one of the hosts.
    fn admin_somewhere(&self, i: usize) -> bool {
        self.fares.iter().any(|f| f[i] & fare::ADMIN != 0)
    }

    /// Raises `code` about the users whose fare has `flag` and the hosts where they do (only the hosts whose
    /// position is set in `within`, when given).
    fn raise(
        &self,
        acc: &mut Acc,
        code: Code,
        flag: u8,
        mode: Option<Mode>,
        who: &[UserId],
        within: Option<&[bool]>,
    ) {
        let denies: Vec<bool> = self
            .fares
            .iter()
            .map(|m| m.iter().any(|f| f & flag != 0))
            .collect();
        let mut active = vec![false; self.fares.len()];
        let mut hosts = Vec::new();
        for (i, (&h, &g)) in self.hosts.iter().zip(&self.group_of).enumerate() {
            if denies[g] && within.is_none_or(|w| w[i]) {
                active[g] = true;
                hosts.push(h);
            }
        }
        if hosts.is_empty() {
            return;
        }
        acc.add(code, mode, host_subjects(&hosts));
        let denied = |i: usize| {
            self.fares
                .iter()
                .zip(&active)
                .any(|(m, on)| *on && m[i] & flag != 0)
        };
        acc.add(
            code,
            mode,
            who.iter()
                .enumerate()
                .filter(|(i, _)| denied(*i))
                .map(|(_, u)| Subject::User(*u)),
        );
        // Which users are refused on which hosts, per group of identical lists: the pairs the finding blocks.
        let entry = acc.entry(code, mode);
        for (g, fares) in self.fares.iter().enumerate().filter(|(g, _)| active[*g]) {
            let users: Vec<UserId> = who
                .iter()
                .zip(fares)
                .filter(|(_, f)| **f & flag != 0)
                .map(|(u, _)| *u)
                .collect();
            let hosts: Vec<HostId> = self
                .hosts
                .iter()
                .zip(&self.group_of)
                .enumerate()
                .filter(|(i, (_, hg))| **hg == g && within.is_none_or(|w| w[*i]))
                .map(|(_, (h, _))| *h)
                .collect();
            if !users.is_empty() && !hosts.is_empty() {
                entry.cross.push((users, hosts));
            }
        }
    }
}

fn user_subjects(users: &[UserId]) -> impl Iterator<Item = Subject> + '_ {
    users.iter().map(|u| Subject::User(*u))
}

fn host_subjects(hosts: &[HostId]) -> impl Iterator<Item = Subject> + '_ {
    hosts.iter().map(|h| Subject::Host(*h))
}

impl<'a> Ctx<'a> {
    fn new(inv: &'a Inventory, graph: &'a TrustGraph) -> Self {
        let mut sets: HashMap<&[GroupId], u32> = HashMap::new();
        let mut set_user = Vec::new();
        let group_set = inv
            .users
            .iter()
            .enumerate()
            .map(|(u, user)| {
                *sets.entry(&user.groups[..]).or_insert_with(|| {
                    set_user.push(u as UserId);
                    set_user.len() as u32 - 1
                })
            })
            .collect();
        Ctx {
            group_set,
            set_user,
            acl_names_users: inv
                .acls
                .iter()
                .map(|l| l.iter().any(|p| matches!(p, Principal::User(_))))
                .collect(),
            acl_answers: RefCell::new(HashMap::new()),
            local_admin: RefCell::new(vec![false; inv.users.len()]),
            inv,
            graph,
            rcg_target: inv.hosts.iter().map(remote_guard::target_codes).collect(),
            ra_target: inv
                .hosts
                .iter()
                .map(restricted_admin::target_codes)
                .collect(),
        }
    }

    /// Whether `acl` names user `u` itself.
    fn names_user(&self, acl: AclId, u: UserId) -> bool {
        self.acl_names_users[acl as usize]
            && self.inv.acls[acl as usize]
                .binary_search(&Principal::User(u))
                .is_ok()
    }

    /// Per group set of `sets`: whether `acl` admits it through one of its groups.
    fn answers(&self, acl: AclId, sets: &[u32]) -> Vec<bool> {
        let mut cache = self.acl_answers.borrow_mut();
        sets.iter()
            .map(|s| {
                *cache.entry((acl, *s)).or_insert_with(|| {
                    let list = &self.inv.acls[acl as usize];
                    let user = &self.inv.users[self.set_user[*s as usize] as usize];
                    user.groups
                        .iter()
                        .any(|g| list.binary_search(&Principal::Group(*g)).is_ok())
                })
            })
            .collect()
    }

    /// CLIENT-NO-SIGNIN: with signed-in credentials the account must be able to sign in to the client: not a
    /// workgroup client, and a client whose domain is the user's or trusts it. Judged once per pair of domains.
    fn client_sign_in(&self, p: &AccessPath, acc: &mut Acc) {
        if p.credentials != Credentials::SignedIn {
            return;
        }
        let inv = self.inv;
        let mut refused_users: Vec<UserId> = Vec::new();
        let mut clients: Vec<HostId> = Vec::new();
        for &c in &p.from {
            let h = &inv.hosts[c as usize];
            let refuses = |u: UserId| {
                let user = &inv.users[u as usize];
                let ud = user.domain;
                match h.join {
                    JoinType::Workgroup => true,
                    JoinType::Ad | JoinType::Hybrid => match h.domain {
                        None => true,
                        Some(cd) if cd == ud => false,
                        Some(cd) => match self.graph.route(ud, cd) {
                            None => true,
                            // Across a selective-authentication trust the account needs "Allowed to
                            // Authenticate" on the client: refused when the client lists who holds it.
                            Some(r) => {
                                r.selective_auth
                                    && h.allowed_to_authenticate
                                        .is_some_and(|a| !inv.acl_allows(a, u))
                            }
                        },
                    },
                    // Entra joined clients: an AD account signs in there only through its synchronized Entra
                    // identity (`entra_synced`); not given, not judged.
                    JoinType::Entra => user.entra_synced == Some(false),
                }
            };
            let mut any = false;
            for &u in &p.who {
                if refuses(u) {
                    any = true;
                    refused_users.push(u);
                }
            }
            if any {
                clients.push(c);
            }
        }
        if clients.is_empty() {
            return;
        }
        refused_users.sort_unstable();
        refused_users.dedup();
        // Refused users on at least one client; the clients say where.
        acc.add(Code::ClientNoSignin, None, host_subjects(&clients));
        acc.add(Code::ClientNoSignin, None, user_subjects(&refused_users));
    }

    fn evaluate_path(&self, pid: PathId, acc: &mut Acc) {
        let inv = self.inv;
        let p: &AccessPath = &inv.paths[pid as usize];
        let path_subject = Subject::Path(pid);
        let rg = Some(Mode::RemoteGuard);
        let ra = Some(Mode::RestrictedAdmin);
        let pref = Some(Mode::PreferRemoteGuard);

        // Remote Credential Guard: the path, each client, each target.
        let rcg_path = remote_guard::path_codes(p);
        acc.add_codes(rcg_path, rg, path_subject);
        if rcg_path & bit(Code::RcgGateway) != 0 {
            acc.detail(Code::RcgGateway, rg, remote_guard::route_name(p.via));
        }
        self.client_sign_in(p, acc);
        acc.add(Code::RcgSessionExposure, rg, user_subjects(&p.who));
        let client_codes: Vec<Codes> = p
            .from
            .iter()
            .map(|c| remote_guard::client_codes(&inv.hosts[*c as usize], p.credentials))
            .collect();
        add_masks(acc, &p.from, &client_codes, rg);
        // The path's `device_claims`, when given, says for its own sessions what the targets' says for all.
        let claims = |c: Codes| match p.device_claims {
            Some(true) => c | bit(Code::RcgCompoundAuth),
            Some(false) => c & !bit(Code::RcgCompoundAuth),
            None => c,
        };
        let rcg_codes: Vec<Codes> = (p.to.iter())
            .map(|t| claims(self.rcg_target[*t as usize]))
            .collect();
        add_masks(acc, &p.to, &rcg_codes, rg);
        let blocked_at = |list: &[HostId], codes: &[Codes]| -> Vec<HostId> {
            list.iter()
                .zip(codes)
                .filter(|(_, c)| blocks(**c) != 0)
                .map(|(h, _)| *h)
                .collect()
        };
        let client_blocked = blocked_at(&p.from, &client_codes);
        let connect_codes: Vec<Codes> = rcg_codes
            .iter()
            .map(|c| remote_guard::connect_blocks(*c))
            .collect();
        let target_blocked = blocked_at(&p.to, &connect_codes);
        let fallback_reasons = client_codes
            .iter()
            .chain(&connect_codes)
            .fold(blocks(rcg_path), |acc, c| acc | blocks(*c));

        // The onward connection: each hop is its target, and the target host is its client (signed in).
        let onward = !p.hops.is_empty();
        let (hop_rcg, onward_client): (Vec<Codes>, Vec<Codes>) = if onward {
            (
                p.hops
                    .iter()
                    .map(|h| claims(self.rcg_target[*h as usize]))
                    .collect(),
                p.to.iter()
                    .map(|t| {
                        remote_guard::client_codes(&inv.hosts[*t as usize], Credentials::SignedIn)
                    })
                    .collect(),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        add_masks(acc, &p.hops, &hop_rcg, rg);
        add_masks(acc, &p.to, &onward_client, rg);

        // Restricted Admin: the path, each target.
        let ra_path = restricted_admin::path_codes(p);
        acc.add_codes(ra_path, ra, path_subject);
        if ra_path & bit(Code::RaMultihop) != 0 {
            acc.add(Code::RaMultihop, ra, host_subjects(&p.hops));
        }
        let ra_codes: Vec<Codes> = p.to.iter().map(|t| self.ra_target[*t as usize]).collect();
        add_masks(acc, &p.to, &ra_codes, ra);
        let hop_ra: Vec<Codes> = p.hops.iter().map(|h| self.ra_target[*h as usize]).collect();
        add_masks(acc, &p.hops, &hop_ra, ra);

        // prefer-remote-guard: Remote Credential Guard on the (client, target) pairs it can serve, Restricted
        // Admin on the rest. Pairs fall back when the path, the client or the target blocks RCG. Per target:
        let all_fall_back = blocks(rcg_path) != 0 || client_blocked.len() == p.from.len();
        let rcg_at: Vec<bool> = connect_codes
            .iter()
            .map(|c| !all_fall_back && *c == 0)
            .collect();
        let fallback_at: Vec<bool> = connect_codes
            .iter()
            .map(|c| all_fall_back || !client_blocked.is_empty() || *c != 0)
            .collect();
        let only = |codes: &[Codes], at: &[bool], keep: fn(Codes) -> Codes| -> Vec<Codes> {
            codes
                .iter()
                .zip(at)
                .map(|(c, on)| if *on { keep(*c) } else { 0 })
                .collect()
        };
        if fallback_at.contains(&true) {
            acc.add(Code::PolFallback, pref, [path_subject]);
            acc.add(Code::PolFallback, pref, host_subjects(&client_blocked));
            acc.add(Code::PolFallback, pref, host_subjects(&target_blocked));
            let reasons: Vec<&str> = codes_iter(fallback_reasons).map(Code::as_str).collect();
            acc.detail(Code::PolFallback, pref, reasons.join(", "));
            acc.add_codes(ra_path, pref, path_subject);
            if ra_path & bit(Code::RaMultihop) != 0 {
                acc.add(Code::RaMultihop, pref, host_subjects(&p.hops));
            }
            add_masks(acc, &p.to, &only(&ra_codes, &fallback_at, |c| c), pref);
        }
        let not_blocking = |c: Codes| c & !blocks(c);
        if rcg_at.contains(&true) {
            acc.add_codes(not_blocking(rcg_path), pref, path_subject);
            acc.add(Code::RcgSessionExposure, pref, user_subjects(&p.who));
            // What is left once connected: compound authentication still denies the session its resources.
            let connected = |c: Codes| c & !remote_guard::connect_blocks(c);
            add_masks(acc, &p.to, &only(&rcg_codes, &rcg_at, connected), pref);
            // Only Remote Credential Guard hops onward: the onward connection needs all of it.
            add_masks(acc, &p.hops, &hop_rcg, pref);
            add_masks(acc, &p.to, &only(&onward_client, &rcg_at, |c| c), pref);
        }

        // Users x targets through the interned access control lists. Under prefer-remote-guard each denial
        // counts only where its mode is the one used. Where only local groups the inventory does not give could
        // let a user in, RDP-RIGHTS-UNKNOWN says so instead of a block.
        let to = AclDenials::new(self, &p.who, &p.to);
        // Per mode: the block where the local groups are given and refuse the user, and where only groups not
        // given could admit the user (RDP-RIGHTS-UNKNOWN); only on the targets where the mode is used.
        let std_mode = Some(Mode::Standard);
        let no_rdp = (fare::NO_RDP, fare::RDP_UNKNOWN);
        let not_admin = (fare::NOT_ADMIN, fare::ADMIN_UNKNOWN);
        let on_targets = [
            (Code::RdpNoRight, no_rdp, std_mode, None),
            (Code::RcgNoRdpRight, no_rdp, rg, None),
            (Code::RcgNoRdpRight, no_rdp, pref, Some(rcg_at.as_slice())),
            (Code::RaNotAdmin, not_admin, ra, None),
            (
                Code::RaNotAdmin,
                not_admin,
                pref,
                Some(fallback_at.as_slice()),
            ),
        ];
        for (code, (refused, unknown), mode, within) in on_targets {
            to.raise(acc, code, refused, mode, &p.who, within);
            to.raise(acc, Code::RdpRightsUnknown, unknown, mode, &p.who, within);
        }
        // The Remote Desktop logon rights hold under every mode.
        to.raise(acc, Code::RdpDenyRight, fare::DENIED, None, &p.who, None);
        // Onward hops are reached over RDP as the user: Remote Credential Guard needs the right there too.
        let hops = AclDenials::new(self, &p.who, &p.hops);
        let hop_modes: &[Option<Mode>] = if rcg_at.contains(&true) {
            &[rg, pref]
        } else {
            &[rg]
        };
        for &mode in hop_modes {
            hops.raise(acc, Code::RcgNoRdpRight, fare::NO_RDP, mode, &p.who, None);
            hops.raise(
                acc,
                Code::RdpRightsUnknown,
                fare::RDP_UNKNOWN,
                mode,
                &p.who,
                None,
            );
            hops.raise(acc, Code::RdpDenyRight, fare::DENIED, mode, &p.who, None);
        }

        // Privileged under plain RDP: a role, Protected Users, or local Administrators on a target.
        let local_admins: Vec<UserId> = p
            .who
            .iter()
            .enumerate()
            .filter(|(i, _)| to.admin_somewhere(*i))
            .map(|(_, u)| *u)
            .collect();
        {
            let mut seen = self.local_admin.borrow_mut();
            for u in &local_admins {
                seen[*u as usize] = true;
            }
        }
        policy::standard(inv, p, &local_admins, acc);

        // RA-PTH-EXPOSURE is worse where no LAPS manages the local administrator password.
        for mode in [rg, ra, pref] {
            let Some(e) = acc.map.get_mut(&(Code::RaPthExposure, mode)) else {
                continue;
            };
            let no_laps: Vec<HostId> = e
                .subjects
                .iter()
                .filter_map(|s| match s {
                    Subject::Host(h) if !inv.hosts[*h as usize].laps => Some(*h),
                    _ => None,
                })
                .collect();
            if !no_laps.is_empty() {
                let labels = || {
                    no_laps
                        .iter()
                        .map(|h| inv.hosts[*h as usize].name.clone())
                        .collect()
                };
                e.details.push(format!(
                    "; worse without LAPS on {}",
                    names(no_laps.len(), labels, "target")
                ));
            }
        }

        // Trusts and Protected Users hold under every mode.
        let reach = trust::evaluate_path(inv, self.graph, p, acc);
        let member = |u: UserId| inv.users[u as usize].protected_users;
        protected_users::path(inv, p, pid, &reach, &member, acc);
    }
}
