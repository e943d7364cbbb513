//! Staged rollout plans: the plan file, its assessment against the inventory, generated actions and scripts.

pub mod actions;
pub mod artefact;
pub mod cover;
pub mod diff;
pub mod exceptions;
pub mod fingerprint;
pub mod gpo;
pub mod init;
pub mod intune;
pub mod io;
pub mod model;
pub mod open;
pub mod preg;
pub mod remediation;
pub mod scripts;
pub mod stage_state;
pub mod workspace;

pub use io::{
    FileStamp, SaveError, Scope, fingerprint, load, load_for, parse, render, save_atomic,
    save_beside, staleness, validate,
};
pub use model::*;
pub use open::{build_with, open, open_with};
pub use workspace::{Assessed, Assessment, Counts, Edit, FindingRef, StageGate, Workspace};
