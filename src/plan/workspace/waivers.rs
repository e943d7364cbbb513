//! Waivers resolved against the inventory: which active waiver accepts a finding, and the scopes a finding
//! may take.

use std::collections::HashMap;

use crate::finding::{Finding, Subject};
use crate::inventory::Inventory;
use crate::rules::Code;

use super::*;
use crate::plan::io::Scope;
use crate::plan::model::*;

/// A waiver resolved against the inventory.
#[derive(Debug, Clone)]
pub(super) struct ResolvedWaiver {
    code: Option<Code>,
    scope: Option<Subject>,
    all: bool,
    pub(super) active: bool,
}

/// The first active waiver per finding code and scope, to find a finding's waiver without scanning them all.
#[derive(Debug, Clone, Default)]
pub(super) struct WaiverIndex {
    /// Scope `*`.
    all: HashMap<Code, usize>,
    /// Scope `path:`, `host:` or `user:`.
    scoped: HashMap<(Code, Subject), usize>,
}

impl Workspace {
    pub(super) fn compute_waivers(&mut self) {
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
    pub(super) fn waiver_for(&self, f: &Finding) -> Option<usize> {
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
