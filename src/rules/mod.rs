//! The rules engine: every access path judged under every mode, raising the findings of the catalog.
//!
//! The engine never iterates users x clients x targets. Each rule looks at one kind of entity (a client, a
//! target, a user, the path itself), at interned access control lists (targets grouped by their
//! `administrators` / `remote_desktop_users`), or at pairs of domains; subjects are then gathered per
//! (code, path, mode) into one finding.

pub mod catalog;
mod policy;
mod protected_users;
mod remote_guard;
mod restricted_admin;
mod trust;

use std::collections::{BTreeMap, HashMap};

pub use catalog::{CATALOG, Code, RuleInfo};

use crate::finding::{Finding, Mode, Severity, Subject, Verdict};
use crate::graph::TrustGraph;
use crate::inventory::{AccessPath, AclId, HostId, Inventory, PathId, UserId};
use crate::plan::Enforcement;

/// The result of judging every access path under every mode.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// Every finding: per (code, path, mode), aggregated over subjects; estate-wide ones have no path.
    pub findings: Vec<Finding>,
    /// Per access path (indexed by `PathId`).
    pub paths: Vec<PathEvaluation>,
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
    for pid in 0..inv.paths.len() as PathId {
        let mut acc = Acc::default();
        ctx.evaluate_path(pid, &mut acc);
        let first = findings.len();
        acc.finish(inv, Some(pid), &mut findings);
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
        let (recommended, rationale) = policy::recommend(&inv.paths[pid as usize], &pe, &findings);
        pe.recommended = recommended;
        pe.rationale = rationale;
        paths.push(pe);
    }
    let mut acc = Acc::default();
    protected_users::estate(inv, &mut acc);
    acc.finish(inv, None, &mut findings);
    Evaluation { findings, paths }
}

/// Rules that depend on the choices of several paths (client policy is per computer):
/// POL-CLIENT-CONFLICT and POL-RA-IGNORED. `choices` is indexed by `PathId`.
pub fn evaluate_choices(inv: &Inventory, choices: &[Choice]) -> Vec<Finding> {
    policy::evaluate_choices(inv, choices)
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

/// The codes of `codes` whose default severity is `block`.
fn blocks(codes: Codes) -> Codes {
    codes_iter(codes)
        .filter(|c| c.severity() == Severity::Block)
        .fold(0, |acc, c| acc | bit(c))
}

/// Subjects and details gathered for one (code, mode) of one path.
#[derive(Default)]
struct Entry {
    subjects: Vec<Subject>,
    details: Vec<String>,
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

    fn finish(self, inv: &Inventory, path: Option<PathId>, out: &mut Vec<Finding>) {
        for ((code, mode), mut e) in self.map {
            e.subjects.sort_unstable();
            e.subjects.dedup();
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

/// Names when there are few (sorted), else a count with the first names: `20,000 targets (A, B, ...)`.
fn names(mut labels: Vec<String>, noun: &str) -> String {
    labels.sort_unstable();
    match labels.len() {
        0 => format!("no {noun}s"),
        1..=3 => labels.join(", "),
        n => format!(
            "{} {noun}s ({}, {}, ...)",
            thousands(n),
            labels[0],
            labels[1]
        ),
    }
}

fn render(inv: &Inventory, template: &str, subjects: &[Subject], details: &[String]) -> String {
    let of_kind = |pick: fn(&Subject) -> bool| -> Vec<String> {
        subjects
            .iter()
            .filter(|s| pick(s))
            .map(|s| subject_label(inv, *s))
            .collect()
    };
    let hosts = || of_kind(|s| matches!(s, Subject::Host(_)));
    let mut out = template.to_string();
    let mut fill = |key: &str, value: &dyn Fn() -> String| {
        if out.contains(key) {
            out = out.replace(key, &value());
        }
    };
    fill("{users}", &|| {
        names(of_kind(|s| matches!(s, Subject::User(_))), "user")
    });
    fill("{clients}", &|| names(hosts(), "client"));
    fill("{targets}", &|| names(hosts(), "target"));
    fill("{hops}", &|| names(hosts(), "host"));
    fill("{hosts}", &|| names(hosts(), "host"));
    fill("{domains}", &|| {
        names(of_kind(|s| matches!(s, Subject::Domain(_))), "domain")
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
}

/// Targets that share the same pair of access control lists.
struct AclGroup {
    administrators: AclId,
    remote_desktop_users: AclId,
    hosts: Vec<HostId>,
}

/// Groups hosts by their (Administrators, Remote Desktop Users) lists, in first-seen order.
fn acl_groups(inv: &Inventory, hosts: &[HostId]) -> Vec<AclGroup> {
    let mut index: HashMap<(AclId, AclId), usize> = HashMap::new();
    let mut groups: Vec<AclGroup> = Vec::new();
    for &h in hosts {
        let host = &inv.hosts[h as usize];
        let key = (host.administrators, host.remote_desktop_users);
        let i = *index.entry(key).or_insert_with(|| {
            groups.push(AclGroup {
                administrators: key.0,
                remote_desktop_users: key.1,
                hosts: Vec::new(),
            });
            groups.len() - 1
        });
        groups[i].hosts.push(h);
    }
    groups
}

/// Which path users may not log on over RDP to the group's hosts, and which are not administrators there.
fn acl_denials(inv: &Inventory, users: &[UserId], g: &AclGroup) -> (Vec<UserId>, Vec<UserId>) {
    let mut no_rdp = Vec::new();
    let mut not_admin = Vec::new();
    for &u in users {
        if !inv.acl_allows(g.administrators, u) {
            not_admin.push(u);
            if !inv.acl_allows(g.remote_desktop_users, u) {
                no_rdp.push(u);
            }
        }
    }
    (no_rdp, not_admin)
}

fn user_subjects(users: &[UserId]) -> impl Iterator<Item = Subject> + '_ {
    users.iter().map(|u| Subject::User(*u))
}

fn host_subjects(hosts: &[HostId]) -> impl Iterator<Item = Subject> + '_ {
    hosts.iter().map(|h| Subject::Host(*h))
}

impl<'a> Ctx<'a> {
    fn new(inv: &'a Inventory, graph: &'a TrustGraph) -> Self {
        Ctx {
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

    fn evaluate_path(&self, pid: PathId, acc: &mut Acc) {
        let inv = self.inv;
        let p: &AccessPath = &inv.paths[pid as usize];
        let path_subject = Subject::Path(pid);
        let rg = Some(Mode::RemoteGuard);
        let ra = Some(Mode::RestrictedAdmin);
        let pref = Some(Mode::PreferRemoteGuard);

        // Standard RDP.
        policy::standard(inv, p, acc);

        // Remote Credential Guard: the path, each client, each target.
        let rcg_path = remote_guard::path_codes(p);
        acc.add_codes(rcg_path, rg, path_subject);
        acc.add(Code::RcgSessionExposure, rg, user_subjects(&p.who));
        let mut client_blocked: Vec<HostId> = Vec::new();
        let mut fallback_reasons: Codes = blocks(rcg_path);
        for &c in &p.from {
            let codes = remote_guard::client_codes(&inv.hosts[c as usize], p.credentials);
            acc.add_codes(codes, rg, Subject::Host(c));
            if blocks(codes) != 0 {
                client_blocked.push(c);
                fallback_reasons |= blocks(codes);
            }
        }
        let mut target_blocked: Vec<HostId> = Vec::new();
        let mut target_ok: Vec<HostId> = Vec::new();
        for &t in &p.to {
            let codes = self.rcg_target[t as usize];
            acc.add_codes(codes, rg, Subject::Host(t));
            if blocks(codes) != 0 {
                target_blocked.push(t);
                fallback_reasons |= blocks(codes);
            } else {
                target_ok.push(t);
            }
        }

        // Restricted Admin: the path, each target.
        let ra_path = restricted_admin::path_codes(p);
        acc.add_codes(ra_path, ra, path_subject);
        if ra_path & bit(Code::RaMultihop) != 0 {
            acc.add(Code::RaMultihop, ra, host_subjects(&p.hops));
        }
        for &t in &p.to {
            acc.add_codes(self.ra_target[t as usize], ra, Subject::Host(t));
        }

        // prefer-remote-guard: Remote Credential Guard on the (client, target) pairs it can serve, Restricted
        // Admin on the rest. Pairs fall back when the path, the client or the target blocks RCG.
        let all_fall_back = blocks(rcg_path) != 0 || client_blocked.len() == p.from.len();
        let (rcg_targets, fallback_targets): (&[HostId], &[HostId]) = if all_fall_back {
            (&[], &p.to)
        } else if !client_blocked.is_empty() {
            (&target_ok, &p.to)
        } else {
            (&target_ok, &target_blocked)
        };
        if !fallback_targets.is_empty() {
            acc.add(Code::PolFallback, pref, [path_subject]);
            acc.add(Code::PolFallback, pref, host_subjects(&client_blocked));
            acc.add(Code::PolFallback, pref, host_subjects(&target_blocked));
            let reasons: Vec<&str> = codes_iter(fallback_reasons).map(Code::as_str).collect();
            acc.detail(Code::PolFallback, pref, reasons.join(", "));
            acc.add_codes(ra_path, pref, path_subject);
            if ra_path & bit(Code::RaMultihop) != 0 {
                acc.add(Code::RaMultihop, pref, host_subjects(&p.hops));
            }
            for &t in fallback_targets {
                acc.add_codes(self.ra_target[t as usize], pref, Subject::Host(t));
            }
        }
        if !rcg_targets.is_empty() {
            let not_blocking = |c: Codes| c & !blocks(c);
            acc.add_codes(not_blocking(rcg_path), pref, path_subject);
            acc.add(Code::RcgSessionExposure, pref, user_subjects(&p.who));
            for &t in rcg_targets {
                acc.add_codes(
                    not_blocking(self.rcg_target[t as usize]),
                    pref,
                    Subject::Host(t),
                );
            }
        }

        // Users x targets through the interned access control lists.
        for g in acl_groups(inv, &p.to) {
            let (no_rdp, not_admin) = acl_denials(inv, &p.who, &g);
            let denials = [
                (Code::RcgNoRdpRight, rg, &no_rdp, rcg_targets),
                (Code::RaNotAdmin, ra, &not_admin, fallback_targets),
            ];
            for (code, mode, users, pref_hosts) in denials {
                if users.is_empty() {
                    continue;
                }
                acc.add(code, mode, user_subjects(users));
                acc.add(code, mode, host_subjects(&g.hosts));
                // Under prefer-remote-guard each denial counts only where its mode is the one used.
                let hosts: Vec<HostId> = g
                    .hosts
                    .iter()
                    .copied()
                    .filter(|h| pref_hosts.binary_search(h).is_ok())
                    .collect();
                if !hosts.is_empty() {
                    acc.add(code, pref, user_subjects(users));
                    acc.add(code, pref, host_subjects(&hosts));
                }
            }
        }
        // Onward hops are reached over RDP as the user: Remote Credential Guard needs the right there too.
        for g in acl_groups(inv, &p.hops) {
            let (no_rdp, _) = acl_denials(inv, &p.who, &g);
            if !no_rdp.is_empty() {
                for mode in [rg, pref] {
                    if mode == pref && rcg_targets.is_empty() {
                        continue;
                    }
                    acc.add(Code::RcgNoRdpRight, mode, user_subjects(&no_rdp));
                    acc.add(Code::RcgNoRdpRight, mode, host_subjects(&g.hosts));
                }
            }
        }

        // Trusts and Protected Users hold under every mode.
        let reach = trust::evaluate_path(inv, self.graph, p, acc);
        protected_users::path(inv, p, pid, &reach, acc);
    }
}
