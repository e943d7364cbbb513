//! Remediation that scripts can do: the blocks whose fix is a change in Active Directory or on a host, turned
//! into actions of the plan's `remediation` stage, which runs before any enablement.
//!
//! - `RDP-NO-RIGHT`, `RCG-NO-RDP-RIGHT`: add the refused accounts to the target's Remote Desktop Users.
//! - `PU-SERVICE-ACCOUNT`, `PU-COMPUTER-ACCOUNT`: take the account out of Protected Users.
//!
//! The other blocks (upgrade an OS, replace the Store app, line of sight to a DC) stay work items.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::finding::{Finding, Subject};
use crate::inventory::{AclId, HostId, Inventory, UserId};
use crate::rules::Code;

use super::actions::Action;

/// The name of the stage that carries the scriptable remediation; `plan init` puts it before the enablement.
pub const STAGE: &str = "remediation";

/// What the remediation stage does, for reviewers.
pub const DESCRIPTION: &str = "Fix the blocks a script can fix before any enablement: add refused accounts to the targets' Remote Desktop Users, take service and computer accounts out of Protected Users";

/// Whether account `u` may not sign in to target `h` over RDP today: the inventory gives both local groups and
/// the account is in neither.
fn refused(inv: &Inventory, h: HostId, u: UserId) -> bool {
    let host = &inv.hosts[h as usize];
    host.administrators_given
        && host.remote_desktop_users_given
        && !inv.acl_allows(host.administrators, u)
        && !inv.acl_allows(host.remote_desktop_users, u)
}

/// The scriptable remediation of `findings` (the evaluation's), sorted by [`super::actions::action_key`]. Costs
/// the users of each Remote Desktop finding times its distinct pairs of local group lists, not the estate's
/// pairs. Targets that refuse the same accounts share one list: thousands of targets often refuse the same
/// few thousand accounts, and a copy each would take hundreds of megabytes at 100,000 hosts.
pub fn actions<'f>(
    inv: &Inventory,
    findings: impl IntoIterator<Item = &'f Finding>,
) -> Vec<Action> {
    // Each distinct list of refused accounts once, and per target the lists it takes accounts from.
    let mut lists: Vec<Arc<[UserId]>> = Vec::new();
    let mut list_ids: HashMap<Arc<[UserId]>, u32> = HashMap::new();
    let mut grants: BTreeMap<HostId, Vec<u32>> = BTreeMap::new();
    let mut leave: Vec<UserId> = Vec::new();
    for f in findings {
        let users = f.subjects.iter().filter_map(|s| match s {
            Subject::User(u) => Some(*u),
            _ => None,
        });
        match f.code {
            Code::RdpNoRight | Code::RcgNoRdpRight => {
                let users: Vec<UserId> = users.collect();
                // Access control lists are interned: targets with the same two lists, given or not, refuse the
                // same accounts.
                let mut by_lists: HashMap<(AclId, AclId, bool, bool), Option<u32>> = HashMap::new();
                for s in &f.subjects {
                    let Subject::Host(h) = s else { continue };
                    let host = &inv.hosts[*h as usize];
                    let refused = *by_lists
                        .entry((
                            host.administrators,
                            host.remote_desktop_users,
                            host.administrators_given,
                            host.remote_desktop_users_given,
                        ))
                        .or_insert_with(|| {
                            let mut refused: Vec<UserId> = users
                                .iter()
                                .copied()
                                .filter(|u| refused(inv, *h, *u))
                                .collect();
                            if refused.is_empty() {
                                return None;
                            }
                            refused.sort_unstable();
                            refused.dedup();
                            Some(intern(&mut lists, &mut list_ids, refused))
                        });
                    if let Some(id) = refused {
                        grants.entry(*h).or_default().push(id);
                    }
                }
            }
            Code::PuServiceAccount | Code::PuComputerAccount => {
                leave.extend(users.filter(|u| inv.users[*u as usize].protected_users));
            }
            _ => {}
        }
    }
    leave.sort_unstable();
    leave.dedup();
    // A target named by several findings takes the union of their lists, made once per combination.
    let mut unions: HashMap<Vec<u32>, Arc<[UserId]>> = HashMap::new();
    let mut out: Vec<Action> = grants
        .into_iter()
        .map(|(host, mut ids)| {
            ids.sort_unstable();
            ids.dedup();
            let users = match ids.as_slice() {
                [one] => lists[*one as usize].clone(),
                _ => unions
                    .entry(ids)
                    .or_insert_with_key(|ids| {
                        let mut all: Vec<UserId> = ids
                            .iter()
                            .flat_map(|i| lists[*i as usize].iter().copied())
                            .collect();
                        all.sort_unstable();
                        all.dedup();
                        all.into()
                    })
                    .clone(),
            };
            Action::GrantRemoteDesktop { host, users }
        })
        .collect();
    out.extend(
        leave
            .into_iter()
            .map(|user| Action::LeaveProtectedUsers { user }),
    );
    out
}

/// The id of a sorted list of accounts, the same for equal lists.
fn intern(
    lists: &mut Vec<Arc<[UserId]>>,
    ids: &mut HashMap<Arc<[UserId]>, u32>,
    list: Vec<UserId>,
) -> u32 {
    let list: Arc<[UserId]> = list.into();
    *ids.entry(list.clone()).or_insert_with(|| {
        lists.push(list);
        (lists.len() - 1) as u32
    })
}
