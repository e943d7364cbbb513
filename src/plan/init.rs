//! A starting plan from the recommendations: the usual stages, members as selectors, one decision per path.

use std::collections::{BTreeMap, BTreeSet};

use crate::finding::{Mode, Severity, Subject, Verdict};
use crate::inventory::{AccountKind, HostRole, Inventory, JoinType, Purpose};
use crate::inventory::{PathId, UserId};
use crate::rules::{Choice, Evaluation};

use super::io::fingerprint;
use super::model::*;

/// The note of a path left on standard because every mode is blocked; choosing a mode removes it.
pub const ALL_BLOCKED_NOTE: &str =
    "every mode is blocked on this path: it stays on standard until the blockers are fixed";

impl Plan {
    /// A sensible starting plan for an inventory: prerequisites, remediation (when a script can fix a block),
    /// enable targets, pilot clients (PAW admin
    /// paths), helpdesk, broad rollout, Protected Users enrollment, then enforcement of the client policy.
    /// Paths take the recommended mode, or `standard` with a note when every mode is blocked.
    pub fn init(inv: &Inventory, eval: &Evaluation) -> Plan {
        let mut decisions = Vec::with_capacity(inv.paths.len());
        for (p, path) in inv.paths.iter().enumerate() {
            let pe = eval.paths.get(p);
            let (mode, note) = match pe.and_then(|e| e.recommended) {
                Some(m) => (m, String::new()),
                None if pe
                    .is_some_and(|e| e.modes.iter().any(|m| m.verdict.0 == Verdict::Block)) =>
                {
                    (Mode::Standard, ALL_BLOCKED_NOTE.into())
                }
                None => (Mode::Standard, String::new()),
            };
            let mut d = Decision::new(path.name.clone(), mode, Enforcement::Policy);
            d.note = note;
            // The pairs the mode blocks stay behind as a named exception with its remediation.
            let pid = p as PathId;
            if let Some(r) = super::exceptions::propose(inv, eval, pid, mode) {
                let codes = super::exceptions::blocking_codes(eval, pid, mode);
                d.exceptions
                    .push(super::exceptions::to_exception(inv, pid, &r, &codes));
            }
            decisions.push(d);
        }
        use_switches_where_policies_conflict(inv, &mut decisions);
        // A client policy requires the mode on every connection of the computer, excepted users and targets
        // included: a path with such exceptions uses the per-connection switch where there is one.
        for d in &mut decisions {
            let narrowed = d
                .exceptions
                .iter()
                .any(|e| !e.users.is_empty() || !e.targets.is_empty());
            if narrowed && matches!(d.mode, Mode::RemoteGuard | Mode::RestrictedAdmin) {
                d.enforce = Enforcement::Switch;
            }
        }
        let protected = |p: usize| decisions[p].mode != Mode::Standard;

        let mut targets = BTreeSet::new();
        let mut enforce_clients = BTreeSet::new();
        let mut pilot = BTreeSet::new();
        let mut helpdesk = BTreeSet::new();
        let sel = inv.selectors();
        for (p, path) in inv.paths.iter().enumerate() {
            if !protected(p) {
                continue;
            }
            // Targets and clients the decision leaves out are not prepared for its mode: a path selector whose
            // hosts on the path are all excepted stays out of the stages.
            let ex = super::exceptions::resolve_list(inv, p as PathId, &decisions[p].exceptions);
            let taken = |pick: fn(&super::exceptions::Resolved) -> &Vec<u32>| {
                let mut v: Vec<u32> = ex.iter().flat_map(|e| pick(e).iter().copied()).collect();
                v.sort_unstable();
                v.dedup();
                v
            };
            let (ex_to, ex_from) = (taken(|e| &e.targets), taken(|e| &e.clients));
            let left_out = |s: &String, on: &[u32], ex: &[u32]| {
                !ex.is_empty()
                    && sel.hosts_among(s, on).is_ok_and(|ids| {
                        !ids.is_empty() && ids.iter().all(|i| ex.binary_search(i).is_ok())
                    })
            };
            targets.extend(
                (path.selectors.to.iter())
                    .filter(|s| !left_out(s, &path.to, &ex_to))
                    .cloned(),
            );
            enforce_clients.extend(
                (path.selectors.from.iter())
                    .filter(|s| !left_out(s, &path.from, &ex_from))
                    .cloned(),
            );
            let from_paws = !path.from.is_empty()
                && path
                    .from
                    .iter()
                    .all(|h| inv.hosts[*h as usize].roles.contains(&HostRole::Paw));
            match path.purpose {
                Purpose::Helpdesk => {
                    helpdesk.insert(path.name.clone());
                }
                Purpose::Admin if from_paws => {
                    pilot.insert(path.name.clone());
                }
                Purpose::Admin => {}
            }
        }

        // Privileged people with AES keys who are not yet protected; the others stay out (the assessment
        // would block them) and are listed in the prerequisites.
        let mut enroll = BTreeSet::new();
        let mut no_aes = 0usize;
        let mut eligible_all = true;
        // The built-in Administrator (RID 500) is exempt from authentication policies (MS-PU-2025): enrolling it
        // would not protect it as the plan assumes (PU-BUILTIN-ADMIN), so it stays out.
        let mut builtin = Vec::new();
        for (u, user) in inv.users.iter().enumerate() {
            // A disabled account signs in nowhere: the plan has nothing to enroll it for.
            if !user.is_privileged() || user.protected_users || !user.enabled {
                continue;
            }
            if user.builtin_admin {
                builtin.push(inv.user_label(u as u32));
                eligible_all = false;
                continue;
            }
            if user.kind == AccountKind::Person && user.has_aes() && user.aes_keys {
                enroll.insert(format!("user:{}", inv.user_label(u as u32)));
            } else {
                eligible_all = false;
                no_aes += usize::from(user.kind == AccountKind::Person);
            }
        }
        // Keep one break-glass account of each Domain Admins / Enterprise Admins out (PU-BREAKGLASS): the first
        // by name among the members the plan would enroll, when it would enroll all that are left outside.
        let mut kept_out = BTreeSet::new();
        for (_, members) in crate::rules::tier0_groups(inv) {
            let outside: Vec<String> = members
                .iter()
                .map(|u| format!("user:{}", inv.user_label(*u)))
                .collect();
            if !outside.is_empty()
                && outside.iter().all(|u| enroll.contains(u))
                && let Some(first) = outside.iter().min()
            {
                enroll.remove(first);
                kept_out.insert(first.clone());
                eligible_all = false;
            }
        }
        let users: Vec<String> = if eligible_all && !enroll.is_empty() {
            let mut roles = BTreeSet::new();
            for u in &inv.users {
                if !u.protected_users {
                    roles.extend(u.roles.iter().copied());
                }
            }
            roles
                .into_iter()
                .map(|r| match r {
                    crate::inventory::UserRole::Admin => "role:admin".to_string(),
                    crate::inventory::UserRole::Helpdesk => "role:helpdesk".to_string(),
                })
                .collect()
        } else {
            enroll.into_iter().collect()
        };

        let blocks = eval
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Block && f.path.is_none())
            .count();
        let no_laps = inv
            .paths
            .iter()
            .enumerate()
            .filter(|(p, _)| {
                matches!(
                    decisions[*p].mode,
                    Mode::RestrictedAdmin | Mode::PreferRemoteGuard
                )
            })
            .flat_map(|(_, path)| path.to.iter().copied())
            .filter(|t| !inv.hosts[*t as usize].laps)
            .collect::<BTreeSet<_>>()
            .len();
        let mut prereq = vec!["Fix what blocks the rollout before any change".to_string()];
        if blocks > 0 {
            prereq.push(format!("{blocks} estate-wide blocking finding(s)"));
        }
        if no_aes > 0 {
            prereq.push(format!(
                "{no_aes} privileged account(s) without AES keys: reset their passwords so they get AES keys"
            ));
        }
        if !kept_out.is_empty() {
            let names: Vec<&str> = kept_out
                .iter()
                .map(|s| s.trim_start_matches("user:"))
                .collect();
            prereq.push(format!(
                "break-glass account(s) kept out of Protected Users: {}",
                names.join(", ")
            ));
        }
        if !builtin.is_empty() {
            prereq.push(format!(
                "built-in Administrator(s) kept out of Protected Users, which does not protect them: {}",
                builtin.join(", ")
            ));
        }
        if no_laps > 0 {
            prereq.push(format!(
                "{no_laps} Restricted Admin target(s) without LAPS: deploy LAPS"
            ));
        }

        let mut stages = vec![
            Stage::new("prerequisites", prereq.join("; ")),
            Stage::new(
                "enable-targets",
                "Targets allow Restricted Admin and Remote Credential Guard (DisableRestrictedAdmin = 0) and delegation of non-exportable credentials (AllowProtectedCreds = 1), which both modes require",
            ),
            Stage::new(
                "pilot-clients",
                "Administrators on privileged access workstations connect with mstsc.exe /remoteGuard or /restrictedAdmin",
            ),
            Stage::new(
                "helpdesk",
                "Helpdesk paths connect with their chosen mode (Restricted Admin is Microsoft's advice for helpdesk)",
            ),
            Stage::new(
                "broad-rollout",
                "Every remaining path connects with its chosen mode",
            ),
            Stage::new(
                "protected-users",
                "Privileged accounts join Protected Users; watch the ProtectedUser event logs",
            ),
            Stage::new(
                "enforce",
                "Client devices enforce \"Restrict delegation of credentials to remote servers\" (gpupdate /force)",
            ),
        ];
        stages[1].hosts = targets.into_iter().collect();
        stages[2].paths = pilot.into_iter().collect();
        stages[3].paths = helpdesk.into_iter().collect();
        if inv.paths.iter().enumerate().any(|(p, _)| protected(p)) {
            stages[4].paths = vec!["*".into()];
        }
        stages[5].users = users;
        stages[6].clients = enforce_clients.into_iter().collect();
        // Blocks a script can fix are fixed first, in their own stage; only when there is something to fix.
        if !super::remediation::actions(inv, &eval.findings).is_empty() {
            stages.insert(
                1,
                Stage::new(super::remediation::STAGE, super::remediation::DESCRIPTION),
            );
        }

        let mut plan = Plan {
            version: 1,
            inventory: InventoryRef {
                path: inv.source.name.clone(),
                fingerprint: fingerprint(inv),
            },
            stages,
            decisions,
            waivers: Vec::new(),
            origin: Origin::default(),
        };
        plan.normalize();
        plan
    }
}

/// The client policy is per computer: where the modes of the paths leaving one client would need different
/// "Require ..." policies (or one would override a standard path), the paths with a per-connection switch (`/remoteGuard`, `/restrictedAdmin`) use it,
/// so the starting plan does not raise POL-CLIENT-CONFLICT by itself.
fn use_switches_where_policies_conflict(inv: &Inventory, decisions: &mut [Decision]) {
    let choices: Vec<Choice> = decisions
        .iter()
        .map(|d| Choice {
            mode: d.mode,
            enforce: d.enforce,
        })
        .collect();
    let mut paths_from: Vec<Vec<PathId>> = vec![Vec::new(); inv.hosts.len()];
    for (p, path) in inv.paths.iter().enumerate() {
        for c in &path.from {
            paths_from[*c as usize].push(p as PathId);
        }
    }
    let mut switch = vec![false; decisions.len()];
    for paths in &paths_from {
        // A standard path is overridden by any "Require ..." policy on its client, so it conflicts too.
        let standard_here = paths
            .iter()
            .any(|p| choices[*p as usize].mode == Mode::Standard);
        // Nor may a client that connects to Microsoft Entra joined devices carry the policy (POL-ENTRA-TARGET).
        let entra_here = paths.iter().any(|p| {
            inv.paths[*p as usize]
                .to
                .iter()
                .any(|t| inv.hosts[*t as usize].join == JoinType::Entra)
        });
        let conflict = match super::actions::client_policy_needed(paths, &choices) {
            Err(_) => true,
            Ok(Some(_)) => standard_here || entra_here,
            Ok(None) => false,
        };
        if conflict {
            for p in paths {
                switch[*p as usize] = true;
            }
        }
    }
    for (d, switch) in decisions.iter_mut().zip(switch) {
        if switch && matches!(d.mode, Mode::RemoteGuard | Mode::RestrictedAdmin) {
            d.enforce = Enforcement::Switch;
        }
    }
}

/// Keeps out of Protected Users the accounts whose enrollment would block one of their paths (PU-NTLM: a
/// workgroup target or no domain controller in sight; PU-DELEGATION: the path relies on Kerberos delegation):
/// Microsoft's advice is to test before adding accounts, and such an account would lose its access the day it
/// is enrolled. The stage then names the accounts it enrolls, and its description says who waits and why.
pub fn keep_blocked_accounts_out(ws: &mut super::Workspace) {
    let mut waiting: BTreeMap<usize, (BTreeSet<UserId>, BTreeSet<&'static str>)> = BTreeMap::new();
    for a in ws.assessment().items.iter().filter(|a| a.blocks()) {
        let f = ws.finding(a.finding);
        if !f.code.as_str().starts_with("PU-") {
            continue;
        }
        for s in f.subjects.iter().filter_map(|s| match s {
            Subject::Stage(s) => Some(*s),
            _ => None,
        }) {
            let entry = waiting.entry(s as usize).or_default();
            entry.0.extend(f.subjects.iter().filter_map(|x| match x {
                Subject::User(u) if ws.membership().user.get(*u as usize) == Some(&Some(s)) => {
                    Some(*u)
                }
                _ => None,
            }));
            entry.1.insert(f.code.as_str());
        }
    }
    for (s, (users, codes)) in waiting {
        if users.is_empty() {
            continue;
        }
        let inv = &ws.inventory;
        let mut enrolled: Vec<String> = (ws.membership().user.iter().enumerate())
            .filter(|(u, st)| **st == Some(s as u32) && !users.contains(&(*u as UserId)))
            .filter(|(u, _)| !inv.users[*u].protected_users)
            .map(|(u, _)| format!("user:{}", inv.user_label(u as UserId)))
            .collect();
        enrolled.sort();
        let codes: Vec<&str> = codes.into_iter().collect();
        let note = format!(
            "{} kept out until their paths no longer need what Protected Users refuses ({})",
            crate::report::plural(users.len(), "account"),
            codes.join(", ")
        );
        ws.set_stage_users(s, enrolled);
        if let Some(st) = ws.plan.stages.get_mut(s) {
            st.description = if st.description.is_empty() {
                note
            } else {
                format!("{}; {note}", st.description)
            };
        }
    }
}

/// Orders the stages so that no stage creates a finding that a later stage removes: a path whose stage would
/// raise one (a helpdesk path switched to `/restrictedAdmin` while its console still has "Restrict Credential
/// Delegation", which a later stage changes) waits for the stage that removes it. A path that cannot wait (it is
/// selected by a pattern, not by name) gets a note on its decision that says so, so the plan explains it.
pub fn wait_for_later_fixes(ws: &mut super::Workspace) {
    let mut noted: BTreeSet<PathId> = BTreeSet::new();
    // Each move puts a path in a later stage, so this ends; the bound guards against a plan that cycles.
    for _ in 0..=ws.plan.stages.len() * ws.inventory.paths.len() {
        let Some((p, first, until, code)) = ws.assessment().items.iter().find_map(|a| {
            let f = ws.finding(a.finding);
            let p = f.path.filter(|p| !noted.contains(p))?;
            Some((p, a.first?, a.until?, f.code))
        }) else {
            return;
        };
        let name = ws.inventory.paths[p as usize].name.clone();
        let named = (ws.plan.stages.get(first)).is_some_and(|s| s.paths.contains(&name));
        let to = until + 1;
        if named && to < ws.plan.stages.len() {
            let wait = super::Edit::MoveMember {
                from: first,
                to,
                kind: MemberKind::Path,
                selector: name.clone(),
            };
            if ws.apply(wait).is_ok() {
                continue;
            }
        }
        let stage = |s: usize| ws.plan.stages.get(s).map_or("", |s| s.name.as_str());
        let note = format!(
            "{code} holds from stage `{}` until stage `{}` removes it",
            stage(first),
            stage(to)
        );
        if let Some(d) = ws.plan.decisions.iter_mut().find(|d| d.path == name) {
            d.note = if d.note.is_empty() {
                note
            } else {
                format!("{}; {note}", d.note)
            };
        }
        noted.insert(p);
    }
}
