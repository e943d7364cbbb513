//! Trusts: can the user's domain authenticate to the target's domain, and through which trusts.

use std::collections::BTreeMap;

use super::Acc;
use crate::finding::Subject;
use crate::graph::TrustGraph;
use crate::inventory::{AccessPath, DomainId, HostId, Inventory, UserId};

use super::Code;

/// Which hosts of a path the users of each domain cannot reach by Kerberos (no trust path).
#[derive(Debug, Default)]
pub(super) struct Reach {
    /// User domain -> unreachable targets and hops (sorted).
    pub unreachable: BTreeMap<DomainId, Vec<HostId>>,
}

/// TRUST-NO-PATH and TRUST-SELECTIVE-AUTH over the (user domain, host domain) pairs of a path.
pub(super) fn evaluate_path(
    inv: &Inventory,
    graph: &TrustGraph,
    p: &AccessPath,
    acc: &mut Acc,
) -> Reach {
    let mut users_by_domain: BTreeMap<DomainId, Vec<UserId>> = BTreeMap::new();
    for &u in &p.who {
        users_by_domain
            .entry(inv.users[u as usize].domain)
            .or_default()
            .push(u);
    }
    let mut hosts_by_domain: BTreeMap<DomainId, Vec<HostId>> = BTreeMap::new();
    for &h in p.to.iter().chain(&p.hops) {
        // Entra-joined and workgroup hosts have no AD domain: other rules judge them.
        if let Some(d) = inv.hosts[h as usize].domain {
            hosts_by_domain.entry(d).or_default().push(h);
        }
    }
    let mut reach = Reach::default();
    let dns = |d: DomainId| inv.domains[d as usize].dns.as_str();
    for (&ud, users) in &users_by_domain {
        for (&hd, hosts) in &hosts_by_domain {
            match graph.route(ud, hd) {
                None => {
                    let code = Code::TrustNoPath;
                    acc.add(code, None, users.iter().map(|u| Subject::User(*u)));
                    acc.add(code, None, hosts.iter().map(|h| Subject::Host(*h)));
                    acc.add(code, None, [Subject::Domain(ud), Subject::Domain(hd)]);
                    acc.detail(
                        code,
                        None,
                        format!("{} does not trust {}", dns(hd), dns(ud)),
                    );
                    reach.unreachable.entry(ud).or_default().extend(hosts);
                }
                Some(route) if route.selective_auth => {
                    let code = Code::TrustSelectiveAuth;
                    // A user granted "Allowed to Authenticate" on every host of the pair needs nothing more.
                    let granted = |u: UserId| {
                        hosts.iter().all(|h| {
                            inv.hosts[*h as usize]
                                .allowed_to_authenticate
                                .is_some_and(|a| inv.acl_allows(a, u))
                        })
                    };
                    let users: Vec<UserId> =
                        users.iter().copied().filter(|u| !granted(*u)).collect();
                    if users.is_empty() {
                        continue;
                    }
                    // Not given: who holds the permission is not known; given without the user: the trust
                    // refuses the authentication.
                    let mut unknown: Vec<&str> = (hosts.iter())
                        .filter(|h| inv.hosts[**h as usize].allowed_to_authenticate.is_none())
                        .map(|h| inv.hosts[*h as usize].name.as_str())
                        .collect();
                    unknown.sort_unstable_by_key(|n| n.to_lowercase());
                    let unknown_text = if unknown.len() > 3 {
                        format!("{} hosts", unknown.len())
                    } else {
                        unknown.join(", ")
                    };
                    acc.detail(
                        code,
                        None,
                        if unknown.is_empty() {
                            "not granted by the targets' allowed_to_authenticate".to_string()
                        } else {
                            format!("allowed_to_authenticate not given for {unknown_text}")
                        },
                    );
                    let selective = route
                        .trusts
                        .iter()
                        .filter(|t| inv.trusts[**t as usize].selective_auth);
                    acc.add(code, None, users.iter().map(|u| Subject::User(*u)));
                    acc.add(code, None, hosts.iter().map(|h| Subject::Host(*h)));
                    for &t in selective {
                        acc.add(code, None, [Subject::Trust(t)]);
                        let tr = &inv.trusts[t as usize];
                        acc.detail(
                            code,
                            None,
                            format!("{} trusts {}", dns(tr.trusting), dns(tr.trusted)),
                        );
                    }
                }
                Some(_) => {}
            }
        }
    }
    for hosts in reach.unreachable.values_mut() {
        hosts.sort_unstable();
        hosts.dedup();
    }
    reach
}
