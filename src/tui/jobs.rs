//! Work that can take longer than a key may (reloading, exporting, keeping an inventory, working out an
//! exception on a large path) runs on a thread of its own, so that every key answers at once. A [`Job`]
//! reports how far it is (the footer shows it, with Esc to cancel), and hands back an [`Outcome`] that the
//! application applies on its own thread (see `App::poll_jobs`): a result is applied against the plan as it
//! was when the job started, or dropped with a message when the plan changed under it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

use crate::finding::Mode;
use crate::inventory::PathId;
use crate::plan::io::FileStamp;
use crate::plan::{Exception, Workspace};

/// How far a job is, shared between its thread and the planner.
#[derive(Debug, Default)]
pub struct Progress {
    step: Mutex<String>,
    done: AtomicUsize,
    total: AtomicUsize,
    cancel: AtomicBool,
}

impl Progress {
    /// The job starts step `done + 1` of `total`: `what` it does now.
    pub fn step(&self, done: usize, total: usize, what: &str) {
        *self.step.lock().unwrap_or_else(PoisonError::into_inner) = what.to_string();
        self.done.store(done, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }

    /// Whether the operator cancelled the job: it stops at its next step.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// What a job hands back.
#[derive(Debug)]
pub enum Outcome {
    /// The exception `x` proposes for a path under a mode (empty: nothing to leave out).
    Except {
        /// The path.
        path: PathId,
        /// The mode it was worked out for.
        mode: Mode,
        /// The proposal.
        exceptions: Vec<Exception>,
    },
    /// The inventory and the plan file read again, judged: the workspace to plan on, and what the file held.
    Reloaded(Result<Box<(Workspace, Option<FileStamp>)>, String>),
    /// An export written: what was written, or why not.
    Exported(Result<String, String>),
    /// An inventory kept for later comparisons: the note of what was pruned, or why it could not be kept.
    Remembered(Result<Option<String>, String>),
    /// The job saw its cancellation and stopped.
    Cancelled,
}

/// One piece of work under way.
#[derive(Debug)]
pub struct Job {
    /// What it does, as the footer names it (`reloading the inventory and the plan`).
    pub what: String,
    /// Whether edits of the plan wait until it ends (its result replaces the plan).
    pub blocks_edits: bool,
    /// Whether Esc cancels it (work the operator asked for; keeping an inventory runs on its own).
    pub cancellable: bool,
    /// The plan's version when it started, to apply its result against.
    pub started_on: PlanVersion,
    progress: Arc<Progress>,
    rx: mpsc::Receiver<Outcome>,
    started: Instant,
}

/// The part of the plan a job's result depends on, as it was when the job started.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanVersion {
    /// Nothing of the plan: the result applies whatever changed.
    Any,
    /// A path's decision (mode and exceptions).
    Decision(PathId, Mode, Vec<Exception>),
}

impl Job {
    /// Starts `work` on a thread of its own. Where no thread can be started, it runs at once.
    pub fn spawn(
        what: impl Into<String>,
        started_on: PlanVersion,
        work: impl FnOnce(&Progress) -> Outcome + Send + 'static,
    ) -> Job {
        let progress = Arc::new(Progress::default());
        let (tx, rx) = mpsc::channel();
        let p = Arc::clone(&progress);
        let send = tx.clone();
        let spawned = std::thread::Builder::new()
            .name("guardplan-job".into())
            .spawn(move || {
                let _ = send.send(work(&p));
            });
        if let Err(e) = spawned {
            let _ = tx.send(Outcome::Exported(Err(format!(
                "could not start the work: {e}"
            ))));
        }
        Job {
            what: what.into(),
            blocks_edits: false,
            cancellable: true,
            started_on,
            progress,
            rx,
            started: Instant::now(),
        }
    }

    /// Edits of the plan wait until the job ends.
    pub fn blocking_edits(mut self) -> Job {
        self.blocks_edits = true;
        self
    }

    /// Esc does not cancel the job.
    pub fn in_background(mut self) -> Job {
        self.cancellable = false;
        self
    }

    /// Its outcome, if it is done; `wait` waits up to that long for it.
    pub fn outcome(&self, wait: Duration) -> Option<Outcome> {
        if wait.is_zero() {
            return match self.rx.try_recv() {
                Ok(o) => Some(o),
                Err(mpsc::TryRecvError::Disconnected) => Some(Outcome::Cancelled),
                Err(mpsc::TryRecvError::Empty) => None,
            };
        }
        match self.rx.recv_timeout(wait) {
            Ok(o) => Some(o),
            // A thread that ended without an outcome (it panicked): nothing to apply.
            Err(mpsc::RecvTimeoutError::Disconnected) => Some(Outcome::Cancelled),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
        }
    }

    /// Asks the job to stop; its outcome will be dropped.
    pub fn cancel(&self) {
        self.progress.cancel.store(true, Ordering::Relaxed);
    }

    /// The footer's line: what it does, how far, for how long.
    pub fn line(&self) -> String {
        let step = self
            .progress
            .step
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let (done, total) = (
            self.progress.done.load(Ordering::Relaxed),
            self.progress.total.load(Ordering::Relaxed),
        );
        let how_far = if total > 0 && !step.is_empty() {
            format!(": {step} ({}/{total})", (done + 1).min(total))
        } else {
            String::new()
        };
        format!(
            "{}{how_far}, {} s",
            self.what,
            self.started.elapsed().as_secs()
        )
    }
}
