//! Inventories the planner has seen, kept by fingerprint in the data directory as their normalized lines, so
//! that a plan made for one of them can say what changed since (`inventories/HEX.lines`).

use std::path::{Path, PathBuf};

use crate::inventory::Inventory;
use crate::plan::fingerprint::{self, EntryChange};

/// Where the lines of the inventory with this fingerprint are kept.
fn file(data_dir: &Path, fingerprint: &str) -> Option<PathBuf> {
    let hex = fingerprint.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| data_dir.join("inventories").join(format!("{hex}.lines")))
}

/// Keeps the normalized lines of an inventory under its fingerprint, once.
pub fn remember(data_dir: &Path, fingerprint: &str, inv: &Inventory) -> std::io::Result<()> {
    let Some(path) = file(data_dir, fingerprint) else {
        return Ok(());
    };
    if path.exists() {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut text = String::new();
    fingerprint::for_each_line(inv, |l| {
        text.push_str(l);
        text.push('\n');
    });
    crate::fsio::write_atomic(&path, text.as_bytes())
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
