//! Reports: one model of what a check found, rendered as text, JSON, SARIF 2.1.0 or Markdown (with Mermaid).
//!
//! [`Report::build`] turns an inventory, its evaluation and (optionally) a plan into a sorted, self-contained
//! [`Report`]; the renderers only format it, so every format says the same thing and the output is deterministic.

pub mod json;
pub mod labels;
pub mod markdown;
mod plan_input;
pub mod repo;
pub mod sarif;
pub mod text;

use std::collections::BTreeMap;

pub use labels::Labels;
pub use plan_input::{plan_input, plan_report};

use crate::finding::{Finding, Mode, Severity, Subject, Verdict};
use crate::inventory::{
    Inventory, Labelled, PathId, Pos, Purpose, SourceFile, TrustDirection, TrustKind,
};
use crate::rules::exposure::Exposure;
use crate::rules::{Code, Evaluation};

/// Which file a location points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    /// The inventory.
    Inventory,
    /// The plan.
    Plan,
}

/// A line in the inventory or plan file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// Which file.
    pub file: FileKind,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

/// The kinds of subject a finding can concern, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SubjectKind {
    /// Users.
    User,
    /// Groups.
    Group,
    /// Hosts.
    Host,
    /// Access paths.
    Path,
    /// Domains.
    Domain,
    /// Trusts.
    Trust,
    /// Plan stages.
    Stage,
}

impl SubjectKind {
    /// The selector prefix, as in plan stages and waiver scopes.
    pub fn prefix(self) -> &'static str {
        match self {
            SubjectKind::User => "user",
            SubjectKind::Group => "group",
            SubjectKind::Host => "host",
            SubjectKind::Path => "path",
            SubjectKind::Domain => "domain",
            SubjectKind::Trust => "trust",
            SubjectKind::Stage => "stage",
        }
    }

    /// `1 host`, `3 hosts`.
    pub fn count(self, n: usize) -> String {
        plural(n, self.prefix())
    }

    fn of(s: &Subject) -> SubjectKind {
        match s {
            Subject::Domain(_) => SubjectKind::Domain,
            Subject::Trust(_) => SubjectKind::Trust,
            Subject::Host(_) => SubjectKind::Host,
            Subject::User(_) => SubjectKind::User,
            Subject::Group(_) => SubjectKind::Group,
            Subject::Path(_) => SubjectKind::Path,
            Subject::Stage(_) => SubjectKind::Stage,
        }
    }
}

/// One aggregated finding, ready to print.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFinding {
    /// Catalog code.
    pub code: Code,
    /// Severity.
    pub severity: Severity,
    /// Path name, unless estate-wide.
    pub path: Option<String>,
    /// Mode, unless it holds under every mode.
    pub mode: Option<Mode>,
    /// Every subject as a selector (`host:PAW-01`, `user:CORP\alice`), sorted.
    pub subjects: Labels,
    /// Subjects counted per kind, in [`SubjectKind`] order.
    pub counts: Vec<(SubjectKind, usize)>,
    /// The engine's sentence.
    pub message: String,
    /// The catalog source and section, e.g. `000 requirements`.
    pub source: String,
    /// The reason of the waiver that accepts it, if any.
    pub waiver: Option<String>,
    /// Whether it concerns what would be rolled out (the chosen mode with a plan, else the recommended one).
    pub applies: bool,
    /// An action the plan performs in time (a stage does the step before the stage that relies on it).
    pub performed: bool,
    /// With a plan: the stage in whose state it first holds (`None`: before the first stage).
    pub stage: Option<String>,
    /// With a plan: the last stage in whose state it holds, when a later stage removes it.
    pub until: Option<String>,
    /// The line it is about.
    pub location: Location,
}

impl ReportFinding {
    /// Accepted by a waiver.
    pub fn waived(&self) -> bool {
        self.waiver.is_some()
    }

    /// Counts the check against `deny`: it applies, is not waived, is at least that severe and is not an action
    /// the plan performs.
    pub fn denies(&self, deny: Severity) -> bool {
        self.applies && !self.waived() && !self.performed && self.severity >= deny
    }

    /// With a plan, the stages it holds in: `from stage helpdesk`, or `in stages helpdesk to broad-rollout` (`in
    /// stage helpdesk only`) when a later stage removes it; `None` when it holds before the first stage, and for an action the plan
    /// performs in time (its target is prepared by then: nothing holds).
    pub fn stage_span(&self) -> Option<String> {
        if self.performed {
            return None;
        }
        let first = self.stage.as_deref()?;
        Some(match self.until.as_deref() {
            Some(last) if last == first => format!("in stage {first} only"),
            Some(last) => format!("in stages {first} to {last}"),
            None => format!("from stage {first}"),
        })
    }

    /// `3 hosts, 1 user`.
    pub fn counts_text(&self) -> String {
        let parts: Vec<String> = self.counts.iter().map(|(k, n)| k.count(*n)).collect();
        parts.join(", ")
    }
}

/// One mode on one path.
#[derive(Debug, Clone, PartialEq)]
pub struct ModeCell {
    /// Worst severity raised (before waivers).
    pub verdict: Verdict,
    /// Codes raised, sorted and unique.
    pub codes: Vec<Code>,
}

/// One access path.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportPath {
    /// Name.
    pub name: String,
    /// `admin` or `helpdesk`.
    pub purpose: &'static str,
    /// The engine's recommendation; `None` when every mode is blocked.
    pub recommended: Option<Mode>,
    /// The plan's decision.
    pub chosen: Option<Mode>,
    /// The stage that switches it, with a plan.
    pub stage: Option<String>,
    /// Indexed by [`Mode::index`].
    pub modes: Vec<ModeCell>,
    /// Why the recommendation.
    pub rationale: Vec<String>,
    /// Where it is declared in the inventory.
    pub location: Location,
    /// (user, target) pairs: users x targets.
    pub pairs: u64,
    /// Per mode (by [`Mode::index`]): the pairs it blocks.
    pub pairs_blocked: [u64; 4],
    /// The pairs, protected and excepted, of the plan's decision (or the recommendation).
    pub figures: crate::plan::exceptions::Figures,
    /// The exceptions of the decision (or the one the recommendation proposes).
    pub exceptions: Vec<crate::plan::exceptions::Row>,
}

impl ReportPath {
    /// The mode that would be rolled out: the plan's choice, else the recommendation.
    pub fn rollout(&self, planned: bool) -> Option<Mode> {
        if planned {
            self.chosen
        } else {
            self.recommended
        }
    }
}

/// One stage of a plan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReportStage {
    /// Name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// No unwaived block, and every action it relies on is performed by then.
    pub ready: bool,
    /// Target hosts it prepares (those already prepared are in `in_place`).
    pub hosts: Vec<String>,
    /// Client devices whose policy it sets.
    pub clients: Vec<String>,
    /// Users its script enrolls in Protected Users (`NETBIOS\name`).
    pub users: Vec<String>,
    /// Users it selects that its script does not enroll, each with the reason.
    pub not_enrolled: Vec<String>,
    /// Paths it switches to a protected mode, with their mode.
    pub paths: Vec<(String, Mode)>,
    /// The scriptable remediation its script does, one line each (Remote Desktop Users, Protected Users).
    pub remediation: Vec<String>,
    /// Which export carries out what, one line per export (see [`crate::plan::actions::carriers`]).
    pub carried_by: Vec<String>,
    /// Members it selects that need no change: hosts already prepared, clients with the policy already,
    /// users already in Protected Users, paths that stay on `standard`.
    pub in_place: Vec<String>,
    /// Privileged credential exposure after it.
    pub exposure: Exposure,
    /// Hosts (targets and clients) touched per domain (DNS name, or `Entra ID / workgroup`).
    pub domains: BTreeMap<String, usize>,
    /// Unwaived blocks on this stage.
    pub blockers: usize,
    /// What keeps it from being ready, one sentence each.
    pub reasons: Vec<String>,
}

/// A waiver of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportWaiver {
    /// Code.
    pub code: String,
    /// Scope.
    pub scope: String,
    /// Reason.
    pub reason: String,
    /// Last day, `YYYY-MM-DD`.
    pub expires: Option<String>,
    /// Past its last day: it no longer waives.
    pub expired: bool,
    /// Findings it accepts.
    pub used: usize,
}

/// A domain, for the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportDomain {
    /// DNS name.
    pub dns: String,
    /// NetBIOS name.
    pub netbios: String,
    /// DNS name of its forest root.
    pub forest: String,
}

/// A trust, for the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportTrust {
    /// Index of the domain holding the resources.
    pub trusting: usize,
    /// Index of the domain whose accounts authenticate.
    pub trusted: usize,
    /// Both ways.
    pub two_way: bool,
    /// Type, in words (`forest`, `external`, ...).
    pub kind: &'static str,
    /// Selective authentication.
    pub selective: bool,
}

/// Everything a check found, sorted and ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The inventory as a relative URI (for SARIF) and display name.
    pub inventory_uri: String,
    /// The plan file as a relative URI, when a plan was checked.
    pub plan_uri: Option<String>,
    /// Findings, worst first, then by code, path and mode.
    pub findings: Vec<ReportFinding>,
    /// Paths, in inventory order.
    pub paths: Vec<ReportPath>,
    /// Stages, in plan order (empty without a plan).
    pub stages: Vec<ReportStage>,
    /// Waivers, in plan order.
    pub waivers: Vec<ReportWaiver>,
    /// Domains, in inventory order.
    pub domains: Vec<ReportDomain>,
    /// Trusts, in inventory order.
    pub trusts: Vec<ReportTrust>,
    /// Hosts without an AD domain (Entra ID joined or workgroup).
    pub hosts_without_domain: usize,
    /// With a plan: privileged credential exposure before it and after its last stage.
    pub exposure: Option<(Exposure, Exposure)>,
    /// The lowest severity that fails the check.
    pub deny: Severity,
}

/// The plan side of a check: what the plan decides, waives and stages.
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    /// The plan file as a relative URI.
    pub uri: String,
    /// The plan file's text (for line numbers).
    pub text: String,
    /// Chosen mode per path (indexed by `PathId`); `None`: the plan leaves the path as it is.
    pub chosen: Vec<Option<Mode>>,
    /// Findings raised by the plan's choices and stages (client policy conflicts, stage order).
    pub findings: Vec<Finding>,
    /// Per finding (the evaluation's, then `findings`): it applies to the plan.
    pub applies: Vec<bool>,
    /// Per finding: an action the plan performs in time.
    pub performed: Vec<bool>,
    /// Per finding (the evaluation's, then `findings`): index of the waiver that accepts it.
    pub waived_by: Vec<Option<usize>>,
    /// Per finding: the stage in whose state it first holds (`None`: before the first stage).
    pub first: Vec<Option<usize>>,
    /// Per finding: the last stage in whose state it holds, when a later stage removes it.
    pub until: Vec<Option<usize>>,
    /// Privileged credential exposure before the plan and after its last stage.
    pub exposure: Option<(Exposure, Exposure)>,
    /// Stages with what they change.
    pub stages: Vec<ReportStage>,
    /// Stage index per path.
    pub stage_of_path: Vec<Option<usize>>,
    /// Waivers (their `used` count is filled in by [`Report::build`]).
    pub waivers: Vec<ReportWaiver>,
    /// Per path (indexed by `PathId`): the exceptions of its decision.
    pub exceptions: Vec<Vec<crate::plan::Exception>>,
}

/// A mode's name, or `none`.
pub fn mode_name(m: Option<Mode>) -> &'static str {
    m.map_or("none", Mode::as_str)
}

/// `1 host`, `3 hosts`, `20,000 hosts`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", crate::rules::thousands(n))
    }
}

/// Turns the name of an input file into a relative URI: forward slashes, no `./`, relative to the current
/// directory where possible, the embedded sample as `assets/contoso.toml`.
pub fn relative_uri(name: &str) -> String {
    if name == crate::inventory::SAMPLE_NAME {
        return "assets/contoso.toml".into();
    }
    let path = std::path::Path::new(name);
    let rel = if path.is_absolute() {
        std::env::current_dir()
            .ok()
            .and_then(|cwd| path.strip_prefix(cwd).ok().map(|p| p.to_path_buf()))
            .unwrap_or_else(|| path.to_path_buf())
    } else {
        path.to_path_buf()
    };
    let s = rel.to_string_lossy().replace('\\', "/");
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Line numbers of the items of a plan file, read from its text.
#[derive(Debug, Default)]
struct PlanLines {
    stages: Vec<Location>,
    decisions: BTreeMap<String, Location>,
}

impl PlanLines {
    fn read(text: &str) -> PlanLines {
        #[derive(serde::Deserialize)]
        struct Named {
            name: toml::Spanned<String>,
        }
        #[derive(serde::Deserialize)]
        struct DecisionKey {
            path: toml::Spanned<String>,
        }
        #[derive(serde::Deserialize, Default)]
        #[serde(default)]
        struct Spans {
            stage: Vec<Named>,
            decision: Vec<DecisionKey>,
        }
        let src = SourceFile::new("plan", text);
        let at = |span: std::ops::Range<usize>| {
            let (line, col) = src.line_col(span.start);
            Location {
                file: FileKind::Plan,
                line,
                col,
            }
        };
        let spans: Spans = toml::from_str(text).unwrap_or_default();
        PlanLines {
            stages: spans.stage.iter().map(|s| at(s.name.span())).collect(),
            decisions: spans
                .decision
                .iter()
                .map(|d| (d.path.get_ref().clone(), at(d.path.span())))
                .collect(),
        }
    }
}

fn purpose_str(p: Purpose) -> &'static str {
    match p {
        Purpose::Admin => "admin",
        Purpose::Helpdesk => "helpdesk",
    }
}

fn trust_kind_str(k: TrustKind) -> &'static str {
    match k {
        TrustKind::ParentChild => "parent-child",
        TrustKind::TreeRoot => "tree-root",
        TrustKind::Forest => "forest",
        TrustKind::External => "external",
        TrustKind::Shortcut => "shortcut",
        TrustKind::Realm => "realm",
    }
}

/// Builds reports from the engine's data.
struct Builder<'a> {
    inv: &'a Inventory,
    stage_names: Vec<String>,
    plan_lines: PlanLines,
}

/// From this many subjects on, a finding's users, groups and hosts are sorted by their rank in the order of all
/// labels (made once) rather than by comparing labels: findings at 100,000 hosts name tens of thousands.
const RANKED: usize = 256;

impl Builder<'_> {
    fn inv_location(&self, at: Pos) -> Location {
        Location {
            file: FileKind::Inventory,
            line: at.line as usize,
            col: at.col as usize,
        }
    }

    /// Appends a subject's selector (`host:PAW-01`, `user:CORP\alice`) to `out`; `?` names what the
    /// inventory does not hold.
    fn write_label(&self, s: &Subject, out: &mut String) {
        let inv = self.inv;
        out.push_str(SubjectKind::of(s).prefix());
        out.push(':');
        let pair = |a: &str, sep: &str, b: &str, out: &mut String| {
            out.push_str(a);
            out.push_str(sep);
            out.push_str(b);
        };
        let found = match *s {
            Subject::Domain(d) => inv.domains.get(d as usize).map(|d| out.push_str(&d.dns)),
            Subject::Trust(t) => inv
                .trusts
                .get(t as usize)
                .and_then(|t| {
                    Some((
                        inv.domains.get(t.trusting as usize)?,
                        inv.domains.get(t.trusted as usize)?,
                    ))
                })
                .map(|(a, b)| pair(&a.dns, "->", &b.dns, out)),
            Subject::Host(h) => inv.hosts.get(h as usize).map(|h| out.push_str(&h.name)),
            Subject::User(u) => inv
                .users
                .get(u as usize)
                .and_then(|u| Some((inv.domains.get(u.domain as usize)?, u)))
                .map(|(d, u)| pair(&d.netbios, "\\", &u.name, out)),
            Subject::Group(g) => inv
                .groups
                .get(g as usize)
                .and_then(|g| Some((inv.domains.get(g.domain as usize)?, g)))
                .map(|(d, g)| pair(&d.netbios, "\\", &g.name, out)),
            Subject::Path(p) => inv.paths.get(p as usize).map(|p| out.push_str(&p.name)),
            Subject::Stage(n) => {
                match self.stage_names.get(n as usize) {
                    Some(name) => out.push_str(name),
                    None => {
                        use std::fmt::Write as _;
                        let _ = write!(out, "{}", u64::from(n) + 1);
                    }
                }
                Some(())
            }
        };
        if found.is_none() {
            out.push('?');
        }
    }

    /// Dense ranks of a kind's entries in the order of their labels (equal labels, equal ranks): sorting
    /// subjects by rank sorts them by label. Only users, groups and hosts have them.
    fn ranks(&self, kind: SubjectKind) -> Option<&[u32]> {
        let kind = match kind {
            SubjectKind::User => Labelled::User,
            SubjectKind::Group => Labelled::Group,
            SubjectKind::Host => Labelled::Host,
            _ => return None,
        };
        Some(self.inv.label_ranks(kind))
    }

    /// A subject's rank among its kind's labels, when the kind has ranks and the inventory holds it.
    fn rank(&self, s: &Subject) -> Option<u32> {
        let (kind, i) = match *s {
            Subject::User(i) => (SubjectKind::User, i),
            Subject::Group(i) => (SubjectKind::Group, i),
            Subject::Host(i) => (SubjectKind::Host, i),
            _ => return None,
        };
        self.ranks(kind)?.get(i as usize).copied()
    }

    /// A finding's subjects as selectors, sorted by kind then text, without repeats, and counted per kind.
    /// `scratch` and `spans` are working space kept from one finding to the next; findings with the same
    /// labels share them through `shared` (at 100,000 hosts, a third of the labels' memory is unique).
    fn subjects(
        &self,
        f: &Finding,
        scratch: &mut String,
        spans: &mut Vec<(SubjectKind, u32, usize, usize)>,
        shared: &mut hashbrown::HashSet<Labels>,
    ) -> (Labels, Vec<(SubjectKind, usize)>) {
        scratch.clear();
        spans.clear();
        // Either every user, group and host of the finding has a rank, or none is used.
        let ranked = f.subjects.len() >= RANKED
            && f.subjects
                .iter()
                .all(|s| self.ranks(SubjectKind::of(s)).is_none() || self.rank(s).is_some());
        for s in &f.subjects {
            let start = scratch.len();
            self.write_label(s, scratch);
            let rank = if ranked { self.rank(s) } else { None };
            spans.push((
                SubjectKind::of(s),
                rank.unwrap_or(u32::MAX),
                start,
                scratch.len(),
            ));
        }
        let text = |&(_, _, a, b): &(SubjectKind, u32, usize, usize)| {
            scratch.get(a..b).unwrap_or_default()
        };
        // Within a kind, either every subject has a rank or none has (then all compare equal by rank).
        spans.sort_unstable_by(|x, y| {
            x.0.cmp(&y.0)
                .then(x.1.cmp(&y.1))
                .then_with(|| text(x).cmp(text(y)))
        });
        spans.dedup_by(|x, y| x.0 == y.0 && text(x) == text(y));
        let bytes = spans.iter().map(|&(_, _, a, b)| b - a).sum();
        let mut labels = Labels::with_capacity(spans.len(), bytes);
        let mut counts: Vec<(SubjectKind, usize)> = Vec::new();
        for span in spans.iter() {
            labels.push(text(span));
            match counts.last_mut() {
                Some((last, n)) if *last == span.0 => *n += 1,
                _ => counts.push((span.0, 1)),
            }
        }
        let labels = shared.get_or_insert(labels).clone();
        (labels, counts)
    }

    fn subject_at(&self, s: &Subject) -> Option<Pos> {
        let inv = self.inv;
        match *s {
            Subject::Domain(d) => inv.domains.get(d as usize).map(|x| x.at),
            Subject::Trust(t) => inv.trusts.get(t as usize).map(|x| x.at),
            Subject::Host(h) => inv.hosts.get(h as usize).map(|x| x.at),
            Subject::User(u) => inv.users.get(u as usize).map(|x| x.at),
            Subject::Group(g) => inv.groups.get(g as usize).map(|x| x.at),
            Subject::Path(p) => inv.paths.get(p as usize).map(|x| x.at),
            Subject::Stage(_) => None,
        }
    }

    /// The line a finding is about: a stage in the plan, the plan's decision for a mode it chose, the path
    /// entry, or the first subject's entry in the inventory.
    fn location(&self, f: &Finding, chosen: Option<Mode>) -> Location {
        let stage = f.subjects.iter().find_map(|s| match s {
            Subject::Stage(n) => self.plan_lines.stages.get(*n as usize).copied(),
            _ => None,
        });
        if let Some(loc) = stage {
            return loc;
        }
        if let Some(p) = f.path.and_then(|p| self.inv.paths.get(p as usize)) {
            if f.mode.is_some() && f.mode == chosen {
                if let Some(loc) = self.plan_lines.decisions.get(&p.name) {
                    return *loc;
                }
            }
            return self.inv_location(p.at);
        }
        f.subjects
            .iter()
            .find_map(|s| self.subject_at(s))
            .map(|at| self.inv_location(at))
            .unwrap_or(Location {
                file: FileKind::Inventory,
                line: 1,
                col: 1,
            })
    }
}

impl Report {
    /// Builds the report of a check. Without a plan, what would be rolled out is each path's recommended mode;
    /// with one, its chosen mode. `inventory_uri` names the inventory file for locations.
    pub fn build(
        inv: &Inventory,
        inventory_uri: &str,
        eval: &Evaluation,
        plan: Option<&PlanInput>,
        deny: Severity,
    ) -> Report {
        Report::assemble(inv, inventory_uri, eval, plan, None, deny)
    }

    /// [`Report::build`] with a plan, taking its stages rather than copying them: at 100,000 hosts they list
    /// tens of thousands of hosts.
    pub fn build_with_plan(
        inv: &Inventory,
        inventory_uri: &str,
        eval: &Evaluation,
        mut plan: PlanInput,
        deny: Severity,
    ) -> Report {
        let stages = std::mem::take(&mut plan.stages);
        Report::assemble(inv, inventory_uri, eval, Some(&plan), Some(stages), deny)
    }

    /// The report, with the plan's stages given apart (`None`: copied from the plan).
    fn assemble(
        inv: &Inventory,
        inventory_uri: &str,
        eval: &Evaluation,
        plan: Option<&PlanInput>,
        stages: Option<Vec<ReportStage>>,
        deny: Severity,
    ) -> Report {
        let stage_list = match (&stages, plan) {
            (Some(s), _) => s.as_slice(),
            (None, Some(p)) => p.stages.as_slice(),
            (None, None) => &[],
        };
        let b = Builder {
            inv,
            stage_names: stage_list.iter().map(|s| s.name.clone()).collect(),
            plan_lines: plan.map(|p| PlanLines::read(&p.text)).unwrap_or_default(),
        };
        let chosen = |p: PathId| plan.and_then(|pl| pl.chosen.get(p as usize).copied().flatten());

        let paths: Vec<ReportPath> = inv
            .paths
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let pe = eval.paths.get(i);
                let pp = eval.pairs.get(i);
                let (figures, exceptions) = match plan {
                    Some(pl) => crate::plan::exceptions::rows(
                        inv,
                        eval,
                        i as PathId,
                        chosen(i as PathId).unwrap_or(Mode::Standard),
                        Some(pl.exceptions.get(i).map_or(&[][..], |e| e.as_slice())),
                    ),
                    None => crate::plan::exceptions::rows(
                        inv,
                        eval,
                        i as PathId,
                        pe.and_then(|pe| pe.recommended).unwrap_or(Mode::Standard),
                        None,
                    ),
                };
                let modes = Mode::ALL
                    .iter()
                    .map(|m| {
                        let me = pe.map(|pe| &pe.modes[m.index()]);
                        let mut codes: Vec<Code> = me
                            .map(|me| {
                                me.findings
                                    .iter()
                                    .filter_map(|&x| eval.findings.get(x as usize))
                                    .map(|f| f.code)
                                    .collect()
                            })
                            .unwrap_or_default();
                        codes.sort();
                        codes.dedup();
                        ModeCell {
                            verdict: me.map_or(Verdict::Ok, |me| me.verdict.0),
                            codes,
                        }
                    })
                    .collect();
                ReportPath {
                    name: p.name.clone(),
                    purpose: purpose_str(p.purpose),
                    recommended: pe.and_then(|pe| pe.recommended),
                    chosen: chosen(i as PathId),
                    stage: plan
                        .and_then(|pl| pl.stage_of_path.get(i).copied().flatten())
                        .and_then(|s| b.stage_names.get(s).cloned()),
                    modes,
                    rationale: pe.map(|pe| pe.rationale.clone()).unwrap_or_default(),
                    location: b.inv_location(p.at),
                    pairs: pp.map_or(0, |pp| pp.pairs),
                    pairs_blocked: pp.map_or([0; 4], |pp| pp.blocked),
                    figures,
                    exceptions,
                }
            })
            .collect();

        let plan_findings = plan.map(|p| p.findings.as_slice()).unwrap_or_default();
        let mut waivers = plan.map(|p| p.waivers.clone()).unwrap_or_default();
        let (mut scratch, mut spans, mut shared) =
            (String::new(), Vec::new(), hashbrown::HashSet::new());
        let mut findings: Vec<ReportFinding> = eval
            .findings
            .iter()
            .chain(plan_findings)
            .enumerate()
            .map(|(i, f)| {
                let path = f.path.and_then(|p| paths.get(p as usize));
                let rollout = path.and_then(|p| p.rollout(plan.is_some()));
                let applies = match (plan, path, f.mode) {
                    (Some(pl), _, _) => pl.applies.get(i).copied().unwrap_or(false),
                    (None, _, None) | (None, None, _) => true,
                    // A path with no workable mode is blocked whatever is picked: every reason counts.
                    (None, Some(p), Some(m)) => rollout == Some(m) || p.recommended.is_none(),
                };
                let performed = plan
                    .and_then(|pl| pl.performed.get(i).copied())
                    .unwrap_or(false);
                let waiver = plan
                    .and_then(|p| p.waived_by.get(i).copied().flatten())
                    .and_then(|w| waivers.get_mut(w))
                    .map(|w| {
                        w.used += 1;
                        w.reason.clone()
                    });
                let stage_name = |v: Option<&Vec<Option<usize>>>| {
                    v.and_then(|v| v.get(i).copied().flatten())
                        .and_then(|s| b.stage_names.get(s).cloned())
                };
                let (subjects, counts) = b.subjects(f, &mut scratch, &mut spans, &mut shared);
                let info = f.code.info();
                ReportFinding {
                    code: f.code,
                    severity: f.severity,
                    path: path.map(|p| p.name.clone()),
                    mode: f.mode,
                    subjects,
                    counts,
                    message: f.message.clone(),
                    source: info.citation(),
                    waiver,
                    applies,
                    performed,
                    stage: stage_name(plan.map(|p| &p.first)),
                    until: stage_name(plan.map(|p| &p.until)),
                    location: b.location(f, rollout),
                }
            })
            .collect();
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.code.cmp(&b.code))
                .then_with(|| a.path.cmp(&b.path))
                .then(a.mode.cmp(&b.mode))
                .then_with(|| a.subjects.cmp(&b.subjects))
                .then_with(|| a.message.cmp(&b.message))
        });

        let stages = stages.unwrap_or_else(|| plan.map(|p| p.stages.clone()).unwrap_or_default());

        let domains = inv
            .domains
            .iter()
            .map(|d| ReportDomain {
                dns: d.dns.clone(),
                netbios: d.netbios.clone(),
                forest: inv
                    .domains
                    .get(d.forest as usize)
                    .map_or_else(|| d.dns.clone(), |f| f.dns.clone()),
            })
            .collect();
        let trusts = inv
            .trusts
            .iter()
            .map(|t| ReportTrust {
                trusting: t.trusting as usize,
                trusted: t.trusted as usize,
                two_way: t.direction == TrustDirection::TwoWay,
                kind: trust_kind_str(t.kind),
                selective: t.selective_auth,
            })
            .collect();

        Report {
            inventory_uri: inventory_uri.to_string(),
            plan_uri: plan.map(|p| p.uri.clone()),
            findings,
            paths,
            stages,
            waivers,
            domains,
            trusts,
            hosts_without_domain: inv.hosts.iter().filter(|h| h.domain.is_none()).count(),
            exposure: plan.and_then(|p| p.exposure),
            deny,
        }
    }

    /// Whether a plan was checked.
    pub fn planned(&self) -> bool {
        self.plan_uri.is_some()
    }

    /// Paths that would be rolled out without a workable mode (no plan, every mode blocked).
    pub fn paths_without_mode(&self) -> impl Iterator<Item = &ReportPath> {
        self.paths
            .iter()
            .filter(|p| !self.planned() && p.recommended.is_none())
    }

    /// Findings that count: they apply and are not waived, per severity (worst first).
    pub fn counts(&self) -> [(Severity, usize); 4] {
        Severity::WORST_FIRST.map(|s| {
            let n = self
                .findings
                .iter()
                .filter(|f| f.applies && !f.waived() && f.severity == s)
                .count();
            (s, n)
        })
    }

    /// Findings accepted by a waiver.
    pub fn waived(&self) -> usize {
        self.findings.iter().filter(|f| f.waived()).count()
    }

    /// Findings under modes that would not be rolled out.
    pub fn other_modes(&self) -> usize {
        self.findings.iter().filter(|f| !f.applies).count()
    }

    /// Whether the check fails: an unwaived finding at or above the deny level applies, or a path would be
    /// rolled out with no workable mode.
    pub fn fails(&self) -> bool {
        self.findings.iter().any(|f| f.denies(self.deny))
            || self.paths_without_mode().next().is_some()
    }

    /// How many paths would be rolled out under each mode, as `3 remote-guard`; `none` counts paths with no
    /// workable mode (or left as they are), shown only when there are some.
    pub fn paths_per_mode(&self) -> Vec<String> {
        let mut counts = [0usize; Mode::ALL.len() + 1];
        for p in &self.paths {
            let m = p.rollout(self.planned());
            counts[m.map_or(Mode::ALL.len(), Mode::index)] += 1;
        }
        counts
            .iter()
            .enumerate()
            .filter(|&(i, &n)| i < Mode::ALL.len() || n > 0)
            .map(|(i, n)| format!("{n} {}", mode_name(Mode::ALL.get(i).copied())))
            .collect()
    }

    /// The exposure headline with a plan: `privileged credential exposures: 1,234 -> 56`, then what is counted
    /// apart.
    pub fn exposure_headline(&self) -> Option<(String, String)> {
        let (b, a) = self.exposure?;
        let n = crate::rules::thousands;
        Some((
            format!(
                "privileged credential exposures: {} -> {}",
                n(b.exposures),
                n(a.exposures)
            ),
            format!(
                "of which Protected Users members with only a TGT of at most 4 hours: {} -> {}; hosts open to pass-the-hash of local administrators (Restricted Admin accepted: DisableRestrictedAdmin = 0 and AllowProtectedCreds = 1): {} -> {}",
                n(b.tgt_only),
                n(a.tgt_only),
                n(b.pth_targets),
                n(a.pth_targets)
            ),
        ))
    }

    /// The pair figures of every path added up.
    pub fn pair_totals(&self) -> crate::plan::exceptions::Figures {
        let mut t = crate::plan::exceptions::Figures::default();
        for p in &self.paths {
            t += p.figures;
        }
        t
    }

    /// Stages that are ready.
    pub fn stages_ready(&self) -> usize {
        self.stages.iter().filter(|s| s.ready).count()
    }

    /// The file name a location points into.
    pub fn uri(&self, loc: &Location) -> &str {
        match (loc.file, &self.plan_uri) {
            (FileKind::Plan, Some(p)) => p,
            _ => &self.inventory_uri,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
