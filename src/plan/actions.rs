//! The changes each stage performs, derived from its members and the chosen modes, each with its rollback.

use crate::finding::Mode;
use crate::inventory::{ClientPolicy, HostId, Inventory, PathId, UserId};
use crate::rules::Choice;

use super::model::{Enforcement, MemberKind};

/// Registry key of `DisableRestrictedAdmin` on target hosts.
pub const LSA_KEY: &str = r"HKLM\SYSTEM\CurrentControlSet\Control\Lsa";
/// Policy key of `AllowProtectedCreds` (targets) and `RestrictedRemoteAdministration` (clients).
pub const CRED_DELEGATION_KEY: &str =
    r"HKLM\SOFTWARE\Policies\Microsoft\Windows\CredentialsDelegation";

/// One change a stage makes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    /// Prepare a target host: `DisableRestrictedAdmin` = 0 and/or `AllowProtectedCreds` = 1.
    EnableTarget {
        /// The host.
        host: HostId,
        /// Set `DisableRestrictedAdmin` = 0 (it is not 0 today).
        restricted_admin: bool,
        /// Set `AllowProtectedCreds` = 1 (it is not set today).
        protected_creds: bool,
    },
    /// Enforce the client policy "Restrict delegation of credentials to remote servers" and run `gpupdate /force`.
    ClientPolicy {
        /// The client device.
        host: HostId,
        /// The policy to enforce.
        policy: ClientPolicy,
    },
    /// Per-connection `mstsc.exe /remoteGuard` or `/restrictedAdmin` shortcuts for a path's targets.
    Shortcut {
        /// The path.
        path: PathId,
        /// `RemoteGuard` or `RestrictedAdmin`.
        mode: Mode,
    },
    /// Check AES keys, then add the user to Protected Users (RID 525).
    EnrollProtectedUser {
        /// The user.
        user: UserId,
    },
    /// Turn on and watch the Protected Users event logs.
    WatchProtectedUserEvents,
    /// Remediation of RDP-NO-RIGHT / RCG-NO-RDP-RIGHT: add accounts to a target's Remote Desktop Users.
    GrantRemoteDesktop {
        /// The target host.
        host: HostId,
        /// The accounts it refuses today, sorted; targets that refuse the same accounts share the list.
        users: std::sync::Arc<[UserId]>,
    },
    /// Remediation of PU-SERVICE-ACCOUNT / PU-COMPUTER-ACCOUNT: take the account out of Protected Users.
    LeaveProtectedUsers {
        /// The account.
        user: UserId,
    },
}

/// `RestrictedRemoteAdministrationType` of a client policy (`None` for not configured).
pub fn policy_type(p: ClientPolicy) -> Option<u32> {
    match p {
        ClientPolicy::None => None,
        ClientPolicy::RequireRestrictedAdmin => Some(1),
        ClientPolicy::RequireRemoteGuard => Some(2),
        ClientPolicy::RestrictCredentialDelegation => Some(3),
    }
}

/// The client policy a mode needs.
pub fn policy_for(mode: Mode) -> ClientPolicy {
    match mode {
        Mode::Standard => ClientPolicy::None,
        Mode::RestrictedAdmin => ClientPolicy::RequireRestrictedAdmin,
        Mode::RemoteGuard => ClientPolicy::RequireRemoteGuard,
        Mode::PreferRemoteGuard => ClientPolicy::RestrictCredentialDelegation,
    }
}

/// The `mstsc.exe` switch of a mode, where one exists.
pub fn mstsc_switch(mode: Mode) -> Option<&'static str> {
    match mode {
        Mode::RemoteGuard => Some("/remoteGuard"),
        Mode::RestrictedAdmin => Some("/restrictedAdmin"),
        Mode::Standard | Mode::PreferRemoteGuard => None,
    }
}

/// What a target must have changed before `mode` works on it: (`DisableRestrictedAdmin` = 0,
/// `AllowProtectedCreds` = 1). Every mode but `standard` needs both: "Remote host allows delegation of
/// nonexportable credentials" is "required on the remote hosts to support Remote Credential Guard and
/// Restricted Admin mode" (MS-RCG-2023, MS-CSP).
pub fn target_needs(inv: &Inventory, host: HostId, mode: Mode) -> (bool, bool) {
    if mode == Mode::Standard {
        return (false, false);
    }
    let h = &inv.hosts[host as usize];
    (!h.restricted_admin_enabled(), !h.allow_protected_creds)
}

/// The policy a client needs from the modes of the policy-enforced paths leaving it: `Ok(None)` when none
/// needs one, `Err` with the conflicting policies when they disagree (POL-CLIENT-CONFLICT).
pub fn client_policy_needed(
    paths_from: &[PathId],
    choices: &[Choice],
) -> Result<Option<ClientPolicy>, Vec<ClientPolicy>> {
    // At most three distinct policies: collecting them is linear in the client's paths.
    let mut wanted: Vec<ClientPolicy> = Vec::new();
    for c in paths_from.iter().filter_map(|p| choices.get(*p as usize)) {
        let policy = policy_for(c.mode);
        if c.enforce == Enforcement::Policy && c.mode != Mode::Standard && !wanted.contains(&policy)
        {
            wanted.push(policy);
        }
    }
    wanted.sort();
    match wanted.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        _ => Err(wanted),
    }
}

/// Which stage each item belongs to (the earliest stage selecting it), per kind of member.
#[derive(Debug, Clone, Default)]
pub struct Membership {
    /// Target hosts, indexed by `HostId`.
    pub host: Vec<Option<u32>>,
    /// Client devices, indexed by `HostId`.
    pub client: Vec<Option<u32>>,
    /// Users, indexed by `UserId`.
    pub user: Vec<Option<u32>>,
    /// Paths, indexed by `PathId`.
    pub path: Vec<Option<u32>>,
    /// The same, per stage: the items each stage owns, sorted.
    pub stages: Vec<StageMembers>,
}

/// The items one stage owns (after "the earliest stage wins").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageMembers {
    /// Target hosts.
    pub hosts: Vec<HostId>,
    /// Client devices.
    pub clients: Vec<HostId>,
    /// Users.
    pub users: Vec<UserId>,
    /// Paths.
    pub paths: Vec<PathId>,
}

impl StageMembers {
    /// The items of one kind, sorted: `HostId`s for hosts and clients, `UserId`s, `PathId`s.
    pub fn of(&self, kind: MemberKind) -> &[u32] {
        match kind {
            MemberKind::Host => &self.hosts,
            MemberKind::Client => &self.clients,
            MemberKind::User => &self.users,
            MemberKind::Path => &self.paths,
        }
    }

    /// How many items of each kind the stage owns, in [`MemberKind::ALL`] order.
    pub fn counts(&self) -> [usize; 4] {
        MemberKind::ALL.map(|k| self.of(k).len())
    }
}

impl Membership {
    /// The stage an item belongs to: `id` is a `HostId` for hosts and clients, a `UserId` or a `PathId`.
    pub fn stage_of(&self, kind: MemberKind, id: u32) -> Option<usize> {
        let v = match kind {
            MemberKind::Host => &self.host,
            MemberKind::Client => &self.client,
            MemberKind::User => &self.user,
            MemberKind::Path => &self.path,
        };
        v.get(id as usize).copied().flatten().map(|s| s as usize)
    }
}

/// The action preparing target `h`, if it needs one. A member no path needs is still prepared (the stage
/// says so), for both modes.
pub fn target_action(
    inv: &Inventory,
    choices: &[Choice],
    paths_to: &[Vec<PathId>],
    h: HostId,
) -> Option<Action> {
    let host = &inv.hosts[h as usize];
    let (mut a, mut b) = (false, false);
    for p in paths_to.get(h as usize).map_or(&[][..], Vec::as_slice) {
        let mode = choices.get(*p as usize).map_or(Mode::Standard, |c| c.mode);
        let (x, y) = target_needs(inv, h, mode);
        a |= x;
        b |= y;
    }
    if !a && !b {
        a = !host.restricted_admin_enabled();
        b = !host.allow_protected_creds;
    }
    (a || b).then_some(Action::EnableTarget {
        host: h,
        restricted_admin: a,
        protected_creds: b,
    })
}

/// The action enforcing the client policy on client `h`, if its paths need one it does not have.
pub fn client_action(
    inv: &Inventory,
    choices: &[Choice],
    paths_from: &[Vec<PathId>],
    h: HostId,
) -> Option<Action> {
    let from = paths_from.get(h as usize).map_or(&[][..], Vec::as_slice);
    match client_policy_needed(from, choices) {
        Ok(Some(policy)) if inv.hosts[h as usize].client_policy != policy => {
            Some(Action::ClientPolicy { host: h, policy })
        }
        _ => None,
    }
}

/// The shortcut action of path `p`, if its mode has an `mstsc.exe` switch.
pub fn path_action(choices: &[Choice], p: PathId) -> Option<Action> {
    let mode = choices.get(p as usize).map_or(Mode::Standard, |c| c.mode);
    mstsc_switch(mode).map(|_| Action::Shortcut { path: p, mode })
}

/// The actions of one stage, sorted. `paths_from[h]` and `paths_to[h]` list the paths leaving and reaching
/// host `h`. Costs the size of the stage's members and their paths, not the estate's.
pub fn stage_actions(
    inv: &Inventory,
    choices: &[Choice],
    members: &StageMembers,
    paths_from: &[Vec<PathId>],
    paths_to: &[Vec<PathId>],
) -> Vec<Action> {
    let mut out: Vec<Action> = members
        .hosts
        .iter()
        .filter_map(|h| target_action(inv, choices, paths_to, *h))
        .chain(
            members
                .clients
                .iter()
                .filter_map(|h| client_action(inv, choices, paths_from, *h)),
        )
        .chain(
            members
                .paths
                .iter()
                .filter_map(|p| path_action(choices, *p)),
        )
        .collect();
    let before = out.len();
    out.extend(
        members
            .users
            .iter()
            .filter(|u| !inv.users[**u as usize].protected_users)
            .map(|u| Action::EnrollProtectedUser { user: *u }),
    );
    if out.len() > before {
        out.push(Action::WatchProtectedUserEvents);
    }
    out
}

/// The sort key of an action: its kind and the item it concerns (stage action lists are sorted by it).
pub fn action_key(a: &Action) -> (u8, u32) {
    match a {
        Action::EnableTarget { host, .. } => (0, *host),
        Action::ClientPolicy { host, .. } => (1, *host),
        Action::Shortcut { path, .. } => (2, *path),
        Action::EnrollProtectedUser { user } => (3, *user),
        Action::WatchProtectedUserEvents => (4, 0),
        Action::GrantRemoteDesktop { host, .. } => (5, *host),
        Action::LeaveProtectedUsers { user } => (6, *user),
    }
}

/// Puts the current action of one item (`key` from [`action_key`]) into a stage's sorted action list:
/// replaces, inserts or removes its entry.
pub fn update_action(list: &mut Vec<Action>, key: (u8, u32), now: Option<Action>) {
    match (list.binary_search_by_key(&key, action_key), now) {
        (Ok(i), Some(a)) => list[i] = a,
        (Ok(i), None) => {
            list.remove(i);
        }
        (Err(i), Some(a)) => list.insert(i, a),
        (Err(_), None) => {}
    }
}

/// One line describing an action, for reports and the TUI.
pub fn describe(inv: &Inventory, a: &Action) -> String {
    match a {
        Action::EnableTarget {
            host,
            restricted_admin,
            protected_creds,
        } => {
            let mut what = Vec::new();
            if *restricted_admin {
                what.push("DisableRestrictedAdmin = 0");
            }
            if *protected_creds {
                what.push("AllowProtectedCreds = 1");
            }
            format!(
                "target {}: set {}",
                inv.hosts[*host as usize].name,
                what.join(" and ")
            )
        }
        Action::ClientPolicy { host, policy } => format!(
            "client {}: \"Restrict delegation of credentials to remote servers\" with RestrictedRemoteAdministrationType = {}, then gpupdate /force",
            inv.hosts[*host as usize].name,
            policy_type(*policy).unwrap_or(0)
        ),
        Action::Shortcut { path, mode } => format!(
            "path {}: connect with mstsc.exe {} to its {} target(s)",
            inv.paths[*path as usize].name,
            mstsc_switch(*mode).unwrap_or(""),
            inv.paths[*path as usize].to.len()
        ),
        Action::EnrollProtectedUser { user } => format!(
            "user {}: check AES keys, then add to Protected Users",
            inv.user_label(*user)
        ),
        Action::GrantRemoteDesktop { host, users } => format!(
            "target {}: add {} account(s) to Remote Desktop Users ({})",
            inv.hosts[*host as usize].name,
            users.len(),
            short_users(inv, users)
        ),
        Action::LeaveProtectedUsers { user } => format!(
            "user {}: remove from Protected Users (its sign-in fails there)",
            inv.user_label(*user)
        ),
        Action::WatchProtectedUserEvents => "watch ProtectedUser-Client 104/304, ProtectedUserFailures-DomainController 100/104, ProtectedUserSuccesses-DomainController 303".into(),
    }
}

/// Up to three account labels, then how many more.
fn short_users(inv: &Inventory, users: &[UserId]) -> String {
    let mut names: Vec<String> = users.iter().take(3).map(|u| inv.user_label(*u)).collect();
    if users.len() > 3 {
        names.push(format!("{} more", users.len() - 3));
    }
    names.join(", ")
}

/// Which export carries out which of a stage's actions, one line per export that has something to do: Group
/// Policy for AD-joined and hybrid hosts, Intune for Entra-joined and hybrid ones (hybrid devices are in both;
/// deploy the one that manages them), the scripts for every host WinRM reaches (the fallback of the GPO, and the
/// only route for workgroup hosts) and for what only they do (shortcuts, Protected Users, remediation).
pub fn carriers(inv: &Inventory, acts: &[Action]) -> Vec<String> {
    use crate::inventory::JoinType;
    // Per export: hosts given DisableRestrictedAdmin, AllowProtectedCreds, a client policy.
    let mut counts = [[0usize; 3]; 3];
    let (mut shortcuts, mut enroll, mut remediation) = (0, false, 0);
    for a in acts {
        let (host, which) = match a {
            Action::EnableTarget {
                host,
                restricted_admin,
                protected_creds,
            } => (*host, [*restricted_admin, *protected_creds, false]),
            Action::ClientPolicy { host, policy } if policy_type(*policy).is_some() => {
                (*host, [false, false, true])
            }
            Action::Shortcut { .. } => {
                shortcuts += 1;
                continue;
            }
            Action::EnrollProtectedUser { .. } => {
                enroll = true;
                continue;
            }
            Action::GrantRemoteDesktop { .. } | Action::LeaveProtectedUsers { .. } => {
                remediation += 1;
                continue;
            }
            _ => continue,
        };
        let h = &inv.hosts[host as usize];
        let routes = [
            h.domain.is_some() && matches!(h.join, JoinType::Ad | JoinType::Hybrid),
            matches!(h.join, JoinType::Entra | JoinType::Hybrid),
            h.join != JoinType::Entra,
        ];
        for (route, on) in routes.iter().enumerate() {
            for (value, set) in which.iter().enumerate() {
                if *on && *set {
                    counts[route][value] += 1;
                }
            }
        }
    }
    let values = |c: [usize; 3], ra: &str| -> Vec<String> {
        let mut v = Vec::new();
        if c[0] > 0 {
            v.push(format!(
                "DisableRestrictedAdmin = 0{ra} on {} host(s)",
                c[0]
            ));
        }
        if c[1] > 0 {
            v.push(format!("AllowProtectedCreds = 1 on {} host(s)", c[1]));
        }
        if c[2] > 0 {
            v.push(format!("the client policy on {} device(s)", c[2]));
        }
        v
    };
    let mut out = Vec::new();
    let gpo = values(counts[0], " (preference)");
    if !gpo.is_empty() {
        out.push(format!(
            "Group Policy (`--format gpo`, AD-joined and hybrid): {}",
            gpo.join(", ")
        ));
    }
    let intune = values(counts[1], " (platform script)");
    if !intune.is_empty() {
        out.push(format!(
            "Intune (`--format intune`, Entra-joined and hybrid): {}",
            intune.join(", ")
        ));
    }
    let mut scripts = values(counts[2], "");
    if shortcuts > 0 {
        scripts.push(format!("mstsc shortcuts of {shortcuts} path(s)"));
    }
    if enroll {
        // Not every account the stage selects is enrolled by its script (see "Not enrolled" in the report).
        scripts.push("the Protected Users enrollment".into());
    }
    if remediation > 0 {
        scripts.push(format!("{remediation} remediation(s)"));
    }
    if !scripts.is_empty() {
        out.push(format!(
            "Scripts (`--format scripts`, over WinRM; the fallback of Group Policy): {}",
            scripts.join(", ")
        ));
    }
    out
}
