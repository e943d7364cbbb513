//! Matching Remote Desktop logons to access paths: sessions rather than events, the client as Windows records
//! it, and each session's mode against the plan.
//!
//! The client of a logon is found, in this order: its `IpAddress` among the inventory's host addresses; its
//! `WorkstationName` unless that is the target itself (a logon after Network Level Authentication names the
//! target there); the `WorkstationName` of the network logon (type 3) the same address made on the same target
//! (the Network Level Authentication of the same connection), or the `ClientName` of a 4778 of the same logon
//! session; and for a logon without an address, the address a 1149 recorded for the same user and target.
//! Events of the same connection lie close together in a log, whichever way it is sorted: a logon whose client
//! is not known at once waits until [`WINDOW`] more events are read, and what is learnt is kept for the last
//! [`REMEMBERED`] connections, so memory stays flat however long the file.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::Hash;

use super::events::{Flag, Logon, flag};
use super::resolve::{HostNames, netbios_of, normal, remote_address, same_computer};
use super::{
    MAX_LISTED_UNMATCHED, MAX_LISTED_VIOLATIONS, PathResult, Sessions, Unidentified, UnknownValue,
    Unmatched, Verdict, Verification, Violation, complies, kept,
};
use crate::finding::Mode;
use crate::inventory::{HostId, Inventory, PathId, UserId};

/// How many events a logon whose client is not known yet waits for the events of the same connection.
pub const WINDOW: u64 = 4096;
/// How many connections' facts (client names by address and by logon session, linked logons) are kept.
pub const REMEMBERED: usize = 16_384;
/// The most distinct unknown values reported.
const MAX_UNKNOWN_VALUES: usize = 100;

/// The Remote Desktop logon type.
pub const LOGON_REMOTE_INTERACTIVE: u32 = 10;
/// A reconnection to a disconnected session (and a local unlock, which has no remote address).
pub const LOGON_UNLOCK: u32 = 7;
/// A network logon: with Network Level Authentication, the first logon of a Remote Desktop connection.
pub const LOGON_NETWORK: u32 = 3;

/// Why a logon's mode cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// Version 0 and 1 events have no `RestrictedAdminMode`.
    OldVersion,
    /// A field holds a value that is not one Windows writes in English or as a message number.
    Value(&'static str, String),
    /// The event has no `RestrictedAdminMode`.
    Missing,
}

/// The mode a session used, as its logon event records it.
pub fn read_mode(l: &Logon) -> Result<Mode, Unreadable> {
    if l.version.trim().parse::<u32>().is_ok_and(|v| v < 2) {
        return Err(Unreadable::OldVersion);
    }
    let ra = flag(&l.restricted_admin);
    let rcg = flag(&l.remote_guard);
    if ra == Flag::Unknown {
        return Err(Unreadable::Value(
            "RestrictedAdminMode",
            kept(&l.restricted_admin),
        ));
    }
    if rcg == Flag::Unknown {
        return Err(Unreadable::Value(
            "RemoteCredentialGuard",
            kept(&l.remote_guard),
        ));
    }
    match (ra, rcg) {
        (Flag::Missing, _) => Err(Unreadable::Missing),
        (Flag::Yes, _) => Ok(Mode::RestrictedAdmin),
        (_, Flag::Yes) => Ok(Mode::RemoteGuard),
        _ => Ok(Mode::Standard),
    }
}

/// The client of a logon, as far as the events tell.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Client {
    /// An inventory host.
    Host(HostId),
    /// A computer the inventory does not have.
    Outside(String),
    /// Not identified.
    Unknown,
}

/// A map that keeps its last `cap` insertions.
struct Recent<K, V> {
    map: HashMap<K, (V, u64)>,
    order: VecDeque<(K, u64)>,
    next: u64,
    cap: usize,
}

impl<K: Hash + Eq + Clone, V> Recent<K, V> {
    fn new(cap: usize) -> Self {
        Recent {
            map: HashMap::new(),
            order: VecDeque::new(),
            next: 0,
            cap,
        }
    }

    fn insert(&mut self, k: K, v: V) {
        // A fact learnt again (every logon of a busy client says the same) keeps its place.
        if let Some((old, _)) = self.map.get_mut(&k) {
            *old = v;
            return;
        }
        self.next += 1;
        self.map.insert(k.clone(), (v, self.next));
        self.order.push_back((k, self.next));
        while self.order.len() > self.cap {
            if let Some((old, n)) = self.order.pop_front()
                && self.map.get(&old).is_some_and(|(_, m)| *m == n)
            {
                self.map.remove(&old);
            }
        }
    }

    fn get(&self, k: &K) -> Option<&V> {
        self.map.get(k).map(|(v, _)| v)
    }
}

/// A target as the facts of its connections are keyed: `PC02`, `pc02.example.corp.` are the same.
fn target_key(computer: &str) -> Option<String> {
    normal(computer).map(|n| netbios_of(&n).to_string())
}

/// A logon identifier as compared: `0x00000000000113f5` and `0x113F5` are the same; `None` for none.
fn logon_id(id: &str) -> Option<String> {
    let hex = id.trim().trim_start_matches("0x").trim_start_matches("0X");
    let digits = hex.trim_start_matches('0');
    (!digits.is_empty() && digits != "-").then(|| digits.to_ascii_lowercase())
}

/// What is counted of one path.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    sessions: Sessions,
    reconnects: u64,
    unidentified: u64,
    violations: u64,
}

/// Matches logons to paths and counts them; feed it with [`Verifier::logon`], then [`Verifier::finish`].
pub struct Verifier<'a> {
    inv: &'a Inventory,
    names: HostNames,
    through: String,
    planned: Vec<Option<Mode>>,
    paths_to: Vec<Vec<PathId>>,
    tally: Vec<Tally>,
    events: u64,
    logons: u64,
    linked: u64,
    reconnects: u64,
    old_versions: u64,
    unknown_values: BTreeMap<(&'static str, String), u64>,
    violations: Vec<Violation>,
    violations_total: u64,
    unmatched: BTreeMap<(String, String, String), u64>,
    unmatched_logons: u64,
    unidentified: BTreeMap<(String, String, String), u64>,
    unidentified_logons: u64,
    /// Sessions with a linked logon, by target and logon identifier: the other half is the same session.
    counted: Recent<(String, String), ()>,
    /// Client names by target and address (type 3 logons, 4778).
    by_address: Recent<(String, String), String>,
    /// Client names by target and logon session (4778).
    by_session: Recent<(String, String), String>,
    /// Client addresses by target and user (1149).
    by_user: Recent<(String, String), String>,
    /// Logons whose client is not known yet, with the number of the event.
    pending: VecDeque<(u64, Logon)>,
    seq: u64,
    lower: String,
}

impl<'a> Verifier<'a> {
    /// A verifier of `inv` with the planned mode of each path (see [`super::planned_modes`]); `through` names
    /// the stage.
    pub fn new(inv: &'a Inventory, planned: Vec<Option<Mode>>, through: impl Into<String>) -> Self {
        let mut paths_to = vec![Vec::new(); inv.hosts.len()];
        for (p, path) in inv.paths.iter().enumerate() {
            for t in &path.to {
                paths_to[*t as usize].push(p as PathId);
            }
        }
        Verifier {
            inv,
            names: HostNames::new(inv),
            through: through.into(),
            planned,
            paths_to,
            tally: vec![Tally::default(); inv.paths.len()],
            events: 0,
            logons: 0,
            linked: 0,
            reconnects: 0,
            old_versions: 0,
            unknown_values: BTreeMap::new(),
            violations: Vec::new(),
            violations_total: 0,
            unmatched: BTreeMap::new(),
            unmatched_logons: 0,
            unidentified: BTreeMap::new(),
            unidentified_logons: 0,
            counted: Recent::new(REMEMBERED),
            by_address: Recent::new(REMEMBERED),
            by_session: Recent::new(REMEMBERED),
            by_user: Recent::new(REMEMBERED),
            pending: VecDeque::new(),
            seq: 0,
            lower: String::new(),
        }
    }

    /// Counts the events a file held (of any id).
    pub fn count_events(&mut self, n: u64) {
        self.events += n;
    }

    /// A user by `TargetDomainName` (NetBIOS or DNS) and `TargetUserName`.
    fn user(&mut self, domain: &str, name: &str) -> Option<UserId> {
        self.lower.clear();
        self.lower.push_str(domain.trim().trim_end_matches('.'));
        self.lower.make_ascii_lowercase();
        let d = if self.lower.is_ascii() {
            self.inv.index.domains.get(&self.lower).copied()
        } else {
            self.inv
                .index
                .domains
                .get(&self.lower.to_lowercase())
                .copied()
        }?;
        let users = &self.inv.users;
        self.inv
            .index
            .users
            .find_all(name.trim(), |i| users[i as usize].name.as_str())
            .into_iter()
            .find(|u| users[*u as usize].domain == d)
    }

    /// One event (see [`super::events::EVENTS_READ`]).
    pub fn logon(&mut self, l: &Logon) {
        self.seq += 1;
        match (l.event_id, l.logon_type) {
            (4624, LOGON_REMOTE_INTERACTIVE) => self.session(l),
            (4624, LOGON_UNLOCK) => self.reconnect(l),
            (4624, LOGON_NETWORK) | (4778, _) => self.learn_client(l),
            (1149, _) => {
                if let (Some(t), Some(ip)) = (target_key(&l.computer), remote_address(&l.ip)) {
                    self.by_user
                        .insert((t, l.user.trim().to_lowercase()), ip.to_string());
                }
            }
            _ => {}
        }
        while self
            .pending
            .front()
            .is_some_and(|(at, _)| at + WINDOW < self.seq)
        {
            if let Some((_, p)) = self.pending.pop_front() {
                let client = self.client_later(&p);
                self.judge(&p, client);
            }
        }
    }

    /// A type 3 logon or a 4778 names the client of the connection it belongs to.
    fn learn_client(&mut self, l: &Logon) {
        let Some(target) = target_key(&l.computer) else {
            return;
        };
        let ws = l.workstation.trim();
        if normal(ws).is_none() || same_computer(ws, &l.computer) {
            return;
        }
        if let Some(ip) = remote_address(&l.ip) {
            self.by_address
                .insert((target.clone(), ip.to_string()), ws.to_string());
        }
        if l.event_id == 4778
            && let Some(id) = logon_id(&l.logon_id)
        {
            self.by_session.insert((target, id), ws.to_string());
        }
    }

    /// The client as the logon itself tells it.
    fn client_now(&self, l: &Logon) -> Option<Client> {
        if let Some(h) = remote_address(&l.ip).and_then(|ip| self.names.by_address(ip)) {
            return Some(Client::Host(h));
        }
        let ws = l.workstation.trim();
        if normal(ws).is_some() && !same_computer(ws, &l.computer) {
            return Some(self.named(ws));
        }
        None
    }

    /// The client from the events around the logon.
    fn client_later(&self, l: &Logon) -> Client {
        if let Some(c) = self.client_now(l) {
            return c;
        }
        let Some(target) = target_key(&l.computer) else {
            return Client::Unknown;
        };
        if let Some(ip) = remote_address(&l.ip) {
            if let Some(ws) = self.by_address.get(&(target.clone(), ip.to_string())) {
                return self.named(ws);
            }
        } else if let Some(h) = self
            .by_user
            .get(&(target.clone(), l.user.trim().to_lowercase()))
            .and_then(|ip| self.names.by_address(ip))
        {
            return Client::Host(h);
        }
        if let Some(ws) = logon_id(&l.logon_id).and_then(|id| self.by_session.get(&(target, id))) {
            return self.named(ws);
        }
        Client::Unknown
    }

    fn named(&self, name: &str) -> Client {
        match self.names.host(name) {
            Some(h) => Client::Host(h),
            None => Client::Outside(kept(name)),
        }
    }

    /// A Remote Desktop logon: a session unless it is the second half of a linked pair.
    fn session(&mut self, l: &Logon) {
        let target = target_key(&l.computer).unwrap_or_default();
        if let Some(linked) = logon_id(&l.linked_logon_id) {
            if self.counted.get(&(target.clone(), linked)).is_some() {
                self.linked += 1;
                return;
            }
            if let Some(id) = logon_id(&l.logon_id) {
                self.counted.insert((target, id), ());
            }
        }
        self.logons += 1;
        match self.client_now(l) {
            Some(c) => self.judge(l, c),
            None => self.pending.push_back((self.seq, l.clone())),
        }
    }

    /// A reconnection (type 7 from a remote address): counted on the paths it belongs to, not judged.
    fn reconnect(&mut self, l: &Logon) {
        if remote_address(&l.ip).is_none() {
            return;
        }
        self.reconnects += 1;
        let client = self.client_now(l).unwrap_or(Client::Unknown);
        for p in self.paths_of(l, &client) {
            self.tally[p as usize].reconnects += 1;
        }
    }

    /// The paths a logon belongs to: its user in `who`, its target in `to`, its client in `from` (a client
    /// not identified is matched on user and target alone).
    fn paths_of(&mut self, l: &Logon, client: &Client) -> Vec<PathId> {
        let (Some(t), Some(u)) = (self.names.host(&l.computer), self.user(&l.domain, &l.user))
        else {
            return Vec::new();
        };
        self.paths_to[t as usize]
            .iter()
            .copied()
            .filter(|&p| {
                let path = &self.inv.paths[p as usize];
                path.who.binary_search(&u).is_ok()
                    && match client {
                        Client::Host(c) => path.from.binary_search(c).is_ok(),
                        Client::Outside(_) => false,
                        Client::Unknown => true,
                    }
            })
            .collect()
    }

    fn judge(&mut self, l: &Logon, client: Client) {
        let seen = match read_mode(l) {
            Ok(m) => Some(m),
            Err(Unreadable::OldVersion | Unreadable::Missing) => {
                self.old_versions += 1;
                None
            }
            Err(Unreadable::Value(field, value)) => {
                let key = (field, value);
                if let Some(n) = self.unknown_values.get_mut(&key) {
                    *n += 1;
                } else if self.unknown_values.len() < MAX_UNKNOWN_VALUES {
                    self.unknown_values.insert(key, 1);
                }
                None
            }
        };
        let paths = self.paths_of(l, &client);
        for &p in &paths {
            let t = &mut self.tally[p as usize];
            t.sessions.add(seen);
            if client == Client::Unknown {
                t.unidentified += 1;
            }
            if let (Some(planned), Some(seen)) =
                (self.planned.get(p as usize).copied().flatten(), seen)
                && !complies(planned, seen)
            {
                t.violations += 1;
                self.violations_total += 1;
                if self.violations.len() < MAX_LISTED_VIOLATIONS {
                    self.violations.push(Violation {
                        path: self.inv.paths[p as usize].name.clone(),
                        planned: planned.as_str(),
                        seen: seen.as_str(),
                        user: account(l),
                        client: self.client_label(l, &client),
                        target: kept(&l.computer),
                        time: kept(&l.time),
                    });
                }
            }
        }
        if client == Client::Unknown {
            self.unidentified_logons += 1;
            let key = (account(l), self.client_label(l, &client), kept(&l.computer));
            count(&mut self.unidentified, key);
        }
        if paths.is_empty() {
            self.unmatched_logons += 1;
            let key = (account(l), self.client_label(l, &client), kept(&l.computer));
            count(&mut self.unmatched, key);
        }
    }

    /// The client as reports show it: the host's name, else the computer name, else the address, else `-`.
    fn client_label(&self, l: &Logon, client: &Client) -> String {
        match client {
            Client::Host(h) => self.inv.hosts[*h as usize].name.clone(),
            Client::Outside(name) => name.clone(),
            Client::Unknown => kept(remote_address(&l.ip).unwrap_or("-")),
        }
    }

    /// The result.
    pub fn finish(mut self) -> Verification {
        while let Some((_, p)) = self.pending.pop_front() {
            let client = self.client_later(&p);
            self.judge(&p, client);
        }
        let inv = self.inv;
        let paths: Vec<PathResult> = inv
            .paths
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let t = self.tally[i];
                let planned = self.planned.get(i).copied().flatten();
                PathResult {
                    name: p.name.clone(),
                    planned: planned.map(Mode::as_str),
                    status: match planned {
                        None => "not staged",
                        Some(_) if t.violations > 0 => "violated",
                        Some(_) if t.sessions.known() == 0 => "not verified",
                        Some(_) => "verified",
                    },
                    sessions: t.sessions,
                    reconnects: t.reconnects,
                    unidentified_clients: t.unidentified,
                    violations: t.violations,
                }
            })
            .collect();
        let verdict = if self.violations_total > 0 {
            Verdict::Violated
        } else if self.logons == 0 || paths.iter().any(|p| p.status == "not verified") {
            Verdict::NotVerified
        } else {
            Verdict::Pass
        };
        let list = |m: BTreeMap<(String, String, String), u64>| {
            m.into_iter()
                .map(|((user, client, target), logons)| Unmatched {
                    user,
                    client,
                    target,
                    logons,
                })
                .collect::<Vec<_>>()
        };
        Verification {
            through: self.through,
            verdict,
            events: self.events,
            logons: self.logons,
            linked_logons: self.linked,
            reconnects: self.reconnects,
            unreadable_modes: self.old_versions,
            unknown_values: self
                .unknown_values
                .into_iter()
                .map(|((field, value), logons)| UnknownValue {
                    field,
                    value,
                    logons,
                })
                .collect(),
            paths,
            violations: self.violations,
            violations_total: self.violations_total,
            unmatched: list(self.unmatched),
            unmatched_logons: self.unmatched_logons,
            unidentified: list(self.unidentified)
                .into_iter()
                .map(|u| Unidentified {
                    user: u.user,
                    address: u.client,
                    target: u.target,
                    logons: u.logons,
                })
                .collect(),
            unidentified_logons: self.unidentified_logons,
        }
    }
}

fn count(map: &mut BTreeMap<(String, String, String), u64>, key: (String, String, String)) {
    if let Some(n) = map.get_mut(&key) {
        *n += 1;
    } else if map.len() < MAX_LISTED_UNMATCHED {
        map.insert(key, 1);
    }
}

/// `DOMAIN\user` of a logon.
fn account(l: &Logon) -> String {
    kept(&format!("{}\\{}", l.domain.trim(), l.user.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mode_seen_reads_both_fields() {
        let mut l = Logon {
            version: "3".into(),
            restricted_admin: "%%1843".into(),
            ..Logon::default()
        };
        assert_eq!(read_mode(&l), Ok(Mode::Standard));
        l.remote_guard = "Yes".into();
        assert_eq!(read_mode(&l), Ok(Mode::RemoteGuard));
        l.restricted_admin = " %%1842 ".into();
        assert_eq!(read_mode(&l), Ok(Mode::RestrictedAdmin));
        l.restricted_admin = "%%1843".into();
        l.remote_guard = "-".into();
        assert_eq!(read_mode(&l), Ok(Mode::Standard));
    }

    #[test]
    fn modes_it_cannot_read_are_not_standard() {
        let mut l = Logon {
            version: "3".into(),
            restricted_admin: "%%1843".into(),
            remote_guard: "Ja".into(),
            ..Logon::default()
        };
        assert_eq!(
            read_mode(&l),
            Err(Unreadable::Value("RemoteCredentialGuard", "Ja".into()))
        );
        l.remote_guard = "%%1843".into();
        l.restricted_admin = "Oui".into();
        assert!(matches!(
            read_mode(&l),
            Err(Unreadable::Value("RestrictedAdminMode", _))
        ));
        l.restricted_admin = String::new();
        assert_eq!(read_mode(&l), Err(Unreadable::Missing));
        for v in ["0", "1"] {
            let old = Logon {
                version: v.into(),
                restricted_admin: "%%1843".into(),
                ..Logon::default()
            };
            assert_eq!(read_mode(&old), Err(Unreadable::OldVersion), "version {v}");
        }
    }

    #[test]
    fn logon_identifiers_compare_as_numbers() {
        assert_eq!(logon_id("0x00000000000113f5"), logon_id("0x113F5"));
        assert_eq!(logon_id("0x0"), None);
        assert_eq!(logon_id("-"), None);
        assert_eq!(logon_id(""), None);
    }

    #[test]
    fn recent_keeps_the_last_ones() {
        let mut r = Recent::new(2);
        r.insert(1, 'a');
        r.insert(2, 'b');
        r.insert(3, 'c');
        r.insert(2, 'd');
        assert_eq!(r.get(&1), None, "the oldest goes");
        assert_eq!(r.get(&2), Some(&'d'), "a value learnt again is replaced");
        assert_eq!(r.get(&3), Some(&'c'));
    }
}
