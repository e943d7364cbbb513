//! Autosave of the working plan under the data directory, so that a crash or a killed terminal never loses
//! what the operator did. Each planner has its own slot for its (inventory, plan file) pair, held by a lock
//! while it runs: two planners on one plan never share a slot, and a slot whose planner is gone (its lock is
//! free) is offered for recovery. A slot records what the plan file held when the planner read it, so that a
//! recovered plan is never saved over a file changed since. A slot is removed once the plan is saved or the
//! operator discards the changes.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use sha2::{Digest, Sha256};

use crate::plan::FileStamp;

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
}
