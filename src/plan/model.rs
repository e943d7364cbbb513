//! The plan file: stages, per-path decisions and waivers (TOML, committed and reviewed).

use serde::{Deserialize, Serialize};

use crate::finding::Mode;

/// A rollout plan for one inventory.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Format version; must be 1.
    pub version: u32,
    /// The inventory this plan was made for.
    pub inventory: InventoryRef,
    /// Ordered stages.
    #[serde(default, rename = "stage")]
    pub stages: Vec<Stage>,
    /// One decision per access path.
    #[serde(default, rename = "decision")]
    pub decisions: Vec<Decision>,
    /// Accepted findings.
    #[serde(default, rename = "waiver")]
    pub waivers: Vec<Waiver>,
}

/// The inventory a plan is tied to.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryRef {
    /// Path of the inventory file, relative to the plan file where possible.
    pub path: String,
    /// `sha256:` of the normalized inventory; a different inventory makes the plan stale.
    pub fingerprint: String,
}

/// One stage of the rollout. Members are selectors (`host:`, `tag:`, `group:`, `role:`, `domain:`, `user:`, `*`).
/// An item that several stages select belongs to the earliest one.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Short unique name, e.g. `enable-targets`.
    pub name: String,
    /// What the stage does, for reviewers.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Target hosts prepared in this stage (`DisableRestrictedAdmin` = 0, `AllowProtectedCreds` = 1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Client devices whose policy (or shortcuts) are set in this stage.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<String>,
    /// Users enrolled in Protected Users in this stage.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    /// Access paths switched to their decided mode in this stage (by path name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
}

/// The mode chosen for one access path.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Path name.
    pub path: String,
    /// Chosen mode.
    pub mode: Mode,
    /// How the client is made to use it.
    #[serde(default, skip_serializing_if = "is_default")]
    pub enforce: Enforcement,
    /// Reviewer note.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// How a client is made to use a path's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Enforcement {
    /// Client policy "Restrict delegation of credentials to remote servers" (per computer).
    #[default]
    Policy,
    /// An `mstsc.exe /remoteGuard` or `/restrictedAdmin` shortcut (per connection).
    Switch,
}

/// An accepted finding.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// Finding code, e.g. `RA-NO-LAPS`.
    pub code: String,
    /// What it covers: `*`, `path:NAME`, `host:NAME`, `user:NAME` (a finding is waived when its path matches, or
    /// every one of its subjects matches).
    pub scope: String,
    /// Why the risk is accepted (required).
    pub reason: String,
    /// Last day the waiver applies (`YYYY-MM-DD`); after it the finding counts again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<toml::value::Datetime>,
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}
