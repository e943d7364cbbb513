//! Privileged credential exposure: the (privileged user, host) pairs where a Remote Desktop session leaves
//! credentials that an attacker holding that host can reuse, counted in a given state of the estate.
//!
//! What each logon leaves on the host follows Microsoft's "Administrative tools and logon types" table (a
//! Remote Desktop logon is a RemoteInteractive logon: reusable credentials in LSASS) and the seeds:
//! - `standard` (plain RDP): the user's credentials reach the target and its onward hops. 000 "Protection
//!   benefits": "Credentials on the server are not protected from Pass-the-Hash attacks." One exposure per
//!   (user, host).
//! - `standard` for a Protected Users member: 003: no NTLM hash and no long-term keys are cached "after the
//!   initial TGT is acquired", and the TGT cannot be renewed beyond "the initial four-hour lifetime". A stolen
//!   TGT is still reusable for up to four hours, so the pair is counted as an exposure, and also apart
//!   ([`Exposure::tgt_only`]) so a reviewer sees how much of it is bounded in time.
//! - `restricted-admin`: 000: "User logs on to the server as local administrator, so an attacker cannot act
//!   on behalf of the domain user": none of the user's credentials. A target that accepts Restricted Admin
//!   (`DisableRestrictedAdmin` = 0 and, as the current Remote Credential Guard page requires for both modes,
//!   `AllowProtectedCreds` = 1) then accepts a network logon with a local administrator's NT hash
//!   (pass-the-hash, Microsoft advisory 2871997): such targets are counted apart ([`Exposure::pth_targets`]),
//!   not as exposures of the user.
//! - `remote-guard` (and `prefer-remote-guard`, which uses Remote Credential Guard or Restricted Admin):
//!   000: "User credentials remain on the client", and RCG "prevents use of credentials after
//!   disconnection": no exposure after the session.
//!
//! Privileged users are those of the catalog's correction: a role `admin` or `helpdesk`, a Protected Users
//! member, or local Administrators on a target of the path: exactly the users RDP-CREDS-EXPOSED names for a
//! path under `standard`.
//!
//! Counting is per group of users that share the same set of paths (a "signature"): the hosts exposed to a
//! signature are the union of the targets of its paths still on `standard`, so the cost is the size of the
//! paths, not users x hosts.

use std::collections::HashMap;

use super::{Code, Evaluation};
use crate::finding::{Mode, Subject};
use crate::inventory::{HostId, Inventory, PathId, UserId};

/// Exposure counts in one state of the estate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Exposure {
    /// (privileged user, host) pairs where a session leaves reusable credentials (Protected Users members
    /// included).
    pub exposures: usize,
    /// Of those, pairs whose user is in Protected Users: only a TGT of at most four hours, no NT hash.
    pub tgt_only: usize,
    /// Hosts that accept Restricted Admin (`DisableRestrictedAdmin` = 0 and `AllowProtectedCreds` = 1), so a
    /// local administrator's NT hash logs on over RDP: counted apart from the users' exposures.
    pub pth_targets: usize,
}

/// Whether `a` makes a host accept Restricted Admin that did not: it then has both `DisableRestrictedAdmin` = 0
/// and `AllowProtectedCreds` = 1 (MS-RCG-2023: without the latter, "Restricted Admin ... mode aren't
/// supported").
pub fn opens_restricted_admin(inv: &Inventory, a: &crate::plan::actions::Action) -> bool {
    let crate::plan::actions::Action::EnableTarget {
        host,
        restricted_admin,
        protected_creds,
    } = a
    else {
        return false;
    };
    let h = &inv.hosts[*host as usize];
    !h.accepts_restricted_admin()
        && (h.restricted_admin_enabled() || *restricted_admin)
        && (h.allow_protected_creds || *protected_creds)
}

/// Whether a session in `mode` leaves the user's reusable credentials on the host.
pub fn leaves_credentials(mode: Mode) -> bool {
    mode == Mode::Standard
}

/// The users of a path that count as privileged (those RDP-CREDS-EXPOSED names under `standard`), sorted.
pub fn privileged_users(eval: &Evaluation, p: PathId) -> Vec<UserId> {
    let mut users: Vec<UserId> = eval
        .findings_of(p, Mode::Standard)
        .filter(|f| f.code == Code::RdpCredsExposed)
        .flat_map(|f| f.subjects.iter())
        .filter_map(|s| match s {
            Subject::User(u) => Some(*u),
            _ => None,
        })
        .collect();
    users.sort_unstable();
    users.dedup();
    users
}

/// Users grouped by the set of paths on which they are privileged, with what is needed to count their
/// exposures in any state. Built once per inventory and evaluation.
#[derive(Debug, Clone, Default)]
pub struct ExposureIndex {
    /// Per signature: its paths, ascending.
    sig_paths: Vec<Vec<PathId>>,
    /// Per signature: its users, ascending.
    sig_users: Vec<Vec<UserId>>,
    /// Per path: the signatures that contain it.
    sigs_of_path: Vec<Vec<u32>>,
    /// Per path: the classes of hosts a plain RDP session leaves credentials on (targets and onward hops).
    classes_of_path: Vec<Vec<u32>>,
    /// Per class of hosts (hosts reached by the same paths): how many hosts it has.
    class_size: Vec<usize>,
    /// Per host: its class (`u32::MAX` when no path reaches it).
    class_of_host: Vec<u32>,
    /// Per privileged user: its signature.
    sig_of_user: HashMap<UserId, u32>,
}

impl ExposureIndex {
    /// Indexes the privileged users of every path.
    pub fn new(inv: &Inventory, eval: &Evaluation) -> Self {
        let mut paths_of_user: HashMap<UserId, Vec<PathId>> = HashMap::new();
        for p in 0..inv.paths.len() as PathId {
            for u in privileged_users(eval, p) {
                paths_of_user.entry(u).or_default().push(p);
            }
        }
        let mut by_sig: HashMap<Vec<PathId>, Vec<UserId>> = HashMap::new();
        for (u, ps) in paths_of_user {
            by_sig.entry(ps).or_default().push(u);
        }
        let mut sigs: Vec<(Vec<PathId>, Vec<UserId>)> = by_sig.into_iter().collect();
        sigs.sort_unstable();
        let mut sigs_of_path = vec![Vec::new(); inv.paths.len()];
        let (mut sig_paths, mut sig_users) = (Vec::new(), Vec::new());
        let mut sig_of_user = HashMap::new();
        for (k, (ps, mut us)) in sigs.into_iter().enumerate() {
            for p in &ps {
                sigs_of_path[*p as usize].push(k as u32);
            }
            us.sort_unstable();
            sig_of_user.extend(us.iter().map(|u| (*u, k as u32)));
            sig_paths.push(ps);
            sig_users.push(us);
        }
        // Hosts reached by the same paths form one class: a union of paths' hosts is a sum of class sizes.
        let mut paths_of_host: Vec<Vec<PathId>> = vec![Vec::new(); inv.hosts.len()];
        for (p, path) in inv.paths.iter().enumerate() {
            for h in path.to.iter().chain(&path.hops) {
                if let Some(list) = paths_of_host.get_mut(*h as usize)
                    && list.last() != Some(&(p as PathId))
                {
                    list.push(p as PathId);
                }
            }
        }
        let mut classes: HashMap<Vec<PathId>, u32> = HashMap::new();
        let mut class_paths: Vec<Vec<PathId>> = Vec::new();
        let mut class_size: Vec<usize> = Vec::new();
        let mut class_of_host = vec![u32::MAX; inv.hosts.len()];
        for (h, mut ps) in paths_of_host.into_iter().enumerate() {
            if ps.is_empty() {
                continue;
            }
            ps.sort_unstable();
            ps.dedup();
            let k = *classes.entry(ps).or_insert_with_key(|ps| {
                class_paths.push(ps.clone());
                class_size.push(0);
                class_size.len() as u32 - 1
            });
            class_size[k as usize] += 1;
            class_of_host[h] = k;
        }
        let mut classes_of_path = vec![Vec::new(); inv.paths.len()];
        for (k, ps) in class_paths.iter().enumerate() {
            for p in ps {
                classes_of_path[*p as usize].push(k as u32);
            }
        }
        ExposureIndex {
            sig_paths,
            sig_users,
            sigs_of_path,
            classes_of_path,
            class_size,
            class_of_host,
            sig_of_user,
        }
    }

    /// The signature of a privileged user (`None`: privileged on no path).
    pub fn signature_of_user(&self, u: UserId) -> Option<u32> {
        self.sig_of_user.get(&u).copied()
    }

    /// How many signatures there are.
    pub fn signatures(&self) -> usize {
        self.sig_paths.len()
    }

    /// The signatures a path belongs to.
    pub fn signatures_of(&self, p: PathId) -> &[u32] {
        self.sigs_of_path.get(p as usize).map_or(&[], Vec::as_slice)
    }

    /// Working space for [`ExposureIndex::exposed_hosts`].
    pub fn scratch(&self) -> Vec<u32> {
        vec![0; self.class_size.len()]
    }

    /// The hosts a signature's users are exposed on when `plain(p)` says which of its paths are on plain RDP.
    /// `mark` is working space from [`ExposureIndex::scratch`], reused from call to call.
    pub fn exposed_hosts(
        &self,
        sig: u32,
        plain: impl Fn(PathId) -> bool,
        mark: &mut [u32],
        epoch: &mut u32,
    ) -> usize {
        self.exposed_hosts_with(sig, plain, &[], &mut Vec::new(), mark, epoch)
    }

    /// [`ExposureIndex::exposed_hosts`] with the hosts of `also` (paths whose sessions leave credentials for
    /// these users whatever the mode, as a user an exception leaves on plain RDP) and the single hosts
    /// `hosts` (targets an exception leaves on plain RDP) added; `hosts` is sorted and deduplicated in place.
    pub fn exposed_hosts_with(
        &self,
        sig: u32,
        plain: impl Fn(PathId) -> bool,
        also: &[PathId],
        hosts: &mut Vec<HostId>,
        mark: &mut [u32],
        epoch: &mut u32,
    ) -> usize {
        *epoch = epoch.wrapping_add(1);
        if *epoch == 0 {
            mark.iter_mut().for_each(|m| *m = 0);
            *epoch = 1;
        }
        let mut n = 0;
        let paths = self.sig_paths[sig as usize].iter().filter(|p| plain(**p));
        for p in paths.chain(also) {
            for k in self
                .classes_of_path
                .get(*p as usize)
                .map_or(&[][..], Vec::as_slice)
            {
                if let Some(m) = mark.get_mut(*k as usize)
                    && *m != *epoch
                {
                    *m = *epoch;
                    n += self.class_size[*k as usize];
                }
            }
        }
        hosts.sort_unstable();
        hosts.dedup();
        // A single host counts unless its whole class is already counted.
        n + hosts
            .iter()
            .filter(|h| {
                let k = self.class_of_host.get(**h as usize).copied();
                k.and_then(|k| mark.get(k as usize)) != Some(epoch)
            })
            .count()
    }

    /// The users of a signature.
    pub fn users_of(&self, sig: u32) -> &[UserId] {
        &self.sig_users[sig as usize]
    }

    /// The paths of a signature.
    pub fn paths_of(&self, sig: u32) -> &[PathId] {
        &self.sig_paths[sig as usize]
    }
}

/// Exposure in one state given directly: each path's mode, each user's Protected Users membership and each
/// host's acceptance of Restricted Admin (`DisableRestrictedAdmin` = 0 and `AllowProtectedCreds` = 1). The
/// reference the staged computation is checked against.
pub fn exposure(
    inv: &Inventory,
    index: &ExposureIndex,
    mode_of: impl Fn(PathId) -> Mode,
    protected: impl Fn(UserId) -> bool,
    ra_enabled: impl Fn(HostId) -> bool,
) -> Exposure {
    let mut mark = index.scratch();
    let mut epoch = 0;
    let mut e = Exposure::default();
    for sig in 0..index.signatures() as u32 {
        let hosts = index.exposed_hosts(
            sig,
            |p| leaves_credentials(mode_of(p)),
            &mut mark,
            &mut epoch,
        );
        for u in index.users_of(sig) {
            e.exposures += hosts;
            if protected(*u) {
                e.tgt_only += hosts;
            }
        }
    }
    e.pth_targets = (0..inv.hosts.len() as HostId)
        .filter(|h| ra_enabled(*h))
        .count();
    e
}
