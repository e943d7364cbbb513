//! Autosave of the working plan under the data directory, so that a crash or a killed terminal never loses
//! what the operator did. Each planner has its own slot for its (inventory, plan file) pair, held by a lock
//! while it runs: two planners on one plan never share a slot, and a slot whose planner is gone (its lock is
//! free) is offered for recovery. A slot records what the plan file held when the planner read it, so that a
//! recovered plan is never saved over a file changed since. A slot is removed once the plan is saved or the
//! operator discards the changes.
//!
//! The [`Writer`] does the rendering and writing on a thread of its own, so that a key never waits for them.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use sha2::{Digest, Sha256};

use crate::plan::{FileStamp, Plan};

/// The autosave slot of one planner for an inventory and a plan file.
#[derive(Debug, Clone)]
pub struct Autosave {
    path: PathBuf,
    /// The name every slot of the same inventory and plan file starts with.
    prefix: String,
    /// Held while the planner runs; released (and removed with an empty slot) when the planner ends.
    _lock: Option<Arc<Lock>>,
}

impl PartialEq for Autosave {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
    }
}
impl Eq for Autosave {}

/// An autosave left by a planner that is no longer running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    /// Its slot.
    pub path: PathBuf,
    /// The autosaved plan's text.
    pub text: String,
    /// What the plan file held when that planner read it (`None`: there was no file).
    pub base: Option<FileStamp>,
}

impl Orphan {
    /// Removes the slot and its lock file.
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::remove_file(lock_path(&self.path));
    }
}

/// A stable identity for a file named on the command line (absolute, symlinks resolved where it exists).
pub fn identity(path: &Path) -> String {
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    });
    abs.display().to_string()
}

const SUFFIX: &str = ".plan.toml";
const HEADER: &str = "# guardplan autosave; the plan file held: ";

fn lock_path(slot: &Path) -> PathBuf {
    let name = slot
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    slot.with_file_name(format!(
        "{}.lock",
        name.strip_suffix(SUFFIX).unwrap_or(&name)
    ))
}

fn stamp_text(stamp: Option<&FileStamp>) -> String {
    match stamp {
        None => "none".into(),
        Some(s) => {
            let hex: String = s.sha256.iter().map(|b| format!("{b:02x}")).collect();
            format!("{} bytes, sha256:{hex}", s.len)
        }
    }
}

fn parse_stamp(text: &str) -> Option<Option<FileStamp>> {
    let line = text.lines().next()?.strip_prefix(HEADER)?;
    if line == "none" {
        return Some(None);
    }
    let (len, hex) = line.split_once(" bytes, sha256:")?;
    let mut sha256 = [0u8; 32];
    if hex.len() != 64 {
        return None;
    }
    for (i, b) in sha256.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(Some(FileStamp {
        len: len.parse().ok()?,
        sha256,
    }))
}

/// A lock file held for as long as its planner runs.
#[derive(Debug)]
struct Lock {
    _file: std::fs::File,
    path: PathBuf,
    slot: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        // A slot left behind (unsaved work at exit) keeps its lock file, free now, so it is offered later.
        if !self.slot.exists() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Takes the lock of a slot without waiting: `None` when another planner holds it.
#[cfg(unix)]
fn try_lock(path: &Path) -> Option<std::fs::File> {
    use std::os::fd::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .ok()?;
    // SAFETY: `flock` on a descriptor owned by `file`, which outlives the call.
    let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
    locked.then_some(file)
}

#[cfg(not(unix))]
fn try_lock(path: &Path) -> Option<std::fs::File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .ok()
}

/// Distinguishes the planners of one process (the tests run several).
static INSTANCE: AtomicU32 = AtomicU32::new(0);

impl Autosave {
    /// A new slot for an inventory and a plan file, each given by its identity (see [`identity`]), locked for
    /// as long as this value (or a clone) lives.
    pub fn new(data_dir: &Path, inventory: &str, plan: &str) -> Autosave {
        let mut h = Sha256::new();
        h.update(inventory.as_bytes());
        h.update([0]);
        h.update(plan.as_bytes());
        let digest = h.finalize();
        let prefix: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let dir = data_dir.join("autosave");
        let _ = std::fs::create_dir_all(&dir);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut lock = None;
        let mut path = dir.join(format!("{prefix}{SUFFIX}"));
        for _ in 0..100 {
            let n = INSTANCE.fetch_add(1, Ordering::Relaxed);
            path = dir.join(format!(
                "{prefix}-{}-{nanos:x}-{n}{SUFFIX}",
                std::process::id()
            ));
            let lp = lock_path(&path);
            if lp.exists() || path.exists() {
                continue;
            }
            if let Some(file) = try_lock(&lp) {
                lock = Some(Arc::new(Lock {
                    _file: file,
                    path: lp,
                    slot: path.clone(),
                }));
                break;
            }
        }
        Autosave {
            path,
            prefix,
            _lock: lock,
        }
    }

    /// The data directory the slot is in.
    pub fn data_dir(&self) -> Option<&Path> {
        self.path.parent()?.parent()
    }

    /// Where the autosave lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the working plan, recording what the plan file held when it was read (`base`): a temporary file
    /// in the same directory, flushed, then renamed over the slot, so that a crash mid-write leaves the
    /// previous autosave intact.
    pub fn write(&self, text: &str, base: Option<&FileStamp>) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let content = format!("{HEADER}{}\n{text}", stamp_text(base));
        crate::fsio::write_atomic(&self.path, content.as_bytes())
    }

    /// The autosaved text of this slot, if there is one.
    pub fn read(&self) -> Option<String> {
        crate::fsio::read_input_within(&self.path, crate::fsio::MAX_PLAN)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
    }

    /// Removes this slot's autosave (after a save, or when the operator discards the changes).
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }

    /// Autosaves of the same inventory and plan file left by planners that are no longer running, the most
    /// recent first. A slot another running planner holds is never returned.
    pub fn orphans(&self) -> Vec<Orphan> {
        let Some(dir) = self.path.parent() else {
            return Vec::new();
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut found: Vec<(std::time::SystemTime, Orphan)> = Vec::new();
        for e in entries.filter_map(Result::ok) {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if path == self.path || !name.starts_with(&self.prefix) || !name.ends_with(SUFFIX) {
                continue;
            }
            // Free lock (or none, from an older release): its planner is gone.
            if try_lock(&lock_path(&path)).is_none() {
                continue;
            }
            let Some(text) = crate::fsio::read_input_within(&path, crate::fsio::MAX_PLAN)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
            else {
                continue;
            };
            let base = parse_stamp(&text).unwrap_or(None);
            let time = e
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            found.push((time, Orphan { path, text, base }));
        }
        found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.path.cmp(&b.1.path)));
        found.into_iter().map(|(_, o)| o).collect()
    }
}

/// Autosaves of planners gone longer than this are pruned (of any inventory and plan file): 30 days.
pub const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// Removes, under the data directory, the autosaves (and lock files) of planners that are no longer running
/// and were last written more than `after` ago: work never recovered in that time, of any inventory and plan
/// file, so that the folder stays bounded. A slot a running planner holds is never touched. Returns how many
/// autosaves were removed.
pub fn prune_abandoned(data_dir: &Path, after: std::time::Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(data_dir.join("autosave")) else {
        return 0;
    };
    let now = std::time::SystemTime::now();
    let old = |path: &Path| {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > after))
    };
    let mut removed = 0;
    for e in entries.filter_map(Result::ok) {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(SUFFIX) {
            let lock = lock_path(&path);
            if old(&path) && try_lock(&lock).is_some() && std::fs::remove_file(&path).is_ok() {
                let _ = std::fs::remove_file(&lock);
                removed += 1;
            }
        } else if let Some(stem) = name.strip_suffix(".lock") {
            // A lock file left without its slot by a planner that is gone.
            let slot = path.with_file_name(format!("{stem}{SUFFIX}"));
            if !slot.exists() && old(&path) && try_lock(&path).is_some() {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    removed
}

/// Keeps an autosave slot in step with the working plan from a thread of its own, so that rendering and writing
/// a large plan never holds up a key: the planner hands it a copy of the plan after each change and goes on; a
/// copy not written yet is replaced by a newer one (only the latest matters). Every operation on the slot goes
/// through it, in order, so that a removal is never undone by an older write. Dropping it writes what is
/// pending first.
#[derive(Debug)]
pub struct Writer {
    slot: Autosave,
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<WriterState>,
    changed: Condvar,
}

/// What the writer does next with the slot.
#[derive(Debug)]
enum Job {
    /// Write a plan, recording what the plan file held when it was read.
    Write(Box<Plan>, Option<FileStamp>),
    /// Remove the slot.
    Remove,
}

impl Job {
    /// Does it; the reason when it fails.
    fn run(self, slot: &Autosave) -> Option<String> {
        match self {
            Job::Write(plan, base) => slot
                .write(&crate::plan::io::render(&plan), base.as_ref())
                .err()
                .map(|e| e.to_string()),
            Job::Remove => {
                slot.remove();
                None
            }
        }
    }
}

#[derive(Debug, Default)]
struct WriterState {
    /// What to do next; a newer job replaces one not started yet.
    pending: Option<Job>,
    /// A write is under way.
    busy: bool,
    /// The planner is ending: write what is pending, then stop.
    stop: bool,
    /// Why the last write failed, until the planner has shown it.
    failure: Option<String>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, WriterState> {
        // The state is never left half-changed by a panic: take it as it is.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, WriterState>) -> MutexGuard<'a, WriterState> {
        self.changed
            .wait(guard)
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The writer thread: the latest plan handed over, written one at a time, until told to stop.
fn write_loop(slot: &Autosave, shared: &Shared) {
    let mut st = shared.lock();
    loop {
        if let Some(job) = st.pending.take() {
            st.busy = true;
            drop(st);
            let failure = job.run(slot);
            st = shared.lock();
            st.busy = false;
            if failure.is_some() {
                st.failure = failure;
            }
            shared.changed.notify_all();
        } else if st.stop {
            return;
        } else {
            st = shared.wait(st);
        }
    }
}

impl Writer {
    /// Starts the writer of a slot. Where no thread can be started, each plan is written at once instead.
    pub fn start(slot: Autosave) -> Writer {
        let shared = Arc::new(Shared::default());
        let thread = {
            let (slot, shared) = (slot.clone(), Arc::clone(&shared));
            std::thread::Builder::new()
                .name("guardplan-autosave".into())
                .spawn(move || write_loop(&slot, &shared))
                .ok()
        };
        Writer {
            slot,
            shared,
            thread,
        }
    }

    /// The slot it writes.
    pub fn slot(&self) -> &Autosave {
        &self.slot
    }

    fn send(&self, job: Job) {
        if self.thread.is_none() {
            let failure = job.run(&self.slot);
            self.shared.lock().failure = failure;
            return;
        }
        self.shared.lock().pending = Some(job);
        self.shared.changed.notify_all();
    }

    /// Hands over the working plan, to be written as soon as the thread is free.
    pub fn submit(&self, plan: Plan, base: Option<FileStamp>) {
        self.send(Job::Write(Box::new(plan), base));
    }

    /// Removes the slot once a write under way is done; a plan handed over and not written yet never is.
    pub fn remove(&self) {
        self.send(Job::Remove);
    }

    /// Waits until everything handed over is written.
    pub fn flush(&self) {
        let mut st = self.shared.lock();
        while self.thread.is_some() && (st.pending.is_some() || st.busy) {
            st = self.shared.wait(st);
        }
    }

    /// Whether work handed over is not done yet, and why a write failed since the last call, if one did
    /// (both read at once: once nothing is pending, no failure can follow unseen).
    pub fn state(&self) -> (bool, Option<String>) {
        let mut st = self.shared.lock();
        (st.pending.is_some() || st.busy, st.failure.take())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.changed.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_round_trip_through_the_header() {
        let s = FileStamp::of(b"plan");
        let text = format!("{HEADER}{}\nversion = 1\n", stamp_text(Some(&s)));
        assert_eq!(parse_stamp(&text), Some(Some(s)));
        let text = format!("{HEADER}{}\n", stamp_text(None));
        assert_eq!(parse_stamp(&text), Some(None));
        assert_eq!(parse_stamp("version = 1\n"), None);
    }

    #[test]
    fn two_planners_on_one_plan_have_two_slots_and_see_only_dead_ones() {
        let dir = tempfile::tempdir().expect("dir");
        let a = Autosave::new(dir.path(), "inv", "plan");
        let b = Autosave::new(dir.path(), "inv", "plan");
        assert_ne!(a.path(), b.path());
        a.write("version = 1\n", None).expect("write");
        assert!(
            b.orphans().is_empty(),
            "a's slot is held by a running planner"
        );
        drop(a);
        let orphans = b.orphans();
        assert_eq!(orphans.len(), 1);
        assert!(orphans[0].text.ends_with("version = 1\n"));
        assert_eq!(orphans[0].base, None);
        let other = Autosave::new(dir.path(), "inv", "other plan");
        assert!(
            other.orphans().is_empty(),
            "another plan's slots are not offered"
        );
    }

    fn plan(fingerprint: &str) -> Plan {
        Plan {
            version: 1,
            inventory: crate::plan::InventoryRef {
                path: "inv.toml".into(),
                fingerprint: fingerprint.into(),
            },
            ..Plan::default()
        }
    }

    #[test]
    fn the_writer_writes_the_latest_plan_and_a_planner_that_ends_leaves_it() {
        let dir = tempfile::tempdir().expect("dir");
        let slot = Autosave::new(dir.path(), "inv", "plan");
        let w = Writer::start(slot.clone());
        for n in 0..20 {
            w.submit(plan(&format!("sha256:{n}")), None);
        }
        drop(w);
        let text = slot.read().expect("written before the writer ended");
        assert!(text.contains("fingerprint = \"sha256:19\""), "{text}");
        assert_eq!(parse_stamp(&text), Some(None));
    }

    #[test]
    fn a_removal_is_never_undone_by_an_older_write() {
        let dir = tempfile::tempdir().expect("dir");
        let slot = Autosave::new(dir.path(), "inv", "plan");
        let w = Writer::start(slot.clone());
        for n in 0..5 {
            w.submit(plan(&format!("sha256:{n}")), None);
            w.remove();
            w.flush();
            assert!(slot.read().is_none(), "removed after write {n}");
        }
        drop(w);
        assert!(slot.read().is_none());
    }

    #[test]
    fn autosaves_of_planners_long_gone_are_pruned_and_held_ones_never() {
        let dir = tempfile::tempdir().expect("dir");
        let gone = Autosave::new(dir.path(), "inv", "old plan");
        gone.write("version = 1\n", None).expect("write");
        let gone_path = gone.path().to_path_buf();
        drop(gone);
        let running = Autosave::new(dir.path(), "inv", "plan");
        running.write("version = 1\n", None).expect("write");
        let recent = Autosave::new(dir.path(), "inv", "recent plan");
        recent.write("version = 1\n", None).expect("write");
        let recent_path = recent.path().to_path_buf();
        drop(recent);
        // Written 31 days ago: the running planner's slot too, which it still holds.
        let long_ago =
            std::time::SystemTime::now() - ABANDONED_AFTER - std::time::Duration::from_secs(86400);
        for p in [&gone_path, &running.path().to_path_buf()] {
            let f = std::fs::File::options().append(true).open(p).expect("open");
            f.set_modified(long_ago).expect("age it");
        }
        assert_eq!(prune_abandoned(dir.path(), ABANDONED_AFTER), 1);
        assert!(
            !gone_path.exists(),
            "the slot of a planner long gone is pruned"
        );
        assert!(!lock_path(&gone_path).exists(), "with its lock file");
        assert!(running.path().exists(), "a held slot is never pruned");
        assert!(recent_path.exists(), "a recent orphan stays to be offered");
    }

    #[test]
    fn a_failed_write_is_reported_once() {
        let dir = tempfile::tempdir().expect("dir");
        let slot = Autosave::new(dir.path(), "inv", "plan");
        // The slot's directory replaced by a file: nothing can be written there.
        let autosave_dir = slot.path().parent().expect("slot dir").to_path_buf();
        std::fs::remove_dir_all(&autosave_dir).expect("remove");
        std::fs::write(&autosave_dir, b"not a directory").expect("file");
        let w = Writer::start(slot.clone());
        w.submit(plan("sha256:1"), None);
        w.flush();
        let (pending, failure) = w.state();
        assert!(!pending);
        assert!(failure.is_some(), "the failure is reported");
        assert_eq!(w.state(), (false, None), "and only once");
    }
}
