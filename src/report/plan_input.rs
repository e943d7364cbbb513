//! The plan side of a report, read from a [`Workspace`]: what `check --plan`, `export` and the planner's
//! exports all show, computed in one place.

use std::collections::BTreeMap;

use super::{PlanInput, Report, ReportStage, ReportWaiver};
use crate::finding::{Finding, Severity};
use crate::inventory::{Inventory, PathId};
use crate::plan::actions::{Action, StageMembers};
use crate::plan::{FindingRef, Workspace};

/// The report of a workspace's plan: `plan_uri` and `inventory_uri` name the files for locations.
pub fn plan_report(
    ws: &Workspace,
    plan_uri: String,
    inventory_uri: &str,
    deny: Severity,
) -> Report {
    let input = plan_input(ws, plan_uri);
    Report::build_with_plan(&ws.inventory, inventory_uri, &ws.evaluation, input, deny)
}

/// What the plan makes of the findings, for the report.
pub fn plan_input(ws: &Workspace, uri: String) -> PlanInput {
    let inv = &ws.inventory;
    let eval = &ws.evaluation;
    let a = ws.assessment();
    let n_eval = eval.findings.len();
    // The plan's own findings after the evaluation's: cross-path ones, stage order, enrollment, interim.
    let mut findings: Vec<Finding> = a.cross.clone();
    let mut order_index = vec![None; inv.paths.len()];
    for (p, f) in a.order.iter().enumerate() {
        if let Some(f) = f {
            order_index[p] = Some(n_eval + findings.len());
            findings.push(f.clone());
        }
    }
    let enrollment_offset = n_eval + findings.len();
    findings.extend(a.enrollment.iter().cloned());
    let interim_offset = n_eval + findings.len();
    findings.extend(a.states.interim.iter().map(|(f, _)| f.clone()));
    let total = n_eval + findings.len();
    let mut applies = vec![false; total];
    let mut waived_by = vec![None; total];
    let mut performed = vec![false; total];
    let mut first = vec![None; total];
    let mut until = vec![None; total];
    for item in &a.items {
        let i = match item.finding {
            FindingRef::Evaluation(i) => i as usize,
            FindingRef::Cross(i) => n_eval + i as usize,
            FindingRef::Order(p) => match order_index.get(p as usize).copied().flatten() {
                Some(i) => i,
                None => continue,
            },
            FindingRef::Enrollment(i) => enrollment_offset + i as usize,
            FindingRef::Interim(i) => interim_offset + i as usize,
        };
        let Some(slot) = applies.get_mut(i) else {
            continue;
        };
        *slot = true;
        waived_by[i] = item.waived_by;
        first[i] = item.first;
        until[i] = item.until;
        // A step the plan performs in time: the finding's stage exists and its path is not out of order.
        let f = a.finding(eval, item.finding);
        performed[i] = item.severity == Severity::Action
            && item.stage.is_some()
            && f.path
                .is_none_or(|p| order_index.get(p as usize).copied().flatten().is_none());
    }
    let members = ws.membership();
    let held = crate::plan::scripts::enrollment_held(ws);
    let stages = ws
        .plan
        .stages
        .iter()
        .enumerate()
        .map(|(s, st)| {
            let m = members.stages.get(s).cloned().unwrap_or_default();
            let gate = a.stages.get(s).cloned().unwrap_or_default();
            let mut stage = changes(inv, ws, &m, &gate.actions);
            // The accounts the stage's script leaves out, as the script says.
            let (mut enrolled, mut kept) = (Vec::new(), Vec::new());
            for (label, u) in stage.users.iter().zip(m_users(&gate.actions)) {
                match crate::plan::scripts::enrollment_hold(inv, &held, u) {
                    Some(why) => kept.push(format!("{label}: {why}")),
                    None => enrolled.push(label.clone()),
                }
            }
            stage.users = enrolled;
            stage.not_enrolled = kept;
            stage.name = st.name.clone();
            stage.description = st.description.clone();
            stage.ready = gate.ready;
            stage.blockers = a
                .items
                .iter()
                .filter(|i| i.stage == Some(s) && i.blocks())
                .count();
            stage.reasons = gate.blockers.clone();
            stage.exposure = ws.exposure(Some(s));
            stage
        })
        .collect();
    let waivers = ws
        .plan
        .waivers
        .iter()
        .map(|w| ReportWaiver {
            code: w.code.clone(),
            scope: w.scope.clone(),
            reason: w.reason.clone(),
            expires: w.expires.map(|d| d.to_string()),
            expired: !w.is_active(ws.today),
            used: 0,
        })
        .collect();
    PlanInput {
        uri,
        text: ws
            .plan
            .origin
            .0
            .as_ref()
            .map(|s| s.file.text.to_string())
            .unwrap_or_default(),
        chosen: (0..inv.paths.len() as PathId)
            .map(|p| Some(ws.choice(p).mode))
            .collect(),
        findings,
        applies,
        performed,
        waived_by,
        first,
        until,
        stages,
        stage_of_path: members.path.iter().map(|s| s.map(|s| s as usize)).collect(),
        waivers,
        exposure: Some((ws.exposure(None), ws.assessment().states.after())),
        exceptions: inv
            .paths
            .iter()
            .map(|p| {
                ws.plan
                    .decision(&p.name)
                    .map(|d| d.exceptions.clone())
                    .unwrap_or_default()
            })
            .collect(),
    }
}

/// The users a stage's actions enroll, in action order.
fn m_users(acts: &[Action]) -> Vec<crate::inventory::UserId> {
    (acts.iter())
        .filter_map(|a| match a {
            Action::EnrollProtectedUser { user } => Some(*user),
            _ => None,
        })
        .collect()
}

/// What a stage changes, read from its actions (as the generated scripts are), and the members it selects that
/// are already in place.
fn changes(inv: &Inventory, ws: &Workspace, m: &StageMembers, acts: &[Action]) -> ReportStage {
    let host_name = |h: u32| inv.hosts.get(h as usize).map(|h| h.name.clone());
    let mut out = ReportStage::default();
    let (mut hosts, mut clients, mut users, mut paths) = (vec![], vec![], vec![], vec![]);
    for act in acts {
        match act {
            Action::EnableTarget { host, .. } => hosts.push(*host),
            Action::ClientPolicy { host, .. } => clients.push(*host),
            Action::Shortcut { path, .. } => paths.push(*path),
            Action::EnrollProtectedUser { user } => users.push(*user),
            Action::WatchProtectedUserEvents => {}
            Action::GrantRemoteDesktop { .. } | Action::LeaveProtectedUsers { .. } => {
                out.remediation
                    .push(crate::plan::actions::describe(inv, act));
            }
        }
    }
    // A path whose chosen mode is put into use by a client policy has no shortcut: it switches all the same.
    for p in &m.paths {
        if ws.choice(*p).mode != crate::finding::Mode::Standard && !paths.contains(p) {
            paths.push(*p);
        }
    }
    paths.sort_unstable();
    let mut domains = BTreeMap::new();
    for h in hosts.iter().chain(&clients) {
        let dom = inv
            .hosts
            .get(*h as usize)
            .and_then(|h| h.domain)
            .and_then(|d| inv.domains.get(d as usize))
            .map_or_else(|| super::markdown::NO_DOMAIN.to_string(), |d| d.dns.clone());
        *domains.entry(dom).or_default() += 1;
    }
    // The members the actions leave out, found by binary search: a stage can hold tens of thousands of hosts.
    let sorted = |v: &[u32]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v
    };
    let (changed_hosts, changed_clients, changed_users) =
        (sorted(&hosts), sorted(&clients), sorted(&users));
    let unchanged = |v: &[u32], x: &u32| v.binary_search(x).is_err();
    let mut in_place: Vec<String> = Vec::new();
    in_place.extend(
        (m.hosts.iter())
            .filter(|h| unchanged(&changed_hosts, h))
            .filter_map(|h| host_name(*h)),
    );
    in_place.extend(
        (m.clients.iter())
            .filter(|h| unchanged(&changed_clients, h))
            .filter_map(|h| host_name(*h).map(|n| format!("{n} (client)"))),
    );
    in_place.extend(
        (m.users.iter())
            .filter(|u| unchanged(&changed_users, u))
            .map(|u| inv.user_label(*u)),
    );
    in_place.extend(
        (m.paths.iter())
            .filter(|p| unchanged(&paths, p))
            .filter_map(|p| inv.paths.get(*p as usize))
            .map(|p| format!("{} (stays standard)", p.name)),
    );
    out.hosts = hosts.into_iter().filter_map(host_name).collect();
    out.clients = clients.into_iter().filter_map(host_name).collect();
    out.users = users.into_iter().map(|u| inv.user_label(u)).collect();
    out.paths = paths
        .into_iter()
        .filter_map(|p| {
            let path = inv.paths.get(p as usize)?;
            Some((path.name.clone(), ws.choice(p).mode))
        })
        .collect();
    out.in_place = in_place;
    out.domains = domains;
    out.carried_by = crate::plan::actions::carriers(inv, acts);
    out
}
