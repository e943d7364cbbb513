//! Naming the computers of an event: the target (`Computer`) and the client (a computer name, or an address)
//! as inventory hosts, whatever form the name takes: short, NetBIOS (the first 15 characters of the short name),
//! fully qualified, in any case, with a trailing dot, and whether the inventory names the host short or fully
//! qualified.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::inventory::address::{Subnet, canonical};
use crate::inventory::{HostId, Inventory};

/// A name several hosts answer to.
const AMBIGUOUS: HostId = HostId::MAX;
/// The longest NetBIOS computer name.
const NETBIOS_LEN: usize = 15;

/// The hosts of an inventory by every form of their names, and by their addresses.
pub struct HostNames {
    /// Fully qualified name (the name when it has a dot, else the name in its AD domain), lowercase.
    full: HashMap<String, HostId>,
    /// First label, lowercase.
    short: HashMap<String, HostId>,
    /// First label cut to 15 characters, lowercase (what Windows writes as a NetBIOS name).
    netbios: HashMap<String, HostId>,
    /// Hosts named without a DNS domain (workgroup hosts named short): any suffix may follow their name.
    bare: Vec<bool>,
    /// Every address and subnet with its host, the most precise first.
    addresses: Vec<(Subnet, HostId)>,
}

fn add(map: &mut HashMap<String, HostId>, key: String, h: HostId) {
    map.entry(key)
        .and_modify(|e| {
            if *e != h {
                *e = AMBIGUOUS;
            }
        })
        .or_insert(h);
}

fn found(map: &HashMap<String, HostId>, key: &str) -> Option<HostId> {
    map.get(key).copied().filter(|h| *h != AMBIGUOUS)
}

/// A computer name as compared: trimmed, lowercase, without a trailing dot; `None` for no name (`-`, empty).
pub fn normal(name: &str) -> Option<String> {
    let n = name.trim().trim_end_matches('.');
    if n.is_empty() || n == "-" {
        return None;
    }
    Some(n.to_lowercase())
}

/// The first label of a normal name, cut to a NetBIOS name's length.
pub fn netbios_of(normal: &str) -> &str {
    let short = normal.split('.').next().unwrap_or(normal);
    match short.char_indices().nth(NETBIOS_LEN) {
        Some((i, _)) => &short[..i],
        None => short,
    }
}

impl HostNames {
    /// The index of `inv`'s hosts.
    pub fn new(inv: &Inventory) -> Self {
        let mut full = HashMap::with_capacity(inv.hosts.len());
        let mut short = HashMap::with_capacity(inv.hosts.len());
        let mut netbios = HashMap::with_capacity(inv.hosts.len());
        let mut bare = Vec::with_capacity(inv.hosts.len());
        let mut addresses = Vec::new();
        for (i, h) in inv.hosts.iter().enumerate() {
            let id = i as HostId;
            let Some(name) = normal(&h.name) else {
                bare.push(false);
                continue;
            };
            let fqdn = if name.contains('.') {
                Some(name.clone())
            } else {
                h.domain
                    .map(|d| format!("{name}.{}", inv.domains[d as usize].dns.to_lowercase()))
            };
            bare.push(fqdn.is_none());
            if let Some(f) = fqdn {
                add(&mut full, f, id);
            }
            let first = name.split('.').next().unwrap_or(&name).to_string();
            add(&mut netbios, netbios_of(&first).to_string(), id);
            add(&mut short, first, id);
            addresses.extend(h.addresses.iter().map(|a| (*a, id)));
        }
        addresses.sort_by_key(|(a, h)| (std::cmp::Reverse(a.prefix()), *h));
        HostNames {
            full,
            short,
            netbios,
            bare,
            addresses,
        }
    }

    /// The host a computer name names, if exactly one does.
    pub fn host(&self, name: &str) -> Option<HostId> {
        let n = normal(name)?;
        match n.split_once('.') {
            Some((first, _)) => found(&self.full, &n).or_else(|| {
                // A host the inventory names without a domain answers to its name with any suffix.
                found(&self.short, first).filter(|h| self.bare[*h as usize])
            }),
            None => found(&self.short, &n).or_else(|| found(&self.netbios, netbios_of(&n))),
        }
    }

    /// The host an address belongs to: the most precise of the inventory's addresses and subnets holding it,
    /// if it is one host's.
    pub fn by_address(&self, address: &str) -> Option<HostId> {
        let ip: IpAddr = canonical(address.trim().parse().ok()?);
        let mut hits = self.addresses.iter().filter(|(a, _)| a.contains(ip));
        let (best, host) = hits.next()?;
        // Two hosts claiming the same most precise subnet: the address names neither.
        match hits.find(|(a, h)| a.prefix() == best.prefix() && h != host) {
            Some(_) => None,
            None => Some(*host),
        }
    }

    /// Whether the inventory gives any address.
    pub fn has_addresses(&self) -> bool {
        !self.addresses.is_empty()
    }
}

/// Whether two computer names name the same computer (`PC02` and `pc02.example.corp.`).
pub fn same_computer(a: &str, b: &str) -> bool {
    match (normal(a), normal(b)) {
        (Some(a), Some(b)) => {
            a == b || (!(a.contains('.') && b.contains('.')) && netbios_of(&a) == netbios_of(&b))
        }
        _ => false,
    }
}

/// Whether an `IpAddress` is a client's: not empty, not `-`, not the loopback (a tunnel ends there: the client
/// is elsewhere).
pub fn remote_address(address: &str) -> Option<&str> {
    let a = address.trim();
    match a.parse::<IpAddr>() {
        Ok(ip) if canonical(ip).is_loopback() || ip.is_unspecified() => None,
        Ok(_) => Some(a),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INV: &str = r#"
version = 1
[[domain]]
dns = "corp.example.com"
netbios = "CORP"
functional_level = "2016"
[[host]]
name = "srv-01.corp.example.com"
domain = "corp.example.com"
join = "ad"
os = "server-2022"
addresses = ["10.0.0.0/16", "10.0.1.5"]
[[host]]
name = "PAW-01"
domain = "corp.example.com"
join = "ad"
os = "windows-11"
build = 22631
addresses = ["10.0.1.0/24"]
[[host]]
name = "verylongcomputername01.corp.example.com"
domain = "corp.example.com"
join = "ad"
os = "windows-11"
build = 22631
[[host]]
name = "KIOSK"
join = "workgroup"
os = "windows-11"
build = 22631
"#;

    #[test]
    fn every_form_of_a_name_resolves_both_ways() {
        let inv = crate::inventory::load_str("inv.toml", INV).unwrap();
        let n = HostNames::new(&inv);
        // FQDN in the inventory: short, FQDN, any case, trailing dot.
        for name in [
            "SRV-01",
            "srv-01",
            "SRV-01.corp.example.com",
            "srv-01.CORP.example.com.",
        ] {
            assert_eq!(n.host(name), Some(0), "{name}");
        }
        // Short in the inventory: FQDN in its domain resolves, another domain does not.
        assert_eq!(n.host("paw-01.corp.example.com."), Some(1));
        assert_eq!(n.host("PAW-01.other.example.com"), None);
        // NetBIOS: the first 15 characters.
        assert_eq!(n.host("VERYLONGCOMPUTE"), Some(2));
        assert_eq!(n.host("VERYLONGCOMPUTERNAME01"), Some(2));
        // A workgroup host named short answers with any suffix.
        assert_eq!(n.host("kiosk.local"), Some(3));
        assert_eq!(n.host("-"), None);
        assert_eq!(n.host("nobody"), None);
    }

    #[test]
    fn the_most_precise_address_wins() {
        let inv = crate::inventory::load_str("inv.toml", INV).unwrap();
        let n = HostNames::new(&inv);
        assert_eq!(n.by_address("10.0.1.5"), Some(0), "the /32 beats the /24");
        assert_eq!(n.by_address("10.0.1.6"), Some(1), "the /24 beats the /16");
        assert_eq!(n.by_address("::ffff:10.0.2.1"), Some(0));
        assert_eq!(n.by_address("192.0.2.1"), None);
        assert_eq!(n.by_address("-"), None);
    }

    #[test]
    fn the_same_computer_in_two_forms() {
        assert!(same_computer("PC02", "PC02.example.corp"));
        assert!(same_computer("pc02.example.corp.", "PC02.EXAMPLE.CORP"));
        assert!(!same_computer("PC01", "PC02.example.corp"));
        assert!(!same_computer("-", "-"));
        assert_eq!(remote_address("127.0.0.1"), None);
        assert_eq!(remote_address("::1"), None);
        assert_eq!(remote_address("-"), None);
        assert_eq!(remote_address(" 10.0.2.17 "), Some("10.0.2.17"));
    }
}
