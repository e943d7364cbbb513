//! The planner's files: opening a plan (stale or new), autosave and recovery, save and save-as, reload and
//! exports. State changes that touch the disk live here, so that `app.rs` only routes messages.

use std::path::PathBuf;

use super::app::{App, Field, Form, FormPurpose, Overlay, Stale, entries};
use super::autosave::Orphan;
use super::inventory;
use super::keymap::{Action, Context};
use crate::plan::io::{self, FileStamp};
use crate::plan::{Plan, Workspace};

impl App {
    /// After a plan is opened or reloaded: whether it is stale and what changed since, a plan file that does
    /// not exist yet announced as new, and the inventory remembered for later comparisons.
    pub(super) fn opened(&mut self) {
        let data_dir = self
            .files
            .autosave
            .as_ref()
            .and_then(|a| a.data_dir().map(std::path::Path::to_path_buf));
        // One fingerprint of the inventory serves both questions: is the plan stale, and under which name
        // the inventory is kept. The inventory keeps it once taken (`plan::build_with` takes it beside the
        // workspace when the planner starts).
        let now = io::fingerprint(&self.ws.inventory);
        let was = self.ws.plan.inventory.fingerprint.clone();
        self.stale = (was != now).then(|| Stale {
            changes: data_dir
                .as_deref()
                .and_then(|d| super::known::changes_since(d, &was, &self.ws.inventory)),
            was,
        });
        if let Some(st) = &self.stale {
            let keys = self
                .config
                .keymap
                .keys_for(Context::Global, Action::Changes);
            let what = match &st.changes {
                Some(c) => format!(
                    "{} changed since it was saved ({keys} lists them)",
                    entries(c.len())
                ),
                None => format!("the inventory changed since it was saved ({keys} says more)"),
            };
            self.error(format!(
                "the plan is stale: {what}; review it, then save to bind it to this inventory"
            ));
        } else if let Some(d) = &data_dir {
            self.remember(d, &now);
        }
        if let (Some(p), None) = (&self.files.plan, &self.files.plan_on_disk) {
            self.info(format!(
                "{} does not exist: this is a new plan, saving creates the file",
                p.display()
            ));
        }
    }

    /// Plans on the inventory and the plan file read again (see [`App::reload`]), discarding unsaved changes.
    pub(super) fn reloaded(&mut self, ws: Workspace, stamp: Option<FileStamp>) {
        self.ws = ws;
        self.files.plan_on_disk = stamp;
        self.files.baseline = self.ws.plan.clone();
        self.modified = false;
        self.inventory = inventory::InventoryState::new(&self.ws.inventory);
        self.paths.forget();
        self.back.clear();
        self.refresh();
        self.autosave();
        self.status = None;
        self.opened();
        if self.status.is_none() {
            self.info("reloaded the inventory and the plan from disk");
        }
    }

    /// Offers an autosave left by a planner that is gone, when it fits the inventory and differs from the plan
    /// file; one that does not fit is kept and named, one that changes nothing is removed.
    pub(super) fn offer(&mut self, orphan: Orphan) {
        let plan = match io::parse(&orphan.path.display().to_string(), &orphan.text) {
            Ok(plan) => plan,
            Err(e) => {
                self.error(format!(
                    "an autosave could not be read and is kept at {}: {}",
                    orphan.path.display(),
                    e.0.first().map_or(String::new(), |d| d.message.clone())
                ));
                return;
            }
        };
        if let Err(e) = io::validate(&plan, &self.ws.inventory) {
            self.error(format!(
                "an autosave does not fit this inventory and is kept at {}: {}",
                orphan.path.display(),
                e.0.first().map_or(String::new(), |d| d.message.clone())
            ));
            return;
        }
        if io::render(&plan) == io::render(&self.ws.plan) {
            orphan.remove();
            return;
        }
        let d = crate::plan::diff::diff(
            &self.ws.plan,
            &plan,
            Some(&self.ws.inventory),
            self.ws.today,
        );
        let differs = crate::plan::diff::render(&d, false)
            .lines()
            .filter(|l| !l.trim().is_empty() && l.trim() != "Plan changes")
            .map(|l| crate::safe_text::escape(l).into_owned())
            .collect();
        let changed_on_disk = orphan.base != self.files.plan_on_disk;
        self.overlay = Some(Overlay::Recover {
            plan: Box::new(plan),
            orphan: Box::new(orphan),
            differs,
            changed_on_disk,
        });
    }

    /// Keeps the autosave slot in step with the working plan: written while it differs from the file, removed
    /// when it does not. The writer renders and writes a copy of the plan on its own thread; a failure shows in
    /// the status line once it is known (see [`App::check_autosave`]).
    pub(super) fn autosave(&mut self) {
        let Some(w) = self.autosaver() else {
            return;
        };
        if self.dirty() {
            w.submit(self.ws.plan.clone(), self.files.plan_on_disk.clone());
        } else {
            w.remove();
        }
    }

    /// Removes the autosave slot (the plan is saved, or its changes discarded), once what is under way is done.
    pub(crate) fn remove_autosave(&mut self) {
        if let Some(w) = self.autosaver() {
            w.remove();
        }
        self.flush_autosave();
    }

    pub(crate) fn recover(&mut self, plan: Plan, orphan: &Orphan) {
        // The recovered work was started from the file as it was then: a save compares the file with that, so
        // a plan changed since is never overwritten (the work is saved beside it).
        let changed = orphan.base != self.files.plan_on_disk;
        self.files.plan_on_disk = orphan.base.clone();
        let inv = self.ws.inventory.clone();
        self.ws = Workspace::new(inv, Some(plan), self.ws.today);
        // Now in this planner's own slot; the old one goes.
        self.changed("");
        orphan.remove();
        self.info(if changed {
            "recovered the autosaved plan; the plan file changed since: s saves it beside the file as NAME.mine.plan.toml"
        } else {
            "recovered the autosaved plan: save with s to keep it"
        });
    }

    /// Saves the plan atomically; asks for a file name when the plan has none.
    pub fn save(&mut self) {
        let Some(path) = self.files.plan.clone() else {
            return self.save_as();
        };
        let plan = self.plan_for(&path);
        match io::save_atomic(&path, &plan, self.files.plan_on_disk.as_ref()) {
            // The message first: what keeping the inventory prunes is added to it, now or when it is done.
            Ok(stamp) => {
                self.info(format!("saved {}", path.display()));
                self.saved(path.clone(), stamp, &plan);
            }
            // Someone else's edit is never overwritten: ours goes beside it, and later saves go there too.
            Err(io::SaveError::ChangedOnDisk { .. }) => match io::save_beside(&path, &plan) {
                Ok((beside, stamp)) => {
                    self.info(format!(
                        "{} changed on disk since it was opened: saved yours beside it as {}; compare the two",
                        path.display(),
                        beside.display()
                    ));
                    self.saved(beside, stamp, &plan);
                }
                Err(e) => self.error(e.to_string()),
            },
            Err(e) => self.error(e.to_string()),
        }
    }

    /// Asks where to save the plan, offering its current file name.
    pub(crate) fn save_as(&mut self) {
        let name = self.files.plan.as_ref().map_or_else(
            || "rollout.plan.toml".to_string(),
            |p| p.display().to_string(),
        );
        self.overlay = Some(Overlay::Form(Form {
            title: "Save the plan as".into(),
            fields: vec![Field {
                label: "File".into(),
                value: name,
                hint: String::new(),
            }],
            focus: 0,
            purpose: FormPurpose::SaveAs,
            error: None,
        }));
    }

    /// Records that the plan was saved to `path`.
    pub(super) fn saved(&mut self, path: PathBuf, stamp: FileStamp, plan: &Plan) {
        // Saved, the plan is bound to this inventory: no longer stale, and the inventory is remembered as the
        // latest version of this plan file.
        self.ws.plan.inventory = plan.inventory.clone();
        let first = self.files.plan.as_ref() != Some(&path);
        self.files.plan = Some(path);
        if (self.stale.take().is_some() || first)
            && let Some(d) = self
                .files
                .autosave
                .as_ref()
                .and_then(|a| a.data_dir().map(std::path::Path::to_path_buf))
        {
            let fp = self.ws.plan.inventory.fingerprint.clone();
            self.remember(&d, &fp);
        }
        self.files.plan_on_disk = Some(stamp);
        self.files.baseline = self.ws.plan.clone();
        self.modified = false;
        self.ws.mark_saved();
        self.remove_autosave();
    }

    /// The plan as it is saved to `path`: bound to the inventory, which it names relative to the plan file.
    pub(super) fn plan_for(&self, path: &std::path::Path) -> Plan {
        let mut plan = self.ws.plan_to_save();
        if plan.inventory.path.is_empty()
            && let Some(inv) = &self.files.inventory
        {
            plan.inventory.path = io::relative_path(path, inv);
        }
        plan
    }

    /// The plan file's text as it would be saved now.
    pub fn plan_text(&self) -> String {
        let path = self
            .files
            .plan
            .clone()
            .unwrap_or_else(|| PathBuf::from("rollout.plan.toml"));
        io::render(&self.plan_for(&path))
    }

    /// Ends the planner, removing the autosave when nothing is unsaved (else it is written before the end).
    pub(crate) fn finish(&mut self) {
        if self.dirty() {
            self.flush_autosave();
        } else {
            self.remove_autosave();
        }
        self.quit = true;
    }
}
