//! The fewest selectors that name exactly some of a path's subjects: what an exception writes instead of a list
//! of thousands of names.
//!
//! Among the path's own subjects (`universe`), the chosen ones are described by selectors each of which
//! matches chosen subjects only (`tag:`, `group:`, `role:`, `domain:`, and for hosts the facts `os:` and
//! `build:<N`), picked greedily by how many chosen subjects they add; the subjects no such selector takes (or
//! that only a selector of one would take) are named one by one. Selectors are resolved against the path, so a
//! `domain:` selector that matches other paths' hosts is exact here.
//!
//! ```text
//! let sels = cover::hosts(&inv, &path.to, &blocked_targets);   // ["tag:ws-lon", "host:FS-0001", ...]
//! ```

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use hashbrown::{HashMap, HashSet};

use crate::inventory::{
    BUILD_1607, BUILD_1703, BUILD_WIN7, BUILD_WIN81, Host, HostId, HostRole, Inventory, JoinType,
    OsFamily, RdpClient, UserId, UserRole,
};

/// A fact a subject has that a selector can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Trait<'a> {
    Below(u32),
    Os(OsFamily),
    Join(JoinType),
    Client(RdpClient),
    HostRole(HostRole),
    UserRole(UserRole),
    Group(u32),
    Tag(&'a str),
    Domain(u32),
}

/// Build thresholds of the catalog's operating system rules, as `build:<N` facts.
const THRESHOLDS: [u32; 4] = [BUILD_WIN7, BUILD_WIN81, BUILD_1607, BUILD_1703];

/// The kebab-case name serde gives a unit variant (`domain-controller`, `windows-7`).
fn serde_name<T: serde::Serialize>(v: &T) -> Option<String> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => Some(s),
        _ => None,
    }
}

/// The facts of a host that `os:`, `build:<`, `join:` and `rdp-client:` selectors read.
fn facts<'a>(host: &Host) -> impl Iterator<Item = Trait<'a>> + use<'a> {
    let build = host.os.build;
    [
        Trait::Os(host.os.family),
        Trait::Join(host.join),
        Trait::Client(host.rdp_client),
    ]
    .into_iter()
    .chain(
        THRESHOLDS
            .into_iter()
            .filter(move |t| build < *t)
            .map(Trait::Below),
    )
}

/// Room for every fact: operating systems, joins, clients, build thresholds.
const FACT_SLOTS: usize = 64;

/// The slot of a fact among [`FACT_SLOTS`].
fn fact_slot(t: Trait<'_>) -> Option<usize> {
    let k = match t {
        Trait::Os(f) => f as usize,
        Trait::Join(j) => 40 + j as usize,
        Trait::Client(c) => 48 + c as usize,
        Trait::Below(b) => 56 + THRESHOLDS.iter().position(|x| *x == b)?,
        _ => return None,
    };
    (k < FACT_SLOTS).then_some(k)
}

fn host_traits<'a>(inv: &'a Inventory, h: HostId, out: &mut Vec<Trait<'a>>) {
    out.clear();
    let Some(host) = inv.hosts.get(h as usize) else {
        return;
    };
    out.extend(host.domain.map(Trait::Domain));
    out.extend(host.roles.iter().map(|r| Trait::HostRole(*r)));
    out.extend(facts(host));
    out.extend(host.groups.iter().map(|g| Trait::Group(*g)));
    out.extend(host.tags.iter().map(|t| Trait::Tag(t.as_str())));
}

fn user_traits<'a>(inv: &'a Inventory, u: UserId, out: &mut Vec<Trait<'a>>) {
    out.clear();
    let Some(user) = inv.users.get(u as usize) else {
        return;
    };
    out.push(Trait::Domain(user.domain));
    out.extend(user.roles.iter().map(|r| Trait::UserRole(*r)));
    out.extend(user.groups.iter().map(|g| Trait::Group(*g)));
}

/// The selector text of a trait.
fn selector(inv: &Inventory, t: Trait<'_>) -> Option<String> {
    Some(match t {
        Trait::Domain(d) => format!("domain:{}", inv.domains.get(d as usize)?.dns),
        Trait::HostRole(r) => format!("role:{}", serde_name(&r)?),
        Trait::UserRole(r) => format!("role:{}", serde_name(&r)?),
        Trait::Os(f) => format!("os:{}", serde_name(&f)?),
        Trait::Below(b) => format!("build:<{b}"),
        Trait::Join(j) => format!("join:{}", serde_name(&j)?),
        Trait::Client(c) => format!("rdp-client:{}", serde_name(&c)?),
        Trait::Group(g) => format!("group:{}", inv.group_label(g)),
        Trait::Tag(t) => format!("tag:{t}"),
    })
}

/// Selectors that match exactly `chosen` among the hosts of `universe` (both sorted).
pub fn hosts(inv: &Inventory, universe: &[HostId], chosen: &[HostId]) -> Vec<String> {
    describe(inv, true, universe, chosen)
}

/// Selectors that match exactly `chosen` among the users of `universe` (both sorted).
pub fn users(inv: &Inventory, universe: &[UserId], chosen: &[UserId]) -> Vec<String> {
    describe(inv, false, universe, chosen)
}

fn describe(inv: &Inventory, hosts: bool, universe: &[u32], chosen: &[u32]) -> Vec<String> {
    let name = |id: u32| {
        if hosts {
            inv.hosts
                .get(id as usize)
                .map(|h| format!("host:{}", h.name))
        } else {
            Some(format!("user:{}", inv.user_label(id)))
        }
    };
    if chosen.len() < 2 {
        return chosen.iter().filter_map(|id| name(*id)).collect();
    }
    if chosen.len() == universe.len() && chosen == universe {
        return vec!["*".into()];
    }
    let members = if hosts && universe.len() >= BY_INDEX {
        exact_by_index(inv, universe, chosen)
    } else {
        exact_by_item(inv, hosts, universe, chosen)
    };
    // Greedy cover, lazily: a trait's count only falls as others are taken, so a popped count that is still
    // current is the best. Ties go to the trait first in `Trait` order: facts first, since they say why a
    // subject is left out, then roles, groups, tags and domains.
    let mut heap: BinaryHeap<(usize, Reverse<Trait<'_>>)> = members
        .iter()
        .filter(|(_, m)| m.len() >= 2)
        .map(|(t, m)| (m.len(), Reverse(*t)))
        .collect();
    let mut covered = vec![false; chosen.len()];
    let mut out = Vec::new();
    let sel = inv.selectors();
    while let Some((count, Reverse(t))) = heap.pop() {
        let list = &members[&t];
        let now = list.iter().filter(|i| !covered[**i as usize]).count();
        if now < count {
            if now >= 2 {
                heap.push((now, Reverse(t)));
            }
            continue;
        }
        let Some(text) = selector(inv, t) else {
            continue;
        };
        // The selector as the plan will resolve it must take chosen subjects only (a fact is read from the
        // same field the selector reads, a name could resolve elsewhere).
        let resolved = match t {
            Trait::Os(_) | Trait::Below(_) | Trait::Join(_) | Trait::Client(_) => Ok(Vec::new()),
            _ if hosts => sel.hosts(&text),
            _ => sel.users(&text),
        };
        let exact = resolved.is_ok_and(|ids| {
            ids.iter()
                .all(|id| universe.binary_search(id).is_err() || chosen.binary_search(id).is_ok())
        });
        if !exact {
            continue;
        }
        for i in list {
            covered[*i as usize] = true;
        }
        out.push(text);
    }
    for (i, id) in chosen.iter().enumerate() {
        if !covered[i] {
            out.extend(name(*id));
        }
    }
    out.sort();
    out
}

/// From this many hosts on a path, the exact traits are read from the inventory's selector index (one pass
/// over its lists) rather than host by host.
const BY_INDEX: usize = 1000;

/// The traits no subject of `universe` outside `chosen` has, each with the positions in `chosen` of the
/// subjects that have it: subject by subject.
fn exact_by_item<'a>(
    inv: &'a Inventory,
    hosts: bool,
    universe: &[u32],
    chosen: &[u32],
) -> HashMap<Trait<'a>, Vec<u32>> {
    let traits = if hosts { host_traits } else { user_traits };
    // A trait any subject of the path outside the chosen ones has would take that subject too.
    let mut scratch = Vec::new();
    let mut forbidden: HashSet<Trait<'_>> = HashSet::new();
    for &id in universe {
        if chosen.binary_search(&id).is_err() {
            traits(inv, id, &mut scratch);
            forbidden.extend(scratch.iter().copied());
        }
    }
    let mut members: HashMap<Trait<'_>, Vec<u32>> = HashMap::new();
    for (i, &id) in chosen.iter().enumerate() {
        traits(inv, id, &mut scratch);
        for t in scratch.iter().filter(|t| !forbidden.contains(*t)) {
            members.entry(*t).or_default().push(i as u32);
        }
    }
    members
}

/// [`exact_by_item`] for hosts, reading tags, groups, roles and domains from the selector index.
fn exact_by_index<'a>(
    inv: &'a Inventory,
    universe: &[HostId],
    chosen: &[HostId],
) -> HashMap<Trait<'a>, Vec<u32>> {
    const OUTSIDE: u32 = u32::MAX;
    const OTHER: u32 = u32::MAX - 1;
    // Per host: its position in `chosen`, OTHER for the path's other hosts, OUTSIDE for the rest.
    let mut at = vec![OUTSIDE; inv.hosts.len()];
    for &h in universe {
        if let Some(slot) = at.get_mut(h as usize) {
            *slot = OTHER;
        }
    }
    for (i, &h) in chosen.iter().enumerate() {
        if let Some(slot) = at.get_mut(h as usize) {
            *slot = i as u32;
        }
    }
    let mut members: HashMap<Trait<'a>, Vec<u32>> = HashMap::new();
    let mut take = |t: Trait<'a>, list: &[HostId]| {
        let mut here = Vec::new();
        for h in list {
            match at.get(*h as usize).copied().unwrap_or(OUTSIDE) {
                OUTSIDE => {}
                OTHER => return,
                i => here.push(i),
            }
        }
        if !here.is_empty() {
            members.insert(t, here);
        }
    };
    let ix = &inv.index;
    for (tag, list) in ix.tags.iter() {
        take(Trait::Tag(tag.as_str()), list);
    }
    for (g, list) in ix.group_hosts.iter().enumerate() {
        take(Trait::Group(g as u32), list);
    }
    for (r, list) in &ix.host_roles {
        take(Trait::HostRole(*r), list);
    }
    for (d, list) in ix.domain_hosts.iter().enumerate() {
        take(Trait::Domain(d as u32), list);
    }
    // Facts: each host's bits, derived once per inventory, into a list per fact (no hashing per host); a
    // fact's selector is read off the first host that has it.
    let bits = fact_bits(inv);
    let mut traits: [Option<Trait<'a>>; FACT_SLOTS] = [None; FACT_SLOTS];
    let mut seen = 0u64;
    let mut slots: Vec<(Vec<u32>, bool)> = vec![(Vec::new(), false); FACT_SLOTS];
    for &h in universe {
        let (Some(mut b), Some(&i)) = (bits.get(h as usize).copied(), at.get(h as usize)) else {
            continue;
        };
        if b & !seen != 0 {
            seen |= b;
            for t in inv.hosts.get(h as usize).into_iter().flat_map(facts) {
                if let Some(k) = fact_slot(t) {
                    traits[k].get_or_insert(t);
                }
            }
        }
        while b != 0 {
            let (list, forbidden) = &mut slots[b.trailing_zeros() as usize];
            b &= b - 1;
            if i == OTHER {
                *forbidden = true;
            } else if !*forbidden {
                list.push(i);
            }
        }
    }
    members.extend(
        (slots.into_iter().enumerate())
            .filter(|(_, (list, forbidden))| !forbidden && !list.is_empty())
            .filter_map(|(k, (list, _))| Some((traits[k]?, list))),
    );
    members
}

/// Every host's facts as bits of their [`fact_slot`], kept in the inventory's index after the first call.
fn fact_bits(inv: &Inventory) -> &[u64] {
    inv.index.host_facts.get_or_init(|| {
        (inv.hosts.iter())
            .map(|host| {
                facts(host)
                    .filter_map(fact_slot)
                    .fold(0u64, |b, k| b | (1 << k))
            })
            .collect()
    })
}
