//! The planner's side of [`super::jobs`]: which work it starts off the key path (the exception `x` proposes,
//! reloading, exports, keeping an inventory), what it shows while that runs, and how it applies each outcome.

use std::sync::Arc;
use std::time::Duration;

use super::app::{App, ExportKind, View};
use super::jobs::{Job, Outcome, PlanVersion, Progress};
use crate::commands::export::ExportFormat;
use crate::inventory::PathId;
use crate::plan::Workspace;
use crate::plan::io;

/// How long a key waits for its work before the work goes on behind a progress line: quick work shows its
/// result at once, without a flash of progress.
pub const INLINE_WAIT: Duration = Duration::from_millis(40);

impl App {
    /// Starts a job: its result is applied at once when it comes within [`App::job_wait`], else when it comes
    /// (the footer shows how far it is meanwhile). A zero wait always leaves the work under way.
    pub(crate) fn start(&mut self, job: Job) {
        let done = if self.job_wait.is_zero() {
            None
        } else {
            job.outcome(self.job_wait)
        };
        match done {
            Some(outcome) => self.apply_outcome(&job, outcome),
            None => self.jobs.push(job),
        }
        self.redraw = true;
    }

    /// Applies the outcomes of the jobs that are done; true when a job ended.
    pub fn poll_jobs(&mut self) -> bool {
        let mut ended = false;
        let mut i = 0;
        while i < self.jobs.len() {
            match self.jobs[i].outcome(Duration::ZERO) {
                Some(outcome) => {
                    let job = self.jobs.remove(i);
                    self.apply_outcome(&job, outcome);
                    ended = true;
                }
                None => i += 1,
            }
        }
        if ended {
            self.redraw = true;
        }
        ended
    }

    /// Waits until every job under way has ended and applies their outcomes (tests, benchmarks, the end).
    pub fn settle(&mut self) {
        while let Some(job) = self.jobs.first() {
            let outcome = job.outcome(Duration::from_secs(3600));
            let job = self.jobs.remove(0);
            if let Some(o) = outcome {
                self.apply_outcome(&job, o);
            }
        }
        self.process_internal();
        self.fit_view();
    }

    /// Waits for the jobs Esc does not cancel (keeping an inventory), so that the planner ends with them done.
    pub fn settle_background(&mut self) {
        self.jobs.retain(|j| !j.cancellable);
        self.settle();
    }

    /// Esc while work the operator asked for runs: cancels it. True when there was such work.
    pub(crate) fn cancel_jobs(&mut self) -> bool {
        let (cancelled, kept): (Vec<Job>, Vec<Job>) = std::mem::take(&mut self.jobs)
            .into_iter()
            .partition(|j| j.cancellable);
        self.jobs = kept;
        if cancelled.is_empty() {
            return false;
        }
        let what: Vec<&str> = cancelled.iter().map(|j| j.what.as_str()).collect();
        for j in &cancelled {
            j.cancel();
        }
        self.info(format!("cancelled {}: nothing changed", what.join(", ")));
        true
    }

    /// The footer's progress line while work runs: how to cancel it first, so that a narrow terminal shows it.
    pub fn progress_line(&self) -> Option<String> {
        let lines: Vec<String> = self.jobs.iter().map(Job::line).collect();
        let cancel = if self.jobs.iter().any(|j| j.cancellable) {
            "Esc cancels: "
        } else {
            ""
        };
        (!lines.is_empty()).then(|| format!("{cancel}{}", lines.join(" | ")))
    }

    /// Why the plan cannot be changed now (work runs whose result replaces the plan), if it cannot.
    pub fn edits_blocked(&self) -> Option<String> {
        self.jobs.iter().find(|j| j.blocks_edits).map(|j| {
            format!(
                "{}: changes wait until it is done (Esc cancels it); nothing you typed is lost",
                j.what
            )
        })
    }

    /// `x`: works out, off the key path, the exception that leaves the chosen mode's blockers out of a path.
    pub(crate) fn except_blockers(&mut self, path: PathId) {
        let (Some(p), Some(pp)) = (
            self.ws.inventory.paths.get(path as usize),
            self.ws.evaluation.pairs.get(path as usize),
        ) else {
            return;
        };
        // A second x on the same path while the first works would only give way to the first.
        if self
            .jobs
            .iter()
            .any(|j| matches!(j.started_on, PlanVersion::Decision(p, ..) if p == path))
        {
            return self.info(format!("x on {} is under way (Esc cancels it)", p.name));
        }
        let mode = self.ws.choice(path).mode;
        let had = self
            .ws
            .plan
            .decision(&p.name)
            .map_or(Vec::new(), |d| d.exceptions.clone());
        let inv = Arc::clone(&self.ws.inventory);
        let pairs = pp.clone();
        let codes = crate::plan::exceptions::blocking_codes(&self.ws.evaluation, path, mode);
        let job = Job::spawn(
            format!("x on {}: leaving out what blocks {mode}", p.name),
            PlanVersion::Decision(path, mode, had),
            move |progress: &Progress| {
                progress.step(0, 2, "finding the blocked users and targets");
                let Some(p) = inv.paths.get(path as usize) else {
                    return Outcome::Cancelled;
                };
                let r = crate::plan::exceptions::propose_on(p, &pairs, mode);
                if progress.cancelled() {
                    return Outcome::Cancelled;
                }
                progress.step(1, 2, "choosing the fewest selectors");
                let exceptions = r
                    .map(|r| crate::plan::exceptions::to_exception(&inv, path, &r, &codes))
                    .into_iter()
                    .collect();
                Outcome::Except {
                    path,
                    mode,
                    exceptions,
                }
            },
        );
        self.start(job);
    }

    /// Reads the inventory and the plan file again, off the key path; edits wait until it is done.
    pub(crate) fn reload(&mut self) {
        let inventory = self.files.inventory.clone();
        let plan = self.files.plan.clone().filter(|p| p.exists());
        let today = self.ws.today;
        let job = Job::spawn(
            "reloading the inventory and the plan",
            PlanVersion::Any,
            move |progress: &Progress| {
                progress.step(0, 3, "reading the inventory");
                let inv = match &inventory {
                    Some(p) => crate::inventory::load_file(p).map_err(|e| e.to_string()),
                    None => crate::inventory::load_sample().map_err(|e| e.to_string()),
                };
                let inv = match inv {
                    Ok(inv) => inv,
                    Err(e) => {
                        return Outcome::Reloaded(Err(format!(
                            "reload: the inventory does not load: {e}"
                        )));
                    }
                };
                if progress.cancelled() {
                    return Outcome::Cancelled;
                }
                progress.step(1, 3, "reading the plan file");
                let (plan, stamp) = match plan.as_deref() {
                    Some(p) => match io::load(p).and_then(|(plan, stamp)| {
                        io::validate(&plan, &inv)?;
                        Ok((plan, stamp))
                    }) {
                        Ok((plan, stamp)) => (Some(plan), Some(stamp)),
                        Err(e) => {
                            let first = e.0.first().map_or(String::new(), |d| d.message.clone());
                            return Outcome::Reloaded(Err(format!(
                                "reload: {}: {first}",
                                p.display()
                            )));
                        }
                    },
                    None => (None, None),
                };
                if progress.cancelled() {
                    return Outcome::Cancelled;
                }
                progress.step(2, 3, "judging every path under every mode");
                let ws = Workspace::new(inv, plan, today);
                Outcome::Reloaded(Ok(Box::new((ws, stamp))))
            },
        )
        .blocking_edits();
        self.start(job);
    }

    /// Writes an export beside the plan file, off the key path, of the plan as it is now.
    pub(crate) fn export(&mut self, kind: ExportKind) -> Option<super::app::Overlay> {
        let files = self.files.clone();
        let plan_text = (kind == ExportKind::Plan).then(|| self.plan_text());
        // The workspace as it is now: edits made while the export runs are not in it.
        let ws = (kind != ExportKind::Plan).then(|| Box::new(self.ws.clone()));
        let what = match kind {
            ExportKind::Plan => "exporting the plan file",
            ExportKind::Format(ExportFormat::Markdown) => "exporting the Markdown report",
            ExportKind::Format(ExportFormat::Sarif) => "exporting SARIF",
            ExportKind::Format(ExportFormat::Json) => "exporting the JSON report",
            ExportKind::Format(ExportFormat::Scripts) => "exporting the per-stage scripts",
            ExportKind::Format(ExportFormat::Gpo) => "exporting the Group Policy backups",
            ExportKind::Format(ExportFormat::Intune) => "exporting the Intune policies",
        };
        let job = Job::spawn(what, PlanVersion::Any, move |progress: &Progress| {
            progress.step(0, 1, "writing it");
            match super::export(ws.as_deref(), &files, plan_text.as_deref(), kind, progress) {
                Ok(Some(wrote)) => Outcome::Exported(Ok(wrote)),
                Ok(None) => Outcome::Cancelled,
                Err(e) => Outcome::Exported(Err(e)),
            }
        });
        self.start(job);
        None
    }

    /// Keeps this inventory's lines for the comparisons of plans that will become stale, as the latest version
    /// of this plan file, on a thread of its own; the note of what was pruned comes when it is done.
    pub(super) fn remember(&mut self, data_dir: &std::path::Path, fingerprint: &str) {
        let plan = self
            .files
            .plan
            .as_deref()
            .map_or(String::new(), super::autosave::identity);
        let inv = Arc::clone(&self.ws.inventory);
        let (dir, fp) = (data_dir.to_path_buf(), fingerprint.to_string());
        let job = Job::spawn(
            "keeping the inventory for later comparisons",
            PlanVersion::Any,
            move |progress: &Progress| {
                progress.step(0, 1, "writing its lines");
                Outcome::Remembered(
                    super::known::remember(&dir, &fp, &inv, &plan)
                        .map(|pruned| pruned.note(&dir))
                        .map_err(|e| {
                            format!(
                                "could not keep the inventory for later comparisons in {}: {e}",
                                dir.display()
                            )
                        }),
                )
            },
        )
        .in_background();
        self.start(job);
    }

    fn apply_outcome(&mut self, job: &Job, outcome: Outcome) {
        match outcome {
            Outcome::Cancelled => {}
            Outcome::Except {
                path,
                mode,
                exceptions,
            } => {
                let name = self
                    .ws
                    .inventory
                    .paths
                    .get(path as usize)
                    .map_or(String::new(), |p| p.name.clone());
                let now = self
                    .ws
                    .plan
                    .decision(&name)
                    .map_or(Vec::new(), |d| d.exceptions.clone());
                let version = PlanVersion::Decision(path, self.ws.choice(path).mode, now);
                if version != job.started_on {
                    self.error(format!(
                        "x on {name}: its mode or exceptions changed while the exception was worked out; \
                         nothing changed by x, press it again"
                    ));
                    return;
                }
                let ev = super::exceptions::except_message(&self.ws, path, mode, exceptions);
                self.queue.push_back(ev);
                self.process_internal();
            }
            Outcome::Reloaded(Err(e)) => self.error(e),
            Outcome::Reloaded(Ok(reloaded)) => {
                let (ws, stamp) = *reloaded;
                self.reloaded(ws, stamp);
            }
            Outcome::Exported(Ok(msg)) => self.info(msg),
            Outcome::Exported(Err(e)) => self.error(e),
            Outcome::Remembered(Ok(None)) => {}
            Outcome::Remembered(Ok(Some(note))) => match self.status.clone() {
                Some(s) if !s.error => self.info(format!("{}; {note}", s.text)),
                Some(_) => {}
                None => self.info(note),
            },
            Outcome::Remembered(Err(e)) => self.error(e),
        }
    }

    /// Keeps the cursors of the view shown in range after work changed what it lists.
    pub(crate) fn fit_view(&mut self) {
        if self.view == View::Waivers && self.waivers.stale {
            self.waivers.refresh(&self.ws);
        }
        self.fit_cursors();
    }
}
