//! Edits of the plan, their undo and redo, and their labels in words.

use crate::finding::Mode;
use crate::inventory::PathId;

use super::*;
use crate::plan::exceptions::who;
use crate::plan::io::resolve_member;
use crate::plan::model::*;

/// One change to the plan.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Choose the mode of a path.
    SetMode {
        /// The path.
        path: PathId,
        /// Its new mode.
        mode: Mode,
    },
    /// Choose the mode of a path and the subjects left out of it, in one step.
    Decide {
        /// The path.
        path: PathId,
        /// Its new mode.
        mode: Mode,
        /// Its exceptions (replacing those it had).
        exceptions: Vec<Exception>,
    },
    /// Choose how a path's mode is enforced on its clients.
    SetEnforcement {
        /// The path.
        path: PathId,
        /// Policy or switch.
        enforce: Enforcement,
    },
    /// Add a member selector to a stage.
    AddMember {
        /// Stage index.
        stage: usize,
        /// Kind of member.
        kind: MemberKind,
        /// Selector (`host:NAME`, `tag:T`, `user:NAME`, a path name, `*`, ...).
        selector: String,
    },
    /// Remove a member selector from a stage.
    RemoveMember {
        /// Stage index.
        stage: usize,
        /// Kind of member.
        kind: MemberKind,
        /// Selector as written.
        selector: String,
    },
    /// Move a member selector from one stage to another.
    MoveMember {
        /// From stage index.
        from: usize,
        /// To stage index.
        to: usize,
        /// Kind of member.
        kind: MemberKind,
        /// Selector as written.
        selector: String,
    },
    /// Add a waiver.
    AddWaiver(Waiver),
    /// Remove the waiver at an index of `plan.waivers`.
    RemoveWaiver(usize),
    /// Replace the waiver at an index of `plan.waivers` (its scope, reason or expiry edited).
    ReplaceWaiver {
        /// Index into `plan.waivers`.
        index: usize,
        /// The waiver as edited.
        waiver: Waiver,
    },
    /// Insert an empty stage at an index.
    AddStage {
        /// Position (0 = first; the stage count appends).
        at: usize,
        /// Its unique name.
        name: String,
    },
    /// Remove the stage at an index.
    RemoveStage(usize),
    /// Set what a stage is for, in words.
    SetStageDescription {
        /// Stage index.
        stage: usize,
        /// One line of text (may be empty).
        description: String,
    },
    /// Move a stage from one position to another.
    MoveStage {
        /// Current position.
        from: usize,
        /// New position.
        to: usize,
    },
}

#[derive(Debug, Clone)]
pub(super) enum Undo {
    Decision(String, Option<Decision>),
    Stages(Vec<Stage>),
    Waivers(Vec<Waiver>),
}

impl Workspace {
    pub(super) fn current_id(&self) -> u64 {
        self.undo.last().map_or(0, |u| u.0)
    }

    /// Whether [`Workspace::undo`] / [`Workspace::redo`] would do something.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// See [`Workspace::can_undo`].
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Applies an edit, recording how to undo it; on error nothing changes.
    pub fn apply(&mut self, edit: Edit) -> Result<(), String> {
        let id = self.next_id;
        self.next_id += 1;
        let undo = self.perform(&edit)?;
        self.undo.push((id, undo, edit));
        self.redo.clear();
        Ok(())
    }

    /// Reverts the last edit; false when there is none.
    pub fn undo(&mut self) -> bool {
        let Some((id, undo, edit)) = self.undo.pop() else {
            return false;
        };
        let touched = match &undo {
            Undo::Decision(name, _) => self.inventory.index.paths.get(&lc(name)).copied(),
            _ => None,
        };
        let waivers = matches!(undo, Undo::Waivers(_));
        match undo {
            Undo::Decision(name, old) => {
                let pos = self.plan.decisions.binary_search_by(|d| d.path.cmp(&name));
                match (pos, old) {
                    (Ok(i), Some(d)) => self.plan.decisions[i] = d,
                    (Ok(i), None) => {
                        self.plan.decisions.remove(i);
                    }
                    (Err(i), Some(d)) => self.plan.decisions.insert(i, d),
                    (Err(_), None) => {}
                }
            }
            Undo::Stages(s) => self.plan.stages = s,
            Undo::Waivers(w) => self.plan.waivers = w,
        }
        match (touched, &edit) {
            (Some(p), _) => self.recompute_path(p),
            (
                None,
                Edit::AddMember { kind, .. }
                | Edit::RemoveMember { kind, .. }
                | Edit::MoveMember { kind, .. },
            ) => self.recompute_members(*kind),
            (None, _) if waivers => self.recompute_waivers(),
            (None, _) => self.recompute_all(),
        }
        self.redo.push((id, edit));
        true
    }

    /// Applies the last undone edit again; false when there is none.
    pub fn redo(&mut self) -> bool {
        let Some((id, edit)) = self.redo.pop() else {
            return false;
        };
        match self.perform(&edit) {
            Ok(undo) => {
                self.undo.push((id, undo, edit));
                true
            }
            Err(_) => false,
        }
    }

    /// Replaces the users a stage enrolls, outside the undo history: the starting plan is shaped before anyone
    /// edits it.
    pub(crate) fn set_stage_users(&mut self, stage: usize, users: Vec<String>) {
        if let Some(st) = self.plan.stages.get_mut(stage) {
            st.users = users;
            self.recompute_members(MemberKind::User);
        }
    }

    /// After an edit of one kind of the stages' members: an edit of users changes only who is enrolled when.
    fn recompute_members(&mut self, kind: MemberKind) {
        match kind {
            MemberKind::User => self.recompute_users(),
            _ => self.recompute_other_members(),
        }
    }

    pub(super) fn stage_index(&self, i: usize) -> Result<(), String> {
        if i < self.plan.stages.len() {
            Ok(())
        } else {
            Err(format!("there is no stage {}", i + 1))
        }
    }

    pub(super) fn check_selector(&self, kind: MemberKind, selector: &str) -> Result<(), String> {
        resolve_member(&self.inventory, &self.inventory.selectors(), kind, selector).map(|_| ())
    }

    pub(super) fn perform(&mut self, edit: &Edit) -> Result<Undo, String> {
        match edit {
            Edit::SetMode { path, mode } => self.set_decision(*path, |d| {
                d.mode = *mode;
                // The starting plan's note says why the path stays on standard; it no longer does.
                if *mode != Mode::Standard && d.note == crate::plan::init::ALL_BLOCKED_NOTE {
                    d.note.clear();
                }
            }),
            Edit::Decide {
                path,
                mode,
                exceptions,
            } => self.set_decision(*path, |d| {
                d.mode = *mode;
                d.exceptions.clone_from(exceptions);
                if *mode != Mode::Standard && d.note == crate::plan::init::ALL_BLOCKED_NOTE {
                    d.note.clear();
                }
            }),
            Edit::SetEnforcement { path, enforce } => {
                self.set_decision(*path, |d| d.enforce = *enforce)
            }
            Edit::AddMember {
                stage,
                kind,
                selector,
            } => {
                self.stage_index(*stage)?;
                self.check_selector(*kind, selector)?;
                let old = self.plan.stages.clone();
                let m = self.plan.stages[*stage].members_mut(*kind);
                if m.contains(selector) {
                    return Err(format!(
                        "`{selector}` is already in stage `{}`",
                        old[*stage].name
                    ));
                }
                m.push(selector.clone());
                m.sort();
                self.recompute_members(*kind);
                Ok(Undo::Stages(old))
            }
            Edit::RemoveMember {
                stage,
                kind,
                selector,
            } => {
                self.stage_index(*stage)?;
                let old = self.plan.stages.clone();
                let m = self.plan.stages[*stage].members_mut(*kind);
                let Some(i) = m.iter().position(|s| s == selector) else {
                    return Err(format!(
                        "`{selector}` is not in stage `{}`",
                        old[*stage].name
                    ));
                };
                m.remove(i);
                self.recompute_members(*kind);
                Ok(Undo::Stages(old))
            }
            Edit::MoveMember {
                from,
                to,
                kind,
                selector,
            } => {
                self.stage_index(*from)?;
                self.stage_index(*to)?;
                let old = self.plan.stages.clone();
                let src = self.plan.stages[*from].members_mut(*kind);
                let Some(i) = src.iter().position(|s| s == selector) else {
                    return Err(format!(
                        "`{selector}` is not in stage `{}`",
                        old[*from].name
                    ));
                };
                let s = src.remove(i);
                let dst = self.plan.stages[*to].members_mut(*kind);
                if !dst.contains(&s) {
                    dst.push(s);
                    dst.sort();
                }
                self.recompute_members(*kind);
                Ok(Undo::Stages(old))
            }
            Edit::AddWaiver(w) => {
                crate::plan::io::check_waiver(w, &self.inventory)?;
                let old = self.plan.waivers.clone();
                self.plan.waivers.push(w.clone());
                self.plan.normalize_waivers();
                self.recompute_waivers();
                Ok(Undo::Waivers(old))
            }
            Edit::RemoveWaiver(i) => {
                if *i >= self.plan.waivers.len() {
                    return Err(format!("there is no waiver {}", i + 1));
                }
                let old = self.plan.waivers.clone();
                self.plan.waivers.remove(*i);
                self.recompute_waivers();
                Ok(Undo::Waivers(old))
            }
            Edit::ReplaceWaiver { index, waiver } => {
                if *index >= self.plan.waivers.len() {
                    return Err(format!("there is no waiver {}", index + 1));
                }
                crate::plan::io::check_waiver(waiver, &self.inventory)?;
                let old = self.plan.waivers.clone();
                self.plan.waivers[*index] = waiver.clone();
                self.plan.normalize_waivers();
                self.recompute_waivers();
                Ok(Undo::Waivers(old))
            }
            Edit::AddStage { at, name } => {
                crate::names::identifier(name).map_err(|why| {
                    format!(
                        "stage name `{}` is not valid: it {why}",
                        name.escape_debug()
                    )
                })?;
                if self
                    .plan
                    .stages
                    .iter()
                    .any(|s| s.name.eq_ignore_ascii_case(name))
                {
                    return Err(format!("a stage named `{name}` exists already"));
                }
                let old = self.plan.stages.clone();
                let at = (*at).min(self.plan.stages.len());
                self.plan.stages.insert(at, Stage::new(name.clone(), ""));
                self.recompute_all();
                Ok(Undo::Stages(old))
            }
            Edit::SetStageDescription { stage, description } => {
                self.stage_index(*stage)?;
                if description.chars().any(char::is_control) {
                    return Err(
                        "a stage description is one line of text, without control characters"
                            .into(),
                    );
                }
                let old = self.plan.stages.clone();
                self.plan.stages[*stage].description = description.trim().to_string();
                Ok(Undo::Stages(old))
            }
            Edit::RemoveStage(i) => {
                self.stage_index(*i)?;
                // An exception that names the stage would name nothing: the plan would not load again.
                let name = &self.plan.stages[*i].name;
                let naming = (self.plan.decisions.iter())
                    .flat_map(|d| &d.exceptions)
                    .filter(|e| e.stage.as_ref() == Some(name))
                    .count();
                if naming > 0 {
                    return Err(format!(
                        "the subjects of {} join their path's mode in stage `{name}`: move those exceptions to another stage first (> or < in the waivers & exceptions view)",
                        crate::report::plural(naming, "exception")
                    ));
                }
                let old = self.plan.stages.clone();
                self.plan.stages.remove(*i);
                self.recompute_all();
                Ok(Undo::Stages(old))
            }
            Edit::MoveStage { from, to } => {
                self.stage_index(*from)?;
                self.stage_index(*to)?;
                let old = self.plan.stages.clone();
                let s = self.plan.stages.remove(*from);
                self.plan.stages.insert(*to, s);
                self.recompute_all();
                Ok(Undo::Stages(old))
            }
        }
    }

    pub(super) fn set_decision(
        &mut self,
        path: PathId,
        change: impl FnOnce(&mut Decision),
    ) -> Result<Undo, String> {
        let Some(p) = self.inventory.paths.get(path as usize) else {
            return Err(format!("there is no access path {path}"));
        };
        let name = p.name.clone();
        let pos = self.plan.decisions.binary_search_by(|d| d.path.cmp(&name));
        let old = pos.ok().map(|i| self.plan.decisions[i].clone());
        let i = match pos {
            Ok(i) => i,
            Err(i) => {
                self.plan.decisions.insert(
                    i,
                    Decision::new(name.clone(), Mode::Standard, Enforcement::Policy),
                );
                i
            }
        };
        change(&mut self.plan.decisions[i]);
        self.recompute_path(path);
        Ok(Undo::Decision(name, old))
    }

    // ---- derived data ----

    /// What undoing would revert, in words (`tier1 remote-guard -> restricted-admin`).
    pub fn undo_label(&self) -> Option<String> {
        let (_, undo, edit) = self.undo.last()?;
        Some(self.edit_label(edit, Some(undo)))
    }

    /// What redoing would apply again, in words.
    pub fn redo_label(&self) -> Option<String> {
        let (_, edit) = self.redo.last()?;
        Some(self.edit_label(edit, None))
    }

    /// An edit in words. `undo` holds the state before the edit when it has been applied; without it the plan
    /// is in the state before the edit.
    pub(super) fn edit_label(&self, edit: &Edit, undo: Option<&Undo>) -> String {
        let path_name = |p: PathId| {
            self.inventory
                .paths
                .get(p as usize)
                .map_or_else(|| format!("path {p}"), |p| p.name.clone())
        };
        let before = |p: PathId| -> Option<Decision> {
            match undo {
                Some(Undo::Decision(_, old)) => old.clone(),
                _ => self.plan.decision(&path_name(p)).cloned(),
            }
        };
        let stages = match undo {
            Some(Undo::Stages(s)) => s.as_slice(),
            _ => self.plan.stages.as_slice(),
        };
        let waivers = match undo {
            Some(Undo::Waivers(w)) => w.as_slice(),
            _ => self.plan.waivers.as_slice(),
        };
        let stage = |i: usize| {
            stages
                .get(i)
                .map_or_else(|| format!("{}", i + 1), |s| s.name.clone())
        };
        let waiver = |w: &Waiver| format!("waiver of {} ({})", w.code, w.scope);
        match edit {
            Edit::SetMode { path, mode } => {
                let old = before(*path).map_or(Mode::Standard, |d| d.mode);
                format!("{} {old} -> {mode}", path_name(*path))
            }
            Edit::Decide {
                path,
                mode,
                exceptions,
            } => {
                let (old, had) =
                    before(*path).map_or((Mode::Standard, Vec::new()), |d| (d.mode, d.exceptions));
                decide_label(&path_name(*path), (old, &had), (*mode, exceptions))
            }
            Edit::SetEnforcement { path, enforce } => {
                let old = before(*path).map_or(Enforcement::Policy, |d| d.enforce);
                let word = |e: Enforcement| match e {
                    Enforcement::Policy => "policy",
                    Enforcement::Switch => "switch",
                };
                format!(
                    "{} enforced by {} -> {}",
                    path_name(*path),
                    word(old),
                    word(*enforce)
                )
            }
            Edit::AddMember {
                stage: s, selector, ..
            } => format!("{selector} added to stage {}", stage(*s)),
            Edit::RemoveMember {
                stage: s, selector, ..
            } => format!("{selector} removed from stage {}", stage(*s)),
            Edit::MoveMember {
                from, to, selector, ..
            } => format!(
                "{selector} moved from stage {} to {}",
                stage(*from),
                stage(*to)
            ),
            Edit::AddWaiver(w) => format!("{} added", waiver(w)),
            Edit::RemoveWaiver(i) => waivers.get(*i).map_or_else(
                || "waiver removed".into(),
                |w| format!("{} removed", waiver(w)),
            ),
            Edit::ReplaceWaiver { index, waiver: w } => match waivers.get(*index) {
                Some(old) if old.scope != w.scope => {
                    format!(
                        "{} edited (scope {} -> {})",
                        waiver(old),
                        old.scope,
                        w.scope
                    )
                }
                Some(old) => format!("{} edited", waiver(old)),
                None => format!("{} edited", waiver(w)),
            },
            Edit::AddStage { name, .. } => format!("stage {name} added"),
            Edit::RemoveStage(i) => format!("stage {} removed", stage(*i)),
            Edit::SetStageDescription { stage: i, .. } => {
                format!("description of stage {} edited", stage(*i))
            }
            Edit::MoveStage { from, to } => {
                format!("stage {} moved to position {}", stage(*from), to + 1)
            }
        }
    }
}

/// A decision's change in words, naming only what differs: the mode, the exceptions, or both.
fn decide_label(path: &str, before: (Mode, &[Exception]), after: (Mode, &[Exception])) -> String {
    let (old, had) = before;
    let (new, has) = after;
    if had == has {
        return if old == new {
            format!("{path} {new} ({}), unchanged", exceptions_label(has, None))
        } else {
            format!("{path} {old} -> {new}")
        };
    }
    // Where the exceptions differ in what they leave out, say what; else in what the excepted take or when.
    let differ = if had.len() != has.len() || had.iter().zip(has).any(|(a, b)| who(a) != who(b)) {
        Some(Detail::Who)
    } else if had.iter().zip(has).any(|(a, b)| a.mode() != b.mode()) {
        Some(Detail::Takes)
    } else {
        Some(Detail::Rest)
    };
    let (a, b) = (exceptions_label(had, differ), exceptions_label(has, differ));
    if old == new {
        format!("{path} {new}: {a} -> {b}")
    } else {
        format!("{path} {old} ({a}) -> {new} ({b})")
    }
}

/// What of each exception a label names.
#[derive(Clone, Copy)]
enum Detail {
    /// Who it leaves out.
    Who,
    /// The mode the excepted sessions take.
    Takes,
    /// Its stage and remediation.
    Rest,
}

/// `no exception`, `1 exception`, or with `detail` what each one is, e.g. `1 exception: targets host:A`.
fn exceptions_label(list: &[Exception], detail: Option<Detail>) -> String {
    let count = crate::report::plural(list.len(), "exception");
    let Some(detail) = detail.filter(|_| !list.is_empty()) else {
        return if list.is_empty() {
            "no exception".into()
        } else {
            count
        };
    };
    let each: Vec<String> = list
        .iter()
        .map(|e| match detail {
            Detail::Who => who(e),
            Detail::Takes => format!("{} on {}", who(e), e.mode()),
            Detail::Rest => format!(
                "{} until {}",
                who(e),
                e.stage.as_deref().unwrap_or("the end")
            ),
        })
        .collect();
    let mut text = format!("{count}: {}", each.join("; "));
    if text.chars().count() > 60 {
        text = text.chars().take(59).collect::<String>() + "…";
    }
    text
}
