//! Name lookups over resolved users and groups, and selectors (`host:`, `tag:`, `group:`, `role:`, `domain:`,
//! `*`) over a loaded inventory.

use std::collections::HashMap;

use super::resolve::lc;
use crate::inventory::model::*;
use crate::inventory::raw::*;

pub(super) enum Ambiguity {
    Missing,
    Many,
}

/// Name lookups over resolved users and groups.
pub(super) struct Catalog<'a> {
    pub(super) index: &'a Index,
    pub(super) users: &'a [User],
    pub(super) groups: &'a [Group],
}

/// An account of a domain: a user or a group.
trait Account {
    fn name(&self) -> &str;
    fn domain(&self) -> DomainId;
}

impl Account for User {
    fn name(&self) -> &str {
        &self.name
    }
    fn domain(&self) -> DomainId {
        self.domain
    }
}

impl Account for Group {
    fn name(&self) -> &str {
        &self.name
    }
    fn domain(&self) -> DomainId {
        self.domain
    }
}

/// The account `text` names (`NETBIOS\name`, `name@dns` or a bare name) among `items`, indexed by `table`.
fn account<T: Account>(
    domains: &HashMap<String, DomainId>,
    table: &NameTable,
    items: &[T],
    text: &str,
    home: Option<DomainId>,
) -> Result<u32, Ambiguity> {
    lookup_principal(
        text,
        home,
        domains,
        |name| table.find_all(name, |i| items[i as usize].name()),
        |id| items[id as usize].domain(),
    )
}

/// The account of a domain with a bare name.
fn account_in<T: Account>(
    table: &NameTable,
    items: &[T],
    name: &str,
    domain: DomainId,
) -> Option<u32> {
    table
        .find_all(name, |i| items[i as usize].name())
        .into_iter()
        .find(|&i| items[i as usize].domain() == domain)
}

impl Catalog<'_> {
    /// A group by `NETBIOS\name`, `name@dns` or bare name (own domain first, then unique in the inventory).
    pub(super) fn group(&self, text: &str, home: Option<DomainId>) -> Result<GroupId, Ambiguity> {
        account(
            &self.index.domains,
            &self.index.groups,
            self.groups,
            text,
            home,
        )
    }

    /// A user, as [`Catalog::group`] finds a group.
    pub(super) fn user(&self, text: &str, home: Option<DomainId>) -> Result<UserId, Ambiguity> {
        account(
            &self.index.domains,
            &self.index.users,
            self.users,
            text,
            home,
        )
    }

    /// The group of a domain with a bare name.
    pub(super) fn group_in(&self, name: &str, domain: DomainId) -> Option<GroupId> {
        account_in(&self.index.groups, self.groups, name, domain)
    }

    /// The user of a domain with a bare name.
    pub(super) fn user_in(&self, name: &str, domain: DomainId) -> Option<UserId> {
        account_in(&self.index.users, self.users, name, domain)
    }
}

/// Resolves `NETBIOS\name`, `name@dns` or a bare name (own domain first, then unique in the inventory);
/// `named` lists the ids with a bare name, in increasing order.
fn lookup_principal(
    text: &str,
    home: Option<DomainId>,
    domains: &HashMap<String, DomainId>,
    named: impl Fn(&str) -> Vec<u32>,
    domain_of: impl Fn(u32) -> DomainId,
) -> Result<u32, Ambiguity> {
    let (dom, name) = if let Some((d, n)) = text.split_once('\\') {
        (Some(d), n)
    } else if let Some((n, d)) = text.rsplit_once('@') {
        (Some(d), n)
    } else {
        (None, text)
    };
    if let Some(d) = dom {
        let Some(did) = domains.get(&lc(d)) else {
            return Err(Ambiguity::Missing);
        };
        return named(name)
            .into_iter()
            .find(|id| domain_of(*id) == *did)
            .ok_or(Ambiguity::Missing);
    }
    let ids = named(name);
    if let Some(h) = home
        && let Some(id) = ids.iter().copied().find(|id| domain_of(*id) == h)
    {
        return Ok(id);
    }
    match ids.as_slice() {
        [one] => Ok(*one),
        [] => Err(Ambiguity::Missing),
        _ => Err(Ambiguity::Many),
    }
}

/// Fills the member lists selectors expand to, so an expansion costs what it returns.
/// Ids are pushed in increasing order, so every list comes out sorted.
pub(super) fn build_reverse_index(
    index: &mut Index,
    domains: usize,
    groups: usize,
    hosts: &[Host],
    users: &[User],
) {
    index.group_users = vec![Vec::new(); groups];
    index.group_hosts = vec![Vec::new(); groups];
    index.domain_users = vec![Vec::new(); domains];
    index.domain_hosts = vec![Vec::new(); domains];
    for (id, u) in users.iter().enumerate() {
        let id = id as UserId;
        for &g in u.groups.iter() {
            index.group_users[g as usize].push(id);
        }
        index.domain_users[u.domain as usize].push(id);
        for &role in u.roles.iter() {
            index.user_roles.entry(role).or_default().push(id);
        }
    }
    for (id, h) in hosts.iter().enumerate() {
        let id = id as HostId;
        for &g in h.groups.iter() {
            index.group_hosts[g as usize].push(id);
        }
        if let Some(d) = h.domain {
            index.domain_hosts[d as usize].push(id);
        }
        for &role in h.roles.iter() {
            index.host_roles.entry(role).or_default().push(id);
        }
    }
    // A role listed twice on one principal must not list it twice.
    for list in index
        .user_roles
        .values_mut()
        .chain(index.host_roles.values_mut())
    {
        list.dedup();
    }
    for list in index.group_users.iter_mut().chain(&mut index.group_hosts) {
        list.dedup();
    }
}

/// Expands path and stage selectors.
pub struct Selectors<'a> {
    pub(super) index: &'a Index,
    pub(super) hosts: &'a [Host],
    pub(super) users: &'a [User],
    pub(super) groups: &'a [Group],
}

impl<'a> Selectors<'a> {
    fn catalog(&self) -> Catalog<'a> {
        Catalog {
            index: self.index,
            users: self.users,
            groups: self.groups,
        }
    }

    fn group(&self, name: &str) -> Result<GroupId, String> {
        self.catalog().group(name, None).map_err(|a| match a {
            Ambiguity::Missing => format!("unknown group `{name}`"),
            Ambiguity::Many => format!(
                "group name `{name}` exists in several domains: qualify it as NETBIOS\\NAME"
            ),
        })
    }

    fn domain(&self, name: &str) -> Result<DomainId, String> {
        self.index
            .domains
            .get(&lc(name))
            .copied()
            .ok_or_else(|| format!("unknown domain `{name}`"))
    }

    /// Hosts a selector matches (unsorted).
    pub fn hosts(&self, sel: &str) -> Result<Vec<HostId>, String> {
        let all = || 0..self.hosts.len() as HostId;
        let (kind, value) = sel.split_once(':').unwrap_or(("host", sel));
        Ok(match kind {
            _ if sel == "*" => all().collect(),
            "host" => vec![
                self.index
                    .hosts
                    .find(value, |i| self.hosts[i as usize].name.as_str())
                    .ok_or_else(|| format!("unknown host `{value}`"))?,
            ],
            "tag" => self.index.tags.get(&lc(value)).cloned().unwrap_or_default(),
            "group" => self.index.group_hosts[self.group(value)? as usize].clone(),
            "role" => {
                let role: HostRole = parse_enum(value).map_err(|_| {
                    format!("unknown host role `{value}`: use workstation, server, domain-controller, paw or helpdesk-console")
                })?;
                self.index
                    .host_roles
                    .get(&role)
                    .cloned()
                    .unwrap_or_default()
            }
            "domain" => self.index.domain_hosts[self.domain(value)? as usize].clone(),
            "os" | "build" | "join" | "rdp-client" => {
                let fact = Fact::parse(kind, value)?;
                (self.hosts.iter().enumerate())
                    .filter(|(_, h)| fact.holds(h))
                    .map(|(i, _)| i as HostId)
                    .collect()
            }
            other => {
                return Err(format!(
                    "unknown selector kind `{other}:` in `{sel}` for hosts"
                ));
            }
        })
    }

    /// The hosts of `among` (sorted) a selector matches, sorted: a fact is read from those hosts only.
    pub fn hosts_among(&self, sel: &str, among: &[HostId]) -> Result<Vec<HostId>, String> {
        if let Some((kind @ ("os" | "build" | "join" | "rdp-client"), value)) = sel.split_once(':')
        {
            let fact = Fact::parse(kind, value)?;
            return Ok(among
                .iter()
                .copied()
                .filter(|h| self.hosts.get(*h as usize).is_some_and(|h| fact.holds(h)))
                .collect());
        }
        let mut ids = self.hosts(sel)?;
        ids.sort_unstable();
        ids.dedup();
        ids.retain(|h| among.binary_search(h).is_ok());
        Ok(ids)
    }

    /// Users a selector matches (unsorted).
    pub fn users(&self, sel: &str) -> Result<Vec<UserId>, String> {
        let all = || 0..self.users.len() as UserId;
        if sel == "*" {
            return Ok(all().collect());
        }
        let (kind, value) = match sel.split_once(':') {
            Some((k, v)) if matches!(k, "user" | "group" | "role" | "domain") => (k, v),
            _ => ("", sel),
        };
        let user = |name: &str| self.catalog().user(name, None);
        let members = |g: GroupId| -> Vec<UserId> { self.index.group_users[g as usize].clone() };
        Ok(match kind {
            "user" => vec![user(value).map_err(|_| format!("unknown user `{value}`"))?],
            "group" => members(self.group(value)?),
            "role" => {
                let role: UserRole = parse_enum(value)
                    .map_err(|_| format!("unknown user role `{value}`: use admin or helpdesk"))?;
                self.index
                    .user_roles
                    .get(&role)
                    .cloned()
                    .unwrap_or_default()
            }
            "domain" => self.index.domain_users[self.domain(value)? as usize].clone(),
            _ => match (user(value), self.group(value)) {
                (Ok(u), Err(_)) => vec![u],
                (Err(Ambiguity::Missing), Ok(g)) => members(g),
                (Err(Ambiguity::Missing), Err(_)) => {
                    return Err(format!("unknown user or group `{value}`"));
                }
                _ => {
                    return Err(format!(
                        "`{value}` names more than one user or group: write user:NAME or group:NAME, or NETBIOS\\NAME"
                    ));
                }
            },
        })
    }
}

/// A fact about hosts that a selector names: `os:OS` (hosts running that system), `build:<N` (hosts whose
/// build is lower than N, e.g. `build:<14393` for hosts older than Windows 10 1607 / Server 2016), `join:JOIN`
/// (hosts joined that way) or `rdp-client:APP` (hosts with that Remote Desktop client).
enum Fact {
    Os(OsFamily),
    Below(u32),
    Join(JoinType),
    Client(RdpClient),
}

impl Fact {
    fn parse(kind: &str, value: &str) -> Result<Fact, String> {
        match kind {
            "os" => {
                return parse_enum(value).map(Fact::Os).map_err(|_| {
                    format!("unknown operating system `{value}`: use an `os` value of the inventory, e.g. windows-7 or server-2012r2")
                });
            }
            "join" => {
                return parse_enum(value).map(Fact::Join).map_err(|_| {
                    format!("unknown join `{value}`: use ad, hybrid, entra or workgroup")
                });
            }
            "rdp-client" => {
                return parse_enum(value).map(Fact::Client).map_err(|_| {
                    format!("unknown Remote Desktop client `{value}`: use mstsc or uwp")
                });
            }
            _ => {}
        }
        value
            .strip_prefix('<')
            .and_then(|n| n.trim().parse::<u32>().ok())
            .map(Fact::Below)
            .ok_or_else(|| {
                format!("`build:{value}` is not a build fact: write build:<NUMBER, e.g. build:<14393 for hosts older than Windows 10 1607")
            })
    }

    fn holds(&self, h: &Host) -> bool {
        match self {
            Fact::Os(f) => h.os.family == *f,
            Fact::Below(b) => h.os.build < *b,
            Fact::Join(j) => h.join == *j,
            Fact::Client(c) => h.rdp_client == *c,
        }
    }
}

fn parse_enum<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, ()> {
    T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(s))
        .map_err(|_| ())
}

impl Inventory {
    /// Selector expansion over this inventory (for plan stages and the TUI).
    pub fn selectors(&self) -> Selectors<'_> {
        Selectors {
            index: &self.index,
            hosts: &self.hosts,
            users: &self.users,
            groups: &self.groups,
        }
    }
}
