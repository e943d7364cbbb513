//! The vocabulary shared by the engine, the plan, the reports and the TUI: modes, severities, findings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::inventory::{DomainId, GroupId, HostId, PathId, TrustId, UserId};
use crate::rules::catalog::Code;

/// How an access path connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Plain RDP: credentials reach the target.
    Standard,
    /// Windows Defender Remote Credential Guard (`mstsc.exe /remoteGuard`, "Require Remote Credential Guard").
    RemoteGuard,
    /// Restricted Admin mode (`mstsc.exe /restrictedAdmin`, "Require Restricted Admin").
    RestrictedAdmin,
    /// "Restrict Credential Delegation": Remote Credential Guard where possible, else Restricted Admin.
    PreferRemoteGuard,
}

impl Mode {
    /// All modes, in display order.
    pub const ALL: [Mode; 4] = [
        Mode::Standard,
        Mode::RemoteGuard,
        Mode::RestrictedAdmin,
        Mode::PreferRemoteGuard,
    ];

    /// The kebab-case name used in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Standard => "standard",
            Mode::RemoteGuard => "remote-guard",
            Mode::RestrictedAdmin => "restricted-admin",
            Mode::PreferRemoteGuard => "prefer-remote-guard",
        }
    }

    /// Position in [`Mode::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The next mode in [`Mode::ALL`], wrapping around (one key press in the TUI).
    pub fn next(self) -> Mode {
        Mode::ALL[(self.index() + 1) % Mode::ALL.len()]
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mode::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                format!("unknown mode `{s}`: use standard, remote-guard, restricted-admin or prefer-remote-guard")
            })
    }
}

/// How bad a finding is. Ordered: `Info < Warn < Action < Block`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Context for a reviewer.
    Info,
    /// Works, against guidance or with a real risk.
    Warn,
    /// Works once the plan performs a step.
    Action,
    /// Cannot work.
    Block,
}

impl Severity {
    /// All severities, worst first.
    pub const WORST_FIRST: [Severity; 4] = [
        Severity::Block,
        Severity::Action,
        Severity::Warn,
        Severity::Info,
    ];

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Action => "action",
            Severity::Block => "block",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Severity::Info),
            "warn" => Ok(Severity::Warn),
            "action" => Ok(Severity::Action),
            "block" => Ok(Severity::Block),
            _ => Err(format!(
                "unknown severity `{s}`: use info, warn, action or block"
            )),
        }
    }
}

/// The verdict of one mode on one path: the worst unwaived finding, or `Ok`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Nothing raised.
    Ok,
    /// Only info.
    Info,
    /// Warnings.
    Warn,
    /// Needs plan actions.
    Action,
    /// Cannot work.
    Block,
}

impl Verdict {
    /// The verdict a single finding of this severity gives.
    pub fn of(sev: Severity) -> Verdict {
        match sev {
            Severity::Info => Verdict::Info,
            Severity::Warn => Verdict::Warn,
            Severity::Action => Verdict::Action,
            Severity::Block => Verdict::Block,
        }
    }
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Info => "info",
            Verdict::Warn => "warn",
            Verdict::Action => "action",
            Verdict::Block => "block",
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// A domain.
    Domain(DomainId),
    /// A trust.
    Trust(TrustId),
    /// A host (client, target or hop).
    Host(HostId),
    /// A user.
    User(UserId),
    /// A group.
    Group(GroupId),
    /// An access path.
    Path(PathId),
    /// A stage of the plan (by position).
    Stage(u32),
}

/// One finding: a code raised on a path under a mode, with every subject it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Catalog code.
    pub code: Code,
    /// Severity (the catalog default).
    pub severity: Severity,
    /// The path, unless the finding is about the estate as a whole.
    pub path: Option<PathId>,
    /// The mode, unless the finding holds under every mode.
    pub mode: Option<Mode>,
    /// Every subject, sorted and unique.
    pub subjects: Vec<Subject>,
    /// One readable sentence (counts, not lists, for large subject sets).
    pub message: String,
}
