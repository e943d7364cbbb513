//! The changes each stage performs, derived from its members and the chosen modes, each with its rollback.

use crate::finding::Mode;
use crate::inventory::{ClientPolicy, HostId, Inventory, PathId, UserId};
use crate::rules::Choice;

use super::model::Enforcement;

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

/// Whether a mode uses Remote Credential Guard (and so needs `AllowProtectedCreds` on targets).
pub fn uses_remote_guard(mode: Mode) -> bool {
    matches!(mode, Mode::RemoteGuard | Mode::PreferRemoteGuard)
}

/// What a target must have changed before `mode` works on it: (`DisableRestrictedAdmin` = 0,
/// `AllowProtectedCreds` = 1).
pub fn target_needs(inv: &Inventory, host: HostId, mode: Mode) -> (bool, bool) {
    if mode == Mode::Standard {
        return (false, false);
    }
    let h = &inv.hosts[host as usize];
    (
        !h.restricted_admin_enabled(),
        uses_remote_guard(mode) && !h.allow_protected_creds,
    )
}

/// The policy a client needs from the modes of the policy-enforced paths leaving it: `Ok(None)` when none
/// needs one, `Err` with the conflicting policies when they disagree (POL-CLIENT-CONFLICT).
pub fn client_policy_needed(
    paths_from: &[PathId],
    choices: &[Choice],
) -> Result<Option<ClientPolicy>, Vec<ClientPolicy>> {
    let mut wanted: Vec<ClientPolicy> = paths_from
        .iter()
        .filter_map(|p| choices.get(*p as usize))
        .filter(|c| c.enforce == Enforcement::Policy && c.mode != Mode::Standard)
        .map(|c| policy_for(c.mode))
        .collect();
    wanted.sort();
    wanted.dedup();
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
}

/// The actions of one stage, sorted. `paths_from[h]` lists the paths leaving client `h`.
pub fn stage_actions(
    inv: &Inventory,
    choices: &[Choice],
    members: &Membership,
    paths_from: &[Vec<PathId>],
    stage: u32,
) -> Vec<Action> {
    let mut out = Vec::new();
    let here = |s: &Option<u32>| *s == Some(stage);
    // Targets: prepare for every mode the plan uses on them; a member no path needs is still prepared
    // (the stage says so), for both modes.
    let mut need = vec![(false, false); 0];
    if members.host.iter().any(here) {
        need = vec![(false, false); inv.hosts.len()];
        for (p, path) in inv.paths.iter().enumerate() {
            let mode = choices.get(p).map_or(Mode::Standard, |c| c.mode);
            for t in &path.to {
                let (a, b) = target_needs(inv, *t, mode);
                let n = &mut need[*t as usize];
                n.0 |= a;
                n.1 |= b;
            }
        }
    }
    for (h, s) in members.host.iter().enumerate() {
        if !here(s) {
            continue;
        }
        let host = &inv.hosts[h];
        let (mut a, mut b) = need[h];
        if !a && !b {
            a = !host.restricted_admin_enabled();
            b = !host.allow_protected_creds;
        }
        if a || b {
            out.push(Action::EnableTarget {
                host: h as HostId,
                restricted_admin: a,
                protected_creds: b,
            });
        }
    }
    for (h, s) in members.client.iter().enumerate() {
        if !here(s) {
            continue;
        }
        let from = paths_from.get(h).map_or(&[][..], Vec::as_slice);
        if let Ok(Some(policy)) = client_policy_needed(from, choices)
            && inv.hosts[h].client_policy != policy
        {
            out.push(Action::ClientPolicy {
                host: h as HostId,
                policy,
            });
        }
    }
    for (p, s) in members.path.iter().enumerate() {
        if !here(s) {
            continue;
        }
        let mode = choices.get(p).map_or(Mode::Standard, |c| c.mode);
        if mstsc_switch(mode).is_some() {
            out.push(Action::Shortcut {
                path: p as PathId,
                mode,
            });
        }
    }
    let mut enrolls = false;
    for (u, s) in members.user.iter().enumerate() {
        if here(s) && !inv.users[u].protected_users {
            out.push(Action::EnrollProtectedUser { user: u as UserId });
            enrolls = true;
        }
    }
    if enrolls {
        out.push(Action::WatchProtectedUserEvents);
    }
    out
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
        Action::WatchProtectedUserEvents => "watch ProtectedUser-Client 104/304, ProtectedUserFailures-DomainController 100/104, ProtectedUserSuccesses-DomainController 303".into(),
    }
}
