//! Protected Users: what breaks for members, per path and across the estate.

use super::trust::Reach;
use super::{Acc, Code};
use crate::finding::{Mode, Subject};
use crate::inventory::{
    AccessPath, AccountKind, BUILD_2008, BUILD_WIN81, Delegation, DomainId, FunctionalLevel,
    GroupId, HostId, Inventory, JoinType, Os, OsFamily, PathId, UserId,
};

/// TGT lifetime of members, in hours, that cannot be renewed.
pub(super) const TGT_HOURS: f64 = 4.0;

/// MS-PU-2025: "Hosts must be running one of the following operating systems: Windows 10 or Windows 11; Windows
/// Server 2012 R2 or later with the most recent security updates installed." Windows 8.1, and Windows 7 / 8 /
/// Server 2008 R2 / 2012 even with KB2871997 (which the 2025 page no longer names), do not qualify.
pub(super) fn device_protected(os: &Os) -> bool {
    match os.family {
        OsFamily::Windows10 | OsFamily::Windows11 => true,
        f if f.is_server() => os.build >= BUILD_WIN81,
        _ => false,
    }
}

/// Whether a domain has a domain controller older than Windows Server 2008 (its own `dc_os`, its domain
/// controllers and its PDC emulator): a password changed there locks a Protected Users member out (MS-PU-2025).
pub fn has_pre_2008_dc(inv: &Inventory, d: DomainId) -> bool {
    let dom = &inv.domains[d as usize];
    let old = |f: &OsFamily| f.is_server() && f.default_build().is_some_and(|b| b < BUILD_2008);
    dom.dc_os.iter().any(old) || dom.pdc_emulator_os.iter().any(old)
}

/// The groups whose every member Microsoft advises against enrolling at once (MS-2024-PU): each domain's
/// Domain Admins and Enterprise Admins, by name; each with its enabled members outside Protected Users (sorted).
/// A disabled member signs in nowhere, so it is no break-glass account: PU-BREAKGLASS is about "every enabled
/// member of a domain's Domain Admins" (rules.md, MS-2024-PU).
pub fn tier0_groups(inv: &Inventory) -> Vec<(GroupId, Vec<UserId>)> {
    (0..inv.groups.len() as GroupId)
        .filter(|g| {
            let name = &inv.groups[*g as usize].name;
            crate::inventory::same_name(name, "Domain Admins")
                || crate::inventory::same_name(name, "Enterprise Admins")
        })
        .map(|g| {
            let outside = inv
                .index
                .group_users
                .get(g as usize)
                .into_iter()
                .flatten()
                .copied()
                .filter(|u| {
                    let u = &inv.users[*u as usize];
                    !u.protected_users && u.enabled
                })
                .collect();
            (g, outside)
        })
        .collect()
}

/// Whether the domain controllers of a user's domain apply the Protected Users protections (functional level
/// Windows Server 2012 R2 or higher).
pub fn dc_protected(inv: &Inventory, u: UserId) -> bool {
    let d = inv.users[u as usize].domain;
    inv.domains[d as usize].functional_level >= FunctionalLevel::W2012R2
}

fn users(list: &[UserId]) -> impl Iterator<Item = Subject> + '_ {
    list.iter().map(|u| Subject::User(*u))
}

fn hosts(list: &[HostId]) -> impl Iterator<Item = Subject> + '_ {
    list.iter().map(|h| Subject::Host(*h))
}

/// Rules for the Protected Users members who use one path; `member` says who is one (the inventory's
/// members, or those a plan's stages have enrolled by then).
pub(super) fn path(
    inv: &Inventory,
    p: &AccessPath,
    pid: PathId,
    reach: &Reach,
    member: &dyn Fn(UserId) -> bool,
    acc: &mut Acc,
) {
    let members: Vec<UserId> = p.who.iter().copied().filter(|u| member(*u)).collect();
    if members.is_empty() {
        return;
    }
    let host = |h: &HostId| &inv.hosts[*h as usize];
    // The domain controller protections (NTLM, DES/RC4, delegation, TGT lifetime) need the member's domain at
    // the 2012 R2 functional level; below it PU-DFL says so and only the device protections remain.
    let dc_members: Vec<UserId> = members
        .iter()
        .copied()
        .filter(|u| dc_protected(inv, *u))
        .collect();

    // NTLM: no domain controller in sight, a workgroup target, or no trust path from the member's domain.
    let no_dc: Vec<HostId> = p
        .from
        .iter()
        .copied()
        .filter(|h| !host(h).dc_line_of_sight)
        .collect();
    let workgroup: Vec<HostId> =
        p.to.iter()
            .chain(&p.hops)
            .copied()
            .filter(|h| host(h).join == JoinType::Workgroup)
            .collect();
    for &m in &dc_members {
        let unreachable = reach
            .unreachable
            .get(&inv.users[m as usize].domain)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if no_dc.is_empty() && workgroup.is_empty() && unreachable.is_empty() {
            continue;
        }
        acc.add(Code::PuNtlm, None, [Subject::User(m)]);
        for (list, why) in [
            (no_dc.as_slice(), "no domain controller in sight"),
            (workgroup.as_slice(), "workgroup target"),
            (unreachable, "no trust path"),
        ] {
            if !list.is_empty() {
                acc.add(Code::PuNtlm, None, hosts(list));
                acc.detail(Code::PuNtlm, None, why);
            }
        }
    }

    // A password older than the domain's AES keys: reset it (an action), whatever the functional level.
    let stale: Vec<UserId> = members
        .iter()
        .copied()
        .filter(|u| !inv.users[*u as usize].aes_keys)
        .collect();
    if !stale.is_empty() {
        acc.add(Code::PuAesReset, None, users(&stale));
    }

    let weak: Vec<UserId> = dc_members
        .iter()
        .copied()
        .filter(|u| !inv.users[*u as usize].has_aes())
        .collect();
    if !weak.is_empty() {
        acc.add(Code::PuWeakEtypes, None, users(&weak));
    }

    if p.delegation != Delegation::None && !dc_members.is_empty() {
        acc.add(Code::PuDelegation, None, users(&dc_members));
        acc.add(Code::PuDelegation, None, [Subject::Path(pid)]);
    }

    let offline: Vec<HostId> = p
        .from
        .iter()
        .copied()
        .filter(|h| host(h).offline_signin)
        .collect();
    if !offline.is_empty() {
        acc.add(Code::PuOffline, None, users(&members));
        acc.add(Code::PuOffline, None, hosts(&offline));
    }

    if let Some(hours) = p.session_hours.filter(|h| *h > TGT_HOURS)
        && !dc_members.is_empty()
    {
        acc.add(Code::PuTgtLifetime, None, users(&dc_members));
        acc.add(Code::PuTgtLifetime, None, [Subject::Path(pid)]);
        acc.detail(Code::PuTgtLifetime, None, format!("{hours} hours"));
    }

    let old: Vec<HostId> = p
        .from
        .iter()
        .copied()
        .filter(|h| !device_protected(&host(h).os))
        .collect();
    if !old.is_empty() {
        acc.add(Code::PuDeviceOs, None, users(&members));
        acc.add(Code::PuDeviceOs, None, hosts(&old));
    }
    // Plain RDP signs the member in on the target (and on each hop): its device protections count there too.
    // The protected modes do not sign in with the member's credentials on the target.
    let old_targets: Vec<HostId> =
        p.to.iter()
            .chain(&p.hops)
            .copied()
            .filter(|h| !device_protected(&host(h).os))
            .collect();
    if !old_targets.is_empty() {
        let standard = Some(Mode::Standard);
        acc.add(Code::PuDeviceOs, standard, users(&members));
        acc.add(Code::PuDeviceOs, standard, hosts(&old_targets));
    }

    // Plain RDP single sign-on delegates the default credentials; the other modes do not delegate them.
    if p.credssp_sso {
        let standard = Some(Mode::Standard);
        acc.add(Code::PuCredsspSso, standard, users(&members));
        acc.add(Code::PuCredsspSso, standard, [Subject::Path(pid)]);
    }
}

/// Estate-wide rules: accounts that must not be members, down-level domains, privileged non-members, and
/// members without AES keys who use no path (those on a path are raised on the path).
///
/// Privileged (PU-CANDIDATE) is a role `admin` or `helpdesk`, or local Administrators on a target of one of the
/// user's paths (`local_admin`, by user). 000: "Administrator credentials are highly privileged and must be
/// protected."
pub(super) fn estate(inv: &Inventory, on_path: &[bool], local_admin: &[bool], acc: &mut Acc) {
    let mut domain_used = vec![false; inv.domains.len()];
    for (id, u) in inv.users.iter().enumerate() {
        let id = id as UserId;
        if u.protected_users {
            domain_used[u.domain as usize] = true;
            if !u.aes_keys && !on_path.get(id as usize).copied().unwrap_or(false) {
                acc.add(Code::PuAesReset, None, [Subject::User(id)]);
            }
            if !u.has_aes()
                && dc_protected(inv, id)
                && !on_path.get(id as usize).copied().unwrap_or(false)
            {
                acc.add(Code::PuWeakEtypes, None, [Subject::User(id)]);
            }
            if u.builtin_admin {
                acc.add(Code::PuBuiltinAdmin, None, [Subject::User(id)]);
            }
            if has_pre_2008_dc(inv, u.domain) {
                acc.add(
                    Code::PuOldDcPassword,
                    None,
                    [Subject::User(id), Subject::Domain(u.domain)],
                );
            }
            match u.kind {
                AccountKind::Service | AccountKind::ManagedServiceAccount => {
                    acc.add(Code::PuServiceAccount, None, [Subject::User(id)]);
                }
                AccountKind::Computer => {
                    acc.add(Code::PuComputerAccount, None, [Subject::User(id)]);
                }
                AccountKind::Person => {}
            }
            if inv.domains[u.domain as usize].functional_level < FunctionalLevel::W2012R2 {
                acc.add(
                    Code::PuDfl,
                    None,
                    [Subject::User(id), Subject::Domain(u.domain)],
                );
            }
        } else if (u.is_privileged() || local_admin.get(id as usize).copied().unwrap_or(false))
            && u.kind == AccountKind::Person
            // Enrolling the built-in Administrator does not protect it (PU-BUILTIN-ADMIN): not a candidate.
            && !u.builtin_admin
            // A disabled account signs in nowhere: nothing of it to protect until it is enabled again.
            && u.enabled
        {
            domain_used[u.domain as usize] = true;
            acc.add(Code::PuCandidate, None, [Subject::User(id)]);
        }
    }
    // A computer is a member when one of its groups is (003: "Accounts for services and computers should never
    // be members").
    for (h, host) in inv.hosts.iter().enumerate() {
        if host
            .groups
            .iter()
            .any(|g| inv.groups[*g as usize].protected_users)
        {
            acc.add(Code::PuComputerAccount, None, [Subject::Host(h as HostId)]);
        }
    }
    // The group is created by a PDC emulator on 2012 R2 or later; only judge domains whose DCs are known.
    let modern = |f: &OsFamily| f.default_build().is_some_and(|b| b >= BUILD_WIN81);
    for (d, dom) in inv.domains.iter().enumerate() {
        let known = !dom.dc_os.is_empty() || dom.pdc_emulator_os.is_some();
        let any_modern = dom.dc_os.iter().any(modern) || dom.pdc_emulator_os.iter().any(modern);
        if domain_used[d] && known && !any_modern {
            acc.add(Code::PuNoPdc2012r2, None, [Subject::Domain(d as u32)]);
        }
    }
}
