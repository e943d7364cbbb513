//! The normalized form of an inventory that its fingerprint is taken of: one line per fact-bearing entry, with
//! references written as names, sorted so that neither key order nor entry order matters.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write};

use crate::inventory::{Inventory, Principal};

/// A value in JSON, written straight into the line (`"hybrid"`, `["rdp-target"]`).
struct J<'a, T: ?Sized>(&'a T);

impl<T: serde::Serialize + ?Sized> fmt::Display for J<'_, T> {
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
struct Joined<'a>(Vec<Name<'a>>);

impl fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_char(',')?;
            }
            n.fmt(f)?;
        }
        Ok(())
    }
}

fn names<'n, T>(items: &'n [T], f: impl Fn(&'n T) -> Name<'n>) -> Joined<'n> {
    let mut v: Vec<Name> = items.iter().map(f).collect();
    v.sort_unstable_by(|a, b| a.cmp(*b));
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

/// The kinds of entries.
#[derive(Clone, Copy)]
enum Kind {
    Domain,
    Trust,
    Host,
    User,
    Group,
    Path,
}

impl Kind {
    fn entry(self, i: usize) -> Entry {
        match self {
            Kind::Domain => Entry::Domain(i),
            Kind::Trust => Entry::Trust(i),
            Kind::Host => Entry::Host(i),
            Kind::User => Entry::User(i),
            Kind::Group => Entry::Group(i),
            Kind::Path => Entry::Path(i),
        }
    }
}

/// Names in the form the inventory compares them in (compatibility normalization and case folding).
fn fold(s: &str) -> String {
    crate::names::fold(s).into_owned()
}

/// A name as the inventory compares it (compatibility normalization and case folding). ASCII names fold to
/// their lower case, which is made as they are written or compared: an estate's hundreds of thousands of names
/// are not copied.
#[derive(Clone, Copy)]
enum Name<'a> {
    /// ASCII text to write in lower case: a name, or `NETBIOS\name` of a domain's account.
    Ascii(&'a str, Option<&'a str>),
    /// Text folded already.
    Folded(&'a str),
}

impl<'a> Name<'a> {
    /// The bytes of the folded name.
    fn bytes(self) -> NameBytes<'a> {
        match self {
            Name::Ascii(a, b) => NameBytes {
                parts: match b {
                    Some(b) => [a.as_bytes(), b"\\", b.as_bytes()],
                    None => [a.as_bytes(), b"", b""],
                },
                lower: true,
            },
            Name::Folded(s) => NameBytes {
                parts: [s.as_bytes(), b"", b""],
                lower: false,
            },
        }
    }

    /// Compares the folded names.
    fn cmp(self, other: Name) -> Ordering {
        match (self, other) {
            (Name::Ascii(a, None), Name::Ascii(b, None)) => cmp_lower(a, b),
            // The accounts of one domain.
            (Name::Ascii(d, Some(a)), Name::Ascii(e, Some(b))) if d == e => cmp_lower(a, b),
            (Name::Folded(a), Name::Folded(b)) => a.cmp(b),
            _ => self.bytes().cmp(other.bytes()),
        }
    }

    /// The length of the folded name.
    fn len(self) -> usize {
        match self {
            Name::Ascii(a, b) => a.len() + b.map_or(0, |b| b.len() + 1),
            Name::Folded(s) => s.len(),
        }
    }

    /// Appends the folded name.
    fn push_to(self, out: &mut Vec<u8>) {
        let start = out.len();
        match self {
            Name::Ascii(a, b) => {
                out.extend_from_slice(a.as_bytes());
                if let Some(b) = b {
                    out.push(b'\\');
                    out.extend_from_slice(b.as_bytes());
                }
                out[start..].make_ascii_lowercase();
            }
            Name::Folded(s) => out.extend_from_slice(s.as_bytes()),
        }
    }
}

/// Compares ASCII names as their lower case compares.
fn cmp_lower(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let same = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    (a[same..].iter().map(u8::to_ascii_lowercase)).cmp(b[same..].iter().map(u8::to_ascii_lowercase))
}

/// Writes ASCII text in lower case.
fn write_lower(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    if !s.bytes().any(|b| b.is_ascii_uppercase()) {
        return f.write_str(s);
    }
    let mut buf = [0u8; 64];
    for chunk in s.as_bytes().chunks(buf.len()) {
        let lower = &mut buf[..chunk.len()];
        lower.copy_from_slice(chunk);
        lower.make_ascii_lowercase();
        f.write_str(std::str::from_utf8(lower).map_err(|_| fmt::Error)?)?;
    }
    Ok(())
}

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Name::Folded(s) => f.write_str(s),
            Name::Ascii(a, b) => {
                write_lower(f, a)?;
                if let Some(b) = b {
                    f.write_char('\\')?;
                    write_lower(f, b)?;
                }
                Ok(())
            }
        }
    }
}

/// The bytes of a [`Name`].
struct NameBytes<'a> {
    parts: [&'a [u8]; 3],
    lower: bool,
}

impl Iterator for NameBytes<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        for part in &mut self.parts {
            if let Some((&b, rest)) = part.split_first() {
                *part = rest;
                return Some(if self.lower {
                    b.to_ascii_lowercase()
                } else {
                    b
                });
            }
        }
        None
    }
}

/// The names of one kind of entry: the folded forms of those beyond ASCII, the others being folded as they are
/// read.
struct Names {
    beyond: hashbrown::HashMap<u32, String>,
    /// Some name holds a `|`.
    bars: bool,
}

impl Names {
    fn new<'a>(count: usize, parts: impl Fn(usize) -> (&'a str, Option<&'a str>)) -> Names {
        let mut names = Names {
            beyond: hashbrown::HashMap::new(),
            bars: false,
        };
        for i in 0..count {
            let (a, b) = parts(i);
            names.bars |= a.contains('|') || b.is_some_and(|b| b.contains('|'));
            if !(a.is_ascii() && b.is_none_or(str::is_ascii)) {
                let whole = match b {
                    Some(b) => format!("{a}\\{b}"),
                    None => a.to_string(),
                };
                let folded = fold(&whole);
                names.bars |= folded.contains('|');
                names.beyond.insert(i as u32, folded);
            }
        }
        names
    }

    fn get<'a>(&'a self, i: u32, (a, b): (&'a str, Option<&'a str>)) -> Name<'a> {
        if !self.beyond.is_empty()
            && let Some(f) = self.beyond.get(&i)
        {
            return Name::Folded(f);
        }
        Name::Ascii(a, b)
    }
}

/// Lines of the normalized form. Names are compared after folding by the inventory, so they are folded here.
struct Lines<'a> {
    inv: &'a Inventory,
    doms: Names,
    hosts: Names,
    users: Names,
    groups: Names,
    paths: Names,
    /// Access control lists are interned and shared by many hosts: each is written once.
    acls: RefCell<Vec<Option<String>>>,
}

impl<'a> Lines<'a> {
    fn new(inv: &'a Inventory) -> Lines<'a> {
        let netbios = |d: u32| inv.domains[d as usize].netbios.as_str();
        Lines {
            inv,
            doms: Names::new(inv.domains.len(), |d| (&inv.domains[d].dns, None)),
            hosts: Names::new(inv.hosts.len(), |h| (&inv.hosts[h].name, None)),
            users: Names::new(inv.users.len(), |u| {
                let u = &inv.users[u];
                (netbios(u.domain), Some(&u.name))
            }),
            groups: Names::new(inv.groups.len(), |g| {
                let g = &inv.groups[g];
                (netbios(g.domain), Some(&g.name))
            }),
            paths: Names::new(inv.paths.len(), |p| (&inv.paths[p].name, None)),
            acls: RefCell::new(vec![None; inv.acls.len()]),
        }
    }

    fn dom(&self, d: u32) -> Name<'_> {
        self.doms.get(d, (&self.inv.domains[d as usize].dns, None))
    }
    fn host(&self, h: u32) -> Name<'_> {
        self.hosts.get(h, (&self.inv.hosts[h as usize].name, None))
    }
    fn user(&self, u: u32) -> Name<'_> {
        let inv = self.inv;
        let u_ = &inv.users[u as usize];
        let d = &inv.domains[u_.domain as usize];
        self.users.get(u, (&d.netbios, Some(&u_.name)))
    }
    fn group(&self, g: u32) -> Name<'_> {
        let inv = self.inv;
        let g_ = &inv.groups[g as usize];
        let d = &inv.domains[g_.domain as usize];
        self.groups.get(g, (&d.netbios, Some(&g_.name)))
    }
    fn path(&self, p: u32) -> Name<'_> {
        self.paths.get(p, (&self.inv.paths[p as usize].name, None))
    }

    /// Some name in a key holds a `|` (the loader refuses them): keys then do not compare name by name.
    fn keys_hold_bars(&self) -> bool {
        [
            &self.doms,
            &self.hosts,
            &self.users,
            &self.groups,
            &self.paths,
        ]
        .iter()
        .any(|n| n.bars)
    }

    /// The names in an entry's key, in order.
    fn key_names(&self, kind: Kind, i: u32) -> [Option<Name<'_>>; 2] {
        match kind {
            Kind::Domain => [Some(self.dom(i)), None],
            Kind::Host => [Some(self.host(i)), None],
            Kind::User => [Some(self.user(i)), None],
            Kind::Group => [Some(self.group(i)), None],
            Kind::Path => [Some(self.path(i)), None],
            Kind::Trust => {
                let t = &self.inv.trusts[i as usize];
                [Some(self.dom(t.trusting)), Some(self.dom(t.trusted))]
            }
        }
    }

    /// The `count` entries of a kind in the order of their keys, `None` when two keys are one (names holding
    /// no `|`). The keys after the kind's word are made for the sort, back to back in one buffer of the size
    /// they need, and dropped after it.
    fn order(&self, kind: Kind, count: usize) -> Option<Vec<u32>> {
        let len: usize = (0..count as u32)
            .flat_map(|i| self.key_names(kind, i))
            .flatten()
            .map(|n| n.len() + 1)
            .sum();
        let mut text = Vec::with_capacity(len);
        let mut ends = Vec::with_capacity(count);
        for i in 0..count as u32 {
            for n in self.key_names(kind, i).into_iter().flatten() {
                n.push_to(&mut text);
                text.push(b'|');
            }
            ends.push(text.len());
        }
        let key = |i: u32| {
            let start = i.checked_sub(1).map_or(0, |j| ends[j as usize]);
            &text[start..ends[i as usize]]
        };
        let mut order: Vec<u32> = (0..count as u32).collect();
        order.sort_unstable_by(|a, b| key(*a).cmp(key(*b)));
        // Keys end with `|` and names hold none: one key starts another only when they are the same.
        let decided = order.windows(2).all(|w| key(w[0]) != key(w[1]));
        decided.then_some(order)
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
            Entry::Path(i) => write!(out, "path|{}|", self.path(i as u32)),
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
                let r = write!(
                    out,
                    "{}|{}|{}|{}|{}",
                    fold(&d.netbios),
                    J(&d.functional_level),
                    self.dom(d.forest),
                    J(&dc),
                    J(&d.pdc_emulator_os)
                );
                // Appended only when given, so that the fingerprints of inventories without it stay as they were.
                if let Some(b) = d.entra_synced {
                    let _ = write!(out, "|entra_synced={b}");
                }
                r
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
                let tags: Vec<std::borrow::Cow<str>> =
                    h.tags.iter().map(|t| crate::names::fold(t)).collect();
                let _ = write!(
                    out,
                    "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{:?}|{}|{}|",
                    h.domain.map_or(Name::Folded(""), |d| self.dom(d)),
                    J(&h.join),
                    J(&h.os.family),
                    h.os.build,
                    h.os.kb2871997,
                    J(&roles),
                    names(&tags, |t| Name::Folded(t)),
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
                // Appended only when given, so that the fingerprints of inventories without them stay as they
                // were.
                if let Some(b) = h.enabled_given {
                    let _ = write!(out, "|enabled={b}");
                }
                if let Some(a) = h.allowed_to_authenticate {
                    out.push_str("|allowed_to_authenticate=");
                    self.acl(a, out);
                }
                if let Some(s) = h.client_policy_source {
                    let _ = write!(out, "|client_policy_source={}", s.as_str());
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
                    J(&*u.roles),
                    names(&u.groups, |g| self.group(*g)),
                    u.protected_users,
                    J(&et),
                    J(&u.delegation),
                    u.not_delegated
                );
                if !u.aes_keys {
                    out.push_str("|aes_keys=false");
                }
                // Appended only when given (else it follows from the name), so that the fingerprints of
                // inventories without it stay as they were.
                if let Some(b) = u.builtin_admin_given {
                    let _ = write!(out, "|builtin_admin={b}");
                }
                if let Some(b) = u.enabled_given {
                    let _ = write!(out, "|enabled={b}");
                }
                if let Some(b) = u.entra_synced_given {
                    let _ = write!(out, "|entra_synced={b}");
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
                if let Some(b) = p.device_claims {
                    let _ = write!(out, "|device_claims={b}");
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
    let lines = Lines::new(inv);
    if lines.keys_hold_bars() {
        return whole_lines(&lines, each);
    }
    // Each kind's entries by key; the kinds come in the order of their keys' first word.
    let kinds = [
        (Kind::Domain, inv.domains.len()),
        (Kind::Group, inv.groups.len()),
        (Kind::Host, inv.hosts.len()),
        (Kind::Path, inv.paths.len()),
        (Kind::Trust, inv.trusts.len()),
        (Kind::User, inv.users.len()),
    ];
    let mut orders = Vec::with_capacity(kinds.len());
    for (kind, count) in kinds {
        match lines.order(kind, count) {
            Some(order) => orders.push((kind, order)),
            None => return whole_lines(&lines, each),
        }
    }
    let mut line = String::new();
    for (kind, order) in orders {
        for i in order {
            let e = kind.entry(i as usize);
            line.clear();
            lines.line(e, &mut line);
            each(&line);
        }
    }
}

/// Every line made first, then sorted whole.
fn whole_lines(lines: &Lines, mut each: impl FnMut(&str)) {
    let inv = lines.inv;
    let mut all: Vec<String> = (0..inv.domains.len())
        .map(Entry::Domain)
        .chain((0..inv.trusts.len()).map(Entry::Trust))
        .chain((0..inv.hosts.len()).map(Entry::Host))
        .chain((0..inv.users.len()).map(Entry::User))
        .chain((0..inv.groups.len()).map(Entry::Group))
        .chain((0..inv.paths.len()).map(Entry::Path))
        .map(|e| {
            let mut line = String::new();
            lines.line(e, &mut line);
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
    /// The facts that differ, `field: before -> after`, by position in the line (a user's facts written only
    /// when they differ from the default, `aes_keys=false`, by their name); whole lines for an entry added or
    /// removed.
    pub fn fields(&self) -> Vec<String> {
        match (&self.before, &self.after) {
            (Some(b), Some(a)) => {
                let (skip, names) = field_names(&self.kind);
                let optional = |l: &str| -> BTreeMap<String, String> {
                    if self.kind != "user" {
                        return BTreeMap::new();
                    }
                    (l.split('|').skip(skip + names.len()))
                        .filter_map(|f| f.split_once('='))
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect()
                };
                let (ob, oa) = (optional(b), optional(a));
                let cut = |l: &str| -> Vec<String> {
                    let all = l.split('|').map(str::to_string);
                    if self.kind == "user" {
                        all.take(skip + names.len()).collect()
                    } else {
                        all.collect()
                    }
                };
                let (b, a) = (cut(b), cut(a));
                let mut out: Vec<String> = (skip..b.len().max(a.len()))
                    .filter(|i| b.get(*i) != a.get(*i))
                    .map(|i| {
                        format!(
                            "{}: {} -> {}",
                            names.get(i - skip).copied().unwrap_or("fact"),
                            b.get(i).map_or("(none)", String::as_str),
                            a.get(i).map_or("(none)", String::as_str)
                        )
                    })
                    .collect();
                let keys: BTreeSet<&String> = ob.keys().chain(oa.keys()).collect();
                for k in keys.into_iter().filter(|k| ob.get(*k) != oa.get(*k)) {
                    out.push(format!(
                        "{k}: {} -> {}",
                        ob.get(k).map_or("(default)", String::as_str),
                        oa.get(k).map_or("(default)", String::as_str)
                    ));
                }
                out
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
    fn the_facts_of_fidelity_are_fingerprinted_only_when_given() {
        let Ok(inv) = crate::inventory::load_sample() else {
            panic!("the sample loads");
        };
        let before = super::lines(&inv);
        let mut now = inv.clone();
        // Not given: the lines are those of an inventory that never had the keys.
        for u in &mut now.users {
            u.enabled_given = None;
            u.entra_synced_given = None;
        }
        for h in &mut now.hosts {
            h.enabled_given = None;
            h.allowed_to_authenticate = None;
            h.client_policy_source = None;
        }
        for p in &mut now.paths {
            p.device_claims = None;
        }
        for d in &mut now.domains {
            d.entra_synced = None;
        }
        let bare = super::lines(&now);
        now.users[0].enabled_given = Some(false);
        now.hosts[0].client_policy_source = Some(crate::inventory::PolicySource::Intune);
        now.paths[0].device_claims = Some(true);
        let c = changes(&bare, &super::lines(&now));
        assert_eq!(c.len(), 3, "{c:?}");
        assert!(bare.len() == before.len());
    }

    #[test]
    fn a_users_optional_facts_change_by_name() {
        let Ok(inv) = crate::inventory::load_sample() else {
            panic!("the sample loads");
        };
        let before = super::lines(&inv);
        let mut now = inv.clone();
        let u = (now.users.iter())
            .position(|u| u.aes_keys && u.builtin_admin_given.is_none())
            .expect("a user with AES keys and no builtin_admin");
        now.users[u].builtin_admin_given = Some(true);
        let after = super::lines(&now);
        assert_ne!(before, after, "builtin_admin is fingerprinted");
        let c = changes(&before, &after);
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].fields(), vec!["builtin_admin: (default) -> true"]);
        now.users[u].aes_keys = false;
        let c = changes(&before, &super::lines(&now));
        assert_eq!(
            c[0].fields(),
            vec![
                "aes_keys: (default) -> false",
                "builtin_admin: (default) -> true"
            ]
        );
    }

    #[test]
    fn names_in_any_case_or_script_come_in_the_order_of_their_folded_lines() {
        let Ok(mut inv) = crate::inventory::load_sample() else {
            panic!("the sample loads");
        };
        // Mixed case, names beyond ASCII, and names that start others (`srv`, `SRV-A`, `srv.b`: the keys
        // `srv|`, `srv-a|`, `srv.b|` sort by what follows `srv`, `|` after `-` and `.`).
        for (i, name) in ["Ünïcode-01", "srv", "SRV-A", "srv.b", "ÉCLAIR"]
            .iter()
            .enumerate()
        {
            inv.hosts[i].name = name.to_string();
        }
        inv.users[0].name = "Zoë".into();
        inv.users[1].name = "ALICE".into();
        inv.users[2].name = "alice.b".into();
        let fast = lines(&inv);
        let mut whole = Vec::new();
        whole_lines(&Lines::new(&inv), |l| whole.push(l.to_string()));
        assert_eq!(fast, whole);
        for key in [
            "host|ünïcode-01|",
            "host|srv|",
            "host|srv-a|",
            "host|éclair|",
        ] {
            assert!(fast.iter().any(|l| l.starts_with(key)), "{key}");
        }
        let netbios = fold(&inv.domains[inv.users[1].domain as usize].netbios);
        assert!(
            fast.iter()
                .any(|l| l.starts_with(&format!("user|{netbios}\\alice|")))
        );
        let zoe = fold(&inv.user_label(0));
        assert!(fast.iter().any(|l| l.starts_with(&format!("user|{zoe}|"))));
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
