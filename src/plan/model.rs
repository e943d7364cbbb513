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
    /// Where the plan was read from (positions for messages); not part of the plan's value.
    #[serde(skip)]
    pub origin: Origin,
}

/// Positions of a parsed plan's entries, for `file:line:col` messages. Compares equal to any other origin, so
/// that a plan read back from disk equals the plan that was written.
#[derive(Debug, Clone, Default)]
pub struct Origin(pub Option<std::sync::Arc<super::io::PlanSource>>);

impl PartialEq for Origin {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The kinds of stage members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MemberKind {
    /// Target hosts prepared in the stage.
    Host,
    /// Client devices whose policy is enforced in the stage.
    Client,
    /// Users enrolled in Protected Users in the stage.
    User,
    /// Access paths switched to their mode in the stage.
    Path,
}

impl MemberKind {
    /// All kinds, in file order.
    pub const ALL: [MemberKind; 4] = [
        MemberKind::Host,
        MemberKind::Client,
        MemberKind::User,
        MemberKind::Path,
    ];

    /// The key in the plan file (`hosts`, `clients`, `users`, `paths`).
    pub fn key(self) -> &'static str {
        match self {
            MemberKind::Host => "hosts",
            MemberKind::Client => "clients",
            MemberKind::User => "users",
            MemberKind::Path => "paths",
        }
    }
}

impl Stage {
    /// A stage with a name and a description and no members.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        Stage {
            name: name.into(),
            description: description.into(),
            ..Stage::default()
        }
    }

    /// The selectors of one kind of member.
    pub fn members(&self, kind: MemberKind) -> &Vec<String> {
        match kind {
            MemberKind::Host => &self.hosts,
            MemberKind::Client => &self.clients,
            MemberKind::User => &self.users,
            MemberKind::Path => &self.paths,
        }
    }

    /// The selectors of one kind of member, for editing.
    pub fn members_mut(&mut self, kind: MemberKind) -> &mut Vec<String> {
        match kind {
            MemberKind::Host => &mut self.hosts,
            MemberKind::Client => &mut self.clients,
            MemberKind::User => &mut self.users,
            MemberKind::Path => &mut self.paths,
        }
    }
}

impl Plan {
    /// Sorts decisions by path, waivers by code and scope, and each stage's members, removing duplicates, so
    /// that equal plans render to equal bytes. Stages keep their order.
    pub fn normalize(&mut self) {
        for st in &mut self.stages {
            for kind in MemberKind::ALL {
                let m = st.members_mut(kind);
                m.sort();
                m.dedup();
            }
        }
        for d in &mut self.decisions {
            for e in &mut d.exceptions {
                for v in [&mut e.users, &mut e.targets, &mut e.clients] {
                    v.sort();
                    v.dedup();
                }
            }
            d.exceptions.sort_by(|a, b| {
                (
                    a.mode,
                    &a.users,
                    &a.targets,
                    &a.clients,
                    &a.stage,
                    &a.remediation,
                )
                    .cmp(&(
                        b.mode,
                        &b.users,
                        &b.targets,
                        &b.clients,
                        &b.stage,
                        &b.remediation,
                    ))
            });
            d.exceptions.dedup();
        }
        self.decisions.sort_by(|a, b| a.path.cmp(&b.path));
        self.decisions.dedup_by(|a, b| a.path == b.path);
        self.waivers.sort_by(|a, b| {
            (&a.code, &a.scope, a.expiry(), &a.reason).cmp(&(
                &b.code,
                &b.scope,
                b.expiry(),
                &b.reason,
            ))
        });
        self.waivers.dedup();
    }

    /// The decision for a path, by name.
    pub fn decision(&self, path: &str) -> Option<&Decision> {
        self.decisions
            .binary_search_by(|d| d.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.decisions[i])
            .or_else(|| self.decisions.iter().find(|d| d.path == path))
    }
}

impl Waiver {
    /// The expiry as a calendar date (`None`: no expiry, or not a plain date, which validation rejects).
    pub fn expiry(&self) -> Option<time::Date> {
        let d = self.expires.as_ref()?.date?;
        let month = time::Month::try_from(d.month).ok()?;
        time::Date::from_calendar_date(i32::from(d.year), month, d.day).ok()
    }

    /// Whether the waiver still waives on `today` (the expiry day itself included).
    pub fn is_active(&self, today: time::Date) -> bool {
        match (&self.expires, self.expiry()) {
            (None, _) => true,
            (Some(_), Some(last)) => today <= last,
            (Some(_), None) => false,
        }
    }

    /// Whether the waiver has an expiry that has passed on `today`.
    pub fn is_expired(&self, today: time::Date) -> bool {
        !self.is_active(today)
    }
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
    /// Subjects left out of the mode, with the mode they take instead.
    #[serde(default, rename = "exception", skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<Exception>,
}

impl Decision {
    /// A decision for a path with no note and no exceptions.
    pub fn new(path: impl Into<String>, mode: Mode, enforce: Enforcement) -> Self {
        Decision {
            path: path.into(),
            mode,
            enforce,
            note: String::new(),
            exceptions: Vec::new(),
        }
    }
}

/// Subjects of a path that a decision leaves out of its mode: their sessions take `mode` instead (standard
/// unless named) until the remediation clears what blocks them. Not a waiver: a waiver accepts a finding, an
/// exception narrows the change.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// The mode the excepted sessions take; `None`: standard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// The stage in which the excepted subjects join the decision's mode, their remediation done; `None`: they
    /// stay on the exception's mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Users left out (`user:`, `group:`, `role:`, `domain:` selectors).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    /// Targets left out (`host:`, `tag:`, `group:`, `role:`, `domain:` selectors).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// Clients left out (host selectors).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<String>,
    /// What clears the blockers, for the work items of the rollout.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub remediation: String,
}

impl Exception {
    /// The mode the excepted sessions take.
    pub fn mode(&self) -> Mode {
        self.mode.unwrap_or(Mode::Standard)
    }

    /// The selectors of one kind: users, targets or clients.
    pub fn selectors(&self) -> [(&'static str, &Vec<String>); 3] {
        [
            ("users", &self.users),
            ("targets", &self.targets),
            ("clients", &self.clients),
        ]
    }
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
