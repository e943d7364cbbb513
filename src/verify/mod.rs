//! Verification of a stage from logon events: every Remote Desktop session (4624, logon type 10; an
//! administrator's linked pair of logons is one session) is matched to the access paths it belongs to, by its
//! user, its target and its client as Windows records them, and the mode it used is compared with the mode the
//! plan gives the path once the stages up to a chosen one are applied. A stage is verified only by evidence:
//! a staged path without a session whose mode could be read is "not verified", never a pass.

use serde::Serialize;

use crate::finding::Mode;
use crate::inventory::{Inventory, PathId};
use crate::plan::{MemberKind, Workspace};

pub mod events;
pub mod evtx;
pub mod render;
pub mod resolve;
pub mod synthetic;
pub mod verifier;

pub use events::{EventError, Logon, read_logons};
pub use verifier::{LOGON_REMOTE_INTERACTIVE, Unreadable, Verifier, read_mode};

/// The most violations listed; more are counted.
pub const MAX_LISTED_VIOLATIONS: usize = 10_000;
/// The most distinct unexplained accesses (and unidentified clients) listed; more are counted.
pub const MAX_LISTED_UNMATCHED: usize = 1_000;

/// The mode a session used, as its logon event records it (`None`: it cannot be read).
pub fn seen_mode(l: &Logon) -> Option<Mode> {
    read_mode(l).ok()
}

/// Whether a session seen in `seen` is what a path planned for `planned` should use.
pub fn complies(planned: Mode, seen: Mode) -> bool {
    planned == seen
        || (planned == Mode::PreferRemoteGuard
            && matches!(seen, Mode::RemoteGuard | Mode::RestrictedAdmin))
}

/// What the plan expects of each path once the stages up to `through` (0-based) are applied: the decided mode
/// of paths switched in those stages, `None` for the others (not yet switched: not checked).
pub fn planned_modes(ws: &Workspace, through: usize) -> Vec<Option<Mode>> {
    (0..ws.inventory.paths.len() as PathId)
        .map(|p| {
            ws.membership()
                .stage_of(MemberKind::Path, p)
                .filter(|s| *s <= through)
                .map(|_| ws.choice(p).mode)
        })
        .collect()
}

/// The index of a stage by name (any case), or a message naming the stages.
pub fn stage_index(ws: &Workspace, name: &str) -> Result<usize, String> {
    let stages = &ws.plan.stages;
    stages
        .iter()
        .position(|s| s.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            let names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
            if names.is_empty() {
                "the plan has no stages".to_string()
            } else {
                format!(
                    "the plan has no stage `{name}`: use one of {}",
                    names.join(", ")
                )
            }
        })
}

/// Session counts of one path, by the mode seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Sessions {
    /// Plain Remote Desktop.
    pub standard: u64,
    /// Remote Credential Guard.
    #[serde(rename = "remote-guard")]
    pub remote_guard: u64,
    /// Restricted Admin.
    #[serde(rename = "restricted-admin")]
    pub restricted_admin: u64,
    /// A mode that cannot be read (version 0 and 1 events, values Windows does not write).
    pub unknown: u64,
}

impl Sessions {
    fn add(&mut self, m: Option<Mode>) {
        match m {
            Some(Mode::RemoteGuard) => self.remote_guard += 1,
            Some(Mode::RestrictedAdmin) => self.restricted_admin += 1,
            Some(Mode::Standard | Mode::PreferRemoteGuard) => self.standard += 1,
            None => self.unknown += 1,
        }
    }

    /// All sessions.
    pub fn total(&self) -> u64 {
        self.known() + self.unknown
    }

    /// Sessions whose mode was read: the evidence.
    pub fn known(&self) -> u64 {
        self.standard + self.remote_guard + self.restricted_admin
    }
}

/// One path's sessions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathResult {
    /// Path name.
    pub name: String,
    /// The mode the plan gives it through the stage (`None`: not switched yet, not checked).
    pub planned: Option<&'static str>,
    /// `verified`, `violated`, `not verified` (staged, but no session whose mode was read) or `not staged`.
    pub status: &'static str,
    /// Sessions by the mode seen.
    pub sessions: Sessions,
    /// Reconnections to a disconnected session (logon type 7), counted apart.
    pub reconnects: u64,
    /// Sessions whose client could not be identified (judged on user and target).
    pub unidentified_clients: u64,
    /// Sessions that did not use the planned mode.
    pub violations: u64,
}

/// A session that did not use its path's planned mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Path name.
    pub path: String,
    /// Planned mode.
    pub planned: &'static str,
    /// Mode seen.
    pub seen: &'static str,
    /// `DOMAIN\user`.
    pub user: String,
    /// Client computer name, else its address (`-` when the event has neither).
    pub client: String,
    /// Target computer.
    pub target: String,
    /// When (`SystemTime` of the event).
    pub time: String,
}

/// Remote Desktop access that no path explains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmatched {
    /// `DOMAIN\user`.
    pub user: String,
    /// Client.
    pub client: String,
    /// Target.
    pub target: String,
    /// How many logons.
    pub logons: u64,
}

/// Remote Desktop sessions whose client could not be identified, by user, address and target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unidentified {
    /// `DOMAIN\user`.
    pub user: String,
    /// The client's address (`-` when the event has none).
    pub address: String,
    /// Target.
    pub target: String,
    /// How many logons.
    pub logons: u64,
}

/// A value of a mode field that Windows does not write: the sessions that carry it have an unknown mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownValue {
    /// `RestrictedAdminMode` or `RemoteCredentialGuard`.
    pub field: &'static str,
    /// The value.
    pub value: String,
    /// How many logons carry it.
    pub logons: u64,
}

/// What a verification concludes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every staged path has sessions, and all used the planned mode.
    Pass,
    /// A session of a staged path used another mode.
    Violated,
    /// No Remote Desktop logon at all, or a staged path without a session whose mode was read.
    NotVerified,
}

/// The result of a verification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    /// The last stage applied.
    pub through: String,
    /// What the events prove.
    pub verdict: Verdict,
    /// Events read (of any id).
    pub events: u64,
    /// Remote Desktop sessions (4624, logon type 10; a linked pair is one).
    pub logons: u64,
    /// Logons that were the second half of a linked pair (an administrator's elevated and filtered token).
    pub linked_logons: u64,
    /// Reconnections (4624, logon type 7, from a remote address).
    pub reconnects: u64,
    /// Sessions of version 0 or 1 events, or without `RestrictedAdminMode`: their mode is unknown.
    pub unreadable_modes: u64,
    /// Values of the mode fields that Windows does not write (at most 100 distinct listed).
    pub unknown_values: Vec<UnknownValue>,
    /// Every path of the inventory, in inventory order.
    pub paths: Vec<PathResult>,
    /// Sessions that did not use the planned mode, in the order read (at most [`MAX_LISTED_VIOLATIONS`]).
    pub violations: Vec<Violation>,
    /// All such sessions.
    pub violations_total: u64,
    /// Access no path explains, by user, client and target (at most [`MAX_LISTED_UNMATCHED`]).
    pub unmatched: Vec<Unmatched>,
    /// All logons no path explains.
    pub unmatched_logons: u64,
    /// Sessions whose client could not be identified, by user, address and target (at most
    /// [`MAX_LISTED_UNMATCHED`]).
    pub unidentified: Vec<Unidentified>,
    /// All such sessions.
    pub unidentified_logons: u64,
}

impl Verification {
    /// Whether a session broke the plan.
    pub fn violated(&self) -> bool {
        self.violations_total > 0
    }
}

/// The most characters of an event's value kept in a report: what is listed stays small whatever the file.
pub const MAX_SHOWN: usize = 256;

/// A value as kept in a report: trimmed, and cut at [`MAX_SHOWN`] characters.
pub(crate) fn kept(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(MAX_SHOWN) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

/// The sessions seen per path, whatever the plan: what the planner keeps to verify any stage of a plan that
/// is being edited.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// Sessions by the mode seen, indexed by `PathId`.
    pub sessions: Vec<Sessions>,
    /// Remote Desktop logons read.
    pub logons: u64,
    /// Logons no path explains.
    pub unmatched_logons: u64,
}

/// One staged path of a stage verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageCheck {
    /// The path.
    pub path: PathId,
    /// Its planned mode.
    pub planned: Mode,
    /// Its sessions.
    pub sessions: Sessions,
    /// Sessions that did not use the planned mode.
    pub violations: u64,
}

impl Observed {
    /// What a verification saw, without its plan.
    pub fn of(v: &Verification) -> Self {
        Observed {
            sessions: v.paths.iter().map(|p| p.sessions).collect(),
            logons: v.logons,
            unmatched_logons: v.unmatched_logons,
        }
    }

    /// Reads event files for `inv` (see [`read_file`]).
    pub fn read(
        inv: &Inventory,
        files: &[std::path::PathBuf],
    ) -> Result<Self, crate::diag::Diagnostics> {
        let mut v = Verifier::new(inv, vec![None; inv.paths.len()], "");
        for f in files {
            read_file(f, &mut v)?;
        }
        Ok(Self::of(&v.finish()))
    }

    /// The paths switched in stages up to `stage` (0-based), with their sessions and violations under the
    /// workspace's plan as it is now.
    pub fn stage(&self, ws: &Workspace, stage: usize) -> Vec<StageCheck> {
        planned_modes(ws, stage)
            .into_iter()
            .enumerate()
            .filter_map(|(p, planned)| {
                let planned = planned?;
                let sessions = self.sessions.get(p).copied().unwrap_or_default();
                let violations = [
                    (Mode::Standard, sessions.standard),
                    (Mode::RemoteGuard, sessions.remote_guard),
                    (Mode::RestrictedAdmin, sessions.restricted_admin),
                ]
                .into_iter()
                .filter(|(m, _)| !complies(planned, *m))
                .map(|(_, n)| n)
                .sum();
                Some(StageCheck {
                    path: p as PathId,
                    planned,
                    sessions,
                    violations,
                })
            })
            .collect()
    }
}

/// What to run to export events as guardplan reads them.
const EXPORT_HELP: &str = "give the .evtx file, or export the events with `wevtutil qe Security \
     /q:\"*[System[(EventID=4624 or EventID=4778)]]\" /f:xml` or `Get-WinEvent ... | ForEach-Object { $_.ToXml() }`";

/// Reads one event file into the verifier, a block at a time: an event log file (`.evtx`, known by its first
/// bytes), or an XML export (UTF-8, or UTF-16 with a byte order mark).
pub fn read_file(
    path: &std::path::Path,
    v: &mut Verifier<'_>,
) -> Result<(), crate::diag::Diagnostics> {
    use crate::diag::{Diagnostic, Diagnostics};
    use std::io::Read;
    let name = path.display().to_string();
    let open = || {
        crate::fsio::open_input(path).map_err(|e| {
            Diagnostics(vec![Diagnostic::file(
                &name,
                format!("cannot read the events: {e}"),
                Some("give the file wevtutil or Get-WinEvent wrote".into()),
            )])
        })
    };
    let mut head = [0u8; 8];
    let mut file = open()?;
    let mut got = 0;
    while got < head.len() {
        match file.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(Diagnostics(vec![Diagnostic::file(
                    &name,
                    format!("cannot read the events: {e}"),
                    None,
                )]));
            }
        }
    }
    if evtx::is_evtx(&head[..got]) {
        return match evtx::read_records(std::io::BufReader::new(open()?), |l| v.logon(l)) {
            Ok(n) => {
                v.count_events(n);
                Ok(())
            }
            Err(e) => Err(Diagnostics(vec![Diagnostic::file(
                &name,
                match e.record {
                    Some(r) => format!("record {r}: {}", e.message),
                    None => e.message,
                },
                Some("export the log again with `wevtutil epl` or the Event Viewer".into()),
            )])),
        };
    }
    drop(file);
    let input = std::io::BufReader::with_capacity(1 << 16, events::decoded(open()?));
    match read_logons(input, |l| v.logon(l)) {
        Ok(n) => {
            v.count_events(n);
            Ok(())
        }
        Err(e) => {
            let (line, col) = events::line_col(events::decoded(open()?), e.offset);
            Err(Diagnostics(vec![Diagnostic {
                file: name,
                line,
                col,
                span: None,
                message: e.message,
                help: Some(EXPORT_HELP.into()),
                excerpt: None,
            }]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefer_remote_guard_accepts_either_protected_mode() {
        assert!(complies(Mode::PreferRemoteGuard, Mode::RemoteGuard));
        assert!(complies(Mode::PreferRemoteGuard, Mode::RestrictedAdmin));
        assert!(!complies(Mode::PreferRemoteGuard, Mode::Standard));
        assert!(!complies(Mode::RemoteGuard, Mode::RestrictedAdmin));
        assert!(complies(Mode::Standard, Mode::Standard));
    }

    #[test]
    fn long_values_are_cut_in_reports() {
        let long = "x".repeat(MAX_SHOWN + 10);
        assert_eq!(kept(&long).chars().count(), MAX_SHOWN + 3);
        assert_eq!(kept("  PAW-01 "), "PAW-01");
    }
}
