//! The semantic difference between two plans, for reviewers: modes, members, stages, waivers, blockers.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::finding::Mode;
use crate::inventory::Inventory;

use super::io::enforcement_str;
use super::model::*;
use super::workspace::Workspace;

/// A path whose decision changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionChange {
    /// Path name.
    pub path: String,
    /// Before (`None`: no decision, i.e. standard).
    pub old: Option<(Mode, Enforcement)>,
    /// After.
    pub new: Option<(Mode, Enforcement)>,
}

/// A member that moved between stages, or was added or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberChange {
    /// Kind.
    pub kind: MemberKind,
    /// Selector as written.
    pub selector: String,
    /// Stage before (`None`: not in the plan).
    pub from: Option<String>,
    /// Stage after.
    pub to: Option<String>,
}

/// Everything a reviewer should see between two versions of a plan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanDiff {
    /// The plans were made for different inventories.
    pub fingerprint_changed: bool,
    /// Stages added.
    pub stages_added: Vec<String>,
    /// Stages removed.
    pub stages_removed: Vec<String>,
    /// The order of the stages both plans have changed.
    pub stages_reordered: bool,
    /// Decisions that changed.
    pub decisions: Vec<DecisionChange>,
    /// Members moved, added or removed.
    pub members: Vec<MemberChange>,
    /// Exceptions only in the new plan, by path.
    pub exceptions_added: Vec<(String, Exception)>,
    /// Exceptions only in the old plan, by path.
    pub exceptions_removed: Vec<(String, Exception)>,
    /// Waivers only in the new plan.
    pub waivers_added: Vec<Waiver>,
    /// Waivers only in the old plan.
    pub waivers_removed: Vec<Waiver>,
    /// Waivers of the new plan that have expired by the given day.
    pub waivers_expired: Vec<Waiver>,
    /// Unwaived blocks of the new plan that the old one did not have (needs the inventory).
    pub new_blockers: Vec<String>,
    /// Unwaived blocks of the old plan that the new one no longer has (needs the inventory).
    pub resolved_blockers: Vec<String>,
}

impl PlanDiff {
    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        *self == PlanDiff::default()
    }
}

fn placement(plan: &Plan) -> BTreeMap<(MemberKind, String), String> {
    let mut m = BTreeMap::new();
    for st in &plan.stages {
        for kind in MemberKind::ALL {
            for sel in st.members(kind) {
                m.entry((kind, sel.clone()))
                    .or_insert_with(|| st.name.clone());
            }
        }
    }
    m
}

/// The unwaived blocks of a workspace's plan, as `CODE: message`.
pub fn blockers(ws: &Workspace) -> BTreeSet<String> {
    let a = ws.assessment();
    a.items
        .iter()
        .filter(|i| i.blocks())
        .map(|i| {
            let f = ws.finding(i.finding);
            format!("{}: {}", f.code, f.message)
        })
        .collect()
}

/// Compares two plans. With the inventory, also lists blockers that appear or disappear.
pub fn diff(old: &Plan, new: &Plan, inv: Option<&Inventory>, today: time::Date) -> PlanDiff {
    let mut d = PlanDiff {
        fingerprint_changed: old.inventory.fingerprint != new.inventory.fingerprint,
        ..PlanDiff::default()
    };
    let old_names: Vec<&str> = old.stages.iter().map(|s| s.name.as_str()).collect();
    let new_names: Vec<&str> = new.stages.iter().map(|s| s.name.as_str()).collect();
    d.stages_added = new_names
        .iter()
        .filter(|n| !old_names.contains(n))
        .map(|n| n.to_string())
        .collect();
    d.stages_removed = old_names
        .iter()
        .filter(|n| !new_names.contains(n))
        .map(|n| n.to_string())
        .collect();
    let common_old: Vec<&&str> = old_names.iter().filter(|n| new_names.contains(n)).collect();
    let common_new: Vec<&&str> = new_names.iter().filter(|n| old_names.contains(n)).collect();
    d.stages_reordered = common_old != common_new;

    let olds: BTreeMap<&str, &Decision> =
        old.decisions.iter().map(|x| (x.path.as_str(), x)).collect();
    let news: BTreeMap<&str, &Decision> =
        new.decisions.iter().map(|x| (x.path.as_str(), x)).collect();
    let paths: BTreeSet<&str> = olds.keys().chain(news.keys()).copied().collect();
    for p in paths {
        let (o, n) = (
            olds.get(p).map(|x| (x.mode, x.enforce)),
            news.get(p).map(|x| (x.mode, x.enforce)),
        );
        if o != n {
            d.decisions.push(DecisionChange {
                path: p.to_string(),
                old: o,
                new: n,
            });
        }
        let ex = |m: &BTreeMap<&str, &Decision>| -> Vec<Exception> {
            m.get(p).map(|x| x.exceptions.clone()).unwrap_or_default()
        };
        let (eo, en) = (ex(&olds), ex(&news));
        for e in en.iter().filter(|e| !eo.contains(e)) {
            d.exceptions_added.push((p.to_string(), e.clone()));
        }
        for e in eo.iter().filter(|e| !en.contains(e)) {
            d.exceptions_removed.push((p.to_string(), e.clone()));
        }
    }

    let (po, pn) = (placement(old), placement(new));
    let keys: BTreeSet<&(MemberKind, String)> = po.keys().chain(pn.keys()).collect();
    for k in keys {
        let (from, to) = (po.get(k).cloned(), pn.get(k).cloned());
        if from != to {
            d.members.push(MemberChange {
                kind: k.0,
                selector: k.1.clone(),
                from,
                to,
            });
        }
    }

    d.waivers_added = new
        .waivers
        .iter()
        .filter(|w| !old.waivers.contains(w))
        .cloned()
        .collect();
    d.waivers_removed = old
        .waivers
        .iter()
        .filter(|w| !new.waivers.contains(w))
        .cloned()
        .collect();
    d.waivers_expired = new
        .waivers
        .iter()
        .filter(|w| w.is_expired(today))
        .cloned()
        .collect();

    if let Some(inv) = inv {
        let before = blockers(&Workspace::new(inv.clone(), Some(old.clone()), today));
        let after = blockers(&Workspace::new(inv.clone(), Some(new.clone()), today));
        d.new_blockers = after.difference(&before).cloned().collect();
        d.resolved_blockers = before.difference(&after).cloned().collect();
    }
    d
}

/// `users `user:CORP\bob` -> standard (remediation: ...)`.
pub fn exception_str(e: &Exception) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (key, list) in e.selectors() {
        if !list.is_empty() {
            let names: Vec<String> = list.iter().map(|s| code(s)).collect();
            parts.push(format!("{key} {}", names.join(", ")));
        }
    }
    let mut out = format!("{} -> {}", parts.join("; "), e.mode());
    if let Some(st) = &e.stage {
        let _ = write!(out, " until stage {}", code(st));
    }
    if !e.remediation.is_empty() {
        let _ = write!(out, " (remediation: {})", e.remediation);
    }
    out
}

fn choice_str(c: Option<(Mode, Enforcement)>) -> String {
    match c {
        None => "no decision (standard)".into(),
        Some((m, e)) => format!("{m} ({})", enforcement_str(e)),
    }
}

fn stage_str(s: &Option<String>) -> String {
    s.as_ref().map_or("(none)".to_string(), |s| code(s))
}

fn waiver_str(w: &Waiver) -> String {
    let exp = w
        .expires
        .as_ref()
        .map_or(String::new(), |e| format!(", expires {e}"));
    format!(
        "{} on {}{exp}: {}",
        w.code,
        w.scope,
        w.reason.escape_debug()
    )
}

/// A name as a code span that its own backticks cannot close (text and Markdown alike).
fn code(s: &str) -> String {
    crate::report::markdown::code(s)
}

/// Renders a diff as text (`markdown = false`) or as Markdown for a pull-request comment.
pub fn render(d: &PlanDiff, markdown: bool) -> String {
    let mut out = String::new();
    if d.is_empty() {
        out.push_str("No semantic changes.\n");
        return out;
    }
    let section = |out: &mut String, title: &str| {
        if markdown {
            let _ = writeln!(out, "\n### {title}\n");
        } else {
            let _ = writeln!(out, "\n{title}:");
        }
    };
    let item = |out: &mut String, text: String| {
        let text = crate::safe_text::escape(&text);
        if markdown {
            let _ = writeln!(out, "- {text}");
        } else {
            let _ = writeln!(out, "  {text}");
        }
    };
    if markdown {
        out.push_str("## Plan changes\n");
    } else {
        out.push_str("Plan changes\n");
    }
    if d.fingerprint_changed {
        section(&mut out, "Inventory");
        item(
            &mut out,
            "the plans were made for different versions of the inventory".into(),
        );
    }
    if !d.new_blockers.is_empty() {
        section(&mut out, "New blockers");
        for b in &d.new_blockers {
            item(&mut out, b.clone());
        }
    }
    if !d.resolved_blockers.is_empty() {
        section(&mut out, "Resolved blockers");
        for b in &d.resolved_blockers {
            item(&mut out, b.clone());
        }
    }
    if !d.decisions.is_empty() {
        section(&mut out, "Modes");
        for c in &d.decisions {
            item(
                &mut out,
                format!(
                    "path {}: {} -> {}",
                    code(&c.path),
                    choice_str(c.old),
                    choice_str(c.new)
                ),
            );
        }
    }
    if !d.exceptions_added.is_empty() || !d.exceptions_removed.is_empty() {
        section(&mut out, "Exceptions");
        for (how, list) in [
            ("added", &d.exceptions_added),
            ("removed", &d.exceptions_removed),
        ] {
            for (path, e) in list {
                item(
                    &mut out,
                    format!("path {}: {how} {}", code(path), exception_str(e)),
                );
            }
        }
    }
    if !d.stages_added.is_empty() || !d.stages_removed.is_empty() || d.stages_reordered {
        section(&mut out, "Stages");
        for s in &d.stages_added {
            item(&mut out, format!("added {}", code(s)));
        }
        for s in &d.stages_removed {
            item(&mut out, format!("removed {}", code(s)));
        }
        if d.stages_reordered {
            item(&mut out, "stages were reordered".into());
        }
    }
    if !d.members.is_empty() {
        section(&mut out, "Members");
        for m in &d.members {
            item(
                &mut out,
                format!(
                    "{} {}: {} -> {}",
                    m.kind.key(),
                    code(&m.selector),
                    stage_str(&m.from),
                    stage_str(&m.to)
                ),
            );
        }
    }
    if !d.waivers_added.is_empty() || !d.waivers_removed.is_empty() || !d.waivers_expired.is_empty()
    {
        section(&mut out, "Waivers");
        for w in &d.waivers_added {
            item(&mut out, format!("added {}", waiver_str(w)));
        }
        for w in &d.waivers_removed {
            item(&mut out, format!("removed {}", waiver_str(w)));
        }
        for w in &d.waivers_expired {
            item(&mut out, format!("expired {}", waiver_str(w)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stage_name_with_backticks_cannot_close_its_code_span() {
        let d = PlanDiff {
            stages_removed: vec!["a` **b** `c".into()],
            ..PlanDiff::default()
        };
        let md = render(&d, true);
        assert!(md.contains("- removed ``a` **b** `c``\n"), "{md}");
    }
}
