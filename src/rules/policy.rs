//! Standard RDP, client policy (per computer), and the recommendation of a mode per path.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::pairs::PathPairs;
use super::{Acc, Choice, Code, PathEvaluation};
use crate::finding::{Finding, Mode, Severity, Subject, Verdict};
use crate::inventory::{
    AccessPath, ClientPolicy, HostId, Inventory, JoinType, OsFamily, PathId, Purpose, UserId,
};
use crate::plan::Enforcement;

/// RDP-CREDS-EXPOSED: privileged accounts whose credentials reach the target under plain RDP. Privileged: a
/// role `admin` or `helpdesk`, a Protected Users member, or local Administrators on a target (`local_admins`,
/// sorted). 000: "Administrator credentials are highly privileged and must be protected."
pub(super) fn standard(inv: &Inventory, p: &AccessPath, local_admins: &[UserId], acc: &mut Acc) {
    let exposed = p.who.iter().copied().filter(|u| {
        let user = &inv.users[*u as usize];
        user.is_privileged() || user.protected_users || local_admins.binary_search(u).is_ok()
    });
    let subjects: Vec<Subject> = exposed.map(Subject::User).collect();
    if !subjects.is_empty() {
        acc.add(Code::RdpCredsExposed, Some(Mode::Standard), subjects);
    }
}

/// A mode earlier in Microsoft's order is kept when it serves at least this share of the pairs the best mode
/// serves.
const NEAR_BEST_PERCENT: u64 = 95;

/// The order in which modes are considered for a path.
fn preference(p: &AccessPath) -> &'static [Mode] {
    match p.purpose {
        Purpose::Helpdesk => &[
            Mode::RestrictedAdmin,
            Mode::RemoteGuard,
            Mode::PreferRemoteGuard,
            Mode::Standard,
        ],
        // Restricted Admin sessions run as the host's account: only Remote Credential Guard hops onward.
        Purpose::Admin if !p.hops.is_empty() => &[Mode::RemoteGuard, Mode::Standard],
        Purpose::Admin => &[
            Mode::RemoteGuard,
            Mode::PreferRemoteGuard,
            Mode::RestrictedAdmin,
            Mode::Standard,
        ],
    }
}

fn mode_findings<'a>(
    pe: &'a PathEvaluation,
    findings: &'a [Finding],
    mode: Mode,
    sev: Severity,
) -> impl Iterator<Item = &'a Finding> + 'a {
    pe.modes[mode.index()]
        .findings
        .iter()
        .map(|i| &findings[*i as usize])
        .filter(move |f| f.severity == sev)
}

fn listing<'a>(fs: impl Iterator<Item = &'a Finding>) -> String {
    fs.map(|f| format!("{} ({})", f.code, f.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The recommended mode of a path and one sentence per reason.
pub(super) fn recommend(
    p: &AccessPath,
    pe: &PathEvaluation,
    pairs: &PathPairs,
    findings: &[Finding],
) -> (Option<Mode>, Vec<String>) {
    let mut why = Vec::new();
    let order = preference(p);
    let blocked = |m: Mode| pe.modes[m.index()].verdict.0 == Verdict::Block;
    // "Restrict Credential Delegation" that falls back on every connection is Restricted Admin by another name.
    let rcg_somewhere = || {
        mode_findings(pe, findings, Mode::PreferRemoteGuard, Severity::Info)
            .any(|f| f.code == Code::RcgSessionExposure)
    };
    // The pairs a mode serves; a path without pairs is served by a mode that nothing blocks.
    let served = |m: Mode| {
        if pairs.pairs == 0 {
            u64::from(!blocked(m))
        } else {
            pairs.pairs - pairs.blocked[m.index()]
        }
    };
    let usable = |m: Mode| served(m) > 0 && (m != Mode::PreferRemoteGuard || rcg_somewhere());
    // Microsoft's order rules unless a later protective mode serves clearly more pairs: the first mode of the
    // order that serves at least 95% of what the best one serves, one that nothing blocks before the others. Standard only when no protective mode serves
    // any pair and nothing blocks it.
    let protective = || order.iter().copied().filter(|m| *m != Mode::Standard);
    let best = protective()
        .filter(|m| usable(*m))
        .map(served)
        .max()
        .unwrap_or(0);
    // A mode nothing blocks needs no exception: it goes first among those near the best.
    let near = |m: Mode| usable(m) && served(m) * 100 >= best * NEAR_BEST_PERCENT;
    let mut pick = protective()
        .find(|m| near(*m) && !blocked(*m))
        .or_else(|| protective().find(|m| near(*m)));
    if pick.is_none() && order.contains(&Mode::Standard) && !blocked(Mode::Standard) {
        pick = Some(Mode::Standard);
    }
    for &m in order.iter().take_while(|m| Some(**m) != pick) {
        if blocked(m) && (served(m) == 0 || m == Mode::Standard) {
            why.push(format!(
                "{m} is blocked: {}.",
                listing(mode_findings(pe, findings, m, Severity::Block))
            ));
        } else if !usable(m) {
            why.push(format!(
                "{m} would use Restricted Admin on every connection of this path (Remote Credential Guard is \
                 blocked for each of them)."
            ));
        } else {
            why.push(format!(
                "{m} serves fewer pairs ({} of {}).",
                super::thousands(served(m) as usize),
                super::thousands(pairs.pairs as usize)
            ));
        }
    }
    let Some(mode) = pick else {
        why.push("Every mode is blocked on this path: clear the blocks above first.".into());
        return (None, why);
    };
    let hops = !p.hops.is_empty();
    let sentence = match (p.purpose, mode) {
        (Purpose::Helpdesk, Mode::RestrictedAdmin) => {
            "restricted-admin: Microsoft recommends Restricted Admin (mstsc.exe /restrictedAdmin) for helpdesk \
             support, so that neither credentials nor the helpdesk user's identity reach a compromised target; \
             pair it with LAPS so the local administrator password is not shared."
        }
        (Purpose::Helpdesk, Mode::RemoteGuard | Mode::PreferRemoteGuard) => {
            "Remote Credential Guard is the best mode left for this helpdesk path, against Microsoft's advice \
             (RCG-HELPDESK): a compromised target can act as the helpdesk user for hours after disconnect."
        }
        (Purpose::Admin, Mode::RemoteGuard) if hops => {
            "remote-guard: the path hops onward, and only Remote Credential Guard lets the session connect \
             onward as the user without sending credentials (Restricted Admin runs as the host's account)."
        }
        (Purpose::Admin, Mode::RemoteGuard) if pairs.blocked[Mode::RemoteGuard.index()] > 0 => {
            "remote-guard: Remote Credential Guard serves the most pairs; credentials stay on the client and \
             Kerberos requests are redirected to it, and the session keeps the user's network identity."
        }
        (Purpose::Admin, Mode::RemoteGuard) => {
            "remote-guard: nothing blocks Remote Credential Guard; credentials stay on the client and Kerberos \
             requests are redirected to it, and the session keeps the user's network identity."
        }
        (Purpose::Admin, Mode::PreferRemoteGuard) => {
            "prefer-remote-guard (\"Restrict Credential Delegation\"): Remote Credential Guard where it works, \
             Restricted Admin on the rest (see POL-FALLBACK)."
        }
        (Purpose::Admin, Mode::RestrictedAdmin) => {
            "restricted-admin: credentials never reach the target, but sessions act on the network as the \
             target's computer account."
        }
        (_, Mode::Standard) => {
            "standard: no protected mode works on this path yet; credentials keep reaching the target until the \
             blocks above are cleared."
        }
    };
    why.push(sentence.to_string());
    let left = pairs.blocked[mode.index()];
    if left > 0 {
        why.push(format!(
            "{mode} serves {} of {} (user, target) pairs ({}%); the rest become exceptions that keep their \
             current mode until their blockers are fixed: {}.",
            super::thousands((pairs.pairs - left) as usize),
            super::thousands(pairs.pairs as usize),
            pairs.served_percent(mode),
            listing(mode_findings(pe, findings, mode, Severity::Block))
        ));
    }
    let actions: Vec<&Finding> = mode_findings(pe, findings, mode, Severity::Action).collect();
    if !actions.is_empty() {
        why.push(format!(
            "Before enforcing it, the plan must perform: {}.",
            listing(actions.into_iter())
        ));
    }
    if p.purpose == Purpose::Helpdesk
        && mode == Mode::RestrictedAdmin
        && let Some(f) =
            mode_findings(pe, findings, mode, Severity::Warn).find(|f| f.code == Code::RaNoLaps)
    {
        why.push(format!("Deploy LAPS first: {}.", f.message));
    }
    (Some(mode), why)
}

/// The client policy a chosen mode sets when it is enforced by policy (`None` for none).
fn policy_of(c: Choice) -> Option<ClientPolicy> {
    match (c.mode, c.enforce) {
        (Mode::Standard, _) => None,
        (Mode::RemoteGuard, Enforcement::Policy) => Some(ClientPolicy::RequireRemoteGuard),
        (Mode::RestrictedAdmin, Enforcement::Policy) => Some(ClientPolicy::RequireRestrictedAdmin),
        (Mode::RemoteGuard | Mode::RestrictedAdmin, Enforcement::Switch) => None,
        // There is no per-connection switch for "prefer": it is always the client policy.
        (Mode::PreferRemoteGuard, _) => Some(ClientPolicy::RestrictCredentialDelegation),
    }
}

/// Whether a path whose mode does not set the policy still works under the policy `pol` of its client.
fn compatible(mode: Mode, pol: ClientPolicy) -> bool {
    match (mode, pol) {
        (_, ClientPolicy::None) => true,
        // Any "Restrict delegation" policy stops plain RDP from delegating credentials.
        (Mode::Standard, _) => false,
        (Mode::RemoteGuard, ClientPolicy::RequireRestrictedAdmin) => false,
        (Mode::RestrictedAdmin, ClientPolicy::RequireRemoteGuard) => false,
        _ => true,
    }
}

fn policy_name(pol: ClientPolicy) -> &'static str {
    match pol {
        ClientPolicy::None => "no policy",
        ClientPolicy::RequireRestrictedAdmin => "\"Require Restricted Admin\"",
        ClientPolicy::RequireRemoteGuard => "\"Require Remote Credential Guard\"",
        ClientPolicy::RestrictCredentialDelegation => "\"Restrict Credential Delegation\"",
    }
}

/// Clients grouped by what the choice rules see of them: the paths leaving them and their current policy.
/// Every client of a class is judged alike, so the rules run once per class, not once per client.
#[derive(Debug, Clone, Default)]
pub struct ChoiceIndex {
    classes: Vec<ClientClass>,
    /// Per path (by `PathId`): the classes it leaves from.
    classes_of_path: Vec<Vec<u32>>,
}

#[derive(Debug, Clone)]
struct ClientClass {
    /// The paths leaving these clients, ascending.
    paths: Vec<PathId>,
    /// Their current client policy.
    current: ClientPolicy,
    /// Where it comes from (`None`: not given).
    source: Option<crate::inventory::PolicySource>,
    /// The clients, ascending.
    clients: Vec<HostId>,
}

impl ChoiceIndex {
    /// Indexes the clients of every path of `inv`; build it once per inventory.
    pub fn new(inv: &Inventory) -> Self {
        let mut by_client: Vec<Vec<PathId>> = vec![Vec::new(); inv.hosts.len()];
        for (pid, p) in inv.paths.iter().enumerate() {
            for &c in &p.from {
                if let Some(list) = by_client.get_mut(c as usize)
                    && list.last() != Some(&(pid as PathId))
                {
                    list.push(pid as PathId);
                }
            }
        }
        type Key = (
            Vec<PathId>,
            ClientPolicy,
            Option<crate::inventory::PolicySource>,
        );
        let mut index: HashMap<Key, u32> = HashMap::new();
        let mut classes: Vec<ClientClass> = Vec::new();
        for (c, paths) in by_client.into_iter().enumerate() {
            if paths.is_empty() {
                continue;
            }
            let current = inv.hosts[c].client_policy;
            let source = inv.hosts[c].client_policy_source;
            let key = (paths, current, source);
            let k = match index.get(&key) {
                Some(k) => *k,
                None => {
                    let k = classes.len() as u32;
                    classes.push(ClientClass {
                        paths: key.0.clone(),
                        current,
                        source,
                        clients: Vec::new(),
                    });
                    index.insert(key, k);
                    k
                }
            };
            classes[k as usize].clients.push(c as HostId);
        }
        let mut classes_of_path = vec![Vec::new(); inv.paths.len()];
        for (k, class) in classes.iter().enumerate() {
            for &pid in &class.paths {
                classes_of_path[pid as usize].push(k as u32);
            }
        }
        ChoiceIndex {
            classes,
            classes_of_path,
        }
    }

    /// The paths whose choice findings may change when the choice of `path` changes: those sharing a client
    /// with it (`path` included), ascending.
    pub fn affected_paths(&self, path: PathId) -> Vec<PathId> {
        let mut out: Vec<PathId> = self
            .classes_of_path
            .get(path as usize)
            .into_iter()
            .flatten()
            .flat_map(|k| self.classes[*k as usize].paths.iter().copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The findings of [`evaluate_choices`](super::evaluate_choices) about every path.
    pub fn evaluate(&self, inv: &Inventory, choices: &[Choice]) -> Vec<Finding> {
        self.judge(inv, choices, 0..self.classes.len() as u32, |_| true)
    }

    /// The findings of [`evaluate_choices`](super::evaluate_choices) whose path is one of `paths`, exactly
    /// as the full evaluation gives them; only the clients of those paths are judged. After the choice of
    /// path `p` changes, replace the findings of `affected_paths(p)` by `evaluate_paths(.., &affected)`.
    pub fn evaluate_paths(
        &self,
        inv: &Inventory,
        choices: &[Choice],
        paths: &[PathId],
    ) -> Vec<Finding> {
        let mut wanted = vec![false; self.classes_of_path.len()];
        let mut classes: Vec<u32> = Vec::new();
        for &p in paths {
            if let Some(ks) = self.classes_of_path.get(p as usize) {
                wanted[p as usize] = true;
                classes.extend(ks);
            }
        }
        classes.sort_unstable();
        classes.dedup();
        self.judge(inv, choices, classes.into_iter(), |p| wanted[p as usize])
    }

    fn judge(
        &self,
        inv: &Inventory,
        choices: &[Choice],
        classes: impl Iterator<Item = u32>,
        wanted: impl Fn(PathId) -> bool,
    ) -> Vec<Finding> {
        let mut per_path: BTreeMap<PathId, Acc> = BTreeMap::new();
        for k in classes {
            let class = &self.classes[k as usize];
            judge_class(inv, choices, class, &wanted, &mut per_path);
        }
        let mut out = Vec::new();
        for (pid, a) in per_path {
            a.finish(inv, Some(pid), &mut out, &mut HashMap::new());
        }
        out
    }
}

/// POL-CLIENT-CONFLICT and POL-RA-IGNORED on the chosen modes, for the clients of one class.
fn judge_class(
    inv: &Inventory,
    choices: &[Choice],
    class: &ClientClass,
    wanted: &impl Fn(PathId) -> bool,
    per_path: &mut BTreeMap<PathId, Acc>,
) {
    let choice_of = |pid: PathId| choices.get(pid as usize).copied();
    let pids: Vec<PathId> = class
        .paths
        .iter()
        .copied()
        .filter(|p| choice_of(*p).is_some())
        .collect();
    if pids.is_empty() {
        return;
    }
    let hosts = || class.clients.iter().map(|c| Subject::Host(*c));
    fn entry<'m>(
        per_path: &'m mut BTreeMap<PathId, Acc>,
        wanted: &impl Fn(PathId) -> bool,
        pid: PathId,
    ) -> Option<&'m mut Acc> {
        wanted(pid).then(|| per_path.entry(pid).or_default())
    }
    // The policies the plan sets on these computers, by the paths that set them.
    let mut set: BTreeMap<ClientPolicy, Vec<PathId>> = BTreeMap::new();
    for &pid in &pids {
        if let Some(pol) = choice_of(pid).and_then(policy_of) {
            set.entry(pol).or_default().push(pid);
        }
    }
    // Without a policy from the plan, the computer keeps its current one.
    let current = class.current;
    let effective: Vec<ClientPolicy> = if set.is_empty() {
        if current == ClientPolicy::None {
            vec![]
        } else {
            vec![current]
        }
    } else {
        set.keys().copied().collect()
    };
    let mut conflicting: BTreeSet<PathId> = BTreeSet::new();
    let mut why: Vec<String> = Vec::new();
    if set.len() > 1 {
        for (pol, ps) in &set {
            conflicting.extend(ps);
            // By name, not by position in the file: the message must not depend on the order of entries.
            let mut names: Vec<&str> = ps
                .iter()
                .map(|p| inv.paths[*p as usize].name.as_str())
                .collect();
            names.sort_unstable();
            why.push(format!("{} for {}", policy_name(*pol), names.join(", ")));
        }
    }
    for &pid in &pids {
        let Some(choice) = choice_of(pid) else {
            continue;
        };
        if policy_of(choice).is_some() {
            continue;
        }
        for &pol in &effective {
            if !compatible(choice.mode, pol) {
                conflicting.insert(pid);
                // The client's own policy: where it comes from says where to change it.
                let source = if set.is_empty() {
                    match class.source {
                        Some(crate::inventory::PolicySource::Gpo) => {
                            "the current policy, from a GPO"
                        }
                        Some(crate::inventory::PolicySource::Intune) => {
                            "the current policy, from an Intune profile"
                        }
                        Some(crate::inventory::PolicySource::Local) => {
                            "the current policy, set locally"
                        }
                        None => "the current policy; client_policy_source not given",
                    }
                } else {
                    "the plan"
                };
                why.push(format!(
                    "{} ({source}) overrides {} of {}",
                    policy_name(pol),
                    choice.mode,
                    inv.paths[pid as usize].name
                ));
            }
        }
        // MS-RCG-2023: "When Restrict Credential Delegation is enabled, the /restrictedAdmin switch will be
        // ignored": whatever the path's purpose.
        if choice.mode == Mode::RestrictedAdmin
            && effective.contains(&ClientPolicy::RestrictCredentialDelegation)
            && let Some(a) = entry(per_path, wanted, pid)
        {
            a.add(Code::PolRaIgnored, Some(choice.mode), hosts());
            a.add(Code::PolRaIgnored, Some(choice.mode), [Subject::Path(pid)]);
        }
    }
    // Any "Restrict delegation" policy the plan sets stops these computers from connecting to Entra joined
    // devices (MS-2024-ENTRA: turn Remote Credential Guard off on the connecting device).
    if !set.is_empty() {
        for &pid in &pids {
            let p = &inv.paths[pid as usize];
            let mut entra: Vec<&str> =
                p.to.iter()
                    .map(|t| &inv.hosts[*t as usize])
                    .filter(|h| h.join == JoinType::Entra)
                    .map(|h| h.name.as_str())
                    .collect();
            entra.sort_unstable();
            let (Some(choice), false) = (choice_of(pid), entra.is_empty()) else {
                continue;
            };
            if let Some(a) = entry(per_path, wanted, pid) {
                let mode = Some(choice.mode);
                a.add(Code::PolEntraTarget, mode, hosts());
                a.add(Code::PolEntraTarget, mode, [Subject::Path(pid)]);
                let detail = match entra.as_slice() {
                    [one] => (*one).to_string(),
                    [a, b] => format!("{a}, {b}"),
                    [a, b, c] => format!("{a}, {b}, {c}"),
                    many => format!("{} targets", super::thousands(many.len())),
                };
                a.detail(Code::PolEntraTarget, mode, detail);
            }
        }
    }
    // Windows 8.1 and Server 2012 R2 enforce Restricted Admin whatever the type (MS-CSP).
    let legacy: Vec<HostId> = class
        .clients
        .iter()
        .copied()
        .filter(|c| {
            matches!(
                inv.hosts[*c as usize].os.family,
                OsFamily::Windows81 | OsFamily::Server2012R2
            )
        })
        .collect();
    if !legacy.is_empty()
        && (set.contains_key(&ClientPolicy::RequireRemoteGuard)
            || set.contains_key(&ClientPolicy::RestrictCredentialDelegation))
    {
        for &pid in &pids {
            if let (Some(choice), Some(a)) = (choice_of(pid), entry(per_path, wanted, pid)) {
                let mode = Some(choice.mode);
                a.add(
                    Code::PolLegacyClient,
                    mode,
                    legacy.iter().map(|c| Subject::Host(*c)),
                );
                a.add(Code::PolLegacyClient, mode, [Subject::Path(pid)]);
            }
        }
    }
    // A path that itself sets "Require Restricted Admin" beside a "Restrict Credential Delegation" path: the
    // computer cannot hold both, and /restrictedAdmin may end up ignored.
    if let Some(ps) = set.get(&ClientPolicy::RequireRestrictedAdmin)
        && set.contains_key(&ClientPolicy::RestrictCredentialDelegation)
    {
        for &pid in ps {
            if let Some(a) = entry(per_path, wanted, pid) {
                let ra = Some(Mode::RestrictedAdmin);
                a.add(Code::PolRaIgnored, ra, hosts());
                a.add(Code::PolRaIgnored, ra, [Subject::Path(pid)]);
            }
        }
    }
    for &pid in &conflicting {
        let (Some(choice), Some(a)) = (choice_of(pid), entry(per_path, wanted, pid)) else {
            continue;
        };
        let mode = Some(choice.mode);
        a.add(Code::PolClientConflict, mode, hosts());
        a.add(
            Code::PolClientConflict,
            mode,
            conflicting.iter().map(|p| Subject::Path(*p)),
        );
        for w in &why {
            a.detail(Code::PolClientConflict, mode, w.clone());
        }
    }
}
