//! Autosave of the working plan under the data directory, so that a crash or a killed terminal never loses
//! what the operator did. One file per (inventory, plan file) pair; removed once the plan is saved or the
//! operator discards the changes.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The autosave slot of one inventory and plan file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Autosave {
    path: PathBuf,
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

impl Autosave {
    /// The slot for an inventory and a plan file, each given by its identity (see [`identity`]).
    pub fn new(data_dir: &Path, inventory: &str, plan: &str) -> Autosave {
        let mut h = Sha256::new();
        h.update(inventory.as_bytes());
        h.update([0]);
        h.update(plan.as_bytes());
        let digest = h.finalize();
        let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Autosave {
            path: data_dir.join("autosave").join(format!("{name}.plan.toml")),
        }
    }

    /// Where the autosave lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the working plan: a temporary file in the same directory, flushed, then renamed over the slot,
    /// so that a crash mid-write leaves the previous autosave intact.
    pub fn write(&self, text: &str) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        crate::plan::io::write_atomic(&self.path, text.as_bytes())
            .map(|_| ())
            .map_err(|e| std::io::Error::other(e.to_string()))
    }

    /// The autosaved text, if there is one.
    pub fn read(&self) -> Option<String> {
        crate::fsio::read_input(&self.path)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
    }

    /// Removes the autosave (after a save, or when the operator discards the changes).
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
