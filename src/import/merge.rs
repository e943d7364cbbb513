//! Re-import: fold a fresh import into an earlier inventory, keeping what the administrator wrote by hand,
//! and list what changed in the estate.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use toml::Spanned;

use super::mapping::{Imported, Key, sort};
use super::writer::NOTE_PREFIX;
use crate::inventory::raw::*;

/// The result of a merge.
#[derive(Debug, Clone, Default)]
pub struct Merged {
    /// The merged inventory.
    pub inventory: RawInventory,
    /// The administrator's comments from the earlier file, by entry.
    pub kept: BTreeMap<Key, Vec<String>>,
    /// What changed in the estate, one line each: `+ host X`, `- user Y`, `~ host Z: os a -> b`.
    pub changes: Vec<String>,
}

fn lc(s: &Spanned<String>) -> String {
    s.get_ref().to_lowercase()
}

fn show<T: Serialize>(v: &T) -> String {
    match toml::Value::try_from(v) {
        Ok(toml::Value::Array(a)) if a.is_empty() => "[]".into(),
        Ok(v) => v.to_string(),
        Err(_) => "?".into(),
    }
}

/// Records `field a -> b` when the two differ.
struct Diff(Vec<String>);

impl Diff {
    fn field<T: Serialize + PartialEq>(&mut self, name: &str, old: &T, new: &T) {
        if old != new {
            self.0
                .push(format!("{name} {} -> {}", show(old), show(new)));
        }
    }
    fn names(&mut self, name: &str, old: &[Spanned<String>], new: &[Spanned<String>]) {
        let set = |l: &[Spanned<String>]| l.iter().map(lc).collect::<BTreeSet<_>>();
        let (a, b) = (set(old), set(new));
        let added: Vec<_> = b.difference(&a).cloned().collect();
        let removed: Vec<_> = a.difference(&b).cloned().collect();
        if !added.is_empty() {
            self.0.push(format!("{name} + {}", added.join(", ")));
        }
        if !removed.is_empty() {
            self.0.push(format!("{name} - {}", removed.join(", ")));
        }
    }
}

/// Merges one list: entries of both keep the old entry with the directory's facts from the new one, new
/// entries are added, old entries that the source should have had (in scope) are removed.
fn merge_list<T: Clone>(
    old: &[T],
    new: &[T],
    key: impl Fn(&T) -> Key,
    label: impl Fn(&T) -> String,
    in_scope: impl Fn(&T) -> bool,
    combine: impl Fn(&T, &T, &mut Diff) -> T,
    changes: &mut Vec<String>,
) -> Vec<T> {
    let old_by_key: BTreeMap<Key, &T> = old.iter().map(|o| (key(o), o)).collect();
    let new_keys: BTreeSet<Key> = new.iter().map(&key).collect();
    let mut out = Vec::with_capacity(new.len());
    for n in new {
        match old_by_key.get(&key(n)) {
            Some(o) => {
                let mut d = Diff(Vec::new());
                out.push(combine(o, n, &mut d));
                if !d.0.is_empty() {
                    changes.push(format!("~ {}: {}", label(n), d.0.join("; ")));
                }
            }
            None => {
                changes.push(format!("+ {}", label(n)));
                out.push(n.clone());
            }
        }
    }
    for o in old {
        if new_keys.contains(&key(o)) {
            continue;
        }
        if in_scope(o) {
            changes.push(format!("- {}", label(o)));
        } else {
            out.push(o.clone());
        }
    }
    out
}

/// Merges a fresh import into the earlier inventory `old` (parsed from `old_text`).
pub fn merge(old_text: &str, old: RawInventory, imp: &Imported) -> Merged {
    let new = &imp.inventory;
    let mut changes = Vec::new();
    let covered = |d: &Spanned<String>| imp.covered.contains(&lc(d));
    let domains = merge_list(
        &old.domains,
        &new.domains,
        |d| Key::Domain(lc(&d.dns)),
        |d| format!("domain {}", d.dns.get_ref()),
        |_| false,
        |o, n, diff| {
            let mut d = o.clone();
            if !imp.guessed_domains.contains(&lc(&n.dns)) {
                diff.field("netbios", o.netbios.get_ref(), n.netbios.get_ref());
                diff.field("functional_level", &o.functional_level, &n.functional_level);
                d.netbios = n.netbios.clone();
                d.functional_level = n.functional_level;
            }
            if n.forest.is_some() {
                d.forest = n.forest.clone();
            }
            if n.pdc_emulator_os.is_some() {
                diff.field("pdc_emulator_os", &o.pdc_emulator_os, &n.pdc_emulator_os);
                d.pdc_emulator_os = n.pdc_emulator_os;
            }
            d
        },
        &mut changes,
    );
    let trusts = merge_list(
        &old.trusts,
        &new.trusts,
        |t| Key::trust(t.trusting.get_ref(), t.trusted.get_ref()),
        |t| format!("trust {} -> {}", t.trusting.get_ref(), t.trusted.get_ref()),
        |t| imp.trust_scope.contains(&lc(&t.trusting)) || imp.trust_scope.contains(&lc(&t.trusted)),
        |o, n, diff| {
            // The directory knows everything about a trust.
            diff.field("trusting", &lc(&o.trusting), &lc(&n.trusting));
            diff.field("direction", &o.direction, &n.direction);
            diff.field("type", &o.kind, &n.kind);
            diff.field("transitive", &o.transitive, &n.transitive);
            diff.field("selective_auth", &o.selective_auth, &n.selective_auth);
            diff.field("sid_filtering", &o.sid_filtering, &n.sid_filtering);
            n.clone()
        },
        &mut changes,
    );
    let hosts = merge_list(
        &old.hosts,
        &new.hosts,
        |h| Key::Host(lc(&h.name)),
        |h| format!("host {}", h.name.get_ref()),
        |h| h.domain.as_ref().is_some_and(covered),
        |o, n, diff| {
            let mut h = o.clone();
            diff.field(
                "domain",
                &o.domain.as_ref().map(lc),
                &n.domain.as_ref().map(lc),
            );
            diff.field("os", &o.os, &n.os);
            h.domain = n.domain.clone();
            h.os = n.os;
            if n.build.is_some() || o.os != n.os {
                diff.field("build", &o.build, &n.build);
                h.build = n.build;
            }
            let mut roles: Vec<HostRole> = n.roles.clone();
            roles.extend(
                o.roles
                    .iter()
                    .filter(|r| matches!(r, HostRole::Paw | HostRole::HelpdeskConsole)),
            );
            roles.sort_unstable();
            roles.dedup();
            diff.field("roles", &o.roles, &roles);
            h.roles = roles;
            diff.field("laps", &o.laps, &n.laps);
            h.laps = n.laps;
            diff.field("enabled", &o.enabled, &n.enabled);
            h.enabled = n.enabled;
            diff.names("member_of", &o.member_of, &n.member_of);
            h.member_of = n.member_of.clone();
            if !(o.join == JoinType::Hybrid && n.join == JoinType::Ad) {
                h.join = n.join;
            }
            if imp.local_groups_known.contains(&lc(&n.name)) {
                diff.names(
                    "administrators",
                    o.administrators.as_deref().unwrap_or_default(),
                    n.administrators.as_deref().unwrap_or_default(),
                );
                diff.names(
                    "remote_desktop_users",
                    o.remote_desktop_users.as_deref().unwrap_or_default(),
                    n.remote_desktop_users.as_deref().unwrap_or_default(),
                );
                h.administrators = n.administrators.clone();
                h.remote_desktop_users = n.remote_desktop_users.clone();
            }
            h
        },
        &mut changes,
    );
    let users = merge_list(
        &old.users,
        &new.users,
        |u| Key::User(lc(&u.domain), lc(&u.name)),
        |u| format!("user {}@{}", u.name.get_ref(), u.domain.get_ref()),
        |u| covered(&u.domain),
        |o, n, diff| {
            let mut u = o.clone();
            // Person or service is the administrator's call once written; the object class is not.
            let heuristic =
                |k: AccountKind| matches!(k, AccountKind::Person | AccountKind::Service);
            if !(heuristic(o.kind) && heuristic(n.kind)) {
                diff.field("kind", &o.kind, &n.kind);
                u.kind = n.kind;
            }
            diff.names("member_of", &o.member_of, &n.member_of);
            diff.field("protected_users", &o.protected_users, &n.protected_users);
            diff.field("etypes", &o.etypes, &n.etypes);
            diff.field("delegation", &o.delegation, &n.delegation);
            diff.field("not_delegated", &o.not_delegated, &n.not_delegated);
            // The RID is the directory's: the built-in Administrator stays so under any name.
            if n.builtin_admin.is_some() {
                diff.field("builtin_admin", &o.builtin_admin, &n.builtin_admin);
                u.builtin_admin = n.builtin_admin;
            }
            // Whether the account is enabled is the directory's (userAccountControl).
            diff.field("enabled", &o.enabled, &n.enabled);
            u.enabled = n.enabled;
            u.member_of = n.member_of.clone();
            u.protected_users = n.protected_users;
            u.etypes = n.etypes.clone();
            u.delegation = n.delegation;
            u.not_delegated = n.not_delegated;
            u
        },
        &mut changes,
    );
    let groups = merge_list(
        &old.groups,
        &new.groups,
        |g| Key::Group(lc(&g.domain), lc(&g.name)),
        |g| format!("group {}@{}", g.name.get_ref(), g.domain.get_ref()),
        |g| covered(&g.domain),
        |o, n, diff| {
            let mut g = o.clone();
            diff.names("member_of", &o.member_of, &n.member_of);
            diff.field("protected_users", &o.protected_users, &n.protected_users);
            g.member_of = n.member_of.clone();
            g.protected_users = n.protected_users;
            g
        },
        &mut changes,
    );
    let mut inventory = RawInventory {
        version: 1,
        description: old.description.clone().or_else(|| new.description.clone()),
        domains,
        trusts,
        hosts,
        users,
        groups,
        paths: old.paths.clone(),
    };
    sort(&mut inventory);
    Merged {
        kept: kept_comments(old_text, &old),
        inventory,
        changes,
    }
}

/// The administrator's comments in an inventory file, by the entry they sit above or inside (the comments
/// the import wrote itself are left out: it writes them again).
pub fn kept_comments(text: &str, inv: &RawInventory) -> BTreeMap<Key, Vec<String>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut starts = Vec::with_capacity(lines.len());
    let mut off = 0usize;
    for l in text.split_inclusive('\n') {
        starts.push(off);
        off += l.len();
    }
    let line_of = |offset: usize| starts.partition_point(|s| *s <= offset).saturating_sub(1);
    let mut out: BTreeMap<Key, Vec<String>> = BTreeMap::new();
    let mut take = |key: Key, span: std::ops::Range<usize>| {
        if span.is_empty() && span.start == 0 {
            return;
        }
        let at = line_of(span.start);
        let Some(header) = (0..=at)
            .rev()
            .find(|i| lines[*i].trim_start().starts_with("[["))
        else {
            return;
        };
        let is_comment = |i: usize| lines[i].trim_start().starts_with('#');
        let mut above = Vec::new();
        let mut i = header;
        while i > 0 && is_comment(i - 1) {
            i -= 1;
            above.push(lines[i].trim_start().to_string());
        }
        above.reverse();
        // Comments inside the entry: up to its last key (what follows belongs to the next entry or section).
        let end = (header + 1..lines.len())
            .find(|i| lines[*i].trim_start().starts_with('['))
            .unwrap_or(lines.len());
        let last_key = (header + 1..end)
            .rev()
            .find(|i| !is_comment(*i) && !lines[*i].trim().is_empty())
            .unwrap_or(header);
        let inside: Vec<String> = (header + 1..last_key)
            .filter(|i| is_comment(*i))
            .map(|i| lines[i].trim_start().to_string())
            .collect();
        let mut all: Vec<String> = above
            .into_iter()
            .chain(inside)
            .filter(|c| !c.starts_with(NOTE_PREFIX.trim_end()))
            .collect();
        if !all.is_empty() {
            out.entry(key).or_default().append(&mut all);
        }
    };
    for d in &inv.domains {
        take(Key::Domain(lc(&d.dns)), d.dns.span());
    }
    for t in &inv.trusts {
        take(
            Key::trust(t.trusting.get_ref(), t.trusted.get_ref()),
            t.trusting.span(),
        );
    }
    for h in &inv.hosts {
        take(Key::Host(lc(&h.name)), h.name.span());
    }
    for u in &inv.users {
        take(Key::User(lc(&u.domain), lc(&u.name)), u.name.span());
    }
    for g in inv.groups.iter() {
        take(Key::Group(lc(&g.domain), lc(&g.name)), g.name.span());
    }
    for p in &inv.paths {
        take(Key::Path(lc(&p.name)), p.name.span());
    }
    out
}
