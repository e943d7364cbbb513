//! URIs relative to the root of the repository that holds the inputs, so code scanning can place results
//! whatever directory `guardplan` runs from.

use std::path::{Path, PathBuf};

/// The nearest directory at or above `start` that holds `.git` (a directory, or a file in a worktree).
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

/// The URI of an input file relative to the repository root: `root` when given, else the git root found by
/// walking up from the file. Falls back to [`super::relative_uri`] for the embedded sample, a file outside the
/// root, or no root at all.
pub fn uri(name: &str, root: Option<&Path>) -> String {
    if name == crate::inventory::SAMPLE_NAME {
        return super::relative_uri(name);
    }
    let Ok(file) = std::fs::canonicalize(name) else {
        return super::relative_uri(name);
    };
    let root = match root {
        Some(r) => std::fs::canonicalize(r).ok(),
        None => file.parent().and_then(find_root),
    };
    match root.as_deref().and_then(|r| file.strip_prefix(r).ok()) {
        Some(rel) if !rel.as_os_str().is_empty() => super::relative_uri(&rel.to_string_lossy()),
        _ => super::relative_uri(name),
    }
}
