//! Host state collected on the hosts themselves (the JSON file the `guardplan collect` script writes), and
//! its merge into an inventory: the registry values, the client policy, the local groups, LAPS and the
//! operating system the hosts report replace what the inventory says; everything else is kept.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer};
use toml::Spanned;

use super::mapping::map_os;
use crate::inventory::raw::{ClientPolicy, OsFamily, RawInventory, RdpClient};
use crate::names;
use crate::safe_text::{MAX_NOTE, truncated};

/// The `format` of a host state file.
pub const FORMAT: &str = "guardplan-host-state";
/// The longest member name accepted.
const MAX_NAME: usize = 300;

/// A host state file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateFile {
    /// Always [`FORMAT`].
    pub format: Format,
    /// Format version: 1.
    pub version: Version,
    /// When the collection ran (informational).
    #[serde(default)]
    pub collected: Option<String>,
    /// One record per host asked.
    #[serde(deserialize_with = "unique_hosts")]
    pub hosts: Vec<HostState>,
}

/// The `format` field, checked while reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format;

impl<'de> Deserialize<'de> for Format {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == FORMAT {
            Ok(Format)
        } else {
            Err(serde::de::Error::custom(format!(
                "format `{}` is not `{FORMAT}`: give the file the guardplan collect script wrote",
                s.escape_debug()
            )))
        }
    }
}

/// The `version` field, checked while reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version;

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match u32::deserialize(d)? {
            1 => Ok(Version),
            v => Err(serde::de::Error::custom(format!(
                "version {v} is not supported: this guardplan reads version 1"
            ))),
        }
    }
}

/// A computer name, validated while reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostName(pub String);

impl<'de> Deserialize<'de> for HostName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        names::host_name(&s).map_err(|why| {
            serde::de::Error::custom(format!(
                "host name `{}` {why}",
                crate::inventory::load::shown(&s)
            ))
        })?;
        Ok(HostName(s))
    }
}

/// A free text (an error message, an OS caption): no control or invisible characters but line breaks and tabs.
/// Kept to [`MAX_NOTE`] characters, ending with how many were cut: nothing shows more of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            // The reader's buffer is borrowed, so a long text is never copied whole.
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Text, E> {
                if let Some(c) = s.chars().find(|c| {
                    (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
                        || names::is_invisible_or_bidi(*c)
                }) {
                    return Err(E::custom(format!(
                        "text contains the control or formatting character U+{:04X}",
                        c as u32
                    )));
                }
                Ok(Text(truncated(s, MAX_NOTE).into_owned()))
            }
        }
        d.deserialize_str(Visitor)
    }
}

/// A member of a local group or a holder of a logon right.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Security identifier, `S-1-...`.
    pub sid: Sid,
    /// `DOMAIN\name` as the host resolves it; `null` when it cannot (a deleted account).
    #[serde(default)]
    pub name: Option<MemberName>,
}

/// A security identifier, validated while reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sid(pub String);

impl<'de> Deserialize<'de> for Sid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let ok = s.len() <= 200
            && s.strip_prefix("S-1-").is_some_and(|rest| {
                !rest.is_empty()
                    && rest
                        .split('-')
                        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            });
        if ok {
            Ok(Sid(s))
        } else {
            Err(serde::de::Error::custom(format!(
                "`{}` is not a security identifier (S-1-...)",
                crate::inventory::load::shown(&s)
            )))
        }
    }
}

/// `DOMAIN\name` of a member, validated while reading: no control, invisible or right-to-left characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberName(pub String);

impl<'de> Deserialize<'de> for MemberName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let bad = s
            .chars()
            .find(|c| c.is_control() || names::is_invisible_or_bidi(*c));
        if let Some(c) = bad {
            return Err(serde::de::Error::custom(format!(
                "member name `{}` contains the control or formatting character U+{:04X}",
                crate::inventory::load::shown(&s),
                c as u32
            )));
        }
        if s.is_empty() || s.chars().count() > MAX_NAME {
            return Err(serde::de::Error::custom(format!(
                "a member name must have 1 to {MAX_NAME} characters"
            )));
        }
        Ok(MemberName(s))
    }
}

/// What one host reported. A part that is missing was not collected (its probe failed: see `errors`), and
/// the inventory keeps what it says about it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostState {
    /// The name as asked (from the host list or the OU).
    pub name: HostName,
    /// The name the host gives itself.
    #[serde(default)]
    pub computer_name: Option<HostName>,
    /// What could not be collected, one message each; a host that could not be reached has only this.
    #[serde(default)]
    pub errors: Vec<Text>,
    /// The operating system.
    #[serde(default)]
    pub os: Option<OsState>,
    /// Registry and policy values.
    #[serde(default)]
    pub registry: Option<Registry>,
    /// Local groups.
    #[serde(default)]
    pub local_groups: Option<LocalGroups>,
    /// Remote Desktop logon rights (recorded; the inventory judges access by the local groups).
    #[serde(default)]
    pub logon_rights: Option<LogonRights>,
    /// LAPS manages the local administrator password (Windows LAPS or legacy LAPS).
    #[serde(default)]
    pub laps: Option<bool>,
    /// `mstsc.exe` is present.
    #[serde(default)]
    pub mstsc: Option<bool>,
}

/// The operating system as `Win32_OperatingSystem` gives it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OsState {
    /// `Caption`, e.g. `Microsoft Windows Server 2022 Datacenter`.
    pub caption: Text,
    /// `Version`, e.g. `10.0.20348`.
    pub version: Text,
    /// `BuildNumber`.
    pub build: u32,
    /// `ProductType`: 1 workstation, 2 domain controller, 3 server.
    #[serde(default)]
    pub product_type: Option<u32>,
}

/// Registry values; `null` means the value is not set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    /// `HKLM\SYSTEM\CurrentControlSet\Control\Lsa\DisableRestrictedAdmin`.
    pub disable_restricted_admin: Option<u32>,
    /// `...\Policies\Microsoft\Windows\CredentialsDelegation\AllowProtectedCreds`.
    pub allow_protected_creds: Option<u32>,
    /// `...\CredentialsDelegation\RestrictedRemoteAdministration` (1: the client policy is enabled).
    pub restricted_remote_administration: Option<u32>,
    /// `...\CredentialsDelegation\RestrictedRemoteAdministrationType` (1, 2 or 3).
    pub restricted_remote_administration_type: Option<u32>,
    /// The Group Policy objects that set the client policy (empty: none, or a local policy).
    #[serde(default)]
    pub client_policy_gpos: Vec<Text>,
}

/// Members of the local groups.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalGroups {
    /// Administrators (S-1-5-32-544).
    pub administrators: Vec<Member>,
    /// Remote Desktop Users (S-1-5-32-555).
    pub remote_desktop_users: Vec<Member>,
}

/// Holders of the Remote Desktop logon rights.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogonRights {
    /// `SeRemoteInteractiveLogonRight`.
    pub allow: Vec<Member>,
    /// `SeDenyRemoteInteractiveLogonRight`.
    pub deny: Vec<Member>,
}

/// A state file that cannot be read: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateError {
    /// 1-based line (0 when the file could not be read at all).
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

/// Reads a state file from a reader, a block at a time (the records are kept: the inventory is in memory too).
/// UTF-16 must be valid; a field given twice in one record, or a host given twice, is refused where it is.
pub fn read(input: impl std::io::Read) -> Result<StateFile, StateError> {
    let mut seen = Seen {
        inner: crate::fsio::decode::decoded(input),
        line: 1,
        col: 1,
        bad: None,
    };
    let parsed = serde_json::from_reader(std::io::BufReader::new(&mut seen));
    parsed.map_err(|e| match seen.bad.take() {
        // The decoder delivers everything before the fault: it stands where what was read ends.
        Some(what) => StateError {
            line: seen.line,
            col: seen.col,
            message: format!("invalid UTF-16: {what}"),
        },
        None => StateError {
            line: e.line().max(1),
            col: e.column().max(1),
            message: e
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or("")
                .to_string(),
        },
    })
}

/// The decoded text as it is read, with the line and column (in characters) where it ends so far, and what the
/// decoder found wrong when reading stopped there (serde_json keeps only the kind of an I/O error).
struct Seen<R> {
    inner: R,
    line: usize,
    col: usize,
    bad: Option<String>,
}

impl<R: std::io::Read> std::io::Read for Seen<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf).inspect_err(|e| {
            self.bad = crate::fsio::decode::bad_text(e).map(|b| b.message.clone());
        })?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.line += 1;
                self.col = 1;
            } else if b & 0xC0 != 0x80 && b != b'\r' {
                self.col += 1;
            }
        }
        Ok(n)
    }
}

/// The records of a state file, refusing a host named twice: its second record would silently replace the
/// first.
fn unique_hosts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<HostState>, D::Error> {
    struct Hosts;
    impl<'de> serde::de::Visitor<'de> for Hosts {
        type Value = Vec<HostState>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of host records")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut seen = std::collections::HashSet::new();
            let mut hosts = Vec::new();
            while let Some(h) = seq.next_element::<HostState>()? {
                if !seen.insert(lc(&h.name.0)) {
                    return Err(serde::de::Error::custom(format!(
                        "host `{}` has a second record: each host is reported once per file",
                        h.name.0
                    )));
                }
                hosts.push(h);
            }
            Ok(hosts)
        }
    }
    d.deserialize_seq(Hosts)
}

/// The operating system family a host runs, from what cannot be mistaken first: the kernel version, the build
/// number and the product type (workstation, domain controller, server); the caption, a free text, decides only
/// when those do not. The third value says where the caption disagrees.
pub fn classify_os(os: &OsState) -> Result<(OsFamily, Option<u32>, Option<String>), String> {
    let major_minor: String = os
        .version
        .0
        .split('.')
        .take(2)
        .collect::<Vec<_>>()
        .join(".");
    let server = match os.product_type {
        Some(1) => Some(false),
        Some(2 | 3) => Some(true),
        _ => None,
    };
    let caption = map_os(Some(&os.caption.0), None).ok().map(|(f, _, _)| f);
    let b = os.build;
    let by_numbers = match (server, major_minor.as_str()) {
        (Some(true), "10.0") if b >= 26100 => Some(OsFamily::Server2025),
        (Some(true), "10.0") if b >= 20348 => Some(OsFamily::Server2022),
        (Some(true), "10.0") if b >= 17763 => Some(OsFamily::Server2019),
        (Some(true), "10.0") => Some(OsFamily::Server2016),
        (Some(true), "6.3") => Some(OsFamily::Server2012R2),
        (Some(true), "6.2") => Some(OsFamily::Server2012),
        (Some(true), "6.1") => Some(OsFamily::Server2008R2),
        (Some(true), "6.0") => Some(OsFamily::Server2008),
        (Some(false), "10.0") if b >= 22000 => Some(OsFamily::Windows11),
        (Some(false), "10.0") => Some(OsFamily::Windows10),
        (Some(false), "6.3") => Some(OsFamily::Windows81),
        (Some(false), "6.2") => Some(OsFamily::Windows8),
        (Some(false), "6.1") => Some(OsFamily::Windows7),
        (Some(false), "6.0") => Some(OsFamily::WindowsVista),
        _ => None,
    };
    let (family, build, _) = match by_numbers {
        Some(f) => (f, None, None),
        // No product type, or a version guardplan does not know: the caption says workstation or server.
        None => map_os(Some(&os.caption.0), Some(&format!("{major_minor} ({b})")))?,
    };
    let build = match family {
        OsFamily::Windows10 | OsFamily::Windows11 => Some(b),
        _ => build,
    };
    let disagree = caption.filter(|c| *c != family).map(|c| {
        format!(
            "its caption `{}` says {}, but version {} build {b}{} is {}: written as {}",
            crate::inventory::load::shown(&os.caption.0),
            os_str(c),
            crate::inventory::load::shown(&major_minor),
            match os.product_type {
                Some(1) => " of a workstation",
                Some(2) => " of a domain controller",
                Some(3) => " of a server",
                _ => "",
            },
            os_str(family),
            os_str(family)
        )
    });
    Ok((family, build, disagree))
}

/// The result of merging host state into an inventory.
#[derive(Debug, Clone, Default)]
pub struct StateMerge {
    /// What changed, one line per host: `~ host SRV-01: disable_restricted_admin unset -> 0`.
    pub changes: Vec<String>,
    /// What was not imported or needs a look, one sentence each.
    pub notes: Vec<String>,
    /// Hosts whose state was applied.
    pub hosts: usize,
}

fn lc(s: &str) -> String {
    s.to_lowercase()
}

/// `unset` or the value.
fn opt(v: Option<u32>) -> String {
    v.map_or_else(|| "unset".into(), |v| v.to_string())
}

/// The name of an operating system family in the inventory (`server-2022`).
fn os_str(f: OsFamily) -> String {
    serde_json::to_value(f)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

fn policy_name(p: ClientPolicy) -> &'static str {
    match p {
        ClientPolicy::None => "none",
        ClientPolicy::RequireRestrictedAdmin => "require-restricted-admin",
        ClientPolicy::RequireRemoteGuard => "require-remote-guard",
        ClientPolicy::RestrictCredentialDelegation => "restrict-credential-delegation",
    }
}

/// The client policy the registry values make.
fn client_policy(r: &Registry) -> Result<ClientPolicy, String> {
    if r.restricted_remote_administration != Some(1) {
        return Ok(ClientPolicy::None);
    }
    match r.restricted_remote_administration_type {
        Some(1) => Ok(ClientPolicy::RequireRestrictedAdmin),
        Some(2) => Ok(ClientPolicy::RequireRemoteGuard),
        Some(3) => Ok(ClientPolicy::RestrictCredentialDelegation),
        other => Err(format!(
            "RestrictedRemoteAdministrationType is {}, which is not 1, 2 or 3",
            opt(other)
        )),
    }
}

/// Who a member name means in the inventory: (domain DNS, account), lower case.
type Identity = (String, String);

/// Looks up inventory principals by identity and NetBIOS name.
struct Principals {
    netbios: BTreeMap<String, String>,
    /// Identity -> the name to write (`NETBIOS\name`).
    written: BTreeMap<Identity, String>,
    /// Bare account name -> identities (to resolve entries written without a domain).
    bare: BTreeMap<String, Vec<Identity>>,
}

impl Principals {
    fn new(inv: &RawInventory) -> Self {
        let netbios: BTreeMap<String, String> = inv
            .domains
            .iter()
            .map(|d| (lc(d.netbios.get_ref()), lc(d.dns.get_ref())))
            .collect();
        let nb_of: BTreeMap<String, String> = inv
            .domains
            .iter()
            .map(|d| (lc(d.dns.get_ref()), d.netbios.get_ref().clone()))
            .collect();
        let mut written = BTreeMap::new();
        let mut bare: BTreeMap<String, Vec<Identity>> = BTreeMap::new();
        let names = inv
            .users
            .iter()
            .map(|u| (&u.domain, &u.name))
            .chain(inv.groups.iter().map(|g| (&g.domain, &g.name)));
        for (domain, name) in names {
            let id = (lc(domain.get_ref()), lc(name.get_ref()));
            let nb = nb_of
                .get(&id.0)
                .cloned()
                .unwrap_or_else(|| domain.get_ref().clone());
            written.insert(id.clone(), format!("{nb}\\{}", name.get_ref()));
            bare.entry(id.1.clone()).or_default().push(id);
        }
        Principals {
            netbios,
            written,
            bare,
        }
    }

    /// The identity of a name as the inventory or a host writes it (`NETBIOS\name`, `dns\name`, `name`,
    /// `user:name`, `group:name`), when it is in the inventory.
    fn identity(&self, name: &str) -> Option<Identity> {
        let name = name
            .strip_prefix("user:")
            .or_else(|| name.strip_prefix("group:"))
            .unwrap_or(name);
        match name.split_once('\\') {
            Some((d, n)) => {
                let d = lc(d);
                let dns = self.netbios.get(&d).cloned().unwrap_or(d);
                let id = (dns, lc(n));
                self.written.contains_key(&id).then_some(id)
            }
            None => match self.bare.get(&lc(name)).map(Vec::as_slice) {
                Some([one]) => Some(one.clone()),
                _ => None,
            },
        }
    }
}

/// Replaces a local group's members by those the host reported, keeping the spelling of entries that name
/// the same account; members the inventory does not know are listed in `notes`.
fn members(
    host: &str,
    group: &str,
    old: &[Spanned<String>],
    new: &[Member],
    p: &Principals,
    changes: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Vec<Spanned<String>> {
    let old_ids: BTreeMap<Identity, &Spanned<String>> = old
        .iter()
        .filter_map(|o| p.identity(o.get_ref()).map(|id| (id, o)))
        .collect();
    let mut out: BTreeMap<Identity, Spanned<String>> = BTreeMap::new();
    let mut unknown = Vec::new();
    for m in new {
        let shown = m.name.as_ref().map_or(m.sid.0.as_str(), |n| n.0.as_str());
        match m.name.as_ref().and_then(|n| p.identity(&n.0)) {
            Some(id) => {
                let entry = old_ids.get(&id).map_or_else(
                    || Spanned::new(0..0, p.written[&id].clone()),
                    |o| (*o).clone(),
                );
                out.insert(id, entry);
            }
            None => unknown.push(format!("{shown} ({})", m.sid.0)),
        }
    }
    // Entries the inventory could not resolve are the administrator's: kept as written.
    let kept: Vec<Spanned<String>> = old
        .iter()
        .filter(|o| p.identity(o.get_ref()).is_none())
        .cloned()
        .collect();
    let added: Vec<&str> = out
        .keys()
        .filter(|id| !old_ids.contains_key(*id))
        .map(|id| p.written[id].as_str())
        .collect();
    let removed: Vec<&str> = old_ids
        .iter()
        .filter(|(id, _)| !out.contains_key(*id))
        .map(|(_, o)| o.get_ref().as_str())
        .collect();
    if !added.is_empty() {
        changes.push(format!("{group} + {}", added.join(", ")));
    }
    if !removed.is_empty() {
        changes.push(format!("{group} - {}", removed.join(", ")));
    }
    if !unknown.is_empty() {
        notes.push(format!(
            "{host}: {group} members not in the inventory, not written: {}",
            truncated(&unknown.join(", "), MAX_NOTE)
        ));
    }
    kept.into_iter().chain(out.into_values()).collect()
}

/// Merges host state into `inv` (parsed from the earlier inventory). Records of hosts the inventory lacks,
/// and parts a host could not report, change nothing and are listed in the notes.
pub fn merge(inv: &mut RawInventory, states: &[HostState]) -> StateMerge {
    let principals = Principals::new(inv);
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    for (i, h) in inv.hosts.iter().enumerate() {
        by_name.insert(lc(h.name.get_ref()), i);
    }
    let mut out = StateMerge::default();
    for s in states {
        let asked = &s.name.0;
        let short = asked.split('.').next().unwrap_or(asked);
        let found = by_name
            .get(&lc(asked))
            .or_else(|| by_name.get(&lc(short)))
            .copied();
        for e in &s.errors {
            out.notes.push(format!(
                "{}: not collected: {}",
                crate::inventory::load::sanitize(asked),
                crate::inventory::load::sanitize(e.0.trim())
            ));
        }
        let Some(i) = found else {
            out.notes.push(format!(
                "{asked}: not in the inventory, nothing written (add the host, or import the directory first)"
            ));
            continue;
        };
        out.hosts += 1;
        let h = &mut inv.hosts[i];
        let name = h.name.get_ref().clone();
        let mut d: Vec<String> = Vec::new();
        if let Some(os) = &s.os {
            match classify_os(os) {
                Ok((family, build, disagree)) => {
                    if let Some(why) = disagree {
                        out.notes.push(format!("{name}: {why}"));
                    }
                    if family != h.os {
                        d.push(format!("os {} -> {}", os_str(h.os), os_str(family)));
                        h.os = family;
                    }
                    if build.is_some() && build != h.build {
                        d.push(format!("build {} -> {}", opt(h.build), opt(build)));
                        h.build = build;
                    }
                }
                Err(why) => out
                    .notes
                    .push(format!("{name}: operating system not written: {why}")),
            }
        }
        if let Some(r) = &s.registry {
            if r.disable_restricted_admin != h.disable_restricted_admin {
                d.push(format!(
                    "disable_restricted_admin {} -> {}",
                    opt(h.disable_restricted_admin),
                    opt(r.disable_restricted_admin)
                ));
                h.disable_restricted_admin = r.disable_restricted_admin;
            }
            let apc = r.allow_protected_creds == Some(1);
            if apc != h.allow_protected_creds {
                d.push(format!(
                    "allow_protected_creds {} -> {apc}",
                    h.allow_protected_creds
                ));
                h.allow_protected_creds = apc;
            }
            match client_policy(r) {
                Ok(p) if p != h.client_policy => {
                    d.push(format!(
                        "client_policy {} -> {}",
                        policy_name(h.client_policy),
                        policy_name(p)
                    ));
                    h.client_policy = p;
                }
                Ok(_) => {}
                Err(why) => out
                    .notes
                    .push(format!("{name}: client policy not written: {why}")),
            }
        }
        if let Some(g) = &s.local_groups {
            h.administrators = Some(members(
                &name,
                "administrators",
                h.administrators.as_deref().unwrap_or_default(),
                &g.administrators,
                &principals,
                &mut d,
                &mut out.notes,
            ));
            h.remote_desktop_users = Some(members(
                &name,
                "remote_desktop_users",
                h.remote_desktop_users.as_deref().unwrap_or_default(),
                &g.remote_desktop_users,
                &principals,
                &mut d,
                &mut out.notes,
            ));
        }
        if let Some(laps) = s.laps
            && laps != h.laps
        {
            d.push(format!("laps {} -> {laps}", h.laps));
            h.laps = laps;
        }
        if s.mstsc == Some(false) && h.rdp_client == RdpClient::Mstsc {
            out.notes.push(format!(
                "{name}: mstsc.exe is missing, but the inventory says this host uses it (rdp_client)"
            ));
        }
        if !d.is_empty() {
            out.changes.push(format!("~ host {name}: {}", d.join("; ")));
        }
    }
    out
}
