//! Verification of a stage from logon events: every Remote Desktop logon (4624, logon type 10) is matched to
//! the access paths it belongs to, and the mode it used is compared with the mode the plan gives the path once
//! the stages up to a chosen one are applied.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::finding::Mode;
use crate::inventory::{HostId, Inventory, PathId, UserId};
use crate::plan::{MemberKind, Workspace};

pub mod events;
pub mod render;
pub mod synthetic;

pub use events::{EventError, Logon, read_logons};

/// The most violations listed; more are counted.
pub const MAX_LISTED_VIOLATIONS: usize = 10_000;
/// The most distinct unexplained accesses listed; more are counted.
pub const MAX_LISTED_UNMATCHED: usize = 1_000;

/// The Remote Desktop logon type.
pub const LOGON_REMOTE_INTERACTIVE: u32 = 10;

/// The mode a session used, as its logon event records it.
pub fn seen_mode(l: &Logon) -> Mode {
    if events::is_yes(&l.restricted_admin) {
        Mode::RestrictedAdmin
    } else if events::is_yes(&l.remote_guard) {
        Mode::RemoteGuard
    } else {
        Mode::Standard
    }
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
}

impl Sessions {
    fn add(&mut self, m: Mode) {
        match m {
            Mode::RemoteGuard => self.remote_guard += 1,
            Mode::RestrictedAdmin => self.restricted_admin += 1,
            Mode::Standard | Mode::PreferRemoteGuard => self.standard += 1,
        }
    }

    /// All sessions.
    pub fn total(&self) -> u64 {
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
    /// Sessions by the mode seen.
    pub sessions: Sessions,
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

/// The result of a verification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    /// The last stage applied.
    pub through: String,
    /// Events read (of any id).
    pub events: u64,
    /// Remote Desktop logons (4624, logon type 10).
    pub logons: u64,
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
}

impl Verification {
    /// Whether a session broke the plan.
    pub fn violated(&self) -> bool {
        self.violations_total > 0
    }
}

/// Matches logons to paths and counts them; feed it with [`Verifier::logon`], then [`Verifier::finish`].
pub struct Verifier<'a> {
    inv: &'a Inventory,
    through: String,
    planned: Vec<Option<Mode>>,
    paths_to: Vec<Vec<PathId>>,
    sessions: Vec<Sessions>,
    path_violations: Vec<u64>,
    events: u64,
    logons: u64,
    violations: Vec<Violation>,
    violations_total: u64,
    unmatched: BTreeMap<(String, String, String), u64>,
    unmatched_logons: u64,
    lower: String,
}

impl<'a> Verifier<'a> {
    /// A verifier of `inv` with the planned mode of each path (see [`planned_modes`]); `through` names the stage.
    pub fn new(inv: &'a Inventory, planned: Vec<Option<Mode>>, through: impl Into<String>) -> Self {
        let mut paths_to = vec![Vec::new(); inv.hosts.len()];
        for (p, path) in inv.paths.iter().enumerate() {
            for t in &path.to {
                paths_to[*t as usize].push(p as PathId);
            }
        }
        Verifier {
            inv,
            through: through.into(),
            planned,
            paths_to,
            sessions: vec![Sessions::default(); inv.paths.len()],
            path_violations: vec![0; inv.paths.len()],
            events: 0,
            logons: 0,
            violations: Vec::new(),
            violations_total: 0,
            unmatched: BTreeMap::new(),
            unmatched_logons: 0,
            lower: String::new(),
        }
    }

    /// Counts the events a file held (of any id).
    pub fn count_events(&mut self, n: u64) {
        self.events += n;
    }

    /// A host by computer name: the name as written, else its first DNS label.
    fn host(&self, name: &str) -> Option<HostId> {
        let name = name.trim();
        if name.is_empty() || name == "-" {
            return None;
        }
        self.inv.host_named(name).or_else(|| {
            name.split_once('.')
                .and_then(|(short, _)| self.inv.host_named(short))
        })
    }

    /// A user by `TargetDomainName` (NetBIOS or DNS) and `TargetUserName`.
    fn user(&mut self, domain: &str, name: &str) -> Option<UserId> {
        self.lower.clear();
        self.lower.push_str(domain.trim());
        self.lower.make_ascii_lowercase();
        let d = if self.lower.is_ascii() {
            self.inv.index.domains.get(&self.lower).copied()
        } else {
            self.inv
                .index
                .domains
                .get(&self.lower.to_lowercase())
                .copied()
        }?;
        let users = &self.inv.users;
        self.inv
            .index
            .users
            .find_all(name.trim(), |i| users[i as usize].name.as_str())
            .into_iter()
            .find(|u| users[*u as usize].domain == d)
    }

    /// One logon event; events other than Remote Desktop logons only count.
    pub fn logon(&mut self, l: &Logon) {
        if l.event_id != 4624 || l.logon_type != LOGON_REMOTE_INTERACTIVE {
            return;
        }
        self.logons += 1;
        let seen = seen_mode(l);
        let target = self.host(&l.computer);
        let user = self.user(&l.domain, &l.user);
        let client_name = if l.workstation.trim().is_empty() || l.workstation.trim() == "-" {
            None
        } else {
            Some(l.workstation.trim())
        };
        let client = client_name.and_then(|c| self.host(c));
        let mut matched = false;
        if let (Some(t), Some(u)) = (target, user) {
            for &p in &self.paths_to[t as usize] {
                let path = &self.inv.paths[p as usize];
                if path.who.binary_search(&u).is_err() {
                    continue;
                }
                // A client the inventory does not know (an address, a name not in it) is matched on user and
                // target alone: the event cannot say more.
                if let Some(c) = client
                    && path.from.binary_search(&c).is_err()
                {
                    continue;
                }
                matched = true;
                self.sessions[p as usize].add(seen);
                if let Some(planned) = self.planned.get(p as usize).copied().flatten()
                    && !complies(planned, seen)
                {
                    self.path_violations[p as usize] += 1;
                    self.violations_total += 1;
                    if self.violations.len() < MAX_LISTED_VIOLATIONS {
                        self.violations.push(Violation {
                            path: path.name.clone(),
                            planned: planned.as_str(),
                            seen: seen.as_str(),
                            user: account(l),
                            client: client_label(l),
                            target: kept(&l.computer),
                            time: kept(&l.time),
                        });
                    }
                }
            }
        }
        if !matched {
            self.unmatched_logons += 1;
            let key = (account(l), client_label(l), kept(&l.computer));
            if let Some(n) = self.unmatched.get_mut(&key) {
                *n += 1;
            } else if self.unmatched.len() < MAX_LISTED_UNMATCHED {
                self.unmatched.insert(key, 1);
            }
        }
    }

    /// The result.
    pub fn finish(self) -> Verification {
        let inv = self.inv;
        Verification {
            through: self.through,
            events: self.events,
            logons: self.logons,
            paths: inv
                .paths
                .iter()
                .enumerate()
                .map(|(i, p)| PathResult {
                    name: p.name.clone(),
                    planned: self.planned.get(i).copied().flatten().map(Mode::as_str),
                    sessions: self.sessions[i],
                    violations: self.path_violations[i],
                })
                .collect(),
            violations: self.violations,
            violations_total: self.violations_total,
            unmatched: self
                .unmatched
                .into_iter()
                .map(|((user, client, target), logons)| Unmatched {
                    user,
                    client,
                    target,
                    logons,
                })
                .collect(),
            unmatched_logons: self.unmatched_logons,
        }
    }
}

/// The most characters of an event's value kept in a report: what is listed stays small whatever the file.
pub const MAX_SHOWN: usize = 256;

/// A value as kept in a report: trimmed, and cut at [`MAX_SHOWN`] characters.
fn kept(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(MAX_SHOWN) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

/// `DOMAIN\user` of a logon.
fn account(l: &Logon) -> String {
    kept(&format!("{}\\{}", l.domain.trim(), l.user.trim()))
}

/// The client of a logon: its computer name, else its address, else `-`.
fn client_label(l: &Logon) -> String {
    kept(
        [l.workstation.trim(), l.ip.trim()]
            .into_iter()
            .find(|s| !s.is_empty() && *s != "-")
            .unwrap_or("-"),
    )
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

/// Reads one event file (UTF-8, or UTF-16 with a byte order mark) into the verifier, a block at a time.
pub fn read_file(
    path: &std::path::Path,
    v: &mut Verifier<'_>,
) -> Result<(), crate::diag::Diagnostics> {
    use crate::diag::{Diagnostic, Diagnostics};
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
                help: Some(
                    "export the events with `wevtutil qe Security /q:\"*[System[(EventID=4624)]]\" /f:xml` \
                     or `Get-WinEvent ... | ForEach-Object { $_.ToXml() }`"
                        .into(),
                ),
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
    fn the_mode_seen_reads_both_fields() {
        let mut l = Logon::default();
        assert_eq!(seen_mode(&l), Mode::Standard);
        l.remote_guard = "Yes".into();
        assert_eq!(seen_mode(&l), Mode::RemoteGuard);
        l.restricted_admin = " %%1842 ".into();
        assert_eq!(seen_mode(&l), Mode::RestrictedAdmin);
        l.restricted_admin = "%%1843".into();
        l.remote_guard = "-".into();
        assert_eq!(seen_mode(&l), Mode::Standard);
    }

    #[test]
    fn long_values_are_cut_in_reports() {
        let long = "x".repeat(MAX_SHOWN + 10);
        assert_eq!(kept(&long).chars().count(), MAX_SHOWN + 3);
        assert_eq!(kept("  PAW-01 "), "PAW-01");
    }
}
