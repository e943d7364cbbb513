//! The rules engine: every access path judged under every mode, raising the findings of the catalog.

pub mod catalog;

pub use catalog::{CATALOG, Code, RuleInfo};

use crate::finding::{Finding, Mode, Verdict};
use crate::graph::TrustGraph;
use crate::inventory::Inventory;
use crate::plan::Enforcement;

/// The result of judging every access path under every mode.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// Every finding: per (code, path, mode), aggregated over subjects; estate-wide ones have no path.
    pub findings: Vec<Finding>,
    /// Per access path (indexed by `PathId`).
    pub paths: Vec<PathEvaluation>,
}

/// How one path fares under each mode, and what is recommended.
#[derive(Debug, Clone, Default)]
pub struct PathEvaluation {
    /// Indexed by [`Mode::index`].
    pub modes: [ModeEvaluation; 4],
    /// The recommended mode; `None` when every mode is blocked.
    pub recommended: Option<Mode>,
    /// Why: the recommendation and the blocks of the better modes, one sentence each.
    pub rationale: Vec<String>,
}

/// One mode on one path.
#[derive(Debug, Clone, Default)]
pub struct ModeEvaluation {
    /// The worst severity raised (before waivers).
    pub verdict: VerdictOrOk,
    /// Indices into [`Evaluation::findings`].
    pub findings: Vec<u32>,
}

/// A verdict that defaults to `Ok`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct VerdictOrOk(pub Verdict);

impl Default for VerdictOrOk {
    fn default() -> Self {
        VerdictOrOk(Verdict::Ok)
    }
}

/// The mode chosen for a path and how it is enforced on the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// Chosen mode.
    pub mode: Mode,
    /// Client policy or per-connection switch.
    pub enforce: Enforcement,
}

/// Judges every path under every mode (rules that depend on one path only).
pub fn evaluate(inv: &Inventory, graph: &TrustGraph) -> Evaluation {
    let _ = graph;
    Evaluation {
        findings: Vec::new(),
        paths: vec![PathEvaluation::default(); inv.paths.len()],
    }
}

/// Rules that depend on the choices of several paths (client policy is per computer):
/// POL-CLIENT-CONFLICT and POL-RA-IGNORED. `choices` is indexed by `PathId`.
pub fn evaluate_choices(inv: &Inventory, choices: &[Choice]) -> Vec<Finding> {
    let _ = (inv, choices);
    Vec::new()
}
