//! Inventories the planner has seen, kept by fingerprint in the data directory as their normalized lines, so
//! that a plan made for one of them can say what changed since (`inventories/HEX.lines`).
//!
//! The store is bounded: per plan file, the [`PER_PLAN`] versions it was most recently opened or saved with
//! (`inventories/plans/KEY.list`, most recent first), plus the version each of those plan files is bound to
//! now (its `fingerprint`), and never more than [`MAX_VERSIONS`] versions in all (the least recently used go
//! first). What is no longer kept is pruned when a version is remembered, and the planner says so.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::inventory::Inventory;
use crate::plan::fingerprint::{self, EntryChange};

/// Inventory versions kept per plan file, the most recent ones.
pub const PER_PLAN: usize = 5;

/// Inventory versions kept in all, whatever the number of plan files.
pub const MAX_VERSIONS: usize = 32;

/// The folder of the kept inventories.
fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("inventories")
}

/// The hex digits of a fingerprint, if it is one.
fn hex(fingerprint: &str) -> Option<&str> {
    let hex = fingerprint.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

/// Where the lines of the inventory with this fingerprint are kept.
fn file(data_dir: &Path, fingerprint: &str) -> Option<PathBuf> {
    hex(fingerprint).map(|h| dir(data_dir).join(format!("{h}.lines")))
}

/// The list of the versions a plan file (by its identity; empty: a plan not saved yet) was used with.
fn list_file(data_dir: &Path, plan: &str) -> PathBuf {
    let digest = Sha256::digest(plan.as_bytes());
    let key: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    dir(data_dir).join("plans").join(format!("{key}.list"))
}

/// What [`remember`] pruned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Inventory versions removed.
    pub versions: usize,
    /// Their size in bytes.
    pub bytes: u64,
}

impl Pruned {
    /// A note for the status line, when something was pruned.
    pub fn note(&self, data_dir: &Path) -> Option<String> {
        (self.versions > 0).then(|| {
            format!(
                "pruned {} of older inventories ({:.1} MB) from {} (it keeps the {PER_PLAN} most recent per plan \
                 and the one each plan file is bound to)",
                crate::report::plural(self.versions, "version"),
                self.bytes as f64 / 1e6,
                dir(data_dir).display()
            )
        })
    }
}

/// Keeps the normalized lines of an inventory under its fingerprint, once, as the most recent version of the
/// plan file `plan` (its identity, see [`super::autosave::identity`]; empty for a plan not saved yet); then
/// prunes what the store no longer keeps.
pub fn remember(
    data_dir: &Path,
    fingerprint: &str,
    inv: &Inventory,
    plan: &str,
) -> std::io::Result<Pruned> {
    let Some(path) = file(data_dir, fingerprint) else {
        return Ok(Pruned::default());
    };
    if !path.exists() {
        std::fs::create_dir_all(dir(data_dir))?;
        let mut text = String::new();
        fingerprint::for_each_line(inv, |l| {
            text.push_str(l);
            text.push('\n');
        });
        crate::fsio::write_atomic(&path, text.as_bytes())?;
    } else {
        // Used again: the least recently used go first when the store is full.
        let _ = std::fs::File::options()
            .append(true)
            .open(&path)
            .and_then(|f| f.set_modified(std::time::SystemTime::now()));
    }
    let list = list_file(data_dir, plan);
    let (_, mut versions) = read_list(&list).unwrap_or_default();
    versions.retain(|v| v != fingerprint);
    versions.insert(0, fingerprint.to_string());
    versions.truncate(PER_PLAN);
    if let Some(parent) = list.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut text = format!("{plan}\n");
    for v in &versions {
        text.push_str(v);
        text.push('\n');
    }
    crate::fsio::write_atomic(&list, text.as_bytes())?;
    Ok(prune(data_dir, fingerprint))
}

/// A plan's list: its identity and its versions, most recent first.
fn read_list(path: &Path) -> Option<(String, Vec<String>)> {
    let bytes = crate::fsio::read_input_within(path, 1 << 20).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut lines = text.lines();
    let plan = lines.next()?.to_string();
    Some((
        plan,
        lines
            .filter(|l| hex(l).is_some())
            .map(String::from)
            .collect(),
    ))
}

/// The fingerprint a plan file is bound to, read from its `[inventory]` table without parsing the rest.
fn bound_fingerprint(plan: &Path) -> Option<String> {
    let bytes = crate::fsio::read_input_within(plan, crate::fsio::MAX_PLAN).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("fingerprint"))
        .filter_map(|rest| rest.trim_start().strip_prefix('='))
        .map(|v| v.trim().trim_matches('"').to_string())
        .find(|v| hex(v).is_some())
}

/// Removes the versions no plan keeps; `current` is always kept.
fn prune(data_dir: &Path, current: &str) -> Pruned {
    let mut keep: Vec<String> = vec![current.to_string()];
    if let Ok(entries) = std::fs::read_dir(dir(data_dir).join("plans")) {
        for e in entries.filter_map(Result::ok) {
            let Some((plan, versions)) = read_list(&e.path()) else {
                continue;
            };
            keep.extend(versions);
            if !plan.is_empty()
                && let Some(fp) = bound_fingerprint(Path::new(&plan))
            {
                keep.push(fp);
            }
        }
    }
    let keep: std::collections::HashSet<String> = keep
        .iter()
        .filter_map(|f| hex(f))
        .map(str::to_ascii_lowercase)
        .collect();
    let mut kept: Vec<(std::time::SystemTime, String, PathBuf, u64)> = Vec::new();
    let mut pruned = Pruned::default();
    let Ok(entries) = std::fs::read_dir(dir(data_dir)) else {
        return pruned;
    };
    let remove = |path: &Path, len: u64, pruned: &mut Pruned| {
        if std::fs::remove_file(path).is_ok() {
            pruned.versions += 1;
            pruned.bytes += len;
        }
    };
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(h) = name.strip_suffix(".lines") else {
            continue;
        };
        let meta = e.metadata().ok();
        let len = meta.as_ref().map_or(0, |m| m.len());
        if keep.contains(&h.to_ascii_lowercase()) {
            let at = meta.and_then(|m| m.modified().ok());
            kept.push((
                at.unwrap_or(std::time::UNIX_EPOCH),
                h.to_string(),
                e.path(),
                len,
            ));
        } else {
            remove(&e.path(), len, &mut pruned);
        }
    }
    // The cap on the total: the least recently used beyond it go, never the current one.
    if kept.len() > MAX_VERSIONS {
        kept.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let current = hex(current).map(str::to_ascii_lowercase);
        let mut n = kept.len();
        for (_, h, path, len) in kept.iter().rev() {
            if n <= MAX_VERSIONS {
                break;
            }
            if Some(h.to_ascii_lowercase()) != current {
                remove(path, *len, &mut pruned);
                n -= 1;
            }
        }
    }
    pruned
}

/// The lines of the inventory with this fingerprint, if it was seen here.
pub fn recall(data_dir: &Path, fingerprint: &str) -> Option<Vec<String>> {
    let path = file(data_dir, fingerprint)?;
    let bytes = crate::fsio::read_input_within(&path, crate::fsio::MAX_FILE).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    // The file is ours, but lines are shown on the terminal: any with control characters are dropped.
    Some(
        text.lines()
            .filter(|l| !l.chars().any(char::is_control))
            .map(str::to_string)
            .collect(),
    )
}

/// What changed from the inventory a plan was made for to this one; `None` when that one was never seen here.
pub fn changes_since(data_dir: &Path, was: &str, inv: &Inventory) -> Option<Vec<EntryChange>> {
    let before = recall(data_dir, was)?;
    Some(fingerprint::changes(&before, &fingerprint::lines(inv)))
}
