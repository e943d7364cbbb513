//! The plan's own findings and where findings belong: the stage that puts a path into use, the stages a
//! finding spans, staging order, enrollment and break-glass findings.

use crate::finding::{Finding, Mode, Severity, Subject};
use crate::inventory::{AccountKind, HostId, PathId, UserId};
use crate::rules::{self, Code};

use super::*;
use crate::plan::actions;
use crate::plan::model::*;
use crate::plan::stage_state::{StageInputs, mode_in_effect, stage_of_state};

impl Workspace {
    /// The stage in which a path's mode is put into use: its own stage, or the first stage enforcing the policy
    /// on one of its clients.
    pub(super) fn use_stage(&self, p: PathId) -> Option<u32> {
        let c = self.choice(p);
        if c.mode == Mode::Standard {
            return None;
        }
        let own = self.members.path.get(p as usize).copied().flatten();
        let by_policy = if c.enforce == Enforcement::Policy {
            self.inventory.paths[p as usize]
                .from
                .iter()
                .filter_map(|h| self.members.client[*h as usize])
                .min()
        } else {
            None
        };
        match (own, by_policy) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The stage that changes a target a finding is about, for the findings of a target's change (its
    /// registry values, the pass-the-hash exposure and the notice to monitoring that follow): the earliest stage
    /// preparing one of its hosts. A path's stage puts the mode into use; the exposure starts with the change.
    pub(super) fn target_change_stage(&self, f: &Finding) -> Option<usize> {
        if !rules::target_change(f.code) {
            return None;
        }
        self.earliest_host_stage(f)
    }

    /// The earliest stage that prepares one of the hosts a finding names.
    fn earliest_host_stage(&self, f: &Finding) -> Option<usize> {
        f.subjects
            .iter()
            .filter_map(|s| match s {
                Subject::Host(h) => self.members.host.get(*h as usize).copied().flatten(),
                _ => None,
            })
            .min()
            .map(|s| s as usize)
    }

    /// The stage of a finding (see [`Assessed::stage`]).
    pub(super) fn finding_stage(&self, f: &Finding) -> Option<usize> {
        if let Some(s) = self.target_change_stage(f) {
            return Some(s);
        }
        // A client policy conflict surfaces where the policy is enforced on the client.
        if matches!(
            f.code,
            Code::PolClientConflict
                | Code::PolRaIgnored
                | Code::PolEntraTarget
                | Code::PolLegacyClient
        ) {
            let s = f
                .subjects
                .iter()
                .filter_map(|s| match s {
                    Subject::Host(h) => self.members.client.get(*h as usize).copied().flatten(),
                    _ => None,
                })
                .min();
            if s.is_some() {
                return s.map(|s| s as usize);
            }
        }
        let pu = f.code.info().area == rules::catalog::Area::ProtectedUsers;
        if pu {
            let s = f
                .subjects
                .iter()
                .filter_map(|s| match s {
                    Subject::User(u) => self.members.user.get(*u as usize).copied().flatten(),
                    _ => None,
                })
                .min();
            if s.is_some() {
                return s.map(|s| s as usize);
            }
        }
        if let Some(s) = f.subjects.iter().find_map(|s| match s {
            Subject::Stage(s) => Some(*s as usize),
            _ => None,
        }) {
            return Some(s);
        }
        if let Some(p) = f.path {
            return self.use_stage(p).map(|s| s as usize);
        }
        self.earliest_host_stage(f)
    }

    pub(super) fn assess(&self, r: FindingRef, f: &Finding) -> Assessed {
        let (first, until) = self.span(r, f);
        let own = match r {
            FindingRef::Cross(_) | FindingRef::Interim(_) if first.is_some() => first,
            // A rule of one mode about enrolled accounts holds once they are members and the path uses the mode.
            FindingRef::Enrollment(_) if f.mode.is_some() && first.is_some() => first,
            _ => self.finding_stage(f),
        };
        // A block nothing else claims belongs to the stage that must clear it: its path's, else the first.
        let stage = own.or_else(|| {
            (f.severity == Severity::Block && !self.plan.stages.is_empty()).then(|| {
                f.path
                    .and_then(|p| self.members.path.get(p as usize).copied().flatten())
                    .map_or(0, |s| s as usize)
            })
        });
        Assessed {
            finding: r,
            severity: f.severity,
            waived_by: self.waiver_for(f),
            stage,
            first,
            until,
        }
    }

    /// The first and last stage in whose state a finding holds (see [`Assessed::first`]).
    pub(super) fn span(&self, r: FindingRef, f: &Finding) -> (Option<usize>, Option<usize>) {
        let states = &self.assessment.states;
        match r {
            // A path's findings under its chosen mode hold from the stage that puts it into use.
            FindingRef::Evaluation(_) | FindingRef::Order(_) => match (f.path, f.mode) {
                // A target's change holds from the stage that changes it.
                _ if self.target_change_stage(f).is_some() => (self.target_change_stage(f), None),
                (Some(p), Some(m)) if m != Mode::Standard => {
                    (self.use_stage(p).map(|s| s as usize), None)
                }
                _ => (None, None),
            },
            FindingRef::Cross(_) => (states.first_state(f).and_then(stage_of_state), None),
            FindingRef::Enrollment(_) => {
                let s = f.subjects.iter().find_map(|s| match s {
                    Subject::Stage(s) => Some(*s as usize),
                    _ => None,
                });
                match (s, f.path) {
                    (Some(s), Some(p)) => self
                        .enrolled_span(p, s, f.mode)
                        .map_or((Some(s), None), |(a, b)| (Some(a), b)),
                    _ => (s, None),
                }
            }
            FindingRef::Interim(i) => states
                .interim
                .get(i as usize)
                .map_or((None, None), |(_, span)| {
                    (stage_of_state(span.first), stage_of_state(span.last))
                }),
        }
    }

    pub(super) fn stage_inputs(&self) -> StageInputs<'_> {
        StageInputs {
            inv: &self.inventory,
            choices: &self.choices,
            use_stage: (0..self.inventory.paths.len() as PathId)
                .map(|p| self.use_stage(p))
                .collect(),
            members: &self.members,
            actions: self
                .assessment
                .stages
                .iter()
                .map(|g| g.actions.as_slice())
                .collect(),
            choice_index: &self.choice_index,
            exposure_index: &self.exposure_index,
            exceptions: self.excepted.iter().map(|e| e.1.as_slice()).collect(),
        }
    }

    /// The items of the interim findings.
    pub(super) fn interim_items(&self) -> Vec<Assessed> {
        (self.assessment.states.interim.iter().enumerate())
            .map(|(i, (f, _))| self.assess(FindingRef::Interim(i as u32), f))
            .collect()
    }

    /// The staging finding of one path: PLAN-UNSTAGED when it has a mode but no stage puts it into use,
    /// POL-ORDER when it is put into use before every target it needs is prepared.
    pub(super) fn order_finding(&self, p: PathId) -> Option<Finding> {
        let mode = self.choice(p).mode;
        let Some(use_at) = self.use_stage(p) else {
            return (mode != Mode::Standard).then(|| self.unstaged_finding(p, mode));
        };
        let inv = &self.inventory;
        let path = &inv.paths[p as usize];
        let mut late: Vec<HostId> = Vec::new();
        let mut never = 0usize;
        let mut latest_stage = 0u32;
        // Targets the decision leaves out are not prepared for its mode.
        let excepted = self
            .excepted
            .get(p as usize)
            .map_or(&[][..], |e| e.1.as_slice());
        let left_out = |t: &HostId| excepted.iter().any(|e| e.targets.binary_search(t).is_ok());
        for t in path.to.iter().filter(|t| !left_out(t)) {
            let (a, b) = actions::target_needs(inv, *t, mode);
            if !(a || b) {
                continue;
            }
            match self.members.host[*t as usize] {
                Some(s) if s <= use_at => {}
                Some(s) => {
                    latest_stage = latest_stage.max(s);
                    late.push(*t);
                }
                None => {
                    never += 1;
                    late.push(*t);
                }
            }
        }
        if late.is_empty() {
            return None;
        }
        let stage_name = |s: u32| {
            self.plan
                .stages
                .get(s as usize)
                .map_or(String::new(), |st| st.name.clone())
        };
        let first = &inv.hosts[late[0] as usize].name;
        let others = if late.len() > 1 {
            format!(" and {} more", late.len() - 1)
        } else {
            String::new()
        };
        let when = if never > 0 {
            format!("{never} of them in no stage")
        } else {
            format!("the last in stage `{}`", stage_name(latest_stage))
        };
        let mut subjects: Vec<Subject> = vec![Subject::Path(p), Subject::Stage(use_at)];
        subjects.extend(late.iter().map(|h| Subject::Host(*h)));
        subjects.sort();
        Some(Finding {
            code: Code::PolOrder,
            severity: Code::PolOrder.severity(),
            path: Some(p),
            mode: Some(mode),
            subjects,
            message: format!(
                "stage `{}` puts path `{}` on {mode} before its targets are prepared: {first}{others} ({when}); prepare them (hosts) in this or an earlier stage",
                stage_name(use_at),
                path.name
            ),
        })
    }

    /// PLAN-UNSTAGED: the path's mode is decided but no stage rolls it out, so the decision never takes effect.
    pub(super) fn unstaged_finding(&self, p: PathId, mode: Mode) -> Finding {
        let path = &self.inventory.paths[p as usize];
        let how = match self.choice(p).enforce {
            Enforcement::Policy => "add the path, or its clients, to a stage",
            Enforcement::Switch => "add the path to a stage",
        };
        Finding {
            code: Code::PlanUnstaged,
            severity: Code::PlanUnstaged.severity(),
            path: Some(p),
            mode: Some(mode),
            subjects: vec![Subject::Path(p)],
            message: format!(
                "path `{}` is planned as {mode} but no stage puts it into use: {how}, or set it back to standard",
                path.name
            ),
        }
    }

    /// Protected Users blocks for accounts the plan enrolls (the evaluation judges existing members only).
    pub(super) fn enrollment_findings(&self) -> Vec<Finding> {
        let mut out = self.enrollment_findings_of_accounts();
        // Those of paths last, in path order: `enrolled_of_path` finds a path's among them by bisection.
        out.extend(self.enrolled_on_paths());
        out
    }

    /// The enrollment findings about accounts, with no path: what the account is, and break-glass.
    fn enrollment_findings_of_accounts(&self) -> Vec<Finding> {
        let inv = &self.inventory;
        let mut out = Vec::new();
        for (u, s) in self.members.user.iter().enumerate() {
            let (Some(s), user) = (s, &inv.users[u]) else {
                continue;
            };
            if user.protected_users {
                continue;
            }
            // The domain controller protections need the 2012 R2 functional level (003): below it a missing AES
            // key fails nothing, and PU-DFL says the protections will not apply.
            let dc = rules::dc_protected(inv, u as UserId);
            let mut found: Vec<(Code, String)> = Vec::new();
            match user.kind {
                AccountKind::Service | AccountKind::ManagedServiceAccount => found.push((
                    Code::PuServiceAccount,
                    "is a service account, which Microsoft says never to add: its password is always available on the host".into(),
                )),
                AccountKind::Computer => {
                    found.push((Code::PuComputerAccount, "is a computer account".into()));
                }
                AccountKind::Person if !user.has_aes() && dc => found.push((
                    Code::PuWeakEtypes,
                    "has no AES keys: Kerberos pre-authentication would fail (reset its password first)"
                        .into(),
                )),
                AccountKind::Person if !user.aes_keys => found.push((
                    Code::PuAesReset,
                    "has no AES keys yet (its password predates them): reset the password before the stage"
                        .into(),
                )),
                AccountKind::Person => {}
            }
            if user.builtin_admin {
                found.push((
                    Code::PuBuiltinAdmin,
                    "is the domain's built-in Administrator (RID 500): it is exempt from authentication policies and may have no AES key".into(),
                ));
            }
            if rules::has_pre_2008_dc(inv, user.domain) {
                found.push((
                    Code::PuOldDcPassword,
                    format!(
                        "is in {}, which still has a domain controller older than Windows Server 2008: a password changed there locks it out",
                        rules::subject_label(inv, Subject::Domain(user.domain))
                    ),
                ));
            }
            if !dc {
                found.push((
                    Code::PuDfl,
                    format!(
                        "is in {}, below the Windows Server 2012 R2 functional level: the domain controller protections will not apply",
                        rules::subject_label(inv, Subject::Domain(user.domain))
                    ),
                ));
            }
            for (code, why) in found {
                let mut subjects = vec![Subject::User(u as UserId), Subject::Stage(*s)];
                if matches!(code, Code::PuDfl | Code::PuOldDcPassword) {
                    subjects.push(Subject::Domain(user.domain));
                    subjects.sort();
                }
                out.push(Finding {
                    code,
                    severity: code.severity(),
                    path: None,
                    mode: None,
                    subjects,
                    message: format!(
                        "stage `{}` enrolls {} in Protected Users, but the account {why}",
                        self.plan.stages[*s as usize].name,
                        inv.user_label(u as UserId)
                    ),
                });
            }
        }
        out.extend(self.breakglass_findings());
        out
    }

    /// The indices (in the enrollment findings) of path `p`'s findings of one mode: their items are the path's,
    /// assessed again with it, since their stages follow the stage that puts the path's mode into use.
    pub(super) fn enrolled_of_path(&self, p: PathId) -> impl Iterator<Item = u32> + '_ {
        let list = &self.assessment.enrollment;
        let start = list.partition_point(|f| f.path < Some(p));
        let end = start + list[start..].partition_point(|f| f.path == Some(p));
        (start..end).filter_map(move |i| list[i].mode.map(|_| i as u32))
    }

    /// The items of path `p`'s enrollment findings of one mode, in the states where both hold (see
    /// [`Workspace::enrolled_of_path`]).
    pub(super) fn enrolled_items(&self, p: PathId) -> Vec<Assessed> {
        let mut items = Vec::new();
        for i in self.enrolled_of_path(p) {
            let f = &self.assessment.enrollment[i as usize];
            if let Some(s) = f.subjects.iter().find_map(|s| match s {
                Subject::Stage(s) => Some(*s as usize),
                _ => None,
            }) && self.enrolled_span(p, s, f.mode).is_some()
            {
                items.push(self.assess(FindingRef::Enrollment(i), f));
            }
        }
        items
    }

    /// Resolves the stages' user selectors again (the only members an edit of users changes), and returns
    /// the stage of each user before.
    fn user_members(&mut self) -> Vec<Option<u32>> {
        let inv = &self.inventory;
        let sel = inv.selectors();
        let mut user = vec![None; inv.users.len()];
        for (s, st) in self.plan.stages.iter().enumerate() {
            for selector in st.members(MemberKind::User) {
                let ids = crate::plan::io::resolve_member(inv, &sel, MemberKind::User, selector);
                for id in ids.unwrap_or_default() {
                    if let Some(x) = user.get_mut(id as usize)
                        && x.is_none()
                    {
                        *x = Some(s as u32);
                    }
                }
            }
        }
        for st in &mut self.members.stages {
            st.users.clear();
        }
        for (u, s) in user.iter().enumerate() {
            if let Some(st) = s.and_then(|s| self.members.stages.get_mut(s as usize)) {
                st.users.push(u as UserId);
            }
        }
        std::mem::replace(&mut self.members.user, user)
    }

    /// The stages in whose state a Protected Users finding of path `p` about the accounts stage `s` enrolls
    /// holds: from the state after `s` on, while the mode the path uses there is the finding's (in every state
    /// for a finding of no mode). `(first, until)` as in [`Assessed`]; `None`: it holds in no state.
    pub(super) fn enrolled_span(
        &self,
        p: PathId,
        s: usize,
        mode: Option<Mode>,
    ) -> Option<(usize, Option<usize>)> {
        let states = self.plan.stages.len() + 1;
        let (choice, used) = (self.choice(p), self.use_stage(p));
        let holds = |st: &usize| mode.is_none_or(|m| mode_in_effect(choice, used, *st) == m);
        let first = (s + 1..states).find(holds)?;
        let last = (first..states).take_while(holds).last().unwrap_or(first);
        let until = (last + 1 < states).then(|| stage_of_state(last)).flatten();
        Some((stage_of_state(first)?, until))
    }

    /// The Protected Users rules of each path for the accounts the plan enrolls (the evaluation judges the
    /// inventory's members only), judged once per stage that enrolls some of the path's users, for those users:
    /// each finding holds from that stage on, and belongs to it. The rules of one mode (PU-DEVICE-OS on old
    /// targets and PU-CREDSSP-SSO, both under `standard`) hold while the path uses that mode (see
    /// [`Workspace::enrolled_span`]). The account checks of the enrollment itself (service, computer, AES keys)
    /// are raised above, once per account.
    pub(super) fn enrolled_on_paths(&self) -> Vec<Finding> {
        (0..self.inventory.paths.len() as PathId)
            .flat_map(|p| self.enrolled_on_path(p))
            .collect()
    }

    /// [`Workspace::enrolled_on_paths`] for one path.
    fn enrolled_on_path(&self, p: PathId) -> Vec<Finding> {
        let inv = &self.inventory;
        let stage_of = |u: UserId| {
            (!inv.users[u as usize].protected_users)
                .then(|| self.members.user.get(u as usize).copied().flatten())
                .flatten()
        };
        let per_account = [
            Code::PuServiceAccount,
            Code::PuComputerAccount,
            Code::PuWeakEtypes,
            Code::PuAesReset,
        ];
        let mut out = Vec::new();
        let mut stages: Vec<u32> = (inv.paths[p as usize].who.iter())
            .filter_map(|u| stage_of(*u))
            .collect();
        stages.sort_unstable();
        stages.dedup();
        for s in stages {
            let member = |u: UserId| stage_of(u) == Some(s);
            let found = rules::protected_users_on_path(inv, &self.graph, p, &member);
            for mut f in found {
                if per_account.contains(&f.code) {
                    continue;
                }
                f.message = format!(
                    "once stage {} enrolls them: {}",
                    self.plan.stages[s as usize].name, f.message
                );
                f.subjects.push(Subject::Stage(s));
                f.subjects.sort();
                out.push(f);
            }
        }
        out
    }

    /// After an edit of the stages' users (added, removed or moved), which changes who is enrolled when and
    /// nothing else: the Protected Users rules run again only on the paths of the users whose enrolling stage
    /// changed, the actions of their stages and the Protected Users share of the exposure are derived again;
    /// the paths' modes, the cross-path findings and the exposed hosts stay.
    pub(super) fn recompute_users(&mut self) {
        let before = self.user_members();
        let inv = &self.inventory;
        let mut changed = vec![false; inv.users.len()];
        let mut stages: Vec<usize> = Vec::new();
        for (u, (a, b)) in before.iter().zip(&self.members.user).enumerate() {
            if a != b {
                changed[u] = true;
                stages.extend(a.iter().chain(b).map(|s| *s as usize));
            }
        }
        stages.sort_unstable();
        stages.dedup();
        let redo: Vec<bool> = (inv.paths.iter())
            .map(|p| p.who.iter().any(|u| changed[*u as usize]))
            .collect();
        // The accounts' own findings are few (one per enrolled account); a path's are kept unless its users
        // changed stage.
        let old = std::mem::take(&mut self.assessment.enrollment);
        let kept_from = old.partition_point(|f| f.path.is_none());
        let mut fresh = self.enrollment_findings_of_accounts();
        let mut kept = old.into_iter().skip(kept_from).peekable();
        // Per path: how far its enrollment findings moved in the list.
        let mut shift = vec![0isize; inv.paths.len()];
        let mut old_at = kept_from;
        for p in 0..inv.paths.len() as PathId {
            shift[p as usize] = fresh.len() as isize - old_at as isize;
            let mine: Vec<Finding> =
                std::iter::from_fn(|| kept.next_if(|f| f.path == Some(p))).collect();
            old_at += mine.len();
            if redo[p as usize] {
                fresh.extend(self.enrolled_on_path(p));
            } else {
                fresh.extend(mine);
            }
        }
        self.assessment.enrollment = fresh;
        // A path's items name only its own users: those of the paths whose users changed stage are assessed
        // again; the others only follow their enrollment findings to where they are now in the list.
        for (p, again) in redo.iter().enumerate() {
            if *again {
                // Which of its evaluation's findings apply does not depend on who is enrolled, their stage
                // does: each is assessed again, and the enrolled accounts' findings replace the old ones.
                let old = std::mem::take(&mut self.path_items[p]);
                let mut items: Vec<Assessed> = (old.into_iter())
                    .filter(|a| !matches!(a.finding, FindingRef::Enrollment(_)))
                    .map(|a| self.assess(a.finding, self.finding(a.finding)))
                    .collect();
                items.extend(self.enrolled_items(p as PathId));
                self.path_items[p] = items;
                continue;
            }
            for a in self.path_items[p].iter_mut() {
                if let FindingRef::Enrollment(i) = &mut a.finding {
                    *i = (*i as isize + shift[p]) as u32;
                }
            }
        }
        self.fixed_items = self.fixed_items();
        self.refresh_actions(&stages);
        let mut states = std::mem::take(&mut self.assessment.states);
        states.refresh_users(&self.stage_inputs());
        self.assessment.states = states;
        let all: Vec<usize> = (0..self.plan.stages.len()).collect();
        self.rebuild_assessment(&all);
    }

    /// PU-BREAKGLASS: the plan enrolls the last members of a Domain Admins or Enterprise Admins group that are
    /// outside Protected Users, leaving no tested account outside it.
    pub(super) fn breakglass_findings(&self) -> Vec<Finding> {
        let inv = &self.inventory;
        let enrolled = |u: UserId| self.members.user.get(u as usize).copied().flatten();
        let mut out = Vec::new();
        for (g, outside) in rules::tier0_groups(inv) {
            let by_plan: Vec<(UserId, u32)> = outside
                .iter()
                .filter_map(|u| enrolled(*u).map(|s| (*u, s)))
                .collect();
            if by_plan.is_empty() || by_plan.len() < outside.len() {
                continue;
            }
            let last = by_plan.iter().map(|(_, s)| *s).max().unwrap_or(0);
            let mut subjects: Vec<Subject> = outside.iter().map(|u| Subject::User(*u)).collect();
            subjects.push(Subject::Group(g));
            subjects.push(Subject::Stage(last));
            out.push(Finding {
                code: Code::PuBreakglass,
                severity: Code::PuBreakglass.severity(),
                path: None,
                mode: None,
                subjects,
                message: format!(
                    "stage `{}` puts the last members of {} in Protected Users: keep one tested break-glass account out",
                    self.plan.stages[last as usize].name,
                    inv.group_label(g)
                ),
            });
        }
        out
    }

    /// The item of a path's POL-ORDER finding.
    pub(super) fn order_item(&self, p: PathId) -> Option<Assessed> {
        let f = self.assessment.order.get(p as usize)?.as_ref()?;
        Some(self.assess(FindingRef::Order(p), f))
    }

    /// PU-CANDIDATE no longer applies to a user the plan enrolls.
    pub(super) fn enrolled(&self, f: &Finding) -> bool {
        f.code == Code::PuCandidate
            && f.subjects.iter().any(|s| {
                matches!(s, Subject::User(u) if self.members.user.get(*u as usize).copied().flatten().is_some())
            })
    }
}
