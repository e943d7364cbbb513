//! The normalized form of an inventory that its fingerprint is taken of: one line per fact-bearing entry, with
//! references written as names, sorted so that neither key order nor entry order matters.

use std::cell::RefCell;
use std::fmt::{self, Write};
use std::ops::Range;

use crate::inventory::{Inventory, Principal};

/// A value in JSON, written straight into the line (`"hybrid"`, `["rdp-target"]`).
struct J<'a, T>(&'a T);

impl<T: serde::Serialize> fmt::Display for J<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// serde_json writes whole UTF-8 fragments (text between escapes, numbers, punctuation).
        struct To<'a, 'b>(&'a mut fmt::Formatter<'b>);
        impl std::io::Write for To<'_, '_> {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                let s = std::str::from_utf8(b).map_err(std::io::Error::other)?;
                self.0.write_str(s).map_err(std::io::Error::other)?;
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        serde_json::to_writer(To(f), self.0).map_err(|_| fmt::Error)
    }
}

/// Names sorted and joined by `,` (`g:corp\admins,u:corp\alice`).
struct Joined<'a>(Vec<&'a str>);

impl fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_char(',')?;
            }
            f.write_str(n)?;
        }
        Ok(())
    }
}

fn names<'n, T>(items: &'n [T], f: impl Fn(&'n T) -> &'n str) -> Joined<'n> {
    let mut v: Vec<&str> = items.iter().map(f).collect();
    v.sort_unstable();
    Joined(v)
}

/// A list in sorted order, copied only when it is not sorted already.
fn sorted<T: Ord + Clone>(v: &[T]) -> std::borrow::Cow<'_, [T]> {
    if v.is_sorted() {
        return std::borrow::Cow::Borrowed(v);
    }
    let mut v = v.to_vec();
    v.sort();
    std::borrow::Cow::Owned(v)
}

/// An entry of the inventory, by kind and index.
#[derive(Clone, Copy)]
enum Entry {
    Domain(usize),
    Trust(usize),
    Host(usize),
    User(usize),
    Group(usize),
    Path(usize),
}

/// Names in the form the inventory compares them in (compatibility normalization and case folding).
fn fold(s: &str) -> String {
    crate::names::fold(s).into_owned()
}

/// Folded names of one kind of entry, back to back in one buffer: every line names hosts, users and groups, and
/// an estate of 100,000 hosts would otherwise fold the same names again and again.
struct Folded {
    text: String,
    ends: Vec<usize>,
}

impl Folded {
    fn new(count: usize, name: impl Fn(usize) -> String) -> Folded {
        let mut f = Folded {
            text: String::new(),
            ends: Vec::with_capacity(count),
        };
        for i in 0..count {
            f.text.push_str(&crate::names::fold(&name(i)));
            f.ends.push(f.text.len());
        }
        f
    }

    fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = i.checked_sub(1).map_or(0, |j| self.ends[j]);
        &self.text[start..self.ends[i]]
    }
}

/// Lines of the normalized form. Names are compared after folding by the inventory, so they are folded here.
struct Lines<'a> {
    inv: &'a Inventory,
    doms: Folded,
    hosts: Folded,
    users: Folded,
    groups: Folded,
    /// Access control lists are interned and shared by many hosts: each is written once.
    acls: RefCell<Vec<Option<String>>>,
}

impl<'a> Lines<'a> {
    fn new(inv: &'a Inventory) -> Lines<'a> {
        Lines {
            inv,
            doms: Folded::new(inv.domains.len(), |d| inv.domains[d].dns.clone()),
            hosts: Folded::new(inv.hosts.len(), |h| inv.hosts[h].name.clone()),
            users: Folded::new(inv.users.len(), |u| inv.user_label(u as u32)),
            groups: Folded::new(inv.groups.len(), |g| inv.group_label(g as u32)),
            acls: RefCell::new(vec![None; inv.acls.len()]),
        }
    }

    fn dom(&self, d: u32) -> &str {
        self.doms.get(d)
    }
    fn host(&self, h: u32) -> &str {
        self.hosts.get(h)
    }
    fn user(&self, u: u32) -> &str {
        self.users.get(u)
    }
    fn group(&self, g: u32) -> &str {
        self.groups.get(g)
    }
    fn acl(&self, a: u32, out: &mut String) {
        let mut cache = self.acls.borrow_mut();
        let text = cache[a as usize].get_or_insert_with(|| {
            let mut v: Vec<String> = (self.inv.acls[a as usize].iter())
                .map(|p| match p {
                    Principal::User(u) => format!("u:{}", self.user(*u)),
                    Principal::Group(g) => format!("g:{}", self.group(*g)),
                })
                .collect();
            v.sort_unstable();
            v.join(",")
        });
        out.push_str(text);
    }

    /// The start of an entry's line, up to the `|` after its name: no two entries of a valid inventory share
    /// it, and since names hold no `|`, it decides the order of the lines.
    fn key(&self, e: Entry, out: &mut String) {
        let inv = self.inv;
        let _ = match e {
            Entry::Domain(i) => write!(out, "domain|{}|", self.dom(i as u32)),
            Entry::Trust(i) => {
                let t = &inv.trusts[i];
                write!(
                    out,
                    "trust|{}|{}|",
                    self.dom(t.trusting),
                    self.dom(t.trusted)
                )
            }
            Entry::Host(i) => write!(out, "host|{}|", self.host(i as u32)),
            Entry::User(i) => write!(out, "user|{}|", self.user(i as u32)),
            Entry::Group(i) => write!(out, "group|{}|", self.group(i as u32)),
            Entry::Path(i) => write!(out, "path|{}|", fold(&inv.paths[i].name)),
        };
    }

    /// An entry's whole line.
    fn line(&self, e: Entry, out: &mut String) {
        self.key(e, out);
        self.rest(e, out);
    }

    /// An entry's line after its key.
    fn rest(&self, e: Entry, out: &mut String) {
        let inv = self.inv;
        // Writing to a string cannot fail.
        let _ = match e {
            Entry::Domain(i) => {
                let d = &inv.domains[i];
                let dc = sorted(&d.dc_os);
                write!(
                    out,
                    "{}|{}|{}|{}|{}",
                    fold(&d.netbios),
                    J(&d.functional_level),
                    self.dom(d.forest),
                    J(&dc),
                    J(&d.pdc_emulator_os)
                )
            }
            Entry::Trust(i) => {
                let t = &inv.trusts[i];
                write!(
                    out,
                    "{}|{}|{}|{}|{:?}",
                    J(&t.direction),
                    J(&t.kind),
                    t.transitive,
                    t.selective_auth,
                    t.sid_filtering
                )
            }
            Entry::Host(i) => {
                let h = &inv.hosts[i];
                let roles = sorted(&h.roles);
                let tags: Vec<String> = h.tags.iter().map(|t| fold(t)).collect();
                let _ = write!(
                    out,
                    "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{:?}|{}|{}|",
                    h.domain.map(|d| self.dom(d)).unwrap_or_default(),
                    J(&h.join),
                    J(&h.os.family),
                    h.os.build,
                    h.os.kb2871997,
                    J(&roles),
                    names(&tags, String::as_str),
                    names(&h.groups, |g| self.group(*g)),
                    J(&h.rdp_client),
                    h.dc_line_of_sight,
                    h.laps,
                    h.rds_vdi,
                    h.device_claims,
                    h.offline_signin,
                    h.azure_vm,
                    h.disable_restricted_admin,
                    h.allow_protected_creds,
                    J(&h.client_policy),
                );
                self.acl(h.administrators, out);
                out.push('|');
                self.acl(h.remote_desktop_users, out);
                // Facts added later are written only where they differ from the default, so that the
                // fingerprint of an inventory that does not use them stays what it was.
                if !h.administrators_given {
                    out.push_str("|administrators?");
                }
                if !h.remote_desktop_users_given {
                    out.push_str("|remote_desktop_users?");
                }
                if let Some(a) = h.rdp_logon_allowed {
                    out.push_str("|allowed=");
                    self.acl(a, out);
                }
                if !inv.acls[h.rdp_logon_denied as usize].is_empty() {
                    out.push_str("|denied=");
                    self.acl(h.rdp_logon_denied, out);
                }
                Ok(())
            }
            Entry::User(i) => {
                let u = &inv.users[i];
                let et = sorted(&u.etypes);
                let _ = write!(
                    out,
                    "{}|{}|{}|{}|{}|{}|{}",
                    J(&u.kind),
                    J(&u.roles),
                    names(&u.groups, |g| self.group(*g)),
                    u.protected_users,
                    J(&et),
                    J(&u.delegation),
                    u.not_delegated
                );
                if !u.aes_keys {
                    out.push_str("|aes_keys=false");
                }
                Ok(())
            }
            Entry::Group(i) => {
                let g = &inv.groups[i];
                write!(
                    out,
                    "{}|{}|{}",
                    names(&g.member_of, |g| self.group(*g)),
                    J(&g.roles),
                    g.protected_users
                )
            }
            Entry::Path(i) => {
                let p = &inv.paths[i];
                let _ = write!(
                    out,
                    "{}|{}|{}|{}|{}|{}|{}|{:?}|{}|{}",
                    J(&p.purpose),
                    names(&p.who, |u| self.user(*u)),
                    names(&p.from, |h| self.host(*h)),
                    names(&p.to, |h| self.host(*h)),
                    names(&p.hops, |h| self.host(*h)),
                    J(&p.credentials),
                    p.network_as_user,
                    p.session_hours,
                    J(&p.delegation),
                    p.credssp_sso
                );
                if p.via != crate::inventory::Route::Direct {
                    let _ = write!(out, "|via={}", J(&p.via));
                }
                Ok(())
            }
        };
    }
}

/// Every fact of the inventory, one line per entry, in sorted order. The lines are sorted by their keys and
/// made one at a time (an estate of 100,000 hosts has tens of megabytes of them); should two keys ever not
/// decide the order, every line is made first and sorted whole.
pub fn for_each_line(inv: &Inventory, mut each: impl FnMut(&str)) {
    let entries: Vec<Entry> = (0..inv.domains.len())
        .map(Entry::Domain)
        .chain((0..inv.trusts.len()).map(Entry::Trust))
        .chain((0..inv.hosts.len()).map(Entry::Host))
        .chain((0..inv.users.len()).map(Entry::User))
        .chain((0..inv.groups.len()).map(Entry::Group))
        .chain((0..inv.paths.len()).map(Entry::Path))
        .collect();
    let lines = Lines::new(inv);
    let mut keys = String::new();
    let mut at: Vec<Range<usize>> = Vec::with_capacity(entries.len());
    for e in &entries {
        let start = keys.len();
        lines.key(*e, &mut keys);
        at.push(start..keys.len());
    }
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_unstable_by(|a, b| keys[at[*a].clone()].cmp(&keys[at[*b].clone()]));
    let decided = order
        .windows(2)
        .all(|w| !keys[at[w[1]].clone()].starts_with(&keys[at[w[0]].clone()]));
    let mut line = String::new();
    if decided {
        for i in order {
            line.clear();
            line.push_str(&keys[at[i].clone()]);
            lines.rest(entries[i], &mut line);
            each(&line);
        }
        return;
    }
    let mut all: Vec<String> = entries
        .iter()
        .map(|e| {
            let mut line = String::new();
            lines.line(*e, &mut line);
            line
        })
        .collect();
    all.sort();
    all.iter().for_each(|l| each(l));
}

/// The normalized lines of an inventory, in order (see [`for_each_line`]).
pub fn lines(inv: &Inventory) -> Vec<String> {
    let mut out = Vec::new();
    for_each_line(inv, |l| out.push(l.to_string()));
    out
}

/// One entry that differs between two versions of an inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryChange {
    /// `domain`, `trust`, `host`, `user`, `group` or `path`.
    pub kind: String,
    /// The entry's name as normalized (`srv-01`, `corp\\alice`, `corp.example.com|emea.corp.example.com`).
    pub name: String,
    /// Its line before (none: added).
    pub before: Option<String>,
    /// Its line after (none: removed).
    pub after: Option<String>,
}

impl EntryChange {
    /// The facts that differ, `field: before -> after`, by position in the line; whole lines for an entry
    /// added or removed.
    pub fn fields(&self) -> Vec<String> {
        match (&self.before, &self.after) {
            (Some(b), Some(a)) => {
                let (b, a): (Vec<&str>, Vec<&str>) =
                    (b.split('|').collect(), a.split('|').collect());
                let (skip, names) = field_names(&self.kind);
                (skip..b.len().max(a.len()))
                    .filter(|i| b.get(*i) != a.get(*i))
                    .map(|i| {
                        format!(
                            "{}: {} -> {}",
                            names.get(i - skip).copied().unwrap_or("fact"),
                            b.get(i).copied().unwrap_or("(none)"),
                            a.get(i).copied().unwrap_or("(none)")
                        )
                    })
                    .collect()
            }
            (None, Some(a)) => vec![format!("added: {a}")],
            (Some(b), None) => vec![format!("removed: {b}")],
            (None, None) => Vec::new(),
        }
    }
}

/// How many fields of a kind's line are its key, and the names of the facts after it, as the inventory
/// writes them (the lines of [`Lines::line`]).
fn field_names(kind: &str) -> (usize, &'static [&'static str]) {
    match kind {
        "domain" => (
            2,
            &[
                "netbios",
                "functional_level",
                "forest",
                "dc_os",
                "pdc_emulator_os",
            ],
        ),
        "trust" => (
            3,
            &[
                "direction",
                "kind",
                "transitive",
                "selective_auth",
                "sid_filtering",
            ],
        ),
        "host" => (
            2,
            &[
                "domain",
                "join",
                "os",
                "build",
                "kb2871997",
                "roles",
                "tags",
                "groups",
                "rdp_client",
                "dc_line_of_sight",
                "laps",
                "rds_vdi",
                "device_claims",
                "offline_signin",
                "azure_vm",
                "disable_restricted_admin",
                "allow_protected_creds",
                "client_policy",
                "administrators",
                "remote_desktop_users",
            ],
        ),
        "user" => (
            2,
            &[
                "kind",
                "roles",
                "groups",
                "protected_users",
                "etypes",
                "delegation",
                "not_delegated",
            ],
        ),
        "group" => (2, &["member_of", "roles", "protected_users"]),
        "path" => (
            2,
            &[
                "purpose",
                "who",
                "from",
                "to",
                "hops",
                "credentials",
                "network_as_user",
                "session_hours",
                "delegation",
                "credssp_sso",
            ],
        ),
        _ => (2, &[]),
    }
}

/// The key of a normalized line: its kind and name (a trust's two domains).
fn line_key(line: &str) -> &str {
    let fields = if line.starts_with("trust|") { 3 } else { 2 };
    match line.match_indices('|').nth(fields - 1) {
        Some((i, _)) => &line[..i],
        None => line,
    }
}

/// The entries that were added, removed or changed from one list of normalized lines to another, in the
/// order of the lines (both lists sorted, as [`for_each_line`] gives them).
pub fn changes(before: &[String], after: &[String]) -> Vec<EntryChange> {
    let change = |key: &str, b: Option<&String>, a: Option<&String>| {
        let (kind, name) = key.split_once('|').unwrap_or((key, ""));
        EntryChange {
            kind: kind.to_string(),
            name: name.to_string(),
            before: b.cloned(),
            after: a.cloned(),
        }
    };
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < before.len() || j < after.len() {
        let (b, a) = (before.get(i), after.get(j));
        let order = match (b, a) {
            (Some(b), Some(a)) => line_key(b).cmp(line_key(a)),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => {
                out.push(change(line_key(&before[i]), b, None));
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(change(line_key(&after[j]), None, a));
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                if b != a {
                    out.push(change(line_key(&before[i]), b, a));
                }
                i += 1;
                j += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(inv: &Inventory) -> Vec<String> {
        let mut out = Vec::new();
        for_each_line(inv, |l| out.push(l.to_string()));
        out
    }

    #[test]
    fn lines_come_sorted_one_per_entry() {
        let Ok(inv) = crate::inventory::load_sample() else {
            panic!("the sample loads");
        };
        let all = lines(&inv);
        let entries = inv.domains.len()
            + inv.trusts.len()
            + inv.hosts.len()
            + inv.users.len()
            + inv.groups.len()
            + inv.paths.len();
        assert_eq!(all.len(), entries);
        assert!(all.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        assert!(
            all.iter()
                .any(|l| l.starts_with("host|") && l.contains("|true|"))
        );
    }

    #[test]
    fn changes_name_each_entry_added_removed_or_changed() {
        let Ok(inv) = crate::inventory::load_sample() else {
            panic!("the sample loads");
        };
        let before = super::lines(&inv);
        let mut now = inv.clone();
        now.hosts[0].laps = !now.hosts[0].laps;
        let after = super::lines(&now);
        let host = |i: usize| fold(&inv.hosts[i].name);
        // Host 1 missing before: it was added since.
        let key = format!("host|{}|", host(1));
        let earlier: Vec<String> = before
            .iter()
            .filter(|l| !l.starts_with(&key))
            .cloned()
            .collect();
        let c = changes(&earlier, &after);
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(c.iter().all(|c| c.kind == "host"));
        let changed = c
            .iter()
            .find(|c| c.name == host(0))
            .expect("host 0 changed");
        assert!(changed.before.is_some() && changed.after.is_some());
        assert_eq!(
            changed.fields(),
            vec![format!(
                "laps: {} -> {}",
                inv.hosts[0].laps, !inv.hosts[0].laps
            )]
        );
        let added = c.iter().find(|c| c.name == host(1)).expect("host 1 added");
        assert_eq!(added.before, None);
        let removed = changes(&after, &earlier);
        assert!(
            removed
                .iter()
                .any(|c| c.name == host(1) && c.after.is_none())
        );
        assert!(changes(&before, &before).is_empty());
    }

    #[test]
    fn keys_that_do_not_decide_the_order_fall_back_to_whole_lines() {
        let Ok(mut inv) = crate::inventory::load_sample() else {
            panic!("the sample loads");
        };
        // Two hosts under one name (the loader refuses this; the order must still be that of the whole lines).
        let mut twin = inv.hosts[0].clone();
        twin.laps = !twin.laps;
        inv.hosts.push(twin);
        let all = lines(&inv);
        let mut sorted = all.clone();
        sorted.sort();
        assert_eq!(all, sorted);
    }
}
