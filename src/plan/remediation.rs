//! Remediation that scripts can do: the blocks whose fix is a change in Active Directory or on a host, turned
//! into actions of the plan's `remediation` stage, which runs before any enablement.
//!
//! - `RDP-NO-RIGHT`, `RCG-NO-RDP-RIGHT`: add the refused accounts to the target's Remote Desktop Users.
//! - `PU-SERVICE-ACCOUNT`, `PU-COMPUTER-ACCOUNT`: take the account out of Protected Users.
//!
//! The other blocks (upgrade an OS, replace the Store app, line of sight to a DC) stay work items.

use std::collections::{BTreeMap, HashMap};

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
/// pairs.
pub fn actions<'f>(
    inv: &Inventory,
    findings: impl IntoIterator<Item = &'f Finding>,
) -> Vec<Action> {
    let mut grants: BTreeMap<HostId, Vec<UserId>> = BTreeMap::new();
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
                let mut by_lists: HashMap<(AclId, AclId, bool, bool), Vec<UserId>> = HashMap::new();
                for s in &f.subjects {
                    let Subject::Host(h) = s else { continue };
                    let host = &inv.hosts[*h as usize];
                    let refused = by_lists
                        .entry((
                            host.administrators,
                            host.remote_desktop_users,
                            host.administrators_given,
                            host.remote_desktop_users_given,
                        ))
                        .or_insert_with(|| {
                            users
                                .iter()
                                .copied()
                                .filter(|u| refused(inv, *h, *u))
                                .collect()
                        });
                    if !refused.is_empty() {
                        grants
                            .entry(*h)
                            .or_default()
                            .extend(refused.iter().copied());
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
    let mut out: Vec<Action> = grants
        .into_iter()
        .map(|(host, mut users)| {
            users.sort_unstable();
            users.dedup();
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
